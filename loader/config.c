// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Configuration of the maps of include/endmt/maps.h: groups and branches,
 * local SIDs, receiver translations.  The single commands and `apply` share
 * the operations here.
 *
 * Groups hold data-path state next to configuration, under the entry's
 * bpf_spin_lock.  Writes here read the entry with BPF_F_LOCK, change only
 * configuration (and initialise state of new branches), and write it back
 * with BPF_F_LOCK, so a reader never sees a torn entry and existing branch
 * state (AckPSN, ePSN, counters) is carried over.  A response processed
 * between that read and write would be lost; configuration changes are rare
 * and the next ACK re-establishes the state, so this is accepted (a per-field
 * update would need a BPF-side helper). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "endmt.h"
#include "config.h"
#include "endmt/psn.h"

void group_key_make(struct endmt_group_key *k, const struct in6_addr *proxy, uint32_t dqpn)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->proxy, proxy, 16);
	k->dqpn = dqpn;
}

void branch_id_ifindex(uint8_t id[16], uint32_t ifindex)
{
	memset(id, 0, 16);
	memcpy(id, &ifindex, sizeof(ifindex));	/* host order in id[0..3] */
}

static int group_lookup(int fd, const struct endmt_group_key *k, struct endmt_group *v)
{
	if (bpf_map_lookup_elem_flags(fd, k, v, BPF_F_LOCK))
		return -errno;
	return 0;
}

static int group_update(int fd, const struct endmt_group_key *k, const struct endmt_group *v)
{
	if (bpf_map_update_elem(fd, k, v, BPF_ANY | BPF_F_LOCK))
		return -errno;
	return 0;
}

static int find_branch(const struct endmt_group *v, const uint8_t id[16])
{
	uint32_t i;

	for (i = 0; i < v->nbranches && i < ENDMT_MAX_BRANCHES; i++)
		if ((v->br[i].flags & ENDMT_BR_VALID) && !memcmp(v->br[i].id, id, 16))
			return i;
	return -1;
}

int group_find_branch(const struct endmt_group *v, const uint8_t id[16], int32_t *off)
{
	int k = find_branch(v, id);

	if (k < 0)
		return -ENOENT;
	if (off)
		*off = v->br[k].psn_offset;
	return k;
}

int rcv_group_qpns(int fd, const struct endmt_group_key *g, const uint8_t addr[16],
		   uint32_t *qpns, int max)
{
	struct endmt_rcv_key k, *prev = NULL;
	struct endmt_group_key v;
	int n = 0;

	if (fd < 0)
		return 0;
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		if (memcmp(k.addr, addr, 16))
			continue;
		if (bpf_map_lookup_elem(fd, &k, &v)) {
			if (errno == ENOENT)
				continue;	/* deleted meanwhile */
			return -errno;
		}
		if (memcmp(&v, g, sizeof(v)))
			continue;
		if (n < max)
			qpns[n] = k.qpn;
		n++;
	}
	return n;
}

int rcv_psn_offset(int xlate_fd, const struct endmt_rcv_key *k, int32_t *off)
{
	struct endmt_rcv_xlate v;

	*off = 0;
	if (bpf_map_lookup_elem(xlate_fd, k, &v))
		return errno == ENOENT ? 0 : -errno;
	if (v.flags & ENDMT_XL_PSN)
		*off = v.psn_offset;
	return 0;
}

static void branch_init(struct endmt_branch *b, const uint8_t id[16], int32_t off,
			uint32_t start_psn)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->id, id, 16);
	b->flags = ENDMT_BR_VALID;
	b->psn_offset = off;
	/* Nothing acknowledged yet: "start PSN - 1" (docs/PROTOCOL.md), so the first
	 * real ACK of start_psn is an advance and the minimum never starts at 0. */
	b->ack_psn = endmt_psn_add(start_psn, -1);
}

static bool cfg_equal(const struct endmt_group *v, const struct group_cfg *g)
{
	return v->flags == g->flags && v->start_psn == g->start_psn &&
	       v->src_qpn == g->src_qpn && !memcmp(v->src_addr, g->src_addr, 16) &&
	       !memcmp(v->resp_saddr, g->resp_saddr, 16) && v->cnp_cap == g->cnp_cap &&
	       v->cnp_rate == g->cnp_rate && v->cnp_burst == g->cnp_burst;
}

