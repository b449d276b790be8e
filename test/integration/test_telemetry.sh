#!/usr/bin/env bash
# On-path telemetry on Figure 1 (docs/TELEMETRY.md): the tree of fig1.json
# with telemetry on (every node its ioam_id, the group sampled 1 in 2^K),
# and N4 and N5, the kernel's multicast routers, as kernel IOAM nodes (the
# independent peer: `ip ioam namespace add`, ioam6_enabled, ioam6_id).  A
# 1 MB WRITE S1 -> R1..R5 with captures on every link, decoded by tshark:
# one entry per hop with the right node ids and interfaces and sane
# timestamps, the kernel's entry between the head's and the edge's, no
# trace toward any receiver and every receiver's data byte-identical; the
# edges' postcards counted.  Then the RFC 9524 variant (fig1_repl.json),
# where endmt's Replication SIDs at N4 and N5 are the forks of RFC 9630's
# per-section solution: each exports the section it ends and starts every
# copy's trace afresh with its own entry.  In both, every router's agent
# exports its postcards as IPFIX (--ipfix) to `endmt collect` in N6's netns,
# and `endmt tree` must rebuild exactly Figure 1's tree under the file's
# names, every sample on every branch, no loss, sane delays.  Last, the
# multicast variant with a burst of 16 packets lost on N4 -> N2: its 4
# samples are lost on that branch and on no other.  And a short run with R2
# stalled (it stops ACKing after 300 packets; the source gives up): the
# edges' agents export their branches' ACK state too (IPFIX template 257),
# and `endmt tree` shows R1 and R2 as leaves under N1, R2 behind and
# stale, R1 not.  One function per case.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
export O
PY=/usr/bin/python3
export PYTHONPATH=$PWD/test/py
TMP=$(mktemp -d /tmp/tm-test.XXXXXX)
ID=tm$$
NS_ID=123		# the IOAM Namespace-ID of the tree
SAMPLE=2		# 1 packet in 2^2
PORT=4739		# the collector's
. test/integration/fig1.sh
. test/integration/fig1_lib.sh
fig1_script_init

# A tree file with telemetry; ioam_id not the default positions, so the
# names must come from the file.
tree_json() {
	$PY - "$F1_DIR/$1" "$TMP/fig1_tm.json" "$NS_ID" "$SAMPLE" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
t["ioam_namespace"] = int(sys.argv[3])
for i, n in enumerate(t["nodes"].values()):
    n["ioam_id"] = 0x100 + 7 * i
for g in t["groups"]:
    g["telemetry"] = {"sample": int(sys.argv[4]), "slots": 5}
json.dump(t, open(sys.argv[2], "w"), indent=1)
EOF
}
ioam_id() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"][sys.argv[2]]["ioam_id"])' "$FIG1_JSON" "$1"; }

# The links captured: NODE:DEVICE, the sending end of each tree link (the
# receiving end's XDP program sees a frame before a capture there does, and
# an edge's takes the trace off), and R1's and R4's links.  Not the IPFIX
# export, which crosses the tree's links toward N6 (the edges' ACK states
# every second: the captures would never settle).
LINKS="N6:n6-n4 N6:n6-n5 N4:n4-n1 N4:n4-n2 N5:n5-n3 R1:r1-n1 R4:r4-n3"

