#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Oracle check of the CNPs lib/cnp.c builds (reverse path, draft 5.3.3).

Runs the C unit test resp_cnp/window_* with ENDMT_CNP_DUMP set, then decodes
the dumped CNPs with scapy and tshark and recomputes the ICRC with zlib, all
independent of the project's C code:
  - IPv6 / UDP dport 4791 / BTH opcode 0x81 (CNP), BECN set, the right
    DestQPN and addresses (transit/edge: Proxy; head: toward the source);
  - 16 reserved octets of zero, then the ICRC;
  - ICRC = CRC-32 over 8 x 0xff + masked IPv6/UDP/BTH + payload (zlib);
  - a real UDP checksum (not 0: an ordinary IPv6 UDP socket drops 0),
    recomputed here over the pseudo header, and tshark's own verdict on it.
Exit status 0 on success."""
import os
import struct
import subprocess
import sys
import tempfile

from scapy.all import IPv6, UDP, rdpcap  # noqa: E402
from scapy.contrib.roce import BTH  # noqa: E402
from endmt_oracle import icrc, udp6_csum  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
O = os.environ.get("O", "build")
PROGS = os.environ.get("ENDMT_TEST_PROGS", os.path.join(ROOT, O, "test_progs"))

PROXY, SADDR, SRC = "fd00:ff::9", "fd00:4::1", "fd00:10::2"
DQPN, SRCQP = 0x1234, 17


def main() -> int:
    fails = []

    def check(cond, what):
        if not cond:
            fails.append(what)
            print("FAIL:", what)

    with tempfile.TemporaryDirectory(prefix="resp-cnp-") as d:
        pcap = os.path.join(d, "cnp.pcap")
        env = dict(os.environ, ENDMT_CNP_DUMP=pcap)
        r = subprocess.run([PROGS, "-t", "resp_cnp/window"], env=env,
                           capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(pcap):
            print(r.stdout, r.stderr)
            print("FAIL: test_progs did not produce the CNP dump")
            return 1
        pkts = rdpcap(pcap)
        check(len(pkts) == 2, "two CNPs (transit, head) dumped")
        want = [(SADDR, PROXY, DQPN), (PROXY, SRC, SRCQP)]
        for i, p in enumerate(pkts[:2]):
            ip = p[IPv6]
            raw = bytes(ip)
            check(ip.src == want[i][0] and ip.dst == want[i][1], f"cnp {i}: addresses")
            check(ip.nh == 17 and ip.plen == len(raw) - 40, f"cnp {i}: IPv6 next header/length")
            udp = ip[UDP]
            check(udp.dport == 4791 and udp.len == ip.plen, f"cnp {i}: UDP 4791, length")
            check(udp.chksum != 0 and udp.chksum == udp6_csum(raw),
                  f"cnp {i}: UDP checksum {udp.chksum:#06x} vs {udp6_csum(raw):#06x}")
            bth = BTH(bytes(udp.payload))
            check(bth.opcode == 0x81, f"cnp {i}: opcode 0x81")
            check(bth.becn == 1 and bth.fecn == 0, f"cnp {i}: BECN set")
            check(bth.dqpn == want[i][2], f"cnp {i}: DestQPN")
            body = bytes(udp.payload)
            check(len(body) == 12 + 16 + 4, f"cnp {i}: BTH + 16 reserved + ICRC")
            check(body[12:28] == b"\0" * 16, f"cnp {i}: reserved octets zero")
            stored = struct.unpack("<I", raw[-4:])[0]
            check(stored == icrc(raw), f"cnp {i}: ICRC (zlib) {stored:#x} vs {icrc(raw):#x}")
        # tshark's RRoCE dissector (decoder only: it does not validate ICRC)
        t = subprocess.run(["tshark", "-r", pcap, "-o", "udp.check_checksum:TRUE",
                            "-T", "fields", "-e", "infiniband.bth.opcode",
                            "-e", "infiniband.bth.destqp", "-e", "udp.checksum.status"],
                           capture_output=True, text=True)
        lines = [ln.split("\t") for ln in t.stdout.split("\n") if ln.strip()]
        check(len(lines) == 2, "tshark decoded two packets")
        for i, ln in enumerate(lines[:2]):
            check(int(ln[0], 0) == 0x81, f"tshark cnp {i}: opcode")
            check(int(ln[1], 0) == want[i][2], f"tshark cnp {i}: DestQPN")
            # 1 = Good in tshark's checksum status
            check(len(ln) > 2 and ln[2] == "1", f"tshark cnp {i}: UDP checksum status {ln[2:]}")
    print("test_resp_cnp:", "FAIL" if fails else "ok")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
