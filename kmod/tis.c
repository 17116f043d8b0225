// SPDX-License-Identifier: GPL-2.0
/*
 * TIS 1.3 FIFO interface (TCG PC Client PTP, FIFO interface) for TPM 1.2
 * and TPM 2.0 devices: the register model, free of KVM and backend code.
 *
 * Register window: 5 localities of 4 KiB each; locality = offset >> 12.
 * Values the guest reads:
 *   ACCESS (0x00)           tpmRegValidSts always 1; tpmEstablishment reads
 *                           1 while the establishment flag is clear
 *   INT_ENABLE (0x08)       reset value 0x00000008 (low level)
 *   INT_VECTOR (0x0c)       set by the owner, default 0; guest writes ignored
 *   INT_STATUS (0x10)       write 1 to clear
 *   INTF_CAPABILITY (0x14)  0x20000697 (TPM 1.2), 0x30000697 (TPM 2.0):
 *                           interface 1.3, 64-byte transfers, dynamic burst
 *                           count, low-level interrupts, the four interrupts
 *   STS (0x18)              see below; a locality that is not active reads
 *                           0xffffffff
 *   DATA_FIFO (0x24), XDATA_FIFO (0x80-0xbf)
 *   INTERFACE_ID (0x30)     0x00002100 (TPM 2.0: FIFO, 5 localities);
 *                           0xffffffff (TPM 1.2); writes ignored
 *   DID_VID (0xf00)         0x00011014, RID (0xf04) 0x01
 *   anything else           0xff bytes; writes ignored
 *
 * Locality 4 belongs to the processor's dynamic root of trust, which no
 * guest drives: as in QEMU, every write to locality 4 is dropped, so
 * HASH_START, HASH_DATA and HASH_END are not implemented.  Reads work.
 *
 * Access sizes and alignment: an access of 1 to 8 bytes at any offset
 * inside one locality's page is split by register.  Guests make 1-, 2-, 4-
 * and 8-byte accesses; KVM splits one that crosses a 4 KiB page (from one
 * locality into the next) into a piece per page, so pieces of 3, 5, 6 and
 * 7 bytes arrive too and are served the same way.  Every byte
 * belongs to the register it falls into; the bytes that fall into one
 * 32-bit register form one access to it (a partial write changes only
 * those bytes).  ACCESS, INT_VECTOR and RID are one byte wide and the
 * three bytes above them read 0.  A byte inside DATA_FIFO or XDATA_FIFO
 * moves one FIFO byte, in order of increasing address (an 8-byte access
 * at 0x80 moves 8 bytes; one at 0x24 moves 4 and reads 0xff for
 * 0x28-0x2b).  Bytes at no register read 0xff.  Any other length (0, or
 * more than 8), an access that leaves the window or crosses into the next
 * locality reads all-ones and writes nothing.
 *
 * STS: stsValid always reads 1 (the model changes state atomically);
 * responseRetry, tpmGo and bit 0 always read 0, as do commandCancel and
 * resetEstablishment; selfTestDone is not tracked and reads 0; tpmFamily
 * reads 1 for TPM 2.0.  burstCount is dynamic and large: the free space in
 * the buffer while a command may be written (4096 when ready), the bytes
 * left to read while a response is available, 0 otherwise.  A read that
 * sees only the low byte of burstCount gets at most 0xff, so that it never
 * shows 0 while bytes can move.  A write that sets more than one of
 * commandReady, tpmGo and responseRetry is ignored as a whole.
 * commandCancel and resetEstablishment exist for TPM 2.0 only;
 * resetEstablishment is honoured from locality 3 only (locality 4 cannot
 * write).
 *
 * Commands: Expect stays 1 until the header's size field is known and that
 * many bytes arrived, or the 4096-byte buffer is full; bytes beyond the
 * buffer are dropped and remembered.  tpmGo is accepted only with Expect 0.
 * At tpmGo the command is checked: swtpm's "TCG prefix" form (first four
 * bytes 00 00 00 08) and the vendor set-locality ordinal 0x20001000 get
 * TPM_RC_COMMAND_CODE / TPM_BAD_ORDINAL; a header size below 10 or one that
 * differs from the bytes written (also when bytes were dropped) gets
 * TPM_RC_COMMAND_SIZE / TPM_BAD_PARAM_SIZE.  Such commands never reach the
 * backend; the guest reads the 10-byte error response instead.  Responses
 * must be 10..4096 bytes long with a matching size field; otherwise, and on
 * backend errors, the guest reads TPM_RC_FAILURE / TPM_FAIL.
 *
 * Localities: a request is granted at once when no locality is active,
 * else it is pending; relinquishing hands over to the highest pending
 * locality; Seize by a locality above the active one takes over and sets
 * beenSeized for the loser.  Changing the active locality drops any
 * command or response held (every locality returns to idle).  While a
 * command executes at the backend, a change of locality and an abort
 * (commandReady) are deferred until the backend answers, and the backend
 * is asked to cancel; the answer is then discarded.
 *
 * Interrupts: a source sets its INT_STATUS bit only while both it and the
 * global enable are set in INT_ENABLE.  Sources: localityChange (to the new
 * active locality), commandReady (entering ready), stsValid (a command
 * became complete, Expect 1 -> 0) and dataAvail|stsValid (a response is
 * available).  The line level is, for the active locality,
 * globalEnable && (INT_STATUS & INT_ENABLE & supported sources); it is
 * reported through ops->irq_line whenever it changes.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#endif

#include "tis.h"

#define VTIS_PAGE_MASK		0xfffU
#define VTIS_ALL_LOCS		((1U << VTIS_NUM_LOCALITIES) - 1)
#define VTIS_INT_ENABLE_BITS	(VTIS_INT_GLOBAL_ENABLE | \
				 VTIS_INT_POLARITY_MASK | VTIS_INT_SUPPORTED)
#define VTIS_STS_CMD_BITS	(VTIS_STS_COMMAND_READY | VTIS_STS_GO | \
				 VTIS_STS_RESPONSE_RETRY)
#define VTIS_SIZE_FIELD_END	6U	/* bytes needed to know the size */

