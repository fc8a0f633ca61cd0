"""Diagnostics of the mirror session's flows (s43), printed, never asserted: where a slow or
failed connect's SYN died.

One CI run of s43 had 4 of 200 flows whose first three SYNs went unanswered with both boxes
healthy: their ports had an old SYN_RECV entry on fw1 only, conntrack passed the SYN as part of
it (no new entry, so no hold and no mirror record), and fw2 dropped the SYN-ACK as invalid
(doc/session-sync.md, "Mirror session"). These print, per part of a scenario, how many new flows
reused a port that had an old entry (on both boxes, or on one only with its state), and for
each flow that needed a SYN retransmission (connect above SLOW_MS) or never connected: its
port, its old and current entries on both boxes, and what moved in both kernels' conntrack
statistics, NFQUEUE lines and hrpd's mirror counters.

    before = snapshot(lab)              # before the flows start
    ...flows...
    reuse(before, result, "mirror on")
    slow(lab, before, result, "mirror on")"""

import os

from hslab_lib.pair import mirror

BOXES = ("fw1", "fw2")
SLOW_MS = int(os.environ.get("HS_S43_SLOW_MS", "900"))


def ct_stats(lab, box):
    """The kernel's conntrack statistics of box, summed over the CPUs."""
    tot = {}
    for line in lab.run(box, ["conntrack", "-S"], check=False).stdout.splitlines():
        for kv in line.split()[1:]:
            k, _, v = kv.partition("=")
            if v.isdigit():
                tot[k] = tot.get(k, 0) + int(v)
    return tot


def ct_by_port(lab, box):
    """box's TCP entries to the flows' port, by the client's port."""
    out = {}
    for line in lab.run(box, ["conntrack", "-L", "-p", "tcp", "--dport", "9001"],
                        check=False).stdout.splitlines():
        for w in line.split():
            if w.startswith("sport="):
                out.setdefault(w[6:], []).append(line.strip())
                break
    return out


def nfqueue(lab, box):
    """The kernel's NFQUEUE lines of box: queue, peer portid, waiting, copy mode and range,
    dropped (queue full), dropped (hrpd's socket full), last id."""
    with_ns = lab.run(box, ["cat", "/proc/net/netfilter/nfnetlink_queue"], check=False)
    return " | ".join(x.strip() for x in with_ns.stdout.splitlines()) or "none"


def snapshot(lab):
    return {b: {"ct": ct_by_port(lab, b), "stats": ct_stats(lab, b), "mirror": mirror(lab, b),
                "queue": nfqueue(lab, b)} for b in BOXES}


def ct_state(lines):
    """The TCP state of a port's first entry (conntrack -L: proto, number, timeout, state),
    with [UNREPLIED] when the entry has seen no reply."""
    if not lines:
        return None
    w = lines[0].split()
    return (w[3] if len(w) > 3 else "?") + ("-unreplied" if "[UNREPLIED]" in lines[0] else "")


def reuse(before, r, what):
    """The new flows whose port had an entry before they started, on both boxes or on one only
    (with its state): a SYN that meets an old entry with a reply seen is no new flow to
    conntrack, so it is neither held nor mirrored, and the peer drops the SYN-ACK if it has no
    entry of its own."""
    both, one = 0, {}
    for f in r.get("per_flow", []):
        port = str(f.get("local_port"))
        st = {b: ct_state(before[b]["ct"].get(port)) for b in BOXES}
        if st["fw1"] and st["fw2"]:
            both += 1
        for b, o in (("fw1", "fw2"), ("fw2", "fw1")):
            if st[b] and not st[o]:
                k = "%s only %s%s" % (b, st[b], "" if f.get("connect_ms", -1) >= 0 and
                                     f.get("connect_ms") <= SLOW_MS else " (slow)")
                one[k] = one.get(k, 0) + 1
    ports = [f.get("local_port", 0) for f in r.get("per_flow", [])]
    print("  diag %s: client ports %s-%s, old entries fw1 %d, fw2 %d; ports reused with an old "
          "entry on both boxes: %d; on one box: %s" % (
              what, min(ports, default=None), max(ports, default=None),
              len(before["fw1"]["ct"]), len(before["fw2"]["ct"]), both, one or "none"),
          flush=True)


def slow(lab, before, r, what, mirror_now=None):
    """mirror_now: the mirror counters taken before a box failed (a frozen hrpd answers
    nothing)."""
    slow = [f for f in r.get("per_flow", [])
            if f.get("connect_ms", -1) < 0 or f.get("connect_ms", 0) > SLOW_MS]
    if not slow:
        return
    print("  diag %s: %d flows connected late or not at all (ports %s)" % (
        what, len(slow), ", ".join("%s:%s" % (f.get("local_port"), f.get("connect_ms"))
                                   for f in slow[:20])), flush=True)
    for b in BOXES:
        now = ct_stats(lab, b)
        print("  diag %s %s conntrack -S moved: %s" % (what, b, {
            k: v - before[b]["stats"].get(k, 0) for k, v in now.items()
            if v != before[b]["stats"].get(k, 0)}), flush=True)
        m = (mirror_now or {}).get(b) or mirror(lab, b)
        print("  diag %s %s nfqueue before: %s; now: %s" % (
            what, b, before[b]["queue"], nfqueue(lab, b)), flush=True)
        print("  diag %s %s mirror moved: %s" % (what, b, {
            k: v - before[b]["mirror"].get(k, 0) for k, v in m.items()
            if isinstance(v, int) and not isinstance(v, bool) and
            v != before[b]["mirror"].get(k, 0)}), flush=True)
    for f in slow[:5]:
        port = str(f.get("local_port"))
        for b in BOXES:
            old = before[b]["ct"].get(port) or ["none"]
            cur = lab.run(b, ["conntrack", "-L", "-p", "tcp", "--sport", port],
                          check=False).stdout.strip().splitlines() or ["none"]
            print("  diag %s port %s on %s: before %s; now %s" % (
                what, port, b, " | ".join(old), " | ".join(cur)), flush=True)
