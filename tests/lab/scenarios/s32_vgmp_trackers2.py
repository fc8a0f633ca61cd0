#!/usr/bin/python3
"""vgmpd's OSPF neighbour, VRRP group and bridge member trackers in the reference lab, all on fw1:
- ospf-neighbor on rtr's router id (198.51.100.2, on up0): rtr drops OSPF to and from fw1 (nft
  inside rtr's namespace), the adjacency dies at the dead interval, fw1's tracker goes down and
  fw2 takes over; the adjacency returns and fw1 preempts back after its delay;
- bridge-member on a bridge the scenario makes inside fw1's namespace (hsbr0 with the veth port
  hsp0): the port set to listening (`bridge link set ... state 1`), then released from the
  bridge (`nomaster`): down each time, fw2 takes over; back to forwarding / enslaved: fw1 returns;
- vrrp on fw1's group lan0 vrid 1: the group leaves fw1's vrrpd config (reload): down, fw2 takes
  over; the group comes back: fw1 returns.
The kernel here has bridges but no 802.1Q or bonding modules, so VLAN sub-interfaces are not
tried."""

import json
import os
import signal
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, scenario  # noqa: E402

RTR_ID = "198.51.100.2"
FW1_UPLINK = "198.51.100.1"



def roles(lab):
    out = {}
    for box in ("fw1", "fw2"):
        st = boxes.hrpctl(lab, box, "display", "hrp", "state", check=False)
        out[box] = st.get("role") if isinstance(st, dict) else None
    return out


def settled(lab, active):
    standby = "fw2" if active == "fw1" else "fw1"
    r = roles(lab)
    return r.get(active) == "active" and r.get(standby) == "standby"


def vgmp(lab, box):
    """vgmpd's own status straight from its control socket (4-byte length + JSON)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    try:
        sock.connect(os.path.join(boxes.rundir(lab, box), "vgmpd.sock"))
        req = json.dumps({"id": 1, "cmd": "status"}).encode()
        sock.sendall(struct.pack(">I", len(req)) + req)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
            chunk = sock.recv(65536)
            if not chunk:
                return {}
            data += chunk
        resp = json.loads(data[4:4 + struct.unpack(">I", data[:4])[0]])
        return resp.get("result", {}).get("vgmp", {})
    except (OSError, ValueError):
        return {}
    finally:
        sock.close()


def tracker(lab, kind):
    for t in vgmp(lab, "fw1").get("tracked", []):
        if t.get("type") == kind:
            return t
    return {}


def state(lab, kind):
    return tracker(lab, kind).get("state")


def sighup(lab, box, daemon):
    os.kill(boxes.daemon_pid(lab, box, daemon), signal.SIGHUP)


def fw1(lab, *argv):
    lab.run("fw1", list(argv))


def nft_rtr(lab, *rule):
    lab.run("rtr", ["nft"] + list(rule))


def failover(lab, s, what, kind, expect):
    """fw2 takes over once fw1's `kind` tracker is down; returns the time it took."""
    t0 = time.monotonic()
    s.wait_until("fw1's %s tracker down (%s)" % (kind, what),
                 lambda: state(lab, kind) == "down", 20)
    s.wait_until("fw2 active after %s" % what, lambda: settled(lab, "fw2"), 15)
    took = 1000 * (time.monotonic() - t0)
    t = tracker(lab, kind)
    s.check(t.get("contribution") == -2, "the %s tracker costs the fault penalty: %s" % (kind, t))
    s.check(vgmp(lab, "fw1").get("priority") == 44998, "fw1's priority 44998")
    for key, want in expect.items():
        got = t.get(key[0], {}).get(key[1])
        s.check(got == want, "%s %s.%s is %r (want %r)" % (kind, key[0], key[1], got, want))
    return took


def recover(lab, s, what, kind):
    s.wait_until("fw1's %s tracker up again (%s)" % (kind, what),
                 lambda: state(lab, kind) == "up", 20)
    s.wait_until("fw1 preempts back after its delay", lambda: settled(lab, "fw1"), 25)


def vrrpd_without_groups(lab):
    """fw1's config with its vrrpd section emptied (set_setting handles one-line values only);
    returns the text as it was."""
    path = boxes.config(lab, "fw1")
    with open(path) as f:
        text = f.read()
    start = text.index("vrrpd = {\n")
    end = text.index("\n};", start)
    with open(path, "w") as f:
        f.write(text[:start] + "vrrpd = {\n  groups = ( );" + text[end:])
    return text


