// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: the host TPM backend: PCRs seen by the host, cancel, loss of the
 * chip.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

/* The host's view of sha256 PCR pcr: /sys/class/tpm/tpmN/pcr-sha256/PCR. */
static int host_pcr(unsigned int pcr, uint8_t out[SHA256_DIGEST_SIZE])
{
	char path[96], hex[2 * SHA256_DIGEST_SIZE + 2];
	unsigned int i, v;
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/sys/class/tpm/tpm%u/pcr-sha256/%u",
		 opt.tpm_index, pcr);
	f = fopen(path, "r");
	if (!f) {
		diag("%s: %s", path, strerror(errno));
		return -1;
	}
	ok = fgets(hex, sizeof(hex), f) && strlen(hex) >= 2 * SHA256_DIGEST_SIZE;
	fclose(f);
	for (i = 0; ok && i < SHA256_DIGEST_SIZE; i++)
		ok = sscanf(hex + 2 * i, "%2x", &v) == 1 && (out[i] = v, true);
	if (!ok)
		diag("%s: not a SHA-256 digest", path);
	return ok ? 0 : -1;
}

/*
 * The guest and the host share the chip's PCRs: the guest reads what the
 * host's sysfs shows, and the guest's extend shows up there.
 */
void scenario_host_pcr(struct tvm *t)
{
	uint8_t g[32], h0[32], h1[32], d[32], cat[64], want[32];
	int64_t rc;

	if (tpm2_pcr_read(t->cpu, 0, 0, 16, g, "host-pcr") || host_pcr(16, h0)) {
		result(false, "host-pcr: read PCR 16 in the guest and in the host's sysfs");
		return;
	}
	result(hex_eq(g, h0, 32),
	       "host-pcr: the guest reads the host's PCR 16 (as /sys/class/tpm/tpm%u/pcr-sha256/16)",
	       opt.tpm_index);
	test_digest(d, "host-pcr");
	rc = tpm2_pcr_extend(t->cpu, 0, 0, 16, d, "host-pcr");
	if (rc != TPM2_RC_SUCCESS) {
		result(false, "host-pcr: TPM2_PCR_Extend of PCR 16 succeeds (rc %#llx)",
		       (long long)rc);
		return;
	}
	if (host_pcr(16, h1)) {
		result(false, "host-pcr: read PCR 16 in the host's sysfs after the extend");
		return;
	}
	memcpy(cat, h0, 32);
	memcpy(cat + 32, d, 32);
	sha256(cat, sizeof(cat), want);
	result(hex_eq(h1, want, 32),
	       "host-pcr: after the guest's extend the host's sysfs PCR 16 is SHA-256(old || digest)");
	if (!hex_eq(h1, want, 32)) {
		hexdump("sysfs", h1, 32);
		hexdump("want", want, 32);
	}
}

static void flush_handle(struct tvm *t, struct resp *r, const char *what)
{
	struct cmdbuf b;
	struct resp fr;
	uint32_t h = get(r, 4);

	if (r->bad)
		return;
	cmd_start(&b, TPM2_ST_NO_SESSIONS, TPM2_CC_FLUSH_CONTEXT);
	put32(&b, h);
	cmd_end(&b);
	if (!tpm_transmit(t->cpu, 0, 0, &b, &fr, what) && fr.rc)
		diag("%s: TPM2_FlushContext(%#x): rc %#x", what, h, fr.rc);
}

/*
 * A long command (TPM2_CreatePrimary RSA-2048) cancelled by the guest
 * (STS.commandCancel) right after go: the answer (TPM_RC_CANCELED, or the
 * key if the chip finished first) comes in bounded time, and the chip then
 * serves the next command.
 */
void scenario_cancel(struct tvm *t)
{
	struct kvm_vtis_info info;
	struct cmdbuf b;
	struct resp r;
	uint64_t t0, full, ms;
	int in_flight = -1;

	t->emu_lost = true;		/* synthesised answers are expected */
	tpm2_cmd_create_primary_rsa(&b);
	t0 = now_ms();
	if (tpm_transmit(t->cpu, 0, 0, &b, &r, "cancel"))
		return;
	full = now_ms() - t0;
	result(r.rc == TPM2_RC_SUCCESS,
	       "cancel: TPM2_CreatePrimary RSA-2048 uncancelled succeeds (rc %#x, %llu ms)",
	       r.rc, (unsigned long long)full);
	if (r.rc == TPM2_RC_SUCCESS)
		flush_handle(t, &r, "cancel");

	t0 = now_ms();
	if (tpm_op(t->cpu, MB_OP_SEND, 0, MB_TX_NO_RELINQUISH, &b, &r, "cancel send"))
		return;
	if (vtis_dev_info(&t->dev, &info) == 0)
		in_flight = !!(info.state & KVM_VTIS_STATE_CMD_IN_FLIGHT);
	t->cpu->mb->arg0 = TIS_STS;
	t->cpu->mb->arg1 = 4;
	t->cpu->mb->arg2 = STS_COMMAND_CANCEL;
	if (vcpu_op(t->cpu, MB_OP_WRITE, 0, 0)) {
		result(false, "cancel: the guest writes STS.commandCancel");
		return;
	}
	if (tpm_op(t->cpu, MB_OP_RECV, 0, 0, NULL, &r, "cancel recv"))
		return;
	ms = now_ms() - t0;
	diag("cancel: command in flight when cancelled: %s",
	     in_flight < 0 ? "unknown" : in_flight ? "yes" : "no");
	result((r.rc == TPM2_RC_CANCELED || r.rc == TPM2_RC_SUCCESS) &&
	       ms < 10000 + 2 * full,
	       "cancel: the cancelled CreatePrimary ends in bounded time with TPM_RC_CANCELED or the key (rc %#x, %llu ms)",
	       r.rc, (unsigned long long)ms);
	if (r.rc == TPM2_RC_SUCCESS)
		flush_handle(t, &r, "cancel");
	if (get_random_ok(t, "cancel") && get_random_ok(t, "cancel"))
		result(true, "cancel: the host TPM serves the next commands");
}

/*
 * The host TPM's driver goes away while the guest uses it (the test
 * unbinds it after this prints "serving"): the guest then gets TPM failure
 * responses, well-formed, never a hang, until loop_secs end.
 */
void scenario_host_loss(struct tvm *t)
{
	unsigned int good = 0, bad = 0, good_after = 0;
	uint64_t t0 = now_ms();
	struct cmdbuf b;
	struct resp r;
	uint32_t last_rc = 0;

	t->emu_lost = true;
	while (now_ms() - t0 < opt.loop_secs * 1000ULL && bad < 5) {
		tpm_get_random_cmd(&b, 8);
		if (tpm_transmit(t->cpu, 0, 0, &b, &r, "host-loss"))
			return;
		if (r.rc == TPM2_RC_SUCCESS) {
			if (!good++)
				diag("host-loss: serving");
			if (bad)
				good_after++;
		} else {
			if (!bad++)
				diag("host-loss: first failure after %u answers, %llu ms",
				     good, (unsigned long long)(now_ms() - t0));
			last_rc = r.rc;
		}
		sleep_ms(20);
	}
	result(good > 0 && bad > 0 && !good_after,
	       "host-loss: %u answers, then TPM failure responses (%u, rc %#x) once the host's TPM driver is gone",
	       good, bad, last_rc);
}
