// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt tree: one group's tree as `endmt collect` rebuilt it (its --state
 * file, tm_state.c), for a person (an indented tree with each branch's
 * figures), for Graphviz (--dot) or for a program (--json: the same tree,
 * nested).  Nodes are IOAM node_ids; with --tree FILE they get the tree
 * file's names ("ioam_id", or the node's 1-based position there). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "endmt.h"
#include "tree.h"

#define KIDS_MAX 64	/* children drawn per node */
#define RCVS_MAX 64	/* receivers drawn per edge */

struct tree_args {
	const char *group;
	const char *state;
	const char *tree;
	bool dot;
};

/* The state file's group, indexed. */
struct view {
	json_t *g;		/* the state file's group object */
	json_t *nodes, *brs;	/* its arrays */
	json_t *acks;		/* its ACK states (the edges' agents), or NULL */
	const struct tree *t;	/* names, or NULL */
	uint64_t now;		/* CLOCK_REALTIME, for "seen ... ago" */
	bool *done;		/* per node: drawn (a cycle is drawn once) */
};

static long long jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *node_name(const struct view *v, uint32_t id, char *buf, size_t len)
{
	int i;

	for (i = 0; v->t && i < v->t->nnodes; i++)
		if (v->t->nodes[i].ioam_id == id)
			return v->t->nodes[i].name;
	snprintf(buf, len, "node %u", id);
	return buf;
}

static int node_index(const struct view *v, uint32_t id)
{
	size_t i;
	json_t *n;

	json_array_foreach(v->nodes, i, n)
		if (jint(n, "node_id") == id)
			return i;
	return -1;
}

static bool has_parent(const struct view *v, uint32_t id)
{
	size_t i;
	json_t *b;

	json_array_foreach(v->brs, i, b)
		if (jint(b, "child") == id && jint(b, "parent") != id)
			return true;
	return false;
}

/* "head", "fork", "edge, 2 receivers", comma separated; "" for a transit. */
/* The branches out of id, by child node_id (the same order every time). */
static int children(const struct view *v, uint32_t id, json_t **kids)
{
	int nk = 0, k;
	size_t i;
	json_t *b;

	json_array_foreach(v->brs, i, b) {
		if (jint(b, "parent") != id || jint(b, "child") == id || nk == KIDS_MAX)
			continue;
		for (k = nk++; k > 0 && jint(kids[k - 1], "child") > jint(b, "child"); k--)
			kids[k] = kids[k - 1];
		kids[k] = b;
	}
	return nk;
}

static void kind_str(json_t *n, bool root, char *buf, size_t len)
{
	long long c = jint(n, "copies");
	bool fork = json_is_true(json_object_get(n, "fork"));

	snprintf(buf, len, "%s%s%s", root ? "head" : "", root && fork ? ", " : "",
		 fork ? "fork" : "");
	if (json_is_true(json_object_get(n, "edge")))
		snprintf(buf + strlen(buf), len - strlen(buf), "%sedge, %lld receiver%s",
			 *buf ? ", " : "", c, c == 1 ? "" : "s");
}

static void ago_str(const struct view *v, long long ns, char *buf, size_t len)
{
	if (!ns)
		snprintf(buf, len, "never");
	else if ((uint64_t)ns > v->now)
		snprintf(buf, len, "just now");
	else
		snprintf(buf, len, "%.1f s ago", (v->now - ns) / 1e9);
}

static void branch_str(const struct view *v, json_t *b, char *buf, size_t len)
{
	json_t *d = json_object_get(b, "delay_us");
	char ago[32];
	size_t o = 0;

	if (json_is_object(d))
		o = snprintf(buf, len, "delay %lld/%.1f/%lld us (min/avg/max), last %lld us; ",
			     jint(d, "min"), json_number_value(json_object_get(d, "avg")),
			     jint(d, "max"), jint(d, "last"));
	ago_str(v, jint(b, "last_seen_ns"), ago, sizeof(ago));
	snprintf(buf + o, len - o, "loss %.1f%% (%lld of %lld); %lld samples; seen %s",
		 json_number_value(json_object_get(b, "loss_pct")), jint(b, "lost"),
		 jint(b, "lost") + jint(b, "samples"), jint(b, "samples"), ago);
}

