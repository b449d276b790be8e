#!/usr/bin/env bash
# Forged responses on a real tree (issue 12, "response origin"): Figure 1 up
# as the demo builds it (test/integration/fig1.json, every node configured by
# `endmt apply`), then frames made by hand (test/py/forge_roce.py: struct and
# the zlib ICRC oracle, an AF_PACKET socket) sent from a host or router as an
# attacker on that link would.  Each case: the one named counter at the node
# that must refuse it moves by one, the branch it aims at does not move, and
# nothing reaches the next node up.
#   ack_wrong_device      R2's host sends an ACK with R1's address: N1 refuses it
#   cnp_wrong_device      the same with a CNP (one per window would throttle S1)
#   unknown_origin        an ACK from an address no receiver has, on R2's link
#   child_spoof           N2 sends a CNP as N1 and an ACK as R1 toward N4: N4
#                         takes neither for its n4-n2 branch
#   ack_ahead_of_data     R1's own ACK for a PSN nobody sent (before any data,
#                         then past the one data packet S1 sent)
#   endmt_from_receivers  an End.MT packet (the head's outer SA, R1 and R2 in
#                         its TLV) sent from R2's LAN: N1 makes no copy
#   endmt_foreign_source  the same from N4's side but with N4's own outer SA;
#                         then with the head's SA, which N1 takes (control)
#   tlv_not_members       a TLV naming R1, another edge's receiver, the source
#                         and nobody's address: only R1 gets a copy
#   request_to_proxy      a SEND to the Proxy Address from R2's LAN: dropped at N1
# Run as root: O=build-dir bash test/integration/test_attacks.sh
#              TEST="child_spoof" bash test/integration/test_attacks.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
export O
PY=/usr/bin/python3
export PYTHONPATH=$PWD/test/py	# endmt_oracle for forge_roce.py
TMP=$(mktemp -d /tmp/endmt-attacks.XXXXXX)
ID=at$$
SUITE=test_attacks
E=$PWD/$O/endmt
. test/integration/fig1.sh
. test/integration/lib.sh
for f in "$O/endmt"; do
	[ -x "$f" ] || { echo "FAIL: $f not built (make O=$O all)" >&2; exit 1; }
