#!/usr/bin/python3
"""Config sync of the firewall policy in the reference lab (doc/config-sync.md), all daemons
running, hrpd.config_sync_tables = ["inet hslab_fw"] on both boxes (set by reload):
  - the boxes' digests are equal at the start (the same ruleset), display hrp state verbose
    says "config equal: yes";
  - a rule added with nft on the active (fw1) appears on the standby within a second;
  - through hrpctl (firewall nft "..."): a rule added on the active reaches the standby; one
    added on the standby is refused with the HRP standby message and changes nothing;
  - a rule added on the standby with plain nft is drift: "config equal: no", display hrp config
    consistency names the table and the line; hrp sync config on the active repairs it;
  - a ruleset the standby cannot load (a rule on an interface only fw1 has) is refused as a
    whole: the standby's ruleset is unchanged, the failure is counted on both boxes;
  - a synced rule that drops fw1's HRP traffic on fw2 is reverted there by commit-confirmed and
    the pair stays whole: fw1 active, fw2 standby, the peer up on both;
  - the same rule once more, after fw2 took the set without it: the once-refused set goes out
    by itself (a rollback is any change) and is reverted again;
  - after a switchover the new active's ruleset equals the old one's, and the new active is
    the config master: it sends no full set for the role change alone, and its change reaches
    the other box."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, pair, scenario  # noqa: E402
from hslab_lib.pair import BOXES, roles, settled  # noqa: E402

TABLE = ["inet", "hslab_fw"]
CONFIRM_MS = 3000
HB_FW1 = "203.0.113.1, 203.0.113.5"  # fw1's ends of the heartbeat links


def ruleset(lab, box):
    return lab.run(box, ["nft", "-s", "list", "table"] + TABLE).stdout


def has(lab, box, tag):
    return ('comment "%s"' % tag) in ruleset(lab, box)


def nft(lab, box, *words):
    lab.run(box, ["nft"] + list(words))


def add_rule(lab, box, tag, match="ip saddr 192.0.2.250 drop"):
    nft(lab, box, "insert rule inet hslab_fw input %s comment \"%s\"" % (match, tag))


def del_rule(lab, box, tag):
    """Deletes the rule with comment tag by its handle."""
    out = lab.run(box, ["nft", "-a", "list", "chain"] + TABLE + ["input"]).stdout
    for line in out.splitlines():
        if ('comment "%s"' % tag) in line and "# handle " in line:
            nft(lab, box, "delete rule inet hslab_fw input handle %s" % line.split()[-1])


def firewall_nft(lab, box, text):
    """hrpctl firewall nft TEXT on box: (exit status, stdout + stderr)."""
    argv = [lab.paths.daemon("hrpctl"), "--rundir", boxes.rundir(lab, box), "firewall", "nft",
            text]
    p = lab.run(box, argv, check=False)
    return p.returncode, p.stdout + p.stderr


def hrp_stats(lab, box):
    return pair.ctl_or_empty(lab, box, "hrpd", "hrp-statistics")


def mismatch(lab):
    return all(pair.config_status(lab, b).get("equal") is False for b in BOXES)


def verbose_says(lab, box):
    out = boxes.hrpctl(lab, box, "display", "hrp", "state", "verbose", as_json=False,
                       check=False)
    for line in out.splitlines():
        if "config equal:" in line:
            return line.split("config equal:", 1)[1].strip()
    return None


def peer_up(lab, box):
    st = pair.ctl_or_empty(lab, box, "hrpd", "status").get("hrp", {})
    return st.get("peer", {}).get("state") == "up"


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    for box in BOXES:
        boxes.set_setting(lab, box, "hrpd", "config_sync_tables", '[ "inet hslab_fw" ]')
        boxes.set_setting(lab, box, "hrpd", "config_confirm_ms", str(CONFIRM_MS))
        pair.ctl(lab, box, "hrpd", "reload")
    s.wait_until("config sync on, the digests equal", lambda: pair.config_equal(lab), 15)
    s.check(pair.config_status(lab, "fw1").get("role") == "master" and
            pair.config_status(lab, "fw2").get("role") == "standby",
            "fw1 is the config master, fw2 the config standby")
    s.check(verbose_says(lab, "fw2") == "yes", "display hrp state verbose: config equal: yes")
    change_reaches_standby(lab, s)
    through_hrpctl(lab, s)
    drift_repaired(lab, s)
    refused_whole(lab, s)
    cut_reverted(lab, s)
    refused_set_again(lab, s)
    after_switchover(lab, s)
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


def change_reaches_standby(lab, s):
    """A change on the active reaches the standby within a second, and is confirmed."""
    add_rule(lab, "fw1", "s44-one")
    t0 = time.monotonic()
    s.wait_until("the rule added on fw1 is on fw2", lambda: has(lab, "fw2", "s44-one"), 10,
                 interval=0.02)
    took = time.monotonic() - t0
    s.note("change to standby", "%.0f ms" % (1000 * took))
    s.check(took < 1.0, "the rule reached fw2 within a second (%.0f ms)" % (1000 * took))
    s.wait_until("the digests are equal again", lambda: pair.config_equal(lab), 10)
    s.check(ruleset(lab, "fw1") == ruleset(lab, "fw2"), "fw2's table equals fw1's")
    s.wait_until("fw2 confirms the applied tables after the window",
                 lambda: pair.config_stats(lab, "fw2").get("confirmed", 0) >= 1, CONFIRM_MS / 1000 + 10)


def through_hrpctl(lab, s):
    """The same through hrpctl: on the active it runs and syncs, the standby refuses it."""
    rc, out = firewall_nft(lab, "fw1", 'insert rule inet hslab_fw input ip saddr 192.0.2.251 '
                           'drop comment "s44-cli"')
    s.check(rc == 0, "hrpctl firewall nft on fw1 runs (%d: %s)" % (rc, out.strip()))
    s.wait_until("the rule added through hrpctl on fw1 is on fw2",
                 lambda: has(lab, "fw2", "s44-cli"), 10, interval=0.02)
    s.wait_until("the digests are equal again", lambda: pair.config_equal(lab), 10)
    before = ruleset(lab, "fw2")
    rc, out = firewall_nft(lab, "fw2", 'insert rule inet hslab_fw input ip saddr 192.0.2.252 '
                           'drop comment "s44-cli-standby"')
    s.check(rc != 0 and "HRP standby" in out,
            "hrpctl firewall nft on the standby fw2 is refused (%d: %s)" % (rc, out.strip()))
    try:  # hrpd refuses too, for a client that skips hrpctl's check
        pair.ctl(lab, "fw2", "hrpd", "config-nft", {"command": "flush table inet hslab_fw"})
        answer = "ran"
    except RuntimeError as e:
        answer = str(e)
    s.check("config standby" in answer, "fw2's hrpd refuses config-nft itself (%s)" % answer)
    s.check(ruleset(lab, "fw2") == before, "fw2's table is unchanged by the refused commands")
    s.check(pair.config_stats(lab, "fw2").get("nft_refused") == 1, "fw2 counted the refusal")


def drift_repaired(lab, s):
    """Drift on the standby, shown on both boxes, repaired by hrp sync config."""
    add_rule(lab, "fw2", "s44-drift")
    s.wait_until("drift: config equal no on both boxes", lambda: mismatch(lab), 10)
    says = verbose_says(lab, "fw1")
    s.check(says is not None and says.startswith("no"),
            "display hrp state verbose on fw1: config equal: %s" % says)
    cons = boxes.hrpctl(lab, "fw1", "display", "hrp", "config", "consistency")
    t = (cons.get("table_states") or [{}])[0]
    s.check(t.get("table") == "inet hslab_fw" and t.get("equal") is False and
            "+" in (t.get("diff") or "") and "s44-drift" in (t.get("diff") or ""),
            "display hrp config consistency on fw1 names the table and fw2's extra line")
    text = boxes.hrpctl(lab, "fw1", "display", "hrp", "config", "consistency", as_json=False)
    s.check("s44-drift" in text, "the text view shows the line")
    time.sleep(0.5)
    s.check(has(lab, "fw2", "s44-drift"), "drift is not repaired by itself")
    out = boxes.hrpctl(lab, "fw1", "hrp", "sync", "config", as_json=False)
    s.wait_until("hrp sync config on fw1 removes the drift from fw2",
                 lambda: not has(lab, "fw2", "s44-drift"), 10)
    s.wait_until("the digests are equal after the repair", lambda: pair.config_equal(lab), 10)
    s.note("sync config", out.strip())


def refused_whole(lab, s):
    """A ruleset the standby cannot load is refused as a whole."""
    failed0 = pair.config_stats(lab, "fw2").get("apply_failed", 0)
    lab.run("fw1", ["ip", "link", "add", "s44only", "type", "veth", "peer", "name", "s44peer"])
    before = ruleset(lab, "fw2")
    add_rule(lab, "fw1", "s44-bad", match='iif "s44only" accept')
    add_rule(lab, "fw1", "s44-with-bad")
    s.wait_until("fw2 counts the failed apply",
                 lambda: pair.config_stats(lab, "fw2").get("apply_failed", 0) > failed0, 10)
    s.wait_until("fw1 has fw2's answer: failed",
                 lambda: (pair.config_status(lab, "fw1").get("peer_result") or {}).get("status") ==
                 "failed", 10)
    s.check(ruleset(lab, "fw2") == before,
            "fw2's ruleset is unchanged (nothing of the failed set, not even the good rule)")
    msg = (pair.config_status(lab, "fw1").get("peer_result") or {}).get("message", "")
    s.note("refused", msg)
    s.check(pair.config_stats(lab, "fw1").get("peer_results", {}).get("failed", 0) >= 1,
            "fw1 counts the failure")
    del_rule(lab, "fw1", "s44-bad")
    lab.run("fw1", ["ip", "link", "del", "s44only"])
    s.wait_until("without the bad rule the set goes through",
                 lambda: has(lab, "fw2", "s44-with-bad") and pair.config_equal(lab), 10)


def cut_and_reverted(lab, s, what):
    """Adds on fw1 the rule that drops fw1's heartbeats on fw2, waits until fw2 reverts it and
    the pair is whole again: the peer up on both, fw1 active, fw2 standby."""
    rev0 = pair.config_stats(lab, "fw2").get("reverted", 0)
    add_rule(lab, "fw1", "s44-cut", match='iifname { "hb0", "hb1" } ip saddr { %s } drop' %
             HB_FW1)
    s.wait_until(what, lambda: pair.config_stats(lab, "fw2").get("reverted", 0) > rev0, 15)
    s.wait_until("the peer is up on both boxes", lambda: all(peer_up(lab, b) for b in BOXES),
                 10)
    s.check(roles(lab) == {"fw1": "active", "fw2": "standby"},
            "fw1 still active, fw2 still standby")


def cut_reverted(lab, s):
    """A synced rule that cuts fw1's HRP traffic on fw2: reverted, the pair stays whole."""
    down0 = {b: hrp_stats(lab, b).get("peer_down", 0) for b in BOXES}
    cut_and_reverted(lab, s, "fw2 reverts the rule that cuts the heartbeats")
    s.check(not has(lab, "fw2", "s44-cut"), "the cutting rule is gone from fw2")
    s.wait_until("fw1 has fw2's answer: reverted",
                 lambda: (pair.config_status(lab, "fw1").get("peer_result") or {}).get("status") ==
                 "reverted", 10)
    downs = {b: hrp_stats(lab, b).get("peer_down", 0) - down0[b] for b in BOXES}
    s.note("peer-down events during the cut", str(downs))
    s.wait_until("the kept cut rule shows as drift", lambda: mismatch(lab), 10)
    del_rule(lab, "fw1", "s44-cut")
    s.wait_until("without the cutting rule the boxes agree again", lambda: pair.config_equal(lab), 10)


