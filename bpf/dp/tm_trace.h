/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* On-path telemetry (docs/TELEMETRY.md): the IOAM Pre-allocated Trace in
 * the outer packet's Hop-by-Hop header (wire format include/endmt/ioam.h),
 * as every role reads, fills and exports it.  Context-free: the Hop-by-Hop
 * header is read into the per-CPU scratch first (endmt_tm_scratch), so the
 * same walk serves the edge's XDP and the fork's TC. */
#ifndef ENDMT_DP_TM_TRACE_H
#define ENDMT_DP_TM_TRACE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "endmt/ioam.h"
#include "endmt/maps.h"
#include "dp/stats.h"
#include "maps/endmt_maps.h"

#define ENDMT_NEXTHDR_HOP 0
#define ENDMT_HBH_MASK (ENDMT_TM_HBH_READ - 1)
_Static_assert((ENDMT_TM_HBH_READ & ENDMT_HBH_MASK) == 0, "HBH read size a power of 2");

/* What the trace in a Hop-by-Hop header is to this node. */
enum endmt_tm_class {
	ENDMT_TM_NONE = 0,	/* no IOAM Pre-allocated Trace option */
	ENDMT_TM_OURS,		/* ours to fill and export */
	ENDMT_TM_FOREIGN,	/* someone else's (or telemetry off here) */
	ENDMT_TM_BAD,		/* lengths that lie */
};

/* The walk over a Hop-by-Hop header held in sc->hbh[0..end). */
struct endmt_hbh_walk {
	struct endmt_tm_scratch *sc;
	/* Offsets count from base, a value the verifier cannot know:
	 * verifiers since 6.7 follow a bpf_loop callback until its state
	 * repeats, and offsets it knows exactly never repeat ("too large",
	 * 1000001 insns); edge_parse.h endmt_tlv_count() has the 6.1 side. */
	__u32 base;
	__u32 off;		/* next option, + base */
	__u32 end;		/* header length, + base */
	__u32 err;		/* 0 or the enum endmt_stat to drop with */
	__u32 ioam_off;		/* the first IOAM Pre-allocated Trace option, 0: none */
};

/* One option per call (RFC 8200 4.2), on the copy in the scratch. */
static long endmt_hbh_step(__u32 idx, void *data)
{
	struct endmt_hbh_walk *w = data;
	__u32 off = w->off, type, len;

	(void)idx;
	if (off >= w->end)
		return 1;
	type = w->sc->hbh[(off - w->base) & ENDMT_HBH_MASK];
	if (type == 0) {			/* Pad1 */
		w->off = off + 1;
		return 0;
	}
	if (off + 2 > w->end)
		goto bad;
	len = w->sc->hbh[(off - w->base + 1) & ENDMT_HBH_MASK];
	if (off + 2 + len > w->end)
		goto bad;
	if (type == ENDMT_IPV6_OPT_IOAM) {
		/* An IOAM option of another IOAM Option-Type (DEX, E2E, ...)
		 * is skipped: RFC 9486's option type has action bits 00. */
		if (!w->ioam_off && len >= 2 &&
		    w->sc->hbh[(off - w->base + 3) & ENDMT_HBH_MASK] == ENDMT_IOAM_OPT_PREALLOC)
			w->ioam_off = off - w->base;
	} else if (type != 1 && (type >> 6) != 0) {
		/* Unknown, and its action bits say discard (01) or discard
		 * and report (10, 11): RFC 8200 4.2.  No ICMP from here. */
		w->err = ENDMT_STAT_DROP_HBH_OPTION;
		return 1;
	}
	w->off = off + 2 + len;
	return 0;
bad:
	w->err = ENDMT_STAT_DROP_HBH;
	return 1;
}

/* The trace found by the walk, as read from sc->hbh. */
struct endmt_tm_trace {
	__u32 hdr_off;		/* trace header (Namespace-ID) in sc->hbh */
	__u32 data_len;		/* octets of the node data list */
	__u32 rem;		/* RemainingLen, 4-octet units */
	__u32 type;		/* IOAM-Trace-Type */
	__u16 ns;
	__u8 node_len;
	__u8 flags;
};

static __always_inline __u8 endmt_tm_b(const struct endmt_tm_scratch *sc, __u32 off)
{
	return sc->hbh[off & ENDMT_HBH_MASK];
}

/* Walks the Hop-by-Hop header of hbh_len octets in sc->hbh and judges its
 * trace against this node's configuration.  Returns 0 or the drop reason;
 * *cls and *t describe the trace. */
