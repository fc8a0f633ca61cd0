"""The two implementations that the session benchmark's live and bulk parts drive
(bench/session_sync.py), on fw1 (the source) and fw2 (the standby): conntrackd FTFW, the peer,
and hrpd's session sync. Both have the same methods (check, setup, pid, start, stop, pair_ready,
source_ready, join_prepare, join_trigger, stats, extra_meta), so the measurements
(session_measure.py) are one code for both. end_process() is how the session modules end a
process they started."""

import os
import re
import shutil
import signal
import subprocess
import time

import benchlib as bl

bl.lab_imports()

from hslab_lib import boxes, scenario  # noqa: E402

BOXES = ("fw1", "fw2")
SRC, DST = "fw1", "fw2"
HB = "hb0"
HB_ADDR = {"fw1": ("203.0.113.1", "203.0.113.2"), "fw2": ("203.0.113.2", "203.0.113.1")}
CTD_PORT = 3780


class NotImplementedYet(Exception):
    """The implementation lacks the feature (hrpd's session sync, for now)."""


def end_process(p, grace):
    """Ends a process we started, by its PID: SIGTERM, then SIGKILL if it has not ended within
    grace seconds."""
    os.kill(p.pid, signal.SIGTERM)
    try:
        p.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=5)


# ---- conntrackd (the peer) ----

CTD_CONF = """# conntrackd FTFW for the session-sync benchmark (bench/session_sync.py), box {node}
Sync {{
	Mode FTFW {{
		# the "direct" mode: received states go straight into the kernel table
		DisableExternalCache on
		ResendQueueSize 262144
	}}
	UDP {{
		IPv4_address {local}
		IPv4_Destination_Address {remote}
		Port {port}
		Interface {ifname}
		SndSocketBuffer 24985600
		RcvSocketBuffer 24985600
		Checksum on
	}}
}}
General {{
	Systemd off
	HashSize 65536
	HashLimit 1048576
	LogFile {dir}/conntrackd.log
	Syslog off
	LockFile {dir}/conntrackd.lock
	UNIX {{
		Path {dir}/conntrackd.ctl
	}}
	NetlinkBufferSize 8388608
	NetlinkBufferSizeMaxGrowth 134217728
	Filter From Kernelspace {{
		Protocol Accept {{
			TCP
		}}
		Address Ignore {{
			IPv4_address 127.0.0.1
			IPv4_address 203.0.113.0/30
			IPv4_address 203.0.113.4/30
		}}
		State Accept {{
			ESTABLISHED CLOSED TIME_WAIT CLOSE_WAIT for TCP
		}}
	}}
}}
"""


class Conntrackd:
    name = "conntrackd"
    join_starts_sync = False  # the joining box asks: conntrackd -n

    def __init__(self, lab, opts):
        self.lab, self.opts = lab, opts
        self.procs = {}
        self.prog = shutil.which("conntrackd") or "/usr/sbin/conntrackd"

    def version(self):
        p = subprocess.run([self.prog, "-v"], capture_output=True, text=True, timeout=10)
        m = re.search(r"v(\d[\w.]*)", p.stdout or p.stderr)
        return m.group(1).rstrip(".") if m else "?"

    def check(self):
        if not os.access(self.prog, os.X_OK):
            raise RuntimeError("conntrackd not installed (apt-get install conntrackd)")

    def dir(self, node):
        return os.path.join(self.lab.node_dir(node), "conntrackd")

    def conf(self, node):
        return os.path.join(self.dir(node), "conntrackd.conf")

    def setup(self):
        for node in BOXES:
            os.makedirs(self.dir(node), exist_ok=True)
            local, remote = HB_ADDR[node]
            with open(self.conf(node), "w") as f:
                f.write(CTD_CONF.format(node=node, local=local, remote=remote, port=CTD_PORT,
                                        ifname=HB, dir=self.dir(node)))
            # the lab's strict ruleset lets only HRP in on the heartbeat links
            self.lab.run(node, ["nft", "insert", "rule", "inet", "hslab_fw", "input", "iifname",
                                HB, "udp", "dport", str(CTD_PORT), "accept"])

    def pid(self, node):
        p = self.procs.get(node)
        return p.pid if p is not None and p.poll() is None else None

    def start(self, node, role):
        sock = os.path.join(self.dir(node), "conntrackd.ctl")
        p = self.lab.spawn(node, [self.prog, "-C", self.conf(node)],
                           os.path.join(self.dir(node), "console.log"))
        self.procs[node] = p
        deadline = time.monotonic() + 20
        while not boxes._listening(sock):
            if p.poll() is not None:
                raise RuntimeError("conntrackd on %s exited with %s: %s" % (
                    node, p.returncode, bl.tail(os.path.join(self.dir(node), "conntrackd.log"))))
            if time.monotonic() > deadline:
                raise RuntimeError("conntrackd on %s: no control socket" % node)
            time.sleep(0.02)
        if self.opts.conntrackd_sched == "other":
            os.sched_setscheduler(p.pid, os.SCHED_OTHER, os.sched_param(0))
        return p.pid

    def stop(self, node):
        p = self.procs.pop(node, None)
        if p is None or p.poll() is not None:
            return
        end_process(p, 10)
        for f in ("conntrackd.lock", "conntrackd.ctl"):  # left by a SIGKILL
            try:
                os.unlink(os.path.join(self.dir(node), f))
            except OSError:
                pass

    def ctl(self, node, *args, timeout=30):
        return self.lab.run(node, [self.prog, "-C", self.conf(node)] + list(args),
                            timeout=timeout).stdout

    def pair_ready(self):
        # FTFW has no peer state to wait for; its alive messages go every second or so
        time.sleep(1.0)

    def source_ready(self, node, n, timeout=60):
        """conntrackd reads the kernel table when it starts: wait until its cache holds N."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(r"cache:internal\s+active objects:\s+(\d+)", self.ctl(node, "-s",
                                                                               "cache"))
            have = int(m.group(1)) if m else 0
            if have >= n:
                return have
            if time.monotonic() > deadline:
                raise RuntimeError("conntrackd on %s: %d of %d in its cache" % (node, have, n))
            time.sleep(0.1)

    def join_prepare(self, node):
        self.start(node, "standby")
        self.pair_ready()

    def join_trigger(self, node):
        self.ctl(node, "-n")  # request resync with other node

    def stats(self, node):
        """conntrackd's own counters: its UDP bytes and packets, lost messages."""
        out = {}
        try:
            text = self.ctl(node, "-s")
        except RuntimeError as e:
            return {"error": str(e)}
        m = re.search(r"(\d+) Bytes sent\s+(\d+) Bytes recv", text)
        if m:
            out["udp_bytes_sent"], out["udp_bytes_recv"] = int(m.group(1)), int(m.group(2))
        m = re.search(r"(\d+) Pckts sent\s+(\d+) Pckts recv", text)
        if m:
            out["udp_packets_sent"], out["udp_packets_recv"] = int(m.group(1)), int(m.group(2))
        m = re.search(r"(\d+) Malformed msgs\s+(\d+) Lost msgs", text)
        if m:
            out["lost_msgs"] = int(m.group(2))
        m = re.search(r"current active connections:\s+(\d+)", text)
        if m:
            out["internal_cache"] = int(m.group(1))
        return out

    def extra_meta(self):
        return {"conntrackd_version": self.version(), "conntrackd_conf": CTD_CONF.format(
            node="fw1", local=HB_ADDR["fw1"][0], remote=HB_ADDR["fw1"][1], port=CTD_PORT,
            ifname=HB, dir="$NODE_DIR/conntrackd")}


