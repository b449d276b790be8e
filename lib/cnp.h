/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CNP aggregation windows (draft 5.3.3), driven by the agent: at the end of
 * each window T, every group with CNPs counted sends ONE CNP upstream for
 * its most congested branch and all its CCounts go back to zero. */
#ifndef ENDMT_CNP_H
#define ENDMT_CNP_H

#include <stddef.h>
#include <stdint.h>
#include "endmt/maps.h"

struct endmt_cnp_tick_result {
	unsigned int groups;		/* groups looked at */
	unsigned int cnps_sent;		/* CNPs emitted (at most one per group) */
};

/* IPv6 + UDP + CNP + ICRC. */
#define ENDMT_CNP_PKT_LEN (40 + 8 + 28 + 4)
/* UDP source port of the CNPs this node originates. */
#define ENDMT_CNP_SPORT 0xc000

/* Raw IPv6 socket that sends whole IPv6 packets (IPPROTO_RAW implies the
 * header is included).  Returns the fd or -errno. */
int endmt_cnp_sock_open(void);

/* Builds the CNP a group sends upstream into buf (starting at the IPv6
 * header): non-head DA = Proxy, SA = resp_saddr, DestQPN = Designated QPN;
 * head DA = src_addr, SA = Proxy, DestQPN = src_qpn.  BECN set, ICRC by the
 * full computation.  Returns the length or -errno. */
int endmt_cnp_build(const struct endmt_group_key *key, const struct endmt_group *g,
		    uint8_t *buf, size_t cap);

/* Receives each CNP of a tick; `branch` is the slot that had the most CNPs.
 * 0 or -errno. */
typedef int (*endmt_cnp_emit_fn)(const uint8_t *ip6, size_t len,
				 const struct endmt_group_key *key, unsigned int branch,
				 void *arg);

/* One window end for every group of groups_map_fd, CNPs handed to emit.
 * 0, or the first -errno met (the other groups are still processed). */
int endmt_cnp_tick_emit(int groups_map_fd, endmt_cnp_emit_fn emit, void *arg,
			struct endmt_cnp_tick_result *res);

/* endmt_cnp_tick_emit sending on sock_fd (from endmt_cnp_sock_open). */
int endmt_cnp_tick(int groups_map_fd, int sock_fd, struct endmt_cnp_tick_result *res);

#endif
