"""Where a live session sync's entries wait: the socket queues of the daemons on both boxes,
sampled from /proc while a fill runs (issue 14: per-entry latency).

An entry of the live sync passes, in order: the source's conntrack event socket (netlink receive
queue), the source daemon, its TCP send queue (the data channel; for conntrackd its UDP socket),
the standby's TCP receive queue, the standby daemon, the standby's kernel. (conntrackd's UDP
sockets are not read: its figures are the netlink queues and the CPU shares.) The sampler reads, every
few ms, each daemon's own sockets (by the inodes of its file descriptors) in its namespace
(/proc/PID/net/netlink; its TCP sockets through copies of their descriptors, pidfd_getfd, read
with SIOCINQ / SIOCOUTQ), and its scheduler counters (/proc/PID/schedstat: on-CPU
and runnable-but-waiting time), so a queue can be named: bytes waiting in each, over time.

Samples are taken by a thread of the bench (no process per sample); each costs a few /proc reads.
"""

import ctypes
import fcntl
import os
import sys
import threading
import time


def _socket_fds(pid):
    """(fd, inode) of each socket the process holds."""
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return
    for fd in fds:
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            yield int(fd), int(link[8:-1])


def _socket_inodes(pid):
    return {inode for _, inode in _socket_fds(pid)}


