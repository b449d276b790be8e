/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* End.MT, TC half (edge node): with the metadata the XDP half left
 * (include/endmt/meta.h), copy this node's receivers out of the TLVs, send
 * the outer packet on in chain mode, decapsulate, then for each receiver
 * rewrite DA / DestQPN (+ PSN offset, RETH translation), update the ICRC
 * incrementally and the UDP checksum, and clone-redirect toward the
 * receiver's next hop.  The original is consumed.
 *
 * Offsets are from the Ethernet header (skb->data at TC ingress). */
#ifndef ENDMT_DP_EDGE_REPLICATE_H
#define ENDMT_DP_EDGE_REPLICATE_H

#include <linux/bpf.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "endmt/srh.h"
#include "endmt/roce.h"
#include "endmt/meta.h"
#include "endmt/psn.h"
#include "endmt/icrc.h"
#include "endmt/receiver.h"
#include "dp/stats.h"
#include "dp/icrc.h"
#include "dp/send.h"
#include "dp/ecn.h"

/* The per-copy window: include/endmt/icrc.h (ENDMT_W_*). */
#define ENDMT_IN_IP6  ETH_HLEN	/* inner IPv6 after decapsulation */
#define ENDMT_IN_WIN  (ENDMT_IN_IP6 + ENDMT_IP6_OFF_DADDR)
#define ENDMT_IN_CSUM (ENDMT_IN_IP6 + ENDMT_IP6_HLEN + 6)

/* Per-packet state shared with the per-copy bpf_loop callback. */
struct endmt_copy_ctx {
	struct __sk_buff *skb;
	__u32 icrc_off;		/* ICRC offset in the decapsulated frame */
	__u32 icrc_orig;	/* as stored (little-endian value) */
	__u32 icrc_cur;		/* what the packet holds now */
	__u32 has_reth;
	__u32 udp_csum;		/* non-zero: keep the UDP checksum right */
	__u32 strict;		/* ENDMT_META_F_STRICT: the group's receivers only */
	__u8 hl;		/* inner hop limit as received */
	/* orig_w, cur_w, eth_orig, saddr: in struct endmt_edge_scratch */
};
_Static_assert(sizeof(((struct endmt_edge_scratch *)0)->orig_w) == ENDMT_W_LEN_RETH,
	       "scratch window size");

/* A receiver address appears once per packet: a TLV that lists it again
 * (another QPN included: one QP per receiver address per group, see
 * docs/TREE-FORMAT.md) gets no second copy, so a list cannot multiply
 * copies to one host.  Compared with the entries before i that were taken,
 * so a refused entry never hides a valid one behind it. */
static __always_inline int endmt_rcv_seen(const struct endmt_edge_scratch *sc, __u32 i,
					  const __u8 addr[16])
{
	__u64 a0, a1, b0, b1;
	__u32 j;

	__builtin_memcpy(&a0, addr, 8);
	__builtin_memcpy(&a1, addr + 8, 8);
	for (j = 0; j < ENDMT_MAX_RCV; j++) {
		if (j >= i)
			break;
		if (!(sc->taken[(j >> 6) & 1] & (1ull << (j & 63))))
			continue;
		__builtin_memcpy(&b0, sc->rcv[j].addr, 8);
		__builtin_memcpy(&b1, sc->rcv[j].addr + 8, 8);
		if (a0 == b0 && a1 == b1)
			return 1;
	}
	return 0;
}

/* One copy per call (bpf_loop): the body is verified once instead of
 * ENDMT_MAX_RCV times.  Every field is computed from the ORIGINAL window,
 * never from the previous copy's. */
/* Strict SID: is the QP k a configured receiver (endmt_rcv_group) of the
 * packet's group, (inner DA = Proxy Address, DestQPN) as received?  A TLV
 * can name any address and QP; only the operator's receivers get copies. */
