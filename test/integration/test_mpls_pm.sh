#!/usr/bin/env bash
# RFC 9714 alternate marking of MPLS flows end to end (bpf/mpls.bpf.c,
# endmt mpls ...), in network namespaces joined by veths:
#
#   ler --- lsr --- cnt --- eg          (10.0.1/24, 10.0.2/24, 10.0.3/24)
#
#   ler  the kernel pushes 100/500 (ip route ... encap mpls), endmt marks on
#        TC egress (mpls attach --role ler): 100 XL FLI FL(1000) 500
#   lsr  a plain Linux LSR: swaps 100 -> 200, must leave XL/FLI/FL alone
#   cnt  a Linux LSR (200 -> 300) with endmt counting in XDP (--role count)
#   eg   endmt egress in XDP pops XL+FLI+FL, the kernel pops 300 and 500 and
#        delivers to a UDP receiver on 10.0.9.2 (lo)
#
# Needs CONFIG_MPLS_ROUTING, CONFIG_MPLS_IPTUNNEL, act_mpls, act_pedit, cls_matchall:
# the host kernel has none of them, so test/run.sh runs this script only in
# the vmtest guest (VM_ONLY there); run anywhere else, it fails, loudly: a
# missing feature is never a pass.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
E=$PWD/$O/endmt
PY=/usr/bin/python3
ID=mp$$
SUITE=test_mpls_pm
TMP=$(mktemp -d /tmp/endmt-$ID.XXXX)
trap 'rm -rf "$TMP"' EXIT
. test/integration/lib.sh
. test/integration/time_scale.sh 2>/dev/null || true

[ "$(id -u)" -eq 0 ] || { echo "FAIL: must run as root"; exit 1; }
[ -x "$E" ] || { echo "FAIL: $E not built (make O=$O $O/endmt)"; exit 1; }
if [ ! -e /proc/sys/net/mpls/platform_labels ]; then
	modprobe -q mpls_router 2>/dev/null
	modprobe -q mpls_iptunnel 2>/dev/null
fi
if [ ! -e /proc/sys/net/mpls/platform_labels ]; then
	echo "FAIL: this kernel has no MPLS routing (CONFIG_MPLS_ROUTING, module mpls_router):"
	echo "FAIL: test_mpls_pm.sh runs in the vmtest guest (vmtest/run.sh), not on this host"
	exit 1
fi

FLOW=1000	# marked by endmt at the LER, T=1 (edge to edge)
FLOW_ACT=2000	# pushed by act_mpls, T=0 (hop by hop)

L=ler$ID S=lsr$ID C=cnt$ID G=eg$ID

nsx() { local ns=$1; shift; nsenter --net=/run/netns/"$ns" "$@"; }
sc() { ip netns exec "$1" sysctl -qw "$2" >/dev/null || die "sysctl $2 in $1"; }

# link NS_A DEV_A ADDR_A NS_B DEV_B ADDR_B
link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || die "veth $2-$5"
	ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$4" addr add "$6/24" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

topo() {
	local ns
	for ns in $L $S $C $G; do mkns "$ns"; done
	link $L l-s 10.0.1.1 $S s-l 10.0.1.2
	link $S s-c 10.0.2.1 $C c-s 10.0.2.2
	link $C c-e 10.0.3.1 $G e-c 10.0.3.2
	for ns in $S $C $G; do
		sc "$ns" net.mpls.platform_labels=1000
		sc "$ns" net.ipv4.conf.all.rp_filter=0
		sc "$ns" net.ipv4.conf.default.rp_filter=0
	done
	sc $S net.mpls.conf.s-l.input=1
	sc $C net.mpls.conf.c-s.input=1
	sc $G net.mpls.conf.e-c.input=1
	sc $G net.mpls.conf.lo.input=1
	sc $G net.ipv4.conf.lo.rp_filter=0
	ip -n $G addr add 10.0.9.2/32 dev lo
	ip -n $G addr add 10.0.9.3/32 dev lo
	must ip -n $L route add 10.0.9.2/32 encap mpls 100/500 via inet 10.0.1.2 dev l-s
	must ip -n $L route add 10.0.9.3/32 via 10.0.1.2 dev l-s
	must ip -n $S -f mpls route add 100 as 200 via inet 10.0.2.2 dev s-c
	must ip -n $C -f mpls route add 200 as 300 via inet 10.0.3.2 dev c-e
	must ip -n $G -f mpls route add 300 dev lo
	must ip -n $G -f mpls route add 500 dev lo

	must X $L mpls attach l-s --role ler
	must X $C mpls attach c-s --role count
	must X $G mpls attach e-c --role egress
	must X $L mpls flow add $FLOW --dst 10.0.9.2 --t edge --position below-top
	must X $C mpls flow add $FLOW
	must X $G mpls flow add $FLOW
	must X $C mpls flow add $FLOW_ACT
	must X $G mpls flow add $FLOW_ACT
	must X $G mpls node --e2e on
	# count-based periods at the marker: the colour flips every 5 packets
	must X $L pm set --count 5 --node-id 1
}

