// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: the CRB interface's own scenarios (--interface crb): what a
 * driver reads when it finds the device, and the largest command the CRB
 * buffer holds.  The commands of the other scenarios go through the
 * guest's CRB driver (guest/guest.c) on their own.
 */
#include "vmm.h"

#define CRB_BUF_BYTES	3968u	/* the buffer: 0x80..0xfff of a locality */

/* One 32-bit read by the guest at locality l; false (a failed check) if not. */
static bool crb_rd(struct tvm *t, unsigned int l, uint32_t off, uint32_t *v,
		   const char *what)
{
	if (vcpu_read(t->cpu, l, off, 4, v)) {
		result(false, "crb: the guest reads %s", what);
		return false;
	}
	return true;
}

/*
 * The registers at power-on as Linux's tpm_crb and EDK2's driver read
 * them, in the kernel (no exit), then a command, then a second locality.
 */
void scenario_crb_probe(struct tvm *t)
{
	uint32_t lo, hi, loc, sts, ie, csize, claddr, chaddr, rsize, ralo, rahi;
	uint64_t buf = opt.vm.tis_base + CRB_BUF;

	if (!crb_rd(t, 0, CRB_INTF_ID, &lo, "INTF_ID") ||
	    !crb_rd(t, 0, CRB_INTF_ID + 4, &hi, "INTF_ID (high)") ||
	    !crb_rd(t, 0, CRB_LOC_STATE, &loc, "LOC_STATE") ||
	    !crb_rd(t, 0, CRB_CTRL_STS, &sts, "CTRL_STS") ||
	    !crb_rd(t, 0, CRB_INT_ENABLE, &ie, "INT_ENABLE") ||
	    !crb_rd(t, 0, CRB_CMD_SIZE, &csize, "CMD_SIZE") ||
	    !crb_rd(t, 0, CRB_CMD_LADDR, &claddr, "CMD_LADDR") ||
	    !crb_rd(t, 0, CRB_CMD_HADDR, &chaddr, "CMD_HADDR") ||
	    !crb_rd(t, 0, CRB_RSP_SIZE, &rsize, "RSP_SIZE") ||
	    !crb_rd(t, 0, CRB_RSP_ADDR, &ralo, "RSP_ADDR") ||
	    !crb_rd(t, 0, CRB_RSP_ADDR + 4, &rahi, "RSP_ADDR (high)"))
		return;
	diag("crb-probe: INTF_ID %#010x %#010x, LOC_STATE %#x, CTRL_STS %#x, INT_ENABLE %#x",
	     lo, hi, loc, sts, ie);
	/* Type 1 (CRB), version 1, CapCRB (bit 14), selector 1 (CRB, bits 17-18). */
	result(CRB_INTF_TYPE(lo) == 1 && CRB_INTF_VERSION(lo) == 1 &&
	       (lo & (1u << 14)) && ((lo >> 17) & 3) == 1,
	       "crb-probe: INTF_ID says CRB interface, version 1, CRB capable and selected (%#x)",
	       lo);
	result((hi & 0xffff) != 0 && (hi & 0xffff) != 0xffff,
	       "crb-probe: INTF_ID names a vendor (VID %#x, DID %#x)", hi & 0xffff,
	       hi >> 16);
	result((loc & (CRB_LOC_STATE_VALID | CRB_LOC_STATE_ASSIGNED)) ==
	       CRB_LOC_STATE_VALID,
	       "crb-probe: LOC_STATE: registers valid, no locality assigned at power-on (%#x)",
	       loc);
	result((sts & (CRB_STS_IDLE | CRB_STS_ERROR)) == CRB_STS_IDLE && ie == 0,
	       "crb-probe: idle, no error, interrupts off at power-on (CTRL_STS %#x, INT_ENABLE %#x)",
	       sts, ie);
	result(csize == CRB_BUF_BYTES && rsize == CRB_BUF_BYTES &&
	       claddr == (uint32_t)buf && chaddr == (uint32_t)(buf >> 32) &&
	       ralo == (uint32_t)buf && rahi == (uint32_t)(buf >> 32),
	       "crb-probe: one %u-byte buffer at %#llx for command and response (%u at %#x%08x, %u at %#x%08x)",
	       CRB_BUF_BYTES, (unsigned long long)buf, csize, chaddr, claddr,
	       rsize, rahi, ralo);
	if (!get_random_ok(t, "crb-probe: a command"))
		return;
	if (!crb_rd(t, 0, CRB_LOC_STATE, &loc, "LOC_STATE") ||
	    !crb_rd(t, 0, CRB_CTRL_STS, &sts, "CTRL_STS"))
		return;
	result(!(loc & CRB_LOC_STATE_ASSIGNED) && (sts & CRB_STS_IDLE),
	       "crb-probe: after a command, goIdle and relinquish: idle, no locality (LOC_STATE %#x, CTRL_STS %#x)",
	       loc, sts);
	/* Locality 3: granted, named in LOC_STATE, a command from it. */
	if (vcpu_op(t->cpu, MB_OP_REQUEST, 3, 0)) {
		result(false, "crb-probe: the guest is granted locality 3");
		return;
	}
	if (!crb_rd(t, 3, CRB_LOC_STATE, &loc, "LOC_STATE(3)"))
		return;
	result((loc & CRB_LOC_STATE_ASSIGNED) && CRB_LOC_STATE_ACTIVE(loc) == 3,
	       "crb-probe: locality 3 granted, LOC_STATE says so (%#x)", loc);
	result(tpm2_extend_and_check(t->cpu, 3,
				     MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH, 16,
				     "crb-probe: locality 3"),
	       "crb-probe: PCR_Read, PCR_Extend and PCR_Read from locality 3");
	if (vcpu_op(t->cpu, MB_OP_RELINQUISH, 3, 0) ||
	    !crb_rd(t, 0, CRB_LOC_STATE, &loc, "LOC_STATE"))
		return;
	result(!(loc & CRB_LOC_STATE_ASSIGNED),
	       "crb-probe: locality 3 relinquished, none assigned (%#x)", loc);
}

