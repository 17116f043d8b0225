// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites of the CRB core (kmod/crb.c): its registers and reset
 * state (vtis_crb_regs), localities (vtis_crb_loc), the command state
 * machine and the backend's answers (vtis_crb_cmd), and the register
 * sequences of Linux's tpm_crb (the same in 6.1 and 6.12 for ACPI start
 * method 7) and EDK2's CRB driver replayed against it (vtis_crb_drivers).
 * The fixture is its own (vtc_: a CRB core on the TIS suites' fake
 * backend, struct vtt_fake); the TPM commands come from
 * tis_test_helpers.c.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "crb.h"
#include "tis_test.h"

#define VTC_BASE	0xfed40000ULL
#define VTC_LOC(l, reg)	(((u32)(l) << VTIS_LOCALITY_SHIFT) + (reg))
#define VTC_BUF(l)	VTC_LOC(l, VTIS_CRB_BUF_OFFSET)

struct vtc_ctx {
	struct kunit *test;
	struct vtis_crb crb;
	u8 buf[VTIS_BUFFER_SIZE];
	struct vtt_fake fk;
	int mmio;
	struct vtis_tis_event ev[VTT_MAX_EVENTS];
	int nev;
};

static void vtc_submit(struct vtis_crb *crb, const u8 *cmd, u32 len, u8 l)
{
	struct vtc_ctx *c = crb->priv;

	vtt_fake_submit(&c->fk, cmd, len, l);
	if (c->fk.sync_rsp)
		vtis_crb_response(crb, c->fk.sync_rsp, c->fk.sync_len);
}

static void vtc_cancel(struct vtis_crb *crb)
{
	struct vtc_ctx *c = crb->priv;

	c->fk.cancels++;
}

static void vtc_irq(struct vtis_crb *crb, bool level)
{
	struct vtc_ctx *c = crb->priv;

	vtt_fake_irq(&c->fk, level);
}

static const struct vtis_crb_ops vtc_ops = {
	.submit = vtc_submit,
	.cancel = vtc_cancel,
	.irq_line = vtc_irq,
};

static void vtc_event(struct vtis_crb *crb, const struct vtis_tis_event *ev)
{
	struct vtc_ctx *c = crb->priv;

	if (c->nev < ARRAY_SIZE(c->ev))
		c->ev[c->nev] = *ev;
	c->nev++;
}

static struct vtc_ctx *vtc_mk_at(struct kunit *test, u64 base)
{
	struct vtc_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->test = test;
	vtis_crb_init(&c->crb, &vtc_ops, c, base, c->buf);
	c->crb.event = vtc_event;
	return c;
}

static struct vtc_ctx *vtc_mk(struct kunit *test)
{
	return vtc_mk_at(test, VTC_BASE);
}

static u64 vtc_rd(struct vtc_ctx *c, u32 off, u32 len)
{
	u8 b[8];
	u64 v = 0;
	u32 i;

	c->mmio++;
	vtis_crb_read(&c->crb, off, len, b);
	for (i = 0; i < len; i++)
		v |= (u64)b[i] << (8 * i);
	return v;
}

static bool vtc_wr(struct vtc_ctx *c, u32 off, u32 len, u64 v)
{
	u8 b[8];
	u32 i;

	c->mmio++;
	for (i = 0; i < len; i++)
		b[i] = v >> (8 * i);
	return vtis_crb_write(&c->crb, off, len, b);
}

static u32 vtc_rd32(struct vtc_ctx *c, u8 l, u32 reg)
{
	return vtc_rd(c, VTC_LOC(l, reg), 4);
}

static bool vtc_wr32(struct vtc_ctx *c, u8 l, u32 reg, u32 v)
{
	return vtc_wr(c, VTC_LOC(l, reg), 4, v);
}

/*
 * memcpy_toio() on x86 to the aligned buffer: 4-byte moves (rep movsl),
 * then a 2-byte move (movsw) and a byte (movsb) for the tail.
 */
static void vtc_put(struct vtc_ctx *c, u8 l, const u8 *p, u32 len)
{
	u32 i = 0, v;

	for (; i + 4 <= len; i += 4) {
		v = p[i] | p[i + 1] << 8 | p[i + 2] << 16 | (u32)p[i + 3] << 24;
		vtc_wr(c, VTC_BUF(l) + i, 4, v);
	}
	if (len - i >= 2) {
		vtc_wr(c, VTC_BUF(l) + i, 2, p[i] | p[i + 1] << 8);
		i += 2;
	}
	if (i < len)
		vtc_wr(c, VTC_BUF(l) + i, 1, p[i]);
}

/* memcpy_fromio() on x86 of @len bytes at @at in the buffer, the same way. */
static void vtc_get_at(struct vtc_ctx *c, u8 l, u32 at, u8 *p, u32 len)
{
	u32 i = 0, v;

	for (; i + 4 <= len; i += 4) {
		v = vtc_rd(c, VTC_BUF(l) + at + i, 4);
		p[i] = v;
		p[i + 1] = v >> 8;
		p[i + 2] = v >> 16;
		p[i + 3] = v >> 24;
	}
	if (len - i >= 2) {
		v = vtc_rd(c, VTC_BUF(l) + at + i, 2);
		p[i] = v;
		p[i + 1] = v >> 8;
		i += 2;
	}
	if (i < len)
		p[i] = vtc_rd(c, VTC_BUF(l) + at + i, 1);
}

static void vtc_get(struct vtc_ctx *c, u8 l, u8 *p, u32 len)
{
	vtc_get_at(c, l, 0, p, len);
}

static void vtc_request(struct vtc_ctx *c, u8 l)
{
	vtc_wr32(c, l, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_REQUEST);
}

static void vtc_relinquish(struct vtc_ctx *c, u8 l)
{
	vtc_wr32(c, l, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_RELINQUISH);
}

/* Locality @l, cmdReady, the command in, START: true if submitted. */
static bool vtc_send(struct vtc_ctx *c, u8 l, const u8 *cmd, u32 len)
{
	vtc_request(c, l);
	vtc_wr32(c, l, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_CMD_READY);
	vtc_put(c, l, cmd, len);
	return vtc_wr32(c, l, VTIS_CRB_CTRL_START, VTIS_CRB_START);
}

static u32 vtc_rc(struct vtc_ctx *c, u8 l)
{
	u8 h[VTIS_HEADER_SIZE];

	vtc_get(c, l, h, sizeof(h));
	return vtt_get32(h + 6);
}

/* ==== vtis_crb_regs: identification, addresses, reset state ==== */

