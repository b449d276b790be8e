/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* percopy xdp: BPF_PROG_TEST_RUN of the edge's XDP half. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endmt/maps.h"
#include "endmt/srh.h"
#include "endmt/ioam.h"
#include "endmt/pm.h"
#include "srh_hmac.h"
#include "benchpkt.h"
#include "percopy.h"

/* HMAC=rfc8754|extended: the SID requires key 1 and every frame gets an
 * HMAC TLV of it (last in the SRH), so the run includes the edge's HMAC
 * check (docs/BENCHMARKS.md).  The frame grows by 40 octets. */
static const uint8_t bench_secret[] = "percopy bench secret, 32 octets.";

static int add_hmac(uint8_t *frame, size_t cap, int len, enum endmt_hmac_mode mode)
{
	const size_t srh_off = 14 + 40;
	size_t srh_len = ((size_t)frame[srh_off + 1] + 1) * 8, plen;
	struct endmt_hmac_pads p;
	int l;

	if (len < 0 || (size_t)len + 40 > cap)
		return -1;
	memmove(frame + srh_off + srh_len + 40, frame + srh_off + srh_len,
		(size_t)len - srh_off - srh_len);
	l = endmt_srh_add_hmac(frame + srh_off, 2048, srh_len, 1);
	if (l < 0)
		return -1;
	frame[srh_off + 5] |= ENDMT_SRH_F_HMAC;
	plen = (size_t)len + 40 - srh_off;
	frame[18] = (uint8_t)(plen >> 8), frame[19] = (uint8_t)plen;
	endmt_hmac_pads_init(&p, bench_secret, sizeof(bench_secret) - 1);
	if (endmt_srh_hmac_set(frame + 22, frame + srh_off, (size_t)l, mode, &p))
		return -1;
	return len + 40;
}

/* TM=strip|export: every frame carries an IOAM trace as the head makes
 * it (docs/TELEMETRY.md: 5 slots, the head's entry filled), the node has
 * a telemetry identity, and the run includes the trace's walk and removal
 * (strip: export off) and also the postcard (export: the ring is drained
 * after each run, outside the measured time).  The frame grows by 96. */
static int add_trace(uint8_t *frame, size_t cap, int len)
{
	const size_t off = 14 + 40, hl = ENDMT_IOAM_HBH_FIXED + 5 * ENDMT_IOAM_NODE_OCTETS;
	size_t plen;
	uint8_t *h = frame + off;

	if (len < 0 || (size_t)len + hl > cap)
		return -1;
	memmove(frame + off + hl, frame + off, (size_t)len - off);
	memset(h, 0, hl);
	h[0] = frame[14 + 6];
	h[1] = (uint8_t)(hl / 8 - 1);
	h[2] = 1;				/* PadN 0 */
	h[4] = ENDMT_IPV6_OPT_IOAM;
	h[5] = (uint8_t)(2 + 8 + 5 * 16);
	h[11] = 4 * 4;				/* RemainingLen after the head */
	h[10] = ENDMT_IOAM_NODE_LEN << 3;
	h[12] = 0xf0;				/* trace type bits 0-3 */
	h[16 + 4 * 16 + 3] = 6;			/* the head's entry: node 6 */
	frame[14 + 6] = 0;
	plen = (size_t)len + hl - off;
	frame[18] = (uint8_t)(plen >> 8), frame[19] = (uint8_t)plen;
	return len + (int)hl;
}

/* PM=1: an RFC 9343 AltMark (flow 1, colour 1, no D) in a Destination
 * Options header right behind the outer header (PM=d: every packet
 * D-marked, the worst case: a D-mark record each), for a node counting
 * flow 1: the run includes the header's walk, its removal and the count. */
