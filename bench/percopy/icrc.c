/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* percopy icrc: the edge's per-copy ICRC update alone under
 * BPF_PROG_TEST_RUN (bench/bpf/icrc_bench.bpf.c: the dense and the sparse
 * update, and their per-packet parts), random windows whose delta is
 * nonzero in the DA and the QPN only, as a copy without translation.
 * Checks that both give the same ICRCs first.
 * Prints: icrc VARIANT ns_per_copy setup_ns_per_packet */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endmt/icrc.h"
#include "percopy.h"

#define BI_COPIES 32

struct bi_win {
	uint8_t orig[52] __attribute__((aligned(8)));
	uint8_t nw[BI_COPIES][52] __attribute__((aligned(8)));
	struct endmt_crc32_mul mul;
	uint32_t out[BI_COPIES];
};

/* Median of REPEAT test runs (each COUNT repetitions) of program name: ns per run. */
static double run_ns(struct bpf_object *obj, const char *name)
{
	static uint8_t pkt[64];
	double v[64];
	int fd = prog_fd(obj, name), r, n = 0, rounds = env_int("REPEAT", 5);

	for (r = 0; fd >= 0 && r < rounds && r < 64; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
			    .repeat = (uint32_t)env_int("COUNT", 3000) * 10);

		if (bpf_prog_test_run_opts(fd, &o) || o.retval != 2 /* XDP_PASS */)
			return -1;
		v[n++] = o.duration;
	}
	return n ? median(v, n) : -1;
}

int cmd_icrc(const char *obj_path)
{
	static struct bi_win w;
	uint32_t dense[BI_COPIES], zero = 0;
	struct bpf_object *obj;
	char pin[64];
	int mfd, i, k, err = 0;
	double d, s, ds, ss;

	/* its maps pinned under a root of its own, removed at the end (no
	 * pins at /sys/fs/bpf's top, libbpf's default for pinned-by-name) */
	obj = load_obj_own_pins(obj_path, "benchpi", pin, sizeof(pin), &err);
	if (!obj)
		return err;
	mfd = bpf_object__find_map_fd_by_name(obj, "bench_icrc_win");
	srand(77);
	for (i = 0; i < 52; i++)
		w.orig[i] = (uint8_t)rand();
	for (k = 0; k < BI_COPIES; k++) {
		memcpy(w.nw[k], w.orig, 52);
		for (i = 0; i < 16; i++)
			w.nw[k][i] = (uint8_t)rand();
		for (i = 29; i < 32; i++)
			w.nw[k][i] = (uint8_t)rand();
	}
	if (mfd < 0 || bpf_map_update_elem(mfd, &zero, &w, BPF_ANY)) {
		err = -ENOENT;
		goto out;
	}
	d = run_ns(obj, "icrc_dense");
	if (bpf_map_lookup_elem(mfd, &zero, &w)) {
		err = -errno;
		goto out;
	}
	memcpy(dense, w.out, sizeof(dense));
	s = run_ns(obj, "icrc_sparse");
	if (bpf_map_lookup_elem(mfd, &zero, &w) || memcmp(dense, w.out, sizeof(dense))) {
		printf("icrc-todo sparse and dense updates differ\n");
		err = -EIO;
		goto out;
	}
	ds = run_ns(obj, "icrc_dense_setup");
	ss = run_ns(obj, "icrc_sparse_setup");
	if (d < 0 || s < 0 || ds < 0 || ss < 0) {
		err = -EIO;
		goto out;
	}
	/* test-run's duration is per repetition: the setup runs measure the
	 * call and the per-packet part, the rest is BI_COPIES copies */
	printf("icrc dense %.1f %.1f\n", (d - ds) / BI_COPIES, ds);
	printf("icrc sparse %.1f %.1f\n", (s - ss) / BI_COPIES, ss);
out:
	bpf_object__unpin_maps(obj, NULL);
	bpf_object__close(obj);
	rmdir(pin);
	return err;
}
