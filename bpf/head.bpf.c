// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Head node: H.Encaps.MT on the source-facing device (TC) and the last
 * aggregation stage of the response path (XDP).  docs/HEAD-ENCAP.md.
 *
 * TC:  own slow-path copy back?  else encapsulate a group packet; then, or
 *      for a packet not of a group, replicate it if its DA is a local
 *      Replication SID; else pass (encapsulated or not ours).
 * XDP: a response to aggregate?  else pass.
 * Each step returns a counted verdict or a negative "not mine / go on". */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>
#include "maps/endmt_maps.h"
#include "dp/stats.h"
#include "dp/send.h"
#include "dp/head_encap.h"
#include "dp/resp_aggregate.h"
#include "dp/repl_segment.h"

SEC("tc")
int endmt_head_tc(struct __sk_buff *skb)
{
	int act = endmt_slow_path_rx(skb), enc;

	/* A copy of ours the stack should route (bpf/dp/send.h). */
	if (act >= 0)
		return act;
	enc = endmt_head_encap(skb);
	if (enc >= 0)
		return enc;

	/* RFC 9524 variant (docs/FORWARD-PATH.md, "The head"): a template
	 * whose DA is a Replication SID of this node.  The stack would route
	 * the one encapsulated packet and no other TC ingress sees it again,
	 * so the head makes the copies here (bpf/dp/repl_segment.h); the
	 * verdict stays head_encap for a packet it encapsulated.  Frames shorter than an IPv6 header
	 * are left to the stack (repl would count them as truncated). */
	if (skb->len >= ETH_HLEN + ENDMT_IP6_HLEN) {
		act = endmt_repl_tc(skb, enc == ENDMT_HEAD_ENCAPPED ?
					 ENDMT_STAT_HEAD_ENCAP : ENDMT_STAT_REPL_RX);
		if (act >= 0)
			return act;
	}
	/* The kernel routes the outer packet: IPv6 multicast routing for a
	 * multicast SID, the unicast FIB otherwise. */
	if (enc == ENDMT_HEAD_ENCAPPED)
		return endmt_verdict(ENDMT_STAT_HEAD_ENCAP, TC_ACT_OK);
	return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
}

struct {
	__uint(priority, XDP_DEFAULT_RUN_PRIO);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(endmt_head_xdp);

SEC("xdp")
int endmt_head_xdp(struct xdp_md *ctx)
{
	int act = endmt_resp_xdp(ctx, 1);

	if (act >= 0)
		return act;
	return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
