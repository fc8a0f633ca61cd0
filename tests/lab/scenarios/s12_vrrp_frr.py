#!/usr/bin/python3
"""vrrpd against FRR's vrrpd (Debian's FRR 8.4), v3 IPv4, both ways round: the higher priority
wins, the other backs off, and a graceful stop of vrrpd (priority-0 advert) hands over to FRR,
which vrrpd preempts again when it returns."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from hslab_lib import scenario  # noqa: E402
import vrrp_lab as v  # noqa: E402

VRID, VIP = 5, "192.0.2.5"
KEY = (VRID, "ipv4", "lan0")


def body(lab, s):
    v.vrrpd_conf(lab, "r1", [v.group(VRID, 200, VIP)])
    v.start_frr_vrrpd(lab, "r2", VRID, 100, VIP)
    vd = v.start_vrrpd(lab, "r1")
    s.wait_until("vrrpd 200 master, FRR 100 backup",
                 lambda: v.states(lab, "r1").get(KEY) == "master"
                 and v.frr_vrrp_state(lab, "r2", VRID) == "Backup", 15)
    cap = v.capture(lab, "sw-lan", "br0", 2, os.path.join(lab.workdir, "frr.pcap"))
    total, bad = v.tshark_problems(lab, "sw-lan", cap)
    s.check(total > 10 and bad == "", "tshark dissects %d adverts from both, none flagged" % total)
    v.stop(vd)
    s.wait_until("FRR takes over when vrrpd stops",
                 lambda: v.frr_vrrp_state(lab, "r2", VRID) == "Master", 10)
    vd = v.start_vrrpd(lab, "r1")
    s.wait_until("vrrpd preempts FRR", lambda: v.states(lab, "r1").get(KEY) == "master"
                 and v.frr_vrrp_state(lab, "r2", VRID) == "Backup", 15)
    v.stop(vd)

    # The other way round: FRR has the higher priority.
    v.vrrpd_conf(lab, "r1", [v.group(VRID, 50, VIP)])
    vd = v.start_vrrpd(lab, "r1")
    s.wait_until("FRR 100 master, vrrpd 50 backup",
                 lambda: v.states(lab, "r1").get(KEY) == "backup"
                 and v.frr_vrrp_state(lab, "r2", VRID) == "Master", 15)
    v.stop_frr(lab, "r2")
    s.wait_until("vrrpd takes over when FRR is gone",
                 lambda: v.states(lab, "r1").get(KEY) == "master", 10)
    v.stop(vd)
    s.summary = "vrrpd and FRR vrrpd elect, fail over and preempt both ways (v3 IPv4)"


scenario.main(body, topology="vrrp")
