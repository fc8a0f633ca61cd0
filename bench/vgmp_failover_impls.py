"""The two HA pairs of the vgmp benchmark (bench/vgmp_failover.py), each on fw1 and fw2 of the
reference lab, with the same methods: configure(interval_ms), start, stop, ready, role, the four
faults on fw1 (fault) and what puts fw1 back as the active (restore).

  VgHrpd        vrrpd + vgmpd + hrpd: session_failover_impls.FoHrpd with the hello and advert
                interval of the run; the tracked uplink is the ref lab's track_interfaces up0.
  VgKeepalived  keepalived alone (Debian's) with a vrrp_sync_group whose track_interface is the
                uplink; its notify sets lan0's OSPF cost as vgmpd does (KA_NOTIFY below). The FIFO
                reader and the start, role and ready checks are session_failover_impls'
                FoKeepalived's.

Faults (all on fw1, the active): "link" the tracked uplink loses carrier (faults.link_down),
"box" the lab's box failure with its four links cut at one instant (AtOnceFail), "kill"
kill -9 of every daemon of the pair, "switchover" a planned one (`hrp switchover`; keepalived has
no such command: SIGTERM, which makes its master send priority 0, is how it is done)."""

import os
import re
import signal
import time

import benchlib as bl

bl.lab_imports()

from hslab_lib import boxes, faults, netns  # noqa: E402
from session_failover_impls import (  # noqa: E402
    KA_FIFO, KA_PRIO, OSPF_STANDBY_COST, FoHrpd, FoKeepalived, keepalived_version)
from session_failover_lab import BOXES, VIP, AtOnceFail  # noqa: E402
from session_impls import end_process  # noqa: E402

SRC = "fw1"
UPLINK_IF = "up0"
FAULTS = ("link", "box", "kill", "switchover")


