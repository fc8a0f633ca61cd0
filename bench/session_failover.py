#!/usr/bin/python3
"""The failover part of the session-sync benchmark (bench/session_sync.py --only failover): the
TCP stall at a box failure of the active, hrpd's suite beside keepalived + conntrackd, measured in
the same run. session_sync.py runs it and prints its rows; this module holds the lab work.

One lab of the reference topology (tests/clab/ref.clab.yml) per implementation (a box failure
changes the lab: frozen processes, OSPF state), in the same run. Each side runs a whole HA pair on
fw1 and fw2:
  hrpd: the suite, vrrpd + vgmpd + hrpd on both boxes with the ref lab's config (as
        tests/lab/scenarios/s40_session_sync.py runs it), hrpd.hello_interval 10 ms and the VRRP
        group's advert_interval 1 cs; vgmpd raises the standby's OSPF cost on lan0.
  conntrackd: keepalived (Debian's, VRRPv3, advert_int 0.01: 10 ms, its minimum) with the VIP
        192.0.2.1 on a virtual-MAC macvlan of lan0 (use_vmac, as vrrpd's vmac; fw1 priority
        200, fw2 100) and conntrackd FTFW with the benchmark's
        config (DisableExternalCache on), driven by conntrackd's primary-backup.sh as notify
        script; the script also sets the LAN interface's OSPF cost the way vgmpd does (see
        KA_NOTIFY for why).
Then 200 TCP flows (hs-tcp-flows) and a UDP probe through fw1, the standby holding the 200
entries, and a box failure of fw1: its switch ports drop every frame (all four at once) and its
processes freeze. Figures: the longest stall of any flow and the p99 of the flows' longest
stalls, the flows lost, the UDP gap each way, when fw2 held the VIP and when the router sent the
return traffic to fw2. Printed, never asserted."""

import datetime
import json
import os
import re
import select
import shutil
import signal
import subprocess
import time
import traceback

import benchlib as bl

bl.lab_imports()

from hslab_lib import boxes, faults, lab as labmod, netns, probes  # noqa: E402

BOXES = ("fw1", "fw2")
SRC, DST = "fw1", "fw2"

# The failover target, compared with hrpd's figures only.
T_STALL_MS = 50.0         # the longest TCP stall < 50 ms at 10 ms hellos ...
T_FLOWS_LOST = 0          # ... and 0 flows lost


def met(ok):
    """PASS / MISS for a target, '-' when hrpd has no figure to compare."""
    return "-" if ok is None else ("PASS" if ok else "MISS")


def ms(x):
    return None if x is None else "%s ms" % bl.fmt_num(x, 0 if x >= 100 else 1)


FO_HELLO_MS = 10
FO_ADVERT_CS = 1
FO_TCP_PORT = 9001
FO_UDP_PORT = 9000
FO_DEAD_COUNT = 5
VIP = "192.0.2.1"
LAN_NET = "192.0.2.0/24"
CLIENT, SERVER, SERVER_ADDR = "client", "server", "203.0.113.130"
UPLINK = {"fw1": "198.51.100.1", "fw2": "198.51.100.5"}
KA_PRIO = {"fw1": 200, "fw2": 100}
OSPF_STANDBY_COST = 65500  # vgmpd's ospf_cost.cost in the ref lab
FO_LABEL = {"hrpd": "vrrpd + vgmpd + hrpd", "conntrackd": "keepalived + conntrackd"}

# use_vmac (--keepalived-vmac on, the default): the VIP on a macvlan with the virtual MAC, as
# vrrpd does (vmac = true in the ref lab). Without it keepalived puts the VIP on lan0 itself,
# where FRR runs OSPF: ospfd then originates a router-LSA with the VIP's /32 as the VIP appears,
# and holds back the next one, the survivor's cost change, by ~1.3 s (measured: the return
# traffic reached fw2 ~1.4 s after the fault, against 60 ms for the cost change alone).
#
# The notify script runs from keepalived's VRRP notify FIFO, one transition after the other in
# their order. With notify_master / notify_backup keepalived forks each script at once: at start
# a box's BACKUP script (which raises the OSPF cost) ran alongside its MASTER script 60 ms later
# and finished last, leaving the master with the standby's cost.
KA_CONF = """# keepalived of box {node}, session-sync benchmark (bench/session_failover.py)
global_defs {{
  router_id {node}
  vrrp_version 3
  script_user root
  vrrp_notify_fifo {dir}/notify.fifo
  vrrp_notify_fifo_script {dir}/notify-fifo.sh
}}
vrrp_instance lan {{
  interface lan0
  state BACKUP
  virtual_router_id 1
  priority {prio}
  advert_int {adv}{vmac}
  virtual_ipaddress {{
    {vip}/32
  }}
}}
"""

