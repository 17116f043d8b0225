// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: reset and migration: TPM2_Startup after reset, state save and
 * restore between VMs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

/* A plain command with a header-only or any response: its rc, or -1. */
static int64_t tpm2_simple(struct tvm *t, struct cmdbuf *b, const char *what)
{
	struct resp r;

	if (tpm_transmit(t->cpu, 0, 0, b, &r, what))
		return -1;
	return r.rc;
}

static int64_t tpm2_startup(struct tvm *t, const char *what)
{
	struct cmdbuf b;

	cmd_start(&b, TPM2_ST_NO_SESSIONS, TPM2_CC_STARTUP);
	put16(&b, TPM2_SU_CLEAR);
	cmd_end(&b);
	return tpm2_simple(t, &b, what);
}

/*
 * reset: a platform reset of the device (vtisctl reset --ctrl) with a
 * command in flight and locality 0 held; the guest then finds the TIS (or
 * the CRB) in its power-on state, the TPM restarted (a command before TPM2_Startup
 * gets TPM_RC_INITIALIZE), TPM2_Startup succeeds, PCR 16 is back to zero
 * and extends again.
 */
void scenario_reset(struct tvm *t)
{
	char id[16];
	const char *argv[] = { opt.vtisctl, "reset", id, "--ctrl", t->sw.ctrl,
			       NULL };
	uint8_t pcr[32], zero[32] = { 0 };
	uint32_t acc, cs, ie, ie0;
	struct cmdbuf b;
	struct resp r;
	int64_t rc;
	int st;

	if (!t->sw.ctrl[0]) {
		result(false, "reset: needs --spawn-swtpm (its control channel)");
		return;
	}
	if (opt_crb()) {
		/* Interrupts on, so that the reset has something to clear. */
		if (vcpu_op(t->cpu, MB_OP_REQUEST, 0, 0) ||
		    vcpu_write(t->cpu, 0, CRB_INT_ENABLE, 4, CRB_INT_GLOBAL | CRB_INT_START) ||
		    vcpu_op(t->cpu, MB_OP_RELINQUISH, 0, 0))
			return;
	}
	if (vcpu_read(t->cpu, 0, opt_crb() ? CRB_INT_ENABLE : TIS_INT_ENABLE, 4, &ie0))
		return;
	if (opt_crb() && ie0 != (CRB_INT_GLOBAL | CRB_INT_START)) {
		result(false, "reset: the guest enabled the CRB's interrupt (INT_ENABLE %#x)", ie0);
		return;
	}
	if (!tpm2_extend_and_check(t->cpu, 0, 0, 16, "reset: before"))
		return;
	/* A command in flight, locality 0 active, at the reset. */
	tpm_get_random_cmd(&b, 16);
	if (tpm_op(t->cpu, MB_OP_SEND, 0, 0, &b, &r, "reset: send"))
		return;
	snprintf(id, sizeof(id), "%u", t->dev.id);
	st = prog_run(argv);
	result(st == 0, "reset: vtisctl reset %s --ctrl %s exits 0 (%d)", id,
	       t->sw.ctrl, st);
	if (st)
		return;
	if (opt_crb()) {
		if (vcpu_read(t->cpu, 0, CRB_LOC_STATE, 4, &acc) ||
		    vcpu_read(t->cpu, 0, CRB_CTRL_STS, 4, &cs) ||
		    vcpu_read(t->cpu, 0, CRB_INT_ENABLE, 4, &ie))
			return;
		diag("reset: INT_ENABLE(0) %#x before the scenario, %#x after the reset",
		     ie0, ie);
		result((acc & (CRB_LOC_STATE_VALID | CRB_LOC_STATE_ASSIGNED)) ==
		       CRB_LOC_STATE_VALID &&
		       (cs & (CRB_STS_IDLE | CRB_STS_ERROR)) == CRB_STS_IDLE && ie == 0,
		       "reset: power-on CRB: no locality assigned (LOC_STATE %#x), idle (CTRL_STS %#x), interrupts off (INT_ENABLE %#x)",
		       acc, cs, ie);
	} else {
		if (vcpu_read(t->cpu, 0, TIS_ACCESS, 1, &acc) ||
		    vcpu_read(t->cpu, 0, TIS_INT_ENABLE, 4, &ie))
			return;
		/* The probe recorded INT_ENABLE as the device came up. */
		diag("reset: INT_ENABLE(0) %#x before the scenario, %#x after the reset, %#x at the probe",
		     ie0, ie, t->cpu->mb->val[MB_V_INT_ENABLE]);
		result((acc & 0xa6) == 0x80 && ie == t->cpu->mb->val[MB_V_INT_ENABLE],
		       "reset: power-on TIS: no locality active or requested (ACCESS %#04x), INT_ENABLE %#x as the probe read it at power-on",
		       acc, ie);
	}
	tpm2_cmd_pcr_read(&b, 16);
	rc = tpm2_simple(t, &b, "reset: PCR_Read before Startup");
	result(rc == TPM2_RC_INITIALIZE,
	       "reset: the TPM was restarted: a command before TPM2_Startup gets TPM_RC_INITIALIZE (rc %#llx)",
	       (long long)rc);
	rc = tpm2_startup(t, "reset: Startup");
	result(rc == TPM2_RC_SUCCESS, "reset: TPM2_Startup(CLEAR) succeeds (rc %#llx)",
	       (long long)rc);
	if (rc)
		return;
	if (tpm2_pcr_read(t->cpu, 0, 0, 16, pcr, "reset: after"))
		return;
	result(hex_eq(pcr, zero, 32), "reset: PCR 16 reads zero after the TPM's restart");
	result(tpm2_extend_and_check(t->cpu, 0, 0, 16, "reset: after"),
	       "reset: PCR 16 extends and reads back after the reset");
}

