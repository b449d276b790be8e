// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Head node: H.Encaps.MT on the source-facing device (TC) and the last
 * aggregation stage of the response path (XDP).  docs/HEAD-ENCAP.md. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>
#include "maps/endmt_maps.h"
#include "lib/stats.h"
#include "lib/encap.h"
#include "lib/aggregate.h"
#include "lib/repl.h"

SEC("tc")
int endmt_head_tc(struct __sk_buff *skb)
{
	int act = endmt_slow_path_rx(skb), rep;

	/* A copy of ours the stack should route (bpf/lib/fib.h). */
	if (act >= 0)
		return act;
	act = endmt_head_encap(skb);

	/* RFC 9524 variant (docs/FORWARD-PATH.md, "The head"): a template
	 * whose DA is a Replication SID of this node.  The stack would route
	 * the one encapsulated packet and no other TC ingress sees it again,
	 * so the head makes the copies here (bpf/lib/repl.h).  Frames shorter
	 * than an IPv6 header are left to the stack as before (repl would
	 * count them as truncated). */
	if (act != TC_ACT_OK || skb->len < ETH_HLEN + ENDMT_IP6_HLEN)
		return act;
	rep = endmt_repl_tc(skb);
	return rep >= 0 ? rep : act;
}

struct {
	__uint(priority, XDP_DEFAULT_RUN_PRIO);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(endmt_head_xdp);

SEC("xdp")
int endmt_head_xdp(struct xdp_md *ctx)
{
	int act = endmt_resp_xdp(ctx);

	if (act >= 0)
		return act;
	return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
