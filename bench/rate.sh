#!/usr/bin/env bash
# Packet rate on veth: copies delivered per second by one node, for
#   plain   IPv6 forwarding of the inner RoCEv2 packet (baseline)
#   dt6     the kernel's SRv6 End.DT6 decapsulation (seg6local; baseline)
#   endmt   End.MT (endmt edge XDP + TC) replicating to N receivers
# Topology (three private netns, names carry this shell's pid):
#   [src] s0 ==veth== d0 [dut] d1 ==veth== k0 [sink]
# trafgen (one process, one CPU) sends one prebuilt frame (bench/mkpkt) in a
# loop from src; the sink drops everything (IPv6 off on k0, bench/lib.sh); we
# count what k0 received.  The edge runs native XDP (XDP_MODE=skb to compare),
# so s0/d0 use MTU 3000 (veth's limit for native XDP without frags).
# CPU per copy: busy time of all CPUs (/proc/stat) over the window, divided by
# copies delivered: it includes the sender (trafgen + veth), so compare kinds
# with each other, not with a hardware NIC.  With kernel.bpf_stats_enabled the
# endmt runs also report run_time_ns/run_cnt of each endmt program.
#
#   O=build bench/rate.sh [CASES...]      CASE = kind:nrcv:paylen, e.g. endmt:11:1024
# Env: SECS (measure window, default 2), WARM (default 0.5), REPEAT (default 3),
#      XDP_MODE (native).
# Output: one line per case: "rate KIND N PAYLEN copies/s cpu-ns/copy pps bpf-ns/pkt"
# (medians over REPEAT rounds, each round measuring every case in turn);
# "rate-todo ..." when a piece is missing.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
SECS=${SECS:-2}
WARM=${WARM:-0.5}
REPEAT=${REPEAT:-3}
ENDMT=$O/endmt
MKPKT=$O/bench/mkpkt
. bench/lib.sh
PIN=/sys/fs/bpf/${T}
TMP=$(mktemp -d /tmp/${T}.XXXX)
STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo 0)

cleanup() {
	if [ -x "$ENDMT" ] && [ -d "$PIN" ]; then
		nsenter --net=/run/netns/$NS_D "$ENDMT" --pin-root "$PIN" detach d0 >/dev/null 2>&1
	fi
	topo_cleanup
	rm -rf "$PIN" "$TMP"
	echo "$STATS_OLD" > /proc/sys/kernel/bpf_stats_enabled 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "rate: $*" >&2; exit 1; }

[ -x "$MKPKT" ] || die "$MKPKT missing: make O=$O $MKPKT"
command -v trafgen >/dev/null || die "trafgen missing (netsniff-ng)"
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

setup() {
	TOPO_MTU0=3000 topo_setup || return 1
	SMAC=$(mac_of $NS_S s0)
	DMAC=$(mac_of $NS_D d0)
}

ENDMT_UP=0
endmt_up() {
	[ $ENDMT_UP -eq 1 ] && return 0
	[ -x "$ENDMT" ] || { TODO="endmt CLI ($ENDMT) not built"; return 1; }
	local E="nsenter --net=/run/netns/$NS_D $ENDMT --pin-root $PIN"
	if ! $E attach d0 --role edge --mode ${XDP_MODE:-native} >$TMP/attach.log 2>&1; then
		TODO="endmt attach --role edge failed: $(tail -1 $TMP/attach.log)"; return 1
	fi
	if ! $E sid add fd00:e::1 --edge fd00:e::1 --max-receivers 88 >$TMP/sid.log 2>&1; then
		TODO="endmt sid add failed: $(tail -1 $TMP/sid.log)"; return 1
	fi
	ENDMT_UP=1
}
endmt_down() {
	[ $ENDMT_UP -eq 1 ] || return 0
	nsenter --net=/run/netns/$NS_D "$ENDMT" --pin-root "$PIN" detach d0 >/dev/null 2>&1
	ENDMT_UP=0
}

