#!/usr/bin/python3
"""VRRP at scale (issue 14): N groups on one LAN, vrrpd beside keepalived (Debian's), measured in
the same run in one VRRP lab (tests/clab/vrrp.clab.yml; only r1, r2 and sw-lan take part).

Every group is VRRPv3, IPv4, on r1's and r2's lan0: VRID i, VIP scale_vip(i)/32, r1 priority 200
(master of all), r2 priority 100 (backup of all). For each N (100, 255), each advert interval
(1 s, 100 ms) and each implementation, one after the other:

1. Start-up, repeated: r1 alone, from exec until every VIP is on r1 (`ip monitor address`; floor
   Master_Down of priority 200, as a lone router waits that long); then r2, from exec until every
   group is in Backup (vrrpd: its transition history; keepalived: its notify FIFO).
2. CPU per 1,000 adverts/s: the pair in steady state; on-CPU time of every process in r1 (and in
   r2) from /proc/PID/task/*/schedstat (ns) over a window, as % of one core, divided by (adverts
   per s / 1,000), the adverts counted on lan0 (r1: sent, r2: received). Median of the windows.
3. Failover of all groups at once: box failure of r1 (faults.box_fail: its switch ports drop every
   frame, then its processes are frozen). On r2's switch port (vrrp_watch.py): the time from the
   fault until r2 has sent its first advert for every group, the takeover of each group after the
   last advert of r1 it heard (floor Master_Down of priority 100), and the gratuitous ARPs r2 sent
   for the VIPs until GARP_WINDOW_S after the last takeover. Then r1's frozen processes are
   killed where they stand and r1 is cleaned (end_failure); the next run starts the pair again.
   r1 is not thawed to take its groups back: keepalived's 100 groups, thawed (or started afresh
   beside r2's masters), took them back in a storm of adverts, ~10k/s each way, and the kernel
   then spent minutes in softirq (soft lockups; it stalled CI's machine twice).

Figures are printed beside each other with the ratio vrrpd / keepalived, never asserted: a group
that never took over is a figure ("k of N"). The machine is shared (2 cores, other labs): the CPU
figures use on-CPU time, not wall-clock; the JSON keeps the load averages.

    bench/vrrp_scale.py [--quick] [--builddir DIR] [--out-dir DIR] [--groups 100,255]
        [--intervals 100,10] [--repeats N] [--only start,cpu,failover] [--impls vrrpd,keepalived]
        [--vmac on|off] [--prefix hsXXXX] [--verbose]
    bench/vrrp_scale.py --table-from bench/results/vrrp-scale-DATE.json
"""

import argparse
import json
import os
import re
import signal
import statistics
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

from hslab_lib import faults, lab as labmod, netns  # noqa: E402
from hslab_lib import topo as topomod  # noqa: E402
import vrrp_failover as vf  # noqa: E402
import vrrp_lab as v  # noqa: E402

PRIO_MASTER, PRIO_BACKUP = 200, 100
GARP_WINDOW_S = 6.0  # keepalived repeats its GARPs 5 s after taking over (garp_master_delay)
WATCH_LEAD_S = 1.5  # the watch runs this long before the fault: r1's last adverts per group
RECOVER_SETTLE_S = 3.0  # after r1 holds every VIP again: the backup's leftover work ends
R1_WIRE, R2_WIRE = "192.0.2.2", "192.0.2.3"


def scale_vip(vrid):
    """VRID 1-254 -> 203.0.113.VRID, 255 -> 192.0.2.250 (documentation ranges only)."""
    return "203.0.113.%d" % vrid if vrid < 255 else "192.0.2.250"


def scale_groups(n, prio, cs):
    """The lab's N groups as vrrp_failover's implementations take them."""
    return [(vrid, "lan0", scale_vip(vrid), prio, cs) for vrid in range(1, n + 1)]


def master_down_ms(cs, prio):
    return vf.master_down_ms(cs, prio)


# ---- the two implementations (vrrp_failover's, with keepalived's per-group state) ----

