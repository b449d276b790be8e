/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Edge XDP half (End.MT parse + S02/S03) under BPF_PROG_TEST_RUN: a table of
 * valid and malformed packets, each with its verdict, its one counter and
 * (for passes) the exact output bytes including the metadata; then random
 * mutations judged by a reference classifier written here in plain C. */
#include "edge_util.h"
#include "edge_ref.h"
#include "wire.h"

#define SID    "ff3e::4d54"
#define SID2   "fd00:4::100"
#define EDGE   "fd00:1::1"
#define OTHER  "fd00:2::1"
#define PROXY  "fd00:ff::1"
#define HEADSA "fd00:6::1"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0xa };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0xb };

/* A valid End.MT frame and what the XDP half should make of it. */
struct xcase {
	uint8_t pkt[EU_MAXPKT];
	size_t len;
	struct endmt_meta meta;		/* expected metadata on pass */
	struct in6_addr new_da;
	uint8_t new_sl;
};

struct xparams {
	size_t nrcv;		/* receivers for EDGE */
	size_t per_tlv;		/* split into TLVs of at most this many */
	int other_first;	/* a TLV of another edge before ours */
	int pads;		/* Pad1, PadN, HMAC, unknown TLVs before ours */
	int chain;		/* segment list [proxy, SID2, SID], SL 2 */
	int reduced;		/* reduced SRH (RFC 8754): SID (the DA) not in the list, SL = LE + 1 */
	uint8_t tlv_type;	/* 0: default */
	uint8_t opcode;
	size_t paylen;
	uint8_t inner_hl;	/* 0: 64 */
};

static size_t make_inner(uint8_t *out, const struct xparams *p)
{
	static uint8_t pay[1024];
	uint8_t frame[EU_MAXPKT];
	struct endmt_roce_spec s = {0};
	size_t i;
	int l;

	for (i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 7 + 3);
	s.saddr = endmt_in6(PROXY);
	s.daddr = endmt_in6(PROXY);
	s.opcode = p->opcode;
	s.has_reth = endmt_op_has_reth(p->opcode);
	s.reth_va = 0x1000;
	s.reth_rkey = 0x55;
	s.reth_len = (uint32_t)p->paylen;
	s.dqpn = 4660;
	s.psn = 0xfffffe;
	s.hop_limit = p->inner_hl ? p->inner_hl : 64;
	s.payload = pay;
	s.paylen = p->paylen;
	l = endmt_build_roce(frame, sizeof(frame), &s);
	if (l < 0)
		abort();
	memcpy(out, frame + W_ETH_LEN, (size_t)l - W_ETH_LEN);
	return (size_t)l - 14;
}

static void rcv_list(struct endmt_rcv_ent *r, size_t n, int base)
{
	size_t i;
	char a[64];

	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "fd00:%x::%zx", 0x11 + base, i + 2);
		r[i].addr = endmt_in6(a);
		r[i].qpn = 256 + (uint32_t)i;
	}
}

static void make_case(struct xcase *c, const struct xparams *p)
{
	struct endmt_rcv_ent r[128], o[3];
	struct in6_addr segs[3], edge = endmt_in6(EDGE), other = endmt_in6(OTHER);
	struct in6_addr sa = endmt_in6(HEADSA);
	uint8_t tlvs[2048], srh[2048 + 64], inner[2048];
	uint8_t type = p->tlv_type ? p->tlv_type : ENDMT_TLV_ENDMT_DEFAULT;
	size_t off = 0, done = 0, nseg, nlist, srh_len, inner_len, tlv_base;

	memset(c, 0, sizeof(*c));
	rcv_list(r, p->nrcv, 0);
	rcv_list(o, 3, 1);
	segs[0] = endmt_in6(PROXY);
	if (p->chain) {
		segs[1] = endmt_in6(SID2);
		segs[2] = endmt_in6(SID);
		nseg = 3;
	} else {
		segs[1] = endmt_in6(SID);
		nseg = 2;
	}
	/* Reduced: the last segment, the outer DA, is left out of the list
	 * and SL is one more than Last Entry; the next DA is the same. */
	nlist = p->reduced ? nseg - 1 : nseg;
	tlv_base = W_SRH_SEG(nlist);
	if (p->pads) {
		tlvs[off++] = ENDMT_TLV_PAD1;
		tlvs[off++] = ENDMT_TLV_PADN, tlvs[off++] = 3;
		memset(tlvs + off, 0, 3), off += 3;
		tlvs[off++] = ENDMT_TLV_HMAC, tlvs[off++] = 6 + 32;
		memset(tlvs + off, 0x5a, 38), off += 38;
		tlvs[off++] = 99, tlvs[off++] = 1, tlvs[off++] = 0xee;	/* unknown */
	}
	if (p->other_first)
		off = eu_mt_tlv(tlvs, off, type, &other, o, 3);
	while (done < p->nrcv) {
		size_t n = p->nrcv - done;

		if (n > p->per_tlv)
			n = p->per_tlv;
		if (c->meta.ntlv < ENDMT_MAX_NODE_TLVS)
			c->meta.tlv_off[c->meta.ntlv] = (uint16_t)(tlv_base + off);
		c->meta.ntlv++;
		off = eu_mt_tlv(tlvs, off, type, &edge, r + done, n);
		done += n;
		/* another edge's TLV between ours */
		if (p->other_first && done < p->nrcv)
			off = eu_mt_tlv(tlvs, off, type, &other, o, 1);
	}
	srh_len = eu_srh(srh, ENDMT_NEXTHDR_IPV6, segs, nlist, (uint8_t)(nseg - 1), tlvs, off);
	inner_len = make_inner(inner, p);
	c->len = eu_frame(c->pkt, mac_b, mac_a, &sa, 64, srh, srh_len, inner, inner_len);
	memcpy(c->pkt + W_OUT_DADDR, &segs[nseg - 1], 16);	/* the DA is the SID either way */
	c->meta.magic = ENDMT_META_MAGIC;
	c->meta.srh_off = W_SRH;
	c->meta.inner_off = (uint16_t)(W_SRH + srh_len);
	c->meta.nrcv = (uint16_t)p->nrcv;
	/* the unit's SIDs allow the XDP fan-out (no --fanout tc) */
	c->meta.flags = (p->chain ? ENDMT_META_F_CHAIN : 0) | ENDMT_META_F_FANOUT;
	c->new_sl = (uint8_t)(nseg - 2);
	c->new_da = segs[nseg - 2];
}

