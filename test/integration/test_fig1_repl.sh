#!/usr/bin/env bash
# Figure 1, RFC 9524 variant (test/integration/fig1_repl.json): no kernel
# multicast routing at all; N6 (head), N4 and N5 hold Replication SIDs and
# endmt makes the copies (the head's TC after encapsulation, endmt_transit_tc
# on N4/N5's parent links), every copy a unicast packet to the next node's
# SID; N1..N3 run End.MT on their own unicast End.MT SIDs.
# Checks: the configuration apply wrote (endmt show --json on every router,
# TC programs where the role needs them, a second apply changes nothing);
# an RC WRITE S1 -> R1..R5 by rcpeer with byte-identical data everywhere
# and a completed source; S1's link carries ~1/5 of the bytes delivered; a
# capture of the copies N4 sends to N1, decoded by scapy (outer DA = N1's
# End.MT SID, SRH [Proxy, N6's Replication SID] SL 1, hop limit 64 - 2) with
# every inner ICRC checked by zlib; counters (head_encap, the head's verdict;
# repl_rx and repl_copies at N6/N4/N5, endmt_rx and fwd_copies at the edges) against
# the endpoints; teardown leaves no netns, pins or processes.  Then the demo
# in this variant (--variant repl, or chosen on a kernel without IPv6
# multicast routing) and its refusals.
# Run as root: O=build-dir bash test/integration/test_fig1_repl.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
export O
export FIG1_JSON=$PWD/test/integration/fig1_repl.json FIG1_SMCROUTE=0
PY=/usr/bin/python3
export PYTHONPATH=$PWD/test/py	# endmt_oracle for the Python below
BYTES=${REPL_BYTES:-4M}
TMP=$(mktemp -d /tmp/fig1-repl-test.XXXXXX)
ID=fr$$
. test/integration/fig1.sh
for f in "$O/endmt" "$O/tools/rcpeer"; do
	[ -x "$f" ] || { echo "FAIL: $f not built (make O=$O all)" >&2; exit 1; }
done
fig1_script_init

fig1_up "$ID" >"$TMP/up.log" 2>&1 || fail "fig1 up: $(cat "$TMP/up.log")"
ok "Figure 1 up (RFC 9524 variant, id $ID)"

# No multicast anywhere: the copies must be endmt's.
for n in N6 N4 N5; do
	[ -z "$(f1_in "$ID" "$n" ip -6 mroute show 2>/dev/null)" ] || fail "$n has multicast routes"
done
pgrep -f "endmt-fig1/$ID/smcroute" >/dev/null && fail "smcrouted runs"
ok "no smcrouted, no multicast routes on N6 N4 N5"

# What apply wrote, node by node.
for n in $F1_ROUTERS; do fig1_endmt "$ID" "$n" --json show >"$TMP/cfg-$n.json" || fail "show $n"; done
$PY - "$TMP" <<'EOF' || fail "configuration from fig1_repl.json"
import json, sys
d = sys.argv[1]
S = {n: json.load(open(f"{d}/cfg-{n}.json")) for n in ("N6", "N4", "N5", "N1", "N2", "N3")}
R = lambda n: {r["sid"]: r["to"] for r in S[n]["replication"]}
D = lambda n: {x["dev"]: x["role"] for x in S[n]["devices"]}
assert R("N6") == {"fd00:6::100": ["fd00:4::100", "fd00:5::100"]}, R("N6")
assert R("N4") == {"fd00:4::100": ["fd00:1::4d54", "fd00:2::4d54"]}, R("N4")
assert R("N5") == {"fd00:5::100": ["fd00:3::4d54"]}, R("N5")
for n in ("N1", "N2", "N3"):
    assert R(n) == {}, (n, R(n))
    assert [(s["sid"], s["edge"], s["behavior"]) for s in S[n]["sids"]] == \
        [(f"fd00:{n[1]}::4d54", f"fd00:{n[1]}::1", "End.MT")], S[n]["sids"]
e = S["N6"]["encaps"][0]
assert e["outer_dst"] == "fd00:6::100" and e["segments"] == ["fd00:ff::1", "fd00:6::100"] \
    and e["segments_left"] == 1, e
