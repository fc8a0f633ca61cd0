#!/usr/bin/python3
"""The pair upgrade when the box that runs it dies (issue #13, doc/issu.md, "When the box that
runs it dies"), onto a second build made with `--with-test-version=minor` ($HS_BUILDDIR_NEXT, or
built here), under a 1 ms UDP probe and 200 TCP flows opened before.

Part 1, the runner fails and comes back thawed. Typed on fw1 (active, so the second box, and the
runner): issu load NEXT, issu runswitch (fw2, on NEXT, takes over; fw1 standby keeps running the
upgrade). fw2 holds the copy of the record: `issu accept` typed there is refused. Then fw1 fails
(the lab's box failure: its links drop every frame, its processes are frozen). fw2's hrpd
declares it dead and, issu_takeover_delay (10 s) later, runs the upgrade from its copy with the
next term: the crash of the second box at runswitched resumes. fw1 is thawed: its hrpd still runs
its own machine (term 0), hears fw2's record (term 1), keeps it as its copy and stops (`yielded`).
fw2's machine takes fw1's daemons (unknown after the crash) back onto the old version and syncs
fw1; `issu accept` typed on fw2.
Part 2, the runner fails while active and comes back cold. fw2 (the runner now, active, on NEXT)
fails: fw1 takes the traffic over, and 10 s later the upgrade (term 2; the crash of the first box
at accepted resumes). fw2 comes back cold, as after a reboot: its daemons are killed and started
again from NEXT. Its hrpd finds its own record under way (term 1) and waits for the peer's word
before resuming; fw1's record (term 2) comes, and it yields without resuming; fw1 takes the
new epoch of fw2's hrpd for a crash of fw2 (the crash table: resume). fw1's machine
syncs fw2 and hands the traffic back to it (accepted wants the first box active) once fw2 can route:
both boxes track rtr as an OSPF neighbour (an ospf-neighbor tracker on its router id), so fw2
ranks 2 below fw1 until its adjacency, cut by the failure, is Full again, and an icmp tracker
of the server holds it below until it routes; the step waits for that (hrpd's log says so). The client's outage at that handback is measured by a probe of its
own. `issu commit` typed on fw1 finishes the upgrade: both boxes on NEXT.
Asserted: the refusals, each takeover not before the delay, the terms and counters, the yields,
the stages and versions, the handback's outage under HANDBACK_GAP_MS each way, every TCP flow
alive."""

import json
import os
import shutil
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, faults, netns, probes, scenario  # noqa: E402
from hslab_lib.issu import (DAEMONS, await_stage, bins, exes, in_dir, issu, log_lines,  # noqa: E402
                            scenario_build, state, traffic_end)
from hslab_lib.pair import roles, settled, vrrp_state  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402
from s56_issu import traffic  # noqa: E402 (the same probes and flows as s56)

VARIANT = "minor"
FLOWS = 200
TRAFFIC_S = 400  # an upper bound: stopped (and reported) once the upgrade is committed
TAKEOVER_DELAY_S = 10.0  # hrpd.issu_takeover_delay's default
RTR_ID = "198.51.100.2"  # rtr's OSPF router id, on each box's up0
OUTAGE_PORT = 9010       # the probe around the handback
HANDBACK_GAP_MS = 500    # the order of the other failovers (2.7 s before the wait for routing)


def refused(lab, box, *words):
    """hrpctl issu WORDS on box, expected to be refused: (refused?, its text)."""
    argv = [lab.paths.daemon("hrpctl"), "--rundir", boxes.rundir(lab, box), "issu"]
    p = lab.run(box, argv + list(words), timeout=30, check=False)
    return p.returncode != 0, (p.stdout + p.stderr).strip()


