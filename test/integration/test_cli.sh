#!/usr/bin/env bash
# The endmt CLI end to end, in private network namespaces with veth:
# attach -> configure -> show --json -> agent -> detach, apply (Figure 1
# shape) on a head, a transit and an edge node, idempotence, rollback, and
# every error path (one clear line on stderr, non-zero exit, nothing
# half-applied).  Afterwards nothing of ours may be left: no pins under the
# pin root's dev/, no clsact qdisc, no XDP program.
# One function per case (test/integration/lib.sh), each in fresh namespaces;
# a case that needs the state an earlier one built makes it again (setup_*).
# Run as root: bash test/integration/test_cli.sh   (O=build-dir, default build)
#              TEST="attach agent" bash test/integration/test_cli.sh   (some cases)
#              (CLI_CASES does the same under test/run.sh, which unsets TEST)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
E=$PWD/$O/endmt
PY=/usr/bin/python3
ID=cli$$
SUITE=test_cli
TMP=$(mktemp -d /tmp/endmt-$ID.XXXX)
trap 'rm -rf "$TMP"' EXIT
. test/integration/lib.sh
CHECKS=$PWD/test/py/cli_checks.py

[ "$(id -u)" -eq 0 ] || { echo "FAIL: must run as root"; exit 1; }
[ -x "$E" ] || { echo "FAIL: $E not built (make O=$O $O/endmt)"; exit 1; }

P=fd00:ff::1

# setup_attach NS: ca0/cb0, ca1/cb1, ca2/cb2; head on ca0, transit (skb) on
# ca1, edge (TLV type 130) on ca2, as case_attach leaves them
setup_attach() {
	mkns "$1"
	veth "$1" ca0 cb0
	veth "$1" ca1 cb1
	veth "$1" ca2 cb2
	must X "$1" attach ca0 --role head
	must X "$1" attach ca1 --role transit --mode skb
	must X "$1" attach ca2 --role edge --tlv-type 130
}
# setup_config NS: the groups, SID, receiver and template case_config writes
setup_config() {
	must X "$1" group add --proxy $P --dqpn 4660 --head --src fd00:10::2 --src-qpn 17 --resp-saddr fd00:6::1
	must X "$1" branch add --proxy $P --dqpn 4660 --dev ca1
	must X "$1" branch add --proxy $P --dqpn 4660 --dev ca2
	must X "$1" group add --proxy $P --dqpn 4660 --head --src fd00:10::2 --src-qpn 17 --start-psn 100 --resp-saddr fd00:6::1
	must X "$1" group add --proxy $P --dqpn 7 --start-psn 16777210 --cnp-cap 4
	must X "$1" branch add --proxy $P --dqpn 7 --addr fd00:11::2 --psn-offset -5
	must X "$1" branch add --proxy $P --dqpn 7 --addr fd00:12::2
	must X "$1" branch del --proxy $P --dqpn 7 --addr fd00:12::2
	must X "$1" sid add ff3e::4d54 --edge fd00:1::1 --max-receivers 20
	must X "$1" receiver add --proxy $P --dqpn 7 --addr fd00:11::2 --qpn 256 --psn-offset -5 --va-delta 4096 --rkey 99
	must X "$1" encap set --proxy $P --dqpn 4660 --src fd00:6::1 --sid ff3e::4d54 \
		--edge fd00:1::1=fd00:11::2/256,fd00:12::2/257 --edge fd00:2::1=fd00:13::2/258
}
# fig1_json FILE: the Figure 1 tree file of the apply cases
fig1_json() {
	cat >"$1" <<'EOF'
{
  "tlv_type": 124,
  "cnp_window_us": 1000,
  "nodes": {
    "N6": { "addr": "fd00:6::1", "parent": null, "mode": "native",
            "links": { "S1": "n6-s1", "N4": "n6-n4", "N5": "n6-n5" } },
    "N4": { "addr": "fd00:4::1", "parent": "N6",
            "links": { "N6": "n4-n6", "N1": "n4-n1", "N2": "n4-n2" } },
    "N5": { "addr": "fd00:5::1", "parent": "N6", "links": { "N6": "n5-n6", "N3": "n5-n3" } },
    "N1": { "addr": "fd00:1::1", "parent": "N4",
            "links": { "N4": "n1-n4", "R1": "n1-r1", "R2": "n1-r2" } },
    "N2": { "addr": "fd00:2::1", "parent": "N4", "links": { "N4": "n2-n4", "R3": "n2-r3" } },
    "N3": { "addr": "fd00:3::1", "parent": "N5", "links": { "N5": "n3-n5", "R4": "n3-r4" } }
  },
  "groups": [{
    "name": "g1", "proxy": "fd00:ff::1", "dqpn": 4660, "start_psn": 0,
    "sid": "ff3e::4d54", "cnp_cap": 8, "cnp_rate": 500, "cnp_burst": 4,
    "source": { "name": "S1", "addr": "fd00:10::2", "qpn": 17, "head": "N6" },
    "receivers": [
      { "name": "R1", "addr": "fd00:11::2", "qpn": 256, "edge": "N1" },
      { "name": "R2", "addr": "fd00:12::2", "qpn": 257, "edge": "N1", "psn_offset": 1000 },
      { "name": "R3", "addr": "fd00:13::2", "qpn": 258, "edge": "N2" },
      { "name": "R4", "addr": "fd00:14::2", "qpn": 259, "edge": "N3", "va_delta": 4096, "rkey": 5 }
    ]
  }]
}
EOF
}
apply_json() { # NS NODE -> "changed attached"
	X "$1" --json apply "${3:-$F}" --node "$2" 2>"$TMP/err" | $PY "$CHECKS" apply_result
}
# detach_all NS...: detach every device `show` lists (a namespace nothing
# was applied in has no pin root, so nothing to detach)
detach_all() {
	local ns d
	for ns in "$@"; do
		[ -d "$(pin_of "$ns")" ] || continue
		for d in $(X "$ns" show --json | $PY "$CHECKS" devices); do
			X "$ns" detach "$d" >/dev/null || bad "detach $ns/$d"
		done
	done
}
# setup_fig1 H T G: the head N6, transit N4 and edge N1 of Figure 1 with
# their links (veth peers named PFX*), and F the tree file
setup_fig1() {
	local h=$1 t=$2 g=$3 x=$4
	mkns "$h"; mkns "$t"; mkns "$g"
	veth "$h" n6-s1 ${x}6s1; veth "$h" n6-n4 ${x}6n4; veth "$h" n6-n5 ${x}6n5
	veth "$t" n4-n6 ${x}4n6; veth "$t" n4-n1 ${x}4n1; veth "$t" n4-n2 ${x}4n2
	veth "$g" n1-n4 ${x}1n4; veth "$g" n1-r1 ${x}1r1; veth "$g" n1-r2 ${x}1r2
	fig1_json "$TMP/fig1.json"
	F=$TMP/fig1.json
}

# every command's --help, as docs/CLI.md has it
case_help() {
	for c in attach detach "group add" "group del" "branch add" "branch del" "sid add" "sid del" \
		"receiver add" "receiver del" "encap set" "encap del" "repl add" "repl del" apply show agent \
		"hmac set" "hmac del" "hmac show" top collect tree; do
		# shellcheck disable=SC2086
		if "$E" $c --help >"$TMP/help" 2>&1 && grep -q "^Usage: endmt $c" "$TMP/help"; then
			if [ -f docs/CLI.md ] && ! $PY "$CHECKS" help_in_doc "$TMP/help"; then
				bad "endmt $c --help differs from docs/CLI.md"
			else
				ok "endmt $c --help (matches docs/CLI.md)"
			fi
		else
			bad "endmt $c --help"
		fi
	done
}

# attach with every role and mode, and every refusal
case_attach() {
	A=${ID}a
	mkns "$A"
	veth "$A" ca0 cb0
	veth "$A" ca1 cb1
	veth "$A" ca2 cb2

	expect_fail "show before anything is pinned: the pin root is missing" \
		"show: pin root $(pin_of "$A") does not exist \(endmt attach or endmt apply creates it" "$A" show
	expect_ok "attach head" "$A" attach ca0 --role head
	expect_ok "attach transit (skb mode)" "$A" attach ca1 --role transit --mode skb
	expect_ok "attach edge (tlv type 130)" "$A" attach ca2 --role edge --tlv-type 130
	expect_fail "second attach refused" "already attached as head.*endmt detach ca0" "$A" attach ca0 --role head
	expect_fail "second attach with another role refused" "already attached" "$A" attach ca1 --role edge
	expect_fail "attach unknown device" "unknown device 'nosuch0'" "$A" attach nosuch0 --role head
	expect_fail "attach bad role" "--role boss: must be one of head\|transit\|edge" "$A" attach cb0 --role boss
	expect_fail "attach bad mode" "--mode turbo: must be one of" "$A" attach cb0 --role head --mode turbo
	expect_fail "attach hw on veth" "try --mode native" "$A" attach cb0 --role transit --mode hw
	expect_fail "attach bad tlv type" "--tlv-type 256: must be an integer 1..255" "$A" attach cb0 --role head --tlv-type 256
	for tt in "4 PadN" "5 HMAC"; do
		expect_fail "attach tlv type ${tt% *} refused" "--tlv-type ${tt% *}: ${tt#* } \(RFC 8754\) cannot be the End.MT TLV type" "$A" attach cb0 --role edge --tlv-type ${tt% *}
	done
	expect_fail "attach tlv type 0 refused" "--tlv-type 0: must be an integer 1..255" "$A" attach cb0 --role edge --tlv-type 0
	expect_fail "attach without role" "missing --role" "$A" attach cb0
	nothing_left "$A" cb0
	if ip -n "$A" -d link show ca1 | grep -q "xdpgeneric"; then ok "ca1 XDP in skb (generic) mode"; else bad "ca1 not in generic mode"; fi
	if tc -n "$A" filter show dev ca0 ingress | grep -q endmt_head_tc; then ok "ca0 TC ingress endmt_head_tc"; else bad "ca0 has no endmt_head_tc"; fi
	if tc -n "$A" filter show dev ca2 ingress | grep -q endmt_edge_tc; then ok "ca2 TC ingress endmt_edge_tc"; else bad "ca2 has no endmt_edge_tc"; fi
	# RFC 9524 replication runs in the transit role's TC program (kernel names
	# stop at 15 characters: endmt_transit_t).
	if tc -n "$A" filter show dev ca1 ingress | grep -q "endmt_transit_t\b"; then ok "ca1 TC ingress endmt_transit_tc"; else bad "ca1 has no endmt_transit_tc"; fi
	jcheck "show lists the devices and roles" "$A" \
		'D["ca0"]["role"] == "head" and D["ca0"]["tc"] and D["ca1"]["role"] == "transit" and D["ca1"]["xdp_mode"] == "skb" and D["ca2"]["tlv_type"] == 130'
}