def _read(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except OSError:
        return []


def netlink_queues(pid, inodes):
    """{inode: (protocol, groups, rmem, drops)} of the process's netlink sockets."""
    out = {}
    for line in _read("/proc/%d/net/netlink" % pid)[1:]:
        f = line.split()
        # sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
        if len(f) >= 10 and int(f[9]) in inodes:
            out[int(f[9])] = (int(f[1]), int(f[3], 16), int(f[4]), int(f[8]))
    return out


_libc = ctypes.CDLL(None, use_errno=True)
_SYS_PIDFD_GETFD = 438  # x86_64, arm64 (and every architecture since 5.6: the generic number)
SIOCINQ, SIOCOUTQ = 0x541B, 0x5411


def tcp_fds(pid, inodes):
    """Copies (pidfd_getfd) of the process's TCP sockets, found once by their inodes in
    /proc/PID/net/tcp{,6} (slow with many sockets on the machine: never per sample). The copies
    are read with SIOCINQ / SIOCOUTQ (unread bytes; unsent + unacknowledged bytes) and must be
    closed (close_fds) before the daemon's connection may end."""
    tcp = set()
    for kind in ("tcp", "tcp6"):
        for line in _read("/proc/%d/net/%s" % (pid, kind))[1:]:
            f = line.split()
            if len(f) >= 10 and int(f[9]) in inodes and f[3] == "01":  # ESTABLISHED
                tcp.add(int(f[9]))
    fds = []
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return fds
    try:
        for fd, inode in _socket_fds(pid):
            if inode in tcp:
                mine = _libc.syscall(_SYS_PIDFD_GETFD, pidfd, fd, 0)
                if mine >= 0:
                    fds.append(mine)
    finally:
        os.close(pidfd)
    return fds


def close_fds(fds):
    for fd in fds:
        os.close(fd)
    del fds[:]


def tcp_queues(fds):
    """(unsent + unacknowledged, unread) bytes summed over the sockets."""
    tx = rx = 0
    buf = bytearray(4)
    for fd in fds:
        try:
            fcntl.ioctl(fd, SIOCOUTQ, buf)
            tx += int.from_bytes(buf, sys.byteorder)
            fcntl.ioctl(fd, SIOCINQ, buf)
            rx += int.from_bytes(buf, sys.byteorder)
        except OSError:
            pass
    return tx, rx


def _thread_files(pid, name):
    """The lines of /proc/PID/task/TID/name of each thread; None when the process is gone."""
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    return [_read("/proc/%d/task/%s/%s" % (pid, tid, name)) for tid in tids]


def ctxt_switches(pid):
    """(voluntary, involuntary) context switches of the process's threads: a voluntary one is a
    sleep (a wait for input, or for a kernel lock such as ctnetlink's mutex)."""
    files = _thread_files(pid, "status")
    if files is None:
        return None
    vol = invol = 0
    for lines in files:
        for line in lines:
            if line.startswith("voluntary_ctxt_switches:"):
                vol += int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                invol += int(line.split()[1])
    return vol, invol


def schedstat(pid):
    """(on-CPU ns, runnable-waiting ns) summed over the process's threads."""
    files = _thread_files(pid, "schedstat")
    if files is None:
        return None
    run = wait = 0
    for f in files:
        if f:
            a = f[0].split()
            run += int(a[0])
            wait += int(a[1])
    return run, wait


class QueueSampler:
    """A thread sampling the queues of {box: pid} every interval_s until stop()."""

    def __init__(self, pids, interval_s=0.005, max_samples=20000):
        self.pids = dict(pids)
        self.interval_s = interval_s
        self.max_samples = max_samples
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._inodes = {box: _socket_inodes(pid) for box, pid in self.pids.items()}
        self._tcp = {box: tcp_fds(pid, self._inodes[box]) for box, pid in self.pids.items()}
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for fds in getattr(self, "_tcp", {}).values():
            close_fds(fds)

    def _one(self, box, pid):
        ino = self._inodes[box]
        nl = netlink_queues(pid, ino)
        s = schedstat(pid)
        # the event socket: a netfilter (12) socket in a group; the others answer requests
        ev = sum(r for proto, groups, r, _ in nl.values() if proto == 12 and groups)
        req = sum(r for proto, groups, r, _ in nl.values() if proto == 12 and not groups)
        drops = sum(d for _, _, _, d in nl.values())
        tcp_tx, tcp_rx = tcp_queues(self._tcp[box])
        cs = ctxt_switches(pid)
        return {"ev_rmem": ev, "req_rmem": req, "nl_drops": drops, "tcp_tx": tcp_tx,
                "tcp_rx": tcp_rx, "vcsw": cs[0] if cs else None,
                "ivcsw": cs[1] if cs else None,
                "run_ns": s[0] if s else None, "wait_ns": s[1] if s else None}

    def _run(self):
        while not self._stop.is_set() and len(self.samples) < self.max_samples:
            t = time.monotonic_ns()
            self.samples.append((t, {box: self._one(box, pid)
                                     for box, pid in self.pids.items()}))
            self._stop.wait(self.interval_s)

    def summary(self, t_from_ns=None, t_to_ns=None):
        """Per box and queue: p50 and max bytes over the samples in [t_from, t_to]; the share of
        the window each daemon ran and waited runnable for a CPU; its sleeps (voluntary context
        switches) and preemptions."""
        picked = [(t, s) for t, s in self.samples
                  if (t_from_ns is None or t >= t_from_ns) and (t_to_ns is None or t <= t_to_ns)]
        out = {"samples": len(picked)}
        if len(picked) < 2:
            return out
        span = picked[-1][0] - picked[0][0]
        for box in self.pids:
            rows = [s[box] for _, s in picked]
            b = {}
            for key in ("ev_rmem", "req_rmem", "tcp_tx", "tcp_rx"):
                v = sorted(r[key] for r in rows)
                if v[-1]:
                    b[key] = {"p50": v[len(v) // 2], "p90": v[int(len(v) * 0.9)], "max": v[-1]}
            b["nl_drops"] = rows[-1]["nl_drops"] - rows[0]["nl_drops"]
            if rows[0]["vcsw"] is not None and rows[-1]["vcsw"] is not None:
                b["sleeps"] = rows[-1]["vcsw"] - rows[0]["vcsw"]
                b["preempted"] = rows[-1]["ivcsw"] - rows[0]["ivcsw"]
            if rows[0]["run_ns"] is not None and rows[-1]["run_ns"] is not None and span:
                b["on_cpu_share"] = round((rows[-1]["run_ns"] - rows[0]["run_ns"]) / span, 3)
                b["waiting_cpu_share"] = round((rows[-1]["wait_ns"] - rows[0]["wait_ns"]) / span,
                                               3)
            out[box] = b
        out["window_ms"] = round(span / 1e6, 1)
        return out

    def series(self, keys=("ev_rmem", "tcp_tx", "tcp_rx"), every=4):
        """A thinned time series [ms from the first sample, {box: {key: bytes}}] for the JSON."""
        if not self.samples:
            return []
        t0 = self.samples[0][0]
        return [[round((t - t0) / 1e6, 1), {box: {k: v[k] for k in keys if v.get(k)}
                                            for box, v in s.items()}]
                for t, s in self.samples[::every]]
