#!/usr/bin/python3
"""Session sync in the reference lab (strict nftables on both boxes: a forwarded packet passes only
with a conntrack entry, or as a new flow from the LAN; TCP only by a SYN), all daemons running:
  - 200 long-lived TCP flows and a UDP stream (1 ms each way) from the client to the server through
    the active: their entries reach the standby's kernel (TCP ESTABLISHED, liberal windows);
  - the UDP timeouts are 5 s on both boxes, and the standby holds the entries it was sent (1 h);
    so the UDP stream, refreshed only on the active, survives a failover past its timeout;
  - a planned switchover, a tracked-link failure, a box failure and kill -9 of every daemon of the
    active: after each, every TCP flow is alive (its longest stall printed) and the UDP stream
    resumes (its gap printed);
  - a takeover gives the held UDP entries their protocol timeout back (an idle entry fw1 made,
    held on fw2 far beyond the UDP timeout, has 5 s or less, or is gone, after the switchover);
  - an entry deleted on the active (its destroy event) is gone from the standby; in steady
    active/standby no box remembers a destroy (status remembers_destroys false within a
    stone's life, 5 s, of the last time the peer was active, and destroys_remembered does not
    grow: only an active peer sends updates that could cross them, doc/session-sync.md; the
    moments when both were active, as when the frozen fw1 thaws, may have left a few, printed);
  - a box that restarts cold (its daemons killed and its table flushed) gets the active's table
    by bulk transfer: not ready until then, and it receives the active's sessions (at least 90%
    of the active's count, which holds the box's own connections too)."""

import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import boxes, faults, probes, scenario  # noqa: E402
from hslab_lib.pair import active_box, other, roles, routed_via, session, settled  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402

FLOWS = 200
TCP_PORT = 9001
UDP_PORT = 9000
UDP_TIMEOUT_S = 5
IDLE_PORT = 9001  # an entry no packet refreshes


def ct_entries(lab, box, proto, port):
    """The conntrack entries of box's kernel for proto and destination port (conntrack -L)."""
    out = lab.run(box, ["conntrack", "-L", "-p", proto, "--dport", str(port)], check=False)
    return [line for line in out.stdout.splitlines() if line.startswith(proto)]


def timeout_of(line):
    return int(line.split()[2])


def tcp_alive(r):
    return r.get("alive", 0), r.get("flows", FLOWS), r.get("max_stall_ms")


def udp_detail(r):
    return ", ".join("%s lost %s gap %s ms" % (d, (r.get(d) or {}).get("lost"),
                                               (r.get(d) or {}).get("max_gap_ms"))
                     for d in ("c2s", "s2c"))


def udp_gap(r):
    return max((r.get(d) or {}).get("max_gap_ms", 0) for d in ("c2s", "s2c"))


def under_traffic(lab, s, what, fault, settle, duration=14):
    """Starts the flows, waits until the standby holds them, runs fault(), lets the flows go on,
    and checks that every one of them lived."""
    act = active_box(lab)
    s.wait_until("%s: the routing has settled on %s" % (what, act), lambda: routed_via(lab, act),
                 30)
    tcp = probes.tcp_flows(lab, "client", "server", REF["server"], flows=FLOWS,
                           duration=duration, port=TCP_PORT, alive_ms=1500)
    udp = probes.udp_probe(lab, "client", "server", REF["server"], duration=duration,
                           port=UDP_PORT)
    s.wait_until("%s: the standby %s holds the %d TCP flows" % (what, other(act), FLOWS),
                 lambda: len([x for x in ct_entries(lab, other(act), "tcp", TCP_PORT)
                              if "ESTABLISHED" in x]) >= FLOWS, 20)
    time.sleep(UDP_TIMEOUT_S + 1)  # the UDP entry outlives its timeout on the standby
    fault(act)
    s.wait_until("%s: settled" % what, lambda: settle(act), 20)
    t = tcp.wait()
    u = udp.wait()
    alive, flows, stall = tcp_alive(t)
    s.note(what, "%d/%d TCP flows alive, longest stall %s ms; UDP %s" % (
        alive, flows, stall, udp_detail(u)))
    for f in t.get("per_flow", []):
        if not f.get("alive"):  # where its conntrack entries are, for the log
            port = str(f.get("local_port"))
            for box in ("fw1", "fw2"):
                lines = [x for x in lab.run(box, ["conntrack", "-L", "-p", "tcp", "--sport",
                                                  port], check=False).stdout.splitlines()
                         if x.startswith("tcp")]
                print("  dead flow %s (port %s, stall %s ms, error %s) on %s: %s" % (
                    f.get("id"), port, f.get("max_stall_ms"), f.get("error"), box,
                    lines or "no entry"), flush=True)
    s.check(alive == flows == FLOWS, "%s: every TCP flow alive (%d/%d)" % (what, alive, flows))
    for d in ("c2s", "s2c"):
        s.check((u.get(d) or {}).get("received", 0) > 0 and udp_gap(u) < 5000,
                "%s: the UDP stream resumes (%s)" % (what, udp_detail(u)))


def body(lab, s):
    for box in ("fw1", "fw2"):
        for name in ("nf_conntrack_udp_timeout", "nf_conntrack_udp_timeout_stream"):
            lab.run(box, ["sysctl", "-qw", "net.netfilter.%s=%d" % (name, UDP_TIMEOUT_S)])
    failovers(lab, s)
    act, dead = cold_restart(lab, s)
    destroy_not_remembered(lab, s, act, dead)
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