class Vrrpd(vf.Vrrpd):
    def entered(self, node, state, t0):
        """{vrid: seconds from t0 until the group last entered state} (its own history)."""
        q0 = time.monotonic()
        status = v.vrrp_status(self.lab, node)
        q = (q0 + time.monotonic()) / 2
        out = {}
        for g in status.get("groups", []):
            if g.get("state") != state:
                continue
            hist = [h["ago_ms"] for h in g.get("history", []) if h.get("new") == state]
            if hist:
                out[g["vrid"]] = q - min(hist) / 1000.0 - t0
        return out

    def watch_states(self, node):
        return None


class Keepalived(vf.Keepalived):
    """keepalived with one vrrp_instance per group and a notify FIFO (its only report of a
    Backup state: a backup holds no VIP), read by `cat` and stamped on arrival."""

    vmac = True

    def fifo(self, node):
        return os.path.join(self.lab.node_dir(node), "notify.fifo")

    def configure(self, node, groups):
        lines = ["global_defs {", "  router_id %s" % node, "  vrrp_version 3",
                 "  vrrp_notify_fifo %s" % self.fifo(node), "}"]
        for vrid, iface, vip, prio, cs in groups:
            lines += ["vrrp_instance vr%d {" % vrid, "  interface %s" % iface, "  state BACKUP",
                      "  virtual_router_id %d" % vrid, "  priority %d" % prio,
                      "  advert_int %g" % (cs / 100.0)]
            if self.vmac:
                lines.append("  use_vmac")
            lines += ["  virtual_ipaddress {", "    %s/32" % vip, "  }", "}"]
        path = os.path.join(self.lab.node_dir(node), "keepalived.conf")
        os.makedirs(self.lab.node_dir(node), exist_ok=True)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        if not os.path.exists(self.fifo(node)):
            os.mkfifo(self.fifo(node))

    def watch_states(self, node):
        return vf.Lines(self.lab, ["cat", self.fifo(node)])

    @staticmethod
    def entered_from(lines, state, t0):
        out = {}
        for at, line in lines:
            m = re.match(r'INSTANCE "vr(\d+)" (\w+)', line)
            if m and m.group(2) == state.upper():
                out[int(m.group(1))] = at - t0
        return out

    def cleanup(self, node):
        # keepalived removes its vrrp.N links on SIGTERM; after a SIGKILL they would stay
        out = self.lab.run(node, ["ip", "-o", "link", "show"], check=False).stdout
        for name in re.findall(r"^\d+: (vrrp\.\d+)@", out, re.M):
            self.lab.run(node, ["ip", "link", "del", name], check=False)


# ---- measurements ----

def vips_held(lab, node, vips):
    """How many of vips the node holds; -1 when `ip addr` did not answer in 10 s (seen with
    keepalived adding and removing VIPs all the time: the dump is interrupted and retried)."""
    try:
        out = lab.run(node, ["ip", "-o", "addr", "show"], timeout=10, check=False).stdout
    except RuntimeError:
        return -1
    return sum(1 for a in vips if (" %s/" % a) in out)


def cpu_ns(pids):
    """On-CPU ns of every thread of pids (schedstat), summed; processes gone count 0."""
    total = 0
    for pid in pids:
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return total


def link_packets(lab, node, ifname, way):
    out = lab.run(node, ["ip", "-j", "-s", "link", "show", "dev", ifname]).stdout
    return json.loads(out)[0]["stats64"][way]["packets"]


def vip_added_times(mon, vips, t0, timeout):
    """{vip: seconds from t0 until `ip monitor address` reported it added}, until all are or
    timeout passes (those missing are left out)."""
    want = {"%s/32" % a: a for a in vips}
    seen, idx = {}, 0
    deadline = time.monotonic() + timeout
    with mon.cond:
        while len(seen) < len(want):
            for at, line in mon.lines[idx:]:
                if line.startswith("Deleted"):
                    continue
                m = re.search(r" inet (\S+)", line)
                if m and m.group(1) in want and want[m.group(1)] not in seen:
                    seen[want[m.group(1)]] = at - t0
            idx = len(mon.lines)
            left = deadline - time.monotonic()
            if left <= 0 or len(seen) == len(want):
                break
            mon.cond.wait(left)
    return seen


