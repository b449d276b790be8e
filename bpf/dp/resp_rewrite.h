/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What a forwarded response leaves with (docs/REVERSE-PATH.md): the fixed
 * formats endmt aggregates, the window of octets a forward may change, and
 * the rewrite with its incremental ICRC and UDP checksum.  The rules that
 * decide the new PSN and AETH are in dp/resp_aggregate.h. */
#ifndef ENDMT_DP_RESP_REWRITE_H
#define ENDMT_DP_RESP_REWRITE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include "endmt/maps.h"
#include "endmt/roce.h"
#include "dp/icrc.h"

/* Octets after the IPv6 header of the responses endmt aggregates. */
#define ENDMT_RESP_ACK_ULEN (ENDMT_UDP_HLEN + sizeof(struct endmt_bth) + \
			     sizeof(struct endmt_aeth) + ENDMT_ICRC_LEN)
#define ENDMT_RESP_CNP_ULEN (ENDMT_UDP_HLEN + sizeof(struct endmt_cnp) + ENDMT_ICRC_LEN)

/* The window a forwarded response may change: IPv6 SA, DA, UDP header, BTH
 * (SA/DA/DestQPN at the head, PSN everywhere) and AETH (credits and MSN of a
 * forwarded ACK).  Offsets from the IPv6 header; the ICRC follows it. */
#define ENDMT_RESP_WIN_OFF   ENDMT_IP6_OFF_SADDR
#define ENDMT_RESP_WIN_END   (ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + sizeof(struct endmt_bth) + \
			      sizeof(struct endmt_aeth))
#define ENDMT_RESP_WIN_LEN   (ENDMT_RESP_WIN_END - ENDMT_RESP_WIN_OFF)
#define ENDMT_RESP_WIN_SA    0
#define ENDMT_RESP_WIN_DA    16
#define ENDMT_RESP_WIN_UCSUM (ENDMT_IP6_HLEN - ENDMT_RESP_WIN_OFF + 6)
#define ENDMT_RESP_WIN_QPN   (ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + 5 - ENDMT_RESP_WIN_OFF)
#define ENDMT_RESP_WIN_PSN   (ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + 9 - ENDMT_RESP_WIN_OFF)
#define ENDMT_RESP_WIN_AETH  (ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + sizeof(struct endmt_bth) - \
			      ENDMT_RESP_WIN_OFF)
_Static_assert(ENDMT_RESP_WIN_LEN == 56, "response rewrite window");
_Static_assert(ENDMT_RESP_WIN_LEN <= ENDMT_ICRC_MAX_WIN, "window fits the ICRC helper");
_Static_assert(ENDMT_RESP_WIN_LEN % 4 == 0, "bpf_csum_diff takes 4-octet multiples");

static __always_inline __u16 endmt_csum_fold(__u32 csum)
{
	csum = (csum & 0xffff) + (csum >> 16);
	csum = (csum & 0xffff) + (csum >> 16);
	return (__u16)~csum;
}

/* Rewrites a forwarded ACK/NAK: BTH.PSN := psn, AETH := aeth; at the
 * head also SA := Proxy, DA := source, DestQPN := source QPN.  ICRC updated
 * incrementally (the window ends where the ICRC starts), UDP checksum too
 * when the sender used one. */
static __always_inline void endmt_resp_rewrite(struct xdp_md *ctx, const struct endmt_group *g,
					       const struct endmt_group_key *key,
					       __u32 psn, __u32 aeth)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 oldw[ENDMT_RESP_WIN_LEN / 4], neww[ENDMT_RESP_WIN_LEN / 4];
	__u8 *ow = (__u8 *)oldw, *nw = (__u8 *)neww, *win, *icrc;
	struct udphdr *udp;
	__u32 raw, ocrc, ncrc, oc, nc, i;

	win = data + ETH_HLEN + ENDMT_RESP_WIN_OFF;
	icrc = data + ETH_HLEN + ENDMT_IP6_HLEN + ENDMT_RESP_ACK_ULEN - ENDMT_ICRC_LEN;
	udp = data + ETH_HLEN + ENDMT_IP6_HLEN;
	/* Re-derived from ctx: the caller checked these lengths already. */
	if ((void *)(icrc + ENDMT_ICRC_LEN) > end)
		return;
	__builtin_memcpy(ow, win, ENDMT_RESP_WIN_LEN);
	__builtin_memcpy(nw, ow, ENDMT_RESP_WIN_LEN);
	if (g->flags & ENDMT_GF_HEAD) {
		__builtin_memcpy(nw + ENDMT_RESP_WIN_SA, key->proxy, 16);
		__builtin_memcpy(nw + ENDMT_RESP_WIN_DA, g->src_addr, 16);
		nw[ENDMT_RESP_WIN_QPN] = (__u8)(g->src_qpn >> 16);
		nw[ENDMT_RESP_WIN_QPN + 1] = (__u8)(g->src_qpn >> 8);
		nw[ENDMT_RESP_WIN_QPN + 2] = (__u8)g->src_qpn;
	}
	nw[ENDMT_RESP_WIN_PSN] = (__u8)(psn >> 16);
	nw[ENDMT_RESP_WIN_PSN + 1] = (__u8)(psn >> 8);
	nw[ENDMT_RESP_WIN_PSN + 2] = (__u8)psn;
	nw[ENDMT_RESP_WIN_AETH] = (__u8)(aeth >> 24);
	nw[ENDMT_RESP_WIN_AETH + 1] = (__u8)(aeth >> 16);
	nw[ENDMT_RESP_WIN_AETH + 2] = (__u8)(aeth >> 8);
	nw[ENDMT_RESP_WIN_AETH + 3] = (__u8)aeth;

	raw = endmt_icrc_delta_raw(ow, nw, ENDMT_RESP_WIN_LEN);
	ocrc = (__u32)icrc[0] | (__u32)icrc[1] << 8 | (__u32)icrc[2] << 16 |
	       (__u32)icrc[3] << 24;
	ncrc = ocrc ^ raw;	/* the ICRC follows the window: shift by x^0 */
	__builtin_memcpy(&oc, icrc, 4);		/* memory images for the UDP sum */
	for (i = 0; i < ENDMT_RESP_WIN_LEN; i++)
		win[i] = nw[i];
	icrc[0] = (__u8)ncrc;
	icrc[1] = (__u8)(ncrc >> 8);
	icrc[2] = (__u8)(ncrc >> 16);
	icrc[3] = (__u8)(ncrc >> 24);
	__builtin_memcpy(&nc, icrc, 4);
	/* UDP checksum 0 over IPv6 is what rxe sends; keep it.  Otherwise the
	 * changed octets are the window (pseudo header, UDP header, BTH,
	 * AETH) and the ICRC, all covered by the checksum.  The checksum field is equal
	 * in both windows so it drops out of the difference.  One's
	 * complement sums work in memory order: no byte swapping.  The ICRC
	 * starts at an even UDP offset, so its 16-bit words line up. */
	if (udp->check) {
		__s64 d = bpf_csum_diff(oldw, ENDMT_RESP_WIN_LEN, neww, ENDMT_RESP_WIN_LEN,
					(__u16)~udp->check);
		__u16 c;

		if (d < 0)
			return;
		d = bpf_csum_diff(&oc, 4, &nc, 4, (__u32)d);
		if (d < 0)
			return;
		c = endmt_csum_fold((__u32)d);
		udp->check = c ? c : 0xffff;
	}
}

#endif /* ENDMT_DP_RESP_REWRITE_H */
