#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The Python of test/integration/test_cli.sh: predicates over `endmt ... --json`
output, the tree-file edits of its cases and the hand-packed map values.

    python3 test/py/cli_checks.py NAME ARGS...

A predicate exits 0 when it holds and 1 (after printing what it saw) when not;
the others print what the script reads.  Plain Python (json, struct,
ipaddress; scapy for the encap template): none of endmt's C code.
"""
import copy
import ipaddress
import json
import os
import struct
import sys
import textwrap
import time


def show_eval(path, expr):
    """EXPR over j = `endmt show --json --all` (G: groups by (proxy, dqpn), D:
    devices by name) must be true."""
    j = json.load(open(path))
    G = {(g["proxy"], g["dqpn"]): g for g in j["groups"]}  # noqa: F841
    D = {d["dev"]: d for d in j["devices"]}  # noqa: F841
    r = eval("(" + expr + "\n)")
    if not r:
        print("  show --json:", json.dumps(j)[:3000])
    return 0 if r else 1


def template_hmac_ok(e, secret, extended=False):
    """The head template e (an `encaps` entry of show --json) ends in an HMAC
    TLV whose field is hmac/hashlib over its text (test/py/endmt_oracle.py),
    with the kernel's H flag (0x08) in Flags."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from endmt_oracle import hmac_sha256, srh_hmac_field, srh_hmac_text
    t = bytes.fromhex(e["hex"])
    sa, srh = t[8:24], t[40:]
    if len(srh) != (srh[1] + 1) * 8 or srh[-40] != 5 or srh[-39] != 38 or not srh[5] & 0x08:
        return False
    return srh_hmac_field(srh) == hmac_sha256(secret.encode(), srh_hmac_text(sa, srh, extended))


def help_in_doc(path, doc="docs/CLI.md"):
    """The --help text in PATH appears verbatim in docs/CLI.md."""
    return 0 if open(path).read() in open(doc).read() else 1


def encap_len():
    """The length of the first encap template of `show --json` on stdin."""
    j = json.load(sys.stdin)
    print(j["encaps"][0]["len"])
    return 0


def encap_template(path):
    """The pinned endmt_encap value (bpftool -j map dump) parses with scapy:
    SA, DA, SL and segment list of the Figure 1 group."""
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrSegmentRouting
    e = json.load(open(path))[0]
    v = bytes(int(x, 16) for x in e["value"])
    ln = int.from_bytes(v[0:2], "little")
    h = bytearray(v[8:8 + ln])
    assert h[4:6] == b"\0\0"          # payload length: left for the data path
    h[4:6] = (ln - 40).to_bytes(2, "big")  # so scapy parses the SRH
    p = IPv6(bytes(h))
    srh = p[IPv6ExtHdrSegmentRouting]
    ok = (p.src == "fd00:6::1" and p.dst == "ff3e::4d54" and p.nh == 43 and srh.segleft == 1
          and list(srh.addresses) == ["fd00:ff::1", "ff3e::4d54"] and srh.nh == 41)
    print("  scapy:", p.src, p.dst, srh.segleft, list(srh.addresses))
    return 0 if ok else 1


def map_value():
    """The value of a `bpftool -j map lookup` on stdin (endmt_cnp_epoch)."""
    print(json.load(sys.stdin)["formatted"]["value"])
    return 0


# struct endmt_branch and struct endmt_group (include/endmt/maps.h), field by
# field; the asserts below hold them to the _Static_asserts there.
BRANCH = "<16sIIIIiIIIQQQQ"   # id, ack_psn, epsn, flags, ccount, psn_offset,
#                               ccount_prev, aeth, rnrs, last_seen_ns, acks, naks, cnps
GROUP = "<IIII16s16sIIIIIIIIIIIIQQQ"  # lock, flags, start_psn, src_qpn, src_addr,
#       resp_saddr, nbranches, cnp_cap, cnp_rate, cnp_burst, fwd_ack_psn, fwd_epsn,
#       state, cnp_epoch, fwd_rnr_psn, acks_repeated, data_psn, reserved,
#       window_start_ns, dup_mask, rnr_until_ns
MAX_BRANCHES = 64
CNP_RATE_DEF, CNP_BURST_DEF = 1000, 8  # ENDMT_CNP_RATE_DEF, ENDMT_CNP_BURST_DEF
assert struct.calcsize(BRANCH) == 80 and struct.calcsize(GROUP) == 120


