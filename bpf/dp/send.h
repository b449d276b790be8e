/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* How a copy leaves a TC program (edge, transit, head): the IPv6 next-hop
 * lookup (one small wrapper around bpf_fib_lookup, so every caller asks the
 * same question the same way), endmt_send() (clone-redirect, or the slow
 * path through the stack) and endmt_slow_path_rx(), where a slow-path copy
 * comes back. */
#ifndef ENDMT_DP_SEND_H
#define ENDMT_DP_SEND_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "dp/stats.h"

#ifndef AF_INET6
#define AF_INET6 10
#endif
#ifndef PACKET_HOST
#define PACKET_HOST 0		/* linux/if_packet.h */
#endif
#ifndef PACKET_OTHERHOST
#define PACKET_OTHERHOST 3	/* linux/if_packet.h */
#endif

/* skb mark of a slow-path copy between endmt_send() and its return to TC
 * ingress (endmt_slow_path_rx()), where it is cleared.  An operator's own
 * marks on that ingress device must not use this value. */
#define ENDMT_SLOW_MARK 0x656d7401u	/* "emt" 1 */

struct endmt_nexthop {
	__u32 ifindex;			/* egress device */
	/* In the frame's order, so one store writes both: the next hop's
	 * address (valid on SUCCESS), the egress device's. */
	__u8 eth[2 * ETH_ALEN];
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
		__builtin_memcpy(nh->eth, p.dmac, ETH_ALEN);
		__builtin_memcpy(nh->eth + ETH_ALEN, p.smac, ETH_ALEN);
	}
	return rc;
}

/* Counts the outcome of sending one copy (or the chain packet), an event.
 * Shared by the edge (bpf/dp/edge_replicate.h) and RFC 9524 replication
 * (bpf/dp/repl_segment.h): every replicated copy leaves the same way.
 * hl_off/hl: where the hop limit is and its value as received.  Sent by
 * us: hl - 1.  Handed to the stack: hl, since its forwarding decrements.
 * now (NULL: none): what the frame holds now at hl_off and in its Ethernet
 * header (struct endmt_frame_now), kept up to date here; a store of octets
 * already there is skipped.  For a sender of many copies of one packet:
 * after the first copy to a next hop the hop limit and MACs are in place,
 * so the next copies behind it store nothing here. */
static __always_inline void endmt_send_now(struct __sk_buff *skb, const __u8 *daddr,
					   const __u8 *saddr, const __u8 *eth_orig,
					   __u32 hl_off, __u8 hl, enum endmt_stat ok,
					   struct endmt_frame_now *now)
{
	struct endmt_nexthop nh = {};
	int rc = endmt_fib6(skb, daddr, saddr, &nh);

	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		/* We forward it, so we decrement (the slow path's stack does
		 * that itself).  Clones keep the Ethernet header we give
		 * them: with the wrong MACs the peer drops the copy. */
		__u8 nhl = hl - 1;
		int skip = 0;

		if (now && now->valid && now->hl == nhl) {
			__u64 e0, e1;
			__u32 f0, f1;

			__builtin_memcpy(&e0, now->eth, 8);
			__builtin_memcpy(&f0, now->eth + 8, 4);
			__builtin_memcpy(&e1, nh.eth, 8);
			__builtin_memcpy(&f1, nh.eth + 8, 4);
			skip = e0 == e1 && f0 == f1;
		}
		if (!skip) {
			if (now)
				now->valid = 0;	/* until both stores are done */
			if (bpf_skb_store_bytes(skb, hl_off, &nhl, 1, 0) ||
			    bpf_skb_store_bytes(skb, 0, nh.eth, sizeof(nh.eth), 0)) {
				endmt_event(ENDMT_STAT_DROP_CLONE);
				return;
			}
			if (now) {
				__builtin_memcpy(now->eth, nh.eth, sizeof(nh.eth));
				now->hl = nhl;
				now->valid = 1;
			}
		}
		if (bpf_clone_redirect(skb, nh.ifindex, 0) < 0)
			endmt_event(ENDMT_STAT_DROP_CLONE);
		else
			endmt_event(ok);
	} else if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		/* Do not lose the copy: the stack resolves the neighbour and
		 * forwards it.  Ingress redirect does not rerun native XDP;
		 * the clone comes back to the TC program that sent it, marked,
		 * and endmt_slow_path_rx() hands it on.  The received MACs go
		 * back, but they do not make it a frame for this host: on a
		 * multicast SID the destination MAC is 33:33:..., the ingress
		 * path re-derives pkt_type from it (PACKET_MULTICAST) and
		 * ip6_forward() drops anything not PACKET_HOST, silently (the
		 * copy never reached a neighbour lookup).  The mark lets
		 * endmt_slow_path_rx() fix pkt_type; it cannot be set here,
		 * the redirect recomputes it.  The mark rides on the skb
		 * during the clone only. */
		__u32 mark = skb->mark;
		long err;

		if (now)
			now->valid = 0;	/* rare: store both, do not track */
		skb->mark = ENDMT_SLOW_MARK;
		err = bpf_skb_store_bytes(skb, hl_off, &hl, 1, 0) ||
		      bpf_skb_store_bytes(skb, 0, eth_orig, ETH_ALEN * 2, 0) ||
		      bpf_clone_redirect(skb, skb->ifindex, BPF_F_INGRESS) < 0;
		skb->mark = mark;
		if (err)
			endmt_event(ENDMT_STAT_DROP_CLONE);
		else
			endmt_event(ENDMT_STAT_FWD_NEIGH_SLOW);
	} else if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		endmt_event(ENDMT_STAT_FWD_MTU);
	} else {
		/* blackhole/unreachable/prohibit/not forwarded/forwarding off */
		endmt_event(ENDMT_STAT_FWD_NO_ROUTE);
	}
}

/* One copy of its own (the chain packet, RFC 9524 replication): every
 * store is done. */
static __always_inline void endmt_send(struct __sk_buff *skb, const __u8 *daddr,
				       const __u8 *saddr, const __u8 *eth_orig,
				       __u32 hl_off, __u8 hl, enum endmt_stat ok)
{
	endmt_send_now(skb, daddr, saddr, eth_orig, hl_off, hl, ok, NULL);
}

/* A slow-path copy of endmt_send() back at this device's TC ingress (any
 * endmt TC program that calls endmt_send() runs this first).  The redirect
 * set pkt_type from the destination MAC; make it PACKET_HOST so the stack
 * routes the copy (hop limit - 1, neighbour discovery, the copy queued on
 * the neighbour until it resolves) instead of dropping it as not for this
 * host.  Returns a TC verdict, or -1 for every other packet. */
static __always_inline int endmt_slow_path_rx(struct __sk_buff *skb)
{
	if (skb->mark != ENDMT_SLOW_MARK)
		return -1;
	skb->mark = 0;		/* ours, not the operator's */
	if (skb->pkt_type != PACKET_HOST && bpf_skb_change_type(skb, PACKET_HOST))
		return endmt_verdict(ENDMT_STAT_DROP_SLOW_TYPE, TC_ACT_SHOT);
	return endmt_verdict(ENDMT_STAT_FWD_SLOW_RX, TC_ACT_OK);
}

#endif /* ENDMT_DP_SEND_H */
