/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The benchmark's packets and addressing plan, shared by bench/mkpkt.c (trafgen
 * configurations for the packet-rate runs) and bench/percopy/ (BPF_PROG_TEST_RUN).
 * Built with the project's own packet builder (lib/pkt.c), which computes
 * every length and the ICRC, so the bench feeds the data path valid traffic. */
#ifndef ENDMT_BENCHPKT_H
#define ENDMT_BENCHPKT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "endmt/roce.h"
#include "pkt.h"

#define BP_PROXY   "fd00:e::100"	/* Proxy Address = inner SA and DA */
#define BP_EDGE    "fd00:e::1"		/* Edge Node Address and End.MT SID */
#define BP_SRC     "fd00:a::1"		/* outer source (the head) */
#define BP_DT6_SID "fd00:e:6::1"	/* kernel seg6local End.DT6 SID */
#define BP_RCV_PFX "fd00:f::"		/* receiver i (1-based) is fd00:f::i */
#define BP_MCAST_GROUP "ff3e::4d54"	/* kernel ip6mr group of kind mcast */
#define BP_DQPN    0x11			/* Designated QPN */
#define BP_QPN(i)  (0x100u + (uint32_t)(i))
#define BP_MAX_RCV 88

enum bp_kind {
	BP_ENDMT,	/* outer IPv6 + SRH [Proxy, SID] SL=1 + End.MT TLVs + inner */
	BP_DT6,		/* outer IPv6 + SRH [DT6 SID] SL=0 + inner to receiver 1 */
	BP_PLAIN,	/* the inner packet alone, to receiver 1 */
	BP_MCAST,	/* the inner packet from BP_SRC to BP_MCAST_GROUP (ip6mr) */
};

static inline struct in6_addr bp_rcv_addr(int i)
{
	char s[64];

	snprintf(s, sizeof(s), BP_RCV_PFX "%x", i);
	return endmt_in6(s);
}

/* Builds one frame of kind k with nrcv receivers (End.MT TLVs, 11 per TLV)
 * and paylen octets of SEND payload.  Returns the frame length or -errno. */
static inline int bp_build(uint8_t *out, size_t cap, enum bp_kind k, int nrcv,
			   size_t paylen, const uint8_t smac[6], const uint8_t dmac[6])
{
	static uint8_t payload[9000], inner[9200];
	struct endmt_rcv_ent rcv[BP_MAX_RCV];
	struct in6_addr segs[2];
	struct endmt_edge_ent edge;
	struct endmt_roce_spec r = {0};
	struct endmt_encap_spec e = {0};
	int i, n;

	if (nrcv < 1 || nrcv > BP_MAX_RCV || paylen > sizeof(payload))
		return -EINVAL;
	for (i = 0; i < (int)paylen; i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < nrcv; i++) {
		rcv[i].addr = bp_rcv_addr(i + 1);
		rcv[i].qpn = BP_QPN(i + 1);
	}

	memcpy(r.smac, smac, 6);
	memcpy(r.dmac, dmac, 6);
	r.saddr = endmt_in6(BP_PROXY);
	r.daddr = k == BP_ENDMT ? endmt_in6(BP_PROXY) : rcv[0].addr;
	if (k == BP_MCAST) {
		/* (S,G) of the DUT's MFC entry: the sender's own address, so
		 * the source is on-link; the MAC is the group's (RFC 2464 s7),
		 * 33:33 + its low 32 bits, which veth accepts like any other. */
		r.saddr = endmt_in6(BP_SRC);
		r.daddr = endmt_in6(BP_MCAST_GROUP);
		r.dmac[0] = 0x33;
		r.dmac[1] = 0x33;
		memcpy(r.dmac + 2, &r.daddr.s6_addr[12], 4);
	}
	r.opcode = ENDMT_OP_SEND_ONLY;
	r.dqpn = k == BP_ENDMT ? BP_DQPN : rcv[0].qpn;
	r.psn = 0x1000;
	r.ackreq = 1;
	r.payload = payload;
	r.paylen = paylen;
	r.udp_csum = 0;		/* as rdma_rxe sends over IPv6 */
	if (k == BP_PLAIN || k == BP_MCAST)
		return endmt_build_roce(out, cap, &r);

	n = endmt_build_roce(inner, sizeof(inner), &r);
	if (n < 0)
		return n;
	memcpy(e.smac, smac, 6);
	memcpy(e.dmac, dmac, 6);
	e.saddr = endmt_in6(BP_SRC);
	edge.edge = endmt_in6(BP_EDGE);
	edge.nrcv = (size_t)nrcv;
	edge.rcv = rcv;
	/* Both kinds carry the same TLVs so the outer packets are the same
	 * size; the kernel's End.DT6 ignores TLVs of unknown type. */
	e.edges = &edge;
	e.nedges = 1;
	if (k == BP_ENDMT) {
		segs[0] = endmt_in6(BP_PROXY);
		segs[1] = endmt_in6(BP_EDGE);
		e.nseg = 2;
		e.sl = 1;
	} else {
		segs[0] = endmt_in6(BP_DT6_SID);
		e.nseg = 1;
		e.sl = 0;	/* End.DT6 only decapsulates with SL = 0 */
	}
	e.segs = segs;
	return endmt_build_encap(out, cap, &e, inner + ENDMT_ETH_HLEN,
				 (size_t)n - ENDMT_ETH_HLEN);
}

static inline int bp_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

#endif /* ENDMT_BENCHPKT_H */
