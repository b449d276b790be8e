/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* H.Encaps.MT at the head (docs/HEAD-ENCAP.md): match the source's RoCEv2
 * packets of a group, make the inner SA the Proxy Address (ICRC and UDP
 * checksum updated incrementally), push the group's outer IPv6 + SRH template
 * and hand the outer packet back to the kernel to route. */
#ifndef ENDMT_DP_HEAD_ENCAP_H
#define ENDMT_DP_HEAD_ENCAP_H

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
#include "dp/icrc.h"
#include "dp/parse.h"
#include "dp/stats.h"
#include "dp/data_psn.h"
#include "dp/tm_trace.h"
#include "dp/pm_mark.h"

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

/* The head's steps return a counted drop verdict, or -1: go on. */
#define ENDMT_HEAD_GO_ON     (-1)
/* endmt_head_match(), and endmt_head_encap(): not a group packet, untouched. */
#define ENDMT_HEAD_NOT_GROUP (-2)
/* endmt_head_encap(): outer headers pushed, the verdict is the caller's. */
#define ENDMT_HEAD_ENCAPPED  ENDMT_HEAD_GO_ON

/* A group packet as the steps pass it on, on the program's stack. */
struct endmt_head_pkt {
	struct endmt_group_key key;	/* inner DA (the Proxy Address), DestQPN */
	__u8 old_sa[16];		/* inner SA as received */
	__u32 plen;			/* inner IPv6 payload length = UDP length */
	__u32 elen;			/* template length */
	__u32 icrc_old;			/* ICRC as received (stored little-endian) */
	__u32 psn;			/* BTH PSN (the source's) */
	__u32 tm_len;			/* octets of the IOAM trace's Hop-by-Hop
					 * header this packet gets, 0: none */
	__u32 pm_len;			/* octets of the alternate mark's Destination
					 * Options header, 0: unmarked */
	__u32 pm_flow;			/* its FlowMonID */
	__u8 tclass;			/* inner Traffic Class */
	__u8 has_csum;			/* inner UDP checksum in use */
	__u8 tm_slots;			/* its node entries */
	__u8 pm_colour;			/* L */
	__u8 pm_dmark;			/* D */
};

/* Packet pointers of the match, valid until the first write. */
struct endmt_head_hdrs {
	struct ipv6hdr *ip6;
	struct udphdr *udp;
	struct endmt_bth *bth;
	struct endmt_encap *tmpl;
	struct endmt_group *grp;
};

/* Match: a RoCEv2 packet to a Proxy Address and DestQPN with a template.
 * Returns ENDMT_HEAD_NOT_GROUP, a drop verdict, or -1 with h and p->key
 * filled in. */
static __always_inline int endmt_head_match(struct __sk_buff *skb, struct endmt_head_hdrs *h,
					    struct endmt_head_pkt *p)
{
	struct endmt_cursor c;
	struct ethhdr *eth;

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
	h->ip6 = endmt_parse_ip6(&c);
	if (!h->ip6 || h->ip6->nexthdr != ENDMT_NEXTHDR_UDP)
		return ENDMT_HEAD_NOT_GROUP;
	h->udp = endmt_parse_udp(&c);
	if (!h->udp || h->udp->dest != bpf_htons(ENDMT_ROCE_PORT))
		return ENDMT_HEAD_NOT_GROUP;
	h->bth = endmt_parse_bth(&c);
	if (!h->bth) {
		/* Claims RoCEv2 but the BTH (and so the DestQPN that names the
		 * group) is cut.  To a Proxy Address it can only be a broken
		 * group packet: forwarding it unencapsulated would leak it
		 * toward the Proxy Address, so drop.  Elsewhere: not ours. */
		if (endmt_head_is_proxy(h->ip6->daddr.in6_u.u6_addr8))
			return endmt_verdict(ENDMT_STAT_DROP_HEAD_MALFORMED, TC_ACT_SHOT);
		return ENDMT_HEAD_NOT_GROUP;
	}

