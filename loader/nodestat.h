/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What a node is doing, read from its pins for the watchers (the agent's
 * /metrics, loader/metrics.c; `endmt top`, loader/top.c): the counters
 * summed over CPUs, and every group with the agent's marks next to it, read
 * the way `endmt show` reads them (loader/show.c).  Safe from any thread:
 * map lookups only, each caller its own buffers. */
#ifndef ENDMT_NODESTAT_H
#define ENDMT_NODESTAT_H

#include <stdbool.h>
#include <stdint.h>
#include "endmt.h"
#include "endmt/stats.h"

/* By enum endmt_stat, from include/endmt/stats.h's one list. */
extern const char *const nodestat_stat_names[ENDMT_STAT_MAX];
extern const char *const nodestat_stat_helps[ENDMT_STAT_MAX];

/* v[ENDMT_STAT_MAX]: each counter summed over the possible CPUs (0 for a
 * slot that cannot be read).  0 or -errno. */
int nodestat_counters(int stats_fd, uint64_t *v);

/* Copies this node sent (every way one leaves): per-receiver copies of the
 * TC half and the XDP fan-out (fwd_copies; fwd_copies_xdp is part of it),
 * those handed to the stack to resolve the neighbour (fwd_neigh_slow_path),
 * and RFC 9524 replication copies (repl_copies).  Kernel multicast routing's
 * copies are not the data path's and are not counted anywhere. */
uint64_t nodestat_copies(const uint64_t *v);
/* Packets this node took in for a group: End.MT packets (endmt_rx), source
 * packets encapsulated (head_encap), Replication SID packets (repl_rx). */
uint64_t nodestat_packets(const uint64_t *v);

/* One group as read: the entry (under its lock), the agent's liveness
 * marks and CNP report (either may be absent), and `now` (CLOCK_MONOTONIC,
 * the clock of bpf_ktime_get_ns, taken just before the group was read). */
struct nodestat_group {
	struct endmt_group_key key;
	struct endmt_group g;
	struct endmt_stale st;
	bool have_st;
	struct endmt_cnp_limit lim;
	bool have_lim;
	uint64_t now;
};

/* Calls fn for each group of the node (the buffer is reused between calls);
 * fn returning non-zero stops the walk with that value.  0 or -errno. */
int nodestat_groups(const struct endmt_maps_fds *m,
		    int (*fn)(const struct nodestat_group *ng, void *ctx), void *ctx);

/* Branches in use: nbranches bounded by ENDMT_MAX_BRANCHES. */
unsigned int nodestat_nbranches(const struct endmt_group *g);
/* Branch i's name: its receiver or child address, or its device ("n4-n1",
 * "ifindex 7" when the device is gone).  buf >= INET6_ADDRSTRLEN. */
const char *nodestat_branch_name(const struct endmt_group *g, unsigned int i, char *buf,
				 size_t len);
bool nodestat_branch_stale(const struct nodestat_group *ng, unsigned int i);
/* PSNs the node forwarded that branch i has not acknowledged:
 * data_psn - ack_psn in 24-bit serial arithmetic (include/endmt/psn.h), 0
 * when the AckPSN is not before data_psn.  false when the node notes no
 * data PSN for the group (a transit: kernel multicast routing or RFC 9524
 * copies the data, only the head and the edges see its PSNs). */
bool nodestat_branch_lag(const struct endmt_group *g, unsigned int i, uint32_t *lag);
/* The group's lag: the largest of its valid branches' (data_psn - the
 * minimum AckPSN, what holds the source's ACKs back). */
bool nodestat_group_lag(const struct endmt_group *g, uint32_t *lag);
/* Nanoseconds since branch i's last response at ng->now; false: never. */
bool nodestat_branch_age(const struct nodestat_group *ng, unsigned int i, uint64_t *ns);

#endif
