/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counting.  Every verdict leaves through one of these so each packet is
 * explained by exactly one named counter (include/endmt/stats.h). */
#ifndef ENDMT_BPF_STATS_H
#define ENDMT_BPF_STATS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "endmt/stats.h"

static __always_inline void endmt_count(enum endmt_stat s)
{
	__u32 key = s;
	__u64 *v = bpf_map_lookup_elem(&endmt_stats, &key);

	if (v)
		*v += 1;	/* per-CPU slot: no atomics needed */
}

/* Count a reason and return the verdict that goes with it. */
static __always_inline int endmt_verdict(enum endmt_stat s, int act)
{
	endmt_count(s);
	return act;
}

#endif /* ENDMT_BPF_STATS_H */