static bool vtis_is_loc(u8 l)
{
	return l < VTIS_NUM_LOCALITIES;
}

static bool vtis_is_loc_or_none(u8 l)
{
	return vtis_is_loc(l) || l == VTIS_NO_LOCALITY;
}

static u32 vtis_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static void vtis_put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void vtis_put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static bool vtis_tpm2(const struct vtis_tis_state *s)
{
	return s->family == VTIS_FAMILY_2_0;
}

/* The highest locality in @bitmap, or VTIS_NO_LOCALITY. */
static u8 vtis_highest(u32 bitmap)
{
	int l;

	for (l = VTIS_NUM_LOCALITIES - 1; l >= 0; l--)
		if (bitmap & (1U << l))
			return l;
	return VTIS_NO_LOCALITY;
}

static u32 vtis_seizers(const struct vtis_tis_state *s)
{
	u32 map = 0;
	int l;

	for (l = 0; l < VTIS_NUM_LOCALITIES; l++)
		if (s->loc[l].access & VTIS_ACCESS_SEIZE)
			map |= 1U << l;
	return map;
}

/* Who gets the locality when the active one lets go. */
static u8 vtis_next_owner(const struct vtis_tis_state *s)
{
	return vtis_highest(s->pending | vtis_seizers(s));
}

static void vtis_cancel(struct vtis_tis *tis)
{
	if (tis->ops && tis->ops->cancel)
		tis->ops->cancel(tis);
}

static void vtis_raise(struct vtis_tis *tis, u8 l, u32 sources)
{
	struct vtis_tis_loc *loc;

	if (!vtis_is_loc(l))
		return;
	loc = &tis->s.loc[l];
	if (loc->int_enable & VTIS_INT_GLOBAL_ENABLE)
		loc->int_status |= sources & loc->int_enable &
				   VTIS_INT_SUPPORTED;
}

static void vtis_update_irq(struct vtis_tis *tis)
{
	const struct vtis_tis_state *s = &tis->s;
	const struct vtis_tis_loc *loc;
	bool level = false;

	if (vtis_is_loc(s->active_locality)) {
		loc = &s->loc[s->active_locality];
		level = (loc->int_enable & VTIS_INT_GLOBAL_ENABLE) &&
			(loc->int_status & loc->int_enable &
			 VTIS_INT_SUPPORTED);
	}
	if (level == tis->irq_level)
		return;
	tis->irq_level = level;
	if (tis->ops && tis->ops->irq_line)
		tis->ops->irq_line(tis, level);
}

/* Tell the owner (if it listens); see struct vtis_tis_event. */
static void vtis_event(struct vtis_tis *tis, u8 type, u8 locality, u8 from,
		       u8 reason, u32 rc, u32 ordinal, u32 len)
{
	struct vtis_tis_event ev;

	if (!tis->event)
		return;
	ev.type = type;
	ev.locality = locality;
	ev.from = from;
	ev.reason = reason;
	ev.rc = rc;
	ev.ordinal = ordinal;
	ev.len = len;
	tis->event(tis, &ev);
}

