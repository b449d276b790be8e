/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* percopy: what the commands (edge.c, xdp.c, acks.c) share: the benchmark
 * points, env knobs, medians and the BPF object helpers (common.c).  main.c
 * says what the benchmark is. */
#ifndef PERCOPY_H
#define PERCOPY_H

#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>

static const int ns_list[] = { 1, 5, 11, 32 };
static const size_t pay_list[] = { 256, 1024, 4096 };
#define NN (sizeof(ns_list) / sizeof(ns_list[0]))
#define NP (sizeof(pay_list) / sizeof(pay_list[0]))

int env_int(const char *name, int def);
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

#endif
