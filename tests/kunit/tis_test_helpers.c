// SPDX-License-Identifier: GPL-2.0
/*
 * The fixture of the TIS core's KUnit suites (tis_test.h): the fake
 * backend, guest accesses, and TPM commands and answers.  The suites
 * themselves are in tis_*_test.c; this module (or built-in object) runs
 * them all.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tis_test.h"

/**
 * vtt_fake_submit() - what a fake backend records of a submitted command
 * @fk: the fake backend
 * @cmd: the command
 * @len: its length
 * @loc: the locality it came from
 *
 * The TIS suites' submit() and the CRB suites' call it, then answer
 * with @fk->sync_rsp when it is set.
 */
void vtt_fake_submit(struct vtt_fake *fk, const u8 *cmd, u32 len, u8 loc)
{
	fk->submits++;
	fk->cmd_len = len;
	fk->cmd_loc = loc;
	if (len <= sizeof(fk->cmd))
		memcpy(fk->cmd, cmd, len);
}

/**
 * vtt_fake_irq() - what a fake backend records of the interrupt line
 * @fk: the fake backend
 * @level: the line's new level
 */
void vtt_fake_irq(struct vtt_fake *fk, bool level)
{
	fk->irq = level;
	fk->irq_edges++;
}

static void fake_submit(struct vtis_tis *tis, const u8 *cmd, u32 len, u8 loc)
{
	struct vtt_ctx *c = tis->priv;

	vtt_fake_submit(&c->fk, cmd, len, loc);
	if (c->fk.sync_rsp)
		vtis_tis_response(tis, c->fk.sync_rsp, c->fk.sync_len);
}

static void fake_cancel(struct vtis_tis *tis)
{
	struct vtt_ctx *c = tis->priv;

	c->fk.cancels++;
	if (c->fk.fail_on_cancel)
		vtis_tis_backend_error(tis);
}

static void fake_irq(struct vtis_tis *tis, bool level)
{
	struct vtt_ctx *c = tis->priv;

	vtt_fake_irq(&c->fk, level);
}

static const struct vtis_tis_ops fake_ops = {
	.submit = fake_submit,
	.cancel = fake_cancel,
	.irq_line = fake_irq,
};

/**
 * vtt_mk() - a core of a TPM family, with the fake backend
 * @test: the running test (owns the memory)
 * @family: %VTIS_FAMILY_1_2 or %VTIS_FAMILY_2_0
 *
 * Return: the context, freed with the test; the test fails on no memory.
 */
struct vtt_ctx *vtt_mk(struct kunit *test, enum vtis_family family)
{
	struct vtt_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->test = test;
	vtis_tis_init(&c->tis, family, &fake_ops, c, c->buf);
	return c;
}

/**
 * vtt_snap() - a state with a buffer of its own, a copy of a core's
 * @test: the running test (owns the memory)
 * @c: the core to copy
 *
 * Return: the copy, freed with the test.
 */
struct vtis_tis_state *vtt_snap(struct kunit *test, struct vtt_ctx *c)
{
	struct vtis_tis_state *st;

