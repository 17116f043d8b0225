// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the TIS 1.3 register model (kmod/tis.c): registers,
 * localities, the command state machine, interrupts, bad input from the
 * guest and the backend, the serialisable state, and the sequences Linux's
 * tpm_tis driver performs, replayed for TPM 1.2 and TPM 2.0.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tis.h"

#define LOC(l, reg)	(((u32)(l) << VTIS_LOCALITY_SHIFT) + (reg))
#define STS_READ_ZERO	0x23U

struct fake {
	int submits;
	u8 cmd[VTIS_BUFFER_SIZE];
	u32 cmd_len;
	u8 cmd_loc;
	int cancels;
	bool irq;
	int irq_edges;
	/* answer from inside submit() */
	const u8 *sync_rsp;
	u32 sync_len;
	/* answer (with an error) from inside cancel() */
	bool fail_on_cancel;
};

#define MAX_EVENTS	16

struct ctx {
	struct kunit *test;
	struct vtis_tis tis;
	u8 buf[VTIS_BUFFER_SIZE];	/* the core's buffer */
	struct fake fk;
	int mmio;		/* guest accesses made through the helpers */
	/* what tis.event reported, when a test listens */
	struct vtis_tis_event ev[MAX_EVENTS];
	int nev;
};

static void fake_submit(struct vtis_tis *tis, const u8 *cmd, u32 len, u8 loc)
{
	struct ctx *c = tis->priv;

	c->fk.submits++;
	c->fk.cmd_len = len;
	c->fk.cmd_loc = loc;
	if (len <= sizeof(c->fk.cmd))
		memcpy(c->fk.cmd, cmd, len);
	if (c->fk.sync_rsp)
		vtis_tis_response(tis, c->fk.sync_rsp, c->fk.sync_len);
}

static void fake_cancel(struct vtis_tis *tis)
{
	struct ctx *c = tis->priv;

	c->fk.cancels++;
	if (c->fk.fail_on_cancel)
		vtis_tis_backend_error(tis);
}

static void fake_irq(struct vtis_tis *tis, bool level)
{
	struct ctx *c = tis->priv;

	c->fk.irq = level;
	c->fk.irq_edges++;
}

static const struct vtis_tis_ops fake_ops = {
	.submit = fake_submit,
	.cancel = fake_cancel,
	.irq_line = fake_irq,
};

static struct ctx *mk(struct kunit *test, enum vtis_family family)
{
	struct ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->test = test;
	vtis_tis_init(&c->tis, family, &fake_ops, c, c->buf);
	return c;
}

/* A state with a buffer of its own, a copy of @c's core's. */
static struct vtis_tis_state *snap(struct kunit *test, struct ctx *c)
{
	struct vtis_tis_state *st;

	st = kunit_kzalloc(test, sizeof(*st) + VTIS_BUFFER_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	st->buf = (u8 *)(st + 1);
	vtis_tis_state_copy(st, &c->tis.s);
	return st;
}

/* Do two states hold the same fields and the same buffer bytes? */
static bool same_state(const struct vtis_tis_state *a,
		       const struct vtis_tis_state *b)
{
	return !memcmp(a, b, VTIS_STATE_FIELDS_SIZE) &&
	       !memcmp(a->buf, b->buf, VTIS_BUFFER_SIZE);
}

/* ---- guest accesses (little-endian byte order, like the MMIO bus) ---- */

static u32 rd(struct ctx *c, u32 off, u32 len)
{
	u8 b[8];
	u32 v = 0;
	int i;

	memset(b, 0x5a, sizeof(b));
	c->mmio++;
	vtis_tis_read(&c->tis, off, len, b);
	for (i = 0; i < len && i < 4; i++)
		v |= (u32)b[i] << (8 * i);
	return v;
}

static void wr(struct ctx *c, u32 off, u32 len, u32 v)
{
	u8 b[4];
	int i;

	for (i = 0; i < 4; i++)
		b[i] = v >> (8 * i);
	c->mmio++;
	vtis_tis_write(&c->tis, off, len, b);
}

static u8 rd8(struct ctx *c, u8 l, u32 reg)
{
	return rd(c, LOC(l, reg), 1);
}

static u32 rd32(struct ctx *c, u8 l, u32 reg)
{
	return rd(c, LOC(l, reg), 4);
}

static void wr8(struct ctx *c, u8 l, u32 reg, u8 v)
{
	wr(c, LOC(l, reg), 1, v);
}

static void wr32(struct ctx *c, u8 l, u32 reg, u32 v)
{
	wr(c, LOC(l, reg), 4, v);
}

static u32 sts(struct ctx *c, u8 l)
{
	u32 v = rd32(c, l, VTIS_REG_STS);

	if (c->tis.s.active_locality == l)
		KUNIT_EXPECT_EQ(c->test, v & STS_READ_ZERO, 0U);
	return v;
}

static u32 burst(struct ctx *c, u8 l)
{
	return (sts(c, l) & VTIS_STS_BURST_MASK) >> VTIS_STS_BURST_SHIFT;
}

static u8 access(struct ctx *c, u8 l)
{
	return rd8(c, l, VTIS_REG_ACCESS);
}

static void request(struct ctx *c, u8 l)
{
	wr8(c, l, VTIS_REG_ACCESS, VTIS_ACCESS_REQUEST_USE);
}

static void relinquish(struct ctx *c, u8 l)
{
	wr8(c, l, VTIS_REG_ACCESS, VTIS_ACCESS_ACTIVE_LOCALITY);
}

static void cmd_ready(struct ctx *c, u8 l)
{
	wr8(c, l, VTIS_REG_STS, VTIS_STS_COMMAND_READY);
}

static void go(struct ctx *c, u8 l)
{
	wr8(c, l, VTIS_REG_STS, VTIS_STS_GO);
}

static void send(struct ctx *c, u8 l, const u8 *b, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		wr8(c, l, VTIS_REG_DATA_FIFO, b[i]);
}

/* Read up to @max response bytes through DATA_FIFO while dataAvail. */
static u32 recv(struct ctx *c, u8 l, u8 *b, u32 max)
{
	u32 n = 0;

	while (n < max && (sts(c, l) & VTIS_STS_DATA_AVAIL))
		b[n++] = rd8(c, l, VTIS_REG_DATA_FIFO);
	return n;
}

static u8 state(struct ctx *c, u8 l)
{
	return c->tis.s.loc[l].state;
}

static void put32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* A command of @len bytes: @tag, size field @size, ordinal @ord, filler. */
static u8 *mkcmd(struct kunit *test, u16 tag, u32 size, u32 ord, u32 len)
{
	u8 *b = kunit_kzalloc(test, len < 16 ? 16 : len, GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	b[0] = tag >> 8;
	b[1] = tag;
	put32(b + 2, size);
	put32(b + 6, ord);
	for (i = 10; i < len; i++)
		b[i] = i * 7;
	return b;
}

/* TPM2_GetRandom(8) and its answer */
static const u8 tpm2_getrandom[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x01, 0x7b, 0x00, 0x08,
};

static const u8 tpm2_getrandom_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
};

/* TPM_GetRandom(4) (TPM 1.2) and its answer */
static const u8 tpm12_getrandom[] = {
	0x00, 0xc1, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x46,
	0x00, 0x00, 0x00, 0x04,
};

static const u8 tpm12_getrandom_rsp[] = {
	0x00, 0xc4, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x04, 9, 8, 7, 6,
};

/* TPM2_GetCapability(TPM_PROPERTIES, PT_FIXED, 1): Linux's tpm2_probe */
static const u8 tpm2_probe_cmd[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x01, 0x7a,
	0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01,
};

static const u8 tpm2_probe_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x1b, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x01, 0x00, 0x32, 0x2e, 0x30, 0x00,
};

/* what a TPM 1.2 answers to a TPM2 command: TPM_BADTAG */
static const u8 tpm12_badtag_rsp[] = {
	0x00, 0xc4, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x1e,
};

/* Request, ready, send, go: the command is at the backend afterwards. */
static void submit_cmd(struct ctx *c, u8 l, const u8 *cmd, u32 len)
{
	if (c->tis.s.active_locality != l)
		request(c, l);
	cmd_ready(c, l);
	send(c, l, cmd, len);
	go(c, l);
}

static void expect_error_rsp(struct ctx *c, u8 l, u16 tag, u32 rc)
{
	struct kunit *test = c->test;
	u8 b[16];
	u32 n = recv(c, l, b, sizeof(b));

	KUNIT_ASSERT_EQ(test, n, 10U);
	KUNIT_EXPECT_EQ(test, (u32)(b[0] << 8 | b[1]), (u32)tag);
	KUNIT_EXPECT_EQ(test, get32(b + 2), 10U);
	KUNIT_EXPECT_EQ(test, get32(b + 6), rc);
}

static void expect_tpm2_error(struct ctx *c, u8 l, u32 rc)
{
	expect_error_rsp(c, l, VTIS_TPM2_ST_NO_SESSIONS, rc);
}

static void expect_tpm12_error(struct ctx *c, u8 l, u32 rc)
{
	expect_error_rsp(c, l, VTIS_TPM12_TAG_RSP_COMMAND, rc);
}

/* Record the core's events (tis.event). */
static void rec_event(struct vtis_tis *tis, const struct vtis_tis_event *ev)
{
	struct ctx *c = tis->priv;

	if (c->nev < MAX_EVENTS)
		c->ev[c->nev] = *ev;
	c->nev++;
}

static struct ctx *mk_listening(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	c->tis.event = rec_event;
	return c;
}

static void expect_event(struct ctx *c, int i, u8 type, u8 loc, u8 reason,
			 u32 rc, u32 ordinal, u32 len)
{
	struct kunit *test = c->test;
	const struct vtis_tis_event *e = &c->ev[i];

	KUNIT_ASSERT_LT(test, i, c->nev);
	KUNIT_EXPECT_EQ(test, e->type, type);
	KUNIT_EXPECT_EQ(test, e->locality, loc);
	KUNIT_EXPECT_EQ(test, e->reason, reason);
	KUNIT_EXPECT_EQ(test, e->rc, rc);
	KUNIT_EXPECT_EQ(test, e->ordinal, ordinal);
	KUNIT_EXPECT_EQ(test, e->len, len);
}

/* ==== identification and fixed registers ==== */

static void t_did_vid_rid(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	int l;

	for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
		KUNIT_EXPECT_EQ(test, rd32(c, l, VTIS_REG_DID_VID), 0x00011014U);
		KUNIT_EXPECT_EQ(test, rd32(c, l, VTIS_REG_RID), 0x01U);
		KUNIT_EXPECT_EQ(test, rd8(c, l, VTIS_REG_RID), 0x01U);
	}
}

static void t_intf_capability(struct kunit *test)
{
	struct ctx *c2 = mk(test, VTIS_FAMILY_2_0);
	struct ctx *c1 = mk(test, VTIS_FAMILY_1_2);

	KUNIT_EXPECT_EQ(test, rd32(c2, 0, VTIS_REG_INTF_CAPABILITY), 0x30000697U);
	KUNIT_EXPECT_EQ(test, rd32(c1, 0, VTIS_REG_INTF_CAPABILITY), 0x20000697U);
	/* dynamic burst count: bit 8 clear */
	KUNIT_EXPECT_EQ(test, rd32(c2, 3, VTIS_REG_INTF_CAPABILITY) & 0x100, 0U);
}

static void t_interface_id(struct kunit *test)
{
	struct ctx *c2 = mk(test, VTIS_FAMILY_2_0);
	struct ctx *c1 = mk(test, VTIS_FAMILY_1_2);

	KUNIT_EXPECT_EQ(test, rd32(c2, 0, VTIS_REG_INTERFACE_ID), 0x2100U);
	KUNIT_EXPECT_EQ(test, rd32(c1, 0, VTIS_REG_INTERFACE_ID), 0xffffffffU);
}

