// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: the basic scenarios: probe, commands, localities, TPM 1.2,
 * loops, access cost.
 */
#include <string.h>

#include "vmm.h"

void scenario_probe(struct tvm *t)
{
	const uint32_t *val = t->cpu->mb->val;
	uint32_t did, caps, ifver, sts, fam;
	int st;

	st = vcpu_op(t->cpu, MB_OP_PROBE, 0, 0);
	did = val[MB_V_DID_VID];
	result(did != 0 && did != 0xffffffff && (did & 0xffff) != 0xffff,
	       "probe: DID_VID reads a vendor and device id (%#010x)", did);
	if (st) {
		result(false, "probe: the guest's probe sequence completes (%s)",
		       st < 0 ? "guest stopped" : mb_status_name(st));
		return;
	}
	result(true, "probe: ACCESS(0).tpmRegValidSts set (ACCESS %#04x)",
	       val[MB_V_ACCESS0_BEFORE]);
	result(!(val[MB_V_ACCESS0_BEFORE] & 0x26),
	       "probe: no locality active or requested at power-on (ACCESS %#04x)",
	       val[MB_V_ACCESS0_BEFORE]);
	result(!(val[MB_V_INT_ENABLE] & 0x80000000u),
	       "probe: interrupts globally disabled at reset (INT_ENABLE %#010x)",
	       val[MB_V_INT_ENABLE]);
	result(true, "probe: locality 0 granted (ACCESS %#04x)",
	       val[MB_V_ACCESS0_ACTIVE]);
	sts = val[MB_V_STS32];
	fam = (sts >> 26) & 3;
	result(!(sts & 0x23) && fam == (opt.tpm12 ? 0u : 1u),
	       "probe: STS reads tpmFamily %s with reserved bits 0 (STS %#010x)",
	       opt.tpm12 ? "1.2" : "2.0", sts);
	result(val[MB_V_TPM2] == !opt.tpm12,
	       "probe: TPM2_GetCapability reply identifies a TPM %s (tag %02x%02x)",
	       opt.tpm12 ? "1.2" : "2.0", t->cpu->mb->resp[0], t->cpu->mb->resp[1]);
	caps = val[MB_V_INTF_CAPS];
	ifver = (caps >> 28) & 7;
	result(caps != 0xffffffff &&
	       (opt.tpm12 ? (ifver == 0 || ifver == 2) : ifver == 3),
	       "probe: INTF_CAPABILITY interface version %u fits TPM %s (%#010x)",
	       ifver, opt.tpm12 ? "1.2" : "2.0", caps);
	diag("probe: RID %#04x, INTERFACE_ID %#010x", val[MB_V_RID],
	     val[MB_V_IFACE_ID]);
	result((val[MB_V_ACCESS0_AFTER] & 0xa0) == 0x80,
	       "probe: locality 0 relinquished (ACCESS %#04x)",
	       val[MB_V_ACCESS0_AFTER]);
}

void scenario_getrandom(struct tvm *t)
{
	uint8_t a[32], b[32], zero[32] = { 0 };

	if (tpm2_get_random(t->cpu, 0, 0, a, sizeof(a), "getrandom"))
		return;
	if (tpm2_get_random(t->cpu, 0, 0, b, sizeof(b), "getrandom"))
		return;
	result(!hex_eq(a, zero, 32) && !hex_eq(a, b, 32),
	       "getrandom: two TPM2_GetRandom(32) give 32 distinct non-zero bytes each");
}

void scenario_extend(struct tvm *t)
{
	if (tpm2_extend_and_check(t->cpu, 0, 0, 16, "extend"))
		result(true, "extend: sha256 PCR 16 equals SHA-256(old || digest) after TPM2_PCR_Extend");
}

