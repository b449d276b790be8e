#!/usr/bin/env bash
# Packet rate on veth: copies delivered per second by one node, for
#   plain   IPv6 forwarding of the inner RoCEv2 packet (baseline)
#   dt6     the kernel's SRv6 End.DT6 decapsulation (seg6local; baseline)
#   mcast   the kernel's own IPv6 multicast forwarding (ip6mr): the inner
#           packet sent from fd00:a::1 to ff3e::4d54 (mkpkt mcast), one MFC
#           entry (smcrouted, as test/integration/fig1.sh runs it) copying it
#           to d1..dN (baseline: what End.MT has to beat)
#   floor   bench/bpf/floor.bpf.c on d0 (native XDP): the plain frame
#           broadcast-redirected unchanged to d1..dN over a devmap, one frame
#           copy and one transmit per copy and nothing else (the cost floor)
#   endmt   End.MT replicating to N receivers (the group of bench/benchpkt.h,
#           its N receivers configured with `endmt receiver add`), variant
#           xdp: the XDP fan-out (the default path; the agent runs and gives
#           the receivers their slots before the case starts), tc: `sid add
#           --fanout tc`, every copy by the TC half (the fallback)
# Topology (three private netns, names carry this shell's pid; bench/lib.sh
# with TOPO_NEGRESS = the largest N of the cases, at most 32):
#   [src] s0 ==veth== d0 [dut] d1..dM ==veth== k1..kM [sink]
# Receiver i (fd00:f::i) has a /128 route and a permanent neighbour on d_i
# (the receivers share one /64, so no per-device prefixes); a case with N
# receivers uses d1..dN only, so N = 1 is the one-egress topology of before.
# trafgen (one process, one CPU) sends one prebuilt frame (bench/mkpkt) in a
# loop from src; the sink drops everything (IPv6 off on every k_i); we count
# what k1..kN received.  GRO is on on every k_i, for all kinds alike: a veth
# takes XDP-redirected frames (ndo_xdp_xmit) only when its peer runs NAPI,
# and the floor kind's copies are counted only thanks to it.  The edge runs
# native XDP (XDP_MODE=skb to compare; floor is always native), so s0/d0 use
# MTU 3000 (veth's limit for native XDP without frags).
# The kernel's ip6mr has at most 32 MIFs (MAXMIFS) including the input d0:
# mcast reaches at most 31 egress devices, so mcast:32 says "rate-na" (a
# limit of the kernel, not a missing piece) and mcast:31 is measured as the
# nearest point.
# CPU per copy: busy time of all CPUs (/proc/stat) over the window, divided by
# copies delivered: it includes the sender (trafgen + veth), so compare kinds
# with each other, not with a hardware NIC.  With kernel.bpf_stats_enabled the
# endmt and floor runs also report run_time_ns/run_cnt of the XDP/TC programs.
#
#   O=build bench/rate.sh [CASES...]
#   CASE = kind:nrcv:paylen, e.g. endmt:11:1024, or endmt:nrcv:paylen:VARIANT:
#   `endmt sid add ... --fanout VARIANT` (tc, xdp), reported as kind endmt-VARIANT
# Env: SECS (measure window, default 2), WARM (default 0.5), REPEAT (default 3),
#      XDP_MODE (native).
# Output: one line per case:
#   "rate KIND N PAYLEN copies/s cpu-ns/copy pps bpf-ns/pkt even"
# (medians over REPEAT rounds, each round measuring every case in turn;
# even = the least-served k_i's share times N, 1.00 when every receiver got
# the same number of copies); "rate-todo ..." when a piece is missing,
# "rate-na KIND N PAYLEN reason" when the kind cannot do the case at all.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
SECS=${SECS:-2}
WARM=${WARM:-0.5}
REPEAT=${REPEAT:-3}
ENDMT=$O/endmt
MKPKT=$O/bench/mkpkt
FLOOR_OBJ=$O/bench/floor.bpf.o
MCAST_SRC=fd00:a::1
MCAST_GROUP=ff3e::4d54
MCAST_MAXOUT=31		# MAXMIFS (32) less the input d0
. bench/lib.sh
PIN=/sys/fs/bpf/${T}
FPIN=/sys/fs/bpf/${T}f	# the floor program and its devmap (not endmt's pin root)
TMP=$(mktemp -d /tmp/${T}.XXXX)
STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo 0)
SMC_PID=
# libxdp (endmt attach) makes /sys/fs/bpf/xdp for its lock: ours to remove
# only when it was not there before (rmdir keeps it if anything is inside).
XDP_DIR_OURS=0
[ -e /sys/fs/bpf/xdp ] || XDP_DIR_OURS=1

