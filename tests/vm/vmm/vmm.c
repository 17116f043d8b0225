// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: a minimal VMM on raw KVM ioctls that runs a tiny guest speaking
 * TIS (FIFO) at the TPM window the way Linux's tpm_tis driver does, with
 * kvm_vtis attached to its VM through /dev/kvm-vtis, and checks what the
 * guest gets back.  It also counts exits to userspace: with kvm_vtis
 * handling the window there must be none for TPM registers.
 *
 * Output: one line per check, "ok - ..." or "not ok - ...", diagnostics
 * start with "#".  Exit status 0 only when every check passed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/kvm_vtis.h>

#include "mailbox.h"
#include "sha.h"

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

extern const uint8_t guest_image[], guest_image_end[];

/* ---- options, results -------------------------------------------------- */

#define SCALE_MAX_VMS	64

static struct {
	bool tpm12;
	bool host_tpm;			/* attach to the host's TPM chip */
	unsigned int tpm_index;
	bool no_attach;
	bool spawn_swtpm;
	bool no_detach;
	bool verbose;
	bool expect_errors;		/* TPM failures are part of the run */
	bool irqchip;			/* KVM_CREATE_IRQCHIP for the VM */
	unsigned int storm;		/* accesses of the storm scenario */
	unsigned int vms;		/* VMs of the scale scenario */
	unsigned int extends;		/* extends per VM of the scale scenario */
	const char *hold_file;
	unsigned int timeout;		/* whole run, seconds */
	unsigned int wait_emu;		/* seconds for an emulator to connect */
	unsigned int guest_timeout_ms;
	unsigned int guest_duration_ms;
	unsigned int poll_us;
	unsigned int loop_secs;
	uint64_t base;
	const char *state_dir;
	const char *emu_file;
	const char *swtpm;
	const char *vtisctl;
} opt = {
	.timeout = 120,
	.wait_emu = 10,
	.guest_timeout_ms = 5000,
	.guest_duration_ms = 20000,
	.poll_us = 1000,
	.loop_secs = 5,
	.storm = 20000,
	.vms = 16,
	.extends = 1000,
	.base = KVM_VTIS_DEFAULT_BASE,
	.swtpm = "swtpm",
	.vtisctl = "vtisctl",
};

/* Checks may report from two vCPU threads (guest-storm). */
static unsigned int failures;
static unsigned int passes;

static void __printf(2, 3) result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok - ", ok ? "" : "not ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	__atomic_fetch_add(ok ? &passes : &failures, 1, __ATOMIC_RELAXED);
}

static void __printf(1, 2) diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void hexdump(const char *what, const uint8_t *p, size_t n)
{
	char line[3 * 32 + 1];
	size_t i, j;

	for (i = 0; i < n; i += 32) {
		for (j = 0; j < 32 && i + j < n; j++)
			sprintf(line + 3 * j, " %02x", p[i + j]);
		diag("%s[%zu]:%s", what, i, line);
	}
}

/* ---- the VM -------------------------------------------------------------- */

struct vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	struct mailbox *mb;
	bool dead;			/* the vCPU cannot run any more */
	int fault_vector;		/* CPU exception the guest reported, or -1 */

	/* exits to userspace */
	uint64_t exits;
	uint64_t exits_io;
	uint64_t exits_mmio;
	uint64_t exits_mmio_tis;
	uint64_t exits_other;

	/* kvm_vtis */
	int vtis_fd;
	bool attached;
	uint32_t id;
	char emu_name[KVM_VTIS_NAME_LEN];

	/* swtpm */
	pid_t swtpm_pid;
	char state_dir[128];
	char ctrl[160];			/* swtpm's control socket */
	bool own_state_dir;
	bool emu_lost;			/* the emulator was killed on purpose */
	bool detached_mid;		/* detach-mid ran: counts stop there */
	uint32_t refused;		/* guest commands the device refuses */
	uint64_t exits_at_detach;
	uint32_t accesses_at_detach;

	char log[256];
	size_t log_len;

	/* TIS accesses by a second vCPU that has finished (guest-storm) */
	uint32_t ap_reads, ap_writes;
	uint32_t ap_class_reads[8], ap_class_writes[8];
};

static struct vm the_vm = {
	.kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1, .vtis_fd = -1,
	.fault_vector = -1,
};

/* swtpm of the main VM and of the second one, for the signal handlers. */
static volatile sig_atomic_t swtpm_pids[2];

static void swtpm_track(struct vm *vm, pid_t pid)
{
	swtpm_pids[vm == &the_vm ? 0 : 1] = pid;
}

static void on_alarm(int sig)
{
	static const char msg[] = "not ok - vtis-vmm finished within its time bound\n";

	(void)sig;
	if (swtpm_pids[0] > 0)
		kill(swtpm_pids[0], SIGKILL);
	if (swtpm_pids[1] > 0)
		kill(swtpm_pids[1], SIGKILL);
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void on_term(int sig)
{
	(void)sig;
	if (swtpm_pids[0] > 0)
		kill(swtpm_pids[0], SIGKILL);
	if (swtpm_pids[1] > 0)
		kill(swtpm_pids[1], SIGKILL);
	_exit(4);
}

static int vcpu_create(struct vm *vm, unsigned int index);

static int vm_create(struct vm *vm)
{
	struct kvm_userspace_memory_region region;
	size_t image_len = guest_image_end - guest_image;
	int ret;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		diag("open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	ret = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		diag("KVM API version %d, want %d", ret, KVM_API_VERSION);
		return -1;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		diag("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	vm->mem = mmap(NULL, MB_GUEST_MEM, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		diag("mmap guest memory: %s", strerror(errno));
		return -1;
	}
	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = MB_GUEST_MEM;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		diag("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -1;
	}

	if (image_len > MB_CODE_MAX) {
		diag("guest image too large (%zu bytes)", image_len);
		return -1;
	}
	memcpy(vm->mem + MB_CODE_ADDR, guest_image, image_len);
	if (opt.irqchip && vm == &the_vm &&
	    ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		diag("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -1;
	}
	if (vcpu_create(vm, 0))
		return -1;
	if (opt.verbose)
		diag("VM created: %u KiB RAM, guest image %zu bytes, TSC %u kHz",
		     MB_GUEST_MEM / 1024, image_len, vm->mb->tsc_khz);
	return 0;
}

/*
 * vCPU index of the VM in vm->vm_fd (memory in vm->mem), in flat 32-bit
 * protected mode at the guest's entry, with its own stack and mailbox.
 */
static int vcpu_create(struct vm *vm, unsigned int index)
{
	struct kvm_segment seg;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint32_t mb_addr = MB_ADDR + index * MB_VCPU_STRIDE;
	int ret, khz;

	if (index >= MB_MAX_VCPUS) {
		diag("vCPU %u: the guest has mailboxes for %u", index,
		     MB_MAX_VCPUS);
		return -1;
	}
	vm->mb = (struct mailbox *)(vm->mem + mb_addr);
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, index);
	if (vm->vcpu_fd < 0) {
		diag("KVM_CREATE_VCPU: %s", strerror(errno));
		return -1;
	}
	ret = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < (int)sizeof(struct kvm_run)) {
		diag("KVM_GET_VCPU_MMAP_SIZE: %d", ret);
		return -1;
	}
	vm->run_size = ret;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		diag("mmap kvm_run: %s", strerror(errno));
		return -1;
	}

	/* Flat 32-bit protected mode: 4 GiB code and data segments. */
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
		diag("KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	memset(&seg, 0, sizeof(seg));
	seg.base = 0;
	seg.limit = 0xffffffff;
	seg.present = 1;
	seg.dpl = 0;
	seg.db = 1;
	seg.s = 1;
	seg.l = 0;
	seg.g = 1;
	seg.selector = 0x08;
	seg.type = 0x0b;		/* code: execute/read, accessed */
	sregs.cs = seg;
	seg.selector = 0x10;
	seg.type = 0x03;		/* data: read/write, accessed */
	sregs.ds = seg;
	sregs.es = seg;
	sregs.fs = seg;
	sregs.gs = seg;
	sregs.ss = seg;
	/* PE; no PG; no EM or TS: the guest uses MMX for 8-byte accesses */
	sregs.cr0 = (sregs.cr0 | 0x1) & ~(0x80000000ULL | 0xcULL);
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0) {
		diag("KVM_SET_SREGS: %s", strerror(errno));
		return -1;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = MB_CODE_ADDR;
	regs.rsp = mb_addr;
	regs.rbx = index;
	regs.rflags = 0x2;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		diag("KVM_SET_REGS: %s", strerror(errno));
		return -1;
	}

	khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0) {
		diag("KVM_GET_TSC_KHZ: %s; assuming 1 GHz", strerror(errno));
		khz = 1000000;
	}

	memset(vm->mb, 0, sizeof(*vm->mb));
	vm->mb->magic = MB_MAGIC;
	vm->mb->tis_base = (uint32_t)opt.base;
	vm->mb->tsc_khz = khz;
	vm->mb->timeout_ms = opt.guest_timeout_ms;
	vm->mb->duration_ms = opt.guest_duration_ms;
	vm->mb->poll_us = opt.poll_us;
	return 0;
}

static void vm_dump(struct vm *vm)
{
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) == 0)
		diag("guest rip=%#llx rsp=%#llx rax=%#llx rflags=%#llx",
		     (unsigned long long)regs.rip, (unsigned long long)regs.rsp,
		     (unsigned long long)regs.rax,
		     (unsigned long long)regs.rflags);
}

static void guest_log(struct vm *vm, uint8_t c)
{
	if (c == '\n' || vm->log_len == sizeof(vm->log) - 1) {
		vm->log[vm->log_len] = 0;
		diag("guest: %s", vm->log);
		vm->log_len = 0;
		if (c == '\n')
			return;
	}
	if (c >= 0x20 && c < 0x7f)
		vm->log[vm->log_len++] = c;
}

static bool in_tis_window(uint64_t addr)
{
	return addr >= opt.base && addr - opt.base < KVM_VTIS_WINDOW_SIZE;
}

/*
 * Run the vCPU until the guest hands over through MB_PORT_DONE.  TIS
 * accesses that exit here are counted and answered like an absent device
 * (reads all ones, writes dropped).  Returns 0 with the value the guest
 * wrote, or -1 when the guest cannot continue.
 */
static int vm_run(struct vm *vm, uint32_t *value)
{
	struct kvm_run *run = vm->run;
	uint8_t *io;

	if (vm->dead)
		return -1;
	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			diag("KVM_RUN: %s", strerror(errno));
			goto dead;
		}
		vm->exits++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			vm->exits_io++;
			io = (uint8_t *)run + run->io.data_offset;
			if (run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.port == MB_PORT_DONE &&
			    run->io.size == 4 && run->io.count == 1) {
				memcpy(value, io, 4);
				return 0;
			}
			if (run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.port == MB_PORT_FAULT) {
				vm->fault_vector = vm->mb->fault[0];
				diag("guest CPU exception: vector %u, error code %#x, eip %#x",
				     vm->mb->fault[0], vm->mb->fault[1],
				     vm->mb->fault[2]);
				goto dead;
			}
			if (run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.port == MB_PORT_LOG && run->io.size == 1) {
				uint32_t i;

				for (i = 0; i < run->io.count; i++)
					guest_log(vm, io[i]);
				continue;
			}
			diag("unexpected I/O exit: port %#x dir %u size %u",
			     run->io.port, run->io.direction, run->io.size);
			goto dead;
		case KVM_EXIT_MMIO:
			vm->exits_mmio++;
			if (in_tis_window(run->mmio.phys_addr)) {
				vm->exits_mmio_tis++;
				if (opt.verbose && vm->exits_mmio_tis <= 8)
					diag("MMIO exit: %s %#llx len %u",
					     run->mmio.is_write ? "write" : "read",
					     (unsigned long long)run->mmio.phys_addr,
					     run->mmio.len);
				if (!run->mmio.is_write)
					memset(run->mmio.data, 0xff,
					       sizeof(run->mmio.data));
				continue;
			}
			diag("MMIO exit outside the TIS window: %#llx",
			     (unsigned long long)run->mmio.phys_addr);
			goto dead;
		case KVM_EXIT_HLT:
			vm->exits_other++;
			diag("guest halted");
			goto dead;
		case KVM_EXIT_SHUTDOWN:
			vm->exits_other++;
			diag("guest shut down (triple fault)");
			goto dead;
		case KVM_EXIT_FAIL_ENTRY:
			vm->exits_other++;
			diag("VM entry failed: reason %#llx",
			     (unsigned long long)
			     run->fail_entry.hardware_entry_failure_reason);
			goto dead;
		case KVM_EXIT_INTERNAL_ERROR:
			vm->exits_other++;
			diag("KVM internal error, suberror %u",
			     run->internal.suberror);
			goto dead;
		case KVM_EXIT_INTR:
			vm->exits_other++;
			continue;
		default:
			vm->exits_other++;
			diag("unexpected exit reason %u", run->exit_reason);
			goto dead;
		}
	}
dead:
	vm_dump(vm);
	vm->dead = true;
	return -1;
}

static const char *const status_names[MB_E_COUNT] = {
	[MB_OK] = "success",
	[MB_E_BAD_OP] = "unknown operation",
	[MB_E_BAD_ARG] = "bad argument",
	[MB_E_STARTUP] = "ACCESS.tpmRegValidSts never set",
	[MB_E_LOCALITY] = "locality not granted in time",
	[MB_E_STS_INVALID] = "STS bits 0x23 not zero",
	[MB_E_READY] = "commandReady not reached in time",
	[MB_E_BURST] = "burstCount stayed 0",
	[MB_E_VALID] = "stsValid not set in time",
	[MB_E_EXPECT_EARLY] = "Expect cleared before the last byte",
	[MB_E_EXPECT_LATE] = "Expect still set after the last byte",
	[MB_E_DURATION] = "no dataAvail in time after go",
	[MB_E_RESP_SHORT] = "response shorter than its header",
	[MB_E_RESP_SIZE] = "response size field out of range",
	[MB_E_DATA_LEFT] = "dataAvail still set after the response",
	[MB_E_NOT_TPM2] = "not a TPM 2.0",
};

static const char *status_name(uint32_t st)
{
	if (st < MB_E_COUNT && status_names[st])
		return status_names[st];
	return "unknown guest status";
}

/* Run one guest operation.  Returns the guest's status, or -1. */
static int guest_op(struct vm *vm, uint32_t op, unsigned int loc,
		    uint32_t flags)
{
	struct mailbox *mb = vm->mb;
	uint32_t value;

	mb->op = op;
	mb->locality = loc;
	mb->flags = flags;
	mb->seq++;
	mb->status = ~0u;
	if (vm_run(vm, &value))
		return -1;
	if (value != mb->seq || mb->done_seq != mb->seq) {
		diag("guest handed over %#x for operation %u", value, mb->seq);
		vm->dead = true;
		return -1;
	}
	if (mb->status != MB_OK) {
		diag("guest: %s (last STS %#x)", status_name(mb->status),
		     mb->last_sts);
		if (opt.verbose && mb->resp_len)
			hexdump("partial response", mb->resp,
				mb->resp_len < 64 ? mb->resp_len : 64);
	}
	return (int)mb->status;
}

static int guest_read(struct vm *vm, unsigned int loc, uint32_t off,
		      unsigned int width, uint32_t *val)
{
	int st;

	vm->mb->arg0 = off;
	vm->mb->arg1 = width;
	st = guest_op(vm, MB_OP_READ, loc, 0);
	*val = vm->mb->arg2;
	return st;
}

static int guest_boot(struct vm *vm)
{
	uint32_t value;

	if (vm_run(vm, &value))
		return -1;
	if (value != MB_READY) {
		diag("guest's first hand-over is %#x", value);
		return -1;
	}
	return 0;
}

static uint32_t guest_accesses(struct vm *vm)
{
	return vm->mb->mmio_reads + vm->mb->mmio_writes + vm->ap_reads +
	       vm->ap_writes;
}

/* ---- kvm_vtis and swtpm ------------------------------------------------ */

static int vtis_info(struct vm *vm, struct kvm_vtis_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->id = vm->id;
	return ioctl(vm->vtis_fd, KVM_VTIS_INFO, info);
}

static int vtis_stats(struct vm *vm, struct kvm_vtis_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->id = vm->id;
	return ioctl(vm->vtis_fd, KVM_VTIS_STATS, st);
}

