/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RFC 9714 alternate marking of MPLS flows (include/endmt/mpls.h): the
 * label stack walk every MPLS role shares, the packet key of a D mark, and
 * the three roles' steps (bpf/mpls.bpf.c holds only the entry points).
 *
 *   ingress LER (TC egress of the core-facing device): the kernel's MPLS
 *     (mpls_iptunnel, act_mpls) has pushed the stack; a packet whose IP
 *     destination is a configured flow gets XL + FLI + FL inserted below
 *     the top label or below the bottom one, and is counted OUT;
 *   counting node (XDP): finds XL + FLI + FL within its readable depth
 *     and counts the packet IN per (Flow-ID Label, colour);
 *   egress (XDP): counts like the counting node, then takes XL + FLI + FL
 *     off, so the kernel's MPLS (which knows no label 15) pops the rest.
 *
 * What is not ours passes (no MPLS, a stack without XL + FLI, one deeper
 * than this node reads).  What is malformed is dropped: an XL or FLI
 * that ends the stack, an XL followed by a reserved extended value, a
 * Flow-ID Label 0-15 or with a TTL other than 0 (RFC 9714 §3: the TTL is
 * 0 so that the label is never used for forwarding; a packet carrying
 * one has been built wrong or tampered with), a frame that ends inside
 * its stack.  A plain LSR would forward those to where they can do harm
 * (label 15 exposed on top, a special-purpose value read as a flow). */
#ifndef ENDMT_DP_MPLS_PM_H
#define ENDMT_DP_MPLS_PM_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "endmt/mpls.h"
#include "maps/endmt_maps.h"
#include "dp/stats.h"
#include "dp/pm_mark.h"

#ifndef ETH_P_MPLS_UC
#define ETH_P_MPLS_UC 0x8847
#endif

#define ENDMT_MPLS_LABEL(lse)	((lse) >> ENDMT_MPLS_LABEL_SHIFT)
#define ENDMT_MPLS_TTL_MASK	0xffu

/* The walk's "found" (every other result is a counter's reason). */
#define ENDMT_MPLS_FOUND ENDMT_STAT_MAX

/* What the walk found: the first XL + FLI + FL of the stack. */
struct endmt_mpls_walk {
	__u32 xl;	/* index of the XL (0: the top entry) */
	__u32 fl;	/* the Flow-ID Label's entry, host order */
	__u32 bos;	/* index of the bottom entry */
	__u32 found;
};

static __always_inline __u32 endmt_mpls_frld(const struct endmt_mpls_node *n)
{
	__u32 d = n ? n->frld : 0;

	if (!d)
		return ENDMT_MPLS_FRLD_DEF;
	return d > ENDMT_MPLS_FRLD_MAX ? ENDMT_MPLS_FRLD_MAX : d;
}

static __always_inline const struct endmt_mpls_node *endmt_mpls_node(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&endmt_mpls, &zero);
}

/* Walks the label stack that follows the Ethernet header at data.
 * Returns ENDMT_MPLS_FOUND when an XL + FLI + FL lies within the first frld entries and
 * the bottom within ENDMT_MPLS_FRLD_MAX (*w filled), else the reason:
 * PASS_NOT_OURS (no XL + FLI before the bottom), MPLS_TOO_DEEP, or a
 * DROP_MPLS_* one.  Entries deeper than frld are not judged (this node
 * does not read them), except that the frame must hold them. */
