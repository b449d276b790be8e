/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The counter contract (include/endmt/stats.h): every run of every endmt
 * program counts exactly one counter of kind VERDICT; events may add any
 * number.  A table of packets goes through each role's XDP and TC programs
 * with BPF_PROG_TEST_RUN, chosen where a verdict and another counter meet:
 * a response to a known group (resp_rx and the aggregation verdict), a
 * packet to a local Replication SID (its copies), a group packet whose
 * template's DA is that Replication SID (at the head: encapsulated, then
 * replicated), and traffic that is not endmt's.  Each case also names the
 * verdict it must end with. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "resp_fx.h"
#include "repl_util.h"
#include "encap_tmpl.h"
#include "head.skel.h"

#define QPN      0x123
#define BRANCH   "fd00:1::10"
#define OTHER_DA "fd00:d9::1"
#define DOWN_SID "fd00:d3::1"	/* no route here: an event, not a verdict */
#define SRC      "fd00:5::1"	/* the group's source */
#define EDGE     "fd00:1::1"
#define RCV      "fd00:1::2"

enum frame { F_RESP, F_RSID, F_GROUP, F_OTHER };

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

/* A group with one branch, a Proxy Address, a Replication SID and a
 * template [Proxy, RSID] SL 1 (so DA = RSID), written into the role's own
 * pinned maps. */
static int role_config(struct role *r)
{
	struct endmt_rcv_ent rcv = { .addr = endmt_in6(RCV), .qpn = 0x77 };
	struct endmt_edge_ent edge = { .edge = endmt_in6(EDGE), .nrcv = 1, .rcv = &rcv };
	struct in6_addr segs[2] = { endmt_in6(PROXY), endmt_in6(RSID) }, outer = endmt_in6(HEADSA);
	struct endmt_group_key k = { .dqpn = QPN };
	struct resp_fx fx = {};
	struct endmt_encap tmpl;
	struct endmt_group g;
	const char *down[] = { DOWN_SID };
	int err;

	memcpy(k.proxy, &segs[0], 16);
	err = endmt_encap_template(&tmpl, &outer, segs, 2, 1, &edge, 1, 0);
	if (err)
		return err;
	if (bpf_map_update_elem(bpf_object__find_map_fd_by_name(r->obj, "endmt_encap"), &k,
				&tmpl, BPF_ANY))
		return -errno;

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
	case F_GROUP: {		/* the source's SEND to the group */
		struct endmt_roce_spec s = { .opcode = ENDMT_OP_SEND_ONLY, .dqpn = QPN,
					     .psn = 7, .paylen = 16 };
		static const uint8_t pay[16];

		memcpy(s.smac, smac, 6);
		memcpy(s.dmac, dmac, 6);
		s.saddr = endmt_in6(SRC);
		s.daddr = endmt_in6(PROXY);
		s.payload = pay;
		n = endmt_build_roce(out, EU_MAXPKT, &s);
		return n < 0 ? 0 : (size_t)n;
	}
	case F_RSID:		/* IPv6-in-IPv6 to the Replication SID */
		out[54] = 0x60;
		return ru_plain_frame(out, RSID, 64, ENDMT_NEXTHDR_IPV6, dmac, smac, 64);
	case F_OTHER:		/* UDP to nobody of ours */
		return ru_plain_frame(out, OTHER_DA, 64, ENDMT_NEXTHDR_UDP, dmac, smac, 16);
	}
	return 0;
}

/* Runs frame f through prog once: exactly one verdict counter moves, by
 * one, and it is want. */
static void run_one(struct role *r, const char *prog, int fd, enum frame f, const char *what,
		    enum endmt_stat want)
{
	static uint8_t in[EU_MAXPKT], out[EU_MAXPKT];
	uint64_t a[ENDMT_STAT_MAX], b[ENDMT_STAT_MAX], verdicts = 0;
	size_t len = build(f, in), out_len = sizeof(out);
	uint32_t retval, i;
	char name[128];
	bool ok;