def failovers(lab, s):
    """A planned switchover, a tracked link, a box failure and kill -9 of every daemon, each
    under the flows (under_traffic), the old active back in between."""
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    s.wait_until("fw2's session sync is ready", lambda: session(lab, "fw2").get(
        "status", {}).get("ready") is True, 20)

    def planned(act):
        boxes.hrpctl(lab, act, "hrp", "switchover", as_json=False, check=False)

    idle_udp_held(lab, s)
    under_traffic(lab, s, "planned switchover", planned, lambda a: settled(lab, other(a)))
    st = session(lab, "fw2")
    s.check(st.get("statistics", {}).get("takeovers", 0) >= 1, "fw2 counted its takeover")
    udp = ct_entries(lab, "fw2", "udp", UDP_PORT)
    s.note("takeover", "fw2's UDP entry timeouts %s" % [timeout_of(x) for x in udp])
    idle = ct_entries(lab, "fw2", "udp", IDLE_PORT)
    s.check(all(timeout_of(x) <= UDP_TIMEOUT_S for x in idle),
            "the takeover gave the idle UDP entry its protocol timeout back (gone, or <= %d s: "
            "%s)" % (UDP_TIMEOUT_S, [timeout_of(x) for x in idle]))
    boxes.hrpctl(lab, "fw1", "undo", "hrp", "switchover", as_json=False, check=False)
    s.wait_until("fw1 preempts back", lambda: settled(lab, "fw1"), 30)

    def tracked(act):
        faults.link_down(lab, act, "up0")

    under_traffic(lab, s, "tracked link", tracked, lambda a: settled(lab, other(a)))
    faults.link_up(lab, "fw1", "up0")
    s.wait_until("fw1 preempts back after its uplink returns", lambda: settled(lab, "fw1"), 30)

    def box_fail(act):
        faults.box_fail(lab, act)

    under_traffic(lab, s, "box failure", box_fail,
                  lambda a: roles(lab).get(other(a)) == "active")
    faults.box_recover(lab, "fw1")
    s.wait_until("the pair settles after fw1 thaws", lambda: active_box(lab) is not None, 30)

    def kill_all(act):
        faults.kill_daemon(lab, act, "all")

    under_traffic(lab, s, "kill -9", kill_all,
                  lambda a: roles(lab).get(other(a)) == "active")


def idle_udp_held(lab, s):
    """A UDP entry no packet refreshes (made on fw1 by conntrack -I): fw2 holds it for the hold
    timeout, far beyond the protocol's, until a takeover gives it the protocol's back."""
    lab.run("fw1", ["conntrack", "-I", "-p", "udp", "-s", REF["client"], "-d", REF["server"],
                    "--sport", "40000", "--dport", str(IDLE_PORT), "-t", "600"])
    s.wait_until("fw2 holds fw1's idle UDP entry past the UDP timeout",
                 lambda: any(timeout_of(x) > 60
                             for x in ct_entries(lab, "fw2", "udp", IDLE_PORT)), 10)


def cold_restart(lab, s):
    """The killed box comes back cold: an empty table, then the active's by bulk transfer.
    Returns the active and the other box once both are ready."""
    act = [b for b, x in roles(lab).items() if x == "active"][0]
    dead = other(act)
    lab.run(dead, ["conntrack", "-F"], check=False)
    want = int(lab.run(act, ["cat", "/proc/sys/net/netfilter/nf_conntrack_count"]).stdout)
    boxes.start_daemons(lab, dead)
    s.wait_until("%s gets the bulk transfer and is ready" % dead,
                 lambda: session(lab, dead).get("statistics", {}).get("bulks_received", 0) >= 1
                 and session(lab, dead).get("status", {}).get("ready") is True, 30)
    got = session(lab, dead)["statistics"]["bulk_entries_received"]
    s.note("bulk", "%s received %d sessions (the active had %d)" % (dead, got, want))
    # the active's count holds its own connections too (HRP, OSPF: never synced), a dozen here
    s.check(got >= 0.9 * want, "the bulk transfer carried the active's sessions (%d of %d)" % (
        got, want))
    s.wait_until("the pair settles after the cold restart", lambda: active_box(lab), 30)
    act = active_box(lab)
    dead = other(act)
    s.wait_until("%s is ready" % dead,
                 lambda: session(lab, dead).get("status", {}).get("ready") is True, 30)
    return act, dead


def destroy_not_remembered(lab, s, act, dead):
    """A destroy on the active reaches the standby; neither box remembers it (no stone)."""
    def remembered():
        return {b: session(lab, b).get("statistics", {}).get("destroys_remembered")
                for b in ("fw1", "fw2")}

    s.wait_until("neither box remembers destroys in active/standby", lambda: all(
        session(lab, b).get("status", {}).get("remembers_destroys") is False
        for b in ("fw1", "fw2")), 15)
    before = remembered()
    lab.run(act, ["conntrack", "-I", "-p", "udp", "-s", "192.0.2.77", "-d", REF["server"],
                  "--sport", "4000", "--dport", "4001", "-t", "300", "-u",
                  "SEEN_REPLY"], check=False)
    s.wait_until("an entry made on %s reaches %s" % (act, dead),
                 lambda: ct_entries(lab, dead, "udp", 4001), 10)
    lab.run(act, ["conntrack", "-D", "-p", "udp", "--dport", "4001"], check=False)
    s.wait_until("its destroy removes it from %s" % dead,
                 lambda: not ct_entries(lab, dead, "udp", 4001), 10)
    kept = remembered()
    s.note("destroys remembered", "%s before the destroy, %s after (%s active)" % (
        before, kept, act))
    s.check(kept == before and None not in kept.values(),
            "no box remembers a destroy in active/standby (%s, before %s)" % (kept, before))


scenario.main(body, topology="ref", daemons=True)
