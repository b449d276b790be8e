/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small userspace helpers shared by lib/, the CLI and the test tools:
 * big-endian loads and stores and the clock of bpf_ktime_get_ns(). */
#ifndef ENDMT_LIB_UTIL_H
#define ENDMT_LIB_UTIL_H

#include <stdint.h>
#include <time.h>

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* CLOCK_MONOTONIC in ns: what bpf_ktime_get_ns() returns. */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
