#!/usr/bin/python3
"""The pair upgrade's cold mode (issue #13, doc/issu.md): the second build is made with
`--with-test-version=incompatible` (vgmp-switchover-request 2.0, a core type at another major), so
the verdict is incompatible and the upgrade goes on cold. $HS_BUILDDIR_NEXT names that build;
without it the scenario builds the daemons itself into a temporary directory.

Typed on fw1 (active), under a 1 ms UDP probe and 200 TCP flows opened before:
- issu load NEXT: verdict incompatible, cold mode; fw2 (the standby) is cold-restarted onto NEXT
  and keeps its kernel sessions; both hrpds' send plans hold vgmp-switchover-request back (never
  sent: neither side reads the other's major).
- issu runswitch: the switchover cannot be asked for (that is the message that differs), so fw1's
  vgmpd releases the role (hrp-release: standby at once, announced at priority 0) and fw2 takes
  over as from a lower box. The outage is measured by a probe of its own around the command.
- Part 1 ends with issu rollback: fw2 (the new version) releases the role back to fw1, and is
  cold-restarted onto the first build. Part 2 loads and runswitches again, then issu commit: fw1
  cold-restarted onto NEXT and bulk-synced; the pair runs NEXT, and fw2 stays active: fw1's new
  vgmpd, asked by the upgrade to keep to standby, does not preempt back although it outranks fw2.
New TCP flows are opened all through each part (one every 100 ms): those are the flows at risk in
cold mode, counted and printed. Asserted: the stages, the versions, each release (no switchover
request), fw2 still active 12 s after the commit, every pre-existing flow alive. Printed: the outage of each runswitch and rollback (probe
loss and longest gap each way around the command) and the flows opened during the parts that
died.

HS_ISSU_VARIANT=incompatible-data (default incompatible) runs it onto the build whose data type
is at another major too: the versions cannot sync at all. Checked then, beside the above: both
plans hold data back, both data channels are held back from the load to the rollback and to the
commit with no connection opened or accepted meanwhile (no reconnect loop), the standby's session
sync stays not ready and counts no refused record, and each channel comes back by itself once
both boxes run one version (rollback, commit), and at the rollback fw1, whose entries missed
fw2's updates, makes its TCP entries liberal (else the flows stall on ACKs its entries never saw).
The flows opened during a part are the ones at risk: printed, not asserted."""

import os
import shutil
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, issu as issu_lib, probes, scenario  # noqa: E402
from hslab_lib.issu import (await_stage, bins, exes, in_dir, issu, log_lines,  # noqa: E402
                            scenario_build, state, traffic_end)
from hslab_lib.pair import active_box, ctl, ctl_or_empty, session, settled  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402
from s56_issu import traffic  # noqa: E402 (the same probes and flows as s56)

VARIANT = os.environ.get("HS_ISSU_VARIANT", "incompatible")
HELD = issu_lib.HELD[VARIANT]
NO_SYNC = VARIANT == "incompatible-data"  # the data channel is held back between the versions
HELD_LOG = "data channel: held back by the send plan"  # hrpd's line, once per hold
HELD_LINE = "Data channel: held back by the send plan"  # display hrp state's, while held
FLOWS = 200
UDP_PORT = 9000
TCP_PORT = 9001
WINDOW_PORT = 9004     # flows opened during load and runswitch
WINDOW_FLOWS = 150     # one every WINDOW_EVERY_MS: 15 s, as long as a part
WINDOW_EVERY_MS = 100
OUTAGE_PORT = 9010     # the probe around one command
KEPT_S = 12            # past fw1's bulk sync and preempt delay (5 s) after the commit
TRAFFIC_S = 300  # an upper bound: the traffic is stopped (and reports) once part 2 is over






