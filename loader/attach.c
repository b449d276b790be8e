// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt attach / detach.  XDP goes through libxdp (so endmt shares an
 * interface with other XDP programs through the dispatcher), TC ingress
 * through bpf_tc_hook_create/bpf_tc_attach (libbpf 1.1 has no tcx).
 * What attach did is recorded in PINROOT/dev/<ifname>/state, a pinned
 * one-slot array map; detach undoes exactly that and nothing else.
 * A second attach of an attached device is refused (-EEXIST). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "endmt.h"
#include "endmt/srh.h"
#include "roles.h"
#include "config.h"

const char *const role_names[ROLE__N + 1] = {
	[ROLE_HEAD] = "head", [ROLE_TRANSIT] = "transit", [ROLE_EDGE] = "edge",
};
const char *const mode_names[MODE__N + 1] = {
	[MODE_NATIVE] = "native", [MODE_SKB] = "skb", [MODE_HW] = "hw",
};
static const enum xdp_attach_mode xdp_modes[MODE__N] = {
	[MODE_NATIVE] = XDP_MODE_NATIVE, [MODE_SKB] = XDP_MODE_SKB, [MODE_HW] = XDP_MODE_HW,
};

static void dev_paths(const char *ifname, char *dir, char *state)
{
	snprintf(dir, PATH_MAX, "%s/dev/%s", env.pin_root, ifname);
	snprintf(state, PATH_MAX, "%s/dev/%s/state", env.pin_root, ifname);
}

int dev_state_read(const char *ifname, struct dev_state *st)
{
	char dir[PATH_MAX], path[PATH_MAX];

	dev_paths(ifname, dir, path);
	return pin_record_read(path, DEV_STATE_MAGIC, st, sizeof(*st));
}

static int dev_state_write(const char *ifname, const struct dev_state *st)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int err;

	dev_paths(ifname, dir, path);
	err = pin_record_write(dir, path, "endmt_devstate", st, sizeof(*st));
	if (err)
		errorf("cannot record the attachment in %s: %s", path, strerror(-err));
	return err;
}

static void dev_state_remove(const char *ifname)
{
	char dir[PATH_MAX], path[PATH_MAX];

	dev_paths(ifname, dir, path);
	unlink(path);
	rmdir(dir);
}

static int xdp_detach_id(int ifindex, uint32_t id, enum xdp_attach_mode mode)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int err = -ENOENT;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return -ENOENT;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && xdp_program__id(p) == id)
			err = xdp_program__detach(p, ifindex, mode, 0);
		p = xdp_multiprog__hw_prog(mp);
		if (err == -ENOENT && p && xdp_program__id(p) == id)
			err = xdp_program__detach(p, ifindex, XDP_MODE_HW, 0);
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p;
		     p = xdp_multiprog__next_prog(p, mp))
			if (xdp_program__id(p) == id) {
				err = xdp_program__detach(p, ifindex, mode, 0);
				break;
			}
	}
	xdp_multiprog__close(mp);
	return err;
}

int tc_filter_undo(uint32_t ifindex, bool egress, uint32_t handle, uint32_t priority,
		   bool hook_created)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
	int err = 0;

	if (handle) {
		err = bpf_tc_detach(&hook, &opts);
		if (err == -ENOENT)	/* already gone (e.g. qdisc deleted by hand) */
			err = 0;
	}
	if (hook_created) {
		/* The clsact qdisc is ours: attach created it. */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		if (bpf_tc_hook_destroy(&hook) && !err && errno != ENOENT)
			err = -errno;
	}
	return err;
}

static int tc_undo(const struct dev_state *st)
{
	return tc_filter_undo(st->ifindex, false, st->tc_handle, st->tc_priority,
			      st->tc_hook_created);
}

/* The role's TC ingress program on st->ifindex, in a clsact qdisc created
 * if absent; what was done is recorded in *st (for tc_undo). */
