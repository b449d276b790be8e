/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Edge replication end to end through real veths: XDP (native) + TC ingress
 * on the edge's upstream veth in a private netns, frames injected from a
 * peer netns over AF_PACKET, copies read on the receivers' peers and
 * compared byte for byte with packets built independently by lib/pkt.h
 * (ICRC by the full computation).  Emitted copies also go to
 * /tmp/endmt-edge-copies.pcap (+ .txt: expected DA QPN PSN ECN per frame) for
 * test/py/test_edge_oracle.py. */
#include "edge_veth_fx.h"

static void test_five(struct env *e)
{
	struct rcv r[5] = {0};
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_ONLY, .psn = 100, .paylen = 200,
				 .udp_csum = 0, .hl = 64 };
	size_t i;

	for (i = 0; i < 5; i++)
		r[i].qpn = 0x100 + (uint32_t)i;
	replicate_case(e, &in, r, 5, 0, "5 receivers, UDP checksum 0");
	in.udp_csum = 1, in.tclass = 0x6a, in.flow = 0x12345, in.paylen = 1001;
	replicate_case(e, &in, r, 5, 0, "5 receivers, UDP checksum set");
}

static void test_twelve(struct env *e)
{
	struct rcv r[14] = {0};
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_FIRST, .psn = 0x7fffff, .paylen = 600,
				 .udp_csum = 1, .hl = 10 };
	size_t i;

	for (i = 0; i < 14; i++)
		r[i].qpn = 0xabcd00 + (uint32_t)i;
	r[13].slow = 1;		/* its neighbour is resolved by the stack */
	replicate_case(e, &in, r, 14, 1, "14 receivers over 2 TLVs, one slow path");
}

/* The outer packet `f` (SL 2, segments [Proxy, SID, SID2]) as chain mode
 * sends it on toward SID2: SL 1, DA SID2, hop limit 63, MACs r2 -> p2. */
static void chain_expected(uint8_t *exp, const uint8_t *f, size_t len)
{
	memcpy(exp, f, len);
	memcpy(exp, mac_p[2], 6);
	memcpy(exp + 6, mac_r[2], 6);
	exp[14 + 7] = 63;
	memcpy(exp + 14 + 24, exp + 54 + 8 + 16, 16);
	exp[54 + 3] = 1;
}

/* The End.MT SID is a multicast group, so End.MT frames arrive with its
 * multicast MAC, and a receiver has no neighbour entry yet (it has not
 * spoken): its copies go through the stack, which must resolve the
 * neighbour and deliver them, the first ones included.  Before the fix
 * the clone kept 33:33:..., came back as PACKET_MULTICAST and ip6_forward
 * dropped it silently: 0 copies, all counted fwd_neigh_slow_path. */
