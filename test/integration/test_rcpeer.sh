#!/usr/bin/env bash
# rcpeer end to end, without endmt: a requester and a responder in two netns
# over a veth pair, addressed directly (the responder's "peer" is the
# requester).  Checks:
#   1. 4 MB RDMA WRITE, PSNs crossing 2^24, netem loss 2% + reordering on the
#      data direction and 1% loss on the response direction (the host has no
#      netem: test/integration/impair.bpf.c on TC egress does it), plus one
#      burst of lost responses longer than a send window: data identical
#      (CRC of both ends and the responder's own check against the seed),
#      retransmissions > 0, NAKs > 0, duplicates > 0 (the burst makes the
#      requester time out and resend what the responder already has,
#      whatever the speed of the machine).  The capture is decoded by tshark's
#      RRoCE dissector (opcodes, QPNs, PSNs, AckReq) and a sample of ICRCs is
#      recomputed with Python's zlib.crc32.
#   2. 2 MB SEND with ECT(0) and 3% of packets marked CE on the way: CNPs
#      reach the requester and its rate is reduced; nothing is lost.
#   3. A responder that stalls: the requester gives up with an error after
#      its retries, and does not claim success.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
RCPEER=$O/tools/rcpeer
PY=/usr/bin/python3
export PYTHONPATH=$PWD/test/py	# endmt_oracle for the Python below
P=rcp$$
NA=${P}a NB=${P}b
TMP=$(mktemp -d /tmp/rcpeer-test.XXXXXX)
IMPAIR_DIR=$TMP
. test/integration/fig1_lib.sh
A=fd00:99::1 B=fd00:99::2
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$NA" 2>/dev/null || true
	ip netns del "$NB" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
