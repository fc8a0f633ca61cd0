#!/usr/bin/python3
"""Static route sync (doc/config-sync.md, "Static routes") in the reference lab, all daemons
running, fw1 active:
  - off by default: a route added on fw1 stays there, nothing is read or sent;
  - with hrpd.route_sync on (set on fw1 only: a SYNCED setting, it follows to fw2), a route
    added on fw1 appears on fw2 within a second, and the digests agree;
  - the route removed on fw1 is removed on fw2;
  - a route via an interface only fw1 has is skipped on fw2, counted and reported in fw1's
    peer result, and not tried again by itself; the other routes go through;
  - routes on a heartbeat link and those within route_sync_exclude stay on their box (fw2's
    own excluded route survives the sync);
  - an interface named otherwise on fw2 (hrpd.config_rename) carries fw1's route;
  - hrpd.route_sync_tables and route_sync_src (set on fw1, they follow): a route of table 100
    with a preferred source reaches fw2's table 100 with it, fw2's own route there goes, and
    a removal follows; table 200, not listed, is left alone on both boxes; main dropped from
    the list on fw1 leaves fw2's main routes where they are;
  - a prefix excluded on the standby alone keeps the standby's own route there: the master's
    route to it is neither added nor replacing it;
  - OSPF's routes are never synced (the upstream routes stay what each box learnt)."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, pair, scenario  # noqa: E402
from hslab_lib.pair import BOXES, settled  # noqa: E402

ROUTE = "203.0.113.192/27"  # via a LAN address both boxes reach
GW = "192.0.2.200"
EXCL = "198.51.100.200/29"  # in route_sync_exclude on both boxes


def routes(lab, box):
    """The main table's static and boot routes, as `ip route` prints them."""
    out = lab.run(box, ["ip", "route", "show", "table", "main"]).stdout
    return [x for x in out.splitlines() if "proto ospf" not in x and "proto kernel" not in x]


def has(lab, box, prefix):
    """A route to prefix ("blackhole 198.51.100.201 ..." names its type first)."""
    for x in routes(lab, box):
        w = x.split()
        if w and w[0] in ("blackhole", "unreachable", "prohibit"):
            w = w[1:]
        if w and w[0] == prefix:
            return True
    return False


def ospf_routes(lab, box):
    out = lab.run(box, ["ip", "route", "show", "proto", "ospf"]).stdout
    return sorted(out.splitlines())


def route_sync_on(lab, box):
    cur = boxes.hrpctl(lab, box, "display", "current-configuration")
    return cur["config"]["hrpd"].get("route_sync") is True


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    ospf2 = ospf_routes(lab, "fw2")
    for box in BOXES:
        boxes.set_setting(lab, box, "hrpd", "config_sync_tables", '[ "inet hslab_fw" ]')
        boxes.set_setting(lab, box, "hrpd", "route_sync_exclude", '[ "%s" ]' % EXCL)
        pair.ctl(lab, box, "hrpd", "reload")
    s.wait_until("config sync on, the digests equal", lambda: pair.config_equal(lab), 15)
    off_by_default(lab, s)
    turned_on(lab, s)
    follows_changes(lab, s)
    missing_interface(lab, s)
    renamed_interfaces(lab, s)
    other_tables(lab, s)
    standby_own_exclude(lab, s)
    s.check(ospf_routes(lab, "fw2") == ospf2, "fw2's OSPF routes are its own still")
    s.note("route stats fw2", str(pair.config_stats(lab, "fw2").get("routes")))
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


def off_by_default(lab, s):
    """1. off by default: nothing synced"""
    lab.run("fw1", ["ip", "route", "add", ROUTE, "via", GW])
    time.sleep(1.5)
    s.check(not has(lab, "fw2", ROUTE), "route_sync off: fw1's route is not on fw2")
    s.check(pair.config_stats(lab, "fw1").get("routes", {}).get("reads", 0) == 0,
            "route_sync off: no routes read on fw1")
    s.check(pair.config_equal(lab), "the digests still agree (routes are not part of them)")


