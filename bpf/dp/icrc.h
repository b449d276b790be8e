/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Incremental ICRC update in the data path (arithmetic and its proof in
 * include/endmt/icrc.h).  Cost: one raw CRC over the rewritten window (at
 * most ENDMT_ICRC_MAX_WIN octets) and one GF(2) multiply by a shift constant
 * that depends only on the packet, so replication computes it once per
 * packet and each copy pays a fixed cost whatever the payload length. */
#ifndef ENDMT_DP_ICRC_H
#define ENDMT_DP_ICRC_H

#include <linux/types.h>
#include "endmt/icrc.h"

#define ENDMT_ICRC_MAX_WIN 64

/* crc_raw(old ^ new) over a window of wlen (<= ENDMT_ICRC_MAX_WIN) octets
 * held on the stack or in a map value. */
static __always_inline __u32 endmt_icrc_delta_raw(const __u8 *oldw, const __u8 *neww,
						  __u32 wlen)
{
	__u32 raw = 0;
	__u32 i;

	for (i = 0; i < ENDMT_ICRC_MAX_WIN; i++) {
		if (i >= wlen)
			break;
		raw = endmt_crc32_byte(raw, oldw[i] ^ neww[i]);
	}
	return raw;
}

/* New ICRC (as stored, little-endian value) after the window changed.
 * shift = endmt_crc32_x8n(octets after the window up to the ICRC). */
static __always_inline __u32 endmt_icrc_apply(__u32 icrc, __u32 raw, __u32 shift)
{
	return icrc ^ endmt_crc32_mulmod(raw, shift);
}

#endif /* ENDMT_DP_ICRC_H */
