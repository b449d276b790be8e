/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reverse-path aggregation (draft section 5.3, docs/PROTOCOL.md "Reverse-path
 * aggregation", docs/REVERSE-PATH.md for every rule), shared by every role's
 * XDP program.
 *
 * Receivers answer the source's RC QP with ACK / NAK (BTH opcode 0x11 + AETH)
 * and CNP (opcode 0x81) sent to DA = Proxy Address, DestQPN = Designated
 * QPN.  Per group (endmt_groups) and downstream branch this node keeps:
 *   AckPSN  newest acknowledged PSN (BTH.PSN of an ACK), in the source's PSN
 *           space; "start_psn - 1" until the branch first acknowledges;
 *   ePSN    of an outstanding PSN-sequence NAK (ENDMT_BR_NAK_PENDING), else
 *           AckPSN + 1;
 *   CCount  CNPs in the current window, tagged with the CNP epoch (the
 *           agent ends windows by advancing endmt_cnp_epoch, lib/cnp.c).
 * The one promise (draft 5.3.1): an RC requester takes the PSN of ANY
 * response as acknowledging everything before it, so nothing this node sends
 * upstream may acknowledge a PSN some branch has not confirmed, and a
 * response lost upstream must be recoverable.  Hence:
 *   ACK    forwarded when the group minimum AckPSN advances; sent again when
 *          every branch has repeated its AckPSN since (the source is
 *          resending what the whole subtree has: the forwarded ACK was lost);
 *   NAK    (PSN sequence) with the minimum ePSN, each value once until an
 *          ACK made progress;
 *   RNR    and fatal NAKs with their PSN lowered to at most minimum + 1; an
 *          RNR at the same PSN not again while its RNR timer runs;
 *   CNP    never (the agent sends one per window).
 * Forwarding is XDP_PASS of the rewritten packet: the kernel routes DA =
 * Proxy upstream, or at the head (which rewrites the response toward the
 * source) DA = the source.
 *
 * Concurrency: all per-group state changes happen under the group's
 * bpf_spin_lock, and the branch found before it is checked again under it
 * (a concurrent `branch del` shifts the slots: an index found before the
 * lock could name another branch by the time the lock is held; a full
 * search under the lock is more than the verifier accepts).  The critical
 * section calls no helper (the verifier rejects "function calls are not
 * allowed while holding a lock"), so the clock is read before and the
 * packet is rewritten after it.  Configuration fields (flags, start_psn, src_*) are read without
 * the lock: only the CLI writes them, with whole-value BPF_F_LOCK updates.
 * The agent never writes endmt_groups: it advances endmt_cnp_epoch (CCounts
 * restart lazily here).  Its liveness marks (endmt_stale) are a report for
 * the operator and are NOT read here: leaving a silent branch out of the
 * minimum would tell the source that a receiver has data it never
 * acknowledged.  A dead receiver stalls the group until the operator
 * removes its branch. */
#ifndef ENDMT_DP_RESP_AGGREGATE_H
#define ENDMT_DP_RESP_AGGREGATE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "endmt/maps.h"
#include "endmt/psn.h"
#include "endmt/roce.h"
#include "endmt/stats.h"
#include "maps/endmt_maps.h"
#include "dp/parse.h"
#include "dp/stats.h"
#include "dp/resp_rewrite.h"
#include "dp/data_psn.h"

enum endmt_resp_kind {
	ENDMT_RK_ACK,
	ENDMT_RK_NAK_SEQ,
	ENDMT_RK_RNR,
	ENDMT_RK_FATAL,
	ENDMT_RK_CNP,
};

/* What the locked update decided. */
struct endmt_resp_out {
	__u32 psn;		/* BTH.PSN of the forwarded response, source space */
	__u32 aeth;		/* its AETH, host order */
	__u32 stat;		/* enum endmt_stat explaining the verdict */
	int act;		/* XDP_PASS (forward) or XDP_DROP (absorb) */
};

/* Opcodes of packets a responder sends back to a requester.  Anything else
 * (SEND/WRITE/READ requests: the source's data toward the Proxy Address at
 * the head) is not a response and stays with the caller. */
static __always_inline int endmt_op_is_response(__u8 op)
{
	return (op >= ENDMT_OP_READ_RESP_FIRST && op <= ENDMT_OP_ATOMIC_ACK) ||
	       op == ENDMT_OP_CNP;
}

static __always_inline __u32 endmt_br_ack(const struct endmt_group *g,
					  const struct endmt_branch *b)
{
	return (b->flags & ENDMT_BR_ACKED) ? b->ack_psn :
					     endmt_psn_add(g->start_psn, -1);
}

static __always_inline __u32 endmt_br_epsn(const struct endmt_group *g,
					   const struct endmt_branch *b)
{
	return (b->flags & ENDMT_BR_NAK_PENDING) ? b->epsn :
						   endmt_psn_add(endmt_br_ack(g, b), 1);
}

/* One pass over the configured branches.  Lock held: no helper calls.
 *
 * Branch-free on purpose: the verifier walks this 64-iteration loop on
 * every way into it, and each if/else inside an iteration doubles what it
 * walks ("BPF program is too large" with the plain version).  Selections
 * are masks (all ones or zero) that the compiler may not turn back into
 * branches: barrier_var hides that a mask is 0 or ~0. */
struct endmt_group_scan {
	__u32 ack;		/* minimum AckPSN */
	__u32 epsn;		/* minimum ePSN */
	__u32 aeth;		/* AETH for an ACK at `ack`: the lowest credit
				 * code of any branch, the MSN of a branch whose
				 * AckPSN is the minimum */
	__u64 valid;		/* bit i: slot i holds a branch */
};

/* m ? a : b, for m all ones or zero. */
static __always_inline __u32 endmt_sel(__u32 m, __u32 a, __u32 b)
{
	barrier_var(m);
	return b ^ ((a ^ b) & m);
}

static __always_inline void endmt_group_scan(const struct endmt_group *g,
					     struct endmt_group_scan *s)
{
	__u32 n = g->nbranches, start1 = endmt_psn_add(g->start_psn, -1);
	__u32 credit = ENDMT_AETH_CREDIT_INVALID, msn = 0, m_ack = 0, m_e = 0, have = 0;
	__u32 acked, pend, take, a, e, c, i;
	__u64 valid = 0;

	for (i = 0; i < ENDMT_MAX_BRANCHES; i++) {
		const struct endmt_branch *b = &g->br[i];
		__u32 f = b->flags;

		if (i >= n)
			break;
		if (!(f & ENDMT_BR_VALID))
			continue;
		valid |= 1ull << i;
		acked = 0 - ((f / ENDMT_BR_ACKED) & 1);
		pend = 0 - ((f / ENDMT_BR_NAK_PENDING) & 1);
		/* endmt_br_ack and endmt_br_epsn */
		a = endmt_sel(acked, b->ack_psn, start1);
		e = endmt_sel(pend, b->epsn, (a + 1) & ENDMT_PSN_MASK);
		/* A branch that never acknowledged has no credit count; it
		 * holds the minimum at start - 1, so nothing is forwarded. */
		c = b->aeth >> 24;
		take = acked & (0 - ((c - credit) >> 31));
		credit = endmt_sel(take, c, credit);
		take = ~have | endmt_psn_before_mask(a, m_ack);
		m_ack = endmt_sel(take, a, m_ack);
		msn = endmt_sel(take, b->aeth & ENDMT_AETH_MSN_MASK, msn);
		take = ~have | endmt_psn_before_mask(e, m_e);
		m_e = endmt_sel(take, e, m_e);
		have = ~0u;
	}
	s->valid = valid;
	s->ack = m_ack;
	s->epsn = m_e;
	s->aeth = credit << 24 | msn;
}

/* Slot of the branch whose id is `id`, or -1.  Without the lock: the
 * caller re-checks the slot under it. */
static __always_inline int endmt_branch_find(const struct endmt_group *g, const __u64 *id)
{
	__u32 n = g->nbranches, i;

	for (i = 0; i < ENDMT_MAX_BRANCHES; i++) {
		const __u64 *bid = (const __u64 *)g->br[i].id;

		if (i >= n)
			break;
		if ((g->br[i].flags & ENDMT_BR_VALID) && bid[0] == id[0] && bid[1] == id[1])
			return (int)i;
	}
	return -1;
}

/* What the response path read before taking the group lock. */
struct endmt_resp_ctx {
	const __u64 *epoch;	/* endmt_cnp_epoch slot 0 (NULL: treated as 0) */
	const __u64 *id;	/* branch id: source address or ingress ifindex */
	__u32 slot;		/* where endmt_branch_find saw it, before the lock */
	__u64 now;
	__u32 psn;		/* BTH.PSN as received (the branch's PSN space) */
	__u32 aeth;		/* AETH as received, host order */
};

/* The source now holds every PSN up to p as acknowledged (a forwarded ACK,
 * or the implicit acknowledgement of p by a NAK at p + 1): that is progress
 * when p is newer than what was forwarded before; then the same ePSN may be
 * NAKed again and branch repetitions start over. */
static __always_inline void endmt_fwd_acked(struct endmt_group *g, __u32 p)
{
	__u32 fwd = (g->state & ENDMT_GS_ACK_FWD) ? g->fwd_ack_psn :
						    endmt_psn_add(g->start_psn, -1);

	if (!endmt_psn_before(fwd, p))
		return;
	g->fwd_ack_psn = p;
	g->state = (g->state | ENDMT_GS_ACK_FWD) & ~ENDMT_GS_NAK_FWD;
	g->dup_mask = 0;
}

/* Branch b has everything up to p (an ACK at p, an RNR or fatal NAK at
 * p + 1).  Returns 1 when that is news for the branch. */
static __always_inline int endmt_br_confirm(struct endmt_group *g, struct endmt_branch *b,
					    __u32 p, __u32 aeth)
{
	if (!endmt_psn_before(endmt_br_ack(g, b), p))
		return 0;
	b->ack_psn = p;
	b->aeth = aeth;
	b->flags |= ENDMT_BR_ACKED;
	if ((b->flags & ENDMT_BR_NAK_PENDING) && !endmt_psn_before(p, b->epsn))
		b->flags &= ~ENDMT_BR_NAK_PENDING;	/* the NAKed PSN arrived */
	return 1;
}

static __always_inline void endmt_resp_ack(struct endmt_group *g, struct endmt_branch *b,
					   __u64 bit, __u32 p, const struct endmt_resp_ctx *c,
					   struct endmt_resp_out *o)
{
	struct endmt_group_scan s;
	__u32 fwd;

	b->acks++;
	if (!endmt_br_confirm(g, b, p, c->aeth)) {
		if (!(b->flags & ENDMT_BR_ACKED) || b->ack_psn != p) {
			/* Reordered: the branch already acknowledged more. */
			o->stat = ENDMT_STAT_RESP_ACK_STALE;
			return;
		}
		/* The branch repeats its AckPSN: a receiver answers a request
		 * it already has (rxe, C9-105) this way, so the source is
		 * resending.  Once every branch has done so, the whole
		 * subtree holds what the source resends: what we forwarded
		 * was lost on the way up, or the source would not resend.
		 * Send the minimum again, at most once per repetition of the
		 * least talkative branch (never more than a plain RC peer
		 * would answer), and never a PSN no branch confirmed. */
		g->dup_mask |= bit;
		endmt_group_scan(g, &s);
		if ((g->dup_mask & s.valid) != s.valid ||
		    s.ack == endmt_psn_add(g->start_psn, -1)) {
			o->stat = ENDMT_STAT_RESP_ACK_DUP;
			return;
		}
		endmt_fwd_acked(g, s.ack);
		g->dup_mask = 0;
		g->acks_repeated++;
		o->psn = s.ack;
		o->aeth = s.aeth;
		o->stat = ENDMT_STAT_RESP_ACK_REPEAT;
		o->act = XDP_PASS;
		return;
	}
	/* News from this branch: it is no longer only repeating itself. */
	g->dup_mask &= ~bit;
	endmt_group_scan(g, &s);
	fwd = (g->state & ENDMT_GS_ACK_FWD) ? g->fwd_ack_psn :
					      endmt_psn_add(g->start_psn, -1);
	if (!endmt_psn_before(fwd, s.ack)) {
		o->stat = ENDMT_STAT_RESP_ACK_ABSORBED;
		return;
	}
	endmt_fwd_acked(g, s.ack);
	o->psn = s.ack;
	o->aeth = s.aeth;
	o->stat = ENDMT_STAT_RESP_ACK_FWD;
	o->act = XDP_PASS;
}

static __always_inline void endmt_resp_nak(struct endmt_group *g, struct endmt_branch *b,
					   __u32 e, struct endmt_resp_out *o)
{
	struct endmt_group_scan s;

	b->naks++;
	/* A receiver's ePSN only grows: a NAK at or below its AckPSN, or below
	 * its outstanding ePSN, is an old one overtaken by newer news. */
	if (!endmt_psn_before(endmt_br_ack(g, b), e) ||
	    ((b->flags & ENDMT_BR_NAK_PENDING) && endmt_psn_before(e, b->epsn))) {
		o->stat = ENDMT_STAT_RESP_NAK_STALE;
		return;
	}
	b->epsn = e;
	b->flags |= ENDMT_BR_NAK_PENDING;
	endmt_group_scan(g, &s);
	/* The minimum ePSN never decreases; forward each value once until an
	 * ACK shows progress (no retransmission storms). */
	if ((g->state & ENDMT_GS_NAK_FWD) && !endmt_psn_before(g->fwd_epsn, s.epsn)) {
		o->stat = ENDMT_STAT_RESP_NAK_ABSORBED;
		return;
	}
	g->fwd_epsn = s.epsn;
	g->state |= ENDMT_GS_NAK_FWD;
	o->psn = s.epsn;
	o->stat = ENDMT_STAT_RESP_NAK_FWD;
	o->act = XDP_PASS;
}

/* RNR and fatal NAKs at PSN p: the receiver has everything before p, and
 * the source will take the NAK as acknowledging everything before its PSN.
 * So the PSN sent upstream is p or the group minimum + 1, whichever is
 * older: the source completes only what every branch confirmed, then waits
 * for the RNR timer (and resends from there) or fails the first request
 * the group cannot complete (its QP goes to error: the truth, since this
 * receiver will not take the data).  An RNR at the same PSN is not sent
 * again while the timer of the last one runs: the source is waiting anyway,
 * and every receiver that finds no receive buffer would otherwise NAK it. */
static __always_inline void endmt_resp_rnr_fatal(struct endmt_group *g, struct endmt_branch *b,
						 int kind, __u32 p, const struct endmt_resp_ctx *c,
						 struct endmt_resp_out *o)
{
	struct endmt_group_scan s;
	__u32 q;

	b->naks++;
	/* An RNR NAK offers no credits: the receiver has no buffer now. */
	endmt_br_confirm(g, b, endmt_psn_add(p, -1), c->aeth & ENDMT_AETH_MSN_MASK);
	endmt_group_scan(g, &s);
	q = endmt_psn_add(s.ack, 1);
	if (endmt_psn_before(p, q))
		q = p;
	o->psn = q;
	if (kind == ENDMT_RK_FATAL) {
		b->flags |= ENDMT_BR_FAILED;
		o->stat = ENDMT_STAT_RESP_FATAL_FWD;
	} else {
		b->rnrs++;
		if ((g->state & ENDMT_GS_RNR_FWD) && g->fwd_rnr_psn == q &&
		    (__s64)(c->now - g->rnr_until_ns) < 0) {
			o->stat = ENDMT_STAT_RESP_RNR_ABSORBED;
			return;
		}
		g->fwd_rnr_psn = q;
		/* Decoded here, not before the lock: its four cases would
		 * otherwise reach the verifier as four states for all of
		 * the code in between ("BPF program is too large"). */
		g->rnr_until_ns = c->now + endmt_rnr_timer_ns(ENDMT_AETH_VALUE(c->aeth >> 24));
		g->state |= ENDMT_GS_RNR_FWD;
		o->stat = ENDMT_STAT_RESP_RNR_FWD;
	}
	endmt_fwd_acked(g, endmt_psn_add(q, -1));
	o->act = XDP_PASS;
}

/* Brings the group's CCounts to epoch `cur` if they belong to an older one
 * (include/endmt/maps.h): counts of the epoch just before are kept in
 * ccount_prev for the agent, which may not have read them yet; older ones
 * are dropped (that window's CNP went out, or it was empty).  Lock held. */
static __always_inline void endmt_cnp_roll(struct endmt_group *g, __u64 cur, __u64 now)
{
	__u32 i, keep;

	if (g->cnp_epoch == (__u32)cur && g->window_start_ns)
		return;
	/* Signed age: `now` was read before the lock, another CPU may have
	 * opened the previous epoch with a later clock reading. */
	keep = g->window_start_ns && g->cnp_epoch == (__u32)(cur - 1) &&
	       (__s64)(now - g->window_start_ns) < (__s64)ENDMT_CNP_MAX_AGE_NS;
	keep = 0 - keep;	/* all ones or zero: no branch in the loop */
	for (i = 0; i < ENDMT_MAX_BRANCHES; i++) {
		g->br[i].ccount_prev = g->br[i].ccount & keep;
		g->br[i].ccount = 0;
	}
	g->cnp_epoch = (__u32)cur;
	g->window_start_ns = now;
}

/* The whole state change for one response, under the group lock: the
 * branch re-check, the PSN translation and the update. */
static __always_inline void endmt_resp_locked(struct endmt_group *g, int kind,
					      const struct endmt_resp_ctx *c,
					      struct endmt_resp_out *o)
{
	struct endmt_branch *b;
	__u32 psn, bi, n;

	o->act = XDP_DROP;
	o->aeth = c->aeth;
	bpf_spin_lock(&g->lock);
	/* The slot is a constant on each of the 64 ways out of the search
	 * loop, and the verifier would walk all of what follows (loops over
	 * the branches included) once per constant: "BPF program is too
	 * large".  Adding and subtracting a value it cannot know (the
	 * barrier keeps the compiler from folding the two) leaves the slot
	 * as it is but makes it one unknown in [0, 63] for the verifier. */
	n = g->nbranches;
	bi = c->slot + n;
	barrier_var(bi);
	bi = (bi - n) & (ENDMT_MAX_BRANCHES - 1);
	b = &g->br[bi];
	/* The slot was found before the lock; a configuration change since
	 * (`branch del` shifts the slots) may have put another branch there.
	 * Updating it would move that branch's state with this one's
	 * response, so re-check the id here and drop the response if it
	 * moved: a lost response, which the tree recovers like any other.
	 * (Slots at or past nbranches are zero, so VALID covers them; a
	 * comparison with nbranches here made the verifier track the loop
	 * bound per slot: "BPF program is too large".) */
	if (!(b->flags & ENDMT_BR_VALID) ||
	    ((const __u64 *)b->id)[0] != c->id[0] || ((const __u64 *)b->id)[1] != c->id[1]) {
		o->stat = ENDMT_STAT_DROP_RESP_MOVED;
		goto out;
	}
	/* Edge: receiver PSN = source PSN + offset; aggregate in source space. */
	psn = endmt_psn_add(c->psn, -b->psn_offset);
	/* Nothing after what this node forwarded can be an answer: drop it
	 * before it touches the branch (dp/data_psn.h).  A CNP's PSN says
	 * nothing about the data. */
	if (kind != ENDMT_RK_CNP && endmt_data_psn_ahead(g, psn)) {
		o->stat = ENDMT_STAT_DROP_RESP_PSN_AHEAD;
		goto out;
	}
	b->last_seen_ns = c->now;
	o->psn = psn;
	switch (kind) {
	case ENDMT_RK_ACK:
		endmt_resp_ack(g, b, 1ull << bi, psn, c, o);
		break;
	case ENDMT_RK_NAK_SEQ:
		endmt_resp_nak(g, b, psn, o);
		break;
	case ENDMT_RK_RNR:
	case ENDMT_RK_FATAL:
		endmt_resp_rnr_fatal(g, b, kind, psn, c, o);
		break;
	default: /* ENDMT_RK_CNP */
		/* The epoch is read here, under the lock, not before it: the
		 * agent advances it and then reads every group with the lock,
		 * so a CNP counted after the agent's read of this group sees
		 * the new epoch and belongs to the next window, never to a
		 * window already judged. */
		endmt_cnp_roll(g, c->epoch ? *(volatile const __u64 *)c->epoch : 0, c->now);
		b->cnps++;
		if (g->cnp_cap && b->ccount >= g->cnp_cap) {
			o->stat = ENDMT_STAT_RESP_CNP_CAPPED;
		} else {
			b->ccount++;
			o->stat = ENDMT_STAT_RESP_CNP_COUNTED;
		}
		break;
	}
out:
	bpf_spin_unlock(&g->lock);
}

/* The kind of an ACK-opcode response from its AETH syndrome, or -1 for a
 * reserved syndrome kind or NAK code (no defined meaning to pass on). */
static __always_inline int endmt_resp_kind(__u8 syn)
{
	switch (ENDMT_AETH_KIND(syn)) {
	case ENDMT_AETH_KIND_ACK:
		return ENDMT_RK_ACK;
	case ENDMT_AETH_KIND_RNR:
		return ENDMT_RK_RNR;
	case ENDMT_AETH_KIND_NAK:
		if (ENDMT_AETH_VALUE(syn) == ENDMT_NAK_PSN_SEQ_ERR)
			return ENDMT_RK_NAK_SEQ;
		if (ENDMT_AETH_VALUE(syn) <= ENDMT_NAK_INVALID_RD)
			return ENDMT_RK_FATAL;
		return -1;
	default:
		return -1;
	}
}

/* Returns an XDP verdict for a response to a known Proxy Address, or -1 when
 * the packet is not a response endmt handles (the caller goes on).
 * source_link: the head's link to the source, the one place where requests
 * (the source's data) to a Proxy Address come from; anywhere else such a
 * request is made up (it would be routed toward the source, from below)
 * and is dropped. */
static __always_inline int endmt_resp_xdp(struct xdp_md *ctx, int source_link)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct endmt_cursor c = { .pos = data, .end = end };
	struct endmt_group_key key = {};
	struct endmt_origin_key okey;
	struct endmt_resp_out o = {};
	struct endmt_resp_ctx rc = {};
	struct endmt_group *g;
	struct endmt_aeth *aeth;
	struct endmt_bth *bth;
	struct ipv6hdr *ip6;
	struct udphdr *udp;
	struct ethhdr *eth;
	__u64 id[2] = {};
	__u32 ulen, zero = 0, *oifx;
	__u8 op, syn = 0;
	int kind, bi;

	eth = endmt_parse_eth(&c);
	if (!eth || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return -1;
	ip6 = endmt_parse_ip6(&c);
	if (!ip6 || ip6->nexthdr != ENDMT_NEXTHDR_UDP)
		return -1;
	udp = endmt_parse_udp(&c);
	if (!udp || udp->dest != bpf_htons(ENDMT_ROCE_PORT))
		return -1;
	__builtin_memcpy(key.proxy, &ip6->daddr, 16);
	bth = endmt_parse_bth(&c);
	if (!bth) {
		/* No QPN to match on: ours only if sent to one of our Proxies. */
		if (bpf_map_lookup_elem(&endmt_proxies, key.proxy))
			return endmt_verdict(ENDMT_STAT_DROP_RESP_MALFORMED, XDP_DROP);
		return -1;
	}
	op = bth->opcode;
	if (!endmt_op_is_response(op)) {
		/* the source's data toward the Proxy at the head: its TC's */
		if (!source_link && bpf_map_lookup_elem(&endmt_proxies, key.proxy))
			return endmt_verdict(ENDMT_STAT_DROP_PROXY_DATA, XDP_DROP);
		return -1;
	}
	key.dqpn = bpf_ntohl(bth->fb_dqpn) & ENDMT_BTH_QPN_MASK;
	g = bpf_map_lookup_elem(&endmt_groups, &key);
	if (!g) {
		/* A response to our Proxy Address for a QP we do not aggregate:
		 * passing it would hand the source an unaggregated response. */
		if (bpf_map_lookup_elem(&endmt_proxies, key.proxy))
			return endmt_verdict(ENDMT_STAT_DROP_RESP_GROUP, XDP_DROP);
		return -1;
	}
	endmt_event(ENDMT_STAT_RESP_RX);	/* the verdict follows */
	/* READ responses and atomic ACKs cannot be merged across receivers. */
	if (op != ENDMT_OP_ACK && op != ENDMT_OP_CNP)
		return endmt_verdict(ENDMT_STAT_DROP_RESP_OPCODE, XDP_DROP);

	/* Lengths must agree with each other and with the fixed formats;
	 * trailing octets after the IPv6 payload (Ethernet padding) are fine. */
	ulen = bpf_ntohs(udp->len);
	if (bpf_ntohs(ip6->payload_len) != ulen ||
	    ulen != (op == ENDMT_OP_ACK ? ENDMT_RESP_ACK_ULEN : ENDMT_RESP_CNP_ULEN) ||
	    (void *)udp + ulen > end)
		return endmt_verdict(ENDMT_STAT_DROP_RESP_MALFORMED, XDP_DROP);
	kind = ENDMT_RK_CNP;
	if (op == ENDMT_OP_ACK) {
		aeth = endmt_parse_aeth(&c);
		if (!aeth)
			return endmt_verdict(ENDMT_STAT_DROP_RESP_MALFORMED, XDP_DROP);
		rc.aeth = bpf_ntohl(aeth->syn_msn);
		syn = (__u8)(rc.aeth >> 24);
		kind = endmt_resp_kind(syn);
		if (kind < 0)
			return endmt_verdict(ENDMT_STAT_DROP_RESP_MALFORMED, XDP_DROP);
	}

	/* A branch is (source address, ingress device): the right address on
	 * another device is someone else speaking for that receiver.  The key
	 * is built and looked up for every group, flag or not: a stack that
	 * differs after the check (the key written on one way only) keeps the
	 * verifier from pruning, and it walks all that follows twice. */
	__builtin_memcpy(okey.proxy, key.proxy, 16);
	okey.dqpn = key.dqpn;
	__builtin_memcpy(okey.addr, &ip6->saddr, 16);
	oifx = bpf_map_lookup_elem(&endmt_resp_origin, &okey);
	if (g->flags & ENDMT_GF_ORIGIN) {
		if (!oifx)
			return endmt_verdict(ENDMT_STAT_DROP_RESP_ORIGIN, XDP_DROP);
		if (*oifx != ctx->ingress_ifindex)
			return endmt_verdict(ENDMT_STAT_DROP_RESP_WRONG_DEV, XDP_DROP);
	}
	if (g->flags & ENDMT_GF_BRANCH_IFINDEX)
		((__u32 *)id)[0] = ctx->ingress_ifindex;	/* id[0..3], host order */
	else
		__builtin_memcpy(id, &ip6->saddr, 16);
	rc.id = id;
	bi = endmt_branch_find(g, id);
	if (bi < 0)	/* not a receiver/child of ours: never let it move the state */
		return endmt_verdict(ENDMT_STAT_DROP_RESP_BRANCH, XDP_DROP);
	rc.slot = (__u32)bi;
	rc.psn = bpf_ntohl(bth->ar_psn) & ENDMT_BTH_PSN_MASK;
	if (kind == ENDMT_RK_CNP)
		rc.epoch = bpf_map_lookup_elem(&endmt_cnp_epoch, &zero);
	rc.now = bpf_ktime_get_ns();
	endmt_resp_locked(g, kind, &rc, &o);
	if (o.act == XDP_PASS)
		endmt_resp_rewrite(ctx, g, &key, o.psn, o.aeth);
	return endmt_verdict(o.stat, o.act);
}

#endif /* ENDMT_DP_RESP_AGGREGATE_H */
