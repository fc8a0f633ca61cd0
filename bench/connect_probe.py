#!/usr/bin/python3
"""The client side of bench/mirror_session.py, run in the lab's client namespace: TCP connects to
a server, one at a time (the latency of a new flow's first packet: connect() returns when the
SYN-ACK is back, so it includes every hold on the way) and K at a time (the rate of new flows).
Each connection is closed with a reset at once (SO_LINGER 0: no TIME_WAIT, so ports are reused).

    connect_probe.py --server ADDR --port P [--sequential N] [--total M] [--parallel K]
                     [--timeout-ms T] [--warmup W]

Prints one JSON object: {"sequential": {n, ok, failed, p50_ms, p99_ms, max_ms},
                         "rate": {total, ok, failed, seconds, per_s}}."""

import argparse
import errno
import json
import selectors
import socket
import struct
import time

LINGER0 = struct.pack("ii", 1, 0)


def close_now(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
    s.close()


def pct(sorted_ms, p):
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * p))] if sorted_ms else None


def sequential(addr, n, timeout):
    ms, failed = [], 0
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        t0 = time.perf_counter()
        try:
            s.connect(addr)
            ms.append((time.perf_counter() - t0) * 1000)
        except OSError:
            failed += 1
        close_now(s)
    ms.sort()
    return {"n": n, "ok": len(ms), "failed": failed, "p50_ms": pct(ms, 0.5),
            "p99_ms": pct(ms, 0.99), "max_ms": ms[-1] if ms else None}


def rate(addr, total, parallel, timeout):
    sel = selectors.DefaultSelector()
    started = ok = failed = 0
    t0 = time.perf_counter()

    def start():
        nonlocal started
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        e = s.connect_ex(addr)
        if e not in (0, errno.EINPROGRESS):
            close_now(s)
            return False
        sel.register(s, selectors.EVENT_WRITE, time.perf_counter())
        started += 1
        return True

    while started < min(parallel, total):
        if not start():
            failed += 1
            started += 1
    while ok + failed < total:
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            sel.unregister(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                ok += 1
            else:
                failed += 1
            close_now(s)
        now = time.perf_counter()
        for key in list(sel.get_map().values()):
            if now - key.data > timeout:
                sel.unregister(key.fileobj)
                close_now(key.fileobj)
                failed += 1
        while started < total and len(sel.get_map()) < parallel:
            if not start():
                failed += 1
                started += 1
    secs = time.perf_counter() - t0
    return {"total": total, "ok": ok, "failed": failed, "seconds": round(secs, 3),
            "per_s": round(ok / secs, 1) if secs > 0 else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sequential", type=int, default=500)
    ap.add_argument("--total", type=int, default=2000)
    ap.add_argument("--parallel", type=int, default=32)
    ap.add_argument("--timeout-ms", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=0)
    o = ap.parse_args()
    addr = (o.server, o.port)
    t = o.timeout_ms / 1000.0
    sequential(addr, o.warmup, t)  # not counted: the routing and the holds settle
    print(json.dumps({"sequential": sequential(addr, o.sequential, t),
                      "rate": rate(addr, o.total, o.parallel, t)}))


if __name__ == "__main__":
    main()
