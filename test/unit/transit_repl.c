/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RFC 9524 replication at a transit node (bpf/dp/repl_segment.h through the transit
 * object's endmt_transit_tc), one BPF_PROG_TEST_RUN per table row.
 *
 * Runs in a thread with a private network namespace holding
 *   up0 (the packet's ingress, ctx ifindex)   veth up0 <-> up1
 *   dn0 (downstream, MTU 1400)                veth dn0 <-> dn1
 * with routes: SID_FAST via dn0 with a permanent neighbour (fast path),
 * SID_SLOW via dn0 without one (slow path), SID_NONE unrouted.  The test
 * run really transmits the clones; data_out is the packet as the program
 * left it, i.e. the last copy, which each matching row makes a fast-path
 * one so its bytes can be compared.  Every counter delta is compared, not
 * only the expected ones.  A failing row writes its input, output and
 * expected frames to /tmp/endmt-repl-<row>.pcap. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/pkt_cls.h>
#include "repl_util.h"
#include "srh_hmac.h"
#include "wire.h"
#include "endmt/pm.h"

#define SID_FAST "fd00:d1::1"
#define SID_SLOW "fd00:d2::1"
#define SID_NONE "fd00:d3::1"
#define OTHER_DA "fd00:d9::1"
#define DN_MTU   1400
#define CAP      EU_MAXPKT

static const uint8_t mac_up0[6] = { 0x02, 0x9e, 0, 0, 0, 0x01 };
static const uint8_t mac_inj[6] = { 0x02, 0x9e, 0, 0, 0, 0x02 };
static const uint8_t mac_dn0[6] = { 0x02, 0x9e, 0, 0, 1, 0x01 };
static const uint8_t mac_dn1[6] = { 0x02, 0x9e, 0, 0, 1, 0x02 };

struct tr_obj {
	struct endmt_transit *skel;
	char pin_root[128];
	int prog, repl_fd, sids_fd, stats_fd, keys_fd, up_ifindex;
};

static void tr_close(struct tr_obj *o)
{
	TU_SKEL_CLOSE(endmt_transit, &o->skel, o->pin_root);
}

static int tr_open(struct tr_obj *o)
{
	int err;

	memset(o, 0, sizeof(*o));
	err = TU_SKEL_LOAD(endmt_transit, &o->skel, o->pin_root, (void)0);
	if (err)
		return err;
	o->prog = bpf_program__fd(o->skel->progs.endmt_transit_tc);
	o->repl_fd = bpf_map__fd(o->skel->maps.endmt_repl);
	o->sids_fd = bpf_map__fd(o->skel->maps.endmt_sids);
	o->stats_fd = bpf_map__fd(o->skel->maps.endmt_stats);
	o->keys_fd = bpf_map__fd(o->skel->maps.endmt_hmac_keys);
	return 0;
}

static int repl_del(int fd, const char *sid)
{
	struct endmt_sid_key k;
	struct in6_addr a = endmt_in6(sid);

	memcpy(k.sid, &a, 16);
	return bpf_map_delete_elem(fd, &k) && errno != ENOENT ? -errno : 0;
}

/* The inner RoCEv2 packet (IPv6 onward): SEND_ONLY from the Proxy to the
 * Proxy with the Designated QPN, as the head emits it. */
static size_t inner_pkt(uint8_t *out, size_t paylen, int udp_csum)
{
	static uint8_t pay[2048];
	struct endmt_roce_spec s = {0};
	size_t i;

	for (i = 0; i < paylen; i++)
		pay[i] = (uint8_t)(i * 7 + 3);
	s.saddr = endmt_in6(PROXY);
	s.daddr = endmt_in6(PROXY);
	s.opcode = ENDMT_OP_SEND_ONLY;
	s.dqpn = 4660;
	s.psn = 0xfffffe;
	s.ackreq = 1;
	s.udp_csum = udp_csum;
	s.payload = pay;
	s.paylen = paylen;
	return ru_roce_ip6(out, &s);
}

/* The head's frame to RSID (repl_util.h) around that inner packet, with
 * two receivers in its End.MT TLV; with da given, a downstream's copy. */
static size_t srh_frame(uint8_t *out, const char *da, uint8_t hl, const uint8_t *dmac,
			const uint8_t *smac, size_t paylen, int udp_csum)
{
	static uint8_t inner[CAP];
	struct endmt_rcv_ent rcv[2] = { { endmt_in6("fd00:a0::2"), 0x111 },
					{ endmt_in6("fd00:a0::3"), 0x222 } };
	struct endmt_edge_ent edge = { endmt_in6("fd00:e0::1"), 2, rcv };
	size_t il = inner_pkt(inner, paylen, udp_csum);

	return ru_srh_frame(out, da, hl, dmac, smac, &edge, inner, il);
}

/* Outer IPv6 (next header nh) straight around the inner packet, no SRH. */
static size_t plain_frame(uint8_t *out, const char *da, uint8_t hl, uint8_t nh,
			  const uint8_t *dmac, const uint8_t *smac, size_t paylen)
{
	size_t il = inner_pkt(out + W_OUT + W_IP6_LEN, paylen, 1);

	return ru_plain_frame(out, da, hl, nh, dmac, smac, il);
}

struct stat_delta {
	enum endmt_stat s;
	uint64_t n;
};

struct row {
	const char *name;
	uint8_t in[CAP], exp[CAP];
	size_t in_len, exp_len;		/* exp_len 0: output == input */
	uint32_t verdict;
	struct stat_delta d[6];		/* every other counter: no change */
};

static void run_row(struct tr_obj *o, struct row *r)
{
	static uint8_t out[CAP];
	uint64_t a[ENDMT_STAT_MAX], b[ENDMT_STAT_MAX], want[ENDMT_STAT_MAX] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct __sk_buff ctx = { .ifindex = (uint32_t)o->up_ifindex,
				 .ingress_ifindex = (uint32_t)o->up_ifindex };
	const uint8_t *exp = r->exp_len ? r->exp : r->in;
	size_t exp_len = r->exp_len ? r->exp_len : r->in_len, i;
	bool ok = true;
	char path[128];

	opts.data_in = r->in;
	opts.data_size_in = (uint32_t)r->in_len;
	opts.data_out = out;
	opts.data_size_out = sizeof(out);
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	for (i = 0; i < NELEM(r->d) && r->d[i].n; i++)
		want[r->d[i].s] = r->d[i].n;
	tu_stats_read(o->stats_fd, a);
	if (!ASSERT_OK(bpf_prog_test_run_opts(o->prog, &opts), r->name))
		return;
	tu_stats_read(o->stats_fd, b);
	ok &= ASSERT_EQ(opts.retval, r->verdict, "verdict");
	ok &= ASSERT_MEMEQ(out, opts.data_size_out, exp, exp_len, "output frame");
	for (i = 0; i < ENDMT_STAT_MAX; i++) {
		char what[96];

		snprintf(what, sizeof(what), "counter %s", tu_stat_names[i]);
		ok &= ASSERT_EQ(b[i] - a[i], want[i], what);
	}
	if (!ok) {
		const uint8_t *pk[3] = { r->in, out, exp };
		size_t ln[3] = { r->in_len, opts.data_size_out, exp_len };

		snprintf(path, sizeof(path), "/tmp/endmt-repl-%s.pcap", r->name);
		if (!tu_pcap_write(path, pk, ln, 3))
			fprintf(stdout, "    frames (in, out, expected): %s\n", path);
	}
}

static int netns_setup(struct tr_obj *o)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1 "
		 "net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 && "
		 "ip link set lo up && "
		 "ip link add up0 address 02:9e:00:00:00:01 type veth peer name up1 && "
		 "ip link add dn0 mtu %d address 02:9e:00:00:01:01 type veth "
		 "peer name dn1 mtu %d address 02:9e:00:00:01:02 && "
		 "ip link set up0 up && ip link set up1 up && ip link set dn0 up && ip link set dn1 up && "
		 "ip addr add fd00:dd::1/64 dev dn0 nodad && "
		 "ip -6 route add %s/128 dev dn0 && ip -6 route add %s/128 dev dn0 && "
		 "ip -6 neigh add %s lladdr 02:9e:00:00:01:02 dev dn0 nud permanent",
		 DN_MTU, DN_MTU, SID_FAST, SID_SLOW, SID_FAST);
	if (system(cmd))
		return -EIO;
	o->up_ifindex = (int)if_nametoindex("up0");
	return o->up_ifindex > 0 ? 0 : -ENODEV;
}

