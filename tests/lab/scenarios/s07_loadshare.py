#!/usr/bin/python3
"""The load-sharing variant: two LAN VIPs (192.0.2.1 bound active on fw1, 192.0.2.254 bound active
on fw2), two clients each behind its own VIP. Both boxes start their daemons with the
load-sharing config and answer `display hrp state`; in the interim manual-active mode (both VIPs
on fw1) both clients reach the server and keep 50 TCP flows each alive."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, probes, scenario  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402


def body(lab, s):
    vips = [a for _, a in lab.topo.nodes["fw1"].vips()]
    s.check(vips == ["192.0.2.1/24", "192.0.2.254/24"], "two LAN VIPs: %s" % ", ".join(vips))
    for box in boxes.boxes(lab):
        state = boxes.hrpctl(lab, box, "display", "hrp", "state")
        s.check(isinstance(state, dict), "%s: display hrp state answers (role %s)" % (
            box, state.get("role")))
    flows = [probes.tcp_flows(lab, c, "server", REF["server"], flows=50, duration=3, port=p)
             for c, p in (("client", 9001), ("client2", 9002))]
    for client, f in zip(("client", "client2"), flows):
        r = f.wait()
        s.check(r["alive"] == 50, "%s: 50 TCP flows through its VIP all alive" % client)
    s.note("flows alive", "50 + 50")


scenario.main(body, topology="loadshare", manual_active="fw1", daemons=True)
