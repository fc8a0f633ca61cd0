#!/usr/bin/python3
"""FTP through a failover (hrpd.session_sync_expectations), in the reference lab with the strict
nftables on both boxes (the FTP data connection of active mode comes from the server's side: only
`ct state related` lets it in) and a table on both that gives port 21 the ftp helper
(`ct helper`), as a synced policy would:
  - a first run with the setting off: the control connection's entry reaches fw2 without its
    helper, no expectation follows, and after a box failure of fw1 no active-mode data
    connection gets through fw2 (passive mode does: a new flow from the LAN);
  - then on (both boxes, daemons restarted): an FTP client (ftplib, active mode) logs in to a tiny
    server (ftp_mini.py) through fw1 and sends PORT; fw1's ftp helper makes the expectation, and
    fw2 holds the control connection's entry with helper=ftp and the same expectation; fw2's
    hrpd restarted without it gets it back after the bulk transfer;
  - fw1 fails (box failure); on fw2, now active, the server's data connection for that PORT is
    admitted as related and carries the whole file; a second transfer in active mode (a new PORT,
    read by fw2's own ftp helper on the synced entry) and one in passive mode work too;
  - then through SNAT (nft/fw_nat.nft on both boxes: the LAN leaves as the VIP): fw1's ftp NAT
    helper rewrites the client's PORT to the VIP and a port of its own, and its expectation
    carries the way back (the client's own address and port, "nat-follow-master"); fw2 holds it
    with that NAT part, and the control connection's entry with the sequence adjustment of the
    rewrite (fw1 reads it again: the kernel sends no event of it); after fw1's failure the
    server's data connection to the VIP reaches the client through fw2, and the control
    connection goes on (two more transfers);
  - only when $HS_BUILDDIR_NEXT is a build made with `--with-test-version=old-data` (its registry
    says data 1.0, without the record feature sess-exp-nat: a version that reads no expectation
    NAT part, doc/issu.md): fw2 runs that build; fw1's send plan narrows data against it, holds
    the NAT expectation of a PORT through SNAT back (counted), and fw2 gets the control
    connection with its helper but no expectation and no bad-op; the transfer through fw1 works.
    Without that build the part is skipped (noted)."""

import json
import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from hslab_lib import boxes, faults, issu as issu_lib, scenario  # noqa: E402
from hslab_lib.pair import routed_via, session, settled  # noqa: E402

SERVER = scenario.REF["server"]
CLIENT = "192.0.2.100"
VIP = scenario.REF["vip"]
SIZE = 200000  # ftp_mini.SIZE
NAT_NFT = os.path.join(os.path.dirname(HERE), "nft", "fw_nat.nft")
FTP_RULES = """table inet hsftp
delete table inet hsftp
table inet hsftp {
	ct helper ftp-std {
		type "ftp" protocol tcp;
	}
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		tcp dport 21 ct helper set "ftp-std"
	}
}
"""


def role(lab, box):
    st = boxes.hrpctl(lab, box, "display", "hrp", "state", check=False, timeout=2)
    return st.get("role") if isinstance(st, dict) else None


def control_entry(lab, box):
    """box's conntrack line of the FTP control connection, or ''."""
    out = lab.run(box, ["conntrack", "-L", "-p", "tcp", "--dport", "21", "-s", CLIENT],
                  check=False).stdout
    return next((x for x in out.splitlines() if x.startswith("tcp")), "")


def expectations(lab, box, to=CLIENT):
    """box's expectations of a data connection to `to` (the client, or the VIP behind SNAT)."""
    out = lab.run(box, ["conntrack", "-L", "expect"], check=False).stdout
    return [x for x in out.splitlines() if " dst=%s " % to in x + " "]


def same_expectation(lab, box, of, to=CLIENT):
    """box's expectations to `to` whose expected tuple (proto, addresses, ports: the first five
    key=value words; the first word is the timeout) is one of `of` (another box's lines)."""
    def tuple_of(line):
        return [w for w in line.split() if "=" in w][:5]
    want = [tuple_of(x) for x in of]
    return [x for x in expectations(lab, box, to) if tuple_of(x) in want]


def exp_stats(lab, box):
    return session(lab, box).get("statistics", {}).get("expectations", {})


