// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt mpls ...: RFC 9714 alternate marking of MPLS flows
 * (bpf/mpls.bpf.c, include/endmt/mpls.h).
 *   mpls attach DEV --role ler|count|egress   the programs of a role
 *   mpls detach DEV                            what attach put there
 *   mpls flow add|del ID [--dst ADDR ...]      a flow: at the ingress LER
 *                                              (--dst) its classifier and
 *                                              OUT counters, elsewhere its
 *                                              IN counters
 *   mpls node [--frld N] [--e2e on|off]        this node's settings
 *   mpls show                                  settings, flows, counters
 * What attach did is recorded in PINROOT/mpls/<ifname>, a pinned one-slot
 * array (apart from `endmt attach`'s dev/ records: `endmt detach --all`
 * leaves these alone, `endmt mpls detach` removes them). */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "endmt.h"
#include "config.h"
#include "pm_flow.h"
#include "endmt/mpls.h"
#include "mpls.skel.h"

enum mpls_role { MR_LER = 0, MR_COUNT, MR_EGRESS, MR__N };
static const char *const mpls_role_names[MR__N + 1] = { "ler", "count", "egress", NULL };
static const char *const mpls_prog_names[MR__N] = {
	"endmt_mpls_ler", "endmt_mpls_count", "endmt_mpls_egress",
};
static const char *const mpls_mode_names[] = { "native", "skb", NULL };
static const char *const mpls_t_names[] = { "hop", "edge", NULL };
static const char *const mpls_pos_names[] = { "below-top", "bottom", NULL };
static const char *const mpls_action_names[] = { "add", "del", NULL };
static const char *const onoff_names[] = { "off", "on", NULL };

struct mpls_state {
	uint32_t magic;
	uint32_t role;		/* enum mpls_role */
	uint32_t ifindex;
	uint32_t mode;		/* index into mpls_mode_names */
	uint32_t xdp_prog_id;	/* count, egress */
	uint32_t tc_handle, tc_priority, tc_hook_created;	/* ler */
	uint64_t netns_dev, netns_ino;
};
#define MPLS_STATE_MAGIC 0x454d4d50u	/* "EMMP" */

static void state_path(const char *ifname, char *dir, char *path)
{
	snprintf(dir, PATH_MAX, "%s/mpls", env.pin_root);
	snprintf(path, PATH_MAX, "%s/mpls/%s", env.pin_root, ifname);
}

static int state_read(const char *ifname, struct mpls_state *st)
{
	char dir[PATH_MAX], path[PATH_MAX];

	state_path(ifname, dir, path);
	return pin_record_read(path, MPLS_STATE_MAGIC, st, sizeof(*st));
}

static int state_write(const char *ifname, const struct mpls_state *st)
{
	char dir[PATH_MAX], path[PATH_MAX];

	state_path(ifname, dir, path);
	return pin_record_write(dir, path, "endmt_mplsdev", st, sizeof(*st));
}

static void state_remove(const char *ifname)
{
	char dir[PATH_MAX], path[PATH_MAX];

	state_path(ifname, dir, path);
	unlink(path);
	rmdir(dir);	/* only when it is empty */
}

static int tc_undo(const struct mpls_state *st)
{
	return tc_filter_undo(st->ifindex, true, st->tc_handle, st->tc_priority,
			      st->tc_hook_created);
}

static int xdp_undo(const struct mpls_state *st)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex((int)st->ifindex);
	enum xdp_attach_mode mode = st->mode ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	struct xdp_program *p;
	int err = -ENOENT;

	if (libxdp_get_error(mp))
		return -ENOENT;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && xdp_program__id(p) == st->xdp_prog_id)
			err = xdp_program__detach(p, (int)st->ifindex, mode, 0);
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
			if (xdp_program__id(p) == st->xdp_prog_id) {
				err = xdp_program__detach(p, (int)st->ifindex, mode, 0);
				break;
			}
	}
	xdp_multiprog__close(mp);
	return err;
}

/* ---- mpls attach ---- */

struct attach_args {
	const char *dev;
	int role, mode;
};

