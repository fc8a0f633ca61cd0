#!/usr/bin/python3
"""Session sync across a peer that was only thought dead (reference lab, hello 100 ms, dead
count 5; only hrpd runs, fw1 made the sync source and fw2 the standby by `vgmp-local`):
  - fw1 holds 2,000 entries of hs-ct-fill's pattern, synced to fw2;
  - both of fw1's heartbeat ports are cut silently until both boxes declare the peer dead; while
    it lasts fw1 creates 20 more entries and deletes 10 of the first ones (at most 30 of the 64
    ranges of the consistency check differ): fw1 is active
    without its peer and notes the first change (`events_alone`);
  - healed: the same peer process is back, so fw1 runs a consistency check at once
    (`checks_after_alone`), fw2 resyncs the ranges that differ, and holds exactly fw1's entries
    within 30 s, with no full bulk transfer.
Before this, the changes of the cut reached fw2 only when the periodic check found them (60 s
later by default)."""

import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import faults, scenario  # noqa: E402
from hslab_lib.ctfill import ct_fill, ours  # noqa: E402
from s20_hrp_links import BOXES, ctl, cut, hrp, start_hrpd, stats, wait_pair_up  # noqa: E402
from s25_hrp_data import wait_data_up  # noqa: E402

ROLES = {"fw1": ("active", 45000), "fw2": ("standby", 44000)}
FIRST, DURING, DELETED = 2000, 20, 10


def session(lab, node):
    return stats(lab, node)["session"]


def body(lab, s):
    for node in BOXES:
        start_hrpd(lab, node)
    wait_pair_up(lab, s)
    wait_data_up(lab, s, link="hb0")
    for node, (state, prio) in ROLES.items():
        ctl(lab, node, "vgmp-local", {"state": state, "priority": prio, "mode": "active-standby",
                                      "urgent": True, "reason": "s39"})
    s.wait_until("fw1 is the sync source", lambda: ctl(lab, "fw1", "status")["hrp"].get(
        "auto_sync_sessions") and session(lab, "fw1")["bulks_sent"] >= 1, 20, 0.1)
    ct_fill(lab, "fw1", "--create", FIRST)
    s.wait_until("fw2 holds fw1's %d entries" % FIRST,
                 lambda: ours(lab, "fw2", 0, FIRST) == FIRST, 20, 0.2)
    before = {n: session(lab, n) for n in BOXES}

    ports = [cut(lab, sw) for sw in ("sw-hb1", "sw-hb2")]
    for node in BOXES:
        s.wait_until("%s: peer dead" % node,
                     lambda n=node: hrp(lab, n)["peer"]["state"] == "dead", 10, 0.05)
    ct_fill(lab, "fw1", "--create", DURING, "--seed", FIRST)
    ct_fill(lab, "fw1", "--delete", DELETED)  # the first DELETED of the pattern
    s.check(ours(lab, "fw1", 0, FIRST + DURING) == FIRST + DURING - DELETED,
            "fw1: %d created and %d deleted while the peer was dead" % (DURING, DELETED))

    for sw, port in zip(("sw-hb1", "sw-hb2"), ports):
        faults.switch_heal(lab, sw, port)
    wait_pair_up(lab, s)
    t0 = time.monotonic()
    s.wait_until("fw2 has the entries created during the cut",
                 lambda: ours(lab, "fw2", FIRST, DURING) == DURING, 30, 0.2)
    s.wait_until("fw2 deleted the entries deleted during the cut",
                 lambda: ours(lab, "fw2", 0, DELETED) == 0, 30, 0.2)
    s.note("caught_up_s", round(time.monotonic() - t0, 2))
    s.check(ours(lab, "fw2", 0, FIRST + DURING) == FIRST + DURING - DELETED,
            "fw2 holds exactly fw1's entries")
    after = {n: session(lab, n) for n in BOXES}
    s.check(after["fw1"]["events_alone"] > before["fw1"]["events_alone"],
            "fw1 noted a change while active without its peer")
    s.check(after["fw1"]["checks_after_alone"] > before["fw1"]["checks_after_alone"],
            "fw1 checked the tables when the peer was back")
    got = after["fw2"]["bulk_entries_received"] - before["fw2"]["bulk_entries_received"]
    s.check(after["fw2"]["range_resyncs"] > before["fw2"]["range_resyncs"] and
            got < FIRST + DURING - DELETED,
            "fw2 resynced the differing ranges, not the whole table (%d entries)" % got)
    s.summary = "peer dead on both boxes for a while: %d created + %d deleted reach fw2 %.2f s " \
        "after the heal, by a check and a range resync (%d entries)" % (
            DURING, DELETED, dict(s.notes)["caught_up_s"], got)


if __name__ == "__main__":
    scenario.main(body, topology="ref")
