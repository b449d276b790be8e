#!/usr/bin/env bash
# Figure 1 end to end: the demo (8 MB WRITE, S1 -> R1..R5, every receiver
# byte-identical), then captures on R3's and R4's links checked by
# independent decoders: tshark's RRoCE dissector (SA = Proxy Address, DA =
# the receiver, DestQP = its QPN, responses toward the Proxy with the
# Designated QPN; R3's PSNs shifted by its psn_offset, R4's RETH virtual
# address and rkey translated as fig1.json says) and Python zlib for every
# captured ICRC (frames rewritten by the edge included); the head's and
# edges' counters from `endmt show --json`; and teardown leaving no netns,
# pins or processes behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
export O
PY=/usr/bin/python3
export PYTHONPATH=$PWD/test/py	# endmt_oracle for the Python below
TMP=$(mktemp -d /tmp/fig1-test.XXXXXX)
ID=ft$$
. test/integration/fig1.sh
. test/integration/fig1_lib.sh
fig1_script_init

# 1. the demo, as `make demo` runs it (it builds and removes its own topology);
# FIG1_DEMO_BYTES (default 8M, the demo's own size) is smaller in the vmtest guest
./test/integration/demo.sh --bytes "${FIG1_DEMO_BYTES:-8M}" >"$TMP/demo.out" 2>&1 || { cat "$TMP/demo.out"; fail "demo"; }
grep -q "result: 5/5 receivers byte-identical" "$TMP/demo.out" || fail "demo report"
ok "demo: $(grep -m1 -o 'result: 5/5.*' "$TMP/demo.out")"
ip netns list | grep -q '^f1-demo' && fail "demo left a netns"
ls /sys/fs/bpf | grep -q '^endmt-fig1-demo' && fail "demo left pins"

# 2. captures at R3 and R4 and the counters; every receiver as fig1.json
# describes it (fig1_rcvs: own start PSN, own RETH va/rkey).  The receivers
# start once the topology is up; their idle bound (20 s, times
# ENDMT_TIME_SCALE) only has to cover the wait for the first packet, the
# source's start included, on a slow machine.
fig1_up "$ID" >/dev/null 2>&1 || fail "fig1 up"
TPIDS=()
for n in R3 R4; do
	ip netns exec "$(fig1_ns "$ID" "$n")" tcpdump --immediate-mode -B 32768 \
		-i "$(f1_dev "$n" "${F1_UP[$n]}")" -s 2000 -U -w "$TMP/$n.pcap" udp port 4791 \
		2>"$TMP/tcpdump-$n.err" &
	TPIDS+=($!)
	pids+=($!)
	for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/tcpdump-$n.err" && break; sleep 0.1; done
done
tsleep 500
RPIDS=()
fig1_receivers "$ID" "$TMP" 1M || fail "receivers"
# UDP checksum 0, as rxe sends: the edges' XDP fan-out can take them (a
# socket's checksum on veth is CHECKSUM_PARTIAL: the TC path, which the
# other Figure 1 tests run)
nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$O/tools/rcpeer" send --local fd00:10::2 \
	--udp-csum0 --peer fd00:ff::1 --qpn 17 --dqpn 4660 --bytes 1M --timeout-ms "$(tms 100)" --out "$TMP/S1.json" >/dev/null ||
	fail "transfer: $(cat "$TMP/S1.json")"
for p in "${RPIDS[@]}"; do wait "$p" || fail "a receiver failed"; done
# stop the captures once they stop growing (tcpdump lags on a busy machine)
last=-1 same=0
while [ $same -lt 3 ]; do
	tsleep 300
	size=$(cat "$TMP/R3.pcap" "$TMP/R4.pcap" | wc -c)
	if [ "$size" = "$last" ]; then same=$((same + 1)); else same=0; last=$size; fi
done
for p in "${TPIDS[@]}"; do kill -INT "$p"; wait "$p" 2>/dev/null || true; done
pids=()

