// SPDX-License-Identifier: GPL-2.0
/* /dev/kvm-vtis: the control device.  The ABI is uapi/linux/kvm_vtis.h. */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <linux/kvm_vtis.h>

#include "ctl.h"

static long vtis_ctl_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	switch (cmd) {
	case KVM_VTIS_GET_API_VERSION:
		return KVM_VTIS_API_VERSION;
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
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kvm-vtis",
	.fops = &vtis_ctl_fops,
	.mode = 0660,
};

int vtis_ctl_init(void)
{
	return misc_register(&vtis_ctl_misc);
}

void vtis_ctl_exit(void)
{
	misc_deregister(&vtis_ctl_misc);
}
