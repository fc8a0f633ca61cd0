#!/usr/bin/python3
"""The first scenario: both boxes of the reference lab start vrrpd, vgmpd and hrpd in their own
namespaces with their own config and run dir, and `hrpctl --json display hrp state` answers on
each. Then the daemon faults: graceful stop (SIGTERM), kill -9 of one daemon and of all of a box's
daemons and a fresh start over their stale sockets, a box failure with a cold restart of its
daemons, and a box failure thawed. (That teardown leaves nothing behind is checked by
run-scenarios after every scenario, and by s06_kill_midway for a scenario killed midway.)"""

import os
import signal
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, faults, netns, scenario  # noqa: E402


def hrp_state(lab, s, box):
    state = boxes.hrpctl(lab, box, "display", "hrp", "state")
    s.check(isinstance(state, dict) and state.get("name", box) == box,
            "%s: hrpctl --json display hrp state answers (role %s)" % (box, state.get("role")))
    return state


def check_running(lab, s, box):
    for name in boxes.DAEMONS:
        pid = boxes.daemon_pid(lab, box, name)
        s.check(pid is not None, "%s: %s runs (pid %s)" % (box, name, pid))
        where = netns.run(["ip", "netns", "identify", str(pid)]).stdout.strip()
        s.check(where == lab.ns(box), "%s: %s is in namespace %s" % (box, name, where))
        s.check(os.path.exists(os.path.join(boxes.rundir(lab, box), name + ".sock")),
                "%s: %s's control socket is in %s" % (box, name, boxes.rundir(lab, box)))


def body(lab, s):
    for box in boxes.boxes(lab):
        check_running(lab, s, box)
        hrp_state(lab, s, box)
        text = boxes.hrpctl(lab, box, "display", "hrp", "state", as_json=False)
        s.check("Role" in text or "role" in text, "%s: the human form answers too" % box)

    status = faults.graceful_stop(lab, "fw2", "hrpd")["hrpd"]
    s.check(status == 0, "fw2: hrpd stops on SIGTERM with status 0 (got %s)" % status)
    status = faults.kill_daemon(lab, "fw2", "vgmpd")["vgmpd"]
    s.check(status == -signal.SIGKILL, "fw2: vgmpd killed by kill -9")
    faults.kill_daemon(lab, "fw2", "all")
    s.check(all(boxes.daemon_pid(lab, "fw2", n) is None for n in boxes.DAEMONS),
            "fw2: all daemons gone after kill -9 of all")
    boxes.start_daemons(lab, "fw2")
    check_running(lab, s, "fw2")
    hrp_state(lab, s, "fw2")

    before = {n: boxes.daemon_pid(lab, "fw1", n) for n in boxes.DAEMONS}
    faults.box_fail(lab, "fw1")
    states = {netns.run(["ps", "-o", "stat=", "-p", str(p)], check=False).stdout.strip()[:1]
              for p in netns.ns_pids(lab.ns("fw1"))}
    s.check(states == {"T"}, "fw1 failed: every process stopped (states %s)" % sorted(states))
    faults.box_recover(lab, "fw1", cold=True)
    after = {n: boxes.daemon_pid(lab, "fw1", n) for n in boxes.DAEMONS}
    s.check(all(after[n] and after[n] != before[n] for n in boxes.DAEMONS),
            "fw1 cold restart: new daemons %s" % sorted(after.values()))
    hrp_state(lab, s, "fw1")

    faults.box_fail(lab, "fw2")
    faults.box_recover(lab, "fw2")
    hrp_state(lab, s, "fw2")
    for box in boxes.boxes(lab):
        state = hrp_state(lab, s, box)
        s.note(box, "role %s, priority %s" % (state.get("role"), state.get("running_priority")))
    s.summary = "3 daemons per box, hrpctl answers on fw1 and fw2 (%s)" % ", ".join(
        "%s %s" % kv for kv in s.notes[-2:])


scenario.main(body, topology="ref", daemons=True)
