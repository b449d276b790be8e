/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RFC 9714 alternate marking of MPLS flows (bpf/mpls.bpf.c), one
 * BPF_PROG_TEST_RUN per table row: the ingress LER's output, the counting
 * node's per-colour counts and D-mark records, each hostile stack with its
 * counter and verdict, the egress's pop.  Every frame, input and expected,
 * is built here by a hand builder from label/TC/S/TTL values (not by the
 * code under test); the D mark's packet key is computed here from its
 * definition (include/endmt/mpls.h).  Every counter delta is compared, not
 * only the expected ones. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "test_progs.h"
#include "testutil.h"
#include "endmt/mpls.h"
#include "endmt/pm.h"
#include "mpls.skel.h"

#define CAP 512
#define FLOW 1000u
#define FLOW_T 2000u
#define NODE_ID 7u

struct lse {
	uint32_t label;
	uint8_t tc, s, ttl;
};

/* Ethernet (type) + the entries + an IPv4/UDP packet to dst with plen
 * payload octets.  Returns the frame's length. */
static size_t frame(uint8_t *out, uint16_t type, const struct lse *st, int n,
		    const char *dst, size_t plen)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	size_t off = 14, i;
	uint8_t *ip;
	struct in_addr d;
	int k;

	memcpy(out, mac, 12);
	out[12] = (uint8_t)(type >> 8);
	out[13] = (uint8_t)type;
	for (k = 0; k < n; k++, off += 4) {
		uint32_t v = st[k].label << 12 | (uint32_t)(st[k].tc & 7) << 9 |
			     (uint32_t)(st[k].s & 1) << 8 | st[k].ttl;

		out[off] = (uint8_t)(v >> 24);
		out[off + 1] = (uint8_t)(v >> 16);
		out[off + 2] = (uint8_t)(v >> 8);
		out[off + 3] = (uint8_t)v;
	}
	if (!dst)
		return off;
	ip = out + off;
	memset(ip, 0, 28);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((28 + plen) >> 8);
	ip[3] = (uint8_t)(28 + plen);
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10; ip[13] = 0; ip[14] = 0; ip[15] = 1;
	inet_pton(AF_INET, dst, &d);
	memcpy(ip + 16, &d, 4);
	ip[20] = 0x30; ip[21] = 0x39; ip[22] = 0x30; ip[23] = 0x3a;	/* 12345 -> 12346 */
	ip[24] = (uint8_t)((8 + plen) >> 8);
	ip[25] = (uint8_t)(8 + plen);
	for (i = 0; i < plen; i++)
		ip[28 + i] = (uint8_t)(i * 13 + 1);
	return off + 28 + plen;
}

/* The packet key by its definition: FNV-1a over the 32 octets after the
 * stack, zeros past the frame, then the octet count. */
static uint32_t key_of(const uint8_t *p, size_t avail)
{
	uint32_t h = 2166136261u;
	size_t i, n = avail < 32 ? avail : 32;

	for (i = 0; i < 32; i++)
		h = (h ^ (i < n ? p[i] : 0)) * 16777619u;
	return (h ^ (uint32_t)n) * 16777619u;
}

struct mp_obj {
	struct endmt_mpls *skel;
	char pin_root[128];
	int ler, count, egress, stats, counts, flows, node, pm;
	struct ring_buffer *rb;
	struct endmt_pm_dmark got[8];
	int ngot;
};

static int dm_cb(void *ctx, void *data, size_t len)
{
	struct mp_obj *o = ctx;

	if (len == sizeof(struct endmt_pm_dmark) && o->ngot < (int)NELEM(o->got))
		memcpy(&o->got[o->ngot++], data, len);
	return 0;
}

static int counters_add(int fd, uint32_t flow, uint8_t point)
{
	int n = libbpf_num_possible_cpus();
	struct endmt_pm_count *zero = calloc((size_t)n, sizeof(*zero));
	struct endmt_pm_key k = { .flow = flow, .enc = ENDMT_PM_MPLS, .point = point };
	int err = 0;

	if (!zero)
		return -ENOMEM;
	for (k.colour = 0; k.colour < 2 && !err; k.colour++)
		if (bpf_map_update_elem(fd, &k, zero, BPF_ANY))
			err = -errno;
	free(zero);
	return err;
}

