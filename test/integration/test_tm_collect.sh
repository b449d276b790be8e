#!/usr/bin/env bash
# Telemetry end to end (docs/TELEMETRY.md, "collect and tree"): Figure 1
# with telemetry on, every router's agent exporting IPFIX (--ipfix) to
# `endmt collect` in N6's netns (the routers' default routes lead there),
# in both variants:
#   mcast  fig1.json, N4 and N5 kernel multicast routers and kernel IOAM
#          nodes (as test_telemetry.sh): only the edges export;
#   repl   fig1_repl.json, N6, N4, N5 RFC 9524 Replication SIDs: N4 and
#          N5 are forks, each exports the section it ends and starts the
#          copies' afresh (the head's starts the trace: nothing to export).
# After a 1 MB WRITE S1 -> R1..R5, `endmt tree` must show exactly Figure 1's
# tree under the tree file's names, every branch with every sample (1 in
# 2^SAMPLE of the 1024 PSNs), no loss, delays positive and below a second,
# the edges' receivers, the forks; the collector got every postcard.
# VARIANTS="repl" runs one.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
export O
PY=/usr/bin/python3
export PYTHONPATH=$PWD/test/py
TMP=$(mktemp -d /tmp/tm-collect.XXXXXX)
ID=tc$$
VARIANTS=${VARIANTS:-mcast repl}
NS_ID=123
SAMPLE=2
PORT=4739
. test/integration/fig1.sh
. test/integration/fig1_lib.sh
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	fig1_down "$ID" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# A tree file with telemetry; ioam_id not the default positions, so the
# names must come from the file.
tree_json() {
	$PY - "$1" "$TMP/tm.json" "$NS_ID" "$SAMPLE" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))
t["ioam_namespace"] = int(sys.argv[3])
for i, n in enumerate(t["nodes"].values()):
    n["ioam_id"] = 0x100 + 7 * i
for g in t["groups"]:
    g["telemetry"] = {"sample": int(sys.argv[4]), "slots": 5}
json.dump(t, open(sys.argv[2], "w"), indent=1)
PYEOF
}
ioam_id() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"][sys.argv[2]]["ioam_id"])' "$FIG1_JSON" "$1"; }
ifindex() { ip -n "$(fig1_ns "$ID" "$1")" -j link show "$2" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])'; }

