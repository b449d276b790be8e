#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# rdma_rxe smoke test: two Soft-RoCE devices, one on each end of a veth pair,
# run RC traffic (ibv_rc_pingpong SEND, ib_write_bw RDMA WRITE) over IPv6
# global GIDs, and the packets really cross the veth (checked on its
# counters).  This proves the guest kernel's RDMA stack is a usable oracle for
# the endmt data path.
#
# On the host (no rdma_rxe there) it boots the vmtest VM and runs itself
# inside:   vmtest/rxe_smoke.sh
# Inside a guest or any machine with rdma_rxe:   vmtest/rxe_smoke.sh --here
#
# Both devices stay in the initial network namespace: an rxe device created
# in another netns has no UDP/4791 socket there and its QPs fail (6.1).
# Policy routing makes the two local addresses talk through the veth
# instead of loopback: per-iif rules deliver locally, per-source rules send
# out of the right veth end, and the "local" table is moved below both.
set -u

if [ "${1:-}" != --here ]; then
	here=$(cd "$(dirname "$0")" && pwd)
	exec "$here/run.sh" --timeout "${VMTEST_TIMEOUT:-600}" -- "$here/rxe_smoke.sh" --here
fi

A=rxsa$$ B=rxsb$$
DA=rxe_a$$ DB=rxe_b$$
PA=fd00:52:$$::1 PB=fd00:52:$$::2
TA=$((20000 + $$ % 1000)) TB=$((21000 + $$ % 1000))
PORT=$((18515 + $$ % 1000))
fails=0
pids=()

say() { echo "rxe_smoke: $*"; }
ok() { say "ok   $*"; }
bad() { say "FAIL $*"; fails=$((fails + 1)); }

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
	rdma link del "$DA" 2> /dev/null
	rdma link del "$DB" 2> /dev/null
	ip link del "$A" 2> /dev/null
	ip -6 rule del pref 10 2> /dev/null
	ip -6 rule del pref 11 2> /dev/null
	ip -6 rule del pref 20 2> /dev/null
	ip -6 rule del pref 21 2> /dev/null
	if ip -6 rule show pref 100 | grep -q 'lookup local'; then
		ip -6 rule add pref 0 lookup local 2> /dev/null
		ip -6 rule del pref 100 2> /dev/null
	fi
	ip -6 route flush table "$TA" 2> /dev/null
	ip -6 route flush table "$TB" 2> /dev/null
}
trap cleanup EXIT

modprobe rdma_rxe || { say "FAIL modprobe rdma_rxe"; exit 1; }

set -e
ip link add "$A" type veth peer name "$B"
ip addr add "$PA/64" dev "$A" nodad
ip addr add "$PB/64" dev "$B" nodad
ip link set "$A" up
ip link set "$B" up
ip -6 route add "$PB" dev "$A" table "$TA"
ip -6 route add "$PA" dev "$B" table "$TB"
ip -6 rule add pref 10 iif "$A" lookup local
ip -6 rule add pref 11 iif "$B" lookup local
ip -6 rule add pref 20 from "$PA" lookup "$TA"
ip -6 rule add pref 21 from "$PB" lookup "$TB"
ip -6 rule add pref 100 lookup local
ip -6 rule del pref 0 lookup local
rdma link add "$DA" type rxe netdev "$A"
rdma link add "$DB" type rxe netdev "$B"
set +e