static void test_mcast_no_neigh(struct env *e)
{
	static uint8_t pay[256], f[EU_MAXPKT], exp[EU_MAXPKT];
	static struct tu_frame got[64];
	struct inner_spec in = { .opcode = ENDMT_OP_WRITE_ONLY, .psn = 7, .va = 0x4000,
				 .rkey = 0x99, .paylen = 256, .udp_csum = 1, .hl = 64 };
	struct rcv r[3] = { { .qpn = 0x301 }, { .qpn = 0x302 }, { .qpn = 0x303, .slow = 1 } };
	struct eu_stats a, b;
	size_t i, j, k, n, len, slow_ok = 0;
	const size_t burst = 8;

	inj_dmac = mac_mc;
	tu_sh("ip -n %s -6 neigh del %s dev r2 2>/dev/null; true", e->ns_e, SLOW);
	replicate_case(e, &in, r, 3, 0, "multicast MAC, receiver without a neighbour");

	/* A burst before the neighbour is known: all of it arrives (the
	 * stack queues the copies on the unresolved neighbour). */
	tu_sh("ip -n %s -6 neigh del %s dev r2 2>/dev/null; true", e->ns_e, SLOW);
	drain(e);
	eu_stats_read(&e->o, &a);
	for (k = 0; k < burst; k++) {
		in.psn = 100 + (uint32_t)k;
		len = build_endmt(f, &in, pay, r, 3, 0, 0);
		ASSERT_OK(inject(e, f, len), "inject burst");
	}
	n = collect(e, got, 64, 3 * burst, 3000);
	eu_stats_read(&e->o, &b);
	ASSERT_EQ(n, 3 * burst, "burst copies");
	for (k = 0; k < burst; k++) {
		in.psn = 100 + (uint32_t)k;
		len = build_copy(exp, &in, pay, &r[2]);
		for (j = 0; j < n; j++)
			if (got[j].dev == 2 && got[j].len == len && !memcmp(got[j].b, exp, len)) {
				slow_ok++;
				break;
			}
	}
	ASSERT_EQ(slow_ok, burst, "every burst copy to the unresolved receiver, byte for byte");
	i = b.v[ENDMT_STAT_FWD_NEIGH_SLOW] - a.v[ENDMT_STAT_FWD_NEIGH_SLOW];
	ASSERT_GE(i, 1, "fwd_neigh_slow_path (first copies)");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_SLOW_RX] - a.v[ENDMT_STAT_FWD_SLOW_RX], i, "fwd_slow_path_rx");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_COPY] - a.v[ENDMT_STAT_FWD_COPY] + i, 3 * burst,
		  "every copy fast or slow");

	/* Chain mode: the outer packet goes on to SID2, whose neighbour is
	 * unknown as well (SID2 made a real address of p2 for the time), so
	 * it too leaves through the stack although it came in with the
	 * multicast MAC: SL 1, DA SID2, hop limit 63 by the stack, MACs
	 * r2 -> p2. */
	if (!ASSERT_OK(tu_sh("ip -n %s -6 neigh del %s dev r2 && ip -n %s addr add %s/128 dev p2 nodad",
			     e->ns_e, SID2, e->ns_r, SID2), "SID2 without a neighbour"))
		goto out;
	in.psn = 200;
	len = build_endmt(f, &in, pay, r, 2, 1, 0);
	chain_expected(exp, f, len);
	drain(e);
	eu_stats_read(&e->o, &a);
	ASSERT_OK(inject(e, f, len), "inject chain");
	n = collect(e, got, 64, 3, 3000);
	eu_stats_read(&e->o, &b);
	for (j = 0, k = 0; j < n; j++)
		if (got[j].b[20] == 43) {
			k++;
			ASSERT_EQ(got[j].dev, 2, "outer leaves on r2");
			ASSERT_MEMEQ(got[j].b, got[j].len, exp, len, "chained outer packet via the stack");
		}
	ASSERT_EQ(k, 1, "chained outer packets");
	ASSERT_EQ(n, 3, "outer + 2 copies");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_NEIGH_SLOW] - a.v[ENDMT_STAT_FWD_NEIGH_SLOW], 1,
		  "chain: fwd_neigh_slow_path");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_SLOW_RX] - a.v[ENDMT_STAT_FWD_SLOW_RX], 1, "chain: fwd_slow_path_rx");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_CHAIN] - a.v[ENDMT_STAT_FWD_CHAIN], 0, "chain: fwd_chain");
out:
	{
		char m1[32];

		tu_sh("ip -n %s addr del %s/128 dev p2 2>/dev/null; "
		      "ip -n %s -6 neigh replace %s lladdr %s dev r2 nud permanent",
		      e->ns_r, SID2, e->ns_e, SID2, tu_mac_str(mac_p[2], m1));
	}
	inj_dmac = mac_e0;
}

static void test_xlate(struct env *e)
{
	struct rcv r[4] = {0};
	struct inner_spec in = { .opcode = ENDMT_OP_WRITE_FIRST, .psn = 0xfffffd, .paylen = 512,
				 .va = 0x7f00001000ull, .rkey = 0x1234, .udp_csum = 1, .hl = 64 };

	r[0].qpn = 17;
	r[1].qpn = 18, r[1].xl = (struct endmt_rcv_xlate){ .psn_offset = 5, .flags = ENDMT_XL_PSN };
	r[2].qpn = 19, r[2].xl = (struct endmt_rcv_xlate){ .psn_offset = -0x100, .flags =
			ENDMT_XL_PSN | ENDMT_XL_RETH, .va_delta = 0xffffffff00000000ull, .rkey = 0xbeef };
	r[3].qpn = 20, r[3].xl = (struct endmt_rcv_xlate){ .flags = ENDMT_XL_RETH,
			.va_delta = 0x10, .rkey = 0x99 };
	replicate_case(e, &in, r, 4, 0, "WRITE_FIRST, PSN wrap and RETH translation");
	/* the same receivers for a WRITE_MIDDLE: PSN shifts, no RETH */
	in.opcode = ENDMT_OP_WRITE_MIDDLE, in.psn = 0xffffff;
	replicate_case(e, &in, r, 4, 0, "WRITE_MIDDLE, PSN wrap");
}

