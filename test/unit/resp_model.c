/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reverse path against the draft's promise, and under concurrency.
 *
 * tree_random: a two-level aggregation tree of real programs (two edges,
 * E1 for R0/R1 and E2 for R2/R3, address branches with per-receiver PSN
 * offsets; one transit T above them, branches by ingress interface) under
 * thousands of randomized responses of every kind (ACK, PSN sequence NAK,
 * RNR, the four fatal NAKs, CNP) with loss, duplication and reordering on
 * every link (receiver -> edge, edge -> transit, transit -> source), the
 * start PSN just below 2^24 so every run crosses the wrap.  Nothing here
 * predicts the programs' verdicts; the checks come from the draft (5.3.1)
 * and from RC semantics (a requester takes the PSN of any response as
 * acknowledging everything before it: an ACK at p acknowledges p, a NAK of
 * any kind at p acknowledges p - 1):
 *   - nothing an edge or the transit sends up acknowledges a PSN that some
 *     receiver below it has not confirmed (said itself, in an ACK at that
 *     PSN or later or a NAK after it);
 *   - when the data is all there (the source's retransmissions reach every
 *     receiver, whose answers repeat their AckPSN), the source hears the
 *     last PSN acknowledged, even though every response that was on its
 *     way to the source, and some on the way to the transit, was lost;
 *   - every response is explained by exactly one verdict counter, and
 *     every CNP is counted on its branch.
 * The model is unwrapped 64-bit PSNs; it shares no arithmetic with
 * resp_aggregate.h or psn.h.
 *
 * concurrency: threads pinned to different CPUs run BPF_PROG_TEST_RUN on
 * one group at once; no branch update may be lost. */
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <net/if.h>
#include "resp_fx.h"

#define PROXY "fd00:ff::7"
#define DQPN  0x4d54
#define NRCV  4
#define NSENT 400		/* PSNs the source has sent */
#define QCAP  4096

enum { MK_ACK, MK_NAK, MK_RNR, MK_FATAL, MK_CNP };

/* AETH syndromes of the four fatal NAKs (IBTA 9.7.5.2.4): invalid request,
 * remote access error, remote operational error, invalid RD request. */
static const uint8_t fatal_syn[4] = { 0x61, 0x62, 0x63, 0x64 };

static const char *const maddr[NRCV] = {
	"fd00:21::2", "fd00:22::2", "fd00:23::2", "fd00:24::2",
};

/* A frame in flight on one link. */
struct frame {
	uint8_t b[128];
	uint32_t len;
	int from;		/* receiver (edge links) or edge (transit link) */
};

struct link {
	struct frame q[QCAP];
	int n;
};

struct tree {
	struct resp_fx e[2], t;
	uint32_t tif[2];	/* T's ingress ifindex for E1, E2 */
	uint32_t start;
	int32_t off[NRCV];
	int64_t truth[NRCV];	/* highest in-order PSN each receiver holds */
	int64_t said[NRCV];	/* highest PSN each receiver has confirmed */
	int64_t heard;		/* highest PSN the source was told of */
	int runs[3];		/* responses run at E1, E2, T */
	int cnps[NRCV];		/* CNPs delivered to each receiver's edge */
	int bad;
	unsigned int seed;
	struct link up[NRCV];	/* receiver -> its edge */
	struct link mid;	/* edges -> T */
};

static int64_t unwrap(uint32_t psn, uint32_t start)
{
	/* the run stays within NSENT of the start: one window of 2^24 */
	int64_t d = (int64_t)((psn - start) & 0xffffff);

	return d >= 0xfffff0 ? d - 0x1000000 : d;
}

static void push(struct link *l, const uint8_t *b, uint32_t len, int from)
{
	if (l->n >= QCAP || len > sizeof(l->q[0].b))
		return;		/* a full queue drops: loss */
	memcpy(l->q[l->n].b, b, len);
	l->q[l->n].len = len;
	l->q[l->n].from = from;
	l->n++;
}

/* What a forwarded response acknowledges: ACK at p -> p, NAK at p -> p - 1;
 * CNPs acknowledge nothing (returns INT64_MIN). */
