/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RFC 9524 replication end to end through real veths, three private
 * network namespaces:
 *   A: inj --- e0 :T (endmt_transit_tc on e0 ingress)  r0 --- p0 :R
 *                                                      r1 --- p1
 *                                                      r2 --- p2
 * T routes D0 via r0 and D1 via r1 with permanent neighbours (fast path) and
 * D2 via r2 without one: R owns D2 on p2 and answers ND, so the first copy
 * to D2 takes the slow path through T's stack.  Frames are sent from A over
 * AF_PACKET, copies read on p0..p2 and compared byte for byte with frames
 * built by lib/pkt.h (endmt_build_encap: downstream SID as DA, hop limit - 1,
 * the MACs of the T-R link). */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <sys/socket.h>
#include "repl_util.h"

/* Entries: RSID -> D0 D1 D2, RSID2 -> D0 D1. */
#define NRV    3
#define CAP    EU_MAXPKT

static const char *const dsid[NRV] = { "fd00:d0::1", "fd00:d1::1", "fd00:d2::1" };
static const uint8_t mac_inj[6] = { 0x02, 0x9f, 0, 0, 0, 0x01 };
static const uint8_t mac_e0[6]  = { 0x02, 0x9f, 0, 0, 0, 0x02 };
static const uint8_t mac_r[NRV][6] = { { 0x02, 0x9f, 0, 0, 1, 0x10 },
				       { 0x02, 0x9f, 0, 0, 1, 0x11 },
				       { 0x02, 0x9f, 0, 0, 1, 0x12 } };
static const uint8_t mac_p[NRV][6] = { { 0x02, 0x9f, 0, 0, 2, 0x10 },
				       { 0x02, 0x9f, 0, 0, 2, 0x11 },
				       { 0x02, 0x9f, 0, 0, 2, 0x12 } };

struct env {
	char ns_a[32], ns_t[32], ns_r[32], pin_root[128];
	struct endmt_transit *skel;
	int inj_fd, cap_fd[NRV], inj_ifindex, stats_fd, repl_fd;
};

static void env_down(struct env *e)
{
	int i;

	if (e->inj_fd > 0)
		close(e->inj_fd);
	for (i = 0; i < NRV; i++)
		if (e->cap_fd[i] > 0)
			close(e->cap_fd[i]);
	TU_SKEL_CLOSE(endmt_transit, &e->skel, e->pin_root);
	/* Deleting the namespaces removes the veths and the clsact qdisc. */
	tu_netns_del(e->ns_a);
	tu_netns_del(e->ns_t);
	tu_netns_del(e->ns_r);
}

