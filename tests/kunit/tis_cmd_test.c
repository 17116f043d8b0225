// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtis_tis_cmd: STS and the command state machine (idle,
 * ready, reception, execution, completion): the FIFO, Expect,
 * burstCount, tpmGo, responseRetry, abort by commandReady, commandCancel,
 * and guest accesses of every width and alignment.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tis_test.h"

/* ==== STS and the command state machine ==== */

static void t_command_ready(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u32 v;

	vtt_request(c, 0);
	v = vtt_sts(c, 0);
	KUNIT_EXPECT_EQ(test, v & (VTIS_STS_COMMAND_READY | VTIS_STS_DATA_AVAIL |
				   VTIS_STS_EXPECT), 0U);
	KUNIT_EXPECT_EQ(test, v & VTIS_STS_FAMILY_MASK, VTIS_STS_FAMILY_2_0);
	vtt_cmd_ready(c, 0);
	v = vtt_sts(c, 0);
	KUNIT_EXPECT_EQ(test, v & 0xffU, VTIS_STS_VALID | VTIS_STS_COMMAND_READY);
	KUNIT_EXPECT_EQ(test, (v & VTIS_STS_BURST_MASK) >> 8, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_READY);
	/* again in READY: stays ready */
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_READY);
}

static void t_sts_family_tpm12(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_1_2);

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_sts(c, 0) & 0xff0000ffU,
			VTIS_STS_VALID | VTIS_STS_COMMAND_READY);
}

static void t_sts_read_zero_bits(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	vtt_request(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_STS) & VTT_STS_READ_ZERO, 0);
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_STS) & VTT_STS_READ_ZERO, 0);
	vtt_send(c, 0, vtt_tpm2_getrandom, 3);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_STS) & VTT_STS_READ_ZERO, 0);
	vtt_send(c, 0, vtt_tpm2_getrandom + 3, sizeof(vtt_tpm2_getrandom) - 3);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_STS) & VTT_STS_READ_ZERO, 0);
	vtt_go(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_STS) & VTT_STS_READ_ZERO, 0);
	vtt_wr8(c, 0, VTIS_REG_STS, VTIS_STS_RESPONSE_RETRY);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_STS) & VTT_STS_READ_ZERO, 0);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_STS) & VTT_STS_READ_ZERO, 0);
	vtt_recv(c, 0, b, sizeof(b));
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_STS) & VTT_STS_READ_ZERO, 0);
	vtt_wr8(c, 0, VTIS_REG_STS, VTIS_STS_RESPONSE_RETRY);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_STS) & VTT_STS_READ_ZERO, 0);
	KUNIT_EXPECT_EQ(test, vtt_sts(c, 0) & (VTIS_STS_COMMAND_CANCEL |
					       VTIS_STS_RESET_ESTABLISHMENT), 0U);
}

static void t_expect_tracking(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u32 i;

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	for (i = 0; i < sizeof(vtt_tpm2_getrandom) - 1; i++) {
		vtt_wr8(c, 0, VTIS_REG_DATA_FIFO, vtt_tpm2_getrandom[i]);
		KUNIT_EXPECT_TRUE(test, vtt_sts(c, 0) & VTIS_STS_EXPECT);
		KUNIT_EXPECT_TRUE(test, vtt_sts(c, 0) & VTIS_STS_VALID);
		KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_RECEPTION);
	}
	vtt_wr8(c, 0, VTIS_REG_DATA_FIFO, vtt_tpm2_getrandom[i]);
	KUNIT_EXPECT_FALSE(test, vtt_sts(c, 0) & VTIS_STS_EXPECT);
	KUNIT_EXPECT_TRUE(test, vtt_sts(c, 0) & VTIS_STS_VALID);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
}

static void t_go_refused_while_expect(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_go(c, 0);			/* IDLE */
	vtt_cmd_ready(c, 0);
	vtt_go(c, 0);			/* READY */
	vtt_send(c, 0, vtt_tpm2_getrandom, 4);
	vtt_go(c, 0);			/* size unknown */
	vtt_send(c, 0, vtt_tpm2_getrandom + 4, 6);
	vtt_go(c, 0);			/* 10 of 12 */
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_RECEPTION);
	vtt_send(c, 0, vtt_tpm2_getrandom + 10, 2);
	vtt_go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
}

