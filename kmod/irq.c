// SPDX-License-Identifier: GPL-2.0
/*
 * The device's interrupt line (KVM_VTIS_SET_IRQ, see the uapi header).
 *
 * The frontend reports its line's level through vtis_irq_line(), under
 * the device lock, from a vCPU's access, the emulator's write, the host
 * TPM worker or a timeout.  Three forms carry it to the guest:
 *
 * Edge eventfd: the eventfd the VMM gave to KVM_IRQFD is signalled on
 * each rising edge; KVM pulses the GSI.
 *
 * Level eventfd with a resample eventfd (KVM_IRQFD_FLAG_RESAMPLE): the
 * eventfd is signalled on a rising edge, KVM holds the GSI asserted until
 * the guest's EOI, then lowers it and signals the resample eventfd.  Our
 * wait-queue entry on that eventfd runs inside its wake-up (atomic, and
 * inside an eventfd signal, where signalling another eventfd is not
 * allowed), so it only consumes the count and queues resample_work, which
 * re-signals the eventfd if the TIS line is still asserted.
 *
 * Direct: the module sets the GSI of the VM's in-kernel irqchip to the
 * line's level itself (kvm_bus.c).  The VM's routes may only be used while
 * the VM is alive.  A vCPU's access (the guest acknowledging INT_STATUS,
 * say) runs with the VM alive, and sets the level at once, so the guest's
 * EOI finds the line already low.  Elsewhere (the emulator's answer, a
 * timeout) dropping a VM reference could destroy the VM and tear the
 * device down, so the level is applied by direct_work: it pins the VM,
 * sets the current level under the device lock, and drops the VM after
 * the lock.  A queued direct_work holds a device reference.
 *
 * The device holds the eventfd files (not only their contexts): KVM drops
 * an irqfd when its eventfd file is released, so the irqfd lives as long
 * as the line, whoever else closes the file.
 */

#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <linux/kvm_vtis.h>

#include "compat.h"
#include "device.h"
#include "irq.h"
#include "kvm_bus.h"

#define VTIS_IRQ_MAX	255U	/* INT_VECTOR is one byte */

/* An eventfd form of the line; fixed once installed, freed by its owner. */
struct vtis_irq_efd {
	struct vtis_dev *dev;
	struct file *file;
	struct eventfd_ctx *ctx;
	/* Level form only (else NULL). */
	struct file *rs_file;
	struct eventfd_ctx *rs_ctx;
	wait_queue_entry_t rs_wait;
	poll_table rs_pt;
	/* Re-signal if still asserted; takes the device lock. */
	struct work_struct resample_work;
};

static void vtis_irq_resample_work(struct work_struct *work)
{
	struct vtis_irq_efd *efd = container_of(work, struct vtis_irq_efd,
						resample_work);
	struct vtis_dev *dev = efd->dev;

	mutex_lock(&dev->lock);
	if (!dev->dead && dev->irq.efd == efd && dev->fe->irq_level(dev))
		vtis_eventfd_signal(efd->ctx);
	mutex_unlock(&dev->lock);
}

/* KVM signalled the resample eventfd (the guest's EOI); atomic context. */
static int vtis_irq_resample_wake(wait_queue_entry_t *wait, unsigned int mode,
				  int sync, void *key)
{
	struct vtis_irq_efd *efd = container_of(wait, struct vtis_irq_efd,
						rs_wait);
	u64 cnt;

	if (key_to_poll(key) & EPOLLIN) {
		/* Called with the eventfd's wait-queue lock held. */
		eventfd_ctx_do_read(efd->rs_ctx, &cnt);
		queue_work(vtis_wq, &efd->resample_work);
	}
	return 0;
}

static void vtis_irq_resample_queue(struct file *file, wait_queue_head_t *wqh,
				    poll_table *pt)
{
	struct vtis_irq_efd *efd = container_of(pt, struct vtis_irq_efd, rs_pt);

	add_wait_queue(wqh, &efd->rs_wait);
}

/* Take an eventfd's file and context; ERR_PTR(-EBADF / -EINVAL). */
static struct file *vtis_irq_eventfd_get(int fd, struct eventfd_ctx **ctx)
{
	struct file *file = eventfd_fget(fd);

	if (IS_ERR(file))
		return file;
	*ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(*ctx)) {
		fput(file);
		return ERR_CAST(*ctx);
	}
	return file;
}

