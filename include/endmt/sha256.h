/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the SRH HMAC TLV
 * (RFC 8754 §2.1.2): one source, compiled by clang -target bpf for the data
 * path and by gcc for userspace (lib/srh_hmac.c, the tests).
 *
 * What the data path gets from userspace is a key's struct endmt_hmac_pads:
 * the two chaining states after compressing (K ^ ipad) and (K ^ opad)
 * (RFC 2104; lib/srh_hmac.c endmt_hmac_pads_init()).  The key itself never
 * reaches BPF, and one HMAC costs compress(padded text) + one outer block.
 *
 * Use (BPF and userspace alike):
 *   struct endmt_hmac_scratch *w = ...;   per-CPU map value in BPF (2.3 KiB,
 *                                         far over the 512-octet stack)
 *   copy the text into w->buf[0 .. len), len <= ENDMT_HMAC_TEXT_MAX
 *   endmt_hmac_sha256(w, pads, len) == 0  ->  w->mac holds the 32 octets
 *   endmt_hmac_equal(w->mac, the HMAC field, copied out of the packet)
 * endmt_hmac_sha256() pads w->buf in place (9 to 72 octets from len on) and
 * hashes whole 64-octet blocks in a loop bounded by ENDMT_SHA256_MAX_BLOCKS.
 *
 * In BPF, endmt_sha256_block() and endmt_hmac_sha256() are global
 * (non-static, noinline) functions: the verifier checks each once, alone,
 * with its arguments' types, not again at every call (a static function is
 * re-verified per call site and per loop iteration of the caller).  So a
 * pointer argument must point to the whole struct (a map value or the
 * stack), and may be NULL as far as the verifier knows: both check it.
 * Their loops are not unrolled (ENDMT_SHA256_NO_UNROLL): eight rounds per
 * iteration measured 2.4 times the code for 10 % less time, all 64 would
 * be far more (docs/BENCHMARKS.md).  In userspace both are plain static
 * inline functions.
 *
 * Words are in host byte order in struct endmt_sha256 (a map value written
 * and read on the same host); the octets of a message and of a digest are
 * in w->buf, ctx.m and w->mac in wire order. */
#ifndef ENDMT_SHA256_H
#define ENDMT_SHA256_H

#include <linux/types.h>

#define ENDMT_SHA256_BLOCK 64		/* octets per compressed block */
#define ENDMT_SHA256_LEN   32		/* digest, = the RFC 8754 HMAC field */
/* Blocks a scratch holds: the longest text, 16 + 6 + 2040 octets (an SRH of
 * Hdr Ext Len 255 without its 8-octet fixed part, lib/srh_hmac.h), plus 9
 * octets of padding, is 2071 <= 33 * 64. */
#define ENDMT_SHA256_MAX_BLOCKS 33
#define ENDMT_HMAC_TEXT_MAX (ENDMT_SHA256_MAX_BLOCKS * ENDMT_SHA256_BLOCK - 9)

/* The HMAC text of an SRH (lib/srh_hmac.h, docs/DECISIONS.md "HMAC text"):
 * RFC 8754 §2.1.2.1 exactly, or that followed by the rest of the SRH (its
 * TLVs, the HMAC field as zeros). */
enum endmt_hmac_mode {
	ENDMT_HMAC_RFC8754 = 0,		/* RFC 8754 §2.1.2.1 exactly */
	ENDMT_HMAC_EXTENDED = 1,	/* + every SRH octet after the Segment List */
};

/* A SHA-256 chaining state, h0..h7 in host byte order. */
struct endmt_sha256 {
	__u32 h[8];
};
_Static_assert(sizeof(struct endmt_sha256) == 32, "SHA-256 state is 32 octets");

/* A key, as the data path holds it: the states after compressing the one
 * block (K ^ 0x36..) and the one block (K ^ 0x5c..), K = the key padded
 * with zeros to 64 octets (hashed first if longer, RFC 2104 §2). */
struct endmt_hmac_pads {
	struct endmt_sha256 inner;
	struct endmt_sha256 outer;
};
_Static_assert(sizeof(struct endmt_hmac_pads) == 64, "HMAC pads are 64 octets");

/* One compression: state s and the 64-octet block m, in wire order on
 * entry.  endmt_sha256_block() turns m into the message schedule in place
 * (a rolling 16 words, not W[64]), so m is garbage afterwards. */
