/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP for C test programs, in the manner of the kernel's kselftest.h:
 *
 *	ktap_print_header();			"KTAP version 1"
 *	ktap_test_result(cond, fmt, ...);	"ok N - ..." / "not ok N - ..."
 *	ktap_test_pass(fmt, ...); ktap_test_fail(fmt, ...);
 *	ktap_print_msg(fmt, ...);		"# ..." (a newline is added)
 *	return ktap_finished();			"1..N"; 0, or 1 on a failure
 *
 * The plan comes last because these programs learn their number of checks
 * as they go; the harness checks it (see tests/lib/ktap.sh).
 *
 * The counters live in one translation unit: define KTAP_DEFINE_COUNTERS
 * before including this header in exactly one file of a program.
 * Output is line-buffered through stdio; a program that forks flushes
 * first (ktap_flush()).
 */
#ifndef VTIS_KTAP_H
#define VTIS_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

struct ktap_counts {
	unsigned int pass;
	unsigned int fail;
};

#ifdef KTAP_DEFINE_COUNTERS
struct ktap_counts ktap_cnt;
#else
extern struct ktap_counts ktap_cnt;
#endif

#define KTAP_PRINTF(a, b)	__attribute__((format(printf, a, b)))

static inline void ktap_flush(void)
{
	fflush(stdout);
}

static inline void ktap_print_header(void)
{
	printf("KTAP version 1\n");
	ktap_flush();
}

static inline unsigned int ktap_test_count(void)
{
	return ktap_cnt.pass + ktap_cnt.fail;
}

static inline unsigned int ktap_failures(void)
{
	return ktap_cnt.fail;
}

/* Descriptions cannot hold '#' in KTAP; it would start a directive. */
static inline void ktap_vresult(bool ok, const char *fmt, va_list ap)
{
	char desc[512];
	char *p;

	vsnprintf(desc, sizeof(desc), fmt, ap);
	for (p = desc; *p; p++) {
		if (*p == '#')
			*p = 'n';
		else if (*p == '\n')
			*p = ' ';
	}
	if (ok)
		ktap_cnt.pass++;
	else
		ktap_cnt.fail++;
	printf("%s %u - %s\n", ok ? "ok" : "not ok", ktap_test_count(), desc);
	ktap_flush();
}

static inline KTAP_PRINTF(2, 3) void ktap_test_result(bool ok,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vresult(ok, fmt, ap);
	va_end(ap);
}

static inline KTAP_PRINTF(1, 2) void ktap_test_pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vresult(true, fmt, ap);
	va_end(ap);
}

static inline KTAP_PRINTF(1, 2) void ktap_test_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vresult(false, fmt, ap);
	va_end(ap);
}

static inline void ktap_vprint_msg(const char *fmt, va_list ap)
{
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	ktap_flush();
}

static inline KTAP_PRINTF(1, 2) void ktap_print_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vprint_msg(fmt, ap);
	va_end(ap);
}

/* The plan; the exit status for main(). */
static inline int ktap_finished(void)
{
	printf("1..%u\n", ktap_test_count());
	ktap_flush();
	return ktap_cnt.fail ? 1 : 0;
}

#endif /* VTIS_KTAP_H */
