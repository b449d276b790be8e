#!/usr/bin/env bash
# Alternate marking on Figure 1 (docs/PM.md): RFC 9343 on endmt's tree of
# fig1.json, the kernel's multicast routers N4 and N5 in between.  The head
# N6 marks the group (FlowMonID FLOW, time periods of PERIOD_MS) and counts
# what it sends; the edges N1, N2, N3 count what they accept; every node's
# agent exports its periods and D-marks as IPFIX to `endmt collect` in N6's
# netns, and `endmt pm report` judges each branch (N6 -> N1, N6 -> N2,
# N6 -> N3: N4 and N5 only forward).
#   - A source (test/py/pm_blast.py, no endmt code) sends PM_PACKETS
#     SEND-only packets, paced, over many periods, while N4 drops exactly
#     BURST_LEN packets of colour 1 toward N2 (impair.bpf.c BURST_COLOUR)
#     and N4 reorders packets toward N1 by milliseconds, across period
#     boundaries too (impair.bpf.c REORDER_WINDOW_US): the report shows
#     exactly BURST_LEN lost on N6 -> N2 in one period of colour 1 and 0 in
#     every other period and branch, reordering across period boundaries
#     making no phantom loss (the T/2 guard), every packet the head sent
#     counted in some complete period, and every period's D-marked packet's
#     delay between 0 and what the shared clock allows.
#   - Every node's D-mark record (time, packet key) is the D-marked packet
#     tcpdump captured next to that node, the kernel's timestamp close to
#     the node's, and every branch delay the two captures' difference.
#   - tshark and scapy decode the mark on both sides of the kernel routers:
#     the same octets (option type 0x12, action bits 00: not theirs, passed
#     untouched), and on no receiver's link.
#   - A real RC transfer (rcpeer, 1 MB to R1..R5) with marking on: every
#     receiver's data byte-identical, no Destination Options header toward
#     any receiver.
# One function per case.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
export O
PY=/usr/bin/python3
export PYTHONPATH=$PWD/test/py
TMP=$(mktemp -d /tmp/pm-test.XXXXXX)
ID=pm$$
PORT=4739
FLOW=77
PERIOD_MS=${PM_PERIOD_MS:-1000}
# 10^6 packets at 30 kpps: 33 periods of 1 s.  The vmtest guest (TCG)
# forwards some hundred packets a second: it sends fewer, more slowly, in
# longer periods (vmtest/run.sh sets these when it runs this test).
PM_PACKETS=${PM_PACKETS:-1000000}
PM_RATE=${PM_RATE:-30000}
BURST_AT=${PM_BURST_AT:-5000} BURST_LEN=${PM_BURST_LEN:-7}
# Toward N1, every 10 ms the packets of PM_REORDER_US (300 us) wait in a
# 5 Mbit/s class while the next ones overtake them (milliseconds;
# impair.bpf.c): around every period boundary some of the period before
# arrive in the period after.  That needs several packets per window; at
# the guest's hundred a second there is at most one, which nothing
# overtakes, so the guest sets it empty: no reordering impairment and no
# reordering case in that run (the host's runs have both).
PM_REORDER_US=${PM_REORDER_US-300}
. test/integration/fig1.sh
. test/integration/fig1_lib.sh
fig1_script_init

# The node ids: the tree file's (position in "nodes", from 1).
nid() { $PY -c 'import json,sys; print(list(json.load(open(sys.argv[1]))["nodes"]).index(sys.argv[2]) + 1)' "$F1_JSON" "$1"; }

# The tree file with alternate marking: the group's FlowMonID and the
# period; `endmt apply` on every node writes the rest (the head's marking
# and OUT counters, the edges' IN counters, every node's period and id).
tree_json() {
	$PY - "$F1_DIR/$1" "$TMP/fig1_pm.json" "$FLOW" "$PERIOD_MS" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
t["pm_period_ms"] = int(sys.argv[4])
t["groups"][0]["pm"] = {"flow": int(sys.argv[3])}
json.dump(t, open(sys.argv[2], "w"), indent=1)
EOF
}

