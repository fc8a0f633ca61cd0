#!/usr/bin/python3
"""Instructions per VRRP advert (issue 14's profile): N groups, all master on r1 of the VRRP lab
(tests/clab/vrrp.clab.yml, r1 alone: nothing to receive), the daemon under callgrind with
instrumentation off until the groups have settled, then on for a window. The figure is the user-space
instructions of every process of the daemon (callgrind's Ir) over the adverts r1 sent in the
window (lan0 TX), with the share of each object (the daemon, libsystemd, libc, ...) and its top
functions. keepalived's VRRP process is a forked child that vgdb cannot reach, so keepalived is
measured by the difference of two whole runs (window W and 4W) instead: start-up and
shut-down cancel out only roughly, so its figure is the coarser one. Callgrind counts instructions, not time, so the figure holds still on a busy machine
where CPU time moves; the kernel's part (syscalls) is not in it.

    sudo bench/vrrp_callgrind.py [--builddir DIR] [--vrrpd PATH] [--impls vrrpd,keepalived]
        [--groups 100] [--intervals 100,10] [--window-s 10] [--prefix hsXXXX] [--out-dir DIR]
        [--cg-dir /tmp/vrrp-callgrind]

--vrrpd runs another vrrpd binary (a build from before a change) in the same lab, for a before /
after in one run. Progress on stderr, the table on stdout, the figures in
bench/results/vrrp-callgrind-DATE.json."""

import argparse
import glob
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

from hslab_lib import lab as labmod, netns  # noqa: E402
from hslab_lib import topo as topomod  # noqa: E402
import vrrp_failover as vf  # noqa: E402
import vrrp_scale as vs  # noqa: E402

SETTLE_S = 7.0  # past the GARP repeat 5 s after becoming master


def valgrind_argv(out_dir, toggle):
    return ["valgrind", "--tool=callgrind", "--instr-atstart=%s" % ("no" if toggle else "yes"),
            "--callgrind-out-file=%s" % os.path.join(out_dir, "callgrind.out.%p")]


def start(lab, impl, node, out_dir, vrrpd, toggle):
    log = os.path.join(lab.node_dir(node), "log", "%s-callgrind.log" % impl)
    d = lab.node_dir(node)
    if impl == "vrrpd":
        argv = [vrrpd, "-n", "-f", os.path.join(d, "hotstandby.conf")]
    else:
        for f in ("keepalived.pid", "keepalived-vrrp.pid"):
            if os.path.exists(os.path.join(d, f)):
                os.unlink(os.path.join(d, f))
        argv = ["keepalived", "--vrrp", "--dont-fork", "--log-console", "-f",
                os.path.join(d, "keepalived.conf"), "-p", os.path.join(d, "keepalived.pid"),
                "-r", os.path.join(d, "keepalived-vrrp.pid")]
    return lab.spawn(node, valgrind_argv(out_dir, toggle) + argv, log)


def callgrind_control(pids, *args):
    """Sends a command to callgrind in each process (vgdb); a process that did not answer is
    logged: its figures would be missing."""
    for pid in pids:
        p = subprocess.run(["callgrind_control"] + list(args) + [str(pid)],
                           capture_output=True, text=True, timeout=30, check=False)
        if p.returncode != 0 or "OK" not in p.stdout:
            bl.log("  callgrind_control %s %d: %s" % (" ".join(args), pid,
                                                      (p.stdout + p.stderr).strip()[-300:]))


def annotate(path):
    """(total Ir, {object: Ir}, [(Ir, function, object)]) of one callgrind output file."""
    out = subprocess.run(["callgrind_annotate", "--threshold=100", path], capture_output=True,
                         text=True, timeout=120).stdout
    total, by_obj, funcs = 0, {}, []
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
            continue
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+?)(?: \[(.+)\])?$", line)
        if m and ":" in m.group(2):
            ir = int(m.group(1).replace(",", ""))
            obj = os.path.basename(m.group(3) or "?")
            obj = re.sub(r"\.so[.\d]*$", "", obj)
            by_obj[obj] = by_obj.get(obj, 0) + ir
            funcs.append((ir, m.group(2).split(":", 1)[1], obj))
    return total, by_obj, funcs


def calls_to(path, name):
    """How many calls the callgrind file records to the function called name (its call
    edges: "cfn=" then "calls=N"; names are compressed to "(id)" after their first use)."""
    names, count, target = {}, 0, False
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("fn=", "cfn=")):
                m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m and m.group(2):
                    names[m.group(1)] = m.group(2)
                target = bool(m) and line.startswith("cfn=") and names.get(m.group(1)) == name
            elif line.startswith("calls=") and target:
                count += int(line.split("=", 1)[1].split()[0])
                target = False
    return count


