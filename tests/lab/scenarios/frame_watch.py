"""What the wire watchers (advert_gaps.py, hello_gaps.py) share: IPv4 frames received on some
interfaces of the namespace they run in (AF_PACKET, no tshark) for a while, each handed to a
callback with its interface and CLOCK_MONOTONIC arrival time, the box's own frames left out (they
come back as PACKET_OUTGOING); a ".ready" file once the sockets listen; the JSON result written
whole (renamed into place) so that a reader never sees half of it."""

import json
import os
import select
import socket
import time

ETH_P_IP = 0x0800


def watch(out, seconds, ifaces, on_frame, bufsize=4096):
    """Calls on_frame(iface, ip_packet, now) for every IPv4 frame another box sent on ifaces
    until seconds have passed. Returns the time the watch ended."""
    socks = {}
    for name in ifaces:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
        s.bind((name, ETH_P_IP))
        socks[s.fileno()] = (s, name)
    with open(out + ".ready", "w"):
        pass
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([s for s, _ in socks.values()], [], [], 0.05)
        for s in ready:
            data, addr = s.recvfrom(bufsize)
            if addr[2] != socket.PACKET_OUTGOING:
                on_frame(socks[s.fileno()][1], data, time.monotonic())
    return end


def write_result(out, obj):
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, out)
