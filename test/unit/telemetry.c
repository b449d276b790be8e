/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* On-path telemetry (docs/TELEMETRY.md) under BPF_PROG_TEST_RUN: the head's
 * IOAM trace compared with one built here by hand from RFC 9197/9486 (not
 * with the BPF code's own builder), sampling by PSN, the MTU fallback; the
 * edge removing the trace so that its output is octet-identical to the
 * untraced packet's, its postcard as the ring buffer delivers it, and a
 * table of lying Hop-by-Hop headers and IOAM options, each with its
 * verdict and named counter. */
#include <time.h>
#include "head_fx.h"
#include "edge_util.h"
#include "endmt/ioam.h"
#include "mt_frame.h"

#define TM_NS    7
#define HEAD_ID  0x060606
#define EDGE_ID  0x010101

/* A trace's Hop-by-Hop header by hand: next header nh, namespace ns,
 * slots node entries of which the n newest are ent[0..n) (newest first),
 * trace type tt.  Returns its length (16 + 16 * slots). */
static size_t hbh_build(uint8_t *h, uint8_t nh, uint16_t ns, int slots, int n,
			const uint8_t (*ent)[16], uint32_t tt)
{
	size_t len = 16 + 16 * (size_t)slots;
	unsigned int rem = (unsigned int)(slots - n) * 4;
	int i;

	memset(h, 0, len);
	h[0] = nh;
	h[1] = (uint8_t)(len / 8 - 1);
	h[2] = 1, h[3] = 0;			/* PadN: the trace 4n-aligned */
	h[4] = 0x31;				/* RFC 9486 IOAM option */
	h[5] = (uint8_t)(2 + 8 + 16 * slots);
	h[7] = 0;				/* Pre-allocated Trace */
	h[8] = (uint8_t)(ns >> 8), h[9] = (uint8_t)ns;
	h[10] = (uint8_t)(4 << 3);		/* NodeLen 4, Flags 0 */
	h[11] = (uint8_t)rem;
	h[12] = (uint8_t)(tt >> 16), h[13] = (uint8_t)(tt >> 8), h[14] = (uint8_t)tt;
	for (i = 0; i < n; i++)
		memcpy(h + 16 + rem * 4 + 16 * (size_t)i, ent[i], 16);
	return len;
}

/* RFC 9197 bits 0-3 as a 24-bit field, written out here on its own. */
#define TT_0123 0xf00000

static void entry(uint8_t *e, uint8_t hl, uint32_t id, uint16_t in, uint16_t out,
		  uint32_t sec, uint32_t usec)
{
	e[0] = hl;
	e[1] = (uint8_t)(id >> 16), e[2] = (uint8_t)(id >> 8), e[3] = (uint8_t)id;
	e[4] = (uint8_t)(in >> 8), e[5] = (uint8_t)in;
	e[6] = (uint8_t)(out >> 8), e[7] = (uint8_t)out;
	e[8] = (uint8_t)(sec >> 24), e[9] = (uint8_t)(sec >> 16);
	e[10] = (uint8_t)(sec >> 8), e[11] = (uint8_t)sec;
	e[12] = (uint8_t)(usec >> 24), e[13] = (uint8_t)(usec >> 16);
	e[14] = (uint8_t)(usec >> 8), e[15] = (uint8_t)usec;
}

static uint64_t real_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int tm_node_set(int fd, uint32_t id, uint16_t ns, int export)
{
	struct timespec r, t;
	struct endmt_tm_node v = { .node_id = id, .ns_id = ns,
				   .flags = export ? ENDMT_TM_F_EXPORT : 0 };
	uint32_t zero = 0;

	/* The offset the CLI keeps (loader/telemetry.c), computed here. */
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_TAI, &t);
	v.real_minus_tai_ns = ((int64_t)r.tv_sec - t.tv_sec) * 1000000000LL +
			      (r.tv_nsec - t.tv_nsec);
	v.real_minus_tai_ns = (v.real_minus_tai_ns + 500000000LL) / 1000000000LL * 1000000000LL;
	return bpf_map_update_elem(fd, &zero, &v, BPF_ANY) ? -errno : 0;
}