void scenario_bigcmd(struct tvm *t)
{
	static uint8_t data[4096];
	uint8_t want[32];
	struct cmdbuf b;
	struct resp r;
	const uint8_t *p;
	uint16_t n;
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8) + 1);

	/* The largest TPM2_Hash the TPM accepts: content checked. */
	tpm2_cmd_hash(&b, data, 1024);
	if (tpm_transmit(t->cpu, 0, 0, &b, &r, "bigcmd"))
		return;
	n = get(&r, 2);
	p = getbytes(&r, n);
	sha256(data, 1024, want);
	result(r.rc == TPM2_RC_SUCCESS && !r.bad && n == 32 &&
	       hex_eq(p, want, 32),
	       "bigcmd: TPM2_Hash of 1024 bytes (%zu byte command) equals SHA-256 of the data (rc %#x)",
	       b.n, r.rc);

	/*
	 * 4000 and 4096 byte commands: larger than any TPM2_Hash buffer, so
	 * the TPM parses the whole command and refuses parameter 1 by size.
	 * A truncated or padded command gets TPM_RC_COMMAND_SIZE instead.
	 */
	tpm2_cmd_hash(&b, data, 4000 - 18);
	if (tpm_transmit(t->cpu, 0, 0, &b, &r, "bigcmd"))
		return;
	result(b.n == 4000 && r.rc == TPM2_RC_SIZE_P1,
	       "bigcmd: a %zu byte TPM2_Hash reaches the TPM whole (rc %#x, want %#x)",
	       b.n, r.rc, TPM2_RC_SIZE_P1);
	tpm2_cmd_hash(&b, data, 4096 - 18);
	if (tpm_transmit(t->cpu, 0, 0, &b, &r, "bigcmd"))
		return;
	result(b.n == 4096 && r.rc == TPM2_RC_SIZE_P1,
	       "bigcmd: a %zu byte TPM2_Hash (the whole buffer) reaches the TPM whole (rc %#x, want %#x)",
	       b.n, r.rc, TPM2_RC_SIZE_P1);
}

static int read_access(struct tvm *t, unsigned int loc, uint32_t *v)
{
	if (vcpu_read(t->cpu, loc, 0x00, 1, v)) {
		result(false, "localities: read ACCESS(%u)", loc);
		return -1;
	}
	return 0;
}

/*
 * Localities 0 and 2 take turns.  PCR 21 can be extended from locality 2
 * only (PC Client PCR attributes), so the TPM's answer shows which
 * locality the emulator was told about.
 */
void scenario_localities(struct tvm *t)
{
	uint8_t d[32], rnd[16];
	uint32_t a0, a2;
	int64_t rc;
	int round;

	if (read_access(t, 0, &a0) || read_access(t, 2, &a2))
		return;
	result((a0 & (ACCESS_VALID | ACCESS_ACTIVE)) == ACCESS_VALID &&
	       (a2 & (ACCESS_VALID | ACCESS_ACTIVE)) == ACCESS_VALID,
	       "localities: none active at start (ACCESS(0) %#04x, ACCESS(2) %#04x)",
	       a0, a2);

	if (vcpu_op(t->cpu, MB_OP_REQUEST, 0, 0)) {
		result(false, "localities: locality 0 granted");
		return;
	}
	test_digest(d, "locality0");
	rc = tpm2_pcr_extend(t->cpu, 0, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH, 21,
			     d, "localities");
	if (rc < 0)
		return;
	result(rc == TPM2_RC_LOCALITY,
	       "localities: PCR 21 extend from locality 0 refused with TPM_RC_LOCALITY (rc %#llx)",
	       (long long)rc);

	/* Locality 2 asks while 0 holds the TPM. */
	if (vcpu_op(t->cpu, MB_OP_REQUEST_NOWAIT, 2, 0) ||
	    read_access(t, 0, &a0) || read_access(t, 2, &a2))
		return;
	result((a0 & (ACCESS_ACTIVE | ACCESS_REQUEST_PENDING)) == (ACCESS_ACTIVE | ACCESS_REQUEST_PENDING) &&
	       (a2 & (ACCESS_ACTIVE | ACCESS_REQUEST_USE | ACCESS_REQUEST_PENDING)) == ACCESS_REQUEST_USE,
	       "localities: request from 2 pends while 0 is active (ACCESS(0) %#04x, ACCESS(2) %#04x)",
	       a0, a2);
	if (vcpu_op(t->cpu, MB_OP_RELINQUISH, 0, 0) ||
	    read_access(t, 0, &a0) || read_access(t, 2, &a2))
		return;
	result(!(a0 & ACCESS_ACTIVE) &&
	       (a2 & (ACCESS_ACTIVE | ACCESS_REQUEST_USE)) == ACCESS_ACTIVE,
	       "localities: relinquish by 0 hands the TPM to 2 (ACCESS(0) %#04x, ACCESS(2) %#04x)",
	       a0, a2);

	if (tpm2_extend_and_check(t->cpu, 2, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH, 21,
			     "localities"))
		result(true, "localities: PCR 21 extended from locality 2, value checked");
	if (vcpu_op(t->cpu, MB_OP_RELINQUISH, 2, 0) ||
	    read_access(t, 0, &a0) || read_access(t, 2, &a2))
		return;
	result(!(a0 & ACCESS_ACTIVE) && !(a2 & ACCESS_ACTIVE),
	       "localities: none active after 2 relinquishes (ACCESS(0) %#04x, ACCESS(2) %#04x)",
	       a0, a2);

	/* Turns, each with request and relinquish around the command. */
	for (round = 0; round < 3; round++) {
		char what[32];

		snprintf(what, sizeof(what), "localities round %d", round);
		if (tpm2_get_random(t->cpu, 0, 0, rnd, sizeof(rnd), what))
			return;
		test_digest(d, what);
		rc = tpm2_pcr_extend(t->cpu, 0, 0, 21, d, what);
		if (rc < 0)
			return;
		if (rc != TPM2_RC_LOCALITY) {
			result(false, "%s: PCR 21 extend from locality 0 refused (rc %#llx)",
			       what, (long long)rc);
			return;
		}
		if (tpm2_get_random(t->cpu, 2, 0, rnd, sizeof(rnd), what))
			return;
		if (!tpm2_extend_and_check(t->cpu, 2, 0, 21, what))
			return;
		if (read_access(t, 0, &a0) || read_access(t, 2, &a2))
			return;
		if ((a0 & ACCESS_ACTIVE) || (a2 & ACCESS_ACTIVE)) {
			result(false, "%s: no locality active between commands (ACCESS(0) %#04x, ACCESS(2) %#04x)",
			       what, a0, a2);
			return;
		}
	}
	result(true, "localities: 3 rounds of 0 and 2 taking turns, each command answered at its own locality");
}

