/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CNP windows (lib/cnp.c): CCounts {3, 7, 1} give exactly one CNP, for the
 * branch with 7, and no count left in the new window; the CNP is compared
 * with one built independently by lib/pkt (full ICRC), for a transit/edge
 * node and for the head.  ENDMT_CNP_DUMP=FILE writes the CNPs as a pcap for
 * the scapy/tshark check in test/py/test_resp_cnp.py.
 *
 * CNP epochs and liveness marks (the agent never writes endmt_groups):
 * counts of an old epoch never win a new window, counts of the window that
 * just ended survive a CNP of the next one, the age bound, liveness marks
 * (endmt_stale) as a report that never changes aggregation, and a race test: response traffic from threads
 * while windows end and marks are written, then every branch holds the
 * newest AckPSN it was sent and every CNP was counted in exactly one
 * window. */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/udp.h>
#include <unistd.h>
#include "resp_fx.h"
#include "util.h"
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
		.udp_csum = 1,
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
	ASSERT_OK(endmt_cnp_tick_emit(f.groups, f.epoch, NULL, sink_emit, &s, &res), "tick");
	ASSERT_EQ(res.groups, 2, "groups looked at");
	ASSERT_EQ(res.cnps_sent, 1, "CNPs sent");
	ASSERT_EQ(res.epoch, 0, "window 0 ended");
	ASSERT_EQ(*f.epoch, 1, "epoch advanced");
	ASSERT_EQ(res.counted, 3 + 7 + 1, "CNPs of the window");
	ASSERT_EQ(s.n, 1, "CNPs emitted");
	ASSERT_EQ(s.branch, 1, "the branch with 7");
	elen = expected_cnp(exp, sizeof(exp), head);
	ASSERT_MEMEQ(s.pkt[0], s.len[0], exp + ENDMT_ETH_HLEN, (size_t)elen - ENDMT_ETH_HLEN,
		     "CNP bytes");
	ASSERT_TRUE(endmt_icrc_ok(s.pkt[0], s.len[0]), "CNP ICRC (full computation)");
	if (ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get")) {
		for (i = 0; i < 3; i++) {
			ASSERT_EQ(endmt_cnp_count(&g, (unsigned)i, *f.epoch, now_ns()), 0,
				  "nothing counted in the new window");
			ASSERT_EQ(g.br[i].cnps, counts[i], "lifetime CNPs kept");
			ASSERT_EQ(g.br[i].ccount, counts[i], "the tick wrote nothing");
		}
		ASSERT_NEQ(g.window_start_ns, 0, "window start recorded by the data path");
	}
	/* next window: nothing counted, nothing sent (the 3/7/1 of epoch 0
	 * are still in the map, but belong to a window already judged) */
	s.n = 0;
	ASSERT_OK(endmt_cnp_tick_emit(f.groups, f.epoch, NULL, sink_emit, &s, &res), "tick 2");
	ASSERT_EQ(res.cnps_sent, 0, "no CNP in an empty window");
	ASSERT_EQ(res.counted, 0, "old counts not counted again");
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
	/* An ordinary socket: no UDP_NO_CHECK6_RX, so it takes the CNP only
	 * with a right UDP checksum (the kernel drops 0 and wrong ones). */
	rs = endmt_cnp_sock_open();
	if (!ASSERT_GE(rs, 0, "endmt_cnp_sock_open"))
		goto out;
	resp_group_init(&g, 0, 0);
	{
		struct in6_addr a = endmt_in6("::1");

		memcpy(g.resp_saddr, &a, 16);
	}
	resp_branch_addr(&g, "fd00:11::2", 0);
	/* as the data path leaves it after 2 CNPs in epoch 0 */
	g.br[0].ccount = 2;
	g.cnp_epoch = 0;
	g.window_start_ns = now_ns();
	if (!ASSERT_OK(resp_group_put(&f, "::1", DQPN, &g), "group put"))
		goto out;
	ASSERT_OK(endmt_cnp_tick(f.groups, f.epoch, NULL, rs, &res), "tick on a raw socket");
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

/* Sends n CNPs (op CNP) or one ACK of psn (op 0) from sa; 0 or -errno. */
static int send_resp(struct resp_fx *f, const char *sa, uint8_t op, uint32_t psn, int n)
{
	struct resp_spec r = { sa, PROXY, op, op ? 0 : RESP_SYN_ACK, DQPN, psn, 0, 0 };

	return resp_send_n(f, &r, n, -1);
}

static int count_tick(const uint8_t *ip6, size_t len, const struct endmt_group_key *key,
		      unsigned int branch, void *arg)
{
	struct sink *s = arg;

	(void)ip6;
	(void)len;
	(void)key;
	s->n++;
	s->branch = branch;
	return 0;
}

