// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt apply FILE --node NAME: configure this node from a tree description
 * (docs/TREE-FORMAT.md).
 *
 * Three phases: (1) tree.c parses and validates the whole file; (2) plan.c
 * computes everything this node needs; (3) here, under the pin lock, check
 * it against what is already there, attach what is missing and write what
 * differs, remembering the old values; on any failure undo what this run
 * did.  A second apply of the same file finds everything equal and changes
 * nothing.
 * apply adds and updates: it never deletes groups, SIDs or receivers that
 * the file does not mention (but a group it describes gets exactly the
 * branches the file implies). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "plan.h"
#include "telemetry.h"
#include "pm_flow.h"
#include "endmt/ioam.h"

enum undo_kind { U_ATTACH, U_GROUP, U_MAP };

struct undo {
	enum undo_kind kind;
	int fd;
	char dev[IF_NAMESIZE];
	uint8_t key[sizeof(struct endmt_origin_key)];	/* the longest key apply writes */
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
	struct undo *u;

	if (ksize > sizeof(u->key))
		return -E2BIG;
	u = undo_push(l);
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

/* Saves the old value of key, then writes val; *changes counts a change. */
static int undo_set(struct undo_log *l, int fd, const void *key, size_t ksize,
		    const void *val, size_t vsize, int *changes)
{
	bool changed;
	int err;

	if ((err = undo_save(l, U_MAP, fd, key, ksize, vsize)) ||
	    (err = map_set(fd, key, val, vsize, &changed)))
		return err;
	*changes += changed;
	return 0;
}

static bool plan_has_rcv(const struct plan *p, const struct endmt_rcv_key *k)
{
	int i;

	for (i = 0; i < p->nrcvs; i++)
		if (!memcmp(&p->rcv_keys[i], k, sizeof(*k)))
			return true;
	return false;
}

/* The keys of map fd (ksize octets) that stale(key, p) calls stale, into
 * *out (malloc'd, *n of them): collected during the walk, deleted after it
 * by the caller, since the walk needs stable keys.  0 or -ENOMEM. */
static int stale_keys(int fd, size_t ksize, bool (*stale)(int fd, const void *key,
							  const struct plan *p),
		      const struct plan *p, uint8_t **out, int *n)
{
	uint8_t k[sizeof(struct endmt_origin_key)], *prev = NULL, *keys = NULL;
	int cap = 0;

	*n = 0;
	if (ksize > sizeof(k))
		return -E2BIG;
	while (!bpf_map_get_next_key(fd, prev, k)) {
		prev = k;
		if (!stale(fd, k, p))
			continue;
		if (*n == cap) {
			uint8_t *k2;

			cap = cap ? 2 * cap : 16;
			k2 = realloc(keys, cap * ksize);
			if (!k2) {
				free(keys);
				return -ENOMEM;
			}
			keys = k2;
		}
		memcpy(keys + (size_t)(*n)++ * ksize, k, ksize);
	}
	*out = keys;
	return 0;
}

/* A receiver record of a group the file gives this node, for a receiver
 * the file no longer lists. */
static bool rcv_stale(int fd, const void *key, const struct plan *p)
{
	struct endmt_group_key gk;
	int j;

	if (bpf_map_lookup_elem(fd, key, &gk) || plan_has_rcv(p, key))
		return false;
	for (j = 0; j < p->nrcvs && memcmp(&p->rcv_groups[j], &gk, sizeof(gk)); j++)
		;
	return j < p->nrcvs;
}

/* The receivers of the groups this node is an edge of become exactly the
 * file's (as their branches do): a receiver recorded for such a group that
 * the file no longer lists loses its record and translation; each listed
 * one gets its translation (or none) and its record. */
static int apply_receivers(const struct endmt_maps_fds *m, const struct plan *p,
			   struct undo_log *ul, int *changes)
{
	struct endmt_rcv_key *stale = NULL;
	int i, n, err;