static int add_mark(uint8_t *frame, size_t cap, int len, int d)
{
	size_t off = 14 + 40, plen;
	uint8_t *h = frame + off;
	uint32_t v = 1u << ENDMT_AM_FLOW_SHIFT | ENDMT_AM_L | (d ? ENDMT_AM_D : 0);

	if ((size_t)len + 8 > cap)
		return len;
	memmove(frame + off + 8, frame + off, (size_t)len - off);
	h[0] = frame[14 + 6], h[1] = 0, h[2] = ENDMT_AM_OPT_TYPE, h[3] = ENDMT_AM_OPT_LEN;
	h[4] = (uint8_t)(v >> 24), h[5] = (uint8_t)(v >> 16), h[6] = (uint8_t)(v >> 8), h[7] = (uint8_t)v;
	frame[14 + 6] = 60;
	plen = (size_t)len + 8 - off;
	frame[18] = (uint8_t)(plen >> 8), frame[19] = (uint8_t)plen;
	return len + 8;
}

/* The counters of (flow 1, srv6, point) and a period engine: what `endmt
 * pm flow add` and `pm set` make. */
int pm_bench_config(struct bpf_object *obj, uint8_t point)
{
	static struct endmt_pm_count zero[1024];
	struct endmt_pm_key k = { .flow = 1, .enc = ENDMT_PM_SRV6, .point = point };
	struct endmt_pm_cfg c = { .period_ns = 1000000000ull, .node_id = 1 };
	int cfd = bpf_object__find_map_fd_by_name(obj, "endmt_pm_counts");
	int efd = bpf_object__find_map_fd_by_name(obj, "endmt_pm");
	uint32_t zero32 = 0;

	if (cfd < 0 || efd < 0 || libbpf_num_possible_cpus() > 1024)
		return -ENOENT;
	for (k.colour = 0; k.colour < 2; k.colour++)
		if (bpf_map_update_elem(cfd, &k, zero, 0))
			return -errno;
	return bpf_map_update_elem(efd, &zero32, &c, 0) ? -errno : 0;
}

