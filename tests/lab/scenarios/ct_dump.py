#!/usr/bin/python3
"""Dumps the conntrack table of the namespace it runs in, one JSON object per entry, straight from
ctnetlink: the conntrack tool shows labels only through /etc/xtables/connlabel.conf (a host file
the lab does not write) and never shows SCTP verification tags; s49 needs both.

  ct_dump.py [--family 4|6|0]

Each line: family, proto, orig and reply (src, dst, sport, dport), status, timeout, mark, zone,
labels (the set bit numbers), state (TCP or SCTP state number), vtag_orig / vtag_reply (SCTP)."""

import argparse
import ipaddress
import json
import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_GET = 1
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_TYPE_MASK = 0x3fff

CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_STATUS, CTA_PROTOINFO = 1, 2, 3, 4
CTA_TIMEOUT, CTA_MARK, CTA_ZONE, CTA_LABELS = 7, 8, 18, 22
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST, CTA_IP_V6_SRC, CTA_IP_V6_DST = 1, 2, 3, 4
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_PROTO_ICMP_ID, CTA_PROTO_ICMP_TYPE, CTA_PROTO_ICMP_CODE = 4, 5, 6
CTA_PROTO_ICMPV6_ID, CTA_PROTO_ICMPV6_TYPE, CTA_PROTO_ICMPV6_CODE = 7, 8, 9
CTA_PROTOINFO_TCP, CTA_PROTOINFO_SCTP = 1, 3
CTA_PROTOINFO_TCP_STATE = 1
CTA_PROTOINFO_SCTP_STATE, CTA_PROTOINFO_SCTP_VTAG_ORIGINAL, CTA_PROTOINFO_SCTP_VTAG_REPLY = 1, 2, 3


def attrs(buf):
    """{type: payload} of a run of netlink attributes."""
    out, off = {}, 0
    while off + 4 <= len(buf):
        ln, typ = struct.unpack_from("=HH", buf, off)
        if ln < 4:
            break
        out[typ & NLA_TYPE_MASK] = buf[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out


def tuple_of(buf):
    a = attrs(buf)
    ip, proto = attrs(a.get(CTA_TUPLE_IP, b"")), attrs(a.get(CTA_TUPLE_PROTO, b""))
    t = {}
    for k, v4, v6 in (("src", CTA_IP_V4_SRC, CTA_IP_V6_SRC), ("dst", CTA_IP_V4_DST, CTA_IP_V6_DST)):
        raw = ip.get(v4) or ip.get(v6)
        t[k] = str(ipaddress.ip_address(raw)) if raw else None
    t["proto"] = proto[CTA_PROTO_NUM][0] if CTA_PROTO_NUM in proto else None
    for k, num in (("sport", CTA_PROTO_SRC_PORT), ("dport", CTA_PROTO_DST_PORT),
                   ("icmp_id", CTA_PROTO_ICMP_ID), ("icmp_id", CTA_PROTO_ICMPV6_ID)):
        if num in proto:
            t[k] = struct.unpack("!H", proto[num])[0]
    for k, num in (("icmp_type", CTA_PROTO_ICMP_TYPE), ("icmp_type", CTA_PROTO_ICMPV6_TYPE),
                   ("icmp_code", CTA_PROTO_ICMP_CODE), ("icmp_code", CTA_PROTO_ICMPV6_CODE)):
        if num in proto:
            t[k] = proto[num][0]
    return t


def entry(family, payload):
    a = attrs(payload)
    e = {"family": 6 if family == socket.AF_INET6 else 4,
         "orig": tuple_of(a.get(CTA_TUPLE_ORIG, b"")),
         "reply": tuple_of(a.get(CTA_TUPLE_REPLY, b""))}
    e["proto"] = e["orig"]["proto"]
    for k, num in (("status", CTA_STATUS), ("timeout", CTA_TIMEOUT), ("mark", CTA_MARK)):
        e[k] = struct.unpack("!I", a[num])[0] if num in a else 0
    e["zone"] = struct.unpack("!H", a[CTA_ZONE])[0] if CTA_ZONE in a else 0
    raw = a.get(CTA_LABELS, b"")
    # Labels are a bitmap of host-order 32-bit words (the kernel's unsigned long array).
    words = struct.unpack("=%dI" % (len(raw) // 4), raw[:len(raw) // 4 * 4])
    e["labels"] = [i * 32 + b for i, w in enumerate(words) for b in range(32) if w >> b & 1]
    pi = attrs(a.get(CTA_PROTOINFO, b""))
    if CTA_PROTOINFO_TCP in pi:
        tcp = attrs(pi[CTA_PROTOINFO_TCP])
        e["state"] = tcp[CTA_PROTOINFO_TCP_STATE][0] if CTA_PROTOINFO_TCP_STATE in tcp else None
    if CTA_PROTOINFO_SCTP in pi:
        sctp = attrs(pi[CTA_PROTOINFO_SCTP])
        e["state"] = sctp.get(CTA_PROTOINFO_SCTP_STATE, b"\xff")[0]
        for k, num in (("vtag_orig", CTA_PROTOINFO_SCTP_VTAG_ORIGINAL),
                       ("vtag_reply", CTA_PROTOINFO_SCTP_VTAG_REPLY)):
            if num in sctp:
                e[k] = struct.unpack("!I", sctp[num])[0]
    return e


def dump(family):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.settimeout(5)
    msg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET
    body = struct.pack("=BBH", family, 0, 0)
    s.send(struct.pack("=IHHII", 16 + len(body), msg_type, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + body)
    out = []
    while True:
        data = s.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            ln, typ, _, _, _ = struct.unpack_from("=IHHII", data, off)
            if ln < 16:
                return out
            if typ == NLMSG_DONE:
                return out
            if typ == NLMSG_ERROR:
                err = struct.unpack_from("=i", data, off + 16)[0]
                if err:
                    raise OSError(-err, os.strerror(-err))
                return out
            fam = data[off + 16]
            out.append(entry(fam, data[off + 20:off + ln]))
            off += (ln + 3) & ~3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--family", type=int, default=0, choices=(0, 4, 6))
    fam = {0: socket.AF_UNSPEC, 4: socket.AF_INET, 6: socket.AF_INET6}[p.parse_args().family]
    for e in dump(fam):
        sys.stdout.write(json.dumps(e, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
