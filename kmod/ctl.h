/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/kvm-vtis: the control device and its ioctls. */
#ifndef KVM_VTIS_CTL_H
#define KVM_VTIS_CTL_H

/*
 * /dev/kvm-vtis is char 10:VTIS_CTL_MINOR, a fixed misc minor, so that it
 * can exist before the module is loaded and load it when opened, as
 * /dev/kvm and /dev/fuse do: the module's "devname:kvm-vtis" alias makes
 * depmod list the node in modules.devname, kmod-static-nodes creates it at
 * boot (the udev rule's static_node option gives it its owner and mode),
 * and opening it makes the kernel ask modprobe for "char-major-10-244".
 * Minors 243-254 are reserved for local use (Documentation/admin-guide/
 * devices.txt); no driver of the kernel takes this one.
 */
#define VTIS_CTL_MINOR	244

/**
 * vtis_ctl_init() - register /dev/kvm-vtis; attach may run from here on
 *
 * Return: 0 or -errno.
 */
int vtis_ctl_init(void);

/**
 * vtis_ctl_exit() - remove /dev/kvm-vtis
 */
void vtis_ctl_exit(void);

#endif /* KVM_VTIS_CTL_H */
