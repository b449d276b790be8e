/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* HMAC-SHA256 of include/endmt/sha256.h, run twice: by the BPF program
 * test/bpf/hmac.bpf.c under BPF_PROG_TEST_RUN and compiled natively
 * (lib/srh_hmac.c), against
 *   - FIPS 180-2 Appendix B (SHA-256) and RFC 4231 §4 (HMAC-SHA256, cases
 *     1-4, 6, 7; case 5 is a truncation to 128 bits, which RFC 8754's
 *     32-octet field never needs): the published values, here;
 *   - each other, for texts of every padding boundary and of the RFC 8754
 *     HMAC text (lib/srh_hmac.c) of sample SRHs of 1, 2, 5 and 16
 *     segments, both modes.
 * The independent check of the SRH cases is test/py/test_hmac.py: with
 * ENDMT_HMAC_DUMP=FILE set, every case is written there (one line each:
 * its inputs and both MACs), and Python's hmac/hashlib and its own text
 * builder (test/py/endmt_oracle.py) recompute them.  With
 * ENDMT_HMAC_KERNEL=FILE (test_hmac.py writes it: "SA SRH KEY" in hex per
 * line, SRHs the Linux kernel's seg6 HMAC wrote), subtest kernel_seg6
 * checks each HMAC field against lib/srh_hmac.c and the BPF program. */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "test_progs.h"
#include "testutil.h"
#include "endmt/srh.h"
#include "endmt/sha256.h"
#include "srh_hmac.h"
#include "tlv.h"
#include "pkt.h"
#include "test_hmac.skel.h"

/* test/bpf/hmac.bpf.c: the text starts after a 14-octet header */
#define TEXT_OFF 14

struct hmac_fx {
	struct endmt_test_hmac *skel;
	char pin[64];
	FILE *dump;			/* ENDMT_HMAC_DUMP, or NULL */
};

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	if (!n)
		fputc('-', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static size_t unhex(uint8_t *out, const char *s)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2)
		sscanf(s, "%2hhx", &out[n++]);
	return n;
}

/* HMAC of text by the BPF program with the pads of key.  0 or -errno
 * (-EPERM: the program refused the text, XDP_DROP). */
static int bpf_hmac(struct hmac_fx *fx, const struct endmt_hmac_pads *p,
		    const uint8_t *text, size_t len, uint8_t *mac)
{
	static uint8_t frame[TEXT_OFF + ENDMT_HMAC_TEXT_MAX + 64], out[sizeof(frame)];
	struct {
		uint32_t len;
		uint8_t mac[ENDMT_SHA256_LEN];
	} res = { 0 };
	uint32_t zero = 0, ret;
	size_t out_len = sizeof(out);
	int err;

	if (len + TEXT_OFF > sizeof(frame))
		return -E2BIG;
	err = bpf_map_update_elem(bpf_map__fd(fx->skel->maps.hmac_pads), &zero, p, 0);
	if (!err)
		err = bpf_map_update_elem(bpf_map__fd(fx->skel->maps.hmac_out), &zero, &res, 0);
	if (err)
		return -errno;
	memset(frame, 0, TEXT_OFF);
	memcpy(frame + TEXT_OFF, text, len);
	err = tu_prog_run(bpf_program__fd(fx->skel->progs.endmt_test_hmac), frame,
			  TEXT_OFF + len, out, &out_len, &ret);
	if (err)
		return err;
	if (ret != XDP_PASS)
		return -EPERM;
	if (bpf_map_lookup_elem(bpf_map__fd(fx->skel->maps.hmac_out), &zero, &res))
		return -errno;
	if (res.len != len)
		return -EIO;
	memcpy(mac, res.mac, sizeof(res.mac));
	return 0;
}