static void t_reset_loc_state(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	int l;

	for (l = 0; l < VTIS_CRB_NUM_LOCALITIES; l++) {
		KUNIT_EXPECT_EQ(test, vtc_rd32(c, l, VTIS_CRB_LOC_STATE),
				(u32)(VTIS_CRB_LOC_STATE_REG_VALID |
				      VTIS_CRB_LOC_STATE_NOT_ESTABLISHED));
		KUNIT_EXPECT_EQ(test, vtc_rd32(c, l, VTIS_CRB_LOC_STS), 0U);
	}
}

static void t_reset_idle(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS),
			(u32)VTIS_CRB_STS_IDLE);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START), 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_CANCEL), 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_INT_ENABLE), 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_INT_STS), 0U);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
}

static void t_intf_id_fields(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	u32 lo = vtc_rd32(c, 0, VTIS_CRB_INTF_ID);

	KUNIT_EXPECT_EQ(test, lo & 0xf, 1U);		/* CRB */
	KUNIT_EXPECT_EQ(test, (lo >> 4) & 0xf, 1U);	/* version 1 */
	KUNIT_EXPECT_EQ(test, (lo >> 8) & 1, 1U);	/* five localities */
	KUNIT_EXPECT_EQ(test, (lo >> 9) & 1, 0U);	/* no idle bypass */
	KUNIT_EXPECT_EQ(test, (lo >> 11) & 3, 3U);	/* 64-byte transfers */
	KUNIT_EXPECT_EQ(test, (lo >> 13) & 1, 0U);	/* no FIFO */
	KUNIT_EXPECT_EQ(test, (lo >> 14) & 1, 1U);	/* CapCRB */
	KUNIT_EXPECT_EQ(test, (lo >> 17) & 3, 1U);	/* CRB selected */
	KUNIT_EXPECT_EQ(test, lo >> 24, 1U);		/* RID */
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_INTF_ID + 4),
			0x00011014U);			/* DID 1, VID IBM */
	KUNIT_EXPECT_NE(test, vtc_rd(c, 0, 1), 0xffULL);  /* EDK2's presence */
}

static void t_intf_id_wide_and_narrow(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTIS_CRB_INTF_ID, 8),
			(u64)VTIS_CRB_INTF_ID_HI << 32 | VTIS_CRB_INTF_ID_LO);
	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTIS_CRB_INTF_ID + 1, 2),
			(u64)((VTIS_CRB_INTF_ID_LO >> 8) & 0xffff));
	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTIS_CRB_INTF_ID + 4, 2), 0x1014ULL);
	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTIS_CRB_INTF_ID + 6, 2), 0x0001ULL);
	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTC_LOC(3, VTIS_CRB_INTF_ID), 4),
			(u64)VTIS_CRB_INTF_ID_LO);
}

static void t_buffer_addresses(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk_at(test, 0x1fed40000ULL);
	int l;

	for (l = 0; l < VTIS_CRB_NUM_LOCALITIES; l++) {
		u64 want = 0x1fed40000ULL + l * 0x1000 + 0x80;

		KUNIT_EXPECT_EQ(test, vtc_rd32(c, l, VTIS_CRB_CMD_LADDR),
				(u32)want);
		KUNIT_EXPECT_EQ(test, vtc_rd32(c, l, VTIS_CRB_CMD_HADDR), 1U);
		KUNIT_EXPECT_EQ(test, vtc_rd(c, VTC_LOC(l, VTIS_CRB_RSP_ADDR), 8),
				want);
		KUNIT_EXPECT_EQ(test, vtc_rd32(c, l, VTIS_CRB_CMD_SIZE), 0xf80U);
		KUNIT_EXPECT_EQ(test, vtc_rd32(c, l, VTIS_CRB_RSP_SIZE), 0xf80U);
	}
}

static void t_address_writes_ignored(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_wr32(c, 0, VTIS_CRB_CMD_LADDR, 0x1234);
	vtc_wr32(c, 0, VTIS_CRB_CMD_HADDR, 0x5678);
	vtc_wr32(c, 0, VTIS_CRB_CMD_SIZE, 0x10);
	vtc_wr(c, VTIS_CRB_RSP_ADDR, 8, 0xdeadbeef00001000ULL);
	vtc_wr32(c, 0, VTIS_CRB_RSP_SIZE, 0x10);
	vtc_wr(c, VTIS_CRB_CTRL_EXT, 8, ~0ULL);
	vtc_wr(c, VTIS_CRB_INTF_ID, 8, 0);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CMD_LADDR), 0xfed40080U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CMD_HADDR), 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTIS_CRB_RSP_ADDR, 8), 0xfed40080ULL);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CMD_SIZE), 0xf80U);
	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTIS_CRB_CTRL_EXT, 8), 0ULL);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_INTF_ID),
			VTIS_CRB_INTF_ID_LO);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
}

static void t_reserved_read_zero(struct kunit *test)
{
	static const u32 regs[] = { 0x04, 0x10, 0x14, 0x18, 0x1c, 0x20, 0x2c,
				    0x70, 0x74, 0x78, 0x7c,
				    VTIS_CRB_LOC_CTRL, VTIS_CRB_CTRL_REQ };
	struct vtc_ctx *c = vtc_mk(test);
	int i;

	vtc_request(c, 0);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_CMD_READY);
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		KUNIT_EXPECT_EQ_MSG(test, vtc_rd32(c, 0, regs[i]), 0U,
				    "register %#x", regs[i]);
	KUNIT_EXPECT_EQ(test, vtc_rd(c, 0x1b, 1), 0ULL);
}

static void t_outside_window(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	u8 b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTIS_CRB_WINDOW_SIZE, 4), 0xffffffffULL);
	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTIS_CRB_WINDOW_SIZE - 2, 4),
			0xffffffffULL);
	/* an access that crosses into the next page: all ones, no effect */
	KUNIT_EXPECT_EQ(test, vtc_rd(c, 0xffc, 8), ~0ULL);
	KUNIT_EXPECT_FALSE(test, vtis_crb_write(&c->crb, 0xffe + 0x1000, 4, b));
	KUNIT_EXPECT_FALSE(test, vtis_crb_write(&c->crb, 0, 0, b));
	KUNIT_EXPECT_FALSE(test, vtis_crb_write(&c->crb, 0, 9, b));
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_LOC_STATE) &
			VTIS_CRB_LOC_STATE_ASSIGNED, 0U);
}