static int attach_ler(struct endmt_mpls *s, const char *dev, struct mpls_state *st)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = st->ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tco);
	int err;

	err = endmt_mpls__load(s);
	if (err) {
		errorf("mpls attach: loading the MPLS object failed: %s (-v shows the verifier log)",
		       strerror(-err));
		return err;
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		errorf("mpls attach: cannot create the clsact qdisc on %s: %s", dev, strerror(-err));
		return err;
	}
	st->tc_hook_created = !err;
	tco.prog_fd = bpf_program__fd(s->progs.endmt_mpls_ler);
	err = bpf_tc_attach(&hook, &tco);
	if (err) {
		errorf("mpls attach: TC egress endmt_mpls_ler on %s failed: %s", dev, strerror(-err));
		tc_undo(st);
		return err;
	}
	st->tc_handle = tco.handle;
	st->tc_priority = tco.priority;
	return 0;
}

static int attach_xdp(struct endmt_mpls *s, const char *dev, struct mpls_state *st)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xo, .obj = s->obj,
			    .prog_name = mpls_prog_names[st->role]);
	struct xdp_program *xp = xdp_program__create(&xo);
	char buf[256];
	int err = libxdp_get_error(xp);

	if (err) {
		errorf("mpls attach: no XDP program %s: %s", mpls_prog_names[st->role], strerror(-err));
		return err;
	}
	err = xdp_program__attach(xp, (int)st->ifindex, st->mode ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
	if (err) {
		libxdp_strerror(err, buf, sizeof(buf));
		errorf("mpls attach: XDP %s (--mode %s) on %s failed: %s%s", mpls_prog_names[st->role],
		       mpls_mode_names[st->mode], dev, buf, st->mode ? "" : " (try --mode skb)");
	} else {
		st->xdp_prog_id = xdp_program__id(xp);
	}
	xdp_program__close(xp);
	return err;
}

static int attach_run(void *p)
{
	struct attach_args *a = p;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = env.pin_root);
	struct mpls_state st = { .magic = MPLS_STATE_MAGIC };
	struct endmt_mpls *s = NULL;
	struct endmt_maps_fds m;
	struct netns_id ns;
	int lock = -1, err, ifindex = (int)if_nametoindex(a->dev);

	if (!ifindex) {
		errorf("mpls attach: unknown device '%s' (see ip link)", a->dev);
		return -ENODEV;
	}
	err = cfg_begin_create(&m, &lock, "mpls attach");
	if (err)
		return err;
	if (state_read(a->dev, &st) == 0) {
		errorf("mpls attach: %s is already attached as %s; run 'endmt mpls detach %s' first",
		       a->dev, mpls_role_names[st.role < MR__N ? st.role : 0], a->dev);
		err = -EEXIST;
		goto out;
	}
	memset(&st, 0, sizeof(st));
	st.magic = MPLS_STATE_MAGIC;
	st.role = (uint32_t)a->role;
	st.ifindex = (uint32_t)ifindex;
	st.mode = (uint32_t)a->mode;
	err = netns_self(&ns);
	if (err) {
		errorf("mpls attach: cannot identify this network namespace: %s", strerror(-err));
		goto out;
	}
	st.netns_dev = ns.dev;
	st.netns_ino = ns.ino;
	s = endmt_mpls__open_opts(&oo);
	if (!s) {
		err = -errno;
		errorf("mpls attach: cannot open the MPLS object: %s", strerror(-err));
		goto out;
	}
	err = a->role == MR_LER ? attach_ler(s, a->dev, &st) : attach_xdp(s, a->dev, &st);
	if (err)
		goto out;
	err = state_write(a->dev, &st);
	if (err) {
		errorf("mpls attach: cannot record the attachment under %s/mpls: %s", env.pin_root,
		       strerror(-err));
		if (a->role == MR_LER)
			tc_undo(&st);
		else
			xdp_undo(&st);
		goto out;
	}
	if (env.json)
		err = json_print(json_pack("{s:o, s:s, s:s}", "dev", json_str(a->dev), "role",
					   mpls_role_names[a->role], "mode", mpls_mode_names[a->mode]));
	else
		printf("attached mpls %s on %s\n", mpls_role_names[a->role], a->dev);
out:
	if (s)
		endmt_mpls__destroy(s);
	cfg_end(&m, lock);
	return err;
}

static const struct opt attach_opts[] = {
	{ .name = "dev", .type = OPT_STR, .off = offsetof(struct attach_args, dev),
	  .set_off = NOSET, .metavar = "DEV", .help = "network device", .required = true,
	  .positional = true },
	{ .name = "role", .type = OPT_ENUM, .off = offsetof(struct attach_args, role),
	  .set_off = NOSET, .metavar = "ROLE",
	  .help = "ler: mark on TC egress (the core-facing device of the ingress LER); "
		  "count: count in XDP (an LSR); egress: count and pop XL+FLI+FL in XDP",
	  .choices = mpls_role_names, .required = true },
	{ .name = "mode", .type = OPT_ENUM, .off = offsetof(struct attach_args, mode),
	  .set_off = NOSET, .metavar = "MODE", .help = "XDP mode (count, egress), default native",
	  .choices = mpls_mode_names },
	{}
};

