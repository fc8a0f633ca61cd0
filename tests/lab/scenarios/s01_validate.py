#!/usr/bin/python3
"""The runner's schema check: the shipped topologies pass, and every file in data/bad-*.clab.yml
is rejected with the error its first line expects (`# expect: TEXT`), also through the CLI."""

import glob
import os
import subprocess
import sys

sys.dont_write_bytecode = True
LAB = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, LAB)

from hslab_lib import scenario, topo  # noqa: E402


def body(paths, s):
    for name in ("ref", "loadshare"):
        t = topo.load(paths.topology(name))
        s.check(t.by_role("switch") and t.by_role("firewall"),
                "%s.clab.yml is valid (%d nodes, %d links)" % (name, len(t.nodes), len(t.links)))
    bad = sorted(glob.glob(os.path.join(LAB, "data", "bad-*.clab.yml")))
    s.check(len(bad) >= 5, "%d bad files to reject" % len(bad))
    for path in bad:
        with open(path) as f:
            expect = f.readline().split("# expect:", 1)[1].strip()
        try:
            topo.load(path)
            raise scenario.Failed("%s was accepted" % os.path.basename(path))
        except topo.TopoError as e:
            s.check(expect in str(e), "%s rejected: %s" % (os.path.basename(path), e))
    p = subprocess.run([os.path.join(LAB, "hslab"), "validate", bad[0]], capture_output=True,
                       text=True, timeout=30)
    s.check(p.returncode == 1 and "error: " in p.stderr,
            "hslab validate exits 1 with the error on stderr")
    s.note("rejected", "%d/%d bad files" % (len(bad), len(bad)))


scenario.main(body, needs_lab=False)
