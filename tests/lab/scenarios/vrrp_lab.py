"""Helpers of the VRRP scenarios (tests/clab/vrrp.clab.yml): write a router's vrrpd, keepalived
or FRR config, start it in the router's namespace, read group states, capture adverts."""

import json
import os
import signal
import subprocess
import time

from hslab_lib import netns

VIP4, VIP6, VIP2, VIPV = "192.0.2.1", "2001:db8:1::1", "192.0.2.201", "198.51.100.1"


def rundir(lab, node):
    return os.path.join(lab.node_dir(node), "run")


def vrrpd_conf(lab, node, groups):
    """groups: list of dicts of vrrpd group settings (libconfig values, already quoted)."""
    text = ["global = { name = \"%s\"; rundir = \"%s\"; log_target = \"stderr\"; };" % (
        node, rundir(lab, node)), "vrrpd = { groups = ("]
    items = []
    for g in groups:
        items.append("  { " + " ".join("%s = %s;" % kv for kv in g.items()) + " }")
    text.append(",\n".join(items))
    text.append(") };")
    path = os.path.join(lab.node_dir(node), "hotstandby.conf")
    os.makedirs(lab.node_dir(node), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(text) + "\n")
    return path


def group(vrid, prio, vip, family="ipv4", version=3, interval=10, iface="lan0", **extra):
    g = {"interface": '"%s"' % iface, "vrid": vrid, "family": '"%s"' % family,
         "version": version, "priority": prio, "advert_interval": interval,
         "vips": '[ "%s" ]' % vip}
    g.update(extra)
    return g


def start_vrrpd(lab, node, timeout=10):
    conf = os.path.join(lab.node_dir(node), "hotstandby.conf")
    log = os.path.join(lab.node_dir(node), "log", "vrrpd.log")
    p = lab.spawn(node, [lab.paths.daemon("vrrpd"), "-n", "-f", conf], log)
    sock = os.path.join(rundir(lab, node), "vrrpd.sock")
    deadline = time.monotonic() + timeout
    while not os.path.exists(sock):
        if p.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("vrrpd on %s did not start:\n%s" % (node, open(log).read()[-2000:]))
        time.sleep(0.05)
    return p


def stop(p, sig=signal.SIGTERM, timeout=10):
    """Sends sig and waits for the process to end; returns its status."""
    p.send_signal(sig)
    return p.wait(timeout=timeout)


def vrrp_status(lab, node):
    out = lab.run(node, [lab.paths.daemon("hrpctl"), "--rundir", rundir(lab, node), "--json",
                         "display", "vrrp", "verbose"], check=False).stdout
    try:
        return json.loads(out)
    except ValueError:
        return {}


def states(lab, node):
    """{(vrid, family, interface): state} of a vrrpd router."""
    return {(g["vrid"], g["family"], g["interface"]): g["state"]
            for g in vrrp_status(lab, node).get("groups", [])}


def has_addr(lab, node, addr):
    out = lab.run(node, ["ip", "-o", "addr", "show"], check=False).stdout
    return (" %s/" % addr) in out


def vmac_links(lab, node):
    out = lab.run(node, ["ip", "-o", "link", "show"], check=False).stdout
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines()
            if ": hsv" in line]


def proto_addrs(lab, node):
    """Addresses tagged with vrrpd's IFA_PROTO (0x68) on any link of the node."""
    out = lab.run(node, ["ip", "-j", "addr", "show"], check=False).stdout
    found = []
    for link in json.loads(out or "[]"):
        for a in link.get("addr_info", []):
            if str(a.get("protocol", "")) in ("104", "0x68"):
                found.append(a["local"])
    return found


