/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* On-path telemetry (docs/TELEMETRY.md): the IOAM Pre-allocated Trace the
 * head carries in an IPv6 Hop-by-Hop header before the SRH (RFC 9197 data
 * fields, RFC 9486 IPv6 encapsulation), RFC 9630's per-section postcards
 * the nodes export, and their configuration.  One source of truth for the
 * wire format, shared by the BPF programs, the agent's IPFIX exporter and
 * `endmt collect`. */
#ifndef ENDMT_IOAM_H
#define ENDMT_IOAM_H

#include <linux/types.h>

/* ---- Wire format (all fields network order on the wire) ---------------- */

/* The Hop-by-Hop header the head inserts, laid out as the kernel's own
 * ioam6 encapsulation lays it out (so a kernel IOAM node parses it the way
 * it parses its own):
 *   0  Next Header, Hdr Ext Len                 (RFC 8200)
 *   2  PadN, 0 octets of padding (01 00)        the trace is 4n aligned
 *   4  Option Type 0x31, Opt Data Len, Reserved, IOAM Option-Type 0
 *   8  Namespace-ID(16) NodeLen(5) Flags(4) RemainingLen(7)
 *  12  IOAM-Trace-Type(24) Reserved(8)
 *  16  node data list, ENDMT_IOAM_NODE_OCTETS per node, filled from the end
 * Hdr Ext Len = (16 + data) / 8 - 1, so data is a multiple of 8 octets. */
#define ENDMT_IPV6_OPT_IOAM	0x31	/* RFC 9486: act 00, chg 1 */
#define ENDMT_IOAM_OPT_PREALLOC	0	/* IOAM Option-Type: Pre-allocated Trace */
#define ENDMT_IOAM_HBH_FIXED	16	/* octets before the node data list */
#define ENDMT_IOAM_TRACE_OFF	8	/* trace header offset in the HBH */

/* IOAM-Trace-Type bits endmt fills (RFC 9197 §4.4.1, bit 0 = MSB):
 * bit 0 Hop_Lim + node_id (short), bit 1 ingress_if_id + egress_if_id
 * (short), bit 2 timestamp seconds, bit 3 timestamp fraction.  The 24-bit
 * field as a host integer (bit 0 = 1 << 23). */
#define ENDMT_IOAM_TT_BIT(n)	(1u << (23 - (n)))
#define ENDMT_IOAM_TRACE_TYPE	(ENDMT_IOAM_TT_BIT(0) | ENDMT_IOAM_TT_BIT(1) | \
				 ENDMT_IOAM_TT_BIT(2) | ENDMT_IOAM_TT_BIT(3))
#define ENDMT_IOAM_NODE_LEN	4	/* NodeLen, 4-octet units per node */
#define ENDMT_IOAM_NODE_OCTETS	(4 * ENDMT_IOAM_NODE_LEN)
/* Trace header Flags (RFC 9197 §4.4.1): bit 0 = Overflow. */
#define ENDMT_IOAM_FLAG_OVERFLOW 0x8	/* in the 4-bit field, MSB first */

/* One node's data as endmt fills it (and as a kernel node fills the same
 * trace type): 16 octets, network order. */
struct endmt_ioam_node {
	__u8 hop_lim;
	__u8 node_id[3];	/* 24 bits */
	__be16 in_if;		/* endmt: the ingress device's ifindex */
	__be16 out_if;		/* endmt: the egress device's ifindex; 0 when
				 * the node forwards to more than one device
				 * (a fork's section entry, an edge) */
	__be32 ts_sec;		/* POSIX seconds (CLOCK_REALTIME) */
	__be32 ts_frac;		/* microseconds, as the kernel's ioam6 */
};
_Static_assert(sizeof(struct endmt_ioam_node) == ENDMT_IOAM_NODE_OCTETS, "ioam node");

/* Pre-allocated node entries the head reserves per packet, default and
 * bounds.  Figure 1's deepest path is head, transit, edge: 3; the default
 * leaves room for two more (kernel routers) and keeps the header at
 * 16 + 5*16 = 96 octets. */
#define ENDMT_IOAM_SLOTS_DEF	5
#define ENDMT_IOAM_SLOTS_MAX	8	/* postcards carry at most this many */
#define ENDMT_IOAM_HBH_MAX	(ENDMT_IOAM_HBH_FIXED + ENDMT_IOAM_SLOTS_MAX * ENDMT_IOAM_NODE_OCTETS)