/* ts of entry e within [lo, hi] ns (µs resolution). */
static bool ts_within(const uint8_t *e, uint64_t lo, uint64_t hi)
{
	uint64_t s = (uint64_t)e[8] << 24 | e[9] << 16 | e[10] << 8 | e[11];
	uint64_t us = (uint64_t)e[12] << 24 | e[13] << 16 | e[14] << 8 | e[15];
	uint64_t t = s * 1000000000ull + us * 1000;

	return ASSERT_GE(999999, us, "ts fraction < 1 s") &&
	       ASSERT_GE(t + 1000, lo, "ts not before the run") &&
	       ASSERT_GE(hi, t, "ts not after the run");
}

/* ---- head ---------------------------------------------------------------- */

static int head_out(struct head_env *e, const uint8_t *in, size_t n, uint8_t *out,
		    uint32_t *olen, uint32_t *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)n,
		    .data_out = out, .data_size_out = FRAME_CAP, .repeat = 1);
	int err = bpf_prog_test_run_opts(e->prog, &o);

	*olen = o.data_size_out;
	*ret = o.retval;
	return err;
}

static int encap_tm(struct head_env *e, uint8_t sample, uint8_t slots)
{
	struct endmt_group_key k = gkey(PROXY, DQPN);
	static struct endmt_encap v;

	if (bpf_map_lookup_elem(e->encap, &k, &v))
		return -errno;
	v.tm_sample = sample;
	v.tm_slots = slots;
	return bpf_map_update_elem(e->encap, &k, &v, BPF_EXIST) ? -errno : 0;
}

