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
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "endmt.h"
#include "tm_export.h"
#include "tm_ipfix.h"

#define RETRY_NS 1000000000ull	/* looking for the ring while it is missing */
/* Records per message: RFC 7011 §10.3.3 keeps a message within the path
 * MTU (fixbuf 2.4 offers no setting).  16 (header) + 4 (set) + 5 * 226
 * (a record with 8 node entries) = 1150 octets, within IPv6's minimum
 * 1280 with the IP and UDP headers. */
#define MSG_RECORDS 5

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
	uint64_t refresh_ns, next_refresh, next_open;
	unsigned int pending;	/* records appended since the last emit */
	uint64_t postcards, messages, short_records, send_errors;
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

static int on_postcard(void *ctx, void *data, size_t size)
{
	struct tm_export *x = ctx;
	struct endmt_postcard pc;
	struct tm_rec r;
	GError *err = NULL;
	gboolean added;

	if (size < sizeof(pc)) {	/* a producer of another layout */
		x->short_records++;
		return 0;
	}
	memcpy(&pc, data, sizeof(pc));
	if (pc.node_id != x->domain) {
		/* One observation domain per node (RFC 7011 §2): the
		 * templates go again in the new one. */
		if (x->pending)
			emit(x);
		x->pending = 0;
		x->domain = pc.node_id;
		if (!tm_ipfix_domain(x->session, x->domain, &added, &err)) {
			report(x, -EINVAL, "observation domain", err->message);
			g_clear_error(&err);
			return 0;
		}
		if (added)
			emit(x);
		else
			templates(x);
	}
	if (!x->pending && (!fBufSetInternalTemplate(x->fbuf, TM_IPFIX_TID, &err) ||
			    !fBufSetExportTemplate(x->fbuf, TM_IPFIX_TID, &err))) {
		report(x, -EINVAL, "template", err->message);
		g_clear_error(&err);
		return 0;
	}
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

json_t *tm_export_json(const struct tm_export *x)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:b}", "postcards", (json_int_t)x->postcards,
			 "messages", (json_int_t)x->messages,
			 "send_errors", (json_int_t)x->send_errors,
			 "short_records", (json_int_t)x->short_records, "ring", x->rb != NULL);
}

void tm_export_print(const struct tm_export *x)
{
	if (!x)
		return;
	printf("agent: telemetry: %llu postcards exported in %llu messages, %llu send errors%s\n",
	       (unsigned long long)x->postcards, (unsigned long long)x->messages,
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
