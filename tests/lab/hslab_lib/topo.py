"""Read a containerlab topology file and check it against the subset hslab supports.

The subset (tests/lab/README.md says the same):

    name: NAME
    topology:
      nodes:
        NODE:
          kind: linux              # the only kind
          exec: [shell lines]      # run in the node's namespace, in file order
          labels: {KEY: VALUE}     # hs.* keys mean something to hslab; others are ignored
          binds: [...]             # accepted and ignored
          image: ...               # accepted and ignored
      links:
        - endpoints: ["NODE:IFNAME", "NODE:IFNAME"]

Anything else is rejected with an error naming the key. A link must have a switch node
(label hs.role: switch) on at least one end: LAB.md wants every link between boxes to pass
through a switch.
"""

import os
import re

import yaml


class TopoError(Exception):
    """A topology file outside the supported subset; the message names the file and the key."""


ROLES = ("switch", "firewall", "router", "host")
# hs.* labels hslab understands; any other hs.* label is a typo and rejected.
HS_LABELS = {
    "hs.role": "switch, firewall, router or host",
    "hs.vips": "IF:ADDR/LEN[,IF:ADDR/LEN...]: the VIPs --manual-active puts on the active box",
    "hs.ospf-cost-ifs": "IF[,IF...]: interfaces whose OSPF cost --manual-active raises on the standby",
    "hs.ready": "a shell condition that holds once the node is ready (polled after exec)",
}
TOP_KEYS = {"name", "topology"}
TOPOLOGY_KEYS = {"nodes", "links"}
NODE_KEYS = {"kind", "exec", "labels", "binds", "image"}
LINK_KEYS = {"endpoints"}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")
LAB_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
IFNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$")
VIP_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,14}):([0-9a-fA-F.:]+/[0-9]{1,3})$")


class Node:
    def __init__(self, name, exec_lines, labels):
        self.name = name
        self.exec = exec_lines
        self.labels = labels
        self.role = labels.get("hs.role", "host")

    def vips(self):
        """[(ifname, "addr/len")] from hs.vips."""
        spec = self.labels.get("hs.vips", "")
        return [VIP_RE.match(v.strip()).groups() for v in spec.split(",") if v.strip()]

    def ospf_cost_ifs(self):
        return [i.strip() for i in self.labels.get("hs.ospf-cost-ifs", "").split(",") if i.strip()]


class Link:
    def __init__(self, a, b):
        self.a = a  # (node, ifname)
        self.b = b

    def ends(self):
        return (self.a, self.b)