static int tm_drain(void *ctx, void *data, size_t len)
{
	(void)data, (void)len;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* BPF_PROG_TEST_RUN of the XDP half with repeat. */
int cmd_xdp(const char *obj_path)
{
	char pin[64];
	struct bpf_object *obj;
	struct endmt_sid_key sk;
	struct endmt_sid sv = { .flags = ENDMT_SID_F_ENDMT, .max_rcv = ENDMT_MAX_RCV };
	struct in6_addr edge = endmt_in6(BP_EDGE);
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	static uint8_t frame[10000], out[10000];
	int fd, sids, err = 0, repeat = env_int("REPEAT", 5), count = env_int("COUNT", 3000);
	const char *hm = getenv("HMAC");
	int mode = !hm || !*hm ? -1 : !strcmp(hm, "extended") ? ENDMT_HMAC_EXTENDED :
		   ENDMT_HMAC_RFC8754;
	const char *label = mode < 0 ? "xdp" : mode == ENDMT_HMAC_EXTENDED ? "xdp-hmac-ext" :
			    "xdp-hmac";
	const char *tm = getenv("TM");
	int tmode = !tm || !*tm ? 0 : !strcmp(tm, "export") ? 2 : 1;
	const char *pm = getenv("PM");
	int pmode = !pm || !*pm ? 0 : !strcmp(pm, "d") ? 2 : 1;
	struct ring_buffer *rb = NULL, *drb = NULL;
	uint64_t drained = 0, ddrained = 0;
	size_t ni, pi;

	obj = load_obj_own_pins(obj_path, "benchpx", pin, sizeof(pin), &err);
	if (!obj)
		return err;
	fd = prog_fd(obj, "endmt_edge_xdp");
	if (fd >= 0)
		print_insns(label, "endmt_edge_xdp", fd);
	sids = bpf_object__find_map_fd_by_name(obj, "endmt_sids");
	memcpy(sk.sid, &edge, 16);
	memcpy(sv.edge, &edge, 16);
	if (mode >= 0) {
		struct endmt_hmac_key k = { .alg = ENDMT_HMAC_ALG_SHA256, .mode = (uint8_t)mode };
		int keys = bpf_object__find_map_fd_by_name(obj, "endmt_hmac_keys");
		uint32_t id = 1;

		endmt_hmac_pads_init(&k.pads, bench_secret, sizeof(bench_secret) - 1);
		sv.hmac_policy = ENDMT_HMAC_REQUIRE;
		sv.hmac_key_id = 1;
		if (keys < 0 || bpf_map_update_elem(keys, &id, &k, 0)) {
			err = -ENOENT;
			goto out;
		}
	}
	if (fd < 0 || sids < 0 || bpf_map_update_elem(sids, &sk, &sv, 0)) {
		err = -ENOENT;
		goto out;
	}
	if (tmode) {
		struct endmt_tm_node t = { .node_id = 1, .flags = tmode == 2 ? ENDMT_TM_F_EXPORT : 0 };
		int tfd = bpf_object__find_map_fd_by_name(obj, "endmt_tm");
		int pfd = bpf_object__find_map_fd_by_name(obj, "endmt_postcards");
		uint32_t zero = 0;

		label = tmode == 2 ? "xdp-tm-export" : "xdp-tm-strip";
		if (tfd < 0 || pfd < 0 || bpf_map_update_elem(tfd, &zero, &t, 0) ||
		    !(rb = ring_buffer__new(pfd, tm_drain, &drained, NULL))) {
			err = -ENOENT;
			goto out;
		}
	}
	if (pmode) {
		int dfd = bpf_object__find_map_fd_by_name(obj, "endmt_pm_dmarks");

		label = pmode == 2 ? (tmode ? "xdp-tm-pm-d" : "xdp-pm-d") :
			tmode ? "xdp-tm-pm" : "xdp-pm";
		if (dfd < 0 || (err = pm_bench_config(obj, ENDMT_PM_IN)) ||
		    !(drb = ring_buffer__new(dfd, tm_drain, &ddrained, NULL))) {
			err = err ? err : -ENOENT;
			goto out;
		}
	}
	for (pi = 0; pi < NP; pi++) {
		for (ni = 0; ni < NN; ni++) {
			int n = ns_list[ni], len = bp_build(frame, sizeof(frame), BP_ENDMT, n,
							    pay_list[pi], mac, mac), r, runs = 0;
			double v[64];

			if (mode >= 0)
				len = add_hmac(frame, sizeof(frame), len, (enum endmt_hmac_mode)mode);
			if (pmode)	/* first: a trace goes in front of it */
				len = add_mark(frame, sizeof(frame), len, pmode == 2);
			if (tmode)
				len = add_trace(frame, sizeof(frame), len);

			for (r = 0; r < repeat && r < 64; r++) {
				double total = 0;
				int i;

				/* repeat = 1 per call: the program rewrites the
				 * packet (SL, DA, metadata), and test-run repeats
				 * would run again on the rewritten bytes. */
				for (i = 0; i < count; i++) {
					LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
						    .data_size_in = (uint32_t)len, .data_out = out,
						    .data_size_out = sizeof(out), .repeat = 1);

					if (bpf_prog_test_run_opts(fd, &o))
						break;
					if (o.retval != 2 /* XDP_PASS */) {
						/* expected only for frames over a page */
						if (len < 3500)
							fprintf(stderr, "percopy: xdp N=%d %zu B: verdict %u\n",
								n, pay_list[pi], o.retval);
						break;
					}
					total += o.duration;
					if (rb)
						ring_buffer__consume(rb);
					if (drb)
						ring_buffer__consume(drb);
				}
				if (i < count)
					break;
				v[runs++] = total / count;
			}
			if (runs)
				printf("%s %d %zu %.1f\n", label, n, pay_list[pi], median(v, runs));
			else
				printf("%s %d %zu n/a (%s)\n", label, n, pay_list[pi],
				       "over a page, test run hands the frame over as fragments "
				       "and this non-frags program sees only the first");
			fflush(stdout);
		}
	}
out:
	if (rb && tmode == 2)
		fprintf(stderr, "percopy: %llu postcards read\n", (unsigned long long)drained);
	if (drb)
		fprintf(stderr, "percopy: %llu D-mark records read\n", (unsigned long long)ddrained);
	ring_buffer__free(rb);
	ring_buffer__free(drb);
	bpf_object__unpin_maps(obj, NULL);
	bpf_object__close(obj);
	rmdir(pin);
	return err;
}