static int tc_attach_ingress(const char *ifname, enum endmt_role role,
			     struct bpf_object *obj, struct dev_state *st)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = st->ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tco);
	const char *name = role_descs[role].tc_prog;
	struct bpf_program *tcp;
	int err;

	tcp = bpf_object__find_program_by_name(obj, name);
	if (!tcp) {
		errorf("attach: no TC program %s in the %s object", name, role_names[role]);
		return -ENOENT;
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		errorf("attach: cannot create the clsact qdisc on %s: %s", ifname,
		       strerror(-err));
		return err;
	}
	st->tc_hook_created = !err;
	tco.prog_fd = bpf_program__fd(tcp);
	err = bpf_tc_attach(&hook, &tco);
	if (err) {
		errorf("attach: TC ingress %s on %s failed: %s", name, ifname, strerror(-err));
		return err;
	}
	st->tc_handle = tco.handle;
	st->tc_priority = tco.priority;
	return 0;
}

int do_attach(const char *ifname, enum endmt_role role, int mode, uint8_t tlv_type)
{
	const struct role_desc *rd = &role_descs[role];
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xo);
	struct dev_state st = { .magic = DEV_STATE_MAGIC };
	struct role_obj ro = {};
	struct xdp_program *xp = NULL;
	char buf[256];
	int ifindex, err;

	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		errorf("attach: unknown device '%s' (see ip link)", ifname);
		return -ENODEV;
	}
	if (dev_state_read(ifname, &st) == 0 && st.ifindex != (uint32_t)ifindex) {
		/* A record of a device that is gone (same name, new ifindex):
		 * its programs went with it. */
		infof("%s: dropping the record of a previous device", ifname);
		dev_state_remove(ifname);
	} else if (dev_state_read(ifname, &st) == 0) {
		errorf("attach: %s is already attached as %s; run 'endmt detach %s' first",
		       ifname, role_names[st.role < ROLE__N ? st.role : 0], ifname);
		return -EEXIST;
	}
	memset(&st, 0, sizeof(st));
	st.magic = DEV_STATE_MAGIC;
	st.role = role;
	st.ifindex = ifindex;
	st.mode = mode;
	st.tlv_type = tlv_type;
	{
		struct netns_id ns;
		struct stat sb;

		err = netns_self(&ns);
		if (!err && stat(env.pin_root, &sb))
			err = -errno;
		if (err) {
			errorf("attach: cannot identify this network namespace and pin root: %s",
			       strerror(-err));
			return err;
		}
		st.netns_dev = ns.dev;
		st.netns_ino = ns.ino;
		st.bpffs_dev = sb.st_dev;
	}

	err = role_open(role, tlv_type, env.pin_root, &ro);
	if (err) {
		errorf("attach: cannot open the %s object: %s", role_names[role], strerror(-err));
		return err;
	}
	xo.obj = ro.obj;
	xo.prog_name = rd->xdp_prog;
	xp = xdp_program__create(&xo);
	err = libxdp_get_error(xp);
	if (err) {
		xp = NULL;
		errorf("attach: no XDP program %s in the %s object: %s", rd->xdp_prog,
		       role_names[role], strerror(-err));
		goto out;
	}
	/* libxdp loads the whole object (TC program included) here. */
	err = xdp_program__attach(xp, ifindex, xdp_modes[mode], 0);
	if (err) {
		libxdp_strerror(err, buf, sizeof(buf));
		if (mode == MODE_HW)
			errorf("attach: XDP offload (--mode hw) on %s failed: %s; this "
			       "device cannot offload the program, try --mode native",
			       ifname, buf);
		else if (err == -EEXIST || err == -EBUSY)
			errorf("attach: %s already has an XDP program that is not "
			       "libxdp-managed: %s (remove it: ip link set dev %s xdp off)",
			       ifname, buf, ifname);
		else if (err == -EACCES || err == -EINVAL)
			errorf("attach: loading the %s object (%s, %s) for %s failed: %s (the "
			       "verifier rejected a program: -v shows its log)", role_names[role],
			       rd->xdp_prog, rd->tc_prog, ifname, buf);
		else
			errorf("attach: XDP %s (--mode %s) on %s failed: %s%s", rd->xdp_prog,
			       mode_names[mode], ifname, buf,
			       mode == MODE_NATIVE ? " (try --mode skb)" : "");
		goto out;
	}
	st.xdp_prog_id = xdp_program__id(xp);

	err = tc_attach_ingress(ifname, role, ro.obj, &st);
	if (!err)
		err = dev_state_write(ifname, &st);
	if (err)
		goto out_tc;	/* undoes what st records, if anything */
	infof("attached %s on %s (ifindex %d): xdp id %u mode %s, tc handle %u prio %u",
	      role_names[role], ifname, ifindex, st.xdp_prog_id, mode_names[mode], st.tc_handle,
	      st.tc_priority);
	goto out;

