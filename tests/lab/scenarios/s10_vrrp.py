#!/usr/bin/python3
"""vrrpd against vrrpd on one LAN (tests/clab/vrrp.clab.yml): v3 IPv4, v3 IPv6, v2 and a group on
a bridge interface. Election; tshark dissects every advert without a malformed or bad-checksum flag;
clients resolve the VIPs to the virtual MACs; box failure (freeze) and thaw; carrier loss; graceful
stop (the backup takes over, nothing left behind); preemption with and without a delay; kill -9
leaves VIPs and vMAC links that `vrrpd --flush` removes."""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from hslab_lib import faults, scenario  # noqa: E402
import vrrp_lab as v  # noqa: E402

VIPD = "192.0.2.204"


def groups(prio):
    return [
        v.group(1, prio, v.VIP4),
        v.group(1, prio, v.VIP6, family="ipv6", router_advert="true"),
        v.group(2, prio, v.VIP2, version=2, interval=100),
        v.group(3, prio, v.VIPV, iface="br1"),
        v.group(4, prio, VIPD, preempt_delay=2, accept="true"),
    ]


KEYS = [(1, "ipv4", "lan0"), (1, "ipv6", "lan0"), (2, "ipv4", "lan0"), (3, "ipv4", "br1"),
        (4, "ipv4", "lan0")]


def all_in(lab, node, state, keys=KEYS):
    st = v.states(lab, node)
    return all(st.get(k) == state for k in keys)


def neigh_mac(lab, node, addr, ping):
    lab.run(node, ping + [addr], check=False, timeout=10)
    out = lab.run(node, ["ip", "neigh", "show", addr], check=False).stdout
    parts = out.split()
    return parts[parts.index("lladdr") + 1] if "lladdr" in parts else None