# ---- HRPD SESSION SYNC: hrpd's side, to be finished with the feature ----
#
# hrpd's session sync is being written. How it is meant to be driven here: each box runs hrpd
# with the lab's config (hrpd.auto_sync_sessions = true, the default); the box whose VGMP state
# is active is the source, given by `vgmp-local` (no vgmpd in this lab); `hrp-statistics` will
# hold a "session" object (fields still to be fixed: entries_sent, entries_received,
# entries_applied, bytes...). When that object is missing the feature is not there yet and every
# hrpd cell prints NA_NOT_IMPL. Everything else (fill, waits, CPU, RSS, wire bytes) is the same
# code as conntrackd's.

class Hrpd:
    name = "hrpd"
    join_starts_sync = True  # a joining hrpd is sent the table by its peer on its own

    ROLE = {"fw1": ("active", 45000), "fw2": ("standby", 44000)}

    def __init__(self, lab, opts):
        self.lab, self.opts = lab, opts
        self.s = scenario.Session("session")
        from s20_hrp_links import ctl, stats, wait_pair_up  # noqa: E402 (the lab's helpers)
        self._ctl, self._stats, self._wait_pair_up = ctl, stats, wait_pair_up

    def version(self):
        p = subprocess.run([self.lab.paths.daemon("hrpd"), "--version"], capture_output=True,
                           text=True, timeout=10)
        return ((p.stdout or p.stderr).strip().splitlines() or ["hrpd"])[0]

    def check(self):
        for prog in (self.lab.paths.daemon("hrpd"),):
            if not os.access(prog, os.X_OK):
                raise RuntimeError("not built: %s" % prog)

    def setup(self):
        for kv in self.opts.hrpd_set:
            key, value = kv.split("=", 1)
            for node in BOXES:
                boxes.set_setting(self.lab, node, "hrpd", key, value)

    def pid(self, node):
        return boxes.daemon_pid(self.lab, node, "hrpd")

    def start(self, node, role):
        pid = boxes.start_daemons(self.lab, node, names=("hrpd",))["hrpd"]
        state, prio = self.ROLE[node]
        self._ctl(self.lab, node, "vgmp-local", {"state": state, "priority": prio,
                                                 "mode": "active-standby", "urgent": True,
                                                 "reason": "session bench"})
        return pid

    def stop(self, node):
        boxes.stop_daemon(self.lab, node, "hrpd")

    def session_stats(self, node):
        st = self._stats(self.lab, node)
        if not isinstance(st.get("session"), dict):
            raise NotImplementedYet("hrp-statistics has no \"session\" object")
        return st["session"]

    def pair_ready(self):
        self._wait_pair_up(self.lab, self.s, timeout=30)
        for node in BOXES:
            self.session_stats(node)  # NotImplementedYet without the feature
            if not self._ctl(self.lab, node, "status")["hrp"].get("auto_sync_sessions"):
                raise RuntimeError("%s: hrpd.auto_sync_sessions is off" % node)

    def source_ready(self, node, n, timeout=60):
        # TODO(session sync): wait until fw1's hrpd has read its table (a field of "session",
        # e.g. local entries >= n); until then the peer-up is what we wait for.
        return None

    def join_prepare(self, node):
        pass

    def join_trigger(self, node):
        self.start(node, "standby")
        self._wait_pair_up(self.lab, self.s, timeout=30)

    def stats(self, node):
        try:
            return {"session": self.session_stats(node)}
        except Exception as e:
            return {"error": str(e)}

    def extra_meta(self):
        return {"hrpd_version": self.version(),
                "hrpd_binary": bl.file_id(self.lab.paths.daemon("hrpd"))}
