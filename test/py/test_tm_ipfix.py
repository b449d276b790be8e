#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Telemetry export and collection (docs/TELEMETRY.md): the agent's IPFIX
exporter (loader/tm_export.c) checked by an independent decoder, and
`endmt collect` + `endmt tree` rebuilding Figure 1's tree.

Postcards are synthetic (test/py/tm_postcards.py) and take the agent's real
path: test/bpf/pcgen.bpf.o writes them into a ring pinned as
PINROOT/endmt_postcards in a private pin root, the agent (--ipfix) drains
it.  Cases (TEST=name runs one):
  ipfix_tshark   IPv4 collector started after the first postcard: the
                 template refresh (--ipfix-refresh-s 1) lets it decode the
                 later ones; tshark's cflow dissector decodes the stream:
                 the template's IEs (ids, PEN 32473, lengths) and every
                 record's values equal the postcards'.
  batch          12 postcards waiting in the ring: one drain sends them in
                 messages of at most 5 records (within 1150 octets).
  collect_tree   IPv6; Figure 1 (test/integration/fig1.json), multicast
                 variant (edges export), 20 samples, N4->N2 loses 2: `endmt
                 tree --json` has exactly Figure 1's tree, the generator's
                 delay per branch, loss on N4->N2 only; text and --dot too.
  collect_forks  the same tree with RFC 9524 forks (N6, N4 export their
                 sections): sections join at the forks; N6->N5 loses 1.
  collect_late   `endmt collect` started after the agent's first postcards:
                 it skips records it has no template for and decodes those
                 after the next refresh.
  idle           the agent with --ipfix and a ring nobody writes (a node with
                 telemetry off): exit 0, nothing sent, not even the template.
  ack_tshark     a node with node_id 7 and a group of two receiver branches
                 (one 10 PSNs behind and marked stale) written into its maps:
                 the agent's ACK-state records (template 257) decoded by
                 tshark's cflow dissector, every IE as documented.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tm_postcards as T  # noqa: E402

ROOT = T.ROOT
O = os.environ.get("O", "build")
ENDMT = os.path.join(ROOT, O, "endmt")
PCGEN = os.path.join(ROOT, O, "test", "bpf", "pcgen.bpf.o")
FIG1 = os.path.join(ROOT, "test", "integration", "fig1.json")
PEN = 32473
GRACE_MS = 300

# The template as docs/TELEMETRY.md lists it: (PEN, IE id, length).
TEMPLATE = [(0, 325, 8), (0, 138, 8), (PEN, 9, 65535), (0, 27, 16), (0, 28, 16),
            (PEN, 3, 16), (0, 10, 4), (0, 14, 4), (PEN, 2, 4), (PEN, 4, 4), (PEN, 5, 4),
            (PEN, 7, 4), (PEN, 8, 4), (PEN, 6, 2), (PEN, 1, 1), (PEN, 10, 1), (PEN, 11, 1)]

failures = []


def check(cond, what):
    print(("  ok   " if cond else "  FAIL ") + what)
    if not cond:
        failures.append(what)
    return cond


class Env:
    """A private pin root with the ring, and the processes started."""

    def __init__(self, name):
        self.pin = "/sys/fs/bpf/endmt-test-tm-%s-%d" % (name, os.getpid())
        self.ring = T.Ring(self.pin, PCGEN)
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="endmt-tm-")

    def start(self, *args, **kw):
        p = subprocess.Popen([ENDMT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, **kw)
        self.procs.append(p)
        return p

    def agent(self, dest, *extra):
        return self.start("--pin-root", self.pin, "agent", "--no-fanout", "--liveness-ms", "0",
                          "--ipfix", dest, *extra)

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=20)
        self.procs.remove(p)
        return p.returncode, out, err

    def close(self):
        for p in self.procs:
            p.kill()
            p.wait()
        self.ring.close()
        subprocess.run(["rm", "-rf", self.pin, self.tmp])


