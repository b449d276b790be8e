// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Configuration of the maps of include/endmt/maps.h: groups and branches,
 * local SIDs, receiver translations.  The single commands and `apply` share
 * the operations here.
 *
 * Groups hold data-path state next to configuration, under the entry's
 * bpf_spin_lock.  Writes here read the entry with BPF_F_LOCK, change only
 * configuration (and initialise state of new branches), and write it back
 * with BPF_F_LOCK, so a reader never sees a torn entry and existing branch
 * state (AckPSN, ePSN, counters) is carried over.  A response processed
 * between that read and write would be lost; configuration changes are rare
 * and the next ACK re-establishes the state, so this is accepted (a per-field
 * update would need a BPF-side helper). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "endmt.h"
#include "config.h"
#include "endmt/psn.h"

void group_key_make(struct endmt_group_key *k, const struct in6_addr *proxy, uint32_t dqpn)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->proxy, proxy, 16);
	k->dqpn = dqpn;
}

void branch_id_ifindex(uint8_t id[16], uint32_t ifindex)
{
	memset(id, 0, 16);
	memcpy(id, &ifindex, sizeof(ifindex));	/* host order in id[0..3] */
}

static int group_lookup(int fd, const struct endmt_group_key *k, struct endmt_group *v)
{
	if (bpf_map_lookup_elem_flags(fd, k, v, BPF_F_LOCK))
		return -errno;
	return 0;
}

static int group_update(int fd, const struct endmt_group_key *k, const struct endmt_group *v)
{
	if (bpf_map_update_elem(fd, k, v, BPF_ANY | BPF_F_LOCK))
		return -errno;
	return 0;
}

static int find_branch(const struct endmt_group *v, const uint8_t id[16])
{
	uint32_t i;

	for (i = 0; i < v->nbranches && i < ENDMT_MAX_BRANCHES; i++)
		if ((v->br[i].flags & ENDMT_BR_VALID) && !memcmp(v->br[i].id, id, 16))
			return i;
	return -1;
}

static void branch_init(struct endmt_branch *b, const uint8_t id[16], int32_t off,
			uint32_t start_psn)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->id, id, 16);
	b->flags = ENDMT_BR_VALID;
	b->psn_offset = off;
	/* Nothing acknowledged yet: "start PSN - 1" (DESIGN.md), so the first
	 * real ACK of start_psn is an advance and the minimum never starts at 0. */
	b->ack_psn = endmt_psn_add(start_psn, -1);
}

static bool cfg_equal(const struct endmt_group *v, const struct group_cfg *g)
{
	return v->flags == g->flags && v->start_psn == g->start_psn &&
	       v->src_qpn == g->src_qpn && !memcmp(v->src_addr, g->src_addr, 16) &&
	       !memcmp(v->resp_saddr, g->resp_saddr, 16) && v->cnp_cap == g->cnp_cap;
}

