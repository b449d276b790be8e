/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A small test_progs-style harness: tests are `void test_NAME(void)` in
 * test/unit/, found by the Makefile; subtests by name; ASSERT_* print actual
 * against expected and return bool so a test can stop or go on. */
#ifndef ENDMT_TEST_PROGS_H
#define ENDMT_TEST_PROGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int tp_verbose;
void tp_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Starts a subtest; false when the -t filter excludes it. */
bool test__start_subtest(const char *name);
/* Hex dump of two buffers with the differing octets marked. */
void tp_hexdiff(const void *got, size_t got_len, const void *exp, size_t exp_len);

#define ASSERT_TRUE(cond, name) ({					\
	bool ___ok = !!(cond);						\
	if (!___ok)							\
		tp_fail(__FILE__, __LINE__, "%s: unexpected false", (name)); \
	___ok;								\
})

#define ASSERT_FALSE(cond, name) ASSERT_TRUE(!(cond), name)

#define ASSERT_EQ(actual, expected, name) ({				\
	long long ___a = (long long)(actual), ___e = (long long)(expected); \
	bool ___ok = ___a == ___e;					\
	if (!___ok)							\
		tp_fail(__FILE__, __LINE__, "%s: actual %lld (0x%llx) != expected %lld (0x%llx)", \
			(name), ___a, (unsigned long long)___a, ___e, (unsigned long long)___e); \
	___ok;								\
})

#define ASSERT_NEQ(actual, unexpected, name) ({				\
	long long ___a = (long long)(actual), ___e = (long long)(unexpected); \
	bool ___ok = ___a != ___e;					\
	if (!___ok)							\
		tp_fail(__FILE__, __LINE__, "%s: actual %lld == unexpected", (name), ___a); \
	___ok;								\
})

#define ASSERT_GE(actual, bound, name) ({				\
	long long ___a = (long long)(actual), ___b = (long long)(bound); \
	bool ___ok = ___a >= ___b;					\
	if (!___ok)							\
		tp_fail(__FILE__, __LINE__, "%s: actual %lld < %lld", (name), ___a, ___b); \
	___ok;								\
})

#define ASSERT_OK(err, name) ({						\
	long long ___err = (long long)(err);				\
	bool ___ok = ___err == 0;					\
	if (!___ok)							\
		tp_fail(__FILE__, __LINE__, "%s: error %lld (%s)", (name), ___err, \
			strerror(___err < 0 ? (int)-___err : (int)___err)); \
	___ok;								\
})

#define ASSERT_OK_PTR(ptr, name) ({					\
	bool ___ok = (ptr) != NULL;					\
	if (!___ok)							\
		tp_fail(__FILE__, __LINE__, "%s: NULL", (name));	\
	___ok;								\
})

#define ASSERT_MEMEQ(got, got_len, exp, exp_len, name) ({		\
	size_t ___gl = (got_len), ___el = (exp_len);			\
	bool ___ok = ___gl == ___el && memcmp((got), (exp), ___gl) == 0; \
	if (!___ok) {							\
		tp_fail(__FILE__, __LINE__, "%s: bytes differ (got %zu, expected %zu octets)", \
			(name), ___gl, ___el);				\
		tp_hexdiff((got), ___gl, (exp), ___el);			\
	}								\
	___ok;								\
})

#endif /* ENDMT_TEST_PROGS_H */
