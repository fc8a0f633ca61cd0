#!/usr/bin/python3
"""A slow peer never makes hrpd's memory grow without bound (reference lab, hello 100 ms, dead
count 5: the peer is dead 584 ms after its last hello; only hrpd runs):
  1. fw2's hrpd is frozen (SIGSTOP) for about 400 ms, shorter than the dead time, while fw1 keeps
     queueing 200-byte records (generated inside hrpd, 4096 per data-send): fw1's session channel
     reaches its limit (8 MiB held, unsent + unacknowledged), data-send answers ENOBUFS with the
     resync flag up, 20 more batches are refused whole and fw1's RSS stays where it was at the
     limit (printed). Meanwhile fw1 answers its control socket at once, keeps sending hellos, and
     neither re-negotiates nor declares the peer dead. Thawed, fw2 gets every record fw1 took,
     once and in order (digest), fw1 announces room (event data-room) and keeps the flag until
     data-resync-done; records flow again afterwards.
  2. A freeze longer than the dead time (1.5 s) with records in flight: fw1 declares the peer
     dead and drops the connection; thawed, the peer comes up, the connection is made again and
     fw1 sends again everything not acknowledged; fw2 drops what it already had as duplicates
     and still delivers every record exactly once, in order.
Both boxes have a key here, so every data message carries the HMAC trailer."""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import boxes, scenario  # noqa: E402
from s20_hrp_links import BOXES, Events, hrp, links, rss_kb, set_hrpd, start_hrpd  # noqa: E402
from s20_hrp_links import stats, wait_pair_up  # noqa: E402
from s25_hrp_data import TEST_CHAN, Ctl, Digest, chan, gen_record, wait_data_up  # noqa: E402

SIZE = 200
PER = 4096
SEED = 2025
FREEZE_S = 0.40
KEY = "hrp-lab-data-key-7d1e"


def gen(c, start, count=PER):
    t = time.monotonic()
    r = c("data-send", {"channel": TEST_CHAN, "generate": {"count": count, "size": SIZE,
                                                         "seed": SEED, "start": start}})
    return r, (time.monotonic() - t) * 1000


def slow_peer(lab, s, c1, c2, dig, start):
    pid1 = boxes.daemon_pid(lab, "fw1", "hrpd")
    ev = Events(lab, "fw1")
    st0 = stats(lab, "fw1")
    limit = c1("data-stats")["limit_bytes"]
    base = c2("data-digest")["channels"]["upgrade"]["delivered"]
    m = freeze_and_knock(lab, c1, start, pid1)
    start = m["start"]
    s.note("freeze_ms", round(m["frozen_ms"]))
    s.check(m["first_refusal"] is not None, "fw1's channel reached its limit during the freeze")
    taken = sum(n for _, n in m["accepted"])
    s.note("records_taken_before_limit", taken)
    refusals_bounded(s, m, limit, pid1)
    # Thawed: everything fw1 took arrives, once, in order.
    for a, n in m["accepted"]:
        for i in range(a, a + n):
            dig.add(gen_record(SEED, i, SIZE))
    s.wait_until("fw2 delivered the %d records fw1 took" % taken,
                 lambda: c2("data-digest")["channels"]["upgrade"]["delivered"] >= base + taken,
                 30, 0.02)
    time.sleep(0.2)
    d2 = c2("data-digest")["channels"]["upgrade"]
    d1 = c1("data-digest")["channels"]["upgrade"]
    s.check(d2["delivered"] == base + taken, "fw2 delivered exactly what fw1 took (%d)" % (
        d2["delivered"] - base))
    s.check(d2["delivered_digest"] == dig.hex() and d1["queued_digest"] == dig.hex(),
            "digests equal: ours, fw1's of what it took, fw2's of what it delivered")
    st1 = stats(lab, "fw1")
    s.check(st1["negotiations"] == st0["negotiations"] and st1["peer_down"] == st0["peer_down"]
            and not ev.of("peer", state="down"),
            "fw1 neither re-negotiated nor declared the peer dead")
    s.wait_until("fw1: event data-room", lambda: ev.of("data-room", channel=TEST_CHAN), 10, 0.02)
    s.check(ev.of("data-resync", channel=TEST_CHAN, reason="full"), "fw1: event data-resync")
    d = c1("data-stats")
    s.check(chan(d)["resync"] and chan(d)["resync_marks"] >= 1,
            "the resync flag stays up until the producer has sent its snapshot")
    r = c1("data-resync-done", {"channel": TEST_CHAN})
    s.check(r["was"] and not chan(c1("data-stats"))["resync"], "data-resync-done clears it")
    ev.close()
    return start


