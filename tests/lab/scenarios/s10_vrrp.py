#!/usr/bin/python3
"""vrrpd against vrrpd on one LAN (tests/clab/vrrp.clab.yml): v3 IPv4, v3 IPv6, v2 and a group on
a bridge interface. Election; tshark dissects every advert without a malformed or bad-checksum flag;
clients resolve the VIPs to the virtual MACs; box failure (freeze) and thaw; carrier loss (the
master's groups go to Initialize); an interface deleted and built again, a vMAC link deleted, the
primary address removed and renumbered (vrrpd follows: doc/vrrp.md "Interfaces"); a
backup's vMAC links (vmac_backup random-mac and protodown), after it was master, neither answer
for a VIP nor send from a virtual MAC (tshark); graceful stop (the backup takes over, nothing left
behind); preemption with and without a delay; kill -9 leaves VIPs and vMAC links that
`vrrpd --flush` removes."""

import json
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


def groups(prio, cs=10):
    # Groups 1-3: a backup keeps its vMAC link up with a random MAC; group 4 has the default,
    # down and protodown as FRR does.
    rnd = {"vmac_backup": '"random-mac"'}
    return [
        v.group(1, prio, v.VIP4, interval=cs, **rnd),
        v.group(1, prio, v.VIP6, family="ipv6", router_advert="true", interval=cs, **rnd),
        v.group(2, prio, v.VIP2, version=2, interval=100, **rnd),
        v.group(3, prio, v.VIPV, iface="br1", interval=cs, **rnd),
        v.group(4, prio, VIPD, preempt_delay=2, accept="true", interval=cs),
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


VIRTUAL_SRC = "eth.src[0:5] == 00:00:5e:00:01 || eth.src[0:5] == 00:00:5e:00:02"
VLL = "fe80::200:5eff:fe00:201"


def backup_links(lab, s, node):
    """A backup's vMAC links: random-mac ones up with a locally administered MAC and no address,
    group 4's (protodown) down."""
    links = json.loads(lab.run(node, ["ip", "-j", "addr", "show"]).stdout)
    vmacs = {l["ifname"]: l for l in links if l["ifname"].startswith("hsv")}
    down = [n for n in vmacs if n.startswith("hsv4.") and n.endswith(".4")]
    up = [n for n in vmacs if n not in down]
    s.check(len(up) == 4 and len(down) == 1, "%s has 4 random-mac vMAC links and 1 protodown"
            " one (%s)" % (node, ", ".join(sorted(vmacs))))
    bad = ["%s %s %s %s" % (n, vmacs[n]["address"], ",".join(vmacs[n]["flags"]),
                            [a["local"] for a in vmacs[n].get("addr_info", [])]) for n in up
           if "UP" not in vmacs[n]["flags"] or "LOWER_UP" not in vmacs[n]["flags"]
           or not int(vmacs[n]["address"][:2], 16) & 2 or vmacs[n].get("addr_info")]
    s.check(not bad, "the backup's random-mac vMAC links are running with a locally "
            "administered MAC and no address%s" % ("" if not bad else ": " + "; ".join(bad)))
    s.check(all("UP" not in vmacs[n]["flags"] for n in down),
            "the protodown group's vMAC link is down on the backup")


# r2's own address on each LAN, and the host there that pings it.
R2_ON = {"sw-lan": ("client", "192.0.2.3"), "sw-lan2": ("server", "198.51.100.3")}


def capturing(lab, host, addr, sw, path):
    """tshark says it captures a while before it does: a ping of r2 proves the capture runs."""
    lab.run(host, ["ping", "-c1", "-W1", addr], check=False, timeout=10)
    return v.tshark_count(lab, sw, path, "icmp.type == 0 && ip.src == %s" % addr) > 0


def adopted_cs(lab, node):
    """The advert intervals a backup follows (a v3 backup adopts its master's)."""
    return {g.get("master_adver_interval_cs") for g in v.vrrp_status(lab, node).get("groups", [])}


def became_master(lab, node):
    return sum(g.get("counters", {}).get("became_master", 0)
               for g in v.vrrp_status(lab, node).get("groups", []))


def capture_backup(lab, s, node, workdir, attempt):
    """Captures what node sends on its switch ports (inbound there) while the hosts resolve
    every VIP and the virtual link-local; returns [(switch, pcap)]."""
    caps = []
    try:
        for _, sw, port in lab.topo.switch_ports(node):
            path = os.path.join(workdir, "backup-%d-%s-%s.pcap" % (attempt, sw, port))
            caps.append((sw, path, v.start_capture(lab, sw, port, path, bpf="inbound")))
        for sw, path, _ in caps:
            host, addr = R2_ON[sw]
            s.wait_until("the capture on %s sees %s's echo reply from %s" % (sw, node, addr),
                         lambda: capturing(lab, host, addr, sw, path), timeout=60)
        ping4, ping6 = ["ping", "-c1", "-W1"], ["ping", "-6", "-c1", "-W1"]
        for host in ("client", "server"):
            lab.run(host, ["ip", "neigh", "flush", "all"], check=False)
        for host, cmd in (("client", ping4 + [v.VIP4]), ("client", ping4 + [VIPD]),
                          ("client", ping4 + [v.VIP2]), ("client", ping6 + [v.VIP6]),
                          ("client", ping6 + [VLL + "%eth1"]), ("server", ping4 + [v.VIPV])):
            lab.run(host, cmd, check=False, timeout=10)
        time.sleep(1)
    finally:
        for _, _, p in caps:
            v.stop_capture(p)
    return [(sw, path) for sw, path, _ in caps]


def backup_silent(lab, s, node, workdir, attempts=3):
    """While the client and the server resolve every VIP and the virtual link-local, the backup
    answers none of them and sends no frame from a virtual MAC. A capture during which the
    backup went master for a moment (a stall of this shared machine: it then rightly sends
    from the virtual MAC) does not count, and is taken again."""
    for attempt in range(attempts):
        s.wait_until("%s backup of every group" % node, lambda: all_in(lab, node, "backup"),
                     timeout=15)
        before = became_master(lab, node)
        caps = capture_backup(lab, s, node, workdir, attempt)
        if became_master(lab, node) == before:
            break
        s.note("backup capture %d" % attempt, "%s went master during it: taken again" % node)
    else:
        s.check(False, "%s stayed backup through one of %d captures" % (node, attempts))
        return
    vips4 = ", ".join((v.VIP4, VIPD, v.VIP2, v.VIPV))
    answers = ("(arp.opcode == 2 && arp.src.proto_ipv4 in {%s}) || (icmpv6.type == 136 && "
               "icmpv6.nd.na.target_address in {%s, %s})" % (vips4, v.VIP6, VLL))
    n_answers = sum(v.tshark_count(lab, sw, path, answers) for sw, path in caps)
    n_virtual = sum(v.tshark_count(lab, sw, path, VIRTUAL_SRC) for sw, path in caps)
    s.check(n_answers == 0, "the backup answers no ARP / ND for a VIP (%d answers)" % n_answers)
    s.check(n_virtual == 0, "the backup sends no frame from a virtual MAC (%d)" % n_virtual)


def body(lab, s):
    for node, prio in (("r1", 200), ("r2", 100)):
        v.vrrpd_conf(lab, node, groups(prio))
        # Firewall rules match the LAN by interface group: its vMAC links must be in it too.
        lab.run(node, ["ip", "link", "set", "lan0", "group", "10"])
    procs = {n: v.start_vrrpd(lab, n) for n in ("r1", "r2")}
    on_the_wire(lab, s)
    reachable(lab, s)
    backup_links(lab, s, "r2")
    failures(lab, s, procs)
    interfaces(lab, s)
    stops(lab, s, procs)
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


def on_the_wire(lab, s):
    """r1 master, r2 backup of every group; the vMAC links in lan0's interface group; every
    advert on the LAN well formed for tshark."""
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


def reachable(lab, s):
    """The hosts reach the VIPs at their virtual MACs, the client's IPv6 default route is the
    virtual link-local, and only the group in accept mode answers for its VIP."""
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


def failures(lab, s, procs):
    """A box failure, a lost carrier, and reloads to other advert intervals."""
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
    # r1 leaves them (Initialize, as keepalived's FAULT): a master on a dead link would fight
    # the real one once the carrier is back.
    s.wait_until("r1's lan0 groups stopped for their interface",
                 lambda: iface_status(lab, "r1", on_lan0) == {"interface-down"}, timeout=10)
    s.check(all_in(lab, "r1", "initialize", on_lan0), "r1's lan0 groups are in Initialize")
    faults.link_up(lab, "r1", "lan0")
    s.wait_until("r1 master again when its carrier is back",
                 lambda: all_in(lab, "r1", "master") and all_in(lab, "r2", "backup"),
                 timeout=10)
    # r2 has been master of every group and stepped down: its vMAC links are back to what a
    # backup's are, and it neither answers for a VIP nor sends from a virtual MAC.
    backup_links(lab, s, "r2")
    # At 1 s adverts (r1 reloaded; r2 adopts its interval): at 100 ms this loaded machine makes
    # r2 master for a moment now and then, and a master rightly sends from the virtual MAC.
    v.vrrpd_conf(lab, "r1", groups(200, cs=100))
    procs["r1"].send_signal(signal.SIGHUP)
    s.wait_until("r1 master again after its reload to 1 s adverts, r2 following them",
                 lambda: all_in(lab, "r1", "master") and all_in(lab, "r2", "backup")
                 and adopted_cs(lab, "r2") == {100}, 30)
    backup_silent(lab, s, "r2", lab.workdir)
    v.vrrpd_conf(lab, "r1", groups(200))
    procs["r1"].send_signal(signal.SIGHUP)
    s.wait_until("r1 master again after its reload to 100 ms adverts",
                 lambda: all_in(lab, "r1", "master") and all_in(lab, "r2", "backup")
                 and adopted_cs(lab, "r2") == {10, 100}, 30)


def iface_status(lab, node, keys):
    return {g.get("interface_status") for g in v.vrrp_status(lab, node).get("groups", [])
            if (g["vrid"], g["family"], g["interface"]) in keys}


def watch_count(lab, node, what):
    return v.vrrp_status(lab, node).get("watch", {}).get(what, 0)


def master_addr(lab, node, key):
    for g in v.vrrp_status(lab, node).get("groups", []):
        if (g["vrid"], g["family"], g["interface"]) == key:
            return g.get("master")
    return None


def interfaces(lab, s):
    """vrrpd follows its interfaces: br1 deleted and built again (a new index) moves group 3 to
    r2 and back on a fresh vMAC link; a vMAC link deleted by hand is made again; r1's IPv4
    address on lan0 removed stops its IPv4 lan0 groups, and a new one is advertised from."""
    key3 = KEYS[3]
    starts = watch_count(lab, "r1", "starts")
    old = [l for l in v.vmac_links(lab, "r1") if l.endswith(".3")]
    lab.run("r1", ["ip", "link", "del", "br1"])
    s.wait_until("r2 master of group 3 once r1's br1 is gone",
                 lambda: v.states(lab, "r2").get(key3) == "master", timeout=10)
    s.check(iface_status(lab, "r1", [key3]) == {"interface-missing"},
            "r1's group 3 waits for br1 (interface-missing)")
    for cmd in (["ip", "link", "add", "br1", "type", "bridge", "stp_state", "0",
                 "mcast_snooping", "0"], ["ip", "link", "set", "lan1", "master", "br1"],
                ["ip", "link", "set", "br1", "up"],
                ["ip", "addr", "add", "198.51.100.2/24", "dev", "br1"]):
        lab.run("r1", cmd)
    s.wait_until("r1 master of group 3 again on the new br1",
                 lambda: v.states(lab, "r1").get(key3) == "master"
                 and v.states(lab, "r2").get(key3) == "backup", timeout=15)
    new = [l for l in v.vmac_links(lab, "r1") if l.endswith(".3")]
    s.check(new and new != old, "on a vMAC link of the new index (%s -> %s)" % (old, new))
    s.check(watch_count(lab, "r1", "starts") > starts, "the watch counted the start")
    mac = neigh_mac(lab, "server", v.VIPV, ["ping", "-c1", "-W1"])
    s.check(mac == "00:00:5e:00:01:03", "the server reaches %s at its virtual MAC again (%s)"
            % (v.VIPV, mac))

    key4 = KEYS[4]
    vmac4 = [l for l in v.vmac_links(lab, "r1") if l.startswith("hsv4.") and l.endswith(".4")]
    lab.run("r1", ["ip", "link", "del", vmac4[0]])
    s.wait_until("a vMAC link deleted by hand is made again, r1 master of group 4",
                 lambda: vmac4[0] in v.vmac_links(lab, "r1")
                 and v.states(lab, "r1").get(key4) == "master", timeout=15)
    s.check(v.has_addr(lab, "r1", VIPD), "group 4's VIP is on r1 again")

    v4_lan0 = [k for k in KEYS if k[1] == "ipv4" and k[2] == "lan0"]
    lab.run("r1", ["ip", "addr", "del", "192.0.2.2/24", "dev", "lan0"])
    s.wait_until("r1's IPv4 lan0 groups stop without an address, r2 master of them",
                 lambda: iface_status(lab, "r1", v4_lan0) == {"no-address"}
                 and all_in(lab, "r2", "master", v4_lan0), timeout=10)
    s.check(v.states(lab, "r1").get(KEYS[1]) == "master",
            "the IPv6 group on lan0 stays master (its link-local is there)")
    lab.run("r1", ["ip", "addr", "add", "192.0.2.12/24", "dev", "lan0"])
    s.wait_until("r1 master of them again, advertising from its new address 192.0.2.12",
                 lambda: all_in(lab, "r1", "master", v4_lan0)
                 and master_addr(lab, "r2", KEYS[0]) == "192.0.2.12", timeout=15)
    # Back to .2: added (as a secondary), then .12 removed and .2 promoted.
    lab.run("r1", ["sysctl", "-qw", "net.ipv4.conf.lan0.promote_secondaries=1"])
    lab.run("r1", ["ip", "addr", "add", "192.0.2.2/24", "dev", "lan0"])
    lab.run("r1", ["ip", "addr", "del", "192.0.2.12/24", "dev", "lan0"])
    s.wait_until("r1 advertises from 192.0.2.2 again, master all along",
                 lambda: master_addr(lab, "r2", KEYS[0]) == "192.0.2.2", timeout=10)
    s.check(all_in(lab, "r1", "master") and watch_count(lab, "r1", "readdressed") > 0,
            "r1 master of every group, the move counted (readdressed %d)"
            % watch_count(lab, "r1", "readdressed"))


def stops(lab, s, procs):
    """A graceful stop (make before break), the return with preemption and its delay, kill -9
    and vrrpd --flush."""
    t0 = time.monotonic()
    status = v.stop(procs["r1"])
    s.check(status == 0, "r1's vrrpd stops on SIGTERM with status 0")
    # Make before break (doc/vrrp.md): r1 held its VIPs until r2's first adverts.
    with open(os.path.join(lab.node_dir("r1"), "log", "vrrpd.log"), errors="replace") as f:
        held = [ln for ln in f if "hold on until the new master speaks" in ln]
    s.check(held, "r1's master groups held on after their priority-0 adverts (%s)" % (
        held[-1].strip() if held else "no such log line"))
    s.note("r2 master of all when r1 exited", all_in(lab, "r2", "master"))
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


scenario.main(body, topology="vrrp")
