/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-packet and per-copy costs of the endmt data path, in nanoseconds of BPF
 * program run time (the kernel's own accounting).  Driven by bench/percopy.sh,
 * which builds the netns/veth topology.
 *
 *   percopy edge SRC_NS SINK_NS LABEL OBJ [LABEL OBJ...]  (in the edge's netns)
 *     Loads edge objects (bpf/edge.bpf.o, the bench-only variants), takes
 *     turns attaching endmt_edge_xdp (skb mode) + endmt_edge_tc on d0,
 *     installs the End.MT SID, sends End.MT packets for N receivers from s0
 *     (trafgen in SRC_NS; SENDER=send: one AF_PACKET send per frame) and
 *     reads run_time_ns / run_cnt of both programs
 *     (BPF_ENABLE_STATS).  The TC half cannot run under BPF_PROG_TEST_RUN: it
 *     needs the XDP half's metadata (skb->data_meta), which a test-run skb
 *     never has.  Copies really leave through d1 to the sink; a sample is
 *     captured on k0 and its ICRCs checked with the full computation.
 *     Prints: edge LABEL N PAYLOAD xdp_ns tc_ns tc_ns_per_copy checked bad
 *   percopy xdp OBJ                          (BPF_PROG_TEST_RUN, repeat)
 *     The XDP half alone (parse, TLV walk, S02/S03, metadata).
 *     Prints: xdp N PAYLOAD ns
 *   percopy acks OBJ                         (BPF_PROG_TEST_RUN)
 *     endmt_transit_xdp on ACKs for a group of B branches configured directly
 *     in the maps (branch = receiver address); ACKs arrive round-robin over
 *     the branches, each ACKing the next PSN, so one ACK in B advances the
 *     group minimum and is forwarded, the others are absorbed.
 *     Prints: acks B ns_per_ack forwarded absorbed
 * Env: COUNT (test runs per point, and edge packets with SENDER=send; default
 * 3000), COPIES (edge with trafgen, the default sender: copies per point,
 * default 40000), REPEAT (default 5; medians). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endmt/maps.h"
#include "endmt/psn.h"
#include "endmt/roce.h"
#include "endmt/stats.h"
#include "icrc_full.h"
#include "benchpkt.h"

static const int ns_list[] = { 1, 5, 11, 32 };
static const size_t pay_list[] = { 256, 1024, 4096 };
#define NN (sizeof(ns_list) / sizeof(ns_list[0]))
#define NP (sizeof(pay_list) / sizeof(pay_list[0]))

static int env_int(const char *name, int def)
{
	const char *s = getenv(name);

	return s && *s ? atoi(s) : def;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int libbpf_quiet(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	if (lvl == LIBBPF_WARN && getenv("BENCH_VERBOSE"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* Opens and loads an object with its pinned maps under pin_root. */
static struct bpf_object *load_obj(const char *path, const char *pin_root)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin_root);
	struct bpf_object *obj = bpf_object__open_file(path, &oo);
	int err;

	if (!obj) {
		fprintf(stderr, "percopy: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "percopy: cannot load %s: %s (BENCH_VERBOSE=1 shows the verifier log)\n",
			path, strerror(-err));
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -ENOENT;
}

static uint64_t stat_sum(int map_fd, uint32_t key)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	uint64_t vals[512], sum = 0;

	if (ncpu <= 0 || ncpu > 512 || bpf_map_lookup_elem(map_fd, &key, vals))
		return 0;
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

static int enter_ns(const char *name)
{
	char path[128];
	int fd, err = 0;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET))
		err = -errno;
	close(fd);
	return err;
}

/* AF_PACKET socket on dev inside netns ns; the caller's netns is restored.
 * With mac, the device's address comes back too (from the bound socket:
 * sysfs would show another netns). */
static int packet_sock_in(const char *ns, const char *dev, uint8_t mac[6])
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct sockaddr_ll me;
	socklen_t ml = sizeof(me);
	int fd = -1, orig, err;

	orig = open("/proc/self/ns/net", O_RDONLY);
	if (orig < 0)
		return -errno;
	err = enter_ns(ns);
	if (err)
		goto out;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (fd < 0) {
		err = -errno;
		goto back;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ 32 << 20 }, sizeof(int));
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -ENODEV;
		goto back;
	}
	if (mac) {
		if (getsockname(fd, (struct sockaddr *)&me, &ml) || me.sll_halen != 6) {
			err = -EIO;
			goto back;
		}
		memcpy(mac, me.sll_addr, 6);
	}
back:
	if (setns(orig, CLONE_NEWNET) && !err)
		err = -errno;
out:
	close(orig);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

static int dev_mac(const char *dev, uint8_t mac[6])
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = 0 };
	struct sockaddr_ll me;
	socklen_t ml = sizeof(me);
	int fd = socket(AF_PACKET, SOCK_RAW, 0), err = 0;

	if (fd < 0)
		return -errno;
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    getsockname(fd, (struct sockaddr *)&me, &ml) || me.sll_halen != 6)
		err = -ENODEV;
	else
		memcpy(mac, me.sll_addr, 6);
	close(fd);
	return err;
}

