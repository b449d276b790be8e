/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reverse path against an independent model, and under concurrency.
 *
 * model: thousands of randomized response sequences (reordering,
 * duplication, PSN wrap across 2^24, per-receiver PSN offsets) run through
 * the XDP program.  A reference aggregator written here on unwrapped 64-bit
 * PSNs (no serial arithmetic, nothing from aggregate.h or psn.h) predicts
 * every verdict and forwarded PSN; the ground truth of the simulated
 * receivers checks the draft's invariants (5.3.1, 5.3.2):
 *   every forwarded AckPSN <= every receiver's highest in-order PSN,
 *   forwarded AckPSNs strictly increase,
 *   every forwarded ePSN <= every receiver's ePSN,
 * and the counters explain every response.
 *
 * concurrency: threads pinned to different CPUs run BPF_PROG_TEST_RUN on
 * one group at once; no branch update may be lost. */
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include "resp_fx.h"

#define PROXY "fd00:ff::7"
#define DQPN  0x4d54
#define NRCV  4
#define NSENT 400		/* PSNs the source has sent */

enum { MK_ACK, MK_NAK, MK_RNR, MK_CNP };

struct mresp {
	int rcv, kind;
	int64_t rel;		/* PSN relative to the start PSN, unwrapped */
};

/* Reference aggregator on unwrapped PSNs. */
struct mbranch {
	int64_t ack;		/* -1: nothing acknowledged */
	int nak;
	int64_t epsn;
	uint32_t ccount;
};

struct mgroup {
	struct mbranch b[NRCV];
	int64_t fwd_ack;	/* -1 at first */
	int nak_fwd;
	int64_t fwd_epsn;
};

struct mverdict {
	int act;
	enum endmt_stat stat;
	int64_t psn;
};

static struct mverdict model_step(struct mgroup *m, const struct mresp *r)
{
	struct mbranch *b = &m->b[r->rcv];
	struct mverdict v = { XDP_DROP, 0, 0 };
	int64_t mn;
	int i;

	switch (r->kind) {
	case MK_ACK:
		if (r->rel <= b->ack) {
			v.stat = ENDMT_STAT_RESP_ACK_STALE;
			return v;
		}
		b->ack = r->rel;
		if (b->nak && b->ack >= b->epsn)
			b->nak = 0;
		mn = m->b[0].ack;
		for (i = 1; i < NRCV; i++)
			mn = m->b[i].ack < mn ? m->b[i].ack : mn;
		if (mn <= m->fwd_ack) {
			v.stat = ENDMT_STAT_RESP_ACK_ABSORBED;
			return v;
		}
		m->fwd_ack = mn;
		m->nak_fwd = 0;
		v.act = XDP_PASS;
		v.stat = ENDMT_STAT_RESP_ACK_FWD;
		v.psn = mn;
		return v;
	case MK_NAK:
		if (r->rel <= b->ack || (b->nak && r->rel < b->epsn)) {
			v.stat = ENDMT_STAT_RESP_NAK_STALE;
			return v;
		}
		b->nak = 1;
		b->epsn = r->rel;
		mn = INT64_MAX;
		for (i = 0; i < NRCV; i++) {
			int64_t e = m->b[i].nak ? m->b[i].epsn : m->b[i].ack + 1;

			mn = e < mn ? e : mn;
		}
		if (m->nak_fwd && mn <= m->fwd_epsn) {
			v.stat = ENDMT_STAT_RESP_NAK_ABSORBED;
			return v;
		}
		m->nak_fwd = 1;
		m->fwd_epsn = mn;
		v.act = XDP_PASS;
		v.stat = ENDMT_STAT_RESP_NAK_FWD;
		v.psn = mn;
		return v;
	case MK_RNR:
		v.act = XDP_PASS;
		v.stat = ENDMT_STAT_RESP_RNR_FWD;
		v.psn = r->rel;
		return v;
	default:
		b->ccount++;
		v.stat = ENDMT_STAT_RESP_CNP_COUNTED;
		return v;
	}
}

static const char *const maddr[NRCV] = {
	"fd00:21::2", "fd00:22::2", "fd00:23::2", "fd00:24::2",
};

