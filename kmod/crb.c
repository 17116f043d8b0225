// SPDX-License-Identifier: GPL-2.0
/*
 * The CRB register model (crb.h says what it is and which values it
 * chose).  Every guest access is decoded register by register; a register
 * is read or written as a whole 32-bit value, with the bytes the access
 * covers, so 1-, 2-, 4- and 8-byte accesses and unaligned ones all work.
 */
#ifdef __KERNEL__
#include <linux/string.h>
#endif

#include "crb.h"

#define VTIS_CRB_PAGE_MASK	0xfffU
#define VTIS_CRB_REGS_END	0x80U

static bool vtis_crb_is_loc(u8 l)
{
	return l < VTIS_CRB_NUM_LOCALITIES;
}

static u32 vtis_crb_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static void vtis_crb_put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* The highest locality in @bitmap, or VTIS_NO_LOCALITY. */
static u8 vtis_crb_highest(u32 bitmap)
{
	int l;

	for (l = VTIS_CRB_NUM_LOCALITIES - 1; l >= 0; l--)
		if (bitmap & (1U << l))
			return l;
	return VTIS_NO_LOCALITY;
}

static void vtis_crb_event(struct vtis_crb *crb, u8 type, u8 locality,
			   u8 from, u8 reason, u32 rc, u32 ordinal, u32 len)
{
	struct vtis_tis_event ev = {
		.type = type, .locality = locality, .from = from,
		.reason = reason, .rc = rc, .ordinal = ordinal, .len = len,
	};

	if (crb->event)
		crb->event(crb, &ev);
}

/* Latch the enabled ones of @sources (with the global enable on). */
static void vtis_crb_raise(struct vtis_crb *crb, u32 sources)
{
	struct vtis_crb_state *s = &crb->s;

	if (s->int_enable & VTIS_CRB_INT_GLOBAL)
		s->int_status |= sources & s->int_enable &
				 VTIS_CRB_INT_SUPPORTED;
}

static void vtis_crb_update_irq(struct vtis_crb *crb)
{
	const struct vtis_crb_state *s = &crb->s;
	bool level = (s->int_enable & VTIS_CRB_INT_GLOBAL) &&
		     (s->int_enable & s->int_status & VTIS_CRB_INT_SUPPORTED);

	if (level == crb->irq_level)
		return;
	crb->irq_level = level;
	if (crb->ops && crb->ops->irq_line)
		crb->ops->irq_line(crb, level);
}

/* Make @target (VTIS_NO_LOCALITY: the highest pending) active now. */
static void vtis_crb_finish_switch(struct vtis_crb *crb, u8 target)
{
	struct vtis_crb_state *s = &crb->s;
	u8 old = s->active_locality;

	if (!vtis_crb_is_loc(target))
		target = vtis_crb_highest(s->pending);
	if (vtis_crb_is_loc(target) && s->seizing == target &&
	    vtis_crb_is_loc(old) && old != target)
		s->seized |= 1U << old;
	s->seizing = VTIS_NO_LOCALITY;
	if (target == old)
		return;
	s->active_locality = target;
	s->state = VTIS_CRB_IDLE;
	s->cancel = 0;
	if (vtis_crb_is_loc(target)) {
		s->pending &= ~(1U << target);
		vtis_crb_raise(crb, VTIS_CRB_INT_LOC_CHANGE);
	}
	vtis_crb_event(crb, VTIS_EV_LOCALITY, target, old, VTIS_EVR_NONE, 0, 0,
		       0);
}

/* Change the active locality; with a command in flight, after its answer. */
static void vtis_crb_switch(struct vtis_crb *crb, u8 target)
{
	struct vtis_crb_state *s = &crb->s;

	if (s->busy) {
		s->switch_to = target;
		if (!s->switching) {
			s->switching = 1;
			if (crb->ops && crb->ops->cancel)
				crb->ops->cancel(crb);
		}
		return;
	}
	vtis_crb_finish_switch(crb, target);
}

