/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* End.MT's XDP fan-out (include/endmt/fanout.h, docs/DECISIONS.md "XDP
 * fan-out"): the edge's XDP program decapsulates and broadcasts the inner
 * packet over its group's devmap when every receiver the packet names has a
 * valid slot; each slot's devmap program rewrites its clone.  Anything else
 * returns -1 before the packet is touched, and the TC half does the job as
 * before (the fallback is the whole path, never half a job).
 *
 * Ingress: endmt_edge_fanout() (global: verified once, on its own).
 * Per copy: endmt_fanout_copy(), the body of bpf/edge_slot.bpf.c. */
#ifndef ENDMT_DP_EDGE_FANOUT_H
#define ENDMT_DP_EDGE_FANOUT_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "endmt/srh.h"
#include "endmt/roce.h"
#include "endmt/addr.h"
#include "endmt/psn.h"
#include "endmt/icrc.h"
#include "endmt/fanout.h"
#include "endmt/meta.h"
#include "maps/endmt_maps.h"
#include "dp/stats.h"
#include "dp/icrc.h"
#include "dp/ecn.h"

static __always_inline int endmt_gk_eq(const struct endmt_group_key *a,
				       const struct endmt_group_key *b)
{
	return a->dqpn == b->dqpn && endmt_addr_eq(a->proxy, b->proxy);
}

/* The walk over the packet's receivers (bpf_loop: one body verified once,
 * not 88 unrolled ones), TLV by TLV. */
struct endmt_fanout_walk {
	struct xdp_md *ctx;
	struct endmt_group_key gk;
	__u16 tlv_off[ENDMT_MAX_NODE_TLVS];
	__u32 ntlv;
	__u32 inner_len;
	__u32 t, j, n;		/* TLV t, its receiver j of n */
	__u32 fail;
	__u32 last;		/* the slot of the last receiver */
	__u64 bits;
};

/* One receiver: its slot's bit, or fail (then the TC path, which counts
 * each case: not configured here, not resolved, too long for its egress,
 * listed twice).  One lookup: endmt_fanout_rcv says it all; the slot
 * program checks membership (endmt_rcv_group) again per copy, so a
 * receiver removed by the CLI gets no copy even before the agent saw it. */
static long endmt_fanout_step(__u32 i, void *data)
{
	struct endmt_fanout_walk *w = data;
	void *pkt = (void *)(long)w->ctx->data;
	void *pend = (void *)(long)w->ctx->data_end;
	const struct endmt_fanout_rcv *fr;
	struct endmt_rcv_key k = {};
	struct endmt_mt_tlv *tlv;
	struct endmt_mt_rcv *r;
	__u32 off, n;

	(void)i;
	/* next TLV when this one is done (one with 0 receivers: the next) */
	for (n = 0; n < ENDMT_MAX_NODE_TLVS && w->j >= w->n; n++) {
		__u32 t = w->t;

		if (t >= w->ntlv || t >= ENDMT_MAX_NODE_TLVS)
			return 1;
		tlv = pkt + (w->tlv_off[t] & 0xfff);
		if ((void *)(tlv + 1) > pend)
			goto fail;
		w->n = tlv->num_receivers;
		w->j = 0;
		w->t = t + 1;
	}
	if (w->j >= w->n || w->j >= ENDMT_MT_TLV_MAX_RCV || w->t < 1 ||
	    w->t > ENDMT_MAX_NODE_TLVS)
		goto fail;
	off = (w->tlv_off[(w->t - 1) & (ENDMT_MAX_NODE_TLVS - 1)] & 0xfff) +
	      sizeof(struct endmt_mt_tlv) + w->j * sizeof(*r);
	r = pkt + (off & 0x1fff);
	if ((void *)(r + 1) > pend)
		goto fail;
	w->j++;
	__builtin_memcpy(k.addr, r->addr, 16);
	k.qpn = bpf_ntohl(r->qpn_rsvd) >> 8;
	fr = bpf_map_lookup_elem(&endmt_fanout_rcv, &k);
	if (!fr || !(fr->flags & ENDMT_FS_VALID) || fr->slot >= ENDMT_FANOUT_SLOTS ||
	    !endmt_gk_eq(&fr->group, &w->gk) || w->inner_len > fr->mtu)
		goto fail;
	if (w->bits & (1ull << (fr->slot & 63)))	/* listed twice */
		goto fail;
	w->bits |= 1ull << (fr->slot & 63);
	w->last = fr->slot & 63;
	return 0;
fail:
	w->fail = 1;
	return 1;
}