def collect(out_dir):
    """(total Ir, {object: Ir}, [(Ir, function, object)], loop wake-ups) of every callgrind file
    in out_dir; a wake-up is a call to epoll_wait, once per turn of either daemon's loop."""
    total, by_obj, funcs, wakeups = 0, {}, [], 0
    for path in glob.glob(os.path.join(out_dir, "callgrind.out.*")):
        t, o, f = annotate(path)
        total += t
        for k, ir in o.items():
            by_obj[k] = by_obj.get(k, 0) + ir
        funcs += f
        wakeups += calls_to(path, "epoll_wait")
    return total, by_obj, funcs, wakeups


def one_run(lab, opts, impl, obj, n, vips, out_dir, window_s, toggle):
    """One daemon under callgrind: (adverts, seconds, Ir, {object: Ir}, functions). toggle:
    instrumentation only in the window (vgdb), else the whole life of the processes, with the
    adverts counted from before the start until after the end."""
    os.makedirs(out_dir, exist_ok=True)
    for old in glob.glob(os.path.join(out_dir, "callgrind.out.*")):
        os.unlink(old)
    tx_start = vs.link_packets(lab, "r1", "lan0", "tx")
    p = start(lab, impl, "r1", out_dir, opts.vrrpd, toggle)
    try:
        vf.wait_until("%s under callgrind: all %d VIPs on r1" % (impl, n),
                      lambda: vs.vips_held(lab, "r1", vips) == n, 120, interval=0.5)
        time.sleep(SETTLE_S)
        pids = netns.ns_pids(lab.ns("r1"))
        if toggle:
            callgrind_control(pids, "-i", "on")
        tx0 = vs.link_packets(lab, "r1", "lan0", "tx")
        t0 = time.monotonic()
        time.sleep(window_s)
        tx1 = vs.link_packets(lab, "r1", "lan0", "tx")
        elapsed = time.monotonic() - t0
        if toggle:
            callgrind_control(pids, "-i", "off")
            callgrind_control(pids, "-d")
    finally:
        vf.stop_proc(p, timeout=60)
        # a child under callgrind writes its figures as it ends: give it time before a SIGKILL
        deadline = time.monotonic() + 60
        while netns.ns_pids(lab.ns("r1")) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = netns.ns_pids(lab.ns("r1"))
        if left:
            netns.kill_pids(left)
        obj.cleanup("r1")
        vf.remove_vips(lab, "r1", vips)
    adverts = tx1 - tx0 if toggle else vs.link_packets(lab, "r1", "lan0", "tx") - tx_start
    return (adverts, elapsed) + collect(out_dir)


def case(lab, opts, impl, n, cs):
    """vrrpd: one run, callgrind on for the window only. keepalived: its VRRP process is a
    forked child, which vgdb does not reach; so two runs of its whole life, window W and 4W, and
    the difference (start-up and shut-down cancel out, roughly)."""
    rec = {"impl": impl, "groups": n, "interval_cs": cs}
    vips = [vs.scale_vip(i) for i in range(1, n + 1)]
    cls = vs.Vrrpd if impl == "vrrpd" else vs.Keepalived
    obj = cls(lab)
    obj.configure("r1", vs.scale_groups(n, vs.PRIO_MASTER, cs))
    # outside the lab's work dir, which goes with the lab: callgrind_annotate reads them later
    out_dir = os.path.join(opts.cg_dir, "%s-%s-%d-%d" % (lab.prefix, impl, n, cs))
    if impl == "vrrpd":
        rec["method"] = "window"
        adverts, elapsed, total, by_obj, funcs, wakeups = one_run(lab, opts, impl, obj, n, vips, out_dir,
                                                         opts.window_s, True)
    else:
        rec["method"] = "difference of a %g s and a %g s run" % (opts.window_s,
                                                                4 * opts.window_s)
        a1, e1, t1, o1, _, w1 = one_run(lab, opts, impl, obj, n, vips, out_dir + "-short",
                                    opts.window_s, False)
        a2, e2, t2, o2, funcs, w2 = one_run(lab, opts, impl, obj, n, vips, out_dir,
                                        4 * opts.window_s, False)
        adverts, elapsed, total, wakeups = a2 - a1, e2 - e1, t2 - t1, w2 - w1
        by_obj = {k: o2.get(k, 0) - o1.get(k, 0) for k in o2}
        rec["runs"] = [{"adverts": a1, "ir_total": t1}, {"adverts": a2, "ir_total": t2}]
    rec.update({"window_s": round(elapsed, 2), "adverts": adverts, "ir_total": total,
                "ir_per_advert": round(total / adverts) if adverts > 0 else None,
                "wakeups": wakeups,
                "adverts_per_wakeup": round(adverts / wakeups, 2) if wakeups > 0 else None,
                "ir_by_object": by_obj,
                "top_functions": [list(x) for x in sorted(funcs, reverse=True)[:12]],
                "loadavg": bl.loadavg()})
    bl.log("  %s %d @ %s: %d adverts in %.1f s, %s Ir per advert, %s adverts per wake-up" % (
        impl, n, vf.interval_name(cs), adverts, elapsed, rec["ir_per_advert"],
        rec["adverts_per_wakeup"]))
    return rec