static void vtis_irq_efd_free(struct vtis_irq_efd *efd)
{
	u64 cnt;

	if (!efd)
		return;
	if (efd->rs_ctx) {
		/* No wake-up queues the work after this; then none runs. */
		eventfd_ctx_remove_wait_queue(efd->rs_ctx, &efd->rs_wait, &cnt);
		cancel_work_sync(&efd->resample_work);
		eventfd_ctx_put(efd->rs_ctx);
		fput(efd->rs_file);
	}
	eventfd_ctx_put(efd->ctx);
	/* The last reference: KVM's irqfd on it goes away (EPOLLHUP). */
	fput(efd->file);
	kfree(efd);
}

static struct vtis_irq_efd *vtis_irq_efd_new(struct vtis_dev *dev, int fd,
					     int rs_fd)
{
	struct vtis_irq_efd *efd;
	struct file *file;
	int ret;

	efd = kzalloc(sizeof(*efd), GFP_KERNEL_ACCOUNT);
	if (!efd)
		return ERR_PTR(-ENOMEM);
	efd->dev = dev;
	INIT_WORK(&efd->resample_work, vtis_irq_resample_work);
	file = vtis_irq_eventfd_get(fd, &efd->ctx);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_free;
	}
	efd->file = file;
	if (rs_fd < 0)
		return efd;

	file = vtis_irq_eventfd_get(rs_fd, &efd->rs_ctx);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		efd->rs_ctx = NULL;
		goto err_put_efd;
	}
	/* Its own signal would wake itself: an endless interrupt. */
	if (efd->rs_ctx == efd->ctx) {
		eventfd_ctx_put(efd->rs_ctx);
		efd->rs_ctx = NULL;
		fput(file);
		ret = -EINVAL;
		goto err_put_efd;
	}
	efd->rs_file = file;
	init_waitqueue_func_entry(&efd->rs_wait, vtis_irq_resample_wake);
	init_poll_funcptr(&efd->rs_pt, vtis_irq_resample_queue);
	vfs_poll(file, &efd->rs_pt);
	return efd;

err_put_efd:
	eventfd_ctx_put(efd->ctx);
	fput(efd->file);
err_free:
	kfree(efd);
	return ERR_PTR(ret);
}

/* Direct form: bring the GSI to the line's current level. */
static void vtis_irq_direct_work(struct work_struct *work)
{
	struct vtis_dev *dev = container_of(work, struct vtis_dev,
					    irq.direct_work);
	struct kvm *kvm = NULL;

	mutex_lock(&dev->lock);
	/* Not dead: the VM's memory is there; a reference keeps it alive. */
	if (!dev->dead && dev->irq.source >= 0 && vtis_kvm_get_safe(dev->kvm)) {
		kvm = dev->kvm;
		vtis_kvm_irq_set(kvm, dev->irq.source, dev->irq.gsi,
				 dev->fe->irq_level(dev));
	}
	mutex_unlock(&dev->lock);
	/* May destroy the VM, and with it the device: no lock held here. */
	if (kvm)
		vtis_kvm_put(kvm);
	vtis_dev_put(dev);
}

static void vtis_irq_direct_kick(struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	kref_get(&dev->ref);
	/* Already queued: that run reads the newest level. */
	if (!queue_work(vtis_wq, &dev->irq.direct_work))
		vtis_dev_put(dev);	/* never the last: the registry has one */
}

void vtis_irq_line(struct vtis_dev *dev, bool level)
{
	struct vtis_irq_efd *efd = dev->irq.efd;

	lockdep_assert_held(&dev->lock);
	if (dev->irq.source >= 0) {
		if (vtis_kvm_in_vcpu_of(dev->kvm))
			vtis_kvm_irq_set(dev->kvm, dev->irq.source,
					 dev->irq.gsi, level);
		else
			vtis_irq_direct_kick(dev);
	} else if (efd && level) {
		if (eventfd_signal_allowed())
			vtis_eventfd_signal(efd->ctx);
		else if (efd->rs_ctx)
			queue_work(vtis_wq, &efd->resample_work);
	}
}

void vtis_irq_dev_init(struct vtis_dev *dev)
{
	dev->irq.source = -1;
	INIT_WORK(&dev->irq.direct_work, vtis_irq_direct_work);
}

