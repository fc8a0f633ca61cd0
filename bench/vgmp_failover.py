#!/usr/bin/python3
"""vgmp benchmark (issue 6): the traffic gap of vgmpd's failovers beside keepalived with a
vrrp_sync_group, same run, same reference lab (tests/clab/ref.clab.yml), one lab per side.

    bench/vgmp_failover.py [--quick] [--builddir DIR] [--repeats N] [--intervals 10,100,1000]
                           [--faults link,box,kill,switchover] [--impls vgmpd,keepalived]
                           [--ecmp survivor|failed|kernel] [--ospf-active-cost N] [--prefix hsXXXX]
    bench/vgmp_failover.py --table-from bench/results/vgmp-DATE.json[,vgmp-DATE2.json]

For each hello interval (vgmpd: hrpd's hello and the VRRP advert interval; keepalived: advert_int)
and each fault of fw1, the active: the UDP probe's longest gap each way (1 ms each way, client <->
server through the pair), the packets it lost, when fw2 held the VIP and when the upstream router's
route to the LAN went via fw2 (`ip -ts monitor` in fw2 and rtr). The faults:

  link        fw1's tracked uplink up0 loses carrier (its switch port goes down); the clock starts
              at fw1's own link event (`ip -ts monitor link` in fw1)
  box         the lab's box failure: fw1's four links drop every frame (at one instant), then its
              processes freeze
  kill        kill -9 of every daemon of the pair on fw1 (vrrpd, vgmpd, hrpd / keepalived)
  switchover  planned: `hrpctl hrp switchover` / SIGTERM to keepalived (priority 0 advert)

Between cases fw1 is put back (link up, thawed, daemons restarted, `undo hrp switchover`) and the
next case waits until fw1 is the active, the router routes the LAN through fw1 only and both
boxes' router-LSAs are >= 6 s old (FRR holds a box's next LSA up to 5 s after its last one).
Figures are printed beside the issue's targets, never asserted."""

import argparse
import json
import math
import os
import sys
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

from hslab_lib import lab as labmod, probes, topo as topomod  # noqa: E402
from session_failover import bound_master_down_ms, master_down_ms  # noqa: E402
from session_failover_lab import (  # noqa: E402
    CLIENT, SERVER, SERVER_ADDR, Monitor, lan_route, lsa_ages, lsas_quiet, pin_ecmp,
    routed_via)
from vgmp_failover_impls import FAULTS, SRC, UPLINK_IF, VgHrpd, VgKeepalived, advert_cs  # noqa

IMPLS = {"vgmpd": VgHrpd, "keepalived": VgKeepalived}
LABEL = {"vgmpd": "vrrpd + vgmpd + hrpd", "keepalived": "keepalived, vrrp_sync_group"}
FAULT_LABEL = {"link": "tracked uplink down on the active",
               "box": "box failure of the active (frozen, ports silent)",
               "kill": "kill -9 of every daemon on the active",
               "switchover": "planned switchover (hrp switchover / keepalived SIGTERM)"}
UDP_PORT = 9300
T_LINK_MS = 20.0       # a tracked-link failure moves traffic in < 20 ms, whatever the interval
T_BOX_SLACK_MS = 10.0  # a box failure costs at most the detection + 10 ms
T_ROUTE_MS = 100.0     # the upstream route on the new active within 100 ms of a switchover


def options(argv=None):
    ap = argparse.ArgumentParser(description="vgmpd's failovers vs keepalived's sync group")
    ap.add_argument("--quick", action="store_true",
                    help="100 ms only, link, box and switchover, 1 run each")
    ap.add_argument("--builddir", help="build tree (default $HS_BUILDDIR or the source tree)")
    ap.add_argument("--out-dir", help="where the JSON goes (default bench/results)")
    ap.add_argument("--repeats", type=int, help="runs per case (3; quick 1)")
    ap.add_argument("--intervals", help="hello / advert intervals in ms (10,100,1000; quick 100)")
    ap.add_argument("--faults", help=",".join(FAULTS) + " (default all; quick: no kill)")
    ap.add_argument("--impls", help="vgmpd,keepalived (default both)")
    ap.add_argument("--ecmp", choices=("survivor", "failed", "kernel"), default="survivor",
                    help="the router's choice between equal-cost routes via the failed box and "
                    "the survivor (pinned by its hash seed, as bench session does)")
    ap.add_argument("--ospf-active-cost", type=int, default=0, metavar="N",
                    help="vgmpd.ospf_cost.active_cost on both boxes (0, the default: the "
                    "interface's own cost; from 2 a takeover sets N-1 until the peer confirms "
                    "its raised cost)")
    ap.add_argument("--prefix", help="lab prefix (hsXXXX; default a new one)")
    ap.add_argument("--verbose", action="store_true", help="the lab's own log lines too")
    ap.add_argument("--table-from", metavar="JSON[,JSON...]",
                    help="reprint an earlier run's table (several: their cases together)")
    a = ap.parse_args(argv)
    a.repeats = a.repeats or (1 if a.quick else 3)
    a.intervals = [int(x) for x in (a.intervals or ("100" if a.quick else "10,100,1000"))
                   .split(",") if x.strip()]
    if any(not 10 <= x <= 2550 or x % 10 for x in a.intervals):
        ap.error("an interval is 10..2550 ms, a multiple of 10 (VRRP counts centiseconds)")
    a.faults = [x for x in (a.faults or ("link,box,switchover" if a.quick else ",".join(FAULTS)))
                .split(",") if x.strip()]
    a.impls = [x for x in (a.impls or ",".join(IMPLS)).split(",") if x.strip()]
    bad = [x for x in a.faults if x not in FAULTS] + [x for x in a.impls if x not in IMPLS]
    if bad:
        ap.error("unknown: %s" % ", ".join(bad))
    return a