static const struct xparams base5 = { .nrcv = 5, .per_tlv = 11, .opcode = ENDMT_OP_SEND_ONLY,
				      .paylen = 64 };

/* Runs the program and checks verdict, the one counter and output. */
static bool run_one(struct eu_obj *o, int prog_fd, const uint8_t *pkt, size_t len,
		    int want_stat, const uint8_t *want_out, size_t want_len, const char *name)
{
	static uint8_t out[EU_MAXPKT + 64];
	struct eu_stats a, b;
	size_t out_len = sizeof(out);
	uint32_t ret = 0, i;
	int moved = 0;
	bool ok = true;

	eu_stats_read(o, &a);
	if (!ASSERT_OK(tu_prog_run(prog_fd, pkt, len, out, &out_len, &ret), name))
		return false;
	eu_stats_read(o, &b);
	for (i = 0; i < ENDMT_STAT_MAX; i++) {
		if (b.v[i] == a.v[i])
			continue;
		moved++;
		if (i != (uint32_t)want_stat || b.v[i] != a.v[i] + 1) {
			tp_fail(__FILE__, __LINE__, "%s: counter %s moved by %llu (want %s)",
				name, tu_stat_names[i], (unsigned long long)(b.v[i] - a.v[i]),
				tu_stat_names[want_stat]);
			ok = false;
		}
	}
	ok &= ASSERT_EQ(moved, 1, name);
	if (want_stat == ENDMT_STAT_ENDMT_RX || want_stat == ENDMT_STAT_PASS_NOT_OURS)
		ok &= ASSERT_EQ(ret, XDP_PASS, name);
	else
		ok &= ASSERT_EQ(ret, XDP_DROP, name);
	if (want_out && ret == XDP_PASS)
		ok &= ASSERT_MEMEQ(out, out_len, want_out, want_len, name);
	return ok;
}

/* Expected output of a pass: metadata, then the frame after S02/S03. */
static size_t expect_pass(uint8_t *exp, const uint8_t *pkt, size_t len,
			  const struct endmt_meta *m, const struct in6_addr *da, uint8_t sl)
{
	memcpy(exp, m, sizeof(*m));
	memcpy(exp + sizeof(*m), pkt, len);
	memcpy(exp + sizeof(*m) + W_OUT_DADDR, da, 16);
	exp[sizeof(*m) + W_SRH_SL] = sl;
	return sizeof(*m) + len;
}

typedef void (*mutate_fn)(struct xcase *c);

static void m_none(struct xcase *c) { (void)c; }
static void m_ipv4(struct xcase *c) { c->pkt[W_ETH_PROTO] = ETH_P_IP >> 8, c->pkt[W_ETH_PROTO + 1] = ETH_P_IP & 0xff; }
static void m_other_da(struct xcase *c) { c->pkt[W_OUT_DADDR + 15] ^= 1; }
/* Outer SA ff02::1, :: and ::1: no head has them (RFC 4291). */
static void m_sa_mcast(struct xcase *c)
{
	memset(c->pkt + W_OUT_SADDR, 0, 16);
	c->pkt[W_OUT_SADDR] = 0xff, c->pkt[W_OUT_SADDR + 1] = 0x02, c->pkt[W_OUT_SADDR + 15] = 1;
}
static void m_sa_unspec(struct xcase *c) { memset(c->pkt + W_OUT_SADDR, 0, 16); }
static void m_sa_loop(struct xcase *c)
{
	memset(c->pkt + W_OUT_SADDR, 0, 16);
	c->pkt[W_OUT_SADDR + 15] = 1;
}
static void m_outer_trunc(struct xcase *c) { c->len = W_OUT + W_IP6_LEN - 10; }
static void m_no_srh(struct xcase *c) { c->pkt[W_OUT_NEXTHDR] = IPPROTO_UDP; }
static void m_rh_type(struct xcase *c) { c->pkt[W_SRH_TYPE] = 3; }
static void m_sl0(struct xcase *c) { c->pkt[W_SRH_SL] = 0; }
static void m_srh_fixed_trunc(struct xcase *c) { c->len = W_SRH + 5; }
static void m_srh_trunc(struct xcase *c) { c->len = W_SRH_SEG(2); }
static void m_hdrlen_big(struct xcase *c) { c->pkt[W_SRH_HDRLEN] = 255; }
static void m_le_big(struct xcase *c) { c->pkt[W_SRH_LE] = 200; }
static void m_sl_gt_le(struct xcase *c) { c->pkt[W_SRH_SL] = 3; }	/* LE 1: SL > LE + 1 */
/* SL = LE + 1 in a full list [proxy, SID]: read as reduced, the next DA is
 * SRH[1] = the SID itself, SL 1 left: chain mode back to this node, a loop
 * (it was accepted and sent to itself before). */
