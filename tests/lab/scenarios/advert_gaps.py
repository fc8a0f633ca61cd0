#!/usr/bin/python3
"""Watches VRRP adverts on interfaces of the namespace it runs in (AF_PACKET, no tshark) for a
while and writes per (interface, source, VRID) the count, the longest gap between two adverts
and the lowest priority seen, as JSON. Usage: advert_gaps.py OUT SECONDS IFACE..."""

import json
import os
import select
import socket
import sys
import time

ETH_P_IP = 0x0800


def main():
    out, seconds, ifaces = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    socks = {}
    for name in ifaces:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
        s.bind((name, ETH_P_IP))
        socks[s.fileno()] = (s, name)
    seen = {}
    with open(out + ".ready", "w"):
        pass
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([s for s, _ in socks.values()], [], [], 0.05)
        for s in ready:
            data, addr = s.recvfrom(2048)
            now = time.monotonic()
            # Ours only: a frame sent from this box comes back as PACKET_OUTGOING.
            if addr[2] == socket.PACKET_OUTGOING or len(data) < 28 or data[9] != 112:
                continue
            hl = (data[0] & 0x0F) * 4
            src = socket.inet_ntoa(data[12:16])
            vrid, prio = data[hl + 1], data[hl + 2]
            key = "%s %s %d" % (socks[s.fileno()][1], src, vrid)
            e = seen.setdefault(key, {"count": 0, "max_gap_ms": 0.0, "min_prio": 255,
                                      "last": None, "first": now})
            if e["last"] is not None:
                e["max_gap_ms"] = max(e["max_gap_ms"], (now - e["last"]) * 1000.0)
            e["last"] = now
            e["count"] += 1
            e["min_prio"] = min(e["min_prio"], prio)
    for e in seen.values():
        # A silence at the end counts too: the watch ends, not the adverts.
        e["max_gap_ms"] = round(max(e["max_gap_ms"], (end - e["last"]) * 1000.0), 1)
        del e["last"], e["first"]
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(seen, f)
    os.rename(tmp, out)


if __name__ == "__main__":
    main()
