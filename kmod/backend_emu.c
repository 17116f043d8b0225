// SPDX-License-Identifier: GPL-2.0
/*
 * The emulator backend: /dev/vtis-emu<N> speaks the server side of Linux's
 * vtpm_proxy protocol, so an unmodified "swtpm chardev" serves the device.
 *
 * read() blocks until a message is queued and returns it whole (a smaller
 * buffer gets -EIO and the message stays queued); write() takes one whole
 * response to the message last read (anything else: -EIO); poll() reports
 * POLLIN when a message waits, POLLOUT while a response is expected and
 * POLLHUP once the device is gone, after which read() returns 0.  One
 * opener at a time.
 *
 * Before a command from a locality the emulator has not been told about
 * (and after every open), the vendor command TPM_ORD_SET_LOCALITY is sent
 * first; its reply is consumed here and must be a 10-byte success.
 *
 * Nothing waits for the emulator: submit() only queues; a missing
 * emulator fails the command at once; an emulator that closes or does not
 * answer within emu_timeout_ms fails it; the guest then reads a TPM
 * failure response.  A cancel (the guest aborted the command) drops a
 * command the emulator has not read yet; one it has read is left to finish
 * (cancelling inside swtpm is its control channel's business) and its
 * answer is then dropped by the TIS core.
 *
 * The backend's state (struct vtis_emu) lives as long as the device's
 * memory: an open emulator file holds a device reference, and reaches the
 * state through it until the file is closed, also after the device is
 * dead.
 */

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/kvm_vtis.h>

#include "backend.h"
#include "backend_emu.h"
#include "class.h"
#include "compat.h"
#include "obs.h"
#include "tis.h"
#include "trace.h"

/*
 * Linux's TPM 2.0 driver waits up to 2 minutes for commands of unknown
 * duration; stay well below that so the guest sees our failure response,
 * not its own timeout.
 */
static unsigned int emu_timeout_ms = 30000;
module_param(emu_timeout_ms, uint, 0644);
MODULE_PARM_DESC(emu_timeout_ms,
		 "Fail a command the emulator has not answered after this many ms (100..600000)");

#define VTIS_EMU_TIMEOUT_MIN_MS		100U
#define VTIS_EMU_TIMEOUT_MAX_MS		600000U

#define VTIS_TPM2_ST_SESSIONS		0x8002U
#define VTIS_TPM12_TAG_RQU_COMMAND	0x00c1U

/* Bytes of the set-locality vendor command: header and one locality byte. */
#define VTIS_EMU_SET_LOC_LEN	11

/* Where the message offered to the emulator stands. */
enum vtis_emu_state {
	VTIS_EMU_IDLE = 0,	/* nothing to read, no response expected */
	VTIS_EMU_QUEUED,	/* a message waits for read() */
	VTIS_EMU_WAIT_RSP,	/* read; its response is expected by write() */
};

/*
 * Per-device emulator state (the backend's priv), allocated by create()
 * and freed by release().  Everything below is protected by the device's
 * lock, except the wait queue and the work item, which have their own
 * synchronisation, and the fields fixed at creation.
 */
struct vtis_emu {
	struct vtis_dev *dev;		/* fixed: the device served */
	struct device *node;		/* /dev/vtis-emu<N>, or NULL */
	wait_queue_head_t wq;		/* read() and poll() wait here */
	struct delayed_work timeout;	/* command timeout, deferred failures */

	const u8 *cmd;			/* the guest's command (the core's buffer) */
	unsigned long deadline;		/* jiffies when the command times out */
	u32 cmd_len;			/* length of the guest's command, or 0 */
	bool open;			/* an emulator holds the char device */
	u8 state;			/* enum vtis_emu_state */
	bool announcing;		/* the message is the set-locality command */
	bool fail_pending;		/* fail the guest's command from the work */
	bool discard;			/* drop the answer to the message read */
	u8 announced;			/* locality the emulator was told, or none */
	u8 cmd_locality;		/* locality of the guest's command */
	u8 set_loc[VTIS_EMU_SET_LOC_LEN];
};

static dev_t vtis_emu_devt;
static struct cdev vtis_emu_cdev;