def body(lab, s):
    for node, prio in (("r1", 200), ("r2", 100)):
        v.vrrpd_conf(lab, node, groups(prio))
        # Firewall rules match the LAN by interface group: its vMAC links must be in it too.
        lab.run(node, ["ip", "link", "set", "lan0", "group", "10"])
    procs = {n: v.start_vrrpd(lab, n) for n in ("r1", "r2")}
    s.wait_until("r1 master of every group", lambda: all_in(lab, "r1", "master"), timeout=15)
    s.wait_until("r2 backup of every group", lambda: all_in(lab, "r2", "backup"), timeout=15)

    groups_of = lab.run("r1", ["ip", "-o", "link", "show", "group", "10"]).stdout
    lan0 = lab.run("r1", ["cat", "/sys/class/net/lan0/ifindex"]).stdout.strip()
    of_lan0 = [l for l in v.vmac_links(lab, "r1") if l.split(".")[1] == lan0]
    s.check(len(of_lan0) == 4 and all(("%s@" % l) in groups_of for l in of_lan0),
            "lan0's 4 vMAC links are in its interface group, so iifgroup 10 matches them (%s)"
            % ", ".join(of_lan0))

    cap = v.capture(lab, "sw-lan", "br0", 3, os.path.join(lab.workdir, "vrrp.pcap"))
    total, bad = v.tshark_problems(lab, "sw-lan", cap)
    s.check(total > 20, "tshark dissects %d adverts on the LAN" % total)
    s.check(bad == "", "no advert is malformed or has a bad checksum%s" % (
        "" if not bad else ":\n" + bad))

    ping4, ping6 = ["ping", "-c1", "-W1"], ["ping", "-6", "-c1", "-W1"]
    through = lab.run("client", ["ping", "-c1", "-W2", "198.51.100.100"], check=False)
    s.check(through.returncode == 0, "the client reaches the server through the VRRP master")
    for host, addr, ping, mac in (("client", v.VIP4, ping4, "00:00:5e:00:01:01"),
                                  ("client", v.VIP6, ping6, "00:00:5e:00:02:01"),
                                  ("server", v.VIPV, ping4, "00:00:5e:00:01:03")):
        got = neigh_mac(lab, host, addr, ping)
        s.check(got == mac, "the %s reaches %s at the virtual MAC %s (got %s)" % (
            host, addr, mac, got))

    # Router advertisements from the virtual link-local: the client's default route.
    vll = "fe80::200:5eff:fe00:201"
    s.wait_until("the client's IPv6 default route is the virtual link-local %s" % vll,
                 lambda: vll in lab.run("client", ["ip", "-6", "route", "show", "default"],
                                        check=False).stdout, 15)

    # Accept mode (RFC 5798 6.4.3): only group 4 accepts packets addressed to its VIP.
    answers = lambda addr: lab.run("client", ["ping", "-c1", "-W1", addr], check=False,
                                   timeout=10).returncode == 0
    s.check(not answers(v.VIP4), "the master drops a ping to a VIP of a group without accept mode")
    s.check(answers(VIPD), "the master answers a ping to the VIP of the group in accept mode")

    faults.box_fail(lab, "r1")
    t0 = time.monotonic()
    s.wait_until("r2 master of every group while r1 is frozen",
                 lambda: all_in(lab, "r2", "master"), timeout=10)
    s.note("box failure", "r2 master of all %d groups after %.2f s (v2 group at 1 s adverts)" % (
        len(KEYS), time.monotonic() - t0))
    faults.box_recover(lab, "r1")
    s.wait_until("r2 backs off when r1 thaws (higher priority heard)",
                 lambda: all_in(lab, "r2", "backup"), timeout=10)
    s.check(all_in(lab, "r1", "master"), "r1 master again after the thaw")

    faults.link_down(lab, "r1", "lan0")
    on_lan0 = [k for k in KEYS if k[2] == "lan0"]
    s.wait_until("r2 master of the lan0 groups when r1's lan0 loses carrier",
                 lambda: all_in(lab, "r2", "master", on_lan0), timeout=10)
    s.check(v.states(lab, "r2").get(KEYS[3]) == "backup",
            "the group on br1 stays on r1 (its link did not fail)")
    faults.link_up(lab, "r1", "lan0")
    s.wait_until("r1 master again when its carrier is back",
                 lambda: all_in(lab, "r1", "master") and all_in(lab, "r2", "backup"),
                 timeout=10)

    t0 = time.monotonic()
    status = v.stop(procs["r1"])
    s.check(status == 0, "r1's vrrpd stops on SIGTERM with status 0")
    s.wait_until("r2 master after r1's graceful stop", lambda: all_in(lab, "r2", "master"),
                 timeout=10)
    s.note("graceful stop", "r2 master of all groups %.2f s after SIGTERM" % (
        time.monotonic() - t0))
    s.check(v.vmac_links(lab, "r1") == [] and v.proto_addrs(lab, "r1") == [],
            "a stopped vrrpd leaves no vMAC link and no VIP")
    s.check(lab.run("r1", ["nft", "list", "table", "inet", "hs_vrrpd"], check=False).returncode
            != 0, "nor its accept-mode table")

    procs["r1"] = v.start_vrrpd(lab, "r1")
    key1, key4 = KEYS[0], KEYS[4]
    s.wait_until("r1 preempts group 1", lambda: v.states(lab, "r1").get(key1) == "master",
                 timeout=10)
    t_pre = time.monotonic()
    s.check(v.states(lab, "r1").get(key4) != "master",
            "group 4 (preempt delay 2 s) does not preempt at once")
    s.wait_until("r1 preempts group 4 after its delay",
                 lambda: v.states(lab, "r1").get(key4) == "master", timeout=10)
    delay = time.monotonic() - t_pre
    s.check(1.5 <= delay <= 4.0, "group 4 preempted %.2f s after group 1 (delay 2 s)" % delay)

    procs["r1"].send_signal(signal.SIGKILL)
    procs["r1"].wait(timeout=10)
    s.wait_until("r2 master after kill -9 of r1", lambda: all_in(lab, "r2", "master"),
                 timeout=10)
    left = v.vmac_links(lab, "r1")
    s.check(left != [] and v.has_addr(lab, "r1", v.VIP4),
            "kill -9 leaves vMAC links and VIPs behind (%s)" % ", ".join(left))
    out = lab.run("r1", [lab.paths.daemon("vrrpd"), "--flush"]).stdout.strip()
    s.check(v.vmac_links(lab, "r1") == [] and v.proto_addrs(lab, "r1") == []
            and not v.has_addr(lab, "r1", v.VIP4)
            and lab.run("r1", ["nft", "list", "table", "inet", "hs_vrrpd"],
                        check=False).returncode != 0,
            "vrrpd --flush removes them and the accept-mode table: %s" % out)
    v.stop(procs["r2"])
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="vrrp")
