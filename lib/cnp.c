/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "endmt/roce.h"
#include "icrc_full.h"
#include "cnp.h"
#include "util.h"

int endmt_cnp_sock_open(void)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	return fd < 0 ? -errno : fd;
}

int endmt_cnp_build(const struct endmt_group_key *key, const struct endmt_group *g,
		    uint8_t *buf, size_t cap)
{
	const size_t ulen = ENDMT_CNP_PKT_LEN - ENDMT_IP6_HLEN;
	uint8_t *udp = buf + ENDMT_IP6_HLEN, *bth = udp + ENDMT_UDP_HLEN;
	int head = !!(g->flags & ENDMT_GF_HEAD);

	if (cap < ENDMT_CNP_PKT_LEN)
		return -E2BIG;
	memset(buf, 0, ENDMT_CNP_PKT_LEN);
	put32(buf, 6u << 28);			/* traffic class 0, flow label 0 */
	put16(buf + ENDMT_IP6_OFF_PLEN, (uint16_t)ulen);
	buf[ENDMT_IP6_OFF_NEXTHDR] = IPPROTO_UDP;
	buf[ENDMT_IP6_OFF_HOPLIMIT] = 64;
	memcpy(buf + ENDMT_IP6_OFF_SADDR, head ? key->proxy : g->resp_saddr, 16);
	memcpy(buf + ENDMT_IP6_OFF_DADDR, head ? g->src_addr : key->proxy, 16);
	put16(udp + ENDMT_UDP_OFF_SPORT, ENDMT_CNP_SPORT);
	put16(udp + ENDMT_UDP_OFF_DPORT, ENDMT_ROCE_PORT);
	put16(udp + ENDMT_UDP_OFF_LEN, (uint16_t)ulen);
	bth[offsetof(struct endmt_bth, opcode)] = ENDMT_OP_CNP;
	put16(bth + offsetof(struct endmt_bth, pkey), 0xffff);	/* default P_Key */
	/* RoCEv2 CNP: BECN set; PSN 0; 16 reserved octets 0 (memset). */
	put32(bth + offsetof(struct endmt_bth, fb_dqpn), ENDMT_BTH_BECN |
		       ((head ? g->src_qpn : key->dqpn) & ENDMT_BTH_QPN_MASK));
	endmt_icrc_store(buf, ENDMT_CNP_PKT_LEN);
	/* A real UDP checksum, after the ICRC it covers (the ICRC masks the
	 * checksum field, so the order is this one): rxe sends 0 over IPv6,
	 * but an ordinary Linux UDP socket drops such datagrams (RFC 8200),
	 * and a software endpoint of the source may be one. */
	put16(udp + ENDMT_UDP_OFF_CSUM, endmt_udp6_csum(buf, ENDMT_CNP_PKT_LEN));
	return ENDMT_CNP_PKT_LEN;
}


int endmt_cnp_epoch_mmap(int epoch_fd, uint64_t **epoch)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;

	p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, epoch_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*epoch = p;
	return 0;
}

void endmt_cnp_epoch_munmap(uint64_t *epoch)
{
	if (epoch)
		munmap(epoch, (size_t)sysconf(_SC_PAGESIZE));
}

uint32_t endmt_cnp_count(const struct endmt_group *g, unsigned int i, uint64_t ep,
			 uint64_t now)
{
	const struct endmt_branch *b;

	if (i >= ENDMT_MAX_BRANCHES || i >= g->nbranches)
		return 0;
	b = &g->br[i];
	/* window_start_ns is the data path's clock reading, possibly a little
	 * after `now`: signed age, as the data path computes it. */
	if (!(b->flags & ENDMT_BR_VALID) || !g->window_start_ns ||
	    (int64_t)(now - g->window_start_ns) >= (int64_t)ENDMT_CNP_MAX_AGE_NS)
		return 0;
	if (g->cnp_epoch == (uint32_t)ep)
		return b->ccount;
	if (g->cnp_epoch == (uint32_t)(ep + 1))
		return b->ccount_prev;	/* the data path already opened ep + 1 */
	return 0;
}

bool endmt_stale_branch(const struct endmt_stale *st, const struct endmt_group *g,
			unsigned int i)
{
	if (!st || i >= ENDMT_MAX_BRANCHES || i >= g->nbranches)
		return false;
	return (st->mask >> i & 1) && !memcmp(st->id[i], g->br[i].id, 16) &&
	       g->br[i].last_seen_ns <= st->marked_ns;
}

