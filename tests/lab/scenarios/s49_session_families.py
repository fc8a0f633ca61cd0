#!/usr/bin/python3
"""Session sync beyond IPv4 TCP/UDP, in the reference lab with the strict nftables on both boxes
and every daemon running (fw1 active):
  - IPv6: the LAN's gateway 2001:db8:0:1::1 is a second VRRP group (IPv6, vgmp active) added to
    both configs; 50 IPv6 TCP flows and ICMPv6 echoes from the client to the server go through
    fw1, and fw2's kernel holds each entry (TCP ESTABLISHED; the echo with its id);
  - conntrack labels: a rule of a test table on fw1 only sets label 5 on IPv4 and IPv6 TCP
    flows to port 9032; fw2's entries carry the same labels. The kernel gives an entry room for
    labels only if the namespace's ruleset uses them when the entry is created: each box's hrpd
    loads a hookless table of its own (inet hotstandby_labels) when session sync starts, and
    says so in its status. First, before any labelled entry: flows to port 9033 that fw2 already
    holds unlabelled get label 6 on fw1 only later (a rule added then), and fw2's copies get it
    too (before the table was loaded at start, fw2's copies had no room: the label never came);
    last, a UDP entry that fw2 held before its hrpd started (so without room) is labelled on
    fw1: fw2 counts the label it could not keep (labels_lost), instead of losing it silently;
  - SCTP: this kernel tracks SCTP but has no SCTP sockets (CONFIG_IP_SCTP off), so IPv4 and IPv6
    SCTP entries are made on fw1 with conntrack -I; fw2 holds them ESTABLISHED with the same
    verification tags, and their destroys follow;
  - directional conntrack zones (nftables `ct original zone set`): a TCP entry in original zone 7
    and one in reply zone 9, made on fw1 with conntrack -I, are on fw2 in the same zones (not
    zone 0), and their destroys follow; a TCP flow through fw1 that a rule on both boxes puts
    in original zone 7 is on fw2 ESTABLISHED in that zone (its updates found the entry);
  - the consistency check (digests per range) finds the tables consistent;
  - a box failure of fw1 under 50 IPv6 TCP flows: every flow alive on fw2. IPv6 is routed
    statically in this lab (no OSPFv3): once fw2 is active the scenario moves the router's route
    to the LAN's IPv6 prefix to fw2, as a routing protocol would.
The labels and SCTP states are read with ct_dump.py (ctnetlink), which shows what the conntrack
tool cannot."""

import json
import os
import re
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import boxes, faults, pair, probes, scenario  # noqa: E402
from hslab_lib.pair import ctl_or_empty, session, settled  # noqa: E402

SERVER6 = "2001:db8:0:80::130"
CLIENT6 = "2001:db8:0:1::100"
GW6 = "2001:db8:0:1::1"
LAN6 = "2001:db8:0:1::/64"
UPLINK6 = {"fw1": "2001:db8:0:11::1", "fw2": "2001:db8:0:12::1"}
FLOWS = 50
TCP_PORT = 9031
LABEL_PORT = 9032
LABEL_BIT = 5
LATE_PORT = 9033
LATE_BIT = 6
LATE_FLOWS = 3
OLD_PORT = 9034  # a UDP entry older than fw2's hrpd
OLD_SPORT = 40034
OLD_BIT = 7
OLD_ENTRY = ["-p", "udp", "-s", scenario.REF["client"], "-d", scenario.REF["server"], "--sport",
             str(OLD_SPORT), "--dport", str(OLD_PORT), "-t", "300", "-u", "SEEN_REPLY"]
SEND_OLD = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            "s.bind(('%s', %d)); [s.sendto(b'x', ('%s', %d)) for _ in range(3)]" % (
                scenario.REF["client"], OLD_SPORT, scenario.REF["server"], OLD_PORT))
TCP_ESTABLISHED = 3  # TCP_CONNTRACK_ESTABLISHED
SCTP_ESTABLISHED = 4  # SCTP_CONNTRACK_ESTABLISHED

LABEL_RULES = """table inet hslabel
delete table inet hslabel
table inet hslabel {
	chain forward {
		type filter hook forward priority 10; policy accept;
		tcp dport %d ct label set %d
	}
}
""" % (LABEL_PORT, LABEL_BIT)