static __always_inline int endmt_rcv_member(const struct endmt_edge_scratch *sc,
					    const struct endmt_rcv_key *k)
{
	const struct endmt_group_key *g = bpf_map_lookup_elem(&endmt_rcv_group, k);
	__u32 dqpn;

	if (!g)
		return 0;
	dqpn = (__u32)sc->orig_w[ENDMT_W_QPN] << 16 | (__u32)sc->orig_w[ENDMT_W_QPN + 1] << 8 |
	       sc->orig_w[ENDMT_W_QPN + 2];
	return g->dqpn == dqpn && endmt_addr_eq(g->proxy, sc->orig_w + ENDMT_W_DA);
}

/* The 32-bit word at octet off of a window (8-aligned, off a multiple of 4). */
static __always_inline __u32 endmt_w32(const __u8 *w, __u32 off)
{
	__u32 v;

	__builtin_memcpy(&v, w + off, 4);
	return v;
}

/* One's complement sum of (~from, to), 32-bit words in memory order: any
 * value congruent mod 2^32 - 1 to what bpf_csum_diff returns does for
 * bpf_l4_csum_replace (it adds the difference in one's complement). */
static __always_inline __u64 endmt_csum_w(__u64 sum, __u32 from, __u32 to)
{
	return sum + (__u32)~from + to;
}

static __always_inline __s64 endmt_csum_fold32(__u64 sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	return (__u32)sum;
}