static void t_read_only_registers(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	wr32(c, 0, VTIS_REG_INTERFACE_ID, 0);
	wr32(c, 0, VTIS_REG_INTF_CAPABILITY, 0);
	wr32(c, 0, VTIS_REG_DID_VID, 0);
	wr32(c, 0, VTIS_REG_RID, 0x55);
	wr32(c, 0, VTIS_REG_INT_VECTOR, 0x0b);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INTERFACE_ID), 0x2100U);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INTF_CAPABILITY), 0x30000697U);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_DID_VID), 0x00011014U);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_RID), 0x01U);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_VECTOR), 0U);
}

static void t_int_vector(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_VECTOR), 0U);
	vtis_tis_set_int_vector(&c->tis, 5);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_VECTOR), 5U);
	KUNIT_EXPECT_EQ(test, rd32(c, 2, VTIS_REG_INT_VECTOR), 5U);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_INT_VECTOR), 5U);
}

static void t_unknown_offsets(struct kunit *test)
{
	static const u32 offs[] = { 0x04, 0x1c, 0x20, 0x28, 0x2c, 0x34, 0x40,
				    0x7c, 0xc0, 0x800, 0xefc, 0xf08, 0xffc };
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	int i, l;

	request(c, 0);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		/* a write must not leave anything that could be read back */
		wr32(c, 0, offs[i], 0x12345678);
		for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
			KUNIT_EXPECT_EQ(test, rd32(c, l, offs[i]), 0xffffffffU);
			KUNIT_EXPECT_EQ(test, rd8(c, l, offs[i] + 1), 0xffU);
		}
	}
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_IDLE);
}

static void t_reset_values(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	int l;

	for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
		KUNIT_EXPECT_EQ(test, access(c, l),
				VTIS_ACCESS_REG_VALID | VTIS_ACCESS_ESTABLISHMENT);
		KUNIT_EXPECT_EQ(test, rd32(c, l, VTIS_REG_INT_ENABLE), 0x08U);
		KUNIT_EXPECT_EQ(test, rd32(c, l, VTIS_REG_INT_STATUS), 0U);
		/* no locality is active: STS reads all-ones */
		KUNIT_EXPECT_EQ(test, rd32(c, l, VTIS_REG_STS), 0xffffffffU);
	}
	/* ACCESS is one byte: the bytes above it read 0 */
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_ACCESS), 0x81U);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
}

/* ==== ACCESS and localities ==== */

static void t_request_granted_when_free(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 2);
	KUNIT_EXPECT_EQ(test, access(c, 2) & 0xbe,
			VTIS_ACCESS_REG_VALID | VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_EQ(test, access(c, 0) & VTIS_ACCESS_ACTIVE_LOCALITY, 0);
	KUNIT_EXPECT_NE(test, sts(c, 2), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_STS), 0xffffffffU);
	/* a request by the active locality changes nothing */
	request(c, 2);
	KUNIT_EXPECT_EQ(test, access(c, 2) & VTIS_ACCESS_REQUEST_USE, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.pending, 0);
}

static void t_request_pending_when_busy(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	request(c, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
	KUNIT_EXPECT_TRUE(test, access(c, 1) & VTIS_ACCESS_REQUEST_USE);
	KUNIT_EXPECT_FALSE(test, access(c, 1) & VTIS_ACCESS_ACTIVE_LOCALITY);
	/* the active locality sees another waiting; the waiter does not */
	KUNIT_EXPECT_TRUE(test, access(c, 0) & VTIS_ACCESS_PENDING_REQUEST);
	KUNIT_EXPECT_FALSE(test, access(c, 1) & VTIS_ACCESS_PENDING_REQUEST);
}

static void t_relinquish_no_pending(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 1);
	cmd_ready(c, 1);
	relinquish(c, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
	KUNIT_EXPECT_FALSE(test, access(c, 1) & VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_EQ(test, state(c, 1), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, rd32(c, 1, VTIS_REG_STS), 0xffffffffU);
	/* another locality gets it at once now */
	request(c, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
}

static void t_relinquish_highest_pending(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	request(c, 1);
	request(c, 3);
	request(c, 2);
	relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 3);
	KUNIT_EXPECT_TRUE(test, access(c, 3) & VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_FALSE(test, access(c, 3) & VTIS_ACCESS_REQUEST_USE);
	KUNIT_EXPECT_TRUE(test, access(c, 3) & VTIS_ACCESS_PENDING_REQUEST);
	relinquish(c, 3);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
	relinquish(c, 2);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	KUNIT_EXPECT_FALSE(test, access(c, 1) & VTIS_ACCESS_PENDING_REQUEST);
	relinquish(c, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
	/* beenSeized was never involved */
	KUNIT_EXPECT_EQ(test, access(c, 0) & VTIS_ACCESS_BEEN_SEIZED, 0);
}

static void t_withdraw_request(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	request(c, 2);
	relinquish(c, 2);	/* not active: withdraws the request */
	KUNIT_EXPECT_FALSE(test, access(c, 2) & VTIS_ACCESS_REQUEST_USE);
	KUNIT_EXPECT_FALSE(test, access(c, 0) & VTIS_ACCESS_PENDING_REQUEST);
	relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
}

static void t_seize_by_higher(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	wr8(c, 2, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
	KUNIT_EXPECT_TRUE(test, access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_FALSE(test, access(c, 0) & VTIS_ACCESS_ACTIVE_LOCALITY);
	/* Seize itself never reads back */
	KUNIT_EXPECT_EQ(test, access(c, 2) & VTIS_ACCESS_SEIZE, 0);
	KUNIT_EXPECT_EQ(test, access(c, 2) & VTIS_ACCESS_BEEN_SEIZED, 0);
	/* beenSeized: writing 0 keeps it, another locality can't clear it */
	wr8(c, 0, VTIS_REG_ACCESS, 0);
	wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_TRUE(test, access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	wr8(c, 0, VTIS_REG_ACCESS, VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_FALSE(test, access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
}

static void t_seize_by_lower_ignored(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 2);
	wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	wr8(c, 2, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
	KUNIT_EXPECT_FALSE(test, access(c, 2) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_FALSE(test, access(c, 1) & VTIS_ACCESS_REQUEST_USE);
	KUNIT_EXPECT_EQ(test, c->tis.s.loc[1].access, 0);
}

static void t_seize_when_free(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	int l;

	wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++)
		KUNIT_EXPECT_EQ(test, access(c, l) & VTIS_ACCESS_BEEN_SEIZED, 0);
}

static void t_seize_drops_losers_data(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[4];

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_TRUE(test, sts(c, 0) & VTIS_STS_DATA_AVAIL);
	wr8(c, 3, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 3);
	/* the winner sees nothing of the loser's response */
	KUNIT_EXPECT_EQ(test, state(c, 3), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, recv(c, 3, b, sizeof(b)), 0U);
	KUNIT_EXPECT_EQ(test, rd8(c, 3, VTIS_REG_DATA_FIFO), 0xffU);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	/* and the loser gets a clean state when it comes back */
	wr8(c, 0, VTIS_REG_ACCESS, VTIS_ACCESS_BEEN_SEIZED);
	request(c, 0);
	relinquish(c, 3);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
}

static void t_establishment(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	int l;

	KUNIT_EXPECT_TRUE(test, access(c, 0) & VTIS_ACCESS_ESTABLISHMENT);
	vtis_tis_set_established(&c->tis, true);
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++)
		KUNIT_EXPECT_FALSE(test, access(c, l) & VTIS_ACCESS_ESTABLISHMENT);
	/* resetEstablishment is refused from localities 0-2 */
	for (l = 0; l < 3; l++) {
		request(c, l);
		wr32(c, l, VTIS_REG_STS, VTIS_STS_RESET_ESTABLISHMENT);
		KUNIT_EXPECT_FALSE(test, access(c, l) & VTIS_ACCESS_ESTABLISHMENT);
		relinquish(c, l);
	}
	/* and only honoured from the active locality 3 */
	wr32(c, 3, VTIS_REG_STS, VTIS_STS_RESET_ESTABLISHMENT);
	KUNIT_EXPECT_FALSE(test, access(c, 3) & VTIS_ACCESS_ESTABLISHMENT);
	request(c, 3);
	/* it reads as 0 in STS */
	KUNIT_EXPECT_EQ(test, sts(c, 3) & VTIS_STS_RESET_ESTABLISHMENT, 0U);
	wr8(c, 3, VTIS_REG_STS + 3, VTIS_STS_RESET_ESTABLISHMENT >> 24);
	KUNIT_EXPECT_TRUE(test, access(c, 3) & VTIS_ACCESS_ESTABLISHMENT);
	KUNIT_EXPECT_TRUE(test, access(c, 0) & VTIS_ACCESS_ESTABLISHMENT);
}

static void t_establishment_tpm12(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_1_2);

	vtis_tis_set_established(&c->tis, true);
	request(c, 3);
	wr32(c, 3, VTIS_REG_STS, VTIS_STS_RESET_ESTABLISHMENT);
	/* the STS bit is TPM 2.0 only */
	KUNIT_EXPECT_FALSE(test, access(c, 3) & VTIS_ACCESS_ESTABLISHMENT);
}

static void t_locality4_writes_dropped(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	struct vtis_tis_state *before;

	request(c, 0);
	cmd_ready(c, 0);
	before = snap(test, c);
	request(c, 4);
	wr8(c, 4, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	wr8(c, 4, VTIS_REG_HASH_START, 0xff);
	wr8(c, 4, VTIS_REG_DATA_FIFO, 0x80);	/* HASH_DATA */
	wr32(c, 4, VTIS_REG_DATA_FIFO, 0x01020304);
	wr8(c, 4, VTIS_REG_HASH_END, 0xff);
	wr32(c, 4, VTIS_REG_INT_ENABLE, 0xffffffff);
	KUNIT_EXPECT_TRUE(test, same_state(before, &c->tis.s));
	/* reads work */
	KUNIT_EXPECT_EQ(test, access(c, 4) & VTIS_ACCESS_REG_VALID,
			VTIS_ACCESS_REG_VALID);
	KUNIT_EXPECT_EQ(test, rd32(c, 4, VTIS_REG_HASH_START), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
}

/* ==== STS and the command state machine ==== */

static void t_command_ready(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u32 v;

	request(c, 0);
	v = sts(c, 0);
	KUNIT_EXPECT_EQ(test, v & (VTIS_STS_COMMAND_READY | VTIS_STS_DATA_AVAIL |
				   VTIS_STS_EXPECT), 0U);
	KUNIT_EXPECT_EQ(test, v & VTIS_STS_FAMILY_MASK, VTIS_STS_FAMILY_2_0);
	cmd_ready(c, 0);
	v = sts(c, 0);
	KUNIT_EXPECT_EQ(test, v & 0xffU, VTIS_STS_VALID | VTIS_STS_COMMAND_READY);
	KUNIT_EXPECT_EQ(test, (v & VTIS_STS_BURST_MASK) >> 8, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_READY);
	/* again in READY: stays ready */
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_READY);
}

static void t_sts_family_tpm12(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_1_2);

	request(c, 0);
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, sts(c, 0) & 0xff0000ffU,
			VTIS_STS_VALID | VTIS_STS_COMMAND_READY);
}

static void t_sts_read_zero_bits(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	request(c, 0);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_STS) & STS_READ_ZERO, 0);
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_STS) & STS_READ_ZERO, 0);
	send(c, 0, tpm2_getrandom, 3);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_STS) & STS_READ_ZERO, 0);
	send(c, 0, tpm2_getrandom + 3, sizeof(tpm2_getrandom) - 3);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_STS) & STS_READ_ZERO, 0);
	go(c, 0);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_STS) & STS_READ_ZERO, 0);
	wr8(c, 0, VTIS_REG_STS, VTIS_STS_RESPONSE_RETRY);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_STS) & STS_READ_ZERO, 0);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_STS) & STS_READ_ZERO, 0);
	recv(c, 0, b, sizeof(b));
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_STS) & STS_READ_ZERO, 0);
	wr8(c, 0, VTIS_REG_STS, VTIS_STS_RESPONSE_RETRY);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_STS) & STS_READ_ZERO, 0);
	KUNIT_EXPECT_EQ(test, sts(c, 0) & (VTIS_STS_COMMAND_CANCEL |
					    VTIS_STS_RESET_ESTABLISHMENT), 0U);
}