static int64_t tpm12_pcr_read(struct tvm *t, unsigned int pcr, uint8_t out[20])
{
	struct cmdbuf b;
	struct resp r;
	const uint8_t *p;

	cmd_start(&b, TPM_TAG_RQU_COMMAND, TPM_ORD_PCR_READ);
	put32(&b, pcr);
	cmd_end(&b);
	if (tpm_transmit(t->cpu, 0, 0, &b, &r, "tpm12"))
		return -1;
	p = getbytes(&r, 20);
	if (r.tag != TPM_TAG_RSP_COMMAND || r.rc || r.bad || r.off != r.len) {
		result(false, "tpm12: TPM_PCRRead(%u) returns a 20-byte digest (tag %#x rc %#x, %zu bytes)",
		       pcr, r.tag, r.rc, r.len);
		return -1;
	}
	memcpy(out, p, 20);
	return 0;
}

void scenario_tpm12(struct tvm *t)
{
	uint8_t old[20], d[20], ext[20], now[20], cat[40], want[20], s[32];
	struct cmdbuf b;
	struct resp r;
	const uint8_t *p;
	uint32_t n;

	if (!opt.tpm12) {
		result(false, "tpm12: needs --tpm 1.2");
		return;
	}
	cmd_start(&b, TPM_TAG_RQU_COMMAND, TPM_ORD_GET_RANDOM);
	put32(&b, 20);
	cmd_end(&b);
	if (tpm_transmit(t->cpu, 0, 0, &b, &r, "tpm12"))
		return;
	n = get(&r, 4);
	p = getbytes(&r, n);
	result(r.tag == TPM_TAG_RSP_COMMAND && r.rc == 0 && !r.bad && n == 20 &&
	       r.off == r.len && p,
	       "tpm12: TPM_GetRandom(20) returns 20 bytes (tag %#x rc %#x size %u)",
	       r.tag, r.rc, n);

	if (tpm12_pcr_read(t, 16, old))
		return;
	test_digest(s, "tpm12");
	memcpy(d, s, 20);
	cmd_start(&b, TPM_TAG_RQU_COMMAND, TPM_ORD_EXTEND);
	put32(&b, 16);
	putbytes(&b, d, 20);
	cmd_end(&b);
	if (tpm_transmit(t->cpu, 0, 0, &b, &r, "tpm12"))
		return;
	p = getbytes(&r, 20);
	if (r.tag != TPM_TAG_RSP_COMMAND || r.rc || r.bad || r.off != r.len) {
		result(false, "tpm12: TPM_Extend(16) succeeds (tag %#x rc %#x, %zu bytes)",
		       r.tag, r.rc, r.len);
		return;
	}
	memcpy(ext, p, 20);
	memcpy(cat, old, 20);
	memcpy(cat + 20, d, 20);
	sha1(cat, sizeof(cat), want);
	result(hex_eq(ext, want, 20),
	       "tpm12: TPM_Extend(16) returns SHA-1(old || digest)");
	if (tpm12_pcr_read(t, 16, now))
		return;
	result(hex_eq(now, want, 20),
	       "tpm12: TPM_PCRRead(16) after the extend equals SHA-1(old || digest)");
}

