// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-qemu: qemu-system-x86_64 with a kvm_vtis TPM, in one command.
 *
 *   vtis-qemu [--vtis-state DIR] [--vtis-tpm 2.0|1.2] [--vtis-irq N]
 *             [--vtis-log-size SIZE] [--vtis-interface tis|crb]
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
 *  - Resets.  QEMU puts every vCPU's registers back with KVM ioctls when
 *    it resets the machine (all vCPUs stopped), for whatever reason: the
 *    guest's reboot, a host's system_reset, libvirt's reboot.  A seccomp
 *    filter on QEMU hands vCPU 0's KVM_SET_MP_STATE (the ioctl of the
 *    reset state, not of running) to the helper, which resets the device
 *    (TIS power-on state, swtpm CMD_INIT) before it lets the ioctl go on.
 *    QEMU's own handling of reboots and shutdowns is left as it is.
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
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm_vtis.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vtisctl.h"

#define QEMU_DEFAULT	"qemu-system-x86_64"
/* KVM_SET_MP_STATE: _IOW(KVMIO, 0x99, struct kvm_mp_state) */
#define VQ_KVM_SET_MP_STATE	0x4004ae99U

/* The swtpm control protocol, as QEMU's tpm-emulator speaks it. */
#define CMD_GET_CAPABILITY	1
#define CMD_SHUTDOWN		3
#define CMD_SET_DATAFD		16
#define GATE_CAPS	(0x1 | 0x2 | 0x4 | 0x8 | 0x80 | 0x400 | 0x1000 | 0x2000)
/* vtis-qemu to its helper, before the exec: the seccomp listener */
#define VQ_CMD_LISTENER	0xffffffffU
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#define TPM_FAIL	9
/* The log window SeaBIOS gets unless told otherwise: QEMU's own size. */
#define VQ_LOG_SIZE_DEFAULT	"65536"

struct vq_opts {
	const char *state;		/* --vtis-state DIR */
	enum tpm_family family;		/* --vtis-tpm */
	uint64_t irq;			/* --vtis-irq, 0: none */
	const char *log_size;		/* --vtis-log-size, checked */
	const char *interface;		/* --vtis-interface: "tis" or "crb" */
	bool host_tpm;			/* --vtis-host-tpm */
	const char *tpm_index;		/* --vtis-tpm-index */
	bool any;			/* some --vtis- option was given */
};

/* What QEMU-ARGS ask of QEMU themselves. */
struct vq_intent {
	bool q35;			/* -machine q35 (or pc-q35-*) */
	bool daemonize;			/* -daemonize */
	bool no_acpi;			/* -no-acpi, -machine acpi=off */
	const char *tpm_arg;		/* a QEMU TPM of their own */
};

struct vq_helper {
	pid_t qemu;
	int gate;			/* QEMU's tpm-emulator control channel */
	int data;			/* its data channel, once passed */
	int listener;			/* the seccomp filter's notifications */
	int exe_fd;			/* vtisctl itself (O_PATH), for attach and reset */
	char acpi_dir[PATH_MAX];	/* temporary tables, "" when none */
	const struct vq_opts *o;
	uint64_t id;			/* the device */
	char ctrl[108];			/* swtpm's control socket, "" for the host TPM */
	unsigned long resets;		/* vCPU 0 reset states seen */
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
/* Where the settings being read come from: "" (the command line) or "FILE:LINE: ". */
static char vq_where[PATH_MAX + 32];

static int vq_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vtis-qemu: %s", vq_where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try 'vtis-qemu --vtis-help')\n", stderr);
	return EXIT_USAGE;
}