class Ftp:
    """The server on the server node, the client on the client node; the client waits at its
    PORT until go()."""

    def __init__(self, lab, tag):
        self.lab = lab
        d = os.path.join(lab.node_dir("client"), "ftp-%s" % tag)
        os.makedirs(d, exist_ok=True)
        self.ready, self.stage, self.go_file = (os.path.join(d, n) for n in (
            "ready", "stage", "go"))
        self.out = os.path.join(d, "client.json")
        tool = os.path.join(HERE, "ftp_mini.py")
        self.server = lab.spawn("server", ["/usr/bin/python3", tool, "server", "--bind", SERVER,
                                           "--ready", self.ready, "--duration", "300"],
                                os.path.join(d, "server.log"))
        self.client = None
        self.tool = tool

    def start(self, s):
        s.wait_until("the FTP server listens", lambda: os.path.exists(self.ready), 10)
        self.client = self.lab.spawn("client", [
            "/bin/sh", "-c", "exec /usr/bin/python3 %s client --server %s --stage %s --go %s "
            "--timeout 240 > %s" % (self.tool, SERVER, self.stage, self.go_file, self.out)],
            self.out + ".log")
        s.wait_until("the client logged in and sent PORT", lambda: os.path.exists(self.stage),
                     20)

    def go(self):
        open(self.go_file, "w").close()

    def result(self, s):
        s.wait_until("the FTP client ends", lambda: self.client.poll() is not None, 120)
        with open(self.out) as f:
            lines = [x for x in f.read().splitlines() if x.startswith("{")]
        self.server.terminate()
        self.server.wait(10)
        return json.loads(lines[-1]) if lines else {}


def start_pair(lab, s, expectations_on):
    for box in ("fw1", "fw2"):
        boxes.set_setting(lab, box, "hrpd", "session_sync_expectations",
                          "true" if expectations_on else "false")
        boxes.start_daemons(lab, box)
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    s.wait_until("fw2's session sync is ready", lambda: session(lab, "fw2").get(
        "status", {}).get("ready") is True, 20)


def stop_pair(lab):
    for box in ("fw1", "fw2"):
        for name in reversed(boxes.DAEMONS):
            boxes.stop_daemon(lab, box, name)


def fail_fw1(lab, s):
    faults.box_fail(lab, "fw1")
    s.wait_until("fw2 takes over", lambda: role(lab, "fw2") == "active", 20, interval=0.05)
    s.wait_until("the routing follows fw2", lambda: routed_via(lab, "fw2"), 30)


def setting_off(lab, s):
    """The control run: no helper on fw2's entry, no expectation there."""
    start_pair(lab, s, False)
    s.wait_until("the routing has settled on fw1", lambda: routed_via(lab, "fw1"), 30)
    ftp = Ftp(lab, "off")
    ftp.start(s)
    s.wait_until("fw1 holds the expectation of the PORT", lambda: expectations(lab, "fw1"), 30)
    s.wait_until("fw2 holds the control connection", lambda: control_entry(lab, "fw2"), 30)
    entry = control_entry(lab, "fw2")
    s.check("helper=" not in entry, "off: fw2's entry has no helper (%s)" % entry)
    s.check(not expectations(lab, "fw2"), "off: fw2 holds no expectation")
    s.check(exp_stats(lab, "fw1").get("enabled") is False, "off: fw1 reports it off")
    fail_fw1(lab, s)
    ftp.go()
    r = ftp.result(s)
    s.note("off", "%s" % r)
    s.check(r.get("first") != SIZE and r.get("second") != SIZE,
            "off: after the failover no active-mode data connection gets through fw2 (%s)" % r)
    s.check(r.get("passive") == SIZE, "off: passive mode still works (a new flow from the "
            "LAN) (%s)" % r.get("passive"))
    faults.box_recover(lab, "fw1")
    stop_pair(lab)
    for box in ("fw1", "fw2"):
        lab.run(box, ["conntrack", "-F"], check=False)
        lab.run(box, ["conntrack", "-F", "expect"], check=False)


