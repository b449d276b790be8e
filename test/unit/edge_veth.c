/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Edge replication end to end through real veths: XDP (native) + TC ingress
 * on the edge's upstream veth in a private netns, frames injected from a
 * peer netns over AF_PACKET, copies read on the receivers' peers and
 * compared byte for byte with packets built independently by lib/pkt.h
 * (ICRC by the full computation).  Emitted copies also go to
 * /tmp/endmt-edge-copies.pcap (+ .txt: expected DA QPN PSN ECN per frame) for
 * test/py/test_edge_oracle.py. */
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <sys/socket.h>
#include "edge_util.h"
#include "wire.h"

#define NRV 3			/* receiver-side veths */
#define SID    "ff3e::4d54"
#define SID2   "fd00:4::100"	/* next segment in chain mode, behind r2 */
#define EDGE   "fd00:1::1"
#define OTHER  "fd00:2::1"
#define PROXY  "fd00:ff::1"
#define HEADSA "fd00:6::1"
#define SLOW   "fd00:99::2"	/* receiver without a static neighbour (on p2) */
#define PCAP_OUT "/tmp/endmt-edge-copies.pcap"
#define EXP_OUT  "/tmp/endmt-edge-copies.txt"

static const uint8_t mac_inj[6] = { 0x02, 0xee, 0, 0, 0, 0x01 };
static const uint8_t mac_e0[6]  = { 0x02, 0xee, 0, 0, 0, 0x02 };
/* Ethernet address of the SID's group ff3e::4d54 (RFC 2464: 33:33 + low
 * 32 bits), what a multicast underlay delivers End.MT packets with. */
static const uint8_t mac_mc[6] = { 0x33, 0x33, 0, 0, 0x4d, 0x54 };
/* Destination MAC of injected End.MT frames. */
static const uint8_t *inj_dmac = mac_e0;
static const uint8_t mac_r[NRV][6] = { { 0x02, 0xee, 0, 0, 1, 0x10 },
				       { 0x02, 0xee, 0, 0, 1, 0x11 },
				       { 0x02, 0xee, 0, 0, 1, 0x12 } };
static const uint8_t mac_p[NRV][6] = { { 0x02, 0xee, 0, 0, 2, 0x10 },
				       { 0x02, 0xee, 0, 0, 2, 0x11 },
				       { 0x02, 0xee, 0, 0, 2, 0x12 } };

struct env {
	char ns_a[32], ns_e[32], ns_r[32];
	int orig_ns, inj_fd, cap_fd[NRV], inj_ifindex;
	struct eu_obj o;
	int up;
};

/* Oracle output, accumulated over the subtests. */
static uint8_t *pc_pkts[4096];
static size_t pc_lens[4096], pc_n;
static FILE *exp_f;

/* The fuzz subtest reads hundreds of copies at once: a large buffer. */
static int packet_sock(const char *ns, const char *dev, int *ifindex_out)
{
	int fd = tu_packet_sock(ns, dev, SOCK_NONBLOCK, ifindex_out);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ 8 << 20 }, sizeof(int));
	return fd;
}

static void env_down(struct env *e)
{
	int i;

	if (e->inj_fd > 0)
		close(e->inj_fd);
	for (i = 0; i < NRV; i++)
		if (e->cap_fd[i] > 0)
			close(e->cap_fd[i]);
	if (e->orig_ns > 0)
		tu_netns_leave(e->orig_ns);
	eu_close(&e->o);
	/* Deleting the namespaces removes the veths, XDP and the clsact. */
	tu_netns_del(e->ns_a);
	tu_netns_del(e->ns_e);
	tu_netns_del(e->ns_r);
}