# groups, branches, SIDs, receivers, templates; the refusals change nothing
case_config() {
	A=${ID}a
	setup_attach "$A"

	expect_ok "group add (head)" "$A" group add --proxy $P --dqpn 4660 --head --src fd00:10::2 --src-qpn 17 --resp-saddr fd00:6::1
	expect_ok "branch add --dev ca1" "$A" branch add --proxy $P --dqpn 4660 --dev ca1
	expect_ok "branch add --dev ca2" "$A" branch add --proxy $P --dqpn 4660 --dev ca2
	X "$A" branch add --proxy $P --dqpn 4660 --dev ca2 >"$TMP/out" 2>&1
	grep -q unchanged "$TMP/out" && ok "branch add of an existing branch changes nothing" || bad "re-adding a branch: $(cat "$TMP/out")"
	jcheck "head group: flags, source, branches at start_psn-1 across the wrap" "$A" \
		'(g := G[("fd00:ff::1", 4660)]) and g["head"] and g["branch_by"] == "ifindex" and g["src"] == "fd00:10::2" and g["src_qpn"] == 17 and [b["dev"] for b in g["branches"]] == ["ca1", "ca2"] and all(b["ack_psn"] == 16777215 and not b["acked"] for b in g["branches"])'
	expect_ok "group add: new start PSN" "$A" group add --proxy $P --dqpn 4660 --head --src fd00:10::2 --src-qpn 17 --start-psn 100 --resp-saddr fd00:6::1
	jcheck "start PSN 100 -> every branch's AckPSN 99, branches kept" "$A" \
		'len(G[("fd00:ff::1", 4660)]["branches"]) == 2 and all(b["ack_psn"] == 99 for b in G[("fd00:ff::1", 4660)]["branches"])'
	expect_ok "group add (edge, by addr)" "$A" group add --proxy $P --dqpn 7 --start-psn 16777210 --cnp-cap 4
	expect_ok "branch add --addr with PSN offset" "$A" branch add --proxy $P --dqpn 7 --addr fd00:11::2 --psn-offset -5
	expect_ok "branch add --addr" "$A" branch add --proxy $P --dqpn 7 --addr fd00:12::2
	expect_ok "branch del" "$A" branch del --proxy $P --dqpn 7 --addr fd00:12::2
	expect_ok "sid add" "$A" sid add ff3e::4d54 --edge fd00:1::1 --max-receivers 20
	expect_ok "receiver add" "$A" receiver add --proxy $P --dqpn 7 --addr fd00:11::2 --qpn 256 --psn-offset -5 --va-delta 4096 --rkey 99
	expect_ok "encap set" "$A" encap set --proxy $P --dqpn 4660 --src fd00:6::1 --sid ff3e::4d54 \
		--edge fd00:1::1=fd00:11::2/256,fd00:12::2/257 --edge fd00:2::1=fd00:13::2/258
	jcheck "edge group, sid, receiver, encap in show --json" "$A" '
	(g := G[("fd00:ff::1", 7)]) and not g["head"] and g["branch_by"] == "addr" and g["cnp_cap"] == 4
	and (g["cnp_rate"], g["cnp_burst"], g["cnps_sent"], g["cnps_withheld"]) == (1000, 8, None, None)
	and [(b["addr"], b["psn_offset"], b["ack_psn"]) for b in g["branches"]] == [("fd00:11::2", -5, 16777209)]
	and j["sids"] == [{"sid": "ff3e::4d54", "edge": "fd00:1::1", "behavior": "End.MT", "max_receivers": 20, "strict": False,
	                   "src_prefix": None, "in_ifindex": None, "in_dev": None, "hmac": "ignore", "hmac_key_id": None}]
	and j["receivers"][0]["psn_offset"] == -5 and j["receivers"][0]["rkey"] == 99 and (j["receivers"][0]["proxy"], j["receivers"][0]["dqpn"]) == ("fd00:ff::1", 7) and j["receivers"][0]["va_delta"] == 4096
	and (e := j["encaps"][0])["segments"] == ["fd00:ff::1", "ff3e::4d54"] and e["segments_left"] == 1
	and e["outer_src"] == "fd00:6::1" and e["outer_dst"] == "ff3e::4d54" and e["tlv_type"] == 124
	and [(t["edge"], t["receivers"]) for t in e["tlvs"]] == [("fd00:1::1", ["fd00:11::2/256", "fd00:12::2/257"]), ("fd00:2::1", ["fd00:13::2/258"])]
	and set(j["counters"]) >= {"pass_not_ours", "resp_rx"}'

	# Independent check of the template bytes: scapy parses the stored header.
	X "$A" show --json | $PY "$CHECKS" encap_len >"$TMP/len"
	PIN_A=$(pin_of "$A")
	nsenter --net=/run/netns/"$A" bpftool -j map dump pinned "$PIN_A/endmt_encap" >"$TMP/encap.json" 2>/dev/null
	if $PY "$CHECKS" encap_template "$TMP/encap.json"
	then ok "encap template parses with scapy (SA, DA, SL, segment list)"; else bad "encap template rejected by scapy"; fi

	# config error paths
	expect_fail "bad address" "--proxy 'fd00::zz': not an IPv6 address" "$A" group add --proxy fd00::zz --dqpn 1
	expect_fail "QPN out of range" "--dqpn 16777216: must be an integer 0..16777215" "$A" group add --proxy $P --dqpn 16777216
	expect_fail "unknown option" "unknown option '--bogus'" "$A" group add --proxy $P --dqpn 1 --bogus
	expect_fail "unknown command" "unknown command" "$A" frobnicate
	expect_fail "a noun without its verb" "^endmt: pm: which one\? set, flow, group, show, report " "$A" pm
	expect_fail "a noun's unknown verb" "unknown command 'mpls frob': mpls takes attach, detach, flow, node, show " "$A" mpls frob
	if X "$A" hmac --help > "$TMP/out" 2>&1 && grep -q "^  hmac set " "$TMP/out" &&
	   grep -q "^  hmac show " "$TMP/out"; then
		ok "hmac --help lists the hmac commands"
	else
		bad "hmac --help: $(cat "$TMP/out")"
	fi
	expect_fail "--head without --src" "--head needs --src" "$A" group add --proxy $P --dqpn 9 --head
	expect_fail "CNP rate out of range" "--cnp-rate 1000001: must be an integer 0..1000000" "$A" group add --proxy $P --dqpn 9 --cnp-rate 1000001
	expect_fail "CNP burst 0" "--cnp-burst 0: must be an integer 1..1000000" "$A" group add --proxy $P --dqpn 9 --cnp-burst 0
	expect_fail "branch of an unknown group" "no such group" "$A" branch add --proxy $P --dqpn 999 --addr fd00::1
	expect_fail "--dev on a group by address" "branches by receiver address; use --addr" "$A" branch add --proxy $P --dqpn 7 --dev ca1
	expect_fail "branch add unknown device" "unknown device 'nosuch0'" "$A" branch add --proxy $P --dqpn 4660 --dev nosuch0
	expect_fail "both --addr and --dev" "exactly one of --addr" "$A" branch add --proxy $P --dqpn 4660 --dev ca1 --addr fd00::1
	expect_fail "sid max receivers above 88" "--max-receivers 89: must be an integer 1..88" "$A" sid add ff3e::1 --edge fd00::1 --max-receivers 89
	expect_fail "sid --from without a length" "--from fd00:6::1: want ADDR/LEN" "$A" sid add ff3e::1 --edge fd00::1 --from fd00:6::1
	expect_fail "sid --from length 129" "--from fd00:6::/129: want ADDR/LEN" "$A" sid add ff3e::1 --edge fd00::1 --from fd00:6::/129
	expect_fail "sid --from with host bits" "--from fd00:6::1/64: bits set past the prefix length" "$A" sid add ff3e::1 --edge fd00::1 --from fd00:6::1/64
	expect_fail "sid --in-dev unknown" "--in-dev nosuch0: no such device here" "$A" sid add ff3e::1 --edge fd00::1 --in-dev nosuch0
	expect_fail "va-delta without rkey" "--va-delta and --rkey go together" "$A" receiver add --proxy $P --dqpn 7 --addr fd00::1 --qpn 1 --va-delta 5
	expect_fail "encap bad --edge" "expected EDGEADDR=RCVADDR/QPN" "$A" encap set --proxy $P --dqpn 1 --src fd00::1 --sid ff3e::1 --edge fd00:1::1=fd00::2
	expect_fail "encap tlv type 4 refused" "--tlv-type 4: PadN \(RFC 8754\) cannot be the End.MT TLV type" "$A" encap set --proxy $P --dqpn 1 --src fd00::1 --sid ff3e::1 --edge fd00:1::1=fd00::2/5 --tlv-type 4
	expect_fail "group del of an unknown group" "no such group" "$A" group del --proxy $P --dqpn 12345
	jcheck "failed commands changed nothing" "$A" 'len(j["groups"]) == 2 and len(j["sids"]) == 1 and len(j["receivers"]) == 1'
	expect_ok "sid add with the SR domain's boundary" "$A" sid add fd00:1::4d54 --edge fd00:1::1 --from fd00:6::/48 --in-dev ca1 --strict
	jcheck "sid's source prefix and device in show --json" "$A" '
	[(s["src_prefix"], s["in_dev"], s["in_ifindex"] > 1, s["strict"]) for s in j["sids"] if s["sid"] == "fd00:1::4d54"] == [("fd00:6::/48", "ca1", True, True)]'
	X "$A" show >"$TMP/out" && grep -q "fd00:1::4d54 .* strict from fd00:6::/48 on ca1" "$TMP/out" && ok "show (text): the SID's boundary" || bad "show text: $(grep 4d54 "$TMP/out")"
	expect_ok "sid del" "$A" sid del fd00:1::4d54
}

