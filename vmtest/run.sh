#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Runs a command (default: the unit and integration suites and the rdma_rxe
# interop test, VMTEST_SUITES="unit integration rxe") inside a Debian
# kernel under qemu, on the host's own root filesystem, and returns its exit
# code.  Fails as well when the guest's kernel log shows a warning, BUG, Oops
# or call trace.  See docs/VMTEST.md.
#
# usage: vmtest/run.sh [--kernel 6.1] [--timeout SEC] [--log FILE] [--keep] [--shell] [-- CMD...]
# (--shell: an interactive bash on the guest console instead of CMD)
#
# Environment: O (build dir, default build), VMTEST_TIMEOUT (s, default 3600),
# VMTEST_MEM (2G), VMTEST_SMP (2), VMTEST_CPU (qemu64), VMTEST_MODULES (modules to load in the
# guest), VMTEST_ENV (names of further variables to pass into the guest),
# VMTEST_OFFLINE=1 (use the cached kernel, do not ask apt), ENDMT_TIME_SCALE
# (default 10 here: the integration scripts' timeouts times this, for TCG).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# the real path: a symlinked cache (a worktree sharing another tree's) must
# name what the guest can bind-mount (it resolves no symlink to the host)
cache=$(realpath -m "$here/cache")
O=${O:-build}
kernel=6.1
timeout_s=${VMTEST_TIMEOUT:-3600}
log=
keep=0
shell=0
cmd=()

usage() {
	sed -n "s/^# \{0,1\}//; 9,16p" "$0" >&2
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--timeout) timeout_s=${2:?}; shift 2 ;;
	--log) log=${2:?}; shift 2 ;;
	--keep) keep=1; shift ;;
	--shell) shell=1; shift ;;
	-h|--help) usage 0 ;;
	--) shift; cmd=("$@"); break ;;
	*) echo "vmtest: unknown argument $1" >&2; usage ;;
	esac
done

say() { echo "vmtest: $*" >&2; }
die() { say "$*"; exit 1; }

case $kernel in
6.1) meta=linux-image-amd64 series=6.1.0 ;;
*) die "kernel '$kernel' is not supported (supported: 6.1, Debian 12's kernel)" ;;
esac

for t in qemu-system-x86_64 busybox dpkg-deb depmod /usr/bin/python3; do
	command -v "$t" > /dev/null || die "$t not found: run 'make deps' (scripts/setup.sh)"
done

# --- the kernel: Debian's generic flavour (the cloud flavour lacks rdma_rxe
# and 9p), downloaded and unpacked, never installed.
mkdir -p "$cache"
exec 9> "$cache/.lock"
# Several runs (other build dirs) may prepare the cache at once.
flock 9

pkg=
if [ "${VMTEST_OFFLINE:-0}" != 1 ]; then
	pkg=$(apt-cache depends "$meta" 2>/dev/null |
		sed -n "s/^ *Depends: \(linux-image-$series-[0-9]*-amd64\)$/\1/p" | head -1)