def takes_over(lab, s, box, term, stage, t0):
    """After the runner's failure at t0: box runs the upgrade at term, not before the delay."""
    st = s.wait_until("%s runs the upgrade from its copy" % box, lambda: (
        lambda c: c if c.get("orchestrator") == "here" else None)(state(lab, box)),
        TAKEOVER_DELAY_S + 30, interval=0.3)
    took = time.monotonic() - t0
    s.note("%s's takeover after the failure" % box, "%.1f s" % took)
    s.check(took >= TAKEOVER_DELAY_S,
            "not before the takeover delay (%.1f s >= %.0f s)" % (took, TAKEOVER_DELAY_S))
    s.check(field(st, "runner", "term") == term and st.get("stage") == stage,
            "%s runs it at term %d, at %s (the crash table resumed): %s, %s" % (
                box, term, stage, field(st, "runner"), st.get("stage")))
    return st, took


def start_cold(lab, box, top):
    """box comes back as after a reboot: its (frozen) daemons killed, its links let through, the
    daemons started again from the build top, as its service manager would."""
    for pid in netns.ns_pids(lab.ns(box)):
        try:
            if os.path.basename(os.readlink("/proc/%d/exe" % pid)) in DAEMONS:
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    faults.box_recover(lab, box)
    for name in DAEMONS:
        lab.spawn(box, [os.path.join(top, name, name), "-n", "-f", boxes.config(lab, box),
                        "--rundir", boxes.rundir(lab, box)],
                  os.path.join(lab.node_dir(box), "log", name + ".log"))


def track_upstream(lab):
    """Both boxes track, before their daemons start, rtr as an OSPF neighbour (Full: up) and the
    server by ICMP: a box that does not route to the server ranks below the other, and the
    upgrade waits for it. Full alone is not enough: the box's own router LSA listing rtr again
    waits for FRR's MinLSInterval (5 s), and its SPF finds no route before it (1.7 s of the
    client's packets lost at a handback on Full). The icmp tracker counts as up until its first
    misses (unknown), the ospf-neighbor one is down 30 ms after a cold start: together they
    hold the box below from its start until it routes."""
    for box in ("fw1", "fw2"):
        boxes.set_setting(lab, box, "vgmpd", "trackers",
                          '( { type = "ospf-neighbor"; neighbor = "%s"; interface = "up0"; '
                          'interval = 300; }, { type = "icmp"; target = "%s"; interval = 200; '
                          'timeout = 200; count = 3; } )' % (RTR_ID, REF["server"]))
        boxes.start_daemons(lab, box)


def full_neighbours(lab, node):
    """How many OSPF neighbours node's ospfd has in state Full."""
    try:
        out = json.loads(boxes.vtysh(lab, node, "show ip ospf neighbor json"))
    except (RuntimeError, ValueError):
        return 0
    states = [n.get("nbrState", n.get("state", "")) for nbrs in
              (out.get("neighbors") or {}).values() for n in nbrs]
    return sum(str(x).startswith("Full") for x in states)


def field(st, *path):
    for k in path:
        st = st.get(k) if isinstance(st, dict) else None
    return st


def body(lab, s):
    next_dir, made = scenario_build(lab.paths, s, VARIANT)
    first_dir = lab.paths.top_build
    track_upstream(lab)
    try:
        tcp, udp = traffic(lab, s, "fw1", TRAFFIC_S)
        issu(lab, "fw1", "load", next_dir)
        await_stage(lab, s, "fw1", "loaded", timeout=120)
        issu(lab, "fw1", "runswitch")
        st = await_stage(lab, s, "fw1", "runswitched")
        s.wait_until("fw2 active after runswitch", lambda: settled(lab, "fw2", vrrp=True), 30)
        s.check(field(st, "runner") == {"box": "second", "term": 0},
                "fw1 (the second box) runs the upgrade, term 0: %s" % field(st, "runner"))
        s.wait_until("fw2 holds the copy at runswitched", lambda: (
            lambda c: c if c.get("orchestrator") == "peer" and c.get("stage") == "runswitched"
            else None)(state(lab, "fw2")), 20, interval=0.5)
        no, text = refused(lab, "fw2", "accept")
        s.check(no and "run by the peer" in text,
                "issu accept typed on fw2 (the copy) is refused: %s" % text[:120])
        took = runner_fails(lab, s, first_dir, next_dir)
        issu(lab, "fw2", "accept")
        await_stage(lab, s, "fw2", "accepted")
        took2, gaps = active_runner_fails(lab, s, next_dir)
        u, t = traffic_end(s, udp, tcp, FLOWS)
        s.summary = "runner fw1 failed at runswitched: fw2 took over after %.1f s, fw1 " \
            "thawed yielded; runner fw2 failed active at accepted: fw1 took over after %.1f s, " \
            "fw2 started cold yielded; handback gap %s/%s ms; committed; %d/%d flows alive" % (
                took, took2, gaps[0], gaps[1], t.get("alive", 0), FLOWS)
    finally:
        if made:
            shutil.rmtree(next_dir, ignore_errors=True)


