#!/usr/bin/python3
"""hrpd's heartbeat links in the reference lab (hello 100 ms, dead count 5; only hrpd runs):
  - both boxes find each other on both links: hb0 running, hb1 ready, peer up;
  - hb0 cut silently in its switch: hb1 becomes running, no peer-down on either box;
  - hb1 cut too: the peer is declared dead; the time from its last message to the peer-down is
    measured and compared with the formula D + 7b = 5 x 100 + 7 x 12 = 584 ms (doc/hrpd.md);
  - both healed: the peer is up again, hb0 running;
  - hb0 deleted on both boxes and made again (new interface indexes, as a rebuilt bond or VLAN
    gets): hb1 runs meanwhile, no peer-down; each hrpd opens its heartbeat socket and its data
    listener on hb0 again (`renewals`), hb0 runs again, and the data connection is back on it.

This file also holds the helpers of the other s2x_hrp_* scenarios (imported from here)."""

import json
import os
import re
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, faults, pair, scenario  # noqa: E402

BOXES = ("fw1", "fw2")


# ---- helpers shared by the s2x_hrp_* scenarios ----

def _sock_path(lab, node):
    return os.path.join(boxes.rundir(lab, node), "hrpd.sock")


_read_frame = pair.read_frame


def ctl(lab, node, cmd, args=None, timeout=5):
    """One control command to the box's hrpd (doc/control-protocol.md); returns the result."""
    return pair.ctl(lab, node, "hrpd", cmd, args, timeout)


def hrp(lab, node):
    return ctl(lab, node, "status")["hrp"]


def links(lab, node):
    return {i["interface"]: i for i in ctl(lab, node, "hrp-interfaces")["interfaces"]}


def stats(lab, node):
    return ctl(lab, node, "hrp-statistics")


class Events:
    """Subscribes to hrpd's events on a box; a thread keeps them with their arrival time."""

    def __init__(self, lab, node):
        self.node = node
        self.events = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(_sock_path(lab, node))
        data = json.dumps({"id": 1, "cmd": "subscribe"}).encode()
        self.sock.sendall(struct.pack(">I", len(data)) + data)
        _read_frame(self.sock)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while True:
                msg = _read_frame(self.sock)
                if "event" in msg:
                    self.events.append((time.monotonic(), msg["event"], msg.get("data")))
        except (OSError, EOFError, ValueError):
            pass

    def of(self, name, since=0.0, **match):
        return [(t, d) for t, e, d in self.events
                if e == name and t >= since and all(d.get(k) == v for k, v in match.items())]

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def set_hrpd(lab, node, **settings):
    """Rewrites settings of the hrpd section of the box's rendered config (key_current = "x")."""
    path = boxes.config(lab, node)
    with open(path) as f:
        text = f.read()
    for key, value in settings.items():
        text, n = re.subn(r'(\n\s*%s\s*=\s*)[^;]*;' % key,
                          lambda m: '%s%s;' % (m.group(1), json.dumps(value)), text, count=1)
        if n != 1:
            raise RuntimeError("%s: no setting %s" % (path, key))
    with open(path, "w") as f:
        f.write(text)


def start_hrpd(lab, node):
    return boxes.start_daemons(lab, node, names=("hrpd",))["hrpd"]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def log_of(lab, node):
    with open(os.path.join(lab.node_dir(node), "log", "hrpd.log"), errors="replace") as f:
        return f.read()


def pair_up(lab, node):
    """The box sees the peer up with hb0 running and hb1 ready."""
    h = hrp(lab, node)
    ls = links(lab, node)
    return (h["peer"]["state"] == "up" and h["running_link"] == "hb0"
            and ls["hb0"]["state"] == "running" and ls["hb1"]["state"] == "ready")


def wait_pair_up(lab, s, timeout=20):
    t0 = time.monotonic()
    for node in BOXES:
        s.wait_until("%s: peer up, hb0 running, hb1 ready" % node, lambda n=node: pair_up(lab, n),
                     timeout)
    return time.monotonic() - t0


def cut(lab, sw, box="fw1"):
    """A silent cut of the box's port in the heartbeat switch sw (both ends keep carrier)."""
    port = [p for b, w, p in lab.topo.switch_ports(box) if w == sw][0]
    faults.switch_cut(lab, sw, port)
    return port


# ---- the scenario ----

