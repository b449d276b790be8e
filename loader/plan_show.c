// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt apply --dry-run: the plan of one node (plan.h) as JSON, and as
 * text for people, read from the same JSON.  Nothing here touches a map or
 * the pin root. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include "plan.h"
#include "endmt/srh.h"

static json_t *addr_json(const void *a16)
{
	char b[INET6_ADDRSTRLEN];

	return json_string(addr_str(a16, b));
}

static json_t *ifx_json(uint32_t ifindex)
{
	char name[IF_NAMESIZE];

	if (!ifindex)
		return json_null();
	return json_string(if_indextoname(ifindex, name) ? name : "?");
}

static json_t *prefix_json(const uint8_t src[16], uint8_t plen)
{
	char b[INET6_ADDRSTRLEN + 8];

	addr_str(src, b);
	snprintf(b + strlen(b), 8, "/%u", plen);
	return json_string(b);
}

static json_t *hmac_json(uint8_t policy, uint32_t key_id)
{
	return json_pack("{s:s, s:I}", "policy", hmac_policy_names[policy],
			 "key_id", (json_int_t)key_id);
}

static json_t *group_json(const struct group_plan *gp)
{
	const struct group_cfg *g = &gp->g;
	json_t *o, *br = json_array();
	int i;

	for (i = 0; i < gp->nbr; i++) {
		uint32_t ifx;

		if (g->flags & ENDMT_GF_BRANCH_IFINDEX) {
			memcpy(&ifx, gp->br[i].id, sizeof(ifx));
			json_array_append_new(br, json_pack("{s:o}", "dev", ifx_json(ifx)));
		} else {
			json_array_append_new(br, json_pack("{s:o, s:i}", "addr",
							    addr_json(gp->br[i].id), "psn_offset",
							    gp->br[i].psn_offset));
		}
	}
	o = json_pack("{s:o, s:I, s:b, s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:o}",
		      "proxy", addr_json(g->key.proxy), "dqpn", (json_int_t)g->key.dqpn,
		      "head", !!(g->flags & ENDMT_GF_HEAD),
		      "branch_by", g->flags & ENDMT_GF_BRANCH_IFINDEX ? "ifindex" : "addr",
		      "psn_guard", !!(g->flags & ENDMT_GF_PSN_GUARD),
		      "origin", !!(g->flags & ENDMT_GF_ORIGIN),
		      "start_psn", (json_int_t)g->start_psn, "cnp_cap", (json_int_t)g->cnp_cap,
		      "cnp_rate", (json_int_t)g->cnp_rate, "cnp_burst", (json_int_t)g->cnp_burst,
		      "resp_saddr", addr_json(g->resp_saddr));
	if (g->flags & ENDMT_GF_HEAD) {
		json_object_set_new(o, "src", addr_json(g->src_addr));
		json_object_set_new(o, "src_qpn", json_integer(g->src_qpn));
	}
	json_object_set_new(o, "branches", br);
	return o;
}