struct endmt_sha256_ctx {
	struct endmt_sha256 s;
	union {
		__u8 m[ENDMT_SHA256_BLOCK];
		__u32 w[ENDMT_SHA256_BLOCK / 4];
	};
};
_Static_assert(sizeof(struct endmt_sha256_ctx) == 96, "SHA-256 context is 96 octets");

/* The work area of one HMAC: the text goes into buf, the result comes out
 * in mac.  buf has room for ENDMT_HMAC_TEXT_MAX octets and 72 octets of
 * padding (endmt_sha256_pad()). */
struct endmt_hmac_scratch {
	struct endmt_sha256_ctx c;
	union {
		__u8 mac[ENDMT_SHA256_LEN];
		__u32 macw[ENDMT_SHA256_LEN / 4];
	};
	__u8 buf[(ENDMT_SHA256_MAX_BLOCKS + 1) * ENDMT_SHA256_BLOCK];
};

#ifdef __bpf__
#define ENDMT_SHA256_FN __attribute__((noinline))
#define ENDMT_SHA256_INLINE static inline __attribute__((always_inline))
#define ENDMT_SHA256_NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define ENDMT_SHA256_FN static inline
#define ENDMT_SHA256_INLINE static inline
#define ENDMT_SHA256_NO_UNROLL
#endif

/* Host order <-> the big-endian words SHA-256 reads and writes. */
ENDMT_SHA256_INLINE __u32 endmt_sha256_be32(__u32 x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(x);
#else
	return x;
#endif
}

ENDMT_SHA256_INLINE __u32 endmt_sha256_ror(__u32 x, unsigned int n)
{
	return x >> n | x << (32 - n);
}

/* FIPS 180-4 §5.3.3: the initial state. */
ENDMT_SHA256_INLINE void endmt_sha256_init(struct endmt_sha256 *s)
{
	s->h[0] = 0x6a09e667;
	s->h[1] = 0xbb67ae85;
	s->h[2] = 0x3c6ef372;
	s->h[3] = 0xa54ff53a;
	s->h[4] = 0x510e527f;
	s->h[5] = 0x9b05688c;
	s->h[6] = 0x1f83d9ab;
	s->h[7] = 0x5be0cd19;
}

/* FIPS 180-4 §6.2.2: compresses c->m into c->s (c->m is clobbered).
 * 0, or -1 for a NULL c (the verifier's view of a global function's
 * pointer argument). */
ENDMT_SHA256_FN int endmt_sha256_block(struct endmt_sha256_ctx *c)
{
	/* FIPS 180-4 §4.2.2 */
	static const __u32 k[64] = {
		0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
		0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
		0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
		0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
		0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
		0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
		0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
		0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
		0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
		0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
		0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
	};
	__u32 a, b, cc, d, e, f, g, h, t1, t2, x, y;
	__u32 i;

	if (!c)
		return -1;
	a = c->s.h[0], b = c->s.h[1], cc = c->s.h[2], d = c->s.h[3];
	e = c->s.h[4], f = c->s.h[5], g = c->s.h[6], h = c->s.h[7];
	ENDMT_SHA256_NO_UNROLL
	for (i = 0; i < 64; i++) {
		/* W[t] for t < 16 is the block's word t; after that the
		 * schedule rolls over 16 words: W[t] replaces W[t - 16]. */
		if (i < 16) {
			t1 = endmt_sha256_be32(c->w[i]);
		} else {
			x = c->w[(i - 15) & 15];
			y = c->w[(i - 2) & 15];
			t1 = c->w[i & 15] + c->w[(i - 7) & 15] +
			     (endmt_sha256_ror(x, 7) ^ endmt_sha256_ror(x, 18) ^ x >> 3) +
			     (endmt_sha256_ror(y, 17) ^ endmt_sha256_ror(y, 19) ^ y >> 10);
		}
		c->w[i & 15] = t1;
		t1 += h + k[i] +
		      (endmt_sha256_ror(e, 6) ^ endmt_sha256_ror(e, 11) ^ endmt_sha256_ror(e, 25)) +
		      ((e & f) ^ (~e & g));
		t2 = (endmt_sha256_ror(a, 2) ^ endmt_sha256_ror(a, 13) ^ endmt_sha256_ror(a, 22)) +
		     ((a & b) ^ (a & cc) ^ (b & cc));
		h = g, g = f, f = e, e = d + t1;
		d = cc, cc = b, b = a, a = t1 + t2;
	}
	c->s.h[0] += a, c->s.h[1] += b, c->s.h[2] += cc, c->s.h[3] += d;
	c->s.h[4] += e, c->s.h[5] += f, c->s.h[6] += g, c->s.h[7] += h;
	return 0;
}

