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
 * is answered with TPM_RC_CANCELED without reaching the chip; for one
 * executing, the chip's driver is asked to cancel (ops->cancel, what the
 * sysfs "cancel" attribute does) from a second work item, and only while
 * the worker holds the chip's ops for that very command (see xmit_lock),
 * so the call can neither reach an unbound driver nor hit someone else's
 * command.  tpm_try_get_ops() is not used for it: it would wait for the
 * running command's tpm_mutex.
 *
 * Host-side failures (the driver unbound, a transport error, a timeout)
 * give the guest a TPM failure response; TPM return codes are the guest's
 * business and are passed through silently (desc = NULL).
 *
 * Migration: none of the chip's state can move with the VM; see
 * vtis_dev_migratable().
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/tpm.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <linux/kvm_vtis.h>

#include "backend_host.h"
#include "compat.h"
#include "device.h"

#if defined(VTIS_HAVE_TPM_TRANSMIT_CMD) && IS_REACHABLE(CONFIG_TCG_TPM)
#define VTIS_HOST_TPM	1
#endif

#define VTIS_TPM2_RC_CANCELED	0x909U

/* At most this many cancels reach the chip per interval (its driver logs each). */
#define VTIS_HOST_CANCEL_INTERVAL	(5 * HZ)
#define VTIS_HOST_CANCEL_BURST		5

/* Where the guest's command stands; under the device's lock. */
enum vtis_host_state {
	VTIS_HOST_IDLE = 0,
	VTIS_HOST_QUEUED,	/* copied into buf, the work is queued */
	VTIS_HOST_RUNNING,	/* the worker owns buf and talks to the chip */
};

struct vtis_host {
	struct vtis_dev *dev;		/* the owner, once bound */
	struct tpm_chip *chip;		/* holds a reference on chip->dev */
	u32 index;			/* the chip is tpm<index> */
	struct work_struct work;	/* runs the command at the chip */
	struct work_struct cancel_work;	/* asks the chip's driver to cancel */
	struct ratelimit_state cancel_rs;	/* cancels forwarded to the chip */
	struct tpm_buf buf;		/* one page: command in, response out */

	/* Under the device's lock. */
	u8 state;			/* enum vtis_host_state */
	u64 seq;			/* number of the last command submitted */

	/*
	 * xmit_lock protects the fields below.  It nests inside the device's
	 * lock; the worker takes it without the device's lock, and holds it
	 * only briefly.  in_xmit is true exactly while the worker holds the
	 * chip's ops (tpm_try_get_ops .. tpm_put_ops) for command xmit_seq,
	 * which keeps chip->ops valid for a cancel.
	 */
	struct mutex xmit_lock;
	bool in_xmit;
	bool cancel_sent;		/* the chip was asked for xmit_seq */
	u64 xmit_seq;
	u64 cancel_seq;			/* command to cancel, or 0 */
};

static struct vtis_host *vtis_host_of(struct vtis_dev *dev)
{
	return dev->host;
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

struct vtis_host *vtis_host_claim(u32 index, u32 family, u32 *chip_family)
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
	host->chip = chip;
	host->index = index;
	mutex_init(&host->xmit_lock);
	ratelimit_state_init(&host->cancel_rs, VTIS_HOST_CANCEL_INTERVAL,
			     VTIS_HOST_CANCEL_BURST);
	ratelimit_set_flags(&host->cancel_rs, RATELIMIT_MSG_ON_RELEASE);
	ret = xa_insert(&vtis_host_held, index, host, GFP_KERNEL);
	if (ret)
		goto err_free_page;
	return host;

err_free_page:
	mutex_destroy(&host->xmit_lock);
	free_page((unsigned long)host->buf.data);
err_free_host:
	kfree(host);
err_put_chip:
	put_device(&chip->dev);
	return ERR_PTR(ret);
}

void vtis_host_unclaim(struct vtis_host *host)
{
	xa_erase(&vtis_host_held, host->index);
	put_device(&host->chip->dev);
	mutex_destroy(&host->xmit_lock);
	free_page((unsigned long)host->buf.data);
	kfree(host);
}

