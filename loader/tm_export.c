// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The agent's IPFIX exporter (tm_export.h).  The ring is drained from the
 * agent's own loop (ring_buffer__consume, no epoll of its own): the agent
 * already wakes every CNP window, and a postcard waits at most that long.
 * Every drain that found postcards ends with a message (fBufEmit), so a
 * record is never held longer than a window either. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endmt.h"
#include "nodestat.h"
#include "tm_export.h"
#include "tm_ipfix.h"

#define RETRY_NS 1000000000ull	/* looking for the ring while it is missing */
/* Records per message: RFC 7011 §10.3.3 keeps a message within the path
 * MTU (fixbuf 2.4 offers no setting).  16 (header) + 4 (set) + 5 * 226
 * (a record with 8 node entries) = 1150 octets, within IPv6's minimum
 * 1280 with the IP and UDP headers. */
#define MSG_RECORDS 5
/* ACK-state records: 94 octets each on the wire, 11 in 16 + 4 + 11 * 94 =
 * 1054 octets, within the same bound. */
#define MSG_ACK_RECORDS 11
#define ACK_EVERY_NS 1000000000ull
/* Period records: 51 octets on the wire, 20 in 16 + 4 + 20 * 51 = 1040;
 * D-mark records: 31 octets, 30 in 950. */
#define MSG_PM_RECORDS 20
#define MSG_DMARK_RECORDS 30	/* ACK state, once a second */

struct tm_export {
	char path[PATH_MAX];	/* PINROOT/endmt_postcards */
	char host[TM_HOST_MAX], svc[TM_SVC_MAX];
	fbConnSpec_t spec;
	fbInfoModel_t *model;
	fbSession_t *session;
	fbExporter_t *exporter;
	fBuf_t *fbuf;
	struct ring_buffer *rb;
	int ring_fd;
	uint32_t domain;	/* observation domain: the exporter's node_id */
	uint64_t refresh_ns, next_refresh, next_open, next_acks;
	unsigned int pending;	/* records appended since the last emit */
	uint16_t pending_tid;	/* their template */
	uint64_t postcards, ack_records, messages, short_records, send_errors;
	uint64_t pm_records, dmark_records;
	int last_err;		/* reported once until it changes */
};

static void report(struct tm_export *x, int err, const char *what, const char *detail)
{
	if (err == x->last_err && !env.verbose)
		return;
	x->last_err = err;
	agent_log("telemetry: %s: %s", what, detail);
}

static void emit(struct tm_export *x)
{
	GError *err = NULL;

	if (fBufEmit(x->fbuf, &err)) {
		x->messages++;
		x->last_err = 0;
		return;
	}
	/* UDP: a collector not (yet) listening is an ICMP error on the next
	 * send.  The message is lost, as any UDP datagram can be; the socket
	 * reopens on the next emit. */
	x->send_errors++;
	report(x, -EIO, "sending to the collector", err->message);
	g_clear_error(&err);
	fbExporterClose(x->exporter);
}

/* The template set in a message of its own (RFC 7011 §8). */
static void templates(struct tm_export *x)
{
	GError *err = NULL;

	if (x->pending)
		emit(x);
	x->pending = 0;
	if (!fbSessionExportTemplates(x->session, &err)) {
		report(x, -EIO, "exporting the template", err->message);
		g_clear_error(&err);
	} else {
		emit(x);
	}
}

/* Before a record of node `node_id` in template tid: the observation
 * domain (one per node, RFC 7011 §2: the templates go again in a new one)
 * and the templates of a new set.  false: the record cannot go. */
static bool record_start(struct tm_export *x, uint32_t node_id, uint16_t tid)
{
	GError *err = NULL;
	gboolean added;

	if (node_id != x->domain) {
		if (x->pending)
			emit(x);
		x->pending = 0;
		x->domain = node_id;
		if (!tm_ipfix_domain(x->session, x->domain, &added, &err)) {
			report(x, -EINVAL, "observation domain", err->message);
			g_clear_error(&err);
			return false;
		}
		if (added)
			emit(x);
		else
			templates(x);
	}
	if (x->pending && x->pending_tid != tid) {	/* one template per message */
		emit(x);
		x->pending = 0;
	}
	if (!x->pending && (!fBufSetInternalTemplate(x->fbuf, tid, &err) ||
			    !fBufSetExportTemplate(x->fbuf, tid, &err))) {
		report(x, -EINVAL, "template", err->message);
		g_clear_error(&err);
		return false;
	}
	x->pending_tid = tid;
	return true;
}