def load(lab, s, new_dir, old_dir):
    issu(lab, "fw1", "load", new_dir)
    st = await_stage(lab, s, "fw1", "loaded", timeout=120)
    held = {h["name"]: h for h in st.get("held", [])}
    s.check(st["verdict"] == "incompatible" and st["mode"] == "cold" and
            held.get(HELD, {}).get("send") == "never",
            "verdict incompatible, cold mode, %s never sent (%s, %s, %s)" % (
                HELD, st["verdict"], st["mode"], list(held)))
    if NO_SYNC:
        s.check(held.get("vgmp-switchover-request", {}).get("send") == "never",
                "vgmp-switchover-request never sent either (%s)" % list(held))
    s.check(bins(st) == {"first": "new new new", "second": "old old old"} and
            st["active"] == "second" and in_dir(exes(lab, "fw2"), new_dir) and
            in_dir(exes(lab, "fw1"), old_dir),
            "loaded: fw2 cold-started on %s, fw1 on %s and active (%s)" % (
                new_dir, old_dir, bins(st)))
    for box in ("fw1", "fw2"):
        plan = s.wait_until("%s's send plan holds %s back" % (box, HELD), lambda: (
            lambda p: p if HELD in [h["name"] for h in p.get("held", [])] else None)(
                state(lab, box).get("send_plan") or {}), 20, interval=0.5)
        s.note("%s send plan" % box, "%s: %s" % (plan["level"], plan["held"]))
    if NO_SYNC:
        return held_back(lab, s, "after the load")
    return None


def data_stats(lab, box):
    return ctl_or_empty(lab, box, "hrpd", "hrp-statistics").get("data", {})


def conns(d):
    return d.get("connects", 0) + d.get("accepts", 0)


def held_back(lab, s, when, since=None):
    """NO_SYNC: both data channels held back by the send plan; with since (what this returned
    before), no connection opened or accepted since then on either box (no reconnect loop), and
    no session record refused. Returns {box: (data stats, session stats)}."""
    now = {}
    for box in ("fw1", "fw2"):
        d = s.wait_until("%s's data channel held back by the send plan (%s)" % (box, when),
                         lambda: (lambda d: d if d.get("held_back") else None)(
                             data_stats(lab, box)), 20, interval=0.5)
        now[box] = (d, session(lab, box).get("statistics", {}))
    if since is None:
        return now
    for box in ("fw1", "fw2"):
        d0, ss0 = since[box]
        d1, ss1 = now[box]
        s.check(conns(d1) == conns(d0) and d1.get("state") == "idle" and
                ss1.get("records_refused", 0) == ss0.get("records_refused", 0),
                "%s: data channel idle %s, no connect or accept since the load (%d -> %d), "
                "no session record refused (%s -> %s)" % (
                    box, when, conns(d0), conns(d1), ss0.get("records_refused"),
                    ss1.get("records_refused")))
        s.note("%s data channel %s" % (box, when),
               "held back %s time(s), %s record(s) refused meanwhile, closed by it %s" % (
                   d1.get("plan_holds"), d1.get("plan_refused"),
                   (d1.get("closed") or {}).get("held-back")))
        text = boxes.hrpctl(lab, box, "display", "hrp", "state", as_json=False, check=False)
        s.check(HELD_LINE in text, "%s: display hrp state says %r" % (box, HELD_LINE))
    # said once per hold: fw1's hrpd runs on from before the first load to the commit
    lines = log_lines(lab, "fw1", "hrpd", HELD_LOG)
    s.check(len(lines) == now["fw1"][0].get("plan_holds"),
            "fw1's hrpd logged the hold once per hold (%d lines, %s holds)" % (
                len(lines), now["fw1"][0].get("plan_holds")))
    return now


def channel_back(lab, s, when):
    """NO_SYNC: both boxes on one version again: each data channel runs again by itself."""
    for box in ("fw1", "fw2"):
        d = s.wait_until("%s's data channel up again (%s)" % (box, when), lambda: (
            lambda d: d if not d.get("held_back") and d.get("state") == "up" else None)(
                data_stats(lab, box)), 60, interval=0.5)
        s.note("%s data channel %s" % (box, when), "up, %d connection(s) since its start" % (
            conns(d)))
        text = boxes.hrpctl(lab, box, "display", "hrp", "state", as_json=False, check=False)
        s.check(HELD_LINE not in text, "%s: display hrp state no longer says it is held" % box)


