/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A Replication SID's part of on-path telemetry (docs/TELEMETRY.md): the
 * fork of RFC 9630's per-section solution.  The Hop-by-Hop header comes
 * off before the Replication SID's checks (which read the SRH where an
 * outer header without one has it) and goes back on before the copies:
 * a trace of ours as a fresh one that starts with this node's entry, after
 * the section it ended was exported as a postcard; anything else as it
 * came. */
#ifndef ENDMT_DP_REPL_TM_H
#define ENDMT_DP_REPL_TM_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "endmt/roce.h"
#include "endmt/srh.h"
#include "dp/tm_trace.h"

#define ENDMT_REPL_TM_L3 ETH_HLEN

/* Outer IPv6's Payload Length and Next Header := plen, nh. */
static __always_inline int endmt_repl_tm_fix(struct __sk_buff *skb, __u32 plen, __u8 nh)
{
	__be16 pl = bpf_htons((__u16)plen);

	return bpf_skb_store_bytes(skb, ENDMT_REPL_TM_L3 + 4, &pl, 2, 0) ||
	       bpf_skb_store_bytes(skb, ENDMT_REPL_TM_L3 + 6, &nh, 1, 0);
}

/* The outer header (at ENDMT_REPL_TM_L3, payload length plen) says
 * Hop-by-Hop: judge it and take it off, keeping it in the scratch.
 * Returns 0 or the drop reason. */
__noinline int endmt_repl_tm_strip(struct __sk_buff *skb, __u32 plen)
{
	const struct endmt_tm_node *cfg = endmt_tm_cfg();
	struct endmt_tm_scratch *sc;
	struct endmt_tm_trace t = {};
	enum endmt_tm_class cls;
	__u32 zero = 0, len, err;

	if (!skb)
		return ENDMT_STAT_DROP_HBH;
	sc = bpf_map_lookup_elem(&endmt_tm_scratch, &zero);
	if (!sc)	/* a per-CPU array's key 0: cannot happen */
		return ENDMT_STAT_DROP_HBH;
	if (bpf_skb_load_bytes(skb, ENDMT_REPL_TM_L3 + 40, sc->hbh, 2))
		return ENDMT_STAT_DROP_HBH;
	len = ((__u32)sc->hbh[1] + 1) * 8;
	if (len > ENDMT_TM_HBH_READ || len > plen ||
	    bpf_skb_load_bytes(skb, ENDMT_REPL_TM_L3 + 40, sc->hbh, len))
		return ENDMT_STAT_DROP_HBH;
	err = endmt_tm_judge(sc, len, cfg, &cls, &t);
	if (err)
		return err;
	if (cls != ENDMT_TM_OURS)
		endmt_tm_count(cls);
	sc->hbh_len = len;
	sc->cls = cls;
	sc->trace.hdr_off = t.hdr_off;
	sc->trace.data_len = t.data_len;
	if (cls == ENDMT_TM_OURS && cfg) {
		struct endmt_ioam_node e;
		__u8 hl = 0;

		/* The section ends here: its postcard, with this node's
		 * entry (ingress only: the copies leave on many devices). */
		bpf_skb_load_bytes(skb, ENDMT_REPL_TM_L3 + 7, &hl, 1);
		endmt_tm_entry(&e, cfg, hl, skb->ifindex, 0);
		endmt_tm_begin(sc, ENDMT_PC_FORK, cfg, &t, &e, skb->ifindex);
		bpf_skb_load_bytes(skb, ENDMT_REPL_TM_L3 + 8, sc->pc.outer_src, 16);
		bpf_skb_load_bytes(skb, ENDMT_REPL_TM_L3 + 24, sc->pc.outer_dst, 16);
	}
	if (bpf_skb_adjust_room(skb, -(__s32)len, BPF_ADJ_ROOM_NET, 0) ||
	    endmt_repl_tm_fix(skb, plen - len, sc->hbh[0]))
		return ENDMT_STAT_DROP_HBH;
	return 0;
}

/* The group and PSN of the inner packet behind an SRH (or right behind
 * the outer header), for the postcard.  Returns 0 or -1. */
static __always_inline int endmt_repl_tm_inner_nh(struct __sk_buff *skb, __u32 off, __u8 nh,
						  struct endmt_group_key *gk, __u32 *psn)
{
	struct endmt_bth bth;
	__u8 srh[2];

