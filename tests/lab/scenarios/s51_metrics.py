#!/usr/bin/python3
"""hs-exporter in the reference lab: it runs inside fw1's namespace on 127.0.0.1:9469 and writes a
textfile; its scrape passes a strict reading of the text format (and prometheus_client's parser
when it is installed); its values are those of `hrpctl --json` (the VGMP state and priority, a
VRRP group's state, HRP hello counters between two scrapes); fw1's tracked uplink fails and the
state gauge moves, while vgmpd's and vrrpd's logs carry the structured record of the change
(reason, old and new state, priorities); the textfile follows; a frozen hrpd and a stopped one
give hotstandby_up{daemon="hrpd"} 0 in a scrape that still succeeds.

HS_METRICS_FIXTURES=DIR saves fw1's answer to each command the exporter sends, as the unit
test's fixtures (tests/unit/metrics/)."""

import json
import os
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from hslab_lib import boxes, faults, pair, promtext, scenario  # noqa: E402
from hslab_lib.pair import roles  # noqa: E402

LISTEN = "127.0.0.1:9469"
CALLS = [("vgmpd", "status"), ("vrrpd", "status"), ("hrpd", "status"),
         ("hrpd", "hrp-interfaces"), ("hrpd", "hrp-statistics"), ("hrpd", "session-stats"),
         ("hrpd", "session-consistency"), ("hrpd", "data-stats")]
FETCH = ("import sys, urllib.request\n"
         "r = urllib.request.urlopen('http://%s/metrics', timeout=20)\n"
         "sys.stdout.write(r.headers.get('Content-Type') + '\\n' + r.read().decode())\n" % LISTEN)


def exporter_path(lab):
    return os.path.join(lab.paths.top_build, "exporter", "hs-exporter")


def scrape(lab, node="fw1", check=True):
    """One GET /metrics from inside the node's namespace: (content type, samples); the text
    must pass the strict reader."""
    p = lab.run(node, ["/usr/bin/python3", "-c", FETCH], timeout=30, check=check)
    if p.returncode != 0:
        return None, None
    ctype, _, text = p.stdout.partition("\n")
    samples, _, _ = promtext.parse(text)
    return ctype, samples


def try_scrape(lab):
    try:
        return scrape(lab, check=False)[1]
    except ValueError:
        raise
    except Exception:  # not listening yet
        return None


def state_of(samples, metric, /, **labels):
    """The state label whose series is 1 (the others must be 0)."""
    on = [dict(k)["state"] for k, v in promtext.series(samples, metric).items()
          if v == 1 and all(dict(k).get(a) == str(b) for a, b in labels.items())]
    return on[0] if len(on) == 1 else on


def log_lines(lab, node, daemon, needle):
    path = os.path.join(lab.node_dir(node), "log", daemon + ".log")
    with open(path, errors="replace") as f:
        return [line.rstrip("\n") for line in f if needle in line]


