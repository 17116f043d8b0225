// SPDX-License-Identifier: GPL-2.0
/*
 * vtisctl attach, detach, list, info: the KVM_VTIS_* ioctls on
 * /dev/kvm-vtis (uapi/linux/kvm_vtis.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm_vtis.h>

#include "vtisctl.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define KVM_VM_LINK	"anon_inode:kvm-vm"
#define LIST_RETRIES	8
#define SWTPM_CONNECT_MS	10000	/* attach --swtpm: swtpm opens the node by then */

static int get_info(int fd, uint32_t id, struct kvm_vtis_info *info);

_Static_assert(FAMILY_1_2 == KVM_VTIS_TPM_1_2 && FAMILY_2_0 == KVM_VTIS_TPM_2_0,
	       "family values follow the uapi header");
_Static_assert(TIS_WINDOW_SIZE == KVM_VTIS_WINDOW_SIZE &&
	       TIS_DEFAULT_BASE == KVM_VTIS_DEFAULT_BASE,
	       "TIS window follows the uapi header");

/* Open /dev/kvm-vtis and check that the kernel speaks our ABI. */
int vtis_open(void)
{
	int fd, ver;

	fd = open(VTIS_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			err_msg("%s not found: is the kvm_vtis module loaded? (modprobe kvm_vtis)",
				VTIS_DEV_PATH);
		else
			err_msg("cannot open %s: %s", VTIS_DEV_PATH, strerror(errno));
		return -1;
	}
	ver = ioctl(fd, KVM_VTIS_GET_API_VERSION);
	if (ver < 0) {
		err_msg("%s: KVM_VTIS_GET_API_VERSION failed: %s", VTIS_DEV_PATH,
			strerror(errno));
		close(fd);
		return -1;
	}
	if (ver != KVM_VTIS_API_VERSION) {
		err_msg("%s speaks API version %d, this vtisctl version %d",
			VTIS_DEV_PATH, ver, KVM_VTIS_API_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * What /proc/<pid>/fd/<fd> points to.  Returns 0 with link set, or the
 * errno of readlink (the caller decides whether that matters).
 */
static int fd_link(const char *pid, int fd, char *link, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/fd/%d", pid, fd);
	n = readlink(path, link, len - 1);
	if (n < 0)
		return errno;
	link[n] = '\0';
	return 0;
}

/*
 * attach --pid PID without --vm-fd: the one fd of PID that is a KVM VM.
 * Returns it, or -1 after saying why (none, several, no access).
 */
static int find_vm_fd(int pid, unsigned int wait_ms)
{
	char dir[64], link[PATH_MAX], pidstr[16], found[64];
	uint64_t end = now_ms() + wait_ms;
	struct dirent *de;
	int fd, n, len;
	DIR *d;

	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
again:
	fd = -1;
	n = 0;
	len = 0;
	found[0] = '\0';
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			err_msg("attach: no process %d", pid);
		else if (errno == EACCES || errno == EPERM)
			err_msg("attach: not permitted to read %s (needs ptrace access to process %d: the same user and ptrace_scope allowing it, or CAP_SYS_PTRACE)",
				dir, pid);
		else
			err_msg("attach: %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		uint64_t v;

		if (parse_uint_range(de->d_name, 0, INT_MAX, &v) ||
		    fd_link(pidstr, (int)v, link, sizeof(link)) || strcmp(link, KVM_VM_LINK))
			continue;
		if (!n++)
			fd = (int)v;
		if (len < (int)sizeof(found) - 12)
			len += snprintf(found + len, sizeof(found) - len, "%s%d", len ? ", " : "",
					(int)v);
	}
	closedir(d);
	if (n == 0 && now_ms() < end) {
		sleep_ms(50);
		goto again;
	}
	if (n == 0) {
		err_msg("attach: process %d holds no KVM VM fd (%s)%s: is it a VMM running with KVM?",
			pid, KVM_VM_LINK, wait_ms ? " after --wait-vm" : "");
		return -1;
	}
	if (n > 1) {
		err_msg("attach: process %d holds %d KVM VM fds (%s): choose one with --vm-fd",
			pid, n, found);
		return -1;
	}
	return fd;
}

/*
 * The VM fd to pass to the kernel: fd itself, or with pid > 0 a copy of
 * process pid's fd taken through pidfd_getfd().  Returns the fd or -1.
 */
static int get_vm_fd(int fd, int pid, bool *owned)
{
	char link[PATH_MAX], pidstr[16];
	int pidfd, vmfd, e;

	*owned = false;
	if (pid) {
		snprintf(pidstr, sizeof(pidstr), "%d", pid);
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pidfd < 0) {
			if (errno == ESRCH)
				err_msg("attach: no process %d", pid);
			else if (errno == ENOSYS)
				err_msg("attach: --pid needs pidfd_open (Linux 5.6 or later)");
			else
				err_msg("attach: pidfd_open(%d): %s", pid, strerror(errno));
			return -1;
		}
	} else {
		strcpy(pidstr, "self");
		pidfd = -1;
		if (fcntl(fd, F_GETFD) < 0) {
			err_msg("attach: fd %d is not open in vtisctl (pass it open, or use --pid)",
				fd);
			return -1;
		}
	}

	/* A clear message when the fd is something else; the kernel checks too. */
	e = fd_link(pidstr, fd, link, sizeof(link));
	if (e == ENOENT) {
		if (pid)
			err_msg("attach: process %d has no fd %d", pid, fd);
		else
			err_msg("attach: fd %d is not open in vtisctl", fd);
		goto fail;
	}
	if (e == 0 && strcmp(link, KVM_VM_LINK)) {
		if (pid)
			err_msg("attach: fd %d of process %d is not a KVM VM fd (it is %s)",
				fd, pid, link);
		else
			err_msg("attach: fd %d is not a KVM VM fd (it is %s)", fd, link);
		goto fail;
	}

	if (!pid)
		return fd;
	vmfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (vmfd < 0) {
		if (errno == EPERM)
			err_msg("attach: not permitted to take fd %d from process %d %s", fd, pid,
				"(needs ptrace access to it: the same user and ptrace_scope allowing it, or CAP_SYS_PTRACE)");
		else if (errno == EBADF)
			err_msg("attach: process %d has no fd %d", pid, fd);
		else if (errno == ESRCH)
			err_msg("attach: process %d has exited", pid);
		else if (errno == ENOSYS)
			err_msg("attach: --pid needs pidfd_getfd (Linux 5.6 or later)");
		else
			err_msg("attach: pidfd_getfd(%d, %d): %s", pid, fd, strerror(errno));
		goto fail;
	}
	close(pidfd);
	*owned = true;
	return vmfd;
fail:
	if (pidfd >= 0)
		close(pidfd);
	return -1;
}

/* A device name from the kernel: NUL-terminated, a plain file name. */
static bool valid_name(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return i < len && !(i == 1 && s[0] == '.') && !(i == 2 && s[0] == '.' && s[1] == '.');
}

static void attach_help(void)
{
	printf("Usage: vtisctl attach (--vm-fd N [--pid PID] | --pid PID [--wait-vm SECS])\n"
	       "                      [--base ADDR] [--log-size SIZE] [--interface tis|crb]\n"
	       "                      [--tpm 2.0|1.2] [--irq N] [--json]\n"
	       "                      (--emulator [--swtpm DIR] | --host-tpm [--tpm-index N])\n"
	       "\n"
	       "Attach a TPM TIS device to a KVM VM: the VM behind fd N, open in vtisctl\n"
	       "or, with --pid, in process PID (taken with pidfd_getfd, which needs ptrace\n"
	       "access to PID); --pid alone takes PID's one KVM VM fd.  The device stays\n"
	       "attached after vtisctl exits.\n"
	       "\n"
	       "Options:\n"
	       "  --vm-fd N        the KVM VM fd (in /proc/PID/fd it reads anon_inode:kvm-vm)\n"
	       "  --pid PID        take the fd from process PID (e.g. the VMM); without\n"
	       "                   --vm-fd, the one VM fd PID holds\n"
	       "  --wait-vm SECS   with --pid alone: wait up to SECS s for PID to create\n"
	       "                   its VM (a VMM just started)\n"
	       "  --base ADDR      TIS window base (default 0xfed40000): a non-zero\n"
	       "                   multiple of 4 KiB, window below 4 GiB\n"
	       "  --log-size SIZE  a firmware event log window of SIZE bytes (a multiple\n"
	       "                   of 4096 up to 1048576) right after the TIS window, at\n"
	       "                   base + 0x5000: where SeaBIOS writes its measurements\n"
	       "                   (give the guest vtisctl acpi --log-size SIZE); default\n"
	       "                   0, none\n"
	       "  --interface tis|crb  the guest's register interface (default tis): TIS\n"
	       "                   (FIFO, TPM 2.0 and 1.2) or CRB (command response\n"
	       "                   buffer, TPM 2.0 only; give the guest vtisctl acpi\n"
	       "                   --interface crb)\n"
	       "  --tpm 2.0|1.2    TPM family (default 2.0; with --host-tpm the chip's,\n"
	       "                   and it must match)\n"
	       "  --emulator       commands go to an emulator (swtpm) on /dev/vtis-emuN\n"
	       "  --swtpm DIR      (implies --emulator) run swtpm on DIR: DIR is made\n"
	       "                   (mode 0700) and provisioned with swtpm_setup (EK and\n"
	       "                   platform certificates) on first use; a supervisor\n"
	       "                   restarts swtpm if it dies and stops it when the\n"
	       "                   device goes away; both log to DIR/swtpm.log\n"
	       "  --host-tpm       commands go to the host's TPM chip, held by this VM\n"
	       "                   alone (needs CAP_SYS_ADMIN; shares PCRs with the host)\n"
	       "  --tpm-index N    the host TPM /dev/tpmN (default 0)\n"
	       "  --irq N          raise interrupt N (1-255, not 2) of the VM's in-kernel\n"
	       "                   irqchip, level-triggered; INT_VECTOR reads N (give the\n"
	       "                   guest the same N: vtisctl acpi --irq N)\n"
	       "  --json           print JSON instead of text\n"
	       "  -h, --help       this help\n"
	       "\n"
	       "Output: \"id N\" and, for --emulator, \"emulator /dev/vtis-emuN\", then\n"
	       "\"base 0x...\", \"tpm 2.0|1.2\", \"backend emulator|host-tpm\", with --irq\n"
	       "\"irq N\", with --log-size \"log_base 0x...\" and \"log_size N\",\n"
	       "\"interface tis|crb\", with --swtpm\n"
	       "\"swtpm DIR\", \"swtpm_ctrl DIR/swtpm-ctrl.sock\",\n"
	       "\"swtpm_pid N\" and \"supervisor_pid N\", one a line; with --json one object:\n"
	       "{\"id\":N,\"emulator\":\"/dev/vtis-emuN\"|null,\"base\":N,\"tpm\":\"2.0\",\n"
	       "\"backend\":\"emulator\",\"irq\":N|null,\"log_base\":N|null,\"log_size\":N,\n"
	       "\"interface\":\"tis\"|\"crb\",\n"
	       "\"swtpm\":\"DIR\"|null[,\"swtpm_ctrl\":...,\n"
	       "\"swtpm_pid\":N,\"supervisor_pid\":N]}.  With --swtpm, attach returns once\n"
	       "swtpm serves the device (at most 10 s), else detaches it and fails.\n");
}

static void attach_error(int err, const struct kvm_vtis_attach *a, int vmfd_arg)
{
	bool host = a->backend == KVM_VTIS_BACKEND_HOST_TPM;

	switch (err) {
	case EBADF:
		err_msg("attach: fd %d is not open", vmfd_arg);
		break;
	case EINVAL:
		if (a->interface == KVM_VTIS_INTERFACE_CRB && host)
			err_msg("attach: the kernel refused the attach (EINVAL): a CRB device is TPM 2.0 only; is tpm%u a TPM 1.2? (or fd %d is not a KVM VM)",
				a->tpm_index, vmfd_arg);
		else if (a->log_size || a->interface)
			err_msg("attach: the kernel refused the attach (EINVAL): fd %d is not a KVM VM, or it rejected base 0x%llx, TPM %s or log size %u (a kvm_vtis older than the log window)",
				vmfd_arg, (unsigned long long)a->base, family_name(a->family),
				a->log_size);
		else if (host)
			err_msg("attach: the kernel refused the attach (EINVAL): fd %d is not a KVM VM, or it rejected base 0x%llx",
				vmfd_arg, (unsigned long long)a->base);
		else
			err_msg("attach: the kernel refused the attach (EINVAL): %s %d %s 0x%llx or TPM %s",
				"fd", vmfd_arg, "is not a KVM VM, or it rejected base", (unsigned long long)a->base, family_name(a->family));
		break;
	case EEXIST:
		err_msg("attach: the window 0x%llx-0x%llx overlaps another device of this VM",
			(unsigned long long)a->base,
			(unsigned long long)(a->base + KVM_VTIS_LOG_OFFSET + a->log_size - 1));
		break;
	case EOPNOTSUPP:
		err_msg("attach: the %s backend is not supported by this kvm_vtis build",
			a->backend == KVM_VTIS_BACKEND_HOST_TPM ? "host TPM (--host-tpm)"
								: "emulator");
		break;
	case EBUSY:
		err_msg("attach: the host TPM tpm%u is in use by another VM (vtisctl list shows it; detach it first)",
			a->tpm_index);
		break;
	case ENXIO:
		err_msg("attach: no host TPM tpm%u (see /sys/class/tpm), or its driver is gone",
			a->tpm_index);
		break;
	case EPROTONOSUPPORT:
		err_msg("attach: the host TPM tpm%u is not a TPM %s; leave out --tpm to use the chip's family",
			a->tpm_index, family_name(a->family));
		break;
	case EPERM:
		if (host)
			err_msg("attach: not permitted: --host-tpm needs CAP_SYS_ADMIN");
		else
			err_msg("attach: KVM_VTIS_ATTACH failed: %s", strerror(err));
		break;
	case ENODEV:
		err_msg("attach: the VM is being destroyed");
		break;
	case ENOSPC:
		err_msg("attach: the kvm_vtis device limit is reached, or the VM's MMIO bus is full");
		break;
	case EDQUOT:
		err_msg("attach: you have as many devices attached as one user may (kvm_vtis parameter max_devices_per_user); detach one first");
		break;
	default:
		err_msg("attach: KVM_VTIS_ATTACH failed: %s", strerror(err));
	}
}

static void set_irq_error(int err, uint64_t irq)
{
	switch (err) {
	case ENXIO:
		err_msg("attach: the VM has no in-kernel irqchip route for interrupt %llu (QEMU: kernel-irqchip=on)",
			(unsigned long long)irq);
		break;
	case ENOSPC:
		err_msg("attach: the VM has no free interrupt source left");
		break;
	case EOPNOTSUPP:
		err_msg("attach: this kvm_vtis build cannot raise a VM's interrupts");
		break;
	case ENOTTY:
		err_msg("attach: this kvm_vtis has no interrupt support (KVM_VTIS_SET_IRQ)");
		break;
	default:
		err_msg("attach: KVM_VTIS_SET_IRQ failed: %s", strerror(err));
	}
}

/*
 * Give device @id interrupt @irq.  KVM takes KVM_IRQFD only from the
 * process that created the VM, so kvm_vtis drives the GSI itself.
 */
static int attach_irq(int vfd, uint32_t id, uint64_t irq)
{
	struct kvm_vtis_irq q;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.flags = KVM_VTIS_IRQ_DIRECT;
	q.id = id;
	q.irq = (uint32_t)irq;
	q.eventfd = -1;
	q.resample_fd = -1;
	if (ioctl(vfd, KVM_VTIS_SET_IRQ, &q) == 0)
		return 0;
	set_irq_error(errno, irq);
	return -1;
}

/*
 * attach --swtpm: launch the supervised swtpm for the new device and wait
 * (SWTPM_CONNECT_MS in all) until it has the emulator node open, so the
 * guest's first command finds it.  0, or -1 after saying why, with the
 * supervisor ended (the caller then detaches the device).
 */
static int start_swtpm(int vfd, const struct kvm_vtis_attach *a,
		       const struct swtpm_cfg *sw, int *sup_pid, int *swtpm_pid)
{
	long long from = swtpm_log_size(sw);
	uint64_t end = now_ms() + SWTPM_CONNECT_MS;
	struct kvm_vtis_info in;
	int e, status;

	e = get_info(vfd, a->id, &in);
	if (e) {
		err_msg("attach: KVM_VTIS_INFO on the new device %u: %s", a->id, strerror(e));
		return -1;
	}
	if (swtpm_launch(sw, &in, sup_pid, swtpm_pid, SWTPM_CONNECT_MS)) {
		swtpm_abandon(sw, *sup_pid, from);
		return -1;
	}
	for (;;) {
		e = get_info(vfd, a->id, &in);
		if (!e && (in.state & KVM_VTIS_STATE_EMU_CONNECTED))
			return 0;
		if (e) {
			err_msg("attach: --swtpm: KVM_VTIS_INFO on device %u: %s", a->id,
				strerror(e));
			break;
		}
		if (waitpid(*sup_pid, &status, WNOHANG) == *sup_pid) {
			err_msg("attach: --swtpm: the supervisor ended before swtpm opened /dev/%s",
				a->emu_name);
			*sup_pid = 0;
			break;
		}
		if (now_ms() >= end) {
			err_msg("attach: --swtpm: swtpm did not open /dev/%s within %d s",
				a->emu_name, SWTPM_CONNECT_MS / 1000);
			break;
		}
		sleep_ms(20);
	}
	swtpm_abandon(sw, *sup_pid, from);
	return -1;
}

int cmd_attach(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "vm-fd", required_argument, NULL, 'f' },
		{ "pid", required_argument, NULL, 'p' },
		{ "base", required_argument, NULL, 'b' },
		{ "log-size", required_argument, NULL, 'l' },
		{ "interface", required_argument, NULL, 'I' },
		{ "tpm", required_argument, NULL, 't' },
		{ "emulator", no_argument, NULL, 'e' },
		{ "host-tpm", no_argument, NULL, 'H' },
		{ "tpm-index", required_argument, NULL, 'i' },
		{ "irq", required_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "swtpm", required_argument, NULL, 's' },
		{ "wait-vm", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct swtpm_cfg sw;
	const char *swtpm_dir = NULL;
	int sup_pid = 0, swtpm_pid = 0;
	uint64_t wait_vm = 0;
	struct kvm_vtis_attach a;
	uint64_t irq = 0, log_size = 0;
	enum tpm_family family = FAMILY_2_0;
	uint64_t vmfd_arg = 0, pid = 0, base = KVM_VTIS_DEFAULT_BASE, index = 0;
	bool have_fd = false, emu = false, host = false, json = false, owned;
	bool have_tpm = false, have_index = false;
	uint32_t interface = KVM_VTIS_INTERFACE_TIS;
	char emu_path[sizeof("/dev/") + KVM_VTIS_NAME_LEN];
	int c, rc, vfd, vmfd;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_uint_range(optarg, 0, INT_MAX, &vmfd_arg))
				return usage_err("attach",
						 "--vm-fd '%s' must be a file descriptor number", optarg);
			have_fd = true;
			break;
		case 'p':
			if (parse_uint_range(optarg, 1, INT_MAX, &pid))
				return usage_err("attach", "--pid '%s' must be a process id",
						 optarg);
			break;
		case 'b':
			rc = parse_base("attach", optarg, &base);
			if (rc)
				return rc;
			break;
		case 'l':
			rc = parse_log_size("attach", "--log-size", optarg, &log_size);
			if (rc)
				return rc;
			break;
		case 'I':
			if (parse_interface(optarg, &interface))
				return usage_err("attach", "--interface '%s' must be tis or crb",
						 optarg);
			break;
		case 't':
			if (parse_family(optarg, &family))
				return usage_err("attach", "--tpm '%s' must be 2.0 or 1.2", optarg);
			have_tpm = true;
			break;
		case 'e':
			emu = true;
			break;
		case 'H':
			host = true;
			break;
		case 'i':
			if (parse_uint_range(optarg, 0, TPM_INDEX_MAX, &index))
				return usage_err("attach", "--tpm-index '%s' must be a number from 0 to %u",
						 optarg, TPM_INDEX_MAX);
			have_index = true;
			break;
		case 'q':
			if (parse_uint_range(optarg, 1, 255, &irq) || irq == 2)
				return usage_err("attach", "--irq '%s' must be 1..255 and not 2",
						 optarg);
			break;
		case 'j':
			json = true;
			break;
		case 's':
			swtpm_dir = optarg;
			break;
		case 'w':
			if (parse_uint_range(optarg, 0, 3600, &wait_vm))
				return usage_err("attach", "--wait-vm '%s' must be 0 to 3600 seconds",
						 optarg);
			break;
		case 'h':
			attach_help();
			return finish_output();
		case ':':
			return bad_option("attach", c, argv);
		default:
			return bad_option("attach", c, argv);
		}
	}
	if (optind < argc)
		return usage_err("attach", "unexpected argument '%s'", argv[optind]);
	if (!have_fd && !pid)
		return usage_err("attach", "--vm-fd N or --pid PID is required");
	if (wait_vm && (have_fd || !pid))
		return usage_err("attach", "--wait-vm goes with --pid alone (no --vm-fd)");
	if (swtpm_dir && host)
		return usage_err("attach", "--swtpm runs an emulator: it goes with --emulator, not --host-tpm");
	if (swtpm_dir)
		emu = true;
	if (emu == host)
		return usage_err("attach", "give exactly one of --emulator and --host-tpm");
	if (have_index && !host)
		return usage_err("attach", "--tpm-index needs --host-tpm");
	rc = check_log_window("attach", base, log_size);
	if (rc)
		return rc;
	if (interface == KVM_VTIS_INTERFACE_CRB && have_tpm && family == FAMILY_1_2)
		return usage_err("attach", "--interface crb is TPM 2.0 only (CRB has no TPM 1.2)");

	if (!have_fd) {
		rc = find_vm_fd((int)pid, (unsigned int)wait_vm * 1000);
		if (rc < 0)
			return EXIT_FAIL;
		vmfd_arg = (uint64_t)rc;
	}
	/* The state directory is made and provisioned before the attach. */
	if (swtpm_dir && swtpm_prepare(swtpm_dir, family, &sw))
		return EXIT_FAIL;
	vmfd = get_vm_fd((int)vmfd_arg, (int)pid, &owned);
	if (vmfd < 0)
		return EXIT_FAIL;
	vfd = vtis_open();
	if (vfd < 0) {
		if (owned)
			close(vmfd);
		return EXIT_FAIL;
	}

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.vm_fd = vmfd;
	/* For the host TPM, 0 lets the kernel take the chip's family. */
	a.family = host && !have_tpm ? KVM_VTIS_TPM_DEFAULT : family;
	a.base = base;
	a.backend = emu ? KVM_VTIS_BACKEND_EMULATOR : KVM_VTIS_BACKEND_HOST_TPM;
	a.tpm_index = (uint32_t)index;
	a.log_size = (uint32_t)log_size;
	a.interface = interface;
	rc = ioctl(vfd, KVM_VTIS_ATTACH, &a);
	if (owned)
		close(vmfd);
	if (rc < 0) {
		attach_error(errno, &a, (int)vmfd_arg);
		close(vfd);
		return EXIT_FAIL;
	}

	/* Check what the kernel handed back before printing it. */
	if (a.id == 0 || !valid_name(a.emu_name, sizeof(a.emu_name)) ||
	    (emu && !a.emu_name[0]) ||
	    (a.family != FAMILY_1_2 && a.family != FAMILY_2_0)) {
		struct kvm_vtis_detach d = { .size = sizeof(d), .id = a.id };

		err_msg("attach: the kernel returned an invalid id or emulator name; detaching");
		if (a.id)
			ioctl(vfd, KVM_VTIS_DETACH, &d);
		close(vfd);
		return EXIT_FAIL;
	}
	if (irq && attach_irq(vfd, a.id, irq)) {
		struct kvm_vtis_detach d = { .size = sizeof(d), .id = a.id };

		ioctl(vfd, KVM_VTIS_DETACH, &d);
		close(vfd);
		return EXIT_FAIL;
	}
	if (swtpm_dir && start_swtpm(vfd, &a, &sw, &sup_pid, &swtpm_pid)) {
		struct kvm_vtis_detach d = { .size = sizeof(d), .id = a.id };

		if (ioctl(vfd, KVM_VTIS_DETACH, &d) && errno != ENOENT)
			err_msg("attach: detaching device %u again failed: %s (vtisctl detach %u)",
				a.id, strerror(errno), a.id);
		close(vfd);
		return EXIT_FAIL;
	}
	close(vfd);
	snprintf(emu_path, sizeof(emu_path), "/dev/%s", a.emu_name);

	if (json) {
		struct json_obj o;

		json_begin(&o, stdout);
		json_u64(&o, "id", a.id);
		if (a.emu_name[0])
			json_str(&o, "emulator", emu_path);
		else
			json_null(&o, "emulator");
		json_u64(&o, "base", a.base);
		json_str(&o, "tpm", family_name(a.family));
		json_str(&o, "backend", emu ? "emulator" : "host-tpm");
		if (irq)
			json_u64(&o, "irq", irq);
		else
			json_null(&o, "irq");
		if (log_size)
			json_u64(&o, "log_base", a.base + KVM_VTIS_LOG_OFFSET);
		else
			json_null(&o, "log_base");
		json_u64(&o, "log_size", log_size);
		json_str(&o, "interface", interface_name(interface));
		if (swtpm_dir) {
			json_str(&o, "swtpm", sw.dir);
			json_str(&o, "swtpm_ctrl", sw.ctrl);
			json_u64(&o, "swtpm_pid", (uint64_t)swtpm_pid);
			json_u64(&o, "supervisor_pid", (uint64_t)sup_pid);
		} else {
			json_null(&o, "swtpm");
		}
		json_end(&o);
		putchar('\n');
	} else {
		printf("id %" PRIu32 "\n", a.id);
		if (a.emu_name[0])
			printf("emulator %s\n", emu_path);
		printf("base 0x%llx\n", (unsigned long long)a.base);
		printf("tpm %s\n", family_name(a.family));
		printf("backend %s\n", emu ? "emulator" : "host-tpm");
		if (irq)
			printf("irq %llu\n", (unsigned long long)irq);
		if (log_size) {
			printf("log_base 0x%llx\n",
			       (unsigned long long)(a.base + KVM_VTIS_LOG_OFFSET));
			printf("log_size %llu\n", (unsigned long long)log_size);
		}
		printf("interface %s\n", interface_name(interface));
		if (swtpm_dir) {
			printf("swtpm %s\n", sw.dir);
			printf("swtpm_ctrl %s\n", sw.ctrl);
			printf("swtpm_pid %d\n", swtpm_pid);
			printf("supervisor_pid %d\n", sup_pid);
		}
	}
	return finish_output();
}

