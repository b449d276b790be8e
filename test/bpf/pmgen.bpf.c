// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Test-only (never shipped; test/integration/test_pm_report.sh loads it
 * with bpftool into a node's pin root, reusing its endmt_pm,
 * endmt_pm_counts and endmt_pm_dmarks): counts the packet a test run's
 * frame describes (struct pmgen_pkt) through the data path's own
 * endmt_pm_count() (bpf/dp/pm_mark.h), so the agent's period reader and
 * the collector see what an SRv6 node would have counted.  `bpftool prog
 * run ... repeat N` counts N packets.  With real_ns != 0 the D-mark record
 * carries that time instead of the clock's (the test chooses the delays).
 * XDP_PASS when counted, XDP_DROP when the frame is short. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "endmt/pm.h"
#include "endmt/stats.h"

struct pmgen_pkt {
	__u32 flow;
	__u8 enc, colour, dmark, point;
	__u32 bytes;
	__u32 pkt_key;
	__u64 real_ns;		/* the D-mark's time; 0: the clock's */
	__u8 pad[8];		/* a test run's frame is at least 14 octets */
};

/* As maps/endmt_maps.h has them, but not pinned by name: the test hands
 * bpftool the node's pins (map name ... pinned ...). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct endmt_pm_cfg);
} endmt_pm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4 * ENDMT_PM_MAX_FLOWS);
	__type(key, struct endmt_pm_key);
	__type(value, struct endmt_pm_count);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} endmt_pm_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ENDMT_PM_DMARK_RING);
} endmt_pm_dmarks SEC(".maps");

/* The program's own (dp/stats.h's events land here, unread). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ENDMT_STATS_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} endmt_stats SEC(".maps");

#include "dp/pm_mark.h"

SEC("xdp")
int endmt_pmgen(struct xdp_md *ctx)
{
	struct pmgen_pkt p;
	const struct endmt_pm_cfg *cfg;
	struct endmt_pm_dmark *d;
	__u8 own = 0;

	if (bpf_xdp_load_bytes(ctx, 0, &p, sizeof(p)))
		return XDP_DROP;
	if (p.dmark && p.real_ns)
		own = 1;
	endmt_pm_count(p.flow, p.enc, p.colour, own ? 0 : p.dmark, p.point, p.bytes, p.pkt_key);
	if (!own)
		return XDP_PASS;
	cfg = endmt_pm_cfg();
	if (!cfg)
		return XDP_PASS;
	d = bpf_ringbuf_reserve(&endmt_pm_dmarks, sizeof(*d), 0);
	if (!d)
		return XDP_DROP;
	d->real_ns = p.real_ns;
	d->flow = p.flow;
	d->enc = p.enc;
	d->colour = p.colour & 1;
	d->point = p.point;
	d->pad = 0;
	d->node_id = cfg->node_id;
	d->pkt_key = p.pkt_key;
	bpf_ringbuf_submit(d, BPF_RB_NO_WAKEUP);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