/* The ordinal of the command in the buffer, 0 if it has no header. */
static u32 vtis_ordinal(const struct vtis_tis_state *s)
{
	return s->len >= VTIS_HEADER_SIZE ? vtis_get_be32(s->buf + 6) : 0;
}

static void vtis_clear_buffer(struct vtis_tis_state *s)
{
	s->rw_offset = 0;
	s->len = 0;
	s->flags &= ~VTIS_FLAG_OVERFLOW;
}

/* True while the command being received is not complete. */
static bool vtis_expect(const struct vtis_tis_state *s)
{
	if (s->len >= VTIS_BUFFER_SIZE)
		return false;
	if (s->len < VTIS_SIZE_FIELD_END)
		return true;
	return vtis_get_be32(s->buf + 2) > s->len;
}

/* Make @target the active locality now (no command may be in flight). */
static void vtis_finish_switch(struct vtis_tis *tis, u8 target)
{
	struct vtis_tis_state *s = &tis->s;
	u8 old = s->active_locality;
	int l;

	if (!vtis_is_loc(target))
		target = vtis_highest(s->pending);
	if (target != old && vtis_is_loc(old) && vtis_is_loc(target) &&
	    (s->loc[target].access & VTIS_ACCESS_SEIZE))
		s->loc[old].access |= VTIS_ACCESS_BEEN_SEIZED;
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++)
		s->loc[l].access &= ~VTIS_ACCESS_SEIZE;
	if (target == old)
		return;
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++)
		s->loc[l].state = VTIS_LOC_IDLE;
	vtis_clear_buffer(s);
	s->active_locality = target;
	if (vtis_is_loc(target)) {
		s->pending &= ~(1U << target);
		vtis_raise(tis, target, VTIS_INT_LOCALITY_CHANGE);
	}
	vtis_event(tis, VTIS_EV_LOCALITY, target, old, VTIS_EVR_NONE, 0, 0, 0);
}

/*
 * Change the active locality to @target (VTIS_NO_LOCALITY: the highest
 * pending one, if any), or to the same locality to abort its command.
 * With a command in flight the change waits for the backend's answer.
 */
static void vtis_switch(struct vtis_tis *tis, u8 target)
{
	struct vtis_tis_state *s = &tis->s;

	if (s->busy) {
		s->aborting_locality = target;
		if (!(s->flags & VTIS_FLAG_ABORT)) {
			s->flags |= VTIS_FLAG_ABORT;
			vtis_cancel(tis);
		}
		return;
	}
	vtis_finish_switch(tis, target);
}

static void vtis_seize(struct vtis_tis *tis, u8 l)
{
	struct vtis_tis_state *s = &tis->s;
	u8 active = s->active_locality;
	int h;

	if (vtis_is_loc(active) && l <= active)
		return;
	if (vtis_seizers(s) & ~((1U << l) - 1))
		return;		/* already seizing, or a higher one is */
	for (h = 0; h < l; h++)
		s->loc[h].access &= ~VTIS_ACCESS_SEIZE;
	s->loc[l].access |= VTIS_ACCESS_SEIZE;
	vtis_switch(tis, l);
}

static void vtis_access_write(struct vtis_tis *tis, u8 l, u8 val)
{
	struct vtis_tis_state *s = &tis->s;
	u8 bit = 1U << l;

	if (val & VTIS_ACCESS_SEIZE)
		val &= ~(VTIS_ACCESS_REQUEST_USE | VTIS_ACCESS_ACTIVE_LOCALITY);
	if (val & VTIS_ACCESS_BEEN_SEIZED)
		s->loc[l].access &= ~VTIS_ACCESS_BEEN_SEIZED;
	if (val & VTIS_ACCESS_ACTIVE_LOCALITY) {
		if (s->active_locality == l) {
			vtis_switch(tis, vtis_next_owner(s));
		} else {
			/* withdraw a pending request */
			s->pending &= ~bit;
			if ((s->flags & VTIS_FLAG_ABORT) &&
			    s->aborting_locality == l &&
			    !(s->loc[l].access & VTIS_ACCESS_SEIZE))
				s->aborting_locality = vtis_next_owner(s);
		}
	}
	if (val & VTIS_ACCESS_SEIZE)
		vtis_seize(tis, l);
	if ((val & VTIS_ACCESS_REQUEST_USE) && s->active_locality != l) {
		if (vtis_is_loc(s->active_locality))
			s->pending |= bit;
		else
			vtis_switch(tis, l);
	}
}