static void t_go_submits(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_submit_cmd(c, 1, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_len, (u32)sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_EQ(test, c->fk.cmd_loc, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, vtt_tpm2_getrandom,
				     sizeof(vtt_tpm2_getrandom)), 0);
	KUNIT_EXPECT_TRUE(test, vtis_tis_busy(&c->tis));
	KUNIT_EXPECT_EQ(test, vtt_state(c, 1), (u8)VTIS_LOC_EXECUTION);
	/* while executing: valid, nothing available, no burst */
	KUNIT_EXPECT_EQ(test, vtt_sts(c, 1) & 0x00ffffffU, VTIS_STS_VALID);
	/* a second go does not submit again */
	vtt_go(c, 1);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
}

static void t_burst_count(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	vtt_request(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0), 0U);		/* idle */
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0), 4096U);
	vtt_send(c, 0, vtt_tpm2_getrandom, 5);
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0), 4091U);
	vtt_send(c, 0, vtt_tpm2_getrandom + 5, 7);
	vtt_go(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0), 0U);		/* executing */
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0), (u32)sizeof(vtt_tpm2_getrandom_rsp));
	vtt_recv(c, 0, b, 6);
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0),
			(u32)sizeof(vtt_tpm2_getrandom_rsp) - 6);
	vtt_recv(c, 0, b, sizeof(b));
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0), 0U);
}

static void t_burst_count_partial_reads(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	/* 4096 = 0x1000: a byte read of the low half must not show 0 */
	KUNIT_EXPECT_EQ(test, vtt_rd(c, VTT_LOC(0, VTIS_REG_STS + 1), 1), 0xffU);
	KUNIT_EXPECT_EQ(test, vtt_rd(c, VTT_LOC(0, VTIS_REG_STS + 1), 2), 0x1000U);
	KUNIT_EXPECT_EQ(test, vtt_rd(c, VTT_LOC(0, VTIS_REG_STS + 2), 1), 0x10U);
	KUNIT_EXPECT_EQ(test, vtt_rd(c, VTT_LOC(0, VTIS_REG_STS), 2),
			0xff00U | VTIS_STS_VALID | VTIS_STS_COMMAND_READY);
	KUNIT_EXPECT_EQ(test, vtt_rd(c, VTT_LOC(0, VTIS_REG_STS + 3), 1), 0x04U);
}

static void t_response_read(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[64];

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
						  sizeof(vtt_tpm2_getrandom_rsp)));
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	KUNIT_EXPECT_EQ(test, vtt_sts(c, 0) & 0xffU,
			VTIS_STS_VALID | VTIS_STS_DATA_AVAIL);
	KUNIT_ASSERT_EQ(test, vtt_recv(c, 0, b, sizeof(b)),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, vtt_tpm2_getrandom_rsp,
				     sizeof(vtt_tpm2_getrandom_rsp)), 0);
	KUNIT_EXPECT_EQ(test, vtt_sts(c, 0) & 0xffU, VTIS_STS_VALID);
}

static void t_fifo_read_no_data(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);	/* none */
	vtt_request(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_DATA_FIFO), 0xffffffffU);
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	vtt_send(c, 0, vtt_tpm2_getrandom, 4);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	vtt_send(c, 0, vtt_tpm2_getrandom + 4, 8);
	vtt_go(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	/* reading in RECEPTION/EXECUTION did not disturb the command */
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, vtt_tpm2_getrandom, 12), 0);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 1, VTIS_REG_DATA_FIFO), 0xffU);	/* other */
	vtt_recv(c, 0, b, sizeof(b));
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_XDATA_FIFO), 0xffffffffU);
}

static void t_response_retry(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[64];

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	vtt_recv(c, 0, b, 15);
	vtt_wr8(c, 0, VTIS_REG_STS, VTIS_STS_RESPONSE_RETRY);
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0), (u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_ASSERT_EQ(test, vtt_recv(c, 0, b, sizeof(b)),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, vtt_tpm2_getrandom_rsp,
				     sizeof(vtt_tpm2_getrandom_rsp)), 0);
	vtt_wr8(c, 0, VTIS_REG_STS, VTIS_STS_RESPONSE_RETRY);
	KUNIT_EXPECT_TRUE(test, vtt_sts(c, 0) & VTIS_STS_DATA_AVAIL);
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
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[64];
	int i;

	vtt_request(c, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		vtt_wr32(c, 0, VTIS_REG_STS, bad[i]);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_IDLE);
	vtt_cmd_ready(c, 0);
	vtt_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		vtt_wr32(c, 0, VTIS_REG_STS, bad[i]);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_RECEPTION);
	vtt_go(c, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		vtt_wr32(c, 0, VTIS_REG_STS, bad[i]);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	vtt_recv(c, 0, b, 5);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		vtt_wr32(c, 0, VTIS_REG_STS, bad[i]);
	/* no retry happened, nothing was discarded */
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0),
			(u32)sizeof(vtt_tpm2_getrandom_rsp) - 5);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_COMPLETION);
}