# Reads keepalived's FIFO (its last argument): lines like `INSTANCE "lan" MASTER 200`.
KA_FIFO = """#!/bin/sh
# keepalived's VRRP notify FIFO reader of box {node} (bench/session_failover.py): runs the notify
# script for each transition, one at a time, in order.
echo $$ > {dir}/notify-fifo.pid
for fifo; do :; done
while read -r what name state prio; do
  case "$what $state" in
    "INSTANCE MASTER") {notify} primary ;;
    "INSTANCE BACKUP") {notify} backup ;;
    "INSTANCE FAULT") {notify} fault ;;
  esac
done < "$fifo"
"""

# conntrackd's primary-backup.sh (Debian: /usr/share/doc/conntrackd/examples/sync/), with the
# box's config and lock file, `logger` replaced by a line in the box's notify.log (the lab's
# namespaces have no syslog), a running conntrackd checked but never started by the script (the
# benchmark starts it and ends it by PID), and one addition before the conntrackd commands: the
# LAN interface's OSPF cost, as vgmpd sets it (65500 while backup, its own cost as master).
# Without it the upstream router keeps equal-cost routes to the LAN through both boxes, and a
# flow whose return packets it sends to the standby never connects: its SYN-ACK reaches the
# standby before any entry (conntrackd syncs ESTABLISHED entries; the strict ruleset drops a
# SYN-ACK without one).
KA_NOTIFY = """#!/bin/sh
# keepalived notify of box {node} (bench/session_failover.py): conntrackd's primary-backup.sh, plus
# the OSPF cost of lan0 as vgmpd sets it. Times are CLOCK_REALTIME (date +%s.%N).
CONNTRACKD_BIN={conntrackd}
CONNTRACKD_LOCK={ctd_dir}/conntrackd.lock
CONNTRACKD_CONFIG={ctd_dir}/conntrackd.conf
LOG={dir}/notify.log
log() {{ echo "$(date +%s.%N) $*" >> $LOG; }}
cost() {{ vtysh --vty_socket {frr} -c 'configure terminal' -c 'interface lan0' -c "$1" \\
	|| log "ERROR: vtysh $1"; }}

log "$1: begin"
case "$1" in
  primary)
    cost "no ip ospf cost"
    log "primary: OSPF cost of lan0 lowered"
    $CONNTRACKD_BIN -C $CONNTRACKD_CONFIG -c
    if [ $? -eq 1 ]; then log "ERROR: failed to invoke conntrackd -c"; fi
    $CONNTRACKD_BIN -C $CONNTRACKD_CONFIG -f
    if [ $? -eq 1 ]; then log "ERROR: failed to invoke conntrackd -f"; fi
    $CONNTRACKD_BIN -C $CONNTRACKD_CONFIG -R
    if [ $? -eq 1 ]; then log "ERROR: failed to invoke conntrackd -R"; fi
    $CONNTRACKD_BIN -C $CONNTRACKD_CONFIG -B
    if [ $? -eq 1 ]; then log "ERROR: failed to invoke conntrackd -B"; fi
    ;;
  backup)
    cost "ip ospf cost {cost}"
    log "backup: OSPF cost of lan0 raised"
    $CONNTRACKD_BIN -C $CONNTRACKD_CONFIG -s >/dev/null
    if [ $? -eq 1 ]; then
      log "ERROR: conntrackd does not answer (lock file: $(ls $CONNTRACKD_LOCK 2>&1))"
      exit 1
    fi
    $CONNTRACKD_BIN -C $CONNTRACKD_CONFIG -t
    if [ $? -eq 1 ]; then log "ERROR: failed to invoke conntrackd -t"; fi
    $CONNTRACKD_BIN -C $CONNTRACKD_CONFIG -n
    if [ $? -eq 1 ]; then log "ERROR: failed to invoke conntrackd -n"; fi
    ;;
  fault)
    cost "ip ospf cost {cost}"
    $CONNTRACKD_BIN -C $CONNTRACKD_CONFIG -t
    if [ $? -eq 1 ]; then log "ERROR: failed to invoke conntrackd -t"; fi
    ;;
  *)
    log "ERROR: unknown state transition"
    exit 1
    ;;
esac
log "$1: end"
exit 0
"""


