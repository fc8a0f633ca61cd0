#!/usr/bin/python3
"""issu benchmark (issue 13): the pair upgrade stage by stage under live traffic, in the reference
lab (tests/clab/ref.clab.yml, all daemons on both boxes), onto a second build of the tree made
with --with-test-version=VARIANT (doc/issu.md, "Test versions").

    bench/issu_stages.py [--quick] [--builddir DIR]
                         [--variant minor|tlv|incompatible|incompatible-data|old-data]
                         [--next-builddir DIR]
                         [--flows N] [--prefix hsXXXX]
    bench/issu_stages.py --table-from bench/results/issu-DATE.json

Two passes, each typed on fw1 (active; fw2 the standby, upgraded first), as s56_issu.py does:
  upgrade   issu load NEXT -> loaded, runswitch -> runswitched, accept -> accepted,
            commit -> committed (both boxes on NEXT, fw2 active)
  rollback  fw1 active again (undo hrp switchover), then issu load of the first build onto fw2
            -> loaded, runswitch -> runswitched, rollback -> idle (fw1 active, fw2 back on NEXT)
--quick runs the upgrade pass only, with fewer flows.

Traffic through the pair for a whole pass: N long-lived TCP flows (hs-tcp-flows, 200; opened and
all alive before the first command). Per stage: the 1 ms UDP probe both ways (hs-udp-probe, from
0.5 s before the command until the stage is reached + 3 s), and new TCP flows opened while the
stage runs (a batch at the command, then one every second until the stage is reached, each on a
port of its own). Per stage the figures are: probe packets lost each way, the longest gap each
way, the flows lost among those alive when the command was typed and among those opened during
the stage, and the time from the command to the stage reached with no step under way (polled
every 0.2 s). A flow is alive when the client's socket is ESTABLISHED and has received data
within 1.5 s (`ss -ti` in the client: lastrcv), read 3 s after the stage is reached. The tools'
own reports at the end of each pass give the pass's totals. Figures are printed beside the
issue's target, never asserted: 0 probe packets and 0 flows lost for compatible versions (minor,
tlv: hot mode); with --variant incompatible the verdict is incompatible and the upgrade runs in
cold mode (cold restarts, the switchover by vgmpd's release), where the target is an outage under
1 s (the longest probe gap) and 0 flows lost among those open before the command. With
--variant incompatible-data (data at another major too) the versions cannot sync at all: the data
channel is held back from the load to the commit or rollback, and the flows opened during a stage
are the ones at risk (counted, as the issue asks)."""

import argparse
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import benchlib as bl  # noqa: E402

bl.lab_imports()

from hot_restart_pair import wait_for  # noqa: E402
from hslab_lib import boxes, issu as il, lab as labmod, probes, topo as topomod  # noqa: E402
from hslab_lib.pair import routed_via, session, settled  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402

UDP_PORT = 9000
LONG_PORT = 9001
NEW_PORT_BASE = 9100   # + 100 x pass + 20 x stage + batch
MAX_BATCHES = 20       # per stage: the ports above leave room for 20
ALIVE_MS = 1500        # a flow with no echo for longer is not alive
POLL_S = 0.2
OPEN_EVERY_S = 1.0
LEAD_S = 0.5
SETTLE_S = 3.0         # > ALIVE_MS: a flow cut at the stage's end shows as stalled
STAGE_TIMEOUT_S = 150
TRAFFIC_S = 1800       # the clients' duration; they are stopped at the end of their pass
PASSES = {
    "upgrade": [("load", "loaded"), ("runswitch", "runswitched"), ("accept", "accepted"),
                ("commit", "committed")],
    "rollback": [("load", "loaded"), ("runswitch", "runswitched"), ("rollback", "idle")],
}
ORCH, FIRST = "fw1", "fw2"  # the box where the commands are typed, and the one upgraded first


