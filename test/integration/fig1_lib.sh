# Shared shell helpers of the rcpeer / Figure 1 scripts (sourced, not run).
# Needs O (build dir) and a writable IMPAIR_DIR for compiled objects.

# The host kernel has no netem: impairment is test/integration/impair.bpf.c
# on TC egress, compiled per setting, plus a root HTB whose slow class 1:20
# is where "reordered" packets wait while later ones overtake them.
IMPAIR_SRC=${IMPAIR_SRC:-$(dirname "${BASH_SOURCE[0]}")/impair.bpf.c}
IMPAIR_PREF=49
# tms/tn/tsleep: ENDMT_TIME_SCALE (slow machines, the vmtest guest)
. "$(dirname "${BASH_SOURCE[0]}")/time_scale.sh" || return 1

# impair_attach NS DEV "LOSS_PPM=20000 REORDER_PPM=50000 ..." [SLOW_RATE]
impair_attach() {
	local ns=$1 dev=$2 knobs=$3 slow=${4:-100mbit} defs="" k obj
	for k in $knobs; do defs="$defs -D$k"; done
	obj=$IMPAIR_DIR/impair-$(echo "$knobs" | tr ' =' '_-').o
	if [ ! -e "$obj" ]; then
		clang -O2 -g -target bpf -I"/usr/include/$(uname -m)-linux-gnu" $defs \
			-c "$IMPAIR_SRC" -o "$obj" || return 1
	fi
	tc -n "$ns" qdisc add dev "$dev" root handle 1: htb default 10 || return 1
	tc -n "$ns" class add dev "$dev" parent 1: classid 1:10 htb rate 10gbit quantum 60000 || return 1
	tc -n "$ns" class add dev "$dev" parent 1: classid 1:20 htb rate "$slow" quantum 1514 || return 1
	# clsact may already be there (endmt's TC programs): then it is not ours.
	if ! tc -n "$ns" qdisc show dev "$dev" | grep -q clsact; then
		tc -n "$ns" qdisc add dev "$dev" clsact || return 1
		touch "$IMPAIR_DIR/clsact-$ns-$dev"
	fi
	tc -n "$ns" filter add dev "$dev" egress pref $IMPAIR_PREF bpf da obj "$obj" sec tc
}

# impair_clear NS DEV: removes what impair_attach added, nothing else.
impair_clear() {
	local ns=$1 dev=$2
	tc -n "$ns" filter del dev "$dev" egress pref $IMPAIR_PREF 2>/dev/null || true
	tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null || true
	if [ -e "$IMPAIR_DIR/clsact-$ns-$dev" ]; then
		tc -n "$ns" qdisc del dev "$dev" clsact 2>/dev/null || true
		rm -f "$IMPAIR_DIR/clsact-$ns-$dev"
	fi
}

# fig1_rcvs JSON: the first group's receivers, one line each:
#   NAME ADDR QPN PSN_OFFSET VA RKEY
# VA and RKEY are what the receiver's RETHs carry once its edge translated
# them (endmt_rcv_xlate: va + va_delta, rkey := rkey; 0/0 is no translation,
# as in `endmt apply`) when the source uses rcpeer's defaults (va
# 0x10000000, rkey 0x1234): give them to `rcpeer recv --va --rkey`, and
# start it at the source's PSN + PSN_OFFSET.
fig1_rcvs() {
	/usr/bin/python3 - "$1" <<'PYEOF'
import json, sys
g = json.load(open(sys.argv[1]))["groups"][0]
for r in g["receivers"]:
    vd, rk = r.get("va_delta") or 0, r.get("rkey") or 0
    reth = bool(vd or rk)
    va = (0x10000000 + vd) % 2**64 if reth else 0x10000000
    print(r["name"], r["addr"], r["qpn"], r.get("psn_offset") or 0, hex(va),
          hex(rk if reth else 0x1234))
PYEOF
}

# fig1_rx_in_order ID: a clean link of the Figure 1 network delivers in
# order, whatever CPU the packets were sent from.  A veth with a native XDP
# program is fed through its own ring and NAPI: in order.  One without (the
# hosts' links, the transit nodes' parent links) has no queue of its own:
# veth_xmit gives the packet to netif_rx, which puts it on the backlog of
# the CPU it runs on.  The sender there is the upstream node's NAPI poll,
# which runs on one CPU for a poll and may run on the other for the next:
# two packets of one flow then wait on two CPUs' backlogs and the later one
# can be delivered first.  An RC responder NAKs that as a sequence error, on
# a link nobody impaired.  Under qemu TCG (vCPUs are host threads, preempted
# for milliseconds) it happens in most transfers (docs/VMTEST.md); on the
# host rarely.  RPS with one CPU puts every packet of such a device on one
# backlog (CPU 0's), in the order they were sent.
fig1_rx_in_order() {
	local id=$1 n ns devs
	for n in $F1_ROUTERS $F1_HOSTS; do
		ns=$(fig1_ns "$id" "$n")
		devs=$(ip -n "$ns" -o link show | awk -F': ' '$0 !~ / xdp / && $2 != "lo" {print $2}' | cut -d@ -f1)
		[ -n "$devs" ] || continue
		# shellcheck disable=SC2016
		ip netns exec "$ns" sh -c 'for d; do for q in /sys/class/net/$d/queues/rx-*/rps_cpus; do
			echo 1 > "$q" || exit 1; done; done' rps $devs || return 1
	done
}

# fig1_receivers ID DIR BYTES: an rcpeer responder on each receiver of
# $F1_JSON as it describes them (fig1_rcvs: own start PSN, own RETH va and
# rkey) for BYTES, reports in DIR/NAME.json, stderr in DIR/NAME.err; their
# pids appended to RPIDS and pids.  Returns once all listen; 1 (with the
# reason on stderr) if one does not.  Their idle bound (20 s, times
# ENDMT_TIME_SCALE) only has to cover the wait for the first packet.
fig1_receivers() {
	local id=$1 dir=$2 bytes=$3 n a q off va rk
	while read -r n a q off va rk; do
		nsenter --net="/run/netns/$(fig1_ns "$id" "$n")" "$O/tools/rcpeer" recv \
			--local "$a" --peer fd00:ff::1 --qpn "$q" --dqpn 4660 --psn $((off & 0xffffff)) \
			--va "$va" --rkey "$rk" --bytes "$bytes" --idle-ms "$(tms 20000)" --linger-ms "$(tms 500)" \
			--out "$dir/$n.json" >/dev/null 2>"$dir/$n.err" &
		RPIDS+=($!)
		pids+=($!)
	done < <(fig1_rcvs "$F1_JSON")
	for n in $(fig1_rcvs "$F1_JSON" | awk '{print $1}'); do
		for _ in $(seq "$(tn 50)"); do grep -qs listening "$dir/$n.err" && break; sleep 0.1; done
		grep -qs listening "$dir/$n.err" ||
			{ echo "receiver $n did not start: $(cat "$dir/$n.err")" >&2; return 1; }
	done
}