static long endmt_copy_one(__u32 i, void *data)
{
	struct endmt_copy_ctx *c = data;
	struct __sk_buff *skb = c->skb;
	struct endmt_edge_scratch *sc;
	struct endmt_rcv_xlate *xl;
	struct endmt_rcv_key key = {};
	__be32 qpn_rsvd;
	__u8 nw[ENDMT_W_LEN_RETH] __attribute__((aligned(8)));	/* read as words */
	__u32 zero = 0, raw, icrc, psn, rlen;
	int xpsn, xreth, dq, dr;

	sc = bpf_map_lookup_elem(&endmt_edge_scratch, &zero);
	/* Barrier: without it clang indexes with a copy of i spilled before
	 * the check ("R0 unbounded memory access"). */
	asm volatile("" : "+r"(i));
	if (!sc || i >= ENDMT_MAX_RCV)
		return 1;
	/* into the lookup key itself, not a copy of the entry: the callback's
	 * stack is near the 512-octet limit (with the caller's) */
	__builtin_memcpy(key.addr, sc->rcv[i].addr, 16);
	qpn_rsvd = sc->rcv[i].qpn_rsvd;
	key.qpn = bpf_ntohl(qpn_rsvd) >> 8;
	/* Whatever the TLV says: no copy to an address or QP no receiver can
	 * have, above all not to the Proxy Address, the source's side (the
	 * inner DA, or any Proxy Address this node aggregates for), where a
	 * copy would be taken for a response.  The next receiver still gets
	 * its copy. */
	if (endmt_rcv_refusal(key.addr, key.qpn, sc->orig_w + ENDMT_W_DA) ||
	    bpf_map_lookup_elem(&endmt_proxies, key.addr)) {
		endmt_event(ENDMT_STAT_DROP_RCV_INVALID);
		return 0;
	}
	if (endmt_rcv_seen(sc, i, key.addr)) {
		endmt_event(ENDMT_STAT_DROP_RCV_DUP);
		return 0;
	}
	if (c->strict && !endmt_rcv_member(sc, &key)) {
		endmt_event(ENDMT_STAT_DROP_RCV_MEMBER);
		return 0;
	}
	/* & 1: the verifier lost i's bound by here (ENDMT_MAX_RCV <= 128) */
	sc->taken[(i >> 6) & 1] |= 1ull << (i & 63);
	__builtin_memcpy(nw, sc->orig_w, sizeof(nw));
	__builtin_memcpy(nw + ENDMT_W_DA, key.addr, 16);
	__builtin_memcpy(nw + ENDMT_W_QPN, &qpn_rsvd, 3);

	xl = bpf_map_lookup_elem(&endmt_rcv_xlate, &key);
	xpsn = xl && (xl->flags & ENDMT_XL_PSN);
	xreth = xl && (xl->flags & ENDMT_XL_RETH) && c->has_reth;
	if (xpsn) {
		psn = (__u32)nw[ENDMT_W_PSN] << 16 | (__u32)nw[ENDMT_W_PSN + 1] << 8 |
		      nw[ENDMT_W_PSN + 2];
		psn = endmt_psn_add(psn, xl->psn_offset);
		nw[ENDMT_W_PSN] = psn >> 16;
		nw[ENDMT_W_PSN + 1] = psn >> 8;
		nw[ENDMT_W_PSN + 2] = psn;
	}
	if (xreth) {
		__u64 va;
		__u32 rkey = bpf_htonl(xl->rkey);

		__builtin_memcpy(&va, nw + ENDMT_W_RETH, 8);
		va = bpf_cpu_to_be64(bpf_be64_to_cpu(va) + xl->va_delta);
		__builtin_memcpy(nw + ENDMT_W_RETH, &va, 8);
		__builtin_memcpy(nw + ENDMT_W_RETH + 8, &rkey, 4);
	}

	/* ICRC: original value XOR the shifted CRC of the window delta.  Of
	 * the window only the DA, the QPN and (translated) the PSN and the
	 * RETH's VA and R_Key can differ from the original: the octets
	 * between and after them are zeros of the delta, one table step
	 * each, no loads (include/endmt/icrc.h); the shift's product from its
	 * table, built once per packet. */
	raw = endmt_icrc_delta_more(0, sc->orig_w, nw, ENDMT_W_DA, 16);
	raw = endmt_icrc_zeros(raw, ENDMT_W_QPN - 16);
	raw = endmt_icrc_delta_more(raw, sc->orig_w, nw, ENDMT_W_QPN, 3);
	if (xpsn || xreth) {
		raw = endmt_icrc_zeros(raw, ENDMT_W_PSN - ENDMT_W_QPN_END);
		raw = endmt_icrc_delta_more(raw, sc->orig_w, nw, ENDMT_W_PSN, 3);
		if (c->has_reth) {
			raw = endmt_icrc_delta_more(raw, sc->orig_w, nw, ENDMT_W_RETH, 12);
			raw = endmt_icrc_zeros(raw, ENDMT_W_LEN_RETH - ENDMT_W_RETH - 12);
		}
	} else if (c->has_reth) {
		raw = endmt_icrc_zeros(raw, ENDMT_W_LEN_RETH - ENDMT_W_QPN_END);
	} else {
		raw = endmt_icrc_zeros(raw, ENDMT_W_LEN - ENDMT_W_QPN_END);
	}
	icrc = endmt_icrc_apply_tab(c->icrc_orig, raw, &sc->mul);

	/* Only what differs from what the packet holds now (the previous
	 * copy) is stored: the DA always (receivers are distinct), the
	 * DestQPN unless equal to the previous copy's (the same QPN on every
	 * host is common), PSN..RETH when one of the two was translated; as
	 * one span when both.  The UDP checksum field (window octets 22-23)
	 * is never stored from the window, so the l4 updates below own it.
	 * As 32-bit words: octets 28 and 32 are never rewritten, 48-51 (the
	 * DMA length, or zeros past a window without RETH) neither. */
	dq = endmt_w32(nw, 28) != endmt_w32(sc->cur_w, 28);
	dr = endmt_w32(nw, 32) != endmt_w32(sc->cur_w, 32) ||
	     endmt_w32(nw, 36) != endmt_w32(sc->cur_w, 36) ||
	     endmt_w32(nw, 40) != endmt_w32(sc->cur_w, 40) ||
	     endmt_w32(nw, 44) != endmt_w32(sc->cur_w, 44);
	rlen = (c->has_reth ? ENDMT_W_LEN_RETH - 4 : ENDMT_W_LEN) - ENDMT_W_PSN;
	if (bpf_skb_store_bytes(skb, ENDMT_IN_WIN, nw, 16, 0) ||
	    (dq && dr && bpf_skb_store_bytes(skb, ENDMT_IN_WIN + ENDMT_W_QPN, nw + ENDMT_W_QPN,
					      ENDMT_W_PSN - ENDMT_W_QPN + rlen, 0)) ||
	    (dq && !dr && bpf_skb_store_bytes(skb, ENDMT_IN_WIN + ENDMT_W_QPN, nw + ENDMT_W_QPN,
					       3, 0)) ||
	    (!dq && dr && bpf_skb_store_bytes(skb, ENDMT_IN_WIN + ENDMT_W_PSN, nw + ENDMT_W_PSN,
					       rlen, 0)) ||
	    bpf_skb_store_bytes(skb, c->icrc_off, &icrc, 4, 0))
		goto fail;
	if (c->udp_csum) {
		/* Relative to what the packet holds now (the previous copy):
		 * DA is in the pseudo header, the rest is payload; split so
		 * CHECKSUM_PARTIAL packets get only the pseudo-header part.
		 * The differences as bpf_csum_diff would return them, without
		 * its three calls. */
		__u64 sum = 0;
		__u32 k;

		for (k = 0; k < 16; k += 4)
			sum = endmt_csum_w(sum, endmt_w32(sc->cur_w, k), endmt_w32(nw, k));
		if (bpf_l4_csum_replace(skb, ENDMT_IN_CSUM, 0, endmt_csum_fold32(sum),
					BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0))
			goto fail;
		/* every word that can change, changed or not (an equal one
		 * adds ~x + x, a zero): no branch on dq/dr keeps apart
		 * verifier states that could be pruned */
		sum = endmt_csum_w(0, c->icrc_cur, icrc);
		for (k = 28; k < 48; k += 4)
			sum = endmt_csum_w(sum, endmt_w32(sc->cur_w, k), endmt_w32(nw, k));
		if (bpf_l4_csum_replace(skb, ENDMT_IN_CSUM, 0, endmt_csum_fold32(sum),
					BPF_F_MARK_MANGLED_0))
			goto fail;
	}
	__builtin_memcpy(sc->cur_w, nw, sizeof(nw));
	c->icrc_cur = icrc;

	endmt_send_now(skb, nw + ENDMT_W_DA, sc->saddr, sc->eth_orig, ENDMT_IN_IP6 + 7, c->hl,
		       ENDMT_STAT_FWD_COPY, &sc->now);
	return 0;
fail:
	/* Store helpers fail only on an skb they cannot write: the packet
	 * is in an unknown state, so no further copies from it. */
	endmt_event(ENDMT_STAT_DROP_CLONE);
	return 1;
}