def detect_ms(interval_ms, impl):
    """When the backup learns of a dead master: vgmpd's fast take-over, the later of a bound
    backup's Master_Down and three missed hellos; keepalived (priority 100): Master_Down."""
    if impl == "vgmpd":
        return max(bound_master_down_ms(advert_cs(interval_ms)), 3 * interval_ms)
    return master_down_ms(advert_cs(interval_ms))


def wait_for(what, fn, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    while not fn():
        if time.monotonic() > deadline:
            raise RuntimeError("%s: not within %.0f s" % (what, timeout))
        time.sleep(interval)


class FaultMonitor(Monitor):
    """session_failover_lab's watch (VIP on fw2, rtr's routes) plus fw1's links, whose carrier
    loss stamps the link fault."""

    def __init__(self, lab):
        d = os.path.join(lab.node_dir(CLIENT), "probes")
        os.makedirs(d, exist_ok=True)
        log = os.path.join(d, "monitor-fw1-link.log")
        link = (lab.spawn(SRC, ["ip", "-ts", "monitor", "link"], log), log)
        Monitor.__init__(self, lab)
        self.procs[SRC] = link

    def link_down_at(self, t_from):
        """Realtime of fw1's first up0 event without carrier after t_from, or None."""
        for t, text in self.entries(self.procs[SRC][1]):
            if t >= t_from and (" %s:" % UPLINK_IF in text or " %s@" % UPLINK_IF in text) \
                    and "NO-CARRIER" in text:
                return t
        return None


def one_case(lab, fo, opts, iv, kind, rec):
    """Settled on fw1, the probe runs, the fault, the probe ends; fw1 restored. Fills rec."""
    t0 = time.monotonic()
    wait_for("fw1 active, fw2 standby", fo.ready, 90)
    wait_for("rtr routes the LAN through fw1 only", lambda: routed_via(lab, SRC), 40)
    wait_for("both router-LSAs >= 6 s old", lambda: lsas_quiet(lab), 40, 0.5)
    rec["settle_s"] = round(time.monotonic() - t0, 1)
    before = {"route_via": sorted(lan_route(lab)[0]), "fw1": fo.role("fw1"),
              "fw2": fo.role("fw2"), "lsa_age_s": lsa_ages(lab)}
    if before["route_via"] != ["fw1"] or before["fw1"] != "active" or before["fw2"] != "standby":
        rec["invalid"] = "not settled before the fault: %s" % before
    rec["before"] = before
    post_s = 1.0 + 6 * iv / 1000.0  # past the slowest detection (hrpd's dead time, 5 hellos)
    duration = int(math.ceil(1.0 + post_s))
    mon = FaultMonitor(lab)
    udp = probes.udp_probe(lab, CLIENT, SERVER, SERVER_ADDR, duration=duration, port=UDP_PORT)
    faulted = False
    try:
        time.sleep(1.0)
        real_off = time.time() - time.monotonic()
        f = fo.fault(kind)
        faulted = True
        rec["fault_info"] = {k: v for k, v in f.items() if k != "t0"}
        u = udp.wait()
    finally:
        mon.stop()
        try:
            udp.wait(slack=5)
        except Exception:
            pass
    t_real = f["t0"] + real_off
    rec["watch"] = mon.summary(t_real)
    if kind == "link":
        # The clock starts at fw1's own link event; events are looked for from the command's
        # start, since `ip -ts` stamps when it prints (a loaded monitor can print the VIP's
        # arrival on fw2 before fw1's carrier loss: a figure slightly below 0).
        t_link = mon.link_down_at(t_real - 0.001)
        shift = 0.0 if t_link is None else round((t_link - t_real) * 1000, 1)
        rec["link_event_after_ms"] = None if t_link is None else shift
        rec["watch"] = {k: None if v is None else round(v - shift, 1)
                        for k, v in rec["watch"].items()}
    rec["udp"] = {d: {k: (u.get(d) or {}).get(k) for k in ("lost", "max_gap_ms",
                                                          "max_gap_at_ms", "sent", "received")}
                  for d in ("c2s", "s2c")}
    rec["after"] = {"fw1": fo.role("fw1"), "fw2": fo.role("fw2")}
    if rec["after"]["fw2"] != "active" and "invalid" not in rec:
        rec["invalid"] = "fw2 not active after the fault: %s" % rec["after"]
    if "invalid" in rec:
        lab.keep_workdir = True  # its logs tell why
    if faulted:
        fo.restore(kind)
    bl.log("    %s %d ms %-10s run %d: gaps c2s %s / s2c %s ms, lost %s; VIP on fw2 %s ms, "
           "rtr via fw2 %s ms%s" % (fo.name, iv, kind, rec["run"],
                                     rec["udp"]["c2s"]["max_gap_ms"],
                                     rec["udp"]["s2c"]["max_gap_ms"],
                                     (rec["udp"]["c2s"]["lost"] or 0) +
                                     (rec["udp"]["s2c"]["lost"] or 0),
                                     rec["watch"]["vip_on_fw2_ms"],
                                     rec["watch"]["rtr_route_via_fw2_ms"],
                                     " INVALID: " + rec["invalid"] if "invalid" in rec else ""))


def run_impl(paths, topo, opts, name, lablog):
    """One side in a lab of its own: every interval, fault and repeat. Returns its record."""
    out = {"impl": name, "label": LABEL[name], "cases": []}
    with labmod.Lab(topo, paths, prefix=opts.prefix, log=lablog) as lab:
        out["prefix"] = lab.prefix
        fo = IMPLS[name](lab, opts)
        try:
            fo.check()
            fo.setup()
            out["ecmp"] = pin_ecmp(lab, opts.ecmp)
            for iv in opts.intervals:
                fo.configure(iv)
                fo.start()
                out.setdefault("settings", {})[str(iv)] = fo.settings()
                bl.log("  [%s] %s, interval %d ms: started" % (name, LABEL[name], iv))
                try:
                    for i in range(opts.repeats):
                        for kind in opts.faults:
                            rec = {"interval_ms": iv, "fault": kind, "run": i + 1}
                            out["cases"].append(rec)
                            try:
                                one_case(lab, fo, opts, iv, kind, rec)
                            except Exception as e:
                                rec["error"] = str(e)
                                lab.keep_workdir = True  # the daemons' logs tell why
                                bl.log("    %s %d ms %s run %d: ERROR %s (logs kept in %s)" % (
                                    name, iv, kind, i + 1, e, lab.workdir))
                                if kind == "box":  # never leave fw1 frozen
                                    try:
                                        fo.restore("box")
                                    except Exception:
                                        pass
                finally:
                    out.setdefault("after", {})[str(iv)] = fo.after()
                    fo.stop()
        except Exception as e:
            out["error"] = str(e)
            out["traceback"] = traceback.format_exc()
            lab.keep_workdir = True
            bl.log("  ERROR %s: %s (logs kept in %s)" % (name, e, lab.workdir))
    return out


def run(opts):
    if os.geteuid() != 0:
        raise SystemExit("the vgmp benchmark needs root (network namespaces)")
    paths = labmod.Paths(opts.builddir)
    topo = topomod.load(paths.topology("ref"))
    lablog = (lambda m: bl.log("[hslab] " + m)) if opts.verbose else (lambda m: None)
    started = time.monotonic()
    meta = {"machine": bl.machine(), "quick": opts.quick, "repeats": opts.repeats,
            "intervals": opts.intervals, "faults": opts.faults, "impls": opts.impls,
            "ecmp": opts.ecmp, "builddir": paths.top_build}
    raw = {}
    for name in opts.impls:
        bl.log("[vgmp] %s (%s), in a lab of its own" % (name, LABEL[name]))
        raw[name] = run_impl(paths, topo, opts, name, lablog)
    return bl.finish_run(opts, "vgmp", meta, raw, started, full_table)


# ---- the table ----

def udp_gap(d):
    return lambda r: r["udp"][d]["max_gap_ms"]


def udp_lost(r):
    return (r["udp"]["c2s"]["lost"] or 0) + (r["udp"]["s2c"]["lost"] or 0)


def full_table(raw, meta):
    rows, summary = [], {}
    impls = [n for n in IMPLS if n in raw]
    ours, peer = raw.get("vgmpd"), raw.get("keepalived")

    def good(rec, iv, kind):
        return [c for c in (rec or {}).get("cases", []) if c["interval_ms"] == iv and
                c["fault"] == kind and "udp" in c and not c.get("invalid")]

    def st(rec, iv, kind, fn):
        vals = []
        for c in good(rec, iv, kind):
            try:
                vals.append(fn(c))
            except (KeyError, TypeError):
                vals.append(None)
        return bl.stats(vals)

    def cell(rec, iv, kind, fn, unit, digits):
        if rec is None:
            return "-"
        if not good(rec, iv, kind):
            return "FAILED" if [c for c in rec.get("cases", []) if c["interval_ms"] == iv and
                                c["fault"] == kind] else "-"
        n_out = len([c for c in rec["cases"] if c["interval_ms"] == iv and
                     c["fault"] == kind]) - len(good(rec, iv, kind))
        return bl.fmt_stats(st(rec, iv, kind, fn), unit, digits) + (
            " [%d out]" % n_out if n_out else "")

    def runs(iv):
        """The runs per case at iv, each side's where they differ (--table-from)."""
        n = [max([len([c for c in rec["cases"] if c["interval_ms"] == iv and c["fault"] == f])
                  for f in meta["faults"]] or [0])
             for rec in (ours, peer) if rec]
        n = [x for x in n if x] or [meta["repeats"]]
        return "%d" % n[0] if len(set(n)) == 1 else " / ".join("%d" % x for x in n)

    for iv in meta["intervals"]:
        rows.append(["hellos / adverts %d ms; median (min-max) of %s run(s)" % (
            iv, runs(iv)), LABEL["vgmpd"], LABEL["keepalived"], "", "", "", ""])
        for kind in meta["faults"]:
            rows.append(["  " + FAULT_LABEL[kind], "", "", "", "", "", ""])
            floor = "-"
            if kind in ("box", "kill"):
                floor = "detect %s / %s ms" % (bl.fmt_num(detect_ms(iv, "vgmpd"), 0),
                                               bl.fmt_num(detect_ms(iv, "keepalived"), 0))
            for label, fn, unit, digits, target, limit in (
                    ("gap client -> server", udp_gap("c2s"), "ms", 0,
                     *target_of(kind, iv)),
                    ("gap server -> client", udp_gap("s2c"), "ms", 0,
                     *target_of(kind, iv)),
                    ("packets lost, both ways", udp_lost, "", 0,
                     *(("0", 0) if kind == "switchover" else ("-", None))),
                    ("VIP on fw2 after", lambda r: r["watch"]["vip_on_fw2_ms"], "ms", 1,
                     "-", None),
                    ("rtr's route via fw2 after", lambda r: r["watch"]["rtr_route_via_fw2_ms"],
                     "ms", 1, *(("<= %d ms" % T_ROUTE_MS, T_ROUTE_MS) if kind == "switchover"
                                else ("-", None)))):
                s_ours = st(ours, iv, kind, fn) if ours else None
                s_peer = st(peer, iv, kind, fn) if peer else None
                r = bl.ratio(s_ours and s_ours["median"], s_peer and s_peer["median"])
                met = "-"
                if limit is not None and s_ours and s_ours["max"] is not None:
                    worst = s_ours["max"]  # every run
                    met = "PASS" if (worst <= limit if kind == "switchover" else
                                     worst < limit) else "MISS"
                rows.append(["    " + label, cell(ours, iv, kind, fn, unit, digits),
                             cell(peer, iv, kind, fn, unit, digits), bl.fmt_ratio(r),
                             floor if label.startswith("gap") else "-", target, met])
                summary.setdefault("%d ms %s" % (iv, kind), {})[label] = {
                    n: st(raw[n], iv, kind, fn) for n in impls}
    notes = notes_of(raw, meta)
    return {"name": "vgmp",
            "title": "vgmp: failover of the active, %s vs %s (UDP probe 1 ms each way)" % (
                LABEL["vgmpd"], LABEL["keepalived"]),
            "headers": ["case", "vgmpd", "keepalived", "ratio", "floor", "target", "met"],
            "rows": rows, "notes": notes, "summary": summary}


def target_of(kind, iv):
    """(text, limit) of the issue's target for a gap row."""
    if kind == "link":
        return "< %d ms, every run" % T_LINK_MS, T_LINK_MS
    if kind == "box":
        lim = detect_ms(iv, "vgmpd") + T_BOX_SLACK_MS
        return "< %s ms, every run" % bl.fmt_num(lim, 0), lim
    return "-", None


def notes_of(raw, meta):
    notes = [
        "one lab per side (tests/clab/ref.clab.yml), same run; per interval both boxes' daemons "
        "restarted with it: vgmpd: hrpd.hello_interval and the VRRP group's advert_interval "
        "(cs), the ref lab's config otherwise (track_interfaces up0, preempt_delay 5 s, OSPF "
        "cost 65500 on the standby's lan0); keepalived (%s): one vrrp_instance on lan0 "
        "(VRRPv3, use_vmac, fw1 priority 200, fw2 100) in a vrrp_sync_group with "
        "track_interface up0, notify via its FIFO setting lan0's OSPF cost as vgmpd does" % (
            next((s.get("keepalived_version") for s in
                  (raw.get("keepalived") or {}).get("settings", {}).values()), "keepalived")),
        "probe: hs-udp-probe client <-> server (1 ms each way, 1 s before the fault, then 1 s "
        "+ 6 intervals); gap = the longest time without a packet in that direction; lost = "
        "packets that never arrived",
        "clock: the fault's start (link: fw1's own carrier-loss event in `ip -ts monitor "
        "link`, stamped when ip prints it; box: the first nft write; kill: before the "
        "signals; switchover: before hrpctl / the SIGTERM); the VIP on fw2 and rtr's route "
        "from `ip -ts monitor` in fw2 and rtr (the gaps are the probe's own, with no clock "
        "of ours in them)",
        "return traffic: rtr routes the LAN via OSPF by lan0's cost (65500 on the standby). "
        "A failed box's route stays in rtr until BFD drops it (~300 ms, 100 ms x 3); meanwhile "
        "rtr has equal-cost routes via both boxes and its hash is pinned to '%s' (%s) as "
        "bench session does, so the s2c gap measures the pair, not BFD" % (
            meta.get("ecmp"), ", ".join("%s: seed %s" % (n, (r.get("ecmp") or {}).get("seed"))
                                        for n, r in raw.items())),
        "floor (box, kill): detection, vgmpd's fast take-over max(Master_Down, 3 hellos) / "
        "keepalived's Master_Down; targets (issue 6) compared with vgmpd's worst run",
    ]
    errs = ["%s: %s" % (n, r["error"].splitlines()[0]) for n, r in raw.items()
            if r.get("error")]
    errs += ["%s %d ms %s run %d: %s" % (n, c["interval_ms"], c["fault"], c["run"],
                                          (c.get("error") or c.get("invalid")).splitlines()[0])
             for n, r in raw.items() for c in r.get("cases", [])
             if c.get("error") or c.get("invalid")]
    if errs:
        notes.append("out of the figures: " + "; ".join(errs))
    if meta.get("merged_from"):
        notes.append("cases of %d runs put together (--table-from): %s; the run time and "
                     "load below are the first one's" % (len(meta["merged_from"]),
                                                          ", ".join(meta["merged_from"])))
    notes.append(bl.run_note(meta))
    return notes


def table_from(paths):
    """The table of earlier runs: one JSON file, or several (comma-separated) whose cases are
    put together, e.g. one side re-run for some intervals."""
    files = [p for p in paths.split(",") if p]
    if len(files) == 1:
        return bl.table_from_json(files[0], full_table)
    meta, raw = None, {}
    for path in files:
        with open(path) as f:
            d = json.load(f)
        if meta is None:
            meta = d["meta"]
        for key in ("intervals", "faults"):
            meta[key] = [x for x in meta[key]] + [x for x in d["meta"][key]
                                                   if x not in meta[key]]
        meta["intervals"].sort()
        meta["repeats"] = max(meta["repeats"], d["meta"]["repeats"])
        for name, rec in d["raw"].items():
            if name not in raw:
                raw[name] = dict(rec, cases=list(rec.get("cases", [])))
                continue
            raw[name]["cases"] += rec.get("cases", [])
            if rec.get("error"):
                raw[name]["error"] = "; ".join(x for x in (raw[name].get("error"),
                                                           rec["error"]) if x)
    meta["merged_from"] = files
    result = full_table(raw, meta)
    result["json"] = ", ".join(files)
    return result


def main(argv=None):
    bl.standalone_main(options, run, table_from, argv)


if __name__ == "__main__":
    main()
