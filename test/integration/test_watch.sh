#!/usr/bin/env bash
# Watching a node, as an operator does (docs/OPERATOR-GUIDE.md, "Watching a
# node"), on the Figure 1 network with every router's agent serving
# /metrics (FIG1_AGENT_ARGS=--metrics: 127.0.0.1:9477 of its own namespace):
#  1. `endmt top` in a detached tmux session on the edge N1 while a
#     rate-limited transfer runs: the group line appears with non-zero data
#     and copy rates, the key s changes the sort, q quits;
#  2. a real Prometheus server (Debian's) in N1's namespace scrapes N1's
#     agent every second; after the transfer PromQL through its HTTP API
#     gives the copies, End.MT packets and branches `endmt show --json`
#     counts, and no ACK lag;
#  3. `promtool check metrics` accepts every router's /metrics;
#  3b. a receiver that stalls: Prometheus counts a stale branch with a lag,
#     and `endmt top --once` on its edge shows it STALE;
#  4. `endmt top --once` on the head prints one frame and exits;
#  5. teardown leaves no netns, pins or processes (agents, Prometheus, tmux).
# Run it alone with `flock -o /tmp/endmt-net.lock bash test/integration/test_watch.sh`
# on a shared machine (-o: the daemons it starts do not inherit the lock).
# WATCH_KEEP=DIR keeps what top showed and every router's /metrics there.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
export O
PY=/usr/bin/python3
TMP=$(mktemp -d /tmp/watch-test.XXXXXX)
ID=wt$$
TMUX_SOCK=endmt-watch-$$
export FIG1_AGENT_ARGS=--metrics
. test/integration/fig1.sh
. test/integration/fig1_lib.sh
pids=()
cleanup() {
	local p
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	fig1_down "$ID" >/dev/null 2>&1 || true
	if [ -n "${WATCH_KEEP:-}" ]; then
		cp "$TMP"/pane*.txt "$TMP"/top-*.txt "$TMP"/metrics-*.txt "$WATCH_KEEP"/ 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
for t in prometheus promtool tmux curl; do
	command -v "$t" >/dev/null || fail "$t not installed (scripts/setup.sh installs it)"
done

fig1_up "$ID" >"$TMP/up.log" 2>&1 || fail "fig1 up: $(cat "$TMP/up.log")"
N1=$(fig1_ns "$ID" N1)
in_n1() { nsenter --net="/run/netns/$N1" "$@"; }
# every router's agent answers on its own loopback
for n in $F1_ROUTERS; do
	for _ in $(seq "$(tn 50)"); do
		f1_in "$ID" "$n" curl -sf -o "$TMP/metrics-$n.txt" http://127.0.0.1:9477/metrics && break
		sleep 0.1
	done
	[ -s "$TMP/metrics-$n.txt" ] || fail "no /metrics from $n's agent: $(cat "$(f1_state "$ID")/agent-$n.log")"
done
ok "every router's agent serves /metrics on its namespace's 127.0.0.1:9477"

# Prometheus in N1's namespace, scraping N1's agent every second
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: endmt
    static_configs:
      - targets: ['127.0.0.1:9477']
        labels:
          node: N1
EOF
nsenter --net="/run/netns/$N1" prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom" \
	--web.listen-address=127.0.0.1:9090 >"$TMP/prometheus.log" 2>&1 &
pids+=($!)
for _ in $(seq "$(tn 150)"); do
	in_n1 curl -sf -o /dev/null http://127.0.0.1:9090/-/ready && break
	sleep 0.1
done
in_n1 curl -sf -o /dev/null http://127.0.0.1:9090/-/ready || fail "prometheus not ready: $(tail -5 "$TMP/prometheus.log")"
# prom EXPR: the value of EXPR's one sample now ("none": no sample)
prom() {
	in_n1 curl -sf --get --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query |
		$PY -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else "none" if not r else "many")'
}

# endmt top on N1 in a terminal (tmux, 140x40), before the transfer starts
tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -s top -x 140 -y 40 \
	"nsenter --net=/run/netns/$N1 $O/endmt --pin-root $(f1_pin "$ID" N1) top; echo top-exited-\$?; sleep 30"
