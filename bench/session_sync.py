#!/usr/bin/python3
"""Session-sync benchmark: hrpd's session sync beside conntrackd FTFW (Debian's), same run, same
namespaces (the reference lab, tests/clab/ref.clab.yml; sync over the heartbeat link hb0,
203.0.113.1 - 203.0.113.2 through sw-hb1).

For each size N (10,000 and 100,000) and each implementation, on fresh daemons:

0. The kernel alone: before each implementation's run of a size, with no daemon running and no
   listener, hs-ct-fill creates the N on fw1 and deletes them, 3 times: the median is the
   kernel's batch-insert rate here, the reference of the bulk target. Then the same on fw2
   with a listener on fw1 (the kernel builds an event per insert), with fw1 empty and with fw1
   holding the N (the bulk's own kernel in this lab: one conntrack hash for both boxes).
1. Live sync. Both boxes run the implementation (fw1 the source, fw2 the standby). hs-ct-fill
   creates N IPv4 TCP ESTABLISHED entries on fw1 through ctnetlink, in batches of 256 (the
   kernel's batch-insert rate); meanwhile, in the same run:
     - an event listener on fw1 counts the NEW events of the N (the kernel's raw event rate);
     - a poller on fw2 (hs-ct-fill --wait-count) notes when fw2's kernel holds all N: the time
       until the standby holds all N, from the fill's first batch and from the moment fw1 held
       all N (the fill's last sendmsg, or fw1's last NEW event if earlier);
     - an event listener on fw2 stamps each entry's arrival: per-entry latency = arrival on fw2
       - creation on fw1 (both CLOCK_MONOTONIC; the creation is the batch's sendmsg
       interpolated over its messages, no later than the entry's NEW event on fw1), p50 / p99;
     - CPU seconds (utime+stime, read at ns resolution from /proc/PID/task/*/schedstat, plus
       reaped children) of each box's daemon from before the fill until the daemons are quiet
       again, per 100k entries; fw1's hb0 byte counters (both directions, Ethernet frames, less
       the idle traffic of the 2 s before) per entry;
     - VmRSS of each daemon once the N are synced: memory per synced entry is the slope between
       the two sizes.
1b. Paced live sync (--paced-rate, 20,000 /s; --paced-repeats, 5 runs): the same on fresh
   daemons, but the fill sends a batch of 16 each time one is due, so the 2 CPUs have room: the
   latency is what the sync itself adds; medians of the runs, with their range. On this
   machine the unpaced fill takes a CPU and the kernel most of the other, and its latency is
   mostly a wait for a CPU (doc/session-sync.md).
2. Bulk sync to a joining box. Both daemons stopped, fw2's copy of the N deleted, fw1 keeps its
   N. fw1's daemon is started (it reads its table), then the joining box: conntrackd is started on
   fw2 and asked for a resync (`conntrackd -n`, "request resync with other node"); hrpd on fw2 is
   started and told it is the standby (hrpd syncs by itself on joining). Time from that trigger
   until fw2's kernel holds all N, the rate, CPU per 100k and bytes per entry of the bulk.
3. TCP stall at failover (session_failover.py), per implementation in a lab of its own:
   the whole HA pair on both boxes (hrpd: vrrpd + vgmpd + hrpd, hello 10 ms, adverts 10 ms;
   conntrackd: keepalived with 10 ms adverts + conntrackd with primary-backup.sh), 200 TCP
   flows and a UDP probe through fw1, a box failure of fw1; the longest stall, the p99 of the
   flows' longest stalls, flows lost; 3 runs (--quick: 1).

Targets (issue 7) are compared with hrpd's figures and printed as PASS / MISS, never asserted:
latency p99 <= 2 ms, 0 entries lost, keeping pace with the kernel's event rate (see pace()),
bulk >= 80% of the kernel-alone rate, <= 64 B of memory and <= 64 B on the wire per entry, the
longest failover stall < 50 ms with 0 flows lost.

conntrackd: FTFW over UDP on hb0 (no multicast), DisableExternalCache on (the "direct" mode the
issue compares with: the standby's entries go straight into its kernel table, as hrpd's do),
Filter From Kernelspace (TCP only; the heartbeat addresses ignored), its socket, lock and log in
the box's lab dir, run in the box's namespace in the foreground (`conntrackd -C CONF`), started
and stopped by PID. Its scheduler is its own default (SCHED_RR 99) unless --conntrackd-sched other.

hrpd: `hrpd -f CONFIG --rundir RUNDIR` per box as the lab starts it (boxes.start_daemons), the
ref lab's config (hrpd.auto_sync_sessions = true), roles given by `vgmp-local` (no vgmpd): fw1
active, fw2 standby. An hrpd whose `hrp-statistics` has no "session" object (no session sync)
gets "n/a (not implemented)" in its cells and the conntrackd side runs on its own (see HRPD
SESSION SYNC in session_impls.py: the only hrpd-specific part of parts 1 and 2).

    bench/session_sync.py [--quick] [--builddir DIR] [--out-dir DIR] [--sizes 10000,100000]
        [--only live,paced,bulk,failover] [--impls hrpd,conntrackd] [--batch 256]
        [--paced-rate 20000] [--paced-repeats 5] [--keep-workdir]
        [--conntrackd-sched default|other] [--hrpd-set KEY=VALUE] [--failover-repeats N]
        [--failover-flows 200] [--failover-duration S] [--failover-ecmp survivor|failed|kernel]
        [--keepalived-vmac on|off] [--verbose]
    bench/session_sync.py --table-from bench/results/session-DATE.json

(bench/run session runs it with the defaults.) Figures are printed, never asserted.

This file is the entry point (options, the run, nf_conntrack_max); the rest is in
session_impls.py (conntrackd and hrpd as the live and bulk parts drive them), session_measure.py
(the /proc readers, hs-ct-fill and the live, bulk and kernel-alone measurements),
session_table.py (the table) and session_failover.py (the failover part, with
session_failover_impls.py and session_failover_lab.py).
"""