const struct cmd cmd_mpls_attach = {
	.name = "mpls attach",
	.summary = "Attach an RFC 9714 MPLS role (ler, count, egress) to a device.",
	.opts = attach_opts, .cfg_size = sizeof(struct attach_args), .run = attach_run,
};

/* ---- mpls detach ---- */

struct detach_args {
	const char *dev;
};

static int detach_run(void *p)
{
	struct detach_args *a = p;
	struct mpls_state st;
	struct netns_id self;
	int lock = -1, err;

	err = pin_root_check("mpls detach", false);
	if (err)
		return err;
	err = pin_lock(&lock);
	if (err)
		return err;
	err = state_read(a->dev, &st);
	if (err) {
		errorf("mpls detach: %s %s", a->dev, err == -ENOENT ?
		       "has no MPLS role attached by endmt" : strerror(-err));
		goto out;
	}
	if (netns_self(&self) || self.dev != st.netns_dev || self.ino != st.netns_ino) {
		errorf("mpls detach: %s was attached in another network namespace: run it there",
		       a->dev);
		err = -EXDEV;
		goto out;
	}
	if (if_nametoindex(a->dev) == st.ifindex) {
		err = st.role == MR_LER ? tc_undo(&st) : xdp_undo(&st);
		if (err == -ENOENT)
			err = 0;
		if (err) {
			errorf("mpls detach: cannot remove %s from %s: %s", mpls_prog_names[st.role],
			       a->dev, strerror(-err));
			goto out;
		}
	}
	state_remove(a->dev);
	if (env.json)
		err = json_print(json_pack("{s:o, s:b}", "dev", json_str(a->dev), "detached", 1));
	else
		printf("detached mpls %s from %s\n", mpls_role_names[st.role < MR__N ? st.role : 0],
		       a->dev);
out:
	pin_unlock(lock);
	return err;
}

static const struct opt detach_opts[] = {
	{ .name = "dev", .type = OPT_STR, .off = offsetof(struct detach_args, dev),
	  .set_off = NOSET, .metavar = "DEV", .help = "network device", .required = true,
	  .positional = true },
	{}
};

const struct cmd cmd_mpls_detach = {
	.name = "mpls detach",
	.summary = "Remove what 'endmt mpls attach' put on a device, and nothing else.",
	.opts = detach_opts, .cfg_size = sizeof(struct detach_args), .run = detach_run,
};

/* ---- mpls flow ---- */

struct flow_args {
	int action;
	uint32_t id;
	const char *dst;
	int t, pos;
};

static void flow_defaults(void *p)
{
	((struct flow_args *)p)->t = 1;	/* edge */
}

static int dst_parse(const char *s, struct endmt_mpls_flow_key *k)
{
	struct in_addr a4;

	memset(k, 0, sizeof(*k));
	if (inet_pton(AF_INET6, s, k->dst) == 1)
		return 0;
	if (inet_pton(AF_INET, s, &a4) != 1)
		return -EINVAL;
	k->dst[10] = k->dst[11] = 0xff;
	memcpy(&k->dst[12], &a4, 4);
	return 0;
}

