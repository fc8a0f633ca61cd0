#!/usr/bin/python3
"""Mirror session benchmark: what holding a new flow's first packet costs, in the load-sharing lab
(tests/clab/loadshare.clab.yml; vrrpd + vgmpd + hrpd on both boxes, both in load-balance, strict
nftables on both).

Four cases, each in the same lab and run:
  - symmetric routing (the router reaches the LAN through fw1: its OSPF cost towards fw2 is
    raised), mirroring off: no hold, the baseline (what conntrackd or no sync at all gives: neither
    ever holds a packet);
  - symmetric, mirroring on: fw1 holds the SYN and the SYN-ACK until fw2 acknowledges;
  - asymmetric routing (through fw2 back), mirroring on: fw1 holds the SYN, fw2 the SYN-ACK;
  - asymmetric, mirroring off: the flows fail (fw2 drops SYN-ACKs it has no entry for).
Per case, from the client (bench/connect_probe.py): the first-packet latency as the client sees
it (connect() returns when the SYN-ACK is back: every hold on the way is in it), p50 and p99 of
--sequential connects one at a time, and the new-flow rate of --total connects --parallel at a
time; beside them hrpd's own figures (holds, released by acknowledgement or by the hold time,
acknowledgement delay).

    bench/mirror_session.py [--quick] [--builddir DIR] [--out-dir DIR] [--hold-ms MS]
        [--sequential N] [--total M] [--parallel K]
    bench/mirror_session.py --table-from bench/results/mirror-DATE.json

Figures are printed, never asserted."""

import argparse
import json
import os
import time

import benchlib as bl

bl.lab_imports()

from hslab_lib import boxes, lab as labmod, probes, topo as topomod  # noqa: E402
from hslab_lib.pair import SERVER_NET, load_balance, mirror, route_via, set_mirror  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402

PORT = 9001
CASES = [("symmetric", False), ("symmetric", True), ("asymmetric", True), ("asymmetric", False)]
HEADERS = ["case", "routing", "holding", "connected", "first packet p50 ms", "p99 ms",
           "new flows/s", "held fw1/fw2", "by ack", "by hold time", "ack delay avg us"]