static bool emu_name_ok(const char *name)
{
	size_t i, n = strnlen(name, KVM_VTIS_NAME_LEN);

	if (n == 0 || n == KVM_VTIS_NAME_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	return true;
}

static int vtis_attach(struct vm *vm)
{
	struct kvm_vtis_attach a;
	FILE *f;

	vm->vtis_fd = open("/dev/kvm-vtis", O_RDWR | O_CLOEXEC);
	if (vm->vtis_fd < 0) {
		result(false, "attach: open /dev/kvm-vtis (%s)",
		       strerror(errno));
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.vm_fd = vm->vm_fd;
	a.base = opt.base;
	a.family = opt.tpm12 ? KVM_VTIS_TPM_1_2 : KVM_VTIS_TPM_2_0;
	a.backend = KVM_VTIS_BACKEND_EMULATOR;
	if (opt.host_tpm && vm == &the_vm) {
		a.backend = KVM_VTIS_BACKEND_HOST_TPM;
		a.tpm_index = opt.tpm_index;
	}
	if (ioctl(vm->vtis_fd, KVM_VTIS_ATTACH, &a) < 0) {
		result(false, "attach: KVM_VTIS_ATTACH to the VM (%s)",
		       strerror(errno));
		return -1;
	}
	vm->attached = true;
	vm->id = a.id;
	memcpy(vm->emu_name, a.emu_name, sizeof(vm->emu_name));
	vm->emu_name[sizeof(vm->emu_name) - 1] = 0;
	if (a.backend == KVM_VTIS_BACKEND_HOST_TPM) {
		result(a.id != 0 && !a.emu_name[0] && a.family == KVM_VTIS_TPM_2_0,
		       "attach: device %u on the host TPM tpm%u at %#llx, TPM %s, no emulator",
		       a.id, opt.tpm_index, (unsigned long long)opt.base,
		       a.family == KVM_VTIS_TPM_2_0 ? "2.0" : "1.2");
		return a.id ? 0 : -1;
	}
	if (a.id == 0 || !emu_name_ok(a.emu_name)) {
		result(false, "attach: KVM_VTIS_ATTACH returns an id and an emulator name (id %u, name \"%s\")",
		       a.id, vm->emu_name);
		return -1;
	}
	result(true, "attach: TPM %s device %u at %#llx, emulator /dev/%s",
	       opt.tpm12 ? "1.2" : "2.0", a.id, (unsigned long long)opt.base,
	       vm->emu_name);
	if (opt.emu_file && vm == &the_vm) {
		f = fopen(opt.emu_file, "w");
		if (!f || fprintf(f, "%s\n", vm->emu_name) < 0 || fclose(f)) {
			diag("write %s: %s", opt.emu_file, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void vtis_detach(struct vm *vm)
{
	struct kvm_vtis_detach det;

	memset(&det, 0, sizeof(det));
	det.size = sizeof(det);
	det.id = vm->id;
	if (ioctl(vm->vtis_fd, KVM_VTIS_DETACH, &det) == 0) {
		result(true, "detach: device %u detached", vm->id);
		vm->attached = false;
	} else {
		result(false, "detach: device %u detached (%s)", vm->id,
		       strerror(errno));
	}
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int swtpm_spawn(struct vm *vm)
{
	char dev[16 + KVM_VTIS_NAME_LEN], state[16 + sizeof(vm->state_dir)];
	char ctrl[32 + sizeof(vm->ctrl)];
	const char *argv[18];
	unsigned int i, n = 0;
	pid_t pid;

	snprintf(dev, sizeof(dev), "/dev/%s", vm->emu_name);
	/* The node appears through devtmpfs/udev; allow a moment. */
	for (i = 0; i < 50 && access(dev, R_OK | W_OK); i++)
		sleep_ms(100);
	if (access(dev, R_OK | W_OK)) {
		result(false, "swtpm: %s exists (%s)", dev, strerror(errno));
		return -1;
	}
	if (vm->state_dir[0]) {
		/* A restart: the same state as before. */
	} else if (opt.state_dir) {
		snprintf(vm->state_dir, sizeof(vm->state_dir), "%s",
			 opt.state_dir);
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(vm->state_dir, sizeof(vm->state_dir),
			 "%s/vtis-vmm.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(vm->state_dir)) {
			diag("mkdtemp %s: %s", vm->state_dir, strerror(errno));
			return -1;
		}
		vm->own_state_dir = true;
	}
	snprintf(state, sizeof(state), "dir=%s", vm->state_dir);
	snprintf(vm->ctrl, sizeof(vm->ctrl), "%s/ctrl.sock", vm->state_dir);
	snprintf(ctrl, sizeof(ctrl), "type=unixio,path=%s", vm->ctrl);
	argv[n++] = opt.swtpm;
	argv[n++] = "chardev";
	argv[n++] = "--chardev";
	argv[n++] = dev;
	if (!opt.tpm12)
		argv[n++] = "--tpm2";
	argv[n++] = "--tpmstate";
	argv[n++] = state;
	argv[n++] = "--locality";
	argv[n++] = "allow-set-locality";
	argv[n++] = "--flags";
	argv[n++] = "not-need-init,startup-clear";
	/* The control channel: CMD_INIT after a reset, state blobs. */
	argv[n++] = "--ctrl";
	argv[n++] = ctrl;
	argv[n] = NULL;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		diag("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* stdout carries results: swtpm's chatter goes to stderr. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	vm->swtpm_pid = pid;
	swtpm_track(vm, pid);
	diag("started %s chardev --chardev %s%s (pid %d, state %s)",
	     opt.swtpm, dev, opt.tpm12 ? "" : " --tpm2", pid, vm->state_dir);
	return 0;
}

/* Wait until an emulator holds the device's char device. */
static int wait_emulator(struct vm *vm)
{
	struct kvm_vtis_info info;
	unsigned int i, steps = opt.wait_emu * 20;
	int status;

	for (i = 0; i <= steps; i++) {
		if (vtis_info(vm, &info) < 0) {
			result(false, "swtpm: KVM_VTIS_INFO answers (%s)",
			       strerror(errno));
			return -1;
		}
		if (info.state & KVM_VTIS_STATE_EMU_CONNECTED) {
			result(true, "swtpm: emulator connected to /dev/%s",
			       vm->emu_name);
			return 0;
		}
		if (vm->swtpm_pid > 0 &&
		    waitpid(vm->swtpm_pid, &status, WNOHANG) == vm->swtpm_pid) {
			vm->swtpm_pid = 0;
			swtpm_track(vm, 0);
			result(false, "swtpm: emulator connected to /dev/%s (swtpm exited, status %#x)",
			       vm->emu_name, status);
			return -1;
		}
		sleep_ms(50);
	}
	result(false, "swtpm: emulator connected to /dev/%s within %u s",
	       vm->emu_name, opt.wait_emu);
	return -1;
}

static void remove_state_dir(struct vm *vm)
{
	struct dirent *de;
	DIR *d;
	int dfd;

	if (!vm->own_state_dir)
		return;
	d = opendir(vm->state_dir);
	if (d) {
		dfd = dirfd(d);
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dfd, de->d_name, 0);
		closedir(d);
	}
	rmdir(vm->state_dir);
}

/* Wait up to ms for swtpm to exit by itself; kill it otherwise. */
static bool swtpm_reap(struct vm *vm, unsigned int ms)
{
	unsigned int waited;
	int status;

	if (vm->swtpm_pid <= 0)
		return true;
	for (waited = 0; waited <= ms; waited += 20) {
		if (waitpid(vm->swtpm_pid, &status, WNOHANG) == vm->swtpm_pid) {
			vm->swtpm_pid = 0;
			swtpm_track(vm, 0);
			if (opt.verbose)
				diag("swtpm exited, status %#x", status);
			return true;
		}
		sleep_ms(20);
	}
	kill(vm->swtpm_pid, SIGKILL);
	waitpid(vm->swtpm_pid, &status, 0);
	vm->swtpm_pid = 0;
	swtpm_track(vm, 0);
	return false;
}

static void vm_destroy(struct vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	vm->run = NULL;
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	vm->vcpu_fd = -1;
	vm->vm_fd = -1;
}

/* ---- TPM commands ------------------------------------------------------ */

#define TPM2_ST_NO_SESSIONS	0x8001
#define TPM2_ST_SESSIONS	0x8002
#define TPM2_CC_HASH		0x0000017d
#define TPM2_CC_GET_RANDOM	0x0000017b
#define TPM2_CC_PCR_READ	0x0000017e
#define TPM2_CC_PCR_EXTEND	0x00000182
#define TPM2_ALG_SHA256		0x000b
#define TPM2_RH_NULL		0x40000007
#define TPM2_RS_PW		0x40000009
#define TPM2_RC_SUCCESS		0x000
#define TPM2_RC_LOCALITY	0x907
#define TPM2_RC_SIZE_P1		0x1d5	/* TPM_RC_SIZE, parameter 1 */

#define TPM_TAG_RQU_COMMAND	0x00c1
#define TPM_TAG_RSP_COMMAND	0x00c4
#define TPM_ORD_EXTEND		0x00000014
#define TPM_ORD_PCR_READ	0x00000015
#define TPM_ORD_GET_RANDOM	0x00000046

struct cmdbuf {
	uint8_t d[4096];
	size_t n;
	bool overflow;
};

static void put8(struct cmdbuf *b, uint8_t v)
{
	if (b->n < sizeof(b->d))
		b->d[b->n++] = v;
	else
		b->overflow = true;
}

static void put16(struct cmdbuf *b, uint16_t v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void put32(struct cmdbuf *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v);
}

static void putbytes(struct cmdbuf *b, const void *p, size_t n)
{
	const uint8_t *s = p;

	while (n--)
		put8(b, *s++);
}

static void cmd_start(struct cmdbuf *b, uint16_t tag, uint32_t code)
{
	b->n = 0;
	b->overflow = false;
	put16(b, tag);
	put32(b, 0);		/* size, set by cmd_end */
	put32(b, code);
}

static void cmd_end(struct cmdbuf *b)
{
	b->d[2] = b->n >> 24;
	b->d[3] = b->n >> 16;
	b->d[4] = b->n >> 8;
	b->d[5] = b->n;
}

/* A response, parsed with bounds checks. */
struct resp {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;		/* read past the end */
	uint16_t tag;
	uint32_t rc;
};

static uint32_t get(struct resp *r, unsigned int bytes)
{
	uint32_t v = 0;

	if (r->len - r->off < bytes) {
		r->bad = true;
		r->off = r->len;
		return 0;
	}
	while (bytes--)
		v = (v << 8) | r->p[r->off++];
	return v;
}

static const uint8_t *getbytes(struct resp *r, size_t n)
{
	const uint8_t *p = r->p + r->off;

	if (r->len - r->off < n) {
		r->bad = true;
		r->off = r->len;
		return NULL;
	}
	r->off += n;
	return p;
}

/*
 * Send cmd from locality loc through the guest's driver.  Returns 0 when
 * the guest received a well-formed response (header size == bytes read);
 * r then holds tag and rc and points past the header.
 */
static int tpm_op(struct vm *vm, uint32_t op, unsigned int loc,
		  uint32_t flags, const struct cmdbuf *cmd, struct resp *r,
		  const char *what)
{
	struct mailbox *mb = vm->mb;
	uint32_t size;
	int st;

	memset(r, 0, sizeof(*r));
	if (cmd) {
		if (cmd->overflow) {
			result(false, "%s: command fits the buffer", what);
			return -1;
		}
		memcpy(mb->cmd, cmd->d, cmd->n);
		mb->cmd_len = cmd->n;
	}
	st = guest_op(vm, op, loc, flags);
	if (st) {
		result(false, "%s: the guest's driver completes the command (%s)",
		       what, st < 0 ? "guest stopped" : status_name(st));
		return -1;
	}
	if (op == MB_OP_SEND)
		return 0;
	r->p = mb->resp;
	r->len = mb->resp_len;
	if (r->len < 10 || r->len > MB_BUF_SIZE) {
		result(false, "%s: response of %zu bytes", what, r->len);
		return -1;
	}
	r->tag = get(r, 2);
	size = get(r, 4);
	r->rc = get(r, 4);
	if (size != r->len) {
		result(false, "%s: response header size %u equals bytes read %zu",
		       what, size, r->len);
		return -1;
	}
	if (opt.verbose)
		diag("%s: locality %u, response tag %#x rc %#x, %zu bytes",
		     what, loc, r->tag, r->rc, r->len);
	return 0;
}

/*
 * Send cmd from locality loc through the guest's driver.  Returns 0 when
 * the guest received a well-formed response (header size == bytes read);
 * r then holds tag and rc and points past the header.
 */
static int tpm_transmit(struct vm *vm, unsigned int loc, uint32_t flags,
			const struct cmdbuf *cmd, struct resp *r,
			const char *what)
{
	return tpm_op(vm, MB_OP_TRANSMIT, loc, flags, cmd, r, what);
}

static void tpm2_cmd_get_random(struct cmdbuf *b, uint16_t n)
{
	cmd_start(b, TPM2_ST_NO_SESSIONS, TPM2_CC_GET_RANDOM);
	put16(b, n);
	cmd_end(b);
}

static void tpm2_cmd_pcr_read(struct cmdbuf *b, unsigned int pcr)
{
	cmd_start(b, TPM2_ST_NO_SESSIONS, TPM2_CC_PCR_READ);
	put32(b, 1);			/* TPML_PCR_SELECTION.count */
	put16(b, TPM2_ALG_SHA256);
	put8(b, 3);			/* sizeofSelect */
	put8(b, pcr < 8 ? 1 << pcr : 0);
	put8(b, pcr >= 8 && pcr < 16 ? 1 << (pcr - 8) : 0);
	put8(b, pcr >= 16 && pcr < 24 ? 1 << (pcr - 16) : 0);
	cmd_end(b);
}

static void tpm2_cmd_pcr_extend(struct cmdbuf *b, unsigned int pcr,
				const uint8_t digest[SHA256_DIGEST_SIZE])
{
	cmd_start(b, TPM2_ST_SESSIONS, TPM2_CC_PCR_EXTEND);
	put32(b, pcr);
	put32(b, 9);			/* authorizationSize */
	put32(b, TPM2_RS_PW);
	put16(b, 0);			/* nonce */
	put8(b, 0);			/* session attributes */
	put16(b, 0);			/* empty password */
	put32(b, 1);			/* TPML_DIGEST_VALUES.count */
	put16(b, TPM2_ALG_SHA256);
	putbytes(b, digest, SHA256_DIGEST_SIZE);
	cmd_end(b);
}

static void tpm2_cmd_hash(struct cmdbuf *b, const uint8_t *data, uint16_t n)
{
	cmd_start(b, TPM2_ST_NO_SESSIONS, TPM2_CC_HASH);
	put16(b, n);
	putbytes(b, data, n);
	put16(b, TPM2_ALG_SHA256);
	put32(b, TPM2_RH_NULL);
	cmd_end(b);
}

/* GetRandom(n) of the attached family. */
static void cmd_get_random_any(struct cmdbuf *b, uint16_t n)
{
	if (opt.tpm12) {
		cmd_start(b, TPM_TAG_RQU_COMMAND, TPM_ORD_GET_RANDOM);
		put32(b, n);
		cmd_end(b);
	} else {
		tpm2_cmd_get_random(b, n);
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* TPM2_GetRandom(n): checks tag, rc and size; copies the bytes. */
static int tpm2_get_random(struct vm *vm, unsigned int loc, uint32_t flags,
			   uint8_t *out, uint16_t n, const char *what)
{
	struct cmdbuf b;
	struct resp r;
	const uint8_t *p;
	uint16_t got;

	tpm2_cmd_get_random(&b, n);
	if (tpm_transmit(vm, loc, flags, &b, &r, what))
		return -1;
	if (r.tag != TPM2_ST_NO_SESSIONS || r.rc != TPM2_RC_SUCCESS) {
		result(false, "%s: TPM2_GetRandom succeeds (tag %#x rc %#x)",
		       what, r.tag, r.rc);
		return -1;
	}
	got = get(&r, 2);
	p = getbytes(&r, got);
	if (r.bad || got != n || r.off != r.len) {
		result(false, "%s: TPM2_GetRandom returns %u bytes (got %u in a %zu byte response)",
		       what, n, got, r.len);
		return -1;
	}
	memcpy(out, p, n);
	return 0;
}

/* TPM2_PCR_Read of one sha256 PCR, with the response's structure checked. */
static int tpm2_pcr_read(struct vm *vm, unsigned int loc, uint32_t flags,
			 unsigned int pcr, uint8_t out[SHA256_DIGEST_SIZE],
			 const char *what)
{
	struct cmdbuf b;
	struct resp r;
	uint32_t count, dcount;
	uint16_t alg, dsize;
	uint8_t sel_size, sel[3];
	const uint8_t *p;

	tpm2_cmd_pcr_read(&b, pcr);
	if (tpm_transmit(vm, loc, flags, &b, &r, what))
		return -1;
	if (r.tag != TPM2_ST_NO_SESSIONS || r.rc != TPM2_RC_SUCCESS) {
		result(false, "%s: TPM2_PCR_Read succeeds (tag %#x rc %#x)",
		       what, r.tag, r.rc);
		return -1;
	}
	get(&r, 4);			/* pcrUpdateCounter */
	count = get(&r, 4);
	alg = get(&r, 2);
	sel_size = get(&r, 1);
	sel[0] = get(&r, 1);
	sel[1] = get(&r, 1);
	sel[2] = get(&r, 1);
	dcount = get(&r, 4);
	dsize = get(&r, 2);
	p = getbytes(&r, dsize);
	if (r.bad || count != 1 || alg != TPM2_ALG_SHA256 || sel_size != 3 ||
	    !(sel[pcr / 8] & (1 << (pcr % 8))) || dcount != 1 ||
	    dsize != SHA256_DIGEST_SIZE || r.off != r.len) {
		result(false, "%s: TPM2_PCR_Read returns one sha256 digest of PCR %u",
		       what, pcr);
		hexdump("response", r.p, r.len);
		return -1;
	}
	memcpy(out, p, SHA256_DIGEST_SIZE);
	return 0;
}

/* TPM2_PCR_Extend; returns the TPM's rc, or -1 on a transport failure. */
static int64_t tpm2_pcr_extend(struct vm *vm, unsigned int loc, uint32_t flags,
			       unsigned int pcr,
			       const uint8_t digest[SHA256_DIGEST_SIZE],
			       const char *what)
{
	struct cmdbuf b;
	struct resp r;

	tpm2_cmd_pcr_extend(&b, pcr, digest);
	if (tpm_transmit(vm, loc, flags, &b, &r, what))
		return -1;
	if (r.rc == TPM2_RC_SUCCESS && r.tag != TPM2_ST_SESSIONS) {
		result(false, "%s: TPM2_PCR_Extend response carries sessions (tag %#x)",
		       what, r.tag);
		return -1;
	}
	return r.rc;
}

static void test_digest(uint8_t out[SHA256_DIGEST_SIZE], const char *label)
{
	char buf[128];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, sizeof(buf), "vtis-vmm %s %d %ld.%09ld", label,
		 (int)getpid(), (long)ts.tv_sec, ts.tv_nsec);
	sha256(buf, strlen(buf), out);
}

/* ---- scenarios --------------------------------------------------------- */

static bool hex_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) == 0;
}

static void scenario_probe(struct vm *vm)
{
	const uint32_t *val = vm->mb->val;
	uint32_t did, caps, ifver, sts, fam;
	int st;

	st = guest_op(vm, MB_OP_PROBE, 0, 0);
	did = val[MB_V_DID_VID];
	result(did != 0 && did != 0xffffffff && (did & 0xffff) != 0xffff,
	       "probe: DID_VID reads a vendor and device id (%#010x)", did);
	if (st) {
		result(false, "probe: the guest's probe sequence completes (%s)",
		       st < 0 ? "guest stopped" : status_name(st));
		return;
	}
	result(true, "probe: ACCESS(0).tpmRegValidSts set (ACCESS %#04x)",
	       val[MB_V_ACCESS0_BEFORE]);
	result(!(val[MB_V_ACCESS0_BEFORE] & 0x26),
	       "probe: no locality active or requested at power-on (ACCESS %#04x)",
	       val[MB_V_ACCESS0_BEFORE]);
	result(!(val[MB_V_INT_ENABLE] & 0x80000000u),
	       "probe: interrupts globally disabled at reset (INT_ENABLE %#010x)",
	       val[MB_V_INT_ENABLE]);
	result(true, "probe: locality 0 granted (ACCESS %#04x)",
	       val[MB_V_ACCESS0_ACTIVE]);
	sts = val[MB_V_STS32];
	fam = (sts >> 26) & 3;
	result(!(sts & 0x23) && fam == (opt.tpm12 ? 0u : 1u),
	       "probe: STS reads tpmFamily %s with reserved bits 0 (STS %#010x)",
	       opt.tpm12 ? "1.2" : "2.0", sts);
	result(val[MB_V_TPM2] == !opt.tpm12,
	       "probe: TPM2_GetCapability reply identifies a TPM %s (tag %02x%02x)",
	       opt.tpm12 ? "1.2" : "2.0", vm->mb->resp[0], vm->mb->resp[1]);
	caps = val[MB_V_INTF_CAPS];
	ifver = (caps >> 28) & 7;
	result(caps != 0xffffffff &&
	       (opt.tpm12 ? (ifver == 0 || ifver == 2) : ifver == 3),
	       "probe: INTF_CAPABILITY interface version %u fits TPM %s (%#010x)",
	       ifver, opt.tpm12 ? "1.2" : "2.0", caps);
	diag("probe: RID %#04x, INTERFACE_ID %#010x", val[MB_V_RID],
	     val[MB_V_IFACE_ID]);
	result((val[MB_V_ACCESS0_AFTER] & 0xa0) == 0x80,
	       "probe: locality 0 relinquished (ACCESS %#04x)",
	       val[MB_V_ACCESS0_AFTER]);
}

static void scenario_getrandom(struct vm *vm)
{
	uint8_t a[32], b[32], zero[32] = { 0 };

	if (tpm2_get_random(vm, 0, 0, a, sizeof(a), "getrandom"))
		return;
	if (tpm2_get_random(vm, 0, 0, b, sizeof(b), "getrandom"))
		return;
	result(!hex_eq(a, zero, 32) && !hex_eq(a, b, 32),
	       "getrandom: two TPM2_GetRandom(32) give 32 distinct non-zero bytes each");
}

/* Read pcr, extend it with a fresh digest, read again, compare. */
static bool extend_and_check(struct vm *vm, unsigned int loc, uint32_t flags,
			     unsigned int pcr, const char *what)
{
	uint8_t old[32], d[32], now[32], cat[64], want[32];
	int64_t rc;

	if (tpm2_pcr_read(vm, loc, flags, pcr, old, what))
		return false;
	test_digest(d, what);
	rc = tpm2_pcr_extend(vm, loc, flags, pcr, d, what);
	if (rc < 0)
		return false;
	if (rc != TPM2_RC_SUCCESS) {
		result(false, "%s: TPM2_PCR_Extend of PCR %u at locality %u succeeds (rc %#llx)",
		       what, pcr, loc, (long long)rc);
		return false;
	}
	if (tpm2_pcr_read(vm, loc, flags, pcr, now, what))
		return false;
	memcpy(cat, old, 32);
	memcpy(cat + 32, d, 32);
	sha256(cat, sizeof(cat), want);
	if (!hex_eq(now, want, 32)) {
		result(false, "%s: PCR %u equals SHA-256(old || digest) after the extend",
		       what, pcr);
		hexdump("old", old, 32);
		hexdump("digest", d, 32);
		hexdump("read", now, 32);
		hexdump("want", want, 32);
		return false;
	}
	return true;
}

static void scenario_extend(struct vm *vm)
{
	if (extend_and_check(vm, 0, 0, 16, "extend"))
		result(true, "extend: sha256 PCR 16 equals SHA-256(old || digest) after TPM2_PCR_Extend");
}

static void scenario_bigcmd(struct vm *vm)
{
	static uint8_t data[4096];
	uint8_t want[32];
	struct cmdbuf b;
	struct resp r;
	const uint8_t *p;
	uint16_t n;
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8) + 1);

	/* The largest TPM2_Hash the TPM accepts: content checked. */
	tpm2_cmd_hash(&b, data, 1024);
	if (tpm_transmit(vm, 0, 0, &b, &r, "bigcmd"))
		return;
	n = get(&r, 2);
	p = getbytes(&r, n);
	sha256(data, 1024, want);
	result(r.rc == TPM2_RC_SUCCESS && !r.bad && n == 32 &&
	       hex_eq(p, want, 32),
	       "bigcmd: TPM2_Hash of 1024 bytes (%zu byte command) equals SHA-256 of the data (rc %#x)",
	       b.n, r.rc);

	/*
	 * 4000 and 4096 byte commands: larger than any TPM2_Hash buffer, so
	 * the TPM parses the whole command and refuses parameter 1 by size.
	 * A truncated or padded command gets TPM_RC_COMMAND_SIZE instead.
	 */
	tpm2_cmd_hash(&b, data, 4000 - 18);
	if (tpm_transmit(vm, 0, 0, &b, &r, "bigcmd"))
		return;
	result(b.n == 4000 && r.rc == TPM2_RC_SIZE_P1,
	       "bigcmd: a %zu byte TPM2_Hash reaches the TPM whole (rc %#x, want %#x)",
	       b.n, r.rc, TPM2_RC_SIZE_P1);
	tpm2_cmd_hash(&b, data, 4096 - 18);
	if (tpm_transmit(vm, 0, 0, &b, &r, "bigcmd"))
		return;
	result(b.n == 4096 && r.rc == TPM2_RC_SIZE_P1,
	       "bigcmd: a %zu byte TPM2_Hash (the whole buffer) reaches the TPM whole (rc %#x, want %#x)",
	       b.n, r.rc, TPM2_RC_SIZE_P1);
}

static int read_access(struct vm *vm, unsigned int loc, uint32_t *v)
{
	if (guest_read(vm, loc, 0x00, 1, v)) {
		result(false, "localities: read ACCESS(%u)", loc);
		return -1;
	}
	return 0;
}

#define ACC_VALID	0x80
#define ACC_ACTIVE	0x20
#define ACC_PENDING	0x04
#define ACC_REQUEST	0x02

/*
 * Localities 0 and 2 take turns.  PCR 21 can be extended from locality 2
 * only (PC Client PCR attributes), so the TPM's answer shows which
 * locality the emulator was told about.
 */
static void scenario_localities(struct vm *vm)
{
	uint8_t d[32], rnd[16];
	uint32_t a0, a2;
	int64_t rc;
	int round;

	if (read_access(vm, 0, &a0) || read_access(vm, 2, &a2))
		return;
	result((a0 & (ACC_VALID | ACC_ACTIVE)) == ACC_VALID &&
	       (a2 & (ACC_VALID | ACC_ACTIVE)) == ACC_VALID,
	       "localities: none active at start (ACCESS(0) %#04x, ACCESS(2) %#04x)",
	       a0, a2);

	if (guest_op(vm, MB_OP_REQUEST, 0, 0)) {
		result(false, "localities: locality 0 granted");
		return;
	}
	test_digest(d, "locality0");
	rc = tpm2_pcr_extend(vm, 0, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH, 21,
			     d, "localities");
	if (rc < 0)
		return;
	result(rc == TPM2_RC_LOCALITY,
	       "localities: PCR 21 extend from locality 0 refused with TPM_RC_LOCALITY (rc %#llx)",
	       (long long)rc);

	/* Locality 2 asks while 0 holds the TPM. */
	if (guest_op(vm, MB_OP_REQUEST_NOWAIT, 2, 0) ||
	    read_access(vm, 0, &a0) || read_access(vm, 2, &a2))
		return;
	result((a0 & (ACC_ACTIVE | ACC_PENDING)) == (ACC_ACTIVE | ACC_PENDING) &&
	       (a2 & (ACC_ACTIVE | ACC_REQUEST | ACC_PENDING)) == ACC_REQUEST,
	       "localities: request from 2 pends while 0 is active (ACCESS(0) %#04x, ACCESS(2) %#04x)",
	       a0, a2);
	if (guest_op(vm, MB_OP_RELINQUISH, 0, 0) ||
	    read_access(vm, 0, &a0) || read_access(vm, 2, &a2))
		return;
	result(!(a0 & ACC_ACTIVE) &&
	       (a2 & (ACC_ACTIVE | ACC_REQUEST)) == ACC_ACTIVE,
	       "localities: relinquish by 0 hands the TPM to 2 (ACCESS(0) %#04x, ACCESS(2) %#04x)",
	       a0, a2);

	if (extend_and_check(vm, 2, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH, 21,
			     "localities"))
		result(true, "localities: PCR 21 extended from locality 2, value checked");
	if (guest_op(vm, MB_OP_RELINQUISH, 2, 0) ||
	    read_access(vm, 0, &a0) || read_access(vm, 2, &a2))
		return;
	result(!(a0 & ACC_ACTIVE) && !(a2 & ACC_ACTIVE),
	       "localities: none active after 2 relinquishes (ACCESS(0) %#04x, ACCESS(2) %#04x)",
	       a0, a2);

	/* Turns, each with request and relinquish around the command. */
	for (round = 0; round < 3; round++) {
		char what[32];

		snprintf(what, sizeof(what), "localities round %d", round);
		if (tpm2_get_random(vm, 0, 0, rnd, sizeof(rnd), what))
			return;
		test_digest(d, what);
		rc = tpm2_pcr_extend(vm, 0, 0, 21, d, what);
		if (rc < 0)
			return;
		if (rc != TPM2_RC_LOCALITY) {
			result(false, "%s: PCR 21 extend from locality 0 refused (rc %#llx)",
			       what, (long long)rc);
			return;
		}
		if (tpm2_get_random(vm, 2, 0, rnd, sizeof(rnd), what))
			return;
		if (!extend_and_check(vm, 2, 0, 21, what))
			return;
		if (read_access(vm, 0, &a0) || read_access(vm, 2, &a2))
			return;
		if ((a0 & ACC_ACTIVE) || (a2 & ACC_ACTIVE)) {
			result(false, "%s: no locality active between commands (ACCESS(0) %#04x, ACCESS(2) %#04x)",
			       what, a0, a2);
			return;
		}
	}
	result(true, "localities: 3 rounds of 0 and 2 taking turns, each command answered at its own locality");
}

static int64_t tpm12_pcr_read(struct vm *vm, unsigned int pcr, uint8_t out[20])
{
	struct cmdbuf b;
	struct resp r;
	const uint8_t *p;

	cmd_start(&b, TPM_TAG_RQU_COMMAND, TPM_ORD_PCR_READ);
	put32(&b, pcr);
	cmd_end(&b);
	if (tpm_transmit(vm, 0, 0, &b, &r, "tpm12"))
		return -1;
	p = getbytes(&r, 20);
	if (r.tag != TPM_TAG_RSP_COMMAND || r.rc || r.bad || r.off != r.len) {
		result(false, "tpm12: TPM_PCRRead(%u) returns a 20-byte digest (tag %#x rc %#x, %zu bytes)",
		       pcr, r.tag, r.rc, r.len);
		return -1;
	}
	memcpy(out, p, 20);
	return 0;
}

static void scenario_tpm12(struct vm *vm)
{
	uint8_t old[20], d[20], ext[20], now[20], cat[40], want[20], s[32];
	struct cmdbuf b;
	struct resp r;
	const uint8_t *p;
	uint32_t n;

	if (!opt.tpm12) {
		result(false, "tpm12: needs --tpm 1.2");
		return;
	}
	cmd_start(&b, TPM_TAG_RQU_COMMAND, TPM_ORD_GET_RANDOM);
	put32(&b, 20);
	cmd_end(&b);
	if (tpm_transmit(vm, 0, 0, &b, &r, "tpm12"))
		return;
	n = get(&r, 4);
	p = getbytes(&r, n);
	result(r.tag == TPM_TAG_RSP_COMMAND && r.rc == 0 && !r.bad && n == 20 &&
	       r.off == r.len && p,
	       "tpm12: TPM_GetRandom(20) returns 20 bytes (tag %#x rc %#x size %u)",
	       r.tag, r.rc, n);

	if (tpm12_pcr_read(vm, 16, old))
		return;
	test_digest(s, "tpm12");
	memcpy(d, s, 20);
	cmd_start(&b, TPM_TAG_RQU_COMMAND, TPM_ORD_EXTEND);
	put32(&b, 16);
	putbytes(&b, d, 20);
	cmd_end(&b);
	if (tpm_transmit(vm, 0, 0, &b, &r, "tpm12"))
		return;
	p = getbytes(&r, 20);
	if (r.tag != TPM_TAG_RSP_COMMAND || r.rc || r.bad || r.off != r.len) {
		result(false, "tpm12: TPM_Extend(16) succeeds (tag %#x rc %#x, %zu bytes)",
		       r.tag, r.rc, r.len);
		return;
	}
	memcpy(ext, p, 20);
	memcpy(cat, old, 20);
	memcpy(cat + 20, d, 20);
	sha1(cat, sizeof(cat), want);
	result(hex_eq(ext, want, 20),
	       "tpm12: TPM_Extend(16) returns SHA-1(old || digest)");
	if (tpm12_pcr_read(vm, 16, now))
		return;
	result(hex_eq(now, want, 20),
	       "tpm12: TPM_PCRRead(16) after the extend equals SHA-1(old || digest)");
}

/*
 * Commands back to back for loop_secs seconds.  TPM error responses (a
 * missing emulator gives the guest a failure response) are counted, not
 * failed; a command the guest's driver cannot complete fails.
 */
static void scenario_loop(struct vm *vm)
{
	uint64_t n = 0, errs = 0, t0, ms;
	struct cmdbuf b;
	struct resp r;

	cmd_get_random_any(&b, 8);
	t0 = now_ms();
	do {
		if (tpm_transmit(vm, 0, 0, &b, &r, "loop"))
			return;
		n++;
		if (r.rc)
			errs++;
		ms = now_ms() - t0;
	} while (ms < opt.loop_secs * 1000ULL);
	result(true, "loop: %llu GetRandom commands answered in %llu ms (%llu TPM error responses), %llu us each",
	       (unsigned long long)n, (unsigned long long)ms,
	       (unsigned long long)errs, (unsigned long long)(ms * 1000 / n));
}

/*
 * PCR 16 extended and read back for loop_secs seconds, each value checked:
 * run in two VMs at once, a response delivered to the wrong VM shows.
 */
static void scenario_extend_loop(struct vm *vm)
{
	uint64_t n = 0, t0, ms;

	t0 = now_ms();
	do {
		if (!extend_and_check(vm, 0, 0, 16, "extend-loop"))
			return;
		n++;
		ms = now_ms() - t0;
	} while (ms < opt.loop_secs * 1000ULL);
	result(true, "extend-loop: %llu extends of PCR 16 in %llu ms, every value checked",
	       (unsigned long long)n, (unsigned long long)ms);
}

/* One GetRandom that must succeed. */
static bool get_random_ok(struct vm *vm, const char *what)
{
	struct cmdbuf b;
	struct resp r;

	cmd_get_random_any(&b, 8);
	if (tpm_transmit(vm, 0, 0, &b, &r, what))
		return false;
	if (r.rc) {
		result(false, "%s: GetRandom succeeds (rc %#x)", what, r.rc);
		return false;
	}
	return true;
}

/* Wait up to ms for the emulator to be seen gone (or present). */
static bool wait_emu_state(struct vm *vm, bool connected, unsigned int ms)
{
	struct kvm_vtis_info info;
	unsigned int waited;

	for (waited = 0; waited <= ms; waited += 20) {
		if (vtis_info(vm, &info) < 0)
			return false;
		if (!!(info.state & KVM_VTIS_STATE_EMU_CONNECTED) == connected)
			return true;
		sleep_ms(20);
	}
	return false;
}

/*
 * A helper process that waits ms, checks that the device has a command in
 * flight, and then kills swtpm (kill_pid > 0) or detaches the device.
 * Exit status: 0 done with a command in flight, 1 no command in flight
 * (still done), 2 the action failed.
 */
static pid_t helper_start(struct vm *vm, unsigned int ms, pid_t kill_pid)
{
	struct kvm_vtis_detach det;
	struct kvm_vtis_info info;
	int in_flight;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid != 0)
		return pid;
	alarm(0);
	sleep_ms(ms);
	in_flight = vtis_info(vm, &info) == 0 &&
		    (info.state & KVM_VTIS_STATE_CMD_IN_FLIGHT);
	if (kill_pid > 0) {
		if (kill(kill_pid, SIGKILL))
			_exit(2);
	} else {
		memset(&det, 0, sizeof(det));
		det.size = sizeof(det);
		det.id = vm->id;
		if (ioctl(vm->vtis_fd, KVM_VTIS_DETACH, &det))
			_exit(2);
	}
	_exit(in_flight ? 0 : 1);
}

static int helper_wait(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void swtpm_kill(struct vm *vm)
{
	int status;

	if (vm->swtpm_pid <= 0)
		return;
	kill(vm->swtpm_pid, SIGKILL);
	waitpid(vm->swtpm_pid, &status, 0);
	vm->swtpm_pid = 0;
	swtpm_track(vm, 0);
}

/*
 * The emulator goes away while idle and in the middle of a command: the
 * guest gets a TPM failure response each time, never a hang, and swtpm
 * restarted on the same state serves the next command.
 */
static void scenario_emu_restart(struct vm *vm)
{
	struct cmdbuf b;
	struct resp r;
	uint64_t t0;
	pid_t helper;
	int hs;

	if (vm->swtpm_pid <= 0) {
		result(false, "emu-restart: needs --spawn-swtpm");
		return;
	}
	if (!get_random_ok(vm, "emu-restart"))
		return;

	/* Idle: swtpm dies between commands. */
	vm->emu_lost = true;
	swtpm_kill(vm);
	result(wait_emu_state(vm, false, 5000),
	       "emu-restart: the device sees the emulator gone after swtpm is killed");
	cmd_get_random_any(&b, 8);
	t0 = now_ms();
	if (tpm_transmit(vm, 0, 0, &b, &r, "emu-restart"))
		return;
	result(r.rc != 0,
	       "emu-restart: without an emulator the guest gets a TPM failure response (rc %#x, %llu ms)",
	       r.rc, (unsigned long long)(now_ms() - t0));
	if (swtpm_spawn(vm) || wait_emulator(vm))
		return;
	if (get_random_ok(vm, "emu-restart"))
		result(true, "emu-restart: swtpm restarted on the same state serves the next command");

	/* Mid-command: swtpm stopped, then killed with the command queued. */
	if (kill(vm->swtpm_pid, SIGSTOP)) {
		result(false, "emu-restart: stop swtpm (%s)", strerror(errno));
		return;
	}
	helper = helper_start(vm, 500, vm->swtpm_pid);
	cmd_get_random_any(&b, 8);
	t0 = now_ms();
	if (tpm_transmit(vm, 0, 0, &b, &r, "emu-restart")) {
		helper_wait(helper);
		return;
	}
	hs = helper_wait(helper);
	result(hs == 0, "emu-restart: swtpm was killed with the command in flight (helper status %d)",
	       hs);
	result(r.rc != 0,
	       "emu-restart: swtpm killed mid-command gives the guest a TPM failure response (rc %#x, %llu ms)",
	       r.rc, (unsigned long long)(now_ms() - t0));
	swtpm_kill(vm);
	if (swtpm_spawn(vm) || wait_emulator(vm))
		return;
	if (get_random_ok(vm, "emu-restart"))
		result(true, "emu-restart: swtpm restarted again serves the next command");
}

/*
 * Detach while the guest waits for a response (swtpm stopped): the guest's
 * driver finishes without a hang, the window is gone (accesses exit to
 * userspace from then on), and swtpm exits once it runs again.
 */
static void scenario_detach_mid(struct vm *vm)
{
	struct mailbox *mb = vm->mb;
	uint64_t exits0;
	struct cmdbuf b;
	pid_t helper;
	int st, hs;

	if (vm->swtpm_pid <= 0) {
		result(false, "detach-mid: needs --spawn-swtpm");
		return;
	}
	if (!get_random_ok(vm, "detach-mid"))
		return;
	if (kill(vm->swtpm_pid, SIGSTOP)) {
		result(false, "detach-mid: stop swtpm (%s)", strerror(errno));
		return;
	}
	vm->detached_mid = true;
	vm->exits_at_detach = vm->exits_mmio_tis;
	vm->accesses_at_detach = mb->mmio_reads + mb->mmio_writes;
	exits0 = vm->exits_mmio_tis;
	helper = helper_start(vm, 500, 0);
	cmd_get_random_any(&b, 8);
	memcpy(mb->cmd, b.d, b.n);
	mb->cmd_len = b.n;
	st = guest_op(vm, MB_OP_TRANSMIT, 0, 0);
	hs = helper_wait(helper);
	vm->attached = false;
	result(hs == 0, "detach-mid: detached with the command in flight (helper status %d)",
	       hs);
	result(st >= 0, "detach-mid: the guest's driver finishes after the detach (%s)",
	       st < 0 ? "guest stopped" : status_name(st));
	result(vm->exits_mmio_tis > exits0,
	       "detach-mid: after the detach, TIS accesses exit to userspace (%llu)",
	       (unsigned long long)(vm->exits_mmio_tis - exits0));
	kill(vm->swtpm_pid, SIGCONT);
}

/*
 * TIS register reads (DID_VID) for loop_secs seconds, one hand-over each:
 * KVM's MMIO path under load, with or without the device attached.
 */
static void scenario_read_loop(struct vm *vm)
{
	uint64_t n = 0, t0, ms;
	uint32_t v;

	t0 = now_ms();
	do {
		if (guest_read(vm, 0, 0xf00, 4, &v)) {
			result(false, "read-loop: guest read DID_VID");
			return;
		}
		n++;
		ms = now_ms() - t0;
	} while (ms < opt.loop_secs * 1000ULL);
	result(true, "read-loop: %llu DID_VID reads in %llu ms (%#x)",
	       (unsigned long long)n, (unsigned long long)ms, v);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* One hand-over in which the guest reads DID_VID n times; its duration. */
static int time_reads(struct vm *vm, uint32_t n, uint64_t *ns)
{
	uint64_t t0 = now_ns();

	vm->mb->arg0 = 0xf00;
	vm->mb->arg1 = 4;
	vm->mb->arg2 = n;
	if (guest_op(vm, MB_OP_READ_REPEAT, 0, 0))
		return -1;
	*ns = now_ns() - t0;
	return 0;
}

/*
 * The cost of one guest MMIO access: DID_VID read --storm N times in one
 * hand-over, minus a hand-over with no read (the best of five of each).
 * With the device attached, the kvm_vtis handler answers in the kernel;
 * with --no-attach, every read exits to this VMM.
 */
static void scenario_access_cost(struct vm *vm)
{
	uint64_t t, t0 = UINT64_MAX, tn = UINT64_MAX, per;
	uint64_t exits = vm->exits_mmio_tis;
	int i;

	for (i = 0; i < 5; i++) {
		if (time_reads(vm, 0, &t)) {
			result(false, "access-cost: empty hand-over");
			return;
		}
		t0 = t < t0 ? t : t0;
		if (time_reads(vm, opt.storm, &t)) {
			result(false, "access-cost: %u DID_VID reads", opt.storm);
			return;
		}
		tn = t < tn ? t : tn;
	}
	per = tn > t0 ? (tn - t0) / opt.storm : 0;
	exits = vm->exits_mmio_tis - exits;
	printf("# access-cost-ns %llu %s\n", (unsigned long long)per,
	       opt.no_attach ? "userspace" : "in-kernel");
	result(per > 0 && exits == (opt.no_attach ? 5ULL * opt.storm : 0),
	       "access-cost: DID_VID read %llu ns each (%s, best of 5 x %u), %llu exits here",
	       (unsigned long long)per,
	       opt.no_attach ? "exits to this VMM" : "kvm_vtis in the kernel",
	       opt.storm, (unsigned long long)exits);
}

/* Kernel memory in kB (Slab + VmallocUsed + Percpu of /proc/meminfo). */
static long kernel_kb(void)
{
	static const char *const keys[] = { "Slab:", "VmallocUsed:", "Percpu:" };
	char line[256];
	long sum = 0, v;
	size_t i;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strncmp(line, keys[i], strlen(keys[i])) &&
			    sscanf(line + strlen(keys[i]), "%ld", &v) == 1)
				sum += v;
	fclose(f);
	return sum;
}

/* Bytes in use (active objects x object size) per slab cache. */
#define SLAB_MAX_CACHES	512
struct slab_use {
	char name[64];
	long bytes;
};

static int slab_snapshot(struct slab_use *u)
{
	char line[512], name[64];
	long active, total, size;
	int n = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (n < SLAB_MAX_CACHES && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld %ld %ld", name, &active, &total,
			   &size) != 4)
			continue;	/* the two header lines */
		snprintf(u[n].name, sizeof(u[n].name), "%s", name);
		u[n].bytes = active * size;
		n++;
	}
	fclose(f);
	return n;
}

/*
 * Print the caches that grew by at least 64 bytes per device between two
 * snapshots, largest first: where a device's memory goes.
 */
static void slab_print_growth(const struct slab_use *a, int na,
			      const struct slab_use *b, int nb, unsigned int per)
{
	long best_d;
	int i, j, best, shown = 0;
	bool done[SLAB_MAX_CACHES] = { false };

	while (shown < 12) {
		best = -1;
		best_d = 64L * per - 1;
		for (j = 0; j < nb; j++) {
			long d = b[j].bytes;

			if (done[j])
				continue;
			for (i = 0; i < na; i++)
				if (!strcmp(a[i].name, b[j].name)) {
					d -= a[i].bytes;
					break;
				}
			if (d > best_d) {
				best_d = d;
				best = j;
			}
		}
		if (best < 0)
			break;
		done[best] = true;
		printf("# scale-mem-cache %s %.0f\n", b[best].name,
		       (double)best_d / per);
		shown++;
	}
}

static struct vm *scale_vm_new(void)
{
	struct vm *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->kvm_fd = -1;
	x->vm_fd = -1;
	x->vcpu_fd = -1;
	x->vtis_fd = -1;
	x->fault_vector = -1;
	return x;
}

static void scale_vm_free(struct vm *x)
{
	if (x->attached)
		vtis_detach(x);
	vm_destroy(x);
	if (x->swtpm_pid > 0)
		swtpm_reap(x, 5000);
	remove_state_dir(x);
	if (x->vtis_fd >= 0)
		close(x->vtis_fd);
	if (x->kvm_fd >= 0)
		close(x->kvm_fd);
	if (x->mem && x->mem != MAP_FAILED)
		munmap(x->mem, MB_GUEST_MEM);
	free(x);
}

/* The digest VM i extends in round r: unique to both. */
static void scale_digest(unsigned int i, unsigned int r, uint8_t d[32])
{
	char label[64];

	snprintf(label, sizeof(label), "scale vm %u extend %u", i, r);
	sha256(label, strlen(label), d);
}

/*
 * --vms VMs at once (this one and --vms - 1 more, each with its own device
 * and swtpm), in one thread: in every round each VM sends a PCR 16 extend
 * with a value of its own, then each receives its answer, so up to --vms
 * commands are at the backends together.  Every VM checks its PCR 16
 * against its own SHA-256 chain at the end: a misrouted or lost answer
 * breaks a chain.  Also: one VM alone for comparison, per-VM backend
 * service time (fairness), kernel memory per attached device.
 */
static void scenario_scale(struct vm *vm)
{
	unsigned int nv = opt.vms, i, r, alone = opt.extends < 200 ? opt.extends : 200;
	struct vm *v[SCALE_MAX_VMS] = { vm };
	uint8_t (*chain)[32] = calloc(nv, 32), d[32], cat[64], now[32];
	uint64_t t0, ms_alone, ms_all;
	static struct slab_use slab0[SLAB_MAX_CACHES], slab1[SLAB_MAX_CACHES];
	int emu_fds[SCALE_MAX_VMS], ns0, ns1;
	long kb0, kb1, kb2;
	double svc_max = 0, svc_min = 1e30;
	bool ok = true;
	struct cmdbuf b;
	struct resp rs;

	for (i = 0; i < SCALE_MAX_VMS; i++)
		emu_fds[i] = -1;
	if (!chain || !opt.spawn_swtpm) {
		result(false, "scale: needs --spawn-swtpm (and memory)");
		free(chain);
		return;
	}
	for (i = 1; i < nv; i++) {
		v[i] = scale_vm_new();
		if (!v[i] || vm_create(v[i])) {
			result(false, "scale: create VM %u", i);
			goto out;
		}
	}
	ns0 = slab_snapshot(slab0);
	kb0 = kernel_kb();
	for (i = 1; i < nv; i++)
		if (vtis_attach(v[i]))
			goto out;
	kb1 = kernel_kb();
	ns1 = slab_snapshot(slab1);
	if (ns0 > 0 && ns1 > 0)
		slab_print_growth(slab0, ns0, slab1, ns1, nv - 1);
	printf("# scale-mem-kb-per-device %.1f\n",
	       kb0 < 0 || kb1 < 0 ? -1.0 : (double)(kb1 - kb0) / (nv - 1));
	/*
	 * And what an emulator's connection adds (the open file and its
	 * buffer), opened from here: a swtpm would add its own process.
	 */
	for (i = 1; i < nv; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/%s", v[i]->emu_name);
		emu_fds[i] = open(path, O_RDWR | O_CLOEXEC);
		if (emu_fds[i] < 0) {
			result(false, "scale: open %s (%s)", path, strerror(errno));
			goto out;
		}
	}
	kb2 = kernel_kb();
	printf("# scale-mem-kb-per-emulator %.1f\n",
	       kb1 < 0 || kb2 < 0 ? -1.0 : (double)(kb2 - kb1) / (nv - 1));
	for (i = 1; i < nv; i++) {
		close(emu_fds[i]);
		emu_fds[i] = -1;
	}
	for (i = 1; i < nv; i++)
		if (swtpm_spawn(v[i]) || wait_emulator(v[i]) || guest_boot(v[i])) {
			result(false, "scale: VM %u gets its swtpm and boots", i);
			goto out;
		}

	/* one VM alone */
	t0 = now_ms();
	for (r = 0; r < alone; r++) {
		scale_digest(0, opt.extends + r, d);
		if (tpm2_pcr_extend(vm, 0, 0, 16, d, "scale alone")) {
			result(false, "scale: VM 0 alone, extend %u", r);
			goto out;
		}
	}
	ms_alone = now_ms() - t0;

	for (i = 0; i < nv; i++)
		if (tpm2_pcr_read(v[i], 0, 0, 16, chain[i], "scale start"))
			goto out;
	t0 = now_ms();
	for (r = 0; r < opt.extends && ok; r++) {
		for (i = 0; i < nv && ok; i++) {
			scale_digest(i, r, d);
			tpm2_cmd_pcr_extend(&b, 16, d);
			ok = !tpm_op(v[i], MB_OP_SEND, 0, 0, &b, &rs, "scale send");
		}
		for (i = 0; i < nv && ok; i++) {
			ok = !tpm_op(v[i], MB_OP_RECV, 0, 0, NULL, &rs, "scale recv") &&
			     rs.rc == TPM2_RC_SUCCESS;
			if (!ok) {
				result(false, "scale: VM %u extend %u answered (rc %#x)",
				       i, r, rs.rc);
				break;
			}
			scale_digest(i, r, d);
			memcpy(cat, chain[i], 32);
			memcpy(cat + 32, d, 32);
			sha256(cat, sizeof(cat), chain[i]);
		}
	}
	ms_all = now_ms() - t0;
	if (!ok)
		goto out;
	for (i = 0; i < nv; i++) {
		struct kvm_vtis_stats st;

		if (tpm2_pcr_read(v[i], 0, 0, 16, now, "scale end") ||
		    !hex_eq(now, chain[i], 32)) {
			result(false, "scale: VM %u's PCR 16 equals its own chain of %u extends",
			       i, opt.extends);
			ok = false;
			continue;
		}
		if (!vtis_stats(v[i], &st) && st.service_count) {
			double svc = (double)st.service_total_ns / st.service_count;

			svc_max = svc > svc_max ? svc : svc_max;
			svc_min = svc < svc_min ? svc : svc_min;
		}
		if (v[i]->exits_mmio_tis)
			ok = false;
	}
	printf("# scale-data vms=%u extends=%u alone_per_s=%.1f all_per_s=%.1f service_fairness=%.3f\n",
	       nv, opt.extends, ms_alone ? alone * 1000.0 / ms_alone : 0,
	       ms_all ? (double)nv * opt.extends * 1000.0 / ms_all : 0,
	       svc_min > 0 && svc_min < 1e30 ? svc_max / svc_min : 0);
	result(ok, "scale: %u VMs x %u extends with VM-specific values, every VM's PCR 16 equals its own chain, 0 TIS exits to userspace (%llu ms; one VM alone: %u in %llu ms)",
	       nv, opt.extends, (unsigned long long)ms_all, alone,
	       (unsigned long long)ms_alone);
out:
	for (i = 1; i < nv; i++) {
		if (emu_fds[i] >= 0)
			close(emu_fds[i]);
		if (v[i])
			scale_vm_free(v[i]);
	}
	free(chain);
}

/*
 * A second VM in this process, with its own device and swtpm; the two
 * take turns (one thread: the vCPUs never run at the same time), each
 * checking every PCR value it reads, so cross-talk would show.  Without a
 * device, the two take turns reading DID_VID instead.
 */
static void scenario_two_vm(struct vm *vm)
{
	struct vm *vm2 = calloc(1, sizeof(*vm2));
	uint64_t n = 0, t0, ms;
	unsigned int i;
	uint32_t v;

	if (!vm2) {
		result(false, "two-vm: allocate a second VM");
		return;
	}
	vm2->kvm_fd = -1;
	vm2->vm_fd = -1;
	vm2->vcpu_fd = -1;
	vm2->vtis_fd = -1;
	vm2->fault_vector = -1;
	if (vm_create(vm2)) {
		result(false, "two-vm: create a second VM");
		goto out;
	}
	if (!opt.no_attach) {
		if (!opt.spawn_swtpm) {
			result(false, "two-vm: needs --spawn-swtpm");
			goto out;
		}
		if (vtis_attach(vm2) || swtpm_spawn(vm2) || wait_emulator(vm2))
			goto out;
	}
	if (guest_boot(vm2)) {
		result(false, "two-vm: the second guest boots");
		goto out;
	}
	t0 = now_ms();
	do {
		for (i = 0; i < 2; i++) {
			struct vm *x = i ? vm2 : vm;

			if (opt.no_attach) {
				if (guest_read(x, 0, 0xf00, 4, &v)) {
					result(false, "two-vm: VM %c reads DID_VID",
					       'A' + i);
					goto out;
				}
			} else if (!extend_and_check(x, 0, 0, 16,
						     i ? "two-vm B" : "two-vm A")) {
				goto out;
			}
		}
		/*
		 * Overlapping commands: one VM's GetRandom stays in flight
		 * while the other VM runs a whole extend and its checks.
		 */
		if (!opt.no_attach) {
			struct vm *x = n & 1 ? vm2 : vm, *y = n & 1 ? vm : vm2;
			const uint8_t *p;
			struct cmdbuf b;
			struct resp r;
			uint16_t got;

			cmd_get_random_any(&b, 8);
			if (tpm_op(x, MB_OP_SEND, 0, 0, &b, &r, "two-vm send"))
				goto out;
			if (!extend_and_check(y, 0, 0, 16, "two-vm overlap"))
				goto out;
			if (tpm_op(x, MB_OP_RECV, 0, 0, NULL, &r, "two-vm recv"))
				goto out;
			got = get(&r, 2);
			p = getbytes(&r, got);
			if (r.rc || r.bad || got != 8 || !p || r.off != r.len) {
				result(false, "two-vm: the overlapped GetRandom gets its own answer (rc %#x, %zu bytes)",
				       r.rc, r.len);
				goto out;
			}
		}
		n++;
		ms = now_ms() - t0;
	} while (ms < opt.loop_secs * 1000ULL);
	result(true, "two-vm: %llu turns of two VMs in %llu ms, commands overlapping, every value checked",
	       (unsigned long long)n, (unsigned long long)ms);
	if (!opt.no_attach)
		result(vm2->exits_mmio_tis == 0,
		       "two-vm: 0 TIS accesses of the second VM exited to userspace (%llu of %u)",
		       (unsigned long long)vm2->exits_mmio_tis,
		       guest_accesses(vm2));
out:
	if (vm2->attached)
		vtis_detach(vm2);
	vm_destroy(vm2);
	if (vm2->swtpm_pid > 0)
		result(swtpm_reap(vm2, 5000),
		       "two-vm: the second swtpm exits by itself after the detach");
	remove_state_dir(vm2);
	if (vm2->vtis_fd >= 0)
		close(vm2->vtis_fd);
	if (vm2->kvm_fd >= 0)
		close(vm2->kvm_fd);
	if (vm2->mem && vm2->mem != MAP_FAILED)
		munmap(vm2->mem, MB_GUEST_MEM);
	free(vm2);
}

/*
 * A known sequence for the observability checks: three commands that reach
 * the TPM and three the device refuses, at localities 0 and 2; every
 * counter of KVM_VTIS_STATS must move by exactly what the guest did.
 * The sequence (the test of the tracepoints knows it too):
 *   GetRandom(16) at 0, the vendor set-locality ordinal at 0 (refused,
 *   TPM_RC_COMMAND_CODE), a 4096-byte "TCG prefix" command at 0 (refused,
 *   TPM_RC_COMMAND_CODE), a 4096-byte command whose header says 4100 at 0
 *   (refused, TPM_RC_COMMAND_SIZE), GetRandom(16) at 2, PCR_Read(16) at 0.
 */
#define TPM2_RC_COMMAND_CODE	0x143
#define TPM2_RC_COMMAND_SIZE	0x142

static void scenario_obs(struct vm *vm)
{
	struct kvm_vtis_stats a, b;
	uint32_t cr[8], cw[8], sts_reads;
	uint64_t to_tpm = 0, from_tpm = 0, hist = 0;
	static struct cmdbuf big;
	struct cmdbuf c;
	struct resp r;
	unsigned int i;
	bool ok = true;

	if (opt.tpm12) {
		result(false, "obs: needs TPM 2.0");
		return;
	}
	if (vtis_stats(vm, &a)) {
		result(false, "obs: KVM_VTIS_STATS answers (%s)", strerror(errno));
		return;
	}
	memcpy(cr, vm->mb->class_reads, sizeof(cr));
	memcpy(cw, vm->mb->class_writes, sizeof(cw));

	tpm2_cmd_get_random(&c, 16);
	if (tpm_transmit(vm, 0, 0, &c, &r, "obs") || r.rc) {
		result(false, "obs: GetRandom at locality 0 succeeds");
		return;
	}
	to_tpm += c.n;
	from_tpm += r.len;

	vm->refused += 3;
	cmd_start(&c, TPM2_ST_SESSIONS, 0x20001000);
	put8(&c, 3);
	cmd_end(&c);
	if (tpm_transmit(vm, 0, 0, &c, &r, "obs"))
		return;
	result(r.rc == TPM2_RC_COMMAND_CODE && r.len == 10,
	       "obs: the vendor set-locality ordinal from the guest is refused (rc %#x)",
	       r.rc);

	memset(big.d, 0x5a, sizeof(big.d));
	big.d[0] = 0;
	big.d[1] = 0;
	big.d[2] = 0;
	big.d[3] = 8;
	big.n = sizeof(big.d);
	big.overflow = false;
	if (tpm_transmit(vm, 0, 0, &big, &r, "obs"))
		return;
	result(r.rc == TPM2_RC_COMMAND_CODE && r.len == 10,
	       "obs: a TCG prefix command from the guest is refused (rc %#x)", r.rc);

	cmd_start(&big, TPM2_ST_NO_SESSIONS, TPM2_CC_GET_RANDOM);
	while (big.n < sizeof(big.d))
		put8(&big, 0);
	big.d[2] = 0;
	big.d[3] = 0;
	big.d[4] = 4100 >> 8;
	big.d[5] = 4100 & 0xff;
	if (tpm_transmit(vm, 0, 0, &big, &r, "obs"))
		return;
	result(r.rc == TPM2_RC_COMMAND_SIZE && r.len == 10,
	       "obs: a command whose header size is wrong is refused (rc %#x)", r.rc);

	tpm2_cmd_get_random(&c, 16);
	if (tpm_transmit(vm, 2, 0, &c, &r, "obs") || r.rc) {
		result(false, "obs: GetRandom at locality 2 succeeds");
		return;
	}
	to_tpm += c.n;
	from_tpm += r.len;

	tpm2_cmd_pcr_read(&c, 16);
	if (tpm_transmit(vm, 0, 0, &c, &r, "obs") || r.rc) {
		result(false, "obs: PCR_Read at locality 0 succeeds");
		return;
	}
	to_tpm += c.n;
	from_tpm += r.len;

	if (vtis_stats(vm, &b)) {
		result(false, "obs: KVM_VTIS_STATS answers (%s)", strerror(errno));
		return;
	}
#define DELTA(f)	((unsigned long long)(b.f - a.f))
#define EXPECT(f, want) do {								if (DELTA(f) != (unsigned long long)(want)) {					diag("obs: %s moved by %llu, want %llu", #f,				     DELTA(f), (unsigned long long)(want));				ok = false;							}								} while (0)
	EXPECT(commands, 3);
	EXPECT(responses, 3);
	EXPECT(errors, 0);
	EXPECT(bytes_to_tpm, to_tpm);
	EXPECT(bytes_from_tpm, from_tpm);
	EXPECT(rejected_commands, 3);
	EXPECT(bad_responses, 0);
	EXPECT(timeouts, 0);
	EXPECT(backend_failures, 0);
	EXPECT(cancelled, 0);
	EXPECT(locality_changes, 12);
	EXPECT(service_count, 3);
	for (i = 0; i < 8; i++) {
		EXPECT(mmio_reads[i], vm->mb->class_reads[i] - cr[i]);
		EXPECT(mmio_writes[i], vm->mb->class_writes[i] - cw[i]);
	}
	for (i = 0; i < KVM_VTIS_SERVICE_BUCKETS; i++)
		hist += b.service_hist[i] - a.service_hist[i];
	if (hist != 3 || b.service_buckets != KVM_VTIS_SERVICE_BUCKETS ||
	    !b.service_max_ns || b.service_total_ns < b.service_max_ns) {
		diag("obs: histogram holds %llu commands (%u buckets), max %llu ns, total %llu ns",
		     (unsigned long long)hist, b.service_buckets,
		     (unsigned long long)b.service_max_ns,
		     (unsigned long long)b.service_total_ns);
		ok = false;
	}
	sts_reads = vm->mb->class_reads[2] - cr[2];
	if (DELTA(status_polls) > sts_reads) {
		diag("obs: %llu status polls, but only %u STS reads",
		     DELTA(status_polls), sts_reads);
		ok = false;
	}
#undef EXPECT
#undef DELTA
	result(ok, "obs: KVM_VTIS_STATS moved by exactly the guest's 3 commands, 3 refused ones, %llu+%llu bytes, 12 locality changes and its accesses by register class",
	       (unsigned long long)to_tpm, (unsigned long long)from_tpm);
}

/* Random accesses; the device must still answer afterwards. */
static void scenario_storm(struct vm *vm)
{
	uint32_t seed = (uint32_t)getpid() ^ (uint32_t)now_ms();
	struct kvm_vtis_stats s;
	uint32_t v = 0;
	int st;

	vm->emu_lost = true;	/* random commands may fail or stay in flight */
	vm->mb->arg0 = seed;
	vm->mb->arg1 = opt.storm;
	st = guest_op(vm, MB_OP_STORM, 0, 0);
	result(st == 0, "storm: %u random guest accesses (seed %#x)", opt.storm,
	       seed);
	if (st)
		return;
	st = guest_read(vm, 0, 0xf00, 4, &v);
	result(st == 0 && v == 0x00011014,
	       "storm: the device still answers afterwards (DID_VID %#x)", v);
	if (vtis_stats(vm, &s) == 0)
		diag("storm: %llu commands reached the TPM, %llu refused, %llu answers dropped, %llu locality changes, %llu status polls",
		     (unsigned long long)s.commands,
		     (unsigned long long)s.rejected_commands,
		     (unsigned long long)s.cancelled,
		     (unsigned long long)s.locality_changes,
		     (unsigned long long)s.status_polls);
}

/*
 * guest-storm: vCPU 0 makes --storm random accesses of every width (1, 2,
 * 4 and 8 bytes), aligned or not, across registers and locality
 * boundaries, with random values, while vCPU 1 (a second thread) runs real
 * commands at locality GSTORM_LOC: TPM2_GetRandom(32), TPM2_PCR_Extend of
 * sha256 PCR 16 with a known digest, TPM2_PCR_Read of PCR 16 compared with
 * the chain of SHA-256 extends computed here.
 *
 * How the storm leaves room for the real commands: it never writes
 * GSTORM_LOC's page and never reads its FIFO (which would take the real
 * software's response bytes); reading that locality's other registers has
 * no effect, so it does.  Localities 0-2 may request, relinquish and
 * Seize: a Seize from below GSTORM_LOC cannot take the locality from it
 * (locality 4, above it, is read-only), and the real vCPU waits for the
 * locality as Linux does (TIMEOUT_A).  So every real command must succeed;
 * one that does not is a failure.
 */
#define GSTORM_LOC		3
#define GSTORM_PCR		16
#define GSTORM_MIN_REAL		30	/* real commands done during the storm */

struct gstorm {
	struct vm *ap;
	int started, stop;		/* set by the storm's thread */
	uint8_t pcr[SHA256_DIGEST_SIZE];	/* expected value of the PCR */
	unsigned int done, during, extends;
	uint64_t max_ms;		/* slowest real command */
	bool failed;
};

static bool gstorm_note(struct gstorm *g, uint64_t t0, bool ok)
{
	uint64_t ms = now_ms() - t0;

	if (!ok) {
		g->failed = true;
		return false;
	}
	if (ms > g->max_ms)
		g->max_ms = ms;
	g->done++;
	if (__atomic_load_n(&g->started, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE))
		g->during++;
	return true;
}

static void *gstorm_real(void *arg)
{
	struct gstorm *g = arg;
	uint8_t rnd[32], d[32], cat[64], now[32];
	char label[64];
	uint64_t t0;
	int64_t rc;

	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		t0 = now_ms();
		if (!gstorm_note(g, t0, !tpm2_get_random(g->ap, GSTORM_LOC, 0, rnd,
							 sizeof(rnd),
							 "guest-storm: real GetRandom")))
			break;

		snprintf(label, sizeof(label), "guest-storm extend %u", g->extends);
		sha256(label, strlen(label), d);
		t0 = now_ms();
		rc = tpm2_pcr_extend(g->ap, GSTORM_LOC, 0, GSTORM_PCR, d,
				     "guest-storm: real PCR_Extend");
		if (rc > 0)
			result(false, "guest-storm: TPM2_PCR_Extend of PCR %u at locality %u succeeds (rc %#llx)",
			       GSTORM_PCR, GSTORM_LOC, (long long)rc);
		if (!gstorm_note(g, t0, rc == 0))
			break;
		memcpy(cat, g->pcr, 32);
		memcpy(cat + 32, d, 32);
		sha256(cat, sizeof(cat), g->pcr);
		g->extends++;

		t0 = now_ms();
		if (!gstorm_note(g, t0, !tpm2_pcr_read(g->ap, GSTORM_LOC, 0,
						       GSTORM_PCR, now,
						       "guest-storm: real PCR_Read")))
			break;
		if (!hex_eq(now, g->pcr, 32)) {
			result(false, "guest-storm: PCR %u read during the storm equals the chain of %u extends",
			       GSTORM_PCR, g->extends);
			hexdump("read", now, 32);
			hexdump("want", g->pcr, 32);
			g->failed = true;
			break;
		}
	}
	return NULL;
}

static void scenario_guest_storm(struct vm *vm)
{
	uint32_t seed = (uint32_t)getpid() ^ (uint32_t)now_ms();
	uint32_t cr[8], cw[8], ar[8], aw[8], *t = vm->mb->storm;
	struct gstorm g = { 0 };
	struct kvm_vtis_stats a, b;
	struct vm ap;
	uint8_t now[32], rnd[32];
	uint64_t exits, t0, ms;
	uint32_t v = 0, total;
	unsigned int i;
	pthread_t th;
	bool same = true;
	int st, err;

	vm->emu_lost = true;	/* the storm's own commands may fail */
	ap = (struct vm){
		.kvm_fd = vm->kvm_fd, .vm_fd = vm->vm_fd, .vcpu_fd = -1,
		.vtis_fd = vm->vtis_fd, .mem = vm->mem, .fault_vector = -1,
		.id = vm->id, .attached = vm->attached,
	};
	if (vcpu_create(&ap, 1) || guest_boot(&ap)) {
		result(false, "guest-storm: a second vCPU boots");
		goto out;
	}
	/* Waiting for the locality while the storm holds one takes longer. */
	ap.mb->timeout_ms = 4 * opt.guest_timeout_ms;
	if (tpm2_pcr_read(&ap, GSTORM_LOC, 0, GSTORM_PCR, g.pcr,
			  "guest-storm: PCR_Read before the storm"))
		goto out;
	g.ap = &ap;

	if (vtis_stats(vm, &a)) {
		result(false, "guest-storm: KVM_VTIS_STATS answers (%s)",
		       strerror(errno));
		goto out;
	}
	memcpy(cr, vm->mb->class_reads, sizeof(cr));
	memcpy(cw, vm->mb->class_writes, sizeof(cw));
	memcpy(ar, ap.mb->class_reads, sizeof(ar));
	memcpy(aw, ap.mb->class_writes, sizeof(aw));
	exits = vm->exits_mmio_tis + ap.exits_mmio_tis;
	memset(t, 0, sizeof(vm->mb->storm));

	err = pthread_create(&th, NULL, gstorm_real, &g);
	if (err) {
		result(false, "guest-storm: start the second vCPU's thread (%s)",
		       strerror(err));
		goto out;
	}
	vm->mb->arg0 = seed;
	vm->mb->arg1 = opt.storm;
	vm->mb->arg2 = GSTORM_LOC;
	t0 = now_ms();
	__atomic_store_n(&g.started, 1, __ATOMIC_RELEASE);
	st = guest_op(vm, MB_OP_STORM_WIDE, 0, 0);
	ms = now_ms() - t0;
	__atomic_store_n(&g.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);

	total = t[MB_S_W1] + t[MB_S_W2] + t[MB_S_W4] + t[MB_S_W8];
	result(st == 0 && total >= opt.storm,
	       "guest-storm: vCPU 0 made %u random accesses in %llu ms (seed %#x)",
	       total, (unsigned long long)ms, seed);
	diag("guest-storm: widths 1/2/4/8: %u/%u/%u/%u; %u reads, %u writes; %u unaligned, %u across registers, %u across localities; %u GetRandom+GO",
	     t[MB_S_W1], t[MB_S_W2], t[MB_S_W4], t[MB_S_W8], t[MB_S_READS],
	     t[MB_S_WRITES], t[MB_S_UNALIGNED], t[MB_S_REG_CROSS],
	     t[MB_S_PAGE_CROSS], t[MB_S_GO]);
	diag("guest-storm: %u 8-byte accesses inside one page", t[MB_S_W8_PAGE]);
	diag("guest-storm: by locality: %u %u %u %u %u", t[MB_S_LOC0],
	     t[MB_S_LOC0 + 1], t[MB_S_LOC0 + 2], t[MB_S_LOC0 + 3], t[MB_S_LOC4]);
	result(t[MB_S_W1] && t[MB_S_W2] && t[MB_S_W4] && t[MB_S_W8] &&
	       t[MB_S_READS] && t[MB_S_WRITES] && t[MB_S_UNALIGNED] &&
	       t[MB_S_REG_CROSS] && t[MB_S_PAGE_CROSS] && t[MB_S_LOC0] &&
	       t[MB_S_LOC0 + 1] && t[MB_S_LOC0 + 2] && t[MB_S_LOC0 + 3] &&
	       t[MB_S_LOC4],
	       "guest-storm: the storm used every width, reads and writes, unaligned offsets, register and locality crossings, every locality");
	diag("guest-storm: vCPU 1: %u real commands at locality %u (%u during the storm, %u extends), slowest %llu ms",
	     g.done, GSTORM_LOC, g.during, g.extends,
	     (unsigned long long)g.max_ms);
	result(!g.failed,
	       "guest-storm: every real command at locality %u completed and answered correctly (%u)",
	       GSTORM_LOC, g.done);
	result(g.during >= GSTORM_MIN_REAL,
	       "guest-storm: at least %u real commands completed during the storm (%u)",
	       GSTORM_MIN_REAL, g.during);
	if (g.failed || ap.dead)
		goto out;

	/* Afterwards: the PCR holds the whole chain; the device still serves. */
	if (!tpm2_pcr_read(&ap, GSTORM_LOC, 0, GSTORM_PCR, now,
			   "guest-storm: PCR_Read after the storm"))
		result(hex_eq(now, g.pcr, 32),
		       "guest-storm: PCR %u equals the chain of the %u extends that completed",
		       GSTORM_PCR, g.extends);
	st = guest_read(vm, 0, 0xf00, 4, &v);
	result(st == 0 && v == 0x00011014,
	       "guest-storm: the device still answers afterwards (DID_VID %#x)", v);
	if (!tpm2_get_random(vm, 0, 0, rnd, sizeof(rnd),
			     "guest-storm: GetRandom at locality 0 afterwards"))
		result(true, "guest-storm: TPM2_GetRandom(32) at locality 0 after the storm succeeds");

	if (vtis_stats(vm, &b)) {
		result(false, "guest-storm: KVM_VTIS_STATS answers (%s)",
		       strerror(errno));
		goto out;
	}
	for (i = 0; i < 8; i++) {
		uint64_t gr = vm->mb->class_reads[i] - cr[i] +
			      ap.mb->class_reads[i] - ar[i];
		uint64_t gw = vm->mb->class_writes[i] - cw[i] +
			      ap.mb->class_writes[i] - aw[i];

		if (b.mmio_reads[i] - a.mmio_reads[i] != gr ||
		    b.mmio_writes[i] - a.mmio_writes[i] != gw) {
			diag("guest-storm: class %u: device %llu reads %llu writes, guest %llu and %llu",
			     i,
			     (unsigned long long)(b.mmio_reads[i] - a.mmio_reads[i]),
			     (unsigned long long)(b.mmio_writes[i] - a.mmio_writes[i]),
			     (unsigned long long)gr, (unsigned long long)gw);
			same = false;
		}
	}
	result(same, "guest-storm: KVM_VTIS_STATS counted exactly the accesses of both vCPUs, by register class (a page-crossing access as its two pieces)");
	exits = vm->exits_mmio_tis + ap.exits_mmio_tis - exits;
	result(exits == 0,
	       "guest-storm: 0 TIS accesses of either vCPU exited to userspace (%llu)",
	       (unsigned long long)exits);
	diag("guest-storm: device: %llu commands, %llu refused, %llu answers dropped, %llu locality changes, %llu status polls",
	     (unsigned long long)(b.commands - a.commands),
	     (unsigned long long)(b.rejected_commands - a.rejected_commands),
	     (unsigned long long)(b.cancelled - a.cancelled),
	     (unsigned long long)(b.locality_changes - a.locality_changes),
	     (unsigned long long)(b.status_polls - a.status_polls));
out:
	if (ap.mb) {
		vm->ap_reads += ap.mb->mmio_reads;
		vm->ap_writes += ap.mb->mmio_writes;
		for (i = 0; i < 8; i++) {
			vm->ap_class_reads[i] += ap.mb->class_reads[i];
			vm->ap_class_writes[i] += ap.mb->class_writes[i];
		}
	}
	vm->exits_mmio_tis += ap.exits_mmio_tis;
	if (ap.run)
		munmap(ap.run, ap.run_size);
	if (ap.vcpu_fd >= 0)
		close(ap.vcpu_fd);
}

/* The guest's exception report works (run last: the guest stops). */
static void scenario_guest_fault(struct vm *vm)
{
	int st = guest_op(vm, MB_OP_UD2, 0, 0);

	result(st < 0 && vm->fault_vector == 6,
	       "guest-fault: an invalid opcode in the guest is reported as vector 6 (got %d)",
	       vm->fault_vector);
}

/* ---- the host TPM backend ---------------------------------------------- */

#define TPM2_CC_CREATE_PRIMARY	0x00000131
#define TPM2_CC_FLUSH_CONTEXT	0x00000165
#define TPM2_RH_OWNER		0x40000001
#define TPM2_ALG_RSA		0x0001
#define TPM2_ALG_AES		0x0006
#define TPM2_ALG_CFB		0x0043
#define TPM2_ALG_NULL		0x0010
#define TPM2_RC_CANCELED	0x909
#define TIS_STS			0x18
#define TIS_STS_COMMAND_CANCEL	0x01000000u

/* The host's view of sha256 PCR pcr: /sys/class/tpm/tpmN/pcr-sha256/PCR. */
static int host_pcr(unsigned int pcr, uint8_t out[SHA256_DIGEST_SIZE])
{
	char path[96], hex[2 * SHA256_DIGEST_SIZE + 2];
	unsigned int i, v;
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/sys/class/tpm/tpm%u/pcr-sha256/%u",
		 opt.tpm_index, pcr);
	f = fopen(path, "r");
	if (!f) {
		diag("%s: %s", path, strerror(errno));
		return -1;
	}
	ok = fgets(hex, sizeof(hex), f) && strlen(hex) >= 2 * SHA256_DIGEST_SIZE;
	fclose(f);
	for (i = 0; ok && i < SHA256_DIGEST_SIZE; i++)
		ok = sscanf(hex + 2 * i, "%2x", &v) == 1 && (out[i] = v, true);
	if (!ok)
		diag("%s: not a SHA-256 digest", path);
	return ok ? 0 : -1;
}

