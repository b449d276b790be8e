/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Edge replication through real veths under stress: GRO-merged datagrams
 * refused, and mutated End.MT frames whose copies and counters must still
 * add up.  Run from test_edge_veth (edge_veth.c). */
#include "edge_veth_fx.h"
#include "wire.h"

/* rx-udp-gro-forwarding on the upstream device: GRO may merge a burst of
 * End.MT datagrams of one flow (equal metadata) into one GSO skb after XDP.
 * TC must not rewrite it as one packet; it drops it, drop_gso.  Whatever
 * is not merged is replicated as usual, and every copy that leaves has a
 * right ICRC. */
void edge_veth_gro(struct env *e)
{
	static uint8_t pay[512], f[EU_MAXPKT];
	static struct tu_frame got[512];
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_MIDDLE, .paylen = 512, .hl = 64,
				 .udp_csum = 1 };	/* UDP GRO merges only checksummed datagrams */
	struct rcv r[2] = { { .qpn = 0x401 }, { .qpn = 0x402 } };
	struct eu_stats a, b;
	size_t k, n, len, bad = 0, tries;
	uint64_t gso = 0, consumed = 0, rx = 0;
	const size_t burst = 64;

	if (!ASSERT_OK(rcv_setup(e, r, 2, 0), "receivers") ||
	    !ASSERT_OK(tu_sh("ip netns exec %s ethtool -K e0 gro on rx-udp-gro-forwarding on "
			     ">/dev/null 2>&1", e->ns_e), "ethtool gro on"))
		return;
	/* Threaded NAPI: the veth's poll runs in a kthread, not right after
	 * each injected frame's transmit, so one poll sees a batch. */
	tu_sh("ip netns exec %s sh -c 'echo 1 > /sys/class/net/e0/threaded' 2>/dev/null; true",
	      e->ns_e);
	/* Aggregation depends on timing (one NAPI poll must see several
	 * frames; a loaded machine polls sooner): up to 20 bursts. */
	for (tries = 0; tries < 20 && !gso; tries++) {
		drain(e);
		eu_stats_read(&e->o, &a);
		for (k = 0; k < burst; k++) {
			in.psn = 0x1000 + (uint32_t)(tries * burst + k);
			len = build_endmt(f, &in, pay, r, 2, 0, 0);
			inject(e, f, len);
		}
		n = collect(e, got, 512, 2 * burst, 1500);
		eu_stats_read(&e->o, &b);
		gso = b.v[ENDMT_STAT_DROP_GSO] - a.v[ENDMT_STAT_DROP_GSO];
		consumed = b.v[ENDMT_STAT_ENDMT_CONSUMED] - a.v[ENDMT_STAT_ENDMT_CONSUMED];
		rx = b.v[ENDMT_STAT_ENDMT_RX] - a.v[ENDMT_STAT_ENDMT_RX];
		for (k = 0; k < n; k++)
			bad += !endmt_icrc_ok(got[k].b + W_ETH_LEN, got[k].len - W_ETH_LEN);
		ASSERT_EQ(bad, 0, "every copy's ICRC");
		ASSERT_EQ(n, 2 * consumed, "two copies per replicated packet");
		ASSERT_EQ(rx, burst, "XDP saw each datagram");
		ASSERT_GE(rx, consumed + gso, "each merged skb dropped once");
	}
	tu_sh("ip netns exec %s sh -c 'echo 0 > /sys/class/net/e0/threaded; "
	      "ethtool -K e0 gro off rx-udp-gro-forwarding off' >/dev/null 2>&1", e->ns_e);
	if (tp_verbose)
		printf("    GRO: %llu merged skbs dropped, %llu packets replicated (try %zu)\n",
		       (unsigned long long)gso, (unsigned long long)consumed, tries);
	ASSERT_GE(gso, 1, "a GRO-merged skb reached TC and was counted drop_gso");
}

/* One to three random mutations of the len-octet frame f whose inner packet
 * starts at inner_off; never any ICRC-covered inner octet but the lengths.
 * The new length. */
static size_t fuzz_mutate(uint8_t *f, size_t len, size_t inner_off)
{
	size_t k, m = 1 + (size_t)(rand() % 3);

	for (k = 0; k < m; k++) {
		int kind = rand() % 8;

		if (kind == 0)		/* truncate, never below an Ethernet minimum frame */
			len = ETH_ZLEN + (size_t)rand() % (len - ETH_ZLEN);
		else if (kind == 1)	/* inner payload length or UDP length */
			f[inner_off + (rand() % 2 ? W_IP6_PLEN : W_IN_UDP_LEN) + 1] ^=
				(uint8_t)(1 + rand() % 255);
		else			/* outer header, SRH, TLVs */
			f[W_OUT + (size_t)rand() % (inner_off - W_OUT)] = (uint8_t)rand();
	}
	return len;
}

/* Mutated End.MT frames through the real path: whatever comes out must be
 * a well-formed RoCEv2 packet to a configured receiver whose ICRC is right
 * exactly when the input's was, and the counters must explain every
 * packet and every copy. */