	if ((err = stale_keys(m->rcv_group, sizeof(*stale), rcv_stale, p, (uint8_t **)&stale, &n)))
		return err;
	for (i = 0; i < n; i++)
		if ((err = undo_del(ul, m->rcv_xlate, &stale[i], sizeof(stale[i]),
				    sizeof(struct endmt_rcv_xlate), changes)) ||
		    (err = undo_del(ul, m->rcv_group, &stale[i], sizeof(stale[i]),
				    sizeof(struct endmt_group_key), changes)))
			goto out;
	for (i = 0; i < p->nrcvs; i++) {
		const struct endmt_rcv_key *key = &p->rcv_keys[i];

		if (p->rcv_xlates[i].flags)
			err = undo_set(ul, m->rcv_xlate, key, sizeof(*key), &p->rcv_xlates[i],
				       sizeof(p->rcv_xlates[i]), changes);
		else	/* no translation: none may stay behind */
			err = undo_del(ul, m->rcv_xlate, key, sizeof(*key), sizeof(p->rcv_xlates[i]),
				       changes);
		if (err || (err = undo_set(ul, m->rcv_group, key, sizeof(*key), &p->rcv_groups[i],
					   sizeof(p->rcv_groups[i]), changes)))
			goto out;
	}
out:
	free(stale);
	return err;
}

static bool plan_has_origin(const struct plan *p, const struct endmt_origin_key *k)
{
	int i;

	for (i = 0; i < p->norigins; i++)
		if (!memcmp(&p->origin_keys[i], k, sizeof(*k)))
			return true;
	return false;
}

/* An origin of a group the file gives this node that the file no longer
 * implies. */
static bool origin_stale(int fd, const void *key, const struct plan *p)
{
	const struct endmt_origin_key *k = key;
	int i;

	(void)fd;
	for (i = 0; i < p->ngrp; i++)
		if (!memcmp(p->grp[i].g.key.proxy, k->proxy, 16) && p->grp[i].g.key.dqpn == k->dqpn)
			return !plan_has_origin(p, k);
	return false;
}

/* The response origins of the groups this node takes from the file become
 * exactly the file's: an origin of such a group the file no longer implies
 * is removed (a receiver that moved to another port must not stay accepted
 * on the old one); the others are written. */
static int apply_origins(const struct endmt_maps_fds *m, const struct plan *p,
			 struct undo_log *ul, int *changes)
{
	struct endmt_origin_key *stale = NULL;
	int i, n, err;

