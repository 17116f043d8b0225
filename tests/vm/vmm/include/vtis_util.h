/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_vtis' ioctls on /dev/kvm-vtis (uapi/linux/kvm_vtis.h), one function
 * each: 0 (or a value) on success, -errno on failure.  A test that checks
 * the ABI itself (sizes, flags, reserved fields) calls ioctl() directly.
 *
 * struct vtis_dev is a device attached to a test VM: its control fd, id
 * and emulator node.
 */
#ifndef VTIS_VTIS_UTIL_H
#define VTIS_VTIS_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm_vtis.h>

#define VTIS_CTL_PATH	"/dev/kvm-vtis"

int vtis_open(void);
int vtis_api_version(int ctl);
void vtis_attach_args(struct kvm_vtis_attach *a, int vm_fd, uint64_t base,
		      uint32_t family, uint32_t backend, uint32_t tpm_index);
int vtis_attach(int ctl, struct kvm_vtis_attach *a);
int vtis_detach(int ctl, uint32_t id);
int vtis_info(int ctl, uint32_t id, struct kvm_vtis_info *info);
int vtis_stats(int ctl, uint32_t id, struct kvm_vtis_stats *st);
int vtis_list(int ctl, uint32_t *ids, uint32_t capacity, uint32_t *count);
int vtis_set_irq(int ctl, uint32_t id, uint32_t flags, uint32_t irq,
		 int eventfd, int resample_fd);
int vtis_reset(int ctl, uint32_t id);
int vtis_save(int ctl, uint32_t id, void *buf, uint32_t *len);
int vtis_restore(int ctl, uint32_t id, const void *buf, uint32_t len);
int vtis_wait_state(int ctl, uint32_t id, uint32_t bits, bool set,
		    unsigned int ms);

struct vtis_dev {
	int ctl;			/* /dev/kvm-vtis, or -1 */
	uint32_t id;
	uint32_t family;		/* resolved: KVM_VTIS_TPM_1_2 or _2_0 */
	uint32_t interface;		/* in: KVM_VTIS_INTERFACE_* to attach */
	bool attached;
	char emu_name[KVM_VTIS_NAME_LEN];	/* "vtis-emuN", or "" */
	char node[8 + KVM_VTIS_NAME_LEN];	/* "/dev/vtis-emuN", or "" */
};

#define VTIS_DEV_INIT	{ .ctl = -1 }

int vtis_dev_attach(struct vtis_dev *d, int vm_fd, uint64_t base,
		    uint32_t family, uint32_t backend, uint32_t tpm_index);
int vtis_dev_detach(struct vtis_dev *d);
int vtis_dev_info(struct vtis_dev *d, struct kvm_vtis_info *info);
int vtis_dev_stats(struct vtis_dev *d, struct kvm_vtis_stats *st);
void vtis_dev_close(struct vtis_dev *d);

#endif /* VTIS_VTIS_UTIL_H */