	st = kunit_kzalloc(test, sizeof(*st) + VTIS_BUFFER_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	st->buf = (u8 *)(st + 1);
	vtis_tis_state_copy(st, &c->tis.s);
	return st;
}

/**
 * vtt_same_state() - do two states hold the same fields and buffer bytes?
 * @a: a state
 * @b: another
 *
 * Return: true if they do.
 */
bool vtt_same_state(const struct vtis_tis_state *a,
		    const struct vtis_tis_state *b)
{
	return !memcmp(a, b, VTIS_STATE_FIELDS_SIZE) &&
	       !memcmp(a->buf, b->buf, VTIS_BUFFER_SIZE);
}

/* ---- guest accesses (little-endian byte order, like the MMIO bus) ---- */

/**
 * vtt_rd() - a guest read
 * @c: the core
 * @off: the offset in the TIS window
 * @len: the access width, at most 8
 *
 * Return: the first four bytes read, little-endian; bytes the core did not
 * fill read 0x5a.
 */
u32 vtt_rd(struct vtt_ctx *c, u32 off, u32 len)
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

/**
 * vtt_wr() - a guest write of up to four bytes
 * @c: the core
 * @off: the offset in the TIS window
 * @len: the access width
 * @v: the value, written little-endian
 *
 * Every write through here also checks vtis_tis_write()'s return value:
 * true exactly when the write submitted a command to the fake backend.
 */
void vtt_wr(struct vtt_ctx *c, u32 off, u32 len, u32 v)
{
	int submits = c->fk.submits;
	bool submitted;
	u8 b[4];
	int i;

	for (i = 0; i < 4; i++)
		b[i] = v >> (8 * i);
	c->mmio++;
	submitted = vtis_tis_write(&c->tis, off, len, b);
	/* the core reports a submission exactly when the backend saw one */
	KUNIT_EXPECT_EQ(c->test, submitted, c->fk.submits != submits);
}

/**
 * vtt_rd8() - a one-byte guest read of a register
 * @c: the core
 * @l: the locality
 * @reg: the register's offset in the locality's page
 *
 * Return: the byte.
 */
u8 vtt_rd8(struct vtt_ctx *c, u8 l, u32 reg)
{
	return vtt_rd(c, VTT_LOC(l, reg), 1);
}

/**
 * vtt_rd32() - a four-byte guest read of a register
 * @c: the core
 * @l: the locality
 * @reg: the register's offset in the locality's page
 *
 * Return: the value.
 */
u32 vtt_rd32(struct vtt_ctx *c, u8 l, u32 reg)
{
	return vtt_rd(c, VTT_LOC(l, reg), 4);
}

/**
 * vtt_wr8() - a one-byte guest write of a register
 * @c: the core
 * @l: the locality
 * @reg: the register's offset in the locality's page
 * @v: the byte
 */
void vtt_wr8(struct vtt_ctx *c, u8 l, u32 reg, u8 v)
{
	vtt_wr(c, VTT_LOC(l, reg), 1, v);
}

/**
 * vtt_wr32() - a four-byte guest write of a register
 * @c: the core
 * @l: the locality
 * @reg: the register's offset in the locality's page
 * @v: the value
 */
void vtt_wr32(struct vtt_ctx *c, u8 l, u32 reg, u32 v)
{
	vtt_wr(c, VTT_LOC(l, reg), 4, v);
}

/**
 * vtt_sts() - read STS
 * @c: the core
 * @l: the locality
 *
 * Expects, for the active locality, the bits that always read 0 to be 0.
 *
 * Return: STS.
 */
u32 vtt_sts(struct vtt_ctx *c, u8 l)
{
	u32 v = vtt_rd32(c, l, VTIS_REG_STS);

	if (c->tis.s.active_locality == l)
		KUNIT_EXPECT_EQ(c->test, v & VTT_STS_READ_ZERO, 0U);
	return v;
}

/**
 * vtt_burst() - read burstCount from STS
 * @c: the core
 * @l: the locality
 *
 * Return: burstCount.
 */
u32 vtt_burst(struct vtt_ctx *c, u8 l)
{
	return (vtt_sts(c, l) & VTIS_STS_BURST_MASK) >> VTIS_STS_BURST_SHIFT;
}

/**
 * vtt_access() - read ACCESS
 * @c: the core
 * @l: the locality
 *
 * Return: ACCESS.
 */
u8 vtt_access(struct vtt_ctx *c, u8 l)
{
	return vtt_rd8(c, l, VTIS_REG_ACCESS);
}

/**
 * vtt_request() - write requestUse to ACCESS
 * @c: the core
 * @l: the locality
 */
void vtt_request(struct vtt_ctx *c, u8 l)
{
	vtt_wr8(c, l, VTIS_REG_ACCESS, VTIS_ACCESS_REQUEST_USE);
}

/**
 * vtt_relinquish() - write activeLocality to ACCESS
 * @c: the core
 * @l: the locality
 */
void vtt_relinquish(struct vtt_ctx *c, u8 l)
{
	vtt_wr8(c, l, VTIS_REG_ACCESS, VTIS_ACCESS_ACTIVE_LOCALITY);
}

/**
 * vtt_cmd_ready() - write commandReady to STS
 * @c: the core
 * @l: the locality
 */
void vtt_cmd_ready(struct vtt_ctx *c, u8 l)
{
	vtt_wr8(c, l, VTIS_REG_STS, VTIS_STS_COMMAND_READY);
}

/**
 * vtt_go() - write tpmGo to STS
 * @c: the core
 * @l: the locality
 */
void vtt_go(struct vtt_ctx *c, u8 l)
{
	vtt_wr8(c, l, VTIS_REG_STS, VTIS_STS_GO);
}

/**
 * vtt_send() - write bytes to DATA_FIFO, one access each
 * @c: the core
 * @l: the locality
 * @b: the bytes
 * @n: how many
 */
void vtt_send(struct vtt_ctx *c, u8 l, const u8 *b, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		vtt_wr8(c, l, VTIS_REG_DATA_FIFO, b[i]);
}

/**
 * vtt_recv() - read response bytes through DATA_FIFO while dataAvail
 * @c: the core
 * @l: the locality
 * @b: where the bytes go
 * @max: at most this many
 *
 * Return: how many bytes were read.
 */
u32 vtt_recv(struct vtt_ctx *c, u8 l, u8 *b, u32 max)
{
	u32 n = 0;

	while (n < max && (vtt_sts(c, l) & VTIS_STS_DATA_AVAIL))
		b[n++] = vtt_rd8(c, l, VTIS_REG_DATA_FIFO);
	return n;
}

/**
 * vtt_state() - a locality's command state, from the core's state
 * @c: the core
 * @l: the locality
 *
 * Return: its &enum vtis_loc_state value.
 */
u8 vtt_state(struct vtt_ctx *c, u8 l)
{
	return c->tis.s.loc[l].state;
}

/**
 * vtt_put32() - store a big-endian 32-bit value
 * @p: where
 * @v: the value
 */
void vtt_put32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/**
 * vtt_get32() - load a big-endian 32-bit value
 * @p: from where
 *
 * Return: the value.
 */
u32 vtt_get32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/**
 * vtt_mkcmd() - a TPM command (or response) of any shape
 * @test: the running test (owns the memory)
 * @tag: the tag
 * @size: the header's size field, whatever the real length
 * @ord: the ordinal (or response code)
 * @len: the length in bytes; bytes past the header are filler
 *
 * Return: the buffer, at least 16 bytes, freed with the test.
 */
u8 *vtt_mkcmd(struct kunit *test, u16 tag, u32 size, u32 ord, u32 len)
{
	u8 *b = kunit_kzalloc(test, len < 16 ? 16 : len, GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	b[0] = tag >> 8;
	b[1] = tag;
	vtt_put32(b + 2, size);
	vtt_put32(b + 6, ord);
	for (i = 10; i < len; i++)
		b[i] = i * 7;
	return b;
}

const u8 vtt_tpm2_getrandom[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x01, 0x7b, 0x00, 0x08,
};

const u8 vtt_tpm2_getrandom_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
};

const u8 vtt_tpm12_getrandom[] = {
	0x00, 0xc1, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x46,
	0x00, 0x00, 0x00, 0x04,
};

const u8 vtt_tpm12_getrandom_rsp[] = {
	0x00, 0xc4, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x04, 9, 8, 7, 6,
};

const u8 vtt_tpm2_probe_cmd[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x01, 0x7a,
	0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01,
};

const u8 vtt_tpm2_probe_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x1b, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x01, 0x00, 0x32, 0x2e, 0x30, 0x00,
};

