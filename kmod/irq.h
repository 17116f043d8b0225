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

void vtis_irq_dev_init(struct vtis_dev *dev);
/* KVM_VTIS_SET_IRQ, after the size check: 0 or -errno. */
int vtis_irq_set(const struct kvm_vtis_irq *req);
/* The frontend's line changed level (under the device lock; no blocking). */
void vtis_irq_line(struct vtis_dev *dev, bool level);
/* Detach with the VM pinned, before the teardown: release the GSI. */
void vtis_irq_dev_detach(struct vtis_dev *dev);
/* Teardown (dev->dead set), outside the lock: drop the eventfds. */
void vtis_irq_dev_destroy(struct vtis_dev *dev);

#endif /* KVM_VTIS_IRQ_H */
