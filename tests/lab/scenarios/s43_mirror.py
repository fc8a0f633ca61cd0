#!/usr/bin/python3
"""Mirror session in the load-sharing lab, with asymmetric paths: the client's gateway is VIP .1
(master on fw1) and the upstream router reaches the LAN through fw2 only (its OSPF cost towards
fw1 is raised), so every flow's SYN crosses fw1 and its SYN-ACK crosses fw2. Both firewalls run
the strict ruleset: a SYN-ACK without a conntrack entry is invalid and dropped.
  - mirroring off (hrpd.mirror_session = false): the flows fail to connect (fw2 drops the SYN-ACK
    it has no entry for: the sync comes after it), so the test can fail;
  - mirroring on: 200 TCP flows all connect at once and stay alive; fw1 held the SYNs and fw2
    the SYN-ACKs until the peer acknowledged the entries;
  - while the mirror runs, fw1's hrpd refuses a hot restart, saying why (its holds cannot be
    handed over: doc/hot-restart.md), and goes on;
  - a failure of fw1, then (after it is back) of fw2, under 200 flows: every flow lives on the
    other box (its conntrack entries were mirrored).
Printed, never asserted: for the "mirror on" and failure parts, how many new flows reused a port
that had an old entry (on both boxes, or on one only with its state), and for each flow that
connected late or not at all its port, its old and current entries on both boxes, and what moved
in both kernels' conntrack statistics, NFQUEUE lines and hrpd's mirror counters.
HS_S43_PORT_RANGE="40000 41199" narrows the client's ephemeral ports so that the parts reuse
each other's ports: without the hold of a SYN that meets an old entry, ~47 of 200 flows of
"mirror on" then fail."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, faults, mirror_diag, probes, scenario  # noqa: E402
from hslab_lib import pair  # noqa: E402
from hslab_lib.pair import SERVER_NET, load_balance, mirror, roles, route_via, session  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402

FLOWS = 200
HOLD_MS = 200  # a hold long enough for a loaded CI machine: the point is the order, not the speed
CONNECT_MS = 500  # a SYN-ACK dropped once costs the client a 1 s retransmission


def hot_restart_refused(lab, s):
    """While the mirror runs, hrpd refuses a hot restart with the reason (doc/hot-restart.md:
    the holds of new flows' first packets cannot be handed over) and nothing starts."""
    pid = pair.ctl(lab, "fw1", "hrpd", "status").get("pid")
    try:
        pair.ctl(lab, "fw1", "hrpd", "hot-restart")
        s.check(False, "fw1's hrpd refuses a hot restart while the mirror session runs")
    except RuntimeError as e:
        s.check("mirror session runs" in str(e) and "cold restart" in str(e),
                "fw1's hrpd refuses a hot restart while the mirror session runs: %s" % e)
    st = pair.ctl(lab, "fw1", "hrpd", "status")
    s.check(st.get("pid") == pid and "mirror session" in
            (st.get("hot_restart") or {}).get("last_error", ""),
            "the same hrpd %s runs, the refusal in status.hot_restart (%s)" % (
                pid, (st.get("hot_restart") or {}).get("last_error")))


def set_mirror(lab, s, on):
    # Under CI's load an acknowledgement can take longer than the 10 ms default.
    s.wait_until("mirror session %s on both boxes" % ("on" if on else "off"),
                 pair.set_mirror(lab, on, HOLD_MS), 10)


def flows(lab, duration, connect_ms=CONNECT_MS):
    return probes.tcp_flows(lab, "client", "server", REF["server"], flows=FLOWS,
                            duration=duration, port=9001, alive_ms=1500,
                            connect_timeout_ms=connect_ms)


def connected(r):
    return r.get("connected", 0)


def connect_p99(r):
    ms = sorted(f["connect_ms"] for f in r.get("per_flow", []) if f.get("connect_ms", -1) >= 0)
    return ms[min(len(ms) - 1, len(ms) * 99 // 100)] if ms else None


def ready(lab):
    """Both boxes route to the server, have the peer's sessions and are sync sources (with
    the mirror session, each box holds its new flows' first packets only while it is one:
    after a thaw that comes a moment after the roles)."""
    def synced(b):
        st = session(lab, b).get("status", {})
        return st.get("ready") is True and st.get("source") is True
    return all("via" in lab.run(b, ["ip", "route", "show", SERVER_NET], check=False).stdout
               and synced(b) for b in ("fw1", "fw2"))


def vips_split(lab):
    """fw1 is master of VRID 1 (the client's gateway) and fw2 of VRID 2: until then the client's
    flows may leave through fw2 and come back through it, symmetric."""
    want = {"fw1": {1: "master", 2: "backup"}, "fw2": {1: "backup", 2: "master"}}
    for box, states in want.items():
        st = boxes.hrpctl(lab, box, "display", "vrrp", check=False)
        groups = st.get("groups", []) if isinstance(st, dict) else []
        if {g.get("vrid"): g.get("state") for g in groups} != states:
            return False
    return True


def via_fw2_for(lab, secs):
    """The router reaches the LAN through fw2 only, all the time for secs (OSPF settles at
    start-up and after a thaw; asymmetric paths are what the test needs)."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if not route_via(lab, "fw2"):
            return False
        time.sleep(0.2)
    return True


def under_fault(lab, s, box):
    s.wait_until("both boxes in load-balance", lambda: load_balance(lab), 60)
    s.wait_until("the router reaches the LAN through fw2 only, steadily",
                 lambda: via_fw2_for(lab, 3), 40)
    s.wait_until("both boxes route to the server and are ready", lambda: ready(lab), 30)
    s.wait_until("fw1 master of VRID 1, fw2 of VRID 2", lambda: vips_split(lab), 30)
    # After a thaw the router's OSPF adjacency with the box comes back and its routes move for a
    # moment: three answered pings in a row say the paths have settled.
    s.wait_until("the client reaches the server", lambda: lab.run(
        "client", ["ping", "-c", "3", "-i", "0.2", "-W", "1", REF["server"]],
        check=False).returncode == 0, 30)
    # Survival is what this part proves: a connect may retry (a hold that timed out on a
    # loaded machine costs a SYN retransmission, 1 s). In one CI run 4 of 200 flows had their
    # first three SYNs (0, 1, 3 s) unanswered before the fault: their ports had an old
    # SYN_RECV entry on fw1 only, the SYN passed as part of it, unmirrored, and fw2 dropped
    # the SYN-ACK (doc/session-sync.md, "Mirror session"; now held and mirrored). mirror_diag
    # prints such flows if it comes back.
    before = mirror_diag.snapshot(lab)
    t = flows(lab, 14, connect_ms=5000)
    time.sleep(4)
    at_fault = {b: mirror(lab, b) for b in ("fw1", "fw2")}
    faults.box_fail(lab, box)
    survivor = "fw2" if box == "fw1" else "fw1"
    s.wait_until("%s takes everything" % survivor,
                 lambda: roles(lab).get(survivor) == "active", 20)
    r = t.wait()
    mirror_diag.reuse(before, r, "%s failure" % box)
    mirror_diag.slow(lab, before, r, "%s failure" % box, at_fault)
    dead = [f for f in r.get("per_flow", []) if not f.get("alive")]
    if dead:
        for b in ("fw1", "fw2"):
            print("  %s mirror: %s" % (b, {k: v for k, v in mirror(lab, b).items() if v}),
                  flush=True)
    for f in dead[:5]:  # where their entries are, for the log
        port = str(f.get("local_port"))
        print("  dead flow %s (port %s, stall %s ms, error %s) on %s: %s" % (
            f.get("id"), port, f.get("max_stall_ms"), f.get("error"), survivor,
            lab.run(survivor, ["conntrack", "-L", "-p", "tcp", "--sport", port],
                    check=False).stdout.strip() or "no entry"), flush=True)
    s.note("%s failure" % box, "%d/%d flows alive, longest stall %s ms" % (
        r.get("alive", 0), FLOWS, r.get("max_stall_ms")))
    s.check(r.get("alive") == FLOWS, "%s failure: every flow alive on %s (%d/%d)" % (
        box, survivor, r.get("alive", 0), FLOWS))
    faults.box_recover(lab, box)


# Two UDP sockets on one port of the client, one of them marked: the mark routes through VIP .254
# (fw2), the other through VIP .1 (fw1). A datagram from each, back to back, is a new flow with
# one tuple on both boxes at once: each holds its own while the other's arrives.
CONFLICT_TRIALS = 20
CONFLICT_PROBE = r"""
import socket, sys, time
server, trials = sys.argv[1], int(sys.argv[2])
for i in range(trials):
    socks = []
    for mark in (0, 1):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, mark)
        u.bind(("0.0.0.0", 42000 + i))
        socks.append(u)
    for u in socks:
        u.sendto(b"x", (server, 9999))
    time.sleep(0.05)
    for u in socks:
        u.close()
"""


def conflicts(lab, s):
    lab.run("client", ["ip", "rule", "add", "fwmark", "1", "table", "100"])
    lab.run("client", ["ip", "route", "add", "default", "via", "192.0.2.254", "table", "100"])
    before = {b: mirror(lab, b) for b in ("fw1", "fw2")}
    lab.run("client", ["python3", "-c", CONFLICT_PROBE, REF["server"], str(CONFLICT_TRIALS)])
    time.sleep(1)
    d = {b: {k: mirror(lab, b).get(k, 0) - before[b].get(k, 0)
             for k in ("conflicts_kept", "conflicts_taken", "conflict_drops")}
         for b in ("fw1", "fw2")}
    s.note("conflicts", "fw1 %s, fw2 %s" % (d["fw1"], d["fw2"]))
    s.check(d["fw1"]["conflicts_kept"] >= 1 and d["fw1"]["conflicts_taken"] == 0,
            "fw1 (the smaller name) kept its entries in the conflicts it saw")
    s.check(d["fw2"]["conflicts_taken"] >= 1 and d["fw2"]["conflicts_kept"] == 0,
            "fw2 took fw1's entries in the conflicts it saw")
    same = 0
    for i in range(CONFLICT_TRIALS):
        rows = [lab.run(b, ["conntrack", "-L", "-p", "udp", "--sport", str(42000 + i)],
                        check=False).stdout.split("\n")[0].split()[3:] for b in ("fw1", "fw2")]
        same += rows[0] == rows[1] and bool(rows[0])
    s.check(same == CONFLICT_TRIALS, "both boxes hold the same entry for every tuple (%d/%d)" % (
        same, CONFLICT_TRIALS))


def body(lab, s):
    # HS_S43_PORT_RANGE="LOW HIGH" narrows the client's ephemeral ports, so that each part's
    # flows reuse the ports of the parts before (mirror_diag.reuse): the CI flake, reproduced.
    ports = os.environ.get("HS_S43_PORT_RANGE")
    if ports:
        lab.run("client", ["sysctl", "-qw", "net.ipv4.ip_local_port_range=%s" % ports])
    s.wait_until("both boxes in load-balance", lambda: load_balance(lab), 60)
    lab.run("rtr", ["vtysh", "--vty_socket", os.path.join(lab.node_dir("rtr"), "frr"),
                    "-c", "configure terminal", "-c", "interface up1",
                    "-c", "ip ospf cost 100"], check=False)
    s.wait_until("fw1 master of VRID 1, fw2 of VRID 2", lambda: vips_split(lab), 30)
    s.wait_until("the router reaches the LAN through fw2 only, steadily",
                 lambda: via_fw2_for(lab, 3), 40)

    set_mirror(lab, s, False)
    # Without the hold the sync races the SYN-ACK and nearly always loses; now and then (2 runs
    # in ~15 here, early after start-up) it won for every flow. Up to three tries: one that
    # fails most flows shows what the hold is for.
    counts = []
    for _ in range(3):
        counts.append(connected(flows(lab, 4).wait()))
        if counts[-1] < FLOWS // 2:
            break
    s.note("mirror off", "%s/%d flows connected within %d ms" % (
        ", ".join(map(str, counts)), FLOWS, CONNECT_MS))
    s.check(counts[-1] < FLOWS // 2, "mirror off: the asymmetric flows fail (%s/%d connected)" % (
        ", ".join(map(str, counts)), FLOWS))

    set_mirror(lab, s, True)
    hot_restart_refused(lab, s)
    before = mirror_diag.snapshot(lab)
    r = flows(lab, 8).wait()
    mirror_diag.reuse(before, r, "mirror on")
    mirror_diag.slow(lab, before, r, "mirror on")
    n = connected(r)
    s.note("mirror on", "%d/%d connected, %d alive, connect p99 %s ms" % (
        n, FLOWS, r.get("alive", 0), connect_p99(r)))
    s.check(n == FLOWS and r.get("alive") == FLOWS,
            "mirror on: every asymmetric flow connects and lives (%d connected, %d alive)" % (
                n, r.get("alive", 0)))
    m1, m2 = mirror(lab, "fw1"), mirror(lab, "fw2")
    s.note("holds", "fw1 held %s (acked %s, timed out %s), fw2 held %s (acked %s, timed out "
           "%s), ack delay p99 <= %s us" % (
               m1.get("held"), m1.get("released_acked"), m1.get("released_timeout"),
               m2.get("held"), m2.get("released_acked"), m2.get("released_timeout"),
               m1.get("ack_delay_us_p99_le")))
    s.check(m1.get("held", 0) >= FLOWS and m1.get("released_acked", 0) >= FLOWS * 9 // 10,
            "fw1 held the SYNs until fw2 had the entries")
    s.check(m2.get("held", 0) >= FLOWS and m2.get("released_acked", 0) >= FLOWS * 9 // 10,
            "fw2 held the SYN-ACKs until fw1 had the SYN_RECV state")

    conflicts(lab, s)
    under_fault(lab, s, "fw1")
    under_fault(lab, s, "fw2")
    # Clients reuse the ports of the failed attempts of "mirror off": a peer's update that
    # crossed a box's destroy of such an entry is dropped, not made a stale entry again. A
    # new-entry record of a creation the peer mirrored (its own echo) is dropped too.
    s.note("dropped on arrival", ", ".join(
        "%s: %s updates after a destroy (%s destroys remembered), %s of the peer's echoes" % (
            b, session(lab, b).get("statistics", {}).get("updates_after_destroy"),
            session(lab, b).get("statistics", {}).get("destroys_remembered"),
            mirror(lab, b).get("peer_echoes_dropped")) for b in ("fw1", "fw2")))
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="loadshare", daemons=True)