/* Put a 10-byte error response of the device's family in the buffer. */
static void vtis_error_response(struct vtis_tis *tis, u8 l, u32 rc)
{
	struct vtis_tis_state *s = &tis->s;

	vtis_put_be16(s->buf, vtis_tpm2(s) ? VTIS_TPM2_ST_NO_SESSIONS :
					     VTIS_TPM12_TAG_RSP_COMMAND);
	vtis_put_be32(s->buf + 2, VTIS_HEADER_SIZE);
	vtis_put_be32(s->buf + 6, rc);
	s->flags &= ~VTIS_FLAG_OVERFLOW;
	s->len = VTIS_HEADER_SIZE;
	s->rw_offset = 0;
	s->loc[l].state = VTIS_LOC_COMPLETION;
	vtis_raise(tis, l, VTIS_INT_DATA_AVAIL | VTIS_INT_STS_VALID);
}

static u32 vtis_failure_rc(const struct vtis_tis_state *s)
{
	return vtis_tpm2(s) ? VTIS_TPM2_RC_FAILURE : VTIS_TPM12_FAIL;
}

/*
 * 0 if the command in the buffer may go to the backend, else a TPM rc
 * (and *reason says why).
 */
static u32 vtis_check_command(const struct vtis_tis_state *s, u8 *reason)
{
	u32 bad_code = vtis_tpm2(s) ? VTIS_TPM2_RC_COMMAND_CODE :
				      VTIS_TPM12_BAD_ORDINAL;

	if (s->len >= 4 && vtis_get_be32(s->buf) == VTIS_TCG_PREFIX) {
		*reason = VTIS_EVR_PREFIX;
		return bad_code;
	}
	if ((s->flags & VTIS_FLAG_OVERFLOW) || s->len < VTIS_HEADER_SIZE ||
	    vtis_get_be32(s->buf + 2) != s->len) {
		*reason = VTIS_EVR_SIZE;
		return vtis_tpm2(s) ? VTIS_TPM2_RC_COMMAND_SIZE :
				      VTIS_TPM12_BAD_PARAM_SIZE;
	}
	if (vtis_get_be32(s->buf + 6) == VTIS_ORD_SET_LOCALITY) {
		*reason = VTIS_EVR_VENDOR;
		return bad_code;
	}
	return 0;
}

/* tpmGo: true if the command went to the backend (ops->submit). */
static bool vtis_go(struct vtis_tis *tis, u8 l)
{
	struct vtis_tis_state *s = &tis->s;
	u8 reason = VTIS_EVR_NONE;
	u32 rc = vtis_check_command(s, &reason);

	if (!rc && !(tis->ops && tis->ops->submit)) {
		rc = vtis_failure_rc(s);
		reason = VTIS_EVR_NO_BACKEND;
	}
	if (rc) {
		vtis_event(tis, VTIS_EV_REJECT, l, l, reason, rc,
			   vtis_ordinal(s), s->len);
		vtis_error_response(tis, l, rc);
		return false;
	}
	s->loc[l].state = VTIS_LOC_EXECUTION;
	s->rw_offset = 0;
	s->busy = 1;
	s->next_locality = l;
	vtis_event(tis, VTIS_EV_SUBMIT, l, l, VTIS_EVR_NONE, 0,
		   vtis_ordinal(s), s->len);
	/* last: a synchronous backend may answer from inside submit() */
	tis->ops->submit(tis, s->buf, s->len, l);
	return true;
}

static void vtis_command_ready(struct vtis_tis *tis, u8 l)
{
	struct vtis_tis_state *s = &tis->s;

	switch (s->loc[l].state) {
	case VTIS_LOC_READY:
		vtis_clear_buffer(s);
		break;
	case VTIS_LOC_EXECUTION:
		/* abort; an already deferred switch keeps its target */
		if (!(s->flags & VTIS_FLAG_ABORT))
			vtis_switch(tis, l);
		break;
	default:
		vtis_clear_buffer(s);
		s->loc[l].state = VTIS_LOC_READY;
		vtis_raise(tis, l, VTIS_INT_COMMAND_READY);
		break;
	}
}

