// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* BENCH ONLY, never shipped: the cost floor of a copy on this machine, for
 * bench/rate.sh's kind "floor".  Attached natively on the DUT's ingress d0,
 * it hands every frame, unchanged, to each device in bench_floor_devs
 * (d1..dN, filled by rate.sh) with one broadcast redirect: the kernel then
 * does one frame copy and one ndo_xdp_xmit per device and nothing else, no
 * parse, no rewrite, no checksum, no FIB lookup.  Whatever End.MT does per
 * copy on top of that is what the floor/endmt ratio shows. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 64);	/* rate.sh goes up to 32 egress veths */
	__type(key, __u32);
	__type(value, __u32);		/* ifindex in the DUT's netns */
} bench_floor_devs SEC(".maps");

SEC("xdp")
int bench_floor(struct xdp_md *ctx)
{
	(void)ctx;
	/* The key is ignored with BPF_F_BROADCAST; an empty map drops. */
	return bpf_redirect_map(&bench_floor_devs, 0, BPF_F_BROADCAST);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
