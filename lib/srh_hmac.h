/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The SRH HMAC TLV (RFC 8754 §2.1.2) for userspace: a key's pads for the
 * data path, the HMAC text of an SRH, its HMAC.  The hashing is
 * include/endmt/sha256.h, the code the data path runs.
 *
 * The HMAC text of an SRH, in octets (RFC 8754 §2.1.2.1; what the kernel's
 * net/ipv6/seg6_hmac.c seg6_hmac_compute() hashes too):
 *   16  the outer IPv6 Source Address
 *    1  Last Entry
 *    1  Flags
 *    4  HMAC Key ID (of the HMAC TLV, as on the wire)
 *   16 · (Last Entry + 1)  the Segment List, SRH[0] first, as on the wire
 * ENDMT_HMAC_EXTENDED (endmt's own, docs/DECISIONS.md "HMAC text") appends
 * every octet of the SRH after the Segment List (all its TLVs, padding and
 * the HMAC TLV included, in SRH order) with the HMAC TLV's 32-octet HMAC
 * field taken as zeros.  So the End.MT TLVs (receivers, QPNs) are covered,
 * which RFC 8754's text is not; the edge builds it with one copy of the
 * SRH.  The D bit and the HMAC TLV's reserved bits are in the extended
 * text only. */
#ifndef ENDMT_SRH_HMAC_H
#define ENDMT_SRH_HMAC_H

#include <stddef.h>
#include <stdint.h>
#include "endmt/sha256.h"

/* enum endmt_hmac_mode: include/endmt/sha256.h (the edge's map holds it). */

/* ENDMT_HMAC_TLV_LEN, the only HMAC TLV Length handled: include/endmt/srh.h. */

/* SHA-256 of msg[0 .. len), any length, into out (32 octets). */
void endmt_sha256_digest(const uint8_t *msg, size_t len, uint8_t *out);

/* The pads of key[0 .. keylen) (RFC 2104 §2: a key over 64 octets is
 * hashed first, a shorter one padded with zeros): what the data path's map
 * holds for a Key ID. */
void endmt_hmac_pads_init(struct endmt_hmac_pads *p, const uint8_t *key, size_t keylen);

/* HMAC-SHA256 of text[0 .. len) into mac (32 octets), by
 * endmt_hmac_sha256() as the data path runs it.  0, or -E2BIG when len is
 * over ENDMT_HMAC_TEXT_MAX. */
int endmt_hmac_text(const struct endmt_hmac_pads *p, const uint8_t *text, size_t len,
		    uint8_t *mac);

/* Offset in srh of its HMAC TLV, after checking the SRH (srh_len octets
 * available): fixed part, Hdr Ext Len, Last Entry and every TLV's length
 * within the SRH's own length.  -EBADMSG when malformed, -ENOENT without an
 * HMAC TLV, -EPROTO when the HMAC TLV's Length is not 38 or there are two. */
int endmt_srh_hmac_tlv(const uint8_t *srh, size_t srh_len);

/* The HMAC text of srh (see above; sa = the outer IPv6 Source Address, 16
 * octets) into text (cap octets).  Its length, or the errors of
 * endmt_srh_hmac_tlv(), or -E2BIG when it does not fit cap. */
int endmt_srh_hmac_text(const uint8_t *sa, const uint8_t *srh, size_t srh_len,
			enum endmt_hmac_mode mode, uint8_t *text, size_t cap);

/* The HMAC of srh's text with pads p into mac (32 octets): what its HMAC
 * TLV's HMAC field must hold.  0 or the errors of endmt_srh_hmac_text(). */
int endmt_srh_hmac(const uint8_t *sa, const uint8_t *srh, size_t srh_len,
		   enum endmt_hmac_mode mode, const struct endmt_hmac_pads *p, uint8_t *mac);

/* Appends an HMAC TLV (Length 38, D bit 0, Key ID key_id, HMAC zero) to
 * the SRH of len octets in srh (a multiple of 8, as an SRH is) and fixes
 * its Hdr Ext Len.  The new length, or -EINVAL (len not an SRH length),
 * -E2BIG (over cap or the 2048-octet SRH). */
int endmt_srh_add_hmac(uint8_t *srh, size_t cap, size_t len, uint32_t key_id);

/* endmt_srh_hmac() written into srh's HMAC TLV (the head's template).
 * 0 or the same errors. */
int endmt_srh_hmac_set(const uint8_t *sa, uint8_t *srh, size_t srh_len,
		       enum endmt_hmac_mode mode, const struct endmt_hmac_pads *p);

#endif /* ENDMT_SRH_HMAC_H */
