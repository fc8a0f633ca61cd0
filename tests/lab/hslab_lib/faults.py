"""Fault injectors. Frames are dropped with nftables, never with netem (not in this kernel): a
link's faults in the switch nodes (bridge family, table hslab_fault; each fault's rules carry a
comment naming the fault, so that undoing one leaves the others), a box failure in the box itself.

A box failure must cut all the box's links at the same instant: rules added switch by switch (one
nft process each) cut them 28-59 ms apart in the vrrp lab and 98-685 ms in the ref lab (four
links; bench/box_fail_skew.py), and a failover benchmark measured that skew as gap. So the box's own namespace gets a netdev table
(BOX_TABLE) whose ingress and egress chains hook every link end of the box, made first with no
rule; then one transaction adds a drop rule to both chains, and nftables makes a transaction's
rules visible together (one generation switch), on every device at once. Ingress runs before the
macvlan and bridge receive handlers, egress on every frame the box sends (forwarded, its own, a
macvlan's through its lower link), so nothing passes (measured: 0-1 ms apart, the measurement's
resolution). No daemon of ours syncs it: hrpd reads only the tables named in
hrpd.config_sync_tables (it counts the nftables event and reads those again). A sender in the box
is not told (a UDP send succeeds; only a socket with IP_RECVERR would get ENOBUFS), and it sends
only in the milliseconds between the cut and the freeze, and between the thaw and the uncut.

  box_fail(node)             "power loss": every link of the box goes silent at one instant (below),
                             then SIGSTOP every process of its namespace. The kernel of a frozen
                             box would still forward: hence the drops. Its peer sees silence, and
                             keeps carrier on its own ports.
  box_recover(node, cold)    the reverse (SIGCONT, then the drops go, all at once); cold=True instead
                             kills our daemons while frozen and starts them again afresh (FRR and
                             the kernel's state stay: a daemon cold start, not a reboot).
  kill_daemon(node, name|all, sig)   kill -9 by default; graceful_stop() is SIGTERM.
  link_down(node, ifname)    carrier loss seen by that box only: the switch side of the veth goes
                             down, so the box's port loses carrier (like a pulled cable) while
                             every other port of the switch stays up.
  switch_cut(sw, port)       a silent cut: the switch drops the port's frames both ways; both ends
                             keep carrier and see only silence.
  link_loss(sw, percent)     random loss of every frame through one switch (e.g. one heartbeat
                             link); 100 drops all.
  timed_drop(sw, ms)         everything through the switch dropped for a precise time (below).
"""

import json
import os
import select
import signal
import subprocess
import time

from . import boxes, netns

TABLE = "hslab_fault"
SETUP = """table bridge %s {
    chain fault { type filter hook forward priority -200; policy accept; }
    chain outage { type filter hook forward priority -199; policy accept; }
}
""" % TABLE


def _switch(lab, sw):
    if lab.topo.nodes.get(sw) is None or lab.topo.nodes[sw].role != "switch":
        raise ValueError("'%s' is not a switch node of %s" % (sw, lab.topo.name))
    lab.run(sw, ["nft", "-f", "-"], input_text=SETUP)


def _add(lab, sw, tag, matches):
    _switch(lab, sw)
    rules = "".join('add rule bridge %s fault %s drop comment "%s"\n' % (TABLE, m, tag)
                    for m in matches)
    lab.run(sw, ["nft", "-f", "-"], input_text=rules)


def _remove(lab, sw, tag):
    p = lab.run(sw, ["nft", "-j", "-a", "list", "chain", "bridge", TABLE, "fault"], check=False)
    if p.returncode != 0:
        return 0
    handles = [item["rule"]["handle"] for item in json.loads(p.stdout)["nftables"]
               if "rule" in item and item["rule"].get("comment") == tag]
    if handles:
        lab.run(sw, ["nft", "-f", "-"], input_text="".join(
            "delete rule bridge %s fault handle %d\n" % (TABLE, h) for h in handles))
    return len(handles)


def _port_matches(port):
    return ['iifname "%s"' % port, 'oifname "%s"' % port]