/* Parse the one positional ID of detach/info. */
static int parse_id(const char *cmd, int argc, char **argv, uint32_t *id)
{
	uint64_t v;

	if (optind >= argc)
		return usage_err(cmd, "a device ID is required");
	if (optind + 1 < argc)
		return usage_err(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (parse_uint_range(argv[optind], 1, UINT32_MAX, &v))
		return usage_err(cmd, "ID '%s' must be a number from 1 to 4294967295",
				 argv[optind]);
	*id = (uint32_t)v;
	return 0;
}

static void detach_help(void)
{
	printf("Usage: vtisctl detach ID\n"
	       "\n"
	       "Remove device ID (see vtisctl list) from its VM.  A command in flight is\n"
	       "cancelled; the guest's next TPM access finds no TPM; a connected\n"
	       "emulator sees end of file.\n");
}

int cmd_detach(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvm_vtis_detach d;
	uint32_t id;
	int c, rc, fd;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		if (c == 'h') {
			detach_help();
			return finish_output();
		}
		return bad_option("detach", c, argv);
	}
	rc = parse_id("detach", argc, argv, &id);
	if (rc)
		return rc;
	fd = vtis_open();
	if (fd < 0)
		return EXIT_FAIL;
	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.id = id;
	rc = ioctl(fd, KVM_VTIS_DETACH, &d);
	if (rc < 0) {
		dev_ioctl_err("detach", "KVM_VTIS_DETACH", id, errno);
		close(fd);
		return EXIT_FAIL;
	}
	close(fd);
	return EXIT_OK;
}

