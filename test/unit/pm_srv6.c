/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Alternate marking on endmt's trees (RFC 9343; docs/PM.md) under
 * BPF_PROG_TEST_RUN.  The head: its Destination Options header compared
 * with one written here by hand from RFC 9343 3 (not with the BPF code's
 * builder), colours and D marks of count-based periods (RFC 9341 single
 * marking with one double-marked packet per period), time-based colours
 * against the clock, the order behind a telemetry trace, its OUT counters
 * and D-mark records.  The edge: its output with a mark octet-identical to
 * the unmarked packet's, its IN counters and D-mark records, and a table of
 * lying headers and options, each with its verdict and named counter.
 * (The fork's rows are in transit_repl.c.) */
#include <time.h>
#include "mt_frame.h"
#include "endmt/pm.h"
#include "endmt/ioam.h"

#define FLOW     0xabcde
#define HEAD_NID 6
#define EDGE_NID 1

/* An 8-octet Destination Options header with one AltMark, by hand. */
static void doh_hand(uint8_t *h, uint8_t nh, uint32_t flow, int l, int d)
{
	uint32_t v = flow << 12 | (uint32_t)(l ? 1 : 0) << 11 | (uint32_t)(d ? 1 : 0) << 10;

	h[0] = nh, h[1] = 0;		/* 8 octets */
	h[2] = 0x12, h[3] = 4;		/* RFC 9343: AltMark, Opt Data Len 4 */
	h[4] = (uint8_t)(v >> 24), h[5] = (uint8_t)(v >> 16);
	h[6] = (uint8_t)(v >> 8), h[7] = (uint8_t)v;
}

struct dm_got {
	struct endmt_pm_dmark d[16];
	int n;
};

static int dm_cb(void *ctx, void *data, size_t len)
{
	struct dm_got *g = ctx;

	if (len == sizeof(struct endmt_pm_dmark) && g->n < 16)
		memcpy(&g->d[g->n], data, len);
	g->n++;
	return 0;
}

static uint64_t now_real(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The period engine of a node: period_ns or count-based. */
static int pm_cfg_set(int fd, uint64_t period_ns, uint32_t count, uint32_t node)
{
	struct timespec r, t;
	struct endmt_pm_cfg c = { .period_ns = period_ns, .count_period = count, .node_id = node };
	uint32_t zero = 0;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_TAI, &t);
	c.real_minus_tai_ns = ((int64_t)r.tv_sec - t.tv_sec) * 1000000000LL + (r.tv_nsec - t.tv_nsec);
	c.real_minus_tai_ns = (c.real_minus_tai_ns + 500000000LL) / 1000000000LL * 1000000000LL;
	return bpf_map_update_elem(fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

/* (FLOW, srv6, point) counters made, both colours, as the CLI makes them. */
static int pm_counters(int fd, uint8_t point)
{
	static struct endmt_pm_count zero[512];
	struct endmt_pm_key k = { .flow = FLOW, .enc = ENDMT_PM_SRV6, .point = point };

	for (k.colour = 0; k.colour < 2; k.colour++)
		if (bpf_map_update_elem(fd, &k, zero, BPF_ANY))
			return -errno;
	return 0;
}

static struct endmt_pm_count pm_sum(int fd, uint8_t colour, uint8_t point)
{
	static struct endmt_pm_count v[512];
	struct endmt_pm_key k = { .flow = FLOW, .enc = ENDMT_PM_SRV6, .colour = colour,
				  .point = point };
	struct endmt_pm_count s = { ~0ull, ~0ull };
	int i, n = libbpf_num_possible_cpus();

	if (n <= 0 || n > 512 || bpf_map_lookup_elem(fd, &k, v))
		return s;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		s.packets += v[i].packets;
		s.bytes += v[i].bytes;
	}
	return s;
}

/* ---- head ---------------------------------------------------------------- */

static int head_run(struct head_env *e, const uint8_t *in, size_t n, uint8_t *out, uint32_t *olen)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)n,
		    .data_out = out, .data_size_out = FRAME_CAP, .repeat = 1);

	if (bpf_prog_test_run_opts(e->prog, &o))
		return -1;
	*olen = o.data_size_out;
	return (int)o.retval;
}

/* marked == plain with hdr (hl octets) inserted after the outer IPv6
 * header: outer Next Header nh, payload length + hl, the rest octet for
 * octet (the ICRC untouched). */