def body(lab, s):
    for node in BOXES:
        start_hrpd(lab, node)
    took = wait_pair_up(lab, s)
    s.note("pair_up_s", round(took, 2))
    h = hrp(lab, "fw1")
    hb = h["heartbeat"]
    s.check(h["peer"]["name"] == "fw2" and hrp(lab, "fw2")["peer"]["name"] == "fw1",
            "each box knows the other's name")
    formula = hb["silent_ms"] + hb["negotiation_ms"]
    s.check(formula == 584 and hb["dead_time_ms"] == 584,
            "dead time = 5 x 100 + 7 x 12 = 584 ms (%s)" % hb)
    ev = {node: Events(lab, node) for node in BOXES}
    down0 = {node: stats(lab, node)["peer_down"] for node in BOXES}

    # 1. The running link cut in its switch: the other link runs, the peer stays up.
    t_cut = time.monotonic()
    port0 = cut(lab, "sw-hb1")
    s.wait_until("fw1: hb1 running", lambda: hrp(lab, "fw1")["running_link"] == "hb1", 10, 0.01)
    s.note("hb0_cut_to_hb1_running_ms", round((time.monotonic() - t_cut) * 1000))
    s.wait_until("fw2: hb1 running", lambda: hrp(lab, "fw2")["running_link"] == "hb1", 10)
    time.sleep(1.0)  # a few dead intervals more: nothing else may happen
    for node in BOXES:
        h = hrp(lab, node)
        s.check(h["peer"]["state"] == "up" and links(lab, node)["hb0"]["state"] == "down",
                "%s: hb0 down, peer still up" % node)
        s.check(stats(lab, node)["peer_down"] == down0[node] and not ev[node].of("peer"),
                "%s: no peer-down event" % node)

    # 2. Both links cut: dead after D + the re-negotiation round.
    t_cut2 = time.monotonic()
    port1 = cut(lab, "sw-hb2")
    s.wait_until("fw1: peer dead", lambda: ev["fw1"].of("peer", state="down"), 10, 0.01)
    t_dead = ev["fw1"].of("peer", state="down")[0][0]
    h = hrp(lab, "fw1")
    # From hrpd's own clock: when it declared the peer dead, and its last message from the peer.
    silence_to_dead = h["peer"]["since_ms"] - h["peer"]["last_rx_ms"]
    s.note("formula_dead_ms", formula)
    s.note("measured_last_hello_to_dead_ms", silence_to_dead)
    s.note("measured_cut_to_dead_ms", round((t_dead - t_cut2) * 1000))
    s.check(h["peer"]["state"] == "dead", "fw1: peer dead")
    s.check(formula <= silence_to_dead <= formula + 100,
            "last hello to peer-down %d ms: the formula's %d ms (+ up to 100 ms of timer slack)"
            % (silence_to_dead, formula))
    cut_ms = (t_dead - t_cut2) * 1000
    s.check(formula - hb["interval_ms"] - 20 <= cut_ms <= formula + 300,
            "cut to peer-down %d ms: between D + 7b - interval and D + 7b (+ slack)" % cut_ms)
    s.check(stats(lab, "fw1")["probes_sent"] >= 3,
            "fw1 probed before declaring the peer dead (%d probes)" % stats(lab, "fw1")[
                "probes_sent"])
    s.wait_until("fw2: peer dead", lambda: ev["fw2"].of("peer", state="down"), 10)

    # 3. Restored: up again, hb0 running, announced with the peer's payload.
    t_heal = time.monotonic()
    faults.switch_heal(lab, "sw-hb1", port0)
    faults.switch_heal(lab, "sw-hb2", port1)
    s.wait_until("fw1: peer-up event", lambda: ev["fw1"].of("peer", since=t_heal, state="up"), 10,
                 0.01)
    s.note("heal_to_peer_up_ms",
           round((ev["fw1"].of("peer", since=t_heal, state="up")[0][0] - t_heal) * 1000))
    up = ev["fw1"].of("peer", since=t_heal, state="up")[0][1]
    s.check(up["payload"] and up["name"] == "fw2", "the peer-up event carries fw2's payload")
    wait_pair_up(lab, s)
    for node in BOXES:
        ev[node].close()
    rebuilt = rebuild_hb0(lab, s)
    s.summary = "hb0 cut -> hb1 running, no peer-down; both cut: dead %d ms after the last " \
                "hello (formula %d ms), %d ms after the cut; healed -> up; hb0 made again: " \
                "running again %.1f s later" % (silence_to_dead, formula, round(cut_ms), rebuilt)


HB0 = {"fw1": ("p1", "203.0.113.1/30"), "fw2": ("p2", "203.0.113.2/30")}


def rebuild_hb0(lab, s):
    """hb0 deleted on both boxes, then made again: hrpd must follow the new interfaces."""
    renew0 = {n: links(lab, n)["hb0"].get("renewals", 0) for n in BOXES}
    down0 = {n: stats(lab, n)["peer_down"] for n in BOXES}
    for node in BOXES:
        lab.run(node, ["ip", "link", "del", "hb0"])
    for node in BOXES:
        s.wait_until("%s: hb1 running once hb0 is gone" % node,
                     lambda n=node: hrp(lab, n)["running_link"] == "hb1", 10)
    t_made = time.monotonic()
    for node, (port, addr) in HB0.items():
        lab.run(node, ["ip", "link", "add", "hb0", "type", "veth", "peer", "name", port,
                       "netns", lab.ns("sw-hb1")])
        lab.run("sw-hb1", ["ip", "link", "set", port, "master", "br0"])
        lab.run("sw-hb1", ["ip", "link", "set", port, "up"])
        lab.run(node, ["ip", "addr", "add", addr, "dev", "hb0"])
        lab.run(node, ["ip", "link", "set", "hb0", "up"])
    wait_pair_up(lab, s)
    took = time.monotonic() - t_made
    for node in BOXES:
        hb0 = links(lab, node)["hb0"]
        s.check(hb0.get("renewals", 0) > renew0[node],
                "%s: hrpd opened hb0's socket again (renewals %s)" % (node, hb0.get("renewals")))
        s.check(stats(lab, node)["peer_down"] == down0[node], "%s: no peer-down" % node)
    s.wait_until("the data connection is up on hb0 again",
                 lambda: all(ctl(lab, n, "data-stats").get("state") == "up" and
                             ctl(lab, n, "data-stats").get("link") == "hb0" for n in BOXES), 15)
    return took


if __name__ == "__main__":
    scenario.main(body, topology="ref")
