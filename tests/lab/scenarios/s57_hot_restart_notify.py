#!/usr/bin/python3
"""What systemd is told across a hot restart (issue #12, doc/hot-restart.md "systemd"), without
systemd (this machine has none as PID 1): the scenario owns a UNIX datagram socket with
SO_PASSCRED, passes it as NOTIFY_SOCKET to hrpd and to vrrpd (each alone on fw1 of the reference
lab), and reads every message with the pid of the process that sent it:
  - at a cold start the daemon says READY=1;
  - at each hot restart (the hot-restart command, then SIGUSR2) the new process, and only it,
    says MAINPID=<its own pid> and READY=1, and the old process says nothing from the moment the
    hot restart starts until it is gone (no READY=1 after the handover, no STOPPING=1);
  - a new binary that aborts before its confirm (HS_TEST_CRASH_AT_ADOPT=1) sends nothing: the
    service manager goes on following the old process, which goes on;
  - a SIGTERM to the daemon at the end: STOPPING=1 from the process that runs.
Also: systemd/{vrrpd,vgmpd,hrpd}.service.in are Type=notify with NotifyAccess=all (a MAINPID=
from a process that is not the main one is only taken with NotifyAccess=all)."""

import os
import signal
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from hslab_lib import boxes, scenario  # noqa: E402
from hslab_lib.hot import gone, test_binary  # noqa: E402
from hslab_lib.pair import ctl, ctl_or_empty  # noqa: E402

BOX = "fw1"
QUIET_S = 1.5  # how long the old process is watched after it is gone


