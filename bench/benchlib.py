"""Shared helpers of the benchmarks in bench/: where the lab library is, statistics of repeated
runs, the side-by-side table, the JSON results file and a description of the machine.

A benchmark module (bench/NAME.py, registered in bench/run) has

    run(opts) -> {"name": ..., "title": ..., "headers": [...], "rows": [[cell, ...], ...],
                  "notes": [...], "json": path of its raw figures}

and may also run on its own (`bench/NAME.py [--quick]`). Benchmarks never assert on figures:
they print them beside the peer's and, where the issue sets one, a target with PASS/MISS."""

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.realpath(__file__))
TOP_SRC = os.path.dirname(BENCH_DIR)
LAB_SRC = os.path.join(TOP_SRC, "tests", "lab")


def lab_imports():
    """Makes tests/lab (hslab_lib) and tests/lab/scenarios (vrrp_lab, ...) importable."""
    sys.dont_write_bytecode = True
    for d in (os.path.join(LAB_SRC, "scenarios"), LAB_SRC):
        if d not in sys.path:
            sys.path.insert(0, d)


def c_define(header, name):
    """The integer value of `#define NAME VALUE` in a header of the source tree (lib/...), so that
    a bench never repeats a constant of the C code."""
    with open(os.path.join(TOP_SRC, header)) as f:
        for line in f:
            words = line.split()
            if len(words) >= 3 and words[0] == "#define" and words[1] == name:
                return int(words[2], 0)
    raise LookupError("%s: no #define %s" % (header, name))


def master_down_ms(advert_cs, prio, whole_cs=False):
    """RFC 5798's Master_Down: 3 x interval + (256 - priority) x interval / 256. whole_cs: the
    skew in whole centiseconds (rounded down), as vrrpd counts it."""
    skew_cs = (256 - prio) * advert_cs / 256.0
    if whole_cs:
        skew_cs = float((256 - prio) * advert_cs // 256)
    return 10.0 * (3 * advert_cs + skew_cs)


def results_dir(opts=None):
    d = getattr(opts, "out_dir", None) or os.path.join(BENCH_DIR, "results")
    os.makedirs(d, exist_ok=True)
    return d


def stamp():
    return datetime.datetime.now().strftime("%Y%m%d-%H%M%S")


def write_json(opts, name, data):
    path = os.path.join(results_dir(opts), "%s-%s.json" % (name, stamp()))
    with open(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=False)
        f.write("\n")
    return path


def stats(values):
    """{n, median, min, max, values} of the numbers in values (None entries are failures)."""
    good = [v for v in values if v is not None]
    out = {"n": len(good), "failed": len(values) - len(good), "values": list(values)}
    if good:
        out.update(median=statistics.median(good), min=min(good), max=max(good))
    else:
        out.update(median=None, min=None, max=None)
    return out


def fmt_num(x, digits=1):
    if x is None:
        return "-"
    if isinstance(x, int):
        return "%d" % x
    return "%.*f" % (digits, x)


def fmt_stats(st, unit="", digits=1):
    """'612.0 (610.1-615.3) ms' or, for one run, '612.0 ms'; 'FAILED' when no run succeeded."""
    if st["median"] is None:
        return "FAILED" if st["failed"] else "-"
    text = fmt_num(st["median"], digits)
    if st["n"] > 1:
        text += " (%s-%s)" % (fmt_num(st["min"], digits), fmt_num(st["max"], digits))
    if unit:
        text += " " + unit
    if st["failed"]:
        text += " [%d failed]" % st["failed"]
    return text


def ratio(ours, peer):
    if ours is None or peer is None or peer == 0:
        return None
    return ours / peer


def fmt_ratio(r):
    return "-" if r is None else "%.2f" % r


def format_table(headers, rows):
    # A row may be longer than the headers (bench/run's summary puts tables of other widths
    # under one set of headers): its extra columns get headers of their own, empty.
    headers = list(headers) + [""] * (max((len(r) for r in rows), default=0) - len(headers))
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(str(cell)))

    def line(cells):
        return " | ".join(str(c).ljust(widths[i]) for i, c in enumerate(cells)).rstrip()

    sep = "-+-".join("-" * w for w in widths)
    return "\n".join([line(headers), sep] + [line(r) for r in rows])


def write_result_json(opts, name, meta, raw, result):
    """Writes a benchmark's whole result (meta, summary, raw figures, table) as JSON."""
    return write_json(opts, name, {"meta": meta, "summary": result["summary"], "raw": raw,
                                   "table": {"headers": result["headers"],
                                             "rows": result["rows"]}})


