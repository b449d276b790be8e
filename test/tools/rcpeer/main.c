/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* rcpeer: a RoCEv2 RC requester or responder over a UDP socket.
 *
 * The host kernel has no RDMA stack, so the sources and receivers of the
 * integration tests and the demo are this tool: a point-to-point RC peer of
 * the Proxy Address that knows nothing of multicast.  It speaks the wire
 * format of include/endmt/roce.h (BTH, RETH, AETH, CNP, ICRC) on UDP 4791.
 *
 *   rcpeer send ...   requester (requester.c): FIRST/MIDDLE/LAST (or ONLY)
 *                     WRITE or SEND packets, window, go-back-N on NAK and
 *                     timeout, rate halved on CNP with additive recovery
 *   rcpeer recv ...   responder (responder.c): ICRC check, in-order PSN,
 *                     coalesced ACKs, one NAK per gap, duplicates re-ACKed,
 *                     CNP on ECN CE
 *   rcpeer selftest   the ICRC of this tool against lib/icrc_full.c (rc.c)
 *
 * The ICRC covers the IPv6 and UDP headers the kernel will send (or has
 * received): SA, DA, payload length and ports are known to the socket, the
 * masked fields (TC, flow label, hop limit, UDP checksum) are not needed.
 * The CRC itself is zlib's crc32, which is the same CRC-32 as the ICRC and
 * an implementation independent of both the data path and lib/icrc_full.c.
 *
 * Reports are JSON on stdout (and --out FILE).  Exit 0 on success, 1 on a
 * failed transfer, 2 on a usage error or when interrupted.
 *
 * This file: the command line.  rc.c: the socket, the ICRC and the packet
 * helpers both roles share.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "endmt/psn.h"
#include "rc.h"

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: rcpeer send --local ADDR --peer ADDR --qpn N --dqpn N [--psn N] --bytes N\n"
"                   [--mtu 1024] [--op write|send] [--rate-mbps R] [--timeout-ms T]\n"
"                   [--ecn] [--window 64] [--msg-bytes 65536] [--max-retries 100]\n"
"                   [--udp-csum0]\n"
"                   [--rai-mbps 100] [--va N] [--rkey N] [--seed N] [--out FILE]\n"
"       rcpeer recv --local ADDR --peer ADDR --qpn N --dqpn N [--psn N] --bytes N\n"
"                   [--mtu 1024] [--op write|send] [--ack-every 16] [--stall-after N]\n"
"                   [--rnr-first N]\n"
"                   [--idle-ms 20000] [--linger-ms 1000] [--cnp-gap-us 50]\n"
"                   [--va N] [--rkey N] [--seed N] [--out FILE]\n"
"       rcpeer selftest\n"
"--qpn is this peer's own QP (DestQP of packets it accepts), --dqpn the QP it\n"
"sends to (the Designated QPN of the group).  Both ends use UDP port 4791.\n"
"--udp-csum0: data packets carry UDP checksum 0, as rxe sends them (default:\n"
"the socket's checksum, which stays CHECKSUM_PARTIAL across veths).\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	/* K/M/G suffixes for sizes. */
	if (*end == 'K' || *end == 'k')
		*v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		*v <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		*v <<= 30, end++;
	return *end ? -EINVAL : 0;
}


static int parse_addr(struct in6_addr *a, int *have)
{
	if (inet_pton(AF_INET6, optarg, a) != 1) {
		fprintf(stderr, "rcpeer: bad IPv6 address '%s'\n", optarg);
		return -EINVAL;
	}
	*have = 1;
	return 0;
}

/* One option c of parse_args, v its value when it is a number. */
static int parse_opt(int c, uint64_t v, struct opts *o)
{
	switch (c) {
	case 'l': return parse_addr(&o->local, &o->have_local);
	case 'p': return parse_addr(&o->peer, &o->have_peer);
	case 'q': o->qpn = (uint32_t)v; o->have_qpn = 1; break;
	case 'd': o->dqpn = (uint32_t)v; o->have_dqpn = 1; break;
	case 's': o->psn = (uint32_t)v; break;
	case 'b': o->bytes = v; break;
	case 'm': o->mtu = (uint32_t)v; break;
	case 'o':
		if (!strcmp(optarg, "write"))
			o->op_write = 1;
		else if (!strcmp(optarg, "send"))
			o->op_write = 0;
		else {
			fprintf(stderr, "rcpeer: --op is write or send\n");
			return -EINVAL;
		}
		break;
	case 'r': o->rate_mbps = atof(optarg); break;
	case 'a': o->rai_mbps = atof(optarg); break;
	case 't': o->timeout_ms = (uint32_t)v; break;
	case 'e': o->ecn = 1; break;
	case 'Z': o->udp_csum0 = 1; break;
	case 'O': o->out = optarg; break;
	case 'S': o->stall_after = v; break;
	case 'n': o->rnr_first = v; break;
	case 'x': o->seed = v; break;
	case 'w': o->window = (uint32_t)v; break;
	case 'M': o->msg_bytes = (uint32_t)v; break;
	case 'k': o->ack_every = (uint32_t)v; break;
	case 'V': o->va = v; break;
	case 'R': o->rkey = (uint32_t)v; break;
	case 'i': o->idle_ms = (uint32_t)v; break;
	case 'L': o->linger_ms = (uint32_t)v; break;
	case 'c': o->cnp_gap_us = (uint32_t)v; break;
	case 'X': o->max_retries = (uint32_t)v; break;
	case 'h': usage(stdout); exit(0);
	default: usage(stderr); return -EINVAL;
	}
	return 0;
}

