#!/usr/bin/python3
"""Session-sync benchmark: hrpd's session sync beside conntrackd FTFW (Debian's), same run, same
namespaces (the reference lab, tests/clab/ref.clab.yml; sync over the heartbeat link hb0,
203.0.113.1 - 203.0.113.2 through sw-hb1).

For each size N (10,000 and 100,000) and each implementation, on fresh daemons:

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
2. Bulk sync to a joining box. Both daemons stopped, fw2's copy of the N deleted, fw1 keeps its
   N. fw1's daemon is started (it reads its table), then the joining box: conntrackd is started on
   fw2 and asked for a resync (`conntrackd -n`, "request resync with other node"); hrpd on fw2 is
   started and told it is the standby (hrpd syncs by itself on joining). Time from that trigger
   until fw2's kernel holds all N, the rate, CPU per 100k and bytes per entry of the bulk.

conntrackd: FTFW over UDP on hb0 (no multicast), DisableExternalCache on (the "direct" mode the
issue compares with: the standby's entries go straight into its kernel table, as hrpd's do),
Filter From Kernelspace (TCP only; the heartbeat addresses ignored), its socket, lock and log in
the box's lab dir, run in the box's namespace in the foreground (`conntrackd -C CONF`), started
and stopped by PID. Its scheduler is its own default (SCHED_RR 99) unless --conntrackd-sched other.

hrpd: `hrpd -f CONFIG --rundir RUNDIR` per box as the lab starts it (boxes.start_daemons), the
ref lab's config (hrpd.auto_sync_sessions = true), roles given by `vgmp-local` (no vgmpd): fw1
active, fw2 standby. Its session sync is being written: when `hrp-statistics` has no "session"
object, its cells print "n/a (not implemented)" and the conntrackd side runs on its own (see
HRPD SESSION SYNC below: the only hrpd-specific part).

    bench/session_sync.py [--quick] [--builddir DIR] [--out-dir DIR] [--sizes 10000,100000]
        [--impls hrpd,conntrackd] [--batch 256] [--conntrackd-sched default|other] [--verbose]
    bench/session_sync.py --table-from bench/results/session-DATE.json

(bench/run session runs it with the defaults.) Figures are printed, never asserted.
"""

import argparse
import array
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

from hslab_lib import boxes, lab as labmod, netns, scenario  # noqa: E402
from hslab_lib import topo as topomod  # noqa: E402

BOXES = ("fw1", "fw2")
SRC, DST = "fw1", "fw2"
HB = "hb0"
HB_ADDR = {"fw1": ("203.0.113.1", "203.0.113.2"), "fw2": ("203.0.113.2", "203.0.113.1")}
CTD_PORT = 3780
IMPLS = ("hrpd", "conntrackd")
NA_NOT_IMPL = "n/a (not implemented)"
IDLE_S = 2.0  # idle traffic and CPU measured this long before a fill
CLK_TCK = os.sysconf("SC_CLK_TCK")


class NotImplementedYet(Exception):
    """The implementation lacks the feature (hrpd's session sync, for now)."""


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


def sched_of(pid):
    try:
        pol = os.sched_getscheduler(pid)
        names = {os.SCHED_OTHER: "SCHED_OTHER", os.SCHED_FIFO: "SCHED_FIFO",
                 os.SCHED_RR: "SCHED_RR"}
        return "%s %d" % (names.get(pol, str(pol)), os.sched_getparam(pid).sched_priority)
    except OSError as e:
        return "? (%s)" % e


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
                    name, node, p.returncode, tail(base + ".log")))
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
            os.kill(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(timeout=5)
        try:
            with open(h["out"]) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def ours(self, node, n):
        return self.run(node, ["--count", "--n", str(n)], timeout=120)["ours"]

    def delete(self, node, n):
        return self.run(node, ["--delete", str(n)], timeout=120 + n / 1000)

    def clean(self, node, n):
        """Deletes the N of the pattern if any are there; returns how many were."""
        had = self.ours(node, n)
        if had:
            self.delete(node, n)
            left = self.ours(node, n)
            if left:
                raise RuntimeError("%s still holds %d entries after --delete" % (node, left))
        return had


def tail(path, lines=10):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).strip()
    except OSError:
        return "(no log)"


