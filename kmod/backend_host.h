/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host TPM backend: the guest's commands go to one of the host's TPM
 * chips through the kernel's TPM API, exclusively held by one device.
 */
#ifndef KVM_VTIS_BACKEND_HOST_H
#define KVM_VTIS_BACKEND_HOST_H

#include <linux/types.h>

struct vtis_dev;
struct vtis_host;
struct vtis_tis_ops;

extern const struct vtis_tis_ops vtis_host_tis_ops;

/*
 * Take host TPM chip @index for one device.  @family is what the caller
 * asked for (KVM_VTIS_TPM_*, 0 for the chip's own); the chip's family is
 * returned in *@chip_family.  Errors: -ENXIO (no such chip, or its driver
 * is gone), -EPROTONOSUPPORT (the chip is of the other family), -EBUSY
 * (another device holds it), -EOPNOTSUPP (no TPM support), -ENOMEM.
 */
struct vtis_host *vtis_host_claim(u32 index, u32 family, u32 *chip_family);
/* Give the claim back; only for one that never reached a device. */
void vtis_host_unclaim(struct vtis_host *host);
/* The device @dev owns @host from now on and releases it at teardown. */
void vtis_host_dev_bind(struct vtis_dev *dev, struct vtis_host *host);

/* The device is dead (dev->dead set under the lock): stop the command. */
void vtis_host_dev_hangup(struct vtis_dev *dev);
/*
 * After hangup, outside the lock, or for a device never activated: drop
 * the device's hold on the chip.  A command still queued is dropped; one
 * running at the chip is not waited for: its worker releases the claim
 * and the chip when the chip answers (the claim stays taken until then).
 */
void vtis_host_dev_destroy(struct vtis_dev *dev);

#endif /* KVM_VTIS_BACKEND_HOST_H */