static uint32_t crc32_le(const uint8_t *p, size_t n)
{
	uint32_t crc = ~0u;
	int k;

	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* Fix a blob's checksum after editing it (offset 24, over the blob). */
static void blob_reseal(uint8_t *p, size_t n)
{
	uint32_t c;

	memset(p + 24, 0, 4);
	c = crc32_le(p, n);
	p[24] = c;
	p[25] = c >> 8;
	p[26] = c >> 16;
	p[27] = c >> 24;
}

static int read_file(const char *path, uint8_t *p, size_t cap, size_t *n)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	*n = fread(p, 1, cap, f);
	fclose(f);
	return 0;
}

/* Read n FIFO bytes one at a time through the guest. */
static int fifo_read(struct tvm *t, uint8_t *p, size_t n)
{
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (vcpu_read(t->cpu, 0, TIS_DATA_FIFO, 1, &v))
			return -1;
		p[i] = v;
	}
	return 0;
}

/* The rest of a response: its bytes, then STS, commandReady, relinquish. */
static bool finish_response(struct tvm *t, const uint8_t *hdr, uint8_t *rest,
			    size_t *rest_len, const char *what)
{
	uint32_t size = be32_at(hdr + 2), sts;

	if (size < 10 || size > 4096) {
		result(false, "%s: response header size %u", what, size);
		return false;
	}
	*rest_len = size - 10;
	if (fifo_read(t, rest, *rest_len) ||
	    vcpu_read(t->cpu, 0, TIS_STS, 4, &sts))
		return false;
	if ((sts & (STS_VALID | STS_DATA_AVAIL)) != STS_VALID) {
		result(false, "%s: no data left after %u bytes (STS %#x)", what,
		       size, sts);
		return false;
	}
	t->cpu->mb->arg0 = TIS_STS;
	t->cpu->mb->arg1 = 1;
	t->cpu->mb->arg2 = STS_COMMAND_READY;
	if (vcpu_op(t->cpu, MB_OP_WRITE, 0, 0))
		return false;
	t->cpu->mb->arg0 = TIS_ACCESS;
	t->cpu->mb->arg2 = ACCESS_ACTIVE;	/* relinquish */
	return vcpu_op(t->cpu, MB_OP_WRITE, 0, 0) == 0;
}

