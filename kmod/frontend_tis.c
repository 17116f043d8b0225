// SPDX-License-Identifier: GPL-2.0
/*
 * The TIS frontend: TCG's TIS register window (the FIFO interface), served
 * by the register model of tis.c, as a device's guest interface (see
 * frontend.h).
 *
 * The core's callbacks go to the device: submit and cancel to its backend
 * (vtis_dev_submit(), vtis_dev_cancel()), the interrupt line to irq.c and
 * the events to obs.c.  They are called from inside the core's calls,
 * which all run under the device's lock.
 *
 * Its part of the migration blob (the header is state.c's) is struct
 * vtis_tis_state field by field, little-endian, never a memory image of
 * the struct: its layout depends neither on the compiler nor on the
 * struct.  It is checked whole, including the core's invariants
 * (vtis_tis_state_check()), before the device is touched.
 */

#include <linux/build_bug.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include <linux/kvm_vtis.h>

#include "device.h"
#include "frontend.h"
#include "irq.h"
#include "obs.h"
#include "state.h"
#include "tis.h"

/* The state: 28 bytes of fields, then 12 per locality, then the buffer. */
#define VTIS_FE_TIS_FIXED	28U
#define VTIS_FE_TIS_LOC_SIZE	12U
#define VTIS_FE_TIS_STATE_MAX	(VTIS_FE_TIS_FIXED + \
				 VTIS_NUM_LOCALITIES * VTIS_FE_TIS_LOC_SIZE + \
				 VTIS_BUFFER_SIZE)

static_assert(VTIS_BLOB_HDR_SIZE + VTIS_FE_TIS_STATE_MAX <=
	      KVM_VTIS_STATE_MAX);

static struct vtis_dev *vtis_fe_tis_dev(struct vtis_tis *tis)
{
	return tis->priv;
}

/* ---- the core's callbacks ---------------------------------------------- */

static void vtis_fe_tis_submit(struct vtis_tis *tis, const u8 *cmd, u32 len,
			       u8 locality)
{
	vtis_dev_submit(vtis_fe_tis_dev(tis), cmd, len, locality);
}

static void vtis_fe_tis_cancel(struct vtis_tis *tis)
{
	vtis_dev_cancel(vtis_fe_tis_dev(tis));
}

static void vtis_fe_tis_irq_line(struct vtis_tis *tis, bool level)
{
	vtis_irq_line(vtis_fe_tis_dev(tis), level);
}

static void vtis_fe_tis_event(struct vtis_tis *tis,
			      const struct vtis_tis_event *ev)
{
	vtis_obs_event(vtis_fe_tis_dev(tis), ev);
}

static const struct vtis_tis_ops vtis_fe_tis_core_ops = {
	.submit = vtis_fe_tis_submit,
	.cancel = vtis_fe_tis_cancel,
	.irq_line = vtis_fe_tis_irq_line,
};

/* ---- the frontend's ops ------------------------------------------------ */

static void vtis_fe_tis_init(struct vtis_dev *dev)
{
	vtis_tis_init(&dev->tis, dev->family == KVM_VTIS_TPM_1_2 ?
		      VTIS_FAMILY_1_2 : VTIS_FAMILY_2_0,
		      &vtis_fe_tis_core_ops, dev, dev->buf);
	dev->tis.event = vtis_fe_tis_event;
}

static void vtis_fe_tis_read(struct vtis_dev *dev, u32 offset, u32 len,
			     void *val)
{
	lockdep_assert_held(&dev->lock);
	vtis_tis_read(&dev->tis, offset, len, val);
}

static bool vtis_fe_tis_write(struct vtis_dev *dev, u32 offset, u32 len,
			      const void *val)
{
	lockdep_assert_held(&dev->lock);
	return vtis_tis_write(&dev->tis, offset, len, val);
}

static unsigned int vtis_fe_tis_reg_class(u32 offset)
{
	switch (vtis_tis_reg_at(offset)) {
	case VTIS_R_FIFO:
		return KVM_VTIS_REG_FIFO;
	case VTIS_R_ACCESS:
		return KVM_VTIS_REG_ACCESS;
	case VTIS_R_INT_ENABLE:
	case VTIS_R_INT_VECTOR:
	case VTIS_R_INT_STATUS:
		return KVM_VTIS_REG_INT;
	case VTIS_R_STS:
		return KVM_VTIS_REG_STS;
	case VTIS_R_INTF_CAPABILITY:
	case VTIS_R_INTERFACE_ID:
	case VTIS_R_DID_VID:
	case VTIS_R_RID:
		return KVM_VTIS_REG_ID;
	default:
		return KVM_VTIS_REG_OTHER;
	}
}

static void vtis_fe_tis_reset(struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	vtis_tis_reset(&dev->tis);
}

static void vtis_fe_tis_complete(struct vtis_dev *dev, const u8 *rsp, u32 len)
{
	lockdep_assert_held(&dev->lock);
	if (rsp)
		vtis_tis_response(&dev->tis, rsp, len);
	else
		vtis_tis_backend_error(&dev->tis);
}

static bool vtis_fe_tis_busy(const struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	return vtis_tis_busy(&dev->tis);
}

static u8 vtis_fe_tis_locality(const struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	return dev->tis.s.active_locality;
}

static bool vtis_fe_tis_irq_level(const struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	return dev->tis.irq_level;
}

static void vtis_fe_tis_set_int_vector(struct vtis_dev *dev, u8 vector)
{
	lockdep_assert_held(&dev->lock);
	vtis_tis_set_int_vector(&dev->tis, vector);
}

