#!/usr/bin/python3
"""The standby's hrpd dies, then the active fails (reference lab, vrrpd + vgmpd + hrpd on both):
  - fw1 active, fw2 standby; hrpd on fw2 is killed (kill -9, not restarted);
  - fw1's hrpd declares fw2 dead and fw1 stays active; fw2's vgmpd, after hrpd's dead time,
    takes the peer as dead too (`unreachable`, `display vgmp` says hrpd is gone) but still
    hears fw1's adverts: it holds standby as a split brain; the VIP stays on fw1 alone and the
    client's UDP probe through the VIP loses nothing;
  - fw1 fails (box_fail): its adverts stop, and fw2 takes over on VRRP's word alone; the client
    reaches the server through fw2;
  - fw1 recovers and fw2's hrpd is started again: the pair is whole, one box active;
  - the standby's hrpd hangs (SIGSTOP: its link to vgmpd stays up, as a hung process's does),
    then the active fails: the standby's vgmpd asks hrpd when the adverts go, gets no answer
    within hrpd's dead time, and takes over as above (not only once a watchdog kills hrpd).
vgmpd used to keep its last view of the peer while its hrpd was gone: fw2 still saw fw1 alive
and active, stayed standby through fw1's failure, and nobody held the traffic."""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, faults, pair, probes, scenario  # noqa: E402
from hslab_lib.pair import roles, vrrp_state  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402

HOLD_S = 4


def vgmp(lab, box):
    return pair.ctl(lab, box, "vgmpd", "status")["vgmp"]


