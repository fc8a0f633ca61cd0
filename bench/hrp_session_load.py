"""The session-sync half of hrp_liveness's load (issue #14: hellos at 10 ms under full sync load).

Only hrpd runs in that lab, so fw1 is made the session source by `vgmp-local` (active; fw2
standby), as bench/session_impls.py does. fw1 then holds N entries of hs-ct-fill's pattern and
churns RATE new + RATE destroyed a second for the whole load: every event is one hrpd must send
to fw2 over the data channel while the hellos run. At the end fw2's table is compared with the
churn's live range (missing) and its deleted range (not deleted), once fw2 has caught up."""

import argparse
import time

import benchlib as bl
from session_measure import CtTool
from session_scale import BASE_PORT
from s25_hrp_data import ctl_once

SRC, DST = "fw1", "fw2"
ROLES = {SRC: ("active", 45000), DST: ("standby", 44000)}
CATCH_UP_S = 60  # fw2 compared until equal, at most this long after the churn ended
# hs-ct-fill's pattern: 254 entries per source port from BASE_PORT up (session_scale.py), so a
# churn of RATE for S seconds over N needs N + RATE x S of them.
PATTERN_SIZE = (65536 - BASE_PORT) * 254


class ChurnTool(CtTool):
    def common(self):
        return super().common() + ["--base-port", str(BASE_PORT)]


class SessionLoad:
    def __init__(self, lab, rate, n, seconds):
        fits = (PATTERN_SIZE - n) // max(int(seconds), 1)
        if rate > fits:
            bl.log("  session load: %d/s for %d s would run past the entry pattern (%d): "
                   "%d/s instead" % (rate, seconds, PATTERN_SIZE, fits))
            rate = fits
        self.lab, self.rate, self.n, self.seconds = lab, rate, n, seconds
        self.ct = ChurnTool(lab, argparse.Namespace(batch=256))
        self.proc = self.out = None

    def prepare(self):
        """Roles, then the N on fw1, synced to fw2 before the load starts."""
        for node, (state, prio) in ROLES.items():
            ctl_once(self.lab, node, "vgmp-local", {
                "state": state, "priority": prio, "mode": "active-standby", "urgent": True,
                "reason": "hrp bench session load"})
        self.ct.run(SRC, ["--create", str(self.n)], timeout=120 + self.n / 1000)
        self.s0 = {node: self.session_stats(node) for node in (SRC, DST)}
        deadline = time.monotonic() + CATCH_UP_S
        while self.count(DST, 0, self.n) < self.n:
            if time.monotonic() > deadline:
                raise RuntimeError("fw2 did not get fw1's %d entries within %d s" % (
                    self.n, CATCH_UP_S))
            time.sleep(0.5)
        bl.log("  session load: fw1 holds %d entries, synced to fw2; churn %d new + %d "
               "destroyed /s" % (self.n, self.rate, self.rate))

    def start(self):
        self.out = self.ct.path(SRC, "hrp-churn.json")
        argv = [self.ct.bin] + self.ct.common() + [
            "--churn", str(self.rate), "--seconds", str(int(self.seconds)), "--n", str(self.n),
            "--out", self.out]
        self.proc = self.lab.spawn(SRC, argv, self.ct.path(SRC, "hrp-churn.log"))
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def finish(self):
        """The churn's own figures, hrpd's session counters (deltas) and fw2's table against
        the churn's ranges, compared until equal (bounded)."""
        res = CtTool.result({"proc": self.proc, "out": self.out}, self.seconds + 60, stop=True)
        if not res:
            return {"error": "hs-ct-fill --churn wrote no result: %s" % bl.tail(
                self.ct.path(SRC, "hrp-churn.log"))}
        lo, hi = res["next_delete"], res["next_create"]
        t_end, diff = time.monotonic(), None
        while True:  # bounded by CATCH_UP_S
            diff = {"missing": (hi - lo) - self.count(DST, lo, hi),
                    "not_deleted": self.count(DST, 0, lo)}
            if not diff["missing"] and not diff["not_deleted"]:
                break
            if time.monotonic() - t_end > CATCH_UP_S:
                break
            time.sleep(0.5)
        s1 = {node: self.session_stats(node) for node in (SRC, DST)}
        counters = {node: {k: v - self.s0[node].get(k, 0) for k, v in s1[node].items()
                           if isinstance(v, int) and not isinstance(v, bool)}
                    for node in (SRC, DST)}
        return {"rate": self.rate, "n": self.n, "created": res["created"],
                "deleted": res["deleted"], "events_rate": res["events_rate"],
                "late_ms": res["late_ms"], "errors": res["errors"],
                "standby_diff": diff, "lost": diff["missing"] + diff["not_deleted"],
                "equal_after_s": round(time.monotonic() - t_end, 1)
                if not diff["missing"] and not diff["not_deleted"] else None,
                "session_counters": counters}

    def count(self, node, lo, hi):
        if hi <= lo:
            return 0
        return self.ct.run(node, ["--count", "--seed", str(lo), "--n", str(hi - lo)],
                           timeout=120)["ours"]

    def session_stats(self, node):
        return ctl_once(self.lab, node, "hrp-statistics").get("session") or {}