	__builtin_memcpy(p->key.proxy, h->ip6->daddr.in6_u.u6_addr8, 16);
	p->key.dqpn = bpf_ntohl(h->bth->fb_dqpn) & ENDMT_BTH_QPN_MASK;
	h->tmpl = bpf_map_lookup_elem(&endmt_encap, &p->key);
	if (!h->tmpl)
		return ENDMT_HEAD_NOT_GROUP;
	h->grp = bpf_map_lookup_elem(&endmt_groups, &p->key);
	if (!h->grp)
		/* Half-configured group (template without its group): sending
		 * it on unencapsulated would leak it, so drop until fixed. */
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_NO_GROUP, TC_ACT_SHOT);
	return ENDMT_HEAD_GO_ON;
}

/* Alternate marking (docs/PM.md): does this packet carry an AltMark, and
 * which marks?  A marked group's packet that would not fit the MTU with
 * the 8 octets goes unmarked and uncounted (pm_mark_mtu): the mark never
 * costs a packet, and a packet the head did not count is no loss
 * downstream.  Sets p->pm_*. */
static __always_inline void endmt_head_pm_decide(struct __sk_buff *skb, struct endmt_head_pkt *p)
{
	const struct endmt_pm_cfg *cfg;
	struct endmt_pm_group *g;

	p->pm_len = 0;
	g = bpf_map_lookup_elem(&endmt_pm_groups, &p->key);
	if (!g || !g->flow || g->flow > ENDMT_PM_FLOW_MAX)
		return;
	cfg = endmt_pm_cfg();
	if (!cfg || (!cfg->period_ns && !cfg->count_period))
		return;
	if (p->elen + ENDMT_AM_DOH_LEN + p->plen > ENDMT_IP6_MAX_PLEN ||
	    !endmt_head_mtu_ok(skb, p->elen + ENDMT_AM_DOH_LEN)) {
		endmt_event(ENDMT_STAT_PM_MARK_MTU);
		return;
	}
	endmt_pm_choose(cfg, &g->st, &p->pm_colour, &p->pm_dmark);
	p->pm_flow = g->flow;
	p->pm_len = ENDMT_AM_DOH_LEN;
}

/* The AltMark's Destination Options header (include/endmt/pm.h) at
 * ENDMT_HEAD_L3_OFF + off, next header nh.  Returns 0 or -1. */
static __always_inline int endmt_head_pm_store(struct __sk_buff *skb, const struct endmt_head_pkt *p,
					       __u32 off, __u8 nh)
{
	struct endmt_am_doh d = {
		.nexthdr = nh, .hdrlen = 0,
		.opt_type = ENDMT_AM_OPT_TYPE, .opt_len = ENDMT_AM_OPT_LEN,
		.data = bpf_htonl(p->pm_flow << ENDMT_AM_FLOW_SHIFT |
				  (p->pm_colour ? ENDMT_AM_L : 0) | (p->pm_dmark ? ENDMT_AM_D : 0)),
	};

	return bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF + off, &d, sizeof(d), 0) ? -1 : 0;
}

/* Telemetry (docs/TELEMETRY.md): does this packet carry an IOAM trace?
 * The group's sampling selects by PSN, so every node agrees which packets
 * are samples; one that would not fit the MTU with the trace goes without
 * (a trace never costs a packet).  Sets p->tm_len and p->tm_slots. */
static __always_inline void endmt_head_tm_decide(struct __sk_buff *skb,
						 const struct endmt_encap *tmpl,
						 struct endmt_head_pkt *p)
{
	const struct endmt_tm_node *cfg;
	__u32 k, slots, len;

	p->tm_len = 0;
	if (tmpl->tm_sample == ENDMT_TM_OFF)
		return;
	k = tmpl->tm_sample - 1u;
	if (k > ENDMT_TM_SHIFT_MAX || (p->psn & ((1u << k) - 1)))
		return;
	cfg = endmt_tm_cfg();
	if (!cfg || !cfg->node_id)
		return;
	slots = tmpl->tm_slots;
	if (slots < 1 || slots > ENDMT_IOAM_SLOTS_MAX)
		slots = ENDMT_IOAM_SLOTS_DEF;
	len = ENDMT_IOAM_HBH_FIXED + slots * ENDMT_IOAM_NODE_OCTETS;
	if (p->elen + p->pm_len + len + p->plen > ENDMT_IP6_MAX_PLEN ||
	    !endmt_head_mtu_ok(skb, p->elen + p->pm_len + len)) {
		endmt_event(ENDMT_STAT_TM_TRACE_MTU);
		return;
	}
	p->tm_slots = (__u8)slots;
	p->tm_len = len;
}

