#!/usr/bin/python3
"""New TCP flows at a steady pace, to keep session sync busy while something happens (s55: hrpd's
hot restarts). Opens one connection to SERVER:PORT every INTERVAL_MS until STOPFILE exists (at
most MAX_S seconds), then writes OUT ({"opened": [local ports], "failed": [errors]}) and holds every
connection open for HOLD_S seconds, so that their conntrack entries stay ESTABLISHED while they
are looked for on the peer.

  flow_opener.py OUT SERVER PORT INTERVAL_MS STOPFILE MAX_S HOLD_S"""

import json
import os
import socket
import sys
import time


def main():
    out, server, port, interval_ms, stopfile, max_s, hold_s = sys.argv[1:8]
    port, interval, max_s, hold_s = int(port), int(interval_ms) / 1000.0, float(max_s), \
        float(hold_s)
    opened, failed, socks = [], [], []
    end = time.monotonic() + max_s
    with open(out + ".ready", "w") as f:
        f.write("1\n")
    while time.monotonic() < end and not os.path.exists(stopfile):
        began = time.monotonic()
        try:
            s = socket.create_connection((server, port), timeout=5)
            socks.append(s)
            opened.append(s.getsockname()[1])
        except OSError as e:
            failed.append(str(e) or type(e).__name__)
        time.sleep(max(0.0, interval - (time.monotonic() - began)))
    with open(out + ".tmp", "w") as f:
        json.dump({"opened": opened, "failed": failed}, f)
    os.rename(out + ".tmp", out)
    time.sleep(hold_s)
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
