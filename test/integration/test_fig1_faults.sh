#!/usr/bin/env bash
# Faults on Figure 1: one topology, consecutive transfers on one RC
# connection (the PSN sequence continues from transfer to transfer, as on a
# real QP), each with a fault on one branch.  Every check compares data
# byte for byte (rcpeer's CRC and its own regeneration from the seed).
#   1. PSNs crossing 2^24 (start PSN 0xfffc00), no fault
#   2. loss 2% + reordering on N4 -> N1: all five receivers identical; the
#      source retransmits; R1/R2 NAK; R3..R5 see (and discard) duplicates
#   3. duplication 5% on N5 -> N3 (outer SRv6 packets duplicated)
#   4. ECN CE marking on the transit link N4 -> N1, on the OUTER header of
#      the SRv6 packets: N1 carries CE into the copies (RFC 6040), R1/R2
#      send CNPs, N1/N4/N6 aggregate them to the source, its rate drops;
#      R3..R5 see no CE and send no CNP
#   5. R5 stalls: the source gives up (no false success) and `endmt show`
#      on N3 names R5's branch as stale, and only that one (run last)
#   6. the first (and last) response of a transfer lost on N1 -> N4,
#      N4 -> N6 and N6 -> S1: recovered by repeated ACKs
#   7. loss, duplication, reordering on every upward link of a path
#   8. R5 answers RNR for its first 20 packets
# Every transfer is an RDMA WRITE through fig1.json's per-receiver
# translations (R3 starts 0x100 PSNs later, R4's buffer address and rkey
# differ): each receiver runs at its own PSN and checks its own RETH.
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
START=0xfffc00		# the PSN wrap case's first PSN
WARM=64			# packets of the warm-up transfer before it
$PY - test/integration/fig1.json "$TMP/fig1.json" $((START - WARM)) <<'EOF'
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
# Clean links deliver in order (fig1_lib.sh): without this, the per-CPU
# backlog of the links with no XDP reorders packets, and a receiver on a
# clean branch NAKs (qemu TCG: in most transfers).
fig1_rx_in_order "$ID" || fail "fig1_rx_in_order"
# NAME,ADDR,QPN,PSN_OFFSET,VA,RKEY per receiver (fig1_lib.sh)
RCV=$(fig1_rcvs "$FIG1_JSON" | tr ' ' , | tr '\n' ' ')
PSN=$((START - WARM))