/* Re-checks the metadata against the packet and copies the receivers into
 * the scratch map.  Returns 0 or -1 (metadata does not describe this packet). */
static __noinline int endmt_meta_check(struct __sk_buff *skb, const struct endmt_meta *m,
				       __u8 tlv_type, __u32 *plen_out)
{
	struct endmt_edge_scratch *sc;
	struct endmt_mt_tlv t;
	struct endmt_srh srh;
	struct ipv6hdr ip6;
	__u32 zero = 0, k = 0, seg_end, i, j, idx, off, n, plen;

	if (m->srh_off != ETH_HLEN + ENDMT_IP6_HLEN || m->ntlv == 0 ||
	    m->ntlv > ENDMT_MAX_NODE_TLVS || m->nrcv > ENDMT_MAX_RCV)
		return -1;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)) ||
	    ip6.nexthdr != ENDMT_NEXTHDR_ROUTING ||
	    bpf_skb_load_bytes(skb, m->srh_off, &srh, sizeof(srh)) ||
	    srh.nexthdr != ENDMT_NEXTHDR_IPV6 ||
	    m->inner_off != m->srh_off + ENDMT_SRH_LEN(srh.hdrlen))
		return -1;
	seg_end = m->srh_off + sizeof(srh) + 16 * ((__u32)srh.last_entry + 1);
	if (bpf_skb_load_bytes(skb, m->inner_off, &ip6, sizeof(ip6)))
		return -1;
	plen = bpf_ntohs(ip6.payload_len);
	if (m->inner_off + ENDMT_IP6_HLEN + plen != skb->len ||
	    plen < ENDMT_UDP_HLEN + sizeof(struct endmt_bth) + ENDMT_ICRC_LEN)
		return -1;

	sc = bpf_map_lookup_elem(&endmt_edge_scratch, &zero);
	if (!sc)
		return -1;
	for (i = 0; i < ENDMT_MAX_NODE_TLVS; i++) {
		if (i >= m->ntlv)
			break;
		off = m->tlv_off[i];
		if (off < seg_end || off + sizeof(t) > m->inner_off ||
		    bpf_skb_load_bytes(skb, off, &t, sizeof(t)) || t.type != tlv_type)
			return -1;
		n = t.num_receivers;
		if (t.len != ENDMT_MT_TLV_VALUE_LEN(n) || off + 2 + t.len > m->inner_off ||
		    n > ENDMT_MT_TLV_MAX_RCV || k > ENDMT_MAX_RCV || k + n > ENDMT_MAX_RCV)
			return -1;
		/* One fixed-size load per receiver: a single variable-length
		 * load was rejected ("R4 invalid zero-sized read:
		 * u64=[0,232]": clang passes a copy of n * 20 taken before n
		 * was bounded, even behind a compiler barrier). */
		for (j = 0; j < ENDMT_MT_TLV_MAX_RCV; j++) {
			if (j >= n)
				break;
			/* The bound is checked on the byte offset itself, behind
			 * a barrier, in the register that is added to the map
			 * pointer.  Bounding the index was enough for newer
			 * verifiers; 6.1 lost it through the multiplication
			 * ("invalid access to map value, value_size=2112
			 * off=5100 size=20 / R3 max value is outside of the
			 * allowed memory range", R3 umax=5100 var_off=(0x0;
			 * 0x1ffc): the 8-bit bound of idx, times 20). */
			idx = (k + j) * sizeof(struct endmt_mt_rcv);
			asm volatile("" : "+r"(idx));
			if (idx > (ENDMT_MAX_RCV - 1) * sizeof(struct endmt_mt_rcv) ||
			    bpf_skb_load_bytes(skb, off + sizeof(t) + j * sizeof(struct endmt_mt_rcv),
					       (__u8 *)sc->rcv + idx, sizeof(struct endmt_mt_rcv)))
				return -1;
		}
		k += n;
	}
	if (k != m->nrcv)
		return -1;
	*plen_out = plen;
	return 0;
}

