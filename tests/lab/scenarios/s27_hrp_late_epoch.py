#!/usr/bin/python3
"""Without a key, a late message of a stopped hrpd does not split the pair for good:
  - a hello of fw2's hrpd is captured on the wire; then both hrpds are stopped and started
    again, so that fw1 knows only fw2's new epoch (as after `bench/vgmp_failover.py`'s restart
    of both boxes, where hellos of the stopped process, held ~1 s in the kernel's neighbour
    queue, reached fw2 after the new one: fw2 took them for a restart, refused the live epoch as
    one it had left, and the pair stayed dual-active for good);
  - the old hello played back from fw2's namespace is taken at its word (nothing proves
    otherwise without a key); the live epoch, refused for a moment as one left, is taken back
    once the played-back one is quiet; fw1 never declares the peer down; the time is printed;
  - a real restart of fw2 is still taken at once: kill -9 and start, fw1 has the new epoch and
    the peer up again (the time is printed)."""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import boxes, scenario  # noqa: E402
from s20_hrp_links import BOXES, Events, hrp, start_hrpd, stats, wait_pair_up  # noqa: E402
from s22_hrp_key_restart import capture_hello, replay  # noqa: E402


def fw2_epoch_at_fw1(lab):
    return hrp(lab, "fw1")["peer"]["epoch"]


def body(lab, s):
    for node in BOXES:
        start_hrpd(lab, node)
    wait_pair_up(lab, s)
    old_hello = capture_hello(lab)
    s.check(bool(old_hello), "a hello of fw2 captured on hb1")
    old_epoch = hrp(lab, "fw2")["epoch"]

    for node in BOXES:  # fw1 forgets fw2's old epoch with its own restart
        boxes.stop_daemon(lab, node, "hrpd")
    for node in BOXES:
        start_hrpd(lab, node)
    wait_pair_up(lab, s)
    live = hrp(lab, "fw2")["epoch"]
    s.check(live != old_epoch and fw2_epoch_at_fw1(lab) == live,
            "fw1 has fw2's new epoch %s (old %s)" % (live, old_epoch))
    h = hrp(lab, "fw1")
    dead_s = h["hello_interval_ms"] * h["dead_count"] / 1000.0
    ev = Events(lab, "fw1")
    st0 = stats(lab, "fw1")

    t_replay = time.monotonic()
    replay(lab, old_hello)
    s.wait_until("fw1 has fw2's live epoch back after taking the played-back one",
                 lambda: stats(lab, "fw1")["new_epochs"] - st0["new_epochs"] >= 2 and
                 fw2_epoch_at_fw1(lab) == live, 3 * dead_s + 1, 0.005)
    back_ms = (time.monotonic() - t_replay) * 1000
    time.sleep(dead_s + 0.5)
    st1 = stats(lab, "fw1")
    s.check(st1["new_epochs"] - st0["new_epochs"] == 2 and fw2_epoch_at_fw1(lab) == live,
            "two epoch changes (the played-back one, the live one back), the live one kept "
            "(%d)" % (st1["new_epochs"] - st0["new_epochs"]))
    s.check(st1.get("epochs_taken_back", 0) - st0.get("epochs_taken_back", 0) == 1,
            "counted: one epoch taken back (%d)" % (
                st1.get("epochs_taken_back", 0) - st0.get("epochs_taken_back", 0)))
    refused = st1["drops"]["old-epoch"] - st0["drops"]["old-epoch"]
    s.check(1 <= refused <= 2 * h["dead_count"],
            "fw1 refused the live epoch only a moment (%d old-epoch drops)" % refused)
    s.check(hrp(lab, "fw1")["peer"]["state"] == "up" and not ev.of("peer", state="down") and
            st1["peer_down"] == st0["peer_down"],
            "fw1: the peer up all along, no peer-down")

    boxes.stop_daemon(lab, "fw2", "hrpd", signal.SIGKILL)
    t_kill = time.monotonic()
    start_hrpd(lab, "fw2")
    s.wait_until("fw1 takes fw2's restart", lambda: fw2_epoch_at_fw1(lab) not in (live, None),
                 10, 0.005)
    t_acc = time.monotonic()
    s.check(fw2_epoch_at_fw1(lab) == hrp(lab, "fw2")["epoch"], "fw1 has fw2's restarted epoch")
    wait_pair_up(lab, s, 10)
    ev.close()
    s.note("late_hello_to_live_epoch_back_ms", round(back_ms))
    s.note("kill_to_new_epoch_accepted_ms", round((t_acc - t_kill) * 1000))
    s.summary = "no key: a stopped hrpd's hello played back, the live epoch back in %d ms, " \
                "no peer-down; a real restart taken %d ms after the kill" % (
                    back_ms, (t_acc - t_kill) * 1000)


if __name__ == "__main__":
    scenario.main(body, topology="ref")
