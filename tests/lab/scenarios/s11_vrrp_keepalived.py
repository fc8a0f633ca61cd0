#!/usr/bin/python3
"""vrrpd against keepalived (Debian's) on one LAN, both ways round, for v3 IPv4, v3 IPv6 and v2:
the higher priority wins, the other backs off, a graceful stop of the master hands over to the
other implementation, and the returning higher priority preempts. tshark finds no malformed advert
and no bad checksum from either."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from hslab_lib import scenario  # noqa: E402
import vrrp_lab as v  # noqa: E402

KEYS = [(1, "ipv4", "lan0"), (1, "ipv6", "lan0"), (2, "ipv4", "lan0")]
VIPS = [v.VIP4, v.VIP6, v.VIP2]


def vrrpd_groups(prio):
    return [v.group(1, prio, v.VIP4), v.group(1, prio, v.VIP6, family="ipv6"),
            v.group(2, prio, v.VIP2, version=2, interval=100)]


def keepalived_instances(prio):
    common = {"interface": "lan0", "state": "BACKUP", "priority": prio}
    return [("v4", dict(common, virtual_router_id=1, advert_int="0.1"), ["%s/32" % v.VIP4]),
            ("v6", dict(common, virtual_router_id=1, advert_int="0.1"), ["%s/128" % v.VIP6]),
            ("v2", dict(common, virtual_router_id=2, advert_int=1, version=2),
             ["%s/32" % v.VIP2])]


def vrrpd_all(lab, state):
    st = v.states(lab, "r1")
    return all(st.get(k) == state for k in KEYS)


def keepalived_holds(lab, holds):
    """keepalived's master puts the VIPs on lan0; its backup has none."""
    return all(v.has_addr(lab, "r2", a) == holds for a in VIPS)


def round_trip(lab, s, vrrpd_prio, ka_prio):
    v.vrrpd_conf(lab, "r1", vrrpd_groups(vrrpd_prio))
    v.keepalived_conf(lab, "r2", keepalived_instances(ka_prio))
    ka = v.start_keepalived(lab, "r2")
    vd = v.start_vrrpd(lab, "r1")
    winner = "vrrpd" if vrrpd_prio > ka_prio else "keepalived"
    tag = "vrrpd %d / keepalived %d" % (vrrpd_prio, ka_prio)
    if winner == "vrrpd":
        s.wait_until("%s: vrrpd master of v3 IPv4, v3 IPv6 and v2" % tag,
                     lambda: vrrpd_all(lab, "master") and keepalived_holds(lab, False), 15)
        cap = v.capture(lab, "sw-lan", "br0", 2, os.path.join(lab.workdir, "ka1.pcap"))
        s.check(v.stop(vd) == 0, "%s: vrrpd stops" % tag)
        s.wait_until("%s: keepalived takes over every group" % tag,
                     lambda: keepalived_holds(lab, True), 10)
        vd = v.start_vrrpd(lab, "r1")
        s.wait_until("%s: vrrpd preempts keepalived again" % tag,
                     lambda: vrrpd_all(lab, "master") and keepalived_holds(lab, False), 15)
    else:
        s.wait_until("%s: keepalived master, vrrpd backup of every group" % tag,
                     lambda: vrrpd_all(lab, "backup") and keepalived_holds(lab, True), 15)
        cap = v.capture(lab, "sw-lan", "br0", 2, os.path.join(lab.workdir, "ka2.pcap"))
        v.stop(ka)
        s.wait_until("%s: vrrpd takes over every group" % tag,
                     lambda: vrrpd_all(lab, "master"), 10)
        ka = v.start_keepalived(lab, "r2")
        s.wait_until("%s: keepalived preempts vrrpd again" % tag,
                     lambda: vrrpd_all(lab, "backup") and keepalived_holds(lab, True), 15)
    total, bad = v.tshark_problems(lab, "sw-lan", cap)
    s.check(total > 10 and bad == "", "%s: tshark dissects %d adverts, none malformed or with a "
            "bad checksum%s" % (tag, total, "" if not bad else ":\n" + bad))
    v.stop(vd)
    v.stop(ka)


def body(lab, s):
    round_trip(lab, s, 200, 100)
    round_trip(lab, s, 100, 200)
    s.summary = "vrrpd and keepalived elect, fail over and preempt both ways (v3 v4/v6, v2)"


scenario.main(body, topology="vrrp")
