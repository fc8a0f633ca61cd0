#!/usr/bin/python3
"""hrpd benchmark: peer-dead detection time versus hello interval, false transitions under load,
and hrpd's CPU and memory at 10 ms hellos, in the reference lab (tests/clab/ref.clab.yml: two
heartbeat links, hb0 through sw-hb1 and hb1 through sw-hb2).

Only hrpd runs on fw1 and fw2 (dead_count 5, the configured default; hello_interval per case,
set by rewriting each box's hotstandby.conf and `reload`); the LAN VIP is put on fw1 by the lab's
manual-active mode so that the client's iperf3 flow is forwarded by fw1.

1. Detection time. For each hello interval (1 s, 100 ms, 10 ms) and each of 3 runs: fw1's ports
   in sw-hb1 and sw-hb2 cut silently (faults.switch_cut), then the `peer` down event on fw1
   (subscribed on its control socket, stamped with CLOCK_MONOTONIC on arrival). Detection time =
   event time - time of the last message fw1 accepted from fw2 (status hrp.peer.last_rx_ms_ago,
   read once the peer is dead: nothing can arrive after the cut), beside doc/hrpd.md's formula
   D + 7b, D = dead_count x interval, b = max(interval / 8, 5 ms). Healed between runs; the next
   run waits for the peer up on both boxes with hb0 running and hb1 ready.
2. False transitions under load. Hello 10 ms, both links up, for --load-s seconds (600 = the
   issue's 10 minutes; --quick 30): a bulk transfer on hrpd's data channel (fw1 -> fw2, records
   generated inside fw1's hrpd by `data-send` "generate", as fast as the channel takes them, the
   producer waiting while half the channel's limit is held) plus an iperf3 flow client -> server
   through fw1 (probes.bulk), plus session sync (hrp_session_load.py: fw1 the source by
   vgmp-local, churning --session-churn new + destroyed conntrack entries a second over a table of
   --session-n, fw2's table compared at the end). Counted on both boxes from hrp-statistics: peer_down (the figure;
   target 0), negotiations, negotiations_recovered; every record checked delivered once and in
   order at the end (hrpd's own digests of what fw1 queued and fw2 delivered).
3. CPU and memory at 10 ms hellos: fw1's hrpd, utime+stime (/proc/PID/stat) over a window as %
   of one core and VmRSS, idle (hellos only, data connection up and idle) and during the load of
   part 2 (the window starts a few seconds into it).

    bench/hrp_liveness.py [--quick] [--builddir DIR] [--out-dir DIR] [--repeats N]
        [--intervals 1000,100,10] [--load-s S] [--cpu-window-s S] [--only detect,idle,load]
        [--session-churn RATE] [--session-n N]
        [--pin] [--verbose]
    bench/hrp_liveness.py --table-from bench/results/hrp-DATE.json

(bench/run hrp runs it with the defaults.) Figures are printed, never asserted.
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

from hslab_lib import boxes, faults, lab as labmod, probes, scenario  # noqa: E402
from hslab_lib import topo as topomod  # noqa: E402
from s20_hrp_links import (BOXES, Events, hrp, set_hrpd, start_hrpd, stats,  # noqa: E402
                           wait_pair_up)
from s25_hrp_data import TEST_CHAN, Ctl, HelloWatch, chan, ctl_once, wait_data_up  # noqa: E402
from hrp_session_load import SessionLoad  # noqa: E402

DEAD_COUNT = 5  # lib/config_schema.c: hrpd.dead_count's default
HB_SWITCHES = ("sw-hb1", "sw-hb2")
SERVER = scenario.REF["server"]
PEER = "\u2014"  # no peer implementation to put beside hrpd (see the notes)
SLACK_MS = 10.0  # detection target: the formula + 10 ms (the vrrp bench's box-failure slack)
GEN_SIZE, GEN_BATCH, GEN_SEED = 200, 4096, 0x6872706c6f6164  # records of the load's bulk
LOAD_RAMP_S = 5.0  # the load's CPU window starts this long after the load did


# ---- doc/hrpd.md's dead time ----

def backoff_ms(i):
    return max(i // 8, 5)


def dead_ms(i, n=DEAD_COUNT):
    return n * i + 7 * backoff_ms(i)


def formula_text(i, n=DEAD_COUNT):
    return "D + 7b = %d + 7 x %d = %d ms" % (n * i, backoff_ms(i), dead_ms(i, n))


def interval_name(i):
    return "1 s" if i == 1000 else "%d ms" % i


# ---- /proc ----

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    """(utime+stime in s, on-CPU ns from schedstat of every thread) of a process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    ns = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                ns += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return ticks / CLK_TCK, ns


def proc_mem_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        text = f.read()
    out = {}
    for key in ("VmRSS", "VmHWM", "Threads"):
        m = re.search(r"%s:\s+(\d+)" % key, text)
        out[key] = int(m.group(1)) if m else None
    return out




class CpuWindow:
    """utime+stime of one process between start() and stop(), as % of one core."""

    def __init__(self, pid):
        self.pid = pid

    def start(self):
        self.t0 = time.monotonic()
        self.c0, self.n0 = proc_cpu(self.pid)
        self.m0 = proc_mem_kb(self.pid)
        return self

    def stop(self):
        t1 = time.monotonic()
        c1, n1 = proc_cpu(self.pid)
        m1 = proc_mem_kb(self.pid)
        wall = t1 - self.t0
        return {"pid": self.pid, "window_s": round(wall, 2),
                "cpu_s": round(c1 - self.c0, 3),
                "core_pct": round(100.0 * (c1 - self.c0) / wall, 3),
                "schedstat_core_pct": round(100.0 * (n1 - self.n0) / 1e9 / wall, 3),
                "rss_kb_start": self.m0["VmRSS"], "rss_kb_end": m1["VmRSS"],
                "hwm_kb_end": m1["VmHWM"], "threads": m1["Threads"]}


