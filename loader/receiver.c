// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt receiver add/del: per-receiver PSN offset / RETH translation
 * (endmt_rcv_xlate, edge). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "endmt.h"
#include "config.h"

#define QPN_MAX 16777215

/* ---- receiver add / del ---- */

struct rcv_args {
	struct in6_addr addr;
	uint32_t qpn, rkey;
	int32_t psn_offset;
	uint64_t va_delta;
	bool va_set, rkey_set;
};

static int rcv_run(struct rcv_args *a, bool del)
{
	struct endmt_maps_fds m;
	struct endmt_rcv_key k = {};
	struct endmt_rcv_xlate v = {};
	char b[INET6_ADDRSTRLEN];
	bool changed = true;
	int lock, err;

	if (a->va_set != a->rkey_set) {
		errorf("receiver add: --va-delta and --rkey go together (the RETH "
		       "translation rewrites both)");
		return -EINVAL;
	}
	memcpy(k.addr, &a->addr, 16);
	k.qpn = a->qpn;
	v.psn_offset = a->psn_offset;
	if (a->psn_offset)
		v.flags |= ENDMT_XL_PSN;
	if (a->va_set) {
		v.flags |= ENDMT_XL_RETH;
		v.va_delta = a->va_delta;
		v.rkey = a->rkey;
	}
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = del ? map_del(m.xlate, &k) : map_set(m.xlate, &k, &v, sizeof(v), &changed);
	cfg_end(&m, lock);
	if (err) {
		errorf("receiver %s: %s/%u: %s", del ? "del" : "add", addr_str(&a->addr, b),
		       a->qpn, err == -ENOENT ? "no such receiver" : strerror(-err));
		return err;
	}
	report_change(changed, "receiver", del ? "deleted" : "written");
	return 0;
}

static int rcv_add_run(void *p) { return rcv_run(p, false); }
static int rcv_del_run(void *p) { return rcv_run(p, true); }

#define O(f) offsetof(struct rcv_args, f)
static const struct opt rcv_add_opts[] = {
	{ "addr", OPT_ADDR, O(addr), NOSET, "ADDR", "receiver address", 0, 0, NULL, true, false },
	{ "qpn", OPT_U32, O(qpn), NOSET, "N", "receiver QPN", 0, QPN_MAX, NULL, true, false },
	{ "psn-offset", OPT_S32, O(psn_offset), NOSET, "N", "receiver PSN minus source PSN", -QPN_MAX, QPN_MAX, NULL, false, false },
	{ "va-delta", OPT_U64, O(va_delta), O(va_set), "N", "added to RETH virtual addresses (mod 2^64)", 0, 0, NULL, false, false },
	{ "rkey", OPT_U32, O(rkey), O(rkey_set), "N", "RETH rkey of the receiver's memory region", 0, UINT32_MAX, NULL, false, false },
	{}
};
static const struct opt rcv_del_opts[] = {
	{ "addr", OPT_ADDR, O(addr), NOSET, "ADDR", "receiver address", 0, 0, NULL, true, false },
	{ "qpn", OPT_U32, O(qpn), NOSET, "N", "receiver QPN", 0, QPN_MAX, NULL, true, false },
	{}
};
#undef O

const struct cmd cmd_receiver_add = {
	"receiver add", "Set a receiver's PSN offset / RETH translation (edge).",
	rcv_add_opts, sizeof(struct rcv_args), NULL, rcv_add_run,
};
const struct cmd cmd_receiver_del = {
	"receiver del", "Remove a receiver's translation.",
	rcv_del_opts, sizeof(struct rcv_args), NULL, rcv_del_run,
};
