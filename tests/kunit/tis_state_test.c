// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtis_tis_state: localities contending while a command
 * executes (seizes, relinquishes and requests deferred until the
 * backend answers), reset, and the serialisable state: its check, copy
 * and load (migration).
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tis_test.h"

/* ==== locality contention ==== */

static void t_seize_during_execution(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_request(c, 1);
	vtt_wr8(c, 2, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	/* the switch waits for the backend */
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
	KUNIT_EXPECT_TRUE(test, vtis_tis_busy(&c->tis));
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	/* a lower seize meanwhile changes nothing */
	vtt_wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 1) & VTIS_ACCESS_REQUEST_USE);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 2), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 2, VTIS_REG_DATA_FIFO), 0xffU);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	/* after the seize, locality 1 still gets its turn */
	vtt_relinquish(c, 2);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
}

static void t_higher_seize_overrides(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	vtt_wr8(c, 3, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	vtt_wr8(c, 2, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);	/* below 3: ignored */
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	vtis_tis_backend_error(&c->tis);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 3);
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_EQ(test, c->tis.s.loc[1].access, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.loc[2].access, 0);
}

static void t_relinquish_during_execution(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_request(c, 1);
	vtt_request(c, 3);
	vtt_relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
	vtt_request(c, 2);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 3);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_EQ(test, c->tis.s.pending, (u8)(BIT(1) | BIT(2)));
	vtt_relinquish(c, 3);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
	vtt_relinquish(c, 2);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
}

static void t_deferred_switch_to_none(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_relinquish(c, 0);		/* nobody waits */
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	vtt_request(c, 1);			/* arrives while the switch waits */
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 1) & VTIS_ACCESS_REQUEST_USE);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.pending, 0);
}

static void t_withdraw_during_deferral(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_request(c, 1);
	vtt_request(c, 2);
	vtt_relinquish(c, 0);
	vtt_relinquish(c, 2);		/* withdraws: 1 is next */
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.pending, 0);
}

static void t_cancel_answers_at_once(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	/* a backend that gives up inside cancel(): the switch completes */
	c->fk.fail_on_cancel = true;
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 1);
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	/* and an abort by commandReady lands in READY */
	vtt_submit_cmd(c, 1, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_cmd_ready(c, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cancels, 2);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 1), (u8)VTIS_LOC_READY);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 1, VTIS_REG_DATA_FIFO), 0xffU);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
}

static void t_two_localities_take_turns(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_request(c, 1);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_loc, 0);
	/* locality 1 cannot disturb locality 0's command */
	vtt_cmd_ready(c, 1);
	vtt_send(c, 1, vtt_tpm2_probe_cmd, sizeof(vtt_tpm2_probe_cmd));
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_ASSERT_EQ(test, vtt_recv(c, 0, b, sizeof(b)),
			(u32)sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, memcmp(b, vtt_tpm2_getrandom_rsp, 12), 0);
	vtt_cmd_ready(c, 0);
	vtt_relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	vtt_submit_cmd(c, 1, vtt_tpm2_probe_cmd, sizeof(vtt_tpm2_probe_cmd));
	KUNIT_EXPECT_EQ(test, c->fk.submits, 2);
	KUNIT_EXPECT_EQ(test, c->fk.cmd_loc, 1);
	KUNIT_EXPECT_EQ(test, memcmp(c->fk.cmd, vtt_tpm2_probe_cmd,
				     sizeof(vtt_tpm2_probe_cmd)), 0);
}

/* ==== reset and the serialisable state ==== */

static void t_reset_forgets_command(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtis_tis_set_int_vector(&c->tis, 5);
	vtis_tis_set_established(&c->tis, true);
	vtt_request(c, 0);
	vtt_wr32(c, 0, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
		 VTIS_INT_COMMAND_READY);
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	vtt_request(c, 2);
	vtis_tis_reset(&c->tis);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_FALSE(test, vtis_tis_busy(&c->tis));
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
	KUNIT_EXPECT_EQ(test, c->tis.s.pending, 0);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_ENABLE), 0x08U);
	KUNIT_EXPECT_FALSE(test, vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
						   sizeof(vtt_tpm2_getrandom_rsp)));
	/* platform properties survive */
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_VECTOR), 5U);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 0) & VTIS_ACCESS_ESTABLISHMENT);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
}

