#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Independent oracle for the edge's per-receiver copies.

Regenerates /tmp/endmt-edge-copies.pcap (+ .txt, one "DA QPN PSN ECN" line
per frame: what the copy must carry) by running the veth replication test of
$O/test_progs, then checks every copy without any endmt code:
  - ICRC with zlib.crc32 over the masked pseudo packet (docs/PROTOCOL.md recipe),
  - scapy decodes IPv6 / UDP dport 4791 with the expected DA and ECN
    (an outer CE mark copied in by the edge, RFC 6040), and the BTH
    DestQPN and PSN are the expected ones,
  - tshark dissects every frame as RRoCE (InfiniBand over UDP) with the same
    destination QP.
"""
import os
import struct
import subprocess
import sys

from scapy.all import IPv6, UDP, rdpcap  # noqa: E402
from endmt_oracle import icrc  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
O = os.environ.get("O", "build")
PCAP = "/tmp/endmt-edge-copies.pcap"
EXP = "/tmp/endmt-edge-copies.txt"


def main() -> int:
    tp = os.path.join(ROOT, O, "test_progs")
    r = subprocess.run([tp, "-t", "edge_veth"], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout[-3000:])
        print("test_progs -t edge_veth failed")
        return 1
    want = [ln.split() for ln in open(EXP) if ln.strip()]
    pkts = rdpcap(PCAP)
    fails = 0
    if len(pkts) != len(want) or len(pkts) < 20:
        print(f"frames {len(pkts)} vs expectations {len(want)}")
        return 1
    for i, (p, (da, qpn, psn, ecn)) in enumerate(zip(pkts, want)):
        raw = bytes(p)
        ip6 = raw[14:]
        stored = struct.unpack("<I", ip6[-4:])[0]
        if stored != icrc(ip6):
            print(f"frame {i}: ICRC {stored:08x} != {icrc(ip6):08x}")
            fails += 1
        if IPv6 not in p or UDP not in p or p[UDP].dport != 4791:
            print(f"frame {i}: not IPv6/UDP 4791")
            fails += 1
            continue
        if p[IPv6].tc & 3 != int(ecn):
            print(f"frame {i}: ECN {p[IPv6].tc & 3} != {ecn}")
            fails += 1
        if p[IPv6].dst != da or p[IPv6].plen != len(ip6) - 40:
            print(f"frame {i}: DA {p[IPv6].dst} != {da}")
            fails += 1
        bth = bytes(p[UDP].payload)[:12]
        got_qpn = struct.unpack(">I", bth[4:8])[0] & 0xFFFFFF
        got_psn = struct.unpack(">I", bth[8:12])[0] & 0xFFFFFF
        if got_qpn != int(qpn) or got_psn != int(psn):
            print(f"frame {i}: QPN/PSN {got_qpn}/{got_psn} != {qpn}/{psn}")
            fails += 1
    ts = subprocess.run(["tshark", "-r", PCAP, "-d", "udp.port==4791,infiniband",
                         "-T", "fields", "-e", "ipv6.dst", "-e", "infiniband.bth.destqp"],
                        capture_output=True, text=True)
    rows = [ln.split("\t") for ln in ts.stdout.splitlines() if ln.strip()]
    if ts.returncode != 0 or len(rows) != len(want):
        print(f"tshark: rc {ts.returncode}, {len(rows)} rows: {ts.stderr[-500:]}")
        fails += 1
    else:
        for i, (row, (da, qpn, _, _)) in enumerate(zip(rows, want)):
            if len(row) < 2 or row[0] != da or int(row[1], 0) != int(qpn):
                print(f"tshark frame {i}: {row} != {da} {qpn}")
                fails += 1
    print(f"edge oracle: {len(pkts)} copies checked, {fails} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
