/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CNP windows (lib/cnp.c): CCounts {3, 7, 1} give exactly one CNP, for the
 * branch with 7, and every count back at 0; the CNP is compared with one
 * built independently by lib/pkt (full ICRC), for a transit/edge node and
 * for the head.  ENDMT_CNP_DUMP=FILE writes the CNPs as a pcap for the
 * scapy/tshark check in test/py/test_resp_cnp.py. */
#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/udp.h>
#include <unistd.h>
#include "resp_fx.h"
#include "cnp.h"

#define PROXY "fd00:ff::9"
#define DQPN  0x1234
#define SADDR "fd00:4::1"
#define SRC   "fd00:10::2"
#define SRCQP 17

struct sink {
	int n;
	unsigned int branch;
	uint8_t pkt[4][128];
	size_t len[4];
};

static int sink_emit(const uint8_t *ip6, size_t len, const struct endmt_group_key *key,
		     unsigned int branch, void *arg)
{
	struct sink *s = arg;

	(void)key;
	if (s->n < 4 && len <= sizeof(s->pkt[0])) {
		memcpy(s->pkt[s->n], ip6, len);
		s->len[s->n] = len;
	}
	s->n++;
	s->branch = branch;
	return 0;
}

/* The CNP expected, built by the test packet builder (IPv6 part). */
static int expected_cnp(uint8_t *frame, size_t cap, int head)
{
	struct endmt_roce_spec s = {
		.opcode = ENDMT_OP_CNP, .becn = 1,
		.dqpn = head ? SRCQP : DQPN, .psn = 0, .sport = ENDMT_CNP_SPORT,
	};

	s.saddr = endmt_in6(head ? PROXY : SADDR);
	s.daddr = endmt_in6(head ? SRC : PROXY);
	return endmt_build_roce(frame, cap, &s);
}

static void dump(const struct sink *s)
{
	const char *path = getenv("ENDMT_CNP_DUMP");
	uint8_t frames[4][160];
	const uint8_t *pk[4];
	size_t lens[4];
	int i;

	if (!path)
		return;
	for (i = 0; i < s->n && i < 4; i++) {
		memset(frames[i], 0, ENDMT_ETH_HLEN);
		frames[i][12] = 0x86;
		frames[i][13] = 0xdd;
		memcpy(frames[i] + ENDMT_ETH_HLEN, s->pkt[i], s->len[i]);
		pk[i] = frames[i];
		lens[i] = s->len[i] + ENDMT_ETH_HLEN;
	}
	ASSERT_OK(tu_pcap_write(path, pk, lens, (size_t)(s->n < 4 ? s->n : 4)), "pcap dump");
}

static void window_case(int head, struct sink *all)
{
	static const uint32_t counts[3] = { 3, 7, 1 };
	const char *rcv[3] = { "fd00:11::2", "fd00:12::2", "fd00:13::2" };
	struct endmt_cnp_tick_result res;
	struct endmt_group g;
	struct resp_fx f;
	struct sink s = {0};
	uint8_t exp[160];
	int i, elen;

	if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
		goto out;
	resp_group_init(&g, head ? ENDMT_GF_HEAD : 0, 100);
	{
		struct in6_addr a = endmt_in6(SADDR), b = endmt_in6(SRC);

		memcpy(g.resp_saddr, &a, 16);
		memcpy(g.src_addr, &b, 16);
		g.src_qpn = SRCQP;
	}
	for (i = 0; i < 3; i++)
		resp_branch_addr(&g, rcv[i], 0);
	if (!ASSERT_OK(resp_group_put(&f, PROXY, DQPN, &g), "group put"))
		goto out;
	/* a second group with no CNPs: looked at, nothing sent */
	if (!ASSERT_OK(resp_group_put(&f, PROXY, DQPN + 1, &g), "group put"))
		goto out;
	/* CCounts {3, 7, 1} through the data path */
	for (i = 0; i < 3; i++) {
		uint32_t k;

		for (k = 0; k < counts[i]; k++) {
			struct resp_spec r = { rcv[i], PROXY, ENDMT_OP_CNP, 0, DQPN, 0, 0, 0 };
			uint8_t in[128];
			uint32_t ret = 0;
			int len = resp_build(in, sizeof(in), &r);

			ASSERT_OK(resp_run(&f, in, (size_t)len, 0, NULL, NULL, &ret), "run");
			ASSERT_EQ(ret, XDP_DROP, "CNP absorbed");
		}
	}
	ASSERT_OK(endmt_cnp_tick_emit(f.groups, sink_emit, &s, &res), "tick");
	ASSERT_EQ(res.groups, 2, "groups looked at");
	ASSERT_EQ(res.cnps_sent, 1, "CNPs sent");
	ASSERT_EQ(s.n, 1, "CNPs emitted");
	ASSERT_EQ(s.branch, 1, "the branch with 7");
	elen = expected_cnp(exp, sizeof(exp), head);
	ASSERT_MEMEQ(s.pkt[0], s.len[0], exp + ENDMT_ETH_HLEN, (size_t)elen - ENDMT_ETH_HLEN,
		     "CNP bytes");
	ASSERT_TRUE(endmt_icrc_ok(s.pkt[0], s.len[0]), "CNP ICRC (full computation)");
	if (ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get")) {
		for (i = 0; i < 3; i++) {
			ASSERT_EQ(g.br[i].ccount, 0, "ccount reset");
			ASSERT_EQ(g.br[i].cnps, counts[i], "lifetime CNPs kept");
		}
		ASSERT_NEQ(g.window_start_ns, 0, "window start recorded");
	}
	/* next window: nothing counted, nothing sent */
	s.n = 0;
	ASSERT_OK(endmt_cnp_tick_emit(f.groups, sink_emit, &s, &res), "tick 2");
	ASSERT_EQ(res.cnps_sent, 0, "no CNP in an empty window");
	ASSERT_EQ(s.n, 0, "nothing emitted");
	if (all->n < 4) {
		memcpy(all->pkt[all->n], s.pkt[0], sizeof(s.pkt[0]));
		all->len[all->n++] = (size_t)elen - ENDMT_ETH_HLEN;
	}
out:
	resp_fx_close(&f);
}