/*
 * The guest and the host share the chip's PCRs: the guest reads what the
 * host's sysfs shows, and the guest's extend shows up there.
 */
static void scenario_host_pcr(struct vm *vm)
{
	uint8_t g[32], h0[32], h1[32], d[32], cat[64], want[32];
	int64_t rc;

	if (tpm2_pcr_read(vm, 0, 0, 16, g, "host-pcr") || host_pcr(16, h0)) {
		result(false, "host-pcr: read PCR 16 in the guest and in the host's sysfs");
		return;
	}
	result(hex_eq(g, h0, 32),
	       "host-pcr: the guest reads the host's PCR 16 (as /sys/class/tpm/tpm%u/pcr-sha256/16)",
	       opt.tpm_index);
	test_digest(d, "host-pcr");
	rc = tpm2_pcr_extend(vm, 0, 0, 16, d, "host-pcr");
	if (rc != TPM2_RC_SUCCESS) {
		result(false, "host-pcr: TPM2_PCR_Extend of PCR 16 succeeds (rc %#llx)",
		       (long long)rc);
		return;
	}
	if (host_pcr(16, h1)) {
		result(false, "host-pcr: read PCR 16 in the host's sysfs after the extend");
		return;
	}
	memcpy(cat, h0, 32);
	memcpy(cat + 32, d, 32);
	sha256(cat, sizeof(cat), want);
	result(hex_eq(h1, want, 32),
	       "host-pcr: after the guest's extend the host's sysfs PCR 16 is SHA-256(old || digest)");
	if (!hex_eq(h1, want, 32)) {
		hexdump("sysfs", h1, 32);
		hexdump("want", want, 32);
	}
}

