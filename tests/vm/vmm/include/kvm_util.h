/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM on raw KVM ioctls for the tests: one memory slot (MB_GUEST_MEM at
 * guest-physical 0) holding the test guest (guest/), vCPUs in flat 32-bit
 * protected mode, each with its own mailbox (mailbox.h), and the run loop
 * that takes the guest's hand-overs.
 *
 *	struct vm_config cfg = VM_CONFIG_DEFAULT;
 *	struct kvm_vcpu *cpu;
 *	struct kvm_vm *vm = vm_create_booted(&cfg, &cpu);
 *
 *	vcpu_read(cpu, 0, 0xf00, 4, &did);	one guest access, DID_VID
 *	vcpu_op(cpu, MB_OP_TRANSMIT, 0, 0);	one operation of the guest
 *	vm_free(vm);				the VM goes away
 *
 * Guest accesses to the TIS window that exit to userspace are counted per
 * vCPU and answered as an absent device would (reads all ones).
 */
#ifndef VTIS_KVM_UTIL_H
#define VTIS_KVM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>
#include <linux/kvm_vtis.h>

#include "mailbox.h"

struct vm_config {
	uint64_t tis_base;	/* the TIS window's guest-physical base */
	bool irqchip;		/* KVM_CREATE_IRQCHIP */
	uint32_t timeout_ms;	/* the guest's bound of every wait */
	/*
	 * Its bound of the wait for a response: above the module's own
	 * emulator timeout (emu_timeout_ms, 30 s), so that a slow emulator
	 * gives the guest the device's failure response, not a guest timeout.
	 */
	uint32_t duration_ms;
	uint32_t poll_us;	/* its pause between STS polls */
	uint32_t interface;	/* KVM_VTIS_INTERFACE_*: the guest's driver */
	bool verbose;
};

#define VM_CONFIG_DEFAULT {					\
	.tis_base = KVM_VTIS_DEFAULT_BASE, .timeout_ms = 5000,	\
	.duration_ms = 40000, .poll_us = 1000,			\
}

struct kvm_vm;

struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	struct mailbox *mb;
	bool dead;			/* the vCPU cannot run any more */
	int fault_vector;		/* CPU exception the guest reported, or -1 */

	/* exits to userspace */
	uint64_t exits;
	uint64_t exits_io;
	uint64_t exits_mmio;
	uint64_t exits_mmio_tis;
	uint64_t exits_other;

	char log[256];			/* the guest's log line so far */
	size_t log_len;
};

struct kvm_vm {
	int kvm_fd;
	int fd;
	uint8_t *mem;
	struct vm_config cfg;
	struct kvm_vcpu *vcpus[MB_MAX_VCPUS];
};

struct kvm_vm *vm_create(const struct vm_config *cfg);
struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, unsigned int id);
struct kvm_vm *vm_create_booted(const struct vm_config *cfg,
				struct kvm_vcpu **vcpu);
void vm_free(struct kvm_vm *vm);
uint64_t vm_tis_exits(const struct kvm_vm *vm);
/*
 * The level of IOAPIC pin @gsi of a VM with an in-kernel irqchip (a masked
 * pin's IRR follows its line), or -1; vm_ioapic_pin_becomes() waits up to
 * 2 s for @want (a level set from a work item lags a little).
 */
int vm_ioapic_pin(const struct kvm_vm *vm, unsigned int gsi);
bool vm_ioapic_pin_becomes(const struct kvm_vm *vm, unsigned int gsi,
			   int want);

int vcpu_boot(struct kvm_vcpu *vcpu);
int vcpu_op(struct kvm_vcpu *vcpu, uint32_t op, unsigned int loc,
	    uint32_t flags);
int vcpu_cmd_op(struct kvm_vcpu *vcpu, uint32_t op, unsigned int loc,
		uint32_t flags, const void *cmd, size_t len);
int vcpu_read(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t off,
	      unsigned int width, uint32_t *val);
int vcpu_write(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t off,
	       unsigned int width, uint32_t val);
uint32_t vcpu_accesses(const struct kvm_vcpu *vcpu);
uint64_t vcpu_max_access_us(const struct kvm_vcpu *vcpu);
const char *mb_status_name(uint32_t st);

#endif /* VTIS_KVM_UTIL_H */
