"""The pair as the scenarios see it: each box's role, the active box, VRRP and routing state in the
reference lab, and one control command to any daemon of a box (doc/control-protocol.md)."""

import json
import os
import socket
import struct

from . import boxes

BOXES = ("fw1", "fw2")
UPLINK = {"fw1": "198.51.100.1", "fw2": "198.51.100.5"}  # the boxes' ends of the uplinks
SERVER_NET = "203.0.113.128/25"
LAN_NET = "192.0.2.0/24"


def other(box):
    return "fw2" if box == "fw1" else "fw1"


def read_frame(sock):
    """One frame of the control protocol: a 4-byte big-endian length, then JSON."""
    def rd(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise EOFError("the daemon closed the control socket")
            data += chunk
        return data
    n = struct.unpack(">I", rd(4))[0]
    return json.loads(rd(n))


def ctl(lab, box, daemon, cmd, args=None, timeout=5):
    """One command to box's daemon (hrpd, vgmpd, vrrpd); returns its result, raises on an error
    answer (RuntimeError) or a closed socket (OSError, EOFError)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(os.path.join(boxes.rundir(lab, box), "%s.sock" % daemon))
        req = {"id": 1, "cmd": cmd}
        if args is not None:
            req["args"] = args
        data = json.dumps(req).encode()
        sock.sendall(struct.pack(">I", len(data)) + data)
        answer = read_frame(sock)
    finally:
        sock.close()
    if not answer.get("ok"):
        raise RuntimeError("%s %s on %s: %s" % (daemon, cmd, box, answer.get("error")))
    return answer.get("result") or {}


def ctl_or_empty(lab, box, daemon, cmd, args=None):
    """ctl(), or {} while the daemon does not answer (starting, stopped, frozen)."""
    try:
        return ctl(lab, box, daemon, cmd, args)
    except (OSError, RuntimeError, EOFError, ValueError):
        return {}


def session(lab, box):
    """hrpd's session-stats on box ({} while hrpd does not answer)."""
    return ctl_or_empty(lab, box, "hrpd", "session-stats")


def consistency(lab, box):
    """hrpd's session-consistency on box ({} while hrpd does not answer)."""
    return ctl_or_empty(lab, box, "hrpd", "session-consistency")


def session_check(lab, s, what, source="fw1", seen_on="fw2", timeout=60):
    """One consistency check started on source; seen_on's view of it once it ran."""
    before = consistency(lab, seen_on).get("checks", 0)
    ctl(lab, source, "hrpd", "session-check")
    s.wait_until("%s: %s ran the check" % (what, seen_on),
                 lambda: consistency(lab, seen_on).get("checks", 0) > before, timeout)
    return consistency(lab, seen_on)["last_check"]


def config_status(lab, box):
    """hrpd's config sync status on box ({} while hrpd does not answer)."""
    return ctl_or_empty(lab, box, "hrpd", "status").get("hrp", {}).get("config", {})


def config_stats(lab, box):
    """hrpd's config sync counters on box."""
    return ctl_or_empty(lab, box, "hrpd", "hrp-statistics").get("config", {})


def config_equal(lab):
    """Both boxes sync config, compared the digests and found them equal."""
    c = [config_status(lab, b) for b in BOXES]
    return all(x.get("on") and x.get("equal") is True for x in c) and \
        c[0].get("digest") == c[1].get("digest")


def roles(lab):
    out = {}
    for box in BOXES:
        st = boxes.hrpctl(lab, box, "display", "hrp", "state", check=False)
        out[box] = st.get("role") if isinstance(st, dict) else None
    return out


def active_box(lab):
    """The active box when one is active and the other standby, else None."""
    r = roles(lab)
    act = [b for b, x in r.items() if x == "active"]
    return act[0] if len(act) == 1 and sorted(r.values()) == ["active", "standby"] else None


def vrrp_state(lab, box):
    st = boxes.hrpctl(lab, box, "display", "vrrp", check=False)
    groups = st.get("groups", []) if isinstance(st, dict) else []
    return groups[0].get("state") if groups else None


def settled(lab, active, vrrp=False):
    """active is active and the other box standby (and, with vrrp, master and backup)."""
    if roles(lab) != {active: "active", other(active): "standby"}:
        return False
    return not vrrp or (vrrp_state(lab, active) == "master" and
                        vrrp_state(lab, other(active)) == "backup")


def route_via(lab, box):
    """The upstream router reaches the LAN through box only."""
    out = lab.run("rtr", ["ip", "route", "show", LAN_NET], check=False).stdout
    return UPLINK[box] in out and UPLINK[other(box)] not in out


def routed_via(lab, act):
    """The routing has settled on act: the router reaches the LAN through act only, and act has
    its route to the server (after a freeze its OSPF adjacency comes back first)."""
    mine = lab.run(act, ["ip", "route", "show", SERVER_NET], check=False).stdout
    return route_via(lab, act) and "via" in mine


def load_balance(lab):
    """Both boxes in load-balance (the load-sharing lab)."""
    return set(roles(lab).values()) == {"load-balance"}


def mirror(lab, box):
    """hrpd's mirror session statistics on box ({} while hrpd does not answer)."""
    return session(lab, box).get("statistics", {}).get("mirror", {})


def set_mirror(lab, on, hold_ms):
    """mirror_session on or off and the hold time on both boxes, by reload; returns a predicate
    that is true once both hrpds report it."""
    for box in BOXES:
        boxes.set_setting(lab, box, "hrpd", "mirror_session", "true" if on else "false")
        boxes.set_setting(lab, box, "hrpd", "mirror_hold_ms", str(hold_ms))
        ctl(lab, box, "hrpd", "reload")
    return lambda: all(mirror(lab, b).get("on") is on for b in BOXES)