static void t_expect_tracking(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u32 i;

	request(c, 0);
	cmd_ready(c, 0);
	for (i = 0; i < sizeof(tpm2_getrandom) - 1; i++) {
		wr8(c, 0, VTIS_REG_DATA_FIFO, tpm2_getrandom[i]);
		KUNIT_EXPECT_TRUE(test, sts(c, 0) & VTIS_STS_EXPECT);
		KUNIT_EXPECT_TRUE(test, sts(c, 0) & VTIS_STS_VALID);
		KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_RECEPTION);
	}
	wr8(c, 0, VTIS_REG_DATA_FIFO, tpm2_getrandom[i]);
	KUNIT_EXPECT_FALSE(test, sts(c, 0) & VTIS_STS_EXPECT);
	KUNIT_EXPECT_TRUE(test, sts(c, 0) & VTIS_STS_VALID);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
}

static void t_go_refused_while_expect(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	go(c, 0);			/* IDLE */
	cmd_ready(c, 0);
	go(c, 0);			/* READY */
	send(c, 0, tpm2_getrandom, 4);
	go(c, 0);			/* size unknown */
	send(c, 0, tpm2_getrandom + 4, 6);
	go(c, 0);			/* 10 of 12 */
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_RECEPTION);
	send(c, 0, tpm2_getrandom + 10, 2);
	go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
}

static void t_go_submits(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	submit_cmd(c, 1, tpm2_getrandom, sizeof(tpm2_getrandom));
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_len, (u32)sizeof(tpm2_getrandom));
	KUNIT_EXPECT_EQ(test, c->fk.cmd_loc, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, tpm2_getrandom,
				     sizeof(tpm2_getrandom)), 0);
	KUNIT_EXPECT_TRUE(test, vtis_tis_busy(&c->tis));
	KUNIT_EXPECT_EQ(test, state(c, 1), (u8)VTIS_LOC_EXECUTION);
	/* while executing: valid, nothing available, no burst */
	KUNIT_EXPECT_EQ(test, sts(c, 1) & 0x00ffffffU, VTIS_STS_VALID);
	/* a second go does not submit again */
	go(c, 1);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
}

static void t_burst_count(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	request(c, 0);
	KUNIT_EXPECT_EQ(test, burst(c, 0), 0U);		/* idle */
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, burst(c, 0), 4096U);
	send(c, 0, tpm2_getrandom, 5);
	KUNIT_EXPECT_EQ(test, burst(c, 0), 4091U);
	send(c, 0, tpm2_getrandom + 5, 7);
	go(c, 0);
	KUNIT_EXPECT_EQ(test, burst(c, 0), 0U);		/* executing */
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, burst(c, 0), (u32)sizeof(tpm2_getrandom_rsp));
	recv(c, 0, b, 6);
	KUNIT_EXPECT_EQ(test, burst(c, 0), (u32)sizeof(tpm2_getrandom_rsp) - 6);
	recv(c, 0, b, sizeof(b));
	KUNIT_EXPECT_EQ(test, burst(c, 0), 0U);
}

static void t_burst_count_partial_reads(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	cmd_ready(c, 0);
	/* 4096 = 0x1000: a byte read of the low half must not show 0 */
	KUNIT_EXPECT_EQ(test, rd(c, LOC(0, VTIS_REG_STS + 1), 1), 0xffU);
	KUNIT_EXPECT_EQ(test, rd(c, LOC(0, VTIS_REG_STS + 1), 2), 0x1000U);
	KUNIT_EXPECT_EQ(test, rd(c, LOC(0, VTIS_REG_STS + 2), 1), 0x10U);
	KUNIT_EXPECT_EQ(test, rd(c, LOC(0, VTIS_REG_STS), 2),
			0xff00U | VTIS_STS_VALID | VTIS_STS_COMMAND_READY);
	KUNIT_EXPECT_EQ(test, rd(c, LOC(0, VTIS_REG_STS + 3), 1), 0x04U);
}

static void t_response_read(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[64];

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, vtis_tis_response(&c->tis, tpm2_getrandom_rsp,
						  sizeof(tpm2_getrandom_rsp)));
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	KUNIT_EXPECT_EQ(test, sts(c, 0) & 0xffU,
			VTIS_STS_VALID | VTIS_STS_DATA_AVAIL);
	KUNIT_ASSERT_EQ(test, recv(c, 0, b, sizeof(b)),
			(u32)sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, tpm2_getrandom_rsp,
				     sizeof(tpm2_getrandom_rsp)), 0);
	KUNIT_EXPECT_EQ(test, sts(c, 0) & 0xffU, VTIS_STS_VALID);
}

static void t_fifo_read_no_data(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);	/* none */
	request(c, 0);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_DATA_FIFO), 0xffffffffU);
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	send(c, 0, tpm2_getrandom, 4);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	send(c, 0, tpm2_getrandom + 4, 8);
	go(c, 0);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	/* reading in RECEPTION/EXECUTION did not disturb the command */
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, tpm2_getrandom, 12), 0);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, rd8(c, 1, VTIS_REG_DATA_FIFO), 0xffU);	/* other */
	recv(c, 0, b, sizeof(b));
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_XDATA_FIFO), 0xffffffffU);
}

static void t_response_retry(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[64];

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	recv(c, 0, b, 15);
	wr8(c, 0, VTIS_REG_STS, VTIS_STS_RESPONSE_RETRY);
	KUNIT_EXPECT_EQ(test, burst(c, 0), (u32)sizeof(tpm2_getrandom_rsp));
	KUNIT_ASSERT_EQ(test, recv(c, 0, b, sizeof(b)),
			(u32)sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, tpm2_getrandom_rsp,
				     sizeof(tpm2_getrandom_rsp)), 0);
	wr8(c, 0, VTIS_REG_STS, VTIS_STS_RESPONSE_RETRY);
	KUNIT_EXPECT_TRUE(test, sts(c, 0) & VTIS_STS_DATA_AVAIL);
}

static void t_multi_bit_sts_ignored(struct kunit *test)
{
	static const u32 bad[] = {
		VTIS_STS_COMMAND_READY | VTIS_STS_GO,
		VTIS_STS_GO | VTIS_STS_RESPONSE_RETRY,
		VTIS_STS_COMMAND_READY | VTIS_STS_RESPONSE_RETRY,
		VTIS_STS_COMMAND_READY | VTIS_STS_GO | VTIS_STS_RESPONSE_RETRY,
		VTIS_STS_COMMAND_READY | VTIS_STS_GO | VTIS_STS_COMMAND_CANCEL,
	};
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[64];
	int i;

	request(c, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		wr32(c, 0, VTIS_REG_STS, bad[i]);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_IDLE);
	cmd_ready(c, 0);
	send(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		wr32(c, 0, VTIS_REG_STS, bad[i]);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_RECEPTION);
	go(c, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		wr32(c, 0, VTIS_REG_STS, bad[i]);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	recv(c, 0, b, 5);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		wr32(c, 0, VTIS_REG_STS, bad[i]);
	/* no retry happened, nothing was discarded */
	KUNIT_EXPECT_EQ(test, burst(c, 0), (u32)sizeof(tpm2_getrandom_rsp) - 5);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_COMPLETION);
}

static void t_command_ready_discards_response(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	rd8(c, 0, VTIS_REG_DATA_FIFO);
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_READY);
	KUNIT_EXPECT_FALSE(test, sts(c, 0) & VTIS_STS_DATA_AVAIL);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	wr8(c, 0, VTIS_REG_STS, VTIS_STS_RESPONSE_RETRY);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
}

static void t_command_ready_aborts_reception(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	cmd_ready(c, 0);
	send(c, 0, tpm2_probe_cmd, 7);
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_READY);
	KUNIT_EXPECT_EQ(test, burst(c, 0), 4096U);
	send(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	go(c, 0);
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_len, (u32)sizeof(tpm2_getrandom));
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, tpm2_getrandom, 12), 0);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 0);
}

static void t_abort_during_execution(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	/* deferred: still executing until the backend answers */
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_EXECUTION);
	KUNIT_EXPECT_FALSE(test, sts(c, 0) & VTIS_STS_COMMAND_READY);
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	KUNIT_EXPECT_TRUE(test, vtis_tis_response(&c->tis, tpm2_getrandom_rsp,
						  sizeof(tpm2_getrandom_rsp)));
	/* the answer is dropped and the locality is ready for a command */
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_READY);
	KUNIT_EXPECT_EQ(test, sts(c, 0) & 0xffU,
			VTIS_STS_VALID | VTIS_STS_COMMAND_READY);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
}

static void t_command_cancel_tpm2(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	request(c, 0);
	wr32(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_CANCEL);	/* idle */
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 0);
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	wr32(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_CANCEL);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	wr8(c, 0, VTIS_REG_STS + 3, VTIS_STS_COMMAND_CANCEL >> 24);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 2);
	/* cancel does not drop the answer: the guest reads it */
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, recv(c, 0, b, sizeof(b)),
			(u32)sizeof(tpm2_getrandom_rsp));
	wr32(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_CANCEL);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 2);
}

static void t_command_cancel_tpm12_ignored(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_1_2);

	submit_cmd(c, 0, tpm12_getrandom, sizeof(tpm12_getrandom));
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	wr32(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_CANCEL);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 0);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_EXECUTION);
}

static void t_fifo_write_outside_reception(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[64];

	request(c, 0);
	send(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));	/* idle */
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, 0U);
	cmd_ready(c, 0);
	send(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	go(c, 0);
	send(c, 0, tpm2_probe_cmd, sizeof(tpm2_probe_cmd));	/* executing */
	KUNIT_EXPECT_EQ(test, c->tis.s.len, (u32)sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	send(c, 0, tpm2_probe_cmd, sizeof(tpm2_probe_cmd));	/* completion */
	KUNIT_ASSERT_EQ(test, recv(c, 0, b, sizeof(b)),
			(u32)sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, tpm2_getrandom_rsp,
				     sizeof(tpm2_getrandom_rsp)), 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
}

static void t_inactive_locality_writes_ignored(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	cmd_ready(c, 0);
	send(c, 0, tpm2_getrandom, 6);
	/* locality 1 is not active: its FIFO, STS and INT writes do nothing */
	send(c, 1, tpm2_getrandom + 6, 6);
	cmd_ready(c, 1);
	go(c, 1);
	wr32(c, 1, VTIS_REG_INT_ENABLE, 0xffffffff);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, 6U);
	KUNIT_EXPECT_EQ(test, state(c, 1), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, rd32(c, 1, VTIS_REG_INT_ENABLE), 0x08U);
	send(c, 0, tpm2_getrandom + 6, 6);
	go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, tpm2_getrandom, 12), 0);
}