static int env_up(struct env *e)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = 1, .priority = 1);
	char m1[32], dev[2][8];
	int i, err;

	memset(e, 0, sizeof(*e));
	snprintf(e->ns_a, sizeof(e->ns_a), "repl-a-%d", (int)getpid());
	snprintf(e->ns_t, sizeof(e->ns_t), "repl-t-%d", (int)getpid());
	snprintf(e->ns_r, sizeof(e->ns_r), "repl-r-%d", (int)getpid());
	if (tu_netns_add(e->ns_a, 0) || tu_netns_add(e->ns_t, 1) || tu_netns_add(e->ns_r, 0))
		return -EIO;
	/* A only injects: without IPv6 on inj it sends no RS/MLD/ND of its
	 * own, so every frame reaching e0 is one of ours (pass_not_ours is
	 * asserted exactly). */
	if (tu_sh("ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
		  "net.ipv6.conf.default.disable_ipv6=1", e->ns_a))
		return -EIO;
	if (tu_veth_add(e->ns_a, "inj", mac_inj, e->ns_t, "e0", mac_e0))
		return -EIO;
	for (i = 0; i < NRV; i++) {
		snprintf(dev[0], sizeof(dev[0]), "r%d", i);
		snprintf(dev[1], sizeof(dev[1]), "p%d", i);
		if (tu_veth_add(e->ns_t, dev[0], mac_r[i], e->ns_r, dev[1], mac_p[i]) ||
		    tu_sh("ip -n %s addr add fd00:a%d::1/64 dev r%d nodad && "
			  "ip -n %s addr add fd00:a%d::2/64 dev p%d nodad && "
			  "ip -n %s -6 route add %s/128 dev r%d",
			  e->ns_t, i, i, e->ns_r, i, i, e->ns_t, dsid[i], i))
			return -EIO;
		/* D2 is left to neighbour discovery: R really owns it. */
		if (i < 2 ? tu_sh("ip -n %s -6 neigh add %s lladdr %s dev r%d nud permanent",
				  e->ns_t, dsid[i], tu_mac_str(mac_p[i], m1), i) :
			    tu_sh("ip -n %s addr add %s/128 dev p%d nodad", e->ns_r, dsid[i], i))
			return -EIO;
	}

	err = tu_packet_sock(e->ns_a, "inj", SOCK_NONBLOCK, &e->inj_ifindex);
	if (err < 0)
		return err;
	e->inj_fd = err;
	for (i = 0; i < NRV; i++) {
		snprintf(dev[1], sizeof(dev[1]), "p%d", i);
		err = tu_packet_sock(e->ns_r, dev[1], SOCK_NONBLOCK, NULL);
		if (err < 0)
			return err;
		e->cap_fd[i] = err;
	}

	err = TU_SKEL_LOAD(endmt_transit, &e->skel, e->pin_root, (void)0);
	if (err)
		return err;
	e->stats_fd = bpf_map__fd(e->skel->maps.endmt_stats);
	e->repl_fd = bpf_map__fd(e->skel->maps.endmt_repl);
	/* This thread only: the test runs in its own thread. */
	err = tu_netns_enter(e->ns_t, NULL);
	if (err)
		return err;
	hook.ifindex = (int)if_nametoindex("e0");
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	tco.prog_fd = bpf_program__fd(e->skel->progs.endmt_transit_tc);
	err = bpf_tc_attach(&hook, &tco);
	if (err)
		return err;
	err = ru_repl_set(e->repl_fd, RSID, 3, dsid, 3);
	if (!err)
		err = ru_repl_set(e->repl_fd, RSID2, 2, dsid, 2);
	return err;
}

/* Outer IPv6 frames only, as received (the peers' own ND and ICMP errors,
 * and anything they send, are not copies). */
static bool is_outer_ip6(const uint8_t *f, size_t len, int pkttype)
{
	return pkttype != PACKET_OUTGOING && len >= 54 && f[12] == 0x86 && f[13] == 0xdd &&
	       (f[20] == ENDMT_NEXTHDR_ROUTING || f[20] == ENDMT_NEXTHDR_IPV6);
}

static size_t collect(struct env *e, struct tu_frame *out, size_t max, size_t want,
		      int timeout_ms)
{
	return tu_collect(e->cap_fd, NRV, is_outer_ip6, out, max, want, timeout_ms);
}

static int inject(struct env *e, const uint8_t *f, size_t len)
{
	return tu_packet_send(e->inj_fd, e->inj_ifindex, mac_e0, f, len);
}

/* The inner RoCEv2 packet (IPv6 onward), as the head emits it. */
static size_t inner_pkt(uint8_t *out, size_t paylen, int udp_csum)
{
	static uint8_t pay[2048];
	struct endmt_roce_spec s = {0};
	size_t i;

	for (i = 0; i < paylen; i++)
		pay[i] = (uint8_t)(i * 11 + 5);
	s.saddr = endmt_in6(PROXY);
	s.daddr = endmt_in6(PROXY);
	s.opcode = ENDMT_OP_WRITE_ONLY;
	s.has_reth = 1;
	s.reth_va = 0x1000;
	s.reth_rkey = 0x77;
	s.reth_len = (uint32_t)paylen;
	s.dqpn = 4660;
	s.psn = 0xffffff;
	s.udp_csum = udp_csum;
	s.payload = pay;
	s.paylen = paylen;
	return ru_roce_ip6(out, &s);
}

