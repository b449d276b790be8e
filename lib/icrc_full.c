/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <string.h>
#include "endmt/icrc.h"
#include "endmt/roce.h"
#include "icrc_full.h"

uint32_t endmt_crc32_raw_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (ENDMT_CRC32_POLY & (0u - (crc & 1)));
	}
	return crc;
}

uint32_t endmt_icrc_compute(const uint8_t *ip6, size_t len)
{
	static const uint8_t ff8[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t hdr[ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + sizeof(struct endmt_bth)];
	const size_t hlen = sizeof(hdr);
	uint32_t crc = 0xffffffffu;

	if (len < hlen + ENDMT_ICRC_LEN)
		return 0;
	memcpy(hdr, ip6, hlen);
	/* IPv6: version stays, Traffic Class and Flow Label all ones. */
	hdr[0] |= 0x0f;
	hdr[1] = hdr[2] = hdr[3] = 0xff;
	hdr[7] = 0xff;				/* Hop Limit */
	hdr[ENDMT_IP6_HLEN + 6] = 0xff;		/* UDP checksum */
	hdr[ENDMT_IP6_HLEN + 7] = 0xff;
	hdr[ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + ENDMT_BTH_MASKED_OCTET] = 0xff;

	crc = endmt_crc32_raw_bitwise(crc, ff8, sizeof(ff8));
	crc = endmt_crc32_raw_bitwise(crc, hdr, hlen);
	crc = endmt_crc32_raw_bitwise(crc, ip6 + hlen, len - hlen - ENDMT_ICRC_LEN);
	return ~crc;
}

void endmt_icrc_store(uint8_t *ip6, size_t len)
{
	uint32_t v = endmt_icrc_compute(ip6, len);
	uint8_t *p = ip6 + len - ENDMT_ICRC_LEN;

	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

int endmt_icrc_ok(const uint8_t *ip6, size_t len)
{
	const uint8_t *p;
	uint32_t v;

	if (len < ENDMT_IP6_HLEN + ENDMT_UDP_HLEN + sizeof(struct endmt_bth) + ENDMT_ICRC_LEN)
		return 0;
	p = ip6 + len - ENDMT_ICRC_LEN;
	v = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
	return v == endmt_icrc_compute(ip6, len);
}

uint16_t endmt_udp6_csum(const uint8_t *ip6, size_t len)
{
	const uint8_t *udp = ip6 + ENDMT_IP6_HLEN;
	size_t ulen = len - ENDMT_IP6_HLEN, i;
	uint32_t sum = 0;

	for (i = 8; i < 40; i += 2)		/* source and destination */
		sum += ip6[i] << 8 | ip6[i + 1];
	sum += (uint32_t)(ulen >> 16) + (ulen & 0xffff);
	sum += 17 /* next header: UDP */;
	for (i = 0; i + 1 < ulen; i += 2) {
		if (i == 6)
			continue;		/* the checksum field itself */
		sum += udp[i] << 8 | udp[i + 1];
	}
	if (ulen & 1)
		sum += udp[ulen - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	return sum ? (uint16_t)sum : 0xffff;
}
