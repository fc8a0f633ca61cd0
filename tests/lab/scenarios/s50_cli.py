#!/usr/bin/python3
"""hrpctl's config commands in the reference lab, with the daemons running: `hrp preempt delay 5`
on the active changes the running config (display current-configuration, vgmpd's status) and
the behaviour (fw1 preempts back after its tracked uplink returns in about 5 s, not the 30 s the
file says); `save` writes the file (the new value, the old file as .bak, the global group kept,
valid for the daemons); a (+B) change on the standby is refused with Huawei's sentence until
`hrp standby config enable`. Then the interactive CLI in tmux: the HRP_M[fw1]> prompt, `?` help,
Tab completion, `dis hrp st`, an error caret, and the refusal behind HRP_S[fw2]>."""

import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, faults, pair, scenario  # noqa: E402
from hslab_lib.pair import roles  # noqa: E402

REFUSAL = "Error: The device is in HRP standby state, so this command cannot be executed."
FILE_DELAY = 30  # the files' preempt delay; the CLI sets 5 on fw1


def hrpctl(lab, box, *words):
    """hrpctl on box, text mode: (exit code, stdout, stderr)."""
    argv = [lab.paths.daemon("hrpctl"), "--rundir", boxes.rundir(lab, box)] + list(words)
    p = lab.run(box, argv, check=False)
    return p.returncode, p.stdout, p.stderr


def vgmp(lab, box):
    return pair.ctl(lab, box, "vgmpd", "status")["vgmp"]


def read(path):
    with open(path) as f:
        return f.read()


def group(text, name):
    """The text of one top-level group of a config file."""
    start = text.index("%s = {" % name)
    return text[start:text.index("\n};", start)]


class Terminal:
    """hrpctl at a terminal: a tmux session inside the box's namespace (its server too), driven
    by send-keys and read by capture-pane."""

    def __init__(self, lab, box):
        self.lab, self.box = lab, box
        self.sock = os.path.join(lab.node_dir(box), "tmux.sock")
        cmd = "%s --rundir %s" % (lab.paths.daemon("hrpctl"), boxes.rundir(lab, box))
        self.tmux("new-session", "-d", "-s", "cli", "-x", "200", "-y", "60", cmd)

    def tmux(self, *args):
        return self.lab.run(self.box, ["env", "TERM=xterm", "tmux", "-S", self.sock, "-f",
                                       "/dev/null"] + list(args), timeout=10).stdout

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "cli", *keys)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "cli")

    def clear(self, s, prompt):
        """A fresh screen with the prompt alone (^U drops a half-typed line, ^L clears), waited
        for, so that nothing on screen is left from before."""
        self.keys("C-u")
        self.keys("C-l")
        s.wait_until("a clear screen", lambda: self.screen().strip() == prompt, 10, 0.2)

    def wait_for(self, s, what, text, timeout=10):
        return s.wait_until(what, lambda: self.screen() if text in self.screen() else None,
                            timeout, interval=0.2)

    def close(self):
        self.lab.run(self.box, ["tmux", "-S", self.sock, "kill-server"], check=False)


def change_and_behaviour(lab, s):
    rc, out, err = hrpctl(lab, "fw1", "hrp", "preempt", "delay", "5")
    s.check(rc == 0 and out == "" and err == "",
            "hrp preempt delay 5 on the active: exit 0, silent (%d %r %r)" % (rc, out, err))
    rc, out, _ = hrpctl(lab, "fw1", "display", "current-configuration")
    s.check(rc == 0 and "  preempt_delay = 5;" in group(out, "vgmpd"),
            "display current-configuration shows preempt_delay = 5 in vgmpd")
    cur = boxes.hrpctl(lab, "fw1", "dis", "cur")
    s.check(cur["config"]["vgmpd"]["preempt_delay"] == 5 and cur["unsaved_changes"]["vgmpd"] == 1
            and cur["config"]["global"]["name"] == "fw1",
            "its --json: vgmpd.preempt_delay 5, one unsaved change, global from the box")
    s.check(vgmp(lab, "fw1")["preempt_delay_s"] == 5, "vgmpd's status says preempt delay 5 s")
    s.check("preempt_delay = %d;" % FILE_DELAY in read(boxes.config(lab, "fw1")),
            "the file is untouched until save")

    faults.link_down(lab, "fw1", "up0")
    s.wait_until("fw2 active after fw1's tracked uplink fails",
                 lambda: pair.settled(lab, "fw2"), 15)
    faults.link_up(lab, "fw1", "up0")
    t_up = time.monotonic()
    time.sleep(2.5)
    s.check(roles(lab).get("fw2") == "active", "fw1 does not preempt before its 5 s delay")
    s.wait_until("fw1 preempts back well before the file's %d s" % FILE_DELAY,
                 lambda: pair.settled(lab, "fw1"), 15)
    waited = time.monotonic() - t_up
    s.note("preempted after", "%.1f s (delay 5 s, the file says %d s)" % (waited, FILE_DELAY))
    s.check(4.0 <= waited < 15, "preempted %.1f s after recovery: the new delay" % waited)


