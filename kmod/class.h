/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Class "vtis": the emulators' char device nodes (backend_emu.c) and the
 * statistics devices (obs.c) are its devices.
 */
#ifndef KVM_VTIS_CLASS_H
#define KVM_VTIS_CLASS_H

#include <linux/types.h>

struct attribute_group;
struct device;
struct device_type;

/**
 * vtis_class_init() - create class "vtis"
 *
 * Return: 0 or -errno.
 */
int vtis_class_init(void);

/**
 * vtis_class_exit() - destroy class "vtis"; none of its devices is left
 */
void vtis_class_exit(void);

/**
 * vtis_class_dev_create() - add a device of class "vtis"
 * @devt: its char device number, or 0 for a device without a /dev node
 * @drvdata: its driver data (dev_get_drvdata())
 * @groups: its sysfs attribute groups, or NULL
 * @type: its device type, or NULL
 * @prefix: its name's prefix
 * @id: its name's number: the device is named @prefix@id
 *
 * Like device_create(), without power-management attributes, which these
 * devices have no use for.  Remove it with device_unregister().
 *
 * Return: the device, or ERR_PTR(-errno).
 */
struct device *vtis_class_dev_create(dev_t devt, void *drvdata,
				     const struct attribute_group **groups,
				     const struct device_type *type,
				     const char *prefix, u32 id);

#endif /* KVM_VTIS_CLASS_H */
