#!/usr/bin/env bash
# The edge's XDP fan-out (include/endmt/fanout.h, docs/DECISIONS.md "XDP
# fan-out") on real veths: one edge E (native XDP on d0, a strict End.MT
# SID, one group with receivers R1 and R2 on links e1 and e2, R2 with a PSN
# offset and a RETH translation), the agent running; End.MT packets made by
# hand from S (test/py/forge_roce.py), copies captured at the receivers
# (tcpdump) and checked with the zlib ICRC oracle (test/py/endmt_oracle.py).
#   same_bytes            the XDP path's copies equal the TC path's octet for
#                         octet (`sid add --fanout tc`), ICRC, PSN and RETH
#                         right; each path says so in its counters
#   csum_tc               packets with a real UDP checksum: the TC path
#   no_napi               R2's end without NAPI (GRO off): its link takes no
#                         XDP frames, the packets take the TC path and both
#                         receivers get their copies; GRO on: the XDP path
#   napi_off_live         R2's end drops NAPI while the XDP path runs: the
#                         agent's 10 ms check of the slots' devices, no loss
#   unresolved_neighbour  R2 not yet resolved: TC (slow path); once it is,
#                         the agent's refresh puts the packets on the XDP path
#   agent_stops           SIGTERM: the TC path at once; SIGKILL: when the
#                         lease runs out (ENDMT_FANOUT_LEASE_NS)
#   subset                a TLV naming R1 only: R1's copy only, to its slot
#                         alone; R1 and R2 of three: R3's slot skips its
#                         clone; with a stranger: the TC path
#   receiver_removed      `receiver del` R2: no copy for R2 from the next
#                         packet on, before the agent's refresh
#   route_moves           R2's address moves behind e3: the copies follow
#                         within a refresh, none goes out of e2 after
#   generic_mode          the edge in generic XDP: never the XDP fan-out
#   mtu                   a copy longer than its egress MTU: the TC path
#   kernel_features       with the netlink family "netdev" (Linux 6.3+) the
#                         slots become valid; without it (Debian's 6.1 in the
#                         vmtest guest) the agent says so, no slot is ever
#                         valid and every packet takes the TC path, copies right
# On a kernel without that family only generic_mode and kernel_features
# can say anything (no slot can be valid there): the others are left out,
# said aloud.
# Run as root: O=build-dir bash test/integration/test_fanout.sh
#              TEST="same_bytes" bash test/integration/test_fanout.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
PY=/usr/bin/python3
export PYTHONPATH=$PWD/test/py
TMP=$(mktemp -d /tmp/endmt-fanout.XXXXXX)
SUITE=test_fanout
E=$PWD/$O/endmt
. test/integration/lib.sh
[ -x "$E" ] || { echo "FAIL: $E not built (make O=$O all)" >&2; exit 1; }
for t in tcpdump ethtool; do
	command -v $t >/dev/null || { echo "FAIL: $t missing" >&2; exit 1; }
done
trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT

PROXY=fd00:99::1
DQPN=0x100
ID=fo$$