def runner_fails(lab, s, first_dir, next_dir):
    """Part 1: the runner fails. fw2 runs the upgrade once fw1 stayed dead for the delay; fw1
    back yields to fw2's term, and fw2 puts fw1's daemons back on the old version. Returns how
    long the takeover took."""
    t_fail = time.monotonic()
    faults.box_fail(lab, "fw1")
    st, took = takes_over(lab, s, "fw2", 1, "runswitched", t_fail)
    s.check(field(st, "runner", "box") == "first" and field(st, "messages", "takeovers") == 1,
            "fw2 (the first box) took over once from its copy")

    # fw1 back: it hears the higher term and keeps fw2's record as its copy.
    faults.box_recover(lab, "fw1")
    st1 = s.wait_until("fw1 yields to fw2's term", lambda: (
        lambda c: c if c.get("orchestrator") == "peer" and
        field(c, "messages", "yielded") == 1 else None)(state(lab, "fw1")),
        30, interval=0.3)
    s.check(field(st1, "runner") == {"box": "first", "term": 1},
            "fw1's copy names fw2 at term 1: %s" % field(st1, "runner"))
    # fw2 brings fw1's daemons (unknown after the crash) back onto the old version
    st = await_stage(lab, s, "fw2", "runswitched", timeout=150)
    s.check(bins(st) == {"first": "new new new", "second": "old old old"} and
            in_dir(exes(lab, "fw1"), first_dir) and in_dir(exes(lab, "fw2"), next_dir),
            "fw1 back on %s, fw2 on %s (%s)" % (first_dir, next_dir, bins(st)))
    took_over = log_lines(lab, "fw2", "hrpd", "this box runs it now")
    stopped = log_lines(lab, "fw1", "hrpd", "this box stops running it")
    asked = log_lines(lab, "fw2", "hrpd", "of the second box (peer)")
    s.note("fw2's takeover", took_over[-1:])
    s.note("fw1's yield", stopped[-1:])
    s.note("fw2's steps on fw1 after it", asked)
    s.check(len(took_over) == 1 and len(stopped) == 1 and
            sum("cold-restart" in a for a in asked) == 3,
            "one takeover (fw2's log), one yield (fw1's), fw1's three daemons cold-restarted "
            "by fw2's machine")
    no, text = refused(lab, "fw1", "accept")
    s.check(no and "run by the peer" in text,
            "issu accept typed on fw1 (now the copy) is refused: %s" % text[:120])
    return took


