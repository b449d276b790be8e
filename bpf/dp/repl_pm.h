/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A Replication SID's part of alternate marking (docs/PM.md).  The RFC
 * 9343 Destination Options header comes off before the Replication SID's
 * checks, as a Hop-by-Hop header does (dp/repl_tm.h), and goes back on,
 * unchanged, behind the Hop-by-Hop header if there is one, before the
 * copies: every branch below carries the same mark.  The fork counts the
 * packet at its IN point once the checks have passed. */
#ifndef ENDMT_DP_REPL_PM_H
#define ENDMT_DP_REPL_PM_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "endmt/pm.h"
#include "dp/pm_mark.h"
#include "dp/repl_tm.h"

/* The outer header (payload length plen) says Destination Options: judge
 * it and take it off, keeping it in the scratch.  Returns 0 or the drop
 * reason. */
__noinline int endmt_repl_pm_strip(struct __sk_buff *skb, __u32 plen)
{
	struct endmt_pm_scratch *sc;
	__u32 zero = 0, len, err;

	if (!skb)
		return ENDMT_STAT_DROP_DOH;
	sc = bpf_map_lookup_elem(&endmt_pm_scratch, &zero);
	if (!sc)	/* a per-CPU array's key 0: cannot happen */
		return ENDMT_STAT_DROP_DOH;
	if (bpf_skb_load_bytes(skb, ENDMT_REPL_TM_L3 + 40, sc->doh, 2))
		return ENDMT_STAT_DROP_DOH;
	len = ((__u32)sc->doh[1] + 1) * 8;
	if (len > ENDMT_AM_DOH_MAX || len > plen ||
	    bpf_skb_load_bytes(skb, ENDMT_REPL_TM_L3 + 40, sc->doh, len))
		return ENDMT_STAT_DROP_DOH;
	err = endmt_am_parse(sc->doh, len, &sc->flow, &sc->colour, &sc->dmark);
	if (err)
		return err;
	sc->doh_len = len;
	sc->bytes = 40 + plen;
	if (bpf_skb_adjust_room(skb, -(__s32)len, BPF_ADJ_ROOM_NET, 0) ||
	    endmt_repl_tm_fix(skb, plen - len, sc->doh[0]))
		return ENDMT_STAT_DROP_DOH;
	return 0;
}

/* Puts the header endmt_repl_pm_strip() took off back on, after the
 * Hop-by-Hop header of hbh_len octets that endmt_repl_tm_restore() has
 * put back (0: none).  plen: the outer payload length now.  count: the
 * packet arrived at this fork (not the head's own encapsulation, which the
 * head counted as sent).  Returns 0 or the drop reason. */
__noinline int endmt_repl_pm_restore(struct __sk_buff *skb, __u32 plen, __u32 hbh_len, int count)
{
	struct endmt_tm_scratch *tsc;
	struct endmt_pm_scratch *sc;
	struct endmt_group_key gk;
	__u32 zero = 0, psn = 0;
	__u64 len, h;	/* 64-bit, bounded on the register the helper gets */

	if (!skb)
		return ENDMT_STAT_DROP_DOH;
	sc = bpf_map_lookup_elem(&endmt_pm_scratch, &zero);
	tsc = bpf_map_lookup_elem(&endmt_tm_scratch, &zero);
	if (!sc || !tsc)
		return ENDMT_STAT_DROP_DOH;
	len = sc->doh_len;
	h = hbh_len;
	if (len < 8 || len > ENDMT_AM_DOH_MAX || h > ENDMT_TM_HBH_READ)
		return ENDMT_STAT_DROP_DOH;
	if (count && sc->flow) {
		/* The inner PSN, the D mark's key at every node: behind the
		 * SRH, which is right behind the headers now on. */
		if (endmt_repl_tm_inner_at(skb, ENDMT_REPL_TM_L3 + 40 + (__u32)h, &gk, &psn))
			psn = 0;
		endmt_pm_count(sc->flow, ENDMT_PM_SRV6, sc->colour, sc->dmark, ENDMT_PM_IN,
			       sc->bytes, psn);
	}
	if (bpf_skb_adjust_room(skb, (__s32)len, BPF_ADJ_ROOM_NET, 0))
		return ENDMT_STAT_DROP_DOH;
	/* Room is made right behind the outer header: a Hop-by-Hop header
	 * must stay first (RFC 8200 4.1), so it moves up into it again. */
	if (h) {
		asm volatile("" : "+r"(h));
		if (h < 8 || h > ENDMT_TM_HBH_READ ||
		    bpf_skb_store_bytes(skb, ENDMT_REPL_TM_L3 + 40, tsc->hbh, h, 0))
			return ENDMT_STAT_DROP_DOH;
	}
	asm volatile("" : "+r"(len));
	if (len < 8 || len > ENDMT_AM_DOH_MAX ||
	    bpf_skb_store_bytes(skb, ENDMT_REPL_TM_L3 + 40 + (__u32)h, sc->doh, len, 0))
		return ENDMT_STAT_DROP_DOH;
	if (h)
		return endmt_repl_tm_fix(skb, plen + (__u32)len, ENDMT_NEXTHDR_HOP) ?
		       ENDMT_STAT_DROP_DOH : 0;
	return endmt_repl_tm_fix(skb, plen + (__u32)len, ENDMT_NEXTHDR_DSTOPTS) ?
	       ENDMT_STAT_DROP_DOH : 0;
}

#endif /* ENDMT_DP_REPL_PM_H */
