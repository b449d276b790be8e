// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt apply FILE --node NAME: configure this node from a tree description
 * (docs/TREE-FORMAT.md).
 *
 * Three phases: (1) parse and validate the whole file, naming file, field
 * and problem on the first error; (2) compute everything this node needs
 * (attachments, group entries, SIDs, receiver translations, the head's
 * templates) and check it against what is already there; (3) under the pin
 * lock, attach what is missing and write what differs, remembering the old
 * values; on any failure undo what this run did.  A second apply of the same
 * file finds everything equal and changes nothing.
 * apply adds and updates: it never deletes groups, SIDs or receivers that
 * the file does not mention (but a group it describes gets exactly the
 * branches the file implies). */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <jansson.h>
#include "endmt.h"
#include "config.h"
#include "encap_tmpl.h"
#include "endmt/srh.h"

#define MAX_NODES 256
#define MAX_GROUPS 64
#define MAX_RCVS ENDMT_MAX_XLATE	/* receivers at one edge: 64 groups x 64 branches */
#define MAX_ATT 64

struct node {
	const char *name;
	struct in6_addr addr;
	int parent;		/* index, -1 for none */
	json_t *links;
	int mode;
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
struct nsid {
	struct in6_addr a;
	bool set;
};

struct grp {
	const char *name;
	struct in6_addr proxy, sid, src;
	/* Replication variant: no group-wide End.MT SID; rsid[node] = the
	 * node's RFC 9524 Replication SID, esid[node] = an edge's unicast
	 * End.MT SID (arrays of nnodes, NULL in the multicast variant). */
	struct nsid *rsid, *esid;
	uint32_t dqpn, start_psn, cnp_cap, src_qpn;
	const char *src_name;
	int head;
	struct rcv *rcv;
	int nrcv;
};

struct tree {
	const char *file;
	uint32_t tlv_type;
	struct node nodes[MAX_NODES];
	int nnodes;
	struct grp groups[MAX_GROUPS];
	int ngroups;
};

/* What this node needs. */
struct att {
	char dev[IF_NAMESIZE];
	int role, mode;
	char why[96];
};

struct pgroup {
	struct group_cfg g;
	struct branch_cfg br[ENDMT_MAX_BRANCHES];
	int nbr;
	struct endmt_encap *encap;	/* head only */
};

struct plan {
	struct att att[MAX_ATT];
	int natt;
	struct pgroup grp[MAX_GROUPS];
	int ngrp;
	struct endmt_sid_key sidk[MAX_GROUPS];
	struct endmt_sid sidv[MAX_GROUPS];
	int nsid;
	struct endmt_rcv_key xk[MAX_RCVS];	/* receivers at this edge */
	struct endmt_rcv_xlate xv[MAX_RCVS];	/* flags 0: no translation */
	struct endmt_group_key xg[MAX_RCVS];	/* their groups */
	int nx, nxl;				/* receivers, translations */
	struct endmt_sid_key rk[MAX_GROUPS];	/* this node's Replication SIDs */
	struct endmt_repl rv[MAX_GROUPS];
	int nrepl;
};

static const char *const node_modes[] = { "native", "skb", "hw", NULL };

static int ferr(const struct tree *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ferr(const struct tree *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errorf("%s: %s", t->file, msg);
	return -EINVAL;
}

static int node_index(const struct tree *t, const char *name)
{
	int i;

	for (i = 0; i < t->nnodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return i;
	return -1;
}

/* Integer field: absent -> def (or an error if required). */
static int get_int(const struct tree *t, json_t *o, const char *k, const char *path,
		   long long min, long long max, long long def, bool req, long long *out)
{
	json_t *v = json_object_get(o, k);

	if (!v || (json_is_null(v) && !req)) {
		if (req)
			return ferr(t, "%s.%s: missing (an integer %lld..%lld)", path, k, min, max);
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return ferr(t, "%s.%s: must be %lld..%lld", path, k, min, max);
	*out = json_integer_value(v);
	return 0;
}

static int get_str(const struct tree *t, json_t *o, const char *k, const char *path,
		   const char **out)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_string(v) || !*json_string_value(v))
		return ferr(t, "%s.%s: %s", path, k, v ? "must be a non-empty string" : "missing");
	*out = json_string_value(v);
	return 0;
}

static int get_addr(const struct tree *t, json_t *o, const char *k, const char *path,
		    struct in6_addr *a)
{
	const char *s;
	int err = get_str(t, o, k, path, &s);

	if (err)
		return err;
	if (parse_addr(s, a))
		return ferr(t, "%s.%s: '%s' is not an IPv6 address", path, k, s);
	return 0;
}

static int parse_nodes(struct tree *t, json_t *nodes)
{
	const char *name, *s;
	char path[128];
	json_t *n, *v, *dev;
	const char *nb;
	int i, j, err;

	if (!json_is_object(nodes))
		return ferr(t, "nodes: %s", nodes ? "must be an object of name -> node" : "missing");
	json_object_foreach(nodes, name, n) {
		struct node *nd = &t->nodes[t->nnodes];

		if (t->nnodes >= MAX_NODES)
			return ferr(t, "nodes: more than %d nodes", MAX_NODES);
		snprintf(path, sizeof(path), "nodes.%s", name);
		if (!json_is_object(n))
			return ferr(t, "%s: must be an object", path);
		nd->name = name;
		err = get_addr(t, n, "addr", path, &nd->addr);
		if (err)
			return err;
		nd->links = json_object_get(n, "links");
		if (!json_is_object(nd->links))
			return ferr(t, "%s.links: %s", path, nd->links ?
				    "must be an object of neighbour -> device" : "missing");
		json_object_foreach(nd->links, nb, dev) {
			if (!json_is_string(dev) || !*json_string_value(dev) ||
			    strlen(json_string_value(dev)) >= IF_NAMESIZE)
				return ferr(t, "%s.links.%s: must be a device name of 1..%d characters",
					    path, nb, IF_NAMESIZE - 1);
		}
		nd->mode = 0;
		v = json_object_get(n, "mode");
		if (v && !json_is_null(v)) {
			s = json_is_string(v) ? json_string_value(v) : "";
			for (j = 0; node_modes[j] && strcmp(node_modes[j], s); j++)
				;
			if (!node_modes[j])
				return ferr(t, "%s.mode: must be native, skb or hw", path);
			nd->mode = j;
		}
		t->nnodes++;
	}
	/* Parents once every name is known. */
	i = 0;
	json_object_foreach(nodes, name, n) {
		v = json_object_get(n, "parent");
		t->nodes[i].parent = -1;
		if (v && !json_is_null(v)) {
			if (!json_is_string(v))
				return ferr(t, "nodes.%s.parent: must be a node name or null", name);
			t->nodes[i].parent = node_index(t, json_string_value(v));
			if (t->nodes[i].parent < 0)
				return ferr(t, "nodes.%s.parent: no node named '%s'", name,
					    json_string_value(v));
		}
		i++;
	}
	/* No cycles: every walk up ends within nnodes steps. */
	for (i = 0; i < t->nnodes; i++) {
		int k = i, steps = 0;

		while (k >= 0 && steps++ <= t->nnodes)
			k = t->nodes[k].parent;
		if (k >= 0)
			return ferr(t, "nodes.%s.parent: the parent chain loops", t->nodes[i].name);
	}
	return 0;
}

static int parse_rcv(struct tree *t, struct grp *g, json_t *r, const char *path, struct rcv *o)
{
	const char *edge;
	long long v;
	int err;

	if (!json_is_object(r))
		return ferr(t, "%s: must be an object", path);
	if ((err = get_str(t, r, "name", path, &o->name)) ||
	    (err = get_addr(t, r, "addr", path, &o->addr)) ||
	    (err = get_int(t, r, "qpn", path, 0, 16777215, 0, true, &v)))
		return err;
	o->qpn = v;
	if ((err = get_str(t, r, "edge", path, &edge)))
		return err;
	o->edge = node_index(t, edge);
	if (o->edge < 0)
		return ferr(t, "%s.edge: no node named '%s'", path, edge);
	if ((err = get_int(t, r, "psn_offset", path, -16777215, 16777215, 0, false, &v)))
		return err;
	o->psn_offset = v;
	o->reth = json_object_get(r, "va_delta") || json_object_get(r, "rkey");
	{
		json_t *va = json_object_get(r, "va_delta");

		o->va_delta = 0;
		if (va && !json_is_null(va)) {
			/* JSON integers are signed 64-bit in jansson: a delta is
			 * modulo 2^64, so negative values mean "subtract". */
			if (!json_is_integer(va))
				return ferr(t, "%s.va_delta: must be an integer (added modulo 2^64)", path);
			o->va_delta = (uint64_t)json_integer_value(va);
		}
	}
	if ((err = get_int(t, r, "rkey", path, 0, UINT32_MAX, 0, false, &v)))
		return err;
	o->rkey = v;
	if (!o->va_delta && !o->rkey)
		o->reth = false;	/* 0/0 is "no translation" (docs/TREE-FORMAT.md: optional, 0) */
	(void)g;
	return 0;
}

/* "replication": {node: Replication SID} and "edge_sids": {node: End.MT
 * SID}: names and addresses only here; what they must cover is checked
 * once the receivers are known (check_repl). */
static int parse_sid_map(struct tree *t, json_t *g, const char *k, const char *path,
			 struct nsid *out)
{
	json_t *m = json_object_get(g, k), *v;
	const char *name, *why;
	int x;

	if (!json_is_object(m))
		return ferr(t, "%s.%s: %s", path, k, m ? "must be an object of node -> SID" :
			    "missing (the replication variant needs both replication and edge_sids)");
	json_object_foreach(m, name, v) {
		x = node_index(t, name);
		if (x < 0)
			return ferr(t, "%s.%s.%s: no node named '%s'", path, k, name, name);
		if (!json_is_string(v) || parse_addr(json_string_value(v), &out[x].a))
			return ferr(t, "%s.%s.%s: must be an IPv6 address string", path, k, name);
		if ((why = repl_addr_problem(&out[x].a)))
			return ferr(t, "%s.%s.%s: %s %s", path, k, name, json_string_value(v), why);
		out[x].set = true;
	}
	return 0;
}

static int parse_repl(struct tree *t, json_t *g, const char *path, struct grp *o)
{
	int err;

	o->rsid = calloc(t->nnodes, sizeof(*o->rsid));
	o->esid = calloc(t->nnodes, sizeof(*o->esid));
	if (!o->rsid || !o->esid)
		return -ENOMEM;
	if ((err = parse_sid_map(t, g, "replication", path, o->rsid)) ||
	    (err = parse_sid_map(t, g, "edge_sids", path, o->esid)))
		return err;
	return 0;
}

static int parse_groups(struct tree *t, json_t *groups)
{
	char path[128], rpath[160];
	json_t *g, *src, *rcvs, *r;
	const char *head;
	size_t i, j;
	long long v;
	int err, a, b;

	if (!json_is_array(groups))
		return ferr(t, "groups: %s", groups ? "must be an array" : "missing");
	if (json_array_size(groups) > MAX_GROUPS)
		return ferr(t, "groups: more than %d groups", MAX_GROUPS);
	json_array_foreach(groups, i, g) {
		struct grp *o = &t->groups[i];

		snprintf(path, sizeof(path), "groups[%zu]", i);
		if (!json_is_object(g))
			return ferr(t, "%s: must be an object", path);
		if ((err = get_str(t, g, "name", path, &o->name)) ||
		    (err = get_addr(t, g, "proxy", path, &o->proxy)))
			return err;
		t->ngroups = i + 1;	/* so what parse_repl allocates is freed */
		if (json_object_get(g, "replication")) {
			if (json_object_get(g, "sid"))
				return ferr(t, "%s.sid: not used with replication (each edge "
					    "has its own End.MT SID in edge_sids)", path);
			if ((err = parse_repl(t, g, path, o)))
				return err;
		} else if (json_object_get(g, "edge_sids")) {
			return ferr(t, "%s.edge_sids: only with replication (the multicast "
				    "variant uses the group's sid)", path);
		} else if ((err = get_addr(t, g, "sid", path, &o->sid))) {
			return err;
		}
		if ((err = get_int(t, g, "dqpn", path, 0, 16777215, 0, true, &v)))
			return err;
		o->dqpn = v;
		if ((err = get_int(t, g, "start_psn", path, 0, 16777215, 0, false, &v)))
			return err;
		o->start_psn = v;
		if ((err = get_int(t, g, "cnp_cap", path, 0, UINT32_MAX, 0, false, &v)))
			return err;
		o->cnp_cap = v;
		src = json_object_get(g, "source");
		snprintf(rpath, sizeof(rpath), "%s.source", path);
		if (!json_is_object(src))
			return ferr(t, "%s: %s", rpath, src ? "must be an object" : "missing");
		if ((err = get_str(t, src, "name", rpath, &o->src_name)) ||
		    (err = get_addr(t, src, "addr", rpath, &o->src)) ||
		    (err = get_int(t, src, "qpn", rpath, 0, 16777215, 0, true, &v)) ||
		    (err = get_str(t, src, "head", rpath, &head)))
			return err;
		o->src_qpn = v;
		o->head = node_index(t, head);
		if (o->head < 0)
			return ferr(t, "%s.head: no node named '%s'", rpath, head);
		rcvs = json_object_get(g, "receivers");
		if (!json_is_array(rcvs) || !json_array_size(rcvs))
			return ferr(t, "%s.receivers: %s", path, rcvs ? "must be a non-empty array" :
				    "missing");
		o->rcv = calloc(json_array_size(rcvs), sizeof(*o->rcv));
		if (!o->rcv)
			return -ENOMEM;
		json_array_foreach(rcvs, j, r) {
			snprintf(rpath, sizeof(rpath), "%s.receivers[%zu]", path, j);
			err = parse_rcv(t, o, r, rpath, &o->rcv[j]);
			if (err)
				return err;
			o->nrcv = j + 1;
			/* The edge must hang below the head. */
			for (a = o->rcv[j].edge; a >= 0 && a != o->head; a = t->nodes[a].parent)
				;
			if (a < 0)
				return ferr(t, "%s.edge: node %s is not below the head %s (check the "
					    "parent chain)", rpath, t->nodes[o->rcv[j].edge].name,
					    t->nodes[o->head].name);
			for (b = 0; b < (int)j; b++) {
				const struct rcv *x = &o->rcv[b], *y = &o->rcv[j];
				char ab[INET6_ADDRSTRLEN];

				if (memcmp(&x->addr, &y->addr, 16))
					continue;
				if (x->qpn == y->qpn)
					return ferr(t, "%s: same addr/qpn as receivers[%d]", rpath, b);
				/* One branch per address (docs/DECISIONS.md). */
				return ferr(t, "%s.addr: group %s lists two QPs at %s: %s (qpn %u, "
					    "receivers[%d]) and %s (qpn %u); responses carry no "
					    "responder QPN (their DestQPN is the Designated QPN), so "
					    "a node has one branch per receiver address and one QP's "
					    "ACK would hide the other's: give each QP its own address",
					    rpath, o->name, addr_str(&y->addr, ab), x->name, x->qpn,
					    b, y->name, y->qpn);
			}
		}
		for (b = 0; b < (int)i; b++)
			if (!memcmp(&t->groups[b].proxy, &o->proxy, 16) &&
			    t->groups[b].dqpn == o->dqpn)
				return ferr(t, "%s: same proxy/dqpn as groups[%d]", path, b);
	}
	t->ngroups = json_array_size(groups);
	/* One QP, one group: an RC QP's only peer is its group's Proxy
	 * Address / Designated QPN, and endmt_rcv_xlate (its PSN offset)
	 * is keyed by the QP alone. */
	for (a = 0; a < t->ngroups; a++)
		for (j = 0; j < (size_t)t->groups[a].nrcv; j++)
			for (b = 0; b < a; b++) {
				const struct rcv *y = &t->groups[a].rcv[j];
				char ab[INET6_ADDRSTRLEN];
				int l;

				for (l = 0; l < t->groups[b].nrcv; l++) {
					const struct rcv *x = &t->groups[b].rcv[l];

					if (memcmp(&x->addr, &y->addr, 16) || x->qpn != y->qpn)
						continue;
					return ferr(t, "groups[%d].receivers[%zu]: %s/%u is also "
						    "groups[%d].receivers[%d] (%s of group %s); an "
						    "RC QP has one peer, so it belongs to one group "
						    "(and has one PSN offset)", a, j,
						    addr_str(&y->addr, ab), y->qpn, b, l, x->name,
						    t->groups[b].name);
				}
			}
	return 0;
}

/* Device of node x toward neighbour nb, resolved to an ifindex here. */
static int link_dev(const struct tree *t, int x, const char *nb, const char **dev,
		    unsigned int *ifindex, const char *why)
{
	json_t *d = json_object_get(t->nodes[x].links, nb);

	if (!d)
		return ferr(t, "nodes.%s.links.%s: missing (%s)", t->nodes[x].name, nb, why);
	*dev = json_string_value(d);
	*ifindex = if_nametoindex(*dev);
	if (!*ifindex)
		return ferr(t, "nodes.%s.links.%s: device '%s' does not exist here (run apply "
			    "in the node's network namespace)", t->nodes[x].name, nb, *dev);
	return 0;
}

static int plan_att(const struct tree *t, struct plan *p, const char *dev, int role,
		    int mode, const char *why)
{
	int i;

	for (i = 0; i < p->natt; i++) {
		if (strcmp(p->att[i].dev, dev))
			continue;
		if (p->att[i].role != role)
			return ferr(t, "device %s would need role %s (%s) and role %s (%s); "
				    "one role per device", dev, role_names[p->att[i].role],
				    p->att[i].why, role_names[role], why);
		return 0;
	}
	if (p->natt >= MAX_ATT)
		return ferr(t, "more than %d devices to attach", MAX_ATT);
	snprintf(p->att[p->natt].dev, IF_NAMESIZE, "%s", dev);
	snprintf(p->att[p->natt].why, sizeof(p->att[0].why), "%s", why);
	p->att[p->natt].role = role;
	p->att[p->natt].mode = mode;
	p->natt++;
	return 0;
}

/* on[y]: y is on a path from g's head to one of its edges. */
static void mark_path(const struct tree *t, const struct grp *g, bool *on)
{
	int i, a;

	memset(on, 0, sizeof(bool) * t->nnodes);
	for (i = 0; i < g->nrcv; i++)
		for (a = g->rcv[i].edge; a >= 0; a = t->nodes[a].parent) {
			on[a] = true;
			if (a == g->head)
				break;
		}
}

/* The SIDs node x sends g's packets to (replication variant): for each
 * child c on the tree, c's Replication SID, else c's End.MT SID if c is an
 * edge, else c's own downstream SIDs (a transit without a Replication SID:
 * the copies are routed through it by its FIB). */
static int repl_down(const struct tree *t, const struct grp *g, const bool *on, int x,
		     struct endmt_repl *v)
{
	const struct in6_addr *a;
	int c, err;

	for (c = 0; c < t->nnodes; c++) {
		if (!on[c] || t->nodes[c].parent != x || c == g->head)
			continue;
		if (g->rsid[c].set) {
			a = &g->rsid[c].a;
		} else if (g->esid[c].set) {
			a = &g->esid[c].a;
		} else {
			if ((err = repl_down(t, g, on, c, v)))
				return err;
			continue;
		}
		if (v->n >= ENDMT_MAX_REPL)
			return ferr(t, "group %s: node %s would send to more than %d downstream SIDs "
				    "(ENDMT_MAX_REPL); give a node below it a Replication SID",
				    g->name, t->nodes[x].name, ENDMT_MAX_REPL);
		memcpy(v->sids[v->n++], a, 16);
	}
	return 0;
}

/* Replication variant of group gi: what the SID maps must cover, and one
 * SID per node and meaning across the whole file (a SID names one node: a
 * copy for one node must never arrive at another). */
static int check_repl(const struct tree *t, int gi)
{
	const struct grp *g = &t->groups[gi], *h;
	bool on[MAX_NODES], edge[MAX_NODES] = { false };
	struct endmt_repl v = {};
	char b[INET6_ADDRSTRLEN];
	int x, y, i, gj, k, l, err;

	if (!g->rsid)
		return 0;
	mark_path(t, g, on);
	for (i = 0; i < g->nrcv; i++)
		edge[g->rcv[i].edge] = true;
	for (x = 0; x < t->nnodes; x++) {
		const char *n = t->nodes[x].name;

		if (g->rsid[x].set && !on[x])
			return ferr(t, "groups[%d].replication.%s: node %s is not on the tree of "
				    "group %s (no receiver's edge below it)", gi, n, n, g->name);
		if (g->rsid[x].set && edge[x])
			return ferr(t, "groups[%d].replication.%s: node %s is an edge of group %s: "
				    "its End.MT SID goes in edge_sids", gi, n, n, g->name);
		if (g->esid[x].set && !edge[x])
			return ferr(t, "groups[%d].edge_sids.%s: node %s is not an edge of group %s "
				    "(no receiver has edge %s)", gi, n, n, g->name, n);
		if (edge[x] && !g->esid[x].set)
			return ferr(t, "groups[%d].edge_sids: missing %s (every edge of the "
				    "replication variant needs its unicast End.MT SID)", gi, n);
	}
	for (x = 0; x < t->nnodes; x++) {
		for (k = 0; k < 2; k++) {
			const struct nsid *a = k ? &g->esid[x] : &g->rsid[x];

			if (!a->set)
				continue;
			for (gj = 0; gj <= gi; gj++) {
				h = &t->groups[gj];
				if (!h->rsid)
					continue;
				for (y = 0; y < t->nnodes; y++)
					for (l = 0; l < 2; l++) {
						const struct nsid *c = l ? &h->esid[y] : &h->rsid[y];

						/* Against every SID before this one (file
						 * order); the same node and meaning in an
						 * earlier group is fine. */
						if (gj == gi && (y > x || (y == x && l >= k)))
							continue;
						if (!c->set || memcmp(&c->a, &a->a, 16) ||
						    (y == x && l == k))
							continue;
						return ferr(t, "groups[%d].%s.%s: %s is also %s's %s in "
							    "groups[%d] (one SID names one node)", gi,
							    k ? "edge_sids" : "replication",
							    t->nodes[x].name, addr_str(&a->a, b),
							    t->nodes[y].name, l ? "End.MT SID" :
							    "Replication SID", gj);
					}
			}
		}
	}
	/* The head's template has one DA: its own Replication SID (the head's
	 * TC makes the copies), or the single SID below it. */
	if (!g->rsid[g->head].set) {
		if ((err = repl_down(t, g, on, g->head, &v)))
			return err;
		if (v.n != 1)
			return ferr(t, "groups[%d].replication: the head %s sends to %u downstream "
				    "SIDs but has no Replication SID (give %s one)", gi,
				    t->nodes[g->head].name, v.n, t->nodes[g->head].name);
	}
	return 0;
}

/* This node's Replication SID of g with its downstream SIDs. */
static int plan_repl(const struct tree *t, const struct grp *g, const bool *on, int x,
		     struct plan *p)
{
	struct endmt_sid_key k = {};
	struct endmt_repl v = {};
	char msg[256], b[INET6_ADDRSTRLEN];
	int j, err;

	memcpy(k.sid, &g->rsid[x].a, 16);
	if ((err = repl_down(t, g, on, x, &v)))
		return err;
	if ((err = repl_check(-1, &k, &v, msg, sizeof(msg))))
		return ferr(t, "group %s, node %s: %s", g->name, t->nodes[x].name, msg);
	for (j = 0; j < p->nrepl; j++)
		if (!memcmp(&p->rk[j], &k, sizeof(k)))
			break;
	if (j < p->nrepl) {
		if (memcmp(&p->rv[j], &v, sizeof(v)))
			return ferr(t, "group %s, node %s: Replication SID %s is used by another group "
				    "with other downstream SIDs", g->name, t->nodes[x].name,
				    addr_str(k.sid, b));
		return 0;
	}
	p->rk[p->nrepl] = k;
	p->rv[p->nrepl] = v;
	p->nrepl++;
	return 0;
}

static int plan_group(const struct tree *t, const struct grp *g, int x, struct plan *p)
{
	const struct node *X = &t->nodes[x];
	bool on[MAX_NODES], edge = false, transit_children = false;
	struct pgroup *pg;
	const char *dev;
	unsigned int ifx;
	char why[96];
	int i, j, err;

	mark_path(t, g, on);
	if (!on[x])
		return 0;	/* not on this group's tree */
	for (i = 0; i < g->nrcv; i++)
		edge |= g->rcv[i].edge == x;
	for (i = 0; i < t->nnodes; i++)
		transit_children |= on[i] && t->nodes[i].parent == x && i != g->head;
	if (edge && transit_children)
		return ferr(t, "node %s is both an edge and a transit of group %s: not supported "
			    "(give the edge its own node)", X->name, g->name);
	if (edge && x == g->head)
		return ferr(t, "node %s is both the head and an edge of group %s: not supported",
			    X->name, g->name);
	pg = &p->grp[p->ngrp];
	memset(pg, 0, sizeof(*pg));
	group_key_make(&pg->g.key, &g->proxy, g->dqpn);
	pg->g.start_psn = g->start_psn;
	pg->g.cnp_cap = g->cnp_cap;
	memcpy(pg->g.resp_saddr, &X->addr, 16);

	if (x == g->head) {
		snprintf(why, sizeof(why), "head of %s, toward source %s", g->name, g->src_name);
		if ((err = link_dev(t, x, g->src_name, &dev, &ifx, "the head's link to the source")) ||
		    (err = plan_att(t, p, dev, ROLE_HEAD, X->mode, why)))
			return err;
		pg->g.flags = ENDMT_GF_HEAD | ENDMT_GF_BRANCH_IFINDEX;
		memcpy(pg->g.src_addr, &g->src, 16);
		pg->g.src_qpn = g->src_qpn;
	} else if (!edge) {
		pg->g.flags = ENDMT_GF_BRANCH_IFINDEX;
	}
	if (!edge) {
		/* head and transit: one branch per child link on the tree */
		for (i = 0; i < t->nnodes; i++) {
			if (!on[i] || t->nodes[i].parent != x)
				continue;
			if (pg->nbr >= ENDMT_MAX_BRANCHES)
				return ferr(t, "node %s: more than %d branches in group %s",
					    X->name, ENDMT_MAX_BRANCHES, g->name);
			snprintf(why, sizeof(why), "link to child %s", t->nodes[i].name);
			if ((err = link_dev(t, x, t->nodes[i].name, &dev, &ifx, why)))
				return err;
			/* Responses from the child arrive on this link, where
			 * only an XDP program sees them: the head too puts the
			 * response path (transit role) there; its group entry's
			 * HEAD flag makes that path rewrite toward the source. */
			snprintf(why, sizeof(why), "%s of %s, link to %s",
				 x == g->head ? "head" : "transit", g->name, t->nodes[i].name);
			if ((err = plan_att(t, p, dev, ROLE_TRANSIT, X->mode, why)))
				return err;
			branch_id_ifindex(pg->br[pg->nbr].id, ifx);
			pg->nbr++;
		}
	} else {
		struct endmt_sid sv = { .flags = ENDMT_SID_F_ENDMT, .max_rcv = ENDMT_DEF_MAX_RCV };
		struct endmt_sid_key sk = {};

		/* Replication variant: the edge's own unicast End.MT SID, the DA
		 * its parent's copies carry. */
		memcpy(sk.sid, g->esid ? &g->esid[x].a : &g->sid, 16);
		memcpy(sv.edge, &X->addr, 16);
		for (j = 0; j < p->nsid; j++)
			if (!memcmp(&p->sidk[j], &sk, sizeof(sk)))
				break;
		if (j == p->nsid) {
			p->sidk[j] = sk;
			p->sidv[j] = sv;
			p->nsid++;
		}
		snprintf(why, sizeof(why), "edge of %s, from parent", g->name);
		if ((err = link_dev(t, x, t->nodes[X->parent].name, &dev, &ifx,
				    "the edge's link to its parent")) ||
		    (err = plan_att(t, p, dev, ROLE_EDGE, X->mode, why)))
			return err;
		for (i = 0; i < g->nrcv; i++) {
			const struct rcv *r = &g->rcv[i];
			struct endmt_rcv_key xk = {};
			struct endmt_rcv_xlate xv = {};

			if (r->edge != x)
				continue;
			snprintf(why, sizeof(why), "edge of %s, toward receiver %s", g->name, r->name);
			if ((err = link_dev(t, x, r->name, &dev, &ifx, why)) ||
			    (err = plan_att(t, p, dev, ROLE_EDGE, X->mode, why)))
				return err;
			/* Receivers of a group have distinct addresses
			 * (parse_groups): one branch each. */
			if (pg->nbr >= ENDMT_MAX_BRANCHES)
				return ferr(t, "node %s: more than %d receivers in group %s",
					    X->name, ENDMT_MAX_BRANCHES, g->name);
			memcpy(pg->br[pg->nbr].id, &r->addr, 16);
			pg->br[pg->nbr].psn_offset = r->psn_offset;
			pg->nbr++;
			/* Every receiver QP (one group each, parse_groups):
			 * its translation, none (flags 0) if it needs none,
			 * and its group record. */
			memcpy(xk.addr, &r->addr, 16);
			xk.qpn = r->qpn;
			xv.psn_offset = r->psn_offset;
			xv.flags = (r->psn_offset ? ENDMT_XL_PSN : 0) | (r->reth ? ENDMT_XL_RETH : 0);
			xv.va_delta = r->va_delta;
			xv.rkey = r->rkey;
			if (p->nx >= MAX_RCVS)
				return ferr(t, "more than %d receivers on node %s", MAX_RCVS, X->name);
			p->xk[p->nx] = xk;
			p->xv[p->nx] = xv;
			p->xg[p->nx] = pg->g.key;
			p->nxl += !!xv.flags;
			p->nx++;
		}
	}
	if (g->rsid && g->rsid[x].set) {
		if ((err = plan_repl(t, g, on, x, p)))
			return err;
		/* Where the parent's copies arrive: endmt_transit_tc makes ours
		 * there.  The head makes them in its own TC after encapsulation
		 * (bpf/head.bpf.c), on the source link it already holds. */
		if (x != g->head) {
			snprintf(why, sizeof(why), "transit of %s, replication from %s", g->name,
				 t->nodes[X->parent].name);
			if ((err = link_dev(t, x, t->nodes[X->parent].name, &dev, &ifx,
					    "the link where the parent's copies arrive")) ||
			    (err = plan_att(t, p, dev, ROLE_TRANSIT, X->mode, why)))
				return err;
		}
	}
	if (x == g->head) {
		/* Template: one TLV set per edge node, in order of first use. */
		struct endmt_edge_ent edges[MAX_NODES];
		struct endmt_rcv_ent *rl;
		struct in6_addr segs[2] = { g->proxy, g->sid };
		int ne = 0, nr = 0, e;

		/* Replication variant: the DA is the head's own Replication
		 * SID, or the one SID below it (check_repl). */
		if (g->rsid && g->rsid[x].set) {
			segs[1] = g->rsid[x].a;
		} else if (g->rsid) {
			struct endmt_repl v = {};

			if ((err = repl_down(t, g, on, x, &v)))
				return err;
			memcpy(&segs[1], v.sids[0], 16);
		}
		rl = calloc(g->nrcv, sizeof(*rl));
		pg->encap = calloc(1, sizeof(*pg->encap));
		if (!rl || !pg->encap) {
			free(rl);
			return -ENOMEM;
		}
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
		err = endmt_encap_template(pg->encap, &X->addr, segs, 2, 1, edges, ne,
					   t->tlv_type);
		free(rl);
		if (err)
			return ferr(t, "groups %s: cannot build the head's template: %s", g->name,
				    err == -E2BIG ? "too many receivers for one SRH" : strerror(-err));
	}
	p->ngrp++;
	return 0;
}

/* ---- phase 3: write with undo ---- */

enum undo_kind { U_ATTACH, U_GROUP, U_MAP };

struct undo {
	enum undo_kind kind;
	int fd;
	char dev[IF_NAMESIZE];
	uint8_t key[20];
	bool existed;
	void *old;
	size_t vsize;
};

struct undo_log {
	struct undo *u;
	int n, cap;
};

static struct undo *undo_push(struct undo_log *l)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 32;
		struct undo *u = realloc(l->u, cap * sizeof(*u));

		if (!u)
			return NULL;
		l->u = u;
		l->cap = cap;
	}
	memset(&l->u[l->n], 0, sizeof(l->u[0]));
	return &l->u[l->n++];
}

