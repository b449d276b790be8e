#!/usr/bin/env bash
# Figure 1 end to end with the SRH HMAC required at the edges: fig1.json
# with "hmac_key_id" on the group, the same key set on every router before
# apply (fig1.sh FIG1_HMAC_*), once per text mode (rfc8754, extended).  The
# demo's WRITE must still reach R1..R5 byte-identical, the head's template
# carry the HMAC TLV, the edges' SIDs require it and every edge count
# hmac_verified and no drop_hmac_*.  Then once in the RFC 9524 variant
# (fig1_repl.json, extended text): the transits' Replication SIDs N4, N5
# require the key too and verify every packet before they copy it.
# HMAC_RUNS chooses runs (default "rfc8754 extended repl"; the vmtest guest
# runs "repl": every edge and fork verifying on its kernel).
# Run as root: bash test/integration/test_fig1_hmac.sh   (O=build-dir)
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
export O
PY=/usr/bin/python3
TMP=$(mktemp -d /tmp/fig1-hmac.XXXXXX)
kept=()
cleanup() {
	local id
	for id in "${kept[@]}"; do bash test/integration/fig1.sh down "$id" >/dev/null 2>&1 || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

head -c 32 /dev/urandom | base64 >"$TMP/key"
$PY test/py/cli_checks.py edit test/integration/fig1.json "$TMP/fig1-hmac.json" 'g["hmac_key_id"] = 41'
$PY test/py/cli_checks.py edit test/integration/fig1_repl.json "$TMP/fig1_repl-hmac.json" 'g["hmac_key_id"] = 41'
for mode in ${HMAC_RUNS-rfc8754 extended repl}; do
	case $mode in rfc8754|extended|repl) ;; *) fail "HMAC_RUNS: unknown run '$mode'" ;; esac
	json=$TMP/fig1-hmac.json smc=1 what=$mode
	[ "$mode" = repl ] && mode=extended json=$TMP/fig1_repl-hmac.json smc=0 what="extended, RFC 9524"
	FIG1_JSON=$json FIG1_SMCROUTE=$smc FIG1_HMAC_KEY_ID=41 FIG1_HMAC_MODE=$mode \
		FIG1_HMAC_SECRET_FILE=$TMP/key ./test/integration/demo.sh --bytes "${FIG1_DEMO_BYTES:-2M}" --keep \
		>"$TMP/demo-$mode.out" 2>&1 || { cat "$TMP/demo-$mode.out"; fail "demo ($mode)"; }
	line=$(grep "topology kept" "$TMP/demo-$mode.out") || fail "demo ($mode) kept nothing"
	id=$(sed 's/.* down \([^;]*\);.*/\1/' <<<"$line")
	out=$(sed 's/.*outputs in //' <<<"$line")
	kept+=("$id")
	grep -q "result: 5/5 receivers byte-identical" "$TMP/demo-$mode.out" ||
		{ cat "$TMP/demo-$mode.out"; fail "$mode: not 5/5 byte-identical"; }
	ok "$what: $(grep -o '5/5.*' "$TMP/demo-$mode.out") with HMAC required at N1, N2, N3"
	$PY - "$out" "$mode" "$smc" <<'PYEOF' || fail "$mode: counters"
import json, os, sys
out, mode, mc = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
show = {n: json.load(open(os.path.join(out, f"show-{n}.json"))) for n in ("N6", "N1", "N2", "N3", "N4", "N5")}
e = show["N6"]["encaps"][0]
assert e["hmac_key_id"] == 41, e
assert show["N6"]["hmac_keys"] == [{"key_id": 41, "algorithm": "hmac-sha256", "mode": mode}]
for n in ("N1", "N2", "N3"):
    j = show[n]
    assert [(s["hmac"], s["hmac_key_id"]) for s in j["sids"]] == [("require", 41)], j["sids"]
    c = j["counters"]
    assert c.get("hmac_verified", 0) > 0, (n, c)
    assert not any(v for k, v in c.items() if k.startswith("drop_hmac")), (n, c)
    print(f"  {n}: hmac_verified {c['hmac_verified']}, endmt_rx {c.get('endmt_rx')}, no drop_hmac_*")
for n in ("N4", "N5") if not mc else ():
    j = show[n]
    assert [(r["hmac"], r["hmac_key_id"]) for r in j["replication"]] == [("require", 41)], j["replication"]
    c = j["counters"]
    assert c.get("hmac_verified", 0) > 0, (n, c)
    assert not any(v for k, v in c.items() if k.startswith("drop_hmac")), (n, c)
    print(f"  {n}: Replication SID, hmac_verified {c['hmac_verified']}, repl_rx {c.get('repl_rx')}, no drop_hmac_*")
if not mc:
    assert [r["hmac"] for r in show["N6"]["replication"]] == ["ignore"], show["N6"]["replication"]
print(f"  N6: template with the HMAC TLV of key 41 ({e['len']} octets)")
PYEOF
	ok "$what: template signed, edges (and Replication SIDs) require key 41 and verified every packet"
	bash test/integration/fig1.sh down "$id" >/dev/null 2>&1 || fail "teardown $id"
	kept=()
	rm -rf "$out"
done
echo "test_fig1_hmac: all passed"