/* The TPM2_Hash of a command of exactly len bytes: its response code. */
static int64_t crb_hash(struct tvm *t, const uint8_t *data, size_t len,
			struct resp *r)
{
	struct cmdbuf b;

	tpm2_cmd_hash(&b, data, len - 18);
	if (b.n != len) {
		result(false, "crb-bigcmd: a %zu-byte command (%zu)", len, b.n);
		return -1;
	}
	if (tpm_transmit(t->cpu, 0, 0, &b, r, "crb-bigcmd"))
		return -1;
	return r->rc;
}

void scenario_crb_bigcmd(struct tvm *t)
{
	static uint8_t data[CRB_BUF_BYTES];
	uint8_t want[32];
	const uint8_t *p;
	struct resp r;
	int64_t rc;
	uint16_t n;
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8) + 1);
	/* The largest TPM2_Hash the TPM accepts: content checked. */
	rc = crb_hash(t, data, 1024 + 18, &r);
	if (rc < 0)
		return;
	n = get(&r, 2);
	p = getbytes(&r, n);
	sha256(data, 1024, want);
	result(rc == TPM2_RC_SUCCESS && !r.bad && n == 32 && hex_eq(p, want, 32),
	       "crb-bigcmd: TPM2_Hash of 1024 bytes equals SHA-256 of the data (rc %#llx)",
	       (long long)rc);
	/*
	 * A command of the whole buffer: the TPM parses all of it and
	 * refuses parameter 1 by size; a cut command would get
	 * TPM_RC_COMMAND_SIZE instead.
	 */
	rc = crb_hash(t, data, CRB_BUF_BYTES, &r);
	if (rc < 0)
		return;
	result(rc == TPM2_RC_SIZE_P1,
	       "crb-bigcmd: a %u-byte TPM2_Hash (the whole buffer) reaches the TPM whole (rc %#llx, want %#x)",
	       CRB_BUF_BYTES, (long long)rc, TPM2_RC_SIZE_P1);
}