def reaches(lab):
    """A short UDP probe from the client through the VIP gets through both ways."""
    r = probes.udp_probe(lab, "client", "server", REF["server"], duration=1).wait()
    return probes.udp_lost(r) < 1000 and all((r.get(d) or {}).get("received")
                                             for d in ("c2s", "s2c"))


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby, VRRP master on fw1 only",
                 lambda: pair.settled(lab, "fw1", vrrp=True), 30)
    dead_ms = pair.ctl(lab, "fw2", "hrpd", "status")["hrp"]["heartbeat"]["dead_time_ms"]
    # the path's first packets (neighbour entries, conntrack) before the measured probe
    probes.udp_probe(lab, "client", "server", REF["server"], duration=1).wait()
    p = probes.udp_probe(lab, "client", "server", REF["server"],
                         duration=dead_ms // 1000 + HOLD_S + 3)
    time.sleep(1)

    status = faults.kill_daemon(lab, "fw2", "hrpd")["hrpd"]
    t_kill = time.monotonic()
    s.check(status is not None, "fw2: hrpd killed (%s)" % status)
    s.wait_until("fw1's hrpd declares fw2 dead",
                 lambda: pair.ctl(lab, "fw1", "hrpd", "status")["hrp"]["peer"]["state"] ==
                 "dead", 10, 0.05)
    s.wait_until("fw2's vgmpd takes the peer as dead once its hrpd is gone its dead time",
                 lambda: vgmp(lab, "fw2")["peer_status"] == "dead", dead_ms / 1000.0 + 5, 0.05)
    s.note("peer taken as dead on fw2", "%.0f ms after hrpd was killed (dead time %d ms)" % (
        1000 * (time.monotonic() - t_kill), dead_ms))
    time.sleep(HOLD_S)
    v2 = vgmp(lab, "fw2")
    s.check(roles(lab) == {"fw1": "active", "fw2": "standby"},
            "%d s later: fw1 still active, fw2 still standby (%s)" % (HOLD_S, roles(lab)))
    unreachable = v2["counters"].get("peer_unreachable")
    s.check(v2["reason"] == "split brain: peer still advertises" and unreachable == 1 and
            v2.get("hrpd_connected") is False,
            "fw2 holds as a split brain on fw1's adverts: %r, peer_unreachable %s, hrpd "
            "connected %s" % (v2["reason"], unreachable, v2.get("hrpd_connected")))
    s.check(vrrp_state(lab, "fw1") == "master" and vrrp_state(lab, "fw2") == "backup",
            "the VIP stays on fw1 alone (fw1 %s, fw2 %s)" % (vrrp_state(lab, "fw1"),
                                                           vrrp_state(lab, "fw2")))
    shown = lab.run("fw2", [lab.paths.daemon("hrpctl"), "--rundir", boxes.rundir(lab, "fw2"),
                            "display", "vgmp"], check=False).stdout
    s.check("hrpd gone" in shown, "display vgmp on fw2 says hrpd is gone: %r" %
            shown.splitlines()[:1])
    r = p.wait()
    s.check(probes.udp_lost(r) == 0,
            "the client's probe through the VIP lost nothing (%s)" % probes.udp_detail(r))

    faults.box_fail(lab, "fw1")
    t_fail = time.monotonic()
    s.wait_until("fw2 takes over on VRRP's word alone (fw1's adverts gone)",
                 lambda: vgmp(lab, "fw2")["state"] == "active" and
                 vrrp_state(lab, "fw2") == "master", 15, 0.05)
    took = 1000 * (time.monotonic() - t_fail)
    s.note("fw2 active", "%.0f ms after fw1 failed" % took)
    s.check(vgmp(lab, "fw2")["reason"] == "peer dead",
            "fw2 active because the peer is dead (%r)" % vgmp(lab, "fw2")["reason"])
    s.wait_until("the client reaches the server through fw2", lambda: reaches(lab), 15)

    faults.box_recover(lab, "fw1")
    boxes.start_daemons(lab, "fw2", names=("hrpd",))
    s.wait_until("the pair is whole again: one box active, the other standby",
                 lambda: pair.settled(lab, "fw1", vrrp=True) or
                 pair.settled(lab, "fw2", vrrp=True), 40)
    s.check(vgmp(lab, "fw2").get("hrpd_connected") is True and
            vgmp(lab, "fw2")["peer_status"] == "alive",
            "fw2's vgmpd hears fw1 again through its hrpd")
    s.wait_until("the client reaches the server", lambda: reaches(lab), 15)
    hung = hung_hrpd(lab, s, dead_ms)
    s.summary = "fw2's hrpd killed: fw2 took fw1 as dead after %d ms and held standby on its " \
                "adverts (probe %s); fw1 failed: fw2 active %.0f ms later; with the " \
                "standby's hrpd hung instead: active %.0f ms after the failure" % (
                    dead_ms, probes.udp_detail(r), took, hung)


def hung_hrpd(lab, s, dead_ms):
    """The standby's hrpd hangs, then the active fails: the standby takes over once hrpd has
    not answered for its dead time. Returns the takeover's time after the failure, in ms."""
    act = pair.active_box(lab)
    sb = pair.other(act)
    boxes.stop_daemon(lab, sb, "hrpd", signal.SIGSTOP)
    s.wait_until("%s's hrpd declares the hung %s dead" % (act, sb),
                 lambda: pair.ctl(lab, act, "hrpd", "status")["hrp"]["peer"]["state"] ==
                 "dead", 10, 0.05)
    time.sleep(1)
    v = vgmp(lab, sb)
    s.check(v["state"] == "standby" and v.get("hrpd_connected") is True,
            "%s with its hrpd hung: still standby, its link to hrpd up (%s, connected %s)" % (
                sb, v["state"], v.get("hrpd_connected")))
    faults.box_fail(lab, act)
    t_fail = time.monotonic()
    s.wait_until("%s takes over although its hrpd hangs" % sb,
                 lambda: vgmp(lab, sb)["state"] == "active" and
                 vrrp_state(lab, sb) == "master", dead_ms / 1000.0 + 10, 0.05)
    took = 1000 * (time.monotonic() - t_fail)
    v = vgmp(lab, sb)
    s.check(v.get("hrpd_unanswered", 0) >= 1,
            "%s's vgmpd counted hrpd's silence (hrpd_unanswered %s)" % (
                sb, v.get("hrpd_unanswered")))
    s.note("hung hrpd", "%s active %.0f ms after %s failed" % (sb, took, act))
    boxes.stop_daemon(lab, sb, "hrpd", signal.SIGCONT)
    faults.box_recover(lab, act)
    s.wait_until("the pair is whole again after the hang",
                 lambda: pair.settled(lab, "fw1", vrrp=True) or
                 pair.settled(lab, "fw2", vrrp=True), 40)
    s.wait_until("the client reaches the server", lambda: reaches(lab), 15)
    return took


if __name__ == "__main__":
    scenario.main(body, topology="ref", daemons=True)