/* The verifier's processed-instruction count and the program's size. */
static void print_insns(const char *label, const char *name, int fd)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	printf("insns %s %s %u %u %u\n", label, name, info.verified_insns,
	       info.xlated_prog_len / 8, info.jited_prog_len);
}

static int prog_stats(int fd, uint64_t *rt, uint64_t *cnt)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*rt = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

/* Reads whatever the sink captured; checks ICRCs of up to max frames. */
static void drain_check(int fd, int max, int *checked, int *bad)
{
	static uint8_t buf[16384];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		const uint8_t *ip6 = buf + ENDMT_ETH_HLEN;
		size_t len;

		if (n < ENDMT_ETH_HLEN + 40 || buf[12] != 0x86 || buf[13] != 0xdd)
			continue;
		len = 40 + ((size_t)ip6[4] << 8 | ip6[5]);
		if (len + ENDMT_ETH_HLEN > (size_t)n || ip6[6] != 17)
			continue;
		if (*checked >= max)
			continue;
		(*checked)++;
		if (!endmt_icrc_ok(ip6, len))
			(*bad)++;
	}
}

/* One frame as a trafgen configuration. */
static int write_trafgen_cfg(const char *path, const uint8_t *frame, int len)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		return -errno;
	fprintf(f, "{");
	for (i = 0; i < len; i++)
		fprintf(f, "%s0x%02x", i ? "," : " ", frame[i]);
	fprintf(f, " }\n");
	return fclose(f) ? -errno : 0;
}

#define MAXV 4

/* One benchmark point: its frame (shared by the variants) and, per variant,
 * the results. */
struct point {
	uint8_t frame[10000];
	int len;
	char cfg[96];
	struct {
		int runs, checked, bad, mismatch;
		double xv[64], tv[64];
	} v[MAXV];
};

struct variant {
	const char *label;
	struct bpf_object *obj;
	int xfd, tfd;
};

