/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "testutil.h"

static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL))
		return -errno;
	return 0;
}

int tu_pin_root_make(char *buf, size_t len)
{
	static unsigned int seq;
	int err = ensure_bpffs();

	if (err)
		return err;
	snprintf(buf, len, "/sys/fs/bpf/endmt-test-%d-%u", (int)getpid(), seq++);
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int tu_pin_root_remove(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) && !err)
		err = -errno;
	return err;
}

int tu_pcap_write(const char *path, const uint8_t *const *pkts,
		  const size_t *lens, size_t n)
{
	struct {
		uint32_t magic;
		uint16_t vmaj, vmin;
		int32_t zone;
		uint32_t sigfigs, snaplen, linktype;
	} gh = { 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1 };
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f)
		return -errno;
	fwrite(&gh, sizeof(gh), 1, f);
	for (i = 0; i < n; i++) {
		uint32_t rh[4] = { (uint32_t)i, 0, (uint32_t)lens[i], (uint32_t)lens[i] };

		fwrite(rh, sizeof(rh), 1, f);
		fwrite(pkts[i], 1, lens[i], f);
	}
	if (fclose(f))
		return -errno;
	return 0;
}

int tu_prog_run(int prog_fd, const void *pkt, size_t len, void *out,
		size_t *out_len, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = (uint32_t)len,
		.data_out = out,
		.data_size_out = out_len ? (uint32_t)*out_len : 0,
		.repeat = 1,
	);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	if (err)
		return err;
	if (out_len)
		*out_len = opts.data_size_out;
	if (retval)
		*retval = opts.retval;
	return 0;
}

uint64_t tu_percpu_sum(int map_fd, uint32_t key)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	uint64_t sum = 0, *vals;

	if (ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(map_fd, &key, vals))
		for (i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

const char *const tu_stat_names[ENDMT_STAT_MAX] = {
#define TU_STAT_NAME(kind, name, str, help) str,
	ENDMT_STAT_LIST(TU_STAT_NAME)
#undef TU_STAT_NAME
};

void tu_stats_read(int map_fd, uint64_t *v)
{
	uint32_t i;

	for (i = 0; i < ENDMT_STAT_MAX; i++)
		v[i] = tu_percpu_sum(map_fd, i);
}

int tu_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	/* a cut command could still run and do something else */
	if (n < 0 || (size_t)n >= sizeof(cmd)) {
		fprintf(stdout, "    command too long, not run: %s...\n", cmd);
		return -E2BIG;
	}
	rc = system(cmd);
	if (rc)
		fprintf(stdout, "    command failed (%d): %s\n", rc, cmd);
	return rc ? -EIO : 0;
}

const char *tu_mac_str(const uint8_t *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

int tu_netns_add(const char *name, int forwarding)
{
	if (tu_sh("ip netns add %s", name) ||
	    tu_sh("ip netns exec %s sysctl -qw net.ipv6.conf.all.accept_dad=0 "
		  "net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.forwarding=%d "
		  "net.ipv6.conf.default.forwarding=%d net.ipv6.conf.default.accept_ra=0",
		  name, !!forwarding, !!forwarding))
		return -EIO;
	return 0;
}

int tu_netns_del(const char *name)
{
	char cmd[256];

	if (!name[0])
		return 0;
	/* best effort on every cleanup path: a missing one is no error worth
	 * a message */
	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", name);
	return system(cmd) ? -EIO : 0;
}

int tu_netns_enter(const char *name, int *prev)
{
	char path[128];
	int fd, self = -1, err = 0;

	if (prev) {
		*prev = -1;
		/* thread-self: setns moves only this thread */
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return -errno;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (setns(fd, CLONE_NEWNET))
		err = -errno;
	close(fd);
out:
	if (err && self >= 0)
		close(self);
	else if (prev)
		*prev = self;
	return err;
}

int tu_netns_leave(int prev)
{
	int err = setns(prev, CLONE_NEWNET) ? -errno : 0;

	close(prev);
	return err;
}

int tu_veth_add(const char *ns_a, const char *dev_a, const uint8_t *mac_a,
		const char *ns_b, const char *dev_b, const uint8_t *mac_b)
{
	char m1[32], m2[32];

	if (tu_sh("ip link add %s netns %s address %s type veth peer name %s netns %s address %s",
		  dev_a, ns_a, tu_mac_str(mac_a, m1), dev_b, ns_b, tu_mac_str(mac_b, m2)) ||
	    tu_sh("ip -n %s link set %s up && ip -n %s link set %s up", ns_a, dev_a, ns_b, dev_b))
		return -EIO;
	return 0;
}

int tu_packet_sock(const char *ns, const char *dev, int flags, int *ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int prev, fd = -1, err, lerr;

	err = tu_netns_enter(ns, &prev);
	if (err)
		return err;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | flags, htons(ETH_P_ALL));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (!sll.sll_ifindex)
		err = -ENODEV;
	else if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		err = -errno;
out:
	/* back home even on failure: the caller's later steps expect it */
	lerr = tu_netns_leave(prev);
	if (lerr && !err)
		err = lerr;
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	if (ifindex)
		*ifindex = sll.sll_ifindex;
	return fd;
}

int tu_packet_send(int fd, int ifindex, const uint8_t *dmac, const void *f, size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
				   .sll_halen = 6 };

	memcpy(sll.sll_addr, dmac, 6);
	return sendto(fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)len ?
	       0 : -errno;
}

size_t tu_collect(const int *fds, int nfd, tu_frame_keep_fn keep, struct tu_frame *out,
		  size_t max, size_t want, int timeout_ms)
{
	struct pollfd pf[TU_COLLECT_MAXFD];
	size_t n = 0;
	int i, waited = 0, grace = -1;

	if (nfd > TU_COLLECT_MAXFD)
		nfd = TU_COLLECT_MAXFD;
	for (i = 0; i < nfd; i++)
		pf[i].fd = fds[i], pf[i].events = POLLIN;
	while (waited < timeout_ms) {
		if (poll(pf, (nfds_t)nfd, 20) > 0) {
			for (i = 0; i < nfd; i++) {
				struct sockaddr_ll from;
				socklen_t fl = sizeof(from);
				ssize_t l;

				while (n < max && (l = recvfrom(pf[i].fd, out[n].b, TU_FRAME_MAX, 0,
								(struct sockaddr *)&from, &fl)) > 0) {
					fl = sizeof(from);
					if (!keep(out[n].b, (size_t)l, from.sll_pkttype))
						continue;
					out[n].len = (size_t)l;
					out[n].dev = i;
					n++;
				}
			}
		}
		waited += 20;
		if (n >= want && grace < 0)
			grace = waited + 150;
		if (grace >= 0 && waited >= grace)
			break;
	}
	return n;
}
