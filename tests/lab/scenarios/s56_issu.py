#!/usr/bin/python3
"""The pair upgrade (issue #13, doc/issu.md) in the reference pair under a 1 ms UDP probe and 200
TCP flows, onto a second build of the tree made with `--with-test-version=minor` (probe 1.1:
partially compatible, probe held back; HS_ISSU_VARIANT=tlv: hello 1.2 with a new TLV, hello
narrowed by the new box; HS_ISSU_VARIANT=none: the same registry, fully compatible).
$HS_BUILDDIR_NEXT names that build; without it the scenario builds the daemons itself into a
temporary directory (configure + make, once).

Part 1, typed on fw1 (active): issu load NEXT (fw2, the standby, is hot-restarted onto it),
issu runswitch (fw2 takes over), issu accept, issu commit (fw1 is hot-restarted too). Each stage
is awaited in `display issu state --json` (fw1's, and fw2's copy of the record), with the
versions each box's daemons run; the daemons' /proc/PID/exe say the same.
Part 2, rollback by command: fw1 takes the active role back (undo hrp switchover: fw2 is the
configured standby device), then, typed on fw1, issu load of the first build onto fw2, issu
runswitch (fw2 takes over), fw1's hrpd killed (-9) and started cold again: it resumes from its
record at runswitched (bulk sync, timer re-armed); then issu rollback: fw1 active again, fw2's daemons cold-restarted back
onto NEXT and synced, the stage idle. New TCP flows are opened all through the rollback (one every
100 ms) and must all be alive at the end, and fw2 (standby from the rollback's first step) must
never lower its OSPF cost meanwhile: a cold-started vgmpd once did for a second, the router sent
the return traffic of new flows through fw2 too, and a flow whose SYN-ACK passed there is left
in SYN_SENT on fw1, which then drops its ACKs as invalid.
Part 3, rollback by the timer: the same load with `timer 8`, runswitch, and the timer expires:
the stage idle with "rollback timer expired" in its history, fw1 active, fw2 back on NEXT.
Every TCP flow lives through each part; the probe's loss is reported (not asserted: the shared
machine's load makes a planned switchover's loss a measure, not a promise, here)."""

import os
import re
import shutil
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, issu as issu_lib, netns, probes, scenario  # noqa: E402
from hslab_lib.hot import gone  # noqa: E402
from hslab_lib.issu import (  # noqa: E402
    await_stage, bins, exes, in_dir, issu, scenario_build, state)
from hslab_lib.pair import routed_via, session, settled  # noqa: E402
from hslab_lib.scenario import REF  # noqa: E402

FLOWS = 200
TCP_PORT = 9001
UDP_PORT = 9000
# Flows opened during a rollback: one every DURING_EVERY_MS, all alive DURING_S after the command.
DURING_PORT = 9003
DURING_FLOWS = 80
DURING_EVERY_MS = 100
DURING_S = 30
RAISED_COST = 65500  # vgmpd.ospf_cost.cost in tests/clab/configs/fw*/hotstandby.conf
# The test version of the second build ($HS_ISSU_VARIANT, default minor) and the message type
# it holds back (doc/issu.md, "Test versions").
VARIANT = os.environ.get("HS_ISSU_VARIANT", "minor")
HELD = issu_lib.HELD[VARIANT]
# none: a second build of the same registry, fully compatible, nothing held back
HELD_LIST = [HELD] if HELD else []
VERDICT = "partially-compatible" if HELD else "fully-compatible"




def crash_hrpd(lab, s, box, top):
    """kill -9 of box's hrpd (found by its binary: hot restarts changed its pid), then a cold
    start of the hrpd in top, as the service manager would. Returns the new pid."""
    pids = [p for p in netns.ns_pids(lab.ns(box))
            if os.path.basename(os.readlink("/proc/%d/exe" % p) if os.path.exists(
                "/proc/%d/exe" % p) else "") == "hrpd"]
    s.check(len(pids) == 1, "one hrpd runs on %s (%s)" % (box, pids))
    os.kill(pids[0], signal.SIGKILL)
    s.wait_until("hrpd %d on %s is gone" % (pids[0], box), lambda: gone(pids[0]), 10)
    exe = os.path.join(top, "hrpd", "hrpd")
    log = os.path.join(lab.node_dir(box), "log", "hrpd.log")
    p = lab.spawn(box, [exe, "-n", "-f", boxes.config(lab, box), "--rundir",
                        boxes.rundir(lab, box)], log)
    return p.pid




