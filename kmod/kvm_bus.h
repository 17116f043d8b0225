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

/**
 * vtis_kvm_get_vm() - a reference on the VM behind a file descriptor
 * @fd: the VM's fd
 *
 * Return: the VM, or ERR_PTR(-EBADF) if @fd is not open, -EINVAL if it is
 * not a KVM VM, -ENODEV if the VM is being torn down.
 */
struct kvm *vtis_kvm_get_vm(int fd);

/**
 * vtis_kvm_get_safe() - another reference on a VM, if it is still alive
 * @kvm: the VM, whose memory the caller knows to be there
 *
 * Return: true with a reference taken, false when the VM is being
 * destroyed.
 */
bool vtis_kvm_get_safe(struct kvm *kvm);

/**
 * vtis_kvm_put() - drop a VM reference
 * @kvm: the VM
 *
 * The last one destroys the VM (and with it its bus and its devices).
 */
void vtis_kvm_put(struct kvm *kvm);

/**
 * vtis_kvm_in_vcpu_of() - does the caller run a vCPU of @kvm?
 * @kvm: the VM
 *
 * A vCPU's MMIO access runs inside one: the VM cannot be destroyed
 * meanwhile.
 *
 * Return: true if it does.
 */
bool vtis_kvm_in_vcpu_of(const struct kvm *kvm);

/**
 * vtis_kvm_owner_pid() - the tgid that created the VM, as KVM recorded it
 * @kvm: the VM
 *
 * Return: the pid.
 */
pid_t vtis_kvm_owner_pid(const struct kvm *kvm);

/**
 * vtis_kvm_bus_register() - put a device on the VM's MMIO bus
 * @kvm: the VM; the caller holds a reference
 * @base: the first guest-physical address of its range
 * @len: the range's length
 * @dev: the device
 *
 * Takes kvm->slots_lock itself.
 *
 * Return: 0, -EEXIST if the range overlaps a device already on the bus,
 * -ENOSPC if the bus is full, -ENOMEM.
 */
int vtis_kvm_bus_register(struct kvm *kvm, u64 base, u32 len,
			  struct kvm_io_device *dev);

/**
 * vtis_kvm_bus_unregister() - take a device off the VM's MMIO bus
 * @kvm: the VM; the caller holds a reference
 * @dev: the device
 *
 * Takes kvm->slots_lock itself; returns once no vCPU can be inside the
 * device's handlers (an SRCU grace period of kvm->srcu).
 *
 * Return: 0, or -ENOMEM when KVM had to drop the whole bus (the other
 * devices on it were destroyed; @dev is the caller's to tear down).
 */
int vtis_kvm_bus_unregister(struct kvm *kvm, struct kvm_io_device *dev);

/*
 * A GSI of the VM's in-kernel irqchip, driven as a level by an interrupt
 * source of our own.  The caller holds a VM reference for each call.
 */

/**
 * vtis_kvm_irq_source_get() - an interrupt source for a GSI
 * @kvm: the VM
 * @gsi: the GSI
 *
 * Return: the source id (>= 0), -ENXIO when the VM has no irqchip route
 * for @gsi, -ENOSPC when no source id is free, -EOPNOTSUPP where the build
 * cannot do it.
 */
int vtis_kvm_irq_source_get(struct kvm *kvm, u32 gsi);

/**
 * vtis_kvm_irq_set() - set the level of a GSI from an interrupt source
 * @kvm: the VM
 * @source: the source, from vtis_kvm_irq_source_get()
 * @gsi: the GSI
 * @level: true: asserted
 */
void vtis_kvm_irq_set(struct kvm *kvm, int source, u32 gsi, bool level);

/**
 * vtis_kvm_irq_source_put() - lower the line and free the source
 * @kvm: the VM
 * @source: the source, from vtis_kvm_irq_source_get()
 * @gsi: its GSI
 */
void vtis_kvm_irq_source_put(struct kvm *kvm, int source, u32 gsi);

#endif /* KVM_VTIS_KVM_BUS_H */
