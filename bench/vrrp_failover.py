#!/usr/bin/python3
"""VRRP benchmark: vrrpd beside keepalived (Debian's), measured in the same run, in one VRRP lab
(tests/clab/vrrp.clab.yml: client - sw-lan - r1/r2 - sw-lan2 - server).

1. Failover traffic gap. For each implementation, each advertisement interval (100, 10, 1 cs) and
   each fault (graceful stop of the master's daemon; box failure of the master = faults.box_fail,
   box_recover after the case): r1 priority 200 master, r2 priority 100 backup, two groups (VRID 1
   on lan0 with 192.0.2.1/32, the client's gateway; VRID 3 on br1 with 198.51.100.1/32, the
   server's gateway). hs-udp-probe (1 packet per ms each way, client <-> server 198.51.100.100)
   runs 1 s + one interval + 3 x Master_Down_Interval + 1 s; the fault comes just after the first
   advert of r1 that reaches r2 1 s in (vrrp_watch.py on r2's switch ports). Figures: max_gap_ms
   (the larger of c2s and s2c) and packets lost (both directions), median (min-max) of the
   repeats, beside the RFC floor (graceful stop: Skew_Time of the priority-100 backup; box
   failure: Master_Down_Interval) and the target (floor + 5 ms, floor + 10 ms); and the takeover
   on the wire (r2's first advert after r1's priority-0 advert or last advert heard).
2. CPU per 1,000 adverts/s: 50 groups at 10 ms adverts on r1, no peer (all master): utime+stime
   of the daemon's processes (/proc/PID/stat) over a window, scaled by the adverts actually sent
   (r1's lan0 TX packet counter; vrrpd's own tx counters as a cross-check).
3. Start to first master: one group (100 ms adverts, priority 100), no peer; time from starting
   the daemon until `ip monitor address` in r1 reports the VIP.

vrrpd runs with its defaults (virtual MAC through a macvlan); keepalived with two vrrp_instance
blocks, no use_vmac (its default: the VIP moves with the routers' own MACs and a gratuitous ARP).

    bench/vrrp_failover.py [--quick] [--builddir DIR] [--out-dir DIR] [--repeats N]
        [--intervals 100,10,1] [--only failover,cpu,first] [--impls vrrpd,keepalived]
        [--faults graceful,boxfail] [--vrrpd-set KEY=VALUE ...] [--verbose]

(bench/run vrrp runs it with the defaults.) Figures are printed, never asserted.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

from hslab_lib import faults, lab as labmod, netns, probes  # noqa: E402
from hslab_lib import topo as topomod  # noqa: E402
import vrrp_lab as v  # noqa: E402

SERVER = "198.51.100.100"
KEYS = [(1, "ipv4", "lan0"), (3, "ipv4", "br1")]
VIPS = [v.VIP4, v.VIPV]
PRIO_MASTER, PRIO_BACKUP = 200, 100
FAULTS = ("graceful", "boxfail")
FAULT_NAMES = {"graceful": "graceful stop", "boxfail": "box failure"}
FAULT_AT_S = 1.0
CPU_GROUPS = 50
CPU_VIP_BASE = 150  # 192.0.2.151 - .200


# ---- RFC 5798 timers, in ms, for the priority-100 backup ----

def skew_ms(interval_cs, prio=PRIO_BACKUP):
    return (256 - prio) * interval_cs * 10.0 / 256


def master_down_ms(interval_cs, prio=PRIO_BACKUP):
    return bl.master_down_ms(interval_cs, prio)


def interval_name(cs):
    return "1 s" if cs == 100 else "%d ms" % (cs * 10)


# ---- the two implementations ----

class Vrrpd:
    name = "vrrpd"

    def __init__(self, lab):
        self.lab = lab
        self.extra = {}  # --vrrpd-set

    def version(self):
        p = subprocess.run([self.lab.paths.daemon("vrrpd"), "--version"], capture_output=True,
                           text=True, timeout=10)
        return (p.stdout or p.stderr).strip().splitlines()[0] if p.returncode == 0 else "?"

    def configure(self, node, groups):
        """groups: [(vrid, iface, vip, prio, interval_cs)]"""
        v.vrrpd_conf(self.lab, node, [v.group(vrid, prio, vip, iface=iface, interval=cs,
                                              **self.extra)
                                      for vrid, iface, vip, prio, cs in groups])

    def start(self, node):
        return v.start_vrrpd(self.lab, node)

    def states(self, node):
        return v.states(self.lab, node)

    def backup(self, node):
        st = self.states(node)
        return all(st.get(k) == "backup" for k in KEYS)

    def tx_adverts(self, node):
        return sum(g.get("counters", {}).get("tx", 0)
                   for g in v.vrrp_status(self.lab, node).get("groups", []))

    def became_master(self, node):
        """{vrid: CLOCK_MONOTONIC time of the group's latest transition to master} from the
        daemon's own history (ago_ms), so a takeover late on the wire can be told from a late
        transition."""
        q0 = time.monotonic()
        status = v.vrrp_status(self.lab, node)
        q = (q0 + time.monotonic()) / 2
        out = {}
        for g in status.get("groups", []):
            hist = [h for h in g.get("history", []) if h.get("new") == "master"]
            if hist:
                out[g["vrid"]] = q - min(h["ago_ms"] for h in hist) / 1000.0
        return out

    def cleanup(self, node):
        self.lab.run(node, [self.lab.paths.daemon("vrrpd"), "--flush"], check=False)


class Keepalived:
    name = "keepalived"

    def __init__(self, lab):
        self.lab = lab

    def version(self):
        p = subprocess.run(["keepalived", "--version"], capture_output=True, text=True,
                           timeout=10)
        return ((p.stderr or p.stdout).strip().splitlines() or ["?"])[0]

    def configure(self, node, groups):
        inst = []
        for vrid, iface, vip, prio, cs in groups:
            adv = "%g" % (cs / 100.0)
            inst.append(("vr%d" % vrid, {"interface": iface, "state": "BACKUP",
                                         "virtual_router_id": vrid, "priority": prio,
                                         "advert_int": adv}, ["%s/32" % vip]))
        v.keepalived_conf(self.lab, node, inst)

    def start(self, node, timeout=10):
        d = self.lab.node_dir(node)
        pidfiles = [os.path.join(d, "keepalived.pid"), os.path.join(d, "keepalived-vrrp.pid")]
        for f in pidfiles:  # a stale one would make keepalived think it is running already
            if os.path.exists(f):
                os.unlink(f)
        p = v.start_keepalived(self.lab, node)
        deadline = time.monotonic() + timeout
        while not os.path.exists(pidfiles[1]):
            if p.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("keepalived on %s did not start (exit %s)" % (
                    node, p.poll()))
            time.sleep(0.02)
        return p

    def states(self, node):
        return {}

    def backup(self, node):
        return True  # keepalived's state is not queried: holding no VIP is what counts

    def tx_adverts(self, node):
        return None

    def became_master(self, node):
        return {}

    def cleanup(self, node):
        pass


# ---- lab helpers ----

def addr_out(lab, node):
    return lab.run(node, ["ip", "-o", "addr", "show"], check=False).stdout


def holds(lab, node, vips):
    out = addr_out(lab, node)
    return [a for a in vips if (" %s/" % a) in out]


def wait_until(what, fn, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError("%s: not within %.0f s" % (what, timeout))
        time.sleep(interval)


def remove_vips(lab, node, vips):
    """Removes VIPs a killed daemon left on the node (vrrpd --flush does it for vrrpd's)."""
    out = addr_out(lab, node)
    for line in out.splitlines():
        parts = line.split()
        if "inet" in parts:
            addr = parts[parts.index("inet") + 1]
            if addr.split("/")[0] in vips:
                lab.run(node, ["ip", "addr", "del", addr, "dev", parts[1]], check=False)


def tx_packets(lab, node, ifname):
    out = lab.run(node, ["ip", "-j", "-s", "link", "show", "dev", ifname]).stdout
    link = json.loads(out)[0]
    return link["stats64"]["tx"]["packets"]


def cpu_ticks(pids):
    """{pid: utime+stime in clock ticks} of the processes still there."""
    out = {}
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[pid] = int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return out


def stop_proc(p, timeout=10):
    if p is None or p.poll() is not None:
        return None if p is None else p.returncode
    try:
        return v.stop(p, timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(timeout=5)
        return "killed"


# ---- the benchmark ----

class Bench:
    def __init__(self, lab, opts):
        self.lab, self.opts = lab, opts
        self.impls = [cls(lab) for cls in (Vrrpd, Keepalived) if cls.name in opts.impls]
        self.impls[0].extra = opts.vrrpd_extra if self.impls[0].name == "vrrpd" else {}
        self.procs = {}
        self.raw = {"failover": [], "cpu": {}, "first_master": {}, "errors": []}
        self.path_resets = 0

    # -- daemons on r1 / r2 --

    def stop_all(self, impl):
        for node in ("r1", "r2"):
            p = self.procs.pop(node, None)
            if p is not None:
                for pid in netns.ns_pids(self.lab.ns(node)):  # a frozen daemon cannot stop
                    try:
                        os.kill(pid, signal.SIGCONT)
                    except ProcessLookupError:
                        pass
                stop_proc(p)
            impl.cleanup(node)
            remove_vips(self.lab, node, VIPS + self.cpu_vips())
            # anything else of ours left in the router (keepalived's vrrp child), by PID
            left = netns.ns_pids(self.lab.ns(node))
            if left:
                netns.kill_pids(left)

    def pair_groups(self, prio, cs):
        return [(1, "lan0", v.VIP4, prio, cs), (3, "br1", v.VIPV, prio, cs)]

    def converged(self, impl):
        return (len(holds(self.lab, "r1", VIPS)) == 2 and not holds(self.lab, "r2", VIPS)
                and impl.backup("r2"))

    def wait_converged(self, impl, cs):
        """Until r1 holds both VIPs, r2 none (and is backup), the client reaches the server,
        and both hosts' gateway MACs lead to r1's switch ports. A client still sending to r2
        (keepalived's r1 may not re-announce after a thaw, r2 keeps routing without the VIP)
        gets its neighbour entry flushed, so that every case fails the box that carries the
        traffic. Returns the seconds it took."""
        t0 = time.monotonic()
        timeout = 3 * master_down_ms(cs, PRIO_MASTER) / 1000 + 15
        wait_until("%s: r1 master of both groups, r2 backup" % impl.name,
                   lambda: self.converged(impl), timeout)
        for attempt in range(3):  # bounded
            wait_until("%s: client reaches the server" % impl.name,
                       lambda: self.lab.run("client", ["ping", "-c1", "-W1", SERVER],
                                            check=False).returncode == 0, 10, interval=0.1)
            path = self.path()
            if path == {"c2s": "r1", "s2c": "r1"}:
                break
            if attempt == 0:  # the master's own announcements may still come
                time.sleep(2 * cs / 100.0 + 0.5)
                continue
            self.path_resets += 1
            for host, vip in (("client", v.VIP4), ("server", v.VIPV)):
                self.lab.run(host, ["ip", "neigh", "del", vip, "dev", "eth1"], check=False)
        else:
            raise RuntimeError("%s: traffic does not go through r1: %s" % (impl.name, path))
        return time.monotonic() - t0

    def path(self):
        """Which router each host's gateway MAC leads to, by the switches' forwarding tables."""
        out = {}
        for d, host, vip, sw in (("c2s", "client", v.VIP4, "sw-lan"),
                                 ("s2c", "server", v.VIPV, "sw-lan2")):
            neigh = json.loads(self.lab.run(host, ["ip", "-j", "neigh", "show", vip],
                                            check=False).stdout or "[]")
            mac = neigh[0].get("lladdr") if neigh else None
            fdb = json.loads(self.lab.run(sw, ["bridge", "-j", "fdb", "show", "br", "br0"],
                                          check=False).stdout or "[]")
            port = next((e.get("ifname") for e in fdb if e.get("mac") == mac
                         and "permanent" not in e.get("state", "")), None)
            out[d] = {"p2": "r1", "p3": "r2"}.get(port, "%s@%s" % (mac, port))
        return out

    # -- 1. failover gap --

    def failover(self, impl, cs, faults_, repeats):
        self.stop_all(impl)
        self.lab.log("%s at %s" % (impl.name, interval_name(cs)))
        self.procs["r2"] = None
        impl.configure("r1", self.pair_groups(PRIO_MASTER, cs))
        impl.configure("r2", self.pair_groups(PRIO_BACKUP, cs))
        self.procs["r2"] = impl.start("r2")
        self.procs["r1"] = impl.start("r1")
        self.wait_converged(impl, cs)
        md = master_down_ms(cs)
        duration = int(FAULT_AT_S + cs / 100.0 + 3 * md / 1000.0 + 1 + 0.999)
        for fault in faults_:
            for run in range(repeats):
                rec = {"impl": impl.name, "interval_cs": cs, "fault": fault, "run": run + 1,
                       "probe_duration_s": duration}
                self.raw["failover"].append(rec)
                try:
                    self.one_case(impl, cs, fault, duration, rec)
                except Exception as e:  # recorded, printed as FAILED; the run goes on
                    rec["error"] = str(e)
                    self.raw["errors"].append("%s %s %s #%d: %s" % (impl.name, cs, fault,
                                                                     run + 1, e))
                    bl.log("  ERROR: %s" % e)
                    self.recover_after_error(impl, cs)
        self.stop_all(impl)

    def one_case(self, impl, cs, fault, duration, rec):
        lab = self.lab
        watches = {sw: Watch(lab, sw, w["port"], duration + 10) for sw, w in WATCHED.items()}
        try:
            probe = probes.udp_probe(lab, "client", "server", SERVER, duration=duration)
            # the fault comes just after the first advert of r1 that r2 hears 1 s into the
            # probe: a box failure's gap is then Master_Down, not Master_Down minus a random
            # phase of the advert cycle
            after = probe.started + FAULT_AT_S
            wait = after - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            adv = watches["sw-lan"].next_advert(WATCHED["sw-lan"]["r1"], after,
                                                3 * cs / 100.0 + 2)
            t0 = time.monotonic()
            if fault == "graceful":
                rec["stop_status"] = stop_proc(self.procs.pop("r1"))
            else:
                faults.box_fail(lab, "r1")
            t1 = time.monotonic()
            rec["fault_at_ms"] = round((t0 - probe.started) * 1000, 1)
            rec["fault_after_advert_ms"] = None if adv is None else round((t0 - adv) * 1000, 2)
            rec["fault_call_ms"] = round((t1 - t0) * 1000, 1)
            res = probe.wait()  # no polling meanwhile: it would load the 2-core machine
        finally:
            events = {sw: w.events() for sw, w in watches.items()}
        rec["probe"] = res
        rec["wire"] = wire_figures(events, t0, fault, cs)
        for vrid, at in impl.became_master("r2").items():
            for w in rec["wire"].values():
                if w["vrid"] == vrid:
                    w["r2_became_master_ms"] = round((at - t0) * 1000, 1)
                    if w["r2_first_advert_ms"] is not None:
                        w["r2_first_advert_after_transition_ms"] = round(
                            w["r2_first_advert_ms"] - w["r2_became_master_ms"], 1)
        takeovers = [w["takeover_ms"] for w in rec["wire"].values()]
        rec["takeover_ms"] = None if None in takeovers else max(takeovers)
        gaps, lost = [], 0
        for d in ("c2s", "s2c"):
            if not res.get(d):
                raise RuntimeError("probe: no %s report (the path stayed down)" % d)
            gaps.append(res[d]["max_gap_ms"])
            lost += res[d]["lost"]
        rec["gap_ms"] = max(gaps)
        rec["lost"] = lost
        w1, w3 = rec["wire"]["sw-lan"], rec["wire"]["sw-lan2"]
        bl.log("  %-10s %-5s %-13s #%d: gap %.1f ms (c2s %.1f, s2c %.1f), lost %d; takeover "
               "vrid 1 %s ms, vrid 3 %s ms; GARP +%s/+%s ms; %sfault %s ms after an advert, "
               "call %.0f ms" % (impl.name, interval_name(cs), FAULT_NAMES[fault], rec["run"],
                                 rec["gap_ms"], res["c2s"]["max_gap_ms"],
                                 res["s2c"]["max_gap_ms"], lost, w1["takeover_ms"],
                                 w3["takeover_ms"], w1["garp_after_advert_ms"],
                                 w3["garp_after_advert_ms"],
                                 "" if "r2_became_master_ms" not in w1 else
                                 "r2 master at %s/%s ms; " % (w1["r2_became_master_ms"],
                                                              w3.get("r2_became_master_ms")),
                                 rec["fault_after_advert_ms"], rec["fault_call_ms"]))
        # restore, then wait for r1 to be master again (preemption) before the next case
        if fault == "graceful":
            self.procs["r1"] = impl.start("r1")
        else:
            faults.box_recover(lab, "r1")
        resets = self.path_resets
        rec["reconverge_s"] = round(self.wait_converged(impl, cs), 2)
        rec["neigh_flushed_after"] = self.path_resets > resets

    def recover_after_error(self, impl, cs):
        try:
            faults.box_recover(self.lab, "r1")
        except Exception:
            pass
        try:
            if self.procs.get("r1") is None or self.procs["r1"].poll() is not None:
                self.procs["r1"] = impl.start("r1")
            self.wait_converged(impl, cs)
        except Exception as e:
            bl.log("  could not restore the pair: %s" % e)
            raise

    # -- 2. CPU per 1,000 adverts/s --

    def cpu_vips(self):
        return ["192.0.2.%d" % (CPU_VIP_BASE + i) for i in range(1, CPU_GROUPS + 1)]

    def cpu(self, impl, settle_s, window_s):
        self.stop_all(impl)
        vips = self.cpu_vips()
        impl.configure("r1", [(i, "lan0", vip, PRIO_MASTER, 1)
                              for i, vip in enumerate(vips, 1)])
        self.procs["r1"] = impl.start("r1")
        wait_until("%s: all %d groups master" % (impl.name, CPU_GROUPS),
                   lambda: len(holds(self.lab, "r1", vips)) == CPU_GROUPS, 30)
        time.sleep(settle_s)
        pids = netns.ns_pids(self.lab.ns("r1"))
        tx0, own0 = tx_packets(self.lab, "r1", "lan0"), impl.tx_adverts("r1")
        c0, t0 = cpu_ticks(pids), time.monotonic()
        time.sleep(window_s)
        c1, t1 = cpu_ticks(pids), time.monotonic()
        tx1, own1 = tx_packets(self.lab, "r1", "lan0"), impl.tx_adverts("r1")
        # a short capture after the window (not in it: tshark costs CPU) checks what was sent
        cap = os.path.join(self.lab.workdir, "cpu-%s.pcap" % impl.name)
        v.capture(self.lab, "sw-lan", "br0", 3, cap)
        dissected, bad = v.tshark_problems(self.lab, "sw-lan", cap)
        still = [p for p in pids if p in c1]
        self.stop_all(impl)
        hz = os.sysconf("SC_CLK_TCK")
        elapsed = t1 - t0
        cpu_s = sum(c1[p] - c0.get(p, 0) for p in c1) / hz
        sent = tx1 - tx0
        rate = sent / elapsed
        rec = {"groups": CPU_GROUPS, "interval_cs": 1, "window_s": round(elapsed, 3),
               "settle_s": settle_s, "pids": pids, "pids_at_end": still, "clk_tck": hz,
               "cpu_s": cpu_s, "cpu_ticks_start": c0, "cpu_ticks_end": c1,
               "lan0_tx_packets": sent, "adverts_per_s": rate,
               "own_tx_counter": None if own0 is None else own1 - own0,
               "tshark_3s_adverts": dissected, "tshark_problems": bad,
               "core_share": cpu_s / elapsed,
               "core_pct_per_1000_adverts_s": (100.0 * cpu_s / elapsed) / (rate / 1000.0)
               if rate else None}
        self.raw["cpu"][impl.name] = rec
        bl.log("  %-10s CPU %.2f s in %.1f s (%d processes), %d adverts (%.0f/s; own counter "
               "%s; tshark %d in 3 s) -> %.2f %% of a core per 1,000 adverts/s" % (
                   impl.name, cpu_s, elapsed, len(pids), sent, rate, rec["own_tx_counter"],
                   dissected, rec["core_pct_per_1000_adverts_s"] or 0))

    # -- 3. start to first master --

    def first_master(self, impl, runs):
        self.stop_all(impl)
        impl.configure("r1", [(1, "lan0", v.VIP4, PRIO_BACKUP, 10)])
        times = []
        mon = Monitor(self.lab, "r1")
        try:
            for run in range(runs):
                mon.clear()
                t0 = time.monotonic()
                self.procs["r1"] = impl.start("r1")
                at = mon.added(" %s/32" % v.VIP4, 10)
                ms = None if at is None else round((at - t0) * 1000, 1)
                times.append(ms)
                bl.log("  %-10s start to first master #%d: %s ms" % (impl.name, run + 1, ms))
                p = self.procs.pop("r1")
                stop_proc(p)
                wait_until("VIP gone after stop", lambda: not holds(self.lab, "r1", VIPS), 10)
        finally:
            mon.close()
            self.stop_all(impl)
        self.raw["first_master"][impl.name] = {"priority": PRIO_BACKUP, "interval_cs": 10,
                                               "ms": times}


class Lines:
    """A process whose stdout lines a thread collects, each stamped (CLOCK_MONOTONIC) on
    arrival; ended by its PID (close), and by the lab's teardown at the latest."""

    def __init__(self, lab, argv):
        self.lines, self.cond = [], threading.Condition()
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, bufsize=0)
        lab.procs.append(self.p)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        f = self.p.stdout
        while True:
            line = f.readline()
            if not line:
                return
            with self.cond:
                self.lines.append((time.monotonic(), line.decode(errors="replace").strip()))
                self.cond.notify_all()

    def clear(self):
        with self.cond:
            self.lines = []

    def wait_for(self, match, timeout):
        """(arrival time, line) of the first line for which match(line) holds, or None."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for at, line in self.lines[seen:]:
                    if match(line):
                        return at, line
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def close(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout=5)
        self.t.join(timeout=5)
        with self.cond:
            return list(self.lines)


class Monitor(Lines):
    """`ip -o monitor address` in a node. Ready once it has reported a probe address added on lo
    (removed again at once)."""

    PROBE = "192.0.2.254/32"

    def __init__(self, lab, node):
        super().__init__(lab, ["ip", "netns", "exec", lab.ns(node), "ip", "-o", "monitor",
                               "address"])
        deadline = time.monotonic() + 10
        ready = False
        while not ready and time.monotonic() < deadline:  # bounded
            lab.run(node, ["ip", "addr", "add", self.PROBE, "dev", "lo"], check=False)
            ready = self.added(" " + self.PROBE, 0.5) is not None
            lab.run(node, ["ip", "addr", "del", self.PROBE, "dev", "lo"], check=False)
        if not ready:
            self.close()
            raise RuntimeError("ip monitor address did not report in %s" % node)

    def added(self, text, timeout):
        """Arrival time of the first added-address line containing text, or None."""
        hit = self.wait_for(lambda line: text in line and not line.startswith("Deleted"),
                            timeout)
        return None if hit is None else hit[0]


class Watch(Lines):
    """bench/vrrp_watch.py on a switch port: VRRP adverts and ARP frames, stamped in the
    switch's namespace with CLOCK_MONOTONIC (the benchmark's clock too)."""

    def __init__(self, lab, sw, port, duration_s):
        script = os.path.join(bl.BENCH_DIR, "vrrp_watch.py")
        super().__init__(lab, ["chrt", "-f", "10", "ip", "netns", "exec", lab.ns(sw),
                               sys.executable, script, port, "%d" % duration_s])
        if self.wait_for(lambda line: line == "ready", 10) is None:
            self.close()
            raise RuntimeError("vrrp_watch.py did not start in %s" % sw)

    @staticmethod
    def parse(line):
        f = line.split()
        if len(f) != 6:
            return None
        return {"t": float(f[0]), "way": f[1], "kind": f[2], "src": f[3], "a": int(f[4]),
                "b": int(f[5])}

    def next_advert(self, src, after, timeout):
        """Stamp of the first advert (priority > 0) from src sent to the port after `after`."""
        def match(line):
            e = self.parse(line)
            return (e is not None and e["t"] >= after and e["kind"] == "vrrp" and
                    e["way"] == "out" and e["src"] == src and e["b"] > 0)
        hit = self.wait_for(match, timeout)
        return None if hit is None else self.parse(hit[1])["t"]

    def events(self):
        return [e for e in (self.parse(line) for _, line in self.close()) if e]


# The backup r2's port on each LAN switch, and who is who there.
WATCHED = {
    "sw-lan": {"port": "p3", "vrid": 1, "r1": "192.0.2.2", "r2": "192.0.2.3", "vip": v.VIP4},
    "sw-lan2": {"port": "p3", "vrid": 3, "r1": "198.51.100.2", "r2": "198.51.100.3",
                "vip": v.VIPV},
}


def wire_figures(events, t0, fault, cs):
    """What the backup's switch port saw around a fault at t0 (ms relative to t0): r1's last
    advert that reached r2 (and its priority-0 advert), r2's first advert and first gratuitous
    ARP as master, and the takeover time the RFC bounds (graceful: after the priority-0 advert,
    floor Skew_Time; box failure: after the last advert heard, floor Master_Down)."""
    out = {}
    for sw, who in WATCHED.items():
        ev = events.get(sw, [])

        def rel(t):
            return None if t is None else round((t - t0) * 1000, 2)

        adverts = [e for e in ev if e["kind"] == "vrrp" and e["a"] == who["vrid"]]
        prio0 = next((e["t"] for e in adverts if e["way"] == "out" and e["src"] == who["r1"]
                      and e["b"] == 0 and e["t"] >= t0 - 0.001), None)
        r2_first = next((e["t"] for e in adverts if e["way"] == "in" and e["src"] == who["r2"]
                         and e["b"] > 0 and e["t"] >= t0), None)
        garp = next((e["t"] for e in ev if e["kind"] == "arp" and e["way"] == "in"
                     and e["src"] == who["vip"] and e["t"] >= t0), None)
        limit = prio0 if prio0 is not None else (r2_first if r2_first is not None else 1e18)
        r1_before = [e["t"] for e in adverts if e["way"] == "out" and e["src"] == who["r1"]
                     and e["b"] > 0 and e["t"] <= limit]
        last_r1 = r1_before[-1] if r1_before else None
        start = prio0 if fault == "graceful" else last_r1
        out[sw] = {"vrid": who["vrid"], "r1_last_advert_ms": rel(last_r1),
                   "r1_prio0_ms": rel(prio0), "r2_first_advert_ms": rel(r2_first),
                   "r2_first_garp_ms": rel(garp),
                   "takeover_ms": None if start is None or r2_first is None
                   else round((r2_first - start) * 1000, 2),
                   "garp_after_advert_ms": None if garp is None or r2_first is None
                   else round((garp - r2_first) * 1000, 2)}
    return out


# ---- the table ----

def _met(median, target):
    if median is None:
        return "-"
    return "PASS" if median <= target else "MISS +%.1f ms" % (median - target)


def table(raw, opts, versions):
    rows, summary = [], {}
    failover_rows(raw, opts, rows, summary)
    cpu_rows(raw, rows, summary)
    first_master_rows(raw, rows, summary)
    title = "VRRP benchmark: %s%s vs %s, vrrp lab, %s" % (
        versions.get("vrrpd", "vrrpd"), "".join(" %s=%s" % kv for kv in opts.vrrpd_extra.items()),
        versions.get("keepalived", "keepalived"),
        "quick mode" if opts.quick else "%d runs per case" % opts.repeats)
    return {"name": "vrrp", "title": title,
            "headers": ["case", "vrrpd", "keepalived", "ratio", "RFC floor", "target",
                        "vrrpd met"],
            "rows": rows, "notes": table_notes(opts), "summary": summary}


def failover_rows(raw, opts, rows, summary):
    """The gaps per interval and fault, then the c2s-only, lost and takeover rows."""
    st = {}
    for rec in raw["failover"]:
        key = (rec["impl"], rec["interval_cs"], rec["fault"])
        st.setdefault(key, {"gap": [], "c2s": [], "lost": [], "takeover": []})
        st[key]["gap"].append(rec.get("gap_ms"))
        c2s = (rec.get("probe") or {}).get("c2s") or {}
        st[key]["c2s"].append(c2s.get("max_gap_ms") if rec.get("gap_ms") is not None else None)
        st[key]["lost"].append(rec.get("lost"))
        st[key]["takeover"].append(rec.get("takeover_ms"))
    c2s_rows, lost_rows, takeover_rows = [], [], []
    empty = {"gap": [], "c2s": [], "lost": [], "takeover": []}
    for cs in (opts.intervals if "failover" in opts.parts else []):
        for fault in opts.faults:
            so, sp = st.get(("vrrpd", cs, fault), empty), st.get(("keepalived", cs, fault), empty)
            ours, peer = bl.stats(so["gap"]), bl.stats(sp["gap"])
            oc, pc = bl.stats(so["c2s"]), bl.stats(sp["c2s"])
            lo, lp = bl.stats(so["lost"]), bl.stats(sp["lost"])
            to, tp = bl.stats(so["takeover"]), bl.stats(sp["takeover"])
            graceful = fault == "graceful"
            if graceful:
                floor, slack = skew_ms(cs), 5.0
            else:
                floor, slack = master_down_ms(cs), 10.0
            target = floor + slack
            met = _met(ours["median"], target)
            what = "%s @ %s" % (FAULT_NAMES[fault], interval_name(cs))
            case = "gap, " + what
            r = bl.ratio(ours["median"], peer["median"])
            floor_text = "%.1f ms (%s)" % (floor, "Skew_Time" if graceful else "Master_Down")
            rows.append([case, bl.fmt_stats(ours, "ms"), bl.fmt_stats(peer, "ms"),
                         bl.fmt_ratio(r), floor_text, "<= %.1f ms" % target, met])
            if not graceful:
                c2s_rows.append(["gap c2s only (VRID 1), " + what, bl.fmt_stats(oc, "ms"),
                                 bl.fmt_stats(pc, "ms"),
                                 bl.fmt_ratio(bl.ratio(oc["median"], pc["median"])),
                                 floor_text, "<= %.1f ms" % target, _met(oc["median"], target)])
            takeover_rows.append(["takeover on the wire, " + what, bl.fmt_stats(to, "ms"),
                                  bl.fmt_stats(tp, "ms"),
                                  bl.fmt_ratio(bl.ratio(to["median"], tp["median"])),
                                  floor_text, "-", "-"])
            lost_rows.append(["lost pkts, " + what, bl.fmt_stats(lo, digits=0),
                              bl.fmt_stats(lp, digits=0),
                              bl.fmt_ratio(bl.ratio(lo["median"], lp["median"])), "-", "-",
                              "-"])
            summary[case] = {"vrrpd": ours, "keepalived": peer, "ratio": r, "floor_ms": floor,
                             "target_ms": target, "vrrpd_met": met, "c2s_vrrpd": oc,
                             "c2s_keepalived": pc, "lost_vrrpd": lo, "lost_keepalived": lp,
                             "takeover_vrrpd": to, "takeover_keepalived": tp}
    rows += c2s_rows + lost_rows + takeover_rows


def cpu_rows(raw, rows, summary):
    cpu = raw["cpu"]
    if cpu:
        ov, pv = cpu.get("vrrpd", {}), cpu.get("keepalived", {})
        o, p = ov.get("core_pct_per_1000_adverts_s"), pv.get("core_pct_per_1000_adverts_s")
        rows.append(["CPU per 1,000 adverts/s (% of a core)",
                     "%.3f %%" % o if o is not None else "FAILED",
                     "%.3f %%" % p if p is not None else "FAILED",
                     bl.fmt_ratio(bl.ratio(o, p)), "-", "-", "-"])
        rows.append(["adverts/s sent (%d groups @ 10 ms, %.0f s)" % (
            CPU_GROUPS, ov.get("window_s") or pv.get("window_s") or 0),
            bl.fmt_num(ov.get("adverts_per_s"), 0), bl.fmt_num(pv.get("adverts_per_s"), 0),
            bl.fmt_ratio(bl.ratio(ov.get("adverts_per_s"), pv.get("adverts_per_s"))),
            "%d/s" % (CPU_GROUPS * 100), "-", "-"])
        summary["cpu"] = {"vrrpd": o, "keepalived": p}


def first_master_rows(raw, rows, summary):
    fm = raw["first_master"]
    if fm:
        ours = bl.stats(fm.get("vrrpd", {}).get("ms", []))
        peer = bl.stats(fm.get("keepalived", {}).get("ms", []))
        rows.append(["start to first master (100 ms adverts, prio %d)" % PRIO_BACKUP,
                     bl.fmt_stats(ours, "ms"), bl.fmt_stats(peer, "ms"),
                     bl.fmt_ratio(bl.ratio(ours["median"], peer["median"])),
                     "%.1f ms (Master_Down)" % master_down_ms(10), "-", "-"])
        summary["first_master"] = {"vrrpd": ours, "keepalived": peer}


def table_notes(opts):
    return [
        "gap: hs-udp-probe max_gap_ms, the larger of c2s and s2c (an outage of T ms shows as "
        "T + 1); lost: both directions; median (min-max) of %d runs; ratio = vrrpd / keepalived"
        % opts.repeats,
        "floor: RFC 5798 for the priority-100 backup, Skew_Time = (256-100) x interval / 256, "
        "Master_Down = 3 x interval + Skew_Time; target = floor + 5 ms (graceful stop), "
        "+ 10 ms (box failure); 'vrrpd met' judges the median",
        "faults strike just after an advert of VRID 1 from r1 (seen on r2's port of sw-lan), so "
        "a box failure's c2s gap is close to Master_Down rather than Master_Down minus a random "
        "phase; the s2c gap also holds VRID 3's own phase (its adverts are not in step with "
        "VRID 1's), hence the c2s-only rows (faults.box_fail cuts both of r1's links at one "
        "instant: one nftables transaction in r1, bench/box_fail_skew.py)",
        "graceful stop: the stopped router still routes, so hosts that reach it by its own MAC "
        "(keepalived without use_vmac) lose nothing until r2's gratuitous ARP moves them; "
        "vrrpd keeps its virtual MAC and VIPs after its priority-0 advert until r2's first "
        "advert (doc/vrrp.md), so the frames keep a way through",
        "takeover on the wire (r2's port of each LAN switch, the larger of VRID 1 and 3): r2's "
        "first advert after r1's priority-0 advert (graceful stop) or after r1's last advert "
        "heard (box failure)",
        "vrrpd: %s; keepalived: two vrrp_instance, state BACKUP, no use_vmac (VIPs on the "
        "routers' own MACs, moved by gratuitous ARP)" % (
            "defaults (virtual MAC on a macvlan)" if not opts.vrrpd_extra else
            "defaults but " + ", ".join("%s = %s" % kv for kv in opts.vrrpd_extra.items())),
        "CPU: utime+stime of every daemon process in r1 (/proc/PID/stat) over the window, as % "
        "of one core, divided by (adverts sent per s / 1,000); adverts counted on r1's lan0",
    ]


def full_table(raw, opts, meta):
    result = table(raw, opts, meta.get("versions", {}))
    result["notes"].append(bl.run_note(meta))
    if raw["errors"]:
        result["notes"].append("errors: " + "; ".join(raw["errors"]))
    return result


def table_from(path):
    """The table of an earlier run, from its JSON (raw figures and options)."""
    with open(path) as f:
        d = json.load(f)
    m = d["meta"]
    o = argparse.Namespace(intervals=m["intervals_cs"], faults=m.get("faults", list(FAULTS)),
                           parts=set(m.get("parts", ["failover", "cpu", "first"])),
                           repeats=m["repeats"], quick=m["quick"],
                           vrrpd_extra=m.get("vrrpd_extra", {}))
    result = full_table(d["raw"], o, m)
    result["json"] = path
    return result


# ---- entry points ----

def options(argv=None):
    ap = argparse.ArgumentParser(description="VRRP benchmark: vrrpd vs keepalived")
    add_options(ap)
    return finish_options(ap.parse_args(argv))


def add_options(ap):
    ap.add_argument("--quick", action="store_true",
                    help="CI smoke: 100 ms adverts only, 1 run per case, short CPU window")
    ap.add_argument("--builddir", help="build tree (default $HS_BUILDDIR or the source tree)")
    ap.add_argument("--out-dir", help="where the JSON goes (default bench/results)")
    ap.add_argument("--repeats", type=int, help="runs per failover case (default 3, quick 1)")
    ap.add_argument("--intervals", help="advert intervals in cs, e.g. 100,10,1 (quick: 10)")
    ap.add_argument("--only", help="parts to run: failover,cpu,first (default all)")
    ap.add_argument("--verbose", action="store_true", help="the lab's own log lines too")
    ap.add_argument("--impls", help="implementations: vrrpd,keepalived (default both)")
    ap.add_argument("--faults", help="failover faults: graceful,boxfail (default both)")
    ap.add_argument("--table-from", metavar="JSON",
                    help="print the table of an earlier run from its raw figures; run nothing")
    ap.add_argument("--vrrpd-set", action="append", default=[], metavar="KEY=VALUE",
                    help="an extra setting of every vrrpd group (libconfig value, e.g. "
                    "vmac=false), to compare a change with the defaults; repeatable")


def finish_options(a):
    if a.intervals:
        a.intervals = [int(x) for x in a.intervals.split(",") if x.strip()]
    else:
        a.intervals = [10] if a.quick else [100, 10, 1]
    a.repeats = a.repeats or (1 if a.quick else 3)
    a.cpu_window_s, a.cpu_settle_s = (3.0, 1.0) if a.quick else (10.0, 6.0)
    a.first_runs = 2 if a.quick else 5
    a.parts = set((a.only or "failover,cpu,first").split(","))
    a.impls = (a.impls or "vrrpd,keepalived").split(",")
    a.faults = [f for f in FAULTS if f in (a.faults or ",".join(FAULTS)).split(",")]
    a.vrrpd_extra = dict(kv.split("=", 1) for kv in a.vrrpd_set)
    return a


def run(opts):
    if os.geteuid() != 0:
        raise SystemExit("the VRRP benchmark needs root (network namespaces)")
    paths = labmod.Paths(opts.builddir)
    for prog in (paths.daemon("vrrpd"), paths.daemon("hrpctl"), paths.probe("hs-udp-probe")):
        if not os.access(prog, os.X_OK):
            raise SystemExit("not built: %s (make, or --builddir / HS_BUILDDIR)" % prog)
    topo = topomod.load(paths.topology("vrrp"))
    lablog = (lambda m: bl.log("[hslab] " + m)) if opts.verbose else (lambda m: None)
    started = time.monotonic()
    meta = {"machine": bl.machine(), "quick": opts.quick, "repeats": opts.repeats,
            "intervals_cs": opts.intervals, "fault_at_s": FAULT_AT_S, "parts": sorted(opts.parts),
            "builddir": paths.top_build, "vrrpd_binary": bl.file_id(paths.daemon("vrrpd")),
            "impls": opts.impls, "faults": opts.faults, "vrrpd_extra": opts.vrrpd_extra}
    with labmod.Lab(topo, paths, log=lablog) as lab:
        b = Bench(lab, opts)
        versions = {i.name: i.version() for i in b.impls}
        meta["versions"] = versions
        bl.log("[vrrp] lab %s up; %s" % (lab.prefix, ", ".join(versions.values())))
        if "failover" in opts.parts:
            for cs in opts.intervals:
                for impl in b.impls:
                    try:
                        b.failover(impl, cs, opts.faults, opts.repeats)
                    except Exception as e:
                        b.raw["errors"].append("%s %s: %s" % (impl.name, cs, e))
                        bl.log("  ERROR %s at %s: %s" % (impl.name, interval_name(cs), e))
                        b.stop_all(impl)
        if "cpu" in opts.parts:
            for impl in b.impls:
                try:
                    b.cpu(impl, opts.cpu_settle_s, opts.cpu_window_s)
                except Exception as e:
                    b.raw["errors"].append("cpu %s: %s" % (impl.name, e))
                    bl.log("  ERROR cpu %s: %s" % (impl.name, e))
                    b.stop_all(impl)
        if "first" in opts.parts:
            for impl in b.impls:
                try:
                    b.first_master(impl, opts.first_runs)
                except Exception as e:
                    b.raw["errors"].append("first master %s: %s" % (impl.name, e))
                    bl.log("  ERROR first master %s: %s" % (impl.name, e))
                    b.stop_all(impl)
        raw = b.raw
    return bl.finish_run(opts, "vrrp", meta, raw, started,
                         lambda raw_, meta_: full_table(raw_, opts, meta_))


def main(argv=None):
    bl.standalone_main(options, run, table_from, argv)


if __name__ == "__main__":
    main()