def by_bulk(lab, s):
    """fw2 loses the expectation and restarts its hrpd: the bulk transfer that follows brings it
    back (fw1 dumps its expectations after the entries)."""
    boxes.stop_daemon(lab, "fw2", "hrpd")
    lab.run("fw2", ["conntrack", "-F", "expect"], check=False)
    s.check(not expectations(lab, "fw2"), "fw2's expectation is gone")
    before = exp_stats(lab, "fw1").get("bulk_sent", 0)
    boxes.start_daemons(lab, "fw2", names=("hrpd",))
    s.wait_until("fw2 ready again", lambda: session(lab, "fw2").get("status", {}).get("ready")
                 and session(lab, "fw2").get("statistics", {}).get("bulks_received", 0) >= 1, 60)
    s.wait_until("the bulk brought the expectation back to fw2",
                 lambda: expectations(lab, "fw2"), 30)
    s.check(exp_stats(lab, "fw1").get("bulk_sent", 0) > before,
            "fw1 sent it after its bulk transfer (%s)" % exp_stats(lab, "fw1").get("bulk_sent"))
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)


def through_snat(lab, s):
    """Part 3: the PORT rewritten by fw1's NAT helper; the expectation's NAT part on fw2."""
    stop_pair(lab)
    for box in ("fw1", "fw2"):
        lab.run(box, ["conntrack", "-F"], check=False)
        lab.run(box, ["conntrack", "-F", "expect"], check=False)
        lab.run(box, ["nft", "-f", NAT_NFT])
    start_pair(lab, s, True)
    s.wait_until("the routing has settled on fw1", lambda: routed_via(lab, "fw1"), 30)
    ftp = Ftp(lab, "snat")
    ftp.start(s)
    one = s.wait_until("fw1 holds the expectation of the rewritten PORT (to the VIP)",
                       lambda: expectations(lab, "fw1", VIP), 30)
    two = s.wait_until("fw2 holds the same expectation",
                       lambda: same_expectation(lab, "fw2", one, VIP), 30)
    s.note("snat expectation", "fw1 %s; fw2 %s" % (one, two))
    st = exp_stats(lab, "fw2")
    s.check(st.get("created", 0) >= 1, "fw2 created it (%s)" % st)
    st = session(lab, "fw1").get("statistics", {})
    s.check(st.get("rereads", 0) >= 1 and not st.get("rereads_failed"),
            "fw1 read the control connection again after its NAT helper rewrote the PORT (the "
            "kernel sends no event of the new sequence adjustment): rereads %s, failed %s" % (
                st.get("rereads"), st.get("rereads_failed")))
    fail_fw1(lab, s)
    ftp.go()
    r = ftp.result(s)
    s.note("snat transfers", "%s" % r)
    s.check(r.get("first") == SIZE, "through SNAT: the data connection of the PORT sent before "
            "the failover reaches the client through fw2 (%s)" % r.get("first"))
    s.check(r.get("second") == SIZE and r.get("passive") == SIZE,
            "through SNAT: active and passive mode after the failover (%s)" % r)
    faults.box_recover(lab, "fw1")


def data_narrowed(lab, box):
    """box's send plan entry for the data type, when it narrows it."""
    plan = issu_lib.state(lab, box).get("send_plan") or {}
    return next((h for h in plan.get("held", []) if h.get("name") == "data" and
                 h.get("send") == "narrowed"), None)