def save(lab, s):
    path = boxes.config(lab, "fw1")
    before = read(path)
    rc, out, err = hrpctl(lab, "fw1", "save")
    s.check(rc == 0 and "written to %s" % path in out and path + ".bak" in out,
            "save: exit 0, names the file and the .bak (%d %r %r)" % (rc, out, err))
    after = read(path)
    s.check("  preempt_delay = 5;" in group(after, "vgmpd"), "the saved file has preempt_delay 5")
    s.check(read(path + ".bak") == before, "FILE.bak is the previous file, byte for byte")
    s.check('name = "fw1";' in group(after, "global") and
            'rundir = "%s";' % boxes.rundir(lab, "fw1") in group(after, "global"),
            "the global group is kept")
    p = lab.run("fw1", [lab.paths.daemon("vgmpd"), "--check", "-f", path], check=False)
    s.check(p.returncode == 0 and "preempt_delay = 5;" in p.stdout,
            "vgmpd --check takes the saved file (%d %s)" % (p.returncode, p.stderr.strip()))
    pair.ctl(lab, "fw1", "vgmpd", "reload")
    s.check(vgmp(lab, "fw1")["preempt_delay_s"] == 5, "a reload of the saved file keeps 5 s")
    cur = boxes.hrpctl(lab, "fw1", "display", "current-configuration")
    s.check(cur["text"] in after, "the file holds what display current-configuration shows")


def standby(lab, s):
    rc, out, err = hrpctl(lab, "fw2", "hrp", "preempt", "delay", "7")
    s.check(rc == 1 and err.strip() == REFUSAL,
            "the standby refuses a (+B) change: exit 1, %r" % err.strip())
    # the delay is a synced setting: fw2 runs with the master's 5 s, not its file's
    s.check(vgmp(lab, "fw2")["preempt_delay_s"] == 5, "fw2's delay stays the synced 5 s")
    rc, out, _ = hrpctl(lab, "fw2", "--json", "undo", "hrp", "pre")
    s.check(rc == 1 and '"hrp-standby"' in out, "--json: the refusal as code hrp-standby")
    rc, out, _ = hrpctl(lab, "fw2", "undo", "hrp", "pre", "--json")
    s.check(rc == 1 and '"hrp-standby"' in out, "a trailing --json is the option too")
    rc, _, err = hrpctl(lab, "fw2", "hrp", "track", "interface", "up9")
    s.check(rc == 0, "a local setting (hrp track interface) is the standby's own (%r)" % err)
    s.check("up9" in [t.get("name") for t in vgmp(lab, "fw2")["tracked"]],
            "vgmpd tracks up9 at once")
    rc, _, err = hrpctl(lab, "fw2", "undo", "hrp", "track", "interface", "up9")
    s.check(rc == 0 and "up9" not in [t.get("name") for t in vgmp(lab, "fw2")["tracked"]],
            "undo hrp track interface up9: untracked (%r)" % err)


