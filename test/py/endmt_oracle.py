# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Shared independent oracles: plain Python (zlib, struct, hmac, hashlib), none of
endmt's C code.

Imported by the test/py oracles and by the Python heredocs of the integration
scripts (PYTHONPATH=$ROOT/test/py).  Not named test_*: test/run.sh runs those.
"""
import hashlib
import hmac
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


def hmac_sha256(key: bytes, text: bytes) -> bytes:
    """HMAC-SHA256 (RFC 2104) by Python's hmac and hashlib."""
    return hmac.new(key, text, hashlib.sha256).digest()


def srh_hmac_text(sa: bytes, srh: bytes, extended: bool) -> bytes:
    """The HMAC text of an SRH, read from its octets with struct alone:
    RFC 8754 2.1.2.1 -- outer Source Address (16), Last Entry (1), Flags
    (1), the HMAC TLV's Key ID (4), the Segment List (16 each, SRH[0]
    first); extended (endmt, docs/DECISIONS.md "HMAC text") appends every
    octet of the SRH after the Segment List (TLVs, padding, the HMAC TLV)
    with the HMAC TLV's 32-octet HMAC field as zeros.  The SRH ends where
    its Hdr Ext Len says."""
    _, hdrlen, _, _, last_entry, flags, _ = struct.unpack("!BBBBBBH", srh[:8])
    end = (hdrlen + 1) * 8
    segs = srh[8:8 + 16 * (last_entry + 1)]
    start = 8 + len(segs)
    off, key_id, hmac_at = start, None, None
    while off < end:
        typ = srh[off]
        if typ == 0:
            off += 1
            continue
        tlv = srh[off:off + 2 + srh[off + 1]]
        if typ == 5:
            key_id, hmac_at = tlv[4:8], off
        off += len(tlv)
    assert key_id is not None, "no HMAC TLV"
    text = sa + struct.pack("!BB", last_entry, flags) + key_id + segs
    if not extended:
        return text
    rest = bytearray(srh[start:end])
    rest[hmac_at - start + 8:hmac_at - start + 40] = bytes(32)
    return text + bytes(rest)


def srh_hmac_field(srh: bytes) -> bytes:
    """The 32-octet HMAC field of the SRH's HMAC TLV (type 5, length 38)."""
    end = (srh[1] + 1) * 8
    off = 8 + 16 * (srh[4] + 1)
    while off < end:
        if srh[off] == 0:
            off += 1
            continue
        if srh[off] == 5 and srh[off + 1] == 38:
            return srh[off + 8:off + 40]
        off += 2 + srh[off + 1]
    raise ValueError("no HMAC TLV of length 38")
