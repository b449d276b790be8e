/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CNP aggregation windows (draft 5.3.3), driven by the agent: at the end of
 * each window T, every group with CNPs counted sends ONE CNP upstream for
 * its most congested branch and all its CCounts go back to zero.
 *
 * The agent never writes struct endmt_group (a whole-value write would undo
 * responses the data path aggregated since the agent read it): a window ends
 * by advancing the epoch in endmt_cnp_epoch, the data path restarts the
 * CCounts lazily at the first CNP of the new epoch (keeping the previous
 * window's in ccount_prev), and the agent reads the counts of the window
 * that ended (include/endmt/maps.h, docs/REVERSE-PATH.md "CNP epochs").
 * The agent's liveness marks live in endmt_stale for the same reason. */
#ifndef ENDMT_CNP_H
#define ENDMT_CNP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "endmt/maps.h"
#include "endmt/roce.h"

struct endmt_cnp_tick_result {
	unsigned int groups;		/* groups looked at */
	unsigned int cnps_sent;		/* CNPs emitted (at most one per group) */
	uint64_t epoch;			/* the epoch (window) that ended */
	uint64_t counted;		/* CNPs the groups counted in it (all branches) */
};

/* Maps endmt_cnp_epoch's only slot (the map is BPF_F_MMAPABLE) so the epoch
 * can be advanced with one atomic store; *epoch stays valid until unmapped,
 * also after epoch_fd is closed.  0 or -errno. */
int endmt_cnp_epoch_mmap(int epoch_fd, uint64_t **epoch);
void endmt_cnp_epoch_munmap(uint64_t *epoch);

/* The CNPs branch i of g counted in epoch ep (the data path's tag, with its
 * ccount_prev for the epoch just before the tag), 0 when its counts belong
 * to another epoch or are older than ENDMT_CNP_MAX_AGE_NS at `now`
 * (CLOCK_MONOTONIC).  `show` asks for the current epoch, the agent for the
 * one that just ended. */
uint32_t endmt_cnp_count(const struct endmt_group *g, unsigned int i, uint64_t ep,
			 uint64_t now);

/* Whether branch i of g is held stale by the agent's marks st (NULL: none):
 * the rule the data path applies (include/endmt/maps.h, endmt_stale). */
bool endmt_stale_branch(const struct endmt_stale *st, const struct endmt_group *g,
			unsigned int i);

/* IPv6 + UDP + CNP + ICRC. */
#define ENDMT_CNP_PKT_LEN \
	(ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + sizeof(struct endmt_cnp) + ENDMT_ICRC_LEN)
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

/* One window end: advances *epoch (from endmt_cnp_epoch_mmap), then reads
 * every group of groups_map_fd (BPF_F_LOCK lookups, never an update) and
 * hands emit one CNP per group whose branches counted CNPs in the epoch
 * that ended.  0, or the first -errno met (the other groups are still
 * processed). */
int endmt_cnp_tick_emit(int groups_map_fd, uint64_t *epoch, endmt_cnp_emit_fn emit,
			void *arg, struct endmt_cnp_tick_result *res);

/* endmt_cnp_tick_emit sending on sock_fd (from endmt_cnp_sock_open). */
int endmt_cnp_tick(int groups_map_fd, uint64_t *epoch, int sock_fd,
		   struct endmt_cnp_tick_result *res);

#endif