static void test_head_trace(void)
{
	static uint8_t pay[512], in[FRAME_CAP], plain[FRAME_CAP], traced[FRAME_CAP], hbh[160];
	uint64_t before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX], t0, t1;
	uint32_t pl, tl, ret, zero = 0;
	struct endmt_roce_spec s;
	struct tmpl_cfg t[3];
	struct head_env e;
	uint8_t ent[1][16];
	size_t hl, i;
	int n, tm_fd;

	if (!ASSERT_OK(env_open(&e), "load head"))
		return;
	tm_fd = bpf_map__fd(e.skel->maps.endmt_tm);
	tmpl_cfgs(t);
	if (!ASSERT_OK(config_group(&e, PROXY, DQPN, SRC, &t[0], 1), "config"))
		goto out;
	roce_spec(&s, pay, sizeof(pay));
	s.psn = 0x100;
	n = endmt_build_roce(in, sizeof(in), &s);
	if (!ASSERT_GE(n, 1, "build"))
		goto out;

	if (test__start_subtest("head_off_by_default")) {
		/* Telemetry off (no node id, no sampling): no trace. */
		ASSERT_OK(head_out(&e, in, (size_t)n, plain, &pl, &ret), "run");
		ASSERT_EQ(plain[ENDMT_ETH_HLEN + 6], ENDMT_NEXTHDR_ROUTING, "outer next header");
		/* sampling on, but no node id: still none */
		ASSERT_OK(encap_tm(&e, 1, 5), "sample every");
		ASSERT_OK(head_out(&e, in, (size_t)n, traced, &tl, &ret), "run");
		ASSERT_MEMEQ(traced, tl, plain, pl, "no node id, no trace");
	}
	ASSERT_OK(encap_tm(&e, 0, 0), "sampling off");
	ASSERT_OK(head_out(&e, in, (size_t)n, plain, &pl, &ret), "run plain");
	ASSERT_OK(tm_node_set(tm_fd, HEAD_ID, TM_NS, 1), "node id");

	if (test__start_subtest("head_trace_bytes")) {
		ASSERT_OK(encap_tm(&e, 1, 5), "sample every");
		tu_stats_read(e.stats, before);
		t0 = real_ns();
		ASSERT_OK(head_out(&e, in, (size_t)n, traced, &tl, &ret), "run");
		t1 = real_ns();
		tu_stats_read(e.stats, after);
		ASSERT_EQ(ret, TC_ACT_OK, "verdict");
		ASSERT_EQ(after[ENDMT_STAT_HEAD_ENCAP] - before[ENDMT_STAT_HEAD_ENCAP], 1, "head_encap");
		ASSERT_EQ(after[ENDMT_STAT_TM_TRACE_ADDED] - before[ENDMT_STAT_TM_TRACE_ADDED], 1,
			  "tm_traces");
		/* The head's entry: template hop limit, the test run's
		 * device (loopback, 1) in, no single egress; its timestamp
		 * is checked on its own, then copied into the expectation. */
		hl = 16 + 16 * 5;
		ASSERT_EQ(tl, pl + hl, "grew by the header");
		entry(ent[0], plain[ENDMT_ETH_HLEN + 7], HEAD_ID, 1, 0, 0, 0);
		memcpy(ent[0] + 8, traced + ENDMT_ETH_HLEN + 40 + 16 + 4 * 16 + 8, 8);
		ts_within(ent[0], t0, t1);
		hbh_build(hbh, ENDMT_NEXTHDR_ROUTING, TM_NS, 5, 1, (const uint8_t (*)[16])ent,
			  TT_0123);
		ASSERT_MEMEQ(traced + ENDMT_ETH_HLEN + 40, hl, hbh, hl, "Hop-by-Hop header");
		/* Everything else is the untraced packet: the outer header
		 * with Next Header 0 and a longer payload, then the SRH and
		 * the inner packet octet for octet (the ICRC untouched). */
		ASSERT_EQ(traced[ENDMT_ETH_HLEN + 6], 0, "outer next header: Hop-by-Hop");
		i = ((size_t)traced[ENDMT_ETH_HLEN + 4] << 8 | traced[ENDMT_ETH_HLEN + 5]);
		ASSERT_EQ(i, ((size_t)plain[ENDMT_ETH_HLEN + 4] << 8 | plain[ENDMT_ETH_HLEN + 5]) + hl,
			  "payload length");
		ASSERT_MEMEQ(traced, ENDMT_ETH_HLEN + 4, plain, ENDMT_ETH_HLEN + 4, "Ethernet, first word");
		ASSERT_MEMEQ(traced + ENDMT_ETH_HLEN + 7, 33, plain + ENDMT_ETH_HLEN + 7, 33,
			     "hop limit, addresses");
		ASSERT_MEMEQ(traced + ENDMT_ETH_HLEN + 40 + hl, tl - (ENDMT_ETH_HLEN + 40 + hl),
			     plain + ENDMT_ETH_HLEN + 40, pl - (ENDMT_ETH_HLEN + 40), "SRH and inner");
	}
	if (test__start_subtest("head_sample_by_psn")) {
		/* 1 in 2^3: PSN 0x100 and 0x108 traced, 0x101..0x107 not. */
		uint32_t psn, want;

		ASSERT_OK(encap_tm(&e, 3 + 1, 2), "sample 1 in 8");
		for (psn = 0x100; psn <= 0x108; psn++) {
			s.psn = psn;
			n = endmt_build_roce(in, sizeof(in), &s);
			ASSERT_OK(head_out(&e, in, (size_t)n, traced, &tl, &ret), "run");
			want = (psn & 7) == 0;
			ASSERT_EQ(traced[ENDMT_ETH_HLEN + 6] == 0, want, "traced iff PSN % 8 == 0");
			if (want)
				ASSERT_EQ(tl, pl + 16 + 32, "2 slots");
		}
		s.psn = 0x100;
	}
	if (test__start_subtest("head_trace_mtu")) {
		/* A packet that fits the device's MTU exactly without the
		 * trace goes without it, counted; the data is never lost. */
		const unsigned int mtu = 1280;
		struct __sk_buff ctx = {0};
		int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), ifindex;
		struct endmt_roce_spec b;
		static uint8_t big[FRAME_CAP], pay2[2048];
		LIBBPF_OPTS(bpf_test_run_opts, ro, .data_out = traced, .data_size_out = FRAME_CAP,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

		ASSERT_OK(encap_tm(&e, 1, 5), "sample every");
		if (ASSERT_GE(self, 0, "own netns") && ASSERT_OK(unshare(CLONE_NEWNET), "unshare") &&
		    ASSERT_OK(system("ip link add tmmtu0 mtu 1280 type veth peer name tmmtu1 && "
				     "ip link set tmmtu0 up"), "veth")) {
			ifindex = (int)if_nametoindex("tmmtu0");
			ctx.ifindex = (uint32_t)ifindex;
			/* outer IPv6 = template + inner: fill to the MTU exactly */
			roce_spec(&b, pay2, 0);
			b.paylen = mtu - (pl - (size_t)n) - ((size_t)endmt_build_roce(big, sizeof(big), &b) -
							   ENDMT_ETH_HLEN);
			b.psn = 0x100;
			n = endmt_build_roce(big, sizeof(big), &b);
			ro.data_in = big;
			ro.data_size_in = (uint32_t)n;
			tu_stats_read(e.stats, before);
			ASSERT_OK(bpf_prog_test_run_opts(e.prog, &ro), "run");
			tu_stats_read(e.stats, after);
			ASSERT_EQ(ro.retval, TC_ACT_OK, "sent");
			ASSERT_EQ(ro.data_size_out - ENDMT_ETH_HLEN, mtu, "fits exactly, untraced");
			ASSERT_EQ(traced[ENDMT_ETH_HLEN + 6], ENDMT_NEXTHDR_ROUTING, "no trace");
			ASSERT_EQ(after[ENDMT_STAT_TM_TRACE_MTU] - before[ENDMT_STAT_TM_TRACE_MTU], 1,
				  "tm_trace_mtu");
			ASSERT_EQ(after[ENDMT_STAT_HEAD_ENCAP] - before[ENDMT_STAT_HEAD_ENCAP], 1,
				  "head_encap");
		}
		if (self >= 0)
			ASSERT_OK(tu_netns_leave(self), "back to own netns");
		n = endmt_build_roce(in, sizeof(in), &s);
	}
	(void)zero;
