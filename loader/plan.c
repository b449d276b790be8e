// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt apply, phase 2: the head, transit and edge planners.  For each group
 * whose tree passes through this node, what the node needs: the devices to
 * attach (one role each), the group entry with its branches, and for an
 * edge its SID and receivers, for a replicating node its Replication SID,
 * for the head its template. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plan.h"
#include "encap_tmpl.h"
#include "endmt/addr.h"
#include "endmt/srh.h"
#include "hmac_keys.h"
#include "srh_hmac.h"

/* Device of node x toward neighbour nb, resolved to an ifindex here. */
static int link_dev(const struct tree *t, int x, const char *nb, const char **dev,
		    unsigned int *ifindex, const char *why)
{
	json_t *d = json_object_get(t->nodes[x].links, nb);

	if (!d)
		return tree_err(t, "nodes.%s.links.%s: missing (%s)", t->nodes[x].name, nb, why);
	*dev = json_string_value(d);
	*ifindex = if_nametoindex(*dev);
	if (!*ifindex)
		return tree_err(t, "nodes.%s.links.%s: device '%s' does not exist here (run apply "
				"in the node's network namespace)", t->nodes[x].name, nb, *dev);
	return 0;
}

static int plan_attach(const struct tree *t, struct plan *p, const char *dev, int role,
		       int mode, const char *why)
{
	struct attachment *a;
	int i;

	for (i = 0; i < p->nattach; i++) {
		a = &p->attach[i];
		if (strcmp(a->dev, dev))
			continue;
		if (a->role != role)
			return tree_err(t, "device %s would need role %s (%s) and role %s (%s); "
					"one role per device", dev, role_names[a->role], a->why,
					role_names[role], why);
		return 0;
	}
	if (p->nattach >= MAX_ATTACH)
		return tree_err(t, "more than %d devices to attach", MAX_ATTACH);
	a = &p->attach[p->nattach++];
	snprintf(a->dev, IF_NAMESIZE, "%s", dev);
	snprintf(a->why, sizeof(a->why), "%s", why);
	a->role = role;
	a->mode = mode;
	return 0;
}

/* Node x's link toward neighbour nb, attached with role. */
static int plan_link(const struct tree *t, struct plan *p, int x, const char *nb,
		     const char *link_why, int role, const char *why, unsigned int *ifindex)
{
	unsigned int ifx = 0;
	const char *dev = NULL;
	int err;

	if ((err = link_dev(t, x, nb, &dev, &ifx, link_why)) ||
	    (err = plan_attach(t, p, dev, role, t->nodes[x].mode, why)))
		return err;
	if (ifindex)
		*ifindex = ifx;
	return 0;
}

/* Notes that this node needs g's HMAC key (once per key). */
static void need_key(struct plan *p, const struct grp *g)
{
	int i;

	for (i = 0; i < p->nneed; i++)
		if (p->need_keys[i] == g->hmac_key_id)
			return;
	if (p->nneed < MAX_GROUPS) {
		p->need_keys[p->nneed] = g->hmac_key_id;
		p->need_key_grp[p->nneed++] = g->name;
	}
}

/* This node's Replication SID of g with its downstream SIDs. */
static int plan_repl(const struct tree *t, const struct grp *g, const bool *on, int x,
		     struct plan *p)
{
	struct endmt_sid_key k = {};
	struct endmt_repl v = {};
	char msg[256], b[INET6_ADDRSTRLEN];
	const char *dev = NULL;
	unsigned int in = 0;
	int j, err;