# ---- the lab ----

class Log:
    """Lines of a box's hrpd.log written after mark()."""

    def __init__(self, lab, node):
        self.path = os.path.join(lab.node_dir(node), "log", "hrpd.log")
        self.mark()

    def mark(self):
        try:
            self.offset = os.path.getsize(self.path)
        except OSError:
            self.offset = 0

    def since(self, pattern=None, limit=200):
        try:
            with open(self.path, errors="replace") as f:
                f.seek(self.offset)
                lines = f.read().splitlines()
        except OSError:
            return []
        if pattern:
            lines = [x for x in lines if re.search(pattern, x)]
        return lines[-limit:]


# peer and link state changes, re-negotiation, drops, warnings: what a false transition leaves
TRANSITIONS = r"->|negotiat|dead|restart|warn|error"


def hb_ports(lab, box="fw1"):
    return {sw: [p for b, w, p in lab.topo.switch_ports(box) if w == sw][0] for sw in HB_SWITCHES}


def set_interval(lab, s, i):
    """hello_interval i ms and dead_count 5 on both boxes (config + reload); waits until both
    use it (their own and the peer's interval, dead time by the formula) with the pair up."""
    for node in BOXES:
        set_hrpd(lab, node, hello_interval=i, dead_count=DEAD_COUNT)
        ctl_once(lab, node, "reload")

    def taken(node):
        hb = hrp(lab, node)["heartbeat"]
        return (hb["interval_ms"] == i and hb.get("peer_interval_ms") == i
                and hb["dead_count"] == DEAD_COUNT and hb["dead_time_ms"] == dead_ms(i))
    for node in BOXES:
        s.wait_until("%s: hello %d ms taken by both ends" % (node, i), lambda n=node: taken(n),
                     15 + 3 * i / 1000.0, 0.05)
    wait_pair_up(lab, s, timeout=20 + 3 * i / 1000.0)
    return hrp(lab, "fw1")["heartbeat"]


def last_rx_mono(lab, node="fw1"):
    """CLOCK_MONOTONIC time of the last message the box accepted from its peer, and its status.
    hrpd's clock is CLOCK_MONOTONIC too; *_ms_ago are whole ms, so +-1 ms."""
    q0 = time.monotonic()
    h = hrp(lab, node)
    q1 = time.monotonic()
    ago = h["peer"].get("last_rx_ms_ago")
    return (None if ago is None else (q0 + q1) / 2 - ago / 1000.0), h, round((q1 - q0) * 1000, 2)


