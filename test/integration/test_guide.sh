#!/usr/bin/env bash
# The documentation's commands, run as a reader would run them, so that the
# docs cannot rot:
#
#   1. docs/OPERATOR-GUIDE.md: every fenced ```sh block whose first line is
#      "# guide: run", in order, as one script under `set -e -o pipefail`, in
#      one root shell from the top of the tree (it builds a tree of four
#      nodes from nothing and moves 1 MiB from S1 to R1..R3 with rcpeer); then
#      the receivers' and the source's reports are checked (every byte,
#      byte-identical: the same CRC-32 everywhere), then the block whose first
#      line is "# guide: teardown" runs and nothing may be left (namespaces,
#      pins, processes).  A guide command that fails, or a transfer that does
#      not complete, fails the test.
#   2. README.md "Using it": the ```sh block whose first line is
#      "# readme: run", in a scratch namespace with a veth eth1/eth2, its own
#      pin root (ENDMT_PIN_ROOT) and a small tree.json in the working
#      directory.  The README's other block (install, man, systemd) is tested
#      by test/pkg and test_service.sh.
#   3. The extraction itself: a made-up guide whose second command fails must
#      stop at that command and fail.
#
# The guide uses fixed namespace names (S1, N6, ...): if one exists already
# the test refuses to start rather than touch it.  Run alone (root), e.g.
#   flock -o /tmp/endmt-net.lock bash test/integration/test_guide.sh
# (-o: the agents and smcrouted the guide starts must not hold the lock).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
O=${O:-build}
case $O in /*) ;; *) O=$ROOT/$O ;; esac
PY=/usr/bin/python3
TMP=$(mktemp -d /tmp/endmt-guide-test.XXXXXX)
GUIDE=${GUIDE:-docs/OPERATOR-GUIDE.md}
README=${README:-README.md}
GUIDE_NS="S1 N6 N4 N1 N2 R1 R2 R3"
RNS=readme-$$
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# blocks FILE MARKER: the fenced ```sh blocks of FILE whose first line is
# MARKER, in order, without their fences (the marker line stays: a comment)
blocks() {
	awk -v m="$2" '
		!inb && /^```sh[ \t]*$/ { inb = 1; first = 1; keep = 0; next }
		inb && /^```[ \t]*$/ { inb = 0; if (keep) print ""; next }
		inb && first { first = 0; keep = (index($0, m) == 1) }
		inb && keep { print }
	' "$1"
}

# run_script SCRIPT LOG [DIR]: bash SCRIPT in its own session (so whatever it
# left running can be found and ended), PATH with this build first; its status
run_script() {
	local rc
	(cd "${3:-$ROOT}" && PATH=$O:$O/tools:$PATH exec setsid bash "$1") >"$2" 2>&1 &
	GUIDE_PID=$!
	wait "$GUIDE_PID"
	rc=$?
	return $rc
}
# leftovers of a script's session (the guide's receivers after a failure)
kill_session() {
	local p
	for p in $(pgrep -s "$1" 2>/dev/null); do kill "$p" 2>/dev/null; done
}

cleanup() {
	[ -n "${GUIDE_PID:-}" ] && kill_session "$GUIDE_PID"
	if [ -s "$TMP/teardown.sh" ] && [ -z "${TORN:-}" ] && [ -n "${STARTED:-}" ]; then
		(cd "$ROOT" && PATH=$O:$O/tools:$PATH bash "$TMP/teardown.sh") >/dev/null 2>&1
	fi
	ip netns del "$RNS" 2>/dev/null
	rm -rf "/sys/fs/bpf/endmt-$RNS" "$TMP"
}
trap cleanup EXIT

for f in "$O/endmt" "$O/tools/rcpeer"; do
	[ -x "$f" ] || { echo "FAIL: $f not built (make O=$O all)"; exit 1; }
done

# ---- 3. the extraction stops at the first failing command
cat >"$TMP/fake.md" <<'EOF'
text
```sh
# guide: run
echo one > "$OUT"
```
```sh
# an example, not run
echo never >> "$OUT"
```
```sh
# guide: run
false
echo three >> "$OUT"
```
EOF
{ echo 'set -e -o pipefail'; blocks "$TMP/fake.md" '# guide: run'; } >"$TMP/fake.sh"
if OUT=$TMP/fake.out bash "$TMP/fake.sh" >/dev/null 2>&1; then
	fail "extraction: a failing command did not fail the script"
elif [ "$(cat "$TMP/fake.out")" != one ]; then
	fail "extraction: ran '$(cat "$TMP/fake.out")', expected only the first block"
else
	ok "extraction: marked blocks only, in order, stopping at the first failure"
fi

# ---- 1. the operator's guide
{ echo 'set -e -o pipefail'; blocks "$GUIDE" '# guide: run'; } >"$TMP/guide.sh"
blocks "$GUIDE" '# guide: teardown' >"$TMP/teardown.sh"
n=$(grep -c '^# guide: run$' "$TMP/guide.sh")
[ "$n" -ge 5 ] || fail "$GUIDE: only $n runnable blocks found"
[ -s "$TMP/teardown.sh" ] || fail "$GUIDE: no teardown block"
for ns in $GUIDE_NS; do
	if [ -e "/run/netns/$ns" ] || [ -e "/sys/fs/bpf/endmt-$ns" ]; then
		echo "FAIL: netns or pin root $ns exists already (another run of the guide?): not touching it"
		exit 1
	fi
done
STARTED=1
t0=$SECONDS
if run_script "$TMP/guide.sh" "$TMP/guide.log"; then
	ok "$GUIDE: all $n runnable blocks succeeded ($((SECONDS - t0)) s)"
else
	fail "$GUIDE: the guide's commands failed (exit $?); the output:"
	tail -30 "$TMP/guide.log" | sed 's/^/    /'
	for f in /run/endmt-guide/*.err /run/endmt-guide/agent-*.log; do
		[ -s "$f" ] && { echo "    --- $f"; tail -5 "$f" | sed 's/^/    /'; }
	done
fi
kill_session "$GUIDE_PID"
# the reports, checked independently of the guide's own check
if $PY - /run/endmt-guide <<'EOF'; then
import json, sys
d = sys.argv[1]
s = json.load(open(f"{d}/S1.json"))
assert s["ok"] is True and s["bytes_acked"] == s["bytes"] == 1 << 20, s
for r in ("R1", "R2", "R3"):
    j = json.load(open(f"{d}/{r}.json"))
    assert j["match"] is True and j["complete"] is True, (r, j)
    assert j["bytes_received"] == 1 << 20 and j["crc32"] == s["crc32"], (r, j["crc32"], s["crc32"])
print(f"  S1 sent 1 MiB ({s['packets_sent']} packets, {s['retransmissions']} retransmitted), "
      f"R1, R2, R3 each got it byte-identical, CRC-32 {s['crc32']}")
EOF
	ok "$GUIDE: the transfer completed, byte-identical at R1, R2, R3"
else
	fail "$GUIDE: the transfer did not complete byte-identical"
fi
(cd "$ROOT" && PATH=$O:$O/tools:$PATH bash "$TMP/teardown.sh") >"$TMP/teardown.log" 2>&1 ||
	fail "$GUIDE: teardown block failed: $(tail -3 "$TMP/teardown.log")"
TORN=1
left=
for ns in $GUIDE_NS; do
	[ -e "/run/netns/$ns" ] && left="$left netns:$ns"
	[ -e "/sys/fs/bpf/endmt-$ns" ] && left="$left pins:$ns"
done
[ -e /run/endmt-guide ] && left="$left /run/endmt-guide"
pgrep -f '/run/endmt-guide|endmt-(S1|N6|N4|N1|N2)( |$)' >/dev/null && left="$left processes:$(pgrep -f /run/endmt-guide | xargs)"
if [ -n "$left" ]; then fail "$GUIDE: teardown left:$left"; else ok "$GUIDE: teardown left nothing"; fi

# ---- 2. README.md "Using it"
{ echo 'set -e -o pipefail'; blocks "$README" '# readme: run'; } >"$TMP/readme.sh"
if ! grep -q '^endmt ' "$TMP/readme.sh"; then
	fail "$README: no runnable block (# readme: run)"
else
	mkdir -p "$TMP/readme"
	# the tree's node N1 is this namespace: its parent link eth1, R1's link eth2
	cat >"$TMP/readme/tree.json" <<'EOF'
{
  "nodes": {
    "N6": { "addr": "fd00:6::1", "parent": null, "links": { "S1": "n6-s1", "N1": "n6-n1" } },
    "N1": { "addr": "fd00:1::1", "parent": "N6", "links": { "N6": "eth1", "R1": "eth2" } }
  },
  "groups": [{
    "name": "g1", "proxy": "fd00:ff::1", "dqpn": 4660, "sid": "ff3e::4d54",
    "source": { "name": "S1", "addr": "fd00:10::2", "qpn": 17, "head": "N6" },
    "receivers": [ { "name": "R1", "addr": "fd00:11::2", "qpn": 256, "edge": "N1" } ]
  }]
}
EOF
	ip netns add "$RNS" && ip -n "$RNS" link set lo up &&
		ip -n "$RNS" link add eth1 type veth peer name eth1p &&
		ip -n "$RNS" link add eth2 type veth peer name eth2p &&
		for d in eth1 eth1p eth2 eth2p; do ip -n "$RNS" link set "$d" up; done ||
		fail "$README: scratch namespace"
	{ echo "cd '$TMP/readme'"; cat "$TMP/readme.sh"; } >"$TMP/readme-run.sh"
	printf 'export ENDMT_PIN_ROOT=/sys/fs/bpf/endmt-%s\nexec nsenter --net=/run/netns/%s bash %s\n' \
		"$RNS" "$RNS" "$TMP/readme-run.sh" >"$TMP/readme-ns.sh"
	if run_script "$TMP/readme-ns.sh" "$TMP/readme.log"; then
		ok "$README: the 'Using it' commands succeeded ($(grep -c '^endmt ' "$TMP/readme.sh") endmt lines)"
	else
		fail "$README: a 'Using it' command failed:"
		tail -20 "$TMP/readme.log" | sed 's/^/    /'
	fi
	kill_session "$GUIDE_PID"
	if ip -n "$RNS" -d link show | grep -q prog/xdp; then
		fail "$README: the block's detach left XDP programs"
	else
		ok "$README: nothing attached afterwards"
	fi
fi

[ "$fails" -eq 0 ] && echo "test_guide: all passed" || echo "test_guide: $fails failed"
[ "$fails" -eq 0 ]