static int env_up(struct env *e)
{
	char m1[32], dev[2][8];
	int i, err, ifi;
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = 1, .priority = 1);

	memset(e, 0, sizeof(*e));
	snprintf(e->ns_a, sizeof(e->ns_a), "edge-a-%d", (int)getpid());
	snprintf(e->ns_e, sizeof(e->ns_e), "edge-e-%d", (int)getpid());
	snprintf(e->ns_r, sizeof(e->ns_r), "edge-r-%d", (int)getpid());
	if (tu_netns_add(e->ns_a, 1) || tu_netns_add(e->ns_e, 1) || tu_netns_add(e->ns_r, 1))
		return -EIO;
	if (tu_veth_add(e->ns_a, "inj", mac_inj, e->ns_e, "e0", mac_e0))
		return -EIO;
	for (i = 0; i < NRV; i++) {
		snprintf(dev[0], sizeof(dev[0]), "r%d", i);
		snprintf(dev[1], sizeof(dev[1]), "p%d", i);
		if (tu_veth_add(e->ns_e, dev[0], mac_r[i], e->ns_r, dev[1], mac_p[i]) ||
		    tu_sh("ip -n %s addr add fd00:a%d::1/64 dev r%d nodad && "
			  "ip -n %s addr add fd00:a%d::2/64 dev p%d nodad",
			  e->ns_e, i, i, e->ns_r, i, i))
			return -EIO;
	}
	/* The slow-path receiver really exists behind r2 and answers ND. */
	if (tu_sh("ip -n %s addr add %s/128 dev p2 nodad && ip -n %s -6 route add %s/128 dev r2",
		  e->ns_r, SLOW, e->ns_e, SLOW) ||
	    tu_sh("ip -n %s -6 route add %s/128 dev r2 && ip -n %s -6 neigh add %s lladdr %s dev r2 nud permanent",
		  e->ns_e, SID2, e->ns_e, SID2, tu_mac_str(mac_p[2], m1)))
		return -EIO;

	err = packet_sock(e->ns_a, "inj", &e->inj_ifindex);
	if (err < 0)
		return err;
	e->inj_fd = err;
	for (i = 0; i < NRV; i++) {
		snprintf(dev[1], sizeof(dev[1]), "p%d", i);
		err = packet_sock(e->ns_r, dev[1], NULL);
		if (err < 0)
			return err;
		e->cap_fd[i] = err;
	}
	/* This thread stays in E until env_down. */
	err = tu_netns_enter(e->ns_e, &e->orig_ns);
	if (err)
		return err;
	err = eu_open(&e->o, 0);
	if (err)
		return err;
	ifi = (int)if_nametoindex("e0");
	err = bpf_xdp_attach(ifi, bpf_program__fd(e->o.skel->progs.endmt_edge_xdp),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		return err;
	hook.ifindex = ifi;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	tco.prog_fd = bpf_program__fd(e->o.skel->progs.endmt_edge_tc);
	err = bpf_tc_attach(&hook, &tco);
	if (err)
		return err;
	err = eu_sid_add(&e->o, SID, EDGE, ENDMT_SID_F_ENDMT, 0);
	if (err)
		return err;
	e->up = 1;
	return 0;
}

/* A receiver: address, QPN, the veth it sits behind, translation. */
struct rcv {
	struct in6_addr addr;
	uint32_t qpn;
	int dev;
	int slow;
	struct endmt_rcv_xlate xl;
};

static int rcv_setup(struct env *e, struct rcv *r, size_t n, int base)
{
	char a[64], m[32];
	size_t i;

	for (i = 0; i < n; i++) {
		if (r[i].slow) {
			r[i].addr = endmt_in6(SLOW);
			r[i].dev = 2;
		} else {
			snprintf(a, sizeof(a), "fd00:%x::%zx", 0x11 + base, i + 2);
			r[i].addr = endmt_in6(a);
			r[i].dev = (int)(i % NRV);
			if (tu_sh("ip -n %s -6 route replace %s/128 dev r%d && "
				  "ip -n %s -6 neigh replace %s lladdr %s dev r%d nud permanent",
				  e->ns_e, a, r[i].dev, e->ns_e, a, tu_mac_str(mac_p[r[i].dev], m),
				  r[i].dev))
				return -EIO;
		}
		if (r[i].xl.flags && eu_xlate_add(&e->o, &r[i].addr, r[i].qpn, &r[i].xl))
			return -EIO;
	}
	return 0;
}

/* RoCEv2 or SRv6 frames only (the peers' ND and MLD are no copies). */
static bool is_roce_or_srv6(const uint8_t *f, size_t len, int pkttype)
{
	(void)pkttype;
	if (len < 54 || f[12] != 0x86 || f[13] != 0xdd)
		return false;
	if (f[20] == 43)
		return true;
	return f[20] == 17 && len >= 62 && (f[56] << 8 | f[57]) == ENDMT_ROCE_PORT;
}

static size_t collect(struct env *e, struct tu_frame *out, size_t max, size_t want,
		      int timeout_ms)
{
	return tu_collect(e->cap_fd, NRV, is_roce_or_srv6, out, max, want, timeout_ms);
}

