#!/usr/bin/python3
"""The reference lab as built: every node a namespace of the prefix, nothing in the root
namespace, every box port on a switch's bridge, traffic from the client through fw1 (interim
manual-active mode), the firewall strict (nothing new from the server side), both heartbeat
links up."""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, netns, probes, scenario  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402


def body(lab, s):
    mine = sorted(ns for ns in netns.namespaces() if ns.startswith(lab.prefix + "-"))
    s.check(mine == sorted(lab.ns(n) for n in lab.topo.nodes),
            "one namespace per node, all named %s-NODE" % lab.prefix)
    s.check(not [x for x in netns.leftovers(lab.prefix) if x.startswith("link ")],
            "no link of the lab in the root namespace")
    for node in lab.topo.nodes.values():
        if node.role == "switch":
            members = json.loads(lab.run(node.name, ["ip", "-j", "link", "show", "master",
                                                     "br0"]).stdout)
            ports = {ifn for link in lab.topo.links for n, ifn in link.ends() if n == node.name}
            s.check({m["ifname"] for m in members} == ports,
                    "%s: every port is on br0 (%s)" % (node.name, " ".join(sorted(ports))))
            continue
        links = json.loads(lab.run(node.name, ["ip", "-j", "link", "show"]).stdout)
        ifs = {x["ifname"] for x in links if x["ifname"] != "lo"}
        on_switch = {ifn for ifn, _, _ in lab.topo.switch_ports(node.name)}
        s.check(ifs == on_switch, "%s: every interface ends on a switch (%s)" % (
            node.name, " ".join(sorted(ifs))))

    boxes.manual_active(lab, "fw1")
    lab.run("client", ["ping", "-c", "3", "-i", "0.2", "-W", "2", REF["server"]])
    s.check(True, "client reaches the server through the VIP")
    for _, fw2_addr in (REF["hb1"], REF["hb2"]):
        lab.run("fw1", ["ping", "-c", "1", "-W", "2", fw2_addr])
    s.check(True, "both heartbeat links carry traffic fw1 -> fw2")

    # Strict ruleset: a new TCP flow from the server side never gets through (dropped, not
    # refused: the client listens).
    listener = lab.spawn("client", ["timeout", "30", "socat", "-u", "TCP-LISTEN:7777,reuseaddr",
                                    "OPEN:/dev/null"], os.path.join(lab.workdir, "listen.log"))
    s.wait_until("client listens on 7777", lambda: lab.run(
        "client", ["ss", "-Hltn", "sport", "=", ":7777"]).stdout.strip(), timeout=10)
    p = lab.run("server", ["timeout", "5", "socat", "-u", "OPEN:/dev/null",
                           "TCP:%s:7777,connect-timeout=2" % REF["client"]], check=False)
    s.check(p.returncode != 0 and "refused" not in p.stderr,
            "a new flow from the server side is dropped (%s)" % p.stderr.strip()[-60:])
    lab.run("client", ["timeout", "5", "socat", "-u", "OPEN:/dev/null",
                       "TCP:127.0.0.1:7777"], check=False)  # ends the listener
    listener.wait(timeout=10)
    flows = probes.tcp_flows(lab, "client", "server", REF["server"], flows=20,
                             duration=2).wait()
    s.check(flows["alive"] == 20, "20 TCP flows from the client side all alive")
    s.summary = "%d namespaces, every port on a switch, client -> server via fw1, new flows " \
        "from the server side dropped, %d/20 TCP flows alive" % (len(mine), flows["alive"])


scenario.main(body, topology="ref")