static uint64_t count_of(int fd, uint32_t flow, uint8_t colour, uint8_t point, uint64_t *bytes)
{
	int n = libbpf_num_possible_cpus(), i;
	struct endmt_pm_count v[n];
	struct endmt_pm_key k = { .flow = flow, .enc = ENDMT_PM_MPLS, .colour = colour,
				  .point = point };
	uint64_t p = 0, b = 0;

	if (bpf_map_lookup_elem(fd, &k, v))
		return (uint64_t)-1;
	for (i = 0; i < n; i++) {
		p += v[i].packets;
		b += v[i].bytes;
	}
	if (bytes)
		*bytes = b;
	return p;
}

static int node_set(struct mp_obj *o, uint32_t frld, uint32_t flags)
{
	struct endmt_mpls_node v = { .frld = frld, .flags = flags };
	uint32_t zero = 0;

	return bpf_map_update_elem(o->node, &zero, &v, BPF_ANY) ? -errno : 0;
}

static int flow_set(struct mp_obj *o, const char *dst, uint32_t flow, uint8_t t, uint8_t pos)
{
	struct endmt_mpls_flow_key k = {};
	struct endmt_mpls_flow v = { .flow = flow, .t = t, .position = pos };
	struct in_addr a;

	inet_pton(AF_INET, dst, &a);
	k.dst[10] = k.dst[11] = 0xff;
	memcpy(&k.dst[12], &a, 4);
	return bpf_map_update_elem(o->flows, &k, &v, BPF_ANY) ? -errno : 0;
}

static void mp_close(struct mp_obj *o)
{
	ring_buffer__free(o->rb);
	o->rb = NULL;
	TU_SKEL_CLOSE(endmt_mpls, &o->skel, o->pin_root);
}

static int mp_open(struct mp_obj *o)
{
	struct endmt_pm_cfg cfg = { .count_period = 2, .node_id = NODE_ID };
	uint32_t zero = 0;
	int err;

	memset(o, 0, sizeof(*o));
	err = TU_SKEL_LOAD(endmt_mpls, &o->skel, o->pin_root, (void)0);
	if (err)
		return err;
	o->ler = bpf_program__fd(o->skel->progs.endmt_mpls_ler);
	o->count = bpf_program__fd(o->skel->progs.endmt_mpls_count);
	o->egress = bpf_program__fd(o->skel->progs.endmt_mpls_egress);
	o->stats = bpf_map__fd(o->skel->maps.endmt_stats);
	o->counts = bpf_map__fd(o->skel->maps.endmt_pm_counts);
	o->flows = bpf_map__fd(o->skel->maps.endmt_mpls_flows);
	o->node = bpf_map__fd(o->skel->maps.endmt_mpls);
	o->pm = bpf_map__fd(o->skel->maps.endmt_pm);
	o->rb = ring_buffer__new(bpf_map__fd(o->skel->maps.endmt_pm_dmarks), dm_cb, o, NULL);
	if (!o->rb || bpf_map_update_elem(o->pm, &zero, &cfg, BPF_ANY) ||
	    counters_add(o->counts, FLOW, ENDMT_PM_IN) || counters_add(o->counts, FLOW, ENDMT_PM_OUT) ||
	    counters_add(o->counts, FLOW_T, ENDMT_PM_IN)) {
		err = -errno ?: -EINVAL;
		mp_close(o);
		return err;
	}
	return 0;
}

struct stat_delta {
	enum endmt_stat s;
	uint64_t n;
};

/* Runs prog on in; checks the verdict, the output (exp NULL: the input)
 * and every counter delta. */
static bool run(struct mp_obj *o, const char *name, int prog, const uint8_t *in, size_t in_len,
		uint32_t verdict, const uint8_t *exp, size_t exp_len, const struct stat_delta *d,
		int nd)
{
	static uint8_t out[CAP];
	uint64_t a[ENDMT_STAT_MAX], b[ENDMT_STAT_MAX], want[ENDMT_STAT_MAX] = {0};
	size_t out_len = sizeof(out);
	uint32_t ret = 0;
	bool ok = true;
	int i;

	tu_stats_read(o->stats, a);
	if (!ASSERT_OK(tu_prog_run(prog, in, in_len, out, &out_len, &ret), name))
		return false;
	tu_stats_read(o->stats, b);
	ok &= ASSERT_EQ(ret, verdict, name);
	if (!exp) {
		exp = in;
		exp_len = in_len;
	}
	if (verdict != XDP_DROP && verdict != TC_ACT_SHOT)
		ok &= ASSERT_MEMEQ(out, out_len, exp, exp_len, name);
	for (i = 0; i < nd; i++)
		want[d[i].s] = d[i].n;
	for (i = 0; i < ENDMT_STAT_MAX; i++)
		if (b[i] - a[i] != want[i]) {
			tp_fail(__FILE__, __LINE__, "%s: counter %s moved by %llu, expected %llu",
				name, tu_stat_names[i], (unsigned long long)(b[i] - a[i]),
				(unsigned long long)want[i]);
			ok = false;
		}
	return ok;
}

