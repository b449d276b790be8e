// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt show: everything a node holds, for people (default) or as JSON
 * (--json; schema in docs/CLI.md, stable: fields are only ever added). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include "endmt.h"
#include "cnp.h"
#include "endmt/srh.h"
#include "endmt/stats.h"
#include "hmac_keys.h"
#include "srh_hmac.h"

#define STAT_NAME(kind, name, str, help) str,
static const char *const stat_names[] = { ENDMT_STAT_LIST(STAT_NAME) };
#undef STAT_NAME
#define STAT_HELP(kind, name, str, help) ENDMT_STAT_KIND_NAME_##kind ": " help,
static const char *const stat_helps[] = { ENDMT_STAT_LIST(STAT_HELP) };
#undef STAT_HELP

struct show_args {
	bool all;
};

static json_t *jaddr(const void *a16)
{
	char b[INET6_ADDRSTRLEN];

	return json_string(addr_str(a16, b));
}

/* The agent's state next to a group: the current CNP epoch and the group's
 * liveness marks (lib/cnp.h).  ccount and stale are shown as the data path
 * applies them, not as raw fields. */
struct show_agent {
	bool have_epoch;
	uint64_t epoch;
	const struct endmt_stale *st;	/* NULL: no marks */
};

static json_t *branch_json(const struct endmt_group *g, unsigned int i, uint64_t now,
			   const struct show_agent *ag)
{
	const struct endmt_branch *b = &g->br[i];
	json_t *o = json_object();
	uint32_t ifindex;
	char name[IF_NAMESIZE] = "";

	if (g->flags & ENDMT_GF_BRANCH_IFINDEX) {
		memcpy(&ifindex, b->id, sizeof(ifindex));
		json_object_set_new(o, "kind", json_string("ifindex"));
		json_object_set_new(o, "ifindex", json_integer(ifindex));
		json_object_set_new(o, "dev", if_indextoname(ifindex, name) ?
				    json_str(name) : json_null());
	} else {
		json_object_set_new(o, "kind", json_string("addr"));
		json_object_set_new(o, "addr", jaddr(b->id));
	}
	json_object_set_new(o, "ack_psn", json_integer(b->ack_psn));
	json_object_set_new(o, "acked", json_boolean(b->flags & ENDMT_BR_ACKED));
	json_object_set_new(o, "nak_pending", json_boolean(b->flags & ENDMT_BR_NAK_PENDING));
	json_object_set_new(o, "epsn", json_integer(b->epsn));
	/* CNPs counted in the current window (the raw field may still hold
	 * an ended window's counts: the data path restarts it lazily). */
	json_object_set_new(o, "ccount", json_integer(ag->have_epoch ?
				endmt_cnp_count(g, i, ag->epoch, now) : b->ccount));
	json_object_set_new(o, "psn_offset", json_integer(b->psn_offset));
	json_object_set_new(o, "last_seen_ms_ago", b->last_seen_ns && now >= b->last_seen_ns ?
			    json_integer((now - b->last_seen_ns) / 1000000) : json_null());
	json_object_set_new(o, "stale", json_boolean(endmt_stale_branch(ag->st, g, i)));
	json_object_set_new(o, "acks", json_integer(b->acks));
	json_object_set_new(o, "naks", json_integer(b->naks));
	json_object_set_new(o, "rnrs", json_integer(b->rnrs));
	json_object_set_new(o, "failed", json_boolean(b->flags & ENDMT_BR_FAILED));
	json_object_set_new(o, "cnps", json_integer(b->cnps));
	return o;
}

/* The response origins of group k (endmt_resp_origin): address and the
 * device its responses must arrive on. */
static json_t *origins_json(int fd, const struct endmt_group_key *k)
{
	struct endmt_origin_key ok, *prev = NULL;
	char name[IF_NAMESIZE];
	json_t *arr = json_array(), *o;
	uint32_t ifx;

	if (fd < 0)
		return arr;
	while (!bpf_map_get_next_key(fd, prev, &ok)) {
		prev = &ok;
		if (memcmp(ok.proxy, k->proxy, 16) || ok.dqpn != k->dqpn ||
		    bpf_map_lookup_elem(fd, &ok, &ifx))
			continue;
		o = json_object();
		json_object_set_new(o, "addr", jaddr(ok.addr));
		json_object_set_new(o, "ifindex", json_integer(ifx));
		json_object_set_new(o, "dev", if_indextoname(ifx, name) ? json_str(name) : json_null());
		json_array_append_new(arr, o);
	}
	return arr;
}

