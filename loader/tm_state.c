// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The tree `endmt collect` rebuilds (tm_state.h).  A postcard carries one
 * section of the path: its node entries newest first, the exporter's own
 * entry at data[0], so read backwards they are the section from its first
 * node.  Consecutive node_ids are a branch, the child's entry timestamp
 * minus the parent's its one-way delay.  A section that starts at a fork
 * starts with the fork's own (per-copy) entry, the same node_id as the end
 * of the fork's earlier section, so the sections join at that node.
 *
 * Loss: the head samples by PSN (include/endmt/ioam.h), so every node sees
 * the same sampled packets.  A sample is held for the grace time after its
 * first postcard; then every transmission of it seen at a node (the
 * node's entry: an RC retransmission has the same PSN, a later timestamp)
 * that no postcard shows reaching a child is lost on that branch, so a
 * packet the source had to send again counts as the loss it was.  A
 * packet lost above a node with no postcards of its own (a transit without
 * forks) is never seen there either, so the loss lands on the lowest
 * branch with evidence of the packet above it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <jansson.h>
#include "endmt.h"
#include "tm_ipfix.h"
#include "tm_state.h"
#include "pm_state.h"

void tm_state_init(struct tm_state *s, uint32_t grace_ms)
{
	memset(s, 0, sizeof(*s));
	s->grace_ns = (uint64_t)grace_ms * 1000000ull;
}

void tm_state_free(struct tm_state *s)
{
	int i;

	for (i = 0; i < s->ngroups; i++)
		free(s->group[i]);
	s->ngroups = 0;
}

static struct tm_group *group_get(struct tm_state *s, const uint8_t *proxy, uint32_t dqpn)
{
	struct tm_group *g;
	int i;

	for (i = 0; i < s->ngroups; i++) {
		g = s->group[i];
		if (g->dqpn == dqpn && !memcmp(g->proxy, proxy, 16))
			return g;
	}
	if (s->ngroups == TM_MAX_GROUPS)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	memcpy(g->proxy, proxy, 16);
	g->dqpn = dqpn;
	s->group[s->ngroups++] = g;
	return g;
}

static struct tm_node *node_get(struct tm_group *g, uint32_t id)
{
	int i;

	for (i = 0; i < g->nnodes; i++)
		if (g->node[i].id == id)
			return &g->node[i];
	if (g->nnodes == TM_MAX_NODES)
		return NULL;
	g->node[g->nnodes].id = id;
	return &g->node[g->nnodes++];
}

static int branch_get(struct tm_group *g, uint32_t parent, uint32_t child)
{
	int i;

	for (i = 0; i < g->nbr; i++)
		if (g->br[i].parent == parent && g->br[i].child == child)
			return i;
	if (g->nbr == TM_MAX_BRANCHES)
		return -1;
	g->br[g->nbr].parent = parent;
	g->br[g->nbr].child = child;
	g->br[g->nbr].delay.min = INT64_MAX;
	g->br[g->nbr].delay.max = INT64_MIN;
	return g->nbr++;
}

/* The index of transmission (id, ts) in sm, added if new; -1 when full. */
static int sample_hop(struct tm_sample *sm, uint32_t id, int64_t ts)
{
	int i;

	for (i = 0; i < sm->nhops; i++)
		if (sm->hop[i].id == id && sm->hop[i].ts_us == ts)
			return i;
	if (sm->nhops == TM_SAMPLE_NODES)
		return -1;
	sm->hop[sm->nhops].id = id;
	sm->hop[sm->nhops].ts_us = ts;
	return sm->nhops++;
}

/* Transmission h reached branch b's child; false if already known. */
static bool sample_down(struct tm_sample *sm, int h, int b, bool *full)
{
	int i;

	for (i = 0; i < sm->ndown; i++)
		if (sm->down[i].hop == h && sm->down[i].br == b)
			return false;
	if (sm->ndown == TM_SAMPLE_NODES) {
		*full = true;
		return false;
	}
	sm->down[sm->ndown].hop = (uint16_t)h;
	sm->down[sm->ndown++].br = (uint16_t)b;
	return true;
}

/* A sample's verdict, once: every transmission at a branch's parent that
 * did not reach its child was lost there. */
static void sample_judge(struct tm_group *g, struct tm_sample *sm)
{
	int h, b, i;

	for (h = 0; h < sm->nhops; h++)
		for (b = 0; b < g->nbr; b++) {
			if (g->br[b].parent != sm->hop[h].id)
				continue;
			for (i = 0; i < sm->ndown; i++)
				if (sm->down[i].hop == h && sm->down[i].br == b)
					break;
			if (i == sm->ndown)
				g->br[b].lost++;
		}
	sm->used = false;
}

static void delay_add(struct tm_delay *d, int64_t us)
{
	d->n++;
	d->sum += us;
	d->last = us;
	if (us < d->min)
		d->min = us;
	if (us > d->max)
		d->max = us;
}

/* IOAM timestamp (POSIX seconds, microseconds) in microseconds. */
static int64_t entry_us(const struct endmt_ioam_node *e)
{
	return (int64_t)ntohl(e->ts_sec) * 1000000 + ntohl(e->ts_frac);
}

static uint32_t entry_id(const struct endmt_ioam_node *e)
{
	return (uint32_t)e->node_id[0] << 16 | e->node_id[1] << 8 | e->node_id[2];
}

void tm_state_add(struct tm_state *s, const struct endmt_postcard *pc, uint64_t now_mono,
		  uint64_t now_real)
{
	const struct endmt_ioam_node *e = (const void *)pc->data, *prev = NULL;
	struct tm_group *g = group_get(s, pc->proxy, pc->dqpn);
	struct tm_sample *sm;
	struct tm_node *n;
	int i, b, nodes = pc->nodes < ENDMT_IOAM_SLOTS_MAX ? pc->nodes : ENDMT_IOAM_SLOTS_MAX;

	s->postcards++;
	if (!g) {
		s->dropped++;
		return;
	}
	g->postcards++;
	if (pc->flags & ENDMT_IOAM_FLAG_OVERFLOW)
		g->truncated++;
	n = node_get(g, pc->node_id);
	if (n) {
		n->edge |= pc->kind == ENDMT_PC_EDGE;
		n->fork |= pc->kind == ENDMT_PC_FORK;
		n->copies = pc->copies;
		n->postcards++;
		n->last_seen_ns = now_real;
	}
	sm = &g->sample[pc->psn % TM_SAMPLE_SLOTS];
	if (sm->used && sm->psn != pc->psn)
		sample_judge(g, sm);	/* its slot is wanted: judged early */
	if (!sm->used) {
		memset(sm, 0, sizeof(*sm));
		sm->used = true;
		sm->psn = pc->psn;
		sm->first_ns = now_mono;
	}
	/* Oldest entry first: the section from its first node down. */
	for (i = nodes - 1; i >= 0; i--) {
		const struct endmt_ioam_node *cur = &e[i];
		uint32_t id = entry_id(cur);
		bool full = false;
		int h;

		if (!id)	/* a slot no node filled */
			continue;
		n = node_get(g, id);
		if (n)
			n->last_seen_ns = now_real;
		h = sample_hop(sm, id, entry_us(cur));
		if (h < 0)
			s->dropped++;
		if (prev && entry_id(prev) != id) {
			int ph = sample_hop(sm, entry_id(prev), entry_us(prev));

			b = branch_get(g, entry_id(prev), id);
			if (b < 0 || ph < 0) {
				s->dropped++;
			} else if (sample_down(sm, ph, b, &full)) {
				/* Once per transmission: sections below a node
				 * all repeat the entries above it. */
				g->br[b].samples++;
				delay_add(&g->br[b].delay, entry_us(cur) - entry_us(prev));
				g->br[b].last_seen_ns = now_real;
			}
			if (full)
				s->dropped++;
		}
		prev = cur;
	}
}

void tm_state_ack(struct tm_state *s, const struct tm_ack *a)
{
	struct tm_group *g = group_get(s, a->proxy, a->dqpn);
	int i;

	s->ack_records++;
	if (!g) {
		s->dropped++;
		return;
	}
	g->ack_records++;
	for (i = 0; i < g->nacks; i++) {
		const struct tm_ack *o = &g->ack[i];

		if (o->node_id == a->node_id && o->kind == a->kind &&
		    (a->kind == TM_BRANCH_IFINDEX ? o->ifindex == a->ifindex :
						    !memcmp(o->addr, a->addr, 16)))
			break;
	}
	if (i == TM_MAX_ACKS) {
		s->dropped++;
		return;
	}
	if (i == g->nacks)
		g->nacks++;
	g->ack[i] = *a;
}

void tm_state_expire(struct tm_state *s, uint64_t now_mono, bool flush)
{
	int i, j;

	for (i = 0; i < s->ngroups; i++)
		for (j = 0; j < TM_SAMPLE_SLOTS; j++) {
			struct tm_sample *sm = &s->group[i]->sample[j];

			if (sm->used && (flush || now_mono - sm->first_ns >= s->grace_ns))
				sample_judge(s->group[i], sm);
		}
}

static json_t *group_json(const struct tm_group *g)
{
	json_t *o = json_object(), *nodes = json_array(), *brs = json_array(), *acks = json_array();
	char a[INET6_ADDRSTRLEN];
	int i, pending = 0;

	for (i = 0; i < TM_SAMPLE_SLOTS; i++)
		pending += g->sample[i].used;
	json_object_set_new(o, "proxy", json_string(addr_str(g->proxy, a)));
	json_object_set_new(o, "dqpn", json_integer(g->dqpn));
	json_object_set_new(o, "postcards", json_integer(g->postcards));
	json_object_set_new(o, "truncated", json_integer(g->truncated));
	json_object_set_new(o, "samples_pending", json_integer(pending));
	for (i = 0; i < g->nnodes; i++) {
		const struct tm_node *n = &g->node[i];

		json_array_append_new(nodes, json_pack("{s:i, s:b, s:b, s:i, s:I, s:I}",
			"node_id", (int)n->id, "edge", n->edge, "fork", n->fork,
			"copies", (int)n->copies, "postcards", (json_int_t)n->postcards,
			"last_seen_ns", (json_int_t)n->last_seen_ns));
	}
	for (i = 0; i < g->nbr; i++) {
		const struct tm_branch *b = &g->br[i];
		json_t *d = json_null();

		if (b->delay.n)
			d = json_pack("{s:I, s:f, s:I, s:I}", "min", (json_int_t)b->delay.min,
				      "avg", (double)b->delay.sum / b->delay.n,
				      "max", (json_int_t)b->delay.max, "last", (json_int_t)b->delay.last);
		json_array_append_new(brs, json_pack("{s:i, s:i, s:I, s:I, s:f, s:o, s:I}",
			"parent", (int)b->parent, "child", (int)b->child,
			"samples", (json_int_t)b->samples, "lost", (json_int_t)b->lost,
			"loss_pct", b->samples + b->lost ?
				100.0 * b->lost / (b->samples + b->lost) : 0.0,
			"delay_us", d, "last_seen_ns", (json_int_t)b->last_seen_ns));
	}
	for (i = 0; i < g->nacks; i++) {
		const struct tm_ack *k = &g->ack[i];
		json_t *x = json_pack("{s:i, s:s, s:I, s:I, s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:I}",
			"node_id", (int)k->node_id,
			"kind", k->kind == TM_BRANCH_IFINDEX ? "ifindex" : "receiver",
			"ack_psn", (json_int_t)k->ack_psn, "data_psn", (json_int_t)k->data_psn,
			"stale", !!(k->flags & TM_ACK_F_STALE),
			"failed", !!(k->flags & TM_ACK_F_FAILED),
			"nak_pending", !!(k->flags & TM_ACK_F_NAK_PENDING),
			"acks", (json_int_t)k->acks, "naks", (json_int_t)k->naks,
			"cnps", (json_int_t)k->cnps, "export_ns", (json_int_t)k->export_ns,
			"received_ns", (json_int_t)k->received_ns);

		if (k->kind == TM_BRANCH_IFINDEX)
			json_object_set_new(x, "ifindex", json_integer(k->ifindex));
		else
			json_object_set_new(x, "addr", json_string(addr_str(k->addr, a)));
		json_object_set_new(x, "lag", k->flags & TM_ACK_F_LAG ?
				    json_integer(k->lag) : json_null());
		json_object_set_new(x, "response_age_ms", k->flags & TM_ACK_F_RESPONDED ?
				    json_integer(k->age_ms) : json_null());
		json_array_append_new(acks, x);
	}
	json_object_set_new(o, "nodes", nodes);
	json_object_set_new(o, "branches", brs);
	json_object_set_new(o, "ack_records", json_integer(g->ack_records));
	json_object_set_new(o, "acks", acks);
	return o;
}

int tm_state_write(const struct tm_state *s, const char *file, uint64_t now_real)
{
	char tmp[PATH_MAX];
	json_t *o = json_object(), *gs = json_array();
	int i, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", file, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "written_ns", json_integer(now_real));
	json_object_set_new(o, "grace_ms", json_integer(s->grace_ns / 1000000));
	json_object_set_new(o, "postcards", json_integer(s->postcards));
	json_object_set_new(o, "dropped", json_integer(s->dropped));
	json_object_set_new(o, "ack_records", json_integer(s->ack_records));
	for (i = 0; i < s->ngroups; i++)
		json_array_append_new(gs, group_json(s->group[i]));
	json_object_set_new(o, "groups", gs);
	if (s->pm)
		json_object_set_new(o, "pm", pm_state_json(s->pm));
	/* A reader sees the old file or the new one, never half of one. */
	if (json_dump_file(o, tmp, JSON_INDENT(1) | JSON_SORT_KEYS))
		err = -EIO;
	else if (rename(tmp, file))
		err = -errno;
	if (err)
		unlink(tmp);
	json_decref(o);
	return err;
}
