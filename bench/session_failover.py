#!/usr/bin/python3
"""The failover part of the session-sync benchmark (bench/session_sync.py --only failover): the
TCP stall at a box failure of the active, hrpd's suite beside keepalived + conntrackd, measured in
the same run. session_sync.py runs it and prints its rows; this module holds the runs (failover_one,
failover_run) and their rows and notes, session_failover_impls.py the two HA pairs and
session_failover_lab.py the lab's helpers (the router's view, the watch, the box failure).

One lab of the reference topology (tests/clab/ref.clab.yml) per implementation (a box failure
changes the lab: frozen processes, OSPF state), in the same run. Each side runs a whole HA pair on
fw1 and fw2:
  hrpd: the suite, vrrpd + vgmpd + hrpd on both boxes with the ref lab's config (as
        tests/lab/scenarios/s40_session_sync.py runs it), hrpd.hello_interval 10 ms and the VRRP
        group's advert_interval 1 cs; vgmpd raises the standby's OSPF cost on lan0.
  conntrackd: keepalived (Debian's, VRRPv3, advert_int 0.01: 10 ms, its minimum) with the VIP
        192.0.2.1 on a virtual-MAC macvlan of lan0 (use_vmac, as vrrpd's vmac; fw1 priority
        200, fw2 100) and conntrackd FTFW with the benchmark's
        config (DisableExternalCache on), driven by conntrackd's primary-backup.sh as notify
        script; the script also sets the LAN interface's OSPF cost the way vgmpd does (see
        KA_NOTIFY in session_failover_impls.py for why).
Then 200 TCP flows (hs-tcp-flows) and a UDP probe through fw1, the standby holding the 200
entries, and a box failure of fw1: all four of its links drop every frame at one instant and its
processes freeze. Figures: the longest stall of any flow and the p99 of the flows' longest
stalls, the flows lost, the UDP gap each way, when fw2 held the VIP and when the router sent the
return traffic to fw2. Printed, never asserted."""

import time
import traceback

import benchlib as bl

bl.lab_imports()

from hslab_lib import faults, lab as labmod, probes  # noqa: E402
from session_failover_impls import FoHrpd, FoKeepalived  # noqa: E402
from session_failover_lab import (  # noqa: E402
    BOXES, CLIENT, DST, FO_ADVERT_CS, FO_DEAD_COUNT, FO_HELLO_MS, FO_TCP_PORT, FO_UDP_PORT,
    LSA_QUIET_S, SERVER, SERVER_ADDR, SRC, AtOnceFail, Monitor, lan_route, lsa_ages, lsas_quiet,
    pin_ecmp, routed_via, standby_holds)

# The failover target, compared with hrpd's figures only.
T_STALL_MS = 50.0         # the longest TCP stall < 50 ms at 10 ms hellos ...
T_FLOWS_LOST = 0          # ... and 0 flows lost
# The stall is judged on a few flows that write every 1-2 ms as well: the 200 flows write every
# 10-20 ms, so their longest echo gap holds up to a period of idle sender on each side of the
# outage (a 30 ms outage shows as up to ~70 ms), which is the application's pace, not the pair's.
FAST_FLOWS, FAST_EVERY_MS, FAST_PORT = 10, (1, 2), 9101


def met(ok):
    """PASS / MISS for a target, '-' when hrpd has no figure to compare."""
    return "-" if ok is None else ("PASS" if ok else "MISS")


def ms(x):
    return None if x is None else "%s ms" % bl.fmt_num(x, 0 if x >= 100 else 1)


FO_LABEL = {"hrpd": "vrrpd + vgmpd + hrpd", "conntrackd": "keepalived + conntrackd"}


def fast_takeover_ms():
    """vgmpd's fast take-over: fw2's Master_Down (a bound backup's) or three missed hellos,
    whichever is later."""
    return max(bound_master_down_ms(FO_ADVERT_CS), 3 * FO_HELLO_MS)