bool endmt_cnp_bucket_take(struct endmt_cnp_bucket *b, uint32_t rate, uint32_t burst,
			   uint64_t now)
{
	uint64_t cap = (uint64_t)(burst ? burst : 1) * ENDMT_CNP_TOKEN, need;

	if (!rate)
		return true;
	if (!b->primed) {
		b->credit = cap;
		b->primed = true;
		b->last_ns = now;
	} else if (now > b->last_ns) {
		need = b->credit < cap ? cap - b->credit : 0;
		/* Longer than need / rate fills the bucket; shorter, rate *
		 * dt <= need: no overflow. */
		b->credit = now - b->last_ns > need / rate ? cap :
			    b->credit + rate * (now - b->last_ns);
		b->last_ns = now;
	}
	if (b->credit > cap)
		b->credit = cap;	/* burst lowered since */
	if (b->credit < ENDMT_CNP_TOKEN)
		return false;
	b->credit -= ENDMT_CNP_TOKEN;
	return true;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct endmt_group_key));
}

int endmt_cnp_limiter_init(struct endmt_cnp_limiter *l, int report_fd)
{
	memset(l, 0, sizeof(*l));
	l->report_fd = report_fd;
	l->ent = calloc(ENDMT_MAX_GROUPS, sizeof(*l->ent));
	l->tmp = calloc(ENDMT_MAX_GROUPS, sizeof(*l->tmp));
	if (!l->ent || !l->tmp) {
		endmt_cnp_limiter_free(l);
		return -ENOMEM;
	}
	return 0;
}

void endmt_cnp_limiter_free(struct endmt_cnp_limiter *l)
{
	free(l->ent);
	free(l->tmp);
	l->ent = l->tmp = NULL;
	l->n = 0;
}

const struct endmt_cnp_group_limit *endmt_cnp_limiter_find(const struct endmt_cnp_limiter *l,
							  const struct endmt_group_key *k)
{
	/* key first in each entry: bsearch compares a key with an entry */
	return l->n ? bsearch(k, l->ent, l->n, sizeof(*l->ent), key_cmp) : NULL;
}

/* Makes l hold one entry per key of keys (sorted, no duplicates), in that
 * order: an entry it had is carried over, a new one starts with a full
 * bucket and the lifetime counters endmt_cnp_limit holds for the group. */
static void limiter_sync(struct endmt_cnp_limiter *l, const struct endmt_group_key *keys,
			 size_t n)
{
	struct endmt_cnp_group_limit *t;
	struct endmt_cnp_limit v;
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		while (j < l->n && key_cmp(&l->ent[j].key, &keys[i]) < 0)
			j++;
		if (j < l->n && !key_cmp(&l->ent[j].key, &keys[i])) {
			l->tmp[i] = l->ent[j++];
			continue;
		}
		memset(&l->tmp[i], 0, sizeof(l->tmp[i]));
		l->tmp[i].key = keys[i];
		if (l->report_fd >= 0 &&
		    !bpf_map_lookup_elem_flags(l->report_fd, &keys[i], &v, BPF_F_LOCK)) {
			l->tmp[i].sent = v.sent;
			l->tmp[i].withheld = v.withheld;
		}
	}
	t = l->ent;
	l->ent = l->tmp;
	l->tmp = t;
	l->n = n;
}

int endmt_cnp_limit_publish(struct endmt_cnp_limiter *l, int groups_map_fd)
{
	struct endmt_group_key k, *prev = NULL;
	struct endmt_cnp_limit v;
	struct endmt_group *g;
	size_t i;
	int err = 0;

	if (l->report_fd < 0)
		return 0;
	for (i = 0; i < l->n; i++) {
		if (!l->ent[i].dirty)
			continue;
		memset(&v, 0, sizeof(v));
		v.sent = l->ent[i].sent;
		v.withheld = l->ent[i].withheld;
		if (bpf_map_update_elem(l->report_fd, &l->ent[i].key, &v, BPF_ANY | BPF_F_LOCK)) {
			if (!err)
				err = -errno;
			continue;
		}
		l->ent[i].dirty = false;
	}
	/* Reports of groups that no longer exist: nobody reads them. */
	g = malloc(sizeof(*g));
	if (!g)
		return err ? err : -ENOMEM;
	while (!bpf_map_get_next_key(l->report_fd, prev, &k)) {
		if (bpf_map_lookup_elem_flags(groups_map_fd, &k, g, BPF_F_LOCK) &&
		    errno == ENOENT && !bpf_map_delete_elem(l->report_fd, &k))
			continue;	/* k is gone: the walk starts over */
		prev = &k;
	}
	free(g);
	return err;
}

/* Ends window `ended` for one group.  1 when a CNP went out, 0 when none was
 * due or the group's bucket (gl, NULL: no limit) withheld it, or -errno.
 * Reads only: the data path owns every field of g. */