static int64_t unwrap(uint32_t psn, uint32_t start)
{
	/* the run stays within NSENT of the start: one window of 2^24 */
	int64_t d = (int64_t)((psn - start) & 0xffffff);

	return d >= 0xfffff0 ? d - 0x1000000 : d;
}

static int run_seq(struct resp_fx *f, unsigned int seed, uint64_t *tally, int *nresp)
{
	static struct mresp q[4096];
	int64_t truth[NRCV], last_fwd_ack = -1;
	uint32_t start = 0xfffff0u - (seed % 64) * 3;	/* crosses 2^24 */
	int32_t off[NRCV];
	struct endmt_group g;
	struct mgroup m;
	int nq = 0, i, steps, bad = 0;

	srand(seed);
	memset(&m, 0, sizeof(m));
	m.fwd_ack = -1;
	resp_group_init(&g, 0, start);
	for (i = 0; i < NRCV; i++) {
		off[i] = (i == 0) ? 0 : (int32_t)(rand() % 0x1000000) - 0x800000;
		resp_branch_addr(&g, maddr[i], off[i]);
		truth[i] = -1;
		m.b[i].ack = -1;
	}
	if (resp_group_put(f, PROXY, DQPN, &g))
		return -1;

	for (steps = 0; steps < 600; steps++) {
		int r = rand() % NRCV, what = rand() % 100;

		/* receivers progress and answer, into the network queue */
		if (what < 40 && nq < 4000) {
			truth[r] += rand() % 5;
			if (truth[r] >= NSENT)
				truth[r] = NSENT - 1;
			if (rand() % 4)	/* coalesced ACKs: not every step */
				q[nq++] = (struct mresp){ r, MK_ACK, truth[r] };
		} else if (what < 52 && nq < 4000) {
			q[nq++] = (struct mresp){ r, MK_NAK, truth[r] + 1 };
		} else if (what < 55 && nq < 4000) {
			q[nq++] = (struct mresp){ r, MK_RNR, truth[r] + 1 };
		} else if (what < 60 && nq < 4000) {
			q[nq++] = (struct mresp){ r, MK_CNP, 0 };
		}
		/* the network delivers one at random (reordering), sometimes
		 * keeping a copy (duplication) */
		if (nq && rand() % 3) {
			int k = rand() % nq, dup = rand() % 8 == 0;
			struct mresp resp = q[k];
			struct mverdict v;
			struct resp_spec sp = {
				.sa = maddr[resp.rcv], .da = PROXY, .dqpn = DQPN,
				.psn = (uint32_t)(start + resp.rel + off[resp.rcv]) & 0xffffff,
				.opcode = resp.kind == MK_CNP ? ENDMT_OP_CNP : ENDMT_OP_ACK,
				.syn = resp.kind == MK_NAK ? RESP_SYN_NAK_SEQ :
				       resp.kind == MK_RNR ? RESP_SYN_RNR : RESP_SYN_ACK,
			};
			uint8_t in[128], out[128];
			size_t out_len = sizeof(out);
			uint32_t ret = 0;
			int len, j;

			if (!dup)
				q[k] = q[--nq];
			if (resp.kind == MK_CNP)
				sp.psn = 0;
			len = resp_build(in, sizeof(in), &sp);
			if (resp_run(f, in, (size_t)len, 0, out, &out_len, &ret))
				return -1;
			(*nresp)++;
			v = model_step(&m, &resp);
			tally[v.stat]++;
			if (ret != (uint32_t)v.act) {
				printf("    seed %u step %d: verdict %u, model %d (kind %d rcv %d rel %lld)\n",
				       seed, steps, ret, v.act, resp.kind, resp.rcv,
				       (long long)resp.rel);
				bad++;
				continue;
			}
			if (ret != XDP_PASS)
				continue;
			{
				int64_t got = unwrap(resp_get_psn(out), start);

				if (got != v.psn) {
					printf("    seed %u: forwarded PSN %lld, model %lld\n", seed,
					       (long long)got, (long long)v.psn);
					bad++;
				}
				if (!endmt_icrc_ok(out + ENDMT_ETH_HLEN, out_len - ENDMT_ETH_HLEN))
					bad++;
				for (j = 0; j < NRCV && resp.kind == MK_ACK; j++)
					if (got > truth[j])
						bad++, printf("    seed %u: AckPSN %lld > R%d's %lld\n",
							      seed, (long long)got, j,
							      (long long)truth[j]);
				if (resp.kind == MK_ACK) {
					if (got <= last_fwd_ack)
						bad++, printf("    seed %u: AckPSN not increasing\n", seed);
					last_fwd_ack = got;
				}
				for (j = 0; j < NRCV && resp.kind == MK_NAK; j++)
					if (got > truth[j] + 1)
						bad++, printf("    seed %u: ePSN %lld > R%d's %lld\n",
							      seed, (long long)got, j,
							      (long long)truth[j] + 1);
			}
		}
	}
	/* Liveness: once every receiver reports where it is, the source
	 * hears the true minimum (the aggregator is not too conservative). */
	{
		int64_t mn = INT64_MAX;

		for (i = 0; i < NRCV; i++) {
			struct mresp resp = { i, MK_ACK, truth[i] };
			struct resp_spec sp = {
				.sa = maddr[i], .da = PROXY, .dqpn = DQPN,
				.psn = (uint32_t)(start + truth[i] + off[i]) & 0xffffff,
				.syn = RESP_SYN_ACK,
			};
			uint8_t in[128];
			uint32_t ret = 0;
			int len = resp_build(in, sizeof(in), &sp);

			if (resp_run(f, in, (size_t)len, 0, NULL, NULL, &ret))
				return -1;
			(*nresp)++;
			tally[model_step(&m, &resp).stat]++;
			mn = truth[i] < mn ? truth[i] : mn;
		}
		if (resp_group_get(f, PROXY, DQPN, &g))
			return -1;
		if (mn >= 0 && unwrap(g.fwd_ack_psn, start) != mn) {
			printf("    seed %u: final forwarded AckPSN %lld, receivers' minimum %lld\n",
			       seed, (long long)unwrap(g.fwd_ack_psn, start), (long long)mn);
			bad++;
		}
		for (i = 0; i < NRCV; i++)
			if (g.br[i].ccount != m.b[i].ccount)
				bad++;
	}
	return bad;
}