/* Saves the current value of key (for undo); the group map needs BPF_F_LOCK. */
static int undo_save(struct undo_log *l, enum undo_kind kind, int fd, const void *key,
		     size_t ksize, size_t vsize)
{
	struct undo *u = undo_push(l);

	if (!u)
		return -ENOMEM;
	u->kind = kind;
	u->fd = fd;
	memcpy(u->key, key, ksize);
	u->vsize = vsize;
	u->old = calloc(1, vsize);
	if (!u->old) {
		l->n--;
		return -ENOMEM;
	}
	u->existed = !bpf_map_lookup_elem_flags(fd, key, u->old,
						kind == U_GROUP ? BPF_F_LOCK : 0);
	return 0;
}

static void undo_all(struct undo_log *l)
{
	int i;

	for (i = l->n - 1; i >= 0; i--) {
		struct undo *u = &l->u[i];

		if (u->kind == U_ATTACH)
			do_detach(u->dev);
		else if (u->existed)
			bpf_map_update_elem(u->fd, u->key, u->old,
					    u->kind == U_GROUP ? BPF_F_LOCK : 0);
		else
			bpf_map_delete_elem(u->fd, u->key);
	}
}

static void undo_free(struct undo_log *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->u[i].old);
	free(l->u);
}

/* Deletes key (if there) with undo; *changes counts it. */
static int undo_del(struct undo_log *l, int fd, const void *key, size_t ksize, size_t vsize,
		    int *changes)
{
	int err = undo_save(l, U_MAP, fd, key, ksize, vsize);

	if (err || !l->u[l->n - 1].existed)
		return err;
	err = map_del(fd, key);
	*changes += !err;
	return err;
}

