/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counting, by the contract at the top of include/endmt/stats.h: every
 * program run leaves through exactly one endmt_verdict(); endmt_event()
 * counts what happened on the way, any number of times. */
#ifndef ENDMT_DP_STATS_H
#define ENDMT_DP_STATS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "endmt/stats.h"

static __always_inline void endmt_stat_inc(enum endmt_stat s)
{
	__u32 key = s;
	__u64 *v = bpf_map_lookup_elem(&endmt_stats, &key);

	if (v)
		*v += 1;	/* per-CPU slot: no atomics needed */
}

/* Count an event (a kind EVENT counter). */
static __always_inline void endmt_event(enum endmt_stat s)
{
	endmt_stat_inc(s);
}

/* Count the verdict reason of this run (a kind VERDICT counter) and return
 * the verdict that goes with it.  Called once per program run. */
static __always_inline int endmt_verdict(enum endmt_stat s, int act)
{
	endmt_stat_inc(s);
	return act;
}

#endif /* ENDMT_DP_STATS_H */
