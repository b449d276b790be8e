#!/usr/bin/env bash
# endmt as a service (dist/systemd/): the units verified by systemd-analyze,
# then their commands run as systemd runs them (test/py/unit_exec.py expands
# Environment=, EnvironmentFile=, %i and $VAR / ${VAR}: PID 1 here is not
# systemd, so no real `systemctl start`; where it is, a note says what is
# not covered) on the Figure 1 network (test/integration/fig1.sh):
#  1. restart: during a 16 MB transfer every router's agent is killed with
#     SIGKILL and restarted the way Restart=on-failure does, ExecStartPre
#     (endmt apply: must change nothing) then ExecStart (endmt agent): the
#     transfer completes byte-identical at R1..R5, and the group state
#     (groups, branches, SIDs) is as before the kill;
#  2. stop: SIGTERM to every agent (systemctl stop) ends it with status 0 (no
#     restart), leaves programs attached and pins in place, and a transfer
#     with no agent anywhere still completes byte-identical;
#  3. teardown: endmt-teardown@.service's ExecStart (endmt detach --all) on
#     every router leaves no XDP or TC program and no device record.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
export O
PY=/usr/bin/python3
export PYTHONPATH=$PWD/test/py
TMP=$(mktemp -d /tmp/endmt-svc.XXXXXX)
ID=sv$$
. test/integration/fig1.sh
. test/integration/fig1_lib.sh
fig1_script_init
pass=0
fail() { echo "FAIL: $*" >&2; echo "$pass passed, 1 failed"; exit 1; }
ok() { echo "ok: $*"; pass=$((pass + 1)); }

# 0. the units, for this build: the binary is $O/endmt, the configuration
# directory $TMP/etc (make units: the same substitution make install does)
ETC=$TMP/etc
make -s O="$TMP/o" SBINDIR="$(dirname "$F1_ENDMT")" SYSCONFDIR="$ETC" units >/dev/null || fail "make units"
U=$TMP/o/systemd
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (apt-get install systemd)"
mkdir -p "$TMP/verify" "$ETC/endmt" "$ETC/default"
for u in endmt@.service endmt-teardown@.service; do
	# a template is verified through an instance of it
	cp "$U/$u" "$TMP/verify/${u/@/@N1}"
	systemd-analyze verify --man=no "$TMP/verify/${u/@/@N1}" >"$TMP/verify.out" 2>&1 ||
		fail "systemd-analyze verify $u: $(cat "$TMP/verify.out")"
	# the only thing it may say: the targets named are not on this host
	if grep -v 'network-online.target\|multi-user.target' "$TMP/verify.out" | grep -q .; then
		fail "systemd-analyze verify $u: $(cat "$TMP/verify.out")"
	fi
done
ok "systemd-analyze verify endmt@.service endmt-teardown@.service"
grep -q '^Restart=on-failure' "$U/endmt@.service" || fail "endmt@.service: no Restart=on-failure"
grep -q '^ExecStop' "$U/endmt@.service" && fail "endmt@.service stops more than the agent"
if [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ]; then
	echo "note: PID 1 is systemd, but this test runs the units' commands itself (each node is a netns)"
else
	echo "note: PID 1 is $(ps -p 1 -o comm=), not systemd: the units' commands are run as systemd would"
fi

# cmd_of UNIT NODE KEY: the command line of KEY for instance NODE -> $CMD
cmd_of() { mapfile -d '' -t CMD < <($PY test/py/unit_exec.py "$U/$1" "$2" "$3") || fail "unit_exec $*"; }
# in_node NODE CMD...
in_node() { local n=$1; shift; nsenter --net="/run/netns/$(fig1_ns "$ID" "$n")" "$@"; }

