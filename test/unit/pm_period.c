/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's period reader's arithmetic (lib/pm_calc.c), on numbers the
 * test chooses: no maps, no clock.
 *
 * due:         period k is due at (k+1)T + T/2, not a nanosecond before.
 * schedule:    one period per call, the first call's period first (as a
 *              baseline), nothing twice; a sleep past a period resets.
 * baselines:   the first read of each colour only sets its baseline; the
 *              next read of the same colour gives the difference; the
 *              colours alternate and never mix.
 * empty:       a period with no packets gives a record of 0, not none.
 * big:         counts near 2^64 subtract without wrapping; a counter that
 *              went backwards (flow deleted and added) is a new baseline. */
#include "test_progs.h"
#include "pm_calc.h"

#define T 1000000000ull	/* 1 s */

static void due_case(void)
{
	uint64_t k = 99;

	ASSERT_FALSE(pm_period_due(T + T / 2 - 1, T, &k), "nothing due before 1.5 T");
	ASSERT_TRUE(pm_period_due(T + T / 2, T, &k) && k == 0, "period 0 due at 1.5 T");
	ASSERT_TRUE(pm_period_due(1000 * T + T / 2 - 1, T, &k), "due");
	ASSERT_EQ(k, 998, "period 999 not due 1 ns before its guard time ends");
	ASSERT_TRUE(pm_period_due(1000 * T + T / 2, T, &k), "due");
	ASSERT_EQ(k, 999, "period 999 due at 1000.5 T");
	ASSERT_FALSE(pm_period_due(5 * T, 0, &k), "no period length: nothing due");
}

static void schedule_case(void)
{
	struct pm_sched s = {};
	uint64_t k = 0;
	bool reset;

	ASSERT_FALSE(pm_sched_next(&s, T, T, &k, &reset), "too early");
	ASSERT_TRUE(pm_sched_next(&s, 10 * T + T / 2 + 5, T, &k, &reset), "start");
	ASSERT_EQ(k, 9, "the first period read is the one due at the start");
	ASSERT_FALSE(reset, "no reset at the start");
	ASSERT_FALSE(pm_sched_next(&s, 10 * T + T / 2 + 6, T, &k, &reset), "once");
	ASSERT_FALSE(pm_sched_next(&s, 11 * T + T / 2 - 1, T, &k, &reset), "not before its time");
	ASSERT_TRUE(pm_sched_next(&s, 11 * T + T / 2, T, &k, &reset), "next");
	ASSERT_EQ(k, 10, "period 10 next");
	ASSERT_FALSE(reset, "on time");
	/* asleep for 3 periods: 11, 12, 13 due; 11 and 12 lost */
	ASSERT_TRUE(pm_sched_next(&s, 14 * T + T / 2 + 1, T, &k, &reset), "late");
	ASSERT_EQ(k, 13, "the newest due is read");
	ASSERT_TRUE(reset, "baselines dropped");
	ASSERT_FALSE(pm_sched_next(&s, 14 * T + T / 2 + 2, T, &k, &reset), "and only it");
}

static void baselines_case(void)
{
	struct pm_base b = {};
	struct endmt_pm_count cum, d;

	/* colour 1 (period 9), colour 0 (10): baselines */
	cum = (struct endmt_pm_count){ 100, 10000 };
	ASSERT_FALSE(pm_base_read(&b, 1, &cum, &d), "first read of colour 1: baseline");
	cum = (struct endmt_pm_count){ 50, 5000 };
	ASSERT_FALSE(pm_base_read(&b, 0, &cum, &d), "first read of colour 0: baseline");
	/* period 11 (colour 1): 7 packets more */
	cum = (struct endmt_pm_count){ 107, 10700 };
	ASSERT_TRUE(pm_base_read(&b, 1, &cum, &d), "colour 1 again");
	ASSERT_EQ(d.packets, 7, "period 11's packets");
	ASSERT_EQ(d.bytes, 700, "period 11's bytes");
	/* period 12 (colour 0): its own baseline, not colour 1's */
	cum = (struct endmt_pm_count){ 53, 5300 };
	ASSERT_TRUE(pm_base_read(&b, 0, &cum, &d), "colour 0 again");
	ASSERT_EQ(d.packets, 3, "period 12: colour 0's counter only");
	ASSERT_EQ(d.bytes, 300, "period 12's bytes");
	pm_base_reset(&b);
	ASSERT_FALSE(pm_base_read(&b, 1, &cum, &d), "after a reset: a baseline again");
}

static void empty_case(void)
{
	struct pm_base b = {};
	struct endmt_pm_count cum = { 5, 500 }, d = { 1, 1 };

	pm_base_read(&b, 0, &cum, &d);
	ASSERT_TRUE(pm_base_read(&b, 0, &cum, &d), "a period with no packets is a record");
	ASSERT_EQ(d.packets, 0, "of 0 packets");
	ASSERT_EQ(d.bytes, 0, "and 0 bytes");
}

static void big_case(void)
{
	struct pm_base b = {};
	struct endmt_pm_count cum = { UINT64_MAX - 10, UINT64_MAX - 1000 }, d;

	pm_base_read(&b, 1, &cum, &d);
	cum = (struct endmt_pm_count){ UINT64_MAX, UINT64_MAX };
	ASSERT_TRUE(pm_base_read(&b, 1, &cum, &d), "near 2^64");
	ASSERT_EQ(d.packets, 10, "exact difference");
	ASSERT_EQ(d.bytes, 1000, "exact bytes");
	cum = (struct endmt_pm_count){ 3, 300 };
	ASSERT_FALSE(pm_base_read(&b, 1, &cum, &d), "counters went back: a new baseline");
	ASSERT_EQ(d.packets, 0, "no phantom period");
	cum = (struct endmt_pm_count){ 4, 400 };
	ASSERT_TRUE(pm_base_read(&b, 1, &cum, &d), "then differences again");
	ASSERT_EQ(d.packets, 1, "from the new baseline");
}

void test_pm_period(void)
{
	if (test__start_subtest("due"))
		due_case();
	if (test__start_subtest("schedule"))
		schedule_case();
	if (test__start_subtest("baselines"))
		baselines_case();
	if (test__start_subtest("empty"))
		empty_case();
	if (test__start_subtest("big"))
		big_case();
}