static int vtis_irq_check(const struct kvm_vtis_irq *req)
{
	if ((req->flags & ~KVM_VTIS_IRQ_DIRECT) || req->reserved0 ||
	    req->reserved1 || req->resample_fd < -1 || req->eventfd < -1)
		return -EINVAL;
	if (req->flags & KVM_VTIS_IRQ_DIRECT) {
		if (req->eventfd != -1 || req->resample_fd != -1)
			return -EINVAL;
	} else if (req->eventfd == -1) {
		/* Removal. */
		return req->irq || req->resample_fd != -1 ? -EINVAL : 0;
	}
	return req->irq && req->irq <= VTIS_IRQ_MAX ? 0 : -EINVAL;
}

int vtis_irq_set(const struct kvm_vtis_irq *req)
{
	struct vtis_irq_efd *efd = NULL, *old_efd;
	bool direct = req->flags & KVM_VTIS_IRQ_DIRECT;
	int source = -1, old_source;
	struct vtis_dev *dev;
	struct kvm *kvm;
	u32 old_gsi;
	int ret;

	ret = vtis_irq_check(req);
	if (ret)
		return ret;
	dev = vtis_dev_get(req->id);
	if (!dev)
		return -ENOENT;
	if (!vtis_dev_may_manage(dev)) {
		ret = -EPERM;
		goto out_put_dev;
	}
	/* Pinned: a direct line, old or new, may be set and released. */
	kvm = vtis_dev_pin_vm(dev);
	if (!kvm) {
		ret = -ENODEV;
		goto out_put_dev;
	}
	if (req->eventfd >= 0) {
		efd = vtis_irq_efd_new(dev, req->eventfd, req->resample_fd);
		if (IS_ERR(efd)) {
			ret = PTR_ERR(efd);
			goto out_put_kvm;
		}
	} else if (direct) {
		source = vtis_kvm_irq_source_get(kvm, req->irq);
		if (source < 0) {
			ret = source;
			goto out_put_kvm;
		}
	}

	mutex_lock(&dev->lock);
	if (dev->dead || dev->irq.closed) {
		mutex_unlock(&dev->lock);
		ret = -ENOENT;
		goto out_undo;
	}
	old_efd = dev->irq.efd;
	old_source = dev->irq.source;
	old_gsi = dev->irq.gsi;
	dev->irq.efd = efd;
	dev->irq.source = source;
	dev->irq.gsi = req->irq;
	dev->irq.flags = req->flags;
	dev->fe->set_int_vector(dev, req->irq);
	if (old_source >= 0)
		vtis_kvm_irq_set(kvm, old_source, old_gsi, false);
	if (source >= 0)
		vtis_kvm_irq_set(kvm, source, req->irq, dev->fe->irq_level(dev));
	else if (efd && dev->fe->irq_level(dev))
		vtis_eventfd_signal(efd->ctx);
	mutex_unlock(&dev->lock);

	/* The old line is nobody's now. */
	if (old_source >= 0)
		vtis_kvm_irq_source_put(kvm, old_source, old_gsi);
	vtis_irq_efd_free(old_efd);
	ret = 0;
	goto out_put_kvm;

out_undo:
	if (source >= 0)
		vtis_kvm_irq_source_put(kvm, source, req->irq);
	vtis_irq_efd_free(efd);
out_put_kvm:
	vtis_kvm_put(kvm);
out_put_dev:
	vtis_dev_put(dev);
	return ret;
}

void vtis_irq_dev_detach(struct vtis_dev *dev)
{
	int source;
	u32 gsi;

	mutex_lock(&dev->lock);
	dev->irq.closed = true;
	source = dev->irq.source;
	gsi = dev->irq.gsi;
	dev->irq.source = -1;
	mutex_unlock(&dev->lock);
	if (source >= 0)
		vtis_kvm_irq_source_put(dev->kvm, source, gsi);
}

void vtis_irq_dev_destroy(struct vtis_dev *dev)
{
	struct vtis_irq_efd *efd;

	/*
	 * dev->dead is set: nobody installs or signals any more.  A direct
	 * source still set belongs to a VM being destroyed, whose irqchip
	 * goes with it; a queued direct_work sees dev->dead and only drops
	 * its reference.
	 */
	mutex_lock(&dev->lock);
	efd = dev->irq.efd;
	dev->irq.efd = NULL;
	dev->irq.source = -1;
	mutex_unlock(&dev->lock);
	vtis_irq_efd_free(efd);
}