# ---- conntrackd (the peer) ----

CTD_CONF = """# conntrackd FTFW for the session-sync benchmark (bench/session_sync.py), box {node}
Sync {{
	Mode FTFW {{
		# the "direct" mode: received states go straight into the kernel table
		DisableExternalCache on
		ResendQueueSize 262144
	}}
	UDP {{
		IPv4_address {local}
		IPv4_Destination_Address {remote}
		Port {port}
		Interface {ifname}
		SndSocketBuffer 24985600
		RcvSocketBuffer 24985600
		Checksum on
	}}
}}
General {{
	Systemd off
	HashSize 65536
	HashLimit 1048576
	LogFile {dir}/conntrackd.log
	Syslog off
	LockFile {dir}/conntrackd.lock
	UNIX {{
		Path {dir}/conntrackd.ctl
	}}
	NetlinkBufferSize 8388608
	NetlinkBufferSizeMaxGrowth 134217728
	Filter From Kernelspace {{
		Protocol Accept {{
			TCP
		}}
		Address Ignore {{
			IPv4_address 127.0.0.1
			IPv4_address 203.0.113.0/30
			IPv4_address 203.0.113.4/30
		}}
		State Accept {{
			ESTABLISHED CLOSED TIME_WAIT CLOSE_WAIT for TCP
		}}
	}}
}}
"""


