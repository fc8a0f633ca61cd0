"""The live and bulk parts of the session benchmark (bench/session_sync.py): the daemons' CPU and
memory and the heartbeat link's counters (/proc, ip -s link), hs-ct-fill
(tests/lab/probe/ct_fill.c) run in the boxes (CtTool), and Bench, which measures one
implementation (session_impls.py) at one size: the kernel alone, the live sync, the bulk sync to
a joining box, every raw figure kept."""

import array
import contextlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import time

import benchlib as bl
from session_impls import BOXES, DST, HB, SRC, NotImplementedYet, end_process
from session_queues import QueueSampler

IDLE_S = 2.0  # idle traffic and CPU measured this long before a fill
KERNEL_ALONE_REPEATS = 3  # fills of the kernel alone per implementation and size
PACED_BATCH = 16  # entries per sendmsg of a paced fill: 0.8 ms apart at 20,000/s
PACED_RATE = 20000  # entries a second of the paced fill (--paced-rate)
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- /proc and counters ----

def proc_cpu_s(pid):
    """CPU seconds of a process: the on-CPU time of its threads (/proc/PID/task/*/schedstat,
    ns: the same quantity as utime+stime, which /proc/PID/stat gives in 10 ms ticks only) plus
    cutime+cstime of its children it has waited for."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    children = (int(fields[13]) + int(fields[14])) / CLK_TCK
    ns = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    ns += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    except OSError:
        return None
    if ns == 0:  # no schedstat: utime+stime
        return (int(fields[11]) + int(fields[12])) / CLK_TCK + children
    return ns / 1e9 + children


def proc_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"VmRSS:\s+(\d+)", f.read())
    except OSError:
        return None
    return int(m.group(1)) if m else None




def link_counters(lab, node, ifname=HB):
    """Bytes and packets of one interface of a box (Ethernet frames, no FCS)."""
    j = json.loads(lab.run(node, ["ip", "-j", "-s", "link", "show", "dev", ifname]).stdout)[0]
    st = j.get("stats64") or j.get("stats")
    return {"rx_bytes": st["rx"]["bytes"], "tx_bytes": st["tx"]["bytes"],
            "rx_packets": st["rx"]["packets"], "tx_packets": st["tx"]["packets"]}


def percentile(sorted_values, p):
    """Nearest rank."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100.0 * len(sorted_values)) - 1))
    return sorted_values[k]


def read_times(path, n):
    a = array.array("Q")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    if sys.byteorder != "little":
        a.byteswap()
    if len(a) != n:
        raise RuntimeError("%s: %d times, expected %d" % (path, len(a), n))
    return a


# ---- hs-ct-fill in the boxes ----

