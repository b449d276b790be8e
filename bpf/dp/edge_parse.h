/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* End.MT, XDP half (edge node): validate and parse a packet addressed to a
 * local End.MT SID, apply S02/S03 (SL--, DA := SRH[SL]) and hand the parse
 * result to the TC half (bpf/dp/edge_replicate.h) as XDP metadata
 * (include/endmt/meta.h).  XDP cannot clone, so replication happens in TC.
 *
 * Offsets below are from the start of the Ethernet header (ctx->data), which
 * is also what bpf_xdp_load_bytes() takes. */
#ifndef ENDMT_DP_EDGE_PARSE_H
#define ENDMT_DP_EDGE_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "endmt/srh.h"
#include "endmt/roce.h"
#include "endmt/meta.h"
#include "endmt/icrc.h"
#include "endmt/receiver.h"
#include "endmt/sha256.h"
#include "dp/parse.h"
#include "dp/stats.h"
#include "dp/data_psn.h"
#include "dp/srh_hmac.h"
#include "dp/edge_tm.h"
#include "dp/edge_pm.h"
#include "maps/endmt_maps.h"

#define ENDMT_OUTER_OFF (ETH_HLEN)				/* outer IPv6 */
#define ENDMT_SRH_OFF   (ETH_HLEN + ENDMT_IP6_HLEN)		/* SRH */
/* RFC 8754 caps the SRH at 2048 octets ((255 + 1) * 8); every TLV step
 * consumes at least one octet, so this many steps always reach the end. */
#define ENDMT_TLV_MAX_STEPS 2048

/* The loop check's state: the SID this packet is at, and whether a segment
 * still to visit names it again. */
struct endmt_loop_scan {
	struct xdp_md *ctx;
	__u32 sid[4];
	int hit;
};

static long endmt_loop_step(__u32 i, void *data)
{
	struct endmt_loop_scan *s = data;
	__u32 seg[4];

	if (bpf_xdp_load_bytes(s->ctx, ENDMT_SRH_OFF + sizeof(struct endmt_srh) + 16 * i, seg, 16))
		return 1;	/* inside the checked segment list: cannot happen */
	if (((seg[0] ^ s->sid[0]) | (seg[1] ^ s->sid[1]) | (seg[2] ^ s->sid[2]) |
	     (seg[3] ^ s->sid[3])) == 0) {
		s->hit = 1;
		return 1;
	}
	return 0;
}

/* State of the TLV walk, on the XDP program's stack, shared with the
 * bpf_loop callback. */
struct endmt_tlv_walk {
	struct xdp_md *ctx;
	__u32 off;			/* next TLV */
	__u32 end;			/* end of the SRH */
	__u64 edge[2];			/* Edge Node Address to match */
	__u32 err;			/* 0 or the enum endmt_stat to drop with */
	__u16 nrcv;
	__u8 ntlv;			/* TLVs of ours so far, plus base */
	__u8 tlv_type;
	__u16 tlv_off[ENDMT_MAX_NODE_TLVS];
	__u8 base;			/* see endmt_tlv_count() */
	__u8 hmac_on;			/* the SID's HMAC policy is not IGNORE */
	__u8 nhmac;			/* HMAC TLVs so far, plus base */
	__u32 hmac_off;			/* the HMAC TLV, when nhmac - base = 1 */
};

/* TLVs of ours collected so far.  The count is kept relative to a base the
 * verifier cannot know (the frame length): verifiers before 6.7 check a
 * bpf_loop callback once, with the caller's state at the call, where a
 * count starting at constant 0 makes "count >= ENDMT_MAX_NODE_TLVS" look
 * impossible, and they hard-wire that branch away (6.1: the ninth TLV went
 * through as endmt_rx instead of drop_too_many_tlvs, edge_xdp). */
static __always_inline __u8 endmt_tlv_count(const struct endmt_tlv_walk *w)
{
	return (__u8)(w->ntlv - w->base);
}

/* One TLV per call.  bpf_loop instead of an unrolled loop: a plain bounded
 * loop hits "BPF program is too large. Processed 1000001 insn" at 32 TLVs
 * (shared/notes); the callback is verified once whatever the count.  Reads
 * go through bpf_xdp_load_bytes so offsets need no pointer-range proofs. */