static __always_inline __u32 endmt_mpls_walk(const void *data, const void *data_end,
					     __u32 frld, struct endmt_mpls_walk *w)
{
	const __u8 *stack = (const __u8 *)data + ETH_HLEN;
	__u32 i, pend = 0;	/* 1: the last entry was an XL, 2: XL + FLI */

	w->found = 0;
	w->xl = 0;
	w->fl = 0;
	w->bos = 0;
	for (i = 0; i < ENDMT_MPLS_FRLD_MAX; i++) {
		const __be32 *e = (const __be32 *)(stack + i * ENDMT_MPLS_LSE_LEN);
		__u32 lse, label;

		if ((const void *)(e + 1) > data_end)
			return ENDMT_STAT_DROP_MPLS_TRUNC;
		lse = bpf_ntohl(*e);
		label = ENDMT_MPLS_LABEL(lse);
		if (!w->found) {
			if (i >= frld)
				return ENDMT_STAT_MPLS_TOO_DEEP;
			if (pend == 2) {
				if (label < ENDMT_MPLS_FL_MIN || (lse & ENDMT_MPLS_TTL_MASK))
					return ENDMT_STAT_DROP_MPLS_FL;
				w->found = 1;
				w->fl = lse;
				w->xl = i - 2;
			} else if (pend == 1) {
				/* RFC 7274: an XL is followed by an extended
				 * special-purpose label, never one of the
				 * reserved values 0-15 (an XL XL FLI, say). */
				if (label == ENDMT_MPLS_FLI) {
					if (lse & ENDMT_MPLS_S)	/* FLI at the bottom: no FL */
						return ENDMT_STAT_DROP_MPLS_MALFORMED;
					pend = 2;
				} else if (label < ENDMT_MPLS_FL_MIN) {
					return ENDMT_STAT_DROP_MPLS_MALFORMED;
				} else {
					pend = 0;	/* another extended SPL: not ours */
				}
			} else if (label == ENDMT_MPLS_XL) {
				if (lse & ENDMT_MPLS_S)	/* an XL must be followed */
					return ENDMT_STAT_DROP_MPLS_MALFORMED;
				pend = 1;
			}
		}
		if (lse & ENDMT_MPLS_S) {
			w->bos = i;
			return w->found ? ENDMT_MPLS_FOUND : ENDMT_STAT_PASS_NOT_OURS;
		}
	}
	return ENDMT_STAT_MPLS_TOO_DEEP;
}

/* The D mark's packet key: FNV-1a over the ENDMT_MPLS_KEY_OCTETS octets
 * after the stack (buf: n of them, zeros after), then n.  The unit test
 * computes it on its own from this definition. */
static __always_inline __u32 endmt_mpls_key_of(const __u8 *buf, __u32 n)
{
	__u32 h = 2166136261u, i;

	for (i = 0; i < ENDMT_MPLS_KEY_OCTETS; i++)
		h = (h ^ buf[i]) * 16777619u;
	return (h ^ n) * 16777619u;
}

/* The number of key octets a packet of len octets has after off,
 * bounded for the helper that reads them. */
static __always_inline __u32 endmt_mpls_key_len(__u32 len, __u32 off)
{
	__u32 n = len > off ? len - off : 0;

	return n < ENDMT_MPLS_KEY_OCTETS ? n : ENDMT_MPLS_KEY_OCTETS;
}

/* n (1..ENDMT_MPLS_KEY_OCTETS) as the 6.1 verifier can see it is: a
 * plain "if (n > 0 && n <= 32)" is compiled into a test on a copy, and
 * the helper's register stays [0, 31] ("R4 invalid zero-sized read"). */
static __always_inline __u32 endmt_mpls_key_bound(__u32 n)
{
	return ((n - 1) & (ENDMT_MPLS_KEY_OCTETS - 1)) + 1;
}
_Static_assert((ENDMT_MPLS_KEY_OCTETS & (ENDMT_MPLS_KEY_OCTETS - 1)) == 0, "key octets a power of 2");

/* ---- the ingress LER (TC egress) ----------------------------------------- */

/* Octets the LER makes linear: Ethernet, the deepest stack it marks, the
 * key's octets (which cover an IPv6 destination). */
#define ENDMT_MPLS_LER_PULL (ETH_HLEN + ENDMT_MPLS_FRLD_MAX * ENDMT_MPLS_LSE_LEN + 40)