class Bench:
    def __init__(self, lab, opts):
        self.lab, self.opts = lab, opts
        self.s = scenario.Session("hrp")  # wait_until for the s2x helpers
        self.raw = {"detect": [], "idle": None, "load": None, "errors": []}
        self.pids = {n: boxes.daemon_pid(lab, n, "hrpd") for n in BOXES}
        self.ev = None

    # -- 1. detection time --

    def detect(self, i, repeats):
        lab, s = self.lab, self.s
        hb = set_interval(lab, s, i)
        ports = hb_ports(lab)
        bl.log("[hrp] detection @ %s: %s, %d runs" % (interval_name(i), formula_text(i), repeats))
        for run in range(repeats):
            rec = {"interval_ms": i, "run": run + 1, "dead_count": DEAD_COUNT,
                   "formula_ms": dead_ms(i), "heartbeat": hb}
            cut = []
            try:
                wait_pair_up(lab, s, timeout=20 + 3 * i / 1000.0)
                time.sleep(max(0.3, 3 * i / 1000.0))  # a few hellos on both links
                down0 = {n: stats(lab, n)["peer_down"] for n in BOXES}
                t0 = time.monotonic()
                for sw, port in ports.items():
                    faults.switch_cut(lab, sw, port)
                    cut.append((sw, port))
                t_cut = time.monotonic()
                rx_a, _, _ = last_rx_mono(lab)
                timeout = dead_ms(i) / 1000.0 + 10
                s.wait_until("fw1: peer-down event", lambda: self.ev.of("peer", since=t0,
                                                                      state="down"),
                             timeout, 0.005)
                t_ev, data = self.ev.of("peer", since=t0, state="down")[0]
                rx_b, h, q_ms = last_rx_mono(lab)
                s.wait_until("fw2: peer dead", lambda: hrp(lab, "fw2")["peer"]["state"] == "dead",
                             timeout, 0.02)
                p = h["peer"]
                rec.update({
                    "cut_ms": round((t_cut - t0) * 1000, 2),
                    "detect_ms": round((t_ev - rx_b) * 1000, 2),
                    "detect_ms_rx_read_after_cut": None if rx_a is None
                    else round((t_ev - rx_a) * 1000, 2),
                    "hrpd_last_rx_to_dead_ms": p["since_ms"] - p["last_rx_ms"]
                    if p.get("last_rx_ms") is not None else None,
                    "cut_done_to_event_ms": round((t_ev - t_cut) * 1000, 2),
                    "cut_start_to_event_ms": round((t_ev - t0) * 1000, 2),
                    "last_rx_before_cut_done_ms": round((t_cut - rx_b) * 1000, 2),
                    "status_query_ms": q_ms, "event": data, "peer_state": p["state"],
                    "peer_down_delta": {n: stats(lab, n)["peer_down"] - down0[n]
                                        for n in BOXES},
                    "probes_sent_fw1": stats(lab, "fw1")["probes_sent"]})
                rec["diff_ms"] = round(rec["detect_ms"] - dead_ms(i), 2)
                bl.log("  run %d: last hello -> peer-down event %.1f ms (formula %d, %+.1f; "
                       "hrpd's own clock %s ms), cut -> event %.1f ms" % (
                           run + 1, rec["detect_ms"], dead_ms(i), rec["diff_ms"],
                           rec["hrpd_last_rx_to_dead_ms"], rec["cut_done_to_event_ms"]))
            except Exception as e:
                rec["error"] = str(e)
                self.raw["errors"].append("detect %d ms run %d: %s" % (i, run + 1, e))
                bl.log("  ERROR run %d: %s" % (run + 1, e))
            finally:
                t_heal = time.monotonic()
                for sw, port in cut:
                    faults.switch_heal(lab, sw, port)
            self.raw["detect"].append(rec)
            if cut:
                wait_pair_up(lab, s, timeout=20 + 5 * i / 1000.0)
                up = self.ev.of("peer", since=t_heal, state="up")
                rec["heal_to_peer_up_ms"] = round((up[0][0] - t_heal) * 1000, 1) if up else None

    # -- 3a. idle CPU at 10 ms --

    def idle(self, window_s):
        lab, s = self.lab, self.s
        set_interval(lab, s, 10)
        wait_data_up(lab, s, link="hb0")
        time.sleep(2.0)  # settle after the reload / reconnect
        bl.log("[hrp] idle CPU and memory at 10 ms hellos, %.0f s" % window_s)
        st0 = {n: stats(lab, n) for n in BOXES}
        hb0 = {n: self.hellos(n) for n in BOXES}
        w = {n: CpuWindow(self.pids[n]).start() for n in BOXES}
        time.sleep(window_s)
        out = {n: w[n].stop() for n in BOXES}
        st1 = {n: stats(lab, n) for n in BOXES}
        hb1 = {n: self.hellos(n) for n in BOXES}
        for n in BOXES:
            out[n]["hellos_sent_per_s"] = round((hb1[n][0] - hb0[n][0]) / out[n]["window_s"], 1)
            out[n]["hellos_received_per_s"] = round((hb1[n][1] - hb0[n][1]) / out[n]["window_s"],
                                                    1)
            out[n]["peer_down_delta"] = st1[n]["peer_down"] - st0[n]["peer_down"]
            out[n]["negotiations_delta"] = st1[n]["negotiations"] - st0[n]["negotiations"]
        self.raw["idle"] = out
        bl.log("  fw1: %.2f %% of a core, RSS %d kB (%.0f hellos/s sent); fw2: %.2f %%" % (
            out["fw1"]["core_pct"], out["fw1"]["rss_kb_end"], out["fw1"]["hellos_sent_per_s"],
            out["fw2"]["core_pct"]))

    def hellos(self, node):
        ls = ctl_once(self.lab, node, "hrp-interfaces")["interfaces"]
        return (sum(x["hellos_sent"] for x in ls), sum(x["hellos_received"] for x in ls),
                {x["interface"]: x["hellos_received"] for x in ls},
                {x["interface"]: x["hellos_sent"] for x in ls})

    # -- 2 + 3b. false transitions under load, CPU during it --

    def load(self, load_s, window_s):
        lab, s = self.lab, self.s
        set_interval(lab, s, 10)
        wait_data_up(lab, s, link="hb0")
        churn = None
        if self.opts.session_churn:
            churn = SessionLoad(lab, self.opts.session_churn, self.opts.session_n, load_s)
            churn.prepare()
        bl.log("[hrp] load at 10 ms hellos for %.0f s: data bulk fw1 -> fw2 + iperf3 client -> "
               "server through fw1%s" % (load_s, " + session sync of %d new + %d destroyed "
                                         "conntrack entries /s" % (churn.rate, churn.rate)
                                         if churn else ""))
        logs = {n: Log(lab, n) for n in BOXES}
        st0 = {n: stats(lab, n) for n in BOXES}
        ds0 = {n: ctl_once(lab, n, "data-stats") for n in BOXES}
        hb0 = {n: self.hellos(n) for n in BOXES}
        gen = Generator(lab)
        t0 = time.monotonic()
        iperf = probes.bulk(lab, "client", "server", SERVER, duration=int(load_s))
        gen.start()
        if churn:
            churn.start()
        sched = SchedWatch(self.pids)
        sched.start()
        win_start = t0 + min(LOAD_RAMP_S, max(load_s - window_s, 0) / 2)
        win_end = min(win_start + window_s, t0 + load_s)
        cpu, watch, rss_max = self.load_watch(gen, t0, load_s, win_start, win_end)
        gen.finish()
        churn_res = churn.finish() if churn else None
        schedw = sched.finish(time.monotonic() - t0)
        t_end = time.monotonic()
        if cpu and not isinstance(cpu["fw1"], dict):
            cpu = {n: w.stop() for n, w in cpu.items()}
        worst = watch.finish() if watch else {}
        try:
            ip = iperf.wait(slack=30)
            ipres = iperf_summary(ip)
        except Exception as e:
            ipres = {"error": str(e)}
            self.raw["errors"].append("iperf3: %s" % e)
        drained, d1, d2 = self.drain(t_end)
        st1 = {n: stats(lab, n) for n in BOXES}
        ds1 = {n: ctl_once(lab, n, "data-stats") for n in BOXES}
        hb1 = {n: self.hellos(n) for n in BOXES}
        dur = t_end - t0
        out = {"duration_s": round(dur, 1), "hello_interval_ms": 10, "dead_count": DEAD_COUNT,
               "cpu_window": cpu, "rss_max_kb": rss_max,
               "hwm_kb_end": {n: proc_mem_kb(self.pids[n])["VmHWM"] for n in BOXES},
               "iperf3": ipres, "fw1_longest_link_silence_ms": worst, "sched": schedw,
               "session_churn": churn_res,
               "fw1_silence_watch_from_s": round(win_end - t0, 1),
               "peer_down_events_fw1": [(round(t - t0, 3), d) for t, d in
                                        self.ev.of("peer", since=t0)],
               "data": {"records": gen.records, "batches": gen.batches,
                        "refused": gen.refused, "backpressure_waits": gen.waits,
                        "MBps": round(gen.records * GEN_SIZE / 1e6 / dur, 1),
                        "records_per_s": round(gen.records / dur),
                        "drain_s": None if drained is None else round(drained, 2),
                        "queued_fw1": d1["queued"], "delivered_fw2": d2["delivered"],
                        "digests_equal": d1["queued_digest"] == d2["delivered_digest"],
                        "reconnects_fw1": ds1["fw1"]["reconnects"] - ds0["fw1"]["reconnects"],
                        "duplicates_fw2": chan(ds1["fw2"])["duplicates"]
                        - chan(ds0["fw2"])["duplicates"],
                        "resent_fw1": chan(ds1["fw1"])["resent"] - chan(ds0["fw1"])["resent"],
                        "stall_max_ms_fw1": ds1["fw1"]["stall_max_ms"]},
               "boxes": {n: box_delta(st0[n], st1[n], hb0[n], hb1[n], logs[n], dur)
                         for n in BOXES}}
        self.raw["load"] = out
        log_load(out, churn_res)

    def load_watch(self, gen, t0, load_s, win_start, win_end):
        """Until the load's end: the CPU window, then the silence watch; RSS, peer-downs and
        the generator's errors every 0.5 s."""
        end = t0 + load_s
        cpu, watch = {}, None
        rss_max = {n: 0 for n in BOXES}
        next_log = t0 + (10 if self.opts.quick else 60)
        downs_seen = 0
        while True:  # bounded: ends at `end` (plus one poll)
            now = time.monotonic()
            if now >= end:
                break
            if not cpu and now >= win_start:
                cpu = {n: CpuWindow(self.pids[n]).start() for n in BOXES}
            elif cpu and not isinstance(cpu["fw1"], dict) and now >= win_end:
                cpu = {n: w.stop() for n, w in cpu.items()}
                # the per-10-ms watcher costs fw1 control requests: only outside the CPU window
                watch = HelloWatch(self.lab, "fw1")
            for n in BOXES:
                rss_max[n] = max(rss_max[n], proc_mem_kb(self.pids[n])["VmRSS"] or 0)
            downs = self.ev.of("peer", since=t0, state="down")
            if len(downs) > downs_seen:
                downs_seen = len(downs)
                bl.log("  PEER-DOWN on fw1 at %.1f s into the load: %s" % (
                    downs[-1][0] - t0, downs[-1][1]))
            if gen.error:
                raise RuntimeError("data generator: %s" % gen.error)
            if now >= next_log:
                next_log += 10 if self.opts.quick else 60
                bl.log("  %3.0f/%.0f s: fw1 peer-down events %d, data %.1f MB/s so far" % (
                    now - t0, load_s, downs_seen, gen.records * GEN_SIZE / 1e6 / (now - t0)))
            time.sleep(min(0.5, max(end - now, 0.01)))
        return cpu, watch, rss_max

    def drain(self, t_end):
        """Every record fw1 queued delivered by fw2, once and in order: how long after the load
        (None: not within 120 s), and both ends' upgrade-channel digests."""
        drained = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            d1 = ctl_once(self.lab, "fw1", "data-digest")["channels"]["upgrade"]
            d2 = ctl_once(self.lab, "fw2", "data-digest")["channels"]["upgrade"]
            if d2["delivered"] >= d1["queued"]:
                drained = time.monotonic() - t_end
                break
            time.sleep(0.05)
        return drained, d1, d2


