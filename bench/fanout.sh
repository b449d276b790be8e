#!/usr/bin/env bash
# Fan-out: the same data to N receivers (a) through an endmt tree and (b) as N
# unicast RC streams from the source, with the source's link shaped to a fixed
# rate.  Reports completion time and bytes sent on the source link.
#
#   [S] s-h ==(tbf RATE)== h-s [H head] h-e ===== e-h [E edge] e-r ===== r-e [R]
#
# S: the source host (fd00:10::2, plus fd00:10::1x for the unicast senders);
# H: head (endmt head on h-s, response path on h-e); E: edge (End.MT SID
# fd00:1::4d54, Edge Node Address fd00:1::1); R: all receivers fd00:f::1..N on
# one link.  Every endpoint is test/tools/rcpeer (RC over UDP 4791, go-back-N,
# ICRC checked).  Configured with `endmt apply` from a tree written per N.
#   (a) one `rcpeer send` to the Proxy Address, N `rcpeer recv`.
#   (b) N `rcpeer send` (one per receiver, own source address and QPN) straight
#       to the receivers, through the same routers (endmt passes them).
# Completion = start until the last sender has every byte acknowledged.
#
#   O=build bench/fanout.sh [N...]        default N = 1 2 5 10
# Env: RATE (tbf rate, default 100mbit), BYTES (per receiver, default 2M),
#      REPEAT (default 3; medians), MTU (RC MTU, default 1024).
# Output: "fanout N t_endmt_s t_unicast_s ratio srcbytes_endmt srcbytes_unicast ok"
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
RATE=${RATE:-100mbit}
BYTES=${BYTES:-2M}
REPEAT=${REPEAT:-3}
MTU=${MTU:-1024}
ENDMT=$O/endmt
RCPEER=$O/tools/rcpeer
PY=/usr/bin/python3
T=benchf$$
NS_S=${T}S NS_H=${T}H NS_E=${T}E NS_R=${T}R
PIN=/sys/fs/bpf/$T
TMP=$(mktemp -d /tmp/$T.XXXX)
PROXY=fd00:ff::1
SID=fd00:1::4d54
SRC=fd00:10::2
SRCQPN=17
pids=()

die() { echo "fanout: $*" >&2; exit 1; }
in_ns() { local ns=$1; shift; nsenter --net=/run/netns/$ns "$@"; }
em() { local node=$1; shift; in_ns ${T}$node "$ENDMT" --pin-root "$PIN/$node" "$@"; }

