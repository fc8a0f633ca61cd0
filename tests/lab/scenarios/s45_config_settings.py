#!/usr/bin/python3
"""Config sync of hotstandby's own SYNCED settings in the reference lab (doc/config-sync.md,
"Settings"), all daemons running, fw1 active:
  - the boxes' settings digests are equal at the start (the same files);
  - `hrp preempt delay 7` on the active shows on the standby's display current-configuration
    within a second (the file says otherwise), and vgmpd there runs with it;
  - a SYNCED setting changed on the standby behind hrpctl's back (config-set to its vgmpd) shows
    in display hrp config consistency (the path, both values), text and --json, and is
    repaired by hrp sync config on the active;
  - a LOCAL setting (vgmpd.priority) is never synced: changed on the active, the standby's
    stays;
  - settings the standby could not apply (its vgmpd stopped) are not sent again by themselves,
    but once it took later ones, a return to them goes out as any change;
  - 17 of hrpd's settings changed on the standby (more than one config-set takes) are all
    repaired by hrp sync config on the active."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, pair, scenario  # noqa: E402
from hslab_lib.pair import BOXES, settled  # noqa: E402


def settings(lab, box):
    """The settings part of display hrp config consistency ({} while hrpd does not answer)."""
    return pair.ctl_or_empty(lab, box, "hrpd", "config-consistency").get("settings") or {}


def equal(lab):
    s = [settings(lab, b) for b in BOXES]
    return all(x.get("equal") is True for x in s) and s[0].get("digest") == s[1].get("digest")


def vgmpd_setting(lab, box, key):
    cur = boxes.hrpctl(lab, box, "display", "current-configuration")
    return cur["config"]["vgmpd"].get(key)


def current_text(lab, box):
    return boxes.hrpctl(lab, box, "display", "current-configuration", as_json=False)


def peer_result(lab):
    return (settings(lab, "fw1").get("peer_result") or {}).get("status")


def failed_then_returned(lab, s):
    """fw2 fails preempt delay 11 (no vgmpd to take it), takes 12, then gets 11 again."""
    boxes.stop_daemon(lab, "fw2", "vgmpd")
    boxes.hrpctl(lab, "fw1", "hrp", "preempt", "delay", "11", as_json=False)
    s.wait_until("fw2 answers that it could not apply preempt delay 11",
                 lambda: peer_result(lab) == "failed", 10)
    boxes.start_daemons(lab, "fw2", ("vgmpd",))
    s.wait_until("fw1 active, fw2 standby with fw2's vgmpd back", lambda: settled(lab, "fw1"), 30)
    time.sleep(0.5)
    s.check(vgmpd_setting(lab, "fw2", "preempt_delay") != 11,
            "the failed settings are not sent again by themselves")
    boxes.hrpctl(lab, "fw1", "hrp", "preempt", "delay", "12", as_json=False)
    s.wait_until("fw2 takes preempt delay 12",
                 lambda: vgmpd_setting(lab, "fw2", "preempt_delay") == 12, 10)
    s.wait_until("fw1 has fw2's answer: applied", lambda: peer_result(lab) == "applied", 10)
    boxes.hrpctl(lab, "fw1", "hrp", "preempt", "delay", "11", as_json=False)
    s.wait_until("back to the once-failed preempt delay 11, fw2 takes it",
                 lambda: vgmpd_setting(lab, "fw2", "preempt_delay") == 11, 10)
    s.wait_until("the settings digests are equal at the end", lambda: equal(lab), 10)


# 17 of hrpd's SYNCED settings, each away from the lab's value: none changes fw2's role
MANY = [("hello_interval", 120), ("dead_count", 6), ("mirror_session", True),
        ("mirror_hold_ms", 20), ("session_hold_timeout", 7200), ("session_check_interval", 120),
        ("session_window_tracking", True), ("session_sync_expectations", True),
        ("session_protocols", ["tcp", "udp"]), ("session_exclude", ["198.18.0.0/15"]),
        ("session_tcp_states", ["established"]), ("config_sync_tables", ["inet hs_none"]),
        ("config_confirm_ms", 20000), ("config_settle_ms", 300), ("route_sync", True),
        ("route_sync_src", True), ("route_sync_tables", ["main", "100"])]


def many_differ_repaired(lab, s):
    """17 hrpd settings changed on fw2 behind hrpctl's back (two config-sets: one takes 16) are
    all put back by hrp sync config on fw1: the standby applies them in more than one request."""
    changes = [{"path": "hrpd." + k, "value": v} for k, v in MANY]
    pair.ctl(lab, "fw2", "hrpd", "config-set", {"changes": changes[:16]})
    pair.ctl(lab, "fw2", "hrpd", "config-set", {"changes": changes[16:]})
    s.wait_until("fw1 sees 17 or more settings differ",
                 lambda: len(settings(lab, "fw1").get("differences") or []) >= 17, 10)
    boxes.hrpctl(lab, "fw1", "hrp", "sync", "config", as_json=False)
    s.wait_until("hrp sync config on fw1 puts all 17 back on fw2", lambda: equal(lab), 15)
    cur = boxes.hrpctl(lab, "fw2", "display", "current-configuration")["config"]["hrpd"]
    left = [k for k, v in MANY if cur.get(k) == v]
    s.check(not left, "fw2's hrpd runs none of the 17 changed values (%s)" % left)
    res = peer_result(lab)
    s.check(res == "applied", "fw1 has fw2's answer: %s" % res)
    s.note("17 settings repaired", "yes")


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    s.wait_until("the settings digests are equal", lambda: equal(lab), 15)
    s.check(settings(lab, "fw1").get("count", 0) >= 10,
            "fw1 reads its SYNCED settings (%s)" % settings(lab, "fw1").get("count"))
    s.check(vgmpd_setting(lab, "fw2", "preempt_delay") != 7, "fw2's preempt delay is not 7 yet")

    # 1. a change made with hrpctl on the active reaches the standby's running config
    out = boxes.hrpctl(lab, "fw1", "hrp", "preempt", "delay", "7", as_json=False)
    t0 = time.monotonic()
    s.wait_until("fw2's display current-configuration shows preempt_delay = 7",
                 lambda: "  preempt_delay = 7;" in current_text(lab, "fw2"), 10, interval=0.02)
    took = time.monotonic() - t0
    s.note("setting to standby", "%.0f ms" % (1000 * took))
    s.check(took < 1.0, "the setting reached fw2 within a second (%.0f ms; %r)" %
            (1000 * took, out.strip()))
    s.check(pair.ctl(lab, "fw2", "vgmpd", "status")["vgmp"]["preempt_delay_s"] == 7,
            "fw2's vgmpd runs with preempt delay 7 s")
    s.wait_until("the settings digests are equal again", lambda: equal(lab), 10)
    st = pair.ctl(lab, "fw2", "hrpd", "hrp-statistics")["config"]["settings"]
    s.check(st.get("applied", 0) >= 1 and st.get("changes", 0) >= 1,
            "fw2 counts the applied settings (%s)" % st)
    res = peer_result(lab)
    s.check(res == "applied", "fw1 has fw2's answer: %s" % res)

    # 2. a change on the standby behind hrpctl's back is shown, then repaired
    pair.ctl(lab, "fw2", "vgmpd", "config-set",
             {"changes": [{"path": "vgmpd.preempt_delay", "value": 9}]})
    s.wait_until("the settings differ on both boxes",
                 lambda: all(settings(lab, b).get("equal") is False for b in BOXES), 10)
    diffs = settings(lab, "fw1").get("differences") or []
    s.check({"path": "vgmpd.preempt_delay", "here": 7, "peer": 9} in diffs,
            "display hrp config consistency --json on fw1 names vgmpd.preempt_delay 7 / 9 (%s)"
            % diffs)
    text = boxes.hrpctl(lab, "fw1", "display", "hrp", "config", "consistency", as_json=False)
    line = [ln for ln in text.splitlines() if "vgmpd.preempt_delay" in ln]
    s.check(line and line[0].split()[1:] == ["7", "9"],
            "the text view shows the setting and both values (%s)" % line)
    time.sleep(0.5)
    s.check(vgmpd_setting(lab, "fw2", "preempt_delay") == 9, "not repaired by itself")
    boxes.hrpctl(lab, "fw1", "hrp", "sync", "config", as_json=False)
    s.wait_until("hrp sync config on fw1 puts 7 back on fw2",
                 lambda: vgmpd_setting(lab, "fw2", "preempt_delay") == 7, 10)
    s.wait_until("the settings digests are equal after the repair", lambda: equal(lab), 10)

    # 3. a LOCAL setting stays the box's own
    prio2 = vgmpd_setting(lab, "fw2", "priority")
    pair.ctl(lab, "fw1", "vgmpd", "config-set",
             {"changes": [{"path": "vgmpd.priority", "value": 45100},
                          {"path": "vgmpd.preempt_delay", "value": 8}]})
    s.wait_until("the SYNCED setting changed with it reaches fw2",
                 lambda: vgmpd_setting(lab, "fw2", "preempt_delay") == 8, 10)
    s.check(vgmpd_setting(lab, "fw2", "priority") == prio2 != 45100,
            "fw2's vgmpd.priority (LOCAL) stays %s" % prio2)

    # 4. settings fw2 could not apply, and a return to them after later ones
    failed_then_returned(lab, s)

    # 5. more of one daemon's settings differ than one config-set takes (16)
    many_differ_repaired(lab, s)
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=True)
