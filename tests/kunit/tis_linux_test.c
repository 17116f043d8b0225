// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtis_tis_linux: the register sequences of Linux's tpm_tis
 * driver (probe, transmit, interrupt mode, timeout abort), replayed
 * against the core for TPM 1.2 and TPM 2.0.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tis_test.h"

/* ==== Linux's tpm_tis driver, replayed ==== */

/* wait_for_tpm_stat(): the condition is checked before any sleep */
static bool linux_wait(struct vtt_ctx *c, u8 l, u8 mask)
{
	int tries;

	for (tries = 0; tries < 3; tries++)
		if ((vtt_rd8(c, l, VTIS_REG_STS) & mask) == mask) {
			KUNIT_EXPECT_EQ(c->test, vtt_rd8(c, l, VTIS_REG_STS) &
					VTT_STS_READ_ZERO, 0);
			return true;
		}
	return false;
}

static u32 linux_burstcount(struct vtt_ctx *c, u8 l)
{
	return (vtt_rd32(c, l, VTIS_REG_STS) >> 8) & 0xffff;
}

static bool linux_request_locality(struct vtt_ctx *c, u8 l)
{
	vtt_wr8(c, l, VTIS_REG_ACCESS, VTIS_ACCESS_REQUEST_USE);
	return (vtt_rd8(c, l, VTIS_REG_ACCESS) &
		(VTIS_ACCESS_ACTIVE_LOCALITY | VTIS_ACCESS_REG_VALID)) ==
	       (VTIS_ACCESS_ACTIVE_LOCALITY | VTIS_ACCESS_REG_VALID);
}

/*
 * tpm_tis_send_data() + tpm_tis_send_main() up to the command being at
 * the backend.
 */
static void linux_send(struct vtt_ctx *c, u8 l, const u8 *cmd, u32 len)
{
	struct kunit *test = c->test;
	u32 count = 0, burstcnt, i;

	if (!(vtt_rd8(c, l, VTIS_REG_STS) & VTIS_STS_COMMAND_READY)) {
		vtt_wr8(c, l, VTIS_REG_STS, VTIS_STS_COMMAND_READY);
		KUNIT_ASSERT_TRUE(test, linux_wait(c, l, VTIS_STS_COMMAND_READY));
	}
	while (count < len - 1) {
		burstcnt = linux_burstcount(c, l);
		KUNIT_ASSERT_GT(test, burstcnt, 0U);
		if (burstcnt > len - 1 - count)
			burstcnt = len - 1 - count;
		for (i = 0; i < burstcnt; i++)
			vtt_wr8(c, l, VTIS_REG_DATA_FIFO, cmd[count++]);
		KUNIT_ASSERT_TRUE(test, linux_wait(c, l, VTIS_STS_VALID));
		KUNIT_ASSERT_TRUE(test, vtt_rd8(c, l,
						VTIS_REG_STS) & VTIS_STS_EXPECT);
	}
	vtt_wr8(c, l, VTIS_REG_DATA_FIFO, cmd[count]);
	KUNIT_ASSERT_TRUE(test, linux_wait(c, l, VTIS_STS_VALID));
	KUNIT_ASSERT_FALSE(test, vtt_rd8(c, l, VTIS_REG_STS) & VTIS_STS_EXPECT);
	vtt_wr8(c, l, VTIS_REG_STS, VTIS_STS_GO);
	/* the first poll comes right after go */
	KUNIT_EXPECT_FALSE(test, linux_wait(c, l, VTIS_STS_DATA_AVAIL |
					    VTIS_STS_VALID));
}

/* recv_data() + tpm_tis_recv() */
static u32 linux_recv(struct vtt_ctx *c, u8 l, u8 *buf, u32 max)
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
			buf[size++] = vtt_rd8(c, l, VTIS_REG_DATA_FIFO);
	}
	expected = vtt_get32(buf + 2);
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
			buf[size++] = vtt_rd8(c, l, VTIS_REG_DATA_FIFO);
	}
	KUNIT_ASSERT_TRUE(test, linux_wait(c, l, VTIS_STS_VALID));
	KUNIT_EXPECT_FALSE(test, vtt_rd8(c, l, VTIS_REG_STS) & VTIS_STS_DATA_AVAIL);
	return size;
}

/* tpm_transmit(): request, send, (backend answers), receive, idle, release */
static u32 linux_transmit(struct vtt_ctx *c, u8 l, const u8 *cmd, u32 len,
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
	vtt_wr8(c, l, VTIS_REG_STS, VTIS_STS_COMMAND_READY);	/* go idle */
	vtt_wr8(c, l, VTIS_REG_ACCESS, VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
	return n;
}

/* tpm_tis_core_init(): returns true if the chip looks like a TPM 2.0 */
static bool linux_probe(struct vtt_ctx *c, const u8 *probe_rsp, u32 probe_len)
{
	struct kunit *test = c->test;
	u8 out[64];
	u32 intmask, n;

	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_DID_VID), 0x00011014U);
	KUNIT_EXPECT_TRUE(test, vtt_rd8(c, 0, VTIS_REG_ACCESS) &
			  VTIS_ACCESS_REG_VALID);	/* wait_startup */
	intmask = vtt_rd32(c, 0, VTIS_REG_INT_ENABLE);
	intmask |= VTIS_INT_COMMAND_READY | VTIS_INT_LOCALITY_CHANGE |
		   VTIS_INT_DATA_AVAIL | VTIS_INT_STS_VALID;
	intmask &= ~VTIS_INT_GLOBAL_ENABLE;
	KUNIT_EXPECT_TRUE(test, linux_request_locality(c, 0));
	vtt_wr32(c, 0, VTIS_REG_INT_ENABLE, intmask);
	vtt_wr8(c, 0, VTIS_REG_ACCESS, VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_ENABLE), intmask);
	KUNIT_EXPECT_NE(test, vtt_rd32(c, 0, VTIS_REG_INTF_CAPABILITY), 0U);
	/* tpm2_probe: TPM2_GetCapability, TPM 2.0 if the tag says so */
	n = linux_transmit(c, 0, vtt_tpm2_probe_cmd, sizeof(vtt_tpm2_probe_cmd),
			   probe_rsp, probe_len, out, sizeof(out));
	KUNIT_EXPECT_EQ(test, n, probe_len);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_RID), 0x01U);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	return n >= 2 && (out[0] << 8 | out[1]) == VTIS_TPM2_ST_NO_SESSIONS;
}