#define D(...) ((const struct stat_delta[]){ __VA_ARGS__ }), \
	(int)(sizeof((const struct stat_delta[]){ __VA_ARGS__ }) / sizeof(struct stat_delta))
#define FL_TC(l, d, t) (uint8_t)((l) << 2 | (d) << 1 | (t))

/* ---- the ingress LER ------------------------------------------------------ */

/* The LER's MTU check: a packet of a configured flow that would not fit
 * the device's MTU with the 12 octets of XL+FLI+FL goes out unmarked
 * (mpls_mark_mtu) and uncounted; one that just fits is marked.  The device
 * is a veth of MTU 1280 in a private netns, and BPF_PROG_TEST_RUN runs the
 * program as if on it (__sk_buff.ifindex), so bpf_check_mtu() judges by
 * that MTU: it fits when the frame minus Ethernet plus 12 is <= 1280. */
static void test_ler_mtu(struct mp_obj *o)
{
	static uint8_t in[1600], out[1600];
	static const struct { size_t len; uint32_t verdict_stat; int marked; } rows[] = {
		{ 14 + 1280 - 12, ENDMT_STAT_MPLS_MARKED, 1 },
		{ 14 + 1280 - 12 + 1, ENDMT_STAT_MPLS_MARK_MTU, 0 },
	};
	const struct lse st[] = { { 100, 0, 1, 64 } };
	uint64_t a[ENDMT_STAT_MAX], b[ENDMT_STAT_MAX];
	char ns[32];
	int prev = -1, ifindex, i, j;

	snprintf(ns, sizeof(ns), "endmt-mpmtu%d", (int)getpid());
	if (!ASSERT_OK(tu_netns_add(ns, 0), "netns"))
		return;
	if (!ASSERT_OK(tu_netns_enter(ns, &prev), "enter netns") ||
	    !ASSERT_OK(tu_sh("ip link add mtu0 mtu 1280 type veth peer name mtu1 && ip link set mtu0 up"),
		       "veth of MTU 1280"))
		goto out;
	ifindex = (int)if_nametoindex("mtu0");
	for (i = 0; i < (int)NELEM(rows); i++) {
		struct __sk_buff ctx = { .ifindex = (uint32_t)ifindex };
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = in, .data_out = out,
			    .data_size_out = sizeof(out), .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = 1);
		uint64_t before = count_of(o->counts, FLOW, 0, ENDMT_PM_OUT, NULL) +
				  count_of(o->counts, FLOW, 1, ENDMT_PM_OUT, NULL);
		size_t il = frame(in, 0x8847, st, 1, "10.0.0.2", rows[i].len - 46);

		if (!ASSERT_EQ(il, rows[i].len, "frame length"))
			break;
		t.data_size_in = (uint32_t)il;
		tu_stats_read(o->stats, a);
		if (!ASSERT_OK(bpf_prog_test_run_opts(o->ler, &t), "test run on mtu0"))
			break;
		tu_stats_read(o->stats, b);
		ASSERT_EQ(t.retval, TC_ACT_OK, "verdict");
		ASSERT_EQ(t.data_size_out, il + (rows[i].marked ? ENDMT_MPLS_MARK_LEN : 0),
			  "output length");
		if (!rows[i].marked)
			ASSERT_MEMEQ(out, t.data_size_out, in, il, "unmarked output");
		else
			ASSERT_MEMEQ(out + 30, t.data_size_out - 30, in + 18, il - 18,
				     "marked: the payload follows XL+FLI+FL");
		ASSERT_EQ(b[rows[i].verdict_stat] - a[rows[i].verdict_stat], 1, "verdict counter");
		for (j = 0; j < ENDMT_STAT_MAX; j++)
			if (j != (int)rows[i].verdict_stat && b[j] != a[j] &&
			    (!rows[i].marked || (j != ENDMT_STAT_PM_MARKED && j != ENDMT_STAT_PM_COUNTED)))
				tp_fail(__FILE__, __LINE__, "mtu row %d: counter %s moved by %llu", i,
					tu_stat_names[j], (unsigned long long)(b[j] - a[j]));
		ASSERT_EQ(count_of(o->counts, FLOW, 0, ENDMT_PM_OUT, NULL) +
			  count_of(o->counts, FLOW, 1, ENDMT_PM_OUT, NULL) - before,
			  (uint64_t)rows[i].marked, "OUT counted only when marked");
	}
	ring_buffer__consume(o->rb);
	o->ngot = 0;