def box_delta(st0, st1, hb0, hb1, log, dur):
    """One box's counters over the load: hrp-statistics deltas, hellos per link, its log."""
    delta = {k: st1[k] - st0[k] for k in (
        "peer_down", "peer_up", "negotiations", "negotiations_recovered",
        "peer_restarts", "running_changes", "probes_sent", "dropped", "tx_errors")}
    per_link = {i: hb1[2][i] - hb0[2][i] for i in hb1[2]}
    return {"delta": delta, "hellos_sent": hb1[0] - hb0[0],
            "hellos_sent_per_link": {i: hb1[3][i] - hb0[3][i] for i in hb1[3]},
            "hellos_received_per_link": per_link,
            "hellos_received_per_s_per_link": {i: round(v / dur, 1)
                                               for i, v in per_link.items()},
            "log": log.since(TRANSITIONS), "log_all": log.since(limit=200)}


def log_load(out, churn_res):
    """The load's figures in the run's log, each box's transitions if it had any."""
    for n in BOXES:
        d = out["boxes"][n]["delta"]
        bl.log("  %s: peer_down %d, negotiations %d (recovered %d), running link changes %d"
               % (n, d["peer_down"], d["negotiations"], d["negotiations_recovered"],
                  d["running_changes"]))
        if d["peer_down"] or d["negotiations"]:
            for line in out["boxes"][n]["log"][-40:]:
                bl.log("    %s: %s" % (n, line))
    bl.log("  data %.1f MB/s, %d records, digests equal %s; iperf3 %s Gbit/s" % (
        out["data"]["MBps"], out["data"]["records"], out["data"]["digests_equal"],
        out["iperf3"].get("gbps")))
    if churn_res and "error" not in churn_res:
        bl.log("  session churn %s events/s on fw1 (%d errors, %.1f ms late); fw2 lost %d "
               "(missing %d, not deleted %d)" % (
                   bl.fmt_num(churn_res["events_rate"], 0), churn_res["errors"],
                   churn_res["late_ms"], churn_res["lost"],
                   churn_res["standby_diff"]["missing"],
                   churn_res["standby_diff"]["not_deleted"]))
    elif churn_res:
        bl.log("  session churn: %s" % churn_res["error"])