def measured(lab, s, cmd, target, active, notes):
    """issu cmd under a probe of its own, until target with active settled; the outage goes
    into notes. Returns the stage's state."""
    udp = probes.udp_probe(lab, "client", "server", REF["server"], duration=120,
                           port=OUTAGE_PORT)
    time.sleep(0.5)
    t0 = time.monotonic()
    issu(lab, "fw1", cmd)
    st = await_stage(lab, s, "fw1", target, timeout=120)
    took = time.monotonic() - t0
    s.wait_until("%s active after %s" % (active, cmd), lambda: settled(lab, active, vrrp=True),
                 30)
    time.sleep(2.0)
    res = udp.stop()
    c2s, s2c = res.get("c2s") or {}, res.get("s2c") or {}
    outage = "%s/%s lost, longest gap %s/%s ms" % (c2s.get("lost"), s2c.get("lost"),
                                                   c2s.get("max_gap_ms"), s2c.get("max_gap_ms"))
    s.note("%s outage (c2s/s2c)" % cmd, outage)
    notes.append("%s %s" % (cmd, outage))
    s.note("%s took" % cmd, "%.1f s" % took)
    return st


def released_by(lab, s, box, which, count, restarted=False):
    """box's vgmpd released the role count times in all, asked by the orchestrator (fw1's hrpd)
    as the step of the which box, and the release was taken (vgmpd's own word, unless it was
    cold-restarted since: the peer active then says it)."""
    released = log_lines(lab, box, "vgmpd", "active -> standby (released)")
    asked = log_lines(lab, "fw1", "hrpd", "release vgmpd of the %s box" % which)
    last = ctl(lab, box, "vgmpd", "status").get("vgmp", {}).get("switchover", {})
    s.check(len(released) == count and asked and (
        restarted or last.get("last_result") == "done"),
            "%s's vgmpd released the role (%d in all), taken by the peer (%s; switchover %s)" % (
                box, len(released), released[-1:] or "no release in its vgmpd log", last))


def runswitch(lab, s, count, notes, hold=None):
    st = measured(lab, s, "runswitch", "runswitched", "fw2", notes)
    s.check(st["active"] == "first" and st.get("timer_left_ms", 0) > 0,
            "runswitched: fw2 (first) active, the rollback timer running")
    released_by(lab, s, "fw1", "second", count)
    if NO_SYNC:
        held_back(lab, s, "after the runswitch", hold)
        # fw1, standby now, needs fw2's table and cannot have it: not ready (no preemption)
        st1 = session(lab, "fw1").get("status", {})
        s.check(st1.get("ready") is False and st1.get("held_back") is True,
                "fw1 (standby) session sync not ready, held back (%s)" % {
                    k: st1.get(k) for k in ("ready", "synced", "held_back", "source")})


def rollback(lab, s, old_dir, notes):
    st = measured(lab, s, "rollback", "idle", "fw1", notes)
    s.check(bins(st) == {"first": "old old old", "second": "old old old"} and
            st["active"] == "second" and st["history"][-1]["why"].startswith("rolled back") and
            in_dir(exes(lab, "fw2"), old_dir),
            "rolled back: fw1 active, fw2 cold-started on %s again (%s)" % (old_dir, bins(st)))
    released_by(lab, s, "fw2", "first", 1, restarted=True)
    if NO_SYNC:
        channel_back(lab, s, "after the rollback")
        # fw1 took the traffic back on entries that missed fw2's updates: made liberal
        lib = session(lab, "fw1").get("statistics", {}).get("made_liberal", 0)
        s.check(lib >= FLOWS, "fw1 made its TCP entries liberal at the takeover after a missed "
                "sync (%d, at least the %d flows opened before)" % (lib, FLOWS))
    s.wait_until("fw2's session sync ready after its cold start", lambda: session(
        lab, "fw2").get("status", {}).get("ready") is True, 60)