done
cleanup() {
	fig1_down "$ID" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT
DQPN=4660

# forge KIND FROM TO SRC [PSN]: one frame from host/router FROM out of its
# link toward TO, source address SRC, to the Proxy (Designated QPN).
forge() {
	local kind=$1 from=$2 to=$3 src=$4 psn=${5:-5} dev smac dmac
	dev=$(f1_dev "$from" "$to")
	smac=$(f1_mac "$(fig1_ns "$ID" "$from")" "$dev")
	dmac=$(f1_mac "$(fig1_ns "$ID" "$to")" "$(f1_dev "$to" "$from")")
	f1_in "$ID" "$from" $PY test/py/forge_roce.py "$kind" "$dev" "$smac" "$dmac" "$src" \
		"$F1_PROXY" "$DQPN" "$psn"
}

# snap TAG NODE...: endmt show --json of each node into $TMP/TAG-NODE.json
snap() {
	local tag=$1 n
	shift
	for n in "$@"; do
		fig1_endmt "$ID" "$n" --json show --all >"$TMP/$tag-$n.json" || bad "endmt show on $n"
	done
}

# moved NODE BEFORE AFTER COUNTER: how much COUNTER grew on NODE
moved() {
	$PY - "$TMP/$2-$1.json" "$TMP/$3-$1.json" "$4" <<'EOF'
import json, sys
a, b = (json.load(open(p))["counters"] for p in sys.argv[1:3])
print(b.get(sys.argv[3], 0) - a.get(sys.argv[3], 0))
EOF
}

# branches NODE TAG: every branch's (ack_psn, acks, naks, cnps), one line
branches() {
	$PY - "$TMP/$2-$1.json" <<'EOF'
import json, sys
g = json.load(open(sys.argv[1]))["groups"][0]
print([(b["ack_psn"], b["acks"], b["naks"], b["cnps"]) for b in g["branches"]])
EOF
}

# refused DESC NODE COUNTER UP: COUNTER on NODE moved by exactly one since
# snapshot "a", its branches did not, and UP (the node above) saw no response.
refused() {
	local d=$1 n=$2 c=$3 up=$4 m r
	tsleep 300	# the frame crossed one link
	snap b "$n" "$up"
	m=$(moved "$n" a b "$c")
	r=$(moved "$up" a b resp_rx)
	if [ "$m" = 1 ] && [ "$r" = 0 ] && [ "$(branches "$n" a)" = "$(branches "$n" b)" ]; then
		ok "$d: $n counted $c, branches unchanged, $up saw nothing"
	else
		bad "$d: $n $c moved by $m, $up resp_rx by $r, branches $(branches "$n" a) -> $(branches "$n" b)"
	fi
}

case_ack_wrong_device() {
	snap a N1 N4
	forge ack R2 N1 "$(f1_addr R1)" || bad "forge"
	refused "ACK with R1's address on R2's link" N1 drop_resp_wrong_device N4
}

case_cnp_wrong_device() {
	snap a N1 N4
	forge cnp R2 N1 "$(f1_addr R1)" || bad "forge"
	refused "CNP with R1's address on R2's link" N1 drop_resp_wrong_device N4
}

case_unknown_origin() {
	snap a N1 N4
	forge ack R2 N1 fd00:99::9 || bad "forge"
	refused "ACK from an address of no receiver" N1 drop_resp_unknown_origin N4
}

case_child_spoof() {
	snap a N4 N6
	forge cnp N2 N4 "${F1_LO[N1]}" || bad "forge"
	refused "CNP with N1's address on N2's link" N4 drop_resp_wrong_device N6
	snap a N4 N6
	forge ack N2 N4 "$(f1_addr R1)" || bad "forge"
	refused "ACK with R1's address on N2's link (R1 is below N1)" N4 drop_resp_wrong_device N6
}

case_ack_ahead_of_data() {
	snap a N1 N4
	forge ack R1 N1 "$(f1_addr R1)" 1000 || bad "forge"
	refused "R1's ACK before any data" N1 drop_resp_psn_ahead N4
	# One SEND from S1 with PSN 7: the head and the edges note it.
	forge data S1 N6 "$(f1_addr S1)" 7 || bad "forge data"
	tsleep 500
	snap a N1 N4 N6
	if $PY -c 'import json, sys
for p in sys.argv[1:]:
    g = json.load(open(p))["groups"][0]
    assert g["psn_guard"] and g["data_psn"] == 7, (p, g["data_psn"])' "$TMP/a-N1.json" "$TMP/a-N6.json"; then
		ok "data PSN 7 noted at N6 (head) and N1 (edge)"
	else
		bad "data_psn after S1's SEND: N1 $(grep -o '"data_psn": [^,]*' "$TMP/a-N1.json")"
	fi
	forge ack R1 N1 "$(f1_addr R1)" 8 || bad "forge"
	refused "R1's ACK one past the data" N1 drop_resp_psn_ahead N4
	# R1's real answer to PSN 7 is taken (absorbed: R2 has not answered).
	snap a N1 N4
	forge ack R1 N1 "$(f1_addr R1)" 7 || bad "forge"
	tsleep 300
	snap b N1
	[ "$(moved N1 a b resp_ack_absorbed)" = 1 ] && ok "R1's ACK of PSN 7 is taken" ||
		bad "R1's ACK of 7: resp_ack_absorbed moved by $(moved N1 a b resp_ack_absorbed)"
}

# endmt_pkt FROM TO OUTER_SA [ADDR/QPN...]: an End.MT packet to N1's SID,
# its TLV listing the receivers given (default R1 and R2)
endmt_pkt() {
	local from=$1 to=$2 sa=$3 dev smac dmac
	shift 3
	[ $# -gt 0 ] || set -- "$(f1_addr R1)/256" "$(f1_addr R2)/257"
	dev=$(f1_dev "$from" "$to")
	smac=$(f1_mac "$(fig1_ns "$ID" "$from")" "$dev")
	dmac=$(f1_mac "$(fig1_ns "$ID" "$to")" "$(f1_dev "$to" "$from")")
	f1_in "$ID" "$from" $PY test/py/forge_roce.py endmt "$dev" "$smac" "$dmac" "$sa" \
		"$F1_MCAST_SID" "$DQPN" 9 "$F1_PROXY" "${F1_LO[N1]}" "$@"
}

# copies: what N1 sent between snapshots a and b, on the fast path or
# handed to the stack while the receiver's neighbour resolves
copies() { echo $(( $(moved N1 a b fwd_copies) + $(moved N1 a b fwd_neigh_slow_path) )); }

# no_copies DESC COUNTER: since snapshot "a", N1 counted COUNTER once and
# accepted (endmt_rx) and copied nothing
no_copies() {
	local m r c
	tsleep 300
	snap b N1
	m=$(moved N1 a b "$2") r=$(moved N1 a b endmt_rx) c=$(copies)
	if [ "$m" = 1 ] && [ "$r" = 0 ] && [ "$c" = 0 ]; then
		ok "$1: N1 counted $2, made no copy"
	else
		bad "$1: N1 $2 moved by $m, endmt_rx by $r, copies $c"
	fi
}

case_endmt_from_receivers() {
	snap a N1
	endmt_pkt R2 N1 "${F1_LO[N6]}" || bad "forge"
	no_copies "End.MT packet from R2's LAN" drop_endmt_wrong_device
}

case_endmt_foreign_source() {
	snap a N1
	endmt_pkt N4 N1 "${F1_LO[N4]}" || bad "forge"
	no_copies "End.MT packet from N4's own address" drop_endmt_source
	snap a N1
	endmt_pkt N4 N1 "${F1_LO[N6]}" || bad "forge"
	tsleep 300
	snap b N1
	[ "$(moved N1 a b endmt_rx)" = 1 ] && [ "$(copies)" = 2 ] &&
		ok "the same packet with the head's outer SA: accepted, 2 copies" ||
		bad "control: endmt_rx moved by $(moved N1 a b endmt_rx), copies $(copies)"
}

# A TLV naming, besides R1, a receiver of another edge (R3), the source S1
# and an address of nobody: N1 (a strict SID, apply's default) copies to R1
# only, one drop_rcv_not_member per other entry.
case_tlv_not_members() {
	snap a N1
	endmt_pkt N4 N1 "${F1_LO[N6]}" "$(f1_addr R1)/256" "$(f1_addr R3)/258" "$(f1_addr S1)/17" \
		fd00:77::2/300 || bad "forge"
	tsleep 300
	snap b N1
	[ "$(moved N1 a b endmt_rx)" = 1 ] && [ "$(copies)" = 1 ] && [ "$(moved N1 a b drop_rcv_not_member)" = 3 ] &&
		ok "TLV with R3, S1 and fd00:77::2 besides R1: one copy (R1), 3 drop_rcv_not_member" ||
		bad "not members: endmt_rx $(moved N1 a b endmt_rx), copies $(copies), drop_rcv_not_member $(moved N1 a b drop_rcv_not_member)"
}

# A SEND to the Proxy Address from a receiver's LAN would be routed up the
# tree to the source: the edge's XDP drops it (only the head's source link
# carries requests to a Proxy Address).
case_request_to_proxy() {
	snap a N1 N4
	forge data R2 N1 "$(f1_addr R2)" 3 || bad "forge"
	tsleep 300
	snap b N1 N4
	[ "$(moved N1 a b drop_proxy_data)" = 1 ] && [ "$(moved N4 a b pass_not_ours)" = 0 ] &&
		ok "SEND to the Proxy from R2's LAN: N1 counted drop_proxy_data, N4 saw nothing" ||
		bad "request to proxy: N1 drop_proxy_data $(moved N1 a b drop_proxy_data), N4 pass_not_ours $(moved N4 a b pass_not_ours)"
}

fig1_up "$ID" >"$TMP/up.log" 2>&1 || { cat "$TMP/up.log"; echo "FAIL: fig1 up"; exit 1; }
run_cases ack_wrong_device cnp_wrong_device unknown_origin child_spoof ack_ahead_of_data \
	endmt_from_receivers endmt_foreign_source tlv_not_members request_to_proxy