static void m_sl_le1(struct xcase *c) { c->pkt[W_SRH_SL] = 2; }
/* The chain list [proxy, SID2, SID] with SID2 := SID: the next segment is
 * this node again. */
static void m_loop_next(struct xcase *c)
{
	memcpy(c->pkt + W_SRH_SEG(1), c->pkt + W_OUT_DADDR, 16);
}
/* [proxy, SID2, SID] with the Proxy's slot := SID, SL 2: SRH[0] is still
 * to visit after SID2. */
static void m_loop_later(struct xcase *c)
{
	memcpy(c->pkt + W_SRH_SEG(0), c->pkt + W_OUT_DADDR, 16);
}
static void m_tlv_long(struct xcase *c) { c->pkt[c->meta.tlv_off[0] + W_TLV_LEN] = 250; }
static void m_nrcv(struct xcase *c) { c->pkt[c->meta.tlv_off[0] + W_MT_NRCV]++; }
static void m_tlv_short(struct xcase *c)
{	/* length 10: still inside the SRH but too short for End.MT */
	c->pkt[c->meta.tlv_off[0] + W_TLV_LEN] = 10;
}
static void m_edge(struct xcase *c)
{
	int i;

	for (i = 0; i < c->meta.ntlv; i++)
		c->pkt[c->meta.tlv_off[i] + W_MT_EDGE + 15] ^= 0x40;
}
/* Another edge's TLV (other_first: 3 receivers, just before ours) whose
 * Num Receivers no longer matches its Length: the draft (§6.2 S04, §7.2)
 * has the edge use only its own TLV, DECISIONS "End.MT TLVs that lie" drops
 * the packet all the same. */
static void m_other_nrcv(struct xcase *c)
{
	c->pkt[c->meta.tlv_off[0] - (W_MT_HLEN + 3 * W_MT_RCV_LEN) + W_MT_NRCV]++;
}
static void m_srh_nh(struct xcase *c) { c->pkt[W_SRH_NEXTHDR] = IPPROTO_UDP; }
static void m_outer_plen(struct xcase *c) { c->pkt[W_OUT_PLEN + 1] += 8; }
static void m_trailer(struct xcase *c) { memset(c->pkt + c->len, 0, 4), c->len += 4; }
static void m_inner_v4(struct xcase *c) { c->pkt[c->meta.inner_off] = 0x45; }
static void m_inner_tcp(struct xcase *c) { c->pkt[c->meta.inner_off + W_IP6_NEXTHDR] = IPPROTO_TCP; }
static void m_dport(struct xcase *c) { c->pkt[c->meta.inner_off + W_IN_UDP_DPORT + 1]++; }
static void m_inner_plen(struct xcase *c) { c->pkt[c->meta.inner_off + W_IP6_PLEN + 1]++; }
static void m_ulen(struct xcase *c) { c->pkt[c->meta.inner_off + W_IN_UDP_LEN + 1]--; }
static void m_inner_hl(struct xcase *c) { c->pkt[c->meta.inner_off + W_IP6_HLIM] = 1; }
/* destination MACs: the SID's group MAC (RFC 2464: 33:33 + the DA's last 4
 * octets of ff3e::4d54), another group's, broadcast */
static void m_mac_sid(struct xcase *c) { static const uint8_t m[6] = { 0x33, 0x33, 0, 0, 0x4d, 0x54 }; memcpy(c->pkt, m, 6); }
static void m_mac_other_group(struct xcase *c) { m_mac_sid(c); c->pkt[5] ^= 1; }
static void m_mac_bcast(struct xcase *c) { memset(c->pkt, 0xff, 6); }
static void m_outer_v4(struct xcase *c) { c->pkt[W_OUT] = (uint8_t)(0x40 | (c->pkt[W_OUT] & 0x0f)); }
/* inner SA not the Proxy Address (a head always sets it so) */
static void m_inner_sa(struct xcase *c) { c->pkt[c->meta.inner_off + W_IP6_SADDR + 15] ^= 1; }
/* Cut the inner packet to n octets, lengths kept consistent, so only the
 * missing headers can be blamed. */
static void cut_inner(struct xcase *c, size_t n)
{
	uint8_t *in = c->pkt + c->meta.inner_off;
	size_t plen = n - W_IP6_LEN, oplen;

	c->len = c->meta.inner_off + n;
	oplen = c->len - W_SRH;
	c->pkt[W_OUT_PLEN] = (uint8_t)(oplen >> 8), c->pkt[W_OUT_PLEN + 1] = (uint8_t)oplen;
	in[W_IP6_PLEN] = (uint8_t)(plen >> 8), in[W_IP6_PLEN + 1] = (uint8_t)plen;
	if (n >= W_IN_BTH)
		in[W_IN_UDP_LEN] = (uint8_t)(plen >> 8), in[W_IN_UDP_LEN + 1] = (uint8_t)plen;
}
static void m_inner_ip_trunc(struct xcase *c) { cut_inner(c, W_IP6_LEN - 10); }
static void m_udp_trunc(struct xcase *c) { cut_inner(c, W_IN_BTH - 4); }
static void m_bth_trunc(struct xcase *c) { cut_inner(c, W_IN_BTH + 6); }
static void m_reth_trunc(struct xcase *c)
{	/* WRITE_FIRST with no room for its RETH before the ICRC */
	cut_inner(c, W_IN_RETH + ENDMT_ICRC_LEN);
	c->pkt[c->meta.inner_off + W_IN_OPCODE] = ENDMT_OP_WRITE_FIRST;
}

