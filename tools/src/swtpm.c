// SPDX-License-Identifier: GPL-2.0
/*
 * vtisctl attach --swtpm DIR: a swtpm that runs itself.
 *
 * Before the attach, swtpm_prepare() makes DIR (mode 0700, owned by the
 * caller, on a path nobody else can change), takes DIR/vtisctl.lock (one
 * device per state) and provisions DIR on first use with swtpm_setup, the
 * way libvirt does: an EK, its certificate and a platform certificate
 * from a local CA of the caller's own (swtpm_setup --create-config-files:
 * $XDG_CONFIG_HOME or ~/.config; the system's CA in /var/lib/swtpm-localca
 * belongs to the tss user and libvirt, and is left alone).
 *
 * After it, swtpm_launch() forks the supervisor: a process of its own
 * session that keeps the lock, starts "swtpm chardev" on the device's
 * emulator node, starts it again whenever it exits while the device is
 * still there (100 ms after the exit, doubling up to 5 s while it keeps
 * dying within a second), and ends when the device goes away: swtpm sees
 * end of file and exits by itself, or, if it has not within 2 s of the
 * supervisor noticing (it looks once a second), is stopped with SIGTERM
 * and then SIGKILL.  SIGTERM or SIGINT to the supervisor stops swtpm the
 * same way and ends it; the device stays, without an emulator.  Everything
 * either process says goes to DIR/swtpm.log.
 *
 * The first swtpm starts powered on (--flags not-need-init): the guest's
 * firmware or kernel sends TPM2_Startup, as on a real machine.  A swtpm
 * started again after one died does not: it waits for CMD_INIT, which only
 * the host sends on the guest's next platform reset (vtisctl reset --ctrl,
 * vtis-qemu-reset), so a running guest can never have its PCRs reset under
 * it (it gets TPM failures until it reboots).
 *
 * A device is known by its id together with the VM's owner pid, its base
 * and its emulator node, as KVM_VTIS_INFO reports them at the attach;
 * a device of that id we may no longer see (EPERM) is another user's now.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm_vtis.h>

#include "vtisctl.h"

#define RESTART_MIN_MS	100
#define RESTART_MAX_MS	5000
#define STABLE_MS	1000	/* a swtpm that ran this long restarts at once */
#define STOP_GRACE_MS	2000
#define CHECK_MS	1000
#define CHECK_ERRORS	60	/* device checks failing in a row: take it as gone */
#define SETUP_MS	300000	/* swtpm_setup, bounded */
#define SAFE_PATH	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/* Close every fd from low up (close_range, else one by one). */
static void close_from(int low)
{
	long max;
	int fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, low, ~0U, 0) == 0)
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = low; fd < max; fd++)
		close(fd);
}

/* A child about to exec: default dispositions, nothing blocked. */
static void reset_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int open_log(const char *log)
{
	return open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
}

static void describe_exit(char *buf, size_t len, int status)
{
	if (status == -1)
		snprintf(buf, len, "could not be run");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "ended (status 0x%x)", (unsigned int)status);
}