int group_write(int fd, const struct group_cfg *g, const struct branch_cfg *br, int nbr,
		bool set_branches, bool *changed)
{
	struct endmt_group *cur, *nv;
	bool exists, dirty = false;
	uint32_t i;
	int err, j, k;

	*changed = false;
	cur = calloc(1, sizeof(*cur));
	nv = calloc(1, sizeof(*nv));
	if (!cur || !nv) {
		err = -ENOMEM;
		goto out;
	}
	err = group_lookup(fd, &g->key, cur);
	if (err && err != -ENOENT)
		goto out;
	exists = !err;
	err = 0;
	if (exists) {
		*nv = *cur;
		if (!cfg_equal(cur, g))
			dirty = true;
		if (cur->start_psn != g->start_psn) {
			/* New start PSN: branches that never acknowledged move to
			 * the new "start - 1"; acknowledged state is real, kept. */
			for (i = 0; i < nv->nbranches && i < ENDMT_MAX_BRANCHES; i++)
				if (!(nv->br[i].flags & ENDMT_BR_ACKED))
					nv->br[i].ack_psn = endmt_psn_add(g->start_psn, -1);
		}
	} else {
		dirty = true;
	}
	nv->flags = g->flags;
	nv->start_psn = g->start_psn;
	nv->src_qpn = g->src_qpn;
	memcpy(nv->src_addr, g->src_addr, 16);
	memcpy(nv->resp_saddr, g->resp_saddr, 16);
	nv->cnp_cap = g->cnp_cap;
	nv->cnp_rate = g->cnp_rate;
	nv->cnp_burst = g->cnp_burst;
	if (!exists)
		nv->fwd_ack_psn = endmt_psn_add(g->start_psn, -1);

	if (set_branches) {
		/* Exactly the given set, in the given order; state of a branch
		 * that stays is carried over. */
		struct endmt_branch tmp[ENDMT_MAX_BRANCHES];

		if (nbr > ENDMT_MAX_BRANCHES) {
			err = -E2BIG;
			goto out;
		}
		for (j = 0; j < nbr; j++) {
			k = exists ? find_branch(cur, br[j].id) : -1;
			if (k >= 0) {
				tmp[j] = cur->br[k];
				tmp[j].psn_offset = br[j].psn_offset;
			} else {
				branch_init(&tmp[j], br[j].id, br[j].psn_offset, g->start_psn);
			}
		}
		if (!exists || cur->nbranches != (uint32_t)nbr ||
		    memcmp(cur->br, tmp, nbr * sizeof(tmp[0])))
			dirty = true;
		memset(nv->br, 0, sizeof(nv->br));
		memcpy(nv->br, tmp, nbr * sizeof(tmp[0]));
		nv->nbranches = nbr;
	}
	if (dirty) {
		err = group_update(fd, &g->key, nv);
		*changed = !err;
	}
out:
	free(cur);
	free(nv);
	return err;
}

int branch_write(int fd, const struct endmt_group_key *key, const uint8_t id[16],
		 int32_t psn_offset, bool del, bool *changed)
{
	struct endmt_group *v;
	int err, k;

	*changed = false;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = group_lookup(fd, key, v);
	if (err)
		goto out;
	k = find_branch(v, id);
	if (del) {
		if (k < 0) {
			err = -ENOENT;
			goto out;
		}
		memmove(&v->br[k], &v->br[k + 1], (v->nbranches - k - 1) * sizeof(v->br[0]));
		v->nbranches--;
		memset(&v->br[v->nbranches], 0, sizeof(v->br[0]));
	} else if (k >= 0) {
		if (v->br[k].psn_offset == psn_offset)
			goto out;	/* already there, state kept */
		v->br[k].psn_offset = psn_offset;
	} else {
		if (v->nbranches >= ENDMT_MAX_BRANCHES) {
			err = -ENOSPC;
			goto out;
		}
		branch_init(&v->br[v->nbranches], id, psn_offset, v->start_psn);
		v->nbranches++;
	}
	err = group_update(fd, key, v);
	*changed = !err;
out:
	free(v);
	return err;
}

