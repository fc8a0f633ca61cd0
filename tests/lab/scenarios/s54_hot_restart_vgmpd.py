#!/usr/bin/python3
"""Hot restart of vgmpd (issue #12, doc/hot-restart.md) in the reference pair under a 1 ms UDP
probe and 200 TCP flows through the active fw1: fw1's vgmpd is replaced ten times in a row
(SIGUSR2 and `hrpctl hot-restart daemon vgmpd`, alternately). Each time the pid changes and the
new vgmpd shows the same state, priority and stable time (no startup wait, no re-election); a
watcher polling both hrpds every 50 ms sees fw1's payload and role, as hrpd holds it and as fw2
hears it, never change; no VRRP group changes state on either box; no probe is lost and every
flow lives. Then: a new binary that aborts before its confirm (HS_TEST_CRASH_AT_ADOPT=1 through a
wrapper given as "exe") leaves the old vgmpd (same pid) active; a new binary that reads the
snapshot as a newer major version (HS_TEST_SNAPSHOT_MAJOR=2 through a wrapper: the stand-in for
an older vgmpd given a newer snapshot) refuses it with the message, and hrpctl reports the abort
(exit 1); once on the standby fw2, which stays standby."""

import os
import re
import signal
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, probes, scenario  # noqa: E402
from hslab_lib.pair import ctl, ctl_or_empty, routed_via, session, settled  # noqa: E402
from hslab_lib.hot import gone, test_binary  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402

FLOWS = 200
TCP_PORT = 9001
UDP_PORT = 9000
RESTARTS = 10
PAUSE_S = 1.0  # between two restarts


def vgmp(lab, box):
    """vgmpd's status on box: its pid and "vgmp" object ({} while it does not answer)."""
    st = ctl_or_empty(lab, box, "vgmpd", "status")
    return st


def vrrp_counts(lab, box):
    """(interface, vrid, state, transitions, became_master) of every VRRP group on box."""
    st = ctl_or_empty(lab, box, "vrrpd", "status")
    return sorted((g["interface"], g["vrid"], g["state"], g["counters"].get("transitions"),
                   g["counters"].get("became_master")) for g in st.get("groups", []))


class Watcher(threading.Thread):
    """Polls both hrpds every 50 ms: fw1's payload and role as fw1's hrpd holds them and as
    fw2's hrpd hears them. Every distinct value seen is kept."""

    def __init__(self, lab):
        super().__init__(daemon=True)
        self.lab = lab
        self.stop = threading.Event()
        self.seen = {"fw1 local": set(), "fw1 role": set(), "fw2 hears fw1": set(),
                     "fw2 role": set(), "fw1 last_change": set()}
        self.polls = 0

    def run(self):
        deadline = time.monotonic() + 120  # bounded whatever happens
        while not self.stop.is_set() and time.monotonic() < deadline:
            h1 = ctl_or_empty(self.lab, "fw1", "hrpd", "status").get("hrp") or {}
            h2 = ctl_or_empty(self.lab, "fw2", "hrpd", "status").get("hrp") or {}
            if h1 and h2:
                loc = h1.get("local_payload") or {}
                heard = (h2.get("peer") or {}).get("payload") or {}
                self.seen["fw1 local"].add((loc.get("state"), loc.get("priority"),
                                            loc.get("readiness")))
                self.seen["fw1 role"].add(h1.get("role"))
                self.seen["fw1 last_change"].add(str(h1.get("last_change")))
                self.seen["fw2 hears fw1"].add((heard.get("state"), heard.get("priority"),
                                                heard.get("readiness")))
                self.seen["fw2 role"].add(h2.get("role"))
                self.polls += 1
            self.stop.wait(0.05)


def history(g):
    """vgmpd's state changes without their age."""
    return [{k: v for k, v in h.items() if k != "ago_ms"} for h in g.get("history") or []]


def established(lab, box):
    out = lab.run(box, ["conntrack", "-L", "-p", "tcp", "--dport", str(TCP_PORT)], check=False)
    return len([x for x in out.stdout.splitlines() if x.startswith("tcp") and "ESTABLISHED" in x])


