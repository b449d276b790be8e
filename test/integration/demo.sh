#!/usr/bin/env bash
# The main job: a reliable RDMA RC multicast transfer on the draft's Figure 1.
#
# Builds the topology (test/integration/fig1.sh: netns, veth, routes,
# smcroute, `endmt apply` and `endmt agent` on every router), starts an RC
# responder (test/tools/rcpeer) on R1..R5 and an RC requester on S1, all
# talking to the Proxy Address only, moves the data, prints a report and
# tears everything down (also on failure or ^C).
#
# With on-path telemetry (docs/TELEMETRY.md) the head traces 1 packet in
# 2^K, every router's agent exports its postcards to `endmt collect` on N6,
# and the report ends with `endmt tree`: the tree as the postcards show it,
# per branch one-way delay, loss and samples.
#
# usage: demo.sh [--bytes N] [--op write|send] [--mtu N] [--ecn] [--keep]
#                [--telemetry K | --no-telemetry] [--variant mcast|repl]
#   --bytes  transfer size, K/M/G suffixes (default 8M, env DEMO_BYTES)
#   --op     RDMA WRITE (default) or SEND
#   --variant  who replicates between N6 and the edges: mcast, the kernel's
#            IPv6 multicast routing (smcroute; fig1.json), or repl, endmt's
#            RFC 9524 Replication SIDs on N6, N4, N5 (fig1_repl.json).
#            Default mcast, or repl on a kernel without IPv6 multicast
#            routing (CONFIG_IPV6_MROUTE), said when it starts
#   --telemetry K  trace 1 packet in 2^K (default 4); --no-telemetry: none
#   --keep   leave the topology up (prints the fig1.sh down command)
# env: O (build dir, default build)
# Exit status 0 only when every receiver got every byte, byte-identical.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
export O
PY=/usr/bin/python3
BYTES=${DEMO_BYTES:-8M}
OP=write
MTU=1024
ECN=
KEEP=
TM_K=4
VARIANT=
[ "${FIG1_SMCROUTE:-1}" = 0 ] && VARIANT=repl	# the older way to ask for it
while [ $# -gt 0 ]; do
	case $1 in
	--bytes) BYTES=$2; shift 2 ;;
	--op) OP=$2; shift 2 ;;
	--mtu) MTU=$2; shift 2 ;;
	--ecn) ECN=--ecn; shift ;;
	--keep) KEEP=1; shift ;;
	--telemetry) TM_K=$2; shift 2 ;;
	--no-telemetry) TM_K=; shift ;;
	--variant) VARIANT=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option $1" >&2; exit 2 ;;
	esac
done

# mc_forwarding exists only with the kernel's IPv6 multicast routing
MROUTE=0
[ -e /proc/sys/net/ipv6/conf/all/mc_forwarding ] && MROUTE=1
if [ -z "$VARIANT" ]; then
	VARIANT=mcast
	if [ "$MROUTE" = 0 ]; then
		VARIANT=repl
		echo "demo: this kernel has no IPv6 multicast routing (CONFIG_IPV6_MROUTE):" \
			"endmt's RFC 9524 Replication SIDs on N6, N4, N5 replicate instead (--variant repl)"
	fi
fi
case $VARIANT in
mcast)
	[ "$MROUTE" = 1 ] || { echo "demo: --variant mcast needs the kernel's IPv6 multicast routing (CONFIG_IPV6_MROUTE), which this kernel lacks: try --variant repl" >&2; exit 2; } ;;
repl) export FIG1_JSON=${FIG1_JSON:-test/integration/fig1_repl.json} FIG1_SMCROUTE=0 ;;
*) echo "demo: --variant $VARIANT: mcast or repl" >&2; exit 2 ;;
esac

RCPEER=$O/tools/rcpeer
for f in "$O/endmt" "$RCPEER"; do
	[ -x "$f" ] || { echo "demo: $f not built (make O=$O all)" >&2; exit 1; }
done
. test/integration/fig1.sh

ID=demo$$
OUT=$(mktemp -d /tmp/endmt-demo.XXXXXX)
pids=()
cleanup() {
	local p
	# only our rcpeers: the agents and smcrouted are fig1_down's
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -z "$KEEP" ]; then
		fig1_down "$ID" || echo "demo: teardown incomplete" >&2
		rm -rf "$OUT"
	else
		echo "demo: topology kept: O=$O test/integration/fig1.sh down $ID; outputs in $OUT"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Group parameters, from the same tree description endmt applies.