#define D(st, k) { ENDMT_STAT_##st, k }

/* Three downstream SIDs (none, slow, fast, in that order): one fast-path
 * copy, one to the stack, one without a route. */
static const struct stat_delta d_down3[] = {
	D(REPL_RX, 1), D(REPL_COPY, 1), D(FWD_NEIGH_SLOW, 1), D(FWD_NO_ROUTE, 1),
};

/* Input: the head's frame to RSID as it arrives on up0. */
static void row_in(struct row *r, uint8_t hl, size_t paylen, int udp_csum)
{
	r->in_len = srh_frame(r->in, NULL, hl, mac_up0, mac_inj, paylen, udp_csum);
}

/* Expected output: its fast-path copy to SID_FAST (hop limit 63, MACs of
 * dn0 -> dn1). */
static void row_fast_copy(struct row *r, size_t paylen, int udp_csum)
{
	r->exp_len = srh_frame(r->exp, SID_FAST, 63, mac_dn1, mac_dn0, paylen, udp_csum);
}

static void row_verdict(struct row *r, uint32_t verdict, const struct stat_delta *d, size_t n)
{
	if (n > NELEM(r->d))
		abort();	/* a table bigger than a row holds: fix the test */
	r->verdict = verdict;
	memcpy(r->d, d, n * sizeof(*d));
}

/* HMAC keys of the node (endmt_hmac_keys): KEY_EXT with the extended
 * text, KEY_RFC with RFC 8754's; KEY_NONE is not installed. */
#define KEY_EXT  7
#define KEY_RFC  8
#define KEY_NONE 9
static const uint8_t hmac_secret[] = "transit replication secret";

