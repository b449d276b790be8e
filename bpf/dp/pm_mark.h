/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The period engine of alternate marking (RFC 9341; include/endmt/pm.h,
 * docs/PM.md), shared by both encodings: a marker (the head, an ingress
 * LER) picks each packet's colour and D mark; every counting node adds the
 * packet to its (flow, colour, point) counters and, for a D-marked one,
 * puts its timestamp in the ring.  The agent reads the colour not being
 * counted. */
#ifndef ENDMT_DP_PM_MARK_H
#define ENDMT_DP_PM_MARK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "endmt/pm.h"
#include "dp/stats.h"

static __always_inline const struct endmt_pm_cfg *endmt_pm_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&endmt_pm, &zero);
}

/* CLOCK_REALTIME as the agent set the offset: the same clock every node's
 * periods are cut by (namespaces share it; hosts by PTP/NTP). */
static __always_inline __u64 endmt_pm_now(const struct endmt_pm_cfg *cfg)
{
	return bpf_ktime_get_tai_ns() + (__u64)cfg->real_minus_tai_ns;
}

/* A marker's choice for its next packet of a flow: the colour of the
 * period it is sent in, and D on the period's first packet.  Time-based
 * periods: colour = period index & 1, the first sender in a period to win
 * the compare-and-swap gets the D mark.  Count-based (tests): colour flips
 * every count_period packets, the first of each block gets D. */
static __always_inline void endmt_pm_choose(const struct endmt_pm_cfg *cfg,
					    struct endmt_pm_mark_state *st,
					    __u8 *colour, __u8 *dmark)
{
	__u64 seq = __sync_fetch_and_add(&st->seq, 1);
	__u32 n = cfg->count_period;

	if (n) {
		*colour = (__u8)((seq / n) & 1);
		*dmark = seq % n == 0;
		return;
	}
	if (cfg->period_ns) {
		__u64 k = endmt_pm_now(cfg) / cfg->period_ns, old = st->d_period;

		*colour = (__u8)(k & 1);
		*dmark = old != k + 1 &&
			 __sync_val_compare_and_swap(&st->d_period, old, k + 1) == old;
		return;
	}
	*colour = 0;
	*dmark = 0;
}

/* Count one packet of (flow, enc) with its marks at point.  Only a flow
 * the CLI configured here has counters: anything else is
 * pm_unknown_flow and makes no state. */
static __always_inline void endmt_pm_count(__u32 flow, __u8 enc, __u8 colour, __u8 dmark,
					   __u8 point, __u32 bytes, __u32 pkt_key)
{
	const struct endmt_pm_cfg *cfg = endmt_pm_cfg();
	struct endmt_pm_key k = { .flow = flow, .enc = enc, .colour = colour & 1, .point = point };
	struct endmt_pm_count *c;
	struct endmt_pm_dmark *d;

	c = bpf_map_lookup_elem(&endmt_pm_counts, &k);
	if (!c || !cfg) {
		endmt_event(ENDMT_STAT_PM_UNKNOWN_FLOW);
		return;
	}
	c->packets += 1;	/* per-CPU value: no atomics needed */
	c->bytes += bytes;
	endmt_event(ENDMT_STAT_PM_COUNTED);
	if (!dmark)
		return;
	/* No wakeup: the agent drains the ring every CNP window. */
	d = bpf_ringbuf_reserve(&endmt_pm_dmarks, sizeof(*d), 0);
	if (!d) {
		endmt_event(ENDMT_STAT_PM_DMARKS_LOST);
		return;
	}
	d->real_ns = endmt_pm_now(cfg);
	d->flow = flow;
	d->enc = enc;
	d->colour = colour & 1;
	d->point = point;
	d->pad = 0;
	d->node_id = cfg->node_id;
	d->pkt_key = pkt_key;
	bpf_ringbuf_submit(d, BPF_RB_NO_WAKEUP);
}

/* ---- RFC 9343: reading a Destination Options header ---------------------- */

struct endmt_am_walk {
	const __u8 *doh;	/* ENDMT_AM_DOH_MAX octets */
	/* Offsets count from a base the verifier cannot know, as the
	 * Hop-by-Hop walk's (dp/tm_trace.h): since 6.7 it follows a bpf_loop
	 * callback until its state repeats. */
	__u32 base;
	__u32 off;		/* next option, + base */
	__u32 end;		/* the header's length, + base */
	__u32 err;		/* a drop reason, or 0 */
	__u32 data;		/* the first AltMark's data, host order */
	__u32 found, bad;
};

