/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/kvm-vtis: the control device and its ioctls. */
#ifndef KVM_VTIS_CTL_H
#define KVM_VTIS_CTL_H

int vtis_ctl_init(void);
void vtis_ctl_exit(void);

#endif /* KVM_VTIS_CTL_H */
