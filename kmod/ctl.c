// SPDX-License-Identifier: GPL-2.0
/* /dev/kvm-vtis: the control device.  The ABI is uapi/linux/kvm_vtis.h. */

#include <linux/bits.h>
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kvm_host.h>
#include <linux/minmax.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/kvm_vtis.h>

#include "backend_emu.h"
#include "backend_host.h"
#include "ctl.h"
#include "device.h"
#include "irq.h"
#include "kvm_bus.h"
#include "state.h"

/* Guest-physical addresses above this do not exist on x86-64. */
#define VTIS_GPA_LIMIT	BIT_ULL(52)

/*
 * Read a size-versioned struct: @usize (its first field) must lie between
 * the first published size @min and one page; bytes the kernel does not
 * know must be zero (E2BIG), missing ones read as zero.
 */
static int vtis_copy_in(void *k, size_t ksize, size_t min,
			const void __user *u, u32 *usize)
{
	u32 size;

	if (get_user(size, (const u32 __user *)u))
		return -EFAULT;
	if (size < min || size > PAGE_SIZE)
		return -EINVAL;
	*usize = size;
	return copy_struct_from_user(k, ksize, u, size);
}

/* Write back at most what the caller's struct holds. */
static int vtis_copy_out(void __user *u, const void *k, size_t ksize,
			 u32 usize)
{
	return copy_to_user(u, k, min_t(size_t, ksize, usize)) ? -EFAULT : 0;
}

/* The backends, by KVM_VTIS_BACKEND_*. */
static const struct vtis_backend_ops *const vtis_backends[] = {
	[KVM_VTIS_BACKEND_EMULATOR] = &vtis_emu_backend,
	[KVM_VTIS_BACKEND_HOST_TPM] = &vtis_host_backend,
};

/* Check @a and complete its defaults; *@ops: the backend it names. */
static int vtis_check_attach(struct kvm_vtis_attach *a,
			     const struct vtis_backend_ops **ops)
{
	u32 backend;

	if (a->flags || a->reserved0)
		return -EINVAL;
	if (a->interface != KVM_VTIS_INTERFACE_TIS &&
	    (a->interface != KVM_VTIS_INTERFACE_CRB ||
	     a->family == KVM_VTIS_TPM_1_2))
		return -EINVAL;
	if (a->log_size > KVM_VTIS_LOG_MAX || !IS_ALIGNED(a->log_size, 4096))
		return -EINVAL;
	switch (a->family) {
	case KVM_VTIS_TPM_DEFAULT:	/* the host TPM's own, else 2.0 */
	case KVM_VTIS_TPM_1_2:
	case KVM_VTIS_TPM_2_0:
		break;
	default:
		return -EINVAL;
	}
	if (!a->base)
		a->base = KVM_VTIS_DEFAULT_BASE;
	if (!IS_ALIGNED(a->base, 4096) ||
	    a->base > VTIS_GPA_LIMIT - KVM_VTIS_LOG_OFFSET - a->log_size)
		return -EINVAL;
	if (a->backend >= ARRAY_SIZE(vtis_backends))
		return -EINVAL;
	backend = array_index_nospec(a->backend, ARRAY_SIZE(vtis_backends));
	*ops = vtis_backends[backend];
	if (!*ops)
		return -EINVAL;
	return (*ops)->check(a);
}

static long vtis_ctl_attach(void __user *uarg)
{
	const struct vtis_backend_ops *ops;
	struct kvm_vtis_attach a;
	struct vtis_dev *dev;
	struct kvm *kvm;
	u32 usize;
	int ret;

	ret = vtis_copy_in(&a, sizeof(a), KVM_VTIS_ATTACH_SIZE_VER0, uarg,
			   &usize);
	if (ret)
		return ret;
	ret = vtis_check_attach(&a, &ops);
	if (ret)
		return ret;

	/* Pins the VM until the device is live (or abandoned). */
	kvm = vtis_kvm_get_vm(a.vm_fd);
	if (IS_ERR(kvm))
		return PTR_ERR(kvm);
	/* The backend's create() resolves a.family (a host TPM: the chip's). */
	dev = vtis_dev_create(kvm, ops, &a);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto out_put_kvm;
	}

	/* The caller has its answer before anyone can see the device. */
	a.id = dev->id;
	memset(a.emu_name, 0, sizeof(a.emu_name));
	if (ops->node)
		snprintf(a.emu_name, sizeof(a.emu_name), "%s%u", ops->node,
			 dev->id);
	ret = vtis_copy_out(uarg, &a, sizeof(a), usize);
	if (ret) {
		vtis_dev_abort(dev);
		goto out_put_kvm;
	}
	ret = vtis_dev_activate(dev);