static int key_set(struct tr_obj *o, uint32_t id, enum endmt_hmac_mode mode)
{
	struct endmt_hmac_key k = { .alg = ENDMT_HMAC_ALG_SHA256, .mode = (uint8_t)mode };

	endmt_hmac_pads_init(&k.pads, hmac_secret, sizeof(hmac_secret) - 1);
	return bpf_map_update_elem(o->keys_fd, &id, &k, BPF_ANY) ? -errno : 0;
}

/* The HMAC policy of Replication SID sid's entry. */
static int repl_hmac(int fd, const char *sid, uint8_t policy, uint32_t key_id)
{
	struct endmt_sid_key k;
	struct endmt_repl v;
	struct in6_addr a = endmt_in6(sid);

	memcpy(k.sid, &a, 16);
	if (bpf_map_lookup_elem(fd, &k, &v))
		return -errno;
	v.hmac_policy = policy;
	v.hmac_key_id = key_id;
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
}

/* Frame f (len octets, SRH right behind the outer header) with an HMAC TLV
 * of key_id appended to its SRH and signed in mode with hmac_secret by
 * lib/srh_hmac (the head's signer); the new length. */
static size_t sign_frame(uint8_t *f, size_t len, uint32_t key_id, enum endmt_hmac_mode mode)
{
	static uint8_t srh[2048 + 64], rest[CAP];
	struct endmt_hmac_pads p;
	size_t so = W_OUT + W_IP6_LEN, sl = ((size_t)f[so + 1] + 1) * 8, rl = len - so - sl;
	uint16_t plen;
	int l;

	memcpy(srh, f + so, sl);
	memcpy(rest, f + so + sl, rl);
	endmt_hmac_pads_init(&p, hmac_secret, sizeof(hmac_secret) - 1);
	l = endmt_srh_add_hmac(srh, sizeof(srh), sl, key_id);
	if (l < 0 || endmt_srh_hmac_set(f + W_OUT + 8, srh, (size_t)l, mode, &p) ||
	    so + (size_t)l + rl > CAP)
		abort();
	memcpy(f + so, srh, (size_t)l);
	memcpy(f + so + l, rest, rl);
	plen = (uint16_t)(((f[W_OUT + 4] << 8) | f[W_OUT + 5]) + (l - (int)sl));
	f[W_OUT + 4] = (uint8_t)(plen >> 8), f[W_OUT + 5] = (uint8_t)plen;
	return len + (size_t)l - sl;
}

/* The input and its fast-path copy, both signed (the copy's SRH is the
 * input's: replication leaves it alone). */
static void row_signed(struct row *r, uint32_t key_id, enum endmt_hmac_mode mode)
{
	row_in(r, 64, 64, 0);
	row_fast_copy(r, 64, 0);
	r->in_len = sign_frame(r->in, r->in_len, key_id, mode);
	r->exp_len = sign_frame(r->exp, r->exp_len, key_id, mode);
}

/* Untouched and passed: TC_ACT_OK, pass_not_ours. */
static void row_pass(struct row *r)
{
	static const struct stat_delta d[] = { D(PASS_NOT_OURS, 1) };

	row_verdict(r, TC_ACT_OK, d, NELEM(d));
}

/* Dropped and counted once under st. */
static void row_drop(struct row *r, enum endmt_stat st)
{
	const struct stat_delta d[] = { { st, 1 } };

	row_verdict(r, TC_ACT_SHOT, d, NELEM(d));
}

/* A Hop-by-Hop header of hl octets put between r's outer IPv6 header and
 * its SRH: PadN over all of it but the option opt (type, length, hl - 4
 * octets of it) at offset 2, then hdrlen_add added to its Hdr Ext Len. */
static void row_hbh(struct row *r, size_t hl, uint8_t opt, uint8_t optlen, int hdrlen_add)
{
	uint8_t *ip6 = r->in + ENDMT_ETH_HLEN, *h = ip6 + 40;
	size_t plen = (size_t)ip6[4] << 8 | ip6[5];

	memmove(h + hl, h, r->in_len - ENDMT_ETH_HLEN - 40);
	memset(h, 0, hl);
	h[0] = ip6[6];
	h[1] = (uint8_t)((int)(hl / 8 - 1) + hdrlen_add);
	h[2] = opt;
	h[3] = optlen;
	ip6[6] = 0;
	plen += hl;
	ip6[4] = (uint8_t)(plen >> 8), ip6[5] = (uint8_t)plen;
	r->in_len += hl;
}

/* Extension header ext (el octets, type nh) put between frame f's outer
 * IPv6 header and whatever followed it (whose type ext[0] must name). */
static void frame_ext(uint8_t *f, size_t *len, uint8_t nh, const uint8_t *ext, size_t el)
{
	uint8_t *ip6 = f + ENDMT_ETH_HLEN;
	size_t plen = (size_t)ip6[4] << 8 | ip6[5];

	memmove(ip6 + 40 + el, ip6 + 40, *len - ENDMT_ETH_HLEN - 40);
	memcpy(ip6 + 40, ext, el);
	ip6[6] = nh;
	plen += el;
	ip6[4] = (uint8_t)(plen >> 8), ip6[5] = (uint8_t)plen;
	*len += el;
}

