// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Transit role: XDP on the links toward the children of this node in the
 * tree.  Responses coming up from the children are aggregated per ingress
 * interface (bpf/dp/resp_aggregate.h); everything else goes on to the stack. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>
#include "endmt/srh.h"
#include "maps/endmt_maps.h"
#include "dp/stats.h"
#include "dp/send.h"
#include "dp/resp_aggregate.h"
#include "dp/repl_segment.h"

SEC("xdp")
int endmt_transit_xdp(struct xdp_md *ctx)
{
	int act = endmt_resp_xdp(ctx, 0);

	if (act >= 0)
		return act;
	return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, XDP_PASS);
}

/* libxdp dispatcher: run before default-priority programs (responses are
 * consumed here) and let others run after a pass. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(endmt_transit_xdp);

/* RFC 9524 replication (bpf/dp/repl_segment.h): TC ingress on the link toward
 * this node's parent in the tree, where the head's packets arrive. */
SEC("tc")
int endmt_transit_tc(struct __sk_buff *skb)
{
	int act = endmt_slow_path_rx(skb);

	if (act >= 0)
		return act;
	act = endmt_repl_tc(skb, ENDMT_STAT_REPL_RX);
	if (act >= 0)
		return act;
	return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