	memcpy(k.sid, &g->repl_sid[x].addr, 16);
	if ((err = tree_repl_down(t, g, on, x, &v)))
		return err;
	if ((err = repl_check(-1, &k, &v, msg, sizeof(msg))))
		return tree_err(t, "group %s, node %s: %s", g->name, t->nodes[x].name, msg);
	/* The SR domain's boundary: from the head's address only, and only
	 * where the tree arrives (the head's own copies: its source link,
	 * where its TC encapsulates). */
	if ((err = link_dev(t, x, x == g->head ? g->src_name : t->nodes[t->nodes[x].parent].name,
			    &dev, &in, "where the tree arrives")))
		return err;
	v.in_ifindex = in;
	memcpy(v.src, &t->nodes[g->head].addr, 16);
	v.src_plen = 128;
	/* A group with a key: copies only of packets it signed.  Not at the
	 * head's own Replication SID, whose TC copies what it just signed. */
	if (g->hmac_key_id && x != g->head) {
		v.hmac_key_id = g->hmac_key_id;
		v.hmac_policy = ENDMT_HMAC_REQUIRE;
		need_key(p, g);
	}
	for (j = 0; j < p->nrepls; j++)
		if (!memcmp(&p->repl_keys[j], &k, sizeof(k)))
			break;
	if (j < p->nrepls) {
		struct endmt_repl *o = &p->repl_vals[j];

		if (o->n != v.n || memcmp(o->sids, v.sids, sizeof(v.sids)) ||
		    o->in_ifindex != v.in_ifindex)
			return tree_err(t, "group %s, node %s: Replication SID %s is used by another "
					"group with other downstream SIDs", g->name,
					t->nodes[x].name, addr_str(k.sid, b));
		if (o->hmac_key_id != v.hmac_key_id)
			return tree_err(t, "groups %s: hmac_key_id differs from another group's at "
					"the same Replication SID on node %s (one SID, one HMAC "
					"policy)", g->name, t->nodes[x].name);
		/* groups of several heads: the prefix they share */
		while (o->src_plen && !endmt_prefix_match(v.src, o->src, o->src_plen))
			o->src_plen--;
		return 0;
	}
	p->repl_keys[p->nrepls] = k;
	p->repl_vals[p->nrepls] = v;
	p->nrepls++;
	return 0;
}

/* Responses of group gp from source address addr arrive on ifindex. */
static int plan_origin(const struct tree *t, struct plan *p, const struct group_plan *gp,
		       const struct in6_addr *addr, unsigned int ifindex)
{
	struct endmt_origin_key *k;

	if (p->norigins >= ENDMT_MAX_ORIGINS)
		return tree_err(t, "more than %d response origins (receivers and child nodes "
				"over all groups) on one node", ENDMT_MAX_ORIGINS);
	k = &p->origin_keys[p->norigins];
	memset(k, 0, sizeof(*k));
	memcpy(k->proxy, gp->g.key.proxy, 16);
	k->dqpn = gp->g.key.dqpn;
	memcpy(k->addr, addr, 16);
	p->origin_ifx[p->norigins++] = ifindex;
	return 0;
}

/* Is node e in the subtree of node c (c itself included)? */
static bool in_subtree(const struct tree *t, int e, int c)
{
	int n;

	for (n = e; n >= 0; n = t->nodes[n].parent)
		if (n == c)
			return true;
	return false;
}

/* Head and transit: one branch per child link on the tree. */
static int plan_branches(const struct tree *t, const struct grp *g, const bool *on, int x,
			 struct plan *p, struct group_plan *gp)
{
	char why[96], link_why[96];
	unsigned int ifx;
	int i, j, err;

	for (i = 0; i < t->nnodes; i++) {
		if (!on[i] || t->nodes[i].parent != x)
			continue;
		if (gp->nbr >= ENDMT_MAX_BRANCHES)
			return tree_err(t, "node %s: more than %d branches in group %s",
					t->nodes[x].name, ENDMT_MAX_BRANCHES, g->name);
		snprintf(link_why, sizeof(link_why), "link to child %s", t->nodes[i].name);
		/* Responses from the child arrive on this link, where only an
		 * XDP program sees them: the head too puts the response path
		 * (transit role) there; its group entry's HEAD flag makes that
		 * path rewrite toward the source. */
		snprintf(why, sizeof(why), "%s of %s, link to %s",
			 x == g->head ? "head" : "transit", g->name, t->nodes[i].name);
		if ((err = plan_link(t, p, x, t->nodes[i].name, link_why, ROLE_TRANSIT, why, &ifx)))
			return err;
		branch_id_ifindex(gp->br[gp->nbr].id, ifx);
		gp->nbr++;
		/* On that link come the child's own CNPs (its agent's,
		 * SA = its address) and the responses of every receiver
		 * below it, with the receiver's address. */
		if ((err = plan_origin(t, p, gp, &t->nodes[i].addr, ifx)))
			return err;
		for (j = 0; j < g->nrcv; j++)
			if (in_subtree(t, g->rcv[j].edge, i) &&
			    (err = plan_origin(t, p, gp, &g->rcv[j].addr, ifx)))
				return err;
	}
	return 0;
}

