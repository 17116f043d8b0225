// SPDX-License-Identifier: GPL-2.0
/*
 * The device's window as a KVM MMIO-bus device.  vCPUs call in
 * concurrently, inside KVM's SRCU read side; every access is checked, then
 * handed to the frontend, or to the firmware event log's bytes, under the
 * device lock.
 */

#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/kvm_host.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <kvm/iodev.h>

#include <linux/kvm_vtis.h>

#include "device.h"
#include "mmio.h"
#include "obs.h"

static unsigned int go_wait_us = 2000;

/* Values above VTIS_GO_WAIT_MAX_US are refused (EINVAL), not clamped. */
static int vtis_go_wait_set(const char *val, const struct kernel_param *kp)
{
	unsigned int us;
	int ret;

	ret = kstrtouint(val, 0, &us);
	if (ret)
		return ret;
	if (us > VTIS_GO_WAIT_MAX_US)
		return -EINVAL;
	WRITE_ONCE(go_wait_us, us);
	return 0;
}

static const struct kernel_param_ops vtis_go_wait_ops = {
	.set = vtis_go_wait_set,
	.get = param_get_uint,
};
module_param_cb(go_wait_us, &vtis_go_wait_ops, &go_wait_us, 0644);
MODULE_PARM_DESC(go_wait_us,
		 "After GO, wait up to this long (us, 0..5000; 0: never) for the backend's answer before resuming the vCPU");

static struct vtis_dev *vtis_mmio_dev(struct kvm_io_device *this)
{
	return container_of(this, struct vtis_dev, iodev);
}

/*
 * 1 to 8 bytes wholly inside the registers or wholly inside the log
 * window; else not ours.  Besides the 1-, 2-, 4- and 8-byte accesses of
 * instructions, KVM hands over one piece per 4 KiB page of an access that
 * crosses into the next locality: those of 3, 5, 6 or 7 bytes must not
 * exit to userspace either.  (For the same reason no access reaches both
 * the registers and the log: the log starts on a page.)
 */
static bool vtis_mmio_ok(const struct vtis_dev *dev, gpa_t addr, int len)
{
	u64 off;

	if (len < 1 || len > 8 || addr < dev->base)
		return false;
	off = addr - dev->base;
	if (off < KVM_VTIS_LOG_OFFSET)
		return off <= KVM_VTIS_LOG_OFFSET - len;
	off -= KVM_VTIS_LOG_OFFSET;
	return len <= dev->log_size && off <= dev->log_size - len;
}

/* The log window holds what was written, and nothing else happens. */
static bool vtis_mmio_is_log(u32 off)
{
	return off >= KVM_VTIS_LOG_OFFSET;
}

static int vtis_mmio_read(struct kvm_vcpu *vcpu, struct kvm_io_device *this,
			  gpa_t addr, int len, void *val)
{
	struct vtis_dev *dev = vtis_mmio_dev(this);
	u32 off;

	if (!vtis_mmio_ok(dev, addr, len))
		return -EOPNOTSUPP;
	off = addr - dev->base;
	mutex_lock(&dev->lock);
	if (likely(!dev->dead)) {
		if (vtis_mmio_is_log(off))
			memcpy(val, dev->log + off - KVM_VTIS_LOG_OFFSET, len);
		else
			dev->fe->read(dev, off, len, val);
		vtis_obs_mmio(dev, off, len, val, false);
	} else {
		memset(val, 0xff, len);
	}
	mutex_unlock(&dev->lock);
	return 0;
}

/*
 * A write that submitted a command (GO) waits, without the lock, a short
 * bounded and interruptible time for the answer: a guest that polls STS
 * right after GO then finds dataAvail at once instead of sleeping.  The
 * wait is inside the VM's SRCU read section: at most VTIS_GO_WAIT_MAX_US.
 */
static void vtis_mmio_go_wait(struct vtis_dev *dev, unsigned long seq)
{
	unsigned int us = READ_ONCE(go_wait_us);

	if (!us)
		return;
	/* A signal ends the wait; KVM then exits to userspace as usual. */
	wait_event_interruptible_hrtimeout(dev->done_wq,
					   READ_ONCE(dev->done_seq) != seq,
					   ns_to_ktime((u64)us * NSEC_PER_USEC));
}

static int vtis_mmio_write(struct kvm_vcpu *vcpu, struct kvm_io_device *this,
			   gpa_t addr, int len, const void *val)
{
	struct vtis_dev *dev = vtis_mmio_dev(this);
	unsigned long seq;
	bool submitted;
	u32 off;

	if (!vtis_mmio_ok(dev, addr, len))
		return -EOPNOTSUPP;
	off = addr - dev->base;
	mutex_lock(&dev->lock);
	if (unlikely(dev->dead)) {
		mutex_unlock(&dev->lock);
		return 0;
	}
	vtis_obs_mmio(dev, off, len, val, true);
	if (vtis_mmio_is_log(off)) {
		memcpy(dev->log + off - KVM_VTIS_LOG_OFFSET, val, len);
		mutex_unlock(&dev->lock);
		return 0;
	}
	seq = dev->done_seq;
	/* Submitted now and not already answered from inside the call. */
	submitted = dev->fe->write(dev, off, len, val) &&
		    dev->done_seq == seq;
	mutex_unlock(&dev->lock);

	if (submitted)
		vtis_mmio_go_wait(dev, seq);
	return 0;
}

/* KVM destroys the VM's bus: the VM is going away. */
static void vtis_mmio_destructor(struct kvm_io_device *this)
{
	vtis_dev_vm_gone(vtis_mmio_dev(this));
}

const struct kvm_io_device_ops vtis_mmio_ops = {
	.read = vtis_mmio_read,
	.write = vtis_mmio_write,
	.destructor = vtis_mmio_destructor,
};
