// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the CRB core (kmod/crb.c, built unchanged through
 * kmod/tis_shim.h).  The input is a sequence of steps: guest MMIO accesses
 * anywhere in (and just past) the window, interleaved with backend events
 * and the owner's reset and state loads.  After every step the harness
 * checks what must always hold and abort()s when it does not:
 *  - the state passes vtis_crb_state_check();
 *  - a command reaches the backend only when none is there, from the
 *    active locality, 10 to 3968 bytes long, its size field its length;
 *  - the backend is never asked to cancel with nothing in flight;
 *  - an answer is taken exactly when a command is in flight;
 *  - after a well-formed answer, the active locality reads it back from
 *    the buffer byte by byte;
 *  - the interrupt line the owner saw is the level the registers give;
 *  - reads of registers that never change (INTF_ID, the buffer addresses)
 *    give their values; a locality's page other than the active one's
 *    never shows the buffer.
 * The interface selector is fixed (CRB): there is no switch to fuzz.
 *
 * Input format:
 *   byte 0   configuration: bit 0 the backend answers from inside
 *            submit(), bit 1 the owner listens to events, bit 2 no ops
 *   then steps, each an opcode byte; op & 7 selects:
 *   0, 1  MMIO: op bit 3 write, bits 4-5 width (1, 2, 4, 8), u16 le:
 *         offset bits 0-11, locality bits 12-15 (mod 5; 0xf: 0x5000 +
 *         bits 0-11, outside the window), then for a write the value's
 *         bytes
 *   2     a well-formed answer: u16 le length (mod 0x1000), rc u32
 *   3     a malformed answer: u16 le length (mod 0x1000), raw bytes
 *   4     backend failure (NULL answer)
 *   5     reset
 *   6     save and load the state (a copy, then one byte of it changed at
 *         an offset and to a value from the input: must load only if the
 *         check accepts it)
 *   7     a command through locality u8 (mod 5): requestAccess, cmdReady,
 *         a GetRandom in the buffer, START
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crb.h"

struct input {
	const u8 *p;
	size_t n;
};

static struct {
	struct vtis_crb crb;
	u8 buf[VTIS_BUFFER_SIZE];
	bool inflight;
	u8 inflight_loc;
	bool sync;
	bool irq;
	u8 rsp[VTIS_CRB_BUF_SIZE];
	u32 rsp_len;
	bool rsp_check;
	u8 scratch[0x1000 + 16];
	u8 copybuf[VTIS_BUFFER_SIZE];
} h;

static void fail(const char *why)
{
	fprintf(stderr, "crb_fuzz: %s\n", why);
	abort();
}

static bool take(struct input *in, void *p, size_t n)
{
	if (in->n < n)
		return false;
	memcpy(p, in->p, n);
	in->p += n;
	in->n -= n;
	return true;
}

static u32 be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static void h_submit(struct vtis_crb *crb, const u8 *cmd, u32 len, u8 l)
{
	static const u8 ok[] = { 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0, 0 };

	if (h.inflight)
		fail("a second command reached the backend");
	if (l != crb->s.active_locality)
		fail("a command from a locality that is not active");
	if (len < VTIS_HEADER_SIZE || len > VTIS_CRB_BUF_SIZE ||
	    be32(cmd + 2) != len)
		fail("a command of a bad length reached the backend");
	if (be32(cmd + 6) == VTIS_ORD_SET_LOCALITY || be32(cmd) == VTIS_TCG_PREFIX)
		fail("a refused command reached the backend");
	h.inflight = true;
	h.inflight_loc = l;
	if (h.sync) {
		h.inflight = false;
		if (!vtis_crb_response(crb, ok, sizeof(ok)))
			fail("a synchronous answer was refused");
	}
}

static void h_cancel(struct vtis_crb *crb)
{
	(void)crb;
	if (!h.inflight)
		fail("cancel with nothing at the backend");
}

static void h_irq(struct vtis_crb *crb, bool level)
{
	(void)crb;
	h.irq = level;
}

static const struct vtis_crb_ops h_ops = {
	.submit = h_submit, .cancel = h_cancel, .irq_line = h_irq,
};

static void h_event(struct vtis_crb *crb, const struct vtis_tis_event *ev)
{
	(void)crb;
	if (ev->type < VTIS_EV_LOCALITY || ev->type > VTIS_EV_COMPLETE)
		fail("an unknown event");
}

static u32 rd(u32 off, u32 len)
{
	u8 b[8];
	u32 v = 0, i;

	vtis_crb_read(&h.crb, off, len, b);
	for (i = 0; i < len && i < 4; i++)
		v |= (u32)b[i] << (8 * i);
	return v;
}