	snprintf(name, sizeof(name), "%s/%s/%s", r->name, prog, what);
	if (!ASSERT_GE(fd, 0, name) || !ASSERT_GE(len, 54, name))
		return;
	tu_stats_read(r->stats, a);
	if (!ASSERT_OK(tu_prog_run(fd, in, len, out, &out_len, &retval), name))
		return;
	tu_stats_read(r->stats, b);
	for (i = 0; i < ENDMT_STAT_MAX; i++)
		if (endmt_stat_kind(i) == ENDMT_STAT_KIND_VERDICT)
			verdicts += b[i] - a[i];
	ok = ASSERT_EQ(verdicts, 1, name);
	ok &= ASSERT_EQ(b[want] - a[want], 1, tu_stat_names[want]);
	if (ok)
		return;
	printf("    %s, want %s:\n", name, tu_stat_names[want]);
	for (i = 0; i < ENDMT_STAT_MAX; i++)
		if (b[i] != a[i])
			printf("      %-7s %s +%llu\n",
			       endmt_stat_kind(i) == ENDMT_STAT_KIND_VERDICT ? "verdict" : "event",
			       tu_stat_names[i], (unsigned long long)(b[i] - a[i]));
}

struct vcase {
	enum frame f;
	const char *what;
	enum endmt_stat xdp, tc;	/* the verdict each program must count */
};

#define V(st) ENDMT_STAT_##st
/* A group packet (the source's data to a Proxy Address) is only the head's,
 * on its source link (endmt_head_xdp); anywhere else its XDP drops it. */
static const struct vcase edge_cases[] = {
	{ F_RESP,  "response",        V(RESP_ACK_FWD),  V(PASS_NOT_OURS) },
	{ F_RSID,  "replication_sid", V(PASS_NOT_OURS), V(PASS_NOT_OURS) },
	{ F_GROUP, "group_packet",    V(DROP_PROXY_DATA), V(PASS_NOT_OURS) },
	{ F_OTHER, "not_ours",        V(PASS_NOT_OURS), V(PASS_NOT_OURS) },
};
static const struct vcase head_cases[] = {
	/* An ACK from the source's side to a group's Proxy Address and QPN:
	 * only SEND and WRITE may go to a group. */
	{ F_RESP,  "response",        V(RESP_ACK_FWD),  V(DROP_HEAD_OPCODE) },
	{ F_RSID,  "replication_sid", V(PASS_NOT_OURS), V(REPL_RX) },
	{ F_GROUP, "group_packet",    V(PASS_NOT_OURS), V(HEAD_ENCAP) },
	{ F_OTHER, "not_ours",        V(PASS_NOT_OURS), V(PASS_NOT_OURS) },
};
static const struct vcase transit_cases[] = {
	{ F_RESP,  "response",        V(RESP_ACK_FWD),  V(PASS_NOT_OURS) },
	{ F_RSID,  "replication_sid", V(PASS_NOT_OURS), V(REPL_RX) },
	{ F_GROUP, "group_packet",    V(DROP_PROXY_DATA), V(PASS_NOT_OURS) },
	{ F_OTHER, "not_ours",        V(PASS_NOT_OURS), V(PASS_NOT_OURS) },
};
#undef V

static void check_role(struct role *r, const char *xdp, const char *tc,
		       const struct vcase *t, size_t n)
{
	size_t i;

	if (!ASSERT_OK(role_config(r), "configure"))
		return;
	for (i = 0; i < n; i++) {
		run_one(r, "xdp", prog_fd(r->obj, xdp), t[i].f, t[i].what, t[i].xdp);
		run_one(r, "tc", prog_fd(r->obj, tc), t[i].f, t[i].what, t[i].tc);
	}
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void test_verdicts(void)
{
	struct role r;

	if (test__start_subtest("edge")) {
		memset(&r, 0, sizeof(r));
		r.name = "edge";
		if (ASSERT_OK(ROLE_OPEN(&r, endmt_edge, destroy_edge), "open edge"))
			check_role(&r, "endmt_edge_xdp", "endmt_edge_tc", edge_cases,
				   NELEM(edge_cases));
		role_close(&r);
	}
	if (test__start_subtest("head")) {
		memset(&r, 0, sizeof(r));
		r.name = "head";
		if (ASSERT_OK(ROLE_OPEN(&r, endmt_head, destroy_head), "open head"))
			check_role(&r, "endmt_head_xdp", "endmt_head_tc", head_cases,
				   NELEM(head_cases));
		role_close(&r);
	}
	if (test__start_subtest("transit")) {
		memset(&r, 0, sizeof(r));
		r.name = "transit";
		if (ASSERT_OK(ROLE_OPEN(&r, endmt_transit, destroy_transit), "open transit"))
			check_role(&r, "endmt_transit_xdp", "endmt_transit_tc", transit_cases,
				   NELEM(transit_cases));
		role_close(&r);
	}
}