class Notify:
    """The NOTIFY_SOCKET of a service manager: every datagram with its sender's pid."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(path)
        self.sock.setblocking(False)
        self.seen = []  # (pid, {key: value})

    def drain(self, wait_s=0.0):
        """Reads what arrived (and what arrives within wait_s)."""
        end = time.monotonic() + wait_s
        while True:
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except BlockingIOError:
                if time.monotonic() >= end:
                    return
                time.sleep(0.02)
                continue
            pid = None
            for level, kind, blob in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", blob[:12])[0]
            fields = dict(line.split("=", 1) for line in data.decode().splitlines()
                          if "=" in line)
            self.seen.append((pid, fields))

    def from_pid(self, pid):
        return [f for p, f in self.seen if p == pid]

    def wait_for(self, s, what, pred, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.drain()
            hit = [(p, f) for p, f in self.seen if pred(p, f)]
            if hit:
                return hit[0]
            time.sleep(0.05)
        s.check(False, "%s within %ds (seen: %s)" % (what, timeout, self.seen))


def check_units(lab, s):
    for d in ("vrrpd", "vgmpd", "hrpd"):
        with open(os.path.join(lab.paths.top_src, "systemd", d + ".service.in")) as f:
            lines = [x.strip() for x in f]
        s.check("Type=notify" in lines and "NotifyAccess=all" in lines,
                "systemd/%s.service.in: Type=notify, NotifyAccess=all" % d)


def start(lab, daemon, sock_path):
    log = os.path.join(lab.node_dir(BOX), "log", daemon + ".log")
    os.makedirs(boxes.rundir(lab, BOX), exist_ok=True)
    os.makedirs(os.path.join(lab.node_dir(BOX), "pids"), exist_ok=True)
    p = lab.spawn(BOX, ["env", "NOTIFY_SOCKET=" + sock_path, lab.paths.daemon(daemon), "-n",
                        "-f", boxes.config(lab, BOX), "--rundir", boxes.rundir(lab, BOX)], log)
    with open(boxes._pidfile(lab, BOX, daemon), "w") as f:
        f.write("%d\n" % p.pid)
    return p


def pid_of(lab, daemon):
    return ctl_or_empty(lab, BOX, daemon, "status").get("pid")


def hot_restart(lab, s, n, daemon, how):
    """One hot restart; returns (old pid, new pid) once the old one is gone."""
    old = pid_of(lab, daemon)
    n.drain()
    mark = len(n.seen)
    for _ in range(40):
        try:
            if how == "signal":
                os.kill(old, signal.SIGUSR2)
            else:
                ctl(lab, BOX, daemon, "hot-restart")
        except RuntimeError as e:
            if "try again" not in str(e):
                raise
            time.sleep(0.25)
            continue
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            new = pid_of(lab, daemon)
            if new and new != old and gone(old):
                n.drain(QUIET_S)
                return old, new, n.seen[mark:]
            time.sleep(0.05)
        hot = ctl_or_empty(lab, BOX, daemon, "status").get("hot_restart") or {}
        if "try again" not in hot.get("last_error", ""):
            break
    s.check(False, "%s on %s: no new process after %s" % (daemon, BOX, how))


def one_daemon(lab, s, n, daemon):
    p = start(lab, daemon, n.path)
    first = p.pid
    n.wait_for(s, "%s (pid %d) says READY=1 at its start" % (daemon, first),
               lambda pid, f: pid == first and f.get("READY") == "1", 20)
    s.check(all("MAINPID" not in f for f in n.from_pid(first)),
            "%s: no MAINPID at a cold start (%s)" % (daemon, n.from_pid(first)))
    for how in ("ctl", "signal"):
        old, new, during = hot_restart(lab, s, n, daemon, how)
        said = [f for pid, f in during if pid == new]
        s.check(any(f.get("MAINPID") == str(new) and f.get("READY") == "1" for f in said),
                "%s hot restart (%s): the new process %d says MAINPID=%d and READY=1 (%s)" % (
                    daemon, how, new, new, said))
        s.check(not [f for pid, f in during if pid == old],
                "%s hot restart (%s): the old process %d says nothing from the start to %.1f s "
                "after its exit (%s)" % (daemon, how, old, QUIET_S,
                                         [f for pid, f in during if pid == old]))
        s.check(not [f for pid, f in during if pid not in (old, new)],
                "%s hot restart (%s): nobody else speaks (%s)" % (daemon, how, during))
    # A new binary that dies before its confirm: nothing is said, the old one goes on.
    pid = pid_of(lab, daemon)
    n.drain()
    mark = len(n.seen)
    crash = test_binary(lab, daemon, daemon + "-crash", "HS_TEST_CRASH_AT_ADOPT=1")
    for _ in range(40):
        try:
            ctl(lab, BOX, daemon, "hot-restart", {"exe": crash})
            break
        except RuntimeError as e:
            if "try again" not in str(e):
                raise
            time.sleep(0.25)
    s.wait_until("%s: the handover to the crashing binary aborted" % daemon,
                 lambda: (ctl_or_empty(lab, BOX, daemon, "status").get("hot_restart") or {})
                 .get("stage") == "aborted", 15)
    n.drain(QUIET_S)
    s.check(not n.seen[mark:] and pid_of(lab, daemon) == pid and not gone(pid),
            "%s: a new binary that aborts before its confirm sends nothing, the old %d goes on "
            "(%s)" % (daemon, pid, n.seen[mark:]))
    # The end: STOPPING=1 from the process that runs.
    mark = len(n.seen)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    n.drain(0.2)
    s.check(gone(pid) and any(p == pid and f.get("STOPPING") == "1" for p, f in n.seen[mark:]),
            "%s: SIGTERM to %d, STOPPING=1 from it (%s)" % (daemon, pid, n.seen[mark:]))
    return first


def body(lab, s):
    check_units(lab, s)
    n = Notify(os.path.join(lab.workdir, "notify.sock"))
    try:
        for daemon in ("hrpd", "vrrpd"):
            one_daemon(lab, s, n, daemon)
    finally:
        n.sock.close()
    s.summary = "hrpd and vrrpd: READY=1 at start, MAINPID=<new pid> + READY=1 from the new " \
                "process only at 2 hot restarts each, nothing from an aborted one, STOPPING=1 " \
                "at the end; %d messages in all" % len(n.seen)


scenario.main(body, topology="ref", daemons=False)
