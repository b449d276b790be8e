/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "endmt/srh.h"
#include "tlv.h"

int endmt_srh_build(uint8_t *out, size_t cap, uint8_t nexthdr,
		    const struct in6_addr *segs, size_t nseg, uint8_t sl,
		    const struct endmt_edge_ent *edges, size_t nedges,
		    uint8_t tlv_type)
{
	struct endmt_srh *srh = (struct endmt_srh *)out;
	size_t off, e, i, pad;

	if (nseg == 0 || nseg > 128 || sl >= nseg)
		return -EINVAL;
	off = sizeof(*srh) + 16 * nseg;
	if (off > cap)
		return -E2BIG;
	memset(out, 0, off);
	srh->nexthdr = nexthdr;
	srh->type = ENDMT_SRH_ROUTING_TYPE;
	srh->segments_left = sl;
	srh->last_entry = (uint8_t)(nseg - 1);
	for (i = 0; i < nseg; i++)
		memcpy(out + sizeof(*srh) + 16 * i, &segs[i], 16);

	for (e = 0; e < nedges; e++) {
		size_t done = 0;

		if (edges[e].nrcv == 0)
			return -EINVAL;
		while (done < edges[e].nrcv) {
			size_t n = edges[e].nrcv - done;
			struct endmt_mt_tlv *t;

			if (n > ENDMT_MT_TLV_MAX_RCV)
				n = ENDMT_MT_TLV_MAX_RCV;
			if (off + 2 + ENDMT_MT_TLV_VALUE_LEN(n) > cap)
				return -E2BIG;
			t = (struct endmt_mt_tlv *)(out + off);
			memset(t, 0, sizeof(*t));
			t->type = tlv_type;
			t->len = (uint8_t)ENDMT_MT_TLV_VALUE_LEN(n);
			memcpy(t->edge, &edges[e].edge, 16);
			t->num_receivers = (uint8_t)n;
			off += sizeof(*t);
			for (i = 0; i < n; i++) {
				struct endmt_mt_rcv *r = (struct endmt_mt_rcv *)(out + off);
				const struct endmt_rcv_ent *src = &edges[e].rcv[done + i];

				if (src->qpn > 0xffffff)
					return -EINVAL;
				memcpy(r->addr, &src->addr, 16);
				r->qpn_rsvd = htonl(src->qpn << 8);
				off += sizeof(*r);
			}
			done += n;
		}
	}
	pad = (8 - off % 8) % 8;
	if (off + pad > cap)
		return -E2BIG;
	if (pad == 1) {
		out[off] = ENDMT_TLV_PAD1;
	} else if (pad > 1) {
		out[off] = ENDMT_TLV_PADN;
		out[off + 1] = (uint8_t)(pad - 2);
		memset(out + off + 2, 0, pad - 2);
	}
	off += pad;
	if (off > 2048)
		return -E2BIG;
	srh->hdrlen = (uint8_t)(off / 8 - 1);
	return (int)off;
}

int endmt_srh_parse(const uint8_t *srh_b, size_t srh_len, uint8_t tlv_type,
		    struct endmt_tlv_view *out, size_t max)
{
	const struct endmt_srh *srh = (const struct endmt_srh *)srh_b;
	size_t len, off, n = 0;

	if (srh_len < sizeof(*srh))
		return -EBADMSG;
	len = ENDMT_SRH_LEN(srh->hdrlen);
	if (len > srh_len || srh->type != ENDMT_SRH_ROUTING_TYPE)
		return -EBADMSG;
	off = sizeof(*srh) + 16 * ((size_t)srh->last_entry + 1);
	if (off > len || srh->segments_left > srh->last_entry)
		return -EBADMSG;
	while (off < len) {
		uint8_t type = srh_b[off];
		size_t tl;

		if (type == ENDMT_TLV_PAD1) {
			off++;
			continue;
		}
		if (off + 2 > len)
			return -EBADMSG;
		tl = 2 + (size_t)srh_b[off + 1];
		if (off + tl > len)
			return -EBADMSG;
		if (type == tlv_type) {
			const struct endmt_mt_tlv *t = (const struct endmt_mt_tlv *)(srh_b + off);

			if (tl < sizeof(*t) ||
			    t->len != ENDMT_MT_TLV_VALUE_LEN(t->num_receivers))
				return -EBADMSG;
			if (n == max)
				return -ENOSPC;
			out[n].off = off;
			memcpy(&out[n].edge, t->edge, 16);
			out[n].nrcv = t->num_receivers;
			out[n].rcv = srh_b + off + sizeof(*t);
			n++;
		}
		off += tl;
	}
	return (int)n;
}

void endmt_tlv_rcv(const struct endmt_tlv_view *v, size_t i,
		   struct endmt_rcv_ent *out)
{
	const struct endmt_mt_rcv *r = (const struct endmt_mt_rcv *)(v->rcv + 20 * i);

	memcpy(&out->addr, r->addr, 16);
	out->qpn = ntohl(r->qpn_rsvd) >> 8;
}