static void vtis_crb_loc_ctrl(struct vtis_crb *crb, u8 l, u32 val)
{
	struct vtis_crb_state *s = &crb->s;
	u8 active = s->active_locality;

	if ((val & VTIS_CRB_LOC_CTRL_RESET_EST) && l >= 3) {
		s->established = 0;
		vtis_crb_raise(crb, VTIS_CRB_INT_EST_CLEAR);
	}
	if (val & VTIS_CRB_LOC_CTRL_RELINQUISH) {
		if (active == l && !s->switching)
			vtis_crb_switch(crb, VTIS_NO_LOCALITY);
		else
			s->pending &= ~(1U << l);
	}
	if (val & VTIS_CRB_LOC_CTRL_SEIZE) {
		if (vtis_crb_is_loc(active) && l > active &&
		    !(vtis_crb_is_loc(s->seizing) && s->seizing >= l)) {
			s->seizing = l;
			vtis_crb_switch(crb, l);
		}
		return;
	}
	if (val & VTIS_CRB_LOC_CTRL_REQUEST) {
		s->seized &= ~(1U << l);
		if (active == l)
			return;
		if (vtis_crb_is_loc(active) || s->switching)
			s->pending |= 1U << l;
		else
			vtis_crb_switch(crb, l);
	}
}

/* A TIS-core style 10-byte error response in the buffer: Completion. */
static void vtis_crb_error_response(struct vtis_crb *crb, u32 rc)
{
	struct vtis_crb_state *s = &crb->s;

	s->buf[0] = VTIS_TPM2_ST_NO_SESSIONS >> 8;
	s->buf[1] = VTIS_TPM2_ST_NO_SESSIONS & 0xff;
	vtis_crb_put_be32(s->buf + 2, VTIS_HEADER_SIZE);
	vtis_crb_put_be32(s->buf + 6, rc);
	s->state = VTIS_CRB_COMPLETION;
	vtis_crb_raise(crb, VTIS_CRB_INT_START);
}

/* 0 if the command in the buffer may go to the backend, else a TPM rc. */
static u32 vtis_crb_check(const struct vtis_crb_state *s, u32 len, u8 *reason)
{
	if (vtis_crb_be32(s->buf) == VTIS_TCG_PREFIX) {
		*reason = VTIS_EVR_PREFIX;
		return VTIS_TPM2_RC_COMMAND_CODE;
	}
	if (len < VTIS_HEADER_SIZE || len > VTIS_CRB_BUF_SIZE) {
		*reason = VTIS_EVR_SIZE;
		return VTIS_TPM2_RC_COMMAND_SIZE;
	}
	if (vtis_crb_be32(s->buf + 6) == VTIS_ORD_SET_LOCALITY) {
		*reason = VTIS_EVR_VENDOR;
		return VTIS_TPM2_RC_COMMAND_CODE;
	}
	return 0;
}

/* CTRL_START: true if the command went to the backend. */
static bool vtis_crb_start(struct vtis_crb *crb, u8 l)
{
	struct vtis_crb_state *s = &crb->s;
	u32 len = vtis_crb_be32(s->buf + 2);
	u32 ordinal = vtis_crb_be32(s->buf + 6);
	u8 reason = VTIS_EVR_NONE;
	u32 rc = vtis_crb_check(s, len, &reason);

	if (!rc && !(crb->ops && crb->ops->submit)) {
		rc = VTIS_TPM2_RC_FAILURE;
		reason = VTIS_EVR_NO_BACKEND;
	}
	if (rc) {
		vtis_crb_event(crb, VTIS_EV_REJECT, l, l, reason, rc, ordinal,
			       len);
		vtis_crb_error_response(crb, rc);
		return false;
	}
	s->state = VTIS_CRB_EXECUTION;
	s->busy = 1;
	s->exec_locality = l;
	vtis_crb_event(crb, VTIS_EV_SUBMIT, l, l, VTIS_EVR_NONE, 0, ordinal,
		       len);
	/* last: a synchronous backend may answer from inside submit() */
	crb->ops->submit(crb, s->buf, len, l);
	return true;
}

static void vtis_crb_ctrl_req(struct vtis_crb *crb, u32 val)
{
	struct vtis_crb_state *s = &crb->s;

	val &= VTIS_CRB_REQ_CMD_READY | VTIS_CRB_REQ_GO_IDLE;
	/* Both at once, or either while a command runs: ignored. */
	if (s->state == VTIS_CRB_EXECUTION ||
	    val == (VTIS_CRB_REQ_CMD_READY | VTIS_CRB_REQ_GO_IDLE))
		return;
	if (val == VTIS_CRB_REQ_CMD_READY) {
		s->state = VTIS_CRB_READY;
		vtis_crb_raise(crb, VTIS_CRB_INT_CMD_READY);
	} else if (val == VTIS_CRB_REQ_GO_IDLE) {
		s->state = VTIS_CRB_IDLE;
	}
}