def options(argv=None):
    ap = argparse.ArgumentParser(description="the pair upgrade (issu), per stage")
    ap.add_argument("--quick", action="store_true",
                    help="the upgrade pass only, 50 long-lived flows, 2 new per batch")
    ap.add_argument("--builddir", help="build tree (default $HS_BUILDDIR or the source tree)")
    ap.add_argument("--out-dir", help="where the JSON goes (default bench/results)")
    ap.add_argument("--variant", choices=sorted(il.HELD), default="minor",
                    help="the second build's --with-test-version (default minor)")
    ap.add_argument("--next-builddir",
                    help="the second build (configured and made here when needed; default "
                    "BUILDDIR-issu-VARIANT beside the build tree)")
    ap.add_argument("--flows", type=int, help="long-lived TCP flows (default 200, quick 50)")
    ap.add_argument("--prefix", help="lab prefix (hsXXXX; default a new one)")
    ap.add_argument("--verbose", action="store_true", help="the lab's own log lines too")
    ap.add_argument("--table-from", metavar="JSON",
                    help="print the table of an earlier run from its raw figures; run nothing")
    a = ap.parse_args(argv)
    a.flows = a.flows or (50 if a.quick else 200)
    a.new_per_batch = 2 if a.quick else 5
    a.passes = ["upgrade"] if a.quick else list(PASSES)
    return a


def tcp_snapshot(lab):
    """{(client port, server port): alive} of the client's TCP sockets to the server."""
    out = lab.run("client", ["ss", "-Htin", "dst", REF["server"]], check=False).stdout
    socks, key = {}, None
    for line in out.splitlines():
        if line and not line[0].isspace():
            f = line.split()
            if len(f) < 5:
                key = None
                continue
            key = (int(f[3].rsplit(":", 1)[1]), int(f[4].rsplit(":", 1)[1]))
            socks[key] = f[0] == "ESTAB"  # lastrcv is printed only when not 0
        elif key is not None and socks[key]:
            m = re.search(r"\blastrcv:(\d+)", line)
            socks[key] = not m or int(m.group(1)) <= ALIVE_MS
    return socks


def alive(snap, ports=None):
    return {k for k, ok in snap.items() if ok and (ports is None or k[1] in ports)}


def flows_report(result):
    """A hs-tcp-flows client report without its per-flow list."""
    return {k: v for k, v in result.items() if k != "per_flow"}


def run_stage(lab, opts, pass_i, stage_i, words, target, batches):
    """One command typed on ORCH, under the probe and new flows; returns (figures, state)."""
    before = alive(tcp_snapshot(lab))
    udp = probes.udp_probe(lab, "client", "server", REF["server"],
                           duration=STAGE_TIMEOUT_S + 60, port=UDP_PORT)
    time.sleep(LEAD_S)
    ports, reached, st = [], None, {}
    t0, wall0 = time.monotonic(), time.time()
    try:
        il.issu(lab, ORCH, *words)
        next_open = t0
        while reached is None:
            if time.monotonic() >= next_open and len(ports) < opts.max_batches:
                port = NEW_PORT_BASE + 100 * pass_i + 20 * stage_i + len(ports)
                batches.append(probes.tcp_flows(
                    lab, "client", "server", REF["server"], flows=opts.new_per_batch,
                    duration=TRAFFIC_S, port=port, alive_ms=ALIVE_MS, connect_timeout_ms=15000))
                ports.append(port)
                next_open += OPEN_EVERY_S
            st = il.stage_reached(lab, ORCH, target) or {}
            if st:
                reached = time.monotonic()
            elif time.monotonic() - t0 > STAGE_TIMEOUT_S:
                raise RuntimeError("%s: stage %s not reached within %d s (at %s)" % (
                    " ".join(words), target, STAGE_TIMEOUT_S, il.state(lab, ORCH).get("stage")))
            else:
                time.sleep(POLL_S)
        time.sleep(SETTLE_S)
        after = tcp_snapshot(lab)
    finally:
        res = udp.stop()
    entered = [h["at"] for h in st.get("history", []) if h.get("stage") == target]
    opened = opts.new_per_batch * len(ports)
    lost_before = before - alive(after)
    return {
        "command": " ".join(words), "stage": target,
        "took_ms": round((reached - t0) * 1000, 1),
        "record_entered_ms": round(entered[-1] - wall0 * 1000, 1) if entered else None,
        "probe": {d: {k: (res.get(d) or {}).get(k) for k in ("sent", "lost", "max_gap_ms",
                                                              "max_gap_at_ms")}
                  for d in ("c2s", "s2c")},
        "open_before": len(before), "lost_before": len(lost_before),
        "lost_long_lived": len([k for k in lost_before if k[1] == LONG_PORT]),
        "opened": opened, "lost_opened": opened - len(alive(after, set(ports))),
        "new_ports": ports,
    }, st