static void vq_help(void)
{
	printf("Usage: vtis-qemu [--vtis-state DIR] [--vtis-tpm 2.0|1.2] [--vtis-irq N]\n"
	       "                 [--vtis-log-size SIZE] [--vtis-interface tis|crb]\n"
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
	       "  --vtis-log-size SIZE the firmware event log window (vtisctl attach/acpi\n"
	       "                       --log-size SIZE): SeaBIOS measures the boot into\n"
	       "                       it; default " VQ_LOG_SIZE_DEFAULT " (0, none, with\n"
	       "                       --vtis-host-tpm)\n"
	       "  --vtis-interface tis|crb  the guest's register interface (default tis;\n"
	       "                       crb: TPM 2.0 only)\n"
	       "  --vtis-host-tpm      the host's TPM chip instead of swtpm\n"
	       "  --vtis-tpm-index N   ... /dev/tpmN (default 0)\n"
	       "  --vtis-help, --vtis-version\n"
	       "\n"
	       "Every other argument goes to QEMU unchanged.  The guest that '-name'\n"
	       "names may have its settings in /etc/kvm-vtis/qemu.d/NAME.conf (KEY = VALUE\n"
	       "lines, the keys the option names without --vtis-); with neither options\n"
	       "nor a file QEMU runs untouched.  Exit status: QEMU's; 2 for bad settings.\n"
	       "See vtis-qemu(8).\n");
}

/* "--vtis-NAME[=VALUE]": does NAME take a value? */
static const struct {
	const char *name;
	bool value;
} vq_options[] = {
	{ "state", true }, { "tpm", true }, { "irq", true }, { "log-size", true },
	{ "interface", true },
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
	} else if (!strcmp(name, "log-size")) {
		uint64_t n;

		if (parse_uint_range(val, 0, KVM_VTIS_LOG_MAX, &n) || n % 4096)
			return vq_usage("--vtis-log-size '%s' must be 0 or a multiple of 4096 up to %u",
					val, KVM_VTIS_LOG_MAX);
		o->log_size = val;
	} else if (!strcmp(name, "interface")) {
		uint32_t i;

		if (parse_interface(val, &i))
			return vq_usage("--vtis-interface '%s' must be tis or crb", val);
		o->interface = interface_name(i);
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

/* One --vtis- option of the command line: its name (vq_options') and value. */
struct vq_arg {
	const char *name;
	const char *val;
};

/*
 * Split argv into our options (into args, checked for their form only)
 * and QEMU's (left in qargv, with room for what we add).  0, EXIT_USAGE,
 * or -1 after --vtis-help/version.
 */
static int vq_parse(int argc, char **argv, struct vq_arg *args, int *nargs,
		    char **qargv, int *qargc)
{
	int i;
	size_t k;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *val = NULL;
		size_t len;

		if (strncmp(a, "--vtis-", 7)) {
			qargv[(*qargc)++] = argv[i];
			continue;
		}
		a += 7;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		for (k = 0; k < ARRAY_SIZE(vq_options); k++)
			if (strlen(vq_options[k].name) == len &&
			    !strncmp(a, vq_options[k].name, len))
				break;
		if (k == ARRAY_SIZE(vq_options))
			return vq_usage("unknown option '%s'", argv[i]);
		if (vq_options[k].value) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return vq_usage("option '--vtis-%s' needs a value",
						vq_options[k].name);
		} else if (eq) {
			return vq_usage("option '--vtis-%s' takes no value", vq_options[k].name);
		}
		if (!strcmp(vq_options[k].name, "help")) {
			vq_help();
			return -1;
		}
		if (!strcmp(vq_options[k].name, "version")) {
			printf("vtis-qemu %s\n", VTIS_VERSION);
			return -1;
		}
		args[(*nargs)++] = (struct vq_arg){ vq_options[k].name, val };
	}
	return 0;
}

