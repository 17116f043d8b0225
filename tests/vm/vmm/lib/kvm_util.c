// SPDX-License-Identifier: GPL-2.0
/*
 * The test VM: creation, vCPUs, the run loop and the guest's operations
 * (see kvm_util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_util.h"
#include "test_util.h"

_Static_assert(MB_IF_TIS == KVM_VTIS_INTERFACE_TIS &&
	       MB_IF_CRB == KVM_VTIS_INTERFACE_CRB,
	       "the guest's drivers are named by the uapi's interfaces");

extern const uint8_t guest_image[], guest_image_end[];

struct kvm_vm *vm_create(const struct vm_config *cfg)
{
	struct kvm_userspace_memory_region region;
	size_t image_len = guest_image_end - guest_image;
	struct kvm_vm *vm = calloc(1, sizeof(*vm));
	int ret;

	if (!vm) {
		diag("allocate a VM: %s", strerror(errno));
		return NULL;
	}
	vm->cfg = *cfg;
	vm->fd = -1;
	vm->mem = MAP_FAILED;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		diag("open /dev/kvm: %s", strerror(errno));
		goto fail;
	}
	ret = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		diag("KVM API version %d, want %d", ret, KVM_API_VERSION);
		goto fail;
	}
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		diag("KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	vm->mem = mmap(NULL, MB_GUEST_MEM, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		diag("mmap guest memory: %s", strerror(errno));
		goto fail;
	}
	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = MB_GUEST_MEM;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		diag("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		goto fail;
	}
	if (image_len > MB_CODE_MAX) {
		diag("guest image too large (%zu bytes)", image_len);
		goto fail;
	}
	memcpy(vm->mem + MB_CODE_ADDR, guest_image, image_len);
	if (cfg->irqchip && ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		diag("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		goto fail;
	}
	return vm;
fail:
	vm_free(vm);
	return NULL;
}

/* Flat 32-bit protected mode: 4 GiB code and data segments, no paging. */
static int vcpu_set_flat_mode(struct kvm_vcpu *vcpu, uint32_t mb_addr)
{
	struct kvm_segment seg;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0) {
		diag("KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	memset(&seg, 0, sizeof(seg));
	seg.limit = 0xffffffff;
	seg.present = 1;
	seg.db = 1;
	seg.s = 1;
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
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0) {
		diag("KVM_SET_SREGS: %s", strerror(errno));
		return -1;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = MB_CODE_ADDR;
	regs.rsp = mb_addr;
	regs.rbx = vcpu->id;
	regs.rflags = 0x2;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0) {
		diag("KVM_SET_REGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void vcpu_free(struct kvm_vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	free(vcpu);
}

/*
 * vCPU id of the VM, at the guest's entry with its own stack and mailbox
 * (vCPU 0 builds the guest's IDT: add it first).
 */
struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, unsigned int id)
{
	uint32_t mb_addr = MB_ADDR + id * MB_VCPU_STRIDE;
	struct kvm_vcpu *vcpu;
	int ret, khz;

	if (id >= MB_MAX_VCPUS || vm->vcpus[id]) {
		diag("vCPU %u: the guest has mailboxes for %u", id,
		     MB_MAX_VCPUS);
		return NULL;
	}
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return NULL;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fault_vector = -1;
	vcpu->mb = (struct mailbox *)(vm->mem + mb_addr);
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0) {
		diag("KVM_CREATE_VCPU: %s", strerror(errno));
		goto fail;
	}
	ret = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < (int)sizeof(struct kvm_run)) {
		diag("KVM_GET_VCPU_MMAP_SIZE: %d", ret);
		goto fail;
	}
	vcpu->run_size = ret;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		diag("mmap kvm_run: %s", strerror(errno));
		goto fail;
	}
	if (vcpu_set_flat_mode(vcpu, mb_addr))
		goto fail;
	khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0) {
		diag("KVM_GET_TSC_KHZ: %s; assuming 1 GHz", strerror(errno));
		khz = 1000000;
	}
	memset(vcpu->mb, 0, sizeof(*vcpu->mb));
	vcpu->mb->magic = MB_MAGIC;
	vcpu->mb->tis_base = (uint32_t)vm->cfg.tis_base;
	vcpu->mb->tsc_khz = khz;
	vcpu->mb->timeout_ms = vm->cfg.timeout_ms;
	vcpu->mb->duration_ms = vm->cfg.duration_ms;
	vcpu->mb->poll_us = vm->cfg.poll_us;
	vcpu->mb->interface = vm->cfg.interface;
	vm->vcpus[id] = vcpu;
	if (vm->cfg.verbose)
		diag("vCPU %u: TSC %u kHz", id, khz);
	return vcpu;
fail:
	vcpu_free(vcpu);
	return NULL;
}

