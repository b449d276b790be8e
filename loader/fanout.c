// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The agent's half of the XDP fan-out (include/endmt/fanout.h): slots,
 * devmaps, next hops and leases.
 *
 * Every refresh (ENDMT_FANOUT_REFRESH_MS, and at once after the kernel
 * announced a route, neighbour, address or link change, or when one of the
 * valid slots' egress devices stopped taking XDP frames, checked every
 * 10 ms: no notice says so):
 *   1. the ingress devices: every device of this pin root attached as edge
 *      in native XDP mode gets (renews) its lease in endmt_fanout_in;
 *   2. the receivers: endmt_rcv_group (written by apply and `receiver add`)
 *      says which QPs belong to which group; each keeps its slot while it
 *      stays in its group, a new one takes the lowest free slot, a group's
 *      65th receiver gets none (its packets take the TC path);
 *   3. each receiver's next hop: the probe program (bpf/edge_slot.bpf.c)
 *      asks the FIB from the ingress device what the TC path asks; a slot
 *      is valid only with a resolved neighbour on a device whose XDP
 *      features include ndo_xdp_xmit (netlink "netdev" family, Linux 6.3+;
 *      older kernels cannot tell, so no slot is ever valid there);
 *   4. writes in an order that never lets a copy leave for a place its
 *      slot no longer names: a slot is made invalid before its devmap entry
 *      changes, and valid only after;
 *   5. what is gone (receivers, groups) is removed.
 * fanout_close() (the agent's exit) ends the leases and invalidates every
 * slot: without an agent to follow the FIB, every packet takes the TC path. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endmt.h"
#include "fanout.h"
#include "endmt/fanout.h"
#include "endmt/icrc.h"
#include "edge_slot.skel.h"

/* linux/netdev.h (6.3+), not in every distribution's headers */
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3
#define NETDEV_XDP_ACT_NDO_XMIT 4

#define MAX_IN 16
#define MAX_EGRESS 64
#define EGRESS_CHECK_NS (10ull * 1000000)
#define MAX_RCVS ENDMT_MAX_XLATE

struct fanout {
	const struct endmt_maps_fds *m;
	struct endmt_edge_slot *inst[ENDMT_FANOUT_SLOTS];	/* [0] also has the probe */
	uint32_t in[MAX_IN];		/* native edge ingress devices */
	unsigned nin;
	int genl, genl_family;		/* -1 / 0: the kernel cannot tell XDP features */
	int rtnl;			/* change notifications */
	/* the egress devices of the valid slots, whose XDP features are
	 * checked every EGRESS_CHECK_NS between refreshes: a device that
	 * stops taking XDP frames announces no route or link change */
	uint32_t egress[MAX_EGRESS];
	unsigned negress;
	uint64_t next_check_ns;
	bool warned_features, warned_probe;
	struct fanout_stats st;
};

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);	/* bpf_ktime_get_ns()'s clock */
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

/* ---- netlink: XDP features of a device (genl "netdev") ---- */

struct nlreq {
	struct nlmsghdr nh;
	struct genlmsghdr g;
	char buf[256];
};

static void nla_put(struct nlmsghdr *nh, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Sends req, reads one reply into buf; returns its length or -errno. */
static int genl_call(int fd, struct nlreq *req, char *buf, size_t len)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	ssize_t n;

	if (send(fd, req, req->nh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, len, 0);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(*nh) || !NLMSG_OK(nh, (size_t)n))
		return -EBADMSG;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nh);

		return e->error ? e->error : -ENOMSG;
	}
	return (int)n;
}

