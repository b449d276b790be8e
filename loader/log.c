// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Logging: one error line per failed command, -v for details, libbpf and
 * libxdp output routed through the same verbosity switch. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void log_vline(const char *who, const char *fmt, va_list ap)
{
	log_stamp(stderr);
	fprintf(stderr, "%s %s: ", env.prog, who);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void agent_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("agent", fmt, ap);
	va_end(ap);
}
static int json_emit(json_t *o, size_t flags);

void errorf(const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	if (error_printed)	/* one line per failure, the most specific one */
		return;
	error_printed = true;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n >= 0 && (msg = malloc((size_t)n + 1))) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	if (env.log_ts)
		log_stamp(stderr);
	fprintf(stderr, "%s: %s\n", env.prog, msg ? msg : fmt);
	/* --json: the same line for a machine, on stdout where the result
	 * would have been (docs/CLI.md, "--json output") */
	if (env.json)
		json_emit(json_pack("{s:o}", "error", json_str(msg ? msg : fmt)), JSON_COMPACT);
	free(msg);
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


/* The length of the UTF-8 sequence at s (1..4), 0 if it is not one
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

json_t *json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	json_t *o;
	size_t n, len = 0;
	char *t;

	if (!s)
		return json_null();
	o = json_string(s);
	if (o)
		return o;
	/* not UTF-8 (a device name or a path is octets): each octet that is
	 * not part of a valid sequence becomes U+FFFD */
	t = malloc(strlen(s) * 3 + 1);
	if (!t)
		return NULL;
	for (; *p; p += n) {
		n = utf8_len(p);
		if (n) {
			memcpy(t + len, p, n);
			len += n;
		} else {
			memcpy(t + len, "\xef\xbf\xbd", 3);
			len += 3;
			n = 1;
		}
	}
	o = json_stringn(t, len);
	free(t);
	return o;
}

/* The one place JSON reaches stdout.  Takes the reference; an object that
 * could not be built (NULL: out of memory) is an error, not silence. */
static int json_emit(json_t *o, size_t flags)
{
	int err = 0;

	if (!o) {
		fprintf(stderr, "%s: cannot build the JSON output: %s\n", env.prog,
			strerror(ENOMEM));
		return -ENOMEM;
	}
	if (json_dumpf(o, stdout, flags) || fputc('\n', stdout) == EOF || fflush(stdout))
		err = -EIO;
	json_decref(o);
	return err;
}

int json_print(json_t *o)
{
	return json_emit(o, JSON_COMPACT);
}

int json_print_doc(json_t *o)
{
	return json_emit(o, JSON_INDENT(2));
}
