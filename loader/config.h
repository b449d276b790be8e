/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef ENDMT_CONFIG_H
#define ENDMT_CONFIG_H

#include "endmt.h"

struct branch_cfg {
	uint8_t id[16];
	int32_t psn_offset;
};

/* Writes a group's configuration; with set_branches the branch set becomes
 * exactly br[0..nbr-1] (state of kept branches carried over). */
int group_write(int fd, const struct group_cfg *g, const struct branch_cfg *br, int nbr,
		bool set_branches, bool *changed);
int branch_write(int fd, const struct endmt_group_key *key, const uint8_t id[16],
		 int32_t psn_offset, bool del, bool *changed);
int map_set(int fd, const void *key, const void *val, size_t vsize, bool *changed);
int map_del(int fd, const void *key);
/* endmt_proxies[proxy] := number of groups with that Proxy Address (deleted
 * at 0).  Recounted from the group map rather than incremented, so it is
 * right after any sequence of adds, deletes, re-adds and undos. */
int proxy_sync(const struct endmt_maps_fds *m, const uint8_t proxy[16]);
int cfg_begin(struct endmt_maps_fds *m, int *lock);
/* cfg_begin that also creates a missing pin root (attach, apply). */
int cfg_begin_create(struct endmt_maps_fds *m, int *lock, const char *cmd);
int cfg_begin_mode(struct endmt_maps_fds *m, int *lock, const char *cmd, bool create);
void cfg_end(struct endmt_maps_fds *m, int lock);
/* *g := a newly allocated copy of group k (BPF_F_LOCK read); on failure
 * says why, prefixed with cmd ("no such group ..." for -ENOENT), *g may
 * still need free().  Returns 0 or -errno. */
int cfg_group_get(const struct endmt_maps_fds *m, const struct endmt_group_key *k,
		  const char *cmd, struct endmt_group **g);
/* RFC 9524 replication (repl.c), shared by `repl add` and `apply`.
 * repl_addr_problem: NULL if a can be a Replication or downstream SID,
 * else why not.  repl_check: the entry k -> v is usable (1..ENDMT_MAX_REPL
 * distinct unicast downstream SIDs, none equal to k) and, with fd >= 0 (the
 * endmt_repl map), creates no loop with the node's other entries: no
 * downstream SID is a local Replication SID and k is no other entry's
 * downstream SID.  Returns 0 or -errno with the problem in msg. */
const char *repl_addr_problem(const struct in6_addr *a);
/* enum endmt_hmac_policy's names, for sid add and repl add --hmac. */
extern const char *const hmac_policy_names[];
int repl_check(int fd, const struct endmt_sid_key *k, const struct endmt_repl *v,
	       char *msg, size_t len);
/* Receivers at an edge.  A receiver QP (address, QPN) belongs to one group
 * (its RC peer is the group's Proxy Address / Designated QPN); the CLI
 * records which in endmt_rcv_group.  A group has one branch per receiver
 * address, so at most one recorded QPN per (group, address).
 * rcv_group_qpns: the QPNs recorded for group g at addr (up to max of them
 * in qpns[]); returns how many there are, or -errno.
 * rcv_psn_offset: the PSN offset the forward path applies to k (0 without
 * a translation). */
int rcv_group_qpns(int fd, const struct endmt_group_key *g, const uint8_t addr[16],
		   uint32_t *qpns, int max);
int rcv_psn_offset(int xlate_fd, const struct endmt_rcv_key *k, int32_t *off);
/* The branch with this id: its index (offset in *off), or -ENOENT. */
int group_find_branch(const struct endmt_group *v, const uint8_t id[16], int32_t *off);
/* "WHAT written|deleted" / "WHAT unchanged", or {"changed":...} with --json. */
void report_change(bool changed, const char *what, const char *verb);

/* "ADDR/LEN" (LEN 0..128) into a, *plen: 0, -EINVAL (not that form) or
 * -EDOM (bits set past LEN). */
int prefix_parse(const char *s, struct in6_addr *a, uint8_t *plen);

#endif
