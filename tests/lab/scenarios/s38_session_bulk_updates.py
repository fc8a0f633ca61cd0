#!/usr/bin/python3
"""A bulk transfer into a table that lacks most of it (reference lab; only hrpd runs, fw1 made
the sync source and fw2 the standby by `vgmp-local`):
  - fw1 holds 22,000 entries of hs-ct-fill's pattern; fw2, before its hrpd starts, holds the
    first 2,000 of them (a standby whose kernel kept part of its table);
  - fw2's hrpd starts and asks for the table: with more than 1,024 entries of its own it writes
    the bulk as updates first, so 20,000 updates answer "no such entry" and go again as creates;
  - fw2 then holds all 22,000, every one of those answers was matched (kernel_second_tries
    20,000) and no request failed (apply_errors all 0).
hrpd used to read a turn's worth (256) of a batch's answers and forget the rest of the batch:
every entry whose answer came later was lost and counted as `no_entry` (1,409 of 22,000 here)."""

import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import scenario  # noqa: E402
from hslab_lib.ctfill import ct_fill  # noqa: E402
from s20_hrp_links import ctl, start_hrpd, stats, wait_pair_up  # noqa: E402

ROLES = {"fw1": ("active", 45000), "fw2": ("standby", 44000)}
N, KEPT = 22000, 2000


def body(lab, s):
    start_hrpd(lab, "fw1")
    ct_fill(lab, "fw1", "--create", N)
    ct_fill(lab, "fw2", "--create", KEPT)
    start_hrpd(lab, "fw2")
    wait_pair_up(lab, s)
    for node, (state, prio) in ROLES.items():
        ctl(lab, node, "vgmp-local", {"state": state, "priority": prio, "mode": "active-standby",
                                      "urgent": True, "reason": "s38"})
    s.wait_until("fw2 received the bulk transfer",
                 lambda: stats(lab, "fw2")["session"]["bulk_entries_received"] >= N, 30, 0.2)
    s.wait_until("fw2 holds all %d entries" % N,
                 lambda: ct_fill(lab, "fw2", "--count", "--n", N)["ours"] == N, 20, 0.5)
    st = stats(lab, "fw2")["session"]
    s.check(st["kernel_second_tries"] >= N - KEPT,
            "the %d updates of missing entries went again as creates (second tries %d)" % (
                N - KEPT, st["kernel_second_tries"]))
    s.check(not any(st["apply_errors"].values()), "no request failed (%s)" % st["apply_errors"])
    s.summary = "bulk of %d into a table holding %d: all there, %d second tries, no error" % (
        N, KEPT, st["kernel_second_tries"])


if __name__ == "__main__":
    scenario.main(body, topology="ref")