/* One open of /dev/vtis-emu<N>. */
struct vtis_emu_file {
	struct vtis_dev *dev;		/* holds a reference */
	struct vtis_emu *emu;		/* the device's: lives as long */
	/*
	 * Protects buf: held by read() from taking the message to copying it
	 * out, and by write() from copying the response in to handing it
	 * over.  Taken before the device's lock, and never while waiting for
	 * a message, so a thread blocked in read() never holds up a write().
	 */
	struct mutex buf_lock;
	/*
	 * VTIS_BUFFER_SIZE bytes, apart from this struct: the bounce buffer
	 * between user memory and the device, which is never touched from
	 * user memory under the device's lock (a fault there could stall a
	 * vCPU).
	 */
	u8 *buf;
};

static struct vtis_emu *vtis_emu_of(struct vtis_backend *be)
{
	return be->priv;
}

static unsigned long vtis_emu_timeout(void)
{
	return msecs_to_jiffies(clamp(READ_ONCE(emu_timeout_ms),
				      VTIS_EMU_TIMEOUT_MIN_MS,
				      VTIS_EMU_TIMEOUT_MAX_MS));
}

/* No command at the emulator: back to idle. */
static void vtis_emu_clear(struct vtis_emu *emu)
{
	/*
	 * A locality announcement the emulator has read may have taken
	 * effect there even though its answer will never be taken: its
	 * locality is unknown now, so the next command announces again.
	 */
	if (emu->state == VTIS_EMU_WAIT_RSP && emu->announcing)
		emu->announced = VTIS_NO_LOCALITY;
	emu->state = VTIS_EMU_IDLE;
	emu->announcing = false;
	emu->fail_pending = false;
	emu->discard = false;
	emu->cmd = NULL;
	emu->cmd_len = 0;
}

/*
 * Forget the guest's command and give the guest a failure response; @why
 * is counted and traced (VTIS_OBS_CANCELED: the guest cancelled it).
 */
static void vtis_emu_fail(struct vtis_emu *emu, enum vtis_obs_reason why)
{
	vtis_dev_assert_held(emu->dev);
	vtis_emu_clear(emu);
	vtis_dev_complete(emu->dev, NULL, 0, why);
}

/* Queue the next message for the guest's command: announce, or the command. */
static void vtis_emu_offer(struct vtis_emu *emu)
{
	u8 *p = emu->set_loc;

	vtis_dev_assert_held(emu->dev);
	emu->announcing = emu->announced != emu->cmd_locality;
	if (emu->announcing) {
		put_unaligned_be16(vtis_dev_family(emu->dev) == KVM_VTIS_TPM_1_2 ?
				   VTIS_TPM12_TAG_RQU_COMMAND :
				   VTIS_TPM2_ST_SESSIONS, p);
		put_unaligned_be32(VTIS_EMU_SET_LOC_LEN, p + 2);
		put_unaligned_be32(VTIS_ORD_SET_LOCALITY, p + 6);
		p[10] = emu->cmd_locality;
	}
	emu->state = VTIS_EMU_QUEUED;
	wake_up_interruptible_poll(&emu->wq, EPOLLIN | EPOLLRDNORM);
}

/* ops->submit: under the device lock; never blocks. */
static void vtis_emu_submit(struct vtis_backend *be, const u8 *cmd, u32 len,
			    u8 locality)
{
	struct vtis_emu *emu = vtis_emu_of(be);
	unsigned long timeout = vtis_emu_timeout();

	vtis_dev_assert_held(emu->dev);
	emu->cmd = cmd;
	emu->cmd_len = len;
	emu->cmd_locality = locality;
	emu->fail_pending = false;
	if (!emu->open || emu->state != VTIS_EMU_IDLE) {
		/* The core accepts an answer from inside submit(). */
		pr_debug("device %u: no emulator, command failed\n",
			 vtis_dev_id(emu->dev));
		vtis_emu_fail(emu, VTIS_OBS_NO_EMULATOR);
		return;
	}
	emu->deadline = jiffies + timeout;
	mod_delayed_work(vtis_wq, &emu->timeout, timeout);
	vtis_emu_offer(emu);
}

/*
 * ops->cancel: drop a message the emulator has not read; the failure is
 * reported from the work item, outside the core's call.
 */
static void vtis_emu_cancel(struct vtis_backend *be)
{
	struct vtis_emu *emu = vtis_emu_of(be);

	vtis_dev_assert_held(emu->dev);
	if (emu->state != VTIS_EMU_QUEUED)
		return;
	emu->state = VTIS_EMU_IDLE;
	emu->announcing = false;
	emu->fail_pending = true;
	mod_delayed_work(vtis_wq, &emu->timeout, 0);
}

