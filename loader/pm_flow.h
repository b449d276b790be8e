/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The period engine's counters as userspace sees them (include/endmt/pm.h,
 * docs/PM.md): making and removing a configured flow's entries, and
 * reading one (flow, colour, point) summed over the CPUs.  Shared by
 * `endmt pm`, `endmt mpls`, apply and the agent. */
#ifndef ENDMT_PM_FLOW_H
#define ENDMT_PM_FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include "endmt/pm.h"

/* Makes (add) or removes the counters of (flow, enc) at point, both
 * colours.  Adding keeps the counts of entries that exist (cumulative
 * counters: the agent takes differences).  Returns 0 or -errno. */
int pm_flow_counters(int counts_fd, uint32_t flow, uint8_t enc, uint8_t point, bool add);

/* The counter of key k summed over every possible CPU.  Returns 0,
 * -ENOENT (not configured) or -errno. */
int pm_count_read(int counts_fd, const struct endmt_pm_key *k, struct endmt_pm_count *sum);

/* "srv6" / "mpls" and back; NULL / -EINVAL for anything else. */
const char *pm_enc_name(uint8_t enc);
int pm_enc_parse(const char *s, uint8_t *enc);

#endif /* ENDMT_PM_FLOW_H */
