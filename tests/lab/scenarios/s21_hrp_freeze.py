#!/usr/bin/python3
"""A freeze of the peer's hrpd shorter than the dead interval (hello 100 ms, dead count 5:
D = 500 ms, dead after 584 ms) causes no peer-down: fw2's hrpd is SIGSTOPped for 300 ms, then
for 450 ms, and fw1 must not even start a re-negotiation round for the first nor declare
anything for either. A freeze longer than the dead time (1.5 s) is a peer-down, and the thaw
brings the peer back at once (the same epoch: no challenge needed)."""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import boxes, scenario  # noqa: E402
from s20_hrp_links import BOXES, Events, hrp, start_hrpd, stats, wait_pair_up  # noqa: E402


def freeze(lab, node, ms):
    """SIGSTOP the box's hrpd for ms; returns the real frozen time in ms."""
    pid = boxes.daemon_pid(lab, node, "hrpd")
    t0 = time.monotonic()
    os.kill(pid, signal.SIGSTOP)
    time.sleep(ms / 1000.0)
    os.kill(pid, signal.SIGCONT)
    return (time.monotonic() - t0) * 1000


def body(lab, s):
    for node in BOXES:
        start_hrpd(lab, node)
    wait_pair_up(lab, s)
    ev = Events(lab, "fw1")
    st0 = stats(lab, "fw1")

    real = freeze(lab, "fw2", 300)
    s.note("freeze_1_ms", round(real))
    time.sleep(1.0)
    st1 = stats(lab, "fw1")
    s.check(st1["negotiations"] == st0["negotiations"],
            "300 ms freeze: fw1 did not even start a re-negotiation round")
    s.check(not ev.of("peer") and hrp(lab, "fw1")["peer"]["state"] == "up",
            "300 ms freeze: no peer event, peer up")

    real = freeze(lab, "fw2", 450)
    s.note("freeze_2_ms", round(real))
    time.sleep(1.0)
    st2 = stats(lab, "fw1")
    s.check(st2["peer_down"] == st0["peer_down"] and not ev.of("peer"),
            "450 ms freeze: no peer-down (negotiations %d, recovered %d)" % (
                st2["negotiations"] - st0["negotiations"],
                st2["negotiations_recovered"] - st0["negotiations_recovered"]))
    wait_pair_up(lab, s, 5)

    t_thaw = None
    pid = boxes.daemon_pid(lab, "fw2", "hrpd")
    os.kill(pid, signal.SIGSTOP)
    try:
        s.wait_until("1.5 s freeze: fw1 declares the peer dead",
                     lambda: ev.of("peer", state="down"), 5, 0.01)
        time.sleep(0.5)
    finally:
        os.kill(pid, signal.SIGCONT)
        t_thaw = time.monotonic()
    s.wait_until("thawed: the peer is up again", lambda: ev.of("peer", since=t_thaw, state="up"),
                 5, 0.01)
    s.note("thaw_to_peer_up_ms",
           round((ev.of("peer", since=t_thaw, state="up")[0][0] - t_thaw) * 1000))
    s.check(stats(lab, "fw1")["new_epochs"] == st0["new_epochs"],
            "the thawed peer kept its epoch")
    wait_pair_up(lab, s, 5)
    ev.close()
    s.summary = "freezes of 300 and 450 ms: no peer-down; 1.5 s: peer-down, thaw -> up"


if __name__ == "__main__":
    scenario.main(body, topology="ref")