static void t_command_ready_discards_response(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	vtt_rd8(c, 0, VTIS_REG_DATA_FIFO);
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_READY);
	KUNIT_EXPECT_FALSE(test, vtt_sts(c, 0) & VTIS_STS_DATA_AVAIL);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	vtt_wr8(c, 0, VTIS_REG_STS, VTIS_STS_RESPONSE_RETRY);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
}

static void t_command_ready_aborts_reception(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	vtt_send(c, 0, vtt_tpm2_probe_cmd, 7);
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_READY);
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0), 4096U);
	vtt_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_go(c, 0);
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_len, (u32)sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, vtt_tpm2_getrandom, 12), 0);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 0);
}

static void t_abort_during_execution(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	/* deferred: still executing until the backend answers */
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_EXECUTION);
	KUNIT_EXPECT_FALSE(test, vtt_sts(c, 0) & VTIS_STS_COMMAND_READY);
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	KUNIT_EXPECT_TRUE(test, vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
						  sizeof(vtt_tpm2_getrandom_rsp)));
	/* the answer is dropped and the locality is ready for a command */
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_READY);
	KUNIT_EXPECT_EQ(test, vtt_sts(c, 0) & 0xffU,
			VTIS_STS_VALID | VTIS_STS_COMMAND_READY);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
}

static void t_command_cancel_tpm2(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	vtt_request(c, 0);
	vtt_wr32(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_CANCEL);	/* idle */
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 0);
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_wr32(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_CANCEL);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	vtt_wr8(c, 0, VTIS_REG_STS + 3, VTIS_STS_COMMAND_CANCEL >> 24);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 2);
	/* cancel does not drop the answer: the guest reads it */
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, vtt_recv(c, 0, b, sizeof(b)),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
	vtt_wr32(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_CANCEL);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 2);
}

static void t_command_cancel_tpm12_ignored(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_1_2);

	vtt_submit_cmd(c, 0, vtt_tpm12_getrandom, sizeof(vtt_tpm12_getrandom));
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	vtt_wr32(c, 0, VTIS_REG_STS, VTIS_STS_COMMAND_CANCEL);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 0);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_EXECUTION);
}

static void t_fifo_write_outside_reception(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[64];

	vtt_request(c, 0);
	vtt_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));	/* idle */
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, 0U);
	vtt_cmd_ready(c, 0);
	vtt_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_go(c, 0);
	vtt_send(c, 0, vtt_tpm2_probe_cmd, sizeof(vtt_tpm2_probe_cmd));	/* executing */
	KUNIT_EXPECT_EQ(test, c->tis.s.len, (u32)sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	vtt_send(c, 0, vtt_tpm2_probe_cmd, sizeof(vtt_tpm2_probe_cmd));	/* completion */
	KUNIT_ASSERT_EQ(test, vtt_recv(c, 0, b, sizeof(b)),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, vtt_tpm2_getrandom_rsp,
				     sizeof(vtt_tpm2_getrandom_rsp)), 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
}

static void t_inactive_locality_writes_ignored(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	vtt_send(c, 0, vtt_tpm2_getrandom, 6);
	/* locality 1 is not active: its FIFO, STS and INT writes do nothing */
	vtt_send(c, 1, vtt_tpm2_getrandom + 6, 6);
	vtt_cmd_ready(c, 1);
	vtt_go(c, 1);
	vtt_wr32(c, 1, VTIS_REG_INT_ENABLE, 0xffffffff);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, 6U);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 1), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 1, VTIS_REG_INT_ENABLE), 0x08U);
	vtt_send(c, 0, vtt_tpm2_getrandom + 6, 6);
	vtt_go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, vtt_tpm2_getrandom, 12), 0);
}

static void t_xdata_fifo(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[20];
	u32 i, v;

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	for (i = 0; i < sizeof(vtt_tpm2_getrandom); i += 4) {
		v = (u32)vtt_tpm2_getrandom[i] |
		    (u32)vtt_tpm2_getrandom[i + 1] << 8 |
		    (u32)vtt_tpm2_getrandom[i + 2] << 16 |
		    (u32)vtt_tpm2_getrandom[i + 3] << 24;
		vtt_wr(c, VTT_LOC(0, VTIS_REG_XDATA_FIFO + 0x10 + i), 4, v);
	}
	vtt_go(c, 0);
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, vtt_tpm2_getrandom, 12), 0);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	for (i = 0; i < sizeof(b); i += 4) {
		v = vtt_rd(c, VTT_LOC(0, VTIS_REG_XDATA_FIFO_END - 3), 4);
		b[i] = v;
		b[i + 1] = v >> 8;
		b[i + 2] = v >> 16;
		b[i + 3] = v >> 24;
	}
	KUNIT_EXPECT_EQ(test, memcmp(b, vtt_tpm2_getrandom_rsp, sizeof(b)), 0);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_XDATA_FIFO + 5), 0xffU);
}