/* Walks the attributes of a genl reply for `type`; returns it or NULL. */
static struct nlattr *genl_attr(char *buf, int n, uint16_t type)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	char *p = (char *)NLMSG_DATA(nh) + GENL_HDRLEN;
	char *end = buf + (n < (int)nh->nlmsg_len ? n : (int)nh->nlmsg_len);

	while (p + NLA_HDRLEN <= end) {
		struct nlattr *a = (struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		p += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static void genl_open(struct fanout *f)
{
	struct nlreq req = {};
	char buf[4096];
	struct nlattr *a;
	int n;

	f->genl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (f->genl < 0)
		return;
	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req.nh.nlmsg_type = GENL_ID_CTRL;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	nla_put(&req.nh, CTRL_ATTR_FAMILY_NAME, "netdev", 7);
	n = genl_call(f->genl, &req, buf, sizeof(buf));
	a = n > 0 ? genl_attr(buf, n, CTRL_ATTR_FAMILY_ID) : NULL;
	if (!a) {
		close(f->genl);
		f->genl = -1;
		return;
	}
	memcpy(&f->genl_family, (char *)a + NLA_HDRLEN, sizeof(uint16_t));
	f->genl_family &= 0xffff;
}

/* 1: the device takes XDP frames (ndo_xdp_xmit; for a veth, its peer has
 * NAPI), 0: it does not or the kernel cannot tell. */
static int xdp_xmit_ok(struct fanout *f, uint32_t ifindex)
{
	struct nlreq req = {};
	char buf[4096];
	struct nlattr *a;
	uint64_t feat = 0;
	int n;

	if (f->genl < 0)
		return 0;
	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req.nh.nlmsg_type = (uint16_t)f->genl_family;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.g.cmd = NETDEV_CMD_DEV_GET;
	req.g.version = 1;
	nla_put(&req.nh, NETDEV_A_DEV_IFINDEX, &ifindex, sizeof(ifindex));
	n = genl_call(f->genl, &req, buf, sizeof(buf));
	a = n > 0 ? genl_attr(buf, n, NETDEV_A_DEV_XDP_FEATURES) : NULL;
	if (!a || a->nla_len < NLA_HDRLEN + sizeof(feat))
		return 0;
	memcpy(&feat, (char *)a + NLA_HDRLEN, sizeof(feat));
	return !!(feat & NETDEV_XDP_ACT_NDO_XMIT);
}

/* ---- change notifications (rtnetlink) ---- */

static void rtnl_open(struct fanout *f)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	f->rtnl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (f->rtnl < 0)
		return;
	sa.nl_groups = RTMGRP_LINK | RTMGRP_NEIGH | RTMGRP_IPV6_ROUTE | RTMGRP_IPV6_IFADDR;
	if (bind(f->rtnl, (struct sockaddr *)&sa, sizeof(sa))) {
		close(f->rtnl);
		f->rtnl = -1;
	}
}

/* Has a valid slot's egress device stopped taking XDP frames (a veth
 * whose peer turned NAPI off)?  Checked every EGRESS_CHECK_NS with one
 * dump of every device's XDP features (one request, not one per device).
 * An unreadable answer counts as lost: a refresh then asks again. */
static bool egress_lost(struct fanout *f)
{
	struct nlreq req = {};
	uint64_t now = mono_ns();
	char buf[16384];
	unsigned i, seen = 0;
	bool lost = false;

	if (now < f->next_check_ns || !f->negress || f->genl < 0)
		return false;
	f->next_check_ns = now + EGRESS_CHECK_NS;
	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req.nh.nlmsg_type = (uint16_t)f->genl_family;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.g.cmd = NETDEV_CMD_DEV_GET;
	req.g.version = 1;
	if (send(f->genl, &req, req.nh.nlmsg_len, 0) < 0)
		return true;
	for (;;) {
		ssize_t n = recv(f->genl, buf, sizeof(buf), 0);
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;

		if (n <= 0)
			return true;
		for (; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			struct nlattr *ia, *fa;
			uint32_t ifindex;
			uint64_t feat;

			if (nh->nlmsg_type == NLMSG_DONE)
				return lost || seen < f->negress;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return true;
			ia = genl_attr((char *)nh, (int)nh->nlmsg_len, NETDEV_A_DEV_IFINDEX);
			fa = genl_attr((char *)nh, (int)nh->nlmsg_len, NETDEV_A_DEV_XDP_FEATURES);
			if (!ia || !fa || fa->nla_len < NLA_HDRLEN + sizeof(feat))
				continue;
			memcpy(&ifindex, (char *)ia + NLA_HDRLEN, sizeof(ifindex));
			memcpy(&feat, (char *)fa + NLA_HDRLEN, sizeof(feat));
			for (i = 0; i < f->negress; i++) {
				if (f->egress[i] != ifindex)
					continue;
				seen++;
				if (!(feat & NETDEV_XDP_ACT_NDO_XMIT))
					lost = true;
			}
		}
	}
}

bool fanout_changed(struct fanout *f)
{
	char buf[8192];
	bool any;

	if (!f)
		return false;
	any = egress_lost(f);
	if (f->rtnl < 0)
		return any;
	/* Drain: one refresh answers any number of messages.  ENOBUFS (we
	 * were too slow and lost some) says "something changed" too. */
	for (;;) {
		ssize_t n = recv(f->rtnl, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0 || (n < 0 && errno == ENOBUFS)) {
			any = true;
			continue;
		}
		break;
	}
	return any;
}

/* ---- slot programs ---- */

static int inst_load(struct fanout *f, uint32_t slot)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = env.pin_root);
	struct endmt_edge_slot *s;
	struct bpf_map *map;
	int err;

	if (f->inst[slot])
		return 0;
	s = endmt_edge_slot__open_opts(&oo);
	if (!s)
		return -errno;
	s->rodata->cfg_slot = slot;
	bpf_program__set_autoload(s->progs.endmt_nh_probe, slot == 0);
	/* The node's maps are pinned: reuse them.  The rest of the map file
	 * (the edge's scratch areas) is not this program's: not created. */
	bpf_object__for_each_map(map, s->obj)
		if (!bpf_map__is_internal(map) && !bpf_map__get_pin_path(map))
			bpf_map__set_autocreate(map, false);
	err = endmt_edge_slot__load(s);
	if (err) {
		endmt_edge_slot__destroy(s);
		return err;
	}
	f->inst[slot] = s;
	return 0;
}

