/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* percopy edge: the edge's XDP + TC halves attached on d0 of the veth
 * topology, End.MT packets sent from s0, run time from the kernel's BPF
 * stats, a sample of the copies captured on k0 and its ICRCs checked.
 * main.c has the command's full description. */
#include <errno.h>
#include <fcntl.h>
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
#include "endmt/stats.h"
#include "icrc_full.h"
#include "benchpkt.h"
#include "percopy.h"

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

/* One edge run: the variants, the topology's sockets and what must be
 * undone, shared by the steps of cmd_edge. */
struct edge {
	int nv;
	struct variant vs[MAXV];
	const char *src_ns, *sink_ns;
	char pin[64], cfg[64];
	struct bpf_tc_hook *hook;
	uint8_t smac[6], dmac[6];
	int count, repeat, copies, stream;
	int sids, stats, tx, cap, ifi, xdp_on, stats_fd;
	__u32 xdp_flags;
	struct point (*pts)[PC_MAXN];
};

/* The bench group (BP_PROXY, BP_DQPN) and its BP_MAX_RCV receivers'
 * records, for a strict SID. */
static int edge_strict_cfg(struct bpf_object *obj)
{
	int gfd = bpf_object__find_map_fd_by_name(obj, "endmt_groups");
	int rfd = bpf_object__find_map_fd_by_name(obj, "endmt_rcv_group");
	int pfd = bpf_object__find_map_fd_by_name(obj, "endmt_proxies");
	struct endmt_group_key gk = { .dqpn = BP_DQPN };
	struct in6_addr px = endmt_in6(BP_PROXY);
	struct endmt_group *g;
	int i, err = 0;

	if (gfd < 0 || rfd < 0)
		return -ENOENT;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->flags = ENDMT_GF_PSN_GUARD;
	memcpy(gk.proxy, &px, 16);
	if (bpf_map_update_elem(gfd, &gk, g, BPF_F_LOCK))
		err = -errno;
	for (i = 1; !err && i <= BP_MAX_RCV; i++) {
		struct endmt_rcv_key k = { .qpn = BP_QPN(i) };
		struct in6_addr a = bp_rcv_addr(i);

		memcpy(k.addr, &a, 16);
		if (bpf_map_update_elem(rfd, &k, &gk, BPF_ANY))
			err = -errno;
	}
	/* NGROUPS=G: G - 1 more groups (Proxy fd00:e:1:<i>::, the same
	 * Designated QPN), each with one receiver record, and every group's
	 * Proxy in endmt_proxies, as apply writes them: the tables an edge
	 * with G groups has, around the one the packets use. */
	for (i = 0; !err && i < scale_groups() && i < 65536; i++) {
		struct endmt_group_key fk = { .dqpn = BP_DQPN };
		struct endmt_rcv_key rk = { .qpn = BP_QPN(1) };
		struct endmt_proxy_key pk;
		__u32 one = 1;

		if (i) {
			px = endmt_in6("fd00:e:1::");
			px.s6_addr[6] = (uint8_t)(i >> 8), px.s6_addr[7] = (uint8_t)i;
			memcpy(fk.proxy, &px, 16);
			memcpy(rk.addr, &px, 16);
			rk.addr[15] = 1;	/* fd00:e:1:<i>::1 */
			if (bpf_map_update_elem(gfd, &fk, g, BPF_F_LOCK) ||
			    bpf_map_update_elem(rfd, &rk, &fk, BPF_ANY))
				err = -errno;
		} else {
			px = endmt_in6(BP_PROXY);
		}
		memcpy(pk.addr, &px, 16);
		if (!err && pfd >= 0 && bpf_map_update_elem(pfd, &pk, &one, BPF_ANY))
			err = -errno;
	}
	if (err)
		fprintf(stderr, "percopy: NGROUPS=%d: configuring: %s\n", scale_groups(), strerror(-err));
	free(g);
	return err;
}

/* NGROUPS: every map of the object as `bpftool map show` reports it
 * (memlock from fdinfo): mem G NAME MAX_ENTRIES BYTES, and
 * a total. */
static void edge_mem(struct bpf_object *obj)
{
	struct bpf_map *m;
	long long total = 0;

	bpf_object__for_each_map(m, obj) {
		char path[64], line[128];
		long long ml = -1;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", bpf_map__fd(m));
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "memlock: %lld", &ml) == 1)
				break;
		if (f)
			fclose(f);
		if (ml < 0)
			continue;
		total += ml;
		printf("mem %d %s %u %lld\n", scale_groups(), bpf_map__name(m),
		       bpf_map__max_entries(m), ml);
	}
	printf("mem %d total - %lld\n", scale_groups(), total);
}