static void t_int_enable_bytes(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_wr32(c, 0, VTIS_CRB_INT_ENABLE, 0xffffffff);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_INT_ENABLE),
			VTIS_CRB_INT_SUPPORTED | VTIS_CRB_INT_GLOBAL);
	/* the top byte alone: the low bits stay */
	vtc_wr(c, VTIS_CRB_INT_ENABLE + 3, 1, 0);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_INT_ENABLE),
			VTIS_CRB_INT_SUPPORTED);
	vtc_wr(c, VTIS_CRB_INT_ENABLE, 1, VTIS_CRB_INT_START);
	vtc_wr(c, VTIS_CRB_INT_ENABLE + 3, 1, 0x80);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_INT_ENABLE),
			VTIS_CRB_INT_START | VTIS_CRB_INT_GLOBAL);
}

/* ==== vtis_crb_loc: localities ==== */

static void t_request_and_relinquish(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_LOC_STATE) & 0x9e, 0x82U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_LOC_STS),
			(u32)VTIS_CRB_LOC_STS_GRANTED);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 1, VTIS_CRB_LOC_STS), 0U);
	vtc_relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_LOC_STATE) & 0x82, 0x80U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_LOC_STS), 0U);
	KUNIT_EXPECT_EQ(test, c->nev, 2);
	KUNIT_EXPECT_EQ(test, c->ev[0].type, (u8)VTIS_EV_LOCALITY);
	KUNIT_EXPECT_EQ(test, c->ev[1].locality, (u8)VTIS_NO_LOCALITY);
}

static void t_active_locality_field(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	int l;

	for (l = 0; l < VTIS_CRB_NUM_LOCALITIES; l++) {
		vtc_request(c, l);
		KUNIT_EXPECT_EQ(test, (vtc_rd32(c, 0, VTIS_CRB_LOC_STATE) >> 2) & 7,
				(u32)l);
		KUNIT_EXPECT_EQ(test, vtc_rd32(c, l, VTIS_CRB_LOC_STS),
				(u32)VTIS_CRB_LOC_STS_GRANTED);
		vtc_relinquish(c, l);
	}
}

static void t_request_waits(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 1);
	vtc_request(c, 2);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 1);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 2, VTIS_CRB_LOC_STS), 0U);
	vtc_relinquish(c, 1);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 2);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 2, VTIS_CRB_LOC_STS),
			(u32)VTIS_CRB_LOC_STS_GRANTED);
}

static void t_highest_waiting_wins(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_request(c, 1);
	vtc_request(c, 3);
	vtc_request(c, 2);
	vtc_relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 3);
	vtc_relinquish(c, 3);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 2);
}

static void t_withdraw_request(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_request(c, 2);
	vtc_relinquish(c, 2);		/* withdraws its request */
	vtc_relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, VTIS_NO_LOCALITY);
}

static void t_seize(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 1);
	vtc_wr32(c, 3, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_SEIZE);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 3);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 1, VTIS_CRB_LOC_STS),
			(u32)VTIS_CRB_LOC_STS_BEEN_SEIZED);
	vtc_request(c, 1);		/* clears beenSeized, waits */
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 1, VTIS_CRB_LOC_STS), 0U);
	vtc_relinquish(c, 3);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 1);
}

static void t_seize_by_lower_ignored(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 3);
	vtc_wr32(c, 1, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_SEIZE);
	vtc_wr32(c, 3, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_SEIZE);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 3);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 3, VTIS_CRB_LOC_STS),
			(u32)VTIS_CRB_LOC_STS_GRANTED);
	/* and with none active, seize does not take the locality */
	vtc_relinquish(c, 3);
	vtc_wr32(c, 2, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_SEIZE);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, VTIS_NO_LOCALITY);
}

static void t_locality_change_interrupt(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_wr32(c, 0, VTIS_CRB_INT_ENABLE, VTIS_CRB_INT_GLOBAL |
		 VTIS_CRB_INT_LOC_CHANGE);
	vtc_wr32(c, 0, VTIS_CRB_INT_STS, ~0U);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	vtc_request(c, 2);
	vtc_relinquish(c, 0);
	KUNIT_EXPECT_TRUE(test, vtc_rd32(c, 2, VTIS_CRB_INT_STS) &
			  VTIS_CRB_INT_LOC_CHANGE);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	vtc_wr32(c, 2, VTIS_CRB_INT_STS, VTIS_CRB_INT_LOC_CHANGE);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 2, VTIS_CRB_INT_STS), 0U);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, c->fk.irq_edges, 2);
}

static void t_inactive_locality_ignored(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_put(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_FALSE(test, vtc_wr32(c, 2, VTIS_CRB_CTRL_START, 1));
	vtc_wr32(c, 2, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_CMD_READY);
	vtc_wr32(c, 2, VTIS_CRB_INT_ENABLE, ~0U);
	vtc_wr(c, VTC_BUF(2), 4, 0x11223344);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS),
			(u32)VTIS_CRB_STS_IDLE);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_INT_ENABLE), 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTC_BUF(2), 4), 0xffffffffULL);
	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTC_BUF(0), 2), 0x0180ULL);
}

static void t_reset_establishment(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_wr32(c, 0, VTIS_CRB_INT_ENABLE, VTIS_CRB_INT_GLOBAL |
		 VTIS_CRB_INT_EST_CLEAR);
	vtc_wr32(c, 0, VTIS_CRB_INT_STS, ~0U);
	vtc_wr32(c, 0, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_RESET_EST);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_INT_STS), 0U);
	vtc_wr32(c, 3, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_RESET_EST);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_INT_STS),
			(u32)VTIS_CRB_INT_EST_CLEAR);
	KUNIT_EXPECT_TRUE(test, vtc_rd32(c, 0, VTIS_CRB_LOC_STATE) &
			  VTIS_CRB_LOC_STATE_NOT_ESTABLISHED);
}

static void t_relinquish_while_executing(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	KUNIT_ASSERT_TRUE(test, vtc_send(c, 1, vtt_tpm2_getrandom,
					 sizeof(vtt_tpm2_getrandom)));
	KUNIT_EXPECT_EQ(test, c->fk.cmd_loc, 1);
	vtc_request(c, 0);		/* waits */
	vtc_relinquish(c, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	/* the change waits for the backend */
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 1);
	KUNIT_EXPECT_TRUE(test, vtis_crb_response(&c->crb,
						  vtt_tpm2_getrandom_rsp,
						  sizeof(vtt_tpm2_getrandom_rsp)));
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 0);	/* was waiting */
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS),
			(u32)VTIS_CRB_STS_IDLE);
	KUNIT_EXPECT_EQ(test, c->ev[c->nev - 2].reason, (u8)VTIS_EVR_DROPPED);
}

