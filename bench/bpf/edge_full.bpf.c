// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* BENCH ONLY, never shipped: the edge (End.MT) programs of bpf/edge.bpf.c,
 * identical except that every copy's ICRC is recomputed over the whole
 * packet instead of updated incrementally.  It exists to show what the
 * incremental update (docs/PROTOCOL.md "ICRC") saves; bench/percopy.sh builds it
 * into $O/bench/edge_full.bpf.o and checks that its copies carry valid ICRCs.
 *
 * How: the per-copy code in bpf/dp/edge_replicate.h computes
 *   icrc = endmt_icrc_apply_tab(c->icrc_orig, raw, &sc->mul);
 * with the new window nw[0..36 or 52) still on its stack.  Here, for that
 * header only, endmt_icrc_apply_tab is a macro calling bench_icrc_full() on
 * the copy as it will be sent (packet with nw in place).  If
 * edge_replicate.h renames those locals this file stops compiling and the
 * bench says so.
 * Built a second time with -DBENCH_NO_ICRC (see below). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>
#include "maps/endmt_maps.h"
#include "dp/icrc.h"
#include "dp/edge_parse.h"
#include "dp/resp_aggregate.h"

#define BF_CHUNK 64
#define BF_IN_IP6 14		/* inner IPv6 after decapsulation (ETH_HLEN) */

struct bf_buf {
	__u8 b[BF_CHUNK];
};

/* Chunk buffer off the stack: the callback chain (TC main -> per-copy
 * callback -> this -> chunk callback) must stay within 512 octets. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bf_buf);
} bench_full_buf SEC(".maps");

struct bf_ctx {
	struct __sk_buff *skb;
	__u32 off;		/* next packet octet to CRC */
	__u32 end;		/* the ICRC's offset */
	__u32 crc;
};

static __always_inline __u32 bf_byte(__u32 crc, __u8 b)
{
	return endmt_crc32_table[(crc ^ b) & 0xff] ^ (crc >> 8);
}

/* One 64-octet chunk per call, while a whole chunk remains. */
static long bf_chunk(__u32 i, void *data)
{
	struct bf_ctx *x = data;
	struct bf_buf *buf;
	__u32 zero = 0, j, crc = x->crc;

	(void)i;
	if (x->off + BF_CHUNK > x->end)
		return 1;
	buf = bpf_map_lookup_elem(&bench_full_buf, &zero);
	if (!buf || bpf_skb_load_bytes(x->skb, x->off, buf->b, BF_CHUNK))
		return 1;
	for (j = 0; j < BF_CHUNK; j++)
		crc = bf_byte(crc, buf->b[j]);
	x->crc = crc;
	x->off += BF_CHUNK;
	return 0;
}

static long bf_tail(__u32 i, void *data)
{
	struct bf_ctx *x = data;
	__u8 b;

	(void)i;
	if (x->off >= x->end || bpf_skb_load_bytes(x->skb, x->off, &b, 1))
		return 1;
	x->crc = bf_byte(x->crc, b);
	x->off++;
	return 0;
}

/* RoCEv2 ICRC of the copy: 8 x 0xff, inner IPv6 header with TC/FL/HL
 * masked, then the window nw (DA, UDP with checksum masked, BTH with octet
 * 4 masked, [RETH]) and the rest of the packet up to the ICRC. */
static __noinline __attribute__((unused)) __u32
bench_icrc_full(struct __sk_buff *skb, const __u8 *nw, __u32 wlen, __u32 icrc_off)
{
	struct bf_ctx x = { .skb = skb, .crc = 0xffffffffu };
	__u8 h[24];
	__u32 i;

	if (!skb || !nw || bpf_skb_load_bytes(skb, BF_IN_IP6, h, sizeof(h)))
		return 0;
	for (i = 0; i < 8; i++)
		x.crc = bf_byte(x.crc, 0xff);
	h[0] |= 0x0f;		/* traffic class, flow label */
	h[1] = h[2] = h[3] = 0xff;
	h[7] = 0xff;		/* hop limit */
	for (i = 0; i < sizeof(h); i++)
		x.crc = bf_byte(x.crc, h[i]);
	for (i = 0; i < 52; i++) {
		__u8 b = nw[i];

		if (i >= wlen)
			break;
		if (i == 22 || i == 23 || i == 28)	/* UDP csum, BTH octet 4 */
			b = 0xff;
		x.crc = bf_byte(x.crc, b);
	}
	x.off = BF_IN_IP6 + 24 + wlen;
	x.end = icrc_off;
	bpf_loop(0x10000 / BF_CHUNK, bf_chunk, &x, 0);
	bpf_loop(BF_CHUNK, bf_tail, &x, 0);
	return ~x.crc;
}

#ifdef BENCH_NO_ICRC
/* -DBENCH_NO_ICRC: no ICRC work at all (copies keep the received ICRC, so
 * receivers would drop them): the difference to the shipped object is
 * what the incremental update costs per copy. */
#define endmt_icrc_delta_more(r, o, n, f, l) ((void)(r), (void)(o), (void)(n), 0u)
#define endmt_icrc_zeros(r, l) ((void)(r), 0u)
#define endmt_icrc_apply_tab(icrc, raw, m) ((void)(raw), (void)(m), (icrc))
#else
#define endmt_icrc_apply_tab(icrc, raw, m) \
	((void)(icrc), (void)(raw), (void)(m), \
	 bench_icrc_full(c->skb, nw, c->has_reth ? 52 : 36, c->icrc_off))
#endif
#include "dp/edge_replicate.h"
#undef endmt_icrc_apply_tab
#undef endmt_icrc_zeros
#undef endmt_icrc_delta_more

const volatile __u8 cfg_tlv_type = ENDMT_TLV_ENDMT_DEFAULT;

/* The entry points as bpf/edge.bpf.c has them: the two XDP halves in
 * subprograms of their own, or the HMAC's call chain breaks the 512-octet
 * stack ("combined stack size of 3 calls is 560"). */
static __noinline int endmt_edge_xdp_endmt(struct xdp_md *ctx)
{
	return endmt_edge_xdp_run(ctx, cfg_tlv_type);
}

static __noinline int endmt_edge_xdp_resp(struct xdp_md *ctx)
{
	return endmt_resp_xdp(ctx, 0);
}

SEC("xdp")
int endmt_edge_xdp(struct xdp_md *ctx)
{
	int act = endmt_edge_xdp_endmt(ctx);

	if (act >= 0)
		return act;
	act = endmt_edge_xdp_resp(ctx);
	if (act >= 0)
		return act;
	return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, XDP_PASS);
}

SEC("tc")
int endmt_edge_tc(struct __sk_buff *skb)
{
	int act = endmt_slow_path_rx(skb);

	if (act >= 0)
		return act;
	act = endmt_edge_tc_run(skb, cfg_tlv_type);

	if (act >= 0)
		return act;
	return endmt_verdict(ENDMT_STAT_PASS_NOT_OURS, TC_ACT_OK);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