cleanup() {
	bench_agent_down
	if [ -x "$ENDMT" ] && [ -d "$PIN" ]; then
		nsenter --net=/run/netns/$NS_D "$ENDMT" --pin-root "$PIN" detach d0 >/dev/null 2>&1
	fi
	if [ -n "$SMC_PID" ]; then
		kill "$SMC_PID" 2>/dev/null; wait "$SMC_PID" 2>/dev/null
	fi
	topo_cleanup
	rm -rf "$PIN" "$FPIN" "$TMP"
	[ $XDP_DIR_OURS = 1 ] && rmdir /sys/fs/bpf/xdp 2>/dev/null
	echo "$STATS_OLD" > /proc/sys/kernel/bpf_stats_enabled 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "rate: $*" >&2; exit 1; }
in_dut() { nsenter --net=/run/netns/$NS_D "$@"; }

[ -x "$MKPKT" ] || die "$MKPKT missing: make O=$O $MKPKT"
command -v trafgen >/dev/null || die "trafgen missing (netsniff-ng)"
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

setup() { # negress
	TOPO_NEGRESS=$1 TOPO_MTU0=3000 topo_setup || return 1
	local i
	for i in $(seq 1 $1); do
		ip netns exec $NS_K ethtool -K k$i gro on >/dev/null || return 1
	done
	SMAC=$(mac_of $NS_S s0)
	DMAC=$(mac_of $NS_D d0)
}

# What runs on d0: "" (nothing: plain, dt6, mcast), "endmt" or
# "endmt-VARIANT" (the CLI's edge), "floor".  One at a time: both are XDP.
D0=
d0_down() {
	case $D0 in
	endmt*) bench_agent_down; in_dut "$ENDMT" --pin-root "$PIN" detach d0 >/dev/null 2>&1
		rm -rf "$PIN" ;;
	floor)  in_dut ip link set dev d0 xdpdrv off ;;
	esac
	D0=
}
d0_want() { # label [variant [nrcv]]: sets TODO and fails when it cannot be brought up
	[ "$D0" = "$1" ] && return 0
	d0_down
	case $1 in
	endmt*) endmt_up "${2:-}" "${3:-1}" || return 1 ;;
	floor)  floor_up || return 1 ;;
	esac
	D0=$1
}

# The edge with the group of bench/benchpkt.h and its n receivers (slots
# 0..n-1: a packet naming all of them leaves no slot idle), and for the xdp
# variant the agent, which gives them their slots; the case waits until it
# has (the agent's first refresh, then the counter shows the XDP path).
endmt_up() { # variant nrcv
	[ -x "$ENDMT" ] || { TODO="endmt CLI ($ENDMT) not built"; return 1; }
	local E="in_dut $ENDMT --pin-root $PIN" fan=() i
	[ -n "$1" ] && fan=(--fanout "$1")
	if ! $E attach d0 --role edge --mode ${XDP_MODE:-native} >$TMP/attach.log 2>&1; then
		TODO="endmt attach --role edge failed: $(tail -1 $TMP/attach.log)"
		$E detach d0 >/dev/null 2>&1; return 1
	fi
	if ! $E sid add fd00:e::1 --edge fd00:e::1 --max-receivers 88 "${fan[@]}" >$TMP/sid.log 2>&1; then
		TODO="endmt sid add ${fan[*]} failed: $(tail -1 $TMP/sid.log)"
		$E detach d0 >/dev/null 2>&1; return 1
	fi
	bench_group_up $2 || { TODO="endmt group/receiver add failed: $(tail -1 $TMP/group.log)"; return 1; }
	[ "$1" = xdp ] || return 0
	bench_agent_up $2 && return 0
	TODO="the agent gave the receivers no valid XDP slot in 3 s: $(tail -1 $TMP/agent.log)"
	return 1
}