jget() { $PY -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(str(v).lower() if isinstance(v,bool) else v)' "$1" "$2"; }

[ -x "$RCPEER" ] || fail "$RCPEER not built (make O=$O $RCPEER)"
$RCPEER selftest >/dev/null || fail "rcpeer ICRC selftest against lib/icrc_full.c"
ok "rcpeer ICRC equals the reference implementation"

ip netns add "$NA"
ip netns add "$NB"
ip link add "${P}x" netns "$NA" type veth peer name "${P}y" netns "$NB"
ip -n "$NA" addr add $A/64 dev "${P}x" nodad
ip -n "$NB" addr add $B/64 dev "${P}y" nodad
for ns in "$NA" "$NB"; do ip -n "$ns" link set lo up; done
ip -n "$NA" link set "${P}x" up
ip -n "$NB" link set "${P}y" up

# Starts the responder in the background and waits until its socket is bound.
start_recv() { # out args...
	local out=$1; shift
	ip netns exec "$NB" "$RCPEER" recv --local $B --peer $A --qpn 256 --dqpn 17 \
		--out "$out" "$@" >/dev/null 2>"$out.err" &
	RPID=$!
	pids+=("$RPID")
	for _ in $(seq "$(tn 50)"); do
		grep -q listening "$out.err" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "responder did not start: $(cat "$out.err")"
}

# tcpdump may lag behind the ring on a busy machine, and a killed tcpdump
# does not drain it: stop only once the file has stopped growing.
stop_capture() { # pid file
	local last=-1 same=0 size
	while [ $same -lt 3 ]; do
		tsleep 300
		size=$(stat -c %s "$2" 2>/dev/null || echo 0)
		if [ "$size" = "$last" ]; then same=$((same + 1)); else same=0; last=$size; fi
	done
	kill -INT "$1"
	wait "$1" 2>/dev/null || true
}

# ---- 1. loss + reordering, PSN wrap, capture
START=0xfffc00
impair_attach "$NA" "${P}x" "LOSS_PPM=20000 REORDER_PPM=50000" || fail "impairment"
# Responses 100..229 lost: rcpeer's responder sends at most one response per
# data packet it receives and its requester keeps at most 64 packets (the
# window) unacknowledged, so 130 consecutive lost responses outlast what a
# window can elicit: the requester must time out and go back to its oldest
# unacknowledged PSN, which the responder already holds (duplicates), and
# do so again until the burst is over.  Random reordering alone makes
# duplicates only when a late packet beats the go-back-N resend, which
# depends on timing (it did not happen under qemu TCG).
impair_attach "$NB" "${P}y" "LOSS_PPM=10000 BURST_AT=100 BURST_LEN=130" || fail "impairment"
ip netns exec "$NB" tcpdump --immediate-mode -B 32768 -i "${P}y" -s 200 -U -w "$TMP/cap.pcap" udp port 4791 \
	2>"$TMP/tcpdump.err" &
TPID=$!
pids+=("$TPID")
for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/tcpdump.err" && break; sleep 0.1; done
tsleep 500
start_recv "$TMP/r1.json" --psn $START --bytes 4M --idle-ms "$(tms 20000)" --linger-ms "$(tms 1500)"
ip netns exec "$NA" "$RCPEER" send --local $A --peer $B --qpn 17 --dqpn 256 \
	--psn $START --bytes 4M --op write --window 64 --timeout-ms "$(tms 50)" --out "$TMP/s1.json" >/dev/null ||
	fail "requester failed: $(cat "$TMP/s1.json" 2>/dev/null)"
wait "$RPID" || fail "responder failed: $(cat "$TMP/r1.json" 2>/dev/null)"
stop_capture "$TPID" "$TMP/cap.pcap"

[ "$(jget "$TMP/r1.json" match)" = true ] || fail "responder data does not match the seed"
[ "$(jget "$TMP/s1.json" crc32)" = "$(jget "$TMP/r1.json" crc32)" ] || fail "CRC differs"
ok "4 MB WRITE byte-identical (crc32 $(jget "$TMP/r1.json" crc32))"
retx=$(jget "$TMP/s1.json" retransmissions)
naks=$(jget "$TMP/s1.json" naks)
[ "$retx" -gt 0 ] || fail "no retransmissions under 2% loss"
[ "$naks" -gt 0 ] || fail "no NAKs under loss and reordering"
[ "$(jget "$TMP/r1.json" naks_sent)" -gt 0 ] || fail "responder sent no NAK"
[ "$(jget "$TMP/r1.json" duplicates)" -gt 0 ] || fail "responder saw no duplicates"
[ "$(jget "$TMP/r1.json" epsn)" -eq $(( (START + 4096) & 0xffffff )) ] || fail "final ePSN"
ok "retransmissions $retx, NAKs $naks, timeouts $(jget "$TMP/s1.json" timeouts), end PSN wrapped to $(jget "$TMP/s1.json" end_psn)"

# tshark: the RRoCE dissector is an independent decoder of every header.
tshark -r "$TMP/cap.pcap" -Y infiniband -T fields -E separator=, \
	-e ipv6.src -e infiniband.bth.opcode -e infiniband.bth.destqp \
	-e infiniband.bth.psn -e infiniband.bth.a -e infiniband.reth.dmalen \
	-e infiniband.aeth.syndrome >"$TMP/dec.csv" 2>/dev/null
$PY - "$TMP/dec.csv" $START 4096 <<'EOF' || fail "tshark decode check"
import sys
path, start, n = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3])
data, acks, psns, naks = 0, 0, set(), 0
want = {(start + i) & 0xffffff for i in range(n)}
for line in open(path):
    src, op, qp, psn, a, dmalen, syn = (line.rstrip("\n").split(",") + [""] * 7)[:7]
    op, qp, psn = int(op, 0), int(qp, 0), int(psn, 0)
    if src == "fd00:99::1":
        assert op in (6, 7, 8, 10), f"data opcode {op}"
        assert qp == 256, f"data DestQP {qp}"
        assert psn in want, f"PSN {psn:#x} outside the transfer"
        if op == 6:
            assert int(dmalen) == 65536, f"RETH DMA length {dmalen}"
        data += 1
        psns.add(psn)
    else:
        assert op == 0x11 and qp == 17, f"response opcode {op} QP {qp}"
        s = int(syn, 0)
        naks += (s >> 5) == 3
        acks += 1
assert psns == want, f"{len(want - psns)} PSNs never arrived"
assert data > n, "no retransmitted packet in the capture"
assert naks > 0, "no NAK decoded"
assert min(psns) < 0x1000 and max(psns) > 0xfff000, "PSNs did not cross 2^24"
print(f"tshark: {data} data packets ({data - n} duplicates), {acks} responses "
      f"({naks} NAKs), all {n} PSNs across the wrap")
EOF
ok "tshark decode"

# zlib: recompute the ICRC of the captured frames.  This capture snaps at
# 200 bytes, so here only the (short, complete) responses are checked; data
# frames are checked over a second, unsnapped capture below.
$PY - "$TMP/cap.pcap" <<'EOF' || fail "zlib ICRC check of responses"
import struct, sys
from endmt_oracle import icrc, pcap_records
n = bad = 0
for incl, orig, fr in pcap_records(sys.argv[1]):
    if incl != orig: continue
    ip6 = fr[14:]
    n += 1
    stored = struct.unpack("<I", ip6[-4:])[0]
    if icrc(ip6) != stored: bad += 1
    flipped = bytearray(ip6); flipped[60] ^= 1
    assert icrc(bytes(flipped)) != stored, "oracle blind to a flipped bit"
assert n > 50 and bad == 0, f"{bad} of {n} complete frames have a wrong ICRC"
print(f"zlib: {n} complete frames, all ICRCs right")
EOF
ok "zlib ICRC of captured responses"