class SchedWatch(threading.Thread):
    """Samples each hrpd's /proc/PID/schedstat (ns on the CPU, ns runnable but waiting for one)
    every 10 ms: a long silence of a box can then be told apart as its hrpd waiting for a CPU
    (the scheduler) or busy (its own loop). Keeps the largest wait and run increments of one
    sample, with the wall-clock time of the sample (as in hrpd's log)."""

    def __init__(self, pids, keep=8):
        super().__init__(daemon=True)
        self.pids, self.keep = pids, keep
        self.stop = False
        self.samples = 0
        self.total = {n: [0, 0] for n in pids}
        self.top_wait = {n: [] for n in pids}
        self.top_run = {n: [] for n in pids}
        self.max_gap_s = 0.0

    @staticmethod
    def read(pid):
        with open("/proc/%d/schedstat" % pid) as f:
            run, wait = f.read().split()[:2]
        return int(run), int(wait)

    def _top(self, lst, item):
        lst.append(item)
        lst.sort(key=lambda x: -x[0])
        del lst[self.keep:]

    def run(self):
        last = {n: self.read(p) for n, p in self.pids.items()}
        t_last = time.monotonic()
        try:
            while not self.stop:
                time.sleep(0.01)
                now, wall = time.monotonic(), time.time()
                self.max_gap_s = max(self.max_gap_s, now - t_last)
                stamp = time.strftime("%H:%M:%S", time.localtime(wall)) + ".%03d" % (
                    wall % 1 * 1000)
                for n, p in self.pids.items():
                    cur = self.read(p)
                    d_run, d_wait = cur[0] - last[n][0], cur[1] - last[n][1]
                    last[n] = cur
                    self.total[n][0] += d_run
                    self.total[n][1] += d_wait
                    item = (round(d_wait / 1e6, 1), round(d_run / 1e6, 1),
                            round((now - t_last) * 1000, 1), stamp)
                    self._top(self.top_wait[n], item)
                    self._top(self.top_run[n], (item[1], item[0], item[2], stamp))
                t_last = now
                self.samples += 1
        except (OSError, ValueError):
            pass

    def finish(self, duration):
        self.stop = True
        self.join(5)
        return {"samples": self.samples, "max_sample_gap_ms": round(self.max_gap_s * 1000, 1),
                "note": "top_wait: [wait ms, run ms, sample ms, end of sample]; top_run: [run "
                "ms, wait ms, sample ms, end of sample]",
                "boxes": {n: {"run_pct": round(100 * self.total[n][0] / 1e9 / duration, 2),
                              "wait_pct": round(100 * self.total[n][1] / 1e9 / duration, 2),
                              "top_wait": self.top_wait[n], "top_run": self.top_run[n]}
                          for n in self.pids}}


class Generator(threading.Thread):
    """The bulk on hrpd's data channel: records generated inside fw1's hrpd (`data-send`
    "generate"), batches of 4096 x 200 B, waiting while the channel holds half its limit."""

    def __init__(self, lab):
        super().__init__(daemon=True)
        self.ctl = Ctl(lab, "fw1", timeout=20)
        self.records = self.batches = self.refused = self.waits = 0
        self.stop = False
        self.error = None
        self.limit = self.ctl("data-stats")["limit_bytes"]

    def run(self):
        try:
            while not self.stop:
                r = self.ctl("data-send", {"channel": TEST_CHAN, "generate": {
                    "count": GEN_BATCH, "size": GEN_SIZE, "seed": GEN_SEED,
                    "start": self.records}})
                self.records += r["queued"]
                self.batches += 1
                if r["refused"]:
                    self.refused += r["refused"]
                    if r.get("resync"):
                        self.ctl("data-resync-done", {"channel": TEST_CHAN})
                held = r["held_bytes"]
                n = 0
                while held > self.limit // 2 and not self.stop and n < 30000:  # <= ~60 s
                    time.sleep(0.002)
                    self.waits += 1
                    n += 1
                    held = chan(self.ctl("data-stats"))["held_bytes"]
        except Exception as e:  # reported by the main loop
            self.error = "%s: %s" % (type(e).__name__, e)

    def finish(self):
        self.stop = True
        self.join(30)
        self.ctl.close()


def iperf_summary(j):
    end = j.get("end", {})
    rx = end.get("sum_received", {})
    tx = end.get("sum_sent", {})
    out = {"seconds": round(rx.get("seconds", 0), 1), "bytes": rx.get("bytes"),
           "gbps": round(rx.get("bits_per_second", 0) / 1e9, 2) if rx else None,
           "retransmits": tx.get("retransmits")}
    if j.get("error"):
        out["error"] = j["error"]
    return out


# ---- the table ----

def _met_detect(median, i):
    if median is None:
        return "-"
    diff = median - dead_ms(i)
    if diff < -2.0:
        return "MISS early %+.1f ms" % diff
    if diff > SLACK_MS:
        return "MISS %+.1f ms" % diff
    return "PASS %+.1f ms" % diff


def table(raw, meta):
    rows, summary = [], {}
    load, idle = raw.get("load"), raw.get("idle")
    detect_rows(raw, rows, summary)
    if load:
        load_rows(load, rows, summary)
    resource_rows(idle, load, rows, summary)
    title = "hrpd benchmark: %s, ref lab%s, %s" % (
        meta.get("version", "hrpd"), ", hrpd pinned %s" % (
            ", ".join("%s CPU %s" % (n, c) for n, c in meta["pinned"].items())
        ) if meta.get("pinned") else "", "quick mode" if meta.get("quick") else
        "%d runs per interval, %.0f s load" % (meta.get("repeats", 0), meta.get("load_s", 0)))
    return {"name": "hrp", "title": title,
            "headers": ["case", "hrpd", "peer", "ratio", "formula", "target", "hrpd met"],
            "rows": rows, "notes": table_notes(raw, meta), "summary": summary}


