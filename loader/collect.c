// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* endmt collect: an IPFIX collector (UDP, libfixbuf) for the agents'
 * postcards (tm_ipfix.h) that rebuilds every group's tree (tm_state.c) and
 * writes it to --state FILE once a second and on SIGTERM/SIGINT, for
 * `endmt tree`.
 *
 * The socket is ours, not a fixbuf listener: fixbuf's listener blocks
 * until a message comes, and the state must be written on time without
 * one.  Each datagram is one IPFIX message (RFC 7011 §10.3.3) handed to
 * fixbuf's buffer of its exporter: templates are scoped to the transport
 * session (the exporter's address and port) and observation domain
 * (RFC 7011 §8), so each exporter has a session of its own. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "endmt.h"
#include "tm_ipfix.h"
#include "tm_state.h"
#include "pm_state.h"

#define MAX_EXPORTERS	256
#define WRITE_NS	1000000000ull	/* the state file, once a second */
#define TICK_MS		100		/* grace times are judged this often */

struct collect_args {
	const char *listen;
	const char *state;
	uint32_t grace_ms;
};

struct exporter {
	struct sockaddr_storage addr;
	socklen_t alen;
	fBuf_t *fbuf;		/* owns its session */
	uint64_t last_ns;	/* the least recent goes when the table is full */
	uint16_t itid;		/* the internal template set */
};

struct collector {
	fbInfoModel_t *model;
	struct exporter ex[MAX_EXPORTERS];
	int nex;
	uint64_t messages, records, ack_records, foreign, bad;
	uint64_t pm_records, dmark_records;
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

/* A running collector's line: "<stamp> endmt collect: ..." (agent_log's form). */
static void collect_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void collect_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("collect", fmt, ap);
	va_end(ap);
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* --listen: "ADDR:PORT", "[IPV6]:PORT", ":PORT" (every address), "ADDR"
 * (port 4739). */
static int listen_open(const char *l, int *fd_out)
{
	char host[TM_HOST_MAX], svc[TM_SVC_MAX];
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE },
			*res = NULL;
	size_t hl;
	int fd = -1, err, zero = 0;

	if (tm_ipfix_hostport(l, host, svc)) {
		errorf("collect: --listen %s: not ADDR:PORT, [IPV6]:PORT or :PORT", l);
		return -EINVAL;
	}
	hl = strlen(host);
	/* No address: every one, IPv6 and (through the dual stack) IPv4. */
	if (!hl)
		hints.ai_family = AF_INET6;
	err = getaddrinfo(hl ? host : NULL, svc, &hints, &res);
	if (err) {
		errorf("collect: --listen %s: %s", l, gai_strerror(err));
		return -EINVAL;
	}
	fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* "[::]": IPv4 exporters too. */
	if (res->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, res->ai_addr, res->ai_addrlen)) {
		err = -errno;
		close(fd);
		goto out;
	}
	*fd_out = fd;
	err = 0;
out:
	if (err)
		errorf("collect: cannot listen on %s port %s: %s", hl ? host : "*", svc,
		       strerror(-err));
	freeaddrinfo(res);
	return err;
}

static void exporter_drop(struct exporter *e)
{
	if (e->fbuf)
		fBufFree(e->fbuf);
	e->fbuf = NULL;
}

static struct exporter *exporter_get(struct collector *c, const struct sockaddr_storage *a,
				     socklen_t alen, uint64_t now)
{
	struct exporter *e, *old = &c->ex[0];
	GError *err = NULL;
	fbSession_t *s;
	int i;

	for (i = 0; i < c->nex; i++) {
		e = &c->ex[i];
		if (e->alen == alen && !memcmp(&e->addr, a, alen))
			goto found;
		if (e->last_ns < old->last_ns)
			old = e;
	}
	if (c->nex < MAX_EXPORTERS) {
		e = &c->ex[c->nex++];
	} else {
		e = old;
		exporter_drop(e);
	}
	s = tm_ipfix_session(c->model, FALSE, &err);
	if (!s) {
		collect_log("IPFIX session: %s", err ? err->message : "?");
		g_clear_error(&err);
		memset(e, 0, sizeof(*e));	/* an empty address matches nobody */
		return NULL;
	}
	memset(e, 0, sizeof(*e));
	memcpy(&e->addr, a, alen);
	e->alen = alen;
	e->fbuf = fBufAllocForCollection(s, NULL);
	fBufSetAutomaticMode(e->fbuf, FALSE);
	if (!fBufSetInternalTemplate(e->fbuf, TM_IPFIX_TID, &err)) {
		collect_log("%s", err->message);
		g_clear_error(&err);
		exporter_drop(e);
		return NULL;
	}
	e->itid = TM_IPFIX_TID;
found:
	e->last_ns = now;
	return e;
}

