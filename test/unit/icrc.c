/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ICRC: the full computation against real rxe captures, and the data path's
 * incremental update (include/endmt/icrc.h) against the full computation for
 * random packets and rewrites of every field the data path touches. */
#include <stdlib.h>
#include <arpa/inet.h>
#include "test_progs.h"
#include "endmt/icrc.h"
#include "endmt/roce.h"
#include "icrc_full.h"
#include "pkt.h"

/* Real rdma_rxe captures (Debian 6.1, IPv6 global GIDs): test/data/README. */
#define CAPTURE_DIR "test/data/"

/* Walks a classic pcap and checks every IPv6/UDP/4791 frame's ICRC. */
static int check_capture(const char *path, int *checked)
{
	uint8_t gh[24], rh[16], *buf = malloc(65536);
	FILE *f = fopen(path, "r");
	int bad = 0;

	*checked = 0;
	if (!f || !buf || fread(gh, 1, sizeof(gh), f) != sizeof(gh)) {
		if (f)
			fclose(f);
		free(buf);
		return -1;
	}
	while (fread(rh, 1, sizeof(rh), f) == sizeof(rh)) {
		uint32_t caplen = rh[8] | rh[9] << 8 | rh[10] << 16 | (uint32_t)rh[11] << 24;
		const uint8_t *ip6 = buf + ENDMT_ETH_HLEN;

		if (caplen > 65536 || fread(buf, 1, caplen, f) != caplen)
			break;
		if (caplen < 14 + 40 + 8 + 12 + 4 || buf[12] != 0x86 || buf[13] != 0xdd ||
		    ip6[6] != 17 || (ip6[42] << 8 | ip6[43]) != ENDMT_ROCE_PORT)
			continue;
		(*checked)++;
		if (!endmt_icrc_ok(ip6, 40 + (ip6[4] << 8 | ip6[5])))
			bad++;
	}
	fclose(f);
	free(buf);
	return bad;
}

static void test_captures(void)
{
	static const char *files[] = {
		CAPTURE_DIR "rxe-ipv6-pingpong.pcap",
		CAPTURE_DIR "rxe-ipv6-write-bw-tclass.pcap",
		CAPTURE_DIR "rxe-ipv6-send-bw.pcap",
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int n = 0, bad;

		if (!test__start_subtest(strrchr(files[i], '/') + 1))
			continue;
		bad = check_capture(files[i], &n);
		ASSERT_EQ(bad, 0, "packets with a wrong ICRC");
		ASSERT_GE(n, 10, "RoCEv2 packets in the capture");
	}
}

static uint32_t rd_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The incremental update as the data path does it, with the shared code:
 * raw CRC of the delta window, shifted by the octets after it. */
static uint32_t incremental(uint32_t old_icrc, const uint8_t *oldw,
			    const uint8_t *neww, size_t wlen, size_t tail)
{
	uint32_t raw = 0;
	size_t i;

	for (i = 0; i < wlen; i++)
		raw = endmt_crc32_byte(raw, oldw[i] ^ neww[i]);
	return old_icrc ^ endmt_icrc_shift(raw, (uint32_t)tail);
}

