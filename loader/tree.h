/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* endmt apply, phase 1: a tree file (docs/TREE-FORMAT.md) parsed and
 * validated into a struct tree.  Strings point into the JSON document the
 * tree keeps (tree_free releases both). */
#ifndef ENDMT_TREE_H
#define ENDMT_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <jansson.h>
#include "endmt.h"

#define MAX_NODES 256
#define MAX_GROUPS 64

struct node {
	const char *name;
	struct in6_addr addr;
	int parent;		/* index, -1 for none */
	json_t *links;		/* neighbour name -> device name */
	int mode;		/* enum endmt_mode */
	uint32_t ioam_id;	/* IOAM node_id: "ioam_id", default index + 1 */
};

struct rcv {
	const char *name;
	struct in6_addr addr;
	uint32_t qpn;
	int edge;		/* node index */
	int32_t psn_offset;
	uint64_t va_delta;
	uint32_t rkey;
	bool reth;
};

/* A per-node SID of the replication variant (docs/TREE-FORMAT.md). */
struct node_sid {
	struct in6_addr addr;
	bool set;
};

struct grp {
	const char *name;
	struct in6_addr proxy, sid, src;
	/* Replication variant: no group-wide End.MT SID; repl_sid[node] = the
	 * node's RFC 9524 Replication SID, edge_sid[node] = an edge's unicast
	 * End.MT SID (arrays of nnodes, NULL in the multicast variant). */
	struct node_sid *repl_sid, *edge_sid;
	uint32_t dqpn, start_psn, cnp_cap, cnp_rate, cnp_burst, src_qpn;
	uint32_t hmac_key_id;	/* SRH HMAC key of the group, 0: none */
	uint8_t tm_sample, tm_slots;	/* "telemetry": struct endmt_encap's */
	uint32_t pm_flow;	/* "pm": {"flow"}: FlowMonID, 0 = no alternate marking */
	const char *src_name;
	int head;
	struct rcv *rcv;
	int nrcv;
};

struct tree {
	const char *file;
	json_t *root;
	uint32_t tlv_type;
	/* On-path telemetry: on when "ioam_namespace" is given or a group
	 * samples; every node then gets its ioam_id. */
	bool tm_on;
	uint16_t ioam_ns;
	/* Alternate marking: on when a group has "pm"; "pm_period_ms". */
	bool pm_on;
	uint32_t pm_period_ms;
	struct node nodes[MAX_NODES];
	int nnodes;
	struct grp groups[MAX_GROUPS];
	int ngroups;
};

/* Loads and validates t->file (set by the caller), naming file, field and
 * problem on the first error.  Returns 0 or -errno; tree_free either way. */
int tree_load(struct tree *t);
void tree_free(struct tree *t);

/* "FILE: message" on stderr; returns -EINVAL. */
int tree_err(const struct tree *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Index of the node called name, or -1. */
int tree_node_index(const struct tree *t, const char *name);
/* on[y]: y is on a path from g's head to one of its edges. */
void tree_mark_path(const struct tree *t, const struct grp *g, bool *on);
/* The SIDs node x sends g's packets to (replication variant), added to v. */
int tree_repl_down(const struct tree *t, const struct grp *g, const bool *on, int node,
		   struct endmt_repl *v);

#endif