def detect_rows(raw, rows, summary):
    """Peer-dead detection per hello interval."""
    for i in sorted(set(r["interval_ms"] for r in raw["detect"])):
        recs = [r for r in raw["detect"] if r["interval_ms"] == i]
        st = bl.stats([r.get("detect_ms") for r in recs])
        own = bl.stats([r.get("hrpd_last_rx_to_dead_ms") for r in recs])
        cut = bl.stats([r.get("cut_done_to_event_ms") for r in recs])
        rows.append(["peer-dead detection @ %s (last hello -> peer-down event)" % (
            interval_name(i)), bl.fmt_stats(st, "ms"), PEER, "-", formula_text(i),
            "<= %d ms" % (dead_ms(i) + SLACK_MS), _met_detect(st["median"], i)])
        rows.append(["  same, hrpd's own clock (peer since_ms - last_rx_ms)",
                     bl.fmt_stats(own, "ms", 0), PEER, "-", "%d ms" % dead_ms(i), "-", "-"])
        rows.append(["  cut done -> peer-down event @ %s" % interval_name(i),
                     bl.fmt_stats(cut, "ms"), PEER, "-",
                     "%d..%d ms" % (dead_ms(i) - i, dead_ms(i)), "-", "-"])
        summary["detect_%d" % i] = {"detect_ms": st, "hrpd_clock_ms": own, "cut_to_event_ms": cut,
                                    "formula_ms": dead_ms(i),
                                    "met": _met_detect(st["median"], i)}


def load_rows(load, rows, summary):
    """Under load: false peer-downs, re-negotiations, the data channel, session sync, iperf3."""
    b = load["boxes"]
    downs = sum(b[n]["delta"]["peer_down"] for n in BOXES)
    sc = load.get("session_churn")
    what = "hello 10 ms, %.0f s, data bulk + iperf3%s" % (
        load["duration_s"], " + session sync" if sc else "")
    rows.append(["false peer-down events under load (%s)" % what,
                 "%d (fw1 %d, fw2 %d)" % (downs, b["fw1"]["delta"]["peer_down"],
                                          b["fw2"]["delta"]["peer_down"]),
                 PEER, "-", "-", "0", "PASS" if downs == 0 else "MISS"])
    rows.append(["  re-negotiations started / recovered under load",
                 "fw1 %d / %d, fw2 %d / %d" % (
                     b["fw1"]["delta"]["negotiations"],
                     b["fw1"]["delta"]["negotiations_recovered"],
                     b["fw2"]["delta"]["negotiations"],
                     b["fw2"]["delta"]["negotiations_recovered"]), PEER, "-", "-", "-", "-"])
    d = load["data"]
    rows.append(["  data channel fw1 -> fw2 under load (200 B records)",
                 "%.1f MB/s, %s" % (d["MBps"], "all %d delivered once, in order" % (
                     d["records"]) if d["digests_equal"] and d["delivered_fw2"] ==
                     d["queued_fw1"] else "NOT all delivered (%d of %d)" % (
                         d["delivered_fw2"], d["queued_fw1"])), PEER, "-", "-", "-", "-"])
    session_churn_rows(sc, rows)
    ip = load["iperf3"]
    rows.append(["  iperf3 client -> server through fw1 under load",
                 "%s Gbit/s" % ip.get("gbps") if ip.get("gbps") is not None
                 else "FAILED", PEER, "-", "-", "-", "-"])
    worst = load.get("fw1_longest_link_silence_ms") or {}
    rows.append(["  fw1's longest silence per link under load (from %.0f s)" % (
        load.get("fw1_silence_watch_from_s", 0)),
        ", ".join("%s %d ms" % kv for kv in sorted(worst.items())) or "-", PEER, "-",
        "D = %d ms" % (DEAD_COUNT * 10), "-", "-"])
    link_rows(load, rows)
    summary["false_peer_down"] = downs
    summary["negotiations"] = {n: b[n]["delta"]["negotiations"] for n in BOXES}
    summary["negotiations_recovered"] = {n: b[n]["delta"]["negotiations_recovered"]
                                         for n in BOXES}


def session_churn_rows(sc, rows):
    if sc and "error" in sc:
        rows.append(["  session sync under load", "FAILED: " + sc["error"], PEER, "-", "-",
                     "-", "-"])
    elif sc:
        rows.append(["  session sync under load: conntrack events/s on fw1 (asked)",
                     "%s (%d); %d created, %d destroyed" % (
                         bl.fmt_num(sc["events_rate"], 0), 2 * sc["rate"], sc["created"],
                         sc["deleted"]), PEER, "-", "-", "-", "-"])
        rows.append(["  session sync under load: fw2's table at the end",
                     "lost %d (missing %d, not deleted %d)%s" % (
                         sc["lost"], sc["standby_diff"]["missing"],
                         sc["standby_diff"]["not_deleted"],
                         ", equal %.1f s after the churn" % sc["equal_after_s"]
                         if sc["equal_after_s"] is not None else ""),
                     PEER, "-", "0", "-", "PASS" if sc["lost"] == 0 else "MISS"])


def link_rows(load, rows):
    """Hellos per link and the longest wait for a CPU, under load."""
    b = load["boxes"]
    if "hellos_sent_per_link" in b["fw1"]:
        rows.append(["  hellos sent -> received by the peer under load, per link",
                     "; ".join("%s->%s %s" % (a, z, ", ".join(
                         "%s %d/%d" % (i, b[a]["hellos_sent_per_link"][i],
                                       b[z]["hellos_received_per_link"][i])
                         for i in sorted(b[a]["hellos_sent_per_link"])))
                         for a, z in (("fw1", "fw2"), ("fw2", "fw1"))), PEER, "-",
                     "%d each" % round(load["duration_s"] * 100), "-", "-"])
    sw = (load.get("sched") or {}).get("boxes")
    if sw:
        rows.append(["  longest wait for a CPU in 10 ms (hrpd runnable, schedstat)",
                     ", ".join("%s %.1f ms" % (n, sw[n]["top_wait"][0][0])
                               for n in BOXES if sw[n]["top_wait"]),
                     PEER, "-", "-", "-", "-"])


