// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtis_tis_regs: the TIS core's identification and fixed
 * registers, the values after reset, and ACCESS with its localities:
 * request, relinquish, seize, pendingRequest, beenSeized,
 * tpmEstablishment and the locality 4 that the guest may not drive.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tis_test.h"

/* ==== identification and fixed registers ==== */

static void t_did_vid_rid(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	int l;

	for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
		KUNIT_EXPECT_EQ(test, vtt_rd32(c, l, VTIS_REG_DID_VID), 0x00011014U);
		KUNIT_EXPECT_EQ(test, vtt_rd32(c, l, VTIS_REG_RID), 0x01U);
		KUNIT_EXPECT_EQ(test, vtt_rd8(c, l, VTIS_REG_RID), 0x01U);
	}
}

static void t_intf_capability(struct kunit *test)
{
	struct vtt_ctx *c2 = vtt_mk(test, VTIS_FAMILY_2_0);
	struct vtt_ctx *c1 = vtt_mk(test, VTIS_FAMILY_1_2);

	KUNIT_EXPECT_EQ(test, vtt_rd32(c2, 0, VTIS_REG_INTF_CAPABILITY),
			0x30000697U);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c1, 0, VTIS_REG_INTF_CAPABILITY),
			0x20000697U);
	/* dynamic burst count: bit 8 clear */
	KUNIT_EXPECT_EQ(test, vtt_rd32(c2, 3, VTIS_REG_INTF_CAPABILITY) & 0x100, 0U);
}

static void t_interface_id(struct kunit *test)
{
	struct vtt_ctx *c2 = vtt_mk(test, VTIS_FAMILY_2_0);
	struct vtt_ctx *c1 = vtt_mk(test, VTIS_FAMILY_1_2);

	KUNIT_EXPECT_EQ(test, vtt_rd32(c2, 0, VTIS_REG_INTERFACE_ID), 0x2100U);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c1, 0, VTIS_REG_INTERFACE_ID), 0xffffffffU);
}

static void t_read_only_registers(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_wr32(c, 0, VTIS_REG_INTERFACE_ID, 0);
	vtt_wr32(c, 0, VTIS_REG_INTF_CAPABILITY, 0);
	vtt_wr32(c, 0, VTIS_REG_DID_VID, 0);
	vtt_wr32(c, 0, VTIS_REG_RID, 0x55);
	vtt_wr32(c, 0, VTIS_REG_INT_VECTOR, 0x0b);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INTERFACE_ID), 0x2100U);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INTF_CAPABILITY), 0x30000697U);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_DID_VID), 0x00011014U);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_RID), 0x01U);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_VECTOR), 0U);
}

static void t_int_vector(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_VECTOR), 0U);
	vtis_tis_set_int_vector(&c->tis, 5);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_INT_VECTOR), 5U);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 2, VTIS_REG_INT_VECTOR), 5U);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_INT_VECTOR), 5U);
}

static void t_unknown_offsets(struct kunit *test)
{
	static const u32 offs[] = { 0x04, 0x1c, 0x20, 0x28, 0x2c, 0x34, 0x40,
				    0x7c, 0xc0, 0x800, 0xefc, 0xf08, 0xffc };
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	int i, l;

	vtt_request(c, 0);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		/* a write must not leave anything that could be read back */
		vtt_wr32(c, 0, offs[i], 0x12345678);
		for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
			KUNIT_EXPECT_EQ(test, vtt_rd32(c, l, offs[i]), 0xffffffffU);
			KUNIT_EXPECT_EQ(test, vtt_rd8(c, l, offs[i] + 1), 0xffU);
		}
	}
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_IDLE);
}

static void t_reset_values(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	int l;

	for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
		KUNIT_EXPECT_EQ(test, vtt_access(c, l),
				VTIS_ACCESS_REG_VALID | VTIS_ACCESS_ESTABLISHMENT);
		KUNIT_EXPECT_EQ(test, vtt_rd32(c, l, VTIS_REG_INT_ENABLE), 0x08U);
		KUNIT_EXPECT_EQ(test, vtt_rd32(c, l, VTIS_REG_INT_STATUS), 0U);
		/* no locality is active: STS reads all-ones */
		KUNIT_EXPECT_EQ(test, vtt_rd32(c, l, VTIS_REG_STS), 0xffffffffU);
	}
	/* ACCESS is one byte: the bytes above it read 0 */
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_ACCESS), 0x81U);
	KUNIT_EXPECT_FALSE(test, c->fk.irq);
}