static void drain(struct env *e)
{
	static struct tu_frame junk[64];

	collect(e, junk, 64, 1u << 30, 60);
}

static int inject(struct env *e, const uint8_t *f, size_t len)
{
	return tu_packet_send(e->inj_fd, e->inj_ifindex, mac_e0, f, len);
}

struct inner_spec {
	uint8_t opcode;
	uint32_t psn;
	uint64_t va;
	uint32_t rkey;
	size_t paylen;
	int udp_csum;
	uint8_t hl, tclass;
	uint32_t flow;
	uint8_t otclass;	/* outer Traffic Class (the head copies the inner one) */
	int copy_ecn;		/* 0: the inner ECN; else the copies carry copy_ecn - 1 */
};

static void roce_spec(struct endmt_roce_spec *s, const struct inner_spec *in, const uint8_t *pay)
{
	memset(s, 0, sizeof(*s));
	s->saddr = endmt_in6(PROXY);
	s->daddr = endmt_in6(PROXY);
	s->opcode = in->opcode;
	s->has_reth = endmt_op_has_reth(in->opcode);
	s->reth_va = in->va;
	s->reth_rkey = in->rkey;
	s->reth_len = (uint32_t)in->paylen;
	s->dqpn = 4660;
	s->psn = in->psn;
	s->ackreq = 1;
	s->becn = 1;			/* must survive the QPN rewrite */
	s->hop_limit = in->hl;
	s->tclass = in->tclass;
	s->flow_label = in->flow;
	s->udp_csum = in->udp_csum;
	s->payload = pay;
	s->paylen = in->paylen;
}

/* The End.MT frame: segs [proxy, (SID2,) SID], our TLVs (11 per TLV), an
 * other edge's TLV in front when asked. */
static size_t build_endmt(uint8_t *out, const struct inner_spec *in, const uint8_t *pay,
			  const struct rcv *r, size_t n, int chain, int other)
{
	struct endmt_rcv_ent ents[128], o[2];
	struct in6_addr segs[3], edge = endmt_in6(EDGE), oth = endmt_in6(OTHER);
	struct in6_addr sa = endmt_in6(HEADSA);
	struct endmt_roce_spec s;
	uint8_t tlvs[2048], srh[2100], inner[EU_MAXPKT];
	size_t i, off = 0, done = 0, nseg = chain ? 3 : 2, srh_len;
	int l;

	for (i = 0; i < n; i++)
		ents[i].addr = r[i].addr, ents[i].qpn = r[i].qpn;
	o[0].addr = endmt_in6("fd00:77::1"), o[0].qpn = 9;
	o[1].addr = endmt_in6("fd00:77::2"), o[1].qpn = 10;
	if (other)
		off = eu_mt_tlv(tlvs, off, ENDMT_TLV_ENDMT_DEFAULT, &oth, o, 2);
	while (done < n) {
		size_t k = n - done > 11 ? 11 : n - done;

		off = eu_mt_tlv(tlvs, off, ENDMT_TLV_ENDMT_DEFAULT, &edge, ents + done, k);
		done += k;
	}
	segs[0] = endmt_in6(PROXY);
	if (chain)
		segs[1] = endmt_in6(SID2), segs[2] = endmt_in6(SID);
	else
		segs[1] = endmt_in6(SID);
	srh_len = eu_srh(srh, ENDMT_NEXTHDR_IPV6, segs, nseg, (uint8_t)(nseg - 1), tlvs, off);
	roce_spec(&s, in, pay);
	l = endmt_build_roce(inner, sizeof(inner), &s);
	if (l < 0)
		abort();
	l = (int)eu_frame(out, inj_dmac, mac_inj, &sa, 64, srh, srh_len, inner + 14, (size_t)l - 14);
	out[14] = (uint8_t)(0x60 | in->otclass >> 4);
	out[15] = (uint8_t)(in->otclass << 4);
	return (size_t)l;
}

/* The copy receiver r should get, built from scratch. */
static size_t build_copy(uint8_t *out, const struct inner_spec *in, const uint8_t *pay,
			 const struct rcv *r)
{
	struct endmt_roce_spec s;
	int l;

	roce_spec(&s, in, pay);
	if (in->copy_ecn)
		s.tclass = (uint8_t)((s.tclass & ~3u) | (unsigned)(in->copy_ecn - 1));
	memcpy(s.smac, mac_r[r->dev], 6);
	memcpy(s.dmac, mac_p[r->dev], 6);
	s.daddr = r->addr;
	s.dqpn = r->qpn;
	s.hop_limit = in->hl - 1;
	if (r->xl.flags & ENDMT_XL_PSN)
		s.psn = (in->psn + (uint32_t)r->xl.psn_offset) & 0xffffff;
	if ((r->xl.flags & ENDMT_XL_RETH) && s.has_reth) {
		s.reth_va = in->va + r->xl.va_delta;
		s.reth_rkey = r->xl.rkey;
	}
	l = endmt_build_roce(out, EU_MAXPKT, &s);
	return l < 0 ? 0 : (size_t)l;
}

