/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's CNP rate limit (lib/cnp.c, docs/REVERSE-PATH.md "CNP rate
 * limit"): a token bucket per group, endmt_group.cnp_rate CNPs per second
 * and cnp_burst deep, in the agent's memory.
 *
 * bucket: the bucket alone, on a clock the test sets.
 * flood_one_branch: forged CNPs on one branch of a group, many in every
 *   window, through the data path, while windows end as fast as the loop
 *   goes: the CNPs sent upstream over the run are at most rate x time +
 *   burst (and not far below), every window's CNP is sent or counted as
 *   withheld, and the counters reach endmt_cnp_limit.  A second group,
 *   flooded the same way but with cnp_rate 0 (no limit), sends one CNP per
 *   window: what limits is the bucket, and the run is long enough to tell.
 * below_rate: congestion in every window of 2 ms, with the default limit
 *   (1000/s, 8): every CNP goes upstream, none withheld.
 * at_window_rate: the same at the default window, 1 ms, where the rate is
 *   the window's own: the burst absorbs the loop's late wakeups, nothing is
 *   withheld (with burst 1 a window after a late one would be). */
#include <time.h>
#include "resp_fx.h"
#include "util.h"
#include "cnp.h"

#define PROXY "fd00:ff::9"
#define DQPN  0x4321

static void bucket_case(void)
{
	struct endmt_cnp_bucket b = {0};
	const uint64_t t0 = 5000000000ull, ms = 1000000;
	int i, n;

	/* 100/s, 4 deep: full at first use, 4 back to back, then one per 10 ms */
	for (i = 0, n = 0; i < 10; i++)
		n += endmt_cnp_bucket_take(&b, 100, 4, t0);
	ASSERT_EQ(n, 4, "a full bucket gives burst CNPs at once");
	ASSERT_TRUE(!endmt_cnp_bucket_take(&b, 100, 4, t0 + 9 * ms), "9 ms: no token yet");
	ASSERT_TRUE(endmt_cnp_bucket_take(&b, 100, 4, t0 + 10 * ms), "10 ms: one token");
	ASSERT_TRUE(!endmt_cnp_bucket_take(&b, 100, 4, t0 + 10 * ms), "and only one");
	/* a long quiet time fills it to burst, not beyond */
	for (i = 0, n = 0; i < 10; i++)
		n += endmt_cnp_bucket_take(&b, 100, 4, t0 + 3600000 * ms);
	ASSERT_EQ(n, 4, "an hour later: burst CNPs, no more");
	/* the largest rate and burst over the longest gap: no overflow */
	memset(&b, 0, sizeof(b));
	ASSERT_TRUE(endmt_cnp_bucket_take(&b, UINT32_MAX, UINT32_MAX, 1), "first");
	ASSERT_TRUE(endmt_cnp_bucket_take(&b, UINT32_MAX, UINT32_MAX, UINT64_MAX), "after 2^64 ns");
	ASSERT_EQ(b.credit, (uint64_t)UINT32_MAX * ENDMT_CNP_TOKEN - ENDMT_CNP_TOKEN, "full minus one");
	/* a lowered burst caps what was saved */
	memset(&b, 0, sizeof(b));
	endmt_cnp_bucket_take(&b, 100, 8, t0);
	for (i = 0, n = 0; i < 10; i++)
		n += endmt_cnp_bucket_take(&b, 100, 2, t0);
	ASSERT_EQ(n, 2, "burst lowered from 8 to 2");
	/* burst 0 (a map written by hand) counts as 1; rate 0 is no limit */
	memset(&b, 0, sizeof(b));
	ASSERT_TRUE(endmt_cnp_bucket_take(&b, 100, 0, t0), "burst 0: one");
	ASSERT_TRUE(!endmt_cnp_bucket_take(&b, 100, 0, t0), "and no second");
	memset(&b, 0, sizeof(b));
	for (i = 0, n = 0; i < 1000; i++)
		n += endmt_cnp_bucket_take(&b, 0, 1, t0);
	ASSERT_EQ(n, 1000, "rate 0: no limit");
}

/* n CNPs from branch address sa to group dqpn through the data path. */
static int send_cnps(struct resp_fx *f, const char *sa, uint32_t dqpn, int n)
{
	struct resp_spec r = { sa, PROXY, ENDMT_OP_CNP, 0, dqpn, 0, 0, 0 };

	return resp_send_n(f, &r, n, XDP_DROP);	/* a CNP is never forwarded */
}

struct per_group {
	uint64_t sent[2];	/* [0]: DQPN (limited), [1]: DQPN + 1 (no limit) */
};

static int count_emit(const uint8_t *ip6, size_t len, const struct endmt_group_key *key,
		      unsigned int branch, void *arg)
{
	struct per_group *pg = arg;

	(void)ip6;
	(void)len;
	(void)branch;
	pg->sent[key->dqpn == DQPN ? 0 : 1]++;
	return 0;
}