static void expect_inserted(const uint8_t *marked, uint32_t ml, const uint8_t *plain, uint32_t pl,
			    const uint8_t *hdr, size_t hl, uint8_t nh, const char *what)
{
	static uint8_t exp[FRAME_CAP];
	size_t plen = ((size_t)plain[ENDMT_ETH_HLEN + 4] << 8 | plain[ENDMT_ETH_HLEN + 5]) + hl;

	memcpy(exp, plain, 54);
	exp[ENDMT_ETH_HLEN + 4] = (uint8_t)(plen >> 8);
	exp[ENDMT_ETH_HLEN + 5] = (uint8_t)plen;
	exp[ENDMT_ETH_HLEN + 6] = nh;
	memcpy(exp + 54, hdr, hl);
	memcpy(exp + 54 + hl, plain + 54, pl - 54);
	ASSERT_MEMEQ(marked, ml, exp, pl + hl, what);
}

static int pm_group(struct head_env *e, uint32_t flow)
{
	struct endmt_group_key k = gkey(PROXY, DQPN);
	struct endmt_pm_group g = { .flow = flow };

	return bpf_map_update_elem(bpf_map__fd(e->skel->maps.endmt_pm_groups), &k, &g, BPF_ANY) ?
	       -errno : 0;
}

static void test_head_mark(void)
{
	static uint8_t pay[256], in[FRAME_CAP], plain[FRAME_CAP], out[FRAME_CAP];
	uint64_t before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX];
	struct endmt_roce_spec s;
	struct tmpl_cfg t[3];
	struct head_env e;
	struct ring_buffer *rb = NULL;
	struct dm_got got = {0};
	uint32_t pl = 0, ol = 0;
	uint8_t h[8];
	int n, cfg_fd, cnt_fd, i;

	if (!ASSERT_OK(env_open(&e), "load head"))
		return;
	cfg_fd = bpf_map__fd(e.skel->maps.endmt_pm);
	cnt_fd = bpf_map__fd(e.skel->maps.endmt_pm_counts);
	rb = ring_buffer__new(bpf_map__fd(e.skel->maps.endmt_pm_dmarks), dm_cb, &got, NULL);
	tmpl_cfgs(t);
	if (!ASSERT_OK_PTR(rb, "ring") ||
	    !ASSERT_OK(config_group(&e, PROXY, DQPN, SRC, &t[0], 1), "config"))
		goto out;
	roce_spec(&s, pay, sizeof(pay));
	s.psn = 0x10;
	n = endmt_build_roce(in, sizeof(in), &s);
	if (!ASSERT_GE(n, 1, "build") ||
	    !ASSERT_EQ(head_run(&e, in, (size_t)n, plain, &pl), TC_ACT_OK, "unmarked run"))
		goto out;

	if (test__start_subtest("head_unmarked_group")) {
		/* the engine on, but the group has no FlowMonID: no mark */
		ASSERT_OK(pm_cfg_set(cfg_fd, 0, 4, HEAD_NID), "engine");
		ASSERT_EQ(head_run(&e, in, (size_t)n, out, &ol), TC_ACT_OK, "run");
		ASSERT_MEMEQ(out, ol, plain, pl, "as without marking");
	}
	if (test__start_subtest("head_count_periods")) {
		/* Blocks of 4: PSN 0x10..0x13 colour 0 (0x10 D), 0x14..0x17
		 * colour 1 (0x14 D), 0x18..0x19 colour 0 (0x18 D). */
		static uint8_t plains[10][FRAME_CAP];
		uint32_t pls[10];
		uint64_t bytes[2] = {0, 0};
		struct endmt_pm_count c0, c1;
		uint64_t t0, t1;

		ASSERT_OK(pm_cfg_set(cfg_fd, 0, 4, HEAD_NID), "engine: count 4");
		ASSERT_OK(pm_counters(cnt_fd, ENDMT_PM_OUT), "OUT counters");
		for (i = 0; i < 10; i++) {
			s.psn = 0x10 + (uint32_t)i;
			n = endmt_build_roce(in, sizeof(in), &s);
			ASSERT_EQ(head_run(&e, in, (size_t)n, plains[i], &pls[i]), TC_ACT_OK, "plain");
		}
		ASSERT_OK(pm_group(&e, FLOW), "group flow");
		tu_stats_read(e.stats, before);
		t0 = now_real();
		for (i = 0; i < 10; i++) {
			int colour = (i / 4) & 1, d = i % 4 == 0;

			s.psn = 0x10 + (uint32_t)i;
			n = endmt_build_roce(in, sizeof(in), &s);
			ASSERT_EQ(head_run(&e, in, (size_t)n, out, &ol), TC_ACT_OK, "marked run");
			doh_hand(h, ENDMT_NEXTHDR_ROUTING, FLOW, colour, d);
			expect_inserted(out, ol, plains[i], pls[i], h, 8, ENDMT_NEXTHDR_DSTOPTS,
					"outer IPv6, AltMark, SRH and inner");
			bytes[colour] += ol - ENDMT_ETH_HLEN;
		}
		t1 = now_real();
		tu_stats_read(e.stats, after);
		ASSERT_EQ(after[ENDMT_STAT_HEAD_ENCAP] - before[ENDMT_STAT_HEAD_ENCAP], 10, "head_encap");
		ASSERT_EQ(after[ENDMT_STAT_PM_MARKED] - before[ENDMT_STAT_PM_MARKED], 10, "pm_marked");
		ASSERT_EQ(after[ENDMT_STAT_PM_COUNTED] - before[ENDMT_STAT_PM_COUNTED], 10, "pm_counted");
		c0 = pm_sum(cnt_fd, 0, ENDMT_PM_OUT);
		c1 = pm_sum(cnt_fd, 1, ENDMT_PM_OUT);
		ASSERT_EQ(c0.packets, 6, "colour 0 sent");
		ASSERT_EQ(c1.packets, 4, "colour 1 sent");
		/* octets: the outer L3 length as sent */
		ASSERT_EQ(c0.bytes, bytes[0], "colour 0 octets");
		ASSERT_EQ(c1.bytes, bytes[1], "colour 1 octets");
		got.n = 0;
		ring_buffer__consume(rb);
		if (ASSERT_EQ(got.n, 3, "one D mark per block")) {
			for (i = 0; i < 3; i++) {
				ASSERT_EQ(got.d[i].pkt_key, 0x10u + 4u * (uint32_t)i, "D mark: PSN");
				ASSERT_EQ(got.d[i].colour, i & 1, "D mark: colour");
				ASSERT_EQ(got.d[i].flow, FLOW, "D mark: flow");
				ASSERT_EQ(got.d[i].enc, ENDMT_PM_SRV6, "D mark: encoding");
				ASSERT_EQ(got.d[i].point, ENDMT_PM_OUT, "D mark: point");
				ASSERT_EQ(got.d[i].node_id, HEAD_NID, "D mark: node");
				ASSERT_GE(got.d[i].real_ns + 1000000000ull, t0, "D mark: not before the run");
				ASSERT_GE(t1 + 1000000000ull, got.d[i].real_ns, "D mark: not after it");
			}
		}
	}
	if (test__start_subtest("head_time_periods")) {
		/* 10 s periods: the colour is the period's parity by the
		 * clock; the first packet of the period (for this group's
		 * marker) is the D mark, the second is not. */
		uint64_t t0, t1, k0, k1;
		int l0, l1;

		ASSERT_OK(pm_cfg_set(cfg_fd, 10000000000ull, 0, HEAD_NID), "engine: 10 s");
		ASSERT_OK(pm_group(&e, FLOW), "fresh marker");
		s.psn = 0x30;
		n = endmt_build_roce(in, sizeof(in), &s);
		t0 = now_real();
		ASSERT_EQ(head_run(&e, in, (size_t)n, out, &ol), TC_ACT_OK, "first");
		ASSERT_EQ(head_run(&e, in, (size_t)n, plain, &pl), TC_ACT_OK, "second");
		t1 = now_real();
		k0 = t0 / 10000000000ull, k1 = t1 / 10000000000ull;
		ASSERT_EQ(out[ENDMT_ETH_HLEN + 6], ENDMT_NEXTHDR_DSTOPTS, "marked");
		l0 = !!(out[54 + 6] & 0x08), l1 = !!(plain[54 + 6] & 0x08);
		if (k0 == k1) {	/* not across a boundary */
			ASSERT_EQ(l0, (int)(k0 & 1), "colour = period parity");
			ASSERT_EQ(l1, (int)(k0 & 1), "same period, same colour");
			ASSERT_EQ(out[54 + 6] & 0x04, 0x04, "first of the period: D");
			ASSERT_EQ(plain[54 + 6] & 0x04, 0, "second: no D");
		}
		s.psn = 0x10;
		n = endmt_build_roce(in, sizeof(in), &s);
	}
	if (test__start_subtest("head_mark_behind_trace")) {
		/* With a trace: outer -> Hop-by-Hop (the trace) ->
		 * Destination Options (the mark) -> SRH (RFC 8200 4.1). */
		struct endmt_group_key k = gkey(PROXY, DQPN);
		struct endmt_tm_node tn = { .node_id = 0x060606, .ns_id = 7 };
		static struct endmt_encap v;
		uint32_t zero = 0;
		size_t hl = 16 + 16 * 2;

		ASSERT_OK(pm_cfg_set(cfg_fd, 0, 4, HEAD_NID), "engine: count 4");
		bpf_map_delete_elem(bpf_map__fd(e.skel->maps.endmt_pm_groups), &k);
		ASSERT_EQ(head_run(&e, in, (size_t)n, plain, &pl), TC_ACT_OK, "unmarked");
		ASSERT_OK(pm_group(&e, FLOW), "fresh marker");
		ASSERT_OK(bpf_map_update_elem(bpf_map__fd(e.skel->maps.endmt_tm), &zero, &tn, BPF_ANY),
			  "telemetry node");
		ASSERT_OK(bpf_map_lookup_elem(e.encap, &k, &v), "template");
		v.tm_sample = 1, v.tm_slots = 2;
		ASSERT_OK(bpf_map_update_elem(e.encap, &k, &v, BPF_EXIST), "sample every");
		ASSERT_EQ(head_run(&e, in, (size_t)n, out, &ol), TC_ACT_OK, "run");
		ASSERT_EQ(ol, pl + hl + 8, "grew by trace and mark");
		ASSERT_EQ(out[ENDMT_ETH_HLEN + 6], 0, "outer: Hop-by-Hop");
		ASSERT_EQ(out[54], ENDMT_NEXTHDR_DSTOPTS, "Hop-by-Hop: Destination Options");
		doh_hand(h, ENDMT_NEXTHDR_ROUTING, FLOW, 0, 1);
		ASSERT_MEMEQ(out + 54 + hl, 8, h, 8, "the mark behind the trace");
		ASSERT_MEMEQ(out + 54 + hl + 8, ol - 54 - hl - 8, plain + 54, pl - 54, "SRH and inner");
		v.tm_sample = 0;
		ASSERT_OK(bpf_map_update_elem(e.encap, &k, &v, BPF_EXIST), "sampling off");
	}