# receiver NAME ADDR QPN PSN_OFFSET VA RKEY (fig1_rcvs) -> one capture check
capture_check() {
	local n=$1 a=$2 q=$3 off=$4 va=$5 rk=$6
	tshark -r "$TMP/$n.pcap" -Y infiniband -T fields -E separator=, -e ipv6.src -e ipv6.dst \
		-e infiniband.bth.opcode -e infiniband.bth.destqp -e infiniband.bth.psn \
		-e infiniband.reth.va -e infiniband.reth.r_key \
		>"$TMP/$n.csv" 2>/dev/null
	$PY - "$TMP/$n.csv" "$TMP/$n.pcap" "$n" "$a" "$q" "$off" "$va" "$rk" <<'EOF'
import struct, sys
from endmt_oracle import icrc, pcap_records
name, addr, qpn = sys.argv[3], sys.argv[4], int(sys.argv[5])
off, va0, rkey = int(sys.argv[6]), int(sys.argv[7], 0), int(sys.argv[8], 0)
data = resp = 0
psns = set()
vas = {}	# PSN of a WRITE FIRST -> RETH virtual addresses seen with it
for line in open(sys.argv[1]):
    src, dst, op, qp, psn, va, rk = line.strip().split(",")
    op, qp, psn = int(op, 0), int(qp, 0), int(psn, 0)
    if dst == addr:
        assert src == "fd00:ff::1" and qp == qpn and op in (6, 7, 8), line
        data += 1
        psns.add(psn)
        if op == 6:			# WRITE FIRST carries the RETH
            assert int(rk, 0) == rkey, ("rkey", line)
            vas.setdefault(psn, set()).add(int(va, 0))
    else:
        assert (src, dst, op, qp) == (addr, "fd00:ff::1", 0x11, 4660), line
        resp += 1
# PSNs shifted by the receiver's offset; one RETH per 64 KiB message (its
# first PSN, the source's k * 64, shifted), at the receiver's own buffer
# address.  A retransmitted WRITE FIRST (a slow machine's timeout) must
# carry the same address as the original.
assert psns == {(p + off) & 0xffffff for p in range(1024)} and resp > 0, (len(psns), resp)
want = {(k * 64 + off) & 0xffffff: {va0 + k * 65536} for k in range(16)}
assert vas == want, {hex(p): [hex(v) for v in s] for p, s in vas.items()}
n = 0
for incl, orig, fr in pcap_records(sys.argv[2]):
    ip6 = fr[14:]
    assert incl == orig
    plen = struct.unpack(">H", ip6[4:6])[0]
    ip6 = ip6[:40 + plen]
    assert icrc(ip6) == struct.unpack("<I", ip6[-4:])[0], f"bad ICRC in frame {n}"
    n += 1
print(f"{name} capture: {data} data packets ({data - len(psns)} retransmitted; PSN {off:#x}.., SA Proxy, DestQP {qpn}, "
      f"RETH va {va0:#x}.. rkey {rkey:#x}), {resp} ACKs; zlib ICRC right on all {n} frames")
EOF
}
while read -r n a q off va rk; do
	case $n in R3|R4) capture_check "$n" "$a" "$q" "$off" "$va" "$rk" || fail "$n capture" ;; esac
done < <(fig1_rcvs "$F1_JSON")
[ "$(fig1_rcvs "$F1_JSON" | awk '$1 == "R3" { print $4 } $1 == "R4" { print $5, $6 }' | xargs)" = \
	"256 0x10100000 0x4d54" ] || fail "fig1.json lost R3's psn_offset or R4's RETH translation"
ok "R3 (psn_offset 0x100) and R4 (va_delta, rkey) captures decoded by tshark, ICRCs checked by zlib"

for n in N6 N4 N1 N2 N3; do fig1_endmt "$ID" "$n" --json show >"$TMP/show-$n.json" || fail "show $n"; done
# The edges' default path is the XDP fan-out where the kernel can tell XDP
# features (Linux 6.3+, the netlink family "netdev") and the receivers' ends
# run NAPI (fig1.sh, FIG1_RCV_NAPI): then it must have made copies.
EXPECT_FANOUT=0
[ "${FIG1_RCV_NAPI:-1}" = 1 ] && command -v ethtool >/dev/null &&
	genl ctrl get name netdev >/dev/null 2>&1 && EXPECT_FANOUT=1
