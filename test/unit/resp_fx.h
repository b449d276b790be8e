/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fixture of the reverse-path tests (test/unit/resp*.c): the transit object
 * loaded with a private pin root, groups written straight into the maps, and
 * responses built with lib/pkt. */
#ifndef ENDMT_TEST_RESP_FX_H
#define ENDMT_TEST_RESP_FX_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "test_progs.h"
#include "testutil.h"
#include "endmt/maps.h"
#include "endmt/psn.h"
#include "endmt/roce.h"
#include "endmt/stats.h"
#include "cnp.h"
#include "icrc_full.h"
#include "pkt.h"
#include "transit.skel.h"

struct resp_fx {
	struct endmt_transit *skel;
	char root[256];
	int prog, groups, stats, proxies, stale, cnp_limit;
	uint64_t *epoch;	/* endmt_cnp_epoch, mapped as the agent maps it */
};

static inline int resp_fx_open(struct resp_fx *f)
{
	int err;

	memset(f, 0, sizeof(*f));
	err = TU_SKEL_LOAD(endmt_transit, &f->skel, f->root, (void)0);
	if (err)
		return err;
	f->prog = bpf_program__fd(f->skel->progs.endmt_transit_xdp);
	f->groups = bpf_map__fd(f->skel->maps.endmt_groups);
	f->stats = bpf_map__fd(f->skel->maps.endmt_stats);
	f->proxies = bpf_map__fd(f->skel->maps.endmt_proxies);
	f->stale = bpf_map__fd(f->skel->maps.endmt_stale);
	f->cnp_limit = bpf_map__fd(f->skel->maps.endmt_cnp_limit);
	err = endmt_cnp_epoch_mmap(bpf_map__fd(f->skel->maps.endmt_cnp_epoch), &f->epoch);
	if (err)
		TU_SKEL_CLOSE(endmt_transit, &f->skel, f->root);
	return err;
}

static inline void resp_fx_close(struct resp_fx *f)
{
	endmt_cnp_epoch_munmap(f->epoch);
	f->epoch = NULL;
	TU_SKEL_CLOSE(endmt_transit, &f->skel, f->root);
}

/* A group as the CLI writes it: branches that never acked hold start - 1;
 * the default CNP rate limit. */
static inline void resp_group_init(struct endmt_group *g, uint32_t flags, uint32_t start)
{
	memset(g, 0, sizeof(*g));
	g->flags = flags;
	g->start_psn = start & ENDMT_PSN_MASK;
	g->cnp_rate = ENDMT_CNP_RATE_DEF;
	g->cnp_burst = ENDMT_CNP_BURST_DEF;
}

static inline int resp_branch_addr(struct endmt_group *g, const char *addr, int32_t off)
{
	struct endmt_branch *b = &g->br[g->nbranches];
	struct in6_addr a = endmt_in6(addr);

	memcpy(b->id, &a, 16);
	b->flags = ENDMT_BR_VALID;
	b->psn_offset = off;
	b->ack_psn = endmt_psn_add(g->start_psn, -1);
	return (int)g->nbranches++;
}

static inline int resp_branch_ifindex(struct endmt_group *g, uint32_t ifindex)
{
	struct endmt_branch *b = &g->br[g->nbranches];

	memcpy(b->id, &ifindex, sizeof(ifindex));
	b->flags = ENDMT_BR_VALID;
	b->ack_psn = endmt_psn_add(g->start_psn, -1);
	return (int)g->nbranches++;
}

static inline int resp_group_put(struct resp_fx *f, const char *proxy, uint32_t dqpn,
				 const struct endmt_group *g)
{
	struct endmt_group_key k = { .dqpn = dqpn };
	struct endmt_proxy_key pk;
	struct in6_addr a = endmt_in6(proxy);
	uint32_t one = 1;

	memcpy(k.proxy, &a, 16);
	memcpy(pk.addr, &a, 16);
	if (bpf_map_update_elem(f->groups, &k, g, BPF_F_LOCK))
		return -errno;
	if (bpf_map_update_elem(f->proxies, &pk, &one, 0))
		return -errno;
	return 0;
}

