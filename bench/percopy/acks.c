/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* percopy acks: the response path (endmt_transit_xdp) under
 * BPF_PROG_TEST_RUN, ACKs over B branches, round-robin, and a floor. */
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
#include "endmt/psn.h"
#include "endmt/roce.h"
#include "endmt/stats.h"
#include "benchpkt.h"
#include "percopy.h"

static uint8_t frames[64][256], out[512];

/* The transit object's programs and maps, and the run's knobs. */
struct acks {
	int fd, groups, proxies, stats, count, repeat;
	struct in6_addr proxy;
	int lens[64];
};

/* A fresh group of b branches (and the proxy), as the CLI writes it. */
static int acks_group(const struct acks *a, int b, uint32_t psn)
{
	struct endmt_group *g = calloc(1, sizeof(*g));
	struct endmt_group_key gk = { .dqpn = BP_DQPN };
	uint32_t one = 1;
	int i;

	if (!g)
		return -ENOMEM;
	g->start_psn = psn;
	for (i = 0; i < b; i++) {
		struct in6_addr ra = bp_rcv_addr(i + 1);

		memcpy(g->br[i].id, &ra, 16);
		g->br[i].flags = ENDMT_BR_VALID;
		g->br[i].ack_psn = endmt_psn_add(psn, -1);
	}
	g->nbranches = (uint32_t)b;
	memcpy(gk.proxy, &a->proxy, 16);
	if (bpf_map_update_elem(a->groups, &gk, g, BPF_F_LOCK)) {
		int err = -errno;

		free(g);
		return err;
	}
	free(g);
	if (a->proxies >= 0) {
		uint8_t pk[16];

		memcpy(pk, &a->proxy, 16);
		bpf_map_update_elem(a->proxies, pk, &one, 0);
	}
	return 0;
}

/* COUNT ACKs round-robin over b branches; *total is their run time. */
static int acks_run(struct acks *a, int b, uint32_t psn, double *total)
{
	int i;

	for (i = 0; i < a->count; i++) {
		int br = i % b;
		struct endmt_roce_spec s = {
			.smac = { 2, 0, 0, 0, 0, 1 }, .dmac = { 2, 0, 0, 0, 0, 2 },
			.opcode = ENDMT_OP_ACK, .dqpn = BP_DQPN,
			.psn = endmt_psn_add(psn, i / b), .has_aeth = 1,
			.aeth_syndrome = 0x1f, .aeth_msn = (uint32_t)(i / b),
			.sport = 0xd123,
		};
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		s.saddr = bp_rcv_addr(br + 1);
		s.daddr = a->proxy;
		/* Frames are built outside the timed run. */
		a->lens[br] = endmt_build_roce(frames[br], sizeof(frames[br]), &s);
		o.data_in = frames[br];
		o.data_size_in = (uint32_t)a->lens[br];
		if (bpf_prog_test_run_opts(a->fd, &o))
			return -errno;
		*total += o.duration;
	}
	return 0;
}

/* One branch count: REPEAT runs, each on a fresh group; prints the median. */
static int acks_point(struct acks *a, int b)
{
	int r, runs = 0, err;
	double v[64];
	uint64_t fwd0 = stat_sum(a->stats, ENDMT_STAT_RESP_ACK_FWD);
	uint64_t abs0 = stat_sum(a->stats, ENDMT_STAT_RESP_ACK_ABSORBED);

	for (r = 0; r < a->repeat && r < 64; r++) {
		uint32_t psn = 0x100;
		double total = 0;

		err = acks_group(a, b, psn);
		if (err)
			return err;
		err = acks_run(a, b, psn, &total);
		if (err)
			return err;
		v[runs++] = total / a->count;
	}
	printf("acks %d %.1f %llu %llu\n", b, median(v, runs),
	       (unsigned long long)(stat_sum(a->stats, ENDMT_STAT_RESP_ACK_FWD) - fwd0),
	       (unsigned long long)(stat_sum(a->stats, ENDMT_STAT_RESP_ACK_ABSORBED) - abs0));
	fflush(stdout);
	return 0;
}

/* Floor: the same program and test-run call on a packet that is not a
 * response (a SEND to another address): parse, one lookup, pass. */
static int acks_floor(struct acks *a)
{
	struct endmt_roce_spec s = {
		.smac = { 2, 0, 0, 0, 0, 1 }, .dmac = { 2, 0, 0, 0, 0, 2 },
		.opcode = ENDMT_OP_SEND_ONLY, .dqpn = 0x99, .psn = 1,
	};
	double v[64], total;
	int i, r, runs = 0;

	s.saddr = bp_rcv_addr(1);
	s.daddr = endmt_in6("fd00:99::1");
	a->lens[0] = endmt_build_roce(frames[0], sizeof(frames[0]), &s);
	for (r = 0; r < a->repeat && r < 64; r++) {
		total = 0;
		for (i = 0; i < a->count; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frames[0],
				    .data_size_in = (uint32_t)a->lens[0], .data_out = out,
				    .data_size_out = sizeof(out), .repeat = 1);

			if (bpf_prog_test_run_opts(a->fd, &o))
				return -errno;
			total += o.duration;
		}
		v[runs++] = total / a->count;
	}
	printf("acks-floor 0 %.1f 0 0\n", median(v, runs));
	return 0;
}

/* Response path: ACKs over B branches, round-robin. */
int cmd_acks(const char *obj_path)
{
	static const int bl[] = { 2, 8, 64 };
	char pin[64];
	struct bpf_object *obj;
	struct acks a = {
		.proxy = endmt_in6(BP_PROXY),
		.count = env_int("COUNT", 3000), .repeat = env_int("REPEAT", 5),
	};
	int err = 0;
	size_t bi;

	obj = load_obj_own_pins(obj_path, "benchpa", pin, sizeof(pin), &err);
	if (!obj)
		return err;
	a.fd = prog_fd(obj, "endmt_transit_xdp");
	a.groups = bpf_object__find_map_fd_by_name(obj, "endmt_groups");
	a.proxies = bpf_object__find_map_fd_by_name(obj, "endmt_proxies");
	a.stats = bpf_object__find_map_fd_by_name(obj, "endmt_stats");
	if (a.fd < 0 || a.groups < 0 || a.stats < 0) {
		err = -ENOENT;
		goto out;
	}
	print_insns("transit", "endmt_transit_xdp", a.fd);
	for (bi = 0; bi < sizeof(bl) / sizeof(bl[0]); bi++) {
		err = acks_point(&a, bl[bi]);
		if (err)
			goto out;
	}
	err = acks_floor(&a);
	if (err)
		goto out;
	if (getenv("BENCH_VERBOSE")) {
		uint32_t k;

		for (k = 0; k < ENDMT_STAT_MAX; k++)
			if (stat_sum(a.stats, k))
				fprintf(stderr, "  stat %u: %llu\n", k,
					(unsigned long long)stat_sum(a.stats, k));
	}
out:
	bpf_object__unpin_maps(obj, NULL);
	bpf_object__close(obj);
	rmdir(pin);
	return err;
}