/*
 * Run buf's command at the chip: the TPM's return code (>= 0, response in
 * buf) or -errno.  -ECANCELED also when the cancel came before the start.
 */
static ssize_t vtis_host_transmit(struct vtis_host *host, u64 seq)
{
	struct tpm_chip *chip = host->chip;
	ssize_t ret;

	ret = tpm_try_get_ops(chip);
	if (ret)
		return ret;
	mutex_lock(&host->xmit_lock);
	if (host->cancel_seq == seq) {
		mutex_unlock(&host->xmit_lock);
		ret = -ECANCELED;
		goto out_put_ops;
	}
	host->in_xmit = true;
	host->cancel_sent = false;
	host->xmit_seq = seq;
	mutex_unlock(&host->xmit_lock);

	/* desc NULL: the guest's TPM errors are not the host's to log. */
	ret = tpm_transmit_cmd(chip, &host->buf, 0, NULL);

	mutex_lock(&host->xmit_lock);
	host->in_xmit = false;
	mutex_unlock(&host->xmit_lock);
out_put_ops:
	tpm_put_ops(chip);
	return ret;
}

static void vtis_host_cancel_work(struct work_struct *work)
{
	struct vtis_host *host = container_of(work, struct vtis_host,
					      cancel_work);

	mutex_lock(&host->xmit_lock);
	/* in_xmit: the worker holds the ops, so chip->ops is valid. */
	if (host->in_xmit && !host->cancel_sent &&
	    host->cancel_seq == host->xmit_seq) {
		host->cancel_sent = true;
		if (host->chip->ops->cancel && __ratelimit(&host->cancel_rs)) {
			host->chip->ops->cancel(host->chip);
			pr_debug("device %u: asked the host TPM to cancel\n",
				 host->dev->id);
		}
	}
	mutex_unlock(&host->xmit_lock);
}

#else /* !VTIS_HOST_TPM */

struct vtis_host *vtis_host_claim(u32 index, u32 family, u32 *chip_family)
{
	return ERR_PTR(-EOPNOTSUPP);
}

void vtis_host_unclaim(struct vtis_host *host)
{
}

static ssize_t vtis_host_transmit(struct vtis_host *host, u64 seq)
{
	return -ENODEV;
}

static void vtis_host_cancel_work(struct work_struct *work)
{
}

#endif /* VTIS_HOST_TPM */

/* Count and hand the guest a failure response of its family. */
static void vtis_host_fail(struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	if (vtis_tis_busy(&dev->tis)) {
		dev->stats.errors++;
		vtis_tis_backend_error(&dev->tis);
	}
	vtis_dev_done(dev);
}

/* TPM_RC_CANCELED for a TPM 2.0 guest; a plain failure for TPM 1.2. */
static void vtis_host_canceled(struct vtis_dev *dev)
{
	struct tpm_header rsp = {
		.tag = cpu_to_be16(VTIS_TPM2_ST_NO_SESSIONS),
		.length = cpu_to_be32(VTIS_HEADER_SIZE),
		.return_code = cpu_to_be32(VTIS_TPM2_RC_CANCELED),
	};

	BUILD_BUG_ON(sizeof(rsp) != VTIS_HEADER_SIZE);
	lockdep_assert_held(&dev->lock);
	if (dev->family != KVM_VTIS_TPM_2_0 || !vtis_tis_busy(&dev->tis)) {
		vtis_host_fail(dev);
		return;
	}
	dev->stats.errors++;
	vtis_tis_response(&dev->tis, (const u8 *)&rsp, sizeof(rsp));
	vtis_dev_done(dev);
}

/* The chip's answer (@ret from vtis_host_transmit) goes to the guest. */
static void vtis_host_answer(struct vtis_dev *dev, ssize_t ret)
{
	struct vtis_host *host = vtis_host_of(dev);
	const struct tpm_header *hdr = (const void *)host->buf.data;
	u32 len;

	lockdep_assert_held(&dev->lock);
	if (ret == -ECANCELED) {
		vtis_host_canceled(dev);
		return;
	}
	if (ret < 0) {
		pr_warn_ratelimited("device %u: host TPM tpm%u failed the command (%zd)\n",
				    dev->id, host->index, ret);
		vtis_host_fail(dev);
		return;
	}
	/* The TPM core checked it already; never trust a length twice. */
	len = be32_to_cpu(hdr->length);
	if (len < VTIS_HEADER_SIZE || len > VTIS_BUFFER_SIZE) {
		vtis_host_fail(dev);
		return;
	}
	dev->stats.responses++;
	dev->stats.bytes_from_tpm += len;
	vtis_tis_response(&dev->tis, host->buf.data, len);
	vtis_dev_done(dev);
}