/* The 32-bit register at @reg (a multiple of 4) of locality @l's page. */
static u32 vtis_crb_reg_read(const struct vtis_crb *crb, u8 l, u32 reg)
{
	const struct vtis_crb_state *s = &crb->s;
	u64 buf = crb->base + ((u64)l << VTIS_LOCALITY_SHIFT) +
		  VTIS_CRB_BUF_OFFSET;
	u32 v;

	switch (reg) {
	case VTIS_CRB_LOC_STATE:
		v = VTIS_CRB_LOC_STATE_REG_VALID;
		if (!s->established)
			v |= VTIS_CRB_LOC_STATE_NOT_ESTABLISHED;
		if (vtis_crb_is_loc(s->active_locality))
			v |= VTIS_CRB_LOC_STATE_ASSIGNED |
			     s->active_locality << VTIS_CRB_LOC_STATE_ACTIVE_SHIFT;
		return v;
	case VTIS_CRB_LOC_STS:
		v = s->active_locality == l ? VTIS_CRB_LOC_STS_GRANTED : 0;
		if (s->seized & (1U << l))
			v |= VTIS_CRB_LOC_STS_BEEN_SEIZED;
		return v;
	case VTIS_CRB_INTF_ID:
		return VTIS_CRB_INTF_ID_LO;
	case VTIS_CRB_INTF_ID + 4:
		return VTIS_CRB_INTF_ID_HI;
	case VTIS_CRB_CTRL_STS:
		return s->state == VTIS_CRB_IDLE ? VTIS_CRB_STS_IDLE : 0;
	case VTIS_CRB_CTRL_CANCEL:
		return s->cancel;
	case VTIS_CRB_CTRL_START:
		return s->state == VTIS_CRB_EXECUTION ? VTIS_CRB_START : 0;
	case VTIS_CRB_INT_ENABLE:
		return s->int_enable;
	case VTIS_CRB_INT_STS:
		return s->int_status;
	case VTIS_CRB_CMD_SIZE:
	case VTIS_CRB_RSP_SIZE:
		return VTIS_CRB_BUF_SIZE;
	case VTIS_CRB_CMD_LADDR:
	case VTIS_CRB_RSP_ADDR:
		return (u32)buf;
	case VTIS_CRB_CMD_HADDR:
	case VTIS_CRB_RSP_ADDR + 4:
		return (u32)(buf >> 32);
	default:		/* LOC_CTRL, CTRL_EXT, CTRL_REQ, reserved */
		return 0;
	}
}

/*
 * A write of @val to the bytes @mask of the register at @reg; true if it
 * submitted.  The command bits are all in byte 0: a write that leaves it
 * out does nothing to LOC_CTRL, CTRL_REQ, CTRL_CANCEL or CTRL_START.
 */
static bool vtis_crb_reg_write(struct vtis_crb *crb, u8 l, u32 reg, u32 val,
			       u32 mask)
{
	struct vtis_crb_state *s = &crb->s;

	if (!(mask & 0xff) && reg != VTIS_CRB_INT_ENABLE &&
	    reg != VTIS_CRB_INT_STS)
		return false;
	if (reg == VTIS_CRB_LOC_CTRL) {
		vtis_crb_loc_ctrl(crb, l, val);
		return false;
	}
	/* The control area acts for the active locality alone. */
	if (s->active_locality != l || s->switching)
		return false;
	switch (reg) {
	case VTIS_CRB_CTRL_REQ:
		vtis_crb_ctrl_req(crb, val);
		return false;
	case VTIS_CRB_CTRL_CANCEL:
		s->cancel = val & VTIS_CRB_CANCEL;
		if (s->cancel && s->busy && crb->ops && crb->ops->cancel)
			crb->ops->cancel(crb);
		return false;
	case VTIS_CRB_CTRL_START:
		if (!(val & VTIS_CRB_START) || s->state == VTIS_CRB_EXECUTION)
			return false;
		return vtis_crb_start(crb, l);
	case VTIS_CRB_INT_ENABLE:
		s->int_enable = ((s->int_enable & ~mask) | (val & mask)) &
				(VTIS_CRB_INT_SUPPORTED | VTIS_CRB_INT_GLOBAL);
		return false;
	case VTIS_CRB_INT_STS:
		s->int_status &= ~val;
		return false;
	default:		/* read-only, ignored, reserved */
		return false;
	}
}

