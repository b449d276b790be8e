/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fixture of the edge veth tests (edge_veth.c, edge_veth_stress.c): the
 * netns/veth/XDP/TC environment, receivers, injecting and collecting
 * frames, and End.MT frames and their expected copies built by lib/pkt.h. */
#ifndef ENDMT_TEST_EDGE_VETH_FX_H
#define ENDMT_TEST_EDGE_VETH_FX_H

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

static const uint8_t mac_inj[6] __attribute__((unused)) = { 0x02, 0xee, 0, 0, 0, 0x01 };
static const uint8_t mac_e0[6]  __attribute__((unused)) = { 0x02, 0xee, 0, 0, 0, 0x02 };
/* Ethernet address of the SID's group ff3e::4d54 (RFC 2464: 33:33 + low
 * 32 bits), what a multicast underlay delivers End.MT packets with. */
static const uint8_t mac_mc[6] __attribute__((unused)) = { 0x33, 0x33, 0, 0, 0x4d, 0x54 };
/* Destination MAC of injected End.MT frames. */
static const uint8_t *inj_dmac __attribute__((unused)) = mac_e0;
static const uint8_t mac_r[NRV][6] __attribute__((unused)) = { { 0x02, 0xee, 0, 0, 1, 0x10 },
				       { 0x02, 0xee, 0, 0, 1, 0x11 },
				       { 0x02, 0xee, 0, 0, 1, 0x12 } };
static const uint8_t mac_p[NRV][6] __attribute__((unused)) = { { 0x02, 0xee, 0, 0, 2, 0x10 },
				       { 0x02, 0xee, 0, 0, 2, 0x11 },
				       { 0x02, 0xee, 0, 0, 2, 0x12 } };

struct env {
	char ns_a[32], ns_e[32], ns_r[32];
	int orig_ns, inj_fd, cap_fd[NRV], inj_ifindex;
	struct eu_obj o;
	int up;
};

/* Oracle output, accumulated over the subtests. */
static uint8_t *pc_pkts[4096] __attribute__((unused));
static size_t pc_lens[4096] __attribute__((unused)), pc_n __attribute__((unused));
static FILE *exp_f __attribute__((unused));

/* The fuzz subtest reads hundreds of copies at once: a large buffer. */
static inline int packet_sock(const char *ns, const char *dev, int *ifindex_out)
{
	int fd = tu_packet_sock(ns, dev, SOCK_NONBLOCK, ifindex_out);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ 8 << 20 }, sizeof(int));
	return fd;
}

static inline void env_down(struct env *e)
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

static inline int env_up(struct env *e)
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

static inline int rcv_setup(struct env *e, struct rcv *r, size_t n, int base)
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
static inline bool is_roce_or_srv6(const uint8_t *f, size_t len, int pkttype)
{
	(void)pkttype;
	if (len < 54 || f[12] != 0x86 || f[13] != 0xdd)
		return false;
	if (f[20] == 43)
		return true;
	return f[20] == 17 && len >= 62 && (f[56] << 8 | f[57]) == ENDMT_ROCE_PORT;
}

static inline size_t collect(struct env *e, struct tu_frame *out, size_t max, size_t want,
		      int timeout_ms)
{
	return tu_collect(e->cap_fd, NRV, is_roce_or_srv6, out, max, want, timeout_ms);
}

static inline void drain(struct env *e)
{
	static struct tu_frame junk[64];

	collect(e, junk, 64, 1u << 30, 60);
}

static inline int inject(struct env *e, const uint8_t *f, size_t len)
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

static inline void roce_spec(struct endmt_roce_spec *s, const struct inner_spec *in, const uint8_t *pay)
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
static inline size_t build_endmt(uint8_t *out, const struct inner_spec *in, const uint8_t *pay,
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
static inline size_t build_copy(uint8_t *out, const struct inner_spec *in, const uint8_t *pay,
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

static inline void oracle_add(const uint8_t *f, size_t len, const struct rcv *r, uint32_t psn,
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
static inline void replicate_case_x(struct env *e, const struct inner_spec *in, struct rcv *r,
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

static inline void replicate_case(struct env *e, const struct inner_spec *in, struct rcv *r,
			   size_t n, int other, const char *name)
{
	replicate_case_x(e, in, r, n, other, 0, name);
}

/* edge_veth_stress.c: GRO refused, and mutated frames through the path;
 * run from test_edge_veth, which owns the environment. */
void edge_veth_gro(struct env *e);
void edge_veth_fuzz(struct env *e);

#endif /* ENDMT_TEST_EDGE_VETH_FX_H */