/* ==== ACCESS and localities ==== */

static void t_request_granted_when_free(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 2);
	KUNIT_EXPECT_EQ(test, vtt_access(c, 2) & 0xbe,
			VTIS_ACCESS_REG_VALID | VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_EQ(test, vtt_access(c, 0) & VTIS_ACCESS_ACTIVE_LOCALITY, 0);
	KUNIT_EXPECT_NE(test, vtt_sts(c, 2), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 0, VTIS_REG_STS), 0xffffffffU);
	/* a request by the active locality changes nothing */
	vtt_request(c, 2);
	KUNIT_EXPECT_EQ(test, vtt_access(c, 2) & VTIS_ACCESS_REQUEST_USE, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.pending, 0);
}

static void t_request_pending_when_busy(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_request(c, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 1) & VTIS_ACCESS_REQUEST_USE);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 1) & VTIS_ACCESS_ACTIVE_LOCALITY);
	/* the active locality sees another waiting; the waiter does not */
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 0) & VTIS_ACCESS_PENDING_REQUEST);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 1) & VTIS_ACCESS_PENDING_REQUEST);
}

static void t_relinquish_no_pending(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 1);
	vtt_cmd_ready(c, 1);
	vtt_relinquish(c, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 1) & VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 1), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 1, VTIS_REG_STS), 0xffffffffU);
	/* another locality gets it at once now */
	vtt_request(c, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
}

static void t_relinquish_highest_pending(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_request(c, 1);
	vtt_request(c, 3);
	vtt_request(c, 2);
	vtt_relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 3);
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 3) & VTIS_ACCESS_ACTIVE_LOCALITY);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 3) & VTIS_ACCESS_REQUEST_USE);
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 3) & VTIS_ACCESS_PENDING_REQUEST);
	vtt_relinquish(c, 3);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
	vtt_relinquish(c, 2);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 1) & VTIS_ACCESS_PENDING_REQUEST);
	vtt_relinquish(c, 1);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
	/* beenSeized was never involved */
	KUNIT_EXPECT_EQ(test, vtt_access(c, 0) & VTIS_ACCESS_BEEN_SEIZED, 0);
}

static void t_withdraw_request(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_request(c, 2);
	vtt_relinquish(c, 2);	/* not active: withdraws the request */
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 2) & VTIS_ACCESS_REQUEST_USE);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 0) & VTIS_ACCESS_PENDING_REQUEST);
	vtt_relinquish(c, 0);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, VTIS_NO_LOCALITY);
}

static void t_seize_by_higher(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 0);
	vtt_wr8(c, 2, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 0) & VTIS_ACCESS_ACTIVE_LOCALITY);
	/* Seize itself never reads back */
	KUNIT_EXPECT_EQ(test, vtt_access(c, 2) & VTIS_ACCESS_SEIZE, 0);
	KUNIT_EXPECT_EQ(test, vtt_access(c, 2) & VTIS_ACCESS_BEEN_SEIZED, 0);
	/* beenSeized: writing 0 keeps it, another locality can't clear it */
	vtt_wr8(c, 0, VTIS_REG_ACCESS, 0);
	vtt_wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	vtt_wr8(c, 0, VTIS_REG_ACCESS, VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 0) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
}

static void t_seize_by_lower_ignored(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);

	vtt_request(c, 2);
	vtt_wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	vtt_wr8(c, 2, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 2);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 2) & VTIS_ACCESS_BEEN_SEIZED);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 1) & VTIS_ACCESS_REQUEST_USE);
	KUNIT_EXPECT_EQ(test, c->tis.s.loc[1].access, 0);
}

static void t_seize_when_free(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	int l;

	vtt_wr8(c, 1, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 1);
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++)
		KUNIT_EXPECT_EQ(test, vtt_access(c, l) & VTIS_ACCESS_BEEN_SEIZED, 0);
}