static __always_inline int endmt_mpls_ler_tc(struct __sk_buff *skb)
{
	struct endmt_pm_cfg nocfg = {};
	const struct endmt_pm_cfg *cfg;
	struct endmt_mpls_flow_key fk = {};
	struct endmt_mpls_flow *f;
	struct endmt_mpls_walk w;
	__u8 colour, dmark, buf[ETH_HLEN + ENDMT_MPLS_FRLD_MAX * ENDMT_MPLS_LSE_LEN];
	__be32 ins[4];
	__u32 r, p, head, above, fl, key, len = skb->len, pull, payload, mtu = 0, bytes;
	const struct ethhdr *eth;
	void *data, *data_end;
	const __u8 *ip;

	if (skb->protocol != bpf_htons(ETH_P_MPLS_UC))
		return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
	pull = len < ENDMT_MPLS_LER_PULL ? len : ENDMT_MPLS_LER_PULL;
	bpf_skb_pull_data(skb, pull);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	eth = data;
	if ((const void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_MPLS_UC))
		return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
	r = endmt_mpls_walk(data, data_end, ENDMT_MPLS_FRLD_MAX, &w);
	/* Only a stack this node's MPLS built is marked here: one already
	 * carrying a Flow-ID Label (FOUND), or that the walk would not pass on,
	 * leaves as it came: it is not a packet of ours to judge. */
	if (r == ENDMT_STAT_MPLS_TOO_DEEP)
		return endmt_verdict(ENDMT_STAT_MPLS_TOO_DEEP, TC_ACT_OK);
	if (r != ENDMT_STAT_PASS_NOT_OURS)
		return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
	if (w.bos >= ENDMT_MPLS_FRLD_MAX)
		return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
	payload = ETH_HLEN + (w.bos + 1) * ENDMT_MPLS_LSE_LEN;
	ip = (const __u8 *)data + payload;
	if ((const void *)(ip + 1) > data_end)
		return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
	if ((ip[0] >> 4) == 4) {
		if ((const void *)(ip + 20) > data_end)
			return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
		fk.dst[10] = 0xff;
		fk.dst[11] = 0xff;
		__builtin_memcpy(&fk.dst[12], ip + 16, 4);
	} else if ((ip[0] >> 4) == 6) {
		if ((const void *)(ip + 40) > data_end)
			return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
		__builtin_memcpy(fk.dst, ip + 24, 16);
	} else {
		return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
	}
	f = bpf_map_lookup_elem(&endmt_mpls_flows, &fk);
	if (!f)
		return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
	p = f->position == ENDMT_MPLS_POS_BOTTOM ? w.bos : 0;
	/* The FL (entry p + 3) must lie within what the counting nodes
	 * read; the readable depth set here is the LSP's. */
	if (p + 3 >= endmt_mpls_frld(endmt_mpls_node()))
		return endmt_verdict(ENDMT_STAT_MPLS_TOO_DEEP, TC_ACT_OK);
	{
		__u8 kb[ENDMT_MPLS_KEY_OCTETS] = {};
		__u32 n = endmt_mpls_key_len(len, payload);

		if (n && bpf_skb_load_bytes(skb, payload, kb, endmt_mpls_key_bound(n)))
			n = 0;
		key = endmt_mpls_key_of(kb, n);
	}
	if (bpf_skb_load_bytes(skb, ETH_HLEN + p * ENDMT_MPLS_LSE_LEN, &above, sizeof(above)))
		return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
	above = bpf_ntohl(above);
	bytes = len - payload;
	/* A GSO packet's segments would need the MPLS GSO offsets (mac_len,
	 * the inner network header) redone; it goes out unmarked. */
	if (skb->gso_size)
		return endmt_verdict(ENDMT_STAT_MPLS_MARK_FAILED, TC_ACT_OK);
	if (bpf_check_mtu(skb, 0, &mtu, ENDMT_MPLS_MARK_LEN, 0))
		return endmt_verdict(ENDMT_STAT_MPLS_MARK_MTU, TC_ACT_OK);

	cfg = endmt_pm_cfg();
	endmt_pm_choose(cfg ? cfg : &nocfg, &f->st, &colour, &dmark);
	/* RFC 9714 §3: XL and FLI take TC and TTL of the entry above them,
	 * BoS 0; the FL has L D T in its TC, TTL 0, and BoS when it ends the
	 * stack (the entry above then no longer does). */
	fl = f->flow << ENDMT_MPLS_LABEL_SHIFT | (colour ? ENDMT_MPLS_FL_L : 0) |
	     (dmark ? ENDMT_MPLS_FL_D : 0) | (f->t ? ENDMT_MPLS_FL_T : 0) |
	     (above & ENDMT_MPLS_S);
	ins[0] = bpf_htonl(above & ~ENDMT_MPLS_S);
	ins[1] = bpf_htonl(ENDMT_MPLS_XL << ENDMT_MPLS_LABEL_SHIFT | (above & 0xeffu));
	ins[2] = bpf_htonl(ENDMT_MPLS_FLI << ENDMT_MPLS_LABEL_SHIFT | (above & 0xeffu));
	ins[3] = bpf_htonl(fl);

	/* bpf_skb_adjust_room() refuses a protocol other than IPv4/IPv6, so:
	 * 12 octets at the front, then Ethernet and the entries down to p
	 * moved back over them. */
	head = ETH_HLEN + p * ENDMT_MPLS_LSE_LEN;	/* octets before entry p */
	if (head > sizeof(buf) - ENDMT_MPLS_LSE_LEN)
		return endmt_verdict(ENDMT_STAT_MPLS_MARK_FAILED, TC_ACT_OK);
	if (bpf_skb_change_head(skb, ENDMT_MPLS_MARK_LEN, 0))
		return endmt_verdict(ENDMT_STAT_MPLS_MARK_FAILED, TC_ACT_OK);
	/* head bounded again on the register the helper gets (6.1). */
	head &= 0x7f;
	if (head < ETH_HLEN || head > sizeof(buf) - ENDMT_MPLS_LSE_LEN)
		return endmt_verdict(ENDMT_STAT_MPLS_MARK_FAILED, TC_ACT_SHOT);
	if (bpf_skb_load_bytes(skb, ENDMT_MPLS_MARK_LEN, buf, head) ||
	    bpf_skb_store_bytes(skb, 0, buf, head, 0) ||
	    bpf_skb_store_bytes(skb, head, ins, sizeof(ins), 0))
		/* The frame is half moved: it cannot go out. */
		return endmt_verdict(ENDMT_STAT_MPLS_MARK_FAILED, TC_ACT_SHOT);
	endmt_event(ENDMT_STAT_PM_MARKED);
	endmt_pm_count(f->flow, ENDMT_PM_MPLS, colour, dmark, ENDMT_PM_OUT, bytes, key);
	return endmt_verdict(ENDMT_STAT_MPLS_MARKED, TC_ACT_OK);
}