static int on_postcard(void *ctx, void *data, size_t size)
{
	struct tm_export *x = ctx;
	struct endmt_postcard pc;
	struct tm_rec r;
	GError *err = NULL;

	if (size < sizeof(pc)) {	/* a producer of another layout */
		x->short_records++;
		return 0;
	}
	memcpy(&pc, data, sizeof(pc));
	if (!record_start(x, pc.node_id, TM_IPFIX_TID))
		return 0;
	tm_rec_from_postcard(&r, &pc);
	/* Automatic mode: a full message goes out by itself. */
	if (!fBufAppend(x->fbuf, (uint8_t *)&r, sizeof(r), &err)) {
		x->send_errors++;
		report(x, -EIO, "appending a record", err->message);
		g_clear_error(&err);
		fbExporterClose(x->exporter);
		return 0;
	}
	x->postcards++;
	if (++x->pending == MSG_RECORDS) {
		emit(x);
		x->pending = 0;
	}
	return 0;
}

static void ring_open(struct tm_export *x, uint64_t now)
{
	int fd = bpf_obj_get(x->path), err;

	x->next_open = now + RETRY_NS;
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			report(x, err, x->path, "not pinned: telemetry off until it is "
			       "(attach a data path with telemetry)");
		else
			report(x, err, x->path, strerror(-err));
		return;
	}
	x->rb = ring_buffer__new(fd, on_postcard, x, NULL);
	if (!x->rb) {
		err = -errno;
		report(x, err, x->path, strerror(-err));
		close(fd);
		return;
	}
	x->ring_fd = fd;
	x->last_err = 0;
	infof("agent: telemetry: reading %s, exporting to %s port %s", x->path, x->host, x->svc);
}

int tm_export_open(struct tm_export **out, const char *pin_root, const char *dest,
		   uint32_t refresh_s)
{
	struct tm_export *x = calloc(1, sizeof(*x));
	GError *gerr = NULL;
	int err;

	*out = NULL;
	if (!x)
		return -ENOMEM;
	x->ring_fd = -1;
	tm_ipfix_log_init("agent");
	if (tm_ipfix_hostport(dest, x->host, x->svc) || !x->host[0]) {
		errorf("agent: --ipfix %s: not HOST[:PORT] or [IPV6]:PORT", dest);
		err = -EINVAL;
		goto fail;
	}
	if (snprintf(x->path, sizeof(x->path), "%s/" ENDMT_PIN_NAME(postcards), pin_root) >=
	    (int)sizeof(x->path)) {
		errorf("agent: pin root %s: name too long", pin_root);
		err = -ENAMETOOLONG;
		goto fail;
	}
	x->refresh_ns = (uint64_t)refresh_s * 1000000000ull;
	x->model = tm_ipfix_model();
	x->session = x->model ? tm_ipfix_session(x->model, TRUE, &gerr) : NULL;
	if (!x->session) {
		errorf("agent: telemetry: IPFIX session: %s",
		       gerr ? gerr->message : "out of memory");
		g_clear_error(&gerr);
		err = -ENOMEM;
		goto fail;
	}
	x->spec.transport = FB_UDP;
	x->spec.host = x->host;
	x->spec.svc = x->svc;
	x->exporter = fbExporterAllocNet(&x->spec);
	if (!x->exporter) {
		errorf("agent: telemetry: --ipfix %s: cannot resolve %s port %s", dest,
		       x->host, x->svc);
		err = -EINVAL;
		goto fail;
	}
	/* The buffer owns the session and the exporter from here on (glib
	 * aborts rather than return NULL). */
	x->fbuf = fBufAllocForExport(x->session, x->exporter);
	fBufSetAutomaticMode(x->fbuf, TRUE);
	*out = x;
	return 0;
fail:
	tm_export_close(x);
	return err;
}

