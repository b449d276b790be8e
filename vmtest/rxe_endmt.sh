#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Real RDMA through endmt: the kernel's own RoCEv2 stack (rdma_rxe) as the
# source and the receivers of an endmt tree, with unmodified libibverbs RC
# QPs (vmtest/rdmacast.c).  docs/VMTEST.md, "rdma_rxe through endmt".
#
#        S  (rxe, init netns)      fd00:a0::2          source QP
#        |
#        H  head      netns        fd00:c0::1
#        |
#        T  transit   netns        fd00:c1::1          Replication SID fd00:c1::100
#       / \
#     E1   E2  edges  netns        fd00:c2::1 / fd00:c3::1, End.MT SIDs fd00:c2::4d54 / fd00:c3::4d54
#    /  \    \
#   R1  R2   R3  (rxe, init netns) fd00:b1::2 fd00:b2::2 fd00:b3::2
#
# Proxy Address fd00:ff::1; every QP (source and receivers) is connected to
# (Proxy GID, Designated QPN).  R1 starts at the source's PSN and its buffer
# is the one the source's RETHs name; R2 and R3 start at other PSNs and have
# their own buffers and rkeys: their edges translate (psn_offset, va_delta,
# rkey in the tree description).  RFC 9524 replication (no multicast
# routing daemon), configured with `endmt apply` on every router.
#
# The RDMA endpoints' netdevs stay in the initial netns (an rxe device in
# another netns has no UDP/4791 socket there, 6.1); policy routing makes
# their traffic cross the veths: per-iif rules deliver locally, per-source
# rules route out of the endpoint's own veth, "local" moved below both.
#
# Cases: a clean transfer (the rxe counters show no sequence error), and one
# with loss (netem on one branch of the transit, and on every link of the
# response path above an edge: E1 -> T, T -> H, H -> S) that must still
# complete through NAKs, retransmissions and repeated ACKs, with every
# completion successful (the source's QP never leaves RTS).
#
# On the host (no rdma_rxe there) it boots the vmtest VM and runs inside:
#     O=build vmtest/rxe_endmt.sh
# Inside a guest (or any machine with rdma_rxe):  vmtest/rxe_endmt.sh --here
# env: O (build dir), RXM_BYTES (per transfer, default 1M),
#      RXM_LOSS (netem loss in the loss case, default 3%)
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
: "${O:=build}"
case $O in /*) ;; *) O=$repo/$O ;; esac

if [ "${1:-}" != --here ]; then
	for f in "$O/endmt" "$O/tools/rdmacast"; do
		[ -x "$f" ] || { echo "rxe_endmt: $f not built (make O=$O all)" >&2; exit 1; }
	done
	exec "$here/run.sh" --timeout "${VMTEST_TIMEOUT:-900}" -- "$here/rxe_endmt.sh" --here
fi

ENDMT=$O/endmt
CAST=$O/tools/rdmacast
BYTES=${RXM_BYTES:-1M}
LOSS=${RXM_LOSS:-3%}
id=$$
W=/tmp/rxm.$id
PIN=/sys/fs/bpf/rxm-$id
PROXY=fd00:ff::1
ROUTERS="H T E1 E2"
ENDPOINTS="S R1 R2 R3"
declare -A NS=([H]=rxm$id-h [T]=rxm$id-t [E1]=rxm$id-e1 [E2]=rxm$id-e2)
# endpoint: init-netns veth, rxe device, address, gateway (its router's end)
declare -A EDEV=([S]=rxm$id-s [R1]=rxm$id-r1 [R2]=rxm$id-r2 [R3]=rxm$id-r3)
declare -A RXE=([S]=rxm${id}_s [R1]=rxm${id}_r1 [R2]=rxm${id}_r2 [R3]=rxm${id}_r3)
declare -A ADDR=([S]=fd00:a0::2 [R1]=fd00:b1::2 [R2]=fd00:b2::2 [R3]=fd00:b3::2)
declare -A GW=([S]=fd00:a0::1 [R1]=fd00:b1::1 [R2]=fd00:b2::1 [R3]=fd00:b3::1)
declare -A PREF=([S]=30 [R1]=31 [R2]=32 [R3]=33)
fails=0
pids=()
rules_moved=0

say() { echo "rxe_endmt: $*"; }
ok() { say "ok   $*"; }
bad() { say "FAIL $*"; fails=$((fails + 1)); }
in_ns() { local n=$1; shift; nsenter --net="/run/netns/${NS[$n]}" "$@"; }
endmt() { local n=$1; shift; in_ns "$n" "$ENDMT" --pin-root "$PIN/$n" "$@"; }
hw() { cat "/sys/class/infiniband/$1/ports/1/hw_counters/$2" 2> /dev/null || echo 0; }
mac() { ip ${2:+-n "$2"} -j link show "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }

cleanup() {
	local p n e dev
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2> /dev/null; done
	for e in $ENDPOINTS; do rdma link del "${RXE[$e]}" 2> /dev/null; done
	for n in $ROUTERS; do
		[ -e "/run/netns/${NS[$n]}" ] || continue
		for dev in $(ip -n "${NS[$n]}" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
			[ "$dev" = lo ] || endmt "$n" detach "$dev" > /dev/null 2>&1
		done
		ip netns del "${NS[$n]}"
	done
	for e in $ENDPOINTS; do
		ip link del "${EDEV[$e]}" 2> /dev/null
		ip -6 rule del pref "${PREF[$e]}" 2> /dev/null
		ip -6 rule del pref $((PREF[$e] + 10)) 2> /dev/null
		ip -6 route flush table $((1000 + PREF[$e])) 2> /dev/null
	done
	if [ "$rules_moved" = 1 ]; then
		ip -6 rule add pref 0 lookup local 2> /dev/null
		ip -6 rule del pref 100 lookup local 2> /dev/null
	fi
	rm -rf "$PIN" "$W"
}
trap cleanup EXIT

# ---------------------------------------------------------------- topology
# link NODE_A DEV_A NODE_B DEV_B NET: NODE_A is the upper end (NET::1), NODE_B
# the lower one (NET::2); "init" is the initial netns.  Permanent neighbours.
link() {
	local a=$1 da=$2 b=$3 db=$4 net=$5 nsa='' nsb='' ma mb
	[ "$a" = init ] || nsa=${NS[$a]}
	[ "$b" = init ] || nsb=${NS[$b]}
	ip link add "$da" ${nsa:+netns "$nsa"} type veth peer name "$db" ${nsb:+netns "$nsb"} || return 1
	ip ${nsa:+-n "$nsa"} addr add "$net::1/64" dev "$da" nodad || return 1
	ip ${nsb:+-n "$nsb"} addr add "$net::2/64" dev "$db" nodad || return 1
	ip ${nsa:+-n "$nsa"} link set "$da" up || return 1
	ip ${nsb:+-n "$nsb"} link set "$db" up || return 1
	ma=$(mac "$da" "$nsa") mb=$(mac "$db" "$nsb")
	ip ${nsa:+-n "$nsa"} neigh replace "$net::2" lladdr "$mb" dev "$da" nud permanent || return 1
	ip ${nsb:+-n "$nsb"} neigh replace "$net::1" lladdr "$ma" dev "$db" nud permanent
}

topology() {
	local n e t
	for n in $ROUTERS; do
		ip netns add "${NS[$n]}" || return 1
		ip -n "${NS[$n]}" link set lo up
		in_ns "$n" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_ra=0 \
			net.ipv6.conf.default.accept_ra=0 > /dev/null || return 1
	done
	ip -n "${NS[H]}" addr add fd00:c0::1/128 dev lo
	ip -n "${NS[T]}" addr add fd00:c1::1/128 dev lo
	ip -n "${NS[E1]}" addr add fd00:c2::1/128 dev lo
	ip -n "${NS[E2]}" addr add fd00:c3::1/128 dev lo
	link H h-s init "${EDEV[S]}" fd00:a0 || return 1
	link H h-t T t-h fd00:a1 || return 1
	link T t-e1 E1 e1-t fd00:a2 || return 1
	link T t-e2 E2 e2-t fd00:a3 || return 1
	link E1 e1-r1 init "${EDEV[R1]}" fd00:b1 || return 1
	link E1 e1-r2 init "${EDEV[R2]}" fd00:b2 || return 1
	link E2 e2-r3 init "${EDEV[R3]}" fd00:b3 || return 1
	# routers: subtrees toward the children, default toward the parent; the
	# head routes the Proxy Address toward the source.  A router owns the
	# /64 of its address (its SIDs live there).
	ip -n "${NS[H]}" -6 route add $PROXY/128 via fd00:a0::2 || return 1
	for t in fd00:a2 fd00:a3 fd00:b1 fd00:b2 fd00:b3 fd00:c1 fd00:c2 fd00:c3; do
		ip -n "${NS[H]}" -6 route add "$t::/64" via fd00:a1::2 || return 1
	done
	ip -n "${NS[T]}" -6 route add default via fd00:a1::1 || return 1
	for t in fd00:b1 fd00:b2 fd00:c2; do
		ip -n "${NS[T]}" -6 route add "$t::/64" via fd00:a2::2 || return 1
	done
	for t in fd00:b3 fd00:c3; do
		ip -n "${NS[T]}" -6 route add "$t::/64" via fd00:a3::2 || return 1
	done
	ip -n "${NS[E1]}" -6 route add default via fd00:a2::1 || return 1
	ip -n "${NS[E2]}" -6 route add default via fd00:a3::1 || return 1
	# endpoints in the initial netns: iif rules deliver what arrives on an
	# endpoint's veth locally, source rules send each endpoint's packets out
	# of its own veth (to its router), and "local" comes after both (else
	# the kernel would loop packets between two local addresses).
	for e in $ENDPOINTS; do
		ip -6 rule add pref "${PREF[$e]}" iif "${EDEV[$e]}" lookup local || return 1
		ip -6 rule add pref $((PREF[$e] + 10)) from "${ADDR[$e]}" lookup $((1000 + PREF[$e])) || return 1
		ip -6 route add default via "${GW[$e]}" dev "${EDEV[$e]}" table $((1000 + PREF[$e])) || return 1
	done
	ip -6 rule add pref 100 lookup local || return 1
	rules_moved=1
	ip -6 rule del pref 0 lookup local || return 1
	for e in $ENDPOINTS; do
		rdma link add "${RXE[$e]}" type rxe netdev "${EDEV[$e]}" || return 1
	done
}

modprobe -a rdma_rxe sch_netem || { say "FAIL modprobe rdma_rxe sch_netem"; exit 1; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mkdir -p "$W" "$PIN" || exit 1
if ! topology; then
	say "FAIL building the topology"
	exit 1
fi
ok "topology: source ${RXE[S]}, receivers ${RXE[R1]} ${RXE[R2]} ${RXE[R3]}; routers ${NS[*]}"

# ------------------------------------------------------------ tree + apply
# tree_json CASE DQPN: the tree description from the endpoints' info files
# (the control plane's job: it knows every QPN, PSN and memory key).  R1
# needs no translation (its PSN and buffer are the source's view); R2 and R3
# get psn_offset = their PSN - the source's, va_delta = their buffer - R1's,
# rkey = theirs.
tree_json() {
	/usr/bin/python3 - "$W/$1" "$2" "$PROXY" > "$W/$1.json" <<'PYEOF'
import json, sys
base, dqpn, proxy = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def info(who):
    d = {}
    for line in open(f"{base}-{who}.info"):
        k, v = line.split()
        d[k] = int(v, 0)
    return d
s = info("s")
rcv = {r: info(r) for r in ("r1", "r2", "r3")}
addr = {"r1": "fd00:b1::2", "r2": "fd00:b2::2", "r3": "fd00:b3::2"}
edge = {"r1": "E1", "r2": "E1", "r3": "E2"}
def off(p):
    d = (p - s["psn"]) % (1 << 24)
    return d - (1 << 24) if d >= 1 << 23 else d
rl = []
for r in ("r1", "r2", "r3"):
    i = rcv[r]
    e = {"name": r.upper(), "addr": addr[r], "qpn": i["qpn"], "edge": edge[r],
         "psn_offset": off(i["psn"])}
    if r != "r1":
        e["va_delta"] = i["va"] - rcv["r1"]["va"]
        e["rkey"] = i["rkey"]
    rl.append(e)
tree = {
    "tlv_type": 124,
    "nodes": {
        "H": {"addr": "fd00:c0::1", "parent": None, "links": {"S": "h-s", "T": "h-t"}},
        "T": {"addr": "fd00:c1::1", "parent": "H",
              "links": {"H": "t-h", "E1": "t-e1", "E2": "t-e2"}},
        "E1": {"addr": "fd00:c2::1", "parent": "T",
               "links": {"T": "e1-t", "R1": "e1-r1", "R2": "e1-r2"}},
        "E2": {"addr": "fd00:c3::1", "parent": "T", "links": {"T": "e2-t", "R3": "e2-r3"}},
    },
    "groups": [{
        "name": "rxe", "proxy": proxy, "dqpn": dqpn, "start_psn": s["psn"],
        "replication": {"T": "fd00:c1::100"},
        "edge_sids": {"E1": "fd00:c2::4d54", "E2": "fd00:c3::4d54"},
        "source": {"name": "S", "addr": "fd00:a0::2", "qpn": s["qpn"], "head": "H"},
        "receivers": rl,
    }],
}
json.dump(tree, sys.stdout, indent=1)
print(f"go: va {rcv['r1']['va']:#x} rkey {rcv['r1']['rkey']:#x}", file=sys.stderr)
with open(base + ".go.tmp", "w") as f:
    f.write(f"va {rcv['r1']['va']:#x}\nrkey {rcv['r1']['rkey']:#x}\n")
PYEOF
}

wait_files() { # timeout file...
	local t=$1 f missing; shift
	for _ in $(seq $((t * 10))); do
		missing=0
		for f in "$@"; do [ -e "$f" ] || missing=1; done
		[ "$missing" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

dmesg_mark() { dmesg | wc -l; }

# run_case NAME DQPN SRC_PSN R2_PSN R3_PSN: one RC transfer from S to R1..R3.
# Prints the rxe counters; leaves them in $W/NAME.cnt for the caller.
run_case() {
	local c=$1 dqpn=$2 spsn=$3 r2psn=$4 r3psn=$5 e n rc src r p f
	local -A rpid psn=([S]=$spsn [R1]=$spsn [R2]=$r2psn [R3]=$r3psn)
	local -A c0
	for e in $ENDPOINTS; do
		for f in sent_pkts rcvd_pkts out_of_seq_request rcvd_seq_err duplicate_request \
			completer_retry_err retry_exceeded_err retry_rnr_exceeded_err send_err \
			rcvd_rnr_err send_rnr_err; do
			c0[$e.$f]=$(hw "${RXE[$e]}" "$f")
		done
	done
	for r in R1 R2 R3; do
		p=${r,,}
		"$CAST" recv --dev "${RXE[$r]}" --addr "${ADDR[$r]}" --proxy $PROXY --dqpn "$dqpn" \
			--psn "${psn[$r]}" --bytes "$BYTES" --info "$W/$c-$p.info" --stop "$W/$c.stop" \
			--dump "$W/$c-$p.dump" --timeout 240 > "$W/$c-$p.out" 2>&1 &
		rpid[$r]=$!
		pids+=("$!")
	done
	"$CAST" send --dev "${RXE[S]}" --addr "${ADDR[S]}" --proxy $PROXY --dqpn "$dqpn" \
		--psn "$spsn" --bytes "$BYTES" --info "$W/$c-s.info" --go "$W/$c.go" \
		--dump "$W/$c-s.dump" --timeout 240 > "$W/$c-s.out" 2>&1 &
	src=$!
	pids+=("$src")
	if ! wait_files 60 "$W/$c-s.info" "$W/$c-r1.info" "$W/$c-r2.info" "$W/$c-r3.info"; then
		bad "$c: the endpoints did not set up their QPs"
		cat "$W/$c"-*.out
		touch "$W/$c.stop"
		return 1
	fi
	tree_json "$c" "$dqpn" 2> "$W/$c.golog" || { bad "$c: tree description"; return 1; }
	for n in $ROUTERS; do
		if ! endmt "$n" apply "$W/$c.json" --node "$n" > "$W/$c-apply-$n.log" 2>&1; then
			bad "$c: endmt apply on $n: $(cat "$W/$c-apply-$n.log")"
			touch "$W/$c.stop"
			return 1
		fi
	done
	say "     $c: QPNs source $(sed -n 's/^qpn //p' "$W/$c-s.info")," \
		"R1 $(sed -n 's/^qpn //p' "$W/$c-r1.info") R2 $(sed -n 's/^qpn //p' "$W/$c-r2.info")" \
		"R3 $(sed -n 's/^qpn //p' "$W/$c-r3.info"); $(cat "$W/$c.golog")"
	# the go file: the source starts
	mv "$W/$c.go.tmp" "$W/$c.go"
	wait "$src"
	rc=$?
	touch "$W/$c.stop"
	sed 's/^/  source: /' "$W/$c-s.out"
	if [ "$rc" -eq 0 ] && grep -q 'all completions successful, QP RTS' "$W/$c-s.out"; then
		ok "$c: source: every RDMA WRITE and SEND completed successfully, QP still RTS"
	else
		bad "$c: source exit $rc"
	fi
	for r in R1 R2 R3; do
		p=${r,,}
		wait "${rpid[$r]}"
		rc=$?
		sed "s/^/  $r: /" "$W/$c-$p.out"
		if [ "$rc" -eq 0 ] && cmp -s "$W/$c-s.dump" "$W/$c-$p.dump"; then
			ok "$c: $r buffer byte-identical to the source's ($(stat -c %s "$W/$c-$p.dump") bytes), every SEND payload right"
		else
			bad "$c: $r exit $rc, buffer $(cmp "$W/$c-s.dump" "$W/$c-$p.dump" 2>&1 | head -1)"
		fi
	done
	: > "$W/$c.cnt"
	for e in $ENDPOINTS; do
		for f in sent_pkts rcvd_pkts out_of_seq_request rcvd_seq_err duplicate_request \
			completer_retry_err retry_exceeded_err retry_rnr_exceeded_err send_err \
			rcvd_rnr_err send_rnr_err; do
			echo "$e $f $(( $(hw "${RXE[$e]}" "$f") - c0[$e.$f] ))" >> "$W/$c.cnt"
		done
		say "     $c: $e $(awk -v e="$e" '$1 == e && $3 != 0 {printf "%s %s  ", $2, $3}' "$W/$c.cnt")"
	done
	for n in $ROUTERS; do
		endmt "$n" show > "$W/$c-show-$n.txt" 2>&1
	done
	return 0
}

cnt() { awk -v e="$2" -v f="$3" '$1 == e && $2 == f {print $3}' "$W/$1.cnt"; }

# Transport errors that must be zero in every case: the requester never
# gave up, nothing was refused for lack of a receive, no send failed.
check_fatal() {
	local c=$1 e f v
	for e in $ENDPOINTS; do
		for f in retry_exceeded_err retry_rnr_exceeded_err send_err rcvd_rnr_err send_rnr_err; do
			v=$(cnt "$c" "$e" "$f")
			[ "$v" = 0 ] || bad "$c: $e $f = $v"
		done
	done
}

d0=$(dmesg_mark)

# -------------------------------------------- case 1: clean, across 2^24
# The source starts 0x200 PSNs before the wrap (a 1 MiB transfer is about
# 1100 packets); R2 0x100 PSNs later, R3 far away (offset crosses the wrap
# the other way).
if run_case clean 4660 0xfffe00 0xffff00 0x001234; then
	check_fatal clean
	for e in R1 R2 R3; do
		v=$(cnt clean "$e" out_of_seq_request)
		[ "$v" = 0 ] || bad "clean: $e out_of_seq_request = $v (a packet arrived out of sequence with no loss)"
	done
	v=$(cnt clean S rcvd_seq_err)
	if [ "$v" = 0 ]; then
		ok "clean: no NAK reached the source (S rcvd_seq_err 0)"
	else
		bad "clean: S rcvd_seq_err = $v (a NAK with no loss)"
	fi
	# Without loss every packet S sent reaches every receiver, and rxe
	# counts it only after its ICRC check passed.
	n=$(cnt clean S sent_pkts)
	all=1
	for e in R1 R2 R3; do
		v=$(cnt clean "$e" rcvd_pkts)
		[ "$v" = "$n" ] || { bad "clean: $e rxe rcvd_pkts = $v, S sent_pkts = $n"; all=0; }
	done
	[ "$all" = 1 ] && ok "clean: each receiver's rxe accepted all $n packets S sent (ICRC valid)"
	# The translations really ran at the edges: receivers at their own
	# PSN and memory key would NAK anything untranslated.
	if grep -q 'R2\|fd00:b2::2' "$W/clean-show-E1.txt" && grep -q 'fd00:b3::2' "$W/clean-show-E2.txt"; then
		ok "clean: edges hold R2's and R3's translations (endmt show)"
	else
		bad "clean: endmt show on E1/E2 lacks the receivers"
	fi
fi

# -------------------------------------------- case 2: loss on one branch
# netem drops on T -> E2 (R3's data) and on the whole response path above
# the edges: E1 -> T (R1's and R2's ACKs, after E1's aggregation), T -> H
# and H -> S (the aggregated responses).  RC recovers by NAK (R3 sees a
# gap) and by the source's retransmission timer, whose retransmissions
# make every receiver repeat its AckPSN and every aggregation point send
# its minimum again.  Another Designated QPN, so this is a fresh group
# next to the first one.
in_ns T tc qdisc add dev t-e2 root netem loss "$LOSS" || bad "netem on T t-e2"
in_ns E1 tc qdisc add dev e1-t root netem loss "$LOSS" || bad "netem on E1 e1-t"
in_ns T tc qdisc add dev t-h root netem loss "$LOSS" || bad "netem on T t-h"
in_ns H tc qdisc add dev h-s root netem loss "$LOSS" || bad "netem on H h-s"
if run_case loss 4661 0x000100 0x7fff00 0xabcdef; then
	check_fatal loss
	v=$(cnt loss R3 out_of_seq_request)
	n=$(cnt loss S rcvd_seq_err)
	if [ "$v" -gt 0 ] && [ "$n" -gt 0 ]; then
		ok "loss: recovered from losses: R3 saw $v out-of-sequence packets, S received $n sequence-error NAKs, retransmitted"
	else
		bad "loss: no NAK recovery seen (R3 out_of_seq_request $v, S rcvd_seq_err $n): did netem drop anything?"
	fi
	say "     netem: $(in_ns T tc -s qdisc show dev t-e2 | grep -o 'dropped [0-9]*' | head -1) on T t-e2," \
		"$(in_ns E1 tc -s qdisc show dev e1-t | grep -o 'dropped [0-9]*' | head -1) on E1 e1-t," \
		"$(in_ns T tc -s qdisc show dev t-h | grep -o 'dropped [0-9]*' | head -1) on T t-h," \
		"$(in_ns H tc -s qdisc show dev h-s | grep -o 'dropped [0-9]*' | head -1) on H h-s"
	for n in E1 T H; do
		say "     $n: resp_ack_repeated $(endmt "$n" --json show | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"].get("resp_ack_repeated", 0))')"
	done
fi
for d in T:t-e2 E1:e1-t T:t-h H:h-s; do in_ns "${d%%:*}" tc qdisc del dev "${d#*:}" root 2> /dev/null; done

# rxe drops a packet whose ICRC, DGID or QPN is wrong with a rate-limited
# warning and no counter: none of them may appear.
if dmesg | tail -n +$((d0 + 1)) | grep -E 'rdma_rxe|rxe' | grep -Eiq 'bad ICRC|failed matching dgid|no qp matches|bad qp type'; then
	bad "rdma_rxe complained: $(dmesg | tail -n +$((d0 + 1)) | grep -E 'ICRC|dgid|no qp' | head -5)"
else
	ok "rdma_rxe logged no bad ICRC, unknown DGID or unknown QPN"
fi

if [ "$fails" -eq 0 ]; then
	say "PASS"
	exit 0
fi
for f in "$W"/*-apply-*.log; do say "  $(basename "$f"): $(tail -1 "$f")"; done
say "$fails check(s) failed"
exit 1
