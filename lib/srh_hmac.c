/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* SRH HMAC TLV: pads, HMAC text, HMAC (lib/srh_hmac.h says what). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "endmt/srh.h"
#include "srh_hmac.h"

void endmt_sha256_digest(const uint8_t *msg, size_t len, uint8_t *out)
{
	struct endmt_sha256_ctx c;
	uint8_t tail[3 * ENDMT_SHA256_BLOCK];	/* < 64 octets + 72 of padding */
	size_t full = len / ENDMT_SHA256_BLOCK * ENDMT_SHA256_BLOCK, i;
	uint32_t n, d[8];

	endmt_sha256_init(&c.s);
	for (i = 0; i < full; i += ENDMT_SHA256_BLOCK) {
		memcpy(c.m, msg + i, ENDMT_SHA256_BLOCK);
		endmt_sha256_block(&c);
	}
	memcpy(tail, msg + full, len - full);
	n = endmt_sha256_pad(tail, sizeof(tail), len - full, len);
	for (i = 0; i < n; i++) {
		memcpy(c.m, tail + i * ENDMT_SHA256_BLOCK, ENDMT_SHA256_BLOCK);
		endmt_sha256_block(&c);
	}
	endmt_sha256_out(&c.s, d);
	memcpy(out, d, sizeof(d));
}

void endmt_hmac_pads_init(struct endmt_hmac_pads *p, const uint8_t *key, size_t keylen)
{
	uint8_t k0[ENDMT_SHA256_BLOCK] = { 0 };
	struct endmt_sha256_ctx c;
	size_t i;

	if (keylen > ENDMT_SHA256_BLOCK)
		endmt_sha256_digest(key, keylen, k0);
	else if (keylen)
		memcpy(k0, key, keylen);
	for (i = 0; i < ENDMT_SHA256_BLOCK; i++)
		c.m[i] = k0[i] ^ 0x36;
	endmt_sha256_init(&c.s);
	endmt_sha256_block(&c);
	p->inner = c.s;
	for (i = 0; i < ENDMT_SHA256_BLOCK; i++)
		c.m[i] = k0[i] ^ 0x5c;
	endmt_sha256_init(&c.s);
	endmt_sha256_block(&c);
	p->outer = c.s;
}

int endmt_hmac_text(const struct endmt_hmac_pads *p, const uint8_t *text, size_t len,
		    uint8_t *mac)
{
	struct endmt_hmac_scratch *w;

	if (len > ENDMT_HMAC_TEXT_MAX)
		return -E2BIG;
	w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	memcpy(w->buf, text, len);
	if (endmt_hmac_sha256(w, p, len)) {
		free(w);
		return -EINVAL;
	}
	memcpy(mac, w->mac, ENDMT_SHA256_LEN);
	free(w);
	return 0;
}

/* The SRH's own length, when srh_len holds it and its Segment List, or
 * -EBADMSG; *tlvs = offset of the first TLV. */
static int srh_extent(const uint8_t *srh, size_t srh_len, size_t *tlvs)
{
	const struct endmt_srh *h = (const struct endmt_srh *)srh;
	size_t len;

	if (srh_len < sizeof(*h))
		return -EBADMSG;
	len = ENDMT_SRH_LEN(h->hdrlen);
	*tlvs = sizeof(*h) + 16 * ((size_t)h->last_entry + 1);
	if (len > srh_len || *tlvs > len)
		return -EBADMSG;
	return (int)len;
}

int endmt_srh_hmac_tlv(const uint8_t *srh, size_t srh_len)
{
	size_t off;
	int len = srh_extent(srh, srh_len, &off), found = -ENOENT;

	if (len < 0)
		return len;
	while (off < (size_t)len) {
		const struct endmt_tlv_hdr *t = (const struct endmt_tlv_hdr *)(srh + off);

		if (t->type == ENDMT_TLV_PAD1) {
			off++;
			continue;
		}
		/* RFC 8754 §2.1: a TLV runs past the SRH: malformed */
		if (off + sizeof(*t) > (size_t)len || off + sizeof(*t) + t->len > (size_t)len)
			return -EBADMSG;
		if (t->type == ENDMT_TLV_HMAC) {
			if (t->len != ENDMT_HMAC_TLV_LEN || found >= 0)
				return -EPROTO;
			found = (int)off;
		}
		off += sizeof(*t) + t->len;
	}
	return found;
}