/* Epochs: the counts of the window that ended survive a CNP of the next
 * window arriving before the agent reads the group (ccount_prev); counts
 * of older windows never win; counts past the age bound never count. */
static void epochs_case(void)
{
	const char *rcv[3] = { "fd00:11::2", "fd00:12::2", "fd00:13::2" };
	struct endmt_cnp_tick_result res;
	struct endmt_group g;
	struct resp_fx f;
	struct sink s = {0};
	uint64_t now;
	int i;

	if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
		goto out;
	resp_group_init(&g, 0, 100);
	for (i = 0; i < 3; i++)
		resp_branch_addr(&g, rcv[i], 0);
	if (!ASSERT_OK(resp_group_put(&f, PROXY, DQPN, &g), "group put"))
		goto out;
	ASSERT_OK(send_resp(&f, rcv[0], ENDMT_OP_CNP, 0, 3), "CNPs");
	ASSERT_OK(send_resp(&f, rcv[1], ENDMT_OP_CNP, 0, 7), "CNPs");
	/* The agent's first step (advance the epoch), then a CNP of the new
	 * window before the agent has read the group. */
	__atomic_store_n(f.epoch, 1, __ATOMIC_SEQ_CST);
	ASSERT_OK(send_resp(&f, rcv[2], ENDMT_OP_CNP, 0, 2), "CNPs");
	if (ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get")) {
		now = now_ns();
		ASSERT_EQ(g.cnp_epoch, 1, "tagged with the new epoch");
		ASSERT_EQ(g.br[1].ccount_prev, 7, "window 0 kept in ccount_prev");
		ASSERT_EQ(endmt_cnp_count(&g, 0, 0, now), 3, "window 0, branch 0");
		ASSERT_EQ(endmt_cnp_count(&g, 1, 0, now), 7, "window 0, branch 1");
		ASSERT_EQ(endmt_cnp_count(&g, 2, 0, now), 0, "window 0, branch 2");
		ASSERT_EQ(endmt_cnp_count(&g, 1, 1, now), 0, "window 1, branch 1");
		ASSERT_EQ(endmt_cnp_count(&g, 2, 1, now), 2, "window 1, branch 2");
	}
	/* End window 1: branch 2's 2 CNPs win; branch 1's 7 are window 0's. */
	ASSERT_OK(endmt_cnp_tick_emit(f.groups, f.epoch, NULL, count_tick, &s, &res), "tick");
	ASSERT_EQ(res.epoch, 1, "window 1 ended");
	ASSERT_EQ(s.n, 1, "one CNP");
	ASSERT_EQ(s.branch, 2, "for the branch congested in window 1");
	ASSERT_EQ(res.counted, 2, "only window 1's CNPs");
	/* Two empty windows, then a CNP: window 1's counts are not kept as
	 * "previous" (they are two windows old). */
	ASSERT_OK(endmt_cnp_tick_emit(f.groups, f.epoch, NULL, count_tick, &s, &res), "tick");
	ASSERT_EQ(res.counted, 0, "window 2 empty");
	ASSERT_OK(send_resp(&f, rcv[0], ENDMT_OP_CNP, 0, 1), "CNP");
	if (ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get")) {
		ASSERT_EQ(g.cnp_epoch, 3, "epoch 3");
		ASSERT_EQ(g.br[2].ccount_prev, 0, "window 1 not carried past window 2");
		ASSERT_EQ(g.br[0].ccount, 1, "window 3 counting");
	}
	/* Age bound: counts tagged with the right epoch but opened more than
	 * ENDMT_CNP_MAX_AGE_NS ago (a 32-bit tag that came round again) are
	 * neither counted by the agent nor carried by the data path. */
	if (ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get")) {
		now = now_ns();
		g.window_start_ns = now - ENDMT_CNP_MAX_AGE_NS - 1000000000ull;
		ASSERT_EQ(endmt_cnp_count(&g, 0, 3, now), 0, "too old for the agent");
		g.window_start_ns = now;
		ASSERT_EQ(endmt_cnp_count(&g, 0, 3, now), 1, "fresh: counted");
		g.window_start_ns = now - ENDMT_CNP_MAX_AGE_NS - 1000000000ull;
		g.br[0].ccount = 5;
		ASSERT_OK(resp_group_put(&f, PROXY, DQPN, &g), "age the group");
		__atomic_store_n(f.epoch, 4, __ATOMIC_SEQ_CST);
		ASSERT_OK(send_resp(&f, rcv[1], ENDMT_OP_CNP, 0, 1), "CNP");
		if (ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get")) {
			ASSERT_EQ(g.br[0].ccount_prev, 0, "old counts not carried");
			ASSERT_EQ(g.br[1].ccount, 1, "new window counting");
			ASSERT_EQ(g.cnp_epoch, 4, "epoch 4");
		}
	}
out:
	resp_fx_close(&f);
}

