#!/usr/bin/python3
"""Teardown leaves nothing behind, also when a lab is killed midway:
  A. the first scenario (s04_daemons: both boxes running their daemons) is sent SIGTERM midway,
     as soon as fw1's daemons run,
  B. `hslab run ref --daemons -- sleep 300` is sent SIGINT in the middle of its build (while the
     first box's FRR starts),
and each time no namespace or link of the prefix, no process of the lab and no work dir is left.
  C. SIGKILL cannot be trapped: after `hslab run` is SIGKILLed once up, the lab is left behind
     (checked), and the next run with the same prefix removes those leftovers first and leaves
     nothing itself. (run-scenarios also removes the leftovers of any scenario it had to kill.)"""

import os
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
LAB = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, LAB)

from hslab_lib import boxes, netns, scenario  # noqa: E402


def body(paths, s):
    prefix = s.prefix
    workdir = "/tmp/hslab.%s" % prefix
    built = all(os.access(paths.daemon(d), os.X_OK) for d in boxes.DAEMONS)
    s.check(built, "the daemons are built (%s)" % paths.top_build)
    logs = os.path.join(workdir + ".logs")
    os.makedirs(logs, exist_ok=True)
    env = dict(os.environ, HS_BUILDDIR=paths.top_build)

    def start(tag, *cmd):
        argv = [os.path.join(LAB, "hslab"), "run", "ref", "--prefix", prefix, "--daemons", "--"]
        with open(os.path.join(logs, tag + ".log"), "w") as out:
            return subprocess.Popen(argv + list(cmd or ("sleep", "300")), stdout=out,
                                    stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def lab_pids():
        return [p for ns in netns.namespaces() if ns.startswith(prefix + "-")
                for p in netns.ns_pids(ns)]

    def nothing_left(tag, pids):
        left = netns.leftovers(prefix)
        s.check(not left, "%s: no namespace or link of %s left (%s)" % (tag, prefix,
                                                                      " ".join(left) or "none"))
        alive = [p for p in pids if netns.alive(p)]
        s.check(not alive, "%s: none of the lab's %d processes left" % (tag, len(pids)))
        s.check(not os.path.exists(workdir), "%s: work dir %s removed" % (tag, workdir))

    # A: SIGTERM to the first scenario midway
    with open(os.path.join(logs, "scenario.log"), "w") as out:
        p = subprocess.Popen(["/usr/bin/python3", os.path.join(LAB, "scenarios",
                                                               "s04_daemons.py"),
                              "--prefix", prefix, "--builddir", paths.top_build], stdout=out,
                             stderr=subprocess.STDOUT, env=env, start_new_session=True)
    s.wait_until("A: fw1's daemons running", lambda: os.path.exists(
        os.path.join(workdir, "fw1", "pids", "hrpd.pid")) or p.poll() is not None,
        timeout=120, interval=0.005)
    pids = lab_pids()
    s.check(p.poll() is None and len(pids) >= 5,
            "A: s04_daemons is midway, %d processes in its lab" % len(pids))
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    rc = p.wait(timeout=60)
    s.check(rc == 128 + signal.SIGTERM, "A: the scenario ended by SIGTERM (exit %d)" % rc)
    s.note("A: SIGTERM to clean", "%.1f s" % (time.monotonic() - t0))
    nothing_left("A (SIGTERM)", pids)

    # B: SIGINT in the middle of the build
    p = start("sigint")
    s.wait_until("B: fw1's FRR starting", lambda: os.path.exists(
        os.path.join(workdir, "fw1", "frr")) or p.poll() is not None, timeout=120, interval=0.005)
    pids = lab_pids()
    p.send_signal(signal.SIGINT)
    rc = p.wait(timeout=60)
    s.check(rc != 0, "B: hslab run interrupted while building (exit %d)" % rc)
    nothing_left("B (SIGINT)", pids)

    # C: SIGKILL leaves the lab; the next run of the prefix removes it first
    p = start("sigkill")
    s.wait_until("C: lab up", lambda: os.path.exists(os.path.join(workdir, "ready"))
                 or p.poll() is not None, timeout=120)
    children = [int(x) for x in open("/proc/%d/task/%d/children" % (p.pid, p.pid)).read().split()]
    pids = lab_pids()
    p.kill()
    p.wait(timeout=10)
    for child in children:  # the orphaned `sleep 300` on the host, by its PID
        os.kill(child, signal.SIGTERM)
    s.check(netns.leftovers(prefix), "C: after SIGKILL the lab is still there (%d namespaces)"
            % len(netns.leftovers(prefix)))
    p = start("after-sigkill", "true")
    rc = p.wait(timeout=120)
    with open(os.path.join(logs, "after-sigkill.log")) as f:
        out = f.read()
    s.check(rc == 0 and "leftovers of prefix %s" % prefix in out,
            "C: the next run removed the leftovers first")
    nothing_left("C (SIGKILL, next run)", pids)
    shutil.rmtree(logs, ignore_errors=True)  # kept when a check fails
    s.summary = "s04 SIGTERMed midway, hslab run SIGINTed while building, SIGKILL + next " \
        "run: nothing left"


scenario.main(body, needs_lab=False)