/* TPM2_CreatePrimary of an RSA-2048 storage key under the owner hierarchy. */
static void tpm2_cmd_create_primary_rsa(struct cmdbuf *b)
{
	cmd_start(b, TPM2_ST_SESSIONS, TPM2_CC_CREATE_PRIMARY);
	put32(b, TPM2_RH_OWNER);
	put32(b, 9);			/* authorizationSize */
	put32(b, TPM2_RS_PW);
	put16(b, 0);
	put8(b, 0);
	put16(b, 0);
	put16(b, 4);			/* inSensitive: empty auth and data */
	put16(b, 0);
	put16(b, 0);
	put16(b, 26);			/* inPublic.size */
	put16(b, TPM2_ALG_RSA);
	put16(b, TPM2_ALG_SHA256);	/* nameAlg */
	put32(b, 0x00030072);		/* fixedTPM|fixedParent|sensitiveDataOrigin|
					 * userWithAuth|restricted|decrypt */
	put16(b, 0);			/* authPolicy */
	put16(b, TPM2_ALG_AES);		/* symmetric */
	put16(b, 128);
	put16(b, TPM2_ALG_CFB);
	put16(b, TPM2_ALG_NULL);	/* scheme */
	put16(b, 2048);			/* keyBits */
	put32(b, 0);			/* exponent */
	put16(b, 0);			/* unique */
	put16(b, 0);			/* outsideInfo */
	put32(b, 0);			/* creationPCR */
	cmd_end(b);
}

