// SPDX-License-Identifier: GPL-2.0
/* The device registry and the lifetime of a device (see device.h). */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <linux/kvm_vtis.h>

#include "device.h"
#include "kvm_bus.h"
#include "mmio.h"

struct workqueue_struct *vtis_wq;

/* Read under vtis_devs_lock; any value may be set at any time. */
static unsigned int max_devices_per_user = 32;
module_param(max_devices_per_user, uint, 0644);
MODULE_PARM_DESC(max_devices_per_user,
		 "Devices one user (the attacher's effective uid; in a user namespace, the user who made it) may have at once; CAP_SYS_ADMIN is not limited");

/*
 * vtis_devs_lock protects the registry: the id -> device map (an id stays
 * taken from vtis_dev_create() until the device's teardown has removed its
 * char device node, so a node name is never created twice) and every
 * device's ->registered flag, whose clearing decides who tears it down.
 */
static DEFINE_MUTEX(vtis_devs_lock);
static DEFINE_XARRAY_ALLOC1(vtis_devs);

static void vtis_dev_release(struct kref *ref)
{
	struct vtis_dev *dev = container_of(ref, struct vtis_dev, ref);

	if (dev->be.ops->release)
		dev->be.ops->release(&dev->be);
	mutex_destroy(&dev->lock);
	kvfree(dev->log);
	kfree(dev->buf);
	kfree(dev);
}

void vtis_dev_put(struct vtis_dev *dev)
{
	kref_put(&dev->ref, vtis_dev_release);
}

void vtis_dev_hold(struct vtis_dev *dev)
{
	kref_get(&dev->ref);
}

/* What a backend may know of its device (backend.h). */

void vtis_dev_lock(struct vtis_dev *dev)
{
	mutex_lock(&dev->lock);
}

void vtis_dev_unlock(struct vtis_dev *dev)
{
	mutex_unlock(&dev->lock);
}

void vtis_dev_assert_held(struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
}

bool vtis_dev_dead(struct vtis_dev *dev)
{
	return READ_ONCE(dev->dead);
}

u32 vtis_dev_id(const struct vtis_dev *dev)
{
	return dev->id;
}

u32 vtis_dev_family(const struct vtis_dev *dev)
{
	return dev->family;
}

kuid_t vtis_dev_owner(const struct vtis_dev *dev)
{
	return dev->owner_uid;
}

struct vtis_backend *vtis_dev_backend(struct vtis_dev *dev)
{
	return &dev->be;
}

/* The frontend's command goes to the backend, its answer comes back. */

void vtis_dev_submit(struct vtis_dev *dev, const u8 *cmd, u32 len,
		     u8 locality)
{
	lockdep_assert_held(&dev->lock);
	vtis_obs_submit(dev, cmd, len, locality);
	dev->be.ops->submit(&dev->be, cmd, len, locality);
}

void vtis_dev_resubmit(struct vtis_dev *dev, const u8 *cmd, u32 len,
		       u8 locality)
{
	lockdep_assert_held(&dev->lock);
	vtis_obs_restart(dev);
	vtis_dev_submit(dev, cmd, len, locality);
}

void vtis_dev_cancel(struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	dev->be.ops->cancel(&dev->be);
}

void vtis_dev_complete(struct vtis_dev *dev, const u8 *rsp, u32 len,
		       enum vtis_obs_reason why)
{
	lockdep_assert_held(&dev->lock);
	vtis_obs_answer(dev, rsp, len, why, dev->fe->busy(dev));
	dev->fe->complete(dev, rsp, len);
	vtis_dev_done(dev);
}

/* Devices of @uid that hold an id (attached or being set up or torn down). */
static unsigned int vtis_devs_of(kuid_t uid)
{
	struct vtis_dev *dev;
	unsigned long id;
	unsigned int n = 0;

	lockdep_assert_held(&vtis_devs_lock);
	xa_for_each(&vtis_devs, id, dev)
		n += uid_eq(dev->charged_uid, uid);
	return n;
}

