#!/usr/bin/env bash
# Installs the Debian packages endmt's build, tests and demo need.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

PKGS=(
	clang llvm make gcc pkg-config
	libbpf-dev libxdp-dev xdp-tools bpftool libelf-dev zlib1g-dev
	libjansson-dev libfixbuf-dev
	iproute2 smcroute tshark python3-scapy netsniff-ng ethtool tcpdump
	iputils-ping procps util-linux linux-perf
	qemu-system-x86 busybox-static kmod rdma-core ibverbs-utils ibverbs-providers perftest
	libibverbs-dev
	dpkg-dev debhelper lintian fakeroot man-db systemd bash-completion
	libmicrohttpd-dev prometheus tmux
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: need root to install: ${missing[*]}" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no, non-interactively.
	echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# BPF filesystem for pinned maps (not mounted at boot on some machines).
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi
