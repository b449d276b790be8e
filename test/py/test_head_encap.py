#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Independent oracle for the head (H.Encaps.MT).

Runs the head unit tests (test_progs -t head) with ENDMT_HEAD_DUMP set, so
they write the frames endmt_head_tc produced (BPF_PROG_TEST_RUN) and the
frames that crossed a real veth (head_veth), plus each case's configuration.
Then decodes every frame with scapy and plain Python -- none of the project's
C code -- and checks: outer IPv6 (next header 43, SA, DA = segs[SL], hop
limit, traffic class copied from the inner, payload length), the SRH
(IPv6ExtHdrSegmentRouting: segments in wire order, SL, Last Entry, next
header 41), the End.MT TLV bytes rebuilt here from the configuration, the
inner packet (SA = DA = Proxy Address, UDP 4791, UDP checksum when
non-zero) and the ICRC by zlib.crc32 over the masked pseudo packet
(docs/PROTOCOL.md recipe).

Env: O (build dir, default build), TEST_PROGS (binary, default
$O/test_progs).
"""
import glob
import ipaddress
import os
import struct
import subprocess
import sys
import tempfile

from scapy.all import rdpcap, Ether, IPv6, UDP, raw  # noqa: E402
from scapy.layers.inet6 import IPv6ExtHdrSegmentRouting, in6_chksum  # noqa: E402
from endmt_oracle import icrc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("  FAIL", what)
    return cond


def a16(s):
    return ipaddress.IPv6Address(s).packed


def tlvs_expected(cfg):
    """End.MT TLVs (Figure 2) + padding, rebuilt from the configuration."""
    out = b""
    for edge, rcvs in cfg["edges"]:
        for i in range(0, len(rcvs), 11):
            chunk = rcvs[i:i + 11]
            v = b"\0\0" + a16(edge) + bytes([len(chunk), 0, 0, 0])
            for addr, qpn in chunk:
                v += a16(addr) + struct.pack("!I", qpn << 8)
            out += bytes([cfg["tlv_type"], len(v)]) + v
    return out


def read_cfg(path):
    cfg = {"segs": [], "edges": []}
    for line in open(path):
        k, *v = line.split()
        if k == "seg":
            cfg["segs"].append(v[0])
        elif k == "edge":
            cfg["edges"].append((v[0], []))
        elif k == "rcv":
            cfg["edges"][-1][1].append((v[0], int(v[1])))
        elif k in ("sl", "tlv_type", "tclass", "dqpn"):
            cfg[k] = int(v[0])
        else:
            cfg[k] = v[0]
    return cfg


def check_frame(name, frame, cfg, hlim):
    pkt = Ether(frame)
    o = pkt[IPv6]
    check(o.nh == 43, f"{name}: outer next header 43")
    check(o.hlim == hlim, f"{name}: outer hop limit {o.hlim} != {hlim}")
    check(o.src == str(ipaddress.IPv6Address(cfg["outer"])), f"{name}: outer SA")
    check(o.plen == len(frame) - 14 - 40, f"{name}: outer payload length")
    check(o.tc == cfg["tclass"], f"{name}: outer traffic class {o.tc:#x} != inner {cfg['tclass']:#x}")
    srh = pkt[IPv6ExtHdrSegmentRouting]
    segs = [str(ipaddress.IPv6Address(s)) for s in cfg["segs"]]
    check(srh.type == 4, f"{name}: routing type 4")
    check(srh.nh == 41, f"{name}: SRH next header 41")
    check(srh.segleft == cfg["sl"], f"{name}: segments left {srh.segleft}")
    check(srh.lastentry == len(segs) - 1, f"{name}: last entry")
    check([str(ipaddress.IPv6Address(a)) for a in srh.addresses] == segs,
          f"{name}: segment list {srh.addresses} != {segs}")
    check(o.dst == segs[cfg["sl"]], f"{name}: outer DA = segs[SL]")
    srh_len = 8 * (srh.len + 1)
    srh_b = frame[54:54 + srh_len]
    tlv_area = srh_b[8 + 16 * len(segs):]
    want = tlvs_expected(cfg)
    check(tlv_area[:len(want)] == want, f"{name}: End.MT TLV bytes")
    pad = tlv_area[len(want):]
    check(len(pad) < 8 and (len(pad) == 0 or (len(pad) == 1 and pad == b"\0") or
                            (pad[0] == 4 and pad[1] == len(pad) - 2 and not any(pad[2:]))),
          f"{name}: padding {pad.hex()}")
    inner = frame[54 + srh_len:]
    i6 = IPv6(inner)
    check(i6.src == str(ipaddress.IPv6Address(cfg["proxy"])), f"{name}: inner SA = Proxy")
    check(i6.dst == str(ipaddress.IPv6Address(cfg["proxy"])), f"{name}: inner DA = Proxy")
    check(i6.nh == 17 and i6[UDP].dport == 4791, f"{name}: inner UDP 4791")
    check(i6.plen == len(inner) - 40, f"{name}: inner payload length")
    check((struct.unpack("!I", inner[52:56])[0] & 0xFFFFFF) == cfg["dqpn"], f"{name}: DestQPN")
    stored = struct.unpack("<I", inner[-4:])[0]
    check(icrc(inner) == stored, f"{name}: ICRC {stored:#010x} != zlib {icrc(inner):#010x}")
    ck = struct.unpack("!H", inner[46:48])[0]
    if ck:
        udp_b = bytearray(inner[40:])
        udp_b[6:8] = b"\0\0"
        want_ck = in6_chksum(17, IPv6(inner[:40] + bytes(udp_b)), bytes(udp_b)) or 0xFFFF
        check(ck == want_ck, f"{name}: UDP checksum {ck:#06x} != {want_ck:#06x}")
    return True


def main():
    o = os.environ.get("O", "build")
    tp = os.environ.get("TEST_PROGS", os.path.join(ROOT, o, "test_progs"))
    if not os.path.exists(tp):
        print(f"{tp} missing: build it first (make O={o} {o}/test_progs)")
        return 1
    with tempfile.TemporaryDirectory(prefix="endmt-head-oracle-") as d:
        env = dict(os.environ, ENDMT_HEAD_DUMP=d)
        r = subprocess.run([tp, "-t", "head"], env=env, cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(r.returncode == 0, "test_progs -t head passed")
        if r.returncode:
            print(r.stdout[-3000:])
        cfgs = sorted(glob.glob(os.path.join(d, "*.cfg")))
        check(len(cfgs) >= 20, f"BPF_PROG_TEST_RUN cases dumped: {len(cfgs)}")
        for c in cfgs:
            name = os.path.basename(c)[:-4]
            cfg = read_cfg(c)
            frames = rdpcap(c[:-4] + ".pcap")
            check(len(frames) == 1, f"{name}: one frame")
            check_frame(name, raw(frames[0]), cfg, 64)
        veth = sorted(glob.glob(os.path.join(d, "veth_*.pcap")))
        check(len(veth) == 5, f"veth frames dumped: {len(veth)}")
        vcfg = {"outer": "fd00:6::1", "proxy": "fd00:ff::1", "dqpn": 4660, "sl": 1,
                "tlv_type": 124, "tclass": 0x6A, "segs": ["fd00:ff::1", "fd00:99::1"],
                "edges": [("fd00:1::1", [("fd00:11::2", 256), ("fd00:12::2", 257)]),
                          ("fd00:2::1", [("fd00:13::2", 258), ("fd00:14::2", 259)]),
                          ("fd00:3::1", [("fd00:15::2", 260)])]}
        for p in veth:
            check_frame(os.path.basename(p), raw(rdpcap(p)[0]), vcfg, 63)
        print(f"checked {len(cfgs)} test-run frames and {len(veth)} veth frames")
    if FAILS:
        print(f"{len(FAILS)} checks failed")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