/* The same DestQPN on every host (each host's first QP gets the same
 * number), translated copies between untranslated ones: the edge stores
 * only the octets that differ from the previous copy's, so every octet it
 * leaves alone must already be this copy's (the QPN always, the PSN and
 * RETH after a translated copy must come back). */
static void test_same_qpn(struct env *e)
{
	struct rcv r[6] = {0};
	struct inner_spec in = { .opcode = ENDMT_OP_WRITE_FIRST, .psn = 0x10, .paylen = 300,
				 .va = 0x5000, .rkey = 0x42, .udp_csum = 1, .hl = 64 };
	size_t i;

	for (i = 0; i < 6; i++)
		r[i].qpn = 17;
	r[1].xl = (struct endmt_rcv_xlate){ .psn_offset = 3, .flags = ENDMT_XL_PSN };
	r[3].xl = (struct endmt_rcv_xlate){ .flags = ENDMT_XL_RETH, .va_delta = 0x40, .rkey = 9 };
	r[4].xl = (struct endmt_rcv_xlate){ .psn_offset = -1, .flags = ENDMT_XL_PSN | ENDMT_XL_RETH,
					    .va_delta = 0x80, .rkey = 10 };
	replicate_case(e, &in, r, 6, 0, "one QPN, WRITE_FIRST, translations in between");
	in.opcode = ENDMT_OP_SEND_ONLY, in.udp_csum = 0;
	replicate_case(e, &in, r, 6, 0, "one QPN, SEND_ONLY, UDP checksum 0");
}

/* RFC 6040 normal-mode decapsulation (figure 4): a CE mark a transit link
 * put on the outer header reaches every copy when the inner packet is ECT;
 * an outer ECT(1) turns an inner ECT(0) into ECT(1); other outer values
 * change nothing; CE over Not-ECT is dropped and counted.  DSCP bits (0x68)
 * ride along to show only the ECN field moves. */
static void test_ecn(struct env *e)
{
	struct rcv r[5] = {0};
	struct inner_spec in = { .opcode = ENDMT_OP_WRITE_ONLY, .psn = 0xfffffe, .paylen = 256,
				 .va = 0x10000, .rkey = 7, .udp_csum = 1, .hl = 64,
				 .flow = 0xabcde };
	size_t i;

	for (i = 0; i < 5; i++)
		r[i].qpn = 0x200 + (uint32_t)i;
	r[3].xl = (struct endmt_rcv_xlate){ .psn_offset = 0x100, .flags = ENDMT_XL_PSN |
			ENDMT_XL_RETH, .va_delta = 0x1000, .rkey = 0x77 };
	in.tclass = 0x68 | 2, in.otclass = 0x68 | 3, in.copy_ecn = 1 + 3;
	replicate_case(e, &in, r, 5, 0, "outer CE, inner ECT(0): every copy CE");
	in.tclass = 0x68 | 1, in.otclass = 0x68 | 3, in.copy_ecn = 1 + 3, in.udp_csum = 0;
	replicate_case(e, &in, r, 5, 1, "outer CE, inner ECT(1): every copy CE");
	in.tclass = 0x68 | 3, in.otclass = 0x68 | 3, in.copy_ecn = 0;
	replicate_case(e, &in, r, 5, 0, "outer CE, inner CE: unchanged");
	in.tclass = 0x68 | 2, in.otclass = 0x68 | 2, in.udp_csum = 1;
	replicate_case(e, &in, r, 5, 0, "outer ECT(0), inner ECT(0): unchanged");
	in.tclass = 0x68 | 1, in.otclass = 0x68 | 2;
	replicate_case(e, &in, r, 5, 0, "outer ECT(0), inner ECT(1): unchanged");
	in.tclass = 0x68 | 2, in.otclass = 0x68 | 1, in.copy_ecn = 1 + 1;
	replicate_case(e, &in, r, 5, 0, "outer ECT(1), inner ECT(0): every copy ECT(1)");
	in.tclass = 0x68 | 3, in.otclass = 0x68 | 1, in.copy_ecn = 0;
	replicate_case(e, &in, r, 5, 0, "outer ECT(1), inner CE: unchanged");
	in.tclass = 0x68 | 1, in.otclass = 0x68;
	replicate_case(e, &in, r, 5, 0, "outer Not-ECT, inner ECT(1): unchanged");
	in.tclass = 0x68, in.otclass = 0x68 | 2;
	replicate_case(e, &in, r, 5, 0, "outer ECT(0), inner Not-ECT: unchanged");
	in.tclass = 0x68, in.otclass = 0x68 | 3;
	replicate_case_x(e, &in, r, 5, 0, 1, "outer CE, inner Not-ECT: dropped");
}

