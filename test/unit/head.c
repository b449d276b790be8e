/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Head (H.Encaps.MT, bpf/head.bpf.c) under BPF_PROG_TEST_RUN.
 *
 * Every case runs one frame through endmt_head_tc and checks the verdict,
 * the output bytes and that exactly one named counter moved.  A matched
 * packet is compared byte-for-byte with a frame built independently: the
 * inner packet built again by lib/pkt.c with SA = Proxy (so its ICRC and
 * UDP checksum come from the full computation), wrapped by
 * endmt_build_encap.  Failing cases leave a pcap (input, got, expected) in
 * /tmp.  With ENDMT_HEAD_DUMP=DIR set, each matched case's output frame and
 * its configuration are written there for test/py/test_head_encap.py. */
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

static struct endmt_rcv_ent rcv_pool[64];

static void rcv_pool_init(void)
{
	char buf[64];
	size_t i;

	for (i = 0; i < 64; i++) {
		snprintf(buf, sizeof(buf), "fd00:%zx::2", 0x100 + i);
		rcv_pool[i].addr = endmt_in6(buf);
		rcv_pool[i].qpn = 0x100 + (uint32_t)i * 7;
	}
}

static int env_open(struct head_env *e)
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

static void env_close(struct head_env *e)
{
	TU_SKEL_CLOSE(endmt_head, &e->skel, e->pin);
}

static struct endmt_group_key gkey(const char *proxy, uint32_t dqpn)
{
	struct in6_addr a = endmt_in6(proxy);
	struct endmt_group_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.proxy, &a, 16);
	k.dqpn = dqpn;
	return k;
}

