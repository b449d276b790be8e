/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RFC 8754 §2.1.2.1: verifying an SRH's HMAC TLV, for the edge's XDP
 * (bpf/dp/edge_parse.h, End.MT SIDs) and the RFC 9524 Replication SID's TC
 * (bpf/dp/repl_segment.h).  One definition of the HMAC text as built from
 * the packet: into the per-CPU scratch, one copy of the SRH after its fixed
 * part: outer SA (16), Last Entry and Flags (2), Key ID (4), then SRH[8 ..]:
 * the Segment List (RFC 8754 text) or the Segment List and every TLV octet,
 * the HMAC field zeroed (extended text; docs/DECISIONS.md "HMAC text",
 * lib/srh_hmac.h is the same definition in userspace).  The key's mode
 * decides the text.
 *
 * Offsets are from the Ethernet header, the outer IPv6 header right behind
 * it and the SRH right behind that (what both callers checked). */
#ifndef ENDMT_DP_SRH_HMAC_H
#define ENDMT_DP_SRH_HMAC_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "endmt/srh.h"
#include "endmt/roce.h"
#include "endmt/sha256.h"
#include "endmt/stats.h"
#include "dp/stats.h"
#include "maps/endmt_maps.h"

#define ENDMT_HMAC_OUTER_OFF (ETH_HLEN)			/* outer IPv6 */
#define ENDMT_HMAC_SRH_OFF   (ETH_HLEN + ENDMT_IP6_HLEN)	/* SRH */

/* The text's layout in the scratch buffer. */
#define ENDMT_HMAC_TXT_SA    0	/* outer Source Address, 16 */
#define ENDMT_HMAC_TXT_LEF   16	/* Last Entry, Flags */
#define ENDMT_HMAC_TXT_KEYID 18	/* Key ID, as on the wire */
#define ENDMT_HMAC_TXT_SRH   22	/* SRH[8 ..] */

/* bpf_xdp_load_bytes() or bpf_skb_load_bytes(): skb is a constant of each
 * caller, so only one of them is left after inlining. */
/* A TLV walk (the edge's XDP, a Replication SID's TC) met an HMAC TLV of
 * value length len at off.  RFC 8754 §2.1.2: HMAC-SHA256 only, so Length
 * 38; one HMAC TLV per SRH (which one would the text's Key ID be?).  The
 * count *nhmac is relative to base, a value the verifier cannot know: a
 * callback is verified once with the caller's state before 6.7, and a
 * count from constant 0 would have "a second one" hard-wired away.
 * Returns 0 (noted) or the drop reason. */
static __always_inline __u32 endmt_hmac_tlv_note(__u8 len, __u32 off, __u8 base, __u8 *nhmac,
						 __u32 *hmac_off)
{
	if (len != ENDMT_HMAC_TLV_LEN)
		return ENDMT_STAT_DROP_HMAC_LEN;
	if ((__u8)(*nhmac - base) != 0)
		return ENDMT_STAT_DROP_HMAC_DUP;
	(*nhmac)++;
	*hmac_off = off;
	return 0;
}

static __always_inline long endmt_pkt_load(void *ctx, int skb, __u32 off, void *to, __u32 len)
{
	if (skb)
		return bpf_skb_load_bytes(ctx, off, to, len);
	return bpf_xdp_load_bytes(ctx, off, to, len);
}

/* Verifies the HMAC TLV at off (found by the caller's TLV walk: the only
 * one, of Length 38, inside the checked SRH of srh_len octets whose Segment
 * List is seg_len octets) with the key Key ID names; sid_key: the key the
 * SID (or Replication SID) names, 0 = any key of the node.  Returns 0 or the
 * drop reason; counts hmac_verified on success. */
