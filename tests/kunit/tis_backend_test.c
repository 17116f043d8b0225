// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtis_tis_backend: what reaches the backend and what comes
 * back.  Guest commands the core answers itself (the vendor set-locality
 * command, the TCG prefix, bad sizes), the backend's answers good and
 * bad, its failures, a core without callbacks, and the events the core
 * reports for its owner's statistics and tracing.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tis_test.h"

/* ==== guest commands that must not reach the backend ==== */

static void t_set_locality_blocked_tpm2(struct kunit *test)
{
	static const u8 cmd[] = { 0x80, 0x01, 0x00, 0x00, 0x00, 0x0b,
				  0x20, 0x00, 0x10, 0x00, 0x03 };
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 *c2 = vtt_mkcmd(test, 0x8002, 11, VTIS_ORD_SET_LOCALITY, 11);

	vtt_submit_cmd(c, 0, cmd, sizeof(cmd));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	vtt_expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_CODE);
	/* the sessions tag form is refused the same way */
	vtt_submit_cmd(c, 0, c2, 11);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	vtt_expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_CODE);
}

static void t_set_locality_blocked_tpm12(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_1_2);
	u8 *cmd = vtt_mkcmd(test, 0x00c1, 11, VTIS_ORD_SET_LOCALITY, 11);

	vtt_submit_cmd(c, 2, cmd, 11);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	vtt_expect_tpm12_error(c, 2, VTIS_TPM12_BAD_ORDINAL);
}

static void t_tcg_prefix_blocked(struct kunit *test)
{
	struct vtt_ctx *c2 = vtt_mk(test, VTIS_FAMILY_2_0);
	struct vtt_ctx *c1 = vtt_mk(test, VTIS_FAMILY_1_2);
	u8 *cmd = vtt_mkcmd(test, 0, 0, 0, VTIS_BUFFER_SIZE);

	/* 00 00 00 08, locality, then a TPM command */
	cmd[3] = 0x08;
	cmd[4] = 0x04;
	memcpy(cmd + 5, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_request(c2, 0);
	vtt_cmd_ready(c2, 0);
	vtt_send(c2, 0, cmd, 17);
	/* its "size" is 0x0008xxxx: the TPM keeps expecting until full */
	KUNIT_EXPECT_TRUE(test, vtt_sts(c2, 0) & VTIS_STS_EXPECT);
	vtt_send(c2, 0, cmd + 17, VTIS_BUFFER_SIZE - 17);
	KUNIT_EXPECT_FALSE(test, vtt_sts(c2, 0) & VTIS_STS_EXPECT);
	vtt_go(c2, 0);
	KUNIT_EXPECT_EQ(test, c2->fk.submits, 0);
	vtt_expect_tpm2_error(c2, 0, VTIS_TPM2_RC_COMMAND_CODE);

	vtt_submit_cmd(c1, 0, cmd, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, c1->fk.submits, 0);
	vtt_expect_tpm12_error(c1, 0, VTIS_TPM12_BAD_ORDINAL);
}

static void t_tcg_prefix_overflow_blocked(struct kunit *test)
{
	static const u8 cmd[] = { 0x00, 0x00, 0x00, 0x08, 0x00 };
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u32 i;

	/* the prefix is recognised even when more than 4096 bytes came */
	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	vtt_send(c, 0, cmd, sizeof(cmd));
	for (i = sizeof(cmd); i < VTIS_BUFFER_SIZE + 100; i++)
		vtt_wr8(c, 0, VTIS_REG_DATA_FIFO, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, VTIS_BUFFER_SIZE);
	vtt_go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	vtt_expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_CODE);
}

static void t_header_size_too_small(struct kunit *test)
{
	static const u32 sizes[] = { 0, 6, 8, 9 };
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	struct vtt_ctx *c1 = vtt_mk(test, VTIS_FAMILY_1_2);
	u8 *cmd;
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		cmd = vtt_mkcmd(test, 0x8001, sizes[i], 0x17b, 10);
		vtt_request(c, 0);
		vtt_cmd_ready(c, 0);
		vtt_send(c, 0, cmd, sizes[i] > 6 ? sizes[i] : 6);
		/* the size is known and reached: Expect drops */
		KUNIT_EXPECT_FALSE(test, vtt_sts(c, 0) & VTIS_STS_EXPECT);
		vtt_go(c, 0);
		KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
		vtt_expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_SIZE);
	}
	cmd = vtt_mkcmd(test, 0x00c1, 9, 0x46, 10);
	vtt_submit_cmd(c1, 0, cmd, 9);
	KUNIT_EXPECT_EQ(test, c1->fk.submits, 0);
	vtt_expect_tpm12_error(c1, 0, VTIS_TPM12_BAD_PARAM_SIZE);
}