# transfer NAME BYTES "SENDER ARGS" "R5 ARGS": reports in $TMP/NAME-*.json;
# returns the sender's exit status; PSN moves on by the packets sent.  The
# receivers start on the ready topology; IDLE_MS bounds their wait for the
# first packet (the source's start included) and, once the source gave up
# (the stall case), how long they stay.
IDLE_MS=$(tms 20000)
transfer() {
	local name=$1 bytes=$2 sargs=$3 r5args=${4:-} r n a q off va rk extra rc=0
	pids=()
	for r in $RCV; do
		IFS=, read -r n a q off va rk <<<"$r"
		extra=""
		[ "$n" = R5 ] && extra=$r5args
		nsenter --net="/run/netns/$(fig1_ns "$ID" "$n")" "$RCPEER" recv --local "$a" \
			--peer fd00:ff::1 --qpn "$q" --dqpn 4660 --psn $(( (PSN + off) & 0xffffff )) \
			--va "$va" --rkey "$rk" --bytes "$bytes" \
			--idle-ms "$IDLE_MS" --linger-ms "$(tms 1000)" $extra --out "$TMP/$name-$n.json" \
			>/dev/null 2>"$TMP/$name-$n.err" &
		pids+=($!)
	done
	for r in $RCV; do
		n=${r%%,*}
		for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/$name-$n.err" && break; sleep 0.1; done
		grep -qs listening "$TMP/$name-$n.err" || { echo "FAIL: $name: receiver $n did not start: $(cat "$TMP/$name-$n.err")" >&2; exit 1; }
	done
	nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$RCPEER" send --local fd00:10::2 \
		--peer fd00:ff::1 --qpn 17 --dqpn 4660 --psn "$PSN" --bytes "$bytes" \
		$sargs --out "$TMP/$name-S1.json" >/dev/null || rc=$?
	for r in "${pids[@]}"; do wait "$r" || true; done
	pids=()
	PSN=$(( (PSN + (bytes + 1023) / 1024) & 0xffffff ))
	return $rc
}
# drops NAME: where packets were lost besides the impairment (on failure):
# every node's interface drop counters and the receivers' UDP errors.
drops() {
	local n ns cpu=0 x d
	echo "$1: drop counters (interfaces with drops; UDP errors at the receivers; per-CPU backlog):" >&2
	while read -r x d _; do	# softnet_stat: processed, dropped, ...
		[ "$((16#$d))" = 0 ] || echo "  backlog drops, CPU $cpu: $((16#$d))" >&2
		cpu=$((cpu + 1))
	done </proc/net/softnet_stat
	for n in $F1_ROUTERS $F1_HOSTS; do
		ns=$(fig1_ns "$ID" "$n")
		ip -n "$ns" -s -j link show | $PY -c '
import json, sys
for l in json.load(sys.stdin):
    s = l.get("stats64", {})
    d = {f"{x}_{k}": s[x][k] for x in ("rx", "tx") for k in ("dropped", "errors")
         if s.get(x, {}).get(k)}
    if d: print(" ", sys.argv[1], l["ifname"], d)' "$n" >&2 || true
		case $n in R*) ip netns exec "$ns" nstat -az Udp6InErrors Udp6RcvbufErrors Udp6NoPorts 2>/dev/null |
			awk -v n="$n" 'NR > 1 && $2 != 0 { print "  " n, $1, $2 }' >&2 || true ;; esac
	done
}
# all_match NAME: every receiver's data is right (rcpeer compares it with
# its own regeneration from the seed) and its CRC is the source's.  One
# Python for all five: under qemu TCG every process start costs seconds.
all_match() {
	local r names=()
	for r in $RCV; do names+=("${r%%,*}"); done
	$PY - "$TMP" "$1" "${names[@]}" <<'EOF' || fail "$1: a receiver's data differs (above)"
import json, sys
d, name, rcvs = sys.argv[1], sys.argv[2], sys.argv[3:]
src = json.load(open(f"{d}/{name}-S1.json"))
for n in rcvs:
    j = json.load(open(f"{d}/{name}-{n}.json"))
    assert j["match"] is True, f"{name}: {n} data differs: {j}"
    assert j["crc32"] == src["crc32"], f"{name}: {n} CRC differs from the source's: {j}"
EOF
}

# 0. Warm-up: the receivers' neighbours are resolved by ordinary neighbour
# discovery (fig1.sh), and while they resolve the first copies wait in the
# edge's neighbour queue (the slow path) while later ones may already take
# the fast path: reordering that RC recovers by NAK, which is right but not
# what the clean-branch checks below are about.  One small transfer first
# (its PSNs end where the wrap case starts).
transfer warmup $((WARM * 1024)) "--timeout-ms $(tms 100)" || fail "warmup: sender: $(cat "$TMP/warmup-S1.json")"
all_match warmup
[ "$PSN" = "$((START))" ] || fail "warmup: the wrap case would start at $PSN"
ok "warm-up: 5/5 identical, neighbours resolved"

# 1. PSN wrap.
transfer wrap 2097152 "--timeout-ms $(tms 100)" || fail "wrap: sender: $(cat "$TMP/wrap-S1.json")"
all_match wrap
[ "$(jv "$TMP/wrap-S1.json" 'j["end_psn"] < j["start_psn"]')" = True ] || fail "wrap: PSNs did not wrap"
ok "PSN wrap: $(jv "$TMP/wrap-S1.json" 'hex(j["start_psn"])')..$(jv "$TMP/wrap-S1.json" 'hex(j["end_psn"])'), 5/5 identical"
# The translations really were in play: R3 ran at its own PSNs, R4 checked
# its own RETH (a wrong va/rkey is a remote access NAK), and neither saw a
# sequence error or a RETH it refused on a clean network.
r4=$(echo "$RCV" | tr ' ' '\n' | grep ^R4,)
[ "$(jv "$TMP/wrap-R3.json" '(j["start_psn"] - '"$START"') % 2**24')" = 256 ] ||
	fail "wrap: R3 did not start 0x100 PSNs later"
