#!/usr/bin/python3
"""A bulk transfer cut short (reference lab; only hrpd runs, fw1 made the sync source and fw2 the
standby by `vgmp-local`):
  - fw1 holds 150,000 entries of hs-ct-fill's pattern; fw2's hrpd starts and asks for them;
  - while fw2 is receiving the bulk, fw1's hrpd is killed (SIGKILL): fw2 counts the bulk as
    abandoned (`bulks_abandoned`), is no longer receiving one, and keeps what it was sent (fewer
    than the 150,000: the cut came before the end);
  - fw1's hrpd starts again and is the active again: fw2 asks for the table once more and
    holds all 150,000 within 60 s, its table complete (`synced`, ready).
hrpd used to wait for the end of a bulk that would never come: it never asked again, ignored
the consistency checks, refused hot restarts and kept every key of the peer's new entries."""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import boxes, scenario  # noqa: E402
from hslab_lib.ctfill import ct_fill  # noqa: E402
from s20_hrp_links import ctl, start_hrpd, wait_pair_up  # noqa: E402

ROLES = {"fw1": ("active", 45000), "fw2": ("standby", 44000)}
N = 150000


def roles(lab, nodes):
    for node in nodes:
        state, prio = ROLES[node]
        ctl(lab, node, "vgmp-local", {"state": state, "priority": prio, "mode": "active-standby",
                                      "urgent": True, "reason": "s37"})


def session(lab, node):
    return ctl(lab, node, "session-stats")


def body(lab, s):
    start_hrpd(lab, "fw1")
    ct_fill(lab, "fw1", "--create", N)
    start_hrpd(lab, "fw2")
    wait_pair_up(lab, s)
    roles(lab, ("fw1", "fw2"))
    s.wait_until("fw2 is receiving fw1's bulk transfer",
                 lambda: session(lab, "fw2")["status"]["receiving_bulk"], 30, 0.02)
    boxes.stop_daemon(lab, "fw1", "hrpd", signal.SIGKILL)
    t_kill = time.monotonic()
    s.wait_until("fw2 abandons the bulk",
                 lambda: session(lab, "fw2")["statistics"]["bulks_abandoned"] >= 1, 10, 0.1)
    st = session(lab, "fw2")
    held = ct_fill(lab, "fw2", "--count", "--n", N)["ours"]
    s.check(not st["status"]["receiving_bulk"] and st["statistics"]["bulks_received"] == 0,
            "fw2 receives no bulk now, and counts none as complete")
    s.check(held < N, "the cut came before the end: fw2 holds %d of %d" % (held, N))

    start_hrpd(lab, "fw1")
    wait_pair_up(lab, s)
    roles(lab, ("fw1",))
    s.wait_until("fw2 holds all %d entries again" % N,
                 lambda: ct_fill(lab, "fw2", "--count", "--n", N)["ours"] == N, 60, 0.5)
    s.wait_until("fw2 counts a complete bulk and is ready",
                 lambda: (lambda x: x["statistics"]["bulks_received"] >= 1 and
                          x["status"]["synced"] and x["status"]["ready"])(
                     session(lab, "fw2")), 30, 0.2)
    s.summary = "bulk of %d cut after %d by a kill of fw1's hrpd: abandoned, asked again, all " \
                "there %.1f s after the kill" % (N, held, time.monotonic() - t_kill)


if __name__ == "__main__":
    scenario.main(body, topology="ref")