/* Chain mode: the outer packet goes on to SID2 (behind r2) as well. */
static void test_chain(struct env *e)
{
	static uint8_t pay[64], f[EU_MAXPKT], exp[EU_MAXPKT];
	static struct tu_frame got[16];
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_ONLY, .psn = 1, .paylen = 64, .hl = 64 };
	struct rcv r[2] = { { .qpn = 40 }, { .qpn = 41 } };
	struct eu_stats a, b;
	size_t len, n, i, outer = 0, copies = 0;

	if (!ASSERT_OK(rcv_setup(e, r, 2, 0), "receivers"))
		return;
	len = build_endmt(f, &in, pay, r, 2, 1, 0);
	chain_expected(exp, f, len);
	drain(e);
	eu_stats_read(&e->o, &a);
	ASSERT_OK(inject(e, f, len), "inject");
	n = collect(e, got, 16, 3, 3000);
	eu_stats_read(&e->o, &b);
	for (i = 0; i < n; i++) {
		if (got[i].b[20] == 43) {
			outer++;
			ASSERT_EQ(got[i].dev, 2, "outer leaves on r2");
			ASSERT_MEMEQ(got[i].b, got[i].len, exp, len, "chained outer packet");
		} else {
			copies++;
			ASSERT_TRUE(endmt_icrc_ok(got[i].b + 14, got[i].len - 14), "copy ICRC");
		}
	}
	ASSERT_EQ(outer, 1, "outer packets");
	ASSERT_EQ(copies, 2, "copies");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_CHAIN] - a.v[ENDMT_STAT_FWD_CHAIN], 1, "fwd_chain");
}

/* Injects frame f and collects what leaves: *ngot frames, counters before
 * (*a) and after (*b).  Returns how many of r[0..nr) got exactly their copy
 * (byte for byte against build_copy, on their device); -1 if inject failed. */
static int inject_match(struct env *e, const uint8_t *f, size_t len, const struct inner_spec *in,
			const uint8_t *pay, const struct rcv *r, size_t nr, struct eu_stats *a,
			struct eu_stats *b, size_t *ngot)
{
	static uint8_t exp[EU_MAXPKT];
	static struct tu_frame got[64];
	size_t i, j;
	int matched = 0;

	drain(e);
	eu_stats_read(&e->o, a);
	if (!ASSERT_OK(inject(e, f, len), "inject"))
		return -1;
	*ngot = collect(e, got, 64, nr, 3000);
	eu_stats_read(&e->o, b);
	for (i = 0; i < nr; i++) {
		size_t el = build_copy(exp, in, pay, &r[i]);

		for (j = 0; j < *ngot; j++)
			if (got[j].len == el && got[j].dev == r[i].dev && !memcmp(got[j].b, exp, el)) {
				matched++;
				break;
			}
	}
	return matched;
}