/* The settings together: 0 or EXIT_USAGE. */
static int vq_check(const struct vq_opts *o)
{
	if (o->host_tpm && o->state)
		return vq_usage("--vtis-state is swtpm's state: not with --vtis-host-tpm");
	if (!o->host_tpm && !o->state)
		return vq_usage("give --vtis-state DIR (swtpm's state) or --vtis-host-tpm");
	if (o->tpm_index && !o->host_tpm)
		return vq_usage("--vtis-tpm-index goes with --vtis-host-tpm");
	if (o->interface && !strcmp(o->interface, "crb") && o->family == FAMILY_1_2)
		return vq_usage("--vtis-interface crb is TPM 2.0 only (CRB has no TPM 1.2)");
	return 0;
}

/*
 * The guest name of a -name value into out: its guest= element, or a first
 * element without '=' (elements end at a single ','; ",," is a comma in
 * one).  -1 when there is none or it cannot be a file name (empty, ".",
 * "..", a '/', longer than len).
 */
static int guest_name(const char *v, char *out, size_t len)
{
	const char *p = v;
	bool first = true, found = false;

	while (*p) {
		char el[512];
		size_t n = 0;
		bool fits = true;

		while (*p && !(*p == ',' && p[1] != ',')) {
			if (*p == ',')
				p++;		/* ",," */
			if (n + 1 < sizeof(el))
				el[n++] = *p;
			else
				fits = false;
			p++;
		}
		el[n] = 0;
		if (*p == ',')
			p++;
		if (!strncmp(el, "guest=", 6) || (first && !strchr(el, '='))) {
			const char *name = strncmp(el, "guest=", 6) ? el : el + 6;

			if (!fits || strlen(name) >= len)
				return -1;
			strcpy(out, name);
			found = true;
		}
		first = false;
	}
	if (!found || !out[0] || strchr(out, '/') || !strcmp(out, ".") || !strcmp(out, ".."))
		return -1;
	return 0;
}

/*
 * The per-guest settings: DIR/NAME.conf (DIR: VTIS_QEMU_CONF_DIR, default
 * /etc/kvm-vtis/qemu.d; NAME from QEMU-ARGS' -name), "KEY = VALUE" lines
 * with the --vtis- option names as keys (host-tpm = yes|no), '#' comments.
 * The file decides a guest's TPM, so it must be a regular file of root's
 * or the caller's that no one else may write.  0 (also when there is no
 * such file), EXIT_USAGE or EXIT_FAIL after a message; *found tells.
 */
static int vq_config(char **qargv, int qargc, struct vq_opts *o, bool *found)
{
	const char *dir = getenv("VTIS_QEMU_CONF_DIR");
	char name[256], path[PATH_MAX], *text = NULL, *line, *next;
	const char *nv = NULL;
	struct stat st;
	unsigned int lineno = 0;
	ssize_t n;
	int i, fd, rc = 0;

	*found = false;
	for (i = 1; i + 1 < qargc; i++)
		if (!strcmp(qargv[i], "-name") || !strcmp(qargv[i], "--name"))
			nv = qargv[i + 1];
	if (!nv || guest_name(nv, name, sizeof(name)))
		return 0;
	if (!dir || !dir[0])
		dir = "/etc/kvm-vtis/qemu.d";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.conf", dir, name) >= sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		vq_log("cannot read %s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != getuid()) || (st.st_mode & 022) ||
	    st.st_size > 65536) {
		vq_log("%s: must be a regular file (at most 64 KiB) of root's or yours that no one else may write",
		       path);
		rc = EXIT_FAIL;
		goto out;
	}
	text = calloc(1, (size_t)st.st_size + 1);
	if (!text) {
		rc = EXIT_FAIL;
		goto out;
	}
	n = read(fd, text, (size_t)st.st_size);
	if (n < 0) {
		vq_log("cannot read %s: %s", path, strerror(errno));
		rc = EXIT_FAIL;
		goto out;
	}
	text[n] = 0;
	*found = true;
	for (line = text; line && !rc; line = next) {
		char *key, *val, *eq, *e;
		size_t k;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		snprintf(vq_where, sizeof(vq_where), "%s:%u: ", path, lineno);
		e = strchr(line, '#');
		if (e)
			*e = 0;
		key = line + strspn(line, " \t");
		for (e = key + strlen(key); e > key && strchr(" \t\r", e[-1]); e--)
			;
		*e = 0;
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			rc = vq_usage("'%s' is not KEY = VALUE", key);
			break;
		}
		val = eq + 1 + strspn(eq + 1, " \t");
		for (e = eq; e > key && strchr(" \t", e[-1]); e--)
			;
		*e = 0;
		for (k = 0; k < ARRAY_SIZE(vq_options); k++)
			if (!strcmp(key, vq_options[k].name) && strcmp(key, "help") &&
			    strcmp(key, "version"))
				break;
		if (k == ARRAY_SIZE(vq_options)) {
			rc = vq_usage("unknown setting '%s'", key);
			break;
		}
		if (!strcmp(key, "host-tpm")) {
			if (strcmp(val, "yes") && strcmp(val, "no")) {
				rc = vq_usage("host-tpm = '%s' must be yes or no", val);
				break;
			}
			o->host_tpm = !strcmp(val, "yes");
			continue;
		}
		/* the value stays in text, which lives as long as o */
		rc = vq_option(o, key, val);
	}
	vq_where[0] = 0;
	if (rc)
		goto out;
	vq_log("settings from %s", path);
	text = NULL;	/* o points into it */