rx_sink() {
	ip -n $NS_K -s -j link show k0 | /usr/bin/python3 -c \
		'import json,sys;print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}
cpu_busy() { # jiffies of non-idle time over all CPUs
	awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat
}
# Sum of run_time_ns and run_cnt over this node's endmt programs (bpf_stats).
bpf_runtime() {
	local ids
	ids=$(nsenter --net=/run/netns/$NS_D bpftool -j net show dev d0 2>/dev/null | /usr/bin/python3 -c '
import json,sys
ids=set()
def walk(o):
    if isinstance(o,dict):
        for k,v in o.items():
            if k in ("id","prog_id") and isinstance(v,int): ids.add(v)
            else: walk(v)
    elif isinstance(o,list):
        for v in o: walk(v)
walk(json.load(sys.stdin)); print(" ".join(map(str,sorted(ids))))')
	local t=0 c=0 id
	for id in $ids; do
		read -r rt rc < <(bpftool -j prog show id $id | /usr/bin/python3 -c \
			'import json,sys;p=json.load(sys.stdin);print(p.get("run_time_ns",0),p.get("run_cnt",0))')
		t=$((t + rt)); c=$((c + rc))
	done
	echo "$t $c"
}

# One measurement: prints "copies_per_s cpu_ns_per_copy pps bpf_ns_per_pkt".
measure() { # kind nrcv paylen
	local kind=$1 n=$2 len=$3 cfg=$TMP/$1-$2-$3.cfg
	$MKPKT $kind $n $len $SMAC $DMAC > $cfg || return 1
	setsid ip netns exec $NS_S trafgen -o s0 --no-sock-mem -i $cfg -P 1 -J -q -C >/dev/null 2>&1 </dev/null &
	local tg=$!
	sleep $WARM
	local r0 c0 t0 b0 r1 c1 t1 b1
	r0=$(rx_sink); c0=$(cpu_busy); t0=$(date +%s%N); b0=$(bpf_runtime)
	sleep $SECS
	r1=$(rx_sink); c1=$(cpu_busy); t1=$(date +%s%N); b1=$(bpf_runtime)
	# trafgen forks a sender per CPU: signal its whole process group.
	kill -INT -- -$tg 2>/dev/null; wait $tg 2>/dev/null
	local hz
	hz=$(getconf CLK_TCK)
	/usr/bin/python3 - "$r0" "$r1" "$c0" "$c1" "$t0" "$t1" "$hz" "$n" $b0 $b1 <<'EOF'
import sys
r0,r1,c0,c1,t0,t1,hz,n,bt0,bc0,bt1,bc1=map(int,sys.argv[1:13])
copies=r1-r0; secs=(t1-t0)/1e9
cps=copies/secs if secs>0 else 0
cpu=(c1-c0)*1e9/hz/copies if copies>0 else 0
pkts=bc1-bc0
bpf=(bt1-bt0)/pkts if pkts>0 else 0
print("%.0f %.0f %.0f %.1f"%(cps,cpu,cps/n,bpf))
EOF
}

median_of() { # reads lines of numbers, prints per-column medians
	/usr/bin/python3 -c '
import sys,statistics
rows=[list(map(float,l.split())) for l in sys.stdin if l.strip()]
print(" ".join("%.0f"%statistics.median(c) if i!=3 else "%.1f"%statistics.median(c) for i,c in enumerate(zip(*rows))) if rows else "")'
}

CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(plain:1:1024 dt6:1:1024 endmt:1:1024 endmt:5:1024 endmt:11:1024 endmt:32:1024)
setup || die "topology setup failed"
echo 1 > /proc/sys/kernel/bpf_stats_enabled 2>/dev/null

# REPEAT rounds over all cases (endmt attached and detached as needed), so
# every case, and the ratios between them, see the same machine conditions.
declare -A TODOS=()
for r in $(seq 1 $REPEAT); do
	for c in "${CASES[@]}"; do
		IFS=: read -r kind n len <<<"$c"
		TODO=
		if [ "$kind" = endmt ]; then
			endmt_up || { TODOS[$c]="$TODO"; continue; }
		else
			endmt_down
		fi
		measure $kind $n $len >> "$TMP/res.$kind.$n.$len"
	done
done
for c in "${CASES[@]}"; do
	IFS=: read -r kind n len <<<"$c"
	if [ -n "${TODOS[$c]:-}" ]; then
		echo "rate-todo $kind $n $len TODO: ${TODOS[$c]}"
		continue
	fi
	echo "rate $kind $n $len $(median_of < "$TMP/res.$kind.$n.$len")"
done