def turned_on(lab, s):
    """2. on (on fw1; the setting follows to fw2): the route reaches fw2"""
    lab.run("fw2", ["ip", "route", "add", "blackhole", "198.51.100.201/32"])  # fw2's own
    lab.run("fw1", ["ip", "route", "add", "203.0.113.64/27", "dev", "hb0"])   # a heartbeat's
    pair.ctl(lab, "fw1", "hrpd", "config-set",
             {"changes": [{"path": "hrpd.route_sync", "value": True}]})
    s.check(route_sync_on(lab, "fw1"), "route_sync on in fw1's running config")
    s.wait_until("route_sync follows to fw2", lambda: route_sync_on(lab, "fw2"), 15)
    s.wait_until("fw1's route is on fw2", lambda: has(lab, "fw2", ROUTE), 15)
    s.wait_until("the digests agree with routes in them", lambda: pair.config_equal(lab), 15)
    s.check(any(GW in x for x in routes(lab, "fw2") if x.startswith(ROUTE)),
            "fw2's route goes via %s" % GW)
    s.check(not has(lab, "fw2", "203.0.113.64/27"), "the heartbeat link's route stays on fw1")
    s.check(has(lab, "fw2", "198.51.100.201"), "fw2's excluded route survives the sync")


def follows_changes(lab, s):
    """3. a new route on the active reaches the standby within a second; 4. removed on the
    active: removed on the standby"""
    lab.run("fw1", ["ip", "route", "add", "198.51.100.64/26", "dev", "lan0"])
    t0 = time.monotonic()
    s.wait_until("a new route reaches fw2", lambda: has(lab, "fw2", "198.51.100.64/26"), 10,
                 interval=0.02)
    took = time.monotonic() - t0
    s.note("route to standby", "%.0f ms" % (1000 * took))
    s.check(took < 1.0, "the route reached fw2 within a second (%.0f ms)" % (1000 * took))
    lab.run("fw1", ["ip", "route", "del", "198.51.100.64/26"])
    t0 = time.monotonic()
    s.wait_until("the route removed on fw1 is gone from fw2",
                 lambda: not has(lab, "fw2", "198.51.100.64/26"), 10, interval=0.02)
    s.note("removal to standby", "%.0f ms" % (1000 * (time.monotonic() - t0)))
    s.wait_until("the digests agree after the removal", lambda: pair.config_equal(lab), 10)


def missing_interface(lab, s):
    """5. a route via an interface fw2 does not have: skipped, counted, reported, not retried"""
    lab.run("fw1", ["ip", "link", "add", "s48only", "type", "veth", "peer", "name", "s48peer"])
    for dev in ("s48only", "s48peer"):
        lab.run("fw1", ["ip", "link", "set", dev, "up"])
    lab.run("fw1", ["ip", "route", "add", "198.51.100.96/27", "dev", "s48only"])
    lab.run("fw1", ["ip", "route", "add", "198.51.100.160/27", "via", GW])
    s.wait_until("fw2 counts the missing interface",
                 lambda: pair.config_stats(lab, "fw2").get("routes", {}).get("missing_interface", 0) >= 1,
                 10)
    s.wait_until("the other new route went through",
                 lambda: has(lab, "fw2", "198.51.100.160/27"), 10)
    res = pair.config_status(lab, "fw1").get("peer_result") or {}
    s.check("s48only" in res.get("message", ""),
            "fw1's peer result names the interface (%s: %s)" %
            (res.get("status"), res.get("message")))
    miss = pair.config_stats(lab, "fw2")["routes"]["missing_interface"]
    time.sleep(2)
    s.check(pair.config_stats(lab, "fw2")["routes"]["missing_interface"] == miss,
            "not retried by itself (%d)" % miss)
    s.check(pair.config_status(lab, "fw1").get("equal") is False, "the difference shows as a mismatch")
    lab.run("fw1", ["ip", "link", "del", "s48only"])
    s.wait_until("without that route the digests agree again", lambda: pair.config_equal(lab), 10)


def renamed_interfaces(lab, s):
    """6. interfaces named otherwise: hrpd.config_rename maps a route's interface"""
    for box, mine, other in (("fw1", "s48a", "s48b"), ("fw2", "s48b", "s48a")):
        lab.run(box, ["ip", "link", "add", mine, "type", "veth", "peer", "name", mine + "p"])
        for dev in (mine, mine + "p"):
            lab.run(box, ["ip", "link", "set", dev, "up"])
        boxes.set_setting(lab, box, "hrpd", "config_rename", '[ "%s=%s" ]' % (mine, other))
        # a reload reads the file: route_sync, so far set in the running config only, too
        boxes.set_setting(lab, box, "hrpd", "route_sync", "true")
        pair.ctl(lab, box, "hrpd", "reload")
    lab.run("fw1", ["ip", "route", "add", "198.51.100.224/28", "dev", "s48a"])
    s.wait_until("fw1's route via s48a is on fw2 via s48b",
                 lambda: any(x.startswith("198.51.100.224/28 dev s48b")
                             for x in routes(lab, "fw2")), 10)
    s.wait_until("the digests agree across the rename", lambda: pair.config_equal(lab), 10)


