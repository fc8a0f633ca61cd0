#!/usr/bin/python3
"""vgmpd, vrrpd and hrpd together in the reference lab, no manual mode: one box active, one standby,
the upstream route via the active only (OSPF cost raised on the standby); the active's tracked
uplink fails (switchover, VRRP and the route move, the gap is printed) and comes back (preemption
after the delay, not before); box failure of the active; kill -9 of every daemon on the active;
a planned `hrp switchover` that loses no probe packet and survives a flap of the old active's
tracked uplink; `hrp release` (break before make) and its undo. The standby's raised OSPF cost
removed by hand in ospfd is found and applied again by vgmpd's periodic check."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, faults, pair, probes, scenario  # noqa: E402
from hslab_lib.pair import roles, route_via, vrrp_state  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402


def settled(lab, active):
    return pair.settled(lab, active, vrrp=True)


def probe(lab, duration):
    return probes.udp_probe(lab, "client", "server", REF["server"], duration=duration)


def gap(result):
    return max((result.get(d) or {}).get("max_gap_ms", 0) for d in ("c2s", "s2c"))


def operator_handover(lab, s, word):
    """`hrp WORD` on fw1, the active, under a 5 s probe: fw2 takes over. The probe's result and
    hrpctl's answer."""
    p = probe(lab, 5)
    time.sleep(1.5)
    out = boxes.hrpctl(lab, "fw1", "hrp", word, as_json=False, check=False)
    s.wait_until("hrp %s: fw2 active" % word, lambda: settled(lab, "fw2"), 10)
    r = p.wait()
    s.note(word, "%d lost (%s)" % (probes.udp_lost(r), probes.udp_detail(r)))
    return r, out.strip()


def vgmp_priority(lab, box):
    st = boxes.hrpctl(lab, box, "display", "vgmp")
    return st.get("vgmp", st).get("priority")


def undo_handover(lab, s, after):
    boxes.hrpctl(lab, "fw1", "undo", "hrp", "switchover", as_json=False, check=False)
    s.wait_until("undo hrp switchover after hrp %s: fw1 preempts back after its delay" % after,
                 lambda: settled(lab, "fw1") and route_via(lab, "fw1"), 20)


def ospf_status(lab, node):
    return pair.ctl(lab, node, "vgmpd", "status").get("vgmp", {}).get("ospf_cost", {})


def fw2_cost(lab):
    ifname = lab.topo.nodes["fw2"].ospf_cost_ifs()[0]
    out = boxes.vtysh(lab, "fw2", "show running-config")
    block = out.split("interface %s" % ifname, 1)[-1].split("exit", 1)[0]
    return "ip ospf cost 65500" in block