eval "$($PY - "$F1_JSON" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
g = t["groups"][0]
print(f'PROXY={g["proxy"]} DQPN={g["dqpn"]} START={g["start_psn"]}')
print(f'SRC={g["source"]["addr"]} SRCQPN={g["source"]["qpn"]}')
print("RCVS=(" + " ".join(f'{r["name"]},{r["addr"]},{r["qpn"]},{r.get("psn_offset", 0)},'
                          f'{r.get("va_delta", 0)},{r.get("rkey", 0)}' for r in g["receivers"]) + ")")
EOF
)"

TM_PORT=4739
if [ -n "$TM_K" ]; then
	# fig1.json with telemetry: each node's IOAM id its position (the
	# default), the group traced 1 in 2^K
	$PY - "$F1_JSON" "$OUT/fig1_tm.json" "$TM_K" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
t["ioam_namespace"] = 1
for g in t["groups"]:
    g["telemetry"] = {"sample": int(sys.argv[3])}
json.dump(t, open(sys.argv[2], "w"), indent=1)
EOF
	F1_JSON=$OUT/fig1_tm.json
	export FIG1_AGENT_ARGS="--ipfix [${F1_LO[N6]}]:$TM_PORT"
fi

echo "== building Figure 1 (id $ID)"
t0=$(date +%s.%N)
fig1_up "$ID"
if [ "$VARIANT" = mcast ]; then under="smcroute on N6 N4 N5 (the kernel's multicast routing replicates)"
else under="Replication SIDs on N6 N4 N5 (RFC 9524: endmt replicates)"; fi
echo "   up in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s: 12 namespaces, 11 links," \
     "endmt on N1..N6, $under"

# Interface counters before, on S1's link and on every receiver's link.
counters() { # -> "NODE DEV rx tx" lines
	local n
	for n in S1 R1 R2 R3 R4 R5; do
		ip -n "$(fig1_ns "$ID" "$n")" -s -j link show "$(f1_dev "$n" "${F1_UP[$n]}")" |
			$PY -c 'import json,sys; s=json.load(sys.stdin)[0]["stats64"]; print(sys.argv[1], s["rx"]["bytes"], s["tx"]["bytes"], s["rx"]["packets"], s["tx"]["packets"])' "$n"
	done
}
counters >"$OUT/c0"
if [ -n "$TM_K" ]; then
	# mcast: N4 and N5 forward with the kernel's multicast routing: as
	# kernel IOAM nodes they fill their entries too, and the tree shows
	# them.  repl: they are endmt's forks, which end a section and start
	# each copy's trace with their own entry (docs/TELEMETRY.md).
	if [ "$VARIANT" = mcast ]; then
		fig1_kernel_ioam "$ID" N4 1 && fig1_kernel_ioam "$ID" N5 1 ||
			echo "   (no kernel IOAM on N4/N5: the tree shows the edges under the head)"
		tm_mid="N4 N5 kernel IOAM nodes"
	else
		tm_mid="N4 N5 endmt forks (their own entries)"
	fi
	nsenter --net="/run/netns/$(fig1_ns "$ID" N6)" "$O/endmt" collect --listen "[::]:$TM_PORT" \
		--state "$OUT/tm-state.json" --grace-ms "$(tms 1000)" >/dev/null 2>"$OUT/collect.err" &
	TM_PID=$!
	echo "   telemetry: 1 packet in $((1 << TM_K)) traced (IOAM), $tm_mid, postcards to endmt collect on N6"
fi

echo "== transfer: $BYTES by RDMA $(echo "$OP" | tr a-z A-Z), MTU $MTU, S1 -> Proxy $PROXY (QPN $DQPN)"
for r in "${RCVS[@]}"; do
	IFS=, read -r name addr qpn off vad rkey <<<"$r"
	rpsn=$(( (START + off) & 0xffffff ))
	xargs=()
	[ "$vad" != 0 ] && xargs+=(--va $((0x10000000 + vad)))
	[ "$rkey" != 0 ] && xargs+=(--rkey "$rkey")
	nsenter --net="/run/netns/$(fig1_ns "$ID" "$name")" "$RCPEER" recv --local "$addr" \
		--peer "$PROXY" --qpn "$qpn" --dqpn "$DQPN" --psn "$rpsn" --bytes "$BYTES" \
		--op "$OP" --mtu "$MTU" --idle-ms "$(tms 20000)" --linger-ms "$(tms 1500)" "${xargs[@]}" \
		--out "$OUT/$name.json" >/dev/null 2>"$OUT/$name.err" &
	pids+=($!)
done
for r in "${RCVS[@]}"; do
	name=${r%%,*}
	for _ in $(seq "$(tn 50)"); do grep -qs listening "$OUT/$name.err" && break; sleep 0.1; done
