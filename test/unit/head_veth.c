/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The head on a real device: three private network namespaces
 *   S (source) hs0 --- hh0 H (head, endmt_head_tc on hh0 ingress) hh1 --- hp1 P
 * H routes the outer DA (a unicast SID) to P with a real route; frames are
 * sent from S and read in P with AF_PACKET sockets.  Each received frame is
 * compared byte-for-byte with the expected one (forwarded: hop limit 63, the
 * MACs of the H-P link) and decoded with the SRH parser.  Payloads up to
 * 4096 octets, beyond what BPF_PROG_TEST_RUN accepts. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "test_progs.h"
#include "testutil.h"
#include "endmt/maps.h"
#include "endmt/roce.h"
#include "endmt/srh.h"
#include "endmt/stats.h"
#include "encap_tmpl.h"
#include "icrc_full.h"
#include "pkt.h"
#include "tlv.h"
#include "head.skel.h"

#define V_PROXY "fd00:ff::1"
#define V_SRC   "fd00:10::2"
#define V_OUTER "fd00:6::1"
#define V_SID   "fd00:99::1"
#define V_DQPN  4660

static const uint8_t mac_hs0[6] = { 0x02, 0, 0, 0, 0x10, 0x02 };
static const uint8_t mac_hh0[6] = { 0x02, 0, 0, 0, 0x10, 0x01 };
static const uint8_t mac_hh1[6] = { 0x02, 0, 0, 0, 0x20, 0x01 };
static const uint8_t mac_hp1[6] = { 0x02, 0, 0, 0, 0x20, 0x02 };

static char ns_s[32], ns_h[32], ns_p[32];

static void netns_cleanup(void)
{
	if (!ns_s[0])
		return;
	/* best effort: some may not exist */
	tu_netns_del(ns_s);
	tu_netns_del(ns_h);
	tu_netns_del(ns_p);
	ns_s[0] = 0;
}

static int netns_setup(void)
{
	char cmd[2048];
	int pid = (int)getpid();

	snprintf(ns_s, sizeof(ns_s), "endmt-head-s-%d", pid);
	snprintf(ns_h, sizeof(ns_h), "endmt-head-h-%d", pid);
	snprintf(ns_p, sizeof(ns_p), "endmt-head-p-%d", pid);
	atexit(netns_cleanup);
	snprintf(cmd, sizeof(cmd),
		 "set -e; S=%s H=%s P=%s\n"
		 "ip netns add $S; ip netns add $H; ip netns add $P\n"
		 "ip -n $H link add hh0 type veth peer name hs0 netns $S\n"
		 "ip -n $H link add hh1 type veth peer name hp1 netns $P\n"
		 "ip -n $S link set hs0 address 02:00:00:00:10:02 mtu 9000 up\n"
		 "ip -n $H link set hh0 address 02:00:00:00:10:01 mtu 9000 up\n"
		 "ip -n $H link set hh1 address 02:00:00:00:20:01 mtu 9000 up\n"
		 "ip -n $P link set hp1 address 02:00:00:00:20:02 mtu 9000 up\n"
		 "ip -n $H link set lo up\n"
		 "ip netns exec $H sysctl -qw net.ipv6.conf.all.forwarding=1\n"
		 "ip -n $H addr add %s/128 dev lo\n"
		 "ip -n $H addr add fd00:10::1/64 dev hh0 nodad\n"
		 "ip -n $H addr add fd00:20::1/64 dev hh1 nodad\n"
		 "ip -n $P addr add fd00:20::2/64 dev hp1 nodad\n"
		 "ip -n $H -6 route add %s/128 via fd00:20::2 dev hh1\n"
		 "ip -n $H -6 neigh add fd00:20::2 lladdr 02:00:00:00:20:02 dev hh1 nud permanent\n",
		 ns_s, ns_h, ns_p, V_OUTER, V_SID);
	return system(cmd) ? -EIO : 0;
}

static int attach_head(int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	int self, err = tu_netns_enter(ns_h, &self);

	if (err)
		return err;
	hook.ifindex = (int)if_nametoindex("hh0");
	err = bpf_tc_hook_create(&hook);
	if (!err || err == -EEXIST)
		err = bpf_tc_attach(&hook, &opts);
	if (tu_netns_leave(self) && !err)
		err = -EIO;
	return err;
}

/* The next IPv6 frame with a Routing header read from fd (ND, MLD and
 * other noise skipped), or 0 after 2 s. */
static ssize_t recv_encap(int fd, uint8_t *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, 2000) > 0) {
		ssize_t n = recv(fd, buf, cap, 0);

		if (n >= ENDMT_ETH_HLEN + 40 && buf[12] == 0x86 && buf[13] == 0xdd &&
		    buf[ENDMT_ETH_HLEN + 6] == ENDMT_NEXTHDR_ROUTING)
			return n;
	}
	return 0;
}

/* Room for one frame: the largest payload (4096) and every header. */
#define VETH_FRAME_MAX 9000

/* The source's frame of size sz (PSN i) into in, and what P must receive
 * into exp: the inner packet with SA = Proxy (full ICRC, kept in inner)
 * encapsulated as H forwards it.  0, or -1 after a failed assertion. */
