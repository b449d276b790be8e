// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Edge node, XDP fan-out (include/endmt/fanout.h): the devmap program of
 * one receiver slot, and the agent's next-hop probe.
 *
 * The agent loads this object once per slot in use, cfg_slot set before
 * load, and puts instance i's endmt_edge_slot into devmap entry i of every
 * group's devmap: the kernel gives a devmap program no key, so the slot
 * number travels in the program itself.  Maps are the node's pinned ones
 * (maps/endmt_maps.h, by name under the pin root). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps/endmt_maps.h"
#include "dp/stats.h"
#include "dp/edge_fanout.h"

#ifndef AF_INET6
#define AF_INET6 10
#endif

const volatile __u32 cfg_slot = 0;

SEC("xdp/devmap")
int endmt_edge_slot(struct xdp_md *ctx)
{
	return endmt_fanout_copy(ctx, cfg_slot);
}

/* The FIB's answer for the probe's addresses from the ingress device,
 * tot_len octets long (0: no MTU check). */
static __always_inline long probe_fib(struct xdp_md *ctx, const struct endmt_nh_probe *p,
				      __u16 tot_len, struct bpf_fib_lookup *f)
{
	__builtin_memset(f, 0, sizeof(*f));
	f->family = AF_INET6;
	f->ifindex = ctx->ingress_ifindex;
	__builtin_memcpy(f->ipv6_dst, p->daddr, 16);
	__builtin_memcpy(f->ipv6_src, p->saddr, 16);
	f->tot_len = tot_len;
	return bpf_fib_lookup(ctx, f, sizeof(*f), 0);
}

/* Test-run by the agent with a struct endmt_nh_probe as the packet and the
 * edge's ingress device as ctx->ingress_ifindex: the FIB answers the question
 * the TC path's endmt_fib6() asks (bpf/dp/send.h), from the same device.
 * A first lookup with the longest length learns the route's MTU (the
 * helper reports it only when the length exceeds it). */
SEC("xdp")
int endmt_nh_probe(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct endmt_nh_probe *p = data;
	struct bpf_fib_lookup f;
	long rc;

	if ((void *)(p + 1) > end)
		return XDP_ABORTED;
	rc = probe_fib(ctx, p, 0xffff, &f);
	p->mtu = rc == BPF_FIB_LKUP_RET_FRAG_NEEDED ? f.mtu_result : 0xffff;
	rc = probe_fib(ctx, p, 0, &f);
	p->rc = (__s32)rc;
	p->ifindex = f.ifindex;
	__builtin_memcpy(p->smac, f.smac, ETH_ALEN);
	__builtin_memcpy(p->dmac, f.dmac, ETH_ALEN);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