static bool vtis_crb_access_ok(u32 offset, u32 len)
{
	if (len < 1 || len > 8)
		return false;
	if (offset >= VTIS_CRB_WINDOW_SIZE ||
	    len > VTIS_CRB_WINDOW_SIZE - offset)
		return false;
	return (offset >> VTIS_LOCALITY_SHIFT) ==
	       ((offset + len - 1) >> VTIS_LOCALITY_SHIFT);
}

/* May locality @l read or write the buffer now? */
static bool vtis_crb_buf_ok(const struct vtis_crb_state *s, u8 l)
{
	return s->active_locality == l && !s->switching &&
	       s->state != VTIS_CRB_EXECUTION;
}

void vtis_crb_read(struct vtis_crb *crb, u32 offset, u32 len, void *val)
{
	u8 *out = val;
	u32 i, off, v;
	u8 l;

	if (!out || !len || len > 8)
		return;
	if (!vtis_crb_access_ok(offset, len)) {
		memset(out, 0xff, len);
		return;
	}
	l = offset >> VTIS_LOCALITY_SHIFT;
	for (i = 0; i < len; i++) {
		off = (offset + i) & VTIS_CRB_PAGE_MASK;
		if (off >= VTIS_CRB_BUF_OFFSET) {
			out[i] = vtis_crb_buf_ok(&crb->s, l) ?
				 crb->s.buf[off - VTIS_CRB_BUF_OFFSET] : 0xff;
			continue;
		}
		v = vtis_crb_reg_read(crb, l, off & ~3U);
		out[i] = v >> (8 * (off & 3));
	}
}

bool vtis_crb_write(struct vtis_crb *crb, u32 offset, u32 len,
		    const void *val)
{
	const u8 *in = val;
	bool submitted = false;
	u32 i, n, k, off, v, mask;
	u8 l;

	if (!in || !vtis_crb_access_ok(offset, len))
		return false;
	l = offset >> VTIS_LOCALITY_SHIFT;
	for (i = 0; i < len; i += n) {
		off = (offset + i) & VTIS_CRB_PAGE_MASK;
		n = 1;
		if (off >= VTIS_CRB_BUF_OFFSET) {
			if (vtis_crb_buf_ok(&crb->s, l))
				crb->s.buf[off - VTIS_CRB_BUF_OFFSET] = in[i];
			continue;
		}
		/* The bytes of this access in one register, as a value. */
		n = 4 - (off & 3);
		if (n > len - i)
			n = len - i;
		v = 0;
		mask = 0;
		for (k = 0; k < n; k++) {
			v |= (u32)in[i + k] << (8 * ((off & 3) + k));
			mask |= 0xffU << (8 * ((off & 3) + k));
		}
		if (vtis_crb_reg_write(crb, l, off & ~3U, v, mask))
			submitted = true;
	}
	vtis_crb_update_irq(crb);
	return submitted;
}

bool vtis_crb_response(struct vtis_crb *crb, const u8 *rsp, u32 len)
{
	struct vtis_crb_state *s = &crb->s;
	u8 l = s->exec_locality, target = s->switch_to;

	if (!s->busy)
		return false;
	s->busy = 0;
	s->exec_locality = VTIS_NO_LOCALITY;
	if (s->switching) {
		/* the answer to a command cut short by a change is dropped */
		vtis_crb_event(crb, VTIS_EV_COMPLETE, l, l, VTIS_EVR_DROPPED,
			       0, 0, 0);
		s->switching = 0;
		s->switch_to = VTIS_NO_LOCALITY;
		s->state = VTIS_CRB_IDLE;
		vtis_crb_finish_switch(crb, target);
	} else if (!rsp || len < VTIS_HEADER_SIZE || len > VTIS_CRB_BUF_SIZE ||
		   vtis_crb_be32(rsp + 2) != len) {
		vtis_crb_error_response(crb, VTIS_TPM2_RC_FAILURE);
		vtis_crb_event(crb, VTIS_EV_COMPLETE, l, l,
			       rsp ? VTIS_EVR_BAD_RESPONSE : VTIS_EVR_FAILED,
			       VTIS_TPM2_RC_FAILURE, 0, VTIS_HEADER_SIZE);
	} else {
		memmove(s->buf, rsp, len);
		s->state = VTIS_CRB_COMPLETION;
		vtis_crb_raise(crb, VTIS_CRB_INT_START);
		vtis_crb_event(crb, VTIS_EV_COMPLETE, l, l, VTIS_EVR_OK,
			       vtis_crb_be32(s->buf + 6), 0, len);
	}
	vtis_crb_update_irq(crb);
	return true;
}