static void t_seize_while_executing(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	KUNIT_ASSERT_TRUE(test, vtc_send(c, 0, vtt_tpm2_getrandom,
					 sizeof(vtt_tpm2_getrandom)));
	vtc_wr32(c, 4, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_SEIZE);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 0);
	/* locality 0's control area no longer acts meanwhile */
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_GO_IDLE);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START), 1U);
	vtis_crb_response(&c->crb, NULL, 0);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 4);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_LOC_STS),
			(u32)VTIS_CRB_LOC_STS_BEEN_SEIZED);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 4, VTIS_CRB_CTRL_START), 0U);
	/* the new locality sends at once */
	KUNIT_EXPECT_TRUE(test, vtc_send(c, 4, vtt_tpm2_getrandom,
					 sizeof(vtt_tpm2_getrandom)));
	KUNIT_EXPECT_EQ(test, c->fk.cmd_loc, 4);
}

/* ==== vtis_crb_cmd: the state machine and the backend's answers ==== */

static void t_cmd_ready_and_go_idle(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_CMD_READY);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_REQ), 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS), 0U);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_GO_IDLE);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_REQ), 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS),
			(u32)VTIS_CRB_STS_IDLE);
	/* both bits at once: nothing */
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, 3);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS),
			(u32)VTIS_CRB_STS_IDLE);
	/* a write of the second byte alone: nothing */
	vtc_wr(c, VTIS_CRB_CTRL_REQ + 1, 1, 1);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS),
			(u32)VTIS_CRB_STS_IDLE);
}

static void t_cmd_ready_interrupt(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_wr32(c, 0, VTIS_CRB_INT_ENABLE, VTIS_CRB_INT_GLOBAL |
		 VTIS_CRB_INT_CMD_READY);
	vtc_wr32(c, 0, VTIS_CRB_INT_STS, ~0U);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_CMD_READY);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	vtc_wr32(c, 0, VTIS_CRB_INT_STS, VTIS_CRB_INT_CMD_READY);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
}

static void t_start_submits(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	KUNIT_EXPECT_TRUE(test, vtc_send(c, 2, vtt_tpm2_getrandom,
					 sizeof(vtt_tpm2_getrandom)));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_len, (u32)sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, vtt_tpm2_getrandom,
				     sizeof(vtt_tpm2_getrandom)), 0);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_loc, 2);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 2, VTIS_CRB_CTRL_START), 1U);
	KUNIT_EXPECT_TRUE(test, vtis_crb_busy(&c->crb));
	/* the buffer is the TPM's while it runs */
	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTC_BUF(2), 4), 0xffffffffULL);
	vtc_wr(c, VTC_BUF(2), 4, 0);
	KUNIT_EXPECT_EQ(test, c->buf[0], 0x80);
	KUNIT_EXPECT_EQ(test, c->ev[c->nev - 1].type, (u8)VTIS_EV_SUBMIT);
	KUNIT_EXPECT_EQ(test, c->ev[c->nev - 1].ordinal, 0x17bU);
}

static void t_response_completes(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	u8 out[sizeof(vtt_tpm2_getrandom_rsp)];

	vtc_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtc_wr32(c, 0, VTIS_CRB_INT_ENABLE, VTIS_CRB_INT_GLOBAL |
		 VTIS_CRB_INT_START);
	vtc_wr32(c, 0, VTIS_CRB_INT_STS, ~0U);
	KUNIT_EXPECT_TRUE(test, vtis_crb_response(&c->crb,
						  vtt_tpm2_getrandom_rsp,
						  sizeof(out)));
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START), 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS), 0U);
	vtc_get(c, 0, out, sizeof(out));
	KUNIT_EXPECT_EQ(test, memcmp(out, vtt_tpm2_getrandom_rsp, sizeof(out)),
			0);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, c->ev[c->nev - 1].reason, (u8)VTIS_EVR_OK);
	KUNIT_EXPECT_FALSE(test, vtis_crb_response(&c->crb, out, sizeof(out)));
}

static void t_next_command_without_cmd_ready(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_crb_response(&c->crb, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	vtc_put(c, 0, vtt_tpm2_probe_cmd, sizeof(vtt_tpm2_probe_cmd));
	KUNIT_EXPECT_TRUE(test, vtc_wr32(c, 0, VTIS_CRB_CTRL_START, 1));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 2);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_len, (u32)sizeof(vtt_tpm2_probe_cmd));
}

static void t_start_from_idle(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_put(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, vtc_wr32(c, 0, VTIS_CRB_CTRL_START, 1));
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS), 0U);
}

static void t_start_ignored(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_put(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_FALSE(test, vtc_wr32(c, 0, VTIS_CRB_CTRL_START, 0));
	KUNIT_EXPECT_FALSE(test, vtc_wr32(c, 0, VTIS_CRB_CTRL_START, 2));
	KUNIT_EXPECT_FALSE(test, vtc_wr(c, VTIS_CRB_CTRL_START + 1, 1, 1));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	KUNIT_EXPECT_TRUE(test, vtc_wr32(c, 0, VTIS_CRB_CTRL_START, 1));
	/* while it runs: a second START, cmdReady and goIdle do nothing */
	KUNIT_EXPECT_FALSE(test, vtc_wr32(c, 0, VTIS_CRB_CTRL_START, 1));
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_GO_IDLE);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_CMD_READY);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START), 1U);
}

/* A command of @len bytes whose size field says @size: the answer's rc. */
static u32 vtc_bad_command(struct kunit *test, u32 size, u32 ord, u32 len,
			   u8 reason)
{
	struct vtc_ctx *c = vtc_mk(test);
	u8 *cmd = vtt_mkcmd(test, VTIS_TPM2_ST_NO_SESSIONS, size, ord, len);

	if (reason == VTIS_EVR_PREFIX) {
		cmd[0] = 0;
		cmd[1] = 0;
	}
	KUNIT_EXPECT_FALSE(test, vtc_send(c, 0, cmd, len));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START), 0U);
	KUNIT_EXPECT_EQ(test, c->ev[c->nev - 1].type, (u8)VTIS_EV_REJECT);
	KUNIT_EXPECT_EQ(test, c->ev[c->nev - 1].reason, reason);
	return vtc_rc(c, 0);
}

static void t_short_command(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vtc_bad_command(test, 6, 0x17b, 12,
					      VTIS_EVR_SIZE),
			VTIS_TPM2_RC_COMMAND_SIZE);
}

static void t_oversize_command(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vtc_bad_command(test, VTIS_CRB_BUF_SIZE + 1,
					      0x17b, 12, VTIS_EVR_SIZE),
			VTIS_TPM2_RC_COMMAND_SIZE);
}