static void t_linux_probe_tpm2(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	KUNIT_EXPECT_TRUE(test, linux_probe(c, vtt_tpm2_probe_rsp,
					    sizeof(vtt_tpm2_probe_rsp)));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
}

static void t_linux_probe_tpm12(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_1_2);

	KUNIT_EXPECT_FALSE(test, linux_probe(c, vtt_tpm12_badtag_rsp,
					     sizeof(vtt_tpm12_badtag_rsp)));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INTF_CAPABILITY), 0x20000697U);
}

static void t_linux_getrandom_tpm2(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 out[64];
	u32 n;

	c->mmio = 0;
	n = linux_transmit(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom),
			   vtt_tpm2_getrandom_rsp, sizeof(vtt_tpm2_getrandom_rsp),
			   out, sizeof(out));
	KUNIT_EXPECT_EQ(test, n, (u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(out, vtt_tpm2_getrandom_rsp, n), 0);
	/* one burst each way: few STS reads beyond one access per byte */
	kunit_info(test, "%d MMIO accesses", c->mmio);
	KUNIT_EXPECT_LE(test, c->mmio, 90);
	/* and again from locality 2, twice */
	n = linux_transmit(c, 2, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom),
			   vtt_tpm2_getrandom_rsp, sizeof(vtt_tpm2_getrandom_rsp),
			   out, sizeof(out));
	n = linux_transmit(c, 2, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom),
			   vtt_tpm2_getrandom_rsp, sizeof(vtt_tpm2_getrandom_rsp),
			   out, sizeof(out));
	KUNIT_EXPECT_EQ(test, n, (u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 3);
}

static void t_linux_getrandom_tpm12(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_1_2);
	u8 out[64];
	u32 n;

	n = linux_transmit(c, 0, vtt_tpm12_getrandom, sizeof(vtt_tpm12_getrandom),
			   vtt_tpm12_getrandom_rsp, sizeof(vtt_tpm12_getrandom_rsp),
			   out, sizeof(out));
	KUNIT_EXPECT_EQ(test, n, (u32)sizeof(vtt_tpm12_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(out, vtt_tpm12_getrandom_rsp, n), 0);
}

static void t_linux_large_command(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 *cmd = vtt_mkcmd(test, 0x8001, 3000, 0x17b, 3000);
	u8 *rsp = vtt_mkcmd(test, 0x8001, 2500, 0, 2500);
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
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 out[64];
	u32 mask = VTIS_INT_GLOBAL_ENABLE | VTIS_INT_COMMAND_READY |
		   VTIS_INT_LOCALITY_CHANGE | VTIS_INT_DATA_AVAIL |
		   VTIS_INT_STS_VALID | VTIS_INT_POLARITY_LOW_LEVEL;

	vtis_tis_set_int_vector(&c->tis, 5);
	KUNIT_EXPECT_TRUE(test, linux_request_locality(c, 0));
	vtt_wr32(c, 0, VTIS_REG_INT_ENABLE, mask);
	linux_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	/* tpm_tis_send_main: stsValid interrupt from the completed command */
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	/* the handler acknowledges what it read */
	vtt_wr32(c, 0, VTIS_REG_INT_STATUS, vtt_rd32(c, 0, VTIS_REG_INT_STATUS));
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_DATA_AVAIL | VTIS_INT_STS_VALID);
	vtt_wr32(c, 0, VTIS_REG_INT_STATUS, vtt_rd32(c, 0, VTIS_REG_INT_STATUS));
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, linux_recv(c, 0, out, sizeof(out)),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
	vtt_wr8(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_READY);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_COMMAND_READY);
}

static void t_linux_abort_with_command_ready(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 out[64];

	/* a timed-out command: Linux's cancel writes commandReady */
	KUNIT_EXPECT_TRUE(test, linux_request_locality(c, 0));
	linux_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_wr8(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_READY);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_TRUE(test, linux_wait(c, 0, VTIS_STS_COMMAND_READY));
	/* and the next command goes through normally */
	vtt_wr8(c, 0, VTIS_REG_ACCESS, VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_EQ(test, linux_transmit(c, 0, vtt_tpm2_getrandom,
					     sizeof(vtt_tpm2_getrandom),
					     vtt_tpm2_getrandom_rsp,
					     sizeof(vtt_tpm2_getrandom_rsp),
					     out, sizeof(out)),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
}

static struct kunit_case vtis_tis_linux_cases[] = {
	KUNIT_CASE(t_linux_probe_tpm2),
	KUNIT_CASE(t_linux_probe_tpm12),
	KUNIT_CASE(t_linux_getrandom_tpm2),
	KUNIT_CASE(t_linux_getrandom_tpm12),
	KUNIT_CASE(t_linux_large_command),
	KUNIT_CASE(t_linux_interrupt_mode),
	KUNIT_CASE(t_linux_abort_with_command_ready),
	{}
};

static struct kunit_suite vtis_tis_linux_suite = {
	.name = "vtis_tis_linux",
	.test_cases = vtis_tis_linux_cases,
};

kunit_test_suite(vtis_tis_linux_suite);