/*
 * The user a new device counts against: the caller's effective uid, or,
 * in a user namespace, the user who made the outermost one.  Every uid a
 * namespace maps is a uid of its own to the kernel, so without this one
 * user with a range of subordinate uids would have a limit for each.
 */
static kuid_t vtis_charged_uid(void)
{
	const struct user_namespace *ns = current_user_ns();

	if (ns == &init_user_ns)
		return current_euid();
	while (ns->parent != &init_user_ns)
		ns = ns->parent;
	return ns->owner;
}

struct vtis_dev *vtis_dev_create(struct kvm *kvm,
				 const struct vtis_backend_ops *ops,
				 struct kvm_vtis_attach *a)
{
	struct vtis_dev *dev;
	u8 *buf;
	u32 id;
	int ret;

	/*
	 * Two objects, not one of 5 KiB, which slab would round up to 8:
	 * the device (under 1 KiB) and the frontend's buffer (4 KiB
	 * exactly).
	 */
	dev = kzalloc(sizeof(*dev), GFP_KERNEL_ACCOUNT);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	buf = kzalloc(VTIS_BUFFER_SIZE, GFP_KERNEL_ACCOUNT);
	if (!buf) {
		ret = -ENOMEM;
		goto err_free_dev;
	}
	dev->buf = buf;
	if (a->log_size) {
		dev->log = kvzalloc(a->log_size, GFP_KERNEL_ACCOUNT);
		if (!dev->log) {
			ret = -ENOMEM;
			goto err_free_buf;
		}
		dev->log_size = a->log_size;
	}
	/* Before create(): a backend may take the lock or a reference. */
	kref_init(&dev->ref);
	mutex_init(&dev->lock);
	init_waitqueue_head(&dev->done_wq);
	dev->be.ops = ops;
	dev->be.dev = dev;
	/* The host TPM's claim: its errors come before the registry's. */
	ret = ops->create(&dev->be, a);
	if (ret)
		goto err_destroy_lock;

	/* A host TPM 1.2 chip (family 0 resolved) has no CRB. */
	if (a->interface == KVM_VTIS_INTERFACE_CRB &&
	    a->family != KVM_VTIS_TPM_2_0) {
		ops->destroy(&dev->be);
		vtis_dev_put(dev);
		return ERR_PTR(-EINVAL);
	}
	/* From here on vtis_dev_put() frees it all (after destroy()). */
	dev->family = a->family;
	dev->interface = a->interface;
	dev->backend = a->backend;
	dev->base = a->base;
	dev->kvm = kvm;
	dev->owner_pid = vtis_kvm_owner_pid(kvm);
	dev->owner_uid = current_euid();
	dev->charged_uid = vtis_charged_uid();
	kvm_iodevice_init(&dev->iodev, &vtis_mmio_ops);
	dev->fe = dev->interface == KVM_VTIS_INTERFACE_CRB ? &vtis_fe_crb :
							   &vtis_fe_tis;
	dev->fe->init(dev);
	vtis_irq_dev_init(dev);

	mutex_lock(&vtis_devs_lock);
	if (vtis_devs_of(dev->charged_uid) >= READ_ONCE(max_devices_per_user) &&
	    !capable(CAP_SYS_ADMIN)) {
		ret = -EDQUOT;
	} else {
		ret = xa_alloc(&vtis_devs, &id, dev,
			       XA_LIMIT(1, VTIS_MAX_DEVICES), GFP_KERNEL);
		if (ret == -EBUSY)
			ret = -ENOSPC;
		else if (!ret)
			dev->id = id;
	}
	mutex_unlock(&vtis_devs_lock);
	if (ret) {
		ops->destroy(&dev->be);
		vtis_dev_put(dev);
		return ERR_PTR(ret);
	}
	return dev;

err_destroy_lock:
	mutex_destroy(&dev->lock);
	kvfree(dev->log);
err_free_buf:
	kfree(buf);
err_free_dev:
	kfree(dev);
	return ERR_PTR(ret);
}