def hrpd_dead_ms(hello_ms, dead_count=FO_DEAD_COUNT):
    """doc/hrpd.md: the peer is dead D + 7b after its last message, D = dead_count x hello,
    b = max(hello / 8, 5 ms)."""
    return dead_count * hello_ms + 7 * max(hello_ms // 8, 5)


def master_down_ms(advert_cs, prio=100):
    """RFC 5798: 3 x interval + (256 - priority) x interval / 256."""
    iv = advert_cs * 10.0
    return 3 * iv + (256 - prio) * iv / 256.0


class FoHrpd:
    """The hotstandby suite on both boxes (boxes.start_daemons: vrrpd, vgmpd, hrpd)."""
    name = "hrpd"

    def __init__(self, lab, opts):
        self.lab, self.opts = lab, opts
        from s20_hrp_links import ctl  # noqa: E402 (the lab's helper)
        self._ctl = ctl

    def check(self):
        for d in boxes.DAEMONS + ("hrpctl",):
            if not os.access(self.lab.paths.daemon(d), os.X_OK):
                raise RuntimeError("not built: %s" % self.lab.paths.daemon(d))

    def setup(self):
        for node in BOXES:
            boxes.set_setting(self.lab, node, "hrpd", "hello_interval", str(FO_HELLO_MS))
            for kv in self.opts.hrpd_set:
                key, value = kv.split("=", 1)
                boxes.set_setting(self.lab, node, "hrpd", key, value)
            # the VRRP groups are a list inside the vrrpd group: rewrite their interval
            path = boxes.config(self.lab, node)
            with open(path) as f:
                text = f.read()
            a = text.index("vrrpd = {")
            b = text.index("\n};", a)
            part, k = re.subn(r"advert_interval = \d+;", "advert_interval = %d;" % FO_ADVERT_CS,
                              text[a:b])
            if not k:
                raise RuntimeError("%s: no advert_interval in the vrrpd groups" % path)
            with open(path, "w") as f:
                f.write(text[:a] + part + text[b:])

    def start(self):
        self.pids = {}
        for node in BOXES:  # fw1 first, as scenario.main(daemons=True) does
            self.pids[node] = boxes.start_daemons(self.lab, node)
        return self.pids

    def role(self, node):
        try:
            st = boxes.hrpctl(self.lab, node, "display", "hrp", "state", check=False)
        except (RuntimeError, subprocess.TimeoutExpired):
            return None
        return st.get("role") if isinstance(st, dict) else None

    def session_ready(self, node):
        try:
            return self._ctl(self.lab, node, "session-stats").get("status", {}).get("ready")
        except (OSError, RuntimeError, EOFError):
            return None

    def ready(self):
        """fw1 active, fw2 standby with its session sync ready (the table from fw1)."""
        return self.role("fw1") == "active" and self.role("fw2") == "standby" and \
            self.session_ready("fw2") is True

    def settings(self):
        return {"hello_interval_ms": FO_HELLO_MS, "dead_count": FO_DEAD_COUNT,
                "vrrp_advert_cs": FO_ADVERT_CS, "hrpd_set": list(self.opts.hrpd_set),
                "config_fw1": open(boxes.config(self.lab, "fw1")).read(),
                "binaries": {d: bl.file_id(self.lab.paths.daemon(d)) for d in boxes.DAEMONS}}

    def after(self):
        out = {}
        for node in BOXES:
            try:
                st = self._ctl(self.lab, node, "session-stats")
                out[node] = {"role": self.role(node), "session": st.get("statistics")}
            except Exception as e:
                out[node] = {"error": str(e)}
        return out

    def stop(self):
        for node in BOXES:
            for d in boxes.DAEMONS:
                try:
                    boxes.stop_daemon(self.lab, node, d)
                except Exception:
                    boxes.stop_daemon(self.lab, node, d, signal.SIGKILL)


class FoKeepalived:
    """keepalived + conntrackd FTFW (direct) on both boxes, primary-backup.sh as notify."""
    name = "conntrackd"

    def __init__(self, lab, opts, conntrackd_cls):
        self.lab, self.opts = lab, opts
        self.ctd = conntrackd_cls(lab, opts)  # session_sync.Conntrackd: the same config
        self.ka = {}

    def check(self):
        self.ctd.check()
        if not shutil.which("keepalived"):
            raise RuntimeError("keepalived not installed (apt-get install keepalived)")

    def notify_path(self, node):
        return os.path.join(self.lab.node_dir(node), "notify.sh")

    def setup(self):
        self.ctd.setup()  # conntrackd.conf in the box's dir, UDP 3780 let in on hb0
        for node in BOXES:
            d = self.lab.node_dir(node)
            with open(self.notify_path(node), "w") as f:
                f.write(KA_NOTIFY.format(node=node, conntrackd=self.ctd.prog,
                                         ctd_dir=self.ctd.dir(node), dir=d,
                                         frr=os.path.join(d, "frr"), cost=OSPF_STANDBY_COST))
            os.chmod(self.notify_path(node), 0o755)
            fifo_sh = os.path.join(d, "notify-fifo.sh")
            with open(fifo_sh, "w") as f:
                f.write(KA_FIFO.format(node=node, dir=d, notify=self.notify_path(node)))
            os.chmod(fifo_sh, 0o755)
            with open(os.path.join(d, "keepalived.conf"), "w") as f:
                f.write(KA_CONF.format(node=node, prio=KA_PRIO[node], dir=d,
                                       adv="%g" % (FO_ADVERT_CS / 100.0), vip=VIP,
                                       vmac="\n  use_vmac" if self.opts.keepalived_vmac == "on"
                                       else ""))

    def start(self):
        import vrrp_lab as v  # noqa: E402 (the lab's keepalived starter)
        pids = {}
        for node in BOXES:  # conntrackd first: the notify script expects it running
            pids[node] = {"conntrackd": self.ctd.start(node, "")}
        for node in BOXES:
            d = self.lab.node_dir(node)
            for f in ("keepalived.pid", "keepalived-vrrp.pid"):
                if os.path.exists(os.path.join(d, f)):
                    os.unlink(os.path.join(d, f))
            p = v.start_keepalived(self.lab, node)
            self.ka[node] = p
            deadline = time.monotonic() + 10
            while not os.path.exists(os.path.join(d, "keepalived-vrrp.pid")):
                if p.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("keepalived on %s did not start (exit %s): %s" % (
                        node, p.poll(), bl.tail(os.path.join(d, "log", "keepalived.log"))))
                time.sleep(0.02)
            pids[node]["keepalived"] = p.pid
        self.pids = pids
        return pids

    def holds_vip(self, node):
        out = self.lab.run(node, ["ip", "-o", "-4", "addr", "show"], check=False).stdout
        return (" %s/" % VIP) in out

    def ready(self):
        """fw1 holds the VIP, fw2 does not, and each box's notify script has run to its end
        (fw2's: backup, with its conntrackd -n)."""
        if not (self.holds_vip("fw1") and not self.holds_vip("fw2")):
            return False
        last = {n: bl.tail(os.path.join(self.lab.node_dir(n), "notify.log"), 1) for n in BOXES}
        return last["fw1"].endswith("primary: end") and last["fw2"].endswith("backup: end")

    def role(self, node):
        return "active" if self.holds_vip(node) else "standby"

    def settings(self):
        return {"keepalived_version": keepalived_version(), "advert_int_s": FO_ADVERT_CS / 100.0,
                "use_vmac": self.opts.keepalived_vmac == "on",
                "priority": KA_PRIO, "keepalived_conf_fw1": open(os.path.join(
                    self.lab.node_dir("fw1"), "keepalived.conf")).read(),
                "notify_fw1": open(self.notify_path("fw1")).read(),
                "notify_fifo_fw1": open(os.path.join(self.lab.node_dir("fw1"),
                                                     "notify-fifo.sh")).read(),
                "conntrackd_version": self.ctd.version()}

    def after(self):
        out = {}
        for node in BOXES:
            d = self.lab.node_dir(node)
            out[node] = {"role": self.role(node),
                         "notify_log": bl.tail(os.path.join(d, "notify.log"), 30),
                         "keepalived_log": bl.tail(os.path.join(d, "log", "keepalived.log"), 30),
                         "conntrackd": self.ctd.stats(node)}
        return out

    def stop(self):
        for node in BOXES:
            p = self.ka.pop(node, None)
            if p is not None and p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait(timeout=5)
            # keepalived's VRRP child and the FIFO reader, if they outlived it: by PID file
            for pidfile in ("keepalived-vrrp.pid", "notify-fifo.pid"):
                try:
                    with open(os.path.join(self.lab.node_dir(node), pidfile)) as f:
                        child = int(f.read().strip())
                    if netns.alive(child):
                        netns.kill_pids([child])
                except (OSError, ValueError):
                    pass
            self.ctd.stop(node)


def keepalived_version():
    p = subprocess.run(["keepalived", "--version"], capture_output=True, text=True, timeout=10)
    return ((p.stderr or p.stdout).strip().splitlines() or ["?"])[0]


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
                os.kill(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait(timeout=5)

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
    """faults.box_fail with the four switch ports of the box dropped at once: an `nft -i` per
    switch, started and warmed up before, gets its two rules (same table and comment as
    faults.box_fail, so faults.box_recover undoes them) within a fraction of a ms of the
    others, and each one's listing confirms them; then every process of the box's namespace is
    frozen (SIGSTOP), as box_fail does. faults.box_fail adds the ports one nft process after
    another (the LAN first, the heartbeat links ~50 ms later), which would hand keepalived (VRRP
    on the LAN) a head start over hrpd (hellos on the heartbeat links)."""

    def __init__(self, lab, node):
        self.lab, self.node, self.nfts = lab, node, []
        for _, sw, port in lab.topo.switch_ports(node):
            lab.run(sw, ["nft", "-f", "-"], input_text=faults.SETUP)
            p = subprocess.Popen(["ip", "netns", "exec", lab.ns(sw), "nft", "-i"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, bufsize=0)
            lab.procs.append(p)
            rules = "".join('add rule bridge %s fault %s drop comment "fail %s"\n' % (
                faults.TABLE, m, node) for m in ('iifname "%s"' % port, 'oifname "%s"' % port))
            self.nfts.append((sw, p, rules.encode()))
        for sw, p, _ in self.nfts:  # warm up: caches read, netlink socket open
            self._listed(sw, p, time.monotonic() + 10)

    @staticmethod
    def _listed(sw, p, deadline):
        """Asks nft for the fault chain and reads until the listing ends: every command
        written before it has been applied. Returns the listing."""
        p.stdin.write(("list chain bridge %s fault\n" % faults.TABLE).encode())
        buf = b""
        while not buf.rstrip().endswith(b"}\n}"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([p.stdout], [], [], left)[0]:
                raise RuntimeError("nft -i in %s did not answer: %r" % (sw, buf[-200:]))
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError("nft -i in %s ended: %r" % (sw, buf[-200:]))
            buf += chunk
        if b"Error" in buf:
            raise RuntimeError("nft -i in %s: %s" % (sw, buf.decode(errors="replace")))
        return buf.decode(errors="replace")

    def fire(self):
        """Returns times in ms from the first write: all written, each switch's rules
        confirmed (an upper bound of when they took effect), the box frozen."""
        t0 = time.monotonic()
        for _, p, rules in self.nfts:
            p.stdin.write(rules)
        t1 = time.monotonic()
        acks, errors = {}, []
        for sw, p, _ in self.nfts:
            try:
                text = self._listed(sw, p, t0 + 10)
                if text.count("fail %s" % self.node) < 2:
                    errors.append("%s: rules missing" % sw)
            except RuntimeError as e:
                errors.append(str(e))
            acks[sw] = round((time.monotonic() - t0) * 1000, 2)
        pids = netns.ns_pids(self.lab.ns(self.node))
        for pid in pids:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        t3 = time.monotonic()
        for sw, p, _ in self.nfts:
            try:  # closes its stdin: nft -i ends
                p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(timeout=5)
        if errors:
            raise RuntimeError("box failure: nft: %s" % "; ".join(errors))
        return {"t0": t0, "written_ms": round((t1 - t0) * 1000, 3), "confirmed_ms": acks,
                "frozen_ms": round((t3 - t0) * 1000, 1), "frozen": len(pids)}


def failover_one(paths, topo, opts, name, lablog, conntrackd_cls):
    """One implementation's failovers (opts.failover_repeats) in a lab of its own. Returns its
    record, one entry per run in "runs". conntrackd_cls: session_sync.Conntrackd (its config,
    start and stop)."""
    rec = {"impl": name, "label": FO_LABEL[name], "flows": opts.failover_flows, "runs": []}
    with labmod.Lab(topo, paths, log=lablog) as lab:
        rec["prefix"] = lab.prefix
        fo = FoHrpd(lab, opts) if name == "hrpd" else FoKeepalived(lab, opts, conntrackd_cls)
        try:
            fo.check()
            fo.setup()
            rec["ecmp"] = pin_ecmp(lab, opts.failover_ecmp)
            rec["pids"] = fo.start()
            rec["settings"] = fo.settings()
            for i in range(opts.failover_repeats):
                run = {"run": i + 1}
                rec["runs"].append(run)
                failover_run(lab, fo, opts, name, i, run)
        except Exception as e:
            rec["error"] = str(e)
            rec["traceback"] = traceback.format_exc()
            lab.keep_workdir = True
            bl.log("  ERROR %s failover: %s (logs kept in %s)" % (name, e, lab.workdir))
        finally:
            try:
                fo.stop()
            except Exception as e:
                rec.setdefault("error", "stop: %s" % e)
    return rec


def failover_run(lab, fo, opts, name, i, rec):
    """Settled on fw1, flows through it, fw1 fails, the flows go on through fw2; then fw1 is
    recovered (thawed, its ports let through) for the next run. Fills rec."""
    t0 = time.monotonic()
    settle = 40 if i == 0 else 90  # a recovered fw1 takes the table back, then preempts
    wait_for("%s: fw1 active, fw2 standby" % name, fo.ready, settle)
    wait_for("%s: rtr routes the LAN through fw1 only" % name, lambda: routed_via(lab, "fw1"),
             40)
    wait_for("%s: both boxes' router-LSAs >= %d s old in rtr" % (name, LSA_QUIET_S),
             lambda: lsas_quiet(lab), 40, interval=0.5)
    rec["settle_s"] = round(time.monotonic() - t0, 1)
    bl.log("  [%s failover %d/%d] %s settled on fw1 in %.1f s; %d TCP flows + UDP probe" % (
        name, i + 1, opts.failover_repeats, FO_LABEL[name], rec["settle_s"],
        opts.failover_flows))
    fail = AtOnceFail(lab, SRC)
    dur = opts.failover_duration
    port = FO_TCP_PORT + i  # a run's entries apart from the last run's
    tcp = probes.tcp_flows(lab, CLIENT, SERVER, SERVER_ADDR, flows=opts.failover_flows,
                           duration=dur, port=port, alive_ms=1500)
    udp = probes.udp_probe(lab, CLIENT, SERVER, SERVER_ADDR, duration=dur, port=FO_UDP_PORT + i)
    frozen = False
    try:
        ts = time.monotonic()
        wait_for("%s: fw2 holds the %d flows' entries (ESTABLISHED)" % (
            name, opts.failover_flows),
            lambda: standby_holds(lab, DST, port) >= opts.failover_flows, 20)
        rec["standby_held_s"] = round(time.monotonic() - ts, 2)
        time.sleep(1.0)
        rec["before"] = before = {"route_via": sorted(lan_route(lab)[0]), "fw1": fo.role("fw1"),
                                  "fw2": fo.role("fw2"), "lsa_age_s": lsa_ages(lab)}
        # still settled? (seen: keepalived's fw2 went master for a moment while the flows
        # started on a loaded machine, lowering its cost: rtr already sent the return traffic
        # through fw2 and the run measured nothing)
        ages = before["lsa_age_s"]
        if before["route_via"] != [SRC] or before["fw1"] != "active" or \
                before["fw2"] != "standby" or \
                any(ages.get(b) is None or ages[b] < 1 + LSA_QUIET_S // 2 for b in BOXES):
            rec["invalid"] = "not settled before the fault: %s" % before
        mon = Monitor(lab)
        try:
            real_off = time.time() - time.monotonic()
            f = fail.fire()
            frozen = True
            t_fault = f["t0"]
            rec["fault_at_s"] = round(t_fault - ts, 2)
            rec["fault"] = {k: v for k, v in f.items() if k != "t0"}
            try:
                wait_for("%s: fw2 takes over" % name, lambda: fo.role(DST) == "active", 20)
                rec["takeover_seen_ms"] = round((time.monotonic() - t_fault) * 1000)
            except RuntimeError as e:
                rec["takeover_error"] = str(e)
            time.sleep(max(0.0, t_fault + 1.0 - time.monotonic()))
            via, chosen = lan_route(lab)  # for the JSON (fw1's route may be gone by then)
            rec["rtr_at_1s"] = {"via": sorted(via), "chosen": chosen}
            t = tcp.wait()
            u = udp.wait()
        finally:
            mon.stop()
        rec["watch"] = mon.summary(t_fault + real_off)
    finally:
        for p in (tcp, udp):  # ended already unless something failed
            try:
                p.wait(slack=5)
            except Exception:
                pass
        if frozen:
            faults.box_recover(lab, SRC)  # thawed, its ports let through
    rec["tcp"] = {k: v for k, v in t.items() if k != "per_flow"}
    rec["tcp_per_flow_stall_ms"] = [x.get("max_stall_ms") for x in t.get("per_flow", [])]
    rec["tcp_dead"] = [x for x in t.get("per_flow", []) if not x.get("alive")][:20]
    rec["udp"] = u
    rec["lost"] = opts.failover_flows - t.get("alive", 0)
    rec["after"] = fo.after()
    bl.log("  [%s failover %d/%d] fw1 failed (written to the 4 switches in %.2f ms, confirmed "
           "within %s ms): longest stall %s ms, p99 %s ms, %d of %d flows lost; VIP on fw2 "
           "after %s ms, rtr's route via fw2 after %s ms; UDP gaps %s / %s ms" % (
               name, i + 1, opts.failover_repeats, f["written_ms"],
               max(f["confirmed_ms"].values()), t.get("max_stall_ms"), t.get("stall_p99_ms"),
               rec["lost"], opts.failover_flows, rec["watch"]["vip_on_fw2_ms"],
               rec["watch"]["rtr_route_via_fw2_ms"], u["c2s"].get("max_gap_ms"),
               u["s2c"].get("max_gap_ms")))


def wait_for(what, fn, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        if fn():
            return
        if time.monotonic() > deadline:
            raise RuntimeError("%s: not within %d s" % (what, timeout))
        time.sleep(interval)


def failover_rows(raw, meta, rows, summary):
    fo = raw.get("failover") or {}
    ours, peer = fo.get("hrpd"), fo.get("conntrackd")
    flows = meta.get("failover_flows", 200)

    def good(rec):
        return [r for r in (rec or {}).get("runs", []) if "tcp" in r and not r.get("invalid")]

    def st(rec, fn):
        vals = []
        for r in good(rec):
            try:
                vals.append(fn(r))
            except (KeyError, TypeError):
                vals.append(None)
        return bl.stats(vals)

    def cell(rec, fn, digits=0):
        if rec is None:
            return "-"
        if not good(rec):
            return "FAILED" if rec.get("error") else "-"
        s = st(rec, fn)
        text = bl.fmt_stats(s, "ms", digits)
        failed = len(rec.get("runs", [])) - len(good(rec))
        return text + (" [%d run(s) out]" % failed if failed else "")

    def med(rec, fn):
        return st(rec, fn)["median"] if good(rec) else None

    def row(case, fn, floor="-", target="-", ok=None, digits=0):
        r = bl.ratio(med(ours, fn), med(peer, fn))
        rows.append([case, cell(ours, fn, digits), cell(peer, fn, digits), bl.fmt_ratio(r),
                     floor, target, met(ok) if target != "-" else "-"])

    n_runs = max(len((ours or {}).get("runs", [])), len((peer or {}).get("runs", [])), 1)
    rows.append(["TCP stall at failover: box failure of the active (fw1), %d flows, "
                 "hellos / adverts 10 ms; median (min-max) of %d run(s)" % (flows, n_runs),
                 FO_LABEL["hrpd"], FO_LABEL["conntrackd"], "", "", "", ""])
    floor = "detect %s / %s ms" % (bl.fmt_num(hrpd_dead_ms(FO_HELLO_MS), 0),
                                   bl.fmt_num(master_down_ms(FO_ADVERT_CS), 0))
    worst = st(ours, lambda r: r["tcp"]["max_stall_ms"])["max"] if good(ours) else None
    row("  longest stall of any flow", lambda r: r["tcp"]["max_stall_ms"], floor=floor,
        target="< %s ms, every run" % bl.fmt_num(T_STALL_MS, 0),
        ok=None if worst is None else worst < T_STALL_MS)
    row("  p99 of the flows' longest stalls", lambda r: r["tcp"]["stall_p99_ms"])

    def lost_cell(rec):
        if rec is None:
            return "-"
        if not good(rec):
            return "FAILED" if rec.get("error") else "-"
        return "%d of %d x %d" % (sum(r["lost"] for r in good(rec)), len(good(rec)), flows)
    lost_ours = sum(r["lost"] for r in good(ours)) if good(ours) else None
    rows.append(["  flows lost (not alive at the end: no echo in their last 1.5 s, or an error)",
                 lost_cell(ours), lost_cell(peer), "-", "-", "%d" % T_FLOWS_LOST,
                 met(None if lost_ours is None else lost_ours == T_FLOWS_LOST)])
    row("  traffic gap, UDP probe (1 ms each way): client -> server",
        lambda r: r["udp"]["c2s"]["max_gap_ms"])
    row("    server -> client", lambda r: r["udp"]["s2c"]["max_gap_ms"])
    row("  the VIP's address on fw2, after the fault (ip monitor)",
        lambda r: r["watch"]["vip_on_fw2_ms"], floor="%s / %s ms" % (
            bl.fmt_num(hrpd_dead_ms(FO_HELLO_MS), 0),
            bl.fmt_num(master_down_ms(FO_ADVERT_CS), 0)), digits=1)
    row("  rtr's route to the LAN via fw2, after the fault (ip monitor)",
        lambda r: r["watch"]["rtr_route_via_fw2_ms"], digits=1)
    row("  rtr's route no more via fw1 (OSPF drops the frozen box), after the fault",
        lambda r: r["watch"]["rtr_drops_fw1_ms"], digits=1)
    for name, rec in (("hrpd", ours), ("conntrackd", peer)):
        if rec is None:
            continue
        summary.setdefault(name, {})["failover"] = {
            "max_stall_ms": st(rec, lambda r: r["tcp"]["max_stall_ms"]),
            "stall_p99_ms": st(rec, lambda r: r["tcp"]["stall_p99_ms"]),
            "lost": [r.get("lost") for r in rec.get("runs", [])], "flows": rec.get("flows"),
            "udp_gap_ms": {d: st(rec, lambda r, d=d: r["udp"][d]["max_gap_ms"])
                           for d in ("c2s", "s2c")},
            "vip_on_fw2_ms": st(rec, lambda r: r["watch"]["vip_on_fw2_ms"]),
            "rtr_route_via_fw2_ms": st(rec, lambda r: r["watch"]["rtr_route_via_fw2_ms"]),
            "rtr_drops_fw1_ms": st(rec, lambda r: r["watch"]["rtr_drops_fw1_ms"]),
            "error": rec.get("error")}


def failover_notes(raw, meta):
    fo = raw.get("failover") or {}
    seeds = ", ".join("%s: seed %s" % (n, (r.get("ecmp") or {}).get("seed"))
                      for n, r in fo.items())
    notes = [
        "failover: a lab of its own per implementation (same topology, same run), nothing of "
        "the live/bulk part running; %s: vrrpd + vgmpd + hrpd on both boxes with the ref lab's "
        "config (as s40_session_sync.py runs them), hrpd.hello_interval %d ms (dead_count %d: "
        "dead %d ms after the last hello, doc/hrpd.md), the VRRP group's advert_interval %d cs; "
        "vgmpd raises the standby's OSPF cost on lan0 to 65500" % (
            "hrpd", FO_HELLO_MS, FO_DEAD_COUNT, hrpd_dead_ms(FO_HELLO_MS), FO_ADVERT_CS),
        "conntrackd: %s, VRRPv3 on lan0, VIP 192.0.2.1/32, advert_int 0.01 (10 ms, the "
        "smallest it takes), fw1 priority 200, fw2 100 (Master_Down %.1f ms), both start "
        "BACKUP, %s; conntrackd FTFW as above "
        "(DisableExternalCache on: the synced entries are already in fw2's kernel, so the "
        "`conntrackd -c` commit of the notify script has nothing to commit); notify "
        "script: conntrackd's primary-backup.sh (primary: -c, -f, -R, -B; backup: -s, -t, -n; "
        "fault: -t), run from keepalived's vrrp_notify_fifo, one transition after the other "
        "(with notify_master/notify_backup keepalived runs them concurrently: at start the "
        "BACKUP script finished after the MASTER one and left the master's cost raised), with "
        "one addition run first: lan0's OSPF cost as vgmpd sets it (65500 on "
        "backup and fault, `no ip ospf cost` on primary). Without it both boxes keep equal "
        "costs and the router's ECMP may send a flow's SYN-ACK to the standby, which has no "
        "entry yet and drops it (strict ruleset): the flow never connects" % (
            meta.get("keepalived_version", "keepalived"), master_down_ms(FO_ADVERT_CS),
            "use_vmac (the VIP on a macvlan with the virtual MAC, as vrrpd's vmac = true)"
            if meta.get("keepalived_vmac", "on") == "on" else
            "no use_vmac (the VIP on lan0 itself, moved by gratuitous ARP; FRR then "
            "advertises its /32 in OSPF, which holds back the cost change ~1.3 s)"),
        "flows: hs-tcp-flows, %d TCP connections client -> server through fw1, each a 32-byte "
        "message every 10-20 ms echoed by the server, %d s; a flow's stall is the longest time "
        "between two echoes (normal: up to ~20 ms); alive = an echo in its last 1.5 s; plus "
        "hs-udp-probe (1 ms each way; UDP is not in conntrackd's filter: fw2 lets the client's "
        "next packet in as a new flow). The fault comes 1 s after fw2 holds all %d ESTABLISHED "
        "entries" % (meta.get("failover_flows", 200), meta.get("failover_duration", 12),
                     meta.get("failover_flows", 200)),
        "repeats: %d run(s) per implementation in its lab; between runs fw1 is recovered "
        "(faults.box_recover: thawed, its ports let through) and the next run waits until it "
        "is the active again and routes the LAN (hrpd: it takes fw2's table, then vgmpd "
        "preempts after preempt_delay 5 s; keepalived: priority 200 preempts at once), plus "
        "the LSA quiet time below; each run's flows use their own port" % meta.get(
            "failover_repeats", 1),
        "box failure of fw1: its four switch ports (sw-lan, sw-up1, sw-hb1, sw-hb2) drop every "
        "frame, written to four warmed-up `nft -i` at once (faults.box_fail adds them one nft "
        "process after another, the LAN ~50 ms before the heartbeat links: a head start for "
        "VRRP on the LAN over hrpd's hellos), then SIGSTOP of every process of fw1, as "
        "faults.box_fail does",
        "return traffic: the router (OSPF) routes the LAN through the box with the lower "
        "cost on lan0; after fw1 fails fw2 lowers its cost, while fw1's routes stay until "
        "OSPF drops the frozen neighbour (its dead interval, 4 s, or BFD where the lab's FRR "
        "configs have it: the row 'rtr's route no more via fw1'), and in between the router "
        "has equal-cost routes through both. Its ECMP hash (L3: the addresses only, so every "
        "flow alike) is pinned to '%s' in both labs by net.ipv4.fib_multipath_hash_seed in rtr "
        "(%s; chosen by `ip route get` while both routes are equal at the lab's start; "
        "--failover-ecmp survivor|failed|kernel): with 'survivor' the stall measures the "
        "pair's takeover, not the time OSPF takes to drop the dead box; 'failed' measures that "
        "instead. FRR originates a box's LSA at most every 5 s (its LSA minimum interval), so "
        "the flows start once both boxes' router-LSAs are >= %d s old in rtr's database: the "
        "start's cost changes (keepalived's BACKUP then MASTER scripts, vgmpd's first "
        "decision) do not hold back the survivor's cost change at the fault" % (
            meta.get("failover_ecmp", "survivor"), seeds or "-", LSA_QUIET_S),
        "floor: the detection of the failure, hrpd's dead time %d ms after fw1's last hello "
        "(vgmpd then makes fw2 active) / keepalived's Master_Down %.1f ms after fw1's last "
        "advert; the traffic's outage follows: client -> server until fw2 holds the VIP, the "
        "way back until rtr's route follows fw2's OSPF cost (the UDP gaps). TCP adds to it: "
        "a flow's stall runs from its last echo before the outage to its first after; lost "
        "segments are sent again once a later segment gets through and the other end reports "
        "the hole (SACK), or by the retransmission timer, 200 ms (Linux's TCP_RTO_MIN) after "
        "the segment, doubling each time (a sender in timeout recovery sends no new data), so "
        "a direction out for more than ~200 ms costs the next backoff (seen: a 500 ms stall "
        "behind a 277 ms outage of the way back). The issue's "
        "< 50 ms is below hrpd's own dead time at 10 ms hellos and dead_count 5" % (
            hrpd_dead_ms(FO_HELLO_MS), master_down_ms(FO_ADVERT_CS)),
        "the VIP on fw2 and rtr's route: `ip -ts monitor address` in fw2 and `ip -ts monitor "
        "route` in rtr, started before the fault (the kernel's notifications, stamped by ip); "
        "the fault's time is its first nft write (CLOCK_MONOTONIC, mapped to realtime)",
    ]
    errs = ["%s: %s" % (n, r["error"]) for n, r in fo.items() if r.get("error")]
    errs += ["%s run %d: %s" % (n, x["run"], x["invalid"]) for n, r in fo.items()
             for x in r.get("runs", []) if x.get("invalid")]
    runs = ", ".join("%s %s" % (n, "; ".join(
        "run %d: fault %s s after the flows started (fw2 held them after %s s), settled in %s s"
        % (x["run"], x.get("fault_at_s"), x.get("standby_held_s"), x.get("settle_s"))
        for x in r.get("runs", []))) for n, r in fo.items())
    notes.append("runs: " + runs)
    if errs:
        notes.append("failover runs out of the figures ([N run(s) out]): " + "; ".join(errs))
    return notes