json_t *plan_json(const char *node, const struct plan *p)
{
	json_t *o = json_object(), *a;
	int i;

	json_object_set_new(o, "node", json_string(node));
	json_object_set_new(o, "dry_run", json_true());
	json_object_set_new(o, "attach", a = json_array());
	for (i = 0; i < p->nattach; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "dev", p->attach[i].dev,
						   "role", role_names[p->attach[i].role],
						   "mode", mode_names[p->attach[i].mode],
						   "why", p->attach[i].why));
	json_object_set_new(o, "groups", a = json_array());
	for (i = 0; i < p->ngrp; i++)
		json_array_append_new(a, group_json(&p->grp[i]));
	json_object_set_new(o, "sids", a = json_array());
	for (i = 0; i < p->nsids; i++) {
		const struct endmt_sid *v = &p->sid_vals[i];

		json_array_append_new(a, json_pack("{s:o, s:o, s:b, s:I, s:o, s:o, s:o}",
			"sid", addr_json(p->sid_keys[i].sid), "edge", addr_json(v->edge),
			"strict", !!(v->flags & ENDMT_SID_F_STRICT), "max_receivers",
			(json_int_t)v->max_rcv, "from", prefix_json(v->src, v->src_plen),
			"in_dev", ifx_json(v->in_ifindex),
			"hmac", hmac_json(v->hmac_policy, v->hmac_key_id)));
	}
	json_object_set_new(o, "receivers", a = json_array());
	for (i = 0; i < p->nrcvs; i++) {
		const struct endmt_rcv_xlate *x = &p->rcv_xlates[i];
		json_t *r = json_pack("{s:o, s:I, s:o, s:I}", "addr", addr_json(p->rcv_keys[i].addr),
				      "qpn", (json_int_t)p->rcv_keys[i].qpn,
				      "proxy", addr_json(p->rcv_groups[i].proxy),
				      "dqpn", (json_int_t)p->rcv_groups[i].dqpn);

		if (x->flags & ENDMT_XL_PSN)
			json_object_set_new(r, "psn_offset", json_integer(x->psn_offset));
		if (x->flags & ENDMT_XL_RETH) {
			json_object_set_new(r, "va_delta", json_integer((json_int_t)x->va_delta));
			json_object_set_new(r, "rkey", json_integer(x->rkey));
		}
		json_array_append_new(a, r);
	}
	json_object_set_new(o, "replication", a = json_array());
	for (i = 0; i < p->nrepls; i++) {
		const struct endmt_repl *v = &p->repl_vals[i];
		json_t *d = json_array();
		uint32_t k;

		for (k = 0; k < v->n && k < ENDMT_MAX_REPL; k++)
			json_array_append_new(d, addr_json(v->sids[k]));
		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:o}",
			"sid", addr_json(p->repl_keys[i].sid), "downstream", d,
			"from", prefix_json(v->src, v->src_plen), "in_dev", ifx_json(v->in_ifindex),
			"hmac", hmac_json(v->hmac_policy, v->hmac_key_id)));
	}
	json_object_set_new(o, "encaps", a = json_array());
	for (i = 0; i < p->nencaps; i++)
		json_array_append_new(a, json_pack("{s:o, s:I, s:I, s:I}",
			"proxy", addr_json(p->encap_keys[i].proxy),
			"dqpn", (json_int_t)p->encap_keys[i].dqpn,
			"octets", (json_int_t)p->encaps[i].len,
			"hmac_key_id", (json_int_t)p->encap_hmac[i]));
	json_object_set_new(o, "origins", a = json_array());
	for (i = 0; i < p->norigins; i++)
		json_array_append_new(a, json_pack("{s:o, s:I, s:o, s:o}",
			"proxy", addr_json(p->origin_keys[i].proxy),
			"dqpn", (json_int_t)p->origin_keys[i].dqpn,
			"addr", addr_json(p->origin_keys[i].addr), "dev", ifx_json(p->origin_ifx[i])));
	if (p->pm_on) {		/* alternate marking, only in a tree that has it */
		json_t *g = json_array(), *in = json_array();

		for (i = 0; i < p->npm; i++)
			json_array_append_new(g, json_pack("{s:o, s:I, s:I}",
				"proxy", addr_json(p->pm_keys[i].proxy),
				"dqpn", (json_int_t)p->pm_keys[i].dqpn,
				"flow", (json_int_t)p->pm_flows[i]));
		for (i = 0; i < p->npm_in; i++)
			json_array_append_new(in, json_integer(p->pm_in[i]));
		json_object_set_new(o, "pm", json_pack("{s:I, s:I, s:o, s:o}",
			"period_ms", (json_int_t)(p->pm_period_ns / 1000000),
			"node_id", (json_int_t)p->pm_node_id, "marks", g, "counts_in", in));
	}
	return o;
}

static const char *s_of(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "-";
}