out:
	ring_buffer__free(rb);
	env_close(&e);
}

/* ---- edge ---------------------------------------------------------------- */

/* One Destination Options case for the edge: the header as sent (el
 * octets) and what the edge must do with it. */
struct dcase {
	const char *name;
	uint8_t doh[24];
	size_t el;
	int cut;		/* frame ends 8 octets into the header */
	int hbh;		/* a Hop-by-Hop header (PadN) in front */
	int outside;		/* from outside the SR domain */
	int verdict;		/* XDP_PASS (output = the unmarked one) or XDP_DROP */
	enum endmt_stat stat;	/* the run's verdict counter */
	enum endmt_stat event;	/* 0: none */
	int colour;		/* -1: nothing counted */
};

#define AM(flow, l, d) 0x12, 4, (uint8_t)((flow) >> 12), (uint8_t)((flow) >> 4), \
	(uint8_t)(((flow) << 4) | ((l) << 3) | ((d) << 2)), 0
#define RT ENDMT_NEXTHDR_ROUTING

static const struct dcase dcases[] = {
	{ "marked", { RT, 0, AM(FLOW, 1, 1) }, 8, .verdict = XDP_PASS,
	  .stat = ENDMT_STAT_ENDMT_RX, .event = ENDMT_STAT_PM_COUNTED, .colour = 1 },
	{ "marked_colour_0", { RT, 0, AM(FLOW, 0, 0) }, 8, .verdict = XDP_PASS,
	  .stat = ENDMT_STAT_ENDMT_RX, .event = ENDMT_STAT_PM_COUNTED, .colour = 0 },
	{ "behind_hop_by_hop", { RT, 0, AM(FLOW, 1, 0) }, 8, .hbh = 1, .verdict = XDP_PASS,
	  .stat = ENDMT_STAT_ENDMT_RX, .event = ENDMT_STAT_PM_COUNTED, .colour = 1 },
	{ "padding_only", { RT, 0, 1, 4, 0, 0, 0, 0 }, 8, .verdict = XDP_PASS,
	  .stat = ENDMT_STAT_ENDMT_RX, .colour = -1 },
	{ "unknown_option_skipped", { RT, 1, 0x1e, 2, 0, 0, AM(FLOW, 1, 0), 1, 2, 0, 0 }, 16,
	  .verdict = XDP_PASS, .stat = ENDMT_STAT_ENDMT_RX, .event = ENDMT_STAT_PM_COUNTED,
	  .colour = 1 },
	{ "second_altmark_ignored", { RT, 1, AM(FLOW, 0, 0), AM(0x11111, 1, 0), 1, 0 }, 16,
	  .verdict = XDP_PASS, .stat = ENDMT_STAT_ENDMT_RX, .event = ENDMT_STAT_PM_COUNTED,
	  .colour = 0 },
	{ "altmark_short", { RT, 0, 0x12, 2, 0xab, 0xcd, 1, 0 }, 8, .verdict = XDP_PASS,
	  .stat = ENDMT_STAT_ENDMT_RX, .event = ENDMT_STAT_PM_AM_BAD, .colour = -1 },
	{ "altmark_flow_0", { RT, 0, AM(0, 1, 1) }, 8, .verdict = XDP_PASS,
	  .stat = ENDMT_STAT_ENDMT_RX, .event = ENDMT_STAT_PM_AM_BAD, .colour = -1 },
	{ "altmark_unknown_flow", { RT, 0, AM(0x11111, 1, 1) }, 8, .verdict = XDP_PASS,
	  .stat = ENDMT_STAT_ENDMT_RX, .event = ENDMT_STAT_PM_UNKNOWN_FLOW, .colour = -1 },
	{ "option_discard", { RT, 0, 0x5e, 4, 0, 0, 0, 0 }, 8, .verdict = XDP_DROP,
	  .stat = ENDMT_STAT_DROP_DOH_OPTION, .colour = -1 },
	{ "option_discard_report", { RT, 0, 0x9e, 4, 0, 0, 0, 0 }, 8, .verdict = XDP_DROP,
	  .stat = ENDMT_STAT_DROP_DOH_OPTION, .colour = -1 },
	{ "option_past_header", { RT, 0, 0x12, 12, 0, 0, 0, 0 }, 8, .verdict = XDP_DROP,
	  .stat = ENDMT_STAT_DROP_DOH, .colour = -1 },
	{ "option_header_cut", { RT, 0, 1, 3, 0, 0, 0, 0x12 }, 8, .verdict = XDP_DROP,
	  .stat = ENDMT_STAT_DROP_DOH, .colour = -1 },
	{ "longer_than_read", { RT, 8, AM(FLOW, 1, 1) }, 8, .verdict = XDP_DROP,
	  .stat = ENDMT_STAT_DROP_DOH, .colour = -1 },
	{ "past_packet", { RT, 7, AM(FLOW, 1, 1) }, 8, .cut = 1, .verdict = XDP_DROP,
	  .stat = ENDMT_STAT_DROP_DOH, .colour = -1 },
	{ "from_outside_domain", { RT, 0, AM(FLOW, 1, 1) }, 8, .outside = 1, .verdict = XDP_DROP,
	  .stat = ENDMT_STAT_DROP_SID_SOURCE, .colour = -1 },
};

