// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt encap set / del: the head's H.Encaps.MT template of a group (outer
 * IPv6 + SRH with segment list [Proxy, SID] and one End.MT TLV set per edge
 * node), built by lib/encap_tmpl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "endmt.h"
#include "config.h"
#include "encap_tmpl.h"
#include "endmt/srh.h"
#include "hmac_keys.h"

struct encap_args {
	struct in6_addr proxy, src, sid;
	uint32_t dqpn, tlv_type, hmac_key_id;
	struct strlist edges;
};

/* "EDGE=RCV/QPN[,RCV/QPN...]" into e (receivers appended to rcv[]). */
static int parse_edge(const char *s, struct endmt_edge_ent *e, struct endmt_rcv_ent *rcv,
		      size_t *nrcv, size_t cap)
{
	char buf[4096], *eq, *tok, *save = NULL, *slash;
	uint64_t q;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -E2BIG;
	eq = strchr(buf, '=');
	if (!eq)
		return -EINVAL;
	*eq = '\0';
	if (parse_addr(buf, &e->edge))
		return -EINVAL;
	e->rcv = rcv + *nrcv;
	e->nrcv = 0;
	for (tok = strtok_r(eq + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		slash = strrchr(tok, '/');
		if (!slash)
			return -EINVAL;
		*slash = '\0';
		if (*nrcv >= cap)
			return -E2BIG;
		if (parse_addr(tok, &rcv[*nrcv].addr) || parse_u64(slash + 1, &q) ||
		    q > 0xffffff)
			return -EINVAL;
		rcv[*nrcv].qpn = q;
		(*nrcv)++;
		e->nrcv++;
	}
	return e->nrcv ? 0 : -EINVAL;
}

static void encap_defaults(void *p)
{
	((struct encap_args *)p)->tlv_type = ENDMT_TLV_ENDMT_DEFAULT;
}

static int encap_set_run(void *p)
{
	struct encap_args *a = p;
	struct endmt_edge_ent edges[ENDMT_MAX_NODE_TLVS * 8];
	struct endmt_rcv_ent *rcv = NULL;
	struct endmt_encap *v = NULL;
	struct endmt_group_key k;
	struct endmt_maps_fds m;
	struct in6_addr segs[2];
	size_t nrcv = 0, cap = 1024;
	bool changed;
	int i, lock, err;

	if (tlv_type_refused(a->tlv_type)) {
		errorf("encap set: --tlv-type %u: %s cannot be the End.MT TLV type",
		       a->tlv_type, tlv_type_refused(a->tlv_type));
		return -EINVAL;
	}
	rcv = calloc(cap, sizeof(*rcv));
	v = calloc(1, sizeof(*v));
	if (!rcv || !v) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < a->edges.n; i++) {
		err = parse_edge(a->edges.v[i], &edges[i], rcv, &nrcv, cap);
		if (err) {
			errorf("encap set: --edge '%s': expected EDGEADDR=RCVADDR/QPN[,RCVADDR/QPN...] "
			       "with IPv6 addresses and QPNs 0..16777215", a->edges.v[i]);
			goto out;
		}
	}
	segs[0] = a->proxy;	/* SRH[0]: the last segment is the Proxy Address */
	segs[1] = a->sid;
	err = endmt_encap_template(v, &a->src, segs, 2, 1, edges, a->edges.n, a->tlv_type);
	if (err) {
		errorf("encap set: cannot build the template: %s", err == -E2BIG ?
		       "too many receivers for one SRH (2048 octets)" : strerror(-err));
		goto out;
	}
	group_key_make(&k, &a->proxy, a->dqpn);
	err = cfg_begin(&m, &lock);
	if (err)
		goto out;
	{
		/* A new template keeps the group's telemetry (endmt telemetry group). */
		struct endmt_encap *old = malloc(sizeof(*old));

		if (old && !bpf_map_lookup_elem(m.encap, &k, old)) {
			v->tm_sample = old->tm_sample;
			v->tm_slots = old->tm_slots;
		}
		free(old);
	}
	if (a->hmac_key_id) {
		/* as apply signs a template (lib/encap_tmpl.h endmt_encap_hmac) */
		struct endmt_hmac_key hk;

		err = hmac_key_get(&m, a->hmac_key_id, &hk);
		if (!err)
			err = endmt_encap_hmac(v, a->hmac_key_id, (enum endmt_hmac_mode)hk.mode,
					       &hk.pads);
		explicit_bzero(&hk, sizeof(hk));
		if (err) {
			cfg_end(&m, lock);
			errorf("encap set: --hmac-key-id %u: %s", a->hmac_key_id,
			       err == -ENOENT ? "no such key (endmt hmac set first)" :
			       err == -E2BIG ? "no room for the HMAC TLV (too many receivers)" :
			       strerror(-err));
			goto out;
		}
	}
	err = map_set(m.encap, &k, v, sizeof(*v), &changed);
	cfg_end(&m, lock);
	if (err) {
		errorf("encap set: cannot write the template: %s", strerror(-err));
		goto out;
	}
	if (env.json)
		err = json_print(json_pack("{s:b, s:i}", "changed", changed, "len", (int)v->len));
	else
		printf("encap %s (%u octets)\n", changed ? "written" : "unchanged", v->len);
out:
	free(rcv);
	free(v);
	return err;
}

