# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Sends one hand-made RoCEv2 frame out of a device, as an attacker (or a
source) on that link would: a data request (SEND only), an ACK or a CNP,
with any source address.  Built with struct and the shared ICRC oracle
(endmt_oracle), sent through an AF_PACKET socket: none of endmt's code.
Run inside the sender's network namespace (nsenter --net=...).

usage: forge_roce.py KIND DEV SMAC DMAC SRC DST DQPN PSN
  KIND: data | ack | cnp
"""
import ipaddress
import socket
import struct
import sys

from endmt_oracle import icrc

ROCE_PORT = 4791
OP = {"data": 0x04, "ack": 0x11, "cnp": 0x81}   # SEND only, ACK, CNP


def frame(kind, smac, dmac, src, dst, dqpn, psn):
    op = OP[kind]
    becn = 0x40 if kind == "cnp" else 0
    ackreq = 0x80 if kind == "data" else 0
    bth = struct.pack(">BBHI I", op, 0, 0xFFFF, (becn << 24) | dqpn, (ackreq << 24) | psn)
    if kind == "data":
        body = bytes(range(16))
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
    mac = lambda m: bytes(int(x, 16) for x in m.split(":"))  # noqa: E731
    return mac(dmac) + mac(smac) + b"\x86\xdd" + pkt


def main(argv):
    if len(argv) != 9 or argv[1] not in OP:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    kind, dev, smac, dmac, src, dst = argv[1:7]
    f = frame(kind, smac, dmac, src, dst, int(argv[7], 0), int(argv[8], 0))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    s.send(f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
