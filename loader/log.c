// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Logging: one error line per failed command, -v for details, libbpf and
 * libxdp output routed through the same verbosity switch. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "endmt.h"

struct endmt_env env = { .prog = "endmt" };
bool error_printed;

/* "2026-12-03T16:51:48.123Z ": ISO 8601, UTC, milliseconds, the wall clock
 * (a log is read next to other logs, not against CLOCK_MONOTONIC). */
void log_stamp(FILE *f)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%03ldZ ", buf, ts.tv_nsec / 1000000);
}

void agent_log(const char *fmt, ...)
{
	va_list ap;

	log_stamp(stderr);
	fprintf(stderr, "%s agent: ", env.prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void errorf(const char *fmt, ...)
{
	va_list ap;

	if (error_printed)	/* one line per failure, the most specific one */
		return;
	error_printed = true;
	if (env.log_ts)
		log_stamp(stderr);
	fprintf(stderr, "%s: ", env.prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void infof(const char *fmt, ...)
{
	va_list ap;

	if (!env.verbose)
		return;
	if (env.log_ts)
		log_stamp(stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int lib_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!env.verbose || (level == LIBBPF_DEBUG && env.verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void setup_libbpf_print(void)
{
	libbpf_set_print(lib_print);
	libxdp_set_print((libxdp_print_fn_t)lib_print);
}


void json_print(json_t *o)
{
	if (!o)
		return;
	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(o);
}
