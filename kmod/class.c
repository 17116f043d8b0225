// SPDX-License-Identifier: GPL-2.0
/* Class "vtis" and its devices (see class.h). */

#include <linux/device.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "class.h"
#include "compat.h"

/* Created at load, destroyed at unload: fixed while any device exists. */
static struct class *vtis_class;

static void vtis_class_dev_release(struct device *d)
{
	kfree(d);
}

struct device *vtis_class_dev_create(dev_t devt, void *drvdata,
				     const struct attribute_group **groups,
				     const struct device_type *type,
				     const char *prefix, u32 id)
{
	struct device *d;
	int ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return ERR_PTR(-ENOMEM);
	device_initialize(d);
	d->devt = devt;
	d->class = vtis_class;
	d->groups = groups;
	d->type = type;
	d->release = vtis_class_dev_release;
	dev_set_drvdata(d, drvdata);
	/* No power state: no power/ attributes, a few sysfs nodes less each. */
	device_set_pm_not_required(d);
	ret = dev_set_name(d, "%s%u", prefix, id);
	if (ret)
		goto err_put_device;
	ret = device_add(d);
	if (ret)
		goto err_put_device;
	return d;

err_put_device:
	put_device(d);
	return ERR_PTR(ret);
}

/* Root only; a udev rule may hand the nodes to group kvm. */
static char *vtis_class_devnode(VTIS_DEVNODE_CONST struct device *dev,
				umode_t *mode)
{
	if (mode)
		*mode = 0600;
	return NULL;
}

int vtis_class_init(void)
{
	vtis_class = vtis_class_create("vtis");
	if (IS_ERR(vtis_class))
		return PTR_ERR(vtis_class);
	vtis_class->devnode = vtis_class_devnode;
	return 0;
}

void vtis_class_exit(void)
{
	class_destroy(vtis_class);
}