SCTP = [  # conntrack -I arguments of an SCTP association on fw1 (addresses s49's own)
    ["-p", "sctp", "-s", "192.0.2.50", "-d", "203.0.113.99", "--sport", "3868", "--dport",
     "3868", "--state", "ESTABLISHED", "-t", "300", "-u", "SEEN_REPLY,ASSURED",
     "--orig-vtag", "4660", "--reply-vtag", "22136"],
    ["-p", "sctp", "-s", "2001:db8:0:1::50", "-d", "2001:db8:0:80::99", "--sport", "3868",
     "--dport", "3868", "--state", "ESTABLISHED", "-t", "300", "-u", "SEEN_REPLY,ASSURED",
     "--orig-vtag", "4660", "--reply-vtag", "22136"],
]


def ct_dump(lab, box, family=0):
    out = lab.run(box, ["/usr/bin/python3", os.path.join(HERE, "ct_dump.py"), "--family",
                        str(family)], check=False).stdout
    return [json.loads(x) for x in out.splitlines() if x.startswith("{")]


def entries(lab, box, proto, dport=None, src=None, family=0):
    return [e for e in ct_dump(lab, box, family) if e["proto"] == proto
            and (dport is None or e["orig"].get("dport") == dport)
            and (src is None or e["orig"].get("src") == src)]


def add_ipv6_gateway(lab, box):
    """A second VRRP group, IPv6, for the LAN's IPv6 gateway: a copy of the IPv4 group."""
    path = boxes.config(lab, box)
    with open(path) as f:
        text = f.read()
    m = re.search(r"\{ interface = \"lan0\"; vrid = 1; family = \"ipv4\";.*?\}", text, re.S)
    if not m:
        raise RuntimeError("%s: no IPv4 group on lan0" % path)
    v6 = m.group(0).replace("vrid = 1", "vrid = 2").replace('"ipv4"', '"ipv6"')
    v6 = re.sub(r"vips = \[[^]]*\]", 'vips = [ "%s" ]' % GW6, v6)
    with open(path, "w") as f:
        f.write(text[:m.end()] + ",\n    " + v6 + text[m.end():])


def role(lab, box):
    st = boxes.hrpctl(lab, box, "display", "hrp", "state", check=False, timeout=2)
    return st.get("role") if isinstance(st, dict) else None


def route6_via(lab, box):
    """The router's IPv6 route to the LAN goes via box (static routing: see the docstring)."""
    lab.run("rtr", ["ip", "-6", "route", "replace", LAN6, "via", UPLINK6[box]])


def ping6(lab, count=3):
    return lab.run("client", ["ping", "-6", "-c", str(count), "-i", "0.2", "-W", "1", SERVER6],
                   check=False).returncode == 0


def ipv6_flows(lab, s):
    tcp = probes.tcp_flows(lab, "client", "server", SERVER6, flows=FLOWS, duration=6,
                           port=TCP_PORT, alive_ms=1500)
    s.wait_until("fw2 holds the %d IPv6 TCP flows, ESTABLISHED" % FLOWS,
                 lambda: len([e for e in entries(lab, "fw2", 6, TCP_PORT, family=6)
                              if e.get("state") == TCP_ESTABLISHED]) >= FLOWS, 60)
    s.check(ping6(lab), "ICMPv6 echo from the client to the server through fw1")
    on1 = {e["orig"]["icmp_id"] for e in entries(lab, "fw1", 58, src=CLIENT6, family=6)
           if e["orig"].get("icmp_type") == 128}
    s.check(on1, "fw1 tracks the ICMPv6 echo (ids %s)" % sorted(on1))
    s.wait_until("fw2 holds the ICMPv6 echo entries (ids %s)" % sorted(on1), lambda: on1 <= {
        e["orig"]["icmp_id"] for e in entries(lab, "fw2", 58, src=CLIENT6, family=6)
        if e["orig"].get("icmp_type") == 128 and e["reply"].get("icmp_type") == 129}, 30)
    held = [e["timeout"] for e in entries(lab, "fw2", 58, src=CLIENT6, family=6)]
    s.check(held and min(held) > 60, "fw2 holds them with the hold timeout, not ICMPv6's 30 s "
            "(%s s)" % held)
    r = tcp.wait()
    s.check(r.get("alive") == FLOWS, "the IPv6 flows ran (%s/%d alive)" % (r.get("alive"), FLOWS))