static long endmt_tlv_step(__u32 idx, void *data)
{
	struct endmt_tlv_walk *w = data;
	struct endmt_mt_tlv t;
	__u64 edge[2];
	__u32 off = w->off, tl;

	(void)idx;
	if (off >= w->end)
		return 1;
	if (bpf_xdp_load_bytes(w->ctx, off, &t, 1))
		goto trunc;
	if (t.type == ENDMT_TLV_PAD1) {
		w->off = off + 1;
		return 0;
	}
	/* Type and Length must both lie inside the SRH. */
	if (off + 2 > w->end || bpf_xdp_load_bytes(w->ctx, off, &t, 2))
		goto trunc;
	tl = 2 + (__u32)t.len;
	if (off + tl > w->end)
		goto trunc;
	if (t.type == ENDMT_TLV_HMAC && w->hmac_on &&
	    (w->err = endmt_hmac_tlv_note(t.len, off, w->base, &w->nhmac, &w->hmac_off)))
		return 1;
	if (t.type == w->tlv_type) {
		/* Every End.MT TLV is checked, ours or not: a lying Num
		 * Receivers means the sender's encoder is broken. */
		if (tl < sizeof(t) || bpf_xdp_load_bytes(w->ctx, off, &t, sizeof(t))) {
			w->err = ENDMT_STAT_DROP_TLV_NRCV;
			return 1;
		}
		if (t.len != ENDMT_MT_TLV_VALUE_LEN(t.num_receivers)) {
			w->err = ENDMT_STAT_DROP_TLV_NRCV;
			return 1;
		}
		__builtin_memcpy(edge, t.edge, 16);
		if (edge[0] == w->edge[0] && edge[1] == w->edge[1]) {
			/* Metadata has room for ENDMT_MAX_NODE_TLVS offsets. */
			if (endmt_tlv_count(w) >= ENDMT_MAX_NODE_TLVS) {
				w->err = ENDMT_STAT_DROP_TOO_MANY_TLVS;
				return 1;
			}
			w->tlv_off[endmt_tlv_count(w) & (ENDMT_MAX_NODE_TLVS - 1)] = (__u16)off;
			w->ntlv++;
			w->nrcv += t.num_receivers;
		}
	}
	/* Pad1/PadN, HMAC (checked after the walk, endmt_edge_hmac(); under
	 * policy IGNORE not at all) and unknown TLVs are skipped. */
	w->off = off + tl;
	return 0;
trunc:
	w->err = ENDMT_STAT_DROP_TLV_TRUNC;
	return 1;
}

/* Inner headers up to the end of an optional RETH, as read from the packet. */
struct endmt_inner_hdrs {
	struct ipv6hdr ip6;
	struct udphdr udp;
	struct endmt_bth bth;
	struct endmt_reth reth;
} __attribute__((packed));

#define ENDMT_INNER_MIN (ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + sizeof(struct endmt_bth))

/* Checks the inner packet at off (pkt_len octets in the frame).  Returns 0
 * or the drop reason.  Order: a header must be present before its fields
 * are judged; anything missing up to the BTH (or RETH) is "BTH truncated". */
static __always_inline __u32 endmt_inner_check(struct xdp_md *ctx, __u32 off, __u32 pkt_len,
						struct endmt_group_key *gk, __u32 *psn)
{
	/* In the per-CPU HMAC scratch (free again after endmt_edge_hmac()),
	 * not on the stack: the frame of endmt_edge_xdp_run() plus the
	 * HMAC's global functions must fit the verifier's 512 octets
	 * ("combined stack size of 3 calls is 560. Too large"). */
	struct endmt_hmac_scratch *sc;
	struct endmt_inner_hdrs *hp;
	__u32 rem = pkt_len - off, plen, ulen, zero = 0;

	sc = bpf_map_lookup_elem(&endmt_hmac_scratch, &zero);
	if (!sc)	/* a per-CPU array's key 0: cannot happen */
		return ENDMT_STAT_DROP_BTH_TRUNC;
	hp = (struct endmt_inner_hdrs *)sc->buf;