def ready(lab, active):
    standby = "fw2" if active == "fw1" else "fw1"
    wait_for("%s active, VRRP master" % active, lambda: settled(lab, active, vrrp=True), 90)
    wait_for("the upstream route via %s" % active, lambda: routed_via(lab, active), 60)
    wait_for("%s's session sync ready" % standby, lambda: session(lab, standby).get(
        "status", {}).get("ready") is True, 60)


def runs_which(lab, box, new_dir, old_dir):
    """Which build box's daemons run at the end of a pass: "new", "old" or "mixed"."""
    found = il.exes(lab, box)
    return "new" if il.in_dir(found, new_dir) else "old" if il.in_dir(found, old_dir) else \
        "mixed: %s" % found


def run_pass(lab, opts, pass_i, name, new_dir, old_dir, rec):
    """One pass (PASSES[name]) onto new_dir; fills rec."""
    ready(lab, ORCH)
    rec.update(name=name, new=new_dir, old=old_dir, stages=[])
    long_lived = probes.tcp_flows(lab, "client", "server", REF["server"], flows=opts.flows,
                                  duration=TRAFFIC_S, port=LONG_PORT, alive_ms=ALIVE_MS,
                                  connect_timeout_ms=15000)
    batches = []
    try:
        wait_for("%d long-lived flows alive" % opts.flows, lambda: len(
            alive(tcp_snapshot(lab), {LONG_PORT})) == opts.flows, 30, interval=0.5)
        t0 = time.monotonic()
        for stage_i, (cmd, target) in enumerate(PASSES[name]):
            words = [cmd, new_dir] if cmd == "load" else [cmd]
            bl.log("  %s: issu %s -> %s" % (name, " ".join(words), target))
            fig, st = run_stage(lab, opts, pass_i, stage_i, words, target, batches)
            rec["stages"].append(fig)
            bl.log("    %.1f s, probe lost %s/%s, gap %s/%s ms, flows lost %d/%d before, "
                   "%d/%d opened" % (
                       fig["took_ms"] / 1000, fig["probe"]["c2s"]["lost"],
                       fig["probe"]["s2c"]["lost"], fig["probe"]["c2s"]["max_gap_ms"],
                       fig["probe"]["s2c"]["max_gap_ms"], fig["lost_before"],
                       fig["open_before"], fig["lost_opened"], fig["opened"]))
            if target == "loaded":
                rec.update(verdict=st.get("verdict"), mode=st.get("mode"),
                           held=[h.get("name") for h in st.get("held", [])])
        rec["took_ms"] = round((time.monotonic() - t0) * 1000, 1)
        rec["runs"] = {box: runs_which(lab, box, new_dir, old_dir) for box in (ORCH, FIRST)}
    finally:
        rec["long_lived"] = flows_report(long_lived.stop())
        reports = [flows_report(b.stop()) for b in batches]
        rec["new_flows"] = {k: sum(r.get(k, 0) for r in reports)
                            for k in ("flows", "connected", "alive")}
        # [connected, alive] of each batch, in the order of the stages' new_ports
        rec["new_flows"]["per_batch"] = [[r.get("connected"), r.get("alive")] for r in reports]