# The floor program is loaded and pinned once (bpftool), attached and
# detached as the cases need it; its devmap is refilled per case.
floor_up() {
	if [ ! -e "$FPIN/prog" ]; then
		[ -f "$FLOOR_OBJ" ] || { TODO="$FLOOR_OBJ not built (make O=$O all)"; return 1; }
		mkdir -p "$FPIN"
		if ! bpftool prog load "$FLOOR_OBJ" "$FPIN/prog" type xdp pinmaps "$FPIN" >$TMP/floor.log 2>&1; then
			TODO="bpftool prog load $FLOOR_OBJ failed: $(tail -1 $TMP/floor.log)"; return 1
		fi
	fi
	# nsenter, not ip -n: ip -n remounts /sys, which hides /sys/fs/bpf.
	if ! in_dut ip link set dev d0 xdpdrv pinned "$FPIN/prog" >$TMP/floor.log 2>&1; then
		TODO="native XDP attach of the floor on d0 failed: $(tail -1 $TMP/floor.log)"; return 1
	fi
}
le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24)); }
floor_fill() { # n: devmap = d1..dn (ifindexes of the DUT's netns, so updated from inside it)
	local i idx
	for i in $(seq 1 $NEG); do
		if [ $i -le $1 ]; then
			idx=$(ip -n $NS_D -j link show d$i | /usr/bin/python3 -c \
				'import json,sys;print(json.load(sys.stdin)[0]["ifindex"])')
			in_dut bpftool map update pinned "$FPIN/bench_floor_devs" key $(le32 $((i - 1))) \
				value $(le32 $idx) || return 1
		else
			in_dut bpftool map delete pinned "$FPIN/bench_floor_devs" key $(le32 $((i - 1))) 2>/dev/null
		fi
	done
	return 0
}

# smcrouted in the DUT's netns (started once, when a case needs it): it owns
# the kernel's multicast routing socket, which turns mc_forwarding on.
mcast_up() {
	[ -n "$SMC_PID" ] && return 0
	command -v smcrouted >/dev/null || { TODO="smcrouted missing (smcroute)"; return 1; }
	local i
	for i in $(seq 0 $((NEG < MCAST_MAXOUT ? NEG : MCAST_MAXOUT))); do
		echo "phyint d$i enable"
	done > $TMP/smcroute.conf
	# nsenter itself, not in_dut: nsenter execs smcrouted, so $! is the
	# daemon that cleanup must stop (a function in the background would be
	# a subshell, and the daemon would outlive us).
	nsenter --net=/run/netns/$NS_D smcrouted -n -N -f $TMP/smcroute.conf -u $TMP/smcroute.sock \
		-P $TMP/smcroute.pid >$TMP/smcroute.log 2>&1 &
	SMC_PID=$!
	for _ in $(seq 50); do
		[ "$(ip netns exec $NS_D sysctl -n net.ipv6.conf.all.mc_forwarding)" = 1 ] &&
			[ -S $TMP/smcroute.sock ] && return 0
		sleep 0.1
	done
	TODO="smcrouted did not start: $(tail -1 $TMP/smcroute.log)"
	return 1
}
mcast_route() { # n: the one MFC entry (S,G) from d0 to d1..dn
	local n=$1 i outs=() got
	if [ $n -gt $MCAST_MAXOUT ]; then
		TODO="NA: the kernel's ip6mr has at most 32 MIFs (MAXMIFS) with the input d0: at most $MCAST_MAXOUT egress devices"
		return 1
	fi
	mcast_up || return 1
	for i in $(seq 1 $n); do outs+=(d$i); done
	in_dut smcroutectl -u $TMP/smcroute.sock del d0 $MCAST_SRC $MCAST_GROUP >/dev/null 2>&1
	if ! in_dut smcroutectl -u $TMP/smcroute.sock add d0 $MCAST_SRC $MCAST_GROUP "${outs[@]}" \
		>$TMP/smcroutectl.log 2>&1; then
		TODO="smcroutectl add failed: $(tail -1 $TMP/smcroutectl.log)"; return 1
	fi
	# smcroutectl says nothing of interfaces it could not use: count the Oifs.
	got=$(ip -n $NS_D -6 mroute show | awk -v g=$MCAST_GROUP 'index($0, g) {
		for (i = 1; i <= NF; i++) if ($i == "Oifs:") for (j = i + 1; j <= NF && $j ~ /^d[0-9]/; j++) n++
	} END { print n + 0 }')
	if [ "$got" != "$n" ]; then
		TODO="MFC entry has $got Oifs, not $n: $(ip -n $NS_D -6 mroute show | head -1)"; return 1
	fi
}