static void test_model_random(void)
{
	uint64_t tally[ENDMT_STAT_MAX] = {0}, before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX];
	struct resp_fx f;
	unsigned int seed;
	int nresp = 0, bad = 0, k;
	uint64_t explained = 0;

	if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
		goto out;
	resp_stats(&f, before);
	for (seed = 1; seed <= 24; seed++) {
		int b = run_seq(&f, seed, tally, &nresp);

		if (!ASSERT_GE(b, 0, "sequence ran"))
			goto out;
		bad += b;
	}
	resp_stats(&f, after);
	ASSERT_EQ(bad, 0, "disagreements with the model or the invariants");
	ASSERT_GE(nresp, 5000, "responses run");
	for (k = 0; k < ENDMT_STAT_MAX; k++) {
		if (k == ENDMT_STAT_RESP_RX)
			continue;
		if (after[k] - before[k] != tally[k]) {
			ASSERT_EQ(after[k] - before[k], tally[k], "counter vs model");
			printf("    counter %d\n", k);
		}
		explained += after[k] - before[k];
	}
	ASSERT_EQ(after[ENDMT_STAT_RESP_RX] - before[ENDMT_STAT_RESP_RX], nresp, "resp_rx");
	ASSERT_EQ(explained, nresp, "every response explained by exactly one counter");
	ASSERT_GE(tally[ENDMT_STAT_RESP_ACK_STALE], 1, "sequences exercised stale ACKs");
	ASSERT_GE(tally[ENDMT_STAT_RESP_NAK_ABSORBED], 1, "sequences exercised absorbed NAKs");
	ASSERT_GE(tally[ENDMT_STAT_RESP_NAK_FWD], 1, "sequences exercised forwarded NAKs");
out:
	resp_fx_close(&f);
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

void test_resp_model(void)
{
	if (test__start_subtest("random_vs_model"))
		test_model_random();
	if (test__start_subtest("concurrency"))
		test_concurrency();
}