out:
	free(text);
	close(fd);
	return rc;
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

/*
 * The machine type of a -machine value (its first element when that has
 * no '=', else type=): 1 for q35 (q35, pc-q35-*), 0 for another, -1 when
 * the value names none.
 */
static int machine_q35(const char *v)
{
	const char *t = NULL, *p;

	if (!memchr(v, '=', strcspn(v, ",")))
		t = v;
	for (p = v; !t && p; p = strchr(p, ','), p = p ? p + 1 : NULL)
		if (!strncmp(p, "type=", 5))
			t = p + 5;
	if (!t)
		return -1;
	return !strncmp(t, "q35", 3) || !strncmp(t, "pc-q35", 6);
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
		if (!strcmp(a, "-no-acpi")) {
			in->no_acpi = true;
		} else if (!strcmp(a, "-machine") || !strcmp(a, "-M")) {
			int q35 = machine_q35(v);

			if (list_has(v, "acpi=off"))
				in->no_acpi = true;
			if (q35 >= 0)
				in->q35 = q35;
		} else if (!strcmp(a, "-tpmdev")) {
			in->tpm_arg = "-tpmdev";
		} else if (!strcmp(a, "-daemonize")) {
			in->daemonize = true;
		} else if (!strcmp(a, "-device") &&
			   (!strncmp(v, "tpm-", 4) || strstr(v, "driver=tpm-") ||
			    strstr(v, "tpm-tis") || strstr(v, "tpm-crb"))) {
			in->tpm_arg = "-device tpm-...";
		}
	}
}

/* ---- the helper ------------------------------------------------------ */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * One control command on the gate (4 bytes, big-endian) and the first fd
 * passed beside it (-1 if none; any more are closed).  0, or -1 when the
 * other end closed the channel.
 */
static int gate_read(struct vq_helper *h, uint32_t *cmd, int *fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} u;
	uint8_t c[4];
	size_t got = 0;

	*fd = -1;
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
			size_t i, nfd;

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < nfd; i++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(f));
				if (*fd < 0)
					*fd = f;
				else
					close(f);
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
	int fd;

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
		if (gate_read(h, &cmd, &fd))
			return -1;
		if (fd >= 0)
			close(fd);
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
		fexecve(h->exe_fd, argv, environ);
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
	argv[n++] = "--log-size";
	argv[n++] = (char *)o->log_size;
	argv[n++] = "--interface";
	argv[n++] = (char *)o->interface;
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

/* ---- resets ---- */