static int put_group(struct resp_fx *f, uint32_t dqpn, uint32_t rate, uint32_t burst,
		     uint32_t cap, const char *const *rcv, int nrcv)
{
	struct endmt_group g;
	int i;

	resp_group_init(&g, 0, 0);
	g.cnp_rate = rate;
	g.cnp_burst = burst;
	g.cnp_cap = cap;
	for (i = 0; i < nrcv; i++)
		resp_branch_addr(&g, rcv[i], 0);
	return resp_group_put(f, PROXY, dqpn, &g);
}

#define FLOOD_RATE  200		/* CNPs per second */
#define FLOOD_BURST 4
#define FLOOD_CAP   4		/* per branch per window (data path) */
#define FLOOD_PER   8		/* forged CNPs per window on the one branch */
#define FLOOD_NS    (400ull * 1000000)

static void flood_case(void)
{
	static const char *const rcv[3] = { "fd00:31::2", "fd00:32::2", "fd00:33::2" };
	const char *forger = rcv[0];
	struct endmt_cnp_tick_result res;
	struct endmt_cnp_limiter lim = { .report_fd = -1 };
	const struct endmt_cnp_group_limit *gl;
	struct endmt_group_key k = { .dqpn = DQPN };
	struct in6_addr pa = endmt_in6(PROXY);
	struct endmt_cnp_limit rep;
	struct per_group pg = {{0}};
	uint64_t before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX];
	uint64_t ticks = 0, withheld = 0, t_first0 = 0, t_first1 = 0, t_last0 = 0, t_last1 = 0;
	double secs, bound, floor_;
	struct resp_fx f;

	memcpy(k.proxy, &pa, 16);
	if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
		return;
	if (!ASSERT_OK(endmt_cnp_limiter_init(&lim, f.cnp_limit), "limiter"))
		goto out;
	if (!ASSERT_OK(put_group(&f, DQPN, FLOOD_RATE, FLOOD_BURST, FLOOD_CAP, rcv, 3), "group") ||
	    !ASSERT_OK(put_group(&f, DQPN + 1, 0, FLOOD_BURST, FLOOD_CAP, rcv, 3), "group, no limit"))
		goto out;
	resp_stats(&f, before);
	/* Windows as short as the loop makes them (tens of us: shorter than
	 * the agent's smallest, 50 us), each flooded on one branch. */
	t_first0 = now_ns();
	for (;;) {
		uint64_t t0, t1;

		if (!ASSERT_OK(send_cnps(&f, forger, DQPN, FLOOD_PER), "flood") ||
		    !ASSERT_OK(send_cnps(&f, forger, DQPN + 1, FLOOD_PER), "flood, no limit"))
			goto out;
		t0 = now_ns();
		if (!ASSERT_OK(endmt_cnp_tick_emit(f.groups, f.epoch, &lim, count_emit, &pg, &res),
			       "tick"))
			goto out;
		t1 = now_ns();
		if (!ticks)
			t_first1 = t1;
		t_last0 = t0;
		t_last1 = t1;
		ticks++;
		withheld += res.cnps_withheld;
		if (t1 - t_first0 >= FLOOD_NS)
			break;
	}
	resp_stats(&f, after);
	/* The upper bound over the widest span the ticks' clock readings can
	 * have had; the lower one over the narrowest, less one token for the
	 * part of a token earned after the last tick. */
	secs = (double)(t_last1 - t_first0) / 1e9;
	bound = FLOOD_RATE * secs + FLOOD_BURST;
	floor_ = FLOOD_RATE * (double)(t_last0 - t_first1) / 1e9 + FLOOD_BURST - 1;
	printf("flood_one_branch: %llu windows in %.3f s, %d forged CNPs each: limited group "
	       "sent %llu (bound rate x time + burst = %.1f), withheld %llu; unlimited group "
	       "sent %llu\n", (unsigned long long)ticks, secs, FLOOD_PER,
	       (unsigned long long)pg.sent[0], bound, (unsigned long long)withheld,
	       (unsigned long long)pg.sent[1]);
	ASSERT_TRUE((double)pg.sent[0] <= bound, "CNPs sent upstream <= rate x time + burst");
	/* A bucket that gives less than it should would also "limit". */
	ASSERT_TRUE((double)pg.sent[0] >= floor_ / 2, "and not far below it");
	ASSERT_EQ(pg.sent[0] + withheld, ticks, "every window's CNP sent or withheld");
	ASSERT_EQ(pg.sent[1], ticks, "no limit: one CNP per window");
	ASSERT_TRUE((double)ticks > 2 * bound, "enough windows that an unlimited group exceeds the bound");
	/* the data path's per-branch cap, on both groups */
	ASSERT_EQ(after[ENDMT_STAT_RESP_CNP_COUNTED] - before[ENDMT_STAT_RESP_CNP_COUNTED],
		  2 * ticks * FLOOD_CAP, "counted up to the cap per window");
	ASSERT_EQ(after[ENDMT_STAT_RESP_CNP_CAPPED] - before[ENDMT_STAT_RESP_CNP_CAPPED],
		  2 * ticks * (FLOOD_PER - FLOOD_CAP), "the rest capped");
	/* the agent's counters, in its memory and in endmt_cnp_limit */
	gl = endmt_cnp_limiter_find(&lim, &k);
	if (ASSERT_TRUE(gl != NULL, "limiter has the group")) {
		ASSERT_EQ(gl->sent, pg.sent[0], "limiter: sent");
		ASSERT_EQ(gl->withheld, withheld, "limiter: withheld");
	}
	ASSERT_OK(endmt_cnp_limit_publish(&lim, f.groups), "publish");
	if (ASSERT_OK(bpf_map_lookup_elem_flags(f.cnp_limit, &k, &rep, BPF_F_LOCK) ? -errno : 0,
		      "endmt_cnp_limit entry")) {
		ASSERT_EQ(rep.sent, pg.sent[0], "reported sent");
		ASSERT_EQ(rep.withheld, withheld, "reported withheld");
	}
	/* a new agent (limiter) carries the lifetime counters on */
	endmt_cnp_limiter_free(&lim);
	if (!ASSERT_OK(endmt_cnp_limiter_init(&lim, f.cnp_limit), "second limiter"))
		goto out;
	ASSERT_OK(endmt_cnp_tick_emit(f.groups, f.epoch, &lim, count_emit, &pg, &res), "tick");
	gl = endmt_cnp_limiter_find(&lim, &k);
	if (ASSERT_TRUE(gl != NULL, "second limiter has the group"))
		ASSERT_EQ(gl->sent + gl->withheld, pg.sent[0] + withheld, "counters carried over");
	/* a deleted group's report goes at the next publish */
	ASSERT_OK(bpf_map_delete_elem(f.groups, &k) ? -errno : 0, "delete the group");
	ASSERT_OK(endmt_cnp_tick_emit(f.groups, f.epoch, &lim, count_emit, &pg, &res), "tick");
	ASSERT_TRUE(endmt_cnp_limiter_find(&lim, &k) == NULL, "bucket of the deleted group gone");
	ASSERT_OK(endmt_cnp_limit_publish(&lim, f.groups), "publish");
	ASSERT_EQ(bpf_map_lookup_elem_flags(f.cnp_limit, &k, &rep, BPF_F_LOCK) ? errno : 0,
		  ENOENT, "report of the deleted group gone");