/* The receivers an edge's agent reported (ACK-state records), by address
 * (the same order every time). */
static int receivers(const struct view *v, uint32_t id, json_t **r)
{
	const char *kind;
	int nr = 0, k;
	size_t i;
	json_t *a;

	json_array_foreach(v->acks, i, a) {
		kind = json_string_value(json_object_get(a, "kind"));
		if (jint(a, "node_id") != id || !kind || strcmp(kind, "receiver") ||
		    !json_is_string(json_object_get(a, "addr")) || nr == RCVS_MAX)
			continue;
		for (k = nr++; k > 0 && strcmp(json_string_value(json_object_get(r[k - 1], "addr")),
					       json_string_value(json_object_get(a, "addr"))) > 0; k--)
			r[k] = r[k - 1];
		r[k] = a;
	}
	return nr;
}

/* A receiver's name in the tree file (any group's), or NULL. */
static const char *rcv_name(const struct view *v, json_t *a)
{
	struct in6_addr addr;
	int i, j;

	if (!v->t || parse_addr(json_string_value(json_object_get(a, "addr")), &addr))
		return NULL;
	for (i = 0; i < v->t->ngroups; i++)
		for (j = 0; j < v->t->groups[i].nrcv; j++)
			if (!memcmp(&v->t->groups[i].rcv[j].addr, &addr, sizeof(addr)))
				return v->t->groups[i].rcv[j].name;
	return NULL;
}

/* Seconds since the receiver's last response, now: its age when the edge
 * reported it plus the time since the collector received the report (the
 * collector's clock, the same as ours when the state file is local).
 * false: it never responded. */
static bool rcv_age(const struct view *v, json_t *a, double *s)
{
	json_t *age = json_object_get(a, "response_age_ms");
	long long rx = jint(a, "received_ns");

	if (!json_is_integer(age))
		return false;
	*s = json_integer_value(age) / 1e3 + (rx && v->now > (uint64_t)rx ? (v->now - rx) / 1e9 : 0);
	return true;
}

/* "ack lag 12 PSNs, last response 3.2s ago, STALE" */
static void rcv_str(const struct view *v, json_t *a, char *buf, size_t len)
{
	json_t *lag = json_object_get(a, "lag");
	size_t o;
	double s;

	if (json_is_integer(lag))
		o = snprintf(buf, len, "ack lag %lld PSNs, ", json_integer_value(lag));
	else
		o = snprintf(buf, len, "ack lag unknown, ");
	if (rcv_age(v, a, &s))
		o += snprintf(buf + o, len - o, "last response %.1fs ago", s);
	else
		o += snprintf(buf + o, len - o, "never responded");
	if (json_is_true(json_object_get(a, "stale")))
		o += snprintf(buf + o, len - o, ", STALE");
	if (json_is_true(json_object_get(a, "failed")))
		snprintf(buf + o, len - o, ", FAILED");
}