def active_runner_fails(lab, s, next_dir):
    """Part 2: the runner fails while active; fw1 takes the traffic, then the upgrade; fw2
    started cold yields, gets the traffic back once it routes, and fw1 commits. First the pair
    is whole again: fw1's OSPF adjacency, lost in its freeze, is back on rtr (failed before
    that, the survivor had no route for seconds). Returns the takeover's time and the
    handback's longest gaps."""
    s.wait_until("rtr has both boxes as Full OSPF neighbours", lambda:
                 full_neighbours(lab, "rtr") == 2, 60, interval=0.5)
    time.sleep(6)  # FRR originates one LSA per box per 5 s: past fw1's new adjacency's
    s.check(settled(lab, "fw2", vrrp=True), "fw2 is the active box when it fails (%s)" % (
        roles(lab)))
    t_fail = time.monotonic()  # the delay counts from hrpd's dead verdict, after it
    faults.box_fail(lab, "fw2")
    s.wait_until("fw1 active and VRRP master after fw2's failure", lambda: (
        field(boxes.hrpctl(lab, "fw1", "display", "hrp", "state", check=False), "role") ==
        "active" and vrrp_state(lab, "fw1") == "master"), 30)
    st, took2 = takes_over(lab, s, "fw1", 2, "accepted", t_fail)
    s.check(field(st, "runner", "box") == "second",
            "fw1 (the second box) runs it now: %s" % field(st, "runner"))
    # fw2 back cold: its own record (term 1) waits for the peer's word, and yields
    outage = probes.udp_probe(lab, "client", "server", REF["server"], duration=200,
                              port=OUTAGE_PORT)
    time.sleep(0.5)
    start_cold(lab, "fw2", next_dir)
    t_cold = time.monotonic()
    st2 = s.wait_until("fw2's new hrpd yields to fw1's term", lambda: (
        lambda c: c if c.get("orchestrator") == "peer" and
        field(c, "messages", "yielded") == 1 else None)(state(lab, "fw2")),
        30, interval=0.3)
    waited = log_lines(lab, "fw2", "hrpd", "waiting for its word before resuming")
    resumed = log_lines(lab, "fw2", "hrpd", "no other runner claimed the upgrade")
    s.check(field(st2, "runner") == {"box": "second", "term": 2} and len(waited) == 1 and
            not resumed,
            "fw2 started cold waited for the peer's word and yielded without resuming "
            "(%s)" % field(st2, "runner"))
    heard = log_lines(lab, "fw1", "hrpd", "the peer's hrpd restarted at accepted, not asked to")
    s.check(len(heard) == 1, "fw1, the runner, took fw2's cold start as a crash of fw2 (%s)" %
            heard[-1:])
    # accepted wants the first box active: fw1 syncs fw2 and hands the traffic back
    st = s.wait_until("fw1's machine at accepted with fw2 active again", lambda: (
        lambda c: c if c.get("stage") == "accepted" and not c.get("busy") and
        c.get("active") == "first" else None)(state(lab, "fw1")), 150, interval=0.5)
    s.wait_until("fw2 active", lambda: settled(lab, "fw2", vrrp=True), 30)
    handed = time.monotonic() - t_cold
    time.sleep(2.0)
    res = outage.stop()
    gaps = [(res.get(d) or {}).get("max_gap_ms") for d in ("c2s", "s2c")]
    lost = [(res.get(d) or {}).get("lost") for d in ("c2s", "s2c")]
    waited = log_lines(lab, "fw1", "hrpd", "not asked yet, waiting")
    can = log_lines(lab, "fw1", "hrpd", "the peer can take the role now")
    s.note("handback to fw2 (c2s/s2c)", "%s/%s lost, longest gap %s/%s ms, fw2 active "
           "%.1f s after its cold start" % (lost[0], lost[1], gaps[0], gaps[1], handed))
    s.note("fw1's handover step waited", (waited + can)[-3:])
    s.check(all(g is not None and g < HANDBACK_GAP_MS for g in gaps),
            "the handback to fw2 waited until it routes: longest gap %s/%s ms < %d ms" % (
                gaps[0], gaps[1], HANDBACK_GAP_MS))
    issu(lab, "fw1", "commit")
    st = await_stage(lab, s, "fw1", "committed", timeout=150)
    s.check(bins(st) == {"first": "new new new", "second": "new new new"} and
            in_dir(exes(lab, "fw1"), next_dir) and in_dir(exes(lab, "fw2"), next_dir),
            "committed from fw1: both boxes on %s (%s)" % (next_dir, bins(st)))
    return took2, gaps


if __name__ == "__main__":
    scenario.main(body, topology="ref", daemons=False)  # track_upstream() starts them