def run(opts):
    if os.geteuid() != 0:
        raise SystemExit("the issu benchmark needs root (network namespaces)")
    paths = labmod.Paths(opts.builddir)
    for prog in (paths.daemon("hrpd"), paths.probe("hs-udp-probe"), paths.probe("hs-tcp-flows")):
        if not os.access(prog, os.X_OK):
            raise SystemExit("not built: %s (make, or --builddir / HS_BUILDDIR)" % prog)
    opts.max_batches = min(MAX_BATCHES, 4 if opts.quick else 10)
    next_dir = os.path.abspath(opts.next_builddir or "%s-issu-%s" % (
        paths.top_build.rstrip("/"), opts.variant))
    bl.log("[issu] the second build (--with-test-version=%s) in %s" % (opts.variant, next_dir))
    _, build_s = il.build_next(paths.top_src, opts.variant, out=next_dir)
    started = time.monotonic()
    meta = {"machine": bl.machine(), "quick": opts.quick, "variant": opts.variant,
            "flows": opts.flows, "new_per_batch": opts.new_per_batch,
            "max_batches": opts.max_batches, "open_every_s": OPEN_EVERY_S,
            "settle_s": SETTLE_S, "alive_ms": ALIVE_MS, "next_build_s": round(build_s, 1),
            "hrpd": bl.file_id(paths.daemon("hrpd")),
            "hrpd_next": bl.file_id(os.path.join(next_dir, "hrpd", "hrpd"))}
    raw = {"passes": [], "errors": []}
    topo = topomod.load(paths.topology("ref"))
    lablog = (lambda m: bl.log("[hslab] " + m)) if opts.verbose else (lambda m: None)
    with labmod.Lab(topo, paths, prefix=opts.prefix, log=lablog) as lab:
        meta["prefix"] = lab.prefix
        for box in boxes.boxes(lab):
            boxes.start_daemons(lab, box)
        bl.log("[issu] reference lab %s up, daemons on both boxes" % lab.prefix)
        dirs = {"upgrade": (next_dir, paths.top_build),
                "rollback": (paths.top_build, next_dir)}
        for pass_i, name in enumerate(opts.passes):
            if pass_i:  # fw1 is the preferred box: it takes the active role back
                boxes.hrpctl(lab, ORCH, "undo", "hrp", "switchover", check=False)
            bl.log("== %s pass" % name)
            rec = {"name": name}
            raw["passes"].append(rec)
            try:
                run_pass(lab, opts, pass_i, name, dirs[name][0], dirs[name][1], rec)
            except Exception as e:
                rec["error"] = str(e)
                raw["errors"].append("%s: %s" % (name, e))
                bl.log("  ERROR %s: %s" % (name, e))
                break
    return bl.finish_run(opts, "issu", meta, raw, started, full_table)


COLD_OUTAGE_MS = 1000  # the cold mode's target (issue 13): under 1 s, no pre-existing flow lost


def met(fig, cold):
    p = fig["probe"]
    if cold:
        ok = fig["lost_before"] == 0 and all(
            (p[d]["max_gap_ms"] or 0) < COLD_OUTAGE_MS for d in ("c2s", "s2c"))
    else:
        ok = p["c2s"]["lost"] == 0 and p["s2c"]["lost"] == 0 and fig["lost_before"] == 0 \
            and fig["lost_opened"] == 0
    return "PASS" if ok else "MISS"


def stage_row(name, fig, cold):
    p = fig["probe"]
    return ["%s: %s -> %s" % (name, fig["command"].split()[0], fig["stage"]),
            "%s / %s" % (p["c2s"]["lost"], p["s2c"]["lost"]),
            "%s / %s ms" % (bl.fmt_num(p["c2s"]["max_gap_ms"]), bl.fmt_num(p["s2c"]["max_gap_ms"])),
            "%d of %d (long-lived %d)" % (fig["lost_before"], fig["open_before"],
                                          fig["lost_long_lived"]),
            "%d of %d" % (fig["lost_opened"], fig["opened"]),
            "%.1f s" % (fig["took_ms"] / 1000), met(fig, cold)]