static void vtis_fe_tis_save(struct vtis_dev *dev, struct vtis_blob *b)
{
	const struct vtis_tis_state *st = &dev->tis.s;
	int l;

	lockdep_assert_held(&dev->lock);
	vtis_blob_put32(b, st->version);
	vtis_blob_put32(b, st->family);
	vtis_blob_put8(b, st->active_locality);
	vtis_blob_put8(b, st->aborting_locality);
	vtis_blob_put8(b, st->next_locality);
	vtis_blob_put8(b, st->established);
	vtis_blob_put8(b, st->pending);
	vtis_blob_put8(b, st->busy);
	vtis_blob_put8(b, st->int_vector);
	vtis_blob_put8(b, st->flags);
	vtis_blob_put32(b, st->rw_offset);
	vtis_blob_put32(b, st->len);
	vtis_blob_put32(b, 0);		/* reserved */
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
		vtis_blob_put8(b, st->loc[l].access);
		vtis_blob_put8(b, st->loc[l].state);
		vtis_blob_put8(b, 0);
		vtis_blob_put8(b, 0);
		vtis_blob_put32(b, st->loc[l].int_enable);
		vtis_blob_put32(b, st->loc[l].int_status);
	}
	vtis_blob_put_bytes(b, st->buf, st->len);
}

static int vtis_fe_tis_parse(struct vtis_dev *dev, struct vtis_blob *b,
			     void *state)
{
	struct vtis_tis_state *st = state;
	u32 reserved;
	int l;

	/* The state and its buffer, in one piece (state_size). */
	st->buf = (u8 *)(st + 1);
	st->version = vtis_blob_get32(b);
	st->family = vtis_blob_get32(b);
	st->active_locality = vtis_blob_get8(b);
	st->aborting_locality = vtis_blob_get8(b);
	st->next_locality = vtis_blob_get8(b);
	st->established = vtis_blob_get8(b);
	st->pending = vtis_blob_get8(b);
	st->busy = vtis_blob_get8(b);
	st->int_vector = vtis_blob_get8(b);
	st->flags = vtis_blob_get8(b);
	st->rw_offset = vtis_blob_get32(b);
	st->len = vtis_blob_get32(b);
	reserved = vtis_blob_get32(b);
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
		st->loc[l].access = vtis_blob_get8(b);
		st->loc[l].state = vtis_blob_get8(b);
		st->loc[l].pad[0] = vtis_blob_get8(b);
		st->loc[l].pad[1] = vtis_blob_get8(b);
		st->loc[l].int_enable = vtis_blob_get32(b);
		st->loc[l].int_status = vtis_blob_get32(b);
	}
	if (b->bad || reserved)
		return -EINVAL;
	/* The buffer's bytes, exactly: nothing may follow them. */
	if (st->len > VTIS_BUFFER_SIZE || b->len - b->off != st->len)
		return -EINVAL;
	vtis_blob_get_bytes(b, st->buf, st->len);
	/* The family inside must be the device's too. */
	if (st->family != (dev->family == KVM_VTIS_TPM_1_2 ?
			   VTIS_FAMILY_1_2 : VTIS_FAMILY_2_0))
		return -EINVAL;
	return vtis_tis_state_check(st);
}

static int vtis_fe_tis_load(struct vtis_dev *dev, void *state)
{
	struct vtis_tis_state *st = state;
	struct vtis_tis *tis = &dev->tis;
	int ret;

	lockdep_assert_held(&dev->lock);
	/*
	 * INT_VECTOR is the destination's wiring (KVM_VTIS_SET_IRQ), not the
	 * source's.
	 */
	st->int_vector = tis->s.int_vector;
	ret = vtis_tis_load_state(tis, st);
	/* The source's answer did not come along: ask again. */
	if (!ret && vtis_tis_busy(tis))
		vtis_dev_resubmit(dev, tis->s.buf, tis->s.len,
				  tis->s.next_locality);
	return ret;
}

static void vtis_fe_tis_show(struct vtis_dev *dev, struct seq_file *m)
{
	/* A copy of the fields (not the buffer): no printing under the lock. */
	struct vtis_tis_state s;
	unsigned int l;

	mutex_lock(&dev->lock);
	s = dev->tis.s;
	mutex_unlock(&dev->lock);
	seq_printf(m, "family %u active %d next %d aborting %d pending %#x busy %u flags %#x established %u\n",
		   s.family, (s8)s.active_locality,
		   (s8)s.next_locality,
		   (s8)s.aborting_locality, s.pending, s.busy,
		   s.flags, s.established);
	seq_printf(m, "len %u rw_offset %u\n", s.len, s.rw_offset);
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++)
		seq_printf(m, "loc %u state %u access %#x int_enable %#x int_status %#x\n",
			   l, s.loc[l].state, s.loc[l].access,
			   s.loc[l].int_enable, s.loc[l].int_status);
}

const struct vtis_frontend_ops vtis_fe_tis = {
	.name = "tis",
	.state_size = sizeof(struct vtis_tis_state) + VTIS_BUFFER_SIZE,
	.state_max = VTIS_FE_TIS_STATE_MAX,
	.init = vtis_fe_tis_init,
	.read = vtis_fe_tis_read,
	.write = vtis_fe_tis_write,
	.reg_class = vtis_fe_tis_reg_class,
	.reset = vtis_fe_tis_reset,
	.complete = vtis_fe_tis_complete,
	.busy = vtis_fe_tis_busy,
	.locality = vtis_fe_tis_locality,
	.irq_level = vtis_fe_tis_irq_level,
	.set_int_vector = vtis_fe_tis_set_int_vector,
	.save = vtis_fe_tis_save,
	.parse = vtis_fe_tis_parse,
	.load = vtis_fe_tis_load,
	.show = vtis_fe_tis_show,
};
