// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt repl add/del: RFC 9524 Replication SIDs of this node (endmt_repl,
 * read by endmt_transit_tc and by the head's TC after encapsulation;
 * docs/FORWARD-PATH.md, "RFC 9524 replication").  The checks here are shared
 * with `apply`, so an entry is refused the same way from either. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "endmt.h"
#include "config.h"

const char *repl_addr_problem(const struct in6_addr *a)
{
	/* Each copy is sent by a FIB lookup of its DA: only a routable
	 * unicast address names one downstream node. */
	switch (endmt_addr_kind(a->s6_addr)) {
	case ENDMT_ADDR_MULTICAST:
		return "is a multicast address (a Replication or downstream SID is unicast; "
		       "for an IP-multicast underlay use a multicast End.MT SID and no replication)";
	case ENDMT_ADDR_UNSPEC:
	case ENDMT_ADDR_LOOPBACK:
		return "is not a routable unicast address";
	case ENDMT_ADDR_LINKLOCAL:
		return "is link-local (not routable to a downstream node)";
	default:	/* v4-mapped: routable as the FIB says (as before) */
		return NULL;
	}
}

int repl_check(int fd, const struct endmt_sid_key *k, const struct endmt_repl *v,
	       char *msg, size_t len)
{
	struct endmt_sid_key ok, *prev = NULL;
	struct endmt_repl ov;
	char b[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	const char *why;
	uint32_t i, j;

	if ((why = repl_addr_problem((const struct in6_addr *)k->sid))) {
		snprintf(msg, len, "Replication SID %s %s", addr_str(k->sid, b), why);
		return -EINVAL;
	}
	if (v->n == 0 || v->n > ENDMT_MAX_REPL) {
		snprintf(msg, len, "%u downstream SIDs: must be 1..%d (ENDMT_MAX_REPL)", v->n,
			 ENDMT_MAX_REPL);
		return -EINVAL;
	}
	for (i = 0; i < v->n; i++) {
		addr_str(v->sids[i], b);
		if ((why = repl_addr_problem((const struct in6_addr *)v->sids[i]))) {
			snprintf(msg, len, "downstream SID %s %s", b, why);
			return -EINVAL;
		}
		if (!memcmp(v->sids[i], k->sid, 16)) {
			snprintf(msg, len, "downstream SID %s is the Replication SID itself "
				 "(its copies would come back here)", b);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (!memcmp(v->sids[i], v->sids[j], 16)) {
				snprintf(msg, len, "downstream SID %s listed twice", b);
				return -EINVAL;
			}
	}
	if (fd < 0)
		return 0;
	/* The data path refuses to copy to a local Replication SID
	 * (drop_repl_loop): such an entry could never work, say so now. */
	while (!bpf_map_get_next_key(fd, prev, &ok)) {
		prev = &ok;
		if (!memcmp(ok.sid, k->sid, 16) || bpf_map_lookup_elem(fd, &ok, &ov))
			continue;
		for (i = 0; i < v->n; i++)
			if (!memcmp(v->sids[i], ok.sid, 16)) {
				snprintf(msg, len, "downstream SID %s is a Replication SID of this "
					 "node (copies to it would loop)", addr_str(ok.sid, b));
				return -ELOOP;
			}
		for (i = 0; i < ov.n && i < ENDMT_MAX_REPL; i++)
			if (!memcmp(ov.sids[i], k->sid, 16)) {
				snprintf(msg, len, "%s is a downstream SID of this node's Replication "
					 "SID %s (its copies would loop)", addr_str(k->sid, b),
					 addr_str(ok.sid, b2));
				return -ELOOP;
			}
	}
	return 0;
}

/* ---- repl add / del ---- */

struct repl_args {
	struct in6_addr sid;
	const char *to, *from, *in_dev;
	uint32_t hmac_key_id;
	int hmac;
	bool hmac_set;
};

/* "a,b,c" -> v->sids; one error line naming the bad element. */
static int parse_to(const char *s, struct endmt_repl *v)
{
	char *dup = strdup(s), *tok, *save = NULL;
	int err = 0;

	if (!dup)
		return -ENOMEM;
	memset(v, 0, sizeof(*v));
	if (!*s || s[strlen(s) - 1] == ',' || *s == ',' || strstr(s, ",,")) {
		errorf("repl add: --to '%s': expected SID[,SID...] (e.g. fd00:1::4d54,fd00:2::4d54)", s);
		err = -EINVAL;
		goto out;
	}
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (v->n >= ENDMT_MAX_REPL) {
			errorf("repl add: --to: more than %d downstream SIDs (ENDMT_MAX_REPL)",
			       ENDMT_MAX_REPL);
			err = -E2BIG;
			goto out;
		}
		if (parse_addr(tok, (struct in6_addr *)v->sids[v->n])) {
			errorf("repl add: --to '%s': not an IPv6 address (e.g. fd00::1)", tok);
			err = -EINVAL;
			goto out;
		}
		v->n++;
	}
out:
	free(dup);
	return err;
}

static int repl_run(struct repl_args *a, bool del)
{
	struct endmt_maps_fds m;
	struct endmt_sid_key k = {};
	struct endmt_repl v;
	char b[INET6_ADDRSTRLEN], msg[256];
	bool changed = true;
	int lock, err;

	memcpy(k.sid, &a->sid, 16);
	if (!del) {
		err = parse_to(a->to, &v);
		if (err)
			return err;
		if (a->from && (err = prefix_parse(a->from, (struct in6_addr *)v.src, &v.src_plen))) {
			errorf("repl add: --from %s: %s", a->from, err == -EDOM ?
			       "bits set past the prefix length" : "want ADDR/LEN, LEN 0..128");
			return -EINVAL;
		}
		if (a->in_dev && !(v.in_ifindex = if_nametoindex(a->in_dev))) {
			errorf("repl add: --in-dev %s: no such device here", a->in_dev);
			return -ENODEV;
		}
		/* as sid add: a key without a policy is required */
		v.hmac_key_id = a->hmac_key_id;
		v.hmac_policy = (uint8_t)(a->hmac_set ? a->hmac : a->hmac_key_id ?
					  ENDMT_HMAC_REQUIRE : ENDMT_HMAC_IGNORE);
		if (a->hmac_key_id && v.hmac_policy == ENDMT_HMAC_IGNORE) {
			errorf("repl add: --hmac-key-id with --hmac ignore: the key would not be checked");
			return -EINVAL;
		}
		/* Address checks before touching the maps (no pin root needed
		 * to be told an address is wrong). */
		err = repl_check(-1, &k, &v, msg, sizeof(msg));
		if (err) {
			errorf("repl add: %s", msg);
			return err;
		}
	}
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	if (del) {
		err = map_del(m.repl, &k);
	} else {
		err = repl_check(m.repl, &k, &v, msg, sizeof(msg));
		if (err) {
			cfg_end(&m, lock);
			errorf("repl add: %s", msg);
			return err;
		}
		err = map_set(m.repl, &k, &v, sizeof(v), &changed);
	}
	cfg_end(&m, lock);
	if (err) {
		errorf("repl %s: %s: %s", del ? "del" : "add", addr_str(&a->sid, b),
		       err == -ENOENT ? "no such Replication SID (see endmt show)" :
		       err == -E2BIG ? "replication table full (256)" : strerror(-err));
		return err;
	}
	report_change(changed, "replication SID", del ? "deleted" : "written");
	return 0;
}

static int repl_add_run(void *p) { return repl_run(p, false); }
static int repl_del_run(void *p) { return repl_run(p, true); }

#define O(f) offsetof(struct repl_args, f)
static const struct opt repl_add_opts[] = {
	{ "sid", OPT_ADDR, O(sid), NOSET, "SID", "the Replication SID (unicast, local to this node)", 0, 0, NULL, true, true },
	{ "to", OPT_STR, O(to), NOSET, "SID[,SID...]", "downstream SIDs, 1..16 (End.MT or Replication SIDs of other nodes)", 0, 0, NULL, true, false },
	{ "from", OPT_STR, O(from), NOSET, "ADDR/LEN", "accept outer sources in this prefix only (the heads; default any)", 0, 0, NULL, false, false },
	{ "in-dev", OPT_STR, O(in_dev), NOSET, "DEV", "accept packets arriving on this device only (the tree's; default any)", 0, 0, NULL, false, false },
	{ "hmac-key-id", OPT_U32, O(hmac_key_id), NOSET, "N", "SRH HMAC Key ID packets must carry (a key of `endmt hmac set`; implies --hmac require)", 1, UINT32_MAX, NULL, false, false },
	{ "hmac", OPT_ENUM, O(hmac), O(hmac_set), "POLICY", "SRH HMAC TLV: require (drop packets without a valid one), verify (when present), ignore (default without --hmac-key-id); without a key ID any key of this node", 0, 0, hmac_policy_names, false, false },
	{}
};
static const struct opt repl_del_opts[] = {
	{ "sid", OPT_ADDR, O(sid), NOSET, "SID", "the Replication SID", 0, 0, NULL, true, true },
	{}
};
#undef O

const struct cmd cmd_repl_add = {
	"repl add", "Set an RFC 9524 Replication SID and its downstream SIDs (replaces).",
	repl_add_opts, sizeof(struct repl_args), NULL, repl_add_run,
};
const struct cmd cmd_repl_del = {
	"repl del", "Remove a local Replication SID.",
	repl_del_opts, sizeof(struct repl_args), NULL, repl_del_run,
};
