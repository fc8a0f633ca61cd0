#!/usr/bin/python3
"""hrpd's reliable data channel in the reference lab (hello 100 ms, dead count 5; only hrpd
runs, both heartbeat links):
  - the data connection comes up on hb0 (the running link); three records each way arrive as
    `data` events, in order, with their content;
  - 20,000 records of 200 bytes go from fw1 to fw2 through `data-send` in batches of 140 (hex),
    and halfway fw1's port of the running link (hb0) is cut silently in its switch: the running
    link moves to hb1, the connection follows, what was not acknowledged is sent again, and
    every record arrives exactly once and in order (count and BLAKE2b digest, computed here and
    by both hrpds). Printed: throughput, the stall at the link change (fw2's longest pause in
    deliveries, fw1's own last-ack-to-first-ack), how many records were resent and dropped as
    duplicates;
  - healed: the connection goes back to hb0 and records still flow;
  - 1,000,000 records of 200 bytes generated inside fw1's hrpd (`data-send` "generate"), sent as
    fast as the channel takes them (the producer honours back-pressure): the channel's own
    throughput; meanwhile hellos keep flowing both ways (counters move at the hello rate, no link
    silent for 300 ms, no re-negotiation on either box);
  - garbage on the TCP stream: a connection from fw1's address to fw2's data port that sends
    random bytes is accepted (it comes from the right address), closed at the first bad header
    and counted; the real connection comes back and records still flow, once and in order.

This file also holds the helpers of s25_hrp_data_slow.py."""

import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import faults, scenario  # noqa: E402
from s20_hrp_links import (BOXES, Events, _read_frame, _sock_path, cut, hrp, links,  # noqa: E402
                           start_hrpd, stats, wait_pair_up)

# The channel these tests use: the upgrade channel, which no feature consumes yet (session sync
# takes channel 1), so its records come out as control-socket events.
TEST_CHAN = 3
BATCH = 140  # hex records per data-send: 140 x 400 hex digits stays under the 64 KiB request


# ---- helpers shared by the s25_hrp_data* scenarios ----

class Ctl:
    """One control connection to a box's hrpd, kept open for many requests."""

    def __init__(self, lab, node, timeout=10):
        self.node = node
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(_sock_path(lab, node))
        self.id = 0

    def __call__(self, cmd, args=None):
        self.id += 1
        req = {"id": self.id, "cmd": cmd}
        if args is not None:
            req["args"] = args
        data = json.dumps(req, separators=(",", ":")).encode()
        self.sock.sendall(struct.pack(">I", len(data)) + data)
        while True:
            answer = _read_frame(self.sock)
            if answer.get("id") == self.id:
                break
        if not answer.get("ok"):
            raise RuntimeError("hrpd %s on %s: %s" % (cmd, self.node, answer.get("error")))
        return answer.get("result") or {}

    def close(self):
        self.sock.close()


