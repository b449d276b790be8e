// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The pin root: bpffs mount, directory layout, the lock around every change,
 * and the shared maps (created from bpf/maps.bpf.c, pinned by name).
 *
 *   PINROOT/endmt_<map>          every map of maps/endmt_maps.h
 *   PINROOT/dev/<ifname>/state   what attach did on that device (attach.c)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "endmt.h"
#include "maps.skel.h"

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static const char *priv_hint(int err)
{
	return (err == -EPERM || err == -EACCES) ?
		" (run as root: needs CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN)" : "";
}

int pin_root_prepare(void)
{
	char dev[PATH_MAX];
	struct statfs sfs;
	int err;

	/* bpffs is not mounted at boot on these machines: mount the default
	 * location when the pin root lives under it. */
	if (!strncmp(env.pin_root, "/sys/fs/bpf/", 12) &&
	    (statfs("/sys/fs/bpf", &sfs) || sfs.f_type != BPF_FS_MAGIC)) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
			err = -errno;
			errorf("cannot mount bpffs on /sys/fs/bpf: %s%s", strerror(-err),
			       priv_hint(err));
			return err;
		}
	}
	err = mkdir_p(env.pin_root);
	if (err) {
		errorf("cannot create pin root %s: %s%s", env.pin_root, strerror(-err),
		       priv_hint(err));
		return err;
	}
	if (statfs(env.pin_root, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		errorf("pin root %s is not on a bpf filesystem (mount -t bpf bpf DIR, "
		       "or choose a dir under /sys/fs/bpf)", env.pin_root);
		return -EINVAL;
	}
	snprintf(dev, sizeof(dev), "%s/dev", env.pin_root);
	err = mkdir_p(dev);
	if (err) {
		errorf("cannot create %s: %s%s", dev, strerror(-err), priv_hint(err));
		return err;
	}
	return 0;
}

/* flock works on a directory fd, also on bpffs (which cannot hold regular
 * files): the lock lives exactly where the state it protects lives. */
int pin_lock(int *lock_fd)
{
	int fd, err;

	fd = open(env.pin_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		errorf("cannot open pin root %s for locking: %s%s", env.pin_root,
		       strerror(-err), priv_hint(err));
		return err;
	}
	if (flock(fd, LOCK_EX)) {
		err = -errno;
		close(fd);
		errorf("cannot lock %s: %s", env.pin_root, strerror(-err));
		return err;
	}
	*lock_fd = fd;
	return 0;
}

void pin_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd);	/* releases the flock */
}

static const char *const map_names[] = {
#define MAP_NAME(name) ENDMT_PIN_NAME(name),
	ENDMT_PINNED_MAPS(MAP_NAME)
#undef MAP_NAME
};
#define NMAPS (sizeof(map_names) / sizeof(map_names[0]))

static int *map_slot(struct endmt_maps_fds *m, size_t i)
{
	int *slots[] = {
#define MAP_SLOT(name) &m->name,
		ENDMT_PINNED_MAPS(MAP_SLOT)
#undef MAP_SLOT
	};

	return slots[i];
}

/* May be missing from the pins of an older endmt (read-only commands go on
 * without them). */
static bool map_optional(struct endmt_maps_fds *m, size_t i)
{
	int *slot = map_slot(m, i);

	return slot == &m->rcv_group || slot == &m->cnp_epoch || slot == &m->stale ||
	       slot == &m->cnp_limit || slot == &m->hmac_keys || slot == &m->fanout_dev ||
	       slot == &m->fanout_rcv || slot == &m->fanout_slots || slot == &m->fanout_in ||
	       slot == &m->tm || slot == &m->postcards;
}

/* Loading the maps-only object makes libbpf create every missing map and
 * pin it by name, or reuse (after a compatibility check) what is pinned. */
static int maps_create(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = env.pin_root);
	struct endmt_maps *skel;
	int err;

	/* Every BPF map of the list is a map of the object (a compile-time
	 * check: the skeleton has a member per map). */
#define MAP_IN_SKEL(name) (void)sizeof(skel->maps.endmt_##name);
	ENDMT_BPF_PINNED_MAPS(MAP_IN_SKEL)
#undef MAP_IN_SKEL
	skel = endmt_maps__open_opts(&oo);
	if (!skel) {
		err = -errno;
		errorf("cannot open the maps object: %s", strerror(-err));
		return err;
	}
	err = endmt_maps__load(skel);
	if (err)
		errorf("cannot create/pin the maps under %s: %s%s%s", env.pin_root,
		       strerror(-err), priv_hint(err),
		       err == -EINVAL ? " (a pinned map has another layout: remove the "
					"stale pins of an older endmt)" : "");
	endmt_maps__destroy(skel);
	return err;
}

int maps_open(struct endmt_maps_fds *m, bool create)
{
	char path[PATH_MAX];
	size_t i;
	int err;

	for (i = 0; i < NMAPS; i++)
		*map_slot(m, i) = -1;
	if (create) {
		err = pin_root_prepare();
		if (err)
			return err;
		err = maps_create();
		if (err)
			return err;
	}
	for (i = 0; i < NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", env.pin_root, map_names[i]);
		*map_slot(m, i) = bpf_obj_get(path);
		if (*map_slot(m, i) < 0) {
			err = -errno;
			if (!create && err == -ENOENT && map_optional(m, i))
				continue;
			if (err != -ENOENT || create)
				errorf("cannot open map %s: %s%s", path, strerror(-err),
				       priv_hint(err));
			maps_close(m);
			return err;
		}
	}
	return 0;
}

void maps_close(struct endmt_maps_fds *m)
{
	size_t i;

	for (i = 0; i < NMAPS; i++) {
		if (*map_slot(m, i) >= 0)
			close(*map_slot(m, i));
		*map_slot(m, i) = -1;
	}
}
