/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by the edge tests (edge_xdp.c, edge_veth.c): loading the edge
 * skeleton with a private pin root, a hand-written SRH assembler (kept
 * independent of lib/tlv.c so the two can check each other), End.MT frame
 * building on top of lib/pkt.h, and counter snapshots. */
#ifndef ENDMT_TEST_EDGE_UTIL_H
#define ENDMT_TEST_EDGE_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "test_progs.h"
#include "testutil.h"
#include "endmt/maps.h"
#include "endmt/meta.h"
#include "endmt/roce.h"
#include "endmt/srh.h"
#include "endmt/stats.h"
#include "icrc_full.h"
#include "pkt.h"
#include "edge.skel.h"

#define EU_MAXPKT 4096

struct eu_obj {
	struct endmt_edge *skel;
	char pin_root[128];
	int stats_fd, sids_fd, xlate_fd;
};

static inline void eu_close(struct eu_obj *o)
{
	TU_SKEL_CLOSE(endmt_edge, &o->skel, o->pin_root);
}

/* Opens and loads the edge object; tlv_type 0 keeps the default. */
static inline int eu_open(struct eu_obj *o, uint8_t tlv_type)
{
	int err;

	memset(o, 0, sizeof(*o));
	err = TU_SKEL_LOAD(endmt_edge, &o->skel, o->pin_root, ({
		if (tlv_type)
			o->skel->rodata->cfg_tlv_type = tlv_type;
	}));
	if (err)
		return err;
	o->stats_fd = bpf_map__fd(o->skel->maps.endmt_stats);
	o->sids_fd = bpf_map__fd(o->skel->maps.endmt_sids);
	o->xlate_fd = bpf_map__fd(o->skel->maps.endmt_rcv_xlate);
	return 0;
}

static inline int eu_sid_add(struct eu_obj *o, const char *sid, const char *edge,
			     uint32_t flags, uint32_t max_rcv)
{
	struct endmt_sid_key k;
	struct endmt_sid v = { .flags = flags, .max_rcv = max_rcv };
	struct in6_addr a = endmt_in6(sid), e = endmt_in6(edge);

	memcpy(k.sid, &a, 16);
	memcpy(v.edge, &e, 16);
	return bpf_map_update_elem(o->sids_fd, &k, &v, BPF_ANY) ? -errno : 0;
}

/* The SR-domain boundary of sid: source prefix (src NULL: any) and the
 * device the tree arrives on (0: any). */
static inline int eu_sid_domain(struct eu_obj *o, const char *sid, const char *src,
				uint8_t plen, uint32_t in_ifindex)
{
	struct endmt_sid_key k;
	struct endmt_sid v;
	struct in6_addr a = endmt_in6(sid);

	memcpy(k.sid, &a, 16);
	if (bpf_map_lookup_elem(o->sids_fd, &k, &v))
		return -errno;
	memset(v.src, 0, 16);
	if (src) {
		struct in6_addr s = endmt_in6(src);

		memcpy(v.src, &s, 16);
	}
	v.src_plen = src ? plen : 0;
	v.in_ifindex = in_ifindex;
	return bpf_map_update_elem(o->sids_fd, &k, &v, BPF_ANY) ? -errno : 0;
}

static inline int eu_xlate_add(struct eu_obj *o, const struct in6_addr *addr, uint32_t qpn,
			       const struct endmt_rcv_xlate *x)
{
	struct endmt_rcv_key k = { .qpn = qpn };

	memcpy(k.addr, addr, 16);
	return bpf_map_update_elem(o->xlate_fd, &k, x, BPF_ANY) ? -errno : 0;
}

struct eu_stats {
	uint64_t v[ENDMT_STAT_MAX];
};

static inline void eu_stats_read(struct eu_obj *o, struct eu_stats *s)
{
	tu_stats_read(o->stats_fd, s->v);
}

