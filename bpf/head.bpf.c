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

/* End.MT TLV type; the loader sets it on every object (unused by the head:
 * the TLVs come ready-made in the template). */
const volatile __u8 cfg_tlv_type = ENDMT_TLV_ENDMT_DEFAULT;

SEC("tc")
int endmt_head_tc(struct __sk_buff *skb)
{
	return endmt_head_encap(skb);
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
