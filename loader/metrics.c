// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The agent's /metrics (metrics.h).  Every scrape reads the maps afresh
 * (nodestat.h): nothing is cached, so two scrapers see the same numbers and
 * a scrape costs nothing between scrapes.  libmicrohttpd runs one thread of
 * its own; map reads are system calls on fds the agent keeps open, safe
 * beside the agent's loop, which never waits for a scrape.
 *
 * Names follow the Prometheus conventions: an endmt_ prefix, base units in
 * the name (_seconds, _psns), counters end in _total, one family per kind of
 * counter with the reason as a label, so `sum by (reason)` and
 * `topk(5, rate(endmt_verdicts_total{reason=~"drop_.*"}[1m]))` work. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "metrics.h"
#include "nodestat.h"

struct metrics {
	struct MHD_Daemon *d;
	const struct endmt_maps_fds *m;
};

/* Label values: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* HELP text: backslash and newline escaped. */
static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			fputc(*help, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

/* Labels of a group's and a branch's samples. */
static void group_labels(FILE *f, const struct nodestat_group *ng)
{
	char a[INET6_ADDRSTRLEN];

	fprintf(f, "proxy=\"%s\",dqpn=\"%u\"", addr_str(ng->key.proxy, a), ng->key.dqpn);
}

static void branch_labels(FILE *f, const struct nodestat_group *ng, unsigned int i)
{
	char b[INET6_ADDRSTRLEN + 16];

	group_labels(f, ng);
	fputs(",branch=\"", f);
	put_label(f, nodestat_branch_name(&ng->g, i, b, sizeof(b)));
	fputc('"', f);
}

/* The text format wants a family's samples together, so every family is
 * one walk over the groups: what each walk writes. */
enum gfam {
	G_BRANCHES, G_STALE, G_LAG, G_ACKS_REPEATED, G_CNPS_SENT, G_CNPS_WITHHELD,
	B_LAG, B_AGE, B_STALE, B_NAK_PENDING, B_FAILED, B_ACKS, B_NAKS, B_RNRS, B_CNPS,
	GFAM__N
};

static const struct {
	const char *name, *type, *help;
} gfams[GFAM__N] = {
	[G_BRANCHES] = { "endmt_group_branches", "gauge",
		"Downstream branches of the group at this node" },
	[G_STALE] = { "endmt_group_stale_branches", "gauge",
		"Branches of the group the agent holds stale (silent longer than --liveness-ms with data unacknowledged)" },
	[G_LAG] = { "endmt_group_ack_lag_psns", "gauge",
		"PSNs this node forwarded that the group has not acknowledged: the newest data PSN minus the branches' minimum AckPSN (24-bit serial arithmetic); heads and edges only" },
	[G_ACKS_REPEATED] = { "endmt_group_acks_repeated_total", "counter",
		"Times the group's minimum AckPSN was sent upstream again (every branch repeated it)" },
	[G_CNPS_SENT] = { "endmt_group_cnps_sent_total", "counter",
		"CNPs the agent sent upstream for the group (at most one per window, within the group's rate limit)" },
	[G_CNPS_WITHHELD] = { "endmt_group_cnps_withheld_total", "counter",
		"CNPs due upstream for the group that its rate limit withheld" },
	[B_LAG] = { "endmt_branch_ack_lag_psns", "gauge",
		"PSNs this node forwarded that the branch has not acknowledged: the newest data PSN minus the branch's AckPSN (24-bit serial arithmetic); heads and edges only" },
	[B_AGE] = { "endmt_branch_last_response_age_seconds", "gauge",
		"Seconds since the branch's last response (ACK, NAK or CNP); absent before the first" },
	[B_STALE] = { "endmt_branch_stale", "gauge",
		"1 when the agent holds the branch stale (silent with data unacknowledged), else 0" },
	[B_NAK_PENDING] = { "endmt_branch_nak_pending", "gauge",
		"1 when the branch has a PSN sequence NAK outstanding, else 0" },
	[B_FAILED] = { "endmt_branch_failed", "gauge",
		"1 when the branch sent a fatal NAK (its QP is in error), else 0" },
	[B_ACKS] = { "endmt_branch_acks_total", "counter", "ACKs received from the branch" },
	[B_NAKS] = { "endmt_branch_naks_total", "counter", "PSN sequence NAKs received from the branch" },
	[B_RNRS] = { "endmt_branch_rnr_naks_total", "counter", "RNR NAKs received from the branch" },
	[B_CNPS] = { "endmt_branch_cnps_total", "counter", "CNPs received from the branch" },
};

struct gwalk {
	FILE *f;
	enum gfam fam;
};

static void sample_u64(FILE *f, const char *name, const struct nodestat_group *ng, int br,
		       unsigned long long v)
{
	fprintf(f, "%s{", name);
	if (br < 0)
		group_labels(f, ng);
	else
		branch_labels(f, ng, br);
	fprintf(f, "} %llu\n", v);
}

static int group_family(const struct nodestat_group *ng, void *ctx)
{
	const struct gwalk *w = ctx;
	const struct endmt_group *g = &ng->g;
	const char *name = gfams[w->fam].name;
	unsigned int i, n = nodestat_nbranches(g), stale = 0;
	uint64_t age;
	uint32_t lag;

	switch (w->fam) {
	case G_BRANCHES:
		sample_u64(w->f, name, ng, -1, n);
		return 0;
	case G_STALE:
		for (i = 0; i < n; i++)
			stale += nodestat_branch_stale(ng, i);
		sample_u64(w->f, name, ng, -1, stale);
		return 0;
	case G_LAG:
		if (nodestat_group_lag(g, &lag))
			sample_u64(w->f, name, ng, -1, lag);
		return 0;
	case G_ACKS_REPEATED:
		sample_u64(w->f, name, ng, -1, g->acks_repeated);
		return 0;
	case G_CNPS_SENT:
	case G_CNPS_WITHHELD:
		/* 0 until the agent first sent or withheld one */
		sample_u64(w->f, name, ng, -1, !ng->have_lim ? 0 :
			   w->fam == G_CNPS_SENT ? ng->lim.sent : ng->lim.withheld);
		return 0;
	default:
		break;
	}
	for (i = 0; i < n; i++) {
		const struct endmt_branch *b = &g->br[i];

		if (!(b->flags & ENDMT_BR_VALID))
			continue;
		switch (w->fam) {
		case B_LAG:
			if (nodestat_branch_lag(g, i, &lag))
				sample_u64(w->f, name, ng, i, lag);
			break;
		case B_AGE:
			if (nodestat_branch_age(ng, i, &age)) {
				fprintf(w->f, "%s{", name);
				branch_labels(w->f, ng, i);
				fprintf(w->f, "} %llu.%09llu\n", (unsigned long long)(age / 1000000000ull),
					(unsigned long long)(age % 1000000000ull));
			}
			break;
		case B_STALE:
			sample_u64(w->f, name, ng, i, nodestat_branch_stale(ng, i));
			break;
		case B_NAK_PENDING:
			sample_u64(w->f, name, ng, i, !!(b->flags & ENDMT_BR_NAK_PENDING));
			break;
		case B_FAILED:
			sample_u64(w->f, name, ng, i, !!(b->flags & ENDMT_BR_FAILED));
			break;
		case B_ACKS:
			sample_u64(w->f, name, ng, i, b->acks);
			break;
		case B_NAKS:
			sample_u64(w->f, name, ng, i, b->naks);
			break;
		case B_RNRS:
			sample_u64(w->f, name, ng, i, b->rnrs);
			break;
		case B_CNPS:
			sample_u64(w->f, name, ng, i, b->cnps);
			break;
		default:
			break;
		}
	}
	return 0;
}

static int count_group(const struct nodestat_group *ng, void *ctx)
{
	(void)ng;
	++*(unsigned int *)ctx;
	return 0;
}

int metrics_render(const struct endmt_maps_fds *m, FILE *f)
{
	uint64_t v[ENDMT_STAT_MAX];
	unsigned int ngroups = 0, i;
	struct gwalk w = { .f = f };
	int err, k;

	err = nodestat_counters(m->stats, v);
	if (err)
		return err;
	for (k = ENDMT_STAT_KIND_VERDICT; k <= ENDMT_STAT_KIND_EVENT; k++) {
		const char *name = k == ENDMT_STAT_KIND_VERDICT ? "endmt_verdicts_total" :
				   "endmt_events_total";

		family(f, name, "counter", k == ENDMT_STAT_KIND_VERDICT ?
		       ENDMT_STAT_KIND_HELP_VERDICT " (include/endmt/stats.h; endmt_reason_info explains each reason)" :
		       ENDMT_STAT_KIND_HELP_EVENT " (include/endmt/stats.h; endmt_reason_info explains each reason)");
		for (i = 0; i < ENDMT_STAT_MAX; i++)
			if ((int)endmt_stat_kind(i) == k)
				fprintf(f, "%s{reason=\"%s\"} %llu\n", name, nodestat_stat_names[i],
					(unsigned long long)v[i]);
	}
	family(f, "endmt_reason_info", "gauge",
	       "What each reason of endmt_verdicts_total and endmt_events_total counts (always 1)");
	for (i = 0; i < ENDMT_STAT_MAX; i++) {
		fprintf(f, "endmt_reason_info{reason=\"%s\",kind=\"%s\",help=\"", nodestat_stat_names[i],
			endmt_stat_kind(i) == ENDMT_STAT_KIND_VERDICT ? ENDMT_STAT_KIND_NAME_VERDICT :
			ENDMT_STAT_KIND_NAME_EVENT);
		put_label(f, nodestat_stat_helps[i]);
		fputs("\"} 1\n", f);
	}
	family(f, "endmt_packets_total", "counter",
	       "Group packets this node took in: End.MT packets (endmt_rx), source packets encapsulated (head_encap), Replication SID packets (repl_rx)");
	fprintf(f, "endmt_packets_total %llu\n", (unsigned long long)nodestat_packets(v));
	family(f, "endmt_copies_total", "counter",
	       "Copies this node's data path sent: per-receiver copies (fwd_copies, XDP fan-out included), those handed to the stack for the neighbour (fwd_neigh_slow_path), RFC 9524 copies (repl_copies)");
	fprintf(f, "endmt_copies_total %llu\n", (unsigned long long)nodestat_copies(v));

	err = nodestat_groups(m, count_group, &ngroups);
	if (err)
		return err;
	family(f, "endmt_groups", "gauge", "Groups configured at this node");
	fprintf(f, "endmt_groups %u\n", ngroups);
	for (w.fam = 0; w.fam < GFAM__N; w.fam++) {
		family(f, gfams[w.fam].name, gfams[w.fam].type, gfams[w.fam].help);
		err = nodestat_groups(m, group_family, &w);
		if (err)
			return err;
	}
	return ferror(f) ? -EIO : 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int status, const char *s)
{
	char *b = strdup(s);

	return b ? reply(c, status, "text/plain; charset=utf-8", b, strlen(b)) : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	struct metrics *mt = cls;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	(void)version;
	(void)upload_data;
	(void)req_cls;
	if (*upload_data_size)
		return MHD_NO;	/* a body: not for us */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (!strcmp(url, "/"))
		return reply_text(c, MHD_HTTP_OK, "endmt agent: metrics at /metrics\n");
	if (strcmp(url, "/metrics"))
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	f = open_memstream(&buf, &len);
	if (!f)
		return MHD_NO;
	err = metrics_render(mt->m, f);
	if (fclose(f) || !buf) {
		free(buf);
		return MHD_NO;
	}
	if (err) {
		free(buf);
		if (asprintf(&buf, "reading the maps: %s\n", strerror(-err)) < 0)
			return MHD_NO;
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", buf,
			     strlen(buf));
	}
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", buf, len);
}