def write_pcap(path, msgs, dport):
    """IPFIX messages as UDP/IPv4 datagrams (LINKTYPE_RAW), for tshark."""
    with open(path, "wb") as f:
        f.write(struct.pack("=IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        for i, m in enumerate(msgs):
            udp = struct.pack("!HHHH", 40000, dport, 8 + len(m), 0) + m
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                             b"\x7f\0\0\1", b"\x7f\0\0\1")
            f.write(struct.pack("=IIII", 1700000000 + i, 0, 20 + len(udp), 20 + len(udp)))
            f.write(ip + udp)


def pairs(obj):
    """tshark's JSON repeats keys (one per unknown field): keep them all."""
    return obj


def tshark_ipfix(pcap, port):
    r = subprocess.run(["tshark", "-r", pcap, "-d", "udp.port==%d,cflow" % port, "-T", "json"],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout, object_pairs_hook=lambda kv: kv)


def walk(node, key):
    """Every value under key in the pair lists, depth first."""
    if isinstance(node, list):
        for it in node:
            if isinstance(it, tuple) and len(it) == 2:
                if it[0] == key:
                    yield it[1]
                yield from walk(it[1], key)
            else:
                yield from walk(it, key)


def sub(kv, prefix):
    return [v for k, v in kv if k.startswith(prefix)]


def get(kv, k):
    return next(v for kk, v in kv if kk == k)


def templates_and_records(pkts, tid=256):
    tmpl, recs = None, []
    for pkt in pkts:
        for cf in walk(pkt, "cflow"):
            for k, v in cf:
                if k.startswith("Set ") and "(Data Template)" in k:
                    for tk, tv in v:
                        if tk.startswith("Template (Id = %d" % tid):
                            fields = []
                            for fk, fv in tv:
                                if not fk.startswith("Field ("):
                                    continue
                                pen = int(get(fv, "cflow.template_ipfix_field_pen")) \
                                    if get(fv, "cflow.template_ipfix_pen_provided") == "1" else 0
                                num = int(get(fv, "cflow.template_ipfix_field_type_enterprise")
                                          if pen else get(fv, "cflow.template_ipfix_field_type"))
                                fields.append((pen, num, int(get(fv, "cflow.template_field_length"))))
                            tmpl = fields
                elif k.startswith("Set ") and "[id=%d]" % tid in k:
                    for fk, fv in v:
                        if fk.startswith("Flow "):
                            recs.append([(a, b) for a, b in fv if not a.endswith("_tree")])
    return tmpl, recs


def be(hexs):
    return int(hexs.replace(":", ""), 16)


def one_node_postcards(node_id, psns, nodes=3):
    """Postcards of one exporting node (one observation domain)."""
    out = []
    for psn in psns:
        ents = [T.node_entry(node_id if i == 0 else 100 + i, T.BASE_US + psn * 1000 - 50 * i,
                             in_if=3 + i, out_if=0 if i == 0 else 9 + i) for i in range(nodes)]
        out.append(T.postcard(T.PC_EDGE, node_id, "fd00:ff::1", 4660, psn, ents, copies=2 + psn % 3,
                              in_ifindex=42, outer_src="fd00:6::1", outer_dst="ff3e::4d54",
                              export_ns=1_700_000_000_123_456_789 + psn,
                              flags=0x8 if nodes == T.SLOTS_MAX else 0))
    return out


def case_ipfix_tshark():
    env = Env("tshark")
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()   # nobody listens yet
        ag = env.agent("127.0.0.1:%d" % port, "--ipfix-refresh-s", "1")
        time.sleep(0.3)
        early = one_node_postcards(7, [100])
        env.ring.put(early)
        time.sleep(0.3)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", port))
        time.sleep(1.6)     # at least one template refresh
        late = one_node_postcards(7, [101]) + one_node_postcards(7, [102], nodes=T.SLOTS_MAX)
        env.ring.put(late)
        s.settimeout(1.0)
        msgs = []
        try:
            while True:
                msgs.append(s.recv(65536))
        except socket.timeout:
            pass
        s.close()
        rc, out, err = env.stop(ag)
        check(rc == 0, "agent exits 0 on SIGTERM (stderr: %s)" % err.strip()[-200:])
        pcap = os.path.join(env.tmp, "ipfix.pcap")
        write_pcap(pcap, msgs, port)
        tmpl, recs = templates_and_records(tshark_ipfix(pcap, port))
        check(tmpl == TEMPLATE, "template 256 as documented: %s" % tmpl)
        psns = [be(sub(r, "cflow.enterprise_private_entry")[4]) for r in recs]
        check(sorted(psns) == [101, 102], "decoded the records sent after the collector "
              "started, none before (PSNs %s)" % psns)
        for raw in late:
            pc = T.unpack(raw)
            r = next((r for r, p in zip(recs, psns) if p == pc["psn"]), None)
            if not check(r is not None, "record of PSN %d" % pc["psn"]):
                continue
            ent = sub(r, "cflow.enterprise_private_entry")
            n = pc["nodes"]
            own_out = struct.unpack("!H", pc["data"][6:8])[0]
            t = get(r, "cflow.observation_time_nanoseconds")
            frac = int(t.split(".")[1].split()[0])
            want = {
                "observationTimeNanoseconds (fraction)": (abs(frac - pc["export_ns"] % 10**9) <= 1, frac),
                "observationPointId": (int(get(r, "cflow.observation_point_id")) ==
                                       pc["node_id"] << 32 | pc["in_ifindex"], None),
                "sourceIPv6Address": (get(r, "cflow.srcaddrv6") == "fd00:6::1", None),
                "destinationIPv6Address": (get(r, "cflow.dstaddrv6") == "ff3e::4d54", None),
                "ingressInterface": (int(get(r, "cflow.inputint")) == pc["in_ifindex"], None),
                "egressInterface": (int(get(r, "cflow.outputint")) == own_out, None),
                "endmtIoamNodeData": (bytes.fromhex(ent[0].replace(":", "")) == pc["data"][:16 * n], None),
                "endmtGroupProxy": (socket.inet_ntop(socket.AF_INET6, bytes.fromhex(ent[1].replace(":", ""))) == "fd00:ff::1", None),
                "endmtNodeId": (be(ent[2]) == pc["node_id"], None),
                "endmtGroupDqpn": (be(ent[3]) == pc["dqpn"], None),
                "endmtPsn": (be(ent[4]) == pc["psn"], None),
                "endmtIoamTraceType": (be(ent[5]) == T.TRACE_TYPE, None),
                "endmtCopies": (be(ent[6]) == pc["copies"], None),
                "endmtIoamNamespaceId": (be(ent[7]) == pc["ns_id"], None),
                "endmtPostcardKind": (be(ent[8]) == pc["kind"], None),
                "endmtIoamTraceFlags": (be(ent[9]) == pc["flags"], None),
                "endmtIoamNodes": (be(ent[10]) == n, None),
            }
            check(len(ent) == 11, "PSN %d: 11 enterprise fields" % pc["psn"])
            for k, (ok, v) in want.items():
                check(ok, "PSN %d: %s%s" % (pc["psn"], k, "" if v is None else " = %s" % v))
        odids = set(walk(tshark_ipfix(pcap, port), "cflow.od_id"))
        check(odids == {"7"}, "observation domain = the exporter's node_id (%s)" % odids)
    finally:
        env.close()


def case_batch():
    env = Env("batch")
    try:
        pcs = one_node_postcards(9, range(200, 212), nodes=T.SLOTS_MAX)
        env.ring.put(pcs)       # waiting in the ring: the agent's first drain takes all
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        ag = env.agent("127.0.0.1:%d" % port, "--json")
        s.settimeout(1.0)
        msgs = []
        try:
            while True:
                msgs.append(s.recv(65536))
        except socket.timeout:
            pass
        s.close()
        rc, out, err = env.stop(ag)
        check(rc == 0, "agent exits 0 (%s)" % err.strip()[-200:])
        tel = json.loads(out).get("telemetry", {})
        check(tel.get("postcards") == 12 and tel.get("messages") == len(msgs) and tel.get("ring"),
              "agent --json: telemetry %s, %d messages received" % (tel, len(msgs)))
        check(max(len(m) for m in msgs) <= 1150, "every message within 1150 octets (%s)" %
              sorted(set(len(m) for m in msgs)))
        pcap = os.path.join(env.tmp, "batch.pcap")
        write_pcap(pcap, msgs, port)
        pkts = tshark_ipfix(pcap, port)
        _, recs = templates_and_records(pkts)
        psns = sorted(be(sub(r, "cflow.enterprise_private_entry")[4]) for r in recs)
        check(psns == list(range(200, 212)), "all 12 records decoded once (%s)" % psns)
        per = [len([k for k, _ in v if k.startswith("Flow ")]) for cf in walk(pkts, "cflow")
               for k, v in cf if k.startswith("Set ") and "[id=256]" in k]
        check(per and max(per) == 5, "at most 5 records per message, 5 when the ring had more (%s)" % per)
    finally:
        env.close()


def state_tree(env, tf, postcards, name):
    port = 47000 + os.getpid() % 1000
    state = os.path.join(env.tmp, "state.json")
    co = env.start("collect", "--listen", "[::1]:%d" % port, "--state", state,
                   "--grace-ms", str(GRACE_MS))
    time.sleep(0.3)
    ag = env.agent("[::1]:%d" % port)
    time.sleep(0.3)
    env.ring.put(postcards)
    time.sleep(0.5 + GRACE_MS / 1000 + 1.2)    # drained, judged, written
    rc, _, err = env.stop(ag)
    check(rc == 0, "%s: agent exits 0 (%s)" % (name, err.strip()[-200:]))
    rc, out, err = env.stop(co)
    check(rc == 0 and "%d postcards" % len(postcards) in out,
          "%s: collect received all %d postcards: %s %s" % (name, len(postcards), out.strip(), err.strip()))
    r = subprocess.run([ENDMT, "tree", "g1", "--state", state, "--tree", FIG1, "--json"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "%s: endmt tree --json (%s)" % (name, r.stderr.strip()))
    return state, json.loads(r.stdout) if r.returncode == 0 else {"roots": []}


def flatten(roots):
    """name -> (parent name, node, branch)."""
    out = {}

    def go(n, parent):
        out[n["name"]] = (parent, n, n["branch"])
        for c in n["children"]:
            go(c, n["name"])
    for r in roots:
        go(r, None)
    return out


def check_tree(name, tf, doc, samples, lost, forks):
    got = flatten(doc["roots"])
    g = tf.group("g1")
    check(len(doc["roots"]) == 1, "%s: one root" % name)
    check({k: v[0] for k, v in got.items()} == tf.expected_parents(g),
          "%s: exactly Figure 1's tree: %s" % (name, {k: v[0] for k, v in got.items()}))
    rcvs = {}
    for r in g["receivers"]:
        rcvs[r["edge"]] = rcvs.get(r["edge"], 0) + 1
    for n, (parent, node, br) in sorted(got.items()):
        kids = tf.children(g, n)
        check(node["edge"] == (not kids) and (not kids) <= (node["copies"] == rcvs.get(n, 0)),
              "%s: %s edge=%s copies=%s" % (name, n, node["edge"], node["copies"]))
        check(node["fork"] == (forks and len(kids) > 1), "%s: %s fork=%s" % (name, n, node["fork"]))
        check(node["head"] == (parent is None), "%s: %s head=%s" % (name, n, node["head"]))
        if parent is None:
            continue
        nl = lost.get((parent, n), 0)
        seen = samples - lost_above(tf, lost, parent)
        d = T.branch_delay_us(tf.id[n])
        check(br["lost"] == nl and br["samples"] == seen - nl,
              "%s: %s->%s lost %d of %d (want %d of %d)" % (name, parent, n, br["lost"],
                                                            br["lost"] + br["samples"], nl, seen))
        dl = br["delay_us"]
        check(dl and dl["min"] == dl["max"] == dl["last"] == d and abs(dl["avg"] - d) < 1e-9,
              "%s: %s->%s delay %s us (want %d)" % (name, parent, n, dl, d))


def lost_above(tf, lost, node):
    """Samples lost on the way down to node (never seen there)."""
    n, tot = node, 0
    while tf.parent.get(n):
        tot += lost.get((tf.parent[n], n), 0)
        n = tf.parent[n]
    return tot


def tree_case(name, forks, lost_triples):
    env = Env(name)
    try:
        tf = T.TreeFile(FIG1)
        samples = 20
        pcs = T.tree_postcards(tf, range(samples), lost=lost_triples, forks=forks)
        state, doc = state_tree(env, tf, pcs, name)
        lost = {}
        for p, c, _ in lost_triples:
            lost[(p, c)] = lost.get((p, c), 0) + 1
        check_tree(name, tf, doc, samples, lost, forks)
        txt = subprocess.run([ENDMT, "tree", "g1", "--state", state, "--tree", FIG1],
                             capture_output=True, text=True)
        (p, c), n = next(iter(lost.items()))
        want = "loss %.1f%% (%d of %d)" % (100.0 * n / samples, n, samples)
        line = [ln for ln in txt.stdout.splitlines() if want in ln]
        check(txt.returncode == 0 and len(line) == 1,
              "%s: text names the lossy branch once (%r):\n%s" % (name, want, txt.stdout))
        dot = subprocess.run([ENDMT, "tree", "fd00:ff::1/4660", "--state", state, "--dot"],
                             capture_output=True, text=True)
        check(dot.returncode == 0 and dot.stdout.count("->") == 5 and
              dot.stdout.count("color=red") == 1, "%s: --dot, 5 branches, 1 red" % name)
        bad = subprocess.run([ENDMT, "tree", "nosuch", "--state", state], capture_output=True, text=True)
        check(bad.returncode != 0 and "nosuch" in bad.stderr, "%s: unknown group refused: %s" %
              (name, bad.stderr.strip()))
    finally:
        env.close()


def case_collect_tree():
    tree_case("collect_tree", False, [("N4", "N2", 5), ("N4", "N2", 6)])


def case_collect_forks():
    tree_case("collect_forks", True, [("N6", "N5", 3)])


def case_collect_late():
    env = Env("late")
    try:
        port = 48000 + os.getpid() % 1000
        state = os.path.join(env.tmp, "state.json")
        ag = env.agent("[::1]:%d" % port, "--ipfix-refresh-s", "2")
        time.sleep(0.3)
        env.ring.put(one_node_postcards(7, [1]))       # nobody listens: lost
        co = env.start("collect", "--listen", "[::1]:%d" % port, "--state", state)
        time.sleep(0.3)
        env.ring.put(one_node_postcards(7, [2, 3]))    # no template yet: skipped
        time.sleep(2.5)                                # a refresh
        env.ring.put(one_node_postcards(7, [4, 5]))
        time.sleep(0.5)
        env.stop(ag)
        rc, out, err = env.stop(co)
        doc = json.load(open(state))
        check(rc == 0 and doc["postcards"] == 2 and "2 postcards" in out,
              "collect started late decodes after the template refresh: %d postcards (%s; %s)" %
              (doc["postcards"], out.strip(), err.strip()))
    finally:
        env.close()


def case_idle():
    pin = "/sys/fs/bpf/endmt-test-tm-idle-%d" % os.getpid()
    os.makedirs(pin)    # the agent wants an existing pin root
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        r = subprocess.run([ENDMT, "--json", "--pin-root", pin, "agent", "--no-fanout",
                            "--liveness-ms", "0", "--ipfix", "127.0.0.1:%d" % port,
                            "--ipfix-refresh-s", "1", "--windows", "1500"],
                           capture_output=True, text=True, timeout=60)
        s.setblocking(False)
        try:
            got = s.recv(65536)
        except BlockingIOError:
            got = None
        s.close()
        tel = json.loads(r.stdout).get("telemetry", {}) if r.returncode == 0 else {}
        check(r.returncode == 0 and tel.get("ring") and tel.get("postcards") == 0,
              "agent with an empty ring (maps_open created it) exits 0: %s %s" % (tel, r.stderr.strip()))
        check(got is None, "and sends nothing, not even the template (no node_id yet)")
    finally:
        subprocess.run(["rm", "-rf", pin])


# The ACK-state template (docs/TELEMETRY.md): (PEN, IE id, length).
ACK_TEMPLATE = [(0, 325, 8), (PEN, 16, 8), (PEN, 17, 8), (PEN, 18, 8), (PEN, 3, 16), (0, 28, 16),
                (0, 14, 4), (PEN, 2, 4), (PEN, 4, 4), (PEN, 12, 4), (PEN, 13, 4), (PEN, 14, 4),
                (PEN, 15, 4), (PEN, 19, 1), (PEN, 20, 1)]
# struct endmt_branch, endmt_group, endmt_stale (include/endmt/maps.h), as
# test/py/cli_checks.py has them.
BRANCH = "<16sIIIIiIIIQQQQ"
GROUP = "<IIII16s16sIIIIIIIIIIIIQQQ"
MAX_BRANCHES = 64


def bpftool_update(path, key, val):
    hexs = lambda b: ["%02x" % x for x in b]  # noqa: E731
    subprocess.run(["bpftool", "map", "update", "pinned", path, "key", "hex", *hexs(key),
                    "value", "hex", *hexs(val)], check=True, capture_output=True)


def case_ack_tshark():
    env = Env("ack")
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        ag = env.agent("127.0.0.1:%d" % port, "--json")
        time.sleep(0.5)     # its maps created
        # node_id 7 (struct endmt_tm_node: node_id, ns_id, flags, real - tai)
        bpftool_update(env.pin + "/endmt_tm", struct.pack("<I", 0), struct.pack("<IHHq", 7, 123, 1, 0))
        now = time.monotonic_ns()
        r1, r2 = (socket.inet_pton(socket.AF_INET6, a) for a in ("fd00:11::2", "fd00:12::2"))
        # VALID|ACKED; R1 up to date 0.5 s ago, R2 10 PSNs behind, 3 s silent
        br = struct.pack(BRANCH, r1, 1000, 0, 5, 0, 0, 0, 0, 0, now - 500_000_000, 11, 2, 3)
        br += struct.pack(BRANCH, r2, 990, 0, 5, 0, 0, 0, 0, 0, now - 3_000_000_000, 5, 0, 1)
        br += bytes(struct.calcsize(BRANCH) * (MAX_BRANCHES - 2))
        key = socket.inet_pton(socket.AF_INET6, "fd00:ff::1") + struct.pack("<I", 4660)
        # state ENDMT_GS_DATA_FWD, data_psn 1000
        grp = struct.pack(GROUP, 0, 0, 0, 0, bytes(16), bytes(16), 2, 0, 1000, 8, 0, 0, 8, 0, 0, 0,
                          1000, 0, 0, 0, 0) + br
        bpftool_update(env.pin + "/endmt_groups", key, grp)
        ids = bytes(16) + r2 + bytes(16 * (MAX_BRANCHES - 2))
        bpftool_update(env.pin + "/endmt_stale", key, struct.pack("<IIQQ", 0, 0, 2, now) + ids)
        s.settimeout(1.5)
        msgs = []
        try:
            while len(msgs) < 6:
                msgs.append(s.recv(65536))
        except socket.timeout:
            pass
        s.close()
        rc, out, err = env.stop(ag)
        tel = json.loads(out).get("telemetry", {}) if rc == 0 else {}
        check(rc == 0 and tel.get("ack_records", 0) >= 2 and tel.get("postcards") == 0,
              "agent exports ACK-state records and no postcard: %s %s" % (tel, err.strip()[-200:]))
        pcap = os.path.join(env.tmp, "ack.pcap")
        write_pcap(pcap, msgs, port)
        pkts = tshark_ipfix(pcap, port)
        tmpl, recs = templates_and_records(pkts, 257)
        check(tmpl == ACK_TEMPLATE, "template 257 as documented: %s" % tmpl)
        check(len(recs) >= 2, "ACK-state records decoded (%d)" % len(recs))
        got = {}
        for r in recs[:2]:
            ent = sub(r, "cflow.enterprise_private_entry")
            if not check(len(ent) == 12, "12 enterprise fields (%d)" % len(ent)):
                continue
            got[get(r, "cflow.dstaddrv6")] = (r, ent)
        want = {"fd00:11::2": (11, 2, 3, 1000, 0, 500, 0x6),
                "fd00:12::2": (5, 0, 1, 990, 10, 3000, 0x7)}
        for addr, (acks, naks, cnps, ack, lag, age, flags) in want.items():
            if not check(addr in got, "record of branch %s" % addr):
                continue
            r, ent = got[addr]
            v = [be(e) for e in ent]
            proxy = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(ent[3].replace(":", "")))
            check(v[0:3] == [acks, naks, cnps], "%s: acks/naks/cnps %s" % (addr, v[0:3]))
            check(proxy == "fd00:ff::1" and v[4] == 7 and v[5] == 4660,
                  "%s: group %s/%d, node %d" % (addr, proxy, v[5], v[4]))
            check(v[6] == ack and v[7] == 1000 and v[8] == lag,
                  "%s: ack_psn %d, data_psn %d, lag %d" % (addr, v[6], v[7], v[8]))
            check(age <= v[9] < age + 1500, "%s: last response %d ms ago" % (addr, v[9]))
            check(v[10] == 1 and v[11] == flags and int(get(r, "cflow.outputint")) == 0,
                  "%s: kind %d (receiver), flags %#x" % (addr, v[10], v[11]))
        odids = set(walk(pkts, "cflow.od_id"))
        check(odids == {"7"}, "observation domain = the node_id (%s)" % odids)
    finally:
        env.close()


CASES = {"ipfix_tshark": case_ipfix_tshark, "batch": case_batch, "collect_tree": case_collect_tree,
         "collect_forks": case_collect_forks, "collect_late": case_collect_late, "idle": case_idle,
         "ack_tshark": case_ack_tshark}


def main():
    sel = os.environ.get("TEST")
    for name, fn in CASES.items():
        if sel and sel != name:
            continue
        print("--- %s" % name)
        fn()
    print("%s: %d failure(s)" % (os.path.basename(__file__), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
