// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt sid add/del: local End.MT SIDs (endmt_sids). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "endmt.h"
#include "config.h"


/* ---- sid add / del ---- */

struct sid_args {
	struct in6_addr sid, edge;
	uint32_t max_rcv, hmac_key_id;
	const char *from, *in_dev;
	int hmac, fanout;
	bool hmac_set, strict;
};

const char *const hmac_policy_names[] = { "ignore", "verify", "require", NULL };
/* index 1 = ENDMT_SID_F_TC_ONLY */
static const char *const fanout_names[] = { "xdp", "tc", NULL };


static void sid_defaults(void *p)
{
	((struct sid_args *)p)->max_rcv = ENDMT_DEF_MAX_RCV;
}

static int sid_run(struct sid_args *a, bool del)
{
	struct endmt_maps_fds m;
	struct endmt_sid_key k = {};
	struct endmt_sid v = {};
	char b[INET6_ADDRSTRLEN];
	bool changed = true;
	int lock, err;

	memcpy(k.sid, &a->sid, 16);
	memcpy(v.edge, &a->edge, 16);
	v.flags = ENDMT_SID_F_ENDMT | (a->strict ? ENDMT_SID_F_STRICT : 0) |
		  (a->fanout == 1 ? ENDMT_SID_F_TC_ONLY : 0);
	v.max_rcv = a->max_rcv;
	/* a key without a policy: require it (what a key is for) */
	v.hmac_key_id = a->hmac_key_id;
	v.hmac_policy = (uint8_t)(a->hmac_set ? a->hmac : a->hmac_key_id ? ENDMT_HMAC_REQUIRE :
				  ENDMT_HMAC_IGNORE);
	if (!del && a->hmac_key_id && v.hmac_policy == ENDMT_HMAC_IGNORE) {
		errorf("sid add: --hmac-key-id with --hmac ignore: the key would not be checked");
		return -EINVAL;
	}
	if (!del && a->from) {
		struct in6_addr pa;

		err = prefix_parse(a->from, &pa, &v.src_plen);
		if (err) {
			errorf("sid add: --from %s: %s", a->from, err == -EDOM ?
			       "bits set past the prefix length" : "want ADDR/LEN, LEN 0..128");
			return -EINVAL;
		}
		memcpy(v.src, &pa, 16);
	}
	if (!del && a->in_dev) {
		v.in_ifindex = if_nametoindex(a->in_dev);
		if (!v.in_ifindex) {
			errorf("sid add: --in-dev %s: no such device here", a->in_dev);
			return -ENODEV;
		}
	}
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = del ? map_del(m.sids, &k) : map_set(m.sids, &k, &v, sizeof(v), &changed);
	cfg_end(&m, lock);
	if (err) {
		errorf("sid %s: %s: %s", del ? "del" : "add", addr_str(&a->sid, b),
		       err == -ENOENT ? "no such SID" :
		       err == -E2BIG ? "SID table full (256)" : strerror(-err));
		return err;
	}
	report_change(changed, "sid", del ? "deleted" : "written");
	return 0;
}

static int sid_add_run(void *p) { return sid_run(p, false); }
static int sid_del_run(void *p) { return sid_run(p, true); }

#define O(f) offsetof(struct sid_args, f)
static const struct opt sid_add_opts[] = {
	{ "sid", OPT_ADDR, O(sid), NOSET, "SID", "the End.MT SID (unicast or multicast address)", 0, 0, NULL, true, true },
	{ "edge", OPT_ADDR, O(edge), NOSET, "ADDR", "this node's Edge Node Address, matched in TLVs", 0, 0, NULL, true, false },
	{ "max-receivers", OPT_U32, O(max_rcv), NOSET, "N", "receivers accepted per packet (default 64)", 1, ENDMT_MAX_RCV, NULL, false, false },
	{ "from", OPT_STR, O(from), NOSET, "ADDR/LEN", "accept outer sources in this prefix only (the heads; default any)", 0, 0, NULL, false, false },
	{ "strict", OPT_FLAG, O(strict), NOSET, NULL, "only configured groups, copies only to their receivers (as apply sets)", 0, 0, NULL, false, false },
	{ "in-dev", OPT_STR, O(in_dev), NOSET, "DEV", "accept packets arriving on this device only (the tree's; default any)", 0, 0, NULL, false, false },
	{ "fanout", OPT_ENUM, O(fanout), NOSET, "MODE", "xdp (default): copies made in XDP where the agent has every receiver's slot ready, the TC path for the rest; tc: every copy by the TC path", 0, 0, fanout_names, false, false },
	{ "hmac-key-id", OPT_U32, O(hmac_key_id), NOSET, "N", "SRH HMAC Key ID packets must carry (a key of `endmt hmac set`; implies --hmac require)", 1, UINT32_MAX, NULL, false, false },
	{ "hmac", OPT_ENUM, O(hmac), O(hmac_set), "POLICY", "SRH HMAC TLV: require (drop packets without a valid one), verify (when present), ignore (default without --hmac-key-id); without a key ID any key of this node", 0, 0, hmac_policy_names, false, false },
	{}
};
static const struct opt sid_del_opts[] = {
	{ "sid", OPT_ADDR, O(sid), NOSET, "SID", "the End.MT SID", 0, 0, NULL, true, true },
	{}
};
#undef O

const struct cmd cmd_sid_add = {
	"sid add", "Instantiate an End.MT SID on this node.",
	sid_add_opts, sizeof(struct sid_args), sid_defaults, sid_add_run,
};
const struct cmd cmd_sid_del = {
	"sid del", "Remove a local End.MT SID.",
	sid_del_opts, sizeof(struct sid_args), sid_defaults, sid_del_run,
};