static void t_more_bytes_than_header(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 *cmd = vtt_mkcmd(test, 0x8001, 12, 0x17b, 14);

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	vtt_send(c, 0, cmd, 14);
	KUNIT_EXPECT_FALSE(test, vtt_sts(c, 0) & VTIS_STS_EXPECT);
	vtt_go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	vtt_expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_SIZE);
}

static void t_buffer_overrun(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 *cmd = vtt_mkcmd(test, 0x8001, VTIS_BUFFER_SIZE, 0x17b,
			    VTIS_BUFFER_SIZE + 64);

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	vtt_send(c, 0, cmd, VTIS_BUFFER_SIZE - 1);
	KUNIT_EXPECT_TRUE(test, vtt_sts(c, 0) & VTIS_STS_EXPECT);
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0), 1U);
	vtt_send(c, 0, cmd + VTIS_BUFFER_SIZE - 1, 65);
	KUNIT_EXPECT_EQ(test, c->tis.s.len, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0), 0U);
	KUNIT_EXPECT_FALSE(test, vtt_sts(c, 0) & VTIS_STS_EXPECT);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	vtt_go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	vtt_expect_tpm2_error(c, 0, VTIS_TPM2_RC_COMMAND_SIZE);
}

static void t_huge_header_size(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_1_2);
	u8 *cmd = vtt_mkcmd(test, 0x00c1, 0xffffffff, 0x46, VTIS_BUFFER_SIZE);

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	vtt_send(c, 0, cmd, 100);
	KUNIT_EXPECT_TRUE(test, vtt_sts(c, 0) & VTIS_STS_EXPECT);
	vtt_go(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_RECEPTION);
	vtt_send(c, 0, cmd + 100, VTIS_BUFFER_SIZE - 100);
	KUNIT_EXPECT_FALSE(test, vtt_sts(c, 0) & VTIS_STS_EXPECT);
	vtt_go(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	vtt_expect_tpm12_error(c, 0, VTIS_TPM12_BAD_PARAM_SIZE);
}

static void t_max_command_forwarded(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 *cmd = vtt_mkcmd(test, 0x8001, VTIS_BUFFER_SIZE, 0x17b, VTIS_BUFFER_SIZE);

	vtt_submit_cmd(c, 0, cmd, VTIS_BUFFER_SIZE);
	KUNIT_ASSERT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_len, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, cmd, VTIS_BUFFER_SIZE), 0);
}

/* ==== responses from the backend ==== */

static void t_response_too_short(struct kunit *test)
{
	static const u8 rsp[] = { 0x80, 0x01, 0x00, 0x00, 0x00, 0x09,
				  0x00, 0x00, 0x00 };
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, vtis_tis_response(&c->tis, rsp, sizeof(rsp)));
	vtt_expect_tpm2_error(c, 0, VTIS_TPM2_RC_FAILURE);
}

static void t_response_too_long(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 *rsp = vtt_mkcmd(test, 0x8001, VTIS_BUFFER_SIZE + 1, 0,
			    VTIS_BUFFER_SIZE + 1);

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, rsp, VTIS_BUFFER_SIZE + 1);
	vtt_expect_tpm2_error(c, 0, VTIS_TPM2_RC_FAILURE);
	/* 4 GiB - 1 claimed: still refused */
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, rsp, 0xffffffff);
	vtt_expect_tpm2_error(c, 0, VTIS_TPM2_RC_FAILURE);
}

static void t_response_size_mismatch(struct kunit *test)
{
	static const u32 fields[] = { 0, 10, 19, 21, 4097, 0xffffffff };
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 rsp[20];
	int i;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		memcpy(rsp, vtt_tpm2_getrandom_rsp, sizeof(rsp));
		vtt_put32(rsp + 2, fields[i]);
		vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
		vtis_tis_response(&c->tis, rsp, sizeof(rsp));
		vtt_expect_tpm2_error(c, 0, VTIS_TPM2_RC_FAILURE);
	}
}