int group_write(int fd, const struct group_cfg *g, const struct branch_cfg *br, int nbr,
		bool set_branches, bool *changed)
{
	struct endmt_group *cur, *nv;
	bool exists, dirty = false;
	uint32_t i;
	int err, j, k;

	*changed = false;
	cur = calloc(1, sizeof(*cur));
	nv = calloc(1, sizeof(*nv));
	if (!cur || !nv) {
		err = -ENOMEM;
		goto out;
	}
	err = group_lookup(fd, &g->key, cur);
	if (err && err != -ENOENT)
		goto out;
	exists = !err;
	err = 0;
	if (exists) {
		*nv = *cur;
		if (!cfg_equal(cur, g))
			dirty = true;
		if (cur->start_psn != g->start_psn) {
			/* New start PSN: branches that never acknowledged move to
			 * the new "start - 1"; acknowledged state is real, kept. */
			for (i = 0; i < nv->nbranches && i < ENDMT_MAX_BRANCHES; i++)
				if (!(nv->br[i].flags & ENDMT_BR_ACKED))
					nv->br[i].ack_psn = endmt_psn_add(g->start_psn, -1);
		}
	} else {
		dirty = true;
	}
	nv->flags = g->flags;
	nv->start_psn = g->start_psn;
	nv->src_qpn = g->src_qpn;
	memcpy(nv->src_addr, g->src_addr, 16);
	memcpy(nv->resp_saddr, g->resp_saddr, 16);
	nv->cnp_cap = g->cnp_cap;
	if (!exists)
		nv->fwd_ack_psn = endmt_psn_add(g->start_psn, -1);

	if (set_branches) {
		/* Exactly the given set, in the given order; state of a branch
		 * that stays is carried over. */
		struct endmt_branch tmp[ENDMT_MAX_BRANCHES];

		if (nbr > ENDMT_MAX_BRANCHES) {
			err = -E2BIG;
			goto out;
		}
		for (j = 0; j < nbr; j++) {
			k = exists ? find_branch(cur, br[j].id) : -1;
			if (k >= 0) {
				tmp[j] = cur->br[k];
				tmp[j].psn_offset = br[j].psn_offset;
			} else {
				branch_init(&tmp[j], br[j].id, br[j].psn_offset, g->start_psn);
			}
		}
		if (!exists || cur->nbranches != (uint32_t)nbr ||
		    memcmp(cur->br, tmp, nbr * sizeof(tmp[0])))
			dirty = true;
		memset(nv->br, 0, sizeof(nv->br));
		memcpy(nv->br, tmp, nbr * sizeof(tmp[0]));
		nv->nbranches = nbr;
	}
	if (dirty) {
		err = group_update(fd, &g->key, nv);
		*changed = !err;
	}
out:
	free(cur);
	free(nv);
	return err;
}

int branch_write(int fd, const struct endmt_group_key *key, const uint8_t id[16],
		 int32_t psn_offset, bool del, bool *changed)
{
	struct endmt_group *v;
	int err, k;

	*changed = false;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = group_lookup(fd, key, v);
	if (err)
		goto out;
	k = find_branch(v, id);
	if (del) {
		if (k < 0) {
			err = -ENOENT;
			goto out;
		}
		memmove(&v->br[k], &v->br[k + 1], (v->nbranches - k - 1) * sizeof(v->br[0]));
		v->nbranches--;
		memset(&v->br[v->nbranches], 0, sizeof(v->br[0]));
	} else if (k >= 0) {
		if (v->br[k].psn_offset == psn_offset)
			goto out;	/* already there, state kept */
		v->br[k].psn_offset = psn_offset;
	} else {
		if (v->nbranches >= ENDMT_MAX_BRANCHES) {
			err = -ENOSPC;
			goto out;
		}
		branch_init(&v->br[v->nbranches], id, psn_offset, v->start_psn);
		v->nbranches++;
	}
	err = group_update(fd, key, v);
	*changed = !err;
out:
	free(v);
	return err;
}

/* Generic "write if different" for the plain maps; *changed says if it did. */
int map_set(int fd, const void *key, const void *val, size_t vsize, bool *changed)
{
	uint8_t cur[sizeof(struct endmt_encap)];
	int err = 0;

	*changed = false;
	if (vsize > sizeof(cur))
		return -EINVAL;
	if (!bpf_map_lookup_elem(fd, key, cur) && !memcmp(cur, val, vsize))
		return 0;
	if (bpf_map_update_elem(fd, key, val, BPF_ANY))
		err = -errno;
	*changed = !err;
	return err;
}

int map_del(int fd, const void *key)
{
	if (bpf_map_delete_elem(fd, key))
		return -errno;
	return 0;
}