[ "$(echo "$r4" | cut -d, -f5-6)" = 0x10100000,0x4d54 ] || fail "wrap: R4's translation is not in fig1.json"
[ "$(jv "$TMP/wrap-R4.json" 'j["bad_reth"] + j["bad_seq"] + j["naks_sent"]')" = 0 ] ||
	{ drops wrap; fail "wrap: R4 refused RETHs or NAKed: $(cat "$TMP/wrap-R4.json")"; }
[ "$(jv "$TMP/wrap-R3.json" 'j["bad_seq"] + j["naks_sent"]')" = 0 ] ||
	{ drops wrap; fail "wrap: R3 saw PSN errors: $(cat "$TMP/wrap-R3.json")"; }
ok "per-receiver translations: R3 at PSN $(jv "$TMP/wrap-R3.json" 'hex(j["start_psn"])') (source $(printf '%#x' "$START")), R4 RETH va $(echo "$r4" | cut -d, -f5) rkey $(echo "$r4" | cut -d, -f6): byte-identical, no NAK"

# 2. loss + reordering on one branch
impair_attach "$(fig1_ns "$ID" N4)" n4-n1 "LOSS_PPM=20000 REORDER_PPM=50000" || fail "impair"
transfer loss 4194304 "--timeout-ms $(tms 100)" || fail "loss: sender: $(cat "$TMP/loss-S1.json")"
impair_clear "$(fig1_ns "$ID" N4)" n4-n1
all_match loss
[ "$(jv "$TMP/loss-S1.json" 'j["retransmissions"] > 0')" = True ] || fail "loss: no retransmission"
[ "$(jv "$TMP/loss-R1.json" 'j["naks_sent"]') $(jv "$TMP/loss-R2.json" 'j["naks_sent"]')" != "0 0" ] ||
	fail "loss: R1/R2 sent no NAK"
[ "$(jv "$TMP/loss-R3.json" 'j["duplicates"] > 0')" = True ] || fail "loss: R3 got no duplicate"
[ "$(jv "$TMP/loss-R3.json" 'j["naks_sent"]')" = 0 ] ||
	{ drops loss; fail "loss: R3 NAKed on a clean branch: $(cat "$TMP/loss-R3.json")"; }
ok "loss+reorder on N4->N1: 5/5 identical, $(jv "$TMP/loss-S1.json" 'j["retransmissions"]') retransmitted, source saw $(jv "$TMP/loss-S1.json" 'j["naks"]') NAKs, $(jv "$TMP/loss-S1.json" 'j["timeouts"]') timeouts"

# 3. duplication
impair_attach "$(fig1_ns "$ID" N5)" n5-n3 "DUP_PPM=50000" || fail "impair"
transfer dup 2097152 "--timeout-ms $(tms 100)" || fail "dup: sender: $(cat "$TMP/dup-S1.json")"
impair_clear "$(fig1_ns "$ID" N5)" n5-n3
all_match dup
[ "$(jv "$TMP/dup-R4.json" 'j["duplicates"] > 0')" = True ] || fail "dup: R4 saw no duplicate"
ok "duplication on N5->N3: 5/5 identical, R4 discarded $(jv "$TMP/dup-R4.json" 'j["duplicates"]') duplicates"