static void oracle_add(const uint8_t *f, size_t len, const struct rcv *r, uint32_t psn,
		       unsigned int ecn)
{
	char a[64];

	if (pc_n >= sizeof(pc_pkts) / sizeof(pc_pkts[0]))
		return;
	pc_pkts[pc_n] = malloc(len);
	memcpy(pc_pkts[pc_n], f, len);
	pc_lens[pc_n++] = len;
	if (exp_f) {
		inet_ntop(AF_INET6, &r->addr, a, sizeof(a));
		fprintf(exp_f, "%s %u %u %u\n", a, r->qpn, psn, ecn);
	}
}

/* Sends one End.MT packet and checks every copy byte for byte, and the
 * counters: one packet in, n copies out (fast or slow path), consumed. */
static void replicate_case_x(struct env *e, const struct inner_spec *in, struct rcv *r,
			     size_t n, int other, int ecn_drop, const char *name)
{
	static uint8_t pay[2048], f[EU_MAXPKT], exp[EU_MAXPKT];
	static struct tu_frame got[256];
	struct eu_stats a, b;
	size_t i, j, len, ngot, nslow = 0;
	int matched[256] = {0};

	for (i = 0; i < in->paylen; i++)
		pay[i] = (uint8_t)(i * 13 + 1);
	for (i = 0; i < n; i++)
		nslow += r[i].slow;
	if (!ASSERT_OK(rcv_setup(e, r, n, 0), "receivers"))
		return;
	len = build_endmt(f, in, pay, r, n, 0, other);
	drain(e);
	eu_stats_read(&e->o, &a);
	if (!ASSERT_OK(inject(e, f, len), "inject"))
		return;
	ngot = collect(e, got, 256, ecn_drop ? 1 : n, ecn_drop ? 400 : 3000);
	eu_stats_read(&e->o, &b);
	if (ecn_drop) {
		/* RFC 6040: outer CE over Not-ECT is dropped, not decapsulated */
		ASSERT_EQ(ngot, 0, name);
		ASSERT_EQ(b.v[ENDMT_STAT_ENDMT_RX] - a.v[ENDMT_STAT_ENDMT_RX], 1, "endmt_rx");
		ASSERT_EQ(b.v[ENDMT_STAT_DROP_ECN_NOT_ECT] - a.v[ENDMT_STAT_DROP_ECN_NOT_ECT], 1,
			  "drop_ecn_not_ect");
		ASSERT_EQ(b.v[ENDMT_STAT_ENDMT_CONSUMED] - a.v[ENDMT_STAT_ENDMT_CONSUMED], 0,
			  "endmt_consumed");
		ASSERT_EQ(b.v[ENDMT_STAT_FWD_COPY] - a.v[ENDMT_STAT_FWD_COPY], 0, "fwd_copies");
		return;
	}
	ASSERT_EQ(ngot, n, name);
	ASSERT_EQ(b.v[ENDMT_STAT_DROP_ECN_NOT_ECT] - a.v[ENDMT_STAT_DROP_ECN_NOT_ECT], 0,
		  "drop_ecn_not_ect");
	for (i = 0; i < n; i++) {
		size_t el = build_copy(exp, in, pay, &r[i]);
		int found = 0;

		for (j = 0; j < ngot; j++) {
			if (matched[j] || got[j].len != el || got[j].dev != r[i].dev ||
			    memcmp(got[j].b, exp, el))
				continue;
			matched[j] = 1, found = 1;
			oracle_add(got[j].b, got[j].len, &r[i], ((uint32_t)exp[71] << 16) |
				   ((uint32_t)exp[72] << 8) | exp[73], (exp[15] >> 4) & 3u);
			break;
		}
		if (!found) {
			char a6[64];

			inet_ntop(AF_INET6, &r[i].addr, a6, sizeof(a6));
			tp_fail(__FILE__, __LINE__, "%s: no exact copy for %s qpn %u", name, a6, r[i].qpn);
			for (j = 0; j < ngot; j++)
				if (!matched[j] && !memcmp(got[j].b + 38, exp + 38, 16)) {
					tp_hexdiff(got[j].b, got[j].len, exp, el);
					break;
				}
		}
	}
	ASSERT_EQ(b.v[ENDMT_STAT_ENDMT_RX] - a.v[ENDMT_STAT_ENDMT_RX], 1, "endmt_rx");
	ASSERT_EQ(b.v[ENDMT_STAT_ENDMT_CONSUMED] - a.v[ENDMT_STAT_ENDMT_CONSUMED], 1, "endmt_consumed");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_COPY] - a.v[ENDMT_STAT_FWD_COPY], n - nslow, "fwd_copies");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_NEIGH_SLOW] - a.v[ENDMT_STAT_FWD_NEIGH_SLOW], nslow,
		  "fwd_neigh_slow_path");
	/* each slow-path copy came back to TC and was handed to the stack */
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_SLOW_RX] - a.v[ENDMT_STAT_FWD_SLOW_RX], nslow,
		  "fwd_slow_path_rx");
}

