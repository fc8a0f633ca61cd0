#!/usr/bin/python3
"""The standby's own connections routed through the active are not synced, in the reference lab
with every daemon running (fw1 active):
  - fw2 reaches the server through fw1 (a route via fw1's LAN address; the way back goes
    through fw1 too, rtr preferring the active), with 5 TCP flows of its own;
  - fw1 forwards them, so its kernel holds their entries as any forwarded flow's. They are fw2's
    own connections, which fw2 would refuse to take as synced ones: fw1 knows fw2's addresses
    (fw2 tells them on the session channel) and leaves them out (skipped: peer_local);
  - so the boxes' tables agree: two consistency checks find no difference and nothing is sent
    again, while a forwarded flow of the client's beside them is synced as before;
  - the 5 flows run to the end."""

import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import probes, scenario  # noqa: E402
from hslab_lib.pair import session, session_check as check, settled  # noqa: E402

FW2 = scenario.REF["fw2_lan"]
SERVER = scenario.REF["server"]


def entries(lab, box, *args):
    out = lab.run(box, ["conntrack", "-L", "-p", "tcp"] + list(args), check=False).stdout
    return [x for x in out.splitlines() if "ESTABLISHED" in x]


def stats(lab, box):
    return session(lab, box).get("statistics", {})


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    s.wait_until("fw2 ready", lambda: session(lab, "fw2").get("status", {}).get("ready"), 20)
    lab.run("fw2", ["ip", "route", "add", SERVER + "/32", "via", scenario.REF["fw1_lan"]])
    own = probes.tcp_flows(lab, "fw2", "server", SERVER, flows=5, duration=12, port=9031,
                           alive_ms=500)
    theirs = probes.tcp_flows(lab, "client", "server", SERVER, flows=5, duration=12, port=9032,
                              alive_ms=500)
    s.wait_until("fw1 forwards fw2's 5 flows",
                 lambda: len(entries(lab, "fw1", "-s", FW2, "--dport", "9031")) == 5, 10)
    s.wait_until("fw2 holds the client's 5 flows (synced)",
                 lambda: len(entries(lab, "fw2", "--dport", "9032")) == 5, 10)
    time.sleep(1)
    resyncs = stats(lab, "fw2").get("range_resyncs", 0)
    first = check(lab, s, "first check")
    second = check(lab, s, "second check")
    skipped = stats(lab, "fw1").get("skipped", {})
    s.note("fw1 skipped", str(skipped))
    s.note("checks", "%s / %s" % (first["result"], second["result"]))
    s.check(skipped.get("peer_local", 0) > 0,
            "fw1 left fw2's own connections out (skipped %s)" % skipped)
    s.check(first["result"] == "consistent" and second["result"] == "consistent",
            "both checks find the tables consistent (%s; %s)" % (first, second))
    s.check(stats(lab, "fw2").get("range_resyncs", 0) == resyncs,
            "nothing sent again (range_resyncs %d -> %d)" % (
                resyncs, stats(lab, "fw2").get("range_resyncs", 0)))
    for name, p in (("fw2's", own), ("the client's", theirs)):
        res = p.wait()
        s.check(res.get("alive") == 5, "%s 5 flows ran to the end (%s)" % (name, res))
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=True)