void tm_export_poll(struct tm_export *x, uint64_t now)
{
	int n;

	if (!x)
		return;
	if (!x->rb && now >= x->next_open)
		ring_open(x, now);
	/* Domain 0 until the first postcard names the node: nothing to
	 * announce before it. */
	if (x->domain && now >= x->next_refresh) {
		templates(x);
		x->next_refresh = now + x->refresh_ns;
	}
	if (!x->rb)
		return;
	n = ring_buffer__consume(x->rb);
	if (n < 0)
		report(x, n, "reading the ring", strerror(-n));
	if (x->pending)
		emit(x);
	x->pending = 0;
}

/* One branch of a group as its ACK-state record. */
static void ack_rec(struct tm_ack_rec *r, const struct nodestat_group *ng, unsigned int i,
		    uint32_t node_id, uint64_t real)
{
	const struct endmt_group *g = &ng->g;
	const struct endmt_branch *b = &g->br[i];
	uint64_t age;
	uint32_t lag;

	memset(r, 0, sizeof(*r));
	r->export_ntp = tm_ns_to_ntp(real);
	r->acks = b->acks;
	r->naks = b->naks;
	r->cnps = b->cnps;
	memcpy(r->proxy, ng->key.proxy, 16);
	if (g->flags & ENDMT_GF_BRANCH_IFINDEX) {
		r->kind = TM_BRANCH_IFINDEX;
		memcpy(&r->out_if, b->id, sizeof(r->out_if));
	} else {
		r->kind = TM_BRANCH_RECEIVER;
		memcpy(r->addr, b->id, 16);
	}
	r->node_id = node_id;
	r->dqpn = ng->key.dqpn;
	r->ack_psn = b->ack_psn;
	r->data_psn = g->data_psn;
	if (nodestat_branch_lag(g, i, &lag)) {
		r->lag = lag;
		r->flags |= TM_ACK_F_LAG;
	}
	if (nodestat_branch_age(ng, i, &age)) {
		age /= 1000000;
		r->age_ms = age < TM_ACK_AGE_MAX ? age : TM_ACK_AGE_MAX;
		r->flags |= TM_ACK_F_RESPONDED;
	}
	if (nodestat_branch_stale(ng, i))
		r->flags |= TM_ACK_F_STALE;
	if (b->flags & ENDMT_BR_FAILED)
		r->flags |= TM_ACK_F_FAILED;
	if (b->flags & ENDMT_BR_NAK_PENDING)
		r->flags |= TM_ACK_F_NAK_PENDING;
}

struct ack_walk {
	struct tm_export *x;
	uint32_t node_id;
	uint64_t real;
};

static int on_group(const struct nodestat_group *ng, void *ctx)
{
	struct ack_walk *w = ctx;
	struct tm_export *x = w->x;
	unsigned int i, n = nodestat_nbranches(&ng->g);
	struct tm_ack_rec r;
	GError *err = NULL;

	/* A group with no traffic yet has nothing to say: no data forwarded
	 * (head, edge), no branch ever answered (transit).  So a node's first
	 * message (its templates) waits for its first packets, as with
	 * postcards, and a collector started with the traffic decodes it. */
	for (i = 0; i < n && !(ng->g.state & ENDMT_GS_DATA_FWD); i++)
		if (ng->g.br[i].last_seen_ns)
			break;
	if (i == n)
		return 0;
	for (i = 0; i < n; i++) {
		if (!(ng->g.br[i].flags & ENDMT_BR_VALID))
			continue;
		if (!record_start(x, w->node_id, TM_IPFIX_TID_ACK))
			return -EINVAL;
		ack_rec(&r, ng, i, w->node_id, w->real);
		if (!fBufAppend(x->fbuf, (uint8_t *)&r, sizeof(r), &err)) {
			x->send_errors++;
			report(x, -EIO, "appending a record", err->message);
			g_clear_error(&err);
			fbExporterClose(x->exporter);
			return -EIO;
		}
		x->ack_records++;
		if (++x->pending == MSG_ACK_RECORDS) {
			emit(x);
			x->pending = 0;
		}
	}
	return 0;
}

