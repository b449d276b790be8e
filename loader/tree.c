// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt apply, phase 1: parse and validate the whole tree file
 * (docs/TREE-FORMAT.md) into a struct tree, naming file, field and problem
 * on the first error. */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tree.h"
#include "endmt/ioam.h"
#include "endmt/pm.h"
#include "config.h"
#include "endmt/addr.h"
#include "endmt/srh.h"

int tree_err(const struct tree *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errorf("%s: %s", t->file, msg);
	return -EINVAL;
}

int tree_node_index(const struct tree *t, const char *name)
{
	int i;

	for (i = 0; i < t->nnodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return i;
	return -1;
}

/* ---- the schema: one table of allowed keys per object level ----
 * A key is accepted here or nowhere: unknown keys are errors with their
 * JSON path, and a value of the wrong JSON type is refused naming the type
 * expected and the type given.  Integer ranges are checked here too; what
 * values mean together (names, parents, variants) is checked by the
 * parsers below.  A new key is one line in its level's table. */
enum sk_type {
	SK_INT,		/* integer in [min, max] */
	SK_STR,		/* string */
	SK_NAME_NULL,	/* string or null */
	SK_OBJ,		/* object of the keys in sub */
	SK_ARR_OBJ,	/* array of objects of the keys in sub */
	SK_MAP_OBJ,	/* object name -> object of the keys in sub */
	SK_MAP_STR,	/* object name -> string */
	SK_SAMPLE,	/* "off" or an integer in [min, max] */
};

struct skey {
	const char *key;
	enum sk_type type;
	long long min, max;
	const struct skey *sub;
};

#define SK_END { NULL, 0, 0, 0, NULL }

static const struct skey sk_source[] = {
	{ "name", SK_STR, 0, 0, NULL },
	{ "addr", SK_STR, 0, 0, NULL },
	{ "qpn", SK_INT, 0, QPN_MAX, NULL },
	{ "head", SK_STR, 0, 0, NULL },
	SK_END
};

static const struct skey sk_receiver[] = {
	{ "name", SK_STR, 0, 0, NULL },
	{ "addr", SK_STR, 0, 0, NULL },
	{ "qpn", SK_INT, 0, QPN_MAX, NULL },
	{ "edge", SK_STR, 0, 0, NULL },
	{ "psn_offset", SK_INT, -QPN_MAX, QPN_MAX, NULL },
	{ "va_delta", SK_INT, INT64_MIN, INT64_MAX, NULL },	/* modulo 2^64 */
	{ "rkey", SK_INT, 0, UINT32_MAX, NULL },
	SK_END
};

/* On-path telemetry of a group (include/endmt/ioam.h): 1 in 2^sample
 * packets carries a trace of `slots` node entries. */
static const struct skey sk_telemetry[] = {
	{ "sample", SK_SAMPLE, 0, 16, NULL },
	{ "slots", SK_INT, 1, 8, NULL },
	SK_END
};

/* Alternate marking of a group (include/endmt/pm.h): its FlowMonID. */
static const struct skey sk_pm[] = {
	{ "flow", SK_INT, 1, ENDMT_PM_FLOW_MAX, NULL },
	SK_END
};

static const struct skey sk_group[] = {
	{ "name", SK_STR, 0, 0, NULL },
	{ "proxy", SK_STR, 0, 0, NULL },
	{ "dqpn", SK_INT, 0, QPN_MAX, NULL },
	{ "start_psn", SK_INT, 0, QPN_MAX, NULL },
	{ "sid", SK_STR, 0, 0, NULL },
	{ "replication", SK_MAP_STR, 0, 0, NULL },
	{ "edge_sids", SK_MAP_STR, 0, 0, NULL },
	{ "cnp_cap", SK_INT, 0, UINT32_MAX, NULL },
	{ "cnp_rate", SK_INT, 0, ENDMT_CNP_RATE_MAX, NULL },
	{ "cnp_burst", SK_INT, 1, ENDMT_CNP_BURST_MAX, NULL },
	{ "hmac_key_id", SK_INT, 1, UINT32_MAX, NULL },
	{ "telemetry", SK_OBJ, 0, 0, sk_telemetry },
	{ "pm", SK_OBJ, 0, 0, sk_pm },
	{ "source", SK_OBJ, 0, 0, sk_source },
	{ "receivers", SK_ARR_OBJ, 0, 0, sk_receiver },
	SK_END
};

static const struct skey sk_node[] = {
	{ "addr", SK_STR, 0, 0, NULL },
	{ "parent", SK_NAME_NULL, 0, 0, NULL },
	{ "links", SK_MAP_STR, 0, 0, NULL },
	{ "mode", SK_STR, 0, 0, NULL },
	{ "ioam_id", SK_INT, 1, 16777215, NULL },	/* IOAM node ID (24 bits) */
	SK_END
};

static const struct skey sk_top[] = {
	{ "tlv_type", SK_INT, 1, 255, NULL },
	{ "cnp_window_us", SK_INT, 50, 10000000, NULL },
	{ "ioam_namespace", SK_INT, 0, 65535, NULL },
	{ "pm_period_ms", SK_INT, ENDMT_PM_MIN_PERIOD_MS, 3600000, NULL },
	{ "nodes", SK_MAP_OBJ, 0, 0, sk_node },
	{ "groups", SK_ARR_OBJ, 0, 0, sk_group },
	SK_END
};

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int schema_check(const struct tree *t, json_t *o, const struct skey *tab,
			const char *path);

/* A JSON path into buf (a longer one is cut: it only names a place). */
static void __attribute__((format(printf, 3, 4))) path_fmt(char *buf, size_t len,
							    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static int schema_type(const struct tree *t, const char *path, const char *want, json_t *v)
{
	return tree_err(t, "%s: expected %s, got %s", path, want, json_type_name(v));
}

static int schema_int(const struct tree *t, const char *path, const struct skey *k, json_t *v)
{
	if (!json_is_integer(v))
		return schema_type(t, path, "an integer", v);
	if (json_integer_value(v) < k->min || json_integer_value(v) > k->max)
		return tree_err(t, "%s: must be %lld..%lld", path, k->min, k->max);
	return 0;
}

static int schema_value(const struct tree *t, const struct skey *k, json_t *v, const char *path)
{
	char sub[512];
	const char *name;
	json_t *e;
	size_t i;
	int err;

	switch (k->type) {
	case SK_INT:
		return schema_int(t, path, k, v);
	case SK_STR:
		return json_is_string(v) ? 0 : schema_type(t, path, "a string", v);
	case SK_NAME_NULL:
		return json_is_string(v) || json_is_null(v) ? 0 :
		       schema_type(t, path, "a string or null", v);
	case SK_SAMPLE:
		if (json_is_string(v))
			return strcmp(json_string_value(v), "off") ? tree_err(t, "%s: must be "
				"\"off\" or %lld..%lld (1 in 2^N packets)", path, k->min, k->max) : 0;
		if (!json_is_integer(v))
			return schema_type(t, path, "\"off\" or an integer", v);
		return schema_int(t, path, k, v);
	case SK_OBJ:
		if (!json_is_object(v))
			return schema_type(t, path, "an object", v);
		return schema_check(t, v, k->sub, path);
	case SK_ARR_OBJ:
		if (!json_is_array(v))
			return schema_type(t, path, "an array", v);
		json_array_foreach(v, i, e) {
			path_fmt(sub, sizeof(sub), "%s[%zu]", path, i);
			if (!json_is_object(e))
				return schema_type(t, sub, "an object", e);
			if ((err = schema_check(t, e, k->sub, sub)))
				return err;
		}
		return 0;
	case SK_MAP_OBJ:
	case SK_MAP_STR:
		if (!json_is_object(v))
			return schema_type(t, path, "an object", v);
		json_object_foreach(v, name, e) {
			path_fmt(sub, sizeof(sub), "%s.%s", path, name);
			if (k->type == SK_MAP_STR && !json_is_string(e))
				return schema_type(t, sub, "a string", e);
			if (k->type == SK_MAP_OBJ && !json_is_object(e))
				return schema_type(t, sub, "an object", e);
			if (k->type == SK_MAP_OBJ && (err = schema_check(t, e, k->sub, sub)))
				return err;
		}
		return 0;
	}
	return 0;
}

static int schema_check(const struct tree *t, json_t *o, const struct skey *tab,
			const char *path)
{
	const struct skey *k;
	char sub[512];
	const char *key;
	json_t *v;
	int err;

	json_object_foreach(o, key, v) {
		for (k = tab; k->key && strcmp(k->key, key); k++)
			;
		/* Top-level scalars are "top level.KEY", containers their name. */
		if (*path || (k->key && k->type != SK_INT))
			path_fmt(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
		else
			path_fmt(sub, sizeof(sub), "top level.%s", key);
		if (!k->key)
			return tree_err(t, "%s: unknown key", sub);
		if ((err = schema_value(t, k, v, sub)))
			return err;
	}
	return 0;
}

/* Integer field: absent -> def (or an error if required). */
static int get_int(const struct tree *t, json_t *o, const char *k, const char *path,
		   long long min, long long max, long long def, bool req, long long *out)
{
	json_t *v = json_object_get(o, k);

	if (!v || (json_is_null(v) && !req)) {
		if (req)
			return tree_err(t, "%s.%s: missing (an integer %lld..%lld)", path, k, min, max);
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return tree_err(t, "%s.%s: must be %lld..%lld", path, k, min, max);
	*out = json_integer_value(v);
	return 0;
}

static int get_str(const struct tree *t, json_t *o, const char *k, const char *path,
		   const char **out)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_string(v) || !*json_string_value(v))
		return tree_err(t, "%s.%s: %s", path, k, v ? "must be a non-empty string" : "missing");
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
		return tree_err(t, "%s.%s: '%s' is not an IPv6 address", path, k, s);
	return 0;
}

static int parse_nodes(struct tree *t, json_t *nodes)
{
	const char *name, *s;
	char path[128];
	json_t *n, *v, *dev;
	const char *nb;
	long long iv;
	int i, j, err;

	if (!json_is_object(nodes))
		return tree_err(t, "nodes: %s", nodes ? "must be an object of name -> node" : "missing");
	json_object_foreach(nodes, name, n) {
		struct node *nd = &t->nodes[t->nnodes];

		if (t->nnodes >= MAX_NODES)
			return tree_err(t, "nodes: more than %d nodes", MAX_NODES);
		snprintf(path, sizeof(path), "nodes.%s", name);
		if (!json_is_object(n))
			return tree_err(t, "%s: must be an object", path);
		nd->name = name;
		if (!json_object_get(n, "addr"))
			return tree_err(t, "%s.addr: missing (the node's address: its End.MT "
				    "Edge Node Address, the outer source at a head and the "
				    "source of its responses and CNPs)", path);
		err = get_addr(t, n, "addr", path, &nd->addr);
		if (err)
			return err;
		if (endmt_addr_kind(nd->addr.s6_addr) != ENDMT_ADDR_UNICAST) {
			char ab[INET6_ADDRSTRLEN];

			return tree_err(t, "%s.addr: %s cannot be the source address of the node's "
				    "responses and CNPs (a unicast address of the node)", path,
				    addr_str(&nd->addr, ab));
		}
		nd->links = json_object_get(n, "links");
		if (!json_is_object(nd->links))
			return tree_err(t, "%s.links: %s", path, nd->links ?
				    "must be an object of neighbour -> device" : "missing");
		json_object_foreach(nd->links, nb, dev) {
			if (!json_is_string(dev) || !*json_string_value(dev) ||
			    strlen(json_string_value(dev)) >= IF_NAMESIZE)
				return tree_err(t, "%s.links.%s: must be a device name of 1..%d characters",
					    path, nb, IF_NAMESIZE - 1);
		}
		if ((err = get_int(t, n, "ioam_id", path, 1, 0xffffff, t->nnodes + 1, false, &iv)))
			return err;
		nd->ioam_id = (uint32_t)iv;
		nd->mode = 0;
		v = json_object_get(n, "mode");
		if (v && !json_is_null(v)) {
			s = json_is_string(v) ? json_string_value(v) : "";
			for (j = 0; mode_names[j] && strcmp(mode_names[j], s); j++)
				;
			if (!mode_names[j])
				return tree_err(t, "%s.mode: must be native, skb or hw", path);
			nd->mode = j;
		}
		/* Telemetry names nodes by IOAM node_id: two of one id would be
		 * one node of `endmt tree`'s picture. */
		for (j = 0; j < t->nnodes; j++)
			if (t->nodes[j].ioam_id == nd->ioam_id)
				return tree_err(t, "%s.ioam_id: %u is also node %s's (a node "
					    "without ioam_id has its 1-based position)", path,
					    nd->ioam_id, t->nodes[j].name);
		t->nnodes++;
	}
	/* Parents once every name is known. */
	i = 0;
	json_object_foreach(nodes, name, n) {
		v = json_object_get(n, "parent");
		t->nodes[i].parent = -1;
		if (v && !json_is_null(v)) {
			if (!json_is_string(v))
				return tree_err(t, "nodes.%s.parent: must be a node name or null", name);
			t->nodes[i].parent = tree_node_index(t, json_string_value(v));
			if (t->nodes[i].parent < 0)
				return tree_err(t, "nodes.%s.parent: no node named '%s'", name,
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
			return tree_err(t, "nodes.%s.parent: the parent chain loops", t->nodes[i].name);
	}
	return 0;
}

static int parse_rcv(struct tree *t, json_t *r, const char *path, struct rcv *o)
{
	const char *edge;
	long long v;
	int err;

	if (!json_is_object(r))
		return tree_err(t, "%s: must be an object", path);
	if ((err = get_str(t, r, "name", path, &o->name)) ||
	    (err = get_addr(t, r, "addr", path, &o->addr)) ||
	    (err = get_int(t, r, "qpn", path, 0, QPN_MAX, 0, true, &v)))
		return err;
	o->qpn = v;
	if ((err = get_str(t, r, "edge", path, &edge)))
		return err;
	o->edge = tree_node_index(t, edge);
	if (o->edge < 0)
		return tree_err(t, "%s.edge: no node named '%s'", path, edge);
	if ((err = get_int(t, r, "psn_offset", path, -QPN_MAX, QPN_MAX, 0, false, &v)))
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
				return tree_err(t, "%s.va_delta: must be an integer (added modulo 2^64)", path);
			o->va_delta = (uint64_t)json_integer_value(va);
		}
	}
	if ((err = get_int(t, r, "rkey", path, 0, UINT32_MAX, 0, false, &v)))
		return err;
	o->rkey = v;
	if (!o->va_delta && !o->rkey)
		o->reth = false;	/* 0/0 is "no translation" (docs/TREE-FORMAT.md: optional, 0) */
	return 0;
}

/* "replication": {node: Replication SID} and "edge_sids": {node: End.MT
 * SID}: names and addresses only here; what they must cover is checked
 * once the receivers are known (check_repl). */
static int parse_sid_map(struct tree *t, json_t *g, const char *k, const char *path,
			 struct node_sid *out)
{
	json_t *m = json_object_get(g, k), *v;
	const char *name, *why;
	int x;

	if (!json_is_object(m))
		return tree_err(t, "%s.%s: %s", path, k, m ? "must be an object of node -> SID" :
			    "missing (the replication variant needs both replication and edge_sids)");
	json_object_foreach(m, name, v) {
		x = tree_node_index(t, name);
		if (x < 0)
			return tree_err(t, "%s.%s.%s: no node named '%s'", path, k, name, name);
		if (!json_is_string(v) || parse_addr(json_string_value(v), &out[x].addr))
			return tree_err(t, "%s.%s.%s: must be an IPv6 address string", path, k, name);
		if ((why = repl_addr_problem(&out[x].addr)))
			return tree_err(t, "%s.%s.%s: %s %s", path, k, name, json_string_value(v), why);
		out[x].set = true;
	}
	return 0;
}

static int parse_repl(struct tree *t, json_t *g, const char *path, struct grp *o)
{
	int err;

	o->repl_sid = calloc(t->nnodes, sizeof(*o->repl_sid));
	o->edge_sid = calloc(t->nnodes, sizeof(*o->edge_sid));
	if (!o->repl_sid || !o->edge_sid)
		return -ENOMEM;
	if ((err = parse_sid_map(t, g, "replication", path, o->repl_sid)) ||
	    (err = parse_sid_map(t, g, "edge_sids", path, o->edge_sid)))
		return err;
	return 0;
}

/* groups[i].receivers: each one below the head, one QP per address. */
static int parse_receivers(struct tree *t, json_t *g, const char *path, struct grp *o)
{
	char rpath[160];
	json_t *rcvs, *r;
	size_t j;
	int err, a, b;

	rcvs = json_object_get(g, "receivers");
	if (!json_is_array(rcvs) || !json_array_size(rcvs))
		return tree_err(t, "%s.receivers: %s", path, rcvs ? "must be a non-empty array" :
			    "missing");
	o->rcv = calloc(json_array_size(rcvs), sizeof(*o->rcv));
	if (!o->rcv)
		return -ENOMEM;
	json_array_foreach(rcvs, j, r) {
		snprintf(rpath, sizeof(rpath), "%s.receivers[%zu]", path, j);
		err = parse_rcv(t, r, rpath, &o->rcv[j]);
		if (err)
			return err;
		o->nrcv = j + 1;
		/* The edge would make no copy for it (include/endmt/receiver.h). */
		a = endmt_rcv_refusal(o->rcv[j].addr.s6_addr, o->rcv[j].qpn, o->proxy.s6_addr);
		if (a) {
			char ab[INET6_ADDRSTRLEN];

			return tree_err(t, "%s: %s qpn %u: %s", rpath, addr_str(&o->rcv[j].addr, ab),
				    o->rcv[j].qpn, endmt_rcv_refusal_str(a));
		}
		/* The edge must hang below the head. */
		for (a = o->rcv[j].edge; a >= 0 && a != o->head; a = t->nodes[a].parent)
			;
		if (a < 0)
			return tree_err(t, "%s.edge: node %s is not below the head %s (check the "
				    "parent chain)", rpath, t->nodes[o->rcv[j].edge].name,
				    t->nodes[o->head].name);
		for (b = 0; b < (int)j; b++) {
			const struct rcv *x = &o->rcv[b], *y = &o->rcv[j];
			char ab[INET6_ADDRSTRLEN];

			if (memcmp(&x->addr, &y->addr, 16))
				continue;
			if (x->qpn == y->qpn)
				return tree_err(t, "%s: same addr/qpn as receivers[%d]", rpath, b);
			/* One branch per address (docs/DECISIONS.md). */
			return tree_err(t, "%s.addr: group %s lists two QPs at %s: %s (qpn %u, "
				    "receivers[%d]) and %s (qpn %u); responses carry no "
				    "responder QPN (their DestQPN is the Designated QPN), so "
				    "a node has one branch per receiver address and one QP's "
				    "ACK would hide the other's: give each QP its own address",
				    rpath, o->name, addr_str(&y->addr, ab), x->name, x->qpn,
				    b, y->name, y->qpn);
		}
	}
	return 0;
}

/* One QP, one group: an RC QP's only peer is its group's Proxy Address /
 * Designated QPN, and endmt_rcv_xlate (its PSN offset) is keyed by the QP
 * alone. */
static int check_qp_once(const struct tree *t)
{
	size_t j;
	int a, b;

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
					return tree_err(t, "groups[%d].receivers[%zu]: %s/%u is also "
						    "groups[%d].receivers[%d] (%s of group %s); an "
						    "RC QP has one peer, so it belongs to one group "
						    "(and has one PSN offset)", a, j,
						    addr_str(&y->addr, ab), y->qpn, b, l, x->name,
						    t->groups[b].name);
				}
			}
	return 0;
}

