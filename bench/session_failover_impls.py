"""The two HA pairs of the session benchmark's failover part (bench/session_failover.py), each on
fw1 and fw2 with the same methods (check, setup, start, ready, role, settings, after, stop):
FoHrpd, the hotstandby suite (vrrpd + vgmpd + hrpd), and FoKeepalived, keepalived + conntrackd
FTFW with conntrackd's primary-backup.sh as notify script (its config, FIFO reader and script:
KA_CONF, KA_FIFO, KA_NOTIFY)."""

import os
import re
import shutil
import signal
import subprocess
import time

import benchlib as bl

bl.lab_imports()

from hslab_lib import boxes, netns  # noqa: E402
from session_impls import end_process  # noqa: E402
from session_failover_lab import BOXES, FO_ADVERT_CS, FO_DEAD_COUNT, FO_HELLO_MS, VIP  # noqa: E402

KA_PRIO = {"fw1": 200, "fw2": 100}
OSPF_STANDBY_COST = 65500  # vgmpd's ospf_cost.cost in the ref lab

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
        self.ctd = conntrackd_cls(lab, opts)  # session_impls.Conntrackd: the same config
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
        pids = {}
        for node in BOXES:  # conntrackd first: the notify script expects it running
            pids[node] = {"conntrackd": self.ctd.start(node, "")}
        for node in BOXES:
            pids[node]["keepalived"] = self.start_keepalived(node)
        self.pids = pids
        return pids

    def start_keepalived(self, node):
        """keepalived on node, once its VRRP child has written its PID file; returns its pid."""
        import vrrp_lab as v  # noqa: E402 (the lab's keepalived starter)
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
        return p.pid

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

    def stop_keepalived(self, node):
        p = self.ka.pop(node, None)
        if p is not None and p.poll() is None:
            end_process(p, 10)
        # keepalived's VRRP child and the FIFO reader, if they outlived it: by PID file
        for pidfile in ("keepalived-vrrp.pid", "notify-fifo.pid"):
            try:
                with open(os.path.join(self.lab.node_dir(node), pidfile)) as f:
                    child = int(f.read().strip())
                if netns.alive(child):
                    netns.kill_pids([child])
            except (OSError, ValueError):
                pass

    def stop(self):
        for node in BOXES:
            self.stop_keepalived(node)
            self.ctd.stop(node)


def keepalived_version():
    p = subprocess.run(["keepalived", "--version"], capture_output=True, text=True, timeout=10)
    return ((p.stderr or p.stdout).strip().splitlines() or ["?"])[0]
