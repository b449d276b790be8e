// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Test-only (never shipped, test/unit/hmac.c and bench/hmac.c load it):
 * HMAC-SHA256 by include/endmt/sha256.h over a packet's payload, under
 * BPF_PROG_TEST_RUN.
 *
 * The frame is 14 octets of anything (XDP test runs take no less than an
 * Ethernet header) followed by the text.  The key's pads come from
 * hmac_pads[0], as the edge will get them from a map; the text is copied
 * into a per-CPU scratch (struct endmt_hmac_scratch, far over the 512-octet
 * stack) and hashed there; the result goes to hmac_out[0].  Verdict:
 * XDP_PASS with the MAC written, XDP_DROP when it is not (no pads, text over
 * ENDMT_HMAC_TEXT_MAX); the packet is never changed, so test-run repeats
 * all hash the same text. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "endmt/sha256.h"

#define HMAC_TEXT_OFF 14

/* Key 0: the pads of the key under test (written by the test). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct endmt_hmac_pads);
} hmac_pads SEC(".maps");

/* Key 0: the text and the work state of one run, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct endmt_hmac_scratch);
} hmac_scratch SEC(".maps");

/* Key 0: the text length and MAC of the last successful run. */
struct hmac_result {
	__u32 len;
	__u8 mac[ENDMT_SHA256_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hmac_result);
} hmac_out SEC(".maps");

SEC("xdp")
int endmt_test_hmac(struct xdp_md *ctx)
{
	/* 64-bit: a 32-bit length would be bounded in one register and passed
	 * in another ("R4 min value is negative" at bpf_xdp_load_bytes) */
	__u64 len = (__u64)(long)ctx->data_end - (__u64)(long)ctx->data;
	__u32 zero = 0;
	struct endmt_hmac_scratch *w = bpf_map_lookup_elem(&hmac_scratch, &zero);
	struct endmt_hmac_pads *k = bpf_map_lookup_elem(&hmac_pads, &zero);
	struct hmac_result *r = bpf_map_lookup_elem(&hmac_out, &zero);

	if (!w || !k || !r || len < HMAC_TEXT_OFF)
		return XDP_DROP;
	len -= HMAC_TEXT_OFF;
	if (len > ENDMT_HMAC_TEXT_MAX)
		return XDP_DROP;
	if (len) {
		/* 6.1's verifier learns no lower bound from len != 0 ("R3 min
		 * value is outside of the allowed memory range", size 0): load
		 * m + 1 octets with m checked against an ordered bound, and
		 * keep clang from folding that back into len. */
		__u64 m = len - 1;

		asm volatile("" : "+r"(m));
		if (m > ENDMT_HMAC_TEXT_MAX - 1 ||
		    bpf_xdp_load_bytes(ctx, HMAC_TEXT_OFF, w->buf, m + 1))
			return XDP_DROP;
	}
	if (endmt_hmac_sha256(w, k, len))
		return XDP_DROP;
	r->len = len;
	__builtin_memcpy(r->mac, w->mac, sizeof(r->mac));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