static void t_fifo_2_and_4_byte(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_1_2);
	u8 b[18];
	u32 i, v;

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	for (i = 0; i < 12; i += 4)
		vtt_wr(c, VTT_LOC(0, VTIS_REG_DATA_FIFO), 4,
		       (u32)vtt_tpm12_getrandom[i] |
		       (u32)vtt_tpm12_getrandom[i + 1] << 8 |
		       (u32)vtt_tpm12_getrandom[i + 2] << 16 |
		       (u32)vtt_tpm12_getrandom[i + 3] << 24);
	vtt_wr(c, VTT_LOC(0, VTIS_REG_DATA_FIFO), 2,
	       vtt_tpm12_getrandom[12] | vtt_tpm12_getrandom[13] << 8);
	vtt_go(c, 0);
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, vtt_tpm12_getrandom,
				     sizeof(vtt_tpm12_getrandom)), 0);
	vtis_tis_response(&c->tis, vtt_tpm12_getrandom_rsp,
			  sizeof(vtt_tpm12_getrandom_rsp));
	for (i = 0; i < sizeof(b); i += 2) {
		v = vtt_rd(c, VTT_LOC(0, VTIS_REG_DATA_FIFO + 2), 2);
		b[i] = v;
		b[i + 1] = v >> 8;
	}
	KUNIT_EXPECT_EQ(test, memcmp(b, vtt_tpm12_getrandom_rsp, sizeof(b)), 0);
	/* past the end a 2-byte read is 0xffff */
	KUNIT_EXPECT_EQ(test, vtt_rd(c, VTT_LOC(0, VTIS_REG_DATA_FIFO), 2), 0xffffU);
}

static void t_eight_byte_access(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 in[8], out[8];
	int i;

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	/* 8 bytes at XDATA_FIFO move 8 FIFO bytes */
	memcpy(in, vtt_tpm2_getrandom, 8);
	vtis_tis_write(&c->tis, VTT_LOC(0, VTIS_REG_XDATA_FIFO), 8, in);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, 8U);
	/* 8 bytes at DATA_FIFO: 4 FIFO bytes, the upper 4 are no register */
	memcpy(in, vtt_tpm2_getrandom + 8, 4);
	memset(in + 4, 0xee, 4);
	vtis_tis_write(&c->tis, VTT_LOC(0, VTIS_REG_DATA_FIFO), 8, in);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, 12U);
	vtt_go(c, 0);
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, vtt_tpm2_getrandom, 12), 0);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	vtis_tis_read(&c->tis, VTT_LOC(0, VTIS_REG_XDATA_FIFO + 8), 8, out);
	KUNIT_EXPECT_EQ(test, memcmp(out, vtt_tpm2_getrandom_rsp, 8), 0);
	vtis_tis_read(&c->tis, VTT_LOC(0, VTIS_REG_DATA_FIFO), 8, out);
	KUNIT_EXPECT_EQ(test, memcmp(out, vtt_tpm2_getrandom_rsp + 8, 4), 0);
	for (i = 4; i < 8; i++)
		KUNIT_EXPECT_EQ(test, out[i], 0xffU);
	/* 8 bytes at STS: STS, then 0x1c-0x1f which read 0xff */
	vtis_tis_read(&c->tis, VTT_LOC(0, VTIS_REG_STS), 8, out);
	KUNIT_EXPECT_EQ(test, out[0], (u8)(VTIS_STS_VALID | VTIS_STS_DATA_AVAIL));
	KUNIT_EXPECT_EQ(test, out[1], 8U);
	for (i = 4; i < 8; i++)
		KUNIT_EXPECT_EQ(test, out[i], 0xffU);
	/* 8 bytes at INT_ENABLE: INT_ENABLE then INT_VECTOR */
	vtis_tis_read(&c->tis, VTT_LOC(0, VTIS_REG_INT_ENABLE), 8, out);
	KUNIT_EXPECT_EQ(test, out[0], 0x08U);
	for (i = 1; i < 8; i++)
		KUNIT_EXPECT_EQ(test, out[i], 0U);
}