static void replicate_case(struct env *e, const struct inner_spec *in, struct rcv *r,
			   size_t n, int other, const char *name)
{
	replicate_case_x(e, in, r, n, other, 0, name);
}

static void test_five(struct env *e)
{
	struct rcv r[5] = {0};
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_ONLY, .psn = 100, .paylen = 200,
				 .udp_csum = 0, .hl = 64 };
	size_t i;

	for (i = 0; i < 5; i++)
		r[i].qpn = 0x100 + (uint32_t)i;
	replicate_case(e, &in, r, 5, 0, "5 receivers, UDP checksum 0");
	in.udp_csum = 1, in.tclass = 0x6a, in.flow = 0x12345, in.paylen = 1001;
	replicate_case(e, &in, r, 5, 0, "5 receivers, UDP checksum set");
}

static void test_twelve(struct env *e)
{
	struct rcv r[14] = {0};
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_FIRST, .psn = 0x7fffff, .paylen = 600,
				 .udp_csum = 1, .hl = 10 };
	size_t i;

	for (i = 0; i < 14; i++)
		r[i].qpn = 0xabcd00 + (uint32_t)i;
	r[13].slow = 1;		/* its neighbour is resolved by the stack */
	replicate_case(e, &in, r, 14, 1, "14 receivers over 2 TLVs, one slow path");
}

/* The outer packet `f` (SL 2, segments [Proxy, SID, SID2]) as chain mode
 * sends it on toward SID2: SL 1, DA SID2, hop limit 63, MACs r2 -> p2. */
static void chain_expected(uint8_t *exp, const uint8_t *f, size_t len)
{
	memcpy(exp, f, len);
	memcpy(exp, mac_p[2], 6);
	memcpy(exp + 6, mac_r[2], 6);
	exp[14 + 7] = 63;
	memcpy(exp + 14 + 24, exp + 54 + 8 + 16, 16);
	exp[54 + 3] = 1;
}

/* The End.MT SID is a multicast group, so End.MT frames arrive with its
 * multicast MAC, and a receiver has no neighbour entry yet (it has not
 * spoken): its copies go through the stack, which must resolve the
 * neighbour and deliver them, the first ones included.  Before the fix
 * the clone kept 33:33:..., came back as PACKET_MULTICAST and ip6_forward
 * dropped it silently: 0 copies, all counted fwd_neigh_slow_path. */