/* The options together: what is required and what is in range. */
static int check_opts(const struct opts *o)
{
	if (!o->have_local || !o->have_peer || !o->have_qpn || !o->have_dqpn || !o->bytes) {
		fprintf(stderr, "rcpeer: --local, --peer, --qpn, --dqpn and --bytes are required\n");
		return -EINVAL;
	}
	if (o->mtu < 256 || o->mtu > MAX_MTU || (o->mtu & (o->mtu - 1))) {
		fprintf(stderr, "rcpeer: --mtu is 256, 512, 1024, 2048 or 4096\n");
		return -EINVAL;
	}
	if (!o->msg_bytes || o->msg_bytes % o->mtu) {
		fprintf(stderr, "rcpeer: --msg-bytes must be a multiple of --mtu\n");
		return -EINVAL;
	}
	/* Packet indices stay far inside half the PSN space, where serial
	 * arithmetic is unambiguous; a buffer is held in memory. */
	if (o->bytes > (1ull << 31) || o->bytes / o->mtu >= ENDMT_PSN_HALF / 2) {
		fprintf(stderr, "rcpeer: --bytes too large\n");
		return -EINVAL;
	}
	if (!o->window || o->window >= ENDMT_PSN_HALF || !o->ack_every || !o->timeout_ms) {
		fprintf(stderr, "rcpeer: --window, --ack-every and --timeout-ms must be > 0\n");
		return -EINVAL;
	}
	if (o->qpn > ENDMT_BTH_QPN_MASK || o->dqpn > ENDMT_BTH_QPN_MASK ||
	    o->psn > ENDMT_PSN_MASK) {
		fprintf(stderr, "rcpeer: QPNs and PSNs are 24 bits\n");
		return -EINVAL;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "local", 1, 0, 'l' }, { "peer", 1, 0, 'p' }, { "qpn", 1, 0, 'q' },
		{ "dqpn", 1, 0, 'd' }, { "psn", 1, 0, 's' }, { "bytes", 1, 0, 'b' },
		{ "mtu", 1, 0, 'm' }, { "op", 1, 0, 'o' }, { "rate-mbps", 1, 0, 'r' },
		{ "timeout-ms", 1, 0, 't' }, { "ecn", 0, 0, 'e' }, { "out", 1, 0, 'O' },
		{ "stall-after", 1, 0, 'S' }, { "seed", 1, 0, 'x' }, { "window", 1, 0, 'w' },
		{ "msg-bytes", 1, 0, 'M' }, { "ack-every", 1, 0, 'k' }, { "va", 1, 0, 'V' },
		{ "rkey", 1, 0, 'R' }, { "idle-ms", 1, 0, 'i' }, { "linger-ms", 1, 0, 'L' },
		{ "cnp-gap-us", 1, 0, 'c' }, { "max-retries", 1, 0, 'X' },
		{ "rai-mbps", 1, 0, 'a' }, { "rnr-first", 1, 0, 'n' },
		{ "udp-csum0", 0, 0, 'Z' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		v = 0;
		if (c != 'l' && c != 'p' && c != 'o' && c != 'O' && c != 'e' && c != 'Z' && c != 'h' &&
		    c != '?' && c != 'r' && c != 'a' && parse_u64(optarg, &v)) {
			fprintf(stderr, "rcpeer: bad number '%s'\n", optarg);
			return -EINVAL;
		}
		if (parse_opt(c, v, o))
			return -EINVAL;
	}
	return check_opts(o);
}

int main(int argc, char **argv)
{
	struct opts o = {
		.mtu = 1024, .op_write = 1, .timeout_ms = 100, .max_retries = 100,
		.seed = 1, .window = 64, .msg_bytes = 65536, .ack_every = 16,
		.va = 0x10000000ull, .rkey = 0x1234, .idle_ms = 20000, .linger_ms = 1000,
		.cnp_gap_us = 50, .rai_mbps = 100,
	};
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "selftest"))
		return selftest();
	if (!strcmp(argv[1], "recv"))
		o.recv = 1;
	else if (strcmp(argv[1], "send")) {
		usage(stderr);
		return 2;
	}
	if (parse_args(argc - 1, argv + 1, &o))
		return 2;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	return o.recv ? responder_run(&o) : requester_run(&o);
}
