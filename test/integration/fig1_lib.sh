# Shared shell helpers of the rcpeer / Figure 1 scripts (sourced, not run).
# Needs O (build dir) and a writable IMPAIR_DIR for compiled objects.

# The host kernel has no netem: impairment is test/integration/impair.bpf.c
# on TC egress, compiled per setting, plus a root HTB whose slow class 1:20
# is where "reordered" packets wait while later ones overtake them.
IMPAIR_SRC=${IMPAIR_SRC:-$(dirname "${BASH_SOURCE[0]}")/impair.bpf.c}
IMPAIR_PREF=49

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
