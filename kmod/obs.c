// SPDX-License-Identifier: GPL-2.0
/*
 * Observability of a device (see obs.h).
 *
 * sysfs, /sys/class/vtis/vtis<N>/stats/: one counter a file, the stable
 * interface for monitoring (docs/ABI/testing/sysfs-class-vtis), readable
 * by root only: a device's counters and service times tell what its guest
 * does with its TPM, which is its owner's business (KVM_VTIS_STATS answers
 * the owner).  The device vtis<N> is a class device of its own, without a
 * /dev node, so every backend has one and it lives exactly as long as the
 * device is attached.
 *
 * debugfs, kvm_vtis/<N>/: service_time (the log2 histogram of the
 * backend's service time) and one file named after the frontend with its
 * state (tis: the TIS core's), for debugging only: their format may
 * change.
 */

#include <linux/bitops.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>

#include <linux/kvm_vtis.h>

#include "class.h"
#include "compat.h"
#include "device.h"
#include "obs.h"
#include "trace.h"

static struct dentry *vtis_debugfs_root;

/* vtis_obs.warned has a bit for each reason. */
static_assert(VTIS_OBS_CANCELED < BITS_PER_LONG);

void vtis_obs_reject(struct vtis_dev *dev, enum vtis_obs_reason why,
		     u8 locality, u32 ordinal, u32 rc, u32 len)
{
	struct vtis_stats *st = &dev->obs.stats;

	lockdep_assert_held(&dev->lock);
	switch (why) {
	case VTIS_OBS_PREFIX:
	case VTIS_OBS_VENDOR:
	case VTIS_OBS_SIZE:
	case VTIS_OBS_NO_BACKEND:
		st->rejected_commands++;
		break;
	case VTIS_OBS_BAD_RESPONSE:
	case VTIS_OBS_EMU_PROTOCOL:
		st->bad_responses++;
		break;
	case VTIS_OBS_TIMEOUT:
		st->timeouts++;
		break;
	default:
		st->backend_failures++;
		break;
	}
	trace_kvm_vtis_reject(dev->id, locality, why, ordinal, rc, len);
}

/* Bucket i: [2^i, 2^(i+1)) us; bucket 0 also below 1 us; the last open. */
static unsigned int vtis_obs_bucket(u64 ns)
{
	u64 us = div_u64(ns, NSEC_PER_USEC);

	if (us < 2)
		return 0;
	return min_t(unsigned int, ilog2(us), KVM_VTIS_SERVICE_BUCKETS - 1);
}

static void vtis_obs_complete(struct vtis_dev *dev,
			      const struct vtis_tis_event *ev)
{
	struct vtis_stats *st = &dev->obs.stats;
	u64 now = ktime_get_ns();
	u64 ns = now > dev->obs.submit_ns ? now - dev->obs.submit_ns : 0;

	st->service_count++;
	st->service_total_ns += ns;
	st->service_max_ns = max(st->service_max_ns, ns);
	st->service_hist[vtis_obs_bucket(ns)]++;
	if (ev->reason == VTIS_EVR_DROPPED)
		st->cancelled++;
	if (ev->reason == VTIS_EVR_BAD_RESPONSE)
		vtis_obs_reject(dev, VTIS_OBS_BAD_RESPONSE, ev->locality, 0,
				ev->rc, ev->len);
	trace_kvm_vtis_cmd_complete(dev->id, ev->locality, ev->rc, ev->len, ns,
				    ev->reason);
}

void vtis_obs_event(struct vtis_dev *dev, const struct vtis_tis_event *ev)
{
	lockdep_assert_held(&dev->lock);
	switch (ev->type) {
	case VTIS_EV_LOCALITY:
		dev->obs.stats.locality_changes++;
		trace_kvm_vtis_locality(dev->id, ev->from, ev->locality);
		break;
	case VTIS_EV_REJECT:
		pr_debug("device %u: guest command %#x (%u bytes) at locality %u refused\n",
			 dev->id, ev->ordinal, ev->len, ev->locality);
		/* The core's reasons are ours (enum vtis_obs_reason). */
		vtis_obs_reject(dev, ev->reason, ev->locality, ev->ordinal,
				ev->rc, ev->len);
		break;
	case VTIS_EV_SUBMIT:
		dev->obs.submit_ns = ktime_get_ns();
		trace_kvm_vtis_cmd_submit(dev->id, ev->locality, ev->ordinal,
					  ev->len);
		break;
	case VTIS_EV_COMPLETE:
		vtis_obs_complete(dev, ev);
		break;
	}
}

