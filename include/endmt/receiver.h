/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Receivers that are never valid (docs/DECISIONS.md "Receivers that are
 * never valid"): the edge makes no copy for such a TLV entry, whatever the
 * TLV says, and the CLI and `apply` refuse to configure one.  One rule for
 * both, so the data path and the configuration cannot disagree.  Shared by
 * BPF and userspace: no helpers, no libc. */
#ifndef ENDMT_RECEIVER_H
#define ENDMT_RECEIVER_H

#include <linux/types.h>

/* IBTA: QP0 is the SMI, QP1 the GSI, 0xFFFFFF the multicast QPN; none is
 * an RC QP a copy could be for. */
#define ENDMT_QPN_SMI       0u
#define ENDMT_QPN_GSI       1u
#define ENDMT_QPN_MULTICAST 0xffffffu

enum endmt_rcv_refusal {
	ENDMT_RCV_OK = 0,
	ENDMT_RCV_QPN,		/* QPN 0, 1 or 0xFFFFFF */
	ENDMT_RCV_MULTICAST,	/* ff00::/8: one "copy" to many hosts */
	ENDMT_RCV_UNSPEC,	/* :: */
	ENDMT_RCV_LOOPBACK,	/* ::1 */
	ENDMT_RCV_V4MAPPED,	/* ::ffff:0:0/96, not an IPv6 host */
	ENDMT_RCV_LINKLOCAL,	/* fe80::/10: ambiguous without a device */
	ENDMT_RCV_PROXY,	/* the group's Proxy Address: the source's side */
};

/* Why the receiver (addr, qpn) of a group whose Proxy Address is proxy
 * (NULL: not known) is never valid, or ENDMT_RCV_OK. */
static inline int endmt_rcv_refusal(const __u8 *addr, __u32 qpn, const __u8 *proxy)
{
	__u32 w[4], p[4];

	__builtin_memcpy(w, addr, 16);
	if (qpn == ENDMT_QPN_SMI || qpn == ENDMT_QPN_GSI || qpn == ENDMT_QPN_MULTICAST)
		return ENDMT_RCV_QPN;
	if (addr[0] == 0xff)
		return ENDMT_RCV_MULTICAST;
	if (addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80)
		return ENDMT_RCV_LINKLOCAL;
	if ((w[0] | w[1]) == 0) {
		if (w[2] == 0 && w[3] == 0)
			return ENDMT_RCV_UNSPEC;
		if (w[2] == 0 && addr[12] == 0 && addr[13] == 0 && addr[14] == 0 && addr[15] == 1)
			return ENDMT_RCV_LOOPBACK;
		if (addr[8] == 0 && addr[9] == 0 && addr[10] == 0xff && addr[11] == 0xff)
			return ENDMT_RCV_V4MAPPED;
	}
	if (proxy) {
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
	__u32 w[4];

	__builtin_memcpy(w, a, 16);
	if (a[0] == 0xff)
		return 1;
	return (w[0] | w[1] | w[2]) == 0 &&
	       a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] <= 1;
}

/* What the CLI says of a refusal. */
static inline const char *endmt_rcv_refusal_str(int why)
{
	switch (why) {
	case ENDMT_RCV_QPN:       return "QPN 0, 1 and 0xffffff are no RC receiver QPs";
	case ENDMT_RCV_MULTICAST: return "a multicast address is no receiver";
	case ENDMT_RCV_UNSPEC:    return "the unspecified address is no receiver";
	case ENDMT_RCV_LOOPBACK:  return "the loopback address is no receiver";
	case ENDMT_RCV_V4MAPPED:  return "an IPv4-mapped address is no IPv6 receiver";
	case ENDMT_RCV_LINKLOCAL: return "a link-local address is ambiguous without a device";
	case ENDMT_RCV_PROXY:     return "the group's Proxy Address is the source's side, no receiver";
	default:                  return "valid";
	}
}

#endif /* ENDMT_RECEIVER_H */