fi
if [ -n "$pkg" ]; then
	kver=${pkg#linux-image-}
else
	# Offline or no apt lists: newest kernel already in the cache.
	kver=$(ls -d "$cache/$kernel"/*/.ready 2>/dev/null | sort -V | tail -1 | xargs -r dirname | xargs -r basename)
	[ -n "$kver" ] || die "cannot resolve $meta (apt-get update?) and nothing is cached"
fi
kdir=$cache/$kernel/$kver

if [ ! -e "$kdir/.ready" ]; then
	say "preparing kernel $kver in $kdir"
	rm -rf "$kdir"
	mkdir -p "$kdir/dl"
	# The -unsigned package is the same kernel without the Secure Boot
	# signature, which qemu's direct boot does not need.
	(cd "$kdir/dl" && apt-get download -q "linux-image-$kver-unsigned" 2>&1 |
		grep -v 'unsandboxed' >&2) || die "apt-get download linux-image-$kver-unsigned failed"
	dpkg-deb -x "$kdir"/dl/*.deb "$kdir/root"
	rm -rf "$kdir/dl"
	depmod -b "$kdir/root" "$kver"
	# An uncompressed ELF boots through PVH: no decompression in the guest.
	if ! /usr/bin/python3 "$here/extract-vmlinux.py" "$kdir/root/boot/vmlinuz-$kver" "$kdir/vmlinux"; then
		say "no ELF vmlinux; booting the bzImage"
		rm -f "$kdir/vmlinux"
	fi
	touch "$kdir/.ready"
fi

mods=$kdir/root/lib/modules/$kver
# The initramfs depends on the init script; rebuild it when that changes.
initrd=$kdir/initramfs.cpio
if [ ! -e "$initrd" ] || [ "$here/initramfs-init" -nt "$initrd" ]; then
	say "building $initrd"
	staging=$(mktemp -d)
	mkdir -p "$staging"/{bin,dev,proc,sys,modules}
	cp /bin/busybox "$staging/bin/busybox"
	cp "$here/initramfs-init" "$staging/init"
	chmod 755 "$staging/init"
	: > "$staging/modules.order"
	# virtio_pci, 9p and overlay with their dependencies, in load order.
	modprobe -d "$kdir/root" -S "$kver" --show-depends -a \
		virtio_pci 9pnet_virtio 9p overlay |
		awk '$1 == "insmod" && !seen[$2]++ {print $2}' |
		while read -r ko; do
			cp "$ko" "$staging/modules/"
			basename "$ko" >> "$staging/modules.order"
		done
	[ -s "$staging/modules.order" ] || die "no modules found for the initramfs"
	(cd "$staging" && find . | busybox cpio -o -H newc -R 0:0 2> /dev/null) > "$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$staging"
fi
flock -u 9

if [ -e "$kdir/vmlinux" ]; then
	kimg=$kdir/vmlinux
else
	kimg=$kdir/root/boot/vmlinuz-$kver
fi

# --- the command and its environment, handed over in the result dir.
# Whether the host's kernel has the SRv6 HMAC (CONFIG_IPV6_SEG6_HMAC; the
# seg6_require_hmac sysctl exists only with it; test/run.sh checks the
# same): without it the host's test_hmac.py checks with hashlib only, and
# the guest, whose kernel has it, runs test_hmac.py whole (the kernel's
# HMAC is the one outside implementation of the RFC 8754 text at hand).
host_hmac=1
[ -e /proc/sys/net/ipv6/conf/all/seg6_require_hmac ] || host_hmac=0
suites_def="unit integration rxe"
[ "$host_hmac" = 1 ] || suites_def="unit oracle integration rxe"
if [ "$shell" = 1 ]; then
	cmd=(bash -i)
elif [ ${#cmd[@]} -eq 0 ]; then
	[ -x "$O/test_progs" ] || die "$O/test_progs not built: run 'make O=$O all' (or 'make O=$O vmtest')"
	# test/run.sh's suites, then "rxe": real RDMA (rdma_rxe) through an
	# endmt tree, vmtest/rxe_endmt.sh.  One guest for all, one exit code.
	suites=()
	rxe=0
	for s in ${VMTEST_SUITES:-$suites_def}; do
		if [ "$s" = rxe ]; then rxe=1; else suites+=("$s"); fi
	done
	# shellcheck disable=SC2016
	cmd=(bash -c 'rc=0
		if [ -n "$1" ]; then SUITES="$1" "$2/test/run.sh" || rc=1; fi
		if [ "$3" = 1 ]; then echo "=== suite: rxe"; "$2/vmtest/rxe_endmt.sh" --here || rc=1; fi
		exit $rc' vmtest-suites "${suites[*]}" "$repo" "$rxe")
fi

res=$(mktemp -d /tmp/vmtest-result.XXXXXX)
qpid=
cleanup() {
	local rc=$?
	[ -n "$qpid" ] && kill "$qpid" 2> /dev/null
	if [ "$keep" = 1 ]; then
		say "result dir kept: $res"
	else
		rm -rf "$res"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

printf '%q ' "${cmd[@]}" > "$res/cmd.sh"
echo >> "$res/cmd.sh"
pwd > "$res/cwd"
[ "$shell" = 1 ] && : > "$res/interactive"
# Whether the host's kernel has IPv6 multicast routing (test/run.sh checks
# the same): without it the guest runs what the host could not.
host_mroute=1
if [ ! -e /proc/sys/net/ipv6/conf/all/mc_forwarding ]; then
	host_mroute=0
	say "the host's kernel has no IPv6 multicast routing: the guest also runs what needs it"
fi
[ "$host_hmac" = 1 ] || say "the host's kernel has no SRv6 HMAC: the guest also runs test_hmac.py"
echo "$mods" > "$res/kmods"
echo "${VMTEST_MODULES:-veth dummy sch_ingress cls_bpf act_bpf act_gact act_mirred mpls_router mpls_iptunnel act_mpls act_pedit cls_matchall}" > "$res/modules"
{
	printf 'O=%q\n' "$O"
	# test/run.sh: VM_ONLY tests run here (and fail if their kernel feature is missing)
	printf 'ENDMT_VMTEST=1\n'
	# TCG runs 5-20x slower than the host: the integration scripts scale
	# every timeout, idle bound and wait by this (test/integration/time_scale.sh).
	printf 'ENDMT_TIME_SCALE=%q\n' "${ENDMT_TIME_SCALE:-10}"
	# INTEGRATION_SKIP (test/run.sh: integration tests to leave out) passes
	# through; by default test_attacks.sh (300 s under TCG): the rules it
	# drives on Figure 1 are the unit suite's BPF_PROG_TEST_RUN cases,
	# which the guest runs on its kernel; test_service.sh, the systemd
	# units' process semantics (restart, stop, teardown), and test_watch.sh:
	# Prometheus and tmux watching the agent and `endmt top` are userspace
	# reading maps; neither depends on the kernel; test_guide.sh runs
	# docs/OPERATOR-GUIDE.md as a person types it, with rcpeer's default
	# timeouts (a person's machine, not TCG's: no ENDMT_TIME_SCALE in a
	# guide), and the Figure 1 tests drive the same data path in the guest;
	# test_pm.sh, 10^6 packets over Figure 1 (TCG forwards hundreds a
	# second): the marking's BPF is the unit suite's in the guest (pm_srv6,
	# transit_repl), the report is userspace.  INTEGRATION_SKIP= runs them too.
	# A host kernel without IPv6 multicast routing (test/run.sh, MROUTE)
	# left the tests that need it to this guest, whose kernel has it: then
	# they are not skipped here, and the multicast runs of test_fig1_hmac,
	# test_telemetry and test_pm run (the host ran their RFC 9524 runs).
	if [ "$host_mroute" = 1 ]; then
		skip_def="test_attacks.sh test_service.sh test_watch.sh test_guide.sh test_pm.sh"
		hmac_def=repl tm_def=mcast
	else
		skip_def=""
		hmac_def="rfc8754 extended" tm_def="mcast loss stall"
		# test_pm's multicast run (the kernel's routers N4, N5 forward the
		# AltMark untouched; exact loss across them), scaled to TCG: 3600
		# packets at 150 a second over 2 s periods (12 busy periods), the
		# burst early enough, and no reordering impairment (a packet per
		# window: nothing overtakes it; the host's run reorders), and the
		# captures' first 1200 packets per link for scapy (10000 by default)
		printf 'PM_RUNS=%q\n' "${PM_RUNS-mcast}"
		printf 'PM_PACKETS=%q\n' "${PM_PACKETS-3600}"
		printf 'PM_RATE=%q\n' "${PM_RATE-150}"
		printf 'PM_PERIOD_MS=%q\n' "${PM_PERIOD_MS-2000}"
		printf 'PM_BURST_AT=%q\n' "${PM_BURST_AT-1000}"
		printf 'PM_REORDER_US=%q\n' "${PM_REORDER_US-}"
		printf 'PM_CAP_PACKETS=%q\n' "${PM_CAP_PACKETS-1200}"
	fi
	printf 'INTEGRATION_SKIP=%q\n' "${INTEGRATION_SKIP-$skip_def}"
	# the oracle suite, when the host left test_hmac.py's kernel parts here:
	# that script only (the others check userspace and BPF the host ran)
	[ "$host_hmac" = 1 ] || printf 'ORACLE_ONLY=%q\n' "${ORACLE_ONLY-test_hmac.py}"
	# What the guest re-runs is what depends on the kernel: test_cli's
	# cases that attach programs and write pinned maps (the others, option
	# and file parsing, are kernel-independent and run on the host), and
	# the demo at 1 MiB (test_fig1's capture transfer, the faults, the
	# replication and rcpeer tests run as on the host).  Under TCG this
	# halves test_cli and the demo (docs/VMTEST.md, "Time").  Set either
	# to run more; an empty CLI_CASES runs every case.
	printf 'CLI_CASES=%q\n' "${CLI_CASES-attach config agent detach apply apply_rollback apply_repl}"
	printf 'FIG1_DEMO_BYTES=%q\n' "${FIG1_DEMO_BYTES:-1M}"
	# test_telemetry: the trace through 6.1's data path and its kernel IOAM
	# nodes (the multicast run; 2026-12-03 both variants took 513 s under
	# TCG); the fork's BPF is the unit suite's (transit_repl) in the guest,
	# the loss and stall runs judge the collector (userspace)
	printf 'TM_RUNS=%q\n' "${TM_RUNS-$tm_def}"
	# test_fig1_hmac: the RFC 9524 run, where the edges' XDP and the forks'
	# TC both verify the SRH HMAC on 6.1 (extended text); the RFC 8754
	# text's BPF is the unit suite's (edge_hmac) in the guest, and the
	# three runs took 363 s under TCG on 2026-12-04
	printf 'HMAC_RUNS=%q\n' "${HMAC_RUNS-$hmac_def}"
	for v in TEST V ${VMTEST_ENV:-}; do
		[ -n "${!v+x}" ] && printf '%s=%q\n' "$v" "${!v}"
	done
} > "$res/env"

[ -n "$log" ] || { mkdir -p "$O" 2> /dev/null && log=$O/vmtest-$kernel.log || log=$res/console.log; }
: > "$log"

say "kernel $kver ($(basename "$kimg")), ${VMTEST_SMP:-2} cpus, ${VMTEST_MEM:-2G}, timeout ${timeout_s}s, log $log"
say "command: $(cat "$res/cmd.sh")"

# TCG: /dev/kvm exists here but cannot run a guest (see docs/VMTEST.md).
# -cpu qemu64: measured 29 s against 40 s for -cpu max on the unit suite;
# TCG emulates the AVX paths glibc picks for max slowly.
# -no-reboot: the guest ends the run by rebooting.  panic=-1: a panic reboots
# at once, so a crashed guest ends the run (with no rc) instead of hanging.
qin=/dev/null
[ "$shell" = 1 ] && qin=/dev/stdin
start=$(date +%s)
set +e
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
	-machine pc,accel=tcg -cpu "${VMTEST_CPU:-qemu64}" -m "${VMTEST_MEM:-2G}" -smp "${VMTEST_SMP:-2}" \
	-nographic -monitor none -serial stdio -no-reboot -nic none \
	-kernel "$kimg" -initrd "$initrd" \
	-append "console=ttyS0 loglevel=5 panic=-1 mitigations=off rdinit=/init vmtest.stage2=$here/guest-init.sh" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$res",mount_tag=result,security_model=none \
	< "$qin" 2>&1 | tee -a "$log"
qrc=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - start ))

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	die "TIMEOUT: the guest did not finish within ${timeout_s}s (console log: $log)"
fi
if [ ! -s "$res/rc" ]; then
	die "the guest ended without an exit code (qemu exit $qrc; crash or panic? console log: $log)"
fi
rc=$(cat "$res/rc")

# Kernel log scan: any of these means the kernel misbehaved under our
# programs, even if every test passed.
bad='WARNING:|BUG:|Oops|Call Trace:|kernel BUG|general protection fault|UBSAN:|KASAN:|refcount_t:|hung_task|rcu: INFO|stall on CPU|expect packet loss|verifier bug|backtracking bug|Kernel panic|bpf_prog_[0-9a-f_]*[^ ]*\+0x'
cp "$res/dmesg" "$log.dmesg" 2> /dev/null || true
if grep -Eq "$bad" "$res/dmesg"; then
	say "FAIL: the guest kernel log has warnings (full log: $log.dmesg):"
	grep -E -A20 "$bad" "$res/dmesg" | head -80 >&2
	[ "$rc" = 0 ] && rc=1
fi

say "done in ${elapsed}s: command exit $rc"
exit "$rc"