def commit(lab, s, new_dir):
    issu(lab, "fw1", "commit")
    st = await_stage(lab, s, "fw1", "committed", timeout=150)
    s.check(bins(st) == {"first": "new new new", "second": "new new new"} and
            in_dir(exes(lab, "fw1"), new_dir) and in_dir(exes(lab, "fw2"), new_dir),
            "committed: both boxes on %s (%s)" % (new_dir, bins(st)))
    if NO_SYNC:
        channel_back(lab, s, "after the commit")
    s.wait_until("fw1's session sync ready after its cold start", lambda: session(
        lab, "fw1").get("status", {}).get("ready") is True, 60)
    for box in ("fw1", "fw2"):
        s.wait_until("%s's send plan holds nothing back (one version)" % box, lambda: (
            state(lab, box).get("send_plan") or {}).get("level") == "fully-compatible", 20,
            interval=0.5)
    # fw1's vgmpd started afresh and outranks fw2 (the standby device): the upgrade asked it to
    # keep to standby (hrp-keep-standby), so it does not preempt back once synced and past its
    # preempt delay (5 s here; before, fw1 was active again 8 s after the commit)
    time.sleep(KEPT_S)
    now = active_box(lab)
    kept = log_lines(lab, "fw1", "hrpd", "vgmpd keeps to standby")
    s.note("active %d s after the commit" % KEPT_S, now)
    s.check(now == "fw2" and kept, "the roles stay as the record says: fw2 active %d s after "
            "the commit, fw1's new vgmpd keeps to standby (%s; %s)" % (KEPT_S, now, kept[-1:]))


def window_flows(lab, port):
    return probes.tcp_flows(lab, "client", "server", REF["server"], flows=WINDOW_FLOWS,
                            duration=WINDOW_FLOWS * WINDOW_EVERY_MS // 1000 + 10, port=port,
                            alive_ms=1500, connect_timeout_ms=15000,
                            open_every_ms=WINDOW_EVERY_MS)


def window_result(s, part, window):
    w = window.wait()
    dead = [(round(f.get("opened_ms", -1) / 1000, 1), f.get("error"))
            for f in w.get("per_flow", []) if not f.get("alive")]
    s.note("%s: flows opened during it" % part, "%d/%d alive; dead (opened at s, error): %s" % (
        w.get("alive", 0), w.get("flows", 0), dead))
    return "%d/%d" % (w.get("alive", 0), w.get("flows", 0))


def body(lab, s):
    next_dir, made = scenario_build(lab.paths, s, VARIANT)
    first_dir = lab.paths.top_build
    try:
        tcp, udp = traffic(lab, s, "fw1", TRAFFIC_S)
        notes, alive = [], []
        # part 1: load, runswitch, rollback
        window = window_flows(lab, WINDOW_PORT)
        t0 = time.monotonic()
        hold = load(lab, s, next_dir, first_dir)
        s.note("load took", "%.1f s" % (time.monotonic() - t0))
        runswitch(lab, s, 1, notes, hold)
        rollback(lab, s, first_dir, notes)
        alive.append(window_result(s, "part 1 (load, runswitch, rollback)", window))
        s.wait_until("fw1 active, VRRP master", lambda: settled(lab, "fw1", vrrp=True), 60)
        # part 2: load, runswitch, commit
        window = window_flows(lab, WINDOW_PORT + 1)
        t0 = time.monotonic()
        hold = load(lab, s, next_dir, first_dir)
        runswitch(lab, s, 2, notes, hold)
        commit(lab, s, next_dir)
        s.note("load to commit took", "%.1f s" % (time.monotonic() - t0))
        alive.append(window_result(s, "part 2 (load, runswitch, commit)", window))

        u, t = traffic_end(s, udp, tcp, FLOWS, probe_note="whole run probe",
                           what="every pre-existing TCP flow alive")
        s.summary = "cold mode (%s): %s; %d/%d pre-existing " \
            "flows alive; opened during the parts: %s alive" % (
                VARIANT, ", ".join(notes), t.get("alive", 0), FLOWS, " and ".join(alive))
    finally:
        if made:
            shutil.rmtree(next_dir, ignore_errors=True)


if __name__ == "__main__":
    scenario.main(body, topology="ref", daemons=True)