static void t_prefix_command(struct kunit *test)
{
	/* swtpm's "TCG prefix" form starts 00 00 00 08 */
	KUNIT_EXPECT_EQ(test, vtc_bad_command(test, 0x0008000c, 0x17b, 12,
					      VTIS_EVR_PREFIX),
			VTIS_TPM2_RC_COMMAND_CODE);
}

static void t_vendor_ordinal(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vtc_bad_command(test, 12, VTIS_ORD_SET_LOCALITY,
					      12, VTIS_EVR_VENDOR),
			VTIS_TPM2_RC_COMMAND_CODE);
}

static void t_largest_command(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	u8 *cmd = vtt_mkcmd(test, VTIS_TPM2_ST_NO_SESSIONS, VTIS_CRB_BUF_SIZE,
			    0x17b, VTIS_CRB_BUF_SIZE);

	KUNIT_EXPECT_TRUE(test, vtc_send(c, 0, cmd, VTIS_CRB_BUF_SIZE));
	KUNIT_EXPECT_EQ(test, c->fk.cmd_len, VTIS_CRB_BUF_SIZE);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, cmd, VTIS_CRB_BUF_SIZE), 0);
}

static void t_bad_responses(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	u8 *lie = vtt_mkcmd(test, VTIS_TPM2_ST_NO_SESSIONS, 30, 0, 20);
	u8 *big = vtt_mkcmd(test, VTIS_TPM2_ST_NO_SESSIONS,
			    VTIS_CRB_BUF_SIZE + 4, 0, VTIS_CRB_BUF_SIZE + 4);

	vtc_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_crb_response(&c->crb, lie, 20);
	KUNIT_EXPECT_EQ(test, vtc_rc(c, 0), VTIS_TPM2_RC_FAILURE);
	KUNIT_EXPECT_EQ(test, c->ev[c->nev - 1].reason,
			(u8)VTIS_EVR_BAD_RESPONSE);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_START, 1);
	vtis_crb_response(&c->crb, big, VTIS_CRB_BUF_SIZE + 4);
	KUNIT_EXPECT_EQ(test, vtc_rc(c, 0), VTIS_TPM2_RC_FAILURE);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_START, 1);
	vtis_crb_response(&c->crb, lie, 9);
	KUNIT_EXPECT_EQ(test, vtc_rc(c, 0), VTIS_TPM2_RC_FAILURE);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS) &
			VTIS_CRB_STS_FATAL, 0U);
}

static void t_backend_failure(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, vtis_crb_response(&c->crb, NULL, 0));
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START), 0U);
	KUNIT_EXPECT_EQ(test, vtc_rc(c, 0), VTIS_TPM2_RC_FAILURE);
	KUNIT_EXPECT_EQ(test, c->ev[c->nev - 1].reason, (u8)VTIS_EVR_FAILED);
}

static void t_synchronous_backend(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	c->fk.sync_rsp = vtt_tpm2_getrandom_rsp;
	c->fk.sync_len = sizeof(vtt_tpm2_getrandom_rsp);
	KUNIT_EXPECT_TRUE(test, vtc_send(c, 0, vtt_tpm2_getrandom,
					 sizeof(vtt_tpm2_getrandom)));
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START), 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd(c, VTC_BUF(0) + 2, 4), 0x14000000ULL);
}

static void t_cancel(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);

	vtc_request(c, 0);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_CANCEL, 1);	/* nothing runs */
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 0);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_CANCEL), 1U);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_CANCEL, 0);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_CANCEL), 0U);
	vtc_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtc_wr32(c, 0, VTIS_CRB_CTRL_CANCEL, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_CANCEL), 1U);
	vtis_crb_response(&c->crb, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START), 0U);
	/* the guest clears it before its next command */
	vtc_wr(c, VTIS_CRB_CTRL_CANCEL + 1, 1, 0);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_CANCEL), 1U);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_CANCEL, 0);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_CANCEL), 0U);
}

static void t_reset(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	u32 i, sum = 0;

	vtc_request(c, 3);
	vtc_wr32(c, 3, VTIS_CRB_INT_ENABLE, VTIS_CRB_INT_GLOBAL |
		 VTIS_CRB_INT_CMD_READY);
	vtc_wr32(c, 3, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_CMD_READY);
	vtc_put(c, 3, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, vtc_wr32(c, 3, VTIS_CRB_CTRL_START, 1));
	vtc_wr32(c, 3, VTIS_CRB_CTRL_CANCEL, 1);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	vtis_crb_reset(&c->crb);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_FALSE(test, vtis_crb_busy(&c->crb));
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, VTIS_NO_LOCALITY);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS),
			(u32)VTIS_CRB_STS_IDLE);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_CANCEL), 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_INT_ENABLE), 0U);
	for (i = 0; i < VTIS_BUFFER_SIZE; i++)
		sum += c->buf[i];
	KUNIT_EXPECT_EQ(test, sum, 0U);
	/* a late answer to the forgotten command is ignored */
	KUNIT_EXPECT_FALSE(test, vtis_crb_response(&c->crb,
						   vtt_tpm2_getrandom_rsp,
						   sizeof(vtt_tpm2_getrandom_rsp)));
}

static void t_no_backend(struct kunit *test)
{
	struct vtis_crb *crb = kunit_kzalloc(test, sizeof(*crb), GFP_KERNEL);
	u8 *buf = kunit_kzalloc(test, VTIS_BUFFER_SIZE, GFP_KERNEL);
	u32 one = 1, i;
	u8 rc[4];

	KUNIT_ASSERT_NOT_NULL(test, crb);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	vtis_crb_init(crb, NULL, NULL, VTC_BASE, buf);
	vtis_crb_write(crb, VTIS_CRB_LOC_CTRL, 4, &one);
	for (i = 0; i < sizeof(vtt_tpm2_getrandom); i++)
		vtis_crb_write(crb, VTC_BUF(0) + i, 1, &vtt_tpm2_getrandom[i]);
	KUNIT_EXPECT_FALSE(test, vtis_crb_write(crb, VTIS_CRB_CTRL_START, 4,
						&one));
	vtis_crb_read(crb, VTC_BUF(0) + 6, 4, rc);
	KUNIT_EXPECT_EQ(test, vtt_get32(rc), VTIS_TPM2_RC_FAILURE);
}

