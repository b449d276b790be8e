/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* XDP fan-out at an edge (docs/DECISIONS.md, "XDP fan-out"): End.MT copies
 * made without an skb per copy.  The edge's XDP program decapsulates once
 * and broadcasts the inner packet over the group's devmap
 * (bpf_redirect_map, BPF_F_BROADCAST); the kernel clones the frame for each
 * devmap entry and runs that entry's program, one instance per receiver
 * slot (bpf/edge_slot.bpf.c, its slot number in rodata), which rewrites its
 * copy for its receiver.  The TC path (bpf/dp/edge_replicate.h) stays the
 * fallback for every packet the XDP path cannot take whole.
 *
 * The agent (loader/fanout.c) owns every map here: it reads the groups'
 * receivers from endmt_rcv_group, gives each a slot, resolves its next hop
 * with the kernel's FIB (the probe program of bpf/edge_slot.bpf.c, so the
 * same bpf_fib_lookup question the TC path asks), checks that the egress
 * device takes XDP frames, and refreshes all of it every
 * ENDMT_FANOUT_REFRESH_MS and at once when the kernel announces a route,
 * neighbour or link change.  The data path uses a slot only while it is
 * marked valid, and the whole XDP path only while the agent's lease on the
 * ingress device runs (endmt_fanout_in): an agent that stops or dies hands
 * every packet back to the TC path. */
#ifndef ENDMT_FANOUT_H
#define ENDMT_FANOUT_H

#include <linux/types.h>
#include "endmt/maps.h"

/* Receivers per group per edge on the XDP path: the metadata's bitmap. */
#define ENDMT_FANOUT_SLOTS 64
#define ENDMT_FANOUT_REFRESH_MS 1000
/* The agent's lease on an ingress device: three refreshes. */
#define ENDMT_FANOUT_LEASE_NS (3ull * ENDMT_FANOUT_REFRESH_MS * 1000000ull)

/* endmt_fanout_in: key = __u32 ingress ifindex where the edge's XDP runs
 * natively (generic XDP clones skbs, whose shared data a devmap program
 * must not write).  The agent renews the lease; 0 or past = no XDP path. */
struct endmt_fanout_in {
	__u64 lease_until_ns;	/* bpf_ktime_get_ns() clock */
};

#define ENDMT_FS_VALID 0x1	/* next hop resolved, the device takes XDP frames,
				 * the devmap entry of this slot points there */

/* endmt_fanout_rcv: key = struct endmt_rcv_key (receiver address, QPN);
 * its slot in its group's devmap, and what the ingress needs to decide
 * with this one lookup per receiver (the slot's validity and MTU, written
 * by the agent after the slot entry when it becomes valid, before it when
 * it stops being valid). */
struct endmt_fanout_rcv {
	struct endmt_group_key group;
	__u32 slot;		/* < ENDMT_FANOUT_SLOTS */
	__u32 flags;		/* ENDMT_FS_VALID, as the slot's */
	__u32 mtu;		/* as the slot's */
};
_Static_assert(sizeof(struct endmt_fanout_rcv) == 32, "fanout_rcv layout");

/* endmt_fanout_slots: key = (group, slot). */
struct endmt_fanout_key {
	struct endmt_group_key group;
	__u32 slot;
};
_Static_assert(sizeof(struct endmt_fanout_key) == 24, "fanout key layout");

struct endmt_fanout_slot {
	__u8 addr[16];		/* the receiver this slot rewrites for */
	__u32 qpn;
	__u32 flags;		/* ENDMT_FS_* */
	__u32 ifindex;		/* egress: the devmap entry's device */
	__u32 mtu;		/* its MTU: longer copies take the TC path */
	__u8 smac[6];		/* egress device's address */
	__u8 dmac[6];		/* next hop's address */
	/* crc_raw (include/endmt/icrc.h) of the copy's window delta from DA
	 * (group Proxy -> addr) and DestQPN (group DQPN -> qpn) alone, over the
	 * 36-octet window and the 52-octet one (with a RETH); a PSN or RETH
	 * translation adds its own delta per packet. */
	__u32 raw36;
	__u32 raw52;
};
_Static_assert(sizeof(struct endmt_fanout_slot) == 52, "fanout slot layout");

/* Metadata in front of the decapsulated frame, read by every slot's
 * program (xdp_frame keeps it through the broadcast clone). */
#define ENDMT_FANOUT_MAGIC 0x454d5846u	/* "EMXF" */
#define ENDMT_FANOUT_F_RETH 0x1		/* the window includes a RETH */

struct endmt_fanout_meta {
	__u32 magic;
	__u32 flags;		/* ENDMT_FANOUT_F_* */
	__u64 slots;		/* bit i: slot i gets a copy of this packet */
	__u32 shift;		/* x^(8 * octets after the window up to the ICRC) */
	__u32 reserved;
};
_Static_assert(sizeof(struct endmt_fanout_meta) <= 32, "XDP metadata is at most 32 octets");
_Static_assert(sizeof(struct endmt_fanout_meta) % 4 == 0, "XDP metadata is 4-octet aligned");

/* The probe program (test run by the agent): input and output in the
 * packet's place, so the agent asks the FIB exactly what the TC path asks
 * (struct bpf_fib_lookup from daddr, saddr and the ingress device). */
struct endmt_nh_probe {
	__u8 daddr[16];
	__u8 saddr[16];
	__s32 rc;		/* out: BPF_FIB_LKUP_RET_* or -errno */
	__u32 ifindex;		/* out: egress device */
	__u32 mtu;		/* out: the route's MTU (mtu_result) */
	__u8 smac[6];		/* out */
	__u8 dmac[6];		/* out */
};
_Static_assert(sizeof(struct endmt_nh_probe) == 56, "probe layout");

#endif /* ENDMT_FANOUT_H */
