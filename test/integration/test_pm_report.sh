#!/usr/bin/env bash
# Alternate marking's userspace end to end, without an SRv6 data path
# (docs/PM.md): three "nodes", each a pin root of its own in one
# private network namespace, are Figure 1's N6 (the head, ioam_id 1,
# counting OUT), N1 and N3 (edges, ioam_ids 4 and 6, counting IN).  N4 and
# N5 count nothing, so each edge's upstream is N6, its nearest ancestor in
# test/integration/fig1.json with records.  Packets are counted by
# test/bpf/pmgen.bpf.o, which calls the data path's endmt_pm_count()
# (bpf/dp/pm_mark.h) on a packet described in its BPF_PROG_TEST_RUN input;
# the D-marks carry times the test chose.  Each node's agent reads its
# periods (1000 ms) and exports them and the D-marks (IPFIX templates 258,
# 259) to one `endmt collect`.  Three test periods K, K+1, K+2: 10 packets
# each at every node, except N3 in K+1 where the test withholds 3.  Cases
# (one function each, TEST=name runs one after the common run):
#   loss      `endmt pm report --json`: lost 3 on 1->6 in K+1, exactly, and
#             0 on every other branch and period judged; upstream 10.
#   delay     delay = the D-mark times' difference (1->4: 250, 260, 270 us;
#             1->6: 400 us), jitter their period-to-period difference.
#   text      the text report's rows for K+1, as docs/PM.md shows.
#   missing   N3's agent stopped two periods before the others: later
#             periods name node 6 as missing, never as loss.
#   watch     `pm report --watch` without a terminal printed each
#             (branch, period) once, ended cleanly on SIGTERM.
#   errors    a missing state file, a tree file with an unknown key: exit 1
#             with an error, {"error":...} with --json.
# Needs root (BPF, bpffs, netns).  On a shared machine run it as
#   flock -o /tmp/endmt-net.lock bash test/integration/test_pm_report.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
PY=/usr/bin/python3
ENDMT=$O/endmt
PMGEN=$O/test/bpf/pmgen.bpf.o
TREE=$PWD/test/integration/fig1.json
TMP=$(mktemp -d /tmp/pm-test.XXXXXX)
NS=pmr$$
PINS=/sys/fs/bpf/endmt-pmr-$$
PORT=4739
FLOW=5
# 1000 ms periods (ENDMT_TIME_SCALE times that in the vmtest guest: the
# test's own counting must fit well inside a period's first half)
. test/integration/time_scale.sh
T_MS=$(tms 1000)
NODES="1 4 6"		# ioam_ids of N6, N1, N3
pids=()
agent_pid=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$PINS"; [ -n "${PM_KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
inns() { nsenter --net=/run/netns/"$NS" "$@"; }
node() { local id=$1; shift; inns "$ENDMT" --pin-root "$PINS/n$id" "$@"; }
now_ns() { date +%s%N; }

# batch_write I K: the bpftool batch file $TMP/batchI for period K + I:
# 10 packets of the flow at every node (7 at N3 in K+1), the last of each
# D-marked at the time the test chose, as pmgen's BPF_PROG_TEST_RUN input
# (one python for all of them, one bpftool per period: under TCG every
# exec costs a good part of a second).
batch_write() {
	$PY - "$1" "$2" "$((T_MS * 1000000))" "$FLOW" "$TMP" "$PINS" <<'PYX2'
import struct, sys
i, K, T, flow, tmp, pins = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
k = K + i
colour = k & 1
base = k * T + T // 10
key = 1000 + i
lines = []
for node, n, dm in ((1, 10, base), (4, 10, base + 250000 + i * 10000),
                    (6, 7 if i == 1 else 10, base + 400000)):
    point = 1 if node == 1 else 0	# OUT at the head, IN at the edges
    for name, d, reps, t in (("a", 0, n - 1, 0), ("d", 1, 1, dm)):
        f = "%s/pkt%d-%d%s" % (tmp, i, node, name)
        open(f, "wb").write(struct.pack("<IBBBBIIQ8x", flow, 1, colour, d, point, 100,
                                        key if d else 0, t))
        lines.append("prog run pinned %s/n%d/pmgen data_in %s repeat %d" % (pins, node, f, reps))
open("%s/batch%d" % (tmp, i), "w").write("\n".join(lines) + "\n")
PYX2
}

setup() {
	local id
	ip netns add "$NS"
	inns ip link set lo up
	for id in $NODES; do
		mkdir -p "$PINS/n$id"
		node "$id" pm set --period "$T_MS" --node-id "$id" >/dev/null
		if [ "$id" = 1 ]; then
			node "$id" pm flow add "$FLOW" --enc srv6 --point out >/dev/null
		else
			node "$id" pm flow add "$FLOW" --enc srv6 --point in >/dev/null
		fi
		bpftool prog load "$PMGEN" "$PINS/n$id/pmgen" type xdp \
			map name endmt_pm pinned "$PINS/n$id/endmt_pm" \
			map name endmt_pm_counts pinned "$PINS/n$id/endmt_pm_counts" \
			map name endmt_pm_dmarks pinned "$PINS/n$id/endmt_pm_dmarks"
	done
	nsenter --net=/run/netns/"$NS" "$ENDMT" collect --listen "127.0.0.1:$PORT" --state "$TMP/state.json" \
		>"$TMP/collect.out" 2>"$TMP/collect.err" &
	pids+=($!)
	for id in $NODES; do
		nsenter --net=/run/netns/"$NS" "$ENDMT" --pin-root "$PINS/n$id" agent --no-fanout --liveness-ms 0 --ipfix "127.0.0.1:$PORT" \
			--ipfix-refresh-s 1 >"$TMP/agent$id.out" 2>"$TMP/agent$id.err" &
		pids+=($!)
		agent_pid[$id]=$!
	done
}

# (Daemons start as plain commands, not through inns/node: a function run
# with & is a subshell, and the signal would end it, not the daemon.)
# Waits until CLOCK_REALTIME >= $1 ns.
until_ns() {
	local d
	d=$(( ($1 - $(now_ns)) / 1000000 ))
	if [ "$d" -gt 0 ]; then sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"; fi
}

run() {
	local T=$((T_MS * 1000000)) k i
	tsleep 1000
	# K: the agents' baselines of both colours are set by then.
	K=$(( $(now_ns) / T + 3 ))
	echo "test periods $K..$((K + 2)) (T $T_MS ms)"
	nsenter --net=/run/netns/"$NS" "$ENDMT" pm report --watch --grace-ms "$(tms 2000)" --state "$TMP/state.json" --tree "$TREE" \
		>"$TMP/watch.out" 2>"$TMP/watch.err" &
	WATCH=$!
	pids+=($WATCH)
	for i in 0 1 2; do batch_write "$i" "$K"; done
	for i in 0 1 2; do
		k=$((K + i))
		until_ns $((k * T + T / 20))
		bpftool batch file "$TMP/batch$i" >/dev/null
	done
	# K+2 is read at (K+3.5) T; N3's agent stops after K+3's read.
	until_ns $(( (K + 4) * T + T * 6 / 10 ))
	kill -TERM "${agent_pid[6]}"
	wait "${agent_pid[6]}" || fail "N3's agent: exit $?"
	until_ns $(( (K + 6) * T + T * 6 / 10 ))
	kill -TERM "${agent_pid[1]}" "${agent_pid[4]}"
	wait "${agent_pid[1]}" || fail "N6's agent: exit $?"
	wait "${agent_pid[4]}" || fail "N1's agent: exit $?"
	tsleep 2500
	kill -TERM "$WATCH"
	wait "$WATCH" || fail "pm report --watch: exit $? on SIGTERM"
	kill -TERM "${pids[0]}"
	wait "${pids[0]}" || fail "collect: exit $?"
	pids=()
	"$ENDMT" --json pm report --state "$TMP/state.json" --tree "$TREE" --periods 50 \
		>"$TMP/report.json"
	"$ENDMT" pm report --state "$TMP/state.json" --tree "$TREE" --periods 50 >"$TMP/report.txt"
}

# check.py CASE: the JSON report against what the test did.
check() {
	$PY - "$1" "$TMP/report.json" "$K" "$FLOW" <<'EOF'
import json, sys
case, rep, K, flow = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3]), int(sys.argv[4])
fl = [f for f in rep["flows"] if f["flow"] == flow and f["enc"] == "srv6"]
assert len(fl) == 1, rep
f = fl[0]
assert sorted(f["nodes"]) == [1, 4, 6], f["nodes"]
assert sorted((b["upstream"], b["downstream"]) for b in f["branches"]) == [(1, 4), (1, 6)], f["branches"]
per = {p["period"]: {(b["upstream"], b["downstream"]): b for b in p["branches"]} for p in f["periods"]}
for k in (K, K + 1, K + 2):
    assert k in per, ("period %d not judged" % k, sorted(per))