/* A write to STS; true if it submitted a command (tpmGo). */
static bool vtis_sts_write(struct vtis_tis *tis, u8 l, u32 val)
{
	struct vtis_tis_state *s = &tis->s;
	u32 cmd = val & VTIS_STS_CMD_BITS;

	if (s->active_locality != l || (cmd & (cmd - 1)))
		return false;
	if (vtis_tpm2(s)) {
		if ((val & VTIS_STS_COMMAND_CANCEL) &&
		    s->loc[l].state == VTIS_LOC_EXECUTION)
			vtis_cancel(tis);
		if ((val & VTIS_STS_RESET_ESTABLISHMENT) && l >= 3)
			s->established = 0;
	}
	switch (cmd) {
	case VTIS_STS_COMMAND_READY:
		vtis_command_ready(tis, l);
		break;
	case VTIS_STS_GO:
		if (s->loc[l].state == VTIS_LOC_RECEPTION && !vtis_expect(s))
			return vtis_go(tis, l);
		break;
	case VTIS_STS_RESPONSE_RETRY:
		if (s->loc[l].state == VTIS_LOC_COMPLETION)
			s->rw_offset = 0;
		break;
	}
	return false;
}

/*
 * STS as locality @l sees it.  @low_burst_only: the access sees the low
 * byte of burstCount but not the high one.
 */
static u32 vtis_sts_read(const struct vtis_tis_state *s, u8 l,
			 bool low_burst_only)
{
	u32 sts = VTIS_STS_VALID;
	u32 burst = 0;

	if (s->active_locality != l)
		return 0xffffffffU;
	switch (s->loc[l].state) {
	case VTIS_LOC_READY:
		sts |= VTIS_STS_COMMAND_READY;
		burst = VTIS_BUFFER_SIZE - s->len;
		break;
	case VTIS_LOC_RECEPTION:
		if (vtis_expect(s))
			sts |= VTIS_STS_EXPECT;
		burst = VTIS_BUFFER_SIZE - s->len;
		break;
	case VTIS_LOC_COMPLETION:
		if (s->rw_offset < s->len)
			sts |= VTIS_STS_DATA_AVAIL;
		burst = s->len - s->rw_offset;
		break;
	default:
		break;
	}
	if (low_burst_only && burst > 0xff)
		burst = 0xff;
	if (vtis_tpm2(s))
		sts |= VTIS_STS_FAMILY_2_0;
	return sts | (burst << VTIS_STS_BURST_SHIFT);
}

static u8 vtis_access_read(const struct vtis_tis_state *s, u8 l)
{
	u8 val = VTIS_ACCESS_REG_VALID;

	val |= s->loc[l].access & VTIS_ACCESS_BEEN_SEIZED;
	if (s->active_locality == l)
		val |= VTIS_ACCESS_ACTIVE_LOCALITY;
	if (s->pending & (1U << l))
		val |= VTIS_ACCESS_REQUEST_USE;
	if (s->pending & VTIS_ALL_LOCS & ~(1U << l))
		val |= VTIS_ACCESS_PENDING_REQUEST;
	if (!s->established)
		val |= VTIS_ACCESS_ESTABLISHMENT;
	return val;
}

static u8 vtis_fifo_read(struct vtis_tis_state *s, u8 l)
{
	if (s->active_locality != l ||
	    s->loc[l].state != VTIS_LOC_COMPLETION || s->rw_offset >= s->len)
		return 0xff;
	return s->buf[s->rw_offset++];
}

static void vtis_fifo_write(struct vtis_tis *tis, u8 l, u8 byte)
{
	struct vtis_tis_state *s = &tis->s;
	struct vtis_tis_loc *loc = &s->loc[l];
	bool expected;

	if (s->active_locality != l)
		return;
	if (loc->state == VTIS_LOC_READY) {
		loc->state = VTIS_LOC_RECEPTION;
		vtis_clear_buffer(s);
	} else if (loc->state != VTIS_LOC_RECEPTION) {
		return;
	}
	expected = vtis_expect(s);
	if (s->len < VTIS_BUFFER_SIZE)
		s->buf[s->len++] = byte;
	else
		s->flags |= VTIS_FLAG_OVERFLOW;
	s->rw_offset = s->len;
	if (expected && !vtis_expect(s))
		vtis_raise(tis, l, VTIS_INT_STS_VALID);
}

enum vtis_reg vtis_tis_reg_at(u32 offset)
{
	u32 off = offset & VTIS_PAGE_MASK;

	if ((off >= VTIS_REG_XDATA_FIFO && off <= VTIS_REG_XDATA_FIFO_END) ||
	    (off & ~3U) == VTIS_REG_DATA_FIFO)
		return VTIS_R_FIFO;
	switch (off & ~3U) {
	case VTIS_REG_ACCESS:
		return VTIS_R_ACCESS;
	case VTIS_REG_INT_ENABLE:
		return VTIS_R_INT_ENABLE;
	case VTIS_REG_INT_VECTOR:
		return VTIS_R_INT_VECTOR;
	case VTIS_REG_INT_STATUS:
		return VTIS_R_INT_STATUS;
	case VTIS_REG_INTF_CAPABILITY:
		return VTIS_R_INTF_CAPABILITY;
	case VTIS_REG_STS:
		return VTIS_R_STS;
	case VTIS_REG_INTERFACE_ID:
		return VTIS_R_INTERFACE_ID;
	case VTIS_REG_DID_VID:
		return VTIS_R_DID_VID;
	case VTIS_REG_RID:
		return VTIS_R_RID;
	default:
		return VTIS_R_NONE;
	}
}