def late_labels(lab, s):
    """Flows that fw2 holds, unlabelled, before fw1 labels them (fw1's entries have room: its
    ruleset uses labels since LABEL_RULES)."""
    tcp = probes.tcp_flows(lab, "client", "server", scenario.REF["server"], flows=LATE_FLOWS,
                           duration=10, port=LATE_PORT, alive_ms=3000)

    def held(box, want):
        return [e for e in entries(lab, box, 6, LATE_PORT, family=4)
                if e.get("state") == TCP_ESTABLISHED and e["labels"] == want]

    s.wait_until("fw2 holds the %d flows to port %d, ESTABLISHED, without a label" % (
        LATE_FLOWS, LATE_PORT), lambda: len(held("fw2", [])) >= LATE_FLOWS, 30)
    lab.run("fw1", ["nft", "add", "rule", "inet", "hslabel", "forward", "tcp", "dport",
                    str(LATE_PORT), "ct", "label", "set", str(LATE_BIT)])
    s.wait_until("fw1 labels them now (label %d)" % LATE_BIT,
                 lambda: len(held("fw1", [LATE_BIT])) >= LATE_FLOWS, 30)
    s.wait_until("fw2's copies get label %d too" % LATE_BIT,
                 lambda: len(held("fw2", [LATE_BIT])) >= LATE_FLOWS, 30)
    r = tcp.wait()
    s.check(r.get("alive") == LATE_FLOWS, "the late-labelled flows ran (%s/%d alive)" % (
        r.get("alive"), LATE_FLOWS))
    lost = session(lab, "fw2").get("statistics", {}).get("labels_lost")
    s.check(lost == 0, "fw2 lost no peer's labels (labels_lost %s)" % lost)


def older_entry(lab, s):
    """Before fw2's daemons start: the same UDP entry on both boxes, fw1's made after its hrpd
    loaded the label table (room), fw2's before its own (none)."""
    s.wait_until("fw1's hrpd loaded its label table", lambda: session(lab, "fw1").get(
        "status", {}).get("labels_room") == "loaded", 20)
    for box in ("fw1", "fw2"):
        lab.run(box, ["conntrack", "-I"] + OLD_ENTRY)


def lost_labels(lab, s):
    lab.run("fw1", ["nft", "add", "rule", "inet", "hslabel", "forward", "udp", "dport",
                    str(OLD_PORT), "ct", "label", "set", str(OLD_BIT)])
    lab.run("client", ["/usr/bin/python3", "-c", SEND_OLD])
    s.wait_until("fw1 labels the older UDP entry (label %d)" % OLD_BIT, lambda: [
        e for e in entries(lab, "fw1", 17, OLD_PORT) if e["labels"] == [OLD_BIT]], 20)
    s.wait_until("fw2 counts the label its older entry has no room for", lambda: session(
        lab, "fw2").get("statistics", {}).get("labels_lost", 0) >= 1, 20)
    two = entries(lab, "fw2", 17, OLD_PORT)
    s.note("labels lost", "fw2: %s (its entry's labels %s)" % (session(lab, "fw2").get(
        "statistics", {}).get("labels_lost"), [e["labels"] for e in two]))
    s.check(len(two) == 1 and two[0]["labels"] == [],
            "the count is true: fw2's older entry holds no label (%s)" % two)


def labels(lab, s):
    at_start = {b: session(lab, b).get("status", {}).get("labels_room") for b in ("fw1", "fw2")}
    lab.run("fw1", ["nft", "-f", "-"], input_text=LABEL_RULES)
    late_labels(lab, s)
    tcp4 = probes.tcp_flows(lab, "client", "server", scenario.REF["server"], flows=5,
                            duration=6, port=LABEL_PORT, alive_ms=3000)
    tcp6 = probes.tcp_flows(lab, "client", "server", SERVER6, flows=5, duration=6,
                            port=LABEL_PORT, alive_ms=3000)

    def labelled(box):
        return [e for e in entries(lab, box, 6, LABEL_PORT) if e["labels"] == [LABEL_BIT]]

    s.wait_until("fw1's 10 flows to port %d carry label %d" % (LABEL_PORT, LABEL_BIT),
                 lambda: len(labelled("fw1")) >= 10, 30)
    s.wait_until("fw2 holds them with label %d (IPv4 and IPv6)" % LABEL_BIT,
                 lambda: sorted(e["family"] for e in labelled("fw2")) == [4] * 5 + [6] * 5, 30)
    for p in (tcp4, tcp6):
        r = p.wait()
        s.check(r.get("alive") == 5, "the labelled flows ran (%s/5 alive, %s connected, longest "
                "stall %s ms)" % (r.get("alive"), r.get("connected"), r.get("max_stall_ms")))
    room = session(lab, "fw2").get("status", {}).get("labels_room")
    listed = lab.run("fw2", ["nft", "list", "table", "inet", "hotstandby_labels"],
                     check=False).stdout
    s.note("labels", "fw2 without a label rule of its own: room %s (at start %s)" % (
        room, at_start))
    s.check(at_start == {"fw1": "loaded", "fw2": "loaded"},
            "both boxes' hrpd loaded the label table when session sync started (%s)" % at_start)
    s.check(room == "loaded" and listed.count("ct label set") == 1 and "hook" not in listed,
            "fw2's hrpd loaded its hookless label table (%s): %s" % (room, " ".join(
                listed.split())))
    lost_labels(lab, s)


