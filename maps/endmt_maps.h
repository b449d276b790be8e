/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BTF definitions of every endmt map.  All are pinned by name under the
 * node's pin root (default /sys/fs/bpf/endmt), so every program of a node
 * (head, transit, edge objects, on any interface) and the CLI/agent share
 * one copy.  Pinned names are ABI.  Layouts: include/endmt/maps.h. */
#ifndef ENDMT_MAPS_BPF_H
#define ENDMT_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "endmt/maps.h"
#include "endmt/stats.h"
#include "endmt/srh.h"
#include "endmt/fanout.h"
#include "endmt/icrc.h"	/* struct endmt_crc32_mul */
#include "endmt/ioam.h"
#include "endmt/pm.h"
#include "endmt/mpls.h"

/* Local SIDs.  key: SID (outer DA); value: struct endmt_sid.
 * Written by the CLI (sid add/apply); read by edge and transit XDP/TC. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_SIDS);
	__type(key, struct endmt_sid_key);
	__type(value, struct endmt_sid);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_sids SEC(".maps");

/* Groups and their per-branch aggregation state.  key: (Proxy, Designated
 * QPN); value: struct endmt_group with its spin lock.  Configured by the CLI;
 * state written by the response path (all roles) under the lock; read (never
 * written) by the agent, which ends CNP windows through endmt_cnp_epoch and
 * marks dead branches in endmt_stale; read by `endmt show`. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_GROUPS);
	__type(key, struct endmt_group_key);
	__type(value, struct endmt_group);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_groups SEC(".maps");

/* Edge: per-receiver PSN offset / RETH translation.  key: (receiver address,
 * receiver QPN); value: struct endmt_rcv_xlate.  Written by the CLI; read by
 * the edge TC program for every copy. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_XLATE);
	__type(key, struct endmt_rcv_key);
	__type(value, struct endmt_rcv_xlate);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_rcv_xlate SEC(".maps");

/* Head: outer IPv6 + SRH template per group.  key: group key; value: struct
 * endmt_encap.  Written by the CLI; read by the head TC program. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_GROUPS);
	__type(key, struct endmt_group_key);
	__type(value, struct endmt_encap);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_encap SEC(".maps");

/* Transit: RFC 9524 replication.  key: local Replication SID; value: struct
 * endmt_repl.  Written by the CLI; read by the transit TC program and by
 * the head's TC after encapsulation. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_SIDS);
	__type(key, struct endmt_sid_key);
	__type(value, struct endmt_repl);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_repl SEC(".maps");

/* Named counters.  key: enum endmt_stat; value: packets, per CPU.  Written by
 * every program through one exit function; summed by `endmt show`. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ENDMT_STATS_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_stats SEC(".maps");

/* Proxy Addresses in use.  key: struct endmt_proxy_key; value: __u32
 * refcount (groups with that Proxy).  Written by the CLI on group add/del
 * (increment/decrement, delete at 0); read by the response path (all roles). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_GROUPS);
	__type(key, struct endmt_proxy_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_proxies SEC(".maps");

/* The CNP window epoch.  key: 0; value: __u64, advanced by 1 at each window
 * end by the agent (its only writer) with one atomic store through mmap
 * (hence BPF_F_MMAPABLE: a syscall update copies octet-wise and could be
 * seen torn); read by the response path under the group lock to tag and
 * lazily restart CCounts, and by `endmt show`.  See include/endmt/maps.h. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_cnp_epoch SEC(".maps");

/* Liveness marks.  key: group key; value: struct endmt_stale.  Written only
 * by the agent (in place, BPF_F_LOCK); read by `endmt show`.  A report: the
 * response path does not read it (a silent branch keeps holding the group). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_GROUPS);
	__type(key, struct endmt_group_key);
	__type(value, struct endmt_stale);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_stale SEC(".maps");

/* Receiver records: which group each receiver QP belongs to.  key: struct
 * endmt_rcv_key (address, QPN); value: struct endmt_group_key.  Written by
 * the CLI (receiver add/del, apply); read by the CLI's checks and, at a
 * strict End.MT SID, by the edge TC for every copy (a TLV entry that is no
 * receiver of the packet's group gets none). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_XLATE);
	__type(key, struct endmt_rcv_key);
	__type(value, struct endmt_group_key);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_rcv_group SEC(".maps");

/* Response origins.  key: struct endmt_origin_key (group, source address);
 * value: __u32 ifindex the response must arrive on.  Written by apply;
 * read by the response path (all roles) for groups with ENDMT_GF_ORIGIN.
 * See include/endmt/maps.h. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_ORIGINS);
	__type(key, struct endmt_origin_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_resp_origin SEC(".maps");

/* The agent's CNP rate-limit report.  key: group key; value: struct
 * endmt_cnp_limit (CNPs sent upstream, CNPs its token bucket withheld).
 * Written only by the agent (BPF_F_LOCK); read by `endmt show`.  No BPF
 * program reads it: the limit is applied by the agent, which sends the CNPs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_GROUPS);
	__type(key, struct endmt_group_key);
	__type(value, struct endmt_cnp_limit);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_cnp_limit SEC(".maps");

/* SRH HMAC keys (RFC 8754 §2.1.2).  key: __u32 HMAC Key ID (non-zero);
 * value: struct endmt_hmac_key, the precomputed pads of the secret (never
 * the secret), algorithm and text mode.  Written by `endmt hmac set/del`;
 * read by the edge XDP program (verification) and by apply (the head's
 * template HMAC).  Pinned root-only like every pin: the pads are as good
 * as the secret for forging. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_HMAC_KEYS);
	__type(key, __u32);
	__type(value, struct endmt_hmac_key);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_hmac_keys SEC(".maps");

/* XDP fan-out (include/endmt/fanout.h: what each holds, who writes it).
 * All four are written only by the agent (loader/fanout.c) and read by the
 * edge's XDP program and its slot programs (bpf/edge_slot.bpf.c). */