class Conntrackd:
    name = "conntrackd"
    join_starts_sync = False  # the joining box asks: conntrackd -n

    def __init__(self, lab, opts):
        self.lab, self.opts = lab, opts
        self.procs = {}
        self.prog = shutil.which("conntrackd") or "/usr/sbin/conntrackd"

    def version(self):
        p = subprocess.run([self.prog, "-v"], capture_output=True, text=True, timeout=10)
        m = re.search(r"v(\d[\w.]*)", p.stdout or p.stderr)
        return m.group(1).rstrip(".") if m else "?"

    def check(self):
        if not os.access(self.prog, os.X_OK):
            raise RuntimeError("conntrackd not installed (apt-get install conntrackd)")

    def dir(self, node):
        return os.path.join(self.lab.node_dir(node), "conntrackd")

    def conf(self, node):
        return os.path.join(self.dir(node), "conntrackd.conf")

    def setup(self):
        for node in BOXES:
            os.makedirs(self.dir(node), exist_ok=True)
            local, remote = HB_ADDR[node]
            with open(self.conf(node), "w") as f:
                f.write(CTD_CONF.format(node=node, local=local, remote=remote, port=CTD_PORT,
                                        ifname=HB, dir=self.dir(node)))
            # the lab's strict ruleset lets only HRP in on the heartbeat links
            self.lab.run(node, ["nft", "insert", "rule", "inet", "hslab_fw", "input", "iifname",
                                HB, "udp", "dport", str(CTD_PORT), "accept"])

    def pid(self, node):
        p = self.procs.get(node)
        return p.pid if p is not None and p.poll() is None else None

    def start(self, node, role):
        sock = os.path.join(self.dir(node), "conntrackd.ctl")
        p = self.lab.spawn(node, [self.prog, "-C", self.conf(node)],
                           os.path.join(self.dir(node), "console.log"))
        self.procs[node] = p
        deadline = time.monotonic() + 20
        while not boxes._listening(sock):
            if p.poll() is not None:
                raise RuntimeError("conntrackd on %s exited with %s: %s" % (
                    node, p.returncode, tail(os.path.join(self.dir(node), "conntrackd.log"))))
            if time.monotonic() > deadline:
                raise RuntimeError("conntrackd on %s: no control socket" % node)
            time.sleep(0.02)
        if self.opts.conntrackd_sched == "other":
            os.sched_setscheduler(p.pid, os.SCHED_OTHER, os.sched_param(0))
        return p.pid

    def stop(self, node):
        p = self.procs.pop(node, None)
        if p is None or p.poll() is not None:
            return
        os.kill(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait(timeout=5)
        for f in ("conntrackd.lock", "conntrackd.ctl"):  # left by a SIGKILL
            try:
                os.unlink(os.path.join(self.dir(node), f))
            except OSError:
                pass

    def ctl(self, node, *args, timeout=30):
        return self.lab.run(node, [self.prog, "-C", self.conf(node)] + list(args),
                            timeout=timeout).stdout

    def pair_ready(self):
        # FTFW has no peer state to wait for; its alive messages go every second or so
        time.sleep(1.0)

    def source_ready(self, node, n, timeout=60):
        """conntrackd reads the kernel table when it starts: wait until its cache holds N."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(r"cache:internal\s+active objects:\s+(\d+)", self.ctl(node, "-s",
                                                                               "cache"))
            have = int(m.group(1)) if m else 0
            if have >= n:
                return have
            if time.monotonic() > deadline:
                raise RuntimeError("conntrackd on %s: %d of %d in its cache" % (node, have, n))
            time.sleep(0.1)

    def join_prepare(self, node):
        self.start(node, "standby")
        self.pair_ready()

    def join_trigger(self, node):
        self.ctl(node, "-n")  # request resync with other node

    def stats(self, node):
        """conntrackd's own counters: its UDP bytes and packets, lost messages."""
        out = {}
        try:
            text = self.ctl(node, "-s")
        except RuntimeError as e:
            return {"error": str(e)}
        m = re.search(r"(\d+) Bytes sent\s+(\d+) Bytes recv", text)
        if m:
            out["udp_bytes_sent"], out["udp_bytes_recv"] = int(m.group(1)), int(m.group(2))
        m = re.search(r"(\d+) Pckts sent\s+(\d+) Pckts recv", text)
        if m:
            out["udp_packets_sent"], out["udp_packets_recv"] = int(m.group(1)), int(m.group(2))
        m = re.search(r"(\d+) Malformed msgs\s+(\d+) Lost msgs", text)
        if m:
            out["lost_msgs"] = int(m.group(2))
        m = re.search(r"current active connections:\s+(\d+)", text)
        if m:
            out["internal_cache"] = int(m.group(1))
        return out

    def extra_meta(self):
        return {"conntrackd_version": self.version(), "conntrackd_conf": CTD_CONF.format(
            node="fw1", local=HB_ADDR["fw1"][0], remote=HB_ADDR["fw1"][1], port=CTD_PORT,
            ifname=HB, dir="$NODE_DIR/conntrackd")}


# ---- HRPD SESSION SYNC: hrpd's side, to be finished with the feature ----
#
# hrpd's session sync is being written. How it is meant to be driven here: each box runs hrpd
# with the lab's config (hrpd.auto_sync_sessions = true, the default); the box whose VGMP state
# is active is the source, given by `vgmp-local` (no vgmpd in this lab); `hrp-statistics` will
# hold a "session" object (fields still to be fixed: entries_sent, entries_received,
# entries_applied, bytes...). When that object is missing the feature is not there yet and every
# hrpd cell prints NA_NOT_IMPL. Everything else (fill, waits, CPU, RSS, wire bytes) is the same
# code as conntrackd's.

class Hrpd:
    name = "hrpd"
    join_starts_sync = True  # a joining hrpd is sent the table by its peer on its own

    ROLE = {"fw1": ("active", 45000), "fw2": ("standby", 44000)}

    def __init__(self, lab, opts):
        self.lab, self.opts = lab, opts
        self.s = scenario.Session("session")
        from s20_hrp_links import ctl, stats, wait_pair_up  # noqa: E402 (the lab's helpers)
        self._ctl, self._stats, self._wait_pair_up = ctl, stats, wait_pair_up

    def version(self):
        p = subprocess.run([self.lab.paths.daemon("hrpd"), "--version"], capture_output=True,
                           text=True, timeout=10)
        return ((p.stdout or p.stderr).strip().splitlines() or ["hrpd"])[0]

    def check(self):
        for prog in (self.lab.paths.daemon("hrpd"),):
            if not os.access(prog, os.X_OK):
                raise RuntimeError("not built: %s" % prog)

    def setup(self):
        for kv in self.opts.hrpd_set:
            key, value = kv.split("=", 1)
            for node in BOXES:
                boxes.set_setting(self.lab, node, "hrpd", key, value)

    def pid(self, node):
        return boxes.daemon_pid(self.lab, node, "hrpd")

    def start(self, node, role):
        pid = boxes.start_daemons(self.lab, node, names=("hrpd",))["hrpd"]
        state, prio = self.ROLE[node]
        self._ctl(self.lab, node, "vgmp-local", {"state": state, "priority": prio,
                                                 "mode": "active-standby", "urgent": True,
                                                 "reason": "session bench"})
        return pid

    def stop(self, node):
        boxes.stop_daemon(self.lab, node, "hrpd")

    def session_stats(self, node):
        st = self._stats(self.lab, node)
        if not isinstance(st.get("session"), dict):
            raise NotImplementedYet("hrp-statistics has no \"session\" object")
        return st["session"]

    def pair_ready(self):
        self._wait_pair_up(self.lab, self.s, timeout=30)
        for node in BOXES:
            self.session_stats(node)  # NotImplementedYet without the feature
            if not self._ctl(self.lab, node, "status")["hrp"].get("auto_sync_sessions"):
                raise RuntimeError("%s: hrpd.auto_sync_sessions is off" % node)

    def source_ready(self, node, n, timeout=60):
        # TODO(session sync): wait until fw1's hrpd has read its table (a field of "session",
        # e.g. local entries >= n); until then the peer-up is what we wait for.
        return None

    def join_prepare(self, node):
        pass

    def join_trigger(self, node):
        self.start(node, "standby")
        self._wait_pair_up(self.lab, self.s, timeout=30)

    def stats(self, node):
        try:
            return {"session": self.session_stats(node)}
        except Exception as e:
            return {"error": str(e)}

    def extra_meta(self):
        return {"hrpd_version": self.version(),
                "hrpd_binary": bl.file_id(self.lab.paths.daemon("hrpd"))}


# ---- the measurements ----

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

    def live(self, impl, n):
        ct = self.ct
        rec = {"impl": impl.name, "n": n}
        for node in BOXES:
            ct.clean(node, n)
        pids = {node: impl.start(node, "active" if node == SRC else "standby") for node in BOXES}
        impl.pair_ready()
        rec["pids"] = pids
        rec["sched"] = {node: sched_of(pid) for node, pid in pids.items()}
        rec["idle"] = idle = self.idle(impl)
        rec["rss_kb_before"] = {node: proc_rss_kb(impl.pid(node)) for node in BOXES}
        tmo = self.wait_timeout_ms(n)
        fill_times = ct.path(SRC, "fill-%s-%d.bin" % (impl.name, n))
        arr_times = ct.path(DST, "arrive-%s-%d.bin" % (impl.name, n))
        ev_times = ct.path(SRC, "event-%s-%d.bin" % (impl.name, n))
        handles = []
        try:
            lis_src = ct.spawn(SRC, ["--listen", str(n), "--timeout-ms", str(tmo), "--times-out",
                                     ev_times], "listen")
            handles.append(lis_src)
            lis_dst = ct.spawn(DST, ["--listen", str(n), "--timeout-ms", str(tmo),
                                     "--times-out", arr_times], "listen")
            handles.append(lis_dst)
            waiter = ct.spawn(DST, ["--wait-count", str(n), "--timeout-ms", str(tmo)], "wait")
            handles.append(waiter)
            s0 = self.snapshot(impl)
            bl.log("  [%s] live sync of %d entries: fill on fw1, waiting for fw2" % (impl.name,
                                                                                       n))
            fill = ct.run(SRC, ["--create", str(n), "--times-out", fill_times],
                          timeout=120 + n / 1000)
            w = ct.result(waiter, tmo / 1000.0 + 30)
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
        # the source held all N: the last sendmsg's return, or its last NEW event if earlier
        # (the fill may wait for a CPU after the kernel created the entries)
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
        # per entry: its NEW event on fw2 - its creation on fw1 (see latency())
        rec["latency"] = self.latency(fill_times, ev_times, arr_times, n)
        rec["cpu_s_per_100k"] = {node: None if d["cpu_s"][node] is None
                                 else round(d["cpu_s"][node] * 100000 / n, 3) for node in BOXES}
        rec["wire_bytes_per_entry"] = round(d["wire_bytes_net"] / n, 1)
        bl.log("  [%s] N=%d: fw2 holds all %s ms after the fill started (fill %.0f ms, "
               "%.0f/s; fw1 events %s/s); latency p50 %s p99 %s ms; CPU fw1 %s s fw2 %s s; "
               "%.1f B/entry; RSS fw1 %s kB fw2 %s kB" % (
                   impl.name, n, rec["to_all_ms"], rec["fill_ms"], fill["rate"],
                   bl.fmt_num((ev_src or {}).get("rate"), 0), rec["latency"].get("p50_ms"),
                   rec["latency"].get("p99_ms"), d["cpu_s"]["fw1"], d["cpu_s"]["fw2"],
                   rec["wire_bytes_per_entry"], rec["rss_kb"]["fw1"], rec["rss_kb"]["fw2"]))
        return rec

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
        tmo = self.wait_timeout_ms(n)
        waiter = ct.spawn(DST, ["--wait-count", str(n), "--timeout-ms", str(tmo)], "wait")
        try:
            s0 = self.snapshot(impl)
            bl.log("  [%s] bulk sync of %d entries to the joining fw2" % (impl.name, n))
            t0 = time.monotonic()
            impl.join_trigger(DST)
            t1 = time.monotonic()
            w = ct.result(waiter, tmo / 1000.0 + 30)
        finally:
            if waiter["proc"].poll() is None:
                ct.result(waiter, 1.0, stop=True)
        rec["trigger_ms"] = round((t1 - t0) * 1000, 1)
        rec["quiet_after_s"] = self.quiet(impl)
        s1 = self.snapshot(impl)
        rec["window"] = d = self.delta(s0, s1, self.raw_idle_bps(impl))
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
               "s; %.1f B/entry" % (impl.name, n, rec["bulk_ms"], rec["rate"],
                                    d["cpu_s"]["fw1"], d["cpu_s"]["fw2"],
                                    rec["wire_bytes_per_entry"]))
        self.stop_all(impl)
        for node in BOXES:
            ct.clean(node, n)
        return rec

    def raw_idle_bps(self, impl):
        for r in reversed(self.raw["runs"]):
            if r["impl"] == impl.name and r.get("live", {}).get("idle"):
                return r["live"]["idle"]["wire_bps"]
        return 0.0

    def one(self, impl, n):
        run = {"impl": impl.name, "n": n}
        self.raw["runs"].append(run)
        try:
            try:
                run["live"] = self.live(impl, n)
            except NotImplementedYet:
                raise
            except Exception as e:
                run["live_error"] = str(e)
                self.raw["errors"].append("%s live N=%d: %s" % (impl.name, n, e))
                bl.log("  ERROR %s live N=%d: %s" % (impl.name, n, e))
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


