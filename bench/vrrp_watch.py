#!/usr/bin/python3
"""Watches one switch port (run inside the switch's namespace) and prints a line per VRRP advert
or ARP frame crossing it, stamped with CLOCK_MONOTONIC (the same clock as the benchmark's):

    T out|in vrrp SRC VRID PRIO        (out: the switch sent it to the box; in: the box sent it)
    T out|in arp SENDER-IP OP 0

The VRRP benchmark (vrrp_failover.py) watches the backup's port of each LAN switch: the master's
last advert that reached the backup, the master's priority-0 advert, the backup's first advert and
gratuitous ARP as master. It injects its faults just after one of the master's adverts.

    vrrp_watch.py IFNAME DURATION_S     (ends by itself after DURATION_S, or on SIGTERM)"""

import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003


def main():
    ifname, duration = sys.argv[1], float(sys.argv[2])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((ifname, 0))
    end = time.monotonic() + duration
    print("ready", flush=True)
    while True:  # bounded by duration
        left = end - time.monotonic()
        if left <= 0:
            return
        s.settimeout(left)
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            return
        t = time.monotonic()
        way = "out" if addr[2] == socket.PACKET_OUTGOING else "in"
        if len(data) < 42:
            continue
        ethertype = struct.unpack("!H", data[12:14])[0]
        if ethertype == 0x0800 and data[23] == 112:
            ihl = (data[14] & 0x0F) * 4
            src = socket.inet_ntoa(data[26:30])
            vrrp = data[14 + ihl:]
            if len(vrrp) < 3:
                continue
            print("%.6f %s vrrp %s %d %d" % (t, way, src, vrrp[1], vrrp[2]), flush=True)
        elif ethertype == 0x0806:
            op = struct.unpack("!H", data[20:22])[0]
            print("%.6f %s arp %s %d 0" % (t, way, socket.inet_ntoa(data[28:32]), op),
                  flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