static int tick_group(int fd, const struct endmt_group_key *key, struct endmt_group *g,
		      struct endmt_cnp_group_limit *gl, uint64_t ended, endmt_cnp_emit_fn emit,
		      void *arg, struct endmt_cnp_tick_result *res)
{
	uint8_t pkt[ENDMT_CNP_PKT_LEN];
	unsigned int i, n, best = 0;
	uint32_t max = 0, c;
	uint64_t now;
	int len, err;

	if (bpf_map_lookup_elem_flags(fd, key, g, BPF_F_LOCK))
		return errno == ENOENT ? 0 : -errno;	/* deleted meanwhile */
	now = now_ns();
	n = g->nbranches < ENDMT_MAX_BRANCHES ? g->nbranches : ENDMT_MAX_BRANCHES;
	for (i = 0; i < n; i++) {
		c = endmt_cnp_count(g, i, ended, now);
		res->counted += c;
		if (c > max) {
			max = c;
			best = i;
		}
	}
	if (!max)
		return 0;	/* nothing counted in that window */
	if (gl && !endmt_cnp_bucket_take(&gl->bucket, g->cnp_rate, g->cnp_burst, now)) {
		/* Over the group's rate: this window's congestion goes
		 * unreported; the next window with a token reports again. */
		gl->withheld++;
		gl->dirty = true;
		res->cnps_withheld++;
		return 0;
	}
	len = endmt_cnp_build(key, g, pkt, sizeof(pkt));
	if (len < 0)
		return len;
	err = emit(pkt, (size_t)len, key, best, arg);
	if (err)
		return err;
	if (gl) {
		gl->sent++;
		gl->dirty = true;
	}
	return 1;
}

int endmt_cnp_tick_emit(int groups_map_fd, uint64_t *epoch, struct endmt_cnp_limiter *lim,
			endmt_cnp_emit_fn emit, void *arg, struct endmt_cnp_tick_result *res)
{
	struct endmt_group_key *keys = NULL, *prev = NULL;
	struct endmt_group *g = NULL;
	size_t nkeys = 0, i, j;
	uint64_t ended;
	int err = 0, r;

	memset(res, 0, sizeof(*res));
	keys = calloc(ENDMT_MAX_GROUPS, sizeof(*keys));
	g = calloc(1, sizeof(*g));
	if (!keys || !g) {
		err = -ENOMEM;
		goto out;
	}
	/* The window ends here.  This is the only writer of the epoch; the
	 * data path reads it under each group's lock, and every group is read
	 * below with that lock, so a CNP the data path counts after our read
	 * of its group is tagged ended + 1 (the next window), and one counted
	 * before is in the counts we read (ccount, or ccount_prev if the
	 * group already opened ended + 1).  Before the key walk: a group
	 * created after the walk only ever sees ended + 1 or later. */
	ended = __atomic_load_n(epoch, __ATOMIC_RELAXED);
	__atomic_store_n(epoch, ended + 1, __ATOMIC_SEQ_CST);
	res->epoch = ended;
	/* Keys first, then the groups: the map may change while walking. */
	while (nkeys < ENDMT_MAX_GROUPS &&
	       !bpf_map_get_next_key(groups_map_fd, prev, &keys[nkeys])) {
		prev = &keys[nkeys];
		nkeys++;
	}
	if (errno != ENOENT && nkeys < ENDMT_MAX_GROUPS) {
		err = -errno;
		goto out;
	}
	/* Sorted, once each: a walk whose previous key was deleted meanwhile
	 * starts over and may return a key twice (two CNPs for one window). */
	qsort(keys, nkeys, sizeof(*keys), key_cmp);
	for (i = j = 0; i < nkeys; i++)
		if (!j || key_cmp(&keys[j - 1], &keys[i]))
			keys[j++] = keys[i];
	nkeys = j;
	if (lim)
		limiter_sync(lim, keys, nkeys);
	for (i = 0; i < nkeys; i++) {
		res->groups++;
		r = tick_group(groups_map_fd, &keys[i], g, lim ? &lim->ent[i] : NULL, ended,
			       emit, arg, res);
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
	memcpy(&dst.sin6_addr, ip6 + ENDMT_IP6_OFF_DADDR, 16);
	n = sendto(fd, ip6, len, 0, (struct sockaddr *)&dst, sizeof(dst));
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int endmt_cnp_tick(int groups_map_fd, uint64_t *epoch, struct endmt_cnp_limiter *lim,
		   int sock_fd, struct endmt_cnp_tick_result *res)
{
	return endmt_cnp_tick_emit(groups_map_fd, epoch, lim, emit_send, &sock_fd, res);
}