static int64_t acked_by(const struct tree *t, const uint8_t *f)
{
	const uint8_t *bth = f + ENDMT_ETH_HLEN + 40 + 8;
	int64_t p = unwrap(resp_get_psn(f), t->start);

	if (bth[0] != ENDMT_OP_ACK)
		return INT64_MIN;
	return (bth[12] >> 5) == 0 ? p : p - 1;
}

/* The checks on a response leaving a node that aggregates receivers lo..hi. */
static void check_up(struct tree *t, const uint8_t *f, uint32_t len, int lo, int hi,
		     const char *who)
{
	int64_t a = acked_by(t, f);
	int r;

	if (!endmt_icrc_ok(f + ENDMT_ETH_HLEN, len - ENDMT_ETH_HLEN)) {
		printf("    seed %u: %s sent a response with a bad ICRC\n", t->seed, who);
		t->bad++;
	}
	for (r = lo; r <= hi; r++)
		if (a > t->said[r]) {
			printf("    seed %u: %s acknowledged %lld, R%d confirmed only %lld\n",
			       t->seed, who, (long long)a, r, (long long)t->said[r]);
			t->bad++;
		}
}

/* A receiver answers: kind at PSN rel (relative to start, unwrapped). */
static void answer(struct tree *t, int r, int kind, int64_t rel)
{
	struct resp_spec sp = {
		.sa = maddr[r], .da = PROXY, .dqpn = DQPN,
		.psn = (uint32_t)(t->start + rel + t->off[r]) & 0xffffff,
		.msn = (uint32_t)(rel + 1) & 0xffffff,
		.opcode = kind == MK_CNP ? ENDMT_OP_CNP : ENDMT_OP_ACK,
		.syn = kind == MK_NAK ? RESP_SYN_NAK_SEQ : kind == MK_RNR ? RESP_SYN_RNR :
		       kind == MK_FATAL ? fatal_syn[rand() % 4] : RESP_SYN_ACK,
	};
	uint8_t b[128];
	int64_t c = kind == MK_ACK ? rel : rel - 1;
	int len;

	if (kind == MK_CNP)
		sp.psn = 0;
	else if (c > t->said[r])
		t->said[r] = c;	/* what the receiver itself confirms */
	len = resp_build(b, sizeof(b), &sp);
	if (len > 0)
		push(&t->up[r], b, (uint32_t)len, r);
}

/* Delivers frame k of link l (or a copy of it) through node `node` (0, 1:
 * edges, 2: the transit); what it forwards goes on (edges) or reaches the
 * source (transit) unless lost.  Returns -1 when a test run failed. */
static int deliver(struct tree *t, struct link *l, int k, int node, int dup, int lose_up)
{
	struct frame fr = l->q[k];
	struct resp_fx *f = node < 2 ? &t->e[node] : &t->t;
	uint8_t out[128];
	size_t out_len = sizeof(out);
	uint32_t ret = 0;

	if (!dup)
		l->q[k] = l->q[--l->n];
	if (node < 2 && fr.b[ENDMT_ETH_HLEN + 48] == ENDMT_OP_CNP)
		t->cnps[fr.from]++;
	if (resp_run(f, fr.b, fr.len, node < 2 ? 0 : t->tif[fr.from], out, &out_len, &ret))
		return -1;
	t->runs[node]++;
	if (ret != XDP_PASS)
		return 0;
	if (node < 2) {
		check_up(t, out, (uint32_t)out_len, node * 2, node * 2 + 1, node ? "E2" : "E1");
		if (!lose_up)
			push(&t->mid, out, (uint32_t)out_len, node);
		return 0;
	}
	check_up(t, out, (uint32_t)out_len, 0, NRCV - 1, "T");
	if (!lose_up) {
		int64_t a = acked_by(t, out);

		if (a > t->heard)
			t->heard = a;
	}
	return 0;
}

/* One random delivery somewhere in the tree, with loss (ppm) of what the
 * node forwards and duplication of what the link carries. */
static int step_net(struct tree *t, int loss_pct)
{
	int which = rand() % (NRCV + 1);
	struct link *l = which < NRCV ? &t->up[which] : &t->mid;

	if (!l->n)
		return 0;
	return deliver(t, l, rand() % l->n, which < NRCV ? which / 2 : 2, rand() % 8 == 0,
		       rand() % 100 < loss_pct);
}