# RFC 9524 Replication SIDs
case_repl() {
	A=${ID}a
	setup_attach "$A"
	setup_config "$A"

	expect_ok "repl add" "$A" repl add fd00:4::100 --to fd00:1::4d54,fd00:2::4d54
	X "$A" repl add fd00:4::100 --to fd00:1::4d54,fd00:2::4d54 >"$TMP/out" 2>&1
	grep -q "unchanged" "$TMP/out" && ok "repl add of the same entry changes nothing" || bad "repl add again: $(cat "$TMP/out")"
	jcheck "show --json lists the replication entry" "$A" \
		'j["replication"] == [{"sid": "fd00:4::100", "n": 2, "to": ["fd00:1::4d54", "fd00:2::4d54"], "src_prefix": None, "in_ifindex": None, "in_dev": None, "hmac": "ignore", "hmac_key_id": None}]'
	X "$A" --json repl add fd00:4::100 --to fd00:3::4d54 >"$TMP/out" 2>&1
	grep -qx '{"changed":true}' "$TMP/out" && ok "repl add replaces an entry (--json: changed)" || bad "repl replace: $(cat "$TMP/out")"
	expect_fail "repl --from with host bits" "--from fd00:6::1/64: bits set past the prefix length" "$A" repl add fd00:4::101 --to fd00:3::4d54 --from fd00:6::1/64
	expect_fail "repl --in-dev unknown" "--in-dev nosuch0: no such device here" "$A" repl add fd00:4::101 --to fd00:3::4d54 --in-dev nosuch0
	jcheck "replaced entry has the new downstream SIDs only" "$A" \
		'j["replication"] == [{"sid": "fd00:4::100", "n": 1, "to": ["fd00:3::4d54"], "src_prefix": None, "in_ifindex": None, "in_dev": None, "hmac": "ignore", "hmac_key_id": None}]'
	expect_ok "repl add --hmac-key-id 7" "$A" repl add fd00:4::102 --to fd00:3::4d54 --hmac-key-id 7
	if X "$A" show | grep -q "fd00:4::102 .* hmac require key 7"; then ok "show: the Replication SID requires key 7"; else bad "show: $(X "$A" show | grep fd00:4::102)"; fi
	expect_ok "repl add --hmac verify (any key)" "$A" repl add fd00:4::102 --to fd00:3::4d54 --hmac verify
	jcheck "show --json: hmac verify, any key" "$A" \
		'[(r["hmac"], r["hmac_key_id"]) for r in j["replication"] if r["sid"] == "fd00:4::102"] == [("verify", None)]'
	expect_fail "repl add: key with --hmac ignore" "repl add: --hmac-key-id with --hmac ignore: the key would not be checked" "$A" repl add fd00:4::102 --to fd00:3::4d54 --hmac-key-id 7 --hmac ignore
	expect_ok "repl del of the HMAC entry" "$A" repl del fd00:4::102
	SIXTEEN=$(seq -s, -f 'fd00:1::%g' 1 16)
	expect_ok "repl add with 16 downstream SIDs" "$A" repl add fd00:5::100 --to "$SIXTEEN"
	X "$A" show >"$TMP/out" && grep -q "^replication (2)" "$TMP/out" && grep -Eq "^  fd00:4::100 +-> fd00:3::4d54$" "$TMP/out" \
		&& ok "show (text) lists replication entries" || bad "show text: $(sed -n '/^replication/,/^$/p' "$TMP/out")"
	expect_fail "repl add: 17 downstream SIDs" "more than 16 downstream SIDs" "$A" repl add fd00:5::100 --to "$SIXTEEN,fd00:1::17"
	expect_fail "repl add: downstream SID equal to the SID" "fd00:4::100 is the Replication SID itself" "$A" repl add fd00:4::100 --to fd00:1::1,fd00:4::100
	expect_fail "repl add: bad downstream address" "--to 'fd00::zz': not an IPv6 address" "$A" repl add fd00:4::100 --to fd00:1::1,fd00::zz
	expect_fail "repl add: bad SID" "SID 'nope': not an IPv6 address" "$A" repl add nope --to fd00:1::1
	expect_fail "repl add: empty list element" "--to 'fd00:1::1,,fd00:2::1': expected SID\[,SID...\]" "$A" repl add fd00:4::100 --to fd00:1::1,,fd00:2::1
	expect_fail "repl add: downstream listed twice" "downstream SID fd00:1::1 listed twice" "$A" repl add fd00:4::100 --to fd00:1::1,fd00:2::1,fd00:1::1
	expect_fail "repl add: multicast Replication SID" "Replication SID ff3e::1 is a multicast address" "$A" repl add ff3e::1 --to fd00:1::1
	expect_fail "repl add: multicast downstream SID" "downstream SID ff3e::4d54 is a multicast address" "$A" repl add fd00:4::100 --to ff3e::4d54
	expect_fail "repl add: without --to" "missing --to" "$A" repl add fd00:4::100
	expect_fail "repl add: downstream is a local Replication SID" "downstream SID fd00:5::100 is a Replication SID of this node" "$A" repl add fd00:4::100 --to fd00:5::100
	expect_fail "repl add: SID already a local downstream SID" "fd00:1::3 is a downstream SID of this node's Replication SID fd00:5::100" "$A" repl add fd00:1::3 --to fd00:9::1
	expect_fail "repl del: unknown SID" "fd00:9::100: no such Replication SID" "$A" repl del fd00:9::100
	jcheck "failed repl commands changed nothing" "$A" \
		'[(r["sid"], r["n"]) for r in sorted(j["replication"], key=lambda r: r["sid"])] == [("fd00:4::100", 1), ("fd00:5::100", 16)]'
	expect_ok "repl del" "$A" repl del fd00:5::100
	expect_ok "repl del (json)" "$A" --json repl del fd00:4::100
	jcheck "no replication entries left" "$A" 'j["replication"] == []'
}

