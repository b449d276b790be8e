/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The counter contract (include/endmt/stats.h): every run of every endmt
 * program counts exactly one counter of kind VERDICT; events may add any
 * number.  A table of packets goes through each role's XDP and TC programs
 * with BPF_PROG_TEST_RUN, chosen where a verdict and another counter meet:
 * a response to a known group (resp_rx and the aggregation verdict), a
 * packet to a local Replication SID (its copies, and at the head the
 * encapsulation step before it), and traffic that is not endmt's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "resp_fx.h"
#include "repl_util.h"
#include "head.skel.h"

#define QPN      0x123
#define BRANCH   "fd00:1::10"
#define OTHER_DA "fd00:d9::1"
#define DOWN_SID "fd00:d3::1"	/* no route here: an event, not a verdict */

enum frame { F_RESP, F_RSID, F_OTHER };

struct role {
	const char *name;
	struct bpf_object *obj;
	void *skel;
	void (*destroy)(void *);
	char root[128];
	int xdp, tc, stats;
};

static void destroy_edge(void *s) { endmt_edge__destroy(s); }
static void destroy_head(void *s) { endmt_head__destroy(s); }
static void destroy_transit(void *s) { endmt_transit__destroy(s); }

#define ROLE_OPEN(r, type, destroy_fn) ({				\
	struct type *___s;						\
	int ___e = TU_SKEL_OPEN(type, &___s, (r)->root);		\
									\
	if (!___e) {							\
		(r)->skel = ___s;					\
		(r)->destroy = destroy_fn;				\
		(r)->obj = ___s->obj;					\
		___e = type##__load(___s);				\
	}								\
	___e;								\
})

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -ENOENT;
}

static void role_close(struct role *r)
{
	if (r->skel)
		r->destroy(r->skel);
	r->skel = NULL;
	if (r->root[0])
		tu_pin_root_remove(r->root);
	r->root[0] = 0;
}

/* A group with one branch, a Proxy Address and a Replication SID, written
 * into the role's own pinned maps. */
static int role_config(struct role *r)
{
	struct resp_fx fx = {};
	struct endmt_group g;
	const char *down[] = { DOWN_SID };
	int err;

	fx.groups = bpf_object__find_map_fd_by_name(r->obj, "endmt_groups");
	fx.proxies = bpf_object__find_map_fd_by_name(r->obj, "endmt_proxies");
	r->stats = bpf_object__find_map_fd_by_name(r->obj, "endmt_stats");
	resp_group_init(&g, 0, 100);
	resp_branch_addr(&g, BRANCH, 0);
	err = resp_group_put(&fx, PROXY, QPN, &g);
	if (err)
		return err;
	return ru_repl_set(bpf_object__find_map_fd_by_name(r->obj, "endmt_repl"), RSID, 1,
			   down, 1);
}

static size_t build(enum frame f, uint8_t *out)
{
	static const uint8_t dmac[6] = { 2, 0, 0, 0, 0, 2 }, smac[6] = { 2, 0, 0, 0, 0, 1 };
	struct resp_spec rs = { .sa = BRANCH, .da = PROXY, .syn = RESP_SYN_ACK,
				.dqpn = QPN, .psn = 100 };
	int n;

	memset(out, 0, EU_MAXPKT);
	switch (f) {
	case F_RESP:
		n = resp_build(out, EU_MAXPKT, &rs);
		return n < 0 ? 0 : (size_t)n;
	case F_RSID:		/* IPv6-in-IPv6 to the Replication SID */
		out[54] = 0x60;
		return ru_plain_frame(out, RSID, 64, ENDMT_NEXTHDR_IPV6, dmac, smac, 64);
	case F_OTHER:		/* UDP to nobody of ours */
		return ru_plain_frame(out, OTHER_DA, 64, ENDMT_NEXTHDR_UDP, dmac, smac, 16);
	}
	return 0;
}

/* Runs frame f through prog once: exactly one verdict counter moves, by one. */
static void run_one(struct role *r, const char *prog, int fd, enum frame f, const char *what)
{
	static uint8_t in[EU_MAXPKT], out[EU_MAXPKT];
	uint64_t a[ENDMT_STAT_MAX], b[ENDMT_STAT_MAX], verdicts = 0;
	size_t len = build(f, in), out_len = sizeof(out);
	uint32_t retval, i;
	char name[128];

	snprintf(name, sizeof(name), "%s/%s/%s", r->name, prog, what);
	if (!ASSERT_GE(fd, 0, name) || !ASSERT_GE(len, 54, name))
		return;
	tu_stats_read(r->stats, a);
	if (!ASSERT_OK(tu_prog_run(fd, in, len, out, &out_len, &retval), name))
		return;
	tu_stats_read(r->stats, b);
	for (i = 0; i < ENDMT_STAT_MAX; i++) {
		if (endmt_stat_kind(i) != ENDMT_STAT_KIND_VERDICT || b[i] == a[i])
			continue;
		verdicts += b[i] - a[i];
	}
	if (ASSERT_EQ(verdicts, 1, name))
		return;
	for (i = 0; i < ENDMT_STAT_MAX; i++)
		if (b[i] != a[i])
			printf("    %s: %s %s +%llu\n", name,
			       endmt_stat_kind(i) == ENDMT_STAT_KIND_VERDICT ? "verdict" : "event",
			       tu_stat_names[i], (unsigned long long)(b[i] - a[i]));
}

static void check_role(struct role *r, const char *xdp, const char *tc)
{
	static const struct { enum frame f; const char *what; } t[] = {
		{ F_RESP, "response" },
		{ F_RSID, "replication_sid" },
		{ F_OTHER, "not_ours" },
	};
	size_t i;

	if (!ASSERT_OK(role_config(r), "configure"))
		return;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		run_one(r, "xdp", prog_fd(r->obj, xdp), t[i].f, t[i].what);
		run_one(r, "tc", prog_fd(r->obj, tc), t[i].f, t[i].what);
	}
}

void test_verdicts(void)
{
	struct role r;

	if (test__start_subtest("edge")) {
		memset(&r, 0, sizeof(r));
		r.name = "edge";
		if (ASSERT_OK(ROLE_OPEN(&r, endmt_edge, destroy_edge), "open edge"))
			check_role(&r, "endmt_edge_xdp", "endmt_edge_tc");
		role_close(&r);
	}
	if (test__start_subtest("head")) {
		memset(&r, 0, sizeof(r));
		r.name = "head";
		if (ASSERT_OK(ROLE_OPEN(&r, endmt_head, destroy_head), "open head"))
			check_role(&r, "endmt_head_xdp", "endmt_head_tc");
		role_close(&r);
	}
	if (test__start_subtest("transit")) {
		memset(&r, 0, sizeof(r));
		r.name = "transit";
		if (ASSERT_OK(ROLE_OPEN(&r, endmt_transit, destroy_transit), "open transit"))
			check_role(&r, "endmt_transit_xdp", "endmt_transit_tc");
		role_close(&r);
	}
}