/* A group's "telemetry": {"sample": "off" | K, "slots": N} (docs/TREE-FORMAT.md). */
static int parse_group_tm(struct tree *t, json_t *g, const char *path, struct grp *o)
{
	json_t *tm = json_object_get(g, "telemetry"), *v;
	char tpath[160];
	long long n;
	int err;

	o->tm_sample = ENDMT_TM_OFF;
	o->tm_slots = ENDMT_IOAM_SLOTS_DEF;
	if (!tm || json_is_null(tm))
		return 0;
	snprintf(tpath, sizeof(tpath), "%s.telemetry", path);
	if (!json_is_object(tm))
		return tree_err(t, "%s: must be an object with sample and slots", tpath);
	v = json_object_get(tm, "sample");
	if (json_is_string(v) && !strcmp(json_string_value(v), "off")) {
		o->tm_sample = ENDMT_TM_OFF;
	} else if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		   json_integer_value(v) <= ENDMT_TM_SHIFT_MAX) {
		o->tm_sample = (uint8_t)(json_integer_value(v) + 1);
		t->tm_on = true;
	} else {
		return tree_err(t, "%s.sample: %s", tpath, v ? "must be \"off\" or an integer K in "
				"0..16 (1 packet in 2^K)" : "missing (\"off\" or K in 0..16)");
	}
	if ((err = get_int(t, tm, "slots", tpath, 1, ENDMT_IOAM_SLOTS_MAX, ENDMT_IOAM_SLOTS_DEF,
			   false, &n)))
		return err;
	o->tm_slots = (uint8_t)n;
	return 0;
}

