/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RoCEv2 ICRC arithmetic shared by the data path and userspace.
 *
 * ICRC = CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320, init ~0, final ~0),
 * stored little-endian in the last 4 octets, over:
 *   8 x 0xff | IPv6 header (TC, FL, HL := all ones) | UDP (csum := 0xffff) |
 *   BTH (octet 4 := 0xff) | payload up to the ICRC.
 *
 * The CRC is affine over GF(2): for two messages of the same length,
 *   crc(M ^ D) = crc(M) ^ crc_raw(D)      (crc_raw: init 0, no final xor).
 * If D is zero except a window w followed by t octets, crc_raw(D) =
 * crc_raw(w) * x^(8t) mod P, and leading zeros contribute nothing.  So after
 * rewriting a window the ICRC is updated in time independent of the payload:
 *   new = old ^ mulmod(crc_raw(old_w ^ new_w), x^(8t)).
 * Masked octets must be equal (zero delta) in old_w and new_w.
 */
#ifndef ENDMT_ICRC_H
#define ENDMT_ICRC_H

#include <linux/types.h>
#include "endmt/roce.h"	/* the IPv6 and UDP header sizes and offsets */

#define ENDMT_CRC32_POLY 0xedb88320u
#define ENDMT_ICRC_PSEUDO_LRH 8	/* the 8 octets of 0xff before the IPv6 header */
/* Longest shift the data path computes: payload + headers after a window. */
#define ENDMT_ICRC_MAX_TAIL  0xffffu

/* Window of the inner packet rewritten per copy (the TC half and the XDP
 * fan-out alike), from the inner IPv6 DA: DA(16) UDP(8) BTH(12) [RETH(16)].  The UDP checksum octets (masked in the
 * ICRC) lie inside it but never change within the window copies. */
#define ENDMT_W_DA    0
#define ENDMT_W_UDP   16
#define ENDMT_W_CSUM  22
#define ENDMT_W_BTH   24
#define ENDMT_W_QPN   29	/* 3 octets; octet 28 (FECN/BECN) is kept */
#define ENDMT_W_QPN_END 32
#define ENDMT_W_PSN   33	/* 3 octets; octet 32 (AckReq) is kept */
#define ENDMT_W_RETH  36
#define ENDMT_W_LEN   36
#define ENDMT_W_LEN_RETH 52

/* Byte-at-a-time table for the reflected polynomial. */
static const __u32 endmt_crc32_table[256] __attribute__((unused)) = {
	0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
	0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
	0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
	0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
	0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
	0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
	0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
	0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
	0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
	0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
	0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
	0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
	0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
	0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
	0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
	0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
	0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
	0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
	0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
	0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
	0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
	0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
	0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
	0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
	0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
	0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
	0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
	0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
	0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
	0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
	0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
	0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
	0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
	0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
	0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
	0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
	0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
	0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
	0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
	0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
	0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
	0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
	0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

/* x^(2^k) mod P in reflected form, k = 0..31. */
static const __u32 endmt_crc32_x2n[32] __attribute__((unused)) = {
	0x40000000u, 0x20000000u, 0x08000000u, 0x00800000u, 0x00008000u, 0xedb88320u,
	0xb1e6b092u, 0xa06a2517u, 0xed627daeu, 0x88d14467u, 0xd7bbfe6au, 0xec447f11u,
	0x8e7ea170u, 0x6427800eu, 0x4d47bae0u, 0x09fe548fu, 0x83852d0fu, 0x30362f1au,
	0x7b5a9cc3u, 0x31fec169u, 0x9fec022au, 0x6c8dedc4u, 0x15d6874du, 0x5fde7a4eu,
	0xbad90e37u, 0x2e4e5eefu, 0x4eaba214u, 0xa8a472c0u, 0x429a969eu, 0x148d302au,
	0xc40ba6d0u, 0xc4e22c3cu,
};

static inline __u32 endmt_crc32_byte(__u32 crc, __u8 b)
{
	return endmt_crc32_table[(crc ^ b) & 0xff] ^ (crc >> 8);
}

/* a * b mod P, both in reflected form (bit 31 is x^0). */
static inline __u32 endmt_crc32_mulmod(__u32 a, __u32 b)
{
	__u32 p = 0;
	int i;

	for (i = 0; i < 32; i++) {
		if (a & (0x80000000u >> i))
			p ^= b;
		b = (b >> 1) ^ (ENDMT_CRC32_POLY & (0u - (b & 1)));
	}
	return p;
}

/* Many products by one b (a packet's shift, once per copy): b's 16 nibble
 * multiples once, then per product 8 Horner steps of 4 bits instead of 32
 * of 1.  Same value as endmt_crc32_mulmod(a, b) (test/unit/icrc.c checks
 * both over random operands).  In the reflected form the nibble
 * (a >> 4j) & 15 holds the coefficients of x^(28-4j) .. x^(31-4j), its bit
 * 3 the lowest degree, so t[v] = b * (v3 + v2 x + v1 x^2 + v0 x^3). */
struct endmt_crc32_mul {
	__u32 t[16];
};

/* b * x mod P, reflected: one bit toward the high degrees. */
static inline __u32 endmt_crc32_mulx(__u32 b)
{
	return (b >> 1) ^ (ENDMT_CRC32_POLY & (0u - (b & 1)));
}

static inline void endmt_crc32_mul_init(struct endmt_crc32_mul *m, __u32 b)
{
	__u32 b1 = endmt_crc32_mulx(b), b2 = endmt_crc32_mulx(b1), b3 = endmt_crc32_mulx(b2);
	__u32 v;

	for (v = 0; v < 16; v++)
		m->t[v] = (b & (0u - (v >> 3 & 1))) ^ (b1 & (0u - (v >> 2 & 1))) ^
			  (b2 & (0u - (v >> 1 & 1))) ^ (b3 & (0u - (v & 1)));
}

/* a * b mod P with b's table.  Horner from the high degrees: p := p * x^4
 * + nibble * b.  p * x^4 shifts p's four highest coefficients (its low
 * nibble) out; the byte table's entry (nibble << 4) is their reduction
 * (its first four steps only shift zeros, the last four reduce them). */
static inline __u32 endmt_crc32_mul_by(const struct endmt_crc32_mul *m, __u32 a)
{
	__u32 p = 0;
	int j;

	for (j = 0; j < 8; j++) {
		p = (p >> 4) ^ endmt_crc32_table[(p & 0xf) << 4];
		p ^= m->t[(a >> (4 * j)) & 0xf];
	}
	return p;
}

/* x^(8n) mod P for n < 2^16: the operator that appends n zero octets. */
static inline __u32 endmt_crc32_x8n(__u32 n)
{
	__u32 r = 0x80000000u;	/* x^0 */
	int k;

	for (k = 0; k < 16; k++) {
		if (n & (1u << k))
			r = endmt_crc32_mulmod(r, endmt_crc32_x2n[(k + 3) & 31]);
	}
	return r;
}

/* The ICRC change for a delta window followed by `tail` octets before the
 * ICRC.  `raw` is crc_raw(old_w ^ new_w): init 0, no final xor. */
static inline __u32 endmt_icrc_shift(__u32 raw, __u32 tail)
{
	return endmt_crc32_mulmod(raw, endmt_crc32_x8n(tail));
}

#endif /* ENDMT_ICRC_H */
