/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* H.Encaps.MT at the head (docs/HEAD-ENCAP.md): match the source's RoCEv2
 * packets of a group, make the inner SA the Proxy Address (ICRC and UDP
 * checksum updated incrementally), push the group's outer IPv6 + SRH template
 * and hand the outer packet back to the kernel to route. */
#ifndef ENDMT_BPF_ENCAP_H
#define ENDMT_BPF_ENCAP_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "endmt/maps.h"
#include "endmt/roce.h"
#include "endmt/srh.h"
#include "lib/icrc.h"
#include "lib/parse.h"
#include "lib/stats.h"

/* The ICRC is stored little-endian; loading its 4 octets into a __u32 gives
 * the stored value as-is only on a little-endian target (bpfel). */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ICRC load assumes bpfel");

#define ENDMT_HEAD_L3_OFF   ETH_HLEN
#define ENDMT_HEAD_SA_OFF   (ETH_HLEN + ENDMT_IP6_OFF_SADDR)
#define ENDMT_HEAD_UDP_OFF  (ETH_HLEN + ENDMT_IP6_HLEN)
#define ENDMT_HEAD_CSUM_OFF (ENDMT_HEAD_UDP_OFF + 6)
/* Shortest RoCEv2 UDP datagram: UDP + BTH + ICRC. */
#define ENDMT_HEAD_MIN_ULEN (ENDMT_UDP_HLEN + sizeof(struct endmt_bth) + ENDMT_ICRC_LEN)
#define ENDMT_IP6_MAX_PLEN  0xffff
/* Ethernet + IPv6 + UDP + BTH: what the match reads directly. */
#define ENDMT_HEAD_PULL_LEN (ETH_HLEN + ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + \
			     sizeof(struct endmt_bth))

/* MTU rule: the encapsulated packet must fit the MTU of the device the head
 * sees the packet on (tests pick that device through the test-run ctx
 * ifindex). */
static __always_inline int endmt_head_mtu_ok(struct __sk_buff *skb, __u32 grow)
{
	__u32 mtu_len = 0;

	/* ifindex 0: skb->dev, i.e. the source-facing device the head is
	 * attached to (the rule in docs/HEAD-ENCAP.md).  Non-zero return is
	 * BPF_MTU_CHK_RET_FRAG_NEEDED (or an error): too big either way. */
	return bpf_check_mtu(skb, 0, &mtu_len, (__s32)grow, 0) == BPF_MTU_CHK_RET_SUCCESS;
}

static __always_inline int endmt_head_is_proxy(const __u8 *da)
{
	struct endmt_proxy_key pk;

	__builtin_memcpy(pk.addr, da, 16);
	return bpf_map_lookup_elem(&endmt_proxies, &pk) != NULL;
}

/* endmt_head_encap() either ends the run (a counted drop verdict) or
 * returns one of these and leaves the verdict to its caller. */
#define ENDMT_HEAD_NOT_GROUP (-1)	/* not a group packet: untouched */
#define ENDMT_HEAD_ENCAPPED  (-2)	/* outer headers pushed */