def save_fixtures(lab, outdir):
    os.makedirs(outdir, exist_ok=True)
    for daemon, cmd in CALLS:
        result = pair.ctl(lab, "fw1", daemon, cmd)
        with open(os.path.join(outdir, "%s-%s.json" % (daemon, cmd)), "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
            f.write("\n")


def check_format(lab, s, samples, text_ctype):
    s.check(text_ctype.startswith("text/plain; version=0.0.4"),
            "Content-Type is the text format 0.0.4 (%s)" % text_ctype)
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        s.note("prometheus_client", "not installed: the strict reader only")
        return
    text = lab.run("fw1", ["/usr/bin/python3", "-c", FETCH], timeout=30).stdout.partition("\n")[2]
    n = sum(len(f.samples) for f in text_string_to_metric_families(text))
    s.check(n >= len(samples) * 0.9, "prometheus_client reads the scrape too (%d samples)" % n)


def body(lab, s):
    s.wait_until("fw1 active, fw2 standby, VRRP master on fw1 only",
                 lambda: pair.settled(lab, "fw1", vrrp=True), 30)
    if os.environ.get("HS_METRICS_FIXTURES"):
        save_fixtures(lab, os.environ["HS_METRICS_FIXTURES"])
        s.note("fixtures", os.environ["HS_METRICS_FIXTURES"])

    textfile = os.path.join(lab.node_dir("fw1"), "textfile", "hotstandby.prom")
    os.makedirs(os.path.dirname(textfile))
    lab.spawn("fw1", [exporter_path(lab), "--listen", LISTEN, "--rundir",
                      boxes.rundir(lab, "fw1"), "--textfile", textfile, "--interval", "1",
                      "--timeout", "1000"],
              os.path.join(lab.node_dir("fw1"), "log", "hs-exporter.log"))
    s.wait_until("hs-exporter answers on %s inside fw1" % LISTEN, lambda: try_scrape(lab), 15)
    m1, g, ids = format_and_values(lab, s)
    failover(lab, s, g, ids)
    textfile_follows(lab, s, textfile)
    daemon_silent(lab, s)
    s.summary = "%d series; %s" % (len(m1), "; ".join("%s: %s" % kv for kv in s.notes[-1:]))


def format_and_values(lab, s):
    """A scrape passes the strict reader and says what hrpctl says; counters increase.
    Returns the first scrape, fw1's first VRRP group and its labels."""
    ctype, m1 = scrape(lab)
    s.check(len(m1) > 100, "a scrape passes the strict reader (%d series)" % len(m1))
    check_format(lab, s, m1, ctype)
    for d in boxes.DAEMONS:
        s.check(promtext.value(m1, "hotstandby_up", daemon=d) == 1, "hotstandby_up{%s} 1" % d)
    vgmp = boxes.hrpctl(lab, "fw1", "display", "vgmp")
    s.check(state_of(m1, "hotstandby_vgmp_state") == vgmp["state"] == "active",
            "hotstandby_vgmp_state is hrpctl's state (%s)" % vgmp["state"])
    s.check(promtext.value(m1, "hotstandby_vgmp_priority") == vgmp["priority"],
            "hotstandby_vgmp_priority is hrpctl's (%s)" % vgmp["priority"])
    g = boxes.hrpctl(lab, "fw1", "display", "vrrp")["groups"][0]
    ids = dict(interface=g["interface"], vrid=g["vrid"], family=g["family"])
    s.check(state_of(m1, "hotstandby_vrrp_state", **ids) == g["state"] == "master",
            "hotstandby_vrrp_state{%(interface)s, %(vrid)s, %(family)s} is hrpctl's" % ids)
    links = boxes.hrpctl(lab, "fw1", "display", "hrp", "interface")["interfaces"]
    st = boxes.hrpctl(lab, "fw1", "display", "hrp", "statistics")
    time.sleep(1.5)
    _, m2 = scrape(lab)
    for link in links:
        name = "hotstandby_hrp_link_hellos_sent_total"
        a = promtext.value(m1, name, interface=link["interface"])
        b = promtext.value(m2, name, interface=link["interface"])
        s.check(a is not None and a <= link["hellos_sent"] <= b and a < b,
                "%s{%s}: %s <= hrpctl's %d <= %s, increasing" % (
                    name, link["interface"], a, link["hellos_sent"], b))
    a = promtext.value(m1, "hotstandby_hrp_messages_sent_total", type="hello")
    b = promtext.value(m2, "hotstandby_hrp_messages_sent_total", type="hello")
    s.check(a is not None and a <= st["sent"]["hello"] <= b,
            "hotstandby_hrp_messages_sent_total{type=hello}: %s <= %d <= %s" % (
                a, st["sent"]["hello"], b))
    return m1, g, ids


def failover(lab, s, g, ids):
    """A failover: the gauges move, the logs tell why."""
    faults.link_down(lab, "fw1", "up0")
    s.wait_until("fw2 active after fw1's tracked uplink fails",
                 lambda: roles(lab) == {"fw1": "standby", "fw2": "active"}, 15)
    s.wait_until("hotstandby_vgmp_state on fw1 moves to standby",
                 lambda: state_of(scrape(lab)[1], "hotstandby_vgmp_state") == "standby", 10)
    _, m3 = scrape(lab)
    s.check(promtext.value(m3, "hotstandby_vgmp_state", state="active") == 0,
            "hotstandby_vgmp_state{state=active} 0 on fw1")
    s.check(promtext.value(m3, "hotstandby_vgmp_priority") == 44998,
            "hotstandby_vgmp_priority 44998 (the penalty of the failed uplink)")
    s.check(promtext.value(m3, "hotstandby_vgmp_track_state", type="interface", name="up0",
                           state="down") == 1, "the tracked uplink's state gauge is down")
    s.wait_until("hotstandby_vrrp_state on fw1 moves to backup",
                 lambda: state_of(scrape(lab)[1], "hotstandby_vrrp_state", **ids) == "backup", 10)
    recs = log_lines(lab, "fw1", "vgmpd", "event=vgmp-state old_state=active new_state=standby")
    s.check(len(recs) == 1, "vgmpd logged the change once as a structured record: %s" % recs)
    s.check("reason=" in recs[0] and "local_priority=44998" in recs[0]
            and "peer_priority=45000" in recs[0],
            "the record carries the reason and both priorities")
    s.note("vgmpd record", recs[0].split(": ", 1)[-1])
    recs = log_lines(lab, "fw1", "vrrpd", "event=vrrp-state old_state=master new_state=backup")
    s.check(len(recs) >= 1 and "interface=%s" % g["interface"] in recs[0]
            and "vrid=%d" % g["vrid"] in recs[0],
            "vrrpd logged the group's change as a structured record: %s" % recs[:1])
    recs = log_lines(lab, "fw2", "vgmpd", "event=vgmp-state old_state=standby new_state=active")
    s.check(len(recs) == 1 and "peer_priority=44998" in recs[0],
            "fw2's vgmpd logged its takeover with the peer's lowered priority")
    s.note("fw2 record", recs[0].split(": ", 1)[-1])


def textfile_follows(lab, s, textfile):
    """The textfile follows the state, rewritten every second, with nothing left beside it."""
    def textfile_says_standby():
        with open(textfile) as f:
            samples, _, _ = promtext.parse(f.read())
        return state_of(samples, "hotstandby_vgmp_state") == "standby"
    s.wait_until("the textfile follows (standby)", textfile_says_standby, 10)
    m0 = os.stat(textfile).st_mtime
    s.wait_until("the textfile is rewritten every second", lambda: os.stat(textfile).st_mtime > m0,
                 10)
    left = [f for f in os.listdir(os.path.dirname(textfile)) if f != "hotstandby.prom"]
    s.check(not left, "no temporary file is left beside the textfile (%s)" % left)


def daemon_silent(lab, s):
    """A daemon that does not answer, then one that is gone: up 0, the others still there."""
    boxes.stop_daemon(lab, "fw1", "hrpd", signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        _, m4 = scrape(lab)
        took = time.monotonic() - t0
    finally:
        boxes.stop_daemon(lab, "fw1", "hrpd", signal.SIGCONT)
    s.check(promtext.value(m4, "hotstandby_up", daemon="hrpd") == 0
            and promtext.value(m4, "hotstandby_up", daemon="vgmpd") == 1,
            "a frozen hrpd: hotstandby_up{hrpd} 0 in a scrape that succeeds (%.1f s)" % took)
    s.check(promtext.value(m4, "hotstandby_vgmp_state", state="standby") == 1,
            "the other daemons' metrics are still there")
    # fw1's hrpd was silent for longer than the dead time (584 ms): fw2's hrpd tells it
    s.wait_until("fw2's hrpd logged the peer's death and return as structured records",
                 lambda: log_lines(lab, "fw2", "hrpd", "event=hrp-peer old_state=negotiating "
                                   "new_state=dead") and
                 log_lines(lab, "fw2", "hrpd", "event=hrp-peer old_state=dead new_state=up"), 15)
    s.note("hrpd record", log_lines(lab, "fw2", "hrpd", "new_state=dead")[0].split(": ", 1)[-1])
    boxes.stop_daemon(lab, "fw1", "hrpd")
    _, m5 = scrape(lab)
    s.check(promtext.value(m5, "hotstandby_up", daemon="hrpd") == 0
            and not promtext.series(m5, "hotstandby_hrp_link_state"),
            "a stopped hrpd: hotstandby_up{hrpd} 0 and no hrp series")


scenario.main(body, topology="ref", daemons=True)