/* The outer packet goes on to its next segment (DA already SRH[SL]).
 * Not inlined, like endmt_meta_check: each has its own stack frame, so the
 * main frame plus the per-copy callback's stays under 512 octets
 * ("combined stack size of 2 calls is 704. Too large"). */
static __noinline void endmt_chain(struct __sk_buff *skb, const __u8 *eth_orig)
{
	struct ipv6hdr ip6;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)))
		return endmt_event(ENDMT_STAT_DROP_CLONE);
	if (ip6.hop_limit <= 1)		/* would expire on the next hop */
		return endmt_event(ENDMT_STAT_DROP_CHAIN_HLIM);
	endmt_send(skb, (__u8 *)&ip6.daddr, (__u8 *)&ip6.saddr, eth_orig,
		   ETH_HLEN + 7, ip6.hop_limit, ENDMT_STAT_FWD_CHAIN);
}

/* RFC 6040 decapsulation (the rule: dp/ecn.h).  Reads the ECN field of the
 * outer header and of the inner one at inner_off, before decapsulation.
 * Sets *ecn to the value the inner packet must carry, or ENDMT_ECN_KEEP.
 * Returns 0, -EPROTO for outer CE over a Not-ECT inner packet, -EFAULT if
 * a header is unreadable (endmt_meta_check read both: the metadata was
 * wrong). */