/* Head frame to RSID (repl_util.h), three receivers in its End.MT TLV;
 * with da given, a downstream's copy. */
static size_t srh_frame(uint8_t *out, const char *da, uint8_t hl, const uint8_t *dmac,
			const uint8_t *smac, size_t paylen)
{
	static uint8_t inner[CAP];
	struct endmt_rcv_ent rcv[3] = { { endmt_in6("fd00:b0::2"), 0x10 },
					{ endmt_in6("fd00:b0::3"), 0x11 },
					{ endmt_in6("fd00:b0::4"), 0x12 } };
	struct endmt_edge_ent edge = { endmt_in6("fd00:e0::1"), 3, rcv };
	size_t il = inner_pkt(inner, paylen, 0);

	return ru_srh_frame(out, da, hl, dmac, smac, &edge, inner, il);
}

/* IPv6-in-IPv6 without an SRH. */
static size_t ipip_frame(uint8_t *out, const char *da, uint8_t hl, const uint8_t *dmac,
			 const uint8_t *smac, size_t paylen)
{
	size_t il = inner_pkt(out + ENDMT_ETH_HLEN + 40, paylen, 1);

	return ru_plain_frame(out, da, hl, ENDMT_NEXTHDR_IPV6, dmac, smac, il);
}

typedef size_t (*frame_fn)(uint8_t *out, const char *da, uint8_t hl, const uint8_t *dmac,
			   const uint8_t *smac, size_t paylen);

/* Sends one frame to `to` and expects exactly one copy per downstream k <
 * ndown (on p<k>, DA dsid[k], hop limit hl - 1), byte for byte. */
static void copies_case(struct env *e, const char *name, frame_fn fn, const char *to,
			uint8_t hl, size_t paylen, int ndown, uint64_t *d)
{
	static uint8_t f[CAP], exp[CAP];
	static struct tu_frame got[32];
	uint64_t a[ENDMT_STAT_MAX], b[ENDMT_STAT_MAX];
	size_t len, el, n, j, i;
	int k, matched[32] = {0};

	len = fn(f, to, hl, mac_e0, mac_inj, paylen);
	collect(e, got, 32, 1u << 30, 60);	/* drain */
	tu_stats_read(e->stats_fd, a);
	if (!ASSERT_OK(inject(e, f, len), "inject"))
		return;
	n = collect(e, got, 32, (size_t)ndown, 3000);
	tu_stats_read(e->stats_fd, b);
	ASSERT_EQ(n, ndown, name);
	for (k = 0; k < ndown; k++) {
		int found = 0;

		el = fn(exp, dsid[k], hl - 1, mac_p[k], mac_r[k], paylen);
		for (j = 0; j < n && !found; j++) {
			if (matched[j] || got[j].dev != k)
				continue;
			matched[j] = 1, found = 1;
			if (!ASSERT_MEMEQ(got[j].b, got[j].len, exp, el, dsid[k])) {
				const uint8_t *pk[2] = { got[j].b, exp };
				size_t ln[2] = { got[j].len, el };

				tu_pcap_write("/tmp/endmt-repl-veth-fail.pcap", pk, ln, 2);
			}
		}
		if (!found)
			tp_fail(__FILE__, __LINE__, "%s: no copy on p%d for %s", name, k, dsid[k]);
	}
	for (i = 0; i < ENDMT_STAT_MAX; i++)
		d[i] = b[i] - a[i];
}

/* Sends a frame that must produce no copy at all, and one named counter. */
static void drop_case(struct env *e, const char *name, const uint8_t *f, size_t len,
		      enum endmt_stat st)
{
	static struct tu_frame got[8];
	uint64_t a[ENDMT_STAT_MAX], b[ENDMT_STAT_MAX];
	size_t n;