/* Attaches variant v on d0: XDP replaced in place, TC replaced by handle. */
static int attach_variant(const struct variant *v, int ifi, __u32 xdp_flags,
			  struct bpf_tc_hook *hook)
{
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = 1, .priority = 1, .flags = BPF_TC_F_REPLACE,
		    .prog_fd = v->tfd);
	int err = bpf_xdp_attach(ifi, v->xfd, xdp_flags, NULL);

	if (err) {
		fprintf(stderr, "percopy: XDP attach of %s on d0: %s\n", v->label, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(hook, &tco);
	if (err)
		fprintf(stderr, "percopy: TC attach of %s on d0: %s\n", v->label, strerror(-err));
	return err;
}

/* One measurement of point pt with the attached variant vi. */
static int measure_point(struct point *pt, int vi, int n, int tx, int xfd, int tfd, int stats,
			 int stream, const char *src_ns, int count, int copies)
{
	uint64_t xr0, xc0, tr0, tc0, xr1, xc1, tr1, tc1, c0, c1, k0, k1;
	char cmd[512];
	int i;

	/* warm-up: caches, neighbour entries, skb pools */
	for (i = 0; i < 50; i++)
		send(tx, pt->frame, (size_t)pt->len, 0);
	prog_stats(xfd, &xr0, &xc0);
	prog_stats(tfd, &tr0, &tc0);
	c0 = stat_sum(stats, ENDMT_STAT_FWD_COPY);
	k0 = stat_sum(stats, ENDMT_STAT_ENDMT_CONSUMED);
	if (stream) {
		/* trafgen's TX ring at full speed: what a busy edge sees
		 * (frames the backlog cannot take are dropped before our
		 * programs). */
		snprintf(cmd, sizeof(cmd),
			 "ip netns exec %s trafgen -o s0 --no-sock-mem -i %s -P 1 -J -q -C -n %d "
			 ">/dev/null 2>&1", src_ns, pt->cfg, copies / n > 200 ? copies / n : 200);
		if (system(cmd)) {
			fprintf(stderr, "percopy: trafgen failed: %s\n", cmd);
			return -EIO;
		}
	} else {
		for (i = 0; i < count; i++) {
			/* one frame per send: the edge processes it before
			 * send() returns (BH enable on the veth xmit path). */
			if (send(tx, pt->frame, (size_t)pt->len, 0) < 0)
				break;
		}
	}
	prog_stats(xfd, &xr1, &xc1);
	prog_stats(tfd, &tr1, &tc1);
	c1 = stat_sum(stats, ENDMT_STAT_FWD_COPY);
	k1 = stat_sum(stats, ENDMT_STAT_ENDMT_CONSUMED);
	/* Every End.MT packet the TC half consumed must have left as N
	 * copies.  (TC also runs, briefly, for the odd ND/MLD frame of s0.) */
	if (k1 == k0 || c1 - c0 != (k1 - k0) * (uint64_t)n)
		pt->v[vi].mismatch++;
	if (xc1 == xc0 || tc1 == tc0 || pt->v[vi].runs >= 64)
		return 0;
	pt->v[vi].xv[pt->v[vi].runs] = (double)(xr1 - xr0) / (double)(xc1 - xc0);
	pt->v[vi].tv[pt->v[vi].runs] = (double)(tr1 - tr0) / (double)(tc1 - tc0);
	pt->v[vi].runs++;
	return 0;
}

/* argv: LABEL OBJ [LABEL OBJ ...].  All variants share one pin root (their
 * pinned maps are the same); they take turns on d0, round by round. */
static int cmd_edge(int nv, char **lv, const char *src_ns, const char *sink_ns)
{
	char pin[64], cfg[64];
	struct variant vs[MAXV] = {};
	struct endmt_sid_key sk;
	struct endmt_sid sv = { .flags = ENDMT_SID_F_ENDMT, .max_rcv = ENDMT_MAX_RCV };
	struct in6_addr edge = endmt_in6(BP_EDGE);
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	uint8_t smac[6], dmac[6];
	int count = env_int("COUNT", 3000), repeat = env_int("REPEAT", 5);
	int copies = env_int("COPIES", 40000);
	int stream = !getenv("SENDER") || strcmp(getenv("SENDER"), "send");
	int sids, stats, tx = -1, cap = -1, ifi, err = 0, xdp_on = 0, stats_fd = -1, vi, r;
	__u32 xdp_flags;
	static struct point pts[NP][NN];
	size_t ni, pi;

	snprintf(cfg, sizeof(cfg), "/tmp/benchpc%d.cfg", (int)getpid());
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/benchpc%d", (int)getpid());
	if (nv < 1 || nv > MAXV)
		return -EINVAL;
	if (mkdir(pin, 0700) && errno != EEXIST)
		return -errno;
	ifi = (int)if_nametoindex("d0");
	if (!ifi) {
		err = -ENODEV;
		goto out;
	}
	for (vi = 0; vi < nv; vi++) {
		vs[vi].label = lv[2 * vi];
		vs[vi].obj = load_obj(lv[2 * vi + 1], pin);
		if (!vs[vi].obj) {
			err = -EINVAL;
			goto out;
		}
		vs[vi].xfd = prog_fd(vs[vi].obj, "endmt_edge_xdp");
		vs[vi].tfd = prog_fd(vs[vi].obj, "endmt_edge_tc");
		if (vs[vi].xfd < 0 || vs[vi].tfd < 0) {
			fprintf(stderr, "percopy: %s lacks the edge programs\n", lv[2 * vi + 1]);
			err = -ENOENT;
			goto out;
		}
		print_insns(vs[vi].label, "endmt_edge_xdp", vs[vi].xfd);
		print_insns(vs[vi].label, "endmt_edge_tc", vs[vi].tfd);
	}
	sids = bpf_object__find_map_fd_by_name(vs[0].obj, "endmt_sids");
	stats = bpf_object__find_map_fd_by_name(vs[0].obj, "endmt_stats");
	memcpy(sk.sid, &edge, 16);
	memcpy(sv.edge, &edge, 16);
	if (sids < 0 || stats < 0 || bpf_map_update_elem(sids, &sk, &sv, 0)) {
		err = -ENOENT;
		goto out;
	}
	/* skb mode: a 4 KiB payload needs MTU > 4096, and veth refuses native
	 * XDP above a page for programs without frags support. */
	xdp_flags = getenv("XDP_MODE") && !strcmp(getenv("XDP_MODE"), "native") ?
		    XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	hook.ifindex = ifi;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		goto out;
	tx = packet_sock_in(src_ns, "s0", smac);
	if (tx < 0 || dev_mac("d0", dmac)) {
		fprintf(stderr, "percopy: socket on s0 failed\n");
		err = -EIO;
		goto out;
	}
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		err = stats_fd;
		fprintf(stderr, "percopy: BPF_ENABLE_STATS: %s\n", strerror(-err));
		goto out;
	}

	/* Frames, trafgen files, and per variant an ICRC check of a sample.
	 * The capture socket is open only for the check: while open it holds
	 * every copy it queued, and that memory churn would be measured. */
	for (pi = 0; pi < NP; pi++) {
		for (ni = 0; ni < NN; ni++) {
			struct point *pt = &pts[pi][ni];

			pt->len = bp_build(pt->frame, sizeof(pt->frame), BP_ENDMT, ns_list[ni],
					   pay_list[pi], smac, dmac);
			if (pt->len < 0) {
				err = pt->len;
				goto out;
			}
			snprintf(pt->cfg, sizeof(pt->cfg), "%s.%zu.%zu", cfg, pi, ni);
			if (stream && write_trafgen_cfg(pt->cfg, pt->frame, pt->len)) {
				err = -EIO;
				goto out;
			}
		}
	}
	for (vi = 0; vi < nv; vi++) {
		err = attach_variant(&vs[vi], ifi, xdp_flags, &hook);
		if (err)
			goto out;
		xdp_on = 1;
		cap = packet_sock_in(sink_ns, "k0", NULL);
		if (cap < 0) {
			err = cap;
			goto out;
		}
		for (pi = 0; pi < NP; pi++) {
			for (ni = 0; ni < NN; ni++) {
				struct point *pt = &pts[pi][ni];
				int i;

				for (i = 0; i < 2; i++)
					send(tx, pt->frame, (size_t)pt->len, 0);
				usleep(20000);
				drain_check(cap, 64, &pt->v[vi].checked, &pt->v[vi].bad);
			}
		}
		close(cap);
		cap = -1;
	}
	/* REPEAT rounds; in each, every variant measures every point, so
	 * points and variants (and the ratios between them) see the same
	 * machine conditions. */
	for (r = 0; r < repeat && r < 64; r++) {
		for (vi = 0; vi < nv; vi++) {
			err = attach_variant(&vs[vi], ifi, xdp_flags, &hook);
			if (err)
				goto out;
			for (pi = 0; pi < NP; pi++) {
				for (ni = 0; ni < NN; ni++) {
					err = measure_point(&pts[pi][ni], vi, ns_list[ni], tx,
							    vs[vi].xfd, vs[vi].tfd, stats, stream,
							    src_ns, count, copies);
					if (err)
						goto out;
				}
			}
		}
	}
	for (vi = 0; vi < nv; vi++) {
		for (pi = 0; pi < NP; pi++) {
			for (ni = 0; ni < NN; ni++) {
				struct point *pt = &pts[pi][ni];
				int n = ns_list[ni];

				if (!pt->v[vi].runs || pt->v[vi].mismatch) {
					printf("edge %s %d %zu error %s\n", vs[vi].label, n,
					       pay_list[pi], pt->v[vi].runs ?
					       "copies != N x End.MT packets consumed" : "no runs");
					continue;
				}
				printf("edge %s %d %zu %.0f %.0f %.0f %d %d\n", vs[vi].label, n,
				       pay_list[pi], median(pt->v[vi].xv, pt->v[vi].runs),
				       median(pt->v[vi].tv, pt->v[vi].runs),
				       median(pt->v[vi].tv, pt->v[vi].runs) / n,
				       pt->v[vi].checked, pt->v[vi].bad);
			}
		}
	}
	fflush(stdout);
out:
	if (stats_fd >= 0)
		close(stats_fd);
	if (hook.ifindex) {
		/* removes the clsact qdisc we made, with the filter */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	if (xdp_on)
		bpf_xdp_detach(ifi, xdp_flags, NULL);
	if (tx >= 0)
		close(tx);
	if (cap >= 0)
		close(cap);
	for (vi = 0; vi < nv; vi++) {
		if (!vs[vi].obj)
			continue;
		bpf_object__unpin_maps(vs[vi].obj, NULL);
		bpf_object__close(vs[vi].obj);
	}
	rmdir(pin);
	for (pi = 0; pi < NP; pi++)
		for (ni = 0; ni < NN; ni++)
			if (pts[pi][ni].cfg[0])
				unlink(pts[pi][ni].cfg);
	return err;
}

/* BPF_PROG_TEST_RUN of the XDP half with repeat. */
static int cmd_xdp(const char *obj_path)
{
	char pin[64];
	struct bpf_object *obj;
	struct endmt_sid_key sk;
	struct endmt_sid sv = { .flags = ENDMT_SID_F_ENDMT, .max_rcv = ENDMT_MAX_RCV };
	struct in6_addr edge = endmt_in6(BP_EDGE);
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	static uint8_t frame[10000], out[10000];
	int fd, sids, err = 0, repeat = env_int("REPEAT", 5), count = env_int("COUNT", 3000);
	size_t ni, pi;

	snprintf(pin, sizeof(pin), "/sys/fs/bpf/benchpx%d", (int)getpid());
	if (mkdir(pin, 0700) && errno != EEXIST)
		return -errno;
	obj = load_obj(obj_path, pin);
	if (!obj) {
		rmdir(pin);
		return -EINVAL;
	}
	fd = prog_fd(obj, "endmt_edge_xdp");
	sids = bpf_object__find_map_fd_by_name(obj, "endmt_sids");
	memcpy(sk.sid, &edge, 16);
	memcpy(sv.edge, &edge, 16);
	if (fd < 0 || sids < 0 || bpf_map_update_elem(sids, &sk, &sv, 0)) {
		err = -ENOENT;
		goto out;
	}
	for (pi = 0; pi < NP; pi++) {
		for (ni = 0; ni < NN; ni++) {
			int n = ns_list[ni], len = bp_build(frame, sizeof(frame), BP_ENDMT, n,
							    pay_list[pi], mac, mac), r, runs = 0;
			double v[64];

			for (r = 0; r < repeat && r < 64; r++) {
				double total = 0;
				int i;

				/* repeat = 1 per call: the program rewrites the
				 * packet (SL, DA, metadata), and test-run repeats
				 * would run again on the rewritten bytes. */
				for (i = 0; i < count; i++) {
					LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
						    .data_size_in = (uint32_t)len, .data_out = out,
						    .data_size_out = sizeof(out), .repeat = 1);

					if (bpf_prog_test_run_opts(fd, &o))
						break;
					if (o.retval != 2 /* XDP_PASS */) {
						/* expected only for frames over a page */
						if (len < 3500)
							fprintf(stderr, "percopy: xdp N=%d %zu B: verdict %u\n",
								n, pay_list[pi], o.retval);
						break;
					}
					total += o.duration;
				}
				if (i < count)
					break;
				v[runs++] = total / count;
			}
			if (runs)
				printf("xdp %d %zu %.1f\n", n, pay_list[pi], median(v, runs));
			else
				printf("xdp %d %zu n/a (%s)\n", n, pay_list[pi],
				       "over a page, test run hands the frame over as fragments "
				       "and this non-frags program sees only the first");
			fflush(stdout);
		}
	}
out:
	bpf_object__unpin_maps(obj, NULL);
	bpf_object__close(obj);
	rmdir(pin);
	return err;
}

