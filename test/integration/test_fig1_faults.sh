#!/usr/bin/env bash
# Faults on Figure 1: one topology, consecutive transfers on one RC
# connection (the PSN sequence continues from transfer to transfer, as on a
# real QP), each with a fault on one branch.  Every check compares data
# byte for byte (rcpeer's CRC and its own regeneration from the seed).
#   1. PSNs crossing 2^24 (start PSN 0xfffc00), no fault
#   2. loss 2% + reordering on N4 -> N1: all five receivers identical; the
#      source retransmits; R1/R2 NAK; R3..R5 see (and discard) duplicates
#   3. duplication 5% on N5 -> N3 (outer SRv6 packets duplicated)
#   4. ECN CE marking on N3 -> R4 only: CNPs reach the source through the
#      edge and transit aggregation, its rate drops; R5 sees no CE
#   5. R5 stalls: the source gives up (no false success) and `endmt show`
#      on N3 names R5's branch as stale, and only that one
# The host has no netem: impairments are test/integration/impair.bpf.c.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
export O
PY=/usr/bin/python3
RCPEER=$O/tools/rcpeer
TMP=$(mktemp -d /tmp/fig1-faults.XXXXXX)
IMPAIR_DIR=$TMP
ID=ff$$
START=0xfffc00
$PY - test/integration/fig1.json "$TMP/fig1.json" $START <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
t["groups"][0]["start_psn"] = int(sys.argv[3], 0)
json.dump(t, open(sys.argv[2], "w"), indent=1)
EOF
export FIG1_JSON=$TMP/fig1.json
. test/integration/fig1_lib.sh
. test/integration/fig1.sh
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	fig1_down "$ID" || echo "FAIL: teardown left something behind" >&2
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
# jv FILE EXPR: a Python expression over the report j
jv() { $PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

for f in "$O/endmt" "$RCPEER"; do [ -x "$f" ] || fail "$f not built"; done
fig1_up "$ID" || fail "fig1 up"
RCV="R1,fd00:11::2,256 R2,fd00:12::2,257 R3,fd00:13::2,258 R4,fd00:14::2,259 R5,fd00:15::2,260"
PSN=$START

# transfer NAME BYTES "SENDER ARGS" "R5 ARGS": reports in $TMP/NAME-*.json;
# returns the sender's exit status; PSN moves on by the packets sent.
transfer() {
	local name=$1 bytes=$2 sargs=$3 r5args=${4:-} r n a q extra rc=0
	pids=()
	for r in $RCV; do
		IFS=, read -r n a q <<<"$r"
		extra=""
		[ "$n" = R5 ] && extra=$r5args
		nsenter --net="/run/netns/$(fig1_ns "$ID" "$n")" "$RCPEER" recv --local "$a" \
			--peer fd00:ff::1 --qpn "$q" --dqpn 4660 --psn "$PSN" --bytes "$bytes" \
			--idle-ms 4000 --linger-ms 1000 $extra --out "$TMP/$name-$n.json" \
			>/dev/null 2>"$TMP/$name-$n.err" &
		pids+=($!)
	done
	for r in $RCV; do
		n=${r%%,*}
		for _ in $(seq 50); do grep -qs listening "$TMP/$name-$n.err" && break; sleep 0.1; done
	done
	nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$RCPEER" send --local fd00:10::2 \
		--peer fd00:ff::1 --qpn 17 --dqpn 4660 --psn "$PSN" --bytes "$bytes" \
		$sargs --out "$TMP/$name-S1.json" >/dev/null || rc=$?
	for r in "${pids[@]}"; do wait "$r" || true; done
	pids=()
	PSN=$(( (PSN + (bytes + 1023) / 1024) & 0xffffff ))
	return $rc
}
all_match() { # name
	local r n
	for r in $RCV; do
		n=${r%%,*}
		[ "$(jv "$TMP/$1-$n.json" 'j["match"]')" = True ] ||
			fail "$1: $n data differs: $(cat "$TMP/$1-$n.json")"
		[ "$(jv "$TMP/$1-$n.json" 'j["crc32"]')" = "$(jv "$TMP/$1-S1.json" 'j["crc32"]')" ] ||
			fail "$1: $n CRC differs from the source's"
	done
}

# 1. PSN wrap
transfer wrap 2097152 "--timeout-ms 100" || fail "wrap: sender: $(cat "$TMP/wrap-S1.json")"
all_match wrap
[ "$(jv "$TMP/wrap-S1.json" 'j["end_psn"] < j["start_psn"]')" = True ] || fail "wrap: PSNs did not wrap"
ok "PSN wrap: $(jv "$TMP/wrap-S1.json" 'hex(j["start_psn"])')..$(jv "$TMP/wrap-S1.json" 'hex(j["end_psn"])'), 5/5 identical"

# 2. loss + reordering on one branch
impair_attach "$(fig1_ns "$ID" N4)" n4-n1 "LOSS_PPM=20000 REORDER_PPM=50000" || fail "impair"
transfer loss 4194304 "--timeout-ms 100" || fail "loss: sender: $(cat "$TMP/loss-S1.json")"
impair_clear "$(fig1_ns "$ID" N4)" n4-n1
all_match loss
[ "$(jv "$TMP/loss-S1.json" 'j["retransmissions"] > 0')" = True ] || fail "loss: no retransmission"
[ "$(jv "$TMP/loss-R1.json" 'j["naks_sent"]') $(jv "$TMP/loss-R2.json" 'j["naks_sent"]')" != "0 0" ] ||
	fail "loss: R1/R2 sent no NAK"
[ "$(jv "$TMP/loss-R3.json" 'j["duplicates"] > 0')" = True ] || fail "loss: R3 got no duplicate"
[ "$(jv "$TMP/loss-R3.json" 'j["naks_sent"]')" = 0 ] || fail "loss: R3 NAKed on a clean branch"
ok "loss+reorder on N4->N1: 5/5 identical, $(jv "$TMP/loss-S1.json" 'j["retransmissions"]') retransmitted, source saw $(jv "$TMP/loss-S1.json" 'j["naks"]') NAKs, $(jv "$TMP/loss-S1.json" 'j["timeouts"]') timeouts"

# 3. duplication
impair_attach "$(fig1_ns "$ID" N5)" n5-n3 "DUP_PPM=50000" || fail "impair"
transfer dup 2097152 "--timeout-ms 100" || fail "dup: sender: $(cat "$TMP/dup-S1.json")"
impair_clear "$(fig1_ns "$ID" N5)" n5-n3
all_match dup
[ "$(jv "$TMP/dup-R4.json" 'j["duplicates"] > 0')" = True ] || fail "dup: R4 saw no duplicate"
ok "duplication on N5->N3: 5/5 identical, R4 discarded $(jv "$TMP/dup-R4.json" 'j["duplicates"]') duplicates"

# 4. ECN on one receiver link
impair_attach "$(fig1_ns "$ID" N3)" n3-r4 "CE_PPM=50000" || fail "impair"
transfer ecn 2097152 "--timeout-ms 100 --ecn --rate-mbps 400" || fail "ecn: sender: $(cat "$TMP/ecn-S1.json")"
impair_clear "$(fig1_ns "$ID" N3)" n3-r4
all_match ecn
[ "$(jv "$TMP/ecn-R4.json" 'j["cnps_sent"] > 0')" = True ] || fail "ecn: R4 sent no CNP"
[ "$(jv "$TMP/ecn-R5.json" 'j["ce_marked"]')" = 0 ] || fail "ecn: R5 saw CE"
[ "$(jv "$TMP/ecn-S1.json" 'j["cnps"] > 0')" = True ] || fail "ecn: no CNP reached the source"
[ "$(jv "$TMP/ecn-S1.json" '0 < j["min_rate_mbps"] < 400')" = True ] || fail "ecn: rate not reduced"
ok "ECN on N3->R4: R4 sent $(jv "$TMP/ecn-R4.json" 'j["cnps_sent"]') CNPs, source got $(jv "$TMP/ecn-S1.json" 'j["cnps"]') (aggregated), rate down to $(jv "$TMP/ecn-S1.json" 'j["min_rate_mbps"]') Mbps"

# 5. a stalled receiver (last: the connection does not recover from it)
if transfer stall 2097152 "--timeout-ms 50 --max-retries 30" "--stall-after 300"; then
	fail "stall: the source claims success"
fi
[ "$(jv "$TMP/stall-S1.json" 'j["ok"]')" = False ] || fail "stall: source report ok"
[ "$(jv "$TMP/stall-R5.json" 'j["stalled"]')" = True ] || fail "stall: R5 did not stall"
sleep 1.5	# the agents' liveness check (1 s by default)
fig1_endmt "$ID" N3 --json show >"$TMP/show-N3.json" || fail "endmt show on N3"
$PY - "$TMP/show-N3.json" <<'EOF' || fail "stall: endmt show does not name R5"
import json, sys
s = json.load(open(sys.argv[1]))
brs = [b for g in s["groups"] for b in g["branches"]]
stale = sorted(b.get("addr") for b in brs if b.get("stale"))
assert stale == ["fd00:15::2"], f"stale branches {stale}: {brs}"
print("endmt show on N3: stale branch", stale[0])
EOF
ok "stalled R5: source failed after $(jv "$TMP/stall-S1.json" 'j["timeouts"]') timeouts; endmt show names fd00:15::2"
echo "test_fig1_faults: all passed"