/* Group + proxy refcount + template, as the CLI writes them. */
static int config_group(struct head_env *e, const char *proxy, uint32_t dqpn,
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
static bool check_counters(const uint64_t *before, const uint64_t *after,
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

static void dump_failure(const char *name, const uint8_t *in, size_t in_len,
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
static bool run_case(struct head_env *e, const char *name, const uint8_t *in,
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

static void roce_spec(struct endmt_roce_spec *s, const uint8_t *pay, size_t paylen)
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
static int expected_frame(uint8_t *out, size_t cap, const struct endmt_roce_spec *in,
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

static void tmpl_cfgs(struct tmpl_cfg *t)
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
static void oracle_dump(const char *name, const uint8_t *frame, size_t len,
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
static size_t max_test_payload(struct head_env *e)
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

static void test_matched(struct head_env *e)
{
	static uint8_t pay[4096], in[FRAME_CAP], exp[FRAME_CAP];
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 63, 256, 1024, 2048, 3000, 4096 };
	struct tmpl_cfg t[3];
	size_t maxp, i, k;
	int c, last_x = -1, last_csum = 0;

	for (i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 131 + 7);
	tmpl_cfgs(t);
	maxp = max_test_payload(e);
	ASSERT_GE(maxp, 2048, "test-run payload limit");
	if (tp_verbose)
		printf("    test-run payload limit: %zu octets\n", maxp);
	for (k = 0; k < 3; k++) {
		char sub[96];

		snprintf(sub, sizeof(sub), "encap_%s", t[k].name);
		if (!test__start_subtest(sub))
			continue;
		if (!ASSERT_OK(config_group(e, PROXY, DQPN, SRC, &t[k], 1), "config"))
			continue;
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			for (c = 0; c < 4; c++) {
				struct endmt_roce_spec s;
				char name[128];
				int n, x;

				/* Above the test-run limit: covered by head_veth. */
				if (sizes[i] > maxp)
					continue;
				roce_spec(&s, pay, sizes[i]);
				s.udp_csum = c & 1;
				s.tclass = (c & 2) ? 0x6a : 0;	/* DSCP 26 + ECT(0) */
				s.flow_label = (c & 2) ? 0x12345 : 0;
				if (c == 3) {
					s.opcode = ENDMT_OP_WRITE_ONLY;
					s.has_reth = 1;
					s.reth_va = 0x1122334455667788ull;
					s.reth_rkey = 0xabcdef;
					s.reth_len = (uint32_t)sizes[i];
				}
				n = endmt_build_roce(in, sizeof(in), &s);
				x = expected_frame(exp, sizeof(exp), &s, &t[k]);
				last_x = -1;
				if (!ASSERT_GE(n, 0, "build input") || !ASSERT_GE(x, 0, "build expected"))
					continue;
				snprintf(name, sizeof(name), "%s_p%zu_c%d", t[k].name, sizes[i], c);
				if (!run_case(e, name, in, (size_t)n, TC_ACT_OK,
					      ENDMT_STAT_HEAD_ENCAP, exp, (size_t)x, NULL))
					printf("    case %s failed\n", name);
				else {
					last_x = x;	/* exp is the output, byte for byte */
					last_csum = s.udp_csum;
					if (sizes[i] == 256 || sizes[i] == 0)
						oracle_dump(name, exp, (size_t)x, &t[k], &s);
				}
			}
		}
		/* Independent of the builder: the inner ICRC and UDP checksum
		 * of the last output are right by the full computation (the
		 * comment stood here alone, checking nothing). */
		if (last_x > 0) {
			size_t ip6 = W_SRH + ENDMT_SRH_LEN(exp[W_SRH_HDRLEN]);
			size_t il = (size_t)last_x - ip6;
			const uint8_t *p = exp + ip6;

			ASSERT_TRUE(endmt_icrc_ok(p, il), "inner ICRC of the last output");
			/* RFC 6935: 0 is "no checksum", which stays 0 */
			ASSERT_EQ(p[W_IN_UDP_CSUM] << 8 | p[W_IN_UDP_CSUM + 1],
				  last_csum ? endmt_udp6_csum(p, il) : 0,
				  "inner UDP checksum of the last output");
		}
	}
}

/* Frames that are not the group's, or broken: table-driven. */
enum mut {
	M_OTHER_DA, M_OTHER_QPN, M_PORT, M_IPV4, M_ARP, M_EXTHDR,
	M_TRUNC_UDP, M_TRUNC_BTH_OTHER, M_TRUNC_BTH_PROXY, M_TRUNC_QPN_PROXY,
	M_PLEN_LONG, M_ULEN_DIFF, M_PLEN_SHORT, M_ODD_LEN, M_WRONG_SRC, M_NO_GROUP,
	M_GSO, M_ULEN_61, M_ULEN_62, M_ULEN_63, M_OP_READ, M_OP_CMPSWAP, M_OP_FETCHADD,
	M_OP_ACK, M_OP_SEND_INV, M_OP_UC,
};

struct neg_case {
	const char *name;
	enum mut m;
	uint32_t ret;
	enum endmt_stat stat;
};

static const struct neg_case neg_cases[] = {
	{ "other_da",            M_OTHER_DA,        TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "other_qpn",           M_OTHER_QPN,       TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "not_4791",            M_PORT,            TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "ipv4",                M_IPV4,            TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "arp",                 M_ARP,             TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "ipv6_ext_header",     M_EXTHDR,          TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	/* A frame cut inside the IPv6 header: BPF_PROG_TEST_RUN refuses it
	 * (-EINVAL), so head_veth sends one over a real veth instead. */
	{ "trunc_udp",           M_TRUNC_UDP,       TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "trunc_bth_other_da",  M_TRUNC_BTH_OTHER, TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "trunc_bth_proxy",     M_TRUNC_BTH_PROXY, TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
	{ "trunc_qpn_proxy",     M_TRUNC_QPN_PROXY, TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
	{ "payload_len_long",    M_PLEN_LONG,       TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
	{ "udp_len_differs",     M_ULEN_DIFF,       TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
	{ "payload_len_short",   M_PLEN_SHORT,      TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
	{ "length_not_4n",       M_ODD_LEN,         TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_UNPADDED },
	{ "udp_length_61",       M_ULEN_61,         TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_UNPADDED },
	{ "udp_length_62",       M_ULEN_62,         TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_UNPADDED },
	{ "udp_length_63",       M_ULEN_63,         TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_UNPADDED },
	/* One request to many: only SEND/WRITE (0x00-0x0b) have no response
	 * beyond the ACK the reverse path aggregates. */
	{ "opcode_read",         M_OP_READ,         TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "opcode_cmpswap",      M_OP_CMPSWAP,      TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "opcode_fetchadd",     M_OP_FETCHADD,     TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "opcode_ack",          M_OP_ACK,          TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "opcode_send_inv",     M_OP_SEND_INV,     TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "opcode_uc_send",      M_OP_UC,           TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "wrong_source",        M_WRONG_SRC,       TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_SRC },
	{ "template_no_group",   M_NO_GROUP,        TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_NO_GROUP },
	{ "gso_skb",             M_GSO,             TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
};

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }

static int build_neg(enum mut m, uint8_t *f, size_t cap, struct __sk_buff *ctx)
{
	static uint8_t pay[64];
	uint8_t *ip6 = f + ENDMT_ETH_HLEN;
	struct endmt_roce_spec s;
	int n;

	roce_spec(&s, pay, sizeof(pay));
	switch (m) {
	case M_OTHER_DA:
	case M_TRUNC_BTH_OTHER:
		s.daddr = endmt_in6("fd00:ff::2");
		break;
	case M_OTHER_QPN:
		s.dqpn = DQPN + 1;
		break;
	case M_WRONG_SRC:
		s.saddr = endmt_in6("fd00:10::3");
		break;
	case M_NO_GROUP:
		s.dqpn = DQPN + 2;	/* template only, see test_negative */
		break;
	default:
		break;
	}
	n = endmt_build_roce(f, cap, &s);
	if (n < 0)
		return n;
	switch (m) {
	case M_PORT:
		put16(ip6 + 42, ENDMT_ROCE_PORT + 1);
		break;
	case M_IPV4: {
		/* IPv4/UDP/4791 with the same BTH: RoCEv2 over IPv4 is not
		 * what the head matches. */
		static const uint8_t v4[20] = { 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0,
						10, 0, 0, 1, 10, 0, 0, 2 };
		memmove(ip6 + 20, ip6 + 40, (size_t)n - ENDMT_ETH_HLEN - 40);
		memcpy(ip6, v4, 20);
		put16(ip6 + 2, (uint16_t)(n - ENDMT_ETH_HLEN - 20));
		put16(f + 12, 0x0800);
		n -= 20;
		break;
	}
	case M_ARP:
		put16(f + 12, 0x0806);
		n = ENDMT_ETH_HLEN + 28;
		memset(ip6, 0x11, 28);
		break;
	case M_EXTHDR:
		/* Hop-by-hop PadN before UDP: 8 octets inserted. */
		memmove(ip6 + 48, ip6 + 40, (size_t)n - ENDMT_ETH_HLEN - 40);
		ip6[40] = 17, ip6[41] = 0, ip6[42] = 1, ip6[43] = 4;
		memset(ip6 + 44, 0, 4);
		ip6[6] = 0;
		put16(ip6 + 4, (uint16_t)((ip6[4] << 8 | ip6[5]) + 8));
		n += 8;
		break;
	case M_TRUNC_UDP:
		n = ENDMT_ETH_HLEN + 40 + 6;
		break;
	case M_TRUNC_BTH_OTHER:
	case M_TRUNC_BTH_PROXY:
		n = ENDMT_ETH_HLEN + 40 + 8 + 10;	/* DestQPN there, PSN cut */
		break;
	case M_TRUNC_QPN_PROXY:
		n = ENDMT_ETH_HLEN + 40 + 8 + 5;
		break;
	case M_PLEN_LONG:
		n -= 8;		/* the frame lost its tail; headers still claim it */
		break;
	case M_ULEN_DIFF:
		put16(ip6 + 44, (uint16_t)((ip6[44] << 8 | ip6[45]) - 4));
		break;
	case M_PLEN_SHORT:
		/* payload length (= UDP length) below UDP + BTH + ICRC */
		put16(ip6 + 4, 20);
		put16(ip6 + 44, 20);
		break;
	case M_ODD_LEN:
		put16(ip6 + 4, (uint16_t)((ip6[4] << 8 | ip6[5]) - 1));
		put16(ip6 + 44, (uint16_t)((ip6[44] << 8 | ip6[45]) - 1));
		n -= 1;
		break;
	case M_ULEN_61:
	case M_ULEN_62:
	case M_ULEN_63:
		/* UDP length 61..63, consistent everywhere: only the padding
		 * rule is broken. */
		n = ENDMT_ETH_HLEN + 40 + 61 + (m - M_ULEN_61);
		put16(ip6 + 4, (uint16_t)(n - ENDMT_ETH_HLEN - 40));
		put16(ip6 + 44, (uint16_t)(n - ENDMT_ETH_HLEN - 40));
		break;
	case M_OP_READ: ip6[48] = ENDMT_OP_READ_REQ; break;
	case M_OP_CMPSWAP: ip6[48] = 0x13; break;
	case M_OP_FETCHADD: ip6[48] = 0x14; break;
	case M_OP_ACK: ip6[48] = ENDMT_OP_ACK; break;
	case M_OP_SEND_INV: ip6[48] = 0x17; break;
	case M_OP_UC: ip6[48] = 0x24; break;
	case M_GSO:
		ctx->gso_size = 1000;
		ctx->gso_segs = 2;
		break;
	default:
		break;
	}
	return n;
}

static void test_negative(struct head_env *e)
{
	static uint8_t f[FRAME_CAP];
	struct tmpl_cfg t[3];
	size_t i;

	tmpl_cfgs(t);
	if (!ASSERT_OK(config_group(e, PROXY, DQPN, SRC, &t[0], 1), "config") ||
	    !ASSERT_OK(config_group(e, PROXY, DQPN + 2, SRC, &t[0], 0), "config no group"))
		return;
	for (i = 0; i < sizeof(neg_cases) / sizeof(neg_cases[0]); i++) {
		const struct neg_case *nc = &neg_cases[i];
		struct __sk_buff ctx;
		int n;

		if (!test__start_subtest(nc->name))
			continue;
		memset(&ctx, 0, sizeof(ctx));
		n = build_neg(nc->m, f, sizeof(f), &ctx);
		if (!ASSERT_GE(n, ENDMT_ETH_HLEN, "build"))
			continue;
		run_case(e, nc->name, f, (size_t)n, nc->ret, nc->stat, NULL, 0,
			 nc->m == M_GSO ? &ctx : NULL);
	}
}

/* MTU rule: the encapsulated packet must fit the MTU of the device the
 * packet is seen on.  A private netns holds a veth with MTU 1280 (no dummy driver in this kernel);
 * BPF_PROG_TEST_RUN runs the skb "on" it through ctx ifindex. */
static void test_mtu(struct head_env *e)
{
	static uint8_t pay[2048], in[FRAME_CAP], exp[FRAME_CAP];
	const unsigned int mtu = 1280;
	struct endmt_encap tmpl;
	struct tmpl_cfg t[3];
	struct in6_addr outer = endmt_in6(OUTER);
	struct __sk_buff ctx;
	int self = -1, ifindex, k;
	char cmd[128];

	tmpl_cfgs(t);
	if (!ASSERT_OK(config_group(e, PROXY, DQPN, SRC, &t[0], 1), "config") ||
	    !ASSERT_OK(endmt_encap_template(&tmpl, &outer, t[0].segs, t[0].nseg, t[0].sl,
					    t[0].edges, t[0].nedges, 0), "template"))
		return;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (!ASSERT_GE(self, 0, "open own netns"))
		return;
	if (!ASSERT_OK(unshare(CLONE_NEWNET), "unshare netns"))
		goto out;
	snprintf(cmd, sizeof(cmd), "ip link add headmtu0 mtu %u type veth peer name headmtu1 && "
		 "ip link set headmtu0 up", mtu);
	if (!ASSERT_OK(system(cmd), cmd))
		goto out;
	ifindex = (int)if_nametoindex("headmtu0");
	if (!ASSERT_GE(ifindex, 2, "veth ifindex"))
		goto out;
	/* inner IPv6 packet = 40 + 8 + 12 + payload + 4; k = 0 fits exactly,
	 * k = 1 is 4 octets over. */
	for (k = 0; k < 2; k++) {
		size_t paylen = mtu - tmpl.len - 64 + 4 * (size_t)k;
		struct endmt_roce_spec s;
		int n, x;

		memset(&ctx, 0, sizeof(ctx));
		ctx.ifindex = (uint32_t)ifindex;
		roce_spec(&s, pay, paylen);
		n = endmt_build_roce(in, sizeof(in), &s);
		x = expected_frame(exp, sizeof(exp), &s, &t[0]);
		if (!ASSERT_GE(n, 0, "build") || !ASSERT_GE(x, 0, "expected"))
			continue;
		ASSERT_EQ((size_t)x - ENDMT_ETH_HLEN, mtu + 4 * (size_t)k, "outer size");
		run_case(e, k ? "mtu_over" : "mtu_exact", in, (size_t)n,
			 k ? TC_ACT_SHOT : TC_ACT_OK,
			 k ? ENDMT_STAT_DROP_HEAD_MTU : ENDMT_STAT_HEAD_ENCAP,
			 exp, (size_t)x, &ctx);
	}
out:
	/* Leaving the netns destroys it and its veth pair. */
	if (self >= 0)
		ASSERT_OK(tu_netns_leave(self), "back to own netns");
}

/* Another template of a different length replaces the first: the data path
 * follows (no state kept between packets). */
static void test_template_swap(struct head_env *e)
{
	static uint8_t pay[100], in[FRAME_CAP], exp[FRAME_CAP];
	struct tmpl_cfg t[3];
	int k;

	tmpl_cfgs(t);
	for (k = 2; k >= 0; k--) {
		struct endmt_roce_spec s;
		int n, x;

		if (!ASSERT_OK(config_group(e, PROXY, DQPN, SRC, &t[k], 1), "config"))
			return;
		roce_spec(&s, pay, sizeof(pay));
		n = endmt_build_roce(in, sizeof(in), &s);
		x = expected_frame(exp, sizeof(exp), &s, &t[k]);
		if (!ASSERT_GE(n, 0, "build") || !ASSERT_GE(x, 0, "expected"))
			return;
		run_case(e, t[k].name, in, (size_t)n, TC_ACT_OK, ENDMT_STAT_HEAD_ENCAP,
			 exp, (size_t)x, NULL);
		/* The oracle-independent checks: ICRC by the full computation
		 * and the UDP length chain of the inner packet. */
		ASSERT_TRUE(endmt_icrc_ok(exp + x - (n - ENDMT_ETH_HLEN),
					  (size_t)n - ENDMT_ETH_HLEN), "expected inner ICRC");
	}
}

/* The template builder against the SRH decoder and the header fields. */
static void test_template(void)
{
	struct in6_addr outer = endmt_in6(OUTER), segs[2] = { endmt_in6(PROXY), endmt_in6(SID) };
	struct endmt_edge_ent big = { endmt_in6("fd00:1::1"), 64, rcv_pool };
	struct endmt_tlv_view v[16];
	struct endmt_encap tmpl;
	struct tmpl_cfg t[3];
	size_t k, r;

	tmpl_cfgs(t);
	for (k = 0; k < 3; k++) {
		size_t want_rcv = 0, got_rcv = 0;
		int n, i;

		if (!ASSERT_OK(endmt_encap_template(&tmpl, &outer, t[k].segs, t[k].nseg,
						    t[k].sl, t[k].edges, t[k].nedges,
						    t[k].tlv_type), "template"))
			continue;
		ASSERT_EQ(tmpl.hdr[0], 0x60, "version 6, TC 0");
		ASSERT_EQ(tmpl.hdr[4] | tmpl.hdr[5], 0, "payload length left 0");
		ASSERT_EQ(tmpl.hdr[6], ENDMT_NEXTHDR_ROUTING, "next header 43");
		ASSERT_EQ(tmpl.hdr[7], 64, "hop limit");
		ASSERT_TRUE(!memcmp(tmpl.hdr + 8, &outer, 16), "outer SA");
		ASSERT_TRUE(!memcmp(tmpl.hdr + 24, &t[k].segs[t[k].sl], 16), "outer DA = segs[sl]");
		ASSERT_EQ(tmpl.hdr[40], ENDMT_NEXTHDR_IPV6, "SRH next header 41");
		ASSERT_EQ(tmpl.len, 40 + ENDMT_SRH_LEN(tmpl.hdr[41]), "len = 40 + SRH");
		ASSERT_EQ(tmpl.hdr[43], t[k].sl, "segments left");
		n = endmt_srh_parse(tmpl.hdr + 40, tmpl.len - 40u,
				    t[k].tlv_type ? t[k].tlv_type : ENDMT_TLV_ENDMT_DEFAULT, v, 16);
		if (!ASSERT_GE(n, 1, "parse SRH"))
			continue;
		for (r = 0; r < t[k].nedges; r++)
			want_rcv += t[k].edges[r].nrcv;
		for (i = 0; i < n; i++)
			got_rcv += v[i].nrcv;
		ASSERT_EQ(got_rcv, want_rcv, "receivers in TLVs");
	}
	ASSERT_EQ(endmt_encap_template(&tmpl, &outer, segs, 2, 2, NULL, 0, 0), -EINVAL,
		  "sl >= nseg");
	ASSERT_EQ(endmt_encap_template(&tmpl, &outer, segs, 0, 0, NULL, 0, 0), -EINVAL,
		  "no segments");
	/* 64 receivers: 6 TLVs of 244 octets fit below 2048 - 40 ... */
	ASSERT_OK(endmt_encap_template(&tmpl, &outer, segs, 2, 1, &big, 1, 0), "64 receivers");
	/* (a success of at most ENDMT_MAX_ENCAP says nothing the OK did not)
	 * IPv6 + SRH + 2 segments + 5 full TLVs + one of 9, 8-aligned */
	ASSERT_EQ(tmpl.len, W_IP6_LEN + sizeof(struct endmt_srh) + 2 * W_SEG_LEN +
		  5 * (W_TLV_HLEN + ENDMT_MT_TLV_VALUE_LEN(ENDMT_MT_TLV_MAX_RCV)) +
		  W_TLV_HLEN + ENDMT_MT_TLV_VALUE_LEN(64 - 5 * ENDMT_MT_TLV_MAX_RCV),
		  "64 receivers: exactly their TLVs");
	/* ... 90 (9 TLVs, 2056 octets with the IPv6 header) do not. */
	big.nrcv = 90;
	{
		static struct endmt_rcv_ent many[90];

		for (r = 0; r < 90; r++)
			many[r] = rcv_pool[r % 64];
		big.rcv = many;
		ASSERT_EQ(endmt_encap_template(&tmpl, &outer, segs, 2, 1, &big, 1, 0), -E2BIG,
			  "too big for the template");
	}
}

void test_head(void)
{
	struct head_env e;

	rcv_pool_init();
	if (test__start_subtest("template"))
		test_template();
	if (!ASSERT_OK(env_open(&e), "load head object"))
		return;
	test_matched(&e);
	test_negative(&e);
	if (test__start_subtest("mtu"))
		test_mtu(&e);
	if (test__start_subtest("template_swap"))
		test_template_swap(&e);
	env_close(&e);
}