/* An RFC 9343 Destination Options header of 8 octets: next header nh,
 * option type/length opt/optlen and the AltMark data (FlowMonID, L, D)
 * as RFC 9343 3 lays them out, written here by hand. */
#define PM_FLOW 0x5a5a5
static void doh8(uint8_t *h, uint8_t nh, uint8_t opt, uint8_t optlen, uint32_t flow, int l, int d)
{
	uint32_t v = flow << 12 | (uint32_t)l << 11 | (uint32_t)d << 10;

	h[0] = nh, h[1] = 0, h[2] = opt, h[3] = optlen;
	h[4] = (uint8_t)(v >> 24), h[5] = (uint8_t)(v >> 16), h[6] = (uint8_t)(v >> 8), h[7] = (uint8_t)v;
}

/* The (PM_FLOW, srv6, colour, IN) packets counted at this node. */
static uint64_t pm_in(struct tr_obj *o, uint8_t colour)
{
	struct endmt_pm_key k = { .flow = PM_FLOW, .enc = ENDMT_PM_SRV6, .colour = colour,
				  .point = ENDMT_PM_IN };
	static struct endmt_pm_count v[512];
	int i, n = libbpf_num_possible_cpus();
	uint64_t sum = 0;

	if (n > 512 || bpf_map_lookup_elem(bpf_map__fd(o->skel->maps.endmt_pm_counts), &k, v))
		return ~0ull;
	for (i = 0; i < n; i++)
		sum += v[i].packets;
	return sum;
}

static int pm_flow_in(struct tr_obj *o)
{
	static struct endmt_pm_count zero[512];
	struct endmt_pm_key k = { .flow = PM_FLOW, .enc = ENDMT_PM_SRV6, .point = ENDMT_PM_IN };
	struct endmt_pm_cfg c = { .period_ns = 1000000000ull, .node_id = 70 };
	uint32_t z = 0;
	int fd = bpf_map__fd(o->skel->maps.endmt_pm_counts);

	for (k.colour = 0; k.colour < 2; k.colour++)
		if (bpf_map_update_elem(fd, &k, zero, BPF_ANY))
			return -errno;
	return bpf_map_update_elem(bpf_map__fd(o->skel->maps.endmt_pm), &z, &c, BPF_ANY) ? -errno : 0;
}

/* The rows: one subtest each, r reset and named by ROW. */
static const char *const down3[] = { SID_NONE, SID_SLOW, SID_FAST };
static const char *const down_loop[] = { RSID2, RSID, SID_FAST };
static const char *down16[ENDMT_MAX_REPL];
static struct row r;
#define ROW(nm) if (memset(&r, 0, sizeof(r)), r.name = nm, test__start_subtest(nm))

/* Alternate marking at a fork (bpf/dp/repl_pm.h): the Destination
 * Options header rides along unchanged on every copy, behind a Hop-by-Hop
 * header if there is one; the fork counts the packet once; a header that
 * cannot be walked or says discard makes no copy and no count. */
