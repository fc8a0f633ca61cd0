#!/usr/bin/python3
"""Consistency checks agree while the table churns, in the reference lab with every daemon
running (fw1 active):
  - fw1 holds 30,000 sessions (hs-ct-fill) and fw2 has them;
  - for 24 s, 1,500 sessions a second are made on fw1 and 1,500 of the oldest deleted
    (hs-ct-fill --churn), all synced in real time; meanwhile fw1 starts a check every 2 s.
    Each side reads its table while records keep coming, so an entry made, changed or deleted
    during a check may be counted before or after its record on one side and not the other.
    Such ranges must not be taken for a difference: no check during the churn may find one
    that the table does not have, and no range is sent again (range_resyncs stays where it
    was). The checks that leave ranges undecided say how many;
  - a real difference made during a second churn (sessions deleted on fw2 behind hrpd's back)
    is still found by the checks that run meanwhile, and repaired;
  - after the churn a check finds the tables consistent, with nothing undecided."""

import json
import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import scenario  # noqa: E402
from hslab_lib.pair import session, session_check as check, settled  # noqa: E402
from hslab_lib.probes import ct_fill as fill, ct_ours as ours  # noqa: E402

N = 30000
RATE = 1500
SECONDS = 24


def resyncs(lab):
    return session(lab, "fw2").get("statistics", {}).get("range_resyncs", 0)


def churn_checks(lab, s, seed, seconds, checks, before_checks=None):
    """Checks every 2 s during a churn of the N from seed; returns fw2's view of each."""
    log = os.path.join(lab.node_dir("fw1"), "churn-%d.json" % seed)
    proc = lab.spawn("fw1", [lab.paths.probe("hs-ct-fill"), "--churn", str(RATE),
                             "--seconds", str(seconds), "--n", str(N), "--seed", str(seed)], log)
    seen = []
    time.sleep(2)
    if before_checks:
        before_checks()
    while proc.poll() is None and len(seen) < checks:
        seen.append(check(lab, s, "check %d during the churn" % (len(seen) + 1)))
        time.sleep(1)
    proc.wait(timeout=seconds + 60)
    with open(log) as f:
        lines = [json.loads(x) for x in f.read().splitlines() if x.startswith("{")]
    s.check(lines and lines[-1].get("errors") == 0 and lines[-1].get("created") ==
            RATE * seconds, "the churn ran: %s" % (lines[-1] if lines else "(no report)"))
    s.note("churn events/s", "%.0f" % lines[-1].get("events_rate", 0))
    return seen, lines[-1]


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    s.wait_until("fw2 ready", lambda: session(lab, "fw2").get("status", {}).get("ready"), 20)
    fill(lab, "fw1", "--seed", 0, N)
    s.wait_until("fw2 holds the %d sessions" % N, lambda: ours(lab, "fw2") == N, 30)
    first = check(lab, s, "check before the churn")
    s.check(first["result"] == "consistent", "consistent before the churn (%s)" % first)

    before = resyncs(lab)
    seen, done = churn_checks(lab, s, 0, SECONDS, SECONDS // 2 - 2)
    s.check(len(seen) >= 5, "%d checks ran during the churn" % len(seen))
    wrong = [c for c in seen if c["result"] != "consistent"]
    left_out = [c.get("unsettled_buckets", 0) for c in seen]
    undecided = [c.get("undecided", 0) for c in seen]
    s.note("during the churn", "%d checks, %d found a difference; buckets left out (of %s) %s; "
           "ranges left out whole %s" % (len(seen), len(wrong), seen[0].get("buckets"),
                                         left_out, undecided))
    s.check(all(c.get("by_bucket") for c in seen), "fw2 compared bucket by bucket")
    s.check(max(left_out) < seen[0].get("buckets", 0) // 2,
            "each check compared most of the table (at most %d buckets left out)"
            % max(left_out))
    s.check(not wrong, "no check during the churn found a difference (%s)" % wrong)
    s.check(resyncs(lab) == before, "no range sent again during the churn (range_resyncs %d -> "
            "%d)" % (before, resyncs(lab)))

    # A real difference, made while the table churns: still found, and repaired.
    lost = []

    def lose():
        lab.run("fw2", ["conntrack", "-D", "-p", "tcp", "-s", "192.0.2.135"], check=False)
        lost.append(N - ours(lab, "fw2"))
    seen, _ = churn_checks(lab, s, done["next_delete"], 10, 3, before_checks=lose)
    s.check(lost[0] > 0, "%d sessions deleted on fw2 behind hrpd's back" % lost[0])
    s.note("checks after the loss", str([(c["result"], c.get("unsettled_buckets")) for c in seen]))
    s.check(seen and seen[0]["result"] == "mismatch",
            "the first check during the churn finds the difference (%s)" % seen[:1])
    # A range sent again while the table churns can still miss what changed meanwhile: the
    # checks after the churn find it, twice, and ask again.
    after = []
    while len(after) < 4 and (not after or after[-1]["result"] != "consistent"):
        after.append(check(lab, s, "check %d after the churn" % (len(after) + 1)))
    s.note("checks after the churn", str([(c["result"], c["mismatched"], c["entries_local"],
                                           c["entries_peer"]) for c in after]))
    last = after[-1]
    s.check(last["result"] == "consistent" and not last.get("unsettled_buckets"),
            "consistent after the repair, nothing left out (%s)" % last)
    s.check(ours(lab, "fw2") == N, "fw2 holds the %d sessions again" % N)
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=True)
