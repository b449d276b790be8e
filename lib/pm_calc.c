// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The period reader's arithmetic (pm_calc.h). */
#include <string.h>
#include "pm_calc.h"

bool pm_period_due(uint64_t real_ns, uint64_t period_ns, uint64_t *k)
{
	uint64_t half = period_ns / 2;

	if (!period_ns || real_ns < period_ns + half)
		return false;
	/* (k+1)T + T/2 <= real  <=>  k <= (real - T/2) / T - 1 */
	*k = (real_ns - half) / period_ns - 1;
	return true;
}

bool pm_sched_next(struct pm_sched *s, uint64_t real_ns, uint64_t period_ns, uint64_t *k,
		   bool *reset)
{
	uint64_t due;

	*reset = false;
	if (!pm_period_due(real_ns, period_ns, &due)) {
		if (!period_ns)
			s->started = false;
		return false;
	}
	if (!s->started) {
		/* Period `due` began before us, or we cannot know whether its
		 * colour's counters were read at the start of its window:
		 * start with it, as a baseline like every first read. */
		s->started = true;
		s->next_k = due;
	}
	if (due < s->next_k)
		return false;
	if (due > s->next_k) {
		/* Woke a whole period late (or the period changed): the
		 * counters of next_k's colour now hold next_k + 2's packets
		 * too.  Skip to the newest due, from new baselines. */
		*reset = true;
		s->next_k = due;
	}
	*k = s->next_k++;
	return true;
}

bool pm_base_read(struct pm_base *b, uint8_t colour, const struct endmt_pm_count *cum,
		  struct endmt_pm_count *delta)
{
	unsigned int c = colour & 1;
	bool ok = b->have[c] && cum->packets >= b->at[c].packets && cum->bytes >= b->at[c].bytes;

	if (ok) {
		delta->packets = cum->packets - b->at[c].packets;
		delta->bytes = cum->bytes - b->at[c].bytes;
	} else {
		memset(delta, 0, sizeof(*delta));
	}
	b->at[c] = *cum;
	b->have[c] = true;
	return ok;
}

void pm_base_reset(struct pm_base *b)
{
	memset(b, 0, sizeof(*b));
}