/* ---- Configuration ----------------------------------------------------- */

/* endmt_tm (ARRAY, one entry): this node's telemetry identity, written by
 * the CLI (`endmt telemetry`, apply), read by every program.  node_id 0 =
 * telemetry off on this node: it neither fills traces nor exports (a trace
 * passing through is forwarded untouched, and stripped at an edge). */
struct endmt_tm_node {
	__u32 node_id;		/* IOAM node_id, 24 bits, non-zero */
	__u16 ns_id;		/* IOAM Namespace-ID this node fills and
				 * exports; traces of other namespaces are
				 * forwarded untouched */
	__u16 flags;		/* ENDMT_TM_F_* */
	__s64 real_minus_tai_ns; /* CLOCK_REALTIME - CLOCK_TAI, kept by the
				 * CLI/agent: BPF reads TAI, IOAM carries
				 * POSIX time */
};
_Static_assert(sizeof(struct endmt_tm_node) == 16, "tm node layout");
#define ENDMT_TM_F_EXPORT 0x1	/* export postcards (endmt_postcards) */

/* Per group at the head: struct endmt_encap (maps.h) tm_sample and
 * tm_slots.  tm_sample = ENDMT_TM_OFF (0, also what older pins hold): no
 * trace; tm_sample = k + 1 with k in 0..ENDMT_TM_SHIFT_MAX: packets whose
 * BTH PSN has its k low bits 0 carry one (1 in 2^k, the same packets at
 * every node, so a sample missing below a branch is a loss there).
 * tm_slots: node entries pre-allocated, 1..ENDMT_IOAM_SLOTS_MAX. */
#define ENDMT_TM_OFF		0
#define ENDMT_TM_SHIFT_MAX	16

/* ---- Postcards (RFC 9630 §3.2, per-section) ---------------------------- */

/* endmt_postcards (RINGBUF): what the nodes export, read by the agent and
 * sent as IPFIX (docs/TELEMETRY.md has the template).  A section postcard
 * carries the trace as it reached the exporting node plus the node's own
 * ingress entry: at an edge (the section's end) and at a fork (before it
 * starts each copy's trace afresh with its per-copy entry). */
enum endmt_pc_kind {
	ENDMT_PC_EDGE = 1,	/* last section, exported by an End.MT edge */
	ENDMT_PC_FORK = 2,	/* section ending at a fork (RFC 9524 replication) */
};

struct endmt_postcard {
	__u32 kind;		/* enum endmt_pc_kind */
	__u32 node_id;		/* exporter's IOAM node_id */
	__u64 export_ns;	/* exporter's CLOCK_REALTIME at export */
	__u8 proxy[16];		/* the group: inner source (Proxy) ... */
	__u32 dqpn;		/* ... and BTH DestQPN as the tree carries them */
	__u32 psn;		/* BTH PSN of the sampled packet */
	__u32 in_ifindex;	/* device the packet arrived on */
	__u16 ns_id;		/* IOAM Namespace-ID of the trace */
	__u8 nodes;		/* node entries in data[], newest first */
	__u8 flags;		/* the trace's Flags (ENDMT_IOAM_FLAG_OVERFLOW),
				 * | ENDMT_PC_F_TRUNC */
	__u32 trace_type;	/* the trace's IOAM-Trace-Type, host order */
	__u32 copies;		/* copies the exporter made of this packet
				 * (receivers at an edge, SIDs at a fork) */
	__u8 outer_src[16];	/* outer IPv6 source (the head) */
	__u8 outer_dst[16];	/* outer IPv6 destination as received */
	/* The node data list as carried, starting at the newest entry (the
	 * exporter's own), ENDMT_IOAM_NODE_OCTETS each, network order. */
	__u8 data[ENDMT_IOAM_SLOTS_MAX * ENDMT_IOAM_NODE_OCTETS];
};
_Static_assert(sizeof(struct endmt_postcard) == 88 + ENDMT_IOAM_SLOTS_MAX * ENDMT_IOAM_NODE_OCTETS,
	       "postcard layout");

#define ENDMT_PC_F_TRUNC 0x10	/* postcard flag: older entries left out */

#define ENDMT_POSTCARD_RING	(256 * 1024)	/* octets */

#endif /* ENDMT_IOAM_H */
