/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* 24-bit PSN serial-number arithmetic (docs/PROTOCOL.md: a precedes b iff
 * 0 < (b - a) mod 2^24 < 2^23).  Shared by BPF and userspace; every compare,
 * min and max on PSNs goes through these. */
#ifndef ENDMT_PSN_H
#define ENDMT_PSN_H

#include <linux/types.h>

#define ENDMT_PSN_MOD  0x01000000u
#define ENDMT_PSN_MASK 0x00ffffffu
#define ENDMT_PSN_HALF 0x00800000u

static inline __u32 endmt_psn_add(__u32 psn, __s32 d)
{
	return (psn + (__u32)d) & ENDMT_PSN_MASK;
}

/* (b - a) mod 2^24 */
static inline __u32 endmt_psn_diff(__u32 b, __u32 a)
{
	return (b - a) & ENDMT_PSN_MASK;
}

/* a strictly precedes b */
static inline int endmt_psn_before(__u32 a, __u32 b)
{
	__u32 d = endmt_psn_diff(b, a);

	return d != 0 && d < ENDMT_PSN_HALF;
}

/* endmt_psn_before as a mask, all ones or 0, computed without a branch (the
 * reverse path's scan over branches under the group lock, bpf/dp/
 * resp_aggregate.h).  d - 1 (mod 2^24) is below 2^23 - 1 exactly for d in
 * 1 .. 2^23 - 1, and the sign of the subtraction says so. */
static inline __u32 endmt_psn_before_mask(__u32 a, __u32 b)
{
	__u32 t = (b - a - 1) & ENDMT_PSN_MASK;

	return 0 - ((t - (ENDMT_PSN_HALF - 1)) >> 31);
}

static inline __u32 endmt_psn_min(__u32 a, __u32 b)
{
	return endmt_psn_before(b, a) ? b : a;
}

static inline __u32 endmt_psn_max(__u32 a, __u32 b)
{
	return endmt_psn_before(a, b) ? b : a;
}

#endif /* ENDMT_PSN_H */
