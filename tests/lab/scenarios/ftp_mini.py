#!/usr/bin/python3
"""A tiny FTP server and a scripted FTP client (ftplib) for the lab's FTP scenario: no FTP
server package is needed. Bounded in time; one JSON line of results from the client.

  ftp_mini.py server --bind ADDR [--port 21] --ready FILE [--duration S]
      USER, PASS, TYPE, SYST, PWD, PORT, PASV, RETR NAME (SIZE bytes of a known pattern),
      QUIT. Active mode connects from port 20 to the PORT address.

  ftp_mini.py client --server ADDR --stage FILE --go FILE [--timeout S]
      logs in; in active mode sends PORT and writes "ported" to --stage; waits for --go to
      exist (the scenario's failover); then RETR over that PORT (the data connection the
      expectation admits), RETR again in active mode (a new PORT on the new active) and in
      passive mode. Prints {"first": BYTES|error, "second": ..., "passive": ...}."""

import argparse
import json
import os
import socket
import socketserver
import sys
import threading
import time
from ftplib import FTP

SIZE = 200000


def pattern(n=SIZE):
    return bytes(i * 7 % 251 for i in range(n))


class Control(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def data_conn(self):
        if getattr(self, "pasv", None):
            s, _ = self.pasv.accept()
            self.pasv.close()
            self.pasv = None
            return s
        host, port = self.port
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.server.server_address[0], 20))
        s.settimeout(10)
        s.connect((host, port))
        return s

    def handle(self):
        self.port = None
        self.pasv = None
        self.reply("220 hs ftp_mini")
        for raw in self.rfile:
            line = raw.decode(errors="replace").strip()
            cmd, _, arg = line.partition(" ")
            cmd = cmd.upper()
            if cmd == "USER":
                self.reply("331 password")
            elif cmd == "PASS":
                self.reply("230 in")
            elif cmd in ("TYPE", "MODE", "STRU"):
                self.reply("200 ok")
            elif cmd == "SYST":
                self.reply("215 UNIX Type: L8")
            elif cmd == "PWD":
                self.reply('257 "/"')
            elif cmd == "PORT":
                p = [int(x) for x in arg.split(",")]
                self.port = (".".join(str(x) for x in p[:4]), p[4] * 256 + p[5])
                self.reply("200 PORT ok")
            elif cmd == "PASV":
                self.pasv = socket.create_server((self.server.server_address[0], 0))
                self.pasv.settimeout(10)
                a = self.server.server_address[0].split(".")
                port = self.pasv.getsockname()[1]
                self.reply("227 Entering Passive Mode (%s,%d,%d)" % (",".join(a), port >> 8,
                                                                     port & 255))
            elif cmd == "RETR":
                self.reply("150 sending")
                try:
                    s = self.data_conn()
                    s.sendall(pattern())
                    s.close()
                    self.reply("226 done")
                except OSError as e:
                    self.reply("425 no data connection: %s" % e)
            elif cmd == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not here")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def server(a):
    srv = Server((a.bind, a.port), Control)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    with open(a.ready, "w") as f:
        f.write("ready\n")
    time.sleep(a.duration)
    srv.shutdown()


def drain(ftp):
    """Reads the reply an active-mode transfer left behind when the client gave up first: the
    server's 425 for the data connection it could not open."""
    try:
        ftp.getresp()
    except Exception:
        pass


def retr(ftp, want):
    got = bytearray()
    ftp.retrbinary("RETR data", got.extend)
    return len(got) if bytes(got) == want else "wrong data (%d bytes)" % len(got)


def client(a):
    want = pattern()
    out = {}
    ftp = FTP()
    ftp.connect(a.server, 21, timeout=15)
    ftp.login("hs", "hs")
    ftp.set_pasv(False)
    sock = ftp.makeport()  # PORT now: the helper's expectation on the active box
    sock.settimeout(15)
    with open(a.stage, "w") as f:
        f.write("ported\n")
    deadline = time.monotonic() + a.timeout
    while not os.path.exists(a.go) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        ftp.sendcmd("TYPE I")
        resp = ftp.sendcmd("RETR data")
        if not resp.startswith("150"):
            raise OSError(resp)
        conn, _ = sock.accept()
        got = bytearray()
        conn.settimeout(15)
        while True:
            b = conn.recv(65536)
            if not b:
                break
            got.extend(b)
        conn.close()
        ftp.voidresp()
        out["first"] = len(got) if bytes(got) == want else "wrong data (%d bytes)" % len(got)
    except Exception as e:  # socket errors and ftplib's replies alike: reported, not raised
        out["first"] = "error: %s" % e
        drain(ftp)
    finally:
        sock.close()
    for key, pasv in (("second", False), ("passive", True)):
        try:
            ftp.set_pasv(pasv)
            out[key] = retr(ftp, want)
        except Exception as e:
            out[key] = "error: %s" % e
            if not pasv:
                drain(ftp)
    try:
        ftp.quit()
    except Exception:
        pass
    sys.stdout.write(json.dumps(out) + "\n")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("server")
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, default=21)
    s.add_argument("--ready", required=True)
    s.add_argument("--duration", type=float, default=120)
    c = sub.add_parser("client")
    c.add_argument("--server", required=True)
    c.add_argument("--stage", required=True)
    c.add_argument("--go", required=True)
    c.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()
    server(a) if a.mode == "server" else client(a)


if __name__ == "__main__":
    main()