/* In a child: exec argv with envp, stdout and stderr to log, no fd of ours. */
static void __attribute__((noreturn)) exec_logged(char *const argv[], char *const envp[],
						  const char *log)
{
	int fd;

	reset_signals();
	fd = open_log(log);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	close_from(3);
	execve(argv[0], argv, envp);
	dprintf(2, "vtisctl: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Run argv with envp, stdout and stderr to log, no fd of ours, for at most
 * SETUP_MS; its wait status, or -1.
 */
static int run_logged(char *const argv[], char *const envp[], const char *log)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	uint64_t end = now_ms() + SETUP_MS;
	int status = -1;
	pid_t pid, w;

	/* a caller that ignores SIGCHLD would have its children reaped away */
	sigaction(SIGCHLD, &dfl, &old);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		goto restore;
	if (pid == 0)
		exec_logged(argv, envp, log);
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (now_ms() >= end) {
			dprintf(2, "vtisctl: %s took longer than %d s: killed\n", argv[0],
				SETUP_MS / 1000);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		sleep_ms(50);
	}
restore:
	sigaction(SIGCHLD, &old, NULL);
	return status;
}

/* What log holds from offset from on, on stderr, as part of an error. */
static void show_log_from(const char *log, off_t from, unsigned int lines)
{
	char buf[12][200];
	unsigned int n = 0, i;
	FILE *f;
	int fd;

	fd = open(log, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	if (from > 0)
		fseeko(f, from, SEEK_SET);
	if (lines > ARRAY_SIZE(buf))
		lines = ARRAY_SIZE(buf);
	while (fgets(buf[n % lines], sizeof(buf[0]), f))
		n++;
	fclose(f);
	for (i = n > lines ? n - lines : 0; i < n; i++) {
		buf[i % lines][strcspn(buf[i % lines], "\n")] = '\0';
		fprintf(stderr, "vtisctl:   %s: %s\n", log, buf[i % lines]);
	}
}

static off_t log_size(const char *log)
{
	struct stat st;

	return lstat(log, &st) ? 0 : st.st_size;
}

/* A program in PATH (a regular, executable file), absolute, in out; 0 or -1. */
static int find_program(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;
	struct stat st;

	for (p = path && *path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (end == p || (size_t)snprintf(out, len, "%.*s/%s", (int)(end - p), p,
						 name) >= len)
			continue;
		if (out[0] == '/' && !stat(out, &st) && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

/*
 * Nobody but the caller and root may replace a directory on the way to
 * abs (resolved, no symlinks): each belongs to one of them and, if others
 * may write to it, is sticky (as /tmp), so that nobody can rename a part
 * of the path away and put their own (or a symlink) in its place between
 * our checks and swtpm's use.  what: "--swtpm" or "the local CA".
 */
static int check_parents(const char *abs, const char *what)
{
	char path[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(path, sizeof(path), "%s", abs);
	while ((slash = strrchr(path, '/'))) {
		if (slash == path)
			slash[1] = '\0';	/* "/" itself */
		else
			*slash = '\0';
		if (lstat(path, &st)) {
			err_msg("attach: %s: %s: %s", what, path, strerror(errno));
			return -1;
		}
		if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
		    ((st.st_mode & 0022) && !(st.st_mode & S_ISVTX))) {
			err_msg("attach: %s: %s (on the way to %s) %s: another user could put something else in its place",
				what, path, abs, st.st_uid != 0 && st.st_uid != geteuid() ?
				"belongs to another user" : "is writable by others and not sticky");
			return -1;
		}
		if (!strcmp(path, "/"))
			break;
	}
	return 0;
}

/* path (absolute) is missing, or a directory of the effective user's. */
static bool own_or_missing(const char *path)
{
	struct stat st;

	return path && path[0] == '/' &&
	       (stat(path, &st) ? errno == ENOENT : st.st_uid == geteuid());
}

/*
 * The caller's swtpm_setup.conf and local CA, made on first use:
 * $XDG_CONFIG_HOME, else $HOME/.config, else the effective user's home
 * directory's .config (a variable naming another user's directory, as
 * sudo may pass on, is passed over).
 */
static int user_config(const char *log, char *conf, size_t len, char *cfgdir, size_t clen)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char env_xdg[PATH_MAX + 32], env_home[PATH_MAX + 8], bin[PATH_MAX], how[64];
	char opts[32];
	char *argv[] = { bin, "--create-config-files", opts, NULL };
	char *envp[] = { env_xdg, env_home, SAFE_PATH, NULL };
	struct passwd *pw = getpwuid(geteuid());
	struct stat st;
	int status, e;

	if (!own_or_missing(home))
		home = pw && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
	if (own_or_missing(xdg))
		e = snprintf(cfgdir, clen, "%s", xdg);
	else if (home)
		e = snprintf(cfgdir, clen, "%s/.config", home);
	else {
		err_msg("attach: --swtpm: uid %u has no home directory for its local CA (set XDG_CONFIG_HOME)",
			(unsigned int)geteuid());
		return -1;
	}
	if (e < 0 || (size_t)e >= clen ||
	    (size_t)snprintf(conf, len, "%s/swtpm_setup.conf", cfgdir) >= len) {
		err_msg("attach: --swtpm: %s: path too long", cfgdir);
		return -1;
	}
	if (stat(cfgdir, &st) == 0 && st.st_uid != geteuid()) {
		err_msg("attach: --swtpm: %s (for the local CA) belongs to uid %u, not to you",
			cfgdir, (unsigned int)st.st_uid);
		return -1;
	}
	if (access(conf, R_OK) == 0)
		return 0;
	if (find_program("swtpm_setup", bin, sizeof(bin)))
		return -1;	/* the caller has checked it is there */
	e = make_dirs(cfgdir, 0700);
	if (e) {
		err_msg("attach: --swtpm: cannot create %s: %s", cfgdir, strerror(-e));
		return -1;
	}
	snprintf(opts, sizeof(opts), "%sskip-if-exist", geteuid() == 0 ? "root," : "");
	snprintf(env_xdg, sizeof(env_xdg), "XDG_CONFIG_HOME=%s", cfgdir);
	snprintf(env_home, sizeof(env_home), "HOME=%s", home ? home : "/");
	status = run_logged(argv, envp, log);
	if (status != 0 || access(conf, R_OK)) {
		describe_exit(how, sizeof(how), status);
		err_msg("attach: --swtpm: swtpm_setup --create-config-files %s", how);
		show_log_from(log, 0, 6);
		return -1;
	}
	return 0;
}

/* swtpm_setup on DIR unless it holds this family's state already. */
static int provision(const struct swtpm_cfg *c)
{
	char state[PATH_MAX + 32], log[PATH_MAX + 32], conf[PATH_MAX], bin[PATH_MAX];
	char cfgdir[PATH_MAX], tpm[PATH_MAX + 16], env_xdg[PATH_MAX + 32], how[64];
	char *envp[] = { env_xdg, SAFE_PATH, NULL };
	char *argv[24];
	unsigned int n = 0;
	off_t from;
	int status;

	snprintf(state, sizeof(state), "%s/%s", c->dir,
		 c->family == FAMILY_2_0 ? "tpm2-00.permall" : "tpm-00.permall");
	if (access(state, F_OK) == 0)
		return 0;
	if (find_program("swtpm_setup", bin, sizeof(bin))) {
		err_msg("attach: --swtpm needs swtpm_setup in PATH (Debian: apt-get install swtpm-tools)");
		return -1;
	}
	snprintf(log, sizeof(log), "%s/swtpm_setup.log", c->dir);
	from = log_size(log);
	if (user_config(log, conf, sizeof(conf), cfgdir, sizeof(cfgdir)) ||
	    check_parents(cfgdir, "the local CA"))
		return -1;
	snprintf(env_xdg, sizeof(env_xdg), "XDG_CONFIG_HOME=%s", cfgdir);
	snprintf(tpm, sizeof(tpm), "%s socket", c->bin);
	argv[n++] = bin;
	if (c->family == FAMILY_2_0)
		argv[n++] = "--tpm2";
	argv[n++] = "--tpm-state";
	argv[n++] = (char *)c->dir;
	argv[n++] = "--tpm";
	argv[n++] = tpm;
	argv[n++] = "--config";
	argv[n++] = conf;
	argv[n++] = "--createek";
	argv[n++] = "--create-ek-cert";
	argv[n++] = "--create-platform-cert";
	argv[n++] = "--lock-nvram";
	argv[n++] = "--not-overwrite";
	argv[n++] = "--write-ek-cert-files";
	argv[n++] = (char *)c->dir;
	argv[n] = NULL;
	status = run_logged(argv, envp, log);
	if (status != 0 || access(state, F_OK)) {
		describe_exit(how, sizeof(how), status);
		err_msg("attach: --swtpm: provisioning %s: swtpm_setup %s (%s)", c->dir, how, log);
		show_log_from(log, from, 8);
		return -1;
	}
	return 0;
}

/* DIR goes into swtpm's "dir=...,": no comma, nothing unprintable. */
static bool plain_path(const char *s)
{
	for (; *s; s++)
		if (*s == ',' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int swtpm_prepare(const char *dir, enum tpm_family family, struct swtpm_cfg *c)
{
	char bin[PATH_MAX], lock[PATH_MAX + 16];
	struct stat st;
	int e;

	memset(c, 0, sizeof(*c));
	c->family = family;
	c->lock_fd = -1;
	if (getauxval(AT_SECURE)) {
		err_msg("attach: --swtpm is refused to a setuid or setcap vtisctl");
		return -1;
	}
	if (!dir[0] || !plain_path(dir)) {
		err_msg("attach: --swtpm '%s': give a directory whose path has no comma and no control character",
			dir);
		return -1;
	}
	if (find_program("swtpm", bin, sizeof(bin))) {
		err_msg("attach: --swtpm needs swtpm in PATH (Debian: apt-get install swtpm)");
		return -1;
	}
	e = make_dirs(dir, 0700);
	if (e) {
		err_msg("attach: --swtpm: cannot create %s: %s", dir, strerror(-e));
		return -1;
	}
	if (!realpath(dir, c->dir)) {
		err_msg("attach: --swtpm: %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!plain_path(c->dir)) {
		err_msg("attach: --swtpm: %s resolves to a path with a comma or a control character",
			dir);
		return -1;
	}
	if (lstat(c->dir, &st)) {
		err_msg("attach: --swtpm: %s: %s", c->dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_msg("attach: --swtpm: %s is not a directory", c->dir);
		return -1;
	}
	/* The TPM's secrets live here: the caller's alone. */
	if (st.st_uid != geteuid()) {
		err_msg("attach: --swtpm: %s belongs to uid %u, not to you (uid %u): a TPM's state must be its user's own",
			c->dir, (unsigned int)st.st_uid, (unsigned int)geteuid());
		return -1;
	}
	if (st.st_mode & 0077) {
		err_msg("attach: --swtpm: %s is open to others (mode %04o): chmod 700 it",
			c->dir, (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	if (check_parents(c->dir, "--swtpm"))
		return -1;
	if (access(c->dir, R_OK | W_OK | X_OK)) {
		err_msg("attach: --swtpm: %s: %s", c->dir, strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(c->ctrl, sizeof(c->ctrl), "%s/swtpm-ctrl.sock", c->dir) >=
	    sizeof(c->ctrl)) {
		err_msg("attach: --swtpm: %s is too long for swtpm's control socket (at most %zu characters)",
			c->dir, sizeof(c->ctrl) - sizeof("/swtpm-ctrl.sock"));
		return -1;
	}
	snprintf(c->log, sizeof(c->log), "%s/swtpm.log", c->dir);
	snprintf(c->bin, sizeof(c->bin), "%s", bin);

	/* One device per state: the supervisor keeps this lock. */
	snprintf(lock, sizeof(lock), "%s/vtisctl.lock", c->dir);
	c->lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (c->lock_fd < 0) {
		err_msg("attach: --swtpm: %s: %s", lock, strerror(errno));
		return -1;
	}
	if (flock(c->lock_fd, LOCK_EX | LOCK_NB)) {
		err_msg("attach: --swtpm: %s is in use: another device's swtpm runs on it (%s is held)",
			c->dir, lock);
		goto fail;
	}
	if (provision(c))
		goto fail;
	return 0;
fail:
	close(c->lock_fd);
	c->lock_fd = -1;
	return -1;
}

/* --- the supervisor ---------------------------------------------------- */

static void sup_log(const struct swtpm_cfg *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sup_log(const struct swtpm_cfg *c, const char *fmt, ...)
{
	char line[512];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;
	size_t n;
	int fd;

	gmtime_r(&t, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ vtisctl[", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%d]: ", (int)getpid());
	va_start(ap, fmt);
	if (n < sizeof(line))
		n += (size_t)vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fd = open_log(c->log);
	if (fd >= 0) {
		if (write(fd, line, n) < 0) {
			/* nowhere left to say it */
		}
		close(fd);
	}
}

/*
 * Is the device we attached still there (see the top of this file)?
 * Checks that fail for another reason count in *errors; after
 * CHECK_ERRORS of them in a row the device is taken as gone.
 */
static bool device_present(const struct kvm_vtis_info *was, unsigned int *errors)
{
	struct kvm_vtis_info in;
	int fd, rc, e;

	fd = open(VTIS_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT || e == ENXIO || e == ENODEV)
			return false;		/* the module is gone */
		return ++*errors < CHECK_ERRORS;
	}
	memset(&in, 0, sizeof(in));
	in.size = sizeof(in);
	in.id = was->id;
	rc = ioctl(fd, KVM_VTIS_INFO, &in);
	e = errno;
	close(fd);
	if (rc < 0) {
		if (e == ENOENT || e == EPERM)	/* gone, or another user's now */
			return false;
		return ++*errors < CHECK_ERRORS;
	}
	*errors = 0;
	return in.owner_pid == was->owner_pid && in.base == was->base &&
	       !strncmp(in.emu_name, was->emu_name, sizeof(in.emu_name));
}

/* swtpm on node; fresh: powered on (the first), else waiting for CMD_INIT. */
static pid_t start_swtpm(const struct swtpm_cfg *c, const char *node, bool fresh)
{
	char state[PATH_MAX + 8], ctrl[sizeof(c->ctrl) + 48];
	char *envp[] = { SAFE_PATH, NULL };
	char *argv[20];
	unsigned int n = 0;
	pid_t pid;

	snprintf(state, sizeof(state), "dir=%s", c->dir);
	snprintf(ctrl, sizeof(ctrl), "type=unixio,path=%s,mode=0600", c->ctrl);
	argv[n++] = (char *)c->bin;
	argv[n++] = "chardev";
	argv[n++] = "--chardev";
	argv[n++] = (char *)node;
	if (c->family == FAMILY_2_0)
		argv[n++] = "--tpm2";
	argv[n++] = "--tpmstate";
	argv[n++] = state;
	argv[n++] = "--ctrl";
	argv[n++] = ctrl;
	argv[n++] = "--locality";
	argv[n++] = "allow-set-locality";
	if (fresh) {
		argv[n++] = "--flags";
		argv[n++] = "not-need-init";
	}
	argv[n] = NULL;

	pid = fork();
	if (pid == 0)
		exec_logged(argv, envp, c->log);
	return pid;
}

/* Stop swtpm: SIGTERM, SIGKILL after STOP_GRACE_MS; it is reaped. */
static void stop_swtpm(const struct swtpm_cfg *c, pid_t pid)
{
	uint64_t end = now_ms() + STOP_GRACE_MS;
	int status;

	kill(pid, SIGTERM);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() >= end) {
			sup_log(c, "swtpm (pid %d) ignored SIGTERM for %d ms: SIGKILL",
				(int)pid, STOP_GRACE_MS);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return;
		}
		sleep_ms(20);
	}
}

/*
 * Wait until deadline for a signal on sfd: true when asked to stop.
 * Returns early (false) on SIGCHLD.
 */
static bool wait_signal(int sfd, uint64_t deadline)
{
	struct signalfd_siginfo si;
	bool stop = false, child = false;
	uint64_t t;

	while (!stop && !child && (t = now_ms()) < deadline) {
		struct pollfd p = { .fd = sfd, .events = POLLIN };

		if (poll(&p, 1, (int)(deadline - t)) < 0 && errno != EINTR)
			sleep_ms(10);
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
				stop = true;
			else if (si.ssi_signo == SIGCHLD)
				child = true;
		}
	}
	return stop;
}

/* The supervisor's life; never returns. ready: where the first pid goes. */
static void __attribute__((noreturn)) supervise(const struct swtpm_cfg *c,
						const struct kvm_vtis_info *dev, int ready)
{
	char node[sizeof("/dev/") + KVM_VTIS_NAME_LEN], how[64];
	unsigned int delay = RESTART_MIN_MS, errors = 0;
	uint64_t started, ran;
	bool fresh = true;
	sigset_t mask;
	pid_t pid;
	int sfd, status;

	snprintf(node, sizeof(node), "/dev/%s", dev->emu_name);
	reset_signals();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		sup_log(c, "signalfd: %s", strerror(errno));
		_exit(1);
	}
	sup_log(c, "supervising swtpm for device %u (%s, state %s)", dev->id, node, c->dir);

	for (;;) {
		pid = start_swtpm(c, node, fresh);
		if (pid < 0) {
			sup_log(c, "fork: %s", strerror(errno));
			pid = 0;
		} else {
			sup_log(c, "started swtpm (pid %d)%s", (int)pid,
				fresh ? "" : ", waiting for CMD_INIT (the guest's next reset)");
		}
		fresh = false;
		if (ready >= 0) {
			if (write(ready, &pid, sizeof(pid)) != sizeof(pid)) {
				/* vtisctl attach has gone: it reports nothing then */
			}
			close(ready);
			ready = -1;
		}
		started = now_ms();
		/* wait for swtpm to end, a signal, or the device to go */
		while (pid > 0) {
			if (wait_signal(sfd, now_ms() + CHECK_MS)) {
				sup_log(c, "asked to stop: stopping swtpm (pid %d)", (int)pid);
				stop_swtpm(c, pid);
				_exit(0);
			}
			if (waitpid(pid, &status, WNOHANG) == pid) {
				describe_exit(how, sizeof(how), status);
				sup_log(c, "swtpm (pid %d) %s", (int)pid, how);
				pid = 0;
				break;
			}
			if (!device_present(dev, &errors)) {
				sup_log(c, "device %u is gone; swtpm (pid %d) has not exited: stopping it",
					dev->id, (int)pid);
				stop_swtpm(c, pid);
				_exit(0);
			}
		}
		if (!device_present(dev, &errors)) {
			sup_log(c, "device %u is gone: done", dev->id);
			_exit(0);
		}
		ran = now_ms() - started;
		if (ran >= STABLE_MS)
			delay = RESTART_MIN_MS;
		sup_log(c, "device %u is still there: restarting swtpm in %u ms", dev->id, delay);
		/* the delay, still answering SIGTERM */
		if (wait_signal(sfd, now_ms() + delay)) {
			sup_log(c, "asked to stop");
			_exit(0);
		}
		if (ran < STABLE_MS)
			delay = delay * 2 > RESTART_MAX_MS ? RESTART_MAX_MS : delay * 2;
		if (!device_present(dev, &errors)) {
			sup_log(c, "device %u is gone: done", dev->id);
			_exit(0);
		}
	}
}

int swtpm_launch(const struct swtpm_cfg *c, const struct kvm_vtis_info *dev,
		 int *supervisor, int *swtpm, unsigned int timeout_ms)
{
	struct pollfd p;
	int pfd[2], rd, wr, devnull, lock;
	pid_t pid, child = 0;
	ssize_t n = 0;

	*supervisor = 0;
	if (pipe2(pfd, O_CLOEXEC)) {
		err_msg("attach: --swtpm: pipe: %s", strerror(errno));
		return -1;
	}
	/* above stdio, whatever the caller left closed */
	rd = fcntl(pfd[0], F_DUPFD_CLOEXEC, 10);
	wr = fcntl(pfd[1], F_DUPFD_CLOEXEC, 10);
	close(pfd[0]);
	close(pfd[1]);
	if (rd < 0 || wr < 0) {
		err_msg("attach: --swtpm: pipe: %s", strerror(errno));
		goto close_pipe;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err_msg("attach: --swtpm: fork: %s", strerror(errno));
		goto close_pipe;
	}
	if (pid == 0) {
		/* Its own session; no fd of the caller's (a pipe it reads to EOF). */
		setsid();
		if (chdir("/"))
			_exit(1);
		/* the lock above 4 too, so that neither dup3() below hits it */
		lock = fcntl(c->lock_fd, F_DUPFD_CLOEXEC, 10);
		devnull = open("/dev/null", O_RDWR);
		if (lock < 0 || devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
		    dup2(devnull, 2) < 0 || dup3(wr, 3, O_CLOEXEC) < 0 ||
		    dup3(lock, 4, O_CLOEXEC) < 0)
			_exit(1);
		close_from(5);
		prctl(PR_SET_NAME, "vtis-swtpm-sup", 0, 0, 0);
		umask(077);
		supervise(c, dev, 3);
	}
	*supervisor = pid;
	close(wr);
	wr = -1;
	p.fd = rd;
	p.events = POLLIN;
	if (poll(&p, 1, (int)timeout_ms) == 1)
		n = read(rd, &child, sizeof(child));
	close(rd);
	if (n != sizeof(child) || child <= 0) {
		err_msg("attach: --swtpm: the supervisor did not start swtpm (see %s)", c->log);
		return -1;
	}
	*swtpm = child;
	return 0;
close_pipe:
	if (rd >= 0)
		close(rd);
	if (wr >= 0)
		close(wr);
	return -1;
}

/* attach failed after the launch: end the supervisor (and so swtpm). */
void swtpm_abandon(const struct swtpm_cfg *c, int supervisor, long long log_from)
{
	uint64_t end = now_ms() + STOP_GRACE_MS + 1000;
	int status;
	pid_t w = 0;

	if (supervisor > 0) {
		kill(supervisor, SIGTERM);
		while ((w = waitpid(supervisor, &status, WNOHANG)) == 0 && now_ms() < end)
			sleep_ms(20);
		if (w == 0) {
			kill(supervisor, SIGKILL);
			waitpid(supervisor, &status, 0);
		}
	}
	show_log_from(c->log, (off_t)log_from, 8);
}

long long swtpm_log_size(const struct swtpm_cfg *c)
{
	return log_size(c->log);
}