static int show_groups(const struct endmt_maps_fds *m, json_t *arr)
{
	struct endmt_group_key k, *prev = NULL;
	struct show_agent ag = {};
	struct endmt_cnp_limit lv;
	struct endmt_stale *st;
	struct endmt_group *g;
	uint64_t now;
	uint32_t i, zero = 0;
	int fd = m->groups, stale_fd = m->stale;
	bool has_lim;
	json_t *o, *br;

	g = calloc(1, sizeof(*g));
	st = calloc(1, sizeof(*st));
	if (!g || !st) {
		free(st);
		free(g);
		return -ENOMEM;
	}
	/* Pins of an older endmt may lack these: show the raw fields then. */
	if (m->cnp_epoch >= 0)
		ag.have_epoch = !bpf_map_lookup_elem(m->cnp_epoch, &zero, &ag.epoch);
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		if (bpf_map_lookup_elem_flags(fd, &k, g, BPF_F_LOCK))
			continue;	/* deleted meanwhile */
		ag.st = stale_fd >= 0 && !bpf_map_lookup_elem_flags(stale_fd, &k, st, BPF_F_LOCK) ?
			st : NULL;
		now = now_ns();
		o = json_object();
		json_object_set_new(o, "proxy", jaddr(k.proxy));
		json_object_set_new(o, "dqpn", json_integer(k.dqpn));
		json_object_set_new(o, "head", json_boolean(g->flags & ENDMT_GF_HEAD));
		json_object_set_new(o, "branch_by", json_string(g->flags & ENDMT_GF_BRANCH_IFINDEX ?
								 "ifindex" : "addr"));
		json_object_set_new(o, "start_psn", json_integer(g->start_psn));
		if (g->flags & ENDMT_GF_HEAD) {
			json_object_set_new(o, "src", jaddr(g->src_addr));
			json_object_set_new(o, "src_qpn", json_integer(g->src_qpn));
		}
		json_object_set_new(o, "resp_saddr", jaddr(g->resp_saddr));
		json_object_set_new(o, "cnp_cap", json_integer(g->cnp_cap));
		json_object_set_new(o, "cnp_rate", json_integer(g->cnp_rate));
		json_object_set_new(o, "cnp_burst", json_integer(g->cnp_burst));
		/* The agent's report (endmt_cnp_limit): null until an agent
		 * has sent or withheld a CNP for the group. */
		has_lim = m->cnp_limit >= 0 &&
			  !bpf_map_lookup_elem_flags(m->cnp_limit, &k, &lv, BPF_F_LOCK);
		json_object_set_new(o, "cnps_sent", has_lim ? json_integer(lv.sent) : json_null());
		json_object_set_new(o, "cnps_withheld", has_lim ? json_integer(lv.withheld) :
				    json_null());
		json_object_set_new(o, "fwd_ack_psn", g->state & ENDMT_GS_ACK_FWD ?
				    json_integer(g->fwd_ack_psn) : json_null());
		json_object_set_new(o, "fwd_epsn", g->state & ENDMT_GS_NAK_FWD ?
				    json_integer(g->fwd_epsn) : json_null());
		json_object_set_new(o, "acks_repeated", json_integer(g->acks_repeated));
		json_object_set_new(o, "psn_guard", json_boolean(g->flags & ENDMT_GF_PSN_GUARD));
		json_object_set_new(o, "origin_check", json_boolean(g->flags & ENDMT_GF_ORIGIN));
		json_object_set_new(o, "origins", origins_json(m->resp_origin, &k));
		json_object_set_new(o, "data_psn", g->state & ENDMT_GS_DATA_FWD ?
				    json_integer(g->data_psn) : json_null());
		br = json_array();
		for (i = 0; i < g->nbranches && i < ENDMT_MAX_BRANCHES; i++)
			json_array_append_new(br, branch_json(g, i, now, &ag));
		json_object_set_new(o, "branches", br);
		json_array_append_new(arr, o);
	}
	free(st);
	free(g);
	return 0;
}

/* A SID's SR-domain boundary (End.MT or Replication): src_prefix,
 * in_ifindex, in_dev; null = any. */
/* A SID's or Replication SID's HMAC policy: "hmac", "hmac_key_id" (null:
 * any key of the node). */
