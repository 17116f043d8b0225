// SPDX-License-Identifier: GPL-2.0
/*
 * The CRB frontend: the PTP's command response buffer interface (TPM 2.0),
 * served by the register model of crb.c, as a device's guest interface
 * (see frontend.h).  Its window has the TIS's size and place; the command
 * buffer is inside it, so a guest's command moves with a few dozen
 * register accesses and string moves that KVM handles in the kernel.
 *
 * The core's callbacks go to the device as the TIS frontend's do: submit
 * and cancel to its backend, the interrupt line to irq.c, the events to
 * obs.c; all under the device's lock.
 *
 * Its part of the migration blob (state.c writes the header, which says
 * the interface): struct vtis_crb_state field by field, little-endian,
 * then the whole guest-visible buffer (VTIS_CRB_BUF_SIZE bytes), checked
 * whole (vtis_crb_state_check()) before the device is touched.
 */

#include <linux/build_bug.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include <linux/kvm_vtis.h>

#include "crb.h"
#include "device.h"
#include "frontend.h"
#include "irq.h"
#include "obs.h"
#include "state.h"

/* The state: 24 bytes of fields, then the buffer. */
#define VTIS_FE_CRB_FIXED	24U
#define VTIS_FE_CRB_STATE_MAX	(VTIS_FE_CRB_FIXED + VTIS_CRB_BUF_SIZE)

static_assert(VTIS_BLOB_HDR_SIZE + VTIS_FE_CRB_STATE_MAX <=
	      KVM_VTIS_STATE_MAX);
static_assert(VTIS_CRB_WINDOW_SIZE == KVM_VTIS_WINDOW_SIZE);
static_assert(VTIS_CRB_BUF_SIZE <= VTIS_BUFFER_SIZE);

static struct vtis_dev *vtis_fe_crb_dev(struct vtis_crb *crb)
{
	return crb->priv;
}

/* ---- the core's callbacks ---------------------------------------------- */

static void vtis_fe_crb_submit(struct vtis_crb *crb, const u8 *cmd, u32 len,
			       u8 locality)
{
	vtis_dev_submit(vtis_fe_crb_dev(crb), cmd, len, locality);
}

static void vtis_fe_crb_cancel(struct vtis_crb *crb)
{
	vtis_dev_cancel(vtis_fe_crb_dev(crb));
}

static void vtis_fe_crb_irq_line(struct vtis_crb *crb, bool level)
{
	vtis_irq_line(vtis_fe_crb_dev(crb), level);
}

static void vtis_fe_crb_event(struct vtis_crb *crb,
			      const struct vtis_tis_event *ev)
{
	vtis_obs_event(vtis_fe_crb_dev(crb), ev);
}

static const struct vtis_crb_ops vtis_fe_crb_core_ops = {
	.submit = vtis_fe_crb_submit,
	.cancel = vtis_fe_crb_cancel,
	.irq_line = vtis_fe_crb_irq_line,
};

/* ---- the frontend's ops ------------------------------------------------ */

static void vtis_fe_crb_init(struct vtis_dev *dev)
{
	vtis_crb_init(&dev->crb, &vtis_fe_crb_core_ops, dev, dev->base,
		      dev->buf);
	dev->crb.event = vtis_fe_crb_event;
}

static void vtis_fe_crb_read(struct vtis_dev *dev, u32 offset, u32 len,
			     void *val)
{
	lockdep_assert_held(&dev->lock);
	vtis_crb_read(&dev->crb, offset, len, val);
}

static bool vtis_fe_crb_write(struct vtis_dev *dev, u32 offset, u32 len,
			      const void *val)
{
	lockdep_assert_held(&dev->lock);
	return vtis_crb_write(&dev->crb, offset, len, val);
}

/*
 * The statistics classes of the CRB's registers: the locality registers
 * count as ACCESS, the control area (CTRL_REQ, _STS, _CANCEL, _START) as
 * STS, the interrupt registers as INT, the buffer as FIFO, INTF_ID as ID,
 * the buffer's address and size registers and reserved offsets as OTHER.
 */
static unsigned int vtis_fe_crb_reg_class(u32 offset)
{
	u32 off = offset & ((1U << VTIS_LOCALITY_SHIFT) - 1);

	if (off >= VTIS_CRB_BUF_OFFSET)
		return KVM_VTIS_REG_FIFO;
	switch (off & ~3U) {
	case VTIS_CRB_LOC_STATE:
	case VTIS_CRB_LOC_CTRL:
	case VTIS_CRB_LOC_STS:
		return KVM_VTIS_REG_ACCESS;
	case VTIS_CRB_INTF_ID:
	case VTIS_CRB_INTF_ID + 4:
		return KVM_VTIS_REG_ID;
	case VTIS_CRB_CTRL_REQ:
	case VTIS_CRB_CTRL_STS:
	case VTIS_CRB_CTRL_CANCEL:
	case VTIS_CRB_CTRL_START:
		return KVM_VTIS_REG_STS;
	case VTIS_CRB_INT_ENABLE:
	case VTIS_CRB_INT_STS:
		return KVM_VTIS_REG_INT;
	default:
		return KVM_VTIS_REG_OTHER;
	}
}

static void vtis_fe_crb_reset(struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	vtis_crb_reset(&dev->crb);
}

