#!/usr/bin/python3
"""The pairing consistency check in the reference lab (doc/config-sync.md, "Pairing
consistency"), all daemons running, fw1 active:
  - at pairing the boxes compare their facts: no differences (the same groups, timers,
    sysctls and versions);
  - a conntrack timeout changed in fw2's namespace only shows on both boxes within a few
    seconds, with both values, as a warning, logged once (not at every poll), and in display hrp
    state and display hrp config consistency; put back, it goes;
  - nf_conntrack_max: where a namespace may set it, a change shows on both boxes too (this
    kernel's namespaces cannot: the note says which);
  - a VRRP group's advert interval changed in fw2's config file is no difference while only
    hrpd is reloaded (hrpd compares the groups vrrpd runs, asked on its control socket), and an
    error once vrrpd is reloaded too;
  - a hello interval changed on the config master (and synced to the standby) shows no pairing
    error meanwhile, and none is logged;
  - settings drift (a SYNCED setting changed on the standby behind hrpctl's back) is logged
    once, and once more when hrp sync config repairs it."""

import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, pair, scenario  # noqa: E402
from hslab_lib.pair import BOXES, settled  # noqa: E402

TIMEOUT = "net.netfilter.nf_conntrack_tcp_timeout_established"
ADVERT = "vrrp ipv4 vrid 1 advert interval"


def facts(lab, box):
    """The pair part of display hrp config consistency ({} while hrpd does not answer)."""
    return pair.ctl_or_empty(lab, box, "hrpd", "config-consistency").get("pair") or {}


def differences(lab, box):
    f = facts(lab, box)
    return {d["what"]: d for d in f.get("differences") or []} if f.get("compared") else None


def clean(lab):
    return all(facts(lab, b).get("compared") and facts(lab, b).get("count") == 0 for b in BOXES)


def sysctl(lab, box, name, value=None, check=True):
    if value is None:
        return lab.sh(box, "sysctl -n %s" % name).stdout.strip()
    return lab.sh(box, "sysctl -qw %s=%s" % (name, value), check=check)


def log_lines(lab, box, needle):
    with open(os.path.join(lab.node_dir(box), "log", "hrpd.log"), errors="replace") as f:
        return [ln for ln in f if needle in ln]


def set_advert(lab, box, cs):
    path = boxes.config(lab, box)
    with open(path) as f:
        text = f.read()
    text, n = re.subn(r"advert_interval = \d+;", "advert_interval = %d;" % cs, text, count=1)
    with open(path, "w") as f:
        f.write(text)
    return n == 1


def both_show(lab, what, here_fw1, here_fw2):
    d1, d2 = differences(lab, "fw1"), differences(lab, "fw2")
    if not d1 or not d2 or what not in d1 or what not in d2:
        return None
    a, b = d1[what], d2[what]
    return (a["here"], a["peer"], b["here"], b["peer"]) == (here_fw1, here_fw2, here_fw2,
                                                               here_fw1) and (a, b)


def timeout_part(lab, s):
    orig = sysctl(lab, "fw2", TIMEOUT)
    s.check(orig == sysctl(lab, "fw1", TIMEOUT), "both boxes start with %s = %s" % (TIMEOUT, orig))
    sysctl(lab, "fw2", TIMEOUT, 600)
    t0 = time.monotonic()
    a, b = s.wait_until("the timeout difference shows on both boxes with both values",
                        lambda: both_show(lab, TIMEOUT, orig, "600"), 15)
    s.note("sysctl difference shown", "%.1f s" % (time.monotonic() - t0))
    s.check(a["severity"] == b["severity"] == "warning", "a timeout difference is a warning")
    state = boxes.hrpctl(lab, "fw1", "display", "hrp", "state", as_json=False)
    s.check("Pair consistency: 1 difference (0 errors)" in state,
            "display hrp state on fw1 has the one-line summary")
    text = boxes.hrpctl(lab, "fw2", "display", "hrp", "config", "consistency", as_json=False)
    line = [ln.split() for ln in text.splitlines() if TIMEOUT in ln]
    s.check(line and line[0][1:] == ["600", orig, "warning"],
            "display hrp config consistency on fw2 shows it: %s" % line)
    time.sleep(3)  # three more polls: nothing more is logged
    for box in BOXES:
        n = len(log_lines(lab, box, TIMEOUT + ": here"))
        s.check(n == 1, "%s logged the difference once (%d)" % (box, n))
    sysctl(lab, "fw2", TIMEOUT, orig)
    s.wait_until("the difference is gone on both boxes when put back", lambda: clean(lab), 15)
    for box in BOXES:
        s.check(log_lines(lab, box, "no differences with %s any more" % pair.other(box)),
                "%s logged that the differences are gone" % box)


