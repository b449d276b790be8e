# Shared helpers of the netns integration tests (sourced, not run), in the
# shape of xdp-tools' test_runner.sh: one function per case, each in a fresh
# namespace, run alone with TEST=name.
# Needs E (the endmt binary), PY (python3) and TMP (a scratch directory).
#
#   run_cases NAME...   runs case_NAME for each (all of them, or $TEST's:
#                       a space separated list), each in a subshell with its
#                       own scratch directory, namespaces and pin roots, all
#                       removed afterwards; prints PASS/FAIL per case and a
#                       summary; status 0 when every case passed.
# Inside a case: ok/bad record a check, die ends the case as failed,
# mkns/veth/X/expect_ok/expect_fail/jcheck/nothing_left/everything_gone are
# the endmt checks.

die() { echo "FAIL $*"; echo "fails=$((case_fails + 1)) passes=$case_passes" >"$CASE_TMP/count"; exit 1; }
ok() { case_passes=$((case_passes + 1)); echo "ok   $*"; }
bad() { case_fails=$((case_fails + 1)); echo "FAIL $*"; }
# must CMD...: a step of a case's setup, not a check: its failure ends the case
must() { "$@" >"$CASE_TMP/must.out" 2>&1 || die "setup: $*: $(cat "$CASE_TMP/must.out")"; }

# mkns NAME: a namespace with lo up and its own pin root
mkns() {
	ip netns add "$1" || die "ip netns add $1"
	NSS+=("$1")
	ip -n "$1" link set lo up
	PINS+=("$(pin_of "$1")")
}
pin_of() { echo "/sys/fs/bpf/endmt-test-$1"; }
# veth NS DEV PEER: both ends in NS, up
veth() {
	ip -n "$1" link add "$2" type veth peer name "$3" || die "veth $2"
	ip -n "$1" link set "$2" up
	ip -n "$1" link set "$3" up
}
# X NS endmt-args...: endmt inside NS (nsenter keeps /sys/fs/bpf visible)
X() {
	local ns=$1
	shift
	nsenter --net=/run/netns/"$ns" "$E" --pin-root "$(pin_of "$ns")" "$@"
}

# expect_ok DESC NS ARGS...
expect_ok() {
	local d=$1 ns=$2
	shift 2
	if X "$ns" "$@" >"$TMP/out" 2>"$TMP/err"; then
		ok "$d"
	else
		bad "$d: exit $?: $(cat "$TMP/err")"
	fi
}

# expect_fail DESC REGEX NS ARGS...: non-zero, exactly one stderr line matching
expect_fail() {
	local d=$1 re=$2 ns=$3 rc
	shift 3
	X "$ns" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -eq 0 ]; then
		bad "$d: succeeded, expected failure"
	elif [ "$(wc -l <"$TMP/err")" -ne 1 ]; then
		bad "$d: expected one stderr line, got: $(cat "$TMP/err")"
	elif ! grep -Eq -- "$re" "$TMP/err"; then
		bad "$d: stderr '$(cat "$TMP/err")' does not match /$re/"
	else
		ok "$d ($(cat "$TMP/err"))"
	fi
}

CHECKS=${CHECKS:-$(dirname "${BASH_SOURCE[0]}")/../py/cli_checks.py}
# jcheck DESC NS PYEXPR: PYEXPR over j = endmt show --json must be true
# (G: groups by (proxy, dqpn), D: devices by name; cli_checks.py show_eval)
jcheck() {
	local d=$1 ns=$2 expr=$3
	X "$ns" show --json --all >"$TMP/show.json" 2>"$TMP/err" || { bad "$d: show failed: $(cat "$TMP/err")"; return; }
	if $PY "$CHECKS" show_eval "$TMP/show.json" "$expr"; then
		ok "$d"
	else
		bad "$d: $expr"
	fi
}

# nothing_left NS DEV...: no XDP, no clsact, no TC filters, no dev records
nothing_left() {
	local ns=$1 dev
	shift
	for dev in "$@"; do
		if ip -n "$ns" -d link show "$dev" | grep -q "prog/xdp"; then
			bad "$ns/$dev: XDP program left: $(ip -n "$ns" -d link show "$dev" | grep prog/xdp)"
		else
			ok "$ns/$dev: no XDP program"
		fi
		if tc -n "$ns" qdisc show dev "$dev" | grep -q clsact; then
			bad "$ns/$dev: clsact qdisc left"
		else
			ok "$ns/$dev: no clsact qdisc"
		fi
		if nsenter --net=/run/netns/"$ns" bpftool net | grep -q "^$dev("; then
			bad "$ns/$dev: bpftool net still lists programs: $(nsenter --net=/run/netns/"$ns" bpftool net)"
		else
			ok "$ns/$dev: bpftool net lists nothing"
		fi
		if [ -e "$(pin_of "$ns")/dev/$dev" ]; then
			bad "$ns/$dev: attachment record left under the pin root"
		else
			ok "$ns/$dev: no attachment record under the pin root"
		fi
	done
}
# everything_gone NS: nothing of ours anywhere in NS
everything_gone() {
	if nsenter --net=/run/netns/"$1" bpftool net | grep -Eq "endmt_|driver id|generic id"; then
		bad "$1: bpftool net still lists programs"
	else
		ok "$1: bpftool net lists nothing"
	fi
	if [ -n "$(ls -A "$(pin_of "$1")/dev" 2>/dev/null)" ]; then
		bad "$1: attachment records left: $(ls "$(pin_of "$1")/dev")"
	else
		ok "$1: no attachment records under the pin root"
	fi
}

# What a case made: its agents, namespaces, pin roots, scratch directory.
case_cleanup() {
	local ns p
	for p in "${APIDS[@]}"; do kill "$p" 2>/dev/null; done
	for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	for p in "${PINS[@]}"; do rm -rf "$p"; done
}

# run_case NAME: case_NAME in a subshell; its counts in $TMP/NAME/count
run_case() {
	local name=$1
	(
		NSS=() PINS=() APIDS=()
		case_passes=0 case_fails=0
		CASE_TMP=$TMP/$name
		mkdir -p "$CASE_TMP"
		TMP=$CASE_TMP
		trap case_cleanup EXIT
		echo "---- $name"
		"case_$name"
		echo "fails=$case_fails passes=$case_passes" >"$CASE_TMP/count"
	)
}

run_cases() {
	local name fails passes all_fails=0 all_passes=0 failed=() n=0
	for name in ${TEST:-"$@"}; do
		if ! declare -F "case_$name" >/dev/null; then
			echo "no case '$name'; cases: $*"
			return 2
		fi
		fails=1 passes=0
		run_case "$name"
		[ -r "$TMP/$name/count" ] && . "$TMP/$name/count"
		n=$((n + 1))
		all_passes=$((all_passes + passes))
		all_fails=$((all_fails + fails))
		if [ "$fails" -eq 0 ]; then
			echo "PASS $name ($passes checks)"
		else
			echo "FAIL $name ($fails of $((passes + fails)) checks failed)"
			failed+=("$name")
		fi
	done
	echo
	echo "$SUITE: $((n - ${#failed[@]})) of $n cases passed ($all_passes checks passed, $all_fails failed)${failed[*]:+; failed: ${failed[*]}}"
	[ ${#failed[@]} -eq 0 ]
}