out:
	env_close(&e);
}

/* ---- edge ---------------------------------------------------------------- */

struct pc_got {
	struct endmt_postcard pc[4];
	int n;
};

static int pc_cb(void *ctx, void *data, size_t len)
{
	struct pc_got *g = ctx;

	if (len == sizeof(struct endmt_postcard) && g->n < 4)
		memcpy(&g->pc[g->n], data, len);
	g->n++;
	return 0;
}

struct edge_env {
	struct eu_obj o;
	struct ring_buffer *rb;
	struct pc_got got;
	int prog, tm_fd;
};

/* The End.MT frame of the tests with a Hop-by-Hop header hbh (hl octets,
 * none if 0) between outer IPv6 and SRH. */
static size_t edge_frame(uint8_t *out, uint32_t psn, const uint8_t *hbh, size_t hl)
{
	return mt_frame(out, psn, hbh, hl, 0);
}

static int edge_open(struct edge_env *x)
{
	memset(x, 0, sizeof(*x));
	if (eu_open(&x->o, 0))
		return -1;
	x->prog = bpf_program__fd(x->o.skel->progs.endmt_edge_xdp);
	x->tm_fd = bpf_map__fd(x->o.skel->maps.endmt_tm);
	x->rb = ring_buffer__new(bpf_map__fd(x->o.skel->maps.endmt_postcards), pc_cb, &x->got,
				 NULL);
	if (!x->rb || eu_sid_add(&x->o, T_SID, T_EDGE, ENDMT_SID_F_ENDMT, 0) ||
	    eu_sid_domain(&x->o, T_SID, "fd00:6::", 64, 0))
		return -1;
	return 0;
}

static void edge_close(struct edge_env *x)
{
	ring_buffer__free(x->rb);
	eu_close(&x->o);
}

/* Runs frame in through the edge's XDP; output in out.  Returns the
 * verdict, -1 on a test-run error. */
