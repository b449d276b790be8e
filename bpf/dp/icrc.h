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

/* For many windows of one packet whose octets mostly do not change (the
 * edge's copies): the raw CRC built span by span, constant offsets and
 * lengths (unrolled), octets known to be equal as zeros without loading
 * them, and a trailing run of them folded into the shift; the shift's
 * product from its table (endmt_crc32_mul_init once per packet).  Same
 * value as endmt_icrc_delta_raw + endmt_icrc_apply over the whole window. */

/* raw continued over the delta of window octets [from, from + len). */
static __always_inline __u32 endmt_icrc_delta_more(__u32 raw, const __u8 *oldw,
						   const __u8 *neww, __u32 from, __u32 len)
{
	__u32 i;

#pragma unroll
	for (i = 0; i < len; i++)
		raw = endmt_crc32_byte(raw, oldw[from + i] ^ neww[from + i]);
	return raw;
}

/* raw continued over len octets whose delta is zero. */
static __always_inline __u32 endmt_icrc_zeros(__u32 raw, __u32 len)
{
	__u32 i;

#pragma unroll
	for (i = 0; i < len; i++)
		raw = endmt_crc32_table[raw & 0xff] ^ (raw >> 8);
	return raw;
}

/* endmt_icrc_apply with the shift's table. */
static __always_inline __u32 endmt_icrc_apply_tab(__u32 icrc, __u32 raw,
						  const struct endmt_crc32_mul *m)
{
	return icrc ^ endmt_crc32_mul_by(m, raw);
}

#endif /* ENDMT_DP_ICRC_H */
