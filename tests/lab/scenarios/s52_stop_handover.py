#!/usr/bin/python3
"""A planned stop of the active box, as `systemctl stop hotstandby.target` does it: SIGTERM to
vgmpd first, then hrpd and vrrpd. With a 1 ms UDP probe and 200 TCP flows through the active fw1
(strict rulesets: a flow lives only if its conntrack entry was synced), SIGTERM to fw1's vgmpd
hands the active role over before vgmpd exits (make-before-break, as `hrp switchover`): when it
has exited, fw2 is active and VRRP master and fw1's group is backup; then hrpd and vrrpd stop; the
probe loses no packet (the bound s30 asserts for `hrp switchover`) and every TCP flow is alive.
fw1 comes back and preempts; then SIGTERM to vgmpd on the standby fw2 just exits (< 1 s) and
nothing moves."""

import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, faults, probes, scenario  # noqa: E402
from hslab_lib.pair import roles, route_via, routed_via, session, settled, vrrp_state  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402

FLOWS = 200
TCP_PORT = 9001
UDP_PORT = 9000


def received(result):
    return min((result.get(d) or {}).get("received", 0) for d in ("c2s", "s2c"))


def established(lab, box):
    out = lab.run(box, ["conntrack", "-L", "-p", "tcp", "--dport", str(TCP_PORT)], check=False)
    return len([x for x in out.stdout.splitlines() if x.startswith("tcp") and "ESTABLISHED" in x])


def stop_log(lab, box):
    """vgmpd's "stop: ..." lines on box."""
    path = os.path.join(lab.node_dir(box), "log", "vgmpd.log")
    try:
        with open(path, errors="replace") as f:
            return [x.strip() for x in f if "stop:" in x]
    except OSError:
        return []


def timed_stop(lab, box, name):
    t0 = time.monotonic()
    code = faults.graceful_stop(lab, box, name)[name]
    return code, time.monotonic() - t0


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby, VRRP master on fw1 only",
                 lambda: settled(lab, "fw1", vrrp=True), 30)
    s.wait_until("the upstream route goes via fw1 only", lambda: routed_via(lab, "fw1"), 30)
    s.wait_until("fw2's session sync is ready", lambda: session(lab, "fw2").get(
        "status", {}).get("ready") is True, 20)

    tcp = probes.tcp_flows(lab, "client", "server", REF["server"], flows=FLOWS, duration=16,
                           port=TCP_PORT, alive_ms=1500)
    s.wait_until("the standby fw2 holds the %d TCP flows" % FLOWS,
                 lambda: established(lab, "fw2") >= FLOWS, 20)
    udp = probes.udp_probe(lab, "client", "server", REF["server"], duration=6, port=UDP_PORT)
    time.sleep(1.5)

    # systemd's order: vgmpd first (it is After= the other two), then hrpd and vrrpd.
    code, took = timed_stop(lab, "fw1", "vgmpd")
    for line in stop_log(lab, "fw1"):
        print("  fw1 %s" % line, flush=True)
    done = [m.group(1) for m in map(re.compile(r"handed over in (\d+) ms").search,
                                    stop_log(lab, "fw1")) if m]
    s.note("active's vgmpd", "exited %s after %.0f ms (handed over in %s ms)" % (
        code, 1000 * took, done[-1] if done else "-"))
    s.check(code == 0, "fw1's vgmpd exits 0 after SIGTERM")
    # Right when it has exited: the handover is done, not left to fw2's peer-dead verdict.
    fw2_role = boxes.hrpctl(lab, "fw2", "display", "hrp", "state", check=False).get("role")
    s.check(fw2_role == "active" and vrrp_state(lab, "fw2") == "master",
            "fw2 is active and VRRP master when fw1's vgmpd has exited (%s, %s)" % (
                fw2_role, vrrp_state(lab, "fw2")))
    s.check(vrrp_state(lab, "fw1") == "backup",
            "fw1's VRRP group is backup when its vgmpd has exited (%s)" % vrrp_state(lab, "fw1"))
    for name in ("hrpd", "vrrpd"):
        c, _ = timed_stop(lab, "fw1", name)
        s.check(c == 0, "fw1's %s exits 0 after SIGTERM" % name)

    s.wait_until("the upstream route moves to fw2", lambda: route_via(lab, "fw2"), 15)
    u = udp.wait()
    t = tcp.wait()
    s.note("probe", "%d lost (%s)" % (probes.udp_lost(u), probes.udp_detail(u)))
    s.check(received(u) > 0 and probes.udp_lost(u) == 0,
            "the planned stop of the active loses no probe packet (%s)" % probes.udp_detail(u))
    alive, flows = t.get("alive", 0), t.get("flows", FLOWS)
    s.note("tcp", "%d/%d flows alive, longest stall %s ms" % (alive, flows,
                                                             t.get("max_stall_ms")))
    s.check(alive == flows == FLOWS, "every TCP flow alive (%d/%d)" % (alive, flows))
    s.check(roles(lab).get("fw2") == "active", "fw2 stays active once fw1's daemons are gone")

    # fw1 comes back and preempts after its delay; then a stop of the standby just leaves.
    boxes.start_daemons(lab, "fw1")
    s.wait_until("fw1 back and active again (preempted)",
                 lambda: settled(lab, "fw1", vrrp=True), 40)
    code, took = timed_stop(lab, "fw2", "vgmpd")
    for line in stop_log(lab, "fw2"):
        print("  fw2 %s" % line, flush=True)
    s.note("standby's vgmpd", "exited %s after %.0f ms" % (code, 1000 * took))
    s.check(code == 0 and took < 1.0,
            "fw2's vgmpd (standby) exits 0 at once after SIGTERM (%.0f ms)" % (1000 * took))
    s.check(any(re.search(r"stop: no handover \(not active\)", x) for x in stop_log(lab, "fw2")),
            "the standby's vgmpd hands nothing over")
    fw1_role = boxes.hrpctl(lab, "fw1", "display", "hrp", "state", check=False).get("role")
    s.check(fw1_role == "active" and vrrp_state(lab, "fw1") == "master",
            "fw1 stays active and master (%s, %s)" % (fw1_role, vrrp_state(lab, "fw1")))
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=True)