/* Every state a sequence of guest and backend steps reaches is valid. */
static void t_state_check(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	struct vtis_crb_state bad;

	KUNIT_EXPECT_EQ(test, vtis_crb_state_check(&c->crb.s), 0);
	vtc_send(c, 1, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_EQ(test, vtis_crb_state_check(&c->crb.s), 0);
	vtc_request(c, 0);
	vtc_wr32(c, 3, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_SEIZE);
	KUNIT_EXPECT_EQ(test, vtis_crb_state_check(&c->crb.s), 0);
	vtis_crb_response(&c->crb, NULL, 0);
	KUNIT_EXPECT_EQ(test, vtis_crb_state_check(&c->crb.s), 0);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 3);
	vtc_relinquish(c, 3);
	KUNIT_EXPECT_EQ(test, vtis_crb_state_check(&c->crb.s), 0);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, 0);

	bad = c->crb.s;
	bad.active_locality = 5;
	KUNIT_EXPECT_EQ(test, vtis_crb_state_check(&bad), -EINVAL);
	bad = c->crb.s;
	bad.state = VTIS_CRB_EXECUTION;		/* but nothing at the backend */
	KUNIT_EXPECT_EQ(test, vtis_crb_state_check(&bad), -EINVAL);
	bad = c->crb.s;
	bad.pending = 1;			/* the active one waiting */
	KUNIT_EXPECT_EQ(test, vtis_crb_state_check(&bad), -EINVAL);
	bad = c->crb.s;
	bad.int_status = 0x10;
	KUNIT_EXPECT_EQ(test, vtis_crb_state_check(&bad), -EINVAL);
	bad = c->crb.s;
	bad.switching = 1;
	KUNIT_EXPECT_EQ(test, vtis_crb_state_check(&bad), -EINVAL);
	bad = c->crb.s;
	bad.cancel = 2;
	KUNIT_EXPECT_EQ(test, vtis_crb_state_check(&bad), -EINVAL);
}

/* A state moved to another core reads the same there. */
static void t_load_state(struct kunit *test)
{
	struct vtc_ctx *a = vtc_mk(test), *b = vtc_mk(test);
	struct vtis_crb_state bad;
	int r;

	vtc_send(a, 2, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtc_wr32(a, 2, VTIS_CRB_INT_ENABLE, VTIS_CRB_INT_GLOBAL |
		 VTIS_CRB_INT_START);
	KUNIT_EXPECT_EQ(test, vtis_crb_load_state(&b->crb, &a->crb.s), 0);
	for (r = 0; r < VTIS_CRB_BUF_OFFSET; r += 4)
		KUNIT_EXPECT_EQ_MSG(test, vtc_rd32(b, 2, r), vtc_rd32(a, 2, r),
				    "register %#x", r);
	KUNIT_EXPECT_EQ(test, vtis_crb_cmd_len(&b->crb),
			(u32)sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, vtis_crb_response(&b->crb,
						  vtt_tpm2_getrandom_rsp,
						  sizeof(vtt_tpm2_getrandom_rsp)));
	KUNIT_EXPECT_TRUE(test, b->fk.irq);
	KUNIT_EXPECT_EQ(test, vtc_rc(b, 2), 0U);
	/* a bad state changes nothing */
	bad = a->crb.s;
	bad.exec_locality = 1;
	KUNIT_EXPECT_EQ(test, vtis_crb_load_state(&b->crb, &bad), -EINVAL);
	KUNIT_EXPECT_FALSE(test, vtis_crb_busy(&b->crb));
}

/* ==== vtis_crb_drivers: Linux's tpm_crb and EDK2's driver, replayed ==== */

/* crb_wait_for_reg_32(): the condition is checked before any sleep. */
static bool linux_wait(struct vtc_ctx *c, u32 reg, u32 mask, u32 value)
{
	int tries;

	for (tries = 0; tries < 3; tries++)
		if ((vtc_rd32(c, 0, reg) & mask) == value)
			return true;
	return false;
}

static bool linux_request_locality(struct vtc_ctx *c)
{
	vtc_wr32(c, 0, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_REQUEST);
	return linux_wait(c, VTIS_CRB_LOC_STATE, 0x82, 0x82);
}

static bool linux_relinquish_locality(struct vtc_ctx *c)
{
	vtc_wr32(c, 0, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_RELINQUISH);
	return linux_wait(c, VTIS_CRB_LOC_STATE, 0x82, 0x80);
}

static bool linux_cmd_ready(struct vtc_ctx *c)
{
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_CMD_READY);
	return linux_wait(c, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_CMD_READY, 0);
}

static bool linux_go_idle(struct vtc_ctx *c)
{
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_GO_IDLE);
	return linux_wait(c, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_GO_IDLE, 0);
}

/* crb_map_io() with the _CRS of the window and start method 7 */
static void linux_probe(struct vtc_ctx *c)
{
	struct kunit *test = c->test;
	u64 cmd_pa, rsp_pa;
	u32 cmd_size, rsp_size;

	KUNIT_EXPECT_TRUE(test, linux_request_locality(c));
	KUNIT_EXPECT_TRUE(test, linux_cmd_ready(c));
	cmd_pa = (u64)vtc_rd32(c, 0, VTIS_CRB_CMD_HADDR) << 32 |
		 vtc_rd32(c, 0, VTIS_CRB_CMD_LADDR);
	cmd_size = vtc_rd32(c, 0, VTIS_CRB_CMD_SIZE);
	rsp_pa = vtc_rd32(c, 0, VTIS_CRB_RSP_ADDR) |
		 (u64)vtc_rd32(c, 0, VTIS_CRB_RSP_ADDR + 4) << 32;
	rsp_size = vtc_rd32(c, 0, VTIS_CRB_RSP_SIZE);
	/* in the _CRS resource (base, 0x1000 for locality 0's page) */
	KUNIT_EXPECT_GE(test, cmd_pa, VTC_BASE);
	KUNIT_EXPECT_LE(test, cmd_pa + cmd_size - 1, VTC_BASE + 0xfff);
	KUNIT_EXPECT_EQ(test, cmd_pa, rsp_pa);
	KUNIT_EXPECT_EQ(test, cmd_size, rsp_size);
	KUNIT_EXPECT_EQ(test, cmd_pa - VTC_BASE, (u64)VTIS_CRB_BUF_OFFSET);
	KUNIT_EXPECT_TRUE(test, linux_go_idle(c));
	KUNIT_EXPECT_TRUE(test, linux_relinquish_locality(c));
}

/* crb_send(): the command in, START */
static void linux_send(struct vtc_ctx *c, const u8 *cmd, u32 len)
{
	vtc_wr32(c, 0, VTIS_CRB_CTRL_CANCEL, 0);
	KUNIT_ASSERT_LE(c->test, len, VTIS_CRB_BUF_SIZE);
	vtc_put(c, 0, cmd, len);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_START, VTIS_CRB_START);
}