assert [t["edge"] for t in e["tlvs"]] == ["fd00:1::1", "fd00:2::1", "fd00:3::1"], e["tlvs"]
assert D("N6") == {"n6-s1": "head", "n6-n4": "transit", "n6-n5": "transit"}, D("N6")
assert D("N4") == {"n4-n6": "transit", "n4-n1": "transit", "n4-n2": "transit"}, D("N4")
assert D("N5") == {"n5-n6": "transit", "n5-n3": "transit"}, D("N5")
assert all(x["tc"] for n in S for x in S[n]["devices"])
print("  N6 fd00:6::100 -> N4, N5; N4 fd00:4::100 -> N1, N2; N5 fd00:5::100 -> N3; "
      "edges on fd00:{1,2,3}::4d54; template DA fd00:6::100")
EOF
ok "apply wrote the replication entries, End.MT SIDs and template"
for p in "N4 n4-n6" "N5 n5-n6"; do
	set -- $p
	# (kernel program names stop at 15 characters: endmt_transit_t)
	tc -n "$(fig1_ns "$ID" "$1")" filter show dev "$2" ingress | grep -q "endmt_transit_t\b" ||
		fail "$1 $2: no endmt_transit_tc on TC ingress"
done
ok "endmt_transit_tc on TC ingress of N4 n4-n6 and N5 n5-n6 (where the parent's copies arrive)"
r=$(fig1_endmt "$ID" N4 --json apply "$FIG1_JSON" --node N4)
echo "$r" | $PY -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if (j["changed"], j["attached"], j["replication"]) == (0, 0, 1) else 1)' ||
	fail "second apply on N4: $r"
ok "a second apply on N4 changes nothing ($r)"

# Capture the copies N4 sends toward N1's End.MT SID, on N4's side of the
# link (N1's XDP applies S02/S03, DA := Proxy, before a tap on N1 sees them).
NS_N4=$(fig1_ns "$ID" N4)
ip netns exec "$NS_N4" timeout "$((120 * ENDMT_TIME_SCALE))" tcpdump --immediate-mode -B 32768 -i n4-n1 -Q out -s 2000 -U \
	-c 64 -w "$TMP/n1.pcap" 'ip6 and dst host fd00:1::4d54' 2>"$TMP/tcpdump.err" &
TPID=$!
pids+=("$TPID")
for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/tcpdump.err" && break; sleep 0.1; done

# Interface counters of S1's and the receivers' links, before and after.
counters() {
	local n
	for n in S1 R1 R2 R3 R4 R5; do
		ip -n "$(fig1_ns "$ID" "$n")" -s -j link show "$(f1_dev "$n" "${F1_UP[$n]}")" |
			$PY -c 'import json,sys; s=json.load(sys.stdin)[0]["stats64"]; print(sys.argv[1], s["rx"]["bytes"], s["tx"]["bytes"])' "$n"
	done
}
counters >"$TMP/c0"
i=0
rpids=()
for n in R1 R2 R3 R4 R5; do
	i=$((i + 1))
	nsenter --net="/run/netns/$(fig1_ns "$ID" "$n")" "$O/tools/rcpeer" recv \
		--local "fd00:1$i::2" --peer fd00:ff::1 --qpn $((255 + i)) --dqpn 4660 \
		--bytes "$BYTES" --idle-ms "$(tms 20000)" --linger-ms "$(tms 500)" --out "$TMP/$n.json" \
		>/dev/null 2>"$TMP/$n.err" &
	pids+=($!)
	rpids+=($!)
done
for n in R1 R2 R3 R4 R5; do
	for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/$n.err" && break; sleep 0.1; done
done
nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$O/tools/rcpeer" send --local fd00:10::2 \
	--peer fd00:ff::1 --qpn 17 --dqpn 4660 --bytes "$BYTES" --timeout-ms "$(tms 100)" \
	--max-retries 50 --out "$TMP/S1.json" >/dev/null || fail "source: $(cat "$TMP/S1.json")"
for p in "${rpids[@]}"; do wait "$p" || fail "a receiver failed: $(cat "$TMP"/R*.json)"; done
counters >"$TMP/c1"
wait "$TPID" 2>/dev/null || true
for n in $F1_ROUTERS; do fig1_endmt "$ID" "$n" --json show >"$TMP/show-$n.json" || fail "show $n"; done

