"""The HA boxes of a lab (nodes with hs.role: firewall): our daemons, hrpctl, FRR's vtysh, and the
interim manual-active mode.

Each box runs vrrpd, vgmpd and hrpd in its namespace, in the foreground, with its own config and
run dir:  ip netns exec NS $BIN -n -f $NODE_DIR/hotstandby.conf --rundir $NODE_DIR/run
Their output goes to $NODE_DIR/log/NAME.log and their PIDs to $NODE_DIR/pids/NAME.pid.
"""

import ipaddress
import json
import os
import re
import signal
import socket
import subprocess
import time

from . import netns

DAEMONS = ("vrrpd", "vgmpd", "hrpd")


def boxes(lab):
    return [n.name for n in lab.topo.by_role("firewall")]


def rundir(lab, node):
    return os.path.join(lab.node_dir(node), "run")


def config(lab, node):
    return os.path.join(lab.node_dir(node), "hotstandby.conf")


def _pidfile(lab, node, name):
    return os.path.join(lab.node_dir(node), "pids", name + ".pid")


def daemon_pid(lab, node, name):
    """The PID of a daemon we started, or None if it is not running."""
    try:
        with open(_pidfile(lab, node, name)) as f:
            pid = int(f.read())
    except (OSError, ValueError):
        return None
    return pid if netns.alive(pid) else None


def sanitized(pid):
    """A daemon of a build with --enable-sanitizers: ASan's quarantine keeps freed memory for a
    while, so its RSS grows where a plain build's stays flat (a real leak shows there, and in
    LeakSanitizer's report at exit)."""
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


def _log_tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


def _listening(path):
    """True when a process accepts connections on the unix socket path (a stale socket file
    left by a killed daemon refuses them)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(1)
        sock.connect(path)
        return True
    except OSError:
        return False
    finally:
        sock.close()


def start_daemons(lab, node, names=DAEMONS, timeout=15):
    """Starts the daemons and waits (bounded) until each one accepts on its control socket."""
    missing = [lab.paths.daemon(n) for n in names if not os.access(lab.paths.daemon(n), os.X_OK)]
    if missing:
        raise RuntimeError("not built: %s (run make first)" % " ".join(missing))
    os.makedirs(rundir(lab, node), exist_ok=True)
    os.makedirs(os.path.join(lab.node_dir(node), "pids"), exist_ok=True)
    started = {}
    for name in names:
        log = os.path.join(lab.node_dir(node), "log", name + ".log")
        p = lab.spawn(node, [lab.paths.daemon(name), "-n", "-f", config(lab, node),
                             "--rundir", rundir(lab, node)], log)
        with open(_pidfile(lab, node, name), "w") as f:
            f.write("%d\n" % p.pid)
        started[name] = (p, log)
    deadline = time.monotonic() + timeout
    for name, (p, log) in started.items():
        sock = os.path.join(rundir(lab, node), name + ".sock")
        while not _listening(sock):
            if p.poll() is not None:
                raise RuntimeError("%s on %s exited with %s:\n%s" % (name, node, p.returncode,
                                                                     _log_tail(log)))
            if time.monotonic() > deadline:
                raise RuntimeError("%s on %s: no %s after %ds:\n%s" % (name, node, sock, timeout,
                                                                       _log_tail(log)))
            time.sleep(0.05)
    return {name: p.pid for name, (p, _) in started.items()}


def stop_daemon(lab, node, name, sig=signal.SIGTERM, timeout=10):
    """Sends sig to a daemon by its PID and, unless it is SIGSTOP/SIGCONT, waits for it to end.
    Returns its exit status when it was our child (None otherwise or if it was not running)."""
    pid = daemon_pid(lab, node, name)
    if pid is None:
        return None
    os.kill(pid, sig)
    if sig in (signal.SIGSTOP, signal.SIGCONT):
        return None
    deadline = time.monotonic() + timeout
    for p in lab.procs:
        if p.pid == pid:
            try:
                return p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                raise RuntimeError("%s on %s did not end within %ds of %s" % (
                    name, node, timeout, signal.Signals(sig).name)) from None
    while netns.alive(pid):
        if time.monotonic() > deadline:
            raise RuntimeError("%s on %s did not end" % (name, node))
        time.sleep(0.02)
    return None


def set_setting(lab, node, group, key, value):
    """Sets group.key = value (libconfig syntax) in the box's hotstandby.conf, adding the line
    when the group does not have it yet; daemons read it at their next start or reload."""
    path = config(lab, node)
    with open(path) as f:
        text = f.read()
    start = text.index("%s = {\n" % group)
    end = text.index("\n};", start)
    line = "  %s = %s;" % (key, value)
    body, n = re.subn(r"\n  %s = [^;]*;" % re.escape(key), "\n" + line, text[start:end])
    if not n:
        body += "\n" + line
    with open(path, "w") as f:
        f.write(text[:start] + body + text[end:])


def hrpctl(lab, node, *args, as_json=True, timeout=10, check=True):
    """Runs hrpctl against the box's run dir; returns the parsed JSON, or the text."""
    argv = [lab.paths.daemon("hrpctl"), "--rundir", rundir(lab, node)]
    if as_json:
        argv.append("--json")
    p = lab.run(node, argv + list(args), timeout=timeout, check=check)
    if not as_json:
        return p.stdout
    try:
        return json.loads(p.stdout)
    except ValueError:
        raise RuntimeError("hrpctl %s on %s: not JSON: %r" % (" ".join(args), node,
                                                              p.stdout[:300])) from None


