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
#include "vmm.h"

/* ---- options, results -------------------------------------------------- */

struct options opt = {
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
unsigned int failures;
static unsigned int passes;

void __printf(2, 3) result(bool ok, const char *fmt, ...)
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

void __printf(1, 2) diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
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

/* ---- the VM -------------------------------------------------------------- */

struct vm the_vm = {
	.kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1, .vtis_fd = -1,
	.fault_vector = -1,
};

/* swtpm of the main VM and of the second one, for the signal handlers. */
static volatile sig_atomic_t swtpm_pids[2];

void swtpm_track(struct vm *vm, pid_t pid)
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

int vm_create(struct vm *vm)
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
int vcpu_create(struct vm *vm, unsigned int index)
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

const char *status_name(uint32_t st)
{
	if (st < MB_E_COUNT && status_names[st])
		return status_names[st];
	return "unknown guest status";
}

/* Run one guest operation.  Returns the guest's status, or -1. */
int guest_op(struct vm *vm, uint32_t op, unsigned int loc,
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

int guest_read(struct vm *vm, unsigned int loc, uint32_t off,
	       unsigned int width, uint32_t *val)
{
	int st;

	vm->mb->arg0 = off;
	vm->mb->arg1 = width;
	st = guest_op(vm, MB_OP_READ, loc, 0);
	*val = vm->mb->arg2;
	return st;
}

int guest_boot(struct vm *vm)
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

uint32_t guest_accesses(struct vm *vm)
{
	return vm->mb->mmio_reads + vm->mb->mmio_writes + vm->ap_reads +
	       vm->ap_writes;
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
