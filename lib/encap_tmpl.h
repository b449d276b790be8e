/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Builder of the head's H.Encaps.MT template (struct endmt_encap in
 * include/endmt/maps.h): the outer IPv6 header and the SRH that the head's
 * TC program pushes in front of every packet of a group. */
#ifndef ENDMT_ENCAP_TMPL_H
#define ENDMT_ENCAP_TMPL_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "endmt/maps.h"
#include "tlv.h"
#include "srh_hmac.h"

/* Fills *out with: outer IPv6 (version 6, traffic class and flow label 0,
 * payload length 0 -- the data path writes it --, next header 43, hop limit
 * 64, SA = *outer_src, DA = segs[sl]) followed by an SRH (next header 41)
 * with segs[0..nseg-1] in wire order (segs[0] = Proxy Address), Segments
 * Left sl and one End.MT TLV (type tlv_type, 0 = default) per 11 receivers
 * of each edge.  out->len = 40 + SRH length, flags and reserved 0.
 * Returns 0, -EINVAL (bad arguments, see endmt_srh_build) or -E2BIG (does
 * not fit ENDMT_MAX_ENCAP). */
int endmt_encap_template(struct endmt_encap *out, const struct in6_addr *outer_src,
			 const struct in6_addr *segs, size_t nseg, uint8_t sl,
			 const struct endmt_edge_ent *edges, size_t nedges,
			 uint8_t tlv_type);

/* Signs a template: appends an SRH HMAC TLV of key_id as the SRH's last
 * TLV, sets the Flags bit Linux needs to look for it (ENDMT_SRH_F_HMAC,
 * docs/HEAD-ENCAP.md) and writes its HMAC in mode with pads p (lib/srh_hmac.h).
 * 0, or -EINVAL / -E2BIG (no room: ENDMT_MAX_ENCAP, 2048-octet SRH). */
int endmt_encap_hmac(struct endmt_encap *e, uint32_t key_id, enum endmt_hmac_mode mode,
		     const struct endmt_hmac_pads *p);

#endif /* ENDMT_ENCAP_TMPL_H */
