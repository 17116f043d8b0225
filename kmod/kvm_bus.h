/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that reaches into KVM: VM fd checks, VM references,
 * (un)registration of devices on a VM's MMIO bus and the level of a GSI.
 */
#ifndef KVM_VTIS_KVM_BUS_H
#define KVM_VTIS_KVM_BUS_H

#include <linux/types.h>

struct kvm;
struct kvm_io_device;

/*
 * Take a reference on the VM behind @fd.  ERR_PTR(-EBADF) if @fd is not
 * open, -EINVAL if it is not a KVM VM, -ENODEV if the VM is being torn down.
 */
struct kvm *vtis_kvm_get_vm(int fd);
/* Take another reference if the VM is still alive; false otherwise. */
bool vtis_kvm_get_safe(struct kvm *kvm);
void vtis_kvm_put(struct kvm *kvm);

/*
 * True when the caller runs a vCPU of @kvm (a vCPU's MMIO access): the VM
 * cannot be destroyed meanwhile.
 */
bool vtis_kvm_in_vcpu_of(const struct kvm *kvm);

/* The tgid that created the VM, as KVM recorded it. */
pid_t vtis_kvm_owner_pid(const struct kvm *kvm);

/*
 * Register/unregister @dev for [@base, @base + @len) on the VM's MMIO bus.
 * Both take kvm->slots_lock themselves.  Registration fails with -EEXIST if
 * the range overlaps a device already on the bus.
 */
int vtis_kvm_bus_register(struct kvm *kvm, u64 base, u32 len,
			  struct kvm_io_device *dev);
int vtis_kvm_bus_unregister(struct kvm *kvm, struct kvm_io_device *dev);

/*
 * A GSI of the VM's in-kernel irqchip, driven as a level by an interrupt
 * source of our own.  The caller holds a VM reference for each call.
 * vtis_kvm_irq_source_get(): a source id (>= 0) for @gsi, -ENXIO when the
 * VM has no irqchip route for it, -ENOSPC when no source id is free,
 * -EOPNOTSUPP where the build cannot do it.  vtis_kvm_irq_source_put()
 * lowers the line and frees the id.
 */
int vtis_kvm_irq_source_get(struct kvm *kvm, u32 gsi);
void vtis_kvm_irq_set(struct kvm *kvm, int source, u32 gsi, bool level);
void vtis_kvm_irq_source_put(struct kvm *kvm, int source, u32 gsi);

#endif /* KVM_VTIS_KVM_BUS_H */