static int put(uint8_t *text, size_t cap, size_t *at, const void *p, size_t n)
{
	if (*at + n > cap)
		return -E2BIG;
	memcpy(text + *at, p, n);
	*at += n;
	return 0;
}

int endmt_srh_hmac_text(const uint8_t *sa, const uint8_t *srh, size_t srh_len,
			enum endmt_hmac_mode mode, uint8_t *text, size_t cap)
{
	const struct endmt_srh *h = (const struct endmt_srh *)srh;
	const struct endmt_hmac_tlv *ht;
	size_t at = 0, off = 0, tlv_at;
	int hmac = endmt_srh_hmac_tlv(srh, srh_len), len, err;

	if (hmac < 0)
		return hmac;
	len = srh_extent(srh, srh_len, &off);	/* >= 0: checked by the TLV walk */
	ht = (const struct endmt_hmac_tlv *)(srh + hmac);
	if ((err = put(text, cap, &at, sa, 16)) ||
	    (err = put(text, cap, &at, &h->last_entry, 1)) ||
	    (err = put(text, cap, &at, &h->flags, 1)) ||
	    (err = put(text, cap, &at, &ht->key_id, 4)) ||
	    (err = put(text, cap, &at, srh + sizeof(*h), off - sizeof(*h))))
		return err;
	if (mode != ENDMT_HMAC_EXTENDED)
		return (int)at;
	/* the rest of the SRH, whole; the HMAC field itself as zeros */
	tlv_at = at;
	if ((err = put(text, cap, &at, srh + off, (size_t)len - off)))
		return err;
	memset(text + tlv_at + (hmac - off) + sizeof(*ht), 0, ENDMT_SHA256_LEN);
	return (int)at;
}

int endmt_srh_hmac(const uint8_t *sa, const uint8_t *srh, size_t srh_len,
		   enum endmt_hmac_mode mode, const struct endmt_hmac_pads *p, uint8_t *mac)
{
	uint8_t *text = malloc(ENDMT_HMAC_TEXT_MAX);
	int len, err;

	if (!text)
		return -ENOMEM;
	len = endmt_srh_hmac_text(sa, srh, srh_len, mode, text, ENDMT_HMAC_TEXT_MAX);
	err = len < 0 ? len : endmt_hmac_text(p, text, (size_t)len, mac);
	free(text);
	return err;
}

int endmt_srh_hmac_set(const uint8_t *sa, uint8_t *srh, size_t srh_len,
		       enum endmt_hmac_mode mode, const struct endmt_hmac_pads *p)
{
	uint8_t mac[ENDMT_SHA256_LEN];
	int off = endmt_srh_hmac_tlv(srh, srh_len), err;

	if (off < 0)
		return off;
	err = endmt_srh_hmac(sa, srh, srh_len, mode, p, mac);
	if (!err)
		memcpy(srh + off + sizeof(struct endmt_hmac_tlv), mac, sizeof(mac));
	return err;
}

int endmt_srh_add_hmac(uint8_t *srh, size_t cap, size_t len, uint32_t key_id)
{
	struct endmt_hmac_tlv t = {
		.type = ENDMT_TLV_HMAC, .len = ENDMT_HMAC_TLV_LEN, .key_id = htonl(key_id),
	};
	size_t n = sizeof(t) + ENDMT_SHA256_LEN;

	if (len < sizeof(struct endmt_srh) || len % 8)
		return -EINVAL;
	if (len + n > cap || ENDMT_SRH_LEN(255) < len + n)
		return -E2BIG;
	memcpy(srh + len, &t, sizeof(t));
	memset(srh + len + sizeof(t), 0, ENDMT_SHA256_LEN);
	len += n;
	((struct endmt_srh *)srh)->hdrlen = (uint8_t)(len / 8 - 1);
	return (int)len;
}