/* KVM_VTIS_INFO for id; 0, or the errno. */
static int get_info(int fd, uint32_t id, struct kvm_vtis_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->id = id;
	if (ioctl(fd, KVM_VTIS_INFO, info) < 0)
		return errno;
	/* Never print a name the kernel failed to terminate. */
	if (!valid_name(info->emu_name, sizeof(info->emu_name)))
		strcpy(info->emu_name, "?");
	return 0;
}

static const char *backend_name(uint32_t backend)
{
	switch (backend) {
	case KVM_VTIS_BACKEND_EMULATOR:
		return "emulator";
	case KVM_VTIS_BACKEND_HOST_TPM:
		return "host-tpm";
	default:
		return "unknown";
	}
}

/* A device of another user's in list: its id only. */
static void other_row(uint32_t id, bool json)
{
	struct json_obj o;

	if (!json) {
		printf("%-4" PRIu32 " (another user's device)\n", id);
		return;
	}
	json_begin(&o, stdout);
	json_u64(&o, "id", id);
	json_bool(&o, "visible", false);
	json_end(&o);
}

static void info_json(const struct kvm_vtis_info *in)
{
	char path[sizeof("/dev/") + KVM_VTIS_NAME_LEN];
	struct json_obj o;

	json_begin(&o, stdout);
	json_u64(&o, "id", in->id);
	json_s64(&o, "owner_pid", in->owner_pid);
	json_u64(&o, "base", in->base);
	json_str(&o, "tpm", family_name(in->family));
	json_str(&o, "backend", backend_name(in->backend));
	if (in->emu_name[0]) {
		snprintf(path, sizeof(path), "/dev/%s", in->emu_name);
		json_str(&o, "emulator", path);
	} else {
		json_null(&o, "emulator");
	}
	json_bool(&o, "emulator_connected", in->state & KVM_VTIS_STATE_EMU_CONNECTED);
	json_bool(&o, "command_in_flight", in->state & KVM_VTIS_STATE_CMD_IN_FLIGHT);
	if (in->active_locality <= 4)
		json_u64(&o, "active_locality", in->active_locality);
	else
		json_null(&o, "active_locality");
	json_u64(&o, "commands", in->commands);
	json_u64(&o, "responses", in->responses);
	json_u64(&o, "errors", in->errors);
	json_u64(&o, "mmio_reads", in->mmio_reads);
	json_u64(&o, "mmio_writes", in->mmio_writes);
	json_u64(&o, "bytes_to_tpm", in->bytes_to_tpm);
	json_u64(&o, "bytes_from_tpm", in->bytes_from_tpm);
	if (in->irq)
		json_u64(&o, "irq", in->irq);
	else
		json_null(&o, "irq");
	json_str(&o, "interface", interface_name(in->interface));
	json_u64(&o, "log_size", in->log_size);
	json_end(&o);
}

