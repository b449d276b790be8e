/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fixture of the head tests (head.c, head_neg.c): the head object loaded
 * with a private pin root, groups and templates written into its maps, one
 * frame run through endmt_head_tc with verdict, output and counters
 * checked, and the expected frames built independently by lib/pkt.c. */
#ifndef ENDMT_TEST_HEAD_FX_H
#define ENDMT_TEST_HEAD_FX_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "test_progs.h"
#include "testutil.h"
#include "endmt/maps.h"
#include "endmt/roce.h"
#include "endmt/srh.h"
#include "endmt/stats.h"
#include "encap_tmpl.h"
#include "icrc_full.h"
#include "pkt.h"
#include "tlv.h"
#include "head.skel.h"
#include "wire.h"

#define FRAME_CAP 12000
#define PROXY   "fd00:ff::1"
#define DQPN    4660
#define SRC     "fd00:10::2"
#define OUTER   "fd00:6::1"
#define SID     "ff3e::4d54"

struct head_env {
	struct endmt_head *skel;
	char pin[256];
	int prog, stats, encap, groups, proxies;
};

/* One template configuration. */
struct tmpl_cfg {
	const char *name;
	struct in6_addr segs[4];
	size_t nseg;
	uint8_t sl;
	struct endmt_edge_ent edges[4];
	size_t nedges;
	uint8_t tlv_type;
};

static struct endmt_rcv_ent rcv_pool[64] __attribute__((unused));

static inline void rcv_pool_init(void)
{
	char buf[64];
	size_t i;

	for (i = 0; i < 64; i++) {
		snprintf(buf, sizeof(buf), "fd00:%zx::2", 0x100 + i);
		rcv_pool[i].addr = endmt_in6(buf);
		rcv_pool[i].qpn = 0x100 + (uint32_t)i * 7;
	}
}

static inline int env_open(struct head_env *e)
{
	int err;

	memset(e, 0, sizeof(*e));
	err = TU_SKEL_LOAD(endmt_head, &e->skel, e->pin, (void)0);
	if (err)
		return err;
	e->prog = bpf_program__fd(e->skel->progs.endmt_head_tc);
	e->stats = bpf_map__fd(e->skel->maps.endmt_stats);
	e->encap = bpf_map__fd(e->skel->maps.endmt_encap);
	e->groups = bpf_map__fd(e->skel->maps.endmt_groups);
	e->proxies = bpf_map__fd(e->skel->maps.endmt_proxies);
	return 0;
}

static inline void env_close(struct head_env *e)
{
	TU_SKEL_CLOSE(endmt_head, &e->skel, e->pin);
}

static inline struct endmt_group_key gkey(const char *proxy, uint32_t dqpn)
{
	struct in6_addr a = endmt_in6(proxy);
	struct endmt_group_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.proxy, &a, 16);
	k.dqpn = dqpn;
	return k;
}

/* Group + proxy refcount + template, as the CLI writes them. */
static inline int config_group(struct head_env *e, const char *proxy, uint32_t dqpn,
			const char *src, const struct tmpl_cfg *t, int with_group)
{
	struct endmt_group_key k = gkey(proxy, dqpn);
	struct in6_addr outer = endmt_in6(OUTER), s = endmt_in6(src);
	struct endmt_proxy_key pk;
	struct endmt_encap tmpl;
	struct endmt_group g;
	uint32_t one = 1;
	int err;

	err = endmt_encap_template(&tmpl, &outer, t->segs, t->nseg, t->sl, t->edges,
				   t->nedges, t->tlv_type);
	if (err)
		return err;
	if (bpf_map_update_elem(e->encap, &k, &tmpl, BPF_ANY))
		return -errno;
	if (!with_group)
		return 0;
	memset(&g, 0, sizeof(g));
	g.flags = ENDMT_GF_HEAD | ENDMT_GF_BRANCH_IFINDEX;
	g.src_qpn = 17;
	memcpy(g.src_addr, &s, 16);
	memcpy(g.resp_saddr, &outer, 16);
	if (bpf_map_update_elem(e->groups, &k, &g, BPF_ANY))
		return -errno;
	memcpy(pk.addr, k.proxy, 16);
	if (bpf_map_update_elem(e->proxies, &pk, &one, BPF_ANY))
		return -errno;
	return 0;
}

/* Exactly `want` moved by one; everything else stayed. */
static inline bool check_counters(const uint64_t *before, const uint64_t *after,
			   enum endmt_stat want)
{
	bool ok = true;
	uint32_t i;

	for (i = 0; i < ENDMT_STAT_MAX; i++) {
		uint64_t d = after[i] - before[i];
		char what[96];

		snprintf(what, sizeof(what), "counter %s", tu_stat_names[i]);
		ok &= ASSERT_EQ(d, i == (uint32_t)want ? 1 : 0, what);
	}
	return ok;
}

