# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Synthetic telemetry postcards (struct endmt_postcard, include/endmt/ioam.h)
and the way into the agent's real path: test/bpf/pcgen.bpf.c puts each one
into a ring pinned as PINROOT/endmt_postcards, as the data path's would be.

  postcard(...)          one record, as the BPF programs write it
  tree_postcards(...)    every postcard a group of a tree file (fig1.json)
                         would produce for some sampled PSNs: edge sections,
                         and with forks=True the RFC 9524 forks' sections,
                         with chosen branches losing chosen PSNs
  Ring(pin_root)         loads pcgen into a pin root; .put(postcards)
  branch_delay_us(...)   the one-way delay the generator gives a branch
  TreeFile.expected_parents(g)  the tree `endmt tree` must rebuild

Used by test/py/test_tm_ipfix.py; meant for the end-to-end tests too (the
same expected tree and figures from the same tree file).  Layout: from
include/endmt/ioam.h, checked against it (SLOTS_MAX, NODE_LEN, the
postcard's static size) at import."""
import json
import os
import re
import socket
import struct
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IOAM_H = os.path.join(ROOT, "include", "endmt", "ioam.h")

PC_EDGE, PC_FORK = 1, 2
SLOTS_MAX = 8
NODE_OCTETS = 16
# bits 0-3 of the IOAM-Trace-Type (ENDMT_IOAM_TRACE_TYPE)
TRACE_TYPE = (1 << 23) | (1 << 22) | (1 << 21) | (1 << 20)
NS_ID = 1
# kind node_id export_ns proxy dqpn psn in_ifindex ns_id nodes flags
# trace_type copies outer_src outer_dst data (host order, natural alignment)
PC_FMT = "=IIQ16sIIIHBBII16s16s%ds" % (SLOTS_MAX * NODE_OCTETS)
NODE_FMT = "!B3sHHII"   # hop_lim node_id in_if out_if ts_sec ts_frac(us)
BASE_US = 1_700_000_000 * 1_000_000


def _check_header():
    h = open(IOAM_H).read()
    slots = int(re.search(r"#define ENDMT_IOAM_SLOTS_MAX\s+(\d+)", h).group(1))
    nlen = int(re.search(r"#define ENDMT_IOAM_NODE_LEN\s+(\d+)", h).group(1))
    fixed = int(re.search(r"== (\d+) \+ ENDMT_IOAM_SLOTS_MAX", h).group(1))
    assert slots == SLOTS_MAX and 4 * nlen == NODE_OCTETS, "ioam.h changed: update tm_postcards.py"
    assert struct.calcsize(PC_FMT) == fixed + SLOTS_MAX * NODE_OCTETS, "postcard layout changed"


_check_header()
PC_SIZE = struct.calcsize(PC_FMT)


def node_entry(node_id, ts_us, in_if=0, out_if=0, hop_lim=64):
    return struct.pack(NODE_FMT, hop_lim, node_id.to_bytes(3, "big"), in_if, out_if,
                       ts_us // 1_000_000, ts_us % 1_000_000)


def postcard(kind, node_id, proxy, dqpn, psn, entries, copies, in_ifindex=0,
             outer_src="::", outer_dst="::", export_ns=None, ns_id=NS_ID,
             trace_type=TRACE_TYPE, flags=0):
    """entries: node entries (node_entry) newest first, the exporter's own at 0."""
    assert len(entries) <= SLOTS_MAX
    a6 = lambda a: socket.inet_pton(socket.AF_INET6, a)  # noqa: E731
    if export_ns is None:
        export_ns = BASE_US * 1000 + psn * 1_000_000
    return struct.pack(PC_FMT, kind, node_id, export_ns, a6(proxy), dqpn, psn, in_ifindex,
                       ns_id, len(entries), flags, trace_type, copies, a6(outer_src),
                       a6(outer_dst), b"".join(entries))


def unpack(raw):
    f = struct.unpack(PC_FMT, raw)
    keys = ("kind node_id export_ns proxy dqpn psn in_ifindex ns_id nodes flags "
            "trace_type copies outer_src outer_dst data").split()
    return dict(zip(keys, f))


class TreeFile:
    """Names, parents and IOAM ids of a tree file (docs/TREE-FORMAT.md); a
    node's id is its "ioam_id", else its 1-based position (loader/tree.c)."""

    def __init__(self, path):
        self.doc = json.load(open(path))
        self.names = list(self.doc["nodes"])
        self.parent = {n: v.get("parent") for n, v in self.doc["nodes"].items()}
        self.id = {n: v.get("ioam_id", i + 1) for i, (n, v) in enumerate(self.doc["nodes"].items())}
        self.addr = {n: v["addr"] for n, v in self.doc["nodes"].items()}

    def group(self, name=None):
        gs = self.doc["groups"]
        return next(g for g in gs if name is None or g["name"] == name)

    def path_nodes(self, g):
        """Nodes of g's tree: every receiver's edge and the way up to the head."""
        head = g["source"]["head"]
        on = set()
        for r in g["receivers"]:
            n = r["edge"]
            while n is not None and n not in on:
                on.add(n)
                if n == head:
                    break
                n = self.parent[n]
        return on

    def expected_parents(self, g):
        """What `endmt tree --json` must show for g: node name -> parent name
        (None for the head), every node on a path from the head to an edge."""
        head = g["source"]["head"]
        return {n: (self.parent[n] if n != head else None) for n in self.path_nodes(g)}

    def children(self, g, n):
        on = self.path_nodes(g)
        return [c for c in self.names if c in on and self.parent[c] == n and c != g["source"]["head"]]


def branch_delay_us(child_id):
    """The generator's one-way delay onto a child: distinct per branch."""
    return 100 + 10 * child_id


def tree_postcards(tf, psns, group=None, lost=(), forks=False):
    """Postcards of one group for the sampled PSNs.  lost: (parent, child,
    psn) triples: that copy never reaches child.  forks: nodes with more than
    one child replicate as RFC 9524 forks (they export a section postcard and
    start each copy's trace afresh); else only edges export (the multicast
    variant, whose transit nodes fill entries but export nothing)."""
    g = tf.group(group)
    head = g["source"]["head"]
    rcvs = {}
    for r in g["receivers"]:
        rcvs[r["edge"]] = rcvs.get(r["edge"], 0) + 1
    lost = set(lost)
    out = []

    def section(kind, n, entries, psn):
        out.append(postcard(kind, tf.id[n], g["proxy"], g["dqpn"], psn, entries,
                            rcvs.get(n, 0) if kind == PC_EDGE else len(tf.children(g, n)),
                            in_ifindex=10 + tf.id[n], outer_src=tf.addr[head],
                            outer_dst=g.get("sid", tf.addr[n])))

    def walk(n, ts, above, psn):
        # above: the section's entries so far, oldest first; n's own entry next
        kids = tf.children(g, n)
        mine = node_entry(tf.id[n], ts, in_if=10 + tf.id[n], out_if=0 if len(kids) != 1 else 20 + tf.id[n])
        sec = above + [mine]
        if not kids:
            section(PC_EDGE, n, list(reversed(sec)), psn)
            return
        if forks and len(kids) > 1:
            section(PC_FORK, n, list(reversed(sec)), psn)
        for c in kids:
            if (n, c, psn) in lost:
                continue
            # a fork starts each copy's trace with the entry that ended
            # its section (bpf/dp/repl_tm.h): one transmission, one entry
            start = [mine] if forks and len(kids) > 1 else sec
            walk(c, ts + branch_delay_us(tf.id[c]), start, psn)

    for psn in psns:
        walk(head, BASE_US + psn * 1000, [], psn)
    return out


class Ring:
    """test/bpf/pcgen.bpf.o loaded into pin_root: PINROOT/endmt_postcards
    (its ring) and PINROOT/pcgen (the program).  put() test-runs it once per
    postcard."""

    def __init__(self, pin_root, obj):
        self.pin_root = pin_root
        self.prog = os.path.join(pin_root, "pcgen")
        os.makedirs(pin_root, exist_ok=True)
        subprocess.run(["bpftool", "prog", "load", obj, self.prog, "type", "xdp",
                        "pinmaps", pin_root], check=True)
        self.tmp = os.path.join("/tmp", "endmt-pc-%d.bin" % os.getpid())

    def put(self, postcards):
        for pc in postcards:
            with open(self.tmp, "wb") as f:
                f.write(pc)
            r = subprocess.run(["bpftool", "prog", "run", "pinned", self.prog,
                                "data_in", self.tmp, "repeat", "1"],
                               capture_output=True, text=True, check=True)
            assert "Return value: 2" in r.stdout + r.stderr, r.stdout + r.stderr  # XDP_PASS

    def close(self):
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)
