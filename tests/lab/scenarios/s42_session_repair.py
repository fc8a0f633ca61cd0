#!/usr/bin/python3
"""Session sync repairs itself, in the reference lab with every daemon running (fw1 active):
  - 2,000 sessions made on fw1 (hs-ct-fill, as the kernel would hold forwarded flows) reach fw2;
    entries of other kinds (ICMP echo, UDP without a reply, TCP with a mark and a zone) arrive
    as they are, and so do their destroys;
  - a mark the ruleset sets on live TCP flows goes to fw2 without touching their TCP state there
    (the kernel's mark-only update events carry no protocol state);
  - sessions lost on fw2 (deleted there behind hrpd's back) and a stale one (made on fw2 alone)
    are found by the consistency check (digests per range of the key hash): a range that differs
    in two checks running is sent again, what it does not bring is swept, and the next check
    finds the tables consistent;
  - events lost on purpose (fw1's hrpd restarted with a 4 KiB event socket buffer, then 20,000
    sessions made at once) are detected (the socket overruns) and repaired by a new transfer;
  - a box that joins late (fw2's hrpd stopped, its table flushed, fw1's hrpd restarted and fw1
    filled to 200,000 sessions alone) receives them by bulk transfer; it is not ready until
    then, and the digests match afterwards. fw1, having changed its table alone, starts a
    consistency check as fw2 comes up: fw2's request for the table stops that check's dump
    (dumps_cancelled) rather than wait behind it. The transfer time and rate are printed;
  - a switchover while fw2 reads its table to answer a check of fw1's: fw2's takeover stops
    that dump (dumps_cancelled) rather than wait behind it; and one back while fw1 sweeps after
    fw2's bulk: fw1 stops the sweep, which would delete its own new flows' entries. The digests
    match afterwards."""

import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import boxes, pair, probes, scenario  # noqa: E402
from hslab_lib.pair import session, session_check as check, settled  # noqa: E402
from hslab_lib.probes import ct_fill as fill, ct_ours as ours  # noqa: E402

LATE_JOIN = 200000


def stat(lab, box, name):
    return session(lab, box).get("statistics", {}).get(name, 0)


def restart_hrpd(lab, box):
    boxes.stop_daemon(lab, box, "hrpd")
    boxes.start_daemons(lab, box, names=("hrpd",))


# Entries of other kinds, made on fw1 by hand: (what, conntrack -I arguments, what fw2's
# conntrack -L line must show). Zones and marks go with the entry.
# (Sources outside hs-ct-fill's pattern and the lab's hosts.)
KINDS = [
    ("ICMP echo", ["-p", "icmp", "-s", "192.0.2.40", "-d", "203.0.113.99", "--icmp-type", "8",
                   "--icmp-code", "0", "--icmp-id", "77", "-t", "300"], ["id=77"]),
    ("UDP, no reply yet", ["-p", "udp", "-s", "192.0.2.41", "-d", "203.0.113.99", "--sport",
                           "5000", "--dport", "53", "-t", "300"], ["dport=53", "[UNREPLIED]"]),
    ("TCP with a mark and a zone", ["-p", "tcp", "-s", "192.0.2.42", "-d", "203.0.113.99",
                                    "--sport", "6000", "--dport", "443", "--state", "ESTABLISHED",
                                    "-t", "600", "-u", "SEEN_REPLY,ASSURED", "--mark", "7",
                                    "--zone", "3"], ["mark=7", "zone=3", "ESTABLISHED"]),
]


def kinds(lab, s):
    for what, args, want in KINDS:
        lab.run("fw1", ["conntrack", "-I"] + args)
        src = args[args.index("-s") + 1]

        def there():
            out = lab.run("fw2", ["conntrack", "-L", "-s", src], check=False).stdout
            return [x for x in out.splitlines() if all(w in x for w in want)]
        s.wait_until("%s: on fw2 as on fw1 (%s)" % (what, ", ".join(want)), there, 10)
        lab.run("fw1", ["conntrack", "-D", "-s", src], check=False)
        s.wait_until("%s: its destroy reaches fw2" % what, lambda: not lab.run(
            "fw2", ["conntrack", "-L", "-s", src], check=False).stdout.strip(), 10)


MARK_PORT = 9011
MARK_RULES = """table inet hsmark {
    chain flip {
        type filter hook forward priority 10; policy accept;
        tcp dport %d ct mark set ct mark xor 0x1
    }
}
""" % MARK_PORT


