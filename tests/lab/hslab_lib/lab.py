"""One lab: a topology built with network namespaces under a prefix, and its teardown.

    with Lab(topo, paths) as lab:     # removes leftovers of its prefix first, then builds
        lab.sh("client", "ping -c1 203.0.113.130")
    # gone here, on success, error or signal (see signals.py); the next run of the same prefix
    # removes what a SIGKILL left behind.

Build order: every node's namespace PREFIX-NODE (loopback up), every link as a veth pair created
directly in its two namespaces (both ends up, named as in the file, alias "PREFIX NODE:IF-..."),
then every node's exec lines in file order (interfaces they make, such as bridges, get the alias
too), then every node's hs.ready condition is polled until it holds. Nothing is ever created in
the root namespace.
"""

import json
import os
import shutil
import subprocess
import time

from . import netns, signals


class Paths:
    """Where the lab's sources and the built programs are."""

    def __init__(self, builddir=None):
        self.lab_src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.top_src = os.path.dirname(os.path.dirname(self.lab_src))
        self.top_build = os.path.abspath(builddir or os.environ.get("HS_BUILDDIR")
                                         or self.top_src)
        self.clab = os.path.join(self.top_src, "tests", "clab")

    def daemon(self, name):
        sub = "cli" if name == "hrpctl" else name
        return os.path.join(self.top_build, sub, name)

    def probe(self, name):
        return os.path.join(self.top_build, "tests", "lab", name)

    def topology(self, name):
        """A topology by file name or by short name ('ref' -> tests/clab/ref.clab.yml)."""
        if os.path.exists(name):
            return name
        return os.path.join(self.clab, name + ".clab.yml")


class LabError(Exception):
    pass