def gen_record(seed, index, size):
    """Record `index` of hrpd's "generate" (hrpd/data_ctl.c gen_record)."""
    n = size - 16
    pat = bytes(range(256)) * (n // 256 + 2)
    k = index % 256
    return struct.pack(">QQ", seed, index) + pat[k:k + n]


class Digest:
    """The digest hrpd keeps per channel: BLAKE2b-256 over (u32 length, record) per record."""

    def __init__(self):
        self.h = hashlib.blake2b(digest_size=32)
        self.n = 0

    def add(self, rec):
        self.h.update(struct.pack(">I", len(rec)))
        self.h.update(rec)
        self.n += 1

    def hex(self):
        return self.h.hexdigest()


def ctl_once(lab, node, cmd, args=None):
    """One command on a connection of its own."""
    c = Ctl(lab, node)
    try:
        return c(cmd, args)
    finally:
        c.close()


def wait_data_up(lab, s, timeout=20, link=None):
    def up(node):
        d = ctl_once(lab, node, "data-stats")
        return d["state"] == "up" and (link is None or d["link"] == link)
    for node in BOXES:
        s.wait_until("%s: data connection up%s" % (node, " on " + link if link else ""),
                     lambda n=node: up(n), timeout, 0.05)


def chan(d, name="upgrade"):
    return d["channels"][name]


class Progress(threading.Thread):
    """Polls a box's delivered count of a channel every `every` s; keeps (time, count)."""

    def __init__(self, lab, node, name="upgrade", every=0.005):
        super().__init__(daemon=True)
        self.ctl = Ctl(lab, node)
        self.name = name
        self.every = every
        self.samples = []
        self.stop = False
        self.start()

    def run(self):
        try:
            while not self.stop:
                d = self.ctl("data-digest")["channels"][self.name]
                self.samples.append((time.monotonic(), d["delivered"]))
                time.sleep(self.every)
        except (OSError, RuntimeError, EOFError, ValueError):
            pass

    def finish(self):
        self.stop = True
        self.join(5)
        self.ctl.close()

    def longest_pause(self, base, total, after=0.0):
        """The longest time without a new delivery while records were still missing."""
        best, at, last_t, last_n = 0.0, None, None, None
        for t, n in self.samples:
            if t < after or n <= base:
                last_t, last_n = t, n
                continue
            if last_n is not None and n > last_n:
                if last_t is not None and t - last_t > best and last_n < base + total:
                    best, at = t - last_t, last_t
                last_t, last_n = t, n
            elif last_n is None:
                last_t, last_n = t, n
        return best, at


def heartbeat_counters(lab, node):
    ls = links(lab, node)
    return {i: (v["hellos_sent"], v["hellos_received"]) for i, v in ls.items()}


# ---- the scenario ----

def events_roundtrip(lab, s):
    """Three records each way, seen as data events with their content, in order."""
    ev = {n: Events(lab, n) for n in BOXES}
    time.sleep(0.1)
    sent = {}
    for src, dst in (("fw1", "fw2"), ("fw2", "fw1")):
        recs = [("%s->%s #%d " % (src, dst, i)).encode() * 3 for i in range(3)]
        r = ctl_once(lab, src, "data-send", {"channel": TEST_CHAN,
                                             "records": [x.hex() for x in recs]})
        s.check(r["queued"] == 3 and r["refused"] == 0 and r["error"] is None,
                "%s: data-send queued 3 records (%s)" % (src, r))
        sent[dst] = recs
    for dst, recs in sent.items():
        s.wait_until("%s: three data events" % dst, lambda d=dst: len(ev[d].of("data")) >= 3,
                     10, 0.02)
        got = ev[dst].of("data")
        s.check([bytes.fromhex(d["record"]) for _, d in got] == recs and
                all(d["channel"] == TEST_CHAN for _, d in got) and
                [d["seq"] for _, d in got] == [got[0][1]["seq"] + i for i in range(3)],
                "%s: the records arrived as events, in order, numbered consecutively" % dst)
    for e in ev.values():
        e.close()
    return sent


def bulk_with_cut(lab, s, n_records, size, dig_fw2):
    c1 = Ctl(lab, "fw1")
    base = ctl_once(lab, "fw2", "data-digest")["channels"]["upgrade"]["delivered"]
    st1 = c1("data-stats")
    prog = Progress(lab, "fw2")
    hb0 = heartbeat_counters(lab, "fw1")
    ev1 = Events(lab, "fw1")
    recs = [struct.pack(">I", i) + bytes([(i * 7 + k) & 0xff for k in range(4)]) *
            ((size - 4) // 4) for i in range(n_records)]
    t0 = time.monotonic()
    t_cut = None
    i = 0
    while i < n_records:
        batch = recs[i:i + BATCH]
        r = c1("data-send", {"channel": TEST_CHAN, "records": [x.hex() for x in batch]})
        if r["refused"]:
            raise RuntimeError("records refused during the bulk send: %s" % r)
        for x in batch:
            dig_fw2.add(x)
        i += len(batch)
        if t_cut is None and i >= n_records // 2:
            t_cut = time.monotonic()
            port = cut(lab, "sw-hb1")  # fw1's port of hb0, the running link
            s.note("cut_at_record", i)
    t_sent = time.monotonic()
    s.wait_until("fw2 delivered all %d records" % n_records,
                 lambda: ctl_once(lab, "fw2", "data-digest")["channels"]["upgrade"][
                     "delivered"] >= base + n_records, 60, 0.01)
    t_done = time.monotonic()
    prog.finish()
    s.check(hrp(lab, "fw1")["running_link"] == "hb1", "fw1: hb1 is the running link now")
    d2 = ctl_once(lab, "fw2", "data-digest")["channels"]["upgrade"]
    d1 = c1("data-digest")["channels"]["upgrade"]
    s.check(d2["delivered"] == base + n_records,
            "fw2 delivered exactly %d records (%d)" % (n_records, d2["delivered"] - base))
    s.check(d2["delivered_digest"] == dig_fw2.hex(),
            "fw2's digest of what it delivered equals ours of what was sent, in order")
    s.check(d1["queued_digest"] == dig_fw2.hex(), "fw1's digest of what it queued too")
    st1b = c1("data-stats")
    st2 = ctl_once(lab, "fw2", "data-stats")
    s.check(st1b["reconnects"] > st1["reconnects"],
            "the data connection was made again (reconnects %d -> %d, now on %s)" % (
                st1["reconnects"], st1b["reconnects"], st1b["link"]))
    s.check(st1b["link"] == "hb1" and st2["link"] == "hb1", "the connection runs over hb1")
    s.check(not ev1.of("peer", state="down"), "no peer-down while the running link moved")
    ev1.close()
    mb = n_records * size / 1e6
    pause, at = prog.longest_pause(base, n_records, after=t_cut - 0.05)
    s.note("records", n_records)
    s.note("send_s", round(t_sent - t0, 2))
    # End to end, first data-send to last delivery, the stall included.
    s.note("with_cut_MBps", round(mb / (t_done - t0), 2))
    s.note("with_cut_records_per_s", round(n_records / (t_done - t0)))
    s.note("stall_fw2_longest_pause_ms", round(pause * 1000))
    s.note("stall_fw2_pause_started_after_cut_ms", round((at - t_cut) * 1000) if at else None)
    s.note("stall_fw1_last_ack_to_first_ack_ms", st1b["stall_last_ms"])
    s.note("resent_records", chan(st1b)["resent"] - chan(st1)["resent"])
    s.note("duplicates_dropped_fw2", chan(st2)["duplicates"])
    s.check(pause * 1000 < 5000, "the stall at the link change is bounded (%d ms)" % (
        pause * 1000))
    hb1 = heartbeat_counters(lab, "fw1")
    s.check(hb1["hb1"][1] > hb0["hb1"][1], "fw1 kept receiving hellos on hb1")
    c1.close()
    return port


class HelloWatch(threading.Thread):
    """Samples each link's last_rx_ms_ago on a box every 10 ms: the longest silence between two
    accepted messages on a link, as seen while the bulk runs."""

    def __init__(self, lab, node):
        super().__init__(daemon=True)
        self.ctl = Ctl(lab, node)
        self.worst = {}
        self.stop = False
        self.start()

    def run(self):
        try:
            while not self.stop:
                for i in self.ctl("hrp-interfaces")["interfaces"]:
                    ago = i["last_rx_ms_ago"] or 0
                    self.worst[i["interface"]] = max(self.worst.get(i["interface"], 0), ago)
                time.sleep(0.01)
        except (OSError, RuntimeError, EOFError, ValueError):
            pass

    def finish(self):
        self.stop = True
        self.join(5)
        self.ctl.close()
        return self.worst


def channel_throughput(lab, s, n_records, size, seed, dig):
    """Records generated inside fw1's hrpd, as fast as the channel takes them; the producer
    honours back-pressure (waits while the channel holds more than half its limit)."""
    c1 = Ctl(lab, "fw1")
    c2 = Ctl(lab, "fw2")
    base = c2("data-digest")["channels"]["upgrade"]["delivered"]
    hb = {n: heartbeat_counters(lab, n) for n in BOXES}
    st = {n: stats(lab, n) for n in BOXES}
    dst0 = c1("data-stats")
    limit = dst0["limit_bytes"]
    watch = {n: HelloWatch(lab, n) for n in BOXES}
    per = 4096
    t0 = time.monotonic()
    start = 0
    waits = 0
    while start < n_records:
        k = min(per, n_records - start)
        r = c1("data-send", {"channel": TEST_CHAN,
                             "generate": {"count": k, "size": size, "seed": seed,
                                          "start": start}})
        if r["refused"]:
            raise RuntimeError("a generated batch was refused: %s" % r)
        start += k
        held = r["held_bytes"]
        while held > limit // 2:
            time.sleep(0.002)
            waits += 1
            held = chan(c1("data-stats"))["held_bytes"]
    s.wait_until("fw2 delivered the %d generated records" % n_records,
                 lambda: c2("data-digest")["channels"]["upgrade"]["delivered"] >=
                 base + n_records, 120, 0.005)
    t = time.monotonic() - t0
    worst = {n: w.finish() for n, w in watch.items()}
    hb2 = {n: heartbeat_counters(lab, n) for n in BOXES}
    st2 = {n: stats(lab, n) for n in BOXES}
    dst1 = c1("data-stats")
    mb = n_records * size / 1e6
    s.note("generated_records", n_records)
    s.note("channel_s", round(t, 2))
    s.note("channel_throughput_MBps", round(mb / t, 1))
    s.note("channel_throughput_records_per_s", round(n_records / t))
    s.note("producer_backpressure_waits", waits)
    s.note("fw1_turns_capped_by_slicing", dst1["tx_turns_capped"] - dst0["tx_turns_capped"])
    for n in BOXES:
        got = {i: hb2[n][i][1] - hb[n][i][1] for i in hb[n]}
        s.note("%s_hellos_received_during_bulk" % n, got)
        s.note("%s_longest_link_silence_during_bulk_ms" % n, worst[n])
        expect = int(t * 10 * 0.8)  # 10 hellos/s per link
        s.check(all(v >= expect for v in got.values()),
                "%s: hellos kept arriving on both links during the bulk (%s in %.1f s, at "
                "least %d each)" % (n, got, t, expect))
        s.check(all(v < 300 for v in worst[n].values()),
                "%s: no link silent for 300 ms during the bulk (hello 100 ms; worst %s)" % (
                    n, worst[n]))
        s.check(st2[n]["negotiations"] == st[n]["negotiations"] and
                st2[n]["peer_down"] == st[n]["peer_down"],
                "%s: no re-negotiation, no peer-down during the bulk" % n)
    for i in range(n_records):
        dig.add(gen_record(seed, i, size))
    d2 = c2("data-digest")["channels"]["upgrade"]
    s.check(d2["delivered"] == base + n_records and d2["delivered_digest"] == dig.hex(),
            "every generated record delivered once, in order (digest equal to ours)")
    c1.close()
    c2.close()


GARBAGE = r"""
import os, socket, sys, time
s = socket.socket(); s.bind((sys.argv[1], 0)); s.connect((sys.argv[2], int(sys.argv[3])))
s.sendall(b"HR" + os.urandom(4000))
time.sleep(0.3)
"""


def tcp_garbage(lab, s, dig_fw2):
    st0 = ctl_once(lab, "fw2", "data-stats")
    lab.run("fw1", ["python3", "-c", GARBAGE, scenario.REF["hb1"][0], scenario.REF["hb1"][1],
                    "18514"], timeout=20)
    st1 = ctl_once(lab, "fw2", "data-stats")
    s.check(st1["closed"]["garbage"] == st0["closed"]["garbage"] + 1,
            "fw2 closed the garbage connection and counted it (closed: %s)" % {
                k: v for k, v in st1["closed"].items() if v})
    wait_data_up(lab, s, link="hb0")
    recs = [("after garbage %d" % i).encode() for i in range(50)]
    r = ctl_once(lab, "fw1", "data-send", {"channel": TEST_CHAN,
                                           "records": [x.hex() for x in recs]})
    s.check(r["queued"] == 50, "fw1 queued 50 more records")
    for x in recs:
        dig_fw2.add(x)
    s.wait_until("fw2 delivered them", lambda: ctl_once(lab, "fw2", "data-digest")[
        "channels"]["upgrade"]["delivered_digest"] == dig_fw2.hex(), 10, 0.02)
    s.note("garbage_closed_connections", st1["closed"]["garbage"])


def reload_keeps_connection(lab, s):
    """A reload that keeps the links keeps the data connection (both boxes)."""
    before = {n: ctl_once(lab, n, "data-stats") for n in BOXES}
    for n in BOXES:
        ctl_once(lab, n, "reload")
    time.sleep(0.3)
    after = {n: ctl_once(lab, n, "data-stats") for n in BOXES}
    for n in BOXES:
        s.check(after[n]["state"] == "up" and after[n]["link"] == before[n]["link"] and
                after[n]["since_ms"] == before[n]["since_ms"],
                "%s: reloaded, the data connection stayed (%s since %d ms)" % (
                    n, after[n]["link"], after[n]["since_ms"]))


def body(lab, s):
    for node in BOXES:
        start_hrpd(lab, node)
    wait_pair_up(lab, s)
    wait_data_up(lab, s, link="hb0")
    d = ctl_once(lab, "fw1", "data-stats")
    s.note("fw1_role", d["role"])
    first = events_roundtrip(lab, s)

    dig_fw2 = Digest()
    for rec in first["fw2"]:
        dig_fw2.add(rec)
    port = bulk_with_cut(lab, s, 20000, 200, dig_fw2)

    faults.switch_heal(lab, "sw-hb1", port)
    wait_pair_up(lab, s)
    wait_data_up(lab, s, link="hb0")
    r = ctl_once(lab, "fw1", "data-send", {"channel": TEST_CHAN, "records": ["00ff"] * 10})
    s.check(r["queued"] == 10, "healed: records still accepted")
    for _ in range(10):
        dig_fw2.add(bytes.fromhex("00ff"))
    s.wait_until("healed: fw2 has them", lambda: ctl_once(lab, "fw2", "data-digest")[
        "channels"]["upgrade"]["delivered_digest"] == dig_fw2.hex(), 10, 0.02)

    channel_throughput(lab, s, 1000000, 200, 25, dig_fw2)
    tcp_garbage(lab, s, dig_fw2)
    reload_keeps_connection(lab, s)
    d1 = ctl_once(lab, "fw1", "data-digest")["channels"]["upgrade"]
    d2 = ctl_once(lab, "fw2", "data-digest")["channels"]["upgrade"]
    s.check(d1["queued_digest"] == d2["delivered_digest"] == dig_fw2.hex() and
            d1["queued"] == d2["delivered"] == dig_fw2.n,
            "since the start: fw2 delivered exactly what fw1 queued, in order (%d records)" %
            d2["delivered"])
    st1 = ctl_once(lab, "fw1", "data-stats")
    s.note("fw1_data_stats", {k: st1[k] for k in ("connects", "accepts", "reconnects",
                                                  "tx_turns_capped", "stall_max_ms")})
    s.summary = "20000 x 200 B across a running-link cut: all once, in order; %s" % ", ".join(
        "%s %s" % kv for kv in s.notes if kv[0] in (
            "with_cut_MBps", "stall_fw2_longest_pause_ms",
            "stall_fw1_last_ack_to_first_ack_ms", "channel_throughput_MBps"))


if __name__ == "__main__":
    scenario.main(body, topology="ref")