import argparse
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

import session_failover as sf  # noqa: E402
from session_impls import Conntrackd, Hrpd, NotImplementedYet  # noqa: E402
from session_measure import PACED_BATCH, PACED_RATE, Bench  # noqa: E402
from session_table import ONLY, SIZED, full_table, table_from  # noqa: E402

from hslab_lib import lab as labmod  # noqa: E402
from hslab_lib import topo as topomod  # noqa: E402

IMPLS = ("hrpd", "conntrackd")
NA_NOT_IMPL = "n/a (not implemented)"


# ---- nf_conntrack_max (LAB.md: follows the root namespace; restored on every exit path) ----

MAX_PATH = "/proc/sys/net/netfilter/nf_conntrack_max"


def conntrack_max():
    with open(MAX_PATH) as f:
        return int(f.read())


def set_conntrack_max(v):
    with open(MAX_PATH, "w") as f:
        f.write("%d\n" % v)


# ---- entry points ----

def bounded(ap, a, name, lo, hi, quick=None, full=None):
    """Option --name within lo..hi; unset, it takes its --quick or full default first."""
    attr = name.replace("-", "_")
    if getattr(a, attr) is None:
        setattr(a, attr, quick if a.quick else full)
    if not lo <= getattr(a, attr) <= hi:
        ap.error("--%s is %d..%d" % (name, lo, hi))


