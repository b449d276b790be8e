/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "endmt/icrc.h"
#include "endmt/roce.h"
#include "endmt/srh.h"
#include "icrc_full.h"
#include "pkt.h"
#include "util.h"


static void put_eth(uint8_t *p, const uint8_t *dmac, const uint8_t *smac)
{
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	put16(p + 12, 0x86dd);
}

static void put_ip6(uint8_t *p, uint8_t tclass, uint32_t flow, uint16_t plen,
		    uint8_t nexthdr, uint8_t hlim, const struct in6_addr *sa,
		    const struct in6_addr *da)
{
	put32(p, 6u << 28 | (uint32_t)tclass << 20 | (flow & 0xfffff));
	put16(p + 4, plen);
	p[6] = nexthdr;
	p[7] = hlim ? hlim : 64;
	memcpy(p + 8, sa, 16);
	memcpy(p + 24, da, 16);
}

int endmt_build_roce(uint8_t *out, size_t cap, const struct endmt_roce_spec *s)
{
	size_t pad = (4 - s->paylen % 4) % 4, ext = 0, ulen, total;
	uint8_t *ip6 = out + ENDMT_ETH_HLEN, *udp = ip6 + ENDMT_IP6_HLEN;
	uint8_t *bth = udp + ENDMT_UDP_HLEN, *p;

	if (s->has_reth)
		ext += sizeof(struct endmt_reth);
	if (s->has_aeth)
		ext += sizeof(struct endmt_aeth);
	if (s->has_immdt)
		ext += 4;
	if (s->opcode == ENDMT_OP_CNP)
		ext += 16;
	ulen = ENDMT_UDP_HLEN + sizeof(struct endmt_bth) + ext + s->paylen + pad +
	       ENDMT_ICRC_LEN;
	total = ENDMT_ETH_HLEN + ENDMT_IP6_HLEN + ulen;
	if (total > cap || ulen > 0xffff)
		return -E2BIG;

	put_eth(out, s->dmac, s->smac);
	put_ip6(ip6, s->tclass, s->flow_label, (uint16_t)ulen, 17, s->hop_limit,
		&s->saddr, &s->daddr);
	put16(udp, s->sport ? s->sport : 0xc000);
	put16(udp + 2, ENDMT_ROCE_PORT);
	put16(udp + 4, (uint16_t)ulen);
	put16(udp + 6, 0);

	bth[0] = s->opcode;
	bth[1] = (uint8_t)((s->se ? 0x80 : 0) | (s->mig ? 0x40 : 0) | pad << 4 |
			   (s->tver & 0xf));
	put16(bth + 2, s->pkey ? s->pkey : 0xffff);
	put32(bth + 4, (s->fecn ? ENDMT_BTH_FECN : 0) | (s->becn ? ENDMT_BTH_BECN : 0) |
		       (s->dqpn & ENDMT_BTH_QPN_MASK));
	put32(bth + 8, (s->ackreq ? ENDMT_BTH_ACKREQ : 0) | (s->psn & ENDMT_BTH_PSN_MASK));
	p = bth + sizeof(struct endmt_bth);
	if (s->has_reth) {
		put32(p, (uint32_t)(s->reth_va >> 32));
		put32(p + 4, (uint32_t)s->reth_va);
		put32(p + 8, s->reth_rkey);
		put32(p + 12, s->reth_len);
		p += 16;
	}
	if (s->has_aeth) {
		put32(p, (uint32_t)s->aeth_syndrome << 24 | (s->aeth_msn & 0xffffff));
		p += 4;
	}
	if (s->has_immdt) {
		put32(p, s->immdt);
		p += 4;
	}
	if (s->opcode == ENDMT_OP_CNP) {
		memset(p, 0, 16);
		p += 16;
	}
	if (s->paylen)
		memcpy(p, s->payload, s->paylen);
	p += s->paylen;
	memset(p, 0, pad);

	endmt_icrc_store(ip6, ENDMT_IP6_HLEN + ulen);
	if (s->udp_csum)
		put16(udp + 6, endmt_udp6_csum(ip6, ENDMT_IP6_HLEN + ulen));
	return (int)total;
}

int endmt_build_encap(uint8_t *out, size_t cap, const struct endmt_encap_spec *s,
		      const uint8_t *inner_ip6, size_t inner_len)
{
	uint8_t *ip6 = out + ENDMT_ETH_HLEN, *srh = ip6 + ENDMT_IP6_HLEN;
	size_t room;
	int srh_len;

	if (cap < ENDMT_ETH_HLEN + ENDMT_IP6_HLEN || s->sl >= s->nseg)
		return -EINVAL;
	room = cap - ENDMT_ETH_HLEN - ENDMT_IP6_HLEN;
	srh_len = endmt_srh_build(srh, room, ENDMT_NEXTHDR_IPV6, s->segs, s->nseg,
				  s->sl, s->edges, s->nedges,
				  s->tlv_type ? s->tlv_type : ENDMT_TLV_ENDMT_DEFAULT);
	if (srh_len < 0)
		return srh_len;
	if ((size_t)srh_len + inner_len > room || srh_len + inner_len > 0xffff)
		return -E2BIG;
	put_eth(out, s->dmac, s->smac);
	put_ip6(ip6, 0, 0, (uint16_t)(srh_len + inner_len), ENDMT_NEXTHDR_ROUTING,
		s->hop_limit, &s->saddr, &s->segs[s->sl]);
	memcpy(srh + srh_len, inner_ip6, inner_len);
	return (int)(ENDMT_ETH_HLEN + ENDMT_IP6_HLEN + srh_len + inner_len);
}

struct in6_addr endmt_in6(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1) {
		fprintf(stderr, "bad IPv6 address '%s'\n", s);
		abort();
	}
	return a;
}