fig1_up "$ID" >"$TMP/up.log" 2>&1 || fail "fig1 up: $(cat "$TMP/up.log")"
disown -a	# fig1_up's agents and smcrouteds: no "Killed" notices (polled below)
ST=$(f1_state "$ID")
# every router as endmt@NODE.service would run it: its tree, its pin root
for n in $F1_ROUTERS; do
	cp "$F1_JSON" "$ETC/endmt/$n.json"
	printf 'ENDMT_PIN_ROOT=%s\nENDMT_AGENT_OPTS="--window-us %s"\n' "$(f1_pin "$ID" "$n")" \
		"${FIG1_WINDOW_US:-1000}" >"$ETC/default/endmt-$n"
done
# the state the agent does not own (group configuration and branches without
# their moving AckPSNs, SIDs, receivers, encap templates, attachments)
state() {
	local n
	for n in $F1_ROUTERS; do
		fig1_endmt "$ID" "$n" --json show --all >"$TMP/show-$n.json" || fail "show on $n"
	done
	$PY -c '
import json, sys
CFG = ("proxy", "dqpn", "head", "branch_by", "start_psn", "src", "src_qpn", "resp_saddr",
       "cnp_cap", "cnp_rate", "cnp_burst", "psn_guard", "origin_check", "origins")
BR = ("kind", "dev", "ifindex", "addr", "psn_offset")
for f in sys.argv[1:]:
    j = json.load(open(f))
    for g in j["groups"]:
        print(json.dumps({k: g.get(k) for k in CFG}, sort_keys=True),
              sorted(json.dumps({k: b.get(k) for k in BR}, sort_keys=True) for b in g["branches"]))
    for k in sorted(j):
        if k not in ("groups", "counters", "pin_root"):
            print(k, json.dumps(j[k], sort_keys=True))' $(for n in $F1_ROUTERS; do echo "$TMP/show-$n.json"; done)
}

# transfer_start NAME BYTES PSN [SEND-ARGS...]: R1..R5 then S1, the source
# from PSN (a QP's PSNs go on from one transfer to the next: the group's
# branches have acknowledged the earlier ones); transfer_check waits for all
# and checks the reports ($TMP/NAME-*.json)
transfer_start() {
	local tag=$1 bytes=$2 psn=$3 n a q off va rk
	shift 3
	RPIDS=()
	while read -r n a q off va rk; do
		in_node "$n" "$O/tools/rcpeer" recv --local "$a" --peer fd00:ff::1 --qpn "$q" \
			--dqpn 4660 --psn $(((psn + off) & 0xffffff)) --va "$va" --rkey "$rk" --bytes "$bytes" \
			--idle-ms "$(tms 20000)" --linger-ms "$(tms 1000)" --out "$TMP/$tag-$n.json" \
			>/dev/null 2>"$TMP/$tag-$n.err" &
		RPIDS+=($!)
		pids+=($!)
	done < <(fig1_rcvs "$F1_JSON")
	for n in R1 R2 R3 R4 R5; do
		for _ in $(seq "$(tn 50)"); do grep -qs listening "$TMP/$tag-$n.err" && break; sleep 0.1; done
		grep -qs listening "$TMP/$tag-$n.err" || fail "receiver $n did not start: $(cat "$TMP/$tag-$n.err")"
	done
	# nsenter itself, not in_node: a function in the background is a
	# subshell, and $SPID must be rcpeer (nsenter execs it) for kill -STOP
	nsenter --net="/run/netns/$(fig1_ns "$ID" S1)" "$O/tools/rcpeer" send --local fd00:10::2 \
		--peer fd00:ff::1 --qpn 17 --dqpn 4660 --psn "$psn" --bytes "$bytes" \
		--timeout-ms "$(tms 100)" --max-retries 100 "$@" \
		--out "$TMP/$tag-S1.json" >/dev/null 2>"$TMP/$tag-S1.err" &
	SPID=$!
	pids+=($!)
}
transfer_check() {
	local tag=$1 p rc=0
	wait "$SPID" || rc=1
	for p in "${RPIDS[@]}"; do wait "$p" || rc=1; done
	pids=()
	$PY - "$TMP" "$tag" <<'EOF' || fail "$tag transfer: not byte-identical (above)"
import json, sys
d, tag = sys.argv[1], sys.argv[2]
s = json.load(open(f"{d}/{tag}-S1.json"))
bad = [] if s.get("ok") else [f"S1: {s.get('error')}"]
for n in ("R1", "R2", "R3", "R4", "R5"):
    try:
        r = json.load(open(f"{d}/{tag}-{n}.json"))
    except Exception as e:
        bad.append(f"{n}: no report ({e})")
        continue
    if not (r.get("match") is True and r.get("crc32") == s.get("crc32")):
        bad.append(f"{n}: {r.get('error')} crc32 {r.get('crc32')} (source {s.get('crc32')})")
for b in bad:
    print("  " + b)
print(f"  {tag}: {s.get('bytes')} bytes, {s.get('retransmissions')} retransmitted, "
      f"{s.get('timeouts')} timeouts, {s.get('elapsed_s', 0):.2f} s; 5/5 receivers byte-identical"
      if not bad else "")
sys.exit(1 if bad else 0)
EOF
	[ "$rc" -eq 0 ] || fail "$tag transfer: an endpoint exited non-zero"
}

