#!/usr/bin/python3
"""Session sync of NAT entries in the reference lab (strict nftables on both boxes, all daemons
running), with the NAT ruleset nft/fw_nat.nft loaded on BOTH boxes before any traffic (the same
ruleset on both, as a synced config would be; the kernel registers its NAT hooks only where a nat
chain exists, so the standby needs it before the entries it is sent are of any use):
  - SNAT: 200 long-lived TCP flows from the client to the server leave with the VIP 192.0.2.1 as
    their source (the server sees only the VIP). The VIP is in the LAN prefix, which the upstream
    router reaches through the active only (vgmpd raises the standby's OSPF cost of lan0), so the
    replies follow the active across a failover;
  - DNAT: 100 flows from the client to the VIP's port 8080, sent on to the server's port 9102;
  - the standby's kernel holds every flow ESTABLISHED with its NAT binding: the reply tuple of an
    SNAT flow goes to the VIP, the reply of a DNAT flow comes from the server's 9102 (conntrack
    -L), and the entries carry the status bit IPS_SRC_NAT or IPS_DST_NAT (read over ctnetlink:
    without it the kernel translates nothing, whatever the tuples say);
  - a planned switchover and a box failure: after each, every flow is alive (longest stall
    printed);
  - hrpd's session-stats on both boxes count no entry the kernel refused."""

import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import boxes, faults, probes, scenario  # noqa: E402
from hslab_lib.pair import UPLINK, active_box, other, roles, session, settled  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402

SNAT_FLOWS = 200
DNAT_FLOWS = 100
SNAT_PORT = 9101  # the server's port of the SNAT flows
DNAT_PORT = 8080  # the VIP's port of the DNAT flows ...
DNAT_TO_PORT = 9102  # ... sent on to this port of the server
NAT_NFT = os.path.join(os.path.dirname(HERE), "nft", "fw_nat.nft")


def load_nat(lab):
    for box in ("fw1", "fw2"):
        lab.run(box, ["nft", "-f", NAT_NFT])
        out = lab.run(box, ["nft", "list", "table", "ip", "hslab_nat"]).stdout
        if "snat to %s" % REF["vip"] not in out or "dnat to %s" % REF["server"] not in out:
            raise scenario.Failed("%s: the nat table is not loaded:\n%s" % (box, out))


def ct_lines(lab, box, dport):
    """conntrack -L of box's kernel for TCP with original destination port dport."""
    out = lab.run(box, ["conntrack", "-L", "-p", "tcp", "--dport", str(dport)], check=False)
    return [line for line in out.stdout.splitlines() if line.startswith("tcp")]


# conntrack -L shows the tuples but not the status bits IPS_SRC_NAT and IPS_DST_NAT, and an entry
# can hold the translated tuples without them (then nothing is translated). This dumps the table
# over ctnetlink in the box's namespace and prints each TCP entry's original destination port and
# status, one "PORT STATUS" line per entry.
CT_STATUS_DUMP = r"""
import socket, struct
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
s.bind((0, 0))
s.settimeout(5)
req = struct.pack("=LHHLL", 20, 0x101, 0x301, 1, 0) + struct.pack("=BBH", socket.AF_INET, 0, 0)
s.send(req)

def attrs(b):
    out, i = {}, 0
    while i + 4 <= len(b):
        ln, ty = struct.unpack_from("=HH", b, i)
        if ln < 4:
            break
        out[ty & 0x3fff] = b[i + 4:i + ln]
        i += (ln + 3) & ~3
    return out

done = False
while not done:
    data = s.recv(1 << 20)
    i = 0
    while i + 16 <= len(data):
        ln, ty, fl, seq, pid = struct.unpack_from("=LHHLL", data, i)
        if ln < 16:
            break
        if ty in (2, 3):  # NLMSG_ERROR, NLMSG_DONE
            done = True
            break
        a = attrs(data[i + 20:i + ln])
        i += (ln + 3) & ~3
        if 1 not in a or 3 not in a:
            continue
        proto = attrs(attrs(a[1]).get(2, b""))
        if proto.get(1) != bytes([6]):
            continue
        dport = struct.unpack(">H", proto[3])[0] if 3 in proto else 0
        print(dport, struct.unpack(">L", a[3])[0])
"""

IPS_SRC_NAT = 0x10
IPS_DST_NAT = 0x20


def ct_status(lab, box, dport):
    """The status bits of box's TCP entries with original destination port dport."""
    out = lab.run(box, ["/usr/bin/python3", "-c", CT_STATUS_DUMP]).stdout
    return [int(st) for p, st in (line.split() for line in out.splitlines()) if int(p) == dport]