def marks(lab, s):
    """Every packet of 5 flows flips their mark on fw1: fw2 gets mark-only updates."""
    lab.run("fw1", ["nft", "-f", "-"], input_text=MARK_RULES)
    flows = probes.tcp_flows(lab, "client", "server", scenario.REF["server"], flows=5, duration=4,
                             port=MARK_PORT, alive_ms=100)
    time.sleep(2)
    out = lab.run("fw2", ["conntrack", "-L", "-p", "tcp", "--dport", str(MARK_PORT)],
                  check=False).stdout.splitlines()
    res = flows.wait()
    s.check(len(out) == 5 and all(" ESTABLISHED " in x for x in out),
            "fw2 holds the 5 marked flows, each ESTABLISHED (%s)" % "; ".join(out))
    s.check(res.get("alive") == 5, "the 5 flows ran to the end (%s)" % res)
    # The flows' last packets flipped the marks too: once they are quiet, fw2's equal fw1's.
    s.wait_until("fw2's marks are fw1's, flow by flow",
                 lambda: flow_marks(lab, "fw2") == flow_marks(lab, "fw1") != {}, 5)
    s.note("marks", str(flow_marks(lab, "fw1")))
    lab.run("fw1", ["nft", "delete", "table", "inet", "hsmark"], check=False)


def flow_marks(lab, box):
    """{source port: mark} of the MARK_PORT entries in box's kernel."""
    out = lab.run(box, ["conntrack", "-L", "-p", "tcp", "--dport", str(MARK_PORT)],
                  check=False).stdout.splitlines()
    marks = {}
    for line in out:
        words = line.split()
        sport = next((w[6:] for w in words if w.startswith("sport=")), None)
        if sport:
            marks[sport] = next((w[5:] for w in words if w.startswith("mark=")), "0")
    return marks


def takeover_during_check(lab, s):
    """At 200,000 entries the answer's dump takes about a second here: plenty of time to switch
    over in the middle of it."""
    cancelled, takeovers = stat(lab, "fw2", "dumps_cancelled"), stat(lab, "fw2", "takeovers")
    pair.ctl(lab, "fw1", "hrpd", "session-check")
    s.wait_until("fw2 reads its table to answer fw1's check", lambda: session(
        lab, "fw2").get("status", {}).get("dump") == "check", 20, interval=0.01)
    t0 = time.monotonic()
    boxes.hrpctl(lab, "fw1", "hrp", "switchover", as_json=False, check=False)
    s.wait_until("fw2 active, its takeover's dump done",
                 lambda: pair.roles(lab)["fw2"] == "active" and
                 stat(lab, "fw2", "takeovers") > takeovers and
                 session(lab, "fw2").get("status", {}).get("dump") != "takeover", 60)
    s.note("takeover during a check", "fw2 active and its takeover's dump done %.1f s after "
           "the switchover command" % (time.monotonic() - t0))
    now = stat(lab, "fw2", "dumps_cancelled")
    s.check(now > cancelled, "fw2's takeover stopped its answer's dump (dumps_cancelled %d -> %d)"
            % (cancelled, now))


def takeover_during_sweep(lab, s):
    """fw1, standby since, asked fw2 for its table and sweeps after the bulk (a second here).
    Switched back in the middle, fw1 stops the sweep: it would delete its own new flows."""
    cancelled = stat(lab, "fw1", "dumps_cancelled")
    s.wait_until("fw1 sweeps after fw2's bulk", lambda: session(
        lab, "fw1").get("status", {}).get("dump") == "sweep", 30, interval=0.01)
    boxes.hrpctl(lab, "fw2", "hrp", "switchover", as_json=False, check=False)
    s.wait_until("fw1 active again", lambda: pair.roles(lab)["fw1"] == "active", 30)
    s.wait_until("fw1's takeover's dump done", lambda: session(lab, "fw1").get(
        "status", {}).get("dump") != "takeover", 30)
    now = stat(lab, "fw1", "dumps_cancelled")
    s.check(now > cancelled, "fw1's takeover stopped its sweep (dumps_cancelled %d -> %d)"
            % (cancelled, now))