	if ((err = stale_keys(m->resp_origin, sizeof(*stale), origin_stale, p, (uint8_t **)&stale,
			      &n)))
		return err;
	for (i = 0; i < n; i++)
		if ((err = undo_del(ul, m->resp_origin, &stale[i], sizeof(stale[i]),
				    sizeof(uint32_t), changes)))
			goto out;
	for (i = 0; i < p->norigins; i++)
		if ((err = undo_set(ul, m->resp_origin, &p->origin_keys[i], sizeof(p->origin_keys[i]),
				    &p->origin_ifx[i], sizeof(p->origin_ifx[i]), changes)))
			goto out;
out:
	free(stale);
	return err;
}

struct apply_args {
	const char *file;
	const char *node;
	bool dry_run;
};

/* Every device is either not attached or attached as the plan needs it
 * (then marked role -1: nothing to do). */
static int check_attached(const struct apply_args *a, const struct tree *t, struct plan *p)
{
	struct dev_state st;
	int i;

	for (i = 0; i < p->nattach; i++) {
		struct attachment *at = &p->attach[i];

		if (dev_state_read(at->dev, &st) || st.ifindex != if_nametoindex(at->dev))
			continue;	/* not attached (or a stale record attach replaces) */
		if (st.role != (uint32_t)at->role || st.mode != (uint32_t)at->mode ||
		    st.tlv_type != t->tlv_type) {
			errorf("%s: device %s is attached as %s (mode %s, tlv %u) but the file needs "
			       "%s (mode %s, tlv %u) for %s; run 'endmt detach %s' first", a->file,
			       at->dev, role_names[st.role % ROLE__N], mode_names[st.mode % MODE__N],
			       st.tlv_type, role_names[at->role], mode_names[at->mode],
			       t->tlv_type, at->why, at->dev);
			return -EEXIST;
		}
		at->role = -1;
	}
	return 0;
}

/* Alternate marking (pm.h): endmt_pm on every node of a tree with "pm",
 * the head's endmt_pm_groups entries and OUT counters, the IN counters of
 * edges and forks.  Counters are only added (cumulative: an existing
 * entry keeps its counts), so an undo leaves them. */
static int apply_pm(const struct endmt_maps_fds *m, const struct plan *p, struct undo_log *ul,
		    int *changes)
{
	struct endmt_pm_cfg v = {};
	struct endmt_pm_group gv;
	uint32_t zero = 0;
	int i, err;

	if (!p->pm_on)
		return 0;
	if (m->pm < 0 || m->pm_counts < 0 || m->pm_groups < 0)
		return -ENOENT;
	v.period_ns = p->pm_period_ns;
	v.node_id = p->pm_node_id;
	v.real_minus_tai_ns = tm_real_minus_tai();
	if ((err = undo_set(ul, m->pm, &zero, sizeof(zero), &v, sizeof(v), changes)))
		return err;
	for (i = 0; i < p->npm; i++) {
		if ((err = pm_flow_counters(m->pm_counts, p->pm_flows[i], ENDMT_PM_SRV6,
					    ENDMT_PM_OUT, true)))
			return err;
		/* The marking state goes on when the flow stays. */
		if (bpf_map_lookup_elem(m->pm_groups, &p->pm_keys[i], &gv) ||
		    gv.flow != p->pm_flows[i])
			memset(&gv, 0, sizeof(gv));
		gv.flow = p->pm_flows[i];
		if ((err = undo_set(ul, m->pm_groups, &p->pm_keys[i], sizeof(p->pm_keys[i]), &gv,
				    sizeof(gv), changes)))
			return err;
	}
	for (i = 0; i < p->npm_in; i++)
		if ((err = pm_flow_counters(m->pm_counts, p->pm_in[i], ENDMT_PM_SRV6, ENDMT_PM_IN,
					    true)))
			return err;
	return 0;
}

/* The group entries, the proxy counts, the keyed maps, the receivers. */
static int write_maps(const struct apply_args *a, const struct endmt_maps_fds *m,
		      const struct plan *p, struct undo_log *ul, int *changes)
{
	const struct {
		const char *what;
		int fd, n;
		const void *keys, *vals;
		size_t ksize, vsize;
	} tables[] = {
		{ "the template of group", m->encap, p->nencaps, p->encap_keys, p->encaps,
		  sizeof(p->encap_keys[0]), sizeof(p->encaps[0]) },
		{ "SID", m->sids, p->nsids, p->sid_keys, p->sid_vals,
		  sizeof(p->sid_keys[0]), sizeof(p->sid_vals[0]) },
		{ "Replication SID", m->repl, p->nrepls, p->repl_keys, p->repl_vals,
		  sizeof(p->repl_keys[0]), sizeof(p->repl_vals[0]) },
	};
	size_t k;
	bool changed;
	int i, err;

	for (i = 0; i < p->ngrp; i++) {
		const struct group_plan *gp = &p->grp[i];

		if ((err = undo_save(ul, U_GROUP, m->groups, &gp->g.key, sizeof(gp->g.key),
				     sizeof(struct endmt_group))))
			return err;
		err = group_write(m->groups, &gp->g, gp->br, gp->nbr, true, &changed);
		if (err) {
			errorf("%s: writing group %d of node %s: %s", a->file, i, a->node,
			       strerror(-err));
			return err;
		}
		*changes += changed;
	}
	for (i = 0; i < p->ngrp; i++) {
		err = proxy_sync(m, p->grp[i].g.key.proxy);
		if (err) {
			errorf("%s: updating endmt_proxies: %s", a->file, strerror(-err));
			return err;
		}
	}
	for (k = 0; k < sizeof(tables) / sizeof(tables[0]); k++)
		for (i = 0; i < tables[k].n; i++) {
			err = undo_set(ul, tables[k].fd,
				       (const char *)tables[k].keys + i * tables[k].ksize,
				       tables[k].ksize,
				       (const char *)tables[k].vals + i * tables[k].vsize,
				       tables[k].vsize, changes);
			if (err) {
				errorf("%s: writing %s %d: %s", a->file, tables[k].what, i,
				       strerror(-err));
				return err;
			}
		}
	if (m->tm >= 0) {
		/* This node's telemetry identity (the tree is its truth:
		 * without telemetry keys, off). */
		struct endmt_tm_node tv = {
			.node_id = p->tm_node_id, .ns_id = p->tm_ns,
			.flags = p->tm_node_id ? ENDMT_TM_F_EXPORT : 0,
			.real_minus_tai_ns = p->tm_node_id ? tm_real_minus_tai() : 0,
		};
		uint32_t zero = 0;

		err = undo_set(ul, m->tm, &zero, sizeof(zero), &tv, sizeof(tv), changes);
		if (err) {
			errorf("%s: writing the telemetry identity of node %s: %s", a->file,
			       a->node, strerror(-err));
			return err;
		}
	}
	err = apply_pm(m, p, ul, changes);
	if (err) {
		errorf("%s: writing the alternate marking of node %s: %s", a->file, a->node,
		       strerror(-err));
		return err;
	}
	err = apply_receivers(m, p, ul, changes);
	if (err) {
		errorf("%s: writing the receivers of node %s: %s", a->file, a->node,
		       strerror(-err));
		return err;
	}
	err = apply_origins(m, p, ul, changes);
	if (err)
		errorf("%s: writing the response origins of node %s: %s", a->file, a->node,
		       strerror(-err));
	return err;
}

/* Programs last: they find their maps filled in. */
static int attach_all(const struct tree *t, const struct plan *p, struct undo_log *ul,
		      int *attached)
{
	struct undo *u;
	int i, err;

	for (i = 0; i < p->nattach; i++) {
		const struct attachment *at = &p->attach[i];

		if (at->role < 0)
			continue;
		err = do_attach(at->dev, at->role, at->mode, t->tlv_type);
		if (err)
			return err;
		u = undo_push(ul);
		if (!u) {
			do_detach(at->dev);
			return -ENOMEM;
		}
		u->kind = U_ATTACH;
		snprintf(u->dev, IF_NAMESIZE, "%s", at->dev);
		(*attached)++;
	}
	return 0;
}

static void apply_report(const struct apply_args *a, const struct plan *p, int attached,
			 int changes)
{
	json_t *o;

	if (!env.json) {
		printf("%s: node %s: %d group(s), %d sid(s), %d receiver translation(s), "
		       "%d replication sid(s), %d device(s); %d attached, %d map entr%s "
		       "changed\n", a->file, a->node, p->ngrp, p->nsids, p->nxlates, p->nrepls,
		       p->nattach, attached, changes, changes == 1 ? "y" : "ies");
		return;
	}
	o = json_pack("{s:o, s:o, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "file", json_str(a->file),
		      "node", json_str(a->node),
		      "groups", p->ngrp, "sids", p->nsids, "receivers", p->nxlates,
		      "devices", p->nattach, "attached", attached, "changed", changes,
		      "replication", p->nrepls);
	json_print(o);
}

/* Checks against what is there, then writes; all-or-nothing. */
static int apply_plan(const struct apply_args *a, const struct tree *t, struct plan *p)
{
	struct endmt_maps_fds m;
	struct undo_log ul = {};
	int i, err, lock, changes = 0, attached = 0;
	char msg[256];

	err = cfg_begin_create(&m, &lock, "apply");
	if (err)
		return err;
	if ((err = check_attached(a, t, p)) || (err = plan_hmac(t, p, &m)))
		goto out;
	/* Loops with Replication SIDs configured outside this file, before
	 * anything is written. */
	for (i = 0; i < p->nrepls; i++) {
		err = repl_check(m.repl, &p->repl_keys[i], &p->repl_vals[i], msg, sizeof(msg));
		if (err) {
			errorf("%s: node %s: %s", a->file, a->node, msg);
			goto out;
		}
	}
	if ((err = write_maps(a, &m, p, &ul, &changes)) ||
	    (err = attach_all(t, p, &ul, &attached))) {
		undo_all(&ul);	/* all-or-nothing: back to what was there before */
		for (i = 0; i < p->ngrp; i++)
			proxy_sync(&m, p->grp[i].g.key.proxy);
		goto out;
	}
	apply_report(a, p, attached, changes);
out:
	cfg_end(&m, lock);
	undo_free(&ul);
	return err;
}

static int apply_run(void *cfg)
{
	struct apply_args *a = cfg;
	struct tree *t = calloc(1, sizeof(*t));
	struct plan *p = calloc(1, sizeof(*p));
	int x, err;

	if (!t || !p) {
		err = -ENOMEM;
		goto out;
	}
	t->file = a->file;
	if ((err = tree_load(t)))
		goto out;
	x = tree_node_index(t, a->node);
	if (x < 0) {
		err = tree_err(t, "nodes: no node named '%s' (--node)", a->node);
		goto out;
	}
	if ((err = plan_node(t, x, p)))
		goto out;
	if (a->dry_run) {
		/* Phases 1 and 2 only: no pin root, no lock, no map, no device. */
		json_t *o = plan_json(a->node, p);

		if (env.json) {
			json_dumpf(o, stdout, JSON_INDENT(2));
			printf("\n");
		} else {
			plan_print(a->file, o);
		}
		json_decref(o);
		goto out;
	}
	err = apply_plan(a, t, p);
out:
	if (t)
		tree_free(t);
	free(p);
	free(t);
	return err;
}
static const struct opt apply_opts[] = {
	{ "file", OPT_STR, offsetof(struct apply_args, file), NOSET, "FILE",
	  "tree description (JSON, docs/TREE-FORMAT.md)", 0, 0, NULL, true, true },
	{ "node", OPT_STR, offsetof(struct apply_args, node), NOSET, "NAME",
	  "which node of the tree this is", 0, 0, NULL, true, false },
	{ "dry-run", OPT_FLAG, offsetof(struct apply_args, dry_run), NOSET, NULL,
	  "print what the node would get (devices, groups, SIDs, receivers, templates) and change nothing", 0, 0, NULL, false, false },
	{}
};

const struct cmd cmd_apply = {
	"apply", "Configure this node from a tree description (idempotent, all-or-nothing).",
	apply_opts, sizeof(struct apply_args), NULL, apply_run,
};