void tm_export_acks(struct tm_export *x, const struct endmt_maps_fds *m, uint64_t now)
{
	struct endmt_tm_node tm;
	struct ack_walk w = { .x = x };
	uint32_t zero = 0;
	struct timespec ts;

	if (!x || now < x->next_acks)
		return;
	x->next_acks = now + ACK_EVERY_NS;
	/* Only a node with a telemetry identity exports: its node_id is the
	 * observation domain and names the node in the collector's tree. */
	if (m->tm < 0 || bpf_map_lookup_elem(m->tm, &zero, &tm) || !tm.node_id)
		return;
	w.node_id = tm.node_id;
	clock_gettime(CLOCK_REALTIME, &ts);
	w.real = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	nodestat_groups(m, on_group, &w);
	if (x->pending)
		emit(x);
	x->pending = 0;
}

/* One record of template tid (per message at most `max`). */
static void pm_append(struct tm_export *x, uint32_t node_id, uint16_t tid, const void *r,
		      size_t len, unsigned int max, uint64_t *count)
{
	GError *err = NULL;

	if (!x || !record_start(x, node_id, tid))
		return;
	if (!fBufAppend(x->fbuf, (uint8_t *)r, len, &err)) {
		x->send_errors++;
		report(x, -EIO, "appending a record", err->message);
		g_clear_error(&err);
		fbExporterClose(x->exporter);
		return;
	}
	(*count)++;
	if (++x->pending == max) {
		emit(x);
		x->pending = 0;
	}
}

void tm_export_pm(struct tm_export *x, const struct tm_pm_rec *r)
{
	if (x)
		pm_append(x, r->node_id, TM_IPFIX_TID_PM, r, sizeof(*r), MSG_PM_RECORDS,
			  &x->pm_records);
}

void tm_export_dmark(struct tm_export *x, const struct tm_dmark_rec *r)
{
	if (x)
		pm_append(x, r->node_id, TM_IPFIX_TID_DMARK, r, sizeof(*r), MSG_DMARK_RECORDS,
			  &x->dmark_records);
}

void tm_export_flush(struct tm_export *x)
{
	if (!x)
		return;
	if (x->pending)
		emit(x);
	x->pending = 0;
}

json_t *tm_export_json(const struct tm_export *x)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I}", "postcards", (json_int_t)x->postcards,
			 "ack_records", (json_int_t)x->ack_records,
			 "messages", (json_int_t)x->messages,
			 "send_errors", (json_int_t)x->send_errors,
			 "short_records", (json_int_t)x->short_records, "ring", x->rb != NULL,
			 "pm_records", (json_int_t)x->pm_records,
			 "dmark_records", (json_int_t)x->dmark_records);
}

void tm_export_print(const struct tm_export *x)
{
	if (!x)
		return;
	printf("agent: telemetry: %llu postcards, %llu ACK-state, %llu period and %llu D-mark "
	       "records exported in %llu messages, %llu send errors%s\n",
	       (unsigned long long)x->postcards, (unsigned long long)x->ack_records,
	       (unsigned long long)x->pm_records, (unsigned long long)x->dmark_records,
	       (unsigned long long)x->messages,
	       (unsigned long long)x->send_errors, x->rb ? "" : " (no ring: telemetry off)");
}

void tm_export_close(struct tm_export *x)
{
	if (!x)
		return;
	if (x->fbuf && x->pending)
		emit(x);
	ring_buffer__free(x->rb);
	if (x->ring_fd >= 0)
		close(x->ring_fd);
	if (x->fbuf)
		fBufFree(x->fbuf);	/* and its session and exporter */
	else if (x->session)
		fbSessionFree(x->session);
	if (x->model)
		fbInfoModelFree(x->model);
	free(x);
}
