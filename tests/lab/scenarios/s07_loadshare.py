#!/usr/bin/python3
"""The load-sharing variant: two LAN VIPs (192.0.2.1 bound active on fw1, 192.0.2.254 bound active
on fw2), two clients each behind its own VIP. In the manual mode (both VIPs on fw1 by hand) both
clients reach the server and keep 50 TCP flows each alive: the lab carries traffic. Then the hand-
placed VIPs go, both boxes start their daemons with the load-sharing config, and the pair elects
load-balance: each box master of its own VIP. (Flows through both boxes at once need mirror
session, a later issue: with both active, the return path of a flow may cross the other box.)"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, probes, scenario  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402


def vrrp_states(lab, box):
    st = boxes.hrpctl(lab, box, "display", "vrrp", check=False)
    return {g["vrid"]: g["state"] for g in (st.get("groups", []) if isinstance(st, dict) else [])}


def body(lab, s):
    vips = [a for _, a in lab.topo.nodes["fw1"].vips()]
    s.check(vips == ["192.0.2.1/24", "192.0.2.254/24"], "two LAN VIPs: %s" % ", ".join(vips))
    flows = [probes.tcp_flows(lab, c, "server", REF["server"], flows=50, duration=3, port=p)
             for c, p in (("client", 9001), ("client2", 9002))]
    for client, f in zip(("client", "client2"), flows):
        r = f.wait()
        s.check(r["alive"] == 50, "%s: 50 TCP flows through its VIP all alive" % client)
    s.note("flows alive", "50 + 50")

    for vip in vips:
        lab.run("fw1", ["ip", "addr", "del", vip, "dev", "lan0"])
    for box in boxes.boxes(lab):
        boxes.start_daemons(lab, box)
    roles = lambda: {b: (boxes.hrpctl(lab, b, "display", "hrp", "state", check=False) or {}).get(
        "role") for b in ("fw1", "fw2")}
    s.wait_until("both boxes in load-balance", lambda: set(roles().values()) == {"load-balance"},
                 30)
    s.wait_until("fw1 master of VRID 1 (.1), fw2 master of VRID 2 (.254)",
                 lambda: vrrp_states(lab, "fw1") == {1: "master", 2: "backup"}
                 and vrrp_states(lab, "fw2") == {1: "backup", 2: "master"}, 15)
    s.note("election", "load-balance, each box master of its own VIP")


scenario.main(body, topology="loadshare", manual_active="fw1")