	if (off > pkt_len || rem < ENDMT_IP6_HLEN ||
	    bpf_xdp_load_bytes(ctx, off, hp, ENDMT_IP6_HLEN))
		return ENDMT_STAT_DROP_BTH_TRUNC;
	if (hp->ip6.version != 6 || hp->ip6.nexthdr != ENDMT_NEXTHDR_UDP)
		return ENDMT_STAT_DROP_INNER_NOT_ROCE;
	if (rem < ENDMT_IP6_HLEN + ENDMT_UDP_HLEN ||
	    bpf_xdp_load_bytes(ctx, off, hp, ENDMT_IP6_HLEN + ENDMT_UDP_HLEN))
		return ENDMT_STAT_DROP_BTH_TRUNC;
	if (hp->udp.dest != bpf_htons(ENDMT_ROCE_PORT))
		return ENDMT_STAT_DROP_INNER_NOT_ROCE;
	if (rem < ENDMT_INNER_MIN || bpf_xdp_load_bytes(ctx, off, hp, ENDMT_INNER_MIN))
		return ENDMT_STAT_DROP_BTH_TRUNC;
	/* Lengths must describe exactly the octets we have: TC copies and
	 * rewrites by these lengths (the ICRC sits at plen - 4). */
	plen = bpf_ntohs(hp->ip6.payload_len);
	ulen = bpf_ntohs(hp->udp.len);
	if (ENDMT_IP6_HLEN + plen != rem || ulen != plen ||
	    ulen < ENDMT_UDP_HLEN + sizeof(struct endmt_bth) + ENDMT_ICRC_LEN)
		return ENDMT_STAT_DROP_INNER_LEN;
	/* IBTA pads every payload to 4 octets (BTH PadCnt), so UDP + BTH +
	 * payload + ICRC is a multiple of 4.  TC's UDP checksum update also
	 * assumes the ICRC at an even offset: an odd length would leave every
	 * copy with a wrong checksum. */
	if (ulen & 3)
		return ENDMT_STAT_DROP_INNER_UNPADDED;
	/* Only SEND/WRITE: a READ/ATOMIC request copied to N receivers gets N
	 * responses, which the reverse path drops (a certain timeout at a
	 * third-party source that sent one). */
	if (!endmt_op_multicastable(hp->bth.opcode))
		return ENDMT_STAT_DROP_INNER_OPCODE;
	if (endmt_op_has_reth(hp->bth.opcode) &&
	    ulen < ENDMT_UDP_HLEN + sizeof(struct endmt_bth) + sizeof(struct endmt_reth) +
		   ENDMT_ICRC_LEN)
		return ENDMT_STAT_DROP_BTH_TRUNC;
	/* Copies are forwarded like any routed packet (HL - 1 in TC); one
	 * that would expire here is dropped here, once, not per copy. */
	if (hp->ip6.hop_limit <= 1)
		return ENDMT_STAT_DROP_INNER_HLIM;
	/* The head sets the inner SA to the Proxy Address (the inner DA): any
	 * other is not a group packet a head made, and every copy would
	 * carry that SA to a receiver (and its errors back to it). */
	if (!endmt_addr_eq(hp->ip6.saddr.in6_u.u6_addr8, hp->ip6.daddr.in6_u.u6_addr8))
		return ENDMT_STAT_DROP_INNER_SADDR;
	__builtin_memcpy(gk->proxy, &hp->ip6.daddr, 16);
	gk->dqpn = bpf_ntohl(hp->bth.fb_dqpn) & ENDMT_BTH_QPN_MASK;
	*psn = bpf_ntohl(hp->bth.ar_psn) & ENDMT_BTH_PSN_MASK;
	return 0;
}

/* RFC 8754 §2.1.2.1 at an End.MT SID with an HMAC policy (struct
 * endmt_sid): the text and its check are bpf/dp/srh_hmac.h's, shared with
 * the Replication SID's TC.  Runs after the TLV walk found at most one HMAC
 * TLV of Length 38 (w), before anything of the End.MT TLVs is used.
 * Returns 0 or the drop reason. */
static __always_inline __u32 endmt_edge_hmac(struct xdp_md *ctx, const struct endmt_sid *sid,
					     const struct endmt_tlv_walk *w, __u32 srh_len,
					     __u32 seg_len)
{
	if ((__u8)(w->nhmac - w->base) == 0)
		return sid->hmac_policy == ENDMT_HMAC_REQUIRE ? ENDMT_STAT_DROP_HMAC_MISSING : 0;
	return endmt_srh_hmac_verify(ctx, 0, sid->hmac_key_id, w->hmac_off, srh_len, seg_len);
}

/* S04/S05: walks the TLVs between the segment list (seg_end) and the end
 * of the SRH for this node's End.MT TLVs, into *w.  Returns 0 or the drop
 * reason. */
