/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/kvm-vtis: the control device and its ioctls. */
#ifndef KVM_VTIS_CTL_H
#define KVM_VTIS_CTL_H

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
