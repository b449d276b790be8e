/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared helpers for the unit tests: a private pin root per test, pcaps of
 * failing packets, running a BPF program on a packet. */
#ifndef ENDMT_TESTUTIL_H
#define ENDMT_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Creates a fresh, empty pin directory under /sys/fs/bpf (mounting bpffs if
 * needed) and writes its path to buf.  0 or -errno. */
int tu_pin_root_make(char *buf, size_t len);
/* Removes every pin in dir and dir itself.  0 or -errno. */
int tu_pin_root_remove(const char *dir);
/* Writes packets as a classic Ethernet pcap to path.  0 or -errno. */
int tu_pcap_write(const char *path, const uint8_t *const *pkts,
		  const size_t *lens, size_t n);
/* Runs prog_fd on pkt with BPF_PROG_TEST_RUN; output into out/out_len.
 * Returns 0 or -errno, the program's return value in *retval. */
int tu_prog_run(int prog_fd, const void *pkt, size_t len, void *out,
		size_t *out_len, uint32_t *retval);
/* Sum of a per-CPU counter in a per-CPU array map. */
uint64_t tu_percpu_sum(int map_fd, uint32_t key);

#endif /* ENDMT_TESTUTIL_H */