static void hmac_json(json_t *o, uint8_t policy, uint32_t key_id)
{
	json_object_set_new(o, "hmac", json_string(policy == ENDMT_HMAC_REQUIRE ? "require" :
						   policy == ENDMT_HMAC_VERIFY ? "verify" :
						   "ignore"));
	json_object_set_new(o, "hmac_key_id", key_id ? json_integer(key_id) : json_null());
}

static void boundary_json(json_t *o, const uint8_t src[16], uint8_t plen, uint32_t ifindex)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN + 8], name[IF_NAMESIZE];

	snprintf(b, sizeof(b), "%s/%u", addr_str(src, a), plen);
	json_object_set_new(o, "src_prefix", plen ? json_string(b) : json_null());
	json_object_set_new(o, "in_ifindex", ifindex ? json_integer(ifindex) : json_null());
	json_object_set_new(o, "in_dev", ifindex && if_indextoname(ifindex, name) ?
			    json_str(name) : json_null());
}

static void show_sids(int fd, json_t *arr)
{
	struct endmt_sid_key k, *prev = NULL;
	struct endmt_sid v;
	json_t *o;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;
		o = json_object();
		json_object_set_new(o, "sid", jaddr(k.sid));
		json_object_set_new(o, "edge", jaddr(v.edge));
		json_object_set_new(o, "behavior", json_string(v.flags & ENDMT_SID_F_ENDMT ? "End.MT" :
							       "?"));
		json_object_set_new(o, "max_receivers", json_integer(v.max_rcv));
		json_object_set_new(o, "strict", json_boolean(v.flags & ENDMT_SID_F_STRICT));
		boundary_json(o, v.src, v.src_plen, v.in_ifindex);
		hmac_json(o, v.hmac_policy, v.hmac_key_id);
		json_array_append_new(arr, o);
	}
}

static json_t *rcv_json(const struct endmt_rcv_key *k, const struct endmt_rcv_xlate *v,
			int grp_fd)
{
	struct endmt_group_key g;
	json_t *o = json_object();
	bool has_g = grp_fd >= 0 && !bpf_map_lookup_elem(grp_fd, k, &g);

	json_object_set_new(o, "addr", jaddr(k->addr));
	json_object_set_new(o, "qpn", json_integer(k->qpn));
	json_object_set_new(o, "psn_offset", json_integer(v->flags & ENDMT_XL_PSN ? v->psn_offset : 0));
	json_object_set_new(o, "reth", json_boolean(v->flags & ENDMT_XL_RETH));
	json_object_set_new(o, "va_delta", json_integer((json_int_t)v->va_delta));
	json_object_set_new(o, "rkey", json_integer(v->rkey));
	json_object_set_new(o, "proxy", has_g ? jaddr(g.proxy) : json_null());
	json_object_set_new(o, "dqpn", has_g ? json_integer(g.dqpn) : json_null());
	return o;
}

/* Every receiver: those with a translation, then those recorded in
 * endmt_rcv_group without one. */
static void show_rcvs(int fd, int grp_fd, json_t *arr)
{
	struct endmt_rcv_key k, *prev = NULL;
	struct endmt_rcv_xlate v;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		if (!bpf_map_lookup_elem(fd, &k, &v))
			json_array_append_new(arr, rcv_json(&k, &v, grp_fd));
	}
	if (grp_fd < 0)
		return;
	prev = NULL;
	memset(&v, 0, sizeof(v));
	while (!bpf_map_get_next_key(grp_fd, prev, &k)) {
		struct endmt_rcv_xlate x;

		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &x) && errno == ENOENT)
			json_array_append_new(arr, rcv_json(&k, &v, grp_fd));
	}
}