# topo [e3]: S --(s0/d0)-- E --(e1/r1)-- R1, --(e2/r2)-- R2 [, --(e3/r3)-- R3]
topo() {
	local i
	S=${ID}s EN=${ID}e
	mkns $S
	mkns $EN
	for i in 1 2 ${1:+3}; do mkns ${ID}r$i; done
	ip link add s0 netns $S type veth peer name d0 netns $EN || die "veth s0"
	ip -n $S link set s0 mtu 3000 up
	ip -n $EN link set d0 mtu 3000 up
	ip netns exec $EN sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n $EN addr add fd00:a::2/64 dev d0 nodad
	ip -n $S addr add fd00:a::1/64 dev s0 nodad
	for i in 1 2 ${1:+3}; do
		ip link add e$i netns $EN type veth peer name r$i netns ${ID}r$i || die "veth e$i"
		ip -n $EN link set e$i up
		ip -n ${ID}r$i link set r$i up
		ip -n $EN addr add fd00:$i::ff/64 dev e$i nodad
		ip -n ${ID}r$i addr add fd00:$i::1/64 dev r$i nodad
		# NAPI on the receiver's end: e$i takes XDP frames
		ip netns exec ${ID}r$i ethtool -K r$i gro on >/dev/null
	done
	SMAC=$(macof $S s0)
	DMAC=$(macof $EN d0)
}
macof() { ip -n "$1" -j link show "$2" | $PY -c 'import json,sys;print(json.load(sys.stdin)[0]["address"])'; }
neigh() { # i: E's permanent neighbour entry for R_i
	ip -n $EN neigh replace fd00:$1::1 lladdr "$(macof ${ID}r$1 r$1)" dev e$1 nud permanent
}