static bool plan_has_rcv(const struct plan *p, const struct endmt_rcv_key *k)
{
	int i;

	for (i = 0; i < p->nx; i++)
		if (!memcmp(&p->xk[i], k, sizeof(*k)))
			return true;
	return false;
}

/* The receivers of the groups this node is an edge of become exactly the
 * file's (as their branches do): a receiver recorded for such a group that
 * the file no longer lists loses its record and translation; each listed
 * one gets its translation (or none) and its record. */
static int apply_receivers(const struct endmt_maps_fds *m, const struct plan *p,
			   struct undo_log *ul, int *changes)
{
	struct endmt_rcv_key k, *prev = NULL, *stale = NULL;
	struct endmt_group_key gk;
	int i, j, n = 0, cap = 0, err = 0;
	bool ch;

	while (!bpf_map_get_next_key(m->rcv_group, prev, &k)) {
		prev = &k;
		if (bpf_map_lookup_elem(m->rcv_group, &k, &gk) || plan_has_rcv(p, &k))
			continue;
		for (j = 0; j < p->nx && memcmp(&p->xg[j], &gk, sizeof(gk)); j++)
			;
		if (j == p->nx)
			continue;	/* not a group this file gives this node */
		if (n == cap) {
			struct endmt_rcv_key *s2;

			cap = cap ? 2 * cap : 16;
			s2 = realloc(stale, cap * sizeof(*s2));
			if (!s2) {
				err = -ENOMEM;
				goto out;
			}
			stale = s2;
		}
		stale[n++] = k;	/* delete after the walk: it needs stable keys */
	}
	for (i = 0; i < n; i++)
		if ((err = undo_del(ul, m->xlate, &stale[i], sizeof(stale[i]),
				    sizeof(struct endmt_rcv_xlate), changes)) ||
		    (err = undo_del(ul, m->rcv_group, &stale[i], sizeof(stale[i]),
				    sizeof(struct endmt_group_key), changes)))
			goto out;
	for (i = 0; i < p->nx; i++) {
		if (p->xv[i].flags) {
			if ((err = undo_save(ul, U_MAP, m->xlate, &p->xk[i], sizeof(p->xk[i]),
					     sizeof(p->xv[i]))) ||
			    (err = map_set(m->xlate, &p->xk[i], &p->xv[i], sizeof(p->xv[i]), &ch)))
				goto out;
			*changes += ch;
		} else if ((err = undo_del(ul, m->xlate, &p->xk[i], sizeof(p->xk[i]),
					   sizeof(p->xv[i]), changes))) {
			goto out;	/* no translation: none may stay behind */
		}
		if ((err = undo_save(ul, U_MAP, m->rcv_group, &p->xk[i], sizeof(p->xk[i]),
				     sizeof(p->xg[i]))) ||
		    (err = map_set(m->rcv_group, &p->xk[i], &p->xg[i], sizeof(p->xg[i]), &ch)))
			goto out;
		*changes += ch;
	}
out:
	free(stale);
	return err;
}

