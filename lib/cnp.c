/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "endmt/roce.h"
#include "icrc_full.h"
#include "cnp.h"

int endmt_cnp_sock_open(void)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	return fd < 0 ? -errno : fd;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

int endmt_cnp_build(const struct endmt_group_key *key, const struct endmt_group *g,
		    uint8_t *buf, size_t cap)
{
	const size_t ulen = ENDMT_CNP_PKT_LEN - 40;
	uint8_t *udp = buf + 40, *bth = udp + 8;
	int head = !!(g->flags & ENDMT_GF_HEAD);

	if (cap < ENDMT_CNP_PKT_LEN)
		return -E2BIG;
	memset(buf, 0, ENDMT_CNP_PKT_LEN);
	put32(buf, 6u << 28);			/* traffic class 0, flow label 0 */
	put16(buf + 4, (uint16_t)ulen);
	buf[6] = 17;
	buf[7] = 64;
	memcpy(buf + 8, head ? key->proxy : g->resp_saddr, 16);
	memcpy(buf + 24, head ? g->src_addr : key->proxy, 16);
	put16(udp, ENDMT_CNP_SPORT);
	put16(udp + 2, ENDMT_ROCE_PORT);
	put16(udp + 4, (uint16_t)ulen);
	/* UDP checksum 0, as RoCEv2 stacks (rxe) send over IPv6. */
	bth[0] = ENDMT_OP_CNP;
	put16(bth + 2, 0xffff);			/* default P_Key */
	/* RoCEv2 CNP: BECN set; PSN 0; 16 reserved octets 0 (memset). */
	put32(bth + 4, ENDMT_BTH_BECN |
		       ((head ? g->src_qpn : key->dqpn) & ENDMT_BTH_QPN_MASK));
	endmt_icrc_store(buf, ENDMT_CNP_PKT_LEN);
	return ENDMT_CNP_PKT_LEN;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Ends the window of one group.  1 when a CNP went out, 0 when none was due,
 * or -errno. */
static int tick_group(int fd, const struct endmt_group_key *key, struct endmt_group *g,
		      endmt_cnp_emit_fn emit, void *arg)
{
	uint8_t pkt[ENDMT_CNP_PKT_LEN];
	unsigned int i, n, best = 0;
	uint32_t max = 0;
	int len, err, sent = 0;

	if (bpf_map_lookup_elem_flags(fd, key, g, BPF_F_LOCK))
		return errno == ENOENT ? 0 : -errno;	/* deleted meanwhile */
	n = g->nbranches < ENDMT_MAX_BRANCHES ? g->nbranches : ENDMT_MAX_BRANCHES;
	for (i = 0; i < n; i++) {
		if ((g->br[i].flags & ENDMT_BR_VALID) && g->br[i].ccount > max) {
			max = g->br[i].ccount;
			best = i;
		}
	}
	if (!max)
		return 0;	/* nothing counted: leave the group untouched */
	len = endmt_cnp_build(key, g, pkt, sizeof(pkt));
	if (len < 0)
		return len;
	err = emit(pkt, (size_t)len, key, best, arg);
	if (!err)
		sent = 1;
	/* Reset even when sending failed: a new window starts regardless.
	 * Known race (docs/REVERSE-PATH.md): this whole-value update also
	 * writes back the AckPSN/ePSN state read above, so a response the
	 * data path aggregated between the two syscalls is undone (its
	 * branch state goes back by that one response).  It is written only
	 * when some CCount is non-zero, i.e. under congestion. */
	for (i = 0; i < ENDMT_MAX_BRANCHES; i++)
		g->br[i].ccount = 0;
	g->window_start_ns = now_ns();
	if (bpf_map_update_elem(fd, key, g, BPF_F_LOCK | BPF_EXIST) && errno != ENOENT && !err)
		err = -errno;
	return err ? err : sent;
}

int endmt_cnp_tick_emit(int groups_map_fd, endmt_cnp_emit_fn emit, void *arg,
			struct endmt_cnp_tick_result *res)
{
	struct endmt_group_key *keys = NULL, *prev = NULL;
	struct endmt_group *g = NULL;
	size_t nkeys = 0, i;
	int err = 0, r;

	memset(res, 0, sizeof(*res));
	keys = calloc(ENDMT_MAX_GROUPS, sizeof(*keys));
	g = calloc(1, sizeof(*g));
	if (!keys || !g) {
		err = -ENOMEM;
		goto out;
	}
	/* Keys first, then the groups: updating values while walking a hash
	 * map's keys can restart the walk. */
	while (nkeys < ENDMT_MAX_GROUPS &&
	       !bpf_map_get_next_key(groups_map_fd, prev, &keys[nkeys])) {
		prev = &keys[nkeys];
		nkeys++;
	}
	if (errno != ENOENT && nkeys < ENDMT_MAX_GROUPS) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < nkeys; i++) {
		res->groups++;
		r = tick_group(groups_map_fd, &keys[i], g, emit, arg);
		if (r > 0)
			res->cnps_sent++;
		else if (r < 0 && !err)
			err = r;
	}
out:
	free(g);
	free(keys);
	return err;
}

static int emit_send(const uint8_t *ip6, size_t len, const struct endmt_group_key *key,
		     unsigned int branch, void *arg)
{
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };
	int fd = *(int *)arg;
	ssize_t n;

	(void)key;
	(void)branch;
	memcpy(&dst.sin6_addr, ip6 + 24, 16);
	n = sendto(fd, ip6, len, 0, (struct sockaddr *)&dst, sizeof(dst));
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int endmt_cnp_tick(int groups_map_fd, int sock_fd, struct endmt_cnp_tick_result *res)
{
	return endmt_cnp_tick_emit(groups_map_fd, emit_send, &sock_fd, res);
}
