/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What kind of IPv6 address a is (RFC 4291 §2.4), the one classifier behind
 * every rule on addresses: receivers (endmt/receiver.h), outer sources at
 * the edge, Replication and downstream SIDs (loader/repl.c).  Shared by BPF
 * and userspace: no helpers, no libc. */
#ifndef ENDMT_ADDR_H
#define ENDMT_ADDR_H

#include <linux/types.h>

enum endmt_addr_kind {
	ENDMT_ADDR_UNICAST = 0,	/* anything below */
	ENDMT_ADDR_MULTICAST,	/* ff00::/8 */
	ENDMT_ADDR_UNSPEC,	/* :: */
	ENDMT_ADDR_LOOPBACK,	/* ::1 */
	ENDMT_ADDR_V4MAPPED,	/* ::ffff:0:0/96 */
	ENDMT_ADDR_LINKLOCAL,	/* fe80::/10 */
};

static inline int endmt_addr_kind(const __u8 *a)
{
	__u32 w[4];

	__builtin_memcpy(w, a, 16);
	if (a[0] == 0xff)
		return ENDMT_ADDR_MULTICAST;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return ENDMT_ADDR_LINKLOCAL;
	if ((w[0] | w[1]) == 0) {
		if (w[2] == 0 && a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] <= 1)
			return a[15] ? ENDMT_ADDR_LOOPBACK : ENDMT_ADDR_UNSPEC;
		if (a[8] == 0 && a[9] == 0 && a[10] == 0xff && a[11] == 0xff)
			return ENDMT_ADDR_V4MAPPED;
	}
	return ENDMT_ADDR_UNICAST;
}

/* a == b, octet by octet: any alignment (BPF stack accesses must be
 * aligned to their size; a packed header copy is not). */
static inline int endmt_addr_eq(const __u8 *a, const __u8 *b)
{
	__u32 i, diff = 0;

	for (i = 0; i < 16; i++)
		diff |= (__u32)(a[i] ^ b[i]);
	return diff == 0;
}

/* Is a in prefix p/plen (plen 0..128; 0 matches everything)?  Octet by
 * octet with a mask, no early exit on a partial octet: the same work for
 * every address. */
static inline int endmt_prefix_match(const __u8 *a, const __u8 *p, __u32 plen)
{
	__u32 i, diff = 0;

	for (i = 0; i < 16; i++) {
		__u32 bits = plen > i * 8 ? plen - i * 8 : 0;
		__u32 mask = bits >= 8 ? 0xff : (0xff00u >> bits) & 0xff;

		diff |= (__u32)(a[i] ^ p[i]) & mask;
	}
	return diff == 0;
}

#endif /* ENDMT_ADDR_H */
