/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* SRH and End.MT TLV encoder/decoder for userspace (CLI, head template,
 * tests).  Wire formats: include/endmt/srh.h. */
#ifndef ENDMT_TLV_H
#define ENDMT_TLV_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct endmt_rcv_ent {
	struct in6_addr addr;
	uint32_t qpn;			/* 24 bits */
};

struct endmt_edge_ent {
	struct in6_addr edge;		/* Edge Node Address */
	size_t nrcv;
	const struct endmt_rcv_ent *rcv;
};

/* Builds an SRH: segs[0..nseg-1] in wire order (segs[0] = SRH[0], the last
 * segment, i.e. the Proxy Address), Segments Left = sl, then one End.MT TLV
 * per 11 receivers of each edge (type tlv_type), then PadN/Pad1 so the SRH is
 * a multiple of 8 octets.  Returns the SRH length or -errno (-E2BIG when it
 * does not fit cap or the 2048-octet SRH limit, -EINVAL on bad arguments). */
int endmt_srh_build(uint8_t *out, size_t cap, uint8_t nexthdr,
		    const struct in6_addr *segs, size_t nseg, uint8_t sl,
		    const struct endmt_edge_ent *edges, size_t nedges,
		    uint8_t tlv_type);

/* One decoded End.MT TLV (a view into the SRH). */
struct endmt_tlv_view {
	size_t off;			/* offset of the TLV in the SRH */
	struct in6_addr edge;
	size_t nrcv;
	const uint8_t *rcv;		/* nrcv entries of 20 octets */
};

/* Validates an SRH of srh_len octets (the bytes available) and lists its
 * End.MT TLVs into out (up to max).  Returns the number of End.MT TLVs, or
 * -EBADMSG (malformed: lengths, Last Entry, TLV overruns, Num Receivers) or
 * -ENOSPC (more than max). */
int endmt_srh_parse(const uint8_t *srh, size_t srh_len, uint8_t tlv_type,
		    struct endmt_tlv_view *out, size_t max);

/* Receiver i of a view. */
void endmt_tlv_rcv(const struct endmt_tlv_view *v, size_t i,
		   struct endmt_rcv_ent *out);

#endif