/* Loads the variants (argv: LABEL OBJ ...) and installs the End.MT SID. */
static int edge_load(struct edge *e, char **lv)
{
	struct endmt_sid_key sk;
	struct endmt_sid sv = { .flags = ENDMT_SID_F_ENDMT, .max_rcv = ENDMT_MAX_RCV };
	struct in6_addr edge = endmt_in6(BP_EDGE);
	int vi, err;

	for (vi = 0; vi < e->nv; vi++) {
		e->vs[vi].label = lv[2 * vi];
		e->vs[vi].obj = load_obj(lv[2 * vi + 1], e->pin);
		if (!e->vs[vi].obj && vi > 0) {
			/* a bench-only variant the verifier refuses (the full
			 * ICRC's call chain is at the 512-octet stack limit):
			 * measure the others, say so */
			printf("edge-todo variant %s does not load here; left out\n", lv[2 * vi]);
			memmove(lv + 2 * vi, lv + 2 * vi + 2, (size_t)(2 * (e->nv - vi - 1)) * sizeof(*lv));
			e->nv--;
			vi--;
			continue;
		}
		if (!e->vs[vi].obj)
			return -EINVAL;
		e->vs[vi].xfd = prog_fd(e->vs[vi].obj, "endmt_edge_xdp");
		e->vs[vi].tfd = prog_fd(e->vs[vi].obj, "endmt_edge_tc");
		if (e->vs[vi].xfd < 0 || e->vs[vi].tfd < 0) {
			fprintf(stderr, "percopy: %s lacks the edge programs\n", lv[2 * vi + 1]);
			return -ENOENT;
		}
		print_insns(e->vs[vi].label, "endmt_edge_xdp", e->vs[vi].xfd);
		print_insns(e->vs[vi].label, "endmt_edge_tc", e->vs[vi].tfd);
	}
	e->sids = bpf_object__find_map_fd_by_name(e->vs[0].obj, "endmt_sids");
	e->stats = bpf_object__find_map_fd_by_name(e->vs[0].obj, "endmt_stats");
	memcpy(sk.sid, &edge, 16);
	memcpy(sv.edge, &edge, 16);
	/* STRICT=1: the SID as apply writes it, with the group and every
	 * receiver's record, so each copy pays the allowlist lookup and each
	 * packet the group lookup and its data-PSN note. */
	if ((getenv("STRICT") && !strcmp(getenv("STRICT"), "1")) || scale_groups() > 0)
		sv.flags |= ENDMT_SID_F_STRICT;
	if (e->sids < 0 || e->stats < 0 || bpf_map_update_elem(e->sids, &sk, &sv, 0))
		return -ENOENT;
	if (!(sv.flags & ENDMT_SID_F_STRICT))
		return 0;
	err = edge_strict_cfg(e->vs[0].obj);
	if (!err && scale_groups() > 0)
		edge_mem(e->vs[0].obj);
	return err;
}

/* The clsact hook on d0, the sending socket on s0, BPF run-time stats. */
static int edge_setup(struct edge *e)
{
	int err;

	/* skb mode: a 4 KiB payload needs MTU > 4096, and veth refuses native
	 * XDP above a page for programs without frags support. */
	e->xdp_flags = getenv("XDP_MODE") && !strcmp(getenv("XDP_MODE"), "native") ?
		       XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	e->hook->ifindex = e->ifi;
	err = bpf_tc_hook_create(e->hook);
	if (err && err != -EEXIST)
		return err;
	e->tx = packet_sock_in(e->src_ns, "s0", e->smac);
	if (e->tx < 0 || dev_mac("d0", e->dmac)) {
		fprintf(stderr, "percopy: socket on s0 failed\n");
		return -EIO;
	}
	e->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (e->stats_fd < 0) {
		err = e->stats_fd;
		fprintf(stderr, "percopy: BPF_ENABLE_STATS: %s\n", strerror(-err));
		return err;
	}
	return 0;
}

/* Frames and trafgen files of every point. */
static int edge_frames(struct edge *e)
{
	size_t ni, pi;

	for (pi = 0; pi < NP; pi++) {
		for (ni = 0; ni < NN; ni++) {
			struct point *pt = &e->pts[pi][ni];

			pt->len = bp_build(pt->frame, sizeof(pt->frame), BP_ENDMT, ns_list[ni],
					   pay_list[pi], e->smac, e->dmac);
			if (pt->len < 0)
				return pt->len;
			snprintf(pt->cfg, sizeof(pt->cfg), "%s.%zu.%zu", e->cfg, pi, ni);
			if (e->stream && write_trafgen_cfg(pt->cfg, pt->frame, pt->len))
				return -EIO;
		}
	}
	return 0;
}

/* Per variant, an ICRC check of a sample of every point's copies. */
static int edge_check(struct edge *e)
{
	size_t ni, pi;
	int vi, err;

	for (vi = 0; vi < e->nv; vi++) {
		err = attach_variant(&e->vs[vi], e->ifi, e->xdp_flags, e->hook);
		if (err)
			return err;
		e->xdp_on = 1;
		e->cap = packet_sock_in(e->sink_ns, "k0", NULL);
		if (e->cap < 0)
			return e->cap;
		for (pi = 0; pi < NP; pi++) {
			for (ni = 0; ni < NN; ni++) {
				struct point *pt = &e->pts[pi][ni];
				int i;

				for (i = 0; i < 2; i++)
					send(e->tx, pt->frame, (size_t)pt->len, 0);
				usleep(20000);
				drain_check(e->cap, 64, &pt->v[vi].checked, &pt->v[vi].bad);
			}
		}
		close(e->cap);
		e->cap = -1;
	}
	return 0;
}