/* Inner UDP length n (lengths kept consistent): IBTA pads to 4. */
static void m_ulen61(struct xcase *c) { cut_inner(c, W_IP6_LEN + 61); }
static void m_ulen62(struct xcase *c) { cut_inner(c, W_IP6_LEN + 62); }
static void m_ulen63(struct xcase *c) { cut_inner(c, W_IP6_LEN + 63); }
static void m_ulen64(struct xcase *c) { cut_inner(c, W_IP6_LEN + 64); }
static void set_op(struct xcase *c, uint8_t op) { c->pkt[c->meta.inner_off + W_IN_OPCODE] = op; }
static void m_op_read(struct xcase *c) { set_op(c, ENDMT_OP_READ_REQ); }
static void m_op_cmpswap(struct xcase *c) { set_op(c, 0x13); }
static void m_op_fetchadd(struct xcase *c) { set_op(c, 0x14); }
static void m_op_ack(struct xcase *c) { set_op(c, ENDMT_OP_ACK); }
static void m_op_send_inv(struct xcase *c) { set_op(c, 0x17); }
static void m_op_uc_send(struct xcase *c) { set_op(c, 0x24); }	/* UC SEND only */
static void m_op_write_imm(struct xcase *c) { set_op(c, ENDMT_OP_WRITE_LAST_IMM); }

struct tcase {
	const char *name;
	mutate_fn fn;
	int stat;
	uint32_t sid_flags;	/* 0: ENDMT */
	uint32_t max_rcv;
	int edge_other;		/* the SID's edge address is OTHER */
	struct xparams p;	/* .nrcv 0: base5 */
	/* the SID's SR-domain boundary (test_run without a ctx runs the
	 * program as received on lo, ifindex 1) */
	uint32_t in_ifindex;
	const char *src;	/* NULL: any source */
	uint8_t src_plen;
};

