/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Alternate marking (RFC 9341; docs/PM.md): the one definition of its wire
 * formats and of the period engine's maps, shared by the BPF objects and
 * userspace.
 *
 * Two encodings carry the same marks:
 *  - RFC 9343 on endmt's SRv6 trees: an IPv6 Destination Options header
 *    between the outer IPv6 header (or its Hop-by-Hop header) and the SRH,
 *    holding one AltMark option, so every SRv6 endpoint on the tree reads
 *    it and plain routers forward it untouched;
 *  - RFC 9714 for MPLS flows: Extension Label (15) + Flow-ID Label
 *    Indicator (18, IANA) + Flow-ID Label with the L/D/T bits in its TC.
 * Both give a 20-bit flow identifier, a loss colour L and a delay mark D. */
#ifndef ENDMT_PM_H
#define ENDMT_PM_H

#include <linux/types.h>

/* ---- RFC 9343: the AltMark option ---------------------------------------
 * Option Type 0x12: action bits 00 (a node that does not know it skips
 * it), C = 0 (it does not change en route).  Data: FlowMonID (20 bits),
 * L, D, 10 reserved bits (zero on send, ignored on receipt). */
#define ENDMT_AM_OPT_TYPE	0x12
#define ENDMT_AM_OPT_LEN	4
#define ENDMT_AM_FLOW_SHIFT	12
#define ENDMT_AM_L		(1u << 11)
#define ENDMT_AM_D		(1u << 10)
/* The Destination Options header the head pushes: Next Header, Hdr Ext
 * Len 0, then the option: 8 octets, no padding needed. */
#define ENDMT_AM_DOH_LEN	8
/* The longest Destination Options header an endmt node reads (the edge,
 * a fork): anything longer is not one of ours, and is dropped. */
#define ENDMT_AM_DOH_MAX	64

struct endmt_am_doh {
	__u8 nexthdr;
	__u8 hdrlen;		/* 0: 8 octets */
	__u8 opt_type;		/* ENDMT_AM_OPT_TYPE */
	__u8 opt_len;		/* ENDMT_AM_OPT_LEN */
	__be32 data;		/* FlowMonID << 12 | L << 11 | D << 10 */
} __attribute__((packed));
_Static_assert(sizeof(struct endmt_am_doh) == ENDMT_AM_DOH_LEN, "AltMark DOH layout");

/* ---- RFC 9714: the Flow-ID label stack entries ---------------------------
 * Label stack entry: Label(20) TC(3) S(1) TTL(8).  In the Flow-ID Label
 * the TC is L D T (from its most significant bit). */
#define ENDMT_MPLS_XL		15	/* Extension Label (RFC 7274) */
#define ENDMT_MPLS_FLI		18	/* Flow-ID Label Indicator (RFC 9714, IANA) */
#define ENDMT_MPLS_LABEL_SHIFT	12
#define ENDMT_MPLS_TC_SHIFT	9
#define ENDMT_MPLS_S		(1u << 8)
#define ENDMT_MPLS_FL_L		(1u << 11)
#define ENDMT_MPLS_FL_D		(1u << 10)
#define ENDMT_MPLS_FL_T		(1u << 9)	/* 1: edge to edge, 0: hop by hop */
#define ENDMT_MPLS_FL_MIN	16	/* 0..15 are special-purpose (RFC 3032) */

/* ---- The period engine ---------------------------------------------------
 * Flow identifiers: FlowMonID and Flow-ID Label share one 20-bit space per
 * encoding.  0 means "no flow". */
#define ENDMT_PM_FLOW_MAX	((1u << 20) - 1)
#define ENDMT_PM_MAX_FLOWS	4096	/* configured flows per node */

enum endmt_pm_enc {
	ENDMT_PM_SRV6 = 1,	/* RFC 9343 AltMark */
	ENDMT_PM_MPLS = 2,	/* RFC 9714 Flow-ID Label */
};

/* Where on a node a packet is counted.  A marking node (the head, an
 * ingress LER) counts what it sends (OUT); every other node what it
 * accepted (IN).  Per-branch loss is the upstream point's count minus
 * the downstream point's, per period (docs/PM.md). */
enum endmt_pm_point {
	ENDMT_PM_IN = 0,
	ENDMT_PM_OUT = 1,
};

/* endmt_pm_counts (PERCPU_HASH, pinned): key -> struct endmt_pm_count per
 * CPU.  The CLI creates the entries of each configured flow (both
 * colours); the data path only looks them up, so a packet from outside
 * makes no state: an unconfigured flow is counted as pm_unknown_flow.
 * Counters are cumulative; the agent takes differences. */
struct endmt_pm_key {
	__u32 flow;		/* FlowMonID / Flow-ID Label */
	__u8 enc;		/* enum endmt_pm_enc */
	__u8 colour;		/* 0 or 1: the L bit */
	__u8 point;		/* enum endmt_pm_point */
	__u8 pad;
};
_Static_assert(sizeof(struct endmt_pm_key) == 8, "pm key layout");

struct endmt_pm_count {
	__u64 packets;
	__u64 bytes;		/* L3 octets as counted on this node */
};

/* endmt_pm (ARRAY, key 0, pinned): this node's period engine. */
#define ENDMT_PM_DEF_PERIOD_MS	1000
#define ENDMT_PM_MIN_PERIOD_MS	10
struct endmt_pm_cfg {
	__u64 period_ns;	/* time-based periods: colour = (TAI / period) & 1 */
	__u32 count_period;	/* != 0: colour flips every count_period packets
				 * a marker sends (tests; the agent reads time) */
	__u32 node_id;		/* this node's identity in D-mark records */
	__s64 real_minus_tai_ns;	/* the agent's clock offset */
};
_Static_assert(sizeof(struct endmt_pm_cfg) == 24, "pm cfg layout");

/* A marker's state per flow (shared by all CPUs, atomics only): the
 * packets it has marked and the last period it sent a D mark in. */
struct endmt_pm_mark_state {
	__u64 seq;
	__u64 d_period;		/* period index + 1 of the last D mark */
};

/* endmt_pm_groups (HASH, pinned; the head): key = struct endmt_group_key,
 * the group's FlowMonID and marking state. */
struct endmt_pm_group {
	__u32 flow;		/* FlowMonID, 1..ENDMT_PM_FLOW_MAX */
	__u32 flags;
	struct endmt_pm_mark_state st;
};
_Static_assert(sizeof(struct endmt_pm_group) == 24, "pm group layout");

/* endmt_pm_dmarks (RINGBUF, pinned): one record per D-marked packet a
 * node counted, for one-way delay and jitter.  pkt_key tells the same
 * packet apart at every node: the inner BTH PSN on an endmt tree, a hash
 * of the first octets after the label stack for MPLS. */
#define ENDMT_PM_DMARK_RING	(64 * 1024)
struct endmt_pm_dmark {
	__u64 real_ns;		/* CLOCK_REALTIME when counted (TAI + offset) */
	__u32 flow;
	__u8 enc;
	__u8 colour;
	__u8 point;
	__u8 pad;
	__u32 node_id;
	__u32 pkt_key;
};
_Static_assert(sizeof(struct endmt_pm_dmark) == 24, "pm dmark layout");

/* The period a CLOCK_REALTIME instant falls in, and its colour. */
static inline __u64 endmt_pm_period_of(__u64 real_ns, __u64 period_ns)
{
	return period_ns ? real_ns / period_ns : 0;
}

#endif /* ENDMT_PM_H */
