/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* On-path telemetry's configuration (telemetry.c), shared by the
 * telemetry commands, apply and the agent. */
#ifndef ENDMT_LOADER_TELEMETRY_H
#define ENDMT_LOADER_TELEMETRY_H

#include <stdbool.h>
#include <stdint.h>

/* CLOCK_REALTIME - CLOCK_TAI in ns, whole seconds (the BPF side reads
 * TAI, IOAM timestamps are POSIX time). */
int64_t tm_real_minus_tai(void);
/* endmt_tm := (node_id, ns, export) with the clock offset now. */
int tm_node_write(int fd, uint32_t node_id, uint16_t ns, bool export, bool *changed);
/* The agent, each tick: keeps endmt_tm's clock offset current.  Returns
 * 1 if it changed it, 0, or -errno. */
int tm_clock_sync(int fd);
/* "off" or "K" (0..ENDMT_TM_SHIFT_MAX) into struct endmt_encap.tm_sample. */
int tm_parse_sample(const char *s, uint8_t *v);

#endif