static int edge_run(struct edge_env *x, const uint8_t *in, size_t n, uint8_t *out,
		    uint32_t *olen)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)n,
		    .data_out = out, .data_size_out = EU_MAXPKT, .repeat = 1);

	x->got.n = 0;
	if (bpf_prog_test_run_opts(x->prog, &o))
		return -1;
	*olen = o.data_size_out;
	ring_buffer__consume(x->rb);
	return (int)o.retval;
}

/* One Hop-by-Hop case for the edge. */
struct hcase {
	const char *name;
	int slots, filled;	/* the trace as the head and a router left it */
	uint16_t ns;
	uint32_t tt;
	/* then mutated: */
	int hdrlen_add;		/* Hdr Ext Len += this (in 8-octet units) */
	int optlen_add;		/* IOAM Opt Data Len += this */
	int rem_set;		/* RemainingLen := this, if >= 0 */
	uint8_t extra_opt;	/* an option put in front of the trace (0: none) */
	int no_ioam;		/* only padding */
	int edge_off;		/* telemetry off at the edge */
	/* expected: */
	int pass;
	enum endmt_stat verdict;
	enum endmt_stat event;	/* 0: none */
	int postcard;
};

static size_t hcase_hbh(uint8_t *h, const struct hcase *c, uint8_t (*ent)[16])
{
	size_t len;
	int i;

	for (i = 0; i < c->filled; i++)
		entry(ent[i], (uint8_t)(63 - i), i == c->filled - 1 ? HEAD_ID : 0x040404 + (uint32_t)i,
		      (uint16_t)(10 + i), (uint16_t)(20 + i), 1700000000u + (uint32_t)i, 1000u * (uint32_t)i);
	len = hbh_build(h, ENDMT_NEXTHDR_ROUTING, c->ns, c->slots, c->filled,
			(const uint8_t (*)[16])ent, c->tt);
	if (c->no_ioam) {
		/* one PadN over everything after the first two octets */
		memset(h + 2, 0, len - 2);
		h[2] = 1;
		h[3] = (uint8_t)(len - 4);
	}
	if (c->extra_opt) {
		/* the leading PadN (2 octets) becomes this 2-octet option */
		h[2] = c->extra_opt;
		h[3] = 0;
	}
	h[1] = (uint8_t)(h[1] + c->hdrlen_add);
	h[5] = (uint8_t)(h[5] + c->optlen_add);
	if (c->rem_set >= 0)
		h[11] = (uint8_t)((h[11] & 0x80) | c->rem_set);
	return len;
}

static const struct hcase hcases[] = {
	{ "trace_head_only", 5, 1, TM_NS, TT_0123, 0, 0, -1, 0, 0, 0,
	  1, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_TM_POSTCARD, 1 },
	{ "trace_two_hops", 5, 3, TM_NS, TT_0123, 0, 0, -1, 0, 0, 0,
	  1, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_TM_POSTCARD, 1 },
	{ "trace_full", 3, 3, TM_NS, TT_0123, 0, 0, -1, 0, 0, 0,
	  1, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_TM_POSTCARD, 1 },
	{ "skippable_option_first", 5, 1, TM_NS, TT_0123, 0, 0, -1, 0x1e, 0, 0,
	  1, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_TM_POSTCARD, 1 },
	{ "padding_only", 5, 1, TM_NS, TT_0123, 0, 0, -1, 0, 1, 0,
	  1, ENDMT_STAT_ENDMT_RX, 0, 0 },
	{ "other_namespace", 5, 1, TM_NS + 1, TT_0123, 0, 0, -1, 0, 0, 0,
	  1, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_TM_TRACE_FOREIGN, 0 },
	{ "other_trace_type", 5, 1, TM_NS, 0xc00000, 0, 0, -1, 0, 0, 0,
	  1, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_TM_TRACE_FOREIGN, 0 },
	{ "telemetry_off_here", 5, 1, TM_NS, TT_0123, 0, 0, -1, 0, 0, 1,
	  1, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_TM_TRACE_FOREIGN, 0 },
	{ "remlen_past_end", 5, 1, TM_NS, TT_0123, 0, 0, 0x7f, 0, 0, 0,
	  1, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_TM_TRACE_BAD, 0 },
	{ "remlen_half_entry", 5, 1, TM_NS, TT_0123, 0, 0, 14, 0, 0, 0,
	  1, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_TM_TRACE_BAD, 0 },
	/* 2 octets short: the trace's last two (0) read as Pad1s, and the
	 * trace is not whole 4-octet units */
	{ "optlen_odd", 5, 1, TM_NS, TT_0123, 0, -2, -1, 0, 0, 0,
	  1, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_TM_TRACE_BAD, 0 },
	/* 80 short: the head's entry is read as options, one runs past */
	{ "optlen_short", 5, 1, TM_NS, TT_0123, 0, -80, -1, 0, 0, 0,
	  0, ENDMT_STAT_DROP_HBH, 0, 0 },
	{ "optlen_past_header", 5, 1, TM_NS, TT_0123, 0, 8, -1, 0, 0, 0,
	  0, ENDMT_STAT_DROP_HBH, 0, 0 },
	{ "hdrlen_past_packet", 5, 1, TM_NS, TT_0123, 60, 0, -1, 0, 0, 0,
	  0, ENDMT_STAT_DROP_HBH, 0, 0 },
	{ "discard_option", 5, 1, TM_NS, TT_0123, 0, 0, -1, 0x41, 0, 0,
	  0, ENDMT_STAT_DROP_HBH_OPTION, 0, 0 },
	{ "discard_report_option", 5, 1, TM_NS, TT_0123, 0, 0, -1, 0xc2, 0, 0,
	  0, ENDMT_STAT_DROP_HBH_OPTION, 0, 0 },
};

