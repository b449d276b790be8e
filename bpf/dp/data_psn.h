/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The newest data PSN a node has forwarded for a group (struct
 * endmt_group.data_psn), the bound the response path holds every response
 * to (docs/REVERSE-PATH.md, "Responses ahead of the data").
 *
 * A receiver can only acknowledge, NAK or refuse a PSN it was sent; an ACK
 * (or RNR/fatal NAK, or sequence NAK's ePSN) after everything this node
 * forwarded is made up, and aggregating it would let a branch look confirmed
 * for PSNs the source has not even sent yet: once it does, the group
 * minimum could pass a receiver that never saw them.  The head (every
 * source packet it encapsulates) and the edges (every End.MT packet they
 * accept) note the PSN here; transit nodes of the multicast variant never
 * see data in BPF and do not guard (ENDMT_GF_PSN_GUARD is the planner's,
 * loader/plan.c).  Written under the group lock: the response path reads it
 * there, and a CLI whole-value update (BPF_F_LOCK) carries it over. */
#ifndef ENDMT_DP_DATA_PSN_H
#define ENDMT_DP_DATA_PSN_H

#include <bpf/bpf_helpers.h>
#include "endmt/maps.h"
#include "endmt/psn.h"

/* PSN p (source space) was forwarded: data_psn := max(data_psn, p) in
 * serial order.  A retransmission (older p) leaves it where it is. */
static __always_inline void endmt_data_psn_note(struct endmt_group *g, __u32 p)
{
	bpf_spin_lock(&g->lock);
	if (!(g->state & ENDMT_GS_DATA_FWD) || endmt_psn_before(g->data_psn, p)) {
		g->data_psn = p;
		g->state |= ENDMT_GS_DATA_FWD;
	}
	bpf_spin_unlock(&g->lock);
}

/* Lock held.  Non-zero when PSN p (source space) of a response cannot be
 * an answer to data this node forwarded: no data yet, or p after the
 * newest.  Only for groups with ENDMT_GF_PSN_GUARD. */
static __always_inline int endmt_data_psn_ahead(const struct endmt_group *g, __u32 p)
{
	return (g->flags & ENDMT_GF_PSN_GUARD) &&
	       (!(g->state & ENDMT_GS_DATA_FWD) || endmt_psn_before(g->data_psn, p));
}

#endif /* ENDMT_DP_DATA_PSN_H */