def traffic(lab, s, via, duration):
    s.wait_until("%s active, VRRP master" % via, lambda: settled(lab, via, vrrp=True), 60)
    s.wait_until("the upstream route goes via %s" % via, lambda: routed_via(lab, via), 60)
    peer = "fw2" if via == "fw1" else "fw1"
    s.wait_until("%s's session sync is ready" % peer, lambda: session(lab, peer).get(
        "status", {}).get("ready") is True, 60)
    tcp = probes.tcp_flows(lab, "client", "server", REF["server"], flows=FLOWS,
                           duration=duration, port=TCP_PORT, alive_ms=1500)
    udp = probes.udp_probe(lab, "client", "server", REF["server"], duration=duration,
                           port=UDP_PORT)
    time.sleep(2.0)
    return tcp, udp


def results(s, part, tcp, udp):
    u, t = udp.wait(), tcp.wait()
    lost = probes.udp_lost(u)
    s.note("%s probe" % part, "%d lost: %s" % (lost, probes.udp_detail(u)))
    alive, flows = t.get("alive", 0), t.get("flows", FLOWS)
    s.note("%s tcp" % part, "%d/%d flows alive, longest stall %s ms" % (
        alive, flows, t.get("max_stall_ms")))
    s.check(alive == flows == FLOWS, "%s: every TCP flow alive (%d/%d)" % (part, alive, flows))
    return lost


def upgrade(lab, s, active, standby, new_dir, old_dir):
    """Part 1: load, runswitch, accept, commit, typed on the active box."""
    st = issu(lab, active, "load", new_dir)
    s.check(st.get("stage") in ("loading", "loaded"), "issu load taken: %s" % st.get("stage"))
    st = await_stage(lab, s, active, "loaded")
    s.check(st["verdict"] == VERDICT and st["mode"] == "hot" and
            [h["name"] for h in st["held"]] == HELD_LIST,
            "verdict %s, hot mode, held back %s (%s, %s)" % (
                VERDICT, HELD_LIST, st["verdict"], [h["name"] for h in st["held"]]))
    s.check(st["boxes"]["first"]["name"] == standby and bins(st) == {
        "first": "new new new", "second": "old old old"} and st["active"] == "second",
        "loaded: %s (first) on the new version, %s on the old, %s active: %s" % (
            standby, active, active, bins(st)))
    s.check(in_dir(exes(lab, standby), new_dir) and in_dir(exes(lab, active), old_dir),
            "%s's daemons run %s, %s's run %s" % (standby, new_dir, active, old_dir))
    # Each hrpd's send plan against the other's registry, exchanged again after the restart.
    for box in (active, standby):
        plan = s.wait_until("%s's send plan holds %s back" % (box, HELD_LIST), lambda: (
            lambda p: p if [h["name"] for h in p.get("held", [])] == HELD_LIST and
            p.get("level") == VERDICT else None)(
                state(lab, box).get("send_plan") or {}), 20, interval=0.5)
        s.note("%s send plan" % box, "%s: %s" % (plan["level"], plan["held"]))
    if VARIANT == "tlv":  # the new box leaves test-extension out of its hellos to the old one
        s.wait_until("%s omits test-extension from its hellos" % standby, lambda: (
            state(lab, standby).get("send_plan") or {}).get("tlvs_omitted", 0) > 0, 10)
    issu(lab, active, "runswitch")
    st = await_stage(lab, s, active, "runswitched")
    s.wait_until("%s active after runswitch" % standby, lambda: settled(lab, standby), 30)
    s.check(st["active"] == "first" and st.get("timer_left_ms", 0) > 0,
            "runswitched: the first box active, rollback timer running (%s ms left)" %
            st.get("timer_left_ms"))
    copy = state(lab, standby)
    s.check(copy.get("orchestrator") == "peer" and copy.get("this_box") == "first",
            "%s holds the peer's copy of the record (stage %s)" % (standby, copy.get("stage")))
    issu(lab, active, "accept")
    st = await_stage(lab, s, active, "accepted")
    s.check(st.get("timer_left_ms") is None, "accepted: the rollback timer stopped")
    issu(lab, active, "commit")
    st = await_stage(lab, s, active, "committed")
    s.check(bins(st) == {"first": "new new new", "second": "new new new"},
            "committed: both boxes on the new version (%s)" % bins(st))
    s.check(in_dir(exes(lab, active), new_dir) and in_dir(exes(lab, standby), new_dir),
            "both boxes' daemons run %s" % new_dir)
    s.check(settled(lab, standby), "%s stays active after the commit" % standby)
    for box in (active, standby):
        s.wait_until("%s's send plan holds nothing back (one version)" % box, lambda: (
            state(lab, box).get("send_plan") or {}).get("level") == "fully-compatible", 20,
            interval=0.5)