static void vtis_dev_release_id(struct vtis_dev *dev)
{
	mutex_lock(&vtis_devs_lock);
	xa_erase(&vtis_devs, dev->id);
	mutex_unlock(&vtis_devs_lock);
}

void vtis_dev_abort(struct vtis_dev *dev)
{
	dev->be.ops->destroy(&dev->be);
	vtis_dev_release_id(dev);
	vtis_dev_put(dev);
}

static void vtis_dev_teardown(struct vtis_dev *dev, bool from_kvm);

int vtis_dev_activate(struct vtis_dev *dev)
{
	bool dropped;
	int ret;

	if (dev->be.ops->publish) {
		ret = dev->be.ops->publish(&dev->be);
		if (ret)
			goto err_abort;
	}
	ret = vtis_obs_dev_add(dev);
	if (ret)
		goto err_abort;
	ret = vtis_kvm_bus_register(dev->kvm, dev->base,
				    KVM_VTIS_LOG_OFFSET + dev->log_size,
				    &dev->iodev);
	if (ret)
		goto err_obs_del;
	/* Dropped at the end of the teardown: rmmod says busy until then. */
	__module_get(THIS_MODULE);
	/*
	 * On the bus from here.  If KVM dropped the whole bus meanwhile (it
	 * does when it cannot allocate a smaller one), our destructor ran
	 * before we were published and left the teardown to us.
	 */
	mutex_lock(&vtis_devs_lock);
	dropped = dev->bus_dropped;
	dev->registered = !dropped;
	mutex_unlock(&vtis_devs_lock);
	if (dropped) {
		vtis_dev_teardown(dev, false);
		return -ENOMEM;
	}
	pr_debug("device %u attached at %#llx for pid %d\n", dev->id,
		 dev->base, dev->owner_pid);
	return 0;

err_obs_del:
	vtis_obs_dev_del(dev);
err_abort:
	vtis_dev_abort(dev);
	return ret;
}

/* The last put of a device KVM's destructor tore down (see below). */
static void vtis_dev_release_work(struct work_struct *work)
{
	struct vtis_dev *dev = container_of(work, struct vtis_dev,
					    release_work);

	vtis_dev_put(dev);
	/* Safe here: the module's exit drains vtis_wq before it returns. */
	module_put(THIS_MODULE);
}

/*
 * Called by whoever cleared dev->registered, once no vCPU can reach the
 * device any more (it is off the bus, or the bus is being destroyed).
 * @from_kvm: called from KVM's destructor, from kvm.ko: the module
 * reference is then dropped from our workqueue, not on a path that
 * returns through this module's text after the put.
 */
static void vtis_dev_teardown(struct vtis_dev *dev, bool from_kvm)
{
	u32 id = dev->id;

	mutex_lock(&dev->lock);
	dev->dead = true;
	dev->be.ops->hangup(&dev->be);
	vtis_dev_done(dev);
	mutex_unlock(&dev->lock);

	vtis_obs_dev_del(dev);
	dev->be.ops->destroy(&dev->be);
	vtis_irq_dev_destroy(dev);
	vtis_dev_release_id(dev);
	pr_debug("device %u detached\n", id);
	if (from_kvm) {
		INIT_WORK(&dev->release_work, vtis_dev_release_work);
		queue_work(vtis_wq, &dev->release_work);
		return;
	}
	vtis_dev_put(dev);
	/* The caller is an ioctl on our own file, which pins the module. */
	module_put(THIS_MODULE);
}

struct vtis_dev *vtis_dev_get(u32 id)
{
	struct vtis_dev *dev;

	mutex_lock(&vtis_devs_lock);
	dev = xa_load(&vtis_devs, id);
	if (dev && dev->registered)
		kref_get(&dev->ref);
	else
		dev = NULL;
	mutex_unlock(&vtis_devs_lock);
	return dev;
}