def vtysh(lab, node, *commands, timeout=10):
    argv = ["vtysh", "--vty_socket", os.path.join(lab.node_dir(node), "frr")]
    for c in commands:
        argv += ["-c", c]
    return lab.run(node, argv, timeout=timeout).stdout


def set_ospf_cost(lab, node, cost):
    """Sets (or with cost None, removes) the OSPF cost of the box's hs.ospf-cost-ifs."""
    for ifname in lab.topo.nodes[node].ospf_cost_ifs():
        cmd = "ip ospf cost %d" % cost if cost else "no ip ospf cost"
        vtysh(lab, node, "configure terminal", "interface " + ifname, cmd)


def _addresses(lab, node):
    out = json.loads(lab.run(node, ["ip", "-j", "addr", "show"]).stdout)
    return {a["local"] for i in out for a in i.get("addr_info", [])}


def _nexthops(lab, router, dst):
    """Gateways of the router's routes to dst's prefix (dst is ADDR/LEN)."""
    routes = json.loads(lab.run(router, ["ip", "-j", "route", "show", dst]).stdout)
    gws = set()
    for r in routes:
        if "gateway" in r:
            gws.add(r["gateway"])
        for nh in r.get("nexthops", []):
            if "gateway" in nh:
                gws.add(nh["gateway"])
    return gws


def manual_active(lab, active, timeout=30):
    """Interim mode until vrrpd/vgmpd do it: the VIPs (hs.vips) go on `active` by hand, the other
    boxes' OSPF cost (hs.ospf-cost-ifs) goes to 65500, and we wait until every router sends the
    LAN's traffic to `active` only, so return traffic comes back through it."""
    standby = [b for b in boxes(lab) if b != active]
    vips = lab.topo.nodes[active].vips()
    if not vips:
        raise RuntimeError("%s has no hs.vips label" % active)
    for ifname, addr in vips:
        # No gratuitous ARP: this runs before any client has resolved the VIP.
        lab.run(active, ["ip", "addr", "replace", addr, "dev", ifname])
    for b in standby:
        set_ospf_cost(lab, b, 65500)
    theirs = set()
    for b in standby:
        theirs |= _addresses(lab, b)
    nets = {_network(addr) for _, addr in vips}
    deadline = time.monotonic() + timeout
    for router in (n.name for n in lab.topo.by_role("router")):
        for net in nets:
            while True:
                gws = _nexthops(lab, router, net)
                if gws and not gws & theirs:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("%s still routes %s via %s after %ds" % (
                        router, net, sorted(gws), timeout))
                time.sleep(0.1)
    lab.log("manual-active: %s holds %s; %s cost 65500" % (
        active, ", ".join(a for _, a in vips), ", ".join(standby) or "no other box"))


def _network(cidr):
    return str(ipaddress.ip_interface(cidr).network)