static void flush_handle(struct vm *vm, struct resp *r, const char *what)
{
	struct cmdbuf b;
	struct resp fr;
	uint32_t h = get(r, 4);

	if (r->bad)
		return;
	cmd_start(&b, TPM2_ST_NO_SESSIONS, TPM2_CC_FLUSH_CONTEXT);
	put32(&b, h);
	cmd_end(&b);
	if (!tpm_transmit(vm, 0, 0, &b, &fr, what) && fr.rc)
		diag("%s: TPM2_FlushContext(%#x): rc %#x", what, h, fr.rc);
}

/*
 * A long command (TPM2_CreatePrimary RSA-2048) cancelled by the guest
 * (STS.commandCancel) right after go: the answer (TPM_RC_CANCELED, or the
 * key if the chip finished first) comes in bounded time, and the chip then
 * serves the next command.
 */
static void scenario_cancel(struct vm *vm)
{
	struct kvm_vtis_info info;
	struct cmdbuf b;
	struct resp r;
	uint64_t t0, full, ms;
	int in_flight = -1;

	vm->emu_lost = true;		/* synthesised answers are expected */
	tpm2_cmd_create_primary_rsa(&b);
	t0 = now_ms();
	if (tpm_transmit(vm, 0, 0, &b, &r, "cancel"))
		return;
	full = now_ms() - t0;
	result(r.rc == TPM2_RC_SUCCESS,
	       "cancel: TPM2_CreatePrimary RSA-2048 uncancelled succeeds (rc %#x, %llu ms)",
	       r.rc, (unsigned long long)full);
	if (r.rc == TPM2_RC_SUCCESS)
		flush_handle(vm, &r, "cancel");

	t0 = now_ms();
	if (tpm_op(vm, MB_OP_SEND, 0, MB_TX_NO_RELINQUISH, &b, &r, "cancel send"))
		return;
	if (vtis_info(vm, &info) == 0)
		in_flight = !!(info.state & KVM_VTIS_STATE_CMD_IN_FLIGHT);
	vm->mb->arg0 = TIS_STS;
	vm->mb->arg1 = 4;
	vm->mb->arg2 = TIS_STS_COMMAND_CANCEL;
	if (guest_op(vm, MB_OP_WRITE, 0, 0)) {
		result(false, "cancel: the guest writes STS.commandCancel");
		return;
	}
	if (tpm_op(vm, MB_OP_RECV, 0, 0, NULL, &r, "cancel recv"))
		return;
	ms = now_ms() - t0;
	diag("cancel: command in flight when cancelled: %s",
	     in_flight < 0 ? "unknown" : in_flight ? "yes" : "no");
	result((r.rc == TPM2_RC_CANCELED || r.rc == TPM2_RC_SUCCESS) &&
	       ms < 10000 + 2 * full,
	       "cancel: the cancelled CreatePrimary ends in bounded time with TPM_RC_CANCELED or the key (rc %#x, %llu ms)",
	       r.rc, (unsigned long long)ms);
	if (r.rc == TPM2_RC_SUCCESS)
		flush_handle(vm, &r, "cancel");
	if (get_random_ok(vm, "cancel") && get_random_ok(vm, "cancel"))
		result(true, "cancel: the host TPM serves the next commands");
}