struct endmt_fanout_devmap {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, ENDMT_FANOUT_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct bpf_devmap_val));
};

/* key: group key; value: the group's devmap, entry i = (egress of slot i,
 * the program of slot i). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, ENDMT_MAX_GROUPS);
	__type(key, struct endmt_group_key);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct endmt_fanout_devmap);
} endmt_fanout_dev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_XLATE);
	__type(key, struct endmt_rcv_key);
	__type(value, struct endmt_fanout_rcv);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_fanout_rcv SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_XLATE);
	__type(key, struct endmt_fanout_key);
	__type(value, struct endmt_fanout_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_fanout_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct endmt_fanout_in);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_fanout_in SEC(".maps");

/* Telemetry (include/endmt/ioam.h, docs/TELEMETRY.md).  endmt_tm: this
 * node's IOAM identity, key 0, written by the CLI and the agent (the clock
 * offset), read by every role.  endmt_postcards: the postcards the edges
 * and forks export, read by the agent's IPFIX exporter. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct endmt_tm_node);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_tm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ENDMT_POSTCARD_RING);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_postcards SEC(".maps");

/* Alternate marking (include/endmt/pm.h, docs/PM.md).  endmt_pm: this
 * node's period engine, key 0.  endmt_pm_counts: the configured flows'
 * cumulative per-colour counters (entries made by the CLI only).
 * endmt_pm_groups: the head's FlowMonID per group.  endmt_pm_dmarks: the
 * D-marked packets' timestamps, read by the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct endmt_pm_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_pm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4 * ENDMT_PM_MAX_FLOWS);
	__type(key, struct endmt_pm_key);
	__type(value, struct endmt_pm_count);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_pm_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MAX_GROUPS);
	__type(key, struct endmt_group_key);
	__type(value, struct endmt_pm_group);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_pm_groups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ENDMT_PM_DMARK_RING);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_pm_dmarks SEC(".maps");

/* MPLS alternate marking (include/endmt/mpls.h).  endmt_mpls: this
 * node's readable depth and edge-to-edge setting, key 0, written by
 * `endmt mpls node`, read by every MPLS program.  endmt_mpls_flows: the
 * ingress LER's classifier (IP destination -> Flow-ID Label, T, position,
 * marking state), written by `endmt mpls flow`, read and its state
 * advanced by the LER program. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct endmt_mpls_node);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_mpls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENDMT_MPLS_MAX_FLOWS);
	__type(key, struct endmt_mpls_flow_key);
	__type(value, struct endmt_mpls_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endmt_mpls_flows SEC(".maps");

/* A fork's Destination Options header while it is off the packet (the
 * Replication SID's checks read the SRH right after the outer header),
 * per CPU, key 0, not pinned. */