/* Summary of a template: outer SA/DA, segment list, End.MT TLVs. */
static json_t *encap_json(const struct endmt_group_key *k, const struct endmt_encap *e)
{
	struct endmt_tlv_view tv[ENDMT_MAX_NODE_TLVS * 16];
	const struct endmt_srh *srh;
	json_t *o = json_object(), *segs, *tlvs, *t, *rl;
	uint8_t type = ENDMT_TLV_ENDMT_DEFAULT;
	size_t srh_len, off, i, j;
	struct endmt_rcv_ent r;
	char b[INET6_ADDRSTRLEN + 16];
	int n;

	json_object_set_new(o, "proxy", jaddr(k->proxy));
	json_object_set_new(o, "dqpn", json_integer(k->dqpn));
	json_object_set_new(o, "len", json_integer(e->len));
	if (e->len < ENDMT_IP6_HLEN + sizeof(*srh) || e->len > ENDMT_MAX_ENCAP) {
		json_object_set_new(o, "error", json_string("template too short"));
		return o;
	}
	json_object_set_new(o, "outer_src", jaddr(e->hdr + ENDMT_IP6_OFF_SADDR));
	json_object_set_new(o, "outer_dst", jaddr(e->hdr + ENDMT_IP6_OFF_DADDR));
	srh = (const void *)(e->hdr + ENDMT_IP6_HLEN);
	srh_len = e->len - ENDMT_IP6_HLEN;
	json_object_set_new(o, "segments_left", json_integer(srh->segments_left));
	segs = json_array();
	for (i = 0; i <= srh->last_entry && sizeof(*srh) + 16 * (i + 1) <= srh_len; i++)
		json_array_append_new(segs, jaddr((const uint8_t *)(srh + 1) + 16 * i));
	json_object_set_new(o, "segments", segs);
	{
		/* the template's octets, and the Key ID of its HMAC TLV */
		int h = endmt_srh_hmac_tlv((const uint8_t *)srh, srh_len);
		char *hex = malloc(2 * (size_t)e->len + 1);

		json_object_set_new(o, "hmac_key_id", h >= 0 ?
				    json_integer(ntohl(((const struct endmt_hmac_tlv *)
							((const uint8_t *)srh + h))->key_id)) :
				    json_null());
		if (hex) {
			for (i = 0; i < e->len; i++)
				sprintf(hex + 2 * i, "%02x", e->hdr[i]);
			json_object_set_new(o, "hex", json_string(hex));
			free(hex);
		}
	}
	/* The TLV type is not stored: take the first non-padding TLV's. */
	off = sizeof(*srh) + 16 * ((size_t)srh->last_entry + 1);
	while (off + sizeof(struct endmt_tlv_hdr) <= srh_len) {
		const struct endmt_tlv_hdr *th = (const void *)((const uint8_t *)srh + off);
		uint8_t ty = th->type;

		if (ty == ENDMT_TLV_PAD1) {
			off++;
			continue;
		}
		if (ty != ENDMT_TLV_PADN) {
			type = ty;
			break;
		}
		off += sizeof(*th) + th->len;
	}
	json_object_set_new(o, "tlv_type", json_integer(type));
	n = endmt_srh_parse((const uint8_t *)srh, srh_len, type, tv, sizeof(tv) / sizeof(tv[0]));
	if (n < 0) {
		json_object_set_new(o, "error", json_string(strerror(-n)));
		return o;
	}
	tlvs = json_array();
	for (i = 0; i < (size_t)n; i++) {
		t = json_object();
		json_object_set_new(t, "edge", jaddr(&tv[i].edge));
		rl = json_array();
		for (j = 0; j < tv[i].nrcv; j++) {
			endmt_tlv_rcv(&tv[i], j, &r);
			addr_str(&r.addr, b);
			snprintf(b + strlen(b), sizeof(b) - strlen(b), "/%u", r.qpn);
			json_array_append_new(rl, json_string(b));
		}
		json_object_set_new(t, "receivers", rl);
		json_array_append_new(tlvs, t);
	}
	json_object_set_new(o, "tlvs", tlvs);
	return o;
}

static int show_encaps(int fd, json_t *arr)
{
	struct endmt_group_key k, *prev = NULL;
	struct endmt_encap *e = malloc(sizeof(*e));

	if (!e)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		if (!bpf_map_lookup_elem(fd, &k, e))
			json_array_append_new(arr, encap_json(&k, e));
	}
	free(e);
	return 0;
}

/* RFC 9524 Replication SIDs of this node and their downstream SIDs. */
static void show_repl(int fd, json_t *arr)
{
	struct endmt_sid_key k, *prev = NULL;
	struct endmt_repl v;
	json_t *o, *to;
	uint32_t i;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;	/* deleted meanwhile */
		o = json_object();
		to = json_array();
		json_object_set_new(o, "sid", jaddr(k.sid));
		/* n as stored: an entry the data path refuses (0 or above
		 * ENDMT_MAX_REPL, drop_repl_bad_entry) shows as such. */
		json_object_set_new(o, "n", json_integer(v.n));
		for (i = 0; i < v.n && i < ENDMT_MAX_REPL; i++)
			json_array_append_new(to, jaddr(v.sids[i]));
		json_object_set_new(o, "to", to);
		boundary_json(o, v.src, v.src_plen, v.in_ifindex);
		hmac_json(o, v.hmac_policy, v.hmac_key_id);
		json_array_append_new(arr, o);
	}
}

