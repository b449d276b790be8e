# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Shared independent oracles: plain Python (zlib, struct), none of endmt's C code.

Imported by the test/py oracles and by the Python heredocs of the integration
scripts (PYTHONPATH=$ROOT/test/py).  Not named test_*: test/run.sh runs those.
"""
import struct
import zlib


def icrc(ip6: bytes) -> int:
    """RoCEv2 ICRC of an IPv6 packet without extension headers (ip6 = IPv6
    header .. ICRC, the 4 ICRC octets included): CRC-32 over 8 x 0xff and the
    masked pseudo packet (docs/PROTOCOL.md recipe)."""
    m = bytearray(ip6[:40 + 8 + 12])
    m[0] |= 0x0F                      # traffic class low nibble
    m[1] = m[2] = m[3] = 0xFF         # traffic class high nibble + flow label
    m[7] = 0xFF                       # hop limit
    m[40 + 6] = m[40 + 7] = 0xFF      # UDP checksum
    m[40 + 8 + 4] = 0xFF              # BTH FECN/BECN/resv6
    return zlib.crc32(bytes(ip6[40 + 8 + 12:-4]), zlib.crc32(b"\xff" * 8 + bytes(m)))


def udp6_csum(raw: bytes) -> int:
    """UDP checksum over IPv6 (RFC 8200 8.1) of raw = IPv6 header + UDP datagram."""
    udp = bytearray(raw[40:])
    udp[6] = udp[7] = 0
    data = raw[8:40] + struct.pack(">IxxxB", len(udp), 17) + bytes(udp)
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    s = ~s & 0xFFFF
    return s or 0xFFFF


def pcap_records(path):
    """(captured length, original length, frame) of every record of a
    classic pcap file, read with struct alone."""
    with open(path, "rb") as f:
        f.read(24)
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            incl, orig = struct.unpack("<II", rh[8:16])
            yield incl, orig, f.read(incl)
