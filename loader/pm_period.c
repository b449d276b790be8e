// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The agent's period reader (pm_period.h).  One schedule for the node (all
 * flows share the node's period), one baseline per (flow, enc, point). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endmt.h"
#include "pm_flow.h"
#include "pm_period.h"
#include "tm_export.h"
#include "tm_ipfix.h"
#include "pm_calc.h"	/* lib/: the arithmetic */

/* A configured (flow, enc, point) the reader has seen. */
struct pm_slot {
	struct endmt_pm_key k;	/* colour 0 */
	struct pm_base base;
};

#define PM_SLOTS (2 * ENDMT_PM_MAX_FLOWS)

struct pm_reader {
	int cfg_fd, counts_fd;
	struct ring_buffer *rb;
	struct tm_export *x;	/* during a drain */
	struct pm_sched sched;
	uint64_t period_ns;	/* the schedule's */
	struct pm_slot *slot;
	int nslots;
	uint64_t periods, records, dmarks, resets, baselines;
};

static uint64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int on_dmark(void *ctx, void *data, size_t size)
{
	struct pm_reader *r = ctx;
	struct endmt_pm_dmark d;
	struct tm_dmark_rec rec = {};

	if (size < sizeof(d))
		return 0;
	memcpy(&d, data, sizeof(d));
	rec.obs_ntp = tm_ns_to_ntp(d.real_ns);
	rec.period = endmt_pm_period_of(d.real_ns, r->period_ns);
	rec.node_id = d.node_id;
	rec.flow = d.flow;
	rec.pkt_key = d.pkt_key;
	rec.enc = d.enc;
	rec.point = d.point;
	rec.colour = d.colour;
	r->dmarks++;
	if (d.node_id)
		tm_export_dmark(r->x, &rec);
	return 0;
}

int pm_reader_open(struct pm_reader **out, const struct endmt_maps_fds *m)
{
	struct pm_reader *r = calloc(1, sizeof(*r));
	int err = 0;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->cfg_fd = m->pm;
	r->counts_fd = m->pm_counts;
	r->slot = calloc(PM_SLOTS, sizeof(*r->slot));
	if (!r->slot) {
		err = -ENOMEM;
		goto fail;
	}
	if (m->pm_dmarks >= 0) {
		r->rb = ring_buffer__new(m->pm_dmarks, on_dmark, r, NULL);
		if (!r->rb) {
			err = -errno;
			errorf("agent: alternate marking: the D-mark ring: %s", strerror(-err));
			goto fail;
		}
	}
	*out = r;
	return 0;
fail:
	pm_reader_close(r);
	return err;
}

static struct pm_slot *slot_get(struct pm_reader *r, const struct endmt_pm_key *k)
{
	int i;

	for (i = 0; i < r->nslots; i++)
		if (r->slot[i].k.flow == k->flow && r->slot[i].k.enc == k->enc &&
		    r->slot[i].k.point == k->point)
			return &r->slot[i];
	if (r->nslots == PM_SLOTS)
		return NULL;
	memset(&r->slot[r->nslots], 0, sizeof(r->slot[0]));
	r->slot[r->nslots].k = *k;
	r->slot[r->nslots].k.colour = 0;
	return &r->slot[r->nslots++];
}

/* Period k of every configured flow: the counters of colour k & 1. */
static void read_period(struct pm_reader *r, uint64_t k, uint32_t node_id)
{
	struct endmt_pm_key key, *prev = NULL;
	struct endmt_pm_count cum, d;
	struct tm_pm_rec rec;
	struct pm_slot *s;
	uint8_t colour = k & 1;

	r->periods++;
	while (!bpf_map_get_next_key(r->counts_fd, prev, &key)) {
		prev = &key;
		if (key.colour != colour || pm_count_read(r->counts_fd, &key, &cum))
			continue;
		s = slot_get(r, &key);
		if (!s)
			continue;
		if (!pm_base_read(&s->base, colour, &cum, &d)) {
			r->baselines++;
			continue;
		}
		memset(&rec, 0, sizeof(rec));
		rec.start_ntp = tm_ns_to_ntp(k * r->period_ns);
		rec.end_ntp = tm_ns_to_ntp((k + 1) * r->period_ns);
		rec.packets = d.packets;
		rec.bytes = d.bytes;
		rec.period = k;
		rec.node_id = node_id;
		rec.flow = key.flow;
		rec.enc = key.enc;
		rec.point = key.point;
		rec.colour = colour;
		r->records++;
		if (node_id)
			tm_export_pm(r->x, &rec);
	}
}

void pm_reader_poll(struct pm_reader *r, struct tm_export *x)
{
	struct endmt_pm_cfg cfg;
	uint32_t zero = 0;
	uint64_t k;
	bool reset;
	int i;

	if (!r)
		return;
	r->x = x;
	if (r->cfg_fd < 0 || bpf_map_lookup_elem(r->cfg_fd, &zero, &cfg))
		memset(&cfg, 0, sizeof(cfg));
	/* Count-based periods are the data path's tests: no time to cut. */
	if (cfg.count_period)
		cfg.period_ns = 0;
	if (cfg.period_ns != r->period_ns) {
		memset(&r->sched, 0, sizeof(r->sched));
		for (i = 0; i < r->nslots; i++)
			pm_base_reset(&r->slot[i].base);
		r->period_ns = cfg.period_ns;
	}
	if (r->rb)
		ring_buffer__consume(r->rb);	/* D-marks first: of older periods */
	while (r->counts_fd >= 0 && pm_sched_next(&r->sched, real_now(), r->period_ns, &k, &reset)) {
		if (reset) {
			r->resets++;
			for (i = 0; i < r->nslots; i++)
				pm_base_reset(&r->slot[i].base);
		}
		read_period(r, k, cfg.node_id);
	}
	tm_export_flush(x);
	r->x = NULL;
}

json_t *pm_reader_json(const struct pm_reader *r)
{
	if (!r)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "periods", (json_int_t)r->periods,
			 "records", (json_int_t)r->records, "dmarks", (json_int_t)r->dmarks,
			 "resets", (json_int_t)r->resets, "baselines", (json_int_t)r->baselines);
}

void pm_reader_close(struct pm_reader *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	free(r->slot);
	free(r);
}