int proxy_sync(const struct endmt_maps_fds *m, const uint8_t proxy[16])
{
	struct endmt_group_key k, *prev = NULL;
	struct endmt_proxy_key pk = {};
	__u32 n = 0, cur;

	while (!bpf_map_get_next_key(m->groups, prev, &k)) {
		prev = &k;
		n += !memcmp(k.proxy, proxy, 16);
	}
	memcpy(pk.addr, proxy, 16);
	if (!n) {
		if (bpf_map_delete_elem(m->proxies, &pk) && errno != ENOENT)
			return -errno;
		return 0;
	}
	if (!bpf_map_lookup_elem(m->proxies, &pk, &cur) && cur == n)
		return 0;
	if (bpf_map_update_elem(m->proxies, &pk, &n, BPF_ANY))
		return -errno;
	return 0;
}

static void report(bool changed, const char *what, const char *verb)
{
	if (env.json)
		printf("{\"changed\":%s}\n", changed ? "true" : "false");
	else
		printf("%s %s\n", what, changed ? verb : "unchanged");
}

/* Opens the maps (creating them) and takes the lock: every change runs
 * between cfg_begin and cfg_end. */
int cfg_begin(struct endmt_maps_fds *m, int *lock)
{
	int err;

	*lock = -1;
	err = pin_root_prepare();
	if (err)
		return err;
	err = pin_lock(lock);	/* before creating maps: two first users do not race */
	if (err)
		return err;
	err = maps_open(m, true);
	if (err) {
		pin_unlock(*lock);
		*lock = -1;
	}
	return err;
}

void cfg_end(struct endmt_maps_fds *m, int lock)
{
	pin_unlock(lock);
	maps_close(m);
}

/* ---- group add / del ---- */

struct group_args {
	struct in6_addr proxy, src, resp_saddr;
	uint32_t dqpn, start_psn, src_qpn, cnp_cap;
	bool head, src_set, src_qpn_set, resp_set, by_set;
	int branch_by;
};

static const char *const by_names[] = { "addr", "ifindex", NULL };

static int group_add_run(void *p)
{
	struct group_args *a = p;
	struct endmt_maps_fds m;
	struct group_cfg g = {};
	char what[80], b[INET6_ADDRSTRLEN];
	bool changed;
	int lock, err;

	if (a->head && (!a->src_set || !a->src_qpn_set)) {
		errorf("group add: --head needs --src ADDR and --src-qpn N (the source's "
		       "address and QPN, where responses are sent)");
		return -EINVAL;
	}
	if (!a->head && (a->src_set || a->src_qpn_set)) {
		errorf("group add: --src/--src-qpn only make sense with --head");
		return -EINVAL;
	}
	group_key_make(&g.key, &a->proxy, a->dqpn);
	g.start_psn = a->start_psn;
	g.cnp_cap = a->cnp_cap;
	/* The head's branches are its downstream interfaces unless told. */
	if (a->by_set ? a->branch_by == 1 : a->head)
		g.flags |= ENDMT_GF_BRANCH_IFINDEX;
	if (a->head) {
		g.flags |= ENDMT_GF_HEAD;
		memcpy(g.src_addr, &a->src, 16);
		g.src_qpn = a->src_qpn;
	}
	if (a->resp_set)
		memcpy(g.resp_saddr, &a->resp_saddr, 16);
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = group_write(m.groups, &g, NULL, 0, false, &changed);
	if (!err)
		err = proxy_sync(&m, g.key.proxy);
	cfg_end(&m, lock);
	snprintf(what, sizeof(what), "group %s/%u", addr_str(&a->proxy, b), a->dqpn);
	if (err) {
		errorf("group add: cannot write %s: %s", what, strerror(-err));
		return err;
	}
	report(changed, what, "written");
	return 0;
}

static int group_del_run(void *p)
{
	struct group_args *a = p;
	struct endmt_maps_fds m;
	struct endmt_group_key k;
	char b[INET6_ADDRSTRLEN];
	int lock, err;

	group_key_make(&k, &a->proxy, a->dqpn);
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = map_del(m.groups, &k);
	if (!err)
		err = proxy_sync(&m, k.proxy);
	cfg_end(&m, lock);
	if (err) {
		errorf("group del: group %s/%u: %s", addr_str(&a->proxy, b), a->dqpn,
		       err == -ENOENT ? "no such group (see endmt show)" : strerror(-err));
		return err;
	}
	report(true, "group", "deleted");
	return 0;
}

