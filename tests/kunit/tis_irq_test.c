// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtis_tis_irq: INT_ENABLE and INT_STATUS, and the level of
 * the interrupt line the core drives through its irq_line callback.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tis_test.h"

/* ==== interrupts ==== */

static void t_irq_data_avail(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_wr32(c, 0, VTIS_REG_INT_ENABLE,
		 VTIS_INT_GLOBAL_ENABLE | VTIS_INT_DATA_AVAIL | 0x08);
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_DATA_AVAIL);
	vtt_wr32(c, 0, VTIS_REG_INT_STATUS, VTIS_INT_DATA_AVAIL);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS), 0U);
	KUNIT_EXPECT_EQ(test, c->fk.irq_edges, 2);
}

static void t_int_status_w1c(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_wr32(c, 0, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
		 VTIS_INT_SUPPORTED | 0x08);
	vtt_relinquish(c, 0);
	vtt_request(c, 0);		/* localityChange */
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_SUPPORTED);
	/* writing 0 clears nothing; unsupported bits are ignored */
	vtt_wr32(c, 0, VTIS_REG_INT_STATUS, 0x7fffff00);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_SUPPORTED);
	vtt_wr32(c, 0, VTIS_REG_INT_STATUS,
		 VTIS_INT_DATA_AVAIL | VTIS_INT_STS_VALID);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	vtt_wr8(c, 0, VTIS_REG_INT_STATUS, VTIS_INT_LOCALITY_CHANGE);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	vtt_wr8(c, 0, VTIS_REG_INT_STATUS, VTIS_INT_COMMAND_READY);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS), 0U);
}

static void t_irq_needs_global_enable(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_wr32(c, 0, VTIS_REG_INT_ENABLE, VTIS_INT_SUPPORTED | 0x08);
	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS), 0U);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, c->fk.irq_edges, 0);
	/* INT_ENABLE keeps only defined bits */
	vtt_wr32(c, 0, VTIS_REG_INT_ENABLE, 0xffffffff);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_ENABLE), 0x8000009fU);
	/* clearing the global enable drops a raised line */
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	vtt_wr8(c, 0, VTIS_REG_INT_ENABLE + 3, 0);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
}

static void t_irq_follows_active_locality(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_wr32(c, 0, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
		 VTIS_INT_COMMAND_READY | 0x08);
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
	vtt_relinquish(c, 0);
	/* locality 0's status stays, but it no longer drives the line */
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_COMMAND_READY);
	vtt_request(c, 1);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
	vtt_relinquish(c, 1);
	vtt_request(c, 0);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
}

static void t_irq_locality_change(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_request(c, 1);
	/* locality 1 cannot write INT_ENABLE before it is active */
	vtt_wr32(c, 1, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
		 VTIS_INT_LOCALITY_CHANGE);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 1, VTIS_REG_INT_ENABLE), 0x08U);
	vtt_relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	vtt_wr32(c, 1, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
		 VTIS_INT_LOCALITY_CHANGE);
	vtt_relinquish(c, 1);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 1, VTIS_REG_INT_STATUS), 0U);
	vtt_request(c, 1);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 1, VTIS_REG_INT_STATUS),
			VTIS_INT_LOCALITY_CHANGE);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
}

static void t_irq_command_ready_and_sts_valid(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_wr32(c, 0, VTIS_REG_INT_ENABLE, VTIS_INT_GLOBAL_ENABLE |
		 VTIS_INT_COMMAND_READY | VTIS_INT_STS_VALID | 0x08);
	vtt_cmd_ready(c, 0);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_COMMAND_READY);
	vtt_wr32(c, 0, VTIS_REG_INT_STATUS, 0xff);
	vtt_send(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom) - 1);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS), 0U);
	vtt_send(c, 0, vtt_tpm2_getrandom + 11, 1);
	/* the command became complete (Expect 1 -> 0) */
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_STATUS),
			VTIS_INT_STS_VALID);
	KUNIT_EXPECT_TRUE(test, c->fk.irq);
}

static struct kunit_case vtis_tis_irq_cases[] = {
	KUNIT_CASE(t_irq_data_avail),
	KUNIT_CASE(t_int_status_w1c),
	KUNIT_CASE(t_irq_needs_global_enable),
	KUNIT_CASE(t_irq_follows_active_locality),
	KUNIT_CASE(t_irq_locality_change),
	KUNIT_CASE(t_irq_command_ready_and_sts_valid),
	{}
};

static struct kunit_suite vtis_tis_irq_suite = {
	.name = "vtis_tis_irq",
	.test_cases = vtis_tis_irq_cases,
};

kunit_test_suite(vtis_tis_irq_suite);