def table(raw, meta):
    rows = []
    for r in raw["cases"]:
        if r.get("error"):
            rows.append([r["impl"], r["groups"], vf.interval_name(r["interval_cs"]), "FAILED",
                         "-", "-", "-", r["error"][:60]])
            continue
        total = r["ir_total"] or 1
        shares = sorted(r["ir_by_object"].items(), key=lambda kv: -kv[1])[:3]
        rows.append([r["impl"], r["groups"], vf.interval_name(r["interval_cs"]), r["adverts"],
                     r["ir_per_advert"], r.get("adverts_per_wakeup", "-"), ", ".join("%s %.0f%%" % (k, 100.0 * ir / total)
                                                   for k, ir in shares),
                     ", ".join(f for _, f, _ in r["top_functions"][:3])])
    return {"title": "VRRP instructions per advert under callgrind (r1 master of every group)",
            "headers": ["impl", "groups", "interval", "adverts", "Ir/advert", "adverts/wake-up",
                        "by object",
                        "top functions (self)"],
            "rows": rows, "summary": [],
            "notes": ["vrrpd binary: %s" % meta.get("vrrpd_binary", {}).get("path", "?")]}


def table_from(path):
    return bl.table_from_json(path, table)


def options(argv=None):
    ap = argparse.ArgumentParser(description="VRRP instructions per advert under callgrind")
    ap.add_argument("--quick", action="store_true", help="one case: 100 groups at 100 ms")
    ap.add_argument("--builddir", help="build tree (default $HS_BUILDDIR or the source tree)")
    ap.add_argument("--vrrpd", help="the vrrpd binary to run (default the build tree's)")
    ap.add_argument("--out-dir", help="where the JSON goes (default bench/results)")
    ap.add_argument("--impls", default="vrrpd,keepalived")
    ap.add_argument("--groups", default="100")
    ap.add_argument("--intervals", default="100,10")
    ap.add_argument("--window-s", type=float, default=10.0)
    ap.add_argument("--cg-dir", default="/tmp/vrrp-callgrind",
                    help="where callgrind's own files go (kept for callgrind_annotate)")
    ap.add_argument("--prefix", default=os.environ.get("HS_BENCH_PREFIX"))
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--table-from", metavar="JSON")
    a = ap.parse_args(argv)
    a.impls = a.impls.split(",")
    a.groups = [int(x) for x in ("100" if a.quick else a.groups).split(",")]
    a.intervals = [int(x) for x in ("10" if a.quick else a.intervals).split(",")]
    return a


def run(opts):
    if os.geteuid() != 0:
        raise SystemExit("needs root (network namespaces)")
    paths = labmod.Paths(opts.builddir)
    opts.vrrpd = os.path.abspath(opts.vrrpd or paths.daemon("vrrpd"))
    topo = topomod.load(paths.topology("vrrp"))
    lablog = (lambda m: bl.log("[hslab] " + m)) if opts.verbose else (lambda m: None)
    started = time.monotonic()
    meta = {"machine": bl.machine(), "vrrpd_binary": bl.file_id(opts.vrrpd),
            "opts": {"groups": opts.groups, "intervals": opts.intervals,
                     "window_s": opts.window_s, "impls": opts.impls}}
    raw = {"cases": []}
    with labmod.Lab(topo, paths, prefix=opts.prefix, log=lablog) as lab:
        bl.log("[vrrp-callgrind] lab %s up" % lab.prefix)
        for n in opts.groups:
            for cs in opts.intervals:
                for impl in opts.impls:
                    try:
                        raw["cases"].append(case(lab, opts, impl, n, cs))
                    except Exception as e:  # a FAILED row; the run goes on
                        bl.log("  ERROR: %s" % e)
                        raw["cases"].append({"impl": impl, "groups": n, "interval_cs": cs,
                                             "error": str(e)})
    return bl.finish_run(opts, "vrrp-callgrind", meta, raw, started, table)


def main(argv=None):
    bl.standalone_main(options, run, table_from, argv)


if __name__ == "__main__":
    main()