def start_capture(lab, node, iface, path, bpf="ip proto 112 or ip6 proto 112"):
    """Starts tshark in a node (normally a switch) writing to path, and returns once it says it
    captures: its start-up takes seconds on a loaded machine."""
    p = subprocess.Popen(["ip", "netns", "exec", lab.ns(node), "tshark", "-i", iface] +
                         (["-f", bpf] if bpf else []) + ["-w", path],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = p.stderr.readline()
            if not line or "Capturing on" in line:
                break
    except BaseException:
        stop_capture(p)
        raise
    return p


def stop_capture(p):
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def capture(lab, node, iface, seconds, path):
    """Captures VRRP in a node into path for `seconds` counted from tshark's start."""
    p = start_capture(lab, node, iface, path)
    try:
        time.sleep(seconds)
    finally:
        stop_capture(p)
    return path


def tshark_count(lab, node, path, display_filter):
    """Frames of a capture that match a tshark display filter (a filter tshark refuses raises:
    no output must not read as no match)."""
    r = lab.run(node, ["tshark", "-r", path, "-Y", display_filter], check=False)
    if r.returncode != 0:
        raise RuntimeError("tshark -Y %r: %s" % (display_filter, r.stderr.strip()[-300:]))
    return len(r.stdout.splitlines())


def tshark_problems(lab, node, path):
    """Adverts tshark flags: malformed, or a checksum it does not find good."""
    bad = lab.run(node, ["tshark", "-r", path, "-Y",
                         "vrrp && (_ws.malformed || vrrp.checksum.status != 1)"],
                  check=False).stdout.strip()
    total = lab.run(node, ["tshark", "-r", path, "-Y", "vrrp"], check=False).stdout
    return len(total.splitlines()), bad


def keepalived_conf(lab, node, instances):
    """instances: list of (name, dict of keepalived vrrp_instance settings, [vips])."""
    lines = ["global_defs {", "  router_id %s" % node, "  vrrp_version 3", "}"]
    for name, settings, vips in instances:
        lines.append("vrrp_instance %s {" % name)
        for k, v in settings.items():
            lines.append("  %s %s" % (k, v) if v != "" else "  %s" % k)
        lines.append("  virtual_ipaddress {")
        lines.extend("    %s" % v for v in vips)
        lines.append("  }")
        lines.append("}")
    path = os.path.join(lab.node_dir(node), "keepalived.conf")
    os.makedirs(lab.node_dir(node), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def start_keepalived(lab, node):
    d = lab.node_dir(node)
    log = os.path.join(d, "log", "keepalived.log")
    return lab.spawn(node, ["keepalived", "--vrrp", "--dont-fork", "--log-console",
                            "--log-detail", "-f", os.path.join(d, "keepalived.conf"),
                            "-p", os.path.join(d, "keepalived.pid"),
                            "-r", os.path.join(d, "keepalived-vrrp.pid")], log)


def start_frr_vrrpd(lab, node, vrid, prio, vip, parent="lan0", interval_ms=100):
    """FRR zebra + vrrpd in the node, one v3 IPv4 group. FRR wants the operator to make the
    virtual-MAC macvlan (with the VIP) itself; it finds it by its MAC on the parent link."""
    d = os.path.join(lab.node_dir(node), "frr")
    mv = "vrrp4-%d" % vrid
    lab.sh(node, "ip link add %s link %s type macvlan mode bridge && "
                 "ip link set %s address 00:00:5e:00:01:%02x && "
                 "ip link set %s addrgenmode random && ip addr add %s/24 dev %s && "
                 "ip link set %s up" % (mv, parent, mv, vrid, mv, vip, mv, mv))
    conf = ("interface %s\n vrrp %d version 3\n vrrp %d priority %d\n"
            " vrrp %d advertisement-interval %d\n vrrp %d ip %s\n" % (
                parent, vrid, vrid, prio, vrid, interval_ms, vrid, vip))
    lab.sh(node, "install -d -m 0755 -o frr -g frr %s && printf 'hostname %s\\n' > %s/zebra.conf"
                 " && printf '%s' > %s/vrrpd.conf && chown frr:frr %s/*.conf" % (
                     d, node, d, conf.replace("\n", "\\n"), d, d))
    for daemon in ("zebra", "vrrpd"):
        lab.sh(node, "/usr/lib/frr/%s -d -P 0 -f %s/%s.conf --vty_socket %s -z %s/zserv.api "
                     "-i %s/%s.pid --log file:%s/%s.log </dev/null" % (
                         daemon, d, daemon, d, d, d, daemon, d, daemon))
        deadline = time.monotonic() + 5
        while not os.path.exists(os.path.join(d, "%s.vty" % daemon)):
            if time.monotonic() > deadline:
                raise RuntimeError("FRR %s did not start on %s" % (daemon, node))
            time.sleep(0.05)
    return d


def frr_vrrp_state(lab, node, vrid):
    d = os.path.join(lab.node_dir(node), "frr")
    out = lab.run(node, ["vtysh", "--vty_socket", d, "-c", "show vrrp %d json" % vrid],
                  check=False).stdout
    try:
        data = json.loads(out)
    except ValueError:
        return None
    for g in data if isinstance(data, list) else [data]:
        if g.get("vrid") == vrid:
            return (g.get("v4") or {}).get("status")
    return None


def stop_frr(lab, node):
    d = os.path.join(lab.node_dir(node), "frr")
    for daemon in ("vrrpd", "zebra"):
        try:
            with open(os.path.join(d, "%s.pid" % daemon)) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            continue
        netns.kill_pids([pid])