# A second short transfer captured whole, for the data ICRCs.
impair_clear "$NA" "${P}x"
impair_clear "$NB" "${P}y"
ip netns exec "$NB" tcpdump --immediate-mode -B 32768 -i "${P}y" -s 2000 -U -w "$TMP/cap2.pcap" udp port 4791 \
	2>"$TMP/tcpdump2.err" &
TPID=$!
pids+=("$TPID")
for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/tcpdump2.err" && break; sleep 0.1; done
tsleep 500	# "listening" comes a moment before the first packet is caught
start_recv "$TMP/r2.json" --psn 0xfffff0 --bytes 100000 --op send --idle-ms "$(tms 20000)" \
	--linger-ms "$(tms 300)"
ip netns exec "$NA" "$RCPEER" send --local $A --peer $B --qpn 17 --dqpn 256 \
	--psn 0xfffff0 --bytes 100000 --op send --timeout-ms "$(tms 100)" --out "$TMP/s2.json" >/dev/null ||
	fail "requester (SEND) failed: $(cat "$TMP/s2.json" 2>/dev/null)"
wait "$RPID" || fail "responder (SEND) failed"
stop_capture "$TPID" "$TMP/cap2.pcap"
$PY - "$TMP/cap2.pcap" <<'EOF' || fail "zlib ICRC check of data"
import struct, sys
from endmt_oracle import icrc, pcap_records
data = acks = 0
psns = set()
for incl, orig, fr in pcap_records(sys.argv[1]):
    ip6 = fr[14:]
    assert incl == orig
    assert icrc(ip6) == struct.unpack("<I", ip6[-4:])[0], "wrong ICRC"
    op = ip6[48]
    data += op <= 4; acks += op == 0x11
    if op <= 4: psns.add(struct.unpack(">I", ip6[56:60])[0] & 0xffffff)
assert len(psns) == 98 and acks > 0, (data, len(psns), acks, open(sys.argv[1].replace("cap2.pcap","tcpdump2.err")).read())
print(f"zlib: {data} SEND packets and {acks} ACKs, all ICRCs right")
EOF
[ "$(jget "$TMP/r2.json" match)" = true ] || fail "SEND data mismatch"
ok "SEND across the PSN wrap, data ICRCs checked by zlib"

# ---- 2. ECN: CE marks on ECT packets, no loss
impair_attach "$NA" "${P}x" "CE_PPM=30000" || fail "impairment"
start_recv "$TMP/r3.json" --bytes 2M --op send --idle-ms "$(tms 20000)" --linger-ms "$(tms 300)"
ip netns exec "$NA" "$RCPEER" send --local $A --peer $B --qpn 17 --dqpn 256 \
	--bytes 2M --op send --ecn --rate-mbps 400 --timeout-ms "$(tms 100)" --out "$TMP/s3.json" >/dev/null ||
	fail "requester (ECN) failed"
wait "$RPID" || fail "responder (ECN) failed"
impair_clear "$NA" "${P}x"
[ "$(jget "$TMP/r3.json" match)" = true ] || fail "ECN transfer data mismatch"
[ "$(jget "$TMP/r3.json" ce_marked)" -gt 0 ] || fail "no CE marks seen"
[ "$(jget "$TMP/s3.json" cnps)" -gt 0 ] || fail "requester got no CNP"
[ "$(jget "$TMP/s3.json" naks)" -eq 0 ] || fail "CE marking caused loss"
$PY -c 'import json,sys; s=json.load(open(sys.argv[1])); assert 0 < s["min_rate_mbps"] <= 200, s["min_rate_mbps"]' \
	"$TMP/s3.json" || fail "rate not reduced on CNP"
ok "ECN: $(jget "$TMP/r3.json" ce_marked) CE, $(jget "$TMP/s3.json" cnps) CNPs, rate down to $(jget "$TMP/s3.json" min_rate_mbps) Mbps"

# ---- 3. a stalled responder: the requester must fail, not hang or lie
start_recv "$TMP/r4.json" --bytes 1M --stall-after 100 --idle-ms "$(tms 1500)"
set +e
ip netns exec "$NA" "$RCPEER" send --local $A --peer $B --qpn 17 --dqpn 256 \
	--bytes 1M --timeout-ms "$(tms 20)" --max-retries 10 --out "$TMP/s4.json" >/dev/null
rc=$?
set -e
wait "$RPID" && fail "stalled responder claims success"
[ "$rc" -eq 1 ] || fail "requester exit $rc against a stalled responder"
[ "$(jget "$TMP/s4.json" ok)" = false ] || fail "requester claims success"
[ "$(jget "$TMP/r4.json" stalled)" = true ] || fail "responder did not stall"
acked=$(jget "$TMP/s4.json" bytes_acked)
[ "$acked" -le $((100 * 1024)) ] || fail "acked $acked bytes past the stall"
ok "stalled responder: requester gave up ($(jget "$TMP/s4.json" error))"

echo "test_rcpeer: all passed"
