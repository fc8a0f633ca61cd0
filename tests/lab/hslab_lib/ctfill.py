"""hs-ct-fill (tests/lab/probe/ct_fill.c) in a box, for the session scenarios: its pattern of
entries from BASE_PORT up, its JSON answer parsed."""

import json

BASE_PORT = 5000  # from here no port of the pattern is one hrpd's policy keeps off the sync


def ct_fill(lab, node, *args):
    """hs-ct-fill ARGS... in node (--base-port BASE_PORT); its last JSON line."""
    p = lab.run(node, [lab.paths.probe("hs-ct-fill"), "--base-port", str(BASE_PORT)] +
                [str(a) for a in args], timeout=120, check=False)
    if p.returncode != 0:
        raise RuntimeError("hs-ct-fill %s on %s: %s" % (" ".join(map(str, args)), node,
                                                          (p.stderr or p.stdout)[-300:]))
    return json.loads(p.stdout.strip().splitlines()[-1])


def ours(lab, node, seed, n):
    """Entries of the pattern with index in [seed, seed + n) in the node's table."""
    return ct_fill(lab, node, "--count", "--seed", seed, "--n", n)["ours"]
