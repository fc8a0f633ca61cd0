#!/usr/bin/python3
"""Config sync of a table larger than one record (doc/config-sync.md, "Records": chunks), in
the reference lab with all daemons running, hrpd.config_sync_tables = ["inet hslab_fw",
"inet s47big"] on both boxes:
  - a table with a 20,000-element set made on the active (fw1) appears on the standby whole,
    sent in chunks (counted on both boxes), and the digests agree;
  - one element added on fw1 reaches fw2 (the next transfer replaces the table);
  - the table deleted on fw1 is deleted on fw2;
  - no record was dropped on either box (config.rx_errors all zero)."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, pair, scenario  # noqa: E402
from hslab_lib.pair import BOXES, settled  # noqa: E402

ELEMENTS = 20000


def count(lab, box):
    """Elements of inet s47big's set on box (-1: no table)."""
    r = lab.run(box, ["nft", "-j", "list", "set", "inet", "s47big", "many"], check=False)
    if r.returncode != 0:
        return -1
    return r.stdout.count('"10.') + r.stdout.count('"198.')


def big_table():
    elems = ", ".join("10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255)
                      for i in range(ELEMENTS))
    return ("table inet s47big {\n set many {\n  type ipv4_addr\n  elements = { %s }\n }\n"
            " chain input {\n  type filter hook input priority 10; policy accept;\n"
            "  ip saddr @many counter\n }\n}\n" % elems)


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    for box in BOXES:
        boxes.set_setting(lab, box, "hrpd", "config_sync_tables",
                          '[ "inet hslab_fw", "inet s47big" ]')
        pair.ctl(lab, box, "hrpd", "reload")
    s.wait_until("config sync on, the digests equal", lambda: pair.config_equal(lab), 15)
    s.check(count(lab, "fw2") == -1, "fw2 has no inet s47big yet")
    sent0 = pair.config_stats(lab, "fw1").get("chunked_sent", 0)

    lab.run("fw1", ["nft", "-f", "-"], input_text=big_table(), timeout=60)
    s.check(count(lab, "fw1") == ELEMENTS, "fw1's set has %d elements" % ELEMENTS)
    t0 = time.monotonic()
    s.wait_until("fw2's set has all %d elements" % ELEMENTS,
                 lambda: count(lab, "fw2") == ELEMENTS, 30, interval=0.1)
    took = time.monotonic() - t0
    s.note("20k-element table to standby", "%.0f ms" % (1000 * took))
    s.wait_until("the digests are equal", lambda: pair.config_equal(lab), 15)
    st1, st2 = pair.config_stats(lab, "fw1"), pair.config_stats(lab, "fw2")
    s.check(st1.get("chunked_sent", 0) > sent0 and st1.get("chunks_sent", 0) >= 2,
            "fw1 sent it in chunks (%s records in %s chunks)" %
            (st1.get("chunked_sent"), st1.get("chunks_sent")))
    s.check(st2.get("chunked_received", 0) >= 1,
            "fw2 put it together (%s)" % st2.get("chunked_received"))
    s.check(st1.get("too_large", 0) == 0, "nothing too large to send")
    s.note("chunks", str(st1.get("chunks_sent")))

    lab.run("fw1", ["nft", "add", "element", "inet", "s47big", "many", "{ 198.51.100.77 }"])
    s.wait_until("one more element reaches fw2",
                 lambda: count(lab, "fw2") == ELEMENTS + 1, 15, interval=0.1)
    s.wait_until("the digests are equal again", lambda: pair.config_equal(lab), 15)

    lab.run("fw1", ["nft", "delete", "table", "inet", "s47big"])
    s.wait_until("the table deleted on fw1 is gone from fw2",
                 lambda: count(lab, "fw2") == -1, 15, interval=0.1)
    s.wait_until("the digests are equal at the end", lambda: pair.config_equal(lab), 15)
    errs = {b: {k: v for k, v in pair.config_stats(lab, b).get("rx_errors", {}).items() if v}
            for b in BOXES}
    s.check(not errs["fw1"] and not errs["fw2"], "no record dropped (%s)" % errs)
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=True)