def sctp(lab, s):
    for args in SCTP:
        lab.run("fw1", ["conntrack", "-I"] + args)
    one = {(e["family"], e["orig"]["src"]): e for e in entries(lab, "fw1", 132, 3868)}
    # conntrack(8) hands the tags over in host order (4660 reads back as 0x34120000 here):
    # fw1's own values, whatever they are, are what fw2 must hold; none is no test
    s.check(len(one) == 2 and all(e.get("state") == SCTP_ESTABLISHED and
                                  e.get("vtag_orig") and e.get("vtag_reply")
                                  for e in one.values()),
            "fw1 holds the IPv4 and IPv6 SCTP entries, ESTABLISHED, with verification tags "
            "(%s)" % list(one.values()))

    def same_on_fw2():
        two = {(e["family"], e["orig"]["src"]): e for e in entries(lab, "fw2", 132, 3868)}
        return two.keys() == one.keys() and all(
            two[k].get(f) == one[k].get(f) for k in one
            for f in ("state", "vtag_orig", "vtag_reply", "reply"))
    s.wait_until("fw2 holds both SCTP entries with fw1's state and verification tags",
                 same_on_fw2, 30)
    s.note("sctp", "vtags on fw2 %s" % [(e.get("vtag_orig"), e.get("vtag_reply"))
                                       for e in entries(lab, "fw2", 132, 3868)])


def sctp_destroys(lab, s):
    for args in SCTP:
        lab.run("fw1", ["conntrack", "-D", "-p", "sctp", "-s", args[args.index("-s") + 1]],
                check=False)
    s.wait_until("the SCTP destroys reach fw2", lambda: not entries(lab, "fw2", 132, 3868), 30)


DIR_ZONES = {  # dport: (conntrack -I zone arguments, what conntrack -L shows)
    9041: (["--orig-zone", "7"], "zone-orig=7"),
    9042: (["--reply-zone", "9"], "zone-reply=9"),
}
ZONE_PORT = 9043  # a real TCP flow in original zone 7
ZONE_RULES = """table inet hszone
delete table inet hszone
table inet hszone {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		tcp dport %d ct original zone set 7
	}
}
""" % ZONE_PORT


def tcp_line(lab, box, dport, src="192.0.2.51"):
    """conntrack -L's line of the TCP entry from src to dport on box ('' when none)."""
    out = lab.run(box, ["conntrack", "-L", "-p", "tcp", "-s", src], check=False).stdout
    return next((x for x in out.splitlines() if "dport=%d " % dport in x), "")


