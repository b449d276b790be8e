/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* hmac: the cost of one HMAC-SHA256 of an SRH's HMAC text in BPF
 * (include/endmt/sha256.h through the test-only test/bpf/hmac.bpf.c), by
 * BPF_PROG_TEST_RUN with repeat: the kernel's own ns per run.  A run is
 * what the edge will add per packet but for copying the text out of the
 * packet: three map lookups, one bpf_xdp_load_bytes() of the text into the
 * per-CPU scratch, endmt_hmac_sha256().
 *
 * The texts: an SRH of 2 segments, one End.MT TLV set for one edge with N
 * receivers (N = 1, 5, 32; 32 = three TLVs of 11, 11, 10), the builder's
 * padding and an HMAC TLV; RFC 8754 text (N = 1 only: it does not depend on
 * N) and extended text (lib/srh_hmac.h).  Each MAC is checked against the
 * native computation first.
 * Prints, per case: hmac MODE N TEXT_OCTETS BLOCKS NS_MEDIAN NS_LEAST
 * and once: insns hmac endmt_test_hmac VERIFIED XLATED_INSNS JITED_OCTETS
 * Env: REPEAT (runs per test-run call, default 20000), ROUNDS (calls per
 * case, at most 64, default 15). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "endmt/srh.h"
#include "srh_hmac.h"
#include "tlv.h"
#include "pkt.h"
#include "test_hmac.skel.h"

#define TEXT_OFF 14		/* test/bpf/hmac.bpf.c: text after 14 octets */

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The text of the 2-segment SRH for n receivers in mode m into text.
 * Its length or -errno. */
static int bench_text(size_t n, enum endmt_hmac_mode m, uint8_t *text, size_t cap)
{
	struct in6_addr segs[2] = { endmt_in6("fd00:ff::9"), endmt_in6("fd00:1::1") };
	struct in6_addr sa = endmt_in6("fd00:10::2");
	struct endmt_rcv_ent r[32];
	struct endmt_edge_ent e = { .edge = endmt_in6("fd00:1::1"), .nrcv = n, .rcv = r };
	uint8_t srh[2048];
	char a[64];
	size_t i;
	int len;

	for (i = 0; i < n && i < 32; i++) {
		snprintf(a, sizeof(a), "fd00:f::%zx", i + 1);
		r[i].addr = endmt_in6(a);
		r[i].qpn = 0x100 + (uint32_t)i;
	}
	len = endmt_srh_build(srh, sizeof(srh), ENDMT_NEXTHDR_IPV6, segs, 2, 1, &e, 1,
			      ENDMT_TLV_ENDMT_DEFAULT);
	if (len >= 0)
		len = endmt_srh_add_hmac(srh, sizeof(srh), (size_t)len, 1);
	if (len < 0)
		return len;
	return endmt_srh_hmac_text(sa.s6_addr, srh, (size_t)len, m, text, cap);
}

/* Median and least ns per run of `rounds` test runs of `repeat` each (the
 * least is the one the machine's other load disturbed least); the MAC of
 * the first run is checked against want.  0 or -errno. */
static int run_case(struct endmt_test_hmac *skel, const uint8_t *text, size_t len,
		    const uint8_t *want, int repeat, int rounds, double *ns, double *min)
{
	static uint8_t frame[TEXT_OFF + ENDMT_HMAC_TEXT_MAX];
	struct {
		uint32_t len;
		uint8_t mac[ENDMT_SHA256_LEN];
	} res;
	int fd = bpf_program__fd(skel->progs.endmt_test_hmac), i;
	uint32_t zero = 0;
	double v[64];

	memset(frame, 0, TEXT_OFF);
	memcpy(frame + TEXT_OFF, text, len);
	if (rounds > 64)
		rounds = 64;
	for (i = 0; i < rounds; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = (uint32_t)(TEXT_OFF + len), .repeat = (uint32_t)repeat);

		if (bpf_prog_test_run_opts(fd, &o))
			return -errno;
		if (o.retval != XDP_PASS)
			return -EPERM;
		if (i == 0) {
			if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.hmac_out), &zero, &res))
				return -errno;
			if (res.len != len || memcmp(res.mac, want, ENDMT_SHA256_LEN))
				return -EBADMSG;
		}
		v[i] = o.duration;
	}
	qsort(v, (size_t)rounds, sizeof(v[0]), cmp_double);
	*ns = v[rounds / 2];
	*min = v[0];
	return 0;
}

int main(void)
{
	static const size_t ns_list[] = { 1, 5, 32 };
	static const uint8_t key[] = "endmt bench key, 32 octets long!";
	static uint8_t text[ENDMT_HMAC_TEXT_MAX];
	struct endmt_test_hmac *skel;
	struct endmt_hmac_pads p;
	struct bpf_prog_info info = {};
	uint32_t ilen = sizeof(info), zero = 0;
	int repeat = env_int("REPEAT", 20000), rounds = env_int("ROUNDS", 15), err = 0, m;
	size_t i;

	skel = endmt_test_hmac__open_and_load();
	if (!skel) {
		fprintf(stderr, "hmac: cannot load test/bpf/hmac.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	endmt_hmac_pads_init(&p, key, sizeof(key) - 1);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.hmac_pads), &zero, &p, 0)) {
		err = -errno;
		goto out;
	}
	if (!bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.endmt_test_hmac), &info, &ilen))
		printf("insns hmac endmt_test_hmac %u %u %u\n", info.verified_insns,
		       info.xlated_prog_len / 8, info.jited_prog_len);
	for (m = ENDMT_HMAC_RFC8754; m <= ENDMT_HMAC_EXTENDED && !err; m++) {
		for (i = 0; i < sizeof(ns_list) / sizeof(ns_list[0]); i++) {
			uint8_t want[ENDMT_SHA256_LEN];
			int len;
			double ns = 0, min = 0;

			if (m == ENDMT_HMAC_RFC8754 && i)
				break;
			len = bench_text(ns_list[i], (enum endmt_hmac_mode)m, text, sizeof(text));
			err = len < 0 ? len : endmt_hmac_text(&p, text, (size_t)len, want);
			if (!err)
				err = run_case(skel, text, (size_t)len, want, repeat, rounds, &ns, &min);
			if (err) {
				fprintf(stderr, "hmac: %s N=%zu: %s\n", m ? "extended" : "rfc8754",
					ns_list[i], strerror(-err));
				break;
			}
			/* inner: the ipad block is in the pads; 64 + len + 9 */
			printf("hmac %s %zu %d %d %.0f %.0f\n", m ? "extended" : "rfc8754",
			       ns_list[i], len, (len + 9 + 63) / 64 + 1, ns, min);
			fflush(stdout);
		}
	}
out:
	endmt_test_hmac__destroy(skel);
	return err ? 1 : 0;
}