# rx packets of k1..kn, comma-separated.
rx_sink() { # n
	ip -n $NS_K -s -j link show | /usr/bin/python3 -c '
import json,sys
n=int(sys.argv[1]); rx={d["ifname"]:d["stats64"]["rx"]["packets"] for d in json.load(sys.stdin)}
print(",".join(str(rx["k%d"%i]) for i in range(1,n+1)))' "$1"
}
cpu_busy() { # jiffies of non-idle time over all CPUs
	awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat
}
# Sum of run_time_ns and run_cnt over the BPF programs on d0 (bpf_stats).
bpf_runtime() {
	local ids
	ids=$(in_dut bpftool -j net show dev d0 2>/dev/null | /usr/bin/python3 -c '
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

# The edge's packets replicated by the XDP fan-out and by the TC half.
path_counts() {
	in_dut "$ENDMT" --pin-root "$PIN" --json show 2>/dev/null | /usr/bin/python3 -c \
		'import json,sys;c=json.load(sys.stdin)["counters"];print(c.get("endmt_fanout",0),c.get("endmt_consumed",0))' ||
		echo "0 0"
}

# One measurement: prints "copies_per_s cpu_ns_per_copy pps bpf_ns_per_pkt even".
measure() { # pktkind nrcv paylen
	local kind=$1 n=$2 len=$3 cfg=$TMP/$1-$2-$3.cfg nk=$(($2 < NEG ? $2 : NEG))
	$MKPKT $kind $n $len $SMAC $DMAC > $cfg || return 1
	setsid ip netns exec $NS_S trafgen -o s0 --no-sock-mem -i $cfg -P 1 -J -q -C >/dev/null 2>&1 </dev/null &
	local tg=$!
	sleep $WARM
	local r0 c0 t0 b0 r1 c1 t1 b1
	r0=$(rx_sink $nk); c0=$(cpu_busy); t0=$(date +%s%N); b0=$(bpf_runtime)
	sleep $SECS
	r1=$(rx_sink $nk); c1=$(cpu_busy); t1=$(date +%s%N); b1=$(bpf_runtime)
	# trafgen forks a sender per CPU: signal its whole process group.
	kill -INT -- -$tg 2>/dev/null; wait $tg 2>/dev/null
	local hz
	hz=$(getconf CLK_TCK)
	/usr/bin/python3 - "$r0" "$r1" "$c0" "$c1" "$t0" "$t1" "$hz" "$n" $b0 $b1 <<'EOF'
import sys
a=sys.argv[1:]
d=[int(y)-int(x) for x,y in zip(a[0].split(","),a[1].split(","))]
c0,c1,t0,t1,hz,n,bt0,bc0,bt1,bc1=map(int,a[2:12])
copies=sum(d); secs=(t1-t0)/1e9
cps=copies/secs if secs>0 else 0
cpu=(c1-c0)*1e9/hz/copies if copies>0 else 0
pkts=bc1-bc0
bpf=(bt1-bt0)/pkts if pkts>0 else 0
even=min(d)*len(d)/copies if copies>0 else 0
print("%.0f %.0f %.0f %.1f %.2f"%(cps,cpu,cps/n,bpf,even))
EOF
}

median_of() { # reads lines of numbers, prints per-column medians
	/usr/bin/python3 -c '
import sys,statistics
rows=[list(map(float,l.split())) for l in sys.stdin if l.strip()]
f=["%.0f","%.0f","%.0f","%.1f","%.2f"]
print(" ".join(f[i]%statistics.median(c) for i,c in enumerate(zip(*rows))) if rows else "")'
}

label_of() { # kind variant
	if [ -n "$2" ]; then echo "$1-$2"; else echo "$1"; fi
}

CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(plain:1:1024 dt6:1:1024
	mcast:1:1024 mcast:5:1024 mcast:11:1024 mcast:31:1024 mcast:32:1024
	floor:1:1024 floor:5:1024 floor:11:1024 floor:32:1024
	endmt:1:1024:xdp endmt:5:1024:xdp endmt:11:1024:xdp endmt:32:1024:xdp
	endmt:1:1024:tc endmt:5:1024:tc endmt:11:1024:tc endmt:32:1024:tc)
# One topology for every case: as many egress devices as the largest N.
NEG=1
for c in "${CASES[@]}"; do
	IFS=: read -r kind n len var <<<"$c"
	[[ "$n" =~ ^[0-9]+$ && "$len" =~ ^[0-9]+$ ]] && [ $n -ge 1 ] ||
		die "bad case '$c' (kind:nrcv:paylen[:variant])"
	[ $n -gt $NEG ] && NEG=$n
done
[ $NEG -gt 32 ] && NEG=32	# receivers past 32 stay behind d1 (lib.sh)
setup $NEG || die "topology setup failed"
[ "${BPF_STATS:-1}" = 1 ] && echo 1 > /proc/sys/kernel/bpf_stats_enabled 2>/dev/null

# REPEAT rounds over all cases (what d0 runs switched as needed), so every
# case, and the ratios between them, see the same machine conditions.  A case
# that could not be set up once is not tried again.
declare -A TODOS=()
for r in $(seq 1 $REPEAT); do
	for c in "${CASES[@]}"; do
		[ -n "${TODOS[$c]:-}" ] && continue
		IFS=: read -r kind n len var <<<"$c"
		label=$(label_of $kind "$var")
		if [ -n "$var" ] && [ $kind != endmt ]; then
			TODOS[$c]="a variant is for endmt only"; continue
		fi
		TODO=
		pkt=$kind
		case $kind in
		endmt) if [ "$var" = xdp ]; then d0_want $label-$n "$var" $n
		       else d0_want $label "$var" $NEG; fi ;;
		floor) pkt=plain; d0_want floor && { floor_fill $n || TODO="floor devmap update failed"; } ;;
		mcast) d0_want "" && mcast_route $n ;;
		plain|dt6) d0_want "" ;;
		*) TODO="unknown kind"; false ;;
		esac
		if [ -n "$TODO" ]; then
			TODOS[$c]=$TODO; continue
		fi
		[ "$label" = endmt-xdp ] && path_counts > "$TMP/path0"
		measure $pkt $n $len >> "$TMP/res.$label.$n.$len"
		# the xdp variant must have taken the XDP fan-out, not TC
		if [ "$label" = endmt-xdp ]; then
			read -r f0 c0 < "$TMP/path0"
			read -r f1 c1 < <(path_counts)
			if [ $((c1 - c0)) -gt $(((f1 - f0) / 100)) ]; then
				TODOS[$c]="the xdp variant fell back to the TC path for $((c1 - c0)) of $((f1 - f0 + c1 - c0)) packets"
			fi
		fi
	done
done
for c in "${CASES[@]}"; do
	IFS=: read -r kind n len var <<<"$c"
	label=$(label_of $kind "$var")
	case ${TODOS[$c]:-} in
	"") ;;
	NA:*) echo "rate-na $label $n $len ${TODOS[$c]#NA: }"; continue ;;
	*) echo "rate-todo $label $n $len TODO: ${TODOS[$c]}"; continue ;;
	esac
	m=$(median_of < "$TMP/res.$label.$n.$len")
	case $m in
	""|0\ *) echo "rate-todo $label $n $len TODO: no copies arrived on k1..k$n ($m)" ;;
	*) echo "rate $label $n $len $m" ;;
	esac
done