pane() { tmux -L "$TMUX_SOCK" capture-pane -p -t top; }

# a transfer slow enough to watch: 12 MB at 16 Mbit/s, about 6 s
RPIDS=()
fig1_receivers "$ID" "$TMP" 12M || fail "receivers"
nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$O/tools/rcpeer" send --local fd00:10::2 \
	--udp-csum0 --peer fd00:ff::1 --qpn 17 --dqpn 4660 --bytes 12M --rate-mbps 16 \
	--timeout-ms "$(tms 100)" --out "$TMP/S1.json" >/dev/null 2>"$TMP/S1.err" &
SPID=$!
pids+=("$SPID")

# 1. the group line with non-zero rates while the data flows
seen=
for _ in $(seq "$(tn 40)"); do
	sleep 0.25
	pane >"$TMP/pane1.txt"
	# "> fd00:ff::1/4660  BR STALE DATA/s ..." and "node: packets N/s  copies N/s"
	data=$(awk '$1 == ">" && $2 == "fd00:ff::1/4660" { print $5 }' "$TMP/pane1.txt")
	copies=$(sed -n 's/^node: .* copies \([0-9.kM]*\)\/s .*/\1/p' "$TMP/pane1.txt")
	case ${data:-0}/${copies:-0} in 0/*|*/0|-/*) continue ;; esac
	seen=1
	break
done
[ -n "$seen" ] || { cat "$TMP/pane1.txt"; fail "top never showed the group with data and copy rates"; }
grep -q "sort: lag" "$TMP/pane1.txt" || fail "top's default sort is not lag"
grep -Eq '^  fd00:1[12]::2 ' "$TMP/pane1.txt" || { cat "$TMP/pane1.txt"; fail "top shows no branch R1/R2"; }
ok "top: group fd00:ff::1/4660 at $data data PSNs/s, node copies $copies/s, branches R1 and R2"
tmux -L "$TMUX_SOCK" send-keys -t top s
for _ in $(seq "$(tn 20)"); do sleep 0.1; pane | grep -q "sort: rate" && break; done
pane >"$TMP/pane2.txt"
grep -q "sort: rate" "$TMP/pane2.txt" || { cat "$TMP/pane2.txt"; fail "s did not change the sort"; }
tmux -L "$TMUX_SOCK" send-keys -t top s s
for _ in $(seq "$(tn 20)"); do sleep 0.1; pane | grep -q "sort: name" && break; done
pane >"$TMP/pane3.txt"
grep -q "sort: name" "$TMP/pane3.txt" || { cat "$TMP/pane3.txt"; fail "s s did not reach the name sort"; }
# by name, R1's branch (fd00:11::2) before R2's
[ "$(grep -Eo '^  fd00:1[12]::2 ' "$TMP/pane3.txt" | xargs)" = "fd00:11::2 fd00:12::2" ] ||
	{ cat "$TMP/pane3.txt"; fail "name sort: branches out of order"; }
ok "top: s cycles the sort (lag -> rate -> silence -> name), branches in name order"

wait "$SPID" || fail "transfer: $(cat "$TMP/S1.json" "$TMP/S1.err" 2>/dev/null)"
for p in "${RPIDS[@]}"; do wait "$p" || fail "a receiver failed"; done
ok "transfer: $($PY -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["packets_sent"], "packets")' "$TMP/S1.json") to 5 receivers"

# q quits (exit 0): the pane's shell goes on to its `sleep 30`, and top's
# screen is gone (the alternate screen gave the shell's back)
tmux -L "$TMUX_SOCK" send-keys -t top q
for _ in $(seq "$(tn 30)"); do sleep 0.1; pane | grep -q "top-exited-" && break; done
pane >"$TMP/pane4.txt"
grep -q "top-exited-0" "$TMP/pane4.txt" || { cat "$TMP/pane4.txt"; fail "q did not end top (with exit 0)"; }
grep -q "GROUP (proxy/dqpn)" "$TMP/pane4.txt" && fail "top left its screen behind (no alternate screen?)"
tmux -L "$TMUX_SOCK" kill-server
ok "top: q quits and gives the terminal back"

# 2. Prometheus after the transfer: the copies and packets `endmt show` counts
fig1_endmt "$ID" N1 --json show >"$TMP/show-N1.json" || fail "show N1"
read -r want_copies want_rx < <($PY -c 'import json, sys
c = json.load(open(sys.argv[1]))["counters"]
print(c.get("fwd_copies", 0) + c.get("fwd_neigh_slow_path", 0) + c.get("repl_copies", 0), c.get("endmt_rx", 0))' \
	"$TMP/show-N1.json")
[ "$want_copies" -gt 0 ] || fail "N1 made no copies"
got=none
for _ in $(seq "$(tn 100)"); do
	got=$(prom 'endmt_copies_total{job="endmt",node="N1"}' || echo none)
	[ "$got" = "$want_copies" ] && break
	sleep 0.1
done
[ "$got" = "$want_copies" ] || fail "PromQL endmt_copies_total = $got, endmt show counts $want_copies copies"
got=$(prom 'endmt_verdicts_total{reason="endmt_rx"}')
[ "$got" = "$want_rx" ] || fail "PromQL endmt_verdicts_total{reason=\"endmt_rx\"} = $got, show: $want_rx"
got=$(prom 'endmt_group_branches{proxy="fd00:ff::1",dqpn="4660"}')
[ "$got" = 2 ] || fail "PromQL endmt_group_branches = $got, want 2 (R1, R2)"
got=$(prom 'max(endmt_branch_ack_lag_psns{proxy="fd00:ff::1",dqpn="4660"})')
[ "$got" = 0 ] || fail "PromQL max branch ACK lag = $got after a complete transfer"
got=$(prom 'count(endmt_branch_acks_total > 0)')
[ "$got" = 2 ] || fail "PromQL: $got branches with ACKs, want 2"
got=$(prom 'max_over_time(endmt_copies_total[1m]) - min_over_time(endmt_copies_total[1m]) > 0')
[ "$got" != none ] || fail "Prometheus saw endmt_copies_total grow during the transfer"
got=$(prom 'sum(endmt_verdicts_total{reason=~"drop_.*"})')
ok "Prometheus: endmt_copies_total = $want_copies and endmt_rx = $want_rx as endmt show counts, 2 branches, ACK lag 0, copies grew while scraped ($got drops)"

# 3. promtool accepts every router's exposition (after the transfer)
for n in $F1_ROUTERS; do
	f1_in "$ID" "$n" curl -sf -o "$TMP/metrics-$n.txt" http://127.0.0.1:9477/metrics || fail "curl $n"
	promtool check metrics <"$TMP/metrics-$n.txt" >"$TMP/promtool-$n.txt" 2>&1 ||
		fail "promtool check metrics on $n: $(cat "$TMP/promtool-$n.txt")"
done
grep -q '^endmt_branch_ack_lag_psns{proxy="fd00:ff::1",dqpn="4660",branch="fd00:11::2"} 0$' \
	"$TMP/metrics-N1.txt" || fail "N1: no lag sample for branch R1"
grep -q '^endmt_branch_acks_total{proxy="fd00:ff::1",dqpn="4660",branch="n6-n4"} [1-9]' \
	"$TMP/metrics-N6.txt" || fail "N6: no ACK count for branch n6-n4 (a device)"
grep -q '^endmt_group_ack_lag_psns' "$TMP/metrics-N4.txt" && fail "N4 (transit) exports a lag it cannot know"
ok "promtool check metrics passes on all 6 routers; branches named by address (edge) and device (head)"

# 3b. a receiver that stalls: R2 stops answering after 200 packets of a
# second transfer (PSNs from 12288 on), the source gives up, and N1's
# agent marks R2's branch stale; Prometheus and top say so
RPIDS=()
while read -r n a q off va rk; do
	extra=
	[ "$n" = R2 ] && extra="--stall-after 200"
	# shellcheck disable=SC2086
	nsenter --net="/run/netns/$(fig1_ns "$ID" "$n")" "$O/tools/rcpeer" recv \
		--local "$a" --peer fd00:ff::1 --qpn "$q" --dqpn 4660 --psn $(((12288 + off) & 0xffffff)) \
		--va "$va" --rkey "$rk" --bytes 1M --idle-ms "$(tms 3000)" --linger-ms "$(tms 500)" \
		$extra --out "$TMP/stall-$n.json" >/dev/null 2>"$TMP/stall-$n.err" &
	RPIDS+=($!)
	pids+=($!)
done < <(fig1_rcvs "$F1_JSON")
for n in R1 R2 R3 R4 R5; do
	for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/stall-$n.err" && break; sleep 0.1; done
	grep -qs listening "$TMP/stall-$n.err" || fail "stall: receiver $n did not start"
done
nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$O/tools/rcpeer" send --local fd00:10::2 \
	--udp-csum0 --peer fd00:ff::1 --qpn 17 --dqpn 4660 --psn 12288 --bytes 1M \
	--timeout-ms "$(tms 50)" --max-retries 20 --out "$TMP/stall-S1.json" >/dev/null 2>&1 &&
	fail "stall: the source claims success"
for p in "${RPIDS[@]}"; do wait "$p" || true; done
got=none
for _ in $(seq "$(tn 50)"); do
	got=$(prom 'endmt_group_stale_branches{proxy="fd00:ff::1",dqpn="4660"}' || echo none)
	[ "$got" = 1 ] && break
	sleep 0.1
done
[ "$got" = 1 ] || fail "PromQL endmt_group_stale_branches = $got after R2 stalled, want 1"
got=$(prom 'endmt_branch_stale{branch="fd00:12::2"}')
[ "$got" = 1 ] || fail "PromQL endmt_branch_stale for R2 = $got"
lag=$(prom 'endmt_branch_ack_lag_psns{branch="fd00:12::2"}')
[ "${lag%.*}" -gt 0 ] 2>/dev/null || fail "PromQL R2's ACK lag = $lag after its stall"
got=$(prom 'endmt_branch_ack_lag_psns{branch="fd00:11::2"} < bool endmt_branch_ack_lag_psns{branch="fd00:12::2"}' | cut -d. -f1)
[ "$got" = 0 ] && fail "PromQL: R1 lags as much as the stalled R2"
fig1_endmt "$ID" N1 top --once >"$TMP/top-stall.txt" 2>&1 || fail "top --once on N1: $(cat "$TMP/top-stall.txt")"
grep -Eq '^  fd00:12::2 +[1-9][0-9.kM]* .* STALE$' "$TMP/top-stall.txt" ||
	{ cat "$TMP/top-stall.txt"; fail "top --once on N1: R2's branch not STALE with a lag"; }
ok "stalled R2: Prometheus has 1 stale branch at N1, R2 behind by $lag PSNs; top --once shows it STALE"

# 4. top for batch use, on the head
fig1_endmt "$ID" N6 top --once >"$TMP/top-once.txt" 2>&1 || fail "top --once: $(cat "$TMP/top-once.txt")"
grep -q '^> fd00:ff::1/4660 ' "$TMP/top-once.txt" || { cat "$TMP/top-once.txt"; fail "top --once: no group line"; }
grep -q $'\033' "$TMP/top-once.txt" && fail "top --once wrote terminal escapes"
grep -Eq '^  n6-n[45] ' "$TMP/top-once.txt" || fail "top --once on the head: no branch n6-n4/n6-n5"
ok "top --once on the head: one plain frame with the group and its device branches"

# 5. teardown
kill "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
pids=()
fig1_down "$ID" || fail "teardown"
ip netns list | grep -q "^f1-$ID-" && fail "netns left"
[ -e "/sys/fs/bpf/endmt-fig1-$ID" ] && fail "pins left"
pgrep -f "$TMP" >/dev/null && fail "processes left: $(pgrep -af "$TMP")"
tmux -L "$TMUX_SOCK" has-session 2>/dev/null && fail "tmux server left"
ok "teardown clean"
echo "test_watch: all passed"
