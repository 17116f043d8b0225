// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_vtis: a TPM TIS (FIFO) interface for KVM guests, emulated in the host
 * kernel.  This file only wires the parts together.
 */

#include <linux/module.h>

#include "backend_emu.h"
#include "class.h"
#include "ctl.h"
#include "device.h"
#include "obs.h"

/* VTIS_VERSION comes from the VERSION file at the top (Kbuild). */
#ifndef VTIS_VERSION
#error "VTIS_VERSION is not defined: build with the Kbuild beside VERSION"
#endif

static int __init vtis_init(void)
{
	int ret;

	ret = vtis_devices_init();
	if (ret)
		return ret;
	ret = vtis_class_init();
	if (ret)
		goto err_devices_exit;
	ret = vtis_emu_init();
	if (ret)
		goto err_class_exit;
	vtis_obs_init();

	/* The control device goes last: once it exists, attach can run. */
	ret = vtis_ctl_init();
	if (ret)
		goto err_obs_exit;

	pr_info("loaded, version " VTIS_VERSION "\n");
	return 0;

err_obs_exit:
	vtis_obs_exit();
	vtis_emu_exit();
err_class_exit:
	vtis_class_exit();
err_devices_exit:
	vtis_devices_exit();
	return ret;
}

/* Runs only when no device exists: each one holds a module reference. */
static void __exit vtis_exit(void)
{
	vtis_ctl_exit();
	vtis_obs_exit();
	vtis_emu_exit();
	vtis_class_exit();
	vtis_devices_exit();
}

module_init(vtis_init);
module_exit(vtis_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel TPM TIS device for KVM guests");
MODULE_VERSION(VTIS_VERSION);
MODULE_AUTHOR("kvm_vtis developers");