struct endmt_pm_scratch {
	__u8 doh[ENDMT_AM_DOH_MAX];
	__u8 l2l3[14 + 40];	/* the edge: Ethernet + IPv6 moved over it */
	__u8 pad0[2];
	__u32 doh_len;
	__u32 bytes;		/* the L3 octets counted (without the header) */
	__u32 flow;		/* 0: no AltMark of ours */
	__u8 colour, dmark, pad[2];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct endmt_pm_scratch);
} endmt_pm_scratch SEC(".maps");

/* The trace's work area, per CPU, key 0, not pinned: the Hop-by-Hop
 * header as read (edge, fork) or built (head), and the postcard being
 * filled; far over the stack's 512 octets with everything else. */
#define ENDMT_TM_HBH_READ 512	/* longest Hop-by-Hop header endmt reads */
struct endmt_tm_scratch {
	/* + one entry of slack: 16-octet copies at a masked offset */
	__u8 hbh[ENDMT_TM_HBH_READ + ENDMT_IOAM_NODE_OCTETS];
	__u8 l2l3[14 + 40];	/* the edge: Ethernet + IPv6 moved over it */
	__u8 pad[2];
	__u32 hbh_len;		/* a fork: the header it took off ... */
	__u32 cls;		/* ... and what its trace is (enum endmt_tm_class) */
	struct endmt_tm_trace_pos {
		__u32 hdr_off, data_len;
	} trace;		/* ... and where its trace is */
	struct endmt_postcard pc;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct endmt_tm_scratch);
} endmt_tm_scratch SEC(".maps");

/* The edge's HMAC work area (text, SHA-256 state, result), per CPU: 2.3
 * KiB, far over the 512-octet stack.  key 0.  Not pinned: each edge object
 * has its own. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct endmt_hmac_scratch);
} endmt_hmac_scratch SEC(".maps");

/* The octets endmt_send_now() (bpf/dp/send.h) may rewrite, as the frame
 * holds them now: a sender of many copies of one packet skips a store of
 * octets already there (valid 0: unknown, store everything). */
struct endmt_frame_now {
	__u8 eth[12];		/* destination, source MAC */
	__u8 hl;		/* the hop limit at hl_off */
	__u8 valid;
	__u8 pad[2];
} __attribute__((aligned(8)));	/* compared as words */

/* Edge TC scratch: the receivers (address, QPN) copied out of this node's
 * End.MT TLVs before decapsulation removes them; too big for the stack.
 * key: 0; value: ENDMT_MAX_RCV entries plus one TLV's worth of slack so the
 * verifier can bound a variable-length copy at a variable offset.  Per CPU,
 * not pinned: private to each edge program instance, never read elsewhere. */
struct endmt_edge_scratch {
	struct endmt_mt_rcv rcv[ENDMT_MAX_RCV + ENDMT_MT_TLV_MAX_RCV];
	/* Per-packet replication state (bpf/dp/edge_replicate.h), here rather
	 * than on the 512-octet stack: the inner window DA..RETH as received
	 * and as the packet holds it now, the received MACs, the inner SA. */
	__u8 orig_w[52] __attribute__((aligned(8)));	/* read as 32-bit words */
	__u8 cur_w[52] __attribute__((aligned(8)));
	__u8 eth_orig[12];
	__u8 saddr[16];
	/* bit i: rcv[i] was taken (not refused, not a duplicate); the
	 * duplicate check compares only with taken entries. */
	__u64 taken[2];
	/* The packet's ICRC shift (octets after the window) as a multiply
	 * table (include/endmt/icrc.h): one per packet, used by every copy. */
	struct endmt_crc32_mul mul;
	/* What the frame holds now, for endmt_send_now() (bpf/dp/send.h). */
	struct endmt_frame_now now;
};
_Static_assert(ENDMT_MAX_RCV <= 128, "endmt_edge_scratch.taken holds 128 bits");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct endmt_edge_scratch);
} endmt_edge_scratch SEC(".maps");

#endif /* ENDMT_MAPS_BPF_H */
