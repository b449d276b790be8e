#!/usr/bin/env bash
# The edge at scale: cost per packet of both halves (End.MT XDP + TC, run
# time from the kernel's BPF stats, bench/percopy edge) with G groups
# configured at the edge (a strict SID: the groups, one receiver record
# each, their Proxies; the packets' group has the N receivers), N = 1 and 88
# receivers per packet, and the memory of every map (bpftool's
# bytes_memlock, from fdinfo).  G above the shipped limits (ENDMT_MAX_GROUPS
# 1024 groups, ENDMT_MAX_XLATE 4096 receiver records, include/endmt/maps.h)
# is measured with those maps raised at load (bpf_map__set_max_entries):
# what raising the two macros would give.
#   O=build bench/scale.sh                 G = 1, 1024, 65536; N = 1, 88; 1024 B
# Env: SCALE_GROUPS, SCALE_NS, SCALE_PAY, and percopy's COUNT, COPIES, REPEAT.
# Prints: scale G N PAYLOAD xdp_ns tc_ns tc_ns_per_copy checked bad
#         scale-mem G MAP MAX_ENTRIES BYTES  (MAP "total": the sum)
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
. bench/lib.sh
percopy_prep scale

rc=0
topo_setup || die "topology setup failed"
for g in ${SCALE_GROUPS:-1 1024 65536}; do
	out=$(NGROUPS=$g NS="${SCALE_NS:-1 88}" PAYS=${SCALE_PAY:-1024} REPEAT=${REPEAT:-5} \
		nsenter --net=/run/netns/$NS_D "$PC" edge $NS_S $NS_K incr "$O/bpf/edge.bpf.o") || {
		echo "scale-todo G=$g percopy edge failed"; rc=1; continue; }
	echo "$out" | awk -v g=$g '
		$1 == "edge" && $2 == "incr" { $1 = "scale"; $2 = g; print; next }
		$1 == "mem" { $1 = "scale-mem"; print }'
done
topo_cleanup
exit $rc