/* ---- people: an indented tree ---- */
static void draw(struct view *v, uint32_t id, json_t *via, const char *prefix, bool last,
		 bool root)
{
	char nb[32], kind[96], fig[256], pre[512];
	int x = node_index(v, id);
	json_t *n = x >= 0 ? json_array_get(v->nodes, x) : NULL;
	json_t *kids[KIDS_MAX], *rcvs[RCVS_MAX];
	int nk = 0, nr = 0, k;

	kind[0] = fig[0] = '\0';
	if (n)
		kind_str(n, root, kind, sizeof(kind));
	if (via)
		branch_str(v, via, fig, sizeof(fig));
	if (x < 0 || !v->done[x]) {
		nk = children(v, id, kids);
		nr = receivers(v, id, rcvs);
	}
	printf("%s%s%s%s%s%s\n", prefix, root ? "" : (last ? "`-- " : "+-- "),
	       node_name(v, id, nb, sizeof(nb)), *kind ? "  [" : "", kind, *kind ? "]" : "");
	/* The branch's figures under the node, inside its subtree's rule. */
	if (*fig)
		printf("%s%s%s %s\n", prefix, root ? "" : (last ? "    " : "|   "),
		       nk + nr ? "|  " : "   ", fig);
	if (x >= 0) {
		if (v->done[x]) {
			printf("%s    (drawn above)\n", prefix);
			return;
		}
		v->done[x] = true;
	}
	snprintf(pre, sizeof(pre), "%s%s", prefix, root ? "" : (last ? "    " : "|   "));
	for (k = 0; k < nk; k++)
		draw(v, jint(kids[k], "child"), kids[k], pre, k == nk + nr - 1, false);
	/* Leaves: the edge's receivers, as its agent reported their ACKs. */
	for (k = 0; k < nr; k++) {
		const char *name = rcv_name(v, rcvs[k]);
		const char *addr = json_string_value(json_object_get(rcvs[k], "addr"));
		bool end = k == nr - 1;

		rcv_str(v, rcvs[k], fig, sizeof(fig));
		if (name)
			printf("%s%s%s (%s)  [receiver]\n", pre, end ? "`-- " : "+-- ", name, addr);
		else
			printf("%s%s%s  [receiver]\n", pre, end ? "`-- " : "+-- ", addr);
		printf("%s%s    %s\n", pre, end ? "    " : "|   ", fig);
	}
}

/* ---- machines: the same tree, nested ---- */
static json_t *rcvs_json(const struct view *v, uint32_t id)
{
	json_t *out = json_array(), *rcvs[RCVS_MAX], *a, *r;
	const char *name;
	int nr = receivers(v, id, rcvs), k;
	double s;

	for (k = 0; k < nr; k++) {
		a = rcvs[k];
		name = rcv_name(v, a);
		r = json_pack("{s:o, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}",
			      "name", name ? json_string(name) : json_null(),
			      "addr", json_object_get(a, "addr"),
			      "ack_psn", json_object_get(a, "ack_psn"),
			      "data_psn", json_object_get(a, "data_psn"),
			      "lag", json_object_get(a, "lag"),
			      "stale", json_object_get(a, "stale"),
			      "failed", json_object_get(a, "failed"),
			      "acks", json_object_get(a, "acks"),
			      "naks", json_object_get(a, "naks"),
			      "cnps", json_object_get(a, "cnps"));
		json_object_set_new(r, "last_response_s", rcv_age(v, a, &s) ? json_real(s) : json_null());
		json_array_append_new(out, r);
	}
	return out;
}

static json_t *node_json(struct view *v, uint32_t id, json_t *via, bool root)
{
	char nb[32];
	int x = node_index(v, id);
	json_t *n = x >= 0 ? json_array_get(v->nodes, x) : NULL, *o = json_object(), *kids;
	bool named = false;
	int j;

	for (j = 0; v->t && j < v->t->nnodes; j++)
		named |= v->t->nodes[j].ioam_id == id;
	json_object_set_new(o, "node_id", json_integer(id));
	json_object_set_new(o, "name", named ? json_string(node_name(v, id, nb, sizeof(nb))) :
			    json_null());
	json_object_set_new(o, "head", json_boolean(root));
	json_object_set_new(o, "fork", json_boolean(n && json_is_true(json_object_get(n, "fork"))));
	json_object_set_new(o, "edge", json_boolean(n && json_is_true(json_object_get(n, "edge"))));
	json_object_set_new(o, "copies", json_integer(n ? jint(n, "copies") : 0));
	json_object_set_new(o, "last_seen_ns", json_integer(n ? jint(n, "last_seen_ns") : 0));
	if (via) {
		json_t *br = json_deep_copy(via);

		json_object_del(br, "parent");
		json_object_del(br, "child");
		json_object_set_new(o, "branch", br);
	} else {
		json_object_set_new(o, "branch", json_null());
	}
	kids = json_array();
	if (x < 0 || !v->done[x]) {
		json_t *kb[KIDS_MAX];
		int nk = children(v, id, kb), k;

		if (x >= 0)
			v->done[x] = true;
		for (k = 0; k < nk; k++)
			json_array_append_new(kids, node_json(v, jint(kb[k], "child"), kb[k], false));
	}
	json_object_set_new(o, "children", kids);
	json_object_set_new(o, "receivers", rcvs_json(v, id));
	return o;
}

