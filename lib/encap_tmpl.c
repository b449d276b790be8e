/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <string.h>
#include "endmt/icrc.h"
#include "endmt/roce.h"
#include "endmt/srh.h"
#include "encap_tmpl.h"

int endmt_encap_template(struct endmt_encap *out, const struct in6_addr *outer_src,
			 const struct in6_addr *segs, size_t nseg, uint8_t sl,
			 const struct endmt_edge_ent *edges, size_t nedges,
			 uint8_t tlv_type)
{
	uint8_t *ip6;
	int srh_len;

	if (!out || !outer_src || !segs || nseg == 0 || sl >= nseg ||
	    (nedges && !edges))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	ip6 = out->hdr;
	srh_len = endmt_srh_build(ip6 + ENDMT_IP6_HLEN, sizeof(out->hdr) - ENDMT_IP6_HLEN,
				  ENDMT_NEXTHDR_IPV6, segs, nseg, sl, edges, nedges,
				  tlv_type ? tlv_type : ENDMT_TLV_ENDMT_DEFAULT);
	if (srh_len < 0) {
		memset(out, 0, sizeof(*out));
		return srh_len;
	}
	ip6[0] = 0x60;			/* version 6; TC and flow label 0 */
	/* ip6[4..5]: payload length, per packet in the data path */
	ip6[6] = ENDMT_NEXTHDR_ROUTING;
	ip6[7] = 64;
	memcpy(ip6 + ENDMT_IP6_OFF_SADDR, outer_src, 16);
	memcpy(ip6 + ENDMT_IP6_OFF_DADDR, &segs[sl], 16);
	out->len = (uint16_t)(ENDMT_IP6_HLEN + srh_len);
	return 0;
}

int endmt_encap_hmac(struct endmt_encap *e, uint32_t key_id, enum endmt_hmac_mode mode,
		     const struct endmt_hmac_pads *p)
{
	uint8_t *srh = e->hdr + ENDMT_IP6_HLEN;
	int l;

	if (e->len < ENDMT_IP6_HLEN + sizeof(struct endmt_srh) || e->len > sizeof(e->hdr))
		return -EINVAL;
	l = endmt_srh_add_hmac(srh, sizeof(e->hdr) - ENDMT_IP6_HLEN, e->len - ENDMT_IP6_HLEN,
			       key_id);
	if (l < 0)
		return l;
	e->len = (uint16_t)(ENDMT_IP6_HLEN + l);
	/* Linux looks for an HMAC TLV only with the pre-RFC 8754 H flag
	 * (net/ipv6/seg6_hmac.c, sr_has_hmac()); RFC 8754 receivers ignore
	 * Flags, endmt's edges too (it is in the text). */
	((struct endmt_srh *)srh)->flags |= ENDMT_SRH_F_HMAC;
	return endmt_srh_hmac_set(e->hdr + ENDMT_IP6_OFF_SADDR, srh, (size_t)l, mode, p);
}
