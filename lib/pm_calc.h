/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's period reader (RFC 9341 alternate marking, docs/PM.md), its
 * arithmetic only: when a period may be read, and what a read of a
 * cumulative counter says about it.  No maps, no clock: the agent
 * (loader/pm_period.c) feeds it CLOCK_REALTIME and pm_count_read()'s sums,
 * the unit test (test/unit/pm_period.c) numbers it chooses.
 *
 * Periods are time-based: period k is [k*T, (k+1)*T) of CLOCK_REALTIME,
 * its packets carry colour k & 1.  Period k is read at (k+1)*T + T/2 (the
 * guard time: packets of period k late or reordered by up to T/2 are
 * counted), while the counters of the other colour run.  A read of colour
 * c gives the period whose colour it is everything counted in colour c
 * since the previous read of c (two periods before). */
#ifndef ENDMT_PM_CALC_H
#define ENDMT_PM_CALC_H

#include <stdbool.h>
#include <stdint.h>
#include "endmt/pm.h"

/* Which period to read next. */
struct pm_sched {
	bool started;
	uint64_t next_k;	/* the next period to read */
};

/* The newest period whose guard time has passed at real_ns: k with
 * (k+1)*T + T/2 <= real_ns.  false when there is none (real_ns < 1.5 T, or
 * T == 0). */
bool pm_period_due(uint64_t real_ns, uint64_t period_ns, uint64_t *k);

/* Called every loop: true when period *k is to be read now (call again:
 * several may be due).  The first call only starts the schedule (the
 * period due then was partly before the agent).  *reset: the reader slept
 * past one or more periods; those are lost and every baseline must be
 * dropped (the counters of a colour now mix two periods). */
bool pm_sched_next(struct pm_sched *s, uint64_t real_ns, uint64_t period_ns, uint64_t *k,
		   bool *reset);

/* What the reader remembers of one (flow, enc, point): the cumulative
 * counts at the last read of each colour. */
struct pm_base {
	bool have[2];
	struct endmt_pm_count at[2];
};

/* A read of colour c (0/1) giving cumulative cum: true with *delta the
 * period's counts when a baseline of c existed; false when this read only
 * sets the baseline (the first read, or the counters went backwards: the
 * flow was deleted and added again).  Counters are u64 from 0: they do not
 * wrap in practice (2^64 packets), so a smaller value is a reset. */
bool pm_base_read(struct pm_base *b, uint8_t colour, const struct endmt_pm_count *cum,
		  struct endmt_pm_count *delta);

/* Every baseline dropped (after a reset from pm_sched_next). */
void pm_base_reset(struct pm_base *b);

#endif
