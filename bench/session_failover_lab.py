"""The lab of the session benchmark's failover part (bench/session_failover.py): the reference
lab's names and addresses and the failover's intervals and ports; the upstream router's view (its
routes to the LAN and the ECMP choice between the boxes, pinned; the age of the boxes'
router-LSAs); the standby's conntrack entries; the `ip monitor` watch of the fault (Monitor); and
the box failure with all its links cut at once, timed (AtOnceFail)."""

import datetime
import json
import os
import re
import select
import signal
import subprocess
import time

import benchlib as bl

bl.lab_imports()

from hslab_lib import faults, netns  # noqa: E402
from session_impls import end_process  # noqa: E402

BOXES = ("fw1", "fw2")
SRC, DST = "fw1", "fw2"
FO_HELLO_MS = 10
FO_ADVERT_CS = 1
FO_TCP_PORT = 9001
FO_UDP_PORT = 9000
FO_DEAD_COUNT = 5
VIP = "192.0.2.1"
LAN_NET = "192.0.2.0/24"
CLIENT, SERVER, SERVER_ADDR = "client", "server", "203.0.113.130"
UPLINK = {"fw1": "198.51.100.1", "fw2": "198.51.100.5"}


def lan_route(lab):
    """The upstream router's next hops to the LAN, and the one it picks for the client's return
    traffic (server -> client; the ECMP hash of L3 policy: addresses only, so all flows alike)."""
    out = lab.run("rtr", ["sh", "-c", "ip route show %s; echo ==; ip route get %s from %s "
                          "iif srv0" % (LAN_NET, REF_CLIENT, SERVER_ADDR)],
                  check=False, timeout=5).stdout
    routes, _, get = out.partition("==")
    via = set(b for b, a in UPLINK.items() if a in routes)
    m = re.search(r"via (\S+)", get)
    chosen = [b for b, a in UPLINK.items() if m and m.group(1) == a]
    return via, (chosen[0] if chosen else None)


REF_CLIENT = "192.0.2.100"


def pin_ecmp(lab, want):
    """The router's choice between the two firewalls while both have the same cost (after the
    active's failure: the survivor lowered its cost, the frozen box's routes stay until OSPF
    drops it: its dead interval, 4 s, or BFD's detection where the lab's FRR configs have it):
    net.ipv4.fib_multipath_hash_seed in rtr is set to the first seed with
    which the return traffic goes to `want` ('kernel': left alone). Done while both have their
    default cost (the lab's start: rtr's hs.ready needs both next hops), so both labs of a run
    make the same choice."""
    via, chosen = lan_route(lab)
    out = {"want": want, "via_at_start": sorted(via), "chosen_unpinned": chosen}
    if want == "kernel":
        out["seed"] = None
        return out
    box = {"survivor": DST, "failed": SRC}[want]
    if via != set(BOXES):
        raise RuntimeError("rtr does not route the LAN through both boxes: %s" % sorted(via))
    for seed in range(1, 257):
        lab.run("rtr", ["sysctl", "-qw", "net.ipv4.fib_multipath_hash_seed=%d" % seed])
        if lan_route(lab)[1] == box:
            out["seed"] = seed
            return out
    raise RuntimeError("no hash seed makes rtr choose %s" % box)


def routed_via(lab, act):
    """The routing has settled on act (s40's routed_via): the router reaches the LAN through
    act only, and act has its route to the server."""
    via, _ = lan_route(lab)
    mine = lab.run(act, ["ip", "route", "show", "203.0.113.128/25"], check=False).stdout
    return via == {act} and "via" in mine


ROUTER_ID = {"fw1": "198.51.100.1", "fw2": "198.51.100.5"}  # configs/fw*/ospfd.conf
LSA_QUIET_S = 6


def lsa_ages(lab):
    """Age (s) of each firewall's router-LSA in rtr's database. FRR originates a box's LSA at
    most every 5 s ("LSA minimum interval 5000 msecs"): a cost change sooner after the previous
    one waits for the rest, so the fault must come later than that after the last change (the
    start's churn) on both boxes, whichever implementation made it."""
    out = lab.run("rtr", ["vtysh", "--vty_socket", os.path.join(lab.node_dir("rtr"), "frr"),
                          "-c", "show ip ospf database json"], check=False).stdout
    try:
        lsas = json.loads(out)["areas"]["0.0.0.0"]["routerLinkStates"]
    except (ValueError, KeyError, TypeError):
        return {}
    by_id = {x.get("advertisedRouter"): x.get("lsaAge") for x in lsas}
    return {b: by_id.get(rid) for b, rid in ROUTER_ID.items()}


def lsas_quiet(lab):
    ages = lsa_ages(lab)
    return all(ages.get(b) is not None and ages[b] >= LSA_QUIET_S for b in BOXES)


def standby_holds(lab, node, port):
    """ESTABLISHED TCP entries to port in node's kernel table."""
    out = lab.run(node, ["conntrack", "-L", "-p", "tcp", "--dport", str(port)],
                  check=False).stdout
    return len([x for x in out.splitlines() if x.startswith("tcp") and "ESTABLISHED" in x])