static void rows_altmark(struct tr_obj *o)
{
	static const struct stat_delta d_pm[] = {
		D(REPL_RX, 1), D(REPL_COPY, 1), D(FWD_NEIGH_SLOW, 1), D(FWD_NO_ROUTE, 1),
		D(PM_COUNTED, 1),
	};
	uint8_t h[16], p[8];

	if (!ASSERT_OK(pm_flow_in(o), "flow counters"))
		return;
	ROW("doh_altmark_on_every_copy") {
		uint64_t c0 = pm_in(o, 1);

		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		row_in(&r, 64, 200, 0);
		row_fast_copy(&r, 200, 0);
		doh8(h, ENDMT_NEXTHDR_ROUTING, 0x12, 4, PM_FLOW, 1, 1);
		frame_ext(r.in, &r.in_len, ENDMT_NEXTHDR_DSTOPTS, h, 8);
		frame_ext(r.exp, &r.exp_len, ENDMT_NEXTHDR_DSTOPTS, h, 8);
		row_verdict(&r, TC_ACT_SHOT, d_pm, NELEM(d_pm));
		run_row(o, &r);
		ASSERT_EQ(pm_in(o, 1) - c0, 1, "counted once, colour 1");
	}
	ROW("doh_behind_hop_by_hop") {
		/* A Hop-by-Hop header that is no trace of ours (PadN only)
		 * goes back on as it came, first, the mark behind it. */
		uint64_t c0 = pm_in(o, 0);

		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		row_in(&r, 64, 200, 0);
		row_fast_copy(&r, 200, 0);
		doh8(h, ENDMT_NEXTHDR_ROUTING, 0x12, 4, PM_FLOW, 0, 0);
		memset(p, 0, sizeof(p));
		p[0] = ENDMT_NEXTHDR_DSTOPTS, p[2] = 1, p[3] = 4;	/* PadN */
		frame_ext(r.in, &r.in_len, ENDMT_NEXTHDR_DSTOPTS, h, 8);
		frame_ext(r.in, &r.in_len, 0, p, 8);
		frame_ext(r.exp, &r.exp_len, ENDMT_NEXTHDR_DSTOPTS, h, 8);
		frame_ext(r.exp, &r.exp_len, 0, p, 8);
		row_verdict(&r, TC_ACT_SHOT, d_pm, NELEM(d_pm));
		run_row(o, &r);
		ASSERT_EQ(pm_in(o, 0) - c0, 1, "counted once, colour 0");
	}
	ROW("doh_unknown_option_skipped") {
		/* action bits 00 (0x1e): skipped; the AltMark behind it counts */
		static const struct stat_delta d[] = {
			D(REPL_RX, 1), D(REPL_COPY, 1), D(FWD_NEIGH_SLOW, 1), D(FWD_NO_ROUTE, 1),
			D(PM_COUNTED, 1),
		};

		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		row_in(&r, 64, 64, 0);
		row_fast_copy(&r, 64, 0);
		memset(h, 0, sizeof(h));
		h[0] = ENDMT_NEXTHDR_ROUTING, h[1] = 1;
		h[2] = 0x1e, h[3] = 2;			/* unknown, skip */
		doh8(p, 0, 0x12, 4, PM_FLOW, 0, 0);
		memcpy(h + 6, p + 2, 6);		/* the AltMark */
		h[12] = 1, h[13] = 2;			/* PadN */
		frame_ext(r.in, &r.in_len, ENDMT_NEXTHDR_DSTOPTS, h, 16);
		frame_ext(r.exp, &r.exp_len, ENDMT_NEXTHDR_DSTOPTS, h, 16);
		row_verdict(&r, TC_ACT_SHOT, d, NELEM(d));
		run_row(o, &r);
	}
	ROW("doh_option_discard") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		row_in(&r, 64, 64, 0);
		doh8(h, ENDMT_NEXTHDR_ROUTING, 0x5e, 4, PM_FLOW, 0, 0);	/* action 01 */
		frame_ext(r.in, &r.in_len, ENDMT_NEXTHDR_DSTOPTS, h, 8);
		row_drop(&r, ENDMT_STAT_DROP_DOH_OPTION);
		run_row(o, &r);
	}
	ROW("doh_option_past_header") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		row_in(&r, 64, 64, 0);
		doh8(h, ENDMT_NEXTHDR_ROUTING, 0x12, 12, PM_FLOW, 0, 0);
		frame_ext(r.in, &r.in_len, ENDMT_NEXTHDR_DSTOPTS, h, 8);
		row_drop(&r, ENDMT_STAT_DROP_DOH);
		run_row(o, &r);
	}
	ROW("doh_longer_than_read") {
		/* Hdr Ext Len 8: 72 octets, more than endmt reads (64) */
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		row_in(&r, 64, 200, 0);
		doh8(h, ENDMT_NEXTHDR_ROUTING, 0x12, 4, PM_FLOW, 0, 0);
		h[1] = 8;
		frame_ext(r.in, &r.in_len, ENDMT_NEXTHDR_DSTOPTS, h, 8);
		row_drop(&r, ENDMT_STAT_DROP_DOH);
		run_row(o, &r);
	}
	ROW("doh_other_source_not_counted") {
		uint64_t c0 = pm_in(o, 0);

		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(ru_repl_domain(o->repl_fd, RSID, "fd00:6::2", 128, 0), "domain");
		row_in(&r, 64, 64, 0);
		doh8(h, ENDMT_NEXTHDR_ROUTING, 0x12, 4, PM_FLOW, 0, 0);
		frame_ext(r.in, &r.in_len, ENDMT_NEXTHDR_DSTOPTS, h, 8);
		row_drop(&r, ENDMT_STAT_DROP_REPL_SOURCE);
		run_row(o, &r);
		ASSERT_EQ(pm_in(o, 0) - c0, 0, "nothing counted");
		ASSERT_OK(ru_repl_domain(o->repl_fd, RSID, NULL, 0, 0), "domain back");
	}
}

/* Not ours: untouched, TC_ACT_OK, pass_not_ours. */
static void rows_not_ours(struct tr_obj *o)
{
	ROW("not_ipv6") {
		r.in_len = 60;
		memcpy(r.in, mac_up0, 6), memcpy(r.in + 6, mac_inj, 6);
		r.in[12] = 0x08, r.in[13] = 0x06;	/* ARP */
		row_pass(&r);
		run_row(o, &r);
	}
	ROW("other_da") {
		r.in_len = plain_frame(r.in, OTHER_DA, 64, ENDMT_NEXTHDR_IPV6, mac_up0, mac_inj, 64);
		row_pass(&r);
		run_row(o, &r);
	}
	ROW("sid_flag_without_entry") {
		/* endmt_sids is not consulted: a SID entry alone does
		 * not make a Replication SID (docs/FORWARD-PATH.md). */
		struct endmt_sid_key k;
		struct endmt_sid v = { .flags = 0x2 };	/* not ENDMT_SID_F_ENDMT */
		struct in6_addr a = endmt_in6(OTHER_DA);

		memcpy(k.sid, &a, 16);
		ASSERT_OK(bpf_map_update_elem(o->sids_fd, &k, &v, BPF_ANY), "sid");
		row_in(&r, 64, 64, 0);
		memcpy(r.in + W_OUT_DADDR, &a, 16);
		row_pass(&r);
		run_row(o, &r);
		bpf_map_delete_elem(o->sids_fd, &k);
	}
}

