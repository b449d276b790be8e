/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The edge's part of alternate marking (docs/PM.md): an End.MT packet
 * with an RFC 9343 Destination Options header in front of its SRH.  The
 * XDP half judges the header, notes the AltMark and removes the header,
 * as it does a Hop-by-Hop one (dp/edge_tm.h): End.MT decapsulates it
 * anyway, and the TC half, the XDP fan-out and the receivers see the
 * packet as if it had never carried one.  The packet is counted only once
 * it is accepted (endmt_rx), so a packet from outside counts nothing. */
#ifndef ENDMT_DP_EDGE_PM_H
#define ENDMT_DP_EDGE_PM_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include "endmt/pm.h"
#include "dp/pm_mark.h"

/* endmt_edge_pm_strip(): removed, and an AltMark of a flow waits in the
 * scratch for endmt_edge_pm_count(). */
#define ENDMT_EDGE_PM_PENDING (-1)

/* The frame's IPv6 header (at ETH_HLEN) says Destination Options.
 * Returns 0 (the header is gone), ENDMT_EDGE_PM_PENDING (gone, with a
 * mark to count) or the drop reason.  Packet pointers are invalid
 * afterwards.  A global function: verified once, on its own stack. */
__noinline int endmt_edge_pm_strip(struct xdp_md *ctx)
{
	struct endmt_pm_scratch *sc;
	__u32 zero = 0, len, err, plen;

	if (!ctx)
		return ENDMT_STAT_DROP_DOH;
	sc = bpf_map_lookup_elem(&endmt_pm_scratch, &zero);
	if (!sc)	/* a per-CPU array's key 0: cannot happen */
		return ENDMT_STAT_DROP_DOH;
	if (bpf_xdp_load_bytes(ctx, ENDMT_EDGE_L2L3, sc->doh, 2))
		return ENDMT_STAT_DROP_DOH;
	len = ((__u32)sc->doh[1] + 1) * 8;
	if (len > ENDMT_AM_DOH_MAX)
		return ENDMT_STAT_DROP_DOH;
	if (bpf_xdp_load_bytes(ctx, ENDMT_EDGE_L2L3, sc->doh, len) ||
	    bpf_xdp_load_bytes(ctx, 0, sc->l2l3, ENDMT_EDGE_L2L3))
		return ENDMT_STAT_DROP_DOH;
	plen = (__u32)sc->l2l3[ETH_HLEN + 4] << 8 | sc->l2l3[ETH_HLEN + 5];
	if (plen < len)
		return ENDMT_STAT_DROP_DOH;
	err = endmt_am_parse(sc->doh, len, &sc->flow, &sc->colour, &sc->dmark);
	if (err)
		return err;
	sc->bytes = 40 + plen;	/* as marked, as the head counts it */
	/* Ethernet + IPv6 move up over the Destination Options header. */
	plen -= len;
	sc->l2l3[ETH_HLEN + 4] = (__u8)(plen >> 8);
	sc->l2l3[ETH_HLEN + 5] = (__u8)plen;
	sc->l2l3[ETH_HLEN + 6] = sc->doh[0];
	if (bpf_xdp_adjust_head(ctx, (int)len) ||
	    bpf_xdp_store_bytes(ctx, 0, sc->l2l3, ENDMT_EDGE_L2L3))
		return ENDMT_STAT_DROP_DOH;
	return sc->flow ? ENDMT_EDGE_PM_PENDING : 0;
}

/* The packet the strip noted a mark of was accepted (endmt_rx): count it
 * at this edge's IN point; psn tells its D mark apart at every node. */
static __always_inline void endmt_edge_pm_count(__u32 psn)
{
	struct endmt_pm_scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&endmt_pm_scratch, &zero);
	if (sc && sc->flow)
		endmt_pm_count(sc->flow, ENDMT_PM_SRV6, sc->colour, sc->dmark, ENDMT_PM_IN,
			       sc->bytes, psn);
}

#endif /* ENDMT_DP_EDGE_PM_H */
