#!/usr/bin/python3
"""How long a new VRRP master waits for its vMAC link, vmac_backup random-mac against protodown
(doc/vrrp.md, "A backup's vMAC link").

In the VRRP lab (tests/clab/vrrp.clab.yml), r1 priority 200 and r2 priority 100 run vrrpd with
VRID 1 on lan0 and VRID 3 on br1 at 10 ms adverts. Each run stops r1's vrrpd (SIGTERM: a
priority-0 advert), waits until r2 is master of both groups, reads r2's `vmac_ready_us` (from
becoming master to a vMAC link able to send: the MAC change alone in random-mac, until the kernel
has turned the carrier on in protodown) and restarts r1. The figure is vrrpd's own clock, so the
load of a shared machine moves it far less than a traffic gap.

    bench/vrrp_vmac_ready.py [--builddir DIR] [--runs N] [--modes random-mac,protodown]

Figures are printed, never asserted.
"""

import argparse
import os
import statistics
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

from hslab_lib import lab as labmod  # noqa: E402
from hslab_lib import topo as topomod  # noqa: E402
import vrrp_lab as v  # noqa: E402

KEYS = [(1, "ipv4", "lan0"), (3, "ipv4", "br1")]


def groups(prio, mode):
    extra = {"vmac_backup": '"%s"' % mode}
    return [v.group(1, prio, v.VIP4, interval=1, **extra),
            v.group(3, prio, v.VIPV, iface="br1", interval=1, **extra)]


def wait_until(what, fn, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return
        time.sleep(0.05)
    raise RuntimeError("timed out: " + what)


def all_in(lab, node, state):
    st = v.states(lab, node)
    return all(st.get(k) == state for k in KEYS)


def ready_us(lab, node):
    return [g["vmac_ready_us"] for g in v.vrrp_status(lab, node).get("groups", [])
            if (g["vrid"], g["family"], g["interface"]) in KEYS]


def measure(lab, mode, runs):
    for node, prio in (("r1", 200), ("r2", 100)):
        v.vrrpd_conf(lab, node, groups(prio, mode))
    procs = {"r2": v.start_vrrpd(lab, "r2"), "r1": v.start_vrrpd(lab, "r1")}
    figures, missed = [], 0
    try:
        for _ in range(runs):
            try:
                wait_until("r1 master, r2 backup",
                           lambda: all_in(lab, "r1", "master") and all_in(lab, "r2", "backup"),
                           30)
                v.stop(procs["r1"])
                wait_until("r2 master", lambda: all_in(lab, "r2", "master"), 10)
                figures += ready_us(lab, "r2")
            except RuntimeError as e:
                missed += 1
                bl.log("  %s: %s" % (mode, e))
            if procs["r1"].poll() is not None:
                procs["r1"] = v.start_vrrpd(lab, "r1")
    finally:
        for p in procs.values():
            if p.poll() is None:
                v.stop(p)
    return figures, missed


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builddir", help="build tree (default $HS_BUILDDIR or the source tree)")
    ap.add_argument("--runs", type=int, default=20, help="takeovers per mode (default 20)")
    ap.add_argument("--modes", default="random-mac,protodown")
    opts = ap.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("needs root (network namespaces)")
    paths = labmod.Paths(opts.builddir)
    topo = topomod.load(paths.topology("vrrp"))
    rows = []
    with labmod.Lab(topo, paths, log=lambda m: None) as lab:
        bl.log("[vrrp-vmac] lab %s up; load %s" % (lab.prefix, os.getloadavg()))
        for mode in opts.modes.split(","):
            figures, missed = measure(lab, mode, opts.runs)
            rows.append((mode, figures, missed))
    print("vMAC link ready after becoming master (r2, both groups, %d takeovers per mode; "
          "load at end %.1f)" % (opts.runs, os.getloadavg()[0]))
    print("%-11s | %-7s | %-9s | %-9s | %-9s | %s" % ("mode", "samples", "median", "min",
                                                    "max", "missed"))
    for mode, f, missed in rows:
        if f:
            print("%-11s | %-7d | %6.0f us | %6d us | %6d us | %d" % (
                mode, len(f), statistics.median(f), min(f), max(f), missed))
        else:
            print("%-11s | 0       | -         | -         | -         | %d" % (mode, missed))


if __name__ == "__main__":
    main(sys.argv[1:])
