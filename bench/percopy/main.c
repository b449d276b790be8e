/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-packet and per-copy costs of the endmt data path, in nanoseconds of BPF
 * program run time (the kernel's own accounting).  Driven by bench/percopy.sh,
 * which builds the netns/veth topology.
 *
 *   percopy edge SRC_NS SINK_NS LABEL OBJ [LABEL OBJ...]  (in the edge's netns)
 *     Loads edge objects (bpf/edge.bpf.o, the bench-only variants), takes
 *     turns attaching endmt_edge_xdp (skb mode) + endmt_edge_tc on d0,
 *     installs the End.MT SID, sends End.MT packets for N receivers from s0
 *     (trafgen in SRC_NS; SENDER=send: one AF_PACKET send per frame) and
 *     reads run_time_ns / run_cnt of both programs
 *     (BPF_ENABLE_STATS).  The TC half cannot run under BPF_PROG_TEST_RUN: it
 *     needs the XDP half's metadata (skb->data_meta), which a test-run skb
 *     never has.  Copies really leave through d1 to the sink; a sample is
 *     captured on k0 and its ICRCs checked with the full computation.
 *     Prints: edge LABEL N PAYLOAD xdp_ns tc_ns tc_ns_per_copy checked bad
 *   percopy xdp OBJ                          (BPF_PROG_TEST_RUN, repeat)
 *     The XDP half alone (parse, TLV walk, S02/S03, metadata).
 *     Prints: xdp N PAYLOAD ns
 *   percopy acks OBJ                         (BPF_PROG_TEST_RUN)
 *     endmt_transit_xdp on ACKs for a group of B branches configured directly
 *     in the maps (branch = receiver address); ACKs arrive round-robin over
 *     the branches, each ACKing the next PSN, so one ACK in B advances the
 *     group minimum and is forwarded, the others are absorbed.
 *     Prints: acks B ns_per_ack forwarded absorbed
 *   percopy icrc OBJ                         (BPF_PROG_TEST_RUN)
 *     The per-copy ICRC update alone (bench/bpf/icrc_bench.bpf.c): the
 *     whole window's delta with the bitwise product (before) and the
 *     sparse walk with the table product (bpf/dp/edge_replicate.h now).
 *     Prints: icrc VARIANT ns_per_copy ns_per_packet_setup
 * Env: COUNT (test runs per point, and edge packets with SENDER=send; default
 * 3000), COPIES (edge with trafgen, the default sender: copies per point,
 * default 40000), REPEAT (default 5; medians).
 * Files: one per command (edge.c, xdp.c, acks.c, icrc.c), what they share in
 * common.c (percopy.h), this one the command line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "benchpkt.h"
#include "percopy.h"

static int libbpf_quiet(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	if (lvl == LIBBPF_WARN && getenv("BENCH_VERBOSE"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int main(int argc, char **argv)
{
	int err;

	libbpf_set_print(libbpf_quiet);
	if (points_init()) {
		fprintf(stderr, "percopy: NS (1..%d) or PAYS: at most %d and %d numbers\n",
			BP_MAX_RCV, PC_MAXN, PC_MAXP);
		return 2;
	}
	if (argc >= 6 && argc % 2 == 0 && !strcmp(argv[1], "edge"))
		err = cmd_edge((argc - 4) / 2, argv + 4, argv[2], argv[3]);
	else if (argc >= 3 && !strcmp(argv[1], "xdp"))
		err = cmd_xdp(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "acks"))
		err = cmd_acks(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "icrc"))
		err = cmd_icrc(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "head"))
		err = cmd_head(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "mpls"))
		err = cmd_mpls(argv[2]);
	else {
		fprintf(stderr, "usage: percopy edge SRC_NS SINK_NS LABEL OBJ [LABEL OBJ...] | "
			"xdp OBJ | acks OBJ | icrc OBJ | head OBJ | mpls OBJ\n");
		return 2;
	}
	if (err)
		fprintf(stderr, "percopy: %s failed: %s\n", argv[1], strerror(err < 0 ? -err : err));
	return err ? 1 : 0;
}