/* The agent's liveness marks (endmt_stale) are a report, not a verdict: a
 * marked, silent branch still holds the minimum back (draft 5.3.1: the
 * source must never see a PSN acknowledged that a receiver did not confirm);
 * `show` reports the mark until the branch answers; removing the branch is
 * what lets the group go on. */
static void stale_case(void)
{
	const char *rcv[3] = { "fd00:11::2", "fd00:12::2", "fd00:13::2" };
	struct endmt_group_key k = { .dqpn = DQPN };
	struct in6_addr pa = endmt_in6(PROXY);
	struct endmt_stale st;
	struct endmt_group g;
	struct resp_fx f;
	uint64_t before[ENDMT_STAT_MAX], after[ENDMT_STAT_MAX];
	int i;

	memcpy(k.proxy, &pa, 16);
	if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
		goto out;
	resp_group_init(&g, 0, 100);
	for (i = 0; i < 3; i++)
		resp_branch_addr(&g, rcv[i], 0);
	if (!ASSERT_OK(resp_group_put(&f, PROXY, DQPN, &g), "group put"))
		goto out;
	/* branch 2 is silent: the group cannot advance */
	ASSERT_OK(send_resp(&f, rcv[0], 0, 110, 1), "ACK");
	ASSERT_OK(send_resp(&f, rcv[1], 0, 110, 1), "ACK");
	ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get");
	ASSERT_EQ(g.state & ENDMT_GS_ACK_FWD, 0, "held back by the silent branch");
	/* the agent marks it: still held back */
	memset(&st, 0, sizeof(st));
	st.mask = 1ull << 2;
	st.marked_ns = now_ns();
	memcpy(st.id[2], g.br[2].id, 16);
	ASSERT_OK(bpf_map_update_elem(f.stale, &k, &st, BPF_F_LOCK) ? -errno : 0, "mark");
	ASSERT_TRUE(endmt_stale_branch(&st, &g, 2), "show reports the silent branch");
	resp_stats(&f, before);
	ASSERT_OK(send_resp(&f, rcv[0], 0, 111, 1), "ACK");
	ASSERT_OK(send_resp(&f, rcv[1], 0, 111, 1), "ACK");
	resp_stats(&f, after);
	ASSERT_EQ(after[ENDMT_STAT_RESP_ACK_FWD] - before[ENDMT_STAT_RESP_ACK_FWD], 0,
		  "no ACK forwarded past a marked, silent branch");
	ASSERT_EQ(after[ENDMT_STAT_RESP_ACK_ABSORBED] - before[ENDMT_STAT_RESP_ACK_ABSORBED], 2,
		  "both ACKs absorbed");
	ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get");
	ASSERT_EQ(g.state & ENDMT_GS_ACK_FWD, 0, "still held back");
	/* the marked branch answers: the group moves to the true minimum and
	 * show stops reporting it */
	ASSERT_OK(send_resp(&f, rcv[2], 0, 105, 1), "ACK from the silent branch");
	ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get");
	ASSERT_EQ(g.fwd_ack_psn, 105, "minimum over every branch");
	ASSERT_TRUE(!endmt_stale_branch(&st, &g, 2), "show agrees: not stale");
out:
	resp_fx_close(&f);
}

/* The lost-update race: threads send ACKs (newest last) and CNPs for their
 * own branches while the main thread ends windows (the agent's tick, many
 * times) and rewrites a liveness mark for a silent branch.  At the end every
 * branch's AckPSN is the newest it was sent, no ACK/CNP update is missing,
 * and the CNPs the windows counted add up to the CNPs sent: none lost, none
 * counted twice. */
#define RACE_THREADS 2
#define RACE_BR_PER  3
#define RACE_N       1500
#define RACE_START   0xfffff0	/* crosses the 24-bit wrap */

struct race_arg {
	struct resp_fx *f;
	int t, err;
	int *done;	/* threads finished, atomically incremented */
};

static const char *race_addr(int br, char *buf, size_t len)
{
	snprintf(buf, len, "fd00:77::%x", br + 1);
	return buf;
}