/* One text through both, the dump line "hmac NAME KEY TEXT BPF NATIVE". */
static bool hmac_both(struct hmac_fx *fx, const char *name, const uint8_t *key,
		      size_t keylen, const uint8_t *text, size_t len, uint8_t *mac)
{
	struct endmt_hmac_pads p;
	uint8_t bmac[ENDMT_SHA256_LEN];

	endmt_hmac_pads_init(&p, key, keylen);
	if (!ASSERT_OK(endmt_hmac_text(&p, text, len, mac), "native HMAC") ||
	    !ASSERT_OK(bpf_hmac(fx, &p, text, len, bmac), "BPF HMAC"))
		return false;
	if (fx->dump) {
		fprintf(fx->dump, "hmac %s ", name);
		hex(fx->dump, key, keylen), fputc(' ', fx->dump);
		hex(fx->dump, text, len), fputc(' ', fx->dump);
		hex(fx->dump, bmac, sizeof(bmac)), fputc(' ', fx->dump);
		hex(fx->dump, mac, ENDMT_SHA256_LEN), fputc('\n', fx->dump);
	}
	return ASSERT_MEMEQ(bmac, sizeof(bmac), mac, ENDMT_SHA256_LEN, "BPF MAC == native MAC");
}

/* FIPS 180-2 Appendix B.1, B.2 and the empty message: plain SHA-256,
 * natively (the BPF program only does HMAC). */
