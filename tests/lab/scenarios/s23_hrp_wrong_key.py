#!/usr/bin/python3
"""A wrong key on one side: fw1 and fw2 are configured with different keys. Every message is
dropped before anything in it is believed, so both links stay down on both boxes and the peer is
never up; the auth-failure counters grow; the log says why (the key id the message was signed
with and ours). Then fw2's key is fixed by a reload (no restart): the pair comes up."""

import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import scenario  # noqa: E402
from s20_hrp_links import (BOXES, ctl, hrp, links, log_of, set_hrpd, start_hrpd,  # noqa: E402
                           stats, wait_pair_up)

KEY = "hrp-lab-key-2f9c41d07a"
WRONG = "not-the-same-key-5e31"


def body(lab, s):
    set_hrpd(lab, "fw1", key_current=KEY)
    set_hrpd(lab, "fw2", key_current=WRONG)
    for node in BOXES:
        start_hrpd(lab, node)
    end = time.monotonic() + 2.0
    samples = 0
    while time.monotonic() < end:  # bounded: 2 s of polling, every link down every time
        for node in BOXES:
            up = [n for n, l in links(lab, node).items() if l["state"] != "down"]
            if up or hrp(lab, node)["peer"]["state"] == "up":
                s.check(False, "%s: link %s or the peer came up with a wrong key" % (node, up))
        samples += 1
        time.sleep(0.05)
    s.check(samples > 10, "every link stayed down on both boxes for 2 s (%d polls)" % samples)
    s.note("polls_all_down", samples)
    a1 = stats(lab, "fw1")["auth_failures"]
    time.sleep(0.5)
    a2 = stats(lab, "fw1")["auth_failures"]
    s.note("fw1_auth_failures", a2)
    s.check(a2 > a1 > 0, "fw1's auth-failure counter grows (%d -> %d)" % (a1, a2))
    s.check(all(l["auth_failures"] > 0 for l in links(lab, "fw1").values()),
            "fw1 counts auth failures on both links")
    log = log_of(lab, "fw1")
    line = next((x for x in log.splitlines() if "auth-" in x and "key id" in x), "")
    s.note("fw1_log", line.split("hrpd: ", 1)[-1])
    s.check(line != "", "fw1's log says why (auth failure, with the key ids)")
    s.check(hrp(lab, "fw1")["peer"]["state"] in ("unknown", "negotiating", "dead"),
            "fw1: the peer is not up (%s)" % hrp(lab, "fw1")["peer"]["state"])

    set_hrpd(lab, "fw2", key_current=KEY)
    t0 = time.monotonic()
    ctl(lab, "fw2", "reload")
    took = wait_pair_up(lab, s, 10)
    s.note("reload_to_pair_up_ms", round((time.monotonic() - t0) * 1000))
    s.check(stats(lab, "fw2")["peer_up"] >= 1, "fw2 announced the peer up after the reload")
    s.summary = "wrong key: links down, %d auth failures, logged; fixed by reload: up in %d ms" % (
        a2, round(took * 1000))


if __name__ == "__main__":
    scenario.main(body, topology="ref")
