#!/usr/bin/python3
"""Where a planned switchover loses probe packets (issue 6: "zero packets lost"): the reference
lab, vrrpd + vgmpd + hrpd at one hello interval, `hrp switchover` on fw1 under the 1 ms UDP probe,
with a capture on the LAN switch's ports of fw1 (p2) and fw2 (p3) and on the uplink switches.

Per run it prints the probe's loss each way and, from two captures on the switch's ports of the
boxes (`inbound`: what each box sent; `outbound`: what the switch sent to each), the moments (ms
after the switchover command) of: fw2's first frame from the virtual MAC (its gratuitous ARP),
every frame from the virtual MAC that fw1 still sent after it (each one teaches the switch that
the virtual MAC is behind fw1's port again), fw1's last such frame, the client's probe packets
that the switch still sent to fw1's port after fw2's first one (what the LAN side delivered to
the box that was letting go), the first it sent to fw2, and fw1's last forwarded s2c packet.
Each frame from the virtual MAC carries its kind and, for adverts, its VRRP priority (0: the
old master resigning). Two more captures on the uplink switches (what each box forwarded
upstream) tell where c2s packets died: `dropped_at_fw1` are the probe packets the LAN switch
gave fw1 after fw1's last forwarded one, with the vMAC frame the switch had learned last
before each (who it believed held the virtual MAC then).

    bench/vgmp_switchover_trace.py [--builddir DIR] [--interval 10] [--repeats 3]
        [--prefix hsXXXX]

Figures are printed, never asserted. Not in bench/run (an investigation, not a comparison).
"""

import argparse
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

from hslab_lib import boxes, lab as labmod, probes, topo as topomod  # noqa: E402
from session_failover_lab import CLIENT, SERVER, SERVER_ADDR, pin_ecmp  # noqa: E402
from vgmp_failover import wait_for  # noqa: E402
from vgmp_failover_impls import VgHrpd  # noqa: E402

VMAC = "00:00:5e:00:01:01"
PORTS = {"p2": "fw1", "p3": "fw2"}  # sw-lan
UDP_PORT = 9400


def capture(lab, sw, ifaces, path, seconds, bpf):
    """dumpcap on the switch's ports; bpf 'inbound': frames the switch received (from the box
    on that port), 'outbound': frames it sent to the box."""
    argv = ["ip", "netns", "exec", lab.ns(sw), "dumpcap", "-q", "-a", "duration:%d" % seconds,
            "-w", path]
    for i in ifaces:
        argv += ["-i", i, "-f", bpf]
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lab.procs.append(p)
    return p


def frames(lab, path):
    """[(time, iface, src mac, dst mac, kind)] from the capture (kind: arp, vrrp, vrrp-p0 for a
    priority-0 advert, probe, other); iface is dumpcap's interface name."""
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-E", "separator=|",
                          "-e", "frame.time_epoch", "-e", "frame.interface_name",
                          "-e", "eth.src", "-e", "eth.dst", "-e", "frame.protocols",
                          "-e", "udp.dstport", "-e", "vrrp.prio"],
                         capture_output=True, text=True, timeout=120).stdout
    rows = []
    for line in out.splitlines():
        f = line.split("|")
        if len(f) < 7:
            continue
        proto = f[4]
        kind = ("arp" if ":arp" in proto else
                ("vrrp-p0" if f[6] == "0" else "vrrp") if ":vrrp" in proto else
                "probe" if f[5] == str(UDP_PORT) else "other")
        rows.append((float(f[0]), f[1], f[2], f[3], kind))
    return rows


def log_events(lab, t_cmd, span_s=3.0):
    """The boxes' vrrpd / vgmpd log lines about states and letting go, within span_s of the
    command: [(ms after it, box, daemon, text)]. Log stamps are wall-clock HH:MM:SS.mmm."""
    day = time.strftime("%Y-%m-%d", time.localtime(t_cmd))
    rows = []
    for box in ("fw1", "fw2"):
        for d in ("vrrpd", "vgmpd"):
            path = os.path.join(lab.node_dir(box), "log", d + ".log")
            try:
                lines = open(path, errors="replace").read().splitlines()
            except OSError:
                continue
            for line in lines:
                if not any(w in line for w in ("state", "letting go", "let go", "grace")):
                    continue
                try:
                    hms, ms = line[:12].split(".")
                    t = time.mktime(time.strptime(day + " " + hms, "%Y-%m-%d %H:%M:%S"))
                    t += int(ms) / 1000.0
                except ValueError:
                    continue
                if t_cmd - 0.05 <= t <= t_cmd + span_s:
                    rows.append((round((t - t_cmd) * 1000), box, d, line[13:13 + 140]))
    return sorted(rows)


def handover_facts(lab, box):
    """The switchover's outcome and the request counters of vgmpd (JSON),
    flattened: what tells a handshake that timed out from one that completed
    (`display vgmp`)."""
    st = boxes.hrpctl(lab, box, "display", "vgmp", check=False)
    keep = ("switchover", "timeout", "late_ack", "requests", "acks", "nacks", "silent")
    out = {}

    def walk(o, path):
        if isinstance(o, dict):
            for k, v in o.items():
                walk(v, path + [k])
        elif not isinstance(o, list) and any(w in p for p in path[-3:] for w in keep):
            if o not in (0, None, "", False):
                out[".".join(path[-3:])] = o
    walk(st, [])
    return out