static void test_sha256(struct hmac_fx *fx)
{
	static const struct {
		const char *name, *msg, *digest;
	} cases[] = {
		{ "empty", "",
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "fips_b1", "abc",
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "fips_b2", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	uint8_t got[ENDMT_SHA256_LEN], want[ENDMT_SHA256_LEN];
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		char sub[64];

		snprintf(sub, sizeof(sub), "sha256_%s", cases[i].name);
		if (!test__start_subtest(sub))
			continue;
		endmt_sha256_digest((const uint8_t *)cases[i].msg, strlen(cases[i].msg), got);
		unhex(want, cases[i].digest);
		ASSERT_MEMEQ(got, sizeof(got), want, sizeof(want), "SHA-256 digest");
		if (fx->dump) {
			fprintf(fx->dump, "sha256 %s ", cases[i].name);
			hex(fx->dump, (const uint8_t *)cases[i].msg, strlen(cases[i].msg));
			fputc(' ', fx->dump), hex(fx->dump, got, sizeof(got));
			fputc('\n', fx->dump);
		}
	}
}

/* RFC 4231 §4.2-4.5, 4.7, 4.8: key, data, HMAC-SHA-256 as published. */
static void test_rfc4231(struct hmac_fx *fx)
{
	static const struct {
		const char *name;
		uint8_t key_octet;	/* key = key_len x key_octet, 0: key_hex */
		size_t key_len;
		const char *key_hex;
		uint8_t data_octet;	/* data = data_len x data_octet, 0: data */
		size_t data_len;
		const char *data, *mac;
	} cases[] = {
		{ "rfc4231_1", 0x0b, 20, NULL, 0, 0, "Hi There",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ "rfc4231_2", 0, 0, "4a656665", 0, 0, "what do ya want for nothing?",
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ "rfc4231_3", 0xaa, 20, NULL, 0xdd, 50, NULL,
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ "rfc4231_4", 0, 0, "0102030405060708090a0b0c0d0e0f10111213141516171819",
		  0xcd, 50, NULL,
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
		{ "rfc4231_6", 0xaa, 131, NULL, 0, 0,
		  "Test Using Larger Than Block-Size Key - Hash Key First",
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
		{ "rfc4231_7", 0xaa, 131, NULL, 0, 0,
		  "This is a test using a larger than block-size key and a larger than "
		  "block-size data. The key needs to be hashed before being used by the "
		  "HMAC algorithm.",
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	};
	uint8_t key[256], data[256], mac[ENDMT_SHA256_LEN], want[ENDMT_SHA256_LEN];
	size_t i, kl, dl;

	for (i = 0; i < NELEM(cases); i++) {
		if (!test__start_subtest(cases[i].name))
			continue;
		if (cases[i].key_hex) {
			kl = unhex(key, cases[i].key_hex);
		} else {
			kl = cases[i].key_len;
			memset(key, cases[i].key_octet, kl);
		}
		if (cases[i].data) {
			dl = strlen(cases[i].data);
			memcpy(data, cases[i].data, dl);
		} else {
			dl = cases[i].data_len;
			memset(data, cases[i].data_octet, dl);
		}
		unhex(want, cases[i].mac);
		if (hmac_both(fx, cases[i].name, key, kl, data, dl, mac))
			ASSERT_MEMEQ(mac, sizeof(mac), want, sizeof(want), "RFC 4231 HMAC-SHA-256");
	}
}

/* Every padding case: the 0x80 and the bit count in one block or two, a
 * text of whole blocks, the longest text; and one octet more is refused. */
static void test_lengths(struct hmac_fx *fx)
{
	static const size_t lens[] = {
		0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 183, 184, 1000,
		ENDMT_HMAC_TEXT_MAX - 56, ENDMT_HMAC_TEXT_MAX,
	};
	static uint8_t text[ENDMT_HMAC_TEXT_MAX + 1];
	static const uint8_t key[] = "endmt lengths key";
	struct endmt_hmac_pads p;
	uint8_t mac[ENDMT_SHA256_LEN];
	size_t i;

	for (i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)(i * 7 + 3);
	if (test__start_subtest("lengths")) {
		for (i = 0; i < NELEM(lens); i++) {
			char name[32];

			snprintf(name, sizeof(name), "len_%zu", lens[i]);
			if (!hmac_both(fx, name, key, sizeof(key) - 1, text, lens[i], mac))
				tp_fail(__FILE__, __LINE__, "text of %zu octets", lens[i]);
		}
	}
	if (test__start_subtest("over_max_refused")) {
		endmt_hmac_pads_init(&p, key, sizeof(key) - 1);
		ASSERT_EQ(endmt_hmac_text(&p, text, sizeof(text), mac), -E2BIG,
			  "native, ENDMT_HMAC_TEXT_MAX + 1");
		ASSERT_EQ(bpf_hmac(fx, &p, text, sizeof(text), mac), -EPERM,
			  "BPF, ENDMT_HMAC_TEXT_MAX + 1 (XDP_DROP)");
	}
}

/* A sample SRH: nseg segments fd00:5::1.., SL nseg - 1, flags 0xa5, End.MT
 * TLVs for edge fd00:1::1 (nrcv_a receivers) and fd00:2::1 (nrcv_b), the
 * builder's padding, then the HMAC TLV.  Length, or -errno. */
static int sample_srh(uint8_t *srh, size_t cap, size_t nseg, size_t nrcv_a,
		      size_t nrcv_b, uint32_t key_id)
{
	struct in6_addr segs[16];
	struct endmt_rcv_ent r[32];
	struct endmt_edge_ent e[2] = {
		{ .edge = endmt_in6("fd00:1::1"), .nrcv = nrcv_a, .rcv = r },
		{ .edge = endmt_in6("fd00:2::1"), .nrcv = nrcv_b, .rcv = r + nrcv_a },
	};
	char a[64];
	size_t i;
	int len;

	if (nseg > NELEM(segs) || nrcv_a + nrcv_b > NELEM(r))
		return -EINVAL;
	for (i = 0; i < nseg; i++) {
		snprintf(a, sizeof(a), "fd00:5::%zx", i + 1);
		segs[i] = endmt_in6(a);
	}
	for (i = 0; i < nrcv_a + nrcv_b; i++) {
		snprintf(a, sizeof(a), "fd00:f::%zx", i + 1);
		r[i].addr = endmt_in6(a);
		r[i].qpn = 0x100 + (uint32_t)i;
	}
	len = endmt_srh_build(srh, cap, ENDMT_NEXTHDR_IPV6, segs, nseg, (uint8_t)(nseg - 1),
			      e, nrcv_b ? 2 : 1, ENDMT_TLV_ENDMT_DEFAULT);
	if (len < 0)
		return len;
	((struct endmt_srh *)srh)->flags = 0xa5;
	return endmt_srh_add_hmac(srh, cap, (size_t)len, key_id);
}

/* The End.MT TLVs' octets: what the extended text adds. */
static size_t mt_tlv_octets(size_t nrcv)
{
	size_t n = 0;

	while (nrcv) {
		size_t k = nrcv < ENDMT_MT_TLV_MAX_RCV ? nrcv : ENDMT_MT_TLV_MAX_RCV;

		n += sizeof(struct endmt_mt_tlv) + k * sizeof(struct endmt_mt_rcv);
		nrcv -= k;
	}
	return n;
}

/* The sample SRHs: RFC 8754 and extended text, HMAC written by
 * endmt_srh_hmac_set(), recomputed by the BPF program over the text. */
static void test_srh(struct hmac_fx *fx)
{
	static const struct {
		size_t nseg, nrcv_a, nrcv_b, keylen;
		uint32_t key_id;
	} cases[] = {
		{ 1, 1, 0, 16, 1 },
		{ 2, 3, 0, 32, 0x01020304 },
		{ 5, 11, 1, 64, 0xfffffffe },
		{ 16, 12, 2, 100, 7 },
	};
	static const char *const modes[] = { "rfc8754", "extended" };
	uint8_t srh[2048], text[ENDMT_HMAC_TEXT_MAX], key[128];
	uint8_t mac[ENDMT_SHA256_LEN], bmac[ENDMT_SHA256_LEN];
	struct in6_addr sa = endmt_in6("fd00:10::2");
	struct endmt_hmac_pads p;
	size_t i, j, m;

	for (i = 0; i < NELEM(cases); i++) {
		for (m = 0; m < NELEM(modes); m++) {
			size_t want_len = 16 + 1 + 1 + 4 + 16 * cases[i].nseg;
			char name[64];
			int len, tlen, off;

			snprintf(name, sizeof(name), "srh_%zuseg_%s", cases[i].nseg, modes[m]);
			if (!test__start_subtest(name))
				continue;
			for (j = 0; j < cases[i].keylen; j++)
				key[j] = (uint8_t)(0x40 + i + j);
			endmt_hmac_pads_init(&p, key, cases[i].keylen);
			len = sample_srh(srh, sizeof(srh), cases[i].nseg, cases[i].nrcv_a,
					 cases[i].nrcv_b, cases[i].key_id);
			if (!ASSERT_GE(len, 0, "sample SRH"))
				continue;
			if (!ASSERT_OK(endmt_srh_hmac_set(sa.s6_addr, srh, (size_t)len,
							  (enum endmt_hmac_mode)m, &p), "HMAC set"))
				continue;
			off = endmt_srh_hmac_tlv(srh, (size_t)len);
			tlen = endmt_srh_hmac_text(sa.s6_addr, srh, (size_t)len,
						   (enum endmt_hmac_mode)m, text, sizeof(text));
			/* extended: + every SRH octet after the Segment List */
			if (m == ENDMT_HMAC_EXTENDED)
				want_len = 16 + 1 + 1 + 4 + (size_t)len - sizeof(struct endmt_srh);
			if (!ASSERT_EQ(tlen, want_len, "text length") ||
			    !ASSERT_EQ(off, len - (int)(sizeof(struct endmt_hmac_tlv) + ENDMT_SHA256_LEN),
				       "HMAC TLV last"))
				continue;
			/* RFC 8754 §2.1.2.1 order: SA, Last Entry, Flags, Key ID, segments */
			ASSERT_MEMEQ(text, 16, &sa, 16, "text: source address");
			ASSERT_EQ(text[16], cases[i].nseg - 1, "text: Last Entry");
			ASSERT_EQ(text[17], 0xa5, "text: Flags");
			ASSERT_MEMEQ(text + 18, 4,
				     srh + off + offsetof(struct endmt_hmac_tlv, key_id), 4,
				     "text: HMAC Key ID");
			ASSERT_MEMEQ(text + 22, 16 * cases[i].nseg, srh + sizeof(struct endmt_srh),
				     16 * cases[i].nseg, "text: Segment List");
			memcpy(mac, srh + off + sizeof(struct endmt_hmac_tlv), sizeof(mac));
			if (!ASSERT_OK(bpf_hmac(fx, &p, text, (size_t)tlen, bmac), "BPF HMAC"))
				continue;
			ASSERT_MEMEQ(bmac, sizeof(bmac), mac, sizeof(mac), "BPF MAC == HMAC TLV");
			ASSERT_TRUE(endmt_hmac_equal(bmac, mac), "endmt_hmac_equal, equal");
			for (j = 0; j < 2; j++) {
				bmac[j ? ENDMT_SHA256_LEN - 1 : 0] ^= (uint8_t)(j ? 0x80 : 1);
				ASSERT_FALSE(endmt_hmac_equal(bmac, mac), "endmt_hmac_equal, one bit off");
				bmac[j ? ENDMT_SHA256_LEN - 1 : 0] ^= (uint8_t)(j ? 0x80 : 1);
			}
			if (fx->dump) {
				fprintf(fx->dump, "srh %s %s ", name, modes[m]);
				hex(fx->dump, sa.s6_addr, 16), fputc(' ', fx->dump);
				hex(fx->dump, srh, (size_t)len), fputc(' ', fx->dump);
				hex(fx->dump, key, cases[i].keylen), fputc(' ', fx->dump);
				hex(fx->dump, text, (size_t)tlen), fputc(' ', fx->dump);
				hex(fx->dump, bmac, sizeof(bmac)), fputc(' ', fx->dump);
				hex(fx->dump, mac, sizeof(mac)), fputc('\n', fx->dump);
			}
		}
	}
}

/* Segments Left (changed on every hop) is in neither text; padding is in
 * the extended text only (every octet after the Segment List): the
 * 2-segment sample with its PadN (4 octets) as four Pad1 has the same
 * RFC 8754 text and another extended one.  The extended text holds the
 * HMAC TLV with its HMAC field as zeros. */
static void test_srh_padding(void)
{
	uint8_t a[512], b[512], ta[ENDMT_HMAC_TEXT_MAX], tb[ENDMT_HMAC_TEXT_MAX];
	uint8_t sa[16] = { 0xfd, 0, 0, 0x10, [15] = 2 }, zero[ENDMT_SHA256_LEN] = { 0 };
	int len = sample_srh(a, sizeof(a), 2, 3, 0, 9), off, m, la, lb;
	struct endmt_srh *h = (struct endmt_srh *)b;

	if (!ASSERT_GE(len, 0, "sample SRH"))
		return;
	/* 8 + 32 + 24 + 3 * 20 = 124: the builder padded with a PadN of 4 */
	off = 8 + 32 + (int)mt_tlv_octets(3);
	if (!ASSERT_EQ(a[off], ENDMT_TLV_PADN, "PadN after the End.MT TLV"))
		return;
	memset(a + len - ENDMT_SHA256_LEN, 0xee, ENDMT_SHA256_LEN);	/* an HMAC field */
	memcpy(b, a, (size_t)len);
	h->segments_left = 0;
	for (m = ENDMT_HMAC_RFC8754; m <= ENDMT_HMAC_EXTENDED; m++) {
		la = endmt_srh_hmac_text(sa, a, (size_t)len, (enum endmt_hmac_mode)m, ta, sizeof(ta));
		lb = endmt_srh_hmac_text(sa, b, (size_t)len, (enum endmt_hmac_mode)m, tb, sizeof(tb));
		ASSERT_GE(la, 0, "text");
		ASSERT_MEMEQ(tb, (size_t)(lb < 0 ? 0 : lb), ta, (size_t)(la < 0 ? 0 : la),
			     "text with SL 0");
	}
	la = endmt_srh_hmac_text(sa, a, (size_t)len, ENDMT_HMAC_EXTENDED, ta, sizeof(ta));
	if (ASSERT_EQ(la, 22 + len - 8, "extended text length"))
		ASSERT_MEMEQ(ta + la - ENDMT_SHA256_LEN, ENDMT_SHA256_LEN, zero, sizeof(zero),
			     "extended text: HMAC field as zeros");
	memset(b + off, ENDMT_TLV_PAD1, 4);
	for (m = ENDMT_HMAC_RFC8754; m <= ENDMT_HMAC_EXTENDED; m++) {
		la = endmt_srh_hmac_text(sa, a, (size_t)len, (enum endmt_hmac_mode)m, ta, sizeof(ta));
		lb = endmt_srh_hmac_text(sa, b, (size_t)len, (enum endmt_hmac_mode)m, tb, sizeof(tb));
		if (!ASSERT_EQ(lb, la, "same text length"))
			continue;
		ASSERT_EQ(memcmp(ta, tb, (size_t)la) == 0, m == ENDMT_HMAC_RFC8754,
			  "Pad1 x 4 for PadN: same text in RFC 8754 mode only");
	}
}

/* What the text builder refuses, one mutation of the 2-segment sample each. */
static void test_srh_refused(void)
{
	enum { NONE, NO_HMAC, HMAC_LEN, TWO_HMAC, TLV_OVERRUN, LAST_ENTRY, SHORT_BUF, HDRLEN };
	static const struct {
		const char *name;
		int mut, err;
	} cases[] = {
		{ "no_hmac_tlv", NO_HMAC, -ENOENT },
		{ "hmac_len_30", HMAC_LEN, -EPROTO },
		{ "two_hmac_tlvs", TWO_HMAC, -EPROTO },
		{ "tlv_overrun", TLV_OVERRUN, -EBADMSG },
		{ "last_entry_past_srh", LAST_ENTRY, -EBADMSG },
		{ "buffer_shorter_than_srh", SHORT_BUF, -EBADMSG },
		{ "hdrlen_past_buffer", HDRLEN, -EBADMSG },
	};
	uint8_t srh[512], text[ENDMT_HMAC_TEXT_MAX], sa[16] = { 0xfd, [15] = 1 };
	struct endmt_srh *h = (struct endmt_srh *)srh;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		int len = sample_srh(srh, sizeof(srh), 2, 3, 0, 9), hmac, got;
		size_t avail;

		if (!test__start_subtest(cases[i].name))
			continue;
		if (!ASSERT_GE(len, 0, "sample SRH"))
			continue;
		avail = (size_t)len;
		hmac = len - (int)(sizeof(struct endmt_hmac_tlv) + ENDMT_SHA256_LEN);
		switch (cases[i].mut) {
		case NO_HMAC:		/* the HMAC TLV becomes a PadN */
			srh[hmac] = ENDMT_TLV_PADN;
			break;
		case HMAC_LEN:		/* 30 + 10 octets of PadN */
			srh[hmac + 1] = 30;
			srh[hmac + 32] = ENDMT_TLV_PADN;
			srh[hmac + 33] = 6;
			break;
		case TWO_HMAC:
			len = endmt_srh_add_hmac(srh, sizeof(srh), (size_t)len, 10);
			avail = (size_t)(len < 0 ? 0 : len);
			break;
		case TLV_OVERRUN:
			srh[hmac + 1] = 40;
			break;
		case LAST_ENTRY:
			h->last_entry = 200;
			break;
		case SHORT_BUF:
			avail = 7;
			break;
		case HDRLEN:
			h->hdrlen++;
			break;
		}
		got = endmt_srh_hmac_text(sa, srh, avail, ENDMT_HMAC_EXTENDED, text, sizeof(text));
		ASSERT_EQ(got, cases[i].err, cases[i].name);
	}
}

/* What endmt_srh_add_hmac() refuses: no SRH length, no room. */
static void test_add_hmac_refused(void)
{
	static const struct {
		const char *name;
		size_t cap, len;
		int err;
	} cases[] = {
		{ "add_hmac_short_srh", 2048, 4, -EINVAL },
		{ "add_hmac_len_not_8n", 2048, 44, -EINVAL },
		{ "add_hmac_over_cap", 64, 40, -E2BIG },
		{ "add_hmac_over_2048", 4096, 2016, -E2BIG },
	};
	static uint8_t srh[4096];
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		if (!test__start_subtest(cases[i].name))
			continue;
		ASSERT_EQ(endmt_srh_add_hmac(srh, cases[i].cap, cases[i].len, 1), cases[i].err,
			  cases[i].name);
	}
}

/* SRHs with the HMAC the kernel's net/ipv6/seg6_hmac.c wrote: the same
 * MAC natively and in BPF, RFC 8754 text.  Dump: "kernel NSEGS BPF NATIVE". */
static void test_kernel(struct hmac_fx *fx, const char *path)
{
	static char line[8192];
	static uint8_t srh[2048], text[ENDMT_HMAC_TEXT_MAX];
	uint8_t sa[16], key[256], mac[ENDMT_SHA256_LEN], bmac[ENDMT_SHA256_LEN];
	struct endmt_hmac_pads p;
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!ASSERT_OK_PTR(f, "ENDMT_HMAC_KERNEL"))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *sa_hex = strtok(line, " \n"), *srh_hex = strtok(NULL, " \n");
		char *key_hex = strtok(NULL, " \n");
		size_t len, kl;
		int off, tlen;

		if (!sa_hex || !srh_hex || !key_hex || strlen(sa_hex) != 32 ||
		    strlen(srh_hex) > 2 * sizeof(srh) || strlen(key_hex) > 2 * sizeof(key)) {
			tp_fail(__FILE__, __LINE__, "ENDMT_HMAC_KERNEL: line %d not understood", n + 1);
			break;
		}
		unhex(sa, sa_hex);
		len = unhex(srh, srh_hex);
		kl = unhex(key, key_hex);
		endmt_hmac_pads_init(&p, key, kl);
		off = endmt_srh_hmac_tlv(srh, len);
		tlen = endmt_srh_hmac_text(sa, srh, len, ENDMT_HMAC_RFC8754, text, sizeof(text));
		if (!ASSERT_GE(off, 0, "kernel's HMAC TLV") || !ASSERT_GE(tlen, 0, "text") ||
		    !ASSERT_OK(endmt_srh_hmac(sa, srh, len, ENDMT_HMAC_RFC8754, &p, mac), "HMAC") ||
		    !ASSERT_OK(bpf_hmac(fx, &p, text, (size_t)tlen, bmac), "BPF HMAC"))
			break;
		ASSERT_MEMEQ(mac, sizeof(mac), srh + off + sizeof(struct endmt_hmac_tlv),
			     ENDMT_SHA256_LEN, "native MAC == the kernel's");
		ASSERT_MEMEQ(bmac, sizeof(bmac), srh + off + sizeof(struct endmt_hmac_tlv),
			     ENDMT_SHA256_LEN, "BPF MAC == the kernel's");
		if (fx->dump) {
			fprintf(fx->dump, "kernel %d ", srh[offsetof(struct endmt_srh, last_entry)] + 1);
			hex(fx->dump, bmac, sizeof(bmac)), fputc(' ', fx->dump);
			hex(fx->dump, mac, sizeof(mac)), fputc('\n', fx->dump);
		}
		n++;
	}
	fclose(f);
	ASSERT_GE(n, 1, "kernel SRHs checked");
}

void test_hmac(void)
{
	struct hmac_fx fx = { 0 };
	const char *dump = getenv("ENDMT_HMAC_DUMP");

	if (!ASSERT_OK(TU_SKEL_LOAD(endmt_test_hmac, &fx.skel, fx.pin, (void)0),
		       "load test/bpf/hmac.bpf.o"))
		return;
	if (dump && !ASSERT_OK_PTR(fx.dump = fopen(dump, "w"), "ENDMT_HMAC_DUMP"))
		goto out;
	test_sha256(&fx);
	test_rfc4231(&fx);
	test_lengths(&fx);
	test_srh(&fx);
	if (test__start_subtest("srh_padding_not_in_text"))
		test_srh_padding();
	test_srh_refused();
	test_add_hmac_refused();
	if (getenv("ENDMT_HMAC_KERNEL") && test__start_subtest("kernel_seg6"))
		test_kernel(&fx, getenv("ENDMT_HMAC_KERNEL"));
out:
	if (fx.dump)
		fclose(fx.dump);
	TU_SKEL_CLOSE(endmt_test_hmac, &fx.skel, fx.pin);
}