done
set +e
nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$RCPEER" send --local "$SRC" --peer "$PROXY" \
	--qpn "$SRCQPN" --dqpn "$DQPN" --psn "$START" --bytes "$BYTES" --op "$OP" --mtu "$MTU" \
	--timeout-ms "$(tms 100)" --max-retries 50 $ECN --out "$OUT/S1.json" >/dev/null
src_rc=$?
rc_all=0
for p in "${pids[@]}"; do wait "$p" || rc_all=1; done
pids=()
set -e
counters >"$OUT/c1"
for n in N6 N4 N5 N1 N2 N3; do fig1_endmt "$ID" "$n" --json show >"$OUT/show-$n.json" 2>/dev/null || true; done
if [ -n "$TM_K" ]; then
	tsleep 2000	# the last postcards in and judged (grace time), the state written
	kill -TERM "$TM_PID" 2>/dev/null || true
	wait "$TM_PID" 2>/dev/null || true
fi

rc=0
$PY - "$OUT" "$src_rc" "${RCVS[@]}" <<'EOF' || rc=$?
import json, os, sys
out, src_rc, rcvs = sys.argv[1], int(sys.argv[2]), [r.split(",")[0] for r in sys.argv[3:]]
def load(p):
    try:
        return json.load(open(os.path.join(out, p)))
    except Exception as e:
        return {"ok": False, "error": f"no report ({e})"}
def ctr(p):
    d = {}
    for line in open(os.path.join(out, p)):
        n, rx, tx, rxp, txp = line.split()
        d[n] = (int(rx), int(tx), int(rxp), int(txp))
    return d
s = load("S1.json")
c0, c1 = ctr("c0"), ctr("c1")
print()
print(f"source S1: {'ok' if s.get('ok') else 'FAILED: ' + str(s.get('error'))}")
if "bytes" in s:
    print(f"  {s['bytes']} bytes in {s['packets']} packets, sent {s['packets_sent']} "
          f"({s['retransmissions']} retransmitted), {s['acks']} ACKs, {s['naks']} NAKs, "
          f"{s['cnps']} CNPs, {s['timeouts']} timeouts")
    print(f"  {s['elapsed_s']:.3f} s, {s['goodput_mbps']:.0f} Mbit/s, data crc32 {s['crc32']}")
print()
print(f"  {'receiver':8} {'bytes':>10} {'crc32':>10}  match  {'dup':>5} {'ooo':>5} "
      f"{'acks':>5} {'naks':>5} {'cnps':>5}  time")
good = 0
for n in rcvs:
    r = load(f"{n}.json")
    ok = r.get("match") is True and r.get("crc32") == s.get("crc32")
    good += ok
    if "bytes_received" in r:
        print(f"  {n:8} {r['bytes_received']:>10} {r['crc32']:>10}  {'yes' if ok else 'NO ':5}"
              f"  {r['duplicates']:>5} {r['out_of_order']:>5} {r['acks_sent']:>5} "
              f"{r['naks_sent']:>5} {r['cnps_sent']:>5}  {r['elapsed_s']:.3f} s"
              + ("" if ok else f"  ({r.get('error')})"))
    else:
        print(f"  {n:8} FAILED: {r.get('error')}")
s1_tx = c1["S1"][1] - c0["S1"][1]
s1_txp = c1["S1"][3] - c0["S1"][3]
deliv = sum(c1[n][0] - c0[n][0] for n in rcvs)
delivp = sum(c1[n][2] - c0[n][2] for n in rcvs)
print()
print(f"link bytes: S1 sent {s1_tx} bytes ({s1_txp} frames) on its link; "
      f"R1..R{len(rcvs)} received {deliv} bytes ({delivp} frames) on theirs")
if s1_tx:
    print(f"  the source sent each byte once for {len(rcvs)} receivers: "
          f"{deliv / s1_tx:.2f}x of its link traffic was delivered")
print()
print(f"result: {good}/{len(rcvs)} receivers byte-identical"
      + ("" if good == len(rcvs) and s.get("ok") else "  -- FAILED"))
sys.exit(0 if good == len(rcvs) and s.get("ok") and src_rc == 0 else 1)
EOF
if [ -n "$TM_K" ]; then
	echo
	echo "the tree as its postcards and the edges' ACK states show it (endmt tree g1 --state FILE --tree FILE):"
	"$O/endmt" tree g1 --state "$OUT/tm-state.json" --tree "$F1_JSON" 2>&1 | sed 's/^/  /' ||
		echo "  (no tree: $(cat "$OUT/collect.err"))"
fi
exit $rc
