/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Keys and values of every map shared by the BPF programs and userspace.
 * The map definitions themselves are in maps/endmt_maps.h; pinned names are
 * ABI (see docs/).  All addresses are network order octet arrays; all other
 * integers are host order unless the type says __be. */
#ifndef ENDMT_MAPS_H
#define ENDMT_MAPS_H

#include <linux/types.h>
#include <linux/bpf.h>		/* struct bpf_spin_lock */
#include "endmt/sha256.h"	/* struct endmt_hmac_pads */

#define ENDMT_MAX_BRANCHES  64	/* downstream branches per group per node */
#define ENDMT_MAX_NODE_TLVS 8	/* End.MT TLVs for one edge node per packet */
#define ENDMT_MAX_RCV       88	/* 8 TLVs x 11 receivers: hard cap per packet */
#define ENDMT_DEF_MAX_RCV   64	/* default cap, configurable per SID */
#define ENDMT_MAX_ENCAP     2048 /* outer IPv6 + SRH pushed by the head */
#define ENDMT_MAX_REPL      16	/* downstream SIDs of one RFC 9524 replication SID */
#define ENDMT_MAX_GROUPS    1024
#define ENDMT_MAX_SIDS      256
#define ENDMT_MAX_XLATE     4096
#define ENDMT_MAX_ORIGINS   16384 /* endmt_resp_origin entries */

/* endmt_sids: key = SID (outer DA), 16 octets. */
struct endmt_sid_key {
	__u8 sid[16];
};

#define ENDMT_SID_F_ENDMT 0x1	/* End.MT: decapsulate and replicate */
#define ENDMT_SID_F_STRICT 0x8	/* only groups configured here (endmt_groups), and
				 * per copy only their receivers (endmt_rcv_group) */
#define ENDMT_SID_F_TC_ONLY 0x10	/* no XDP fan-out (include/endmt/fanout.h): every
				 * copy made by the TC half (`sid add --fanout tc`) */

struct endmt_sid {
	__u8 edge[16];		/* Edge Node Address this node matches in TLVs */
	__u32 flags;		/* ENDMT_SID_F_* */
	__u32 max_rcv;		/* receivers accepted per packet, <= ENDMT_MAX_RCV */
	/* The SR domain's boundary (docs/DECISIONS.md): the SID takes outer
	 * packets only from src/src_plen (the heads that may send to it;
	 * 0 = any source) and only on device in_ifindex (where the tree
	 * arrives; 0 = any), so a receiver LAN cannot inject End.MT packets. */
	__u8 src[16];
	__u32 in_ifindex;
	__u8 src_plen;		/* 0..128 */
	__u8 hmac_policy;	/* enum endmt_hmac_policy */
	__u8 reserved[2];
	/* The SRH HMAC TLV's Key ID this SID's packets must carry (0 = any
	 * key of endmt_hmac_keys); read only when hmac_policy is not IGNORE. */
	__u32 hmac_key_id;
	__u32 reserved2;
};
_Static_assert(sizeof(struct endmt_sid) == 56, "endmt_sid layout");

/* What an End.MT SID does with the SRH HMAC TLV (RFC 8754 §2.1.2.1, like
 * the kernel's seg6_require_hmac 1 / 0 / -1). */
enum endmt_hmac_policy {
	ENDMT_HMAC_IGNORE = 0,	/* HMAC TLVs skipped like unknown TLVs (the default) */
	ENDMT_HMAC_VERIFY = 1,	/* verified when present; none is accepted */
	ENDMT_HMAC_REQUIRE = 2,	/* exactly one, valid; packets without are dropped */
};

/* endmt_hmac_keys: key = __u32 HMAC Key ID (host order, non-zero; the
 * TLV carries it big-endian).  The secret is never stored, only its pads
 * (include/endmt/sha256.h). */
#define ENDMT_MAX_HMAC_KEYS 64
#define ENDMT_HMAC_ALG_SHA256 1
struct endmt_hmac_key {
	struct endmt_hmac_pads pads;
	__u8 alg;		/* ENDMT_HMAC_ALG_SHA256, the only one */
	__u8 mode;		/* enum endmt_hmac_mode (endmt/sha256.h) */
	__u8 reserved[6];
};
_Static_assert(sizeof(struct endmt_hmac_key) == 72, "endmt_hmac_key layout");