/* Response path: ACKs over B branches, round-robin. */
static int cmd_acks(const char *obj_path)
{
	static const int bl[] = { 2, 8, 64 };
	char pin[64];
	struct bpf_object *obj;
	struct in6_addr proxy = endmt_in6(BP_PROXY);
	static uint8_t frames[64][256], out[512];
	int lens[64];
	int fd, groups, proxies, stats, err = 0, count = env_int("COUNT", 3000);
	int repeat = env_int("REPEAT", 5);
	size_t bi;

	snprintf(pin, sizeof(pin), "/sys/fs/bpf/benchpa%d", (int)getpid());
	if (mkdir(pin, 0700) && errno != EEXIST)
		return -errno;
	obj = load_obj(obj_path, pin);
	if (!obj) {
		rmdir(pin);
		return -EINVAL;
	}
	fd = prog_fd(obj, "endmt_transit_xdp");
	groups = bpf_object__find_map_fd_by_name(obj, "endmt_groups");
	proxies = bpf_object__find_map_fd_by_name(obj, "endmt_proxies");
	stats = bpf_object__find_map_fd_by_name(obj, "endmt_stats");
	if (fd < 0 || groups < 0 || stats < 0) {
		err = -ENOENT;
		goto out;
	}
	print_insns("transit", "endmt_transit_xdp", fd);
	for (bi = 0; bi < sizeof(bl) / sizeof(bl[0]); bi++) {
		int b = bl[bi], i, r, runs = 0;
		double v[64];
		uint64_t fwd0 = stat_sum(stats, ENDMT_STAT_RESP_ACK_FWD);
		uint64_t abs0 = stat_sum(stats, ENDMT_STAT_RESP_ACK_ABSORBED);

		for (r = 0; r < repeat && r < 64; r++) {
			struct endmt_group *g = calloc(1, sizeof(*g));
			struct endmt_group_key gk = { .dqpn = BP_DQPN };
			uint32_t one = 1, psn = 0x100;
			double total = 0;

			if (!g) {
				err = -ENOMEM;
				goto out;
			}
			/* A fresh group per repeat, as the CLI writes it. */
			g->start_psn = psn;
			for (i = 0; i < b; i++) {
				struct in6_addr a = bp_rcv_addr(i + 1);

				memcpy(g->br[i].id, &a, 16);
				g->br[i].flags = ENDMT_BR_VALID;
				g->br[i].ack_psn = endmt_psn_add(psn, -1);
			}
			g->nbranches = (uint32_t)b;
			memcpy(gk.proxy, &proxy, 16);
			if (bpf_map_update_elem(groups, &gk, g, BPF_F_LOCK)) {
				err = -errno;
				free(g);
				goto out;
			}
			free(g);
			if (proxies >= 0) {
				uint8_t pk[16];

				memcpy(pk, &proxy, 16);
				bpf_map_update_elem(proxies, pk, &one, 0);
			}
			for (i = 0; i < count; i++) {
				int br = i % b;
				struct endmt_roce_spec s = {
					.smac = { 2, 0, 0, 0, 0, 1 }, .dmac = { 2, 0, 0, 0, 0, 2 },
					.opcode = ENDMT_OP_ACK, .dqpn = BP_DQPN,
					.psn = endmt_psn_add(psn, i / b), .has_aeth = 1,
					.aeth_syndrome = 0x1f, .aeth_msn = (uint32_t)(i / b),
					.sport = 0xd123,
				};
				LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out,
					    .data_size_out = sizeof(out), .repeat = 1);

				s.saddr = bp_rcv_addr(br + 1);
				s.daddr = proxy;
				/* Frames are built outside the timed run. */
				lens[br] = endmt_build_roce(frames[br], sizeof(frames[br]), &s);
				o.data_in = frames[br];
				o.data_size_in = (uint32_t)lens[br];
				if (bpf_prog_test_run_opts(fd, &o)) {
					err = -errno;
					goto out;
				}
				total += o.duration;
			}
			v[runs++] = total / count;
		}
		printf("acks %d %.1f %llu %llu\n", b, median(v, runs),
		       (unsigned long long)(stat_sum(stats, ENDMT_STAT_RESP_ACK_FWD) - fwd0),
		       (unsigned long long)(stat_sum(stats, ENDMT_STAT_RESP_ACK_ABSORBED) - abs0));
		fflush(stdout);
	}
	/* Floor: the same program and test-run call on a packet that is not a
	 * response (a SEND to another address): parse, one lookup, pass. */
	{
		struct endmt_roce_spec s = {
			.smac = { 2, 0, 0, 0, 0, 1 }, .dmac = { 2, 0, 0, 0, 0, 2 },
			.opcode = ENDMT_OP_SEND_ONLY, .dqpn = 0x99, .psn = 1,
		};
		double v[64], total;
		int i, r, runs = 0;

		s.saddr = bp_rcv_addr(1);
		s.daddr = endmt_in6("fd00:99::1");
		lens[0] = endmt_build_roce(frames[0], sizeof(frames[0]), &s);
		for (r = 0; r < repeat && r < 64; r++) {
			total = 0;
			for (i = 0; i < count; i++) {
				LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frames[0],
					    .data_size_in = (uint32_t)lens[0], .data_out = out,
					    .data_size_out = sizeof(out), .repeat = 1);

				if (bpf_prog_test_run_opts(fd, &o)) {
					err = -errno;
					goto out;
				}
				total += o.duration;
			}
			v[runs++] = total / count;
		}
		printf("acks-floor 0 %.1f 0 0\n", median(v, runs));
	}
	if (getenv("BENCH_VERBOSE")) {
		uint32_t k;

		for (k = 0; k < ENDMT_STAT_MAX; k++)
			if (stat_sum(stats, k))
				fprintf(stderr, "  stat %u: %llu\n", k,
					(unsigned long long)stat_sum(stats, k));
	}
out:
	bpf_object__unpin_maps(obj, NULL);
	bpf_object__close(obj);
	rmdir(pin);
	return err;
}

int main(int argc, char **argv)
{
	int err;

	libbpf_set_print(libbpf_quiet);
	if (argc >= 6 && argc % 2 == 0 && !strcmp(argv[1], "edge"))
		err = cmd_edge((argc - 4) / 2, argv + 4, argv[2], argv[3]);
	else if (argc >= 3 && !strcmp(argv[1], "xdp"))
		err = cmd_xdp(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "acks"))
		err = cmd_acks(argv[2]);
	else {
		fprintf(stderr, "usage: percopy edge SRC_NS SINK_NS LABEL OBJ [LABEL OBJ...] | "
			"xdp OBJ | acks OBJ\n");
		return 2;
	}
	if (err)
		fprintf(stderr, "percopy: %s failed: %s\n", argv[1], strerror(err < 0 ? -err : err));
	return err ? 1 : 0;
}