def options(argv=None):
    ap = argparse.ArgumentParser(description="session sync: hrpd vs conntrackd FTFW")
    ap.add_argument("--quick", action="store_true", help="small sizes (1000,5000)")
    ap.add_argument("--builddir", help="build tree (default $HS_BUILDDIR or the source tree)")
    ap.add_argument("--out-dir", help="where the JSON goes (default bench/results)")
    ap.add_argument("--sizes", help="session counts (default 10000,100000; quick 1000,5000)")
    ap.add_argument("--impls", help="hrpd,conntrackd (default both)")
    ap.add_argument("--batch", type=int, default=256, help="hs-ct-fill's batch (256)")
    ap.add_argument("--conntrackd-sched", choices=("default", "other"), default="default",
                    help="A/B: 'other' moves conntrackd to SCHED_OTHER after it starts "
                    "(default: its own SCHED_RR 99)")
    ap.add_argument("--hrpd-set", action="append", default=[], metavar="KEY=VALUE",
                    help="an hrpd setting on both boxes (an A/B, shown in the title)")
    ap.add_argument("--only", help="parts to run: live,paced,bulk,failover (default all); "
                    "live, paced and bulk run for each size, failover once per implementation")
    ap.add_argument("--paced-rate", type=int, default=PACED_RATE,
                    help="the paced live part's fill, entries a second (%d)" % PACED_RATE)
    ap.add_argument("--paced-repeats", type=int, default=None,
                    help="paced runs per implementation and size (5; quick 1)")
    ap.add_argument("--failover-flows", type=int, default=200,
                    help="TCP flows through the active at the box failure (200)")
    ap.add_argument("--failover-duration", type=int, default=None,
                    help="seconds the flows run (12; quick 10); the fault comes ~1 s after "
                    "the standby holds them")
    ap.add_argument("--failover-repeats", type=int, default=None,
                    help="box failures per implementation (3; quick 1)")
    ap.add_argument("--failover-ecmp", choices=("survivor", "failed", "kernel"),
                    default="survivor",
                    help="the router's ECMP choice between the failed box and the survivor "
                    "while OSPF still has both (survivor: the stall measures the pair; "
                    "failed: the time OSPF takes to drop the dead box; kernel: its own "
                    "random seed)")
    ap.add_argument("--keepalived-vmac", choices=("on", "off"), default="on",
                    help="failover: keepalived's use_vmac (on: the VIP on a virtual-MAC "
                    "macvlan, as vrrpd; off: on lan0, where OSPF then advertises it)")
    ap.add_argument("--keep-workdir", action="store_true",
                    help="keep the lab's work dir (daemon logs, the per-entry time files of the "
                    "live and paced parts) after the run")
    ap.add_argument("--verbose", action="store_true", help="the lab's own log lines too")
    ap.add_argument("--table-from", metavar="JSON",
                    help="print the table of an earlier run from its raw figures; run nothing")
    a = ap.parse_args(argv)
    a.sizes = sorted(int(x) for x in (a.sizes or ("1000,5000" if a.quick else "10000,100000"))
                     .split(",") if x.strip())
    if not a.sizes or any(not 1 <= n <= 1000000 for n in a.sizes):
        ap.error("sizes are 1..1000000")
    a.impls = [x for x in (a.impls or ",".join(IMPLS)).split(",") if x.strip()]
    bad = [x for x in a.impls if x not in IMPLS]
    if bad:
        ap.error("unknown implementation %s (known: %s)" % (", ".join(bad), ", ".join(IMPLS)))
    a.only = [x for x in (a.only or ",".join(ONLY)).split(",") if x.strip()]
    bad = [x for x in a.only if x not in ONLY]
    if bad or not a.only:
        ap.error("--only takes %s (not %s)" % (",".join(ONLY), ", ".join(bad) or "nothing"))
    bounded(ap, a, "batch", 1, 4096)
    bounded(ap, a, "paced-rate", 100, 1000000)
    bounded(ap, a, "paced-repeats", 1, 50, quick=1, full=5)
    bounded(ap, a, "failover-flows", 1, 10000)
    bounded(ap, a, "failover-duration", 6, 600, quick=10, full=12)
    bounded(ap, a, "failover-repeats", 1, 20, quick=1, full=3)
    return a