def vgmpd_log(lab, box):
    return os.path.join(lab.node_dir(box), "log", "vgmpd.log")


def log_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def cost_lowered_since(lab, box, offset):
    """The lines of box's vgmpd log from offset on that set an OSPF cost below the raised one
    (0: the interface's own) while box was not active: by the last state change logged before
    them ("X -> active"; the lines before offset count too), a start counting as initialize.
    A cold restart appends to the same log; a cost is logged once ospfd took it, after the
    state change that asked for it."""
    lowered, state = [], None
    with open(vgmpd_log(lab, box), "rb") as f:
        head, tail = f.read(offset), f.read()
    for at, line in [(False, x) for x in head.decode(errors="replace").splitlines()] + \
            [(True, x) for x in tail.decode(errors="replace").splitlines()]:
        change = re.search(r"\[vgmp\] \S+ -> (\S+) \(", line)
        if change:
            state = change.group(1)
        elif "vgmpd: started" in line:
            state = "initialize"
        m = re.search(r"\[ospf-cost\] cost (\d+) applied", line)
        if at and m and int(m.group(1)) != RAISED_COST and state != "active":
            lowered.append(line.strip())
    return lowered


def during_flows(lab):
    """New TCP flows opened one every DURING_EVERY_MS from now on (the stage's command)."""
    return probes.tcp_flows(lab, "client", "server", REF["server"], flows=DURING_FLOWS,
                            duration=DURING_S, port=DURING_PORT, alive_ms=1500,
                            connect_timeout_ms=15000, open_every_ms=DURING_EVERY_MS)


def check_during(lab, s, part, during, standby, log_at):
    """Every flow opened during the rollback alive; the standby never lowered its cost."""
    r = during.wait()
    dead = [(round(f.get("opened_ms", -1) / 1000, 1), f.get("error"))
            for f in r.get("per_flow", []) if not f.get("alive")]
    s.note("%s: flows opened during it" % part, "%d/%d alive; dead (opened at s, error): %s" % (
        r.get("alive", 0), r.get("flows", DURING_FLOWS), dead))
    s.check(r.get("alive") == r.get("flows") == DURING_FLOWS,
            "%s: every flow opened during it alive (%d/%d)" % (
                part, r.get("alive", 0), DURING_FLOWS))
    # A cold-started vgmpd leaves the cost its old process raised until it is active
    # (doc/vgmp.md, "OSPF cost"): it lowered it for a second once, and new flows died.
    lowered = cost_lowered_since(lab, standby, log_at)
    s.note("%s: %s's costs below the raised one while standby" % (part, standby),
           lowered[:2] or "none")
    s.check(not lowered, "%s: %s never lowered its OSPF cost while standby (%d times)" % (
        part, standby, len(lowered)))


def rollback(lab, s, active, standby, new_dir, old_dir):
    """Part 2: load, runswitch, then issu rollback, typed on the active box. Returns the flows
    opened during the rollback and where the standby's vgmpd log stood at its command."""
    issu(lab, active, "load", new_dir, "timer", "600")
    st = await_stage(lab, s, active, "loaded")
    s.check(st["boxes"]["first"]["name"] == standby and in_dir(exes(lab, standby), new_dir),
            "loaded: %s runs %s" % (standby, new_dir))
    issu(lab, active, "runswitch")
    st = await_stage(lab, s, active, "runswitched")
    s.check(0 < st.get("timer_left_ms", 0) <= 600000,
            "the rollback timer runs (%s ms left of 600 s)" % st.get("timer_left_ms"))
    s.wait_until("%s active after runswitch" % standby, lambda: settled(lab, standby), 30)
    # A crash of the box that runs the upgrade (the second box, standby now): it resumes from
    # its record (runswitched: resume), gets a bulk sync, and the timer goes on.
    pid = crash_hrpd(lab, s, active, old_dir)
    st = s.wait_until("%s's new hrpd resumed at runswitched" % active, lambda: (
        lambda st: st if st.get("stage") == "runswitched" and not st.get("busy") and
        st.get("orchestrator") == "here" else None)(state(lab, active)), 60, interval=0.5)
    with open(os.path.join(lab.node_dir(active), "log", "hrpd.log"), errors="replace") as f:
        text = f.read()
    resumed = "resumed at runswitched after a restart of this box" in text
    # started cold midway, it first waited for the peer's word (the peer might have taken the
    # upgrade over: s60), and resumed once the peer was up and claimed nothing
    s.check("waiting for its word before resuming" in text and
            "the peer is up: no other runner claimed the upgrade; resuming" in text,
            "%s's cold-started hrpd waited for the peer's word, then resumed" % active)
    s.check(resumed and 0 < st.get("timer_left_ms", 0) <= 600000 and st["active"] == "first",
            "after kill -9 and a cold start (pid %d), %s resumed at runswitched, the timer "
            "re-armed (%s ms left)" % (pid, active, st.get("timer_left_ms")))
    log_at = log_size(vgmpd_log(lab, standby))
    during = during_flows(lab)
    issu(lab, active, "rollback")
    st = await_stage(lab, s, active, "idle", timeout=120)
    s.check(bins(st) == {"first": "old old old", "second": "old old old"} and
            st["active"] == "second" and st["history"][-1]["why"].startswith("rolled back"),
            "rolled back: both boxes on the old version, the second active (%s, %s)" % (
                bins(st), st["history"][-1]["why"]))
    s.wait_until("%s active again" % active, lambda: settled(lab, active), 30)
    s.check(in_dir(exes(lab, standby), old_dir) and in_dir(exes(lab, active), old_dir),
            "both boxes' daemons run %s again" % old_dir)
    return during, log_at


