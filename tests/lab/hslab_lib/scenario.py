"""The harness of a check-lab scenario (tests/lab/scenarios/sNN_*.py):

    from hslab_lib import scenario
    def body(lab, s):
        s.check(cond, "what should hold")
        s.note("gap_ms", 301.2)            # printed; the last two make the summary line
        s.summary = "..."                  # or set it
    scenario.main(body, topology="ref", manual_active="fw1", daemons=True)

Exit status: 0 passed, 1 failed (an assertion or an error), 128+N interrupted by signal N.
Options every scenario takes: --prefix P (run-scenarios gives one), --builddir DIR,
--keep-workdir (keep $LAB_DIR even on success; it is always kept on failure)."""

import argparse
import sys
import time
import traceback

from . import boxes, lab as labmod, netns, signals, topo as topomod

# The reference topology's addresses (tests/clab/ref.clab.yml).
REF = {
    "vip": "192.0.2.1",
    "client": "192.0.2.100",
    "fw1_lan": "192.0.2.2",
    "fw2_lan": "192.0.2.3",
    "server": "203.0.113.130",
    "hb1": ("203.0.113.1", "203.0.113.2"),
    "hb2": ("203.0.113.5", "203.0.113.6"),
}


class Failed(Exception):
    pass


class Session:
    def __init__(self, name):
        self.name = name
        self.notes = []
        self.summary = None  # the scenario's one-line result; default: its last notes

    def check(self, cond, what):
        if not cond:
            raise Failed(what)
        print("  ok: %s" % what, flush=True)

    def note(self, key, value):
        self.notes.append((key, value))
        print("  %s: %s" % (key, value), flush=True)

    def wait_until(self, what, fn, timeout=30, interval=0.1):
        """Polls fn until it returns a true value (returned), bounded by timeout."""
        deadline = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() > deadline:
                raise Failed("%s: not within %ss" % (what, timeout))
            time.sleep(interval)


def args(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix")
    ap.add_argument("--builddir")
    ap.add_argument("--keep-workdir", action="store_true")
    return ap.parse_args(argv)


def main(body, topology="ref", manual_active=None, daemons=False, needs_lab=True):
    a = args()
    name = sys.argv[0].rsplit("/", 1)[-1].rsplit(".", 1)[0]
    s = Session(name)
    s.prefix = a.prefix or netns.new_prefix()
    signals.install()
    paths = labmod.Paths(a.builddir)
    lab = None
    try:
        if not needs_lab:
            body(paths, s)
        else:
            topo = topomod.load(paths.topology(topology))
            lab = labmod.Lab(topo, paths, prefix=s.prefix, keep_workdir=a.keep_workdir)
            with lab:
                if manual_active:
                    boxes.manual_active(lab, manual_active)
                if daemons:
                    for box in boxes.boxes(lab):
                        boxes.start_daemons(lab, box)
                body(lab, s)
    except signals.Interrupted as e:
        print("INTERRUPTED: %s" % e, flush=True)
        sys.exit(128 + e.signum)
    except Failed as e:
        _failed(s, lab, "FAIL: %s" % e)
    except Exception:  # an error is a failure too, with its traceback in the log
        traceback.print_exc()
        _failed(s, lab, "FAIL: error: %s" % sys.exc_info()[1])
    summary = s.summary or ", ".join("%s %s" % kv for kv in s.notes[-2:])
    print("summary: %s" % (summary or "ok"), flush=True)
    sys.exit(0)


def _failed(s, lab, line):
    print(line, flush=True)
    if lab is not None:
        print("  logs kept in %s" % lab.workdir, flush=True)
    print("summary: %s" % line, flush=True)
    sys.exit(1)
