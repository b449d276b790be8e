// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Declarative option parsing: each command lists its options (name, type,
 * where the value goes, range, help) and gets parsing, range checks, and a
 * generated --help from the same table, so help and behaviour cannot drift. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "endmt.h"
#include "endmt/srh.h"

int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

static int parse_s64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	x = strtoll(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

int parse_addr(const char *s, struct in6_addr *a)
{
	if (!s || inet_pton(AF_INET6, s, a) != 1)
		return -EINVAL;
	return 0;
}

const char *addr_str(const void *a16, char *buf)
{
	if (!inet_ntop(AF_INET6, a16, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

/* RFC 8754 §2.1 defines Pad1 (0), PadN (4) and HMAC (5).  As the End.MT type
 * they would be misread both ways: the edge skips Pad1 before it looks at a
 * type, and every padding or HMAC TLV would be judged as an End.MT TLV (and
 * dropped for its length), so a head using them could reach no receiver. */
const char *tlv_type_refused(uint32_t t)
{
	switch (t) {
	case ENDMT_TLV_PAD1: return "Pad1 (RFC 8754)";
	case ENDMT_TLV_PADN: return "PadN (RFC 8754)";
	case ENDMT_TLV_HMAC: return "HMAC (RFC 8754)";
	default: return NULL;
	}
}

static const struct opt *find_opt(const struct cmd *c, const char *name, size_t len)
{
	const struct opt *o;

	for (o = c->opts; o && o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

static int set_value(const struct cmd *c, const struct opt *o, const char *val, void *cfg)
{
	char *p = (char *)cfg + o->off;
	uint64_t u;
	int64_t s;
	int i;

	switch (o->type) {
	case OPT_FLAG:
		*(bool *)p = true;
		break;
	case OPT_STR:
		*(const char **)p = val;
		break;
	case OPT_U32:
		if (parse_u64(val, &u) || (int64_t)u < o->min || (int64_t)u > o->max) {
			errorf("%s: --%s %s: must be an integer %lld..%lld",
			       c->name, o->name, val, (long long)o->min, (long long)o->max);
			return -EINVAL;
		}
		*(uint32_t *)p = (uint32_t)u;
		break;
	case OPT_S32:
		if (parse_s64(val, &s) || s < o->min || s > o->max) {
			errorf("%s: --%s %s: must be an integer %lld..%lld",
			       c->name, o->name, val, (long long)o->min, (long long)o->max);
			return -EINVAL;
		}
		*(int32_t *)p = (int32_t)s;
		break;
	case OPT_U64:
		if (parse_u64(val, &u)) {
			errorf("%s: --%s %s: must be an unsigned 64-bit integer",
			       c->name, o->name, val);
			return -EINVAL;
		}
		*(uint64_t *)p = u;
		break;
	case OPT_ADDR:
		if (parse_addr(val, (struct in6_addr *)p)) {
			errorf("%s: %s%s '%s': not an IPv6 address (e.g. fd00::1)",
			       c->name, o->positional ? "" : "--",
			       o->positional ? o->metavar : o->name, val);
			return -EINVAL;
		}
		break;
	case OPT_ENUM:
		for (i = 0; o->choices[i]; i++)
			if (!strcmp(o->choices[i], val))
				break;
		if (!o->choices[i]) {
			char all[128] = "";

			for (i = 0; o->choices[i]; i++)
				snprintf(all + strlen(all), sizeof(all) - strlen(all),
					 "%s%s", i ? "|" : "", o->choices[i]);
			errorf("%s: --%s %s: must be one of %s", c->name, o->name, val, all);
			return -EINVAL;
		}
		*(int *)p = i;
		break;
	case OPT_STRS: {
		struct strlist *l = (struct strlist *)p;

		if (l->n >= (int)(sizeof(l->v) / sizeof(l->v[0]))) {
			errorf("%s: --%s given too many times", c->name, o->name);
			return -E2BIG;
		}
		l->v[l->n++] = val;
		break;
	}
	}
	if (o->set_off != NOSET)
		*(bool *)((char *)cfg + o->set_off) = true;
	return 0;
}

/* Global options are accepted anywhere, so `endmt show --json` and
 * `endmt --json show` mean the same. Returns 1 if arg was one (and how many
 * argv slots it used in *used), 0 if not, <0 on error. */
int params_global(int argc, char **argv, int i, int *used)
{
	const char *a = argv[i];

	*used = 1;
	if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
		env.verbose++;
		return 1;
	}
	if (!strcmp(a, "--json") || !strcmp(a, "-j")) {
		env.json = true;
		return 1;
	}
	if (!strncmp(a, "--pin-root=", 11)) {
		env.pin_root = a + 11;
		return 1;
	}
	if (!strcmp(a, "--pin-root")) {
		if (i + 1 >= argc) {
			errorf("--pin-root needs a directory");
			return -EINVAL;
		}
		env.pin_root = argv[i + 1];
		*used = 2;
		return 1;
	}
	return 0;
}

int params_parse(const struct cmd *c, int argc, char **argv, void *cfg)
{
	const struct opt *o;
	bool seen[64] = {};
	int i, err, used;

	if (c->defaults)
		c->defaults(cfg);
	for (i = 0; i < argc; i += used) {
		const char *a = argv[i], *val = NULL, *eq;

		used = 1;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			params_usage(c, stdout);
			return 1;
		}
		err = params_global(argc, argv, i, &used);
		if (err < 0)
			return err;
		if (err)
			continue;
		if (a[0] == '-' && a[1] == '-') {
			eq = strchr(a, '=');
			o = find_opt(c, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (!o || o->positional) {
				errorf("%s: unknown option '%s' (see endmt %s --help)",
				       c->name, a, c->name);
				return -EINVAL;
			}
			if (o->type != OPT_FLAG) {
				if (eq) {
					val = eq + 1;
				} else if (i + 1 < argc) {
					val = argv[i + 1];
					used = 2;
				} else {
					errorf("%s: --%s needs a value (%s)", c->name,
					       o->name, o->metavar ? o->metavar : "VALUE");
					return -EINVAL;
				}
			}
		} else {
			for (o = c->opts; o && o->name; o++)
				if (o->positional && !seen[o - c->opts])
					break;
			if (!o || !o->name) {
				errorf("%s: unexpected argument '%s' (see endmt %s --help)",
				       c->name, a, c->name);
				return -EINVAL;
			}
			val = a;
		}
		if (o->type != OPT_STRS && seen[o - c->opts]) {
			errorf("%s: %s given twice", c->name, o->name);
			return -EINVAL;
		}
		seen[o - c->opts] = true;
		err = set_value(c, o, val, cfg);
		if (err)
			return err;
	}
	for (o = c->opts; o && o->name; o++) {
		if (o->required && !seen[o - c->opts]) {
			if (o->positional)
				errorf("%s: missing %s (see endmt %s --help)", c->name,
				       o->metavar, c->name);
			else
				errorf("%s: missing --%s %s (see endmt %s --help)", c->name,
				       o->name, o->metavar ? o->metavar : "", c->name);
			return -EINVAL;
		}
	}
	return 0;
}

/* The usage line after "endmt ": the command, its positional arguments and
 * its required options.  --help and the man page (man.c) both print it. */
void params_synopsis(const struct cmd *c, char *buf, size_t len)
{
	const struct opt *o;
	size_t n;

	snprintf(buf, len, "%s", c->name);
	for (o = c->opts; o && o->name; o++) {
		n = strlen(buf);
		if (o->positional)
			snprintf(buf + n, len - n, o->required ? " %s" : " [%s]", o->metavar);
		else if (o->required)
			snprintf(buf + n, len - n, " --%s %s", o->name, o->metavar);
	}
	n = strlen(buf);
	snprintf(buf + n, len - n, " [options]");
}

/* One option as --help and the man page show it: the left column (name and
 * metavar) and the help text (with the choices of an enum and whether it is
 * required), both from the command's option table. */
void params_opt_text(const struct opt *o, char *left, size_t llen, char *help, size_t hlen)
{
	size_t n;
	int i;

	if (o->positional)
		snprintf(left, llen, "%s", o->metavar);
	else if (o->type == OPT_FLAG)
		snprintf(left, llen, "--%s", o->name);
	else
		snprintf(left, llen, "--%s %s", o->name, o->metavar);
	snprintf(help, hlen, "%s", o->help);
	if (o->type == OPT_ENUM) {
		for (i = 0; o->choices[i]; i++) {
			n = strlen(help);
			snprintf(help + n, hlen - n, "%s%s", i ? "|" : " (", o->choices[i]);
		}
		n = strlen(help);
		snprintf(help + n, hlen - n, ")");
	}
	n = strlen(help);
	if (o->required && !o->positional)
		snprintf(help + n, hlen - n, " [required]");
}

void params_usage(const struct cmd *c, FILE *f)
{
	const struct opt *o;
	char syn[512], left[64], help[512];

	params_synopsis(c, syn, sizeof(syn));
	fprintf(f, "Usage: endmt %s\n%s\n\nOptions:\n", syn, c->summary);
	for (o = c->opts; o && o->name; o++) {
		params_opt_text(o, left, sizeof(left), help, sizeof(help));
		fprintf(f, "  %-28s %s\n", left, help);
	}
	fprintf(f, "  %-28s %s\n", "-h, --help", "show this help");
	fprintf(f, "Global: " ENDMT_GLOBAL_HELP "\n");
}
