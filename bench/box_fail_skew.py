#!/usr/bin/python3
"""How at once does faults.box_fail cut a box's links? The skew between the moments its ports go
silent, measured from outside the box.

Each port of the failed box is pinged every ms from a neighbour on the same switch (the box's
kernel answers even while its processes are frozen, so only the cut stops the replies), by this
script's own pinger (--pinger, SCHED_FIFO), which records when it sent each echo request and which
ones were answered:

    vrrp lab, r1:  client -> 192.0.2.2 (lan0, sw-lan), server -> 198.51.100.2 (br1 on lan1, sw-lan2)
    ref lab, fw1:  client -> 192.0.2.2 (lan0), rtr -> 198.51.100.1 (up0), fw2 -> 203.0.113.1 (hb0)
                   and 203.0.113.5 (hb1)

A port was cut between the sending of its last answered request (lo) and of the first
unanswered one after it (hi): CLOCK_REALTIME, one clock for every namespace; ~1 ms apart unless
the pinger stalled. skew = the latest port's (lo+hi)/2 minus the earliest's; skew_bound = the
largest hi minus the smallest lo (the skew is surely below it), skew_surely = the largest lo minus
the smallest hi (surely above it; 0 when the windows overlap); cut_after_call = the earliest lo
after the fault was called. box_recover after each run, and the next waits until every port
answers again.

Methods, alternated run by run in one lab:
  box        faults.box_fail: one nftables transaction in the box (netdev ingress + egress drops)
  switches   the lab's former box failure, kept here for comparison: a drop rule pair per switch
             port, one nft process per switch, one after another (faults._add)

    bench/box_fail_skew.py [--labs vrrp,ref] [--methods box,switches] [--repeats N]
        [--builddir DIR] [--prefix hsXXXX] [--out-dir DIR]

Figures are printed (median (min-max) of the runs) and written to bench/results, never asserted.
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

from hslab_lib import faults, lab as labmod  # noqa: E402
from hslab_lib import topo as topomod  # noqa: E402

# lab -> (failed box, [(port name, neighbour node, box address on that port)])
TARGETS = {
    "vrrp": ("r1", [("lan0", "client", "192.0.2.2"), ("lan1", "server", "198.51.100.2")]),
    "ref": ("fw1", [("lan0", "client", "192.0.2.2"), ("up0", "rtr", "198.51.100.1"),
                    ("hb0", "fw2", "203.0.113.1"), ("hb1", "fw2", "203.0.113.5")]),
}
PING_S = 3          # each pinger's lifetime: the cut comes 1 s in


def pinger(addr, seconds):
    """Echo requests to addr every ms for seconds; prints {"sent": [[seq, time]], "answered":
    [seq]} as JSON. Runs in the neighbour's namespace."""
    import json
    import socket
    import struct
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setblocking(False)
    ident = os.getpid() & 0xFFFF

    def packet(seq):
        def csum(b):
            total = sum(struct.unpack("!%dH" % (len(b) // 2), b))
            total = (total >> 16) + (total & 0xFFFF)
            return ~(total + (total >> 16)) & 0xFFFF
        head = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        return struct.pack("!BBHHH", 8, 0, csum(head + b"hs" * 8), ident, seq) + b"hs" * 8

    sent, answered = [], set()
    t_end = time.monotonic() + seconds
    seq, next_send = 0, time.monotonic()
    while time.monotonic() < t_end:  # bounded by seconds
        now = time.monotonic()
        if now >= next_send:
            seq = (seq + 1) & 0xFFFF
            sent.append([seq, time.time()])
            sock.sendto(packet(seq), (addr, 0))
            next_send += 0.001
        while True:
            try:
                data = sock.recv(256)
            except BlockingIOError:
                break
            ihl = (data[0] & 0x0F) * 4
            typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if typ == 0 and rid == ident:
                answered.add(rseq)
        time.sleep(0.0002)
    print(json.dumps({"sent": sent, "answered": sorted(answered)}))


def start_pings(lab, pings):
    return [subprocess.Popen(["chrt", "-f", "10", "ip", "netns", "exec", lab.ns(node),
                              sys.executable, os.path.realpath(__file__), "--pinger", addr,
                              str(PING_S)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _, node, addr in pings]


def cut_window(p):
    """(lo, hi): send times of the last answered request and of the next one; None when no
    request was answered or none went unanswered."""
    out, err = p.communicate(timeout=PING_S + 10)
    if p.returncode != 0:
        raise RuntimeError("pinger: %s" % err.strip()[-200:])
    d = json.loads(out)
    answered = set(d["answered"])
    last = max((i for i, (seq, _) in enumerate(d["sent"]) if seq in answered), default=None)
    if last is None or last + 1 >= len(d["sent"]):
        return None
    return d["sent"][last][1], d["sent"][last + 1][1]


def answers(lab, node, addr):
    return lab.run(node, ["ping", "-c1", "-W1", addr], check=False).returncode == 0


def switches_fail(lab, box):
    for _, sw, port in lab.topo.switch_ports(box):
        faults._add(lab, sw, "fail " + box, faults._port_matches(port))


def switches_recover(lab, box):
    for _, sw, _ in lab.topo.switch_ports(box):
        faults._remove(lab, sw, "fail " + box)


METHODS = {"box": (faults.box_fail, faults.box_recover),
           "switches": (switches_fail, switches_recover)}


def one_run(lab, box, pings, method):
    fail, recover = METHODS[method]
    for _, node, addr in pings:  # bounded: ~10 s each at most
        deadline = time.monotonic() + 10
        while not answers(lab, node, addr):
            if time.monotonic() > deadline:
                raise RuntimeError("%s does not answer %s" % (addr, node))
            time.sleep(0.1)
    procs = start_pings(lab, pings)
    time.sleep(1.0)
    t_call = time.time()
    fail(lab, box)
    t_done = time.time()
    windows = [cut_window(p) for p in procs]  # the pingers end on their own
    recover(lab, box)
    if None in windows:
        raise RuntimeError("a port was never answered, or never cut: %s" % windows)
    mids = [(lo + hi) / 2 for lo, hi in windows]
    first_lo = min(lo for lo, _ in windows)
    return {"skew_ms": round((max(mids) - min(mids)) * 1000, 2),
            "skew_bound_ms": round((max(hi for _, hi in windows) - first_lo) * 1000, 2),
            "skew_surely_ms": round(max(0.0, max(lo for lo, _ in windows) -
                                        min(hi for _, hi in windows)) * 1000, 2),
            "cut_after_call_ms": round((first_lo - t_call) * 1000, 2),
            "call_ms": round((t_done - t_call) * 1000, 2),
            "port_cut_ms": {port: [round((lo - first_lo) * 1000, 2),
                                   round((hi - first_lo) * 1000, 2)]
                            for (port, _, _), (lo, hi) in zip(pings, windows)}}


def measure(paths, name, methods, repeats, prefix):
    box, pings = TARGETS[name]
    runs = {m: [] for m in methods}
    with labmod.Lab(topomod.load(paths.topology(name)), paths, prefix=prefix,
                    log=lambda m: None) as lab:
        bl.log("[skew] %s lab %s up; box_fail %s, %d runs" % (name, lab.prefix, box, repeats))
        for i in range(repeats):
            for method in methods:
                load = os.getloadavg()[0]
                try:
                    rec = one_run(lab, box, pings, method)
                except Exception as e:  # recorded; the next run goes on
                    rec = {"error": str(e)}
                    METHODS[method][1](lab, box)
                rec["load1"] = round(load, 2)
                runs[method].append(rec)
                bl.log("  %s %s #%d: %s" % (name, method, i + 1, rec))
    return runs


def summary_rows(results):
    rows = []
    for (name, method), runs in results.items():
        ok = [r for r in runs if "error" not in r]
        for key in ("skew_ms", "skew_surely_ms", "skew_bound_ms", "cut_after_call_ms",
                    "call_ms"):
            rows.append(["%s lab (%s), %s, %s" % (name, TARGETS[name][0], method, key),
                         bl.fmt_stats(bl.stats([r[key] for r in ok]), "ms", 2),
                         "%d/%d" % (len(ok), len(runs)),
                         bl.fmt_stats(bl.stats([r["load1"] for r in runs]), "", 2)])
    return rows


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--pinger":
        return pinger(sys.argv[2], float(sys.argv[3]))
    ap = argparse.ArgumentParser(description="skew of faults.box_fail's cuts between ports")
    ap.add_argument("--labs", default="vrrp,ref")
    ap.add_argument("--methods", default="box,switches")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--builddir")
    ap.add_argument("--prefix", help="lab prefix (default: a random free one)")
    ap.add_argument("--out-dir")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (network namespaces)")
    paths = labmod.Paths(a.builddir)
    methods = a.methods.split(",")
    results = {name: measure(paths, name, methods, a.repeats, a.prefix)
               for name in a.labs.split(",")}
    rows = summary_rows({(n, m): runs for n, by in results.items() for m, runs in by.items()})
    print(bl.format_table(["figure", "median (min-max)", "runs ok", "load avg 1 min"], rows))
    path = bl.write_json(a, "box-fail-skew", {"machine": bl.machine(), "results": results})
    print("raw: %s" % path)


if __name__ == "__main__":
    main()