def failover_figures(events, t0, n, vips):
    """From r2's switch port around a fault at t0: per group r1's last advert heard, r2's first
    advert (priority > 0) after t0, and r2's gratuitous ARPs for the VIPs."""
    last_r1, first_r2 = {}, {}
    for e in events:
        if e["kind"] != "vrrp" or e["b"] == 0:
            continue
        if e["way"] == "out" and e["src"] == R1_WIRE and e["t"] <= t0 + 0.5:
            last_r1[e["a"]] = e["t"]  # in order: the last one wins
        elif e["way"] == "in" and e["src"] == R2_WIRE and e["t"] >= t0:
            first_r2.setdefault(e["a"], e["t"])
    vipset = set(vips)
    garps = [e["t"] for e in events if e["kind"] == "arp" and e["way"] == "in"
             and e["src"] in vipset and e["t"] >= t0]
    took = [vrid for vrid in range(1, n + 1) if vrid in first_r2]
    last = max((first_r2[x] for x in took), default=None)
    per_group = [first_r2[x] - last_r1[x] for x in took if x in last_r1]
    rec = {"groups_taken_over": len(took),
           "all_master_ms": None if len(took) < n else round((last - t0) * 1000, 1),
           "first_master_ms": None if not took else round(
               (min(first_r2[x] for x in took) - t0) * 1000, 1),
           "takeover_max_ms": None if not per_group else round(max(per_group) * 1000, 1),
           "takeover_median_ms": None if not per_group else round(
               statistics.median(per_group) * 1000, 1),
           "groups_with_r1_advert": len(last_r1)}
    end = (last or t0) + GARP_WINDOW_S
    rec["garps"] = sum(1 for t in garps if t <= end)
    rec["garps_first_1s"] = sum(1 for t in garps if last is not None and t <= last + 1.0)
    rec["garp_window_s"] = round(end - t0, 2)
    return rec


# ---- the benchmark ----