def table_routes(lab, box, table):
    """The table's routes ([] for a table that does not exist yet)."""
    p = lab.run(box, ["ip", "route", "show", "table", str(table)], check=False)
    return [x.strip() for x in p.stdout.splitlines()] if p.returncode == 0 else []


def other_tables(lab, s):
    """7. hrpd.route_sync_tables and route_sync_src: table 100 follows (its route with its
    preferred source; fw2's own route there goes, as in main), an unlisted table stays home;
    main dropped from the list on fw1: fw2 keeps its main routes (the set covers table 100
    alone, whatever fw2's own setting says until it arrives)"""
    src = "198.51.100.250"  # on both boxes: the kernel takes a source only when it is local
    for box in BOXES:
        lab.run(box, ["ip", "addr", "add", src + "/32", "dev", "lo"])
    lab.run("fw2", ["ip", "route", "add", "blackhole", "198.51.100.208/28", "table", "200"])
    lab.run("fw2", ["ip", "route", "add", "blackhole", "198.51.100.240/28", "table", "100"])
    lab.run("fw1", ["ip", "route", "add", "198.51.100.208/28", "via", GW, "table", "200"])
    lab.run("fw1", ["ip", "route", "add", "203.0.113.128/27", "via", GW, "src", src,
                    "table", "100"])
    time.sleep(1)
    s.check(table_routes(lab, "fw2", 100) == ["blackhole 198.51.100.240/28"],
            "route_sync_tables unset: table 100 is each box's own")
    set_on_fw1(lab, {"hrpd.route_sync_tables": ["main", "100"], "hrpd.route_sync_src": True})
    want = "203.0.113.128/27 via %s dev lan0 proto static src %s" % (GW, src)
    s.wait_until("fw2's table 100 is fw1's: its route with its source, fw2's own gone",
                 lambda: [x for x in table_routes(lab, "fw2", 100) if x.startswith(want)] ==
                 table_routes(lab, "fw2", 100) != [], 15)
    s.check(has(lab, "fw2", "198.51.100.224/28"), "the main table's routes are synced still")
    s.wait_until("the digests agree with table 100 in them", lambda: pair.config_equal(lab), 15)
    s.check(table_routes(lab, "fw2", 200) == ["blackhole 198.51.100.208/28"],
            "table 200 (not listed) is fw2's own: %s" % table_routes(lab, "fw2", 200))
    set_on_fw1(lab, {"hrpd.route_sync_tables": ["100"]})
    s.wait_until("main dropped from the list: the digests agree again",
                 lambda: pair.config_equal(lab), 15)
    s.check(has(lab, "fw2", "198.51.100.224/28") and has(lab, "fw2", ROUTE),
            "fw2 keeps its main table's routes once main is no longer synced")
    lab.run("fw1", ["ip", "route", "del", "203.0.113.128/27", "table", "100"])
    s.wait_until("the route removed from fw1's table 100 is gone from fw2's",
                 lambda: table_routes(lab, "fw2", 100) == [], 10)
    s.wait_until("the digests agree after it", lambda: pair.config_equal(lab), 10)


def standby_own_exclude(lab, s):
    """8. a prefix in the standby's route_sync_exclude alone (a LOCAL setting): the master's
    route there neither replaces nor removes the standby's own"""
    mine = "198.51.100.176/28"
    pair.ctl(lab, "fw2", "hrpd", "config-set",
             {"changes": [{"path": "hrpd.route_sync_exclude", "value": [EXCL, mine]}]})
    lab.run("fw2", ["ip", "route", "add", "blackhole", mine, "table", "100"])
    lab.run("fw1", ["ip", "route", "add", mine, "via", GW, "table", "100"])
    lab.run("fw1", ["ip", "route", "add", "203.0.113.160/27", "via", GW, "table", "100"])
    s.wait_until("fw1's other new route in table 100 reached fw2",
                 lambda: any(x.startswith("203.0.113.160/27") for x in table_routes(lab, "fw2", 100)),
                 10)
    s.check("blackhole " + mine in table_routes(lab, "fw2", 100),
            "fw2's own route in its exclude stays, not replaced by fw1's (%s)" %
            table_routes(lab, "fw2", 100))


def set_on_fw1(lab, values):
    pair.ctl(lab, "fw1", "hrpd", "config-set",
             {"changes": [{"path": k, "value": v} for k, v in values.items()]})


scenario.main(body, topology="ref", daemons=True)