#define O(f) offsetof(struct group_args, f)
#define QPN_MAX 16777215
static const struct opt group_add_opts[] = {
	{ "proxy", OPT_ADDR, O(proxy), NOSET, "ADDR", "Proxy Address (inner DA of the group)", 0, 0, NULL, true, false },
	{ "dqpn", OPT_U32, O(dqpn), NOSET, "N", "Designated QPN", 0, QPN_MAX, NULL, true, false },
	{ "start-psn", OPT_U32, O(start_psn), NOSET, "N", "the source's initial PSN (default 0)", 0, QPN_MAX, NULL, false, false },
	{ "head", OPT_FLAG, O(head), NOSET, NULL, "this node is the head: rewrite responses toward the source", 0, 0, NULL, false, false },
	{ "src", OPT_ADDR, O(src), O(src_set), "ADDR", "source address (with --head)", 0, 0, NULL, false, false },
	{ "src-qpn", OPT_U32, O(src_qpn), O(src_qpn_set), "N", "source QPN (with --head)", 0, QPN_MAX, NULL, false, false },
	{ "branch-by", OPT_ENUM, O(branch_by), O(by_set), "KIND", "what a branch is; default ifindex with --head, else addr", 0, 0, by_names, false, false },
	{ "cnp-cap", OPT_U32, O(cnp_cap), NOSET, "N", "CNPs counted per branch per window, 0 = no cap", 0, UINT32_MAX, NULL, false, false },
	{ "resp-saddr", OPT_ADDR, O(resp_saddr), O(resp_set), "ADDR", "source address of CNPs this node sends", 0, 0, NULL, false, false },
	{}
};
static const struct opt group_del_opts[] = {
	{ "proxy", OPT_ADDR, O(proxy), NOSET, "ADDR", "Proxy Address", 0, 0, NULL, true, false },
	{ "dqpn", OPT_U32, O(dqpn), NOSET, "N", "Designated QPN", 0, QPN_MAX, NULL, true, false },
	{}
};
#undef O

const struct cmd cmd_group_add = {
	"group add", "Create a group or update its configuration (branch state is kept).",
	group_add_opts, sizeof(struct group_args), NULL, group_add_run,
};
const struct cmd cmd_group_del = {
	"group del", "Delete a group with its branches and their state.",
	group_del_opts, sizeof(struct group_args), NULL, group_del_run,
};

/* ---- branch add / del ---- */

struct branch_args {
	struct in6_addr proxy, addr;
	uint32_t dqpn;
	int32_t psn_offset;
	const char *dev;
	bool addr_set, off_set;
};