def advert_cs(interval_ms):
    """VRRP's advert interval (centiseconds) for a hello interval in ms; at least 1 cs."""
    return max(1, interval_ms // 10)


class _Faults:
    """The faults shared by both pairs: the uplink and the box failure."""

    def fault(self, kind):
        """Injects kind on fw1; returns {"t0": monotonic time of the fault, ...}."""
        if kind == "link":
            t0 = time.monotonic()
            faults.link_down(self.lab, SRC, UPLINK_IF)
            return {"t0": t0, "call_ms": round((time.monotonic() - t0) * 1000, 1)}
        if kind == "box":
            self.at_once = AtOnceFail(self.lab, SRC)  # nft -i warmed up before the clock runs
            f = self.at_once.fire()
            return f
        if kind == "kill":
            return self.kill_all()
        return self.switchover()

    def restore(self, kind):
        if kind == "link":
            faults.link_up(self.lab, SRC, UPLINK_IF)
        elif kind == "box":
            faults.box_recover(self.lab, SRC)
        else:
            self.restart_src(kind)


class VgHrpd(_Faults, FoHrpd):
    name = "vgmpd"

    def setup(self):
        pass  # configure() sets the intervals (FoHrpd.setup's are the session bench's)

    def configure(self, interval_ms):
        """hrpd's hello interval and the VRRP group's advert interval, both boxes."""
        for node in BOXES:
            boxes.set_setting(self.lab, node, "hrpd", "hello_interval", str(interval_ms))
            path = boxes.config(self.lab, node)
            with open(path) as f:
                text = f.read()
            a = text.index("vrrpd = {")
            b = text.index("\n};", a)
            part, k = re.subn(r"advert_interval = \d+;",
                              "advert_interval = %d;" % advert_cs(interval_ms), text[a:b])
            if not k:
                raise RuntimeError("%s: no advert_interval in the vrrpd groups" % path)
            text = text[:a] + part + text[b:]
            # vgmpd.ospf_cost.active_cost (--ospf-active-cost; 0: the interface's own)
            text, k = re.subn(r"(ospf_cost = \{[^}]*?cost = \d+;)( active_cost = \d+;)?",
                              r"\1 active_cost = %d;" % self.opts.ospf_active_cost, text)
            if not k:
                raise RuntimeError("%s: no vgmpd.ospf_cost group" % path)
            with open(path, "w") as f:
                f.write(text)
        self.interval_ms = interval_ms

    def settings(self):
        return {"hello_interval_ms": self.interval_ms,
                "vrrp_advert_cs": advert_cs(self.interval_ms),
                "ospf_active_cost": self.opts.ospf_active_cost,
                "binaries": {d: bl.file_id(self.lab.paths.daemon(d)) for d in boxes.DAEMONS}}

    def kill_all(self):
        t0 = time.monotonic()
        pids = [p for p in (boxes.daemon_pid(self.lab, SRC, d) for d in boxes.DAEMONS) if p]
        for pid in pids:  # all three at once, by PID; reaped by restart_src
            os.kill(pid, signal.SIGKILL)
        return {"t0": t0, "killed": len(pids)}

    def switchover(self):
        t0 = time.monotonic()
        out = boxes.hrpctl(self.lab, SRC, "hrp", "switchover", as_json=False, check=False)
        return {"t0": t0, "answer": out.strip()[:200]}

    def restart_src(self, kind):
        if kind == "kill":
            for d in boxes.DAEMONS:  # reap what we started; they are gone already
                boxes.stop_daemon(self.lab, SRC, d, signal.SIGKILL)
            boxes.start_daemons(self.lab, SRC)
        else:  # the handover sticks until undone; then fw1 preempts after its delay
            boxes.hrpctl(self.lab, SRC, "undo", "hrp", "switchover", as_json=False,
                         check=False)


# keepalived's config: one instance on the LAN (VIP on a virtual-MAC macvlan, as vrrpd) in a
# sync group that tracks the uplink, as the comparison asks. A group of one instance is
# what the reference topology has (VRRP on the LAN only); keepalived runs it (it warns).
KA_CONF = """# keepalived of box {node}, vgmp benchmark (bench/vgmp_failover.py)
global_defs {{
  router_id {node}
  vrrp_version 3
  script_user root
  vrrp_notify_fifo {dir}/notify.fifo
  vrrp_notify_fifo_script {dir}/notify-fifo.sh
}}
vrrp_sync_group pair {{
  group {{
    lan
  }}
  track_interface {{
    {uplink}
  }}
}}
vrrp_instance lan {{
  interface lan0
  state BACKUP
  virtual_router_id 1
  priority {prio}
  advert_int {adv}
  use_vmac
  virtual_ipaddress {{
    {vip}/32
  }}
}}
"""

# The notify of the comparison: lan0's OSPF cost as vgmpd sets it, so that the router's return
# traffic follows the master (keepalived changes no cost of its own; without it the router keeps
# equal-cost routes through both boxes). Lines "STATE: begin" / "STATE: end" as FoKeepalived's
# ready() reads them.
KA_NOTIFY = """#!/bin/sh
# keepalived notify of box {node} (bench/vgmp_failover.py): lan0's OSPF cost as vgmpd sets it.
LOG={dir}/notify.log
log() {{ echo "$(date +%s.%N) $*" >> $LOG; }}
cost() {{ vtysh --vty_socket {frr} -c 'configure terminal' -c 'interface lan0' -c "$1" \\
	|| log "ERROR: vtysh $1"; }}
log "$1: begin"
case "$1" in
  primary) cost "no ip ospf cost" ;;
  backup|fault) cost "ip ospf cost {cost}" ;;
  *) log "ERROR: unknown state transition"; exit 1 ;;
esac
log "$1: end"
"""


class VgKeepalived(_Faults, FoKeepalived):
    name = "keepalived"

    def __init__(self, lab, opts):  # no conntrackd: the probe is UDP, nothing to sync
        self.lab, self.opts, self.ka = lab, opts, {}

    def check(self):
        import shutil
        if not shutil.which("keepalived"):
            raise RuntimeError("keepalived not installed (apt-get install keepalived)")

    def setup(self):
        pass

    def configure(self, interval_ms):
        for node in BOXES:
            d = self.lab.node_dir(node)
            with open(self.notify_path(node), "w") as f:
                f.write(KA_NOTIFY.format(node=node, dir=d, frr=os.path.join(d, "frr"),
                                         cost=OSPF_STANDBY_COST))
            os.chmod(self.notify_path(node), 0o755)
            fifo_sh = os.path.join(d, "notify-fifo.sh")
            with open(fifo_sh, "w") as f:
                f.write(KA_FIFO.format(node=node, dir=d, notify=self.notify_path(node)))
            os.chmod(fifo_sh, 0o755)
            with open(os.path.join(d, "keepalived.conf"), "w") as f:
                f.write(KA_CONF.format(node=node, prio=KA_PRIO[node], dir=d, vip=VIP,
                                       adv="%g" % (advert_cs(interval_ms) / 100.0),
                                       uplink=UPLINK_IF))
        self.interval_ms = interval_ms

    def start(self):
        self.pids = {node: self.start_one(node) for node in BOXES}
        return self.pids

    def start_one(self, node):
        return {"keepalived": self.start_keepalived(node)}

    def vrrp_child(self, node):
        try:
            with open(os.path.join(self.lab.node_dir(node), "keepalived-vrrp.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def settings(self):
        return {"keepalived_version": keepalived_version(),
                "advert_int_s": advert_cs(self.interval_ms) / 100.0,
                "keepalived_conf_fw1": open(os.path.join(self.lab.node_dir("fw1"),
                                                         "keepalived.conf")).read()}

    def after(self):
        return {n: bl.tail(os.path.join(self.lab.node_dir(n), "log", "keepalived.log"), 15)
                for n in BOXES}

    def kill_all(self):
        t0 = time.monotonic()
        pids = [p for p in (self.ka[SRC].pid, self.vrrp_child(SRC)) if p]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return {"t0": t0, "killed": len(pids)}

    def switchover(self):
        t0 = time.monotonic()
        os.kill(self.ka[SRC].pid, signal.SIGTERM)  # its master sends priority 0 and leaves
        return {"t0": t0}

    def restart_src(self, kind):
        p = self.ka.pop(SRC)
        if p.poll() is None:
            end_process(p, 10)
        child = self.vrrp_child(SRC)
        if child and netns.alive(child):
            netns.kill_pids([child])
        self.start_one(SRC)  # priority 200: it preempts at once

    def stop(self):  # no conntrackd here
        for node in BOXES:
            self.stop_keepalived(node)