static const struct tcase tcases[] = {
	{ .name = "valid_5", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX },
	{ .name = "valid_12_two_tlvs_mixed", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX,
	  .p = { .nrcv = 12, .per_tlv = 11, .other_first = 1, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 100 } },
	{ .name = "valid_30_pads_hmac_unknown", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX,
	  .p = { .nrcv = 30, .per_tlv = 11, .pads = 1, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 8 } },
	{ .name = "valid_8_tlvs_88_rcv", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX, .max_rcv = 88,
	  .p = { .nrcv = 88, .per_tlv = 11, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 8 } },
	{ .name = "valid_chain", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX,
	  .p = { .nrcv = 5, .per_tlv = 11, .chain = 1, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 64 } },
	{ .name = "valid_write_first", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX,
	  .p = { .nrcv = 3, .per_tlv = 11, .opcode = ENDMT_OP_WRITE_FIRST, .paylen = 256 } },
	{ .name = "not_ours_ipv4", .fn = m_ipv4, .stat = ENDMT_STAT_PASS_NOT_OURS },
	{ .name = "not_ours_da", .fn = m_other_da, .stat = ENDMT_STAT_PASS_NOT_OURS },
	{ .name = "drop_outer_saddr_multicast", .fn = m_sa_mcast, .stat = ENDMT_STAT_DROP_OUTER_SADDR },
	{ .name = "drop_outer_saddr_unspecified", .fn = m_sa_unspec, .stat = ENDMT_STAT_DROP_OUTER_SADDR },
	{ .name = "drop_outer_saddr_loopback", .fn = m_sa_loop, .stat = ENDMT_STAT_DROP_OUTER_SADDR },
	{ .name = "not_ours_repl_sid", .fn = m_none, .stat = ENDMT_STAT_PASS_NOT_OURS, .sid_flags = 0x2 /* not ENDMT_SID_F_ENDMT */ },
	{ .name = "drop_outer_truncated", .fn = m_outer_trunc, .stat = ENDMT_STAT_DROP_OUTER_TRUNC },
	{ .name = "drop_other_edge_tlv_nrcv", .fn = m_other_nrcv, .stat = ENDMT_STAT_DROP_TLV_NRCV,
	  .p = { .nrcv = 5, .per_tlv = 11, .other_first = 1, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 64 } },
	{ .name = "drop_no_srh", .fn = m_no_srh, .stat = ENDMT_STAT_DROP_NO_SRH },
	{ .name = "drop_no_srh_rh_type3", .fn = m_rh_type, .stat = ENDMT_STAT_DROP_NO_SRH },
	{ .name = "drop_sl_zero", .fn = m_sl0, .stat = ENDMT_STAT_DROP_SL_ZERO },
	{ .name = "drop_srh_fixed_truncated", .fn = m_srh_fixed_trunc, .stat = ENDMT_STAT_DROP_SRH_TRUNC },
	{ .name = "drop_srh_truncated", .fn = m_srh_trunc, .stat = ENDMT_STAT_DROP_SRH_TRUNC },
	{ .name = "drop_srh_hdrlen_past_end", .fn = m_hdrlen_big, .stat = ENDMT_STAT_DROP_SRH_TRUNC },
	{ .name = "drop_last_entry_big", .fn = m_le_big, .stat = ENDMT_STAT_DROP_SRH_LAST_ENTRY },
	{ .name = "drop_sl_above_last_entry_plus_1", .fn = m_sl_gt_le, .stat = ENDMT_STAT_DROP_SRH_LAST_ENTRY },
	{ .name = "valid_reduced_srh", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX,
	  .p = { .nrcv = 5, .per_tlv = 11, .reduced = 1, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 64 } },
	{ .name = "valid_reduced_srh_chain", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX,
	  .p = { .nrcv = 3, .per_tlv = 2, .reduced = 1, .chain = 1, .opcode = ENDMT_OP_WRITE_FIRST, .paylen = 32 } },
	{ .name = "drop_loop_sl_last_entry_plus_1", .fn = m_sl_le1, .stat = ENDMT_STAT_DROP_SRH_LOOP },
	{ .name = "drop_loop_next_segment", .fn = m_loop_next, .stat = ENDMT_STAT_DROP_SRH_LOOP,
	  .p = { .nrcv = 5, .per_tlv = 11, .chain = 1, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 64 } },
	{ .name = "drop_loop_later_segment", .fn = m_loop_later, .stat = ENDMT_STAT_DROP_SRH_LOOP,
	  .p = { .nrcv = 5, .per_tlv = 11, .chain = 1, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 64 } },
	{ .name = "drop_tlv_truncated", .fn = m_tlv_long, .stat = ENDMT_STAT_DROP_TLV_TRUNC },
	{ .name = "drop_tlv_num_receivers", .fn = m_nrcv, .stat = ENDMT_STAT_DROP_TLV_NRCV },
	{ .name = "drop_tlv_too_short", .fn = m_tlv_short, .stat = ENDMT_STAT_DROP_TLV_NRCV },
	{ .name = "drop_no_tlv_edge_mismatch", .fn = m_edge, .stat = ENDMT_STAT_DROP_NO_TLV },
	{ .name = "drop_no_tlv_sid_edge", .fn = m_none, .stat = ENDMT_STAT_DROP_NO_TLV, .edge_other = 1 },
	{ .name = "drop_too_many_tlvs", .fn = m_none, .stat = ENDMT_STAT_DROP_TOO_MANY_TLVS, .max_rcv = 88,
	  .p = { .nrcv = 9, .per_tlv = 1, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 8 } },
	{ .name = "drop_too_many_receivers_cfg", .fn = m_none, .stat = ENDMT_STAT_DROP_TOO_MANY_RCV, .max_rcv = 4 },
	{ .name = "drop_too_many_receivers_default", .fn = m_none, .stat = ENDMT_STAT_DROP_TOO_MANY_RCV,
	  .p = { .nrcv = 65, .per_tlv = 11, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 8 } },
	{ .name = "drop_inner_not_roce_srh_nh", .fn = m_srh_nh, .stat = ENDMT_STAT_DROP_INNER_NOT_ROCE },
	{ .name = "drop_inner_not_roce_v4", .fn = m_inner_v4, .stat = ENDMT_STAT_DROP_INNER_NOT_ROCE },
	{ .name = "drop_inner_not_roce_tcp", .fn = m_inner_tcp, .stat = ENDMT_STAT_DROP_INNER_NOT_ROCE },
	{ .name = "drop_inner_not_roce_port", .fn = m_dport, .stat = ENDMT_STAT_DROP_INNER_NOT_ROCE },
	{ .name = "drop_outer_length", .fn = m_outer_plen, .stat = ENDMT_STAT_DROP_OUTER_LEN },
	{ .name = "drop_outer_length_trailer", .fn = m_trailer, .stat = ENDMT_STAT_DROP_OUTER_LEN },
	{ .name = "drop_bth_truncated_ip6", .fn = m_inner_ip_trunc, .stat = ENDMT_STAT_DROP_BTH_TRUNC },
	{ .name = "drop_bth_truncated_udp", .fn = m_udp_trunc, .stat = ENDMT_STAT_DROP_BTH_TRUNC },
	{ .name = "drop_bth_truncated", .fn = m_bth_trunc, .stat = ENDMT_STAT_DROP_BTH_TRUNC },
	{ .name = "drop_bth_truncated_reth", .fn = m_reth_trunc, .stat = ENDMT_STAT_DROP_BTH_TRUNC },
	{ .name = "drop_inner_length_plen", .fn = m_inner_plen, .stat = ENDMT_STAT_DROP_INNER_LEN },
	{ .name = "drop_inner_length_ulen", .fn = m_ulen, .stat = ENDMT_STAT_DROP_INNER_LEN },
	{ .name = "drop_inner_hop_limit", .fn = m_inner_hl, .stat = ENDMT_STAT_DROP_INNER_HLIM },
	{ .name = "drop_inner_saddr", .fn = m_inner_sa, .stat = ENDMT_STAT_DROP_INNER_SADDR },
	{ .name = "valid_mac_sid_group", .fn = m_mac_sid, .stat = ENDMT_STAT_ENDMT_RX },
	{ .name = "drop_mac_other_group", .fn = m_mac_other_group, .stat = ENDMT_STAT_DROP_OUTER_MAC },
	{ .name = "drop_mac_broadcast", .fn = m_mac_bcast, .stat = ENDMT_STAT_DROP_OUTER_MAC },
	{ .name = "drop_outer_version_4", .fn = m_outer_v4, .stat = ENDMT_STAT_DROP_OUTER_VERSION },
	/* a strict SID (apply's) knows its groups: none is configured here */
	{ .name = "drop_strict_unknown_group", .fn = m_none, .stat = ENDMT_STAT_DROP_ENDMT_GROUP,
	  .sid_flags = ENDMT_SID_F_ENDMT | ENDMT_SID_F_STRICT },
	{ .name = "drop_inner_unpadded_61", .fn = m_ulen61, .stat = ENDMT_STAT_DROP_INNER_UNPADDED },
	{ .name = "drop_inner_unpadded_62", .fn = m_ulen62, .stat = ENDMT_STAT_DROP_INNER_UNPADDED },
	{ .name = "drop_inner_unpadded_63", .fn = m_ulen63, .stat = ENDMT_STAT_DROP_INNER_UNPADDED },
	{ .name = "valid_ulen_64", .fn = m_ulen64, .stat = ENDMT_STAT_ENDMT_RX },
	{ .name = "drop_inner_opcode_read", .fn = m_op_read, .stat = ENDMT_STAT_DROP_INNER_OPCODE },
	{ .name = "drop_inner_opcode_cmpswap", .fn = m_op_cmpswap, .stat = ENDMT_STAT_DROP_INNER_OPCODE },
	{ .name = "drop_inner_opcode_fetchadd", .fn = m_op_fetchadd, .stat = ENDMT_STAT_DROP_INNER_OPCODE },
	{ .name = "drop_inner_opcode_ack", .fn = m_op_ack, .stat = ENDMT_STAT_DROP_INNER_OPCODE },
	{ .name = "drop_inner_opcode_send_inv", .fn = m_op_send_inv, .stat = ENDMT_STAT_DROP_INNER_OPCODE },
	{ .name = "drop_inner_opcode_uc", .fn = m_op_uc_send, .stat = ENDMT_STAT_DROP_INNER_OPCODE },
	{ .name = "valid_write_last_imm", .fn = m_op_write_imm, .stat = ENDMT_STAT_ENDMT_RX },
	/* the SR domain: where the tree arrives, from whom */
	{ .name = "valid_sid_device", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX, .in_ifindex = 1 },
	{ .name = "drop_sid_wrong_device", .fn = m_none, .stat = ENDMT_STAT_DROP_SID_DEVICE,
	  .in_ifindex = 2 },
	{ .name = "valid_sid_source_128", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX,
	  .src = HEADSA, .src_plen = 128 },
	{ .name = "valid_sid_source_48", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX,
	  .src = "fd00:6::", .src_plen = 48 },
	{ .name = "drop_sid_source_other", .fn = m_none, .stat = ENDMT_STAT_DROP_SID_SOURCE,
	  .src = "fd00:99::1", .src_plen = 128 },
	/* HEADSA ends in ::1: the last bit decides at /128, not at /127 */
	{ .name = "drop_sid_source_last_bit", .fn = m_none, .stat = ENDMT_STAT_DROP_SID_SOURCE,
	  .src = "fd00:6::", .src_plen = 128 },
	{ .name = "valid_sid_source_127", .fn = m_none, .stat = ENDMT_STAT_ENDMT_RX,
	  .src = "fd00:6::", .src_plen = 127 },
	{ .name = "drop_sid_source_first_bit", .fn = m_none, .stat = ENDMT_STAT_DROP_SID_SOURCE,
	  .src = "7d00:6::1", .src_plen = 1 },
};