bool vtis_dev_may_manage(const struct vtis_dev *dev)
{
	return uid_eq(current_euid(), dev->owner_uid) ||
	       capable(CAP_SYS_ADMIN);
}

int vtis_dev_detach(u32 id)
{
	struct vtis_dev *dev;
	struct kvm *kvm;
	int ret;

	mutex_lock(&vtis_devs_lock);
	dev = xa_load(&vtis_devs, id);
	if (!dev || !dev->registered) {
		mutex_unlock(&vtis_devs_lock);
		return -ENOENT;
	}
	if (!vtis_dev_may_manage(dev)) {
		mutex_unlock(&vtis_devs_lock);
		return -EPERM;
	}
	/*
	 * While the device is registered its destructor has not run, so the
	 * VM is not freed yet; pin it for the unregistration.  If its count
	 * already dropped to zero, the VM's destruction retires the device.
	 */
	kvm = dev->kvm;
	if (!vtis_kvm_get_safe(kvm)) {
		mutex_unlock(&vtis_devs_lock);
		return 0;
	}
	dev->registered = false;
	mutex_unlock(&vtis_devs_lock);

	/* Waits (SRCU) until no vCPU is inside our handlers. */
	ret = vtis_kvm_bus_unregister(kvm, &dev->iodev);
	if (ret)
		pr_warn_ratelimited("device %u: MMIO bus unregister failed (%d)\n",
				    id, ret);
	vtis_irq_dev_detach(dev);
	vtis_dev_teardown(dev, false);
	vtis_kvm_put(kvm);
	return 0;
}

struct kvm *vtis_dev_pin_vm(struct vtis_dev *dev)
{
	struct kvm *kvm = NULL;

	/* While registered, the VM's memory is there (see vtis_dev_detach). */
	mutex_lock(&vtis_devs_lock);
	if (dev->registered && vtis_kvm_get_safe(dev->kvm))
		kvm = dev->kvm;
	mutex_unlock(&vtis_devs_lock);
	return kvm;
}

void vtis_dev_vm_gone(struct vtis_dev *dev)
{
	bool mine;

	mutex_lock(&vtis_devs_lock);
	mine = dev->registered;
	dev->registered = false;
	/* Not yet published: vtis_dev_activate() finds this and tears down. */
	dev->bus_dropped = true;
	mutex_unlock(&vtis_devs_lock);
	/*
	 * Not registered: a detach got here first and has already taken the
	 * device off the bus, or the attach is still publishing it (above).
	 */
	if (!mine)
		return;
	/*
	 * The VM lives on when KVM dropped its bus for want of memory: its
	 * interrupt line must not stay asserted by a device that is gone.
	 * While the VM is being destroyed its irqchip goes with it.
	 */
	if (vtis_kvm_get_safe(dev->kvm)) {
		vtis_irq_dev_detach(dev);
		vtis_kvm_put(dev->kvm);
	}
	vtis_dev_teardown(dev, true);
}

u32 vtis_dev_list(u32 *ids, u32 cap)
{
	struct vtis_dev *dev;
	unsigned long id;
	u32 n = 0;

	mutex_lock(&vtis_devs_lock);
	xa_for_each(&vtis_devs, id, dev) {
		if (!dev->registered)
			continue;
		if (n < cap)
			ids[n] = id;
		n++;
	}
	mutex_unlock(&vtis_devs_lock);
	return n;
}

int vtis_devices_init(void)
{
	vtis_wq = alloc_workqueue("kvm_vtis", 0, 0);
	return vtis_wq ? 0 : -ENOMEM;
}

void vtis_devices_exit(void)
{
	/* No device exists: each one holds a module reference. */
	WARN_ON(!xa_empty(&vtis_devs));
	destroy_workqueue(vtis_wq);
}