/* A 32-bit register's value; @bytes: which of its bytes the access sees */
static u32 vtis_reg_read(const struct vtis_tis_state *s, u8 l,
			 enum vtis_reg reg, u32 bytes)
{
	switch (reg) {
	case VTIS_R_ACCESS:
		return vtis_access_read(s, l);
	case VTIS_R_INT_ENABLE:
		return s->loc[l].int_enable;
	case VTIS_R_INT_VECTOR:
		return s->int_vector;
	case VTIS_R_INT_STATUS:
		return s->loc[l].int_status;
	case VTIS_R_INTF_CAPABILITY:
		return vtis_tpm2(s) ? VTIS_INTF_CAPABILITY_2_0 :
				      VTIS_INTF_CAPABILITY_1_2;
	case VTIS_R_STS:
		return vtis_sts_read(s, l, (bytes & 0x6) == 0x2);
	case VTIS_R_INTERFACE_ID:
		return vtis_tpm2(s) ? VTIS_INTERFACE_ID_2_0 :
				      VTIS_INTERFACE_ID_1_2;
	case VTIS_R_DID_VID:
		return VTIS_DID_VID;
	case VTIS_R_RID:
		return VTIS_RID;
	default:
		return 0xffffffffU;
	}
}

/*
 * Write the bytes of @val selected by @mask to a 32-bit register; true if
 * that submitted a command.
 */
static bool vtis_reg_write(struct vtis_tis *tis, u8 l, enum vtis_reg reg,
			   u32 val, u32 mask)
{
	struct vtis_tis_state *s = &tis->s;
	struct vtis_tis_loc *loc = &s->loc[l];

	val &= mask;
	switch (reg) {
	case VTIS_R_ACCESS:
		if (mask & 0xff)
			vtis_access_write(tis, l, val);
		break;
	case VTIS_R_INT_ENABLE:
		if (s->active_locality == l)
			loc->int_enable = ((loc->int_enable & ~mask) | val) &
					  VTIS_INT_ENABLE_BITS;
		break;
	case VTIS_R_INT_STATUS:
		if (s->active_locality == l)
			loc->int_status &= ~(val & VTIS_INT_SUPPORTED);
		break;
	case VTIS_R_STS:
		return vtis_sts_write(tis, l, val);
	default:
		/* read-only or reserved */
		break;
	}
	return false;
}

static bool vtis_access_ok(u32 offset, u32 len)
{
	if (len < 1 || len > 8)
		return false;
	if (offset >= VTIS_WINDOW_SIZE || len > VTIS_WINDOW_SIZE - offset)
		return false;
	return (offset >> VTIS_LOCALITY_SHIFT) ==
	       ((offset + len - 1) >> VTIS_LOCALITY_SHIFT);
}

void vtis_tis_read(struct vtis_tis *tis, u32 offset, u32 len, void *val)
{
	u8 *out = val;
	u32 i, n, k, first, off, v;
	enum vtis_reg reg;
	u8 l;

	if (!out || !len || len > 8)
		return;
	if (!vtis_access_ok(offset, len)) {
		memset(out, 0xff, len);
		return;
	}
	l = offset >> VTIS_LOCALITY_SHIFT;
	off = offset & VTIS_PAGE_MASK;
	for (i = 0; i < len; i += n) {
		reg = vtis_tis_reg_at(off + i);
		n = 1;
		if (reg == VTIS_R_FIFO) {
			out[i] = vtis_fifo_read(&tis->s, l);
			continue;
		}
		if (reg == VTIS_R_NONE) {
			out[i] = 0xff;
			continue;
		}
		first = (off + i) & 3;
		n = 4 - first;
		if (n > len - i)
			n = len - i;
		v = vtis_reg_read(&tis->s, l, reg,
				  ((1U << n) - 1) << first);
		for (k = 0; k < n; k++)
			out[i + k] = v >> (8 * (first + k));
	}
}

