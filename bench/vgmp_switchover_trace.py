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

from hslab_lib import lab as labmod, probes, topo as topomod  # noqa: E402
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
    """[(time, iface, src mac, dst mac, kind)] from the capture (kind: arp, vrrp, probe, other);
    iface is dumpcap's interface name."""
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-E", "separator=|",
                          "-e", "frame.time_epoch", "-e", "frame.interface_name",
                          "-e", "eth.src", "-e", "eth.dst", "-e", "frame.protocols",
                          "-e", "udp.dstport"],
                         capture_output=True, text=True, timeout=120).stdout
    rows = []
    for line in out.splitlines():
        f = line.split("|")
        if len(f) < 6:
            continue
        proto = f[4]
        kind = ("arp" if ":arp" in proto else "vrrp" if ":vrrp" in proto else
                "probe" if f[5] == str(UDP_PORT) else "other")
        rows.append((float(f[0]), f[1], f[2], f[3], kind))
    return rows


def one_run(lab, fo, run):
    wait_for("fw1 active, fw2 standby", fo.ready, 90)
    wait_for("fw1's VIP alone", lambda: fo.role("fw1") == "active", 30)
    cap_in = os.path.join(lab.workdir, "switchover-%d-from-boxes.pcapng" % run)
    cap_out = os.path.join(lab.workdir, "switchover-%d-to-boxes.pcapng" % run)
    dur = 4
    cps = [capture(lab, "sw-lan", ["p2", "p3"], cap_in, dur + 2, "inbound"),
           capture(lab, "sw-lan", ["p2", "p3"], cap_out, dur + 2, "outbound")]
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
    res = {"lost": {d: (u.get(d) or {}).get("lost") for d in ("c2s", "s2c")},
           "gap_ms": {d: (u.get(d) or {}).get("max_gap_ms") for d in ("c2s", "s2c")},
           "fw2_first_vmac_ms": fw2_first,
           "fw1_vmac_frames_after": fw1_after[:20],
           "fw1_last_vmac_ms": max((t for t, box, k in vmac_from if box == "fw1"), default=None),
           "probe_to_fw2_first_ms": to_fw2_first,
           "probe_to_fw1_after_fw2": len(to_fw1_after),
           "probe_to_fw1_after_fw2_ms": to_fw1_after[:20],
           "probe_from_fw1_last_ms": s2c_from_fw1_last,
           "load1": round(os.getloadavg()[0], 2)}
    bl.log("  run %d: %s" % (run, res))
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
