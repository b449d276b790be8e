/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Full ICRC and UDP checksum computation for userspace: the reference the
 * data path's incremental updates are compared with.  Bit-at-a-time CRC, not
 * the table the data path uses, so the two do not share a mistake. */
#ifndef ENDMT_ICRC_FULL_H
#define ENDMT_ICRC_FULL_H

#include <stddef.h>
#include <stdint.h>

/* ICRC of a RoCEv2 packet starting at its IPv6 header; len includes the
 * 4 ICRC octets at the end.  Returns the value stored little-endian. */
uint32_t endmt_icrc_compute(const uint8_t *ip6, size_t len);
/* Writes the ICRC into the last 4 octets. */
void endmt_icrc_store(uint8_t *ip6, size_t len);
/* 1 when the stored ICRC is right. */
int endmt_icrc_ok(const uint8_t *ip6, size_t len);
/* Raw CRC (init 0, no final xor) of a buffer: for update tests. */
uint32_t endmt_crc32_raw_bitwise(uint32_t crc, const uint8_t *p, size_t len);

/* UDP checksum over IPv6 (pseudo header + UDP header + payload) of the UDP
 * datagram at ip6 + 40; 0 is returned as 0xffff (RFC 8200). */
uint16_t endmt_udp6_csum(const uint8_t *ip6, size_t len);

#endif