static void vtis_emu_timeout_work(struct work_struct *work)
{
	struct vtis_emu *emu = container_of(to_delayed_work(work),
					    struct vtis_emu, timeout);
	struct vtis_dev *dev = emu->dev;

	vtis_dev_lock(dev);
	if (vtis_dev_dead(dev))
		goto out_unlock;
	if (emu->fail_pending) {
		vtis_emu_fail(emu, VTIS_OBS_CANCELED);
	} else if (emu->state != VTIS_EMU_IDLE &&
		   time_after_eq(jiffies, emu->deadline)) {
		vtis_obs_warn_once(dev, VTIS_OBS_TIMEOUT,
				   "emulator did not answer in time, command failed");
		vtis_emu_fail(emu, VTIS_OBS_TIMEOUT);
	}
out_unlock:
	vtis_dev_unlock(dev);
}

/* ops->create: the state; the node comes with publish(). */
static int vtis_emu_create(struct vtis_backend *be, struct kvm_vtis_attach *a)
{
	struct vtis_emu *emu;

	emu = kzalloc(sizeof(*emu), GFP_KERNEL_ACCOUNT);
	if (!emu)
		return -ENOMEM;
	emu->dev = be->dev;
	init_waitqueue_head(&emu->wq);
	INIT_DELAYED_WORK(&emu->timeout, vtis_emu_timeout_work);
	emu->state = VTIS_EMU_IDLE;
	emu->announced = VTIS_NO_LOCALITY;
	be->priv = emu;
	return 0;
}

static dev_t vtis_emu_devt_of(u32 id)
{
	return MKDEV(MAJOR(vtis_emu_devt), id - 1);
}

/*
 * The node belongs to the device's owner (the attacher), mode 0600: the
 * attacher's swtpm opens it, nobody else's can (vtis_emu_open() checks
 * again, whatever a udev rule does to the node).
 */
static char *vtis_emu_node_devnode(VTIS_DEVNODE_CONST struct device *d,
				   umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	const struct vtis_dev *dev = dev_get_drvdata(d);

	if (mode)
		*mode = 0600;
	if (uid && dev)
		*uid = vtis_dev_owner(dev);
	return NULL;
}

static const struct device_type vtis_emu_node_type = {
	.name = "vtis-emu",
	.devnode = vtis_emu_node_devnode,
};

/* ops->publish: /dev/vtis-emu<N>. */
static int vtis_emu_publish(struct vtis_backend *be)
{
	struct vtis_emu *emu = vtis_emu_of(be);
	u32 id = vtis_dev_id(be->dev);
	struct device *node;

	node = vtis_class_dev_create(vtis_emu_devt_of(id), be->dev, NULL,
				     &vtis_emu_node_type, be->ops->node, id);
	if (IS_ERR(node))
		return PTR_ERR(node);
	emu->node = node;
	return 0;
}

/* ops->hangup: the device is dead: wake everyone. */
static void vtis_emu_hangup(struct vtis_backend *be)
{
	struct vtis_emu *emu = vtis_emu_of(be);

	vtis_dev_assert_held(be->dev);
	vtis_emu_clear(emu);
	wake_up_interruptible_poll(&emu->wq, EPOLLHUP);
}

/*
 * ops->reset: platform reset or state restore: forget the guest's
 * command.  A message not yet read is withdrawn; the answer to one the
 * emulator has read is dropped when it comes.
 */
static void vtis_emu_reset(struct vtis_backend *be)
{
	struct vtis_emu *emu = vtis_emu_of(be);

	vtis_dev_assert_held(be->dev);
	if (emu->state == VTIS_EMU_WAIT_RSP) {
		/* The emulator works on it: keep the timeout, drop the answer. */
		emu->discard = true;
		emu->fail_pending = false;
		emu->cmd = NULL;
		emu->cmd_len = 0;
		return;
	}
	cancel_delayed_work(&emu->timeout);
	vtis_emu_clear(emu);
}

/* ops->idle: nothing is at the emulator (restore may load a command). */
static bool vtis_emu_idle(struct vtis_backend *be)
{
	struct vtis_emu *emu = vtis_emu_of(be);

	vtis_dev_assert_held(be->dev);
	return emu->state == VTIS_EMU_IDLE && !emu->fail_pending;
}

