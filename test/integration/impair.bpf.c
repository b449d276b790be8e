// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Test-only link impairment (TC egress), because the host kernel has no
 * netem (CONFIG_NET_SCH_NETEM is off; HTB, TBF and cls_bpf are on).  Never
 * part of the production objects: the integration scripts compile it with
 * -D knobs (parts per million) and attach it with `tc filter ... egress bpf da`.
 *
 *   LOSS_PPM     drop
 *   CE_PPM       set ECN CE on ECT packets (as an AQM would mark them)
 *   DUP_PPM      send a second copy (bpf_clone_redirect to this device)
 *   REORDER_PPM  put the packet into HTB class SLOW_CLASS, a slow class of the
 *                root HTB the script creates: later packets in the fast class
 *                overtake it, which is how netem's reordering looks on the wire
 *   BURST_AT, BURST_LEN
 *                count the packets this program sees (ICMPv6 not counted) from
 *                0 and drop packets BURST_AT .. BURST_AT + BURST_LEN - 1: one
 *                deterministic loss burst, for conditions a test must create
 *                whatever the timing (e.g. every response to a whole send
 *                window lost, so the requester times out and resends packets
 *                the responder already has)
 *
 *   REORDER_WINDOW_US
 *                every packet sent in the first REORDER_WINDOW_US of every 10 ms
 *                goes into the slow class: a burst that waits there behind
 *                itself while the packets after it overtake it, a bounded,
 *                steady reordering (the host has no fq or netem to hold a
 *                packet back by a time; REORDER_PPM's lone packets rarely
 *                wait when the slow class is idle)
 *   BURST_COLOUR 0 or 1: the burst counts and drops only packets whose
 *                outer header is followed by an RFC 9343 Destination Options
 *                header whose first option is an AltMark of that colour (L),
 *                so exactly BURST_LEN packets of one colour are lost in one
 *                period (docs/PM.md); unset (-1): every packet counts
 *
 * ICMPv6 is never touched, so neighbour discovery keeps working.  Only the
 * first IPv6 header is read and written; SRv6-encapsulated packets are
 * impaired as a whole, and CE goes into the OUTER header (the inner one is
 * never touched), as a congested transit router marks a tunnelled packet:
 * the edge must carry it to the inner packet on decapsulation (RFC 6040).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef LOSS_PPM
#define LOSS_PPM 0
#endif
#ifndef CE_PPM
#define CE_PPM 0
#endif
#ifndef DUP_PPM
#define DUP_PPM 0
#endif
#ifndef REORDER_PPM
#define REORDER_PPM 0
#endif
#ifndef SLOW_CLASS
#define SLOW_CLASS 0x00010020	/* HTB class 1:20 */
#endif
#ifndef BURST_AT
#define BURST_AT 0
#endif
#ifndef BURST_LEN
#define BURST_LEN 0
#endif
#ifndef REORDER_WINDOW_US
#define REORDER_WINDOW_US 0
#endif
#ifndef BURST_COLOUR
#define BURST_COLOUR (-1)
#endif
#define DUP_MARK 0x1d0f5eed	/* the copy passes this program untouched */

/* Packets seen, for the bursts (one program per device: its own counter). */
__u64 seen;

static __always_inline int chance(__u32 ppm)
{
	return ppm && bpf_get_prandom_u32() % 1000000 < ppm;
}

SEC("tc")
int impair(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	__u8 b1;

	if ((void *)(ip6 + 1) > end || eth->h_proto != bpf_htons(ETH_P_IPV6) ||
	    ip6->nexthdr == IPPROTO_ICMPV6)
		return TC_ACT_OK;
	if (skb->mark == DUP_MARK) {
		skb->mark = 0;
		return TC_ACT_OK;
	}
	if (BURST_LEN && BURST_COLOUR >= 0) {
		/* Destination Options, then AltMark (0x12, 4) as the option
		 * right after its 2 octets: the layout endmt's head sends. */
		__u8 *d = (__u8 *)(ip6 + 1);

		if (ip6->nexthdr == 60 && (void *)(d + 8) <= end && d[2] == 0x12 && d[3] == 4 &&
		    !!(d[6] & 0x08) == BURST_COLOUR &&
		    __sync_fetch_and_add(&seen, 1) - BURST_AT < (__u64)BURST_LEN)
			return TC_ACT_SHOT;
	} else if (BURST_LEN && __sync_fetch_and_add(&seen, 1) - BURST_AT < (__u64)BURST_LEN) {
		return TC_ACT_SHOT;
	}
	if (chance(LOSS_PPM))
		return TC_ACT_SHOT;
	/* ECN is the low two bits of the Traffic Class: bits 5:4 of octet 1. */
	b1 = ip6->flow_lbl[0];
	if ((b1 & 0x30) && (b1 & 0x30) != 0x30 && chance(CE_PPM)) {
		b1 |= 0x30;
		bpf_skb_store_bytes(skb, ETH_HLEN + 1, &b1, 1, 0);
	}
	if (chance(DUP_PPM)) {
		skb->mark = DUP_MARK;
		bpf_clone_redirect(skb, skb->ifindex, 0);
		skb->mark = 0;
	}
	if (chance(REORDER_PPM))
		skb->priority = SLOW_CLASS;
	if (REORDER_WINDOW_US && bpf_ktime_get_ns() % 10000000 < (__u64)REORDER_WINDOW_US * 1000)
		skb->priority = SLOW_CLASS;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
