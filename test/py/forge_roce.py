# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Sends one hand-made RoCEv2 frame out of a device, as an attacker (or a
source) on that link would: a data request (SEND only), an ACK or a CNP,
with any source address; or an End.MT packet (outer IPv6 + SRH [Proxy,
SID], SL 1, one End.MT TLV of type 124) carrying such a SEND.  Built with struct and the shared ICRC oracle
(endmt_oracle), sent through an AF_PACKET socket: none of endmt's code.
Run inside the sender's network namespace (nsenter --net=...).

usage: forge_roce.py KIND DEV SMAC DMAC SRC DST DQPN PSN [PROXY EDGE RCV/QPN...]
  KIND: data | write | ack | cnp, or endmt (endmt-write): SRC/DST are the
  outer SA and the SID, the inner SEND (WRITE with a RETH) goes from PROXY
  to PROXY, the TLV names EDGE and the receivers
"""
import ipaddress
import os
import socket
import struct
import sys

from endmt_oracle import icrc, udp6_csum

ROCE_PORT = 4791
OP = {"data": 0x04, "write": 0x0A, "ack": 0x11, "cnp": 0x81}   # SEND/WRITE only, ACK, CNP


def frame(kind, smac, dmac, src, dst, dqpn, psn):
    op = OP[kind]
    becn = 0x40 if kind == "cnp" else 0
    ackreq = 0x80 if kind in ("data", "write") else 0
    bth = struct.pack(">BBHI I", op, 0, 0xFFFF, (becn << 24) | dqpn, (ackreq << 24) | psn)
    if kind == "data":   # FORGE_PAD=N: N octets of payload (a multiple of 4)
        body = bytes(range(16)) if "FORGE_PAD" not in os.environ else \
            bytes(i & 0xFF for i in range(int(os.environ["FORGE_PAD"]) & ~3))
    elif kind == "write":   # RETH: VA, R_Key, DMA length; then the payload
        body = struct.pack(">QII", 0x10000, 0x55, 16) + bytes(range(16))
    elif kind == "ack":
        body = struct.pack(">I", (0x1F << 24) | (psn & 0xFFFFFF))   # ACK, MSN
    else:
        body = bytes(16)
    ulen = 8 + len(bth) + len(body) + 4
    ip6 = struct.pack(">IHBB", 6 << 28, ulen, 17, 64)
    ip6 += ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed
    udp = struct.pack(">HHHH", 0xC000, ROCE_PORT, ulen, 0)
    pkt = ip6 + udp + bth + body + b"\0\0\0\0"
    pkt = pkt[:-4] + struct.pack("<I", icrc(pkt))
    if os.environ.get("FORGE_UDP_CSUM"):   # a real UDP checksum, as a UDP socket sends
        pkt = pkt[:46] + struct.pack(">H", udp6_csum(pkt)) + pkt[48:]
    mac = lambda m: bytes(int(x, 16) for x in m.split(":"))  # noqa: E731
    return mac(dmac) + mac(smac) + b"\x86\xdd" + pkt


def endmt(smac, dmac, src, sid, dqpn, psn, proxy, edge, rcvs, inner_kind="data"):
    """End.MT packet as a head sends it: the inner SEND or WRITE (SA = DA =
    Proxy) behind an SRH [Proxy, SID] with one End.MT TLV (draft section 4)."""
    inner = frame(inner_kind, smac, dmac, proxy, proxy, dqpn, psn)[14:]
    a16 = lambda a: ipaddress.IPv6Address(a).packed  # noqa: E731
    tlv = struct.pack(">BBH", 124, 22 + 20 * len(rcvs), 0) + a16(edge)
    tlv += struct.pack(">B3x", len(rcvs))
    for r in rcvs:
        addr, qpn = r.split("/")
        tlv += a16(addr) + struct.pack(">I", int(qpn, 0) << 8)
    body = a16(proxy) + a16(sid) + tlv
    while (8 + len(body)) % 8:
        body += b"\0"                # Pad1s
    srh = struct.pack(">BBBBBBH", 41, (8 + len(body)) // 8 - 1, 4, 1, 1, 0, 0) + body
    outer = struct.pack(">IHBB", 6 << 28, len(srh) + len(inner), 43, 64) + a16(src) + a16(sid)
    mac = lambda m: bytes(int(x, 16) for x in m.split(":"))  # noqa: E731
    return mac(dmac) + mac(smac) + b"\x86\xdd" + outer + srh + inner


def main(argv):
    is_endmt = argv[1] in ("endmt", "endmt-write") if len(argv) > 1 else False
    if len(argv) < 9 or argv[1] not in OP and not is_endmt or is_endmt != (len(argv) > 9):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    kind, dev, smac, dmac, src, dst = argv[1:7]
    if is_endmt:
        f = endmt(smac, dmac, src, dst, int(argv[7], 0), int(argv[8], 0), argv[9], argv[10],
                  argv[11:], "write" if kind == "endmt-write" else "data")
    else:
        f = frame(kind, smac, dmac, src, dst, int(argv[7], 0), int(argv[8], 0))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    s.send(f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