static inline void dump_failure(const char *name, const uint8_t *in, size_t in_len,
			 const uint8_t *got, size_t got_len, const uint8_t *exp,
			 size_t exp_len)
{
	const uint8_t *pkts[3] = { in, got, exp };
	size_t lens[3] = { in_len, got_len, exp_len };
	char path[256];

	snprintf(path, sizeof(path), "/tmp/endmt-head-%s.pcap", name);
	if (!tu_pcap_write(path, pkts, lens, exp ? 3 : 2))
		printf("    wrote %s (input, got%s)\n", path, exp ? ", expected" : "");
}

/* Runs one frame.  exp == NULL: the frame must come out untouched. */
static inline bool run_case(struct head_env *e, const char *name, const uint8_t *in,
		     size_t in_len, uint32_t want_ret, enum endmt_stat want_stat,
		     const uint8_t *exp, size_t exp_len, const struct __sk_buff *ctx)
{
	static uint8_t out[FRAME_CAP];
	uint64_t before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in,
		.data_size_in = (uint32_t)in_len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.ctx_in = ctx,
		.ctx_size_in = ctx ? sizeof(*ctx) : 0,
		.repeat = 1,
	);
	bool ok = true;
	int err;

	tu_stats_read(e->stats, before);
	err = bpf_prog_test_run_opts(e->prog, &opts);
	if (!ASSERT_OK(err, "bpf_prog_test_run"))
		return false;
	tu_stats_read(e->stats, after);
	ok &= ASSERT_EQ(opts.retval, want_ret, "verdict");
	ok &= check_counters(before, after, want_stat);
	if (want_ret == TC_ACT_OK) {
		const uint8_t *x = exp ? exp : in;
		size_t xl = exp ? exp_len : in_len;

		ok &= ASSERT_MEMEQ(out, opts.data_size_out, x, xl, "output frame");
	}
	if (!ok)
		dump_failure(name, in, in_len, out, opts.data_size_out, exp, exp_len);
	return ok;
}

static inline void roce_spec(struct endmt_roce_spec *s, const uint8_t *pay, size_t paylen)
{
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x10 };
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x06 };

	memset(s, 0, sizeof(*s));
	memcpy(s->smac, smac, 6);
	memcpy(s->dmac, dmac, 6);
	s->saddr = endmt_in6(SRC);
	s->daddr = endmt_in6(PROXY);
	s->opcode = ENDMT_OP_SEND_ONLY;
	s->dqpn = DQPN;
	s->psn = 0xfffffe;
	s->ackreq = 1;
	s->payload = pay;
	s->paylen = paylen;
}

/* The expected head output for input spec *in under template t. */
static inline int expected_frame(uint8_t *out, size_t cap, const struct endmt_roce_spec *in,
			  const struct tmpl_cfg *t)
{
	static uint8_t inner[FRAME_CAP];
	struct endmt_roce_spec s = *in;
	struct endmt_encap_spec es;
	int n, len;

	s.saddr = endmt_in6(PROXY);
	n = endmt_build_roce(inner, sizeof(inner), &s);
	if (n < 0)
		return n;
	memset(&es, 0, sizeof(es));
	memcpy(es.smac, in->smac, 6);
	memcpy(es.dmac, in->dmac, 6);
	es.saddr = endmt_in6(OUTER);
	es.segs = t->segs;
	es.nseg = t->nseg;
	es.sl = t->sl;
	es.edges = t->edges;
	es.nedges = t->nedges;
	es.tlv_type = t->tlv_type;
	len = endmt_build_encap(out, cap, &es, inner + ENDMT_ETH_HLEN,
				(size_t)n - ENDMT_ETH_HLEN);
	if (len < 0)
		return len;
	/* docs/HEAD-ENCAP.md: outer Traffic Class := inner Traffic Class. */
	out[ENDMT_ETH_HLEN] = (uint8_t)(0x60 | in->tclass >> 4);
	out[ENDMT_ETH_HLEN + 1] = (uint8_t)((in->tclass & 0xf) << 4 | (out[ENDMT_ETH_HLEN + 1] & 0xf));
	return len;
}

