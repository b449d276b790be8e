/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Named positions of header fields in the unit tests' frames, derived from
 * the wire-format structs (include/endmt/, linux/) so a mutator or a
 * reference parser says which field it touches, not which octet.  Frames
 * are Ethernet + outer IPv6 + SRH ... as lib/pkt.h builds them. */
#ifndef ENDMT_TEST_WIRE_H
#define ENDMT_TEST_WIRE_H

#include <stddef.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include "endmt/roce.h"
#include "endmt/srh.h"

/* Ethernet */
#define W_ETH_PROTO	offsetof(struct ethhdr, h_proto)
#define W_ETH_LEN	sizeof(struct ethhdr)

/* IPv6, relative to its own start */
#define W_IP6_PLEN	offsetof(struct ipv6hdr, payload_len)
#define W_IP6_NEXTHDR	offsetof(struct ipv6hdr, nexthdr)
#define W_IP6_HLIM	offsetof(struct ipv6hdr, hop_limit)
#define W_IP6_SADDR	offsetof(struct ipv6hdr, saddr)
#define W_IP6_DADDR	offsetof(struct ipv6hdr, daddr)
#define W_IP6_LEN	sizeof(struct ipv6hdr)

/* The outer IPv6 header and the SRH that follows it, from the frame start */
#define W_OUT		W_ETH_LEN
#define W_OUT_PLEN	(W_OUT + W_IP6_PLEN)
#define W_OUT_NEXTHDR	(W_OUT + W_IP6_NEXTHDR)
#define W_OUT_SADDR	(W_OUT + W_IP6_SADDR)
#define W_OUT_DADDR	(W_OUT + W_IP6_DADDR)
#define W_SRH		(W_OUT + W_IP6_LEN)
#define W_SRH_NEXTHDR	(W_SRH + offsetof(struct endmt_srh, nexthdr))
#define W_SRH_HDRLEN	(W_SRH + offsetof(struct endmt_srh, hdrlen))
#define W_SRH_TYPE	(W_SRH + offsetof(struct endmt_srh, type))
#define W_SRH_SL	(W_SRH + offsetof(struct endmt_srh, segments_left))
#define W_SRH_LE	(W_SRH + offsetof(struct endmt_srh, last_entry))
#define W_SRH_SEGS	(W_SRH + sizeof(struct endmt_srh))
#define W_SEG_LEN	16
/* Segment List[i] */
#define W_SRH_SEG(i)	(W_SRH_SEGS + W_SEG_LEN * (size_t)(i))

/* End.MT TLV (draft Figure 2), relative to the TLV's Type octet */
#define W_TLV_LEN	offsetof(struct endmt_tlv_hdr, len)
#define W_TLV_HLEN	sizeof(struct endmt_tlv_hdr)
#define W_MT_EDGE	offsetof(struct endmt_mt_tlv, edge)
#define W_MT_NRCV	offsetof(struct endmt_mt_tlv, num_receivers)
#define W_MT_HLEN	sizeof(struct endmt_mt_tlv)
#define W_MT_RCV_LEN	sizeof(struct endmt_mt_rcv)

/* The inner RoCEv2 packet, relative to its IPv6 header */
#define W_IN_UDP	W_IP6_LEN
#define W_IN_UDP_DPORT	(W_IN_UDP + offsetof(struct udphdr, dest))
#define W_IN_UDP_LEN	(W_IN_UDP + offsetof(struct udphdr, len))
#define W_IN_UDP_CSUM	(W_IN_UDP + offsetof(struct udphdr, check))
#define W_IN_BTH	(W_IN_UDP + sizeof(struct udphdr))
#define W_IN_OPCODE	(W_IN_BTH + offsetof(struct endmt_bth, opcode))
#define W_IN_RETH	(W_IN_BTH + sizeof(struct endmt_bth))
#define W_IN_RETH_END	(W_IN_RETH + sizeof(struct endmt_reth))

#endif /* ENDMT_TEST_WIRE_H */
