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

/* True when s is a counter of kind k; a constant expression for a constant s,
 * so clang's diagnose_if rejects a constant of the wrong kind at build time
 * (a variable reason, such as the TLV walk's, is checked by
 * test/unit/verdicts.c). */
#define ENDMT_STAT_IS_KIND_(kind, name, str, help) \
	|| (s == ENDMT_STAT_##name && ENDMT_STAT_KIND_##kind == ENDMT_STAT_KIND_EVENT)
#define ENDMT_STAT_IS_EVENT(s) (0 ENDMT_STAT_LIST(ENDMT_STAT_IS_KIND_))

/* Count an event (a kind EVENT counter). */
static __always_inline void endmt_event(enum endmt_stat s)
	__attribute__((diagnose_if(!ENDMT_STAT_IS_EVENT(s),
				   "endmt_event() of a verdict reason", "error")))
{
	endmt_stat_inc(s);
}

/* Count the verdict reason of this run (a kind VERDICT counter) and return
 * the verdict that goes with it.  Called once per program run. */
static __always_inline int endmt_verdict(enum endmt_stat s, int act)
	__attribute__((diagnose_if(ENDMT_STAT_IS_EVENT(s),
				   "endmt_verdict() of an event counter", "error")))
{
	endmt_stat_inc(s);
	return act;
}

#endif /* ENDMT_DP_STATS_H */