/* Ingress, after the XDP half accepted the packet and left its metadata
 * for TC (include/endmt/meta.h): decide, decapsulate, broadcast.  Returns
 * an XDP action or -1: not for the XDP path, packet and metadata untouched,
 * the TC half's job.  Counts no verdict (the XDP half counted endmt_rx). */
__noinline int endmt_edge_fanout(struct xdp_md *ctx)
{
	const struct endmt_fanout_in *in;
	struct endmt_fanout_walk w = {};
	struct endmt_fanout_meta *fm;
	struct endmt_meta m;
	__u8 eth[ETH_HLEN], o1, i1, ecn, op, csum[2], qpn[3];
	__u32 ifindex, pkt_len, inner_len, outer_len, wlen, tail;
	void *data = (void *)(long)ctx->data;
	void *dm;

	if ((void *)(long)ctx->data_meta + sizeof(m) > data)
		return -1;
	__builtin_memcpy(&m, (void *)(long)ctx->data_meta, sizeof(m));
	if (m.magic != ENDMT_META_MAGIC || !(m.flags & ENDMT_META_F_FANOUT) ||
	    (m.flags & ENDMT_META_F_CHAIN))
		return -1;
	/* The agent's lease on this device: no agent, no XDP path. */
	ifindex = ctx->ingress_ifindex;
	in = bpf_map_lookup_elem(&endmt_fanout_in, &ifindex);
	if (!in || bpf_ktime_get_ns() > in->lease_until_ns)
		return -1;
	pkt_len = (__u32)((long)ctx->data_end - (long)ctx->data);
	if (m.inner_off <= ETH_HLEN || m.inner_off >= pkt_len || m.ntlv == 0 ||
	    m.ntlv > ENDMT_MAX_NODE_TLVS)
		return -1;
	/* The group: inner DA (the Proxy Address) and DestQPN. */
	if (bpf_xdp_load_bytes(ctx, m.inner_off + ENDMT_IP6_OFF_DADDR, w.gk.proxy, 16) ||
	    bpf_xdp_load_bytes(ctx, m.inner_off + ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + 5, qpn, 3))
		return -1;
	w.gk.dqpn = (__u32)qpn[0] << 16 | (__u32)qpn[1] << 8 | qpn[2];
	dm = bpf_map_lookup_elem(&endmt_fanout_dev, &w.gk);
	if (!dm)
		return -1;
	inner_len = pkt_len - m.inner_off;
	outer_len = m.inner_off - ETH_HLEN;
	/* The copies carry the UDP checksum as received: only packets without
	 * one (RoCEv2's usual zero, what rxe sends) take this path.  A non-zero
	 * one may be no checksum at all yet: an skb of a local UDP socket stays
	 * CHECKSUM_PARTIAL across veths (the field holds the pseudo header's
	 * sum only), which XDP cannot see and its frames lose; the TC half
	 * keeps that state (measured: every XDP copy failed the receiver's
	 * check, Udp6InCsumErrors). */
	if (bpf_xdp_load_bytes(ctx, m.inner_off + ENDMT_IP6_HLEN + 6, csum, 2) ||
	    csum[0] | csum[1])
		goto to_tc;
	if (bpf_xdp_load_bytes(ctx, m.inner_off + ENDMT_IP6_HLEN + ENDMT_UDP_HLEN, &op, 1) ||
	    bpf_xdp_load_bytes(ctx, ETH_HLEN + 1, &o1, 1) ||
	    bpf_xdp_load_bytes(ctx, m.inner_off + 1, &i1, 1) ||
	    bpf_xdp_load_bytes(ctx, 0, eth, ETH_HLEN))
		goto to_tc;
	/* Outer CE over Not-ECT: the TC half drops it with its reason. */
	if (endmt_ecn_rule(ENDMT_ECN(o1), ENDMT_ECN(i1), &ecn))
		goto to_tc;
	w.ctx = ctx;
	w.ntlv = m.ntlv;
	w.inner_len = inner_len;
	__builtin_memcpy(w.tlv_off, m.tlv_off, sizeof(w.tlv_off));
	bpf_loop(ENDMT_MAX_RCV, endmt_fanout_step, &w, 0);
	if (w.fail || !w.bits || m.nrcv > ENDMT_MAX_RCV)
		goto to_tc;
	wlen = endmt_op_has_reth(op) ? ENDMT_W_LEN_RETH : ENDMT_W_LEN;
	/* The inner check guaranteed BTH/RETH and the ICRC after the window. */
	tail = inner_len - ENDMT_ICRC_LEN - (ENDMT_IP6_OFF_DADDR + wlen);

	/* TC's metadata out, ours in: shrinking and regrowing the area it
	 * had cannot fail, nothing of the packet has changed yet. */
	if (bpf_xdp_adjust_meta(ctx, (int)sizeof(m)) ||
	    bpf_xdp_adjust_meta(ctx, -(int)sizeof(*fm)))
		return endmt_event(ENDMT_STAT_DROP_FANOUT_META), XDP_DROP;
	fm = (void *)(long)ctx->data_meta;
	if ((void *)(fm + 1) > (void *)(long)ctx->data)
		return endmt_event(ENDMT_STAT_DROP_FANOUT_META), XDP_DROP;
	fm->magic = ENDMT_FANOUT_MAGIC;
	fm->flags = wlen == ENDMT_W_LEN_RETH ? ENDMT_FANOUT_F_RETH : 0;
	fm->slots = w.bits;
	fm->shift = endmt_crc32_x8n(tail & ENDMT_ICRC_MAX_TAIL);
	fm->reserved = 0;
	/* Decapsulate: the Ethernet header in front of the inner packet (its
	 * MACs are each slot's to set), the outer CE onto an ECT inner packet
	 * (masked in the ICRC, no checksum holds it), the outer headers cut. */
	if (ecn != ENDMT_ECN_KEEP) {
		i1 = (i1 & ~0x30) | (ecn & 3) << 4;
		if (bpf_xdp_store_bytes(ctx, m.inner_off + 1, &i1, 1))
			return endmt_event(ENDMT_STAT_DROP_FANOUT_META), XDP_DROP;
	}
	if (bpf_xdp_store_bytes(ctx, outer_len, eth, ETH_HLEN) ||
	    bpf_xdp_adjust_head(ctx, (int)outer_len))
		return endmt_event(ENDMT_STAT_DROP_FANOUT_META), XDP_DROP;
	endmt_event(ENDMT_STAT_ENDMT_FANOUT);
	/* One receiver: to its entry alone, no walk over the devmap's slots
	 * (its program runs all the same). */
	if (!(w.bits & (w.bits - 1)))
		return bpf_redirect_map(dm, w.last, 0);
	return bpf_redirect_map(dm, 0, BPF_F_BROADCAST);
to_tc:
	endmt_event(ENDMT_STAT_FANOUT_TC);
	return -1;
}