static __always_inline __u32 endmt_edge_tlvs(struct xdp_md *ctx, const struct endmt_sid *sid,
					     struct endmt_tlv_walk *w, __u32 seg_end,
					     __u32 srh_end, __u8 base, __u8 tlv_type)
{
	__u32 max_rcv;

	w->ctx = ctx;
	w->off = seg_end;
	w->end = srh_end;
	w->tlv_type = tlv_type;
	w->base = base;
	w->ntlv = w->base;
	w->nhmac = w->base;
	w->hmac_on = sid->hmac_policy != ENDMT_HMAC_IGNORE;
	__builtin_memcpy(w->edge, sid->edge, 16);
	bpf_loop(ENDMT_TLV_MAX_STEPS, endmt_tlv_step, w, 0);
	w->ntlv = endmt_tlv_count(w);
	if (!w->err && w->off < w->end)	/* cannot happen: see ENDMT_TLV_MAX_STEPS */
		w->err = ENDMT_STAT_DROP_TLV_TRUNC;
	if (w->err)
		return w->err;
	/* The HMAC before any End.MT TLV is acted on (an unprotected field
	 * could say "no TLV of yours" as well as name receivers). */
	if (w->hmac_on) {
		__u32 err = endmt_edge_hmac(ctx, sid, w, srh_end - ENDMT_SRH_OFF,
					    seg_end - ENDMT_SRH_OFF - sizeof(struct endmt_srh));

		if (err)
			return err;
	}
	if (w->ntlv == 0)
		return ENDMT_STAT_DROP_NO_TLV;
	max_rcv = sid->max_rcv ? sid->max_rcv : ENDMT_DEF_MAX_RCV;
	if (max_rcv > ENDMT_MAX_RCV)
		max_rcv = ENDMT_MAX_RCV;
	if (w->nrcv > max_rcv)
		return ENDMT_STAT_DROP_TOO_MANY_RCV;
	return 0;
}

/* Puts what TC needs (include/endmt/meta.h) in front of the packet; sl is
 * the Segments Left the packet leaves with.  Returns 0, or -1 where the
 * driver has no metadata room: TC could not find this node's TLVs again
 * cheaply, so the caller does not pass half a job.  Packet pointers are
 * invalid afterwards. */
static __always_inline int endmt_edge_meta_write(struct xdp_md *ctx, const struct endmt_tlv_walk *w,
						 __u32 srh_end, __u8 sl, __u32 sid_flags)
{
	struct endmt_meta *meta;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct endmt_meta)))
		return -1;
	meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) > (void *)(long)ctx->data)
		return -1;
	meta->magic = ENDMT_META_MAGIC;
	meta->srh_off = ENDMT_SRH_OFF;
	meta->inner_off = (__u16)srh_end;
	meta->nrcv = w->nrcv;
	meta->ntlv = w->ntlv;
	meta->flags = (sl > 0 ? ENDMT_META_F_CHAIN : 0) |
		      (sid_flags & ENDMT_SID_F_STRICT ? ENDMT_META_F_STRICT : 0) |
		      (sid_flags & ENDMT_SID_F_TC_ONLY ? 0 : ENDMT_META_F_FANOUT);
	__builtin_memcpy(meta->tlv_off, w->tlv_off, sizeof(meta->tlv_off));
	return 0;
}

/* The whole XDP half.  tlv_type: the End.MT TLV type (rodata knob).
 * Returns an XDP verdict for packets to a local End.MT SID, or -1 (not
 * ours, untouched: the caller decides what else it may be). */