static void t_xdata_fifo(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[20];
	u32 i, v;

	request(c, 0);
	cmd_ready(c, 0);
	for (i = 0; i < sizeof(tpm2_getrandom); i += 4) {
		v = (u32)tpm2_getrandom[i] | (u32)tpm2_getrandom[i + 1] << 8 |
		    (u32)tpm2_getrandom[i + 2] << 16 |
		    (u32)tpm2_getrandom[i + 3] << 24;
		wr(c, LOC(0, VTIS_REG_XDATA_FIFO + 0x10 + i), 4, v);
	}
	go(c, 0);
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, tpm2_getrandom, 12), 0);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	for (i = 0; i < sizeof(b); i += 4) {
		v = rd(c, LOC(0, VTIS_REG_XDATA_FIFO_END - 3), 4);
		b[i] = v;
		b[i + 1] = v >> 8;
		b[i + 2] = v >> 16;
		b[i + 3] = v >> 24;
	}
	KUNIT_EXPECT_EQ(test, memcmp(b, tpm2_getrandom_rsp, sizeof(b)), 0);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_XDATA_FIFO + 5), 0xffU);
}

static void t_fifo_2_and_4_byte(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_1_2);
	u8 b[18];
	u32 i, v;

	request(c, 0);
	cmd_ready(c, 0);
	for (i = 0; i < 12; i += 4)
		wr(c, LOC(0, VTIS_REG_DATA_FIFO), 4,
		   (u32)tpm12_getrandom[i] | (u32)tpm12_getrandom[i + 1] << 8 |
		   (u32)tpm12_getrandom[i + 2] << 16 |
		   (u32)tpm12_getrandom[i + 3] << 24);
	wr(c, LOC(0, VTIS_REG_DATA_FIFO), 2,
	   tpm12_getrandom[12] | tpm12_getrandom[13] << 8);
	go(c, 0);
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, tpm12_getrandom,
				     sizeof(tpm12_getrandom)), 0);
	vtis_tis_response(&c->tis, tpm12_getrandom_rsp, sizeof(tpm12_getrandom_rsp));
	for (i = 0; i < sizeof(b); i += 2) {
		v = rd(c, LOC(0, VTIS_REG_DATA_FIFO + 2), 2);
		b[i] = v;
		b[i + 1] = v >> 8;
	}
	KUNIT_EXPECT_EQ(test, memcmp(b, tpm12_getrandom_rsp, sizeof(b)), 0);
	/* past the end a 2-byte read is 0xffff */
	KUNIT_EXPECT_EQ(test, rd(c, LOC(0, VTIS_REG_DATA_FIFO), 2), 0xffffU);
}

static void t_eight_byte_access(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 in[8], out[8];
	int i;

	request(c, 0);
	cmd_ready(c, 0);
	/* 8 bytes at XDATA_FIFO move 8 FIFO bytes */
	memcpy(in, tpm2_getrandom, 8);
	vtis_tis_write(&c->tis, LOC(0, VTIS_REG_XDATA_FIFO), 8, in);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, 8U);
	/* 8 bytes at DATA_FIFO: 4 FIFO bytes, the upper 4 are no register */
	memcpy(in, tpm2_getrandom + 8, 4);
	memset(in + 4, 0xee, 4);
	vtis_tis_write(&c->tis, LOC(0, VTIS_REG_DATA_FIFO), 8, in);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, 12U);
	go(c, 0);
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, tpm2_getrandom, 12), 0);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	vtis_tis_read(&c->tis, LOC(0, VTIS_REG_XDATA_FIFO + 8), 8, out);
	KUNIT_EXPECT_EQ(test, memcmp(out, tpm2_getrandom_rsp, 8), 0);
	vtis_tis_read(&c->tis, LOC(0, VTIS_REG_DATA_FIFO), 8, out);
	KUNIT_EXPECT_EQ(test, memcmp(out, tpm2_getrandom_rsp + 8, 4), 0);
	for (i = 4; i < 8; i++)
		KUNIT_EXPECT_EQ(test, out[i], 0xffU);
	/* 8 bytes at STS: STS, then 0x1c-0x1f which read 0xff */
	vtis_tis_read(&c->tis, LOC(0, VTIS_REG_STS), 8, out);
	KUNIT_EXPECT_EQ(test, out[0], (u8)(VTIS_STS_VALID | VTIS_STS_DATA_AVAIL));
	KUNIT_EXPECT_EQ(test, out[1], 8U);
	for (i = 4; i < 8; i++)
		KUNIT_EXPECT_EQ(test, out[i], 0xffU);
	/* 8 bytes at INT_ENABLE: INT_ENABLE then INT_VECTOR */
	vtis_tis_read(&c->tis, LOC(0, VTIS_REG_INT_ENABLE), 8, out);
	KUNIT_EXPECT_EQ(test, out[0], 0x08U);
	for (i = 1; i < 8; i++)
		KUNIT_EXPECT_EQ(test, out[i], 0U);
}

static void t_unaligned_access(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	vtis_tis_set_int_vector(&c->tis, 7);
	request(c, 0);
	/* 2 bytes at 0x0f: top byte of INT_VECTOR, low byte of INT_STATUS */
	KUNIT_EXPECT_EQ(test, rd(c, LOC(0, 0x0f), 2), 0U);
	/* 4 bytes at 0x0d: INT_VECTOR bytes 1-3 and INT_STATUS byte 0 */
	KUNIT_EXPECT_EQ(test, rd(c, LOC(0, 0x0d), 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(c, LOC(0, 0x0b), 2), 0x0700U);
	/* unaligned 4-byte read at 0x16: INTF_CAPABILITY top, STS low */
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, rd(c, LOC(0, 0x16), 4),
			0x3000U | (VTIS_STS_VALID | VTIS_STS_COMMAND_READY) << 16 |
			0xffU << 24);
	/* a 2-byte write at 0x0a..0x0b only touches those INT_ENABLE bytes */
	wr(c, LOC(0, VTIS_REG_INT_ENABLE + 2), 2, 0x8000);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_ENABLE), 0x80000008U);
	/* a 2-byte write at 0x17 puts commandReady into STS */
	relinquish(c, 0);
	request(c, 0);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_IDLE);
	wr(c, LOC(0, 0x17), 2, VTIS_STS_COMMAND_READY << 8);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_READY);
}

/*
 * KVM splits an access that crosses a 4 KiB page into one piece per page,
 * so a guest's unaligned 4- or 8-byte access from one locality into the
 * next arrives as pieces of 1 to 7 bytes.  Pieces of 3, 5, 6 and 7 bytes
 * are served like any other length (they once read all-ones and wrote
 * nothing, and fell through to the VMM as MMIO exits).
 */
static void t_page_pieces(struct kunit *test)
{
	static const u32 lens[] = { 3, 5, 6, 7 };
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[8], acc;
	int i, j;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		/* the second piece, at the start of locality 0's page */
		memset(b, 0, sizeof(b));
		b[0] = VTIS_ACCESS_REQUEST_USE;
		vtis_tis_write(&c->tis, LOC(0, VTIS_REG_ACCESS), lens[i], b);
		KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0U);
		acc = rd8(c, 0, VTIS_REG_ACCESS);
		memset(b, 0x5a, sizeof(b));
		vtis_tis_read(&c->tis, LOC(0, VTIS_REG_ACCESS), lens[i], b);
		KUNIT_EXPECT_EQ(test, b[0], acc);
		for (j = 1; j < lens[i] && j < 4; j++)
			KUNIT_EXPECT_EQ(test, b[j], 0U);
		/* 0x04-0x07: no register */
		for (j = 4; j < lens[i]; j++)
			KUNIT_EXPECT_EQ(test, b[j], 0xffU);
		for (j = lens[i]; j < 8; j++)
			KUNIT_EXPECT_EQ(test, b[j], 0x5aU);
		memset(b, 0, sizeof(b));
		b[0] = VTIS_ACCESS_ACTIVE_LOCALITY;
		vtis_tis_write(&c->tis, LOC(0, VTIS_REG_ACCESS), lens[i], b);
		KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
		/* the first piece, at the end of locality 1's page: no register */
		memset(b, 0, sizeof(b));
		vtis_tis_read(&c->tis, LOC(1, 0x1000 - lens[i]), lens[i], b);
		for (j = 0; j < lens[i]; j++)
			KUNIT_EXPECT_EQ(test, b[j], 0xffU);
	}
	/* 3 bytes of DID_VID */
	memset(b, 0, sizeof(b));
	vtis_tis_read(&c->tis, LOC(0, VTIS_REG_DID_VID), 3, b);
	KUNIT_EXPECT_EQ(test, b[0] | b[1] << 8 | b[2] << 16,
			(int)(VTIS_DID_VID & 0xffffff));
}

static void t_bad_lengths_and_ranges(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[8];
	int j;

	/* out of the window, or crossing into the next locality */
	KUNIT_EXPECT_EQ(test, rd(c, 0x5000, 4), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, rd(c, 0xffffffff, 1), 0xffU);
	KUNIT_EXPECT_EQ(test, rd(c, 0x4fff, 2), 0xffffU);
	KUNIT_EXPECT_EQ(test, rd(c, 0x0ffe, 4), 0xffffffffU);
	memset(b, 0, sizeof(b));
	vtis_tis_read(&c->tis, 0x0ffc, 8, b);
	for (j = 0; j < 8; j++)
		KUNIT_EXPECT_EQ(test, b[j], 0xffU);
	wr(c, 0x5000, 1, VTIS_ACCESS_REQUEST_USE);
	wr(c, 0x0fff, 2, VTIS_ACCESS_REQUEST_USE << 8);	/* would hit 0x1000 */
	wr(c, 0xfffffffc, 4, VTIS_ACCESS_REQUEST_USE);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
	/* a zero or oversized length touches nothing */
	memset(b, 0x33, sizeof(b));
	vtis_tis_read(&c->tis, 0, 0, b);
	vtis_tis_read(&c->tis, 0, 16, b);
	KUNIT_EXPECT_EQ(test, b[0], 0x33U);
	vtis_tis_read(&c->tis, 0, 4, NULL);
	vtis_tis_write(&c->tis, 0, 1, NULL);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
}

/* ==== interrupts ==== */

static void t_irq_data_avail(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	wr32(c, 0, VTIS_REG_INT_ENABLE,
	     VTIS_INT_GLOBAL_ENABLE | VTIS_INT_DATA_AVAIL | 0x08);
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS), VTIS_INT_DATA_AVAIL);
	wr32(c, 0, VTIS_REG_INT_STATUS, VTIS_INT_DATA_AVAIL);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS), 0U);
	KUNIT_EXPECT_EQ(test, c->fk.irq_edges, 2);
}

static void t_int_status_w1c(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	wr32(c, 0, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
	     VTIS_INT_SUPPORTED | 0x08);
	relinquish(c, 0);
	request(c, 0);		/* localityChange */
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_SUPPORTED);
	/* writing 0 clears nothing; unsupported bits are ignored */
	wr32(c, 0, VTIS_REG_INT_STATUS, 0x7fffff00);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_SUPPORTED);
	wr32(c, 0, VTIS_REG_INT_STATUS, VTIS_INT_DATA_AVAIL | VTIS_INT_STS_VALID);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	wr8(c, 0, VTIS_REG_INT_STATUS, VTIS_INT_LOCALITY_CHANGE);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	wr8(c, 0, VTIS_REG_INT_STATUS, VTIS_INT_COMMAND_READY);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS), 0U);
}

static void t_irq_needs_global_enable(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	wr32(c, 0, VTIS_REG_INT_ENABLE, VTIS_INT_SUPPORTED | 0x08);
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS), 0U);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, c->fk.irq_edges, 0);
	/* INT_ENABLE keeps only defined bits */
	wr32(c, 0, VTIS_REG_INT_ENABLE, 0xffffffff);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_ENABLE), 0x8000009fU);
	/* clearing the global enable drops a raised line */
	cmd_ready(c, 0);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	wr8(c, 0, VTIS_REG_INT_ENABLE + 3, 0);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
}

