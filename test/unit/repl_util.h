/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by the RFC 9524 replication tests (transit_repl.c,
 * transit_repl_veth.c): the head's addresses, writing a replication entry,
 * and the frames a head sends to a Replication SID, built by lib/pkt.h.
 * Each test keeps its own inner packet and receivers. */
#ifndef ENDMT_TEST_REPL_UTIL_H
#define ENDMT_TEST_REPL_UTIL_H

#include "edge_util.h"
#include "transit.skel.h"

#define PROXY  "fd00:ff::1"
#define HEADSA "fd00:6::1"
#define RSID   "fd00:70::1"	/* the transit node's Replication SID */
#define RSID2  "fd00:70::2"	/* another local Replication SID */

/* Writes the entry of local SID sid: n (as given, even an invalid one) and
 * the first nsids of sids (at most ENDMT_MAX_REPL).  0 or -errno. */
static inline int ru_repl_set(int fd, const char *sid, uint32_t n, const char *const *sids,
			      size_t nsids)
{
	struct endmt_sid_key k;
	struct endmt_repl v;
	struct in6_addr a = endmt_in6(sid);
	size_t i;

	memset(&v, 0, sizeof(v));
	memcpy(k.sid, &a, 16);
	v.n = n;
	for (i = 0; i < nsids && i < ENDMT_MAX_REPL; i++) {
		a = endmt_in6(sids[i]);
		memcpy(v.sids[i], &a, 16);
	}
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
}

/* The SR-domain boundary of Replication SID sid: source prefix (src NULL:
 * any) and the device the tree arrives on (0: any). */
static inline int ru_repl_domain(int fd, const char *sid, const char *src, uint8_t plen,
				 uint32_t in_ifindex)
{
	struct endmt_sid_key k;
	struct endmt_repl v;
	struct in6_addr a = endmt_in6(sid);

	memcpy(k.sid, &a, 16);
	if (bpf_map_lookup_elem(fd, &k, &v))
		return -errno;
	memset(v.src, 0, 16);
	if (src) {
		a = endmt_in6(src);
		memcpy(v.src, &a, 16);
	}
	v.src_plen = src ? plen : 0;
	v.in_ifindex = in_ifindex;
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
}

/* The inner RoCEv2 packet of s without its Ethernet header (IPv6 onward),
 * into out (EU_MAXPKT octets); its length.  Aborts when it does not fit. */
static inline size_t ru_roce_ip6(uint8_t *out, const struct endmt_roce_spec *s)
{
	static uint8_t f[EU_MAXPKT];
	int l = endmt_build_roce(f, sizeof(f), s);

	if (l < ENDMT_ETH_HLEN)
		abort();
	memcpy(out, f + ENDMT_ETH_HLEN, (size_t)l - ENDMT_ETH_HLEN);
	return (size_t)l - ENDMT_ETH_HLEN;
}

/* The head's frame in replication mode around inner: SRH [Proxy, RSID],
 * SL 1, so the outer DA is RSID; one End.MT TLV (edge) so the SRH looks like
 * the real thing.  With da given it is the copy a downstream gets: lib/pkt
 * builds DA = segs[sl], so the downstream SID is written over it afterwards
 * (the SRH keeps RSID, replication does not touch it).  Into out (EU_MAXPKT
 * octets); its length.  Aborts when it does not fit. */
static inline size_t ru_srh_frame(uint8_t *out, const char *da, uint8_t hl,
				  const uint8_t *dmac, const uint8_t *smac,
				  const struct endmt_edge_ent *edge,
				  const uint8_t *inner, size_t il)
{
	struct in6_addr segs[2] = { endmt_in6(PROXY), endmt_in6(RSID) };
	struct endmt_encap_spec s = {0};
	int l;

	memcpy(s.dmac, dmac, 6);
	memcpy(s.smac, smac, 6);
	s.saddr = endmt_in6(HEADSA);
	s.segs = segs;
	s.nseg = 2;
	s.sl = 1;
	s.edges = edge;
	s.nedges = 1;
	s.hop_limit = hl;
	l = endmt_build_encap(out, EU_MAXPKT, &s, inner, il);
	if (l < 0)
		abort();
	if (da) {
		struct in6_addr a = endmt_in6(da);

		memcpy(out + ENDMT_ETH_HLEN + 24, &a, 16);
	}
	return (size_t)l;
}

/* Outer IPv6 (SA HEADSA, DA da, next header nh) straight around the il
 * octets the caller put at out + 54, no SRH.  The frame's length. */
static inline size_t ru_plain_frame(uint8_t *out, const char *da, uint8_t hl, uint8_t nh,
				    const uint8_t *dmac, const uint8_t *smac, size_t il)
{
	struct in6_addr sa = endmt_in6(HEADSA), d = endmt_in6(da);

	return eu_eth_ip6(out, dmac, smac, &sa, &d, nh, hl, il) + il;
}

#endif /* ENDMT_TEST_REPL_UTIL_H */