# GID index of an address on an rxe device (the table also holds the
# link-local GID; which index each gets depends on the order they appeared).
gid_index() { # dev addr
	local want f g
	want=$(/usr/bin/python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).exploded)' "$2")
	for f in /sys/class/infiniband/"$1"/ports/1/gids/*; do
		g=$(cat "$f" 2> /dev/null) || continue
		if [ "$g" = "$want" ]; then
			basename "$f"
			return 0
		fi
	done
	return 1
}

ga= gb=
for _ in $(seq 50); do
	ga=$(gid_index "$DA" "$PA") && gb=$(gid_index "$DB" "$PB") && break
	sleep 0.2
done
if [ -z "$ga" ] || [ -z "$gb" ]; then
	say "FAIL no GID for $PA on $DA or $PB on $DB"
	exit 1
fi
ok "devices $DA (gid $ga = $PA) and $DB (gid $gb = $PB)"

counter() { cat "/sys/class/net/$1/statistics/$2"; }
hw() { cat "/sys/class/infiniband/$1/ports/1/hw_counters/$2" 2> /dev/null || echo 0; }

# The out-of-band exchange (QPN, PSN, GID) runs over TCP on 127.0.0.1: the
# tools' servers listen on IPv4 only.
# RC SEND: 500 iterations of 4 KiB each way.
txa0=$(counter "$A" tx_packets)
rxb0=$(counter "$B" rx_packets)
timeout 60 ibv_rc_pingpong -d "$DB" -g "$gb" -p "$PORT" -n 500 -s 4096 > /tmp/rxs-srv.$$ 2>&1 &
srv=$!
pids+=("$srv")
sleep 1
timeout 60 ibv_rc_pingpong -d "$DA" -g "$ga" -p "$PORT" -n 500 -s 4096 127.0.0.1 > /tmp/rxs-cli.$$ 2>&1
crc=$?
[ "$crc" -eq 0 ] || kill "$srv" 2> /dev/null
wait "$srv"
src=$?
sed 's/^/  client: /' /tmp/rxs-cli.$$
sed 's/^/  server: /' /tmp/rxs-srv.$$
if [ "$crc" -eq 0 ] && [ "$src" -eq 0 ] && grep -q "^$((2 * 500 * 4096)) bytes in" /tmp/rxs-cli.$$ &&
	grep -q '^500 iters in' /tmp/rxs-srv.$$; then
	ok "ibv_rc_pingpong: 500 x 4 KiB RC SEND each way"
else
	bad "ibv_rc_pingpong: client exit $crc, server exit $src"
fi
txa=$(( $(counter "$A" tx_packets) - txa0 ))
rxb=$(( $(counter "$B" rx_packets) - rxb0 ))
# 4 KiB at the veth's 1500 MTU is 4 packets per message (rxe uses 1024-byte
# path MTU), plus ACKs: at least 500 * 4 data packets left A.
if [ "$txa" -ge 2000 ] && [ "$rxb" -ge 2000 ]; then
	ok "traffic crossed the veth: $A sent $txa, $B received $rxb packets"
else
	bad "traffic did not cross the veth: $A sent $txa, $B received $rxb packets (loopback?)"
fi

# RDMA WRITE: perftest, 200 iterations of 64 KiB.  -u 18: local ACK
# timeout 4.096 us * 2^18 = 1 s instead of 67 ms; under TCG the default
# timeout fires spuriously, and a retransmitted RDMA WRITE burst then
# sometimes completes with IBV_WC_REM_INV_REQ_ERR (status 9) on 6.1's rxe.
timeout 60 ib_write_bw -d "$DB" -x "$gb" -p $((PORT + 1)) -s 65536 -n 200 -u 18 -F > /tmp/rxs-wsrv.$$ 2>&1 &
srv=$!
pids+=("$srv")
sleep 1
timeout 60 ib_write_bw -d "$DA" -x "$ga" -p $((PORT + 1)) -s 65536 -n 200 -u 18 -F 127.0.0.1 > /tmp/rxs-wcli.$$ 2>&1
crc=$?
[ "$crc" -eq 0 ] || kill "$srv" 2> /dev/null
wait "$srv"
src=$?
if [ "$crc" -eq 0 ] && [ "$src" -eq 0 ] && grep -Eq '^ *65536 +200 ' /tmp/rxs-wcli.$$; then
	ok "ib_write_bw: 200 x 64 KiB RDMA WRITE ($(grep -E '^ *65536 +200 ' /tmp/rxs-wcli.$$ | awk '{print $4 " MB/s"}'))"
else
	sed 's/^/  client: /' /tmp/rxs-wcli.$$
	sed 's/^/  server: /' /tmp/rxs-wsrv.$$
	bad "ib_write_bw: client exit $crc, server exit $src"
fi
rm -f /tmp/rxs-*.$$

# The transport gave up nowhere.  Retransmissions themselves are not
# errors here: under TCG an ACK can take longer than rxe's retry timer, so
# completer_retry_err (and sequence errors on the duplicates) are reported,
# not failed on.
for d in "$DA" "$DB"; do
	for c in retry_exceeded_err retry_rnr_exceeded_err send_err; do
		v=$(hw "$d" "$c")
		[ "$v" = 0 ] || bad "$d hw counter $c = $v"
	done
	say "     $d: sent_pkts $(hw "$d" sent_pkts) rcvd_pkts $(hw "$d" rcvd_pkts)" \
		"completer_retry_err $(hw "$d" completer_retry_err) rcvd_seq_err $(hw "$d" rcvd_seq_err)"
done

if [ "$fails" -eq 0 ]; then
	say "PASS"
	exit 0
fi
say "$fails check(s) failed"
exit 1
