/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reverse path (bpf/dp/resp_aggregate.h through the transit XDP program):
 * fixed response sequences, table-driven, with the verdict, the counter that
 * explains it, the forwarded PSN and the output bytes of every step compared
 * with an independently built packet. */
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include "resp_fx.h"
#include "wire.h"

#define PROXY "fd00:ff::1"
#define DQPN  0x1234
#define SRC   "fd00:10::2"
#define SRCQP 17
#define R1 "fd00:11::2"
#define R2 "fd00:12::2"
#define R3 "fd00:13::2"

/* K_DATA: not a response; the forward path (head or edge) notes that it
 * forwarded PSN psn (bpf/dp/data_psn.h), here written as it would write it
 * (test/unit/head.c and edge_xdp.c check that it does). */
enum { K_ACK, K_NAK, K_RNR, K_FATAL, K_CNP, K_RNR10, K_DATA };

struct step {
	int br;			/* index into the case's branch names / ifindexes */
	int kind;
	uint32_t psn;		/* on the wire (receiver PSN space) */
	int act;		/* XDP_PASS or XDP_DROP */
	enum endmt_stat stat;
	uint32_t out_psn;	/* forwarded BTH.PSN, source space */
	uint32_t out_msn;	/* forwarded AETH MSN; 0: the input's */
	uint8_t in_credit;	/* an ACK's credit code; 0: 31 ("invalid") */
	uint8_t out_credit;	/* forwarded ACK's credit code; 0: 31 */
};

struct rcase {
	const char *name;
	uint32_t flags;		/* group flags */
	uint32_t start;
	uint32_t cnp_cap;
	int32_t off[3];		/* per-branch psn_offset (address branches) */
	int nbr;
	int nsteps;
	struct step steps[20];
	/* branch state expected at the end (ACKED implied when ack given) */
	uint32_t end_ccount[3];
};

static const char *const rcv[3] = { R1, R2, R3 };
static uint32_t ifx[3];		/* ifindexes for ifindex-branch cases */
static char veth_a[IFNAMSIZ], veth_b[IFNAMSIZ];

static uint8_t syn_of(int kind)
{
	switch (kind) {
	case K_NAK: return RESP_SYN_NAK_SEQ;
	case K_RNR: return RESP_SYN_RNR;
	case K_RNR10: return RESP_SYN_RNR10;
	case K_FATAL: return RESP_SYN_NAK_RACC;
	default: return RESP_SYN_ACK;
	}
}

#define S(b, k, p, a, st, o) { b, k, p, a, ENDMT_STAT_##st, o, 0, 0, 0 }
/* a forwarded ACK whose MSN is another branch's (the one at the minimum) */
#define SM(b, k, p, a, st, o, msn) { b, k, p, a, ENDMT_STAT_##st, o, msn, 0, 0 }
/* an ACK with credit code ic; forwarded with credit code oc */
#define SC(b, p, a, st, o, msn, ic, oc) { b, K_ACK, p, a, ENDMT_STAT_##st, o, msn, ic, oc }
/* the MSN step_pkt gives an ACK sent at wire PSN p */
#define MSN(p) (((p) + 0x42) & 0xffffff)
#define M24(x) ((uint32_t)(x) & 0xffffff)
/* the forward path forwarded data up to source PSN p */
#define D(p) { 0, K_DATA, p, 0, ENDMT_STAT_PASS_NOT_OURS, 0, 0, 0, 0 }
#define GUARD ENDMT_GF_PSN_GUARD