def cost_lost(lab, s):
    """The standby's raised cost lost behind vgmpd's back (an ospfd restarted without it, an
    operator's `no ip ospf cost`): vgmpd's check finds it within seconds and applies it again,
    and the upstream route goes back to fw1 only."""
    before = ospf_status(lab, "fw2").get("reapplies", 0)
    boxes.set_ospf_cost(lab, "fw2", None)
    s.check(not fw2_cost(lab), "fw2's raised cost removed in ospfd by hand")
    s.wait_until("fw2's vgmpd finds its raised cost gone and applies it again",
                 lambda: fw2_cost(lab) and ospf_status(lab, "fw2").get("reapplies", 0) > before,
                 15)
    s.wait_until("the upstream route goes via fw1 only again", lambda: route_via(lab, "fw1"), 30)


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby, VRRP master on fw1 only",
                 lambda: settled(lab, "fw1"), 30)
    s.wait_until("the upstream route goes via fw1 only (fw2's OSPF cost raised)",
                 lambda: route_via(lab, "fw1"), 30)
    cost_lost(lab, s)

    r, out = operator_handover(lab, s, "switchover")
    s.check(probes.udp_lost(r) == 0, "a planned switchover loses no probe packet (%s) %s" % (
        probes.udp_detail(r), out))
    s.wait_until("the upstream route moves to fw2", lambda: route_via(lab, "fw2"), 15)
    # Maintenance on the box that handed over: its tracked uplink goes down and comes back
    # (its priority dips and recovers). The handover stands past the preempt delay.
    faults.link_down(lab, "fw1", "up0")
    time.sleep(1)
    faults.link_up(lab, "fw1", "up0")
    s.wait_until("fw1's priority back after its uplink's flap",
                 lambda: vgmp_priority(lab, "fw1") == 45000, 10)
    time.sleep(6)  # past fw1's 5 s preempt delay
    s.check(roles(lab).get("fw1") == "standby" and roles(lab).get("fw2") == "active",
            "a flap of fw1's tracked uplink does not end the switchover: fw2 still active "
            "6 s later (%s)" % roles(lab))
    undo_handover(lab, s, "switchover")

    # hrp release: the active lets go without asking; the peer takes over as from a failed box
    r, out = operator_handover(lab, s, "release")
    time.sleep(6)  # past fw1's 5 s preempt delay: the release sticks like a handover
    s.check(roles(lab).get("fw1") == "standby" and roles(lab).get("fw2") == "active",
            "the release sticks: fw1 still standby 6 s later (%s) %s" % (roles(lab), out))
    undo_handover(lab, s, "release")

    p = probe(lab, 5)
    time.sleep(1.5)
    t0 = time.monotonic()
    faults.link_down(lab, "fw1", "up0")
    s.wait_until("fw2 active after fw1's tracked uplink fails", lambda: settled(lab, "fw2"), 10)
    s.note("tracked link", "fw2 active %.0f ms after the fault" % (1000 * (time.monotonic() - t0)))
    s.wait_until("the upstream route moves to fw2", lambda: route_via(lab, "fw2"), 15)
    r = p.wait()
    s.note("tracked link gap", "%.0f ms, %d lost (%s)" % (gap(r), probes.udp_lost(r),
                                                        probes.udp_detail(r)))
    s.check(vgmp_priority(lab, "fw1") == 44998,
            "fw1's priority drops by the penalty (44998)")

    faults.link_up(lab, "fw1", "up0")
    t_up = time.monotonic()
    time.sleep(2)
    s.check(roles(lab).get("fw2") == "active", "no preemption before the 5 s delay")
    s.wait_until("fw1 preempts back after its delay", lambda: settled(lab, "fw1"), 15)
    waited = time.monotonic() - t_up
    s.check(waited >= 4.0, "preempted %.1f s after recovery (delay 5 s)" % waited)
    s.wait_until("the upstream route is back via fw1", lambda: route_via(lab, "fw1"), 15)

    p = probe(lab, 5)
    time.sleep(1.5)
    faults.box_fail(lab, "fw1")
    s.wait_until("fw2 active while fw1 is frozen", lambda: roles(lab).get("fw2") == "active"
                 and vrrp_state(lab, "fw2") == "master", 10)
    r = p.wait()
    s.note("box failure gap", "%.0f ms, %d lost (%s)" % (gap(r), probes.udp_lost(r),
                                                       probes.udp_detail(r)))
    faults.box_recover(lab, "fw1")
    s.wait_until("the pair settles after fw1 thaws", lambda: sorted(roles(lab).values()) ==
                 ["active", "standby"], 20)

    active = [b for b, x in roles(lab).items() if x == "active"][0]
    other = "fw2" if active == "fw1" else "fw1"
    s.wait_until("%s settled as active" % active, lambda: settled(lab, active), 20)
    faults.kill_daemon(lab, active, "all")
    s.wait_until("%s active after kill -9 of every daemon on %s" % (other, active),
                 lambda: roles(lab).get(other) == "active" and vrrp_state(lab, other) == "master",
                 10)
    boxes.start_daemons(lab, active)
    s.wait_until("the pair settles after the cold restart",
                 lambda: sorted(roles(lab).values()) == ["active", "standby"], 20)

    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=True)
