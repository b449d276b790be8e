/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* lib/tlv.c: SRH/End.MT TLV encoder and parser.  Encodes 1, 11, 12, 30
 * receivers, checks the bytes against a hand-computed layout, round-trips
 * through the parser, and makes the parser reject lying lengths. */
#include <errno.h>
#include "test_progs.h"
#include "endmt/srh.h"
#include "tlv.h"
#include "pkt.h"

static void rcvs(struct endmt_rcv_ent *r, size_t n)
{
	size_t i;
	char a[64];

	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "fd00:11::%zx", i + 1);
		r[i].addr = endmt_in6(a);
		r[i].qpn = 0x10000 + (uint32_t)i;
	}
}

static void roundtrip(size_t n)
{
	struct endmt_rcv_ent r[32], got;
	struct endmt_edge_ent e[2];
	struct in6_addr segs[2] = { endmt_in6("fd00:ff::1"), endmt_in6("ff3e::4d54") };
	struct endmt_tlv_view v[16];
	uint8_t srh[2048];
	size_t i, k, tlvs = (n + 10) / 11, want_len, seen = 0;
	int len, nt;

	rcvs(r, n);
	e[0].edge = endmt_in6("fd00:1::1"), e[0].nrcv = n, e[0].rcv = r;
	e[1].edge = endmt_in6("fd00:2::1"), e[1].nrcv = 1, e[1].rcv = r;
	len = endmt_srh_build(srh, sizeof(srh), 41, segs, 2, 1, e, 2, 124);
	want_len = 8 + 32 + tlvs * 24 + n * 20 + 24 + 20;
	want_len += (8 - want_len % 8) % 8;
	if (!ASSERT_EQ(len, want_len, "SRH length"))
		return;
	ASSERT_EQ(srh[1], want_len / 8 - 1, "Hdr Ext Len");
	ASSERT_EQ(srh[3], 1, "Segments Left");
	ASSERT_EQ(srh[4], 1, "Last Entry");
	ASSERT_EQ(srh[40], 124, "first TLV type");
	ASSERT_EQ(srh[41], 22 + 20 * (n < 11 ? n : 11), "first TLV length");
	ASSERT_EQ(srh[40 + 20], n < 11 ? n : 11, "first TLV Num Receivers");
	nt = endmt_srh_parse(srh, (size_t)len, 124, v, 16);
	if (!ASSERT_EQ(nt, tlvs + 1, "TLVs parsed"))
		return;
	for (k = 0; k < (size_t)nt; k++) {
		if (memcmp(&v[k].edge, &e[0].edge, 16))
			continue;
		for (i = 0; i < v[k].nrcv; i++, seen++) {
			endmt_tlv_rcv(&v[k], i, &got);
			ASSERT_MEMEQ(&got.addr, 16, &r[seen].addr, 16, "receiver address");
			ASSERT_EQ(got.qpn, r[seen].qpn, "receiver QPN");
		}
	}
	ASSERT_EQ(seen, n, "receivers round-tripped");
	/* a TLV type the parser is not told about is skipped */
	ASSERT_EQ(endmt_srh_parse(srh, (size_t)len, 125, v, 16), 0, "other type skipped");
}

static void test_padding(void)
{
	/* 1 receiver: 8 + 16 + 24 + 20 = 68 -> PadN of 4 (2 + 2 zeros);
	 * with 2 segments 84 -> PadN 4; craft a Pad1 case by hand below. */
	struct endmt_rcv_ent r[1];
	struct endmt_edge_ent e = { .nrcv = 1, .rcv = r };
	struct in6_addr seg = endmt_in6("fd00:ff::1");
	struct endmt_tlv_view v[2];
	uint8_t srh[256];
	int len;

	rcvs(r, 1);
	e.edge = endmt_in6("fd00:1::1");
	len = endmt_srh_build(srh, sizeof(srh), 41, &seg, 1, 0, &e, 1, 124);
	ASSERT_EQ(len, 72, "1 segment, 1 receiver: 68 + PadN 4");
	ASSERT_EQ(srh[68], ENDMT_TLV_PADN, "PadN type");
	ASSERT_EQ(srh[69], 2, "PadN length");
	ASSERT_EQ(endmt_srh_parse(srh, 72, 124, v, 2), 1, "parse with PadN");
	/* Pad1 x4 in place of PadN parses the same */
	memset(srh + 68, ENDMT_TLV_PAD1, 4);
	ASSERT_EQ(endmt_srh_parse(srh, 72, 124, v, 2), 1, "parse with Pad1s");
}

static void test_lies(void)
{
	struct endmt_rcv_ent r[12];
	struct endmt_edge_ent e = { .nrcv = 12, .rcv = r };
	struct in6_addr segs[2] = { endmt_in6("fd00:ff::1"), endmt_in6("ff3e::4d54") };
	struct endmt_tlv_view v[4];
	uint8_t srh[1024], b[1024];
	int len;

	rcvs(r, 12);
	e.edge = endmt_in6("fd00:1::1");
	len = endmt_srh_build(srh, sizeof(srh), 41, segs, 2, 1, &e, 1, 124);
	if (!ASSERT_GE(len, 0, "build"))
		return;
	ASSERT_EQ(endmt_srh_parse(srh, (size_t)len, 124, v, 4), 2, "valid");
	ASSERT_EQ(endmt_srh_parse(srh, (size_t)len, 124, v, 1), -ENOSPC, "more TLVs than room");
#define LIE(off, val, what) do {					\
		memcpy(b, srh, (size_t)len);				\
		b[off] = (uint8_t)(val);				\
		ASSERT_EQ(endmt_srh_parse(b, (size_t)len, 124, v, 4), -EBADMSG, what); \
	} while (0)
	LIE(1, srh[1] + 1, "Hdr Ext Len past the buffer");
	LIE(4, 60, "Last Entry past the SRH");
	LIE(3, 2, "Segments Left above Last Entry");
	LIE(2, 3, "routing type not SRH");
	LIE(40 + 1, srh[41] + 20, "TLV length without receivers");
	LIE(40 + 20, 10, "Num Receivers below the length");
	LIE(40 + 1, 250, "TLV length past the SRH");
	LIE(40 + 1, 10, "TLV too short for End.MT");
#undef LIE
	ASSERT_EQ(endmt_srh_parse(srh, 7, 124, v, 4), -EBADMSG, "shorter than the fixed part");
	ASSERT_EQ(endmt_srh_parse(srh, (size_t)len - 8, 124, v, 4), -EBADMSG, "truncated");
	/* encoder refusals */
	r[0].qpn = 0x1000000;
	ASSERT_EQ(endmt_srh_build(b, sizeof(b), 41, segs, 2, 1, &e, 1, 124), -EINVAL, "QPN > 24 bits");
	r[0].qpn = 1;
	ASSERT_EQ(endmt_srh_build(b, 100, 41, segs, 2, 1, &e, 1, 124), -E2BIG, "no room");
	ASSERT_EQ(endmt_srh_build(b, sizeof(b), 41, segs, 2, 2, &e, 1, 124), -EINVAL, "SL >= segments");
}

void test_tlv(void)
{
	static const size_t ns[] = { 1, 11, 12, 30 };
	size_t i;
	char name[32];

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		snprintf(name, sizeof(name), "roundtrip_%zu", ns[i]);
		if (test__start_subtest(name))
			roundtrip(ns[i]);
	}
	if (test__start_subtest("padding"))
		test_padding();
	if (test__start_subtest("lying_lengths"))
		test_lies();
}
