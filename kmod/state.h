/* SPDX-License-Identifier: GPL-2.0 */
/* Platform reset and the migration blob of a device (state.c). */
#ifndef KVM_VTIS_STATE_H
#define KVM_VTIS_STATE_H

#include <linux/compiler.h>
#include <linux/types.h>

struct vtis_dev;

/* KVM_VTIS_RESET: power-on state, a command in flight abandoned. */
int vtis_dev_reset(struct vtis_dev *dev);
/*
 * KVM_VTIS_SAVE_STATE: write the blob to @ubuf of *@len bytes; *@len
 * becomes the blob's length (also on -ENOSPC).
 */
int vtis_dev_save_state(struct vtis_dev *dev, void __user *ubuf, u32 *len);
/* KVM_VTIS_RESTORE_STATE: check the blob whole, then load it. */
int vtis_dev_restore_state(struct vtis_dev *dev, const void __user *ubuf,
			   u32 len);

#endif /* KVM_VTIS_STATE_H */