static int drain(struct tree *t, int loss_pct)
{
	int r, busy = 1;

	while (busy) {
		busy = 0;
		for (r = 0; r < NRCV; r++)
			while (t->up[r].n) {
				if (deliver(t, &t->up[r], rand() % t->up[r].n, r / 2, 0,
					    rand() % 100 < loss_pct))
					return -1;
				busy = 1;
			}
		while (t->mid.n) {
			if (deliver(t, &t->mid, rand() % t->mid.n, 2, 0, rand() % 100 < loss_pct))
				return -1;
			busy = 1;
		}
	}
	return 0;
}

static int tree_open(struct tree *t)
{
	int i, err;

	for (i = 0; i < 2; i++) {
		err = resp_fx_open(&t->e[i]);
		if (err)
			return err;
	}
	err = resp_fx_open(&t->t);
	if (err)
		return err;
	t->tif[0] = if_nametoindex("lo");
	t->tif[1] = if_nametoindex("model0");
	return t->tif[0] && t->tif[1] ? 0 : -ENODEV;
}

static void tree_close(struct tree *t)
{
	resp_fx_close(&t->e[0]);
	resp_fx_close(&t->e[1]);
	resp_fx_close(&t->t);
}

static int tree_seed(struct tree *t, unsigned int seed)
{
	struct endmt_group g;
	int i, err;

	srand(seed);
	t->seed = seed;
	t->start = 0xfffff0u - (seed % 64) * 3;	/* crosses 2^24 */
	t->heard = -1;
	memset(t->runs, 0, sizeof(t->runs));
	memset(t->cnps, 0, sizeof(t->cnps));
	memset(t->up, 0, sizeof(t->up));
	t->mid.n = 0;
	for (i = 0; i < NRCV; i++) {
		t->off[i] = (i == 0) ? 0 : (int32_t)(rand() % 0x1000000) - 0x800000;
		t->truth[i] = t->said[i] = -1;
	}
	for (i = 0; i < 2; i++) {
		resp_group_init(&g, 0, t->start);
		resp_branch_addr(&g, maddr[2 * i], t->off[2 * i]);
		resp_branch_addr(&g, maddr[2 * i + 1], t->off[2 * i + 1]);
		err = resp_group_put(&t->e[i], PROXY, DQPN, &g);
		if (err)
			return err;
	}
	resp_group_init(&g, ENDMT_GF_BRANCH_IFINDEX, t->start);
	resp_branch_ifindex(&g, t->tif[0]);
	resp_branch_ifindex(&g, t->tif[1]);
	return resp_group_put(&t->t, PROXY, DQPN, &g);
}

static uint64_t tally[ENDMT_STAT_MAX];	/* verdicts over all sequences and nodes */

/* One sequence: a random phase, then the source's retransmissions bring
 * every receiver everything, the first answers to that are lost above the
 * edges, and the repetitions that follow must reach the source. */
