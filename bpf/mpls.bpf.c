// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* RFC 9714 alternate marking of MPLS flows (bpf/dp/mpls_pm.h): the ingress
 * LER (TC egress of the core-facing device), a counting node (XDP on an
 * LSR's or the egress's ingress device) and the egress, which counts and
 * takes XL + FLI + FL off before the kernel's MPLS pops the rest. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>
#include "maps/endmt_maps.h"
#include "dp/stats.h"
#include "dp/mpls_pm.h"

SEC("tc")
int endmt_mpls_ler(struct __sk_buff *skb)
{
	return endmt_mpls_ler_tc(skb);
}

SEC("xdp")
int endmt_mpls_count(struct xdp_md *ctx)
{
	return endmt_mpls_rx(ctx, 0);
}

SEC("xdp")
int endmt_mpls_egress(struct xdp_md *ctx)
{
	return endmt_mpls_rx(ctx, 1);
}

/* libxdp dispatcher: counting changes nothing, others run after a pass. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(endmt_mpls_count);

struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(endmt_mpls_egress);

char LICENSE[] SEC("license") = "Dual BSD/GPL";