/* ---- the counting node and the egress (XDP) ------------------------------ */

/* Largest octet count before the XL that the egress moves: the XL is at
 * most entry FRLD_MAX - 3. */
#define ENDMT_MPLS_POP_HEAD (ETH_HLEN + (ENDMT_MPLS_FRLD_MAX - 3) * ENDMT_MPLS_LSE_LEN)

static __always_inline int endmt_mpls_pop(struct xdp_md *ctx, const struct endmt_mpls_walk *w)
{
	__u8 buf[ENDMT_MPLS_POP_HEAD];
	__u32 head = ETH_HLEN + w->xl * ENDMT_MPLS_LSE_LEN, bottom = w->fl & ENDMT_MPLS_S;
	void *data, *data_end;

	/* bounded on the register the helpers get (6.1) */
	head &= 0x7f;
	if (head < ETH_HLEN || head > sizeof(buf))
		return endmt_verdict(ENDMT_STAT_DROP_MPLS_POP, XDP_DROP);
	if (bpf_xdp_load_bytes(ctx, 0, buf, head))
		return endmt_verdict(ENDMT_STAT_DROP_MPLS_POP, XDP_DROP);
	if (bottom && head == ETH_HLEN) {
		/* XL + FLI + FL were the whole stack: the payload follows
		 * Ethernet, whose type must say what it is. */
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		if (data + ETH_HLEN + ENDMT_MPLS_MARK_LEN + 1 > data_end)
			return endmt_verdict(ENDMT_STAT_DROP_MPLS_POP, XDP_DROP);
		switch (((__u8 *)data)[ETH_HLEN + ENDMT_MPLS_MARK_LEN] >> 4) {
		case 4:
			buf[12] = 0x08;
			buf[13] = 0x00;
			break;
		case 6:
			buf[12] = 0x86;
			buf[13] = 0xdd;
			break;
		default:	/* nothing the stack could take: malformed */
			return endmt_verdict(ENDMT_STAT_DROP_MPLS_POP, XDP_DROP);
		}
	}
	if (bpf_xdp_store_bytes(ctx, ENDMT_MPLS_MARK_LEN, buf, head) ||
	    bpf_xdp_adjust_head(ctx, ENDMT_MPLS_MARK_LEN))
		return endmt_verdict(ENDMT_STAT_DROP_MPLS_POP, XDP_DROP);
	if (bottom && head > ETH_HLEN) {
		/* The entry above the XL ends the stack now. */
		__u8 *s;

		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		s = (__u8 *)data + ((head - 2) & 0x7f);
		if ((void *)(s + 1) > data_end)
			return endmt_verdict(ENDMT_STAT_DROP_MPLS_POP, XDP_DROP);
		*s |= ENDMT_MPLS_S >> 8;
	}
	return endmt_verdict(ENDMT_STAT_MPLS_POPPED, XDP_PASS);
}