static void test_edge_mark(void)
{
	static uint8_t in[EU_MAXPKT], out[EU_MAXPKT], plain_in[EU_MAXPKT], plain_out[EU_MAXPKT];
	static uint8_t ext[64];
	uint64_t before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX];
	struct ring_buffer *rb = NULL;
	struct dm_got got = {0};
	struct eu_obj o;
	size_t n, pn, i, el;
	uint32_t ol, pol;
	int prog, cfg_fd, cnt_fd, ret;
	LIBBPF_OPTS(bpf_test_run_opts, t, .repeat = 1);

	if (!ASSERT_OK(eu_open(&o, 0), "load edge"))
		return;
	prog = bpf_program__fd(o.skel->progs.endmt_edge_xdp);
	cfg_fd = bpf_map__fd(o.skel->maps.endmt_pm);
	cnt_fd = bpf_map__fd(o.skel->maps.endmt_pm_counts);
	rb = ring_buffer__new(bpf_map__fd(o.skel->maps.endmt_pm_dmarks), dm_cb, &got, NULL);
	if (!ASSERT_OK_PTR(rb, "ring") ||
	    !ASSERT_OK(eu_sid_add(&o, T_SID, T_EDGE, ENDMT_SID_F_ENDMT, 0), "sid") ||
	    !ASSERT_OK(eu_sid_domain(&o, T_SID, "fd00:6::", 64, 0), "domain") ||
	    !ASSERT_OK(pm_cfg_set(cfg_fd, 1000000000ull, 0, EDGE_NID), "engine") ||
	    !ASSERT_OK(pm_counters(cnt_fd, ENDMT_PM_IN), "IN counters"))
		goto out;
	pn = mt_frame(plain_in, 0x123, NULL, 0, 0);
	t.data_in = plain_in, t.data_size_in = (uint32_t)pn;
	t.data_out = plain_out, t.data_size_out = EU_MAXPKT;
	if (!ASSERT_OK(bpf_prog_test_run_opts(prog, &t), "unmarked run") ||
	    !ASSERT_EQ(t.retval, XDP_PASS, "unmarked accepted"))
		goto out;
	pol = t.data_size_out;

	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		struct endmt_pm_count b0 = pm_sum(cnt_fd, 0, ENDMT_PM_IN), b1 = pm_sum(cnt_fd, 1, ENDMT_PM_IN);
		struct endmt_pm_count a0, a1;
		uint8_t nh = ENDMT_NEXTHDR_DSTOPTS;

		if (!test__start_subtest(c->name))
			continue;
		el = 0;
		if (c->hbh) {
			static const uint8_t padn[8] = { ENDMT_NEXTHDR_DSTOPTS, 0, 1, 4, 0, 0, 0, 0 };

			memcpy(ext, padn, 8);
			el = 8;
			nh = 0;
		}
		memcpy(ext + el, c->doh, c->el);
		el += c->el;
		n = mt_frame(in, 0x123, ext, el, nh);
		if (c->cut) {	/* the outer packet ends 8 octets into the header */
			n = 54 + 8;
			in[ENDMT_ETH_HLEN + 4] = 0, in[ENDMT_ETH_HLEN + 5] = 8;
		}
		if (c->outside)
			ASSERT_OK(eu_sid_domain(&o, T_SID, "fd00:99::", 64, 0), "other domain");
		tu_stats_read(o.stats_fd, before);
		got.n = 0;
		t.data_in = in, t.data_size_in = (uint32_t)n;
		t.data_out = out, t.data_size_out = EU_MAXPKT;
		ret = bpf_prog_test_run_opts(prog, &t);
		ol = t.data_size_out;
		tu_stats_read(o.stats_fd, after);
		ring_buffer__consume(rb);
		if (c->outside)
			ASSERT_OK(eu_sid_domain(&o, T_SID, "fd00:6::", 64, 0), "domain back");
		if (!ASSERT_OK(ret, "run"))
			continue;
		ASSERT_EQ(t.retval, (uint32_t)c->verdict, "verdict");
		ASSERT_EQ(after[c->stat] - before[c->stat], 1, tu_stat_names[c->stat]);
		if (c->event)
			ASSERT_EQ(after[c->event] - before[c->event], 1, tu_stat_names[c->event]);
		if (c->verdict == XDP_PASS)
			ASSERT_MEMEQ(out, ol, plain_out, pol, "output as without the header");
		a0 = pm_sum(cnt_fd, 0, ENDMT_PM_IN);
		a1 = pm_sum(cnt_fd, 1, ENDMT_PM_IN);
		ASSERT_EQ(a0.packets - b0.packets, c->colour == 0, "colour 0 count");
		ASSERT_EQ(a1.packets - b1.packets, c->colour == 1, "colour 1 count");
		if (c->colour >= 0) {
			/* octets: the outer L3 length as marked, no trace */
			ASSERT_EQ((c->colour ? a1.bytes - b1.bytes : a0.bytes - b0.bytes),
				  pn - ENDMT_ETH_HLEN + c->el, "octets counted");
		}
		if (c->colour >= 0 && (c->doh[6] & 0x04)) {
			if (ASSERT_EQ(got.n, 1, "a D mark")) {
				ASSERT_EQ(got.d[0].pkt_key, 0x123, "D mark: PSN");
				ASSERT_EQ(got.d[0].node_id, EDGE_NID, "D mark: node");
				ASSERT_EQ(got.d[0].point, ENDMT_PM_IN, "D mark: point");
				ASSERT_EQ(got.d[0].colour, c->colour, "D mark: colour");
			}
		} else {
			ASSERT_EQ(got.n, 0, "no D mark");
		}
	}
out:
	ring_buffer__free(rb);
	eu_close(&o);
}

void test_pm_srv6(void)
{
	test_head_mark();
	test_edge_mark();
}