/* ---- the refresh ---- */

struct rcv {
	struct endmt_rcv_key k;
	struct endmt_group_key g;
	uint32_t slot;		/* ENDMT_FANOUT_SLOTS: none */
};

static int rcv_cmp(const void *a, const void *b)
{
	const struct rcv *x = a, *y = b;
	int c = memcmp(&x->g, &y->g, sizeof(x->g));

	return c ? c : memcmp(&x->k, &y->k, sizeof(x->k));
}

/* Devices of this pin root with the edge in native XDP. */
static void ingress_scan(struct fanout *f)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	f->nin = 0;
	snprintf(dir, sizeof(dir), "%s/dev", env.pin_root);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && f->nin < MAX_IN) {
		struct dev_state st;

		if (de->d_name[0] == '.' || dev_state_read(de->d_name, &st))
			continue;
		if (st.role != ROLE_EDGE || st.mode != MODE_NATIVE ||
		    if_nametoindex(de->d_name) != st.ifindex)
			continue;
		f->in[f->nin++] = st.ifindex;
	}
	closedir(d);
}

static void leases_write(struct fanout *f, uint64_t until)
{
	uint32_t k, *prev = NULL, keep[MAX_IN * 2];
	unsigned i, nold = 0;
	struct endmt_fanout_in v = { .lease_until_ns = until };

	for (i = 0; i < f->nin; i++)
		bpf_map_update_elem(f->m->fanout_in, &f->in[i], &v, 0);
	/* devices no longer attached natively: no lease */
	while (!bpf_map_get_next_key(f->m->fanout_in, prev, &k)) {
		bool ours = false;

		prev = &k;
		for (i = 0; i < f->nin; i++)
			ours |= f->in[i] == k;
		if ((!ours || !until) && nold < sizeof(keep) / sizeof(keep[0]))
			keep[nold++] = k;
	}
	for (i = 0; i < nold; i++)
		bpf_map_delete_elem(f->m->fanout_in, &keep[i]);
}