out:
	if (prev >= 0)
		tu_netns_leave(prev);
	tu_netns_del(ns);
}

static void test_ler(struct mp_obj *o)
{
	static uint8_t in[CAP], exp[CAP];
	size_t il, el;

	ring_buffer__consume(o->rb);
	o->ngot = 0;
	if (!ASSERT_OK(flow_set(o, "10.0.0.2", FLOW, 1, ENDMT_MPLS_POS_BELOW_TOP), "flow") ||
	    !ASSERT_OK(flow_set(o, "10.0.0.3", FLOW, 0, ENDMT_MPLS_POS_BOTTOM), "flow bottom") ||
	    !ASSERT_OK(node_set(o, 0, 0), "node"))
		return;
	if (test__start_subtest("ler_below_top")) {
		/* count_period 2: colours 0 0 1 1, D on the first of each */
		static const uint8_t tcs[4] = { FL_TC(0, 1, 1), FL_TC(0, 0, 1), FL_TC(1, 1, 1),
						FL_TC(1, 0, 1) };
		const struct lse st[] = { { 100, 3, 0, 64 }, { 200, 1, 1, 63 } };
		uint64_t bytes = 0;
		int i;

		il = frame(in, 0x8847, st, 2, "10.0.0.2", 20);
		for (i = 0; i < 4; i++) {
			const struct lse ex[] = { { 100, 3, 0, 64 }, { 15, 3, 0, 64 },
						  { 18, 3, 0, 64 }, { FLOW, tcs[i] >> 0, 0, 0 },
						  { 200, 1, 1, 63 } };
			struct lse e2[5];

			memcpy(e2, ex, sizeof(ex));
			e2[3].tc = tcs[i];
			el = frame(exp, 0x8847, e2, 5, "10.0.0.2", 20);
			run(o, "ler below top", o->ler, in, il, TC_ACT_OK, exp, el,
			    D({ ENDMT_STAT_MPLS_MARKED, 1 }, { ENDMT_STAT_PM_MARKED, 1 },
			      { ENDMT_STAT_PM_COUNTED, 1 }));
		}
		ASSERT_EQ(count_of(o->counts, FLOW, 0, ENDMT_PM_OUT, &bytes), 2, "out colour 0");
		ASSERT_EQ(bytes, 2 * 48, "out colour 0 octets (after the stack)");
		ASSERT_EQ(count_of(o->counts, FLOW, 1, ENDMT_PM_OUT, NULL), 2, "out colour 1");
		ring_buffer__consume(o->rb);
		if (ASSERT_EQ(o->ngot, 2, "D-mark records")) {
			uint32_t k = key_of(in + 14 + 8, il - 22);

			ASSERT_EQ(o->got[0].flow, FLOW, "dmark flow");
			ASSERT_EQ(o->got[0].enc, ENDMT_PM_MPLS, "dmark enc");
			ASSERT_EQ(o->got[0].point, ENDMT_PM_OUT, "dmark point");
			ASSERT_EQ(o->got[0].colour, 0, "dmark 0 colour");
			ASSERT_EQ(o->got[1].colour, 1, "dmark 1 colour");
			ASSERT_EQ(o->got[0].node_id, NODE_ID, "dmark node");
			ASSERT_EQ(o->got[0].pkt_key, k, "dmark pkt_key");
		}
	}
	if (test__start_subtest("ler_bottom")) {
		const struct lse st[] = { { 100, 3, 0, 64 }, { 300, 5, 1, 62 } };
		const struct lse ex[] = { { 100, 3, 0, 64 }, { 300, 5, 0, 62 }, { 15, 5, 0, 62 },
					  { 18, 5, 0, 62 }, { FLOW, FL_TC(0, 1, 0), 1, 0 } };

		/* a fresh flow state: the first packet is colour 0 with D */
		flow_set(o, "10.0.0.3", FLOW, 0, ENDMT_MPLS_POS_BOTTOM);
		il = frame(in, 0x8847, st, 2, "10.0.0.3", 4);
		el = frame(exp, 0x8847, ex, 5, "10.0.0.3", 4);
		run(o, "ler bottom", o->ler, in, il, TC_ACT_OK, exp, el,
		    D({ ENDMT_STAT_MPLS_MARKED, 1 }, { ENDMT_STAT_PM_MARKED, 1 },
		      { ENDMT_STAT_PM_COUNTED, 1 }));
	}
	if (test__start_subtest("ler_one_label")) {
		/* one label: below the top is the bottom too */
		const struct lse st[] = { { 400, 0, 1, 255 } };
		const struct lse ex[] = { { 400, 0, 0, 255 }, { 15, 0, 0, 255 }, { 18, 0, 0, 255 },
					  { FLOW, FL_TC(0, 1, 1), 1, 0 } };

		flow_set(o, "10.0.0.2", FLOW, 1, ENDMT_MPLS_POS_BELOW_TOP);
		il = frame(in, 0x8847, st, 1, "10.0.0.2", 0);
		el = frame(exp, 0x8847, ex, 4, "10.0.0.2", 0);
		run(o, "ler one label", o->ler, in, il, TC_ACT_OK, exp, el,
		    D({ ENDMT_STAT_MPLS_MARKED, 1 }, { ENDMT_STAT_PM_MARKED, 1 },
		      { ENDMT_STAT_PM_COUNTED, 1 }));
	}
	if (test__start_subtest("ler_not_ours")) {
		const struct lse st[] = { { 100, 0, 1, 64 } };

		il = frame(in, 0x8847, st, 1, "10.9.9.9", 8);
		run(o, "ler unconfigured destination", o->ler, in, il, TC_ACT_OK, NULL, 0,
		    D({ ENDMT_STAT_PASS_NOT_OURS, 1 }));
		il = frame(in, 0x0800, NULL, 0, "10.0.0.2", 8);
		run(o, "ler IPv4 frame", o->ler, in, il, TC_ACT_OK, NULL, 0,
		    D({ ENDMT_STAT_PASS_NOT_OURS, 1 }));
	}
	if (test__start_subtest("ler_frld")) {
		/* bottom of a 6-deep stack: FL at entry 8 > FRLD 8 - 1 */
		const struct lse st[] = { { 100, 0, 0, 64 }, { 101, 0, 0, 64 }, { 102, 0, 0, 64 },
					  { 103, 0, 0, 64 }, { 104, 0, 0, 64 }, { 105, 0, 1, 64 } };

		il = frame(in, 0x8847, st, 6, "10.0.0.3", 8);
		run(o, "ler FL deeper than FRLD", o->ler, in, il, TC_ACT_OK, NULL, 0,
		    D({ ENDMT_STAT_MPLS_TOO_DEEP, 1 }));
	}
	if (test__start_subtest("ler_mtu"))
		test_ler_mtu(o);
}

