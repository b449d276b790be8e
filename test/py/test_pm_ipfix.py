#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Alternate marking's IPFIX export (docs/PM.md): the agent's period
records (template 258) and D-mark records (template 259), decoded here by
an independent decoder (RFC 7011 read with struct, not fixbuf), then the
same datagrams replayed to `endmt collect`, whose state file's "pm"
section must hold the same numbers: the round trip.

Counts come from test/bpf/pmgen.bpf.o (the data path's endmt_pm_count() on
a packet described in its BPF_PROG_TEST_RUN input) in a private pin root.
Cases (TEST=name runs one):
  templates   the two templates' IEs exactly as documented (IANA ids, PEN
              32473 ids, lengths), in the node's observation domain.
  records     14 packets of an MPLS flow at point in, one D-marked at a
              chosen time: the period records of the colour sum to 14
              packets and 14 x 200 octets, each with its period's bounds
              (flowStart/EndNanoseconds = k T, (k+1) T) and colour k & 1;
              the D-mark record has the time, its period, the packet key.
  collect     the captured datagrams through `endmt collect`: the state's
              pm section has the flow, the node, the same counts and the
              D-mark.
Needs root (BPF, bpffs).  Leaves no pins and no processes.
Env: O (build dir, default build), TEST."""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
O = os.environ.get("O", "build")
ENDMT = os.path.join(ROOT, O, "endmt")
PMGEN = os.path.join(ROOT, O, "test", "bpf", "pmgen.bpf.o")
PEN = 32473
NODE = 42
FLOW = 7
ENC_MPLS = 2
T_MS = 100
T = T_MS * 1000000
NTP_OFF = 2208988800

# As docs/PM.md lists them: (PEN, IE id, length).
TPL_PM = [(0, 156, 8), (0, 157, 8), (0, 2, 8), (0, 1, 8), (PEN, 32, 8), (PEN, 2, 4),
          (PEN, 33, 4), (PEN, 34, 1), (0, 61, 1), (PEN, 35, 1)]
TPL_DMARK = [(0, 325, 8), (PEN, 32, 8), (PEN, 2, 4), (PEN, 33, 4), (PEN, 36, 4),
             (PEN, 34, 1), (0, 61, 1), (PEN, 35, 1)]

failures = []


def check(cond, what):
    print(("  ok   " if cond else "  FAIL ") + what)
    if not cond:
        failures.append(what)
    return cond


def ntp_to_ns(v):
    sec, frac = v >> 32, v & 0xffffffff
    return (sec - NTP_OFF) * 1000000000 + ((frac * 1000000000 + (1 << 31)) >> 32)


def decode(msgs):
    """RFC 7011: (domain, templates {tid: [(pen, id, len)]}, records [(tid, values)])."""
    tpls, recs, domains = {}, [], set()
    for m in msgs:
        ver, length, _exp, _seq, dom = struct.unpack("!HHIII", m[:16])
        assert ver == 10 and length == len(m), (ver, length, len(m))
        domains.add(dom)
        off = 16
        while off < length:
            sid, slen = struct.unpack("!HH", m[off:off + 4])
            body, off = m[off + 4:off + slen], off + slen
            if sid == 2:
                p = 0
                while p < len(body):
                    tid, n = struct.unpack("!HH", body[p:p + 4])
                    p += 4
                    fields = []
                    for _ in range(n):
                        fid, flen = struct.unpack("!HH", body[p:p + 4])
                        p += 4
                        pen = 0
                        if fid & 0x8000:
                            pen, = struct.unpack("!I", body[p:p + 4])
                            p += 4
                        fields.append((pen, fid & 0x7fff, flen))
                    tpls[tid] = fields
            elif sid >= 256 and sid in tpls:
                rl = sum(f[2] for f in tpls[sid])
                p = 0
                while p + rl <= len(body):
                    vals = []
                    for f in tpls[sid]:
                        vals.append(int.from_bytes(body[p:p + f[2]], "big"))
                        p += f[2]
                    recs.append((sid, vals))
    return domains, tpls, recs


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def pkt(colour, dmark, real_ns, key, point=0, nbytes=200):
    return struct.pack("<IBBBBIIQ8x", FLOW, ENC_MPLS, colour, dmark, point, nbytes, key, real_ns)


def main():
    pin = "/sys/fs/bpf/endmt-test-pmipfix-%d" % os.getpid()
    tmp = tempfile.mkdtemp(prefix="endmt-pm-")
    procs = []
    try:
        os.makedirs(pin)
        e = [ENDMT, "--pin-root", pin]
        run(e + ["pm", "set", "--period", str(T_MS), "--node-id", str(NODE)])
        run(e + ["pm", "flow", "add", str(FLOW), "--enc", "mpls", "--point", "in"])
        prog = os.path.join(pin, "pmgen")
        run(["bpftool", "prog", "load", PMGEN, prog, "type", "xdp",
             "map", "name", "endmt_pm", "pinned", pin + "/endmt_pm",
             "map", "name", "endmt_pm_counts", "pinned", pin + "/endmt_pm_counts",
             "map", "name", "endmt_pm_dmarks", "pinned", pin + "/endmt_pm_dmarks"])
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        agent = subprocess.Popen(e + ["agent", "--no-fanout", "--liveness-ms", "0", "--ipfix",
                                      "127.0.0.1:%d" % port, "--ipfix-refresh-s", "1"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(agent)
        time.sleep(0.6)		# both colours' baselines (first reads at 1.5 T, 2.5 T)
        # Early in a period: its colour's counters are read at (k+1.5) T.
        while time.time_ns() % T > T // 5:
            time.sleep(0.005)
        k = time.time_ns() // T
        colour = k & 1
        real = k * T + 12345
        f = os.path.join(tmp, "pkt")
        with open(f, "wb") as fh:
            fh.write(pkt(colour, 0, 0, 0))
        run(["bpftool", "prog", "run", "pinned", prog, "data_in", f, "repeat", "13"])
        with open(f, "wb") as fh:
            fh.write(pkt(colour, 1, real, 0xabcdef))
        run(["bpftool", "prog", "run", "pinned", prog, "data_in", f, "repeat", "1"])
        msgs = []
        sock.settimeout(0.1)
        end = time.time() + 1.5
        while time.time() < end:
            try:
                msgs.append(sock.recv(65536))
            except socket.timeout:
                pass
        agent.send_signal(signal.SIGTERM)
        out, err = agent.communicate(timeout=20)
        procs.remove(agent)
        check(agent.returncode == 0, "agent exit 0 (%s)" % err.strip()[-200:])
        domains, tpls, recs = decode(msgs)
        want = os.environ.get("TEST")

        if not want or want == "templates":
            check(domains == {NODE}, "observation domain = node id (%s)" % domains)
            check(tpls.get(258) == TPL_PM, "template 258 %s" % tpls.get(258))
            check(tpls.get(259) == TPL_DMARK, "template 259 %s" % tpls.get(259))

        pms = [dict(zip(["start", "end", "packets", "bytes", "period", "node", "flow", "enc",
                         "dir", "colour"], v)) for t, v in recs if t == 258]
        dms = [dict(zip(["obs", "period", "node", "flow", "key", "enc", "dir", "colour"], v))
               for t, v in recs if t == 259]
        if not want or want == "records":
            mine = [r for r in pms if r["flow"] == FLOW and r["enc"] == ENC_MPLS]
            check(bool(mine), "period records (%d)" % len(pms))
            check(all(r["node"] == NODE and r["dir"] == 0 for r in mine), "node, point in")
            check(all(r["colour"] == r["period"] & 1 for r in mine), "colour = period & 1")
            check(all(ntp_to_ns(r["start"]) == r["period"] * T and
                      ntp_to_ns(r["end"]) == (r["period"] + 1) * T for r in mine),
                  "flowStart/EndNanoseconds = the period's bounds")
            got = [r for r in mine if r["packets"]]
            check(len(got) == 1 and got[0]["period"] == k and got[0]["packets"] == 14 and
                  got[0]["bytes"] == 2800, "period %d: 14 packets, 2800 octets (%s)" % (k, got))
            check(len(dms) == 1, "one D-mark record (%d)" % len(dms))
            if dms:
                d = dms[0]
                check(ntp_to_ns(d["obs"]) == real and d["period"] == k and d["key"] == 0xabcdef
                      and d["node"] == NODE and d["flow"] == FLOW and d["enc"] == ENC_MPLS and
                      d["colour"] == colour and d["dir"] == 0, "D-mark record %s" % d)

        if not want or want == "collect":
            state = os.path.join(tmp, "state.json")
            sock.close()	# the collector takes the port
            c = subprocess.Popen([ENDMT, "collect", "--listen", "127.0.0.1:%d" % port,
                                  "--state", state], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            procs.append(c)
            time.sleep(0.5)
            tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for m in msgs:
                tx.sendto(m, ("127.0.0.1", port))
                time.sleep(0.002)
            time.sleep(0.3)
            c.send_signal(signal.SIGTERM)
            c.communicate(timeout=20)
            procs.remove(c)
            st = json.load(open(state))
            fl = [x for x in st["pm"]["flows"] if x["flow"] == FLOW and x["enc"] == "mpls"]
            check(len(fl) == 1 and fl[0]["period_ns"] == T, "state: the flow, its period")
            if fl:
                n = fl[0]["nodes"].get(str(NODE), {})
                per = n.get("periods", {})
                check(per.get(str(k)) == {"packets": 14, "bytes": 2800},
                      "state: period %d's counts (%s)" % (k, per.get(str(k))))
                check(sum(v["packets"] for v in per.values()) == 14, "state: nothing else")
                check(n.get("dmarks", {}).get(str(k)) == {"pkt_key": 0xabcdef, "real_ns": real},
                      "state: the D-mark (%s)" % n.get("dmarks"))
                check(n.get("point") == "in", "state: point in")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        subprocess.run(["rm", "-rf", pin, tmp])
    print("%s: %d failures" % (os.path.basename(__file__), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