/* A group's "pm": {"flow": N}: one FlowMonID per group of the tree. */
static int parse_group_pm(struct tree *t, json_t *g, const char *path, struct grp *o)
{
	json_t *pm = json_object_get(g, "pm");
	char ppath[160];
	long long n;
	int i, err;

	o->pm_flow = 0;
	if (!pm || json_is_null(pm))
		return 0;
	snprintf(ppath, sizeof(ppath), "%s.pm", path);
	if (!json_is_object(pm))
		return tree_err(t, "%s: must be an object with flow", ppath);
	if ((err = get_int(t, pm, "flow", ppath, 1, ENDMT_PM_FLOW_MAX, 0, true, &n)))
		return err;
	for (i = 0; i < t->ngroups; i++)
		if (t->groups[i].pm_flow == (uint32_t)n)
			return tree_err(t, "%s.flow: %lld is group %s's already (one flow per group)",
					ppath, n, t->groups[i].name);
	o->pm_flow = (uint32_t)n;
	t->pm_on = true;
	return 0;
}

static int parse_groups(struct tree *t, json_t *groups)
{
	char path[128], rpath[160];
	json_t *g, *src;
	const char *head;
	size_t i;
	long long v;
	int err, b;

	if (!json_is_array(groups))
		return tree_err(t, "groups: %s", groups ? "must be an array" : "missing");
	if (json_array_size(groups) > MAX_GROUPS)
		return tree_err(t, "groups: more than %d groups", MAX_GROUPS);
	json_array_foreach(groups, i, g) {
		struct grp *o = &t->groups[i];

		snprintf(path, sizeof(path), "groups[%zu]", i);
		if (!json_is_object(g))
			return tree_err(t, "%s: must be an object", path);
		if ((err = get_str(t, g, "name", path, &o->name)) ||
		    (err = get_addr(t, g, "proxy", path, &o->proxy)))
			return err;
		t->ngroups = i + 1;	/* so what parse_repl allocates is freed */
		if (json_object_get(g, "replication")) {
			if (json_object_get(g, "sid"))
				return tree_err(t, "%s.sid: not used with replication (each edge "
					    "has its own End.MT SID in edge_sids)", path);
			if ((err = parse_repl(t, g, path, o)))
				return err;
		} else if (json_object_get(g, "edge_sids")) {
			return tree_err(t, "%s.edge_sids: only with replication (the multicast "
				    "variant uses the group's sid)", path);
		} else if ((err = get_addr(t, g, "sid", path, &o->sid))) {
			return err;
		}
		if ((err = get_int(t, g, "dqpn", path, 0, QPN_MAX, 0, true, &v)))
			return err;
		o->dqpn = v;
		if ((err = get_int(t, g, "start_psn", path, 0, QPN_MAX, 0, false, &v)))
			return err;
		o->start_psn = v;
		if ((err = get_int(t, g, "cnp_cap", path, 0, UINT32_MAX, 0, false, &v)))
			return err;
		o->cnp_cap = v;
		if ((err = get_int(t, g, "cnp_rate", path, 0, ENDMT_CNP_RATE_MAX,
				   ENDMT_CNP_RATE_DEF, false, &v)))
			return err;
		o->cnp_rate = v;
		if ((err = get_int(t, g, "cnp_burst", path, 1, ENDMT_CNP_BURST_MAX,
				   ENDMT_CNP_BURST_DEF, false, &v)))
			return err;
		o->cnp_burst = v;
		if ((err = get_int(t, g, "hmac_key_id", path, 1, UINT32_MAX, 0, false, &v)))
			return err;
		o->hmac_key_id = v;
		if ((err = parse_group_tm(t, g, path, o)) || (err = parse_group_pm(t, g, path, o)))
			return err;
		src = json_object_get(g, "source");
		snprintf(rpath, sizeof(rpath), "%s.source", path);
		if (!json_is_object(src))
			return tree_err(t, "%s: %s", rpath, src ? "must be an object" : "missing");
		if ((err = get_str(t, src, "name", rpath, &o->src_name)) ||
		    (err = get_addr(t, src, "addr", rpath, &o->src)) ||
		    (err = get_int(t, src, "qpn", rpath, 0, QPN_MAX, 0, true, &v)) ||
		    (err = get_str(t, src, "head", rpath, &head)))
			return err;
		o->src_qpn = v;
		o->head = tree_node_index(t, head);
		if (o->head < 0)
			return tree_err(t, "%s.head: no node named '%s'", rpath, head);
		if ((err = parse_receivers(t, g, path, o)))
			return err;
		for (b = 0; b < (int)i; b++)
			if (!memcmp(&t->groups[b].proxy, &o->proxy, 16) &&
			    t->groups[b].dqpn == o->dqpn)
				return tree_err(t, "%s: same proxy/dqpn as groups[%d]", path, b);
	}
	t->ngroups = json_array_size(groups);
	return check_qp_once(t);
}