static void test_table(void)
{
	static struct xcase c;
	static uint8_t exp[EU_MAXPKT + 64];
	struct eu_obj o;
	size_t i;
	int fd;

	if (!ASSERT_OK(eu_open(&o, 0), "open edge object"))
		return;
	fd = bpf_program__fd(o.skel->progs.endmt_edge_xdp);
	for (i = 0; i < sizeof(tcases) / sizeof(tcases[0]); i++) {
		const struct tcase *t = &tcases[i];
		size_t el = 0;

		if (!test__start_subtest(t->name))
			continue;
		make_case(&c, t->p.nrcv ? &t->p : &base5);
		t->fn(&c);
		if (!ASSERT_OK(eu_sid_add(&o, SID, t->edge_other ? OTHER : EDGE,
					  t->sid_flags ? t->sid_flags : ENDMT_SID_F_ENDMT,
					  t->max_rcv), "sid add") ||
		    !ASSERT_OK(eu_sid_domain(&o, SID, t->src, t->src_plen, t->in_ifindex), "sid domain"))
			break;
		if (t->stat == ENDMT_STAT_ENDMT_RX)
			el = expect_pass(exp, c.pkt, c.len, &c.meta, &c.new_da, c.new_sl);
		else if (t->stat == ENDMT_STAT_PASS_NOT_OURS)
			memcpy(exp, c.pkt, c.len), el = c.len;
		run_one(&o, fd, c.pkt, c.len, t->stat, el ? exp : NULL, el, t->name);
	}
	eu_close(&o);
}

/* The TLV type is a load-time knob: a 124 TLV is not End.MT under 200. */
static void test_tlv_type(void)
{
	static struct xcase c;
	static uint8_t exp[EU_MAXPKT + 64];
	struct xparams p = base5;
	struct eu_obj o;
	size_t el;
	int fd;

	if (!ASSERT_OK(eu_open(&o, 200), "open edge object, tlv type 200"))
		return;
	fd = bpf_program__fd(o.skel->progs.endmt_edge_xdp);
	ASSERT_OK(eu_sid_add(&o, SID, EDGE, ENDMT_SID_F_ENDMT, 0), "sid add");
	make_case(&c, &p);
	run_one(&o, fd, c.pkt, c.len, ENDMT_STAT_DROP_NO_TLV, NULL, 0, "type 124 under 200");
	p.tlv_type = 200;
	make_case(&c, &p);
	el = expect_pass(exp, c.pkt, c.len, &c.meta, &c.new_da, c.new_sl);
	run_one(&o, fd, c.pkt, c.len, ENDMT_STAT_ENDMT_RX, exp, el, "type 200 under 200");
	eu_close(&o);
}

/* The newest PSN an edge accepted for a group is the bound of the group's
 * responses there (bpf/dp/data_psn.h): accepted packets move it in serial
 * order (a retransmission does not lower it), refused ones never do, and
 * a packet of a group this node has no entry for moves nothing. */