def refused_set_again(lab, s):
    """The same cutting rule once more, after fw2 took the set without it: the set with it was
    reverted before, but that refusal is history now, so fw1 sends it by itself (held back as
    refused, it would stay on fw1 as drift) and fw2 reverts it again."""
    cut_and_reverted(lab, s, "fw2 gets the once-refused set again and reverts it again")
    del_rule(lab, "fw1", "s44-cut")
    s.wait_until("without it the boxes agree again", lambda: pair.config_equal(lab), 10)


def after_switchover(lab, s):
    """After a switchover, the new active's policy is the old one's."""
    add_rule(lab, "fw1", "s44-keep")
    s.wait_until("the rule reached fw2", lambda: has(lab, "fw2", "s44-keep") and pair.config_equal(lab), 10)
    sent = pair.config_stats(lab, "fw2").get("full_sent", 0)
    boxes.hrpctl(lab, "fw1", "hrp", "switchover", as_json=False, check=False)
    s.wait_until("fw2 active after the switchover", lambda: settled(lab, "fw2"), 15)
    s.check(ruleset(lab, "fw2") == ruleset(lab, "fw1"),
            "the new active's table equals the old active's")
    s.wait_until("fw2 is now the config master",
                 lambda: pair.config_status(lab, "fw2").get("role") == "master", 10)
    time.sleep(1.0)
    s.check(pair.config_stats(lab, "fw2").get("full_sent", 0) == sent,
            "the new master sends no full set for the role change alone")
    add_rule(lab, "fw2", "s44-from-fw2")
    s.wait_until("a change on the new active reaches fw1",
                 lambda: has(lab, "fw1", "s44-from-fw2") and pair.config_equal(lab), 10)
    boxes.hrpctl(lab, "fw1", "undo", "hrp", "switchover", as_json=False, check=False)


scenario.main(body, topology="ref", daemons=True)
