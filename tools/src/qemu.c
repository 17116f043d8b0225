// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-qemu: qemu-system-x86_64 with a kvm_vtis TPM, in one command.
 *
 *   vtis-qemu [--vtis-state DIR] [--vtis-tpm 2.0|1.2] [--vtis-irq N]
 *             [--vtis-host-tpm [--vtis-tpm-index N]] QEMU-ARGS...
 *
 * The process the caller starts becomes QEMU (exec: same PID, fds and
 * cgroup).  Before the exec it writes the ACPI tables (-acpitable) and
 * starts a helper, which QEMU itself waits for:
 *
 *  - The gate.  QEMU gets "-tpmdev emulator" with no TPM device in front
 *    of it, its control channel a socket to the helper.  QEMU creates
 *    that backend after the KVM VM and before the machine and its vCPUs,
 *    and waits for the answer to its first control command: the helper
 *    attaches the device (vtisctl attach --pid, swtpm on DIR) before it
 *    answers.  So no vCPU exists before the device is there, whatever
 *    QEMU-ARGS say (-S or not) and whoever resumes the VM.
 *  - Resets.  QEMU runs with "-action reboot=shutdown,shutdown=pause" and
 *    a QMP monitor of the helper's own: a reset (the guest's, or a host
 *    system_reset) stops the VM; the helper resets the device (TIS power-on
 *    state, swtpm CMD_INIT), then has QEMU reset and go on as it was.  A
 *    shutdown is carried out as QEMU-ARGS asked (-no-shutdown, -no-reboot,
 *    -action reboot=...,shutdown=...): by default QEMU quits.
 *
 * The helper ends with QEMU; the device ends with QEMU's VM and swtpm's
 * supervisor ends with the device.  Without any --vtis- option QEMU runs
 * untouched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vtisctl.h"

#define QEMU_DEFAULT	"qemu-system-x86_64"
#define QMP_TIMEOUT_MS	30000	/* one QMP command, or the RESET after system_reset */
#define QMP_QUEUE	64	/* events that arrive while a command waits */
#define QMP_LINE_MAX	65536

/* The swtpm control protocol, as QEMU's tpm-emulator speaks it. */
#define CMD_GET_CAPABILITY	1
#define CMD_SHUTDOWN		3
#define CMD_SET_DATAFD		16
#define GATE_CAPS	(0x1 | 0x2 | 0x4 | 0x8 | 0x80 | 0x400 | 0x1000 | 0x2000)
#define TPM_FAIL	9

struct vq_opts {
	const char *state;		/* --vtis-state DIR */
	enum tpm_family family;		/* --vtis-tpm */
	uint64_t irq;			/* --vtis-irq, 0: none */
	bool host_tpm;			/* --vtis-host-tpm */
	const char *tpm_index;		/* --vtis-tpm-index */
	bool any;			/* some --vtis- option was given */
};

/* What QEMU-ARGS ask of QEMU themselves. */
struct vq_intent {
	bool reboot_shutdown;		/* -no-reboot, -action reboot=shutdown */
	bool shutdown_pause;		/* -no-shutdown, -action shutdown=pause */
	bool no_acpi;			/* -no-acpi, -machine acpi=off */
	const char *tpm_arg;		/* a QEMU TPM of their own */
};

struct vq_helper {
	pid_t qemu;
	int gate;			/* QEMU's tpm-emulator control channel */
	int data;			/* its data channel, once passed */
	int qmp;			/* our QMP monitor */
	char exe[PATH_MAX];		/* vtisctl itself, for attach and reset */
	char acpi_dir[PATH_MAX];	/* temporary tables, "" when none */
	const struct vq_opts *o;
	const struct vq_intent *in;
	uint64_t id;			/* the device */
	char ctrl[108];			/* swtpm's control socket, "" for the host TPM */
	bool running;			/* the VM's run state, from QMP */
	char rbuf[QMP_LINE_MAX];
	size_t rlen;
	char *queue[QMP_QUEUE];
	unsigned int nqueue;
};

