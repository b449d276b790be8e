/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* percopy: what the commands (edge.c, xdp.c, acks.c) share: the benchmark
 * points, env knobs, medians and the BPF object helpers (common.c).  main.c
 * says what the benchmark is. */
#ifndef PERCOPY_H
#define PERCOPY_H

#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>

/* The points: N receivers x payload octets, by default N = 1, 5, 11, 32
 * and 256, 1024, 4096 B; env NS="1 88" and PAYS="1024" choose others (at
 * most PC_MAXN and PC_MAXP values; points_init() in main). */
#define PC_MAXN 8
#define PC_MAXP 4
extern int ns_list[PC_MAXN];
extern size_t pay_list[PC_MAXP];
extern size_t pc_nn, pc_np;
#define NN pc_nn
#define NP pc_np
int points_init(void);

int env_int(const char *name, int def);
/* NGROUPS (bench only; bash reserves GROUPS): the group-sized maps of every object loaded are
 * raised to hold that many groups, with their receivers, when the shipped
 * limits (ENDMT_MAX_GROUPS, ENDMT_MAX_XLATE) are smaller. */
int scale_groups(void);
double median(double *v, int n);
/* Opens and loads an object with its pinned maps under pin_root. */
struct bpf_object *load_obj(const char *path, const char *pin_root);
struct bpf_object *load_obj_own_pins(const char *path, const char *tag, char *pin, size_t len,
				     int *err);
int prog_fd(struct bpf_object *obj, const char *name);
uint64_t stat_sum(int map_fd, uint32_t key);
/* The verifier's processed-instruction count and the program's size. */
void print_insns(const char *label, const char *name, int fd);
int prog_stats(int fd, uint64_t *rt, uint64_t *cnt);

int cmd_edge(int nv, char **lv, const char *src_ns, const char *sink_ns);
int cmd_xdp(const char *obj_path);
int cmd_acks(const char *obj_path);
int cmd_icrc(const char *obj_path);
int cmd_head(const char *obj_path);
int cmd_mpls(const char *obj_path);
/* Alternate marking's counters of flow 1 at point and the period engine
 * (bench/percopy/xdp.c). */
int pm_bench_config(struct bpf_object *obj, uint8_t point);

#endif
