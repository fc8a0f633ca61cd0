#!/usr/bin/python3
"""Watches VRRP adverts on interfaces of the namespace it runs in (AF_PACKET, no tshark) for a
while and writes per (interface, source, VRID) the count, the longest gap between two adverts
and the lowest priority seen, as JSON. Usage: advert_gaps.py OUT SECONDS IFACE..."""

import socket
import sys

from frame_watch import watch, write_result


def main():
    out, seconds, ifaces = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    seen = {}

    def on_frame(iface, data, now):
        if len(data) < 28 or data[9] != 112:
            return
        hl = (data[0] & 0x0F) * 4
        src = socket.inet_ntoa(data[12:16])
        vrid, prio = data[hl + 1], data[hl + 2]
        key = "%s %s %d" % (iface, src, vrid)
        e = seen.setdefault(key, {"count": 0, "max_gap_ms": 0.0, "min_prio": 255, "last": None})
        if e["last"] is not None:
            e["max_gap_ms"] = max(e["max_gap_ms"], (now - e["last"]) * 1000.0)
        e["last"] = now
        e["count"] += 1
        e["min_prio"] = min(e["min_prio"], prio)

    end = watch(out, seconds, ifaces, on_frame, bufsize=2048)
    for e in seen.values():
        # A silence at the end counts too: the watch ends, not the adverts.
        e["max_gap_ms"] = round(max(e["max_gap_ms"], (end - e["last"]) * 1000.0), 1)
        del e["last"]
    write_result(out, seen)


if __name__ == "__main__":
    main()