static void show_devs(json_t *arr)
{
	char path[PATH_MAX];
	struct dev_state st;
	struct dirent *d;
	DIR *dir;
	json_t *o;

	snprintf(path, sizeof(path), "%s/dev", env.pin_root);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' || dev_state_read(d->d_name, &st))
			continue;
		o = json_object();
		json_object_set_new(o, "dev", json_str(d->d_name));
		json_object_set_new(o, "ifindex", json_integer(st.ifindex));
		json_object_set_new(o, "role", json_string(st.role < ROLE__N ?
							   role_names[st.role] : "?"));
		json_object_set_new(o, "xdp_mode", json_string(st.mode < 3 ?
							       mode_names[st.mode] : "?"));
		json_object_set_new(o, "xdp_prog_id", json_integer(st.xdp_prog_id));
		json_object_set_new(o, "tc", json_boolean(st.tc_handle));
		json_object_set_new(o, "tlv_type", json_integer(st.tlv_type));
		json_object_set_new(o, "present", json_boolean(if_nametoindex(d->d_name) ==
							       st.ifindex));
		/* The network namespace of the attach (null: an older record). */
		json_object_set_new(o, "netns", st.netns_ino ? json_integer((json_int_t)st.netns_ino) :
							       json_null());
		json_array_append_new(arr, o);
	}
	closedir(dir);
}

static int show_stats(int fd, json_t *obj, bool all)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	uint64_t *vals, sum;
	uint32_t i;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < ENDMT_STAT_MAX; i++) {
		sum = 0;
		if (!bpf_map_lookup_elem(fd, &i, vals))
			for (c = 0; c < ncpu; c++)
				sum += vals[c];
		if (sum || all)
			json_object_set_new(obj, stat_names[i], json_integer(sum));
	}
	free(vals);
	return 0;
}

static const char *stat_help(const char *name)
{
	size_t i;

	for (i = 0; i < ENDMT_STAT_MAX; i++)
		if (!strcmp(stat_names[i], name))
			return stat_helps[i];
	return "";
}

static const char *get_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "-";
}