# ---- the table ----

def _runs(raw, impl):
    return {r["n"]: r for r in raw["runs"] if r["impl"] == impl}


def _cell(raw, impl, n, fn):
    if impl in raw.get("skipped", {}):
        return raw["skipped"][impl]
    r = _runs(raw, impl).get(n)
    if r is None:
        return "-"
    try:
        v = fn(r)
    except (KeyError, TypeError, ZeroDivisionError):
        v = None
    if v is None:
        return "FAILED" if (r.get("live_error") or r.get("bulk_error")) else "-"
    return v


def _val(raw, impl, n, fn):
    if impl in raw.get("skipped", {}):
        return None
    r = _runs(raw, impl).get(n)
    try:
        return fn(r) if r else None
    except (KeyError, TypeError, ZeroDivisionError):
        return None


def ms(x):
    return None if x is None else "%s ms" % bl.fmt_num(x, 0 if x >= 100 else 1)


def rate(x):
    return None if x is None else "%s /s" % format(int(round(x)), ",")


def lat_cell(lat):
    if "p50_ms" not in lat:
        return "n/a (%s)" % lat.get("error", "no entry seen on both")
    text = "%s / %s ms" % (bl.fmt_num(lat["p50_ms"], 1), bl.fmt_num(lat["p99_ms"], 1))
    return text + (" (%d unseen)" % lat["missing"] if lat["missing"] else "")