static void edge_case(struct edge_env *x, const struct hcase *c, const uint8_t *plain_out,
		      uint32_t plain_len)
{
	static uint8_t in[EU_MAXPKT], out[EU_MAXPKT], h[600];
	uint64_t before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX], t0, t1;
	uint8_t ent[8][16];
	uint32_t olen = 0, i;
	size_t hl, n;
	int ret;

	hl = hcase_hbh(h, c, ent);
	n = edge_frame(in, 0x123, h, hl);
	ASSERT_OK(tm_node_set(x->tm_fd, c->edge_off ? 0 : EDGE_ID, TM_NS, 1), "edge node id");
	tu_stats_read(x->o.stats_fd, before);
	t0 = real_ns();
	ret = edge_run(x, in, n, out, &olen);
	t1 = real_ns();
	tu_stats_read(x->o.stats_fd, after);
	ASSERT_EQ(ret, c->pass ? XDP_PASS : XDP_DROP, "verdict");
	for (i = 0; i < ENDMT_STAT_MAX; i++) {
		uint64_t d = after[i] - before[i], want = 0;
		char what[96];

		if (i == (uint32_t)c->verdict || (c->event && i == (uint32_t)c->event))
			want = 1;
		snprintf(what, sizeof(what), "counter %s", tu_stat_names[i]);
		ASSERT_EQ(d, want, what);
	}
	/* What passes is the untraced packet's result, octet for octet. */
	if (c->pass)
		ASSERT_MEMEQ(out, olen, plain_out, plain_len, "output as without the trace");
	ASSERT_EQ(x->got.n, c->postcard, "postcards");
	if (c->postcard && x->got.n == 1) {
		const struct endmt_postcard *p = &x->got.pc[0];
		struct in6_addr proxy = endmt_in6(PROXY), sa = endmt_in6(T_HEADSA);
		int kept = c->filled;

		ASSERT_EQ(p->kind, ENDMT_PC_EDGE, "kind");
		ASSERT_EQ(p->node_id, EDGE_ID, "exporter");
		ASSERT_MEMEQ(p->proxy, 16, &proxy, 16, "group proxy");
		ASSERT_EQ(p->dqpn, DQPN, "group dqpn");
		ASSERT_EQ(p->psn, 0x123, "psn");
		ASSERT_EQ(p->copies, 2, "copies");
		ASSERT_EQ(p->ns_id, TM_NS, "namespace");
		ASSERT_EQ(p->trace_type, TT_0123, "trace type");
		ASSERT_MEMEQ(p->outer_src, 16, &sa, 16, "outer source");
		ASSERT_EQ(p->nodes, 1 + kept, "entries: the edge's and the received");
		/* the edge's own entry first: hop limit as received, its
		 * node id, in = the test run's device, out 0 */
		ASSERT_EQ(p->data[0], 64, "edge entry hop limit");
		ASSERT_EQ((uint32_t)p->data[1] << 16 | p->data[2] << 8 | p->data[3], EDGE_ID,
			  "edge entry node id");
		ASSERT_EQ(p->data[6] << 8 | p->data[7], 0, "edge entry egress");
		ts_within(p->data, t0, t1);
		for (i = 0; i < (uint32_t)kept && i < 7; i++)
			ASSERT_MEMEQ(p->data + 16 * (i + 1), 16, ent[i], 16, "received entry, newest first");
	}
}

