/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Packet builder for tests, tools and benchmarks: computes every length,
 * the UDP checksum (when asked) and the ICRC itself, so no test carries a
 * magic constant. */
#ifndef ENDMT_PKT_H
#define ENDMT_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "tlv.h"

#define ENDMT_ETH_HLEN 14

struct endmt_roce_spec {
	uint8_t smac[6], dmac[6];
	struct in6_addr saddr, daddr;
	uint8_t tclass;			/* DSCP and ECN */
	uint32_t flow_label;
	uint8_t hop_limit;		/* 0: 64 */
	uint16_t sport;			/* 0: 0xc000 */
	int udp_csum;			/* 1: compute it; 0: send 0, as rxe does */
	uint8_t opcode;			/* enum endmt_opcode */
	uint8_t se, mig, tver;
	uint16_t pkey;			/* 0: 0xffff */
	uint32_t dqpn, psn;		/* 24 bits each */
	int ackreq, fecn, becn;
	int has_reth;
	uint64_t reth_va;
	uint32_t reth_rkey, reth_len;
	int has_aeth;
	uint8_t aeth_syndrome;
	uint32_t aeth_msn;
	int has_immdt;
	uint32_t immdt;
	const uint8_t *payload;
	size_t paylen;			/* padded to 4 octets, PadCnt set */
};

/* Ethernet + IPv6 + UDP + BTH [+RETH][+AETH][+ImmDt] + payload + pad + ICRC;
 * a CNP (opcode 0x81) gets its 16 reserved octets.  Returns the frame length
 * or -E2BIG. */
int endmt_build_roce(uint8_t *out, size_t cap, const struct endmt_roce_spec *s);

struct endmt_encap_spec {
	uint8_t smac[6], dmac[6];
	struct in6_addr saddr;			/* outer source */
	const struct in6_addr *segs;		/* wire order, segs[0] = Proxy */
	size_t nseg;
	uint8_t sl;				/* outer DA = segs[sl] */
	const struct endmt_edge_ent *edges;
	size_t nedges;
	uint8_t tlv_type;			/* 0: ENDMT_TLV_ENDMT_DEFAULT */
	uint8_t hop_limit;			/* 0: 64 */
};

/* Ethernet + outer IPv6 + SRH (next header 41) + the inner IPv6 packet
 * (inner_ip6, without Ethernet).  Returns the frame length or -errno. */
int endmt_build_encap(uint8_t *out, size_t cap, const struct endmt_encap_spec *s,
		      const uint8_t *inner_ip6, size_t inner_len);

/* Parses an address or aborts the test/tool with a message. */
struct in6_addr endmt_in6(const char *s);

#endif