def run(opts):
    if os.geteuid() != 0:
        raise SystemExit("the session benchmark needs root (network namespaces)")
    paths = labmod.Paths(opts.builddir)
    if not os.access(paths.probe("hs-ct-fill"), os.X_OK):
        raise SystemExit("not built: %s (make, or --builddir / HS_BUILDDIR)" %
                         paths.probe("hs-ct-fill"))
    topo = topomod.load(paths.topology("ref"))
    lablog = (lambda m: bl.log("[hslab] " + m)) if opts.verbose else (lambda m: None)
    started = time.monotonic()
    meta = {"machine": bl.machine(), "quick": opts.quick, "sizes": opts.sizes,
            "hrpd_set": list(opts.hrpd_set),
            "impls": opts.impls, "batch": opts.batch, "builddir": paths.top_build,
            "hs_ct_fill": bl.file_id(paths.probe("hs-ct-fill")),
            "conntrackd_sched_option": opts.conntrackd_sched, "only": list(opts.only)}
    if "paced" in opts.only:
        meta.update(paced_rate=opts.paced_rate, paced_batch=PACED_BATCH,
                    paced_repeats=opts.paced_repeats)
    sized = any(p in opts.only for p in SIZED)
    if "failover" in opts.only:
        meta.update(failover_flows=opts.failover_flows, failover_duration=opts.failover_duration,
                    failover_ecmp=opts.failover_ecmp, keepalived_vmac=opts.keepalived_vmac,
                    failover_repeats=opts.failover_repeats)
    old_max = conntrack_max()
    need = max(opts.sizes) + 20000 if sized else 0  # per namespace: the N + the lab's flows
    raw = {"runs": [], "errors": [], "skipped": {}}
    try:
        if need > old_max:
            bl.log("[session] nf_conntrack_max %d -> %d (restored at the end)" % (old_max, need))
            set_conntrack_max(need)
        meta["conntrack_max"] = "%d (was %d)" % (conntrack_max(), old_max) if need > old_max \
            else "%d (unchanged)" % old_max
        if sized:
            raw = sized_parts(paths, topo, opts, meta, lablog)
        if "failover" in opts.only:
            raw["failover"] = {}
            for name in opts.impls:
                bl.log("[session] failover, %s (%s), in a lab of its own" % (
                    name, sf.FO_LABEL[name]))
                rec = sf.failover_one(paths, topo, opts, name, lablog, Conntrackd)
                raw["failover"][name] = rec
                if rec.get("error"):
                    raw["errors"].append("%s failover: %s" % (name, rec["error"]))
                st = rec.get("settings") or {}
                if st.get("keepalived_version"):
                    meta["keepalived_version"] = st["keepalived_version"]
                if st.get("conntrackd_version"):
                    meta.setdefault("conntrackd_version", st["conntrackd_version"])
    finally:
        if conntrack_max() != old_max:
            set_conntrack_max(old_max)
            bl.log("[session] nf_conntrack_max restored to %d" % old_max)
    return bl.finish_run(opts, "session", meta, raw, started, full_table)


def sized_parts(paths, topo, opts, meta, lablog):
    """The live and bulk parts for every size and implementation, in one lab."""
    with labmod.Lab(topo, paths, log=lablog, keep_workdir=opts.keep_workdir) as lab:
        bl.log("[session] lab %s up; sizes %s; %s" % (lab.prefix, opts.sizes,
                                                      ", ".join(opts.impls)))
        b = Bench(lab, opts)
        impls = []
        for name in opts.impls:
            impl = (Hrpd if name == "hrpd" else Conntrackd)(lab, opts)
            try:
                impl.check()
                impl.setup()
                meta.update(impl.extra_meta())
                impls.append(impl)
            except Exception as e:
                b.raw["skipped"][name] = "n/a (%s)" % e
                b.raw["errors"].append("%s: %s" % (name, e))
        for n in opts.sizes:
            for impl in impls:
                if impl.name in b.raw["skipped"]:
                    continue
                bl.log("[session] %s, N = %d" % (impl.name, n))
                try:
                    b.one(impl, n)
                except NotImplementedYet as e:
                    b.raw["skipped"][impl.name] = NA_NOT_IMPL
                    meta["%s_skip_reason" % impl.name] = str(e)
                    b.raw["runs"] = [r for r in b.raw["runs"] if r["impl"] != impl.name]
                    bl.log("  %s: %s (%s); going on without it" % (impl.name, NA_NOT_IMPL,
                                                                  e))
                if impl.name == "conntrackd":
                    meta["conntrackd_sched"] = ", ".join(sorted(set(
                        r["live"]["sched"].get("fw1", "?") for r in b.raw["runs"]
                        if r["impl"] == "conntrackd" and r.get("live")))) or "?"
        return b.raw


def main(argv=None):
    bl.standalone_main(options, run, table_from, argv)


if __name__ == "__main__":
    main()
