#!/usr/bin/python3
"""With a key on both boxes (HMAC trailer, challenge at a new epoch):
  - the pair comes up through the challenge exchange;
  - fw2's hrpd is killed (-9) and started again: fw1 accepts the new epoch at once (one
    challenge round trip) and never declares the peer down; the time from the new process to
    fw1 accepting its epoch is printed;
  - a hello of fw2's old epoch, captured on the wire and played back from fw2's namespace, is
    dropped (old-epoch), and a hello of the new epoch played back is dropped as a replay."""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import boxes, scenario  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402
from s20_hrp_links import (BOXES, Events, hrp, set_hrpd, start_hrpd, stats,  # noqa: E402
                           wait_pair_up)

KEY = "hrp-lab-key-2f9c41d07a"

# Captures one hello fw2 sends on hb0 (AF_PACKET in fw2's namespace) and prints it in hex.
CAPTURE = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL: sent frames too
s.bind(("hb0", 0)); s.settimeout(0.5); end = time.time() + 5
while time.time() < end:
    try:
        f = s.recv(65535)
    except socket.timeout:
        continue
    ip = f[14:]; hl = (ip[0] & 15) * 4
    if ip[9] != 17 or ip[12:16] != socket.inet_aton(sys.argv[1]):
        continue
    udp = ip[hl:]; msg = udp[8:]
    if struct.unpack(">H", udp[2:4])[0] == 18514 and msg[:2] == b"HR" and msg[4:6] == b"\0\1":
        print(msg.hex()); sys.exit(0)
sys.exit(1)
"""

SEND = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 0))
for _ in range(3):
    s.sendto(bytes.fromhex(sys.argv[3]), (sys.argv[2], 18514))
"""


def capture_hello(lab):
    return lab.run("fw2", ["python3", "-c", CAPTURE, REF["hb1"][1]], timeout=15).stdout.strip()


def replay(lab, msg):
    lab.run("fw2", ["python3", "-c", SEND, REF["hb1"][1], REF["hb1"][0], msg], timeout=15)


def body(lab, s):
    for node in BOXES:
        set_hrpd(lab, node, key_current=KEY)
        start_hrpd(lab, node)
    wait_pair_up(lab, s)
    for node in BOXES:
        a = hrp(lab, node)["auth"]
        s.check(a["keyed"] and a["peer_signs_with"] == "current",
                "%s: signed, the peer signs with our current key" % node)
    s.check(stats(lab, "fw1")["challenges_sent"] >= 1, "fw1 challenged fw2's epoch at link-up")
    old_hello = capture_hello(lab)
    epoch0 = hrp(lab, "fw1")["peer"]["epoch"]
    ev = Events(lab, "fw1")
    st0 = stats(lab, "fw1")

    boxes.stop_daemon(lab, "fw2", "hrpd", signal.SIGKILL)
    t_kill = time.monotonic()
    start_hrpd(lab, "fw2")
    t_start = time.monotonic()
    s.wait_until("fw1 accepts fw2's new epoch",
                 lambda: hrp(lab, "fw1")["peer"]["epoch"] not in (epoch0, None), 10, 0.005)
    t_acc = time.monotonic()
    s.note("kill_to_restart_ms", round((t_start - t_kill) * 1000))
    s.note("restart_to_new_epoch_accepted_ms", round((t_acc - t_start) * 1000))
    s.note("kill_to_new_epoch_accepted_ms", round((t_acc - t_kill) * 1000))
    st1 = stats(lab, "fw1")
    s.check(st1["challenges_sent"] > st0["challenges_sent"] and st1["new_epochs"] > st0[
        "new_epochs"], "the new epoch was proven by a challenge")
    wait_pair_up(lab, s, 10)
    s.check(not ev.of("peer", state="down") and st1["peer_down"] == st0["peer_down"],
            "no peer-down on fw1 for the restart")

    replay(lab, old_hello)
    new_hello = capture_hello(lab)
    time.sleep(0.3)
    replay(lab, new_hello)
    time.sleep(0.3)
    st2 = stats(lab, "fw1")
    d1, d2 = st1["drops"], st2["drops"]
    s.check(d2["old-epoch"] >= d1["old-epoch"] + 3, "the old epoch's hello played back: old-epoch "
            "(%d)" % (d2["old-epoch"] - d1["old-epoch"]))
    s.check(d2["replay"] + d2["too-old"] >= d1["replay"] + d1["too-old"] + 3,
            "the new epoch's hello played back: replay/too-old (%d)" % (
                d2["replay"] + d2["too-old"] - d1["replay"] - d1["too-old"]))
    s.check(hrp(lab, "fw1")["peer"]["state"] == "up" and not ev.of("peer", state="down"),
            "fw1 still up, no peer-down")
    ev.close()
    s.summary = "keyed restart: new epoch accepted %d ms after the kill (%d ms after the new " \
                "hrpd listened), no peer-down; replays dropped" % (
                    round((t_acc - t_kill) * 1000), round((t_acc - t_start) * 1000))


if __name__ == "__main__":
    scenario.main(body, topology="ref")
