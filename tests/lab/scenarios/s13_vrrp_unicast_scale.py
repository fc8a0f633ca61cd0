#!/usr/bin/python3
"""vrrpd with unicast peers on a LAN whose switch drops VRRP multicast: election and takeover
still work. Then 50 groups on one interface: r1 master of all, r2 backup of all; a reload that
removes half of r1's groups takes their vMAC links away and r2 takes those groups over. Last, an
IPv6 address owner without a vMAC link leaves the interface's own address (its VIP) untouched."""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from hslab_lib import scenario  # noqa: E402
import vrrp_lab as v  # noqa: E402

NO_MCAST = """table bridge hs_no_vrrp_mcast {
  chain drop_vrrp_mcast {
    type filter hook forward priority 0;
    ether daddr 01:00:5e:00:00:12 counter drop
  }
}"""


def count_state(lab, node, state, vrids):
    st = v.states(lab, node)
    return sum(1 for vrid in vrids if st.get((vrid, "ipv4", "lan0")) == state)


def body(lab, s):
    lab.sh("sw-lan", "nft -f - <<'EOF'\n%s\nEOF" % NO_MCAST)
    peers = {"r1": "192.0.2.3", "r2": "192.0.2.2"}
    for node, prio in (("r1", 200), ("r2", 100)):
        v.vrrpd_conf(lab, node, [v.group(7, prio, "192.0.2.7",
                                         unicast_peers='[ "%s" ]' % peers[node])])
    key = (7, "ipv4", "lan0")
    # r2 first: it becomes master and holds the vMAC; r1 must still reach it over unicast
    # (its ARP for r2 must not ask from the vMAC r2 now holds).
    procs = {"r2": v.start_vrrpd(lab, "r2")}
    s.wait_until("unicast: r2 alone is master", lambda: v.states(lab, "r2").get(key) == "master",
                 10)
    procs["r1"] = v.start_vrrpd(lab, "r1")
    s.wait_until("unicast: r1 takes over from the master r2, r2 backs off",
                 lambda: v.states(lab, "r1").get(key) == "master"
                 and v.states(lab, "r2").get(key) == "backup", 10)
    dropped = lab.sh("sw-lan", "nft list table bridge hs_no_vrrp_mcast").stdout
    s.check("packets 0 bytes 0" in dropped,
            "nothing was sent to the VRRP multicast group (the switch's drop rule counted 0)")
    cap = v.capture(lab, "sw-lan", "br0", 2, os.path.join(lab.workdir, "unicast.pcap"))
    total, bad = v.tshark_problems(lab, "sw-lan", cap)
    s.check(total > 10 and bad == "", "tshark dissects %d unicast adverts, none flagged" % total)
    v.stop(procs["r1"])
    s.wait_until("unicast: r2 takes over when r1 stops",
                 lambda: v.states(lab, "r2").get(key) == "master", 10)
    v.stop(procs["r2"])
    lab.sh("sw-lan", "nft delete table bridge hs_no_vrrp_mcast")

    vrids = list(range(10, 60))
    for node, prio in (("r1", 200), ("r2", 100)):
        v.vrrpd_conf(lab, node, [v.group(i, prio, "192.0.2.%d" % (100 + i)) for i in vrids])
    t0 = time.monotonic()
    procs = {n: v.start_vrrpd(lab, n) for n in ("r1", "r2")}
    s.wait_until("r1 master of 50 groups", lambda: count_state(lab, "r1", "master", vrids) == 50,
                 20)
    s.note("50 groups", "r1 master of all %.2f s after start" % (time.monotonic() - t0))
    s.wait_until("r2 backup of 50 groups", lambda: count_state(lab, "r2", "backup", vrids) == 50,
                 20)
    s.check(len(v.vmac_links(lab, "r1")) == 50, "r1 has 50 vMAC links")

    kept = vrids[:25]
    v.vrrpd_conf(lab, "r1", [v.group(i, 200, "192.0.2.%d" % (100 + i)) for i in kept])
    procs["r1"].send_signal(signal.SIGHUP)
    s.wait_until("the reload leaves r1 with 25 vMAC links",
                 lambda: len(v.vmac_links(lab, "r1")) == 25, 10)
    s.wait_until("r2 takes over the 25 removed groups",
                 lambda: count_state(lab, "r2", "master", vrids[25:]) == 25, 10)
    s.check(count_state(lab, "r1", "master", kept) == 25,
            "r1 still master of the 25 groups it kept")
    for p in procs.values():
        v.stop(p)
    owner(lab, s)
    s.summary = "unicast peers without multicast; 50 groups; reload removes 25; " + "; ".join(
        "%s: %s" % kv for kv in s.notes)


def prefix_route(lab):
    return "2001:db8:1::/64" in lab.run("r1", ["ip", "-6", "route", "show", "dev", "lan0"],
                                        check=False).stdout


def owner(lab, s):
    """An IPv6 address owner without a vMAC link: its VIP is r1's own address on lan0. vrrpd
    neither takes it over (our tag, no prefix route) nor removes it when it stops."""
    mine = "2001:db8:1::2"
    s.check(prefix_route(lab), "r1 has its prefix route before the owner starts")
    v.vrrpd_conf(lab, "r1", [v.group(9, 255, mine, family="ipv6", vmac="false")])
    p = v.start_vrrpd(lab, "r1")
    s.wait_until("the owner is master", lambda: v.states(lab, "r1").get((9, "ipv6", "lan0"))
                 == "master", 10)
    s.check(mine not in v.proto_addrs(lab, "r1") and prefix_route(lab),
            "the owner left r1's own address as it was (no tag of ours, prefix route kept)")
    v.stop(p)
    s.check(v.has_addr(lab, "r1", mine) and prefix_route(lab),
            "r1's own address and its prefix route are still there after the owner stopped")


scenario.main(body, topology="vrrp")