def old_peer(lab, s):
    """Part 4: fw2 on a build whose registry reads no NAT part; fw1 holds the NAT expectation
    back rather than have fw2 drop it as bad-op (or admit the data connection untranslated)."""
    old = os.environ.get("HS_BUILDDIR_NEXT")
    if not old or not issu_lib._configured_for(old, "old-data"):
        s.note("old peer", "skipped ($HS_BUILDDIR_NEXT is no --with-test-version=old-data build)")
        return
    stop_pair(lab)
    for box in ("fw1", "fw2"):
        lab.run(box, ["conntrack", "-F"], check=False)
        lab.run(box, ["conntrack", "-F", "expect"], check=False)
    boxes.start_daemons(lab, "fw1")
    top = lab.paths.top_build
    lab.paths.top_build = os.path.abspath(old)
    try:
        boxes.start_daemons(lab, "fw2")
    finally:
        lab.paths.top_build = top
    s.wait_until("fw1 active, fw2 standby", lambda: settled(lab, "fw1"), 30)
    s.wait_until("fw2's session sync is ready", lambda: session(lab, "fw2").get(
        "status", {}).get("ready") is True, 20)
    s.wait_until("the routing has settled on fw1", lambda: routed_via(lab, "fw1"), 30)
    h = s.wait_until("fw1's send plan narrows data for fw2",
                     lambda: data_narrowed(lab, "fw1"), 20, interval=0.5)
    s.note("old peer plan", "%s" % h)
    ftp = Ftp(lab, "old")
    ftp.start(s)
    s.wait_until("fw1 holds the expectation of the rewritten PORT (to the VIP)",
                 lambda: expectations(lab, "fw1", VIP), 30)
    st1 = s.wait_until("fw1 held the NAT expectation back",
                       lambda: (lambda st: st if st.get("nat_held_back", 0) >= 1 else None)(
                           exp_stats(lab, "fw1")), 20)
    s.wait_until("fw2 holds the control connection with helper=ftp",
                 lambda: "helper=ftp" in control_entry(lab, "fw2"), 30)
    st2 = exp_stats(lab, "fw2")
    s.note("old peer", "fw1 held back %s; fw2 decode errors %s" % (
        st1.get("nat_held_back"), st2.get("decode_errors")))
    s.check(not expectations(lab, "fw2", VIP), "fw2 (old) holds no NAT expectation")
    s.check(not any((st2.get("decode_errors") or {}).values()),
            "fw2 (old) read no bad record (%s)" % st2.get("decode_errors"))
    ftp.go()
    r = ftp.result(s)
    s.check(r.get("first") == SIZE, "the transfer through fw1 works (%s)" % r)
    stop_pair(lab)


def body(lab, s):
    for box in ("fw1", "fw2"):
        lab.run(box, ["nft", "-f", "-"], input_text=FTP_RULES)
    setting_off(lab, s)

    start_pair(lab, s, True)
    s.wait_until("the routing has settled on fw1", lambda: routed_via(lab, "fw1"), 30)
    ftp = Ftp(lab, "on")
    ftp.start(s)
    one = s.wait_until("fw1 holds the expectation of the PORT",
                       lambda: expectations(lab, "fw1"), 30)
    s.wait_until("fw2 holds the control connection with helper=ftp",
                 lambda: "helper=ftp" in control_entry(lab, "fw2"), 30)
    try:
        two = s.wait_until("fw2 holds the same expectation",
                           lambda: same_expectation(lab, "fw2", one), 30)
    except scenario.Failed:
        for box in ("fw1", "fw2"):  # what each side counted, for the log
            print("  %s expectations: %s; session: %s" % (
                box, exp_stats(lab, box), session(lab, box).get("status")), flush=True)
        raise
    s.note("expectation", "fw1 %s; fw2 %s" % (one, two))
    by_bulk(lab, s)
    st1 = exp_stats(lab, "fw1")
    s.check(st1.get("events_new", 0) >= 1 and st1.get("sent", 0) >= 1 and
            st1.get("helper_entries_sent", 0) >= 1,
            "fw1 sent the helper entry and the expectation (%s)" % st1)

    fail_fw1(lab, s)
    ftp.go()
    r = ftp.result(s)
    s.note("transfers", "%s" % r)
    s.check(r.get("first") == SIZE,
            "the data connection of the PORT sent before the failover, through fw2 (%s)"
            % r.get("first"))
    s.check(r.get("second") == SIZE,
            "a new PORT after the failover, read by fw2's helper (%s)" % r.get("second"))
    s.check(r.get("passive") == SIZE, "passive mode after the failover (%s)" % r.get("passive"))
    st2 = exp_stats(lab, "fw2")
    s.check(st2.get("created", 0) >= 1 and st2.get("helper_entries_received", 0) >= 1,
            "fw2 created the peer's expectation and helper entry (%s)" % st2)
    faults.box_recover(lab, "fw1")
    s.wait_until("the pair settles after fw1 thaws", lambda: role(lab, "fw1") is not None, 30)
    through_snat(lab, s)
    old_peer(lab, s)
    s.summary = "; ".join("%s: %s" % kv for kv in s.notes)


scenario.main(body, topology="ref", daemons=False)