void vtis_obs_mmio(struct vtis_dev *dev, u32 offset, u32 len,
		   const void *val, bool write)
{
	struct vtis_stats *st = &dev->obs.stats;
	unsigned int cls = offset >= KVM_VTIS_LOG_OFFSET ? KVM_VTIS_REG_LOG :
			   dev->fe->reg_class(offset);

	lockdep_assert_held(&dev->lock);
	if (write) {
		st->mmio_writes++;
		st->mmio_class_writes[cls]++;
	} else {
		st->mmio_reads++;
		st->mmio_class_reads[cls]++;
		if (cls == KVM_VTIS_REG_STS && dev->fe->busy(dev))
			st->status_polls++;
	}
	/* The log window is memory, not registers: counted, not traced. */
	if (cls != KVM_VTIS_REG_LOG)
		trace_kvm_vtis_mmio(dev->id, offset, len, val, write);
}

void vtis_obs_submit(struct vtis_dev *dev, const u8 *cmd, u32 len,
		     u8 locality)
{
	struct vtis_obs *obs = &dev->obs;

	lockdep_assert_held(&dev->lock);
	obs->stats.commands++;
	obs->stats.bytes_to_tpm += len;
	obs->cmd_ordinal = len >= VTIS_HEADER_SIZE ?
			   get_unaligned_be32(cmd + 6) : 0;
	obs->cmd_len = len;
	obs->cmd_locality = locality;
}

void vtis_obs_restart(struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	dev->obs.submit_ns = ktime_get_ns();
}

void vtis_obs_answer(struct vtis_dev *dev, const u8 *rsp, u32 len,
		     enum vtis_obs_reason why, bool busy)
{
	struct vtis_obs *obs = &dev->obs;

	lockdep_assert_held(&dev->lock);
	if (rsp && !why) {
		/* The TPM's answer; the frontend replaces a malformed one. */
		if (len >= VTIS_HEADER_SIZE &&
		    get_unaligned_be32(rsp + 2) == len) {
			obs->stats.responses++;
			obs->stats.bytes_from_tpm += len;
		} else {
			obs->stats.errors++;
		}
		return;
	}
	/*
	 * A failure, or a response the backend made up: a failure response
	 * for the guest, if a command is still in flight to take it.
	 */
	if (!busy)
		return;
	if (why != VTIS_OBS_NONE && why != VTIS_OBS_CANCELED)
		vtis_obs_reject(dev, why, obs->cmd_locality, obs->cmd_ordinal,
				0, obs->cmd_len);
	obs->stats.errors++;
}

void vtis_obs_warn_once(struct vtis_dev *dev, enum vtis_obs_reason why,
			const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	lockdep_assert_held(&dev->lock);
	if (__test_and_set_bit(why, &dev->obs.warned))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_warn("device %u: %pV (logged once; counted in /sys/class/vtis/vtis%u/stats)\n",
		dev->id, &vaf, dev->id);
	va_end(args);
}

void vtis_obs_info(struct vtis_dev *dev, struct kvm_vtis_info *info)
{
	const struct vtis_stats *st = &dev->obs.stats;

	lockdep_assert_held(&dev->lock);
	info->commands = st->commands;
	info->responses = st->responses;
	info->errors = st->errors;
	info->mmio_reads = st->mmio_reads;
	info->mmio_writes = st->mmio_writes;
	info->bytes_to_tpm = st->bytes_to_tpm;
	info->bytes_from_tpm = st->bytes_from_tpm;
}

void vtis_obs_fill(struct vtis_dev *dev, struct kvm_vtis_stats *out)
{
	const struct vtis_stats *st = &dev->obs.stats;

	lockdep_assert_held(&dev->lock);
	BUILD_BUG_ON(sizeof(out->mmio_reads) != sizeof(st->mmio_class_reads));
	BUILD_BUG_ON(sizeof(out->service_hist) != sizeof(st->service_hist));
	out->service_buckets = KVM_VTIS_SERVICE_BUCKETS;
	out->commands = st->commands;
	out->responses = st->responses;
	out->errors = st->errors;
	out->bytes_to_tpm = st->bytes_to_tpm;
	out->bytes_from_tpm = st->bytes_from_tpm;
	memcpy(out->mmio_reads, st->mmio_class_reads, sizeof(out->mmio_reads));
	memcpy(out->mmio_writes, st->mmio_class_writes,
	       sizeof(out->mmio_writes));
	out->status_polls = st->status_polls;
	out->locality_changes = st->locality_changes;
	out->rejected_commands = st->rejected_commands;
	out->bad_responses = st->bad_responses;
	out->timeouts = st->timeouts;
	out->backend_failures = st->backend_failures;
	out->cancelled = st->cancelled;
	out->service_count = st->service_count;
	out->service_total_ns = st->service_total_ns;
	out->service_max_ns = st->service_max_ns;
	memcpy(out->service_hist, st->service_hist, sizeof(out->service_hist));
}