static void test_data_psn(void)
{
	static struct xcase c;
	static const struct {
		uint32_t psn;
		mutate_fn fn;
		int stat;
		uint32_t want;
	} steps[] = {
		{ 0xfffffe, m_none, ENDMT_STAT_ENDMT_RX, 0xfffffe },
		{ 0x000003, m_none, ENDMT_STAT_ENDMT_RX, 0x000003 },	/* across 2^24 */
		{ 0xfffffd, m_none, ENDMT_STAT_ENDMT_RX, 0x000003 },	/* retransmission */
		{ 0x000050, m_inner_hl, ENDMT_STAT_DROP_INNER_HLIM, 0x000003 },	/* refused */
	};
	struct endmt_group_key k = { .dqpn = 4660 };
	struct in6_addr proxy = endmt_in6(PROXY);
	struct endmt_group g;
	struct eu_obj o;
	size_t i;
	int fd, gfd;

	if (!ASSERT_OK(eu_open(&o, 0), "open edge object"))
		return;
	fd = bpf_program__fd(o.skel->progs.endmt_edge_xdp);
	gfd = bpf_map__fd(o.skel->maps.endmt_groups);
	memcpy(k.proxy, &proxy, 16);
	memset(&g, 0, sizeof(g));
	g.flags = ENDMT_GF_PSN_GUARD;
	if (!ASSERT_OK(eu_sid_add(&o, SID, EDGE, ENDMT_SID_F_ENDMT, 0), "sid add") ||
	    !ASSERT_OK(bpf_map_update_elem(gfd, &k, &g, BPF_F_LOCK) ? -errno : 0, "group add"))
		goto out;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		uint8_t *bth;

		make_case(&c, &base5);
		steps[i].fn(&c);
		bth = c.pkt + c.meta.inner_off + W_IN_BTH;	/* XDP does not read the ICRC */
		bth[9] = (uint8_t)(steps[i].psn >> 16);
		bth[10] = (uint8_t)(steps[i].psn >> 8);
		bth[11] = (uint8_t)steps[i].psn;
		run_one(&o, fd, c.pkt, c.len, steps[i].stat, NULL, 0, "data_psn");
		if (!ASSERT_OK(bpf_map_lookup_elem_flags(gfd, &k, &g, BPF_F_LOCK) ? -errno : 0,
			       "group lookup"))
			break;
		ASSERT_TRUE(g.state & ENDMT_GS_DATA_FWD, "data_psn valid");
		ASSERT_EQ(g.data_psn, steps[i].want, "data_psn");
	}
	/* another group's packet (DestQPN 4661): this group's bound stays */
	make_case(&c, &base5);
	c.pkt[c.meta.inner_off + W_IN_BTH + 7] ^= 1;
	run_one(&o, fd, c.pkt, c.len, ENDMT_STAT_ENDMT_RX, NULL, 0, "other group");
	if (ASSERT_OK(bpf_map_lookup_elem_flags(gfd, &k, &g, BPF_F_LOCK) ? -errno : 0, "lookup"))
		ASSERT_EQ(g.data_psn, 0x000003, "data_psn of another group's packet");
out:
	eu_close(&o);
}

/* A strict SID with its group configured: a packet passes with the STRICT
 * metadata flag for TC; one in chain mode is refused (apply's trees end at
 * the edge). */
static void test_strict(void)
{
	static struct xcase c;
	static uint8_t exp[EU_MAXPKT + 64];
	struct endmt_group_key k = { .dqpn = 4660 };
	struct in6_addr proxy = endmt_in6(PROXY);
	struct xparams p = base5;
	struct endmt_group g = {};
	struct eu_obj o;
	size_t el;
	int fd;

	if (!ASSERT_OK(eu_open(&o, 0), "open edge object"))
		return;
	fd = bpf_program__fd(o.skel->progs.endmt_edge_xdp);
	memcpy(k.proxy, &proxy, 16);
	if (!ASSERT_OK(eu_sid_add(&o, SID, EDGE, ENDMT_SID_F_ENDMT | ENDMT_SID_F_STRICT, 0), "sid") ||
	    !ASSERT_OK(bpf_map_update_elem(bpf_map__fd(o.skel->maps.endmt_groups), &k, &g,
					   BPF_F_LOCK) ? -errno : 0, "group"))
		goto out;
	make_case(&c, &p);
	c.meta.flags |= ENDMT_META_F_STRICT;
	el = expect_pass(exp, c.pkt, c.len, &c.meta, &c.new_da, c.new_sl);
	run_one(&o, fd, c.pkt, c.len, ENDMT_STAT_ENDMT_RX, exp, el, "strict, group known");
	p.chain = 1;
	make_case(&c, &p);
	run_one(&o, fd, c.pkt, c.len, ENDMT_STAT_DROP_CHAIN_STRICT, NULL, 0, "strict, chain mode");
out:
	eu_close(&o);
}

static uint32_t rnd(void) { return (uint32_t)rand(); }

/* Random damage to a valid frame: the kinds a broken encoder, a broken
 * link or an attacker produce. */
