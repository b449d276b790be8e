// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* BENCH ONLY, never shipped: the edge's per-copy ICRC update alone, under
 * BPF_PROG_TEST_RUN (bench/percopy icrc), where the veth benchmark's noise
 * (clone, redirect, FIB) cannot hide it.  Each run updates the ICRC for
 * BI_COPIES windows of one packet, the way bpf/dp/edge_replicate.h does:
 *   icrc_dense   the whole 36-octet window delta, bitwise product
 *                (endmt_icrc_delta_raw + endmt_icrc_apply; the edge before)
 *   icrc_sparse  DA and QPN walked, the octets between and after as zero
 *                steps, the product from the packet's table (the edge now)
 * Both include their per-packet part (the shift, and the table).  The
 * windows are in a map value, as the edge's original window is. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dp/icrc.h"

#define BI_COPIES 32
#define BI_WLEN 36

struct bi_win {
	__u8 orig[52] __attribute__((aligned(8)));
	__u8 nw[BI_COPIES][52] __attribute__((aligned(8)));
	struct endmt_crc32_mul mul;
	__u32 out[BI_COPIES];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bi_win);
} bench_icrc_win SEC(".maps");

const volatile __u32 cfg_tail = 1024;

SEC("xdp")
int icrc_dense(struct xdp_md *ctx)
{
	__u32 zero = 0, k, shift;
	struct bi_win *w = bpf_map_lookup_elem(&bench_icrc_win, &zero);

	(void)ctx;
	if (!w)
		return XDP_ABORTED;
	shift = endmt_crc32_x8n(cfg_tail & ENDMT_ICRC_MAX_TAIL);
	for (k = 0; k < BI_COPIES; k++) {
		__u32 raw = endmt_icrc_delta_raw(w->orig, w->nw[k], BI_WLEN);

		w->out[k] = endmt_icrc_apply(0x12345678u, raw, shift);
	}
	return XDP_PASS;
}

SEC("xdp")
int icrc_sparse(struct xdp_md *ctx)
{
	__u32 zero = 0, k;
	struct bi_win *w = bpf_map_lookup_elem(&bench_icrc_win, &zero);

	(void)ctx;
	if (!w)
		return XDP_ABORTED;
	endmt_crc32_mul_init(&w->mul, endmt_crc32_x8n(cfg_tail & ENDMT_ICRC_MAX_TAIL));
	for (k = 0; k < BI_COPIES; k++) {
		__u32 raw = endmt_icrc_delta_more(0, w->orig, w->nw[k], 0, 16);

		raw = endmt_icrc_zeros(raw, 29 - 16);
		raw = endmt_icrc_delta_more(raw, w->orig, w->nw[k], 29, 3);
		raw = endmt_icrc_zeros(raw, BI_WLEN - 32);
		w->out[k] = endmt_icrc_apply_tab(0x12345678u, raw, &w->mul);
	}
	return XDP_PASS;
}

/* The per-packet part alone: what N = 1 pays besides one copy. */
SEC("xdp")
int icrc_sparse_setup(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct bi_win *w = bpf_map_lookup_elem(&bench_icrc_win, &zero);

	(void)ctx;
	if (!w)
		return XDP_ABORTED;
	endmt_crc32_mul_init(&w->mul, endmt_crc32_x8n(cfg_tail & ENDMT_ICRC_MAX_TAIL));
	return XDP_PASS;
}

SEC("xdp")
int icrc_dense_setup(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct bi_win *w = bpf_map_lookup_elem(&bench_icrc_win, &zero);

	(void)ctx;
	if (!w)
		return XDP_ABORTED;
	w->out[0] = endmt_crc32_x8n(cfg_tail & ENDMT_ICRC_MAX_TAIL);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
