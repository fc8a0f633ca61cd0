#!/usr/bin/python3
"""Hot restart benchmark (issue #12): what replacing the master's VRRP daemon costs on the wire,
vrrpd beside keepalived (Debian's), in one run of the VRRP lab (tests/clab/vrrp.clab.yml; the
same pair as bench/vrrp_failover.py: r1 priority 200 master, r2 priority 100 backup, VRID 1 on
lan0 and VRID 3 on br1, 100 ms adverts).

Each replacement runs in its own window: advert watchers on the client's and the server's LAN
(advert_gaps.py, AF_PACKET) and the 1 ms UDP probe (client <-> server through both VIPs) start, the daemon on r1 is replaced
1 s in, and r1 must be master of both groups again before the window ends (3 s, 6 s for the
restarts). Ways:

- vrrpd hot restart: SIGUSR2, the new binary adopts the sockets and the state (doc/hot-restart.md);
  handover = from the signal until the old process is gone (it exits on the new one's confirm);
- vrrpd cold restart: SIGTERM, then a new vrrpd (priority-0 advert, r2 takes over, r1 preempts);
- keepalived reload: SIGHUP (keepalived re-reads its config in place; no new binary runs, so it
  is not an upgrade, only the nearest thing keepalived has);
- keepalived restart: SIGTERM, then a new keepalived, the only way to run a new binary.

For the restarts, handover = from the signal until r1 holds both VIPs again and r2 none.
Then, with --pair on (the default), each of the suite's daemons in the full pair
(hot_restart_pair.py): vrrpd, vgmpd and hrpd hot-restarted on the active box of the reference
lab under the probe and 200 TCP flows, with the peer's view of the hellos and adverts.
Figures per way: handover (median, min-max), longest gap between r1's adverts on the LANs, probe
packets lost and the probe's longest gap (both directions), how many times r2 advertised (it
took over). Printed, never asserted.

    bench/hot_restart.py [--quick] [--builddir DIR] [--out-dir DIR] [--repeats N]
        [--ways vrrpd-hot,vrrpd-cold,keepalived-reload,keepalived-restart]
        [--pair on|off|only] [--verbose]
    bench/hot_restart.py --table-from bench/results/hot-restart-DATE.json
"""

import argparse
import json
import os
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402
import vrrp_failover as vf  # noqa: E402  (its lab helpers and the two implementations)
import hot_restart_pair as hp  # noqa: E402

from hslab_lib import lab as labmod, probes  # noqa: E402
from hslab_lib.hot import gone  # noqa: E402
from hslab_lib import topo as topomod  # noqa: E402
import vrrp_lab as v  # noqa: E402

INTERVAL_CS = 10
R1_SOURCES = ("192.0.2.2", "198.51.100.2")
WAYS = ("vrrpd-hot", "vrrpd-cold", "keepalived-reload", "keepalived-restart")
WAY_IMPL = {"vrrpd-hot": "vrrpd", "vrrpd-cold": "vrrpd", "keepalived-reload": "keepalived",
            "keepalived-restart": "keepalived"}
WAY_NAMES = {"vrrpd-hot": "vrrpd hot restart (USR2)", "vrrpd-cold": "vrrpd cold restart",
             "keepalived-reload": "keepalived reload (HUP)",
             "keepalived-restart": "keepalived restart"}
REPLACE_AT_S = 1.0
# each window's length: a restart waits for r2's takeover and r1's preemption back
WINDOW_S = {"vrrpd-hot": 3, "vrrpd-cold": 6, "keepalived-reload": 3, "keepalived-restart": 6}