const u8 vtt_tpm12_badtag_rsp[] = {
	0x00, 0xc4, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x1e,
};

/**
 * vtt_submit_cmd() - request, ready, send, go
 * @c: the core
 * @l: the locality (requested unless it is the active one)
 * @cmd: the command
 * @len: its length
 *
 * A command the core forwards is at the backend afterwards.
 */
void vtt_submit_cmd(struct vtt_ctx *c, u8 l, const u8 *cmd, u32 len)
{
	if (c->tis.s.active_locality != l)
		vtt_request(c, l);
	vtt_cmd_ready(c, l);
	vtt_send(c, l, cmd, len);
	vtt_go(c, l);
}

static void expect_error_rsp(struct vtt_ctx *c, u8 l, u16 tag, u32 rc)
{
	struct kunit *test = c->test;
	u8 b[16];
	u32 n = vtt_recv(c, l, b, sizeof(b));

	KUNIT_ASSERT_EQ(test, n, 10U);
	KUNIT_EXPECT_EQ(test, (u32)(b[0] << 8 | b[1]), (u32)tag);
	KUNIT_EXPECT_EQ(test, vtt_get32(b + 2), 10U);
	KUNIT_EXPECT_EQ(test, vtt_get32(b + 6), rc);
}

/**
 * vtt_expect_tpm2_error() - expect a bare TPM 2.0 error response
 * @c: the core
 * @l: the locality that reads it
 * @rc: the response code
 *
 * Reads the response through DATA_FIFO: ten bytes, TPM_ST_NO_SESSIONS,
 * size 10, @rc.
 */
void vtt_expect_tpm2_error(struct vtt_ctx *c, u8 l, u32 rc)
{
	expect_error_rsp(c, l, VTIS_TPM2_ST_NO_SESSIONS, rc);
}

/**
 * vtt_expect_tpm12_error() - expect a bare TPM 1.2 error response
 * @c: the core
 * @l: the locality that reads it
 * @rc: the return code
 *
 * Reads the response through DATA_FIFO: ten bytes, TPM_TAG_RSP_COMMAND,
 * size 10, @rc.
 */
void vtt_expect_tpm12_error(struct vtt_ctx *c, u8 l, u32 rc)
{
	expect_error_rsp(c, l, VTIS_TPM12_TAG_RSP_COMMAND, rc);
}

MODULE_DESCRIPTION("KUnit tests for the kvm_vtis TIS core");
MODULE_LICENSE("GPL");
