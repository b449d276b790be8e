# Shared by bench/*.sh: the three-netns veth topology of the benchmarks.
#   [src] s0 ==veth== d0 [dut] d1 ==veth== k0 [sink]
# Namespaces carry the caller's pid ($T); topo_cleanup removes them.  The DUT
# forwards IPv6, knows fd00:f::1..88 (the receivers) as permanent neighbours
# behind d1, and has the kernel's End.DT6 SID fd00:e:6::1.  The sink has IPv6
# off on k0: ipv6_rcv discards at once (this kernel has no matchall/gact), and
# k0's rx counter is what the DUT delivered.
# TOPO_NEGRESS=N (1..32, bench/rate.sh) gives the DUT N egress veths instead,
#   d1..dN ==veth== k1..kN (IPv6 off on every k_i): receivers 1..88 stay
#   behind d1 (its /64), and receiver i <= N gets a /128 route and its
#   permanent neighbour (k_i's MAC) on d_i, so copy i leaves by d_i.  A /128
#   per receiver rather than a /64 per device: the receivers' addresses
#   (fd00:f::i, in every benchmark packet) share one /64.  For N = 1 this is
#   the default topology with k1 for k0.
T=bench$$
NS_S=${T}s NS_D=${T}d NS_K=${T}k

mac_of() { # ns dev
	ip -n "$1" -j link show "$2" | /usr/bin/python3 -c \
		'import json,sys;print(json.load(sys.stdin)[0]["address"])'
}

# The sink-side peer of egress d_i: k0 in the default topology, else k_i.
topo_sink() { # i
	if [ "${TOPO_NEGRESS:-0}" -ge 1 ]; then echo k$1; else echo k0; fi
}

topo_setup() {
	local ns dev kmac i k neg=${TOPO_NEGRESS:-0}
	[ "$neg" -le 32 ] || return 1
	ip netns add $NS_S && ip netns add $NS_D && ip netns add $NS_K || return 1
	ip link add s0 netns $NS_S type veth peer name d0 netns $NS_D || return 1
	for i in $(seq 1 $((neg > 1 ? neg : 1))); do
		ip link add d$i netns $NS_D type veth peer name $(topo_sink $i) netns $NS_K || return 1
	done
	for ns in $NS_S $NS_D $NS_K; do ip -n $ns link set lo up; done
	# 9000 so 4 KiB payloads fit; TOPO_MTU0 for s0/d0: veth refuses native
	# XDP on d0 when its peer's MTU exceeds a page less headroom (ERANGE).
	local devs="s0:$NS_S:${TOPO_MTU0:-9000} d0:$NS_D:${TOPO_MTU0:-9000}"
	for i in $(seq 1 $((neg > 1 ? neg : 1))); do
		devs+=" d$i:$NS_D:9000 $(topo_sink $i):$NS_K:9000"
	done
	for dev in $devs; do
		IFS=: read -r d n m <<<"$dev"
		ip -n $n link set $d mtu $m up || return 1
	done
	ip netns exec $NS_D sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n $NS_D -6 addr add fd00:a::2/64 dev d0 nodad
	ip -n $NS_D -6 addr add fd00:f::ffff/64 dev d1 nodad
	ip -n $NS_S -6 addr add fd00:a::1/64 dev s0 nodad
	# Permanent neighbours: every copy leaves at once (no ND, no queueing
	# on an incomplete entry).
	kmac=$(mac_of $NS_K $(topo_sink 1))
	for i in $(seq 1 88); do
		ip -n $NS_D -6 neigh replace fd00:f::$(printf %x $i) lladdr $kmac dev d1 nud permanent
	done
	for i in $(seq 2 $neg); do
		kmac=$(mac_of $NS_K k$i)
		ip -n $NS_D -6 route add fd00:f::$(printf %x $i)/128 dev d$i || return 1
		ip -n $NS_D -6 neigh replace fd00:f::$(printf %x $i) lladdr $kmac dev d$i nud permanent || return 1
	done
	ip -n $NS_D -6 route add fd00:e:6::1/128 encap seg6local action End.DT6 table main dev d0 || return 1
	for i in $(seq 1 $((neg > 1 ? neg : 1))); do
		k=$(topo_sink $i)
		ip netns exec $NS_K sysctl -qw net.ipv6.conf.$k.disable_ipv6=1 || return 1
	done
}

topo_cleanup() {
	ip netns del $NS_S 2>/dev/null
	ip netns del $NS_D 2>/dev/null
	ip netns del $NS_K 2>/dev/null
	return 0
}

# percopy_prep NAME: what the scripts that drive bench/percopy (percopy.sh,
# scale.sh) need first: PC, die() in NAME's words, cleanup on exit, the
# program and the edge object built, bpffs mounted.
percopy_prep() {
	BENCH_NAME=$1
	PC=$O/bench/percopy
	trap topo_cleanup EXIT
	trap 'exit 130' INT TERM
	[ -x "$PC" ] || die "$PC missing: make O=$O $PC"
	[ -f "$O/bpf/edge.bpf.o" ] || die "$O/bpf/edge.bpf.o missing: make O=$O bpf"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}
die() { echo "${BENCH_NAME:-bench}: $*" >&2; exit 1; }

# The DUT edge's group of bench/benchpkt.h (Proxy fd00:e::100, DQPN 0x11)
# and its receivers fd00:f::1..n (QPN 0x100 + i), for End.MT on the XDP
# fan-out or the TC half (bench/rate.sh, bench/profile.sh).  Needs ENDMT,
# PIN, TMP.  Output of the commands in $TMP/group.log.
bench_group_up() { # n
	local E="nsenter --net=/run/netns/$NS_D $ENDMT --pin-root $PIN" i
	$E group add --proxy fd00:e::100 --dqpn 0x11 >$TMP/group.log 2>&1 || return 1
	for i in $(seq 1 $1); do
		$E receiver add --proxy fd00:e::100 --dqpn 0x11 --addr fd00:f::$(printf %x $i) \
			--qpn $((0x100 + i)) >>$TMP/group.log 2>&1 || return 1
	done
}
# The agent on the DUT (its pid in BENCH_AGENT, log in $TMP/agent.log),
# back once n slots are valid (its first refresh); fails after 3 s.
bench_agent_up() { # n
	local i
	setsid nsenter --net=/run/netns/$NS_D $ENDMT --pin-root $PIN agent \
		>$TMP/agent.log 2>&1 </dev/null &
	BENCH_AGENT=$!
	for i in $(seq 1 30); do
		sleep 0.1
		[ "$(bpftool map dump pinned $PIN/endmt_fanout_slots 2>/dev/null | grep -c '"flags": 1')" \
			-ge "$1" ] && return 0
	done
	return 1
}
bench_agent_down() {
	[ -n "${BENCH_AGENT:-}" ] || return 0
	kill -TERM $BENCH_AGENT 2>/dev/null; wait $BENCH_AGENT 2>/dev/null
	BENCH_AGENT=
}