def freeze_and_knock(lab, c1, start, pid1):
    """fw2's hrpd frozen for FREEZE_S: fw1 queues until refused, then goes on knocking (refused
    whole, every time) until the end of the freeze. What fw1 took and answered, its memory,
    hellos and peer state, measured on the way."""
    pid2 = boxes.daemon_pid(lab, "fw2", "hrpd")
    m = {"rss0": rss_kb(pid1), "accepted": [], "latencies": [], "first_refusal": None,
         "rss_limit": None, "rss_after": None, "refused_batches": 0,
         "hb0": {i: v["hellos_sent"] for i, v in links(lab, "fw1").items()}}
    t0 = time.monotonic()
    os.kill(pid2, signal.SIGSTOP)
    try:
        while time.monotonic() - t0 < FREEZE_S - 0.05:
            r, ms = gen(c1, start)
            m["latencies"].append(ms)
            if r["queued"]:
                m["accepted"].append((start, r["queued"]))
            start += PER
            if r["refused"]:
                if m["first_refusal"] is None:
                    m["first_refusal"] = (r, time.monotonic() - t0)
                    m["rss_limit"] = rss_kb(pid1)
                else:
                    m["refused_batches"] += 1
                    if r["queued"] != 0:
                        raise RuntimeError("records taken after a refusal: %s" % r)
                    if m["refused_batches"] == 20:
                        m["rss_after"] = rss_kb(pid1)
            time.sleep(0.005)
        m["during"] = hrp(lab, "fw1")["peer"]["state"]
        t_status = time.monotonic()
        m["hb1"] = {i: v["hellos_sent"] for i, v in links(lab, "fw1").items()}
        m["status_ms"] = (time.monotonic() - t_status) * 1000
        m["rss_end"] = rss_kb(pid1)
        left = FREEZE_S - (time.monotonic() - t0)
        if left > 0:
            time.sleep(left)
    finally:
        os.kill(pid2, signal.SIGCONT)
    m["frozen_ms"] = (time.monotonic() - t0) * 1000
    m["start"] = start
    return m