static __always_inline __u32 endmt_tm_judge(struct endmt_tm_scratch *sc, __u32 hbh_len,
					    const struct endmt_tm_node *cfg,
					    enum endmt_tm_class *cls, struct endmt_tm_trace *t)
{
	struct endmt_hbh_walk w = { .sc = sc };
	__u32 o, l, hw;

	w.base = bpf_get_prandom_u32() & 0xffff;
	w.off = w.base + 2;
	w.end = w.base + hbh_len;
	*cls = ENDMT_TM_NONE;
	bpf_loop(ENDMT_TM_HBH_READ, endmt_hbh_step, &w, 0);
	if (!w.err && w.off != w.end)	/* cannot happen: a step takes an octet */
		w.err = ENDMT_STAT_DROP_HBH;
	if (w.err)
		return w.err;
	if (!w.ioam_off)
		return 0;
	o = w.ioam_off;
	l = endmt_tm_b(sc, o + 1);	/* Opt Data Len: Reserved, Type, trace */
	*cls = ENDMT_TM_BAD;
	if (l < 2 + 8)
		return 0;
	t->hdr_off = o + 4;
	t->ns = (__u16)endmt_tm_b(sc, o + 4) << 8 | endmt_tm_b(sc, o + 5);
	hw = (__u32)endmt_tm_b(sc, o + 6) << 8 | endmt_tm_b(sc, o + 7);
	t->node_len = (__u8)(hw >> 11);
	t->flags = (__u8)((hw >> 7) & 0xf);
	t->rem = hw & 0x7f;
	t->type = (__u32)endmt_tm_b(sc, o + 8) << 16 | (__u32)endmt_tm_b(sc, o + 9) << 8 |
		  endmt_tm_b(sc, o + 10);
	t->data_len = l - 10;
	/* RFC 9197 4.4: the data list is whole 4-octet units and
	 * RemainingLen points inside it. */
	if ((t->data_len & 3) || t->rem * 4 > t->data_len)
		return 0;
	*cls = ENDMT_TM_FOREIGN;
	if (!cfg || !cfg->node_id || t->ns != cfg->ns_id ||
	    t->type != ENDMT_IOAM_TRACE_TYPE || t->node_len != ENDMT_IOAM_NODE_LEN)
		return 0;
	/* Of our type, the filled part is whole entries. */
	if ((t->data_len - t->rem * 4) % ENDMT_IOAM_NODE_OCTETS) {
		*cls = ENDMT_TM_BAD;
		return 0;
	}
	*cls = ENDMT_TM_OURS;
	return 0;
}

/* This node's telemetry identity, or NULL. */
static __always_inline const struct endmt_tm_node *endmt_tm_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&endmt_tm, &zero);
}

/* One node data entry (include/endmt/ioam.h), stamped now. */
static __always_inline void endmt_tm_entry(struct endmt_ioam_node *e,
					   const struct endmt_tm_node *cfg, __u8 hl,
					   __u32 in_if, __u32 out_if)
{
	__u64 now = bpf_ktime_get_tai_ns() + (__u64)cfg->real_minus_tai_ns;

	e->hop_lim = hl;
	e->node_id[0] = (__u8)(cfg->node_id >> 16);
	e->node_id[1] = (__u8)(cfg->node_id >> 8);
	e->node_id[2] = (__u8)cfg->node_id;
	e->in_if = bpf_htons((__u16)in_if);
	e->out_if = bpf_htons((__u16)out_if);
	e->ts_sec = bpf_htonl((__u32)(now / 1000000000ull));
	e->ts_frac = bpf_htonl((__u32)((now % 1000000000ull) / 1000));
}

/* Copies one received entry into the postcard (newest first after the
 * exporter's own at data[0]). */
struct endmt_tm_copy {
	struct endmt_tm_scratch *sc;
	__u32 src;		/* next received entry in sc->hbh */
	__u32 n;		/* entries in pc.data so far, + base (see
				 * struct endmt_hbh_walk) */
	__u32 base;
};

static long endmt_tm_copy_step(__u32 idx, void *data)
{
	struct endmt_tm_copy *c = data;
	__u32 n = c->n - c->base, s = c->src;

	(void)idx;
	if (n >= ENDMT_IOAM_SLOTS_MAX)
		return 1;
	__builtin_memcpy(&c->sc->pc.data[(n & (ENDMT_IOAM_SLOTS_MAX - 1)) * ENDMT_IOAM_NODE_OCTETS],
			 &c->sc->hbh[s & ENDMT_HBH_MASK], ENDMT_IOAM_NODE_OCTETS);
	c->src = s + ENDMT_IOAM_NODE_OCTETS;
	c->n++;
	return 0;
}

