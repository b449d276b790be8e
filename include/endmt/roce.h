/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RoCEv2 transport headers (InfiniBand Annex A17): BTH, AETH, RETH, CNP.
 * The only definition of these wire formats, shared by BPF and userspace. */
#ifndef ENDMT_ROCE_H
#define ENDMT_ROCE_H

#include <linux/types.h>

#define ENDMT_ROCE_PORT 4791	/* UDP destination port of RoCEv2 */
#define ENDMT_ICRC_LEN  4

/* RoCEv2 over IPv6: the IPv6 and UDP headers in front of the BTH.  Offsets
 * from the start of the IPv6 header. */
#define ENDMT_IP6_OFF_PLEN   4	/* payload length, __be16 */
#define ENDMT_IP6_OFF_NEXTHDR 6
#define ENDMT_IP6_OFF_HOPLIMIT 7
#define ENDMT_IP6_OFF_SADDR  8
#define ENDMT_IP6_OFF_DADDR  24
#define ENDMT_IP6_HLEN       40
#define ENDMT_UDP_HLEN       8
#define ENDMT_UDP_OFF_SPORT  0	/* offsets from the start of the UDP header */
#define ENDMT_UDP_OFF_DPORT  2
#define ENDMT_UDP_OFF_LEN    4
#define ENDMT_UDP_OFF_CSUM   6

/* Base Transport Header, 12 octets. */
struct endmt_bth {
	__u8 opcode;
	__u8 flags;		/* SE(7) M(6) PadCnt(5:4) TVer(3:0) */
	__be16 pkey;
	__be32 fb_dqpn;		/* FECN(31) BECN(30) resv6(29:24) | DestQP(23:0) */
	__be32 ar_psn;		/* AckReq(31) resv7(30:24) | PSN(23:0) */
} __attribute__((packed));
_Static_assert(sizeof(struct endmt_bth) == 12, "BTH is 12 octets");

#define ENDMT_BTH_QPN_MASK   0x00ffffffu
#define ENDMT_BTH_PSN_MASK   0x00ffffffu
#define ENDMT_BTH_ACKREQ     0x80000000u
#define ENDMT_BTH_FECN       0x80000000u
#define ENDMT_BTH_BECN       0x40000000u
#define ENDMT_BTH_PAD(flags) (((flags) >> 4) & 3)
/* Octet of the BTH that the ICRC masks to 0xff (FECN/BECN/resv6). */
#define ENDMT_BTH_MASKED_OCTET 4

/* ACK Extended Transport Header, 4 octets. */
struct endmt_aeth {
	__be32 syn_msn;		/* Syndrome(31:24) | MSN(23:0) */
} __attribute__((packed));
_Static_assert(sizeof(struct endmt_aeth) == 4, "AETH is 4 octets");

/* Syndrome: bits 6:5 select the kind, bits 4:0 the value. */
#define ENDMT_AETH_KIND(syn)    (((syn) >> 5) & 3)
#define ENDMT_AETH_KIND_ACK     0
#define ENDMT_AETH_KIND_RNR     1
#define ENDMT_AETH_KIND_RSVD    2
#define ENDMT_AETH_KIND_NAK     3
#define ENDMT_AETH_VALUE(syn)   ((syn) & 0x1f)
#define ENDMT_NAK_PSN_SEQ_ERR   0
#define ENDMT_NAK_INVALID_REQ   1
#define ENDMT_NAK_REMOTE_ACCESS 2
#define ENDMT_NAK_REMOTE_OP     3
#define ENDMT_NAK_INVALID_RD    4

/* AETH of an ACK: the value field is the credit count code (IBTA 9.7.5.1,
 * 0..30 ascending; 31 = "invalid": no end-to-end credits). */
#define ENDMT_AETH_CREDIT_INVALID 0x1f
#define ENDMT_AETH_MSN_MASK       0x00ffffffu

/* Minimum RNR NAK timer (IBTA table 45) of an RNR NAK's value field, in ns:
 * code 0 is 655.36 ms, 1 is 0.01 ms, then 0.02, 0.03, 0.04, 0.06, 0.08, ...
 * (even codes 2^(c/2), odd codes 3 * 2^((c-3)/2), in units of 10 us) up to
 * 491.52 ms for 31. */
static inline __attribute__((always_inline)) __u64 endmt_rnr_timer_ns(__u32 code)
{
	__u32 u;

	code &= 0x1f;
	if (code == 0)
		u = 65536;
	else if (code == 1)
		u = 1;
	else if (code & 1)
		u = 3u << ((code - 3) / 2);
	else
		u = 1u << (code / 2);
	return (__u64)u * 10000;
}

/* RDMA Extended Transport Header, 16 octets. */
struct endmt_reth {
	__be64 va;
	__be32 rkey;
	__be32 dma_len;
} __attribute__((packed));
_Static_assert(sizeof(struct endmt_reth) == 16, "RETH is 16 octets");

/* RC opcodes (transport 0b000) used here. */
enum endmt_opcode {
	ENDMT_OP_SEND_FIRST = 0x00,
	ENDMT_OP_SEND_MIDDLE = 0x01,
	ENDMT_OP_SEND_LAST = 0x02,
	ENDMT_OP_SEND_LAST_IMM = 0x03,
	ENDMT_OP_SEND_ONLY = 0x04,
	ENDMT_OP_SEND_ONLY_IMM = 0x05,
	ENDMT_OP_WRITE_FIRST = 0x06,
	ENDMT_OP_WRITE_MIDDLE = 0x07,
	ENDMT_OP_WRITE_LAST = 0x08,
	ENDMT_OP_WRITE_LAST_IMM = 0x09,
	ENDMT_OP_WRITE_ONLY = 0x0a,
	ENDMT_OP_WRITE_ONLY_IMM = 0x0b,
	ENDMT_OP_READ_REQ = 0x0c,
	ENDMT_OP_READ_RESP_FIRST = 0x0d,
	ENDMT_OP_READ_RESP_MIDDLE = 0x0e,
	ENDMT_OP_READ_RESP_LAST = 0x0f,
	ENDMT_OP_READ_RESP_ONLY = 0x10,
	ENDMT_OP_ACK = 0x11,
	ENDMT_OP_ATOMIC_ACK = 0x12,
	ENDMT_OP_CNP = 0x81,	/* RoCEv2 Congestion Notification Packet */
};

/* RC requests that can go to a group: SEND and RDMA WRITE (0x00-0x0b).  A
 * READ or ATOMIC request, sent to many, would get one response per receiver
 * and the source accepts only one (it times out or breaks), and every other
 * opcode is a response or another transport: none is a multicast request. */
static inline int endmt_op_multicastable(__u8 op)
{
	return op <= ENDMT_OP_WRITE_ONLY_IMM;
}

/* Opcodes whose BTH is followed by a RETH (RDMA WRITE first/only, READ req). */
static inline int endmt_op_has_reth(__u8 op)
{
	return op == ENDMT_OP_WRITE_FIRST || op == ENDMT_OP_WRITE_ONLY ||
	       op == ENDMT_OP_WRITE_ONLY_IMM || op == ENDMT_OP_READ_REQ;
}

/* CNP: BTH (opcode 0x81, DestQP = QP to slow down) + 16 reserved octets + ICRC. */
struct endmt_cnp {
	struct endmt_bth bth;
	__u8 reserved[16];
} __attribute__((packed));
_Static_assert(sizeof(struct endmt_cnp) == 28, "CNP body is 28 octets");

#endif /* ENDMT_ROCE_H */