/*
 * migrate: VM A's guest reads the first 10 bytes of a PCR_Read response;
 * the device's state is saved there (vtisctl save), swtpm A's state blobs
 * too (swtpm_ioctl --save); A's guest then reads the rest, which is what
 * B must read.  VM B: a fresh device and swtpm; swtpm B loads A's blobs
 * (--stop, --load, -i); broken blobs are refused with EINVAL and leave B
 * untouched (its own save stays byte-identical); vtisctl restore; B's
 * guest reads the rest of the response, byte for byte A's, and goes on:
 * PCR 16 reads what A had and extends.
 */
void scenario_migrate(struct tvm *t)
{
	static uint8_t blob[KVM_VTIS_STATE_MAX], bad[KVM_VTIS_STATE_MAX];
	static uint8_t b0[KVM_VTIS_STATE_MAX], b1[KVM_VTIS_STATE_MAX];
	char dir[160], file[200], perm[200], vol[200], ida[16], idb[16];
	const char *save_argv[] = { opt.vtisctl, "save", ida, file, NULL };
	const char *restore_argv[] = { opt.vtisctl, "restore", idb, file, NULL };
	uint8_t hdr[10], rest_a[4096], rest_b[4096], pcr_a[32], pcr_b[32];
	size_t rest_a_len, rest_b_len, blob_len, i;
	uint32_t sts = 0, l0, l1;
	struct tvm *b = NULL;
	struct cmdbuf c;
	struct resp r;
	bool same = true;
	int ret, st;

	if (!t->sw.ctrl[0]) {
		result(false, "migrate: needs --spawn-swtpm (its control channel)");
		return;
	}
	snprintf(dir, sizeof(dir), "%s", t->sw.state_dir);
	snprintf(file, sizeof(file), "%s.blob", dir);
	snprintf(perm, sizeof(perm), "%s.perm", dir);
	snprintf(vol, sizeof(vol), "%s.vol", dir);
	snprintf(ida, sizeof(ida), "%u", t->dev.id);

	if (!tpm2_extend_and_check(t->cpu, 0, 0, 16, "migrate: A"))
		return;
	tpm2_cmd_pcr_read(&c, 16);
	if (tpm_op(t->cpu, MB_OP_SEND, 0, 0, &c, &r, "migrate: A send"))
		return;
	for (i = 0; i < 2000 && !(sts & STS_DATA_AVAIL); i++) {
		if (vcpu_read(t->cpu, 0, TIS_STS, 4, &sts))
			return;
		if (!(sts & STS_DATA_AVAIL))
			sleep_ms(5);
	}
	if (!(sts & STS_DATA_AVAIL)) {
		result(false, "migrate: A's response arrives (STS %#x)", sts);
		return;
	}
	if (fifo_read(t, hdr, sizeof(hdr)))
		return;
	/* Mid-response: the state on A, and the TPM's. */
	st = prog_run(save_argv);
	result(st == 0, "migrate: vtisctl save %s FILE with 10 response bytes read exits 0 (%d)",
	       ida, st);
	if (st || read_file(file, blob, sizeof(blob), &blob_len))
		return;
	st = swtpm_ctl(&t->sw, "--save", "permanent", perm);
	if (!st)
		st = swtpm_ctl(&t->sw, "--save", "volatile", vol);
	result(st == 0, "migrate: swtpm A's permanent and volatile state blobs saved (swtpm_ioctl --save: %d)",
	       st);
	if (st)
		goto out;
	/* What B must read: the rest of A's response. */
	if (!finish_response(t, hdr, rest_a, &rest_a_len, "migrate: A"))
		goto out;
	if (rest_a_len != 52 || be32_at(hdr + 6) != 0) {
		result(false, "migrate: A's PCR_Read succeeded (rc %#x, %zu bytes)",
		       be32_at(hdr + 6), rest_a_len + 10);
		goto out;
	}
	memcpy(pcr_a, rest_a + rest_a_len - 32, 32);

	b = tvm_new(false);
	if (!b || tvm_attach(b, false) || tvm_swtpm(b) ||
	    tvm_wait_emulator(b)) {
		result(false, "migrate: VM B with a fresh device and swtpm");
		goto out;
	}
	snprintf(idb, sizeof(idb), "%u", b->dev.id);
	st = swtpm_ctl(&b->sw, "--stop", NULL, NULL);
	if (!st)
		st = swtpm_ctl(&b->sw, "--load", "permanent", perm);
	if (!st)
		st = swtpm_ctl(&b->sw, "--load", "volatile", vol);
	if (!st)
		st = swtpm_ctl(&b->sw, "-i", NULL, NULL);
	result(st == 0, "migrate: swtpm B took A's state (--stop, --load permanent/volatile, -i: %d)",
	       st);
	if (st || vcpu_boot(b->cpu))
		goto out;

	/* Broken blobs: EINVAL, and B's state stays what it was. */
	l0 = sizeof(b0);
	if (vtis_save(b->dev.ctl, b->dev.id, b0, &l0)) {
		result(false, "migrate: B's own state saves");
		goto out;
	}
	for (i = 0; i < 8; i++) {
		uint32_t len = blob_len;
		const char *what = "";

		memcpy(bad, blob, blob_len);
		switch (i) {
		case 0: len = blob_len - 1; what = "truncated by one byte"; break;
		case 1: len = 40; what = "truncated to 40 bytes"; break;
		case 2: bad[blob_len - 1] ^= 1; what = "a response byte flipped"; break;
		case 3: bad[0] ^= 0xff; blob_reseal(bad, blob_len); what = "bad magic"; break;
		case 4: bad[4] = 9; blob_reseal(bad, blob_len); what = "unknown version"; break;
		case 5: bad[12] = 1; blob_reseal(bad, blob_len); what = "TPM 1.2 family"; break;
		case 6: bad[40] = 7; blob_reseal(bad, blob_len); what = "active locality 7"; break;
		case 7: len = 0; what = "empty"; break;
		}
		ret = vtis_restore(b->dev.ctl, b->dev.id, bad, len);
		l1 = sizeof(b1);
		if (ret != -EINVAL || vtis_save(b->dev.ctl, b->dev.id, b1, &l1) ||
		    l1 != l0 || memcmp(b0, b1, l0)) {
			result(false, "migrate: a blob %s is refused with EINVAL (%d) and B is untouched",
			       what, ret);
			same = false;
		}
	}
	result(same, "migrate: 8 broken blobs (truncated, flipped byte, bad magic/version/family/locality, empty) give EINVAL; B's state stays byte-identical");

	st = prog_run(restore_argv);
	result(st == 0, "migrate: vtisctl restore %s FILE into B exits 0 (%d)", idb,
	       st);
	if (st)
		goto out;
	if (!finish_response(b, hdr, rest_b, &rest_b_len, "migrate: B"))
		goto out;
	result(rest_b_len == rest_a_len && hex_eq(rest_a, rest_b, rest_a_len),
	       "migrate: B's guest reads the rest of the response (%zu bytes), byte for byte what A read",
	       rest_b_len);
	if (tpm2_pcr_read(b->cpu, 0, 0, 16, pcr_b, "migrate: B"))
		goto out;
	result(hex_eq(pcr_a, pcr_b, 32), "migrate: PCR 16 on B reads what it read on A");
	result(tpm2_extend_and_check(b->cpu, 0, 0, 16, "migrate: B"),
	       "migrate: B's TPM extends PCR 16 and reads it back");
out:
	if (b)
		tvm_free(b, true, "migrate: B: its swtpm exits by itself after the detach");
	unlink(file);
	unlink(perm);
	unlink(vol);
}