static void vq_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void vq_log(const char *fmt, ...)
{
	va_list ap;

	fputs("vtis-qemu: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int vq_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int vq_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("vtis-qemu: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try 'vtis-qemu --vtis-help')\n", stderr);
	return EXIT_USAGE;
}

static void vq_help(void)
{
	printf("Usage: vtis-qemu [--vtis-state DIR] [--vtis-tpm 2.0|1.2] [--vtis-irq N]\n"
	       "                 [--vtis-host-tpm [--vtis-tpm-index N]] QEMU-ARGS...\n"
	       "\n"
	       "Run QEMU (VTIS_QEMU, default " QEMU_DEFAULT ") with a kvm_vtis TPM:\n"
	       "the ACPI tables, the device attached before any vCPU exists, swtpm\n"
	       "provisioned and supervised on DIR, and the device reset with every\n"
	       "reset of the VM.  The process stays QEMU (exec).\n"
	       "\n"
	       "  --vtis-state DIR     swtpm's state directory (vtisctl attach --swtpm DIR)\n"
	       "  --vtis-tpm 2.0|1.2   the TPM family (default 2.0)\n"
	       "  --vtis-irq N         the TPM's interrupt (vtisctl attach/acpi --irq N)\n"
	       "  --vtis-host-tpm      the host's TPM chip instead of swtpm\n"
	       "  --vtis-tpm-index N   ... /dev/tpmN (default 0)\n"
	       "  --vtis-help, --vtis-version\n"
	       "\n"
	       "Every other argument goes to QEMU unchanged; without a --vtis- option\n"
	       "QEMU runs untouched.  Exit status: QEMU's; 2 for a bad --vtis- option.\n"
	       "See vtis-qemu(8).\n");
}

/* "--vtis-NAME[=VALUE]": does NAME take a value? */
static const struct {
	const char *name;
	bool value;
} vq_options[] = {
	{ "state", true }, { "tpm", true }, { "irq", true },
	{ "host-tpm", false }, { "tpm-index", true },
	{ "help", false }, { "version", false },
};

static int vq_option(struct vq_opts *o, const char *name, const char *val)
{
	if (!strcmp(name, "state")) {
		if (!val[0])
			return vq_usage("--vtis-state needs a directory");
		o->state = val;
	} else if (!strcmp(name, "tpm")) {
		if (parse_family(val, &o->family))
			return vq_usage("--vtis-tpm '%s' must be 2.0 or 1.2", val);
	} else if (!strcmp(name, "irq")) {
		if (parse_uint_range(val, 1, 255, &o->irq) || o->irq == 2)
			return vq_usage("--vtis-irq '%s' must be 1..255 and not 2", val);
	} else if (!strcmp(name, "host-tpm")) {
		o->host_tpm = true;
	} else if (!strcmp(name, "tpm-index")) {
		uint64_t n;

		if (parse_uint_range(val, 0, TPM_INDEX_MAX, &n))
			return vq_usage("--vtis-tpm-index '%s' must be 0..%u", val,
					TPM_INDEX_MAX);
		o->tpm_index = val;
	}
	return 0;
}

/*
 * Split argv into our options (out of it) and QEMU's (left in qargv, with
 * room for what we add).  0, EXIT_USAGE, or -1 after --vtis-help/version.
 */
