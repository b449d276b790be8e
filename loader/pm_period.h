/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's period reader (alternate marking, RFC 9341; docs/PM.md):
 * every loop, the periods whose guard time ended are read from
 * endmt_pm_counts (one record per configured flow and point, the
 * arithmetic in lib/pm_period.c) and the D-mark ring is drained, both
 * exported as IPFIX (tm_export.h, templates 258 and 259). */
#ifndef ENDMT_LOADER_PM_PERIOD_H
#define ENDMT_LOADER_PM_PERIOD_H

#include <stdint.h>
#include <jansson.h>

struct pm_reader;
struct tm_export;
struct endmt_maps_fds;

/* The maps of m (kept open by the caller).  0 or -errno. */
int pm_reader_open(struct pm_reader **out, const struct endmt_maps_fds *m);
/* From the agent's loop; never blocks.  x: where records go. */
void pm_reader_poll(struct pm_reader *r, struct tm_export *x);
/* {"periods","records","dmarks","resets","baselines"}; NULL r: null. */
json_t *pm_reader_json(const struct pm_reader *r);
void pm_reader_close(struct pm_reader *r);

#endif