def configure(lab):
    for argv in (["ip", "link", "add", "hsbr0", "type", "bridge", "stp_state", "0",
                  "mcast_snooping", "0"],
                 ["ip", "link", "add", "hsp0", "type", "veth", "peer", "name", "hsp0b"],
                 ["ip", "link", "set", "hsp0", "master", "hsbr0"],
                 ["ip", "link", "set", "hsp0", "up"],
                 ["ip", "link", "set", "hsp0b", "up"],
                 ["ip", "link", "set", "hsbr0", "up"]):
        fw1(lab, *argv)
    trackers = ('( { type = "ospf-neighbor"; neighbor = "%s"; interface = "up0";'
                ' interval = 300; },'
                ' { type = "vrrp"; interface = "lan0"; vrid = 1; interval = 500; },'
                ' { type = "bridge-member"; bridge = "hsbr0"; port = "hsp0"; } )' % RTR_ID)
    boxes.set_setting(lab, "fw1", "vgmpd", "trackers", trackers)
    sighup(lab, "fw1", "vgmpd")


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    configure(lab)
    s.wait_until("fw1's ospf-neighbor, vrrp and bridge-member trackers up after the reload",
                 lambda: all(state(lab, k) == "up"
                             for k in ("ospf-neighbor", "vrrp", "bridge-member")), 20)
    s.check(vgmp(lab, "fw1").get("priority") == 45000, "fw1 at full priority")
    o = tracker(lab, "ospf-neighbor").get("ospf", {})
    s.check(o.get("neighbor_state") == "full" and o.get("seen_on") == "up0",
            "the neighbour is Full on up0: %s" % o)
    v = tracker(lab, "vrrp").get("vrrp", {})
    s.check(v.get("group_state") == "master" and v.get("link") == "up",
            "vrrpd's group lan0/1 is master, its link up: %s" % v)
    b = tracker(lab, "bridge-member").get("bridge_member", {})
    s.check(b.get("enslaved") is True and b.get("port_state") == "forwarding",
            "hsp0 enslaved to hsbr0, forwarding: %s" % b)
    out = boxes.hrpctl(lab, "fw1", "display", "hrp", "state", "verbose", as_json=False,
                       check=False)
    s.check(all(n in out for n in ("%s/up0" % RTR_ID, "lan0/1", "hsbr0/hsp0")),
            "display hrp state verbose lists the three trackers")

    # OSPF: rtr stops talking OSPF with fw1 (inside rtr's namespace only).
    nft_rtr(lab, "add", "table", "inet", "hs32")
    nft_rtr(lab, "add", "chain", "inet", "hs32", "in",
            "{ type filter hook input priority 0; policy accept; }")
    nft_rtr(lab, "add", "chain", "inet", "hs32", "out",
            "{ type filter hook output priority 0; policy accept; }")
    nft_rtr(lab, "add", "rule", "inet", "hs32", "in", "ip", "saddr", FW1_UPLINK, "ip",
            "protocol", "ospf", "drop")
    nft_rtr(lab, "add", "rule", "inet", "hs32", "out", "oifname", "up1", "ip", "protocol",
            "ospf", "drop")
    took = failover(lab, s, "rtr drops OSPF", "ospf-neighbor",
                    {("ospf", "neighbor_state"): "absent"})
    s.note("ospf adjacency cut -> fw2 active", "%.0f ms (dead interval 4 s)" % took)
    nft_rtr(lab, "delete", "table", "inet", "hs32")
    recover(lab, s, "adjacency Full again", "ospf-neighbor")

    # Bridge member: the port leaves forwarding, then the bridge.
    fw1(lab, "bridge", "link", "set", "dev", "hsp0", "state", "1")
    took = failover(lab, s, "hsp0 listening", "bridge-member",
                    {("bridge_member", "port_state"): "listening",
                     ("bridge_member", "enslaved"): True})
    s.note("bridge port listening -> fw2 active", "%.0f ms" % took)
    fw1(lab, "bridge", "link", "set", "dev", "hsp0", "state", "3")
    recover(lab, s, "hsp0 forwarding", "bridge-member")
    fw1(lab, "ip", "link", "set", "hsp0", "nomaster")
    took = failover(lab, s, "hsp0 released from hsbr0", "bridge-member",
                    {("bridge_member", "enslaved"): False})
    s.note("bridge port released -> fw2 active", "%.0f ms" % took)
    fw1(lab, "ip", "link", "set", "hsp0", "master", "hsbr0")
    recover(lab, s, "hsp0 enslaved again", "bridge-member")

    # VRRP: fw1's vrrpd loses the group (config reload), then gets it back.
    text = vrrpd_without_groups(lab)
    sighup(lab, "fw1", "vrrpd")
    took = failover(lab, s, "the group left vrrpd", "vrrp", {})
    s.check(tracker(lab, "vrrp").get("vrrp", {}).get("group_state") in ("absent", "initialize"),
            "vrrpd has no running group lan0/1: %s" % tracker(lab, "vrrp").get("vrrp"))
    s.note("vrrp group removed -> fw2 active", "%.0f ms" % took)
    with open(boxes.config(lab, "fw1"), "w") as f:
        f.write(text)
    sighup(lab, "fw1", "vrrpd")
    recover(lab, s, "the group is back", "vrrp")
    v = tracker(lab, "vrrp").get("vrrp", {})
    s.check(v.get("events", 0) >= 1, "vrrp-state events reached the tracker: %s" % v)
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=True)
