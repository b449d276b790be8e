/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* percopy head: BPF_PROG_TEST_RUN of the head's TC (H.Encaps.MT) on the
 * source's RoCE packets, telemetry off and on (every packet traced, 5
 * slots): what the trace costs the head per packet (docs/BENCHMARKS.md,
 * "Telemetry"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endmt/maps.h"
#include "endmt/ioam.h"
#include "endmt/pm.h"
#include "endmt/srh.h"
#include "encap_tmpl.h"
#include "pkt.h"
#include "benchpkt.h"
#include "percopy.h"

#define HB_SRC "fd00:a::2"	/* the source */

/* The group of BP_PROXY/BP_DQPN with a template toward N edges of one
 * receiver each, telemetry per tm_sample. */
static int head_config(struct bpf_object *obj, int n, uint8_t tm_sample)
{
	struct endmt_group_key k = { .dqpn = BP_DQPN };
	struct in6_addr proxy = endmt_in6(BP_PROXY), src = endmt_in6(BP_SRC), s = endmt_in6(HB_SRC);
	struct in6_addr segs[2] = { proxy, endmt_in6(BP_EDGE) };
	struct endmt_edge_ent edges[32];
	struct endmt_rcv_ent rcv[32];
	static struct endmt_encap tmpl;
	static struct endmt_group g;
	struct endmt_proxy_key pk;
	struct endmt_tm_node t = { .node_id = 6 };
	uint32_t one = 1, zero = 0;
	int i;

	for (i = 0; i < n && i < 32; i++) {
		rcv[i].addr = bp_rcv_addr(i + 1);
		rcv[i].qpn = BP_QPN(i + 1);
		edges[i].edge = bp_rcv_addr(i + 1);
		edges[i].rcv = &rcv[i];
		edges[i].nrcv = 1;
	}
	memcpy(k.proxy, &proxy, 16);
	if (endmt_encap_template(&tmpl, &src, segs, 2, 1, edges, (size_t)i, ENDMT_TLV_ENDMT_DEFAULT))
		return -EINVAL;
	tmpl.tm_sample = tm_sample;
	tmpl.tm_slots = 5;
	memset(&g, 0, sizeof(g));
	g.flags = ENDMT_GF_HEAD | ENDMT_GF_BRANCH_IFINDEX;
	memcpy(g.src_addr, &s, 16);
	memcpy(pk.addr, k.proxy, 16);
	if (bpf_map_update_elem(bpf_object__find_map_fd_by_name(obj, "endmt_encap"), &k, &tmpl, 0) ||
	    bpf_map_update_elem(bpf_object__find_map_fd_by_name(obj, "endmt_groups"), &k, &g, 0) ||
	    bpf_map_update_elem(bpf_object__find_map_fd_by_name(obj, "endmt_proxies"), &pk, &one, 0))
		return -errno;
	/* An object from before telemetry (BASE=) has no endmt_tm: fine off. */
	if (bpf_object__find_map_fd_by_name(obj, "endmt_tm") < 0)
		return tm_sample == ENDMT_TM_OFF ? 0 : -ENOENT;
	return bpf_map_update_elem(bpf_object__find_map_fd_by_name(obj, "endmt_tm"), &zero, &t, 0) ?
	       -errno : 0;
}

/* The group's FlowMonID (1) at the head, its OUT counters and the engine. */
static int head_pm(struct bpf_object *obj)
{
	struct endmt_group_key k = { .dqpn = BP_DQPN };
	struct in6_addr proxy = endmt_in6(BP_PROXY);
	struct endmt_pm_group g = { .flow = 1 };
	int fd = bpf_object__find_map_fd_by_name(obj, "endmt_pm_groups"), err;

	memcpy(k.proxy, &proxy, 16);
	if (fd < 0)
		return -ENOENT;
	if ((err = pm_bench_config(obj, ENDMT_PM_OUT)))
		return err;
	return bpf_map_update_elem(fd, &k, &g, 0) ? -errno : 0;
}

int cmd_head(const char *obj_path)
{
	static uint8_t frame[10000], out[12000], pay[4096];
	int fd, err = 0, repeat = env_int("REPEAT", 5), count = env_int("COUNT", 3000);
	struct endmt_roce_spec s = {0};
	struct bpf_object *obj;
	char pin[64];
	size_t ni, pi;
	int tm, tm_max = env_int("TM_OFF_ONLY", 0) ? 1 : 2;
	/* PM=1: the group marked (RFC 9343, 1 s periods: a D mark per
	 * second) and counted as sent. */
	int pmode = getenv("PM") && *getenv("PM");
	const char *label = pmode ? "head-pm" : "head";

	obj = load_obj_own_pins(obj_path, "benchph", pin, sizeof(pin), &err);
	if (!obj)
		return err;
	fd = prog_fd(obj, "endmt_head_tc");
	if (fd < 0) {
		err = -ENOENT;
		goto out;
	}
	print_insns("head", "endmt_head_tc", fd);
	s.saddr = endmt_in6(HB_SRC);
	s.daddr = endmt_in6(BP_PROXY);
	s.opcode = 0x04;	/* SEND ONLY */
	s.dqpn = BP_DQPN;
	s.payload = pay;
	for (pi = 0; pi < NP; pi++)
		for (ni = 0; ni < NN; ni++)
			for (tm = 0; tm < tm_max; tm++) {
				double v[64];
				int len, r, runs = 0, i;

				if (ns_list[ni] > 32)
					continue;
				if ((err = head_config(obj, ns_list[ni], tm ? 1 : ENDMT_TM_OFF)))
					goto out;
				if (pmode && (err = head_pm(obj)))
					goto out;
				s.paylen = pay_list[pi];
				len = endmt_build_roce(frame, sizeof(frame), &s);
				for (r = 0; r < repeat && r < 64; r++) {
					double total = 0;

					for (i = 0; i < count; i++) {
						LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
							    .data_size_in = (uint32_t)len, .data_out = out,
							    .data_size_out = sizeof(out), .repeat = 1);

						if (bpf_prog_test_run_opts(fd, &o) || o.retval != 0)
							break;
						total += o.duration;
					}
					if (i < count)
						break;
					v[runs++] = total / count;
				}
				if (runs)
					printf("%s%s %d %zu %.1f\n", label, tm ? "-tm" : "", ns_list[ni],
					       pay_list[pi], median(v, runs));
				else
					printf("%s%s %d %zu n/a (over the test run's page)\n",
					       label, tm ? "-tm" : "", ns_list[ni], pay_list[pi]);
				fflush(stdout);
			}
out:
	bpf_object__unpin_maps(obj, NULL);
	bpf_object__close(obj);
	rmdir(pin);
	return err;
}