cleanup() {
	local p dev n
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	for n in H E; do
		[ -e /run/netns/${T}$n ] || continue
		for dev in $(ip -n ${T}$n -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
			[ "$dev" = lo ] || em $n detach "$dev" >/dev/null 2>&1
		done
	done
	for n in S H E R; do ip netns del ${T}$n 2>/dev/null; done
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$ENDMT" ] || { echo "fanout-todo endmt CLI ($ENDMT) not built"; exit 0; }
[ -x "$RCPEER" ] || { echo "fanout-todo rcpeer ($RCPEER) not built"; exit 0; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

mac_of() { ip -n "$1" -j link show "$2" | $PY -c 'import json,sys;print(json.load(sys.stdin)[0]["address"])'; }
link() { # nsA devA addrA nsB devB addrB  (addresses with /64)
	ip link add $2 netns $1 type veth peer name $5 netns $4 || return 1
	ip -n $1 addr add $3 dev $2 nodad && ip -n $4 addr add $6 dev $5 nodad || return 1
	ip -n $1 link set $2 up && ip -n $4 link set $5 up || return 1
	ip -n $1 neigh replace ${6%/*} lladdr $(mac_of $4 $5) dev $2 nud permanent
	ip -n $4 neigh replace ${3%/*} lladdr $(mac_of $1 $2) dev $5 nud permanent
}

setup() {
	local n i
	for n in S H E R; do
		ip netns add ${T}$n || return 1
		ip -n ${T}$n link set lo up
		in_ns ${T}$n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	for n in H E; do in_ns ${T}$n sysctl -qw net.ipv6.conf.all.forwarding=1; done
	link $NS_S s-h $SRC/64 $NS_H h-s fd00:10::1/64 || return 1
	link $NS_H h-e fd00:64::1/64 $NS_E e-h fd00:64::2/64 || return 1
	link $NS_E e-r fd00:f::ffff/64 $NS_R r-e fd00:f::1/64 || return 1
	ip -n $NS_H addr add fd00:6::1/128 dev lo
	ip -n $NS_E addr add fd00:1::1/128 dev lo
	for i in $(seq 2 10); do
		ip -n $NS_R addr add fd00:f::$(printf %x $i)/64 dev r-e nodad || return 1
		ip -n $NS_E neigh replace fd00:f::$(printf %x $i) lladdr $(mac_of $NS_R r-e) dev e-r nud permanent
	done
	for i in $(seq 1 10); do	# unicast senders' addresses
		ip -n $NS_S addr add fd00:10::1$(printf %x $i)/64 dev s-h nodad || return 1
		ip -n $NS_H neigh replace fd00:10::1$(printf %x $i) lladdr $(mac_of $NS_S s-h) dev h-s nud permanent
	done
	ip -n $NS_S route add default via fd00:10::1 || return 1
	ip -n $NS_H route add fd00:1::/64 via fd00:64::2 || return 1
	ip -n $NS_H route add fd00:f::/64 via fd00:64::2 || return 1
	ip -n $NS_H route add $PROXY/128 via $SRC || return 1
	ip -n $NS_E route add default via fd00:64::1 || return 1
	ip -n $NS_R route add default via fd00:f::ffff || return 1
	# The source's link: a fixed rate, queue deep enough that the shaper
	# delays rather than drops (window 64 x MTU per sender).
	tc -n $NS_S qdisc add dev s-h root tbf rate $RATE burst 32kb limit 8mb || return 1
	mkdir -p "$PIN/H" "$PIN/E"
}

dqpn_of() { echo $((4660 + 16 * $2 + $1)); }	# N repeat

tree() { # N DQPN -> tree JSON for N receivers
	$PY - "$1" "$PROXY" "$SID" "$SRC" "$SRCQPN" "$2" <<'EOF'
import json, sys
n, proxy, sid, src, sqpn = int(sys.argv[1]), *sys.argv[2:4], sys.argv[4], int(sys.argv[5])
dqpn = int(sys.argv[6])
rcv = [{"name": f"R{i}", "addr": f"fd00:f::{i:x}", "qpn": 256 + i, "edge": "E"}
       for i in range(1, n + 1)]
t = {"tlv_type": 124,
     "nodes": {
        "H": {"addr": "fd00:6::1", "parent": None, "links": {"S": "h-s", "E": "h-e"}},
        "E": {"addr": "fd00:1::1", "parent": "H",
              "links": dict([("H", "e-h")] + [(r["name"], "e-r") for r in rcv])}},
     "groups": [{"name": f"fan{n}-{dqpn}", "proxy": proxy, "dqpn": dqpn, "start_psn": 0,
                 "sid": sid, "source": {"name": "S", "addr": src, "qpn": sqpn, "head": "H"},
                 "receivers": rcv}]}
print(json.dumps(t, indent=1))
EOF
}

tx_bytes() { ip -n $NS_S -s -j link show s-h | $PY -c 'import json,sys;print(json.load(sys.stdin)[0]["stats64"]["tx"]["bytes"])'; }
now() { date +%s.%N; }

wait_listening() { # files...
	local f
	for f in "$@"; do
		for _ in $(seq 100); do grep -qs listening "$f" && break; sleep 0.05; done
	done
}

# (a) endmt: one sender to the Proxy Address.  Prints "seconds bytes ok".
run_endmt() {
	local n=$1 r=$2 i ok=1 b0 b1 t0 t1 d=$TMP/e$1-$2 dq node
	dq=$(dqpn_of $n $r)
	mkdir -p $d
	# A fresh group per transfer: the branches of a finished one hold its
	# last AckPSN and would absorb the next transfer's ACKs as stale.
	tree $n $dq > $d/tree.json
	for node in H E; do
		em $node apply $d/tree.json --node $node >$d/apply-$node.log 2>&1 ||
			{ echo "apply on $node failed: $(tail -1 $d/apply-$node.log)" >&2; echo "0 0 0"; return; }
	done
	pids=()
	for i in $(seq 1 $n); do
		in_ns $NS_R "$RCPEER" recv --local fd00:f::$(printf %x $i) --peer $PROXY \
			--qpn $((256 + i)) --dqpn $dq --psn 0 --bytes $BYTES --mtu $MTU \
			--idle-ms 20000 --linger-ms 300 --out $d/r$i.json >/dev/null 2>$d/r$i.err &
		pids+=($!)
	done
	wait_listening $d/r*.err
	b0=$(tx_bytes); t0=$(now)
	in_ns $NS_S "$RCPEER" send --local $SRC --peer $PROXY --qpn $SRCQPN --dqpn $dq \
		--psn 0 --bytes $BYTES --mtu $MTU --timeout-ms 200 --max-retries 50 \
		--out $d/s.json >/dev/null 2>$d/s.err || ok=0
	t1=$(now); b1=$(tx_bytes)
	for i in "${pids[@]}"; do wait $i || ok=0; done
	pids=()
	[ $(grep -ls '"match": true' $d/r*.json | wc -l) -eq $n ] || ok=0
	echo "$(awk -v a=$t0 -v b=$t1 'BEGIN{printf "%.6f", b - a}') $((b1 - b0)) $ok"
}

# (b) unicast: N senders, one per receiver.  Prints "seconds bytes ok".
run_unicast() {
	local n=$1 r=$2 i ok=1 b0 b1 t0 t1 d=$TMP/u$1-$2 sp=()
	mkdir -p $d
	pids=()
	for i in $(seq 1 $n); do
		in_ns $NS_R "$RCPEER" recv --local fd00:f::$(printf %x $i) \
			--peer fd00:10::1$(printf %x $i) --qpn $((256 + i)) --dqpn $((32 + i)) --psn 0 \
			--bytes $BYTES --mtu $MTU --idle-ms 20000 --linger-ms 300 \
			--out $d/r$i.json >/dev/null 2>$d/r$i.err &
		pids+=($!)
	done
	wait_listening $d/r*.err
	b0=$(tx_bytes); t0=$(now)
	for i in $(seq 1 $n); do
		in_ns $NS_S "$RCPEER" send --local fd00:10::1$(printf %x $i) \
			--peer fd00:f::$(printf %x $i) --qpn $((32 + i)) --dqpn $((256 + i)) --psn 0 \
			--bytes $BYTES --mtu $MTU --timeout-ms 200 --max-retries 50 \
			--out $d/s$i.json >/dev/null 2>$d/s$i.err &
		sp+=($!)
	done
	for i in "${sp[@]}"; do wait $i || ok=0; done
	t1=$(now); b1=$(tx_bytes)
	for i in "${pids[@]}"; do wait $i || ok=0; done
	pids=()
	[ $(grep -ls '"match": true' $d/r*.json | wc -l) -eq $n ] || ok=0
	echo "$(awk -v a=$t0 -v b=$t1 'BEGIN{printf "%.6f", b - a}') $((b1 - b0)) $ok"
}

NS_LIST=("$@")
[ ${#NS_LIST[@]} -gt 0 ] || NS_LIST=(1 2 5 10)
setup || die "topology setup failed"
for n in "${NS_LIST[@]}"; do
	[ "$n" -ge 1 ] && [ "$n" -le 10 ] || die "N must be 1..10"
	res=$(for r in $(seq 1 $REPEAT); do
		echo "$(run_endmt $n $r) $(run_unicast $n $r)"
	done)
	echo "$res" | $PY -c '
import sys, statistics as st
n = int(sys.argv[1])
rows = [l.split() for l in sys.stdin if l.strip()]
te = st.median(float(r[0]) for r in rows); be = st.median(int(r[1]) for r in rows)
tu = st.median(float(r[3]) for r in rows); bu = st.median(int(r[4]) for r in rows)
ok = all(r[2] == "1" and r[5] == "1" for r in rows)
print("fanout %d %.3f %.3f %.2f %d %d %s" % (n, te, tu, tu / te, be, bu, "ok" if ok else "FAILED"))
' "$n"
done