static void t_irq_follows_active_locality(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	wr32(c, 0, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
	     VTIS_INT_COMMAND_READY | 0x08);
	cmd_ready(c, 0);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	relinquish(c, 0);
	/* locality 0's status stays, but it no longer drives the line */
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_COMMAND_READY);
	request(c, 1);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	relinquish(c, 1);
	request(c, 0);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
}

static void t_irq_locality_change(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	request(c, 1);
	/* locality 1 cannot write INT_ENABLE before it is active */
	wr32(c, 1, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
	     VTIS_INT_LOCALITY_CHANGE);
	KUNIT_EXPECT_EQ(test, rd32(c, 1, VTIS_REG_INT_ENABLE), 0x08U);
	relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	wr32(c, 1, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
	     VTIS_INT_LOCALITY_CHANGE);
	relinquish(c, 1);
	KUNIT_EXPECT_EQ(test, rd32(c, 1, VTIS_REG_INT_STATUS), 0U);
	request(c, 1);
	KUNIT_EXPECT_EQ(test, rd32(c, 1, VTIS_REG_INT_STATUS),
			VTIS_INT_LOCALITY_CHANGE);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
}

static void t_irq_command_ready_and_sts_valid(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	request(c, 0);
	wr32(c, 0, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
	     VTIS_INT_COMMAND_READY | VTIS_INT_STS_VALID | 0x08);
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_COMMAND_READY);
	wr32(c, 0, VTIS_REG_INT_STATUS, 0xff);
	send(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom) - 1);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS), 0U);
	send(c, 0, tpm2_getrandom + 11, 1);
	/* the command became complete (Expect 1 -> 0) */
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS), VTIS_INT_STS_VALID);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
}

/* ==== guest commands that must not reach the backend ==== */

static void t_set_locality_blocked_tpm2(struct kunit *test)
{
	static const u8 cmd[] = { 0x80, 0x01, 0x00, 0x00, 0x00, 0x0b,
				  0x20, 0x00, 0x10, 0x00, 0x03 };
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 *c2 = mkcmd(test, 0x8002, 11, VTIS_ORD_SET_LOCALITY, 11);

	submit_cmd(c, 0, cmd, sizeof(cmd));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_CODE);
	/* the sessions tag form is refused the same way */
	submit_cmd(c, 0, c2, 11);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_CODE);
}

static void t_set_locality_blocked_tpm12(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_1_2);
	u8 *cmd = mkcmd(test, 0x00c1, 11, VTIS_ORD_SET_LOCALITY, 11);

	submit_cmd(c, 2, cmd, 11);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	expect_tpm12_error(c, 2, VTIS_TPM12_BAD_ORDINAL);
}

static void t_tcg_prefix_blocked(struct kunit *test)
{
	struct ctx *c2 = mk(test, VTIS_FAMILY_2_0);
	struct ctx *c1 = mk(test, VTIS_FAMILY_1_2);
	u8 *cmd = mkcmd(test, 0, 0, 0, VTIS_BUFFER_SIZE);

	/* 00 00 00 08, locality, then a TPM command */
	cmd[3] = 0x08;
	cmd[4] = 0x04;
	memcpy(cmd + 5, tpm2_getrandom, sizeof(tpm2_getrandom));
	request(c2, 0);
	cmd_ready(c2, 0);
	send(c2, 0, cmd, 17);
	/* its "size" is 0x0008xxxx: the TPM keeps expecting until full */
	KUNIT_EXPECT_TRUE(test, sts(c2, 0) & VTIS_STS_EXPECT);
	send(c2, 0, cmd + 17, VTIS_BUFFER_SIZE - 17);
	KUNIT_EXPECT_FALSE(test, sts(c2, 0) & VTIS_STS_EXPECT);
	go(c2, 0);
	KUNIT_EXPECT_EQ(test, c2->fk.submits, 0);
	expect_tpm2_error(c2, 0, VTIS_TPM2_RC_COMMAND_CODE);

	submit_cmd(c1, 0, cmd, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, c1->fk.submits, 0);
	expect_tpm12_error(c1, 0, VTIS_TPM12_BAD_ORDINAL);
}

static void t_tcg_prefix_overflow_blocked(struct kunit *test)
{
	static const u8 cmd[] = { 0x00, 0x00, 0x00, 0x08, 0x00 };
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u32 i;

	/* the prefix is recognised even when more than 4096 bytes came */
	request(c, 0);
	cmd_ready(c, 0);
	send(c, 0, cmd, sizeof(cmd));
	for (i = sizeof(cmd); i < VTIS_BUFFER_SIZE + 100; i++)
		wr8(c, 0, VTIS_REG_DATA_FIFO, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, VTIS_BUFFER_SIZE);
	go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_CODE);
}

static void t_header_size_too_small(struct kunit *test)
{
	static const u32 sizes[] = { 0, 6, 8, 9 };
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	struct ctx *c1 = mk(test, VTIS_FAMILY_1_2);
	u8 *cmd;
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		cmd = mkcmd(test, 0x8001, sizes[i], 0x17b, 10);
		request(c, 0);
		cmd_ready(c, 0);
		send(c, 0, cmd, sizes[i] > 6 ? sizes[i] : 6);
		/* the size is known and reached: Expect drops */
		KUNIT_EXPECT_FALSE(test, sts(c, 0) & VTIS_STS_EXPECT);
		go(c, 0);
		KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
		expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_SIZE);
	}
	cmd = mkcmd(test, 0x00c1, 9, 0x46, 10);
	submit_cmd(c1, 0, cmd, 9);
	KUNIT_EXPECT_EQ(test, c1->fk.submits, 0);
	expect_tpm12_error(c1, 0, VTIS_TPM12_BAD_PARAM_SIZE);
}

static void t_more_bytes_than_header(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 *cmd = mkcmd(test, 0x8001, 12, 0x17b, 14);

	request(c, 0);
	cmd_ready(c, 0);
	send(c, 0, cmd, 14);
	KUNIT_EXPECT_FALSE(test, sts(c, 0) & VTIS_STS_EXPECT);
	go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_SIZE);
}

static void t_buffer_overrun(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 *cmd = mkcmd(test, 0x8001, VTIS_BUFFER_SIZE, 0x17b,
			VTIS_BUFFER_SIZE + 64);

	request(c, 0);
	cmd_ready(c, 0);
	send(c, 0, cmd, VTIS_BUFFER_SIZE - 1);
	KUNIT_EXPECT_TRUE(test, sts(c, 0) & VTIS_STS_EXPECT);
	KUNIT_EXPECT_EQ(test, burst(c, 0), 1U);
	send(c, 0, cmd + VTIS_BUFFER_SIZE - 1, 65);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, burst(c, 0), 0U);
	KUNIT_EXPECT_FALSE(test, sts(c, 0) & VTIS_STS_EXPECT);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_SIZE);
}

static void t_huge_header_size(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_1_2);
	u8 *cmd = mkcmd(test, 0x00c1, 0xffffffff, 0x46, VTIS_BUFFER_SIZE);

	request(c, 0);
	cmd_ready(c, 0);
	send(c, 0, cmd, 100);
	KUNIT_EXPECT_TRUE(test, sts(c, 0) & VTIS_STS_EXPECT);
	go(c, 0);
	KUNIT_EXPECT_EQ(test, state(c, 0), (u8)VTIS_LOC_RECEPTION);
	send(c, 0, cmd + 100, VTIS_BUFFER_SIZE - 100);
	KUNIT_EXPECT_FALSE(test, sts(c, 0) & VTIS_STS_EXPECT);
	go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	expect_tpm12_error(c, 0, VTIS_TPM12_BAD_PARAM_SIZE);
}

static void t_max_command_forwarded(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 *cmd = mkcmd(test, 0x8001, VTIS_BUFFER_SIZE, 0x17b, VTIS_BUFFER_SIZE);

	submit_cmd(c, 0, cmd, VTIS_BUFFER_SIZE);
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_len, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, cmd, VTIS_BUFFER_SIZE), 0);
}

/* ==== responses from the backend ==== */

static void t_response_too_short(struct kunit *test)
{
	static const u8 rsp[] = { 0x80, 0x01, 0x00, 0x00, 0x00, 0x09,
				  0x00, 0x00, 0x00 };
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, vtis_tis_response(&c->tis, rsp, sizeof(rsp)));
	expect_tpm2_error(c, 0, VTIS_TPM2_RC_FAILURE);
}

static void t_response_too_long(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 *rsp = mkcmd(test, 0x8001, VTIS_BUFFER_SIZE + 1, 0,
			VTIS_BUFFER_SIZE + 1);

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, rsp, VTIS_BUFFER_SIZE + 1);
	expect_tpm2_error(c, 0, VTIS_TPM2_RC_FAILURE);
	/* 4 GiB - 1 claimed: still refused */
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, rsp, 0xffffffff);
	expect_tpm2_error(c, 0, VTIS_TPM2_RC_FAILURE);
}

static void t_response_size_mismatch(struct kunit *test)
{
	static const u32 fields[] = { 0, 10, 19, 21, 4097, 0xffffffff };
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 rsp[20];
	int i;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		memcpy(rsp, tpm2_getrandom_rsp, sizeof(rsp));
		put32(rsp + 2, fields[i]);
		submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
		vtis_tis_response(&c->tis, rsp, sizeof(rsp));
		expect_tpm2_error(c, 0, VTIS_TPM2_RC_FAILURE);
	}
}

static void t_response_failure_tpm12(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_1_2);
	u8 rsp[18];

	memcpy(rsp, tpm12_getrandom_rsp, sizeof(rsp));
	put32(rsp + 2, 100);
	submit_cmd(c, 0, tpm12_getrandom, sizeof(tpm12_getrandom));
	vtis_tis_response(&c->tis, rsp, sizeof(rsp));
	expect_tpm12_error(c, 0, VTIS_TPM12_FAIL);
	submit_cmd(c, 0, tpm12_getrandom, sizeof(tpm12_getrandom));
	vtis_tis_response(&c->tis, NULL, 18);
	expect_tpm12_error(c, 0, VTIS_TPM12_FAIL);
}

static void t_response_without_command(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	struct vtis_tis_state *before;

	KUNIT_EXPECT_FALSE(test, vtis_tis_response(&c->tis, tpm2_getrandom_rsp,
						   sizeof(tpm2_getrandom_rsp)));
	request(c, 0);
	cmd_ready(c, 0);
	send(c, 0, tpm2_getrandom, 5);
	before = snap(test, c);
	KUNIT_EXPECT_FALSE(test, vtis_tis_response(&c->tis, tpm2_getrandom_rsp,
						   sizeof(tpm2_getrandom_rsp)));
	vtis_tis_backend_error(&c->tis);
	KUNIT_EXPECT_TRUE(test, same_state(before, &c->tis.s));
}

static void t_second_response_ignored(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, vtis_tis_response(&c->tis, tpm2_getrandom_rsp,
						  sizeof(tpm2_getrandom_rsp)));
	KUNIT_EXPECT_FALSE(test, vtis_tis_response(&c->tis, tpm12_badtag_rsp,
						   sizeof(tpm12_badtag_rsp)));
	KUNIT_ASSERT_EQ(test, recv(c, 0, b, sizeof(b)),
			(u32)sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, tpm2_getrandom_rsp,
				     sizeof(tpm2_getrandom_rsp)), 0);
}

