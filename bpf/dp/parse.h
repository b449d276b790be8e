/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Header parsing on a cursor.  Each parser bound-checks the whole header
 * before returning a pointer to it and advances the cursor past it; on a
 * short packet it returns NULL and leaves the cursor alone.  Returned header
 * fields are in network order (they are the packet's bytes). */
#ifndef ENDMT_DP_PARSE_H
#define ENDMT_DP_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "endmt/srh.h"
#include "endmt/roce.h"

struct endmt_cursor {
	void *pos;
	void *end;
};

#define ENDMT_PARSE_FN(name, type)					\
static __always_inline type *name(struct endmt_cursor *c)		\
{									\
	type *h = c->pos;						\
									\
	if ((void *)(h + 1) > c->end)					\
		return NULL;						\
	c->pos = h + 1;							\
	return h;							\
}

ENDMT_PARSE_FN(endmt_parse_eth, struct ethhdr)
ENDMT_PARSE_FN(endmt_parse_ip6, struct ipv6hdr)
ENDMT_PARSE_FN(endmt_parse_udp, struct udphdr)
ENDMT_PARSE_FN(endmt_parse_srh, struct endmt_srh)
ENDMT_PARSE_FN(endmt_parse_bth, struct endmt_bth)
ENDMT_PARSE_FN(endmt_parse_aeth, struct endmt_aeth)
ENDMT_PARSE_FN(endmt_parse_reth, struct endmt_reth)

static __always_inline int endmt_ip6_eq(const void *a, const void *b)
{
	const __u64 *x = a, *y = b;

	return x[0] == y[0] && x[1] == y[1];
}

#endif /* ENDMT_DP_PARSE_H */
