/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Receivers that are never valid (docs/DECISIONS.md "Receivers that are
 * never valid"): the edge makes no copy for such a TLV entry, whatever the
 * TLV says, and the CLI and `apply` refuse to configure one.  One rule for
 * both, so the data path and the configuration cannot disagree.  Shared by
 * BPF and userspace: no helpers, no libc. */
#ifndef ENDMT_RECEIVER_H
#define ENDMT_RECEIVER_H

#include <linux/types.h>
#include "endmt/addr.h"

/* IBTA: QP0 is the SMI, QP1 the GSI, 0xFFFFFF the multicast QPN; none is
 * an RC QP a copy could be for. */
#define ENDMT_QPN_SMI       0u
#define ENDMT_QPN_GSI       1u
#define ENDMT_QPN_MULTICAST 0xffffffu

/* Why a receiver is refused: an address kind (enum endmt_addr_kind) other
 * than unicast, or one of these. */
enum endmt_rcv_refusal {
	ENDMT_RCV_OK = ENDMT_ADDR_UNICAST,
	ENDMT_RCV_QPN = ENDMT_ADDR_LINKLOCAL + 1,	/* QPN 0, 1 or 0xFFFFFF */
	ENDMT_RCV_PROXY,	/* the group's Proxy Address: the source's side */
};

/* Why the receiver (addr, qpn) of a group whose Proxy Address is proxy
 * (NULL: not known) is never valid, or ENDMT_RCV_OK.  Multicast is one
 * "copy" to many hosts, ::/::1 and v4-mapped are no IPv6 host on a link,
 * link-local is ambiguous without a device (a TLV names none). */
static inline int endmt_rcv_refusal(const __u8 *addr, __u32 qpn, const __u8 *proxy)
{
	__u32 w[4], p[4];
	int kind;

	if (qpn == ENDMT_QPN_SMI || qpn == ENDMT_QPN_GSI || qpn == ENDMT_QPN_MULTICAST)
		return ENDMT_RCV_QPN;
	kind = endmt_addr_kind(addr);
	if (kind != ENDMT_ADDR_UNICAST)
		return kind;
	if (proxy) {
		__builtin_memcpy(w, addr, 16);
		__builtin_memcpy(p, proxy, 16);
		if (((w[0] ^ p[0]) | (w[1] ^ p[1]) | (w[2] ^ p[2]) | (w[3] ^ p[3])) == 0)
			return ENDMT_RCV_PROXY;
	}
	return ENDMT_RCV_OK;
}

/* An IPv6 source address no head can have: multicast (RFC 4291 §2.7: never
 * a source), unspecified or loopback (§2.5.2, §2.5.3: never on a link). */
static inline int endmt_saddr_never_valid(const __u8 *a)
{
	int kind = endmt_addr_kind(a);

	return kind == ENDMT_ADDR_MULTICAST || kind == ENDMT_ADDR_UNSPEC ||
	       kind == ENDMT_ADDR_LOOPBACK;
}

/* What the CLI says of a refusal. */
static inline const char *endmt_rcv_refusal_str(int why)
{
	switch (why) {
	case ENDMT_RCV_QPN:       return "QPN 0, 1 and 0xffffff are no RC receiver QPs";
	case ENDMT_ADDR_MULTICAST: return "a multicast address is no receiver";
	case ENDMT_ADDR_UNSPEC:    return "the unspecified address is no receiver";
	case ENDMT_ADDR_LOOPBACK:  return "the loopback address is no receiver";
	case ENDMT_ADDR_V4MAPPED:  return "an IPv4-mapped address is no IPv6 receiver";
	case ENDMT_ADDR_LINKLOCAL: return "a link-local address is ambiguous without a device";
	case ENDMT_RCV_PROXY:     return "the group's Proxy Address is the source's side, no receiver";
	default:                  return "valid";
	}
}

#endif /* ENDMT_RECEIVER_H */