def options(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--builddir")
    ap.add_argument("--out-dir")
    ap.add_argument("--table-from")
    ap.add_argument("--hold-ms", type=int, default=10)
    ap.add_argument("--sequential", type=int, default=1000)
    ap.add_argument("--total", type=int, default=3000)
    ap.add_argument("--parallel", type=int, default=32)
    ap.add_argument("--verbose", action="store_true")
    o = ap.parse_args(argv)
    if o.quick:
        o.sequential, o.total = 200, 600
    return o


def wait_for(what, cond, timeout, interval=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(interval)
    raise RuntimeError("%s: not within %d s" % (what, timeout))


def steady(cond, secs):
    """cond() holds all the time for secs (OSPF moves routes for a moment after a cost change)."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if not cond():
            return False
        time.sleep(0.2)
    return True


def set_routing(lab, routing):
    """The router's way back to the LAN: through fw1 (symmetric) or fw2 (asymmetric)."""
    up, back = ("up2", "fw1") if routing == "symmetric" else ("up1", "fw2")
    sock = os.path.join(lab.node_dir("rtr"), "frr")
    for ifname in ("up1", "up2"):
        cost = "100" if ifname == up else "10"
        lab.run("rtr", ["vtysh", "--vty_socket", sock, "-c", "configure terminal",
                        "-c", "interface " + ifname, "-c", "ip ospf cost " + cost], check=False)
    wait_for("rtr routes the LAN through %s, steadily for 3 s" % back,
             lambda: steady(lambda: route_via(lab, back), 3), 60)


def measure(lab, opts, routing, on):
    set_routing(lab, routing)
    wait_for("mirror %s" % on, set_mirror(lab, on, opts.hold_ms), 10)
    before = {b: mirror(lab, b) for b in ("fw1", "fw2")}
    failing = routing == "asymmetric" and not on
    argv = ["python3", os.path.join(bl.BENCH_DIR, "connect_probe.py"), "--server",
            REF["server"], "--port", str(PORT),
            "--sequential", str(min(opts.sequential, 50) if failing else opts.sequential),
            "--total", str(min(opts.total, 200) if failing else opts.total),
            "--parallel", str(opts.parallel), "--warmup", "0" if failing else "20"]
    out = lab.run("client", argv, timeout=600).stdout
    r = json.loads(out)
    after = {b: mirror(lab, b) for b in ("fw1", "fw2")}
    r["hrpd"] = {b: {k: after[b].get(k, 0) - before[b].get(k, 0)
                     for k in ("held", "released_acked", "released_timeout", "ack_delays")}
                 for b in ("fw1", "fw2")}
    for b in ("fw1", "fw2"):
        r["hrpd"][b]["ack_delay_us_avg"] = after[b].get("ack_delay_us_avg")
    r.update(routing=routing, holding=on)
    return r


def row(i, r):
    seq, rate, h = r["sequential"], r["rate"], r["hrpd"]
    held = "%s/%s" % (h["fw1"]["held"], h["fw2"]["held"]) if r["holding"] else "-"
    acked = sum(h[b]["released_acked"] for b in h) if r["holding"] else "-"
    timed = sum(h[b]["released_timeout"] for b in h) if r["holding"] else "-"
    delay = h["fw1"].get("ack_delay_us_avg") if r["holding"] else "-"
    return [str(i + 1), r["routing"], "on" if r["holding"] else "off",
            "%d/%d" % (seq["ok"] + rate["ok"], seq["n"] + rate["total"]),
            bl.fmt_num(seq["p50_ms"], 2), bl.fmt_num(seq["p99_ms"], 2),
            bl.fmt_num(rate["per_s"], 0), held, acked, timed, delay]


def full_table(raw, meta):
    rows = [row(i, r) for i, r in enumerate(raw["cases"])]
    base = raw["cases"][0]["sequential"]["p50_ms"] if raw["cases"] else None
    notes = ["hold time %d ms; %d sequential connects and %d at %d in parallel per case "
             "(asymmetric without holding: 50 and 200, they time out at 1 s)" % (
                 raw["hold_ms"], raw["sequential"], raw["total"], raw["parallel"]),
             "the peer (keepalived + conntrackd, or no sync) never holds a packet: its first "
             "packet costs what case 1 shows, and it cannot carry case 3 (case 4 is what it "
             "gives there)",
             "first-packet p50 of case 1 (no hold): %s ms" % bl.fmt_num(base, 2),
             bl.run_note(meta)]
    return {"name": "mirror", "title": "Mirror session: the cost of holding a new flow's first "
            "packet (load-sharing lab, strict rulesets)", "headers": HEADERS, "rows": rows,
            "notes": notes, "summary": {"cases": len(rows)}}


def run(opts):
    paths = labmod.Paths(opts.builddir)
    topo = topomod.load(paths.topology("loadshare"))
    meta = {"machine": bl.machine(), "started": bl.stamp()}
    raw = {"hold_ms": opts.hold_ms, "sequential": opts.sequential, "total": opts.total,
           "parallel": opts.parallel, "cases": []}
    t0 = time.monotonic()
    lablog = bl.log if opts.verbose else None
    with labmod.Lab(topo, paths, log=lablog) as lab:
        for box in ("fw1", "fw2"):
            boxes.start_daemons(lab, box)
        wait_for("both boxes in load-balance", lambda: load_balance(lab), 60)
        wait_for("both boxes route to the server", lambda: all(
            "via" in lab.run(b, ["ip", "route", "show", SERVER_NET], check=False).stdout
            for b in ("fw1", "fw2")), 30)
        # The probe's server accepts and echoes; its one client flow just keeps it company.
        srv = probes.tcp_flows(lab, "client", "server", REF["server"], flows=1, duration=900,
                               port=PORT)
        try:
            for routing, on in CASES:
                bl.log("mirror: %s routing, holding %s" % (routing, "on" if on else "off"))
                raw["cases"].append(measure(lab, opts, routing, on))
        finally:
            srv.stop()
    meta["run_time_s"] = time.monotonic() - t0
    meta["loadavg_end"] = bl.loadavg()
    result = full_table(raw, meta)
    result["json"] = bl.write_result_json(opts, "mirror", meta, raw, result)
    return result


def table_from(path):
    return bl.table_from_json(path, full_table)


if __name__ == "__main__":
    bl.standalone_main(options, run, table_from)