static void test_mcast_no_neigh(struct env *e)
{
	static uint8_t pay[256], f[EU_MAXPKT], exp[EU_MAXPKT];
	static struct tu_frame got[64];
	struct inner_spec in = { .opcode = ENDMT_OP_WRITE_ONLY, .psn = 7, .va = 0x4000,
				 .rkey = 0x99, .paylen = 256, .udp_csum = 1, .hl = 64 };
	struct rcv r[3] = { { .qpn = 0x301 }, { .qpn = 0x302 }, { .qpn = 0x303, .slow = 1 } };
	struct eu_stats a, b;
	size_t i, j, k, n, len, slow_ok = 0;
	const size_t burst = 8;

	inj_dmac = mac_mc;
	tu_sh("ip -n %s -6 neigh del %s dev r2 2>/dev/null; true", e->ns_e, SLOW);
	replicate_case(e, &in, r, 3, 0, "multicast MAC, receiver without a neighbour");

	/* A burst before the neighbour is known: all of it arrives (the
	 * stack queues the copies on the unresolved neighbour). */
	tu_sh("ip -n %s -6 neigh del %s dev r2 2>/dev/null; true", e->ns_e, SLOW);
	drain(e);
	eu_stats_read(&e->o, &a);
	for (k = 0; k < burst; k++) {
		in.psn = 100 + (uint32_t)k;
		len = build_endmt(f, &in, pay, r, 3, 0, 0);
		ASSERT_OK(inject(e, f, len), "inject burst");
	}
	n = collect(e, got, 64, 3 * burst, 3000);
	eu_stats_read(&e->o, &b);
	ASSERT_EQ(n, 3 * burst, "burst copies");
	for (k = 0; k < burst; k++) {
		in.psn = 100 + (uint32_t)k;
		len = build_copy(exp, &in, pay, &r[2]);
		for (j = 0; j < n; j++)
			if (got[j].dev == 2 && got[j].len == len && !memcmp(got[j].b, exp, len)) {
				slow_ok++;
				break;
			}
	}
	ASSERT_EQ(slow_ok, burst, "every burst copy to the unresolved receiver, byte for byte");
	i = b.v[ENDMT_STAT_FWD_NEIGH_SLOW] - a.v[ENDMT_STAT_FWD_NEIGH_SLOW];
	ASSERT_GE(i, 1, "fwd_neigh_slow_path (first copies)");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_SLOW_RX] - a.v[ENDMT_STAT_FWD_SLOW_RX], i, "fwd_slow_path_rx");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_COPY] - a.v[ENDMT_STAT_FWD_COPY] + i, 3 * burst,
		  "every copy fast or slow");

	/* Chain mode: the outer packet goes on to SID2, whose neighbour is
	 * unknown as well (SID2 made a real address of p2 for the time), so
	 * it too leaves through the stack although it came in with the
	 * multicast MAC: SL 1, DA SID2, hop limit 63 by the stack, MACs
	 * r2 -> p2. */
	if (!ASSERT_OK(tu_sh("ip -n %s -6 neigh del %s dev r2 && ip -n %s addr add %s/128 dev p2 nodad",
			     e->ns_e, SID2, e->ns_r, SID2), "SID2 without a neighbour"))
		goto out;
	in.psn = 200;
	len = build_endmt(f, &in, pay, r, 2, 1, 0);
	chain_expected(exp, f, len);
	drain(e);
	eu_stats_read(&e->o, &a);
	ASSERT_OK(inject(e, f, len), "inject chain");
	n = collect(e, got, 64, 3, 3000);
	eu_stats_read(&e->o, &b);
	for (j = 0, k = 0; j < n; j++)
		if (got[j].b[20] == 43) {
			k++;
			ASSERT_EQ(got[j].dev, 2, "outer leaves on r2");
			ASSERT_MEMEQ(got[j].b, got[j].len, exp, len, "chained outer packet via the stack");
		}
	ASSERT_EQ(k, 1, "chained outer packets");
	ASSERT_EQ(n, 3, "outer + 2 copies");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_NEIGH_SLOW] - a.v[ENDMT_STAT_FWD_NEIGH_SLOW], 1,
		  "chain: fwd_neigh_slow_path");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_SLOW_RX] - a.v[ENDMT_STAT_FWD_SLOW_RX], 1, "chain: fwd_slow_path_rx");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_CHAIN] - a.v[ENDMT_STAT_FWD_CHAIN], 0, "chain: fwd_chain");
out:
	{
		char m1[32];

		tu_sh("ip -n %s addr del %s/128 dev p2 2>/dev/null; "
		      "ip -n %s -6 neigh replace %s lladdr %s dev r2 nud permanent",
		      e->ns_r, SID2, e->ns_e, SID2, tu_mac_str(mac_p[2], m1));
	}
	inj_dmac = mac_e0;
}

/* rx-udp-gro-forwarding on the upstream device: GRO may merge a burst of
 * End.MT datagrams of one flow (equal metadata) into one GSO skb after XDP.
 * TC must not rewrite it as one packet; it drops it, drop_gso.  Whatever
 * is not merged is replicated as usual, and every copy that leaves has a
 * right ICRC. */
static void test_gro(struct env *e)
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
			bad += !endmt_icrc_ok(got[k].b + 14, got[k].len - 14);
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