# A UDP receiver on eg that counts datagrams to port 5000 until told to
# stop (a file, not a signal: the shell function in between would take the
# signal) and then writes the count.  nsenter execs python, so RPID is it.
recv_start() {
	rm -f "$TMP/recv" "$TMP/recv.up" "$TMP/recv.stop"
	nsenter --net=/run/netns/"$G" $PY -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5000))
s.settimeout(0.2)
n = 0
open(sys.argv[1] + ".up", "w").write("1")
while True:
    try:
        s.recv(2048)
        n += 1
    except socket.timeout:
        if os.path.exists(sys.argv[1] + ".stop"):
            break
open(sys.argv[1] + ".tmp", "w").write(str(n))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
' "$TMP/recv" &
	RPID=$!
	APIDS+=("$RPID")
	for _ in $(seq 100); do [ -e "$TMP/recv.up" ] && return; sleep 0.1; done
	die "receiver did not start"
}
# recv_stop: the count, once what is in flight has arrived (-1: no count)
recv_stop() {
	sleep "$(( ${ENDMT_TIME_SCALE:-1} ))"
	: > "$TMP/recv.stop"
	for _ in $(seq $(( 50 * ${ENDMT_TIME_SCALE:-1} ))); do
		[ -e "$TMP/recv" ] && break
		sleep 0.1
	done
	cat "$TMP/recv" 2>/dev/null || echo -1
}

# send N DST: N UDP datagrams (checksum off) from ler, paced
send() {
	nsx $L $PY -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 11, 1)  # SO_NO_CHECK
for i in range(int(sys.argv[1])):
    s.sendto(("endmt-mpls-%06d" % i).encode().ljust(40, b"."), (sys.argv[2], 5000))
    time.sleep(0.01)
' "$1" "$2" || die "sender"
}