static void vtis_fe_crb_complete(struct vtis_dev *dev, const u8 *rsp, u32 len)
{
	lockdep_assert_held(&dev->lock);
	vtis_crb_response(&dev->crb, rsp, len);
}

static bool vtis_fe_crb_busy(const struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	return vtis_crb_busy(&dev->crb);
}

static u8 vtis_fe_crb_locality(const struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	return dev->crb.s.active_locality;
}

static bool vtis_fe_crb_irq_level(const struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	return dev->crb.irq_level;
}

/* The CRB has no register that names its interrupt. */
static void vtis_fe_crb_set_int_vector(struct vtis_dev *dev, u8 vector)
{
	lockdep_assert_held(&dev->lock);
}

static void vtis_fe_crb_save(struct vtis_dev *dev, struct vtis_blob *b)
{
	const struct vtis_crb_state *st = &dev->crb.s;

	lockdep_assert_held(&dev->lock);
	vtis_blob_put8(b, st->active_locality);
	vtis_blob_put8(b, st->pending);
	vtis_blob_put8(b, st->seized);
	vtis_blob_put8(b, st->seizing);
	vtis_blob_put8(b, st->switching);
	vtis_blob_put8(b, st->switch_to);
	vtis_blob_put8(b, st->established);
	vtis_blob_put8(b, st->state);
	vtis_blob_put8(b, st->busy);
	vtis_blob_put8(b, st->cancel);
	vtis_blob_put8(b, st->exec_locality);
	vtis_blob_put8(b, 0);		/* reserved */
	vtis_blob_put32(b, st->int_enable);
	vtis_blob_put32(b, st->int_status);
	vtis_blob_put32(b, 0);		/* reserved */
	vtis_blob_put_bytes(b, st->buf, VTIS_CRB_BUF_SIZE);
}

static int vtis_fe_crb_parse(struct vtis_dev *dev, struct vtis_blob *b,
			     void *state)
{
	struct vtis_crb_state *st = state;
	u32 reserved;
	u8 pad;

	/* The state and its buffer, in one piece (state_size). */
	st->buf = (u8 *)(st + 1);
	st->active_locality = vtis_blob_get8(b);
	st->pending = vtis_blob_get8(b);
	st->seized = vtis_blob_get8(b);
	st->seizing = vtis_blob_get8(b);
	st->switching = vtis_blob_get8(b);
	st->switch_to = vtis_blob_get8(b);
	st->established = vtis_blob_get8(b);
	st->state = vtis_blob_get8(b);
	st->busy = vtis_blob_get8(b);
	st->cancel = vtis_blob_get8(b);
	st->exec_locality = vtis_blob_get8(b);
	pad = vtis_blob_get8(b);
	st->int_enable = vtis_blob_get32(b);
	st->int_status = vtis_blob_get32(b);
	reserved = vtis_blob_get32(b);
	if (b->bad || pad || reserved || b->len - b->off != VTIS_CRB_BUF_SIZE)
		return -EINVAL;
	vtis_blob_get_bytes(b, st->buf, VTIS_CRB_BUF_SIZE);
	return vtis_crb_state_check(st);
}

static int vtis_fe_crb_load(struct vtis_dev *dev, void *state)
{
	struct vtis_crb *crb = &dev->crb;
	int ret;

	lockdep_assert_held(&dev->lock);
	ret = vtis_crb_load_state(crb, state);
	/* The source's answer did not come along: ask again. */
	if (!ret && vtis_crb_busy(crb))
		vtis_dev_resubmit(dev, crb->s.buf, vtis_crb_cmd_len(crb),
				  crb->s.exec_locality);
	return ret;
}

static void vtis_fe_crb_show(struct vtis_dev *dev, struct seq_file *m)
{
	/* A copy of the fields (not the buffer): no printing under the lock. */
	struct vtis_crb_state s;

	mutex_lock(&dev->lock);
	s = dev->crb.s;
	mutex_unlock(&dev->lock);
	seq_printf(m, "active %d pending %#x seized %#x state %u busy %u exec %d cancel %u\n",
		   (s8)s.active_locality, s.pending, s.seized, s.state, s.busy,
		   (s8)s.exec_locality, s.cancel);
	seq_printf(m, "switching %u to %d seizing %d established %u int_enable %#x int_status %#x\n",
		   s.switching, (s8)s.switch_to, (s8)s.seizing, s.established,
		   s.int_enable, s.int_status);
}

const struct vtis_frontend_ops vtis_fe_crb = {
	.name = "crb",
	.state_size = sizeof(struct vtis_crb_state) + VTIS_CRB_BUF_SIZE,
	.state_max = VTIS_FE_CRB_STATE_MAX,
	.init = vtis_fe_crb_init,
	.read = vtis_fe_crb_read,
	.write = vtis_fe_crb_write,
	.reg_class = vtis_fe_crb_reg_class,
	.reset = vtis_fe_crb_reset,
	.complete = vtis_fe_crb_complete,
	.busy = vtis_fe_crb_busy,
	.locality = vtis_fe_crb_locality,
	.irq_level = vtis_fe_crb_irq_level,
	.set_int_vector = vtis_fe_crb_set_int_vector,
	.save = vtis_fe_crb_save,
	.parse = vtis_fe_crb_parse,
	.load = vtis_fe_crb_load,
	.show = vtis_fe_crb_show,
};