static void test_edge_trace(void)
{
	static uint8_t in[EU_MAXPKT], plain_out[EU_MAXPKT];
	struct edge_env x;
	uint32_t plen;
	size_t i, n;

	if (!ASSERT_OK(edge_open(&x), "load edge"))
		goto out;
	n = edge_frame(in, 0x123, NULL, 0);
	if (!ASSERT_EQ(edge_run(&x, in, n, plain_out, &plen), XDP_PASS, "untraced passes"))
		goto out;
	for (i = 0; i < sizeof(hcases) / sizeof(hcases[0]); i++) {
		char sub[64];

		snprintf(sub, sizeof(sub), "edge_%s", hcases[i].name);
		if (test__start_subtest(sub))
			edge_case(&x, &hcases[i], plain_out, plen);
	}
	if (test__start_subtest("edge_outside_domain_no_postcard")) {
		/* From outside the SID's source prefix: dropped as before,
		 * and no postcard (outsiders make no state). */
		static uint8_t h[200], out[EU_MAXPKT];
		uint8_t ent[1][16];
		uint32_t ol;
		size_t hl;

		entry(ent[0], 64, HEAD_ID, 1, 0, 1, 1);
		hl = hbh_build(h, ENDMT_NEXTHDR_ROUTING, TM_NS, 5, 1, (const uint8_t (*)[16])ent,
			       TT_0123);
		ASSERT_OK(tm_node_set(x.tm_fd, EDGE_ID, TM_NS, 1), "edge node id");
		ASSERT_OK(eu_sid_domain(&x.o, T_SID, "fd00:99::", 64, 0), "other domain");
		n = edge_frame(in, 0x123, h, hl);
		ASSERT_EQ(edge_run(&x, in, n, out, &ol), XDP_DROP, "dropped");
		ASSERT_EQ(x.got.n, 0, "no postcard");
		ASSERT_OK(eu_sid_domain(&x.o, T_SID, "fd00:6::", 64, 0), "domain back");
	}
	if (test__start_subtest("edge_no_export")) {
		static uint8_t h[200], out[EU_MAXPKT];
		uint8_t ent[1][16];
		uint32_t ol, zero = 0;
		struct endmt_tm_node v;
		size_t hl;

		entry(ent[0], 64, HEAD_ID, 1, 0, 1, 1);
		hl = hbh_build(h, ENDMT_NEXTHDR_ROUTING, TM_NS, 5, 1, (const uint8_t (*)[16])ent,
			       TT_0123);
		ASSERT_OK(tm_node_set(x.tm_fd, EDGE_ID, TM_NS, 0), "export off");
		ASSERT_OK(bpf_map_lookup_elem(x.tm_fd, &zero, &v), "read back");
		n = edge_frame(in, 0x123, h, hl);
		ASSERT_EQ(edge_run(&x, in, n, out, &ol), XDP_PASS, "passes");
		ASSERT_MEMEQ(out, ol, plain_out, plen, "output as without the trace");
		ASSERT_EQ(x.got.n, 0, "no postcard");
	}
out:
	edge_close(&x);
}

void test_telemetry(void)
{
	test_head_trace();
	test_edge_trace();
}