/* ops->connected: an emulator holds the char device. */
static bool vtis_emu_connected(struct vtis_backend *be)
{
	vtis_dev_assert_held(be->dev);
	return vtis_emu_of(be)->open;
}

/* ops->destroy: after hangup, outside the lock: stop the work, remove the node. */
static void vtis_emu_destroy(struct vtis_backend *be)
{
	struct vtis_emu *emu = vtis_emu_of(be);

	/* Dead or never live: nothing re-arms the work. */
	cancel_delayed_work_sync(&emu->timeout);
	if (emu->node) {
		device_unregister(emu->node);
		emu->node = NULL;
	}
}

/* ops->release: no file is open any more (each holds a device reference). */
static void vtis_emu_release_state(struct vtis_backend *be)
{
	kfree(be->priv);
}

static int vtis_emu_open(struct inode *inode, struct file *file)
{
	struct vtis_emu_file *ef;
	struct vtis_backend *be;
	struct vtis_dev *dev;
	struct vtis_emu *emu;
	int ret = 0;

	dev = vtis_dev_get(iminor(inode) + 1);
	if (!dev)
		return -ENODEV;
	/* A node made by hand for a device of another backend. */
	be = vtis_dev_backend(dev);
	if (be->ops != &vtis_emu_backend) {
		ret = -ENODEV;
		goto err_dev_put;
	}
	emu = vtis_emu_of(be);
	ef = kzalloc(sizeof(*ef), GFP_KERNEL_ACCOUNT);
	if (!ef) {
		ret = -ENOMEM;
		goto err_dev_put;
	}
	ef->buf = kmalloc(VTIS_BUFFER_SIZE, GFP_KERNEL_ACCOUNT);
	if (!ef->buf) {
		ret = -ENOMEM;
		goto err_free_ef;
	}
	ef->dev = dev;
	ef->emu = emu;
	mutex_init(&ef->buf_lock);

	vtis_dev_lock(dev);
	if (vtis_dev_dead(dev)) {
		ret = -ENODEV;
	} else if (!vtis_dev_may_manage(dev)) {
		/* The guest's commands and the TPM's answers are the owner's. */
		ret = -EPERM;
	} else if (emu->open) {
		ret = -EBUSY;
	} else {
		emu->open = true;
		/* A new emulator must be told the locality again. */
		emu->announced = VTIS_NO_LOCALITY;
		trace_kvm_vtis_emu_connect(vtis_dev_id(dev),
					   task_tgid_nr(current));
	}
	vtis_dev_unlock(dev);
	if (ret)
		goto err_free_buf;
	file->private_data = ef;
	pr_debug("device %u: emulator connected\n", vtis_dev_id(dev));
	return stream_open(inode, file);

err_free_buf:
	mutex_destroy(&ef->buf_lock);
	kfree(ef->buf);
err_free_ef:
	kfree(ef);
err_dev_put:
	vtis_dev_put(dev);
	return ret;
}

static int vtis_emu_release(struct inode *inode, struct file *file)
{
	struct vtis_emu_file *ef = file->private_data;
	struct vtis_dev *dev = ef->dev;
	struct vtis_emu *emu = ef->emu;
	bool dead;

	vtis_dev_lock(dev);
	dead = vtis_dev_dead(dev);
	emu->open = false;
	trace_kvm_vtis_emu_disconnect(vtis_dev_id(dev), !dead &&
				      emu->state != VTIS_EMU_IDLE);
	if (!dead && emu->state != VTIS_EMU_IDLE) {
		pr_debug("device %u: emulator closed mid-command\n",
			 vtis_dev_id(dev));
		vtis_emu_fail(emu, VTIS_OBS_EMU_GONE);
	}
	vtis_dev_unlock(dev);
	pr_debug("device %u: emulator disconnected\n", vtis_dev_id(dev));
	mutex_destroy(&ef->buf_lock);
	kfree(ef->buf);
	kfree(ef);
	vtis_dev_put(dev);
	return 0;
}

static bool vtis_emu_readable(struct vtis_emu *emu)
{
	return READ_ONCE(emu->state) == VTIS_EMU_QUEUED ||
	       vtis_dev_dead(emu->dev);
}