static int vq_parse(int argc, char **argv, struct vq_opts *o, char **qargv, int *qargc)
{
	int i, rc;
	size_t k;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *val = NULL;
		char name[32];

		if (strncmp(a, "--vtis-", 7)) {
			qargv[(*qargc)++] = argv[i];
			continue;
		}
		a += 7;
		eq = strchr(a, '=');
		if ((size_t)(eq ? eq - a : (ptrdiff_t)strlen(a)) >= sizeof(name))
			return vq_usage("unknown option '%s'", argv[i]);
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - a : (ptrdiff_t)strlen(a)), a);
		for (k = 0; k < ARRAY_SIZE(vq_options); k++)
			if (!strcmp(name, vq_options[k].name))
				break;
		if (k == ARRAY_SIZE(vq_options))
			return vq_usage("unknown option '%s'", argv[i]);
		if (vq_options[k].value) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return vq_usage("option '--vtis-%s' needs a value", name);
		} else if (eq) {
			return vq_usage("option '--vtis-%s' takes no value", name);
		}
		if (!strcmp(name, "help")) {
			vq_help();
			return -1;
		}
		if (!strcmp(name, "version")) {
			printf("vtis-qemu %s\n", VTIS_VERSION);
			return -1;
		}
		o->any = true;
		rc = vq_option(o, name, val);
		if (rc)
			return rc;
	}
	if (!o->any)
		return 0;
	if (o->host_tpm && o->state)
		return vq_usage("--vtis-state is swtpm's state: not with --vtis-host-tpm");
	if (!o->host_tpm && !o->state)
		return vq_usage("give --vtis-state DIR (swtpm's state) or --vtis-host-tpm");
	if (o->tpm_index && !o->host_tpm)
		return vq_usage("--vtis-tpm-index goes with --vtis-host-tpm");
	return 0;
}

/* Does a comma list hold key=val? */
static bool list_has(const char *list, const char *kv)
{
	size_t n = strlen(kv);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, kv, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/* What QEMU-ARGS ask for (later options win, as in QEMU). */
static void vq_intent_of(char **qargv, int qargc, struct vq_intent *in)
{
	int i;

	for (i = 1; i < qargc; i++) {
		const char *a = qargv[i], *v = i + 1 < qargc ? qargv[i + 1] : "";

		if (a[0] != '-')
			continue;
		if (a[1] == '-')
			a++;
		if (!strcmp(a, "-no-reboot")) {
			in->reboot_shutdown = true;
		} else if (!strcmp(a, "-no-shutdown")) {
			in->shutdown_pause = true;
		} else if (!strcmp(a, "-action")) {
			if (list_has(v, "reboot=shutdown"))
				in->reboot_shutdown = true;
			if (list_has(v, "reboot=reset"))
				in->reboot_shutdown = false;
			if (list_has(v, "shutdown=pause"))
				in->shutdown_pause = true;
			if (list_has(v, "shutdown=poweroff"))
				in->shutdown_pause = false;
		} else if (!strcmp(a, "-no-acpi")) {
			in->no_acpi = true;
		} else if (!strcmp(a, "-machine") || !strcmp(a, "-M")) {
			if (list_has(v, "acpi=off"))
				in->no_acpi = true;
		} else if (!strcmp(a, "-tpmdev")) {
			in->tpm_arg = "-tpmdev";
		} else if (!strcmp(a, "-device") &&
			   (!strncmp(v, "tpm-", 4) || strstr(v, "driver=tpm-"))) {
			in->tpm_arg = "-device tpm-...";
		}
	}
}

/* ---- the helper ------------------------------------------------------ */

static int full_write(int fd, const void *p, size_t n)
{
	const char *b = p;
	ssize_t w;

	while (n) {
		w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int full_read(int fd, void *p, size_t n)
{
	char *b = p;
	ssize_t r;

	while (n) {
		r = read(fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * One control command from QEMU (4 bytes, big-endian), and the fd QEMU
 * passes beside CMD_SET_DATAFD.  0, or -1 when QEMU closed the channel.
 */
static int gate_read(struct vq_helper *h, uint32_t *cmd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	uint8_t c[4];
	size_t got = 0;

	while (got < sizeof(c)) {
		struct iovec iov = { c + got, sizeof(c) - got };
		struct msghdr m = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.b, .msg_controllen = sizeof(u.b),
		};
		struct cmsghdr *cm;
		ssize_t n = recvmsg(h->gate, &m, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
			    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
				if (h->data >= 0)
					close(h->data);
				h->data = fd;
			}
		}
		got += (size_t)n;
	}
	*cmd = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
	return 0;
}

static int gate_result(struct vq_helper *h, uint32_t res)
{
	uint8_t r[4];

	put_be32(r, res);
	return full_write(h->gate, r, sizeof(r));
}

/* Answer one TPM command on the data channel: a TPM 2.0 header. */
static int gate_data(struct vq_helper *h)
{
	static const uint8_t rsp[10] = { 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x01, 0x00 };
	uint8_t hdr[6], rest[64];
	uint32_t size, left, n;

	if (full_read(h->data, hdr, sizeof(hdr)))
		return -1;
	size = (uint32_t)hdr[2] << 24 | (uint32_t)hdr[3] << 16 | (uint32_t)hdr[4] << 8 | hdr[5];
	if (size < sizeof(hdr) || size > 4096)
		return -1;
	for (left = size - sizeof(hdr); left; left -= n) {
		n = left > sizeof(rest) ? sizeof(rest) : left;
		if (full_read(h->data, rest, n))
			return -1;
	}
	return full_write(h->data, rsp, sizeof(rsp));
}

/*
 * The rest of QEMU's backend start: it asks the TPM family with a command
 * or two on the data channel (a TPM 2.0 answer is all it needs: the guest
 * never sees this backend, the family it sees is the device's), then the
 * capabilities on the control channel.  0, or -1 if QEMU went away.
 */
static int gate_probe(struct vq_helper *h)
{
	uint8_t caps[8] = { 0 };
	uint32_t cmd;

	put_be32(caps + 4, GATE_CAPS);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = h->data, .events = POLLIN },
			{ .fd = h->gate, .events = POLLIN },
		};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[0].revents && gate_data(h))
			return -1;
		if (!pfd[1].revents)
			continue;
		if (gate_read(h, &cmd))
			return -1;
		if (cmd == CMD_GET_CAPABILITY)
			return full_write(h->gate, caps, sizeof(caps));
		if (gate_result(h, TPM_FAIL))
			return -1;
	}
}