static void t_response_failure_tpm12(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_1_2);
	u8 rsp[18];

	memcpy(rsp, vtt_tpm12_getrandom_rsp, sizeof(rsp));
	vtt_put32(rsp + 2, 100);
	vtt_submit_cmd(c, 0, vtt_tpm12_getrandom, sizeof(vtt_tpm12_getrandom));
	vtis_tis_response(&c->tis, rsp, sizeof(rsp));
	vtt_expect_tpm12_error(c, 0, VTIS_TPM12_FAIL);
	vtt_submit_cmd(c, 0, vtt_tpm12_getrandom, sizeof(vtt_tpm12_getrandom));
	vtis_tis_response(&c->tis, NULL, 18);
	vtt_expect_tpm12_error(c, 0, VTIS_TPM12_FAIL);
}

static void t_response_without_command(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	struct vtis_tis_state *before;

	KUNIT_EXPECT_FALSE(test, vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
						   sizeof(vtt_tpm2_getrandom_rsp)));
	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	vtt_send(c, 0, vtt_tpm2_getrandom, 5);
	before = vtt_snap(test, c);
	KUNIT_EXPECT_FALSE(test, vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
						   sizeof(vtt_tpm2_getrandom_rsp)));
	vtis_tis_backend_error(&c->tis);
	KUNIT_EXPECT_TRUE(test, vtt_same_state(before, &c->tis.s));
}

static void t_second_response_ignored(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
						  sizeof(vtt_tpm2_getrandom_rsp)));
	KUNIT_EXPECT_FALSE(test, vtis_tis_response(&c->tis, vtt_tpm12_badtag_rsp,
						   sizeof(vtt_tpm12_badtag_rsp)));
	KUNIT_ASSERT_EQ(test, vtt_recv(c, 0, b, sizeof(b)),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, vtt_tpm2_getrandom_rsp,
				     sizeof(vtt_tpm2_getrandom_rsp)), 0);
}

static void t_backend_error(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	struct vtt_ctx *c1 = vtt_mk(test, VTIS_FAMILY_1_2);

	vtt_submit_cmd(c, 1, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_backend_error(&c->tis);
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	vtt_expect_tpm2_error(c, 1, VTIS_TPM2_RC_FAILURE);
	vtt_submit_cmd(c1, 0, vtt_tpm12_getrandom, sizeof(vtt_tpm12_getrandom));
	vtis_tis_backend_error(&c1->tis);
	vtt_expect_tpm12_error(c1, 0, VTIS_TPM12_FAIL);
}

static void t_response_max_size(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 *rsp = vtt_mkcmd(test, 0x8001, VTIS_BUFFER_SIZE, 0, VTIS_BUFFER_SIZE);
	u8 *b = kunit_kzalloc(test, VTIS_BUFFER_SIZE + 8, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, rsp, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, vtt_burst(c, 0), VTIS_BUFFER_SIZE);
	KUNIT_ASSERT_EQ(test, vtt_recv(c, 0, b, VTIS_BUFFER_SIZE + 8),
			VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, memcmp(b, rsp, VTIS_BUFFER_SIZE), 0);
}

static void t_synchronous_backend(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	c->fk.sync_rsp = vtt_tpm2_getrandom_rsp;
	c->fk.sync_len = sizeof(vtt_tpm2_getrandom_rsp);
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 1);
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	KUNIT_ASSERT_EQ(test, vtt_recv(c, 0, b, sizeof(b)),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, vtt_tpm2_getrandom_rsp,
				     sizeof(vtt_tpm2_getrandom_rsp)), 0);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
}

/* ==== events for the owner's statistics and tracing ==== */

/* Record the core's events (tis.event). */
static void rec_event(struct vtis_tis *tis, const struct vtis_tis_event *ev)
{
	struct vtt_ctx *c = tis->priv;

	if (c->nev < VTT_MAX_EVENTS)
		c->ev[c->nev] = *ev;
	c->nev++;
}

static struct vtt_ctx *mk_listening(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	c->tis.event = rec_event;
	return c;
}