/*
 * The host TPM's driver goes away while the guest uses it (the test
 * unbinds it after this prints "serving"): the guest then gets TPM failure
 * responses, well-formed, never a hang, until loop_secs end.
 */
static void scenario_host_loss(struct vm *vm)
{
	unsigned int good = 0, bad = 0, good_after = 0;
	uint64_t t0 = now_ms();
	struct cmdbuf b;
	struct resp r;
	uint32_t last_rc = 0;

	vm->emu_lost = true;
	while (now_ms() - t0 < opt.loop_secs * 1000ULL && bad < 5) {
		cmd_get_random_any(&b, 8);
		if (tpm_transmit(vm, 0, 0, &b, &r, "host-loss"))
			return;
		if (r.rc == TPM2_RC_SUCCESS) {
			if (!good++)
				diag("host-loss: serving");
			if (bad)
				good_after++;
		} else {
			if (!bad++)
				diag("host-loss: first failure after %u answers, %llu ms",
				     good, (unsigned long long)(now_ms() - t0));
			last_rc = r.rc;
		}
		sleep_ms(20);
	}
	result(good > 0 && bad > 0 && !good_after,
	       "host-loss: %u answers, then TPM failure responses (%u, rc %#x) once the host's TPM driver is gone",
	       good, bad, last_rc);
}

/* ---- reset and migration ---------------------------------------------- */

#define TPM2_CC_STARTUP		0x00000144
#define TPM2_SU_CLEAR		0x0000
#define TPM2_RC_INITIALIZE	0x100
#define TIS_ACCESS		0x00
#define TIS_INT_ENABLE		0x08
#define TIS_DATA_FIFO		0x24
#define TIS_STS_VALID		0x80
#define TIS_STS_DATA_AVAIL	0x10
#define TIS_STS_CMD_READY	0x40

/* Run a program; its exit status, or -1.  Its stdout goes to stderr. */
static int run_prog(const char *const argv[])
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static uint32_t rd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* A plain command with a header-only or any response: its rc, or -1. */
static int64_t tpm2_simple(struct vm *vm, struct cmdbuf *b, const char *what)
{
	struct resp r;

	if (tpm_transmit(vm, 0, 0, b, &r, what))
		return -1;
	return r.rc;
}

static int64_t tpm2_startup(struct vm *vm, const char *what)
{
	struct cmdbuf b;

	cmd_start(&b, TPM2_ST_NO_SESSIONS, TPM2_CC_STARTUP);
	put16(&b, TPM2_SU_CLEAR);
	cmd_end(&b);
	return tpm2_simple(vm, &b, what);
}

/*
 * reset: a platform reset of the device (vtisctl reset --ctrl) with a
 * command in flight and locality 0 held; the guest then finds the TIS in
 * its power-on state, the TPM restarted (a command before TPM2_Startup
 * gets TPM_RC_INITIALIZE), TPM2_Startup succeeds, PCR 16 is back to zero
 * and extends again.
 */
static void scenario_reset(struct vm *vm)
{
	char id[16];
	const char *argv[] = { opt.vtisctl, "reset", id, "--ctrl", vm->ctrl,
			       NULL };
	uint8_t pcr[32], zero[32] = { 0 };
	uint32_t acc, ie, ie0;
	struct cmdbuf b;
	struct resp r;
	int64_t rc;
	int st;

	if (!vm->ctrl[0]) {
		result(false, "reset: needs --spawn-swtpm (its control channel)");
		return;
	}
	if (guest_read(vm, 0, TIS_INT_ENABLE, 4, &ie0))
		return;
	if (!extend_and_check(vm, 0, 0, 16, "reset: before"))
		return;
	/* A command in flight, locality 0 active, at the reset. */
	cmd_get_random_any(&b, 16);
	if (tpm_op(vm, MB_OP_SEND, 0, 0, &b, &r, "reset: send"))
		return;
	snprintf(id, sizeof(id), "%u", vm->id);
	st = run_prog(argv);
	result(st == 0, "reset: vtisctl reset %s --ctrl %s exits 0 (%d)", id,
	       vm->ctrl, st);
	if (st)
		return;
	if (guest_read(vm, 0, TIS_ACCESS, 1, &acc) ||
	    guest_read(vm, 0, TIS_INT_ENABLE, 4, &ie))
		return;
	/* The probe recorded INT_ENABLE as the device came up. */
	diag("reset: INT_ENABLE(0) %#x before the scenario, %#x after the reset, %#x at the probe",
	     ie0, ie, vm->mb->val[MB_V_INT_ENABLE]);
	result((acc & 0xa6) == 0x80 && ie == vm->mb->val[MB_V_INT_ENABLE],
	       "reset: power-on TIS: no locality active or requested (ACCESS %#04x), INT_ENABLE %#x as the probe read it at power-on",
	       acc, ie);
	tpm2_cmd_pcr_read(&b, 16);
	rc = tpm2_simple(vm, &b, "reset: PCR_Read before Startup");
	result(rc == TPM2_RC_INITIALIZE,
	       "reset: the TPM was restarted: a command before TPM2_Startup gets TPM_RC_INITIALIZE (rc %#llx)",
	       (long long)rc);
	rc = tpm2_startup(vm, "reset: Startup");
	result(rc == TPM2_RC_SUCCESS, "reset: TPM2_Startup(CLEAR) succeeds (rc %#llx)",
	       (long long)rc);
	if (rc)
		return;
	if (tpm2_pcr_read(vm, 0, 0, 16, pcr, "reset: after"))
		return;
	result(hex_eq(pcr, zero, 32), "reset: PCR 16 reads zero after the TPM's restart");
	result(extend_and_check(vm, 0, 0, 16, "reset: after"),
	       "reset: PCR 16 extends and reads back after the reset");
}

static uint32_t crc32_le(const uint8_t *p, size_t n)
{
	uint32_t crc = ~0u;
	int k;

	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* Fix a blob's checksum after editing it (offset 24, over the blob). */
static void blob_reseal(uint8_t *p, size_t n)
{
	uint32_t c;

	memset(p + 24, 0, 4);
	c = crc32_le(p, n);
	p[24] = c;
	p[25] = c >> 8;
	p[26] = c >> 16;
	p[27] = c >> 24;
}

static int state_ioctl(struct vm *vm, unsigned long req, uint8_t *p,
		       uint32_t *len)
{
	struct kvm_vtis_state s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.id = vm->id;
	s.len = *len;
	s.data = (uintptr_t)p;
	ret = ioctl(vm->vtis_fd, req, &s);
	*len = s.len;
	return ret < 0 ? -errno : 0;
}

static int read_file(const char *path, uint8_t *p, size_t cap, size_t *n)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	*n = fread(p, 1, cap, f);
	fclose(f);
	return 0;
}

/* Read n FIFO bytes one at a time through the guest. */
static int fifo_read(struct vm *vm, uint8_t *p, size_t n)
{
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (guest_read(vm, 0, TIS_DATA_FIFO, 1, &v))
			return -1;
		p[i] = v;
	}
	return 0;
}

/* The rest of a response: its bytes, then STS, commandReady, relinquish. */
static bool finish_response(struct vm *vm, const uint8_t *hdr, uint8_t *rest,
			    size_t *rest_len, const char *what)
{
	uint32_t size = rd_be32(hdr + 2), sts;

	if (size < 10 || size > 4096) {
		result(false, "%s: response header size %u", what, size);
		return false;
	}
	*rest_len = size - 10;
	if (fifo_read(vm, rest, *rest_len) ||
	    guest_read(vm, 0, TIS_STS, 4, &sts))
		return false;
	if ((sts & (TIS_STS_VALID | TIS_STS_DATA_AVAIL)) != TIS_STS_VALID) {
		result(false, "%s: no data left after %u bytes (STS %#x)", what,
		       size, sts);
		return false;
	}
	vm->mb->arg0 = TIS_STS;
	vm->mb->arg1 = 1;
	vm->mb->arg2 = TIS_STS_CMD_READY;
	if (guest_op(vm, MB_OP_WRITE, 0, 0))
		return false;
	vm->mb->arg0 = TIS_ACCESS;
	vm->mb->arg2 = 0x20;	/* activeLocality: relinquish */
	return guest_op(vm, MB_OP_WRITE, 0, 0) == 0;
}

static struct vm *vm_new(void)
{
	struct vm *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->kvm_fd = -1;
	v->vm_fd = -1;
	v->vcpu_fd = -1;
	v->vtis_fd = -1;
	v->fault_vector = -1;
	return v;
}

static void vm_free(struct vm *v, const char *what)
{
	if (v->attached)
		vtis_detach(v);
	vm_destroy(v);
	if (v->swtpm_pid > 0)
		result(swtpm_reap(v, 5000), "%s: its swtpm exits by itself after the detach",
		       what);
	remove_state_dir(v);
	if (v->vtis_fd >= 0)
		close(v->vtis_fd);
	if (v->kvm_fd >= 0)
		close(v->kvm_fd);
	if (v->mem && v->mem != MAP_FAILED)
		munmap(v->mem, MB_GUEST_MEM);
	free(v);
}

/* swtpm_ioctl ARGS... on vm's control channel; 0 when it succeeded. */
static int swtpm_ctl(struct vm *vm, const char *a1, const char *a2,
		     const char *a3)
{
	const char *argv[] = { "swtpm_ioctl", "--unix", vm->ctrl, a1, a2, a3,
			       NULL };

	return run_prog(argv);
}