static inline int resp_group_get(struct resp_fx *f, const char *proxy, uint32_t dqpn,
				 struct endmt_group *g)
{
	struct endmt_group_key k = { .dqpn = dqpn };
	struct in6_addr a = endmt_in6(proxy);

	memcpy(k.proxy, &a, 16);
	if (bpf_map_lookup_elem_flags(f->groups, &k, g, BPF_F_LOCK))
		return -errno;
	return 0;
}

/* Response kinds, by AETH syndrome. */
#define RESP_SYN_ACK      0x1f		/* ACK, credit field "invalid" */
#define RESP_SYN_NAK_SEQ  0x60
#define RESP_SYN_RNR      0x20		/* RNR NAK, timer 655.36 ms */
#define RESP_SYN_RNR10    0x21		/* RNR NAK, timer 0.01 ms */
#define RESP_SYN_NAK_RACC 0x62		/* remote access error */

struct resp_spec {
	const char *sa, *da;
	uint8_t opcode;			/* 0: ACK */
	uint8_t syn;
	uint32_t dqpn, psn, msn;
	int udp_csum;
};

/* Ethernet frame of a response: ACK/NAK (AETH) or CNP. */
static inline int resp_build(uint8_t *out, size_t cap, const struct resp_spec *r)
{
	struct endmt_roce_spec s = {
		.smac = { 2, 0, 0, 0, 0, 1 }, .dmac = { 2, 0, 0, 0, 0, 2 },
		.opcode = r->opcode ? r->opcode : ENDMT_OP_ACK,
		.dqpn = r->dqpn, .psn = r->psn, .udp_csum = r->udp_csum,
		.sport = 0xd123,
	};

	s.saddr = endmt_in6(r->sa);
	s.daddr = endmt_in6(r->da);
	if (s.opcode == ENDMT_OP_ACK) {
		s.has_aeth = 1;
		s.aeth_syndrome = r->syn;
		s.aeth_msn = r->msn;
	}
	if (s.opcode == ENDMT_OP_CNP)
		s.becn = 1;
	return endmt_build_roce(out, cap, &s);
}

/* Runs the transit XDP program on pkt as if received on ifindex (0: none). */
static inline int resp_run(struct resp_fx *f, const void *pkt, size_t len, uint32_t ifindex,
			   void *out, size_t *out_len, uint32_t *retval)
{
	/* test_run wants data_end == the packet length when a ctx is given */
	struct xdp_md ctx = { .data_end = (uint32_t)len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = (uint32_t)len,
		.data_out = out,
		.data_size_out = out_len ? (uint32_t)*out_len : 0,
		.ctx_in = ifindex ? &ctx : NULL,
		.ctx_size_in = ifindex ? sizeof(ctx) : 0,
		.repeat = 1,
	);
	int err = bpf_prog_test_run_opts(f->prog, &opts);

	if (err)
		return err;
	if (out_len)
		*out_len = opts.data_size_out;
	*retval = opts.retval;
	return 0;
}

/* Runs the response r through the program n times; with want >= 0 every
 * run must end in that XDP verdict (else -EPROTO).  0 or -errno. */
static inline int resp_send_n(struct resp_fx *f, const struct resp_spec *r, int n, int want)
{
	uint8_t in[128];
	uint32_t ret = 0;
	int len = resp_build(in, sizeof(in), r), i, err;

	for (i = 0; i < n; i++) {
		err = resp_run(f, in, (size_t)len, 0, NULL, NULL, &ret);
		if (err)
			return err;
		if (want >= 0 && ret != (uint32_t)want)
			return -EPROTO;
	}
	return 0;
}

static inline void resp_stats(struct resp_fx *f, uint64_t *v)
{
	tu_stats_read(f->stats, v);
}

static inline uint32_t resp_get_psn(const uint8_t *frame)
{
	const uint8_t *p = frame + ENDMT_ETH_HLEN + 40 + 8 + 9;

	return (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
}

#endif