static __always_inline int endmt_edge_xdp_run(struct xdp_md *ctx, __u8 tlv_type)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct endmt_cursor c = { .pos = data, .end = data_end };
	struct endmt_tlv_walk w = {};
	struct endmt_group_key gk;
	struct endmt_group *grp;
	struct endmt_sid_key key;
	struct endmt_sid *sid;
	struct endmt_srh *srh;
	struct ipv6hdr *ip6;
	struct ethhdr *eth;
	__u32 pkt_len, srh_len, srh_end, seg_end, err, psn;
	__u8 sl, da[16], tm_pc = 0, pm_mark = 0;

	pkt_len = (__u32)(data_end - data);
	eth = endmt_parse_eth(&c);
	if (!eth || eth->h_proto != bpf_htons(ETH_P_IPV6))
		goto not_ours;
	ip6 = endmt_parse_ip6(&c);
	if (!ip6)	/* the stack would drop it too; no DA to judge by */
		return endmt_verdict(ENDMT_STAT_DROP_OUTER_TRUNC, XDP_DROP);
	__builtin_memcpy(key.sid, &ip6->daddr, 16);
	sid = bpf_map_lookup_elem(&endmt_sids, &key);
	if (!sid || !(sid->flags & ENDMT_SID_F_ENDMT))
		goto not_ours;
	if (ip6->version != 6)	/* RFC 8200 §3: then nothing after it means anything */
		return endmt_verdict(ENDMT_STAT_DROP_OUTER_VERSION, XDP_DROP);
	/* The SR domain's boundary: only where the tree arrives, only from
	 * the heads that may send to this SID (struct endmt_sid). */
	if (sid->in_ifindex && ctx->ingress_ifindex != sid->in_ifindex)
		return endmt_verdict(ENDMT_STAT_DROP_SID_DEVICE, XDP_DROP);
	if (!endmt_prefix_match((const __u8 *)&ip6->saddr, sid->src, sid->src_plen))
		return endmt_verdict(ENDMT_STAT_DROP_SID_SOURCE, XDP_DROP);
	/* A group MAC must be the DA's (RFC 2464 §7: 33:33 and the DA's last
	 * 4 octets); broadcast is no way to reach a SID.  (A unicast MAC of
	 * another host is TC's to see: skb->pkt_type.) */
	if ((eth->h_dest[0] & 1) &&
	    (eth->h_dest[0] != 0x33 || eth->h_dest[1] != 0x33 ||
	     eth->h_dest[2] != key.sid[12] || eth->h_dest[3] != key.sid[13] ||
	     eth->h_dest[4] != key.sid[14] || eth->h_dest[5] != key.sid[15]))
		return endmt_verdict(ENDMT_STAT_DROP_OUTER_MAC, XDP_DROP);
	/* Copies leave with the inner packet, but an outer SA no head can
	 * have says the packet was made up (and the stack would answer errors
	 * to it). */
	if (endmt_saddr_never_valid((const __u8 *)&ip6->saddr))
		return endmt_verdict(ENDMT_STAT_DROP_OUTER_SADDR, XDP_DROP);
	/* A Hop-by-Hop header (the IOAM trace, docs/TELEMETRY.md) is judged
	 * and removed here, inside the SR domain's boundary: a packet from
	 * outside it makes no postcard.  From here on the packet is as if it
	 * had none. */
	if (ip6->nexthdr == ENDMT_NEXTHDR_HOP) {
		int r = endmt_edge_tm_strip(ctx);

		if (r > 0)
			return endmt_verdict((__u32)r, XDP_DROP);
		tm_pc = r == ENDMT_EDGE_TM_PENDING;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		pkt_len = (__u32)(data_end - data);
		c.pos = data;
		c.end = data_end;
		if (!endmt_parse_eth(&c) || !(ip6 = endmt_parse_ip6(&c)))
			return endmt_verdict(ENDMT_STAT_DROP_HBH, XDP_DROP);
	}
	/* An RFC 9343 Destination Options header (the alternate mark,
	 * docs/PM.md) likewise: judged, noted, removed. */
	if (ip6->nexthdr == ENDMT_NEXTHDR_DSTOPTS) {
		int r = endmt_edge_pm_strip(ctx);

		if (r > 0)
			return endmt_verdict((__u32)r, XDP_DROP);
		pm_mark = r == ENDMT_EDGE_PM_PENDING;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		pkt_len = (__u32)(data_end - data);
		c.pos = data;
		c.end = data_end;
		if (!endmt_parse_eth(&c) || !(ip6 = endmt_parse_ip6(&c)))
			return endmt_verdict(ENDMT_STAT_DROP_DOH, XDP_DROP);
	}

	/* S01: NH = SRH and SL > 0, else S14 drop. */
	if (ip6->nexthdr != ENDMT_NEXTHDR_ROUTING)
		return endmt_verdict(ENDMT_STAT_DROP_NO_SRH, XDP_DROP);
	srh = endmt_parse_srh(&c);
	if (!srh)
		return endmt_verdict(ENDMT_STAT_DROP_SRH_TRUNC, XDP_DROP);
	if (srh->type != ENDMT_SRH_ROUTING_TYPE)	/* another routing header */
		return endmt_verdict(ENDMT_STAT_DROP_NO_SRH, XDP_DROP);
	sl = srh->segments_left;
	if (sl == 0)
		return endmt_verdict(ENDMT_STAT_DROP_SL_ZERO, XDP_DROP);
	srh_len = ENDMT_SRH_LEN(srh->hdrlen);
	srh_end = ENDMT_SRH_OFF + srh_len;
	if (srh_end > pkt_len)
		return endmt_verdict(ENDMT_STAT_DROP_SRH_TRUNC, XDP_DROP);
	/* The segment list must fit in the SRH and hold SRH[SL - 1], the
	 * next DA.  SL = Last Entry + 1 is a reduced SRH (RFC 8754 §4.1.1:
	 * the head left the first segment, the outer DA, out of the list;
	 * §4.3.1.1 accepts it): the active segment is then the outer DA. */
	seg_end = ENDMT_SRH_OFF + sizeof(*srh) + 16 * ((__u32)srh->last_entry + 1);
	if (seg_end > srh_end || (__u32)sl > (__u32)srh->last_entry + 1)
		return endmt_verdict(ENDMT_STAT_DROP_SRH_LAST_ENTRY, XDP_DROP);
	/* Chain mode sends the outer packet on to SRH[SL - 1]; a segment
	 * still to visit (SRH[0..SL-1]) that is this SID again is a loop:
	 * every pass would make the copies again.  SL 1 ends here (SL 0). */
	if (sl > 1) {
		struct endmt_loop_scan ls = { .ctx = ctx };

		__builtin_memcpy(ls.sid, key.sid, 16);
		bpf_loop(sl, endmt_loop_step, &ls, 0);
		if (ls.hit)
			return endmt_verdict(ENDMT_STAT_DROP_SRH_LOOP, XDP_DROP);
	}

	/* S04/S05: this node's End.MT TLVs. */
	err = endmt_edge_tlvs(ctx, sid, &w, seg_end, srh_end, (__u8)pkt_len, tlv_type);
	if (err)
		return endmt_verdict(err, XDP_DROP);

	/* What End.MT decapsulates must be RoCEv2 over IPv6, whole. */
	if (srh->nexthdr != ENDMT_NEXTHDR_IPV6)
		return endmt_verdict(ENDMT_STAT_DROP_INNER_NOT_ROCE, XDP_DROP);
	if (ENDMT_SRH_OFF + (__u32)bpf_ntohs(ip6->payload_len) != pkt_len)
		return endmt_verdict(ENDMT_STAT_DROP_OUTER_LEN, XDP_DROP);
	err = endmt_inner_check(ctx, srh_end, pkt_len, &gk, &psn);
	if (err)
		return endmt_verdict(err, XDP_DROP);
	/* The group's responses may not run ahead of this (dp/data_psn.h). */
	grp = bpf_map_lookup_elem(&endmt_groups, &gk);
	if (grp)
		endmt_data_psn_note(grp, psn);
	else if (sid->flags & ENDMT_SID_F_STRICT)
		/* strict: only the groups configured at this edge */
		return endmt_verdict(ENDMT_STAT_DROP_ENDMT_GROUP, XDP_DROP);
	/* Strict: the tree ends here (apply's segment lists are [Proxy, SID]);
	 * chain mode would send the whole outer packet, every edge's TLVs
	 * in it, to whatever the next segment names. */
	if (sl > 1 && (sid->flags & ENDMT_SID_F_STRICT))
		return endmt_verdict(ENDMT_STAT_DROP_CHAIN_STRICT, XDP_DROP);

	/* S02/S03 need SRH[SL - 1]; read it before adjust_meta moves data. */
	sl--;
	if (bpf_xdp_load_bytes(ctx, ENDMT_SRH_OFF + sizeof(*srh) + 16 * (__u32)sl, da, 16))
		return endmt_verdict(ENDMT_STAT_DROP_SRH_TRUNC, XDP_DROP);

	if (endmt_edge_meta_write(ctx, &w, srh_end, sl, sid->flags))
		return endmt_verdict(ENDMT_STAT_DROP_META, XDP_DROP);

	c.pos = (void *)(long)ctx->data;
	c.end = (void *)(long)ctx->data_end;
	if (!endmt_parse_eth(&c) || !(ip6 = endmt_parse_ip6(&c)) ||
	    !(srh = endmt_parse_srh(&c)))
		return endmt_verdict(ENDMT_STAT_DROP_META, XDP_DROP);
	srh->segments_left = sl;		/* S02 */
	__builtin_memcpy(&ip6->daddr, da, 16);	/* S03 */
	if (tm_pc)
		endmt_edge_tm_export(&gk, psn, w.nrcv);
	if (pm_mark)
		endmt_edge_pm_count(psn);
	return endmt_verdict(ENDMT_STAT_ENDMT_RX, XDP_PASS);

not_ours:
	return -1;
}

#endif /* ENDMT_DP_EDGE_PARSE_H */