/* tpm_try_transmit()'s polling and crb_recv() */
static u32 linux_recv(struct vtc_ctx *c, u8 *buf, u32 max)
{
	struct kunit *test = c->test;
	u32 expected;

	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START) & 1, 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_CANCEL) & 1, 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS) &
			VTIS_CRB_STS_FATAL, 0U);
	vtc_get(c, 0, buf, 8);
	expected = vtt_get32(buf + 2);
	KUNIT_ASSERT_GE(test, expected, VTIS_HEADER_SIZE);
	KUNIT_ASSERT_LE(test, expected, max);
	vtc_get_at(c, 0, 8, buf + 8, expected - 8);
	return expected;
}

/* One tpm_transmit_cmd() inside tpm_chip_start() ... tpm_chip_stop() */
static u32 linux_transmit(struct vtc_ctx *c, const u8 *cmd, u32 len,
			  const u8 *rsp, u32 rsp_len, u8 *out, u32 max)
{
	struct kunit *test = c->test;
	u32 n;

	KUNIT_EXPECT_TRUE(test, linux_request_locality(c));
	KUNIT_EXPECT_TRUE(test, linux_cmd_ready(c));
	linux_send(c, cmd, len);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_len, len);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, cmd, len), 0);
	/* the first poll: still running */
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START) & 1, 1U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_CANCEL) & 1, 0U);
	KUNIT_EXPECT_TRUE(test, vtis_crb_response(&c->crb, rsp, rsp_len));
	n = linux_recv(c, out, max);
	KUNIT_EXPECT_TRUE(test, linux_go_idle(c));
	KUNIT_EXPECT_TRUE(test, linux_relinquish_locality(c));
	return n;
}

static void t_linux_probe_and_getrandom(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	u8 out[64];
	u32 n;

	linux_probe(c);
	c->mmio = 0;
	n = linux_transmit(c, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom),
			   vtt_tpm2_getrandom_rsp,
			   sizeof(vtt_tpm2_getrandom_rsp), out, sizeof(out));
	KUNIT_EXPECT_EQ(test, n, (u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(out, vtt_tpm2_getrandom_rsp, n), 0);
	kunit_info(test, "%d MMIO accesses for a GetRandom", c->mmio);
	KUNIT_EXPECT_LE(test, c->mmio, 40);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, VTIS_NO_LOCALITY);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS),
			(u32)VTIS_CRB_STS_IDLE);
}

static void t_linux_large_command(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	u8 *cmd = vtt_mkcmd(test, VTIS_TPM2_ST_NO_SESSIONS, VTIS_CRB_BUF_SIZE,
			    0x17b, VTIS_CRB_BUF_SIZE);
	u8 *rsp = vtt_mkcmd(test, VTIS_TPM2_ST_NO_SESSIONS, 3000, 0, 3000);
	u8 *out = kunit_kzalloc(test, VTIS_BUFFER_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, out);
	linux_probe(c);
	c->mmio = 0;
	KUNIT_EXPECT_EQ(test, linux_transmit(c, cmd, VTIS_CRB_BUF_SIZE, rsp,
					     3000, out, VTIS_BUFFER_SIZE), 3000U);
	KUNIT_EXPECT_EQ(test, memcmp(out, rsp, 3000), 0);
	kunit_info(test, "%d MMIO accesses for 3968 bytes out, 3000 back",
		   c->mmio);
	KUNIT_EXPECT_LE(test, c->mmio, 3968 / 4 + 3000 / 4 + 40);
}

static void t_linux_auto_startup(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	u8 out[64];

	/* tpm_chip_start(), several commands, tpm_chip_stop() */
	KUNIT_EXPECT_TRUE(test, linux_request_locality(c));
	KUNIT_EXPECT_TRUE(test, linux_cmd_ready(c));
	linux_send(c, vtt_tpm2_probe_cmd, sizeof(vtt_tpm2_probe_cmd));
	vtis_crb_response(&c->crb, vtt_tpm2_probe_rsp,
			  sizeof(vtt_tpm2_probe_rsp));
	KUNIT_EXPECT_EQ(test, linux_recv(c, out, sizeof(out)),
			(u32)sizeof(vtt_tpm2_probe_rsp));
	linux_send(c, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 2);
	vtis_crb_response(&c->crb, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, linux_recv(c, out, sizeof(out)),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_TRUE(test, linux_go_idle(c));
	KUNIT_EXPECT_TRUE(test, linux_relinquish_locality(c));
}

static void t_linux_timeout_cancel(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	u8 out[64];

	KUNIT_EXPECT_TRUE(test, linux_request_locality(c));
	KUNIT_EXPECT_TRUE(test, linux_cmd_ready(c));
	linux_send(c, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	/* crb_cancel() after the ordinal's duration */
	vtc_wr32(c, 0, VTIS_CRB_CTRL_CANCEL, VTIS_CRB_CANCEL);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	vtis_crb_response(&c->crb, NULL, 0);
	KUNIT_EXPECT_TRUE(test, linux_go_idle(c));
	KUNIT_EXPECT_TRUE(test, linux_relinquish_locality(c));
	/* the next command clears CANCEL first and goes through */
	KUNIT_EXPECT_EQ(test, linux_transmit(c, vtt_tpm2_getrandom,
					     sizeof(vtt_tpm2_getrandom),
					     vtt_tpm2_getrandom_rsp,
					     sizeof(vtt_tpm2_getrandom_rsp),
					     out, sizeof(out)),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
}

/* EDK2's PtpCrbRequestUseTpm() and PtpCrbTpmCommand() */
static u32 edk2_command(struct vtc_ctx *c, const u8 *cmd, u32 len,
			const u8 *rsp, u32 rsp_len, u8 *out)
{
	struct kunit *test = c->test;
	u64 buf = VTC_BASE + VTIS_CRB_BUF_OFFSET;
	u32 i, n;

	/* idle bypass 0: wait for tpmIdle, then cmdReady until idle clears */
	KUNIT_EXPECT_EQ(test, (u32)(vtc_rd32(c, 0, VTIS_CRB_INTF_ID) >> 9) & 1,
			0U);
	KUNIT_EXPECT_TRUE(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS) &
			  VTIS_CRB_STS_IDLE);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_CMD_READY);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_REQ) &
			VTIS_CRB_REQ_CMD_READY, 0U);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_STS) &
			VTIS_CRB_STS_IDLE, 0U);
	for (i = 0; i < len; i++)
		vtc_wr(c, VTC_BUF(0) + i, 1, cmd[i]);
	vtc_wr32(c, 0, VTIS_CRB_CMD_HADDR, buf >> 32);
	vtc_wr32(c, 0, VTIS_CRB_CMD_LADDR, (u32)buf);
	vtc_wr32(c, 0, VTIS_CRB_CMD_SIZE, VTIS_CRB_BUF_SIZE);
	vtc_wr(c, VTIS_CRB_RSP_ADDR, 8, (u32)buf);
	vtc_wr32(c, 0, VTIS_CRB_RSP_SIZE, VTIS_CRB_BUF_SIZE);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_START, VTIS_CRB_START);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START), 1U);
	vtis_crb_response(&c->crb, rsp, rsp_len);
	KUNIT_EXPECT_EQ(test, vtc_rd32(c, 0, VTIS_CRB_CTRL_START), 0U);
	for (i = 0; i < VTIS_HEADER_SIZE; i++)
		out[i] = vtc_rd(c, VTC_BUF(0) + i, 1);
	KUNIT_EXPECT_NE(test, (u32)(out[0] << 8 | out[1]), 0xc4U);
	n = vtt_get32(out + 2);
	for (; i < n; i++)
		out[i] = vtc_rd(c, VTC_BUF(0) + i, 1);
	vtc_wr32(c, 0, VTIS_CRB_CTRL_REQ, VTIS_CRB_REQ_GO_IDLE);
	return n;
}