static void test_xlate(struct env *e)
{
	struct rcv r[4] = {0};
	struct inner_spec in = { .opcode = ENDMT_OP_WRITE_FIRST, .psn = 0xfffffd, .paylen = 512,
				 .va = 0x7f00001000ull, .rkey = 0x1234, .udp_csum = 1, .hl = 64 };

	r[0].qpn = 17;
	r[1].qpn = 18, r[1].xl = (struct endmt_rcv_xlate){ .psn_offset = 5, .flags = ENDMT_XL_PSN };
	r[2].qpn = 19, r[2].xl = (struct endmt_rcv_xlate){ .psn_offset = -0x100, .flags =
			ENDMT_XL_PSN | ENDMT_XL_RETH, .va_delta = 0xffffffff00000000ull, .rkey = 0xbeef };
	r[3].qpn = 20, r[3].xl = (struct endmt_rcv_xlate){ .flags = ENDMT_XL_RETH,
			.va_delta = 0x10, .rkey = 0x99 };
	replicate_case(e, &in, r, 4, 0, "WRITE_FIRST, PSN wrap and RETH translation");
	/* the same receivers for a WRITE_MIDDLE: PSN shifts, no RETH */
	in.opcode = ENDMT_OP_WRITE_MIDDLE, in.psn = 0xffffff;
	replicate_case(e, &in, r, 4, 0, "WRITE_MIDDLE, PSN wrap");
}

/* RFC 6040 normal-mode decapsulation (figure 4): a CE mark a transit link
 * put on the outer header reaches every copy when the inner packet is ECT;
 * an outer ECT(1) turns an inner ECT(0) into ECT(1); other outer values
 * change nothing; CE over Not-ECT is dropped and counted.  DSCP bits (0x68)
 * ride along to show only the ECN field moves. */
static void test_ecn(struct env *e)
{
	struct rcv r[5] = {0};
	struct inner_spec in = { .opcode = ENDMT_OP_WRITE_ONLY, .psn = 0xfffffe, .paylen = 256,
				 .va = 0x10000, .rkey = 7, .udp_csum = 1, .hl = 64,
				 .flow = 0xabcde };
	size_t i;

	for (i = 0; i < 5; i++)
		r[i].qpn = 0x200 + (uint32_t)i;
	r[3].xl = (struct endmt_rcv_xlate){ .psn_offset = 0x100, .flags = ENDMT_XL_PSN |
			ENDMT_XL_RETH, .va_delta = 0x1000, .rkey = 0x77 };
	in.tclass = 0x68 | 2, in.otclass = 0x68 | 3, in.copy_ecn = 1 + 3;
	replicate_case(e, &in, r, 5, 0, "outer CE, inner ECT(0): every copy CE");
	in.tclass = 0x68 | 1, in.otclass = 0x68 | 3, in.copy_ecn = 1 + 3, in.udp_csum = 0;
	replicate_case(e, &in, r, 5, 1, "outer CE, inner ECT(1): every copy CE");
	in.tclass = 0x68 | 3, in.otclass = 0x68 | 3, in.copy_ecn = 0;
	replicate_case(e, &in, r, 5, 0, "outer CE, inner CE: unchanged");
	in.tclass = 0x68 | 2, in.otclass = 0x68 | 2, in.udp_csum = 1;
	replicate_case(e, &in, r, 5, 0, "outer ECT(0), inner ECT(0): unchanged");
	in.tclass = 0x68 | 1, in.otclass = 0x68 | 2;
	replicate_case(e, &in, r, 5, 0, "outer ECT(0), inner ECT(1): unchanged");
	in.tclass = 0x68 | 2, in.otclass = 0x68 | 1, in.copy_ecn = 1 + 1;
	replicate_case(e, &in, r, 5, 0, "outer ECT(1), inner ECT(0): every copy ECT(1)");
	in.tclass = 0x68 | 3, in.otclass = 0x68 | 1, in.copy_ecn = 0;
	replicate_case(e, &in, r, 5, 0, "outer ECT(1), inner CE: unchanged");
	in.tclass = 0x68 | 1, in.otclass = 0x68;
	replicate_case(e, &in, r, 5, 0, "outer Not-ECT, inner ECT(1): unchanged");
	in.tclass = 0x68, in.otclass = 0x68 | 2;
	replicate_case(e, &in, r, 5, 0, "outer ECT(0), inner Not-ECT: unchanged");
	in.tclass = 0x68, in.otclass = 0x68 | 3;
	replicate_case_x(e, &in, r, 5, 0, 1, "outer CE, inner Not-ECT: dropped");
}

