/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RFC 6040 decapsulation, normal mode: what the inner ECN field becomes.
 * One rule for both ways an edge decapsulates (TC: bpf/dp/edge_replicate.h,
 * XDP fan-out: bpf/dp/edge_fanout.h).  The head copied the inner Traffic
 * Class into the outer header, so a CE on the outer one was set by a
 * congested link of the tree.  Per RFC 6040 figure 4, an ECT inner packet
 * takes an outer CE, and an outer ECT(1) over an inner ECT(0); every other
 * combination keeps the inner value. */
#ifndef ENDMT_DP_ECN_H
#define ENDMT_DP_ECN_H

#include <linux/types.h>
#include <linux/errno.h>

/* The ECN field: Traffic Class bits 1..0 = bits 5..4 of IPv6 octet 1. */
#define ENDMT_ECN(octet1) (((octet1) >> 4) & 3)
#define ENDMT_ECN_NOT_ECT 0
#define ENDMT_ECN_ECT1 1
#define ENDMT_ECN_ECT0 2
#define ENDMT_ECN_CE 3
#define ENDMT_ECN_KEEP 0xff

/* oe/ie: outer and inner ECN.  Sets *ecn to the value the inner packet must
 * carry, or ENDMT_ECN_KEEP.  Returns 0, or -EPROTO for outer CE over a
 * Not-ECT inner packet (the congestion signal cannot be carried: RFC 6040
 * section 4.2 says drop; a head never builds one, only a marker that
 * ignores the outer Not-ECT would). */
static __always_inline int endmt_ecn_rule(__u8 oe, __u8 ie, __u8 *ecn)
{
	*ecn = ENDMT_ECN_KEEP;
	if (oe == ENDMT_ECN_CE && ie == ENDMT_ECN_NOT_ECT)
		return -EPROTO;
	if ((ie == ENDMT_ECN_ECT0 || ie == ENDMT_ECN_ECT1) && oe != ie &&
	    (oe == ENDMT_ECN_CE || oe == ENDMT_ECN_ECT1))
		*ecn = oe;
	return 0;
}

#endif /* ENDMT_DP_ECN_H */