# A kernel IOAM node fills its entry on the link from the parent.
kernel_ioam() {
	local n=$1 d
	f1_in "$ID" "$n" ip ioam namespace add "$NS_ID" || return 1
	f1_in "$ID" "$n" sysctl -qw "net.ipv6.ioam6_id=$(ioam_id "$n")" || return 1
	for d in $(ip -n "$(fig1_ns "$ID" "$n")" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
		[ "$d" = lo ] && continue
		f1_in "$ID" "$n" sysctl -qw "net.ipv6.conf.$d.ioam6_id=$(ifindex "$n" "$d")" || return 1
	done
	f1_in "$ID" "$n" sysctl -qw "net.ipv6.conf.$(f1_dev "$n" N6).ioam6_enabled=1"
}

transfer() {
	local n a q off va rk p
	RPIDS=()
	while read -r n a q off va rk; do
		nsenter --net="/run/netns/$(fig1_ns "$ID" "$n")" "$O/tools/rcpeer" recv \
			--local "$a" --peer fd00:ff::1 --qpn "$q" --dqpn 4660 --psn $((off & 0xffffff)) \
			--va "$va" --rkey "$rk" --bytes 1M --idle-ms "$(tms 20000)" --linger-ms "$(tms 500)" \
			--out "$TMP/$n.json" >/dev/null 2>"$TMP/$n.err" &
		RPIDS+=($!)
		pids+=($!)
	done < <(fig1_rcvs "$F1_JSON")
	for n in R1 R2 R3 R4 R5; do
		for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/$n.err" && break; sleep 0.1; done
		grep -qs listening "$TMP/$n.err" || fail "receiver $n did not start: $(cat "$TMP/$n.err")"
	done
	nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$O/tools/rcpeer" send --local fd00:10::2 \
		--udp-csum0 --peer fd00:ff::1 --qpn 17 --dqpn 4660 --bytes 1M --timeout-ms "$(tms 100)" \
		--out "$TMP/S1.json" >/dev/null || fail "transfer: $(cat "$TMP/S1.json")"
	for p in "${RPIDS[@]}"; do wait "$p" || fail "a receiver failed"; done
}

# CASE: the rebuilt tree is Figure 1, every sample on every branch.
case_tree() {
	"$O/endmt" tree g1 --state "$TMP/state.json" --tree "$FIG1_JSON" || fail "$1: endmt tree"
	"$O/endmt" tree g1 --state "$TMP/state.json" --tree "$FIG1_JSON" --json >"$TMP/tree.json" ||
		fail "endmt tree --json"
	$PY - "$TMP/tree.json" "$FIG1_JSON" "$SAMPLE" "$1" <<'PYEOF' || fail "$1: the tree"
import json, sys
import tm_postcards as T
doc = json.load(open(sys.argv[1]))
tf = T.TreeFile(sys.argv[2])
g = tf.group("g1")
samples = 1024 >> int(sys.argv[3])
# the head's Replication SID ends no section (the trace starts there)
forks = set(g.get("replication", {})) - {g["source"]["head"]} if sys.argv[4] == "repl" else set()
got = {}
def walk(n, parent):
    got[n["name"]] = (parent, n)
    for c in n["children"]:
        walk(c, n["name"])
for r in doc["roots"]:
    walk(r, None)
assert len(doc["roots"]) == 1, ("roots", [r["name"] for r in doc["roots"]])
assert {k: v[0] for k, v in got.items()} == tf.expected_parents(g), got.keys()
rcvs = {}
for r in g["receivers"]:
    rcvs[r["edge"]] = rcvs.get(r["edge"], 0) + 1
for name, (parent, n) in got.items():
    assert n["node_id"] == tf.id[name], (name, n["node_id"])
    assert n["edge"] == (name in rcvs), (name, "edge")
    assert n["fork"] == (name in forks), (name, "fork")
    if name in forks:
        assert n["copies"] == len(tf.children(g, name)), (name, "SIDs", n["copies"])
    if name in rcvs:
        assert n["copies"] == rcvs[name], (name, "receivers", n["copies"])
    if parent is None:
        continue
    b = n["branch"]
    # every sample (retransmissions repeat PSNs, never add new ones)
    assert b["lost"] == 0 and b["samples"] >= samples, (parent, name, b)
    d = b["delay_us"]
    assert 0 <= d["min"] <= d["avg"] <= d["max"] < 1000000, (parent, name, d)
print("tree: %d nodes, %d samples per branch" % (len(got), samples))
PYEOF
	ok "$1: endmt tree: Figure 1's tree under the file's names, every sample, no loss, sane delays"
}

# CASE: the agents said what they sent; the collector got it all.
case_counts() {
	$PY - "$TMP/collect.json" "$SAMPLE" "$1" <<'PYEOF' || fail "$1: collector counts: $(cat "$TMP/collect.json")"
import json, sys
c = json.load(open(sys.argv[1]))
# a postcard per sample from each edge, and from each fork below the
# head (repl: N4, N5)
want = (3 if sys.argv[3] == "mcast" else 5) * (1024 >> int(sys.argv[2]))
assert c["records"] >= want and c["bad_messages"] == 0 and c["foreign"] == 0, c
print("collect:", c)
PYEOF
	ok "$1: collect: every exporter's postcards, nothing malformed"
}

run_variant() {
	local v=$1
	case $v in
	mcast) tree_json "$F1_DIR/fig1.json"; export FIG1_SMCROUTE=1 ;;
	repl) tree_json "$F1_DIR/fig1_repl.json"; export FIG1_SMCROUTE=0 ;;
	*) fail "variant $v: mcast or repl" ;;
	esac
	FIG1_JSON=$TMP/tm.json
	F1_JSON=$FIG1_JSON
	export FIG1_JSON FIG1_AGENT_ARGS="--ipfix [fd00:6::1]:$PORT"
	fig1_up "$ID" >"$TMP/up.log" 2>&1 || { cat "$TMP/up.log"; fail "$v: fig1 up"; }
	if [ "$v" = mcast ]; then
		kernel_ioam N4 || fail "kernel IOAM on N4"
		kernel_ioam N5 || fail "kernel IOAM on N5"
	fi
	nsenter --net="/run/netns/$(fig1_ns "$ID" N6)" "$O/endmt" --json collect --listen "[::]:$PORT" \
		--state "$TMP/state.json" --grace-ms "$(tms 1000)" >"$TMP/collect.json" 2>"$TMP/collect.err" &
	CPID=$!
	pids+=("$CPID")
	tsleep 300
	transfer
	tsleep 2500		# the last postcards in, their grace time over, the file written
	kill -TERM "$CPID"
	wait "$CPID" || fail "$v: collect: $(cat "$TMP/collect.err")"
	case_tree "$v"
	case_counts "$v"
	fig1_down "$ID" >/dev/null || fail "$v: teardown"
	ok "$v: teardown: nothing left"
}

for v in $VARIANTS; do
	run_variant "$v"
done