class Monitor:
    """`ip -ts monitor` in fw2 (addresses) and in rtr (routes), started before the fault, so that
    the VIP's arrival on fw2 and the router's route changes are stamped by the kernel's own
    notifications (realtime, us) with no polling load on the 2 CPUs."""

    def __init__(self, lab):
        self.lab, self.procs = lab, {}
        d = os.path.join(lab.node_dir(CLIENT), "probes")
        os.makedirs(d, exist_ok=True)
        for node, what in (("fw2", "address"), ("rtr", "route")):
            log = os.path.join(d, "monitor-%s-%s.log" % (node, what))
            self.procs[node] = (lab.spawn(node, ["ip", "-ts", "monitor", what], log), log)
        time.sleep(0.2)

    def stop(self):
        for p, _ in self.procs.values():
            if p.poll() is None:
                end_process(p, 5)

    @staticmethod
    def entries(path):
        """[(realtime s, text of the entry with its continuation lines)]"""
        out = []
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    m = re.match(r"\[(\d{4}-\d\d-\d\dT[\d:.]+)\]\s*(.*)", line)
                    if m:
                        t = datetime.datetime.fromisoformat(m.group(1)).timestamp()
                        out.append([t, m.group(2)])
                    elif out and line[:1].isspace():
                        out[-1][1] += " " + line.strip()
        except OSError:
            pass
        return out

    def summary(self, t_fault_real):
        """ms after the fault: fw2 holds the VIP; rtr's route to the LAN goes via fw2 (first
        time); via fw1 no more (OSPF dropped the frozen box)."""
        def after(node, pred):
            for t, text in self.entries(self.procs[node][1]):
                if t >= t_fault_real - 0.001 and pred(text):
                    return round((t - t_fault_real) * 1000, 1)
            return None

        def lan(text):
            return text.startswith(LAN_NET + " ") or text.startswith("Deleted " + LAN_NET)

        return {
            "vip_on_fw2_ms": after("fw2", lambda x: not x.startswith("Deleted") and
                                   (" %s/" % VIP) in x),
            "rtr_route_via_fw2_ms": after("rtr", lambda x: lan(x) and
                                          not x.startswith("Deleted") and UPLINK["fw2"] in x),
            "rtr_drops_fw1_ms": after("rtr", lambda x: lan(x) and (
                x.startswith("Deleted") and UPLINK["fw1"] in x or
                not x.startswith("Deleted") and UPLINK["fw1"] not in x)),
        }


class AtOnceFail:
    """faults.box_fail with the cut timed: the box's cut table (faults.box_cut_chains: netdev
    ingress and egress chains on all its links, no rule yet) is made before, and an `nft -i` in
    the box's namespace is started and warmed up; fire() writes the two drop rules as one
    transaction (every link goes silent at the same instant) and, once nft confirms them,
    freezes every process of the box's namespace (SIGSTOP), as box_fail does.
    faults.box_recover undoes it."""

    def __init__(self, lab, node):
        self.lab, self.node = lab, node
        faults.box_cut_chains(lab, node)
        self.nft = subprocess.Popen(["ip", "netns", "exec", lab.ns(node), "nft", "-i"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, bufsize=0)
        lab.procs.append(self.nft)
        self._listed(time.monotonic() + 10)  # warm up: caches read, netlink socket open

    def _listed(self, deadline):
        """Asks nft for the cut table and reads until the listing ends: every command written
        before it has been applied. Returns the listing."""
        self.nft.stdin.write(("list table netdev %s\n" % faults.BOX_TABLE).encode())
        buf = b""
        while not buf.rstrip().endswith(b"}\n}"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.nft.stdout], [], [], left)[0]:
                raise RuntimeError("nft -i in %s did not answer: %r" % (self.node, buf[-200:]))
            chunk = os.read(self.nft.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError("nft -i in %s ended: %r" % (self.node, buf[-200:]))
            buf += chunk
        if b"Error" in buf:
            raise RuntimeError("nft -i in %s: %s" % (self.node, buf.decode(errors="replace")))
        return buf.decode(errors="replace")

    def fire(self):
        """Returns times in ms from the first write: written, confirmed (an upper bound of when
        the cut took effect), the box frozen."""
        t0 = time.monotonic()
        self.nft.stdin.write(faults.BOX_CUT_RULES.encode())
        t1 = time.monotonic()
        errors = []
        try:
            if self._listed(t0 + 10).count("box failure") < 2:
                errors.append("rules missing")
        except RuntimeError as e:
            errors.append(str(e))
        t2 = time.monotonic()
        pids = [p for p in netns.ns_pids(self.lab.ns(self.node)) if p != self.nft.pid]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        t3 = time.monotonic()
        try:  # closes its stdin: nft -i ends
            self.nft.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.nft.pid, signal.SIGKILL)
            self.nft.wait(timeout=5)
        if errors:
            raise RuntimeError("box failure: nft: %s" % "; ".join(errors))
        return {"t0": t0, "written_ms": round((t1 - t0) * 1000, 3),
                "confirmed_ms": {self.node: round((t2 - t0) * 1000, 2)},
                "frozen_ms": round((t3 - t0) * 1000, 1), "frozen": len(pids)}
