"""The pair part of the hot restart benchmark (bench/hot_restart.py --pair): each of the suite's
daemons hot-restarted on the active box of the reference lab (tests/clab/ref.clab.yml, all
daemons on both boxes, session sync on, 100 ms hellos and adverts), under a 1 ms UDP probe and
200 long-lived TCP flows through the pair.

Per daemon, N hot restarts in a row (SIGUSR2; hrpd's "try again" refusals, e.g. while a session
dump runs, are retried and counted), 1.5 s apart, in one window watched on fw2, the peer:
hello_gaps.py on fw2's heartbeat links (the longest gap between fw1's hellos, the sequence
numbers never going back, one epoch) and advert_gaps.py on fw2's lan0 (the longest gap between
fw1's adverts). Figures: handover (from the signal until the old process is gone: it exits on
the new one's confirm), the two longest gaps, probe packets lost, flows alive at the end. keepalived
and conntrackd have no hot restart: their rows are in the VRRP part (reload, restart)."""

import json
import os
import signal
import time

import benchlib as bl

from hslab_lib import boxes, probes  # noqa: E402
from hslab_lib.hot import gone  # noqa: E402
from hslab_lib.pair import ctl_or_empty, routed_via, session, settled  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402

DAEMONS = ("vrrpd", "vgmpd", "hrpd")
HRP_PORT = 18514
HELLO_MS = 100
SPACING_S = 1.5
FLOWS = 200
SCEN = os.path.join(bl.LAB_SRC, "scenarios")


def pid_of(lab, box, daemon):
    return ctl_or_empty(lab, box, daemon, "status").get("pid")