def allow_standby(lab, s):
    rc, _, err = hrpctl(lab, "fw2", "hrp", "standby", "config", "enable")
    s.check(rc == 0, "hrp standby config enable on fw2 (%r)" % err)
    rc, _, err = hrpctl(lab, "fw2", "hrp", "preempt", "delay", "7")
    s.check(rc == 0 and err == "", "then the (+B) change is taken (%d %r)" % (rc, err))
    s.check(vgmp(lab, "fw2")["preempt_delay_s"] == 7, "fw2's vgmpd runs with 7 s")
    rc, _, err = hrpctl(lab, "fw2", "hrp", "preempt", "delay", "4000")
    s.check(rc == 1 and "Wrong parameter" in err, "an out-of-range delay: the parser's error")

    # The OSPF cost at run time: switched off on the standby, its raised cost goes back and the
    # router uses both boxes; switched on again, the router goes back to fw1 only.
    # (fw1 preempted back a moment ago: the cost swap and the router's SPF may still run)
    s.wait_until("the upstream route goes via fw1 only", lambda: pair.route_via(lab, "fw1"), 30)
    rc, _, err = hrpctl(lab, "fw2", "undo", "hrp", "adjust", "ospf-cost", "enable")
    s.check(rc == 0, "undo hrp adjust ospf-cost enable on fw2 (%r)" % err)
    s.wait_until("fw2's cost goes back: the router reaches the LAN via fw2 too",
                 lambda: pair.UPLINK["fw2"] in lab.run("rtr", ["ip", "route", "show",
                                                              pair.LAN_NET]).stdout, 30)
    rc, _, err = hrpctl(lab, "fw2", "hrp", "adj", "o", "e", "65000")
    s.check(rc == 0, "hrp adjust ospf-cost enable 65000 on fw2 (%r)" % err)
    s.wait_until("fw2's cost is raised again: the route goes via fw1 only",
                 lambda: pair.route_via(lab, "fw1"), 30)
    s.check(vgmp(lab, "fw2")["ospf_cost"]["applied"] == 65000, "vgmpd applied cost 65000")


def terminal_active(lab, s):
    t = Terminal(lab, "fw1")
    try:
        t.wait_for(s, "the prompt HRP_M[fw1]> on the active", "HRP_M[fw1]>")
        t.keys("display hrp ?")
        scr = t.wait_for(s, "? lists what may follow", "statistics  Display the HRP message")
        s.check("  state       Display the hot standby state" in scr,
                "? shows state with its help")
        t.clear(s, "HRP_M[fw1]>")
        t.keys("dis", "Tab")
        t.wait_for(s, "Tab completes dis to display", "HRP_M[fw1]>display")
        t.clear(s, "HRP_M[fw1]>")
        t.keys("dis hrp st", "Enter")
        t.wait_for(s, "dis hrp st runs display hrp state", "Role: active, peer: standby")
        t.clear(s, "HRP_M[fw1]>")
        t.keys("display hrp foo", "Enter")
        scr = t.wait_for(s, "an unknown word is refused", "Error: Unrecognized command")
        lines = scr.splitlines()
        i = [n for n, ln in enumerate(lines) if "Error: Unrecognized command" in ln][0]
        caret = lines[i - 1]
        col = len("HRP_M[fw1]>display hrp ")
        s.check(caret.strip() == "^" and caret.index("^") == col,
                "the caret sits under foo (column %d): %r" % (col, caret))
    finally:
        t.close()


def terminal_standby(lab, s):
    t = Terminal(lab, "fw2")
    try:
        t.wait_for(s, "the prompt HRP_S[fw2]> on the standby", "HRP_S[fw2]>")
        t.keys("hrp mirror session enable", "Enter")
        t.wait_for(s, "the refusal at the terminal", REFUSAL)
        s.check(not pair.ctl(lab, "fw2", "hrpd", "config-show")["settings"]["hrpd"]
                ["mirror_session"], "mirror_session stays off on fw2")
    finally:
        t.close()


def body(lab, s):
    for box in pair.BOXES:
        boxes.set_setting(lab, box, "vgmpd", "preempt_delay", str(FILE_DELAY))
        boxes.start_daemons(lab, box)
    s.wait_until("fw1 active, fw2 standby, VRRP master on fw1 only",
                 lambda: pair.settled(lab, "fw1", vrrp=True), 30)
    # The pair has exchanged its synced settings: a change made before that may be undone by
    # the first exchange (the config master's settings win at pairing).
    s.wait_until("both boxes agree on their synced settings", lambda: all(
        (pair.ctl_or_empty(lab, b, "hrpd", "config-consistency").get("settings") or {}).get(
            "equal") is True for b in pair.BOXES), 15)
    terminal_standby(lab, s)
    change_and_behaviour(lab, s)
    save(lab, s)
    standby(lab, s)
    terminal_active(lab, s)
    allow_standby(lab, s)
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes) or "ok"


if subprocess.run(["which", "tmux"], capture_output=True).returncode != 0:
    print("FAIL: tmux is not installed (tests/run.sh deps installs it)")
    sys.exit(1)
scenario.main(body, topology="ref", daemons=False)