static void mutate(struct xcase *c)
{
	size_t hdr_end = (size_t)c->meta.inner_off + 80 < c->len ? (size_t)c->meta.inner_off + 80 : c->len;
	int n = 1 + (int)(rnd() % 3), k;

	for (k = 0; k < n; k++) {
		switch (rnd() % 8) {
		case 0: case 1:		/* one header octet */
			c->pkt[rnd() % hdr_end] = (uint8_t)rnd();
			break;
		case 2:			/* one bit anywhere in the headers */
			c->pkt[rnd() % hdr_end] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 3:			/* truncate */
			c->len = rnd() % c->len;
			hdr_end = hdr_end < c->len ? hdr_end : c->len;
			if (!hdr_end)
				return;
			break;
		case 4:			/* trailing junk */
			if (c->len + 16 < EU_MAXPKT) {
				size_t j, m = 1 + rnd() % 16;

				for (j = 0; j < m; j++)
					c->pkt[c->len + j] = (uint8_t)rnd();
				c->len += m;
			}
			break;
		case 5: {		/* a length field, nudged */
			int w = (int)(rnd() % 7), d = (int)(rnd() % 5) - 2;
			size_t off;

			switch (w) {
			case 0: off = W_OUT_PLEN + 1; break;		/* outer plen */
			case 1: off = W_SRH_HDRLEN; break;		/* hdrlen */
			case 2: off = W_SRH_LE; break;			/* last entry */
			case 3: off = c->meta.tlv_off[rnd() % c->meta.ntlv] +
				      (rnd() % 2 ? W_MT_NRCV : W_TLV_LEN); break; /* TLV len/nrcv */
			case 4: off = c->meta.inner_off + W_IP6_PLEN + 1; break; /* inner plen */
			case 6: off = W_SRH_SL; break;			/* SL */
			default: off = c->meta.inner_off + W_IN_UDP_LEN + 1; break; /* UDP len */
			}
			if (off < c->len)
				c->pkt[off] = (uint8_t)(c->pkt[off] + d);
			break;
		}
		case 6:			/* a TLV octet */
			c->pkt[W_SRH_SEGS + rnd() % (c->meta.inner_off - W_SRH_SEGS)] = (uint8_t)rnd();
			break;
		default:		/* inner header octet */
			c->pkt[c->meta.inner_off + rnd() % 64] = (uint8_t)rnd();
			break;
		}
	}
}

static void test_fuzz(void)
{
	static const struct xparams bases[] = {
		{ .nrcv = 5, .per_tlv = 11, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 64 },
		{ .nrcv = 12, .per_tlv = 11, .other_first = 1, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 32 },
		{ .nrcv = 7, .per_tlv = 3, .pads = 1, .chain = 1, .opcode = ENDMT_OP_SEND_FIRST, .paylen = 40 },
		{ .nrcv = 4, .per_tlv = 11, .opcode = ENDMT_OP_WRITE_FIRST, .paylen = 16 },
		{ .nrcv = 6, .per_tlv = 4, .reduced = 1, .chain = 1, .opcode = ENDMT_OP_SEND_ONLY, .paylen = 24 },
	};
	static struct xcase c;
	static uint8_t exp[EU_MAXPKT + 64];
	struct refcfg cfg = { .sid = endmt_in6(SID), .edge = endmt_in6(EDGE),
			      .flags = ENDMT_SID_F_ENDMT, .max_rcv = 16,
			      .tlv_type = ENDMT_TLV_ENDMT_DEFAULT };
	int iter, fails = 0, hist[ENDMT_STAT_MAX] = {0}, kinds = 0, i;
	struct eu_obj o;
	int fd;

	if (!ASSERT_OK(eu_open(&o, 0), "open edge object"))
		return;
	fd = bpf_program__fd(o.skel->progs.endmt_edge_xdp);
	ASSERT_OK(eu_sid_add(&o, SID, EDGE, ENDMT_SID_F_ENDMT, 16), "sid add");
	srand(4791);
	for (iter = 0; iter < 6000 && fails < 5; iter++) {
		struct endmt_meta m;
		size_t el = 0;
		int st;
		char name[64];

		make_case(&c, &bases[iter % (int)(sizeof(bases) / sizeof(bases[0]))]);
		mutate(&c);
		if (c.len < 14)		/* BPF_PROG_TEST_RUN needs an Ethernet header */
			c.len = 14;
		st = ref_classify(c.pkt, c.len, &cfg, &m);
		hist[st]++;
		if (st == ENDMT_STAT_ENDMT_RX) {
			struct in6_addr da;

			memcpy(&da, c.pkt + W_SRH_SEG(c.pkt[W_SRH_SL] - 1), 16);
			el = expect_pass(exp, c.pkt, c.len, &m, &da, (uint8_t)(c.pkt[W_SRH_SL] - 1));
		} else if (st == ENDMT_STAT_PASS_NOT_OURS) {
			memcpy(exp, c.pkt, c.len), el = c.len;
		}
		snprintf(name, sizeof(name), "fuzz iteration %d", iter);
		if (!run_one(&o, fd, c.pkt, c.len, st, el ? exp : NULL, el, name))
			fails++;
	}
	for (i = 0; i < ENDMT_STAT_MAX; i++)
		kinds += hist[i] > 0;
	if (tp_verbose)
		for (i = 0; i < ENDMT_STAT_MAX; i++)
			if (hist[i])
				printf("    %-26s %d\n", tu_stat_names[i], hist[i]);
	ASSERT_EQ(fails, 0, "fuzz mismatches");
	/* The mutations must reach most reasons, or the fuzz proves little. */
	ASSERT_GE(kinds, 13, "distinct verdict reasons reached");
	ASSERT_GE(hist[ENDMT_STAT_ENDMT_RX], 100, "mutated packets still valid");
	eu_close(&o);
}

void test_edge_xdp(void)
{
	test_table();
	if (test__start_subtest("tlv_type_knob"))
		test_tlv_type();
	if (test__start_subtest("data_psn"))
		test_data_psn();
	if (test__start_subtest("strict_sid"))
		test_strict();
	if (test__start_subtest("fuzz_vs_reference"))
		test_fuzz();
}