class Bench:
    def __init__(self, lab, opts):
        self.lab, self.opts = lab, opts
        self.impls = []
        for cls in (Vrrpd, Keepalived):
            if cls.name in opts.impls:
                impl = cls(lab)
                if cls is Vrrpd and not opts.vmac:
                    impl.extra = {"vmac": "false"}
                if cls is Keepalived:
                    impl.vmac = opts.vmac
                self.impls.append(impl)
        self.procs = {}
        self.raw = {"cases": [], "errors": []}

    def stop_all(self, impl, vips):
        for node in ("r1", "r2"):
            # a frozen daemon cannot stop
            netns.signal_pids(netns.ns_pids(self.lab.ns(node)), signal.SIGCONT)
            p = self.procs.pop(node, None)
            if p is not None:
                vf.stop_proc(p, timeout=30)
            left = netns.ns_pids(self.lab.ns(node))
            if left:
                netns.kill_pids(left)
            impl.cleanup(node)
            vf.remove_vips(self.lab, node, vips)
        for node in ("r1", "r2"):  # both boxes' switch ports open again
            for _, sw, _ in self.lab.topo.switch_ports(node):
                faults._remove(self.lab, sw, "fail " + node)

    def case(self, impl, n, cs):
        rec = {"impl": impl.name, "groups": n, "interval_cs": cs, "start": [], "cpu": [],
               "failover": []}
        self.raw["cases"].append(rec)
        vips = [scale_vip(i) for i in range(1, n + 1)]
        bl.log("[vrrp-scale] %s, %d groups @ %s" % (impl.name, n, vf.interval_name(cs)))
        try:
            impl.configure("r1", scale_groups(n, PRIO_MASTER, cs))
            impl.configure("r2", scale_groups(n, PRIO_BACKUP, cs))
            for run in range(self.opts.start_runs):
                self.stop_all(impl, vips)
                rec["start"].append(self.start_pair(impl, n, cs, vips, run))
            if "cpu" in self.opts.parts:
                time.sleep(self.opts.cpu_settle_s)
                for w in range(self.opts.cpu_windows):
                    rec["cpu"].append(self.cpu_window(impl, n, cs))
            if "failover" in self.opts.parts:
                for run in range(self.opts.repeats):
                    if run:  # the last failure ended with r1 killed: a fresh pair
                        self.stop_all(impl, vips)
                        self.start_pair(impl, n, cs, vips, run)
                        time.sleep(RECOVER_SETTLE_S)
                    rec["failover"].append(self.failover(impl, n, cs, vips, run))
        except Exception as e:  # recorded, printed as FAILED; the run goes on
            rec["error"] = str(e)
            self.raw["errors"].append("%s %d @ %s: %s" % (impl.name, n, vf.interval_name(cs), e))
            bl.log("  ERROR: %s" % e)
        finally:
            self.stop_all(impl, vips)

    def start_pair(self, impl, n, cs, vips, run):
        """r1 alone until all N are master, then r2 until all N are backup."""
        out = {"run": run + 1}
        mon = vf.Monitor(self.lab, "r1")
        try:
            t0 = time.monotonic()
            self.procs["r1"] = impl.start("r1")
            timeout = 2 * master_down_ms(cs, PRIO_MASTER) / 1000 + 30
            seen = vip_added_times(mon, vips, t0, timeout)
        finally:
            mon.close()
        out["r1_masters"] = len(seen)
        out["r1_all_master_ms"] = None if len(seen) < n else round(max(seen.values()) * 1000, 1)
        out["r1_first_master_ms"] = None if not seen else round(min(seen.values()) * 1000, 1)
        fifo = impl.watch_states("r2")
        try:
            t0 = time.monotonic()
            self.procs["r2"] = impl.start("r2")
            deadline = time.monotonic() + 30
            backups = {}
            while time.monotonic() < deadline:  # bounded
                if fifo is None:
                    backups = impl.entered("r2", "backup", t0)
                else:
                    with fifo.cond:
                        backups = impl.entered_from(list(fifo.lines), "backup", t0)
                if len(backups) >= n:
                    break
                time.sleep(0.2)
        finally:
            if fifo is not None:
                fifo.close()
        out["r2_backups"] = len(backups)
        out["r2_all_backup_ms"] = None if len(backups) < n else round(
            max(backups.values()) * 1000, 1)
        held = vips_held(self.lab, "r2", vips)
        out["r2_vips_held"] = held
        vf.wait_until("%s: r1 holds all %d VIPs, r2 none" % (impl.name, n),
                      lambda: vips_held(self.lab, "r1", vips) == n
                      and vips_held(self.lab, "r2", vips) == 0, 30)
        bl.log("  start #%d: r1 all %d master in %s ms (first %s ms), r2 all backup in %s ms "
               "(%d groups)" % (run + 1, n, out["r1_all_master_ms"], out["r1_first_master_ms"],
                                out["r2_all_backup_ms"], out["r2_backups"]))
        return out

    def cpu_window(self, impl, n, cs):
        lab, w = self.lab, self.opts.cpu_window_s
        pids = {node: netns.ns_pids(lab.ns(node)) for node in ("r1", "r2")}
        tx0, rx0 = link_packets(lab, "r1", "lan0", "tx"), link_packets(lab, "r2", "lan0", "rx")
        r2tx0 = link_packets(lab, "r2", "lan0", "tx")
        c0 = {node: cpu_ns(p) for node, p in pids.items()}
        t0 = time.monotonic()
        time.sleep(w)
        c1 = {node: cpu_ns(p) for node, p in pids.items()}
        t1 = time.monotonic()
        tx1, rx1 = link_packets(lab, "r1", "lan0", "tx"), link_packets(lab, "r2", "lan0", "rx")
        r2tx1 = link_packets(lab, "r2", "lan0", "tx")
        elapsed = t1 - t0
        # a backup in steady state sends nothing: its packets are false takeovers (or noise)
        out = {"window_s": round(elapsed, 3), "pids": pids, "r1_tx": tx1 - tx0,
               "r2_rx": rx1 - rx0, "r2_tx": r2tx1 - r2tx0, "loadavg": bl.loadavg()}
        for node, pkts in (("r1", tx1 - tx0), ("r2", rx1 - rx0)):
            cpu_s = (c1[node] - c0[node]) / 1e9
            rate = pkts / elapsed
            out[node + "_cpu_s"] = round(cpu_s, 6)
            out[node + "_adverts_per_s"] = round(rate, 1)
            out[node + "_pct_per_1000"] = None if not rate else round(
                (100.0 * cpu_s / elapsed) / (rate / 1000.0), 4)
        bl.log("  cpu %.1f s: r1 %.3f s for %.0f adverts/s sent -> %s %% of a core per 1,000/s;"
               " r2 %.3f s for %.0f/s received -> %s %%" % (
                   elapsed, out["r1_cpu_s"], out["r1_adverts_per_s"], out["r1_pct_per_1000"],
                   out["r2_cpu_s"], out["r2_adverts_per_s"], out["r2_pct_per_1000"]) +
               "; r2 sent %d packets" % out["r2_tx"])
        return out

    def end_failure(self, impl, node, vips):
        """The failed box's processes are killed while frozen (SIGKILL needs no SIGCONT), its
        links and VIPs removed, then its links opened: it comes back empty (module docstring)."""
        lab = self.lab
        self.procs.pop(node, None)
        pids = netns.ns_pids(lab.ns(node))
        netns.signal_pids(pids, signal.SIGKILL)
        netns.kill_pids(pids)  # reaps them, bounded
        impl.cleanup(node)
        vf.remove_vips(lab, node, vips)
        faults.box_recover(lab, node)  # nothing left to thaw

    def failover(self, impl, n, cs, vips, run):
        lab = self.lab
        md = master_down_ms(cs, PRIO_BACKUP) / 1000
        duration = WATCH_LEAD_S + md + 2 + GARP_WINDOW_S + 5
        watch = vf.Watch(lab, "sw-lan", "p3", duration)
        out = {"run": run + 1}
        try:
            time.sleep(WATCH_LEAD_S)
            t0 = time.monotonic()
            faults.box_fail(lab, "r1")
            out["fault_call_ms"] = round((time.monotonic() - t0) * 1000, 1)
            # no polling meanwhile (`ip addr` of hundreds of links loads the 2-core machine):
            # 2 x Master_Down + 2 s for every group to take over, then the GARP window
            time.sleep(2 * md + 2 + GARP_WINDOW_S)
        finally:
            events = watch.events()
        out.update(failover_figures(events, t0, n, vips))
        out["r2_vips_held"] = vips_held(lab, "r2", vips)
        self.end_failure(impl, "r1", vips)
        bl.log("  failover #%d: %d/%d groups master on r2, last at %s ms after the fault (first "
               "%s ms); takeover after r1's last advert max %s ms, median %s ms; %d GARPs in %.1f"
               " s (%d in the first 1 s after the last)" % (
                   run + 1, out["groups_taken_over"], n, out["all_master_ms"],
                   out["first_master_ms"], out["takeover_max_ms"], out["takeover_median_ms"],
                   out["garps"], out["garp_window_s"], out["garps_first_1s"]))
        return out


