// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt group add/del and branch add/del (operations in config.c). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "endmt.h"
#include "config.h"


/* ---- group add / del ---- */

struct group_args {
	struct in6_addr proxy, src, resp_saddr;
	uint32_t dqpn, start_psn, src_qpn, cnp_cap, cnp_rate, cnp_burst;
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
	g.cnp_rate = a->cnp_rate;
	g.cnp_burst = a->cnp_burst;
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
	/* The head and an edge (branches by address) forward the group's
	 * data: their responses are held to it, as apply does. */
	if (a->head || !(g.flags & ENDMT_GF_BRANCH_IFINDEX))
		g.flags |= ENDMT_GF_PSN_GUARD;
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
	report_change(changed, what, "written");
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
	report_change(true, "group", "deleted");
	return 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)	/* a default in a help text, as the code has it */

static void group_add_defaults(void *p)
{
	struct group_args *a = p;

	a->cnp_rate = ENDMT_CNP_RATE_DEF;
	a->cnp_burst = ENDMT_CNP_BURST_DEF;
}

#define O(f) offsetof(struct group_args, f)
static const struct opt group_add_opts[] = {
	{ "proxy", OPT_ADDR, O(proxy), NOSET, "ADDR", "Proxy Address (inner DA of the group)", 0, 0, NULL, true, false },
	{ "dqpn", OPT_U32, O(dqpn), NOSET, "N", "Designated QPN", 0, QPN_MAX, NULL, true, false },
	{ "start-psn", OPT_U32, O(start_psn), NOSET, "N", "the source's initial PSN (default 0)", 0, QPN_MAX, NULL, false, false },
	{ "head", OPT_FLAG, O(head), NOSET, NULL, "this node is the head: rewrite responses toward the source", 0, 0, NULL, false, false },
	{ "src", OPT_ADDR, O(src), O(src_set), "ADDR", "source address (with --head)", 0, 0, NULL, false, false },
	{ "src-qpn", OPT_U32, O(src_qpn), O(src_qpn_set), "N", "source QPN (with --head)", 0, QPN_MAX, NULL, false, false },
	{ "branch-by", OPT_ENUM, O(branch_by), O(by_set), "KIND", "what a branch is; default ifindex with --head, else addr", 0, 0, by_names, false, false },
	{ "cnp-cap", OPT_U32, O(cnp_cap), NOSET, "N", "CNPs counted per branch per window, 0 = no cap", 0, UINT32_MAX, NULL, false, false },
	{ "cnp-rate", OPT_U32, O(cnp_rate), NOSET, "N", "CNPs the agent sends upstream per second, 0 = no limit (default " STR(ENDMT_CNP_RATE_DEF) ")", 0, ENDMT_CNP_RATE_MAX, NULL, false, false },
	{ "cnp-burst", OPT_U32, O(cnp_burst), NOSET, "N", "depth of that token bucket: CNPs it may send back to back (default " STR(ENDMT_CNP_BURST_DEF) ")", 1, ENDMT_CNP_BURST_MAX, NULL, false, false },
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
	group_add_opts, sizeof(struct group_args), group_add_defaults, group_add_run,
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

/* A receiver branch's PSN offset is also the forward path's translation of
 * the receiver QP at that address (receiver add sets both): without
 * --psn-offset, take the receiver's; with it, it must agree. */
static int branch_rcv_check(const struct endmt_maps_fds *m, struct branch_args *a,
			    const struct endmt_group_key *k)
{
	char b[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	struct endmt_rcv_key rk = {};
	uint32_t qpn;
	int32_t off;
	int n, err;

	n = rcv_group_qpns(m->rcv_group, k, (const uint8_t *)&a->addr, &qpn, 1);
	if (n <= 0) {
		if (n < 0)
			errorf("branch add: reading endmt_rcv_group: %s", strerror(-n));
		return n;
	}
	memcpy(rk.addr, &a->addr, 16);
	rk.qpn = qpn;
	err = rcv_psn_offset(m->rcv_xlate, &rk, &off);
	if (err) {
		errorf("branch add: reading the translation of %s/%u: %s",
		       addr_str(&a->addr, b), qpn, strerror(-err));
		return err;
	}
	if (!a->off_set) {
		a->psn_offset = off;
		return 0;
	}
	if (a->psn_offset == off)
		return 0;
	errorf("branch add: --psn-offset %d for %s in group %s/%u contradicts receiver %s/%u, "
	       "whose PSN offset is %d (the forward and the reverse path would disagree); "
	       "change it with 'endmt receiver add', which sets both",
	       a->psn_offset, addr_str(&a->addr, b), addr_str(&a->proxy, b2), a->dqpn,
	       addr_str(&a->addr, b), qpn, off);
	return -EINVAL;
}

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
	err = cfg_group_get(&m, &k, cmd, &g);
	if (err)
		goto out;
	by_if = g->flags & ENDMT_GF_BRANCH_IFINDEX;
	if (by_if != !!a->dev) {
		errorf("%s: group %s/%u branches by %s; use %s", cmd, addr_str(&a->proxy, b),
		       a->dqpn, by_if ? "interface" : "receiver address",
		       by_if ? "--dev DEV" : "--addr ADDR");
		err = -EINVAL;
		goto out;
	}
	if (!del && !by_if) {
		err = branch_rcv_check(&m, a, &k);
		if (err)
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
	report_change(changed, "branch", del ? "deleted" : "written");
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