/* One receiver QP at edge x (one group each, tree.c): its branch, its
 * translation (none, flags 0, if it needs none) and its group record. */
static int plan_receiver(const struct tree *t, const struct grp *g, const struct rcv *r,
			 int x, struct plan *p, struct group_plan *gp)
{
	const struct node *node = &t->nodes[x];
	struct endmt_rcv_xlate xlate = {};
	struct endmt_rcv_key key = {};
	unsigned int ifx = 0;
	char why[96];
	int err;

	snprintf(why, sizeof(why), "edge of %s, toward receiver %s", g->name, r->name);
	if ((err = plan_link(t, p, x, r->name, why, ROLE_EDGE, why, &ifx)) ||
	    (err = plan_origin(t, p, gp, &r->addr, ifx)))
		return err;
	/* Receivers of a group have distinct addresses (tree.c): one branch each. */
	if (gp->nbr >= ENDMT_MAX_BRANCHES)
		return tree_err(t, "node %s: more than %d receivers in group %s",
				node->name, ENDMT_MAX_BRANCHES, g->name);
	memcpy(gp->br[gp->nbr].id, &r->addr, 16);
	gp->br[gp->nbr].psn_offset = r->psn_offset;
	gp->nbr++;
	memcpy(key.addr, &r->addr, 16);
	key.qpn = r->qpn;
	xlate.psn_offset = r->psn_offset;
	xlate.flags = (r->psn_offset ? ENDMT_XL_PSN : 0) | (r->reth ? ENDMT_XL_RETH : 0);
	xlate.va_delta = r->va_delta;
	xlate.rkey = r->rkey;
	if (p->nrcvs >= MAX_RCVS)
		return tree_err(t, "more than %d receivers on node %s", MAX_RCVS, node->name);
	p->rcv_keys[p->nrcvs] = key;
	p->rcv_xlates[p->nrcvs] = xlate;
	p->rcv_groups[p->nrcvs] = gp->g.key;
	p->nxlates += !!xlate.flags;
	p->nrcvs++;
	return 0;
}

/* Edge: its End.MT SID (the replication variant's own unicast one, the DA
 * its parent's copies carry), the link to its parent and its receivers. */
static int plan_edge(const struct tree *t, const struct grp *g, int x, struct plan *p,
		     struct group_plan *gp)
{
	const struct node *node = &t->nodes[x];
	/* Strict: the groups and receivers this file gives the edge only. */
	struct endmt_sid sv = { .flags = ENDMT_SID_F_ENDMT | ENDMT_SID_F_STRICT,
				.max_rcv = ENDMT_DEF_MAX_RCV };
	struct endmt_sid_key sk = {};
	unsigned int up = 0;
	char why[96];
	int i, j, err;

	snprintf(why, sizeof(why), "edge of %s, from parent", g->name);
	if ((err = plan_link(t, p, x, t->nodes[node->parent].name,
			     "the edge's link to its parent", ROLE_EDGE, why, &up)))
		return err;
	/* The SR domain's boundary: the tree arrives on the parent link only,
	 * from the group's head only (the outer SA every copy keeps). */
	memcpy(sk.sid, g->edge_sid ? &g->edge_sid[x].addr : &g->sid, 16);
	memcpy(sv.edge, &node->addr, 16);
	memcpy(sv.src, &t->nodes[g->head].addr, 16);
	sv.src_plen = 128;
	sv.in_ifindex = up;
	/* A group with a key: its edges take only packets it signed. */
	sv.hmac_key_id = g->hmac_key_id;
	sv.hmac_policy = g->hmac_key_id ? ENDMT_HMAC_REQUIRE : ENDMT_HMAC_IGNORE;
	if (g->hmac_key_id)
		need_key(p, g);
	for (j = 0; j < p->nsids; j++)
		if (!memcmp(&p->sid_keys[j], &sk, sizeof(sk)))
			break;
	if (j < p->nsids && p->sid_vals[j].hmac_key_id != sv.hmac_key_id)
		return tree_err(t, "groups %s: hmac_key_id differs from another group's at the "
				"same End.MT SID on node %s (one SID, one HMAC policy)", g->name,
				node->name);
	if (j == p->nsids) {
		p->sid_keys[j] = sk;
		p->sid_vals[j] = sv;
		p->nsids++;
	} else {
		/* One SID for groups of several heads: the prefix they share. */
		struct endmt_sid *v = &p->sid_vals[j];

		while (v->src_plen && !endmt_prefix_match(sv.src, v->src, v->src_plen))
			v->src_plen--;
	}
	for (i = 0; i < g->nrcv; i++)
		if (g->rcv[i].edge == x && (err = plan_receiver(t, g, &g->rcv[i], x, p, gp)))
			return err;
	return 0;
}