def wait_fine(fn, timeout):
    """Polls fn every millisecond; the monotonic time it first held, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return time.monotonic()
        time.sleep(0.001)
    return None


class Window:
    """One replacement's watch: the probe, and an advert watcher on each LAN's host (the
    client's and the server's eth1: a watcher on r2 would not see r2's own adverts)."""

    WATCHERS = (("client", "eth1"), ("server", "eth1"))

    def __init__(self, lab, seconds, tag):
        self.lab = lab
        script = os.path.join(bl.LAB_SRC, "scenarios", "advert_gaps.py")
        self.outs, self.watches = [], []
        for node, iface in self.WATCHERS:
            out = os.path.join(lab.workdir, "hot-adverts-%s-%s.json" % (tag, node))
            for f in (out, out + ".ready"):
                if os.path.exists(f):
                    os.unlink(f)
            self.watches.append(lab.spawn(node, ["python3", script, out, str(seconds), iface],
                                          os.path.join(lab.workdir, "hot-adverts.log")))
            self.outs.append(out)
        for out in self.outs:
            vf.wait_until("the advert watcher runs", lambda: os.path.exists(out + ".ready"), 15)
        self.probe = probes.udp_probe(lab, "client", "server", vf.SERVER, duration=seconds)

    def finish(self):
        res = self.probe.wait()
        seen = {}
        for out, watch, (node, _) in zip(self.outs, self.watches, self.WATCHERS):
            vf.wait_until("the advert watcher's result", lambda: os.path.exists(out), 30)
            watch.wait(timeout=10)
            with open(out) as f:
                seen.update({"%s %s" % (node, k): e for k, e in json.load(f).items()})
        # key: "NODE IFACE SOURCE VRID"
        r1 = [e for k, e in seen.items() if k.split()[2] in R1_SOURCES]
        others = [e for k, e in seen.items() if k.split()[2] not in R1_SOURCES]
        gaps, lost = [], 0
        for d in ("c2s", "s2c"):
            if not res.get(d):
                raise RuntimeError("probe: no %s report" % d)
            gaps.append(res[d]["max_gap_ms"])
            lost += res[d]["lost"]
        return {"advert_gap_ms": max((e["max_gap_ms"] for e in r1), default=None),
                "r1_min_priority": min((e["min_prio"] for e in r1), default=None),
                "r2_adverts": sum(e["count"] for e in others),
                "probe_gap_ms": max(gaps), "probe_lost": lost, "adverts": seen}


class HotBench(vf.Bench):
    def __init__(self, lab, opts):
        opts.impls = sorted({WAY_IMPL[w] for w in opts.ways}, key=lambda n: n != "vrrpd")
        opts.vrrpd_extra = {}
        super().__init__(lab, opts)
        self.raw = {"ways": {}, "errors": []}

    def impl(self, name):
        return next(i for i in self.impls if i.name == name)

    def start_pair(self, impl):
        self.stop_all(impl)
        impl.configure("r1", self.pair_groups(vf.PRIO_MASTER, INTERVAL_CS))
        impl.configure("r2", self.pair_groups(vf.PRIO_BACKUP, INTERVAL_CS))
        self.procs["r2"] = impl.start("r2")
        self.procs["r1"] = impl.start("r1")
        self.wait_converged(impl, INTERVAL_CS)

    def r1_pid(self, impl):
        """The daemon now running on r1 (after a hot restart, not the process we started)."""
        if impl.name == "vrrpd":
            with open(os.path.join(v.rundir(self.lab, "r1"), "vrrpd.pid")) as f:
                return int(f.read().split()[0])
        return self.procs["r1"].pid

    def replace(self, way, impl):
        """Replaces r1's daemon; returns the handover time in ms (None: not defined)."""
        pid = self.r1_pid(impl)
        t0 = time.monotonic()
        if way == "vrrpd-hot":
            os.kill(pid, signal.SIGUSR2)
            at = wait_fine(lambda: gone(pid), 10)
            if at is None:
                raise RuntimeError("the old vrrpd %d did not hand over within 10 s" % pid)
            return (at - t0) * 1000
        if way == "keepalived-reload":
            os.kill(pid, signal.SIGHUP)
            return None
        vf.stop_proc(self.procs.pop("r1"))
        self.procs["r1"] = impl.start("r1")
        at = wait_fine(lambda: self.converged(impl), 30)
        if at is None:
            raise RuntimeError("r1 did not take both groups back within 30 s")
        return (at - t0) * 1000

    def way(self, way, repeats):
        impl = self.impl(WAY_IMPL[way])
        self.start_pair(impl)
        runs = []
        for run in range(repeats):
            rec = {"run": run + 1}
            runs.append(rec)
            try:
                self.wait_converged(impl, INTERVAL_CS)
                win = Window(self.lab, WINDOW_S[way], "%s-%d" % (way, run))
                started = win.probe.started
                time.sleep(max(0.0, started + REPLACE_AT_S - time.monotonic()))
                rec["handover_ms"] = self.replace(way, impl)
                rec.update(win.finish())
                rec.pop("adverts", None)
                if not self.converged(impl):
                    raise RuntimeError("r1 is not master of both groups at the window's end")
            except Exception as e:
                rec["error"] = str(e)
                self.raw["errors"].append("%s #%d: %s" % (way, run + 1, e))
                bl.log("  ERROR %s #%d: %s" % (way, run + 1, e))
                self.start_pair(impl)
                continue
            bl.log("  %-20s #%d: handover %s ms, advert gap %s ms, r2 adverts %d, probe lost "
                   "%d, gap %.1f ms" % (way, run + 1, bl.fmt_num(rec["handover_ms"]),
                                        bl.fmt_num(rec["advert_gap_ms"]), rec["r2_adverts"],
                                        rec["probe_lost"], rec["probe_gap_ms"]))
        self.raw["ways"][way] = runs
        self.stop_all(impl)


def full_table(raw, meta):
    rows = []
    none = ["-", "-", "-"]  # the pair's columns in a VRRP lab row
    for way in WAYS:
        runs = [r for r in raw["ways"].get(way, []) if "error" not in r]
        if way not in raw["ways"]:
            continue
        hand = [r["handover_ms"] for r in runs if r.get("handover_ms") is not None]
        rows.append([WAY_NAMES[way], "%d/%d" % (len(runs), len(raw["ways"][way])),
                     bl.fmt_stats(bl.stats(hand), " ms") if hand else "-",
                     bl.fmt_stats(bl.stats([r["advert_gap_ms"] for r in runs
                                            if r["advert_gap_ms"] is not None]), " ms"),
                     sum(r["probe_lost"] for r in runs),
                     bl.fmt_stats(bl.stats([r["probe_gap_ms"] for r in runs]), " ms"),
                     sum(1 for r in runs if r["r2_adverts"])] + none)
    rows += hp.pair_rows(raw)
    notes = ["%d replacements per way at 100 ms adverts (the RFC's Master_Down_Interval for r2: "
             "%.0f ms); figures are median (min-max)" % (meta["repeats"],
                                                        vf.master_down_ms(INTERVAL_CS)),
             "advert gap: the longest silence between the master's adverts in the window; backup "
             "took over: windows in which the backup advertised (VRRP lab), or the active lost "
             "its role (full pair)",
             "full pair (reference lab, --pair): %d hot restarts per daemon on the active, one "
             "window each with 200 TCP flows, 100 ms hellos and adverts; hello gap: fw1's hellos "
             "on fw2's heartbeat links, with the epochs seen and how far a sequence number went "
             "back (hrpd: the old process's last hellos, numbered below the new one's, which "
             "starts 4096 ahead; a reset would go back to 0); refused: hrpd's \"try again\" answers (a record in flight), retried" % (
                 meta["repeats"]),
             bl.run_note(meta)]
    if raw.get("errors"):
        notes.append("errors: %s" % "; ".join(raw["errors"]))
    return {"title": "Hot restart: a daemon replaced in place (%s)" % (", ".join(
                meta.get("versions", {}).values()) or "hotstandby"),
            "headers": ["way", "runs ok", "handover", "advert gap", "probe lost",
                        "probe gap", "backup took over", "hello gap (peer)", "flows alive",
                        "refused"],
            "rows": rows, "notes": notes,
            "summary": {way: {"lost": sum(r.get("probe_lost", 0) for r in raw["ways"][way])}
                        for way in raw["ways"]}}


def table_from(path):
    return bl.table_from_json(path, full_table)


def options(argv=None):
    ap = argparse.ArgumentParser(description="hot restart: vrrpd vs keepalived")
    ap.add_argument("--quick", action="store_true", help="CI smoke: 2 replacements per way")
    ap.add_argument("--builddir", help="build tree (default $HS_BUILDDIR or the source tree)")
    ap.add_argument("--out-dir", help="where the JSON goes (default bench/results)")
    ap.add_argument("--repeats", type=int, help="replacements per way (default 10, quick 2)")
    ap.add_argument("--ways", help="what to run: %s (default all)" % ",".join(WAYS))
    ap.add_argument("--pair", choices=("on", "off", "only"), default="on",
                    help="the full pair's part: each daemon hot-restarted in the reference lab "
                    "(default on)")
    ap.add_argument("--verbose", action="store_true", help="the lab's own log lines too")
    ap.add_argument("--table-from", metavar="JSON",
                    help="print the table of an earlier run from its raw figures; run nothing")
    a = ap.parse_args(argv)
    a.repeats = a.repeats or (2 if a.quick else 10)
    a.ways = [] if a.pair == "only" else [
        w for w in WAYS if w in (a.ways or ",".join(WAYS)).split(",")]
    return a


def run(opts):
    if os.geteuid() != 0:
        raise SystemExit("the hot restart benchmark needs root (network namespaces)")
    paths = labmod.Paths(opts.builddir)
    for prog in (paths.daemon("vrrpd"), paths.probe("hs-udp-probe")):
        if not os.access(prog, os.X_OK):
            raise SystemExit("not built: %s (make, or --builddir / HS_BUILDDIR)" % prog)
    topo = topomod.load(paths.topology("vrrp"))
    lablog = (lambda m: bl.log("[hslab] " + m)) if opts.verbose else (lambda m: None)
    started = time.monotonic()
    meta = {"machine": bl.machine(), "quick": opts.quick, "repeats": opts.repeats,
            "ways": opts.ways, "interval_cs": INTERVAL_CS,
            "vrrpd_binary": bl.file_id(paths.daemon("vrrpd"))}
    raw = {"ways": {}, "errors": []}
    if opts.ways:
        with labmod.Lab(topo, paths, log=lablog) as lab:
            b = HotBench(lab, opts)
            meta["versions"] = {i.name: i.version() for i in b.impls}
            bl.log("[hot-restart] lab %s up; %s" % (lab.prefix,
                                                   ", ".join(meta["versions"].values())))
            for way in opts.ways:
                bl.log("== %s" % WAY_NAMES[way])
                try:
                    b.way(way, opts.repeats)
                except Exception as e:
                    b.raw["errors"].append("%s: %s" % (way, e))
                    bl.log("  ERROR %s: %s" % (way, e))
                    b.stop_all(b.impl(WAY_IMPL[way]))
            raw = b.raw
    if opts.pair != "off":
        hp.run_pair(paths, topomod, labmod, opts, raw)
    return bl.finish_run(opts, "hot-restart", meta, raw, started, full_table)


def main(argv=None):
    bl.standalone_main(options, run, table_from, argv)


if __name__ == "__main__":
    main()