static __always_inline __u32 endmt_srh_hmac_verify(void *ctx, int skb, __u32 sid_key, __u32 off,
						   __u32 srh_len, __u32 seg_len)
{
	struct endmt_hmac_scratch *s;
	struct endmt_hmac_key *k;
	__u32 zero = 0, key_id, rest, f;
	__u64 tlen;
	__be32 kid;

	if (endmt_pkt_load(ctx, skb, off + offsetof(struct endmt_hmac_tlv, key_id), &kid, 4))
		return ENDMT_STAT_DROP_TLV_TRUNC;	/* inside the checked TLV */
	key_id = bpf_ntohl(kid);
	/* The SID's key, when it names one; else any key of the node. */
	if (!key_id || (sid_key && key_id != sid_key))
		return ENDMT_STAT_DROP_HMAC_KEY;
	k = bpf_map_lookup_elem(&endmt_hmac_keys, &key_id);
	if (!k || k->alg != ENDMT_HMAC_ALG_SHA256)
		return ENDMT_STAT_DROP_HMAC_KEY;
	s = bpf_map_lookup_elem(&endmt_hmac_scratch, &zero);
	if (!s)		/* a per-CPU array's key 0: cannot happen */
		return ENDMT_STAT_DROP_HMAC_MISMATCH;
	/* Bounds for the verifier, true of every SRH the caller checked:
	 * 8 + 16 <= srh_len <= 2048, the HMAC TLV's 40 octets inside it.
	 * Ordered comparisons: 6.1 learns no minimum from "!= 0". */
	rest = srh_len - sizeof(struct endmt_srh);
	if (rest < 16 || rest > ENDMT_SRH_LEN(255) - sizeof(struct endmt_srh))
		return ENDMT_STAT_DROP_TLV_TRUNC;
	/* The HMAC TLV within the SRH (< 2048 - 40), masked rather than
	 * compared: clang proved a compare's bound in one register and used
	 * another ("R2 unbounded memory access" at the memset). */
	f = (off - ENDMT_HMAC_SRH_OFF) & (ENDMT_SRH_LEN(255) - 1);
	if (endmt_pkt_load(ctx, skb, ENDMT_HMAC_OUTER_OFF + offsetof(struct ipv6hdr, saddr),
			   s->buf + ENDMT_HMAC_TXT_SA, 16) ||
	    endmt_pkt_load(ctx, skb, ENDMT_HMAC_SRH_OFF + offsetof(struct endmt_srh, last_entry),
			   s->buf + ENDMT_HMAC_TXT_LEF, 2) ||
	    endmt_pkt_load(ctx, skb, ENDMT_HMAC_SRH_OFF + sizeof(struct endmt_srh),
			   s->buf + ENDMT_HMAC_TXT_SRH, rest))
		return ENDMT_STAT_DROP_SRH_TRUNC;	/* checked SRH: cannot happen */
	__builtin_memcpy(s->buf + ENDMT_HMAC_TXT_KEYID, &kid, 4);
	if (k->mode == ENDMT_HMAC_EXTENDED) {
		tlen = ENDMT_HMAC_TXT_SRH + (__u64)rest;
		__builtin_memset(s->buf + ENDMT_HMAC_TXT_SRH - sizeof(struct endmt_srh) +
				 ENDMT_HMAC_FIELD_OFF + f, 0, ENDMT_SHA256_LEN);
	} else {
		tlen = ENDMT_HMAC_TXT_SRH + (__u64)seg_len;
	}
	if (endmt_hmac_sha256(s, &k->pads, tlen))
		return ENDMT_STAT_DROP_HMAC_MISMATCH;	/* text too long: cannot happen */
	/* The packet's HMAC field, into the text's (spent) buffer. */
	if (endmt_pkt_load(ctx, skb, off + ENDMT_HMAC_FIELD_OFF, s->buf, ENDMT_SHA256_LEN))
		return ENDMT_STAT_DROP_TLV_TRUNC;
	if (!endmt_hmac_equal(s->mac, s->buf))
		return ENDMT_STAT_DROP_HMAC_MISMATCH;
	endmt_event(ENDMT_STAT_HMAC_OK);
	return 0;
}

#endif /* ENDMT_DP_SRH_HMAC_H */