# 4. ECN: CE on the outer header of the SRv6 packets on the transit link
# N4 -> N1 (impair.bpf.c marks the first IPv6 header).  Only N1 decapsulates
# them, so only R1/R2 may see CE and send CNPs; the CNPs are aggregated per
# branch at N1, N4 and N6 (endmt show before and after).
show_all() { # TAG
	local n
	for n in N1 N2 N3 N4 N6; do
		fig1_endmt "$ID" "$n" --json show >"$TMP/$1-show-$n.json" || fail "endmt show on $n"
	done
}
show_all ecn0
impair_attach "$(fig1_ns "$ID" N4)" n4-n1 "CE_PPM=50000" || fail "impair"
transfer ecn 2097152 "--timeout-ms $(tms 100) --ecn --rate-mbps 400" || fail "ecn: sender: $(cat "$TMP/ecn-S1.json")"
impair_clear "$(fig1_ns "$ID" N4)" n4-n1
show_all ecn1
all_match ecn
for n in R1 R2; do
	[ "$(jv "$TMP/ecn-$n.json" 'j["ce_marked"] > 0 and j["cnps_sent"] > 0')" = True ] ||
		fail "ecn: $n (below the marked link) saw no CE or sent no CNP: $(cat "$TMP/ecn-$n.json")"
done
for n in R3 R4 R5; do
	[ "$(jv "$TMP/ecn-$n.json" 'j["ce_marked"] + j["cnps_sent"]')" = 0 ] ||
		fail "ecn: $n (not below the marked link) saw CE or sent CNPs"
done
[ "$(jv "$TMP/ecn-S1.json" 'j["cnps"] > 0')" = True ] || fail "ecn: no CNP reached the source"
[ "$(jv "$TMP/ecn-S1.json" '0 < j["min_rate_mbps"] < 400')" = True ] || fail "ecn: rate not reduced"
$PY - "$TMP" <<'EOF' || fail "ecn: CNPs per branch"
import json, sys
d = sys.argv[1]
def load(tag, node):
    return json.load(open(f"{d}/{tag}-show-{node}.json"))
def cnps(tag, node):
    return {b.get("addr") or b.get("dev"): b["cnps"]
            for g in load(tag, node)["groups"] for b in g["branches"]}
got = {}
for n in ("N1", "N2", "N3", "N4", "N6"):
    a, b = cnps("ecn0", n), cnps("ecn1", n)
    got[n] = {k: b[k] - a.get(k, 0) for k in b}
    # every data packet was ECT: nothing dropped for CE over Not-ECT
    assert load("ecn1", n)["counters"].get("drop_ecn_not_ect", 0) == 0, n
below = {"N1": ["fd00:11::2", "fd00:12::2"], "N4": ["n4-n1"], "N6": ["n6-n4"]}
beside = {"N2": ["fd00:13::2"], "N3": ["fd00:14::2", "fd00:15::2"], "N4": ["n4-n2"],
          "N6": ["n6-n5"]}
for n, ks in below.items():
    for k in ks:
        assert got[n].get(k, 0) > 0, ("no CNP counted", n, k, got)
for n, ks in beside.items():
    for k in ks:
        assert got[n].get(k, -1) == 0, ("CNP counted off the marked path", n, k, got)
print("CNPs per branch:", "; ".join(
    f"{n} " + " ".join(f"{k}={v}" for k, v in sorted(got[n].items())) for n in got))
EOF
ok "ECN on the transit link N4->N1 (outer header): R1/R2 sent $(jv "$TMP/ecn-R1.json" 'j["cnps_sent"]')/$(jv "$TMP/ecn-R2.json" 'j["cnps_sent"]') CNPs, R3..R5 none, source got $(jv "$TMP/ecn-S1.json" 'j["cnps"]') (aggregated), rate down to $(jv "$TMP/ecn-S1.json" 'j["min_rate_mbps"]') Mbps"