def refusals_bounded(s, m, limit, pid1):
    """The refusals: ENOBUFS with the resync flag, whole, answered at once; fw1's memory stays
    bounded; the peer stays up and hellos go on."""
    r, at = m["first_refusal"]
    s.note("limit_reached_after_ms", round(at * 1000))
    s.check(r["error"] == "ENOBUFS" and r["resync"] and r["held_bytes"] <= limit,
            "data-send answered ENOBUFS with the resync flag up, %d bytes held of %d" % (
                r["held_bytes"], limit))
    s.check(m["refused_batches"] >= 20, "%d more batches refused whole" % m["refused_batches"])
    rss0, rss_limit, rss_after, rss_end = m["rss0"], m["rss_limit"], m["rss_after"], m["rss_end"]
    s.note("rss_kb_before", rss0)
    s.note("rss_kb_at_limit", rss_limit)
    s.note("rss_kb_after_20_refused_batches", rss_after)
    s.note("rss_kb_end_of_freeze", rss_end)
    slack = 8192 if boxes.sanitized(pid1) else 512
    s.check(max(rss_after, rss_end) - rss_limit <= slack,
            "fw1's RSS stays bounded once the limit is reached (+%d kB, at most %d%s)" % (
                max(rss_after, rss_end) - rss_limit, slack,
                " under ASan's quarantine" if slack > 512 else ""))
    s.check(rss_limit - rss0 <= 2 * limit // 1024 + 4096,
            "the records held cost about the limit (+%d kB for a %d kB limit)" % (
                rss_limit - rss0, limit // 1024))
    latencies = m["latencies"]
    s.note("ctl_latency_max_ms", round(max(latencies), 1))
    s.note("ctl_status_during_freeze_ms", round(m["status_ms"], 1))
    s.check(max(latencies) < 250, "fw1 answered every data-send at once (max %.1f ms)" %
            max(latencies))
    s.check(m["during"] == "up", "fw1: the peer still up during the freeze")
    hb0, hb1 = m["hb0"], m["hb1"]
    s.check(all(hb1[i] > hb0[i] for i in hb0), "fw1 kept sending hellos (%s -> %s)" % (hb0, hb1))


def dead_peer(lab, s, c1, c2, dig, start):
    pid2 = boxes.daemon_pid(lab, "fw2", "hrpd")
    ev = Events(lab, "fw1")
    base = c2("data-digest")["channels"]["upgrade"]["delivered"]
    dup0 = chan(c2("data-stats"))["duplicates"]
    res0 = chan(c1("data-stats"))["resent"]
    taken = 0
    # Records in flight when fw2 freezes: queued just before, most unacknowledged.
    os.kill(pid2, signal.SIGSTOP)
    try:
        for _ in range(4):
            r, _ = gen(c1, start, 2048)
            if r["refused"]:
                raise RuntimeError("fw1 refused records with room to spare: %s" % r)
            for i in range(start, start + r["queued"]):
                dig.add(gen_record(SEED, i, SIZE))
            taken += r["queued"]
            start += 2048
        s.wait_until("fw1 declares the frozen peer dead", lambda: ev.of("peer", state="down"),
                     5, 0.01)
        s.wait_until("fw1 closed the data connection",
                     lambda: c1("data-stats")["state"] != "up", 5, 0.01)
        time.sleep(0.3)
    finally:
        t_thaw = time.monotonic()
        os.kill(pid2, signal.SIGCONT)
    s.wait_until("thawed: the peer is up", lambda: ev.of("peer", since=t_thaw, state="up"), 10,
                 0.01)
    wait_data_up(lab, s)
    s.wait_until("fw2 delivered the %d records" % taken,
                 lambda: c2("data-digest")["channels"]["upgrade"]["delivered"] >= base + taken,
                 30, 0.02)
    s.note("dead_thaw_to_all_delivered_ms", round((time.monotonic() - t_thaw) * 1000))
    time.sleep(0.2)
    d2 = c2("data-digest")["channels"]["upgrade"]
    st1 = c1("data-stats")
    st2 = c2("data-stats")
    s.note("dead_resent", chan(st1)["resent"] - res0)
    s.note("dead_duplicates_dropped", chan(st2)["duplicates"] - dup0)
    s.check(st1["closed"]["peer-down"] >= 1, "the connection went with the peer")
    s.check(chan(st1)["resent"] > res0, "fw1 sent again what was not acknowledged")
    s.check(d2["delivered"] == base + taken and d2["delivered_digest"] == dig.hex(),
            "fw2 delivered each record once, in order (%d, digest equal)" % (
                d2["delivered"] - base))
    st = stats(lab, "fw2")
    s.check(st["received"]["data"] > 0 and st["auth_failures"] == 0,
            "fw2 accepted %d signed data messages, no authentication failure" %
            st["received"]["data"])
    ev.close()


def body(lab, s):
    for node in BOXES:
        set_hrpd(lab, node, key_current=KEY)
        start_hrpd(lab, node)
    wait_pair_up(lab, s)
    wait_data_up(lab, s)
    s.check(all(hrp(lab, n)["auth"]["keyed"] for n in BOXES), "both boxes sign with a key")
    c1 = Ctl(lab, "fw1")
    c2 = Ctl(lab, "fw2")
    dig = Digest()
    start = slow_peer(lab, s, c1, c2, dig, 0)
    # The channel works after the resync.
    r, _ = gen(c1, start, 100)
    for i in range(start, start + 100):
        dig.add(gen_record(SEED, i, SIZE))
    start += 100
    s.wait_until("after the resync: records flow again",
                 lambda: c2("data-digest")["channels"]["upgrade"]["delivered_digest"] ==
                 dig.hex(), 10, 0.02)
    wait_pair_up(lab, s)
    dead_peer(lab, s, c1, c2, dig, start)
    c1.close()
    c2.close()
    s.summary = "frozen peer: limit reached, ENOBUFS + resync, RSS %s -> %s -> %s kB, no " \
                "peer-down; dead peer: resent %s, %s duplicates dropped, all once in order" % (
                    dict(s.notes)["rss_kb_before"], dict(s.notes)["rss_kb_at_limit"],
                    dict(s.notes)["rss_kb_after_20_refused_batches"],
                    dict(s.notes)["dead_resent"], dict(s.notes)["dead_duplicates_dropped"])


if __name__ == "__main__":
    scenario.main(body, topology="ref")