/* ---- Graphviz ---- */
static void dot(struct view *v, const char *title)
{
	char nb[32], kind[96], fig[256];
	size_t i;
	json_t *n, *b;

	printf("digraph \"%s\" {\n\tnode [shape=box];\n", title);
	json_array_foreach(v->nodes, i, n) {
		uint32_t id = jint(n, "node_id");

		kind_str(n, !has_parent(v, id), kind, sizeof(kind));
		printf("\tn%u [label=\"%s%s%s\"];\n", id, node_name(v, id, nb, sizeof(nb)),
		       *kind ? "\\n" : "", kind);
	}
	json_array_foreach(v->brs, i, b) {
		json_t *d = json_object_get(b, "delay_us");

		snprintf(fig, sizeof(fig), "loss %.1f%%", json_number_value(json_object_get(b, "loss_pct")));
		if (json_is_object(d))
			snprintf(fig + strlen(fig), sizeof(fig) - strlen(fig), "\\navg %.1f us",
				 json_number_value(json_object_get(d, "avg")));
		printf("\tn%lld -> n%lld [label=\"%s\"%s];\n", jint(b, "parent"), jint(b, "child"),
		       fig, jint(b, "lost") ? ", color=red" : "");
	}
	/* The edges' receivers: leaves, their edges dashed (ACK state, not
	 * postcards), red when stale. */
	json_array_foreach(v->nodes, i, n) {
		uint32_t id = jint(n, "node_id");
		json_t *rcvs[RCVS_MAX];
		int nr = receivers(v, id, rcvs), k;

		for (k = 0; k < nr; k++) {
			const char *name = rcv_name(v, rcvs[k]);
			const char *addr = json_string_value(json_object_get(rcvs[k], "addr"));

			rcv_str(v, rcvs[k], fig, sizeof(fig));
			printf("\tr%u_%d [shape=ellipse, label=\"%s%s%s\"];\n", id, k,
			       name ? name : addr, name ? "\\n" : "", name ? addr : "");
			printf("\tn%u -> r%u_%d [style=dashed, label=\"%s\"%s];\n", id, id, k, fig,
			       json_is_true(json_object_get(rcvs[k], "stale")) ? ", color=red" : "");
		}
	}
	printf("}\n");
}

/* GROUP: PROXY/DQPN as `endmt show` prints it, or a group name of --tree. */
static int group_key(const struct tree_args *a, const struct tree *t, struct in6_addr *proxy,
		     uint32_t *dqpn)
{
	char buf[INET6_ADDRSTRLEN + 16];
	const char *slash = strrchr(a->group, '/');
	uint64_t q;
	int i;

	if (slash && (size_t)(slash - a->group) < sizeof(buf)) {
		memcpy(buf, a->group, slash - a->group);
		buf[slash - a->group] = '\0';
		if (!parse_addr(buf, proxy) && !parse_u64(slash + 1, &q) && q <= QPN_MAX) {
			*dqpn = q;
			return 0;
		}
	}
	for (i = 0; t && i < t->ngroups; i++)
		if (!strcmp(t->groups[i].name, a->group)) {
			*proxy = t->groups[i].proxy;
			*dqpn = t->groups[i].dqpn;
			return 0;
		}
	errorf("tree: group '%s': not PROXY/DQPN (e.g. fd00:ff::1/4660)%s", a->group,
	       t ? " nor a group of the tree file" : " (a name needs --tree FILE)");
	return -EINVAL;
}