/*
 * Run vtisctl (argv[0] = the exe) with stdout into out (NULL: ours); its
 * exit status, or -1.  vtisctl bounds its own waits.
 */
static int run_vtisctl(struct vq_helper *h, char **argv, char *out, size_t len)
{
	int p[2] = { -1, -1 }, status;
	size_t got = 0;
	pid_t pid;

	if (out && pipe2(p, O_CLOEXEC))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		if (out) {
			close(p[0]);
			close(p[1]);
		}
		return -1;
	}
	if (pid == 0) {
		if (out && dup2(p[1], 1) < 0)
			_exit(126);
		execv(h->exe, argv);
		_exit(127);
	}
	if (out) {
		ssize_t n;

		close(p[1]);
		while (got + 1 < len) {
			n = read(p[0], out + got, len - 1 - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		out[got] = 0;
		close(p[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int attach_device(struct vq_helper *h)
{
	const struct vq_opts *o = h->o;
	char pid[16], irq[8], out[4096];
	char *argv[20];
	int n = 0;

	snprintf(pid, sizeof(pid), "%d", (int)h->qemu);
	snprintf(irq, sizeof(irq), "%" PRIu64, o->irq);
	argv[n++] = "vtisctl";
	argv[n++] = "attach";
	argv[n++] = "--pid";
	argv[n++] = pid;
	argv[n++] = "--tpm";
	argv[n++] = (char *)family_name(o->family);
	if (o->host_tpm) {
		argv[n++] = "--host-tpm";
		if (o->tpm_index) {
			argv[n++] = "--tpm-index";
			argv[n++] = (char *)o->tpm_index;
		}
	} else {
		argv[n++] = "--swtpm";
		argv[n++] = (char *)o->state;
	}
	if (o->irq) {
		argv[n++] = "--irq";
		argv[n++] = irq;
	}
	argv[n++] = "--json";
	argv[n] = NULL;
	if (run_vtisctl(h, argv, out, sizeof(out)))
		return -1;
	if (json_get_u64(out, (const char *const[]){ "id", NULL }, &h->id)) {
		vq_log("vtisctl attach printed no device id");
		return -1;
	}
	h->ctrl[0] = 0;
	json_get_str(out, (const char *const[]){ "swtpm_ctrl", NULL }, h->ctrl,
		     sizeof(h->ctrl));
	return 0;
}

static void remove_acpi_dir(struct vq_helper *h)
{
	static const char *const names[] = { "ssdt-tpm.aml", "tpm2.aml", "tcpa.aml" };
	char p[PATH_MAX + 32];
	size_t i;

	if (!h->acpi_dir[0])
		return;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", h->acpi_dir, names[i]);
		unlink(p);
	}
	rmdir(h->acpi_dir);
	h->acpi_dir[0] = 0;
}

/* ---- QMP ---- */

/* Read what QEMU has sent; -1 on EOF, an error or an overlong message. */
static int qmp_fill(struct vq_helper *h)
{
	ssize_t n;

	if (h->rlen == sizeof(h->rbuf)) {
		vq_log("QMP: a message longer than %zu bytes", sizeof(h->rbuf));
		return -1;
	}
	do
		n = read(h->qmp, h->rbuf + h->rlen, sizeof(h->rbuf) - h->rlen);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	h->rlen += (size_t)n;
	return 0;
}

/* A whole line already read, or NULL. */
static char *qmp_take(struct vq_helper *h)
{
	char *nl = memchr(h->rbuf, '\n', h->rlen), *line;
	size_t len;

	if (!nl)
		return NULL;
	len = (size_t)(nl - h->rbuf) + 1;
	line = strndup(h->rbuf, len - 1);
	memmove(h->rbuf, h->rbuf + len, h->rlen - len);
	h->rlen -= len;
	return line;
}

/* The next line within timeout_ms (-1: no bound); NULL on EOF or timeout. */
static char *qmp_line(struct vq_helper *h, int timeout_ms)
{
	uint64_t end = timeout_ms < 0 ? 0 : now_ms() + (uint64_t)timeout_ms;
	char *line;

	while (!(line = qmp_take(h))) {
		struct pollfd pfd = { .fd = h->qmp, .events = POLLIN };
		int wait = -1, r;

		if (timeout_ms >= 0) {
			uint64_t now = now_ms();

			if (now >= end)
				return NULL;
			wait = (int)(end - now);
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || qmp_fill(h))
			return NULL;
	}
	return line;
}

static bool is_event(const char *line)
{
	return json_has(line, (const char *const[]){ "event", NULL });
}

static void queue_event(struct vq_helper *h, char *line)
{
	if (h->nqueue == QMP_QUEUE) {
		vq_log("QMP: too many events at once; dropped one");
		free(line);
		return;
	}
	h->queue[h->nqueue++] = line;
}

static char *unqueue(struct vq_helper *h, unsigned int i)
{
	char *line = h->queue[i];

	memmove(h->queue + i, h->queue + i + 1, (h->nqueue - i - 1) * sizeof(char *));
	h->nqueue--;
	return line;
}

/* Send one command (a JSON text) and wait for its answer; events queue. */
static int qmp_cmd(struct vq_helper *h, const char *cmd)
{
	uint64_t end = now_ms() + QMP_TIMEOUT_MS;
	char desc[256];

	if (full_write(h->qmp, cmd, strlen(cmd)) || full_write(h->qmp, "\n", 1))
		return -1;
	for (;;) {
		uint64_t now = now_ms();
		char *line = now < end ? qmp_line(h, (int)(end - now)) : NULL;

		if (!line) {
			vq_log("QMP: no answer to %s", cmd);
			return -1;
		}
		if (is_event(line)) {
			queue_event(h, line);
			continue;
		}
		if (json_has(line, (const char *const[]){ "return", NULL })) {
			if (strstr(cmd, "query-status"))
				json_get_bool(line, (const char *const[]){ "return", "running", NULL },
					      &h->running);
			free(line);
			return 0;
		}
		if (json_get_str(line, (const char *const[]){ "error", "desc", NULL },
				 desc, sizeof(desc)))
			snprintf(desc, sizeof(desc), "%s", line);
		vq_log("QMP: %s: %s", cmd, desc);
		free(line);
		return -1;
	}
}

/* Wait for event name (queued or new); 0, or -1 at the bound. */
static int qmp_wait_event(struct vq_helper *h, const char *name)
{
	uint64_t end = now_ms() + QMP_TIMEOUT_MS;
	char ev[64];
	unsigned int i;

	for (i = 0; i < h->nqueue; i++) {
		if (!json_get_str(h->queue[i], (const char *const[]){ "event", NULL },
				  ev, sizeof(ev)) && !strcmp(ev, name)) {
			free(unqueue(h, i));
			return 0;
		}
	}
	for (;;) {
		uint64_t now = now_ms();
		char *line = now < end ? qmp_line(h, (int)(end - now)) : NULL;

		if (!line)
			return -1;
		if (!json_get_str(line, (const char *const[]){ "event", NULL }, ev, sizeof(ev)) &&
		    !strcmp(ev, name)) {
			free(line);
			return 0;
		}
		if (is_event(line))
			queue_event(h, line);
		else
			free(line);
	}
}

/*
 * The VM stopped for a reset: reset the device while no vCPU runs, then
 * let QEMU reset the machine (for this one request) and go on as it was.
 */
static void reset_vm(struct vq_helper *h, const char *reason, bool was_running)
{
	char id[24];
	char *argv[] = { "vtisctl", "reset", id, "--ctrl", h->ctrl, NULL };

	snprintf(id, sizeof(id), "%" PRIu64, h->id);
	if (!h->ctrl[0])
		argv[3] = NULL;
	if (run_vtisctl(h, argv, NULL, 0))
		vq_log("device %" PRIu64 ": reset failed; the guest goes on", h->id);
	if (qmp_cmd(h, "{\"execute\":\"set-action\",\"arguments\":{\"reboot\":\"reset\"}}") ||
	    qmp_cmd(h, "{\"execute\":\"system_reset\"}") ||
	    qmp_wait_event(h, "RESET") ||
	    qmp_cmd(h, "{\"execute\":\"set-action\",\"arguments\":{\"reboot\":\"shutdown\"}}")) {
		vq_log("QMP: the reset (%s) did not complete; the VM stays stopped", reason);
		return;
	}
	if (was_running && qmp_cmd(h, "{\"execute\":\"cont\"}")) {
		vq_log("QMP: cont after the reset (%s) failed", reason);
		return;
	}
	vq_log("%s: device %" PRIu64 " reset, VM reset%s", reason, h->id,
	       was_running ? " and running" : " (stays paused)");
}

static void on_event(struct vq_helper *h, const char *line)
{
	char ev[64], reason[64];
	bool reset;

	if (json_get_str(line, (const char *const[]){ "event", NULL }, ev, sizeof(ev)))
		return;
	if (!strcmp(ev, "RESUME")) {
		h->running = true;
		return;
	}
	if (!strcmp(ev, "STOP")) {
		h->running = false;
		return;
	}
	if (strcmp(ev, "SHUTDOWN"))
		return;
	if (json_get_str(line, (const char *const[]){ "data", "reason", NULL },
			 reason, sizeof(reason)))
		snprintf(reason, sizeof(reason), "unknown");
	/* QEMU quits by itself after these */
	if (!strcmp(reason, "host-qmp-quit") || !strcmp(reason, "host-signal") ||
	    !strcmp(reason, "host-error"))
		return;
	reset = !strcmp(reason, "guest-reset") || !strcmp(reason, "host-qmp-system-reset");
	if (reset && !h->in->reboot_shutdown) {
		reset_vm(h, reason, h->running);
		return;
	}
	if (h->in->shutdown_pause) {
		vq_log("%s: the VM stays stopped (as QEMU-ARGS ask)", reason);
		return;
	}
	vq_log("%s: quitting QEMU", reason);
	qmp_cmd(h, "{\"execute\":\"quit\"}");
}

/* Until QEMU ends: its control channel and our QMP monitor. */
static void helper_loop(struct vq_helper *h)
{
	struct pollfd pfd[2] = {
		{ .fd = h->gate, .events = POLLIN },
		{ .fd = h->qmp, .events = POLLIN },
	};
	uint32_t cmd;
	char *line;

	for (;;) {
		while (h->nqueue) {
			line = unqueue(h, 0);
			on_event(h, line);
			free(line);
		}
		line = qmp_take(h);
		if (line) {
			if (is_event(line))
				on_event(h, line);
			free(line);
			continue;
		}
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pfd[0].revents) {
			if (gate_read(h, &cmd))
				return;
			/* QEMU's last word when it quits: CMD_SHUTDOWN */
			gate_result(h, cmd == CMD_SHUTDOWN ? 0 : TPM_FAIL);
		}
		if (pfd[1].revents && qmp_fill(h))
			return;
	}
}

/* Keep stdout, stderr and our two channels: no fd of QEMU's stays open here. */
static void keep_only_ours(struct vq_helper *h)
{
	int fd, max = (int)sysconf(_SC_OPEN_MAX), null;

	null = open("/dev/null", O_RDONLY);
	if (null >= 0) {
		dup2(null, 0);
		if (null > 2)
			close(null);
	}
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		if (fd != h->gate && fd != h->qmp)
			close(fd);
}

static void __attribute__((noreturn)) helper_main(struct vq_helper *h)
{
	uint32_t cmd;
	char *line;
	int rc = EXIT_FAIL;

	keep_only_ours(h);
	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);

	/* QEMU has made the VM; machine and vCPUs wait for our answer */
	if (gate_read(h, &cmd))
		goto out;	/* QEMU ended before it got here */
	if (cmd != CMD_SET_DATAFD || h->data < 0) {
		vq_log("QEMU's tpm-emulator sent command %" PRIu32 " first", cmd);
		goto out;
	}
	if (attach_device(h)) {
		vq_log("could not attach the TPM: QEMU stops");
		gate_result(h, TPM_FAIL);
		goto out;
	}
	if (gate_result(h, 0) || gate_probe(h)) {
		vq_log("QEMU's tpm-emulator backend went away during its start");
		goto out;
	}
	remove_acpi_dir(h);
	vq_log("device %" PRIu64 " attached to QEMU pid %d%s%s", h->id, (int)h->qemu,
	       h->ctrl[0] ? ", swtpm control " : "", h->ctrl);

	line = qmp_line(h, -1);		/* the greeting, once QEMU's main loop runs */
	if (!line)
		goto out;
	free(line);
	if (qmp_cmd(h, "{\"execute\":\"qmp_capabilities\"}") ||
	    qmp_cmd(h, "{\"execute\":\"query-status\"}"))
		goto out;
	helper_loop(h);
	rc = EXIT_OK;
out:
	remove_acpi_dir(h);
	_exit(rc);
}

/* ---- before the exec ------------------------------------------------- */

/* vtisctl acpi into a new temporary directory; 0 or -1 after a message. */
static int write_tables(const struct vq_opts *o, char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	char irq[8];
	char *argv[] = { "acpi", "--tpm", (char *)family_name(o->family), "--out", dir,
			 "--irq", irq, NULL };
	int status, null;
	pid_t pid;

	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, len, "%s/vtis-qemu.XXXXXX", tmp) >= len || !mkdtemp(dir)) {
		vq_log("cannot make a directory for the ACPI tables in %s: %s", tmp,
		       strerror(errno));
		return -1;
	}
	snprintf(irq, sizeof(irq), "%" PRIu64, o->irq);
	if (!o->irq)
		argv[5] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, 1) < 0)
			_exit(EXIT_FAIL);
		_exit(cmd_acpi(o->irq ? 7 : 5, argv));
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		vq_log("could not write the ACPI tables");
		return -1;
	}
	return 0;
}

