"""What the pair upgrade's scenarios (s56_issu.py, s59_issu_cold.py) and benchmark
(bench/issu_stages.py) share (doc/issu.md): the second build of the tree with a test version,
hrpctl's `issu ...` and `display issu state`, and which binaries a box's daemons run.

    top, made = build_next(paths.top_src, "minor")      # a new temporary dir, or out= to reuse
    issu(lab, "fw1", "load", top)
    st = stage_reached(lab, "fw1", "loaded")            # the state, or None while not there"""

import os
import subprocess
import tempfile
import time

from . import boxes, netns, probes

DAEMONS = ("vrrpd", "vgmpd", "hrpd")
# The message type each test version holds back against a normal build (doc/issu.md); the
# incompatible one never sends it (another major: the verdict is incompatible, the mode cold);
# incompatible-data holds the switchover request back too, and never sends data; none is a
# second build of the same registry (fully compatible, nothing held back).
HELD = {"none": None, "minor": "probe", "tlv": "hello",
        "incompatible": "vgmp-switchover-request", "old-data": "data",
        "incompatible-data": "data"}
BUILD_TIMEOUT_S = 600


def _configured_for(out, variant):
    """out holds a build configured with --with-test-version=variant."""
    try:
        with open(os.path.join(out, "config.status"), errors="replace") as f:
            return "--with-test-version=%s" % variant in f.read()
    except OSError:
        return False


def build_next(top_src, variant, out=None):
    """The second build: the daemons made with --with-test-version=variant in out (configured
    once, then `make` only brings it up to date), or in a new temporary directory when out is
    None (the caller removes it). Returns (dir, seconds taken)."""
    if variant not in HELD:
        raise ValueError("unknown test version %r (known: %s)" % (variant, ", ".join(HELD)))
    if out is None:
        out = tempfile.mkdtemp(prefix="hs-issu-next-")
    os.makedirs(out, exist_ok=True)
    t0 = time.monotonic()
    log = os.path.join(out, "build.log")
    steps = [] if _configured_for(out, variant) else [
        [os.path.join(top_src, "configure"), "--with-test-version=%s" % variant]]
    steps += [["make", "-j2", "-C", "lib"]] + [["make", "-j2", "-C", d] for d in DAEMONS]
    with open(log, "a") as f:
        for argv in steps:
            r = subprocess.run(argv, cwd=out, stdout=f, stderr=subprocess.STDOUT,
                               timeout=BUILD_TIMEOUT_S)
            if r.returncode != 0:
                raise RuntimeError("building the test version failed: %s (see %s)" % (
                    " ".join(argv), log))
    return out, time.monotonic() - t0


def state(lab, box):
    """box's `display issu state --json` ({} while its hrpd does not answer: a restart)."""
    try:
        st = boxes.hrpctl(lab, box, "display", "issu", "state", check=False)
    except RuntimeError:
        return {}
    return st if isinstance(st, dict) and "stage" in st else {}


def issu(lab, box, *words):
    return boxes.hrpctl(lab, box, "issu", *words, timeout=30)


def stage_reached(lab, box, stage):
    """box's issu state once it is at stage with no step under way, else None."""
    st = state(lab, box)
    return st if st.get("stage") == stage and not st.get("busy") else None


def await_stage(lab, s, box, stage, timeout=90):
    """Waits (scenario s) until box's issu state is at stage with no step under way; the state."""
    return s.wait_until("%s's upgrade reaches %s" % (box, stage),
                        lambda: stage_reached(lab, box, stage), timeout=timeout, interval=0.3)


def scenario_build(paths, s, variant):
    """A scenario's second build: $HS_BUILDDIR_NEXT, or built here into a temporary directory
    (removed by the caller). Returns (dir, made_here)."""
    given = os.environ.get("HS_BUILDDIR_NEXT")
    if given:
        return os.path.abspath(given), False
    out, took = build_next(paths.top_src, variant)
    s.note("next build", "%s in %.0f s" % (out, took))
    return out, True


def bins(st):
    """{"first": "new new new", "second": ...} from an issu state."""
    return {b: " ".join((st["boxes"][b]["daemons"][d]) for d in DAEMONS)
            for b in ("first", "second")}


def exes(lab, box):
    """The binaries box's daemons run, by their /proc/PID/exe (any process of the namespace)."""
    found = {}
    for pid in netns.ns_pids(lab.ns(box)):
        try:
            exe = os.readlink("/proc/%d/exe" % pid)
        except OSError:
            continue
        name = os.path.basename(exe)
        if name in DAEMONS:
            found[name] = exe
    return found


def in_dir(found, top):
    """Every daemon in found (from exes()) runs a binary under top."""
    return all(found.get(d, "").startswith(os.path.realpath(top) + "/") for d in DAEMONS)


def log_lines(lab, box, daemon, text):
    """The lines of box's daemon log that hold text."""
    with open(os.path.join(lab.node_dir(box), "log", daemon + ".log"), errors="replace") as f:
        return [line.strip() for line in f if text in line]


def traffic_end(s, udp, tcp, flows, probe_note="probe", what="every TCP flow alive"):
    """Stops the probe and the flows 2 s after the last step, notes both and checks that every
    flow lived. Returns (probe result, flows result)."""
    time.sleep(2.0)
    u, t = udp.stop(), tcp.stop()
    s.note(probe_note, "%d lost: %s" % (probes.udp_lost(u), probes.udp_detail(u)))
    s.note("tcp", "%d/%d flows alive, longest stall %s ms" % (
        t.get("alive", 0), t.get("flows", flows), t.get("max_stall_ms")))
    s.check(t.get("alive") == t.get("flows") == flows,
            "%s (%d/%d)" % (what, t.get("alive", 0), flows))
    return u, t