def pass_row(rec):
    ll, nf = rec.get("long_lived") or {}, rec.get("new_flows") or {}
    stages = rec.get("stages", [])
    lost = [sum(s["probe"][d]["lost"] or 0 for s in stages) for d in ("c2s", "s2c")]
    gaps = [max((s["probe"][d]["max_gap_ms"] or 0 for s in stages), default=None)
            for d in ("c2s", "s2c")]
    return ["%s: whole pass (at its end)" % rec["name"], "%d / %d" % tuple(lost),
            "%s / %s ms" % tuple(bl.fmt_num(g) for g in gaps),
            "%s of %s long-lived alive" % (ll.get("alive", "-"), ll.get("flows", "-")),
            "%s of %s alive" % (nf.get("alive", "-"), nf.get("flows", "-")),
            "%.1f s" % (rec["took_ms"] / 1000) if rec.get("took_ms") else "-",
            "FAILED" if rec.get("error") else ""]


def full_table(raw, meta):
    rows = []
    cold = meta["variant"] in ("incompatible", "incompatible-data")
    for rec in raw["passes"]:
        rows += [stage_row(rec["name"], fig, cold) for fig in rec.get("stages", [])]
        rows.append(pass_row(rec))
    first = next((r for r in raw["passes"] if r.get("verdict")), {})
    title = ("issu: the pair upgrade per stage (issue 13), onto --with-test-version=%s (%s, %s "
             "mode, held back: %s); hotstandby only: no peer implementation of a pair upgrade "
             "to put beside it" % (meta["variant"], first.get("verdict", "?"),
                                   first.get("mode", "?"), ", ".join(first.get("held", []))
                                   or "nothing"))
    notes = [
        "reference lab, commands typed on fw1 (active), fw2 upgraded first; traffic client <-> "
        "server through the pair: %d long-lived TCP flows for each pass, the 1 ms UDP probe "
        "each way per stage (0.5 s before the command to %.0f s after the stage), %d new flows "
        "at the command and every %.0f s until the stage (at most %d batches)" % (
            meta["flows"], meta["settle_s"], meta["new_per_batch"], meta["open_every_s"],
            meta["max_batches"]),
        "flows lost: alive at the command (or opened during the stage) and not alive %.0f s "
        "after the stage: not ESTABLISHED, or nothing received for %d ms (ss -ti lastrcv in "
        "the client); time: command to the stage with no step under way, polled every %.1f s" % (
            meta["settle_s"], meta["alive_ms"], POLL_S),
        ("target (issue 13), cold mode (an incompatible verdict): the longest probe gap under "
         "%d ms and 0 flows lost among those open before the command; the flows opened during "
         "a stage are the ones at risk, counted" % COLD_OUTAGE_MS) if cold else
        "target (issue 13): 0 probe packets and 0 flows lost for compatible versions (hot "
        "mode)",
        "the whole-pass rows are the tools' own end reports (hs-tcp-flows alive)",
    ]
    for rec in raw["passes"]:
        if rec.get("runs"):
            notes.append("%s pass onto %s (from %s): at its end fw1 runs the %s build, fw2 the "
                         "%s" % (rec["name"], rec["new"], rec["old"], rec["runs"][ORCH],
                                 rec["runs"][FIRST]))
    if raw.get("errors"):
        notes.append("errors: " + "; ".join(raw["errors"]))
    notes.append(bl.run_note(meta))
    return {"name": "issu", "title": title,
            "headers": ["pass: command -> stage", "probe lost c2s / s2c",
                        "longest gap c2s / s2c", "flows lost: open before",
                        "flows lost: opened during", "time taken",
                        "target < 1 s / 0" if cold else "target 0 / 0"],
            "rows": rows, "notes": notes,
            "summary": {rec["name"]: {"stages": len(rec.get("stages", [])),
                                      "error": rec.get("error")} for rec in raw["passes"]}}


def table_from(path):
    return bl.table_from_json(path, full_table)


def main(argv=None):
    bl.standalone_main(options, run, table_from, argv)


if __name__ == "__main__":
    main()