static bool has_ie(fbTemplate_t *t, const char *name)
{
	fbInfoElementSpec_t spec[] = { { (char *)name, 0, 0 }, FB_IESPEC_NULL };

	return t && fbTemplateContainsAllElementsByName(t, spec);
}

static void ack_from_rec(struct tm_ack *a, const struct tm_ack_rec *r, uint64_t real)
{
	memset(a, 0, sizeof(*a));
	a->node_id = r->node_id;
	memcpy(a->proxy, r->proxy, 16);
	a->dqpn = r->dqpn;
	a->kind = r->kind;
	memcpy(a->addr, r->addr, 16);
	a->ifindex = r->out_if;
	a->ack_psn = r->ack_psn;
	a->data_psn = r->data_psn;
	a->lag = r->lag;
	a->age_ms = r->age_ms;
	a->flags = r->flags;
	a->acks = r->acks;
	a->naks = r->naks;
	a->cnps = r->cnps;
	a->export_ns = tm_ntp_to_ns(r->export_ntp);
	a->received_ns = real;
}

/* Each record by its template: a postcard (endmtIoamNodeData), an ACK
 * state (endmtAckPsn), or another exporter's flows on the same port
 * (read into a postcard's record and not counted: transcoded, they would
 * be zeroed records). */
static void message(struct collector *c, struct tm_state *st, struct exporter *e,
		    uint8_t *buf, size_t len, uint64_t mono, uint64_t real)
{
	struct endmt_postcard pc;
	union {
		struct tm_rec pc;
		struct tm_ack_rec ack;
		struct tm_pm_rec pm;
		struct tm_dmark_rec dm;
	} r;
	struct tm_ack a;
	GError *err = NULL;
	fbTemplate_t *t;
	uint16_t tid, itid;
	size_t rl;

	c->messages++;
	fBufSetBuffer(e->fbuf, buf, len);
	for (;;) {
		t = fBufNextCollectionTemplate(e->fbuf, &tid, &err);
		if (!t)
			break;
		itid = has_ie(t, "endmtAckPsn") ? TM_IPFIX_TID_ACK :
		       has_ie(t, "endmtPmPacketKey") ? TM_IPFIX_TID_DMARK :
		       has_ie(t, "endmtPmPeriod") ? TM_IPFIX_TID_PM : TM_IPFIX_TID;
		if (itid != e->itid) {
			if (!fBufSetInternalTemplate(e->fbuf, itid, &err))
				break;
			e->itid = itid;
		}
		rl = itid == TM_IPFIX_TID ? sizeof(r.pc) : itid == TM_IPFIX_TID_ACK ?
		     sizeof(r.ack) : itid == TM_IPFIX_TID_PM ? sizeof(r.pm) : sizeof(r.dm);
		if (!fBufNext(e->fbuf, (uint8_t *)&r, &rl, &err))
			break;
		if (itid == TM_IPFIX_TID_PM && st->pm) {
			uint64_t t0 = tm_ntp_to_ns(r.pm.start_ntp), t1 = tm_ntp_to_ns(r.pm.end_ntp);

			c->pm_records++;
			pm_state_period(st->pm, r.pm.node_id, r.pm.enc, r.pm.flow, r.pm.point,
					r.pm.period, t1 > t0 ? t1 - t0 : 0, r.pm.packets,
					r.pm.bytes, real);
		} else if (itid == TM_IPFIX_TID_DMARK && st->pm) {
			c->dmark_records++;
			pm_state_dmark(st->pm, r.dm.node_id, r.dm.enc, r.dm.flow, r.dm.point,
				       r.dm.period, tm_ntp_to_ns(r.dm.obs_ntp), r.dm.pkt_key, real);
		} else if (itid == TM_IPFIX_TID_ACK) {
			c->ack_records++;
			ack_from_rec(&a, &r.ack, real);
			tm_state_ack(st, &a);
		} else if (has_ie(t, "endmtIoamNodeData")) {
			c->records++;
			tm_rec_to_postcard(&r.pc, &pc);
			tm_state_add(st, &pc, mono, real);
		} else {
			c->foreign++;
		}
	}
	if (!g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_BUFSZ) &&
	    !g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOM)) {
		c->bad++;
		if (c->bad == 1 || env.verbose)
			collect_log("message %llu: %s", (unsigned long long)c->messages,
				    err ? err->message : "?");
	}
	g_clear_error(&err);
}