def dir_zones(lab, s):
    for dport, (zone, _) in DIR_ZONES.items():
        lab.run("fw1", ["conntrack", "-I", "-p", "tcp", "-s", "192.0.2.51", "-d",
                        "203.0.113.99", "--sport", "40000", "--dport", str(dport), "--state",
                        "ESTABLISHED", "-t", "300", "-u", "SEEN_REPLY,ASSURED"] + zone)
    for dport, (_, shown) in DIR_ZONES.items():
        s.check(shown in tcp_line(lab, "fw1", dport), "fw1 holds the entry in %s" % shown)
        s.wait_until("fw2 holds fw1's entry to port %d in %s, not zone 0" % (dport, shown),
                     lambda d=dport, z=shown: z in tcp_line(lab, "fw2", d), 30)
    # a real flow: its entry is made in zone 7 on fw1 and moves to ESTABLISHED by updates
    for box in ("fw1", "fw2"):
        lab.run(box, ["nft", "-f", "-"], input_text=ZONE_RULES)
    flow = probes.tcp_flows(lab, "client", "server", scenario.REF["server"], flows=1,
                            duration=4, port=ZONE_PORT)

    def synced():
        line = tcp_line(lab, "fw2", ZONE_PORT, scenario.REF["client"])
        return "zone-orig=7" in line and "ESTABLISHED" in line and line
    line = s.wait_until("fw2 holds the flow's entry ESTABLISHED in original zone 7", synced, 10)
    s.check("zone-orig=7" in tcp_line(lab, "fw1", ZONE_PORT, scenario.REF["client"]),
            "fw1's own entry of the flow is in original zone 7")
    r = flow.wait()
    s.check(r.get("alive") == 1, "the flow in zone 7 lived (%s)" % r)
    s.note("directional zones", "fw2 holds %s; the flow %s" % (
        ", ".join("%d %s" % (d, z) for d, (_, z) in DIR_ZONES.items()),
        " ".join(w for w in line.split() if w.startswith(("zone", "ESTAB")))))
    for box in ("fw1", "fw2"):
        lab.run(box, ["nft", "delete", "table", "inet", "hszone"])


def dir_zone_destroys(lab, s):
    for dport, (zone, _) in DIR_ZONES.items():
        lab.run("fw1", ["conntrack", "-D", "-p", "tcp", "-s", "192.0.2.51", "--dport",
                        str(dport)] + (zone if zone[0] == "--orig-zone" else []), check=False)
    s.wait_until("the destroys of the directional-zone entries reach fw2",
                 lambda: not any(tcp_line(lab, "fw2", d) for d in DIR_ZONES), 30)


def consistent(lab, s):
    before = ctl_or_empty(lab, "fw2", "hrpd", "session-consistency").get("checks", 0)
    pair.ctl(lab, "fw1", "hrpd", "session-check")
    s.wait_until("fw2 ran the consistency check", lambda: ctl_or_empty(
        lab, "fw2", "hrpd", "session-consistency").get("checks", 0) > before, 60)
    last = ctl_or_empty(lab, "fw2", "hrpd", "session-consistency")["last_check"]
    s.check(last["result"] == "consistent", "the digests agree (%s)" % last)


def box_failure(lab, s):
    tcp = probes.tcp_flows(lab, "client", "server", SERVER6, flows=FLOWS, duration=14,
                           port=TCP_PORT, alive_ms=1500)
    s.wait_until("fw2 holds the %d IPv6 TCP flows before the failure" % FLOWS,
                 lambda: len([e for e in entries(lab, "fw2", 6, TCP_PORT, family=6)
                              if e.get("state") == TCP_ESTABLISHED]) >= FLOWS, 60)
    faults.box_fail(lab, "fw1")
    # Only fw2 is asked: the frozen fw1 would answer no one until the control timeout.
    s.wait_until("fw2 takes over", lambda: role(lab, "fw2") == "active", 20, interval=0.02)
    route6_via(lab, "fw2")
    r = tcp.wait()
    s.note("box failure", "%s/%d IPv6 TCP flows alive, longest stall %s ms" % (
        r.get("alive"), FLOWS, r.get("max_stall_ms")))
    s.check(r.get("alive") == FLOWS, "every IPv6 TCP flow alive after fw1's failure (%s/%d)" % (
        r.get("alive"), FLOWS))
    faults.box_recover(lab, "fw1")
    s.wait_until("the pair settles after fw1 thaws", lambda: pair.active_box(lab) is not None, 30)


def body(lab, s):
    for box in ("fw1", "fw2"):
        add_ipv6_gateway(lab, box)
        boxes.start_daemons(lab, box)
        if box == "fw1":
            older_entry(lab, s)
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    s.wait_until("fw2's session sync is ready", lambda: session(lab, "fw2").get(
        "status", {}).get("ready") is True, 20)
    s.wait_until("the client reaches the server over IPv6 (gateway %s on fw1)" % GW6,
                 lambda: ping6(lab, 1), 20)
    ipv6_flows(lab, s)
    labels(lab, s)
    sctp(lab, s)
    dir_zones(lab, s)
    consistent(lab, s)
    sctp_destroys(lab, s)
    dir_zone_destroys(lab, s)
    box_failure(lab, s)
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=False)
