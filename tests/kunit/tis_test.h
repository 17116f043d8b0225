/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture the KUnit suites of the TIS core (kmod/tis.c) share: a core
 * whose backend is a fake that records what reaches it, guest accesses as
 * the KVM MMIO bus makes them, and TPM commands and answers to feed it.
 * Everything here is prefixed vtt_ ("vtis TIS test"): the suites are built
 * into the kernel, where short global names would clash.  The functions are
 * documented where they are defined, in tis_test_helpers.c.
 */
#ifndef KVM_VTIS_TIS_TEST_H
#define KVM_VTIS_TIS_TEST_H

#include <kunit/test.h>
#include <linux/types.h>

#include "tis.h"

/* The offset of register @reg in locality @l's page of the window. */
#define VTT_LOC(l, reg)		(((u32)(l) << VTIS_LOCALITY_SHIFT) + (reg))
/* STS bits that always read 0: bit 0, responseRetry and tpmGo. */
#define VTT_STS_READ_ZERO	0x23U
/* How many core events a struct vtt_ctx keeps. */
#define VTT_MAX_EVENTS		16

/**
 * struct vtt_fake - the fake backend behind a test's core
 * @submits: commands submitted
 * @cmd: the last command submitted (when it fits)
 * @cmd_len: its length
 * @cmd_loc: the locality it came from
 * @cancels: cancel() calls
 * @irq: the interrupt line's level
 * @irq_edges: irq_line() calls
 * @sync_rsp: when set, submit() answers with it at once
 * @sync_len: the length of @sync_rsp
 * @fail_on_cancel: when set, cancel() reports a backend error at once
 */
struct vtt_fake {
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

/**
 * struct vtt_ctx - a TIS core under test, with its fake backend
 * @test: the running test
 * @tis: the core
 * @buf: the core's buffer
 * @fk: the fake backend
 * @mmio: guest accesses made through the vtt_ helpers
 * @ev: the core's events, when a test listens (tis.event)
 * @nev: how many events the core reported (may exceed %VTT_MAX_EVENTS)
 */
struct vtt_ctx {
	struct kunit *test;
	struct vtis_tis tis;
	u8 buf[VTIS_BUFFER_SIZE];
	struct vtt_fake fk;
	int mmio;
	struct vtis_tis_event ev[VTT_MAX_EVENTS];
	int nev;
};

void vtt_fake_submit(struct vtt_fake *fk, const u8 *cmd, u32 len, u8 loc);
void vtt_fake_irq(struct vtt_fake *fk, bool level);
struct vtt_ctx *vtt_mk(struct kunit *test, enum vtis_family family);
struct vtis_tis_state *vtt_snap(struct kunit *test, struct vtt_ctx *c);
bool vtt_same_state(const struct vtis_tis_state *a,
		    const struct vtis_tis_state *b);

u32 vtt_rd(struct vtt_ctx *c, u32 off, u32 len);
void vtt_wr(struct vtt_ctx *c, u32 off, u32 len, u32 v);
u8 vtt_rd8(struct vtt_ctx *c, u8 l, u32 reg);
u32 vtt_rd32(struct vtt_ctx *c, u8 l, u32 reg);
void vtt_wr8(struct vtt_ctx *c, u8 l, u32 reg, u8 v);
void vtt_wr32(struct vtt_ctx *c, u8 l, u32 reg, u32 v);
u32 vtt_sts(struct vtt_ctx *c, u8 l);
u32 vtt_burst(struct vtt_ctx *c, u8 l);
u8 vtt_access(struct vtt_ctx *c, u8 l);
void vtt_request(struct vtt_ctx *c, u8 l);
void vtt_relinquish(struct vtt_ctx *c, u8 l);
void vtt_cmd_ready(struct vtt_ctx *c, u8 l);
void vtt_go(struct vtt_ctx *c, u8 l);
void vtt_send(struct vtt_ctx *c, u8 l, const u8 *b, u32 n);
u32 vtt_recv(struct vtt_ctx *c, u8 l, u8 *b, u32 max);
u8 vtt_state(struct vtt_ctx *c, u8 l);

void vtt_put32(u8 *p, u32 v);
u32 vtt_get32(const u8 *p);
u8 *vtt_mkcmd(struct kunit *test, u16 tag, u32 size, u32 ord, u32 len);
void vtt_submit_cmd(struct vtt_ctx *c, u8 l, const u8 *cmd, u32 len);
void vtt_expect_tpm2_error(struct vtt_ctx *c, u8 l, u32 rc);
void vtt_expect_tpm12_error(struct vtt_ctx *c, u8 l, u32 rc);

/* TPM2_GetRandom(8) and its answer */
extern const u8 vtt_tpm2_getrandom[12];
extern const u8 vtt_tpm2_getrandom_rsp[20];
/* TPM_GetRandom(4) (TPM 1.2) and its answer */
extern const u8 vtt_tpm12_getrandom[14];
extern const u8 vtt_tpm12_getrandom_rsp[18];
/* TPM2_GetCapability(TPM_PROPERTIES, PT_FIXED, 1): Linux's tpm2_probe */
extern const u8 vtt_tpm2_probe_cmd[22];
extern const u8 vtt_tpm2_probe_rsp[27];
/* what a TPM 1.2 answers to a TPM2 command: TPM_BADTAG */
extern const u8 vtt_tpm12_badtag_rsp[10];

#endif /* KVM_VTIS_TIS_TEST_H */