/* REPEAT rounds; in each, every variant measures every point, so points
 * and variants (and the ratios between them) see the same machine
 * conditions. */
static int edge_measure(struct edge *e)
{
	size_t ni, pi;
	int vi, r, err;

	for (r = 0; r < e->repeat && r < 64; r++) {
		for (vi = 0; vi < e->nv; vi++) {
			err = attach_variant(&e->vs[vi], e->ifi, e->xdp_flags, e->hook);
			if (err)
				return err;
			for (pi = 0; pi < NP; pi++) {
				for (ni = 0; ni < NN; ni++) {
					err = measure_point(&e->pts[pi][ni], vi, ns_list[ni], e->tx,
							    e->vs[vi].xfd, e->vs[vi].tfd, e->stats,
							    e->stream, e->src_ns, e->count, e->copies);
					if (err)
						return err;
				}
			}
		}
	}
	return 0;
}

static void edge_print(const struct edge *e)
{
	size_t ni, pi;
	int vi;

	for (vi = 0; vi < e->nv; vi++) {
		for (pi = 0; pi < NP; pi++) {
			for (ni = 0; ni < NN; ni++) {
				struct point *pt = &e->pts[pi][ni];
				int n = ns_list[ni];

				if (!pt->v[vi].runs || pt->v[vi].mismatch) {
					printf("edge %s %d %zu error %s\n", e->vs[vi].label, n,
					       pay_list[pi], pt->v[vi].runs ?
					       "copies != N x End.MT packets consumed" : "no runs");
					continue;
				}
				printf("edge %s %d %zu %.0f %.0f %.0f %d %d\n", e->vs[vi].label, n,
				       pay_list[pi], median(pt->v[vi].xv, pt->v[vi].runs),
				       median(pt->v[vi].tv, pt->v[vi].runs),
				       median(pt->v[vi].tv, pt->v[vi].runs) / n,
				       pt->v[vi].checked, pt->v[vi].bad);
			}
		}
	}
	fflush(stdout);
}

/* Undoes what the steps made, in reverse. */
static void edge_cleanup(struct edge *e)
{
	size_t ni, pi;
	int vi;

	if (e->stats_fd >= 0)
		close(e->stats_fd);
	if (e->hook->ifindex) {
		/* removes the clsact qdisc we made, with the filter */
		e->hook->attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(e->hook);
	}
	if (e->xdp_on)
		bpf_xdp_detach(e->ifi, e->xdp_flags, NULL);
	if (e->tx >= 0)
		close(e->tx);
	if (e->cap >= 0)
		close(e->cap);
	for (vi = 0; vi < e->nv; vi++) {
		if (!e->vs[vi].obj)
			continue;
		bpf_object__unpin_maps(e->vs[vi].obj, NULL);
		bpf_object__close(e->vs[vi].obj);
	}
	rmdir(e->pin);
	for (pi = 0; pi < NP; pi++)
		for (ni = 0; ni < NN; ni++)
			if (e->pts[pi][ni].cfg[0])
				unlink(e->pts[pi][ni].cfg);
}

/* argv: LABEL OBJ [LABEL OBJ ...].  All variants share one pin root (their
 * pinned maps are the same); they take turns on d0, round by round. */
int cmd_edge(int nv, char **lv, const char *src_ns, const char *sink_ns)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	static struct point pts[PC_MAXP][PC_MAXN];
	struct edge e = {
		.nv = nv, .src_ns = src_ns, .sink_ns = sink_ns, .hook = &hook,
		.count = env_int("COUNT", 3000), .repeat = env_int("REPEAT", 5),
		.copies = env_int("COPIES", 40000),
		.stream = !getenv("SENDER") || strcmp(getenv("SENDER"), "send"),
		.tx = -1, .cap = -1, .stats_fd = -1, .pts = pts,
	};
	int err;

	snprintf(e.cfg, sizeof(e.cfg), "/tmp/benchpc%d.cfg", (int)getpid());
	snprintf(e.pin, sizeof(e.pin), "/sys/fs/bpf/benchpc%d", (int)getpid());
	if (nv < 1 || nv > MAXV)
		return -EINVAL;
	if (mkdir(e.pin, 0700) && errno != EEXIST)
		return -errno;
	e.ifi = (int)if_nametoindex("d0");
	if (!e.ifi) {
		err = -ENODEV;
		goto out;
	}
	err = edge_load(&e, lv);
	if (err)
		goto out;
	err = edge_setup(&e);
	if (err)
		goto out;
	/* Frames, trafgen files, and per variant an ICRC check of a sample.
	 * The capture socket is open only for the check: while open it holds
	 * every copy it queued, and that memory churn would be measured. */
	err = edge_frames(&e);
	if (err)
		goto out;
	err = edge_check(&e);
	if (err)
		goto out;
	err = edge_measure(&e);
	if (err)
		goto out;
	edge_print(&e);
out:
	edge_cleanup(&e);
	return err;
}
