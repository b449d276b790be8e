// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Edge node: End.MT.  XDP validates, parses and applies S02/S03
 * (bpf/dp/edge_parse.h); TC ingress decapsulates and replicates
 * (bpf/dp/edge_replicate.h).
 * Attach both on the same device: the metadata only flows between them.
 *
 * XDP: End.MT packet?  else a response to aggregate?  else pass.
 * TC:  own slow-path copy back?  else End.MT packet from the XDP half?
 *      else pass.
 * Each step returns a counted verdict or -1 (not mine, try the next). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>
#include "maps/endmt_maps.h"
#include "dp/stats.h"
#include "dp/send.h"
#include "dp/edge_parse.h"
#include "dp/edge_fanout.h"
#include "dp/edge_replicate.h"
#include "dp/resp_aggregate.h"
#include "dp/pm_mark.h"

/* End.MT TLV type (IANA TBD): set through the skeleton before load. */
const volatile __u8 cfg_tlv_type = ENDMT_TLV_ENDMT_DEFAULT;

/* libxdp dispatcher: run early, let later programs see what we pass. */
struct {
	__uint(priority, 20);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(endmt_edge_xdp);

/* The End.MT half and the response path as subprograms of their own, so
 * that each has its own frame: inlined into one, the frame (344 octets,
 * the response path's locals) plus the HMAC's global functions
 * (endmt_edge_hmac() -> endmt_hmac_sha256() -> endmt_sha256_block(), 224
 * octets) broke the verifier's 512 ("combined stack size of 3 calls is
 * 560. Too large").  Static: verified at their one call site. */
static __noinline int endmt_edge_xdp_endmt(struct xdp_md *ctx)
{
	return endmt_edge_xdp_run(ctx, cfg_tlv_type);
}

static __noinline int endmt_edge_xdp_resp(struct xdp_md *ctx)
{
	return endmt_resp_xdp(ctx, 0);
}

SEC("xdp")
int endmt_edge_xdp(struct xdp_md *ctx)
{
	int act = endmt_edge_xdp_endmt(ctx);

	if (act == XDP_PASS) {
		/* accepted, metadata written: the XDP fan-out, or TC */
		int f = endmt_edge_fanout(ctx);

		if (f >= 0)
			return f;
	}
	if (act >= 0)
		return act;
	act = endmt_edge_xdp_resp(ctx);
	if (act >= 0)
		return act;
	return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, XDP_PASS);
}

SEC("tc")
int endmt_edge_tc(struct __sk_buff *skb)
{
	int act = endmt_slow_path_rx(skb);

	if (act >= 0)
		return act;
	act = endmt_edge_tc_run(skb, cfg_tlv_type);
	if (act >= 0)
		return act;
	return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