/* A TLV that lists, besides two real receivers, addresses and QPs no
 * receiver can have (include/endmt/receiver.h): the Proxy Address (a copy
 * there would reach the source's side as if it were a response),
 * multicast, ::, ::1, v4-mapped, link-local, and QPNs 0, 1, 0xffffff.
 * Only the two real receivers get copies, exact ones; each refused entry
 * is one drop_rcv_never_valid event; the packet is still consumed. */
static void test_never_valid(struct env *e)
{
	static const char *const bad_addr[] = { PROXY, "ff02::1", "::", "::1",
						"::ffff:10.0.0.1", "fe80::1" };
	static const uint32_t bad_qpn[] = { 0, 1, 0xffffff };
	static uint8_t pay[128], f[EU_MAXPKT];
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_ONLY, .psn = 77, .paylen = 128,
				 .udp_csum = 1, .hl = 64 };
	const size_t nbad = NELEM(bad_addr) + NELEM(bad_qpn);
	struct rcv r[2 + NELEM(bad_addr) + NELEM(bad_qpn)] = {0};
	struct eu_stats a, b;
	size_t i, len, ngot;
	int matched;

	r[0].qpn = 0x321, r[1].qpn = 0x322;
	if (!ASSERT_OK(rcv_setup(e, r, 2, 0), "receivers"))
		return;
	for (i = 0; i < NELEM(bad_addr); i++)
		r[2 + i].addr = endmt_in6(bad_addr[i]), r[2 + i].qpn = 0x400 + (uint32_t)i;
	for (i = 0; i < NELEM(bad_qpn); i++)
		r[2 + NELEM(bad_addr) + i].addr = r[0].addr,
		r[2 + NELEM(bad_addr) + i].qpn = bad_qpn[i];
	for (i = 0; i < in.paylen; i++)
		pay[i] = (uint8_t)(i * 7 + 3);
	len = build_endmt(f, &in, pay, r, NELEM(r), 0, 0);
	matched = inject_match(e, f, len, &in, pay, r, 2, &a, &b, &ngot);
	if (matched < 0)
		return;
	ASSERT_EQ(ngot, 2, "copies: the two real receivers only");
	ASSERT_EQ(matched, 2, "exact copies for the real receivers");
	ASSERT_EQ(b.v[ENDMT_STAT_DROP_RCV_INVALID] - a.v[ENDMT_STAT_DROP_RCV_INVALID], nbad,
		  "drop_rcv_never_valid per refused entry");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_COPY] - a.v[ENDMT_STAT_FWD_COPY], 2, "fwd_copies");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_NO_ROUTE] - a.v[ENDMT_STAT_FWD_NO_ROUTE], 0, "fwd_no_route");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_NEIGH_SLOW] - a.v[ENDMT_STAT_FWD_NEIGH_SLOW], 0,
		  "fwd_neigh_slow_path");
	ASSERT_EQ(b.v[ENDMT_STAT_ENDMT_CONSUMED] - a.v[ENDMT_STAT_ENDMT_CONSUMED], 1, "endmt_consumed");
}

/* A TLV that lists one receiver address several times (the same QP, or
 * another QPN at that address) gets one copy per address: the first
 * entry that is taken.  A refused entry before it (QPN 0 at R1's address)
 * does not hide it.  Each further entry is one drop_rcv_duplicate event. */
