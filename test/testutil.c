/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
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