static int encap_del_run(void *p)
{
	struct encap_args *a = p;
	struct endmt_group_key k;
	struct endmt_maps_fds m;
	char b[INET6_ADDRSTRLEN];
	int lock, err;

	group_key_make(&k, &a->proxy, a->dqpn);
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	err = map_del(m.encap, &k);
	cfg_end(&m, lock);
	if (err) {
		errorf("encap del: %s/%u: %s", addr_str(&a->proxy, b), a->dqpn,
		       err == -ENOENT ? "no template for this group" : strerror(-err));
		return err;
	}
	if (env.json)
		return json_print(json_pack("{s:b}", "changed", 1));
	printf("encap deleted\n");
	return 0;
}

#define O(f) offsetof(struct encap_args, f)
static const struct opt encap_set_opts[] = {
	{ "proxy", OPT_ADDR, O(proxy), NOSET, "ADDR", "Proxy Address of the group", 0, 0, NULL, true, false },
	{ "dqpn", OPT_U32, O(dqpn), NOSET, "N", "Designated QPN of the group", 0, QPN_MAX, NULL, true, false },
	{ "src", OPT_ADDR, O(src), NOSET, "ADDR", "outer source address (this node)", 0, 0, NULL, true, false },
	{ "sid", OPT_ADDR, O(sid), NOSET, "SID", "End.MT SID (outer DA, SRH[1])", 0, 0, NULL, true, false },
	{ "edge", OPT_STRS, O(edges), NOSET, "EDGE=RCV/QPN[,RCV/QPN...]", "an edge node and its receivers (repeat per edge)", 0, 0, NULL, true, false },
	{ "tlv-type", OPT_U32, O(tlv_type), NOSET, "N", "End.MT TLV type, default 124", 1, 255, NULL, false, false },
	{ "hmac-key-id", OPT_U32, O(hmac_key_id), NOSET, "N", "end the SRH with an HMAC TLV of this key (endmt hmac set), as apply does with hmac_key_id", 1, UINT32_MAX, NULL, false, false },
	{}
};
static const struct opt encap_del_opts[] = {
	{ "proxy", OPT_ADDR, O(proxy), NOSET, "ADDR", "Proxy Address of the group", 0, 0, NULL, true, false },
	{ "dqpn", OPT_U32, O(dqpn), NOSET, "N", "Designated QPN of the group", 0, QPN_MAX, NULL, true, false },
	{}
};
#undef O

const struct cmd cmd_encap_set = {
	"encap set", "Set the head's outer IPv6 + SRH template of a group.",
	encap_set_opts, sizeof(struct encap_args), encap_defaults, encap_set_run,
};
const struct cmd cmd_encap_del = {
	"encap del", "Remove the head's template of a group.",
	encap_del_opts, sizeof(struct encap_args), encap_defaults, encap_del_run,
};