static long long i_of(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void print_hmac_pol(json_t *o)
{
	json_t *h = json_object_get(o, "hmac");

	if (strcmp(s_of(h, "policy"), "ignore"))
		printf(", hmac %s key %lld", s_of(h, "policy"), i_of(h, "key_id"));
}

void plan_print(const char *file, json_t *o)
{
	json_t *a, *e, *b;
	size_t i, j;

	printf("%s: node %s: dry run, nothing changed; the plan:\n", file, s_of(o, "node"));
	a = json_object_get(o, "attach");
	printf("attach (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, e)
		printf("  %-15s %-8s %-6s  %s\n", s_of(e, "dev"), s_of(e, "role"), s_of(e, "mode"),
		       s_of(e, "why"));
	a = json_object_get(o, "groups");
	printf("groups (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, e) {
		printf("  %s/%lld%s branch by %s%s, start PSN %lld, cnp cap %lld rate %lld/s burst "
		       "%lld, responses from %s", s_of(e, "proxy"), i_of(e, "dqpn"),
		       json_is_true(json_object_get(e, "head")) ? " head" : "",
		       s_of(e, "branch_by"),
		       json_is_true(json_object_get(e, "psn_guard")) ? ", PSN guard" : "",
		       i_of(e, "start_psn"), i_of(e, "cnp_cap"), i_of(e, "cnp_rate"),
		       i_of(e, "cnp_burst"), s_of(e, "resp_saddr"));
		if (json_is_true(json_object_get(e, "head")))
			printf(", source %s qpn %lld", s_of(e, "src"), i_of(e, "src_qpn"));
		printf("\n");
		json_array_foreach(json_object_get(e, "branches"), j, b) {
			if (json_object_get(b, "dev"))
				printf("    branch dev %s\n", s_of(b, "dev"));
			else
				printf("    branch %s psn offset %lld\n", s_of(b, "addr"),
				       i_of(b, "psn_offset"));
		}
	}
	a = json_object_get(o, "sids");
	printf("sids (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, e) {
		printf("  %s edge %s%s, max %lld receivers, from %s on %s", s_of(e, "sid"),
		       s_of(e, "edge"), json_is_true(json_object_get(e, "strict")) ? " strict" : "",
		       i_of(e, "max_receivers"), s_of(e, "from"), s_of(e, "in_dev"));
		print_hmac_pol(e);
		printf("\n");
	}
	a = json_object_get(o, "receivers");
	printf("receivers (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, e) {
		printf("  %s/%lld of %s/%lld", s_of(e, "addr"), i_of(e, "qpn"), s_of(e, "proxy"),
		       i_of(e, "dqpn"));
		if (json_object_get(e, "psn_offset"))
			printf(", psn offset %lld", i_of(e, "psn_offset"));
		if (json_object_get(e, "rkey"))
			printf(", va delta %lld rkey %lld", i_of(e, "va_delta"), i_of(e, "rkey"));
		printf("\n");
	}
	a = json_object_get(o, "replication");
	printf("replication (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, e) {
		printf("  %s ->", s_of(e, "sid"));
		json_array_foreach(json_object_get(e, "downstream"), j, b)
			printf(" %s", json_string_value(b));
		printf(", from %s on %s", s_of(e, "from"), s_of(e, "in_dev"));
		print_hmac_pol(e);
		printf("\n");
	}
	a = json_object_get(o, "encaps");
	printf("templates (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, e) {
		printf("  %s/%lld: %lld octets", s_of(e, "proxy"), i_of(e, "dqpn"),
		       i_of(e, "octets"));
		if (i_of(e, "hmac_key_id"))
			printf(" + the HMAC TLV of key %lld (computed by apply from the node's key)",
			       i_of(e, "hmac_key_id"));
		printf("\n");
	}
	a = json_object_get(o, "origins");
	printf("response origins (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, e)
		printf("  %s/%lld: %s on %s\n", s_of(e, "proxy"), i_of(e, "dqpn"), s_of(e, "addr"),
		       s_of(e, "dev"));
	a = json_object_get(o, "pm");
	if (a) {
		printf("alternate marking: period %lld ms, node id %lld\n", i_of(a, "period_ms"),
		       i_of(a, "node_id"));
		json_array_foreach(json_object_get(a, "marks"), i, e)
			printf("  marks %s/%lld as flow %lld, counts it out\n", s_of(e, "proxy"),
			       i_of(e, "dqpn"), i_of(e, "flow"));
		json_array_foreach(json_object_get(a, "counts_in"), i, e)
			printf("  counts flow %lld in\n", (long long)json_integer_value(e));
	}
}