static void t_backend_error(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	struct ctx *c1 = mk(test, VTIS_FAMILY_1_2);

	submit_cmd(c, 1, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_backend_error(&c->tis);
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	expect_tpm2_error(c, 1, VTIS_TPM2_RC_FAILURE);
	submit_cmd(c1, 0, tpm12_getrandom, sizeof(tpm12_getrandom));
	vtis_tis_backend_error(&c1->tis);
	expect_tpm12_error(c1, 0, VTIS_TPM12_FAIL);
}

static void t_response_max_size(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 *rsp = mkcmd(test, 0x8001, VTIS_BUFFER_SIZE, 0, VTIS_BUFFER_SIZE);
	u8 *b = kunit_kzalloc(test, VTIS_BUFFER_SIZE + 8, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, rsp, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, burst(c, 0), VTIS_BUFFER_SIZE);
	KUNIT_ASSERT_EQ(test, recv(c, 0, b, VTIS_BUFFER_SIZE + 8),
			VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, memcmp(b, rsp, VTIS_BUFFER_SIZE), 0);
}

static void t_synchronous_backend(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	c->fk.sync_rsp = tpm2_getrandom_rsp;
	c->fk.sync_len = sizeof(tpm2_getrandom_rsp);
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	KUNIT_ASSERT_EQ(test, recv(c, 0, b, sizeof(b)),
			(u32)sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, tpm2_getrandom_rsp,
				     sizeof(tpm2_getrandom_rsp)), 0);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
}

/* ==== events for the owner's statistics and tracing ==== */

static void t_events_command_cycle(struct kunit *test)
{
	struct ctx *c = mk_listening(test);

	request(c, 0);
	expect_event(c, 0, VTIS_EV_LOCALITY, 0, VTIS_EVR_NONE, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, c->ev[0].from, VTIS_NO_LOCALITY);
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	expect_event(c, 1, VTIS_EV_SUBMIT, 0, VTIS_EVR_NONE, 0, 0x17b, 12);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp,
			  sizeof(tpm2_getrandom_rsp));
	expect_event(c, 2, VTIS_EV_COMPLETE, 0, VTIS_EVR_OK, 0, 0, 20);
	relinquish(c, 0);
	expect_event(c, 3, VTIS_EV_LOCALITY, VTIS_NO_LOCALITY, VTIS_EVR_NONE,
		     0, 0, 0);
	KUNIT_EXPECT_EQ(test, c->ev[3].from, 0);
	KUNIT_EXPECT_EQ(test, c->nev, 4);
}

static void t_events_rejects(struct kunit *test)
{
	struct ctx *c = mk_listening(test);
	u8 *vendor = mkcmd(test, 0x8002, 11, VTIS_ORD_SET_LOCALITY, 11);
	u8 *small = mkcmd(test, 0x8001, 9, 0x17b, 12);
	static const u8 prefix[] = { 0x00, 0x00, 0x00, 0x08, 0x00 };

	submit_cmd(c, 1, vendor, 11);
	expect_event(c, 1, VTIS_EV_REJECT, 1, VTIS_EVR_VENDOR,
		     VTIS_TPM2_RC_COMMAND_CODE, VTIS_ORD_SET_LOCALITY, 11);
	cmd_ready(c, 1);
	submit_cmd(c, 1, small, 12);
	expect_event(c, 2, VTIS_EV_REJECT, 1, VTIS_EVR_SIZE,
		     VTIS_TPM2_RC_COMMAND_SIZE, 0x17b, 12);
	cmd_ready(c, 1);
	/* five bytes: Expect stays set, so fill the buffer to get to GO */
	send(c, 1, prefix, sizeof(prefix));
	while (c->tis.s.len < VTIS_BUFFER_SIZE)
		wr8(c, 1, VTIS_REG_DATA_FIFO, 0);
	go(c, 1);
	expect_event(c, 3, VTIS_EV_REJECT, 1, VTIS_EVR_PREFIX,
		     VTIS_TPM2_RC_COMMAND_CODE, 0, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	KUNIT_EXPECT_EQ(test, c->nev, 4);
}

static void t_events_completions(struct kunit *test)
{
	struct ctx *c = mk_listening(test);
	u8 *bad = mkcmd(test, 0x8001, 12, 0, 10);

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, bad, 10);
	expect_event(c, 2, VTIS_EV_COMPLETE, 0, VTIS_EVR_BAD_RESPONSE,
		     VTIS_TPM2_RC_FAILURE, 0, 10);
	cmd_ready(c, 0);
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_backend_error(&c->tis);
	expect_event(c, 4, VTIS_EV_COMPLETE, 0, VTIS_EVR_FAILED,
		     VTIS_TPM2_RC_FAILURE, 0, 10);
	cmd_ready(c, 0);
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	cmd_ready(c, 0);	/* abort: deferred until the answer */
	KUNIT_EXPECT_EQ(test, c->nev, 6);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp,
			  sizeof(tpm2_getrandom_rsp));
	expect_event(c, 6, VTIS_EV_COMPLETE, 0, VTIS_EVR_DROPPED, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, c->nev, 7);
}

static void t_no_ops(struct kunit *test)
{
	struct vtis_tis *tis = kunit_kzalloc(test, sizeof(*tis), GFP_KERNEL);
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	KUNIT_ASSERT_NOT_NULL(test, tis);
	/* without callbacks a command gets TPM_RC_FAILURE, nothing crashes */
	vtis_tis_init(&c->tis, VTIS_FAMILY_2_0, NULL, c, c->buf);
	wr32(c, 0, VTIS_REG_INT_ENABLE, 0xffffffff);
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	expect_tpm2_error(c, 0, VTIS_TPM2_RC_FAILURE);
	/* an unknown family becomes TPM 2.0 */
	vtis_tis_init(tis, 0, NULL, NULL, c->buf);
	KUNIT_EXPECT_EQ(test, tis->s.family, (u32)VTIS_FAMILY_2_0);
}

/* ==== locality contention ==== */

static void t_seize_during_execution(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	request(c, 1);
	wr8(c, 2, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	/* the switch waits for the backend */
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
	KUNIT_EXPECT_TRUE(test, vtis_tis_busy(&c->tis));
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	/* a lower seize meanwhile changes nothing */
	wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
	KUNIT_EXPECT_TRUE(test, access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_TRUE(test, access(c, 1) & VTIS_ACCESS_REQUEST_USE);
	KUNIT_EXPECT_EQ(test, state(c, 2), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, rd8(c, 2, VTIS_REG_DATA_FIFO), 0xffU);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	/* after the seize, locality 1 still gets its turn */
	relinquish(c, 2);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
}

static void t_higher_seize_overrides(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	wr8(c, 3, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	wr8(c, 2, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);	/* below 3: ignored */
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	vtis_tis_backend_error(&c->tis);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 3);
	KUNIT_EXPECT_TRUE(test, access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_EQ(test, c->tis.s.loc[1].access, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.loc[2].access, 0);
}

static void t_relinquish_during_execution(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	request(c, 1);
	request(c, 3);
	relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
	request(c, 2);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 3);
	KUNIT_EXPECT_FALSE(test, access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_EQ(test, c->tis.s.pending, (u8)(BIT(1) | BIT(2)));
	relinquish(c, 3);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
	relinquish(c, 2);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
}

static void t_deferred_switch_to_none(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	relinquish(c, 0);		/* nobody waits */
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	request(c, 1);			/* arrives while the switch waits */
	KUNIT_EXPECT_TRUE(test, access(c, 1) & VTIS_ACCESS_REQUEST_USE);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.pending, 0);
}

static void t_withdraw_during_deferral(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	request(c, 1);
	request(c, 2);
	relinquish(c, 0);
	relinquish(c, 2);		/* withdraws: 1 is next */
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.pending, 0);
}

static void t_cancel_answers_at_once(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	/* a backend that gives up inside cancel(): the switch completes */
	c->fk.fail_on_cancel = true;
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	KUNIT_EXPECT_TRUE(test, access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	/* and an abort by commandReady lands in READY */
	submit_cmd(c, 1, tpm2_getrandom, sizeof(tpm2_getrandom));
	cmd_ready(c, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 2);
	KUNIT_EXPECT_EQ(test, state(c, 1), (u8)VTIS_LOC_READY);
	KUNIT_EXPECT_EQ(test, rd8(c, 1, VTIS_REG_DATA_FIFO), 0xffU);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
}

static void t_two_localities_take_turns(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	request(c, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_loc, 0);
	/* locality 1 cannot disturb locality 0's command */
	cmd_ready(c, 1);
	send(c, 1, tpm2_probe_cmd, sizeof(tpm2_probe_cmd));
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_ASSERT_EQ(test, recv(c, 0, b, sizeof(b)),
			(u32)sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, tpm2_getrandom_rsp, 12), 0);
	cmd_ready(c, 0);
	relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	submit_cmd(c, 1, tpm2_probe_cmd, sizeof(tpm2_probe_cmd));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 2);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_loc, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, tpm2_probe_cmd,
				     sizeof(tpm2_probe_cmd)), 0);
}

/* ==== reset and the serialisable state ==== */

static void t_reset_forgets_command(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	vtis_tis_set_int_vector(&c->tis, 5);
	vtis_tis_set_established(&c->tis, true);
	request(c, 0);
	wr32(c, 0, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
	     VTIS_INT_COMMAND_READY);
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	request(c, 2);
	vtis_tis_reset(&c->tis);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
	KUNIT_EXPECT_EQ(test, c->tis.s.pending, 0);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_ENABLE), 0x08U);
	KUNIT_EXPECT_FALSE(test, vtis_tis_response(&c->tis, tpm2_getrandom_rsp,
						   sizeof(tpm2_getrandom_rsp)));
	/* platform properties survive */
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_VECTOR), 5U);
	KUNIT_EXPECT_FALSE(test, access(c, 0) & VTIS_ACCESS_ESTABLISHMENT);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
}

static void t_state_check_accepts_live_states(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	request(c, 0);
	request(c, 1);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	send(c, 0, tpm2_getrandom, 3);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	send(c, 0, tpm2_getrandom + 3, 9);
	go(c, 0);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	wr8(c, 3, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	submit_cmd(c, 3, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	recv(c, 3, b, 4);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(NULL), -EINVAL);
}

#define BAD_STATE(expr)							\
	do {								\
		vtis_tis_state_copy(st, &c->tis.s);			\
		expr;							\
		KUNIT_EXPECT_EQ_MSG(test, vtis_tis_state_check(st),	\
				    -EINVAL, "accepted: %s", #expr);	\
	} while (0)

static void t_state_check_rejects(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	struct vtis_tis_state *st = snap(test, c);
	u8 *buf;

	/* a reception in progress, locality 1 waiting */
	request(c, 0);
	request(c, 1);
	cmd_ready(c, 0);
	send(c, 0, tpm2_getrandom, 8);
	KUNIT_ASSERT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);

	BAD_STATE(st->version = 0);
	BAD_STATE(st->version = VTIS_STATE_VERSION + 1);
	BAD_STATE(st->family = 0);
	BAD_STATE(st->family = 3);
	BAD_STATE(st->active_locality = 5);
	BAD_STATE(st->active_locality = 0xfe);
	BAD_STATE(st->aborting_locality = 7);
	BAD_STATE(st->aborting_locality = 1);		/* without an abort */
	BAD_STATE(st->next_locality = 9);
	BAD_STATE(st->next_locality = 0);		/* nothing in flight */
	BAD_STATE(st->established = 2);
	BAD_STATE(st->busy = 2);
	BAD_STATE(st->busy = 1);			/* not executing */
	BAD_STATE(st->pending = 0x20);
	BAD_STATE(st->pending |= 1);			/* the active one */
	BAD_STATE(st->flags = 0x80);
	BAD_STATE(st->flags = VTIS_FLAG_ABORT);
	BAD_STATE(st->flags = VTIS_FLAG_OVERFLOW);	/* buffer not full */
	BAD_STATE(st->len = VTIS_BUFFER_SIZE + 1);
	BAD_STATE(st->len = 0xffffffff);
	BAD_STATE(st->rw_offset = st->len + 1);
	BAD_STATE(st->rw_offset = st->len - 1);		/* reception: equal */
	BAD_STATE(st->rw_offset = 0xffffffff);
	BAD_STATE(st->loc[0].state = VTIS_LOC_NR_STATES);
	BAD_STATE(st->loc[0].state = 0xff);
	BAD_STATE(st->loc[2].state = VTIS_LOC_READY);	/* not active */
	BAD_STATE(st->loc[0].state = VTIS_LOC_EXECUTION);	/* not busy */
	BAD_STATE(st->loc[0].state = VTIS_LOC_COMPLETION);	/* len < 10 */
	BAD_STATE(st->loc[0].state = VTIS_LOC_IDLE);	/* holds bytes */
	BAD_STATE(st->loc[3].pad[1] = 1);
	BAD_STATE(st->loc[3].access = VTIS_ACCESS_ACTIVE_LOCALITY);
	BAD_STATE(st->loc[3].access = VTIS_ACCESS_SEIZE);	/* no abort */
	BAD_STATE(st->loc[4].int_enable = 0x100);
	BAD_STATE(st->loc[4].int_status = 0x08);
	BAD_STATE(st->active_locality = VTIS_NO_LOCALITY);	/* owns state */
	/* a state without its buffer */
	vtis_tis_state_copy(st, &c->tis.s);
	buf = st->buf;
	st->buf = NULL;
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(st), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtis_tis_load_state(&c->tis, st), -EINVAL);
	st->buf = buf;
}

