#!/usr/bin/python3
"""Consistency checks of both boxes at once, in the load-sharing lab (both boxes active, each the
sync source of its own sessions):
  - fw1 makes 20,000 sessions and fw2 20,000 others (hs-ct-fill, two seeds); each box's reach
    the other, so both hold the 40,000 (but the few from 192.0.2.254, fw2's VIP here: fw2's
    own connections, never synced);
  - 8 times, a check is started on fw1 and on fw2 together. Each box then reads its table for
    its own check, waits a moment for the kernel's events of that time, and sends its digest,
    while it reads its table again to answer the peer's check. The two must not mix: an answer
    that read over the digest still waiting to go sent the peer part of a table, which found
    nearly every range different;
  - no check finds a difference (mismatched_checks does not grow on either box) and nothing is
    sent again (range_resyncs)."""

import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import pair, scenario  # noqa: E402
from hslab_lib.pair import consistency, load_balance, session  # noqa: E402
from hslab_lib.probes import ct_fill, ct_ours  # noqa: E402

N = 20000
ROUNDS = 8


def sources(lab):
    def ok(b):
        st = session(lab, b).get("status", {})
        return st.get("ready") is True and st.get("source") is True
    return all(ok(b) for b in ("fw1", "fw2"))


def counters(lab):
    return {b: (consistency(lab, b).get("checks", 0),
                consistency(lab, b).get("mismatched_checks", 0),
                session(lab, b).get("statistics", {}).get("range_resyncs", 0))
            for b in ("fw1", "fw2")}


def body(lab, s):
    s.wait_until("both boxes in load-balance", lambda: load_balance(lab), 60)
    s.wait_until("both boxes sync sources and ready", lambda: sources(lab), 30)
    ct_fill(lab, "fw1", "--seed", 0, N)
    ct_fill(lab, "fw2", "--seed", 500000, N)
    # All but those from 192.0.2.254, fw2's VIP here: connections of fw2 itself, never synced.
    least = 2 * N - N // 127
    s.wait_until("both boxes hold about the %d sessions" % (2 * N),
                 lambda: min(ct_ours(lab, "fw1"), ct_ours(lab, "fw2")) >= least, 30)
    time.sleep(1)
    s.note("sessions", "fw1 %d, fw2 %d" % (ct_ours(lab, "fw1"), ct_ours(lab, "fw2")))
    before = counters(lab)
    for i in range(ROUNDS):
        done = counters(lab)
        pair.ctl(lab, "fw1", "hrpd", "session-check")
        pair.ctl(lab, "fw2", "hrpd", "session-check")
        # Each box counts its answer to the peer's check and the peer's answer to its own.
        s.wait_until("round %d: both checks answered" % (i + 1), lambda: all(
            counters(lab)[b][0] >= done[b][0] + 2 for b in ("fw1", "fw2")), 30)
    after = counters(lab)
    s.note("checks, mismatched, resyncs", "fw1 %s -> %s, fw2 %s -> %s" % (
        before["fw1"], after["fw1"], before["fw2"], after["fw2"]))
    for b in ("fw1", "fw2"):
        s.check(after[b][1] == before[b][1],
                "%s: no check found a difference (mismatched_checks %d -> %d; last %s)" % (
                    b, before[b][1], after[b][1], consistency(lab, b).get("last_check")))
        s.check(after[b][2] == before[b][2], "%s: nothing sent again (range_resyncs %d -> %d)"
                % (b, before[b][2], after[b][2]))
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="loadshare", daemons=True)