out:
	endmt_cnp_limiter_free(&lim);
	resp_fx_close(&f);
}

/* nwin windows of win_ns, one CNP each, with the default limit. */
static void paced_case(const char *name, int nwin, uint64_t win_ns)
{
	static const char *const rcv[2] = { "fd00:41::2", "fd00:42::2" };
	struct endmt_cnp_tick_result res;
	struct endmt_cnp_limiter lim = { .report_fd = -1 };
	struct per_group pg = {{0}};
	struct timespec next;
	uint64_t withheld = 0, due, late;
	struct resp_fx f;
	int i;

	if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
		return;
	if (!ASSERT_OK(endmt_cnp_limiter_init(&lim, f.cnp_limit), "limiter") ||
	    !ASSERT_OK(put_group(&f, DQPN, ENDMT_CNP_RATE_DEF, ENDMT_CNP_BURST_DEF, 0, rcv, 2),
		       "group with the default limit"))
		goto out;
	/* Windows on an absolute grid, restarted when a wakeup is later than
	 * a window, as the agent does (loader/agent.c). */
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < nwin; i++) {
		next.tv_nsec += win_ns;
		next.tv_sec += next.tv_nsec / 1000000000;
		next.tv_nsec %= 1000000000;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		due = (uint64_t)next.tv_sec * 1000000000ull + (uint64_t)next.tv_nsec;
		late = now_ns() - due;
		if (late > win_ns)
			clock_gettime(CLOCK_MONOTONIC, &next);
		if (!ASSERT_OK(send_cnps(&f, rcv[i % 2], DQPN, 1), "a CNP in the window") ||
		    !ASSERT_OK(endmt_cnp_tick_emit(f.groups, f.epoch, &lim, count_emit, &pg, &res),
			       "tick"))
			goto out;
		withheld += res.cnps_withheld;
	}
	printf("%s: %d windows of %llu us, one CNP each, default limit %u/s burst %u: "
	       "sent %llu, withheld %llu\n", name, nwin, (unsigned long long)(win_ns / 1000),
	       ENDMT_CNP_RATE_DEF, ENDMT_CNP_BURST_DEF, (unsigned long long)pg.sent[0],
	       (unsigned long long)withheld);
	ASSERT_EQ(pg.sent[0], (uint64_t)nwin, "every window's CNP sent upstream");
	ASSERT_EQ(withheld, 0, "none withheld");
out:
	endmt_cnp_limiter_free(&lim);
	resp_fx_close(&f);
}

void test_cnp_limit(void)
{
	if (test__start_subtest("bucket"))
		bucket_case();
	if (test__start_subtest("flood_one_branch"))
		flood_case();
	if (test__start_subtest("below_rate"))
		paced_case("below_rate", 100, 2000000);	/* 500 windows/s < 1000/s */
	if (test__start_subtest("at_window_rate"))
		paced_case("at_window_rate", 300, 1000000);	/* the default T */
}