/* Check: from here the packet is the group's and every inconsistency
 * drops.  Also reads into p everything the rewrite needs, before the first
 * write invalidates h.  Returns a drop verdict or -1. */
static __always_inline int endmt_head_check(struct __sk_buff *skb, const struct endmt_head_hdrs *h,
					    struct endmt_head_pkt *p)
{
	struct ipv6hdr *ip6 = h->ip6;
	const __u64 *src;
	__u32 ulen;

	/* The ICRC sits at the end of the IPv6 payload, which must be in the
	 * packet (skb->len: the tail may be outside the linear part) and
	 * agree with the UDP length; RoCEv2 datagrams are a multiple of 4
	 * octets (BTH PadCnt), which also keeps the ICRC 16-bit aligned for
	 * the UDP checksum update.  A GSO (GRO-merged) skb is several
	 * datagrams with one ICRC each; the head cannot rewrite them. */
	p->plen = bpf_ntohs(ip6->payload_len);
	ulen = bpf_ntohs(h->udp->len);
	if (p->plen != ulen || p->plen < ENDMT_HEAD_MIN_ULEN ||
	    ENDMT_HEAD_UDP_OFF + p->plen > skb->len || skb->gso_size)
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_MALFORMED, TC_ACT_SHOT);
	/* IBTA pads to 4 (BTH PadCnt): UDP length - 8 is a multiple of 4, and
	 * the UDP checksum update needs the ICRC 16-bit aligned. */
	if (p->plen & 3)
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_UNPADDED, TC_ACT_SHOT);
	/* SEND and WRITE only (docs/HEAD-ENCAP.md): a READ or ATOMIC request
	 * to many receivers gets many responses and the source's QP can take
	 * one; the reverse path drops them, and the source would hang until
	 * its retry count runs out.  A drop it sees at once is better. */
	if (!endmt_op_multicastable(h->bth->opcode))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_OPCODE, TC_ACT_SHOT);
	/* Only the group's source may use it (spoofing the Proxy would reach
	 * every receiver); an all-zero src_addr means "not configured". */
	src = (const __u64 *)h->grp->src_addr;
	if ((src[0] | src[1]) && !endmt_ip6_eq(src, ip6->saddr.in6_u.u6_addr8))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_SRC, TC_ACT_SHOT);

	p->elen = h->tmpl->len;
	if (p->elen < ENDMT_IP6_HLEN + sizeof(struct endmt_srh) || p->elen > ENDMT_MAX_ENCAP)
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	/* The outer payload length is 16 bits (no jumbograms) and the result
	 * must fit the MTU (docs/HEAD-ENCAP.md).  A marked packet that fits
	 * with its mark fits without: one MTU check for it. */
	p->psn = bpf_ntohl(h->bth->ar_psn) & ENDMT_BTH_PSN_MASK;
	endmt_head_pm_decide(skb, p);
	if (!p->pm_len && (p->elen + p->plen > ENDMT_IP6_MAX_PLEN ||
			   !endmt_head_mtu_ok(skb, p->elen)))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_MTU, TC_ACT_SHOT);

	/* Read everything the rewrite needs before the first write (writes
	 * invalidate packet pointers). */
	__builtin_memcpy(p->old_sa, ip6->saddr.in6_u.u6_addr8, 16);
	p->tclass = (__u8)(bpf_ntohl(*(__be32 *)ip6) >> 20);
	p->has_csum = h->udp->check != 0;
	endmt_head_tm_decide(skb, h->tmpl, p);
	if (bpf_skb_load_bytes(skb, ENDMT_HEAD_UDP_OFF + p->plen - ENDMT_ICRC_LEN,
			       &p->icrc_old, 4))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_MALFORMED, TC_ACT_SHOT);
	return ENDMT_HEAD_GO_ON;
}