/* A gate command with an fd beside it (vtis-qemu to its helper). */
static int gate_send_fd(int sock, uint32_t cmd, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	uint8_t c[4];
	struct iovec iov = { c, sizeof(c) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.b, .msg_controllen = sizeof(u.b),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	put_be32(c, cmd);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)sizeof(c) ? 0 : -1;
}

/*
 * The filter QEMU runs under: KVM_SET_MP_STATE goes to the helper, every
 * other system call on as before.  QEMU issues it for each vCPU when it
 * resets the machine (and once more at its start), never while the VM
 * runs.  Without CAP_SYS_ADMIN a filter needs no_new_privs (QEMU's own
 * -sandbox sets it too).  The listener fd, or -1 after a message.
 */
static int install_reset_hook(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* args[1], the request: low word, then high word (little endian) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VQ_KVM_SET_MP_STATE, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1]) + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };
	long fd;

	/*
	 * Once the helper has the notification, wait for its answer whatever
	 * signal comes (QEMU would take an EINTR for a failed reset); Linux
	 * before 5.19 lacks the flag.
	 */
	unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER |
			      SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;

	fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (fd < 0 && errno == EINVAL) {
		flags = SECCOMP_FILTER_FLAG_NEW_LISTENER;
		fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	}
	if (fd < 0 && errno == EACCES) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
			fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	}
	if (fd < 0) {
		vq_log("cannot install the seccomp filter that carries resets: %s",
		       strerror(errno));
		return -1;
	}
	return (int)fd;
}

static void reset_device(struct vq_helper *h)
{
	char id[24];
	char *argv[] = { "vtisctl", "reset", id, "--ctrl", h->ctrl, NULL };

	snprintf(id, sizeof(id), "%" PRIu64, h->id);
	if (!h->ctrl[0])
		argv[3] = NULL;
	if (run_vtisctl(h, argv, NULL, 0))
		vq_log("device %" PRIu64 ": reset failed; the guest goes on", h->id);
	else
		vq_log("reset of the VM: device %" PRIu64 " reset", h->id);
}

/*
 * One KVM_SET_MP_STATE of QEMU's, stopped until we answer.  vCPU 0's (QEMU
 * puts the vCPUs in order) resets the device first.  The answer lets the
 * ioctl go on as QEMU made it; the filter is an ordering point, not a
 * security check.  -1 when the listener is gone.
 */
static int on_reset_state(struct vq_helper *h, struct seccomp_notif *req,
			  struct seccomp_notif_resp *resp)
{
	char path[64], target[64];
	ssize_t n;

	if (ioctl(h->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return errno == EINTR || errno == ENOENT ? 0 : -1;
	snprintf(path, sizeof(path), "/proc/%u/fd/%llu", req->pid,
		 (unsigned long long)req->data.args[0]);
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = 0;
		if (!strcmp(target, "anon_inode:kvm-vcpu:0") && h->resets++)
			reset_device(h);
	}
	resp->id = req->id;
	resp->error = 0;
	resp->val = 0;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(h->listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* Until QEMU ends: its control channel and its reset states. */
static void helper_loop(struct vq_helper *h)
{
	struct pollfd pfd[2] = {
		{ .fd = h->gate, .events = POLLIN },
		{ .fd = h->listener, .events = POLLIN },
	};
	struct seccomp_notif_sizes sz;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	uint32_t cmd;
	int fd;

	if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return;
	req = calloc(1, sz.seccomp_notif > sizeof(*req) ? sz.seccomp_notif : sizeof(*req));
	resp = calloc(1, sz.seccomp_notif_resp > sizeof(*resp) ?
			 sz.seccomp_notif_resp : sizeof(*resp));
	if (!req || !resp)
		goto out;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			memset(req, 0, sz.seccomp_notif);
			if (on_reset_state(h, req, resp))
				break;
		}
		if (pfd[0].revents) {
			if (gate_read(h, &cmd, &fd))
				break;
			if (fd >= 0)
				close(fd);
			/* QEMU's last word when it quits: CMD_SHUTDOWN */
			if (cmd != CMD_SHUTDOWN)
				vq_log("QEMU's tpm-emulator sent command %" PRIu32 ": refused", cmd);
			gate_result(h, cmd == CMD_SHUTDOWN ? 0 : TPM_FAIL);
		}
	}
out:
	free(req);
	free(resp);
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
		if (fd != h->gate && fd != h->exe_fd)
			close(fd);
}

static void __attribute__((noreturn)) helper_main(struct vq_helper *h)
{
	uint32_t cmd;
	int rc = EXIT_FAIL, fd;

	/* resets run vtisctl from this very binary, even if the file changes */
	h->exe_fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	keep_only_ours(h);
	setsid();
	prctl(PR_SET_NAME, "vtis-qemu-gate", 0, 0, 0);
	/* it must live as long as QEMU: only QEMU's end ends it */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);

