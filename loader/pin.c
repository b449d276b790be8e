// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The pin root: bpffs mount, directory layout, the lock around every change,
 * and the shared maps (created from bpf/maps.bpf.c, pinned by name).
 *
 *   PINROOT/endmt_<map>          every map of maps/endmt_maps.h
 *   PINROOT/owner                the network namespace and bpffs the pin
 *                                root belongs to (struct pin_owner)
 *   PINROOT/dev/<ifname>/state   what attach did on that device (attach.c)
 *   PINROOT/mpls/<ifname>        what mpls attach did on it (mpls.c)
 *   PINROOT/agent/               a directory the running agent flocks
 *
 * A pin root belongs to one node: the network namespace of the command that
 * first configured it.  Every command checks that it runs there (a detach
 * from another namespace would remove the record and leave the programs on
 * the live device), and that the pin root is on a bpffs that outlives the
 * command (`ip netns exec` mounts a private /sys, so a bpffs mounted there
 * dies with the command and orphans what was attached).
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
#include <sys/sysmacros.h>
#include <dirent.h>
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

int netns_self(struct netns_id *ns)
{
	struct stat sb;

	if (stat("/proc/self/ns/net", &sb))
		return -errno;
	ns->dev = sb.st_dev;
	ns->ino = sb.st_ino;
	return 0;
}

bool netns_same(const struct netns_id *a, const struct netns_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* "net:[4026532301] (/run/netns/a)": the name when /run/netns has one. */
const char *netns_str(const struct netns_id *ns, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int n;

	n = snprintf(buf, len, "net:[%llu]", (unsigned long long)ns->ino);
	d = opendir("/run/netns");
	if (!d)
		return buf;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		if (!stat(path, &sb) && sb.st_dev == ns->dev && sb.st_ino == ns->ino) {
			if (n > 0 && (size_t)n < len)
				snprintf(buf + n, len - n, " (/run/netns/%s)", de->d_name);
			break;
		}
	}
	closedir(d);
	return buf;
}

/* The hint every refusal of another namespace's pin root ends with. */
static void netns_hint(const struct netns_id *owner, char *buf, size_t len)
{
	char name[PATH_MAX + 64];
	const char *p;

	netns_str(owner, name, sizeof(name));
	p = strstr(name, "(/run/netns/");
	if (p)
		snprintf(buf, len, "run it there: nsenter --net=%.*s endmt ...", 
			 (int)(strlen(p) - 2), p + 1);
	else
		snprintf(buf, len, "run it in that namespace (nsenter --net=...), or "
			 "give this node its own --pin-root");
}

const char *netns_refusal(const struct netns_id *owner, char *buf, size_t len)
{
	char a[PATH_MAX + 64], b[PATH_MAX + 64], h[PATH_MAX + 64];
	struct netns_id self = {};

	netns_self(&self);
	netns_hint(owner, h, sizeof(h));
	snprintf(buf, len, "belongs to network namespace %s, this command runs in %s: %s",
		 netns_str(owner, a, sizeof(a)), netns_str(&self, b, sizeof(b)), h);
	return buf;
}

/* The mount at /sys is the one `ip netns exec NAME` makes: a sysfs whose
 * source is NAME (iproute2 lib/namespace.c), in a mount namespace of the
 * command's own. */
static bool sys_is_ip_netns_exec(char *name, size_t len)
{
	char line[4096], src[256], fstype[64], mnt[PATH_MAX], path[PATH_MAX];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		/* id parent major:minor root MOUNTPOINT ... - FSTYPE SOURCE ... */
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %255s", fstype, src) != 2)
			continue;
		if (strcmp(mnt, "/sys"))
			continue;
		/* The last mount on /sys is the one in effect. */
		found = !strcmp(fstype, "sysfs") && strcmp(src, "sysfs") && strcmp(src, "none") &&
			!strchr(src, '/');
		if (found) {
			snprintf(path, sizeof(path), "/run/netns/%s", src);
			found = !access(path, F_OK);
			snprintf(name, len, "%s", src);
		}
	}
	fclose(f);
	return found;
}

