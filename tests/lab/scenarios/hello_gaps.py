#!/usr/bin/python3
"""Watches HRP hellos on interfaces of the namespace it runs in (AF_PACKET, no tshark) for a while
and writes, per (interface, source address), the count of hellos, the longest gap between two,
the epochs and sender ids seen, and the sequence numbers' behaviour: the largest step back (a
reset shows as a large one) and how many messages came with a number below the highest seen, as
JSON; and every gap above SLOW_MS with the CLOCK_MONOTONIC time (s) it ended at, so that a
scenario can tell gaps around its own actions from the machine's. Usage:
hello_gaps.py OUT SECONDS PORT SLOW_MS IFACE...

HRP header (doc/hrp-protocol.md): magic(2) major minor type(2) flags(2) length(4) epoch(8) seq(4)
sender(4); type 1 is hello."""

import socket
import struct
import sys

from frame_watch import watch, write_result

HRP_MAGIC = 0x4852  # "HR"
HELLO = 1


def main():
    out, seconds, port = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    slow_ms, ifaces = float(sys.argv[4]), sys.argv[5:]
    seen = {}

    def on_frame(iface, data, now):
        if len(data) < 20 or data[9] != 17:
            return
        hl = (data[0] & 0x0F) * 4
        if len(data) < hl + 8 + 28 or struct.unpack("!H", data[hl + 2:hl + 4])[0] != port:
            return
        h = data[hl + 8:]
        magic, mtype = struct.unpack("!H", h[0:2])[0], struct.unpack("!H", h[4:6])[0]
        epoch, seq, sender = struct.unpack("!QII", h[12:28])
        key = "%s %s" % (iface, socket.inet_ntoa(data[12:16]))
        e = seen.setdefault(key, {"count": 0, "messages": 0, "max_gap_ms": 0.0,
                                  "epochs": [], "senders": [], "max_seq": None,
                                  "max_back": 0, "behind": 0, "last": None, "magic_bad": 0,
                                  "slow": []})
        if magic != HRP_MAGIC:
            e["magic_bad"] += 1
            return
        e["messages"] += 1
        if "%016x" % epoch not in e["epochs"]:
            e["epochs"].append("%016x" % epoch)
        if "%08x" % sender not in e["senders"]:
            e["senders"].append("%08x" % sender)
        if e["max_seq"] is None or ((seq - e["max_seq"]) & 0xFFFFFFFF) < 0x80000000:
            e["max_seq"] = seq
        else:
            e["behind"] += 1
            e["max_back"] = max(e["max_back"], (e["max_seq"] - seq) & 0xFFFFFFFF)
        if mtype != HELLO:
            return
        if e["last"] is not None:
            gap = (now - e["last"]) * 1000.0
            e["max_gap_ms"] = max(e["max_gap_ms"], gap)
            if gap > slow_ms:
                e["slow"].append([round(now, 3), round(gap, 1)])
        e["last"] = now
        e["count"] += 1

    watch(out, seconds, ifaces, on_frame)
    for e in seen.values():
        e["max_gap_ms"] = round(e["max_gap_ms"], 1)
        del e["last"]
    write_result(out, seen)


if __name__ == "__main__":
    main()
