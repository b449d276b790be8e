/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* SRv6 Segment Routing Header (RFC 8754) and its TLVs, including the End.MT
 * TLV of draft-li-spring-rdma-multicast-over-srv6-00 (Figure 2).
 *
 * The only definition of these wire formats: included by BPF programs and by
 * userspace alike.  Byte order is in the type (__be*); single bytes are plain.
 */
#ifndef ENDMT_SRH_H
#define ENDMT_SRH_H

#include <linux/types.h>

#define ENDMT_NEXTHDR_ROUTING 43	/* IPv6 Routing header */
#define ENDMT_NEXTHDR_IPV6    41	/* IPv6-in-IPv6 */
#define ENDMT_NEXTHDR_UDP     17
#define ENDMT_NEXTHDR_DSTOPTS 60	/* IPv6 Destination Options (RFC 9343 AltMark) */
#define ENDMT_SRH_ROUTING_TYPE 4	/* Segment Routing Header */

/* Fixed part of the SRH; segments (16 bytes each) then TLVs follow. */
struct endmt_srh {
	__u8 nexthdr;
	__u8 hdrlen;		/* length in 8-octet units, not counting the first 8 */
	__u8 type;		/* ENDMT_SRH_ROUTING_TYPE */
	__u8 segments_left;
	__u8 last_entry;	/* index of the last element of the segment list */
	__u8 flags;
	__be16 tag;
} __attribute__((packed));
_Static_assert(sizeof(struct endmt_srh) == 8, "SRH fixed part is 8 octets");

#define ENDMT_SRH_LEN(hdrlen) (((__u32)(hdrlen) + 1) * 8)

/* TLV types (RFC 8754 §2.1).  Pad1 is a single octet with no length. */
#define ENDMT_TLV_PAD1 0
#define ENDMT_TLV_PADN 4
#define ENDMT_TLV_HMAC 5
/* End.MT TLV: IANA value TBD (draft §10.2); 124 is in RFC 8754's experimental
 * range.  The data path takes the value from its configuration. */
#define ENDMT_TLV_ENDMT_DEFAULT 124

struct endmt_tlv_hdr {
	__u8 type;
	__u8 len;		/* octets of value, not counting type and length */
} __attribute__((packed));
_Static_assert(sizeof(struct endmt_tlv_hdr) == 2, "TLV header is 2 octets");

/* End.MT TLV head (Figure 2) up to and including Num Receivers + Reserved. */
struct endmt_mt_tlv {
	__u8 type;
	__u8 len;		/* == ENDMT_MT_TLV_VALUE_LEN(num_receivers) */
	__be16 reserved0;
	__u8 edge[16];		/* Edge Node Address */
	__u8 num_receivers;
	__u8 reserved1[3];
} __attribute__((packed));
_Static_assert(sizeof(struct endmt_mt_tlv) == 24, "End.MT TLV head is 24 octets");

/* One receiver entry of an End.MT TLV. */
struct endmt_mt_rcv {
	__u8 addr[16];		/* receiver IPv6 address */
	__be32 qpn_rsvd;	/* QPN in the high 24 bits, reserved low octet */
} __attribute__((packed));
_Static_assert(sizeof(struct endmt_mt_rcv) == 20, "receiver entry is 20 octets");

#define ENDMT_MT_TLV_VALUE_LEN(n) (22u + 20u * (__u32)(n))
/* Length is one octet: (255 - 22) / 20 = 11 receivers fit in one TLV. */
#define ENDMT_MT_TLV_MAX_RCV 11

/* HMAC TLV fixed part (RFC 8754 §2.1.2); the HMAC itself follows. */
struct endmt_hmac_tlv {
	__u8 type;
	__u8 len;
	__be16 d_reserved;	/* D bit is the most significant bit */
	__be32 key_id;
} __attribute__((packed));
_Static_assert(sizeof(struct endmt_hmac_tlv) == 8, "HMAC TLV head is 8 octets");
/* The HMAC TLV endmt handles: Length 38 = 2 (D + reserved) + 4 (Key ID)
 * + 32 (HMAC-SHA256, no truncation), as the kernel's SEG6_HMAC_FIELD_LEN;
 * the HMAC field starts right after struct endmt_hmac_tlv. */
#define ENDMT_HMAC_TLV_LEN 38
/* Flags: the HMAC bit of draft-ietf-6man-segment-routing-header before
 * RFC 8754, without which Linux never looks for an HMAC TLV. */
#define ENDMT_SRH_F_HMAC 0x08
#define ENDMT_HMAC_FIELD_OFF 8

#endif /* ENDMT_SRH_H */