# ---- boxes ----

BOX_TABLE = "hslab_box"
BOX_CHAINS = (("rx", "ingress"), ("tx", "egress"))  # (chain, netdev hook)


def _box_links(lab, node):
    """The box's end of every link it has (each one goes to a switch in our topologies)."""
    return [ifn for link in lab.topo.links for n, ifn in link.ends() if n == node]


def box_cut_chains(lab, node):
    """Makes the box's cut table: ingress and egress chains on every link of node, no rule yet
    (nothing drops). box_fail, or a benchmark that wants the cut itself timed, then adds
    BOX_CUT_RULES in one transaction."""
    devices = ", ".join('"%s"' % ifn for ifn in _box_links(lab, node))
    chains = "".join("    chain %s { type filter hook %s devices = { %s } priority -500; "
                     "policy accept; }\n" % (chain, hook, devices)
                     for chain, hook in BOX_CHAINS)
    lab.run(node, ["nft", "-f", "-"], input_text="table netdev %s {\n%s}\n" % (BOX_TABLE,
                                                                               chains))


BOX_CUT_RULES = "".join('add rule netdev %s %s drop comment "box failure"\n' % (BOX_TABLE, chain)
                        for chain, _ in BOX_CHAINS)


def _box_cut(lab, node):
    box_cut_chains(lab, node)
    lab.run(node, ["nft", "-f", "-"], input_text=BOX_CUT_RULES)


def _box_uncut(lab, node):
    """The drops go in one transaction (the table with them); False when there was none."""
    p = lab.run(node, ["nft", "delete", "table", "netdev", BOX_TABLE], check=False)
    return p.returncode == 0


def box_fail(lab, node):
    _box_cut(lab, node)
    pids = netns.ns_pids(lab.ns(node))
    netns.signal_pids(pids, signal.SIGSTOP)
    lab.log("box_fail %s: %d processes frozen, %d links dropped at once" % (
        node, len(pids), len(_box_links(lab, node))))
    return pids


def box_recover(lab, node, cold=False):
    if cold:
        for name in boxes.DAEMONS:
            boxes.stop_daemon(lab, node, name, signal.SIGKILL)
    netns.signal_pids(netns.ns_pids(lab.ns(node)), signal.SIGCONT)
    _box_uncut(lab, node)
    if cold:
        boxes.start_daemons(lab, node)
    lab.log("box_recover %s (%s)" % (node, "cold" if cold else "thawed"))


def kill_daemon(lab, node, name="all", sig=signal.SIGKILL):
    names = boxes.DAEMONS if name == "all" else (name,)
    return {n: boxes.stop_daemon(lab, node, n, sig) for n in names}


def graceful_stop(lab, node, name="all"):
    return kill_daemon(lab, node, name, signal.SIGTERM)


# ---- links ----

def _switch_side(lab, node, ifname):
    sw, port = lab.topo.peer(node, ifname)
    if lab.topo.nodes[sw].role != "switch":
        raise ValueError("%s:%s does not end on a switch" % (node, ifname))
    return sw, port


def carrier(lab, node, ifname):
    link = json.loads(lab.run(node, ["ip", "-j", "link", "show", ifname]).stdout)[0]
    return "LOWER_UP" in link["flags"]


def _wait_carrier(lab, node, ifname, want, timeout=5):
    deadline = time.monotonic() + timeout
    while carrier(lab, node, ifname) != want:
        if time.monotonic() > deadline:
            raise RuntimeError("%s:%s carrier still %s after %ds" % (node, ifname, not want,
                                                                     timeout))
        time.sleep(0.02)


def link_down(lab, node, ifname):
    sw, port = _switch_side(lab, node, ifname)
    lab.run(sw, ["ip", "link", "set", port, "down"])
    _wait_carrier(lab, node, ifname, False)
    lab.log("link_down %s:%s (switch port %s:%s down)" % (node, ifname, sw, port))


def link_up(lab, node, ifname):
    sw, port = _switch_side(lab, node, ifname)
    lab.run(sw, ["ip", "link", "set", port, "up"])
    _wait_carrier(lab, node, ifname, True)
    lab.log("link_up %s:%s" % (node, ifname))