/* Bad input: dropped, named. */
static void rows_bad_input(struct tr_obj *o)
{
	/* An IPv6 frame shorter than the IPv6 header: BPF_PROG_TEST_RUN
	 * refuses it (EINVAL on 6.18), so transit_repl_veth sends one. */
	ROW("payload_truncated") {
		row_in(&r, 64, 64, 0);
		r.in_len -= 1;
		row_drop(&r, ENDMT_STAT_DROP_REPL_TRUNC);
		run_row(o, &r);
	}
	ROW("version_not_6") {
		row_in(&r, 64, 64, 0);
		r.in[ENDMT_ETH_HLEN] = 0x40;
		row_drop(&r, ENDMT_STAT_DROP_REPL_TRUNC);
		run_row(o, &r);
	}
	ROW("udp_right_behind_outer") {
		r.in_len = plain_frame(r.in, RSID, 64, ENDMT_NEXTHDR_UDP, mac_up0, mac_inj, 64);
		row_drop(&r, ENDMT_STAT_DROP_REPL_PAYLOAD);
		run_row(o, &r);
	}
	ROW("hop_limit_1") {
		row_in(&r, 1, 64, 0);
		row_drop(&r, ENDMT_STAT_DROP_REPL_HLIM);
		run_row(o, &r);
	}
	ROW("hop_limit_0") {
		r.in_len = plain_frame(r.in, RSID, 0, ENDMT_NEXTHDR_IPV6, mac_up0, mac_inj, 64);
		row_drop(&r, ENDMT_STAT_DROP_REPL_HLIM);
		run_row(o, &r);
	}
	/* A Hop-by-Hop header that cannot be walked, or whose option says
	 * discard (RFC 8200 4.2), makes no copy (bpf/dp/repl_tm.h). */
	ROW("hbh_past_packet") {
		row_in(&r, 64, 64, 0);
		row_hbh(&r, 32, 1, 28, 100);
		row_drop(&r, ENDMT_STAT_DROP_HBH);
		run_row(o, &r);
	}
	ROW("hbh_option_past_header") {
		row_in(&r, 64, 64, 0);
		row_hbh(&r, 32, 0x31, 60, 0);
		row_drop(&r, ENDMT_STAT_DROP_HBH);
		run_row(o, &r);
	}
	ROW("hbh_option_discard") {
		row_in(&r, 64, 64, 0);
		row_hbh(&r, 32, 0x41, 28, 0);
		row_drop(&r, ENDMT_STAT_DROP_HBH_OPTION);
		run_row(o, &r);
	}
	ROW("entry_n_0") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 0, down3, 3), "entry n 0");
		row_in(&r, 64, 64, 0);
		row_drop(&r, ENDMT_STAT_DROP_REPL_ENTRY);
		run_row(o, &r);
	}
	ROW("entry_n_over_max") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, ENDMT_MAX_REPL + 1, down16, ENDMT_MAX_REPL),
			  "entry n 17");
		row_in(&r, 64, 64, 0);
		row_drop(&r, ENDMT_STAT_DROP_REPL_ENTRY);
		run_row(o, &r);
	}
}

