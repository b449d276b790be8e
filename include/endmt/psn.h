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

static inline __u32 endmt_psn_min(__u32 a, __u32 b)
{
	return endmt_psn_before(b, a) ? b : a;
}

static inline __u32 endmt_psn_max(__u32 a, __u32 b)
{
	return endmt_psn_before(a, b) ? b : a;
}

#endif /* ENDMT_PSN_H */
