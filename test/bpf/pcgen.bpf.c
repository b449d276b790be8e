// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Test-only (never shipped; test/py/tm_feed.py loads it with bpftool): puts
 * a test run's frame, a whole struct endmt_postcard (include/endmt/ioam.h),
 * into a ring buffer laid out as the data path's endmt_postcards, so tests
 * drive the agent's real ring-to-IPFIX path with postcards they built.
 * XDP_PASS when the postcard went in, XDP_DROP when the frame is shorter
 * than a postcard or the ring is full. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "endmt/ioam.h"

/* Named and sized as the data path's ring (pinned names are ABI), so the
 * agent opens PINROOT/endmt_postcards whichever program pinned it. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ENDMT_POSTCARD_RING);
} endmt_postcards SEC(".maps");

SEC("xdp")
int endmt_pcgen(struct xdp_md *ctx)
{
	struct endmt_postcard *pc;

	/* Reserve and copy: helpers may not read packet memory
	 * (bpf_ringbuf_output of ctx->data: "helper access to the packet is
	 * not allowed"). */
	pc = bpf_ringbuf_reserve(&endmt_postcards, sizeof(*pc), 0);
	if (!pc)
		return XDP_DROP;
	if (bpf_xdp_load_bytes(ctx, 0, pc, sizeof(*pc))) {
		bpf_ringbuf_discard(pc, 0);
		return XDP_DROP;
	}
	bpf_ringbuf_submit(pc, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