static long long get_int(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* The text of boundary_json's fields: " from P on DEV (ifindex N)". */
/* hmac_json()'s fields, nothing under policy ignore. */
static void print_hmac(json_t *o)
{
	if (!strcmp(get_str(o, "hmac"), "ignore"))
		return;
	if (json_is_null(json_object_get(o, "hmac_key_id")))
		printf(" hmac %s any key", get_str(o, "hmac"));
	else
		printf(" hmac %s key %lld", get_str(o, "hmac"), get_int(o, "hmac_key_id"));
}

static void print_boundary(json_t *o)
{
	if (!json_is_null(json_object_get(o, "src_prefix")))
		printf(" from %s", get_str(o, "src_prefix"));
	if (!json_is_null(json_object_get(o, "in_ifindex")))
		printf(" on %s (ifindex %lld)", json_is_null(json_object_get(o, "in_dev")) ?
		       "?" : get_str(o, "in_dev"), get_int(o, "in_ifindex"));
}

/* One branch row of `endmt show`. */
static void print_branch(json_t *b)
{
	char id[64], ep[16], seen[24];
	json_t *ls = json_object_get(b, "last_seen_ms_ago");

	if (!strcmp(get_str(b, "kind"), "ifindex"))
		snprintf(id, sizeof(id), "%s (ifindex %lld)", get_str(b, "dev"),
			 get_int(b, "ifindex"));
	else
		snprintf(id, sizeof(id), "%s", get_str(b, "addr"));
	if (json_is_true(json_object_get(b, "nak_pending")))
		snprintf(ep, sizeof(ep), "%lld", get_int(b, "epsn"));
	else
		snprintf(ep, sizeof(ep), "-");
	if (json_is_null(ls))
		snprintf(seen, sizeof(seen), "never");
	else
		snprintf(seen, sizeof(seen), "%lld ms ago", json_integer_value(ls));
	printf("    %-28s %8lld %10s %6lld %12s %8lld %8lld %8lld%s%s\n", id,
	       get_int(b, "ack_psn"), ep, get_int(b, "ccount"), seen, get_int(b, "acks"),
	       get_int(b, "naks"), get_int(b, "cnps"),
	       json_is_true(json_object_get(b, "stale")) ? "  STALE" : "",
	       json_is_true(json_object_get(b, "failed")) ? "  FAILED" : "");
}

static void print_human(json_t *root)
{
	json_t *a, *o, *br, *t, *r;
	const char *key;
	size_t i, j, l;

	printf("pin root %s\n", get_str(root, "pin_root"));
	a = json_object_get(root, "devices");
	printf("\ndevices (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, o)
		printf("  %-12s %-8s xdp %s id %lld%s tlv %lld%s\n", get_str(o, "dev"), get_str(o, "role"),
		       get_str(o, "xdp_mode"), get_int(o, "xdp_prog_id"),
		       json_is_true(json_object_get(o, "tc")) ? " + tc ingress" : "",
		       get_int(o, "tlv_type"),
		       json_is_true(json_object_get(o, "present")) ? "" : "  (device gone)");
	a = json_object_get(root, "groups");
	printf("\ngroups (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, o) {
		printf("  %s/%lld%s branch-by %s start-psn %lld cnp-cap %lld resp-saddr %s\n",
		       get_str(o, "proxy"), get_int(o, "dqpn"),
		       json_is_true(json_object_get(o, "head")) ? " head" : "",
		       get_str(o, "branch_by"), get_int(o, "start_psn"), get_int(o, "cnp_cap"),
		       get_str(o, "resp_saddr"));
		if (json_is_true(json_object_get(o, "head")))
			printf("    source %s qpn %lld\n", get_str(o, "src"), get_int(o, "src_qpn"));
		printf("    forwarded: ack %s, nak %s, acks repeated %lld\n",
		       json_is_null(json_object_get(o, "fwd_ack_psn")) ? "-" : "yes",
		       json_is_null(json_object_get(o, "fwd_epsn")) ? "-" : "yes",
		       get_int(o, "acks_repeated"));
		if (get_int(o, "cnp_rate"))
			printf("    CNPs upstream: limit %lld/s burst %lld", get_int(o, "cnp_rate"),
			       get_int(o, "cnp_burst"));
		else
			printf("    CNPs upstream: no limit");
		if (json_is_null(json_object_get(o, "cnps_sent")))
			printf(", agent: no report yet\n");
		else
			printf(", agent: sent %lld, withheld %lld\n", get_int(o, "cnps_sent"),
			       get_int(o, "cnps_withheld"));
		if (json_is_true(json_object_get(o, "origin_check")))
			printf("    origins: %zu (each address accepted only on its device; --json lists them)\n",
			       json_array_size(json_object_get(o, "origins")));
		if (json_is_true(json_object_get(o, "psn_guard"))) {
			if (json_is_null(json_object_get(o, "data_psn")))
				printf("    data psn -: no data forwarded yet, every ACK/NAK is dropped\n");
			else
				printf("    data psn %lld: ACKs/NAKs after it are dropped\n",
				       get_int(o, "data_psn"));
		}
		printf("    %-28s %8s %10s %6s %12s %8s %8s %8s\n", "branch", "AckPSN",
		       "ePSN/NAK", "CCount", "last seen", "acks", "naks", "cnps");
		json_array_foreach(json_object_get(o, "branches"), j, br)
			print_branch(br);
	}
	a = json_object_get(root, "sids");
	printf("\nsids (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, o) {
		printf("  %-24s %s edge %s max-receivers %lld", get_str(o, "sid"),
		       get_str(o, "behavior"), get_str(o, "edge"), get_int(o, "max_receivers"));
		if (json_is_true(json_object_get(o, "strict")))
			printf(" strict");
		print_boundary(o);
		print_hmac(o);
		printf("\n");
	}
	a = json_object_get(root, "hmac_keys");
	printf("\nhmac keys (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, o)
		printf("  key-id %lld %s mode %s\n", get_int(o, "key_id"), get_str(o, "algorithm"),
		       get_str(o, "mode"));
	a = json_object_get(root, "receivers");
	printf("\nreceivers (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, o) {
		printf("  %s/%lld psn-offset %lld", get_str(o, "addr"), get_int(o, "qpn"),
		       get_int(o, "psn_offset"));
		if (json_is_string(json_object_get(o, "proxy")))
			printf(" group %s/%lld", get_str(o, "proxy"), get_int(o, "dqpn"));
		if (json_is_true(json_object_get(o, "reth")))
			printf(" va-delta %llu rkey %lld",
			       (unsigned long long)get_int(o, "va_delta"), get_int(o, "rkey"));
		printf("\n");
	}
	a = json_object_get(root, "encaps");
	printf("\nencaps (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, o) {
		printf("  %s/%lld: %lld octets, %s -> %s, SL %lld, segments", get_str(o, "proxy"),
		       get_int(o, "dqpn"), get_int(o, "len"), get_str(o, "outer_src"), get_str(o, "outer_dst"),
		       get_int(o, "segments_left"));
		json_array_foreach(json_object_get(o, "segments"), j, t)
			printf(" [%zu]=%s", j, json_string_value(t));
		printf(", TLV type %lld\n", get_int(o, "tlv_type"));
		json_array_foreach(json_object_get(o, "tlvs"), j, t) {
			printf("    edge %s:", get_str(t, "edge"));
			json_array_foreach(json_object_get(t, "receivers"), l, r)
				printf(" %s", json_string_value(r));
			printf("\n");
		}
	}
	a = json_object_get(root, "replication");
	printf("\nreplication (%zu)\n", json_array_size(a));
	json_array_foreach(a, i, o) {
		printf("  %-24s ->", get_str(o, "sid"));
		json_array_foreach(json_object_get(o, "to"), j, t)
			printf("%s %s", j ? "," : "", json_string_value(t));
		if (get_int(o, "n") < 1 || get_int(o, "n") > ENDMT_MAX_REPL)
			printf("  (bad entry: %lld downstream SIDs)", get_int(o, "n"));
		print_boundary(o);
		print_hmac(o);
		printf("\n");
	}
	a = json_object_get(root, "counters");
	printf("\ncounters%s\n", json_object_size(a) ? "" : " (all zero)");
	json_object_foreach(a, key, o)
		printf("  %-28s %12lld  %s\n", key, (long long)json_integer_value(o),
		       stat_help(key));
}

static int show_run(void *p)
{
	struct show_args *a = p;
	struct endmt_maps_fds m;
	json_t *root = json_object(), *arr;
	int err;

	err = pin_root_check("show", false);
	if (err) {
		json_decref(root);
		return err;
	}
	json_object_set_new(root, "pin_root", json_string(env.pin_root));
	err = maps_open(&m, false);
	if (err && err != -ENOENT) {
		json_decref(root);
		return err;
	}
	arr = json_array();
	show_devs(arr);
	json_object_set_new(root, "devices", arr);
	/* A pin root without the maps (made by hand): an empty node.  A missing
	 * pin root was refused above. */
	json_object_set_new(root, "groups", arr = json_array());
	if (!err)
		err = show_groups(&m, arr);
	json_object_set_new(root, "sids", arr = json_array());
	if (!err)
		show_sids(m.sids, arr);
	json_object_set_new(root, "receivers", arr = json_array());
	if (!err)
		show_rcvs(m.rcv_xlate, m.rcv_group, arr);
	json_object_set_new(root, "encaps", arr = json_array());
	if (!err)
		err = show_encaps(m.encap, arr);
	json_object_set_new(root, "replication", arr = json_array());
	if (!err)
		show_repl(m.repl, arr);
	json_object_set_new(root, "hmac_keys", arr = json_array());
	if (!err)
		hmac_keys_json(m.hmac_keys, arr);
	json_object_set_new(root, "counters", arr = json_object());
	if (!err)
		err = show_stats(m.stats, arr, a->all);
	if (err == -ENOENT)
		err = 0;
	else
		maps_close(&m);
	if (!err) {
		if (env.json) {
			err = json_print_doc(root);
			root = NULL;
		} else {
			print_human(root);
		}
	}
	json_decref(root);
	return err;
}

static const struct opt show_opts[] = {
	{ "all", OPT_FLAG, offsetof(struct show_args, all), NOSET, NULL,
	  "list every counter, also those at zero", 0, 0, NULL, false, false },
	{}
};

const struct cmd cmd_show = {
	"show", "Show devices, groups and branches, SIDs, receivers, templates, replication, counters.",
	show_opts, sizeof(struct show_args), NULL, show_run,
};