def timer_rollback(lab, s, active, standby, new_dir, old_dir, secs=8):
    """Part 3: load with a short rollback timer, runswitch, and let the timer expire."""
    issu(lab, active, "load", new_dir, "timer", str(secs))
    await_stage(lab, s, active, "loaded")
    log_at = log_size(vgmpd_log(lab, standby))
    issu(lab, active, "runswitch")
    # not awaited step by step: the timer may expire before a poll sees the switchover
    st = await_stage(lab, s, active, "idle", timeout=secs + 120)
    s.check([h["stage"] for h in st["history"]][-4:] == [
        "loaded", "runswitched", "rolling-back", "idle"],
        "loaded, runswitched, rolling-back, idle: %s" % [h["stage"] for h in st["history"]])
    whys = [h["why"] for h in st["history"]]
    s.check("rollback timer expired" in whys and bins(st) == {
        "first": "old old old", "second": "old old old"},
        "the timer rolled back after %d s: %s" % (secs, whys[-3:]))
    s.wait_until("%s active again" % active, lambda: settled(lab, active), 30)
    s.check(in_dir(exes(lab, standby), old_dir), "%s runs %s again" % (standby, old_dir))
    # from the runswitch on, the first box's cost may go down only when it takes over
    lowered = cost_lowered_since(lab, standby, log_at)
    s.note("timer rollback: %s's costs below the raised one while not active" % standby,
           lowered[:2] or "none")
    s.check(not lowered, "timer rollback: %s lowered its OSPF cost only while active (%d "
            "times otherwise)" % (standby, len(lowered)))


def body(lab, s):
    next_dir, made = scenario_build(lab.paths, s, VARIANT)
    first_dir = lab.paths.top_build
    try:
        tcp, udp = traffic(lab, s, "fw1", duration=45)
        t0 = time.monotonic()
        upgrade(lab, s, "fw1", "fw2", next_dir, first_dir)
        s.note("upgrade took", "%.1f s" % (time.monotonic() - t0))
        lost1 = results(s, "upgrade", tcp, udp)

        # fw1 is the preferred box (fw2 is the standby device): the roles go back before
        # part 2, so that the rollback's "old roles" are the ones the config keeps.
        boxes.hrpctl(lab, "fw1", "undo", "hrp", "switchover", check=False)
        s.wait_until("fw1 active again (it preempts once its handover no longer binds)",
                     lambda: settled(lab, "fw1", vrrp=True), 60, interval=0.5)
        tcp, udp = traffic(lab, s, "fw1", duration=45)
        t0 = time.monotonic()
        during, log_at = rollback(lab, s, "fw1", "fw2", first_dir, next_dir)
        s.note("rollback took", "%.1f s" % (time.monotonic() - t0))
        check_during(lab, s, "rollback", during, "fw2", log_at)
        lost2 = results(s, "rollback", tcp, udp)

        tcp, udp = traffic(lab, s, "fw1", duration=45)
        t0 = time.monotonic()
        timer_rollback(lab, s, "fw1", "fw2", first_dir, next_dir)
        s.note("timer rollback took", "%.1f s" % (time.monotonic() - t0))
        lost3 = results(s, "timer rollback", tcp, udp)
        s.summary = "upgrade, rollback and timer rollback under 200 flows: all alive; probe " \
            "lost %d, %d, %d" % (lost1, lost2, lost3)
    finally:
        if made:
            shutil.rmtree(next_dir, ignore_errors=True)


if __name__ == "__main__":
    scenario.main(body, topology="ref", daemons=True)