$PY - "$TMP" <<'EOF' || fail "transfer"
import json, sys
d = sys.argv[1]
s = json.load(open(f"{d}/S1.json"))
assert s["ok"], s
for i in range(1, 6):
    r = json.load(open(f"{d}/R{i}.json"))
    assert r["match"] is True and r["crc32"] == s["crc32"] and r["bytes_received"] == s["bytes"], (i, r)
ctr = lambda f: {l.split()[0]: list(map(int, l.split()[1:])) for l in open(f"{d}/{f}")}
c0, c1 = ctr("c0"), ctr("c1")
s1 = c1["S1"][1] - c0["S1"][1]
deliv = sum(c1[f"R{i}"][0] - c0[f"R{i}"][0] for i in range(1, 6))
ratio = deliv / s1
assert 4.5 < ratio < 5.5, (s1, deliv, ratio)
print(f"  {s['bytes']} bytes, crc32 {s['crc32']} at S1 and R1..R5; S1 sent {s1} bytes on its "
      f"link, R1..R5 received {deliv}: {ratio:.2f}x")
EOF
ok "RC WRITE of $BYTES: source completed, R1..R5 byte-identical, S1's link carries ~1/5 of the delivered bytes"

$PY - "$TMP/n1.pcap" <<'EOF' || fail "capture of N4's copies to N1"
import sys
from scapy.all import rdpcap
from scapy.layers.inet6 import IPv6, IPv6ExtHdrSegmentRouting
from endmt_oracle import icrc
pk = rdpcap(sys.argv[1])
assert len(pk) == 64, len(pk)
for p in pk:
    o = p[IPv6]
    srh = o[IPv6ExtHdrSegmentRouting]
    assert (o.src, o.dst, o.hlim, o.nh) == ("fd00:6::1", "fd00:1::4d54", 62, 43), o.summary()
    assert list(srh.addresses) == ["fd00:ff::1", "fd00:6::100"] and srh.segleft == 1, srh.addresses
    inner = bytes(srh.payload)
    ip = IPv6(inner)
    assert (ip.src, ip.dst) == ("fd00:ff::1", "fd00:ff::1") and ip.nh == 17, ip.summary()
    inner = inner[:40 + ip.plen]
    assert icrc(inner) == int.from_bytes(inner[-4:], "little"), "bad inner ICRC"
print(f"  {len(pk)} copies N4 sent to N1: SA fd00:6::1, DA fd00:1::4d54, hop limit 62, "
      "SRH [fd00:ff::1, fd00:6::100] SL 1, inner to the Proxy, zlib ICRC right")
EOF
ok "N4's copies to N1 decoded by scapy, inner ICRCs checked by zlib"

$PY - "$TMP" <<'EOF' || fail "endmt show counters"
import json, sys
d = sys.argv[1]
c = lambda n, k: json.load(open(f"{d}/show-{n}.json"))["counters"].get(k, 0)
s = json.load(open(f"{d}/S1.json"))
p = s["packets_sent"]
want = {("N6", "head_encap"): p, ("N6", "repl_rx"): 0, ("N6", "repl_copies"): 2 * p,
        ("N4", "repl_rx"): p, ("N4", "repl_copies"): 2 * p,
        ("N5", "repl_rx"): p, ("N5", "repl_copies"): p,
        ("N1", "endmt_rx"): p, ("N1", "copies"): 2 * p,
        ("N2", "endmt_rx"): p, ("N2", "copies"): p,
        ("N3", "endmt_rx"): p, ("N3", "copies"): 2 * p,
        ("N6", "acks_up"): s["acks"]}
# Receivers resolve their neighbours by ND (fig1.sh): an edge's copies are
# fast or slow path, and every slow one was handed on to the stack.
c0 = c
def c(n, k):
    if k == "copies":
        return c0(n, "fwd_copies") + c0(n, "fwd_neigh_slow_path")
    if k == "acks_up":	# news or repeats (after a source timeout): every ACK S1 got
        return c0(n, "resp_ack_forwarded") + c0(n, "resp_ack_repeated")
    if k == "slow_unrouted":
        return c0(n, "fwd_neigh_slow_path") - c0(n, "fwd_slow_path_rx")
    return c0(n, k)