# missing privilege: nobody, no capabilities
case_privilege() {
	A=${ID}a
	setup_attach "$A"
	setup_config "$A"
	PIN_A=$(pin_of "$A")

	if command -v setpriv >/dev/null; then
		NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all"
		for args in "group add --proxy $P --dqpn 55" "attach cb0 --role head" "show"; do
			# shellcheck disable=SC2086
			nsenter --net=/run/netns/"$A" $NOBODY "$E" --pin-root "$PIN_A" $args >"$TMP/out" 2>"$TMP/err"
			rc=$?
			if [ $rc -ne 0 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -Eq "run as root|Permission denied|not permitted" "$TMP/err"; then
				ok "as nobody: endmt $args fails clearly ($(cat "$TMP/err"))"
			else
				bad "as nobody: endmt $args: exit $rc, stderr: $(cat "$TMP/err")"
			fi
		done
		jcheck "unprivileged attempts changed nothing" "$A" '(("fd00:ff::1", 55) not in G) and "cb0" not in D'
	else
		bad "setpriv not available: privilege test not run"
	fi
}

# agent_stops_on SIG NUM: the agent in namespace $A, sent SIG, exits 0 and
# says "signal": NUM in its JSON summary.
agent_stops_on() {
	local apid rc
	nsenter --net=/run/netns/"$A" "$E" -v --pin-root "$PIN_A" --json agent --window-us 1000 >"$TMP/agent.json" 2>"$TMP/err" &
	apid=$!
	APIDS+=("$apid")
	# once it runs its windows (-v: "agent: window ..."), or a signal sent
	# before its handlers would be ignored (SIGINT, in a background job)
	for _ in $(seq $((100 * ${ENDMT_TIME_SCALE:-1}))); do grep -qs 'agent: window' "$TMP/err" && break; sleep 0.1; done
	kill -"$1" $apid
	wait $apid
	rc=$?
	if [ $rc -eq 0 ] && grep -q "\"signal\":$2" "$TMP/agent.json"; then
		ok "agent exits cleanly on SIG$1 ($(cat "$TMP/agent.json"))"
	else
		bad "agent on SIG$1: exit $rc, $(cat "$TMP/agent.json") $(cat "$TMP/err")"
	fi
}

# the agent: CNP windows, liveness, configuration that keeps state, signals
case_agent() {
	A=${ID}a
	setup_attach "$A"
	setup_config "$A"
	PIN_A=$(pin_of "$A")

	# CNP window: give a branch a CCount by writing the group value directly
	# (bpftool, no lock flag: the kernel leaves the lock word alone) as the data
	# path leaves it: tagged with the current CNP epoch (endmt_cnp_epoch) and
	# opened now.  One agent window must send one CNP upstream, and `show` then
	# reports no CCount in the new window (the agent itself writes no group).
	ip -n "$A" -6 route add fd00:ff::/64 dev ca0
	EPOCH=$(nsenter --net=/run/netns/"$A" bpftool -j map lookup pinned "$PIN_A/endmt_cnp_epoch" key 0 0 0 0 |
		$PY "$CHECKS" map_value) || bad "read endmt_cnp_epoch"
	export EPOCH
	python_group() { # key-hex value-hex for (proxy fd00:ff::1, dqpn) with branches
		$PY "$CHECKS" group_value "$@"
	}
	# shellcheck disable=SC2046
	nsenter --net=/run/netns/"$A" bpftool map update pinned "$PIN_A/endmt_groups" \
		$(python_group 21 "fd00:21::1,5,5,3,0" "fd00:21::2,5,5,9,0") || bad "bpftool map update"
	X "$A" --json agent --windows 3 --window-us 1000 --liveness-ms 0 >"$TMP/agent.json" 2>"$TMP/err"
	if [ $? -eq 0 ] && $PY "$CHECKS" agent_cnp "$TMP/agent.json"; then
		ok "agent: 3 windows, one CNP for the group with CNPs counted ($(cat "$TMP/agent.json"))"
	else
		bad "agent CNP window: $(cat "$TMP/agent.json") $(cat "$TMP/err")"
	fi
	jcheck "no CCount in the new window" "$A" 'all(b["ccount"] == 0 for b in G[("fd00:ff::1", 21)]["branches"])'
	jcheck "show: the agent's report, one CNP sent, none withheld" "$A" \
		'(G[("fd00:ff::1", 21)]["cnps_sent"], G[("fd00:ff::1", 21)]["cnps_withheld"]) == (1, 0)'
	# show reads the report as the agent leaves it (written here directly)
	# shellcheck disable=SC2046
	nsenter --net=/run/netns/"$A" bpftool map update pinned "$PIN_A/endmt_cnp_limit" \
		$($PY "$CHECKS" limit_value 21 5 7) || bad "bpftool map update endmt_cnp_limit"
	X "$A" show >"$TMP/out" && grep -q "CNPs upstream: limit 1000/s burst 8, agent: sent 5, withheld 7" "$TMP/out" &&
		ok "show (text): the group's CNP limit and the agent's counts" ||
		bad "show text lacks the CNP limit line: $(grep -i "cnps upstream" "$TMP/out")"

	# Liveness: branch 2 acknowledged 50 while branch 1 is at 100, both silent
	# since boot (last_seen 1 ns): branch 2 has data unacknowledged -> reported.
	# shellcheck disable=SC2046
	nsenter --net=/run/netns/"$A" bpftool map update pinned "$PIN_A/endmt_groups" \
		$(python_group 22 "fd00:22::1,100,5,0,1" "fd00:22::2,50,5,0,1") || bad "bpftool map update"
	X "$A" agent --windows 20 --window-us 1000 --liveness-ms 5 >"$TMP/out" 2>"$TMP/err"
	if grep -q "group fd00:ff::1/22 branch fd00:22::2 silent" "$TMP/err" && ! grep -q "fd00:22::1 silent" "$TMP/err"; then
		ok "agent reports the silent branch that is behind ($(grep silent "$TMP/err" | head -1))"
	else
		bad "agent liveness: $(cat "$TMP/err")"
	fi
	jcheck "show flags the stale branch only" "$A" \
		'[b["stale"] for b in G[("fd00:ff::1", 22)]["branches"]] == [False, True]'
	X "$A" show >"$TMP/out" && grep -q "STALE" "$TMP/out" && ok "show (text) marks STALE" || bad "show text lacks STALE"
	# Configuration changes keep data-path state: branch add, group add with a
	# new start PSN (only never-acknowledged branches move), branch del.
	expect_ok "branch add to a group with state" "$A" branch add --proxy $P --dqpn 22 --addr fd00:22::3
	expect_ok "group add with new start PSN and cap" "$A" group add --proxy $P --dqpn 22 --start-psn 10 --cnp-cap 3
	jcheck "acknowledged state kept, new branch at start-1" "$A" '
	[(b["addr"], b["ack_psn"], b["acked"], b["stale"]) for b in G[("fd00:ff::1", 22)]["branches"]] == [("fd00:22::1", 100, True, False), ("fd00:22::2", 50, True, True), ("fd00:22::3", 9, False, False)] and G[("fd00:ff::1", 22)]["cnp_cap"] == 3'
	expect_ok "branch del keeps the others" "$A" branch del --proxy $P --dqpn 22 --addr fd00:22::1
	jcheck "remaining branches keep their state" "$A" '
	[(b["addr"], b["ack_psn"]) for b in G[("fd00:ff::1", 22)]["branches"]] == [("fd00:22::2", 50), ("fd00:22::3", 9)]'

	# SIGTERM and SIGINT: clean exit, summary printed
	agent_stops_on TERM 15
	agent_stops_on INT 2
}

# detach leaves nothing, and keeps the configuration (the groups of
# case_config and the two of case_agent)
case_detach() {
	A=${ID}a
	setup_attach "$A"
	setup_config "$A"
	must X "$A" group add --proxy $P --dqpn 21
	must X "$A" group add --proxy $P --dqpn 22

	expect_ok "detach ca0" "$A" detach ca0
	expect_ok "detach ca1" "$A" detach ca1
	expect_ok "detach ca2" "$A" detach ca2
	expect_fail "detach of a non-attached device" "ca0 is not attached by endmt" "$A" detach ca0
	expect_fail "detach of an unknown device" "nosuch0 is not attached by endmt" "$A" detach nosuch0
	nothing_left "$A" ca0 ca1 ca2 cb0
	everything_gone "$A"
	jcheck "configuration survives detach" "$A" 'len(j["groups"]) == 4 and j["devices"] == []'
}

case_stale_record() {
	A=${ID}a
	mkns "$A"

	# A record whose device went away: shown as not present; attaching the
	# recreated device replaces the stale record; detach leaves nothing.
	veth "$A" cz0 cy0
	expect_ok "attach cz0" "$A" attach cz0 --role transit
	ip -n "$A" link del cz0
	jcheck "record of a deleted device shows present=false" "$A" 'D["cz0"]["present"] is False'
	veth "$A" cz0 cy0
	expect_ok "attach on a recreated device replaces the stale record" "$A" attach cz0 --role transit
	jcheck "new record is present" "$A" 'D["cz0"]["present"] is True'
	expect_ok "detach cz0" "$A" detach cz0
	nothing_left "$A" cz0
}

# apply (Figure 1 shape) on a head, a transit and an edge node; idempotence
case_apply() {
	H=${ID}h   # N6, head
	T=${ID}t   # N4, transit
	G=${ID}g   # N1, edge
	setup_fig1 "$H" "$T" "$G" x

	r=$(apply_json "$H" N6)
	[ "$r" = "8 3" ] && ok "apply N6 (head): group, template and 6 response origins written, head + 2 child links attached" || bad "apply N6: '$r' $(cat "$TMP/err")"
	jcheck "N6: head group, branches = child links on the tree, template" "$H" '
	(g := G[("fd00:ff::1", 4660)]) and g["head"] and g["branch_by"] == "ifindex" and g["src_qpn"] == 17 and g["resp_saddr"] == "fd00:6::1" and g["cnp_cap"] == 8
	and (g["cnp_rate"], g["cnp_burst"]) == (500, 4)
	and [b["dev"] for b in g["branches"]] == ["n6-n4", "n6-n5"]
	and sorted(D) == ["n6-n4", "n6-n5", "n6-s1"] and D["n6-s1"]["role"] == "head" and D["n6-n4"]["role"] == D["n6-n5"]["role"] == "transit"
	and (e := j["encaps"][0])["segments"] == ["fd00:ff::1", "ff3e::4d54"] and e["outer_src"] == "fd00:6::1"
	and [(t["edge"], t["receivers"]) for t in e["tlvs"]] == [("fd00:1::1", ["fd00:11::2/256", "fd00:12::2/257"]), ("fd00:2::1", ["fd00:13::2/258"]), ("fd00:3::1", ["fd00:14::2/259"])]'
	r=$(apply_json "$H" N6)
	[ "$r" = "0 0" ] && ok "apply N6 again changes nothing, attaches nothing" || bad "second apply N6: '$r' $(cat "$TMP/err")"
	[ "$(ip -n "$H" -d link show n6-s1 | grep -c prog/xdp)" -eq 1 ] && [ "$(tc -n "$H" filter show dev n6-s1 ingress | grep -c endmt_head_tc)" -eq 1 ] \
		&& ok "N6: one XDP and one TC program after two applies" || bad "N6 programs doubled"

	r=$(apply_json "$T" N4)
	[ "$r" = "6 2" ] && ok "apply N4 (transit): 1 group, 5 response origins, 2 devices" || bad "apply N4: '$r' $(cat "$TMP/err")"
	jcheck "N4: transit group by ifindex, transit on child links" "$T" '
	(g := G[("fd00:ff::1", 4660)]) and not g["head"] and g["branch_by"] == "ifindex" and g["resp_saddr"] == "fd00:4::1"
	and [b["dev"] for b in g["branches"]] == ["n4-n1", "n4-n2"] and sorted(D) == ["n4-n1", "n4-n2"]
	and all(d["role"] == "transit" for d in D.values()) and j["encaps"] == [] and j["sids"] == []
	and g["psn_guard"] is False and g["origin_check"]
	and sorted((o["addr"], o["dev"]) for o in g["origins"]) == [("fd00:11::2", "n4-n1"), ("fd00:12::2", "n4-n1"),
	    ("fd00:13::2", "n4-n2"), ("fd00:1::1", "n4-n1"), ("fd00:2::1", "n4-n2")]'

	r=$(apply_json "$G" N1)
	[ "$r" = "7 3" ] && ok "apply N1 (edge): group, sid, translation, 2 receiver records, 2 response origins; 3 devices" || bad "apply N1: '$r' $(cat "$TMP/err")"
	jcheck "N1: edge group by addr with offsets, SID, translation, edge devices" "$G" '
	(g := G[("fd00:ff::1", 4660)]) and g["branch_by"] == "addr" and g["resp_saddr"] == "fd00:1::1"
	and [(b["addr"], b["psn_offset"]) for b in g["branches"]] == [("fd00:11::2", 0), ("fd00:12::2", 1000)]
	and j["sids"] == [{"sid": "ff3e::4d54", "edge": "fd00:1::1", "behavior": "End.MT", "max_receivers": 64, "strict": True,
	                   "src_prefix": "fd00:6::1/128", "in_ifindex": D["n1-n4"]["ifindex"], "in_dev": "n1-n4", "hmac": "ignore", "hmac_key_id": None}]
	and sorted((r["addr"], r["qpn"], r["psn_offset"], r["dqpn"]) for r in j["receivers"]) == [("fd00:11::2", 256, 0, 4660), ("fd00:12::2", 257, 1000, 4660)]
	and sorted(D) == ["n1-n4", "n1-r1", "n1-r2"] and all(d["role"] == "edge" for d in D.values())
	and g["psn_guard"] and g["origin_check"] and g["data_psn"] is None
	and sorted((o["addr"], o["dev"]) for o in g["origins"]) == [("fd00:11::2", "n1-r1"), ("fd00:12::2", "n1-r2")]'
	r=$(apply_json "$G" N1)
	[ "$r" = "0 0" ] && ok "apply N1 again changes nothing" || bad "second apply N1: '$r'"
	# The origins become exactly the file's: R2 gone, its port no longer speaks for it.
	$PY "$CHECKS" edit "$F" "$TMP/less.json" 'g["receivers"] = [r for r in g["receivers"] if r["name"] != "R2"]'
	expect_ok "apply N1 without R2" "$G" apply "$TMP/less.json" --node N1
	jcheck "N1: R2's response origin went with it" "$G" '
	sorted((o["addr"], o["dev"]) for o in G[("fd00:ff::1", 4660)]["origins"]) == [("fd00:11::2", "n1-r1")]'

	detach_all "$H" "$T" "$G"
	nothing_left "$H" n6-s1 n6-n4 n6-n5
	nothing_left "$T" n4-n6 n4-n1 n4-n2
	nothing_left "$G" n1-n4 n1-r1 n1-r2
	for ns in "$H" "$T" "$G"; do everything_gone "$ns"; done
}

case_apply_errors() {
	H=${ID}h
	T=${ID}t   # N4, transit
	G=${ID}g
	setup_fig1 "$H" "$T" "$G" x
	must X "$T" apply "$F" --node N4

	# validation errors name file, field and problem; nothing is written
	bad_json() { # DESC REGEX PYTHON-EDIT
		$PY "$CHECKS" edit "$F" "$TMP/bad.json" "$3"
		expect_fail "$1" "$2" "$T" apply "$TMP/bad.json" --node N4
	}
	bad_json "apply: receiver qpn out of range" "bad.json: groups\[0\]\.receivers\[2\]\.qpn: must be 0\.\.16777215" 'j["groups"][0]["receivers"][2]["qpn"] = 16777216'
	bad_json "apply: receiver QPN 1 (the GSI)" "bad.json: groups\[0\]\.receivers\[2\]: fd00:[0-9a-f:]+ qpn 1: QPN 0, 1 and 0xffffff are no RC receiver QPs" 'j["groups"][0]["receivers"][2]["qpn"] = 1'
	bad_json "apply: receiver at the Proxy Address" "receivers\[0\]: fd00:ff::1 qpn [0-9]+: the group's Proxy Address is the source's side" 'j["groups"][0]["receivers"][0]["addr"] = j["groups"][0]["proxy"]'
	bad_json "apply: multicast receiver" "receivers\[1\]: ff02::1 qpn [0-9]+: a multicast address is no receiver" 'j["groups"][0]["receivers"][1]["addr"] = "ff02::1"'
	bad_json "apply: bad address" "bad.json: groups\[0\]\.proxy: 'fd00::g' is not an IPv6 address" 'j["groups"][0]["proxy"] = "fd00::g"'
	bad_json "apply: unknown parent" "bad.json: nodes\.N1\.parent: no node named 'N9'" 'j["nodes"]["N1"]["parent"] = "N9"'
	bad_json "apply: parent loop" "parent chain loops" 'j["nodes"]["N6"]["parent"] = "N1"'
	bad_json "apply: edge not below head" "receivers\[0\]\.edge: node N1 is not below the head N5" 'j["groups"][0]["source"]["head"] = "N5"'
	bad_json "apply: missing link" "nodes\.N4\.links\.N2: missing" 'del j["nodes"]["N4"]["links"]["N2"]'
	bad_json "apply: missing device" "nodes\.N4\.links\.N1: device 'n4-zz' does not exist here" 'j["nodes"]["N4"]["links"]["N1"] = "n4-zz"'
	bad_json "apply: bad mode" "nodes\.N4\.mode: must be native, skb or hw" 'j["nodes"]["N4"]["mode"] = "fast"'
	bad_json "apply: tlv_type" "bad.json: top level\.tlv_type: must be 1\.\.255" 'j["tlv_type"] = 300'
	bad_json "apply: tlv_type 0 (Pad1)" "bad.json: top level\.tlv_type: must be 1\.\.255" 'j["tlv_type"] = 0'
	bad_json "apply: tlv_type 4 (PadN)" "bad.json: top level\.tlv_type: 4 is PadN \(RFC 8754\) and cannot be the End.MT TLV type" 'j["tlv_type"] = 4'
	bad_json "apply: tlv_type 5 (HMAC)" "bad.json: top level\.tlv_type: 5 is HMAC \(RFC 8754\) and cannot be the End.MT TLV type" 'j["tlv_type"] = 5'
	bad_json "apply: groups missing" "bad.json: groups: missing" 'del j["groups"]'
	bad_json "apply: cnp_rate out of range" "bad.json: groups\[0\]\.cnp_rate: must be 0\.\.1000000" 'j["groups"][0]["cnp_rate"] = 1000001'
	bad_json "apply: cnp_burst 0" "bad.json: groups\[0\]\.cnp_burst: must be 1\.\.1000000" 'j["groups"][0]["cnp_burst"] = 0'
	printf '{ "nodes": { "N4": { "addr": "fd00:4::1", }\n' >"$TMP/syntax.json"
	expect_fail "apply: malformed JSON names file:line:col" "syntax.json:1:[0-9]+: " "$T" apply "$TMP/syntax.json" --node N4
	expect_fail "apply: no such file" "nosuch.json" "$T" apply "$TMP/nosuch.json" --node N4
	expect_fail "apply: unknown node" "no node named 'N9' \(--node\)" "$T" apply "$F" --node N9
}

case_apply_rollback() {
	H=${ID}h
	T=${ID}t   # N4, transit
	G=${ID}g
	setup_fig1 "$H" "$T" "$G" x
	must X "$T" apply "$F" --node N4

	# all-or-nothing: a foreign XDP program on the second device makes its
	# attach fail after the maps were written and the first device attached:
	# everything is rolled back, the pre-existing group is restored.
	X "$T" detach n4-n1 >/dev/null && X "$T" detach n4-n2 >/dev/null || bad "detach before rollback test"
	X "$T" group del --proxy fd00:ff::1 --dqpn 4660 >/dev/null || bad "group del"
	X "$T" group add --proxy fd00:ff::1 --dqpn 4660 --start-psn 7 --branch-by ifindex >/dev/null || bad "group add"
	X "$T" branch add --proxy fd00:ff::1 --dqpn 4660 --dev n4-n6 >/dev/null || bad "branch add"
	cat >"$TMP/pass.bpf.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int pass(struct xdp_md *ctx) { return XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
EOF
	clang -O2 -target bpf -I/usr/include/"$(uname -m)"-linux-gnu -c "$TMP/pass.bpf.c" -o "$TMP/pass.o" || die "clang"
	ip -n "$T" link set dev n4-n2 xdp obj "$TMP/pass.o" sec xdp || die "foreign XDP"
	expect_fail "apply fails on a device with a foreign XDP program" "n4-n2 already has an XDP program that is not libxdp-managed" "$T" apply "$F" --node N4
	jcheck "rollback: group restored (start PSN 7, its one branch), nothing attached" "$T" '
	(g := G[("fd00:ff::1", 4660)]) and g["start_psn"] == 7 and [b["dev"] for b in g["branches"]] == ["n4-n6"] and j["devices"] == []'
	if ip -n "$T" -d link show n4-n1 | grep -q prog/xdp || tc -n "$T" qdisc show dev n4-n1 | grep -q clsact; then
		bad "rollback left programs on n4-n1"
	else
		ok "rollback detached n4-n1"
	fi
	ip -n "$T" link set dev n4-n2 xdp off

	# the device already attached with another role: refused before any write
	X "$T" attach n4-n1 --role edge >/dev/null 2>&1 || bad "attach n4-n1 edge"
	expect_fail "apply refuses a device attached with another role" "n4-n1 is attached as edge .* but the file needs transit" "$T" apply "$F" --node N4
	jcheck "refused apply wrote nothing" "$T" 'G[("fd00:ff::1", 4660)]["start_psn"] == 7'
	X "$T" detach n4-n1 >/dev/null || bad "detach n4-n1"

	detach_all "$T"
	nothing_left "$T" n4-n6 n4-n1 n4-n2
	everything_gone "$T"
}

# apply, RFC 9524 replication variant
case_apply_repl() {
	H2=${ID}H   # N6, head with a Replication SID
	T2=${ID}T   # N4, transit with a Replication SID
	G2=${ID}G   # N1, edge with its own End.MT SID
	setup_fig1 "$H2" "$T2" "$G2" y

	$PY "$CHECKS" repl_variant "$F" "$TMP/repl.json"
	F=$TMP/repl.json
	r=$(apply_json "$H2" N6)
	[ "$r" = "9 3" ] && ok "apply N6 (replication): group, template, Replication SID, 6 response origins; 3 devices" || bad "apply N6 (replication): '$r' $(cat "$TMP/err")"
	jcheck "N6: Replication SID to N4 and N5, template DA = its own Replication SID" "$H2" '
	[{k: r[k] for k in ("sid", "n", "to", "src_prefix", "in_dev")} for r in j["replication"]] == [{"sid": "fd00:6::100", "n": 2,
	  "to": ["fd00:4::100", "fd00:5::100"], "src_prefix": "fd00:6::1/128", "in_dev": "n6-s1"}]
	and (e := j["encaps"][0])["outer_dst"] == "fd00:6::100" and e["segments"] == ["fd00:ff::1", "fd00:6::100"] and e["segments_left"] == 1
	and len(e["tlvs"]) == 3 and j["sids"] == [] and sorted(D) == ["n6-n4", "n6-n5", "n6-s1"] and D["n6-s1"]["role"] == "head"'
	r=$(apply_json "$H2" N6)
	[ "$r" = "0 0" ] && ok "apply N6 (replication) again changes nothing" || bad "second apply N6 (replication): '$r'"
	r=$(apply_json "$T2" N4)
	[ "$r" = "7 3" ] && ok "apply N4 (replication): group, Replication SID, 5 response origins; parent link too" || bad "apply N4 (replication): '$r' $(cat "$TMP/err")"
	jcheck "N4: Replication SID to the edges' End.MT SIDs, transit on the parent link and child links" "$T2" '
	[{k: r[k] for k in ("sid", "n", "to", "src_prefix", "in_dev")} for r in j["replication"]] == [{"sid": "fd00:4::100", "n": 2,
	  "to": ["fd00:1::4d54", "fd00:2::4d54"], "src_prefix": "fd00:6::1/128", "in_dev": "n4-n6"}]
	and sorted(D) == ["n4-n1", "n4-n2", "n4-n6"] and all(d["role"] == "transit" and d["tc"] for d in D.values())
	and [b["dev"] for b in G[("fd00:ff::1", 4660)]["branches"]] == ["n4-n1", "n4-n2"]'
	if tc -n "$T2" filter show dev n4-n6 ingress | grep -q "endmt_transit_t\b"; then ok "N4 n4-n6: endmt_transit_tc on TC ingress"; else bad "N4 n4-n6: no endmt_transit_tc"; fi
	r=$(apply_json "$G2" N1)
	[ "$r" = "7 3" ] && ok "apply N1 (replication): group, its own End.MT SID, translation, 2 receiver records, 2 response origins" || bad "apply N1 (replication): '$r' $(cat "$TMP/err")"
	jcheck "N1: End.MT on its unicast SID, no replication" "$G2" '
	j["sids"] == [{"sid": "fd00:1::4d54", "edge": "fd00:1::1", "behavior": "End.MT", "max_receivers": 64, "strict": True,
	               "src_prefix": "fd00:6::1/128", "in_ifindex": D["n1-n4"]["ifindex"], "in_dev": "n1-n4", "hmac": "ignore", "hmac_key_id": None}]
	and j["replication"] == []'

	# A group with hmac_key_id: the transit's Replication SID requires the
	# key (and apply wants it on the node); the head's own does not verify,
	# its TC copies what it has just signed.
	$PY "$CHECKS" edit "$F" "$TMP/repl_hmac.json" 'g["hmac_key_id"] = 7'
	printf 'repl-secret-%s' $$ >"$TMP/rsecret"
	expect_fail "apply N4 (replication, HMAC): the transit has no key 7" "repl_hmac\.json: groups g1: hmac_key_id 7: no such key on this node" "$T2" apply "$TMP/repl_hmac.json" --node N4
	must X "$T2" hmac set --key-id 7 --secret-file "$TMP/rsecret"
	must X "$H2" hmac set --key-id 7 --secret-file "$TMP/rsecret"
	expect_ok "apply N4 (replication) with hmac_key_id 7" "$T2" apply "$TMP/repl_hmac.json" --node N4
	jcheck "N4: its Replication SID requires key 7" "$T2" '
	[(r["sid"], r["hmac"], r["hmac_key_id"]) for r in j["replication"]] == [("fd00:4::100", "require", 7)]'
	expect_ok "apply N6 (replication) with hmac_key_id 7" "$H2" apply "$TMP/repl_hmac.json" --node N6
	jcheck "N6: its own Replication SID does not verify; the template is signed with key 7" "$H2" '
	[(r["sid"], r["hmac"], r["hmac_key_id"]) for r in j["replication"]] == [("fd00:6::100", "ignore", None)]
	and j["encaps"][0]["hmac_key_id"] == 7'
	expect_ok "apply N4 without hmac_key_id" "$T2" apply "$F" --node N4
	jcheck "N4: the Replication SID is back to ignore" "$T2" '
	[(r["hmac"], r["hmac_key_id"]) for r in j["replication"]] == [("ignore", None)]'

	# validation of the variant: file, field, problem; nothing written
	bad_repl() { # DESC REGEX PYTHON-EDIT [NODE]
		$PY "$CHECKS" edit "$F" "$TMP/bad.json" "$3"
		expect_fail "$1" "$2" "$T2" apply "$TMP/bad.json" --node "${4:-N4}"
	}
	bad_repl "apply: sid together with replication" "bad.json: groups\[0\]\.sid: not used with replication" 'g["sid"] = "ff3e::4d54"'
	bad_repl "apply: edge_sids without replication" "groups\[0\]\.edge_sids: only with replication" 'del g["replication"]; g["sid"] = "ff3e::4d54"'
	bad_repl "apply: replication without edge_sids" "groups\[0\]\.edge_sids: missing" 'del g["edge_sids"]'
	bad_repl "apply: an edge without End.MT SID" "groups\[0\]\.edge_sids: missing N2 " 'del g["edge_sids"]["N2"]'
	bad_repl "apply: edge_sids for a non-edge" "groups\[0\]\.edge_sids\.N4: node N4 is not an edge" 'g["edge_sids"]["N4"] = "fd00:4::4d54"'
	bad_repl "apply: Replication SID on an edge" "groups\[0\]\.replication\.N1: node N1 is an edge of group g1" 'g["replication"]["N1"] = "fd00:1::100"'
	bad_repl "apply: unknown node in replication" "groups\[0\]\.replication\.N9: no node named 'N9'" 'g["replication"]["N9"] = "fd00:9::100"'
	bad_repl "apply: multicast Replication SID" "groups\[0\]\.replication\.N4: ff3e::1 is a multicast address" 'g["replication"]["N4"] = "ff3e::1"'
	bad_repl "apply: bad SID address" "groups\[0\]\.edge_sids\.N1: must be an IPv6 address" 'g["edge_sids"]["N1"] = "fd00::zz"'
	bad_repl "apply: one SID for two nodes" "groups\[0\]\.replication\.N5: fd00:4::100 is also N4's Replication SID" 'g["replication"]["N5"] = "fd00:4::100"'
	bad_repl "apply: head with two children and no Replication SID" "the head N6 sends to 2 downstream SIDs but has no Replication SID" 'del g["replication"]["N6"]'
	bad_repl "apply: Replication SID off the tree" "replication\.N5: node N5 is not on the tree" 'g["receivers"] = [r for r in g["receivers"] if r["edge"] != "N3"]; del g["edge_sids"]["N3"]'
	jcheck "refused applies wrote nothing on N4" "$T2" '[(r["sid"], r["n"], r["to"]) for r in j["replication"]] == [("fd00:4::100", 2, ["fd00:1::4d54", "fd00:2::4d54"])]'
	# A head with one child needs no Replication SID: its DA is the child's.
	$PY "$CHECKS" one_child "$F" "$TMP/one.json"
	r=$(X "$H2" --json apply "$TMP/one.json" --node N6 2>"$TMP/err" | $PY "$CHECKS" apply_result replication changed)
	[ "$r" = "0 6" ] && ok "apply: a head with one child sends to its child's Replication SID (group, template, 4 origins)" || bad "head with one child: '$r' $(cat "$TMP/err")"
	jcheck "g2 template DA = N4's Replication SID" "$H2" '
	[e["outer_dst"] for e in j["encaps"] if e["dqpn"] == 4661] == ["fd00:4::100"] and len(j["replication"]) == 1'
	# A loop with an entry made outside the file is refused before any write.
	expect_fail "repl add refuses a SID that a local entry copies to" "fd00:1::4d54 is a downstream SID of this node's Replication SID fd00:4::100" "$T2" repl add fd00:1::4d54 --to fd00:9::1
	expect_ok "repl del of the applied entry" "$T2" repl del fd00:4::100
	expect_ok "repl add: N1's End.MT SID as a local Replication SID of N4 (a loop for the file)" "$T2" repl add fd00:1::4d54 --to fd00:9::1
	X "$T2" group add --proxy fd00:ff::1 --dqpn 4660 --start-psn 5 --branch-by ifindex >/dev/null || bad "group add on N4"
	expect_fail "apply refuses a loop with an existing Replication SID" "repl.json: node N4: downstream SID fd00:1::4d54 is a Replication SID of this node" "$T2" apply "$F" --node N4
	jcheck "loop refusal wrote nothing" "$T2" 'G[("fd00:ff::1", 4660)]["start_psn"] == 5 and [r["sid"] for r in j["replication"]] == ["fd00:1::4d54"]'
	expect_ok "repl del of the looping entry" "$T2" repl del fd00:1::4d54
	detach_all "$H2" "$T2" "$G2"
	nothing_left "$H2" n6-s1 n6-n4 n6-n5
	nothing_left "$T2" n4-n6 n4-n1 n4-n2
	nothing_left "$G2" n1-n4 n1-r1 n1-r2
	for ns in "$H2" "$T2" "$G2"; do everything_gone "$ns"; done
}

case_receivers() {
	########## receivers: one QP per address per group, one PSN offset ##########
	# At an edge a response names its branch by source address only (its
	# DestQPN is the Designated QPN, not the responder's QPN): two QPs at one
	# address in one group are refused, by apply (before anything is written)
	# and by receiver add.  A receiver's PSN offset has one truth: receiver add
	# sets the branch and the translation together, branch add cannot
	# contradict it, apply leaves no translation the file does not give.
	RE=${ID}e   # N1, edge
	mkns "$RE"
	fig1_json "$TMP/fig1.json"
	veth "$RE" n1-n4 z1n4; veth "$RE" n1-r1 z1r1; veth "$RE" n1-r2 z1r2
	edit_json() { # OUT PYTHON-EDIT: the Figure 1 file, edited (g = groups[0])
		$PY "$CHECKS" edit "$TMP/fig1.json" "$1" "$2"
	}
	# (Equal offsets: the old code merged them silently into one branch and
	# skipped the second QP's translation.)
	edit_json "$TMP/twoqp.json" '
	g["receivers"][1]["addr"] = g["receivers"][0]["addr"]
	g["receivers"][0]["psn_offset"] = g["receivers"][1]["psn_offset"] = 1000'
	expect_fail "apply: two QPs at one address at one edge refused" \
		"twoqp.json: groups\[0\]\.receivers\[1\]\.addr: group g1 lists two QPs at fd00:11::2: R1 \(qpn 256, receivers\[0\]\) and R2 \(qpn 257\); responses carry no responder QPN \(their DestQPN is the Designated QPN\), so a node has one branch per receiver address" \
		"$RE" apply "$TMP/twoqp.json" --node N1
	[ -e "$(pin_of "$RE")" ] && bad "refused apply created the pin root" ||
		ok "refused apply wrote nothing: not even the pin root"
	# The same address in two groups (another QP of the host) is fine.
	edit_json "$TMP/twogrp.json" '
	h = copy.deepcopy(g); h["name"] = "g2"; h["dqpn"] = 4661
	h["receivers"] = [dict(g["receivers"][0], name="R1", qpn=300, psn_offset=77)]
	j["groups"].append(h)'
	expect_ok "apply: the same receiver address in two groups accepted" "$RE" apply "$TMP/twogrp.json" --node N1
	jcheck "both groups branch on the address, each with its own QP and offset" "$RE" '
	[(b["addr"], b["psn_offset"]) for b in G[("fd00:ff::1", 4661)]["branches"]] == [("fd00:11::2", 77)]
	and [(b["addr"], b["psn_offset"]) for b in G[("fd00:ff::1", 4660)]["branches"]] == [("fd00:11::2", 0), ("fd00:12::2", 1000)]
	and sorted((r["addr"], r["qpn"], r["psn_offset"], r["dqpn"]) for r in j["receivers"]) == [("fd00:11::2", 256, 0, 4660), ("fd00:11::2", 300, 77, 4661), ("fd00:12::2", 257, 1000, 4660)]'
	# One QP in two groups would give it two PSN offsets (endmt_rcv_xlate is
	# keyed by the QP): refused, nothing written.
	edit_json "$TMP/oneqp2grp.json" '
	h = copy.deepcopy(g); h["name"] = "g2"; h["dqpn"] = 4661
	h["receivers"] = [dict(g["receivers"][0], psn_offset=7)]
	j["groups"].append(h)'
	expect_fail "apply: one QP in two groups (two PSN offsets) refused" \
		"oneqp2grp.json: groups\[1\]\.receivers\[0\]: fd00:11::2/256 is also groups\[0\]\.receivers\[0\] \(R1 of group g1\); an RC QP has one peer, so it belongs to one group \(and has one PSN offset\)" \
		"$RE" apply "$TMP/oneqp2grp.json" --node N1
	jcheck "refused apply left the groups as they were" "$RE" '
	[(b["addr"], b["psn_offset"]) for b in G[("fd00:ff::1", 4661)]["branches"]] == [("fd00:11::2", 77)] and len(j["receivers"]) == 3'
	# A receiver's offset set to 0 in the file: its translation goes too
	# (else the forward path adds 1000 that the branch no longer subtracts);
	# a QP the file replaces (new QPN at the address) loses record and translation.
	edit_json "$TMP/nooff.json" '
	g["receivers"][1]["psn_offset"] = 0
	h = copy.deepcopy(g); h["name"] = "g2"; h["dqpn"] = 4661
	h["receivers"] = [dict(g["receivers"][0], name="R1", qpn=301)]
	j["groups"].append(h)'
	expect_ok "apply: R2 without psn_offset, g2 with another QP at R1's address" "$RE" apply "$TMP/nooff.json" --node N1
	jcheck "R2: branch and forward path both at offset 0; g2: only the new QP" "$RE" '
	[(b["addr"], b["psn_offset"]) for b in G[("fd00:ff::1", 4660)]["branches"]] == [("fd00:11::2", 0), ("fd00:12::2", 0)]
	and [(b["addr"], b["psn_offset"]) for b in G[("fd00:ff::1", 4661)]["branches"]] == [("fd00:11::2", 0)]
	and sorted((r["addr"], r["qpn"], r["psn_offset"], r["dqpn"]) for r in j["receivers"]) == [("fd00:11::2", 256, 0, 4660), ("fd00:11::2", 301, 0, 4661), ("fd00:12::2", 257, 0, 4660)]'
	# What apply recorded binds the single commands too.
	expect_fail "receiver add: a second QP at an address apply gave the group refused" \
		"group fd00:ff::1/4660 already has receiver fd00:11::2 with QPN 256, and QPN 999 at the same address would share its branch" \
		"$RE" receiver add --proxy $P --dqpn 4660 --addr fd00:11::2 --qpn 999
	expect_fail "branch add: a PSN offset contradicting an applied receiver refused" \
		"contradicts receiver fd00:12::2/257, whose PSN offset is 0" \
		"$RE" branch add --proxy $P --dqpn 4660 --addr fd00:12::2 --psn-offset 3
	for d in n1-n4 n1-r1 n1-r2; do X "$RE" detach "$d" >/dev/null || bad "detach $RE/$d"; done
	nothing_left "$RE" n1-n4 n1-r1 n1-r2
	everything_gone "$RE"
}

case_receivers_by_hand() {
	RE=${ID}e   # N1, edge
	mkns "$RE"

	# The same by hand at an edge (no devices needed, but a pin root: the
	# first attach, apply or hmac set makes it): receiver add names the
	# group; a second QP at the address in that group is refused.
	veth "$RE" cz0 cy0
	must X "$RE" attach cz0 --role edge --mode skb
	expect_ok "group add (edge) 9" "$RE" group add --proxy $P --dqpn 9
	expect_ok "group add (edge) 10" "$RE" group add --proxy $P --dqpn 10
	expect_ok "receiver add creates the branch" "$RE" receiver add --proxy $P --dqpn 9 --addr fd00:21::2 --qpn 256
	expect_fail "receiver add: a second QP at the address in the same group refused" \
		"receiver add: group fd00:ff::1/9 already has receiver fd00:21::2 with QPN 256, and QPN 257 at the same address would share its branch: responses carry no responder QPN \(their DestQPN is the Designated QPN\), so an edge keeps one branch per receiver address" \
		"$RE" receiver add --proxy $P --dqpn 9 --addr fd00:21::2 --qpn 257 --psn-offset 3
	expect_fail "receiver add: QPN 0xffffff refused" "receiver add: fd00:21::3 qpn 16777215: QPN 0, 1 and 0xffffff are no RC receiver QPs" \
		"$RE" receiver add --proxy $P --dqpn 9 --addr fd00:21::3 --qpn 0xffffff
	expect_fail "receiver add: link-local refused" "receiver add: fe80::2 qpn 258: a link-local address is ambiguous without a device" \
		"$RE" receiver add --proxy $P --dqpn 9 --addr fe80::2 --qpn 258
	expect_fail "receiver add: the Proxy Address refused" "receiver add: fd00:ff::1 qpn 258: the group's Proxy Address" \
		"$RE" receiver add --proxy $P --dqpn 9 --addr $P --qpn 258
	expect_ok "receiver add: the same address in another group accepted" "$RE" receiver add --proxy $P --dqpn 10 --addr fd00:21::2 --qpn 300 --psn-offset 40
	expect_fail "receiver add: one QP in two groups refused" \
		"receiver add: fd00:21::2/256 is a receiver of group fd00:ff::1/9 \(an RC QP has one peer, so one group\)" \
		"$RE" receiver add --proxy $P --dqpn 10 --addr fd00:21::2 --qpn 256
	expect_ok "group add (transit) 12" "$RE" group add --proxy $P --dqpn 12 --branch-by ifindex
	expect_fail "receiver add: a group branching by interface refused" "group fd00:ff::1/12 branches by interface" \
		"$RE" receiver add --proxy $P --dqpn 12 --addr fd00:21::2 --qpn 256
	expect_fail "receiver add: unknown group" "receiver add: group fd00:ff::1/11: no such group" \
		"$RE" receiver add --proxy $P --dqpn 11 --addr fd00:21::2 --qpn 256
	jcheck "refusals changed nothing: one branch and one QP per group at the address" "$RE" '
	[(b["addr"], b["psn_offset"]) for b in G[("fd00:ff::1", 9)]["branches"]] == [("fd00:21::2", 0)]
	and [(b["addr"], b["psn_offset"]) for b in G[("fd00:ff::1", 10)]["branches"]] == [("fd00:21::2", 40)]
	and sorted((r["qpn"], r["dqpn"], r["psn_offset"]) for r in j["receivers"] if r["addr"] == "fd00:21::2") == [(256, 9, 0), (300, 10, 40)]'
	# One PSN offset: receiver add sets branch and translation; branch add
	# takes the receiver's and refuses another.
	expect_ok "receiver add --psn-offset 1000 sets branch and translation" "$RE" receiver add --proxy $P --dqpn 9 --addr fd00:21::2 --qpn 256 --psn-offset 1000
	expect_fail "branch add: a PSN offset contradicting the receiver's translation refused" \
		"branch add: --psn-offset 5 for fd00:21::2 in group fd00:ff::1/9 contradicts receiver fd00:21::2/256, whose PSN offset is 1000 .*'endmt receiver add', which sets both" \
		"$RE" branch add --proxy $P --dqpn 9 --addr fd00:21::2 --psn-offset 5
	expect_ok "branch add without --psn-offset takes the receiver's" "$RE" branch add --proxy $P --dqpn 9 --addr fd00:21::2
	jcheck "branch and translation agree: 1000" "$RE" '
	[(b["addr"], b["psn_offset"]) for b in G[("fd00:ff::1", 9)]["branches"]] == [("fd00:21::2", 1000)]
	and [r["psn_offset"] for r in j["receivers"] if (r["qpn"], r["dqpn"]) == (256, 9)] == [1000]'
	expect_ok "receiver add --psn-offset 0: no translation left" "$RE" receiver add --proxy $P --dqpn 9 --addr fd00:21::2 --qpn 256
	jcheck "branch 0, receiver 0" "$RE" '
	[(b["addr"], b["psn_offset"]) for b in G[("fd00:ff::1", 9)]["branches"]] == [("fd00:21::2", 0)]
	and [r["psn_offset"] for r in j["receivers"] if (r["qpn"], r["dqpn"]) == (256, 9)] == [0]'
	expect_ok "receiver del" "$RE" receiver del --addr fd00:21::2 --qpn 256
	jcheck "receiver del removed its branch and record, not the other group's" "$RE" '
	G[("fd00:ff::1", 9)]["branches"] == [] and [(r["qpn"], r["dqpn"]) for r in j["receivers"] if r["addr"] == "fd00:21::2"] == [(300, 10)]'
	expect_ok "receiver add of another QP at the address once the first is gone" "$RE" receiver add --proxy $P --dqpn 9 --addr fd00:21::2 --qpn 257
	expect_fail "receiver del: unknown receiver" "receiver del: fd00:21::2/999: no such receiver" "$RE" receiver del --addr fd00:21::2 --qpn 999
}

# CLI_CASES (read when TEST is not given): the cases a caller chose, said
# aloud; vmtest/run.sh picks the kernel-facing ones for its guest.
# SRH HMAC keys by hand (secret from stdin and a file, never printed) and
# through apply: the head's template gets an HMAC TLV (checked against
# hmac/hashlib), the edge's SID requires the key; a node without the key
# refuses the file
case_hmac() {
	H=${ID}h   # N6, head
	T=${ID}t   # N4, transit
	G=${ID}g   # N1, edge
	setup_fig1 "$H" "$T" "$G" x
	local secret=hmac-secret-$$ out
	printf '%s\n' "$secret" >"$TMP/secret"
	if printf '%s' "$secret" | X "$H" hmac set --key-id 7 >"$TMP/out" 2>"$TMP/err"; then ok "hmac set --key-id 7, secret on stdin"; else bad "hmac set stdin: $(cat "$TMP/err")"; fi
	expect_ok "hmac set --key-id 9 --mode extended --secret-file" "$H" hmac set --key-id 9 --mode extended --secret-file "$TMP/secret"
	out=$(X "$H" hmac show; X "$H" --json hmac show; X "$H" show; X "$H" --json show --all)
	if grep -q "$secret" <<<"$out"; then bad "the secret shows up in show"; else ok "no show prints the secret"; fi
	jcheck "show --json: hmac_keys lists IDs, algorithm and mode, no pads" "$H" '
	j["hmac_keys"] == [{"key_id": 7, "algorithm": "hmac-sha256", "mode": "rfc8754"},
	                   {"key_id": 9, "algorithm": "hmac-sha256", "mode": "extended"}]'
	if X "$H" hmac show | grep -q "key-id 9  hmac-sha256  mode extended"; then ok "hmac show lists key 9"; else bad "hmac show: $(X "$H" hmac show)"; fi
	expect_fail "hmac set: empty secret refused" "hmac set: empty secret from stdin" "$H" hmac set --key-id 3 </dev/null
	printf '\n' >"$TMP/nl"
	expect_fail "hmac set: a lone newline is empty too" "hmac set: empty secret from" "$H" hmac set --key-id 3 --secret-file "$TMP/nl"
	expect_fail "hmac set: no such file" "hmac set: --secret-file $TMP/nosuch: No such file" "$H" hmac set --key-id 3 --secret-file "$TMP/nosuch"
	expect_fail "hmac set: key ID 0" "hmac set: --key-id 0: must be an integer 1\.\.4294967295" "$H" hmac set --key-id 0 --secret-file "$TMP/secret"
	expect_fail "hmac set: --secret on the command line does not exist" "unknown option '--secret'" "$H" hmac set --key-id 3 --secret x
	expect_ok "hmac del --key-id 9" "$H" hmac del --key-id 9
	expect_fail "hmac del: no such key" "hmac del: key 9: no such key" "$H" hmac del --key-id 9
	expect_fail "sid add: key with --hmac ignore" "key would not be checked" "$G" sid add fd00::9 --edge fd00:1::1 --hmac-key-id 7 --hmac ignore

	# apply: the group names key 7
	$PY "$CHECKS" edit "$F" "$TMP/hmac.json" 'g["hmac_key_id"] = 7'
	expect_fail "apply: the edge has no key 7" "hmac\.json: groups g1: hmac_key_id 7: no such key on this node" "$G" apply "$TMP/hmac.json" --node N1
	jcheck "N1: nothing written by the refused apply" "$G" 'j["sids"] == [] and j["groups"] == []'
	expect_ok "apply N6 (head) with hmac_key_id 7" "$H" apply "$TMP/hmac.json" --node N6
	jcheck "N6: the template ends in an HMAC TLV of key 7, hmac/hashlib over the RFC 8754 text, H flag" "$H" '
	(e := j["encaps"][0])["hmac_key_id"] == 7 and template_hmac_ok(e, "'"$secret"'")
	and [t["edge"] for t in e["tlvs"]] == ["fd00:1::1", "fd00:2::1", "fd00:3::1"]'
	r=$(apply_json "$H" N6 "$TMP/hmac.json")
	[ "$r" = "0 0" ] && ok "apply N6 with HMAC again changes nothing" || bad "second apply N6: '$r'"
	must X "$G" hmac set --key-id 7 --secret-file "$TMP/secret"
	expect_ok "apply N1 (edge) with hmac_key_id 7" "$G" apply "$TMP/hmac.json" --node N1
	jcheck "N1: the SID requires key 7" "$G" '
	[(s["sid"], s["hmac"], s["hmac_key_id"]) for s in j["sids"]] == [("ff3e::4d54", "require", 7)]'
	expect_ok "apply N1 without hmac_key_id" "$G" apply "$F" --node N1
	jcheck "N1: the SID ignores HMAC again" "$G" '
	[(s["hmac"], s["hmac_key_id"]) for s in j["sids"]] == [("ignore", None)]'
	bad_key() { # DESC REGEX PYTHON-EDIT
		$PY "$CHECKS" edit "$F" "$TMP/bad.json" "$3"
		expect_fail "$1" "$2" "$G" apply "$TMP/bad.json" --node N1
	}
	bad_key "apply: hmac_key_id 0" "bad\.json: groups\[0\]\.hmac_key_id: must be 1\.\.4294967295" 'g["hmac_key_id"] = 0'
	bad_key "apply: hmac_key_id not an integer" "bad\.json: groups\[0\]\.hmac_key_id: expected an integer, got a string" 'g["hmac_key_id"] = "7"'
	# a template by hand, signed the same way
	expect_ok "encap set --hmac-key-id 7" "$H" encap set --proxy $P --dqpn 99 --src fd00:6::1 \
		--sid ff3e::4d54 --edge fd00:1::1=fd00:11::2/256 --hmac-key-id 7
	jcheck "encap set: the template ends in key 7's HMAC TLV, hmac/hashlib agrees" "$H" '
	(e := [e for e in j["encaps"] if e["dqpn"] == 99][0])["hmac_key_id"] == 7 and template_hmac_ok(e, "'"$secret"'")'
	expect_fail "encap set: --hmac-key-id of no key" "encap set: --hmac-key-id 8: no such key" "$H" encap set \
		--proxy $P --dqpn 98 --src fd00:6::1 --sid ff3e::4d54 --edge fd00:1::1=fd00:11::2/256 --hmac-key-id 8
	detach_all "$H" "$T" "$G"
}

# A pin root belongs to the network namespace that made it: detach, show and
# configuration from another namespace are refused and change nothing; a pin
# root on the private bpffs of `ip netns exec` is refused by attach.
case_netns() {
	A=${ID}a B=${ID}b
	mkns "$A"
	mkns "$B"
	veth "$A" ca0 cb0
	veth "$B" ca0 cb0
	must X "$A" attach ca0 --role transit --mode skb
	local PA
	PA=$(pin_of "$A")
	jcheck "show: the record names the attach's network namespace" "$A" \
		"D['ca0']['netns'] == $(stat -L -c %i /run/netns/"$A")"
	other() { nsenter --net=/run/netns/"$B" "$E" --pin-root "$PA" "$@"; }
	# expect_fail runs in the namespace of its pin root; these run in B on A's
	for c in "detach ca0" "show" "group add --proxy $P --dqpn 9" "sid del ff3e::1" "hmac show"; do
		# shellcheck disable=SC2086
		other $c >"$TMP/out" 2>"$TMP/err"
		rc=$?
		if [ $rc -ne 0 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
			grep -q "belongs to network namespace .*/run/netns/$A.*this command runs in .*/run/netns/$B.*nsenter --net=/run/netns/$A" "$TMP/err"; then
			ok "'$c' from another namespace refused ($(cat "$TMP/err"))"
		else
			bad "'$c' from another namespace: exit $rc: $(cat "$TMP/out" "$TMP/err")"
		fi
	done
	if ip -n "$A" -d link show ca0 | grep -q prog/xdp && tc -n "$A" qdisc show dev ca0 | grep -q clsact &&
		[ -e "$PA/dev/ca0/state" ]; then
		ok "the refused detach left ca0's XDP, TC and record in place"
	else
		bad "the refused detach removed something from ca0"
	fi
	jcheck "the refused group add wrote nothing" "$A" '(("fd00:ff::1", 9) not in G) and D["ca0"]["present"]'
	# A record of another namespace (its pin root's owner record lost, as
	# in a pin root of an older endmt) is still refused by the record's own
	rm "$PA/owner"
	other detach ca0 >"$TMP/out" 2>"$TMP/err"
	if [ $? -ne 0 ] && grep -q "detach: ca0 was attached in another network namespace" "$TMP/err" &&
		ip -n "$A" -d link show ca0 | grep -q prog/xdp; then
		ok "detach refused by the device record's namespace ($(cat "$TMP/err"))"
	else
		bad "detach with the record of another namespace: $(cat "$TMP/out" "$TMP/err")"
	fi
	expect_ok "detach in the right namespace" "$A" detach ca0
	nothing_left "$A" ca0

	# ip netns exec: a private /sys, so a bpffs there dies with the command
	ip netns exec "$B" "$E" --pin-root "$(pin_of "$B")" attach ca0 --role transit --mode skb \
		>"$TMP/out" 2>"$TMP/err"
	if [ $? -ne 0 ] && grep -q "private bpffs.*ip netns exec $B.*nsenter --net=/run/netns/$B" "$TMP/err"; then
		ok "attach under ip netns exec refused ($(cat "$TMP/err"))"
	else
		bad "attach under ip netns exec: $(cat "$TMP/out" "$TMP/err")"
	fi
	nothing_left "$B" ca0
	ip netns exec "$B" "$E" show >"$TMP/out" 2>"$TMP/err"
	if [ $? -ne 0 ] && grep -q "show: .*private bpffs" "$TMP/err"; then
		ok "show under ip netns exec refused"
	else
		bad "show under ip netns exec: $(cat "$TMP/out" "$TMP/err")"
	fi
}

# A missing pin root is an error naming it, for show, detach, hmac show, the
# agent and every configuration command (attach and apply create it).
case_missing_root() {
	A=${ID}a
	mkns "$A"
	local c
	for c in "show" "detach ca0" "hmac show" "agent --windows 1" "group add --proxy $P --dqpn 1" \
		"group del --proxy $P --dqpn 1" "branch add --proxy $P --dqpn 1 --addr fd00::2" \
		"branch del --proxy $P --dqpn 1 --addr fd00::2" "sid add ff3e::4d54 --edge fd00:1::1" \
		"sid del ff3e::4d54" "receiver add --proxy $P --dqpn 1 --addr fd00::2 --qpn 5" \
		"receiver del --addr fd00::2 --qpn 5" "encap del --proxy $P --dqpn 1" \
		"repl del fd00:9::1" "hmac del --key-id 1"; do
		# shellcheck disable=SC2086
		expect_fail "$c on a missing pin root" "pin root $(pin_of "$A") does not exist" "$A" $c
	done
	[ -e "$(pin_of "$A")" ] && bad "a command created the pin root" || ok "no pin root created"
}

# One agent per pin root; its log lines carry timestamps; after a restart a
# branch that never answered stays stale (no "recovered").
case_agent_safe() {
	A=${ID}a
	setup_attach "$A"
	PIN_A=$(pin_of "$A")
	must X "$A" group add --proxy $P --dqpn 23
	nsenter --net=/run/netns/"$A" "$E" --pin-root "$PIN_A" agent --window-us 1000 >"$TMP/a1.out" 2>"$TMP/a1.err" &
	local apid=$!
	APIDS+=("$apid")
	sleep 0.5
	expect_fail "a second agent on the pin root" "another agent \\(pid $apid\\) runs on pin root $PIN_A" \
		"$A" agent --windows 1
	kill $apid
	wait $apid
	expect_ok "an agent after the first stopped" "$A" agent --windows 1

	EPOCH=$(nsenter --net=/run/netns/"$A" bpftool -j map lookup pinned "$PIN_A/endmt_cnp_epoch" key 0 0 0 0 |
		$PY "$CHECKS" map_value) || bad "read endmt_cnp_epoch"
	export EPOCH
	# branch 1 acknowledged 100; branch 2 never answered (last_seen 0), behind
	# shellcheck disable=SC2046
	nsenter --net=/run/netns/"$A" bpftool map update pinned "$PIN_A/endmt_groups" \
		$($PY "$CHECKS" group_value 23 "fd00:23::1,100,5,0,1" "fd00:23::2,16777215,1,0,0") ||
		bad "bpftool map update"
	X "$A" agent --windows 30 --window-us 1000 --liveness-ms 5 >"$TMP/out" 2>"$TMP/err"
	if grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z endmt agent: group fd00:ff::1/23 branch fd00:23::2 silent' "$TMP/err"; then
		ok "agent log line with an ISO 8601 UTC timestamp ($(head -1 "$TMP/err"))"
	else
		bad "agent log lines: $(cat "$TMP/err")"
	fi
	jcheck "the never-answered branch is stale" "$A" '[b["stale"] for b in G[("fd00:ff::1", 23)]["branches"]] == [False, True]'
	X "$A" agent --windows 30 --window-us 1000 --liveness-ms 5 >"$TMP/out" 2>"$TMP/err"
	if grep -q "recovered" "$TMP/err"; then
		bad "a restarted agent: $(grep recovered "$TMP/err")"
	else
		ok "a restarted agent logs no recovery for a branch that never answered"
	fi
	jcheck "still stale after the restart" "$A" '[b["stale"] for b in G[("fd00:ff::1", 23)]["branches"]] == [False, True]'
	detach_all "$A"
}

# The tree file is validated strictly, before anything is touched: unknown
# keys with their JSON path, type errors naming the type expected, and
# contradictions; the telemetry keys are accepted.
case_tree_strict() {
	H=${ID}h
	T=${ID}t   # N4, transit
	G=${ID}g
	setup_fig1 "$H" "$T" "$G" x
	tree_bad() { # DESC REGEX PYTHON-EDIT
		$PY "$CHECKS" edit "$F" "$TMP/bad.json" "$3"
		expect_fail "$1" "$2" "$T" apply "$TMP/bad.json" --node N4
	}
	tree_good() { # DESC PYTHON-EDIT
		$PY "$CHECKS" edit "$F" "$TMP/good.json" "$2"
		expect_ok "$1" "$T" apply "$TMP/good.json" --node N4 --dry-run
	}
	tree_bad "a typo in a receiver key" "bad.json: groups\[0\]\.receivers\[2\]\.psn_ofset: unknown key$" \
		'g["receivers"][2]["psn_ofset"] = 3'
	tree_bad "an unknown top-level key" "bad.json: top level\.tlv_typ: unknown key$" 'j["tlv_typ"] = 124'
	tree_bad "an unknown node key" "bad.json: nodes\.N4\.parnt: unknown key$" 'j["nodes"]["N4"]["parnt"] = "N6"'
	tree_bad "an unknown source key" "bad.json: groups\[0\]\.source\.qp: unknown key$" 'g["source"]["qp"] = 17'
	tree_bad "dqpn as a string" "bad.json: groups\[0\]\.dqpn: expected an integer, got a string$" 'g["dqpn"] = "4660"'
	tree_bad "qpn as a real number" "bad.json: groups\[0\]\.receivers\[0\]\.qpn: expected an integer, got a real number$" \
		'g["receivers"][0]["qpn"] = 256.0'
	tree_bad "a device name as a number" "bad.json: nodes\.N4\.links\.N1: expected a string, got an integer$" \
		'j["nodes"]["N4"]["links"]["N1"] = 3'
	tree_bad "source as an array" "bad.json: groups\[0\]\.source: expected an object, got an array$" 'g["source"] = []'
	tree_bad "parent as a number" "bad.json: nodes\.N4\.parent: expected a string or null, got an integer$" \
		'j["nodes"]["N4"]["parent"] = 6'
	tree_good "telemetry keys accepted" '
	j["ioam_namespace"] = 7
	j["nodes"]["N4"]["ioam_id"] = 0x4444
	g["telemetry"] = {"sample": "off", "slots": 4}'
	# N1 has no ioam_id and is the 4th node: its id is 4
	tree_bad "two nodes with one ioam_id" "bad.json: nodes\.N1\.ioam_id: 4 is also node N4's" \
		'j["nodes"]["N4"]["ioam_id"] = 4'
	tree_good "telemetry sample 1 in 2^3" 'g["telemetry"] = {"sample": 3}'
	tree_bad "telemetry sample out of range" "bad.json: groups\[0\]\.telemetry\.sample: must be 0\.\.16" \
		'g["telemetry"] = {"sample": 17}'
	tree_bad "telemetry sample not off" "bad.json: groups\[0\]\.telemetry\.sample: must be \"off\" or 0\.\.16" \
		'g["telemetry"] = {"sample": "on"}'
	tree_bad "telemetry slots out of range" "bad.json: groups\[0\]\.telemetry\.slots: must be 1\.\.8" \
		'g["telemetry"] = {"slots": 9}'
	tree_bad "a telemetry typo" "bad.json: groups\[0\]\.telemetry\.slot: unknown key" 'g["telemetry"] = {"slot": 2}'
	tree_bad "ioam_id 0" "bad.json: nodes\.N4\.ioam_id: must be 1\.\.16777215" 'j["nodes"]["N4"]["ioam_id"] = 0'
	tree_bad "ioam_namespace too big" "bad.json: top level\.ioam_namespace: must be 0\.\.65535" 'j["ioam_namespace"] = 65536'
	# (one QP in two groups, two PSN offsets: case receivers)
	tree_bad "a link another node needs, refused on this one too" \
		"bad.json: nodes\.N1\.links\.R2: missing \(edge of g1, toward receiver R2\)" 'del j["nodes"]["N1"]["links"]["R2"]'
	tree_bad "a child's link to its parent" \
		"bad.json: nodes\.N3\.links\.N5: missing \(link to parent N5, on the tree of group g1\)" 'del j["nodes"]["N3"]["links"]["N5"]'
	tree_bad "a node without an address for its responses" "bad.json: nodes\.N5\.addr: missing \(the node's address" \
		'del j["nodes"]["N5"]["addr"]'
	tree_bad "a node address that cannot source responses" "bad.json: nodes\.N5\.addr: :: cannot be the source address" \
		'j["nodes"]["N5"]["addr"] = "::"'
	[ -e "$(pin_of "$T")" ] && bad "a refused tree wrote something" || ok "no refused tree touched the node (no pin root)"
}

# apply --dry-run prints the node's plan and changes nothing
case_dry_run() {
	H=${ID}h
	T=${ID}t
	G=${ID}g   # N1, edge
	setup_fig1 "$H" "$T" "$G" x
	expect_ok "apply --dry-run on the head" "$H" apply "$F" --node N6 --dry-run
	if grep -q "node N6: dry run, nothing changed" "$TMP/out" && grep -Eq "^  n6-s1 +head +native" "$TMP/out" &&
		grep -q "^  fd00:ff::1/4660 head branch by ifindex" "$TMP/out" && grep -q "^templates (1)" "$TMP/out"; then
		ok "the head's plan: devices, group, template"
	else
		bad "dry run output: $(cat "$TMP/out")"
	fi
	X "$G" --json apply "$F" --node N1 --dry-run >"$TMP/plan.json" 2>"$TMP/err" || bad "apply --json --dry-run: $(cat "$TMP/err")"
	if $PY - "$TMP/plan.json" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["dry_run"] and j["node"] == "N1"
assert sorted((a["dev"], a["role"]) for a in j["attach"]) == [("n1-n4", "edge"), ("n1-r1", "edge"), ("n1-r2", "edge")]
g = j["groups"][0]
assert (g["branch_by"], g["resp_saddr"]) == ("addr", "fd00:1::1")
assert [(b["addr"], b["psn_offset"]) for b in g["branches"]] == [("fd00:11::2", 0), ("fd00:12::2", 1000)]
assert [(s["sid"], s["in_dev"]) for s in j["sids"]] == [("ff3e::4d54", "n1-n4")]
assert [(r["addr"], r["qpn"], r.get("psn_offset")) for r in j["receivers"]] == [("fd00:11::2", 256, None), ("fd00:12::2", 257, 1000)]
PYEOF
	then
		ok "the edge's plan as JSON: devices, branches, SID, receivers"
	else
		bad "dry run JSON: $(cat "$TMP/plan.json")"
	fi
	local ns
	for ns in "$H" "$G"; do
		[ -e "$(pin_of "$ns")" ] && bad "$ns: dry run made a pin root" || ok "$ns: dry run made no pin root"
		ip -n "$ns" -d link show | grep -q prog/xdp && bad "$ns: dry run attached XDP" || ok "$ns: nothing attached"
	done
	# after a real apply, a dry run still touches nothing
	must X "$G" apply "$F" --node N1
	X "$G" show --json >"$TMP/before.json"
	expect_ok "dry run on an applied node" "$G" apply "$F" --node N1 --dry-run
	X "$G" show --json >"$TMP/after.json"
	# the configuration, not the counters (a neighbour solicitation
	# arriving in between moves pass_not_ours)
	if $PY -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); [d.pop("counters",None) for d in (a,b)]; sys.exit(a!=b)' \
		"$TMP/before.json" "$TMP/after.json"; then
		ok "show unchanged by the dry run"
	else
		bad "the dry run changed show: $(diff "$TMP/before.json" "$TMP/after.json" | head -5)"
	fi
	detach_all "$G"
}

if [ -z "${TEST:-}" ] && [ -n "${CLI_CASES:-}" ]; then
	echo "test_cli: only CLI_CASES: $CLI_CASES"
	TEST=$CLI_CASES
fi
run_cases help attach config repl privilege agent detach stale_record apply apply_errors \
	apply_rollback apply_repl receivers receivers_by_hand hmac netns missing_root agent_safe \
	tree_strict dry_run
