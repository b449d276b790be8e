/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's /metrics: the node's counters, groups and branches in the
 * Prometheus text exposition format (version 0.0.4), served by
 * libmicrohttpd from a thread of its own (loader/metrics.c; the names are
 * in docs/OPERATOR-GUIDE.md, "Watching a node"). */
#ifndef ENDMT_METRICS_H
#define ENDMT_METRICS_H

#include <stdio.h>
#include "endmt.h"

#define ENDMT_METRICS_DEF_ADDR "127.0.0.1:9477"

struct metrics;

/* Listens on addr ("127.0.0.1:9477", "[::1]:9477", "0.0.0.0:9477",
 * "[::]:9477") and serves GET /metrics from m's maps, which must stay open
 * until metrics_stop().  Prints the one error line itself.  0 or -errno. */
int metrics_start(struct metrics **mp, const char *addr, const struct endmt_maps_fds *m);
void metrics_stop(struct metrics *mt);	/* NULL is fine */

/* The exposition of m's state into f (what GET /metrics answers). */
int metrics_render(const struct endmt_maps_fds *m, FILE *f);

#endif