static void test_duplicates(struct env *e)
{
	static uint8_t pay[64], f[EU_MAXPKT];
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_ONLY, .psn = 91, .paylen = 64,
				 .udp_csum = 1, .hl = 64 };
	struct rcv r[2] = {0}, l[6];
	struct eu_stats a, b;
	size_t i, len, ngot;
	int matched;

	r[0].qpn = 0x331, r[1].qpn = 0x332;
	if (!ASSERT_OK(rcv_setup(e, r, 2, 0), "receivers"))
		return;
	l[0] = r[0], l[0].qpn = 0;	/* never valid: refused, not "taken" */
	l[1] = r[0];
	l[2] = r[0];			/* the same QP again */
	l[3] = r[1];
	l[4] = r[0], l[4].qpn = 0x999;	/* another QPN at R1's address */
	l[5] = r[1];
	for (i = 0; i < in.paylen; i++)
		pay[i] = (uint8_t)(i * 5 + 1);
	len = build_endmt(f, &in, pay, l, NELEM(l), 0, 0);
	matched = inject_match(e, f, len, &in, pay, r, 2, &a, &b, &ngot);
	if (matched < 0)
		return;
	ASSERT_EQ(ngot, 2, "copies: one per receiver address");
	ASSERT_EQ(matched, 2, "exact copies, each for the first taken entry");
	ASSERT_EQ(b.v[ENDMT_STAT_DROP_RCV_DUP] - a.v[ENDMT_STAT_DROP_RCV_DUP], 3,
		  "drop_rcv_duplicate per repeated entry");
	ASSERT_EQ(b.v[ENDMT_STAT_DROP_RCV_INVALID] - a.v[ENDMT_STAT_DROP_RCV_INVALID], 1,
		  "drop_rcv_never_valid");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_COPY] - a.v[ENDMT_STAT_FWD_COPY], 2, "fwd_copies");
	ASSERT_EQ(b.v[ENDMT_STAT_ENDMT_CONSUMED] - a.v[ENDMT_STAT_ENDMT_CONSUMED], 1, "endmt_consumed");
}

/* A frame to another host's unicast MAC reaches the edge (a shared or
 * flooding segment does that): XDP cannot know the device's MAC, TC sees
 * PACKET_OTHERHOST and makes no copy. */
static void test_other_mac(struct env *e)
{
	static const uint8_t other[6] = { 0x02, 0x99, 0, 0, 0, 0x01 };
	static uint8_t pay[64], f[EU_MAXPKT];
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_ONLY, .psn = 95, .paylen = 64,
				 .udp_csum = 1, .hl = 64 };
	struct rcv r[2] = { { .qpn = 0x351 }, { .qpn = 0x352 } };
	struct eu_stats a, b;
	size_t len, ngot;

	if (!ASSERT_OK(rcv_setup(e, r, 2, 0), "receivers"))
		return;
	inj_dmac = other;
	len = build_endmt(f, &in, pay, r, 2, 0, 0);
	inj_dmac = mac_e0;
	if (inject_match(e, f, len, &in, pay, r, 2, &a, &b, &ngot) < 0)
		return;
	ASSERT_EQ(ngot, 0, "no copies");
	ASSERT_EQ(b.v[ENDMT_STAT_DROP_OUTER_MAC] - a.v[ENDMT_STAT_DROP_OUTER_MAC], 1, "drop_outer_mac");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_COPY] - a.v[ENDMT_STAT_FWD_COPY], 0, "fwd_copies");
}