def switch_cut(lab, sw, port):
    _add(lab, sw, "cut " + port, _port_matches(port))
    lab.log("switch_cut %s:%s" % (sw, port))


def switch_heal(lab, sw, port):
    _remove(lab, sw, "cut " + port)
    lab.log("switch_heal %s:%s" % (sw, port))


def link_loss(lab, sw, percent=100):
    """Random loss of percent % of the frames through switch sw, e.g. one heartbeat link."""
    if not 0 < percent <= 100:
        raise ValueError("percent is 1-100")
    match = "" if percent == 100 else "numgen random mod 100 < %d" % percent
    _add(lab, sw, "loss", [match])
    lab.log("link_loss %s %d%%" % (sw, percent))


def link_loss_end(lab, sw):
    _remove(lab, sw, "loss")
    lab.log("link_loss %s ended" % sw)


def hb_loss(lab, link, percent=100):
    """Loss on one heartbeat link: link is its switch node (sw-hb1) or a box end (fw1:hb0)."""
    sw = _switch_side(lab, *link.split(":"))[0] if ":" in link else link
    link_loss(lab, sw, percent)
    return sw


# ---- a precise outage ----

class _Nft:
    """One `nft -i` in a namespace: a command costs ~0.2 ms once warm, against ~5 ms for a new
    nft process, so a drop window opened and closed through it is exact to about 1 ms."""

    def __init__(self, lab, sw):
        # SCHED_FIFO (chrt; inherited across exec) so that a busy machine does not delay it.
        self.p = subprocess.Popen(["chrt", "-f", "10", "ip", "netns", "exec", lab.ns(sw), "nft",
                                   "-i"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, bufsize=0)
        lab.procs.append(self.p)

    def cmd(self, line, timeout=5.0):
        """Sends line, then a listing, and returns once the listing is back (line applied)."""
        self.p.stdin.write(("%s\nlist chain bridge %s outage\n" % (line, TABLE)).encode())
        buf, deadline = b"", time.monotonic() + timeout
        while not buf.rstrip().endswith(b"}\n}"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.p.stdout], [], [], left)[0]:
                raise RuntimeError("nft -i did not answer: %r" % buf[-200:])
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError("nft -i ended: %r" % buf[-200:])
            buf += chunk
            if b"Error" in buf:
                raise RuntimeError("nft -i: %s" % buf.decode(errors="replace"))

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=5)


def _realtime(restore=None):
    """Puts this process in SCHED_FIFO (returns the old policy), or restores restore."""
    if restore is not None:
        os.sched_setscheduler(0, restore[0], os.sched_param(restore[1]))
        return None
    old = (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority)
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except OSError:
        pass  # not allowed: the window is then only as exact as the machine is idle
    return old


def timed_drop(lab, sw, ms):
    """Drops every frame through switch sw for ms milliseconds. The rule is in force from some
    moment between writing it and nft's acknowledgement, and likewise for its removal; returns
    {requested_ms, min_ms, max_ms} bounding the real window (CLOCK_MONOTONIC)."""
    _switch(lab, sw)
    nft = _Nft(lab, sw)
    policy = _realtime()
    try:
        nft.cmd("flush chain bridge %s outage" % TABLE)  # warm up: caches, netlink socket
        t0 = time.monotonic()
        nft.cmd("add rule bridge %s outage drop" % TABLE)
        t1 = time.monotonic()
        end = t0 + ms / 1000.0
        while True:  # bounded: at most ms plus one sleep
            left = end - time.monotonic()
            if left <= 0:
                break
            time.sleep(left)
        t2 = time.monotonic()
        nft.cmd("flush chain bridge %s outage" % TABLE)
        t3 = time.monotonic()
    finally:
        _realtime(policy)
        nft.close()
    window = {"requested_ms": ms, "min_ms": round((t2 - t1) * 1000, 3),
              "max_ms": round((t3 - t0) * 1000, 3)}
    lab.log("timed_drop %s: %s" % (sw, window))
    return window