static int run_seq(struct tree *t, unsigned int seed)
{
	uint64_t before[3][ENDMT_STAT_MAX], after[ENDMT_STAT_MAX];
	struct endmt_group g;
	int i, n, steps, round;

	if (tree_seed(t, seed))
		return -1;
	resp_stats(&t->e[0], before[0]);
	resp_stats(&t->e[1], before[1]);
	resp_stats(&t->t, before[2]);
	for (steps = 0; steps < 900; steps++) {
		int r = rand() % NRCV, what = rand() % 100;

		if (what < 35) {	/* data arrives in order; the receiver ACKs (coalesced) */
			t->truth[r] += rand() % 5;
			if (t->truth[r] >= NSENT)
				t->truth[r] = NSENT - 1;
			if (rand() % 4)
				answer(t, r, MK_ACK, t->truth[r]);
		} else if (what < 42) {	/* a repeated ACK: the answer to a duplicate */
			answer(t, r, MK_ACK, t->truth[r]);
		} else if (what < 52) {	/* a gap: PSN sequence NAK at the ePSN */
			answer(t, r, MK_NAK, t->truth[r] + 1);
		} else if (what < 56) {	/* no receive buffer for the next PSN */
			answer(t, r, MK_RNR, t->truth[r] + 1);
		} else if (what < 57) {
			answer(t, r, MK_FATAL, t->truth[r] + 1);
		} else if (what < 62) {
			answer(t, r, MK_CNP, 0);
		}
		if (rand() % 3 && step_net(t, 10))
			return -1;
	}
	if (drain(t, 10))
		return -1;

	/* The source resends; every receiver ends with everything and says
	 * so.  Everything that goes up from T in this round is lost, and a
	 * third of what goes up from the edges. */
	for (i = 0; i < NRCV; i++) {
		t->truth[i] = NSENT - 1;
		answer(t, i, MK_ACK, NSENT - 1);
	}
	for (i = 0; i < NRCV; i++)
		while (t->up[i].n)
			if (deliver(t, &t->up[i], rand() % t->up[i].n, i / 2, 0, rand() % 3 == 0))
				return -1;
	while (t->mid.n)
		if (deliver(t, &t->mid, rand() % t->mid.n, 2, 0, 1))
			return -1;
	/* The source times out and resends again: each receiver repeats its
	 * AckPSN once per round (in a random order), nothing lost now. */
	for (round = 0; round < 3 && t->heard != NSENT - 1; round++) {
		for (i = 0; i < NRCV; i++)
			answer(t, i, MK_ACK, NSENT - 1);
		if (drain(t, 0))
			return -1;
	}
	if (t->heard != NSENT - 1) {
		printf("    seed %u: the source heard %lld after 3 rounds of repetitions, not %d\n",
		       seed, (long long)t->heard, NSENT - 1);
		t->bad++;
	}

	/* Counters: one verdict per response at every node; CNPs on their
	 * branches. */
	for (n = 0; n < 3; n++) {
		struct resp_fx *f = n < 2 ? &t->e[n] : &t->t;
		uint64_t verdicts = 0;
		int k;

		resp_stats(f, after);
		for (k = 0; k < ENDMT_STAT_MAX; k++)
			if (k != ENDMT_STAT_RESP_RX)
				verdicts += after[k] - before[n][k];
		if (verdicts != (uint64_t)t->runs[n] ||
		    after[ENDMT_STAT_RESP_RX] - before[n][ENDMT_STAT_RESP_RX] != (uint64_t)t->runs[n]) {
			printf("    seed %u: node %d ran %d responses, %llu verdicts\n", seed, n,
			       t->runs[n], (unsigned long long)verdicts);
			t->bad++;
		}
		for (k = 0; k < ENDMT_STAT_MAX; k++)
			tally[k] += after[k] - before[n][k];
		if (n == 2 || resp_group_get(f, PROXY, DQPN, &g))
			continue;
		for (i = 0; i < 2; i++)
			if (g.br[i].ccount != (uint32_t)t->cnps[2 * n + i]) {
				printf("    seed %u: R%d ccount %u, %d CNPs delivered\n", seed,
				       2 * n + i, g.br[i].ccount, t->cnps[2 * n + i]);
				t->bad++;
			}
	}
	return 0;
}

static void *model_thread(void *arg)
{
	static struct tree t;
	unsigned int seed;
	int *err = arg;

	memset(&t, 0, sizeof(t));
	*err = unshare(CLONE_NEWNET) ? -errno : 0;
	if (!*err && system("ip link add model0 type veth peer name model1"))
		*err = -EIO;
	if (!*err)
		*err = tree_open(&t);
	for (seed = 1; !*err && seed <= 24; seed++)
		if (run_seq(&t, seed))
			*err = -EIO;
	if (!*err)
		ASSERT_EQ(t.bad, 0, "broken promises");
	tree_close(&t);
	return NULL;
}

