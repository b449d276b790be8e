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
#include "head_fx.h"

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

/* The newest PSN the head encapsulated is the bound of the group's
 * responses (bpf/dp/data_psn.h): it follows encapsulated packets in serial
 * order across 2^24, a retransmission does not lower it, a refused packet
 * does not move it. */
static void test_data_psn(struct head_env *e)
{
	static uint8_t pay[64], in[FRAME_CAP], exp[FRAME_CAP];
	static const struct {
		uint32_t psn;
		const char *src;
		int encapped;
		uint32_t want;		/* data_psn afterwards */
	} steps[] = {
		{ 0xfffffe, SRC, 1, 0xfffffe },
		{ 0x000001, SRC, 1, 0x000001 },	/* across 2^24 */
		{ 0xffffff, SRC, 1, 0x000001 },	/* retransmission */
		{ 0x000100, "fd00:10::99", 0, 0x000001 },	/* not the source: dropped */
		{ 0x000002, SRC, 1, 0x000002 },
	};
	struct endmt_group_key k = gkey(PROXY, DQPN);
	struct tmpl_cfg t[3];
	struct endmt_group g;
	size_t i;

	tmpl_cfgs(t);
	if (!ASSERT_OK(config_group(e, PROXY, DQPN, SRC, &t[0], 1), "config"))
		return;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct endmt_roce_spec s;
		int n, x;

		roce_spec(&s, pay, sizeof(pay));
		s.psn = steps[i].psn;
		s.saddr = endmt_in6(steps[i].src);
		n = endmt_build_roce(in, sizeof(in), &s);
		x = expected_frame(exp, sizeof(exp), &s, &t[0]);
		if (!ASSERT_GE(n, 0, "build") || !ASSERT_GE(x, 0, "expected"))
			return;
		run_case(e, "data_psn", in, (size_t)n, steps[i].encapped ? TC_ACT_OK : TC_ACT_SHOT,
			 steps[i].encapped ? ENDMT_STAT_HEAD_ENCAP : ENDMT_STAT_DROP_HEAD_SRC,
			 exp, (size_t)x, NULL);
		if (!ASSERT_OK(bpf_map_lookup_elem_flags(e->groups, &k, &g, BPF_F_LOCK) ? -errno : 0,
			       "group lookup"))
			return;
		ASSERT_TRUE(g.state & ENDMT_GS_DATA_FWD, "data_psn valid");
		ASSERT_EQ(g.data_psn, steps[i].want, "data_psn");
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
	head_negative(&e);
	if (test__start_subtest("mtu"))
		test_mtu(&e);
	if (test__start_subtest("template_swap"))
		test_template_swap(&e);
	if (test__start_subtest("data_psn"))
		test_data_psn(&e);
	env_close(&e);
}