static bool vtis_crb_is_loc_or_none(u8 l)
{
	return vtis_crb_is_loc(l) || l == VTIS_NO_LOCALITY;
}

int vtis_crb_state_check(const struct vtis_crb_state *st)
{
	const u8 all = (1U << VTIS_CRB_NUM_LOCALITIES) - 1;

	if (!vtis_crb_is_loc_or_none(st->active_locality) ||
	    !vtis_crb_is_loc_or_none(st->seizing) ||
	    !vtis_crb_is_loc_or_none(st->switch_to) ||
	    !vtis_crb_is_loc_or_none(st->exec_locality))
		return -EINVAL;
	if ((st->pending & ~all) || (st->seized & ~all) ||
	    st->state >= VTIS_CRB_NR_STATES || st->busy > 1 ||
	    st->cancel > 1 || st->switching > 1 || st->established > 1)
		return -EINVAL;
	if ((st->int_enable & ~(VTIS_CRB_INT_SUPPORTED | VTIS_CRB_INT_GLOBAL)) ||
	    (st->int_status & ~VTIS_CRB_INT_SUPPORTED))
		return -EINVAL;
	/* A command runs exactly when one is at the backend, for a locality. */
	if (st->busy != (st->state == VTIS_CRB_EXECUTION) ||
	    st->busy != vtis_crb_is_loc(st->exec_locality))
		return -EINVAL;
	if (st->switching && !st->busy)
		return -EINVAL;
	if (!st->switching && (st->switch_to != VTIS_NO_LOCALITY ||
			       st->seizing != VTIS_NO_LOCALITY))
		return -EINVAL;
	/* The active locality waits for nothing; with none, nobody waits. */
	if (vtis_crb_is_loc(st->active_locality) &&
	    (st->pending & (1U << st->active_locality)))
		return -EINVAL;
	if (!vtis_crb_is_loc(st->active_locality) && st->pending)
		return -EINVAL;
	if (st->busy && st->exec_locality != st->active_locality)
		return -EINVAL;
	return 0;
}

int vtis_crb_load_state(struct vtis_crb *crb, const struct vtis_crb_state *st)
{
	u8 *buf = crb->s.buf;
	int ret = vtis_crb_state_check(st);

	if (ret)
		return ret;
	crb->s = *st;
	crb->s.buf = buf;
	memcpy(buf, st->buf, VTIS_CRB_BUF_SIZE);
	vtis_crb_update_irq(crb);
	return 0;
}

u32 vtis_crb_cmd_len(const struct vtis_crb *crb)
{
	return vtis_crb_be32(crb->s.buf + 2);
}

void vtis_crb_reset(struct vtis_crb *crb)
{
	struct vtis_crb_state *s = &crb->s;
	u8 *buf = s->buf;

	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->active_locality = VTIS_NO_LOCALITY;
	s->seizing = VTIS_NO_LOCALITY;
	s->switch_to = VTIS_NO_LOCALITY;
	s->exec_locality = VTIS_NO_LOCALITY;
	s->state = VTIS_CRB_IDLE;
	memset(buf, 0, VTIS_BUFFER_SIZE);
	vtis_crb_update_irq(crb);
}

void vtis_crb_init(struct vtis_crb *crb, const struct vtis_crb_ops *ops,
		   void *priv, u64 base, u8 *buf)
{
	memset(crb, 0, sizeof(*crb));
	crb->ops = ops;
	crb->priv = priv;
	crb->base = base;
	crb->s.buf = buf;
	vtis_crb_reset(crb);
}