/* Chain mode: the outer packet goes on to SID2 (behind r2) as well. */
static void test_chain(struct env *e)
{
	static uint8_t pay[64], f[EU_MAXPKT], exp[EU_MAXPKT];
	static struct tu_frame got[16];
	struct inner_spec in = { .opcode = ENDMT_OP_SEND_ONLY, .psn = 1, .paylen = 64, .hl = 64 };
	struct rcv r[2] = { { .qpn = 40 }, { .qpn = 41 } };
	struct eu_stats a, b;
	size_t len, n, i, outer = 0, copies = 0;

	if (!ASSERT_OK(rcv_setup(e, r, 2, 0), "receivers"))
		return;
	len = build_endmt(f, &in, pay, r, 2, 1, 0);
	chain_expected(exp, f, len);
	drain(e);
	eu_stats_read(&e->o, &a);
	ASSERT_OK(inject(e, f, len), "inject");
	n = collect(e, got, 16, 3, 3000);
	eu_stats_read(&e->o, &b);
	for (i = 0; i < n; i++) {
		if (got[i].b[20] == 43) {
			outer++;
			ASSERT_EQ(got[i].dev, 2, "outer leaves on r2");
			ASSERT_MEMEQ(got[i].b, got[i].len, exp, len, "chained outer packet");
		} else {
			copies++;
			ASSERT_TRUE(endmt_icrc_ok(got[i].b + 14, got[i].len - 14), "copy ICRC");
		}
	}
	ASSERT_EQ(outer, 1, "outer packets");
	ASSERT_EQ(copies, 2, "copies");
	ASSERT_EQ(b.v[ENDMT_STAT_FWD_CHAIN] - a.v[ENDMT_STAT_FWD_CHAIN], 1, "fwd_chain");
}

/* Mutated End.MT frames through the real path: whatever comes out must be
 * a well-formed RoCEv2 packet to a configured receiver whose ICRC is right
 * exactly when the input's was, and the counters must explain every
 * packet and every copy. */
static void test_fuzz(struct env *e)
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
		size_t k, m = 1 + (size_t)(rand() % 3);

		len = build_endmt(f, &in, pay, r, 6, 0, iter & 1);
		inner_off = len - (W_IN_BTH + sizeof(struct endmt_bth) + in.paylen + ENDMT_ICRC_LEN);
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
		case ENDMT_STAT_FWD_MTU: case ENDMT_STAT_DROP_CLONE:
			outcomes += d;
			if (i == ENDMT_STAT_FWD_COPY)
				copies_cnt += d;
			break;
		case ENDMT_STAT_ENDMT_CONSUMED: case ENDMT_STAT_DROP_META: case ENDMT_STAT_DROP_DECAP:
		case ENDMT_STAT_FWD_CHAIN: case ENDMT_STAT_DROP_CHAIN_HLIM:
		case ENDMT_STAT_DROP_ECN_NOT_ECT:
			break;		/* TC side of packets already counted by XDP */
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

void test_edge_veth(void)
{
	struct env e;

	if (!test__start_subtest("setup"))
		return;
	exp_f = fopen(EXP_OUT, "w");
	if (!ASSERT_OK(env_up(&e), "netns/veth/XDP/TC setup")) {
		env_down(&e);
		return;
	}
	if (test__start_subtest("five_receivers"))
		test_five(&e);
	if (test__start_subtest("fourteen_receivers_two_tlvs"))
		test_twelve(&e);
	if (test__start_subtest("multicast_mac_no_neighbour"))
		test_mcast_no_neigh(&e);
	if (test__start_subtest("gro_forwarding_refused"))
		test_gro(&e);
	if (test__start_subtest("psn_wrap_reth_xlate"))
		test_xlate(&e);
	if (test__start_subtest("chain_mode"))
		test_chain(&e);
	if (test__start_subtest("ecn_rfc6040"))
		test_ecn(&e);
	if (exp_f) {
		fclose(exp_f);
		exp_f = NULL;
	}
	tu_pcap_write(PCAP_OUT, (const uint8_t *const *)pc_pkts, pc_lens, pc_n);
	while (pc_n)
		free(pc_pkts[--pc_n]);
	if (test__start_subtest("fuzz_through_veth"))
		test_fuzz(&e);
	env_down(&e);
}