/* The group's devmap, created on first use.  Returns an fd or -errno. */
static int devmap_of(struct fanout *f, const struct endmt_group_key *g, bool create)
{
	uint32_t id;
	int fd;

	if (!bpf_map_lookup_elem(f->m->fanout_dev, g, &id))
		return bpf_map_get_fd_by_id(id);
	if (!create)
		return -ENOENT;
	fd = bpf_map_create(BPF_MAP_TYPE_DEVMAP, "endmt_fanout_g", sizeof(uint32_t),
			    sizeof(struct bpf_devmap_val), ENDMT_FANOUT_SLOTS, NULL);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(f->m->fanout_dev, g, &fd, BPF_NOEXIST)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int probe(struct fanout *f, const struct rcv *r, struct endmt_nh_probe *out)
{
	struct endmt_nh_probe in = {};
	struct xdp_md ctx = {};
	LIBBPF_OPTS(bpf_test_run_opts, o);
	unsigned i;
	int err = -ENODEV;

	if (!f->inst[0])
		return -ENOENT;
	memcpy(in.daddr, r->k.addr, 16);
	memcpy(in.saddr, r->g.proxy, 16);	/* the copies' source: the inner SA */
	for (i = 0; i < f->nin; i++) {
		ctx.data_end = sizeof(in);
		ctx.ingress_ifindex = f->in[i];
		o.data_in = &in;
		o.data_size_in = sizeof(in);
		o.data_out = out;
		o.data_size_out = sizeof(*out);
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
		o.repeat = 1;
		err = bpf_prog_test_run_opts(bpf_program__fd(f->inst[0]->progs.endmt_nh_probe), &o);
		if (!err)
			return 0;
		err = -errno;
	}
	return err;
}

/* The raw CRC of the window delta a copy for r always has: DA (Proxy ->
 * receiver) at window octets 0..15, DestQPN (DQPN -> QPN) at 29..31; for
 * the 36-octet window and the 52-octet one (16 zero octets more). */
static void slot_raw(const struct rcv *r, struct endmt_fanout_slot *s)
{
	uint8_t d[ENDMT_W_LEN] = {};
	uint32_t raw = 0, q = r->g.dqpn ^ r->k.qpn;
	int i;

	for (i = 0; i < 16; i++)
		d[ENDMT_W_DA + i] = r->g.proxy[i] ^ r->k.addr[i];
	d[ENDMT_W_QPN] = (uint8_t)(q >> 16);
	d[ENDMT_W_QPN + 1] = (uint8_t)(q >> 8);
	d[ENDMT_W_QPN + 2] = (uint8_t)q;
	for (i = 0; i < ENDMT_W_LEN; i++)
		raw = endmt_crc32_byte(raw, d[i]);
	s->raw36 = raw;
	for (i = ENDMT_W_LEN; i < ENDMT_W_LEN_RETH; i++)
		raw = endmt_crc32_byte(raw, 0);
	s->raw52 = raw;
}

/* Makes slot r->slot of r's group say what the FIB says now. */
static void slot_update(struct fanout *f, const struct rcv *r, int dm)
{
	struct endmt_fanout_key fk = { .group = r->g, .slot = r->slot };
	struct endmt_fanout_slot old = {}, nv = {};
	struct endmt_nh_probe p = {};
	struct endmt_fanout_rcv fr = { .group = r->g, .slot = r->slot }, ofr = {};
	bool had = !bpf_map_lookup_elem(f->m->fanout_slots, &fk, &old);
	bool had_fr = !bpf_map_lookup_elem(f->m->fanout_rcv, &r->k, &ofr);
	int err;

	memcpy(nv.addr, r->k.addr, 16);
	nv.qpn = r->k.qpn;
	slot_raw(r, &nv);
	err = probe(f, r, &p);
	if (err && !f->warned_probe) {
		agent_log("fan-out: next-hop probe failed: %s (TC path)",
			strerror(-err));
		f->warned_probe = true;
	}
	if (!err && p.rc == BPF_FIB_LKUP_RET_SUCCESS && xdp_xmit_ok(f, p.ifindex) &&
	    !inst_load(f, r->slot)) {
		nv.flags = ENDMT_FS_VALID;
		nv.ifindex = p.ifindex;
		nv.mtu = p.mtu;
		memcpy(nv.smac, p.smac, 6);
		memcpy(nv.dmac, p.dmac, 6);
	}
	fr.flags = nv.flags;
	fr.mtu = nv.mtu;
	if (had && had_fr && !memcmp(&old, &nv, sizeof(nv)) && !memcmp(&ofr, &fr, sizeof(fr)))
		goto out;	/* unchanged: no write at all */
	if (had_fr && (ofr.flags & ENDMT_FS_VALID)) {
		struct endmt_fanout_rcv inv = ofr;

		inv.flags &= ~ENDMT_FS_VALID;		/* first: no new decision */
		bpf_map_update_elem(f->m->fanout_rcv, &r->k, &inv, 0);
	}
	if (had && (old.flags & ENDMT_FS_VALID)) {
		struct endmt_fanout_slot inv = old;

		inv.flags &= ~ENDMT_FS_VALID;		/* then: no copy in flight */
		bpf_map_update_elem(f->m->fanout_slots, &fk, &inv, 0);
	}
	if (nv.flags & ENDMT_FS_VALID) {
		struct bpf_devmap_val dv = {
			.ifindex = nv.ifindex,
			.bpf_prog.fd = bpf_program__fd(f->inst[r->slot]->progs.endmt_edge_slot),
		};

		if (bpf_map_update_elem(dm, &r->slot, &dv, 0)) {
			f->st.errors++;
			nv.flags = 0;
		}
	} else {
		bpf_map_delete_elem(dm, &r->slot);
	}
	fr.flags = nv.flags;
	bpf_map_update_elem(f->m->fanout_slots, &fk, &nv, 0);
	bpf_map_update_elem(f->m->fanout_rcv, &r->k, &fr, 0);	/* last: valid */
	f->st.changes++;
out:
	if (nv.flags & ENDMT_FS_VALID) {
		unsigned i;

		f->st.valid++;
		for (i = 0; i < f->negress && f->egress[i] != nv.ifindex; i++)
			;
		if (i == f->negress && i < MAX_EGRESS)
			f->egress[f->negress++] = nv.ifindex;
	}
}

static void slot_remove(struct fanout *f, const struct endmt_rcv_key *k,
			const struct endmt_fanout_rcv *fr)
{
	struct endmt_fanout_key fk = { .group = fr->group, .slot = fr->slot };
	int dm = devmap_of(f, &fr->group, false);

	bpf_map_delete_elem(f->m->fanout_rcv, k);	/* first: no new decision */
	bpf_map_delete_elem(f->m->fanout_slots, &fk);
	if (dm >= 0) {
		bpf_map_delete_elem(dm, &fr->slot);
		close(dm);
	}
	f->st.changes++;
}

int fanout_refresh(struct fanout *f)
{
	struct rcv *rs;
	struct endmt_rcv_key k, *prev = NULL;
	size_t n = 0, i, j;
	int err = 0;

	if (!f)
		return 0;
	ingress_scan(f);
	f->st.valid = 0;
	f->negress = 0;
	rs = calloc(MAX_RCVS, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	while (f->m->rcv_group >= 0 && n < MAX_RCVS &&
	       !bpf_map_get_next_key(f->m->rcv_group, prev, &k)) {
		prev = &k;
		if (!bpf_map_lookup_elem(f->m->rcv_group, &k, &rs[n].g)) {
			rs[n].k = k;
			rs[n].slot = ENDMT_FANOUT_SLOTS;
			n++;
		}
	}
	qsort(rs, n, sizeof(*rs), rcv_cmp);

	/* What is gone: receivers out of rcv_group or in another group. */
	{
		struct endmt_rcv_key gone[256];
		struct endmt_fanout_rcv gfr[256];
		unsigned ngone = 0;

		prev = NULL;
		while (!bpf_map_get_next_key(f->m->fanout_rcv, prev, &k)) {
			struct endmt_fanout_rcv fr;
			struct rcv key = { .k = k }, *hit;

			prev = &k;
			if (bpf_map_lookup_elem(f->m->fanout_rcv, &k, &fr))
				continue;
			key.g = fr.group;
			hit = bsearch(&key, rs, n, sizeof(*rs), rcv_cmp);
			if (hit) {
				hit->slot = fr.slot;	/* keeps its slot */
			} else if (ngone < 256) {
				gone[ngone] = k;
				gfr[ngone++] = fr;
			}
		}
		for (j = 0; j < ngone; j++)
			slot_remove(f, &gone[j], &gfr[j]);
	}

	/* Per group (rs is sorted by group): free slots for the new ones. */
	for (i = 0; i < n; i = j) {
		uint64_t used = 0;
		int dm;

		for (j = i; j < n && !memcmp(&rs[j].g, &rs[i].g, sizeof(rs[i].g)); j++)
			if (rs[j].slot < ENDMT_FANOUT_SLOTS)
				used |= 1ull << rs[j].slot;
		dm = devmap_of(f, &rs[i].g, true);
		if (dm < 0) {
			f->st.errors++;
			err = dm;
			continue;
		}
		for (size_t r = i; r < j; r++) {
			if (rs[r].slot >= ENDMT_FANOUT_SLOTS) {
				if (used == ~0ull)
					continue;	/* 65th and later: the TC path */
				rs[r].slot = (uint32_t)__builtin_ctzll(~used);
				used |= 1ull << rs[r].slot;
			}
			slot_update(f, &rs[r], dm);
		}
		close(dm);
	}

	/* Groups with no receiver left. */
	{
		struct endmt_group_key g, *gprev = NULL, drop[64];
		unsigned nd = 0;

		while (!bpf_map_get_next_key(f->m->fanout_dev, gprev, &g)) {
			bool any = false;

			gprev = &g;
			for (i = 0; i < n && !any; i++)
				any = !memcmp(&rs[i].g, &g, sizeof(g));
			if (!any && nd < 64)
				drop[nd++] = g;
		}
		for (i = 0; i < nd; i++)
			bpf_map_delete_elem(f->m->fanout_dev, &drop[i]);
	}
	free(rs);

	/* Leases last: an ingress device uses the slots as written above. */
	if (f->genl < 0 && !f->warned_features && n) {
		agent_log("fan-out: this kernel does not report XDP "
			"features (netlink family \"netdev\", Linux 6.3+): copies take the TC path");
		f->warned_features = true;
	}
	/* No lease where no slot can be valid: the ingress stops at once. */
	leases_write(f, f->nin && f->genl >= 0 ? mono_ns() + ENDMT_FANOUT_LEASE_NS : 0);
	f->st.refreshes++;
	infof("agent: fan-out: refresh %llu, %llu slots valid",
	      (unsigned long long)f->st.refreshes, (unsigned long long)f->st.valid);
	return err;
}

int fanout_open(struct fanout **out, const struct endmt_maps_fds *m)
{
	struct fanout *f;
	int err;

	*out = NULL;
	if (m->fanout_dev < 0 || m->fanout_rcv < 0 || m->fanout_slots < 0 ||
	    m->fanout_in < 0)
		return 0;	/* pins of an older endmt: no fan-out */
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->m = m;
	f->genl = -1;
	f->rtnl = -1;
	genl_open(f);
	rtnl_open(f);
	err = inst_load(f, 0);
	if (err) {
		agent_log("fan-out: cannot load the slot program: %s "
			"(TC path)", strerror(-err));
		fanout_close(f);
		return 0;
	}
	*out = f;
	return 0;
}

const struct fanout_stats *fanout_stats(const struct fanout *f)
{
	return f ? &f->st : NULL;
}

/* Clears ENDMT_FS_VALID in the __u32 at flags_off of every value of fd
 * (endmt_fanout_rcv, endmt_fanout_slots). */
static void invalidate_all(int fd, size_t ksz, size_t vsz, size_t flags_off)
{
	uint8_t k[64], *prev = NULL, v[64];
	uint32_t flags;

	if (ksz > sizeof(k) || vsz > sizeof(v))
		return;
	while (!bpf_map_get_next_key(fd, prev, k)) {
		prev = k;
		if (bpf_map_lookup_elem(fd, k, v))
			continue;
		memcpy(&flags, v + flags_off, sizeof(flags));
		if (flags & ENDMT_FS_VALID) {
			flags &= ~ENDMT_FS_VALID;
			memcpy(v + flags_off, &flags, sizeof(flags));
			bpf_map_update_elem(fd, k, v, 0);
		}
	}
}

void fanout_close(struct fanout *f)
{
	unsigned i;

	if (!f)
		return;
	/* No agent, no next hops followed: leases end, slots invalid (the
	 * ingress's view first, as slot_update does). */
	leases_write(f, 0);
	invalidate_all(f->m->fanout_rcv, sizeof(struct endmt_rcv_key),
		       sizeof(struct endmt_fanout_rcv), offsetof(struct endmt_fanout_rcv, flags));
	invalidate_all(f->m->fanout_slots, sizeof(struct endmt_fanout_key),
		       sizeof(struct endmt_fanout_slot), offsetof(struct endmt_fanout_slot, flags));
	for (i = 0; i < ENDMT_FANOUT_SLOTS; i++)
		if (f->inst[i])
			endmt_edge_slot__destroy(f->inst[i]);
	if (f->genl >= 0)
		close(f->genl);
	if (f->rtnl >= 0)
		close(f->rtnl);
	free(f);
}
