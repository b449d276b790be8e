#!/usr/bin/env bash
# Where an End.MT copy's time goes: the edge of bench/rate.sh (native XDP,
# attached with the endmt CLI, its group and N receivers configured; FANOUT=xdp
# (default: the agent runs, the XDP fan-out) or tc) replicating 1 KiB packets to N receivers
# under trafgen load, sampled with `perf record -e cpu-clock` on all CPUs
# (this VM has no hardware counters, so no cycles/instructions and no
# `bpftool prog profile`).  Prints the top kernel/BPF symbols as
#   profile PCT SYMBOL
# and the flat report to $O/bench/profile.txt.  Only samples of trafgen and
# ksoftirqd (where the veth receive softirq runs) count: other processes of a
# shared machine stay out.
#   O=build bench/profile.sh [N]     (default 32)
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
N=${1:-32}
SECS=${SECS:-3}
ENDMT=$O/endmt
. bench/lib.sh
PIN=/sys/fs/bpf/$T
TMP=$(mktemp -d /tmp/$T.XXXX)
KALL_OLD=$(cat /proc/sys/net/core/bpf_jit_kallsyms 2>/dev/null || echo 0)
tg=
FANOUT=${FANOUT:-xdp}	# the edge's path: xdp (the default) or tc

cleanup() {
	[ -n "$tg" ] && kill -INT -- -$tg 2>/dev/null && wait $tg 2>/dev/null
	bench_agent_down
	[ -d "$PIN" ] && nsenter --net=/run/netns/$NS_D "$ENDMT" --pin-root "$PIN" detach d0 >/dev/null 2>&1
	topo_cleanup
	rm -rf "$PIN" "$TMP"
	echo "$KALL_OLD" > /proc/sys/net/core/bpf_jit_kallsyms 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$ENDMT" ] || { echo "profile-todo endmt CLI not built"; exit 0; }
command -v perf >/dev/null || { echo "profile-todo perf (linux-perf) not installed"; exit 0; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mkdir -p "$O/bench"
TOPO_MTU0=3000 topo_setup || { echo "profile: topology setup failed" >&2; exit 1; }
E="nsenter --net=/run/netns/$NS_D $ENDMT --pin-root $PIN"
$E attach d0 --role edge --mode native >/dev/null && \
	$E sid add fd00:e::1 --edge fd00:e::1 --max-receivers 88 --fanout $FANOUT >/dev/null &&
	bench_group_up $N || { echo "profile: endmt attach/sid/group/receivers failed" >&2; exit 1; }
if [ "$FANOUT" = xdp ]; then
	# k0 runs NAPI (GRO), so d1 takes XDP frames; the agent gives the
	# receivers their slots (as bench/rate.sh's xdp variant)
	ip netns exec $NS_K ethtool -K k0 gro on >/dev/null
	bench_agent_up $N || echo "profile: the agent gave no valid slot in 3 s" >&2
fi
# JITed programs appear as bpf_prog_<tag>_<name> only with jit kallsyms.
echo 1 > /proc/sys/net/core/bpf_jit_kallsyms 2>/dev/null
$O/bench/mkpkt endmt $N 1024 $(mac_of $NS_S s0) $(mac_of $NS_D d0) > $TMP/p.cfg || exit 1
setsid ip netns exec $NS_S trafgen -o s0 --no-sock-mem -i $TMP/p.cfg -P 1 -J -q -C \
	>/dev/null 2>&1 </dev/null &
tg=$!
sleep 0.5
perf record -q -e cpu-clock -a -o $TMP/perf.data -- sleep $SECS >/dev/null 2>&1
kill -INT -- -$tg 2>/dev/null; wait $tg 2>/dev/null; tg=
perf report -i $TMP/perf.data --no-children --sort sym --stdio \
	--comms trafgen,ksoftirqd/0,ksoftirqd/1 --percentage relative 2>/dev/null |
	grep -v '^#' | grep -v '^$' > "$O/bench/profile.txt"
head -25 "$O/bench/profile.txt" | awk -v n=$N '{pct=$1; $1=""; sub(/^ +\[[^]]*\] +/, ""); print "profile", n, pct, $0}'