/*
 * Found by tests/fuzz: state blobs a live device never reaches were
 * accepted, and a device loaded from them then broke its own guarantees.
 * The owner resubmits a command in flight after a load, so such a command
 * must be one tpmGo would forward; a response held must be well-formed;
 * a seize must be by a locality above the active one, with the deferred
 * switch going to it (or higher), or its Seize bit outlives the switch.
 */
static void t_state_check_fuzz_regressions(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	struct vtis_tis_state *st = snap(test, c);
	u8 *set_loc = mkcmd(test, 0x8001, 11, VTIS_ORD_SET_LOCALITY, 11);

	/* a command in flight at locality 0, and locality 2 seizing */
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	wr8(c, 2, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_ASSERT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	/* the vendor set-locality command, the TCG prefix, a size mismatch */
	BAD_STATE(memcpy(st->buf, set_loc, 11); st->len = 11);
	BAD_STATE(st->buf[0] = 0; st->buf[1] = 0; st->buf[2] = 0;
		  st->buf[3] = 8);
	BAD_STATE(st->buf[5]++);
	BAD_STATE(st->len--);
	/* the seizer at or below the active locality, or not switched to */
	BAD_STATE(st->loc[2].access = 0; st->loc[0].access = VTIS_ACCESS_SEIZE;
		  st->aborting_locality = 0);
	BAD_STATE(st->aborting_locality = 1);
	BAD_STATE(st->aborting_locality = VTIS_NO_LOCALITY);
	/* a higher deferred target (a pending request) is fine */
	vtis_tis_state_copy(st, &c->tis.s);
	st->aborting_locality = 3;
	st->pending = 1U << 3;
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(st), 0);

	/* a response held: its header size must match */
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	request(c, 1);
	relinquish(c, 2);
	relinquish(c, 1);
	request(c, 0);
	submit_cmd(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_ASSERT_EQ(test, state(c, 0), (u8)VTIS_LOC_COMPLETION);
	KUNIT_ASSERT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	BAD_STATE(st->buf[5]++);
	BAD_STATE(st->len--);
	BAD_STATE(st->buf[2] = 0x80);
	KUNIT_EXPECT_EQ(test, vtis_tis_load_state(&c->tis, st), -EINVAL);
}

static void t_state_migrates(struct kunit *test)
{
	struct ctx *a = mk(test, VTIS_FAMILY_2_0);
	struct ctx *b = mk(test, VTIS_FAMILY_2_0);
	struct vtis_tis_state *st = snap(test, a);
	u8 out[32];

	request(a, 0);
	wr32(a, 0, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
	     VTIS_INT_DATA_AVAIL);
	submit_cmd(a, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	vtis_tis_response(&a->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	recv(a, 0, out, 7);
	vtis_tis_state_copy(st, &a->tis.s);
	KUNIT_ASSERT_EQ(test, vtis_tis_load_state(&b->tis, st), 0);
	/* the bytes came over; b keeps its own buffer */
	KUNIT_EXPECT_PTR_EQ(test, b->tis.s.buf, &b->buf[0]);
	KUNIT_EXPECT_TRUE(test, same_state(st, &b->tis.s));
	KUNIT_EXPECT_TRUE(test, b->fk.irq);	/* line re-evaluated */
	KUNIT_ASSERT_EQ(test, recv(b, 0, out + 7, sizeof(out) - 7),
			(u32)sizeof(tpm2_getrandom_rsp) - 7);
	KUNIT_EXPECT_EQ(test, memcmp(out, tpm2_getrandom_rsp,
				     sizeof(tpm2_getrandom_rsp)), 0);
	/* a bad blob leaves the device as it was */
	st->len = 5000;
	KUNIT_EXPECT_EQ(test, vtis_tis_load_state(&b->tis, st), -EINVAL);
	KUNIT_EXPECT_EQ(test, b->tis.s.len, (u32)sizeof(tpm2_getrandom_rsp));
}

/* ==== Linux's tpm_tis driver, replayed ==== */

/* wait_for_tpm_stat(): the condition is checked before any sleep */
static bool linux_wait(struct ctx *c, u8 l, u8 mask)
{
	int tries;

	for (tries = 0; tries < 3; tries++)
		if ((rd8(c, l, VTIS_REG_STS) & mask) == mask) {
			KUNIT_EXPECT_EQ(c->test, rd8(c, l, VTIS_REG_STS) &
					STS_READ_ZERO, 0);
			return true;
		}
	return false;
}

static u32 linux_burstcount(struct ctx *c, u8 l)
{
	return (rd32(c, l, VTIS_REG_STS) >> 8) & 0xffff;
}

static bool linux_request_locality(struct ctx *c, u8 l)
{
	wr8(c, l, VTIS_REG_ACCESS, VTIS_ACCESS_REQUEST_USE);
	return (rd8(c, l, VTIS_REG_ACCESS) &
		(VTIS_ACCESS_ACTIVE_LOCALITY | VTIS_ACCESS_REG_VALID)) ==
	       (VTIS_ACCESS_ACTIVE_LOCALITY | VTIS_ACCESS_REG_VALID);
}

/*
 * tpm_tis_send_data() + tpm_tis_send_main() up to the command being at
 * the backend.
 */
static void linux_send(struct ctx *c, u8 l, const u8 *cmd, u32 len)
{
	struct kunit *test = c->test;
	u32 count = 0, burstcnt, i;

	if (!(rd8(c, l, VTIS_REG_STS) & VTIS_STS_COMMAND_READY)) {
		wr8(c, l, VTIS_REG_STS, VTIS_STS_COMMAND_READY);
		KUNIT_ASSERT_TRUE(test, linux_wait(c, l, VTIS_STS_COMMAND_READY));
	}
	while (count < len - 1) {
		burstcnt = linux_burstcount(c, l);
		KUNIT_ASSERT_GT(test, burstcnt, 0U);
		if (burstcnt > len - 1 - count)
			burstcnt = len - 1 - count;
		for (i = 0; i < burstcnt; i++)
			wr8(c, l, VTIS_REG_DATA_FIFO, cmd[count++]);
		KUNIT_ASSERT_TRUE(test, linux_wait(c, l, VTIS_STS_VALID));
		KUNIT_ASSERT_TRUE(test, rd8(c, l, VTIS_REG_STS) & VTIS_STS_EXPECT);
	}
	wr8(c, l, VTIS_REG_DATA_FIFO, cmd[count]);
	KUNIT_ASSERT_TRUE(test, linux_wait(c, l, VTIS_STS_VALID));
	KUNIT_ASSERT_FALSE(test, rd8(c, l, VTIS_REG_STS) & VTIS_STS_EXPECT);
	wr8(c, l, VTIS_REG_STS, VTIS_STS_GO);
	/* the first poll comes right after go */
	KUNIT_EXPECT_FALSE(test, linux_wait(c, l, VTIS_STS_DATA_AVAIL |
					    VTIS_STS_VALID));
}

/* recv_data() + tpm_tis_recv() */
static u32 linux_recv(struct ctx *c, u8 l, u8 *buf, u32 max)
{
	struct kunit *test = c->test;
	u32 size = 0, expected, burstcnt, i;

	KUNIT_ASSERT_TRUE_MSG(test, linux_wait(c, l, VTIS_STS_DATA_AVAIL |
					       VTIS_STS_VALID), "no response");
	while (size < VTIS_HEADER_SIZE) {
		KUNIT_ASSERT_TRUE(test, linux_wait(c, l, VTIS_STS_DATA_AVAIL |
						   VTIS_STS_VALID));
		burstcnt = linux_burstcount(c, l);
		KUNIT_ASSERT_GT(test, burstcnt, 0U);
		if (burstcnt > VTIS_HEADER_SIZE - size)
			burstcnt = VTIS_HEADER_SIZE - size;
		for (i = 0; i < burstcnt; i++)
			buf[size++] = rd8(c, l, VTIS_REG_DATA_FIFO);
	}
	expected = get32(buf + 2);
	KUNIT_ASSERT_GE(test, expected, VTIS_HEADER_SIZE);
	KUNIT_ASSERT_LE(test, expected, max);
	while (size < expected) {
		KUNIT_ASSERT_TRUE(test, linux_wait(c, l, VTIS_STS_DATA_AVAIL |
						   VTIS_STS_VALID));
		burstcnt = linux_burstcount(c, l);
		KUNIT_ASSERT_GT(test, burstcnt, 0U);
		if (burstcnt > expected - size)
			burstcnt = expected - size;
		for (i = 0; i < burstcnt; i++)
			buf[size++] = rd8(c, l, VTIS_REG_DATA_FIFO);
	}
	KUNIT_ASSERT_TRUE(test, linux_wait(c, l, VTIS_STS_VALID));
	KUNIT_EXPECT_FALSE(test, rd8(c, l, VTIS_REG_STS) & VTIS_STS_DATA_AVAIL);
	return size;
}

/* tpm_transmit(): request, send, (backend answers), receive, idle, release */
static u32 linux_transmit(struct ctx *c, u8 l, const u8 *cmd, u32 len,
			  const u8 *rsp, u32 rsp_len, u8 *out, u32 max)
{
	struct kunit *test = c->test;
	u32 n;

	KUNIT_EXPECT_TRUE(test, linux_request_locality(c, l));
	linux_send(c, l, cmd, len);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_len, len);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, cmd, len), 0);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_loc, l);
	KUNIT_EXPECT_TRUE(test, vtis_tis_response(&c->tis, rsp, rsp_len));
	n = linux_recv(c, l, out, max);
	wr8(c, l, VTIS_REG_STS, VTIS_STS_COMMAND_READY);	/* go idle */
	wr8(c, l, VTIS_REG_ACCESS, VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
	return n;
}