capture_start() {
	local l n d
	TPIDS=()
	for l in $LINKS; do
		n=${l%%:*} d=${l#*:}
		ip netns exec "$(fig1_ns "$ID" "$n")" tcpdump --immediate-mode -B 32768 -i "$d" \
			-s 2000 -U -w "$TMP/$d.pcap" ip6 and not udp port "$PORT" 2>"$TMP/tcpdump-$d.err" &
		TPIDS+=($!)
		pids+=($!)
	done
	for l in $LINKS; do
		d=${l#*:}
		for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/tcpdump-$d.err" && break; sleep 0.1; done
	done
}

capture_stop() {
	local last=-1 same=0 size p
	while [ $same -lt 3 ]; do
		tsleep 300
		size=$(cat "$TMP"/*.pcap | wc -c)
		if [ "$size" = "$last" ]; then same=$((same + 1)); else same=0; last=$size; fi
	done
	for p in "${TPIDS[@]}"; do kill -INT "$p"; wait "$p" 2>/dev/null || true; done
	pids=()
}

transfer() {
	local p
	RPIDS=()
	fig1_receivers "$ID" "$TMP" 1M || fail "receivers"
	nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$O/tools/rcpeer" send --local fd00:10::2 \
		--udp-csum0 --peer fd00:ff::1 --qpn 17 --dqpn 4660 --bytes 1M --timeout-ms "$(tms 100)" \
		--out "$TMP/S1.json" >/dev/null || fail "transfer: $(cat "$TMP/S1.json")"
	for p in "${RPIDS[@]}"; do wait "$p" || fail "a receiver failed"; done
}

# tshark's view of one capture: per traced packet PSN, then the trace's
# entries newest first as id/iif/eif/tss/tsf.
decode() {
	tshark -r "$TMP/$1.pcap" -Y 'ipv6.opt.ioam.trace.ns' -T fields -E separator='|' -E occurrence=a \
		-E aggregator=';' -e infiniband.bth.psn -e ipv6.opt.ioam.trace.ns \
		-e ipv6.opt.ioam.trace.node.id -e ipv6.opt.ioam.trace.node.iif \
		-e ipv6.opt.ioam.trace.node.eif -e ipv6.opt.ioam.trace.node.tss \
		-e ipv6.opt.ioam.trace.node.tsf -e ipv6.opt.ioam.trace.remlen 2>/dev/null
}

# CASE: every traced packet on a tree link carries exactly the entries of
# the hops so far (head, then the kernel router on links below N4/N5), the
# right ids and ingress interfaces, timestamps ordered and recent; sampled
# by PSN (1 in 2^SAMPLE, and all of those).
case_trace_on_every_link() {
	local n hops ifs
	for n in n6-n4 n6-n5 n4-n1 n4-n2 n5-n3; do
		case $VARIANT:$n in
		*:n6-*) hops="N6" ;;
		mcast:n4-*) hops="N4 N6" ;;	# the kernel's entry, then the head's
		mcast:n5-*) hops="N5 N6" ;;
		repl:n4-*) hops="N4" ;;		# a fork's fresh trace: its own entry
		repl:n5-*) hops="N5" ;;
		esac
		# ingress interface id of each hop: N6's from S1, a router's
		# from N6 (ifindex in its netns)
		ifs=""
		for h in $hops; do
			case $h in
			N6) ifs+="$(fig1_ifindex "$ID" N6 n6-s1) " ;;
			*) ifs+="$(fig1_ifindex "$ID" "$h" "$(f1_dev "$h" N6)") " ;;
			esac
		done
		decode "$n" >"$TMP/$n.trace"
		$PY - "$TMP/$n.trace" "$n" "$NS_ID" "$SAMPLE" "$(for h in $hops; do ioam_id "$h"; done | xargs)" "$ifs" <<'EOF' ||
import sys, time
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
name, ns, k = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ids = [int(x) for x in sys.argv[5].split()]
ifs = [int(x) for x in sys.argv[6].split()]
now = time.time()
psns = set()
assert rows, f"{name}: no traced packet"
for psn, tns, nid, iif, eif, tss, tsf, rem in rows:
    psn = int(psn, 0)
    assert psn % (1 << k) == 0, (name, "not a sample", psn)
    psns.add(psn)
    assert int(tns, 0) == ns, (name, "namespace", tns)
    got = [int(x, 0) for x in nid.split(";")]
    assert got == ids, (name, "node ids newest first", got, ids)
    gi = [int(x, 0) for x in iif.split(";")]
    assert gi == ifs, (name, "ingress ids", gi, ifs)
    t = [int(s, 0) + int(f, 0) / 1e6 for s, f in zip(tss.split(";"), tsf.split(";"))]
    assert all(0 <= int(f, 0) < 1000000 for f in tsf.split(";")), (name, "fraction", tsf)
    assert all(a >= b - 0.001 for a, b in zip(t, t[1:])), (name, "newest first in time", t)
    assert all(now - 300 < x <= now + 1 for x in t), (name, "timestamps not recent", t, now)
    assert int(rem, 0) == (5 - len(ids)) * 4, (name, "remaining length", rem)
# 1 MB in 1024 packets, PSN 0..1023: every sample, retransmissions aside
want = {p for p in range(1024) if p % (1 << k) == 0}
assert want <= psns, (name, "samples missing", sorted(want - psns)[:8])
print(f"{name}: {len(rows)} traced packets, {len(psns)} PSNs, hops {ids}")
EOF
		fail "trace on $n"
	done
	if [ "$VARIANT" = mcast ]; then
		ok "IOAM trace on every tree link: the head's entry, then the kernel router's (N4, N5), decoded by tshark"
	else
		ok "IOAM trace on every tree link: the head's entry, below the forks (N4, N5) their fresh one, decoded by tshark"
	fi
}

# CASE: no receiver sees a trace, and every receiver's data is whole.
case_receivers_untraced() {
	local n
	# The kernel's own MLD reports (ICMPv6 130-132, 143) carry a
	# Hop-by-Hop Router Alert by RFC 2710/3810, and a link brought up a
	# second before may still repeat its unsolicited ones: not ours.
	for n in r1-n1 r4-n3; do
		hbh=$(tshark -r "$TMP/$n.pcap" -Y 'ipv6.opt.ioam.trace.ns ||
			(ipv6.nxt == 0 && !(icmpv6.type in {130, 131, 132, 143}))' 2>/dev/null)
		[ -z "$hbh" ] || fail "$n: a frame toward the receiver carries a Hop-by-Hop header: $hbh"
		[ "$(tshark -r "$TMP/$n.pcap" -Y infiniband 2>/dev/null | wc -l)" -gt 0 ] || fail "$n: no RoCE frames captured"
	done
	for n in R1 R2 R3 R4 R5; do
		$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("match") is True else 1)' "$TMP/$n.json" ||
			fail "receiver $n: $(cat "$TMP/$n.json")"
	done
	ok "receivers: no Hop-by-Hop header on their links, all 5 byte-identical"
}

# CASE: the counters say the same: the head traced 1 in 2^SAMPLE, every
# edge judged each trace its own (a postcard each, or lost for want of a
# reader), none malformed or foreign.
case_counters() {
	local n j
	for n in N6 N4 N5 N1 N2 N3; do
		fig1_endmt "$ID" "$n" --json show >"$TMP/show-$n.json" || fail "show $n"
	done
	$PY - "$TMP" "$SAMPLE" "$VARIANT" <<'EOF' || fail "counters"
import json, sys
d, k, variant = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def c(n):
    return json.load(open(f"{d}/show-{n}.json"))["counters"]
h = c("N6")
assert h.get("tm_traces", 0) >= 1024 >> k, ("head traces", h.get("tm_traces"))
for e in ("N1", "N2", "N3"):
    s = c(e)
    got = s.get("tm_postcards", 0) + s.get("tm_postcards_lost", 0)
    assert got >= 1024 >> k, (e, "postcards", got)
    assert s.get("tm_trace_malformed", 0) == 0 and s.get("tm_trace_foreign", 0) == 0, (e, s)
    assert s.get("drop_hbh_malformed", 0) == 0 and s.get("drop_hbh_option", 0) == 0, (e, s)
forks = ("N4", "N5") if variant == "repl" else ()
for f in forks:
    s = c(f)
    got = s.get("tm_postcards", 0) + s.get("tm_postcards_lost", 0)
    assert got >= 1024 >> k, (f, "fork postcards", got)
    assert s.get("tm_trace_malformed", 0) == 0 and s.get("drop_hbh_malformed", 0) == 0, (f, s)
# the head's own replication (repl) restarts nothing: no postcard there
assert h.get("tm_postcards", 0) == 0, ("head postcards", h.get("tm_postcards"))
print("forks' postcards", [c(f).get("tm_postcards", 0) for f in forks],
      "head tm_traces", h.get("tm_traces"), "; edges' postcards",
      [c(e).get("tm_postcards", 0) + c(e).get("tm_postcards_lost", 0) for e in ("N1", "N2", "N3")])
EOF
	ok "counters ($VARIANT): head traces, forks' and edges' postcards, nothing malformed"
}

# CASE: the rebuilt tree is Figure 1, every sample on every branch.
case_tree() {
	"$O/endmt" tree g1 --state "$TMP/state.json" --tree "$FIG1_JSON" || fail "$1: endmt tree"
	"$O/endmt" tree g1 --state "$TMP/state.json" --tree "$FIG1_JSON" --json >"$TMP/tree-$1.json" ||
		fail "endmt tree --json"
	$PY - "$TMP/tree-$1.json" "$FIG1_JSON" "$SAMPLE" "$1" <<'PYEOF' || fail "$1: the tree"
import json, sys
import tm_postcards as T
doc = json.load(open(sys.argv[1]))
tf = T.TreeFile(sys.argv[2])
g = tf.group("g1")
samples = 1024 >> int(sys.argv[3])
# the head's Replication SID ends no section (the trace starts there)
forks = set(g.get("replication", {})) - {g["source"]["head"]} if sys.argv[4] == "repl" else set()
got = {}
def walk(n, parent):
    got[n["name"]] = (parent, n)
    for c in n["children"]:
        walk(c, n["name"])
for r in doc["roots"]:
    walk(r, None)
assert len(doc["roots"]) == 1, ("roots", [r["name"] for r in doc["roots"]])
assert {k: v[0] for k, v in got.items()} == tf.expected_parents(g), got.keys()
rcvs = {}
for r in g["receivers"]:
    rcvs[r["edge"]] = rcvs.get(r["edge"], 0) + 1
for name, (parent, n) in got.items():
    assert n["node_id"] == tf.id[name], (name, n["node_id"])
    assert n["edge"] == (name in rcvs), (name, "edge")
    assert n["fork"] == (name in forks), (name, "fork")
    if name in forks:
        assert n["copies"] == len(tf.children(g, name)), (name, "SIDs", n["copies"])
    if name in rcvs:
        assert n["copies"] == rcvs[name], (name, "receivers", n["copies"])
    if parent is None:
        continue
    b = n["branch"]
    # every sample (retransmissions repeat PSNs, never add new ones)
    assert b["lost"] == 0 and b["samples"] >= samples, (parent, name, b)
    d = b["delay_us"]
    assert 0 <= d["min"] <= d["avg"] <= d["max"] < 1000000, (parent, name, d)
print("tree: %d nodes, %d samples per branch" % (len(got), samples))
PYEOF
	ok "$1: endmt tree: Figure 1's tree under the file's names, every sample, no loss, sane delays"
}

# CASE: the agents said what they sent; the collector got it all.
case_counts() {
	$PY - "$TMP/collect.json" "$SAMPLE" "$1" <<'PYEOF' || fail "$1: collector counts: $(cat "$TMP/collect.json")"
import json, sys
c = json.load(open(sys.argv[1]))
# a postcard per sample from each edge, and from each fork below the
# head (repl: N4, N5)
want = (3 if sys.argv[3] == "mcast" else 5) * (1024 >> int(sys.argv[2]))
assert c["records"] >= want and c["bad_messages"] == 0 and c["foreign"] == 0, c
print("collect:", c)
PYEOF
	ok "$1: collect: every exporter's postcards, nothing malformed"
}

# CASE: with LOSS (a burst of packets N4 drops toward N2, each sent once
# more by the source), the tree shows exactly the burst's samples lost on
# N4 -> N2 and nothing lost anywhere else.
case_tree_loss() {
	"$O/endmt" tree g1 --state "$TMP/state.json" --tree "$FIG1_JSON" || fail "loss: endmt tree"
	"$O/endmt" tree g1 --state "$TMP/state.json" --tree "$FIG1_JSON" --json >"$TMP/tree-loss.json" ||
		fail "loss: endmt tree --json"
	$PY - "$TMP/tree-loss.json" "$SAMPLE" "$BURST_AT" "$BURST_LEN" <<'PYEOF' || fail "loss: the tree"
import json, sys
doc = json.load(open(sys.argv[1]))
k, at, n = (int(x) for x in sys.argv[2:5])
# the burst is the first transmissions of PSN at .. at+n-1 toward N2
want = len([p for p in range(at, at + n) if p % (1 << k) == 0])
lost = {}
def walk(node, parent):
    if parent:
        lost[(parent, node["name"])] = node["branch"]["lost"]
    for c in node["children"]:
        walk(c, node["name"])
for r in doc["roots"]:
    walk(r, None)
assert lost.pop(("N4", "N2")) == want, ("N4->N2", want, doc)
assert all(v == 0 for v in lost.values()), lost
print(f"loss: N4->N2 lost {want} samples (the burst's), every other branch 0")
PYEOF
	ok "loss: the burst's samples lost on N4 -> N2 and on no other branch"
}

# The transfer with R2 stalled after STALL_AFTER packets: the source gives
# up (a few retries: it does not fail the test), the receivers end on a
# short idle bound.
transfer_stall() {
	local n a q off va rk extra
	RPIDS=()
	while read -r n a q off va rk; do
		extra=""
		[ "$n" = R2 ] && extra="--stall-after $STALL_AFTER"
		nsenter --net="/run/netns/$(fig1_ns "$ID" "$n")" "$O/tools/rcpeer" recv \
			--local "$a" --peer fd00:ff::1 --qpn "$q" --dqpn 4660 --psn $((off & 0xffffff)) \
			--va "$va" --rkey "$rk" --bytes 1M --idle-ms "$(tms 3000)" --linger-ms "$(tms 200)" \
			$extra --out "$TMP/$n.json" >/dev/null 2>"$TMP/$n.err" &
		RPIDS+=($!)
		pids+=($!)
	done < <(fig1_rcvs "$F1_JSON")
	for n in R1 R2 R3 R4 R5; do
		for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/$n.err" && break; sleep 0.1; done
		grep -qs listening "$TMP/$n.err" || fail "receiver $n did not start: $(cat "$TMP/$n.err")"
	done
	if nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$O/tools/rcpeer" send --local fd00:10::2 \
		--udp-csum0 --peer fd00:ff::1 --qpn 17 --dqpn 4660 --bytes 1M --timeout-ms "$(tms 50)" \
		--max-retries 10 --out "$TMP/S1.json" >/dev/null; then
		fail "stall: the source claims success"
	fi
	for p in "${RPIDS[@]}"; do wait "$p" || true; done
	$PY -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("stalled") is True else 1)' \
		"$TMP/R2.json" || fail "stall: R2 did not stall: $(cat "$TMP/R2.json")"
}

# CASE: with R2 stalled, the tree shows it: R1 and R2 are leaves under N1
# (named by the tree file), R2 lagging and stale (N1's agent marked it:
# silent > --liveness-ms, 1 s by default, while R1 acknowledged more), R1
# at lag 0 and not stale; the other edges' receivers under their edges.
case_tree_stall() {
	"$O/endmt" tree g1 --state "$TMP/state.json" --tree "$FIG1_JSON" || fail "stall: endmt tree"
	"$O/endmt" tree g1 --state "$TMP/state.json" --tree "$FIG1_JSON" --json >"$TMP/tree-stall.json" ||
		fail "stall: endmt tree --json"
	"$O/endmt" tree g1 --state "$TMP/state.json" --tree "$FIG1_JSON" --dot >"$TMP/tree-stall.dot" ||
		fail "stall: endmt tree --dot"
	[ "$(grep -c -- '-> r.*STALE", color=red' "$TMP/tree-stall.dot")" = 1 ] &&
		[ "$(grep -c -- '-> r.*style=dashed' "$TMP/tree-stall.dot")" = 5 ] ||
		fail "stall: --dot: not 5 receivers, 1 red: $(cat "$TMP/tree-stall.dot")"
	$PY - "$TMP/tree-stall.json" "$F1_JSON" <<'PYEOF' || fail "stall: the tree"
import json, sys
doc = json.load(open(sys.argv[1]))
tf = json.load(open(sys.argv[2]))
want = {}
for r in tf["groups"][0]["receivers"]:
    want.setdefault(r["edge"], set()).add(r["name"])
got = {}
def walk(n):
    if n["receivers"]:
        got[n["name"]] = {r["name"]: r for r in n["receivers"]}
    for c in n["children"]:
        walk(c)
for r in doc["roots"]:
    walk(r)
assert {k: set(v) for k, v in got.items()} == want, ("receivers per edge", got, want)
r1, r2 = got["N1"]["R1"], got["N1"]["R2"]
assert r2["lag"] > 0 and r2["stale"] is True, ("R2", r2)
assert r1["lag"] == 0 and r1["stale"] is False, ("R1", r1)
assert r2["last_response_s"] > 1.0 and r2["last_response_s"] > r1["last_response_s"], (r1, r2)
print("stall: R2 under N1 lag %d PSNs, last response %.1fs ago, stale; R1 lag 0" %
      (r2["lag"], r2["last_response_s"]))
PYEOF
	"$O/endmt" tree g1 --state "$TMP/state.json" --tree "$FIG1_JSON" | grep -q 'R2 (fd00:12::2).*' ||
		fail "stall: text names no R2"
	"$O/endmt" tree g1 --state "$TMP/state.json" --tree "$FIG1_JSON" | grep -A1 'R2 (fd00:12::2)' |
		grep -Eq 'ack lag [1-9][0-9]* PSNs, last response [0-9.]+s ago, STALE' ||
		fail "stall: text: R2's line"
	ok "stall: R2 under N1 with its ACK lag and STALE, R1 at lag 0 (text, --dot, --json)"
}

# One variant: the tree file, its topology, the transfer and the cases.
# LOSS=1: the burst on N4 -> N2 and only the tree's cases.  STALL=1: R2
# stalled, only the stall's case.
run_variant() {
	VARIANT=$1
	rm -f "$TMP"/*.pcap "$TMP"/*.trace "$TMP"/state.json
	tree_json "$2"
	FIG1_JSON=$TMP/fig1_tm.json
	F1_JSON=$FIG1_JSON
	export FIG1_JSON FIG1_AGENT_ARGS="--ipfix [fd00:6::1]:$PORT"
	fig1_up "$ID" >"$TMP/up.log" 2>&1 || { cat "$TMP/up.log"; fail "fig1 up ($VARIANT)"; }
	if [ "$VARIANT" = mcast ]; then
		fig1_kernel_ioam "$ID" N4 "$NS_ID" || fail "kernel IOAM on N4"
		fig1_kernel_ioam "$ID" N5 "$NS_ID" || fail "kernel IOAM on N5"
	fi
	if [ "${LOSS:-0}" = 1 ]; then
		IMPAIR_DIR=$TMP impair_attach "$(fig1_ns "$ID" N4)" n4-n2 "BURST_AT=$BURST_AT BURST_LEN=$BURST_LEN" ||
			fail "impair on N4 n4-n2"
	fi
	nsenter --net="/run/netns/$(fig1_ns "$ID" N6)" "$O/endmt" --json collect --listen "[::]:$PORT" \
		--state "$TMP/state.json" --grace-ms "$(tms 1000)" >"$TMP/collect.json" 2>"$TMP/collect.err" &
	CPID=$!
	pids+=("$CPID")
	[ "${LOSS:-0}" = 1 ] || [ "${STALL:-0}" = 1 ] || capture_start
	tsleep 300
	if [ "${STALL:-0}" = 1 ]; then transfer_stall; else transfer; fi
	[ "${LOSS:-0}" = 1 ] || [ "${STALL:-0}" = 1 ] || capture_stop
	# the last postcards in, their grace time over, the agents' liveness
	# marks and ACK states in (once a second), the file written
	tsleep 2500
	kill -TERM "$CPID"
	wait "$CPID" || fail "$VARIANT: collect: $(cat "$TMP/collect.err")"
	if [ "${LOSS:-0}" = 1 ]; then
		case_tree_loss
	elif [ "${STALL:-0}" = 1 ]; then
		case_tree_stall
	else
		case_trace_on_every_link
		case_receivers_untraced
		case_counters
		case_tree "$VARIANT"
		case_counts "$VARIANT"
	fi
	fig1_down "$ID" >/dev/null || fail "teardown ($VARIANT)"
	ok "teardown ($VARIANT${LOSS:+, loss}${STALL:+, stall}): nothing left"
}

# TM_RUNS picks the runs (default all four); the vmtest guest runs the two
# the kernel decides (the trace through 6.1's data path and its IOAM
# nodes), the loss and stall runs judge the collector, the same everywhere.
BURST_AT=100 BURST_LEN=16 STALL_AFTER=300
for run in ${TM_RUNS:-mcast repl loss stall}; do
	case $run in
	mcast) FIG1_SMCROUTE=1 run_variant mcast fig1.json ;;
	repl) FIG1_SMCROUTE=0 run_variant repl fig1_repl.json ;;
	loss) LOSS=1 FIG1_SMCROUTE=1 run_variant mcast fig1.json ;;
	stall) STALL=1 FIG1_SMCROUTE=1 run_variant mcast fig1.json ;;
	*) fail "TM_RUNS: $run is not mcast, repl, loss or stall" ;;
	esac
done
