"""Namespaces of one lab prefix: names, commands inside them, and removal of everything a prefix
owns. Everything a lab makes carries its prefix: the namespaces are PREFIX-NODE, and the links are
created directly inside them (never in the root namespace) with an alias "PREFIX NODE:IF"; deleting
a namespace deletes its links. Processes are ended by PID (found as `ip netns pids` finds them),
never by name."""

import os
import re
import secrets
import signal
import subprocess
import time

PREFIX_RE = re.compile(r"^hs[0-9a-f]{4}$")


def check_prefix(prefix):
    if not PREFIX_RE.match(prefix or ""):
        raise ValueError("a lab prefix is 'hs' and 4 hex digits (e.g. hs3fa1), got %r" % prefix)
    return prefix


def new_prefix(tries=64):
    """A random prefix that no namespace or link uses yet."""
    for _ in range(tries):
        prefix = "hs" + secrets.token_hex(2)
        if not leftovers(prefix):
            return prefix
    raise RuntimeError("no free lab prefix after %d tries" % tries)


def ns_name(prefix, node):
    return "%s-%s" % (prefix, node)


def run(argv, timeout=30, check=True, input_text=None, env=None):
    """Runs argv, returns CompletedProcess with text output; raises with stderr on failure."""
    try:
        p = subprocess.run(argv, input=input_text, capture_output=True, text=True,
                           timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise RuntimeError("timed out after %ss: %s" % (timeout, " ".join(argv))) from None
    if check and p.returncode != 0:
        raise RuntimeError("failed (%d): %s\n%s" % (p.returncode, " ".join(argv),
                                                    (p.stderr or p.stdout).strip()))
    return p


def nsexec(ns, argv, **kw):
    return run(["ip", "netns", "exec", ns] + list(argv), **kw)


NETNS_DIR = "/run/netns"  # where `ip netns add` mounts each namespace


def namespaces():
    """The named namespaces, read where `ip netns list` reads them: no process to start, so it
    answers even when the machine is too loaded to fork one in time (seen: `ip netns list` timed
    out after 30 s during a kernel stall, and a lab's teardown gave up)."""
    try:
        return sorted(os.listdir(NETNS_DIR))
    except FileNotFoundError:
        return []


def root_links():
    """The links of the root namespace (ours), from sysfs: like namespaces(), no process."""
    return sorted(os.listdir("/sys/class/net"))


def leftovers(prefix):
    """Namespaces and root-namespace links that carry prefix."""
    found = [ns for ns in namespaces() if ns.startswith(prefix + "-")]
    found += ["link " + link for link in root_links() if link.startswith(prefix)]
    return found


def _ns_id(path):
    st = os.stat(path)
    return st.st_dev, st.st_ino


def ns_pids(ns):
    """The processes whose network namespace is ns, as `ip netns pids` finds them (the same
    device and inode), read from /proc here for the reason namespaces() gives."""
    try:
        want = _ns_id(os.path.join(NETNS_DIR, ns))
    except OSError:
        return []
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if _ns_id("/proc/%s/ns/net" % name) == want:
                pids.append(int(name))
        except OSError:  # gone meanwhile, or a kernel thread's
            continue
    return sorted(pids)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _reap(pids):
    """Collects those of pids that are exited children of ours (started with Popen)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def signal_pids(pids, sig):
    """Sends sig to each of pids; one that has gone meanwhile is skipped."""
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def kill_pids(pids, grace=2.0):
    """SIGTERM (and SIGCONT, for frozen ones), then SIGKILL after grace seconds; waits, bounded."""
    for sig in (signal.SIGTERM, signal.SIGCONT):
        signal_pids(pids, sig)
    for final in (False, True):
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            _reap(pids)
            if not any(alive(p) for p in pids):
                return
            time.sleep(0.02)
        if final:
            break
        signal_pids([p for p in pids if alive(p)], signal.SIGKILL)
    still = [p for p in pids if alive(p)]
    if still:
        raise RuntimeError("processes %s did not end" % still)


def remove_prefix(prefix, log=None):
    """Ends every process in the prefix's namespaces and deletes them and any link carrying the
    prefix. Safe to call at any time, any number of times. Returns what it removed."""
    check_prefix(prefix)
    removed, failed = [], []
    mine = [ns for ns in namespaces() if ns.startswith(prefix + "-")]
    for ns in mine:  # every process first: a namespace cannot go while one runs in it
        pids = ns_pids(ns)
        if pids:
            try:
                kill_pids(pids)
            except RuntimeError as e:
                failed.append("%s: %s" % (ns, e))
    for ns in mine:
        # A namespace goes when its last process and mount are gone; retry briefly. One that
        # will not go does not keep the others (or the links) from going.
        for attempt in range(20):
            try:
                if run(["ip", "netns", "del", ns], check=False).returncode == 0:
                    break
            except RuntimeError as e:
                failed.append("%s: %s" % (ns, e))
            if ns not in namespaces():
                break
            time.sleep(0.05 * (attempt + 1))
        if ns in namespaces():
            failed.append("%s: still there" % ns)
        else:
            removed.append(ns)
    for link in [link for link in root_links() if link.startswith(prefix)]:
        run(["ip", "link", "del", link], check=False)
        removed.append("link " + link)
    if log and removed:
        log("removed %d namespaces/links of prefix %s" % (len(removed), prefix))
    if failed:
        raise RuntimeError("prefix %s not all removed: %s" % (prefix, "; ".join(failed)))
    return removed
