/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `endmt collect`'s picture of every group's tree, rebuilt from postcards
 * (docs/TELEMETRY.md, "collect and tree"), and the state file it writes
 * for `endmt tree`. */
#ifndef ENDMT_TM_STATE_H
#define ENDMT_TM_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include "endmt/ioam.h"

#define TM_MAX_GROUPS	64
#define TM_MAX_NODES	64	/* per group */
#define TM_MAX_BRANCHES	128	/* per group (a bitmap per sample) */
#define TM_SAMPLE_SLOTS	1024	/* sampled packets in their grace time, per group */
#define TM_SAMPLE_NODES	TM_MAX_NODES	/* nodes one sampled packet is seen at */
#define TM_GRACE_MS_DEF	2000
#define TM_MAX_ACKS	256	/* ACK-state branches per group (all nodes) */

struct tm_delay {		/* microseconds, signed: clocks may disagree */
	uint64_t n;
	int64_t min, max, last, sum;
};

struct tm_node {
	uint32_t id;		/* IOAM node_id */
	bool edge, fork;	/* has exported edge / fork postcards */
	uint32_t copies;	/* last postcard's: receivers (edge), SIDs (fork) */
	uint64_t postcards;	/* exported by this node */
	uint64_t last_seen_ns;	/* CLOCK_REALTIME of the last postcard naming it */
};

struct tm_branch {
	uint32_t parent, child;	/* node ids */
	uint64_t samples;	/* sampled packets seen at both ends */
	uint64_t lost;		/* seen at the parent, never below it */
	struct tm_delay delay;	/* child's entry timestamp - parent's */
	uint64_t last_seen_ns;
};

/* One transmission of a sampled packet through a node: the node's entry,
 * told apart from another transmission (an RC retransmission has the same
 * PSN) by its timestamp.  Every copy of one transmission carries the same
 * entry bytes (ip6mr copies the trace; a fork writes one entry for its
 * postcard and every copy, bpf/dp/repl_tm.h). */
struct tm_hop {
	uint32_t id;
	int64_t ts_us;
};

struct tm_sample {
	bool used;
	uint32_t psn;
	uint64_t first_ns;	/* CLOCK_MONOTONIC of its first postcard */
	struct tm_hop hop[TM_SAMPLE_NODES];	/* transmissions seen, at a node */
	int nhops;
	/* hops that reached a child: (hop index, branch) pairs seen */
	struct { uint16_t hop, br; } down[TM_SAMPLE_NODES];
	int ndown;
};

/* The latest ACK state of one branch at one node (the agent's IPFIX
 * ACK-state record, tm_ipfix.h), kept by (node, kind, receiver or ifindex). */
struct tm_ack {
	uint32_t node_id;
	uint8_t proxy[16];
	uint32_t dqpn;
	uint8_t kind;		/* enum tm_branch_kind (tm_ipfix.h) */
	uint8_t flags;		/* TM_ACK_F_* */
	uint8_t addr[16];	/* receiver (kind 1) */
	uint32_t ifindex;	/* device (kind 2) */
	uint32_t ack_psn, data_psn, lag, age_ms;
	uint64_t acks, naks, cnps;
	uint64_t export_ns;	/* the exporter's CLOCK_REALTIME */
	uint64_t received_ns;	/* the collector's */
};

struct tm_group {
	uint8_t proxy[16];
	uint32_t dqpn;
	uint64_t postcards, truncated;	/* truncated: the trace overflowed */
	struct tm_node node[TM_MAX_NODES];
	int nnodes;
	struct tm_branch br[TM_MAX_BRANCHES];
	int nbr;
	struct tm_sample sample[TM_SAMPLE_SLOTS];
	struct tm_ack ack[TM_MAX_ACKS];
	int nacks;
	uint64_t ack_records;
};

struct tm_state {
	uint64_t grace_ns;
	uint64_t postcards, dropped;	/* dropped: over a table's bound */
	uint64_t ack_records;
	struct tm_group *group[TM_MAX_GROUPS];
	int ngroups;
	struct pm_state *pm;	/* alternate marking (pm_state.h): "pm", if set */
};

void tm_state_init(struct tm_state *s, uint32_t grace_ms);
void tm_state_free(struct tm_state *s);
/* One postcard; now_mono for the grace time, now_real for "last seen". */
void tm_state_add(struct tm_state *s, const struct endmt_postcard *pc, uint64_t now_mono,
		  uint64_t now_real);
/* One ACK-state record: replaces the branch's previous one. */
void tm_state_ack(struct tm_state *s, const struct tm_ack *a);
/* Judges the samples whose grace time ended (all of them with flush). */
void tm_state_expire(struct tm_state *s, uint64_t now_mono, bool flush);
/* FILE, atomically (a temporary in the same directory, then rename).
 * 0 or -errno. */
int tm_state_write(const struct tm_state *s, const char *file, uint64_t now_real);

#endif