for n in ("N1", "N2", "N3"):
    want[(n, "slow_unrouted")] = 0
for n in ("N6", "N4", "N5"):
    for k in ("drop_repl_loop", "drop_repl_bad_entry", "fwd_no_route", "drop_clone_failed",
              "fwd_mtu_exceeded"):
        want[(n, k)] = 0
bad = {k: (c(*k), v) for k, v in want.items() if c(*k) != v}
assert not bad, bad
print(f"  {p} packets sent: N6 encapsulated {p} and made {2 * p} copies, N4 {2 * p}, "
      f"N5 {p}; edges N1/N2/N3 made {2 * p}/{p}/{2 * p} receiver copies "
      f"({c0('N1', 'fwd_neigh_slow_path')}/{c0('N2', 'fwd_neigh_slow_path')}/"
      f"{c0('N3', 'fwd_neigh_slow_path')} by the slow path); "
      f"N6 sent {s['acks']} ACKs up ({c0('N6', 'resp_ack_repeated')} repeated) = the ACKs S1 received")
EOF
ok "endmt show counters agree with the endpoints"

fig1_down "$ID" || fail "teardown"
ip netns list | grep -q "^f1-$ID-" && fail "netns left"
[ -e "/sys/fs/bpf/endmt-fig1-$ID" ] && fail "pins left"
[ -e "/run/endmt-fig1/$ID" ] && fail "state dir left"
pgrep -f "endmt-fig1-$ID/" >/dev/null && fail "processes left"
ok "teardown clean"

# The demo (make demo) in this variant: asked for with --variant repl, or
# chosen by itself, and said, on a kernel without IPv6 multicast routing
# (which its multicast variant needs and cannot have there: refused, exit 2,
# before anything is built).  FIG1_JSON/FIG1_SMCROUTE are unset: the demo
# must pick fig1_repl.json on its own.
demo() { env -u FIG1_JSON -u FIG1_SMCROUTE ./test/integration/demo.sh "$@"; }
demo_left() {
	ip netns list | grep -q '^f1-demo' && fail "demo left a netns"
	ls /sys/fs/bpf | grep -q '^endmt-fig1-demo' && fail "demo left pins"
	return 0
}
if [ -e /proc/sys/net/ipv6/conf/all/mc_forwarding ]; then
	dargs=(--variant repl) how="--variant repl"
else
	dargs=() how="chosen: no IPv6 multicast routing here"
	rc=0; demo --variant mcast --bytes 1M >"$TMP/demo-mcast.out" 2>&1 || rc=$?
	[ "$rc" = 2 ] && grep -q "needs the kernel's IPv6 multicast routing" "$TMP/demo-mcast.out" ||
		fail "demo --variant mcast without multicast routing: exit $rc: $(cat "$TMP/demo-mcast.out")"
	demo_left
	ok "demo --variant mcast on a kernel without multicast routing: refused (exit 2), nothing built"
fi
demo "${dargs[@]}" --bytes "${FIG1_DEMO_BYTES:-2M}" >"$TMP/demo.out" 2>&1 || { cat "$TMP/demo.out"; fail "demo ($how)"; }
grep -q "result: 5/5 receivers byte-identical" "$TMP/demo.out" || fail "demo report: $(cat "$TMP/demo.out")"
grep -q "Replication SIDs on N6 N4 N5" "$TMP/demo.out" || fail "demo: not the RFC 9524 variant"
[ "${#dargs[@]}" -gt 0 ] || grep -q "this kernel has no IPv6 multicast routing" "$TMP/demo.out" ||
	fail "demo: chose the RFC 9524 variant without saying why"
[ "$(grep -c '\[fork\]' "$TMP/demo.out")" = 2 ] || fail "demo: the tree does not show N4 and N5 as forks"
demo_left
ok "demo, RFC 9524 variant ($how): 5/5 receivers byte-identical, N4 and N5 forks in its tree, nothing left"
rc=0; demo --variant bogus >"$TMP/demo-bogus.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "mcast or repl" "$TMP/demo-bogus.out" || fail "demo --variant bogus: exit $rc"
ok "demo --variant bogus: exit 2, names the variants"
echo "test_fig1_repl: all passed"