if case == "loss":
    for k, brs in per.items():
        for br, b in brs.items():
            if b["missing"]:
                assert b["lost"] is None, b
                continue
            want = 3 if (k, br) == (K + 1, (1, 6)) else 0
            assert b["lost"] == want, (k, br, b)
    for k in (K, K + 1, K + 2):
        for br in ((1, 4), (1, 6)):
            assert per[k][br]["upstream_packets"] == 10, per[k][br]
            assert per[k][br]["missing"] == [], per[k][br]
    assert per[K + 1][(1, 6)]["downstream_packets"] == 7
    assert abs(per[K + 1][(1, 6)]["loss_pct"] - 30.0) < 1e-9
elif case == "delay":
    for i, k in enumerate((K, K + 1, K + 2)):
        assert per[k][(1, 4)]["delay_ns"] == 250000 + 10000 * i, per[k][(1, 4)]
        assert per[k][(1, 6)]["delay_ns"] == 400000, per[k][(1, 6)]
    for k in (K + 1, K + 2):
        assert per[k][(1, 4)]["jitter_ns"] == 10000, per[k][(1, 4)]
        assert per[k][(1, 6)]["jitter_ns"] == 0, per[k][(1, 6)]
    assert per[K][(1, 4)]["jitter_ns"] is None or K - 1 in per