static void list_help(void)
{
	printf("Usage: vtisctl list [--json]\n"
	       "\n"
	       "List attached devices, one a line under a header:\n"
	       "  ID PID BASE TPM BACKEND EMULATOR CONNECTED COMMANDS RESPONSES ERRORS\n"
	       "PID is the process that created the VM; EMULATOR is the emulator's device\n"
	       "(- for the host TPM); CONNECTED is yes when an emulator holds it.\n"
	       "With --json: an array of objects as 'vtisctl info --json' prints.\n");
}

static void list_row(const struct kvm_vtis_info *in)
{
	char path[sizeof("/dev/") + KVM_VTIS_NAME_LEN];

	if (in->emu_name[0])
		snprintf(path, sizeof(path), "/dev/%s", in->emu_name);
	else
		strcpy(path, "-");
	printf("%-4" PRIu32 " %-7" PRId32 " 0x%-10llx %-3s %-8s %-18s %-9s %-8llu %-9llu %llu\n",
	       in->id, in->owner_pid, (unsigned long long)in->base,
	       family_name(in->family), backend_name(in->backend), path,
	       in->backend != KVM_VTIS_BACKEND_EMULATOR ? "-" :
	       (in->state & KVM_VTIS_STATE_EMU_CONNECTED) ? "yes" : "no",
	       (unsigned long long)in->commands,
	       (unsigned long long)in->responses,
	       (unsigned long long)in->errors);
}