/* ---- the counting node ------------------------------------------------------ */

static void test_count(struct mp_obj *o)
{
	static uint8_t in[CAP];
	size_t il;
	uint64_t c0, c1, bytes = 0;

	if (!ASSERT_OK(node_set(o, 0, 0), "node"))
		return;
	if (test__start_subtest("count_colours")) {
		const struct lse bot0[] = { { 101, 0, 0, 64 }, { 15, 0, 0, 64 }, { 18, 0, 0, 64 },
					    { FLOW, FL_TC(0, 0, 0), 1, 0 } };
		const struct lse mid1[] = { { 102, 2, 0, 60 }, { 15, 2, 0, 60 }, { 18, 2, 0, 60 },
					    { FLOW, FL_TC(1, 1, 0), 0, 0 }, { 300, 0, 1, 60 } };
		int i;

		c0 = count_of(o->counts, FLOW, 0, ENDMT_PM_IN, NULL);
		c1 = count_of(o->counts, FLOW, 1, ENDMT_PM_IN, &bytes);
		for (i = 0; i < 3; i++) {
			il = frame(in, 0x8847, bot0, 4, "10.0.0.2", 10);
			run(o, "FL at the bottom, colour 0", o->count, in, il, XDP_PASS, NULL, 0,
			    D({ ENDMT_STAT_MPLS_FLOW_RX, 1 }, { ENDMT_STAT_PM_COUNTED, 1 }));
		}
		ring_buffer__consume(o->rb);	/* what earlier rows left */
		o->ngot = 0;
		il = frame(in, 0x8847, mid1, 5, "10.0.0.2", 10);
		run(o, "FL below the top, colour 1, D", o->count, in, il, XDP_PASS, NULL, 0,
		    D({ ENDMT_STAT_MPLS_FLOW_RX, 1 }, { ENDMT_STAT_PM_COUNTED, 1 }));
		ASSERT_EQ(count_of(o->counts, FLOW, 0, ENDMT_PM_IN, NULL) - c0, 3, "in colour 0");
		{
			uint64_t b2 = 0;

			ASSERT_EQ(count_of(o->counts, FLOW, 1, ENDMT_PM_IN, &b2) - c1, 1, "in colour 1");
			ASSERT_EQ(b2 - bytes, 38, "in colour 1 octets (after the stack)");
		}
		ring_buffer__consume(o->rb);
		if (ASSERT_EQ(o->ngot, 1, "one D-mark record")) {
			ASSERT_EQ(o->got[0].flow, FLOW, "dmark flow");
			ASSERT_EQ(o->got[0].point, ENDMT_PM_IN, "dmark point");
			ASSERT_EQ(o->got[0].colour, 1, "dmark colour");
			ASSERT_EQ(o->got[0].pkt_key, key_of(in + 14 + 20, il - 34), "dmark pkt_key");
		}
		il = frame(in, 0x8847, mid1, 5, NULL, 0);	/* no payload: key of nothing */
		o->ngot = 0;
		run(o, "no payload", o->count, in, il, XDP_PASS, NULL, 0,
		    D({ ENDMT_STAT_MPLS_FLOW_RX, 1 }, { ENDMT_STAT_PM_COUNTED, 1 }));
		ring_buffer__consume(o->rb);
		if (ASSERT_EQ(o->ngot, 1, "D-mark of an empty payload"))
			ASSERT_EQ(o->got[0].pkt_key, key_of(in, 0), "empty pkt_key");
	}
	if (test__start_subtest("count_unknown_flow")) {
		const struct lse st[] = { { 15, 0, 0, 64 }, { 18, 0, 0, 64 },
					  { 4321, FL_TC(0, 0, 0), 1, 0 } };

		il = frame(in, 0x8847, st, 3, "10.0.0.2", 10);
		run(o, "unconfigured Flow-ID", o->count, in, il, XDP_PASS, NULL, 0,
		    D({ ENDMT_STAT_MPLS_FLOW_RX, 1 }, { ENDMT_STAT_PM_UNKNOWN_FLOW, 1 }));
	}
	if (test__start_subtest("count_edge_to_edge")) {
		const struct lse st[] = { { 101, 0, 0, 64 }, { 15, 0, 0, 64 }, { 18, 0, 0, 64 },
					  { FLOW_T, FL_TC(0, 0, 1), 1, 0 } };

		il = frame(in, 0x8847, st, 4, "10.0.0.2", 10);
		run(o, "T=1 at a hop-by-hop node", o->count, in, il, XDP_PASS, NULL, 0,
		    D({ ENDMT_STAT_MPLS_E2E_PASS, 1 }));
		node_set(o, 0, ENDMT_MPLS_N_E2E);
		c0 = count_of(o->counts, FLOW_T, 0, ENDMT_PM_IN, NULL);
		run(o, "T=1 at an edge-to-edge node", o->count, in, il, XDP_PASS, NULL, 0,
		    D({ ENDMT_STAT_MPLS_FLOW_RX, 1 }, { ENDMT_STAT_PM_COUNTED, 1 }));
		ASSERT_EQ(count_of(o->counts, FLOW_T, 0, ENDMT_PM_IN, NULL) - c0, 1, "T=1 counted");
		node_set(o, 0, 0);
	}
	if (test__start_subtest("count_not_ours")) {
		const struct lse plain[] = { { 100, 0, 0, 64 }, { 18, 0, 0, 64 }, { 300, 0, 1, 64 } };
		const struct lse espl[] = { { 15, 0, 0, 64 }, { 100, 0, 0, 64 }, { 300, 0, 1, 64 } };

		il = frame(in, 0x0800, NULL, 0, "10.0.0.2", 10);
		run(o, "IPv4", o->count, in, il, XDP_PASS, NULL, 0, D({ ENDMT_STAT_PASS_NOT_OURS, 1 }));
		il = frame(in, 0x8847, plain, 3, "10.0.0.2", 10);
		run(o, "no XL (18 a plain label)", o->count, in, il, XDP_PASS, NULL, 0,
		    D({ ENDMT_STAT_PASS_NOT_OURS, 1 }));
		il = frame(in, 0x8847, espl, 3, "10.0.0.2", 10);
		run(o, "XL + another extended SPL", o->count, in, il, XDP_PASS, NULL, 0,
		    D({ ENDMT_STAT_PASS_NOT_OURS, 1 }));
	}
	if (test__start_subtest("count_too_deep")) {
		struct lse st[20];
		int i;

		for (i = 0; i < 20; i++)
			st[i] = (struct lse){ (uint32_t)(1000 + i), 0, i == 19, 64 };
		il = frame(in, 0x8847, st, 20, "10.0.0.2", 10);
		run(o, "20 entries, no XL", o->count, in, il, XDP_PASS, NULL, 0,
		    D({ ENDMT_STAT_MPLS_TOO_DEEP, 1 }));
		/* FRLD 4: an FL at entry 4 is not read */
		node_set(o, 4, 0);
		{
			const struct lse d[] = { { 100, 0, 0, 64 }, { 101, 0, 0, 64 },
						 { 15, 0, 0, 64 }, { 18, 0, 0, 64 },
						 { FLOW, 0, 1, 0 } };
			const struct lse ok[] = { { 101, 0, 0, 64 }, { 15, 0, 0, 64 },
						  { 18, 0, 0, 64 }, { FLOW, 0, 1, 0 } };

			il = frame(in, 0x8847, d, 5, "10.0.0.2", 10);
			run(o, "FL below FRLD", o->count, in, il, XDP_PASS, NULL, 0,
			    D({ ENDMT_STAT_MPLS_TOO_DEEP, 1 }));
			il = frame(in, 0x8847, ok, 4, "10.0.0.2", 10);
			run(o, "FL at FRLD", o->count, in, il, XDP_PASS, NULL, 0,
			    D({ ENDMT_STAT_MPLS_FLOW_RX, 1 }, { ENDMT_STAT_PM_COUNTED, 1 }));
		}
		node_set(o, 0, 0);
	}
	if (test__start_subtest("count_hostile")) {
		static const struct {
			const char *name;
			struct lse st[5];
			int n;
			enum endmt_stat why;
		} rows[] = {
			{ "XL with BoS", { { 100, 0, 0, 64 }, { 15, 0, 1, 64 } }, 2,
			  ENDMT_STAT_DROP_MPLS_MALFORMED },
			{ "FLI with BoS (no FL)", { { 15, 0, 0, 64 }, { 18, 0, 1, 64 } }, 2,
			  ENDMT_STAT_DROP_MPLS_MALFORMED },
			{ "XL XL FLI FL", { { 15, 0, 0, 64 }, { 15, 0, 0, 64 }, { 18, 0, 0, 64 },
					    { FLOW, 0, 1, 0 } }, 4, ENDMT_STAT_DROP_MPLS_MALFORMED },
			{ "XL + reserved 7", { { 15, 0, 0, 64 }, { 7, 0, 0, 64 }, { 18, 0, 0, 64 },
					       { FLOW, 0, 1, 0 } }, 4, ENDMT_STAT_DROP_MPLS_MALFORMED },
			{ "FL value 5", { { 15, 0, 0, 64 }, { 18, 0, 0, 64 }, { 5, 0, 1, 0 } }, 3,
			  ENDMT_STAT_DROP_MPLS_FL },
			{ "FL value 15", { { 15, 0, 0, 64 }, { 18, 0, 0, 64 }, { 15, 0, 1, 0 } }, 3,
			  ENDMT_STAT_DROP_MPLS_FL },
			{ "FL TTL 1", { { 15, 0, 0, 64 }, { 18, 0, 0, 64 }, { FLOW, 0, 1, 1 } }, 3,
			  ENDMT_STAT_DROP_MPLS_FL },
			{ "stack ends without BoS", { { 100, 0, 0, 64 }, { 101, 0, 0, 64 } }, 2,
			  ENDMT_STAT_DROP_MPLS_TRUNC },
			{ "FLI then end of frame", { { 15, 0, 0, 64 }, { 18, 0, 0, 64 } }, 2,
			  ENDMT_STAT_DROP_MPLS_TRUNC },
		};
		size_t i;

		for (i = 0; i < NELEM(rows); i++) {
			/* truncated rows end with the stack; the others carry IPv4 */
			int trunc = rows[i].why == ENDMT_STAT_DROP_MPLS_TRUNC;

			il = frame(in, 0x8847, rows[i].st, rows[i].n, trunc ? NULL : "10.0.0.2", 10);
			run(o, rows[i].name, o->count, in, il, XDP_DROP, NULL, 0,
			    D({ rows[i].why, 1 }));
		}
		/* a frame cut inside an entry */
		{
			const struct lse st[] = { { 100, 0, 0, 64 } };

			il = frame(in, 0x8847, st, 1, NULL, 0);
			in[il] = 0; in[il + 1] = 0x65;
			run(o, "frame cut in the second entry", o->count, in, il + 2, XDP_DROP, NULL, 0,
			    D({ ENDMT_STAT_DROP_MPLS_TRUNC, 1 }));
			run(o, "Ethernet only", o->count, in, 14, XDP_DROP, NULL, 0,
			    D({ ENDMT_STAT_DROP_MPLS_TRUNC, 1 }));
		}
	}
}

