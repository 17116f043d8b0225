// SPDX-License-Identifier: GPL-2.0
/* kvm_vtis' ioctls and a device attached to a test VM (see vtis_util.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "test_util.h"
#include "vtis_util.h"

int vtis_open(void)
{
	int fd = open(VTIS_CTL_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int ret_of(int ret)
{
	return ret < 0 ? -errno : ret;
}

int vtis_api_version(int ctl)
{
	return ret_of(ioctl(ctl, KVM_VTIS_GET_API_VERSION));
}

void vtis_attach_args(struct kvm_vtis_attach *a, int vm_fd, uint64_t base,
		      uint32_t family, uint32_t backend, uint32_t tpm_index)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->vm_fd = vm_fd;
	a->base = base;
	a->family = family;
	a->backend = backend;
	a->tpm_index = tpm_index;
}

int vtis_attach(int ctl, struct kvm_vtis_attach *a)
{
	return ret_of(ioctl(ctl, KVM_VTIS_ATTACH, a));
}

int vtis_detach(int ctl, uint32_t id)
{
	struct kvm_vtis_detach d = { .size = sizeof(d), .id = id };

	return ret_of(ioctl(ctl, KVM_VTIS_DETACH, &d));
}

int vtis_info(int ctl, uint32_t id, struct kvm_vtis_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->id = id;
	return ret_of(ioctl(ctl, KVM_VTIS_INFO, info));
}

int vtis_stats(int ctl, uint32_t id, struct kvm_vtis_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->id = id;
	return ret_of(ioctl(ctl, KVM_VTIS_STATS, st));
}

/* The ids of all devices: min(*count, capacity) of them land in ids. */
int vtis_list(int ctl, uint32_t *ids, uint32_t capacity, uint32_t *count)
{
	struct kvm_vtis_list l = {
		.size = sizeof(l),
		.ids = (uintptr_t)ids,
		.capacity = capacity,
	};
	int ret = ret_of(ioctl(ctl, KVM_VTIS_LIST, &l));

	*count = ret ? 0 : l.count;
	return ret;
}

int vtis_set_irq(int ctl, uint32_t id, uint32_t flags, uint32_t irq,
		 int eventfd, int resample_fd)
{
	struct kvm_vtis_irq q = {
		.size = sizeof(q),
		.flags = flags,
		.id = id,
		.irq = irq,
		.eventfd = eventfd,
		.resample_fd = resample_fd,
	};

	return ret_of(ioctl(ctl, KVM_VTIS_SET_IRQ, &q));
}

int vtis_reset(int ctl, uint32_t id)
{
	struct kvm_vtis_reset r = { .size = sizeof(r), .id = id };

	return ret_of(ioctl(ctl, KVM_VTIS_RESET, &r));
}

/* Save the state blob into buf (*len: its capacity, then the blob's). */
int vtis_save(int ctl, uint32_t id, void *buf, uint32_t *len)
{
	struct kvm_vtis_state s = {
		.size = sizeof(s),
		.id = id,
		.len = *len,
		.data = (uintptr_t)buf,
	};
	int ret = ret_of(ioctl(ctl, KVM_VTIS_SAVE_STATE, &s));

	*len = s.len;
	return ret;
}

int vtis_restore(int ctl, uint32_t id, const void *buf, uint32_t len)
{
	struct kvm_vtis_state s = {
		.size = sizeof(s),
		.id = id,
		.len = len,
		.data = (uintptr_t)buf,
	};

	return ret_of(ioctl(ctl, KVM_VTIS_RESTORE_STATE, &s));
}

/*
 * Wait up to ms for KVM_VTIS_INFO's state to have bits all set (set) or
 * all clear: 0, -ETIMEDOUT, or the ioctl's -errno.
 */
int vtis_wait_state(int ctl, uint32_t id, uint32_t bits, bool set,
		    unsigned int ms)
{
	struct kvm_vtis_info info;
	uint64_t end = now_ms() + ms;
	int ret;

	for (;;) {
		ret = vtis_info(ctl, id, &info);
		if (ret)
			return ret;
		if ((info.state & bits) == (set ? bits : 0))
			return 0;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		sleep_ms(20);
	}
}

/* Attach a device to the VM behind vm_fd; opens d->ctl when it has none. */
int vtis_dev_attach(struct vtis_dev *d, int vm_fd, uint64_t base,
		    uint32_t family, uint32_t backend, uint32_t tpm_index)
{
	struct kvm_vtis_attach a;
	int ret;

	if (d->ctl < 0) {
		ret = vtis_open();
		if (ret < 0)
			return ret;
		d->ctl = ret;
	}
	vtis_attach_args(&a, vm_fd, base, family, backend, tpm_index);
	a.interface = d->interface;
	ret = vtis_attach(d->ctl, &a);
	if (ret)
		return ret;
	d->attached = true;
	d->id = a.id;
	d->family = a.family;
	memcpy(d->emu_name, a.emu_name, sizeof(d->emu_name));
	d->emu_name[sizeof(d->emu_name) - 1] = 0;
	d->node[0] = 0;
	if (d->emu_name[0])
		snprintf(d->node, sizeof(d->node), "/dev/%s", d->emu_name);
	return 0;
}

int vtis_dev_detach(struct vtis_dev *d)
{
	int ret = vtis_detach(d->ctl, d->id);

	if (!ret)
		d->attached = false;
	return ret;
}

int vtis_dev_info(struct vtis_dev *d, struct kvm_vtis_info *info)
{
	return vtis_info(d->ctl, d->id, info);
}

int vtis_dev_stats(struct vtis_dev *d, struct kvm_vtis_stats *st)
{
	return vtis_stats(d->ctl, d->id, st);
}

void vtis_dev_close(struct vtis_dev *d)
{
	if (d->ctl >= 0)
		close(d->ctl);
	d->ctl = -1;
}