def one_run(lab, fo, run):
    wait_for("fw1 active, fw2 standby", fo.ready, 90)
    wait_for("fw1's VIP alone", lambda: fo.role("fw1") == "active", 30)
    cap_in = os.path.join(lab.workdir, "switchover-%d-from-boxes.pcapng" % run)
    cap_out = os.path.join(lab.workdir, "switchover-%d-to-boxes.pcapng" % run)
    cap_up1 = os.path.join(lab.workdir, "switchover-%d-fw1-up.pcapng" % run)
    dur = 4
    cps = [capture(lab, "sw-lan", ["p2", "p3"], cap_in, dur + 2, "inbound"),
           capture(lab, "sw-lan", ["p2", "p3"], cap_out, dur + 2, "outbound"),
           capture(lab, "sw-up1", ["p1"], cap_up1, dur + 2, "inbound")]
    time.sleep(1.0)
    udp = probes.udp_probe(lab, CLIENT, SERVER, SERVER_ADDR, duration=dur, port=UDP_PORT)
    time.sleep(1.0)
    t_cmd = time.time()
    fo.switchover()
    u = udp.wait()
    for cp in cps:
        cp.wait(timeout=30)

    def rel(path):
        return [(round((t - t_cmd) * 1000, 2), PORTS.get(i, i), s, d, k)
                for t, i, s, d, k in frames(lab, path)]
    from_boxes, to_boxes = rel(cap_in), rel(cap_out)
    vmac_from = [(t, box, k) for t, box, s, d, k in from_boxes if s == VMAC]
    fw2_first = next((t for t, box, k in vmac_from if box == "fw2" and t >= 0), None)
    fw1_after = [(t, k) for t, box, k in vmac_from if box == "fw1" and fw2_first is not None
                 and t >= fw2_first]
    to_fw1_after = [t for t, box, s, d, k in to_boxes if k == "probe" and box == "fw1"
                    and d == VMAC and fw2_first is not None and t >= fw2_first]
    to_fw2_first = next((t for t, box, s, d, k in to_boxes if k == "probe" and box == "fw2"
                         and d == VMAC and t >= 0), None)
    s2c_from_fw1_last = max((t for t, box, s, d, k in from_boxes if k == "probe"
                             and box == "fw1"), default=None)
    # c2s that fw1 forwarded upstream (sw-up1's port p1 receives what fw1 sends)
    fw1_up_last = max((t for t, i, s, d, k in rel(cap_up1) if k == "probe"), default=None)
    to_fw1 = [t for t, box, s, d, k in to_boxes if k == "probe" and box == "fw1" and d == VMAC]
    dropped = [t for t in to_fw1 if fw1_up_last is not None and t > fw1_up_last]

    def learned_before(t):
        """The last vMAC frame the switch saw before t: (ms, box, kind)."""
        return max(((ft, box, k) for ft, box, k in vmac_from if ft < t), default=None)
    res = {"lost": {d: (u.get(d) or {}).get("lost") for d in ("c2s", "s2c")},
           "gap_ms": {d: (u.get(d) or {}).get("max_gap_ms") for d in ("c2s", "s2c")},
           "fw2_first_vmac_ms": fw2_first,
           "fw1_vmac_frames_after": fw1_after[:20],
           "fw1_last_vmac_ms": max((t for t, box, k in vmac_from if box == "fw1"), default=None),
           "probe_to_fw2_first_ms": to_fw2_first,
           "probe_to_fw1_after_fw2": len(to_fw1_after),
           "probe_to_fw1_after_fw2_ms": to_fw1_after[:20],
           "probe_from_fw1_last_ms": s2c_from_fw1_last,
           "c2s_fw1_forwarded_last_ms": fw1_up_last,
           "dropped_at_fw1": [(t, learned_before(t)) for t in dropped[:10]],
           "vmac_frames_around": [(t, box, k) for t, box, k in vmac_from
                                  if fw2_first is not None and t >= fw2_first - 1
                                  and (fw1_up_last is None or t <= fw1_up_last + 30)][:40],
           "load1": round(os.getloadavg()[0], 2)}
    bl.log("  run %d: %s" % (run, res))
    for ev in log_events(lab, t_cmd):
        bl.log("    %7d ms %s %s: %s" % ev)
    for box in ("fw1", "fw2"):
        bl.log("    %s handover: %s" % (box, handover_facts(lab, box)))
    fo.restore("switchover")
    return res


def main():
    ap = argparse.ArgumentParser(description="where a planned switchover loses packets")
    ap.add_argument("--builddir")
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--prefix")
    a = ap.parse_args()
    a.ospf_active_cost = 0
    a.hrpd_set = []
    paths = labmod.Paths(a.builddir)
    with labmod.Lab(topomod.load(paths.topology("ref")), paths, prefix=a.prefix,
                    log=lambda m: None) as lab:
        fo = VgHrpd(lab, a)
        fo.check()
        fo.setup()
        pin_ecmp(lab, "survivor")
        fo.configure(a.interval)
        fo.start()
        try:
            for i in range(a.repeats):
                try:
                    one_run(lab, fo, i + 1)
                except Exception as e:
                    bl.log("  run %d: ERROR %s" % (i + 1, e))
        finally:
            fo.stop()


if __name__ == "__main__":
    main()