def hot_restart(lab, s, box, how):
    """One hot restart of box's vgmpd; returns (old pid, new pid, the new status)."""
    old = vgmp(lab, box).get("pid")
    if how == "signal":
        os.kill(old, signal.SIGUSR2)
    else:
        out = boxes.hrpctl(lab, box, "hot-restart", "daemon", "vgmpd")
        s.check(out.get("outcome") == "confirmed" and out.get("old_pid") == old,
                "hrpctl hot-restart daemon vgmpd on %s: %s" % (box, out))
    new = s.wait_until("a new vgmpd answers on %s in place of pid %d" % (box, old),
                       lambda: (vgmp(lab, box).get("pid") or old) != old and
                       vgmp(lab, box).get("pid"), timeout=10, interval=0.02)
    s.wait_until("the old vgmpd %d exits" % old, lambda: gone(old), timeout=10)
    return old, new, vgmp(lab, box)


def aborted(lab, s, box, what):
    return s.wait_until(what, lambda: (vgmp(lab, box).get("hot_restart") or {}).get(
        "stage") == "aborted" and vgmp(lab, box)["hot_restart"], timeout=10)


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby, VRRP master on fw1 only",
                 lambda: settled(lab, "fw1", vrrp=True), 30)
    s.wait_until("the upstream route goes via fw1 only", lambda: routed_via(lab, "fw1"), 30)
    s.wait_until("fw2's session sync is ready", lambda: session(lab, "fw2").get(
        "status", {}).get("ready") is True, 20)
    vrrp_before = {b: vrrp_counts(lab, b) for b in ("fw1", "fw2")}
    fw2_before = vgmp(lab, "fw2")["vgmp"]
    v1 = vgmp(lab, "fw1")["vgmp"]

    duration = int(RESTARTS * (PAUSE_S + 1.0)) + 14
    tcp = probes.tcp_flows(lab, "client", "server", REF["server"], flows=FLOWS,
                           duration=duration, port=TCP_PORT, alive_ms=1500)
    s.wait_until("fw1 forwards the %d TCP flows" % FLOWS,
                 lambda: established(lab, "fw1") >= FLOWS, 20)
    udp = probes.udp_probe(lab, "client", "server", REF["server"], duration=duration,
                           port=UDP_PORT)
    watch = Watcher(lab)
    watch.start()
    time.sleep(1.5)
    pids = restarts_of_the_active(lab, s, v1)
    refused_binaries(lab, s, pids[-1])

    # Once on the standby.
    old, new, st = hot_restart(lab, s, "fw2", "hrpctl")
    g = st.get("vgmp") or {}
    s.check(new != old and g.get("state") == "standby" and
            g.get("priority") == fw2_before["priority"],
            "fw2 (standby): pid %d -> %d, still standby at priority %s" % (
                old, new, g.get("priority")))
    time.sleep(1.0)
    watch.stop.set()
    watch.join(timeout=10)
    u, alive, flows = nothing_seen(lab, s, udp.wait(), tcp.wait(), watch, vrrp_before,
                                   fw2_before)
    s.summary = "%d hot restarts of the active's vgmpd + 1 of the standby's, %s, %d/%d flows; " \
        "crashing binary and newer major: old goes on" % (RESTARTS, probes.udp_detail(u), alive,
                                                          flows)


def restarts_of_the_active(lab, s, v1):
    """RESTARTS hot restarts of fw1's vgmpd, by signal and by hrpctl in turn: each new one goes
    on in the old one's state, with its age and history. Returns the pids, the first's first."""
    pids = [vgmp(lab, "fw1")["pid"]]
    kept = []
    for i in range(RESTARTS):
        old, new, st = hot_restart(lab, s, "fw1", "signal" if i % 2 == 0 else "hrpctl")
        pids.append(new)
        g = st.get("vgmp") or {}
        same = (g.get("state"), g.get("priority"), g.get("reason")) == (
            v1["state"], v1["priority"], v1["reason"])
        # No startup wait, no re-election: the state's age goes on from before the restart.
        kept.append(same and g.get("stable_ms", 0) >= v1["stable_ms"] and
                    history(g) == history(v1))
        s.check(same, "hot restart %d: pid %d -> %d, fw1 still %s at priority %s (%s)" % (
            i + 1, old, new, g.get("state"), g.get("priority"), g.get("reason")))
        time.sleep(PAUSE_S)
    s.check(len(set(pids)) == RESTARTS + 1, "the pid changed at each of %d restarts (%s)" % (
        RESTARTS, " ".join(map(str, pids))))
    s.check(all(kept), "each new vgmpd went on with the old state's age and history (%s)" % kept)
    return pids