def pair(a, b, unit="", digits=2):
    if a is None and b is None:
        return None
    return "%s / %s%s" % (bl.fmt_num(a, digits), bl.fmt_num(b, digits), unit)


def slope(raw, impl, node):
    runs = _runs(raw, impl)
    pts = sorted((n, r["live"]["rss_kb"][node]) for n, r in runs.items()
                 if r.get("live") and r["live"].get("rss_kb", {}).get(node) is not None)
    if len(pts) < 2:
        return None
    (n1, k1), (n2, k2) = pts[0], pts[-1]
    return int(round((k2 - k1) * 1024.0 / (n2 - n1)))  # whole bytes (VmRSS is in kB)


def table(raw, meta):
    rows, summary = [], {}
    ours, peer = "hrpd", "conntrackd"
    sizes = meta.get("sizes", [])

    def row(case, fn, ratio_fn=None, floor="-"):
        a, b = _cell(raw, ours, n, fn), _cell(raw, peer, n, fn)
        r = bl.ratio(_val(raw, ours, n, ratio_fn), _val(raw, peer, n, ratio_fn)) \
            if ratio_fn else None
        rows.append([case, a, b, bl.fmt_ratio(r), floor, "-", "-"])

    for n in sizes:
        fill_ms = [x for x in (_val(raw, i, n, lambda r: r["live"]["fill_ms"])
                               for i in (ours, peer)) if x is not None]
        rows.append(["N = %s sessions (IPv4 TCP, no NAT)" % format(n, ","), "", "", "", "", "",
                     ""])
        row("  live: time until the standby's kernel holds all N (from the fill's start)",
            lambda r: ms(r["live"]["to_all_ms"]), lambda r: r["live"]["to_all_ms"],
            floor="fill %s ms" % " / ".join(bl.fmt_num(x, 0) for x in fill_ms) if fill_ms else "-")
        row("    after the source's kernel held all N (last insert or NEW event there)",
            lambda r: ms(r["live"]["after_source_ms"]), lambda r: r["live"]["after_source_ms"])
        row("    kernel (same run): batch-insert rate on the source, batches of %d" %
            meta.get("batch", 256), lambda r: rate(r["live"]["fill"]["rate"]))
        row("    kernel (same run): raw NEW-event rate on the source (listener)",
            lambda r: rate(r["live"]["events_src"]["rate"]))
        row("  per-entry latency p50 / p99 (created on fw1 -> NEW event on fw2)",
            lambda r: lat_cell(r["live"]["latency"]), lambda r: r["live"]["latency"]["p99_ms"])
        row("  bulk sync to a joining box: time / rate",
            lambda r: "%s, %s" % (ms(r["bulk"]["bulk_ms"]), rate(r["bulk"]["rate"]))
            if r["bulk"]["bulk_ms"] is not None else None, lambda r: r["bulk"]["bulk_ms"])
        row("    bulk transfer rate, first to last entry on the standby",
            lambda r: rate(r["bulk"].get("transfer_rate")) if r["bulk"].get("transfer_rate")
            else None, lambda r: r["bulk"].get("transfer_rate"))
        row("  CPU s per 100k entries, source / standby: live sync",
            lambda r: pair(r["live"]["cpu_s_per_100k"]["fw1"],
                           r["live"]["cpu_s_per_100k"]["fw2"], " s"),
            lambda r: r["live"]["cpu_s_per_100k"]["fw1"] + r["live"]["cpu_s_per_100k"]["fw2"])
        row("    bulk sync to the joining box",
            lambda r: pair(r["bulk"]["cpu_s_per_100k"]["fw1"],
                           r["bulk"]["cpu_s_per_100k"]["fw2"], " s"),
            lambda r: r["bulk"]["cpu_s_per_100k"]["fw1"] + r["bulk"]["cpu_s_per_100k"]["fw2"])
        row("  bytes on the wire per entry (hb0, both ways, L2): live / bulk",
            lambda r: "%s / %s B" % (bl.fmt_num(r["live"]["wire_bytes_per_entry"], 1),
                                     bl.fmt_num(r["bulk"]["wire_bytes_per_entry"], 1)),
            lambda r: r["live"]["wire_bytes_per_entry"])
        row("  RSS after the live sync, source / standby",
            lambda r: "%s / %s MB" % (bl.fmt_num(r["live"]["rss_kb"]["fw1"] / 1024.0, 1),
                                      bl.fmt_num(r["live"]["rss_kb"]["fw2"] / 1024.0, 1)))
        for i in (ours, peer):
            if i in raw.get("skipped", {}):
                continue
            r = _runs(raw, i).get(n) or {}
            summary.setdefault(i, {})[str(n)] = {
                "to_all_ms": (r.get("live") or {}).get("to_all_ms"),
                "after_source_ms": (r.get("live") or {}).get("after_source_ms"),
                "latency": (r.get("live") or {}).get("latency"),
                "bulk_ms": (r.get("bulk") or {}).get("bulk_ms"),
                "cpu_s_per_100k_live": (r.get("live") or {}).get("cpu_s_per_100k"),
                "cpu_s_per_100k_bulk": (r.get("bulk") or {}).get("cpu_s_per_100k"),
                "wire_bytes_per_entry": (r.get("live") or {}).get("wire_bytes_per_entry")}
    if len(sizes) >= 2:
        cells = []
        for i in (ours, peer):
            if i in raw.get("skipped", {}):
                cells.append(raw["skipped"][i])
                continue
            a, b = slope(raw, i, "fw1"), slope(raw, i, "fw2")
            cells.append(pair(a, b, " B", 0) or "-")
            summary.setdefault(i, {})["rss_slope_bytes_per_entry"] = {"fw1": a, "fw2": b}
        rows.append(["memory per synced entry (RSS slope %s -> %s), source / standby" % (
            format(min(sizes), ","), format(max(sizes), ",")), cells[0], cells[1], "-", "-",
            "-", "-"])
    notes = [
        "same run, same namespaces: the ref lab (tests/clab/ref.clab.yml), sync over hb0 "
        "(203.0.113.1 - .2 through sw-hb1); fw1 the source, fw2 the standby; fresh daemons for "
        "each size; only the measured daemon runs on the boxes (no vrrpd, vgmpd)",
        "entries: hs-ct-fill (ctnetlink, libmnl batches of %d, ACK on the last), IPv4 TCP "
        "ESTABLISHED, SEEN_REPLY|ASSURED, no NAT, timeout 3600 s; src 192.0.2.x / 198.51.100.x, "
        "dst 203.0.113.64/27:443" % meta.get("batch", 256),
        "time until the standby holds all N: fw2's kernel count polled every 5 ms "
        "(IPCTNL_MSG_CT_GET_STATS, confirmed by a dump), from the fill's first batch; floor = "
        "the fill itself (the source cannot give what it does not have yet); 'after the "
        "source held all N' counts from the fill's last sendmsg returning or fw1's last NEW "
        "event, whichever came first (+- a few ms: poller, fill and listeners share 2 CPUs with "
        "the daemons)",
        "kernel rates, same run: the fill's own rate (entries created / its run time) and NEW "
        "events received by a listener on fw1 ((N - 1) / first-to-last event); the listener on "
        "fw2 and the poller run during the sync, on the same 2 CPUs",
        "latency: per entry, the stamp of its NEW event on fw2 (a listener there) - its "
        "creation on fw1: its batch's sendmsg interpolated over the batch's messages, but no "
        "later than the stamp of its NEW event on fw1 (a second listener); CLOCK_MONOTONIC on "
        "both; a few ms either way (the tools share the CPUs with the daemons); the two "
        "estimates alone are in the JSON",
        "bulk: fw2's copy deleted, both daemons restarted, fw1's first (it reads its table); "
        "conntrackd: fw2 started, then `conntrackd -n` on fw2 (\"request resync with other "
        "node\"): time from starting that client (its own start, ~20 ms, included: trigger_ms "
        "in the JSON); hrpd: time from starting fw2's hrpd (it joins and is sent the table)",
        "CPU: on-CPU time of each box's daemon (utime+stime at ns resolution: the threads' "
        "schedstat, plus reaped children) from just before the fill (or the trigger) until "
        "both are quiet (< 10 ms CPU in 0.5 s), scaled to 100k entries; bytes: fw1's hb0 rx+tx "
        "(Ethernet frames, no FCS) over the same window, less the idle rate of the %.0f s "
        "before, / N" % IDLE_S,
        "memory: VmRSS of each daemon once the N are synced; the slope between the two sizes",
        "conntrackd v%s: FTFW over UDP (no multicast), DisableExternalCache on (direct: entries "
        "go into fw2's kernel table, nothing kept in userspace there), Filter From Kernelspace "
        "(TCP; heartbeat addresses ignored), NetlinkBufferSize 8 MiB (max 128 MiB), scheduler: "
        "%s" % (meta.get("conntrackd_version", ""), meta.get("conntrackd_sched", "?")),
    ]
    if "hrpd" in raw.get("skipped", {}):
        notes.append("hrpd: %s (%s)" % (raw["skipped"]["hrpd"],
                                        meta.get("hrpd_skip_reason", "")))
    title = "session sync benchmark: hrpd vs conntrackd FTFW (direct), sizes %s%s" % (
        ", ".join(format(n, ",") for n in sizes), ", quick mode" if meta.get("quick") else "")
    if meta.get("hrpd_set"):
        title += ", hrpd with " + ", ".join(meta["hrpd_set"])
    return {"name": "session", "title": title,
            "headers": ["case", "hrpd", "conntrackd", "ratio", "floor", "target", "hrpd met"],
            "rows": rows, "notes": notes, "summary": summary}