#define ENDMT_AM_MASK (ENDMT_AM_DOH_MAX - 1)
_Static_assert((ENDMT_AM_DOH_MAX & ENDMT_AM_MASK) == 0, "DOH read size a power of 2");

static __always_inline __u8 endmt_am_b(const struct endmt_am_walk *w, __u32 off)
{
	return w->doh[(off - w->base) & ENDMT_AM_MASK];
}

/* One option per call (RFC 8200 4.2). */
static long endmt_am_step(__u32 i, void *ctx)
{
	struct endmt_am_walk *w = ctx;
	__u32 off = w->off, olen;
	__u8 type;

	(void)i;
	if (off >= w->end)
		return 1;
	type = endmt_am_b(w, off);
	if (type == 0) {		/* Pad1 */
		w->off = off + 1;
		return 0;
	}
	if (off + 2 > w->end) {
		w->err = ENDMT_STAT_DROP_DOH;
		return 1;
	}
	olen = endmt_am_b(w, off + 1);
	if (off + 2 + olen > w->end) {	/* an option that lies about its length */
		w->err = ENDMT_STAT_DROP_DOH;
		return 1;
	}
	if (type == ENDMT_AM_OPT_TYPE) {
		if (w->found || w->bad) {
			/* a second AltMark: the first one counts */
		} else if (olen != ENDMT_AM_OPT_LEN) {
			w->bad = 1;
		} else {
			w->data = (__u32)endmt_am_b(w, off + 2) << 24 |
				  (__u32)endmt_am_b(w, off + 3) << 16 |
				  (__u32)endmt_am_b(w, off + 4) << 8 |
				  (__u32)endmt_am_b(w, off + 5);
			w->found = 1;
		}
	} else if (type != 1 && (type >> 6) != 0) {
		/* RFC 8200 4.2: an unknown option whose action bits are not
		 * 00 says discard (and maybe report: no ICMP from here). */
		w->err = ENDMT_STAT_DROP_DOH_OPTION;
		return 1;
	}
	w->off = off + 2 + olen;
	return 0;
}

/* Judges a Destination Options header of len octets (its Hdr Ext Len
 * already checked against ENDMT_AM_DOH_MAX) in doh[].  Returns 0 or the
 * drop reason; *flow is the AltMark's FlowMonID, 0 when the header holds
 * none (or a malformed one: pm_altmark_malformed, forwarded as it is). */
static __always_inline __u32 endmt_am_parse(const __u8 *doh, __u32 len, __u32 *flow,
					    __u8 *colour, __u8 *dmark)
{
	struct endmt_am_walk w = { .doh = doh };

	/* The header every endmt head sends (include/endmt/pm.h): no walk. */
	if (len == ENDMT_AM_DOH_LEN && doh[2] == ENDMT_AM_OPT_TYPE &&
	    doh[3] == ENDMT_AM_OPT_LEN) {
		w.data = (__u32)doh[4] << 24 | (__u32)doh[5] << 16 | (__u32)doh[6] << 8 | doh[7];
		w.found = 1;
		goto judged;
	}
	w.base = bpf_get_prandom_u32() & 0xffff;
	w.off = w.base + 2;
	w.end = w.base + len;
	*flow = 0;
	*colour = 0;
	*dmark = 0;
	if (len < 8 || len > ENDMT_AM_DOH_MAX)
		return ENDMT_STAT_DROP_DOH;
	bpf_loop(ENDMT_AM_DOH_MAX, endmt_am_step, &w, 0);
	if (w.err)
		return w.err;
judged:
	if (w.bad || (w.found && !(w.data >> ENDMT_AM_FLOW_SHIFT))) {
		endmt_event(ENDMT_STAT_PM_AM_BAD);
		return 0;
	}
	if (!w.found)
		return 0;
	*flow = w.data >> ENDMT_AM_FLOW_SHIFT;
	*colour = !!(w.data & ENDMT_AM_L);
	*dmark = !!(w.data & ENDMT_AM_D);
	return 0;
}

#endif /* ENDMT_DP_PM_MARK_H */
