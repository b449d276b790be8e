/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RFC 9524 Replication segment, SRv6 data plane, TC ingress (transit, head).
 * An outer IPv6 packet whose DA is a local Replication SID (a key of
 * endmt_repl) is copied once per downstream SID of the entry: each copy gets
 * DA := that SID and hop limit - 1 and leaves toward its FIB next hop; the
 * original is consumed.  Nothing else changes: the SRH (if any) and the
 * inner packet with its ICRC are untouched, and IPv6 has no header checksum.
 * endmt_sids is not consulted: the endmt_repl key alone makes a SID a
 * Replication SID here (one lookup per packet, one source of truth).
 * An entry with an HMAC policy (struct endmt_repl) verifies the SRH's HMAC
 * TLV before any copy is made, as an edge does (bpf/dp/srh_hmac.h).
 *
 * Offsets are from the Ethernet header (skb->data at TC ingress). */
#ifndef ENDMT_DP_REPL_SEGMENT_H
#define ENDMT_DP_REPL_SEGMENT_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "endmt/srh.h"
#include "endmt/roce.h"
#include "endmt/maps.h"
#include "endmt/addr.h"
#include "dp/stats.h"
#include "dp/send.h"
#include "dp/srh_hmac.h"
#include "dp/repl_tm.h"
#include "dp/repl_pm.h"

#define ENDMT_REPL_IP6   ETH_HLEN			/* outer IPv6 */
#define ENDMT_REPL_HLIM  (ENDMT_REPL_IP6 + 7)		/* its Hop Limit */
#define ENDMT_REPL_DADDR (ENDMT_REPL_IP6 + ENDMT_IP6_OFF_DADDR)

/* Per-packet state shared with the per-copy bpf_loop callback. */
struct endmt_repl_ctx {
	struct __sk_buff *skb;
	const struct endmt_repl *r;	/* the map entry; n already checked */
	__u8 saddr[16];			/* outer SA: FIB lookups ask for it */
	__u8 eth_orig[12];		/* MACs as received: slow path */
	__u8 hl;			/* outer hop limit as received, >= 2 */
};

/* One copy per call: the body is verified once, not ENDMT_MAX_REPL times.
 * Each copy overwrites the DA of the previous one; endmt_send rewrites the
 * hop limit and MACs from the received values every time. */
static long endmt_repl_one(__u32 i, void *data)
{
	struct endmt_repl_ctx *c = data;
	struct endmt_sid_key key;

	/* Barrier: keeps clang from indexing with a copy of i taken before
	 * the bound check (same fix as bpf/dp/edge_replicate.h). */
	asm volatile("" : "+r"(i));
	if (i >= ENDMT_MAX_REPL)
		return 1;
	/* Copied once: the CLI may rewrite the entry while we run, the DA
	 * and the FIB lookup must agree. */
	__builtin_memcpy(key.sid, c->r->sids[i], 16);
	/* A copy to one of our own Replication SIDs would come back to this
	 * program (slow path: with its hop limit restored), possibly for
	 * ever: configuration error, never sent. */
	if (bpf_map_lookup_elem(&endmt_repl, &key)) {
		endmt_event(ENDMT_STAT_DROP_REPL_LOOP);
		return 0;
	}
	if (bpf_skb_store_bytes(c->skb, ENDMT_REPL_DADDR, key.sid, 16, 0)) {
		/* Fails only on an skb it cannot write: stop copying it. */
		endmt_event(ENDMT_STAT_DROP_CLONE);
		return 1;
	}
	endmt_send(c->skb, key.sid, c->saddr, c->eth_orig, ENDMT_REPL_HLIM, c->hl,
		   ENDMT_STAT_REPL_COPY);
	return 0;
}

/* The HMAC TLV search after the Segment List, one TLV per bpf_loop call
 * (the callback is verified once whatever the count).  nhmac counts
 * relative to base, a value the verifier cannot know: before 6.7 a callback
 * is checked once with the caller's state, and a count starting at constant
 * 0 would have "a second one" hard-wired away (edge_parse.h
 * endmt_tlv_count()). */
struct endmt_repl_tlvs {
	struct __sk_buff *skb;
	__u32 off;			/* next TLV */
	__u32 end;			/* end of the SRH */
	__u32 hmac_off;			/* the HMAC TLV, when nhmac - base = 1 */
	__u32 err;			/* 0 or the enum endmt_stat to drop with */
	__u8 base;
	__u8 nhmac;
};