def finish_run(opts, name, meta, raw, started, table):
    """The end of every benchmark's run(): how long it took and the load then in meta, the table
    made by table(raw, meta), the whole written to bench/results/NAME-DATE.json."""
    meta["run_time_s"] = round(time.monotonic() - started, 1)
    meta["loadavg_end"] = loadavg()
    result = table(raw, meta)
    result.setdefault("name", name)  # bench/run's summary heads each part with it
    result["json"] = write_result_json(opts, name, meta, raw, result)
    return result


def sched_of(pid):
    """The scheduling policy and priority a process got, e.g. "SCHED_RR 10"."""
    try:
        pol = os.sched_getscheduler(pid)
        names = {os.SCHED_OTHER: "SCHED_OTHER", os.SCHED_FIFO: "SCHED_FIFO",
                 os.SCHED_RR: "SCHED_RR"}
        out = "%s %d" % (names.get(pol, str(pol)), os.sched_getparam(pid).sched_priority)
    except OSError as e:
        return "? (%s)" % e
    if pol == os.SCHED_OTHER:
        # the nice, and the session's autogroup's (with autogroup scheduling a nice weighs
        # only inside its session: the group's decides the share against other sessions)
        try:
            out += " nice %d" % os.getpriority(os.PRIO_PROCESS, pid)
            with open("/proc/%d/autogroup" % pid) as f:
                out += " autogroup nice %s" % f.read().split()[-1]
        except (OSError, IndexError):
            pass
    return out


def run_note(meta):
    """The note every table ends with: how long the run took and how loaded the machine was."""
    return "run time %.0f s; load average at start %s, at end %s" % (
        meta.get("run_time_s", 0), " ".join(meta["machine"].get("loadavg", [])),
        " ".join(meta.get("loadavg_end") or []))


def table_from_json(path, full_table):
    """The table of an earlier run: full_table(raw, meta) of the JSON file a run wrote."""
    with open(path) as f:
        d = json.load(f)
    result = full_table(d["raw"], d["meta"])
    result["json"] = path
    return result


def standalone_main(options, run, table_from, argv=None):
    """main() of a benchmark run on its own: --table-from reprints, otherwise run and print."""
    from hslab_lib import signals
    opts = options(argv)
    if opts.table_from:
        print_result(table_from(opts.table_from))
        return
    signals.install()
    try:
        result = run(opts)
    except signals.Interrupted as e:
        print("INTERRUPTED: %s" % e, file=sys.stderr)
        sys.exit(128 + e.signum)
    print_result(result)


def print_result(result, file=sys.stdout):
    print("", file=file)
    print(result["title"], file=file)
    print(format_table(result["headers"], result["rows"]), file=file)
    for note in result.get("notes", []):
        print("  " + note, file=file)
    if result.get("json"):
        print("  raw figures: %s" % result["json"], file=file)
    file.flush()


def machine():
    """What the figures were measured on: kernel, CPUs, load, the source tree's commit."""
    info = {"host": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
            "python": platform.python_version()}
    try:
        info["loadavg"] = open("/proc/loadavg").read().split()[:3]
    except OSError:
        pass
    try:
        git = subprocess.run(["git", "-C", TOP_SRC, "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10)
        if git.returncode == 0:
            info["commit"] = git.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return info


def file_id(path):
    """sha256 and mtime of a built program: which binary the figures belong to."""
    import hashlib
    try:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        mtime = datetime.datetime.fromtimestamp(os.stat(path).st_mtime).isoformat(
            timespec="seconds")
    except OSError as e:
        return {"path": path, "error": str(e)}
    return {"path": path, "sha256": digest, "mtime": mtime}


def cpu_times():
    """The machine's CPU time so far, in ticks, from /proc/stat's first line: (steal, total,
    idle). Steal is time the hypervisor ran something else on one of our vCPUs: every process
    here, the daemons and the measuring tools alike, stops for it."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest and guest_nice are in user, nice)
    return ticks[7] if len(ticks) > 7 else 0, sum(ticks[:8]), ticks[3] + ticks[4]


def steal_share(before, after):
    """The share of the machine's CPU time stolen between two cpu_times(), or None."""
    total = after[1] - before[1]
    return round((after[0] - before[0]) / total, 3) if total > 0 else None


def busy_share(before, after):
    """The share of the machine's CPU time spent running something (steal included: the vCPU
    was wanted) between two cpu_times(), or None."""
    total = after[1] - before[1]
    return round(1 - (after[2] - before[2]) / total, 3) if total > 0 else None


def loadavg():
    try:
        return open("/proc/loadavg").read().split()[:3]
    except OSError:
        return None


def tail(path, lines=10):
    """The last lines of a log file, for an error message."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).strip()
    except OSError:
        return "(no log)"


def log(msg):
    """Progress lines go to stderr, so stdout holds only the tables."""
    print(msg, file=sys.stderr, flush=True)