bool vtis_tis_write(struct vtis_tis *tis, u32 offset, u32 len, const void *val)
{
	const u8 *in = val;
	u32 i, n, k, first, off, v, mask;
	bool submitted = false;
	enum vtis_reg reg;
	u8 l;

	if (!in || !vtis_access_ok(offset, len))
		return false;
	l = offset >> VTIS_LOCALITY_SHIFT;
	if (l == 4)
		return false;
	off = offset & VTIS_PAGE_MASK;
	for (i = 0; i < len; i += n) {
		reg = vtis_tis_reg_at(off + i);
		n = 1;
		if (reg == VTIS_R_FIFO) {
			vtis_fifo_write(tis, l, in[i]);
			continue;
		}
		if (reg == VTIS_R_NONE)
			continue;
		first = (off + i) & 3;
		n = 4 - first;
		if (n > len - i)
			n = len - i;
		v = 0;
		mask = 0;
		for (k = 0; k < n; k++) {
			v |= (u32)in[i + k] << (8 * (first + k));
			mask |= 0xffU << (8 * (first + k));
		}
		if (vtis_reg_write(tis, l, reg, v, mask))
			submitted = true;
	}
	vtis_update_irq(tis);
	return submitted;
}

bool vtis_tis_response(struct vtis_tis *tis, const u8 *rsp, u32 len)
{
	struct vtis_tis_state *s = &tis->s;
	u8 l = s->next_locality;
	u8 target;

	if (!s->busy || !vtis_is_loc(l))
		return false;
	s->busy = 0;
	s->next_locality = VTIS_NO_LOCALITY;
	if (s->flags & VTIS_FLAG_ABORT) {
		/* the answer to an aborted command is dropped */
		vtis_event(tis, VTIS_EV_COMPLETE, l, l, VTIS_EVR_DROPPED, 0, 0,
			   0);
		target = s->aborting_locality;
		s->flags &= ~VTIS_FLAG_ABORT;
		s->aborting_locality = VTIS_NO_LOCALITY;
		if (target == l && s->active_locality == l) {
			vtis_clear_buffer(s);
			s->loc[l].state = VTIS_LOC_READY;
			vtis_raise(tis, l, VTIS_INT_COMMAND_READY);
		} else {
			vtis_clear_buffer(s);
			s->loc[l].state = VTIS_LOC_IDLE;
			vtis_finish_switch(tis, target);
		}
	} else if (!rsp || len < VTIS_HEADER_SIZE || len > VTIS_BUFFER_SIZE ||
		   vtis_get_be32(rsp + 2) != len) {
		vtis_error_response(tis, l, vtis_failure_rc(s));
		vtis_event(tis, VTIS_EV_COMPLETE, l, l,
			   rsp ? VTIS_EVR_BAD_RESPONSE : VTIS_EVR_FAILED,
			   vtis_failure_rc(s), 0, s->len);
	} else {
		memmove(s->buf, rsp, len);
		s->len = len;
		s->rw_offset = 0;
		s->loc[l].state = VTIS_LOC_COMPLETION;
		vtis_raise(tis, l, VTIS_INT_DATA_AVAIL | VTIS_INT_STS_VALID);
		vtis_event(tis, VTIS_EV_COMPLETE, l, l, VTIS_EVR_OK,
			   vtis_get_be32(s->buf + 6), 0, len);
	}
	vtis_update_irq(tis);
	return true;
}

void vtis_tis_backend_error(struct vtis_tis *tis)
{
	vtis_tis_response(tis, NULL, 0);
}

void vtis_tis_reset(struct vtis_tis *tis)
{
	struct vtis_tis_state *s = &tis->s;
	int l;

	s->active_locality = VTIS_NO_LOCALITY;
	s->aborting_locality = VTIS_NO_LOCALITY;
	s->next_locality = VTIS_NO_LOCALITY;
	s->pending = 0;
	s->busy = 0;
	s->flags = 0;
	s->rw_offset = 0;
	s->len = 0;
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
		memset(&s->loc[l], 0, sizeof(s->loc[l]));
		s->loc[l].state = VTIS_LOC_IDLE;
		s->loc[l].int_enable = VTIS_INT_ENABLE_RESET;
	}
	memset(s->buf, 0, VTIS_BUFFER_SIZE);
	vtis_update_irq(tis);
}

void vtis_tis_init(struct vtis_tis *tis, enum vtis_family family,
		   const struct vtis_tis_ops *ops, void *priv, u8 *buf)
{
	memset(tis, 0, sizeof(*tis));
	tis->ops = ops;
	tis->priv = priv;
	tis->s.buf = buf;
	tis->s.version = VTIS_STATE_VERSION;
	tis->s.family = family == VTIS_FAMILY_1_2 ? VTIS_FAMILY_1_2 :
						    VTIS_FAMILY_2_0;
	vtis_tis_reset(tis);
}