static int veth_frames(size_t i, size_t sz, const uint8_t *pay, const struct in6_addr *segs,
		       const struct in6_addr *outer, const struct in6_addr *src,
		       const struct endmt_edge_ent *edges, uint8_t *in, int *n,
		       uint8_t *inner, int *ni, uint8_t *exp, int *x)
{
	struct endmt_roce_spec s;
	struct endmt_encap_spec es;

	memset(&s, 0, sizeof(s));
	memcpy(s.smac, mac_hs0, 6);
	memcpy(s.dmac, mac_hh0, 6);
	s.saddr = *src;
	s.daddr = segs[0];
	s.opcode = ENDMT_OP_SEND_ONLY;
	s.dqpn = V_DQPN;
	s.psn = (uint32_t)i;
	s.udp_csum = (int)(i & 1);
	s.tclass = 0x6a;
	s.payload = pay;
	s.paylen = sz;
	*n = endmt_build_roce(in, VETH_FRAME_MAX, &s);
	s.saddr = segs[0];
	*ni = endmt_build_roce(inner, VETH_FRAME_MAX, &s);
	memset(&es, 0, sizeof(es));
	memcpy(es.smac, mac_hh1, 6);
	memcpy(es.dmac, mac_hp1, 6);
	es.saddr = *outer;
	es.segs = segs;
	es.nseg = 2;
	es.sl = 1;
	es.edges = edges;
	es.nedges = 3;
	es.hop_limit = 63;
	if (!ASSERT_GE(*n, 0, "build") || !ASSERT_GE(*ni, 0, "build inner"))
		return -1;
	*x = endmt_build_encap(exp, VETH_FRAME_MAX, &es, inner + ENDMT_ETH_HLEN,
			       (size_t)*ni - ENDMT_ETH_HLEN);
	if (!ASSERT_GE(*x, 0, "build expected"))
		return -1;
	exp[ENDMT_ETH_HLEN] = 0x60 | 0x6a >> 4;
	exp[ENDMT_ETH_HLEN + 1] = (0x6a & 0xf) << 4;
	return 0;
}

/* Every non-zero counter, for a frame that did not arrive. */
static void print_counters(int stats, const char *name)
{
	uint32_t c;

	printf("    %s: nothing arrived; counters:", name);
	for (c = 0; c < ENDMT_STAT_MAX; c++)
		if (tu_percpu_sum(stats, c))
			printf(" [%u]=%llu", c, (unsigned long long)tu_percpu_sum(stats, c));
	printf("\n");
}

/* ENDMT_HEAD_DUMP=DIR: what arrived, as DIR/name.pcap. */
static void dump_frame(const uint8_t *got, size_t len, const char *name)
{
	const uint8_t *pk1[1] = { got };
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.pcap", getenv("ENDMT_HEAD_DUMP"), name);
	ASSERT_OK(tu_pcap_write(path, pk1, &len, 1), "dump");
}

/* The head's group (Proxy V_PROXY, QPN V_DQPN, source src), its template
 * and its Proxy Address.  0, or -1 after a failed assertion. */
static int veth_group_write(struct endmt_head *skel, const struct in6_addr *segs,
			    const struct in6_addr *outer, const struct in6_addr *src,
			    const struct endmt_edge_ent *edges)
{
	struct endmt_group_key key;
	struct endmt_proxy_key pk;
	struct endmt_encap tmpl;
	struct endmt_group grp;
	uint32_t one = 1;

	memset(&key, 0, sizeof(key));
	memcpy(key.proxy, &segs[0], 16);
	key.dqpn = V_DQPN;
	memset(&grp, 0, sizeof(grp));
	grp.flags = ENDMT_GF_HEAD | ENDMT_GF_BRANCH_IFINDEX;
	memcpy(grp.src_addr, src, 16);
	memcpy(pk.addr, &segs[0], 16);
	if (!ASSERT_OK(endmt_encap_template(&tmpl, outer, segs, 2, 1, edges, 3, 0), "template") ||
	    !ASSERT_OK(bpf_map_update_elem(bpf_map__fd(skel->maps.endmt_encap), &key, &tmpl, 0), "encap") ||
	    !ASSERT_OK(bpf_map_update_elem(bpf_map__fd(skel->maps.endmt_groups), &key, &grp, 0), "group") ||
	    !ASSERT_OK(bpf_map_update_elem(bpf_map__fd(skel->maps.endmt_proxies), &pk, &one, 0), "proxy"))
		return -1;
	return 0;
}

/* A frame cut inside the IPv6 header (BPF_PROG_TEST_RUN refuses those),
 * the first octets of in: passed as not ours. */
static void veth_short_frame(int tx, int stats, const uint8_t *in)
{
	uint64_t pass0 = tu_percpu_sum(stats, ENDMT_STAT_PASS_NOT_OURS);
	uint64_t enc0 = tu_percpu_sum(stats, ENDMT_STAT_HEAD_ENCAP);

	if (ASSERT_EQ(send(tx, in, ENDMT_ETH_HLEN + 30, 0), ENDMT_ETH_HLEN + 30, "send short")) {
		usleep(200000);
		ASSERT_GE(tu_percpu_sum(stats, ENDMT_STAT_PASS_NOT_OURS) - pass0, 1,
			  "short frame passed as not ours");
		ASSERT_EQ(tu_percpu_sum(stats, ENDMT_STAT_HEAD_ENCAP) - enc0, 0,
			  "short frame not encapsulated");
	}
}

