#!/usr/bin/python3
"""Both heartbeat links cut, the LAN intact (reference lab, vrrpd + vgmpd + hrpd on both boxes):
  - fw1 active, fw2 standby; every frame on sw-hb1 and sw-hb2 is dropped;
  - hrpd on each box declares the peer dead, but fw2's vrrpd still hears fw1's adverts on the
    bound group: fw2 stays standby (`split brain: peer still advertises`, split_brain_holds),
    fw1 stays active and the only VRRP master, and the client's UDP probe through the VIP loses
    nothing;
  - the heartbeats come back: the pair is whole again with the same roles, and neither box
    changed state during the whole cut.
vrrpd used to tell vgmpd of the peer's adverts only when a master heard another master, never
when a backup heard the master: fw2 took the peer for dead, went active, and both boxes stayed
masters (the split-brain hold then kept both active) until the heartbeats came back."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import faults, pair, probes, scenario  # noqa: E402
from hslab_lib.pair import roles, vrrp_state  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402

HB = ("fw1:hb0", "fw1:hb1")
CUT_S = 5


def vgmp(lab, box):
    return pair.ctl(lab, box, "vgmpd", "status")["vgmp"]


def peer_state(lab, box):
    return pair.ctl(lab, box, "hrpd", "status")["hrp"]["peer"]["state"]


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby, VRRP master on fw1 only",
                 lambda: pair.settled(lab, "fw1", vrrp=True), 30)
    before = {b: vgmp(lab, b)["counters"]["transitions"] for b in ("fw1", "fw2")}
    holds = vgmp(lab, "fw2")["counters"]["split_brain_holds"]

    # the path's first packets (neighbour entries, conntrack) before the measured probe
    probes.udp_probe(lab, "client", "server", REF["server"], duration=1).wait()
    p = probes.udp_probe(lab, "client", "server", REF["server"], duration=CUT_S + 6)
    time.sleep(1)
    switches = [faults.hb_loss(lab, link) for link in HB]
    t_cut = time.monotonic()
    for box in ("fw1", "fw2"):
        s.wait_until("%s's hrpd declares the peer dead" % box,
                     lambda b=box: peer_state(lab, b) == "dead", 10, 0.05)
    s.note("peer dead", "both boxes %.0f ms after the cut" % (1000 * (time.monotonic() - t_cut)))
    time.sleep(max(0.0, CUT_S - (time.monotonic() - t_cut)))
    v2 = vgmp(lab, "fw2")
    s.check(roles(lab) == {"fw1": "active", "fw2": "standby"},
            "%d s into the cut: fw1 still active, fw2 still standby (%s)" % (CUT_S, roles(lab)))
    s.check(v2["reason"] == "split brain: peer still advertises" and
            v2["counters"]["split_brain_holds"] > holds,
            "fw2 holds as a split brain: %r, holds %d" % (v2["reason"],
                                                          v2["counters"]["split_brain_holds"]))
    s.check(vrrp_state(lab, "fw1") == "master" and vrrp_state(lab, "fw2") == "backup",
            "the VIP stays on fw1 alone (fw1 %s, fw2 %s)" % (vrrp_state(lab, "fw1"),
                                                           vrrp_state(lab, "fw2")))
    for sw in switches:
        faults.link_loss_end(lab, sw)
    for box in ("fw1", "fw2"):
        s.wait_until("%s hears the peer again" % box,
                     lambda b=box: peer_state(lab, b) == "up", 15, 0.1)
    s.wait_until("the pair is whole again, fw1 active",
                 lambda: pair.settled(lab, "fw1", vrrp=True), 15)
    after = {b: vgmp(lab, b)["counters"]["transitions"] for b in ("fw1", "fw2")}
    s.check(after == before, "no box changed state through the cut (transitions %s -> %s)" % (
        before, after))
    r = p.wait()
    s.check(probes.udp_lost(r) == 0,
            "the client's probe through the VIP lost nothing (%s)" % probes.udp_detail(r))
    s.summary = "heartbeats cut %d s, LAN intact: fw2 held standby as a split brain, no " \
                "state change, probe %s" % (CUT_S, probes.udp_detail(r))


if __name__ == "__main__":
    scenario.main(body, topology="ref", daemons=True)
