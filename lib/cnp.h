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
 * The agent's liveness marks live in endmt_stale for the same reason.
 *
 * CNP rate limit: the CNP of a window goes out only if the group's token
 * bucket (endmt_group.cnp_rate per second, cnp_burst deep: configuration the
 * CLI writes) holds a token; else it is withheld and counted.  The buckets
 * are the agent's memory (struct endmt_cnp_limiter); their counters are
 * reported in endmt_cnp_limit (docs/REVERSE-PATH.md "CNP rate limit"). */
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
	unsigned int cnps_withheld;	/* CNPs due but withheld: bucket empty */
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

/* A token bucket: `credit` in units of 10^-9 CNP, so that a rate in CNPs
 * per second times nanoseconds is credit without a division. */
#define ENDMT_CNP_TOKEN 1000000000ull	/* one CNP */
struct endmt_cnp_bucket {
	uint64_t credit;
	uint64_t last_ns;	/* CLOCK_MONOTONIC of the last take */
	bool primed;		/* false: never used (starts full) */
};

/* Whether a CNP may go out at `now`: refills rate CNPs per second up to
 * burst (< 1 is taken as 1; a first use finds the bucket full) and takes one
 * token if there is one.  rate 0: no limit, always true, nothing kept. */
bool endmt_cnp_bucket_take(struct endmt_cnp_bucket *b, uint32_t rate, uint32_t burst,
			   uint64_t now);

/* One group's bucket and counters in the agent's memory. */
struct endmt_cnp_group_limit {
	struct endmt_group_key key;
	struct endmt_cnp_bucket bucket;
	uint64_t sent, withheld;	/* lifetime: from endmt_cnp_limit at first sight */
	bool dirty;			/* changed since endmt_cnp_limit_publish */
};

/* The buckets of every group, sorted by key; a group deleted from
 * endmt_groups loses its bucket at the next window end. */
struct endmt_cnp_limiter {
	struct endmt_cnp_group_limit *ent, *tmp;	/* ENDMT_MAX_GROUPS each */
	size_t n;
	int report_fd;		/* endmt_cnp_limit, or -1 */
};

/* report_fd: the endmt_cnp_limit map (-1: keep the counters in memory only).
 * 0 or -ENOMEM. */
int endmt_cnp_limiter_init(struct endmt_cnp_limiter *l, int report_fd);
void endmt_cnp_limiter_free(struct endmt_cnp_limiter *l);
/* The counters of group k (NULL: no bucket yet). */
const struct endmt_cnp_group_limit *endmt_cnp_limiter_find(const struct endmt_cnp_limiter *l,
							  const struct endmt_group_key *k);
/* Writes the changed counters into endmt_cnp_limit (BPF_F_LOCK updates) and
 * deletes the reports of groups no longer in groups_map_fd.  0 or the first
 * -errno. */
int endmt_cnp_limit_publish(struct endmt_cnp_limiter *l, int groups_map_fd);

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
 * that ended and whose bucket in lim has a token (lim NULL: no limit).
 * 0, or the first -errno met (the other groups are still processed). */
int endmt_cnp_tick_emit(int groups_map_fd, uint64_t *epoch, struct endmt_cnp_limiter *lim,
			endmt_cnp_emit_fn emit, void *arg, struct endmt_cnp_tick_result *res);

/* endmt_cnp_tick_emit sending on sock_fd (from endmt_cnp_sock_open). */
int endmt_cnp_tick(int groups_map_fd, uint64_t *epoch, struct endmt_cnp_limiter *lim,
		   int sock_fd, struct endmt_cnp_tick_result *res);

#endif