def wait_for(what, fn, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while not fn():
        if time.monotonic() > deadline:
            raise RuntimeError("%s: not within %.0f s" % (what, timeout))
        time.sleep(interval)


def one_restart(lab, daemon):
    """SIGUSR2 to fw1's daemon; returns (handover ms, refusals) once the old process is gone.
    A refusal ("try again": hrpd with a session job under way) leaves the same pid running with the
    reason in status.hot_restart.last_error (an aborted attempt counts in "aborted"): the
    signal is sent again."""
    pid = pid_of(lab, "fw1", daemon)
    if not pid:
        raise RuntimeError("%s on fw1 does not answer" % daemon)
    refusals = 0
    for _ in range(40):
        before = (ctl_or_empty(lab, "fw1", daemon, "status").get("hot_restart") or {})
        t0 = time.monotonic()
        os.kill(pid, signal.SIGUSR2)
        for n in range(10000):  # 1 ms apart: 10 s at most
            if gone(pid):
                return (time.monotonic() - t0) * 1000, refusals
            time.sleep(0.001)
            if n % 100 == 99:  # refused? (a control call every 100 ms, not every ms)
                hot = ctl_or_empty(lab, "fw1", daemon, "status").get("hot_restart") or {}
                if hot.get("aborted", 0) > before.get("aborted", 0) or (
                        hot.get("stage") == "idle" and hot.get("last_error") and
                        hot.get("last_error") != before.get("last_error")):
                    break
        refusals += 1
        time.sleep(0.1)
    raise RuntimeError("%s: no hot restart after %d refusals" % (daemon, refusals))


def watch(lab, name, argv):
    out = os.path.join(lab.workdir, "%s.json" % name)
    p = lab.spawn("fw2", ["python3", os.path.join(SCEN, argv[0]), out] + argv[1:],
                  os.path.join(lab.workdir, "%s.log" % name))
    wait_for("the %s watcher runs" % name, lambda: os.path.exists(out + ".ready"), 15)
    return p, out


def result_of(p, out):
    wait_for("the watcher's result", lambda: os.path.exists(out), 30)
    p.wait(timeout=10)
    with open(out) as f:
        return json.load(f)


def daemon_case(lab, daemon, repeats):
    wait_for("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 60)
    wait_for("fw2's session sync ready",
             lambda: session(lab, "fw2").get("status", {}).get("ready") is True, 30)
    wait_for("the routing settled on fw1", lambda: routed_via(lab, "fw1"), 60)
    window = int(repeats * SPACING_S + 4)
    tcp = probes.tcp_flows(lab, "client", "server", REF["server"], flows=FLOWS,
                           duration=window + 6, alive_ms=1500, connect_timeout_ms=15000)
    time.sleep(3)  # the flows connect (and fw2 gets their entries) before the window
    hello_p, hello_out = watch(lab, "hellos-%s" % daemon,
                               ["hello_gaps.py", str(window), str(HRP_PORT),
                                str(HELLO_MS * 3), "hb0", "hb1"])
    advert_p, advert_out = watch(lab, "adverts-%s" % daemon,
                                 ["advert_gaps.py", str(window), "lan0"])
    udp = probes.udp_probe(lab, "client", "server", REF["server"], duration=window)
    time.sleep(1.0)
    runs = []
    for i in range(repeats):
        ms, refusals = one_restart(lab, daemon)
        runs.append({"handover_ms": round(ms, 1), "refusals": refusals})
        bl.log("  %-6s #%d: handover %.1f ms%s" % (daemon, i + 1, ms,
                                                   ", %d refusals" % refusals if refusals else ""))
        time.sleep(SPACING_S)
    res = udp.wait()
    hellos = result_of(hello_p, hello_out)
    adverts = result_of(advert_p, advert_out)
    flows = tcp.wait()
    fw1_hello = [e for k, e in hellos.items() if k.split()[1] in REF["hb1"][:1] + REF["hb2"][:1]]
    fw1_adv = [e for k, e in adverts.items() if k.split()[1] == REF["fw1_lan"]]
    return {"runs": runs,
            "hello_gap_ms": max((e["max_gap_ms"] for e in fw1_hello), default=None),
            "hello_epochs": sorted({x for e in fw1_hello for x in e.get("epochs", [])}),
            "hello_seq_back": max((e.get("max_back", 0) for e in fw1_hello), default=None),
            "advert_gap_ms": max((e["max_gap_ms"] for e in fw1_adv), default=None),
            "probe_lost": probes.udp_lost(res), "probe_gap_ms": max(
                (res[d]["max_gap_ms"] for d in ("c2s", "s2c") if res.get(d)), default=None),
            "flows": flows.get("flows"), "flows_alive": flows.get("alive"),
            "fw1_still_active": settled(lab, "fw1")}


def run_pair(paths, topomod, labmod, opts, raw):
    """Runs every daemon's case in one reference lab; fills raw["pair"]."""
    topo = topomod.load(paths.topology("ref"))
    raw["pair"] = {}
    with labmod.Lab(topo, paths) as lab:
        for box in boxes.boxes(lab):
            boxes.start_daemons(lab, box)
        bl.log("[hot-restart] reference lab %s up, daemons on both boxes" % lab.prefix)
        for daemon in DAEMONS:
            bl.log("== %s hot restart on the active (fw1)" % daemon)
            try:
                raw["pair"][daemon] = daemon_case(lab, daemon, opts.repeats)
            except Exception as e:
                raw["errors"].append("pair %s: %s" % (daemon, e))
                bl.log("  ERROR %s: %s" % (daemon, e))


def pair_rows(raw):
    rows = []
    for daemon in DAEMONS:
        r = raw.get("pair", {}).get(daemon)
        if not r:
            continue
        hand = [x["handover_ms"] for x in r["runs"]]
        rows.append(["%s hot restart (active, full pair)" % daemon, "%d/%d" % (
                         len(hand), len(hand)),
                     bl.fmt_stats(bl.stats(hand), " ms"),
                     "%s ms" % bl.fmt_num(r["advert_gap_ms"]), r["probe_lost"],
                     "%s ms" % bl.fmt_num(r["probe_gap_ms"]), "0" if r["fw1_still_active"]
                     else "yes", "%s ms, %d epoch%s, seq back %s" % (
                         bl.fmt_num(r["hello_gap_ms"]), len(r["hello_epochs"]),
                         "" if len(r["hello_epochs"]) == 1 else "s", r["hello_seq_back"]),
                     "%s/%s" % (r["flows_alive"], r["flows"]),
                     sum(x["refusals"] for x in r["runs"])])
    return rows