# CASE: apply configured every node as the file says (`endmt pm show`).
case_config() {
	local n
	for n in $F1_ROUTERS; do
		fig1_endmt "$ID" "$n" --json pm show >"$TMP/pm-$n.json" || fail "pm show on $n"
	done
	$PY - "$TMP" "$FLOW" "$PERIOD_MS" "$F1_JSON" "$VARIANT" <<'PYEOF' || fail "apply's pm configuration"
import json, sys
d, flow, period_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
counting = ("N1", "N2", "N3") + (("N4", "N5") if sys.argv[5] == "repl" else ())
names = list(json.load(open(sys.argv[4]))["nodes"])
for i, n in enumerate(names):
    s = json.load(open(f"{d}/pm-{n}.json"))
    assert s["period_ns"] == period_ms * 1000000 and s["count_period"] == 0, (n, s)
    assert s["node_id"] == i + 1, (n, "node id", s["node_id"])
    flows = {(f["enc"], f["flow"], f["point"]) for f in s["flows"]}
    want = {"N6": {("srv6", flow, "out")}}.get(n, {("srv6", flow, "in")} if n in counting else set())
    assert flows == want, (n, flows, want)
    groups = {(g["proxy"], g["dqpn"], g["flow"]) for g in s["groups"]}
    assert groups == ({("fd00:ff::1", 4660, flow)} if n == "N6" else set()), (n, groups)
print("apply: N6 marks the group and counts it sent,", ", ".join(counting),
      "count it received; every node its period and id")
PYEOF
	ok "apply: the tree file's pm keys on every node"
}