static int flow_run(void *p)
{
	struct flow_args *a = p;
	struct endmt_mpls_flow_key k;
	struct endmt_mpls_flow v = { .flow = a->id, .t = (uint8_t)a->t,
				     .position = (uint8_t)a->pos }, old;
	struct endmt_maps_fds m;
	uint8_t point = a->dst ? ENDMT_PM_OUT : ENDMT_PM_IN;
	bool add = a->action == 0;
	int lock = -1, err;

	if (a->dst && dst_parse(a->dst, &k)) {
		errorf("mpls flow: --dst %s: not an IPv4 or IPv6 address", a->dst);
		return -EINVAL;
	}
	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	if (m.mpls_flows < 0 || m.pm_counts < 0) {
		errorf("mpls flow: the pins under %s lack endmt_mpls_flows/endmt_pm_counts "
		       "(an older endmt made them): run 'endmt mpls attach' first", env.pin_root);
		err = -ENOENT;
		goto out;
	}
	if (a->dst && add) {
		/* a re-add keeps the marking state (the period's D mark) */
		if (!bpf_map_lookup_elem(m.mpls_flows, &k, &old) && old.flow == v.flow)
			v.st = old.st;
		if (bpf_map_update_elem(m.mpls_flows, &k, &v, BPF_ANY)) {
			err = -errno;
			errorf("mpls flow add: cannot write the classifier entry: %s%s", strerror(-err),
			       err == -E2BIG ? " (ENDMT_MPLS_MAX_FLOWS destinations at most)" : "");
			goto out;
		}
	} else if (a->dst) {
		if (bpf_map_lookup_elem(m.mpls_flows, &k, &old) || old.flow != a->id) {
			errorf("mpls flow del: no flow %u for destination %s", a->id, a->dst);
			err = -ENOENT;
			goto out;
		}
		bpf_map_delete_elem(m.mpls_flows, &k);
	}
	err = pm_flow_counters(m.pm_counts, a->id, ENDMT_PM_MPLS, point, add);
	if (err) {
		errorf("mpls flow %s: cannot %s the %s counters of flow %u: %s", add ? "add" : "del",
		       add ? "make" : "remove", point ? "out" : "in", a->id, strerror(-err));
		goto out;
	}
	if (env.json)
		err = json_print(json_pack("{s:i, s:s, s:s, s:b}", "flow", (int)a->id, "point",
					   point ? "out" : "in", "action", add ? "add" : "del",
					   "done", 1));
	else
		printf("mpls flow %u %s (%s counters)\n", a->id, add ? "added" : "deleted",
		       point ? "out" : "in");
out:
	cfg_end(&m, lock);
	return err;
}

static const struct opt flow_opts[] = {
	{ .name = "action", .type = OPT_ENUM, .off = offsetof(struct flow_args, action),
	  .set_off = NOSET, .metavar = "add|del", .help = "add or delete the flow",
	  .choices = mpls_action_names, .required = true, .positional = true },
	{ .name = "id", .type = OPT_U32, .off = offsetof(struct flow_args, id),
	  .set_off = NOSET, .metavar = "ID", .help = "Flow-ID Label, 16..1048575",
	  .min = ENDMT_MPLS_FL_MIN, .max = ENDMT_PM_FLOW_MAX, .required = true,
	  .positional = true },
	{ .name = "dst", .type = OPT_STR, .off = offsetof(struct flow_args, dst),
	  .set_off = NOSET, .metavar = "ADDR",
	  .help = "ingress LER: mark IP packets to ADDR (IPv4 or IPv6) and count them out; "
		  "without it: count the flow in here" },
	{ .name = "t", .type = OPT_ENUM, .off = offsetof(struct flow_args, t),
	  .set_off = NOSET, .metavar = "edge|hop",
	  .help = "the T bit: edge (edge to edge, the default) or hop (every node counts)",
	  .choices = mpls_t_names },
	{ .name = "position", .type = OPT_ENUM, .off = offsetof(struct flow_args, pos),
	  .set_off = NOSET, .metavar = "POS",
	  .help = "below-top (after the transport label, the default) or bottom (after the service label)",
	  .choices = mpls_pos_names },
	{}
};

const struct cmd cmd_mpls_flow = {
	.name = "mpls flow",
	.summary = "Add or delete an MPLS flow's classifier (LER) and its counters.",
	.opts = flow_opts, .cfg_size = sizeof(struct flow_args), .defaults = flow_defaults,
	.run = flow_run,
};

/* ---- mpls node ---- */

struct node_args {
	uint32_t frld;
	int e2e;
	bool frld_set, e2e_set;
};

static int node_run(void *p)
{
	struct node_args *a = p;
	struct endmt_mpls_node v = {};
	struct endmt_maps_fds m;
	uint32_t zero = 0;
	bool changed = true;
	int lock = -1, err;

	err = cfg_begin(&m, &lock);
	if (err)
		return err;
	if (m.mpls < 0) {
		errorf("mpls node: no endmt_mpls map under %s: run 'endmt mpls attach' first",
		       env.pin_root);
		err = -ENOENT;
		goto out;
	}
	if (bpf_map_lookup_elem(m.mpls, &zero, &v))
		memset(&v, 0, sizeof(v));
	if (a->frld_set)
		v.frld = a->frld;
	if (a->e2e_set)
		v.flags = a->e2e ? v.flags | ENDMT_MPLS_N_E2E : v.flags & ~ENDMT_MPLS_N_E2E;
	err = map_set(m.mpls, &zero, &v, sizeof(v), &changed);
	if (err) {
		errorf("mpls node: cannot write endmt_mpls: %s", strerror(-err));
		goto out;
	}
	if (env.json)
		err = json_print(json_pack("{s:i, s:b, s:b}", "frld",
					   (int)(v.frld ? v.frld : ENDMT_MPLS_FRLD_DEF), "e2e",
					   !!(v.flags & ENDMT_MPLS_N_E2E), "changed", changed));
	else
		printf("mpls node: frld %u, edge-to-edge processing %s%s\n",
		       v.frld ? v.frld : ENDMT_MPLS_FRLD_DEF,
		       v.flags & ENDMT_MPLS_N_E2E ? "on" : "off", changed ? "" : " (unchanged)");
out:
	cfg_end(&m, lock);
	return err;
}

