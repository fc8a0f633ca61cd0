#!/usr/bin/python3
"""The network fault injectors do what they say, seen from the boxes (reference lab, interim
manual-active mode, fw1 carrying the traffic):
  link_down   carrier loss on the box's own port only; the other ports keep carrier.
  switch_cut  silence both ways on one port; both ends keep carrier.
  box_fail    every process of the box stopped and its frames dropped: the box goes silent (its
              kernel would still forward otherwise), its peer keeps carrier; box_recover undoes it.
  hb_loss     one heartbeat link lost, the other fine; link_loss at 50 % loses about half."""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import faults, netns, scenario  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402


def ping(lab, node, addr, count=2):
    """True when addr answers; bounded to about count seconds."""
    return lab.run(node, ["ping", "-c", str(count), "-i", "0.2", "-W", "1", addr],
                   check=False, timeout=count + 10).returncode == 0


def loss_percent(lab, node, addr, count):
    out = lab.run(node, ["ping", "-q", "-c", str(count), "-i", "0.01", "-W", "1", addr],
                  check=False, timeout=60).stdout
    return float(re.search(r"([0-9.]+)% packet loss", out).group(1))


def body(lab, s):
    server = REF["server"]
    s.check(ping(lab, "client", server), "baseline: the client reaches the server")

    faults.link_down(lab, "fw2", "lan0")
    s.check(not faults.carrier(lab, "fw2", "lan0"), "link_down fw2:lan0: fw2 sees carrier loss")
    s.check(faults.carrier(lab, "fw1", "lan0") and faults.carrier(lab, "client", "eth1"),
            "link_down fw2:lan0: fw1 and the client keep carrier")
    s.check(ping(lab, "client", server), "link_down fw2:lan0: traffic through fw1 goes on")
    faults.link_up(lab, "fw2", "lan0")
    s.check(faults.carrier(lab, "fw2", "lan0"), "link_up fw2:lan0: carrier back")

    port = lab.topo.peer("fw1", "lan0")[1]
    faults.switch_cut(lab, "sw-lan", port)
    s.check(faults.carrier(lab, "fw1", "lan0") and faults.carrier(lab, "client", "eth1"),
            "switch_cut sw-lan:%s: both ends keep carrier" % port)
    s.check(not ping(lab, "client", server), "switch_cut sw-lan:%s: traffic stops" % port)
    faults.switch_heal(lab, "sw-lan", port)
    s.wait_until("traffic back after switch_heal", lambda: ping(lab, "client", server, 1), 20)

    faults.box_fail(lab, "fw1")
    states = {netns.run(["ps", "-o", "stat=", "-p", str(p)], check=False).stdout.strip()[:1]
              for p in netns.ns_pids(lab.ns("fw1"))}
    s.check(states == {"T"}, "box_fail fw1: every process stopped (%s)" % sorted(states))
    s.check(faults.carrier(lab, "fw2", "hb0") and faults.carrier(lab, "fw1", "lan0"),
            "box_fail fw1: carrier stays on both sides (a silent box, not a cut cable)")
    s.check(not ping(lab, "fw2", REF["hb1"][0]), "box_fail fw1: fw2 hears nothing on hb0")
    s.check(not ping(lab, "client", server), "box_fail fw1: its kernel forwards nothing")
    faults.box_recover(lab, "fw1")
    states = {netns.run(["ps", "-o", "stat=", "-p", str(p)], check=False).stdout.strip()[:1]
              for p in netns.ns_pids(lab.ns("fw1"))}
    s.check("T" not in states, "box_recover fw1: every process runs again")
    s.wait_until("traffic back after box_recover", lambda: ping(lab, "client", server, 1), 30)

    sw = faults.hb_loss(lab, "fw1:hb0")
    s.check(not ping(lab, "fw1", REF["hb1"][1]), "hb_loss %s: heartbeat link 1 silent" % sw)
    s.check(ping(lab, "fw1", REF["hb2"][1]), "hb_loss %s: heartbeat link 2 fine" % sw)
    faults.link_loss_end(lab, sw)
    s.check(ping(lab, "fw1", REF["hb1"][1]), "heartbeat link 1 back")

    faults.link_loss(lab, "sw-hb2", 50)
    lost = loss_percent(lab, "fw1", REF["hb2"][1], 400)
    faults.link_loss_end(lab, "sw-hb2")
    # A round trip crosses the switch twice: 1 - 0.5^2 = 75 % expected; with 400 pings one
    # standard deviation is 2.2 %, so 60-90 % is +-7 of them.
    s.check(60 <= lost <= 90, "link_loss sw-hb2 50%%: %.0f%% of pings lost (75%% expected)"
            % lost)
    s.note("link_loss 50%", "%.0f%% round trips lost" % lost)


scenario.main(body, topology="ref", manual_active="fw1")