# Captures of the sending ends of the links around the kernel routers, and
# R1's link, for a while.
LINKS="N6:n6-n4 N4:n4-n1 N6:n6-n5 N5:n5-n3 R1:r1-n1"
# And, for the whole run, every D-marked packet (outer Next Header 60, the
# AltMark's D bit: bit 10 of the word at octet 44) on the link next to each
# counting point, timestamped by the kernel in nanoseconds: the head's and a
# fork's the link the head sends on (N6 -> N4 or N5), an edge's the link its
# parent sends on.  docs/PM.md: the D mark is the first packet of a period.
NODE_TAP="N6=n6-n4 N4=n6-n4 N5=n6-n5 N1=n4-n1 N2=n4-n2 N3=n5-n3"
DLINKS="N6:n6-n4 N6:n6-n5 N4:n4-n1 N4:n4-n2 N5:n5-n3"
capture_start() {
	local l n d
	TPIDS=()
	for l in $LINKS; do
		n=${l%%:*} d=${l#*:}
		ip netns exec "$(fig1_ns "$ID" "$n")" tcpdump --immediate-mode -B 32768 -i "$d" \
			-s 2000 -U -c "${PM_CAP_PACKETS:-10000}" -w "$TMP/$d.pcap" ip6 and not udp port "$PORT" \
			2>"$TMP/tcpdump-$d.err" &
		TPIDS+=($!)
		pids+=($!)
	done
	for l in $DLINKS; do
		n=${l%%:*} d=${l#*:}
		ip netns exec "$(fig1_ns "$ID" "$n")" tcpdump --immediate-mode -B 4096 -i "$d" \
			--time-stamp-precision nano -s 2000 -U -w "$TMP/d-$d.pcap" \
			'ip6[6] == 60 and (ip6[46] & 0x04) != 0' 2>"$TMP/tcpdump-d-$d.err" &
		TPIDS+=($!)
		pids+=($!)
	done
	for l in $LINKS; do tap_ready "tcpdump-${l#*:}"; done
	for l in $DLINKS; do tap_ready "tcpdump-d-${l#*:}"; done
}

tap_ready() {
	for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/$1.err" && return; sleep 0.1; done
}

capture_stop() {
	local p
	tsleep 500
	for p in "${TPIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}

blast() {
	local smac dmac
	smac=$(f1_mac "$(fig1_ns "$ID" S1)" s1-n6)
	dmac=$(f1_mac "$(fig1_ns "$ID" N6)" n6-s1)
	nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" $PY test/py/pm_blast.py s1-n6 "$smac" "$dmac" \
		fd00:10::2 "$F1_PROXY" 4660 "$PM_PACKETS" "$PM_RATE" >"$TMP/blast.json" ||
		fail "source: $(cat "$TMP/blast.json")"
	echo "source: $(cat "$TMP/blast.json")"
}

report() {
	"$O/endmt" "$@" pm report --state "$TMP/state.json" --tree "$F1_JSON" --periods 1000
}

# CASE: exactly BURST_LEN packets of colour 1 lost on N6 -> N2, in one
# period; nothing lost anywhere else, reordering toward N1 included; every
# packet the head sent (its pm_marked counter) in some complete period.
case_exact_loss() {
	report >"$TMP/report.txt" || fail "pm report: $(cat "$TMP/report.txt")"
	report --json >"$TMP/report.json" || fail "pm report --json"
	fig1_endmt "$ID" N6 --json show >"$TMP/show-N6.json" || fail "show N6"
	local br="" lb b
	for b in $BRANCHES; do br+="$(nid "${b%%:*}"):$(nid "${b#*:}") "; done
	lb="$(nid "${LOSS_BRANCH%%:*}"):$(nid "${LOSS_BRANCH#*:}")"
	$PY - "$TMP/report.json" "$TMP/show-N6.json" "$FLOW" "$BURST_LEN" "$PERIOD_MS" \
		"$br" "$lb" "$TMP/blast.json" <<'PYEOF' || fail "the report: $(head -40 "$TMP/report.txt")"
import json, sys
doc = json.load(open(sys.argv[1]))
marked = json.load(open(sys.argv[2]))["counters"]["pm_marked"]
flow, k, period_ms = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
first_ns = json.load(open(sys.argv[8]))["first_ns"]
pair = lambda t: tuple(int(x) for x in t.split(":"))  # noqa: E731
want_branches = sorted(pair(t) for t in sys.argv[6].split())
loss_branch = pair(sys.argv[7])
f = [x for x in doc["flows"] if x["enc"] == "srv6" and x["flow"] == flow]
assert len(f) == 1, ("one flow", [(x["enc"], x["flow"]) for x in doc["flows"]])
f = f[0]
assert f["period_ns"] == period_ms * 1000000, f["period_ns"]
assert sorted((b["upstream"], b["downstream"]) for b in f["branches"]) == want_branches, \
    ("branches", f["branches"], want_branches)
assert not f["unplaced"], f["unplaced"]
lost = {}
sent = 0
busy = 0
for p in f["periods"]:
    judged = []
    for b in p["branches"]:
        # an agent's first read of each colour only sets its baseline
        # (docs/PM.md): a node whose agent started a period or two after
        # another's has no record of the periods before, which ended before
        # the source sent anything (the vmtest guest's agents start seconds
        # apart); from the source's first packet on, every record is there
        if b["missing"] and (p["period"] + 1) * period_ms * 1000000 <= first_ns:
            assert b["upstream_packets"] in (0, None), ("packets before the source", p["period"], b)
            continue
        assert not b["missing"], ("a record missing", p["period"], b)
        judged.append(b)
        key = (b["upstream"], b["downstream"])
        if b["lost"]:
            lost.setdefault(key, []).append((p["period"], b["lost"]))
        assert b["lost"] >= 0, ("more downstream than upstream", p["period"], b)
    head_ups = {b["upstream_packets"] for b in judged if b["upstream"] == 1}
    if not head_ups and (p["period"] + 1) * period_ms * 1000000 <= first_ns:
        continue    # every branch of the head skipped above: before the source
    assert len(head_ups) == 1, ("branches disagree on the head's count", p["period"], head_ups)
    n = head_ups.pop()
    sent += n
    busy += n > 0
assert busy >= 10, ("periods with traffic", busy)
assert lost.keys() == {loss_branch}, ("loss only on", loss_branch, lost)
(per, got), = lost[loss_branch]
assert got == k, ("exactly the burst", got, k)
assert per % 2 == 1, ("a period of colour 1", per)
assert sent == marked, ("every marked packet in a complete period", sent, marked)
print(f"loss: {k} on {loss_branch} in period {per} (colour 1), 0 elsewhere; {sent} packets over "
      f"{busy} periods, every one the head marked")
PYEOF
	ok "$VARIANT: exactly $BURST_LEN packets lost on ${LOSS_BRANCH/:/ -> } in one colour-1 period, none elsewhere${PM_REORDER_US:+ (reordering toward N1 included)}"
}

# CASE: every busy period's D-marked packet reached every edge, its delay
# between 0 and 20 ms (one shared clock: the namespaces'; ENDMT_TIME_SCALE
# times that under TCG), jitter known from the second period on.
case_delay() {
	$PY - "$TMP/report.json" "$FLOW" "$(tms 20)" <<'PYEOF' || fail "delays"
import json, sys
doc = json.load(open(sys.argv[1]))
f = [x for x in doc["flows"] if x["flow"] == int(sys.argv[2])][0]
bound = int(sys.argv[3]) * 1000000
d = []
j = 0
for p in f["periods"]:
    for b in p["branches"]:
        if not b["upstream_packets"]:
            continue
        if b["delay_ns"] is None:
            continue
        assert 0 <= b["delay_ns"] < bound, ("delay", p["period"], b, bound)
        d.append(b["delay_ns"])
        j += b["jitter_ns"] is not None
busy = sum(1 for p in f["periods"] for b in p["branches"] if b["upstream_packets"])
# a period's D mark may be the packet the burst dropped (N6 -> N2): one
assert len(d) >= busy - 1, ("delay known for each busy branch-period", len(d), busy)
assert j >= len(d) - 2 * 3, ("jitter from the second period on", j, len(d))
print("delay: %d D marks, %.1f .. %.1f us" % (len(d), min(d) / 1e3, max(d) / 1e3))
PYEOF
	ok "delay: every busy period's D-marked packet at every edge, 0 <= delay < $(tms 20) ms, jitter"
}

# CASE: the D marks against the kernel's clock.  Every D-mark record a node
# exported (the collector's state: its CLOCK_REALTIME time and packet key,
# the inner PSN) is a D-marked packet that tcpdump saw, with that PSN, on
# the link next to that node (NODE_TAP), the kernel's timestamps within
# (ENDMT_TIME_SCALE x) 5 ms of the node's (a hop of veth and a program
# apart); and every branch's delay in the report is the difference of the
# two captures' times of that packet, within the same bound.
case_delay_wire() {
	local ids="" t
	for t in $NODE_TAP; do ids+="${t%%=*}=$(nid "${t%%=*}") "; done
	$PY - "$TMP" "$FLOW" "$(tms 5)" "$NODE_TAP" "$ids" <<'PYEOF' || fail "the D marks against the captures"
import json, sys
from scapy.all import rdpcap, raw, IPv6
d, flow, tol = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) * 10**6
taps = dict(x.split("=") for x in sys.argv[4].split())
ids = {int(v): k for k, v in (x.split("=") for x in sys.argv[5].split())}
def dmarked(dev):
    out = {}  # PSN -> the kernel's capture times (ns)
    for p in rdpcap(f"{d}/d-{dev}.pcap"):
        ip6 = raw(p[IPv6])
        v = int.from_bytes(ip6[44:48], "big")
        assert ip6[6] == 60 and ip6[42] == 0x12 and v >> 12 == flow and v >> 10 & 1, ip6[:48].hex()
        bth = 48 + (ip6[49] + 1) * 8 + 48       # SRH, inner IPv6 and UDP
        out.setdefault(int.from_bytes(ip6[bth + 9:bth + 12], "big"), []).append(int(p.time * 10**9))
    return out
caps = {dev: dmarked(dev) for dev in set(taps.values())}
f = [x for x in json.load(open(f"{d}/state.json"))["pm"]["flows"] if x["flow"] == flow][0]
def seen(node, per):
    # the capture time of the packet node's D-mark record of period per names
    r = f["nodes"][str(node)]["dmarks"][per]
    ts = caps[taps[ids[node]]].get(r["pkt_key"], [])
    assert ts, (ids[node], per, "no D-marked packet with PSN", r["pkt_key"], "on", taps[ids[node]])
    t = min(ts, key=lambda t: abs(t - r["real_ns"]))
    assert abs(t - r["real_ns"]) < tol, (ids[node], per, "node's time - kernel's", r["real_ns"] - t)
    return r["pkt_key"], t
n = 0
worst = 0
for node, v in f["nodes"].items():
    for per, r in v["dmarks"].items():
        key, t = seen(int(node), per)
        worst = max(worst, abs(r["real_ns"] - t))
        n += 1
assert n >= 10 * len(f["nodes"]) - 2, ("D-mark records", n, len(f["nodes"]))
rep = json.load(open(f"{d}/report.json"))
b_n = 0
for p in [x for x in rep["flows"] if x["flow"] == flow][0]["periods"]:
    for b in p["branches"]:
        if b["delay_ns"] is None:
            continue
        per = str(p["period"])
        (ku, tu), (kd, td) = seen(b["upstream"], per), seen(b["downstream"], per)
        assert ku == kd, ("one packet", per, b, ku, kd)
        assert abs(b["delay_ns"] - (td - tu)) < tol, ("delay - captures'", per, b, td - tu)
        b_n += 1
assert b_n >= 10, ("branch delays checked", b_n)
print(f"D marks: {n} records at {len(f['nodes'])} nodes, each the D-marked packet tcpdump saw "
      f"next to it (worst {worst / 1e3:.1f} us apart); {b_n} branch delays = the captures' difference")
PYEOF
	ok "D marks: every node's D-mark is the packet the kernel captured beside it (same PSN, within $(tms 5) ms), every branch delay the captures' difference"
}

# CASE: the mark is the same octets on both sides of the kernel routers
# (N4 and N5 forward it untouched; tshark says option 0x12, action 00), and
# no frame toward a receiver carries a Destination Options header.
case_kernel_untouched() {
	local a b
	for pair in n6-n4:n4-n1 n6-n5:n5-n3; do
		a=${pair%%:*} b=${pair#*:}
		$PY - "$TMP/$a.pcap" "$TMP/$b.pcap" "$FLOW" <<'PYEOF' || fail "mark across the kernel router ($a -> $b)"
import sys
from scapy.all import rdpcap, IPv6, IPv6ExtHdrDestOpt, raw
flow = int(sys.argv[3])
def marks(path):
    out = {}
    for p in rdpcap(path):
        if IPv6 not in p or p[IPv6].nh != 60 or IPv6ExtHdrDestOpt not in p:
            continue
        d = raw(p[IPv6ExtHdrDestOpt])[:8]
        v = int.from_bytes(d[4:8], "big")
        assert d[2] == 0x12 and d[3] == 4 and v >> 12 == flow, ("AltMark", d.hex())
        key = raw(p[IPv6].payload)[8:]    # what follows it: SRH and inner packet
        out[key] = d
    return out
up, down = marks(sys.argv[1]), marks(sys.argv[2])
assert len(up) > 100 and len(down) > 100, (len(up), len(down))
both = set(up) & set(down)
assert len(both) > 50, ("packets seen on both links", len(both))
assert all(up[k] == down[k] for k in both), "a mark changed across the router"
print(f"{sys.argv[1].split('/')[-1]} -> {sys.argv[2].split('/')[-1]}: {len(both)} packets, mark unchanged")
PYEOF
		[ "$(tshark -r "$TMP/$b.pcap" -Y 'ipv6.opt.type == 0x12 && ipv6.opt.type.action == 0' \
			2>/dev/null | wc -l)" -gt 50 ] || fail "tshark: no AltMark option (0x12, action 00) on $b"
	done
	[ "$(tshark -r "$TMP/r1-n1.pcap" -Y 'ipv6.nxt == 60 || ipv6.opt.type == 0x12' 2>/dev/null | wc -l)" = 0 ] ||
		fail "r1-n1: a frame toward the receiver carries the mark"
	[ "$(tshark -r "$TMP/r1-n1.pcap" -Y infiniband 2>/dev/null | wc -l)" -gt 50 ] || fail "r1-n1: no RoCE frames"
	if [ "$VARIANT" = mcast ]; then
		ok "the mark passes the kernel routers N4, N5 untouched (scapy, tshark); none toward R1"
	else
		ok "the mark leaves the forks N4, N5 as it came, on every copy (scapy, tshark); none toward R1"
	fi
}

# CASE: the reordering toward N1 happened: R1 saw PSNs out of order (the
# first packets, as captured on its link).
case_reordered() {
	local inv
	inv=$(tshark -r "$TMP/r1-n1.pcap" -Y infiniband -T fields -e infiniband.bth.psn 2>/dev/null |
		$PY -c 'import sys; p=[int(x, 0) for x in sys.stdin.read().split()]; print(sum(b < a for a, b in zip(p, p[1:])))')
	[ "$inv" -gt 0 ] || fail "no reordering toward N1 in R1's capture"
	ok "reordering toward N1: $inv PSN inversions among R1's first packets"
}

# CASE: a real RC transfer with marking on: receivers byte-identical.
case_transfer_marked() {
	local p
	RPIDS=()
	fig1_receivers "$ID" "$TMP" 1M || fail "receivers"
	nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$O/tools/rcpeer" send --local fd00:10::2 \
		--udp-csum0 --peer fd00:ff::1 --qpn 17 --dqpn 4660 --bytes 1M --timeout-ms "$(tms 100)" \
		--out "$TMP/S1.json" >/dev/null || fail "transfer: $(cat "$TMP/S1.json")"
	for p in "${RPIDS[@]}"; do wait "$p" || fail "a receiver failed"; done
	for n in R1 R2 R3 R4 R5; do
		$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("match") is True else 1)' "$TMP/$n.json" ||
			fail "receiver $n: $(cat "$TMP/$n.json")"
	done
	fig1_endmt "$ID" N1 --json show >"$TMP/show-N1.json" || fail "show N1"
	$PY -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]; sys.exit(0 if c.get("pm_counted",0) >= 1024 else 1)' \
		"$TMP/show-N1.json" || fail "N1 counted no marked transfer"
	ok "an RC transfer with marking on: R1..R5 byte-identical, the edges counted it"
}

# One variant: the tree file (mcast: fig1.json, N4 and N5 the kernel's
# multicast routers; repl: fig1_repl.json, endmt's RFC 9524 forks, which
# count too), the impairments, the source, the cases.
run_variant() {
	VARIANT=$1
	rm -f "$TMP"/*.pcap "$TMP"/state.json
	tree_json "$2"
	FIG1_JSON=$TMP/fig1_pm.json
	F1_JSON=$FIG1_JSON
	export FIG1_JSON FIG1_AGENT_ARGS="--ipfix [fd00:6::1]:$PORT"
	fig1_up "$ID" >"$TMP/up.log" 2>&1 || { cat "$TMP/up.log"; fail "fig1 up ($VARIANT)"; }
	case_config
	IMPAIR_DIR=$TMP impair_attach "$(fig1_ns "$ID" N4)" n4-n2 \
		"BURST_AT=$BURST_AT BURST_LEN=$BURST_LEN BURST_COLOUR=1" || fail "impair on N4 n4-n2"
	if [ -n "$PM_REORDER_US" ]; then
		IMPAIR_DIR=$TMP impair_attach "$(fig1_ns "$ID" N4)" n4-n1 "REORDER_WINDOW_US=$PM_REORDER_US" 5mbit ||
			fail "impair on N4 n4-n1"
	fi
	nsenter --net="/run/netns/$(fig1_ns "$ID" N6)" "$O/endmt" --json collect --listen "[::]:$PORT" \
		--state "$TMP/state.json" --grace-ms "$(tms 1000)" >"$TMP/collect.json" 2>"$TMP/collect.err" &
	CPID=$!
	pids+=("$CPID")
	capture_start
	tsleep 300
	blast
	capture_stop
	# the last period's guard time, the agents' reads and exports, the state
	tsleep $((PERIOD_MS * 3 + 1000))
	kill -TERM "$CPID"
	wait "$CPID" || fail "collect: $(cat "$TMP/collect.err")"
	case_exact_loss
	case_delay
	case_delay_wire
	case_kernel_untouched
	if [ -n "$PM_REORDER_US" ]; then
		case_reordered
	else
		echo "reordering toward N1: not impaired in this run (PM_REORDER_US empty)"
	fi
	case_transfer_marked
	fig1_down "$ID" >/dev/null || fail "teardown ($VARIANT)"
	ok "teardown ($VARIANT): nothing left"
}

# PM_RUNS picks the variants (default both); the RFC 9524 one with fewer
# packets at half the rate, so they still span the 10 or more busy periods
# the check wants (2x10^5 at 30 kpps took under 7 s), the forks' counting
# on top.  A host without IPv6 multicast routing runs only this one, and
# test/run.sh then gives it the multicast variant's 10^6 packets at 30 kpps
# (PM_REPL_PACKETS, PM_REPL_RATE).
for run in ${PM_RUNS:-mcast repl}; do
	case $run in
	mcast) FIG1_SMCROUTE=1 BRANCHES="N6:N1 N6:N2 N6:N3" LOSS_BRANCH=N6:N2 \
		run_variant mcast fig1.json ;;
	repl) FIG1_SMCROUTE=0 BRANCHES="N6:N4 N6:N5 N4:N1 N4:N2 N5:N3" LOSS_BRANCH=N4:N2 \
		PM_PACKETS=${PM_REPL_PACKETS:-200000} PM_RATE=${PM_REPL_RATE:-15000} \
		run_variant repl fig1_repl.json ;;
	*) fail "PM_RUNS: $run is not mcast or repl" ;;
	esac
done