/* Replication: the last copy (fast path) is what data_out holds. */
static void rows_replication(struct tr_obj *o)
{
	/* The SR domain's boundary (struct endmt_repl): where the tree
	 * arrives (the packet's ingress, up0), from the head's prefix. */
	ROW("boundary_device_and_source") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(ru_repl_domain(o->repl_fd, RSID, HEADSA, 128, (uint32_t)o->up_ifindex), "domain");
		row_in(&r, 64, 200, 0);
		row_fast_copy(&r, 200, 0);
		row_verdict(&r, TC_ACT_SHOT, d_down3, NELEM(d_down3));
		run_row(o, &r);
	}
	ROW("boundary_wrong_device") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(ru_repl_domain(o->repl_fd, RSID, NULL, 0, (uint32_t)o->up_ifindex + 1000), "domain");
		row_in(&r, 64, 64, 0);
		row_drop(&r, ENDMT_STAT_DROP_REPL_DEVICE);
		run_row(o, &r);
	}
	ROW("boundary_other_source") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(ru_repl_domain(o->repl_fd, RSID, "fd00:6::2", 128, 0), "domain");
		row_in(&r, 64, 64, 0);
		row_drop(&r, ENDMT_STAT_DROP_REPL_SOURCE);
		run_row(o, &r);
	}
	ROW("srh_three_downstream") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		row_in(&r, 64, 200, 0);
		row_fast_copy(&r, 200, 0);
		row_verdict(&r, TC_ACT_SHOT, d_down3, NELEM(d_down3));
		run_row(o, &r);
	}
	ROW("no_srh_ipip_hop_limit_2") {
		r.in_len = plain_frame(r.in, RSID, 2, ENDMT_NEXTHDR_IPV6, mac_up0, mac_inj, 100);
		r.exp_len = plain_frame(r.exp, SID_FAST, 1, ENDMT_NEXTHDR_IPV6, mac_dn1, mac_dn0, 100);
		row_verdict(&r, TC_ACT_SHOT, d_down3, NELEM(d_down3));
		run_row(o, &r);
	}
	ROW("trailing_padding_kept") {
		/* Octets past the payload length (Ethernet padding) ride along. */
		row_in(&r, 64, 8, 0);
		memset(r.in + r.in_len, 0, 6);
		r.in_len += 6;
		row_fast_copy(&r, 8, 0);
		memset(r.exp + r.exp_len, 0, 6);
		r.exp_len += 6;
		row_verdict(&r, TC_ACT_SHOT, d_down3, NELEM(d_down3));
		run_row(o, &r);
	}
	ROW("sixteen_downstream") {
		static const struct stat_delta d[] = {
			D(REPL_RX, 1), D(REPL_COPY, ENDMT_MAX_REPL),
		};

		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, ENDMT_MAX_REPL, down16, ENDMT_MAX_REPL), "entry 16");
		row_in(&r, 64, 64, 1);
		row_fast_copy(&r, 64, 1);
		row_verdict(&r, TC_ACT_SHOT, d, NELEM(d));
		run_row(o, &r);
	}
	ROW("downstream_is_local_repl_sid") {
		static const struct stat_delta d[] = {
			D(REPL_RX, 1), D(REPL_COPY, 1), D(DROP_REPL_LOOP, 2),
		};

		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down_loop, 3), "loop entry");
		row_in(&r, 64, 64, 0);
		row_fast_copy(&r, 64, 0);
		row_verdict(&r, TC_ACT_SHOT, d, NELEM(d));
		run_row(o, &r);
	}
	ROW("copy_over_mtu") {
		static const struct stat_delta d[] = {
			D(REPL_RX, 1), D(FWD_MTU, 1), D(FWD_NEIGH_SLOW, 1), D(FWD_NO_ROUTE, 1),
		};

		/* The frame fits up0 (1500) but not dn0 (DN_MTU): the fast-path
		 * copy is refused; the slow-path copy goes to the stack,
		 * which sends its own Packet Too Big. */
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		row_in(&r, 64, 1300, 0);
		ASSERT_GE(r.in_len - ENDMT_ETH_HLEN, DN_MTU + 1, "frame above the downstream MTU");
		/* last attempt was the fast one: it never stored anything, so
		 * the frame holds the slow-path copy (DA SID_FAST stored
		 * before the FIB said FRAG_NEEDED, received MACs, HL 64) */
		r.exp_len = srh_frame(r.exp, SID_FAST, 64, mac_up0, mac_inj, 1300, 0);
		row_verdict(&r, TC_ACT_SHOT, d, NELEM(d));
		run_row(o, &r);
	}
	ROW("entry_deleted") {
		ASSERT_OK(repl_del(o->repl_fd, RSID), "delete entry");
		row_in(&r, 64, 64, 0);
		row_pass(&r);
		run_row(o, &r);
	}
}

/* The SRH HMAC at the Replication SID (struct endmt_repl hmac_policy):
 * verified before any copy, dropped with the edge's counters. */