int pin_root_shared(const char *cmd)
{
	char name[256], path[PATH_MAX];
	struct stat here, init;

	/* Under the private /sys of `ip netns exec`, any bpffs beneath it is
	 * this command's own, unmounted when it exits. */
	if (!strncmp(env.pin_root, "/sys/", 5) && sys_is_ip_netns_exec(name, sizeof(name))) {
		errorf("%s: pin root %s would be on a private bpffs: 'ip netns exec %s' "
		       "mounts its own /sys, and what is pinned there vanishes when endmt "
		       "exits, orphaning what it attached; run endmt with "
		       "'nsenter --net=/run/netns/%s' instead, or give --pin-root on a bpffs "
		       "shared with the host", cmd, env.pin_root, name, name);
		return -EXDEV;
	}
	/* Another mount namespace (unshare -m, a container's child): the pin
	 * root must be the same bpffs that PID 1 sees at that path.  Only
	 * checked when PID 1's root can be read. */
	snprintf(path, sizeof(path), "/proc/1/root%s", env.pin_root);
	if (!stat(env.pin_root, &here) && !stat("/proc/1/root/", &init) &&
	    (stat(path, &init) || init.st_dev != here.st_dev)) {
		errorf("%s: pin root %s is on a bpffs that PID 1's mount namespace does not "
		       "see (a private mount: its pins vanish with this mount namespace); "
		       "run endmt with 'nsenter --net=...' instead of in a new mount "
		       "namespace, or give --pin-root on a bpffs shared with the host",
		       cmd, env.pin_root);
		return -EXDEV;
	}
	return 0;
}

static void owner_path(char *path)
{
	snprintf(path, PATH_MAX, "%s/owner", env.pin_root);
}

/* -ENOENT: no record (a pin root of an older endmt, or not configured yet). */
static int owner_read(struct pin_owner *o)
{
	char path[PATH_MAX];
	__u32 key = 0;
	int fd, err = 0;

	memset(o, 0, sizeof(*o));
	owner_path(path);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &key, o))
		err = -errno;
	else if (o->magic != PIN_OWNER_MAGIC)
		err = -EBADMSG;
	close(fd);
	return err;
}

static int owner_write(const struct pin_owner *o)
{
	char path[PATH_MAX];
	__u32 key = 0;
	int fd, err = 0;

	owner_path(path);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "endmt_owner", sizeof(key), sizeof(*o), 1,
			    NULL);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(fd, &key, o, 0) || bpf_obj_pin(fd, path))
		err = -errno;
	close(fd);
	if (err && err != -EEXIST)	/* -EEXIST: another first command won */
		errorf("cannot record the owner of pin root %s in %s: %s", env.pin_root, path,
		       strerror(-err));
	return err;
}