def tuples(line):
    """(state, original tuple, reply tuple) of one conntrack -L line."""
    words = line.split()
    orig, reply = {}, {}
    for w in words:
        if "=" not in w:
            continue
        k, v = w.split("=", 1)
        if k not in ("src", "dst", "sport", "dport"):
            continue
        (reply if k in orig else orig)[k] = v
    return words[3], orig, reply


def snat_ok(line):
    state, o, r = tuples(line)
    return (state == "ESTABLISHED" and o.get("src") == REF["client"]
            and o.get("dst") == REF["server"] and r.get("src") == REF["server"]
            and r.get("dst") == REF["vip"] and r.get("sport") == str(SNAT_PORT))


def dnat_ok(line):
    state, o, r = tuples(line)
    return (state == "ESTABLISHED" and o.get("src") == REF["client"]
            and o.get("dst") == REF["vip"] and o.get("dport") == str(DNAT_PORT)
            and r.get("src") == REF["server"] and r.get("sport") == str(DNAT_TO_PORT)
            and r.get("dst") == REF["client"])


def states(lines):
    h = {}
    for line in lines:
        h[line.split()[3]] = h.get(line.split()[3], 0) + 1
    return h


def dnat_flows(lab, flows, duration):
    """hs-tcp-flows from the client to VIP:8080; the server listens on its own 9102."""
    binary = lab.paths.probe("hs-tcp-flows")
    p = probes.Probe(lab, "tcp-dnat", "client", "server", duration)
    return p.start([binary, "server", "--bind", REF["server"], "--port", str(DNAT_TO_PORT),
                    "--duration", str(duration + 120), "--ready-file", p.ready],
                   [binary, "client", "--server", REF["vip"], "--port", str(DNAT_PORT),
                    "--flows", str(flows), "--duration", str(duration), "--alive-ms", "1500",
                    "--out", p.out])


def peers(lab, node, sport):
    """The peer addresses of node's established TCP sockets on local port sport."""
    out = lab.run(node, ["ss", "-Htn", "state", "established", "( sport = :%d )" % sport]).stdout
    return sorted({line.split()[-1].rsplit(":", 1)[0] for line in out.splitlines() if line})


def lan_route_via(lab):
    """The boxes through which the upstream router sends the LAN's traffic (the SNAT flows'
    replies go to the VIP, in the LAN prefix): one box, or both while OSPF has them equal."""
    out = lab.run("rtr", ["ip", "route", "show", "192.0.2.0/24"], check=False).stdout
    return sorted(b for b, a in UPLINK.items() if "via %s " % a in out)


def apply_errors(lab, box):
    return session(lab, box).get("statistics", {}).get("apply_errors", {})


def wait_held(lab, s, what, box, dport, ok, want, timeout=20):
    """Waits until box's kernel holds want entries that pass ok(); on failure says what it holds."""
    deadline = time.monotonic() + timeout
    while True:
        lines = ct_lines(lab, box, dport)
        good = [x for x in lines if ok(x)]
        held = "ESTABLISHED with the translated tuples"
        if len(good) >= want:
            s.check(True, "%s: the standby %s holds the %d flows %s" % (what, box, want, held))
            return good
        if time.monotonic() > deadline:
            raise scenario.Failed(
                "%s: the standby %s holds %d/%d flows to port %d %s within %ss"
                " (states %s; e.g. %s; apply errors %s)" % (
                    what, box, len(good), want, dport, held, timeout, states(lines),
                    lines[:1], apply_errors(lab, box)))
        time.sleep(0.2)