/* Rewrite inner: SA := Proxy Address, with the ICRC and the UDP checksum
 * updated incrementally.  Returns a drop verdict or -1. */
static __always_inline int endmt_head_rewrite_inner(struct __sk_buff *skb,
						    const struct endmt_head_pkt *p)
{
	__u32 icrc_off = ENDMT_HEAD_UDP_OFF + p->plen - ENDMT_ICRC_LEN, raw, tail, icrc_new;

	/* ICRC: the window is the SA; after it come the DA and the UDP
	 * datagram up to the ICRC.  plen <= 0xffff - 48 here, so the tail is
	 * within endmt_crc32_x8n's range. */
	tail = 16 + p->plen - ENDMT_ICRC_LEN;
	raw = endmt_icrc_delta_raw(p->old_sa, p->key.proxy, 16);
	icrc_new = endmt_icrc_apply(p->icrc_old, raw, endmt_crc32_x8n(tail & ENDMT_ICRC_MAX_TAIL));

	if (bpf_skb_store_bytes(skb, ENDMT_HEAD_SA_OFF, p->key.proxy, 16, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, icrc_off, &icrc_new, 4, BPF_F_RECOMPUTE_CSUM))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	if (p->has_csum) {
		/* UDP checksum covers the SA (pseudo header) and the ICRC
		 * (payload).  MARK_MANGLED_0: a result of 0 is sent as 0xffff,
		 * 0 meaning "no checksum". */
		__s64 d = bpf_csum_diff((__be32 *)p->old_sa, 16, (__be32 *)p->key.proxy, 16, 0);

		if (d < 0 ||
		    bpf_l4_csum_replace(skb, ENDMT_HEAD_CSUM_OFF, 0, (__u32)d,
					BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0) ||
		    bpf_l4_csum_replace(skb, ENDMT_HEAD_CSUM_OFF, p->icrc_old, icrc_new,
					4 | BPF_F_MARK_MANGLED_0))
			return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	}
	return ENDMT_HEAD_GO_ON;
}

/* The traced form of the template (room for sz + p->tm_len octets made
 * at ENDMT_HEAD_L3_OFF): outer IPv6 with Next Header Hop-by-Hop, the
 * trace's header (include/endmt/ioam.h; built in the scratch) with the
 * head's entry in the last slot, then the template's SRH.  Returns 0 or
 * -1. */
