/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The edge's part of on-path telemetry (docs/TELEMETRY.md): an End.MT
 * packet with a Hop-by-Hop header in front of its SRH.  The XDP half
 * judges the header (bpf/dp/tm_trace.h), starts the postcard of the
 * trace's last section, and removes the header before anything else reads
 * the packet: End.MT decapsulates it anyway, so the TC half, the XDP
 * fan-out and the receivers see the packet as if it had never carried one
 * (and the ICRC, over the inner packet only, is untouched). */
#ifndef ENDMT_DP_EDGE_TM_H
#define ENDMT_DP_EDGE_TM_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include "dp/tm_trace.h"

#define ENDMT_EDGE_L2L3 (ETH_HLEN + 40)
/* endmt_edge_tm_strip(): removed, and a postcard waits in the scratch. */
#define ENDMT_EDGE_TM_PENDING (-1)

/* The frame's IPv6 header (at ETH_HLEN) says Hop-by-Hop.  Returns 0 (the
 * header is gone), ENDMT_EDGE_TM_PENDING (gone, and the postcard is in
 * the scratch: endmt_edge_tm_export() once the packet is accepted), or
 * the drop reason.  Packet pointers are invalid afterwards.  A global
 * function: verified once, on its own stack. */
__noinline int endmt_edge_tm_strip(struct xdp_md *ctx)
{
	const struct endmt_tm_node *cfg = endmt_tm_cfg();
	struct endmt_tm_scratch *sc;
	struct endmt_ioam_node e;
	struct endmt_tm_trace t = {};
	enum endmt_tm_class cls;
	__u32 zero = 0, len, err, plen;
	__u8 hl, nh;

	if (!ctx)
		return ENDMT_STAT_DROP_HBH;
	sc = bpf_map_lookup_elem(&endmt_tm_scratch, &zero);
	if (!sc)	/* a per-CPU array's key 0: cannot happen */
		return ENDMT_STAT_DROP_HBH;
	if (bpf_xdp_load_bytes(ctx, ENDMT_EDGE_L2L3, sc->hbh, 2))
		return ENDMT_STAT_DROP_HBH;
	len = ((__u32)sc->hbh[1] + 1) * 8;
	if (len > ENDMT_TM_HBH_READ)
		return ENDMT_STAT_DROP_HBH;
	if (bpf_xdp_load_bytes(ctx, ENDMT_EDGE_L2L3, sc->hbh, len) ||
	    bpf_xdp_load_bytes(ctx, 0, sc->l2l3, ENDMT_EDGE_L2L3))
		return ENDMT_STAT_DROP_HBH;
	plen = (__u32)sc->l2l3[ETH_HLEN + 4] << 8 | sc->l2l3[ETH_HLEN + 5];
	if (plen < len)
		return ENDMT_STAT_DROP_HBH;
	err = endmt_tm_judge(sc, len, cfg, &cls, &t);
	if (err)
		return err;
	nh = sc->hbh[0];
	hl = sc->l2l3[ETH_HLEN + 7];
	if (cls == ENDMT_TM_OURS && cfg) {
		/* The section's end: this node's entry (ingress only; the
		 * copies leave on as many devices as there are receivers). */
		endmt_tm_entry(&e, cfg, hl, ctx->ingress_ifindex, 0);
		endmt_tm_begin(sc, ENDMT_PC_EDGE, cfg, &t, &e, ctx->ingress_ifindex);
		__builtin_memcpy(sc->pc.outer_src, &sc->l2l3[ETH_HLEN + 8], 16);
		__builtin_memcpy(sc->pc.outer_dst, &sc->l2l3[ETH_HLEN + 24], 16);
	} else {
		endmt_tm_count(cls);
	}
	/* Ethernet + IPv6 move up over the Hop-by-Hop header. */
	plen -= len;
	sc->l2l3[ETH_HLEN + 4] = (__u8)(plen >> 8);
	sc->l2l3[ETH_HLEN + 5] = (__u8)plen;
	sc->l2l3[ETH_HLEN + 6] = nh;
	if (bpf_xdp_adjust_head(ctx, (int)len) ||
	    bpf_xdp_store_bytes(ctx, 0, sc->l2l3, ENDMT_EDGE_L2L3))
		return ENDMT_STAT_DROP_HBH;
	return cls == ENDMT_TM_OURS && cfg ? ENDMT_EDGE_TM_PENDING : 0;
}

/* The packet the strip left a postcard for was accepted (endmt_rx). */
static __always_inline void endmt_edge_tm_export(const struct endmt_group_key *gk, __u32 psn,
						 __u32 copies)
{
	const struct endmt_tm_node *cfg = endmt_tm_cfg();
	struct endmt_tm_scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&endmt_tm_scratch, &zero);
	if (sc && cfg)
		endmt_tm_submit(sc, cfg, gk, psn, copies);
}

#endif /* ENDMT_DP_EDGE_TM_H */
