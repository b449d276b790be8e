/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared helpers for the unit tests: a private pin root per test, pcaps of
 * failing packets, running a BPF program on a packet, reading the counters,
 * and the network namespaces, veths and AF_PACKET sockets of the veth
 * tests. */
#ifndef ENDMT_TESTUTIL_H
#define ENDMT_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <bpf/libbpf.h>
#include "endmt/stats.h"

/* Elements of an array (not a pointer). */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

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

/* Opens the BPF skeleton `name` (endmt_edge, endmt_head, endmt_transit)
 * into *skelp with a fresh private pin root written to the char array
 * pin_root, so the object's pinned maps are its own and no other test's.
 * Only opens: the caller sets rodata and loads; once it is open, the caller
 * destroys the skeleton and calls tu_pin_root_remove().  0 or -errno; on
 * failure *skelp is NULL and pin_root is removed and emptied. */
#define TU_SKEL_OPEN(name, skelp, pin_root) ({				\
	LIBBPF_OPTS(bpf_object_open_opts, ___opts);			\
	int ___err = tu_pin_root_make((pin_root), sizeof(pin_root));	\
									\
	*(skelp) = NULL;						\
	if (!___err) {							\
		___opts.pin_root_path = (pin_root);			\
		*(skelp) = name##__open_opts(&___opts);			\
		if (!*(skelp)) {					\
			___err = -errno;				\
			tu_pin_root_remove(pin_root);			\
			(pin_root)[0] = 0;				\
		}							\
	}								\
	___err;								\
})

/* The one fixture of the unit tests: opens skeleton `name` with a fresh
 * private pin root in the char array pin_root (TU_SKEL_OPEN), runs the
 * statement `setup` on the open skeleton *skelp (set rodata there; `(void)0`
 * for none), and loads it.  0 or -errno; on any failure the skeleton is
 * destroyed, *skelp is NULL and pin_root is removed and emptied, so callers
 * may just return.  Once it succeeds the caller owns both: TU_SKEL_CLOSE.
 * The map fds come from (*skelp)->maps afterwards, by name. */
#define TU_SKEL_LOAD(name, skelp, pin_root, setup) ({			\
	int ___lerr = TU_SKEL_OPEN(name, skelp, pin_root);		\
									\
	if (!___lerr) {							\
		setup;							\
		___lerr = name##__load(*(skelp));			\
		if (___lerr)						\
			TU_SKEL_CLOSE(name, skelp, pin_root);		\
	}								\
	___lerr;							\
})

/* Destroys what TU_SKEL_LOAD or TU_SKEL_OPEN made (either may be gone
 * already): the skeleton, then the pin root. */
#define TU_SKEL_CLOSE(name, skelp, pin_root) do {			\
	if (*(skelp))							\
		name##__destroy(*(skelp));				\
	*(skelp) = NULL;						\
	if ((pin_root)[0])						\
		tu_pin_root_remove(pin_root);				\
	(pin_root)[0] = 0;						\
} while (0)

/* The counters' names (those `endmt show` prints), indexed by enum
 * endmt_stat. */
extern const char *const tu_stat_names[ENDMT_STAT_MAX];
/* Every counter of the per-CPU stats map map_fd, each summed over the CPUs,
 * into v[0..ENDMT_STAT_MAX). */
void tu_stats_read(int map_fd, uint64_t *v);

/* Runs the shell command printf(fmt, ...) and prints it when it fails.
 * 0 or -EIO (-E2BIG: the command did not fit the buffer, not run). */
int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes mac as "02:00:00:00:00:01" into buf (18 octets at least) and
 * returns buf. */
const char *tu_mac_str(const uint8_t *mac, char *buf);
/* Creates network namespace name with IPv6 DAD and router advertisements
 * off (the tests' addresses are usable at once and nothing else shows up)
 * and forwarding on or off (all and default).  0 or -EIO. */
int tu_netns_add(const char *name, int forwarding);
/* Deletes network namespace name, with its veths, qdiscs and XDP programs;
 * quiet when it does not exist ("" is none).  0 or -EIO. */
int tu_netns_del(const char *name);
/* Moves the calling thread into network namespace name (/run/netns/name).
 * With prev non-NULL, first opens the thread's current namespace into
 * *prev (-1 on failure) for tu_netns_leave().  0 or -errno. */
int tu_netns_enter(const char *name, int *prev);
/* Moves the calling thread back into namespace fd prev and closes prev.
 * 0 or -errno. */
int tu_netns_leave(int prev);
/* A veth pair dev_a (in ns_a, MAC mac_a) -- dev_b (in ns_b, MAC mac_b),
 * both ends up.  0 or -EIO. */
int tu_veth_add(const char *ns_a, const char *dev_a, const uint8_t *mac_a,
		const char *ns_b, const char *dev_b, const uint8_t *mac_b);
/* An AF_PACKET socket (SOCK_RAW, all protocols, close-on-exec, plus flags
 * such as SOCK_NONBLOCK) bound to dev in namespace ns; the socket stays
 * there, the calling thread comes back to its own namespace.  The
 * device's ifindex in *ifindex when that is not NULL.  The fd or -errno. */
int tu_packet_sock(const char *ns, const char *dev, int flags, int *ifindex);
/* Sends the frame f out of AF_PACKET socket fd on ifindex, to dmac.
 * 0 or -errno. */
int tu_packet_send(int fd, int ifindex, const uint8_t *dmac, const void *f, size_t len);

#define TU_FRAME_MAX 4096
#define TU_COLLECT_MAXFD 16

/* A frame as received on socket number dev of a tu_collect() call. */
struct tu_frame {
	uint8_t b[TU_FRAME_MAX];
	size_t len;
	int dev;
};

/* Whether tu_collect() keeps frame f (len octets; pkttype the sll_pkttype
 * it was received with). */
typedef bool (*tu_frame_keep_fn)(const uint8_t *f, size_t len, int pkttype);

/* Reads the frames keep accepts from the nonblocking AF_PACKET sockets
 * fds[0..nfd) (at most TU_COLLECT_MAXFD) into out[0..max), polling every
 * 20 ms, until want of them arrived (and then 150 ms longer, to see any
 * extra) or timeout_ms passed.  Returns how many it kept. */
size_t tu_collect(const int *fds, int nfd, tu_frame_keep_fn keep, struct tu_frame *out,
		  size_t max, size_t want, int timeout_ms);

#endif /* ENDMT_TESTUTIL_H */
