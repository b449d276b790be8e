/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `endmt collect`'s alternate-marking records (IPFIX templates 258, 259):
 * per (enc, flow), per node, the last PM_STATE_PERIODS periods' counts and
 * D-mark timestamps, written as the state file's "pm" section for
 * `endmt pm report` (docs/PM.md). */
#ifndef ENDMT_PM_STATE_H
#define ENDMT_PM_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#define PM_STATE_FLOWS		64
#define PM_STATE_NODES		64	/* per flow */
#define PM_STATE_PERIODS	64	/* kept per node: a ring by period index */

struct pm_st_period {
	bool used;
	uint64_t k, packets, bytes;
};

struct pm_st_dmark {
	bool used;
	uint64_t k, real_ns;
	uint32_t pkt_key;
};

struct pm_st_node {
	uint32_t id;
	uint8_t point;
	uint64_t received_ns;		/* the collector's clock, last record */
	bool have_last;
	uint64_t last_period;		/* the newest period record's */
	struct pm_st_period per[PM_STATE_PERIODS];
	struct pm_st_dmark dm[PM_STATE_PERIODS];
};

struct pm_st_flow {
	uint8_t enc;
	uint32_t flow;
	uint64_t period_ns;
	struct pm_st_node node[PM_STATE_NODES];
	int nnodes;
};

struct pm_state {
	struct pm_st_flow *flow[PM_STATE_FLOWS];
	int nflows;
	uint64_t period_records, dmark_records, dropped;
};

/* A period record / a D-mark record (their fields as tm_ipfix.h has
 * them); now_real: the collector's CLOCK_REALTIME. */
void pm_state_period(struct pm_state *s, uint32_t node_id, uint8_t enc, uint32_t flow,
		     uint8_t point, uint64_t k, uint64_t period_ns, uint64_t packets,
		     uint64_t bytes, uint64_t now_real);
void pm_state_dmark(struct pm_state *s, uint32_t node_id, uint8_t enc, uint32_t flow,
		    uint8_t point, uint64_t k, uint64_t real_ns, uint32_t pkt_key,
		    uint64_t now_real);
json_t *pm_state_json(const struct pm_state *s);
void pm_state_free(struct pm_state *s);

#endif