/* tpm_tis_core_init(): returns true if the chip looks like a TPM 2.0 */
static bool linux_probe(struct ctx *c, const u8 *probe_rsp, u32 probe_len)
{
	struct kunit *test = c->test;
	u8 out[64];
	u32 intmask, n;

	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_DID_VID), 0x00011014U);
	KUNIT_EXPECT_TRUE(test, rd8(c, 0, VTIS_REG_ACCESS) &
			  VTIS_ACCESS_REG_VALID);	/* wait_startup */
	intmask = rd32(c, 0, VTIS_REG_INT_ENABLE);
	intmask |= VTIS_INT_COMMAND_READY | VTIS_INT_LOCALITY_CHANGE |
		   VTIS_INT_DATA_AVAIL | VTIS_INT_STS_VALID;
	intmask &= ~VTIS_INT_GLOBAL_ENABLE;
	KUNIT_EXPECT_TRUE(test, linux_request_locality(c, 0));
	wr32(c, 0, VTIS_REG_INT_ENABLE, intmask);
	wr8(c, 0, VTIS_REG_ACCESS, VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_ENABLE), intmask);
	KUNIT_EXPECT_NE(test, rd32(c, 0, VTIS_REG_INTF_CAPABILITY), 0U);
	/* tpm2_probe: TPM2_GetCapability, TPM 2.0 if the tag says so */
	n = linux_transmit(c, 0, tpm2_probe_cmd, sizeof(tpm2_probe_cmd),
			   probe_rsp, probe_len, out, sizeof(out));
	KUNIT_EXPECT_EQ(test, n, probe_len);
	KUNIT_EXPECT_EQ(test, rd8(c, 0, VTIS_REG_RID), 0x01U);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	return n >= 2 && (out[0] << 8 | out[1]) == VTIS_TPM2_ST_NO_SESSIONS;
}

static void t_linux_probe_tpm2(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);

	KUNIT_EXPECT_TRUE(test, linux_probe(c, tpm2_probe_rsp,
					    sizeof(tpm2_probe_rsp)));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
}

static void t_linux_probe_tpm12(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_1_2);

	KUNIT_EXPECT_FALSE(test, linux_probe(c, tpm12_badtag_rsp,
					     sizeof(tpm12_badtag_rsp)));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INTF_CAPABILITY), 0x20000697U);
}

static void t_linux_getrandom_tpm2(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 out[64];
	u32 n;

	c->mmio = 0;
	n = linux_transmit(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom),
			   tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp),
			   out, sizeof(out));
	KUNIT_EXPECT_EQ(test, n, (u32)sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(out, tpm2_getrandom_rsp, n), 0);
	/* one burst each way: few STS reads beyond one access per byte */
	kunit_info(test, "%d MMIO accesses", c->mmio);
	KUNIT_EXPECT_LE(test, c->mmio, 90);
	/* and again from locality 2, twice */
	n = linux_transmit(c, 2, tpm2_getrandom, sizeof(tpm2_getrandom),
			   tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp),
			   out, sizeof(out));
	n = linux_transmit(c, 2, tpm2_getrandom, sizeof(tpm2_getrandom),
			   tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp),
			   out, sizeof(out));
	KUNIT_EXPECT_EQ(test, n, (u32)sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 3);
}

static void t_linux_getrandom_tpm12(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_1_2);
	u8 out[64];
	u32 n;

	n = linux_transmit(c, 0, tpm12_getrandom, sizeof(tpm12_getrandom),
			   tpm12_getrandom_rsp, sizeof(tpm12_getrandom_rsp),
			   out, sizeof(out));
	KUNIT_EXPECT_EQ(test, n, (u32)sizeof(tpm12_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(out, tpm12_getrandom_rsp, n), 0);
}

static void t_linux_large_command(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 *cmd = mkcmd(test, 0x8001, 3000, 0x17b, 3000);
	u8 *rsp = mkcmd(test, 0x8001, 2500, 0, 2500);
	u8 *out = kunit_kzalloc(test, VTIS_BUFFER_SIZE, GFP_KERNEL);
	u32 n;

	KUNIT_ASSERT_NOT_NULL(test, out);
	c->mmio = 0;
	n = linux_transmit(c, 1, cmd, 3000, rsp, 2500, out, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, n, 2500U);
	KUNIT_EXPECT_EQ(test, memcmp(out, rsp, 2500), 0);
	/* a single burst each way: about one access per byte */
	KUNIT_EXPECT_LE(test, c->mmio, 3000 + 2500 + 60);
}

static void t_linux_interrupt_mode(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 out[64];
	u32 mask = VTIS_INT_GLOBAL_ENABLE | VTIS_INT_COMMAND_READY |
		   VTIS_INT_LOCALITY_CHANGE | VTIS_INT_DATA_AVAIL |
		   VTIS_INT_STS_VALID | VTIS_INT_POLARITY_LOW_LEVEL;

	vtis_tis_set_int_vector(&c->tis, 5);
	KUNIT_EXPECT_TRUE(test, linux_request_locality(c, 0));
	wr32(c, 0, VTIS_REG_INT_ENABLE, mask);
	linux_send(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	/* tpm_tis_send_main: stsValid interrupt from the completed command */
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	/* the handler acknowledges what it read */
	wr32(c, 0, VTIS_REG_INT_STATUS, rd32(c, 0, VTIS_REG_INT_STATUS));
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_DATA_AVAIL | VTIS_INT_STS_VALID);
	wr32(c, 0, VTIS_REG_INT_STATUS, rd32(c, 0, VTIS_REG_INT_STATUS));
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, linux_recv(c, 0, out, sizeof(out)),
			(u32)sizeof(tpm2_getrandom_rsp));
	wr8(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_READY);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_COMMAND_READY);
}

static void t_linux_abort_with_command_ready(struct kunit *test)
{
	struct ctx *c = mk(test, VTIS_FAMILY_2_0);
	u8 out[64];

	/* a timed-out command: Linux's cancel writes commandReady */
	KUNIT_EXPECT_TRUE(test, linux_request_locality(c, 0));
	linux_send(c, 0, tpm2_getrandom, sizeof(tpm2_getrandom));
	wr8(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_READY);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	vtis_tis_response(&c->tis, tpm2_getrandom_rsp, sizeof(tpm2_getrandom_rsp));
	KUNIT_EXPECT_TRUE(test, linux_wait(c, 0, VTIS_STS_COMMAND_READY));
	/* and the next command goes through normally */
	wr8(c, 0, VTIS_REG_ACCESS, VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_EQ(test, linux_transmit(c, 0, tpm2_getrandom,
					     sizeof(tpm2_getrandom),
					     tpm2_getrandom_rsp,
					     sizeof(tpm2_getrandom_rsp),
					     out, sizeof(out)),
			(u32)sizeof(tpm2_getrandom_rsp));
}

static struct kunit_case vtis_tis_cases[] = {
	/* identification and fixed registers */
	KUNIT_CASE(t_did_vid_rid),
	KUNIT_CASE(t_intf_capability),
	KUNIT_CASE(t_interface_id),
	KUNIT_CASE(t_read_only_registers),
	KUNIT_CASE(t_int_vector),
	KUNIT_CASE(t_unknown_offsets),
	KUNIT_CASE(t_reset_values),
	/* ACCESS and localities */
	KUNIT_CASE(t_request_granted_when_free),
	KUNIT_CASE(t_request_pending_when_busy),
	KUNIT_CASE(t_relinquish_no_pending),
	KUNIT_CASE(t_relinquish_highest_pending),
	KUNIT_CASE(t_withdraw_request),
	KUNIT_CASE(t_seize_by_higher),
	KUNIT_CASE(t_seize_by_lower_ignored),
	KUNIT_CASE(t_seize_when_free),
	KUNIT_CASE(t_seize_drops_losers_data),
	KUNIT_CASE(t_establishment),
	KUNIT_CASE(t_establishment_tpm12),
	KUNIT_CASE(t_locality4_writes_dropped),
	/* STS and commands */
	KUNIT_CASE(t_command_ready),
	KUNIT_CASE(t_sts_family_tpm12),
	KUNIT_CASE(t_sts_read_zero_bits),
	KUNIT_CASE(t_expect_tracking),
	KUNIT_CASE(t_go_refused_while_expect),
	KUNIT_CASE(t_go_submits),
	KUNIT_CASE(t_burst_count),
	KUNIT_CASE(t_burst_count_partial_reads),
	KUNIT_CASE(t_response_read),
	KUNIT_CASE(t_fifo_read_no_data),
	KUNIT_CASE(t_response_retry),
	KUNIT_CASE(t_multi_bit_sts_ignored),
	KUNIT_CASE(t_command_ready_discards_response),
	KUNIT_CASE(t_command_ready_aborts_reception),
	KUNIT_CASE(t_abort_during_execution),
	KUNIT_CASE(t_command_cancel_tpm2),
	KUNIT_CASE(t_command_cancel_tpm12_ignored),
	KUNIT_CASE(t_fifo_write_outside_reception),
	KUNIT_CASE(t_inactive_locality_writes_ignored),
	KUNIT_CASE(t_xdata_fifo),
	KUNIT_CASE(t_fifo_2_and_4_byte),
	KUNIT_CASE(t_eight_byte_access),
	KUNIT_CASE(t_unaligned_access),
	KUNIT_CASE(t_page_pieces),
	KUNIT_CASE(t_bad_lengths_and_ranges),
	/* interrupts */
	KUNIT_CASE(t_irq_data_avail),
	KUNIT_CASE(t_int_status_w1c),
	KUNIT_CASE(t_irq_needs_global_enable),
	KUNIT_CASE(t_irq_follows_active_locality),
	KUNIT_CASE(t_irq_locality_change),
	KUNIT_CASE(t_irq_command_ready_and_sts_valid),
	/* guest commands that never reach the backend */
	KUNIT_CASE(t_set_locality_blocked_tpm2),
	KUNIT_CASE(t_set_locality_blocked_tpm12),
	KUNIT_CASE(t_tcg_prefix_blocked),
	KUNIT_CASE(t_tcg_prefix_overflow_blocked),
	KUNIT_CASE(t_header_size_too_small),
	KUNIT_CASE(t_more_bytes_than_header),
	KUNIT_CASE(t_buffer_overrun),
	KUNIT_CASE(t_huge_header_size),
	KUNIT_CASE(t_max_command_forwarded),
	/* backend responses */
	KUNIT_CASE(t_response_too_short),
	KUNIT_CASE(t_response_too_long),
	KUNIT_CASE(t_response_size_mismatch),
	KUNIT_CASE(t_response_failure_tpm12),
	KUNIT_CASE(t_response_without_command),
	KUNIT_CASE(t_second_response_ignored),
	KUNIT_CASE(t_backend_error),
	KUNIT_CASE(t_response_max_size),
	KUNIT_CASE(t_synchronous_backend),
	KUNIT_CASE(t_no_ops),
	/* events */
	KUNIT_CASE(t_events_command_cycle),
	KUNIT_CASE(t_events_rejects),
	KUNIT_CASE(t_events_completions),
	/* locality contention */
	KUNIT_CASE(t_seize_during_execution),
	KUNIT_CASE(t_higher_seize_overrides),
	KUNIT_CASE(t_relinquish_during_execution),
	KUNIT_CASE(t_deferred_switch_to_none),
	KUNIT_CASE(t_withdraw_during_deferral),
	KUNIT_CASE(t_cancel_answers_at_once),
	KUNIT_CASE(t_two_localities_take_turns),
	/* reset and state */
	KUNIT_CASE(t_reset_forgets_command),
	KUNIT_CASE(t_state_check_accepts_live_states),
	KUNIT_CASE(t_state_check_rejects),
	KUNIT_CASE(t_state_check_fuzz_regressions),
	KUNIT_CASE(t_state_migrates),
	/* Linux's tpm_tis, replayed */
	KUNIT_CASE(t_linux_probe_tpm2),
	KUNIT_CASE(t_linux_probe_tpm12),
	KUNIT_CASE(t_linux_getrandom_tpm2),
	KUNIT_CASE(t_linux_getrandom_tpm12),
	KUNIT_CASE(t_linux_large_command),
	KUNIT_CASE(t_linux_interrupt_mode),
	KUNIT_CASE(t_linux_abort_with_command_ready),
	{}
};

static struct kunit_suite vtis_tis_suite = {
	.name = "vtis_tis",
	.test_cases = vtis_tis_cases,
};

kunit_test_suite(vtis_tis_suite);

MODULE_DESCRIPTION("KUnit tests for the kvm_vtis TIS core");
MODULE_LICENSE("GPL");