static void *race_thread(void *p)
{
	struct race_arg *a = p;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	int j, k, err;

	CPU_ZERO(&set);
	CPU_SET(a->t % (ncpu > 0 ? ncpu : 1), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (j = 1; j <= RACE_N; j++) {
		for (k = 0; k < RACE_BR_PER; k++) {
			char sa[64];
			const char *addr = race_addr(a->t * RACE_BR_PER + k, sa, sizeof(sa));

			err = send_resp(a->f, addr, 0, (RACE_START + (uint32_t)j) & 0xffffff, 1);
			if (!err && j % 2)
				err = send_resp(a->f, addr, ENDMT_OP_CNP, 0, 1);
			if (err) {
				a->err = err;
				goto out;
			}
		}
	}
out:
	__atomic_add_fetch(a->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void race_case(void)
{
	struct race_arg args[RACE_THREADS];
	pthread_t th[RACE_THREADS];
	struct endmt_cnp_tick_result res;
	struct endmt_group_key k = { .dqpn = DQPN };
	struct in6_addr pa = endmt_in6(PROXY);
	struct endmt_stale st = {0};
	struct endmt_group g;
	struct resp_fx f;
	struct sink s = {0};
	uint64_t counted = 0, ticks = 0, cnps_sent = RACE_THREADS * RACE_BR_PER * (RACE_N / 2);
	int i, started = 0, done = 0, nbr = RACE_THREADS * RACE_BR_PER, silent;
	uint32_t last = (RACE_START + RACE_N) & 0xffffff;

	memcpy(k.proxy, &pa, 16);
	if (!ASSERT_OK(resp_fx_open(&f), "load transit object"))
		goto out;
	resp_group_init(&g, 0, RACE_START);
	for (i = 0; i < nbr; i++) {
		char sa[64];

		resp_branch_addr(&g, race_addr(i, sa, sizeof(sa)), 0);
	}
	silent = resp_branch_addr(&g, "fd00:77::dead", 0);	/* never answers */
	if (!ASSERT_OK(resp_group_put(&f, PROXY, DQPN, &g), "group put"))
		goto out;
	for (i = 0; i < RACE_THREADS; i++) {
		args[i] = (struct race_arg){ &f, i, 0, &done };
		if (pthread_create(&th[i], NULL, race_thread, &args[i]))
			break;
		started++;
	}
	ASSERT_EQ(started, RACE_THREADS, "threads started");
	/* The agent's side, until the threads are done: end windows, and
	 * (re)write the silent branch's mark in place as the agent does. */
	memcpy(st.id[silent], g.br[silent].id, 16);
	st.mask = 1ull << silent;
	for (;;) {
		bool running = __atomic_load_n(&done, __ATOMIC_SEQ_CST) < started;

		st.marked_ns = now_ns();
		if (!ASSERT_OK(bpf_map_update_elem(f.stale, &k, &st, BPF_F_LOCK) ? -errno : 0,
			       "mark"))
			break;
		if (!ASSERT_OK(endmt_cnp_tick_emit(f.groups, f.epoch, NULL, count_tick, &s, &res),
			       "tick"))
			break;
		counted += res.counted;
		ticks++;
		if (!running)
			break;
	}
	for (i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		ASSERT_OK(args[i].err, "thread ran");
	}
	/* one more window collects whatever the last one left */
	ASSERT_OK(endmt_cnp_tick_emit(f.groups, f.epoch, NULL, count_tick, &s, &res), "last tick");
	counted += res.counted;
	ASSERT_GE(ticks, 20, "windows ended while traffic ran");
	ASSERT_EQ(counted, cnps_sent, "every CNP counted in exactly one window");
	ASSERT_TRUE(s.n <= (int)ticks + 1, "at most one CNP per group per window");
	if (!ASSERT_OK(resp_group_get(&f, PROXY, DQPN, &g), "group get"))
		goto out;
	for (i = 0; i < nbr; i++) {
		ASSERT_EQ(g.br[i].ack_psn, last, "branch AckPSN = the newest it was sent");
		ASSERT_EQ(g.br[i].acks, RACE_N, "no lost ACK update");
		ASSERT_EQ(g.br[i].cnps, RACE_N / 2, "no lost CNP update");
	}
	/* the silent (marked) branch holds the group: nothing was forwarded */
	ASSERT_EQ(g.state & ENDMT_GS_ACK_FWD, 0, "no ACK forwarded past the silent branch");
	ASSERT_EQ(g.br[silent].acks, 0, "silent branch silent");
out:
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
	if (test__start_subtest("epochs"))
		epochs_case();
	if (test__start_subtest("stale_marks"))
		stale_case();
	if (test__start_subtest("agent_vs_data_path"))
		race_case();
	if (all.n)
		dump(&all);
}