static inline void tmpl_cfgs(struct tmpl_cfg *t)
{
	/* A: 3 edges, 5 receivers, Figure 1 shape: [Proxy, SID], SL 1. */
	memset(t, 0, 3 * sizeof(*t));
	t[0].name = "3edges_5rcv";
	t[0].segs[0] = endmt_in6(PROXY);
	t[0].segs[1] = endmt_in6(SID);
	t[0].nseg = 2;
	t[0].sl = 1;
	t[0].edges[0] = (struct endmt_edge_ent){ endmt_in6("fd00:1::1"), 2, &rcv_pool[0] };
	t[0].edges[1] = (struct endmt_edge_ent){ endmt_in6("fd00:2::1"), 2, &rcv_pool[2] };
	t[0].edges[2] = (struct endmt_edge_ent){ endmt_in6("fd00:3::1"), 1, &rcv_pool[4] };
	t[0].nedges = 3;
	/* B: 25 receivers over several TLVs (12 at one edge: two TLVs). */
	t[1].name = "25rcv_multi_tlv";
	t[1].segs[0] = endmt_in6(PROXY);
	t[1].segs[1] = endmt_in6(SID);
	t[1].nseg = 2;
	t[1].sl = 1;
	t[1].edges[0] = (struct endmt_edge_ent){ endmt_in6("fd00:1::1"), 12, &rcv_pool[0] };
	t[1].edges[1] = (struct endmt_edge_ent){ endmt_in6("fd00:2::1"), 13, &rcv_pool[12] };
	t[1].nedges = 2;
	/* C: chain mode, three segments, SL 2, non-default TLV type. */
	t[2].name = "chain_sl2_type200";
	t[2].segs[0] = endmt_in6(PROXY);
	t[2].segs[1] = endmt_in6("fd00:2::100");
	t[2].segs[2] = endmt_in6("fd00:1::100");
	t[2].nseg = 3;
	t[2].sl = 2;
	t[2].edges[0] = (struct endmt_edge_ent){ endmt_in6("fd00:1::100"), 3, &rcv_pool[20] };
	t[2].edges[1] = (struct endmt_edge_ent){ endmt_in6("fd00:2::100"), 1, &rcv_pool[30] };
	t[2].nedges = 2;
	t[2].tlv_type = 200;
}

/* Writes DIR/NAME.pcap (the head's output) and DIR/NAME.cfg (one line per
 * item: outer, proxy, src, sl, tlv_type, tclass, seg X, edge ADDR rcv ADDR QPN). */
static inline void oracle_dump(const char *name, const uint8_t *frame, size_t len,
			const struct tmpl_cfg *t, const struct endmt_roce_spec *in)
{
	const char *dir = getenv("ENDMT_HEAD_DUMP");
	const uint8_t *pkts[1] = { frame };
	char path[512], a[INET6_ADDRSTRLEN];
	size_t i, j;
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	ASSERT_OK(tu_pcap_write(path, pkts, &len, 1), "oracle pcap");
	snprintf(path, sizeof(path), "%s/%s.cfg", dir, name);
	f = fopen(path, "w");
	if (!ASSERT_OK_PTR(f, "oracle cfg"))
		return;
	fprintf(f, "outer %s\nproxy %s\nsrc %s\ndqpn %u\nsl %u\ntlv_type %u\ntclass %u\n",
		OUTER, PROXY, SRC, in->dqpn, t->sl,
		t->tlv_type ? t->tlv_type : ENDMT_TLV_ENDMT_DEFAULT, in->tclass);
	for (i = 0; i < t->nseg; i++)
		fprintf(f, "seg %s\n", inet_ntop(AF_INET6, &t->segs[i], a, sizeof(a)));
	for (i = 0; i < t->nedges; i++) {
		fprintf(f, "edge %s\n", inet_ntop(AF_INET6, &t->edges[i].edge, a, sizeof(a)));
		for (j = 0; j < t->edges[i].nrcv; j++)
			fprintf(f, "rcv %s %u\n",
				inet_ntop(AF_INET6, &t->edges[i].rcv[j].addr, a, sizeof(a)),
				t->edges[i].rcv[j].qpn);
	}
	fclose(f);
}

/* Largest payload BPF_PROG_TEST_RUN takes for sched_cls (the input must fit
 * one page with headroom and skb_shared_info): probed, not assumed. */
static inline size_t max_test_payload(struct head_env *e)
{
	static uint8_t pay[4096], frame[FRAME_CAP];
	struct endmt_roce_spec s;
	size_t p;

	for (p = 4096; p > 0; p -= 4) {
		int n;

		roce_spec(&s, pay, p);
		s.daddr = endmt_in6("fd00:dead::1");	/* not a group: untouched */
		n = endmt_build_roce(frame, sizeof(frame), &s);
		if (n > 0 && !tu_prog_run(e->prog, frame, (size_t)n, NULL, NULL, NULL))
			return p;
	}
	return 0;
}

/* The table of frames that are not the group's, or broken (head_neg.c). */
void head_negative(struct head_env *e);

#endif /* ENDMT_TEST_HEAD_FX_H */