/* The real socket: a CNP to ::1 arrives at a UDP socket on [::1]:4791. */
static void send_case(void)
{
	struct sockaddr_in6 la = { .sin6_family = AF_INET6, .sin6_port = htons(ENDMT_ROCE_PORT),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct endmt_cnp_tick_result res;
	struct endmt_group g;
	struct resp_fx f;
	uint8_t buf[256];
	int us = -1, rs = -1;
	struct pollfd pfd;
	ssize_t n;

	if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
		goto out;
	us = socket(AF_INET6, SOCK_DGRAM, 0);
	if (!ASSERT_GE(us, 0, "udp socket") ||
	    !ASSERT_OK(bind(us, (struct sockaddr *)&la, sizeof(la)) ? -errno : 0, "bind [::1]:4791"))
		goto out;
	/* CNPs carry UDP checksum 0 (as rxe sends): accept it here */
	{
		int one = 1;

		ASSERT_OK(setsockopt(us, IPPROTO_UDP, UDP_NO_CHECK6_RX, &one, sizeof(one)) ?
			  -errno : 0, "UDP_NO_CHECK6_RX");
	}
	rs = endmt_cnp_sock_open();
	if (!ASSERT_GE(rs, 0, "endmt_cnp_sock_open"))
		goto out;
	resp_group_init(&g, 0, 0);
	{
		struct in6_addr a = endmt_in6("::1");

		memcpy(g.resp_saddr, &a, 16);
	}
	resp_branch_addr(&g, "fd00:11::2", 0);
	g.br[0].ccount = 2;
	if (!ASSERT_OK(resp_group_put(&f, "::1", DQPN, &g), "group put"))
		goto out;
	ASSERT_OK(endmt_cnp_tick(f.groups, rs, &res), "tick on a raw socket");
	ASSERT_EQ(res.cnps_sent, 1, "sent");
	pfd = (struct pollfd){ .fd = us, .events = POLLIN };
	if (!ASSERT_EQ(poll(&pfd, 1, 2000), 1, "CNP arrived"))
		goto out;
	n = recv(us, buf, sizeof(buf), 0);
	ASSERT_EQ(n, 28 + 4, "UDP payload: BTH + 16 reserved + ICRC");
	ASSERT_EQ(buf[0], ENDMT_OP_CNP, "opcode");
	ASSERT_EQ((buf[5] << 16 | buf[6] << 8 | buf[7]), DQPN, "DestQPN");
out:
	if (us >= 0)
		close(us);
	if (rs >= 0)
		close(rs);
	resp_fx_close(&f);
}

void test_resp_cnp(void)
{
	struct sink all = {0};

	if (test__start_subtest("window_transit"))
		window_case(0, &all);
	if (test__start_subtest("window_head"))
		window_case(1, &all);
	if (test__start_subtest("raw_socket"))
		send_case();
	if (all.n)
		dump(&all);
}