/* ---- sysfs: /sys/class/vtis/vtis<N>/stats/<counter> ------------------- */

struct vtis_stat_attr {
	struct device_attribute attr;
	size_t off;			/* of the u64 in struct vtis_stats */
};

static ssize_t vtis_stat_show(struct device *d, struct device_attribute *a,
			      char *buf)
{
	const struct vtis_stat_attr *sa =
		container_of(a, struct vtis_stat_attr, attr);
	struct vtis_dev *dev = dev_get_drvdata(d);
	u64 v;

	/* Removing the sysfs device waits for readers: dev is alive. */
	mutex_lock(&dev->lock);
	v = *(const u64 *)((const u8 *)&dev->obs.stats + sa->off);
	mutex_unlock(&dev->lock);
	return sysfs_emit(buf, "%llu\n", v);
}

#define VTIS_STAT_ATTR(_name, _member)					\
	static struct vtis_stat_attr vtis_stat_##_name = {		\
		.attr = __ATTR(_name, 0400, vtis_stat_show, NULL),	\
		.off = offsetof(struct vtis_stats, _member),		\
	}
#define VTIS_STAT_CLASS(_dir, _cls, _idx)				\
	VTIS_STAT_ATTR(mmio_##_dir##_##_cls, mmio_class_##_dir[_idx])

VTIS_STAT_ATTR(commands, commands);
VTIS_STAT_ATTR(responses, responses);
VTIS_STAT_ATTR(errors, errors);
VTIS_STAT_ATTR(bytes_to_tpm, bytes_to_tpm);
VTIS_STAT_ATTR(bytes_from_tpm, bytes_from_tpm);
VTIS_STAT_ATTR(mmio_reads, mmio_reads);
VTIS_STAT_ATTR(mmio_writes, mmio_writes);
VTIS_STAT_CLASS(reads, access, KVM_VTIS_REG_ACCESS);
VTIS_STAT_CLASS(reads, int, KVM_VTIS_REG_INT);
VTIS_STAT_CLASS(reads, sts, KVM_VTIS_REG_STS);
VTIS_STAT_CLASS(reads, fifo, KVM_VTIS_REG_FIFO);
VTIS_STAT_CLASS(reads, id, KVM_VTIS_REG_ID);
VTIS_STAT_CLASS(reads, other, KVM_VTIS_REG_OTHER);
VTIS_STAT_CLASS(reads, log, KVM_VTIS_REG_LOG);
VTIS_STAT_CLASS(writes, access, KVM_VTIS_REG_ACCESS);
VTIS_STAT_CLASS(writes, int, KVM_VTIS_REG_INT);
VTIS_STAT_CLASS(writes, sts, KVM_VTIS_REG_STS);
VTIS_STAT_CLASS(writes, fifo, KVM_VTIS_REG_FIFO);
VTIS_STAT_CLASS(writes, id, KVM_VTIS_REG_ID);
VTIS_STAT_CLASS(writes, other, KVM_VTIS_REG_OTHER);
VTIS_STAT_CLASS(writes, log, KVM_VTIS_REG_LOG);
VTIS_STAT_ATTR(status_polls, status_polls);
VTIS_STAT_ATTR(locality_changes, locality_changes);
VTIS_STAT_ATTR(rejected_commands, rejected_commands);
VTIS_STAT_ATTR(bad_responses, bad_responses);
VTIS_STAT_ATTR(timeouts, timeouts);
VTIS_STAT_ATTR(backend_failures, backend_failures);
VTIS_STAT_ATTR(cancelled, cancelled);
VTIS_STAT_ATTR(service_count, service_count);
VTIS_STAT_ATTR(service_total_ns, service_total_ns);
VTIS_STAT_ATTR(service_max_ns, service_max_ns);

static struct attribute *vtis_stat_attrs[] = {
	&vtis_stat_commands.attr.attr,
	&vtis_stat_responses.attr.attr,
	&vtis_stat_errors.attr.attr,
	&vtis_stat_bytes_to_tpm.attr.attr,
	&vtis_stat_bytes_from_tpm.attr.attr,
	&vtis_stat_mmio_reads.attr.attr,
	&vtis_stat_mmio_writes.attr.attr,
	&vtis_stat_mmio_reads_access.attr.attr,
	&vtis_stat_mmio_reads_int.attr.attr,
	&vtis_stat_mmio_reads_sts.attr.attr,
	&vtis_stat_mmio_reads_fifo.attr.attr,
	&vtis_stat_mmio_reads_id.attr.attr,
	&vtis_stat_mmio_reads_other.attr.attr,
	&vtis_stat_mmio_reads_log.attr.attr,
	&vtis_stat_mmio_writes_access.attr.attr,
	&vtis_stat_mmio_writes_int.attr.attr,
	&vtis_stat_mmio_writes_sts.attr.attr,
	&vtis_stat_mmio_writes_fifo.attr.attr,
	&vtis_stat_mmio_writes_id.attr.attr,
	&vtis_stat_mmio_writes_other.attr.attr,
	&vtis_stat_mmio_writes_log.attr.attr,
	&vtis_stat_status_polls.attr.attr,
	&vtis_stat_locality_changes.attr.attr,
	&vtis_stat_rejected_commands.attr.attr,
	&vtis_stat_bad_responses.attr.attr,
	&vtis_stat_timeouts.attr.attr,
	&vtis_stat_backend_failures.attr.attr,
	&vtis_stat_cancelled.attr.attr,
	&vtis_stat_service_count.attr.attr,
	&vtis_stat_service_total_ns.attr.attr,
	&vtis_stat_service_max_ns.attr.attr,
	NULL,
};

static const struct attribute_group vtis_stat_group = {
	.name = "stats",
	.attrs = vtis_stat_attrs,
};

static const struct attribute_group *vtis_obs_groups[] = {
	&vtis_stat_group,
	NULL,
};

/* ---- debugfs: kvm_vtis/<N>/{service_time,<frontend>} ------------------- */

static int vtis_service_time_show(struct seq_file *m, void *unused)
{
	struct vtis_dev *dev = m->private;
	struct vtis_stats *st;
	unsigned int i;

	/* A copy: no printing under the device lock. */
	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	mutex_lock(&dev->lock);
	*st = dev->obs.stats;
	mutex_unlock(&dev->lock);
	seq_printf(m, "count %llu total_ns %llu max_ns %llu\n",
		   st->service_count, st->service_total_ns,
		   st->service_max_ns);
	for (i = 0; i < KVM_VTIS_SERVICE_BUCKETS; i++) {
		u64 lo = i ? 1ULL << i : 0;

		if (i == KVM_VTIS_SERVICE_BUCKETS - 1)
			seq_printf(m, "%llu- us %llu\n", lo,
				   st->service_hist[i]);
		else
			seq_printf(m, "%llu-%llu us %llu\n", lo,
				   (2ULL << i) - 1, st->service_hist[i]);
	}
	kfree(st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtis_service_time);

/* The frontend's state, as it shows it. */
static int vtis_fe_state_show(struct seq_file *m, void *unused)
{
	struct vtis_dev *dev = m->private;

	dev->fe->show(dev, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtis_fe_state);

int vtis_obs_dev_add(struct vtis_dev *dev)
{
	struct device *sysdev;
	char name[16];

	sysdev = vtis_class_dev_create(0, dev, vtis_obs_groups, NULL, "vtis",
				       dev->id);
	if (IS_ERR(sysdev))
		return PTR_ERR(sysdev);
	dev->obs.sysdev = sysdev;

	/* debugfs is optional: its failures are ignored. */
	if (vtis_debugfs_root) {
		snprintf(name, sizeof(name), "%u", dev->id);
		dev->obs.dbgdir = debugfs_create_dir(name, vtis_debugfs_root);
		debugfs_create_file("service_time", 0400, dev->obs.dbgdir, dev,
				    &vtis_service_time_fops);
		debugfs_create_file(dev->fe->name, 0400, dev->obs.dbgdir, dev,
				    &vtis_fe_state_fops);
	}
	return 0;
}

void vtis_obs_dev_del(struct vtis_dev *dev)
{
	/* Both wait for readers in progress. */
	debugfs_remove_recursive(dev->obs.dbgdir);
	dev->obs.dbgdir = NULL;
	if (dev->obs.sysdev) {
		device_unregister(dev->obs.sysdev);
		dev->obs.sysdev = NULL;
	}
}

void vtis_obs_init(void)
{
	vtis_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(vtis_debugfs_root))
		vtis_debugfs_root = NULL;
}

void vtis_obs_exit(void)
{
	debugfs_remove_recursive(vtis_debugfs_root);
	vtis_debugfs_root = NULL;
}