static __always_inline int endmt_ecn_decap(struct __sk_buff *skb, __u32 inner_off, __u8 *ecn)
{
	__u8 o[2], in[2];

	*ecn = ENDMT_ECN_KEEP;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, o, 2) ||
	    bpf_skb_load_bytes(skb, inner_off, in, 2))
		return -EFAULT;
	return endmt_ecn_rule(ENDMT_ECN(o[1]), ENDMT_ECN(in[1]), ecn);
}

/* The whole TC half.  Returns a TC verdict for a packet our XDP half
 * accepted, or -1 (no metadata of ours: not ours, untouched). */
static __always_inline int endmt_edge_tc_run(struct __sk_buff *skb, __u8 tlv_type)
{
	void *data = (void *)(long)skb->data;
	struct endmt_meta *mp = (void *)(long)skb->data_meta;
	struct endmt_copy_ctx c = {};
	struct endmt_edge_scratch *sc;
	struct endmt_meta m;
	struct ipv6hdr ip6;
	__u32 plen, tail, wlen, outer_len, zero = 0;
	__u8 ecn;
	int err;

	if ((void *)(mp + 1) > data || mp->magic != ENDMT_META_MAGIC)
		return -1;	/* not from our XDP half: not ours */
	__builtin_memcpy(&m, mp, sizeof(m));
	/* Clones (copies handed back to the stack) must never look like
	 * fresh End.MT packets to this program. */
	mp->magic = 0;
	/* GRO merged several End.MT datagrams into one skb (e.g.
	 * rx-udp-gro-forwarding on this device: the metadata of equal
	 * packets is equal, so GRO does not keep them apart).  Each segment
	 * has its own inner lengths, PSN and ICRC; rewriting the skb as one
	 * packet would put every copy's ICRC at the wrong offset.  Refuse
	 * it, counted once per skb (its gso_segs datagrams are lost). */
	if (skb->gso_size || skb->gso_segs > 1)
		return endmt_verdict(ENDMT_STAT_DROP_GSO, TC_ACT_SHOT);

	sc = bpf_map_lookup_elem(&endmt_edge_scratch, &zero);
	if (!sc || endmt_meta_check(skb, &m, tlv_type, &plen) ||
	    bpf_skb_load_bytes(skb, 0, sc->eth_orig, sizeof(sc->eth_orig)))
		return endmt_verdict(ENDMT_STAT_DROP_META, TC_ACT_SHOT);

	/* Addressed to another host's MAC (the stack would not take it
	 * either): no copies on its behalf. */
	if (skb->pkt_type == PACKET_OTHERHOST)
		return endmt_verdict(ENDMT_STAT_DROP_OUTER_MAC, TC_ACT_SHOT);
	c.strict = m.flags & ENDMT_META_F_STRICT;
	if (m.flags & ENDMT_META_F_CHAIN)
		endmt_chain(skb, sc->eth_orig);
	/* After the chain copy: the outer packet goes on with its CE mark,
	 * the next edge decides for itself. */
	err = endmt_ecn_decap(skb, m.inner_off, &ecn);
	if (err == -EPROTO)
		return endmt_verdict(ENDMT_STAT_DROP_ECN_NOT_ECT, TC_ACT_SHOT);
	if (err)
		return endmt_verdict(ENDMT_STAT_DROP_META, TC_ACT_SHOT);

	/* Full decapsulation: the inner IPv6 follows Ethernet.  FIXED_GSO:
	 * without it a UDP GSO skb fails with -ENOTSUPP (measured on 6.18 and 6.1). */
	outer_len = m.inner_off - ETH_HLEN;
	if (bpf_skb_adjust_room(skb, -(__s32)outer_len, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_FIXED_GSO))
		return endmt_verdict(ENDMT_STAT_DROP_DECAP, TC_ACT_SHOT);

	__builtin_memset(sc->orig_w, 0, sizeof(sc->orig_w));
	if (bpf_skb_load_bytes(skb, ENDMT_IN_IP6, &ip6, sizeof(ip6)))
		return endmt_verdict(ENDMT_STAT_DROP_DECAP, TC_ACT_SHOT);
	/* The outer mark onto the inner ECT packet, once, before the copies
	 * are cloned: every copy carries it.  The Traffic Class is masked in
	 * the ICRC, IPv6 has no header checksum and the UDP checksum's pseudo
	 * header does not hold it: nothing else changes. */
	if (ecn != ENDMT_ECN_KEEP) {
		__u8 b1 = (((__u8 *)&ip6)[1] & ~0x30) | (ecn & 3) << 4;

		if (bpf_skb_store_bytes(skb, ENDMT_IN_IP6 + 1, &b1, 1, 0))
			return endmt_verdict(ENDMT_STAT_DROP_DECAP, TC_ACT_SHOT);
	}
	if (bpf_skb_load_bytes(skb, ENDMT_IN_WIN, sc->orig_w, ENDMT_W_LEN))
		return endmt_verdict(ENDMT_STAT_DROP_DECAP, TC_ACT_SHOT);
	c.has_reth = endmt_op_has_reth(sc->orig_w[ENDMT_W_BTH]);
	if (c.has_reth &&
	    bpf_skb_load_bytes(skb, ENDMT_IN_WIN, sc->orig_w, ENDMT_W_LEN_RETH))
		return endmt_verdict(ENDMT_STAT_DROP_DECAP, TC_ACT_SHOT);
	/* Routed copies leave with hop limit - 1 (XDP dropped HL <= 1);
	 * masked in the ICRC and outside the UDP checksum. */
	c.hl = ip6.hop_limit;

	wlen = c.has_reth ? ENDMT_W_LEN_RETH : ENDMT_W_LEN;
	c.skb = skb;
	c.icrc_off = ENDMT_IN_IP6 + ENDMT_IP6_HLEN + plen - ENDMT_ICRC_LEN;
	if (bpf_skb_load_bytes(skb, c.icrc_off, &c.icrc_orig, 4))
		return endmt_verdict(ENDMT_STAT_DROP_DECAP, TC_ACT_SHOT);
	c.icrc_cur = c.icrc_orig;
	/* Octets after the window up to the ICRC; plen >= window end is
	 * guaranteed by the XDP half (BTH/RETH present before the ICRC). */
	tail = ENDMT_IP6_HLEN + plen - ENDMT_ICRC_LEN - (ENDMT_IP6_OFF_DADDR + wlen);
	endmt_crc32_mul_init(&sc->mul, endmt_crc32_x8n(tail & ENDMT_ICRC_MAX_TAIL));
	/* the frame as it is: the chain copy rewrote the MACs */
	__builtin_memcpy(sc->now.eth, sc->eth_orig, sizeof(sc->now.eth));
	sc->now.hl = c.hl;
	sc->now.valid = !(m.flags & ENDMT_META_F_CHAIN);
	c.udp_csum = sc->orig_w[ENDMT_W_CSUM] | sc->orig_w[ENDMT_W_CSUM + 1];
	__builtin_memcpy(sc->saddr, &ip6.saddr, 16);
	__builtin_memcpy(sc->cur_w, sc->orig_w, sizeof(sc->cur_w));
	__builtin_memset(sc->taken, 0, sizeof(sc->taken));

	bpf_loop(m.nrcv, endmt_copy_one, &c, 0);
	return endmt_verdict(ENDMT_STAT_ENDMT_CONSUMED, TC_ACT_SHOT);
}

#endif /* ENDMT_DP_EDGE_REPLICATE_H */