/* A VM with vCPU 0, run up to the guest's first hand-over. */
struct kvm_vm *vm_create_booted(const struct vm_config *cfg,
				struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create(cfg);

	*vcpu = vm ? vm_vcpu_add(vm, 0) : NULL;
	if (!*vcpu || vcpu_boot(*vcpu)) {
		if (vm)
			vm_free(vm);
		return NULL;
	}
	return vm;
}

/* Closes the vCPUs and the VM: KVM destroys it when nothing else holds it. */
void vm_free(struct kvm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < MB_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			vcpu_free(vm->vcpus[i]);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->mem != MAP_FAILED)
		munmap(vm->mem, MB_GUEST_MEM);
	free(vm);
}

int vm_ioapic_pin(const struct kvm_vm *vm, unsigned int gsi)
{
	struct kvm_irqchip chip;

	memset(&chip, 0, sizeof(chip));
	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	if (ioctl(vm->fd, KVM_GET_IRQCHIP, &chip) < 0)
		return -1;
	return !!(chip.chip.ioapic.irr & (1u << gsi));
}

bool vm_ioapic_pin_becomes(const struct kvm_vm *vm, unsigned int gsi,
			   int want)
{
	uint64_t end = now_ms() + 2000;

	do {
		if (vm_ioapic_pin(vm, gsi) == want)
			return true;
		sleep_ms(5);
	} while (now_ms() < end);
	return false;
}

uint64_t vm_tis_exits(const struct kvm_vm *vm)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < MB_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			n += vm->vcpus[i]->exits_mmio_tis;
	return n;
}

static void vcpu_dump(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) == 0)
		diag("vCPU %u: rip=%#llx rsp=%#llx rax=%#llx rflags=%#llx",
		     vcpu->id, (unsigned long long)regs.rip,
		     (unsigned long long)regs.rsp,
		     (unsigned long long)regs.rax,
		     (unsigned long long)regs.rflags);
}

static void guest_log(struct kvm_vcpu *vcpu, uint8_t c)
{
	if (c == '\n' || vcpu->log_len == sizeof(vcpu->log) - 1) {
		vcpu->log[vcpu->log_len] = 0;
		diag("guest: %s", vcpu->log);
		vcpu->log_len = 0;
		if (c == '\n')
			return;
	}
	if (c >= 0x20 && c < 0x7f)
		vcpu->log[vcpu->log_len++] = c;
}

/* Port I/O: 1 the hand-over (its value in *value), 0 go on, -1 stop. */
static int vcpu_handle_io(struct kvm_vcpu *vcpu, uint32_t *value)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *io = (uint8_t *)run + run->io.data_offset;
	const uint32_t *fault = vcpu->vm->vcpus[0]->mb->fault;
	uint32_t i;

	vcpu->exits_io++;
	if (run->io.direction != KVM_EXIT_IO_OUT) {
		diag("unexpected I/O exit: port %#x in, size %u", run->io.port,
		     run->io.size);
		return -1;
	}
	if (run->io.port == MB_PORT_DONE && run->io.size == 4 &&
	    run->io.count == 1) {
		memcpy(value, io, 4);
		return 1;
	}
	if (run->io.port == MB_PORT_FAULT) {
		/* start.S reports into vCPU 0's mailbox */
		vcpu->fault_vector = fault[0];
		diag("guest CPU exception: vector %u, error code %#x, eip %#x",
		     fault[0], fault[1], fault[2]);
		return -1;
	}
	if (run->io.port == MB_PORT_LOG && run->io.size == 1) {
		for (i = 0; i < run->io.count; i++)
			guest_log(vcpu, io[i]);
		return 0;
	}
	diag("unexpected I/O exit: port %#x out, size %u", run->io.port,
	     run->io.size);
	return -1;
}

/* MMIO: 0 go on (a counted TIS access), -1 stop. */
static int vcpu_handle_mmio(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint64_t base = vcpu->vm->cfg.tis_base;

	vcpu->exits_mmio++;
	if (run->mmio.phys_addr < base ||
	    run->mmio.phys_addr - base >= KVM_VTIS_WINDOW_SIZE) {
		diag("MMIO exit outside the TIS window: %#llx",
		     (unsigned long long)run->mmio.phys_addr);
		return -1;
	}
	vcpu->exits_mmio_tis++;
	if (vcpu->vm->cfg.verbose && vcpu->exits_mmio_tis <= 8)
		diag("MMIO exit: %s %#llx len %u",
		     run->mmio.is_write ? "write" : "read",
		     (unsigned long long)run->mmio.phys_addr, run->mmio.len);
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
	return 0;
}

/*
 * Run the vCPU until the guest hands over through MB_PORT_DONE.  Returns 0
 * with the value the guest wrote, or -1 when the guest cannot continue.
 */
