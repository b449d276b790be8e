/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* 24-bit PSN serial arithmetic (include/endmt/psn.h) against unwrapped
 * 64-bit integers: for values less than 2^23 apart, "a precedes b" must be
 * exactly a < b on the unwrapped line, whatever the wrap in between. */
#include <stdlib.h>
#include "test_progs.h"
#include "endmt/psn.h"

static uint64_t rnd64(void)
{
	return (uint64_t)rand() << 40 ^ (uint64_t)rand() << 20 ^ (uint64_t)rand();
}

void test_psn(void)
{
	int i, bad = 0, wraps = 0;

	if (test__start_subtest("vs_unwrapped")) {
		srand(99);
		for (i = 0; i < 200000; i++) {
			/* bases near the wrap half the time */
			uint64_t A = (i & 1) ? (rnd64() & ~0xffffffull) | (0xffff00u + rand() % 0x200)
					     : rnd64() >> 8;
			int64_t d = (int64_t)(rand() % (2 * 0x7fffff + 1)) - 0x7fffff;
			uint64_t B = A + (uint64_t)d;
			uint32_t a = (uint32_t)(A & 0xffffff), b = (uint32_t)(B & 0xffffff);
			uint32_t mn = A < B ? a : b, mx = A < B ? b : a;

			if ((A >> 24) != (B >> 24))
				wraps++;
			bad += endmt_psn_before(a, b) != (A < B);
			bad += endmt_psn_before(b, a) != (B < A);
			bad += endmt_psn_before_mask(a, b) != (A < B ? 0xffffffffu : 0);
			bad += endmt_psn_before_mask(b, a) != (B < A ? 0xffffffffu : 0);
			bad += endmt_psn_min(a, b) != mn;
			bad += endmt_psn_max(a, b) != mx;
			bad += endmt_psn_diff(b, a) != (uint32_t)((B - A) & 0xffffff);
			bad += endmt_psn_add(a, (int32_t)d) != b;
		}
		ASSERT_EQ(bad, 0, "serial arithmetic != unwrapped comparison");
		ASSERT_GE(wraps, 10000, "pairs straddling a 2^24 wrap");
	}
	if (test__start_subtest("edges")) {
		ASSERT_TRUE(endmt_psn_before(0xffffff, 0), "0xffffff precedes 0");
		ASSERT_FALSE(endmt_psn_before(0, 0xffffff), "0 does not precede 0xffffff");
		ASSERT_FALSE(endmt_psn_before(5, 5), "not before itself");
		ASSERT_TRUE(endmt_psn_before(0, 0x7fffff), "2^23 - 1 ahead");
		ASSERT_FALSE(endmt_psn_before(0, 0x800000), "exactly 2^23 ahead: not before");
		ASSERT_EQ(endmt_psn_add(0, -1), 0xffffff, "0 - 1");
		ASSERT_EQ(endmt_psn_before_mask(0xffffff, 0), 0xffffffffu, "mask: across the wrap");
		ASSERT_EQ(endmt_psn_before_mask(5, 5), 0, "mask: not before itself");
		ASSERT_EQ(endmt_psn_before_mask(0, 0x7fffff), 0xffffffffu, "mask: 2^23 - 1 ahead");
		ASSERT_EQ(endmt_psn_before_mask(0, 0x800000), 0, "mask: exactly 2^23 ahead");
		ASSERT_EQ(endmt_psn_add(0xffffff, 1), 0, "wrap up");
		ASSERT_EQ(endmt_psn_min(0xfffff0, 3), 0xfffff0, "min across the wrap");
		ASSERT_EQ(endmt_psn_max(0xfffff0, 3), 3, "max across the wrap");
	}
}