/* The head's template: one TLV set per edge node, in order of first use. */
static int plan_template(const struct tree *t, const struct grp *g, const bool *on, int x,
			 struct plan *p, const struct group_plan *gp)
{
	struct endmt_edge_ent edges[MAX_NODES];
	struct endmt_rcv_ent *rl;
	struct in6_addr segs[2] = { g->proxy, g->sid };
	int ne = 0, nr = 0, e, i, err;

	/* Replication variant: the DA is the head's own Replication SID, or
	 * the one SID below it (tree.c, check_repl). */
	if (g->repl_sid && g->repl_sid[x].set) {
		segs[1] = g->repl_sid[x].addr;
	} else if (g->repl_sid) {
		struct endmt_repl v = {};

		if ((err = tree_repl_down(t, g, on, x, &v)))
			return err;
		memcpy(&segs[1], v.sids[0], 16);
	}
	rl = calloc(g->nrcv, sizeof(*rl));
	if (!rl)
		return -ENOMEM;
	for (e = 0; e < t->nnodes; e++) {
		int first = nr;

		for (i = 0; i < g->nrcv; i++)
			if (g->rcv[i].edge == e) {
				rl[nr].addr = g->rcv[i].addr;
				rl[nr].qpn = g->rcv[i].qpn;
				nr++;
			}
		if (nr == first)
			continue;
		edges[ne].edge = t->nodes[e].addr;
		edges[ne].rcv = rl + first;
		edges[ne].nrcv = nr - first;
		ne++;
	}
	err = endmt_encap_template(&p->encaps[p->nencaps], &t->nodes[x].addr, segs, 2, 1,
				   edges, ne, t->tlv_type);
	free(rl);
	/* The HMAC TLV comes at apply time, from the key (plan_hmac()). */
	if (!err && g->hmac_key_id)
		need_key(p, g);
	if (err)
		return tree_err(t, "groups %s: cannot build the head's template: %s", g->name,
				err == -E2BIG ? "too many receivers for one SRH" : strerror(-err));
	p->encaps[p->nencaps].tm_sample = g->tm_sample;
	p->encaps[p->nencaps].tm_slots = g->tm_slots;
	p->encap_hmac[p->nencaps] = g->hmac_key_id;
	p->encap_keys[p->nencaps++] = gp->g.key;
	return 0;
}

