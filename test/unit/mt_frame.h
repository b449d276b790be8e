/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The End.MT frame the telemetry and alternate-marking tests send an edge:
 * [Proxy, SID] SL 1, one TLV with two receivers for T_EDGE, a WRITE ONLY
 * inner packet, and extension headers of the test's between the outer
 * IPv6 header and the SRH. */
#ifndef ENDMT_TEST_MT_FRAME_H
#define ENDMT_TEST_MT_FRAME_H

#include "edge_util.h"
#include "head_fx.h"

#define T_SID    "ff3e::4d54"
#define T_EDGE   "fd00:1::1"
#define T_HEADSA "fd00:6::1"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0xa };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0xb };

/* The outer header of frame out says nh, el octets more. */
static inline void mt_outer_grow(uint8_t *out, size_t el, uint8_t nh)
{
	size_t plen = (size_t)out[ENDMT_ETH_HLEN + 4] << 8 | out[ENDMT_ETH_HLEN + 5];

	plen += el;
	out[ENDMT_ETH_HLEN + 4] = (uint8_t)(plen >> 8);
	out[ENDMT_ETH_HLEN + 5] = (uint8_t)plen;
	out[ENDMT_ETH_HLEN + 6] = nh;
}

/* The frame with PSN psn; ext (el octets, the first of type nh; none if
 * el is 0) goes between outer IPv6 and SRH.  Returns its length. */
static inline size_t mt_frame(uint8_t *out, uint32_t psn, const uint8_t *ext, size_t el,
			      uint8_t nh)
{
	static uint8_t inner[EU_MAXPKT], pay[256];
	struct endmt_rcv_ent r[2] = {
		{ .addr = endmt_in6("fd00:11::2"), .qpn = 256 },
		{ .addr = endmt_in6("fd00:12::2"), .qpn = 257 },
	};
	struct in6_addr segs[2] = { endmt_in6(PROXY), endmt_in6(T_SID) };
	struct in6_addr sa = endmt_in6(T_HEADSA), edge = endmt_in6(T_EDGE);
	struct endmt_roce_spec s = {0};
	uint8_t tlvs[128], srh[256];
	size_t il, tl, sl, n;
	int l;

	s.saddr = endmt_in6(PROXY);
	s.daddr = endmt_in6(PROXY);
	s.opcode = ENDMT_OP_WRITE_ONLY;
	s.has_reth = 1;
	s.reth_va = 0x1000;
	s.reth_rkey = 0x55;
	s.reth_len = sizeof(pay);
	s.dqpn = DQPN;
	s.psn = psn;
	s.payload = pay;
	s.paylen = sizeof(pay);
	l = endmt_build_roce(inner, sizeof(inner), &s);
	il = (size_t)l - ENDMT_ETH_HLEN;
	tl = eu_mt_tlv(tlvs, 0, ENDMT_TLV_ENDMT_DEFAULT, &edge, r, 2);
	sl = eu_srh(srh, ENDMT_NEXTHDR_IPV6, segs, 2, 1, tlvs, tl);
	n = eu_frame(out, mac_a, mac_b, &sa, 64, srh, sl, inner + ENDMT_ETH_HLEN, il);
	if (el) {
		memmove(out + 54 + el, out + 54, n - 54);
		memcpy(out + 54, ext, el);
		mt_outer_grow(out, el, nh);
		n += el;
	}
	return n;
}

#endif /* ENDMT_TEST_MT_FRAME_H */
