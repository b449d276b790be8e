/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* percopy: env knobs, medians, loading objects, reading programs' stats. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endmt/maps.h"
#include "benchpkt.h"
#include "percopy.h"

int env_int(const char *name, int def)
{
	const char *s = getenv(name);

	return s && *s ? atoi(s) : def;
}

int ns_list[PC_MAXN] = { 1, 5, 11, 32 };
size_t pay_list[PC_MAXP] = { 256, 1024, 4096 };
size_t pc_nn = 4, pc_np = 3;

/* A list of at most max positive numbers from env name into v; keeps v and
 * *n when unset.  -EINVAL on a bad list. */
static int env_list(const char *name, long *v, size_t max, size_t *n, long hi)
{
	const char *s = getenv(name);
	size_t k = 0;
	char *end;

	if (!s || !*s)
		return 0;
	while (*s) {
		long x = strtol(s, &end, 10);

		if (end == s || x < 1 || x > hi || k == max)
			return -EINVAL;
		v[k++] = x;
		s = end;
		while (*s == ' ' || *s == ',')
			s++;
	}
	*n = k;
	return 0;
}

int points_init(void)
{
	long v[PC_MAXN];
	size_t n = 0, i;

	if (env_list("NS", v, PC_MAXN, &n, BP_MAX_RCV))
		return -EINVAL;
	if (n) {
		for (i = 0; i < n; i++)
			ns_list[i] = (int)v[i];
		pc_nn = n;
	}
	n = 0;
	if (env_list("PAYS", v, PC_MAXP, &n, 8000))
		return -EINVAL;
	if (n) {
		for (i = 0; i < n; i++)
			pay_list[i] = (size_t)v[i];
		pc_np = n;
	}
	return 0;
}

int scale_groups(void)
{
	return env_int("NGROUPS", 0);
}

/* The maps sized by ENDMT_MAX_GROUPS and ENDMT_MAX_XLATE (maps/endmt_maps.h)
 * raised for NGROUPS groups: one receiver record each, plus the bench
 * group's BP_MAX_RCV.  What an operator would change in include/endmt/maps.h
 * (pinned maps keep the size they were created with). */
static int raise_limits(struct bpf_object *obj)
{
	static const char *const per_group[] = {
		"endmt_groups", "endmt_encap", "endmt_proxies", "endmt_stale", "endmt_cnp_limit",
	};
	static const char *const per_rcv[] = { "endmt_rcv_group", "endmt_rcv_xlate" };
	__u32 g = (__u32)scale_groups(), r = g + BP_MAX_RCV;
	struct bpf_map *m;
	size_t i;

	for (i = 0; g > ENDMT_MAX_GROUPS && i < sizeof(per_group) / sizeof(per_group[0]); i++) {
		m = bpf_object__find_map_by_name(obj, per_group[i]);
		if (m && bpf_map__set_max_entries(m, g))
			return -EINVAL;
	}
	for (i = 0; r > ENDMT_MAX_XLATE && i < sizeof(per_rcv) / sizeof(per_rcv[0]); i++) {
		m = bpf_object__find_map_by_name(obj, per_rcv[i]);
		if (m && bpf_map__set_max_entries(m, r))
			return -EINVAL;
	}
	return 0;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct bpf_object *load_obj(const char *path, const char *pin_root)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin_root);
	struct bpf_object *obj = bpf_object__open_file(path, &oo);
	int err;

	if (!obj) {
		fprintf(stderr, "percopy: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	err = raise_limits(obj);
	if (!err)
		err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "percopy: cannot load %s: %s (BENCH_VERBOSE=1 shows the verifier log)\n",
			path, strerror(-err));
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

/* path loaded with its maps pinned under a pin root of its own,
 * /sys/fs/bpf/<tag><pid>, written to pin (len octets).  NULL with *err set
 * (-errno, or -EINVAL when it does not load; the root is removed again). */
struct bpf_object *load_obj_own_pins(const char *path, const char *tag, char *pin, size_t len,
				     int *err)
{
	struct bpf_object *obj;

	snprintf(pin, len, "/sys/fs/bpf/%s%d", tag, (int)getpid());
	if (mkdir(pin, 0700) && errno != EEXIST) {
		*err = -errno;
		return NULL;
	}
	obj = load_obj(path, pin);
	if (!obj) {
		rmdir(pin);
		*err = -EINVAL;
	}
	return obj;
}

int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -ENOENT;
}

uint64_t stat_sum(int map_fd, uint32_t key)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	uint64_t vals[512], sum = 0;

	if (ncpu <= 0 || ncpu > 512 || bpf_map_lookup_elem(map_fd, &key, vals))
		return 0;
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

void print_insns(const char *label, const char *name, int fd)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	printf("insns %s %s %u %u %u\n", label, name, info.verified_insns,
	       info.xlated_prog_len / 8, info.jited_prog_len);
}

int prog_stats(int fd, uint64_t *rt, uint64_t *cnt)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*rt = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}