class Topology:
    def __init__(self, path, name, nodes, links):
        self.path = os.path.abspath(path)
        self.dir = os.path.dirname(self.path)
        self.name = name
        self.nodes = nodes  # dict name -> Node, in file order
        self.links = links

    def by_role(self, role):
        return [n for n in self.nodes.values() if n.role == role]

    def switch_ports(self, node):
        """[(ifname on node, switch, port)] for every link of node that ends on a switch."""
        out = []
        for link in self.links:
            for (n, ifn), (peer, port) in ((link.a, link.b), (link.b, link.a)):
                if n == node and self.nodes[peer].role == "switch":
                    out.append((ifn, peer, port))
        return out

    def peer(self, node, ifname):
        """(node, ifname) at the other end of node:ifname's link."""
        for link in self.links:
            if link.a == (node, ifname):
                return link.b
            if link.b == (node, ifname):
                return link.a
        raise KeyError("%s:%s is not a link end" % (node, ifname))


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice in one mapping (PyYAML keeps the last one)."""


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise TopoError("line %d: key '%s' given twice" % (key_node.start_mark.line + 1, key))
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _fail(path, key, why):
    raise TopoError("%s: %s: %s" % (path, key, why))


def _only(path, where, obj, allowed):
    if not isinstance(obj, dict):
        _fail(path, where, "expected a mapping")
    for key in obj:
        if key not in allowed:
            _fail(path, "%s.%s" % (where, key) if where else str(key),
                  "not supported by hslab (supported here: %s)" % ", ".join(sorted(allowed)))


def _check_labels(path, where, labels):
    if not isinstance(labels, dict):
        _fail(path, where, "expected a mapping of strings")
    for key, value in labels.items():
        if not isinstance(key, str) or not isinstance(value, (str, int, float, bool)):
            _fail(path, "%s.%s" % (where, key), "a label is a string")
        if key.startswith("hs.") and key not in HS_LABELS:
            _fail(path, "%s.%s" % (where, key),
                  "unknown hslab label (known: %s)" % ", ".join(sorted(HS_LABELS)))
    role = labels.get("hs.role", "host")
    if role not in ROLES:
        _fail(path, where + ".hs.role", "'%s' is not one of %s" % (role, ", ".join(ROLES)))
    for vip in str(labels.get("hs.vips", "")).split(","):
        if vip.strip() and not VIP_RE.match(vip.strip()):
            _fail(path, where + ".hs.vips", "'%s' is not IF:ADDR/LEN" % vip.strip())
    return {k: str(v) for k, v in labels.items()}


def _check_node(path, name, spec):
    where = "topology.nodes.%s" % name
    if not isinstance(name, str) or not NAME_RE.match(name):
        _fail(path, where, "a node name has 1-20 characters: lower-case letters, digits, '-'")
    if spec is None:
        spec = {}
    _only(path, where, spec, NODE_KEYS)
    kind = spec.get("kind")
    if kind != "linux":
        _fail(path, where + ".kind",
              "'%s' is not supported: every node is kind 'linux' (a switch is a linux node "
              "with label hs.role: switch whose exec lines make a bridge)" % kind)
    lines = spec.get("exec", [])
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        _fail(path, where + ".exec", "expected a list of shell lines")
    binds = spec.get("binds", [])
    if not isinstance(binds, list):
        _fail(path, where + ".binds", "expected a list")
    if "image" in spec and not isinstance(spec["image"], str):
        _fail(path, where + ".image", "expected a string")
    labels = _check_labels(path, where + ".labels", spec.get("labels", {}) or {})
    return Node(name, lines, labels)


def _endpoint(path, where, value, nodes):
    if not isinstance(value, str) or value.count(":") != 1:
        _fail(path, where, "an endpoint is a string \"NODE:IFNAME\", got %r" % (value,))
    node, ifname = value.split(":")
    if node not in nodes:
        _fail(path, where, "node '%s' is not in topology.nodes" % node)
    if not IFNAME_RE.match(ifname) or ifname == "lo":
        _fail(path, where,
              "'%s' is not an interface name (1-15 characters: letters, digits, '_', '.', '-')"
              % ifname)
    return (node, ifname)


def _check_links(path, links, nodes):
    if not isinstance(links, list):
        _fail(path, "topology.links", "expected a list")
    out, used = [], set()
    for i, spec in enumerate(links):
        where = "topology.links[%d]" % i
        _only(path, where, spec, LINK_KEYS)
        eps = spec.get("endpoints")
        if not isinstance(eps, list) or len(eps) != 2:
            _fail(path, where + ".endpoints", "expected a list of two \"NODE:IFNAME\" strings")
        a = _endpoint(path, where + ".endpoints[0]", eps[0], nodes)
        b = _endpoint(path, where + ".endpoints[1]", eps[1], nodes)
        for ep in (a, b):
            if ep in used:
                _fail(path, where + ".endpoints", "%s:%s is used by another link" % ep)
            used.add(ep)
        if a[0] == b[0]:
            _fail(path, where + ".endpoints", "both ends are on node '%s'" % a[0])
        if nodes[a[0]].role != "switch" and nodes[b[0]].role != "switch":
            _fail(path, where + ".endpoints",
                  "'%s' and '%s' are joined directly: a link between two boxes must pass "
                  "through a switch node (hs.role: switch), so that a failed box looks silent, "
                  "not like carrier loss" % (a[0], b[0]))
        out.append(Link(a, b))
    return out


def parse(text, path="<string>"):
    """Returns a Topology, or raises TopoError naming the offending key."""
    try:
        doc = yaml.load(text, Loader=_UniqueKeyLoader)
    except TopoError as e:
        raise TopoError("%s: %s" % (path, e)) from None
    except yaml.YAMLError as e:
        raise TopoError("%s: not YAML: %s" % (path, e)) from None
    _only(path, "", doc, TOP_KEYS)
    name = doc.get("name")
    if not isinstance(name, str) or not LAB_NAME_RE.match(name):
        _fail(path, "name", "required: 1-40 letters, digits, '_', '-'")
    topo = doc.get("topology")
    if topo is None:
        _fail(path, "topology", "required")
    _only(path, "topology", topo, TOPOLOGY_KEYS)
    raw_nodes = topo.get("nodes")
    if not isinstance(raw_nodes, dict) or not raw_nodes:
        _fail(path, "topology.nodes", "required: a mapping of nodes")
    nodes = {}
    for name_, spec in raw_nodes.items():
        nodes[name_] = _check_node(path, name_, spec)
    links = _check_links(path, topo.get("links", []) or [], nodes)
    for node in nodes.values():
        for ifname, _ in node.vips():
            if not any(ep == (node.name, ifname) for link in links for ep in link.ends()):
                _fail(path, "topology.nodes.%s.labels.hs.vips" % node.name,
                      "'%s' is not one of the node's link ends" % ifname)
    return Topology(path, name, nodes, links)


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise TopoError("%s: %s" % (path, e.strerror)) from None
    return parse(text, path)