static void t_edk2_commands(struct kunit *test)
{
	struct vtc_ctx *c = vtc_mk(test);
	u8 out[64];

	/* presence, then the locality through LOC_STS, never relinquished */
	KUNIT_EXPECT_NE(test, vtc_rd(c, 0, 1), 0xffULL);
	vtc_wr32(c, 0, VTIS_CRB_LOC_CTRL, VTIS_CRB_LOC_CTRL_REQUEST);
	KUNIT_EXPECT_TRUE(test, vtc_rd32(c, 0, VTIS_CRB_LOC_STS) &
			  VTIS_CRB_LOC_STS_GRANTED);
	KUNIT_EXPECT_EQ(test, edk2_command(c, vtt_tpm2_getrandom,
					   sizeof(vtt_tpm2_getrandom),
					   vtt_tpm2_getrandom_rsp,
					   sizeof(vtt_tpm2_getrandom_rsp), out),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(out, vtt_tpm2_getrandom_rsp,
				     sizeof(vtt_tpm2_getrandom_rsp)), 0);
	KUNIT_EXPECT_EQ(test, edk2_command(c, vtt_tpm2_probe_cmd,
					   sizeof(vtt_tpm2_probe_cmd),
					   vtt_tpm2_probe_rsp,
					   sizeof(vtt_tpm2_probe_rsp), out),
			(u32)sizeof(vtt_tpm2_probe_rsp));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 2);
	/* then Linux takes over from the firmware's left-over locality */
	linux_probe(c);
	KUNIT_EXPECT_EQ(test, c->crb.s.active_locality, VTIS_NO_LOCALITY);
}

static struct kunit_case vtis_crb_regs_cases[] = {
	KUNIT_CASE(t_reset_loc_state),
	KUNIT_CASE(t_reset_idle),
	KUNIT_CASE(t_intf_id_fields),
	KUNIT_CASE(t_intf_id_wide_and_narrow),
	KUNIT_CASE(t_buffer_addresses),
	KUNIT_CASE(t_address_writes_ignored),
	KUNIT_CASE(t_reserved_read_zero),
	KUNIT_CASE(t_outside_window),
	KUNIT_CASE(t_int_enable_bytes),
	{}
};

static struct kunit_suite vtis_crb_regs_suite = {
	.name = "vtis_crb_regs",
	.test_cases = vtis_crb_regs_cases,
};

static struct kunit_case vtis_crb_loc_cases[] = {
	KUNIT_CASE(t_request_and_relinquish),
	KUNIT_CASE(t_active_locality_field),
	KUNIT_CASE(t_request_waits),
	KUNIT_CASE(t_highest_waiting_wins),
	KUNIT_CASE(t_withdraw_request),
	KUNIT_CASE(t_seize),
	KUNIT_CASE(t_seize_by_lower_ignored),
	KUNIT_CASE(t_locality_change_interrupt),
	KUNIT_CASE(t_inactive_locality_ignored),
	KUNIT_CASE(t_reset_establishment),
	KUNIT_CASE(t_relinquish_while_executing),
	KUNIT_CASE(t_seize_while_executing),
	{}
};

static struct kunit_suite vtis_crb_loc_suite = {
	.name = "vtis_crb_loc",
	.test_cases = vtis_crb_loc_cases,
};

static struct kunit_case vtis_crb_cmd_cases[] = {
	KUNIT_CASE(t_cmd_ready_and_go_idle),
	KUNIT_CASE(t_cmd_ready_interrupt),
	KUNIT_CASE(t_start_submits),
	KUNIT_CASE(t_response_completes),
	KUNIT_CASE(t_next_command_without_cmd_ready),
	KUNIT_CASE(t_start_from_idle),
	KUNIT_CASE(t_start_ignored),
	KUNIT_CASE(t_short_command),
	KUNIT_CASE(t_oversize_command),
	KUNIT_CASE(t_prefix_command),
	KUNIT_CASE(t_vendor_ordinal),
	KUNIT_CASE(t_largest_command),
	KUNIT_CASE(t_bad_responses),
	KUNIT_CASE(t_backend_failure),
	KUNIT_CASE(t_synchronous_backend),
	KUNIT_CASE(t_cancel),
	KUNIT_CASE(t_reset),
	KUNIT_CASE(t_no_backend),
	KUNIT_CASE(t_state_check),
	KUNIT_CASE(t_load_state),
	{}
};

static struct kunit_suite vtis_crb_cmd_suite = {
	.name = "vtis_crb_cmd",
	.test_cases = vtis_crb_cmd_cases,
};

static struct kunit_case vtis_crb_drivers_cases[] = {
	KUNIT_CASE(t_linux_probe_and_getrandom),
	KUNIT_CASE(t_linux_large_command),
	KUNIT_CASE(t_linux_auto_startup),
	KUNIT_CASE(t_linux_timeout_cancel),
	KUNIT_CASE(t_edk2_commands),
	{}
};

static struct kunit_suite vtis_crb_drivers_suite = {
	.name = "vtis_crb_drivers",
	.test_cases = vtis_crb_drivers_cases,
};

kunit_test_suites(&vtis_crb_regs_suite, &vtis_crb_loc_suite,
		  &vtis_crb_cmd_suite, &vtis_crb_drivers_suite);