static void test_veth_body(void)
{
	static uint8_t pay[4096], in[VETH_FRAME_MAX], exp[VETH_FRAME_MAX], got[VETH_FRAME_MAX],
		      inner[VETH_FRAME_MAX];
	static const size_t sizes[] = { 0, 64, 1024, 3000, 4096 };
	struct endmt_rcv_ent rcv[5];
	struct endmt_edge_ent edges[3];
	struct in6_addr segs[2] = { endmt_in6(V_PROXY), endmt_in6(V_SID) };
	struct in6_addr outer = endmt_in6(V_OUTER), src = endmt_in6(V_SRC);
	struct endmt_head *skel = NULL;
	char pin[256] = "";
	int tx = -1, rx = -1, stats, err;
	uint64_t enc0;
	size_t i;

	for (i = 0; i < 5; i++) {
		char a[48];

		snprintf(a, sizeof(a), "fd00:%zx::2", 0x11 + i);
		rcv[i].addr = endmt_in6(a);
		rcv[i].qpn = 256 + (uint32_t)i;
	}
	edges[0] = (struct endmt_edge_ent){ endmt_in6("fd00:1::1"), 2, &rcv[0] };
	edges[1] = (struct endmt_edge_ent){ endmt_in6("fd00:2::1"), 2, &rcv[2] };
	edges[2] = (struct endmt_edge_ent){ endmt_in6("fd00:3::1"), 1, &rcv[4] };
	for (i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i ^ 0x5a);

	if (!ASSERT_OK(netns_setup(), "netns setup"))
		goto out;
	if (!ASSERT_OK(TU_SKEL_LOAD(endmt_head, &skel, pin, (void)0), "pin root, open and load"))
		goto out;
	stats = bpf_map__fd(skel->maps.endmt_stats);

	if (veth_group_write(skel, segs, &outer, &src, edges))
		goto out;
	err = attach_head(bpf_program__fd(skel->progs.endmt_head_tc));
	if (!ASSERT_OK(err, "attach TC ingress on hh0"))
		goto out;
	rx = tu_packet_sock(ns_p, "hp1", 0, NULL);
	tx = tu_packet_sock(ns_s, "hs0", 0, NULL);
	if (!ASSERT_GE(rx, 0, "rx socket in P") || !ASSERT_GE(tx, 0, "tx socket in S"))
		goto out;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct endmt_tlv_view v[8];
		char name[64];
		int n, ni, x, nt;
		ssize_t g;

		if (veth_frames(i, sizes[i], pay, segs, &outer, &src, edges,
				in, &n, inner, &ni, exp, &x))
			goto out;

		enc0 = tu_percpu_sum(stats, ENDMT_STAT_HEAD_ENCAP);
		if (!ASSERT_EQ(send(tx, in, (size_t)n, 0), n, "send from S"))
			goto out;
		g = recv_encap(rx, got, sizeof(got));
		snprintf(name, sizeof(name), "veth_p%zu", sizes[i]);
		if (!ASSERT_GE(g, 1, "encapsulated frame at P")) {
			print_counters(stats, name);
			continue;
		}
		ASSERT_EQ(tu_percpu_sum(stats, ENDMT_STAT_HEAD_ENCAP) - enc0, 1, "head_encap");
		if (!ASSERT_MEMEQ(got, (size_t)g, exp, (size_t)x, name)) {
			const uint8_t *pk3[3] = { in, got, exp };
			size_t l3[3] = { (size_t)n, (size_t)g, (size_t)x };

			tu_pcap_write("/tmp/endmt-head-veth.pcap", pk3, l3, 3);
		}
		/* Decode what arrived, independently of the comparison. */
		nt = endmt_srh_parse(got + ENDMT_ETH_HLEN + 40, (size_t)g - ENDMT_ETH_HLEN - 40,
				     ENDMT_TLV_ENDMT_DEFAULT, v, 8);
		ASSERT_EQ(nt, 3, "End.MT TLVs decoded");
		ASSERT_TRUE(endmt_icrc_ok(got + g - (ni - ENDMT_ETH_HLEN),
					  (size_t)ni - ENDMT_ETH_HLEN), "inner ICRC at P");
		if (getenv("ENDMT_HEAD_DUMP"))
			dump_frame(got, (size_t)g, name);
	}

	veth_short_frame(tx, stats, in);
out:
	if (tx >= 0)
		close(tx);
	if (rx >= 0)
		close(rx);
	/* Deleting the namespaces removes the veths and the clsact qdisc. */
	netns_cleanup();
	TU_SKEL_CLOSE(endmt_head, &skel, pin);
}

void test_head_veth(void)
{
	if (test__start_subtest("unicast_sid"))
		test_veth_body();
}