def advert_part(lab, s):
    s.check(set_advert(lab, "fw2", 20), "fw2's config file: advert_interval 20")
    # hrpd compares the groups vrrpd runs, not the file: reloaded alone, it sees no change
    pair.ctl(lab, "fw2", "hrpd", "reload")
    s.check(facts(lab, "fw2").get("vrrp_source") == "vrrpd",
            "fw2 compares vrrpd's running groups (%s)" % facts(lab, "fw2").get("vrrp_source"))
    time.sleep(2.5)  # two polls of fw2's facts
    s.check(ADVERT not in (differences(lab, "fw1") or {}) and
            ADVERT not in (differences(lab, "fw2") or {}),
            "the file's new interval, not yet run by vrrpd, is no difference")
    pair.ctl(lab, "fw2", "vrrpd", "reload")
    a, b = s.wait_until("the advert interval difference shows on both boxes",
                        lambda: both_show(lab, ADVERT, "10 cs", "20 cs"), 15)
    s.check(a["severity"] == b["severity"] == "error", "an advert interval difference is an error")
    s.check(facts(lab, "fw1").get("errors") == 1, "fw1 counts one error")
    set_advert(lab, "fw2", 10)
    for d in ("vrrpd", "hrpd"):
        pair.ctl(lab, "fw2", d, "reload")
    s.wait_until("no differences after the reload back", lambda: clean(lab), 15)


def hello_part(lab, s):
    """A hello interval changed on the config master is synced to the standby within about a
    second: no pairing error shows meanwhile (it is held back for the grace time)."""
    orig = pair.ctl(lab, "fw1", "hrpd", "config-show")["settings"]["hrpd"]["hello_interval"]
    new = orig * 2
    seen = []

    def check_once():
        for box in BOXES:
            d = differences(lab, box) or {}
            if "hrpd.hello_interval" in d:
                seen.append((box, d["hrpd.hello_interval"]))
        return False

    for value in (new, orig):
        pair.ctl(lab, "fw1", "hrpd", "config-set",
                 {"changes": [{"path": "hrpd.hello_interval", "value": value}]})
        t0 = time.monotonic()
        s.wait_until("fw2 runs hello interval %d ms" % value,
                     lambda: check_once() or pair.ctl_or_empty(lab, "fw2", "hrpd", "config-show")
                     .get("settings", {}).get("hrpd", {}).get("hello_interval") == value, 15,
                     interval=0.1)
        s.note("hello %d synced" % value, "%.1f s" % (time.monotonic() - t0))
        end = time.monotonic() + 2
        while time.monotonic() < end:  # bounded: two more facts polls
            check_once()
            time.sleep(0.1)
    s.check(not seen, "no hello interval difference shown while it was synced (%s)" % seen[:2])
    for box in BOXES:
        s.check(not log_lines(lab, box, "hrpd.hello_interval: here"),
                "%s logged no hello interval difference" % box)


def settings_drift_part(lab, s):
    needle = "the synced settings differ from"
    before = {b: len(log_lines(lab, b, needle)) for b in BOXES}
    pair.ctl(lab, "fw2", "vgmpd", "config-set",
             {"changes": [{"path": "vgmpd.preempt_delay", "value": 9}]})
    s.wait_until("settings drift is logged on fw1",
                 lambda: len(log_lines(lab, "fw1", needle)) > before["fw1"], 10)
    time.sleep(2)  # eight more polls
    for box in BOXES:
        n = len(log_lines(lab, box, needle)) - before[box]
        s.check(n == 1, "%s logged the settings drift once (%d)" % (box, n))
    boxes.hrpctl(lab, "fw1", "hrp", "sync", "config", as_json=False)
    s.wait_until("hrp sync config repairs it and fw1 logs the settings equal again",
                 lambda: log_lines(lab, "fw1", "the synced settings equal"), 10)


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    t0 = time.monotonic()
    s.wait_until("both boxes compared their facts: no differences", lambda: clean(lab), 15)
    s.note("compared after settled", "%.1f s" % (time.monotonic() - t0))
    f = pair.ctl(lab, "fw1", "hrpd", "config-consistency")["pair"]
    s.check(f.get("peer_software"), "fw1 has fw2's facts (software %s)" % f.get("peer_software"))

    # nf_conntrack_max: read-only in a non-init namespace on most kernels; where fw2 can set
    # it, a change must show like the timeout's
    key = "net.netfilter.nf_conntrack_max"
    cmax = sysctl(lab, "fw2", key)
    w = sysctl(lab, "fw2", key, int(cmax) + 1, check=False)
    writable = w.returncode == 0 and sysctl(lab, "fw2", key) != cmax
    s.note("nf_conntrack_max in fw2", "%s (%s)" % (cmax, "writable" if writable else "read-only"))
    if writable:
        s.wait_until("the nf_conntrack_max difference shows on both boxes",
                     lambda: both_show(lab, key, cmax, str(int(cmax) + 1)), 15)
        sysctl(lab, "fw2", key, cmax)
        s.wait_until("put back, no differences", lambda: clean(lab), 15)

    timeout_part(lab, s)
    advert_part(lab, s)
    hello_part(lab, s)
    settings_drift_part(lab, s)
    for box in BOXES:
        st = pair.ctl(lab, box, "hrpd", "hrp-statistics")["config"]["pair"]
        s.check(st["sent"] >= 1 and st["received"] >= 1 and not any(st["rx_errors"].values()),
                "%s: facts sent %d, received %d, no bad records" % (box, st["sent"],
                                                                    st["received"]))
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=True)