	if (nh == ENDMT_NEXTHDR_ROUTING) {
		if (bpf_skb_load_bytes(skb, off, srh, 2) || srh[0] != ENDMT_NEXTHDR_IPV6)
			return -1;
		off += ENDMT_SRH_LEN(srh[1]);
	} else if (nh != ENDMT_NEXTHDR_IPV6) {
		return -1;
	}
	if (bpf_skb_load_bytes(skb, off + 24, gk->proxy, 16) ||
	    bpf_skb_load_bytes(skb, off + 40 + 8, &bth, sizeof(bth)))
		return -1;
	gk->dqpn = bpf_ntohl(bth.fb_dqpn) & ENDMT_BTH_QPN_MASK;
	*psn = bpf_ntohl(bth.ar_psn) & ENDMT_BTH_PSN_MASK;
	return 0;
}

static __always_inline int endmt_repl_tm_inner(struct __sk_buff *skb, __u8 nh,
					       struct endmt_group_key *gk, __u32 *psn)
{
	return endmt_repl_tm_inner_nh(skb, ENDMT_REPL_TM_L3 + 40, nh, gk, psn);
}

/* The same for an SRH at off. */
static __always_inline int endmt_repl_tm_inner_at(struct __sk_buff *skb, __u32 off,
						  struct endmt_group_key *gk, __u32 *psn)
{
	return endmt_repl_tm_inner_nh(skb, off, ENDMT_NEXTHDR_ROUTING, gk, psn);
}

/* The length of the header endmt_repl_tm_strip() took off. */
static __always_inline __u32 endmt_repl_tm_len(void)
{
	struct endmt_tm_scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&endmt_tm_scratch, &zero);
	return sc ? sc->hbh_len : 0;
}

/* Puts the header endmt_repl_tm_strip() took off back on (outer payload
 * length plen, next header nh as they are now), before copies are made:
 * a trace of ours exports its section (export: not at a head, whose own
 * trace has only just begun) and starts afresh with this node's entry.
 * copies: how many the fork will make.  Returns 0 or the drop reason. */
__noinline int endmt_repl_tm_restore(struct __sk_buff *skb, __u32 plen, __u32 nh,
				     __u32 copies, int export)
{
	const struct endmt_tm_node *cfg = endmt_tm_cfg();
	struct endmt_tm_scratch *sc;
	struct endmt_group_key gk;
	__u32 zero = 0, len, psn, d, h, n, rem;

	if (!skb)
		return ENDMT_STAT_DROP_HBH;
	sc = bpf_map_lookup_elem(&endmt_tm_scratch, &zero);
	if (!sc)
		return ENDMT_STAT_DROP_HBH;
	len = sc->hbh_len;
	if (len < 8 || len > ENDMT_TM_HBH_READ)
		return ENDMT_STAT_DROP_HBH;
	if (sc->cls == ENDMT_TM_OURS && cfg && export) {
		if (!endmt_repl_tm_inner(skb, (__u8)nh, &gk, &psn))
			endmt_tm_submit(sc, cfg, &gk, psn, copies);
		/* Afresh: empty slots, this node's entry in the last one. */
		h = sc->trace.hdr_off;
		d = sc->trace.data_len;
		n = d / ENDMT_IOAM_NODE_OCTETS;
		if (h > ENDMT_TM_HBH_READ - 8 || n < 1 || h + 8 + d > len)
			return ENDMT_STAT_DROP_HBH;
		rem = (n - 1) * ENDMT_IOAM_NODE_LEN;
		/* NodeLen(5) Flags(4) RemainingLen(7), Flags cleared. */
		sc->hbh[(h + 2) & ENDMT_HBH_MASK] = ENDMT_IOAM_NODE_LEN << 3;
		sc->hbh[(h + 3) & ENDMT_HBH_MASK] = (__u8)rem;
		endmt_tm_clear_data(sc, h + 8, n);
		/* The same entry the postcard ends its section with (strip
		 * wrote it to pc.data[0]): one transmission through this node,
		 * one entry, as `endmt collect` tells transmissions apart by
		 * their entries (an RC retransmission has the same PSN). */
		__builtin_memcpy(&sc->hbh[(h + 8 + (n - 1) * ENDMT_IOAM_NODE_OCTETS) & ENDMT_HBH_MASK],
				 sc->pc.data, ENDMT_IOAM_NODE_OCTETS);
	}
	if (bpf_skb_adjust_room(skb, (__s32)len, BPF_ADJ_ROOM_NET, 0) ||
	    bpf_skb_store_bytes(skb, ENDMT_REPL_TM_L3 + 40, sc->hbh, len, 0) ||
	    endmt_repl_tm_fix(skb, plen + len, ENDMT_NEXTHDR_HOP))
		return ENDMT_STAT_DROP_HBH;
	return 0;
}

#endif /* ENDMT_DP_REPL_TM_H */
