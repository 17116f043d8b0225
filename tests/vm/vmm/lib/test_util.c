// SPDX-License-Identifier: GPL-2.0
/*
 * Results, the run's time bound, time, child processes, the module and its
 * parameters: see test_util.h.
 */
#define KTAP_DEFINE_COUNTERS
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktap.h"
#include "test_util.h"

/* Checks may report from several vCPU threads. */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

#define MAX_CHILDREN	128	/* scale: up to 64 VMs, a swtpm each */
static volatile sig_atomic_t children[MAX_CHILDREN];
static unsigned int timeout_secs;

/* One result; returns ok. */
bool __printf(2, 3) result(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&out_lock);
	ktap_vresult(ok, fmt, ap);
	pthread_mutex_unlock(&out_lock);
	va_end(ap);
	return ok;
}

void __printf(1, 2) diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&out_lock);
	ktap_vprint_msg(fmt, ap);
	pthread_mutex_unlock(&out_lock);
	va_end(ap);
}

unsigned int test_failures(void)
{
	return ktap_failures();
}

void hexdump(const char *what, const uint8_t *p, size_t n)
{
	char line[3 * 32 + 1];
	size_t i, j;

	for (i = 0; i < n; i += 32) {
		for (j = 0; j < 32 && i + j < n; j++)
			sprintf(line + 3 * j, " %02x", p[i + j]);
		diag("%s[%zu]:%s", what, i, line);
	}
}

const char *errname(int err)
{
	const char *s;

	if (err < 0)
		err = -err;
	if (!err)
		return "success";
	s = strerrorname_np(err);
	return s ? s : "an unknown errno";
}

void child_track(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (!children[i]) {
			children[i] = pid;
			return;
		}
}

void child_untrack(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == pid)
			children[i] = 0;
}

static void kill_children(void)
{
	unsigned int i;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
}

/* Decimal digits of v at the end of buf; returns where they start. */
static char *utoa(unsigned int v, char *end)
{
	*--end = 0;
	do {
		*--end = '0' + v % 10;
		v /= 10;
	} while (v);
	return end;
}

static void put(const char *s)
{
	if (write(STDOUT_FILENO, s, strlen(s)) < 0)
		_exit(3);
}

/* The bound of the run: a failed check and the plan, from the handler. */
static void on_alarm(int sig)
{
	char n[16], secs[16];

	(void)sig;
	kill_children();
	put("not ok ");
	put(utoa(ktap_test_count() + 1, n + sizeof(n)));
	put(" - ");
	put(program_invocation_short_name);
	put(" finished within its time bound (");
	put(utoa(timeout_secs, secs + sizeof(secs)));
	put(" s)\n1..");
	put(utoa(ktap_test_count() + 1, n + sizeof(n)));
	put("\n");
	_exit(3);
}

static void on_term(int sig)
{
	(void)sig;
	kill_children();
	_exit(4);
}

void test_start(unsigned int timeout_s)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	ktap_print_header();
	signal(SIGALRM, on_alarm);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	timeout_secs = timeout_s;
	alarm(timeout_s);
}

int test_end(void)
{
	alarm(0);
	return ktap_finished();
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t now_ms(void)
{
	return now_ns() / 1000000;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Start a program with its stdout and stderr on log (appended), or, with
 * log NULL, its stdout on our stderr.
 */
pid_t prog_start_log(const char *const argv[], const char *log)
{
	pid_t pid;
	int fd;

	ktap_flush();
	fflush(stderr);
	pid = fork();
	if (pid != 0)
		return pid;
	alarm(0);
	if (log) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
		    dup2(fd, STDERR_FILENO) < 0)
			_exit(126);
	} else {
		dup2(STDERR_FILENO, STDOUT_FILENO);
	}
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t prog_start(const char *const argv[])
{
	return prog_start_log(argv, NULL);
}

int prog_wait(pid_t pid)
{
	int status;

	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int prog_run(const char *const argv[])
{
	return prog_wait(prog_start(argv));
}

bool module_loaded(const char *name)
{
	char line[256];
	size_t n = strlen(name);
	bool found = false;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, name, n) && line[n] == ' ';
	fclose(f);
	return found;
}

/* delete_module(name, O_NONBLOCK), as rmmod does: 0 or -errno. */
int module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static void param_path(char *path, size_t len, const char *name)
{
	snprintf(path, len, "/sys/module/kvm_vtis/parameters/%s", name);
}

int param_get(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;
	bool ok;

	param_path(path, sizeof(path), name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	if (!ok)
		return -EIO;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int param_set(const char *name, const char *val)
{
	char path[128];
	FILE *f;
	int ret = 0;

	param_path(path, sizeof(path), name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}