/* One End.MT TLV by hand (Figure 2), appended at buf+off. */
static inline size_t eu_mt_tlv(uint8_t *buf, size_t off, uint8_t type,
			       const struct in6_addr *edge,
			       const struct endmt_rcv_ent *r, size_t n)
{
	uint8_t *t = buf + off;
	size_t i;

	memset(t, 0, 24 + 20 * n);
	t[0] = type;
	t[1] = (uint8_t)(22 + 20 * n);
	memcpy(t + 4, edge, 16);
	t[20] = (uint8_t)n;
	for (i = 0; i < n; i++) {
		memcpy(t + 24 + 20 * i, &r[i].addr, 16);
		t[24 + 20 * i + 16] = (uint8_t)(r[i].qpn >> 16);
		t[24 + 20 * i + 17] = (uint8_t)(r[i].qpn >> 8);
		t[24 + 20 * i + 18] = (uint8_t)r[i].qpn;
	}
	return off + 24 + 20 * n;
}

/* SRH by hand: fixed part + segments + tlvs, padded to 8 octets with PadN
 * (or Pad1).  Returns its length. */
static inline size_t eu_srh(uint8_t *out, uint8_t nexthdr, const struct in6_addr *segs,
			    size_t nseg, uint8_t sl, const uint8_t *tlvs, size_t tlv_len)
{
	size_t off = 8 + 16 * nseg, pad;

	memset(out, 0, off);
	out[0] = nexthdr;
	out[2] = ENDMT_SRH_ROUTING_TYPE;
	out[3] = sl;
	out[4] = (uint8_t)(nseg - 1);
	memcpy(out + 8, segs, 16 * nseg);
	memcpy(out + off, tlvs, tlv_len);
	off += tlv_len;
	pad = (8 - off % 8) % 8;
	if (pad == 1) {
		out[off] = ENDMT_TLV_PAD1;
	} else if (pad) {
		out[off] = ENDMT_TLV_PADN;
		out[off + 1] = (uint8_t)(pad - 2);
		memset(out + off + 2, 0, pad - 2);
	}
	off += pad;
	out[1] = (uint8_t)(off / 8 - 1);
	return off;
}

/* Ethernet + a bare IPv6 header (traffic class and flow label 0) for plen
 * octets of payload, which the caller puts at out + 54.  Returns 54. */
static inline size_t eu_eth_ip6(uint8_t *out, const uint8_t *dmac, const uint8_t *smac,
				const void *sa, const void *da, uint8_t nexthdr, uint8_t hlim,
				size_t plen)
{
	uint8_t *ip6 = out + 14;

	memcpy(out, dmac, 6);
	memcpy(out + 6, smac, 6);
	out[12] = 0x86, out[13] = 0xdd;
	memset(ip6, 0, 40);
	ip6[0] = 0x60;
	ip6[4] = (uint8_t)(plen >> 8), ip6[5] = (uint8_t)plen;
	ip6[6] = nexthdr;
	ip6[7] = hlim;
	memcpy(ip6 + 8, sa, 16);
	memcpy(ip6 + 24, da, 16);
	return 54;
}

/* Ethernet + outer IPv6 (SA, DA = segs[sl]) + SRH + inner (IPv6 onward). */
static inline size_t eu_frame(uint8_t *out, const uint8_t *dmac, const uint8_t *smac,
			      const struct in6_addr *sa, uint8_t hlim,
			      const uint8_t *srh, size_t srh_len,
			      const uint8_t *inner, size_t inner_len)
{
	uint16_t plen = (uint16_t)(srh_len + inner_len);
	uint8_t sl = srh[3];

	eu_eth_ip6(out, dmac, smac, sa, srh + 8 + 16 * sl, ENDMT_NEXTHDR_ROUTING, hlim, plen);
	memcpy(out + 54, srh, srh_len);
	memcpy(out + 54 + srh_len, inner, inner_len);
	return 54 + srh_len + inner_len;
}

#endif /* ENDMT_TEST_EDGE_UTIL_H */
