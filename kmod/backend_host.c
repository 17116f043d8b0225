// SPDX-License-Identifier: GPL-2.0
/*
 * The host TPM backend: the guest's commands go to one of the host's TPM
 * chips (tpm<index>) through the kernel's TPM API (tpm_try_get_ops,
 * tpm_transmit_cmd, tpm_put_ops), with no file and no userspace in the
 * path.
 *
 * One device at a time holds a chip (a second claim gets -EBUSY); the
 * claim and the reference on the chip end with the device's teardown.  The
 * family the guest sees is the chip's.  Commands run in a work item, never
 * in a vCPU: submit() copies the command and queues the work.  The chip's
 * driver runs each command at its own locality (0), whatever locality the
 * guest used, and the kernel's TPM core serialises our commands with the
 * host's own users of the chip.  No resource manager sits in between: the
 * guest's handles, sessions and PCRs are the chip's.
 *
 * Cancel (the guest's commandCancel, or an abort): a command still queued
 * is answered with TPM_RC_CANCELED without reaching the chip; one the chip
 * is running is left to finish, and the TIS core drops its answer.  The
 * chip's driver is never asked to cancel: the TPM core does that only
 * under its own tpm_mutex, which the running command holds, and a driver
 * cancelled behind its back (tpm_tis in interrupt mode) can wait the
 * command's whole duration, up to minutes, with the chip locked.
 *
 * Nothing waits for the chip but the worker: not a vCPU (submit and
 * cancel only queue or mark, under the device lock), not the device's
 * teardown.  A command running when the device goes away keeps the host
 * state, the claim on the chip and a module reference until the chip
 * answers; then the worker releases them and drops the answer.
 *
 * Host-side failures (the driver unbound, a transport error, a timeout)
 * give the guest a TPM failure response; TPM return codes are the guest's
 * business and are passed through silently (desc = NULL).
 *
 * Migration: none of the chip's state can move with the VM: the backend
 * is not migratable.
 *
 * The backend's state (struct vtis_host) is the claim: the device holds
 * one reference from create() to destroy(), a queued or running work item
 * another.
 */

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/tpm.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <linux/kvm_vtis.h>

#include "backend.h"
#include "backend_host.h"
#include "compat.h"
#include "reason.h"
#include "tis.h"

#if defined(VTIS_HAVE_TPM_TRANSMIT_CMD) && IS_REACHABLE(CONFIG_TCG_TPM)
#define VTIS_HOST_TPM	1
#endif

#define VTIS_TPM2_RC_CANCELED	0x909U

/* Where the guest's command stands; under the device's lock. */
enum vtis_host_state {
	VTIS_HOST_IDLE = 0,
	VTIS_HOST_QUEUED,	/* copied into buf, the work is queued */
	VTIS_HOST_RUNNING,	/* the worker owns buf and talks to the chip */
};

struct vtis_host {
	/*
	 * Held by the device (from the claim) and by a queued or running
	 * work item; the last put releases the claim and the chip.
	 */
	struct kref ref;
	struct vtis_dev *dev;		/* the owner; fixed */
	struct tpm_chip *chip;		/* holds a reference on chip->dev */
	u32 index;			/* the chip is tpm<index> */
	/* Runs the command at the chip; holds a host, device and module ref. */
	struct work_struct work;
	struct tpm_buf buf;		/* one page: command in, response out */

	/* Under the device's lock. */
	u8 state;			/* enum vtis_host_state */
	bool cancel;			/* answer the queued command CANCELED */
};

static struct vtis_host *vtis_host_of(struct vtis_backend *be)
{
	return be->priv;
}

#ifdef VTIS_HOST_TPM

/* Which chips are held, by number; the xarray's own lock serialises. */
static DEFINE_XARRAY(vtis_host_held);

static int vtis_host_match(struct device *d, const void *data)
{
	return to_tpm_chip(d)->dev_num == *(const int *)data;
}

/*
 * Chip number @index with a reference, or NULL.  Only tpm_default_chip()
 * is exported for lookups; it yields the lowest-numbered chip, whose class
 * (every chip's, "tpm") leads to the others.
 */
static struct tpm_chip *vtis_host_find_chip(u32 index)
{
	struct tpm_chip *first;
	struct device *d;
	int num = index;

	if (index > INT_MAX)
		return NULL;
	first = tpm_default_chip();
	if (!first || first->dev_num == num)
		return first;
	d = class_find_device(first->dev.class, NULL, &num, vtis_host_match);
	put_device(&first->dev);
	return d ? to_tpm_chip(d) : NULL;
}

/* The chip's family, if its driver is still bound; else -ENXIO. */
static int vtis_host_chip_family(struct tpm_chip *chip)
{
	int family;

	if (tpm_try_get_ops(chip))
		return -ENXIO;
	family = (chip->flags & TPM_CHIP_FLAG_TPM2) ? KVM_VTIS_TPM_2_0 :
						     KVM_VTIS_TPM_1_2;
	tpm_put_ops(chip);
	return family;
}