/* Zeroes n node entries from off in sc->hbh. */
struct endmt_tm_clear {
	struct endmt_tm_scratch *sc;
	__u32 off;
};

static long endmt_tm_clear_step(__u32 i, void *data)
{
	struct endmt_tm_clear *c = data;

	__builtin_memset(&c->sc->hbh[(c->off + i * ENDMT_IOAM_NODE_OCTETS) & ENDMT_HBH_MASK], 0,
			 ENDMT_IOAM_NODE_OCTETS);
	return 0;
}

static __always_inline void endmt_tm_clear_data(struct endmt_tm_scratch *sc, __u32 off, __u32 n)
{
	struct endmt_tm_clear c = { .sc = sc, .off = off };

	bpf_loop(n, endmt_tm_clear_step, &c, 0);
}



/* Starts the postcard of an ENDMT_TM_OURS trace in sc->pc: the exporter's
 * own entry e, then the received entries, newest first (at most
 * ENDMT_IOAM_SLOTS_MAX in all).  The caller fills in the group and submits
 * (endmt_tm_submit) once the packet is known to be forwarded. */
static __always_inline void endmt_tm_begin(struct endmt_tm_scratch *sc, __u32 kind,
					   const struct endmt_tm_node *cfg,
					   const struct endmt_tm_trace *t,
					   const struct endmt_ioam_node *e, __u32 in_ifindex)
{
	struct endmt_tm_copy c = { .sc = sc };
	__u32 filled = (t->data_len - t->rem * 4) / ENDMT_IOAM_NODE_OCTETS;

	sc->pc.kind = kind;
	sc->pc.node_id = cfg->node_id;
	sc->pc.ns_id = t->ns;
	sc->pc.trace_type = t->type;
	sc->pc.in_ifindex = in_ifindex;
	sc->pc.flags = t->flags;
	__builtin_memcpy(sc->pc.data, e, sizeof(*e));
	c.base = bpf_get_prandom_u32() & 0xffff;
	c.n = c.base + 1;
	c.src = t->hdr_off + 8 + t->rem * 4;
	if (filled > ENDMT_IOAM_SLOTS_MAX - 1) {
		filled = ENDMT_IOAM_SLOTS_MAX - 1;
		sc->pc.flags |= ENDMT_PC_F_TRUNC;
	}
	bpf_loop(filled, endmt_tm_copy_step, &c, 0);
	sc->pc.nodes = (__u8)(c.n - c.base);
}

/* Exports the postcard in sc->pc for group gk, PSN psn. */
static __always_inline void endmt_tm_submit(struct endmt_tm_scratch *sc,
					    const struct endmt_tm_node *cfg,
					    const struct endmt_group_key *gk, __u32 psn,
					    __u32 copies)
{
	if (!(cfg->flags & ENDMT_TM_F_EXPORT))
		return;
	__builtin_memcpy(sc->pc.proxy, gk->proxy, 16);
	sc->pc.dqpn = gk->dqpn;
	sc->pc.psn = psn;
	sc->pc.copies = copies;
	sc->pc.export_ns = bpf_ktime_get_tai_ns() + (__u64)cfg->real_minus_tai_ns;
	/* No wakeup: the agent drains the ring on its own clock (each CNP
	 * window); a wakeup per postcard cost 9 us of the data path's time
	 * (bench/percopy.sh tm), a reader woken per sample saves nothing. */
	if (bpf_ringbuf_output(&endmt_postcards, &sc->pc, sizeof(sc->pc), BPF_RB_NO_WAKEUP))
		endmt_event(ENDMT_STAT_TM_POSTCARD_LOST);
	else
		endmt_event(ENDMT_STAT_TM_POSTCARD);
}

/* Counts what a judged trace was, for traces that are not ours. */
static __always_inline void endmt_tm_count(enum endmt_tm_class cls)
{
	if (cls == ENDMT_TM_BAD)
		endmt_event(ENDMT_STAT_TM_TRACE_BAD);
	else if (cls == ENDMT_TM_FOREIGN)
		endmt_event(ENDMT_STAT_TM_TRACE_FOREIGN);
}

#endif /* ENDMT_DP_TM_TRACE_H */