/* Generic "write if different" for the plain maps; *changed says if it did. */
int map_set(int fd, const void *key, const void *val, size_t vsize, bool *changed)
{
	uint8_t cur[sizeof(struct endmt_encap)];
	int err = 0;

	*changed = false;
	if (vsize > sizeof(cur))
		return -EINVAL;
	if (!bpf_map_lookup_elem(fd, key, cur) && !memcmp(cur, val, vsize))
		return 0;
	if (bpf_map_update_elem(fd, key, val, BPF_ANY))
		err = -errno;
	*changed = !err;
	return err;
}

int map_del(int fd, const void *key)
{
	if (bpf_map_delete_elem(fd, key))
		return -errno;
	return 0;
}

int proxy_sync(const struct endmt_maps_fds *m, const uint8_t proxy[16])
{
	struct endmt_group_key k, *prev = NULL;
	struct endmt_proxy_key pk = {};
	__u32 n = 0, cur;

	while (!bpf_map_get_next_key(m->groups, prev, &k)) {
		prev = &k;
		n += !memcmp(k.proxy, proxy, 16);
	}
	memcpy(pk.addr, proxy, 16);
	if (!n) {
		if (bpf_map_delete_elem(m->proxies, &pk) && errno != ENOENT)
			return -errno;
		return 0;
	}
	if (!bpf_map_lookup_elem(m->proxies, &pk, &cur) && cur == n)
		return 0;
	if (bpf_map_update_elem(m->proxies, &pk, &n, BPF_ANY))
		return -errno;
	return 0;
}

void report_change(bool changed, const char *what, const char *verb)
{
	if (env.json)
		json_print(json_pack("{s:b}", "changed", changed));
	else
		printf("%s %s\n", what, changed ? verb : "unchanged");
}

/* Opens the maps (creating them) and takes the lock: every change runs
 * between cfg_begin and cfg_end.  The pin root must exist (attach and apply
 * create it: cfg_begin_create) and belong to this network namespace. */
int cfg_begin(struct endmt_maps_fds *m, int *lock)
{
	return cfg_begin_mode(m, lock, env.cmd ? env.cmd : env.prog, false);
}

int cfg_begin_create(struct endmt_maps_fds *m, int *lock, const char *cmd)
{
	return cfg_begin_mode(m, lock, cmd, true);
}

int cfg_begin_mode(struct endmt_maps_fds *m, int *lock, const char *cmd, bool create)
{
	int err;

	*lock = -1;
	err = pin_root_check(cmd, create);
	if (err)
		return err;
	err = pin_lock(lock);	/* before creating maps: two first users do not race */
	if (err)
		return err;
	err = maps_open(m, true);
	if (err) {
		pin_unlock(*lock);
		*lock = -1;
	}
	return err;
}

void cfg_end(struct endmt_maps_fds *m, int lock)
{
	pin_unlock(lock);
	maps_close(m);
}

int cfg_group_get(const struct endmt_maps_fds *m, const struct endmt_group_key *k,
		  const char *cmd, struct endmt_group **g)
{
	char b[INET6_ADDRSTRLEN];
	int err;

	*g = calloc(1, sizeof(**g));
	if (!*g)
		return -ENOMEM;
	if (!bpf_map_lookup_elem_flags(m->groups, k, *g, BPF_F_LOCK))
		return 0;
	err = -errno;
	errorf("%s: group %s/%u: %s", cmd, addr_str(k->proxy, b), k->dqpn,
	       err == -ENOENT ? "no such group (endmt group add first)" : strerror(-err));
	return err;
}

/* "ADDR/LEN" (LEN 0..128) into a, *plen; the host bits must be zero, as a
 * prefix written by an operator who meant it. */
int prefix_parse(const char *s, struct in6_addr *a, uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long n;
	struct in6_addr net = {};

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	errno = 0;
	n = strtoul(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || n > 128 || inet_pton(AF_INET6, buf, a) != 1)
		return -EINVAL;
	*plen = (uint8_t)n;
	memcpy(&net, a, (n + 7) / 8);
	if (n % 8)
		net.s6_addr[n / 8] &= (uint8_t)(0xff00u >> (n % 8));
	return memcmp(&net, a, 16) ? -EDOM : 0;
}
