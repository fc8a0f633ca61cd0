#!/usr/bin/python3
"""session-scale (issue 14): session sync at a million sessions, hrpd beside conntrackd FTFW in
the same run and namespaces as the session benchmark (bench/session_sync.py, whose live and
bulk parts and table this reuses):

- live sync at 100,000 and 1,000,000 sessions: the time until the standby holds all N, the
  per-entry latency, CPU per 100k, bytes on the wire, and the memory per entry as the slope of
  each daemon's RSS from 100k to 1M (target <= 64 B);
- bulk sync of the N to a joining box into its kernel (target: under 5 s, or >= 80% of the same
  run's batch-insert rate with no daemon);
- real-time churn at the largest size: hs-ct-fill --churn (tests/lab/probe/ct_churn.c) creates
  50,000 new and deletes 50,000 of the oldest sessions a second on fw1 for 10 s, batched
  ctnetlink requests, while both daemons sync (the table holds the N from the live part). Listeners
  on fw1 and fw2 stamp the new entries' NEW events; afterwards fw2's table is compared with
  fw1's over the live range and the deleted range, polled until they agree (bounded). Reported:
  the events per second each side kept, the entries that differ at the end (lost: missing on fw2,
  or deleted on fw1 and still on fw2), CPU per 100k events on the source and the standby.

The root namespace's nf_conntrack_max and the conntrack hash size are raised for the run and put
back on every exit path (../shared/LAB.md: a namespace follows the root's limit), after a check
that the machine has the memory (MemAvailable, free -m's "available"): it refuses clearly when
not. Figures are printed, never asserted.

    bench/session_scale.py [--quick] [--builddir DIR] [--out-dir DIR] [--sizes 100000,1000000]
        [--impls hrpd,conntrackd] [--only live,bulk,churn] [--churn-rate 50000]
        [--churn-seconds 10] [--batch 256] [--conntrackd-sched default|other]
        [--hrpd-set KEY=VALUE] [--prefix hsXXXX] [--workdir DIR] [--perf DIR] [--verbose]
    bench/session_scale.py --table-from bench/results/session-scale-DATE.json

(bench/run session-scale runs it with the defaults.)
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

import session_scale_table as sst  # noqa: E402
from session_impls import BOXES, Conntrackd, Hrpd, NotImplementedYet  # noqa: E402
from session_measure import Bench, CtTool, DST, SRC, proc_rss_kb  # noqa: E402

from hslab_lib import lab as labmod  # noqa: E402
from hslab_lib import topo as topomod  # noqa: E402

IMPLS = ("hrpd", "conntrackd")
PARTS = ("live", "bulk", "churn")
MAX_PATH = "/proc/sys/net/netfilter/nf_conntrack_max"
HASH_PATH = "/sys/module/nf_conntrack/parameters/hashsize"
# Memory a run needs, per session of the largest size: the kernel's entries on both boxes
# (~320 B each, 2 boxes, the churn's overlap), conntrackd's caches on both (~600 B), the
# listeners' buffers and the daemons; plus a fixed margin for the lab and the machine.
MEM_PER_SESSION_B = 2 * 400 + 2 * 700  # and the churn's lag: in the margin
MEM_MARGIN_MB = 1024


# ---- the root namespace's limits: raised for the run, restored on every exit path ----

def read_int(path):
    with open(path) as f:
        return int(f.read().split()[0])


def write_int(path, v):
    with open(path, "w") as f:
        f.write("%d\n" % v)


def mem_available_mb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    raise RuntimeError("no MemAvailable in /proc/meminfo")


def check_memory(n):
    need = MEM_PER_SESSION_B * n // (1 << 20) + MEM_MARGIN_MB
    have = mem_available_mb()
    if have < need:
        raise SystemExit("not enough memory for %s sessions: %d MB available (free -m), about "
                         "%d MB needed; use smaller --sizes" % (format(n, ","), have, need))
    return {"available_mb": have, "needed_mb": need}


class RootLimits:
    """nf_conntrack_max and the hash size of the root namespace, raised for the run and put
    back as they were when the with-block ends (error and signal included)."""

    def __init__(self, need):
        self.need = need
        self.old = {}

    def __enter__(self):
        self.old = {MAX_PATH: read_int(MAX_PATH), HASH_PATH: read_int(HASH_PATH)}
        want = {MAX_PATH: self.need,
                # one bucket per 2 entries at most: lookups stay short at 1M
                HASH_PATH: 1 << max(0, (self.need // 2 - 1).bit_length())}
        for path in (HASH_PATH, MAX_PATH):
            if want[path] > self.old[path]:
                bl.log("[session-scale] %s %d -> %d (restored at the end)" % (
                    os.path.basename(path), self.old[path], want[path]))
                write_int(path, want[path])
        return self

    def describe(self):
        return ", ".join("%s %d (was %d)" % (os.path.basename(p), read_int(p), v)
                         for p, v in self.old.items())

    def __exit__(self, *exc):
        for path, v in self.old.items():
            if read_int(path) != v:
                write_int(path, v)
                bl.log("[session-scale] %s restored to %d" % (os.path.basename(path), v))
        return False


# ---- the entries' pattern ----

# hs-ct-fill's source ports run from its base port up, 254 entries a port: 1M sessions take
# ports 1024-4961 with the default base, and those of 3784, 3785 and 4784 (BFD) are the boxes'
# own traffic to hrpd's policy, never synced (lib/sess_policy.c): 762 of the N that hrpd
# rightly leaves out and the waits would count as missing. From 5000 on no port of the pattern
# is one the policy knows (BGP 179, BFD, HRP 18514 would need 3.4M sessions).
BASE_PORT = 5000


class ScaleCtTool(CtTool):
    def common(self):
        return super().common() + ["--base-port", str(BASE_PORT)]


# ---- the churn part ----

class ScaleBench(Bench):
    """The session benchmark's live and bulk parts, with bounded waits at 1M and the churn run
    right after the live part of the churn size (both boxes then hold the N)."""

    def __init__(self, lab, opts):
        super().__init__(lab, opts)
        self.ct = ScaleCtTool(lab, opts)

    def wait_timeout_ms(self, n):
        return int(60000 + n * 0.1)  # 60 s + 0.1 ms per entry: 160 s at 1M

    def live(self, impl, n):
        rec = super().live(impl, n)
        if "churn" in self.opts.only and n == self.opts.churn_at:
            run = self.raw["runs"][-1]
            try:
                run["churn"] = self.churn(impl, n)
            except Exception as e:
                run["churn_error"] = str(e)
                self.raw["errors"].append("%s churn N=%d: %s" % (impl.name, n, e))
                bl.log("  ERROR %s churn N=%d: %s" % (impl.name, n, e))
            self.after_churn(impl, n, run.get("churn"))
        return rec

    def count(self, node, lo, hi):
        """Entries of the pattern with index in [lo, hi) (a dump of the node's table)."""
        if hi <= lo:
            return 0
        return self.ct.run(node, ["--count", "--seed", str(lo), "--n", str(hi - lo)],
                           timeout=120)["ours"]

    def differ(self, node, n, lo, hi):
        """What the node's table lacks of the live range [lo, hi) and still holds of the
        deleted range [0, lo)."""
        live = self.count(node, lo, hi)
        return {"missing": (hi - lo) - live, "not_deleted": self.count(node, 0, lo)}

    def churn(self, impl, n):
        ct, rate, secs = self.ct, self.opts.churn_rate, self.opts.churn_seconds
        total = rate * secs
        rec = {"impl": impl.name, "n": n, "rate": rate, "seconds": secs}
        tmo = (secs + 60) * 1000
        handles = []
        try:
            lis = {node: ct.spawn(node, ["--listen", str(total), "--seed", str(n),
                                         "--timeout-ms", str(tmo)], "churn-listen")
                   for node in BOXES}
            handles += lis.values()
            s0 = self.snapshot(impl)
            bl.log("  [%s] churn: %d new + %d destroyed /s for %d s on %d sessions" % (
                impl.name, rate, rate, secs, n))
            res = ct.run(SRC, ["--churn", str(rate), "--seconds", str(secs), "--n", str(n)],
                         timeout=secs * 5 + 120)
            ev = {node: ct.result(h, 30.0) for node, h in lis.items()}
        finally:
            for h in handles:
                if h["proc"].poll() is None:
                    ct.result(h, 1.0, stop=True)
        t_end = time.monotonic()
        lo, hi = res["next_delete"], res["next_create"]
        rec["churn"], rec["events"] = res, ev
        rec["source_diff"] = self.differ(SRC, n, lo, hi)
        # the standby catches up: compared until equal, bounded (a dump of ~N each time)
        polls, diff = 0, None
        while polls < 60:
            polls += 1
            diff = self.differ(DST, n, lo, hi)
            if diff["missing"] == 0 and diff["not_deleted"] == 0:
                break
            if time.monotonic() - t_end > 30:
                break
            time.sleep(0.5)
        rec["standby_diff"], rec["compare_polls"] = diff, polls
        rec["equal_after_s"] = round(time.monotonic() - t_end, 2) \
            if diff["missing"] == 0 and diff["not_deleted"] == 0 else None
        rec["lost"] = diff["missing"] + diff["not_deleted"]
        rec["quiet_after_s"] = self.quiet(impl)
        s1 = self.snapshot(impl)
        rec["window"] = d = self.delta(s0, s1)
        events = res["created"] + res["deleted"]
        rec["cpu_s_per_100k_events"] = {
            node: None if d["cpu_s"][node] is None or not events
            else round(d["cpu_s"][node] * 100000 / events, 3) for node in BOXES}
        rec["daemon_stats"] = {node: impl.stats(node) for node in BOXES}
        rec["rss_kb"] = {node: proc_rss_kb(impl.pid(node)) if impl.pid(node) else None
                         for node in BOXES}
        src, dst = ev.get(SRC) or {}, ev.get(DST) or {}
        if src.get("t_last_ns") and dst.get("t_last_ns"):
            rec["last_new_lag_ms"] = round((dst["t_last_ns"] - src["t_last_ns"]) / 1e6, 1)
        bl.log("  [%s] churn: fw1 %s events/s (late %.1f ms, %d errors); fw2 new entries "
               "%s/s (%s of %d), last %s ms after fw1's; lost %d (missing %d, not deleted %d); "
               "CPU per 100k events fw1 %s s fw2 %s s" % (
                   impl.name, bl.fmt_num(res["events_rate"], 0), res["late_ms"], res["errors"],
                   bl.fmt_num(dst.get("rate"), 0), dst.get("distinct"), total,
                   rec.get("last_new_lag_ms"), rec["lost"], diff["missing"],
                   diff["not_deleted"], rec["cpu_s_per_100k_events"]["fw1"],
                   rec["cpu_s_per_100k_events"]["fw2"]))
        return rec

    def after_churn(self, impl, n, rec):
        """With the daemons stopped, the same churn on fw1 again with nothing listening: the
        kernel's own churn rate here, the reference of the rows. Then the bulk part wants fw1
        with exactly the N and fw2 empty: every entry the churns left goes (bulk fills fw1
        again)."""
        self.stop_all(impl)
        total = self.opts.churn_rate * self.opts.churn_seconds
        if rec and rec.get("churn"):
            try:
                rec["kernel_alone"] = ka = self.ct.run(
                    SRC, ["--churn", str(self.opts.churn_rate), "--seconds",
                          str(self.opts.churn_seconds), "--n", str(n), "--seed",
                          str(rec["churn"]["next_delete"])],
                    timeout=self.opts.churn_seconds * 5 + 120)
                bl.log("  kernel alone on fw1: churn at %s events/s (%.1f ms late)" % (
                    bl.fmt_num(ka["events_rate"], 0), ka["late_ms"]))
            except Exception as e:
                self.raw["errors"].append("kernel alone churn: %s" % e)
        hi = n + 2 * total
        for node in BOXES:
            try:
                self.ct.run(node, ["--delete", str(hi)], timeout=120 + hi / 1000)
            except Exception as e:
                self.raw["errors"].append("after churn, delete on %s: %s" % (node, e))


# ---- profiles (--perf) ----

DAEMON = {"hrpd": "hrpd", "conntrackd": "conntrackd"}


def watch_starts(impl):
    """The PIDs of the daemons impl starts from now on (its start() wrapped), for --perf."""
    pids, start = [], impl.start

    def recording_start(node, role):
        pid = start(node, role)
        pids.append(pid)
        return pid
    impl.start = recording_start
    return pids


class Profile:
    """perf record of the whole machine (-a: the daemons start and stop inside a part) while a
    with-block runs, then the daemon's hottest symbols (its own code and the kernel's work in its
    system calls) as a text report, of the daemons we started (pids: other labs on the machine
    run daemons of the same name). Nothing when dir is None or perf is missing."""

    def __init__(self, dir, name, comm, pids):
        self.dir, self.name, self.comm, self.pids = dir, name, comm, pids
        self.proc = self.report = None

    def __enter__(self):
        perf = shutil.which("perf")
        if not self.dir or not perf:
            return self
        os.makedirs(self.dir, exist_ok=True)
        self.data = os.path.join(self.dir, "%s.perf.data" % self.name)
        self.proc = subprocess.Popen([perf, "record", "-a", "-F", "499", "-o", self.data, "-q"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # perf's start: it should see the whole part
        return self

    def __exit__(self, *exc):
        if self.proc is None:
            return False
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        out = os.path.join(self.dir, "%s.%s.txt" % (self.name, self.comm))
        with open(out, "w") as f:
            f.write(self.text())
        self.report = out
        return False

    def text(self):
        """Each daemon's hottest symbols, as shares of its own samples. Counted from `perf
        script`: `perf report --pid` here counted 2K of a process's 5.9K samples (the ones
        `perf script` and `perf report --sort pid` both give it) and put 61% of them in a
        symbol that held 12%."""
        rows = subprocess.run(["perf", "script", "-i", self.data, "--comm", self.comm,
                               "-F", "tid,ip,sym,dso"], capture_output=True, text=True,
                              timeout=300).stdout.splitlines()
        counts = {}
        for line in rows:  # "TID  IP SYMBOL (DSO)"
            f = line.split(None, 2)
            if len(f) == 3 and f[0].isdigit() and int(f[0]) in self.pids:
                per = counts.setdefault(int(f[0]), {})
                per[f[2]] = per.get(f[2], 0) + 1
        lines = []
        for pid in self.pids:
            per = counts.get(pid, {})
            total = sum(per.values())
            lines.append("%s pid %d: %d samples (%s, cpu-clock at 499 Hz)" % (
                self.comm, pid, total, os.path.basename(self.data)))
            for what, k in sorted(per.items(), key=lambda kv: -kv[1]):
                if k * 200 < total:  # under 0.5%
                    break
                lines.append("  %6.2f%%  %s" % (100.0 * k / total, what))
        return "\n".join(lines) + "\n"


# ---- entry points ----

def options(argv=None):
    ap = argparse.ArgumentParser(description="session sync at 1M sessions: hrpd vs conntrackd")
    ap.add_argument("--quick", action="store_true",
                    help="small: sizes 10000,50000, churn 5000/s for 3 s")
    ap.add_argument("--builddir", help="build tree (default $HS_BUILDDIR or the source tree)")
    ap.add_argument("--out-dir", help="where the JSON goes (default bench/results)")
    ap.add_argument("--sizes", help="session counts (default 100000,1000000)")
    ap.add_argument("--impls", help="hrpd,conntrackd (default both)")
    ap.add_argument("--only", help="parts: live,bulk,churn (default all; churn runs after the "
                    "live part of the largest size)")
    ap.add_argument("--churn-rate", type=int, default=None,
                    help="new (and destroyed) sessions per second (50000; quick 5000)")
    ap.add_argument("--churn-seconds", type=int, default=None, help="churn time (10; quick 3)")
    ap.add_argument("--batch", type=int, default=256, help="hs-ct-fill's batch (256)")
    ap.add_argument("--conntrackd-sched", choices=("default", "other"), default="default",
                    help="'other' moves conntrackd to SCHED_OTHER after it starts")
    ap.add_argument("--hrpd-set", action="append", default=[], metavar="KEY=VALUE",
                    help="an hrpd setting on both boxes (an A/B, shown in the title)")
    ap.add_argument("--perf", metavar="DIR",
                    help="profile: perf record -a around each implementation's run of a size "
                    "(files and a report of the daemon's symbols in DIR); the figures of a "
                    "profiled run are slower")
    ap.add_argument("--trace-queues", action="store_true",
                    help="sample the daemons' socket queues and CPU shares during each live "
                         "fill (bench/session_queues.py): where the entries wait")
    ap.add_argument("--prefix", help="the lab's prefix (hs + 4 hex digits; default a new one)")
    ap.add_argument("--workdir", help="the lab's work dir (default /tmp/hslab.PREFIX)")
    ap.add_argument("--verbose", action="store_true", help="the lab's own log lines too")
    ap.add_argument("--table-from", metavar="JSON",
                    help="print the table of an earlier run from its raw figures; run nothing")
    a = ap.parse_args(argv)
    a.sizes = sorted(int(x) for x in (a.sizes or ("10000,50000" if a.quick else
                                                  "100000,1000000")).split(",") if x.strip())
    if not a.sizes or any(not 1 <= n <= 2000000 for n in a.sizes):
        ap.error("sizes are 1..2000000")
    a.impls = [x for x in (a.impls or ",".join(IMPLS)).split(",") if x.strip()]
    if any(x not in IMPLS for x in a.impls) or not a.impls:
        ap.error("--impls takes %s" % ",".join(IMPLS))
    a.only = [x for x in (a.only or ",".join(PARTS)).split(",") if x.strip()]
    if any(x not in PARTS for x in a.only) or not a.only:
        ap.error("--only takes %s" % ",".join(PARTS))
    if "churn" in a.only and "live" not in a.only:
        ap.error("churn runs on the table the live part leaves: --only live,churn at least")
    a.churn_rate = a.churn_rate or (5000 if a.quick else 50000)
    a.churn_seconds = a.churn_seconds or (3 if a.quick else 10)
    if not 1 <= a.churn_rate <= 1000000 or not 1 <= a.churn_seconds <= 600:
        ap.error("--churn-rate is 1..1000000, --churn-seconds 1..600")
    a.churn_at = max(a.sizes)
    if not 1 <= a.batch <= 4096:
        ap.error("--batch is 1..4096")
    if (65536 - BASE_PORT) * 254 < max(a.sizes) + 2 * a.churn_rate * a.churn_seconds:
        ap.error("the sizes and the churn take more source ports than the pattern has")
    return a


def run(opts):
    if os.geteuid() != 0:
        raise SystemExit("session-scale needs root (network namespaces, nf_conntrack_max)")
    paths = labmod.Paths(opts.builddir)
    if not os.access(paths.probe("hs-ct-fill"), os.X_OK):
        raise SystemExit("not built: %s (make, or --builddir / HS_BUILDDIR)" %
                         paths.probe("hs-ct-fill"))
    top = max(opts.sizes)
    meta = {"machine": bl.machine(), "quick": opts.quick, "sizes": opts.sizes,
            "impls": opts.impls, "batch": opts.batch, "only": list(opts.only),
            "churn_rate": opts.churn_rate, "churn_seconds": opts.churn_seconds,
            "churn_at": opts.churn_at, "hrpd_set": list(opts.hrpd_set),
            "builddir": paths.top_build, "hs_ct_fill": bl.file_id(paths.probe("hs-ct-fill")),
            "base_port": BASE_PORT,
            "conntrackd_sched_option": opts.conntrackd_sched}
    meta["memory"] = check_memory(top)
    bl.log("[session-scale] memory: %(available_mb)d MB available, ~%(needed_mb)d MB needed" %
           meta["memory"])
    topo = topomod.load(paths.topology("ref"))
    lablog = (lambda m: bl.log("[hslab] " + m)) if opts.verbose else (lambda m: None)
    started = time.monotonic()
    # per namespace: the N, the lab's own flows and, with churn, room for a standby that lags:
    # until it has applied the destroys it holds the new entries beside the old ones
    churn = opts.churn_rate * opts.churn_seconds if "churn" in opts.only else 0
    with RootLimits(top + churn + opts.batch + 50000) as limits:
        meta["conntrack_limits"] = limits.describe()
        raw = sized_parts(paths, topo, opts, meta, lablog)
    return bl.finish_run(opts, "session-scale", meta, raw, started, sst.full_table)


def sized_parts(paths, topo, opts, meta, lablog):
    with labmod.Lab(topo, paths, prefix=opts.prefix, workdir=opts.workdir, log=lablog) as lab:
        bl.log("[session-scale] lab %s up; sizes %s; %s" % (lab.prefix, opts.sizes,
                                                            ", ".join(opts.impls)))
        b = ScaleBench(lab, opts)
        for name in opts.impls:
            impl = (Hrpd if name == "hrpd" else Conntrackd)(lab, opts)
            try:
                impl.check()
                impl.setup()
                meta.update(impl.extra_meta())
            except Exception as e:
                b.raw["skipped"][name] = "n/a (%s)" % e
                b.raw["errors"].append("%s: %s" % (name, e))
                continue
            started = watch_starts(impl)
            for n in opts.sizes:
                bl.log("[session-scale] %s, N = %d" % (name, n))
                try:
                    del started[:]
                    with Profile(opts.perf, "%s-%d" % (name, n), DAEMON[name], started) as prof:
                        b.one(impl, n)
                    if prof.report:
                        meta.setdefault("profiles", {})["%s-%d" % (name, n)] = prof.report
                except NotImplementedYet as e:
                    b.raw["skipped"][name] = "n/a (not implemented)"
                    meta["%s_skip_reason" % name] = str(e)
                    break
            if name == "conntrackd":
                meta["conntrackd_sched"] = ", ".join(sorted(set(
                    r["live"]["sched"].get("fw1", "?") for r in b.raw["runs"]
                    if r["impl"] == "conntrackd" and r.get("live")))) or "?"
        return b.raw


def main(argv=None):
    bl.standalone_main(options, run, sst.table_from, argv)


if __name__ == "__main__":
    main()
