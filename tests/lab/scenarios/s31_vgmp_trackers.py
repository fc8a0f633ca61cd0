#!/usr/bin/python3
"""vgmpd's configured trackers and notify hooks in the reference lab: an ICMP tracker on fw1
toward the router's uplink address loses its replies (an nft drop rule inside rtr's namespace),
fw1's priority drops after `count` misses and fw2 takes over; fw1 preempts back when the replies
return. A script tracker whose file disappears (exit 1) does the same. Notify hooks on both boxes
write their environment (HS_STATE, HS_OLD_STATE, HS_REASON, HS_PRIORITY) to a file in the box's
lab dir; a hook that outlives its timeout is killed and counted."""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, pair, scenario  # noqa: E402
from hslab_lib.pair import settled  # noqa: E402

RTR_UPLINK = "198.51.100.2"
FW1_UPLINK = "198.51.100.1"
ICMP = {"interval": 200, "timeout": 150, "count": 3}


def vgmp(lab, box):
    """vgmpd's own status (trackers with their counters, notify counters)."""
    return pair.ctl_or_empty(lab, box, "vgmpd", "status").get("vgmp", {})


def tracker(lab, box, kind):
    for t in vgmp(lab, box).get("tracked", []):
        if t.get("type") == kind:
            return t
    return {}