out_tc:
	tc_undo(&st);
	xdp_detach_id(ifindex, st.xdp_prog_id, xdp_modes[mode]);
out:
	xdp_program__close(xp);
	role_close(&ro);
	return err;
}

int do_detach(const char *ifname)
{
	struct dev_state st;
	int err, ifindex;

	err = dev_state_read(ifname, &st);
	if (err == -ENOENT) {
		errorf("detach: %s is not attached by endmt (nothing under %s/dev/%s)",
		       ifname, env.pin_root, ifname);
		return err;
	}
	if (err) {
		errorf("detach: cannot read the state of %s: %s", ifname, strerror(-err));
		return err;
	}
	if (st.netns_ino) {
		struct netns_id own = { st.netns_dev, st.netns_ino }, self;
		char why[3 * PATH_MAX];

		err = netns_self(&self);
		if (err || !netns_same(&own, &self)) {
			/* Its ifindex may name another device here: touch nothing. */
			errorf("detach: %s was attached in another network namespace: it %s",
			       ifname, netns_refusal(&own, why, sizeof(why)));
			return -EXDEV;
		}
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex || (uint32_t)ifindex != st.ifindex) {
		/* The device went away (or is a new one with the same name):
		 * its programs went with it; only the record is left. */
		infof("%s: device gone or replaced, removing the record only", ifname);
		dev_state_remove(ifname);
		return 0;
	}
	err = tc_undo(&st);
	if (err) {
		errorf("detach: cannot remove the TC program from %s: %s", ifname,
		       strerror(-err));
		return err;
	}
	err = xdp_detach_id(ifindex, st.xdp_prog_id, xdp_modes[st.mode]);
	if (err && err != -ENOENT) {
		errorf("detach: cannot remove XDP program id %u from %s: %s",
		       st.xdp_prog_id, ifname, strerror(-err));
		return err;
	}
	dev_state_remove(ifname);
	infof("detached %s from %s", role_names[st.role], ifname);
	return 0;
}

/* ---- commands ---- */

struct attach_args {
	const char *dev;
	int role;
	int mode;
	uint32_t tlv_type;
};

static void attach_defaults(void *p)
{
	struct attach_args *a = p;

	a->tlv_type = ENDMT_TLV_ENDMT_DEFAULT;
}

static int attach_run(void *p)
{
	struct attach_args *a = p;
	struct endmt_maps_fds m;
	int lock = -1, err;

	if (tlv_type_refused(a->tlv_type)) {
		errorf("attach: --tlv-type %u: %s cannot be the End.MT TLV type",
		       a->tlv_type, tlv_type_refused(a->tlv_type));
		return -EINVAL;
	}
	/* Maps exist (created under the lock) before the role object loads. */
	err = cfg_begin_create(&m, &lock, "attach");
	if (err)
		return err;
	err = do_attach(a->dev, a->role, a->mode, a->tlv_type);
	cfg_end(&m, lock);
	if (err)
		return err;
	if (env.json)
		return json_print(json_pack("{s:o, s:s, s:s, s:i}", "dev", json_str(a->dev),
				     "role", role_names[a->role], "mode", mode_names[a->mode],
				     "tlv_type", (int)a->tlv_type));
	else
		printf("attached %s on %s\n", role_names[a->role], a->dev);
	return err;
}