def group_value(dqpn, *specs):
    """`key hex .. value hex ..` for bpftool map update of endmt_groups: group
    (fd00:ff::1, DQPN), CNP epoch $EPOCH opened now, the default CNP rate
    limit, one branch per spec addr,ack_psn,flags,ccount,last_seen_ns."""
    key = ipaddress.IPv6Address("fd00:ff::1").packed + struct.pack("<I", int(dqpn))
    br = b""
    for s in specs:
        a, ack, fl, cc, ls = s.split(",")
        br += struct.pack(BRANCH, ipaddress.IPv6Address(a).packed, int(ack), 0, int(fl),
                          int(cc), 0, 0, 0, 0, int(ls), 0, 0, 0)
    br += bytes(struct.calcsize(BRANCH) * (MAX_BRANCHES - len(specs)))
    resp = ipaddress.IPv6Address("fd00:6::1").packed
    val = struct.pack(GROUP, 0, 0, 0, 0, bytes(16), resp, len(specs), 0, CNP_RATE_DEF,
                      CNP_BURST_DEF, 0, 0, 0, int(os.environ["EPOCH"]) & 0xffffffff, 0, 0, 0, 0,
                      time.monotonic_ns(), 0, 0) + br

    def hexs(b):
        return " ".join("%02x" % x for x in b)
    print("key hex", hexs(key), "value hex", hexs(val))
    return 0


def limit_value(dqpn, sent, withheld):
    """`key hex .. value hex ..` for bpftool map update of endmt_cnp_limit
    (struct endmt_cnp_limit: lock, reserved, sent, withheld) of group
    (fd00:ff::1, DQPN)."""
    key = ipaddress.IPv6Address("fd00:ff::1").packed + struct.pack("<I", int(dqpn))
    val = struct.pack("<IIQQ", 0, 0, int(sent), int(withheld))
    print("key hex", " ".join("%02x" % x for x in key), "value hex",
          " ".join("%02x" % x for x in val))
    return 0


def agent_cnp(path):
    """The agent's --json summary: 3 windows, one CNP sent, none withheld."""
    j = json.load(open(path))
    return 0 if j["windows"] == 3 and j["cnps_sent"] == 1 and j["cnps_withheld"] == 0 else 1


def apply_result(*fields):
    """The FIELDS (default: changed attached) of `endmt --json apply` on stdin."""
    j = json.load(sys.stdin)
    print(*(j[f] for f in (fields or ("changed", "attached"))))
    return 0


def devices():
    """The attached devices of `show --json` on stdin, space separated."""
    print(" ".join(d["dev"] for d in json.load(sys.stdin)["devices"]))
    return 0


def edit(src, dst, code):
    """DST = the tree file SRC with the Python CODE applied (j: the file,
    g: its first group, copy: the module; CODE may be indented as a whole)."""
    j = json.load(open(src))
    g = j["groups"][0] if "groups" in j else None  # noqa: F841
    exec(textwrap.dedent(code), {"j": j, "g": g, "copy": copy})
    json.dump(j, open(dst, "w"), indent=1)
    return 0


def repl_variant(src, dst):
    """The Figure 1 file with RFC 9524 Replication SIDs instead of the
    multicast SID."""
    return edit(src, dst, '''
del g["sid"]
g["replication"] = {"N6": "fd00:6::100", "N4": "fd00:4::100", "N5": "fd00:5::100"}
g["edge_sids"] = {"N1": "fd00:1::4d54", "N2": "fd00:2::4d54", "N3": "fd00:3::4d54"}''')


def one_child(src, dst):
    """The replication variant with a head that has one child (group g2)."""
    return edit(src, dst, '''
g["receivers"] = [r for r in g["receivers"] if r["edge"] != "N3"]
del g["edge_sids"]["N3"], g["replication"]["N6"], g["replication"]["N5"]
g["name"] = "g2"; g["dqpn"] = 4661''')


CHECKS = {f.__name__: f for f in (show_eval, help_in_doc, encap_len, encap_template, map_value,
                                   group_value, limit_value, agent_cnp, apply_result, devices, edit,
                                   repl_variant, one_child)}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CHECKS:
        print("usage: cli_checks.py NAME ARGS...; NAME one of", " ".join(CHECKS), file=sys.stderr)
        sys.exit(2)
    sys.exit(CHECKS[sys.argv[1]](*sys.argv[2:]))
