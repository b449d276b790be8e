#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Stage 2 of the vmtest guest: PID 1 on the host's root (read-only 9p with a
# tmpfs overlay; stage 1, vmtest/initramfs-init, has mounted /proc, /sys, /dev,
# /run, /tmp, bpffs and the kernel's modules).  Runs the command vmtest/run.sh
# left in /vmtest-result/cmd.sh and hands back its exit code (rc) and the
# kernel log (dmesg) through the shared result dir.  Then reboots, which ends
# qemu (-no-reboot).  Every exec here reads its binary and libraries over 9p
# under TCG (about 0.3 s each), so this script runs as few as it can.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
R=/vmtest-result

finish() {
	sync
	echo b > /proc/sysrq-trigger
	sleep 30
}

say() { echo "vmtest-guest: $*"; }

# Modules the tests use, loaded up front so a missing one fails here, by
# name, not as an odd error in a test (VMTEST_MODULES overrides the list).
read -r -a mods < $R/modules
if [ ${#mods[@]} -gt 0 ]; then
	modprobe -a "${mods[@]}" || say "modprobe -a ${mods[*]} failed"
fi
ip link set lo up
# Socket buffer caps as the host's kernel has them (4 MB, the default since
# 6.x; 6.1's is 208 KB): rcpeer asks for 8 MB, and under TCG a slow receiver
# otherwise loses a go-back-N burst in its socket, which the integration
# tests would see as loss on a clean branch.  Written directly: no exec.
echo 4194304 > /proc/sys/net/core/rmem_max
echo 4194304 > /proc/sys/net/core/wmem_max
# The per-CPU backlog (veth delivery to a device without XDP) is shared by
# every netns, TCG drains it slowly, and test_fig1_faults.sh steers all such
# devices to CPU 0's (RPS, fig1_rx_in_order in test/integration/fig1_lib.sh,
# against reordering): room for bursts.  Not what lost packets on clean
# links (that was reordering, docs/VMTEST.md): no backlog drops were counted.
echo 10000 > /proc/sys/net/core/netdev_max_backlog
echo vmtest > /proc/sys/kernel/hostname

read -r kver < /proc/sys/kernel/osrelease
say "kernel $kver, PID 1 up after $(cut -d' ' -f1 /proc/uptime) s"
read -r cwd < $R/cwd
cd "$cwd" || { say "no $cwd in the guest"; echo 125 > $R/rc; finish; }
set -a
# shellcheck disable=SC1091
. $R/env
set +a

SECONDS=0
if [ -e $R/interactive ]; then
	# vmtest/run.sh --shell: the console is the terminal; setsid -c makes
	# it the shell's controlling tty so job control and ^C work.
	say "interactive shell; 'exit' ends the VM"
	setsid -c -w bash -i < /dev/ttyS0 > /dev/ttyS0 2>&1
	rc=$?
else
	bash $R/cmd.sh < /dev/null 2>&1 | tee $R/output
	rc=${PIPESTATUS[0]}
fi
say "command exited with $rc after $SECONDS s"

dmesg > $R/dmesg
echo "$rc" > $R/rc
finish