/*
 * Take host TPM chip @index for one device.  @family is what the caller
 * asked for (KVM_VTIS_TPM_*, 0 for the chip's own); the chip's family is
 * returned in *@chip_family.  Errors: -ENXIO (no such chip, or its driver
 * is gone), -EPROTONOSUPPORT (the chip is of the other family), -EBUSY
 * (another device holds it), -EOPNOTSUPP (no TPM support), -ENOMEM.
 */
static struct vtis_host *vtis_host_claim(u32 index, u32 family,
					 u32 *chip_family)
{
	struct vtis_host *host;
	struct tpm_chip *chip;
	int ret;

	chip = vtis_host_find_chip(index);
	if (!chip)
		return ERR_PTR(-ENXIO);
	ret = vtis_host_chip_family(chip);
	if (ret < 0)
		goto err_put_chip;
	if (family != KVM_VTIS_TPM_DEFAULT && family != ret) {
		ret = -EPROTONOSUPPORT;
		goto err_put_chip;
	}
	*chip_family = ret;

	host = kzalloc(sizeof(*host), GFP_KERNEL_ACCOUNT);
	if (!host) {
		ret = -ENOMEM;
		goto err_put_chip;
	}
	/* tpm_transmit() may use a whole page of the buffer. */
	host->buf.data = (u8 *)__get_free_page(GFP_KERNEL_ACCOUNT);
	if (!host->buf.data) {
		ret = -ENOMEM;
		goto err_free_host;
	}
	kref_init(&host->ref);
	host->chip = chip;
	host->index = index;
	ret = xa_insert(&vtis_host_held, index, host, GFP_KERNEL);
	if (ret)
		goto err_free_page;
	return host;

err_free_page:
	free_page((unsigned long)host->buf.data);
err_free_host:
	kfree(host);
err_put_chip:
	put_device(&chip->dev);
	return ERR_PTR(ret);
}

static void vtis_host_release(struct kref *ref)
{
	struct vtis_host *host = container_of(ref, struct vtis_host, ref);

	xa_erase(&vtis_host_held, host->index);
	put_device(&host->chip->dev);
	free_page((unsigned long)host->buf.data);
	kfree(host);
}

static void vtis_host_put(struct vtis_host *host)
{
	kref_put(&host->ref, vtis_host_release);
}

/* Run buf's command at the chip: the TPM's return code (>= 0, response in
 * buf) or -errno.
 */
static ssize_t vtis_host_transmit(struct vtis_host *host)
{
	struct tpm_chip *chip = host->chip;
	ssize_t ret;

	ret = tpm_try_get_ops(chip);
	if (ret)
		return ret;
	/* desc NULL: the guest's TPM errors are not the host's to log. */
	ret = tpm_transmit_cmd(chip, &host->buf, 0, NULL);
	tpm_put_ops(chip);
	return ret;
}

#else /* !VTIS_HOST_TPM */

static struct vtis_host *vtis_host_claim(u32 index, u32 family,
					 u32 *chip_family)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static void vtis_host_put(struct vtis_host *host)
{
}

static ssize_t vtis_host_transmit(struct vtis_host *host)
{
	return -ENODEV;
}

#endif /* VTIS_HOST_TPM */

/* TPM_RC_CANCELED for a TPM 2.0 guest; a plain failure for TPM 1.2. */
static void vtis_host_canceled(struct vtis_dev *dev)
{
	struct tpm_header rsp = {
		.tag = cpu_to_be16(VTIS_TPM2_ST_NO_SESSIONS),
		.length = cpu_to_be32(VTIS_HEADER_SIZE),
		.return_code = cpu_to_be32(VTIS_TPM2_RC_CANCELED),
	};

	BUILD_BUG_ON(sizeof(rsp) != VTIS_HEADER_SIZE);
	vtis_dev_assert_held(dev);
	if (vtis_dev_family(dev) != KVM_VTIS_TPM_2_0) {
		vtis_dev_complete(dev, NULL, 0, VTIS_OBS_CANCELED);
		return;
	}
	vtis_dev_complete(dev, (const u8 *)&rsp, sizeof(rsp),
			  VTIS_OBS_CANCELED);
}

/* The chip's answer (@ret from vtis_host_transmit) goes to the guest. */
static void vtis_host_answer(struct vtis_host *host, ssize_t ret)
{
	const struct tpm_header *hdr = (const void *)host->buf.data;
	struct vtis_dev *dev = host->dev;
	u32 len;

	vtis_dev_assert_held(dev);
	if (ret == -ECANCELED) {
		vtis_host_canceled(dev);
		return;
	}
	if (ret < 0) {
		pr_warn_ratelimited("device %u: host TPM tpm%u failed the command (%zd)\n",
				    vtis_dev_id(dev), host->index, ret);
		vtis_dev_complete(dev, NULL, 0, VTIS_OBS_NONE);
		return;
	}
	/* The TPM core checked it already; never trust a length twice. */
	len = be32_to_cpu(hdr->length);
	if (len < VTIS_HEADER_SIZE || len > VTIS_BUFFER_SIZE) {
		vtis_dev_complete(dev, NULL, 0, VTIS_OBS_NONE);
		return;
	}
	vtis_dev_complete(dev, host->buf.data, len, VTIS_OBS_NONE);
}

