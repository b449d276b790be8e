#!/usr/bin/env bash
# Per-packet / per-copy costs (bench/percopy/ does the work):
#   xdp    End.MT XDP half under BPF_PROG_TEST_RUN
#   edge   XDP + TC in a veth topology, run time from the kernel's BPF stats,
#          for the shipped edge object (incremental ICRC) and two bench-only
#          variants (bench/bpf/edge_full.bpf.c): the whole ICRC recomputed per
#          copy, and no ICRC work at all (to isolate the update's cost)
#   acks   the response path (endmt_transit_xdp) for 2, 8, 64 branches
#   icrc   the per-copy ICRC update alone under BPF_PROG_TEST_RUN
#          (bench/bpf/icrc_bench.bpf.c): the edge's sparse walk with the table
#          product against the whole window with the bitwise one
#   tm     telemetry's cost (docs/TELEMETRY.md): the edge's XDP half on
#          untraced frames, traced ones with export off (walk + removal)
#          and on (+ postcard, the ring drained outside the measured time);
#          the head's TC with telemetry off and on (every packet traced);
#          TM_BASE=DIR adds objects built before telemetry, to compare "off"
#   pm     alternate marking's cost (docs/PM.md): the edge's XDP half on
#          unmarked frames, marked ones (RFC 9343 AltMark: walk, removal,
#          count) and D-marked ones (+ the D-mark record, drained outside
#          the measured time); the head's TC unmarked and marked
#   O=build bench/percopy.sh [xdp] [edge] [acks] [icrc] [tm] [pm]   (default: all)
# Env: COUNT, REPEAT (see bench/percopy/main.c); BASE=OBJ adds an edge object
# built elsewhere (e.g. another commit's $O/bpf/edge.bpf.o) as variant "base",
# measured in the same rounds as the others: before/after on equal terms.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
. bench/lib.sh
percopy_prep percopy

WHAT=("$@")
[ ${#WHAT[@]} -gt 0 ] || WHAT=(xdp edge acks icrc tm pm mpls)

for w in "${WHAT[@]}"; do
	case $w in
	xdp)
		"$PC" xdp "$O/bpf/edge.bpf.o"
		;;
	tm)
		"$PC" xdp "$O/bpf/edge.bpf.o"
		TM=strip "$PC" xdp "$O/bpf/edge.bpf.o"
		TM=export "$PC" xdp "$O/bpf/edge.bpf.o"
		"$PC" head "$O/bpf/head.bpf.o"
		# TM_BASE=DIR: objects built before telemetry (DIR/bpf/edge.bpf.o,
		# head.bpf.o), untraced, in alternating rounds with ours: what
		# telemetry off costs
		if [ -n "${TM_BASE:-}" ]; then
			for r in 1 2 3; do
				"$PC" xdp "$TM_BASE/bpf/edge.bpf.o" | sed 's/^xdp /xdp-base /'
				"$PC" xdp "$O/bpf/edge.bpf.o"
				TM_OFF_ONLY=1 "$PC" head "$TM_BASE/bpf/head.bpf.o" | sed 's/^head /head-base /'
				TM_OFF_ONLY=1 "$PC" head "$O/bpf/head.bpf.o"
			done
		fi
		;;
	pm)
		# unmarked and marked in alternating rounds: same machine state
		for r in 1 2 3; do
			"$PC" xdp "$O/bpf/edge.bpf.o"
			PM=1 "$PC" xdp "$O/bpf/edge.bpf.o"
			PM=d "$PC" xdp "$O/bpf/edge.bpf.o"
			TM_OFF_ONLY=1 "$PC" head "$O/bpf/head.bpf.o"
			TM_OFF_ONLY=1 PM=1 "$PC" head "$O/bpf/head.bpf.o"
		done
		;;
	edge)
		# Bench-only variants, same flags as the Makefile's BPF rule:
		# full = ICRC recomputed per copy; none = no ICRC work (invalid
		# copies: the difference to incr is what the ICRC update costs).
		VARIANTS=()
		for v in full none; do
			def=; [ $v = none ] && def=-DBENCH_NO_ICRC
			if clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror $def \
				-Iinclude -I. -Ibpf -I/usr/include/$(uname -m)-linux-gnu \
				-c bench/bpf/edge_full.bpf.c -o "$O/bench/edge_$v.bpf.o" \
				2>"$O/bench/edge_$v.log"; then
				VARIANTS+=($v)
			else
				echo "edge-todo variant $v does not build (see $O/bench/edge_$v.log)"
			fi
		done
		topo_setup || die "topology setup failed"
		args=(incr "$O/bpf/edge.bpf.o")
		for v in "${VARIANTS[@]}"; do args+=($v "$O/bench/edge_$v.bpf.o"); done
		[ -n "${BASE:-}" ] && args+=(base "$BASE")
		nsenter --net=/run/netns/$NS_D "$PC" edge $NS_S $NS_K "${args[@]}"
		topo_cleanup
		;;
	acks)
		"$PC" acks "$O/bpf/transit.bpf.o"
		;;
	mpls)
		for r in 1 2 3; do
			"$PC" mpls "$O/bpf/mpls.bpf.o"
		done
		;;
	icrc)
		if clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
			-Iinclude -I. -Ibpf -I/usr/include/$(uname -m)-linux-gnu \
			-c bench/bpf/icrc_bench.bpf.c -o "$O/bench/icrc_bench.bpf.o" \
			2>"$O/bench/icrc_bench.log"; then
			"$PC" icrc "$O/bench/icrc_bench.bpf.o"
		else
			echo "icrc-todo bench/bpf/icrc_bench.bpf.c does not build (see $O/bench/icrc_bench.log)"
		fi
		;;
	*)
		die "unknown part '$w'"
		;;
	esac
done