/* FIPS 180-4 §5.1.1, the finalization: pads the message whose last len
 * octets are buf[0 .. len) and whose whole length, blocks hashed before buf
 * included, is total octets: 0x80, zeros, the 64-bit big-endian bit count,
 * to a multiple of 64 octets.  Returns the blocks to hash from buf (1 or
 * more), or 0 when len + 72 octets do not fit buf_cap: the zeros are
 * written from len on for 72 octets, branch-free (the verifier walks a
 * loop with a data-dependent exit once per exit), also over the bit count
 * (written after them) and past the padded end (unused). */
ENDMT_SHA256_INLINE __u32 endmt_sha256_pad(__u8 *buf, __u64 buf_cap, __u64 len,
					   __u64 total)
{
	__u64 end = (len + 9 + ENDMT_SHA256_BLOCK - 1) & ~(__u64)(ENDMT_SHA256_BLOCK - 1);
	__u64 bits = total * 8, j;

	if (buf_cap < ENDMT_SHA256_BLOCK + 8 || len > buf_cap - (ENDMT_SHA256_BLOCK + 8) ||
	    end > buf_cap || end < ENDMT_SHA256_BLOCK)
		return 0;
	ENDMT_SHA256_NO_UNROLL
	for (j = 0; j < ENDMT_SHA256_BLOCK + 8; j++)
		buf[len + j] = 0;
	buf[len] = 0x80;
	for (j = 0; j < 8; j++)
		buf[end - 8 + j] = (__u8)(bits >> (56 - 8 * j));
	return (__u32)(end / ENDMT_SHA256_BLOCK);
}

/* s as the 32 octets of a digest (wire order) into words out[0..7]. */
ENDMT_SHA256_INLINE void endmt_sha256_out(const struct endmt_sha256 *s, __u32 *out)
{
	__u32 j;

	for (j = 0; j < 8; j++)
		out[j] = endmt_sha256_be32(s->h[j]);
}

/* HMAC-SHA256 (RFC 2104) of w->buf[0 .. len) with the key whose pads are
 * k, into w->mac.  Pads w->buf in place and uses w->c.  0, or -1 when len
 * is over ENDMT_HMAC_TEXT_MAX or a pointer is NULL (w->mac is then left as
 * it was). */
ENDMT_SHA256_FN int endmt_hmac_sha256(struct endmt_hmac_scratch *w,
				      const struct endmt_hmac_pads *k, __u64 len)
{
	__u32 n, i;

	if (!w || !k || len > ENDMT_HMAC_TEXT_MAX)
		return -1;
	/* inner: H(K ^ ipad || text), the first block already in k->inner */
	n = endmt_sha256_pad(w->buf, sizeof(w->buf), len, ENDMT_SHA256_BLOCK + len);
	if (!n)
		return -1;
	w->c.s = k->inner;
	ENDMT_SHA256_NO_UNROLL
	for (i = 0; i < ENDMT_SHA256_MAX_BLOCKS; i++) {
		if (i >= n)
			break;
		__builtin_memcpy(w->c.m, w->buf + i * ENDMT_SHA256_BLOCK, ENDMT_SHA256_BLOCK);
		endmt_sha256_block(&w->c);
	}
	/* outer: H(K ^ opad || inner digest), one block of 64 + 32 octets:
	 * the digest, 0x80, zeros, bit count 768. */
	endmt_sha256_out(&w->c.s, w->c.w);
	w->c.w[8] = endmt_sha256_be32(0x80000000);
	for (i = 9; i < 15; i++)
		w->c.w[i] = 0;
	w->c.w[15] = endmt_sha256_be32((ENDMT_SHA256_BLOCK + ENDMT_SHA256_LEN) * 8);
	w->c.s = k->outer;
	endmt_sha256_block(&w->c);
	endmt_sha256_out(&w->c.s, w->macw);
	return 0;
}

/* 1 when the 32-octet MACs a and b are equal, else 0, in a time that does
 * not depend on where they differ (no early exit: a forger learns nothing
 * from how long a refusal took). */
ENDMT_SHA256_INLINE int endmt_hmac_equal(const __u8 *a, const __u8 *b)
{
	__u8 d = 0;
	__u32 j;

	for (j = 0; j < ENDMT_SHA256_LEN; j++)
		d |= a[j] ^ b[j];
	return d == 0;
}

#endif /* ENDMT_SHA256_H */
