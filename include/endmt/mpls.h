/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RFC 9714 alternate marking of MPLS flows (bpf/mpls.bpf.c, loader/mpls.c):
 * the node settings and the ingress LER's flow classifier.  The wire
 * constants (XL 15, FLI 18, the FL's L/D/T) are in endmt/pm.h. */
#ifndef ENDMT_MPLS_H
#define ENDMT_MPLS_H

#include <linux/types.h>
#include "endmt/pm.h"

/* FRLD (RFC 9714 §5): label stack entries this node reads from the top.
 * A Flow-ID Label deeper than that is not looked at (mpls_too_deep).  The
 * walk to the payload (packet key, counted octets) never goes past
 * ENDMT_MPLS_FRLD_MAX entries either. */
#define ENDMT_MPLS_FRLD_DEF	8
#define ENDMT_MPLS_FRLD_MAX	16

/* Octets after the label stack hashed into a D-mark's pkt_key (FNV-1a,
 * zero-padded when the payload is shorter, then the length mixed in):
 * every node of the LSP sees the same octets, so computes the same key. */
#define ENDMT_MPLS_KEY_OCTETS	32

#define ENDMT_MPLS_LSE_LEN	4
#define ENDMT_MPLS_MARK_LEN	(3 * ENDMT_MPLS_LSE_LEN)	/* XL + FLI + FL */

/* endmt_mpls (ARRAY, key 0, pinned): this node's MPLS PM settings,
 * written by `endmt mpls node`, read by every MPLS program. */
#define ENDMT_MPLS_N_E2E	0x1	/* an edge-to-edge processing node (the
					 * egress): counts T=1 flows too */
struct endmt_mpls_node {
	__u32 frld;		/* 0: ENDMT_MPLS_FRLD_DEF; at most FRLD_MAX */
	__u32 flags;		/* ENDMT_MPLS_N_* */
};
_Static_assert(sizeof(struct endmt_mpls_node) == 8, "mpls node layout");

/* endmt_mpls_flows (HASH, pinned; the ingress LER): which packets the LER
 * marks, by the exact destination address of the IP packet below the
 * stack (IPv6, or IPv4 as ::ffff:a.b.c.d).  Written by `endmt mpls flow`;
 * read by the LER program, which also advances the marking state. */
#define ENDMT_MPLS_MAX_FLOWS	1024
struct endmt_mpls_flow_key {
	__u8 dst[16];
};

enum endmt_mpls_pos {
	ENDMT_MPLS_POS_BELOW_TOP = 0,	/* XL+FLI+FL after the top (transport) label */
	ENDMT_MPLS_POS_BOTTOM = 1,	/* after the bottom (service) label: FL is BoS */
};

struct endmt_mpls_flow {
	__u32 flow;		/* Flow-ID Label, ENDMT_MPLS_FL_MIN..ENDMT_PM_FLOW_MAX */
	__u8 t;			/* 1: edge to edge, 0: hop by hop (the FL's T bit) */
	__u8 position;		/* enum endmt_mpls_pos */
	__u8 pad[2];
	struct endmt_pm_mark_state st;
};
_Static_assert(sizeof(struct endmt_mpls_flow) == 24, "mpls flow layout");

#endif /* ENDMT_MPLS_H */