void edge_veth_fuzz(struct env *e)
{
	static uint8_t pay[300], f[EU_MAXPKT];
	static struct tu_frame got[2048];
	struct rcv r[6] = {0};
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_ONLY, .psn = 5, .paylen = 120,
				 .udp_csum = 1, .hl = 64 };
	struct eu_stats a, b;
	size_t len, i, j, n, sent = 0, bad_icrc = 0, inner_off;
	uint64_t in_xdp = 0, copies_cnt = 0, outcomes = 0, consumed;
	int bad = 0, iter;

	for (i = 0; i < 6; i++)
		r[i].qpn = 300 + (uint32_t)i;
	if (!ASSERT_OK(rcv_setup(e, r, 6, 0), "receivers"))
		return;
	drain(e);
	eu_stats_read(&e->o, &a);
	srand(9);
	for (iter = 0; iter < 400; iter++) {
		len = build_endmt(f, &in, pay, r, 6, 0, iter & 1);
		inner_off = len - (W_IN_BTH + sizeof(struct endmt_bth) + in.paylen + ENDMT_ICRC_LEN);
		len = fuzz_mutate(f, len, inner_off);
		if (!ASSERT_OK(inject(e, f, len), "inject"))
			break;
		sent++;
		usleep(300);	/* stay under the veth backlog and socket buffers */
	}
	n = collect(e, got, 2048, 1u << 30, 1500);
	eu_stats_read(&e->o, &b);
	for (i = 0; i < n; i++) {
		const uint8_t *ip6 = got[i].b + W_ETH_LEN;
		size_t plen = (size_t)(ip6[W_IP6_PLEN] << 8 | ip6[W_IP6_PLEN + 1]);
		int known = 0;

		if (ip6[W_IP6_NEXTHDR] != IPPROTO_UDP || got[i].len != W_ETH_LEN + W_IP6_LEN + plen ||
		    plen < W_IN_RETH - W_IN_UDP + ENDMT_ICRC_LEN ||
		    (size_t)(ip6[W_IN_UDP_LEN] << 8 | ip6[W_IN_UDP_LEN + 1]) != plen) {
			bad++;
			continue;
		}
		for (j = 0; j < 6; j++)
			if (!memcmp(ip6 + W_IP6_DADDR, &r[j].addr, 16) && got[i].dev == r[j].dev)
				known = 1;
		if (!known)
			bad++;
		if (!endmt_icrc_ok(ip6, W_IP6_LEN + plen))
			bad_icrc++;
	}
	for (i = 0; i < (size_t)ENDMT_STAT_MAX; i++) {
		uint64_t d = b.v[i] - a.v[i];

		switch (i) {
		case ENDMT_STAT_FWD_COPY: case ENDMT_STAT_FWD_NEIGH_SLOW: case ENDMT_STAT_FWD_NO_ROUTE:
		case ENDMT_STAT_FWD_MTU: case ENDMT_STAT_DROP_CLONE: case ENDMT_STAT_DROP_RCV_INVALID:
			outcomes += d;
			if (i == ENDMT_STAT_FWD_COPY)
				copies_cnt += d;
			break;
		case ENDMT_STAT_ENDMT_CONSUMED: case ENDMT_STAT_DROP_META: case ENDMT_STAT_DROP_DECAP:
		case ENDMT_STAT_FWD_CHAIN: case ENDMT_STAT_DROP_CHAIN_HLIM:
		case ENDMT_STAT_DROP_ECN_NOT_ECT:
			break;		/* TC side of packets already counted by XDP */
		case ENDMT_STAT_PASS_NOT_OURS:	/* XDP's verdict, then TC's again */
			in_xdp += d / 2;
			break;
		default:
			in_xdp += d;	/* every XDP verdict */
			break;
		}
	}
	ASSERT_EQ(bad, 0, "malformed or misaddressed copies emitted");
	ASSERT_EQ(in_xdp, sent, "every injected packet has one XDP verdict");
	ASSERT_EQ(b.v[ENDMT_STAT_ENDMT_RX] - a.v[ENDMT_STAT_ENDMT_RX],
		  b.v[ENDMT_STAT_ENDMT_CONSUMED] - a.v[ENDMT_STAT_ENDMT_CONSUMED] +
		  b.v[ENDMT_STAT_DROP_META] - a.v[ENDMT_STAT_DROP_META] +
		  b.v[ENDMT_STAT_DROP_DECAP] - a.v[ENDMT_STAT_DROP_DECAP] +
		  b.v[ENDMT_STAT_DROP_ECN_NOT_ECT] - a.v[ENDMT_STAT_DROP_ECN_NOT_ECT],
		  "TC explains every End.MT packet");
	ASSERT_EQ(copies_cnt, n, "fwd_copies == copies seen");
	ASSERT_GE(b.v[ENDMT_STAT_ENDMT_RX] - a.v[ENDMT_STAT_ENDMT_RX], 20, "some mutants still valid");
	/* Mutations never touch ICRC-covered inner octets except lengths,
	 * which the edge rejects: so every copy must carry a valid ICRC. */
	ASSERT_EQ(bad_icrc, 0, "copies with a wrong ICRC");
	/* Mutated receiver addresses have no route here: those copies are
	 * counted, not sent.  Each replicated packet tries one copy per
	 * receiver of its TLVs, and each try ends in exactly one outcome
	 * counter (outcomes already holds copies_cnt, so comparing the two
	 * proves nothing): at most the hard cap per packet, and at least one,
	 * since a mutant with no receivers left needs two octets set to
	 * matching values (TLV length 22 and count 0), out of reach of a few
	 * random octets per frame. */
	consumed = b.v[ENDMT_STAT_ENDMT_CONSUMED] - a.v[ENDMT_STAT_ENDMT_CONSUMED];
	if (tp_verbose)
		printf("    fuzz: %llu replicated, %llu copy tries, %llu copies sent\n",
		       (unsigned long long)consumed, (unsigned long long)outcomes,
		       (unsigned long long)copies_cnt);
	ASSERT_GE(outcomes, consumed, "every replicated packet tried a copy");
	ASSERT_GE(consumed * ENDMT_MAX_RCV, outcomes, "no more copy tries than receivers");
	ASSERT_GE(outcomes - copies_cnt, 1, "unrouted mutants counted, not sent");
}