static int plan_group(const struct tree *t, const struct grp *g, int x, struct plan *p)
{
	const struct node *node = &t->nodes[x];
	bool on[MAX_NODES], edge = false, transit_children = false;
	struct group_plan *gp;
	char why[96];
	int i, err;

	tree_mark_path(t, g, on);
	if (!on[x])
		return 0;	/* not on this group's tree */
	for (i = 0; i < g->nrcv; i++)
		edge |= g->rcv[i].edge == x;
	for (i = 0; i < t->nnodes; i++)
		transit_children |= on[i] && t->nodes[i].parent == x && i != g->head;
	if (edge && transit_children)
		return tree_err(t, "node %s is both an edge and a transit of group %s: not "
				"supported (give the edge its own node)", node->name, g->name);
	if (edge && x == g->head)
		return tree_err(t, "node %s is both the head and an edge of group %s: not "
				"supported", node->name, g->name);
	if (g->pm_flow && x == g->head) {
		group_key_make(&p->pm_keys[p->npm], &g->proxy, g->dqpn);
		p->pm_flows[p->npm++] = g->pm_flow;
	} else if (g->pm_flow && (edge || (g->repl_sid && g->repl_sid[x].set))) {
		p->pm_in[p->npm_in++] = g->pm_flow;	/* an edge, a fork */
	}
	gp = &p->grp[p->ngrp];
	memset(gp, 0, sizeof(*gp));
	group_key_make(&gp->g.key, &g->proxy, g->dqpn);
	gp->g.start_psn = g->start_psn;
	gp->g.cnp_cap = g->cnp_cap;
	gp->g.cnp_rate = g->cnp_rate;
	gp->g.cnp_burst = g->cnp_burst;
	memcpy(gp->g.resp_saddr, &node->addr, 16);

	if (x == g->head) {
		snprintf(why, sizeof(why), "head of %s, toward source %s", g->name, g->src_name);
		if ((err = plan_link(t, p, x, g->src_name, "the head's link to the source",
				     ROLE_HEAD, why, NULL)))
			return err;
		/* The head and the edges forward the data, so they know the
		 * bound of every response (bpf/dp/data_psn.h). */
		gp->g.flags = ENDMT_GF_HEAD | ENDMT_GF_BRANCH_IFINDEX | ENDMT_GF_PSN_GUARD |
			      ENDMT_GF_ORIGIN;
		memcpy(gp->g.src_addr, &g->src, 16);
		gp->g.src_qpn = g->src_qpn;
	} else if (!edge) {
		/* A transit of the multicast variant never sees the data in
		 * BPF (the kernel's multicast routing copies it): no bound. */
		gp->g.flags = ENDMT_GF_BRANCH_IFINDEX | ENDMT_GF_ORIGIN;
	} else {
		gp->g.flags = ENDMT_GF_PSN_GUARD | ENDMT_GF_ORIGIN;
	}
	err = edge ? plan_edge(t, g, x, p, gp) : plan_branches(t, g, on, x, p, gp);
	if (err)
		return err;
	if (g->repl_sid && g->repl_sid[x].set) {
		if ((err = plan_repl(t, g, on, x, p)))
			return err;
		/* Where the parent's copies arrive: endmt_transit_tc makes ours
		 * there.  The head makes them in its own TC after encapsulation
		 * (bpf/head.bpf.c), on the source link it already holds. */
		if (x != g->head) {
			snprintf(why, sizeof(why), "transit of %s, replication from %s", g->name,
				 t->nodes[node->parent].name);
			if ((err = plan_link(t, p, x, t->nodes[node->parent].name,
					     "the link where the parent's copies arrive",
					     ROLE_TRANSIT, why, NULL)))
				return err;
		}
	}
	if (x == g->head && (err = plan_template(t, g, on, x, p, gp)))
		return err;
	p->ngrp++;
	return 0;
}

int plan_hmac(const struct tree *t, struct plan *p, const struct endmt_maps_fds *m)
{
	struct endmt_hmac_key k;
	int i, j, err = 0;

	for (i = 0; i < p->nneed; i++) {
		err = hmac_key_get(m, p->need_keys[i], &k);
		if (err) {
			errorf("%s: groups %s: hmac_key_id %u: %s", t->file, p->need_key_grp[i],
			       p->need_keys[i], err == -ENOENT ? "no such key on this node "
			       "(endmt hmac set --key-id on every node of the tree first)" :
			       strerror(-err));
			goto out;
		}
	}
	for (i = 0; i < p->nencaps; i++) {
		if (!p->encap_hmac[i])
			continue;
		if ((err = hmac_key_get(m, p->encap_hmac[i], &k)))
			goto out;	/* checked above */
		/* the HMAC TLV last, as the kernel finds it (the SRH's last 40
		 * octets), and its H flag (lib/encap_tmpl.h) */
		j = endmt_encap_hmac(&p->encaps[i], p->encap_hmac[i], (enum endmt_hmac_mode)k.mode,
				     &k.pads);
		if (j) {
			err = j;
			errorf("%s: HMAC of a head template (key %u): %s", t->file,
			       p->encap_hmac[i], err == -E2BIG ? "no room for the HMAC TLV "
			       "(too many receivers)" : strerror(-err));
			goto out;
		}
	}
out:
	explicit_bzero(&k, sizeof(k));
	return err;
}

int plan_node(const struct tree *t, int x, struct plan *p)
{
	int i, err;

	p->tm_node_id = t->tm_on ? t->nodes[x].ioam_id : 0;
	p->tm_ns = t->ioam_ns;
	p->pm_on = t->pm_on;
	p->pm_period_ns = (uint64_t)t->pm_period_ms * 1000000ull;
	p->pm_node_id = t->nodes[x].ioam_id;
	for (i = 0; i < t->ngroups; i++)
		if ((err = plan_group(t, &t->groups[i], x, p)))
			return err;
	return 0;
}