static const struct rcase cases[] = {
	{ "ack_min_absorb_wrap", 0, 0xfffff0, 0, { 0, 0x100, -5 }, 3, 9, {
		/* min waits for every branch: start - 1 counts as "nothing" */
		S(0, K_ACK, 0xfffff5, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(1, K_ACK, M24(0xfffff3 + 0x100), XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(2, K_ACK, M24(0xfffff2 - 5), XDP_PASS, RESP_ACK_FWD, 0xfffff2),
		/* the same AckPSN again: a repetition, not a reordering */
		S(2, K_ACK, M24(0xfffff2 - 5), XDP_DROP, RESP_ACK_DUP, 0),
		/* across 2^24; the MSN is the minimum's (R2's) */
		SM(2, K_ACK, M24(0x000004 - 5), XDP_PASS, RESP_ACK_FWD, 0xfffff3,
		   MSN(M24(0xfffff3 + 0x100))),
		S(0, K_ACK, 0xfffff4, XDP_DROP, RESP_ACK_STALE, 0),
		SM(1, K_ACK, M24(0x000002 + 0x100), XDP_PASS, RESP_ACK_FWD, 0xfffff5,
		   MSN(0xfffff5)),
		SM(0, K_ACK, 0x000010, XDP_PASS, RESP_ACK_FWD, 0x000002, MSN(0x000102)),
		S(1, K_ACK, M24(0x000003 + 0x100), XDP_PASS, RESP_ACK_FWD, 0x000003),
	}, { 0, 0, 0 } },
	/* The forwarded ACK is lost upstream: the source resends, every
	 * receiver answers with its AckPSN again, and once every branch has
	 * repeated itself the minimum goes up again (no earlier, and once per
	 * round of repetitions). */
	{ "ack_repeated_after_every_branch", 0, 100, 0, { 0, 0, 0 }, 3, 13, {
		S(0, K_ACK, 110, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(1, K_ACK, 108, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(2, K_ACK, 105, XDP_PASS, RESP_ACK_FWD, 105),
		S(2, K_ACK, 105, XDP_DROP, RESP_ACK_DUP, 0),
		S(2, K_ACK, 105, XDP_DROP, RESP_ACK_DUP, 0),
		S(0, K_ACK, 110, XDP_DROP, RESP_ACK_DUP, 0),
		S(0, K_ACK, 109, XDP_DROP, RESP_ACK_STALE, 0),
		SM(1, K_ACK, 108, XDP_PASS, RESP_ACK_REPEAT, 105, MSN(105)),
		S(1, K_ACK, 108, XDP_DROP, RESP_ACK_DUP, 0),
		S(0, K_ACK, 110, XDP_DROP, RESP_ACK_DUP, 0),
		S(2, K_ACK, 105, XDP_PASS, RESP_ACK_REPEAT, 105),
		/* progress starts the repetitions over */
		S(2, K_ACK, 107, XDP_PASS, RESP_ACK_FWD, 107),
		S(1, K_ACK, 108, XDP_DROP, RESP_ACK_DUP, 0),
	}, { 0, 0, 0 } },
	/* A branch that never acknowledged holds the minimum at start - 1:
	 * repetitions of the others repeat nothing. */
	{ "ack_no_repeat_of_nothing", 0, 0, 0, { 0, 0, 0 }, 2, 4, {
		S(0, K_ACK, 5, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(0, K_ACK, 5, XDP_DROP, RESP_ACK_DUP, 0),
		S(1, K_ACK, 0xffffff, XDP_DROP, RESP_ACK_STALE, 0),
		S(0, K_ACK, 5, XDP_DROP, RESP_ACK_DUP, 0),
	}, { 0, 0, 0 } },
	{ "nak_min_epsn_no_repeat", 0, 100, 0, { 0, 0, 0 }, 3, 12, {
		S(0, K_ACK, 104, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(1, K_ACK, 105, XDP_DROP, RESP_ACK_ABSORBED, 0),
		SM(2, K_ACK, 106, XDP_PASS, RESP_ACK_FWD, 104, MSN(104)),
		/* R2 misses 106: min ePSN is R1's AckPSN + 1 */
		S(1, K_NAK, 106, XDP_PASS, RESP_NAK_FWD, 105),
		S(0, K_NAK, 105, XDP_DROP, RESP_NAK_ABSORBED, 0),
		S(0, K_NAK, 105, XDP_DROP, RESP_NAK_ABSORBED, 0),
		S(2, K_NAK, 103, XDP_DROP, RESP_NAK_STALE, 0),
		S(1, K_NAK, 105, XDP_DROP, RESP_NAK_STALE, 0),
		/* R1 passes its ePSN: NAK state clears, min AckPSN 105 */
		SM(0, K_ACK, 108, XDP_PASS, RESP_ACK_FWD, 105, MSN(105)),
		S(1, K_NAK, 106, XDP_PASS, RESP_NAK_FWD, 106),
		S(1, K_NAK, 106, XDP_DROP, RESP_NAK_ABSORBED, 0),
		S(2, K_ACK, 110, XDP_DROP, RESP_ACK_ABSORBED, 0),
	}, { 0, 0, 0 } },
	{ "nak_repeat_after_progress", 0, 0, 0, { 7, 0, 0 }, 2, 8, {
		S(0, K_ACK, 10 + 7, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(1, K_ACK, 5, XDP_PASS, RESP_ACK_FWD, 5),
		S(1, K_NAK, 8, XDP_PASS, RESP_NAK_FWD, 8),
		S(1, K_NAK, 8, XDP_DROP, RESP_NAK_ABSORBED, 0),
		S(0, K_ACK, 12 + 7, XDP_DROP, RESP_ACK_ABSORBED, 0),
		/* a late ACK below the ePSN: progress, NAK still pending */
		S(1, K_ACK, 6, XDP_PASS, RESP_ACK_FWD, 6),
		S(1, K_NAK, 8, XDP_PASS, RESP_NAK_FWD, 8),
		S(1, K_NAK, 8, XDP_DROP, RESP_NAK_ABSORBED, 0),
	}, { 0, 0, 0 } },
	/* RNR and fatal NAKs never acknowledge what another branch lacks:
	 * R2's RNR at 0x800004 while R1 has nothing goes up at 0x800000. */
	{ "rnr_fatal_never_ahead", 0, 0x800000, 0, { 0, -3, 0 }, 2, 6, {
		S(1, K_RNR, M24(0x800004 - 3), XDP_PASS, RESP_RNR_FWD, 0x800000),
		/* R1's fatal NAK at 0x800002 confirms 0x800001: so does R2 */
		S(0, K_FATAL, 0x800002, XDP_PASS, RESP_FATAL_FWD, 0x800002),
		/* a new PSN for the RNR: forwarded; then the same within its
		 * timer (655 ms): absorbed */
		S(1, K_RNR, M24(0x800004 - 3), XDP_PASS, RESP_RNR_FWD, 0x800002),
		S(1, K_RNR, M24(0x800004 - 3), XDP_DROP, RESP_RNR_ABSORBED, 0),
		/* what the fatal NAK implied is R1's AckPSN now */
		S(0, K_ACK, 0x800001, XDP_DROP, RESP_ACK_DUP, 0),
		S(0, K_FATAL, 0x800003, XDP_PASS, RESP_FATAL_FWD, 0x800003),
	}, { 0, 0, 0 } },
	/* An RNR timer of 10 us: once it has run (the step sleeps 2 ms
	 * first), the same PSN's RNR goes up again: the source is resending. */
	{ "rnr_again_after_timer", 0, 10, 0, { 0, 0, 0 }, 2, 4, {
		S(0, K_ACK, 12, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(1, K_RNR10, 11, XDP_PASS, RESP_RNR_FWD, 11),
		S(1, K_RNR10, 11, XDP_PASS, RESP_RNR_FWD, 11),
		S(1, K_RNR10, 11, XDP_PASS, RESP_RNR_FWD, 11),
	}, { 0, 0, 0 } },
	/* Nothing after the newest data PSN this node forwarded (and nothing
	 * before any) may move a branch: a forged ACK ahead of the data
	 * would make the branch look confirmed for PSNs the source has yet
	 * to send.  Offsets: the bound is in the source's PSN space. */
	{ "guard_psn_ahead", GUARD, 100, 0, { 0, 0x100, 0 }, 2, 14, {
		S(0, K_ACK, 100, XDP_DROP, DROP_RESP_PSN_AHEAD, 0),
		S(0, K_NAK, 100, XDP_DROP, DROP_RESP_PSN_AHEAD, 0),
		D(105),
		S(0, K_ACK, 105, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(1, K_ACK, 0x100 + 106, XDP_DROP, DROP_RESP_PSN_AHEAD, 0),
		SM(1, K_ACK, 0x100 + 105, XDP_PASS, RESP_ACK_FWD, 105, MSN(105)),
		S(0, K_RNR, 106, XDP_DROP, DROP_RESP_PSN_AHEAD, 0),
		S(0, K_FATAL, 107, XDP_DROP, DROP_RESP_PSN_AHEAD, 0),
		/* a CNP's PSN says nothing about the data */
		S(0, K_CNP, 0, XDP_DROP, RESP_CNP_COUNTED, 0),
		D(110),
		/* a retransmission does not lower the bound */
		D(104),
		S(0, K_NAK, 110, XDP_PASS, RESP_NAK_FWD, 106),
		S(0, K_ACK, 110, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(0, K_ACK, 111, XDP_DROP, DROP_RESP_PSN_AHEAD, 0),
	}, { 1, 0, 0 } },
	{ "guard_psn_wrap", GUARD, 0xfffffe, 0, { 0, 0, 0 }, 1, 6, {
		D(0xffffff),
		S(0, K_ACK, 0x000000, XDP_DROP, DROP_RESP_PSN_AHEAD, 0),
		S(0, K_ACK, 0xffffff, XDP_PASS, RESP_ACK_FWD, 0xffffff),
		D(0x000002),
		S(0, K_ACK, 0x000002, XDP_PASS, RESP_ACK_FWD, 0x000002),
		S(0, K_ACK, 0x000003, XDP_DROP, DROP_RESP_PSN_AHEAD, 0),
	}, { 0, 0, 0 } },
	{ "cnp_count_cap", 0, 0, 2, { 0, 0, 0 }, 3, 6, {
		S(0, K_CNP, 0, XDP_DROP, RESP_CNP_COUNTED, 0),
		S(0, K_CNP, 0, XDP_DROP, RESP_CNP_COUNTED, 0),
		S(0, K_CNP, 0, XDP_DROP, RESP_CNP_CAPPED, 0),
		S(1, K_CNP, 0, XDP_DROP, RESP_CNP_COUNTED, 0),
		S(0, K_CNP, 0, XDP_DROP, RESP_CNP_CAPPED, 0),
		S(2, K_ACK, 1, XDP_DROP, RESP_ACK_ABSORBED, 0),
	}, { 2, 1, 0 } },
	{ "transit_ifindex", ENDMT_GF_BRANCH_IFINDEX, 50, 0, { 0, 0, 0 }, 3, 5, {
		S(0, K_ACK, 60, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(1, K_ACK, 55, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(2, K_ACK, 52, XDP_PASS, RESP_ACK_FWD, 52),
		S(2, K_NAK, 53, XDP_PASS, RESP_NAK_FWD, 53),
		S(2, K_CNP, 0, XDP_DROP, RESP_CNP_COUNTED, 0),
	}, { 0, 0, 1 } },
	{ "head_rewrite", ENDMT_GF_HEAD | ENDMT_GF_BRANCH_IFINDEX, 0xffffff, 0, { 0, 0, 0 },
	  2, 5, {
		S(0, K_ACK, 3, XDP_DROP, RESP_ACK_ABSORBED, 0),
		S(1, K_ACK, 1, XDP_PASS, RESP_ACK_FWD, 1),
		S(1, K_NAK, 2, XDP_PASS, RESP_NAK_FWD, 2),
		/* branch 0's RNR at 4: branch 1 has only 1, so 2 goes up */
		S(0, K_RNR, 4, XDP_PASS, RESP_RNR_FWD, 2),
		S(1, K_FATAL, 2, XDP_PASS, RESP_FATAL_FWD, 2),
	}, { 0, 0, 0 } },
	/* Credits: a forwarded ACK carries the lowest credit code of any
	 * branch (the source may send no more than the fullest receiver
	 * takes), "invalid" (31) only when every branch says so. */
	{ "ack_credits_lowest", 0, 0, 0, { 0, 0, 0 }, 3, 5, {
		SC(0, 4, XDP_DROP, RESP_ACK_ABSORBED, 0, 0, 9, 0),
		SC(1, 5, XDP_DROP, RESP_ACK_ABSORBED, 0, 0, 3, 0),
		SC(2, 6, XDP_PASS, RESP_ACK_FWD, 4, MSN(4), 20, 3),
		SC(0, 8, XDP_PASS, RESP_ACK_FWD, 5, MSN(5), 12, 3),
		SC(1, 9, XDP_PASS, RESP_ACK_FWD, 6, MSN(6), 15, 12),
	}, { 0, 0, 0 } },
};

/* The response step s of case c as received. */
static int step_pkt(const struct rcase *c, const struct step *s, int udp_csum, uint8_t *buf,
		    size_t cap)
{
	struct resp_spec r = {
		.sa = (c->flags & ENDMT_GF_BRANCH_IFINDEX) ? "fd00:4::1" : rcv[s->br],
		.da = PROXY, .dqpn = DQPN, .psn = s->psn, .msn = 0x42 + s->psn,
		.opcode = s->kind == K_CNP ? ENDMT_OP_CNP : ENDMT_OP_ACK,
		.syn = syn_of(s->kind), .udp_csum = udp_csum,
	};

	if (s->kind == K_ACK && s->in_credit)
		r.syn = s->in_credit;
	return resp_build(buf, cap, &r);
}

/* The forwarded packet, built from scratch: same response with PSN := out,
 * for an ACK the MSN of the branch at the minimum and the lowest credit
 * code, and at the head addressed to the source.  Not derived from the
 * input. */
static int step_expected(const struct rcase *c, const struct step *s, int udp_csum,
			 uint8_t *buf, size_t cap)
{
	int head = !!(c->flags & ENDMT_GF_HEAD);
	struct resp_spec r = {
		.sa = head ? PROXY : (c->flags & ENDMT_GF_BRANCH_IFINDEX) ? "fd00:4::1" :
								     rcv[s->br],
		.da = head ? SRC : PROXY, .dqpn = head ? SRCQP : DQPN,
		.psn = s->out_psn, .msn = s->out_msn ? s->out_msn : 0x42 + s->psn,
		.opcode = ENDMT_OP_ACK, .syn = syn_of(s->kind), .udp_csum = udp_csum,
	};

	if (s->kind == K_ACK && s->out_credit)
		r.syn = s->out_credit;
	return resp_build(buf, cap, &r);
}

/* What endmt_data_psn_note() does, from userspace under the same lock. */
static int data_note(struct resp_fx *f, uint32_t psn)
{
	struct endmt_group g;
	int err = resp_group_get(f, PROXY, DQPN, &g);

	if (err)
		return err;
	if (!(g.state & ENDMT_GS_DATA_FWD) || endmt_psn_before(g.data_psn, psn)) {
		g.data_psn = psn;
		g.state |= ENDMT_GS_DATA_FWD;
	}
	return resp_group_put(f, PROXY, DQPN, &g);
}

static void run_case(const struct rcase *c, int udp_csum)
{
	uint64_t before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX];
	struct endmt_group g;
	struct resp_fx f;
	struct timespec t0, t1;
	int i, b, err;

	err = resp_fx_open(&f);
	if (!ASSERT_OK(err, "load transit object"))
		goto out;
	resp_group_init(&g, c->flags, c->start);
	g.cnp_cap = c->cnp_cap;
	g.src_qpn = SRCQP;
	{
		struct in6_addr a = endmt_in6(SRC);

		memcpy(g.src_addr, &a, 16);
	}
	for (b = 0; b < c->nbr; b++) {
		if (c->flags & ENDMT_GF_BRANCH_IFINDEX)
			resp_branch_ifindex(&g, ifx[b]);
		else
			resp_branch_addr(&g, rcv[b], c->off[b]);
	}
	if (!ASSERT_OK(resp_group_put(&f, PROXY, DQPN, &g), "group put"))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < c->nsteps; i++) {
		const struct step *s = &c->steps[i];
		uint8_t in[256], out[256], exp[256];
		size_t out_len = sizeof(out);
		uint32_t ret = 0;
		int len, elen, k;
		char name[96];

		snprintf(name, sizeof(name), "step %d", i);
		if (s->kind == K_DATA) {
			if (!ASSERT_OK(data_note(&f, s->psn), name))
				break;
			continue;
		}
		if (s->kind == K_RNR10)
			usleep(2000);	/* past its 10 us RNR timer */
		len = step_pkt(c, s, udp_csum, in, sizeof(in));
		resp_stats(&f, before);
		err = resp_run(&f, in, (size_t)len,
			       (c->flags & ENDMT_GF_BRANCH_IFINDEX) ? ifx[s->br] : 0,
			       out, &out_len, &ret);
		if (!ASSERT_OK(err, name))
			break;
		resp_stats(&f, after);
		ASSERT_EQ(ret, s->act, name);
		for (k = 0; k < ENDMT_STAT_MAX; k++) {
			uint64_t want = (k == (int)s->stat || k == ENDMT_STAT_RESP_RX) ? 1 : 0;

			if (after[k] - before[k] != want) {
				ASSERT_EQ(after[k] - before[k], want, name);
				printf("    counter %d (expected stat %d)\n", k, (int)s->stat);
			}
		}
		if (s->act != XDP_PASS)
			continue;
		elen = step_expected(c, s, udp_csum, exp, sizeof(exp));
		ASSERT_MEMEQ(out, out_len, exp, (size_t)elen, name);
		ASSERT_TRUE(endmt_icrc_ok(out + ENDMT_ETH_HLEN, out_len - ENDMT_ETH_HLEN),
			    "forwarded ICRC (full computation)");
		if (udp_csum)
			ASSERT_EQ(endmt_udp6_csum(out + ENDMT_ETH_HLEN, out_len - ENDMT_ETH_HLEN),
				  out[W_ETH_LEN + W_IN_UDP_CSUM] << 8 | out[W_ETH_LEN + W_IN_UDP_CSUM + 1],
				  "forwarded UDP checksum");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get"))
		goto out;
	for (b = 0; b < c->nbr; b++) {
		uint64_t lo = (uint64_t)t0.tv_sec * 1000000000ull + (uint64_t)t0.tv_nsec;
		uint64_t hi = (uint64_t)t1.tv_sec * 1000000000ull + (uint64_t)t1.tv_nsec;

		ASSERT_EQ(g.br[b].ccount, c->end_ccount[b], "ccount at the end");
		if (g.br[b].last_seen_ns) {
			ASSERT_GE(g.br[b].last_seen_ns, lo, "last_seen after the first run");
			ASSERT_GE(hi, g.br[b].last_seen_ns, "last_seen before the last run");
		}
	}
out:
	resp_fx_close(&f);
}

/* Drops and passes that are not aggregation decisions. */
static void test_edges(void)
{
	struct endmt_group g;
	struct resp_fx f;
	uint8_t in[256], out[256];
	uint64_t before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX];
	struct {
		const char *name;
		struct resp_spec r;
		int cut;		/* octets removed from the end */
		int plen_delta;		/* added to the IPv6 payload length */
		int act;
		enum endmt_stat stat;
		int resp_rx;		/* also counted resp_rx */
	} t[] = {
		{ "unknown_qpn_at_proxy", { R1, PROXY, 0, RESP_SYN_ACK, DQPN + 1, 5, 0, 0 },
		  0, 0, XDP_DROP, ENDMT_STAT_DROP_RESP_GROUP, 0 },
		{ "not_a_proxy", { R1, "fd00:ee::1", 0, RESP_SYN_ACK, DQPN, 5, 0, 0 },
		  0, 0, XDP_PASS, ENDMT_STAT_PASS_NOT_OURS, 0 },
		{ "unknown_branch", { "fd00:99::9", PROXY, 0, RESP_SYN_ACK, DQPN, 5, 0, 0 },
		  0, 0, XDP_DROP, ENDMT_STAT_DROP_RESP_BRANCH, 1 },
		{ "truncated_aeth", { R1, PROXY, 0, RESP_SYN_ACK, DQPN, 5, 0, 0 },
		  6, 0, XDP_DROP, ENDMT_STAT_DROP_RESP_MALFORMED, 1 },
		{ "truncated_bth", { R1, PROXY, 0, RESP_SYN_ACK, DQPN, 5, 0, 0 },
		  16, 0, XDP_DROP, ENDMT_STAT_DROP_RESP_MALFORMED, 0 },
		{ "ip6_len_disagrees", { R1, PROXY, 0, RESP_SYN_ACK, DQPN, 5, 0, 0 },
		  0, -4, XDP_DROP, ENDMT_STAT_DROP_RESP_MALFORMED, 1 },
		{ "reserved_syndrome", { R1, PROXY, 0, 0x40, DQPN, 5, 0, 0 },
		  0, 0, XDP_DROP, ENDMT_STAT_DROP_RESP_MALFORMED, 1 },
		{ "reserved_nak_code", { R1, PROXY, 0, 0x65, DQPN, 5, 0, 0 },
		  0, 0, XDP_DROP, ENDMT_STAT_DROP_RESP_MALFORMED, 1 },
		{ "read_response", { R1, PROXY, ENDMT_OP_READ_RESP_ONLY, 0, DQPN, 5, 0, 0 },
		  0, 0, XDP_DROP, ENDMT_STAT_DROP_RESP_OPCODE, 1 },
		/* Requests to a Proxy Address come from the source, on the
		 * head's source link (its XDP, verdicts.c); on any other
		 * link (this is the transit program) they are made up and
		 * would be routed toward the source from below. */
		{ "data_send_only", { SRC, PROXY, ENDMT_OP_SEND_ONLY, 0, DQPN, 5, 0, 0 },
		  0, 0, XDP_DROP, ENDMT_STAT_DROP_PROXY_DATA, 0 },
		{ "data_write_only", { SRC, PROXY, ENDMT_OP_WRITE_ONLY, 0, DQPN, 5, 0, 0 },
		  0, 0, XDP_DROP, ENDMT_STAT_DROP_PROXY_DATA, 0 },
		{ "data_unknown_qpn", { SRC, PROXY, ENDMT_OP_SEND_LAST, 0, 77, 5, 0, 0 },
		  0, 0, XDP_DROP, ENDMT_STAT_DROP_PROXY_DATA, 0 },
		/* not to a Proxy Address: not ours */
		{ "data_not_a_proxy", { SRC, "fd00:ee::1", ENDMT_OP_SEND_ONLY, 0, DQPN, 5, 0, 0 },
		  0, 0, XDP_PASS, ENDMT_STAT_PASS_NOT_OURS, 0 },
	};
	size_t i;

	if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
		goto out;
	resp_group_init(&g, 0, 0);
	resp_branch_addr(&g, R1, 0);
	if (!ASSERT_OK(resp_group_put(&f, PROXY, DQPN, &g), "group put"))
		goto out;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t out_len = sizeof(out);
		uint32_t ret = 0;
		int len, k;

		if (!test__start_subtest(t[i].name))
			continue;
		len = resp_build(in, sizeof(in), &t[i].r);
		if (t[i].plen_delta) {
			int pl = (in[W_OUT_PLEN] << 8 | in[W_OUT_PLEN + 1]) +
				 t[i].plen_delta;

			in[W_OUT_PLEN] = (uint8_t)(pl >> 8);
			in[W_OUT_PLEN + 1] = (uint8_t)pl;
		}
		len -= t[i].cut;
		resp_stats(&f, before);
		if (!ASSERT_OK(resp_run(&f, in, (size_t)len, 0, out, &out_len, &ret), "run"))
			continue;
		resp_stats(&f, after);
		ASSERT_EQ(ret, t[i].act, "verdict");
		for (k = 0; k < ENDMT_STAT_MAX; k++) {
			uint64_t want = k == (int)t[i].stat ? 1 :
					(k == ENDMT_STAT_RESP_RX ? (uint64_t)t[i].resp_rx : 0);

			if (after[k] - before[k] != want) {
				ASSERT_EQ(after[k] - before[k], want, "counter delta");
				printf("    counter %d\n", k);
			}
		}
		if (ret == XDP_PASS)
			ASSERT_MEMEQ(out, out_len, in, (size_t)len, "passed unmodified");
	}
	/* none of it touched the branch */
	if (ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get")) {
		ASSERT_EQ(g.br[0].flags, ENDMT_BR_VALID, "branch flags untouched");
		ASSERT_EQ(g.br[0].acks + g.br[0].naks + g.br[0].cnps, 0, "branch counters");
		ASSERT_EQ(g.state, 0, "group state");
	}
out:
	resp_fx_close(&f);
}

/* Response origin (ENDMT_GF_ORIGIN): a branch is (source address, ingress
 * device), endmt_resp_origin says which device each address is behind.
 * Both kinds of group: at an edge (branches by address) a receiver's ACK
 * from another port is someone speaking for it; at a transit (branches by
 * device) an ACK with R1's address arriving on R2's device would otherwise
 * move R2's branch. */
static void test_origin(void)
{
	static const struct {
		const char *name;
		uint32_t gflags;
		const char *sa;
		int dev;		/* index into ifx */
		uint8_t opcode;		/* 0: ACK */
		int act;
		enum endmt_stat stat;
	} t[] = {
		{ "origin_edge_wrong_device", 0, R1, 2, 0, XDP_DROP, ENDMT_STAT_DROP_RESP_WRONG_DEV },
		{ "origin_edge_lo", 0, R1, 0, 0, XDP_DROP, ENDMT_STAT_DROP_RESP_WRONG_DEV },
		{ "origin_edge_cnp_wrong_device", 0, R1, 2, ENDMT_OP_CNP, XDP_DROP,
		  ENDMT_STAT_DROP_RESP_WRONG_DEV },
		{ "origin_edge_unknown", 0, R3, 1, 0, XDP_DROP, ENDMT_STAT_DROP_RESP_ORIGIN },
		/* a known origin that is not a branch here is still no branch */
		{ "origin_edge_not_a_branch", 0, R2, 2, 0, XDP_DROP, ENDMT_STAT_DROP_RESP_BRANCH },
		{ "origin_edge_right_device", 0, R1, 1, 0, XDP_PASS, ENDMT_STAT_RESP_ACK_FWD },
		{ "origin_transit_wrong_device", ENDMT_GF_BRANCH_IFINDEX, R1, 2, 0, XDP_DROP,
		  ENDMT_STAT_DROP_RESP_WRONG_DEV },
		{ "origin_transit_unknown", ENDMT_GF_BRANCH_IFINDEX, R3, 2, 0, XDP_DROP,
		  ENDMT_STAT_DROP_RESP_ORIGIN },
		{ "origin_transit_child_cnp", ENDMT_GF_BRANCH_IFINDEX, "fd00:1::1", 1, ENDMT_OP_CNP,
		  XDP_DROP, ENDMT_STAT_RESP_CNP_COUNTED },
		{ "origin_transit_right_device", ENDMT_GF_BRANCH_IFINDEX, R2, 2, 0, XDP_DROP,
		  ENDMT_STAT_RESP_ACK_ABSORBED },
	};
	static const struct { const char *addr; int dev; } origins[] = {
		{ R1, 1 }, { R2, 2 }, { "fd00:1::1", 1 },
	};
	uint64_t before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX];
	struct endmt_group g;
	struct resp_fx f;
	size_t i, j;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct resp_spec r = { t[i].sa, PROXY, t[i].opcode, RESP_SYN_ACK, DQPN, 5, 0, 0 };
		struct in6_addr px = endmt_in6(PROXY);
		uint8_t in[256], out[256];
		size_t out_len = sizeof(out);
		uint32_t ret = 0;
		int len, k, fd;

		if (!test__start_subtest(t[i].name))
			continue;
		if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
			continue;
		fd = bpf_map__fd(f.skel->maps.endmt_resp_origin);
		resp_group_init(&g, ENDMT_GF_ORIGIN | t[i].gflags, 0);
		if (t[i].gflags & ENDMT_GF_BRANCH_IFINDEX) {
			resp_branch_ifindex(&g, ifx[1]);
			resp_branch_ifindex(&g, ifx[2]);
		} else {
			resp_branch_addr(&g, R1, 0);
		}
		ASSERT_OK(resp_group_put(&f, PROXY, DQPN, &g), "group put");
		for (j = 0; j < sizeof(origins) / sizeof(origins[0]); j++) {
			struct endmt_origin_key ok = { .dqpn = DQPN };
			struct in6_addr a = endmt_in6(origins[j].addr);

			memcpy(ok.proxy, &px, 16);
			memcpy(ok.addr, &a, 16);
			ASSERT_OK(bpf_map_update_elem(fd, &ok, &ifx[origins[j].dev], BPF_ANY) ? -errno : 0,
				  "origin put");
		}
		len = resp_build(in, sizeof(in), &r);
		resp_stats(&f, before);
		if (ASSERT_OK(resp_run(&f, in, (size_t)len, ifx[t[i].dev], out, &out_len, &ret),
			      "run")) {
			resp_stats(&f, after);
			ASSERT_EQ(ret, t[i].act, "verdict");
			for (k = 0; k < ENDMT_STAT_MAX; k++) {
				uint64_t want = k == (int)t[i].stat ? 1 : k == ENDMT_STAT_RESP_RX ? 1 : 0;

				if (after[k] - before[k] != want) {
					ASSERT_EQ(after[k] - before[k], want, "counter delta");
					printf("    counter %s\n", tu_stat_names[k]);
				}
			}
			/* a refused response moved no branch */
			if (ret == XDP_DROP && t[i].stat != ENDMT_STAT_RESP_CNP_COUNTED &&
			    t[i].stat != ENDMT_STAT_RESP_ACK_ABSORBED &&
			    ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get"))
				ASSERT_EQ(g.br[0].acks + g.br[0].cnps + g.br[1].acks + g.br[1].cnps, 0,
					  "branch counters");
		}
		resp_fx_close(&f);
	}
}

/* Two interfaces (plus lo) for ifindex branches: BPF_PROG_TEST_RUN resolves
 * ingress_ifindex to a device of the caller's network namespace.  The cases
 * run in a thread with its own namespace, so the veth pair disappears with
 * the thread even if the test is killed: nothing is left behind. */
static int veth_make(void)
{
	char cmd[160];

	snprintf(veth_a, sizeof(veth_a), "resp%da", (int)getpid() % 100000);
	snprintf(veth_b, sizeof(veth_b), "resp%db", (int)getpid() % 100000);
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %s", veth_a, veth_b);
	if (system(cmd))
		return -EIO;
	ifx[0] = if_nametoindex("lo");
	ifx[1] = if_nametoindex(veth_a);
	ifx[2] = if_nametoindex(veth_b);
	return ifx[0] && ifx[1] && ifx[2] ? 0 : -ENODEV;
}

static void *resp_thread(void *arg)
{
	size_t i;
	int ifs = -1;

	(void)arg;
	if (!ASSERT_OK(unshare(CLONE_NEWNET) ? -errno : 0, "private network namespace"))
		return NULL;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[96];
		int cs;

		for (cs = 0; cs < 2; cs++) {
			snprintf(name, sizeof(name), "%s%s", cases[i].name, cs ? "_udpcsum" : "");
			if (!test__start_subtest(name))
				continue;
			if ((cases[i].flags & ENDMT_GF_BRANCH_IFINDEX) && ifs < 0) {
				ifs = veth_make();
				if (!ASSERT_OK(ifs, "veth pair for ifindex branches"))
					continue;
			}
			run_case(&cases[i], cs);
		}
	}
	test_edges();
	if (ifs < 0)
		ifs = veth_make();
	if (ASSERT_OK(ifs, "veth pair for the origin cases"))
		test_origin();
	return NULL;
}

void test_resp(void)
{
	pthread_t th;

	if (ASSERT_OK(pthread_create(&th, NULL, resp_thread, NULL), "thread"))
		pthread_join(th, NULL);
}
