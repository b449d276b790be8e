/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reverse-path aggregation (ACK / NAK / CNP), shared by every role's XDP
 * program.  PLACEHOLDER until the reverse path lands: recognises nothing. */
#ifndef ENDMT_BPF_AGGREGATE_H
#define ENDMT_BPF_AGGREGATE_H

#include <linux/bpf.h>

/* Returns an XDP verdict for a response to a known Proxy Address, or -1 when
 * the packet is not a response endmt handles (the caller goes on). */
static __always_inline int endmt_resp_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return -1;
}

#endif /* ENDMT_BPF_AGGREGATE_H */