/* ---- the egress ------------------------------------------------------------ */

static void test_egress(struct mp_obj *o)
{
	static uint8_t in[CAP], exp[CAP];
	size_t il, el;

	if (!ASSERT_OK(node_set(o, 0, ENDMT_MPLS_N_E2E), "node"))
		return;
	if (test__start_subtest("egress_pop_bottom")) {
		const struct lse st[] = { { 101, 4, 0, 60 }, { 15, 4, 0, 60 }, { 18, 4, 0, 60 },
					  { FLOW, FL_TC(1, 0, 1), 1, 0 } };
		const struct lse ex[] = { { 101, 4, 1, 60 } };
		uint64_t c = count_of(o->counts, FLOW, 1, ENDMT_PM_IN, NULL);

		il = frame(in, 0x8847, st, 4, "10.0.0.2", 30);
		el = frame(exp, 0x8847, ex, 1, "10.0.0.2", 30);
		run(o, "pop XL+FLI+FL at the bottom", o->egress, in, il, XDP_PASS, exp, el,
		    D({ ENDMT_STAT_MPLS_POPPED, 1 }, { ENDMT_STAT_PM_COUNTED, 1 }));
		ASSERT_EQ(count_of(o->counts, FLOW, 1, ENDMT_PM_IN, NULL) - c, 1, "counted at egress");
	}
	if (test__start_subtest("egress_pop_middle")) {
		const struct lse st[] = { { 101, 4, 0, 60 }, { 15, 4, 0, 60 }, { 18, 4, 0, 60 },
					  { FLOW, FL_TC(0, 0, 0), 0, 0 }, { 300, 1, 1, 59 } };
		const struct lse ex[] = { { 101, 4, 0, 60 }, { 300, 1, 1, 59 } };

		il = frame(in, 0x8847, st, 5, "10.0.0.2", 30);
		el = frame(exp, 0x8847, ex, 2, "10.0.0.2", 30);
		run(o, "pop XL+FLI+FL below the top", o->egress, in, il, XDP_PASS, exp, el,
		    D({ ENDMT_STAT_MPLS_POPPED, 1 }, { ENDMT_STAT_PM_COUNTED, 1 }));
	}
	if (test__start_subtest("egress_pop_all")) {
		const struct lse st[] = { { 15, 0, 0, 60 }, { 18, 0, 0, 60 },
					  { FLOW, FL_TC(0, 0, 0), 1, 0 } };

		il = frame(in, 0x8847, st, 3, "10.0.0.2", 30);
		el = frame(exp, 0x0800, NULL, 0, "10.0.0.2", 30);
		run(o, "pop the whole stack: IPv4 follows", o->egress, in, il, XDP_PASS, exp, el,
		    D({ ENDMT_STAT_MPLS_POPPED, 1 }, { ENDMT_STAT_PM_COUNTED, 1 }));
	}
	if (test__start_subtest("egress_not_ours")) {
		const struct lse st[] = { { 101, 0, 1, 60 } };

		il = frame(in, 0x8847, st, 1, "10.0.0.2", 30);
		run(o, "plain MPLS at the egress", o->egress, in, il, XDP_PASS, NULL, 0,
		    D({ ENDMT_STAT_PASS_NOT_OURS, 1 }));
	}
}

void test_mpls_pm(void)
{
	struct mp_obj o;

	if (!ASSERT_OK(mp_open(&o), "load mpls"))
		return;
	test_ler(&o);
	test_count(&o);
	test_egress(&o);
	mp_close(&o);
}