static int tree_run(void *p)
{
	struct tree_args *a = p;
	struct tree *t = NULL;
	struct view v = {};
	struct in6_addr proxy, gp;
	json_error_t jerr;
	json_t *st = NULL, *g;
	char pa[INET6_ADDRSTRLEN], title[INET6_ADDRSTRLEN + 16], nb[32];
	struct timespec ts;
	uint32_t dqpn;
	size_t i;
	int err, roots = 0;

	if (a->tree) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		t->file = a->tree;
		err = tree_load(t);
		if (err)
			goto out;
		v.t = t;
	}
	err = group_key(a, t, &proxy, &dqpn);
	if (err)
		goto out;
	st = json_load_file(a->state, 0, &jerr);
	if (!st) {
		errorf("tree: %s: %s (is `endmt collect --state %s` running?)", a->state, jerr.text,
		       a->state);
		err = -ENOENT;
		goto out;
	}
	json_array_foreach(json_object_get(st, "groups"), i, g) {
		json_t *q = json_object_get(g, "proxy");

		if (json_is_string(q) && !parse_addr(json_string_value(q), &gp) &&
		    !memcmp(&gp, &proxy, 16) && jint(g, "dqpn") == dqpn)
			v.g = g;
	}
	snprintf(title, sizeof(title), "%s/%u", addr_str(&proxy, pa), dqpn);
	if (!v.g) {
		errorf("tree: %s: no postcards of group %s yet", a->state, title);
		err = -ENOENT;
		goto out;
	}
	v.nodes = json_object_get(v.g, "nodes");
	v.brs = json_object_get(v.g, "branches");
	v.acks = json_object_get(v.g, "acks");	/* absent in older state files */
	v.done = calloc(json_array_size(v.nodes) + 1, sizeof(*v.done));
	if (!v.done) {
		err = -ENOMEM;
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	v.now = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	if (a->dot) {
		dot(&v, a->group);
		goto out;
	}
	if (env.json) {
		json_t *o = json_object(), *rs = json_array(), *n;

		json_array_foreach(v.nodes, i, n)
			if (!has_parent(&v, jint(n, "node_id")))
				json_array_append_new(rs, node_json(&v, jint(n, "node_id"), NULL, true));
		json_object_set_new(o, "proxy", json_string(pa));
		json_object_set_new(o, "group", json_string(a->group));
		json_object_set_new(o, "dqpn", json_integer(dqpn));
		json_object_set_new(o, "postcards", json_integer(jint(v.g, "postcards")));
		json_object_set_new(o, "written_ns", json_integer(jint(st, "written_ns")));
		json_object_set_new(o, "roots", rs);
		json_print(o);
		goto out;
	}
	ago_str(&v, jint(st, "written_ns"), nb, sizeof(nb));
	printf("group %s (%s): %zu nodes, %zu branches, %lld postcards; state written %s\n",
	       a->group, title, json_array_size(v.nodes), json_array_size(v.brs),
	       jint(v.g, "postcards"), nb);
	for (i = 0; i < json_array_size(v.nodes); i++) {
		uint32_t id = jint(json_array_get(v.nodes, i), "node_id");

		if (!has_parent(&v, id)) {
			draw(&v, id, NULL, "", true, true);
			roots++;
		}
	}
	if (roots > 1)
		printf("(%d roots: sections that do not reach the head yet, or nodes that fill "
		       "no entry)\n", roots);
out:
	free(v.done);
	json_decref(st);
	if (t) {
		tree_free(t);
		free(t);
	}
	return err;
}

static const struct opt tree_opts[] = {
	{ "group", OPT_STR, offsetof(struct tree_args, group), NOSET, "GROUP", "PROXY/DQPN (as `endmt show` prints it) or a group name of --tree", 0, 0, NULL, true, true },
	{ "state", OPT_STR, offsetof(struct tree_args, state), NOSET, "FILE", "the state file of `endmt collect`", 0, 0, NULL, true, false },
	{ "tree", OPT_STR, offsetof(struct tree_args, tree), NOSET, "TREEFILE", "name nodes (and groups) as this tree file does (docs/TREE-FORMAT.md)", 0, 0, NULL, false, false },
	{ "dot", OPT_FLAG, offsetof(struct tree_args, dot), NOSET, NULL, "print Graphviz (dot) instead", 0, 0, NULL, false, false },
	{}
};

const struct cmd cmd_tree = {
	"tree", "Draw a group's tree as `endmt collect` rebuilt it: per branch delay, loss, samples, last seen; each edge's receivers with their ACK lag.",
	tree_opts, sizeof(struct tree_args), NULL, tree_run,
};
