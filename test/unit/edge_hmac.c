// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The edge's SRH HMAC check (bpf/dp/edge_parse.h endmt_edge_hmac(), policy
 * and key in struct endmt_sid, keys in endmt_hmac_keys): one End.MT frame
 * whose SRH ends in an HMAC TLV (written by lib/srh_hmac.c), run through
 * endmt_edge_xdp under BPF_PROG_TEST_RUN, once per mutation, policy and
 * text mode; each run must count exactly the one expected verdict.
 *
 * ENDMT_HMAC_DUMP=FILE (test/py/test_hmac.py sets it) appends one line per
 * case, "edge NAME MODE POLICY KEY FRAME VERDICT" in hex, so that Python
 * (hmac/hashlib, test/py/endmt_oracle.py) checks that every frame accepted
 * with an HMAC carries the HMAC of its text and every mismatch does not:
 * the expected MACs do not come from the code under test alone.
 * ENDMT_HMAC_KERNEL=FILE ("SA SRH KEY" per line, SRHs the kernel's seg6
 * HMAC wrote), subtest kernel_seg6: each verifies at an End.MT SID that
 * requires HMAC (event hmac_verified; the verdict is then drop_no_tlv, the
 * kernel's SRH has no End.MT TLV), one flipped bit is a mismatch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include "edge_util.h"
#include "wire.h"
#include "endmt/sha256.h"
#include "srh_hmac.h"
#include "encap_tmpl.h"

/* SID: its octets 04 0e ... are a PadN of 14, so with Last Entry 1 -> 0
 * the SRH still parses (the SID becomes padding) and the flip reaches the
 * HMAC check. */
#define HSID   "40e::4d54"
#define HEDGE  "fd00:1::1"
#define HPROXY "fd00:ff::1"
#define HSA    "fd00:6::1"
#define KEY_ID 0x01020304u

static const uint8_t hmac_secret[] = "endmt edge test secret";
static const uint8_t mac_x[6] = { 2, 0, 0, 0, 0, 0xa }, mac_y[6] = { 2, 0, 0, 0, 0, 0xb };

struct hfx {
	struct eu_obj o;
	int fd, keys_fd;
	FILE *dump;
	const uint8_t *key;		/* the secret of the frames run (dump) */
	size_t keylen;
};

static void hexf(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	if (!n)
		fputc('-', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static int key_set(struct hfx *fx, uint32_t id, enum endmt_hmac_mode mode,
		   const uint8_t *secret, size_t len)
{
	struct endmt_hmac_key k = { .alg = ENDMT_HMAC_ALG_SHA256, .mode = (uint8_t)mode };

	endmt_hmac_pads_init(&k.pads, secret, len);
	return bpf_map_update_elem(fx->keys_fd, &id, &k, BPF_ANY) ? -errno : 0;
}

static int sid_set(struct hfx *fx, const char *sid, uint8_t policy, uint32_t key_id)
{
	struct endmt_sid_key k;
	struct endmt_sid v = { .flags = ENDMT_SID_F_ENDMT, .max_rcv = 16,
			       .hmac_policy = policy, .hmac_key_id = key_id };
	struct in6_addr a = endmt_in6(sid), e = endmt_in6(HEDGE);

	memcpy(k.sid, &a, 16);
	memcpy(v.edge, &e, 16);
	return bpf_map_update_elem(fx->o.sids_fd, &k, &v, BPF_ANY) ? -errno : 0;
}

/* The frame: [PROXY, SID], SL 1, 3 receivers, then (hmac) an HMAC TLV of
 * key_id, last, written in mode.  Returns its length; *srh_len. */
static size_t make_frame(uint8_t *pkt, int hmac, uint32_t key_id, enum endmt_hmac_mode mode,
			 size_t *srh_len)
{
	struct endmt_rcv_ent r[3];
	struct in6_addr segs[2] = { endmt_in6(HPROXY), endmt_in6(HSID) }, e = endmt_in6(HEDGE);
	struct in6_addr sa = endmt_in6(HSA);
	struct endmt_roce_spec s = { 0 };
	static uint8_t pay[64];
	uint8_t tlvs[256], srh[512], frame[512];
	struct endmt_hmac_pads p;
	size_t off, i;
	int l;

	for (i = 0; i < 3; i++) {
		char a[32];

		snprintf(a, sizeof(a), "fd00:11::%zx", i + 2);
		r[i].addr = endmt_in6(a);
		r[i].qpn = 256 + (uint32_t)i;
	}
	off = eu_mt_tlv(tlvs, 0, ENDMT_TLV_ENDMT_DEFAULT, &e, r, 3);
	*srh_len = eu_srh(srh, ENDMT_NEXTHDR_IPV6, segs, 2, 1, tlvs, off);
	if (hmac) {
		endmt_hmac_pads_init(&p, hmac_secret, sizeof(hmac_secret) - 1);
		l = endmt_srh_add_hmac(srh, sizeof(srh), *srh_len, key_id);
		if (l < 0 || endmt_srh_hmac_set(sa.s6_addr, srh, (size_t)l, mode, &p))
			abort();
		*srh_len = (size_t)l;
	}
	s.saddr = endmt_in6(HPROXY);
	s.daddr = endmt_in6(HPROXY);
	s.opcode = ENDMT_OP_SEND_ONLY;
	s.dqpn = 4660;
	s.psn = 7;
	s.hop_limit = 64;
	s.payload = pay;
	s.paylen = sizeof(pay);
	l = endmt_build_roce(frame, sizeof(frame), &s);
	if (l < 0)
		abort();
	return eu_frame(pkt, mac_y, mac_x, &sa, 64, srh, *srh_len, frame + W_ETH_LEN,
			(size_t)l - W_ETH_LEN);
}

/* Runs pkt, checks the one verdict (and hmac_verified when want_ok). */
static void run_case(struct hfx *fx, const char *name, const uint8_t *pkt, size_t len,
		     int want, int want_ok, enum endmt_hmac_mode mode, uint8_t policy)
{
	static uint8_t out[EU_MAXPKT + 64];
	static const char *const pol[] = { "ignore", "verify", "require" };
	size_t out_len = sizeof(out);
	struct eu_stats a, b;
	uint32_t ret = 0, i;
	int moved = 0;

	eu_stats_read(&fx->o, &a);
	if (!ASSERT_OK(tu_prog_run(fx->fd, pkt, len, out, &out_len, &ret), name))
		return;
	eu_stats_read(&fx->o, &b);
	for (i = 0; i < ENDMT_STAT_MAX; i++) {
		if (b.v[i] == a.v[i] || endmt_stat_kind(i) != ENDMT_STAT_KIND_VERDICT)
			continue;
		moved++;
		if (i != (uint32_t)want)
			tp_fail(__FILE__, __LINE__, "%s: verdict %s (want %s)", name,
				tu_stat_names[i], tu_stat_names[want]);
	}
	ASSERT_EQ(moved, 1, name);
	ASSERT_EQ(b.v[ENDMT_STAT_HMAC_OK] - a.v[ENDMT_STAT_HMAC_OK], (uint64_t)want_ok, name);
	ASSERT_EQ(ret, want == ENDMT_STAT_ENDMT_RX ? XDP_PASS : XDP_DROP, name);
	if (fx->dump) {
		fprintf(fx->dump, "edge %s %s %s ", name,
			mode == ENDMT_HMAC_EXTENDED ? "extended" : "rfc8754", pol[policy]);
		hexf(fx->dump, fx->key, fx->keylen), fputc(' ', fx->dump);
		hexf(fx->dump, pkt, len);
		fprintf(fx->dump, " %s\n", tu_stat_names[want]);
	}
}

enum mut {
	M_NONE, M_NO_HMAC, M_SA, M_LE, M_FLAGS, M_KEY_ID, M_SEG0, M_SEG1, M_FIELD, M_RCV_ADDR,
	M_RCV_QPN, M_D_BIT, M_SL_OK, M_LEN30, M_TRUNC, M_TWO, M_UNKNOWN_KEY, M_OTHER_KEY,
};

/* Positions in the HMAC TLV and in an End.MT TLV (include/endmt/srh.h). */
#define H_LEN	(ENDMT_HMAC_FIELD_OFF + ENDMT_SHA256_LEN)	/* the whole TLV, 40 */
#define H_D	offsetof(struct endmt_hmac_tlv, d_reserved)
#define H_KEY	offsetof(struct endmt_hmac_tlv, key_id)
#define MT_RCV(i) (W_MT_HLEN + W_MT_RCV_LEN * (size_t)(i))
#define MT_QPN	offsetof(struct endmt_mt_rcv, qpn_rsvd)	/* 3 octets, then reserved */

/* Applies m to the frame (srh_len octets of SRH at W_SRH). */
static size_t mutate(uint8_t *pkt, size_t len, size_t srh_len, enum mut m)
{
	size_t hmac = W_SRH + srh_len - H_LEN, mt = W_SRH_SEG(2);

	switch (m) {
	case M_NONE: case M_NO_HMAC: case M_UNKNOWN_KEY: case M_OTHER_KEY: case M_SL_OK: break;
	case M_SA: pkt[W_OUT_SADDR + 9] ^= 0x10; break;
	case M_LE: pkt[W_SRH_LE] ^= 1; break;
	case M_FLAGS: pkt[W_SRH + offsetof(struct endmt_srh, flags)] ^= 0x40; break;
	case M_KEY_ID: pkt[hmac + H_KEY + 3] ^= 0x02; break;	/* 0x...04 -> 0x...06 */
	case M_SEG0: pkt[W_SRH_SEG(0) + 15] ^= 1; break;
	case M_SEG1: pkt[W_SRH_SEG(1) + 14] ^= 0x80; break;
	case M_FIELD: pkt[hmac + H_LEN - 1] ^= 1; break;
	case M_RCV_ADDR: pkt[mt + MT_RCV(1) + 15] ^= 1; break;	/* receiver 2's address */
	case M_RCV_QPN: pkt[mt + MT_RCV(2) + MT_QPN + 2] ^= 4; break;	/* receiver 3's QPN */
	case M_D_BIT: pkt[hmac + H_D] ^= 0x80; break;
	case M_LEN30:		/* Length 30, the rest of the 40 octets a PadN */
		pkt[hmac + W_TLV_LEN] = 30;
		pkt[hmac + W_TLV_HLEN + 30] = ENDMT_TLV_PADN, pkt[hmac + W_TLV_HLEN + 31] = 6;
		break;
	case M_TRUNC:		/* Hdr Ext Len 8 octets short: the TLV runs past */
		pkt[W_SRH_HDRLEN]--;
		break;
	case M_TWO:		/* made by the caller: a copy of the HMAC TLV */
		break;
	}
	return len;
}

static void test_policy_table(struct hfx *fx)
{
	static const struct {
		const char *name;
		enum mut m;
		uint8_t policy;
		int rfc, ext;		/* verdict per text mode */
	} cases[] = {
		{ "valid", M_NONE, ENDMT_HMAC_REQUIRE, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_ENDMT_RX },
		{ "valid_verify", M_NONE, ENDMT_HMAC_VERIFY, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_ENDMT_RX },
		{ "none_require", M_NO_HMAC, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_MISSING,
		  ENDMT_STAT_DROP_HMAC_MISSING },
		{ "none_verify", M_NO_HMAC, ENDMT_HMAC_VERIFY, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_ENDMT_RX },
		{ "bad_ignore", M_FIELD, ENDMT_HMAC_IGNORE, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_ENDMT_RX },
		{ "len30_ignore", M_LEN30, ENDMT_HMAC_IGNORE, ENDMT_STAT_ENDMT_RX, ENDMT_STAT_ENDMT_RX },
		{ "bad_verify", M_FIELD, ENDMT_HMAC_VERIFY, ENDMT_STAT_DROP_HMAC_MISMATCH,
		  ENDMT_STAT_DROP_HMAC_MISMATCH },
		{ "flip_sa", M_SA, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_MISMATCH,
		  ENDMT_STAT_DROP_HMAC_MISMATCH },
		{ "flip_last_entry", M_LE, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_MISMATCH,
		  ENDMT_STAT_DROP_HMAC_MISMATCH },
		{ "flip_flags", M_FLAGS, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_MISMATCH,
		  ENDMT_STAT_DROP_HMAC_MISMATCH },
		{ "flip_key_id", M_KEY_ID, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_MISMATCH,
		  ENDMT_STAT_DROP_HMAC_MISMATCH },
		{ "flip_segment0", M_SEG0, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_MISMATCH,
		  ENDMT_STAT_DROP_HMAC_MISMATCH },
		{ "flip_segment1", M_SEG1, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_MISMATCH,
		  ENDMT_STAT_DROP_HMAC_MISMATCH },
		{ "flip_hmac_field", M_FIELD, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_MISMATCH,
		  ENDMT_STAT_DROP_HMAC_MISMATCH },
		/* a replayed packet with a valid HMAC and another receiver
		 * list: caught by the extended text only (RFC 8754 leaves the
		 * TLVs out, docs/DECISIONS.md "HMAC text") */
		{ "flip_receiver_addr", M_RCV_ADDR, ENDMT_HMAC_REQUIRE, ENDMT_STAT_ENDMT_RX,
		  ENDMT_STAT_DROP_HMAC_MISMATCH },
		{ "flip_receiver_qpn", M_RCV_QPN, ENDMT_HMAC_REQUIRE, ENDMT_STAT_ENDMT_RX,
		  ENDMT_STAT_DROP_HMAC_MISMATCH },
		{ "flip_d_bit", M_D_BIT, ENDMT_HMAC_REQUIRE, ENDMT_STAT_ENDMT_RX,
		  ENDMT_STAT_DROP_HMAC_MISMATCH },
		{ "hmac_len_30", M_LEN30, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_LEN,
		  ENDMT_STAT_DROP_HMAC_LEN },
		{ "hmac_truncated", M_TRUNC, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_TLV_TRUNC,
		  ENDMT_STAT_DROP_TLV_TRUNC },
		{ "two_hmac_tlvs", M_TWO, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_DUP,
		  ENDMT_STAT_DROP_HMAC_DUP },
		{ "unknown_key_id", M_UNKNOWN_KEY, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_KEY,
		  ENDMT_STAT_DROP_HMAC_KEY },
		{ "not_the_sids_key", M_OTHER_KEY, ENDMT_HMAC_REQUIRE, ENDMT_STAT_DROP_HMAC_KEY,
		  ENDMT_STAT_DROP_HMAC_KEY },
	};
	static uint8_t pkt[EU_MAXPKT];
	size_t i, len, srh_len;
	int m;

	for (m = ENDMT_HMAC_RFC8754; m <= ENDMT_HMAC_EXTENDED; m++) {
		/* KEY_ID and its one-bit neighbour (flip_key_id): the same
		 * secret, so only the text tells them apart */
		if (!ASSERT_OK(key_set(fx, KEY_ID, (enum endmt_hmac_mode)m, hmac_secret,
				       sizeof(hmac_secret) - 1), "key") ||
		    !ASSERT_OK(key_set(fx, KEY_ID ^ 2, (enum endmt_hmac_mode)m, hmac_secret,
				       sizeof(hmac_secret) - 1), "key 2") ||
		    !ASSERT_OK(key_set(fx, 77, (enum endmt_hmac_mode)m, hmac_secret,
				       sizeof(hmac_secret) - 1), "key 77"))
			return;
		for (i = 0; i < NELEM(cases); i++) {
			char name[80];
			uint32_t kid = KEY_ID, sid_kid = 0;
			int want = m == ENDMT_HMAC_EXTENDED ? cases[i].ext : cases[i].rfc;

			snprintf(name, sizeof(name), "%s_%s", cases[i].name,
				 m == ENDMT_HMAC_EXTENDED ? "extended" : "rfc8754");
			if (!test__start_subtest(name))
				continue;
			if (cases[i].m == M_UNKNOWN_KEY)
				kid = 9;		/* in no map */
			if (cases[i].m == M_OTHER_KEY)
				kid = 77, sid_kid = KEY_ID;	/* a key of the node, not the SID's */
			len = make_frame(pkt, cases[i].m != M_NO_HMAC, kid,
					 (enum endmt_hmac_mode)m, &srh_len);
			if (cases[i].m == M_TWO) {
				/* a second HMAC TLV (a copy) in front of the first */
				size_t at = W_SRH + srh_len - H_LEN;

				memmove(pkt + at + H_LEN, pkt + at, len - at);
				len += H_LEN, srh_len += H_LEN;
				pkt[W_SRH_HDRLEN] += H_LEN / 8;
				pkt[W_OUT_PLEN] = (uint8_t)((len - 54) >> 8);
				pkt[W_OUT_PLEN + 1] = (uint8_t)(len - 54);
			}
			len = mutate(pkt, len, srh_len, cases[i].m);
			if (!ASSERT_OK(sid_set(fx, HSID, cases[i].policy, sid_kid), "sid"))
				continue;
			run_case(fx, name, pkt, len, want,
				 want == ENDMT_STAT_ENDMT_RX && cases[i].policy != ENDMT_HMAC_IGNORE &&
				 cases[i].m != M_NO_HMAC, (enum endmt_hmac_mode)m, cases[i].policy);
		}
	}
}

/* The head's template as apply makes it (endmt_encap_template() and
 * endmt_encap_hmac(), the code of loader/plan.c) in front of a RoCE packet:
 * accepted by the edge in both modes.  Dump line "template NAME MODE POLICY
 * KEY FRAME VERDICT" too: test_hmac.py sends the RFC 8754 one to a Linux
 * seg6 endpoint with seg6_require_hmac = 1, which must forward it (and
 * drop it with one bit flipped). */
static void test_head_template(struct hfx *fx)
{
	static uint8_t pkt[EU_MAXPKT];
	struct in6_addr segs[2] = { endmt_in6(HPROXY), endmt_in6(HSID) }, sa = endmt_in6(HSA);
	struct endmt_rcv_ent r[2] = { { .addr = endmt_in6("fd00:11::2"), .qpn = 256 },
				      { .addr = endmt_in6("fd00:11::3"), .qpn = 257 } };
	struct endmt_edge_ent ed = { .edge = endmt_in6(HEDGE), .rcv = r, .nrcv = 2 };
	struct endmt_roce_spec rs = { 0 };
	static uint8_t pay[32], inner[256];
	struct endmt_hmac_pads p;
	struct endmt_encap e;
	int m, il;

	rs.saddr = endmt_in6(HPROXY);
	rs.daddr = endmt_in6(HPROXY);
	rs.opcode = ENDMT_OP_SEND_ONLY;
	rs.dqpn = 4660;
	rs.psn = 9;
	rs.hop_limit = 64;
	rs.payload = pay;
	rs.paylen = sizeof(pay);
	il = endmt_build_roce(inner, sizeof(inner), &rs);
	if (!ASSERT_GE(il, W_ETH_LEN + 1, "inner"))
		return;
	endmt_hmac_pads_init(&p, hmac_secret, sizeof(hmac_secret) - 1);
	for (m = ENDMT_HMAC_RFC8754; m <= ENDMT_HMAC_EXTENDED; m++) {
		size_t plen;
		char name[64];

		snprintf(name, sizeof(name), "head_template_%s",
			 m == ENDMT_HMAC_EXTENDED ? "extended" : "rfc8754");
		if (!test__start_subtest(name))
			continue;
		memset(&e, 0, sizeof(e));
		if (!ASSERT_OK(endmt_encap_template(&e, &sa, segs, 2, 1, &ed, 1, 0), "template") ||
		    !ASSERT_OK(endmt_encap_hmac(&e, KEY_ID, (enum endmt_hmac_mode)m, &p), "sign") ||
		    !ASSERT_OK(key_set(fx, KEY_ID, (enum endmt_hmac_mode)m, hmac_secret,
				       sizeof(hmac_secret) - 1), "key") ||
		    !ASSERT_OK(sid_set(fx, HSID, ENDMT_HMAC_REQUIRE, KEY_ID), "sid"))
			continue;
		ASSERT_EQ(e.hdr[ENDMT_IP6_HLEN + 5] & ENDMT_SRH_F_HMAC, ENDMT_SRH_F_HMAC, "H flag");
		ASSERT_EQ(e.hdr[e.len - H_LEN], ENDMT_TLV_HMAC, "HMAC TLV last");
		/* what the head's TC pushes: the template, payload length set */
		memcpy(pkt, mac_y, 6), memcpy(pkt + 6, mac_x, 6);
		pkt[12] = 0x86, pkt[13] = 0xdd;
		memcpy(pkt + 14, e.hdr, e.len);
		memcpy(pkt + 14 + e.len, inner + W_ETH_LEN, (size_t)il - W_ETH_LEN);
		plen = e.len - ENDMT_IP6_HLEN + (size_t)il - W_ETH_LEN;
		pkt[18] = (uint8_t)(plen >> 8), pkt[19] = (uint8_t)plen;
		run_case(fx, name, pkt, 54 + plen, ENDMT_STAT_ENDMT_RX, 1, (enum endmt_hmac_mode)m,
			 ENDMT_HMAC_REQUIRE);
	}
}

static size_t unhex(uint8_t *out, const char *s)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2)
		sscanf(s, "%2hhx", &out[n++]);
	return n;
}

/* SRHs the kernel's seg6 HMAC wrote (test_hmac.py), at an End.MT SID that
 * requires HMAC in RFC 8754 mode. */
static void test_kernel(struct hfx *fx, const char *path)
{
	static uint8_t pkt[EU_MAXPKT];
	uint8_t srh[2048], key[256], sa[16];
	char line[8192];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!ASSERT_OK_PTR(f, "ENDMT_HMAC_KERNEL"))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *sa_hex = strtok(line, " \n"), *srh_hex = strtok(NULL, " \n");
		char *key_hex = strtok(NULL, " \n"), name[64], sid[INET6_ADDRSTRLEN];
		size_t len, kl, plen;
		uint32_t kid;
		int hmac;

		if (!sa_hex || !srh_hex || !key_hex || strlen(srh_hex) > 2 * sizeof(srh) ||
		    strlen(key_hex) > 2 * sizeof(key) || strlen(sa_hex) != 32)
			break;
		unhex(sa, sa_hex);
		len = unhex(srh, srh_hex);
		kl = unhex(key, key_hex);
		hmac = endmt_srh_hmac_tlv(srh, len);
		if (srh[3] == 0 || hmac < 0)	/* SL 0 (1 segment): no End.MT SID */
			continue;
		memcpy(&kid, srh + hmac + H_KEY, 4);
		kid = ntohl(kid);
		if (!ASSERT_OK(key_set(fx, kid, ENDMT_HMAC_RFC8754, key, kl), "kernel key"))
			break;
		fx->key = key, fx->keylen = kl;
		inet_ntop(AF_INET6, srh + 8 + 16 * srh[3], sid, sizeof(sid));
		if (!ASSERT_OK(sid_set(fx, sid, ENDMT_HMAC_REQUIRE, kid), "sid"))
			break;
		/* the SRH with 8 octets of inner (the kernel's was ICMPv6) */
		plen = len + 8;
		eu_eth_ip6(pkt, mac_y, mac_x, sa, srh + 8 + 16 * srh[3], ENDMT_NEXTHDR_ROUTING,
			   64, plen);
		memcpy(pkt + 54, srh, len);
		memset(pkt + 54 + len, 0, 8);
		snprintf(name, sizeof(name), "kernel_%dseg", srh[4] + 1);
		run_case(fx, name, pkt, 54 + plen, ENDMT_STAT_DROP_NO_TLV, 1, ENDMT_HMAC_RFC8754,
			 ENDMT_HMAC_REQUIRE);
		pkt[54 + 8 + 3] ^= 1;		/* segment 0 */
		snprintf(name, sizeof(name), "kernel_%dseg_flipped", srh[4] + 1);
		run_case(fx, name, pkt, 54 + plen, ENDMT_STAT_DROP_HMAC_MISMATCH, 0,
			 ENDMT_HMAC_RFC8754, ENDMT_HMAC_REQUIRE);
		n++;
	}
	fclose(f);
	ASSERT_GE(n, 1, "kernel SRHs with an End.MT SID");
}

void test_edge_hmac(void)
{
	const char *dump = getenv("ENDMT_HMAC_DUMP"), *kernel = getenv("ENDMT_HMAC_KERNEL");
	struct hfx fx = { 0 };

	if (!ASSERT_OK(eu_open(&fx.o, 0), "open edge object"))
		return;
	fx.fd = bpf_program__fd(fx.o.skel->progs.endmt_edge_xdp);
	fx.keys_fd = bpf_map__fd(fx.o.skel->maps.endmt_hmac_keys);
	fx.dump = dump ? fopen(dump, "a") : NULL;
	fx.key = hmac_secret, fx.keylen = sizeof(hmac_secret) - 1;
	test_policy_table(&fx);
	test_head_template(&fx);
	if (kernel && test__start_subtest("kernel_seg6"))
		test_kernel(&fx, kernel);
	if (fx.dump)
		fclose(fx.dump);
	eu_close(&fx.o);
}