static int collect_run(void *p)
{
	struct collect_args *a = p;
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	struct collector *c = calloc(1, sizeof(*c));
	struct tm_state *st = calloc(1, sizeof(*st));
	struct pm_state *pm = calloc(1, sizeof(*pm));
	struct sockaddr_storage from;
	static uint8_t buf[65536];
	uint64_t next_write = 0, next_tick = 0, mono;
	struct pollfd pfd;
	socklen_t alen;
	struct exporter *e;
	ssize_t n;
	int fd = -1, err, i;

	if (!c || !st || !pm) {
		err = -ENOMEM;
		goto out;
	}
	tm_state_init(st, a->grace_ms);
	st->pm = pm;
	tm_ipfix_log_init("collect");
	c->model = tm_ipfix_model();
	if (!c->model) {
		err = -ENOMEM;
		goto out;
	}
	err = listen_open(a->listen, &fd);
	if (err)
		goto out;
	/* The file exists from the start (`endmt tree` on an empty one says
	 * "no postcards yet" rather than "no such file"). */
	err = tm_state_write(st, a->state, real_ns());
	if (err) {
		errorf("collect: cannot write %s: %s", a->state, strerror(-err));
		goto out;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	infof("collect: listening on %s, state in %s", a->listen, a->state);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop_sig) {
		if (poll(&pfd, 1, TICK_MS) > 0) {
			alen = sizeof(from);
			n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &alen);
			mono = now_ns();
			if (n > 0 && (e = exporter_get(c, &from, alen, mono)))
				message(c, st, e, buf, n, mono, real_ns());
		}
		mono = now_ns();
		if (mono >= next_tick) {
			tm_state_expire(st, mono, false);
			next_tick = mono + TICK_MS * 1000000ull;
		}
		if (mono >= next_write) {
			err = tm_state_write(st, a->state, real_ns());
			if (err)
				collect_log("writing %s: %s", a->state, strerror(-err));
			next_write = mono + WRITE_NS;
		}
	}
	/* Samples still in their grace time are not judged: their postcards
	 * may be on the way still. */
	tm_state_expire(st, now_ns(), false);
	err = tm_state_write(st, a->state, real_ns());
	if (err)
		errorf("collect: writing %s: %s", a->state, strerror(-err));
	if (env.json)
		json_print(json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}",
				     "messages", (json_int_t)c->messages,
				     "pm_records", (json_int_t)c->pm_records,
				     "dmark_records", (json_int_t)c->dmark_records,
				     "records", (json_int_t)c->records,
				     "ack_records", (json_int_t)c->ack_records,
				     "foreign", (json_int_t)c->foreign,
				     "bad_messages", (json_int_t)c->bad, "signal", (int)stop_sig));
	else
		printf("collect: %llu messages, %llu postcards, %llu ACK-state records, "
		       "%llu period and %llu D-mark records, "
		       "%llu foreign records, %llu bad messages\n", (unsigned long long)c->messages,
		       (unsigned long long)c->records, (unsigned long long)c->ack_records,
		       (unsigned long long)c->pm_records, (unsigned long long)c->dmark_records,
		       (unsigned long long)c->foreign,
		       (unsigned long long)c->bad);
out:
	if (fd >= 0)
		close(fd);
	if (c) {
		for (i = 0; i < c->nex; i++)
			exporter_drop(&c->ex[i]);
		if (c->model)
			fbInfoModelFree(c->model);
	}
	if (st)
		tm_state_free(st);
	if (pm)
		pm_state_free(pm);
	free(pm);
	free(st);
	free(c);
	return err;
}

static void collect_defaults(void *p)
{
	struct collect_args *a = p;

	a->grace_ms = TM_GRACE_MS_DEF;
}

#define STR_(x) #x
#define STR(x) STR_(x)	/* a default in a help text, as the code has it */
#define O(f) offsetof(struct collect_args, f)
static const struct opt collect_opts[] = {
	{ "listen", OPT_STR, O(listen), NOSET, "ADDR:PORT", "UDP address to receive IPFIX on ([IPV6]:PORT, ADDR:PORT, :PORT for all; port 4739 if omitted)", 0, 0, NULL, true, false },
	{ "state", OPT_STR, O(state), NOSET, "FILE", "where the trees go (JSON, rewritten once a second and at exit)", 0, 0, NULL, true, false },
	{ "grace-ms", OPT_U32, O(grace_ms), NOSET, "N", "a sample not seen below a branch this long after its first postcard is lost there (default " STR(TM_GRACE_MS_DEF) ")", 10, 600000, NULL, false, false },
	{}
};
#undef O

const struct cmd cmd_collect = {
	"collect", "Collect telemetry postcards and ACK states (IPFIX) and rebuild each group's tree until SIGTERM/SIGINT.",
	collect_opts, sizeof(struct collect_args), collect_defaults, collect_run,
};
