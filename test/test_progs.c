/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Runner for the unit tests: test_progs [-v] [-l] [-t FILTER]...
 * FILTER matches "test" or "test/subtest" by substring. */
#include <stdarg.h>
#include <stdlib.h>
#include <getopt.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "test_progs.h"

#define DEFINE_TEST(name) void test_##name(void);
#include "tests.h"
#undef DEFINE_TEST

struct tp_test {
	const char *name;
	void (*fn)(void);
};

static const struct tp_test tests[] = {
#define DEFINE_TEST(name) { #name, test_##name },
#include "tests.h"
#undef DEFINE_TEST
};

int tp_verbose;
static const char *filters[32];
static int nfilters;
static const char *cur_test;
static char cur_sub[128];
static int cur_fails, sub_fails;
static int n_pass, n_fail, n_sub_pass, n_sub_fail;

void tp_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "  %s:%d: %s%s%s: ", file, line, cur_test,
		cur_sub[0] ? "/" : "", cur_sub);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	cur_fails++;
	sub_fails++;
}

void tp_hexdiff(const void *got, size_t got_len, const void *exp, size_t exp_len)
{
	const uint8_t *g = got, *e = exp;
	size_t n = got_len > exp_len ? got_len : exp_len, i, j;

	for (i = 0; i < n; i += 16) {
		int differs = 0;

		for (j = i; j < i + 16 && j < n; j++)
			if (j >= got_len || j >= exp_len || g[j] != e[j])
				differs = 1;
		if (!differs)
			continue;
		printf("    %04zx got:", i);
		for (j = i; j < i + 16 && j < n; j++)
			printf(j < got_len ? " %02x" : " --", j < got_len ? g[j] : 0);
		printf("\n    %04zx exp:", i);
		for (j = i; j < i + 16 && j < n; j++)
			printf(j < exp_len ? " %02x" : " --", j < exp_len ? e[j] : 0);
		printf("\n             ");
		for (j = i; j < i + 16 && j < n; j++)
			printf("%s", (j >= got_len || j >= exp_len || g[j] != e[j]) ? " ^^" : "   ");
		printf("\n");
	}
}

static int matches(const char *test, const char *sub)
{
	char full[256];
	int i;

	if (!nfilters)
		return 1;
	snprintf(full, sizeof(full), "%s%s%s", test, sub ? "/" : "", sub ? sub : "");
	for (i = 0; i < nfilters; i++) {
		const char *slash = strchr(filters[i], '/');

		if (!sub && slash) {
			/* test part of "test/sub" must match the test name */
			if (!strncmp(filters[i], test, slash - filters[i]) &&
			    (size_t)(slash - filters[i]) == strlen(test))
				return 1;
			continue;
		}
		if (strstr(full, filters[i]))
			return 1;
		if (sub && !slash && strstr(test, filters[i]))
			return 1;
	}
	return 0;
}

static void end_subtest(void)
{
	if (!cur_sub[0])
		return;
	if (sub_fails) {
		n_sub_fail++;
		printf("  FAIL %s/%s\n", cur_test, cur_sub);
	} else {
		n_sub_pass++;
		if (tp_verbose)
			printf("  ok   %s/%s\n", cur_test, cur_sub);
	}
	cur_sub[0] = 0;
}

bool test__start_subtest(const char *name)
{
	end_subtest();
	if (!matches(cur_test, name))
		return false;
	snprintf(cur_sub, sizeof(cur_sub), "%s", name);
	sub_fails = 0;
	return true;
}

/* libbpf speaks only with -v: its warnings (e.g. about the libxdp
 * .xdp_run_config section it does not know) would bury the results. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!tp_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: test_progs [-v] [-l] [-t FILTER]...\n"
		   "  -t FILTER  run tests (or test/subtest) whose name contains FILTER\n"
		   "  -l         list tests\n"
		   "  -v         verbose: show passing subtests\n");
}

int main(int argc, char **argv)
{
	size_t i;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "vlt:h")) != -1) {
		switch (c) {
		case 'v':
			tp_verbose = 1;
			break;
		case 'l':
			for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
				printf("%s\n", tests[i].name);
			return 0;
		case 't':
			if (nfilters < 32)
				filters[nfilters++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	libbpf_set_print(libbpf_print);
	if (geteuid() != 0)
		fprintf(stderr, "test_progs: warning: not root; BPF tests will fail\n");

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (!matches(tests[i].name, NULL))
			continue;
		cur_test = tests[i].name;
		cur_fails = 0;
		cur_sub[0] = 0;
		tests[i].fn();
		end_subtest();
		if (cur_fails) {
			n_fail++;
			printf("FAIL %s\n", cur_test);
		} else {
			n_pass++;
			printf("ok   %s\n", cur_test);
		}
	}
	printf("unit: %d tests, %d subtests passed, %d subtests failed\n",
	       n_pass + n_fail, n_sub_pass, n_sub_fail);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail || (n_pass + n_fail) == 0 ? 1 : 0;
}