int cmd_list(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvm_vtis_list l;
	struct kvm_vtis_info info;
	uint32_t *ids = NULL, cap = 16, i, n;
	bool json = false, first = true;
	int c, fd, tries, e;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			list_help();
			return finish_output();
		default:
			return bad_option("list", c, argv);
		}
	}
	if (optind < argc)
		return usage_err("list", "unexpected argument '%s'", argv[optind]);

	fd = vtis_open();
	if (fd < 0)
		return EXIT_FAIL;
	/* Devices may come and go between calls: grow until all fit. */
	for (tries = 0; ; tries++) {
		uint32_t *p = realloc(ids, (size_t)cap * sizeof(*ids));

		if (!p) {
			err_msg("list: out of memory");
			goto fail;
		}
		ids = p;
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.ids = (uintptr_t)ids;
		l.capacity = cap;
		if (ioctl(fd, KVM_VTIS_LIST, &l) < 0) {
			err_msg("list: KVM_VTIS_LIST failed: %s", strerror(errno));
			goto fail;
		}
		if (l.count <= cap)
			break;
		if (tries == LIST_RETRIES || l.count > (1U << 20)) {
			err_msg("list: the kernel reports %" PRIu32 " devices; giving up",
				l.count);
			goto fail;
		}
		cap = l.count + 16;
	}
	n = l.count;

	if (json)
		putchar('[');
	else
		printf("%-4s %-7s %-12s %-3s %-8s %-18s %-9s %-8s %-9s %s\n", "ID", "PID",
		       "BASE", "TPM", "BACKEND", "EMULATOR", "CONNECTED", "COMMANDS",
		       "RESPONSES", "ERRORS");
	for (i = 0; i < n; i++) {
		e = get_info(fd, ids[i], &info);
		if (e == ENOENT)	/* detached meanwhile */
			continue;
		if (e && e != EPERM) {
			if (json)
				putchar('\n');
			err_msg("list: KVM_VTIS_INFO for id %" PRIu32 " failed: %s",
				ids[i], strerror(e));
			goto fail;
		}
		if (json && !first)
			putchar(',');
		first = false;
		/* Another user's device (EPERM): its id is all we may see. */
		if (e)
			other_row(ids[i], json);
		else if (json)
			info_json(&info);
		else
			list_row(&info);
	}
	if (json)
		puts("]");
	free(ids);
	close(fd);
	return finish_output();