struct apply_args {
	const char *file;
	const char *node;
};

static int apply_run(void *p)
{
	struct apply_args *a = p;
	struct tree *t = calloc(1, sizeof(*t));
	struct plan *pl = calloc(1, sizeof(*pl));
	struct undo_log ul = {};
	struct endmt_maps_fds m = { -1, -1, -1, -1, -1, -1, -1, -1 };
	struct dev_state st;
	json_error_t jerr;
	json_t *root = NULL, *v;
	char msg[256];
	int i, x, err, lock = -1, changes = 0, attached = 0;
	bool ch, maps_ok = false;
	long long tlv;

	if (!t || !pl) {
		err = -ENOMEM;
		goto out;
	}
	t->file = a->file;
	/* phase 1: parse and validate */
	root = json_load_file(a->file, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (jerr.line > 0)
			errorf("%s:%d:%d: %s", a->file, jerr.line, jerr.column, jerr.text);
		else
			errorf("%s: %s", a->file, jerr.text);
		err = -EINVAL;
		goto out;
	}
	if (!json_is_object(root)) {
		err = ferr(t, "top level: must be an object with nodes and groups");
		goto out;
	}
	if ((err = get_int(t, root, "tlv_type", "top level", 1, 255, ENDMT_TLV_ENDMT_DEFAULT,
			   false, &tlv)))
		goto out;
	if (tlv_type_refused((uint32_t)tlv)) {
		err = ferr(t, "top level.tlv_type: %lld is %s and cannot be the End.MT TLV type",
			   tlv, tlv_type_refused((uint32_t)tlv));
		goto out;
	}
	t->tlv_type = tlv;
	v = json_object_get(root, "cnp_window_us");
	if (v && !(json_is_integer(v) && json_integer_value(v) >= 50 &&
		   json_integer_value(v) <= 10000000)) {
		err = ferr(t, "cnp_window_us: must be 50..10000000 (the agent's --window-us)");
		goto out;
	}
	if ((err = parse_nodes(t, json_object_get(root, "nodes"))) ||
	    (err = parse_groups(t, json_object_get(root, "groups"))))
		goto out;
	for (i = 0; i < t->ngroups; i++)
		if ((err = check_repl(t, i)))
			goto out;
	x = node_index(t, a->node);
	if (x < 0) {
		err = ferr(t, "nodes: no node named '%s' (--node)", a->node);
		goto out;
	}
	/* phase 2: what this node needs */
	for (i = 0; i < t->ngroups; i++)
		if ((err = plan_group(t, &t->groups[i], x, pl)))
			goto out;
	/* phase 3: lock, check attachments, then change */
	err = cfg_begin(&m, &lock);
	if (err)
		goto out;
	maps_ok = true;
	for (i = 0; i < pl->natt; i++) {
		if (dev_state_read(pl->att[i].dev, &st) ||
		    st.ifindex != if_nametoindex(pl->att[i].dev))
			continue;	/* not attached (or a stale record attach replaces) */
		if (st.role != (uint32_t)pl->att[i].role || st.mode != (uint32_t)pl->att[i].mode ||
		    st.tlv_type != t->tlv_type) {
			errorf("%s: device %s is attached as %s (mode %s, tlv %u) but the file needs "
			       "%s (mode %s, tlv %u) for %s; run 'endmt detach %s' first", a->file,
			       pl->att[i].dev, role_names[st.role % ROLE__N], mode_names[st.mode % 3],
			       st.tlv_type, role_names[pl->att[i].role], mode_names[pl->att[i].mode],
			       t->tlv_type, pl->att[i].why, pl->att[i].dev);
			err = -EEXIST;
			goto out;
		}
		pl->att[i].role = -1;	/* already there: nothing to do */
	}
	/* Loops with Replication SIDs configured outside this file, before
	 * anything is written. */
	for (i = 0; i < pl->nrepl; i++) {
		err = repl_check(m.repl, &pl->rk[i], &pl->rv[i], msg, sizeof(msg));
		if (err) {
			errorf("%s: node %s: %s", a->file, a->node, msg);
			goto out;
		}
	}
	for (i = 0; i < pl->ngrp; i++) {
		struct pgroup *pg = &pl->grp[i];

		if ((err = undo_save(&ul, U_GROUP, m.groups, &pg->g.key, sizeof(pg->g.key),
				     sizeof(struct endmt_group))))
			goto fail;
		err = group_write(m.groups, &pg->g, pg->br, pg->nbr, true, &ch);
		if (err) {
			errorf("%s: writing group %d of node %s: %s", a->file, i, a->node,
			       strerror(-err));
			goto fail;
		}
		changes += ch;
		if (!pg->encap)
			continue;
		if ((err = undo_save(&ul, U_MAP, m.encap, &pg->g.key, sizeof(pg->g.key),
				     sizeof(struct endmt_encap))) ||
		    (err = map_set(m.encap, &pg->g.key, pg->encap, sizeof(*pg->encap), &ch))) {
			errorf("%s: writing the template of group %d: %s", a->file, i,
			       strerror(-err));
			goto fail;
		}
		changes += ch;
	}
	for (i = 0; i < pl->ngrp; i++) {
		err = proxy_sync(&m, pl->grp[i].g.key.proxy);
		if (err) {
			errorf("%s: updating endmt_proxies: %s", a->file, strerror(-err));
			goto fail;
		}
	}
	for (i = 0; i < pl->nsid; i++) {
		if ((err = undo_save(&ul, U_MAP, m.sids, &pl->sidk[i], sizeof(pl->sidk[i]),
				     sizeof(pl->sidv[i]))) ||
		    (err = map_set(m.sids, &pl->sidk[i], &pl->sidv[i], sizeof(pl->sidv[i]), &ch))) {
			errorf("%s: writing SID %d: %s", a->file, i, strerror(-err));
			goto fail;
		}
		changes += ch;
	}
	if ((err = apply_receivers(&m, pl, &ul, &changes))) {
		errorf("%s: writing the receivers of node %s: %s", a->file, a->node,
		       strerror(-err));
		goto fail;
	}
	for (i = 0; i < pl->nrepl; i++) {
		if ((err = undo_save(&ul, U_MAP, m.repl, &pl->rk[i], sizeof(pl->rk[i]),
				     sizeof(pl->rv[i]))) ||
		    (err = map_set(m.repl, &pl->rk[i], &pl->rv[i], sizeof(pl->rv[i]), &ch))) {
			errorf("%s: writing Replication SID %d: %s", a->file, i, strerror(-err));
			goto fail;
		}
		changes += ch;
	}
	/* Programs last: they find their maps filled in. */
	for (i = 0; i < pl->natt; i++) {
		struct undo *u;

		if (pl->att[i].role < 0)
			continue;
		err = do_attach(pl->att[i].dev, pl->att[i].role, pl->att[i].mode, t->tlv_type);
		if (err)
			goto fail;
		u = undo_push(&ul);
		if (!u) {
			do_detach(pl->att[i].dev);
			err = -ENOMEM;
			goto fail;
		}
		u->kind = U_ATTACH;
		snprintf(u->dev, IF_NAMESIZE, "%s", pl->att[i].dev);
		attached++;
	}
	if (env.json)
		printf("{\"node\":\"%s\",\"groups\":%d,\"sids\":%d,\"receivers\":%d,"
		       "\"devices\":%d,\"attached\":%d,\"changed\":%d,\"replication\":%d}\n",
		       a->node, pl->ngrp, pl->nsid, pl->nxl, pl->natt, attached, changes,
		       pl->nrepl);
	else
		printf("%s: node %s: %d group(s), %d sid(s), %d receiver translation(s), "
		       "%d replication sid(s), %d device(s); %d attached, %d map entr%s "
		       "changed\n", a->file, a->node, pl->ngrp, pl->nsid, pl->nxl, pl->nrepl,
		       pl->natt, attached, changes, changes == 1 ? "y" : "ies");
	goto out;
fail:
	undo_all(&ul);	/* all-or-nothing: back to what was there before */
	for (i = 0; i < pl->ngrp; i++)
		proxy_sync(&m, pl->grp[i].g.key.proxy);
out:
	if (maps_ok)
		cfg_end(&m, lock);
	undo_free(&ul);
	if (pl)
		for (i = 0; i < pl->ngrp; i++)
			free(pl->grp[i].encap);
	if (t)
		for (i = 0; i < t->ngroups; i++) {
			free(t->groups[i].rcv);
			free(t->groups[i].rsid);
			free(t->groups[i].esid);
		}
	free(pl);
	free(t);
	json_decref(root);
	return err;
}

static const struct opt apply_opts[] = {
	{ "file", OPT_STR, offsetof(struct apply_args, file), NOSET, "FILE",
	  "tree description (JSON, docs/TREE-FORMAT.md)", 0, 0, NULL, true, true },
	{ "node", OPT_STR, offsetof(struct apply_args, node), NOSET, "NAME",
	  "which node of the tree this is", 0, 0, NULL, true, false },
	{}
};

const struct cmd cmd_apply = {
	"apply", "Configure this node from a tree description (idempotent, all-or-nothing).",
	apply_opts, sizeof(struct apply_args), NULL, apply_run,
};
