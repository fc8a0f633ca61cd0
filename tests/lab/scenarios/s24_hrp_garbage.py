#!/usr/bin/python3
"""A garbage sender in fw2's namespace (from fw2's own address, so it passes the source check)
sends fw1's HRP port random bytes, truncated headers, huge length fields, lengths that are not
the datagram's, forged trailers and another major version, 3 rounds of 20000 datagrams. fw1
counts each under its reason and drops it; hrpd keeps running, the peer stays up (no
peer-down), and its memory stays flat (RSS after round 3 equal to after round 1, within 64 kB).
Then 2,000 well-formed challenges under fw2's sender id (no key in this lab, so each is valid; a
replay of a captured one looks the same): fw1 answers the nonce once a second on the link and counts the rest
(`challenges_throttled`), rather than sending two messages for each."""

import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import boxes, netns, scenario  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402
from s20_hrp_links import BOXES, Events, hrp, rss_kb, start_hrpd, stats, wait_pair_up  # noqa

GARBAGE = r"""
import os, random, socket, struct, sys, time
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((src, 0))
rnd = random.Random(int(sys.argv[4]))
def hdr(length, typ=1, flags=0, major=1):
    return struct.pack(">HBBHHIQII", 0x4852, major, 0, typ, flags, length,
                       rnd.getrandbits(64), rnd.getrandbits(32), rnd.getrandbits(32))
for i in range(n):
    k = i % 6
    if k == 0: m = os.urandom(rnd.randint(1, 1400))            # random bytes
    elif k == 1: m = hdr(28)[:rnd.randint(1, 27)]                # truncated header
    elif k == 2: m = hdr(0xffffffff) + os.urandom(20)            # huge length
    elif k == 3: m = hdr(1000) + os.urandom(50)                  # length not the datagram's
    elif k == 4: m = hdr(64, flags=2) + os.urandom(36)           # a trailer, no key here
    else: m = hdr(28, major=9)                                   # another major version
    s.sendto(m, (dst, 18514))
    if i % 100 == 99: time.sleep(0.002)
"""

CHALLENGES = r"""
import os, socket, struct, sys, time
src, dst, n, sender = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((src, 0))
nonce = os.urandom(16)
for i in range(n):
    m = struct.pack(">HBBHHIQII", 0x4852, 1, 0, 4, 0, 48, 0x1234, i, sender)
    s.sendto(m + struct.pack(">HH", 2, 16) + nonce, (dst, 18514))
    if i % 100 == 99: time.sleep(0.002)
"""

EXPECT = ("short", "bad-magic", "too-big", "bad-length", "auth-unexpected", "bad-version")


def body(lab, s):
    for node in BOXES:
        start_hrpd(lab, node)
    wait_pair_up(lab, s)
    ev = Events(lab, "fw1")
    pid = boxes.daemon_pid(lab, "fw1", "hrpd")
    st0 = stats(lab, "fw1")
    rss = []
    for rnd in range(3):
        t0 = time.monotonic()
        lab.run("fw2", ["python3", "-c", GARBAGE, REF["hb1"][1], REF["hb1"][0], "20000",
                        str(rnd)], timeout=120)
        s.note("round_%d_s" % (rnd + 1), round(time.monotonic() - t0, 1))
        time.sleep(0.3)
        s.check(netns.alive(pid), "round %d: hrpd alive" % (rnd + 1))
        rss.append(rss_kb(pid))
    st = stats(lab, "fw1")
    dropped = {k: st["drops"][k] - st0["drops"][k] for k in st["drops"]
               if st["drops"][k] != st0["drops"][k]}
    s.note("drops", dropped)
    s.note("rss_kb", rss)
    total = sum(dropped.values())
    s.check(total >= 0.9 * 60000, "fw1 counted %d of 60000 datagrams as drops" % total)
    for reason in EXPECT:
        s.check(dropped.get(reason, 0) > 0, "counted under %s" % reason)
    slack = 4096 if boxes.sanitized(pid) else 64  # ASan's quarantine holds what is freed
    s.check(rss[2] - rss[0] <= slack, "RSS flat: %s kB (at most +%d)" % (rss, slack))
    s.check(hrp(lab, "fw1")["peer"]["state"] == "up" and not ev.of("peer", state="down"),
            "the peer stayed up, no peer-down")
    s.check(st["accepted"] > st0["accepted"], "fw2's hellos still accepted")
    c0 = stats(lab, "fw1")
    t0 = time.monotonic()
    # fw2's own sender id, as a captured challenge of fw2's would carry (another one is
    # dropped as a foreign sender while the peer is up)
    lab.run("fw2", ["python3", "-c", CHALLENGES, REF["hb1"][1], REF["hb1"][0], "2000",
                    str(hrp(lab, "fw2")["sender_id"])], timeout=60)
    took = time.monotonic() - t0
    time.sleep(0.3)
    c1 = stats(lab, "fw1")
    answered = c1["challenge_responses_sent"] - c0["challenge_responses_sent"]
    throttled = c1["challenges_throttled"] - c0["challenges_throttled"]
    s.check(answered + throttled >= 1800 and 1 <= answered <= int(took) + 1,
            "2000 challenges in %.2f s: %d answered, %d throttled" % (took, answered, throttled))
    s.check(hrp(lab, "fw1")["peer"]["state"] == "up" and not ev.of("peer", state="down"),
            "the peer still up after the challenges")
    ev.close()
    s.summary = "60000 garbage datagrams: %d dropped by reason, hrpd alive, RSS %s kB; " \
        "2000 challenges: %d answered, %d throttled" % (total, rss, answered, throttled)


if __name__ == "__main__":
    scenario.main(body, topology="ref")