/*
 * migrate: VM A's guest reads the first 10 bytes of a PCR_Read response;
 * the device's state is saved there (vtisctl save), swtpm A's state blobs
 * too (swtpm_ioctl --save); A's guest then reads the rest, which is what
 * B must read.  VM B: a fresh device and swtpm; swtpm B loads A's blobs
 * (--stop, --load, -i); broken blobs are refused with EINVAL and leave B
 * untouched (its own save stays byte-identical); vtisctl restore; B's
 * guest reads the rest of the response, byte for byte A's, and goes on:
 * PCR 16 reads what A had and extends.
 */
static void scenario_migrate(struct vm *vm)
{
	static uint8_t blob[KVM_VTIS_STATE_MAX], bad[KVM_VTIS_STATE_MAX];
	static uint8_t b0[KVM_VTIS_STATE_MAX], b1[KVM_VTIS_STATE_MAX];
	char dir[160], file[200], perm[200], vol[200], ida[16], idb[16];
	const char *save_argv[] = { opt.vtisctl, "save", ida, file, NULL };
	const char *restore_argv[] = { opt.vtisctl, "restore", idb, file, NULL };
	uint8_t hdr[10], rest_a[4096], rest_b[4096], pcr_a[32], pcr_b[32];
	size_t rest_a_len, rest_b_len, blob_len, i;
	uint32_t sts = 0, l0, l1;
	struct vm *b = NULL;
	struct cmdbuf c;
	struct resp r;
	bool same = true;
	int ret, st;

	if (!vm->ctrl[0]) {
		result(false, "migrate: needs --spawn-swtpm (its control channel)");
		return;
	}
	snprintf(dir, sizeof(dir), "%s", vm->state_dir);
	snprintf(file, sizeof(file), "%s.blob", dir);
	snprintf(perm, sizeof(perm), "%s.perm", dir);
	snprintf(vol, sizeof(vol), "%s.vol", dir);
	snprintf(ida, sizeof(ida), "%u", vm->id);

	if (!extend_and_check(vm, 0, 0, 16, "migrate: A"))
		return;
	tpm2_cmd_pcr_read(&c, 16);
	if (tpm_op(vm, MB_OP_SEND, 0, 0, &c, &r, "migrate: A send"))
		return;
	for (i = 0; i < 2000 && !(sts & TIS_STS_DATA_AVAIL); i++) {
		if (guest_read(vm, 0, TIS_STS, 4, &sts))
			return;
		if (!(sts & TIS_STS_DATA_AVAIL))
			sleep_ms(5);
	}
	if (!(sts & TIS_STS_DATA_AVAIL)) {
		result(false, "migrate: A's response arrives (STS %#x)", sts);
		return;
	}
	if (fifo_read(vm, hdr, sizeof(hdr)))
		return;
	/* Mid-response: the state on A, and the TPM's. */
	st = run_prog(save_argv);
	result(st == 0, "migrate: vtisctl save %s FILE with 10 response bytes read exits 0 (%d)",
	       ida, st);
	if (st || read_file(file, blob, sizeof(blob), &blob_len))
		return;
	st = swtpm_ctl(vm, "--save", "permanent", perm);
	if (!st)
		st = swtpm_ctl(vm, "--save", "volatile", vol);
	result(st == 0, "migrate: swtpm A's permanent and volatile state blobs saved (swtpm_ioctl --save: %d)",
	       st);
	if (st)
		goto out;
	/* What B must read: the rest of A's response. */
	if (!finish_response(vm, hdr, rest_a, &rest_a_len, "migrate: A"))
		goto out;
	if (rest_a_len != 52 || rd_be32(hdr + 6) != 0) {
		result(false, "migrate: A's PCR_Read succeeded (rc %#x, %zu bytes)",
		       rd_be32(hdr + 6), rest_a_len + 10);
		goto out;
	}
	memcpy(pcr_a, rest_a + rest_a_len - 32, 32);

	b = vm_new();
	if (!b || vm_create(b) || vtis_attach(b) || swtpm_spawn(b) ||
	    wait_emulator(b)) {
		result(false, "migrate: VM B with a fresh device and swtpm");
		goto out;
	}
	snprintf(idb, sizeof(idb), "%u", b->id);
	st = swtpm_ctl(b, "--stop", NULL, NULL);
	if (!st)
		st = swtpm_ctl(b, "--load", "permanent", perm);
	if (!st)
		st = swtpm_ctl(b, "--load", "volatile", vol);
	if (!st)
		st = swtpm_ctl(b, "-i", NULL, NULL);
	result(st == 0, "migrate: swtpm B took A's state (--stop, --load permanent/volatile, -i: %d)",
	       st);
	if (st || guest_boot(b))
		goto out;

	/* Broken blobs: EINVAL, and B's state stays what it was. */
	l0 = sizeof(b0);
	if (state_ioctl(b, KVM_VTIS_SAVE_STATE, b0, &l0)) {
		result(false, "migrate: B's own state saves");
		goto out;
	}
	for (i = 0; i < 8; i++) {
		uint32_t len = blob_len;
		const char *what = "";

		memcpy(bad, blob, blob_len);
		switch (i) {
		case 0: len = blob_len - 1; what = "truncated by one byte"; break;
		case 1: len = 40; what = "truncated to 40 bytes"; break;
		case 2: bad[blob_len - 1] ^= 1; what = "a response byte flipped"; break;
		case 3: bad[0] ^= 0xff; blob_reseal(bad, blob_len); what = "bad magic"; break;
		case 4: bad[4] = 9; blob_reseal(bad, blob_len); what = "unknown version"; break;
		case 5: bad[12] = 1; blob_reseal(bad, blob_len); what = "TPM 1.2 family"; break;
		case 6: bad[40] = 7; blob_reseal(bad, blob_len); what = "active locality 7"; break;
		case 7: len = 0; what = "empty"; break;
		}
		ret = state_ioctl(b, KVM_VTIS_RESTORE_STATE, bad, &len);
		l1 = sizeof(b1);
		if (ret != -EINVAL || state_ioctl(b, KVM_VTIS_SAVE_STATE, b1, &l1) ||
		    l1 != l0 || memcmp(b0, b1, l0)) {
			result(false, "migrate: a blob %s is refused with EINVAL (%d) and B is untouched",
			       what, ret);
			same = false;
		}
	}
	result(same, "migrate: 8 broken blobs (truncated, flipped byte, bad magic/version/family/locality, empty) give EINVAL; B's state stays byte-identical");

	st = run_prog(restore_argv);
	result(st == 0, "migrate: vtisctl restore %s FILE into B exits 0 (%d)", idb,
	       st);
	if (st)
		goto out;
	if (!finish_response(b, hdr, rest_b, &rest_b_len, "migrate: B"))
		goto out;
	result(rest_b_len == rest_a_len && hex_eq(rest_a, rest_b, rest_a_len),
	       "migrate: B's guest reads the rest of the response (%zu bytes), byte for byte what A read",
	       rest_b_len);
	if (tpm2_pcr_read(b, 0, 0, 16, pcr_b, "migrate: B"))
		goto out;
	result(hex_eq(pcr_a, pcr_b, 32), "migrate: PCR 16 on B reads what it read on A");
	result(extend_and_check(b, 0, 0, 16, "migrate: B"),
	       "migrate: B's TPM extends PCR 16 and reads it back");
out:
	if (b)
		vm_free(b, "migrate: B");
	unlink(file);
	unlink(perm);
	unlink(vol);
}

struct scenario {
	const char *name;
	void (*fn)(struct vm *vm);
	bool tpm2_only;
};

/*
 * The device's interrupt line (KVM_VTIS_SET_IRQ).  The VMM plays the part
 * of KVM's irqfd: it gives the device an eventfd and counts its signals;
 * for the level form it also signals the resample eventfd, as KVM does at
 * the guest's EOI.  The guest enables the four TIS interrupts and
 * acknowledges INT_STATUS, as Linux's handler does.  With --irqchip the
 * device drives a GSI of the in-kernel irqchip itself
 * (KVM_VTIS_IRQ_DIRECT); the IOAPIC's IRR (KVM_GET_IRQCHIP) shows the
 * line's level, as the pin is masked.
 */
#define TIS_INT_ENABLE		0x08
#define TIS_INT_VECTOR		0x0c
#define TIS_INT_STATUS		0x10
#define TIS_INT_ALL		0x87u	/* cmdReady, locChange, stsValid, dataAvail */
#define TIS_INT_GLOBAL		0x80000000u
#define TIS_INT_LOW_LEVEL	0x08u
#define IRQ_GSI			10u
#define IRQ_CMDS		4

/* KVM_VTIS_INFO reports the line: irq and irq_flags equal these. */
static void irq_info_is(struct vm *vm, const char *what, uint32_t irq,
			uint32_t flags)
{
	struct kvm_vtis_info info;

	if (vtis_info(vm, &info)) {
		result(false, "irq: %s: KVM_VTIS_INFO answers (%s)", what, strerror(errno));
		return;
	}
	result(info.irq == irq && info.irq_flags == flags,
	       "irq: %s: KVM_VTIS_INFO reports irq %u, flags %#x (%u, %#x)", what,
	       irq, flags, info.irq, info.irq_flags);
}

static int set_irq(struct vm *vm, uint32_t flags, uint32_t irq, int efd,
		   int rsfd)
{
	struct kvm_vtis_irq q;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.flags = flags;
	q.id = vm->id;
	q.irq = irq;
	q.eventfd = efd;
	q.resample_fd = rsfd;
	return ioctl(vm->vtis_fd, KVM_VTIS_SET_IRQ, &q) ? errno : 0;
}

static int guest_write(struct vm *vm, unsigned int loc, uint32_t off,
		       unsigned int width, uint32_t val)
{
	vm->mb->arg0 = off;
	vm->mb->arg1 = width;
	vm->mb->arg2 = val;
	return guest_op(vm, MB_OP_WRITE, loc, 0);
}

/* Signals on @fd since the last call (it is non-blocking). */
static uint64_t efd_count(int fd)
{
	uint64_t n;

	return read(fd, &n, sizeof(n)) == (ssize_t)sizeof(n) ? n : 0;
}

static void efd_poke(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		diag("write resample eventfd: %s", strerror(errno));
}

/* The guest acknowledges what INT_STATUS shows; returns it, or ~0. */
static uint32_t guest_ack(struct vm *vm)
{
	uint32_t st;

	if (guest_read(vm, 0, TIS_INT_STATUS, 4, &st))
		return ~0u;
	if (st && guest_write(vm, 0, TIS_INT_STATUS, 4, st))
		return ~0u;
	return st;
}

/* The level of the IOAPIC pin @gsi (masked: IRR follows the line). */
static int ioapic_irr(struct vm *vm, unsigned int gsi)
{
	struct kvm_irqchip chip;

	memset(&chip, 0, sizeof(chip));
	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) < 0)
		return -1;
	return !!(chip.chip.ioapic.irr & (1u << gsi));
}

/* The direct form applies the level from a work item: wait a little. */
static bool ioapic_irr_becomes(struct vm *vm, unsigned int gsi, int want)
{
	uint64_t end = now_ms() + 2000;

	do {
		if (ioapic_irr(vm, gsi) == want)
			return true;
		sleep_ms(5);
	} while (now_ms() < end);
	return false;
}

static void irq_bad_requests(struct vm *vm, int efd, int efd2)
{
	static const struct {
		const char *what;
		uint32_t flags, irq;
		int fd, rs, err;
	} bad[] = {
		{ "an unknown flag", 2, IRQ_GSI, -2, -1, EINVAL },
		{ "irq 0 with an eventfd", 0, 0, -2, -1, EINVAL },
		{ "irq 256", 0, 256, -2, -1, EINVAL },
		{ "the eventfd as its own resample eventfd", 0, IRQ_GSI, -2, -2, EINVAL },
		{ "a resample eventfd without an eventfd", 0, 0, -1, -3, EINVAL },
		{ "an fd that is not an eventfd", 0, IRQ_GSI, -4, -1, EINVAL },
		{ "a closed fd", 0, IRQ_GSI, 9999, -1, EBADF },
		{ "removal with an irq", 0, IRQ_GSI, -1, -1, EINVAL },
		{ "direct with an eventfd", KVM_VTIS_IRQ_DIRECT, IRQ_GSI, -2, -1, EINVAL },
	};
	size_t i;
	int err, fd, rs;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		fd = bad[i].fd == -2 ? efd : bad[i].fd == -4 ? vm->vm_fd : bad[i].fd;
		rs = bad[i].rs == -2 ? efd : bad[i].rs == -3 ? efd2 : bad[i].rs;
		err = set_irq(vm, bad[i].flags, bad[i].irq, fd, rs);
		result(err == bad[i].err, "irq: KVM_VTIS_SET_IRQ with %s fails with %s (%s)",
		       bad[i].what, strerror(bad[i].err), err ? strerror(err) : "success");
	}
	if (!opt.irqchip) {
		err = set_irq(vm, KVM_VTIS_IRQ_DIRECT, IRQ_GSI, -1, -1);
		result(err == ENXIO, "irq: KVM_VTIS_IRQ_DIRECT without an in-kernel irqchip fails with ENXIO (%s)",
		       err ? strerror(err) : "success");
	}
}

/* One command with the locality held; how many signals did it bring? */
static int irq_command(struct vm *vm, int efd, const char *what,
		       uint64_t *signals, uint32_t *status)
{
	uint8_t rnd[16];

	efd_count(efd);
	if (tpm2_get_random(vm, 0, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH,
			    rnd, sizeof(rnd), what))
		return -1;
	*signals = efd_count(efd);
	*status = guest_ack(vm);
	return *status == ~0u ? -1 : 0;
}

static void scenario_irq(struct vm *vm)
{
	uint32_t v, st;
	uint64_t n, total = 0;
	int efd, rsfd, err, i;
	bool each = true;

	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rsfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0 || rsfd < 0) {
		result(false, "irq: eventfd (%s)", strerror(errno));
		return;
	}
	irq_bad_requests(vm, efd, rsfd);

	/* Edge form: one signal per rising edge of the TIS line. */
	err = set_irq(vm, 0, IRQ_GSI, efd, -1);
	result(!err, "irq: KVM_VTIS_SET_IRQ gsi %u with an eventfd (%s)", IRQ_GSI,
	       err ? strerror(err) : "ok");
	if (err)
		goto out;
	irq_info_is(vm, "eventfd", IRQ_GSI, 0);
	if (!guest_read(vm, 0, TIS_INT_VECTOR, 1, &v))
		result(v == IRQ_GSI, "irq: INT_VECTOR reads %u (%u)", IRQ_GSI, v);
	if (guest_op(vm, MB_OP_REQUEST, 0, 0) ||
	    guest_write(vm, 0, TIS_INT_ENABLE, 4,
			TIS_INT_GLOBAL | TIS_INT_LOW_LEVEL | TIS_INT_ALL)) {
		result(false, "irq: the guest takes locality 0 and enables interrupts");
		goto out;
	}
	guest_ack(vm);
	efd_count(efd);
	for (i = 0; i < IRQ_CMDS; i++) {
		if (irq_command(vm, efd, "irq: edge", &n, &st))
			goto out;
		diag("irq: command %d: %llu signal(s), INT_STATUS %#x", i,
		     (unsigned long long)n, st);
		total += n;
		if (!n || !(st & 0x01))
			each = false;
	}
	result(each, "irq: every command signals the eventfd and leaves dataAvail in INT_STATUS (%llu signals for %d commands)",
	       (unsigned long long)total, IRQ_CMDS);
	if (!guest_read(vm, 0, TIS_INT_STATUS, 4, &st))
		result(st == 0 && efd_count(efd) == 0,
		       "irq: acknowledged, INT_STATUS reads 0 and nothing is signalled (%#x)", st);

	/* Level form: KVM's resample (the VMM's write here) re-signals while asserted. */
	err = set_irq(vm, 0, IRQ_GSI, efd, rsfd);
	result(!err, "irq: KVM_VTIS_SET_IRQ replaces the line with a level one (resample eventfd) (%s)",
	       err ? strerror(err) : "ok");
	if (err)
		goto out;
	efd_count(efd);
	{
		uint8_t rnd[8];

		if (tpm2_get_random(vm, 0, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH,
				    rnd, sizeof(rnd), "irq: level"))
			goto out;
	}
	n = efd_count(efd);
	result(n >= 1, "irq: level: the command signals the eventfd (%llu)", (unsigned long long)n);
	for (i = 0; i < 3; i++) {
		efd_poke(rsfd);
		sleep_ms(50);
		n = efd_count(efd);
		if (n != 1)
			break;
	}
	result(i == 3, "irq: level: each resample while the line is asserted signals again (%d of 3; last %llu)",
	       i, (unsigned long long)n);
	st = guest_ack(vm);
	efd_poke(rsfd);
	sleep_ms(50);
	n = efd_count(efd);
	result(st != ~0u && st && n == 0,
	       "irq: level: once the guest acknowledged INT_STATUS (%#x), a resample signals nothing (%llu)",
	       st, (unsigned long long)n);

	/* Removal. */
	err = set_irq(vm, 0, 0, -1, -1);
	result(!err, "irq: KVM_VTIS_SET_IRQ removes the line (%s)", err ? strerror(err) : "ok");
	irq_info_is(vm, "removed", 0, 0);
	if (!guest_read(vm, 0, TIS_INT_VECTOR, 1, &v))
		result(v == 0, "irq: INT_VECTOR reads 0 again (%u)", v);
	if (!irq_command(vm, efd, "irq: removed", &n, &st))
		result(n == 0 && (st & 0x01), "irq: a command signals nothing any more (%llu; INT_STATUS %#x)",
		       (unsigned long long)n, st);

	/* Direct form on the in-kernel irqchip. */
	if (opt.irqchip) {
		err = set_irq(vm, KVM_VTIS_IRQ_DIRECT, IRQ_GSI, -1, -1);
		result(!err, "irq: KVM_VTIS_IRQ_DIRECT on gsi %u of the in-kernel irqchip (%s)",
		       IRQ_GSI, err ? strerror(err) : "ok");
		if (err)
			goto out;
		irq_info_is(vm, "direct", IRQ_GSI, KVM_VTIS_IRQ_DIRECT);
		result(ioapic_irr_becomes(vm, IRQ_GSI, 0), "irq: direct: the IOAPIC pin is low while nothing is pending");
		for (i = 0; i < 2; i++) {
			uint8_t rnd[8];

			if (tpm2_get_random(vm, 0, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH,
					    rnd, sizeof(rnd), "irq: direct"))
				goto out;
			result(ioapic_irr_becomes(vm, IRQ_GSI, 1),
			       "irq: direct: command %d raises the IOAPIC pin", i);
			st = guest_ack(vm);
			result(st != ~0u && ioapic_irr_becomes(vm, IRQ_GSI, 0),
			       "irq: direct: the guest's acknowledgement (%#x) lowers it", st);
		}
		if (tpm2_get_random(vm, 0, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH,
				    (uint8_t[8]){ 0 }, 8, "irq: direct"))
			goto out;
		result(ioapic_irr_becomes(vm, IRQ_GSI, 1), "irq: direct: asserted again");
		err = set_irq(vm, 0, 0, -1, -1);
		result(!err && ioapic_irr_becomes(vm, IRQ_GSI, 0),
		       "irq: direct: removing the line lowers the pin (%s)", err ? strerror(err) : "ok");
		/* Left set for the detach (or the VM's destruction) to release. */
		err = set_irq(vm, KVM_VTIS_IRQ_DIRECT, IRQ_GSI, -1, -1);
		result(!err && ioapic_irr_becomes(vm, IRQ_GSI, 1),
		       "irq: direct: set again with an interrupt pending, the pin goes high at once (%s)",
		       err ? strerror(err) : "ok");
	} else {
		/* Left set: detach or the VM's destruction releases the eventfds. */
		err = set_irq(vm, 0, IRQ_GSI, efd, rsfd);
		result(!err, "irq: a level line left set for the end of the run (%s)",
		       err ? strerror(err) : "ok");
	}
	guest_op(vm, MB_OP_RELINQUISH, 0, 0);