/*
 * Commands back to back for loop_secs seconds.  TPM error responses (a
 * missing emulator gives the guest a failure response) are counted, not
 * failed; a command the guest's driver cannot complete fails.
 */
void scenario_loop(struct tvm *t)
{
	uint64_t n = 0, errs = 0, t0, ms;
	struct cmdbuf b;
	struct resp r;

	tpm_get_random_cmd(&b, 8);
	t0 = now_ms();
	do {
		if (tpm_transmit(t->cpu, 0, 0, &b, &r, "loop"))
			return;
		n++;
		if (r.rc)
			errs++;
		ms = now_ms() - t0;
	} while (ms < opt.loop_secs * 1000ULL);
	result(true, "loop: %llu GetRandom commands answered in %llu ms (%llu TPM error responses), %llu us each",
	       (unsigned long long)n, (unsigned long long)ms,
	       (unsigned long long)errs, (unsigned long long)(ms * 1000 / n));
}

/*
 * PCR 16 extended and read back for loop_secs seconds, each value checked:
 * run in two VMs at once, a response delivered to the wrong VM shows.
 */
void scenario_extend_loop(struct tvm *t)
{
	uint64_t n = 0, t0, ms;

	t0 = now_ms();
	do {
		if (!tpm2_extend_and_check(t->cpu, 0, 0, 16, "extend-loop"))
			return;
		n++;
		ms = now_ms() - t0;
	} while (ms < opt.loop_secs * 1000ULL);
	result(true, "extend-loop: %llu extends of PCR 16 in %llu ms, every value checked",
	       (unsigned long long)n, (unsigned long long)ms);
}

/*
 * TIS register reads (DID_VID) for loop_secs seconds, one hand-over each:
 * KVM's MMIO path under load, with or without the device attached.
 */
void scenario_read_loop(struct tvm *t)
{
	uint64_t n = 0, t0, ms;
	uint32_t v;

	t0 = now_ms();
	do {
		if (vcpu_read(t->cpu, 0, 0xf00, 4, &v)) {
			result(false, "read-loop: guest read DID_VID");
			return;
		}
		n++;
		ms = now_ms() - t0;
	} while (ms < opt.loop_secs * 1000ULL);
	result(true, "read-loop: %llu DID_VID reads in %llu ms (%#x)",
	       (unsigned long long)n, (unsigned long long)ms, v);
}

/* One hand-over in which the guest reads DID_VID n times; its duration. */
static int time_reads(struct tvm *t, uint32_t n, uint64_t *ns)
{
	uint64_t t0 = now_ns();

	t->cpu->mb->arg0 = 0xf00;
	t->cpu->mb->arg1 = 4;
	t->cpu->mb->arg2 = n;
	if (vcpu_op(t->cpu, MB_OP_READ_REPEAT, 0, 0))
		return -1;
	*ns = now_ns() - t0;
	return 0;
}

/*
 * The cost of one guest MMIO access: DID_VID read --storm N times in one
 * hand-over, minus a hand-over with no read (the best of five of each).
 * With the device attached, the kvm_vtis handler answers in the kernel;
 * with --no-attach, every read exits to this VMM.
 */
void scenario_access_cost(struct tvm *t)
{
	uint64_t ns, t0 = UINT64_MAX, tn = UINT64_MAX, per;
	uint64_t exits = vm_tis_exits(t->vm);
	int i;

	for (i = 0; i < 5; i++) {
		if (time_reads(t, 0, &ns)) {
			result(false, "access-cost: empty hand-over");
			return;
		}
		t0 = ns < t0 ? ns : t0;
		if (time_reads(t, opt.storm, &ns)) {
			result(false, "access-cost: %u DID_VID reads", opt.storm);
			return;
		}
		tn = ns < tn ? ns : tn;
	}
	per = tn > t0 ? (tn - t0) / opt.storm : 0;
	exits = vm_tis_exits(t->vm) - exits;
	diag("access-cost-ns %llu %s", (unsigned long long)per,
	     opt.no_attach ? "userspace" : "in-kernel");
	result(per > 0 && exits == (opt.no_attach ? 5ULL * opt.storm : 0),
	       "access-cost: DID_VID read %llu ns each (%s, best of 5 x %u), %llu exits here",
	       (unsigned long long)per,
	       opt.no_attach ? "exits to this VMM" : "kvm_vtis in the kernel",
	       opt.storm, (unsigned long long)exits);
}
