/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* endmt apply, phase 2: what one node of a tree needs (attachments, group
 * entries, SIDs, receiver translations, Replication SIDs, the head's
 * templates), computed without touching the maps. */
#ifndef ENDMT_PLAN_H
#define ENDMT_PLAN_H

#include <net/if.h>
#include "tree.h"
#include "config.h"

#define MAX_RCVS ENDMT_MAX_XLATE	/* receivers at one edge: 64 groups x 64 branches */
#define MAX_ATTACH 64

struct attachment {
	char dev[IF_NAMESIZE];
	int role;		/* enum endmt_role; -1 once found already attached */
	int mode;		/* enum endmt_mode */
	char why[96];
};

struct group_plan {
	struct group_cfg g;
	struct branch_cfg br[ENDMT_MAX_BRANCHES];
	int nbr;
};

struct plan {
	struct attachment attach[MAX_ATTACH];
	int nattach;
	struct group_plan grp[MAX_GROUPS];
	int ngrp;
	struct endmt_group_key encap_keys[MAX_GROUPS];	/* the head's templates */
	struct endmt_encap encaps[MAX_GROUPS];
	int nencaps;
	/* On-path telemetry: this node's endmt_tm (node_id 0: off). */
	uint32_t tm_node_id;
	uint16_t tm_ns;
	/* Alternate marking (pm_on: a group of the tree has "pm"): this
	 * node's endmt_pm, the groups it marks (head: endmt_pm_groups + OUT
	 * counters) and the flows it counts IN (edges, RFC 9524 forks). */
	bool pm_on;
	uint64_t pm_period_ns;
	uint32_t pm_node_id;
	struct endmt_group_key pm_keys[MAX_GROUPS];
	uint32_t pm_flows[MAX_GROUPS];
	int npm;
	uint32_t pm_in[MAX_GROUPS];
	int npm_in;
	struct endmt_sid_key sid_keys[MAX_GROUPS];
	struct endmt_sid sid_vals[MAX_GROUPS];
	int nsids;
	struct endmt_rcv_key rcv_keys[MAX_RCVS];	/* receivers at this edge */
	struct endmt_rcv_xlate rcv_xlates[MAX_RCVS];	/* flags 0: no translation */
	struct endmt_group_key rcv_groups[MAX_RCVS];	/* their groups */
	int nrcvs, nxlates;				/* receivers, translations */
	struct endmt_sid_key repl_keys[MAX_GROUPS];	/* this node's Replication SIDs */
	struct endmt_repl repl_vals[MAX_GROUPS];
	int nrepls;
	/* Where each group's responses come from (endmt_resp_origin). */
	struct endmt_origin_key origin_keys[ENDMT_MAX_ORIGINS];
	uint32_t origin_ifx[ENDMT_MAX_ORIGINS];
	int norigins;
	/* SRH HMAC keys this node must have (endmt_hmac_keys), each with the
	 * group that needs it; the head's templates get their HMAC field from
	 * them at apply time (plan_hmac()).  encap_hmac[i]: key of
	 * encaps[i], 0 = none. */
	uint32_t encap_hmac[MAX_GROUPS];
	uint32_t need_keys[MAX_GROUPS];
	const char *need_key_grp[MAX_GROUPS];
	int nneed;
};

/* Fills p with what node x of t needs for every group.  Returns 0 or
 * -errno (with the one error line printed). */
int plan_node(const struct tree *t, int x, struct plan *p);

/* The HMAC of every template of p that has an HMAC TLV, from the node's keys
 * in m (Flags gets the kernel's H bit, docs/HEAD-ENCAP.md).  Fails, naming
 * group and Key ID, when a key p needs is not there.  0 or -errno (with the
 * one error line printed). */
struct endmt_maps_fds;
int plan_hmac(const struct tree *t, struct plan *p, const struct endmt_maps_fds *m);

/* endmt apply --dry-run (plan_show.c): the plan of node as JSON (a new
 * reference), and that JSON as text on stdout. */
json_t *plan_json(const char *node, const struct plan *p);
void plan_print(const char *file, json_t *o);

#endif