# count NS FLOW COLOUR POINT: packets of the counter
count() {
	X "$1" --json mpls show --flow "$2" | $PY -c '
import json, sys
j = json.load(sys.stdin)
print(sum(c["packets"] for c in j["counters"]
          if c["colour"] == int(sys.argv[1]) and c["point"] == sys.argv[2]))' "$3" "$4"
}
stat() { X "$1" --json show | $PY -c '
import json, sys
j = json.load(sys.stdin)
st = j.get("stats", j.get("counters", {}))
if isinstance(st, list):
    st = {c["name"]: c["value"] for c in st}
print(st.get(sys.argv[1], 0))' "$2"; }

check_eq() { # DESC GOT WANT
	if [ "$2" = "$3" ]; then ok "$1: $2"; else bad "$1: got $2, expected $3"; fi
}

# Marked at the LER, swapped by two Linux LSRs, counted at cnt and eg,
# popped at eg: the same counts per colour at every point, the wire as
# RFC 9714 says (tshark), everything delivered.
case_e2e() {
	topo
	recv_start
	nsenter --net=/run/netns/"$S" tcpdump -q -n -U -i s-c -w "$TMP/lsr.pcap" -c 3 mpls 2>/dev/null &
	local tpid=$!
	APIDS+=("$tpid")
	sleep "$(( ${ENDMT_TIME_SCALE:-1} ))"
	send 20 10.0.9.2
	check_eq "delivered to the receiver" "$(recv_stop)" 20
	# tcpdump ends by itself after 3 packets; if it has not, it never will
	kill "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
	local c p
	for c in 0 1; do
		check_eq "ler out colour $c" "$(count $L $FLOW $c out)" 10
		check_eq "cnt in colour $c" "$(count $C $FLOW $c in)" 0
		check_eq "eg in colour $c" "$(count $G $FLOW $c in)" 10
	done
	# T=1 (edge to edge): the LSR in the middle does not count it
	check_eq "cnt passed the T=1 flow uncounted" "$(stat $C mpls_e2e_passed)" 20
	check_eq "eg popped" "$(stat $G mpls_popped)" 20
	check_eq "ler marked" "$(stat $L mpls_marked)" 20
	# The first packet on the wire between lsr and cnt (tshark decodes
	# MPLS itself; it names no label 15, so the fields are compared).
	p=$(tshark -r "$TMP/lsr.pcap" -c 1 -T fields -E separator=';' -e mpls.label -e mpls.exp \
		-e mpls.ttl -e mpls.bottom 2>/dev/null | tr -d ' ' | sed 's/True/1/g; s/False/0/g')
	check_eq "tshark: labels/TC/TTL/BoS of the first packet after the LSR" "$p" \
		"200,15,18,$FLOW,500;0,0,0,3,0;63,64,64,0,64;0,0,0,0,1"
	p=$(tshark -r "$TMP/lsr.pcap" -T fields -e mpls.exp 2>/dev/null | sed -n 2p | cut -d, -f4)
	check_eq "tshark: the second packet's FL TC (L 0, D 0, T 1)" "$p" 1
}

# k packets lost between the LER and the counting nodes (the LSR's route
# taken away while they pass) show as k missing downstream, in their colour.
case_loss() {
	topo
	# hop by hop, so cnt counts it too
	must X $L mpls flow add $FLOW --dst 10.0.9.2 --t hop --position bottom
	recv_start
	send 10 10.0.9.2				# seq 0-9: colours 0 0 0 0 0 1 1 1 1 1
	must ip -n $S -f mpls route del 100
	send 3 10.0.9.2				# seq 10-12: colour 0, lost at lsr
	must ip -n $S -f mpls route add 100 as 200 via inet 10.0.2.2 dev s-c
	send 7 10.0.9.2				# seq 13-19: 0 0 1 1 1 1 1
	check_eq "delivered: 20 sent, 3 lost" "$(recv_stop)" 17
	check_eq "ler out colour 0" "$(count $L $FLOW 0 out)" 10
	check_eq "ler out colour 1" "$(count $L $FLOW 1 out)" 10
	check_eq "cnt in colour 0: 3 missing" "$(count $C $FLOW 0 in)" 7
	check_eq "cnt in colour 1" "$(count $C $FLOW 1 in)" 10
	check_eq "eg in colour 0: 3 missing" "$(count $G $FLOW 0 in)" 7
	check_eq "eg in colour 1" "$(count $G $FLOW 1 in)" 10
}

# act_push [pedit]: on the LER's egress, act_mpls pushes FL(FLOW_ACT, TC 0,
# TTL 1), FLI, XL and the transport label 100 on every IP packet; with
# pedit, act_pedit clears the FL's TTL right after its push (the network
# header is then the new entry).
act_push() {
	local fix=()
	[ "${1:-}" = pedit ] && fix=(action pedit munge offset 3 u8 set 0 pipe)
	must tc -n $L filter add dev l-s egress protocol ip prio 10 matchall \
		action mpls push protocol mpls_uc label $FLOW_ACT tc 0 ttl 1 \
		"${fix[@]}" \
		action mpls push protocol mpls_uc label 18 ttl 64 \
		action mpls push protocol mpls_uc label 15 ttl 64 \
		action mpls push protocol mpls_uc label 100 ttl 64
}

# act_mpls, an independent pusher, builds the stack 100 XL FLI FL(2000,
# T=0) below the IP header on its own; it cannot write TTL 0 (the kernel's
# policy for TCA_MPLS_TTL starts at 1, and 0 means "inherit"), so act_pedit
# clears the FL's TTL byte (act_push pedit).  endmt's counting node and egress count every packet, the
# egress pops the three entries and the kernel delivers the rest.
case_act_mpls() {
	topo
	act_push pedit
	recv_start
	send 12 10.0.9.3
	check_eq "delivered" "$(recv_stop)" 12
	check_eq "cnt in (colour 0)" "$(count $C $FLOW_ACT 0 in)" 12
	check_eq "cnt: nothing dropped as invalid" "$(stat $C drop_mpls_fl_invalid)" 0
	check_eq "eg in (colour 0)" "$(count $G $FLOW_ACT 0 in)" 12
	check_eq "eg popped" "$(stat $G mpls_popped)" 12
	check_eq "the LER did not mark act_mpls's packets" "$(stat $L mpls_marked)" 0
}

# The same stack from act_mpls alone has an FL of TTL 1, and RFC 9714 §3
# says the FL's TTL MUST be 0: the counting node drops every such packet,
# counts none, and nothing reaches the receiver.
case_act_mpls_ttl() {
	topo
	if tc -n $L filter add dev l-s egress protocol ip prio 10 matchall \
		action mpls push protocol mpls_uc label $FLOW_ACT tc 0 ttl 0 2>/dev/null; then
		bad "act_mpls accepted TTL 0: this case should push a valid FL now"
	fi
	act_push
	recv_start
	send 12 10.0.9.3
	check_eq "delivered" "$(recv_stop)" 0
	check_eq "cnt dropped the FL of TTL 1" "$(stat $C drop_mpls_fl_invalid)" 12
	check_eq "cnt counted none" "$(count $C $FLOW_ACT 0 in)" 0
	check_eq "eg saw none" "$(count $G $FLOW_ACT 0 in)" 0
	check_eq "the LER did not mark act_mpls's packets" "$(stat $L mpls_marked)" 0
}

run_cases e2e loss act_mpls act_mpls_ttl