class Lab:
    def __init__(self, topo, paths, prefix=None, workdir=None, log=None, keep_workdir=False):
        self.topo = topo
        self.paths = paths
        self.prefix = netns.check_prefix(prefix) if prefix else netns.new_prefix()
        self.workdir = os.path.abspath(workdir or "/tmp/hslab.%s" % self.prefix)
        self.log = log or (lambda msg: print("[hslab %s] %s" % (self.prefix, msg), flush=True))
        self.keep_workdir = keep_workdir
        self.procs = []  # Popen objects we started, reaped at teardown

    # ---- names and commands ----

    def ns(self, node):
        if node not in self.topo.nodes:
            raise LabError("no node '%s' in %s" % (node, self.topo.name))
        return netns.ns_name(self.prefix, node)

    def node_dir(self, node):
        return os.path.join(self.workdir, node)

    def env(self, node):
        """The variables of exec lines (and of every command the lab runs in a node)."""
        env = dict(os.environ)
        env.update({
            "PREFIX": self.prefix,
            "NODE": node,
            "LAB_DIR": self.workdir,
            "NODE_DIR": self.node_dir(node),
            "TOPO_DIR": self.topo.dir,
            "LAB_SRC": self.paths.lab_src,
            "LAB_BUILD": os.path.join(self.paths.top_build, "tests", "lab"),
        })
        return env

    def run(self, node, argv, timeout=30, check=True, input_text=None):
        return netns.nsexec(self.ns(node), argv, timeout=timeout, check=check,
                            input_text=input_text, env=self.env(node))

    def sh(self, node, line, timeout=30, check=True):
        """Runs one shell line in the node's namespace with the exec-line variables set."""
        return self.run(node, ["/bin/sh", "-ec", line], timeout=timeout, check=check)

    def spawn(self, node, argv, logfile):
        """Starts a long-running process in the node (own session, so a terminal's ^C reaches
        only hslab) with its output in logfile; the lab ends it by PID at teardown."""
        os.makedirs(os.path.dirname(logfile), exist_ok=True)
        with open(logfile, "ab") as out:
            p = subprocess.Popen(["ip", "netns", "exec", self.ns(node)] + list(argv),
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                 env=self.env(node), start_new_session=True)
        self.procs.append(p)
        return p

    # ---- build ----

    def up(self, ready_timeout=90):
        if os.geteuid() != 0:
            raise LabError("the lab needs root (network namespaces)")
        self._check_workdir()
        left = netns.leftovers(self.prefix)
        if left:
            self.log("leftovers of prefix %s from an earlier run: %s" % (self.prefix,
                                                                        " ".join(left)))
            netns.remove_prefix(self.prefix, self.log)
        os.makedirs(self.workdir, exist_ok=True)
        with open(os.path.join(self.workdir, "lab.json"), "w") as f:
            json.dump({"prefix": self.prefix, "topology": self.topo.path,
                       "name": self.topo.name}, f)
        start = time.monotonic()
        for node in self.topo.nodes:
            netns.run(["ip", "netns", "add", self.ns(node)])
            netns.run(["ip", "-n", self.ns(node), "link", "set", "lo", "up"])
            os.makedirs(self.node_dir(node), exist_ok=True)
        for link in self.topo.links:
            self._link(link)
        for node in self.topo.nodes.values():
            self._exec(node)
            self._alias_rest(node.name)
        self._wait_ready(ready_timeout)
        self.log("%s up in %.1f s (%d nodes, %d links, work dir %s)" % (
            self.topo.name, time.monotonic() - start, len(self.topo.nodes),
            len(self.topo.links), self.workdir))

    def _own_workdir(self):
        """True when the work dir holds this prefix's lab.json: a dir we made."""
        try:
            with open(os.path.join(self.workdir, "lab.json")) as f:
                return json.load(f).get("prefix") == self.prefix
        except (OSError, ValueError):
            return False

    def _check_workdir(self):
        """The work dir is removed at teardown: it must be new, empty, or this prefix's own."""
        if os.path.isdir(self.workdir) and os.listdir(self.workdir) and not self._own_workdir():
            raise LabError("work dir %s is not empty and not a lab of prefix %s" % (self.workdir,
                                                                                self.prefix))

    def _link(self, link):
        (na, ia), (nb, ib) = link.a, link.b
        netns.run(["ip", "-n", self.ns(na), "link", "add", ia, "type", "veth",
                   "peer", "name", ib, "netns", self.ns(nb)])
        for node, ifname, other in ((na, ia, link.b), (nb, ib, link.a)):
            netns.run(["ip", "-n", self.ns(node), "link", "set", ifname, "alias",
                       "%s %s:%s-%s:%s" % (self.prefix, node, ifname, other[0], other[1])])
            netns.run(["ip", "-n", self.ns(node), "link", "set", ifname, "up"])

    def _alias_rest(self, node):
        """Gives the interfaces an exec line made (bridges) the prefix too, as an alias."""
        for link in json.loads(netns.run(["ip", "-n", self.ns(node), "-j", "link",
                                          "show"]).stdout):
            if link["ifname"] != "lo" and not link.get("ifalias"):
                netns.run(["ip", "-n", self.ns(node), "link", "set", link["ifname"], "alias",
                           "%s %s:%s" % (self.prefix, node, link["ifname"])])

    def _exec(self, node):
        logpath = os.path.join(self.node_dir(node.name), "exec.log")
        for line in node.exec:
            with open(logpath, "a") as logf:
                logf.write("$ %s\n" % line)
            p = self.sh(node.name, line, timeout=60, check=False)
            with open(logpath, "a") as logf:
                logf.write(p.stdout + p.stderr)
            if p.returncode != 0:
                raise LabError("%s: exec line failed (%d): %s\n%s" % (
                    node.name, p.returncode, line, (p.stderr or p.stdout).strip()))

    def _wait_ready(self, timeout):
        pending = {n.name: n.labels["hs.ready"] for n in self.topo.nodes.values()
                   if "hs.ready" in n.labels}
        deadline = time.monotonic() + timeout
        while pending:
            for node, cond in list(pending.items()):
                if self.sh(node, cond, check=False).returncode == 0:
                    del pending[node]
            if not pending:
                break
            if time.monotonic() > deadline:
                raise LabError("not ready after %ds: %s" % (
                    timeout, "; ".join("%s: %s" % kv for kv in pending.items())))
            time.sleep(0.2)

    # ---- teardown ----

    def down(self):
        """Removes every namespace, link and process of the prefix; keeps logs if asked."""
        with signals.shielded():
            removed = netns.remove_prefix(self.prefix)
            for p in self.procs:
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            self.procs = []
            left = netns.leftovers(self.prefix)
            if not self.keep_workdir and self._own_workdir():
                shutil.rmtree(self.workdir, ignore_errors=True)
            if left:
                raise LabError("could not remove: %s" % " ".join(left))
            if removed:
                self.log("down: removed %d namespaces" % len(removed))

    def __enter__(self):
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        # An error keeps the logs in the work dir; a signal (Interrupted) does not.
        if exc_type is not None and issubclass(exc_type, Exception):
            self.keep_workdir = True
        self.down()
        return False