static int branch_run(struct branch_args *a, bool del)
{
	const char *cmd = del ? "branch del" : "branch add";
	struct endmt_maps_fds m;
	struct endmt_group_key k;
	struct endmt_group *g = NULL;
	char b[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	uint8_t id[16];
	bool changed, by_if;
	unsigned int ifindex = 0;
	int lock, err;

	if (!!a->addr_set == !!a->dev) {
		errorf("%s: give exactly one of --addr ADDR (receiver) or --dev DEV "
		       "(downstream interface)", cmd);
		return -EINVAL;
	}
	if (a->dev && a->off_set) {
		errorf("%s: --psn-offset applies to receiver branches (--addr) only", cmd);
		return -EINVAL;
	}
	if (a->dev) {
		ifindex = if_nametoindex(a->dev);
		if (!ifindex) {
			errorf("%s: unknown device '%s' (see ip link)", cmd, a->dev);
			return -ENODEV;
		}
		branch_id_ifindex(id, ifindex);
	} else {
		memcpy(id, &a->addr, 16);
	}
	group_key_make(&k, &a->proxy, a->dqpn);
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	g = calloc(1, sizeof(*g));
	if (!g) {
		err = -ENOMEM;
		goto out;
	}
	if (bpf_map_lookup_elem_flags(m.groups, &k, g, BPF_F_LOCK)) {
		err = -errno;
		errorf("%s: group %s/%u: %s", cmd, addr_str(&a->proxy, b), a->dqpn,
		       err == -ENOENT ? "no such group (endmt group add first)" : strerror(-err));
		goto out;
	}
	by_if = g->flags & ENDMT_GF_BRANCH_IFINDEX;
	if (by_if != !!a->dev) {
		errorf("%s: group %s/%u branches by %s; use %s", cmd, addr_str(&a->proxy, b),
		       a->dqpn, by_if ? "interface" : "receiver address",
		       by_if ? "--dev DEV" : "--addr ADDR");
		err = -EINVAL;
		goto out;
	}
	err = branch_write(m.groups, &k, id, a->psn_offset, del, &changed);
	if (err) {
		errorf("%s: branch %s of group %s/%u: %s", cmd,
		       a->dev ? a->dev : addr_str(&a->addr, b2), addr_str(&a->proxy, b), a->dqpn,
		       err == -ENOENT ? "no such branch" :
		       err == -ENOSPC ? "group already has 64 branches" : strerror(-err));
		goto out;
	}
	report(changed, "branch", del ? "deleted" : "written");
out:
	free(g);
	cfg_end(&m, lock);
	return err;
}

static int branch_add_run(void *p) { return branch_run(p, false); }
static int branch_del_run(void *p) { return branch_run(p, true); }

#define O(f) offsetof(struct branch_args, f)
static const struct opt branch_add_opts[] = {
	{ "proxy", OPT_ADDR, O(proxy), NOSET, "ADDR", "Proxy Address of the group", 0, 0, NULL, true, false },
	{ "dqpn", OPT_U32, O(dqpn), NOSET, "N", "Designated QPN of the group", 0, QPN_MAX, NULL, true, false },
	{ "addr", OPT_ADDR, O(addr), O(addr_set), "ADDR", "receiver address (groups branching by addr)", 0, 0, NULL, false, false },
	{ "psn-offset", OPT_S32, O(psn_offset), O(off_set), "N", "receiver PSN minus source PSN (with --addr)", -QPN_MAX, QPN_MAX, NULL, false, false },
	{ "dev", OPT_STR, O(dev), NOSET, "DEV", "downstream interface (groups branching by ifindex)", 0, 0, NULL, false, false },
	{}
};
static const struct opt branch_del_opts[] = {
	{ "proxy", OPT_ADDR, O(proxy), NOSET, "ADDR", "Proxy Address of the group", 0, 0, NULL, true, false },
	{ "dqpn", OPT_U32, O(dqpn), NOSET, "N", "Designated QPN of the group", 0, QPN_MAX, NULL, true, false },
	{ "addr", OPT_ADDR, O(addr), O(addr_set), "ADDR", "receiver address", 0, 0, NULL, false, false },
	{ "dev", OPT_STR, O(dev), NOSET, "DEV", "downstream interface", 0, 0, NULL, false, false },
	{}
};
#undef O

const struct cmd cmd_branch_add = {
	"branch add", "Add a downstream branch to a group (an existing branch keeps its state).",
	branch_add_opts, sizeof(struct branch_args), NULL, branch_add_run,
};
const struct cmd cmd_branch_del = {
	"branch del", "Remove a branch from a group.",
	branch_del_opts, sizeof(struct branch_args), NULL, branch_del_run,
};

/* ---- sid add / del ---- */

struct sid_args {
	struct in6_addr sid, edge;
	uint32_t max_rcv;
};

static void sid_defaults(void *p)
{
	((struct sid_args *)p)->max_rcv = ENDMT_DEF_MAX_RCV;
}

static int sid_run(struct sid_args *a, bool del)
{
	struct endmt_maps_fds m;
	struct endmt_sid_key k = {};
	struct endmt_sid v = {};
	char b[INET6_ADDRSTRLEN];
	bool changed = true;
	int lock, err;

	memcpy(k.sid, &a->sid, 16);
	memcpy(v.edge, &a->edge, 16);
	v.flags = ENDMT_SID_F_ENDMT;
	v.max_rcv = a->max_rcv;
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = del ? map_del(m.sids, &k) : map_set(m.sids, &k, &v, sizeof(v), &changed);
	cfg_end(&m, lock);
	if (err) {
		errorf("sid %s: %s: %s", del ? "del" : "add", addr_str(&a->sid, b),
		       err == -ENOENT ? "no such SID" :
		       err == -E2BIG ? "SID table full (256)" : strerror(-err));
		return err;
	}
	report(changed, "sid", del ? "deleted" : "written");
	return 0;
}

static int sid_add_run(void *p) { return sid_run(p, false); }
static int sid_del_run(void *p) { return sid_run(p, true); }

#define O(f) offsetof(struct sid_args, f)
static const struct opt sid_add_opts[] = {
	{ "sid", OPT_ADDR, O(sid), NOSET, "SID", "the End.MT SID (unicast or multicast address)", 0, 0, NULL, true, true },
	{ "edge", OPT_ADDR, O(edge), NOSET, "ADDR", "this node's Edge Node Address, matched in TLVs", 0, 0, NULL, true, false },
	{ "max-receivers", OPT_U32, O(max_rcv), NOSET, "N", "receivers accepted per packet (default 64)", 1, ENDMT_MAX_RCV, NULL, false, false },
	{}
};
static const struct opt sid_del_opts[] = {
	{ "sid", OPT_ADDR, O(sid), NOSET, "SID", "the End.MT SID", 0, 0, NULL, true, true },
	{}
};
#undef O

const struct cmd cmd_sid_add = {
	"sid add", "Instantiate an End.MT SID on this node.",
	sid_add_opts, sizeof(struct sid_args), sid_defaults, sid_add_run,
};
const struct cmd cmd_sid_del = {
	"sid del", "Remove a local End.MT SID.",
	sid_del_opts, sizeof(struct sid_args), sid_defaults, sid_del_run,
};

/* ---- receiver add / del ---- */

struct rcv_args {
	struct in6_addr addr;
	uint32_t qpn, rkey;
	int32_t psn_offset;
	uint64_t va_delta;
	bool va_set, rkey_set;
};

static int rcv_run(struct rcv_args *a, bool del)
{
	struct endmt_maps_fds m;
	struct endmt_rcv_key k = {};
	struct endmt_rcv_xlate v = {};
	char b[INET6_ADDRSTRLEN];
	bool changed = true;
	int lock, err;

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
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = del ? map_del(m.xlate, &k) : map_set(m.xlate, &k, &v, sizeof(v), &changed);
	cfg_end(&m, lock);
	if (err) {
		errorf("receiver %s: %s/%u: %s", del ? "del" : "add", addr_str(&a->addr, b),
		       a->qpn, err == -ENOENT ? "no such receiver" : strerror(-err));
		return err;
	}
	report(changed, "receiver", del ? "deleted" : "written");
	return 0;
}

static int rcv_add_run(void *p) { return rcv_run(p, false); }
static int rcv_del_run(void *p) { return rcv_run(p, true); }

#define O(f) offsetof(struct rcv_args, f)
static const struct opt rcv_add_opts[] = {
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
	"receiver add", "Set a receiver's PSN offset / RETH translation (edge).",
	rcv_add_opts, sizeof(struct rcv_args), NULL, rcv_add_run,
};
const struct cmd cmd_receiver_del = {
	"receiver del", "Remove a receiver's translation.",
	rcv_del_opts, sizeof(struct rcv_args), NULL, rcv_del_run,
};
