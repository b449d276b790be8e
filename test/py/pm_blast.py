# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Sends COUNT RoCEv2 SEND-only frames (forge_roce.frame: struct and the
shared ICRC oracle, none of endmt's code) out of DEV at RATE packets per
second, PSNs cycling through 4096 values so that the D-marked packets of
consecutive periods have different keys.  The alternate-marking test's
source (test/integration/test_pm.sh): many packets, steadily, without a
receiver's pacing.  Prints one JSON line: sent, seconds, first/last send
time (CLOCK_REALTIME ns).  Run inside the source's netns.

usage: pm_blast.py DEV SMAC DMAC SRC DST DQPN COUNT RATE
"""
import json
import socket
import sys
import time

from forge_roce import frame

POOL = 4096
BATCH = 64


def main(argv):
    dev, smac, dmac, src, dst = argv[1:6]
    dqpn, count, rate = int(argv[6], 0), int(argv[7]), float(argv[8])
    pool = [frame("data", smac, dmac, src, dst, dqpn, psn) for psn in range(POOL)]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    t0 = time.monotonic()
    first = time.time_ns()
    sent = 0
    while sent < count:
        n = min(BATCH, count - sent)
        for i in range(sent, sent + n):
            while True:
                try:
                    s.send(pool[i % POOL])
                    break
                except BlockingIOError:
                    time.sleep(0.0001)
        sent += n
        # pace: batch k leaves no earlier than k * BATCH / RATE
        ahead = sent / rate - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    last = time.time_ns()
    print(json.dumps({"sent": sent, "seconds": round(time.monotonic() - t0, 3),
                      "first_ns": first, "last_ns": last}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