# 1. SIGKILL mid-transfer, restart as Restart=on-failure does
state >"$TMP/state0"
# paced (about 4 s at 32 Mbit/s, times ENDMT_TIME_SCALE) so the restart
# falls inside it (the source held across the restart, below)
rate=$((32 / ENDMT_TIME_SCALE))
transfer_start kill 16M 0 --rate-mbps $((rate > 0 ? rate : 1))
tsleep 700
[ -s "$TMP/kill-S1.json" ] && fail "the transfer ended before the kill: nothing tested"
for n in $F1_ROUTERS; do kill -KILL "$(cat "$ST/agent-$n.pid")"; done
# The source is held while no agent runs and resumed once all six are back,
# so the rest of the transfer runs under the restarted agents however long
# the restart takes (six applies under TCG outlasted a paced 16 MB once).
# The kill itself lands on a moving transfer: packets and ACKs in flight.
kill -STOP "$SPID"
held() { [[ "$(ps -o comm=,stat= -p "$SPID" | xargs)" == "rcpeer T"* ]]; }
for _ in $(seq "$(tn 50)"); do held && break; sleep 0.1; done
held || fail "the source is not held: $(ps -o pid=,comm=,stat= -p "$SPID")"
for n in $F1_ROUTERS; do
	for _ in $(seq "$(tn 50)"); do kill -0 "$(cat "$ST/agent-$n.pid")" 2>/dev/null || break; sleep 0.1; done
done
ok "SIGKILL to the six agents mid-transfer"
tsleep 1000	# (RestartSec=3s: shortened, nothing here depends on it)
t0=$SECONDS
for n in $F1_ROUTERS; do
	cmd_of endmt@.service "$n" ExecStartPre
	in_node "$n" "${CMD[@]}" --json >"$TMP/apply-$n.json" 2>"$TMP/apply-$n.err" ||
		fail "ExecStartPre on $n: $(cat "$TMP/apply-$n.err")"
	$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["changed"] == 0 else 1)' \
		"$TMP/apply-$n.json" || fail "ExecStartPre (apply) on $n changed something: $(cat "$TMP/apply-$n.json")"
	cmd_of endmt@.service "$n" ExecStart
	# nsenter and env exec: $! is the agent, as systemd's MainPID
	nsenter --net="/run/netns/$(fig1_ns "$ID" "$n")" "${CMD[@]}" >"$ST/agent-$n.log" 2>&1 &
	echo $! >"$ST/agent-$n.pid"
done
tsleep 300
for n in $F1_ROUTERS; do
	kill -0 "$(cat "$ST/agent-$n.pid")" 2>/dev/null || fail "restarted agent on $n exited: $(cat "$ST/agent-$n.log")"
