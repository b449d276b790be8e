/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* percopy xdp: BPF_PROG_TEST_RUN of the edge's XDP half. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endmt/maps.h"
#include "benchpkt.h"
#include "percopy.h"

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
	size_t ni, pi;

	obj = load_obj_own_pins(obj_path, "benchpx", pin, sizeof(pin), &err);
	if (!obj)
		return err;
	fd = prog_fd(obj, "endmt_edge_xdp");
	if (fd >= 0)
		print_insns("xdp", "endmt_edge_xdp", fd);
	sids = bpf_object__find_map_fd_by_name(obj, "endmt_sids");
	memcpy(sk.sid, &edge, 16);
	memcpy(sv.edge, &edge, 16);
	if (fd < 0 || sids < 0 || bpf_map_update_elem(sids, &sk, &sv, 0)) {
		err = -ENOENT;
		goto out;
	}
	for (pi = 0; pi < NP; pi++) {
		for (ni = 0; ni < NN; ni++) {
			int n = ns_list[ni], len = bp_build(frame, sizeof(frame), BP_ENDMT, n,
							    pay_list[pi], mac, mac), r, runs = 0;
			double v[64];

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
				}
				if (i < count)
					break;
				v[runs++] = total / count;
			}
			if (runs)
				printf("xdp %d %zu %.1f\n", n, pay_list[pi], median(v, runs));
			else
				printf("xdp %d %zu n/a (%s)\n", n, pay_list[pi],
				       "over a page, test run hands the frame over as fragments "
				       "and this non-frags program sees only the first");
			fflush(stdout);
		}
	}
out:
	bpf_object__unpin_maps(obj, NULL);
	bpf_object__close(obj);
	rmdir(pin);
	return err;
}