	/* first the filter's listener, from vtis-qemu before its exec */
	if (gate_read(h, &cmd, &fd) || cmd != VQ_CMD_LISTENER || fd < 0)
		goto out;
	h->listener = fd;
	/* then QEMU has made the VM; machine and vCPUs wait for our answer */
	if (gate_read(h, &cmd, &fd))
		goto out;	/* QEMU ended before it got here */
	h->data = fd;
	if (cmd != CMD_SET_DATAFD || h->data < 0) {
		vq_log("QEMU's tpm-emulator sent command %" PRIu32 " first", cmd);
		goto out;
	}
	if (h->exe_fd < 0 || attach_device(h)) {
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
	helper_loop(h);
	rc = EXIT_OK;
out:
	remove_acpi_dir(h);
	_exit(rc);
}

/* ---- before the exec ------------------------------------------------- */

/* vtisctl acpi into a new temporary directory; 0 or -1 after a message. */
static int write_tables(const struct vq_opts *o, bool q35, char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	char irq[8];
	char *argv[] = { "acpi", "--tpm", (char *)family_name(o->family), "--out", dir,
			 "--machine", q35 ? "q35" : "pc", "--log-size", (char *)o->log_size,
			 "--interface", (char *)o->interface, "--irq", irq, NULL };
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
		argv[11] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, 1) < 0)
			_exit(EXIT_FAIL);
		_exit(cmd_acpi(o->irq ? 13 : 11, argv));
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
	int g[2], qargc = 1, nargs = 0, rc, i, first;
	struct sigaction oldchld;
	struct vq_arg *args;
	pid_t helper;
	char **qargv;

	if (!qemu || !qemu[0])
		qemu = QEMU_DEFAULT;
	qargv = calloc((size_t)argc + 24, sizeof(char *));
	if (!qargv) {
		vq_log("out of memory");
		return EXIT_FAIL;
	}
	qargv[0] = (char *)qemu;
	args = calloc((size_t)argc, sizeof(*args));
	if (!args) {
		vq_log("out of memory");
		return EXIT_FAIL;
	}
	rc = vq_parse(argc, argv, args, &nargs, qargv, &qargc);
	if (rc)
		return rc < 0 ? finish_output() : rc;
	/* the guest's file first; the command line's options then win */
	rc = vq_config(qargv, qargc, &o, &o.any);
	for (i = 0; !rc && i < nargs; i++) {
		/* a backend on the command line replaces the file's */
		if (!strcmp(args[i].name, "state") || !strcmp(args[i].name, "host-tpm")) {
			o.state = NULL;
			o.host_tpm = false;
			o.tpm_index = NULL;
		}
	}
	for (i = 0; !rc && i < nargs; i++) {
		o.any = true;
		rc = vq_option(&o, args[i].name, args[i].val);
	}
	if (!rc && o.any)
		rc = vq_check(&o);
	if (rc)
		return rc;
	/*
	 * No log window for the host's chip unless asked: SeaBIOS would send
	 * it TPM2_Startup, which it refuses, and then try to disable its
	 * hierarchies (docs/usage.md, "The host's TPM").
	 */
	if (!o.log_size)
		o.log_size = o.host_tpm ? "0" : VQ_LOG_SIZE_DEFAULT;
	if (!o.interface)
		o.interface = "tis";
	if (!o.any) {
		execvp(qemu, qargv);
		vq_log("cannot run %s: %s", qemu, strerror(errno));
		return EXIT_FAIL;
	}
	vq_intent_of(qargv, qargc, &in);
	if (in.tpm_arg)
		return vq_usage("QEMU-ARGS give the guest a QEMU TPM (%s): the TPM is kvm_vtis's",
				in.tpm_arg);
	if (in.daemonize)
		return vq_usage("-daemonize: QEMU would make its VM in another process; run it in the foreground");
	if (in.q35 && o.irq > 23)
		return vq_usage("--vtis-irq %" PRIu64 ": a q35 machine has GSIs up to 23", o.irq);

	memset(&h, 0, sizeof(h));
	h.qemu = getpid();
	h.o = &o;
	h.data = -1;
	h.listener = -1;
	h.exe_fd = -1;
	/* a caller that ignores SIGCHLD would have our children reaped away */
	sigaction(SIGCHLD, &(struct sigaction){ .sa_handler = SIG_DFL }, &oldchld);
	if (!in.no_acpi && write_tables(&o, in.q35, h.acpi_dir, sizeof(h.acpi_dir)))
		goto err_tables;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g))
		goto err_tables;
	h.gate = g[0];

	first = qargc;
	qargv[qargc++] = "-chardev";
	qargv[qargc++] = xasprintf("socket,id=vtis-gate,fd=%d", g[1]);
	qargv[qargc++] = "-tpmdev";
	qargv[qargc++] = "emulator,id=vtis-gate,chardev=vtis-gate";
	if (h.acpi_dir[0]) {
		qargv[qargc++] = "-acpitable";
		qargv[qargc++] = xasprintf("file=%s/ssdt-tpm.aml", h.acpi_dir);
		qargv[qargc++] = "-acpitable";
		qargv[qargc++] = xasprintf("file=%s/%s", h.acpi_dir,
					   o.family == FAMILY_2_0 ? "tpm2.aml" : "tcpa.aml");
	}
	qargv[qargc] = NULL;
	for (i = first; i < qargc; i++)
		if (!qargv[i])
			goto err_gate;
	if (keep_on_exec(g[1]))
		goto err_gate;
	/* the helper closes QEMU's end of the gate; the exec closes its own */
	helper = start_helper(&h);
	if (helper < 0) {
		vq_log("cannot start the helper: %s", strerror(errno));
		goto err_gate;
	}
	close(g[0]);
	/* with Yama's ptrace_scope 1, let it (and its vtisctl) take our VM fd */
	prctl(PR_SET_PTRACER, helper, 0, 0, 0);
	/*
	 * The filter goes on this process alone, through the exec: QEMU's.
	 * Its listener goes to the helper over the gate, before QEMU's first
	 * word there; the helper and what it runs stay unfiltered.
	 */
	h.listener = install_reset_hook();
	if (h.listener < 0 || gate_send_fd(g[1], VQ_CMD_LISTENER, h.listener)) {
		vq_log("cannot hand the reset hook to the helper");
		close(g[1]);	/* the helper sees the gate close and cleans up */
		return EXIT_FAIL;
	}
	close(h.listener);
	sigaction(SIGCHLD, &oldchld, NULL);
	execvp(qemu, qargv);
	vq_log("cannot run %s: %s", qemu, strerror(errno));
	return EXIT_FAIL;	/* the helper sees the gate close and cleans up */

err_gate:
	close(g[0]);
	close(g[1]);
err_tables:
	remove_acpi_dir(&h);
	return EXIT_FAIL;
}
