/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Head (H.Encaps.MT) under BPF_PROG_TEST_RUN: frames that are not the
 * group's, or broken, each with its verdict and its one counter.  Run from
 * test_head (head.c), which owns the loaded object. */
#include "head_fx.h"
#include "wire.h"
#include "util.h"

/* Frames that are not the group's, or broken: table-driven. */
enum mut {
	M_OTHER_DA, M_OTHER_QPN, M_PORT, M_IPV4, M_ARP, M_EXTHDR,
	M_TRUNC_UDP, M_TRUNC_BTH_OTHER, M_TRUNC_BTH_PROXY, M_TRUNC_QPN_PROXY,
	M_PLEN_LONG, M_ULEN_DIFF, M_PLEN_SHORT, M_ODD_LEN, M_WRONG_SRC, M_NO_GROUP,
	M_GSO, M_ULEN_61, M_ULEN_62, M_ULEN_63, M_OP_READ, M_OP_CMPSWAP, M_OP_FETCHADD,
	M_OP_ACK, M_OP_SEND_INV, M_OP_UC,
};

struct neg_case {
	const char *name;
	enum mut m;
	uint32_t ret;
	enum endmt_stat stat;
};

static const struct neg_case neg_cases[] = {
	{ "other_da",            M_OTHER_DA,        TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "other_qpn",           M_OTHER_QPN,       TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "not_4791",            M_PORT,            TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "ipv4",                M_IPV4,            TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "arp",                 M_ARP,             TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "ipv6_ext_header",     M_EXTHDR,          TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	/* A frame cut inside the IPv6 header: BPF_PROG_TEST_RUN refuses it
	 * (-EINVAL), so head_veth sends one over a real veth instead. */
	{ "trunc_udp",           M_TRUNC_UDP,       TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "trunc_bth_other_da",  M_TRUNC_BTH_OTHER, TC_ACT_OK,   ENDMT_STAT_PASS_NOT_OURS },
	{ "trunc_bth_proxy",     M_TRUNC_BTH_PROXY, TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
	{ "trunc_qpn_proxy",     M_TRUNC_QPN_PROXY, TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
	{ "payload_len_long",    M_PLEN_LONG,       TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
	{ "udp_len_differs",     M_ULEN_DIFF,       TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
	{ "payload_len_short",   M_PLEN_SHORT,      TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
	{ "length_not_4n",       M_ODD_LEN,         TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_UNPADDED },
	{ "udp_length_61",       M_ULEN_61,         TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_UNPADDED },
	{ "udp_length_62",       M_ULEN_62,         TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_UNPADDED },
	{ "udp_length_63",       M_ULEN_63,         TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_UNPADDED },
	/* One request to many: only SEND/WRITE (0x00-0x0b) have no response
	 * beyond the ACK the reverse path aggregates. */
	{ "opcode_read",         M_OP_READ,         TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "opcode_cmpswap",      M_OP_CMPSWAP,      TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "opcode_fetchadd",     M_OP_FETCHADD,     TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "opcode_ack",          M_OP_ACK,          TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "opcode_send_inv",     M_OP_SEND_INV,     TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "opcode_uc_send",      M_OP_UC,           TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_OPCODE },
	{ "wrong_source",        M_WRONG_SRC,       TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_SRC },
	{ "template_no_group",   M_NO_GROUP,        TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_NO_GROUP },
	{ "gso_skb",             M_GSO,             TC_ACT_SHOT, ENDMT_STAT_DROP_HEAD_MALFORMED },
};

/* The mutations made before the frame is built: other addresses, QPNs. */
static void neg_spec(enum mut m, struct endmt_roce_spec *s)
{
	switch (m) {
	case M_OTHER_DA:
	case M_TRUNC_BTH_OTHER:
		s->daddr = endmt_in6("fd00:ff::2");
		break;
	case M_OTHER_QPN:
		s->dqpn = DQPN + 1;
		break;
	case M_WRONG_SRC:
		s->saddr = endmt_in6("fd00:10::3");
		break;
	case M_NO_GROUP:
		s->dqpn = DQPN + 2;	/* template only, see test_negative */
		break;
	default:
		break;
	}
}

/* The mutations of the built frame f (n octets); its new length. */
static int neg_frame(enum mut m, uint8_t *f, int n, struct __sk_buff *ctx)
{
	uint8_t *ip6 = f + ENDMT_ETH_HLEN;

	switch (m) {
	case M_PORT:
		put16(ip6 + W_IN_UDP_DPORT, ENDMT_ROCE_PORT + 1);
		break;
	case M_IPV4: {
		/* IPv4/UDP/4791 with the same BTH: RoCEv2 over IPv4 is not
		 * what the head matches. */
		static const uint8_t v4[20] = { 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0,
						10, 0, 0, 1, 10, 0, 0, 2 };
		memmove(ip6 + 20, ip6 + 40, (size_t)n - ENDMT_ETH_HLEN - 40);
		memcpy(ip6, v4, 20);
		put16(ip6 + 2, (uint16_t)(n - ENDMT_ETH_HLEN - 20));
		put16(f + W_ETH_PROTO, ETH_P_IP);
		n -= 20;
		break;
	}
	case M_ARP:
		put16(f + W_ETH_PROTO, ETH_P_ARP);
		n = ENDMT_ETH_HLEN + 28;
		memset(ip6, 0x11, 28);
		break;
	case M_EXTHDR:
		/* Hop-by-hop PadN before UDP: 8 octets inserted. */
		memmove(ip6 + W_IP6_LEN + 8, ip6 + W_IP6_LEN, (size_t)n - ENDMT_ETH_HLEN - W_IP6_LEN);
		ip6[W_IP6_LEN] = IPPROTO_UDP, ip6[W_IP6_LEN + 1] = 0;	/* next header, 8 octets */
		ip6[W_IP6_LEN + 2] = 1, ip6[W_IP6_LEN + 3] = 4;	/* option PadN (RFC 8200 §4.2), 4 octets */
		memset(ip6 + W_IP6_LEN + 4, 0, 4);
		ip6[W_IP6_NEXTHDR] = IPPROTO_HOPOPTS;
		put16(ip6 + W_IP6_PLEN, (uint16_t)((ip6[W_IP6_PLEN] << 8 | ip6[W_IP6_PLEN + 1]) + 8));
		n += 8;
		break;
	case M_TRUNC_UDP:
		n = ENDMT_ETH_HLEN + W_IN_BTH - 2;
		break;
	case M_TRUNC_BTH_OTHER:
	case M_TRUNC_BTH_PROXY:
		n = ENDMT_ETH_HLEN + W_IN_BTH + offsetof(struct endmt_bth, ar_psn) + 2; /* DestQPN there, PSN cut */
		break;
	case M_TRUNC_QPN_PROXY:
		n = ENDMT_ETH_HLEN + W_IN_BTH + offsetof(struct endmt_bth, fb_dqpn) + 1;
		break;
	case M_PLEN_LONG:
		n -= 8;		/* the frame lost its tail; headers still claim it */
		break;
	case M_ULEN_DIFF:
		put16(ip6 + W_IN_UDP_LEN, (uint16_t)((ip6[W_IN_UDP_LEN] << 8 | ip6[W_IN_UDP_LEN + 1]) - 4));
		break;
	case M_PLEN_SHORT:
		/* payload length (= UDP length) below UDP + BTH + ICRC */
		put16(ip6 + W_IP6_PLEN, 20);
		put16(ip6 + W_IN_UDP_LEN, 20);
		break;
	case M_ODD_LEN:
		put16(ip6 + W_IP6_PLEN, (uint16_t)((ip6[W_IP6_PLEN] << 8 | ip6[W_IP6_PLEN + 1]) - 1));
		put16(ip6 + W_IN_UDP_LEN, (uint16_t)((ip6[W_IN_UDP_LEN] << 8 | ip6[W_IN_UDP_LEN + 1]) - 1));
		n -= 1;
		break;
	case M_ULEN_61:
	case M_ULEN_62:
	case M_ULEN_63:
		/* UDP length 61..63, consistent everywhere: only the padding
		 * rule is broken. */
		n = ENDMT_ETH_HLEN + W_IP6_LEN + 61 + (m - M_ULEN_61);
		put16(ip6 + W_IP6_PLEN, (uint16_t)(n - ENDMT_ETH_HLEN - W_IP6_LEN));
		put16(ip6 + W_IN_UDP_LEN, (uint16_t)(n - ENDMT_ETH_HLEN - W_IP6_LEN));
		break;
	case M_OP_READ: ip6[W_IN_OPCODE] = ENDMT_OP_READ_REQ; break;
	case M_OP_CMPSWAP: ip6[W_IN_OPCODE] = 0x13; break;
	case M_OP_FETCHADD: ip6[W_IN_OPCODE] = 0x14; break;
	case M_OP_ACK: ip6[W_IN_OPCODE] = ENDMT_OP_ACK; break;
	case M_OP_SEND_INV: ip6[W_IN_OPCODE] = 0x17; break;
	case M_OP_UC: ip6[W_IN_OPCODE] = 0x24; break;
	case M_GSO:
		ctx->gso_size = 1000;
		ctx->gso_segs = 2;
		break;
	default:
		break;
	}
	return n;
}

static int build_neg(enum mut m, uint8_t *f, size_t cap, struct __sk_buff *ctx)
{
	static uint8_t pay[64];
	struct endmt_roce_spec s;
	int n;

	roce_spec(&s, pay, sizeof(pay));
	neg_spec(m, &s);
	n = endmt_build_roce(f, cap, &s);
	return n < 0 ? n : neg_frame(m, f, n, ctx);
}

void head_negative(struct head_env *e)
{
	static uint8_t f[FRAME_CAP];
	struct tmpl_cfg t[3];
	size_t i;

	rcv_pool_init();	/* this file's copy of the pool (head_fx.h) */
	tmpl_cfgs(t);
	if (!ASSERT_OK(config_group(e, PROXY, DQPN, SRC, &t[0], 1), "config") ||
	    !ASSERT_OK(config_group(e, PROXY, DQPN + 2, SRC, &t[0], 0), "config no group"))
		return;
	for (i = 0; i < sizeof(neg_cases) / sizeof(neg_cases[0]); i++) {
		const struct neg_case *nc = &neg_cases[i];
		struct __sk_buff ctx;
		int n;

		if (!test__start_subtest(nc->name))
			continue;
		memset(&ctx, 0, sizeof(ctx));
		n = build_neg(nc->m, f, sizeof(f), &ctx);
		if (!ASSERT_GE(n, ENDMT_ETH_HLEN, "build"))
			continue;
		run_case(e, nc->name, f, (size_t)n, nc->ret, nc->stat, NULL, 0,
			 nc->m == M_GSO ? &ctx : NULL);
	}
}