static void expect_event(struct vtt_ctx *c, int i, u8 type, u8 loc, u8 reason,
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

static void t_events_command_cycle(struct kunit *test)
{
	struct vtt_ctx *c = mk_listening(test);

	vtt_request(c, 0);
	expect_event(c, 0, VTIS_EV_LOCALITY, 0, VTIS_EVR_NONE, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, c->ev[0].from, VTIS_NO_LOCALITY);
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	expect_event(c, 1, VTIS_EV_SUBMIT, 0, VTIS_EVR_NONE, 0, 0x17b, 12);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	expect_event(c, 2, VTIS_EV_COMPLETE, 0, VTIS_EVR_OK, 0, 0, 20);
	vtt_relinquish(c, 0);
	expect_event(c, 3, VTIS_EV_LOCALITY, VTIS_NO_LOCALITY, VTIS_EVR_NONE,
		     0, 0, 0);
	KUNIT_EXPECT_EQ(test, c->ev[3].from, 0);
	KUNIT_EXPECT_EQ(test, c->nev, 4);
}

static void t_events_rejects(struct kunit *test)
{
	struct vtt_ctx *c = mk_listening(test);
	u8 *vendor = vtt_mkcmd(test, 0x8002, 11, VTIS_ORD_SET_LOCALITY, 11);
	u8 *small = vtt_mkcmd(test, 0x8001, 9, 0x17b, 12);
	static const u8 prefix[] = { 0x00, 0x00, 0x00, 0x08, 0x00 };

	vtt_submit_cmd(c, 1, vendor, 11);
	expect_event(c, 1, VTIS_EV_REJECT, 1, VTIS_EVR_VENDOR,
		     VTIS_TPM2_RC_COMMAND_CODE, VTIS_ORD_SET_LOCALITY, 11);
	vtt_cmd_ready(c, 1);
	vtt_submit_cmd(c, 1, small, 12);
	expect_event(c, 2, VTIS_EV_REJECT, 1, VTIS_EVR_SIZE,
		     VTIS_TPM2_RC_COMMAND_SIZE, 0x17b, 12);
	vtt_cmd_ready(c, 1);
	/* five bytes: Expect stays set, so fill the buffer to get to GO */
	vtt_send(c, 1, prefix, sizeof(prefix));
	while (c->tis.s.len < VTIS_BUFFER_SIZE)
		vtt_wr8(c, 1, VTIS_REG_DATA_FIFO, 0);
	vtt_go(c, 1);
	expect_event(c, 3, VTIS_EV_REJECT, 1, VTIS_EVR_PREFIX,
		     VTIS_TPM2_RC_COMMAND_CODE, 0, VTIS_BUFFER_SIZE);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
	KUNIT_EXPECT_EQ(test, c->nev, 4);
}

static void t_events_completions(struct kunit *test)
{
	struct vtt_ctx *c = mk_listening(test);
	u8 *bad = vtt_mkcmd(test, 0x8001, 12, 0, 10);

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, bad, 10);
	expect_event(c, 2, VTIS_EV_COMPLETE, 0, VTIS_EVR_BAD_RESPONSE,
		     VTIS_TPM2_RC_FAILURE, 0, 10);
	vtt_cmd_ready(c, 0);
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_backend_error(&c->tis);
	expect_event(c, 4, VTIS_EV_COMPLETE, 0, VTIS_EVR_FAILED,
		     VTIS_TPM2_RC_FAILURE, 0, 10);
	vtt_cmd_ready(c, 0);
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_cmd_ready(c, 0);	/* abort: deferred until the answer */
	KUNIT_EXPECT_EQ(test, c->nev, 6);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	expect_event(c, 6, VTIS_EV_COMPLETE, 0, VTIS_EVR_DROPPED, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, c->nev, 7);
}

static void t_no_ops(struct kunit *test)
{
	struct vtis_tis *tis = kunit_kzalloc(test, sizeof(*tis), GFP_KERNEL);
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	KUNIT_ASSERT_NOT_NULL(test, tis);
	/* without callbacks a command gets TPM_RC_FAILURE, nothing crashes */
	vtis_tis_init(&c->tis, VTIS_FAMILY_2_0, NULL, c, c->buf);
	vtt_wr32(c, 0, VTIS_REG_INT_ENABLE, 0xffffffff);
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	vtt_expect_tpm2_error(c, 0, VTIS_TPM2_RC_FAILURE);
	/* an unknown family becomes TPM 2.0 */
	vtis_tis_init(tis, 0, NULL, NULL, c->buf);
	KUNIT_EXPECT_EQ(test, tis->s.family, (u32)VTIS_FAMILY_2_0);
}

static struct kunit_case vtis_tis_backend_cases[] = {
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
	{}
};

static struct kunit_suite vtis_tis_backend_suite = {
	.name = "vtis_tis_backend",
	.test_cases = vtis_tis_backend_cases,
};

kunit_test_suite(vtis_tis_backend_suite);