# ---- the table ----

def _median(recs, key):
    return bl.stats([r.get(key) for r in recs])


def table(raw, meta):
    rows, summary = [], {}
    cases = {(c["impl"], c["groups"], c["interval_cs"]): c for c in raw["cases"]}
    shapes = sorted({(c["groups"], c["interval_cs"]) for c in raw["cases"]},
                    key=lambda s: (s[0], -s[1]))
    empty = {"start": [], "cpu": [], "failover": []}
    for n, cs in shapes:
        o = cases.get(("vrrpd", n, cs), empty)
        p = cases.get(("keepalived", n, cs), empty)
        what = "%d groups @ %s" % (n, vf.interval_name(cs))
        rows.append(["[%s]" % what, "", "", "", ""])

        def row(label, part, key, unit, floor="-", digits=1):
            so, sp = _median(o[part], key), _median(p[part], key)
            r = bl.ratio(so["median"], sp["median"])
            rows.append([label, bl.fmt_stats(so, unit, digits), bl.fmt_stats(sp, unit, digits),
                         bl.fmt_ratio(r), floor])
            summary["%s, %s" % (label, what)] = {"vrrpd": so, "keepalived": sp, "ratio": r}

        if o["cpu"] or p["cpu"]:
            row("CPU per 1,000 adverts/s, master (% core)", "cpu", "r1_pct_per_1000", "%",
                digits=3)
            row("CPU per 1,000 adverts/s, backup (% core)", "cpu", "r2_pct_per_1000", "%",
                digits=3)
            row("adverts/s sent by the master", "cpu", "r1_adverts_per_s", "", "%d/s" % (
                n * 100 // cs), digits=0)
            row("packets the backup sent in the CPU window", "cpu", "r2_tx", "", "0",
                digits=0)
        if o["failover"] or p["failover"]:
            row("box failure: last group master (from the fault)", "failover", "all_master_ms",
                "ms", "%.1f ms (MD)" % master_down_ms(cs, PRIO_BACKUP))
            row("box failure: takeover per group, max", "failover", "takeover_max_ms", "ms",
                "%.1f ms (MD)" % master_down_ms(cs, PRIO_BACKUP))
            row("box failure: groups taken over", "failover", "groups_taken_over", "",
                "%d" % n, digits=0)
            row("box failure: GARPs sent (%g s after the last)" % GARP_WINDOW_S, "failover",
                "garps", "", "-", digits=0)
            row("box failure: GARPs in the first 1 s", "failover", "garps_first_1s", "", "-",
                digits=0)
        if o["start"] or p["start"]:
            row("start-up: exec until all master (r1 alone)", "start", "r1_all_master_ms", "ms",
                "%.1f ms (MD)" % master_down_ms(cs, PRIO_MASTER))
            row("start-up: exec until all backup (r2)", "start", "r2_all_backup_ms", "ms")
    o = meta.get("opts", {})
    notes = [
        "the machine was shared (2 cores, other sessions' labs running): figures are noisy; "
        "CPU is on-CPU time (schedstat, ns), not wall-clock; median (min-max) of the runs; "
        "ratio = vrrpd / keepalived (below 1: vrrpd better, for every row but groups taken over"
        " and adverts sent)",
        "a backup sends nothing in steady state: packets it sent in the CPU window (r2's lan0 "
        "TX) are groups it took over falsely (adverts lost or late) and their GARPs",
        "CPU: every process in r1 (master, adverts counted as lan0 TX) and in r2 (backup, lan0 "
        "RX), %s windows of %g s after %g s of steady state" % (
            o.get("cpu_windows"), o.get("cpu_window_s", 0), o.get("cpu_settle_s", 0)),
        "box failure: r1's switch ports drop every frame, then its processes are frozen; "
        "'last group master' counts from the fault to r2's first advert of the last group "
        "(between MD - interval and MD plus the work, since each group's phase differs); "
        "'takeover per group' from r1's last advert that group's port saw (floor MD of "
        "priority 100); GARPs: r2's ARP frames for the VIPs on its switch port; %d runs" % (
            o.get("repeats", 0)),
        "start-up: from the exec of the daemon; master = every VIP reported by `ip monitor "
        "address` (floor MD of priority 200: a lone router waits for it), backup = vrrpd's "
        "transition history / keepalived's notify FIFO; %d runs" % o.get("start_runs", 0),
        "VRRPv3 IPv4 on lan0, VRID i with VIP 203.0.113.i/32 (255: 192.0.2.250), r1 priority "
        "200, r2 100; %s" % ("virtual MACs on both (vrrpd's default vmac, keepalived's use_vmac)"
                             if o.get("vmac", True) else
                             "no virtual MAC on either (vrrpd vmac = false, no use_vmac)"),
        "vrrpd binary sha256 %s" % (meta.get("vrrpd_binary", {}).get("sha256", "?")[:12]),
    ]
    title = "VRRP at scale: %s vs %s, vrrp lab, %s" % (
        meta.get("versions", {}).get("vrrpd", "vrrpd"),
        meta.get("versions", {}).get("keepalived", "keepalived"),
        "quick mode" if meta.get("quick") else "full")
    return {"name": "vrrp-scale", "title": title,
            "headers": ["case", "vrrpd", "keepalived", "ratio", "floor"],
            "rows": rows, "notes": notes, "summary": summary}


def full_table(raw, meta):
    result = table(raw, meta)
    result["notes"].append(bl.run_note(meta))
    if raw["errors"]:
        result["notes"].append("errors: " + "; ".join(raw["errors"]))
    return result


def table_from(path):
    return bl.table_from_json(path, full_table)


# ---- entry points ----

def options(argv=None):
    ap = argparse.ArgumentParser(description="VRRP at scale: vrrpd vs keepalived")
    ap.add_argument("--quick", action="store_true",
                    help="CI smoke: 100 groups at 100 ms, 1 run of each part")
    ap.add_argument("--builddir", help="build tree (default $HS_BUILDDIR or the source tree)")
    ap.add_argument("--out-dir", help="where the JSON goes (default bench/results)")
    ap.add_argument("--groups", help="group counts, e.g. 100,255 (quick: 100)")
    ap.add_argument("--intervals", help="advert intervals in cs, e.g. 100,10 (quick: 10)")
    ap.add_argument("--repeats", type=int, help="failover runs per case (default 3, quick 1)")
    ap.add_argument("--only", help="parts: start,cpu,failover (start always runs: it starts "
                    "the pair)")
    ap.add_argument("--impls", help="implementations: vrrpd,keepalived (default both)")
    ap.add_argument("--vmac", choices=("on", "off"), default="on",
                    help="virtual MACs on both implementations (default on)")
    ap.add_argument("--prefix", default=os.environ.get("HS_BENCH_PREFIX"),
                    help="the lab's prefix (hs + 4 hex digits; default $HS_BENCH_PREFIX, or "
                    "random)")
    ap.add_argument("--verbose", action="store_true", help="the lab's own log lines too")
    ap.add_argument("--table-from", metavar="JSON",
                    help="print the table of an earlier run from its raw figures; run nothing")
    a = ap.parse_args(argv)
    a.groups = [int(x) for x in (a.groups or ("100" if a.quick else "100,255")).split(",")]
    a.intervals = [int(x) for x in (a.intervals or ("10" if a.quick else "100,10")).split(",")]
    if any(not 1 <= n <= 255 for n in a.groups):
        ap.error("--groups: 1-255 groups")
    a.repeats = a.repeats or (1 if a.quick else 3)
    a.start_runs = 1 if a.quick else 3
    # settle: past the GARP repeat both send 5 s after becoming master
    a.cpu_windows, a.cpu_window_s, a.cpu_settle_s = (1, 3.0, 6.0) if a.quick else (3, 5.0, 6.0)
    a.parts = set((a.only or "start,cpu,failover").split(",")) | {"start"}
    a.impls = (a.impls or "vrrpd,keepalived").split(",")
    a.vmac = a.vmac == "on"
    return a


def run(opts):
    if os.geteuid() != 0:
        raise SystemExit("the VRRP scale benchmark needs root (network namespaces)")
    paths = labmod.Paths(opts.builddir)
    for prog in (paths.daemon("vrrpd"), paths.daemon("hrpctl")):
        if not os.access(prog, os.X_OK):
            raise SystemExit("not built: %s (make, or --builddir / HS_BUILDDIR)" % prog)
    topo = topomod.load(paths.topology("vrrp"))
    lablog = (lambda m: bl.log("[hslab] " + m)) if opts.verbose else (lambda m: None)
    started = time.monotonic()
    meta = {"machine": bl.machine(), "quick": opts.quick, "builddir": paths.top_build,
            "vrrpd_binary": bl.file_id(paths.daemon("vrrpd")),
            "opts": {k: getattr(opts, k) for k in (
                "groups", "intervals", "repeats", "start_runs", "cpu_windows", "cpu_window_s",
                "cpu_settle_s", "impls", "vmac")}}
    meta["opts"]["parts"] = sorted(opts.parts)
    with labmod.Lab(topo, paths, prefix=opts.prefix, log=lablog) as lab:
        b = Bench(lab, opts)
        meta["versions"] = {i.name: i.version() for i in b.impls}
        bl.log("[vrrp-scale] lab %s up; %s" % (lab.prefix, ", ".join(meta["versions"].values())))
        for n in opts.groups:
            for cs in opts.intervals:
                for impl in b.impls:
                    b.case(impl, n, cs)
        raw = b.raw
    return bl.finish_run(opts, "vrrp-scale", meta, raw, started, full_table)


def main(argv=None):
    bl.standalone_main(options, run, table_from, argv)


if __name__ == "__main__":
    main()