/* endmt_groups: key = (Proxy Address, Designated QPN). */
struct endmt_group_key {
	__u8 proxy[16];
	__u32 dqpn;
};
_Static_assert(sizeof(struct endmt_group_key) == 20, "group key layout");

#define ENDMT_BR_VALID       0x1	/* slot in use */
#define ENDMT_BR_NAK_PENDING 0x2	/* epsn holds an outstanding NAK's ePSN */
#define ENDMT_BR_ACKED       0x4	/* has acknowledged at least once */
#define ENDMT_BR_FAILED      0x8	/* sent a fatal NAK (its QP is in error) */

/* One downstream branch: a receiver (edge) or an ingress interface (transit,
 * head).  Written by the response path under the group lock; configured by
 * the CLI; read by `endmt show` and the agent. */
struct endmt_branch {
	__u8 id[16];		/* receiver address, or ifindex (host order) in id[0..3] */
	__u32 ack_psn;		/* newest AckPSN, source PSN space; start_psn-1 at first */
	__u32 epsn;		/* ePSN of the outstanding NAK (if NAK_PENDING) */
	__u32 flags;		/* ENDMT_BR_* */
	__u32 ccount;		/* CNPs counted in the current window (capped) */
	__s32 psn_offset;	/* receiver PSN = source PSN + psn_offset (edge) */
	__u32 ccount_prev;	/* CCount of the CNP epoch before
				 * endmt_group.cnp_epoch (saved by the data
				 * path when it opened that epoch) */
	__u32 aeth;		/* AETH (host order) of the ACK that set ack_psn:
				 * credit code and MSN at ack_psn */
	__u32 rnrs;		/* RNR NAKs received (lifetime) */
	__u64 last_seen_ns;	/* bpf_ktime_get_ns() of the last response */
	__u64 acks;
	__u64 naks;
	__u64 cnps;
};
_Static_assert(sizeof(struct endmt_branch) == 80, "endmt_branch layout");

#define ENDMT_GF_HEAD           0x1	/* adjacent to the source: rewrite toward it */
#define ENDMT_GF_BRANCH_IFINDEX 0x2	/* branch = ingress ifindex, not source address */
#define ENDMT_GF_PSN_GUARD      0x4	/* this node forwards the group's data (head,
					 * edge): a response whose PSN is after
					 * data_psn (or before any data) is dropped */
#define ENDMT_GF_ORIGIN         0x8	/* a response's (source address, ingress
					 * device) must be in endmt_resp_origin */

#define ENDMT_GS_ACK_FWD 0x1	/* fwd_ack_psn is valid */
#define ENDMT_GS_NAK_FWD 0x2	/* fwd_epsn is valid (no progress since) */
#define ENDMT_GS_RNR_FWD 0x4	/* fwd_rnr_psn / rnr_until_ns are valid */
#define ENDMT_GS_DATA_FWD 0x8	/* data_psn is valid */

struct endmt_group {
	struct bpf_spin_lock lock;
	__u32 flags;		/* ENDMT_GF_* (configuration) */
	__u32 start_psn;	/* the source's initial PSN */
	__u32 src_qpn;		/* head: the source's own QPN */
	__u8 src_addr[16];	/* head: the source's address */
	__u8 resp_saddr[16];	/* source address of CNPs this node originates */
	__u32 nbranches;	/* slots 0..nbranches-1 of br[] are configured */
	__u32 cnp_cap;		/* CNPs counted per branch per window; 0 = no cap */
	__u32 cnp_rate;		/* CNPs the agent sends upstream per second, a
				 * token bucket of cnp_burst; 0 = no limit.
				 * Configuration (the CLI writes it), read by
				 * the agent; the data path does not use it */
	__u32 cnp_burst;	/* the bucket's depth in CNPs, >= 1 */
	__u32 fwd_ack_psn;	/* last AckPSN forwarded upstream */
	__u32 fwd_epsn;		/* last ePSN forwarded in a NAK */
	__u32 state;		/* ENDMT_GS_* */
	__u32 cnp_epoch;	/* low 32 bits of the endmt_cnp_epoch value
				 * the br[].ccount belong to */
	__u32 fwd_rnr_psn;	/* PSN of the last RNR NAK forwarded */
	__u32 acks_repeated;	/* times the minimum was sent upstream again */
	__u32 data_psn;		/* newest data PSN this node forwarded (source
				 * space, serial order), written under the
				 * lock by the head's and the edges' forward
				 * path; valid with ENDMT_GS_DATA_FWD */
	__u32 reserved;
	__u64 window_start_ns;	/* data path clock when it opened cnp_epoch
				 * (0: never); bounds the age of the counts */
	__u64 dup_mask;		/* bit i: branch i repeated its AckPSN since
				 * the minimum was last sent upstream */
	__u64 rnr_until_ns;	/* the last forwarded RNR NAK's timer ends */
	struct endmt_branch br[ENDMT_MAX_BRANCHES];
};
/* 120, was 104 before cnp_rate, cnp_burst, data_psn and reserved (16
 * octets); the __u64 fields stay 8-aligned.  test/py/cli_checks.py (GROUP)
 * mirrors this layout. */