static void test_tree_random(void)
{
	static const int want[] = {
		ENDMT_STAT_RESP_ACK_FWD, ENDMT_STAT_RESP_ACK_DUP, ENDMT_STAT_RESP_ACK_REPEAT,
		ENDMT_STAT_RESP_ACK_STALE, ENDMT_STAT_RESP_NAK_FWD, ENDMT_STAT_RESP_NAK_ABSORBED,
		ENDMT_STAT_RESP_RNR_FWD, ENDMT_STAT_RESP_RNR_ABSORBED,
		ENDMT_STAT_RESP_FATAL_FWD, ENDMT_STAT_RESP_CNP_COUNTED,
	};
	pthread_t th;
	size_t i;
	int err = 0;

	memset(tally, 0, sizeof(tally));
	if (!ASSERT_OK(pthread_create(&th, NULL, model_thread, &err), "thread"))
		return;
	pthread_join(th, NULL);
	if (!ASSERT_OK(err, "tree of three programs ran"))
		return;
	/* the sequences exercised every rule */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!ASSERT_GE(tally[want[i]], 1, "a verdict the sequences must reach"))
			printf("    %s\n", tu_stat_names[want[i]]);
}

/* ---- concurrency ---- */

#define CT_THREADS  4
#define CT_BR_PER   2
#define CT_N        1500
#define CT_START    0xffff00u

struct ct_arg {
	struct resp_fx *f;
	int t, err;
};

static const char *ct_addr(int br, char *buf, size_t len)
{
	snprintf(buf, len, "fd00:77::%x", br + 1);
	return buf;
}