/* Per copy, in slot `slot`'s devmap program: the clone is the decapsulated
 * inner packet as received; rewrite it for this slot's receiver, as the TC
 * half would (DA, DestQPN, PSN/RETH translation, incremental ICRC, hop
 * limit, MACs).  Returns XDP_PASS (send) or XDP_DROP. */
static __always_inline int endmt_fanout_copy(struct xdp_md *ctx, __u32 slot)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct endmt_fanout_meta *m = (void *)(long)ctx->data_meta;
	const struct endmt_fanout_slot *s;
	const struct endmt_group_key *g;
	const struct endmt_rcv_xlate *xl;
	struct endmt_fanout_key fk = {};
	struct endmt_rcv_key rk = {};
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct endmt_bth *bth = (void *)((__u8 *)(ip6 + 1) + ENDMT_UDP_HLEN);
	__u8 *win, *ic;
	__u32 plen, wlen, icoff, icrc, raw, psn;
	__be32 q;

	if ((void *)(m + 1) > data || m->magic != ENDMT_FANOUT_MAGIC)
		goto bad;
	if (!(m->slots & (1ull << (slot & 63)))) {
		endmt_event(ENDMT_STAT_FANOUT_SKIP);
		return XDP_DROP;
	}
	if ((void *)(bth + 1) > end)
		goto bad;
	plen = bpf_ntohs(ip6->payload_len);
	if ((__u32)(end - data) != ETH_HLEN + ENDMT_IP6_HLEN + plen)
		goto bad;
	wlen = (m->flags & ENDMT_FANOUT_F_RETH) ? ENDMT_W_LEN_RETH : ENDMT_W_LEN;
	win = (__u8 *)&ip6->daddr;
	if (win + ENDMT_W_LEN_RETH > (__u8 *)end && wlen == ENDMT_W_LEN_RETH)
		goto bad;
	if (win + ENDMT_W_LEN > (__u8 *)end)
		goto bad;
	icoff = ENDMT_IP6_HLEN + plen - ENDMT_ICRC_LEN;
	if (icoff > 0x3fff)
		goto bad;
	ic = (__u8 *)ip6 + icoff;
	if (ic + ENDMT_ICRC_LEN > (__u8 *)end)
		goto bad;

	__builtin_memcpy(fk.group.proxy, &ip6->daddr, 16);
	fk.group.dqpn = bpf_ntohl(bth->fb_dqpn) & ENDMT_BTH_QPN_MASK;
	fk.slot = slot;
	s = bpf_map_lookup_elem(&endmt_fanout_slots, &fk);
	/* The agent may have moved the slot since the decision (a route
	 * change): never a copy to a place the slot no longer names. */
	if (!s || !(s->flags & ENDMT_FS_VALID) || s->ifindex != ctx->egress_ifindex)
		goto bad;
	/* Still a receiver of this group (the CLI's word, endmt_rcv_group):
	 * `receiver del` takes effect at once, as on the TC path. */
	__builtin_memcpy(rk.addr, s->addr, 16);
	rk.qpn = s->qpn;
	g = bpf_map_lookup_elem(&endmt_rcv_group, &rk);
	if (!g || !endmt_gk_eq(g, &fk.group))
		goto bad;

	/* The DA and DestQPN deltas are fixed by the group and the receiver:
	 * their raw CRC comes with the slot (the agent's, for both window
	 * lengths).  Only a translated PSN or RETH is walked here, as zeros
	 * before it cost nothing and zeros after it are a shift. */
	raw = wlen == ENDMT_W_LEN_RETH ? s->raw52 : s->raw36;
	xl = bpf_map_lookup_elem(&endmt_rcv_xlate, &rk);
	if (xl && (xl->flags & ENDMT_XL_PSN)) {
		__u8 *p = win + ENDMT_W_PSN;
		__u32 d;

		psn = (__u32)p[0] << 16 | (__u32)p[1] << 8 | p[2];
		psn = endmt_psn_add(psn, xl->psn_offset);
		d = endmt_crc32_byte(0, p[0] ^ (__u8)(psn >> 16));
		d = endmt_crc32_byte(d, p[1] ^ (__u8)(psn >> 8));
		d = endmt_crc32_byte(d, p[2] ^ (__u8)psn);
		if (wlen == ENDMT_W_LEN_RETH)
			d = endmt_icrc_zeros(d, ENDMT_W_LEN_RETH - ENDMT_W_LEN);
		raw ^= d;
		p[0] = psn >> 16;
		p[1] = psn >> 8;
		p[2] = psn;
	}
	if (xl && (xl->flags & ENDMT_XL_RETH) && wlen == ENDMT_W_LEN_RETH) {
		__u8 *r = win + ENDMT_W_RETH, nr[12];	/* VA(8) R_Key(4) */
		__u32 rkey = bpf_htonl(xl->rkey), d = 0, k;
		__u64 va;

		if (win + ENDMT_W_LEN_RETH > (__u8 *)end)
			goto bad;
		__builtin_memcpy(&va, r, 8);
		va = bpf_cpu_to_be64(bpf_be64_to_cpu(va) + xl->va_delta);
		__builtin_memcpy(nr, &va, 8);
		__builtin_memcpy(nr + 8, &rkey, 4);
		for (k = 0; k < 12; k++)
			d = endmt_crc32_byte(d, r[k] ^ nr[k]);
		d = endmt_icrc_zeros(d, 4);	/* the DMA length: unchanged */
		raw ^= d;
		__builtin_memcpy(r, nr, 12);
	}
	__builtin_memcpy(&icrc, ic, 4);
	icrc = endmt_icrc_apply(icrc, raw, m->shift);
	__builtin_memcpy(win + ENDMT_W_DA, s->addr, 16);
	q = bpf_htonl(s->qpn << 8);
	__builtin_memcpy(win + ENDMT_W_QPN, &q, 3);
	__builtin_memcpy(ic, &icrc, 4);
	ip6->hop_limit--;	/* > 1: the XDP half dropped the rest */
	__builtin_memcpy(eth->h_dest, s->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, s->smac, ETH_ALEN);
	endmt_event(ENDMT_STAT_FWD_COPY);
	endmt_event(ENDMT_STAT_FWD_COPY_XDP);
	return XDP_PASS;
bad:
	endmt_event(ENDMT_STAT_DROP_FANOUT_SLOT);
	return XDP_DROP;
}

#endif /* ENDMT_DP_EDGE_FANOUT_H */
