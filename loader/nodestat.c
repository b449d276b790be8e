// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The node's counters and groups for the watchers (nodestat.h). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nodestat.h"
#include "cnp.h"
#include "endmt/psn.h"

#define STAT_NAME(kind, name, str, help) str,
const char *const nodestat_stat_names[ENDMT_STAT_MAX] = { ENDMT_STAT_LIST(STAT_NAME) };
#undef STAT_NAME
#define STAT_HELP(kind, name, str, help) help,
const char *const nodestat_stat_helps[ENDMT_STAT_MAX] = { ENDMT_STAT_LIST(STAT_HELP) };
#undef STAT_HELP

int nodestat_counters(int stats_fd, uint64_t *v)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	uint64_t *vals;
	uint32_t i;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < ENDMT_STAT_MAX; i++) {
		v[i] = 0;
		if (!bpf_map_lookup_elem(stats_fd, &i, vals))
			for (c = 0; c < ncpu; c++)
				v[i] += vals[c];
	}
	free(vals);
	return 0;
}

uint64_t nodestat_copies(const uint64_t *v)
{
	return v[ENDMT_STAT_FWD_COPY] + v[ENDMT_STAT_FWD_NEIGH_SLOW] + v[ENDMT_STAT_REPL_COPY];
}

uint64_t nodestat_packets(const uint64_t *v)
{
	return v[ENDMT_STAT_ENDMT_RX] + v[ENDMT_STAT_HEAD_ENCAP] + v[ENDMT_STAT_REPL_RX];
}

int nodestat_groups(const struct endmt_maps_fds *m,
		    int (*fn)(const struct nodestat_group *ng, void *ctx), void *ctx)
{
	struct endmt_group_key k, *prev = NULL;
	struct nodestat_group *ng = calloc(1, sizeof(*ng));
	int err = 0;

	if (!ng)
		return -ENOMEM;
	while (!err && !bpf_map_get_next_key(m->groups, prev, &k)) {
		prev = &k;
		ng->key = k;
		ng->now = now_ns();
		if (bpf_map_lookup_elem_flags(m->groups, &k, &ng->g, BPF_F_LOCK))
			continue;	/* deleted meanwhile */
		/* Pins of an older endmt may lack the agent's maps. */
		ng->have_st = m->stale >= 0 &&
			      !bpf_map_lookup_elem_flags(m->stale, &k, &ng->st, BPF_F_LOCK);
		ng->have_lim = m->cnp_limit >= 0 &&
			       !bpf_map_lookup_elem_flags(m->cnp_limit, &k, &ng->lim, BPF_F_LOCK);
		err = fn(ng, ctx);
	}
	free(ng);
	return err;
}

unsigned int nodestat_nbranches(const struct endmt_group *g)
{
	return g->nbranches < ENDMT_MAX_BRANCHES ? g->nbranches : ENDMT_MAX_BRANCHES;
}

const char *nodestat_branch_name(const struct endmt_group *g, unsigned int i, char *buf,
				 size_t len)
{
	char name[IF_NAMESIZE];
	uint32_t ifindex;

	if (!(g->flags & ENDMT_GF_BRANCH_IFINDEX))
		return addr_str(g->br[i].id, buf);
	memcpy(&ifindex, g->br[i].id, sizeof(ifindex));
	if (if_indextoname(ifindex, name))
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "ifindex %u", ifindex);
	return buf;
}

bool nodestat_branch_stale(const struct nodestat_group *ng, unsigned int i)
{
	return endmt_stale_branch(ng->have_st ? &ng->st : NULL, &ng->g, i);
}

bool nodestat_branch_lag(const struct endmt_group *g, unsigned int i, uint32_t *lag)
{
	uint32_t ack = g->br[i].ack_psn;

	if (!(g->state & ENDMT_GS_DATA_FWD))
		return false;
	*lag = endmt_psn_before(ack, g->data_psn) ? endmt_psn_diff(g->data_psn, ack) : 0;
	return true;
}

bool nodestat_group_lag(const struct endmt_group *g, uint32_t *lag)
{
	unsigned int i, n = nodestat_nbranches(g);
	uint32_t l;

	if (!(g->state & ENDMT_GS_DATA_FWD))
		return false;
	*lag = 0;
	for (i = 0; i < n; i++)
		if ((g->br[i].flags & ENDMT_BR_VALID) && nodestat_branch_lag(g, i, &l) && l > *lag)
			*lag = l;
	return true;
}

bool nodestat_branch_age(const struct nodestat_group *ng, unsigned int i, uint64_t *ns)
{
	uint64_t seen = ng->g.br[i].last_seen_ns;

	if (!seen)
		return false;
	*ns = ng->now > seen ? ng->now - seen : 0;
	return true;
}
