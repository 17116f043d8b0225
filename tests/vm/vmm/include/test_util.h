/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every test program of the test VMM library shares: KTAP results and
 * diagnostics (through tests/lib/ktap.h, safe from several threads), a
 * bound on the whole run, time, child processes, kvm_vtis' module and its
 * parameters.
 *
 *	int main(...)
 *	{
 *		test_start(120);		KTAP header, 120 s bound
 *		result(ok, "what");		"ok N - what" / "not ok N - what"
 *		diag("figure %u", x);		"# figure ..."
 *		return test_end();		the plan; 0, or 1 on a failure
 *	}
 */
#ifndef VTIS_TEST_UTIL_H
#define VTIS_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Results and diagnostics (KTAP). */
void test_start(unsigned int timeout_s);
int test_end(void);
unsigned int test_failures(void);
bool __printf(2, 3) result(bool ok, const char *fmt, ...);
void __printf(1, 2) diag(const char *fmt, ...);
void hexdump(const char *what, const uint8_t *p, size_t n);
const char *errname(int err);

/* Children that a timeout or SIGTERM kills before the program ends. */
void child_track(pid_t pid);
void child_untrack(pid_t pid);

/* Time. */
uint64_t now_ms(void);
uint64_t now_ns(void);
void sleep_ms(unsigned int ms);

/*
 * Programs: started with their stdout on our stderr (stdout carries the
 * results), or both on a log file (one that runs beside us would break
 * our lines); prog_wait() gives the exit status, or -1.
 */
pid_t prog_start(const char *const argv[]);
pid_t prog_start_log(const char *const argv[], const char *log);
int prog_wait(pid_t pid);
int prog_run(const char *const argv[]);

/* kvm_vtis' module and its parameters (/sys/module/kvm_vtis/parameters). */
bool module_loaded(const char *name);
int module_unload(const char *name);
int param_get(const char *name, char *buf, size_t len);
int param_set(const char *name, const char *val);

#endif /* VTIS_TEST_UTIL_H */