static int vtis_loc_check(const struct vtis_tis_loc *loc)
{
	if (loc->state >= VTIS_LOC_NR_STATES || loc->pad[0] || loc->pad[1])
		return -EINVAL;
	if (loc->access & ~(VTIS_ACCESS_SEIZE | VTIS_ACCESS_BEEN_SEIZED))
		return -EINVAL;
	if ((loc->int_enable & ~VTIS_INT_ENABLE_BITS) ||
	    (loc->int_status & ~VTIS_INT_SUPPORTED))
		return -EINVAL;
	return 0;
}

int vtis_tis_state_check(const struct vtis_tis_state *st)
{
	u8 active, state = VTIS_LOC_IDLE, reason;
	bool executing;
	u32 seizers;
	int l;

	if (!st || !st->buf || st->version != VTIS_STATE_VERSION)
		return -EINVAL;
	if (st->family != VTIS_FAMILY_1_2 && st->family != VTIS_FAMILY_2_0)
		return -EINVAL;
	active = st->active_locality;
	if (!vtis_is_loc_or_none(active) ||
	    !vtis_is_loc_or_none(st->aborting_locality) ||
	    !vtis_is_loc_or_none(st->next_locality))
		return -EINVAL;
	if (st->established > 1 || st->busy > 1 ||
	    (st->flags & ~VTIS_FLAGS_ALL) || (st->pending & ~VTIS_ALL_LOCS))
		return -EINVAL;
	if (vtis_is_loc(active) && (st->pending & (1U << active)))
		return -EINVAL;
	if (st->len > VTIS_BUFFER_SIZE || st->rw_offset > st->len)
		return -EINVAL;
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
		if (vtis_loc_check(&st->loc[l]))
			return -EINVAL;
		if (l != active && st->loc[l].state != VTIS_LOC_IDLE)
			return -EINVAL;
	}
	if (vtis_is_loc(active))
		state = st->loc[active].state;

	/* a command in flight belongs to the active locality */
	executing = state == VTIS_LOC_EXECUTION;
	if (st->busy != executing)
		return -EINVAL;
	if (st->next_locality != (st->busy ? active : VTIS_NO_LOCALITY))
		return -EINVAL;
	/* deferred switches and seizes only wait for a command in flight */
	if (st->flags & VTIS_FLAG_ABORT) {
		if (!st->busy)
			return -EINVAL;
	} else if (st->aborting_locality != VTIS_NO_LOCALITY) {
		return -EINVAL;
	}
	seizers = vtis_seizers(st);
	if (seizers && (!(st->flags & VTIS_FLAG_ABORT) ||
			(seizers & (seizers - 1))))
		return -EINVAL;
	/*
	 * A seizer is above the active locality, and the deferred switch
	 * goes to it or to a higher pending locality.
	 */
	if (seizers && ((vtis_is_loc(active) && (1U << active) >= seizers) ||
			!vtis_is_loc(st->aborting_locality) ||
			(1U << st->aborting_locality) < seizers))
		return -EINVAL;
	if ((st->flags & VTIS_FLAG_OVERFLOW) &&
	    (state != VTIS_LOC_RECEPTION || st->len != VTIS_BUFFER_SIZE))
		return -EINVAL;

	switch (state) {
	case VTIS_LOC_IDLE:
	case VTIS_LOC_READY:
		if (st->len)
			return -EINVAL;
		break;
	case VTIS_LOC_RECEPTION:
		if (!st->len || st->rw_offset != st->len)
			return -EINVAL;
		break;
	case VTIS_LOC_EXECUTION:
		/* the owner resubmits it: only what tpmGo would forward */
		if (vtis_check_command(st, &reason))
			return -EINVAL;
		break;
	default:	/* a response, as the core hands them out */
		if (st->len < VTIS_HEADER_SIZE ||
		    vtis_get_be32(st->buf + 2) != st->len)
			return -EINVAL;
		break;
	}
	return 0;
}

int vtis_tis_load_state(struct vtis_tis *tis, const struct vtis_tis_state *st)
{
	if (vtis_tis_state_check(st))
		return -EINVAL;
	vtis_tis_state_copy(&tis->s, st);
	vtis_update_irq(tis);
	return 0;
}

void vtis_tis_state_copy(struct vtis_tis_state *dst,
			 const struct vtis_tis_state *src)
{
	if (dst == src)
		return;
	memcpy(dst, src, VTIS_STATE_FIELDS_SIZE);
	if (dst->buf != src->buf)
		memcpy(dst->buf, src->buf, VTIS_BUFFER_SIZE);
}