out:
	close(efd);
	close(rsfd);
}

static const struct scenario scenarios[] = {
	{ "probe", scenario_probe, false },
	{ "getrandom", scenario_getrandom, true },
	{ "extend", scenario_extend, true },
	{ "bigcmd", scenario_bigcmd, true },
	{ "localities", scenario_localities, true },
	{ "tpm12", scenario_tpm12, false },
	{ "loop", scenario_loop, false },
	{ "extend-loop", scenario_extend_loop, true },
	{ "read-loop", scenario_read_loop, false },
	{ "two-vm", scenario_two_vm, false },
	{ "emu-restart", scenario_emu_restart, false },
	{ "detach-mid", scenario_detach_mid, false },	/* ends the device */
	{ "obs", scenario_obs, true },
	{ "storm", scenario_storm, false },
	{ "guest-storm", scenario_guest_storm, true },
	{ "host-pcr", scenario_host_pcr, true },
	{ "cancel", scenario_cancel, true },
	{ "host-loss", scenario_host_loss, true },
	{ "irq", scenario_irq, true },
	{ "access-cost", scenario_access_cost, false },
	{ "scale", scenario_scale, true },
	{ "reset", scenario_reset, true },
	{ "migrate", scenario_migrate, true },
	{ "guest-fault", scenario_guest_fault, false },	/* ends the guest */
};

#define N_SCENARIOS ARRAY_SIZE(scenarios)

/* ---- self test of the hash code ---------------------------------------- */

static int selftest(void)
{
	static const char *const msgs[] = {
		"", "abc",
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	};
	static const char *const want1[] = {
		"da39a3ee5e6b4b0d3255bfef95601890afd80709",
		"a9993e364706816aba3e25717850c26c9cd0d89d",
		"84983e441c3bd26ebaae4aa1f95129e5e54670f1",
	};
	static const char *const want256[] = {
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	};
	uint8_t d[32];
	char hex[65];
	size_t i, j;
	bool ok;

	for (i = 0; i < 3; i++) {
		sha1(msgs[i], strlen(msgs[i]), d);
		for (j = 0; j < 20; j++)
			sprintf(hex + 2 * j, "%02x", d[j]);
		ok = !strcmp(hex, want1[i]);
		result(ok, "selftest: SHA-1 known answer %zu", i);
		sha256(msgs[i], strlen(msgs[i]), d);
		for (j = 0; j < 32; j++)
			sprintf(hex + 2 * j, "%02x", d[j]);
		ok = !strcmp(hex, want256[i]);
		result(ok, "selftest: SHA-256 known answer %zu", i);
	}
	return failures ? 1 : 0;
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: vtis-vmm [options] [SCENARIO...]\n"
		"  -s, --scenario LIST   scenarios, comma-separated (default: probe)\n"
		"  -t, --tpm 1.2|2.0     TPM family to attach and expect (default 2.0)\n"
		"  -S, --spawn-swtpm     start swtpm on the emulator device, reap it at the end\n"
		"  -H, --host-tpm        attach to the host's TPM chip instead of an emulator\n"
		"  -i, --tpm-index N     the host TPM chip (default 0)\n"
		"  -d, --state-dir DIR   swtpm state folder (default: a fresh one, removed)\n"
		"  -e, --emu-file FILE   write the emulator device's name to FILE\n"
		"  -w, --wait-emu SECS   wait for an emulator to connect (default 10)\n"
		"  -n, --no-attach       do not attach kvm_vtis: TIS accesses exit here\n"
		"  -k, --no-detach       end by destroying the VM instead of detaching\n"
		"  -T, --timeout SECS    bound of the whole run (default 120)\n"
		"  -g, --guest-timeout MS  bound of each wait in the guest (default 5000)\n"
		"  -p, --poll-us US      pause between the guest's STS polls (default 1000)\n"
		"  -l, --loop-secs SECS  duration of the loop scenario (default 5)\n"
		"  -b, --base ADDR       guest-physical base of the window\n"
		"      --swtpm PATH      swtpm binary (default: swtpm from PATH)\n"
		"      --vtisctl PATH    vtisctl binary for reset and migrate (default: from PATH)\n"
		"      --storm N         accesses of the storm and access-cost scenarios\n"
		"                        (default 20000)\n"
		"      --vms N           VMs of the scale scenario (2..64, default 16)\n"
		"      --extends N       extends per VM of the scale scenario (default 1000)\n"
		"      --expect-errors   TPM failure responses are expected (no count check)\n"
		"      --irqchip         give the VM an in-kernel irqchip (KVM_CREATE_IRQCHIP)\n"
		"      --hold FILE       at the end, write the device id to FILE and wait\n"
		"                        until FILE is removed before detaching\n"
		"      --selftest        check the SHA code, then exit\n"
		"  -v, --verbose\n"
		"scenarios:");
	for (i = 0; i < N_SCENARIOS; i++)
		fprintf(f, " %s", scenarios[i].name);
	fprintf(f, "\n");
}

static bool parse_uint(const char *s, unsigned long long max,
		       unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && *s && !*end && *out <= max;
}

static bool sel[N_SCENARIOS];
static bool any_sel;

static bool select_scenarios(char *list)
{
	char *tok, *save = NULL;
	size_t i;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < N_SCENARIOS; i++)
			if (!strcmp(tok, scenarios[i].name))
				break;
		if (i == N_SCENARIOS) {
			fprintf(stderr, "vtis-vmm: unknown scenario %s\n", tok);
			return false;
		}
		sel[i] = true;
		any_sel = true;
	}
	return true;
}

static bool parse_args(int argc, char **argv)
{
	enum { OPT_SWTPM = 256, OPT_SELFTEST, OPT_STORM, OPT_EXPECT_ERRORS,
	       OPT_HOLD, OPT_IRQCHIP, OPT_VMS, OPT_EXTENDS, OPT_VTISCTL };
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "tpm", required_argument, NULL, 't' },
		{ "spawn-swtpm", no_argument, NULL, 'S' },
		{ "host-tpm", no_argument, NULL, 'H' },
		{ "tpm-index", required_argument, NULL, 'i' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "emu-file", required_argument, NULL, 'e' },
		{ "wait-emu", required_argument, NULL, 'w' },
		{ "no-attach", no_argument, NULL, 'n' },
		{ "no-detach", no_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "guest-timeout", required_argument, NULL, 'g' },
		{ "poll-us", required_argument, NULL, 'p' },
		{ "loop-secs", required_argument, NULL, 'l' },
		{ "base", required_argument, NULL, 'b' },
		{ "swtpm", required_argument, NULL, OPT_SWTPM },
		{ "selftest", no_argument, NULL, OPT_SELFTEST },
		{ "storm", required_argument, NULL, OPT_STORM },
		{ "expect-errors", no_argument, NULL, OPT_EXPECT_ERRORS },
		{ "hold", required_argument, NULL, OPT_HOLD },
		{ "irqchip", no_argument, NULL, OPT_IRQCHIP },
		{ "vms", required_argument, NULL, OPT_VMS },
		{ "extends", required_argument, NULL, OPT_EXTENDS },
		{ "vtisctl", required_argument, NULL, OPT_VTISCTL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int c;

	while ((c = getopt_long(argc, argv, "s:t:SHi:d:e:w:nkT:g:p:l:b:vh",
				longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!select_scenarios(optarg))
				return false;
			break;
		case 't':
			if (!strcmp(optarg, "1.2"))
				opt.tpm12 = true;
			else if (!strcmp(optarg, "2.0") || !strcmp(optarg, "2"))
				opt.tpm12 = false;
			else
				return false;
			break;
		case 'S':
			opt.spawn_swtpm = true;
			break;
		case 'H':
			opt.host_tpm = true;
			break;
		case 'i':
			if (!parse_uint(optarg, 65535, &v))
				return false;
			opt.tpm_index = v;
			break;
		case 'd':
			opt.state_dir = optarg;
			break;
		case 'e':
			opt.emu_file = optarg;
			break;
		case 'w':
			if (!parse_uint(optarg, 3600, &v))
				return false;
			opt.wait_emu = v;
			break;
		case 'n':
			opt.no_attach = true;
			break;
		case 'k':
			opt.no_detach = true;
			break;
		case 'T':
			if (!parse_uint(optarg, 86400, &v) || !v)
				return false;
			opt.timeout = v;
			break;
		case 'g':
			if (!parse_uint(optarg, 600000, &v) || !v)
				return false;
			opt.guest_timeout_ms = v;
			if (opt.guest_duration_ms < v)
				opt.guest_duration_ms = v;
			break;
		case 'p':
			if (!parse_uint(optarg, 1000000, &v))
				return false;
			opt.poll_us = v;
			break;
		case 'l':
			if (!parse_uint(optarg, 86400, &v) || !v)
				return false;
			opt.loop_secs = v;
			break;
		case 'b':
			if (!parse_uint(optarg, 0xffffffffULL - KVM_VTIS_WINDOW_SIZE + 1, &v) ||
			    (v & 0xfff) || v < MB_GUEST_MEM)
				return false;
			opt.base = v;
			break;
		case OPT_SWTPM:
			opt.swtpm = optarg;
			break;
		case OPT_SELFTEST:
			exit(selftest());
		case OPT_STORM:
			if (!parse_uint(optarg, 100000000, &v) || !v)
				return false;
			opt.storm = v;
			break;
		case OPT_EXPECT_ERRORS:
			opt.expect_errors = true;
			break;
		case OPT_HOLD:
			opt.hold_file = optarg;
			break;
		case OPT_IRQCHIP:
			opt.irqchip = true;
			break;
		case OPT_VMS:
			if (!parse_uint(optarg, SCALE_MAX_VMS, &v) || v < 2)
				return false;
			opt.vms = v;
			break;
		case OPT_EXTENDS:
			if (!parse_uint(optarg, 1000000, &v) || !v)
				return false;
			opt.extends = v;
			break;
		case OPT_VTISCTL:
			opt.vtisctl = optarg;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return false;
		}
	}
	for (; optind < argc; optind++)
		if (!select_scenarios(argv[optind]))
			return false;
	if (opt.no_attach && opt.spawn_swtpm)
		return false;
	if (opt.host_tpm && (opt.no_attach || opt.spawn_swtpm || opt.emu_file ||
			     opt.tpm12))
		return false;
	return true;
}

/*
 * Let a test look at the live device: write its id to the hold file and
 * wait (bounded by --timeout) until the file is removed.
 */
static void hold(struct vm *vm)
{
	FILE *f = fopen(opt.hold_file, "w");

	if (!f || fprintf(f, "%u\n", vm->id) < 0 || fclose(f)) {
		result(false, "hold: write %s (%s)", opt.hold_file, strerror(errno));
		return;
	}
	diag("holding device %u until %s is removed", vm->id, opt.hold_file);
	while (access(opt.hold_file, F_OK) == 0)
		sleep_ms(50);
}

int main(int argc, char **argv)
{
	struct vm *vm = &the_vm;
	struct kvm_vtis_info info;
	uint32_t accesses;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!parse_args(argc, argv)) {
		usage(stderr);
		return 2;
	}
	if (!any_sel)
		sel[0] = true;

	signal(SIGALRM, on_alarm);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	alarm(opt.timeout);

	if (vm_create(vm)) {
		result(false, "vm: create a VM with one vCPU in 32-bit protected mode");
		return 1;
	}
	if (!opt.no_attach) {
		if (vtis_attach(vm))
			goto out;
		if (opt.spawn_swtpm && swtpm_spawn(vm))
			goto out;
		if ((opt.spawn_swtpm || opt.emu_file) && wait_emulator(vm))
			goto out;
	}
	if (guest_boot(vm)) {
		result(false, "vm: the guest boots and reaches its first hand-over");
		goto out;
	}

	for (i = 0; i < N_SCENARIOS && !vm->dead; i++) {
		uint64_t before = vm->exits_mmio_tis;
		uint32_t acc_before = guest_accesses(vm);

		if (!sel[i])
			continue;
		if (opt.no_attach && (!strcmp(scenarios[i].name, "guest-fault") ||
				      !strcmp(scenarios[i].name, "read-loop") ||
				      !strcmp(scenarios[i].name, "access-cost") ||
				      !strcmp(scenarios[i].name, "two-vm"))) {
			scenarios[i].fn(vm);
			continue;
		}
		if (opt.no_attach && i != 0) {
			diag("%s: skipped without a device (--no-attach)",
			     scenarios[i].name);
			continue;
		}
		if (scenarios[i].tpm2_only && opt.tpm12) {
			result(false, "%s: needs TPM 2.0", scenarios[i].name);
			continue;
		}
		if (opt.no_attach) {
			/* Without a device the guest sees all-ones registers. */
			int st = guest_op(vm, MB_OP_PROBE, 0, 0);

			diag("no-attach: probe ends with: %s",
			     st < 0 ? "guest stopped" : status_name(st));
			result(st > 0 && vm->mb->val[MB_V_DID_VID] == 0xffffffff,
			       "no-attach: the guest finds no TPM (DID_VID %#x)",
			       vm->mb->val[MB_V_DID_VID]);
		} else {
			scenarios[i].fn(vm);
		}
		diag("%s: %u guest TIS accesses, %llu exited to userspace",
		     scenarios[i].name, guest_accesses(vm) - acc_before,
		     (unsigned long long)(vm->exits_mmio_tis - before));
	}

	accesses = guest_accesses(vm);
	if (vm->detached_mid) {
		/* Count only while the device was attached. */
		accesses = vm->accesses_at_detach;
		vm->exits_mmio_tis = vm->exits_at_detach;
	}
	if (opt.no_attach) {
		result(vm->exits_mmio_tis > 0 && vm->exits_mmio_tis == accesses,
		       "exits: without a device every guest TIS access exits to userspace (%llu exits, %u accesses)",
		       (unsigned long long)vm->exits_mmio_tis, accesses);
	} else {
		result(accesses > 0 && vm->exits_mmio_tis == 0,
		       "exits: 0 TIS accesses exited to userspace (%llu exits of %u guest TIS accesses)",
		       (unsigned long long)vm->exits_mmio_tis, accesses);
	}
	diag("exits to userspace: %llu total, %llu port I/O (hand-overs, guest log), %llu MMIO, %llu other",
	     (unsigned long long)vm->exits, (unsigned long long)vm->exits_io,
	     (unsigned long long)vm->exits_mmio,
	     (unsigned long long)vm->exits_other);
	if (vm->attached && vtis_info(vm, &info) == 0) {
		diag("device %u: commands %llu responses %llu errors %llu, MMIO reads %llu writes %llu, bytes to TPM %llu from TPM %llu",
		     vm->id, (unsigned long long)info.commands,
		     (unsigned long long)info.responses,
		     (unsigned long long)info.errors,
		     (unsigned long long)info.mmio_reads,
		     (unsigned long long)info.mmio_writes,
		     (unsigned long long)info.bytes_to_tpm,
		     (unsigned long long)info.bytes_from_tpm);
		result(info.mmio_reads == vm->mb->mmio_reads + vm->ap_reads &&
		       info.mmio_writes == vm->mb->mmio_writes + vm->ap_writes,
		       "exits: kvm_vtis counted every guest TIS access (%llu reads, %llu writes; the guest made %u and %u)",
		       (unsigned long long)info.mmio_reads,
		       (unsigned long long)info.mmio_writes,
		       vm->mb->mmio_reads + vm->ap_reads,
		       vm->mb->mmio_writes + vm->ap_writes);
		if (!vm->detached_mid) {
			struct kvm_vtis_stats st;
			bool same = vtis_stats(vm, &st) == 0;
			unsigned int c;

			for (c = 0; same && c < 8; c++)
				same = st.mmio_reads[c] == vm->mb->class_reads[c] +
							   vm->ap_class_reads[c] &&
				       st.mmio_writes[c] == vm->mb->class_writes[c] +
							    vm->ap_class_writes[c];
			result(same, "exits: kvm_vtis counted the guest's accesses by register class (KVM_VTIS_STATS)");
		}
		if (!vm->emu_lost && !opt.expect_errors)
			result(info.commands == vm->mb->commands - vm->refused &&
			       info.responses == vm->mb->commands - vm->refused &&
			       !info.errors,
			       "device: %llu commands and %llu responses, %llu synthesised errors, for the guest's %u commands (%u refused by design)",
			       (unsigned long long)info.commands,
			       (unsigned long long)info.responses,
			       (unsigned long long)info.errors,
			       vm->mb->commands, vm->refused);
	}

	if (opt.hold_file && vm->attached)
		hold(vm);
out:
	if (vm->attached && !opt.no_detach)
		vtis_detach(vm);
	vm_destroy(vm);
	if (vm->swtpm_pid > 0) {
		bool gone = swtpm_reap(vm, 5000);

		result(gone, "swtpm: exits by itself after the %s",
		       opt.no_detach ? "VM is destroyed" : "detach");
	}
	remove_state_dir(vm);
	if (vm->vtis_fd >= 0)
		close(vm->vtis_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	diag("vtis-vmm: %u passed, %u failed", passes, failures);
	return failures ? 1 : 0;
}
