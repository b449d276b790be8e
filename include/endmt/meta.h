/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Metadata the edge XDP program leaves in front of the packet
 * (bpf_xdp_adjust_meta) for the edge TC program: the parse result, so TC
 * does not walk the SRH again.  At most 32 octets (kernel limit). */
#ifndef ENDMT_META_H
#define ENDMT_META_H

#include <linux/types.h>
#include "maps.h"

#define ENDMT_META_MAGIC 0x454d5431u	/* "EMT1" */
#define ENDMT_META_F_CHAIN 0x1		/* SL > 0 after decrement: forward outer too */
#define ENDMT_META_F_STRICT 0x2		/* the SID is strict: copies to the group's receivers only */
#define ENDMT_META_F_FANOUT 0x4		/* the SID allows the XDP fan-out (bpf/dp/edge_fanout.h) */

struct endmt_meta {
	__u32 magic;
	__u16 srh_off;		/* offsets from the start of the Ethernet header */
	__u16 inner_off;
	__u16 nrcv;		/* receivers in this node's TLVs */
	__u8 ntlv;
	__u8 flags;		/* ENDMT_META_F_* */
	__u16 tlv_off[ENDMT_MAX_NODE_TLVS];
};
_Static_assert(sizeof(struct endmt_meta) <= 32, "XDP metadata is at most 32 octets");
_Static_assert(sizeof(struct endmt_meta) % 4 == 0, "XDP metadata is 4-octet aligned");

#endif /* ENDMT_META_H */
