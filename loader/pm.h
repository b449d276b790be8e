/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Alternate marking's node configuration (pm.c), shared by `endmt pm`,
 * apply and the agent (docs/PM.md). */
#ifndef ENDMT_LOADER_PM_H
#define ENDMT_LOADER_PM_H

#include <stdbool.h>
#include <stdint.h>
#include "endmt/pm.h"
#include "endmt/maps.h"

/* endmt_pm := (period_ns, count_period, node_id) with the clock offset
 * now.  0 or -errno. */
int pm_cfg_write(int fd, uint64_t period_ns, uint32_t count_period, uint32_t node_id,
		 bool *changed);
/* The agent, each tick: keeps endmt_pm's real_minus_tai_ns current.
 * 1 if it changed it, 0, or -errno. */
int pm_clock_sync(int fd);
/* The head: endmt_pm_groups[k] := flow and its OUT counters (flow 0:
 * the entry and the counters go).  0 or -errno. */
int pm_group_write(int groups_fd, int counts_fd, const struct endmt_group_key *k,
		   uint32_t flow, bool *changed);

#endif