def under_traffic(lab, s, what, fault, settle, duration=14):
    act = active_box(lab)
    stb = other(act)
    snat = probes.tcp_flows(lab, "client", "server", REF["server"], flows=SNAT_FLOWS,
                            duration=duration, port=SNAT_PORT, alive_ms=1500)
    dnat = dnat_flows(lab, DNAT_FLOWS, duration)
    good = wait_held(lab, s, "%s: SNAT" % what, stb, SNAT_PORT, snat_ok, SNAT_FLOWS)
    s.note("%s: %s SNAT entry" % (what, stb), good[0])
    good = wait_held(lab, s, "%s: DNAT" % what, stb, DNAT_PORT, dnat_ok, DNAT_FLOWS)
    s.note("%s: %s DNAT entry" % (what, stb), good[0])
    # The binding itself: the NAT status bits, which conntrack -L does not show.
    for name, port, bit, want in (("SNAT", SNAT_PORT, IPS_SRC_NAT, SNAT_FLOWS),
                                  ("DNAT", DNAT_PORT, IPS_DST_NAT, DNAT_FLOWS)):
        st = ct_status(lab, stb, port)
        n = len([x for x in st if x & bit])
        s.check(n >= want, "%s: %s's %s entries carry the kernel's %s bit (%d of %d)" % (
            what, stb, name, "IPS_SRC_NAT" if bit == IPS_SRC_NAT else "IPS_DST_NAT", n,
            len(st)))
    # The NAT is done on the active: the server sees the SNAT flows from the VIP only, the DNAT
    # flows from the client.
    s.check(peers(lab, "server", SNAT_PORT) == [REF["vip"]],
            "%s: the server sees the SNAT flows from the VIP (%s)" % (
                what, peers(lab, "server", SNAT_PORT)))
    s.check(peers(lab, "server", DNAT_TO_PORT) == [REF["client"]],
            "%s: the server sees the DNAT flows from the client (%s)" % (
                what, peers(lab, "server", DNAT_TO_PORT)))
    t0 = time.monotonic()
    fault(act)
    s.wait_until("%s: settled" % what, lambda: settle(act), 20)
    settled_s = time.monotonic() - t0
    at_settle = lan_route_via(lab)
    # Measured, not asserted: the replies' path moves with OSPF (a failed box's routes stay until
    # its adjacency dies, 4 s dead interval), and this paces the stalls of a box failure.
    deadline = t0 + 20
    while lan_route_via(lab) != [stb] and time.monotonic() < deadline:
        time.sleep(0.05)
    via = lan_route_via(lab)
    s.note("%s: path" % what, "settled after %.1f s (the router's LAN route then via %s); "
           "via %s only after %.1f s" % (settled_s, "+".join(at_settle) or "none", stb,
                                        time.monotonic() - t0) if via == [stb] else
           "settled after %.1f s; the router's LAN route still via %s after 20 s" % (
               settled_s, "+".join(via) or "none"))
    for name, probe, want in (("SNAT", snat, SNAT_FLOWS), ("DNAT", dnat, DNAT_FLOWS)):
        r = probe.wait()
        alive, flows, stall = r.get("alive", 0), r.get("flows", want), r.get("max_stall_ms")
        s.note("%s %s" % (what, name), "%d/%d flows alive, longest stall %s ms (p99 %s ms)" % (
            alive, flows, stall, r.get("stall_p99_ms")))
        s.check(alive == flows == want, "%s: every %s flow alive (%d/%d)" % (
            what, name, alive, flows))


def check_refused(lab, s, when):
    for box in ("fw1", "fw2"):
        e = apply_errors(lab, box)
        s.note("%s: %s apply errors" % (when, box),
               ", ".join("%s %s" % kv for kv in sorted(e.items()) if kv[1]) or "none")
        s.check(e.get("refused", -1) == 0, "%s: %s's kernel refused no entry (%s)" % (
            when, box, e.get("refused")))


def body(lab, s):
    load_nat(lab)
    s.check(True, "the nat table is loaded on fw1 and fw2")
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    s.wait_until("fw2's session sync is ready", lambda: session(lab, "fw2").get(
        "status", {}).get("ready") is True, 20)

    def planned(act):
        boxes.hrpctl(lab, act, "hrp", "switchover", as_json=False, check=False)

    under_traffic(lab, s, "planned switchover", planned, lambda a: settled(lab, other(a)))
    check_refused(lab, s, "after the switchover")
    boxes.hrpctl(lab, "fw1", "undo", "hrp", "switchover", as_json=False, check=False)
    s.wait_until("fw1 preempts back", lambda: settled(lab, "fw1"), 30)
    s.wait_until("fw2's session sync is ready again", lambda: session(lab, "fw2").get(
        "status", {}).get("ready") is True, 20)

    def box_fail(act):
        faults.box_fail(lab, act)

    under_traffic(lab, s, "box failure", box_fail,
                  lambda a: roles(lab).get(other(a)) == "active")
    e = apply_errors(lab, "fw2")
    s.note("after the box failure: fw2 apply errors",
           ", ".join("%s %s" % kv for kv in sorted(e.items()) if kv[1]) or "none")
    s.check(e.get("refused", -1) == 0, "after the box failure: fw2's kernel refused no entry")
    faults.box_recover(lab, "fw1")
    s.wait_until("the pair settles after fw1 thaws", lambda: active_box(lab) is not None, 30)
    check_refused(lab, s, "at the end")
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes
                          if kv[0].endswith("SNAT") or kv[0].endswith("DNAT"))


if __name__ == "__main__":
    scenario.main(body, topology="ref", daemons=True)