done
[ -s "$TMP/kill-S1.json" ] && fail "the transfer ended before the agents were back: nothing tested"
kill -CONT "$SPID"
ok "restarted on every router in $((SECONDS - t0)) s: ExecStartPre (apply, nothing changed) then ExecStart (agent)"
transfer_check kill
ok "transfer across the SIGKILL and restart: 5/5 receivers byte-identical"
state >"$TMP/state1"
diff "$TMP/state0" "$TMP/state1" >&2 || fail "group state differs after the restart"
ok "group state (groups, branches, SIDs, receivers, templates, devices) as before the kill"

# 2. systemctl stop: SIGTERM, exit 0, data path still forwarding
for n in $F1_ROUTERS; do kill -TERM "$(cat "$ST/agent-$n.pid")"; done
for n in $F1_ROUTERS; do
	rc=0
	wait "$(cat "$ST/agent-$n.pid")" || rc=$?
	[ "$rc" -eq 0 ] || fail "agent on $n: exit $rc on SIGTERM (Restart=on-failure would restart it)"
	rm -f "$ST/agent-$n.pid"
done
ok "SIGTERM: every agent exits 0 (a stop, not a failure)"
for n in $F1_ROUTERS; do
	# (no `| grep -q` under pipefail: ip's SIGPIPE would be the status)
	links=$(in_node "$n" ip -o link show)
	grep -q ' xdp' <<<"$links" || fail "no XDP program left on $n after the stop"
	[ -d "$(f1_pin "$ID" "$n")/dev" ] || fail "pins of $n gone after the stop"
done
state >"$TMP/state2"
diff "$TMP/state0" "$TMP/state2" >&2 || fail "state differs after the stop"
next=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"] % 2**24)' "$TMP/kill-S1.json")
transfer_start stopped 1M "$next"
transfer_check stopped
ok "with every agent stopped, programs and pins stay and a transfer completes byte-identical"

# 3. teardown: endmt-teardown@NODE.service
for n in $F1_ROUTERS; do
	cmd_of endmt-teardown@.service "$n" ExecStart
	in_node "$n" "${CMD[@]}" >"$TMP/teardown-$n.out" 2>&1 ||
		fail "teardown on $n: $(cat "$TMP/teardown-$n.out")"
	links=$(in_node "$n" ip -o link show)
	grep -q ' xdp' <<<"$links" && fail "XDP left on $n after teardown"
	for d in $(awk -F': ' '{print $2}' <<<"$links" | cut -d@ -f1); do
		f=$(in_node "$n" tc filter show dev "$d" ingress 2>/dev/null)
		grep -q endmt <<<"$f" && fail "TC program left on $n $d after teardown"
	done
	[ -z "$(ls -A "$(f1_pin "$ID" "$n")/dev" 2>/dev/null)" ] || fail "device records left on $n"
done
ok "teardown (endmt detach --all) on every router: no XDP, no TC, no record ($(cat "$TMP/teardown-N6.out"))"
# detach names a device or --all, not both, not neither
for a in "" "n6-s1 --all"; do
	# shellcheck disable=SC2086
	if fig1_endmt "$ID" N6 detach $a >"$TMP/d.out" 2>&1 ||
		! grep -q 'name a device or give --all' "$TMP/d.out"; then
		fail "endmt detach $a: $(cat "$TMP/d.out")"
	fi
done
ok "endmt detach without a device or with a device and --all: refused"
# a second teardown finds nothing to do
cmd_of endmt-teardown@.service N6 ExecStart
in_node N6 "${CMD[@]}" >"$TMP/teardown2.out" 2>&1 || fail "second teardown: $(cat "$TMP/teardown2.out")"
grep -q 'detached 0 devices' "$TMP/teardown2.out" || fail "second teardown: $(cat "$TMP/teardown2.out")"
ok "a second teardown: $(cat "$TMP/teardown2.out")"

fig1_down "$ID" || fail "teardown of the network"
ip netns list | grep -q "^f1-$ID-" && fail "netns left"
[ -e "/sys/fs/bpf/endmt-fig1-$ID" ] && fail "pins left"
ok "nothing left"
echo "test_service: $pass passed, 0 failed"