static ssize_t vtis_emu_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct vtis_emu_file *ef = file->private_data;
	struct vtis_dev *dev = ef->dev;
	struct vtis_emu *emu = ef->emu;
	ssize_t ret;
	u32 len;

	for (;;) {
		if (mutex_lock_interruptible(&ef->buf_lock))
			return -ERESTARTSYS;
		vtis_dev_lock(dev);
		if (vtis_dev_dead(dev)) {
			ret = 0;
			goto out_unlock;
		}
		if (emu->state == VTIS_EMU_QUEUED)
			break;
		vtis_dev_unlock(dev);
		mutex_unlock(&ef->buf_lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(emu->wq, vtis_emu_readable(emu));
		if (ret)
			return ret;
	}
	len = emu->announcing ? VTIS_EMU_SET_LOC_LEN : emu->cmd_len;
	if (count < len) {
		pr_debug("device %u: emulator read buffer too small (%zu < %u)\n",
			 vtis_dev_id(dev), count, len);
		ret = -EIO;
		goto out_unlock;
	}
	memcpy(ef->buf, emu->announcing ? emu->set_loc : emu->cmd, len);
	emu->state = VTIS_EMU_WAIT_RSP;
	vtis_dev_unlock(dev);

	if (copy_to_user(buf, ef->buf, len)) {
		/* Not delivered: offer it again, unless things moved on. */
		vtis_dev_lock(dev);
		if (!vtis_dev_dead(dev) && emu->state == VTIS_EMU_WAIT_RSP)
			emu->state = VTIS_EMU_QUEUED;
		ret = -EFAULT;
		goto out_unlock;
	}
	ret = len;
	goto out_buf_unlock;

out_unlock:
	vtis_dev_unlock(dev);
out_buf_unlock:
	mutex_unlock(&ef->buf_lock);
	return ret;
}

/* Is @p (of @len bytes) a success reply to the set-locality command? */
static bool vtis_emu_set_loc_ok(const u8 *p, u32 len)
{
	return len == VTIS_HEADER_SIZE &&
	       get_unaligned_be32(p + 2) == VTIS_HEADER_SIZE &&
	       get_unaligned_be32(p + 6) == 0;
}

/* The emulator answered the message it read last. */
static void vtis_emu_answer(struct vtis_emu *emu, const u8 *p, u32 len)
{
	struct vtis_dev *dev = emu->dev;

	vtis_dev_assert_held(dev);
	emu->state = VTIS_EMU_IDLE;
	if (emu->discard) {
		/* Its command was abandoned by a reset. */
		if (emu->announcing && vtis_emu_set_loc_ok(p, len))
			emu->announced = emu->cmd_locality;
		else if (emu->announcing)
			emu->announced = VTIS_NO_LOCALITY;
		cancel_delayed_work(&emu->timeout);
		vtis_emu_clear(emu);
		return;
	}
	if (emu->announcing) {
		emu->announcing = false;
		if (vtis_emu_set_loc_ok(p, len)) {
			emu->announced = emu->cmd_locality;
			vtis_emu_offer(emu);
			return;
		}
		emu->announced = VTIS_NO_LOCALITY;
		vtis_obs_warn_once(dev, VTIS_OBS_LOCALITY_REFUSED,
				   "emulator refused locality %u (needs --locality allow-set-locality)",
				   emu->cmd_locality);
		vtis_emu_fail(emu, VTIS_OBS_LOCALITY_REFUSED);
		return;
	}
	cancel_delayed_work(&emu->timeout);
	emu->cmd = NULL;
	emu->cmd_len = 0;
	/*
	 * The core checks it again and answers with a failure if bad; that
	 * is counted and traced through the core's completion event.
	 */
	if (get_unaligned_be32(p + 2) != len)
		vtis_obs_warn_once(dev, VTIS_OBS_BAD_RESPONSE,
				   "malformed response from the emulator (size field %u, %u bytes written)",
				   get_unaligned_be32(p + 2), len);
	vtis_dev_complete(dev, p, len, VTIS_OBS_NONE);
}