static const struct opt attach_opts[] = {
	{ .name = "dev", .type = OPT_STR, .off = offsetof(struct attach_args, dev),
	  .set_off = NOSET, .metavar = "DEV", .help = "network device", .required = true,
	  .positional = true },
	{ .name = "role", .type = OPT_ENUM, .off = offsetof(struct attach_args, role),
	  .set_off = NOSET, .metavar = "ROLE", .help = "what this device does",
	  .choices = role_names, .required = true },
	{ .name = "mode", .type = OPT_ENUM, .off = offsetof(struct attach_args, mode),
	  .set_off = NOSET, .metavar = "MODE", .help = "XDP mode, default native",
	  .choices = mode_names },
	{ .name = "tlv-type", .type = OPT_U32, .off = offsetof(struct attach_args, tlv_type),
	  .set_off = NOSET, .metavar = "N", .help = "End.MT TLV type, default 124",
	  .min = 1, .max = 255 },
	{}
};

const struct cmd cmd_attach = {
	.name = "attach",
	.summary = "Attach the programs of a role to a device (refused if already attached).",
	.opts = attach_opts, .cfg_size = sizeof(struct attach_args),
	.defaults = attach_defaults, .run = attach_run,
};

struct detach_args {
	const char *dev;
	bool all;
};

/* detach --all: every device with a record under PINROOT/dev/, under one
 * lock (the teardown of a node, endmt-teardown@.service).  No pin root or
 * no record is nothing to do. */
static int detach_all(void)
{
	char path[PATH_MAX], done[4096] = "";
	json_t *list = env.json ? json_array() : NULL;
	struct dirent *d;
	int lock = -1, err = 0, n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/dev", env.pin_root);
	dir = opendir(path);
	if (!dir && errno != ENOENT) {
		err = -errno;
		errorf("detach: cannot read %s: %s", path, strerror(-err));
		goto out;
	}
	if (dir) {
		err = pin_lock(&lock);
		if (err)
			goto out;
		while ((d = readdir(dir))) {
			if (d->d_name[0] == '.')
				continue;
			err = do_detach(d->d_name);
			if (err)
				break;
			n++;
			if (list)
				json_array_append_new(list, json_str(d->d_name));
			snprintf(done + strlen(done), sizeof(done) - strlen(done), " %s",
				 d->d_name);
		}
		pin_unlock(lock);
	}
	if (err)
		goto out;
	if (list) {
		err = json_print(json_pack("{s:o, s:b}", "devs", list, "detached", 1));
		list = NULL;
	} else {
		printf("detached %d device%s%s\n", n, n == 1 ? "" : "s", done);
	}
out:
	if (dir)
		closedir(dir);
	json_decref(list);
	return err;
}

static int detach_run(void *p)
{
	struct detach_args *a = p;
	int lock = -1, err;

	if (!a->all == !a->dev) {
		errorf("detach: name a device or give --all (see endmt detach --help)");
		return -EINVAL;
	}
	err = pin_root_check("detach", false);
	if (err)
		return err;
	if (a->all)
		return detach_all();
	err = pin_lock(&lock);
	if (err)
		return err;
	err = do_detach(a->dev);
	pin_unlock(lock);
	if (err)
		return err;
	if (env.json)
		return json_print(json_pack("{s:o, s:b}", "dev", json_str(a->dev), "detached", 1));
	else
		printf("detached %s\n", a->dev);
	return err;
}

static const struct opt detach_opts[] = {
	{ .name = "dev", .type = OPT_STR, .off = offsetof(struct detach_args, dev),
	  .set_off = NOSET, .metavar = "DEV", .help = "network device",
	  .positional = true },
	{ .name = "all", .type = OPT_FLAG, .off = offsetof(struct detach_args, all),
	  .set_off = NOSET, .help = "every device attached under the pin root (a node's teardown)" },
	{}
};

const struct cmd cmd_detach = {
	.name = "detach",
	.summary = "Remove what 'endmt attach' put on a device, and nothing else.",
	.opts = detach_opts, .cfg_size = sizeof(struct detach_args),
	.run = detach_run,
};