fail:
	free(ids);
	close(fd);
	return EXIT_FAIL;
}

static void info_help(void)
{
	printf("Usage: vtisctl info ID [--json]\n"
	       "\n"
	       "Describe device ID, one \"key value\" pair a line: id, owner_pid, base,\n"
	       "tpm, backend, emulator, emulator_connected, command_in_flight,\n"
	       "active_locality, commands, responses, errors, mmio_reads, mmio_writes,\n"
	       "bytes_to_tpm, bytes_from_tpm, irq (the interrupt set by attach --irq,\n"
	       "- when none).  With --json: one object with these keys.\n");
}

int cmd_info(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvm_vtis_info in;
	bool json = false;
	uint32_t id;
	int c, rc, fd, e;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			info_help();
			return finish_output();
		default:
			return bad_option("info", c, argv);
		}
	}
	rc = parse_id("info", argc, argv, &id);
	if (rc)
		return rc;
	fd = vtis_open();
	if (fd < 0)
		return EXIT_FAIL;
	e = get_info(fd, id, &in);
	close(fd);
	if (e) {
		dev_ioctl_err("info", "KVM_VTIS_INFO", id, e);
		return EXIT_FAIL;
	}
	if (json) {
		info_json(&in);
		putchar('\n');
		return finish_output();
	}
	printf("id %" PRIu32 "\n", in.id);
	printf("owner_pid %" PRId32 "\n", in.owner_pid);
	printf("base 0x%llx\n", (unsigned long long)in.base);
	printf("tpm %s\n", family_name(in.family));
	printf("backend %s\n", backend_name(in.backend));
	if (in.emu_name[0])
		printf("emulator /dev/%s\n", in.emu_name);
	else
		printf("emulator -\n");
	printf("emulator_connected %s\n",
	       in.state & KVM_VTIS_STATE_EMU_CONNECTED ? "yes" : "no");
	printf("command_in_flight %s\n",
	       in.state & KVM_VTIS_STATE_CMD_IN_FLIGHT ? "yes" : "no");
	if (in.active_locality <= 4)
		printf("active_locality %" PRIu32 "\n", in.active_locality);
	else
		printf("active_locality -\n");
	printf("commands %llu\n", (unsigned long long)in.commands);
	printf("responses %llu\n", (unsigned long long)in.responses);
	printf("errors %llu\n", (unsigned long long)in.errors);
	printf("mmio_reads %llu\n", (unsigned long long)in.mmio_reads);
	printf("mmio_writes %llu\n", (unsigned long long)in.mmio_writes);
	printf("bytes_to_tpm %llu\n", (unsigned long long)in.bytes_to_tpm);
	printf("bytes_from_tpm %llu\n", (unsigned long long)in.bytes_from_tpm);
	if (in.irq)
		printf("irq %" PRIu32 "\n", in.irq);
	else
		printf("irq -\n");
	printf("interface %s\n", interface_name(in.interface));
	printf("log_size %" PRIu32 "\n", in.log_size);
	return finish_output();
}