/* A write out of protocol: the emulator gets EIO; count and trace it. */
static void vtis_emu_bad_write(struct vtis_dev *dev, size_t count)
{
	vtis_dev_assert_held(dev);
	if (vtis_dev_dead(dev))
		return;
	vtis_obs_warn_once(dev, VTIS_OBS_EMU_PROTOCOL,
			   "emulator wrote %zu bytes out of protocol (refused)",
			   count);
	vtis_obs_reject(dev, VTIS_OBS_EMU_PROTOCOL, VTIS_NO_LOCALITY, 0, 0,
			min_t(size_t, count, U32_MAX));
}

static ssize_t vtis_emu_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct vtis_emu_file *ef = file->private_data;
	struct vtis_dev *dev = ef->dev;
	struct vtis_emu *emu = ef->emu;
	ssize_t ret;

	if (count < VTIS_HEADER_SIZE || count > VTIS_BUFFER_SIZE) {
		vtis_dev_lock(dev);
		vtis_emu_bad_write(dev, count);
		vtis_dev_unlock(dev);
		return -EIO;
	}
	if (mutex_lock_interruptible(&ef->buf_lock))
		return -ERESTARTSYS;
	if (copy_from_user(ef->buf, buf, count)) {
		ret = -EFAULT;
		goto out_buf_unlock;
	}
	vtis_dev_lock(dev);
	if (vtis_dev_dead(dev)) {
		ret = -ENODEV;
	} else if (emu->state != VTIS_EMU_WAIT_RSP) {
		/* Unexpected, or too late (the command timed out). */
		vtis_emu_bad_write(dev, count);
		ret = -EIO;
	} else {
		vtis_emu_answer(emu, ef->buf, count);
		ret = count;
	}
	vtis_dev_unlock(dev);
out_buf_unlock:
	mutex_unlock(&ef->buf_lock);
	return ret;
}

static __poll_t vtis_emu_poll(struct file *file, poll_table *wait)
{
	struct vtis_emu_file *ef = file->private_data;
	struct vtis_dev *dev = ef->dev;
	struct vtis_emu *emu = ef->emu;
	__poll_t mask = 0;

	poll_wait(file, &emu->wq, wait);
	vtis_dev_lock(dev);
	if (vtis_dev_dead(dev))
		mask = EPOLLHUP;
	else if (emu->state == VTIS_EMU_QUEUED)
		mask = EPOLLIN | EPOLLRDNORM;
	else if (emu->state == VTIS_EMU_WAIT_RSP)
		mask = EPOLLOUT | EPOLLWRNORM;
	vtis_dev_unlock(dev);
	return mask;
}

static const struct file_operations vtis_emu_fops = {
	.owner = THIS_MODULE,
	.open = vtis_emu_open,
	.release = vtis_emu_release,
	.read = vtis_emu_read,
	.write = vtis_emu_write,
	.poll = vtis_emu_poll,
};

/* ops->check: no chip index; the default family is TPM 2.0. */
static int vtis_emu_check(struct kvm_vtis_attach *a)
{
	if (a->tpm_index)
		return -EINVAL;
	if (a->family == KVM_VTIS_TPM_DEFAULT)
		a->family = KVM_VTIS_TPM_2_0;
	return 0;
}

const struct vtis_backend_ops vtis_emu_backend = {
	.node = "vtis-emu",
	.migratable = true,
	.check = vtis_emu_check,
	.create = vtis_emu_create,
	.publish = vtis_emu_publish,
	.submit = vtis_emu_submit,
	.cancel = vtis_emu_cancel,
	.reset = vtis_emu_reset,
	.idle = vtis_emu_idle,
	.connected = vtis_emu_connected,
	.hangup = vtis_emu_hangup,
	.destroy = vtis_emu_destroy,
	.release = vtis_emu_release_state,
};

int vtis_emu_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&vtis_emu_devt, 0, VTIS_MAX_DEVICES,
				  "vtis-emu");
	if (ret)
		return ret;
	cdev_init(&vtis_emu_cdev, &vtis_emu_fops);
	vtis_emu_cdev.owner = THIS_MODULE;
	ret = cdev_add(&vtis_emu_cdev, vtis_emu_devt, VTIS_MAX_DEVICES);
	if (ret)
		goto err_unregister_region;
	return 0;

err_unregister_region:
	unregister_chrdev_region(vtis_emu_devt, VTIS_MAX_DEVICES);
	return ret;
}

void vtis_emu_exit(void)
{
	cdev_del(&vtis_emu_cdev);
	unregister_chrdev_region(vtis_emu_devt, VTIS_MAX_DEVICES);
}