/* "A.B.C.D:PORT" or "[IPV6]:PORT" into ss. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = s;
	uint64_t port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		colon = strstr(s, "]:");
		if (!colon)
			return -EINVAL;
		h = s + 1;
		hl = colon - h;
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hl = colon - s;
	}
	if (!hl || hl >= sizeof(host) || parse_u64(colon + 1, &port) || !port || port > 65535)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = 0;
	if (*s == '[' && inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*sl = sizeof(*s6);
		return 0;
	}
	if (*s != '[' && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*sl = sizeof(*s4);
		return 0;
	}
	return -EINVAL;
}

int metrics_start(struct metrics **mp, const char *addr, const struct endmt_maps_fds *m)
{
	struct sockaddr_storage ss;
	struct metrics *mt;
	sigset_t block, old;
	socklen_t sl;
	int fd, one = 1, err;

	*mp = NULL;
	if (parse_listen(addr, &ss, &sl)) {
		errorf("agent: --metrics-addr '%s': not ADDR:PORT (e.g. %s, [::1]:9477, 0.0.0.0:9477)",
		       addr, ENDMT_METRICS_DEF_ADDR);
		return -EINVAL;
	}
	mt = calloc(1, sizeof(*mt));
	if (!mt)
		return -ENOMEM;
	mt->m = m;
	/* Our own socket, so a bind failure says why (MHD would only say
	 * that it failed). */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16)) {
		err = -errno;
		errorf("agent: metrics on %s: %s%s", addr, strerror(-err),
		       err == -EADDRINUSE ? " (another agent of this network namespace? give it "
		       "another --metrics-addr)" : err == -EADDRNOTAVAIL ?
		       " (not an address of this network namespace)" : "");
		goto fail;
	}
	/* The server's thread takes no signal: SIGTERM/SIGINT must reach the
	 * agent's loop (the thread inherits this mask). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	mt->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
				 (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				 0, NULL, NULL, on_request, mt,
				 MHD_OPTION_LISTEN_SOCKET, fd,
				 MHD_OPTION_CONNECTION_LIMIT, 32u,
				 MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				 MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!mt->d) {
		err = -EIO;
		errorf("agent: metrics on %s: libmicrohttpd could not start its server", addr);
		goto fail;
	}
	infof("agent: metrics on http://%s/metrics", addr);
	*mp = mt;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(mt);
	return err;
}

void metrics_stop(struct metrics *mt)
{
	if (!mt)
		return;
	MHD_stop_daemon(mt->d);	/* joins its thread, closes the socket */
	free(mt);
}
