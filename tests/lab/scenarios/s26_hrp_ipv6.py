#!/usr/bin/python3
"""hrpd over IPv6 heartbeat links (2001:db8:b0::/64 on hb0, 2001:db8:b1::/64 on hb1), keyed: the
pair comes up on both links, a cut of the running link moves to the other with no peer-down, both
cut declare the peer dead, and the data channel carries records over IPv6."""

import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from hslab_lib import boxes, faults, scenario  # noqa: E402
import s20_hrp_links as h  # noqa: E402

ADDR = {"fw1": ("2001:db8:b0::1", "2001:db8:b1::1"), "fw2": ("2001:db8:b0::2", "2001:db8:b1::2")}
KEY = "ipv6-heartbeat-key-0123456789"


def ipv6_links(lab, node):
    """Puts IPv6 addresses on hb0 / hb1 and points the config's links at them."""
    me, peer = ADDR[node], ADDR["fw2" if node == "fw1" else "fw1"]
    for i, ifname in enumerate(("hb0", "hb1")):
        lab.run(node, ["ip", "addr", "add", "%s/64" % me[i], "dev", ifname, "nodad"])
    path = boxes.config(lab, node)
    with open(path) as f:
        text = f.read()
    links = ('links = (\n    { interface = "hb0"; local = "%s"; remote = "%s"; },\n'
             '    { interface = "hb1"; local = "%s"; remote = "%s"; }\n  );' % (
                 me[0], peer[0], me[1], peer[1]))
    text, n = re.subn(r"links = \((.|\n)*?\);", links, text, count=1)
    if n != 1:
        raise RuntimeError("%s: no links setting" % path)
    with open(path, "w") as f:
        f.write(text)
    h.set_hrpd(lab, node, key_current=KEY)


def body(lab, s):
    for node in h.BOXES:
        ipv6_links(lab, node)
        h.start_hrpd(lab, node)
    h.wait_pair_up(lab, s)
    ls = h.links(lab, "fw1")
    s.check(ls["hb0"]["remote"] == "2001:db8:b0::2" and ls["hb1"]["remote"] == "2001:db8:b1::2",
            "both heartbeat links are IPv6 (remote %s, %s)" % (ls["hb0"]["remote"],
                                                               ls["hb1"]["remote"]))
    ev = h.Events(lab, "fw1")
    t_cut = time.monotonic()
    port0 = h.cut(lab, "sw-hb1")
    s.wait_until("hb1 takes over as the running link",
                 lambda: h.hrp(lab, "fw1")["running_link"] == "hb1", 10)
    s.check(not ev.of("peer", since=t_cut, state="down"), "no peer-down when hb0 is cut")
    port1 = h.cut(lab, "sw-hb2")
    s.wait_until("peer dead when both IPv6 links are cut",
                 lambda: ev.of("peer", since=t_cut, state="down"), 10, 0.01)
    faults.switch_heal(lab, "sw-hb1", port0)
    faults.switch_heal(lab, "sw-hb2", port1)
    h.wait_pair_up(lab, s)
    r = h.ctl(lab, "fw1", "data-send", {"channel": 1, "records": ["00" * 64] * 100})
    s.wait_until("100 records reach fw2 over IPv6",
                 lambda: h.ctl(lab, "fw2", "data-stats").get("received", 0) >= 100, 10)
    ev.close()
    s.summary = "IPv6 heartbeat links, keyed: up, running-link failover without peer-down, " \
                "peer dead on both cut, healed; data channel over IPv6 (%s)" % (
                    "queued %s" % r.get("queued", "?"))


scenario.main(body, topology="ref")
