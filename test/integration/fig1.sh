#!/usr/bin/env bash
# The draft's Figure 1 in network namespaces:
#
#                 S1                 source host      fd00:10::2
#                  |
#                 N6                 head + transit   fd00:6::1
#               /    \
#             N4      N5             transit          fd00:4::1  fd00:5::1
#            /  \       \
#          N1    N2      N3          edges            fd00:1::1  fd00:2::1  fd00:3::1
#         /  \    |     /  \
#        R1  R2   R3   R4   R5       receivers        fd00:11::2 .. fd00:15::2
#
# (The figure draws N2 between N4 and N5; a tree needs one parent: N4.)
#
# Every node is a netns, every edge of the drawing a veth pair created
# directly in its two namespaces (device "<self>-<peer>", e.g. n6-s1), on
# subnet fd00:<net>::/64 with the upper node ::1 and the lower one ::2.
# Routers carry their node address on lo, static routes toward each subtree
# and a default route to the parent (N6: the Proxy Address toward S1); hosts
# a default route to their router.  Neighbour entries between routers and
# to S1 are permanent, so no packet there waits on neighbour discovery; the
# receivers' links use ordinary neighbour discovery both ways, so the first
# copies to each receiver take the edge's slow path (docs/FORWARD-PATH.md)
# and arrive all the same.  N6, N4, N5 replicate the
# End.MT SID ff3e::4d54 with kernel multicast routing (smcrouted, static
# (S,G) = (N6's address, SID)).  Then every router runs
# `endmt apply fig1.json --node NAME` with its own pin root, and `endmt agent`.
#
# usage: fig1.sh up [ID]        build it (ID defaults to this shell's PID);
#                               prints the ID; tears down again on failure
#        fig1.sh down ID        remove everything "up" made
#        fig1.sh ns ID NODE     print the netns name of NODE
#        fig1.sh show ID NODE   `endmt show` on NODE
# env:   O (build dir, default build), FIG1_JSON (tree description, default
#        test/integration/fig1.json; fig1_repl.json: RFC 9524 variant),
#        FIG1_SMCROUTE (0: no smcrouted, for fig1_repl.json),
#        FIG1_WINDOW_US (agent CNP window),
#        FIG1_AGENT_ARGS (more options of every router's agent, e.g. --metrics:
#        each serves /metrics on its own namespace's 127.0.0.1:9477),
#        FIG1_RCV_NAPI (default 1: GRO on the receivers' ends, so the edges'
#        copies take the XDP fan-out; 0: the TC path only),
#        FIG1_HMAC_KEY_ID, FIG1_HMAC_SECRET_FILE, FIG1_HMAC_MODE (an SRH HMAC key
#        set on every router before apply, for a FIG1_JSON with hmac_key_id)
# Sourced (e.g. by demo.sh), it defines fig1_up/fig1_down/fig1_ns/fig1_endmt.

