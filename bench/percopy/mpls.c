/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* percopy mpls: BPF_PROG_TEST_RUN of RFC 9714 marking (bpf/mpls.bpf.c) per
 * packet: the ingress LER's TC on a packet of no flow and on one it marks
 * (XL+FLI+FL inserted, counted OUT); a counting node's XDP on a stack
 * without a Flow-ID Label and on one with (counted IN); the egress's count
 * and pop.  One-second periods, so about one packet per second is D-marked
 * (docs/PM.md, "Cost"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endmt/mpls.h"
#include "endmt/pm.h"
#include "percopy.h"

#define MB_FLOW 1000u
#define MB_DST "10.0.0.2"	/* the LER's flow */
#define MB_OTHER "10.9.9.9"	/* no flow */

/* Ethernet + n label stack entries (label, TTL 64 unless an FL) + IPv4/UDP
 * to dst with pay octets of payload.  Returns the frame's length. */
static size_t mb_frame(uint8_t *out, const uint32_t *labels, int n, const char *dst, size_t pay)
{
	size_t off = 14;
	struct in_addr d;
	uint8_t *ip;
	int k;

	memset(out, 0, 14 + 4 * (size_t)n + 28 + pay);
	out[5] = 2, out[11] = 1;
	out[12] = 0x88, out[13] = 0x47;
	for (k = 0; k < n; k++, off += 4) {
		/* an FL (label >= 16 after XL, FLI) has TTL 0 (RFC 9714 §3) */
		int fl = k >= 2 && labels[k - 1] == ENDMT_MPLS_FLI;
		uint32_t v = labels[k] << 12 | (k == n - 1 ? 1u << 8 : 0) | (fl ? 0 : 64);

		out[off] = (uint8_t)(v >> 24), out[off + 1] = (uint8_t)(v >> 16);
		out[off + 2] = (uint8_t)(v >> 8), out[off + 3] = (uint8_t)v;
	}
	ip = out + off;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((28 + pay) >> 8), ip[3] = (uint8_t)(28 + pay);
	ip[8] = 64, ip[9] = 17;
	inet_pton(AF_INET, "10.0.1.1", ip + 12);
	inet_pton(AF_INET, dst, &d);
	memcpy(ip + 16, &d, 4);
	ip[22] = 0x13, ip[23] = 0x88;	/* UDP port 5000 */
	ip[24] = (uint8_t)((8 + pay) >> 8), ip[25] = (uint8_t)(8 + pay);
	return off + 28 + pay;
}

/* The period engine (1 s), the LER's flow, the flow's IN and OUT counters. */
static int mb_config(struct bpf_object *obj)
{
	static struct endmt_pm_count zero[1024];
	struct endmt_pm_cfg c = { .period_ns = 1000000000ull, .node_id = 1 };
	struct endmt_mpls_flow_key fk = {};
	struct endmt_mpls_flow f = { .flow = MB_FLOW, .t = 0, .position = ENDMT_MPLS_POS_BELOW_TOP };
	struct endmt_pm_key k = { .flow = MB_FLOW, .enc = ENDMT_PM_MPLS };
	int cfd = bpf_object__find_map_fd_by_name(obj, "endmt_pm_counts");
	int efd = bpf_object__find_map_fd_by_name(obj, "endmt_pm");
	int ffd = bpf_object__find_map_fd_by_name(obj, "endmt_mpls_flows");
	uint32_t zero32 = 0;
	struct in_addr d;

	if (cfd < 0 || efd < 0 || ffd < 0 || libbpf_num_possible_cpus() > 1024)
		return -ENOENT;
	for (k.point = ENDMT_PM_IN; k.point <= ENDMT_PM_OUT; k.point++)
		for (k.colour = 0; k.colour < 2; k.colour++)
			if (bpf_map_update_elem(cfd, &k, zero, 0))
				return -errno;
	inet_pton(AF_INET, MB_DST, &d);
	fk.dst[10] = fk.dst[11] = 0xff;
	memcpy(&fk.dst[12], &d, 4);
	if (bpf_map_update_elem(ffd, &fk, &f, 0) || bpf_map_update_elem(efd, &zero32, &c, 0))
		return -errno;
	return 0;
}

/* Median over REPEAT rounds of the mean of COUNT single runs, in ns; < 0
 * when a run fails, returns another verdict than want or an output of
 * another length than len + grow (the mark inserted or popped). */
static double mb_time(int fd, const uint8_t *frame, size_t len, uint32_t want, int grow)
{
	static uint8_t out[12000];
	int repeat = env_int("REPEAT", 5), count = env_int("COUNT", 3000), r, i, runs = 0;
	double v[64];

	for (r = 0; r < repeat && r < 64; r++) {
		double total = 0;

		for (i = 0; i < count; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)len,
				    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

			if (bpf_prog_test_run_opts(fd, &o) || o.retval != want ||
			    (long)o.data_size_out != (long)len + grow)
				return -1;
			total += o.duration;
		}
		v[runs++] = total / count;
	}
	return median(v, runs);
}

int cmd_mpls(const char *obj_path)
{
	static uint8_t frame[10000];
	static const uint32_t plain[2] = { 100, 500 };
	static const uint32_t marked[5] = { 100, ENDMT_MPLS_XL, ENDMT_MPLS_FLI, MB_FLOW, 500 };
	const struct {
		const char *label, *prog, *dst;
		const uint32_t *labels;
		int n;
		uint32_t verdict;
		int grow;
	} rows[] = {
		{ "mpls-ler-plain", "endmt_mpls_ler", MB_OTHER, plain, 2, 0 /* TC_ACT_OK */, 0 },
		{ "mpls-ler-mark", "endmt_mpls_ler", MB_DST, plain, 2, 0, ENDMT_MPLS_MARK_LEN },
		{ "mpls-count-plain", "endmt_mpls_count", MB_DST, plain, 2, 2 /* XDP_PASS */, 0 },
		{ "mpls-count-fl", "endmt_mpls_count", MB_DST, marked, 5, 2, 0 },
		{ "mpls-egress-pop", "endmt_mpls_egress", MB_DST, marked, 5, 2, -ENDMT_MPLS_MARK_LEN },
	};
	struct bpf_object *obj;
	char pin[64];
	size_t pi, r;
	int err = 0;

	obj = load_obj_own_pins(obj_path, "benchmp", pin, sizeof(pin), &err);
	if (!obj)
		return err;
	if ((err = mb_config(obj)))
		goto out;
	for (pi = 0; pi < NP; pi++)
		for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
			int fd = prog_fd(obj, rows[r].prog);
			size_t len = mb_frame(frame, rows[r].labels, rows[r].n, rows[r].dst,
					      pay_list[pi]);
			double ns;

			if (fd < 0) {
				err = -ENOENT;
				goto out;
			}
			if (pi == 0 && r == 0)
				print_insns("mpls-ler", rows[r].prog, fd);
			ns = mb_time(fd, frame, len, rows[r].verdict, rows[r].grow);
			if (ns < 0)
				printf("%s 1 %zu n/a (a run failed, or gave another verdict or length)\n",
				       rows[r].label, pay_list[pi]);
			else
				printf("%s 1 %zu %.1f\n", rows[r].label, pay_list[pi], ns);
			fflush(stdout);
		}
out:
	bpf_object__unpin_maps(obj, NULL);
	bpf_object__close(obj);
	rmdir(pin);
	return err;
}