def full_table(raw, meta):
    result = table(raw, meta)
    result["notes"].append("run time %.0f s; load average at start %s, at end %s" % (
        meta.get("run_time_s", 0), " ".join(meta["machine"].get("loadavg", [])),
        " ".join(meta.get("loadavg_end") or [])))
    if meta.get("conntrack_max"):
        result["notes"].append("nf_conntrack_max: %s" % meta["conntrack_max"])
    if raw["errors"]:
        result["notes"].append("errors: " + "; ".join(raw["errors"]))
    return result


def table_from(path):
    with open(path) as f:
        d = json.load(f)
    result = full_table(d["raw"], d["meta"])
    result["json"] = path
    return result


# ---- nf_conntrack_max (LAB.md: follows the root namespace; restored on every exit path) ----

MAX_PATH = "/proc/sys/net/netfilter/nf_conntrack_max"


def conntrack_max():
    with open(MAX_PATH) as f:
        return int(f.read())


def set_conntrack_max(v):
    with open(MAX_PATH, "w") as f:
        f.write("%d\n" % v)


# ---- entry points ----

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
    if not 1 <= a.batch <= 4096:
        ap.error("--batch is 1..4096")
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
            "conntrackd_sched_option": opts.conntrackd_sched}
    old_max = conntrack_max()
    need = max(opts.sizes) + 20000  # per namespace: the N plus the lab's own flows
    raw = None
    try:
        if need > old_max:
            bl.log("[session] nf_conntrack_max %d -> %d (restored at the end)" % (old_max, need))
            set_conntrack_max(need)
        meta["conntrack_max"] = "%d (was %d)" % (conntrack_max(), old_max) if need > old_max \
            else "%d (unchanged)" % old_max
        with labmod.Lab(topo, paths, log=lablog) as lab:
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
            raw = b.raw
    finally:
        if conntrack_max() != old_max:
            set_conntrack_max(old_max)
            bl.log("[session] nf_conntrack_max restored to %d" % old_max)
    meta["run_time_s"] = round(time.monotonic() - started, 1)
    meta["loadavg_end"] = bl.loadavg()
    result = full_table(raw, meta)
    result["json"] = bl.write_result_json(opts, "session", meta, raw, result)
    return result


def main(argv=None):
    bl.standalone_main(options, run, table_from, argv)


if __name__ == "__main__":
    main()