# edge [attach-mode]: the edge, its SID, the group, R1 and R2, the agent
edge() {
	must X $EN attach d0 --role edge --mode "${1:-native}"
	must X $EN sid add fd00:e::1 --edge fd00:e::1 --strict --from fd00:a::1/128 --in-dev d0
	must X $EN group add --proxy $PROXY --dqpn $DQPN
	must X $EN receiver add --proxy $PROXY --dqpn $DQPN --addr fd00:1::1 --qpn 0x11
	must X $EN receiver add --proxy $PROXY --dqpn $DQPN --addr fd00:2::1 --qpn 0x22 \
		--psn-offset 5 --va-delta 0x1000 --rkey 0x77
	agent_start
}
agent_start() {
	nsenter --net=/run/netns/$EN "$E" --pin-root "$(pin_of $EN)" -v agent \
		>>"$TMP/agent.log" 2>&1 &
	AGENT=$!
	APIDS+=($AGENT)
}
# slots_valid N: wait (up to 3 s) until N slots are valid
slots_valid() {
	local i n
	for i in $(seq 1 30); do
		n=$(nsenter --net=/run/netns/$EN bpftool -j map dump pinned \
			"$(pin_of $EN)/endmt_fanout_slots" 2>/dev/null |
			$PY -c 'import json,sys;print(sum(1 for e in json.load(sys.stdin) if e.get("formatted", e)["value"]["flags"] & 1))' 2>/dev/null)
		[ "${n:-0}" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# cap_start TAG / cap_stop: tcpdump on every receiver's end
cap_start() {
	local i
	CAPS=()
	for i in 1 2 3; do
		ip netns list | grep -qw "${ID}r$i" || continue
		ip netns exec ${ID}r$i tcpdump -U --immediate-mode -q -i r$i -w "$TMP/$1-r$i.pcap" ip6 \
			>/dev/null 2>&1 &
		CAPS+=($!)
	done
	sleep 0.8
}
cap_stop() {
	sleep ${1:-0.5}
	kill "${CAPS[@]}" 2>/dev/null
	wait "${CAPS[@]}" 2>/dev/null
}
# send KIND FIRST_PSN COUNT RCV/QPN...: End.MT packets from S
send() {
	local kind=$1 psn=$2 n=$3 i
	shift 3
	for i in $(seq 0 $((n - 1))); do
		ip netns exec $S $PY test/py/forge_roce.py "$kind" s0 "$SMAC" "$DMAC" fd00:a::1 \
			fd00:e::1 $DQPN $((psn + i)) $PROXY fd00:e::1 "$@" || die "forge_roce"
	done
}
R1=fd00:1::1/0x11
R2=fd00:2::1/0x22
# ctr NAME: E's counter
ctr() {
	X $EN --json show | $PY -c "import json,sys;print(json.load(sys.stdin)['counters'].get('$1',0))"
}
# RoCEv2 frames of a capture (the rest is the receivers' own ND/MLD)
ROCE='def roce(p):
    import endmt_oracle as o
    return [f for _, _, f in o.pcap_records(p)
            if f[12:14] == b"\x86\xdd" and f[20] == 17 and f[56:58] == b"\x12\xb7"]'
# counts TAG: how many copies each receiver captured, e.g. "3 3 -"
counts() {
	local i out=
	for i in 1 2 3; do
		if [ -f "$TMP/$1-r$i.pcap" ]; then
			out+="$($PY -c "$ROCE"'
import sys;print(len(roce(sys.argv[1])))' "$TMP/$1-r$i.pcap") "
		else
			out+="- "
		fi
	done
	echo "${out% }"
}
# check_copies TAG: every copy's ICRC, DA, DestQPN, PSN and RETH as R_i's
# configuration says (oracle: zlib), printed as one line per receiver
check_copies() {
	$PY - "$TMP" "$1" "$ROCE" <<'EOF'
import ipaddress, struct, sys, os
import endmt_oracle as o
exec(sys.argv[3])
d, tag = sys.argv[1:3]
want = {1: ("fd00:1::1", 0x11, 0, 0, None), 2: ("fd00:2::1", 0x22, 5, 0x1000, 0x77)}
bad = 0
for i, (addr, qpn, poff, vad, rkey) in want.items():
    p = f"{d}/{tag}-r{i}.pcap"
    if not os.path.exists(p):
        continue
    for f in roce(p):
        ip6 = f[14:]
        da = ipaddress.IPv6Address(ip6[24:40])
        bth = ip6[48:60]
        dq = int.from_bytes(bth[5:8], "big")
        psn = int.from_bytes(bth[9:12], "big")
        ok = struct.unpack("<I", ip6[-4:])[0] == o.icrc(ip6) and str(da) == addr and dq == qpn
        ok = ok and ip6[7] == 63
        csum = ip6[40+6:40+8]
        if os.environ.get("FORGE_UDP_CSUM"):
            ok = ok and int.from_bytes(csum, "big") == o.udp6_csum(ip6)
        else:
            ok = ok and csum == b"\0\0"
        if bth[0] == 0x0A:   # WRITE Only: RETH after the BTH
            va, rk = struct.unpack(">QI", ip6[60:72])
            ok = ok and va == 0x10000 + vad and rk == (rkey if rkey is not None else 0x55)
        if not ok:
            bad += 1
            print(f"r{i}: bad copy da={da} dqpn={dq:#x} psn={psn} hl={ip6[7]}", file=sys.stderr)
print(bad)
EOF
}
# psns TAG i: the PSNs R_i captured
psns() {
	$PY -c "$ROCE"'
import sys;print(" ".join(str(int.from_bytes(f[14+48+9:14+48+12],"big")) for f in roce(sys.argv[1])))' "$TMP/$1-r$2.pcap"
}

# Real UDP checksums (as a UDP socket sends them; rxe sends 0): the TC
# path, whose copies keep them right
case_csum_tc() {
	topo
	neigh 1
	neigh 2
	edge
	slots_valid 2 || die "no valid slots"
	cap_start csum
	FORGE_UDP_CSUM=1 send endmt 1 2 $R1 $R2
	FORGE_UDP_CSUM=1 send endmt-write 3 2 $R1 $R2
	cap_stop
	[ "$(ctr endmt_fanout)" = 0 ] && [ "$(ctr fanout_to_tc)" = 4 ] &&
		ok "a UDP checksum: the TC path" || bad "fanout $(ctr endmt_fanout), to_tc $(ctr fanout_to_tc)"
	[ "$(counts csum)" = "4 4 -" ] && [ "$(FORGE_UDP_CSUM=1 check_copies csum)" = 0 ] &&
		ok "copies' ICRC and UDP checksum right (zlib, RFC 8200 oracle)" || bad "captured $(counts csum)"
}

case_same_bytes() {
	topo
	neigh 1
	neigh 2
	edge
	slots_valid 2 || die "no valid slots after 3 s: $(cat "$TMP/agent.log")"
	cap_start xdp
	send endmt 7 3 $R1 $R2
	send endmt-write 10 3 $R1 $R2
	cap_stop
	local f0 f1 c0 c1
	f0=$(ctr endmt_fanout)
	c0=$(ctr endmt_consumed)
	[ "$f0" = 6 ] && ok "6 packets replicated in XDP" || bad "endmt_fanout $f0, want 6"
	[ "$(ctr fwd_copies_xdp)" = 12 ] && ok "12 XDP copies" || bad "fwd_copies_xdp $(ctr fwd_copies_xdp)"
	[ "$c0" = 0 ] && ok "none by the TC half" || bad "endmt_consumed $c0"
	[ "$(counts xdp)" = "6 6 -" ] && ok "each receiver got 6" || bad "captured $(counts xdp)"
	[ "$(check_copies xdp)" = 0 ] && ok "XDP copies: ICRC, DA, QPN, hop limit, RETH right" ||
		bad "XDP copies wrong"
	[ "$(psns xdp 2)" = "12 13 14 15 16 17" ] && ok "R2's PSNs offset by 5" || bad "R2 PSNs $(psns xdp 2)"

	must X $EN sid add fd00:e::1 --edge fd00:e::1 --strict --from fd00:a::1/128 --in-dev d0 \
		--fanout tc
	cap_start tc
	send endmt 7 3 $R1 $R2
	send endmt-write 10 3 $R1 $R2
	cap_stop
	f1=$(ctr endmt_fanout)
	c1=$(ctr endmt_consumed)
	[ "$f1" = "$f0" ] && [ "$c1" = 6 ] && ok "--fanout tc: the TC half made them" ||
		bad "fanout $f0 -> $f1, consumed $c1"
	[ "$(counts tc)" = "6 6 -" ] && ok "each receiver got 6 again" || bad "captured $(counts tc)"
	local i
	for i in 1 2; do
		if $PY - "$TMP/xdp-r$i.pcap" "$TMP/tc-r$i.pcap" "$ROCE" <<'EOF'
import sys
exec(sys.argv[3])
a, b = roce(sys.argv[1]), roce(sys.argv[2])
sys.exit(0 if a == b and a else 1)
EOF
		then ok "R$i: XDP and TC copies identical octet for octet"
		else bad "R$i: XDP and TC copies differ"
		fi
	done
}

case_no_napi() {
	topo
	neigh 1
	neigh 2
	ip netns exec ${ID}r2 ethtool -K r2 gro off >/dev/null
	edge
	slots_valid 1 || die "R1's slot not valid"
	sleep 0.3
	cap_start off
	send endmt 1 3 $R1 $R2
	cap_stop
	[ "$(ctr endmt_fanout)" = 0 ] && ok "R2's link takes no XDP frames: not the XDP path" ||
		bad "endmt_fanout $(ctr endmt_fanout)"
	[ "$(ctr endmt_consumed)" = 3 ] && [ "$(ctr fanout_to_tc)" = 3 ] &&
		ok "the TC path, counted as fanout_to_tc" || bad "consumed $(ctr endmt_consumed), to_tc $(ctr fanout_to_tc)"
	[ "$(counts off)" = "3 3 -" ] && ok "no copy lost" || bad "captured $(counts off)"
	ip netns exec ${ID}r2 ethtool -K r2 gro on >/dev/null
	slots_valid 2 || die "R2's slot not valid 3 s after GRO on"
	cap_start on
	send endmt 4 3 $R1 $R2
	cap_stop
	[ "$(ctr endmt_fanout)" = 3 ] && ok "GRO on: the XDP path" || bad "endmt_fanout $(ctr endmt_fanout)"
	[ "$(counts on)" = "3 3 -" ] && [ "$(check_copies on)" = 0 ] && ok "copies right" ||
		bad "captured $(counts on)"
}

# NAPI off on R2's end while the XDP path runs: no route, neighbour or link
# notice says so; the agent checks the valid slots' devices every 10 ms and
# takes R2's slot out before its next refresh (up to a second in which the
# kernel would drop every copy to R2 without a trace)
case_napi_off_live() {
	topo
	neigh 1
	neigh 2
	edge
	slots_valid 2 || die "no valid slots"
	cap_start live
	# just after a refresh (the agent runs with -v: one log line each),
	# so the next periodic one is most of a second away
	local n0 i
	n0=$(grep -c 'fan-out: refresh' "$TMP/agent.log")
	for i in $(seq 1 30); do
		[ "$(grep -c 'fan-out: refresh' "$TMP/agent.log")" -gt "$n0" ] && break
		sleep 0.05
	done
	ip netns exec ${ID}r2 ethtool -K r2 gro off >/dev/null
	sleep 0.3
	send endmt 1 3 $R1 $R2
	cap_stop
	[ "$(counts live)" = "3 3 -" ] && ok "no copy lost after R2's end dropped NAPI" ||
		bad "captured $(counts live)"
	[ "$(ctr endmt_consumed)" = 3 ] && ok "the TC path within the check's period" ||
		bad "consumed $(ctr endmt_consumed), fanout $(ctr endmt_fanout)"
}

case_unresolved_neighbour() {
	topo
	neigh 1
	edge
	slots_valid 1 || die "R1's slot not valid"
	cap_start first
	send endmt 1 1 $R1 $R2
	cap_stop 2	# the copy waits for neighbour discovery
	[ "$(ctr endmt_consumed)" = 1 ] && [ "$(ctr fwd_neigh_slow_path)" = 1 ] &&
		ok "R2 unresolved: the TC path, its copy through the slow path" ||
		bad "consumed $(ctr endmt_consumed), slow $(ctr fwd_neigh_slow_path)"
	[ "$(counts first)" = "1 1 -" ] && ok "both got the first copy" || bad "captured $(counts first)"
	slots_valid 2 || die "R2's slot not valid 3 s after the neighbour resolved"
	cap_start then
	send endmt 2 3 $R1 $R2
	cap_stop
	[ "$(ctr endmt_fanout)" = 3 ] && ok "resolved: the XDP path" || bad "endmt_fanout $(ctr endmt_fanout)"
	[ "$(counts then)" = "3 3 -" ] && [ "$(check_copies then)" = 0 ] && ok "copies right" ||
		bad "captured $(counts then)"
}

case_agent_stops() {
	topo
	neigh 1
	neigh 2
	edge
	slots_valid 2 || die "no valid slots"
	kill -TERM $AGENT
	wait $AGENT 2>/dev/null
	cap_start term
	send endmt 1 2 $R1 $R2
	cap_stop
	[ "$(ctr endmt_fanout)" = 0 ] && [ "$(ctr endmt_consumed)" = 2 ] &&
		ok "agent stopped: the TC path at once" || bad "fanout $(ctr endmt_fanout)"
	[ "$(counts term)" = "2 2 -" ] && ok "no copy lost" || bad "captured $(counts term)"
	agent_start
	slots_valid 2 || die "no valid slots after the restart"
	kill -KILL $AGENT
	wait $AGENT 2>/dev/null
	send endmt 3 1 $R1 $R2
	[ "$(ctr endmt_fanout)" = 1 ] && ok "agent killed: its lease still runs" ||
		bad "fanout $(ctr endmt_fanout)"
	sleep 3.2	# ENDMT_FANOUT_LEASE_NS
	cap_start kill
	send endmt 4 2 $R1 $R2
	cap_stop
	[ "$(ctr endmt_fanout)" = 1 ] && [ "$(ctr endmt_consumed)" = 4 ] &&
		ok "lease over: the TC path" || bad "fanout $(ctr endmt_fanout), consumed $(ctr endmt_consumed)"
	[ "$(counts kill)" = "2 2 -" ] && ok "no copy lost" || bad "captured $(counts kill)"
}

case_subset() {
	topo e3
	neigh 1
	neigh 2
	neigh 3
	edge
	must X $EN receiver add --proxy $PROXY --dqpn $DQPN --addr fd00:3::1 --qpn 0x33
	slots_valid 3 || die "no valid slots"
	cap_start one
	send endmt 1 3 $R1
	cap_stop
	[ "$(ctr endmt_fanout)" = 3 ] && [ "$(ctr fanout_slot_skipped)" = 0 ] &&
		ok "R1 only: XDP, to its slot alone (no clone for the others)" ||
		bad "fanout $(ctr endmt_fanout), skipped $(ctr fanout_slot_skipped)"
	[ "$(counts one)" = "3 0 0" ] && ok "only R1 got copies" || bad "captured $(counts one)"
	cap_start two
	send endmt 4 2 $R1 $R2
	cap_stop
	[ "$(ctr endmt_fanout)" = 5 ] && [ "$(ctr fanout_slot_skipped)" = 2 ] &&
		ok "R1 and R2 of three: R3's slot skipped its clone" ||
		bad "fanout $(ctr endmt_fanout), skipped $(ctr fanout_slot_skipped)"
	[ "$(counts two)" = "2 2 0" ] && ok "R1 and R2 got theirs, R3 none" || bad "captured $(counts two)"
	cap_start stranger
	send endmt 6 2 $R1 fd00:2::99/0x33
	cap_stop
	[ "$(ctr endmt_fanout)" = 5 ] && [ "$(ctr drop_rcv_not_member)" = 2 ] &&
		ok "a stranger in the TLV: the TC path, which refuses it" ||
		bad "fanout $(ctr endmt_fanout), not_member $(ctr drop_rcv_not_member)"
	[ "$(counts stranger)" = "2 0 0" ] && ok "R1 got its copies, nobody else" || bad "captured $(counts stranger)"
}

case_receiver_removed() {
	topo
	neigh 1
	neigh 2
	edge
	slots_valid 2 || die "no valid slots"
	cap_start del
	# the agent frozen: its slots and lease still say R2, only
	# endmt_rcv_group says otherwise (what the slot program re-checks)
	kill -STOP $AGENT
	must X $EN receiver del --addr fd00:2::1 --qpn 0x22
	send endmt 1 2 $R1 $R2
	kill -CONT $AGENT
	cap_stop
	[ "$(counts del)" = "2 0 -" ] && ok "R2 removed: no copy for it, R1 got its" ||
		bad "captured $(counts del)"
	[ "$(ctr endmt_fanout)" = 2 ] && [ "$(ctr drop_fanout_slot)" = 2 ] &&
		ok "the XDP path, R2's copies refused by its slot program (drop_fanout_slot)" ||
		bad "fanout $(ctr endmt_fanout), drop_fanout_slot $(ctr drop_fanout_slot)"
}

case_route_moves() {
	topo e3
	neigh 1
	neigh 2
	edge
	slots_valid 2 || die "no valid slots"
	# R2's address now lives behind e3 (R3's host takes it)
	ip -n ${ID}r2 addr del fd00:2::1/64 dev r2
	ip -n ${ID}r3 addr add fd00:2::1/128 dev r3 nodad
	ip -n $EN neigh del fd00:2::1 dev e2
	ip -n $EN route add fd00:2::1/128 dev e3
	ip -n $EN neigh replace fd00:2::1 lladdr "$(macof ${ID}r3 r3)" dev e3 nud permanent
	sleep 0.5	# the agent's refresh after the change notices
	cap_start moved
	send endmt 1 3 $R1 $R2
	cap_stop
	[ "$(counts moved)" = "3 0 3" ] && ok "copies follow the route: none out of e2" ||
		bad "captured $(counts moved)"
	[ "$(ctr endmt_fanout)" = 3 ] && ok "still the XDP path" || bad "endmt_fanout $(ctr endmt_fanout)"
	[ "$(ctr drop_fanout_slot)" = 0 ] && ok "no copy refused" || bad "drop_fanout_slot $(ctr drop_fanout_slot)"
}

case_generic_mode() {
	topo
	neigh 1
	neigh 2
	edge skb
	sleep 1.3
	cap_start gen
	send endmt 1 3 $R1 $R2
	cap_stop
	[ "$(ctr endmt_fanout)" = 0 ] && [ "$(ctr endmt_consumed)" = 3 ] &&
		ok "generic XDP: the TC path (no lease)" || bad "fanout $(ctr endmt_fanout)"
	[ "$(counts gen)" = "3 3 -" ] && ok "copies delivered" || bad "captured $(counts gen)"
}

case_mtu() {
	topo
	neigh 1
	neigh 2
	ip -n $EN link set e2 mtu 1280
	edge
	slots_valid 2 || die "no valid slots"
	cap_start small
	send endmt 1 2 $R1 $R2
	cap_stop
	[ "$(ctr endmt_fanout)" = 2 ] && ok "copies within the MTU: XDP" || bad "fanout $(ctr endmt_fanout)"
	# a 1300-octet inner packet does not fit e2
	FORGE_PAD=1300 send endmt 3 2 $R1 $R2
	[ "$(ctr endmt_fanout)" = 2 ] && [ "$(ctr fanout_to_tc)" = 2 ] &&
		ok "too long for e2: the TC path" || bad "fanout $(ctr endmt_fanout), to_tc $(ctr fanout_to_tc)"
	[ "$(ctr fwd_mtu_exceeded)" = 2 ] && ok "R2's copies counted fwd_mtu_exceeded by TC" ||
		bad "fwd_mtu_exceeded $(ctr fwd_mtu_exceeded)"
}

case_kernel_features() {
	topo
	neigh 1
	neigh 2
	edge
	if [ "$HAS_FEATURES" = 1 ]; then
		slots_valid 2 && ok "the kernel tells XDP features: slots valid" ||
			bad "no valid slot in 3 s: $(cat "$TMP/agent.log")"
		return
	fi
	sleep 1.5
	grep -q 'does not report XDP features' "$TMP/agent.log" &&
		ok "the agent says the kernel cannot tell XDP features" ||
		bad "agent log: $(cat "$TMP/agent.log")"
	slots_valid 1 && bad "a slot is valid on a kernel that cannot tell" || ok "no slot valid"
	cap_start old
	send endmt 1 3 $R1 $R2
	cap_stop
	[ "$(ctr endmt_fanout)" = 0 ] && [ "$(ctr endmt_consumed)" = 3 ] && ok "the TC path" ||
		bad "fanout $(ctr endmt_fanout), consumed $(ctr endmt_consumed)"
	[ "$(ctr fanout_to_tc)" = 0 ] && ok "no lease: the XDP half does not even try" ||
		bad "fanout_to_tc $(ctr fanout_to_tc)"
	[ "$(counts old)" = "3 3 -" ] && [ "$(check_copies old)" = 0 ] && ok "copies right" ||
		bad "captured $(counts old)"
}

HAS_FEATURES=0
genl ctrl get name netdev >/dev/null 2>&1 && HAS_FEATURES=1
if [ $HAS_FEATURES = 1 ]; then
	run_cases same_bytes csum_tc no_napi napi_off_live unresolved_neighbour agent_stops subset receiver_removed \
		route_moves generic_mode mtu kernel_features
else
	echo "this kernel ($(uname -r)) has no netlink family \"netdev\": the XDP fan-out cannot" \
		"be on here; only generic_mode and kernel_features run"
	run_cases generic_mode kernel_features
fi
