// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The collector's alternate-marking records (pm_state.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "endmt.h"
#include "pm_flow.h"
#include "pm_state.h"

static struct pm_st_node *node_get(struct pm_state *s, uint8_t enc, uint32_t flow,
				   uint32_t id)
{
	struct pm_st_flow *f = NULL;
	int i;

	for (i = 0; i < s->nflows; i++)
		if (s->flow[i]->enc == enc && s->flow[i]->flow == flow)
			f = s->flow[i];
	if (!f) {
		if (s->nflows == PM_STATE_FLOWS || !(f = calloc(1, sizeof(*f)))) {
			s->dropped++;
			return NULL;
		}
		f->enc = enc;
		f->flow = flow;
		s->flow[s->nflows++] = f;
	}
	for (i = 0; i < f->nnodes; i++)
		if (f->node[i].id == id)
			return &f->node[i];
	if (f->nnodes == PM_STATE_NODES) {
		s->dropped++;
		return NULL;
	}
	f->node[f->nnodes].id = id;
	return &f->node[f->nnodes++];
}

static struct pm_st_flow *flow_of(struct pm_state *s, uint8_t enc, uint32_t flow)
{
	int i;

	for (i = 0; i < s->nflows; i++)
		if (s->flow[i]->enc == enc && s->flow[i]->flow == flow)
			return s->flow[i];
	return NULL;
}

void pm_state_period(struct pm_state *s, uint32_t node_id, uint8_t enc, uint32_t flow,
		     uint8_t point, uint64_t k, uint64_t period_ns, uint64_t packets,
		     uint64_t bytes, uint64_t now_real)
{
	struct pm_st_node *n = node_get(s, enc, flow, node_id);
	struct pm_st_period *p;

	s->period_records++;
	if (!n)
		return;
	/* A node that changed its period: what it said before is of other
	 * periods, the newest length counts. */
	flow_of(s, enc, flow)->period_ns = period_ns;
	n->point = point;
	n->received_ns = now_real;
	if (!n->have_last || k > n->last_period)
		n->last_period = k;
	n->have_last = true;
	p = &n->per[k % PM_STATE_PERIODS];
	p->used = true;
	p->k = k;
	p->packets = packets;
	p->bytes = bytes;
}

void pm_state_dmark(struct pm_state *s, uint32_t node_id, uint8_t enc, uint32_t flow,
		    uint8_t point, uint64_t k, uint64_t real_ns, uint32_t pkt_key,
		    uint64_t now_real)
{
	struct pm_st_node *n = node_get(s, enc, flow, node_id);
	struct pm_st_dmark *d;

	s->dmark_records++;
	if (!n)
		return;
	(void)point;
	n->received_ns = now_real;
	d = &n->dm[k % PM_STATE_PERIODS];
	/* The first D-mark of a period is the period's (a marker sends one
	 * per period; count-based tests may send more). */
	if (d->used && d->k == k)
		return;
	d->used = true;
	d->k = k;
	d->real_ns = real_ns;
	d->pkt_key = pkt_key;
}

static json_t *node_json(const struct pm_st_node *n)
{
	json_t *o = json_object(), *per = json_object(), *dm = json_object();
	char key[24];
	int i;

	for (i = 0; i < PM_STATE_PERIODS; i++) {
		if (n->per[i].used) {
			snprintf(key, sizeof(key), "%" PRIu64, n->per[i].k);
			json_object_set_new(per, key, json_pack("{s:I, s:I}",
				"packets", (json_int_t)n->per[i].packets,
				"bytes", (json_int_t)n->per[i].bytes));
		}
		if (n->dm[i].used) {
			snprintf(key, sizeof(key), "%" PRIu64, n->dm[i].k);
			json_object_set_new(dm, key, json_pack("{s:I, s:I}",
				"pkt_key", (json_int_t)n->dm[i].pkt_key,
				"real_ns", (json_int_t)n->dm[i].real_ns));
		}
	}
	json_object_set_new(o, "point", json_string(n->point ? "out" : "in"));
	json_object_set_new(o, "received_ns", json_integer((json_int_t)n->received_ns));
	json_object_set_new(o, "last_period", n->have_last ?
			    json_integer((json_int_t)n->last_period) : json_null());
	json_object_set_new(o, "periods", per);
	json_object_set_new(o, "dmarks", dm);
	return o;
}

json_t *pm_state_json(const struct pm_state *s)
{
	json_t *o = json_object(), *fs = json_array(), *f, *nodes;
	const struct pm_st_flow *fl;
	char key[16];
	int i, j;

	for (i = 0; i < s->nflows; i++) {
		fl = s->flow[i];
		nodes = json_object();
		for (j = 0; j < fl->nnodes; j++) {
			snprintf(key, sizeof(key), "%u", fl->node[j].id);
			json_object_set_new(nodes, key, node_json(&fl->node[j]));
		}
		f = json_pack("{s:s, s:I, s:I, s:o}", "enc",
			      pm_enc_name(fl->enc) ? pm_enc_name(fl->enc) : "?",
			      "flow", (json_int_t)fl->flow, "period_ns", (json_int_t)fl->period_ns,
			      "nodes", nodes);
		json_array_append_new(fs, f);
	}
	json_object_set_new(o, "flows", fs);
	json_object_set_new(o, "period_records", json_integer((json_int_t)s->period_records));
	json_object_set_new(o, "dmark_records", json_integer((json_int_t)s->dmark_records));
	json_object_set_new(o, "dropped", json_integer((json_int_t)s->dropped));
	return o;
}

void pm_state_free(struct pm_state *s)
{
	int i;

	for (i = 0; i < s->nflows; i++)
		free(s->flow[i]);
	s->nflows = 0;
}