static void t_unaligned_access(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtis_tis_set_int_vector(&c->tis, 7);
	vtt_request(c, 0);
	/* 2 bytes at 0x0f: top byte of INT_VECTOR, low byte of INT_STATUS */
	KUNIT_EXPECT_EQ(test, vtt_rd(c, VTT_LOC(0, 0x0f), 2), 0U);
	/* 4 bytes at 0x0d: INT_VECTOR bytes 1-3 and INT_STATUS byte 0 */
	KUNIT_EXPECT_EQ(test, vtt_rd(c, VTT_LOC(0, 0x0d), 4), 0U);
	KUNIT_EXPECT_EQ(test, vtt_rd(c, VTT_LOC(0, 0x0b), 2), 0x0700U);
	/* unaligned 4-byte read at 0x16: INTF_CAPABILITY top, STS low */
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_rd(c, VTT_LOC(0, 0x16), 4),
			0x3000U | (VTIS_STS_VALID | VTIS_STS_COMMAND_READY) << 16 |
			0xffU << 24);
	/* a 2-byte write at 0x0a..0x0b only touches those INT_ENABLE bytes */
	vtt_wr(c, VTT_LOC(0, VTIS_REG_INT_ENABLE + 2), 2, 0x8000);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_ENABLE), 0x80000008U);
	/* a 2-byte write at 0x17 puts commandReady into STS */
	vtt_relinquish(c, 0);
	vtt_request(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_IDLE);
	vtt_wr(c, VTT_LOC(0, 0x17), 2, VTIS_STS_COMMAND_READY << 8);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_READY);
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
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[8], acc;
	int i, j;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		/* the second piece, at the start of locality 0's page */
		memset(b, 0, sizeof(b));
		b[0] = VTIS_ACCESS_REQUEST_USE;
		vtis_tis_write(&c->tis, VTT_LOC(0, VTIS_REG_ACCESS), lens[i], b);
		KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0U);
		acc = vtt_rd8(c, 0, VTIS_REG_ACCESS);
		memset(b, 0x5a, sizeof(b));
		vtis_tis_read(&c->tis, VTT_LOC(0, VTIS_REG_ACCESS), lens[i], b);
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
		vtis_tis_write(&c->tis, VTT_LOC(0, VTIS_REG_ACCESS), lens[i], b);
		KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
		/* the first piece, at the end of locality 1's page: no register */
		memset(b, 0, sizeof(b));
		vtis_tis_read(&c->tis, VTT_LOC(1, 0x1000 - lens[i]), lens[i], b);
		for (j = 0; j < lens[i]; j++)
			KUNIT_EXPECT_EQ(test, b[j], 0xffU);
	}
	/* 3 bytes of DID_VID */
	memset(b, 0, sizeof(b));
	vtis_tis_read(&c->tis, VTT_LOC(0, VTIS_REG_DID_VID), 3, b);
	KUNIT_EXPECT_EQ(test, b[0] | b[1] << 8 | b[2] << 16,
			(int)(VTIS_DID_VID & 0xffffff));
}

static void t_bad_lengths_and_ranges(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[8];
	int j;

	/* out of the window, or crossing into the next locality */
	KUNIT_EXPECT_EQ(test, vtt_rd(c, 0x5000, 4), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, vtt_rd(c, 0xffffffff, 1), 0xffU);
	KUNIT_EXPECT_EQ(test, vtt_rd(c, 0x4fff, 2), 0xffffU);
	KUNIT_EXPECT_EQ(test, vtt_rd(c, 0x0ffe, 4), 0xffffffffU);
	memset(b, 0, sizeof(b));
	vtis_tis_read(&c->tis, 0x0ffc, 8, b);
	for (j = 0; j < 8; j++)
		KUNIT_EXPECT_EQ(test, b[j], 0xffU);
	vtt_wr(c, 0x5000, 1, VTIS_ACCESS_REQUEST_USE);
	vtt_wr(c, 0x0fff, 2, VTIS_ACCESS_REQUEST_USE << 8);	/* would hit 0x1000 */
	vtt_wr(c, 0xfffffffc, 4, VTIS_ACCESS_REQUEST_USE);
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

static struct kunit_case vtis_tis_cmd_cases[] = {
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
	{}
};

static struct kunit_suite vtis_tis_cmd_suite = {
	.name = "vtis_tis_cmd",
	.test_cases = vtis_tis_cmd_cases,
};

kunit_test_suite(vtis_tis_cmd_suite);