static const struct opt node_opts[] = {
	{ .name = "frld", .type = OPT_U32, .off = offsetof(struct node_args, frld),
	  .set_off = offsetof(struct node_args, frld_set), .metavar = "N",
	  .help = "label stack entries this node reads (FRLD), 1..16, default 8",
	  .min = 1, .max = ENDMT_MPLS_FRLD_MAX },
	{ .name = "e2e", .type = OPT_ENUM, .off = offsetof(struct node_args, e2e),
	  .set_off = offsetof(struct node_args, e2e_set), .metavar = "on|off",
	  .help = "edge-to-edge processing node (the egress): count T=1 flows too",
	  .choices = onoff_names },
	{}
};

const struct cmd cmd_mpls_node = {
	.name = "mpls node",
	.summary = "Set this node's MPLS readable depth and edge-to-edge processing.",
	.opts = node_opts, .cfg_size = sizeof(struct node_args), .run = node_run,
};

/* ---- mpls show ---- */

struct show_args {
	uint32_t id;
	bool id_set;
};

static int show_run(void *p)
{
	struct show_args *a = p;
	struct endmt_maps_fds m;
	struct endmt_mpls_node nd = {};
	struct endmt_pm_key k = {}, next;
	struct endmt_pm_count c;
	json_t *flows = json_array();
	uint32_t zero = 0;
	int err, n = 0;

	err = pin_root_check("mpls show", false);
	if (!err)
		err = maps_open(&m, false);
	if (err) {
		json_decref(flows);
		return err;
	}
	if (m.mpls >= 0)
		bpf_map_lookup_elem(m.mpls, &zero, &nd);
	if (!env.json)
		printf("frld %u, edge-to-edge processing %s\n", nd.frld ? nd.frld : ENDMT_MPLS_FRLD_DEF,
		       nd.flags & ENDMT_MPLS_N_E2E ? "on" : "off");
	while (m.pm_counts >= 0 && !bpf_map_get_next_key(m.pm_counts, n ? &k : NULL, &next)) {
		k = next;
		n++;
		if (k.enc != ENDMT_PM_MPLS || (a->id_set && k.flow != a->id) ||
		    pm_count_read(m.pm_counts, &k, &c))
			continue;
		if (env.json)
			json_array_append_new(flows, json_pack("{s:i, s:i, s:s, s:I, s:I}", "flow",
						(int)k.flow, "colour", k.colour, "point",
						k.point ? "out" : "in", "packets",
						(json_int_t)c.packets, "bytes", (json_int_t)c.bytes));
		else
			printf("flow %u colour %u %-3s packets %llu bytes %llu\n", k.flow, k.colour,
			       k.point ? "out" : "in", (unsigned long long)c.packets,
			       (unsigned long long)c.bytes);
	}
	if (env.json)
		err = json_print(json_pack("{s:i, s:b, s:o}", "frld",
					   (int)(nd.frld ? nd.frld : ENDMT_MPLS_FRLD_DEF), "e2e",
					   !!(nd.flags & ENDMT_MPLS_N_E2E), "counters", flows));
	else
		json_decref(flows);
	maps_close(&m);
	return err;
}

static const struct opt show_opts[] = {
	{ .name = "flow", .type = OPT_U32, .off = offsetof(struct show_args, id),
	  .set_off = offsetof(struct show_args, id_set), .metavar = "ID",
	  .help = "only this Flow-ID Label", .min = ENDMT_MPLS_FL_MIN, .max = ENDMT_PM_FLOW_MAX },
	{}
};

const struct cmd cmd_mpls_show = {
	.name = "mpls show",
	.summary = "Show the MPLS node settings and the MPLS flows' counters.",
	.opts = show_opts, .cfg_size = sizeof(struct show_args), .run = show_run,
};
