/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's half of the XDP fan-out (loader/fanout.c). */
#ifndef ENDMT_LOADER_FANOUT_H
#define ENDMT_LOADER_FANOUT_H

#include <stdbool.h>
#include <stdint.h>
#include "endmt.h"

struct fanout;

struct fanout_stats {
	uint64_t refreshes;
	uint64_t changes;	/* slot entries written or removed */
	uint64_t valid;		/* slots valid after the last refresh */
	uint64_t errors;
};

/* *f = NULL (and 0) when the pins have no fan-out maps or the slot program
 * cannot load here: the agent goes on, every copy takes the TC path. */
int fanout_open(struct fanout **f, const struct endmt_maps_fds *m);
int fanout_refresh(struct fanout *f);
/* Did the kernel announce a route, neighbour, address or link change since
 * the last call?  Never blocks. */
bool fanout_changed(struct fanout *f);
const struct fanout_stats *fanout_stats(const struct fanout *f);
/* Ends the leases and invalidates every slot (the TC path from now on). */
void fanout_close(struct fanout *f);

#endif /* ENDMT_LOADER_FANOUT_H */