static void t_state_check_accepts_live_states(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[32];

	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	vtt_request(c, 0);
	vtt_request(c, 1);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	vtt_send(c, 0, vtt_tpm2_getrandom, 3);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	vtt_send(c, 0, vtt_tpm2_getrandom + 3, 9);
	vtt_go(c, 0);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	vtt_wr8(c, 3, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	vtt_submit_cmd(c, 3, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	vtt_recv(c, 3, b, 4);
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
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	struct vtis_tis_state *st = vtt_snap(test, c);
	u8 *buf;

	/* a reception in progress, locality 1 waiting */
	vtt_request(c, 0);
	vtt_request(c, 1);
	vtt_cmd_ready(c, 0);
	vtt_send(c, 0, vtt_tpm2_getrandom, 8);
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
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	struct vtis_tis_state *st = vtt_snap(test, c);
	u8 *set_loc = vtt_mkcmd(test, 0x8001, 11, VTIS_ORD_SET_LOCALITY, 11);

	/* a command in flight at locality 0, and locality 2 seizing */
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtt_wr8(c, 2, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
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
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	vtt_request(c, 1);
	vtt_relinquish(c, 2);
	vtt_relinquish(c, 1);
	vtt_request(c, 0);
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_ASSERT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_COMPLETION);
	KUNIT_ASSERT_EQ(test, vtis_tis_state_check(&c->tis.s), 0);
	BAD_STATE(st->buf[5]++);
	BAD_STATE(st->len--);
	BAD_STATE(st->buf[2] = 0x80);
	KUNIT_EXPECT_EQ(test, vtis_tis_load_state(&c->tis, st), -EINVAL);
}

static void t_state_migrates(struct kunit *test)
{
	struct vtt_ctx *a = vtt_mk(test, VTIS_FAMILY_2_0);
	struct vtt_ctx *b = vtt_mk(test, VTIS_FAMILY_2_0);
	struct vtis_tis_state *st = vtt_snap(test, a);
	u8 out[32];

	vtt_request(a, 0);
	vtt_wr32(a, 0, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
		 VTIS_INT_DATA_AVAIL);
	vtt_submit_cmd(a, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&a->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	vtt_recv(a, 0, out, 7);
	vtis_tis_state_copy(st, &a->tis.s);
	KUNIT_ASSERT_EQ(test, vtis_tis_load_state(&b->tis, st), 0);
	/* the bytes came over; b keeps its own buffer */
	KUNIT_EXPECT_PTR_EQ(test, b->tis.s.buf, &b->buf[0]);
	KUNIT_EXPECT_TRUE(test, vtt_same_state(st, &b->tis.s));
	KUNIT_EXPECT_TRUE(test, b->fk.irq);	/* line re-evaluated */
	KUNIT_ASSERT_EQ(test, vtt_recv(b, 0, out + 7, sizeof(out) - 7),
			(u32)sizeof(vtt_tpm2_getrandom_rsp) - 7);
	KUNIT_EXPECT_EQ(test, memcmp(out, vtt_tpm2_getrandom_rsp,
				     sizeof(vtt_tpm2_getrandom_rsp)), 0);
	/* a bad blob leaves the device as it was */
	st->len = 5000;
	KUNIT_EXPECT_EQ(test, vtis_tis_load_state(&b->tis, st), -EINVAL);
	KUNIT_EXPECT_EQ(test, b->tis.s.len, (u32)sizeof(vtt_tpm2_getrandom_rsp));
}

static struct kunit_case vtis_tis_state_cases[] = {
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
	{}
};

static struct kunit_suite vtis_tis_state_suite = {
	.name = "vtis_tis_state",
	.test_cases = vtis_tis_state_cases,
};

kunit_test_suite(vtis_tis_state_suite);