export EXPECT_FANOUT
$PY - "$TMP" <<'EOF' || fail "endmt show counters"
import json, os, sys
d = sys.argv[1]
def c(n, k):
    return json.load(open(f"{d}/show-{n}.json"))["counters"].get(k, 0)
s = json.load(open(f"{d}/S1.json"))
assert c("N6", "head_encap") == s["packets_sent"], ("head_encap", c("N6", "head_encap"))
# Receivers have no permanent neighbour entry (fig1.sh): the first copies
# to each went through the slow path, every one handed on to the stack.
sent = lambda n: c(n, "fwd_copies") + c(n, "fwd_neigh_slow_path")
# Each packet replicated once, by the TC half (endmt_consumed) or the XDP
# fan-out (endmt_fanout: the receivers' links take XDP frames, fig1.sh).
done = lambda n: c(n, "endmt_consumed") + c(n, "endmt_fanout")
assert sent("N1") == 2 * done("N1") == 2 * s["packets_sent"], (sent("N1"), done("N1"), s["packets_sent"])
print("edges: %s packets replicated in XDP, %s by TC, %s fell back" % (
    "/".join(str(c(n, "endmt_fanout")) for n in ("N1", "N2", "N3")),
    "/".join(str(c(n, "endmt_consumed")) for n in ("N1", "N2", "N3")),
    "/".join(str(c(n, "fanout_to_tc")) for n in ("N1", "N2", "N3"))))
for n in ("N1", "N2", "N3"):
    assert c(n, "drop_fanout_slot") == 0 and c(n, "drop_fanout_decap") == 0, n
    if os.environ["EXPECT_FANOUT"] == "1":
        # the first packets wait for the receivers' neighbours (TC's slow
        # path), the agent's next refresh puts the rest on the XDP path
        assert c(n, "endmt_fanout") > 0, (n, "no packet took the XDP fan-out")
    else:
        assert c(n, "endmt_fanout") == 0, (n, "XDP fan-out where it cannot apply")

assert sent("N3") == 2 * s["packets_sent"], (sent("N3"), s["packets_sent"])
for n in ("N1", "N3"):
    assert c(n, "fwd_neigh_slow_path") >= 1, (n, "no copy took the slow path: neighbours not dynamic?")
    assert c(n, "fwd_slow_path_rx") == c(n, "fwd_neigh_slow_path"), (n, c(n, "fwd_slow_path_rx"))
    assert c(n, "drop_slow_path_type") == 0 and c(n, "drop_clone_failed") == 0, n
for n in ("N1", "N2", "N3"):
    assert c(n, "drop_rcv_never_valid") == 0, (n, "a configured receiver was refused")
# Every ACK S1 got left N6 either as news or as a repeat (the source resent
# what every branch had, e.g. after a spurious timeout on a slow machine).
acks_up = c("N6", "resp_ack_forwarded") + c("N6", "resp_ack_repeated")
assert acks_up == s["acks"], (c("N6", "resp_ack_forwarded"), c("N6", "resp_ack_repeated"), s["acks"])
print(f"counters: N6 encapsulated {c('N6', 'head_encap')}, N1 and N3 made "
      f"{sent('N1')} and {sent('N3')} copies ({c('N1', 'fwd_neigh_slow_path')} and "
      f"{c('N3', 'fwd_neigh_slow_path')} through the stack while the receivers' "
      f"neighbours resolved), N6 forwarded "
      f"{acks_up} ACKs ({c('N6', 'resp_ack_repeated')} repeated) = the ACKs S1 received")
EOF
ok "endmt show counters agree with the endpoints"

fig1_down "$ID" || fail "teardown"
ip netns list | grep -q "^f1-$ID-" && fail "netns left"
[ -e "/sys/fs/bpf/endmt-fig1-$ID" ] && fail "pins left"
ok "teardown clean"
echo "test_fig1: all passed"