static void vtis_host_work(struct work_struct *work)
{
	struct vtis_host *host = container_of(work, struct vtis_host, work);
	struct vtis_dev *dev = host->dev;
	ssize_t ret;
	u64 seq;

	mutex_lock(&dev->lock);
	if (dev->dead || host->state != VTIS_HOST_QUEUED) {
		mutex_unlock(&dev->lock);
		return;
	}
	host->state = VTIS_HOST_RUNNING;
	seq = host->seq;
	mutex_unlock(&dev->lock);

	/* Bounded by the chip driver's own command durations. */
	ret = vtis_host_transmit(host, seq);

	mutex_lock(&dev->lock);
	host->state = VTIS_HOST_IDLE;
	if (!dev->dead)
		vtis_host_answer(dev, ret);
	mutex_unlock(&dev->lock);
}

/* ops->submit: under the device's lock; copies and queues, never blocks. */
static void vtis_host_submit(struct vtis_tis *tis, const u8 *cmd, u32 len,
			     u8 locality)
{
	struct vtis_dev *dev = vtis_dev_of_tis(tis);
	struct vtis_host *host = vtis_host_of(dev);

	lockdep_assert_held(&dev->lock);
	dev->stats.commands++;
	dev->stats.bytes_to_tpm += len;
	/* The core never submits while busy; a reset may leave the worker. */
	if (host->state != VTIS_HOST_IDLE || len > VTIS_BUFFER_SIZE) {
		vtis_host_fail(dev);
		return;
	}
	memcpy(host->buf.data, cmd, len);
	host->seq++;
	host->state = VTIS_HOST_QUEUED;
	queue_work(vtis_wq, &host->work);
}

/* Mark the command in flight for cancelling; under the device's lock. */
static void vtis_host_request_cancel(struct vtis_dev *dev)
{
	struct vtis_host *host = vtis_host_of(dev);
	bool kick;

	lockdep_assert_held(&dev->lock);
	if (host->state == VTIS_HOST_IDLE)
		return;
	mutex_lock(&host->xmit_lock);
	host->cancel_seq = host->seq;
	kick = host->in_xmit && host->xmit_seq == host->seq &&
	       !host->cancel_sent;
	mutex_unlock(&host->xmit_lock);
	/* The driver's cancel may sleep: not under the device's lock. */
	if (kick)
		queue_work(vtis_wq, &host->cancel_work);
}

/*
 * ops->cancel: best effort.  A queued command is answered by the worker
 * (TPM_RC_CANCELED, without reaching the chip); a running one gets its
 * answer from the chip, cancelled or not.
 */
static void vtis_host_cancel(struct vtis_tis *tis)
{
	vtis_host_request_cancel(vtis_dev_of_tis(tis));
}

const struct vtis_tis_ops vtis_host_tis_ops = {
	.submit = vtis_host_submit,
	.cancel = vtis_host_cancel,
	.irq_line = vtis_irq_line,
};

void vtis_host_dev_bind(struct vtis_dev *dev, struct vtis_host *host)
{
	host->dev = dev;
	INIT_WORK(&host->work, vtis_host_work);
	INIT_WORK(&host->cancel_work, vtis_host_cancel_work);
	dev->host = host;
}

void vtis_host_dev_hangup(struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	if (dev->host)
		vtis_host_request_cancel(dev);
}

void vtis_host_dev_destroy(struct vtis_dev *dev)
{
	struct vtis_host *host = dev->host;

	if (!host)
		return;
	/* dev->dead or never live: nothing queues the work again. */
	flush_work(&host->work);
	cancel_work_sync(&host->cancel_work);
	dev->host = NULL;
	vtis_host_unclaim(host);
}