static __always_inline int endmt_mpls_rx(struct xdp_md *ctx, int pop)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	const struct endmt_mpls_node *node = endmt_mpls_node();
	const struct ethhdr *eth = data;
	struct endmt_mpls_walk w;
	__u32 r, payload, key, t;

	if ((const void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_MPLS_UC))
		return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, XDP_PASS);
	r = endmt_mpls_walk(data, data_end, endmt_mpls_frld(node), &w);
	switch (r) {
	case ENDMT_MPLS_FOUND:
		break;
	case ENDMT_STAT_PASS_NOT_OURS:
		return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, XDP_PASS);
	case ENDMT_STAT_MPLS_TOO_DEEP:
		/* Whatever lies below is not this node's to read. */
		return endmt_verdict(ENDMT_STAT_MPLS_TOO_DEEP, XDP_PASS);
	case ENDMT_STAT_DROP_MPLS_MALFORMED:
		return endmt_verdict(ENDMT_STAT_DROP_MPLS_MALFORMED, XDP_DROP);
	case ENDMT_STAT_DROP_MPLS_FL:
		return endmt_verdict(ENDMT_STAT_DROP_MPLS_FL, XDP_DROP);
	default:
		return endmt_verdict(ENDMT_STAT_DROP_MPLS_TRUNC, XDP_DROP);
	}
	if (w.bos >= ENDMT_MPLS_FRLD_MAX)
		return endmt_verdict(ENDMT_STAT_DROP_MPLS_TRUNC, XDP_DROP);
	payload = ETH_HLEN + (w.bos + 1) * ENDMT_MPLS_LSE_LEN;
	t = w.fl & ENDMT_MPLS_FL_T;
	/* T=1: only the edges count it (RFC 9714 §3); an egress that is not
	 * set as one still takes the mark off. */
	if (!t || (node && (node->flags & ENDMT_MPLS_N_E2E))) {
		__u8 kb[ENDMT_MPLS_KEY_OCTETS] = {};
		__u32 n = endmt_mpls_key_len((__u32)(data_end - data), payload);

		if (n && bpf_xdp_load_bytes(ctx, payload, kb, endmt_mpls_key_bound(n)))
			n = 0;
		key = endmt_mpls_key_of(kb, n);
		endmt_pm_count(ENDMT_MPLS_LABEL(w.fl), ENDMT_PM_MPLS, !!(w.fl & ENDMT_MPLS_FL_L),
			       !!(w.fl & ENDMT_MPLS_FL_D), ENDMT_PM_IN,
			       (__u32)(data_end - data) - payload, key);
	} else if (!pop) {
		return endmt_verdict(ENDMT_STAT_MPLS_E2E_PASS, XDP_PASS);
	}
	if (pop)
		return endmt_mpls_pop(ctx, &w);
	return endmt_verdict(ENDMT_STAT_MPLS_FLOW_RX, XDP_PASS);
}

#endif /* ENDMT_DP_MPLS_PM_H */