static void *ct_thread(void *p)
{
	struct ct_arg *a = p;
	cpu_set_t set;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int j, k;

	CPU_ZERO(&set);
	CPU_SET(a->t % (ncpu > 0 ? ncpu : 1), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (j = 1; j <= CT_N; j++) {
		for (k = 0; k < CT_BR_PER; k++) {
			char sa[64];
			int br = a->t * CT_BR_PER + k;
			/* every 4th pair out of order: one stale ACK each */
			uint32_t psn = (CT_START + (uint32_t)j - ((j % 4 == 2) ? 1 : 0) +
					((j % 4 == 1 && j < CT_N) ? 1 : 0)) & 0xffffff;
			struct resp_spec ack = { ct_addr(br, sa, sizeof(sa)), PROXY, 0,
						 RESP_SYN_ACK, DQPN, psn, 0, 0 };
			struct resp_spec cnp = ack;
			uint8_t in[128];
			uint32_t ret = 0;
			int len;

			cnp.opcode = ENDMT_OP_CNP;
			cnp.psn = 0;
			len = resp_build(in, sizeof(in), &ack);
			if (resp_run(a->f, in, (size_t)len, 0, NULL, NULL, &ret)) {
				a->err = -errno;
				return NULL;
			}
			len = resp_build(in, sizeof(in), &cnp);
			if (resp_run(a->f, in, (size_t)len, 0, NULL, NULL, &ret)) {
				a->err = -errno;
				return NULL;
			}
		}
	}
	return NULL;
}

static void test_concurrency(void)
{
	struct ct_arg args[CT_THREADS];
	pthread_t th[CT_THREADS];
	uint64_t before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX];
	struct endmt_group g;
	struct resp_fx f;
	int i, nbr = CT_THREADS * CT_BR_PER;
	uint64_t fwd, abs, stale;

	if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
		goto out;
	resp_group_init(&g, 0, CT_START);
	for (i = 0; i < nbr; i++) {
		char sa[64];

		resp_branch_addr(&g, ct_addr(i, sa, sizeof(sa)), 0);
	}
	if (!ASSERT_OK(resp_group_put(&f, PROXY, DQPN, &g), "group put"))
		goto out;
	resp_stats(&f, before);
	for (i = 0; i < CT_THREADS; i++) {
		args[i] = (struct ct_arg){ &f, i, 0 };
		pthread_create(&th[i], NULL, ct_thread, &args[i]);
	}
	for (i = 0; i < CT_THREADS; i++) {
		pthread_join(th[i], NULL);
		ASSERT_OK(args[i].err, "thread ran");
	}
	resp_stats(&f, after);
	if (!ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get"))
		goto out;
	for (i = 0; i < nbr; i++) {
		ASSERT_EQ(g.br[i].ack_psn, (CT_START + CT_N) & 0xffffff, "branch AckPSN = its max");
		ASSERT_EQ(g.br[i].acks, CT_N, "no lost ACK update");
		ASSERT_EQ(g.br[i].cnps, CT_N, "no lost CNP update");
		ASSERT_EQ(g.br[i].ccount, CT_N, "ccount");
	}
	ASSERT_EQ(g.fwd_ack_psn, (CT_START + CT_N) & 0xffffff, "group forwarded the minimum");
	fwd = after[ENDMT_STAT_RESP_ACK_FWD] - before[ENDMT_STAT_RESP_ACK_FWD];
	abs = after[ENDMT_STAT_RESP_ACK_ABSORBED] - before[ENDMT_STAT_RESP_ACK_ABSORBED];
	stale = after[ENDMT_STAT_RESP_ACK_STALE] - before[ENDMT_STAT_RESP_ACK_STALE];
	ASSERT_EQ(fwd + abs + stale, (uint64_t)nbr * CT_N, "ACKs explained");
	ASSERT_EQ(stale, (uint64_t)nbr * (CT_N / 4), "stale ACKs (one per reordered pair)");
	ASSERT_GE(fwd, 1, "some forwarded");
	ASSERT_EQ(after[ENDMT_STAT_RESP_CNP_COUNTED] - before[ENDMT_STAT_RESP_CNP_COUNTED],
		  (uint64_t)nbr * CT_N, "CNPs counted");
out:
	resp_fx_close(&f);
}

/* ---- branch slots moving under a response ---- */

/* A configuration change swaps two branches' slots (as `branch del` shifts
 * them) while ACKs of one of them arrive from another CPU.  The slot an
 * ACK's branch was found in before the group lock must be checked again
 * under it: the other branch, which never answered, must never be
 * credited with an ACK. */
#define MV_N 20000
#define MV_START 0x10

struct mv_arg {
	struct resp_fx *f;
	volatile int stop;
	int err;
};

static void pin_cpu(int cpu)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (ncpu > 0 ? ncpu : 1), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *mv_acks(void *p)
{
	struct mv_arg *a = p;
	int j;

	pin_cpu(1);
	for (j = 1; j <= MV_N; j++) {
		struct resp_spec ack = { maddr[0], PROXY, 0, RESP_SYN_ACK, DQPN,
					 (uint32_t)(MV_START + j) & 0xffffff, 0, 0 };
		uint8_t in[128];
		uint32_t ret = 0;
		int len = resp_build(in, sizeof(in), &ack);

		if (resp_run(a->f, in, (size_t)len, 0, NULL, NULL, &ret)) {
			a->err = -errno;
			break;
		}
	}
	a->stop = 1;
	return NULL;
}

static void test_branch_moves(void)
{
	struct mv_arg a = { 0 };
	struct endmt_group g;
	struct endmt_branch tmp;
	struct in6_addr quiet = endmt_in6(maddr[1]);
	struct resp_fx f;
	pthread_t th;
	int swaps = 0, credited = 0, i;

	if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
		goto out;	/* resp_fx_close() takes a half-open fixture */
	resp_group_init(&g, 0, MV_START);
	resp_branch_addr(&g, maddr[0], 0);
	resp_branch_addr(&g, maddr[1], 0);
	if (!ASSERT_OK(resp_group_put(&f, PROXY, DQPN, &g), "group put"))
		goto out;
	a.f = &f;
	pin_cpu(0);
	if (!ASSERT_OK(pthread_create(&th, NULL, mv_acks, &a), "thread"))
		goto out;
	while (!a.stop) {
		if (resp_group_get(&f, PROXY, DQPN, &g))
			break;
		for (i = 0; i < 2; i++)
			if (!memcmp(g.br[i].id, &quiet, 16) && (g.br[i].flags & ENDMT_BR_ACKED))
				credited++;
		tmp = g.br[0];
		g.br[0] = g.br[1];
		g.br[1] = tmp;
		if (resp_group_put(&f, PROXY, DQPN, &g))
			break;
		swaps++;
		if (credited)
			break;
	}
	pthread_join(th, NULL);
	ASSERT_OK(a.err, "ACKs ran");
	ASSERT_GE(swaps, 100, "slots swapped while ACKs arrived");
	ASSERT_EQ(credited, 0, "a branch that never answered credited with an ACK");
out:
	resp_fx_close(&f);
}

void test_resp_model(void)
{
	if (test__start_subtest("tree_random"))
		test_tree_random();
	if (test__start_subtest("concurrency"))
		test_concurrency();
	if (test__start_subtest("branch_moves"))
		test_branch_moves();
}