static __always_inline int endmt_head_tm_push(struct __sk_buff *skb, const struct endmt_encap *tmpl,
					      const struct endmt_head_pkt *p, __u64 sz)
{
	const struct endmt_tm_node *cfg = endmt_tm_cfg();
	struct endmt_tm_scratch *sc;
	struct endmt_ioam_node *e;
	__u32 zero = 0, slots = p->tm_slots, data = slots * ENDMT_IOAM_NODE_OCTETS, rem, hw;
	__u64 rest = sz - ENDMT_IP6_HLEN, hlen = p->tm_len;
	__u8 nh = ENDMT_NEXTHDR_HOP;

	sc = bpf_map_lookup_elem(&endmt_tm_scratch, &zero);
	if (!sc || !cfg || slots < 1 || slots > ENDMT_IOAM_SLOTS_MAX)
		return -1;
	__builtin_memset(sc->hbh, 0, ENDMT_IOAM_HBH_MAX);
	/* Next Header: the AltMark's Destination Options, or the SRH */
	sc->hbh[0] = p->pm_len ? ENDMT_NEXTHDR_DSTOPTS : tmpl->hdr[6];
	sc->hbh[1] = (__u8)(p->tm_len / 8 - 1);
	sc->hbh[2] = 1;					/* PadN, 0 octets */
	sc->hbh[4] = ENDMT_IPV6_OPT_IOAM;
	sc->hbh[5] = (__u8)(2 + 8 + data);		/* Opt Data Len */
	sc->hbh[7] = ENDMT_IOAM_OPT_PREALLOC;
	sc->hbh[8] = (__u8)(cfg->ns_id >> 8);
	sc->hbh[9] = (__u8)cfg->ns_id;
	/* NodeLen, Flags 0, RemainingLen after the head's own entry. */
	rem = (slots - 1) * ENDMT_IOAM_NODE_LEN;
	hw = (ENDMT_IOAM_NODE_LEN << 11) | rem;
	sc->hbh[10] = (__u8)(hw >> 8);
	sc->hbh[11] = (__u8)hw;
	sc->hbh[12] = (__u8)(ENDMT_IOAM_TRACE_TYPE >> 16);
	sc->hbh[13] = (__u8)(ENDMT_IOAM_TRACE_TYPE >> 8);
	sc->hbh[14] = (__u8)ENDMT_IOAM_TRACE_TYPE;
	e = (struct endmt_ioam_node *)&sc->hbh[ENDMT_IOAM_HBH_FIXED +
					       ((slots - 1) & (ENDMT_IOAM_SLOTS_MAX - 1)) *
					       ENDMT_IOAM_NODE_OCTETS];
	/* The source's device in, the egress the kernel's routing picks
	 * (unknown here, and possibly many: a fork). */
	endmt_tm_entry(e, cfg, tmpl->hdr[7], skb->ifindex, 0);

	/* Each length bounded right before its helper call, on the register
	 * passed: 6.1's verifier checks a spilled copy and loses the bound
	 * across the calls in between ("R4 min value is outside of the
	 * allowed memory range"). */
	if (bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF, tmpl->hdr, ENDMT_IP6_HLEN, 0) ||
	    bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF + 6, &nh, 1, 0))
		return -1;
	asm volatile("" : "+r"(hlen));
	if (hlen < ENDMT_IOAM_HBH_FIXED || hlen > ENDMT_IOAM_HBH_MAX)
		return -1;
	if (bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF + ENDMT_IP6_HLEN, sc->hbh, hlen, 0))
		return -1;
	if (p->pm_len &&
	    endmt_head_pm_store(skb, p, ENDMT_IP6_HLEN + p->tm_len, tmpl->hdr[6]))
		return -1;
	asm volatile("" : "+r"(rest));
	if (rest < 8 || rest > ENDMT_MAX_ENCAP - ENDMT_IP6_HLEN)
		return -1;
	if (bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF + ENDMT_IP6_HLEN + p->tm_len + p->pm_len,
				tmpl->hdr + ENDMT_IP6_HLEN, rest, BPF_F_RECOMPUTE_CSUM))
		return -1;
	endmt_event(ENDMT_STAT_TM_TRACE_ADDED);
	return 0;
}

/* The marked form of the template without a trace (room for sz + 8
 * octets): outer IPv6 with Next Header Destination Options, the AltMark,
 * the template's SRH.  Returns 0 or -1. */
static __always_inline int endmt_head_pm_push(struct __sk_buff *skb, const struct endmt_encap *tmpl,
					      const struct endmt_head_pkt *p, __u64 sz)
{
	__u64 rest = sz - ENDMT_IP6_HLEN;
	__u8 nh = ENDMT_NEXTHDR_DSTOPTS;

	if (bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF, tmpl->hdr, ENDMT_IP6_HLEN, 0) ||
	    bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF + 6, &nh, 1, 0) ||
	    endmt_head_pm_store(skb, p, ENDMT_IP6_HLEN, tmpl->hdr[6]))
		return -1;
	asm volatile("" : "+r"(rest));
	if (rest < 8 || rest > ENDMT_MAX_ENCAP - ENDMT_IP6_HLEN)
		return -1;
	return bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF + ENDMT_IP6_HLEN + ENDMT_AM_DOH_LEN,
				   tmpl->hdr + ENDMT_IP6_HLEN, rest, BPF_F_RECOMPUTE_CSUM) ? -1 : 0;
}