static long endmt_repl_tlv_step(__u32 idx, void *data)
{
	struct endmt_repl_tlvs *w = data;
	struct endmt_tlv_hdr t;
	__u32 off = w->off, tl;

	(void)idx;
	if (off >= w->end)
		return 1;
	if (bpf_skb_load_bytes(w->skb, off, &t, 1))
		goto trunc;
	if (t.type == ENDMT_TLV_PAD1) {
		w->off = off + 1;
		return 0;
	}
	/* Type and Length must both lie inside the SRH. */
	if (off + 2 > w->end || bpf_skb_load_bytes(w->skb, off, &t, 2))
		goto trunc;
	tl = 2 + (__u32)t.len;
	if (off + tl > w->end)
		goto trunc;
	if (t.type == ENDMT_TLV_HMAC &&
	    (w->err = endmt_hmac_tlv_note(t.len, off, w->base, &w->nhmac, &w->hmac_off)))
		return 1;
	w->off = off + tl;
	return 0;
trunc:
	w->err = ENDMT_STAT_DROP_TLV_TRUNC;
	return 1;
}

/* The HMAC check of a Replication SID whose policy is not IGNORE, for a
 * packet of plen payload octets whose outer next header is nh.  Returns 0
 * or the drop reason.  Its own frame (noinline): the walk's state is not
 * on the stack while the copies are made. */
static __noinline __u32 endmt_repl_hmac(struct __sk_buff *skb, __u8 policy, __u32 key_id,
					__u32 plen, __u8 nh)
{
	struct endmt_repl_tlvs w = {};
	struct endmt_srh srh;
	__u32 srh_len, seg_end, srh_end;

	/* Without an SRH there is no HMAC TLV to carry (IPv6-in-IPv6). */
	if (nh != ENDMT_NEXTHDR_ROUTING)
		goto missing;
	if (plen < sizeof(srh) || bpf_skb_load_bytes(skb, ENDMT_HMAC_SRH_OFF, &srh, sizeof(srh)))
		return ENDMT_STAT_DROP_SRH_TRUNC;
	/* Another Routing header type has no HMAC TLV either. */
	if (srh.type != ENDMT_SRH_ROUTING_TYPE)
		goto missing;
	srh_len = ENDMT_SRH_LEN(srh.hdrlen);
	seg_end = ENDMT_HMAC_SRH_OFF + sizeof(srh) + 16 * ((__u32)srh.last_entry + 1);
	srh_end = ENDMT_HMAC_SRH_OFF + srh_len;
	if (srh_len > plen || seg_end > srh_end)
		return ENDMT_STAT_DROP_SRH_TRUNC;
	w.skb = skb;
	w.off = seg_end;
	w.end = srh_end;
	w.base = (__u8)skb->len;
	w.nhmac = w.base;
	bpf_loop(ENDMT_SRH_LEN(255), endmt_repl_tlv_step, &w, 0);
	if (!w.err && w.off < w.end)	/* cannot happen: a step takes an octet */
		w.err = ENDMT_STAT_DROP_TLV_TRUNC;
	if (w.err)
		return w.err;
	if ((__u8)(w.nhmac - w.base) == 0)
		goto missing;
	return endmt_srh_hmac_verify(skb, 1, key_id, w.hmac_off, srh_len,
				     seg_end - ENDMT_HMAC_SRH_OFF - sizeof(srh));
missing:
	return policy == ENDMT_HMAC_REQUIRE ? ENDMT_STAT_DROP_HMAC_MISSING : 0;
}

/* Returns a TC verdict for packets to a local Replication SID, or -1 (not
 * ours: the caller passes it on untouched).  done: the verdict once the
 * copies are made, repl_rx for a packet that arrived addressed to the SID,
 * head_encap for one the head has just encapsulated (its run is one
 * encapsulation, whose copies are the repl_copies events; its SRH the head
 * has just signed itself, so its HMAC is not verified here). */
