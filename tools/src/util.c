// SPDX-License-Identifier: GPL-2.0
/*
 * vtisctl: diagnostics, strict parsing of command-line values, and small
 * helpers every command shares (directories, time, whole reads and writes).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm_vtis.h>

#include "vtisctl.h"

/* Every diagnostic is one line on stderr starting with "vtisctl: ". */
void err_msg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vtisctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Report a failed ioctl on device id with the messages every per-device
 * command shares: no such device, a device another user attached, else
 * the ioctl req and errno e.
 */
void dev_ioctl_err(const char *cmd, const char *req, uint32_t id, int e)
{
	if (e == ENOENT)
		err_msg("%s: no device with id %" PRIu32, cmd, id);
	else if (e == EPERM)
		err_msg("%s: device %" PRIu32 " was attached by another user (needs that user or CAP_SYS_ADMIN)",
			cmd, id);
	else
		err_msg("%s: %s failed: %s", cmd, req, strerror(e));
}

/* Report a command-line error for command cmd (NULL: the tool itself). */
int usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vtisctl: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try 'vtisctl %s%s--help')\n", cmd ? cmd : "",
		cmd ? " " : "");
	return EXIT_USAGE;
}

/*
 * Parse an unsigned number: decimal, or hexadecimal with a 0x/0X prefix.
 * The whole string must be digits: no sign, no blanks, no suffix, no
 * overflow.  Returns 0 or -1.
 */
int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	const char *digits = s;
	char *end;
	int base = 10;

	if (!s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	/* strtoull accepts blanks and signs: refuse them here */
	if (base == 16 ? !strchr("0123456789abcdefABCDEF", digits[0]) || !digits[0]
		       : !(digits[0] >= '0' && digits[0] <= '9'))
		return -1;
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int parse_uint_range(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_family(const char *s, enum tpm_family *out)
{
	if (!strcmp(s, "2.0")) {
		*out = FAMILY_2_0;
		return 0;
	}
	if (!strcmp(s, "1.2")) {
		*out = FAMILY_1_2;
		return 0;
	}
	return -1;
}

const char *family_name(uint32_t family)
{
	switch (family) {
	case FAMILY_1_2:
		return "1.2";
	case FAMILY_2_0:
		return "2.0";
	default:
		return "unknown";
	}
}

/*
 * The TIS window base: 4 KiB aligned, not 0, and the whole 0x5000-byte
 * window below 4 GiB so that an ACPI Memory32Fixed descriptor can describe
 * it.  Returns 0, or the usage exit code after reporting.
 */
int parse_base(const char *cmd, const char *s, uint64_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v))
		return usage_err(cmd, "--base '%s' is not a number", s);
	if (v == 0 || v % TIS_BASE_ALIGN)
		return usage_err(cmd, "--base 0x%llx must be a non-zero multiple of 4 KiB",
				 (unsigned long long)v);
	if (v > TIS_BASE_LIMIT - TIS_WINDOW_SIZE)
		return usage_err(cmd, "--base 0x%llx: the 0x5000-byte window must end below 4 GiB",
				 (unsigned long long)v);
	*out = v;
	return 0;
}

/*
 * The firmware event log window's size (after the TIS window, see
 * KVM_VTIS_LOG_OFFSET): 0 (none) or a multiple of 4 KiB up to
 * KVM_VTIS_LOG_MAX.  Returns 0, or the usage exit code after reporting.
 */
int parse_log_size(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v))
		return usage_err(cmd, "%s '%s' is not a number", opt, s);
	if (v % TIS_BASE_ALIGN || v > KVM_VTIS_LOG_MAX)
		return usage_err(cmd, "%s %s must be 0 or a multiple of 4096 up to %u (1 MiB)",
				 opt, s, KVM_VTIS_LOG_MAX);
	*out = v;
	return 0;
}

/*
 * The registers and the log window after them, together, end below 4 GiB
 * (an ACPI Memory32Fixed describes each).  Returns 0, or the usage exit
 * code after reporting.
 */
int check_log_window(const char *cmd, uint64_t base, uint64_t log_size)
{
	if (base + KVM_VTIS_LOG_OFFSET + log_size > TIS_BASE_LIMIT)
		return usage_err(cmd, "the log window 0x%llx-0x%llx (after the TIS window at --base) must end below 4 GiB",
				 (unsigned long long)(base + KVM_VTIS_LOG_OFFSET),
				 (unsigned long long)(base + KVM_VTIS_LOG_OFFSET + log_size - 1));
	return 0;
}

/* "tis" or "crb": 0 and the KVM_VTIS_INTERFACE_* value, or -1. */
int parse_interface(const char *s, uint32_t *out)
{
	if (!strcmp(s, "tis"))
		*out = KVM_VTIS_INTERFACE_TIS;
	else if (!strcmp(s, "crb"))
		*out = KVM_VTIS_INTERFACE_CRB;
	else
		return -1;
	return 0;
}

const char *interface_name(uint32_t interface)
{
	switch (interface) {
	case KVM_VTIS_INTERFACE_TIS:
		return "tis";
	case KVM_VTIS_INTERFACE_CRB:
		return "crb";
	default:
		return "unknown";
	}
}

/* Flush stdout and report a failed write (a full disk, a closed pipe). */
int finish_output(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		err_msg("cannot write the output: %s", strerror(errno ? errno : EIO));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Report what getopt_long() stopped at: c is '?' or ':'. */
int bad_option(const char *cmd, int c, char **argv)
{
	const char *opt = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };

	if (c == ':')
		return usage_err(cmd, "option '%s' needs a value", opt);
	if (optopt)
		opt = shortopt;
	return usage_err(cmd, "unknown option '%s'", opt);
}

/*
 * mkdir -p: the missing directories of path dir are made with mode (less
 * the umask).  0, or -errno.
 */
int make_dirs(const char *dir, unsigned int mode)
{
	char tmp[4096];
	size_t i, n = strlen(dir);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		tmp[i] = dir[i];
	}
	return 0;
}

/* Milliseconds on the monotonic clock. */
uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sleep ms milliseconds, signals notwithstanding. */
void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* write(2) all n bytes, or -1 (errno set; EIO for a short write of 0). */
int full_write(int fd, const void *p, size_t n)
{
	const char *b = p;
	ssize_t w;

	while (n) {
		w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!w)
				errno = EIO;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* read(2) all n bytes, or -1 (errno set; EIO at end of file). */
int full_read(int fd, void *p, size_t n)
{
	char *b = p;
	ssize_t r;

	while (n) {
		r = read(fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (!r)
				errno = EIO;
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}
