/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's telemetry exporter: postcards from PINROOT/endmt_postcards
 * (a BPF ring buffer) to an IPFIX collector over UDP (tm_ipfix.h). */
#ifndef ENDMT_TM_EXPORT_H
#define ENDMT_TM_EXPORT_H

#include <stdint.h>
#include <jansson.h>

struct tm_export;
struct endmt_maps_fds;
struct tm_pm_rec;
struct tm_dmark_rec;

/* Default seconds between template refreshes (RFC 7011 §8.4: over UDP the
 * exporter resends its templates, so a collector started late decodes). */
#define TM_EXPORT_REFRESH_S 10

/* dest: HOST, HOST:PORT, [IPV6]:PORT or a bare IPv6 address (port 4739).
 * A ring not pinned yet is "telemetry off" until it appears (looked for
 * once a second).  0 or -errno after printing why. */
int tm_export_open(struct tm_export **out, const char *pin_root, const char *dest,
		   uint32_t refresh_s);
/* From the agent's loop: reads what the ring holds, sends it, refreshes
 * the templates when due.  now: CLOCK_MONOTONIC ns.  Never blocks. */
void tm_export_poll(struct tm_export *x, uint64_t now);
/* From the agent's loop too: once a second, one ACK-state record
 * (TM_IPFIX_TID_ACK) per valid branch of every group in m->groups, when the
 * node has a telemetry identity (endmt_tm node_id != 0).  Never blocks. */
void tm_export_acks(struct tm_export *x, const struct endmt_maps_fds *m, uint64_t now);
/* Alternate marking (pm_period.c): one period record (TM_IPFIX_TID_PM) or
 * one D-mark record (TM_IPFIX_TID_DMARK); tm_export_flush sends what is
 * buffered.  Never block. */
void tm_export_pm(struct tm_export *x, const struct tm_pm_rec *r);
void tm_export_dmark(struct tm_export *x, const struct tm_dmark_rec *r);
void tm_export_flush(struct tm_export *x);
/* What it did: {"postcards","ack_records","messages","send_errors",
 * "short_records","ring","pm_records","dmark_records"} (ring: whether the ring was found). */
json_t *tm_export_json(const struct tm_export *x);
/* The same as one line for people on stdout; NULL prints nothing. */
void tm_export_print(const struct tm_export *x);
/* Sends what is buffered, frees.  NULL is fine. */
void tm_export_close(struct tm_export *x);

#endif
