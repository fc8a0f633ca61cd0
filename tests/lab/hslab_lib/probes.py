"""Traffic through the lab: the sequenced UDP probe, the TCP flows and a bulk iperf3 flow.

    probe = udp_probe(lab, "client", "server", "203.0.113.130", duration=10)
    ...faults...
    result = probe.wait()      # the client's JSON: {"c2s": {...}, "s2c": {...}, ...}

Each run writes its JSON in $NODE_DIR/probes/ of the client node (NAME-N.json, with the two
programs' output beside it); wait() returns it parsed. stop() ends the client early (SIGINT: it
still reports)."""

import itertools
import json
import os
import signal
import subprocess
import time

_seq = itertools.count(1)


def _end(proc, sig=None, timeout=5):
    """Sends sig (None: nothing) and waits up to timeout; True once proc has ended."""
    if sig is not None and proc.poll() is None:
        os.kill(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


class Probe:
    """A server process and a client process whose JSON result is the probe's outcome."""

    def __init__(self, lab, name, client, server, duration, server_ends=False):
        self.lab, self.name, self.duration = lab, name, duration
        self.server_ends = server_ends  # the server exits by itself after the client's session
        self.client_node, self.server_node = client, server
        self.out = os.path.join(lab.node_dir(client), "probes", "%s-%d.json" % (name, next(_seq)))
        self.ready = self.out[:-len(".json")] + ".ready"
        self.server = self.client = None
        self.result = None
        os.makedirs(os.path.dirname(self.out), exist_ok=True)

    def start(self, server_argv, client_argv, wait_ready=None):
        base = self.out[:-len(".json")]
        self.server = self.lab.spawn(self.server_node, server_argv, base + ".server.log")
        (wait_ready or self._wait_ready_file)()
        self.client = self.lab.spawn(self.client_node, client_argv, base + ".client.log")
        self.started = time.monotonic()
        return self

    def _wait_ready_file(self, timeout=10):
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.ready):
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("%s server did not start (exit %s)" % (
                    self.name, self.server.returncode))
            time.sleep(0.02)

    def stop(self):
        """Ends the client early; it still reports what it measured."""
        if self.client.poll() is None:
            os.kill(self.client.pid, signal.SIGINT)
        return self.wait()

    def wait(self, slack=30):
        """Waits (bounded by duration + slack) for the client, ends the server, returns JSON."""
        if self.result is not None:
            return self.result
        left = self.duration + slack - (time.monotonic() - self.started)
        try:
            if not _end(self.client, timeout=max(left, 1)):
                _end(self.client, signal.SIGKILL)
                raise RuntimeError("%s client did not end within %ds" % (
                    self.name, self.duration + slack))
        finally:
            if not (self.server_ends and _end(self.server, timeout=3)):
                if not _end(self.server, signal.SIGTERM):
                    _end(self.server, signal.SIGKILL)
        try:
            with open(self.out) as f:
                self.result = json.load(f)
        except (OSError, ValueError) as e:
            raise RuntimeError("%s: no result in %s (client exit %s): %s" % (
                self.name, self.out, self.client.returncode, e)) from None
        return self.result


def ct_fill(lab, box, *args, timeout=120):
    """hs-ct-fill in box with args (tests/lab/probe/ct_fill.c); its JSON report."""
    argv = [lab.paths.probe("hs-ct-fill")] + [str(a) for a in args]
    out = lab.run(box, argv, timeout=timeout).stdout.strip().splitlines()
    return json.loads(out[-1]) if out else {}


def ct_ours(lab, box):
    """Entries of the hs-ct-fill pattern in box's kernel (a dump)."""
    return ct_fill(lab, box, "--count").get("ours", -1)


def udp_probe(lab, client, server, server_addr, duration=10, port=9000, interval_us=1000):
    """One packet per interval (1 ms) each way between client and server_addr (on node server)."""
    binary = lab.paths.probe("hs-udp-probe")
    common = ["--port", str(port), "--interval-us", str(interval_us), "--rt"]
    p = Probe(lab, "udp", client, server, duration, server_ends=True)
    return p.start([binary, "server", "--bind", server_addr, "--duration", str(duration + 120),
                    "--ready-file", p.ready] + common,
                   [binary, "client", "--server", server_addr, "--duration", str(duration),
                    "--out", p.out] + common)


def tcp_flows(lab, client, server, server_addr, flows=200, duration=10, port=9001,
              alive_ms=1000, connect_timeout_ms=5000, open_every_ms=0, every_ms=None):
    """N long-lived TCP connections from client to server_addr, echoed by the server; with
    open_every_ms, opened one every so many ms instead of all at once; every_ms=(A, B): each
    flow writes every A-B ms (the tool's default 10-20 ms)."""
    binary = lab.paths.probe("hs-tcp-flows")
    p = Probe(lab, "tcp", client, server, duration)
    spread = ["--open-every-ms", str(open_every_ms)] if open_every_ms else []
    if every_ms:
        spread += ["--min-ms", str(every_ms[0]), "--max-ms", str(every_ms[1])]
    return p.start([binary, "server", "--bind", server_addr, "--port", str(port),
                    "--duration", str(duration + 120), "--ready-file", p.ready],
                   [binary, "client", "--server", server_addr, "--port", str(port),
                    "--flows", str(flows), "--duration", str(duration),
                    "--alive-ms", str(alive_ms), "--connect-timeout-ms",
                    str(connect_timeout_ms)] + spread + ["--out", p.out])


def bulk(lab, client, server, server_addr, duration=10, port=5201):
    """A bulk TCP flow (iperf3) for load; wait() returns iperf3's JSON."""
    p = Probe(lab, "iperf3", client, server, duration, server_ends=True)

    def listening(timeout=10):
        deadline = time.monotonic() + timeout
        while not lab.run(server, ["ss", "-Hltn", "sport", "=", ":%d" % port]).stdout.strip():
            if p.server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("iperf3 server did not start (exit %s)" % p.server.returncode)
            time.sleep(0.05)

    return p.start(["iperf3", "-s", "-1", "-B", server_addr, "-p", str(port)],
                   ["iperf3", "-c", server_addr, "-p", str(port), "-t", str(duration), "-J",
                    "--logfile", p.out], listening)


def udp_detail(result):
    """A UDP probe's result in one line: lost packets and the longest gap, each direction."""
    return ", ".join("%s lost %s gap %s ms at %s" % (d, (result.get(d) or {}).get("lost"),
                                                    (result.get(d) or {}).get("max_gap_ms"),
                                                    (result.get(d) or {}).get("max_gap_at_ms"))
                     for d in ("c2s", "s2c"))


def udp_lost(result):
    """Packets a UDP probe lost, both directions. A direction with no report (the server's
    final report never came back) or with nothing received counts whole, at least 1: a path
    that went dark is never 0 lost."""
    total = 0
    for d in ("c2s", "s2c"):
        x = result.get(d) or {}
        if not x.get("received") or not result.get("peer_report"):
            total += max(1, x.get("sent") or 0)
        else:
            total += x.get("lost", 0)
    return total