static __always_inline int endmt_repl_tc(struct __sk_buff *skb, enum endmt_stat done)
{
	struct endmt_repl_ctx c = {};
	struct endmt_sid_key key;
	struct endmt_repl *r;
	struct ipv6hdr ip6;
	__u32 n, err, plen, hbh_len = 0;
	__u8 hbh = 0, doh = 0;

	if (skb->protocol != bpf_htons(ETH_P_IPV6))
		return -1;
	/* The stack would drop it as well; without a DA there is no telling
	 * whom it was for. */
	if (bpf_skb_load_bytes(skb, ENDMT_REPL_IP6, &ip6, sizeof(ip6)))
		return endmt_verdict(ENDMT_STAT_DROP_REPL_TRUNC, TC_ACT_SHOT);
	__builtin_memcpy(key.sid, &ip6.daddr, 16);
	r = bpf_map_lookup_elem(&endmt_repl, &key);
	if (!r)
		return -1;

	/* Copies are forwarded as they are: one that lacks octets its
	 * payload length promises would be dropped by every receiver.
	 * Octets beyond it (Ethernet padding) travel along, as the stack's
	 * forwarding would trim them only for local delivery. */
	if (ip6.version != 6 ||
	    ENDMT_REPL_IP6 + ENDMT_IP6_HLEN + (__u32)bpf_ntohs(ip6.payload_len) > skb->len)
		return endmt_verdict(ENDMT_STAT_DROP_REPL_TRUNC, TC_ACT_SHOT);
	/* The SR domain's boundary (as at an End.MT SID): the transit role is
	 * on the child links too, and a copy made for a packet from below is
	 * an amplifier in the wrong direction. */
	if (r->in_ifindex && skb->ingress_ifindex != r->in_ifindex)
		return endmt_verdict(ENDMT_STAT_DROP_REPL_DEVICE, TC_ACT_SHOT);
	if (!endmt_prefix_match((const __u8 *)&ip6.saddr, r->src, r->src_plen))
		return endmt_verdict(ENDMT_STAT_DROP_REPL_SOURCE, TC_ACT_SHOT);
	/* A Hop-by-Hop header (the IOAM trace) is off while the entry's
	 * checks read the packet, and back on before the copies
	 * (bpf/dp/repl_tm.h). */
	if (ip6.nexthdr == ENDMT_NEXTHDR_HOP) {
		err = endmt_repl_tm_strip(skb, bpf_ntohs(ip6.payload_len));
		if (err)
			return endmt_verdict(err, TC_ACT_SHOT);
		if (bpf_skb_load_bytes(skb, ENDMT_REPL_IP6, &ip6, sizeof(ip6)))
			return endmt_verdict(ENDMT_STAT_DROP_REPL_TRUNC, TC_ACT_SHOT);
		hbh = 1;
	}
	/* So does a Destination Options header (the alternate mark,
	 * bpf/dp/repl_pm.h), behind it. */
	if (ip6.nexthdr == ENDMT_NEXTHDR_DSTOPTS) {
		err = endmt_repl_pm_strip(skb, bpf_ntohs(ip6.payload_len));
		if (err)
			return endmt_verdict(err, TC_ACT_SHOT);
		if (bpf_skb_load_bytes(skb, ENDMT_REPL_IP6, &ip6, sizeof(ip6)))
			return endmt_verdict(ENDMT_STAT_DROP_REPL_TRUNC, TC_ACT_SHOT);
		doh = 1;
	}
	/* A new DA is invisible to an SRH payload (its upper layer checksums
	 * use the final segment, RFC 8200 8.1) and to IPv6-in-IPv6; a
	 * transport header right behind the outer header checksums the DA
	 * we would rewrite. */
	if (ip6.nexthdr != ENDMT_NEXTHDR_ROUTING && ip6.nexthdr != ENDMT_NEXTHDR_IPV6)
		return endmt_verdict(ENDMT_STAT_DROP_REPL_PAYLOAD, TC_ACT_SHOT);
	/* Every copy leaves with hop limit - 1, which must stay above 0
	 * (RFC 8200 3); checked once here, not per copy.  No ICMP Time
	 * Exceeded: there is no single copy to report on. */
	if (ip6.hop_limit <= 1)
		return endmt_verdict(ENDMT_STAT_DROP_REPL_HLIM, TC_ACT_SHOT);
	/* Read once: the callback's bound and the loop count must agree. */
	n = r->n;
	if (n == 0 || n > ENDMT_MAX_REPL)
		return endmt_verdict(ENDMT_STAT_DROP_REPL_ENTRY, TC_ACT_SHOT);
	/* Before any copy: a forged tree is not amplified. */
	if (r->hmac_policy != ENDMT_HMAC_IGNORE && done != ENDMT_STAT_HEAD_ENCAP) {
		__u32 err = endmt_repl_hmac(skb, r->hmac_policy, r->hmac_key_id,
					    bpf_ntohs(ip6.payload_len), ip6.nexthdr);

		if (err)
			return endmt_verdict(err, TC_ACT_SHOT);
	}
	plen = bpf_ntohs(ip6.payload_len);
	if (hbh) {
		err = endmt_repl_tm_restore(skb, plen, ip6.nexthdr, n,
					    done != ENDMT_STAT_HEAD_ENCAP);
		if (err)
			return endmt_verdict(err, TC_ACT_SHOT);
		hbh_len = endmt_repl_tm_len();
		plen += hbh_len;
	}
	if (doh) {
		err = endmt_repl_pm_restore(skb, plen, hbh_len, done != ENDMT_STAT_HEAD_ENCAP);
		if (err)
			return endmt_verdict(err, TC_ACT_SHOT);
	}
	if (bpf_skb_load_bytes(skb, 0, c.eth_orig, sizeof(c.eth_orig)))
		return endmt_verdict(ENDMT_STAT_DROP_REPL_TRUNC, TC_ACT_SHOT);

	c.skb = skb;
	c.r = r;
	c.hl = ip6.hop_limit;
	__builtin_memcpy(c.saddr, &ip6.saddr, 16);
	bpf_loop(n, endmt_repl_one, &c, 0);
	/* The original was only the template of its copies. */
	return endmt_verdict(done, TC_ACT_SHOT);
}

#endif /* ENDMT_DP_REPL_SEGMENT_H */