static void test_incremental(void)
{
	static uint8_t pay[9000], a[10000], b[10000];
	int iter, fails = 0, n = 0;

	srand(1234);
	for (iter = 0; iter < 4000; iter++) {
		struct endmt_roce_spec s = {0};
		size_t paylen = (size_t)(rand() % 4200), i, len, wstart, wend;
		uint8_t *ip6a = a + ENDMT_ETH_HLEN, *ip6b = b + ENDMT_ETH_HLEN;
		int field = rand() % 5, l;

		for (i = 0; i < paylen; i++)
			pay[i] = (uint8_t)rand();
		for (i = 0; i < 16; i++) {
			s.saddr.s6_addr[i] = (uint8_t)rand();
			s.daddr.s6_addr[i] = (uint8_t)rand();
		}
		s.opcode = field == 3 ? ENDMT_OP_WRITE_FIRST : ENDMT_OP_SEND_ONLY;
		s.has_reth = field == 3;
		s.reth_va = (uint64_t)rand() << 32 | (uint32_t)rand();
		s.reth_rkey = (uint32_t)rand();
		s.dqpn = (uint32_t)rand() & 0xffffff;
		s.psn = (uint32_t)rand() & 0xffffff;
		s.tclass = (uint8_t)rand();
		s.payload = pay;
		s.paylen = paylen;
		l = endmt_build_roce(a, sizeof(a), &s);
		if (!ASSERT_GE(l, 0, "build"))
			return;
		len = (size_t)l - ENDMT_ETH_HLEN;
		memcpy(b, a, (size_t)l);
		/* Rewrite one field set, as head/edge/response paths do. */
		switch (field) {
		case 0: /* edge: DA and DestQPN */
			for (i = 0; i < 16; i++)
				ip6b[24 + i] = (uint8_t)rand();
			ip6b[53] = (uint8_t)rand(), ip6b[54] = (uint8_t)rand(), ip6b[55] = (uint8_t)rand();
			wstart = 24, wend = 56;
			break;
		case 1: /* head: SA */
			for (i = 0; i < 16; i++)
				ip6b[8 + i] = (uint8_t)rand();
			wstart = 8, wend = 24;
			break;
		case 2: /* PSN offset */
			ip6b[57] = (uint8_t)rand(), ip6b[58] = (uint8_t)rand(), ip6b[59] = (uint8_t)rand();
			wstart = 56, wend = 60;
			break;
		case 3: /* RETH va + rkey, and DA/QPN, one window */
			for (i = 0; i < 12; i++)
				ip6b[60 + i] = (uint8_t)rand();
			for (i = 0; i < 16; i++)
				ip6b[24 + i] = (uint8_t)rand();
			wstart = 24, wend = 76;
			break;
		default: /* masked fields only: TC/FL/HL, UDP csum, FECN/BECN */
			ip6b[1] ^= (uint8_t)rand(), ip6b[7] = (uint8_t)rand();
			ip6b[46] = (uint8_t)rand(), ip6b[52] = (uint8_t)rand();
			wstart = 0, wend = 0;
			break;
		}
		{
			uint32_t old = rd_le32(ip6a + len - 4);
			uint32_t got = incremental(old, ip6a + wstart, ip6b + wstart,
						   wend - wstart, len - 4 - wend);
			/* masked octets must not enter the delta */
			uint32_t want = endmt_icrc_compute(ip6b, len);

			if (field == 4 && got != old)
				fails++;
			if (got != want)
				fails++;
			n++;
		}
	}
	ASSERT_EQ(fails, 0, "incremental ICRC != full recomputation");
	ASSERT_EQ(n, 4000, "cases run");
}

/* The table-driven product (endmt_crc32_mul_by, the edge's per-copy
 * shift) against the bitwise one, over random and edge-case operands, and
 * as the edge uses it: the delta's raw CRC with the unchanged octets
 * between the rewritten fields as zero steps, shifted by the table. */
static void test_mul_table(void)
{
	static const uint32_t special[] = { 0, 1, 0x80000000u, 0xffffffffu, ENDMT_CRC32_POLY };
	struct endmt_crc32_mul m;
	int iter, fails = 0, n = 0;
	size_t i, j;

	for (i = 0; i < 5; i++) {
		for (j = 0; j < 5; j++) {
			endmt_crc32_mul_init(&m, special[j]);
			fails += endmt_crc32_mul_by(&m, special[i]) !=
				 endmt_crc32_mulmod(special[i], special[j]);
			n++;
		}
	}
	srand(4321);
	for (iter = 0; iter < 100000; iter++) {
		uint32_t a = (uint32_t)rand() << 16 ^ (uint32_t)rand();
		uint32_t b = (uint32_t)rand() << 16 ^ (uint32_t)rand();

		endmt_crc32_mul_init(&m, b);
		fails += endmt_crc32_mul_by(&m, a) != endmt_crc32_mulmod(a, b);
		n++;
	}
	ASSERT_EQ(fails, 0, "table product != bitwise product");
	ASSERT_EQ(n, 100025, "products compared");

	/* 52-octet window, delta nonzero only in DA 0-15, QPN 29-31, PSN
	 * 33-35, RETH 36-47: the sparse walk equals the dense one */
	fails = 0;
	for (iter = 0; iter < 2000; iter++) {
		uint8_t d[52] = {0};
		uint32_t dense = 0, sparse = 0, tail = (uint32_t)rand() % 9000;

		for (i = 0; i < 52; i++)
			if (i < 16 || (i >= 29 && i < 32) || (i >= 33 && i < 48))
				d[i] = (uint8_t)rand();
		for (i = 0; i < 52; i++)
			dense = endmt_crc32_byte(dense, d[i]);
		for (i = 0; i < 52; i++)
			sparse = d[i] || (i < 16 || (i >= 29 && i < 32) || (i >= 33 && i < 48)) ?
				 endmt_crc32_byte(sparse, d[i]) :
				 endmt_crc32_table[sparse & 0xff] ^ (sparse >> 8);
		endmt_crc32_mul_init(&m, endmt_crc32_x8n(tail));
		fails += endmt_crc32_mul_by(&m, sparse) != endmt_icrc_shift(dense, tail);
	}
	ASSERT_EQ(fails, 0, "sparse window walk + table shift != dense walk + bitwise shift");
}

void test_icrc(void)
{
	test_captures();
	if (test__start_subtest("incremental_vs_full"))
		test_incremental();
	if (test__start_subtest("mul_table_vs_bitwise"))
		test_mul_table();
}