def late_join(lab, s):
    """A box that joins late: fw2 stopped and flushed, fw1 restarted and filled alone."""
    boxes.stop_daemon(lab, "fw2", "hrpd")
    lab.run("fw2", ["conntrack", "-F"], check=False)
    # A fresh fw1 too, as after a reboot of both: it owes fw2 no resync, and having changed
    # its table alone it starts a consistency check as soon as fw2 is up.
    restart_hrpd(lab, "fw1")
    s.wait_until("fw1's new hrpd active alone, its takeover's dump done",
                 lambda: pair.roles(lab)["fw1"] == "active" and
                 stat(lab, "fw1", "takeovers") >= 1 and
                 session(lab, "fw1").get("status", {}).get("dump") == "none", 60)
    fill(lab, "fw1", "--seed", 22000, LATE_JOIN - 22000, timeout=300)
    s.check(ours(lab, "fw1") == LATE_JOIN, "fw1 holds %d sessions" % LATE_JOIN)
    t0 = time.monotonic()
    boxes.start_daemons(lab, "fw2", names=("hrpd",))
    s.wait_until("fw2 received the bulk transfer and is ready",
                 lambda: stat(lab, "fw2", "bulks_received") >= 1 and session(
                     lab, "fw2").get("status", {}).get("ready"), 120)
    took = time.monotonic() - t0
    s.wait_until("fw2 holds all %d sessions" % LATE_JOIN,
                 lambda: ours(lab, "fw2") == LATE_JOIN, 60)
    got = stat(lab, "fw2", "bulk_entries_received")
    ms = session(lab, "fw2").get("status", {}).get("last_bulk_ms", 0)
    s.note("late join", "%d sessions in %d ms (%.0f/s); ready %.1f s after hrpd started" % (
        got, ms, got * 1000.0 / ms if ms else 0, took))
    # fw2's request for the table stops that check's dump rather than wait behind it.
    cancelled = stat(lab, "fw1", "dumps_cancelled")
    s.check(cancelled >= 1, "fw1 stopped its check's dump for fw2's bulk (dumps_cancelled %d)"
            % cancelled)
    last = check(lab, s, "check after the late join")
    s.check(last["result"] == "consistent", "the digests match after the late join (%s)" % last)


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    s.wait_until("fw2 ready", lambda: session(lab, "fw2").get("status", {}).get("ready"), 20)

    fill(lab, "fw1", "--seed", 0, 2000)
    s.wait_until("fw2 holds the 2,000 sessions", lambda: ours(lab, "fw2") == 2000, 20)
    kinds(lab, s)
    marks(lab, s)
    last = check(lab, s, "first check")
    s.check(last["result"] == "consistent", "the tables are consistent (%s)" % last)

    # Lost on fw2 (every entry from 192.0.2.135: a few), and one stale entry made there alone.
    lab.run("fw2", ["conntrack", "-D", "-p", "tcp", "-s", "192.0.2.135"], check=False)
    lost = 2000 - ours(lab, "fw2")
    lab.run("fw2", ["conntrack", "-I", "-p", "tcp", "-s", "192.0.2.99", "-d", "203.0.113.99",
                    "--sport", "1111", "--dport", "443", "--state", "ESTABLISHED", "-t", "600",
                    "-u", "SEEN_REPLY,ASSURED"], check=False)
    s.check(lost > 0, "%d sessions deleted on fw2 behind hrpd's back" % lost)
    first = check(lab, s, "check after the loss")
    s.check(first["result"] == "mismatch", "the check finds the difference (%s)" % first)
    second = check(lab, s, "second check")
    s.note("repair", "%d lost + 1 stale: ranges differing %d then %d" % (
        lost, first["mismatched"], second["mismatched"]))
    s.wait_until("the lost sessions are back on fw2", lambda: ours(lab, "fw2") == 2000, 20)
    s.wait_until("the stale session is swept from fw2", lambda: "192.0.2.99" not in lab.run(
        "fw2", ["conntrack", "-L", "-p", "tcp", "--dport", "443"], check=False).stdout, 20)
    third = check(lab, s, "check after the repair")
    s.check(third["result"] == "consistent", "consistent after the repair (%s)" % third)
    s.check(stat(lab, "fw2", "range_resyncs") >= 1, "fw2 counted a range resync")

    # Events lost on purpose: a 4 KiB event buffer on fw1, 20,000 sessions at once.
    boxes.set_setting(lab, "fw1", "hrpd", "session_event_buffer", 4096)
    restart_hrpd(lab, "fw1")
    s.wait_until("fw1 active again after its hrpd restarted", lambda: settled(lab, "fw1"), 30)
    s.wait_until("fw1 syncs again", lambda: session(lab, "fw1").get("status", {}).get(
        "source"), 20)
    fill(lab, "fw1", "--seed", 2000, 20000)
    s.wait_until("fw1 saw its event socket overrun",
                 lambda: stat(lab, "fw1", "event_overruns") > 0, 20)
    s.wait_until("fw2 holds all 22,000 sessions after the resync",
                 lambda: ours(lab, "fw2") == 22000, 60)
    s.note("overrun", "fw1 event overruns %d, bulks sent %d" % (
        stat(lab, "fw1", "event_overruns"), stat(lab, "fw1", "bulks_sent")))
    boxes.set_setting(lab, "fw1", "hrpd", "session_event_buffer", 16777216)
    restart_hrpd(lab, "fw1")
    s.wait_until("fw1 active again", lambda: settled(lab, "fw1"), 30)
    late_join(lab, s)
    takeover_during_check(lab, s)
    takeover_during_sweep(lab, s)
    last = check(lab, s, "check after both switchovers")
    s.check(last["result"] == "consistent", "the digests match after both switchovers (%s)"
            % last)
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=True)