out_put_kvm:
	vtis_kvm_put(kvm);
	return ret;
}

static long vtis_ctl_detach(void __user *uarg)
{
	struct kvm_vtis_detach d;
	u32 usize;
	int ret;

	ret = vtis_copy_in(&d, sizeof(d), KVM_VTIS_DETACH_SIZE_VER0, uarg,
			   &usize);
	if (ret)
		return ret;
	if (d.flags || d.reserved0)
		return -EINVAL;
	return vtis_dev_detach(d.id);
}

static long vtis_ctl_list(void __user *uarg)
{
	struct kvm_vtis_list l;
	u32 *ids;
	u32 usize, cap;
	int ret;

	ret = vtis_copy_in(&l, sizeof(l), KVM_VTIS_LIST_SIZE_VER0, uarg,
			   &usize);
	if (ret)
		return ret;
	if (l.flags)
		return -EINVAL;
	cap = min_t(u32, l.capacity, VTIS_MAX_DEVICES);
	ids = kcalloc(max_t(u32, cap, 1), sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	l.count = vtis_dev_list(ids, cap);
	if (copy_to_user(u64_to_user_ptr(l.ids), ids,
			 min(l.count, cap) * sizeof(*ids)))
		ret = -EFAULT;
	else
		ret = vtis_copy_out(uarg, &l, sizeof(l), usize);
	kfree(ids);
	return ret;
}

static void vtis_fill_info(struct vtis_dev *dev, struct kvm_vtis_info *info)
{
	lockdep_assert_held(&dev->lock);
	info->family = dev->family;
	info->base = dev->base;
	info->backend = dev->backend;
	info->owner_pid = dev->owner_pid;
	info->state = 0;
	if (dev->be.ops->connected && dev->be.ops->connected(&dev->be))
		info->state |= KVM_VTIS_STATE_EMU_CONNECTED;
	if (dev->fe->busy(dev))
		info->state |= KVM_VTIS_STATE_CMD_IN_FLIGHT;
	info->active_locality = dev->fe->locality(dev);
	memset(info->emu_name, 0, sizeof(info->emu_name));
	if (dev->be.ops->node)
		snprintf(info->emu_name, sizeof(info->emu_name), "%s%u",
			 dev->be.ops->node, dev->id);
	vtis_obs_info(dev, info);
	info->irq = dev->irq.gsi;
	info->irq_flags = dev->irq.gsi ? dev->irq.flags : 0;
	info->interface = dev->interface;
	info->log_size = dev->log_size;
}

static long vtis_ctl_info(void __user *uarg)
{
	struct kvm_vtis_info info;
	struct vtis_dev *dev;
	u32 usize;
	int ret;

	ret = vtis_copy_in(&info, sizeof(info), KVM_VTIS_INFO_SIZE_VER0, uarg,
			   &usize);
	if (ret)
		return ret;
	if (info.flags)
		return -EINVAL;
	dev = vtis_dev_get(info.id);
	if (!dev)
		return -ENOENT;
	/* Another user's device: that it exists (LIST) is all one learns. */
	if (!vtis_dev_may_manage(dev)) {
		vtis_dev_put(dev);
		return -EPERM;
	}
	mutex_lock(&dev->lock);
	vtis_fill_info(dev, &info);
	mutex_unlock(&dev->lock);
	vtis_dev_put(dev);
	return vtis_copy_out(uarg, &info, sizeof(info), usize);
}

static long vtis_ctl_stats(void __user *uarg)
{
	struct kvm_vtis_stats st;
	struct vtis_dev *dev;
	u32 usize;
	int ret;

	ret = vtis_copy_in(&st, sizeof(st), KVM_VTIS_STATS_SIZE_VER0, uarg,
			   &usize);
	if (ret)
		return ret;
	if (st.flags)
		return -EINVAL;
	dev = vtis_dev_get(st.id);
	if (!dev)
		return -ENOENT;
	/* Per-command sizes and times are a side channel into its guest. */
	if (!vtis_dev_may_manage(dev)) {
		vtis_dev_put(dev);
		return -EPERM;
	}
	mutex_lock(&dev->lock);
	vtis_obs_fill(dev, &st);
	mutex_unlock(&dev->lock);
	vtis_dev_put(dev);
	return vtis_copy_out(uarg, &st, sizeof(st), usize);
}

static long vtis_ctl_set_irq(void __user *uarg)
{
	struct kvm_vtis_irq req;
	u32 usize;
	int ret;

	ret = vtis_copy_in(&req, sizeof(req), KVM_VTIS_IRQ_SIZE_VER0, uarg,
			   &usize);
	if (ret)
		return ret;
	return vtis_irq_set(&req);
}

static long vtis_ctl_reset(void __user *uarg)
{
	struct kvm_vtis_reset r;
	struct vtis_dev *dev;
	u32 usize;
	int ret;

	ret = vtis_copy_in(&r, sizeof(r), KVM_VTIS_RESET_SIZE_VER0, uarg,
			   &usize);
	if (ret)
		return ret;
	if (r.flags || r.reserved0)
		return -EINVAL;
	dev = vtis_dev_get(r.id);
	if (!dev)
		return -ENOENT;
	ret = vtis_dev_may_manage(dev) ? vtis_dev_reset(dev) : -EPERM;
	vtis_dev_put(dev);
	return ret;
}

static long vtis_ctl_state(void __user *uarg, bool save)
{
	struct kvm_vtis_state s;
	struct vtis_dev *dev;
	u32 usize;
	int ret, wret;

	ret = vtis_copy_in(&s, sizeof(s), KVM_VTIS_STATE_SIZE_VER0, uarg,
			   &usize);
	if (ret)
		return ret;
	if (s.flags)
		return -EINVAL;
	dev = vtis_dev_get(s.id);
	if (!dev)
		return -ENOENT;
	/* The state holds the guest's command or response bytes. */
	if (!vtis_dev_may_manage(dev)) {
		vtis_dev_put(dev);
		return -EPERM;
	}
	if (!save) {
		ret = vtis_dev_restore_state(dev, u64_to_user_ptr(s.data),
					     s.len);
		vtis_dev_put(dev);
		return ret;
	}
	ret = vtis_dev_save_state(dev, u64_to_user_ptr(s.data), &s.len);
	vtis_dev_put(dev);
	if (ret && ret != -ENOSPC)
		return ret;
	/* The length needed goes back on ENOSPC too. */
	wret = vtis_copy_out(uarg, &s, sizeof(s), usize);
	return ret ? ret : wret;
}

static long vtis_ctl_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case KVM_VTIS_GET_API_VERSION:
		return KVM_VTIS_API_VERSION;
	case KVM_VTIS_ATTACH:
		return vtis_ctl_attach(uarg);
	case KVM_VTIS_DETACH:
		return vtis_ctl_detach(uarg);
	case KVM_VTIS_LIST:
		return vtis_ctl_list(uarg);
	case KVM_VTIS_INFO:
		return vtis_ctl_info(uarg);
	case KVM_VTIS_STATS:
		return vtis_ctl_stats(uarg);
	case KVM_VTIS_SET_IRQ:
		return vtis_ctl_set_irq(uarg);
	case KVM_VTIS_RESET:
		return vtis_ctl_reset(uarg);
	case KVM_VTIS_SAVE_STATE:
		return vtis_ctl_state(uarg, true);
	case KVM_VTIS_RESTORE_STATE:
		return vtis_ctl_state(uarg, false);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vtis_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vtis_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vtis_ctl_misc = {
	.minor = VTIS_CTL_MINOR,
	.name = "kvm-vtis",
	.fops = &vtis_ctl_fops,
	.mode = 0660,
};
MODULE_ALIAS_MISCDEV(VTIS_CTL_MINOR);
MODULE_ALIAS("devname:kvm-vtis");

int vtis_ctl_init(void)
{
	int ret = misc_register(&vtis_ctl_misc);

	if (ret == -EBUSY)
		pr_err("misc minor %d (/dev/kvm-vtis) is taken by another driver\n",
		       VTIS_CTL_MINOR);
	return ret;
}

void vtis_ctl_exit(void)
{
	misc_deregister(&vtis_ctl_misc);
}