static void rows_hmac(struct tr_obj *o)
{
	static const struct stat_delta d_ok[] = {
		D(REPL_RX, 1), D(REPL_COPY, 1), D(FWD_NEIGH_SLOW, 1), D(FWD_NO_ROUTE, 1),
		D(HMAC_OK, 1),
	};

	if (!ASSERT_OK(key_set(o, KEY_EXT, ENDMT_HMAC_EXTENDED), "key ext") ||
	    !ASSERT_OK(key_set(o, KEY_RFC, ENDMT_HMAC_RFC8754), "key rfc"))
		return;
	ROW("hmac_require_valid") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(repl_hmac(o->repl_fd, RSID, ENDMT_HMAC_REQUIRE, KEY_EXT), "hmac");
		row_signed(&r, KEY_EXT, ENDMT_HMAC_EXTENDED);
		row_verdict(&r, TC_ACT_SHOT, d_ok, NELEM(d_ok));
		run_row(o, &r);
	}
	ROW("hmac_verify_valid_rfc_text_any_key") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(repl_hmac(o->repl_fd, RSID, ENDMT_HMAC_VERIFY, 0), "hmac");
		row_signed(&r, KEY_RFC, ENDMT_HMAC_RFC8754);
		row_verdict(&r, TC_ACT_SHOT, d_ok, NELEM(d_ok));
		run_row(o, &r);
	}
	ROW("hmac_require_missing") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(repl_hmac(o->repl_fd, RSID, ENDMT_HMAC_REQUIRE, KEY_EXT), "hmac");
		row_in(&r, 64, 64, 0);
		row_drop(&r, ENDMT_STAT_DROP_HMAC_MISSING);
		run_row(o, &r);
	}
	ROW("hmac_require_missing_no_srh") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(repl_hmac(o->repl_fd, RSID, ENDMT_HMAC_REQUIRE, KEY_EXT), "hmac");
		r.in_len = plain_frame(r.in, RSID, 64, ENDMT_NEXTHDR_IPV6, mac_up0, mac_inj, 64);
		row_drop(&r, ENDMT_STAT_DROP_HMAC_MISSING);
		run_row(o, &r);
	}
	ROW("hmac_verify_missing_copied") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(repl_hmac(o->repl_fd, RSID, ENDMT_HMAC_VERIFY, KEY_EXT), "hmac");
		row_in(&r, 64, 64, 0);
		row_fast_copy(&r, 64, 0);
		row_verdict(&r, TC_ACT_SHOT, d_down3, NELEM(d_down3));
		run_row(o, &r);
	}
	ROW("hmac_segment_bit_flipped") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(repl_hmac(o->repl_fd, RSID, ENDMT_HMAC_REQUIRE, KEY_EXT), "hmac");
		row_signed(&r, KEY_EXT, ENDMT_HMAC_EXTENDED);
		r.in[W_OUT + W_IP6_LEN + 8 + 5] ^= 0x10;	/* SRH[0], the Proxy */
		r.exp_len = 0;
		row_drop(&r, ENDMT_STAT_DROP_HMAC_MISMATCH);
		run_row(o, &r);
	}
	ROW("hmac_tlv_bit_flipped_extended") {
		/* The last receiver's QPN: in the extended text only. */
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(repl_hmac(o->repl_fd, RSID, ENDMT_HMAC_REQUIRE, KEY_EXT), "hmac");
		row_signed(&r, KEY_EXT, ENDMT_HMAC_EXTENDED);
		r.in[W_OUT + W_IP6_LEN + 8 + 32 + 24 + 20 + 17] ^= 0x01;
		r.exp_len = 0;
		row_drop(&r, ENDMT_STAT_DROP_HMAC_MISMATCH);
		run_row(o, &r);
	}
	ROW("hmac_unknown_key") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(repl_hmac(o->repl_fd, RSID, ENDMT_HMAC_VERIFY, 0), "hmac");
		row_signed(&r, KEY_NONE, ENDMT_HMAC_EXTENDED);
		r.exp_len = 0;
		row_drop(&r, ENDMT_STAT_DROP_HMAC_KEY);
		run_row(o, &r);
	}
	ROW("hmac_not_the_entrys_key") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(repl_hmac(o->repl_fd, RSID, ENDMT_HMAC_REQUIRE, KEY_EXT), "hmac");
		row_signed(&r, KEY_RFC, ENDMT_HMAC_RFC8754);
		r.exp_len = 0;
		row_drop(&r, ENDMT_STAT_DROP_HMAC_KEY);
		run_row(o, &r);
	}
	ROW("hmac_ignore_flipped_copied") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		row_signed(&r, KEY_EXT, ENDMT_HMAC_EXTENDED);
		r.in[W_OUT + W_IP6_LEN + 8 + 5] ^= 0x10;
		r.exp[W_OUT + W_IP6_LEN + 8 + 5] ^= 0x10;
		row_verdict(&r, TC_ACT_SHOT, d_down3, NELEM(d_down3));
		run_row(o, &r);
	}
	ROW("hmac_length_not_38") {
		ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry");
		ASSERT_OK(repl_hmac(o->repl_fd, RSID, ENDMT_HMAC_VERIFY, 0), "hmac");
		row_signed(&r, KEY_EXT, ENDMT_HMAC_EXTENDED);
		/* The HMAC TLV is the SRH's last 40 octets; Length 30 leaves
		 * 8 octets of it that parse as Pad1s. */
		r.in[W_OUT + W_IP6_LEN + (r.in[W_OUT + W_IP6_LEN + 1] + 1) * 8 - 40 + 1] = 30;
		memset(r.in + W_OUT + W_IP6_LEN + (r.in[W_OUT + W_IP6_LEN + 1] + 1) * 8 - 8, 0, 8);
		r.exp_len = 0;
		row_drop(&r, ENDMT_STAT_DROP_HMAC_LEN);
		run_row(o, &r);
	}
	ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry back to no HMAC");
}
#undef ROW

static void rows_run(struct tr_obj *o)
{
	size_t i;

	for (i = 0; i < ENDMT_MAX_REPL; i++)
		down16[i] = SID_FAST;
	if (!ASSERT_OK(ru_repl_set(o->repl_fd, RSID, 3, down3, 3), "entry") ||
	    !ASSERT_OK(ru_repl_set(o->repl_fd, RSID2, 1, down3 + 2, 1), "entry 2"))
		return;
	rows_not_ours(o);
	rows_bad_input(o);
	rows_replication(o);
	rows_altmark(o);
	rows_hmac(o);
}

static void *repl_thread(void *arg)
{
	struct tr_obj *o = arg;

	/* Private to this thread: the veths and routes vanish with it. */
	if (!ASSERT_OK(unshare(CLONE_NEWNET) ? -errno : 0, "private network namespace") ||
	    !ASSERT_OK(netns_setup(o), "veths and routes"))
		return NULL;
	rows_run(o);
	return NULL;
}

void test_transit_repl(void)
{
	struct tr_obj o;
	pthread_t th;

	if (!ASSERT_OK(tr_open(&o), "load transit object"))
		return;
	if (ASSERT_OK(pthread_create(&th, NULL, repl_thread, &o), "thread"))
		pthread_join(th, NULL);
	tr_close(&o);
}