static void vtis_host_work(struct work_struct *work)
{
	struct vtis_host *host = container_of(work, struct vtis_host, work);
	struct vtis_dev *dev = host->dev;
	ssize_t ret;

	vtis_dev_lock(dev);
	if (vtis_dev_dead(dev) || host->state != VTIS_HOST_QUEUED)
		goto out_unlock;
	if (host->cancel) {
		host->state = VTIS_HOST_IDLE;
		vtis_host_answer(host, -ECANCELED);
		goto out_unlock;
	}
	host->state = VTIS_HOST_RUNNING;
	vtis_dev_unlock(dev);

	/* Bounded by the chip driver's own command durations. */
	ret = vtis_host_transmit(host);

	vtis_dev_lock(dev);
	host->state = VTIS_HOST_IDLE;
	if (!vtis_dev_dead(dev))
		vtis_host_answer(host, ret);
out_unlock:
	vtis_dev_unlock(dev);
	/* The last of these may come after the device's teardown. */
	vtis_host_put(host);
	vtis_dev_put(dev);
	/* Safe in a work item: the module's exit drains vtis_wq first. */
	module_put(THIS_MODULE);
}

/* ops->submit: under the device's lock; copies and queues, never blocks. */
static void vtis_host_submit(struct vtis_backend *be, const u8 *cmd, u32 len,
			     u8 locality)
{
	struct vtis_host *host = vtis_host_of(be);
	struct vtis_dev *dev = be->dev;

	vtis_dev_assert_held(dev);
	/* The core never submits while busy; a reset may leave the worker. */
	if (host->state != VTIS_HOST_IDLE || len > VTIS_BUFFER_SIZE) {
		vtis_dev_complete(dev, NULL, 0, VTIS_OBS_NONE);
		return;
	}
	memcpy(host->buf.data, cmd, len);
	host->cancel = false;
	host->state = VTIS_HOST_QUEUED;
	/* Idle: the work is not queued, so it takes these references. */
	kref_get(&host->ref);
	vtis_dev_hold(dev);
	__module_get(THIS_MODULE);
	queue_work(vtis_wq, &host->work);
}

/*
 * ops->cancel: a queued command is answered TPM_RC_CANCELED by the worker
 * without reaching the chip; a running one finishes at the chip and its
 * answer comes back (the core drops it when the guest aborted).
 */
static void vtis_host_cancel(struct vtis_backend *be)
{
	struct vtis_host *host = vtis_host_of(be);

	vtis_dev_assert_held(be->dev);
	/* The device calls no op after destroy(); be safe if it ever did. */
	if (WARN_ON_ONCE(!host))
		return;
	if (host->state == VTIS_HOST_QUEUED)
		host->cancel = true;
}

/* ops->check: the chip is the host's: its PCRs, its keys, its owner. */
static int vtis_host_check(struct kvm_vtis_attach *a)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

/*
 * ops->create: claim the chip (exclusive from here); a->family becomes the
 * chip's.
 */
static int vtis_host_create(struct vtis_backend *be, struct kvm_vtis_attach *a)
{
	struct vtis_host *host;

	host = vtis_host_claim(a->tpm_index, a->family, &a->family);
	if (IS_ERR(host))
		return PTR_ERR(host);
	host->dev = be->dev;
	INIT_WORK(&host->work, vtis_host_work);
	be->priv = host;
	return 0;
}

/*
 * ops->hangup (the device is dead) and ops->reset (its command is
 * forgotten), under the lock: a queued command never reaches the chip and
 * its worker gives no answer (dead) or one the core ignores (reset); a
 * running one is left to the chip.
 */
static void vtis_host_stop(struct vtis_backend *be)
{
	struct vtis_host *host = vtis_host_of(be);

	vtis_dev_assert_held(be->dev);
	/* The device calls no op after destroy(); be safe if it ever did. */
	if (WARN_ON_ONCE(!host))
		return;
	if (host->state == VTIS_HOST_QUEUED)
		host->cancel = true;
}

/*
 * ops->destroy: after hangup, outside the lock, or for a device never
 * attached: drop the device's hold on the chip.  A command still queued is
 * dropped; one running at the chip is not waited for: its worker releases
 * the claim and the chip when the chip answers (the claim stays taken
 * until then).
 */
static void vtis_host_destroy(struct vtis_backend *be)
{
	struct vtis_host *host = vtis_host_of(be);

	be->priv = NULL;
	/*
	 * Queued, not started: it never will; its references are ours to
	 * drop (the device's is never the last: the registry holds one).
	 * Running at the chip: it is not waited for; it drops its own.
	 */
	if (cancel_work(&host->work)) {
		vtis_host_put(host);
		vtis_dev_put(be->dev);
		module_put(THIS_MODULE);
	}
	vtis_host_put(host);
}

const struct vtis_backend_ops vtis_host_backend = {
	.check = vtis_host_check,
	.create = vtis_host_create,
	.submit = vtis_host_submit,
	.cancel = vtis_host_cancel,
	.reset = vtis_host_stop,
	.hangup = vtis_host_stop,
	.destroy = vtis_host_destroy,
};
