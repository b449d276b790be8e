// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt receiver add/del: a receiver QP of a group at an edge: its branch,
 * its PSN offset / RETH translation (endmt_rcv_xlate), its group record
 * (endmt_rcv_group). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "endmt.h"
#include "config.h"


/* ---- receiver add / del ----
 *
 * A receiver is one RC QP (address, QPN) of one group at this edge.
 * `receiver add` sets both halves of its PSN offset at once, so they cannot
 * disagree: the group's branch for the address (reverse path, created if
 * missing) and the translation in endmt_rcv_xlate (forward path), and
 * records the QP's group in endmt_rcv_group.  `receiver del` removes all
 * three. */

struct rcv_args {
	struct in6_addr proxy, addr;
	uint32_t dqpn, qpn, rkey;
	int32_t psn_offset;
	uint64_t va_delta;
	bool va_set, rkey_set;
};

/* Refuses a receiver that would break "one QP, one group; one QP per
 * address per group" (docs/DECISIONS.md). */
static int rcv_add_check(const struct endmt_maps_fds *m, const struct rcv_args *a,
			 const struct endmt_rcv_key *k, const struct endmt_group_key *gk,
			 const struct endmt_group *g)
{
	char b[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	struct endmt_group_key other;
	struct endmt_group *og = NULL;
	uint32_t qpns[8];
	int i, n, err = 0;

	/* The edge would make no copy for it (include/endmt/receiver.h). */
	i = endmt_rcv_refusal(a->addr.s6_addr, a->qpn, a->proxy.s6_addr);
	if (i) {
		errorf("receiver add: %s qpn %u: %s", addr_str(&a->addr, b), a->qpn,
		       endmt_rcv_refusal_str(i));
		return -EINVAL;
	}

	if (g->flags & ENDMT_GF_BRANCH_IFINDEX) {
		errorf("receiver add: group %s/%u branches by interface (head or transit); "
		       "receivers belong to a group of an edge (branching by address)",
		       addr_str(&a->proxy, b), a->dqpn);
		return -EINVAL;
	}
	if (!bpf_map_lookup_elem(m->rcv_group, k, &other) && memcmp(&other, gk, sizeof(other))) {
		og = calloc(1, sizeof(*og));
		if (!og)
			return -ENOMEM;
		/* A record of a deleted group no longer binds the QP. */
		if (!bpf_map_lookup_elem_flags(m->groups, &other, og, BPF_F_LOCK)) {
			errorf("receiver add: %s/%u is a receiver of group %s/%u (an RC QP has "
			       "one peer, so one group); run 'endmt receiver del --addr %s "
			       "--qpn %u' first", addr_str(&a->addr, b), a->qpn,
			       addr_str(other.proxy, b2), other.dqpn, addr_str(&a->addr, b), a->qpn);
			err = -EEXIST;
			goto out;
		}
	}
	n = rcv_group_qpns(m->rcv_group, gk, k->addr, qpns, 8);
	if (n < 0) {
		err = n;
		errorf("receiver add: reading endmt_rcv_group: %s", strerror(-err));
		goto out;
	}
	for (i = 0; i < n && i < 8; i++) {
		if (qpns[i] == a->qpn)
			continue;
		errorf("receiver add: group %s/%u already has receiver %s with QPN %u, and "
		       "QPN %u at the same address would share its branch: responses carry "
		       "no responder QPN (their DestQPN is the Designated QPN), so an edge "
		       "keeps one branch per receiver address; give the QP its own address "
		       "or run 'endmt receiver del --addr %s --qpn %u' first",
		       addr_str(&a->proxy, b), a->dqpn, addr_str(&a->addr, b2), qpns[i], a->qpn,
		       addr_str(&a->addr, b2), qpns[i]);
		err = -EEXIST;
		goto out;
	}
out:
	free(og);
	return err;
}

static int rcv_add_run(void *p)
{
	struct rcv_args *a = p;
	struct endmt_maps_fds m;
	struct endmt_rcv_key k = {};
	struct endmt_rcv_xlate v = {}, oldv;
	struct endmt_group_key gk;
	struct endmt_group *g = NULL;
	char b[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	bool ch, changed = false, had_xl;
	int32_t old_off = 0;
	int lock, err, had_br;

	if (a->va_set != a->rkey_set) {
		errorf("receiver add: --va-delta and --rkey go together (the RETH "
		       "translation rewrites both)");
		return -EINVAL;
	}
	memcpy(k.addr, &a->addr, 16);
	k.qpn = a->qpn;
	v.psn_offset = a->psn_offset;
	if (a->psn_offset)
		v.flags |= ENDMT_XL_PSN;
	if (a->va_set) {
		v.flags |= ENDMT_XL_RETH;
		v.va_delta = a->va_delta;
		v.rkey = a->rkey;
	}
	group_key_make(&gk, &a->proxy, a->dqpn);
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = cfg_group_get(&m, &gk, "receiver add", &g);
	if (err)
		goto out;
	err = rcv_add_check(&m, a, &k, &gk, g);
	if (err)
		goto out;
	had_br = group_find_branch(g, k.addr, &old_off);
	had_xl = !bpf_map_lookup_elem(m.rcv_xlate, &k, &oldv);
	/* Reverse path first, then forward path, then the record; a failure
	 * puts back what this command changed. */
	err = branch_write(m.groups, &gk, k.addr, a->psn_offset, false, &ch);
	if (err) {
		errorf("receiver add: branch %s of group %s/%u: %s", addr_str(&a->addr, b2),
		       addr_str(&a->proxy, b), a->dqpn,
		       err == -ENOSPC ? "group already has 64 branches" : strerror(-err));
		goto out;
	}
	changed |= ch;
	if (v.flags)
		err = map_set(m.rcv_xlate, &k, &v, sizeof(v), &ch);
	else if (had_xl && !(err = map_del(m.rcv_xlate, &k)))
		ch = true;	/* no translation: none may stay behind */
	else
		ch = false;
	if (!err) {
		changed |= ch;
		err = map_set(m.rcv_group, &k, &gk, sizeof(gk), &ch);
		changed |= ch;
	}
	if (err) {
		errorf("receiver add: %s/%u: writing the translation: %s", addr_str(&a->addr, b),
		       a->qpn, strerror(-err));
		branch_write(m.groups, &gk, k.addr, old_off, had_br < 0, &ch);
		if (had_xl)
			bpf_map_update_elem(m.rcv_xlate, &k, &oldv, BPF_ANY);
		else
			bpf_map_delete_elem(m.rcv_xlate, &k);
		goto out;
	}
	report_change(changed, "receiver", "written");
out:
	free(g);
	cfg_end(&m, lock);
	return err;
}

static int rcv_del_run(void *p)
{
	struct rcv_args *a = p;
	struct endmt_maps_fds m;
	struct endmt_rcv_key k = {};
	struct endmt_group_key gk;
	char b[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	bool rec, ch;
	int lock, err, e2;

	memcpy(k.addr, &a->addr, 16);
	k.qpn = a->qpn;
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	rec = !bpf_map_lookup_elem(m.rcv_group, &k, &gk);
	err = map_del(m.rcv_xlate, &k);
	if (err == -ENOENT && rec)
		err = 0;	/* a receiver without translation */
	if (err) {
		errorf("receiver del: %s/%u: %s", addr_str(&a->addr, b), a->qpn,
		       err == -ENOENT ? "no such receiver" : strerror(-err));
		goto out;
	}
	if (rec) {
		/* Its branch goes with it (the group may be gone already). */
		e2 = branch_write(m.groups, &gk, k.addr, 0, true, &ch);
		if (e2 && e2 != -ENOENT) {
			err = e2;
			errorf("receiver del: %s/%u: removing its branch from group %s/%u: %s",
			       addr_str(&a->addr, b), a->qpn, addr_str(gk.proxy, b2), gk.dqpn,
			       strerror(-err));
			goto out;
		}
		err = map_del(m.rcv_group, &k);
		if (err) {
			errorf("receiver del: %s/%u: removing its group record: %s",
			       addr_str(&a->addr, b), a->qpn, strerror(-err));
			goto out;
		}
	}
	report_change(true, "receiver", "deleted");
out:
	cfg_end(&m, lock);
	return err;
}

#define O(f) offsetof(struct rcv_args, f)
static const struct opt rcv_add_opts[] = {
	{ "proxy", OPT_ADDR, O(proxy), NOSET, "ADDR", "Proxy Address of the receiver's group", 0, 0, NULL, true, false },
	{ "dqpn", OPT_U32, O(dqpn), NOSET, "N", "Designated QPN of the group", 0, QPN_MAX, NULL, true, false },
	{ "addr", OPT_ADDR, O(addr), NOSET, "ADDR", "receiver address", 0, 0, NULL, true, false },
	{ "qpn", OPT_U32, O(qpn), NOSET, "N", "receiver QPN", 0, QPN_MAX, NULL, true, false },
	{ "psn-offset", OPT_S32, O(psn_offset), NOSET, "N", "receiver PSN minus source PSN", -QPN_MAX, QPN_MAX, NULL, false, false },
	{ "va-delta", OPT_U64, O(va_delta), O(va_set), "N", "added to RETH virtual addresses (mod 2^64)", 0, 0, NULL, false, false },
	{ "rkey", OPT_U32, O(rkey), O(rkey_set), "N", "RETH rkey of the receiver's memory region", 0, UINT32_MAX, NULL, false, false },
	{}
};
static const struct opt rcv_del_opts[] = {
	{ "addr", OPT_ADDR, O(addr), NOSET, "ADDR", "receiver address", 0, 0, NULL, true, false },
	{ "qpn", OPT_U32, O(qpn), NOSET, "N", "receiver QPN", 0, QPN_MAX, NULL, true, false },
	{}
};
#undef O

const struct cmd cmd_receiver_add = {
	"receiver add", "Add a receiver QP to a group at an edge: its branch and its PSN offset / RETH translation.",
	rcv_add_opts, sizeof(struct rcv_args), NULL, rcv_add_run,
};
const struct cmd cmd_receiver_del = {
	"receiver del", "Remove a receiver: its translation and its branch.",
	rcv_del_opts, sizeof(struct rcv_args), NULL, rcv_del_run,
};