def refused_binaries(lab, s, pid):
    """A new binary that dies before its confirm, and an older one given a newer snapshot: the
    old vgmpd goes on, active, each time."""
    ans = ctl(lab, "fw1", "vgmpd", "hot-restart",
              {"exe": test_binary(lab, "vgmpd", "vgmpd-crash",
                                  "HS_TEST_CRASH_AT_ADOPT=1")})
    s.check(ans.get("stage") == "sent", "the crashing binary got the sockets: %s" % ans)
    hot = aborted(lab, s, "fw1", "the handover to the crashing vgmpd aborted")
    s.check("closed" in hot["last_error"], "aborted because it died: %s" % hot["last_error"])
    st = vgmp(lab, "fw1")
    s.check(st.get("pid") == pid and st["vgmp"]["state"] == "active",
            "the old vgmpd %d still runs and is active (%s)" % (pid, st.get("pid")))

    # An older vgmpd given a newer snapshot: refused with the message; hrpctl says so.
    out = boxes.hrpctl(lab, "fw1", "hot-restart", "daemon", "vgmpd", "exe",
                       test_binary(lab, "vgmpd", "vgmpd-major2", "HS_TEST_SNAPSHOT_MAJOR=2"),
                       check=False)
    reason = out.get("reason") or ""
    s.note("newer major", reason)
    # (2.MINOR: the wrapper bumps the major of this build's snapshot, whatever its minor)
    s.check(out.get("outcome") == "aborted" and re.search(
        r"snapshot version 2\.\d+ is not readable by this vgmpd \(reads 1\.x\)", reason),
        "a newer major snapshot is refused: %s" % out)
    st = vgmp(lab, "fw1")
    s.check(st.get("pid") == pid and st["vgmp"]["state"] == "active",
            "after the refusal the old vgmpd %d still runs and is active" % pid)


def nothing_seen(lab, s, u, t, watch, vrrp_before, fw2_before):
    """No probe lost, every flow alive, no status change the watcher saw, no VRRP or VGMP
    transition on either box. Returns the probe's result and the flows alive of all."""
    s.note("probe", probes.udp_detail(u))
    s.check(probes.udp_lost(u) == 0 and (u.get("c2s") or {}).get("received", 0) > 0,
            "no probe lost across %d hot restarts of vgmpd (%s)" % (RESTARTS + 1,
                                                                   probes.udp_detail(u)))
    alive, flows = t.get("alive", 0), t.get("flows", FLOWS)
    s.note("tcp", "%d/%d flows alive, longest stall %s ms" % (alive, flows,
                                                             t.get("max_stall_ms")))
    s.check(alive == flows == FLOWS, "every TCP flow alive (%d/%d)" % (alive, flows))
    for key, values in sorted(watch.seen.items()):
        s.check(len(values) == 1, "%s never changed in %d polls: %s" % (key, watch.polls,
                                                                        sorted(values)))
    s.check(watch.polls > 10 * RESTARTS, "the watcher polled %d times" % watch.polls)
    for b in ("fw1", "fw2"):
        after = vrrp_counts(lab, b)
        s.check(after == vrrp_before[b], "no VRRP state change on %s: %s" % (b, after))
    fw2 = vgmp(lab, "fw2")["vgmp"]
    s.check(history(fw2) == history(fw2_before) and fw2["stable_ms"] > fw2_before["stable_ms"],
            "fw2's vgmpd made no state change, its state's age went on (%d ms)" % fw2["stable_ms"])
    s.check(settled(lab, "fw1", vrrp=True), "fw1 still active and master, fw2 standby")
    return u, alive, flows


scenario.main(body, topology="ref", daemons=True)