static void t_seize_drops_losers_data(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	u8 b[4];

	vtt_submit_cmd(c, 0, vtt_tpm2_getrandom, sizeof(vtt_tpm2_getrandom));
	vtis_tis_response(&c->tis, vtt_tpm2_getrandom_rsp,
			  sizeof(vtt_tpm2_getrandom_rsp));
	KUNIT_EXPECT_TRUE(test, vtt_sts(c, 0) & VTIS_STS_DATA_AVAIL);
	vtt_wr8(c, 3, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 3);
	/* the winner sees nothing of the loser's response */
	KUNIT_EXPECT_EQ(test, vtt_state(c, 3), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, vtt_recv(c, 3, b, sizeof(b)), 0U);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 3, VTIS_REG_DATA_FIFO), 0xffU);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
	/* and the loser gets a clean state when it comes back */
	vtt_wr8(c, 0, VTIS_REG_ACCESS, VTIS_ACCESS_BEEN_SEIZED);
	vtt_request(c, 0);
	vtt_relinquish(c, 3);
	KUNIT_EXPECT_EQ(test, c->tis.s.active_locality, 0);
	KUNIT_EXPECT_EQ(test, vtt_state(c, 0), (u8)VTIS_LOC_IDLE);
	KUNIT_EXPECT_EQ(test, vtt_rd8(c, 0, VTIS_REG_DATA_FIFO), 0xffU);
}

static void t_establishment(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	int l;

	KUNIT_EXPECT_TRUE(test, vtt_access(c, 0) & VTIS_ACCESS_ESTABLISHMENT);
	vtis_tis_set_established(&c->tis, true);
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++)
		KUNIT_EXPECT_FALSE(test, vtt_access(c,
						    l) & VTIS_ACCESS_ESTABLISHMENT);
	/* resetEstablishment is refused from localities 0-2 */
	for (l = 0; l < 3; l++) {
		vtt_request(c, l);
		vtt_wr32(c, l, VTIS_REG_STS, VTIS_STS_RESET_ESTABLISHMENT);
		KUNIT_EXPECT_FALSE(test, vtt_access(c,
						    l) & VTIS_ACCESS_ESTABLISHMENT);
		vtt_relinquish(c, l);
	}
	/* and only honoured from the active locality 3 */
	vtt_wr32(c, 3, VTIS_REG_STS, VTIS_STS_RESET_ESTABLISHMENT);
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 3) & VTIS_ACCESS_ESTABLISHMENT);
	vtt_request(c, 3);
	/* it reads as 0 in STS */
	KUNIT_EXPECT_EQ(test, vtt_sts(c, 3) & VTIS_STS_RESET_ESTABLISHMENT, 0U);
	vtt_wr8(c, 3, VTIS_REG_STS + 3, VTIS_STS_RESET_ESTABLISHMENT >> 24);
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 3) & VTIS_ACCESS_ESTABLISHMENT);
	KUNIT_EXPECT_TRUE(test, vtt_access(c, 0) & VTIS_ACCESS_ESTABLISHMENT);
}

static void t_establishment_tpm12(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_1_2);

	vtis_tis_set_established(&c->tis, true);
	vtt_request(c, 3);
	vtt_wr32(c, 3, VTIS_REG_STS, VTIS_STS_RESET_ESTABLISHMENT);
	/* the STS bit is TPM 2.0 only */
	KUNIT_EXPECT_FALSE(test, vtt_access(c, 3) & VTIS_ACCESS_ESTABLISHMENT);
}

static void t_locality4_writes_dropped(struct kunit *test)
{
	struct vtt_ctx *c = vtt_mk(test, VTIS_FAMILY_2_0);
	struct vtis_tis_state *before;

	vtt_request(c, 0);
	vtt_cmd_ready(c, 0);
	before = vtt_snap(test, c);
	vtt_request(c, 4);
	vtt_wr8(c, 4, VTIS_REG_ACCESS, VTIS_ACCESS_SEIZE);
	vtt_wr8(c, 4, VTIS_REG_HASH_START, 0xff);
	vtt_wr8(c, 4, VTIS_REG_DATA_FIFO, 0x80);	/* HASH_DATA */
	vtt_wr32(c, 4, VTIS_REG_DATA_FIFO, 0x01020304);
	vtt_wr8(c, 4, VTIS_REG_HASH_END, 0xff);
	vtt_wr32(c, 4, VTIS_REG_INT_ENABLE, 0xffffffff);
	KUNIT_EXPECT_TRUE(test, vtt_same_state(before, &c->tis.s));
	/* reads work */
	KUNIT_EXPECT_EQ(test, vtt_access(c, 4) & VTIS_ACCESS_REG_VALID,
			VTIS_ACCESS_REG_VALID);
	KUNIT_EXPECT_EQ(test, vtt_rd32(c, 4, VTIS_REG_HASH_START), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, c->fk.submits, 0);
}

static struct kunit_case vtis_tis_regs_cases[] = {
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
	{}
};

static struct kunit_suite vtis_tis_regs_suite = {
	.name = "vtis_tis_regs",
	.test_cases = vtis_tis_regs_cases,
};

kunit_test_suite(vtis_tis_regs_suite);