_Static_assert(__builtin_offsetof(struct endmt_group, br) == 120, "endmt_group layout");

/* CNP windows without lost updates (docs/REVERSE-PATH.md, "CNP epochs").
 * endmt_cnp_epoch (one-slot array, value __u64) is advanced by the agent, and
 * only by it, at each window end; the data path tags a group's CCounts with
 * the epoch it read under the group lock and, at the first CNP of a newer
 * epoch, moves them to ccount_prev (only when they belong to the epoch just
 * before) and starts again from 0.  So the agent never writes struct
 * endmt_group.  Counts whose window_start_ns is older than this are ignored
 * whatever their tag: the 32-bit tag repeats after 2^32 windows (>= 59 h at
 * the smallest window), far beyond this bound. */
#define ENDMT_CNP_MAX_AGE_NS (3600ull * 1000000000ull)

/* The agent's CNP rate limit per group (docs/REVERSE-PATH.md, "CNP rate
 * limit"; the reasons for the defaults are in docs/DECISIONS.md).  What the
 * CLI and `apply` write into endmt_group.cnp_rate/cnp_burst unless told. */
#define ENDMT_CNP_RATE_DEF  1000	/* CNPs per second upstream per group */
#define ENDMT_CNP_BURST_DEF 8
#define ENDMT_CNP_RATE_MAX  1000000
#define ENDMT_CNP_BURST_MAX 1000000

/* endmt_cnp_limit: key = group key.  The agent's report of the CNPs it sent
 * upstream for the group and of those its token bucket withheld (lifetime,
 * carried over agent restarts), written only by the agent (BPF_F_LOCK
 * updates), read by `show`.  The bucket itself lives in the agent's memory. */
struct endmt_cnp_limit {
	struct bpf_spin_lock lock;
	__u32 reserved;
	__u64 sent;
	__u64 withheld;
};
_Static_assert(sizeof(struct endmt_cnp_limit) == 24, "cnp_limit layout");

/* endmt_stale: key = group key.  The agent's liveness marks, written only by
 * the agent (BPF_F_LOCK updates), read by `show` only (a report: a silent
 * branch keeps holding the group in the data path).
 * Branch i of the group is stale when bit i of mask is set, br[i].id still
 * equals id[i] (configuration may have moved branches between slots), and
 * br[i].last_seen_ns <= marked_ns (it has not answered since the agent
 * decided; an answer revives it without any write by the agent). */
struct endmt_stale {
	struct bpf_spin_lock lock;
	__u32 reserved;
	__u64 mask;
	__u64 marked_ns;	/* agent's CLOCK_MONOTONIC when it decided */
	__u8 id[ENDMT_MAX_BRANCHES][16];	/* br[i].id when it was marked */
};
_Static_assert(sizeof(struct endmt_stale) == 24 + ENDMT_MAX_BRANCHES * 16, "stale layout");

/* endmt_rcv_xlate (edge): per-receiver translations the draft does not carry.
 * key = (receiver address, receiver QPN). */
struct endmt_rcv_key {
	__u8 addr[16];
	__u32 qpn;
};