/* sid/group/records of the strict case, written or (del) removed */
static int strict_cfg(struct env *e, const struct rcv *r, size_t n, int del)
{
	int sfd = e->o.sids_fd, gfd = bpf_map__fd(e->o.skel->maps.endmt_groups),
	    rfd = bpf_map__fd(e->o.skel->maps.endmt_rcv_group);
	struct endmt_group_key gk = { .dqpn = 4660 };
	struct in6_addr px = endmt_in6(PROXY), sa = endmt_in6(SID);
	struct endmt_sid_key sk;
	struct endmt_sid sv;
	struct endmt_group g = {};
	size_t i;

	memcpy(gk.proxy, &px, 16);
	memcpy(sk.sid, &sa, 16);
	if (bpf_map_lookup_elem(sfd, &sk, &sv))
		return -errno;
	sv.flags = del ? sv.flags & ~ENDMT_SID_F_STRICT : sv.flags | ENDMT_SID_F_STRICT;
	if (bpf_map_update_elem(sfd, &sk, &sv, BPF_ANY))
		return -errno;
	if (del)
		bpf_map_delete_elem(gfd, &gk);
	else if (bpf_map_update_elem(gfd, &gk, &g, BPF_F_LOCK))
		return -errno;
	for (i = 0; i < n; i++) {
		struct endmt_rcv_key k = { .qpn = r[i].qpn };
		struct endmt_group_key rg = gk;

		memcpy(k.addr, &r[i].addr, 16);
		rg.dqpn = i == n - 1 ? 4661 : 4660;	/* the last: another group's */
		if (del)
			bpf_map_delete_elem(rfd, &k);
		else if (bpf_map_update_elem(rfd, &k, &rg, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* A strict SID (apply's default) copies only to the configured receivers
 * of the packet's group (endmt_rcv_group): a TLV naming another group's
 * receiver, or a QP nobody configured, gets no copy (drop_rcv_not_member,
 * per entry); the group's own receivers still get theirs. */
static void test_strict(struct env *e)
{
	static uint8_t pay[64], f[EU_MAXPKT];
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_ONLY, .psn = 93, .paylen = 64,
				 .udp_csum = 1, .hl = 64 };
	struct rcv r[3] = {0}, l[5];
	struct eu_stats a, b;
	size_t i, len, ngot;
	int matched;

	r[0].qpn = 0x341, r[1].qpn = 0x342, r[2].qpn = 0x343;
	if (!ASSERT_OK(rcv_setup(e, r, 3, 0), "receivers") ||
	    !ASSERT_OK(strict_cfg(e, r, 3, 0), "strict SID, group, records"))
		goto out;
	l[0] = r[0];
	l[1] = r[2];			/* a receiver of group 4661 */
	l[2] = r[1];
	l[3] = r[1], l[3].addr = endmt_in6("fd00:55::2");	/* nobody's */
	l[4] = r[0], l[4].qpn = 0x777;	/* R1's address, a QP not configured */
	l[4].addr = endmt_in6("fd00:56::2");
	for (i = 0; i < in.paylen; i++)
		pay[i] = (uint8_t)(i * 3 + 7);
	len = build_endmt(f, &in, pay, l, NELEM(l), 0, 0);
	matched = inject_match(e, f, len, &in, pay, r, 2, &a, &b, &ngot);
	if (matched < 0)
		goto out;
	ASSERT_EQ(ngot, 2, "copies: the group's two receivers only");
	ASSERT_EQ(matched, 2, "exact copies");
	ASSERT_EQ(b.v[ENDMT_STAT_DROP_RCV_MEMBER] - a.v[ENDMT_STAT_DROP_RCV_MEMBER], 3,
		  "drop_rcv_not_member per foreign entry");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_COPY] - a.v[ENDMT_STAT_FWD_COPY], 2, "fwd_copies");
out:
	ASSERT_OK(strict_cfg(e, r, 3, 1), "strict configuration removed");
}

void test_edge_veth(void)
{
	struct env e;

	if (!test__start_subtest("setup"))
		return;
	exp_f = fopen(EXP_OUT, "w");
	if (!ASSERT_OK(env_up(&e), "netns/veth/XDP/TC setup")) {
		env_down(&e);
		return;
	}
	if (test__start_subtest("five_receivers"))
		test_five(&e);
	if (test__start_subtest("fourteen_receivers_two_tlvs"))
		test_twelve(&e);
	if (test__start_subtest("multicast_mac_no_neighbour"))
		test_mcast_no_neigh(&e);
	if (test__start_subtest("gro_forwarding_refused"))
		edge_veth_gro(&e);
	if (test__start_subtest("psn_wrap_reth_xlate"))
		test_xlate(&e);
	if (test__start_subtest("same_qpn_mixed_xlate"))
		test_same_qpn(&e);
	if (test__start_subtest("chain_mode"))
		test_chain(&e);
	if (test__start_subtest("ecn_rfc6040"))
		test_ecn(&e);
	if (test__start_subtest("never_valid_receivers"))
		test_never_valid(&e);
	if (test__start_subtest("other_host_mac"))
		test_other_mac(&e);
	if (test__start_subtest("strict_receivers"))
		test_strict(&e);
	if (test__start_subtest("duplicate_receivers"))
		test_duplicates(&e);
	if (exp_f) {
		fclose(exp_f);
		exp_f = NULL;
	}
	tu_pcap_write(PCAP_OUT, (const uint8_t *const *)pc_pkts, pc_lens, pc_n);
	while (pc_n)
		free(pc_pkts[--pc_n]);
	if (test__start_subtest("fuzz_through_veth"))
		edge_veth_fuzz(&e);
	env_down(&e);
}