def resource_rows(idle, load, rows, summary):
    """hrpd's CPU and RSS, idle and under load."""
    if idle:
        f = idle["fw1"]
        rows.append(["hrpd CPU @ 10 ms hellos, idle (fw1, %.0f s)" % f["window_s"],
                     "%.2f %% of a core (fw2 %.2f %%)" % (f["core_pct"],
                                                        idle["fw2"]["core_pct"]),
                     PEER, "-", "-", "-", "-"])
        summary["cpu_idle_pct"] = f["core_pct"]
    if load and load.get("cpu_window"):
        f = load["cpu_window"]["fw1"]
        rows.append(["hrpd CPU @ 10 ms hellos, data bulk + iperf3 (fw1, %.0f s)" % f["window_s"],
                     "%.2f %% of a core (fw2 %.2f %%)" % (
                         f["core_pct"], load["cpu_window"]["fw2"]["core_pct"]),
                     PEER, "-", "-", "-", "-"])
        summary["cpu_load_pct"] = f["core_pct"]
    if idle:
        rows.append(["hrpd RSS @ 10 ms hellos, idle (fw1)",
                     "%.1f MB" % (idle["fw1"]["rss_kb_end"] / 1024.0), PEER, "-", "-", "-", "-"])
        summary["rss_idle_kb"] = idle["fw1"]["rss_kb_end"]
    if load:
        rows.append(["hrpd RSS @ 10 ms hellos, data bulk + iperf3 (fw1, max / peak)",
                     "%.1f MB / %.1f MB" % (load["rss_max_kb"]["fw1"] / 1024.0,
                                            (load["hwm_kb_end"]["fw1"] or 0) / 1024.0),
                     PEER, "-", "-", "-", "-"])
        summary["rss_load_max_kb"] = load["rss_max_kb"]["fw1"]


def table_notes(raw, meta):
    load, idle = raw.get("load"), raw.get("idle")
    notes = [] if not (raw["detect"] or load or idle) else [
        "peer %s: no peer implementation to measure beside hrpd here: conntrackd (Debian) has "
        "no heartbeat of its own (it leaves liveness to keepalived / VRRP), and keepalived's "
        "VRRP failover is measured in the vrrp benchmark" % PEER,
        "only hrpd runs on both boxes, dead_count %d (the configured default), hello_interval "
        "per case (config rewritten, reload on both); formula doc/hrpd.md: dead at last "
        "accepted message + D + 7b, D = dead_count x interval, b = max(interval / 8, 5 ms)"
        % DEAD_COUNT]
    if raw["detect"]:
        notes.append(
            "detection: fw1's ports in sw-hb1 and sw-hb2 cut silently (faults.switch_cut); "
            "last hello = status hrp.peer.last_rx_ms_ago on fw1 once the peer is dead (whole "
            "ms); event = fw1's `peer` down event stamped on arrival (CLOCK_MONOTONIC, as "
            "hrpd's); median (min-max) of %d runs; target = formula + %d ms (ours, the vrrp "
            "bench's box-failure slack: the issue sets none); 'cut done -> event' lies between "
            "formula - interval and the formula; detection - formula can be about -1 ms: hrpd "
            "keeps whole ms" % (meta.get("repeats", 0), SLACK_MS))
    if load:
        notes.append(
            "load: both links up; data-send 'generate' (4096 x 200 B per request) from fw1 as "
            "fast as the channel takes it (waits while half of the 8 MiB limit is held) and "
            "iperf3 -t %d client -> server (forwarded by fw1, the VIP's box in the lab's "
            "manual-active mode); peer_down / negotiations / negotiations_recovered are "
            "hrp-statistics deltas on each box; the silence watch (hrp-interfaces every 10 ms) "
            "runs only after the CPU window; the wait for a CPU is the largest increase of "
            "/proc/PID/schedstat's run-queue delay between two 10 ms samples" % load["duration_s"])
    if idle or load:
        notes.append(
            "CPU: utime+stime of fw1's hrpd (/proc/PID/stat) over the window, %% of one core; "
            "idle = hellos only (2 links x 100/s each way), data connection up and idle; load "
            "window starts %.0f s into the load; RSS = VmRSS (max of 0.5 s samples), peak = "
            "VmHWM; hrpd's scheduling: %s" % (LOAD_RAMP_S, meta.get("hrpd_sched", "?")))
    return notes


def full_table(raw, meta):
    result = table(raw, meta)
    result["notes"].append(bl.run_note(meta))
    load = raw.get("load")
    if load:
        for n in BOXES:
            bx = load["boxes"][n]
            if bx["delta"]["peer_down"] or bx["delta"]["negotiations"]:
                result["notes"].append("%s log during the load (transitions): %s" % (
                    n, " | ".join(bx["log"][-20:]) or "(none)"))
        sw = (load.get("sched") or {}).get("boxes")
        if sw and any(load["boxes"][n]["delta"]["negotiations"] for n in BOXES):
            result["notes"].append("hrpd's longest waits for a CPU (wait ms, run ms, sample ms, "
                                   "sample end): " + "; ".join(
                                       "%s %s" % (n, sw[n]["top_wait"][:4]) for n in BOXES))
    if raw["errors"]:
        result["notes"].append("errors: " + "; ".join(raw["errors"]))
    return result