F1_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
F1_ROOT=$(cd "$F1_DIR/../.." && pwd)
: "${O:=build}"
case $O in /*) ;; *) O=$F1_ROOT/$O ;; esac
F1_ENDMT=${F1_ENDMT:-$O/endmt}
F1_JSON=${FIG1_JSON:-$F1_DIR/fig1.json}
# tms/tn/tsleep: ENDMT_TIME_SCALE (slow machines, the vmtest guest)
. "$F1_DIR/time_scale.sh" || return 1 2>/dev/null || exit 1

F1_ROUTERS="N6 N4 N5 N1 N2 N3"
F1_HOSTS="S1 R1 R2 R3 R4 R5"
F1_MCAST_SID=ff3e::4d54
F1_PROXY=fd00:ff::1
# child -> parent (S1 hangs below N6 for addressing; routing treats it apart)
declare -gA F1_UP=([S1]=N6 [N4]=N6 [N5]=N6 [N1]=N4 [N2]=N4 [N3]=N5
		  [R1]=N1 [R2]=N1 [R3]=N2 [R4]=N3 [R5]=N3)
# the subnet of the link from a node to its parent
declare -gA F1_NET=([S1]=fd00:10 [N4]=fd00:64 [N5]=fd00:65 [N1]=fd00:41 [N2]=fd00:42
		   [N3]=fd00:53 [R1]=fd00:11 [R2]=fd00:12 [R3]=fd00:13 [R4]=fd00:14
		   [R5]=fd00:15)
declare -gA F1_LO=([N6]=fd00:6::1 [N4]=fd00:4::1 [N5]=fd00:5::1 [N1]=fd00:1::1
		  [N2]=fd00:2::1 [N3]=fd00:3::1)

f1_state() { echo "/run/endmt-fig1/$1"; }
fig1_ns() { echo "f1-$1-$2"; }		# ID NODE
f1_pin() { echo "/sys/fs/bpf/endmt-fig1-$1/$2"; }
f1_dev() { echo "$(echo "$1-$2" | tr 'A-Z' 'a-z')"; }	# on node $1, toward $2
f1_addr() { echo "${F1_NET[$1]}::2"; }	# a host's (or lower end's) link address
f1_in() { local id=$1 node=$2; shift 2; nsenter --net="/run/netns/$(fig1_ns "$id" "$node")" "$@"; }
# endmt on a node, with its pin root (nsenter keeps /sys/fs/bpf visible)
fig1_endmt() { local id=$1 node=$2; shift 2
	f1_in "$id" "$node" "$F1_ENDMT" --pin-root "$(f1_pin "$id" "$node")" "$@"; }
f1_children() { local c; for c in "${!F1_UP[@]}"; do [ "${F1_UP[$c]}" = "$1" ] && echo "$c"; done; }
f1_mac() { ip -n "$1" -j link show "$2" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }

# Prefixes below child C of a router (C's own link subnet included).  A
# router owns the /64 of its address: its SIDs of the replication variant
# (fig1_repl.json) live there and are routed like the address.
f1_subtree() {
	local c=$1 g
	echo "${F1_NET[$c]}::/64"
	[ -n "${F1_LO[$c]:-}" ] && echo "${F1_LO[$c]%::1}::/64"
	for g in $(f1_children "$c"); do f1_subtree "$g"; done
}

f1_log() { echo "fig1: $*" >&2; }

fig1_up() {
	local id=$1 st n c ns up dev pdev mac net p
	st=$(f1_state "$id")
	[ -x "$F1_ENDMT" ] || { f1_log "$F1_ENDMT not built (make O=$O)"; return 1; }
	[ -e "$st" ] && { f1_log "$st exists: run 'fig1.sh down $id' first"; return 1; }
	mkdir -p "$st" || return 1
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || return 1

	for n in $F1_ROUTERS $F1_HOSTS; do
		ns=$(fig1_ns "$id" "$n")
		ip netns add "$ns" || return 1
		echo "$ns" >>"$st/netns"
		ip -n "$ns" link set lo up
		f1_in "$id" "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0 \
			net.ipv6.conf.all.accept_ra=0 || return 1
		if [ -n "${F1_LO[$n]:-}" ]; then
			f1_in "$id" "$n" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
			ip -n "$ns" addr add "${F1_LO[$n]}/128" dev lo || return 1
		fi
	done
	# links: child end ::2, parent end ::1, permanent neighbours both ways
	# except toward and from receivers (R*: ordinary neighbour discovery)
	for c in "${!F1_UP[@]}"; do
		up=${F1_UP[$c]} net=${F1_NET[$c]}
		dev=$(f1_dev "$c" "$up") pdev=$(f1_dev "$up" "$c")
		ip link add "$dev" netns "$(fig1_ns "$id" "$c")" type veth \
			peer name "$pdev" netns "$(fig1_ns "$id" "$up")" || return 1
		ip -n "$(fig1_ns "$id" "$c")" addr add "$net::2/64" dev "$dev" nodad || return 1
		ip -n "$(fig1_ns "$id" "$up")" addr add "$net::1/64" dev "$pdev" nodad || return 1
		ip -n "$(fig1_ns "$id" "$c")" link set "$dev" up || return 1
		ip -n "$(fig1_ns "$id" "$up")" link set "$pdev" up || return 1
		# A receiver's host runs NAPI on its end (GRO on, as a NIC does):
		# then the edge's link takes XDP frames and the edge's copies take
		# the XDP fan-out, endmt's default path (FIG1_RCV_NAPI=0: the
		# TC path only).  Without ethtool the TC path too.
		case $c in R*)
			if [ "${FIG1_RCV_NAPI:-1}" = 1 ] && command -v ethtool >/dev/null; then
				ip netns exec "$(fig1_ns "$id" "$c")" ethtool -K "$dev" gro on \
					>/dev/null 2>&1 || true
			fi
			continue ;;
		esac
		mac=$(f1_mac "$(fig1_ns "$id" "$up")" "$pdev")
		ip -n "$(fig1_ns "$id" "$c")" neigh replace "$net::1" lladdr "$mac" dev "$dev" nud permanent
		mac=$(f1_mac "$(fig1_ns "$id" "$c")" "$dev")
		ip -n "$(fig1_ns "$id" "$up")" neigh replace "$net::2" lladdr "$mac" dev "$pdev" nud permanent
	done
	# routes
	for n in $F1_ROUTERS; do
		ns=$(fig1_ns "$id" "$n")
		for c in $(f1_children "$n"); do
			[ "$c" = S1 ] && continue
			for p in $(f1_subtree "$c"); do
				[ "$p" = "${F1_NET[$c]}::/64" ] && continue	# connected
				ip -n "$ns" route add "$p" via "${F1_NET[$c]}::2" || return 1
			done
		done
		if [ "$n" = N6 ]; then
			# The head routes the Proxy Address toward the source.
			ip -n "$ns" route add "$F1_PROXY/128" via "$(f1_addr S1)" || return 1
			ip -n "$ns" route add default via "$(f1_addr S1)" || return 1
		else
			ip -n "$ns" route add default via "${F1_NET[$n]}::1" || return 1
		fi
	done
	for n in $F1_HOSTS; do
		ip -n "$(fig1_ns "$id" "$n")" route add default via "${F1_NET[$n]}::1" || return 1
	done
	# multicast replication of the SID on the transit nodes (not for the
	# RFC 9524 variant, FIG1_SMCROUTE=0: endmt replicates, routes are unicast)
	if [ "${FIG1_SMCROUTE:-1}" != 0 ]; then
		f1_smcroute "$id" N6 n6-s1 "n6-n4 n6-n5" || return 1
		f1_smcroute "$id" N4 n4-n6 "n4-n1 n4-n2" || return 1
		f1_smcroute "$id" N5 n5-n6 "n5-n3" || return 1
	fi
	# the data path
	for n in $F1_ROUTERS; do
		# the tree's SRH HMAC key on every router first (a file with
		# hmac_key_id needs it on the head and the edges)
		if [ -n "${FIG1_HMAC_KEY_ID:-}" ]; then
			fig1_endmt "$id" "$n" hmac set --key-id "$FIG1_HMAC_KEY_ID" \
				--mode "${FIG1_HMAC_MODE:-rfc8754}" --secret-file "$FIG1_HMAC_SECRET_FILE" \
				>"$st/hmac-$n.log" 2>&1 ||
				{ f1_log "endmt hmac set on $n failed: $(cat "$st/hmac-$n.log")"; return 1; }
		fi
		fig1_endmt "$id" "$n" apply "$F1_JSON" --node "$n" >"$st/apply-$n.log" 2>&1 ||
			{ f1_log "endmt apply on $n failed: $(cat "$st/apply-$n.log")"; return 1; }
		echo "$n" >>"$st/applied"
	done
	f1_head_children "$id" || return 1
	for n in $F1_ROUTERS; do
		# nsenter execs the command, so $! is the agent itself
		nsenter --net="/run/netns/$(fig1_ns "$id" "$n")" "$F1_ENDMT" \
			--pin-root "$(f1_pin "$id" "$n")" agent --window-us "${FIG1_WINDOW_US:-1000}" \
			${FIG1_AGENT_ARGS:-} >"$st/agent-$n.log" 2>&1 &
		echo $! >"$st/agent-$n.pid"
	done
	tsleep 200
	for n in $F1_ROUTERS; do
		kill -0 "$(cat "$st/agent-$n.pid")" 2>/dev/null ||
			{ f1_log "endmt agent on $n exited: $(cat "$st/agent-$n.log")"; return 1; }
	done
	return 0
}

# The tree format attaches the head role on the source link only, but the responses
# of the head's children arrive on its child links, where only an XDP
# program sees them; the head's group entry (flag HEAD) makes the shared
# response path rewrite them toward the source.  So when apply left the
# head's child links bare, attach the transit role there.
f1_head_children() {
	local id=$1 dev st
	st=$(f1_state "$id")
	for dev in n6-n4 n6-n5; do
		if f1_in "$id" N6 ip link show "$dev" | grep -q xdp; then
			continue
		fi
		fig1_endmt "$id" N6 attach "$dev" --role transit >>"$st/apply-N6.log" 2>&1 ||
			{ f1_log "attach transit on N6 $dev failed: $(tail -1 "$st/apply-N6.log")"; return 1; }
		echo "$dev" >>"$st/head-children"
		f1_log "note: attached the transit role on N6 $dev (head child link; see DEMO.md)"
	done
}

f1_smcroute() { # id node in "outs"
	local id=$1 n=$2 in=$3 outs=$4 st d
	st=$(f1_state "$id")
	{
		for d in $in $outs; do echo "phyint $d enable"; done
		echo "mroute from $in source ${F1_LO[N6]} group $F1_MCAST_SID to $outs"
	} >"$st/smcroute-$n.conf"
	nsenter --net="/run/netns/$(fig1_ns "$id" "$n")" smcrouted -n -N -f "$st/smcroute-$n.conf" -u "$st/smcroute-$n.sock" \
		-P "$st/smcroute-$n.pid" >"$st/smcroute-$n.log" 2>&1 &
	echo $! >"$st/smcroute-$n.pid.bg"
	for _ in $(seq "$(tn 50)"); do
		f1_in "$id" "$n" ip -6 mroute show 2>/dev/null | grep -q "$F1_MCAST_SID" && return 0
		sleep 0.1
	done
	f1_log "smcrouted on $n did not install the route: $(cat "$st/smcroute-$n.log")"
	return 1
}

# fig1_ifindex ID NODE DEV: DEV's ifindex in NODE's netns.
fig1_ifindex() {
	ip -n "$(fig1_ns "$1" "$2")" -j link show "$3" |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])'
}

# fig1_kernel_ioam ID NODE NS: a transit (N4, N5: the kernel's multicast
# routing forwards there) as a kernel IOAM node (docs/TELEMETRY.md): the
# namespace NS, the node's IOAM id from the tree file (its "ioam_id", else
# its position), every device's IOAM id its ifindex (as endmt writes
# interface ids), IOAM on the link from N6.
fig1_kernel_ioam() {
	local id=$1 n=$2 ns=$3 d nid
	nid=$(/usr/bin/python3 -c 'import json,sys; ns=json.load(open(sys.argv[1]))["nodes"]
print(ns[sys.argv[2]].get("ioam_id", list(ns).index(sys.argv[2]) + 1))' "$F1_JSON" "$n") || return 1
	f1_in "$id" "$n" ip ioam namespace add "$ns" || return 1
	f1_in "$id" "$n" sysctl -qw "net.ipv6.ioam6_id=$nid" || return 1
	for d in $(ip -n "$(fig1_ns "$id" "$n")" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
		[ "$d" = lo ] && continue
		f1_in "$id" "$n" sysctl -qw "net.ipv6.conf.$d.ioam6_id=$(fig1_ifindex "$id" "$n" "$d")" || return 1
	done
	f1_in "$id" "$n" sysctl -qw "net.ipv6.conf.$(f1_dev "$n" N6).ioam6_enabled=1"
}

# fig1_script_init: how a Figure 1 test script starts: pids (background
# processes it starts), an EXIT trap that stops them, takes the network of
# $ID down and removes $TMP, and fail/ok (a script may define its own
# after this call).
fig1_script_init() {
	pids=()
	trap fig1_script_cleanup EXIT
	fail() { echo "FAIL: $*" >&2; exit 1; }
	ok() { echo "ok: $*"; }
}
fig1_script_cleanup() {
	local p
	# SIGCONT after: a test may have stopped one, and a stopped process
	# that handles SIGTERM would never get to it (the wait would hang)
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && kill -CONT "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	fig1_down "$ID" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}

fig1_down() {
	local id=$1 st n f pid ns dev
	st=$(f1_state "$id")
	local pids=()
	for f in "$st"/agent-*.pid "$st"/smcroute-*.pid.bg; do
		[ -e "$f" ] && pids+=("$(cat "$f")")
	done
	# SIGTERM to all at once (each takes a moment to exit), then wait
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for _ in $(seq "$(tn 50)"); do
		for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && break; pid=; done
		[ -z "${pid:-}" ] && break
		sleep 0.1
	done
	for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
	# detach what endmt attached (removes its links and pins), then the rest
	if [ -e "$st/netns" ]; then
		for n in $F1_ROUTERS; do
			ns=$(fig1_ns "$id" "$n")
			[ -e "/run/netns/$ns" ] || continue
			for dev in $(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
				[ "$dev" = lo ] && continue
				fig1_endmt "$id" "$n" detach "$dev" >/dev/null 2>&1 || true
			done
		done
		while read -r ns; do ip netns del "$ns" 2>/dev/null || true; done <"$st/netns"
	fi
	rm -rf "/sys/fs/bpf/endmt-fig1-$id"
	if pgrep -f "(endmt-fig1-$id/|endmt-fig1/$id/)" >/dev/null; then
		f1_log "teardown of $id: processes left: $(pgrep -af "(endmt-fig1-$id/|endmt-fig1/$id/)")"
		rm -rf "$st"
		return 1
	fi
	rm -rf "$st"
	# what must be gone
	if ip netns list | grep -q "^f1-$id-" || [ -e "/sys/fs/bpf/endmt-fig1-$id" ]; then
		f1_log "teardown of $id left something behind"
		return 1
	fi
	return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	cmd=${1:-}
	case $cmd in
	up)
		id=${2:-$$}
		trap 'fig1_down "$id"' EXIT
		fig1_up "$id" || exit 1
		trap - EXIT
		echo "$id"
		;;
	down) fig1_down "${2:?ID}" ;;
	ns) fig1_ns "${2:?ID}" "${3:?NODE}" ;;
	show) fig1_endmt "${2:?ID}" "${3:?NODE}" show ;;
	*) sed -n '2,/^$/s/^# \{0,1\}//p' "$0" | sed -n '/^usage/,$p'; exit 2 ;;
	esac
fi