void tree_mark_path(const struct tree *t, const struct grp *g, bool *on)
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
int tree_repl_down(const struct tree *t, const struct grp *g, const bool *on, int x,
		     struct endmt_repl *v)
{
	const struct in6_addr *a;
	int c, err;

	for (c = 0; c < t->nnodes; c++) {
		if (!on[c] || t->nodes[c].parent != x || c == g->head)
			continue;
		if (g->repl_sid[c].set) {
			a = &g->repl_sid[c].addr;
		} else if (g->edge_sid[c].set) {
			a = &g->edge_sid[c].addr;
		} else {
			if ((err = tree_repl_down(t, g, on, c, v)))
				return err;
			continue;
		}
		if (v->n >= ENDMT_MAX_REPL)
			return tree_err(t, "group %s: node %s would send to more than %d downstream SIDs "
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

	if (!g->repl_sid)
		return 0;
	tree_mark_path(t, g, on);
	for (i = 0; i < g->nrcv; i++)
		edge[g->rcv[i].edge] = true;
	for (x = 0; x < t->nnodes; x++) {
		const char *n = t->nodes[x].name;

		if (g->repl_sid[x].set && !on[x])
			return tree_err(t, "groups[%d].replication.%s: node %s is not on the tree of "
				    "group %s (no receiver's edge below it)", gi, n, n, g->name);
		if (g->repl_sid[x].set && edge[x])
			return tree_err(t, "groups[%d].replication.%s: node %s is an edge of group %s: "
				    "its End.MT SID goes in edge_sids", gi, n, n, g->name);
		if (g->edge_sid[x].set && !edge[x])
			return tree_err(t, "groups[%d].edge_sids.%s: node %s is not an edge of group %s "
				    "(no receiver has edge %s)", gi, n, n, g->name, n);
		if (edge[x] && !g->edge_sid[x].set)
			return tree_err(t, "groups[%d].edge_sids: missing %s (every edge of the "
				    "replication variant needs its unicast End.MT SID)", gi, n);
	}
	for (x = 0; x < t->nnodes; x++) {
		for (k = 0; k < 2; k++) {
			const struct node_sid *a = k ? &g->edge_sid[x] : &g->repl_sid[x];

			if (!a->set)
				continue;
			for (gj = 0; gj <= gi; gj++) {
				h = &t->groups[gj];
				if (!h->repl_sid)
					continue;
				for (y = 0; y < t->nnodes; y++)
					for (l = 0; l < 2; l++) {
						const struct node_sid *c = l ? &h->edge_sid[y] : &h->repl_sid[y];

						/* Against every SID before this one (file
						 * order); the same node and meaning in an
						 * earlier group is fine. */
						if (gj == gi && (y > x || (y == x && l >= k)))
							continue;
						if (!c->set || memcmp(&c->addr, &a->addr, 16) ||
						    (y == x && l == k))
							continue;
						return tree_err(t, "groups[%d].%s.%s: %s is also %s's %s in "
							    "groups[%d] (one SID names one node)", gi,
							    k ? "edge_sids" : "replication",
							    t->nodes[x].name, addr_str(&a->addr, b),
							    t->nodes[y].name, l ? "End.MT SID" :
							    "Replication SID", gj);
					}
			}
		}
	}
	/* The head's template has one DA: its own Replication SID (the head's
	 * TC makes the copies), or the single SID below it. */
	if (!g->repl_sid[g->head].set) {
		if ((err = tree_repl_down(t, g, on, g->head, &v)))
			return err;
		if (v.n != 1)
			return tree_err(t, "groups[%d].replication: the head %s sends to %u downstream "
				    "SIDs but has no Replication SID (give %s one)", gi,
				    t->nodes[g->head].name, v.n, t->nodes[g->head].name);
	}
	return 0;
}


static int need_link(const struct tree *t, int x, const char *nb, const char *why)
{
	if (json_object_get(t->nodes[x].links, nb))
		return 0;
	return tree_err(t, "nodes.%s.links.%s: missing (%s)", t->nodes[x].name, nb, why);
}

/* The links every node of every group's tree needs, checked on every node
 * (not only on the one that needs them): a tree whose head or transit has a
 * branch toward a child that has no link back (or an edge without its
 * receiver's link) is refused wherever it is applied. */
static int check_links(const struct tree *t)
{
	bool on[MAX_NODES];
	char why[160];
	int x, i, err;

	for (i = 0; i < t->ngroups; i++) {
		const struct grp *g = &t->groups[i];

		tree_mark_path(t, g, on);
		snprintf(why, sizeof(why), "the head's link to source %s of group %s",
			 g->src_name, g->name);
		if ((err = need_link(t, g->head, g->src_name, why)))
			return err;
		for (x = 0; x < t->nnodes; x++) {
			int up = t->nodes[x].parent;

			if (!on[x] || x == g->head)
				continue;
			snprintf(why, sizeof(why), "link to child %s, on the tree of group %s",
				 t->nodes[x].name, g->name);
			if ((err = need_link(t, up, t->nodes[x].name, why)))
				return err;
			snprintf(why, sizeof(why), "link to parent %s, on the tree of group %s",
				 t->nodes[up].name, g->name);
			if ((err = need_link(t, x, t->nodes[up].name, why)))
				return err;
		}
		for (x = 0; x < g->nrcv; x++) {
			snprintf(why, sizeof(why), "edge of %s, toward receiver %s", g->name,
				 g->rcv[x].name);
			if ((err = need_link(t, g->rcv[x].edge, g->rcv[x].name, why)))
				return err;
		}
	}
	return 0;
}

/* The top level: tlv_type, cnp_window_us (read by the agent), nodes, groups. */
int tree_load(struct tree *t)
{
	json_error_t jerr;
	long long tlv;
	json_t *v;
	int i, err;

	t->root = json_load_file(t->file, JSON_REJECT_DUPLICATES, &jerr);
	if (!t->root) {
		if (jerr.line > 0)
			errorf("%s:%d:%d: %s", t->file, jerr.line, jerr.column, jerr.text);
		else
			errorf("%s: %s", t->file, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(t->root))
		return tree_err(t, "top level: must be an object with nodes and groups");
	if ((err = schema_check(t, t->root, sk_top, "")))
		return err;
	if ((err = get_int(t, t->root, "tlv_type", "top level", 1, 255, ENDMT_TLV_ENDMT_DEFAULT,
			   false, &tlv)))
		return err;
	if (tlv_type_refused((uint32_t)tlv))
		return tree_err(t, "top level.tlv_type: %lld is %s and cannot be the End.MT TLV type",
				tlv, tlv_type_refused((uint32_t)tlv));
	t->tlv_type = tlv;
	v = json_object_get(t->root, "cnp_window_us");
	if (v && !(json_is_integer(v) && json_integer_value(v) >= 50 &&
		   json_integer_value(v) <= 10000000))
		return tree_err(t, "cnp_window_us: must be 50..10000000 (the agent's --window-us)");
	v = json_object_get(t->root, "ioam_namespace");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0xffff)
			return tree_err(t, "ioam_namespace: must be 0..65535 (the IOAM Namespace-ID)");
		t->ioam_ns = (uint16_t)json_integer_value(v);
		t->tm_on = true;
	}
	t->pm_period_ms = ENDMT_PM_DEF_PERIOD_MS;
	v = json_object_get(t->root, "pm_period_ms");
	if (v)		/* range: the schema */
		t->pm_period_ms = (uint32_t)json_integer_value(v);
	if ((err = parse_nodes(t, json_object_get(t->root, "nodes"))) ||
	    (err = parse_groups(t, json_object_get(t->root, "groups"))))
		return err;
	for (i = 0; i < t->ngroups; i++)
		if ((err = check_repl(t, i)))
			return err;
	return check_links(t);
}

void tree_free(struct tree *t)
{
	int i;

	for (i = 0; i < t->ngroups; i++) {
		free(t->groups[i].rcv);
		free(t->groups[i].repl_sid);
		free(t->groups[i].edge_sid);
	}
	json_decref(t->root);
}