int pin_root_check(const char *cmd, bool create)
{
	char why[3 * PATH_MAX];
	struct pin_owner o, self = { .magic = PIN_OWNER_MAGIC };
	struct netns_id ns = {};
	struct statfs sfs;
	struct stat sb;
	int err;

	err = pin_root_shared(cmd);
	if (err)
		return err;
	if (!create) {
		if (stat(env.pin_root, &sb)) {
			err = -errno;
			if (err == -ENOENT)
				errorf("%s: pin root %s does not exist (endmt attach or endmt "
				       "apply creates it; --pin-root or ENDMT_PIN_ROOT names "
				       "another)", cmd, env.pin_root);
			else
				errorf("%s: pin root %s: %s%s", cmd, env.pin_root,
				       strerror(-err), priv_hint(err));
			return err;
		}
		if (statfs(env.pin_root, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
			errorf("%s: pin root %s is not on a bpf filesystem", cmd, env.pin_root);
			return -EINVAL;
		}
	} else {
		err = pin_root_prepare();
		if (err)
			return err;
		if (stat(env.pin_root, &sb)) {
			err = -errno;
			errorf("%s: pin root %s: %s", cmd, env.pin_root, strerror(-err));
			return err;
		}
	}
	err = netns_self(&ns);
	if (err) {
		errorf("%s: cannot identify this network namespace (/proc/self/ns/net): %s",
		       cmd, strerror(-err));
		return err;
	}
	err = owner_read(&o);
	if (err == -ENOENT) {
		if (!create)
			return 0;	/* nothing configured here yet, or an older endmt's */
		self.netns_dev = ns.dev;
		self.netns_ino = ns.ino;
		self.bpffs_dev = sb.st_dev;
		err = owner_write(&self);
		if (err != -EEXIST)
			return err;
		err = owner_read(&o);	/* written meanwhile: check it */
	}
	if (err) {
		errorf("%s: cannot read %s/owner: %s", cmd, env.pin_root, strerror(-err));
		return err;
	}
	if (o.bpffs_dev != (uint64_t)sb.st_dev) {
		errorf("%s: pin root %s: its records were made on another bpffs (device %llu, "
		       "this is %llu): give --pin-root on the bpffs they belong to", cmd,
		       env.pin_root, (unsigned long long)o.bpffs_dev,
		       (unsigned long long)sb.st_dev);
		return -EXDEV;
	}
	if (o.netns_dev != ns.dev || o.netns_ino != ns.ino) {
		struct netns_id own = { o.netns_dev, o.netns_ino };

		errorf("%s: pin root %s %s", cmd, env.pin_root,
		       netns_refusal(&own, why, sizeof(why)));
		return -EXDEV;
	}
	return 0;
}

/* The agent's lock: flock on PINROOT/agent/, held for the agent's life
 * (released by the kernel when it exits, however it exits).  The holder's
 * pid comes from /proc/locks (flock records no owner of its own). */
int pin_agent_lock(int *lock_fd)
{
	char path[PATH_MAX], line[512];
	unsigned long long ino;
	unsigned int maj, min;
	struct stat sb;
	long pid = 0, p;
	FILE *f;
	int fd, err;

	snprintf(path, sizeof(path), "%s/agent", env.pin_root);
	if (mkdir(path, 0700) && errno != EEXIST) {
		err = -errno;
		errorf("agent: cannot create %s: %s", path, strerror(-err));
		return err;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		errorf("agent: cannot open %s: %s", path, strerror(-err));
		return err;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB)) {
		*lock_fd = fd;
		return 0;
	}
	err = -errno;
	if (err == -EWOULDBLOCK && !fstat(fd, &sb) && (f = fopen("/proc/locks", "re"))) {
		/* "1: FLOCK  ADVISORY  WRITE 1234 00:28:17 0 EOF" */
		while (fgets(line, sizeof(line), f))
			if (strstr(line, "FLOCK") &&
			    sscanf(line, "%*s %*s %*s %*s %ld %x:%x:%llu", &p, &maj, &min, &ino) == 4 &&
			    ino == (unsigned long long)sb.st_ino &&
			    maj == major(sb.st_dev) && min == minor(sb.st_dev))
				pid = p;
		fclose(f);
	}
	close(fd);
	if (err == -EWOULDBLOCK && pid)
		errorf("agent: another agent (pid %ld) runs on pin root %s: one agent per "
		       "pin root (stop it first)", pid, env.pin_root);
	else if (err == -EWOULDBLOCK)
		errorf("agent: another agent runs on pin root %s (%s is locked): one agent "
		       "per pin root", env.pin_root, path);
	else
		errorf("agent: cannot lock %s: %s", path, strerror(-err));
	return err == -EWOULDBLOCK ? -EBUSY : err;
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
	       slot == &m->tm || slot == &m->postcards || slot == &m->pm ||
	       slot == &m->pm_counts || slot == &m->pm_groups || slot == &m->pm_dmarks ||
	       slot == &m->mpls || slot == &m->mpls_flows;
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

int pin_record_read(const char *path, uint32_t magic, void *val, size_t len)
{
	uint32_t key = 0, got;
	int fd, err = 0;

	memset(val, 0, len);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &key, val))
		err = -errno;
	else if (memcpy(&got, val, sizeof(got)), got != magic)
		err = -EBADMSG;
	close(fd);
	return err;
}

int pin_record_write(const char *dir, const char *path, const char *name, const void *val,
		     size_t len)
{
	uint32_t key = 0;
	int fd, err = 0;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(key), (uint32_t)len, 1, NULL);
	if (fd < 0) {
		err = -errno;
		rmdir(dir);
		return err;
	}
	if (bpf_map_update_elem(fd, &key, val, 0) || bpf_obj_pin(fd, path))
		err = -errno;
	close(fd);
	if (err)
		rmdir(dir);	/* only when it is empty: other records stay */
	return err;
}