	collect(e, got, 8, 1u << 30, 60);
	tu_stats_read(e->stats_fd, a);
	if (!ASSERT_OK(inject(e, f, len), "inject"))
		return;
	n = collect(e, got, 8, 1u << 30, 400);
	tu_stats_read(e->stats_fd, b);
	ASSERT_EQ(n, 0, name);
	ASSERT_EQ(b[st] - a[st], 1, tu_stat_names[st]);
	ASSERT_EQ(b[ENDMT_STAT_REPL_RX] - a[ENDMT_STAT_REPL_RX], 0, "repl_rx");
}

static void *veth_thread(void *arg)
{
	static uint8_t f[CAP];
	uint64_t d[ENDMT_STAT_MAX];
	struct env *e = arg;
	size_t len;

	if (!ASSERT_OK(env_up(e), "netns/veth/TC setup"))
		return NULL;

	if (test__start_subtest("srh_three_downstream_one_slow")) {
		copies_case(e, "copies", srh_frame, RSID, 64, 200, 3, d);
		ASSERT_EQ(d[ENDMT_STAT_REPL_RX], 1, "repl_rx");
		ASSERT_EQ(d[ENDMT_STAT_REPL_COPY], 2, "repl_copies");
		ASSERT_EQ(d[ENDMT_STAT_FWD_NEIGH_SLOW], 1, "fwd_neigh_slow_path (first D2 copy)");
		/* the slow-path copy came back through our program, which
		 * handed it to the stack (bpf/dp/send.h endmt_slow_path_rx) */
		ASSERT_EQ(d[ENDMT_STAT_FWD_SLOW_RX], 1, "fwd_slow_path_rx");
		ASSERT_EQ(d[ENDMT_STAT_PASS_NOT_OURS], 0, "pass_not_ours");
	}
	if (test__start_subtest("srh_neighbour_resolved")) {
		/* ND done by the stack above: all three on the fast path. */
		copies_case(e, "copies", srh_frame, RSID, 9, 1200, 3, d);
		ASSERT_EQ(d[ENDMT_STAT_REPL_COPY], 3, "repl_copies");
		ASSERT_EQ(d[ENDMT_STAT_FWD_NEIGH_SLOW], 0, "fwd_neigh_slow_path");
	}
	if (test__start_subtest("ipip_no_srh_hop_limit_2")) {
		copies_case(e, "copies", ipip_frame, RSID2, 2, 500, 2, d);
		ASSERT_EQ(d[ENDMT_STAT_REPL_RX], 1, "repl_rx");
		ASSERT_EQ(d[ENDMT_STAT_REPL_COPY], 2, "repl_copies");
	}
	if (test__start_subtest("not_ours_forwarded_by_stack")) {
		/* DA D0 itself: the program passes it, T's stack routes it to
		 * p0, the same bytes a copy to D0 has. */
		copies_case(e, "forwarded", srh_frame, dsid[0], 64, 100, 1, d);
		ASSERT_EQ(d[ENDMT_STAT_PASS_NOT_OURS], 1, "pass_not_ours");
		ASSERT_EQ(d[ENDMT_STAT_REPL_RX], 0, "repl_rx");
	}
	if (test__start_subtest("hop_limit_1_dropped")) {
		len = srh_frame(f, NULL, 1, mac_e0, mac_inj, 64);
		drop_case(e, "no copies", f, len, ENDMT_STAT_DROP_REPL_HLIM);
	}
	if (test__start_subtest("ip6_header_truncated")) {
		len = srh_frame(f, NULL, 64, mac_e0, mac_inj, 64);
		drop_case(e, "no copies", f, ENDMT_ETH_HLEN + 39, ENDMT_STAT_DROP_REPL_TRUNC);
	}
	if (test__start_subtest("payload_truncated")) {
		len = srh_frame(f, NULL, 64, mac_e0, mac_inj, 64);
		drop_case(e, "no copies", f, len - 4, ENDMT_STAT_DROP_REPL_TRUNC);
	}
	return NULL;
}

void test_transit_repl_veth(void)
{
	struct env e;
	pthread_t th;

	memset(&e, 0, sizeof(e));
	if (ASSERT_OK(pthread_create(&th, NULL, veth_thread, &e), "thread"))
		pthread_join(th, NULL);
	env_down(&e);
}