def table_from(path):
    return bl.table_from_json(path, full_table)


# ---- entry points ----

def options(argv=None):
    ap = argparse.ArgumentParser(description="hrpd benchmark: peer-dead detection, false "
                                 "transitions under load, CPU and memory at 10 ms hellos")
    ap.add_argument("--quick", action="store_true",
                    help="short run: 1 detection per interval, 30 s load, 10 s CPU windows")
    ap.add_argument("--builddir", help="build tree (default $HS_BUILDDIR or the source tree)")
    ap.add_argument("--out-dir", help="where the JSON goes (default bench/results)")
    ap.add_argument("--repeats", type=int, help="detections per interval (default 3, quick 1)")
    ap.add_argument("--intervals", help="hello intervals in ms (default 1000,100,10)")
    ap.add_argument("--load-s", type=float, help="load duration (default 600, quick 30)")
    ap.add_argument("--cpu-window-s", type=float, help="CPU windows (default 30, quick 10)")
    ap.add_argument("--only", help="parts: detect,idle,load (default all)")
    ap.add_argument("--session-churn", type=int, metavar="RATE",
                    help="during the load, fw1 also churns RATE new + RATE destroyed conntrack "
                    "entries a second, synced by hrpd to fw2 (default 50000, quick 5000; 0: off)")
    ap.add_argument("--session-n", type=int, default=50000,
                    help="entries fw1 holds while it churns (default 50000)")
    ap.add_argument("--pin", action="store_true",
                    help="A/B: fw1's hrpd on CPU 0, fw2's on CPU 1 (both boxes share this "
                    "machine's CPUs; shown in the title)")
    ap.add_argument("--verbose", action="store_true", help="the lab's own log lines too")
    ap.add_argument("--table-from", metavar="JSON",
                    help="print the table of an earlier run from its raw figures; run nothing")
    a = ap.parse_args(argv)
    a.intervals = [int(x) for x in (a.intervals or "1000,100,10").split(",") if x.strip()]
    for i in a.intervals:
        if not 10 <= i <= 60000:
            ap.error("hello intervals are 10..60000 ms")
    a.repeats = a.repeats or (1 if a.quick else 3)
    a.load_s = a.load_s or (30.0 if a.quick else 600.0)
    a.cpu_window_s = a.cpu_window_s or (10.0 if a.quick else 30.0)
    if a.session_churn is None:
        a.session_churn = 5000 if a.quick else 50000
    a.parts = set((a.only or "detect,idle,load").split(","))
    return a


def run(opts):
    if os.geteuid() != 0:
        raise SystemExit("the hrpd benchmark needs root (network namespaces)")
    paths = labmod.Paths(opts.builddir)
    for prog in (paths.daemon("hrpd"), paths.daemon("hrpctl")):
        if not os.access(prog, os.X_OK):
            raise SystemExit("not built: %s (make, or --builddir / HS_BUILDDIR)" % prog)
    if "load" in opts.parts and not any(os.access(os.path.join(d, "iperf3"), os.X_OK)
                                        for d in os.environ.get("PATH", "").split(":")):
        raise SystemExit("iperf3 not found (the load's bulk flow)")
    topo = topomod.load(paths.topology("ref"))
    lablog = (lambda m: bl.log("[hslab] " + m)) if opts.verbose else (lambda m: None)
    started = time.monotonic()
    ver = subprocess.run([paths.daemon("hrpd"), "--version"], capture_output=True, text=True,
                         timeout=10)
    meta = {"machine": bl.machine(), "quick": opts.quick, "repeats": opts.repeats,
            "intervals_ms": opts.intervals, "dead_count": DEAD_COUNT, "load_s": opts.load_s,
            "cpu_window_s": opts.cpu_window_s, "parts": sorted(opts.parts), "pin": opts.pin,
            "builddir": paths.top_build, "hrpd_binary": bl.file_id(paths.daemon("hrpd")),
            "version": ((ver.stdout or ver.stderr).strip().splitlines() or ["hrpd"])[0]}
    with labmod.Lab(topo, paths, log=lablog) as lab:
        bl.log("[hrp] lab %s up; %s" % (lab.prefix, meta["version"]))
        if "load" in opts.parts:
            boxes.manual_active(lab, "fw1")  # the client's gateway on fw1: iperf3 through it
        for node in BOXES:
            start_hrpd(lab, node)
        b = Bench(lab, opts)
        b.ev = Events(lab, "fw1")
        if opts.pin:
            ncpu = os.cpu_count() or 1
            for k, node in enumerate(BOXES):
                os.sched_setaffinity(b.pids[node], {k % ncpu})
            meta["pinned"] = {n: sorted(os.sched_getaffinity(b.pids[n])) for n in BOXES}
        meta["hrpd_sched"] = bl.sched_of(b.pids["fw1"])
        try:
            if "detect" in opts.parts:
                for i in opts.intervals:
                    try:
                        b.detect(i, opts.repeats)
                    except Exception as e:
                        b.raw["errors"].append("detect %d ms: %s" % (i, e))
                        bl.log("  ERROR detection @ %s: %s" % (interval_name(i), e))
            if "idle" in opts.parts:
                try:
                    b.idle(opts.cpu_window_s)
                except Exception as e:
                    b.raw["errors"].append("idle: %s" % e)
                    bl.log("  ERROR idle: %s" % e)
            if "load" in opts.parts:
                try:
                    b.load(opts.load_s, opts.cpu_window_s)
                except Exception as e:
                    b.raw["errors"].append("load: %s" % e)
                    bl.log("  ERROR load: %s" % e)
        finally:
            b.ev.close()
        raw = b.raw
    return bl.finish_run(opts, "hrp", meta, raw, started, full_table)


def main(argv=None):
    bl.standalone_main(options, run, table_from, argv)


if __name__ == "__main__":
    main()