/* Returns TC_ACT_SHOT (counted), ENDMT_HEAD_NOT_GROUP or ENDMT_HEAD_ENCAPPED. */
static __always_inline int endmt_head_encap(struct __sk_buff *skb)
{
	struct endmt_cursor c;
	struct endmt_group_key key = {};
	struct endmt_encap *tmpl;
	struct endmt_group *grp;
	struct endmt_bth *bth;
	struct ipv6hdr *ip6;
	struct ethhdr *eth;
	struct udphdr *udp;
	__u8 old_sa[16];
	const __u64 *src;
	__u32 plen, ulen, elen, icrc_off, icrc_old, icrc_new, raw, hdr0, tail;
	__be32 first;
	__u64 sz;
	__u16 opl;
	__u8 tclass;
	int has_csum;

	/* The headers may not be in the linear part (AF_PACKET, GRO, drivers
	 * with header split give skbs with only the Ethernet header linear):
	 * pull what the match reads.  A shorter packet is parsed as far as it
	 * goes; the parsers bound-check. */
	if (skb->data + ENDMT_HEAD_PULL_LEN > skb->data_end)
		bpf_skb_pull_data(skb, skb->len < ENDMT_HEAD_PULL_LEN ?
				       skb->len : ENDMT_HEAD_PULL_LEN);
	c.pos = (void *)(long)skb->data;
	c.end = (void *)(long)skb->data_end;

	eth = endmt_parse_eth(&c);
	if (!eth || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return ENDMT_HEAD_NOT_GROUP;
	/* An IPv6 header we cannot read, or extension headers before UDP:
	 * RoCEv2 sources never send those, so it is not a group packet. */
	ip6 = endmt_parse_ip6(&c);
	if (!ip6 || ip6->nexthdr != ENDMT_NEXTHDR_UDP)
		return ENDMT_HEAD_NOT_GROUP;
	udp = endmt_parse_udp(&c);
	if (!udp || udp->dest != bpf_htons(ENDMT_ROCE_PORT))
		return ENDMT_HEAD_NOT_GROUP;
	bth = endmt_parse_bth(&c);
	if (!bth) {
		/* Claims RoCEv2 but the BTH (and so the DestQPN that names the
		 * group) is cut.  To a Proxy Address it can only be a broken
		 * group packet: forwarding it unencapsulated would leak it
		 * toward the Proxy Address, so drop.  Elsewhere: not ours. */
		if (endmt_head_is_proxy(ip6->daddr.in6_u.u6_addr8))
			return endmt_verdict(ENDMT_STAT_DROP_HEAD_MALFORMED, TC_ACT_SHOT);
		return ENDMT_HEAD_NOT_GROUP;
	}

	__builtin_memcpy(key.proxy, ip6->daddr.in6_u.u6_addr8, 16);
	key.dqpn = bpf_ntohl(bth->fb_dqpn) & ENDMT_BTH_QPN_MASK;
	tmpl = bpf_map_lookup_elem(&endmt_encap, &key);
	if (!tmpl)
		return ENDMT_HEAD_NOT_GROUP;
	grp = bpf_map_lookup_elem(&endmt_groups, &key);
	if (!grp)
		/* Half-configured group (template without its group): sending
		 * it on unencapsulated would leak it, so drop until fixed. */
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_NO_GROUP, TC_ACT_SHOT);

	/* From here the packet is the group's: every inconsistency drops.
	 * The ICRC sits at the end of the IPv6 payload, which must be in the
	 * packet (skb->len: the tail may be outside the linear part) and agree with the UDP length; RoCEv2 datagrams are a multiple
	 * of 4 octets (BTH PadCnt), which also keeps the ICRC 16-bit aligned
	 * for the UDP checksum update.  A GSO (GRO-merged) skb is several
	 * datagrams with one ICRC each; the head cannot rewrite them. */
	plen = bpf_ntohs(ip6->payload_len);
	ulen = bpf_ntohs(udp->len);
	if (plen != ulen || plen < ENDMT_HEAD_MIN_ULEN ||
	    ENDMT_HEAD_UDP_OFF + plen > skb->len || skb->gso_size)
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_MALFORMED, TC_ACT_SHOT);
	/* IBTA pads to 4 (BTH PadCnt): UDP length - 8 is a multiple of 4, and
	 * the UDP checksum update needs the ICRC 16-bit aligned. */
	if (plen & 3)
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_UNPADDED, TC_ACT_SHOT);
	/* SEND and WRITE only (docs/HEAD-ENCAP.md): a READ or ATOMIC request
	 * to many receivers gets many responses and the source's QP can take
	 * one; the reverse path drops them, and the source would hang until
	 * its retry count runs out.  A drop it sees at once is better. */
	if (!endmt_op_multicastable(bth->opcode))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_OPCODE, TC_ACT_SHOT);
	/* Only the group's source may use it (spoofing the Proxy would reach
	 * every receiver); an all-zero src_addr means "not configured". */
	src = (const __u64 *)grp->src_addr;
	if ((src[0] | src[1]) && !endmt_ip6_eq(src, ip6->saddr.in6_u.u6_addr8))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_SRC, TC_ACT_SHOT);

	elen = tmpl->len;
	if (elen < ENDMT_IP6_HLEN + sizeof(struct endmt_srh) || elen > ENDMT_MAX_ENCAP)
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	/* The outer payload length is 16 bits (no jumbograms) and the result
	 * must fit the MTU (docs/HEAD-ENCAP.md). */
	if (elen + plen > ENDMT_IP6_MAX_PLEN ||
	    !endmt_head_mtu_ok(skb, elen))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_MTU, TC_ACT_SHOT);

	/* Read everything the rewrite needs before the first write (writes
	 * invalidate packet pointers). */
	__builtin_memcpy(old_sa, ip6->saddr.in6_u.u6_addr8, 16);
	first = *(__be32 *)ip6;
	tclass = (__u8)(bpf_ntohl(first) >> 20);
	has_csum = udp->check != 0;
	icrc_off = ENDMT_HEAD_UDP_OFF + plen - ENDMT_ICRC_LEN;
	if (bpf_skb_load_bytes(skb, icrc_off, &icrc_old, 4))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_MALFORMED, TC_ACT_SHOT);

	/* ICRC: the window is the SA; after it come the DA and the UDP
	 * datagram up to the ICRC.  plen <= 0xffff - 48 here, so the tail is
	 * within endmt_crc32_x8n's range. */
	tail = 16 + plen - ENDMT_ICRC_LEN;
	raw = endmt_icrc_delta_raw(old_sa, key.proxy, 16);
	icrc_new = endmt_icrc_apply(icrc_old, raw, endmt_crc32_x8n(tail & ENDMT_ICRC_MAX_TAIL));

	if (bpf_skb_store_bytes(skb, ENDMT_HEAD_SA_OFF, key.proxy, 16, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, icrc_off, &icrc_new, 4, BPF_F_RECOMPUTE_CSUM))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	if (has_csum) {
		/* UDP checksum covers the SA (pseudo header) and the ICRC
		 * (payload).  MARK_MANGLED_0: a result of 0 is sent as 0xffff,
		 * 0 meaning "no checksum". */
		__s64 d = bpf_csum_diff((__be32 *)old_sa, 16, (__be32 *)key.proxy, 16, 0);

		if (d < 0 ||
		    bpf_l4_csum_replace(skb, ENDMT_HEAD_CSUM_OFF, 0, (__u32)d,
					BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0) ||
		    bpf_l4_csum_replace(skb, ENDMT_HEAD_CSUM_OFF, icrc_old, icrc_new,
					4 | BPF_F_MARK_MANGLED_0))
			return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	}

	/* Room between Ethernet and the inner IPv6, flagged as IPv6-in-IPv6 so
	 * the stack sees an encapsulated skb (inner headers recorded). */
	if (bpf_skb_adjust_room(skb, (__s32)elen, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_ENCAP_L3_IPV6))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);

	/* The map value may change under us (CLI update): re-check the length
	 * we grew by against what we copy, so the headers stay consistent. */
	tmpl = bpf_map_lookup_elem(&endmt_encap, &key);
	if (!tmpl || tmpl->len != elen)
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	/* Bound the size again on the very register passed to the helper, as
	 * a 64-bit value: clang checks a zero-extended copy of a __u32 instead
	 * ("R4 invalid zero-sized read: u64=[0,65535]"). */
	sz = elen;
	asm volatile("" : "+r"(sz));
	if (sz < ENDMT_IP6_HLEN || sz > ENDMT_MAX_ENCAP)
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	if (bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF, tmpl->hdr, sz, BPF_F_RECOMPUTE_CSUM))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);

	/* Outer Traffic Class := inner (DSCP selects the lossless class in a
	 * RoCE fabric; ECN must reach the edge, RFC 6040 normal mode); flow
	 * label and the rest from the template.  Payload length: SRH + inner. */
	hdr0 = bpf_ntohl(*(__be32 *)tmpl->hdr);
	hdr0 = (hdr0 & 0xf00fffffu) | ((__u32)tclass << 20);
	first = bpf_htonl(hdr0);
	opl = bpf_htons((__u16)(elen + plen));
	if (bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF, &first, 4, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF + 4, &opl, 2, BPF_F_RECOMPUTE_CSUM))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);

	return ENDMT_HEAD_ENCAPPED;
}

#endif /* ENDMT_BPF_ENCAP_H */
