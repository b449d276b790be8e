#!/usr/bin/env bash
# Per-packet / per-copy costs (bench/percopy.c does the work):
#   xdp    End.MT XDP half under BPF_PROG_TEST_RUN
#   edge   XDP + TC in a veth topology, run time from the kernel's BPF stats,
#          for the shipped edge object (incremental ICRC) and a bench-only
#          variant recomputing the whole ICRC per copy (bench/bpf/edge_full.bpf.c)
#   acks   the response path (endmt_transit_xdp) for 2, 8, 64 branches
#   O=build bench/percopy.sh [xdp] [edge] [acks]       (default: all)
# Env: COUNT, REPEAT (see bench/percopy.c).
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
. bench/lib.sh
PC=$O/bench/percopy
FULL=$O/bench/edge_full.bpf.o

cleanup() { topo_cleanup; }
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "percopy: $*" >&2; exit 1; }

[ -x "$PC" ] || die "$PC missing: make O=$O $PC"
[ -f "$O/bpf/edge.bpf.o" ] || die "$O/bpf/edge.bpf.o missing: make O=$O bpf"
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

WHAT=("$@")
[ ${#WHAT[@]} -gt 0 ] || WHAT=(xdp edge acks)

for w in "${WHAT[@]}"; do
	case $w in
	xdp)
		"$PC" xdp "$O/bpf/edge.bpf.o"
		;;
	edge)
		# The full-recompute variant: same flags as the Makefile's BPF rule.
		if ! clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
			-Iinclude -I. -Ibpf -I/usr/include/$(uname -m)-linux-gnu \
			-c bench/bpf/edge_full.bpf.c -o "$FULL" 2>"$O/bench/edge_full.log"; then
			echo "edge-todo full variant does not build (see $O/bench/edge_full.log)"
			FULL=
		fi
		topo_setup || die "topology setup failed"
		nsenter --net=/run/netns/$NS_D "$PC" edge "$O/bpf/edge.bpf.o" incr $NS_S $NS_K
		if [ -n "$FULL" ]; then
			nsenter --net=/run/netns/$NS_D "$PC" edge "$FULL" full $NS_S $NS_K
		fi
		topo_cleanup
		;;
	acks)
		"$PC" acks "$O/bpf/transit.bpf.o"
		;;
	*)
		die "unknown part '$w'"
		;;
	esac
done