#define ENDMT_XL_PSN  0x1	/* add psn_offset to the BTH PSN */
#define ENDMT_XL_RETH 0x2	/* RETH: va += va_delta, rkey := rkey */

struct endmt_rcv_xlate {
	__s32 psn_offset;
	__u32 flags;		/* ENDMT_XL_* */
	__u64 va_delta;		/* added modulo 2^64 */
	__u32 rkey;
	__u32 reserved;
};
_Static_assert(sizeof(struct endmt_rcv_xlate) == 24, "xlate layout");

/* endmt_encap (head): key = group key; the outer IPv6 header + SRH (segment
 * list and End.MT TLVs) pushed in front of the group's packets.  The data
 * path fills in the outer payload length. */
struct endmt_encap {
	__u16 len;		/* octets of hdr[] in use: 40 + SRH length */
	__u16 flags;
	__u8 tm_sample;		/* telemetry: ENDMT_TM_OFF or 1 + log2 of the
				 * sampling period (include/endmt/ioam.h) */
	__u8 tm_slots;		/* IOAM node entries the head pre-allocates */
	__u8 reserved[2];
	__u8 hdr[ENDMT_MAX_ENCAP];
};

/* endmt_repl (transit, RFC 9524): key = local Replication SID. */
struct endmt_repl {
	__u32 n;		/* downstream SIDs in use */
	__u32 in_ifindex;	/* the SR domain's boundary, as struct endmt_sid:
				 * only packets arriving here (0 = any) */
	__u8 sids[ENDMT_MAX_REPL][16];
	__u8 src[16];		/* ...and from src/src_plen (0 = any source) */
	__u8 src_plen;
	__u8 hmac_policy;	/* enum endmt_hmac_policy, as struct endmt_sid */
	__u8 reserved[2];
	__u32 hmac_key_id;	/* as struct endmt_sid: 0 = any key of the node */
};
_Static_assert(sizeof(struct endmt_repl) == 8 + 16 * ENDMT_MAX_REPL + 24, "endmt_repl layout");

/* Every pinned map: PINROOT/endmt_<name>, the name of its definition in
 * maps/endmt_maps.h.  Pinned names are ABI.  X(name) for each map the BPF
 * objects define (maps/endmt_maps.h, created by loading bpf/maps.bpf.c).
 * (endmt_rcv_group was created by loader/pin.c while only the CLI read it;
 * the edge reads it now, with the same layout, so old pins are reused.) */
#define ENDMT_BPF_PINNED_MAPS(X)					\
	X(sids) X(groups) X(rcv_xlate) X(encap) X(repl) X(stats) X(proxies)	\
	X(cnp_epoch) X(stale) X(cnp_limit) X(resp_origin) X(rcv_group) X(hmac_keys)	\
	X(fanout_dev) X(fanout_rcv) X(fanout_slots) X(fanout_in) X(tm) X(postcards)	\
	X(pm) X(pm_counts) X(pm_groups) X(pm_dmarks)	\
	X(mpls) X(mpls_flows)
#define ENDMT_PINNED_MAPS(X) ENDMT_BPF_PINNED_MAPS(X)
#define ENDMT_PIN_NAME(name) "endmt_" #name

/* endmt_resp_origin: where a group's responses may come from (groups with
 * ENDMT_GF_ORIGIN).  key = (group, response source address); value = __u32
 * ifindex of the device they must arrive on.  At an edge: each receiver's
 * address -> its link.  At a transit or the head: each receiver below a
 * child, and the child node itself (its agent's CNPs), -> the link to that
 * child.  Written by apply (exactly the file's, per group), read by the
 * response path. */
struct endmt_origin_key {
	__u8 proxy[16];
	__u32 dqpn;
	__u8 addr[16];
};
_Static_assert(sizeof(struct endmt_origin_key) == 36, "origin key layout");

/* endmt_proxies: key = a Proxy Address of some group on this node; value =
 * __u32 number of groups using it.  Lets the response path tell "unknown QPN
 * at a Proxy Address" (drop) from "not endmt traffic" (pass). */
struct endmt_proxy_key {
	__u8 addr[16];
};

#endif /* ENDMT_MAPS_H */