static int keep_on_exec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/*
 * Start the helper, detached (its parent exits at once, so QEMU never sees
 * a child it did not make); its pid, or -1.
 */
static pid_t start_helper(struct vq_helper *h)
{
	int p[2];
	pid_t mid, pid = -1;
	int status;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(NULL);
	mid = fork();
	if (mid < 0)
		goto out;
	if (mid == 0) {
		pid_t helper;

		close(p[0]);
		helper = fork();
		if (helper == 0) {
			close(p[1]);
			helper_main(h);
		}
		full_write(p[1], &helper, sizeof(helper));
		_exit(helper < 0);
	}
	close(p[1]);
	p[1] = -1;
	if (full_read(p[0], &pid, sizeof(pid)))
		pid = -1;
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
out:
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	return pid;
}

int vtis_qemu_main(int argc, char **argv)
{
	struct vq_opts o = { .family = FAMILY_2_0 };
	struct vq_intent in = { 0 };
	static struct vq_helper h;
	const char *qemu = getenv("VTIS_QEMU");
	int g[2], q[2], qargc = 1, rc;
	char **qargv;
	ssize_t n;

	if (!qemu || !qemu[0])
		qemu = QEMU_DEFAULT;
	qargv = calloc((size_t)argc + 24, sizeof(char *));
	if (!qargv) {
		vq_log("out of memory");
		return EXIT_FAIL;
	}
	qargv[0] = (char *)qemu;
	rc = vq_parse(argc, argv, &o, qargv, &qargc);
	if (rc)
		return rc < 0 ? finish_output() : rc;
	if (!o.any) {
		execvp(qemu, qargv);
		vq_log("cannot run %s: %s", qemu, strerror(errno));
		return EXIT_FAIL;
	}
	vq_intent_of(qargv, qargc, &in);
	if (in.tpm_arg)
		return vq_usage("QEMU-ARGS give the guest a QEMU TPM (%s): the TPM is kvm_vtis's",
				in.tpm_arg);

	memset(&h, 0, sizeof(h));
	h.qemu = getpid();
	h.o = &o;
	h.in = &in;
	h.data = -1;
	n = readlink("/proc/self/exe", h.exe, sizeof(h.exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(h.exe) - 1) {
		vq_log("cannot find my own binary: %s", strerror(errno));
		return EXIT_FAIL;
	}
	h.exe[n] = 0;
	if (!in.no_acpi && write_tables(&o, h.acpi_dir, sizeof(h.acpi_dir)))
		goto err_tables;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g))
		goto err_tables;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, q))
		goto err_gate;
	h.gate = g[0];
	h.qmp = q[0];

	qargv[qargc++] = "-chardev";
	qargv[qargc++] = xasprintf("socket,id=vtis-gate,fd=%d", g[1]);
	qargv[qargc++] = "-tpmdev";
	qargv[qargc++] = "emulator,id=vtis-gate,chardev=vtis-gate";
	qargv[qargc++] = "-chardev";
	qargv[qargc++] = xasprintf("socket,id=vtis-qmp,fd=%d", q[1]);
	qargv[qargc++] = "-mon";
	qargv[qargc++] = "chardev=vtis-qmp,mode=control";
	qargv[qargc++] = "-action";
	qargv[qargc++] = "reboot=shutdown,shutdown=pause";
	if (h.acpi_dir[0]) {
		qargv[qargc++] = "-acpitable";
		qargv[qargc++] = xasprintf("file=%s/ssdt-tpm.aml", h.acpi_dir);
		qargv[qargc++] = "-acpitable";
		qargv[qargc++] = xasprintf("file=%s/%s", h.acpi_dir,
					   o.family == FAMILY_2_0 ? "tpm2.aml" : "tcpa.aml");
	}
	qargv[qargc] = NULL;
	if (!qargv[qargc - 1] || keep_on_exec(g[1]) || keep_on_exec(q[1]))
		goto err_qmp;

	{
		struct vq_helper *hp = &h;
		pid_t helper;

		/* the helper closes QEMU's ends; QEMU closes the helper's */
		helper = start_helper(hp);
		if (helper < 0) {
			vq_log("cannot start the helper: %s", strerror(errno));
			goto err_qmp;
		}
		/* with Yama's ptrace_scope 1, let it (and its vtisctl) take our VM fd */
		prctl(PR_SET_PTRACER, helper, 0, 0, 0);
	}
	close(g[0]);
	close(q[0]);
	execvp(qemu, qargv);
	vq_log("cannot run %s: %s", qemu, strerror(errno));
	return EXIT_FAIL;	/* the helper sees its channels close and cleans up */

err_qmp:
	close(q[0]);
	close(q[1]);
err_gate:
	close(g[0]);
	close(g[1]);
err_tables:
	remove_acpi_dir(&h);
	return EXIT_FAIL;
}