def write_exec(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


def notify_lines(lab, box):
    try:
        with open(os.path.join(lab.node_dir(box), "notify.log")) as f:
            return [line.split("|") for line in f.read().splitlines()]
    except OSError:
        return []


def reload(lab, box):
    os.kill(boxes.daemon_pid(lab, "%s" % box, "vgmpd"), signal.SIGHUP)


def configure(lab):
    for box in ("fw1", "fw2"):
        d = lab.node_dir(box)
        write_exec(os.path.join(d, "notify.sh"),
                   "#!/bin/sh\necho \"$HS_STATE|$HS_OLD_STATE|$HS_REASON|$HS_PRIORITY\""
                   " >> %s/notify.log\n" % d)
        notify = ('( { on = "any"; exec = "%s/notify.sh"; },'
                  ' { on = "fault"; exec = "%s/notify.sh"; },'
                  ' { on = "standby"; exec = "/bin/sleep"; args = [ "5" ]; timeout = 300; } )'
                  % (d, d))
        boxes.set_setting(lab, box, "vgmpd", "notify", notify)
    d = lab.node_dir("fw1")
    open(os.path.join(d, "ok"), "w").close()
    write_exec(os.path.join(d, "check.sh"), "#!/bin/sh\ntest -e \"$1\"\n")
    trackers = ('( { type = "icmp"; target = "%s"; interval = %d; timeout = %d; count = %d; },'
                ' { type = "script"; name = "ok-file"; path = "%s/check.sh";'
                ' args = [ "%s/ok" ]; interval = 300; timeout = 250; weight = 5; } )'
                % (RTR_UPLINK, ICMP["interval"], ICMP["timeout"], ICMP["count"], d, d))
    boxes.set_setting(lab, "fw1", "vgmpd", "trackers", trackers)
    for box in ("fw1", "fw2"):
        reload(lab, box)


def nft_rtr(lab, *rule):
    lab.run("rtr", ["nft"] + list(rule))


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    configure(lab)
    s.wait_until("fw1's icmp and script trackers up after the reload",
                 lambda: tracker(lab, "fw1", "icmp").get("state") == "up"
                 and tracker(lab, "fw1", "script").get("state") == "up", 15)
    s.check(vgmp(lab, "fw1").get("priority") == 45000, "fw1 at full priority")
    t = tracker(lab, "fw1", "icmp")
    s.note("icmp socket", t.get("icmp", {}).get("socket"))
    out = boxes.hrpctl(lab, "fw1", "display", "hrp", "state", "verbose", as_json=False)
    s.check("icmp %s" % RTR_UPLINK in out and "script ok-file" in out,
            "display hrp state verbose lists the icmp and script trackers:\n%s" % out)

    # ICMP: rtr stops answering fw1's echoes (inside rtr's namespace only).
    nft_rtr(lab, "add", "table", "inet", "hs31")
    nft_rtr(lab, "add", "chain", "inet", "hs31", "in",
            "{ type filter hook input priority 0; policy accept; }")
    nft_rtr(lab, "add", "rule", "inet", "hs31", "in", "ip", "saddr", FW1_UPLINK, "icmp", "type",
            "echo-request", "drop")
    t0 = time.monotonic()
    s.wait_until("fw2 active after fw1's icmp tracker misses %d replies" % ICMP["count"],
                 lambda: settled(lab, "fw2"), 15)
    took = 1000 * (time.monotonic() - t0)
    s.note("icmp down -> fw2 active", "%.0f ms (count %d x interval %d ms + timeout %d ms)" % (
        took, ICMP["count"], ICMP["interval"], ICMP["timeout"]))
    t = tracker(lab, "fw1", "icmp")
    s.check(t.get("state") == "down" and t.get("contribution") == -2,
            "fw1's icmp tracker down, costing the fault penalty: %s" % t)
    s.check(vgmp(lab, "fw1").get("priority") == 44998, "fw1's priority 44998")
    s.check(t.get("icmp", {}).get("timeouts", 0) >= ICMP["count"], "misses counted")
    nft_rtr(lab, "delete", "table", "inet", "hs31")
    s.wait_until("fw1's icmp tracker up again", lambda: tracker(lab, "fw1", "icmp").get("state")
                 == "up", 10)
    s.wait_until("fw1 preempts back after its delay", lambda: settled(lab, "fw1"), 20)

    # Script: the file it checks goes away, it exits 1.
    os.unlink(os.path.join(lab.node_dir("fw1"), "ok"))
    t0 = time.monotonic()
    s.wait_until("fw2 active after fw1's script tracker exits 1", lambda: settled(lab, "fw2"),
                 15)
    s.note("script down -> fw2 active", "%.0f ms" % (1000 * (time.monotonic() - t0)))
    t = tracker(lab, "fw1", "script")
    s.check(t.get("state") == "down" and t.get("contribution") == -5,
            "fw1's script tracker down, costing its weight 5: %s" % t)
    s.check(vgmp(lab, "fw1").get("priority") == 44995, "fw1's priority 44995")
    open(os.path.join(lab.node_dir("fw1"), "ok"), "w").close()
    s.wait_until("fw1 preempts back after the file returns", lambda: settled(lab, "fw1"), 20)

    # Notify hooks: every change seen with its environment, in order; the slow hook killed.
    s.wait_until("fw2's hooks saw it go active and back to standby",
                 lambda: [x[:2] for x in notify_lines(lab, "fw2")].count(["active", "standby"])
                 >= 2 and [x[:2] for x in notify_lines(lab, "fw2")][-1] == ["standby",
                                                                            "active"], 15)
    l1 = notify_lines(lab, "fw1")
    s.check(["standby", "active"] in [x[:2] for x in l1], "fw1's hook saw active -> standby")
    s.check(any(x[0] == "fault" and x[1] == "active" and "%s down" % RTR_UPLINK in x[2]
                and x[3] == "44998" for x in l1),
            "fw1's fault hook: HS_STATE=fault, HS_OLD_STATE=active, reason the icmp tracker, "
            "priority 44998 (%s)" % l1)
    s.check(any(x[0] == "standby" and x[3] == "44995" for x in l1),
            "HS_PRIORITY is the priority at the change (44995 for the script fault)")
    s.wait_until("the slow standby hook killed after its 300 ms timeout, and counted",
                 lambda: vgmp(lab, "fw1").get("notify", {}).get("timeouts", 0) >= 2, 10)
    n = vgmp(lab, "fw1").get("notify", {})
    s.note("fw1 hooks", "runs %s ok %s timeouts %s" % (n.get("runs"), n.get("ok"),
                                                       n.get("timeouts")))
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=True)