/* Push template: the group's outer IPv6 + SRH in front of the inner
 * packet, Traffic Class from the inner one.  Returns a drop verdict or -1. */
static __always_inline int endmt_head_push(struct __sk_buff *skb, const struct endmt_head_pkt *p)
{
	struct endmt_encap *tmpl;
	__u32 hdr0;
	__be32 first;
	__u64 sz;
	__u16 opl;

	/* Room between Ethernet and the inner IPv6, flagged as IPv6-in-IPv6 so
	 * the stack sees an encapsulated skb (inner headers recorded). */
	if (bpf_skb_adjust_room(skb, (__s32)(p->elen + p->tm_len + p->pm_len), BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_ENCAP_L3_IPV6))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);

	/* The map value may change under us (CLI update): re-check the length
	 * we grew by against what we copy, so the headers stay consistent. */
	tmpl = bpf_map_lookup_elem(&endmt_encap, &p->key);
	if (!tmpl || tmpl->len != p->elen)
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	/* Bound the size again on the very register passed to the helper, as
	 * a 64-bit value: clang checks a zero-extended copy of a __u32 instead
	 * ("R4 invalid zero-sized read: u64=[0,65535]"). */
	sz = p->elen;
	asm volatile("" : "+r"(sz));
	if (sz < ENDMT_IP6_HLEN || sz > ENDMT_MAX_ENCAP)
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	if (p->tm_len) {
		if (endmt_head_tm_push(skb, tmpl, p, sz))
			return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	} else if (p->pm_len) {
		if (endmt_head_pm_push(skb, tmpl, p, sz))
			return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	} else if (bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF, tmpl->hdr, sz, BPF_F_RECOMPUTE_CSUM)) {
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	}

	/* Outer Traffic Class := inner (DSCP selects the lossless class in a
	 * RoCE fabric; ECN must reach the edge, RFC 6040 normal mode); flow
	 * label and the rest from the template.  Payload length: SRH + inner. */
	hdr0 = bpf_ntohl(*(__be32 *)tmpl->hdr);
	hdr0 = (hdr0 & 0xf00fffffu) | ((__u32)p->tclass << 20);
	first = bpf_htonl(hdr0);
	opl = bpf_htons((__u16)(p->elen + p->tm_len + p->pm_len + p->plen));
	if (bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF, &first, 4, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, ENDMT_HEAD_L3_OFF + 4, &opl, 2, BPF_F_RECOMPUTE_CSUM))
		return endmt_verdict(ENDMT_STAT_DROP_HEAD_ENCAP, TC_ACT_SHOT);
	if (p->pm_len) {
		/* What the head sends of the flow: the OUT point every
		 * branch's loss is counted from.  Octets: the outer packet's
		 * L3 length without a trace, which only samples carry
		 * (every node counts the same octets for the same packet). */
		endmt_event(ENDMT_STAT_PM_MARKED);
		endmt_pm_count(p->pm_flow, ENDMT_PM_SRV6, p->pm_colour, p->pm_dmark, ENDMT_PM_OUT,
			       p->elen + p->pm_len + ENDMT_IP6_HLEN + p->plen, p->psn);
	}
	return ENDMT_HEAD_GO_ON;
}

/* H.Encaps.MT: match, check, rewrite inner, push template.  Returns a
 * counted drop verdict, ENDMT_HEAD_NOT_GROUP or ENDMT_HEAD_ENCAPPED. */
static __always_inline int endmt_head_encap(struct __sk_buff *skb)
{
	struct endmt_head_hdrs h = {};
	struct endmt_head_pkt p = {};
	int act;

	act = endmt_head_match(skb, &h, &p);
	if (act != ENDMT_HEAD_GO_ON)
		return act;
	act = endmt_head_check(skb, &h, &p);
	if (act >= 0)
		return act;
	/* Before it leaves: an answer may come back before this returns. */
	endmt_data_psn_note(h.grp, p.psn);
	act = endmt_head_rewrite_inner(skb, &p);
	if (act >= 0)
		return act;
	return endmt_head_push(skb, &p);
}

#endif /* ENDMT_DP_HEAD_ENCAP_H */