static void check(void)
{
	const struct vtis_crb_state *s = &h.crb.s;
	u8 a = s->active_locality;
	bool level;
	u32 i, l;

	if (vtis_crb_state_check(s))
		fail("the state check refuses the core's own state");
	if (h.inflight != vtis_crb_busy(&h.crb))
		fail("the core and the backend disagree on a command in flight");
	level = (s->int_enable & VTIS_CRB_INT_GLOBAL) &&
		(s->int_enable & s->int_status & VTIS_CRB_INT_SUPPORTED);
	if (h.crb.ops && level != h.irq)
		fail("the interrupt line is not the registers' level");
	for (l = 0; l < VTIS_CRB_NUM_LOCALITIES; l++) {
		u32 page = l << VTIS_LOCALITY_SHIFT;

		if (rd(page + VTIS_CRB_INTF_ID, 4) != VTIS_CRB_INTF_ID_LO ||
		    rd(page + VTIS_CRB_CMD_SIZE, 4) != VTIS_CRB_BUF_SIZE ||
		    rd(page + VTIS_CRB_CMD_LADDR, 4) !=
		    (u32)(h.crb.base + page + VTIS_CRB_BUF_OFFSET))
			fail("a fixed register changed");
		if (l != a && rd(page + VTIS_CRB_BUF_OFFSET, 4) != 0xffffffffU)
			fail("a locality that is not active sees the buffer");
	}
	if (h.rsp_check && a < VTIS_CRB_NUM_LOCALITIES &&
	    s->state == VTIS_CRB_COMPLETION) {
		u32 page = (u32)a << VTIS_LOCALITY_SHIFT;

		for (i = 0; i < h.rsp_len; i++)
			if (rd(page + VTIS_CRB_BUF_OFFSET + i, 1) != h.rsp[i])
				fail("the answer does not read back");
	}
	h.rsp_check = false;
}

static void answer(struct input *in, bool good)
{
	u16 len = 0;
	u32 rc = 0, i;
	bool taken;

	take(in, &len, 2);
	len &= 0xfff;
	if (good) {
		take(in, &rc, 4);
		if (len < VTIS_HEADER_SIZE)
			len = VTIS_HEADER_SIZE;
		h.scratch[0] = 0x80;
		h.scratch[1] = 0x01;
		h.scratch[2] = len >> 24;
		h.scratch[3] = len >> 16;
		h.scratch[4] = len >> 8;
		h.scratch[5] = len;
		memcpy(h.scratch + 6, &rc, 4);
		for (i = VTIS_HEADER_SIZE; i < len; i++)
			h.scratch[i] = i * 13;
	} else {
		for (i = 0; i < len; i++)
			h.scratch[i] = in->n ? (in->n--, *in->p++) : 0x5a;
	}
	taken = vtis_crb_response(&h.crb, h.scratch, len);
	if (taken != h.inflight)
		fail("an answer taken with nothing in flight, or refused with one");
	if (taken && !h.crb.s.switching && good && len <= VTIS_CRB_BUF_SIZE &&
	    h.crb.s.state == VTIS_CRB_COMPLETION) {
		memcpy(h.rsp, h.scratch, len);
		h.rsp_len = len;
		h.rsp_check = true;
	}
	h.inflight = false;
}

static void command(struct input *in)
{
	static const u8 getrandom[] = {
		0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x7b, 0, 8,
	};
	u32 one = 1, page, i;
	u8 l = 0;

	take(in, &l, 1);
	page = (u32)(l % VTIS_CRB_NUM_LOCALITIES) << VTIS_LOCALITY_SHIFT;
	vtis_crb_write(&h.crb, page + VTIS_CRB_LOC_CTRL, 4, &one);
	vtis_crb_write(&h.crb, page + VTIS_CRB_CTRL_REQ, 4, &one);
	for (i = 0; i < sizeof(getrandom); i++)
		vtis_crb_write(&h.crb, page + VTIS_CRB_BUF_OFFSET + i, 1,
			       &getrandom[i]);
	vtis_crb_write(&h.crb, page + VTIS_CRB_CTRL_START, 4, &one);
}

static void reload(struct input *in)
{
	struct vtis_crb_state st = h.crb.s;
	u8 off = 0, val = 0;
	bool ok;
	int ret;

	memcpy(h.copybuf, h.buf, VTIS_BUFFER_SIZE);
	st.buf = h.copybuf;
	if (take(in, &off, 1) && take(in, &val, 1) &&
	    off < offsetof(struct vtis_crb_state, buf))
		((u8 *)&st)[off] = val;
	ok = !vtis_crb_state_check(&st);
	ret = vtis_crb_load_state(&h.crb, &st);
	if (ok != !ret)
		fail("load_state disagrees with the state check");
	/* a loaded state's command in flight is the owner's to resubmit */
	h.inflight = vtis_crb_busy(&h.crb);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size };
	u8 cfg = 0, op, width, b[8];
	u16 where;
	u32 off;

	memset(&h, 0, sizeof(h));
	take(&in, &cfg, 1);
	h.sync = cfg & 1;
	vtis_crb_init(&h.crb, (cfg & 4) ? NULL : &h_ops, NULL,
		      0xfed40000ULL, h.buf);
	if (cfg & 2)
		h.crb.event = h_event;
	check();
	while (take(&in, &op, 1)) {
		switch (op & 7) {
		case 0:
		case 1:
			width = 1U << ((op >> 4) & 3);
			if (!take(&in, &where, 2))
				return 0;
			off = (where >> 12) == 0xf ? VTIS_CRB_WINDOW_SIZE + (where & 0xfff) :
			      ((where >> 12) % VTIS_CRB_NUM_LOCALITIES) << 12 | (where & 0xfff);
			if (op & 8) {
				if (!take(&in, b, width))
					return 0;
				vtis_crb_write(&h.crb, off, width, b);
			} else {
				vtis_crb_read(&h.crb, off, width, b);
			}
			break;
		case 2:
			answer(&in, true);
			break;
		case 3:
			answer(&in, false);
			break;
		case 4:
			if (vtis_crb_response(&h.crb, NULL, 0) != h.inflight)
				fail("a failure taken with nothing in flight");
			h.inflight = false;
			break;
		case 5:
			vtis_crb_reset(&h.crb);
			h.inflight = false;
			break;
		case 6:
			reload(&in);
			break;
		case 7:
			command(&in);
			break;
		}
		check();
	}
	return 0;
}