def hrpd_dead_ms(hello_ms, dead_count=FO_DEAD_COUNT):
    """doc/hrpd.md: the peer is dead D + 7b after its last message, D = dead_count x hello,
    b = max(hello / 8, 5 ms)."""
    return dead_count * hello_ms + 7 * max(hello_ms // 8, 5)


def master_down_ms(advert_cs, prio=100):
    """RFC 5798's Master_Down of a priority-100 backup (keepalived's)."""
    return bl.master_down_ms(advert_cs, prio)


def bound_master_down_ms(advert_cs):
    """vrrpd's Master_Down of a group bound to vgmpd: its backup runs at VRRP_PRIO_BOUND_BACKUP
    (lib/vrrp_fsm.h), the skew in whole centiseconds."""
    return bl.master_down_ms(advert_cs, bl.c_define("lib/vrrp_fsm.h", "VRRP_PRIO_BOUND_BACKUP"),
                             whole_cs=True)


def failover_one(paths, topo, opts, name, lablog, conntrackd_cls):
    """One implementation's failovers (opts.failover_repeats) in a lab of its own. Returns its
    record, one entry per run in "runs". conntrackd_cls: session_impls.Conntrackd (its config,
    start and stop)."""
    rec = {"impl": name, "label": FO_LABEL[name], "flows": opts.failover_flows, "runs": []}
    with labmod.Lab(topo, paths, log=lablog) as lab:
        rec["prefix"] = lab.prefix
        fo = FoHrpd(lab, opts) if name == "hrpd" else FoKeepalived(lab, opts, conntrackd_cls)
        try:
            fo.check()
            fo.setup()
            rec["ecmp"] = pin_ecmp(lab, opts.failover_ecmp)
            rec["pids"] = fo.start()
            rec["settings"] = fo.settings()
            for i in range(opts.failover_repeats):
                run = {"run": i + 1}
                rec["runs"].append(run)
                failover_run(lab, fo, opts, name, i, run)
        except Exception as e:
            rec["error"] = str(e)
            rec["traceback"] = traceback.format_exc()
            lab.keep_workdir = True
            bl.log("  ERROR %s failover: %s (logs kept in %s)" % (name, e, lab.workdir))
        finally:
            try:
                fo.stop()
            except Exception as e:
                rec.setdefault("error", "stop: %s" % e)
    return rec


def failover_run(lab, fo, opts, name, i, rec):
    """Settled on fw1, flows through it, fw1 fails, the flows go on through fw2; then fw1 is
    recovered (thawed, its ports let through) for the next run. Fills rec."""
    t0 = time.monotonic()
    settle = 40 if i == 0 else 90  # a recovered fw1 takes the table back, then preempts
    wait_for("%s: fw1 active, fw2 standby" % name, fo.ready, settle)
    wait_for("%s: rtr routes the LAN through fw1 only" % name, lambda: routed_via(lab, "fw1"),
             40)
    wait_for("%s: both boxes' router-LSAs >= %d s old in rtr" % (name, LSA_QUIET_S),
             lambda: lsas_quiet(lab), 40, interval=0.5)
    rec["settle_s"] = round(time.monotonic() - t0, 1)
    bl.log("  [%s failover %d/%d] %s settled on fw1 in %.1f s; %d TCP flows + UDP probe" % (
        name, i + 1, opts.failover_repeats, FO_LABEL[name], rec["settle_s"],
        opts.failover_flows))
    fail = AtOnceFail(lab, SRC)
    dur = opts.failover_duration
    port = FO_TCP_PORT + i  # a run's entries apart from the last run's
    tcp = probes.tcp_flows(lab, CLIENT, SERVER, SERVER_ADDR, flows=opts.failover_flows,
                           duration=dur, port=port, alive_ms=1500)
    fast_port = FAST_PORT + i
    fast = probes.tcp_flows(lab, CLIENT, SERVER, SERVER_ADDR, flows=FAST_FLOWS, duration=dur,
                            port=fast_port, alive_ms=1500, every_ms=FAST_EVERY_MS)
    udp = probes.udp_probe(lab, CLIENT, SERVER, SERVER_ADDR, duration=dur, port=FO_UDP_PORT + i)
    frozen = False
    try:
        ts = time.monotonic()
        wait_for("%s: fw2 holds the %d flows' entries (ESTABLISHED)" % (
            name, opts.failover_flows),
            lambda: standby_holds(lab, DST, port) >= opts.failover_flows and
            standby_holds(lab, DST, fast_port) >= FAST_FLOWS, 20)
        rec["standby_held_s"] = round(time.monotonic() - ts, 2)
        cpu_before = bl.cpu_times()
        time.sleep(1.0)
        check_settled(lab, fo, rec)
        mon = Monitor(lab)
        try:
            real_off = time.time() - time.monotonic()
            cpu_fault = bl.cpu_times()
            f = fail.fire()
            frozen = True
            t_fault = f["t0"]
            rec["fault_at_s"] = round(t_fault - ts, 2)
            rec["fault"] = {k: v for k, v in f.items() if k != "t0"}
            try:
                wait_for("%s: fw2 takes over" % name, lambda: fo.role(DST) == "active", 20)
                rec["takeover_seen_ms"] = round((time.monotonic() - t_fault) * 1000)
            except RuntimeError as e:
                rec["takeover_error"] = str(e)
            time.sleep(max(0.0, t_fault + 1.0 - time.monotonic()))
            # The flows' own load: each packet crosses the lab's namespaces in the sender's
            # system call or softirq, on the same 2 vCPUs as the daemons (bench/README.md).
            rec["cpu_busy"] = {"before": bl.busy_share(cpu_before, cpu_fault),
                               "after": bl.busy_share(cpu_fault, bl.cpu_times())}
            via, chosen = lan_route(lab)  # for the JSON (fw1's route may be gone by then)
            rec["rtr_at_1s"] = {"via": sorted(via), "chosen": chosen}
            t = tcp.wait()
            tf = fast.wait()
            u = udp.wait()
        finally:
            mon.stop()
        rec["watch"] = mon.summary(t_fault + real_off)
    finally:
        for p in (tcp, fast, udp):  # ended already unless something failed
            try:
                p.wait(slack=5)
            except Exception:
                pass
        if frozen:
            faults.box_recover(lab, SRC)  # thawed, its ports let through
    record_flows(rec, opts, name, i, f, t, tf, u)
    rec["after"] = fo.after()
    log_run(rec, opts, name, i, f, t, tf, u)


def check_settled(lab, fo, rec):
    """Still settled right before the fault? (seen: keepalived's fw2 went master for a moment
    while the flows started on a loaded machine, lowering its cost: rtr already sent the return
    traffic through fw2 and the run measured nothing). A run that is not is left out."""
    rec["before"] = before = {"route_via": sorted(lan_route(lab)[0]), "fw1": fo.role("fw1"),
                              "fw2": fo.role("fw2"), "lsa_age_s": lsa_ages(lab)}
    ages = before["lsa_age_s"]
    if before["route_via"] != [SRC] or before["fw1"] != "active" or \
            before["fw2"] != "standby" or \
            any(ages.get(b) is None or ages[b] < 1 + LSA_QUIET_S // 2 for b in BOXES):
        rec["invalid"] = "not settled before the fault: %s" % before


def record_flows(rec, opts, name, i, f, t, tf, u):
    """The probes' results into the run's record."""
    rec["tcp"] = {k: v for k, v in t.items() if k != "per_flow"}
    rec["tcp_per_flow_stall_ms"] = [x.get("max_stall_ms") for x in t.get("per_flow", [])]
    rec["tcp_dead"] = [x for x in t.get("per_flow", []) if not x.get("alive")][:20]
    rec["tcp_fast"] = {k: v for k, v in tf.items() if k != "per_flow"}
    rec["tcp_fast_lost"] = FAST_FLOWS - tf.get("alive", 0)
    rec["udp"] = u
    rec["lost"] = opts.failover_flows - t.get("alive", 0)


def log_run(rec, opts, name, i, f, t, tf, u):
    bl.log("  [%s failover %d/%d] fw1 failed (written to the 4 switches in %.2f ms, confirmed "
           "within %s ms): longest stall %s ms, p99 %s ms, longest wait %s ms, %d of %d flows lost "
           "(1-2 ms writers: "
           "longest stall %s ms, %d of %d lost); VIP on fw2 "
           "after %s ms, rtr's route via fw2 after %s ms; UDP gaps %s / %s ms" % (
               name, i + 1, opts.failover_repeats, f["written_ms"],
               max(f["confirmed_ms"].values()), t.get("max_stall_ms"), t.get("stall_p99_ms"),
               t.get("max_wait_ms"), rec["lost"], opts.failover_flows, tf.get("max_stall_ms"),
               rec["tcp_fast_lost"], FAST_FLOWS, rec["watch"]["vip_on_fw2_ms"],
               rec["watch"]["rtr_route_via_fw2_ms"], u["c2s"].get("max_gap_ms"),
               u["s2c"].get("max_gap_ms")))


def wait_for(what, fn, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        if fn():
            return
        if time.monotonic() > deadline:
            raise RuntimeError("%s: not within %d s" % (what, timeout))
        time.sleep(interval)


class FoCells:
    """Each implementation's failover runs as table cells: the median (min-max) of the runs
    that count (a run left out is named in the cell)."""

    def __init__(self, ours, peer, rows):
        self.ours, self.peer, self.rows = ours, peer, rows

    @staticmethod
    def good(rec):
        return [r for r in (rec or {}).get("runs", []) if "tcp" in r and not r.get("invalid")]

    def st(self, rec, fn):
        vals = []
        for r in self.good(rec):
            try:
                vals.append(fn(r))
            except (KeyError, TypeError):
                vals.append(None)
        return bl.stats(vals)

    def cell(self, rec, fn, digits=0, unit="ms"):
        if rec is None:
            return "-"
        if not self.good(rec):
            return "FAILED" if rec.get("error") else "-"
        text = bl.fmt_stats(self.st(rec, fn), unit, digits)
        failed = len(rec.get("runs", [])) - len(self.good(rec))
        return text + (" [%d run(s) out]" % failed if failed else "")

    def med(self, rec, fn):
        return self.st(rec, fn)["median"] if self.good(rec) else None

    def worst(self, fn):
        """hrpd's largest value over its runs (a target holds in every run)."""
        return self.st(self.ours, fn)["max"] if self.good(self.ours) else None

    def row(self, case, fn, floor="-", target="-", ok=None, digits=0, unit="ms"):
        r = bl.ratio(self.med(self.ours, fn), self.med(self.peer, fn))
        self.rows.append([case, self.cell(self.ours, fn, digits, unit),
                          self.cell(self.peer, fn, digits, unit), bl.fmt_ratio(r),
                          floor, target, met(ok) if target != "-" else "-"])


def failover_rows(raw, meta, rows, summary):
    fo = raw.get("failover") or {}
    ours, peer = fo.get("hrpd"), fo.get("conntrackd")
    flows = meta.get("failover_flows", 200)
    t = FoCells(ours, peer, rows)
    n_runs = max(len((ours or {}).get("runs", [])), len((peer or {}).get("runs", [])), 1)
    rows.append(["TCP stall at failover: box failure of the active (fw1), %d flows, "
                 "hellos / adverts 10 ms; median (min-max) of %d run(s)" % (flows, n_runs),
                 FO_LABEL["hrpd"], FO_LABEL["conntrackd"], "", "", "", ""])
    stall_rows(t)

    def flows_lost(rec):
        return sum(r["lost"] + r.get("tcp_fast_lost", 0) for r in t.good(rec))

    def lost_cell(rec):
        if rec is None:
            return "-"
        if not t.good(rec):
            return "FAILED" if rec.get("error") else "-"
        return "%d of %d x %d" % (flows_lost(rec), len(t.good(rec)), flows + FAST_FLOWS)
    lost_ours = flows_lost(ours) if t.good(ours) else None
    rows.append(["  flows lost (not alive at the end: no echo in their last 1.5 s, or an error)",
                 lost_cell(ours), lost_cell(peer), "-", "-", "%d" % T_FLOWS_LOST,
                 met(None if lost_ours is None else lost_ours == T_FLOWS_LOST)])
    watch_rows(t.row)
    for name, rec in (("hrpd", ours), ("conntrackd", peer)):
        if rec is not None:
            summary.setdefault(name, {})["failover"] = failover_summary(t, rec)


def stall_rows(t):
    """The flows' stalls, with the target on the 200 flows' and on the fast flows'."""
    # vgmpd's fast take-over (vgmpd.fast_takeover): VRRP's Master_Down plus three missed hellos,
    # whichever ends later, instead of hrpd's dead time
    floor = "detect %s / %s ms" % (bl.fmt_num(fast_takeover_ms(), 0),
                                   bl.fmt_num(master_down_ms(FO_ADVERT_CS), 0))
    target = "< %s ms, every run" % bl.fmt_num(T_STALL_MS, 0)
    worst = t.worst(lambda r: r["tcp"]["max_stall_ms"])
    t.row("  longest stall of any flow", lambda r: r["tcp"]["max_stall_ms"], floor=floor,
          target=target, ok=None if worst is None else worst < T_STALL_MS)
    t.row("  p99 of the flows' longest stalls", lambda r: r["tcp"]["stall_p99_ms"])
    t.row("  longest wait of one message, send to echo (no sender idle in it)",
          lambda r: r["tcp"]["max_wait_ms"], floor=floor)
    worst_fast = t.worst(lambda r: r["tcp_fast"]["max_stall_ms"])
    t.row("  longest stall, %d more flows writing every %d-%d ms (the outage TCP sees)" % (
        FAST_FLOWS, FAST_EVERY_MS[0], FAST_EVERY_MS[1]),
        lambda r: r["tcp_fast"]["max_stall_ms"], floor=floor,
        target=target, ok=None if worst_fast is None else worst_fast < T_STALL_MS)


def failover_summary(t, rec):
    """One implementation's failover figures for the JSON summary."""
    st = t.st
    return {
        "max_stall_ms": st(rec, lambda r: r["tcp"]["max_stall_ms"]),
        "stall_p99_ms": st(rec, lambda r: r["tcp"]["stall_p99_ms"]),
        "fast_max_stall_ms": st(rec, lambda r: r["tcp_fast"]["max_stall_ms"]),
        "max_wait_ms": st(rec, lambda r: r["tcp"]["max_wait_ms"]),
        "lost": [r.get("lost") for r in rec.get("runs", [])], "flows": rec.get("flows"),
        "udp_gap_ms": {d: st(rec, lambda r, d=d: r["udp"][d]["max_gap_ms"])
                       for d in ("c2s", "s2c")},
        "vip_on_fw2_ms": st(rec, lambda r: r["watch"]["vip_on_fw2_ms"]),
        "rtr_route_via_fw2_ms": st(rec, lambda r: r["watch"]["rtr_route_via_fw2_ms"]),
        "rtr_drops_fw1_ms": st(rec, lambda r: r["watch"]["rtr_drops_fw1_ms"]),
        "cpu_busy_pct": {w: st(rec, lambda r, w=w: 100 * r["cpu_busy"][w])
                         for w in ("before", "after")},
        "error": rec.get("error")}


def watch_rows(row):
    """The traffic's gaps, the VIP and the router as the run watched them, the machine's CPUs."""
    row("  traffic gap, UDP probe (1 ms each way): client -> server",
        lambda r: r["udp"]["c2s"]["max_gap_ms"])
    row("    server -> client", lambda r: r["udp"]["s2c"]["max_gap_ms"])
    row("  the VIP's address on fw2, after the fault (ip monitor)",
        lambda r: r["watch"]["vip_on_fw2_ms"], floor="%s / %s ms" % (
            bl.fmt_num(fast_takeover_ms(), 0),
            bl.fmt_num(master_down_ms(FO_ADVERT_CS), 0)), digits=1)
    row("  rtr's route to the LAN via fw2, after the fault (ip monitor)",
        lambda r: r["watch"]["rtr_route_via_fw2_ms"], digits=1)
    row("  rtr's route no more via fw1 (OSPF drops the frozen box), after the fault",
        lambda r: r["watch"]["rtr_drops_fw1_ms"], digits=1)
    row("  the machine's CPUs busy (both vCPUs), the second before the fault",
        lambda r: 100 * r["cpu_busy"]["before"], unit="%")
    row("    the second after it", lambda r: 100 * r["cpu_busy"]["after"], unit="%")


def floor_note():
    """What bounds the stall from below: the detection, then TCP's own recovery."""
    return (
        "floor: the detection of the failure: vgmpd's fast take-over, when fw2's vrrpd reports "
        "Master_Down (%.1f ms after fw1's last advert) and hrpd has missed three hellos (hrpd's "
        "own dead time, %d ms, is the fallback) / keepalived's Master_Down %.1f ms after fw1's last "
        "advert; the traffic's outage follows: client -> server until fw2 holds the VIP, the "
        "way back until rtr's route follows fw2's OSPF cost (the UDP gaps). TCP adds to it: "
        "a flow's stall runs from its last echo before the outage to its first after; lost "
        "segments are sent again once a later segment gets through and the other end reports "
        "the hole (SACK), or by the retransmission timer, 200 ms (Linux's TCP_RTO_MIN) after "
        "the segment, doubling each time (a sender in timeout recovery sends no new data), so "
        "a direction out for more than ~200 ms costs the next backoff (seen: a 500 ms stall "
        "behind a 277 ms outage of the way back). The issue's "
        "< 50 ms is close to VRRP's own Master_Down at 10 ms adverts" % (
            bound_master_down_ms(FO_ADVERT_CS), hrpd_dead_ms(FO_HELLO_MS),
            master_down_ms(FO_ADVERT_CS)))


def failover_notes(raw, meta):
    fo = raw.get("failover") or {}
    seeds = ", ".join("%s: seed %s" % (n, (r.get("ecmp") or {}).get("seed"))
                      for n, r in fo.items())
    notes = pairs_notes(meta) + traffic_notes(meta) + [
        return_traffic_note(meta, seeds), floor_note(),
        "the VIP on fw2 and rtr's route: `ip -ts monitor address` in fw2 and `ip -ts monitor "
        "route` in rtr, started before the fault (the kernel's notifications, stamped by ip); "
        "the fault's time is its first nft write (CLOCK_MONOTONIC, mapped to realtime)",
        "CPUs busy: the whole machine's (/proc/stat, steal counted as busy), the second before "
        "the fault and the second after it; the flows' packets cross the lab's namespaces in "
        "the sender's system call or softirq, on the same 2 vCPUs as the daemons, so a busy "
        "machine delays the flows' own recovery after the outage (bench/README.md, 'Where a "
        "flow's stall goes', traces one flow)",
    ]
    errs = ["%s: %s" % (n, r["error"]) for n, r in fo.items() if r.get("error")]
    errs += ["%s run %d: %s" % (n, x["run"], x["invalid"]) for n, r in fo.items()
             for x in r.get("runs", []) if x.get("invalid")]
    runs = ", ".join("%s %s" % (n, "; ".join(
        "run %d: fault %s s after the flows started (fw2 held them after %s s), settled in %s s"
        % (x["run"], x.get("fault_at_s"), x.get("standby_held_s"), x.get("settle_s"))
        for x in r.get("runs", []))) for n, r in fo.items())
    notes.append("runs: " + runs)
    if errs:
        notes.append("failover runs out of the figures ([N run(s) out]): " + "; ".join(errs))
    return notes


def pairs_notes(meta):
    """The two HA pairs as the failover runs them."""
    return [
        "failover: a lab of its own per implementation (same topology, same run), nothing of "
        "the live/bulk part running; %s: vrrpd + vgmpd + hrpd on both boxes with the ref lab's "
        "config (as s40_session_sync.py runs them), hrpd.hello_interval %d ms (dead_count %d: "
        "dead %d ms after the last hello, doc/hrpd.md), the VRRP group's advert_interval %d cs; "
        "vgmpd raises the standby's OSPF cost on lan0 to 65500" % (
            "hrpd", FO_HELLO_MS, FO_DEAD_COUNT, hrpd_dead_ms(FO_HELLO_MS), FO_ADVERT_CS),
        "conntrackd: %s, VRRPv3 on lan0, VIP 192.0.2.1/32, advert_int 0.01 (10 ms, the "
        "smallest it takes), fw1 priority 200, fw2 100 (Master_Down %.1f ms), both start "
        "BACKUP, %s; conntrackd FTFW as above "
        "(DisableExternalCache on: the synced entries are already in fw2's kernel, so the "
        "`conntrackd -c` commit of the notify script has nothing to commit); notify "
        "script: conntrackd's primary-backup.sh (primary: -c, -f, -R, -B; backup: -s, -t, -n; "
        "fault: -t), run from keepalived's vrrp_notify_fifo, one transition after the other "
        "(with notify_master/notify_backup keepalived runs them concurrently: at start the "
        "BACKUP script finished after the MASTER one and left the master's cost raised), with "
        "one addition run first: lan0's OSPF cost as vgmpd sets it (65500 on "
        "backup and fault, `no ip ospf cost` on primary). Without it both boxes keep equal "
        "costs and the router's ECMP may send a flow's SYN-ACK to the standby, which has no "
        "entry yet and drops it (strict ruleset): the flow never connects" % (
            meta.get("keepalived_version", "keepalived"), master_down_ms(FO_ADVERT_CS),
            "use_vmac (the VIP on a macvlan with the virtual MAC, as vrrpd's vmac = true)"
            if meta.get("keepalived_vmac", "on") == "on" else
            "no use_vmac (the VIP on lan0 itself, moved by gratuitous ARP; FRR then "
            "advertises its /32 in OSPF, which holds back the cost change ~1.3 s)"),
    ]


def traffic_notes(meta):
    """The flows, the runs and the fault."""
    return [
        "flows: hs-tcp-flows, %d TCP connections client -> server through fw1, each a 32-byte "
        "message every 10-20 ms echoed by the server, %d s; a flow's stall is the longest time "
        "between two echoes (normal: up to ~20 ms); alive = an echo in its last 1.5 s; %d more "
        "flows the same but a message every %d-%d ms (their stall is the outage TCP sees, "
        "without up to a 10-20 ms idle sender on each side of it; both stalls are printed, "
        "the target is shown on both); a message's wait runs from its send to its echo (the "
        "longest of any message echoed, among the 200 flows: how long TCP itself held data up, "
        "with no idle sender in it); plus "
        "hs-udp-probe (1 ms each way; UDP is not in conntrackd's filter: fw2 lets the client's "
        "next packet in as a new flow). The fault comes 1 s after fw2 holds all %d ESTABLISHED "
        "entries" % (meta.get("failover_flows", 200), meta.get("failover_duration", 12),
                     FAST_FLOWS, FAST_EVERY_MS[0], FAST_EVERY_MS[1],
                     meta.get("failover_flows", 200)),
        "repeats: %d run(s) per implementation in its lab; between runs fw1 is recovered "
        "(faults.box_recover: thawed, its links let through) and the next run waits until it "
        "is the active again and routes the LAN (hrpd: it takes fw2's table, then vgmpd "
        "preempts after preempt_delay 5 s; keepalived: priority 200 preempts at once), plus "
        "the LSA quiet time below; each run's flows use their own port" % meta.get(
            "failover_repeats", 1),
        "box failure of fw1: its four links (lan0, up0, hb0, hb1) drop every frame at one "
        "instant (one nftables transaction adds a drop rule to netdev ingress and egress chains "
        "on all four, written to a warmed-up `nft -i` in fw1: faults.box_fail's cut, timed), "
        "then SIGSTOP of every process of fw1, as faults.box_fail does",
    ]


def return_traffic_note(meta, seeds):
    """How the router's way back to the LAN follows the pair, the same in both labs."""
    return (
        "return traffic: the router (OSPF) routes the LAN through the box with the lower "
        "cost on lan0; after fw1 fails fw2 lowers its cost, while fw1's routes stay until "
        "OSPF drops the frozen neighbour (its dead interval, 4 s, or BFD where the lab's FRR "
        "configs have it: the row 'rtr's route no more via fw1'), and in between the router "
        "has equal-cost routes through both. Its ECMP hash (L3: the addresses only, so every "
        "flow alike) is pinned to '%s' in both labs by net.ipv4.fib_multipath_hash_seed in rtr "
        "(%s; chosen by `ip route get` while both routes are equal at the lab's start; "
        "--failover-ecmp survivor|failed|kernel): with 'survivor' the stall measures the "
        "pair's takeover, not the time OSPF takes to drop the dead box; 'failed' measures that "
        "instead. FRR originates a box's LSA at most every 5 s (its LSA minimum interval), so "
        "the flows start once both boxes' router-LSAs are >= %d s old in rtr's database: the "
        "start's cost changes (keepalived's BACKUP then MASTER scripts, vgmpd's first "
        "decision) do not hold back the survivor's cost change at the fault" % (
            meta.get("failover_ecmp", "survivor"), seeds or "-", LSA_QUIET_S))