class CtTool:
    """hs-ct-fill (tests/lab/probe/ct_fill.c) run in a box; results as parsed JSON."""

    def __init__(self, lab, opts):
        self.lab, self.opts = lab, opts
        self.bin = lab.paths.probe("hs-ct-fill")
        self.seq = 0

    def path(self, node, name):
        d = os.path.join(self.lab.node_dir(node), "session")
        os.makedirs(d, exist_ok=True)
        return os.path.join(d, name)

    def common(self):
        return ["--batch", str(self.opts.batch)]

    def run(self, node, args, timeout):
        p = self.lab.run(node, [self.bin] + self.common() + list(args), timeout=timeout,
                         check=False)
        if p.returncode != 0 or not p.stdout.strip():
            raise RuntimeError("hs-ct-fill %s on %s: exit %d: %s" % (
                " ".join(args), node, p.returncode, (p.stderr or p.stdout).strip()[-400:]))
        return json.loads(p.stdout.strip().splitlines()[-1])

    def spawn(self, node, args, name):
        """Starts hs-ct-fill in the background with --out and --ready-file; returns a handle."""
        self.seq += 1
        base = self.path(node, "%s-%d" % (name, self.seq))
        out, ready = base + ".json", base + ".ready"
        argv = [self.bin] + self.common() + list(args) + ["--out", out, "--ready-file", ready]
        p = self.lab.spawn(node, argv, base + ".log")
        deadline = time.monotonic() + 30  # a wait-count's first dump of a full table
        while not os.path.exists(ready):
            if p.poll() is not None:
                raise RuntimeError("hs-ct-fill %s on %s exited with %s: %s" % (
                    name, node, p.returncode, bl.tail(base + ".log")))
            if time.monotonic() > deadline:
                raise RuntimeError("hs-ct-fill %s on %s: not ready" % (name, node))
            time.sleep(0.01)
        return {"proc": p, "out": out, "log": base + ".log", "node": node, "name": name}

    @staticmethod
    def result(h, timeout, stop=False):
        """Waits for the process (SIGTERM first when stop: it still writes its JSON), bounded;
        SIGKILL by PID if it will not end. The parsed JSON, or None."""
        p = h["proc"]
        if stop and p.poll() is None:
            os.kill(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            end_process(p, 5)
        try:
            with open(h["out"]) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def ours(self, node, n):
        return self.run(node, ["--count", "--n", str(n)], timeout=120)["ours"]

    def delete(self, node, n):
        return self.run(node, ["--delete", str(n)], timeout=120 + n / 1000)

    CLOSING = ("SYN_SENT", "SYN_RECV", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT",
               "CLOSE")

    def drop_closing(self, node):
        """Deletes the node's TCP entries in closing states (the daemons' old connections:
        TIME_WAIT lasts 120 s). hs-ct-fill --wait-count estimates our entries as the kernel's
        count less the others counted at its start; others that expire during the wait keep
        the estimate below N, and the poller misses the moment all N are there (seen: a bulk
        done in 1.1 s reported as not done in 160 s). Our N are ESTABLISHED: untouched."""
        gone = 0
        for state in self.CLOSING:
            p = self.lab.run(node, ["conntrack", "-D", "-p", "tcp", "--state", state],
                             check=False)
            m = re.search(r"(\d+) flow entries have been deleted", p.stderr or "")
            gone += int(m.group(1)) if m else 0
        return gone

    def clean(self, node, n):
        """Deletes the N of the pattern if any are there; returns how many were."""
        had = self.ours(node, n)
        if had:
            self.delete(node, n)
            left = self.ours(node, n)
            if left:
                raise RuntimeError("%s still holds %d entries after --delete" % (node, left))
        return had


def log_rates(what, fills):
    """The fills' rates: logged as their median and each, and returned (bench_lib.stats)."""
    st = bl.stats([f.get("rate") for f in fills])
    bl.log("  %s: %s/s (median of %d: %s)" % (what, bl.fmt_num(st["median"], 0), len(fills),
                                              ", ".join(bl.fmt_num(x, 0) for x in st["values"])))
    return st


# ---- the measurements ----

def log_live(name, rec):
    """A live (or paced) run's figures, one line, and where its latency went."""
    d, lat = rec["window"], rec["latency"]
    bl.log("  [%s] N=%d: fw2 holds all %s ms after the fill started (fill %.0f ms, "
           "%.0f/s; fw1 events %s/s); latency p50 %s p99 %s ms; CPU fw1 %s s fw2 %s s; "
           "%.1f B/entry; RSS fw1 %s kB fw2 %s kB" % (
               name, rec["n"], rec["to_all_ms"], rec["fill_ms"], rec["fill"]["rate"],
               bl.fmt_num((rec["events_src"] or {}).get("rate"), 0), lat.get("p50_ms"),
               lat.get("p99_ms"), d["cpu_s"]["fw1"], d["cpu_s"]["fw2"],
               rec["wire_bytes_per_entry"], rec["rss_kb"]["fw1"], rec["rss_kb"]["fw2"]))
    if rec["steal_share"]:
        bl.log("  [%s] the hypervisor took %.1f%% of the CPU time during the fill" % (
            name, 100 * rec["steal_share"]))
    if lat.get("p50_by_tenth_ms"):
        bl.log("  [%s] latency p50 along the fill, by tenth of the entries: %s ms" % (
            name, lat["p50_by_tenth_ms"]))


def unseen_end(rec, w):
    """A part whose end the poller never saw has no CPU or bytes per entry (their window ran
    to the poller's timeout): kept aside in the JSON only."""
    if w and w.get("reached"):
        return
    rec["cpu_s_per_100k_window"] = rec["cpu_s_per_100k"]
    rec["wire_bytes_per_entry_window"] = rec["wire_bytes_per_entry"]
    rec["cpu_s_per_100k"] = {node: None for node in BOXES}
    rec["wire_bytes_per_entry"] = None


class Bench:
    def __init__(self, lab, opts):
        self.lab, self.opts = lab, opts
        self.ct = CtTool(lab, opts)
        self.raw = {"runs": [], "errors": [], "skipped": {}}

    # snapshots: (pid, cpu) of each box's daemon and fw1's hb0 counters
    def snapshot(self, impl):
        snap = {"t": time.monotonic(), "link": link_counters(self.lab, SRC), "cpu": {}}
        for node in BOXES:
            pid = impl.pid(node)
            snap["cpu"][node] = (pid, proc_cpu_s(pid) if pid else None)
        return snap

    @staticmethod
    def delta(a, b, idle_bps=0.0):
        cpu = {}
        for node in BOXES:
            pid_a, c_a = a["cpu"][node]
            pid_b, c_b = b["cpu"][node]
            if pid_b is None or c_b is None:
                cpu[node] = None
            else:  # a daemon started inside the window counts from 0
                cpu[node] = round(c_b - (c_a if pid_a == pid_b and c_a is not None else 0.0), 3)
        wire = sum(b["link"][k] - a["link"][k] for k in ("rx_bytes", "tx_bytes"))
        pkts = sum(b["link"][k] - a["link"][k] for k in ("rx_packets", "tx_packets"))
        secs = b["t"] - a["t"]
        return {"window_s": round(secs, 3), "cpu_s": cpu, "wire_bytes": wire,
                "wire_packets": pkts, "wire_bytes_net": round(wire - idle_bps * secs)}

    def idle(self, impl):
        a = self.snapshot(impl)
        time.sleep(IDLE_S)
        b = self.snapshot(impl)
        d = self.delta(a, b)
        d["wire_bps"] = round(d["wire_bytes"] / d["window_s"], 1)
        return d

    def quiet(self, impl, timeout=20.0):
        """Waits until the daemons stop using CPU (less than 10 ms in 0.5 s), bounded."""
        t0 = time.monotonic()
        last = None
        while time.monotonic() - t0 < timeout:
            cur = [proc_cpu_s(impl.pid(n)) or 0.0 for n in BOXES if impl.pid(n)]
            if last is not None and sum(cur) - sum(last) < 0.01:
                break
            last = cur
            time.sleep(0.5)
        return round(time.monotonic() - t0, 2)

    def stop_all(self, impl):
        for node in BOXES:
            try:
                impl.stop(node)
            except Exception as e:
                self.raw["errors"].append("%s stop on %s: %s" % (impl.name, node, e))

    def wait_timeout_ms(self, n):
        return int(60000 + n * 1.0)  # 60 s + 1 ms per entry

    # -- 1. live sync --

    def live(self, impl, n, rate=None):
        """The fill as fast as the kernel takes it or, with rate, paced at rate entries a second
        in small batches (PACED_BATCH: the machine then has CPU to spare, and a latency is the
        sync's own, not a wait for a CPU)."""
        ct = self.ct
        rec = {"impl": impl.name, "n": n}
        tag = "%s-%d" % (impl.name, n) if not rate else "%s-%d-paced" % (impl.name, n)
        pacing = ["--rate", str(rate), "--batch", str(PACED_BATCH)] if rate else []
        if rate:
            rec["rate_planned"] = rate
        for node in BOXES:
            ct.clean(node, n)
        pids = {node: impl.start(node, "active" if node == SRC else "standby") for node in BOXES}
        impl.pair_ready()
        rec["pids"] = pids
        rec["sched"] = {node: bl.sched_of(pid) for node, pid in pids.items()}
        rec["idle"] = idle = self.idle(impl)
        rec["rss_kb_before"] = {node: proc_rss_kb(impl.pid(node)) for node in BOXES}
        tmo = self.wait_timeout_ms(n)
        fill_times = ct.path(SRC, "fill-%s.bin" % tag)
        arr_times = ct.path(DST, "arrive-%s.bin" % tag)
        ev_times = ct.path(SRC, "event-%s.bin" % tag)
        handles = []
        try:
            lis_src = ct.spawn(SRC, ["--listen", str(n), "--timeout-ms", str(tmo), "--times-out",
                                     ev_times], "listen")
            handles.append(lis_src)
            lis_dst = ct.spawn(DST, ["--listen", str(n), "--timeout-ms", str(tmo),
                                     "--times-out", arr_times], "listen")
            handles.append(lis_dst)
            rec["closing_dropped"] = ct.drop_closing(DST)
            waiter = ct.spawn(DST, ["--wait-count", str(n), "--timeout-ms", str(tmo)], "wait")
            handles.append(waiter)
            s0 = self.snapshot(impl)
            bl.log("  [%s] live sync of %d entries%s: fill on fw1, waiting for fw2" % (
                impl.name, n, " paced at %d/s" % rate if rate else ""))
            # where the entries wait: the daemons' queues sampled during the fill
            trace = (QueueSampler({node: impl.pid(node) for node in BOXES})
                     if getattr(self.opts, "trace_queues", False) else contextlib.nullcontext())
            cpu0 = bl.cpu_times()
            with trace as sampler:
                fill = ct.run(SRC, ["--create", str(n), "--times-out", fill_times] + pacing,
                              timeout=120 + n / 1000 + (n / rate if rate else 0))
                w = ct.result(waiter, tmo / 1000.0 + 30)
            rec["steal_share"] = bl.steal_share(cpu0, bl.cpu_times())
            # the listeners end once they saw the N; one that missed events is stopped after
            # 2 s more (SIGTERM: it still reports)
            ev_src = ct.result(lis_src, 2.0)
            ev_dst = ct.result(lis_dst, 2.0)
        finally:
            for h in handles:
                if h["proc"].poll() is None:
                    ct.result(h, 1.0, stop=True)
        rec["quiet_after_s"] = self.quiet(impl)
        s1 = self.snapshot(impl)
        rec["window"] = d = self.delta(s0, s1, idle["wire_bps"])
        rec["rss_kb"] = {node: proc_rss_kb(impl.pid(node)) for node in BOXES}
        rec["fill"], rec["wait"], rec["events_src"], rec["events_dst"] = fill, w, ev_src, ev_dst
        rec["daemon_stats"] = {node: impl.stats(node) for node in BOXES}
        self.live_times(rec, fill, w, ev_src)
        if sampler:
            rec["queues"] = sampler.summary(fill["t_start_ns"], (w or {}).get("t_done_ns"))
            rec["queues_series"] = sampler.series()
            bl.log("  [%s] queues (bytes p50/max) and CPU shares, fill to fw2 holding all: %s" % (
                impl.name, json.dumps(rec["queues"], sort_keys=True)))
        # per entry: its NEW event on fw2 - its creation on fw1 (see latency())
        rec["latency"] = self.latency(fill_times, ev_times, arr_times, n)
        rec["cpu_s_per_100k"] = {node: None if d["cpu_s"][node] is None
                                 else round(d["cpu_s"][node] * 100000 / n, 3) for node in BOXES}
        rec["wire_bytes_per_entry"] = round(d["wire_bytes_net"] / n, 1)
        log_live(impl.name, rec)
        unseen_end(rec, w)
        return rec

    @staticmethod
    def live_times(rec, fill, w, ev_src):
        """When the standby held all N: from the fill's start, and from the moment the source
        held them (the last sendmsg's return, or its last NEW event if earlier: the fill may
        wait for a CPU after the kernel created the entries)."""
        src_all = min([t for t in (fill.get("t_last_send_ns") or fill["t_end_ns"],
                                   (ev_src or {}).get("t_last_ns")) if t])
        rec["source_all_ns"] = src_all
        if w and w.get("reached"):
            rec["to_all_ms"] = round((w["t_done_ns"] - fill["t_start_ns"]) / 1e6, 1)
            rec["after_source_ms"] = round((w["t_done_ns"] - src_all) / 1e6, 1)
        else:
            rec["to_all_ms"] = None
            rec["standby_held"] = w.get("ours") if w else None
        rec["fill_ms"] = round((fill["t_end_ns"] - fill["t_start_ns"]) / 1e6, 1)

    @staticmethod
    def latency(fill_path, ev_path, arr_path, n):
        """Per-entry latency: arrival on fw2 (the stamp of its NEW event there) - creation on fw1.
        The creation is known to lie within its batch's sendmsg, [before, return]; the
        estimate is the batch's time interpolated over its messages, but never later than the
        entry's NEW event on fw1 (an event is received after its entry exists). Both the
        interpolation alone and fw1's event alone are kept too: each can be off by a few ms
        (the fill or the fw1 listener waiting for a CPU)."""
        try:
            made, came = read_times(fill_path, n), read_times(arr_path, n)
        except (OSError, RuntimeError) as e:
            return {"error": str(e)}
        try:
            ev = read_times(ev_path, n)
        except (OSError, RuntimeError):
            ev = None

        def stats_of(lat):
            lat.sort()
            if not lat:
                return {"matched": 0, "missing": n}
            return {"matched": len(lat), "missing": n - len(lat),
                    "p50_ms": round(percentile(lat, 50), 2),
                    "p99_ms": round(percentile(lat, 99), 2),
                    "max_ms": round(lat[-1], 2), "min_ms": round(lat[0], 2)}

        best = [(c - (min(m, e) if e else m)) / 1e6
                for m, c, e in zip(made, came, ev or [0] * n) if c and m]
        out = stats_of(best)
        # the latency along the fill (p50 of each tenth of the entries in creation order): a
        # queue that builds grows along it, a fixed delay does not
        tenth = max(1, n // 10)
        along = [[(c - (min(m, e) if e else m)) / 1e6
                  for m, c, e in zip(made[i:i + tenth], came[i:i + tenth],
                                     (ev or [0] * n)[i:i + tenth]) if c and m]
                 for i in range(0, n, tenth)]
        out["p50_by_tenth_ms"] = [round(percentile(sorted(a), 50), 1) if a else None
                                  for a in along]
        out["from_interpolation"] = stats_of([(c - m) / 1e6 for m, c in zip(made, came)
                                              if c and m])
        if ev is not None:
            out["from_source_event"] = stats_of([(c - e) / 1e6 for e, c in zip(ev, came)
                                                 if c and e])
        return out

    # -- 2. bulk sync to a joining box --

    def bulk(self, impl, n):
        ct = self.ct
        rec = {"impl": impl.name, "n": n}
        self.stop_all(impl)
        rec["deleted_on_fw2"] = ct.clean(DST, n)
        have = ct.ours(SRC, n)
        if have < n:  # the live part failed: fill fw1 again
            ct.clean(SRC, n)
            rec["refill"] = ct.run(SRC, ["--create", str(n)], timeout=120 + n / 1000)
        impl.start(SRC, "active")
        rec["source_cache"] = impl.source_ready(SRC, n)
        impl.join_prepare(DST)
        idle_bps = self.raw_idle_bps(impl)
        if idle_bps is None:  # no live part in this run (--only bulk): the idle rate now
            rec["idle"] = self.idle(impl)
            idle_bps = rec["idle"]["wire_bps"]
        tmo = self.wait_timeout_ms(n)
        rec["closing_dropped"] = ct.drop_closing(DST)
        waiter = ct.spawn(DST, ["--wait-count", str(n), "--timeout-ms", str(tmo)], "wait")
        try:
            s0 = self.snapshot(impl)
            bl.log("  [%s] bulk sync of %d entries to the joining fw2" % (impl.name, n))
            cpu0 = bl.cpu_times()
            t0 = time.monotonic()
            impl.join_trigger(DST)
            t1 = time.monotonic()
            w = ct.result(waiter, tmo / 1000.0 + 30)
            rec["steal_share"] = bl.steal_share(cpu0, bl.cpu_times())
        finally:
            if waiter["proc"].poll() is None:
                ct.result(waiter, 1.0, stop=True)
        rec["trigger_ms"] = round((t1 - t0) * 1000, 1)
        rec["quiet_after_s"] = self.quiet(impl)
        s1 = self.snapshot(impl)
        rec["window"] = d = self.delta(s0, s1, idle_bps)
        rec["wait"] = w
        rec["daemon_stats"] = {node: impl.stats(node) for node in BOXES}
        if w and w.get("reached"):
            rec["bulk_ms"] = round((w["t_done_ns"] / 1e9 - t0) * 1000, 1)
            rec["rate"] = round(n / (rec["bulk_ms"] / 1000.0)) if rec["bulk_ms"] > 0 else None
            if w.get("t_first_ns"):  # the first entry's arrival on fw2
                rec["first_ms"] = round((w["t_first_ns"] / 1e9 - t0) * 1000, 1)
                span = rec["bulk_ms"] - rec["first_ms"]
                # the transfer itself, without the joining daemon's start and peer discovery
                rec["transfer_rate"] = round(n / (span / 1000.0)) if span > 0 else None
        else:
            rec["bulk_ms"] = rec["rate"] = None
            rec["standby_held"] = w.get("ours") if w else None
        rec["cpu_s_per_100k"] = {node: None if d["cpu_s"][node] is None
                                 else round(d["cpu_s"][node] * 100000 / n, 3) for node in BOXES}
        rec["wire_bytes_per_entry"] = round(d["wire_bytes_net"] / n, 1)
        bl.log("  [%s] N=%d: bulk to the joining fw2 %s ms (%s entries/s); CPU fw1 %s s fw2 %s "
               "s; %.1f B/entry; steal %s%%" % (
                   impl.name, n, rec["bulk_ms"], rec["rate"], d["cpu_s"]["fw1"],
                   d["cpu_s"]["fw2"], rec["wire_bytes_per_entry"],
                   bl.fmt_num(100 * (rec.get("steal_share") or 0), 1)))
        unseen_end(rec, w)
        self.stop_all(impl)
        for node in BOXES:
            ct.clean(node, n)
        return rec

    def raw_idle_bps(self, impl):
        for r in reversed(self.raw["runs"]):
            if r["impl"] == impl.name and r.get("live", {}).get("idle"):
                return r["live"]["idle"]["wire_bps"]
        return None

    # -- 0. the kernel alone --

    def kernel_alone(self, n, repeats=KERNEL_ALONE_REPEATS):
        """The kernel's batch-insert rate with nothing else on the box: no daemon running (they
        are stopped between runs), no listener (so the kernel builds no events), the N created
        and deleted again, `repeats` times; the median rate is the bulk target's reference
        (one fill is at the mercy of whatever else the 2 CPUs do at that moment)."""
        ct = self.ct
        for node in BOXES:
            ct.clean(node, n)
        fills, deletes = [], []
        for _ in range(repeats):
            fills.append(ct.run(SRC, ["--create", str(n)], timeout=120 + n / 1000))
            t0 = time.monotonic()
            ct.delete(SRC, n)
            deletes.append(round(time.monotonic() - t0, 2))
        st = bl.stats([f.get("rate") for f in fills])
        rec = {"fills": fills, "rate": st["median"], "rates": st, "delete_s": deletes}
        bl.log("  kernel alone on fw1: %d entries created at %s/s (median of %d: %s)" % (
            n, bl.fmt_num(st["median"], 0), repeats,
            ", ".join(bl.fmt_num(x, 0) for x in st["values"])))
        try:
            rec.update(self.kernel_alone_listened(n, repeats))
        except Exception as e:  # the reference above stands without it
            rec["listened_error"] = str(e)
            self.raw["errors"].append("kernel alone with a listener N=%d: %s" % (n, e))
            bl.log("  ERROR kernel alone with a listener N=%d: %s" % (n, e))
        return rec

    def kernel_alone_listened(self, n, repeats):
        """The standby's case in this lab: the source's event socket listens in the other box,
        and the kernel decides to build an event message per protocol, not per namespace
        (doc/session-sync.md), so fw2's inserts build one each that nobody reads."""
        heard = self.fills_listened(n, repeats)
        sh = log_rates("kernel alone on fw2, a listener on fw1", heard)
        rec = {"listened_fills": heard, "listened_rate": sh["median"], "listened_rates": sh}
        # The bulk's own kernel: fw1 holds the N, in the one hash both boxes share here (its
        # chains twice as long at the end), and fw2's inserts take fresh slab pages (fw1's N
        # keep the ones the fills above freed). Left held: the bulk sends these N.
        self.ct.run(SRC, ["--create", str(n)], timeout=120 + n / 1000)
        held = self.fills_listened(n, repeats)
        sh = log_rates("the same, fw1 holding the N (the bulk's kernel)", held)
        rec.update({"held_fills": held, "held_rate": sh["median"], "held_rates": sh})
        return rec

    def fills_listened(self, n, repeats):
        """fw2 creates the N and deletes them, `repeats` times, with a listener on fw1."""
        ct = self.ct
        fills = []
        for _ in range(repeats):
            lis = ct.spawn(SRC, ["--listen", str(n), "--timeout-ms", "3600000"], "listen-alone")
            try:
                fills.append(ct.run(DST, ["--create", str(n)], timeout=120 + n / 1000))
            finally:
                ct.result(lis, 1.0, stop=True)
            ct.delete(DST, n)
        return fills

    def attempt(self, run, impl, n, part, fn):
        """fn(), one part of a run: an error is recorded (run[part + "_error"], the run's
        errors, the log) and None returned, so the other parts still run."""
        try:
            return fn()
        except NotImplementedYet:
            raise
        except Exception as e:
            run[part + "_error"] = str(e)
            self.raw["errors"].append("%s %s N=%d: %s" % (impl.name, part, n, e))
            bl.log("  ERROR %s %s N=%d: %s" % (impl.name, part, n, e))
            return None

    def one(self, impl, n):
        run = {"impl": impl.name, "n": n}
        self.raw["runs"].append(run)
        only = self.opts.only
        try:
            try:
                run["kernel_alone"] = self.kernel_alone(n)
            except Exception as e:
                self.raw["errors"].append("%s kernel alone N=%d: %s" % (impl.name, n, e))
                bl.log("  ERROR %s kernel alone N=%d: %s" % (impl.name, n, e))
            if "live" in only:
                live = self.attempt(run, impl, n, "live", lambda: self.live(impl, n))
                if live is not None:
                    run["live"] = live
            if "paced" in only:
                # repeated: one paced run's p99 swings by 10x here (1-15 ms, same build)
                run["paced"] = []
                for _ in range(self.opts.paced_repeats):
                    self.stop_all(impl)  # fresh daemons, as for the live part
                    p = self.attempt(run, impl, n, "paced",
                                     lambda: self.live(impl, n, rate=self.opts.paced_rate))
                    if p is not None:
                        run["paced"].append(p)
            if "bulk" in only:
                run["bulk"] = self.bulk(impl, n)
        except NotImplementedYet:
            raise
        except Exception as e:
            run["bulk_error"] = str(e)
            self.raw["errors"].append("%s bulk N=%d: %s" % (impl.name, n, e))
            bl.log("  ERROR %s bulk N=%d: %s" % (impl.name, n, e))
        finally:
            self.stop_all(impl)
            for node in BOXES:
                try:
                    self.ct.clean(node, n)
                except Exception as e:
                    self.raw["errors"].append("clean %s N=%d: %s" % (node, n, e))