# 6. Lost responses on the way up: the tree must recover them the way a
# plain RC connection does (the source times out and resends; the
# receivers repeat their AckPSN; every aggregation point sends its minimum
# again once every branch repeated it).  impair.bpf.c's BURST drops the
# first response leaving one node on one upward link: edge -> transit
# (N1 -> N4), transit -> head (N4 -> N6), head -> source (N6 -> S1).  One
# 16 KiB WRITE: that first response is also the transfer's last ACK.
# counter NODE NAME: a counter of `endmt show` on NODE
counter() {
	fig1_endmt "$ID" "$1" --json show | $PY -c 'import json,sys; print(json.load(sys.stdin)["counters"].get(sys.argv[1], 0))' "$2"
}
for hop in N1:n1-n4 N4:n4-n6 N6:n6-s1; do
	node=${hop%%:*} dev=${hop#*:}
	rep0=$(counter "$node" resp_ack_repeated)
	impair_attach "$(fig1_ns "$ID" "$node")" "$dev" "BURST_AT=0 BURST_LEN=1" || fail "impair"
	transfer "lost-$node" 16384 "--timeout-ms $(tms 100) --max-retries 10" ||
		fail "lost first response on $dev: sender: $(cat "$TMP/lost-$node-S1.json")"
	impair_clear "$(fig1_ns "$ID" "$node")" "$dev"
	all_match "lost-$node"
	[ "$(jv "$TMP/lost-$node-S1.json" 'j["timeouts"] > 0')" = True ] ||
		fail "lost first response on $dev: the source never timed out (was anything lost?)"
	rep1=$(counter "$node" resp_ack_repeated)
	[ "$rep1" -gt "$rep0" ] || fail "lost first response on $dev: $node repeated no ACK"
	ok "first (and last) response lost on $dev: 5/5 identical after $(jv "$TMP/lost-$node-S1.json" 'j["timeouts"]') timeout(s); $node repeated its minimum $((rep1 - rep0)) time(s)"
done

# 7. Loss, duplication and reordering of responses on every upward link of
# one path at once (R1 -> N1 -> N4 -> N6 -> S1) and on N5 -> N6.
up_links="R1:r1-n1 N1:n1-n4 N4:n4-n6 N6:n6-s1 N5:n5-n6"
for hop in $up_links; do
	impair_attach "$(fig1_ns "$ID" "${hop%%:*}")" "${hop#*:}" \
		"LOSS_PPM=30000 DUP_PPM=30000 REORDER_PPM=50000" || fail "impair"
done
transfer resploss 1048576 "--timeout-ms $(tms 100) --window 16" ||
	fail "lossy response links: sender: $(cat "$TMP/resploss-S1.json")"
for hop in $up_links; do impair_clear "$(fig1_ns "$ID" "${hop%%:*}")" "${hop#*:}"; done
all_match resploss
ok "responses lost, duplicated, reordered on $up_links: 5/5 identical, $(jv "$TMP/resploss-S1.json" 'j["timeouts"]') timeouts, $(jv "$TMP/resploss-S1.json" 'j["stale_responses"]') stale responses at the source"

# 8. A receiver without receive buffers for a while: R5 answers its first 20
# in-order packets with RNR NAKs.  The source takes an RNR's PSN as
# acknowledging everything before it, so the tree must send it up no
# further than every receiver has: the receivers' byte checks catch a
# premature completion.
transfer rnr 262144 "--timeout-ms $(tms 100) --window 16" "--rnr-first 20" ||
	fail "rnr: sender: $(cat "$TMP/rnr-S1.json")"
all_match rnr
[ "$(jv "$TMP/rnr-R5.json" 'j["rnrs_sent"]')" = 20 ] || fail "rnr: R5 sent $(jv "$TMP/rnr-R5.json" 'j["rnrs_sent"]') RNR NAKs, not 20"
[ "$(jv "$TMP/rnr-S1.json" 'j["rnr_naks"] > 0')" = True ] || fail "rnr: no RNR NAK reached the source"
ok "R5 not ready for 20 packets: 5/5 identical, the source saw $(jv "$TMP/rnr-S1.json" 'j["rnr_naks"]') RNR NAKs"

# 5. a stalled receiver (last: the connection does not recover from it).
# Every receiver ends on its idle bound here: a shorter one (still scaled).
IDLE_MS=$(tms 4000)
if transfer stall 2097152 "--timeout-ms $(tms 50) --max-retries 30" "--stall-after 300"; then
	fail "stall: the source claims success"
fi
[ "$(jv "$TMP/stall-S1.json" 'j["ok"]')" = False ] || fail "stall: source report ok"
[ "$(jv "$TMP/stall-R5.json" 'j["stalled"]')" = True ] || fail "stall: R5 did not stall"
tsleep 1500	# the agents' liveness check (1 s by default)
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
