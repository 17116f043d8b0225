/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device's interrupt line (KVM_VTIS_SET_IRQ): the frontend's line
 * drives either an eventfd the VMM wired to a GSI with KVM_IRQFD (with an
 * optional resample eventfd for a level-triggered line), or, with
 * KVM_VTIS_IRQ_DIRECT, a GSI of the VM's in-kernel irqchip as a level.
 */
#ifndef KVM_VTIS_IRQ_H
#define KVM_VTIS_IRQ_H

#include <linux/types.h>
#include <linux/workqueue.h>

struct kvm_vtis_irq;
struct vtis_dev;
struct vtis_irq_efd;

/*
 * Per-device interrupt state, embedded in struct vtis_dev.  gsi, flags,
 * efd and source are protected by the device's lock; direct_work has its
 * own synchronisation.
 */
struct vtis_irq {
	u32 gsi;			/* 0: no line */
	u32 flags;			/* KVM_VTIS_IRQ_* */
	struct vtis_irq_efd *efd;	/* eventfd form, or NULL */
	int source;			/* direct form: KVM irq source id, or -1 */
	bool closed;			/* detached: no new line may be set */
	/* Direct form: sets the GSI to the line's level (holds a dev ref). */
	struct work_struct direct_work;
};

/**
 * vtis_irq_dev_init() - a new device has no line
 * @dev: the device, not yet visible
 */
void vtis_irq_dev_init(struct vtis_dev *dev);

/**
 * vtis_irq_set() - KVM_VTIS_SET_IRQ, after the size check
 * @req: the request, as the caller passed it: checked here
 *
 * Return: 0 or -errno (see KVM_VTIS_SET_IRQ in the uapi header).
 */
int vtis_irq_set(const struct kvm_vtis_irq *req);

/**
 * vtis_irq_line() - the frontend's line changed level
 * @dev: the device; its lock is held
 * @level: true: asserted
 *
 * Does not block.
 */
void vtis_irq_line(struct vtis_dev *dev, bool level);

/**
 * vtis_irq_dev_detach() - release the GSI before the teardown
 * @dev: the device, being detached with its VM pinned
 *
 * No line can be set from here on.
 */
void vtis_irq_dev_detach(struct vtis_dev *dev);

/**
 * vtis_irq_dev_destroy() - teardown: drop the eventfds
 * @dev: the device, dead; its lock is not held
 */
void vtis_irq_dev_destroy(struct vtis_dev *dev);

#endif /* KVM_VTIS_IRQ_H */
