/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* IPv6 next-hop lookup for TC programs: one small wrapper around
 * bpf_fib_lookup so every caller asks the same question the same way and
 * tests (or other roles) can reuse it.  The result says where to send a
 * packet and with which MAC addresses. */
#ifndef ENDMT_BPF_FIB_H
#define ENDMT_BPF_FIB_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#ifndef AF_INET6
#define AF_INET6 10
#endif

struct endmt_nexthop {
	__u32 ifindex;			/* egress device */
	__u8 smac[ETH_ALEN];		/* egress device's address */
	__u8 dmac[ETH_ALEN];		/* next hop's address (valid on SUCCESS) */
};

/* Looks up the route to daddr for a packet from saddr that arrived on
 * skb's device.  Returns a BPF_FIB_LKUP_RET_* code (SUCCESS: nh filled in;
 * NO_NEIGH: route exists, neighbour not resolved yet) or a negative errno
 * from the helper.  tot_len 0 lets the helper check the skb's own length
 * against the egress MTU (FRAG_NEEDED). */
static __always_inline int endmt_fib6(struct __sk_buff *skb, const __u8 *daddr,
				      const __u8 *saddr, struct endmt_nexthop *nh)
{
	struct bpf_fib_lookup p = {};
	int rc;

	p.family = AF_INET6;
	p.ifindex = skb->ifindex;
	__builtin_memcpy(p.ipv6_dst, daddr, 16);
	__builtin_memcpy(p.ipv6_src, saddr, 16);
	rc = bpf_fib_lookup(skb, &p, sizeof(p), 0);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		nh->ifindex = p.ifindex;
		__builtin_memcpy(nh->smac, p.smac, ETH_ALEN);
		__builtin_memcpy(nh->dmac, p.dmac, ETH_ALEN);
	}
	return rc;
}

#endif /* ENDMT_BPF_FIB_H */