elif case == "missing":
    later = [k for k in per if k > K + 3 and per[k][(1, 6)]["missing"]]
    assert later, sorted((k, b["missing"]) for k, brs in per.items() for b in brs.values())
    for k in later:
        b = per[k][(1, 6)]
        assert b["missing"] == [6] and b["lost"] is None and b["loss_pct"] is None, b
        assert per[k][(1, 4)]["missing"] == [] and per[k][(1, 4)]["lost"] == 0, per[k]
print("checked", case)
EOF
}

case_loss() { check loss && ok "exactly 3 lost on 1->6 in period K+1, 0 elsewhere"; }
case_delay() { check delay && ok "delay = D-mark difference, jitter period to period"; }

case_text() {
	local row
	row=$(awk -v k=$((K + 1)) '$2 == "1->6" && $3 == k' "$TMP/report.txt")
	echo "$row"
	[ "$(echo "$row" | awk '{print $1, $4, $5, $6, $7, $8, $9}')" = \
	  "srv6/$FLOW 10 7 3 30.000 400.000 0.000" ] || fail "text row: $row"
	head -1 "$TMP/report.txt" | grep -q '^FLOW  *BRANCH  *PERIOD  *UPSTREAM  *DOWNSTREAM  *LOST  *LOSS%  *DELAY_US  *JITTER_US$' \
		|| fail "text header: $(head -1 "$TMP/report.txt")"
	grep -q "missing: node 6" "$TMP/report.txt" || fail "no missing node in the text"
	ok "text report"
}

case_missing() { check missing && ok "a stopped node's periods are missing, not lost"; }

case_watch() {
	local dups
	grep -q "^FLOW" "$TMP/watch.out" || fail "watch: no header: $(cat "$TMP/watch.out" "$TMP/watch.err")"
	awk -v k=$((K + 1)) '$2 == "1->6" && $3 == k && $6 == 3 {f=1} END {exit !f}' "$TMP/watch.out" \
		|| fail "watch: no row with the loss: $(cat "$TMP/watch.out")"
	dups=$(awk 'NR > 1 {print $2, $3}' "$TMP/watch.out" | sort | uniq -d)
	[ -z "$dups" ] || fail "watch printed periods twice: $dups"
	ok "watch: every period once, SIGTERM ends it"
}

case_errors() {
	local out rc
	set +e
	out=$("$ENDMT" --json pm report --state "$TMP/nonexistent.json" --tree "$TREE" 2>/dev/null); rc=$?
	set -e
	[ "$rc" = 1 ] && echo "$out" | $PY -c 'import json,sys; assert "error" in json.load(sys.stdin)' \
		|| fail "missing state: rc $rc: $out"
	$PY -c "import json; t=json.load(open('$TREE')); t['bogus']=1; json.dump(t, open('$TMP/bad.json','w'))"
	set +e
	out=$("$ENDMT" pm report --state "$TMP/state.json" --tree "$TMP/bad.json" 2>&1); rc=$?
	set -e
	[ "$rc" = 1 ] && echo "$out" | grep -q bogus || fail "bad tree: rc $rc: $out"
	ok "errors"
}

CASES="loss delay text missing watch errors"
setup
run
for c in ${TEST:-$CASES}; do
	"case_$c"
done
echo "all pm report cases passed"