static int vcpu_run(struct kvm_vcpu *vcpu, uint32_t *value)
{
	struct kvm_run *run = vcpu->run;
	int ret;

	if (vcpu->dead)
		return -1;
	for (;;) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			diag("KVM_RUN: %s", strerror(errno));
			break;
		}
		vcpu->exits++;
		if (run->exit_reason == KVM_EXIT_IO) {
			ret = vcpu_handle_io(vcpu, value);
			if (ret > 0)
				return 0;
			if (ret < 0)
				break;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			if (vcpu_handle_mmio(vcpu))
				break;
			continue;
		}
		vcpu->exits_other++;
		if (run->exit_reason == KVM_EXIT_INTR)
			continue;
		if (run->exit_reason == KVM_EXIT_HLT)
			diag("guest halted");
		else if (run->exit_reason == KVM_EXIT_SHUTDOWN)
			diag("guest shut down (triple fault)");
		else if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
			diag("VM entry failed: reason %#llx",
			     (unsigned long long)
			     run->fail_entry.hardware_entry_failure_reason);
		else if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			diag("KVM internal error, suberror %u",
			     run->internal.suberror);
		else
			diag("unexpected exit reason %u", run->exit_reason);
		break;
	}
	vcpu_dump(vcpu);
	vcpu->dead = true;
	return -1;
}

int vcpu_boot(struct kvm_vcpu *vcpu)
{
	uint32_t value;

	if (vcpu_run(vcpu, &value))
		return -1;
	if (value != MB_READY) {
		diag("guest's first hand-over is %#x", value);
		return -1;
	}
	return 0;
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

const char *mb_status_name(uint32_t st)
{
	if (st < MB_E_COUNT && status_names[st])
		return status_names[st];
	return "unknown guest status";
}

/* Run one guest operation.  Returns the guest's status, or -1. */
int vcpu_op(struct kvm_vcpu *vcpu, uint32_t op, unsigned int loc,
	    uint32_t flags)
{
	struct mailbox *mb = vcpu->mb;
	uint32_t value;

	mb->op = op;
	mb->locality = loc;
	mb->flags = flags;
	mb->seq++;
	mb->status = ~0u;
	if (vcpu_run(vcpu, &value))
		return -1;
	if (value != mb->seq || mb->done_seq != mb->seq) {
		diag("guest handed over %#x for operation %u", value, mb->seq);
		vcpu->dead = true;
		return -1;
	}
	if (mb->status != MB_OK) {
		diag("guest: %s (last STS %#x)", mb_status_name(mb->status),
		     mb->last_sts);
		if (vcpu->vm->cfg.verbose && mb->resp_len)
			hexdump("partial response", mb->resp,
				mb->resp_len < 64 ? mb->resp_len : 64);
	}
	return (int)mb->status;
}

/*
 * A TPM command's operation (MB_OP_TRANSMIT, _SEND; _RECV with no cmd):
 * cmd goes into the mailbox, the response lands in mb->resp (resp_len).
 * Returns the guest's status, or -1.
 */
int vcpu_cmd_op(struct kvm_vcpu *vcpu, uint32_t op, unsigned int loc,
		uint32_t flags, const void *cmd, size_t len)
{
	if (cmd) {
		if (len > sizeof(vcpu->mb->cmd)) {
			diag("a command of %zu bytes does not fit the mailbox",
			     len);
			return -1;
		}
		memcpy(vcpu->mb->cmd, cmd, len);
		vcpu->mb->cmd_len = len;
	}
	return vcpu_op(vcpu, op, loc, flags);
}

int vcpu_read(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t off,
	      unsigned int width, uint32_t *val)
{
	int st;

	vcpu->mb->arg0 = off;
	vcpu->mb->arg1 = width;
	st = vcpu_op(vcpu, MB_OP_READ, loc, 0);
	*val = vcpu->mb->arg2;
	return st;
}

int vcpu_write(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t off,
	       unsigned int width, uint32_t val)
{
	vcpu->mb->arg0 = off;
	vcpu->mb->arg1 = width;
	vcpu->mb->arg2 = val;
	return vcpu_op(vcpu, MB_OP_WRITE, loc, 0);
}

uint32_t vcpu_accesses(const struct kvm_vcpu *vcpu)
{
	return vcpu->mb->mmio_reads + vcpu->mb->mmio_writes;
}

/* The slowest single TIS access the guest timed (mailbox.time_accesses). */
uint64_t vcpu_max_access_us(const struct kvm_vcpu *vcpu)
{
	const struct mailbox *mb = vcpu->mb;
	uint64_t cycles = (uint64_t)mb->access_max_hi << 32 | mb->access_max_lo;

	return mb->tsc_khz ? cycles * 1000 / mb->tsc_khz : 0;
}
