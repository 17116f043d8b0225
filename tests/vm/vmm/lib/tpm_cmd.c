// SPDX-License-Identifier: GPL-2.0
/*
 * TPM 1.2 and 2.0 commands, sent through the test guest's TIS driver (see
 * tpm_cmd.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"
#include "tpm_cmd.h"

void put8(struct cmdbuf *b, uint8_t v)
{
	if (b->n < sizeof(b->d))
		b->d[b->n++] = v;
	else
		b->overflow = true;
}

void put16(struct cmdbuf *b, uint16_t v)
{
	put8(b, v >> 8);
	put8(b, v);
}

void put32(struct cmdbuf *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v);
}

void putbytes(struct cmdbuf *b, const void *p, size_t n)
{
	const uint8_t *s = p;

	while (n--)
		put8(b, *s++);
}

void cmd_start(struct cmdbuf *b, uint16_t tag, uint32_t code)
{
	b->n = 0;
	b->overflow = false;
	put16(b, tag);
	put32(b, 0);		/* size, set by cmd_end */
	put32(b, code);
}

void cmd_end(struct cmdbuf *b)
{
	b->d[2] = b->n >> 24;
	b->d[3] = b->n >> 16;
	b->d[4] = b->n >> 8;
	b->d[5] = b->n;
}

uint32_t get(struct resp *r, unsigned int bytes)
{
	uint32_t v = 0;

	if (r->len - r->off < bytes) {
		r->bad = true;
		r->off = r->len;
		return 0;
	}
	while (bytes--)
		v = (v << 8) | r->p[r->off++];
	return v;
}

const uint8_t *getbytes(struct resp *r, size_t n)
{
	const uint8_t *p = r->p + r->off;

	if (r->len - r->off < n) {
		r->bad = true;
		r->off = r->len;
		return NULL;
	}
	r->off += n;
	return p;
}

/*
 * Send cmd from locality loc through the guest's driver.  Returns 0 when
 * the guest received a well-formed response (header size == bytes read);
 * r then holds tag and rc and points past the header.
 */
int tpm_op(struct kvm_vcpu *vcpu, uint32_t op, unsigned int loc,
	   uint32_t flags, const struct cmdbuf *cmd, struct resp *r,
	   const char *what)
{
	struct mailbox *mb = vcpu->mb;
	uint32_t size;
	int st;

	memset(r, 0, sizeof(*r));
	if (cmd && cmd->overflow) {
		result(false, "%s: command fits the buffer", what);
		return -1;
	}
	st = vcpu_cmd_op(vcpu, op, loc, flags, cmd ? cmd->d : NULL,
			 cmd ? cmd->n : 0);
	if (st) {
		result(false, "%s: the guest's driver completes the command (%s)",
		       what, st < 0 ? "guest stopped" : mb_status_name(st));
		return -1;
	}
	if (op == MB_OP_SEND)
		return 0;
	r->p = mb->resp;
	r->len = mb->resp_len;
	if (r->len < 10 || r->len > MB_BUF_SIZE) {
		result(false, "%s: response of %zu bytes", what, r->len);
		return -1;
	}
	r->tag = get(r, 2);
	size = get(r, 4);
	r->rc = get(r, 4);
	if (size != r->len) {
		result(false, "%s: response header size %u equals bytes read %zu",
		       what, size, r->len);
		return -1;
	}
	if (vcpu->vm->cfg.verbose)
		diag("%s: locality %u, response tag %#x rc %#x, %zu bytes",
		     what, loc, r->tag, r->rc, r->len);
	return 0;
}

/* tpm_op() of the whole command: send, go, wait, receive. */
int tpm_transmit(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t flags,
		 const struct cmdbuf *cmd, struct resp *r, const char *what)
{
	return tpm_op(vcpu, MB_OP_TRANSMIT, loc, flags, cmd, r, what);
}

void tpm2_cmd_get_random(struct cmdbuf *b, uint16_t n)
{
	cmd_start(b, TPM2_ST_NO_SESSIONS, TPM2_CC_GET_RANDOM);
	put16(b, n);
	cmd_end(b);
}

void tpm2_cmd_pcr_read(struct cmdbuf *b, unsigned int pcr)
{
	cmd_start(b, TPM2_ST_NO_SESSIONS, TPM2_CC_PCR_READ);
	put32(b, 1);			/* TPML_PCR_SELECTION.count */
	put16(b, TPM2_ALG_SHA256);
	put8(b, 3);			/* sizeofSelect */
	put8(b, pcr < 8 ? 1 << pcr : 0);
	put8(b, pcr >= 8 && pcr < 16 ? 1 << (pcr - 8) : 0);
	put8(b, pcr >= 16 && pcr < 24 ? 1 << (pcr - 16) : 0);
	cmd_end(b);
}

void tpm2_cmd_pcr_extend(struct cmdbuf *b, unsigned int pcr,
			 const uint8_t digest[SHA256_DIGEST_SIZE])
{
	cmd_start(b, TPM2_ST_SESSIONS, TPM2_CC_PCR_EXTEND);
	put32(b, pcr);
	put32(b, 9);			/* authorizationSize */
	put32(b, TPM2_RS_PW);
	put16(b, 0);			/* nonce */
	put8(b, 0);			/* session attributes */
	put16(b, 0);			/* empty password */
	put32(b, 1);			/* TPML_DIGEST_VALUES.count */
	put16(b, TPM2_ALG_SHA256);
	putbytes(b, digest, SHA256_DIGEST_SIZE);
	cmd_end(b);
}

void tpm2_cmd_hash(struct cmdbuf *b, const uint8_t *data, uint16_t n)
{
	cmd_start(b, TPM2_ST_NO_SESSIONS, TPM2_CC_HASH);
	put16(b, n);
	putbytes(b, data, n);
	put16(b, TPM2_ALG_SHA256);
	put32(b, TPM2_RH_NULL);
	cmd_end(b);
}

/* TPM2_CreatePrimary of an RSA-2048 storage key under the owner hierarchy. */
void tpm2_cmd_create_primary_rsa_unique(struct cmdbuf *b, const void *unique,
					 uint16_t n)
{
	cmd_start(b, TPM2_ST_SESSIONS, TPM2_CC_CREATE_PRIMARY);
	put32(b, TPM2_RH_OWNER);
	put32(b, 9);			/* authorizationSize */
	put32(b, TPM2_RS_PW);
	put16(b, 0);
	put8(b, 0);
	put16(b, 0);
	put16(b, 4);			/* inSensitive: empty auth and data */
	put16(b, 0);
	put16(b, 0);
	put16(b, 26 + n);		/* inPublic.size */
	put16(b, TPM2_ALG_RSA);
	put16(b, TPM2_ALG_SHA256);	/* nameAlg */
	/* fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|restricted|decrypt */
	put32(b, 0x00030072);
	put16(b, 0);			/* authPolicy */
	put16(b, TPM2_ALG_AES);		/* symmetric */
	put16(b, 128);
	put16(b, TPM2_ALG_CFB);
	put16(b, TPM2_ALG_NULL);	/* scheme */
	put16(b, 2048);			/* keyBits */
	put32(b, 0);			/* exponent */
	put16(b, n);			/* unique */
	putbytes(b, unique, n);
	put16(b, 0);			/* outsideInfo */
	put32(b, 0);			/* creationPCR */
	cmd_end(b);
}

void tpm2_cmd_create_primary_rsa(struct cmdbuf *b)
{
	tpm2_cmd_create_primary_rsa_unique(b, NULL, 0);
}

/* GetRandom(n) of the family. */
void tpm_cmd_get_random(struct cmdbuf *b, bool tpm12, uint16_t n)
{
	if (tpm12) {
		cmd_start(b, TPM_TAG_RQU_COMMAND, TPM_ORD_GET_RANDOM);
		put32(b, n);
		cmd_end(b);
	} else {
		tpm2_cmd_get_random(b, n);
	}
}

/* TPM2_GetRandom(n): checks tag, rc and size; copies the bytes. */
int tpm2_get_random(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t flags,
		    uint8_t *out, uint16_t n, const char *what)
{
	struct cmdbuf b;
	struct resp r;
	const uint8_t *p;
	uint16_t got;

	tpm2_cmd_get_random(&b, n);
	if (tpm_transmit(vcpu, loc, flags, &b, &r, what))
		return -1;
	if (r.tag != TPM2_ST_NO_SESSIONS || r.rc != TPM2_RC_SUCCESS) {
		result(false, "%s: TPM2_GetRandom succeeds (tag %#x rc %#x)",
		       what, r.tag, r.rc);
		return -1;
	}
	got = get(&r, 2);
	p = getbytes(&r, got);
	if (r.bad || got != n || r.off != r.len) {
		result(false, "%s: TPM2_GetRandom returns %u bytes (got %u in a %zu byte response)",
		       what, n, got, r.len);
		return -1;
	}
	memcpy(out, p, n);
	return 0;
}

/* TPM2_PCR_Read of one sha256 PCR, with the response's structure checked. */
int tpm2_pcr_read(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t flags,
		  unsigned int pcr, uint8_t out[SHA256_DIGEST_SIZE],
		  const char *what)
{
	struct cmdbuf b;
	struct resp r;
	uint32_t count, dcount;
	uint16_t alg, dsize;
	uint8_t sel_size, sel[3];
	const uint8_t *p;

	tpm2_cmd_pcr_read(&b, pcr);
	if (tpm_transmit(vcpu, loc, flags, &b, &r, what))
		return -1;
	if (r.tag != TPM2_ST_NO_SESSIONS || r.rc != TPM2_RC_SUCCESS) {
		result(false, "%s: TPM2_PCR_Read succeeds (tag %#x rc %#x)",
		       what, r.tag, r.rc);
		return -1;
	}
	get(&r, 4);			/* pcrUpdateCounter */
	count = get(&r, 4);
	alg = get(&r, 2);
	sel_size = get(&r, 1);
	sel[0] = get(&r, 1);
	sel[1] = get(&r, 1);
	sel[2] = get(&r, 1);
	dcount = get(&r, 4);
	dsize = get(&r, 2);
	p = getbytes(&r, dsize);
	if (r.bad || count != 1 || alg != TPM2_ALG_SHA256 || sel_size != 3 ||
	    !(sel[pcr / 8] & (1 << (pcr % 8))) || dcount != 1 ||
	    dsize != SHA256_DIGEST_SIZE || r.off != r.len) {
		result(false, "%s: TPM2_PCR_Read returns one sha256 digest of PCR %u",
		       what, pcr);
		hexdump("response", r.p, r.len);
		return -1;
	}
	memcpy(out, p, SHA256_DIGEST_SIZE);
	return 0;
}

/* TPM2_PCR_Extend; returns the TPM's rc, or -1 on a transport failure. */
int64_t tpm2_pcr_extend(struct kvm_vcpu *vcpu, unsigned int loc,
			uint32_t flags, unsigned int pcr,
			const uint8_t digest[SHA256_DIGEST_SIZE],
			const char *what)
{
	struct cmdbuf b;
	struct resp r;

	tpm2_cmd_pcr_extend(&b, pcr, digest);
	if (tpm_transmit(vcpu, loc, flags, &b, &r, what))
		return -1;
	if (r.rc == TPM2_RC_SUCCESS && r.tag != TPM2_ST_SESSIONS) {
		result(false, "%s: TPM2_PCR_Extend response carries sessions (tag %#x)",
		       what, r.tag);
		return -1;
	}
	return r.rc;
}

void test_digest(uint8_t out[SHA256_DIGEST_SIZE], const char *label)
{
	char buf[128];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, sizeof(buf), "vtis-vmm %s %d %ld.%09ld", label,
		 (int)getpid(), (long)ts.tv_sec, ts.tv_nsec);
	sha256(buf, strlen(buf), out);
}

/* Read pcr, extend it with a fresh digest, read again, compare. */
bool tpm2_extend_and_check(struct kvm_vcpu *vcpu, unsigned int loc,
			   uint32_t flags, unsigned int pcr, const char *what)
{
	uint8_t old[32], d[32], now[32], cat[64], want[32];
	int64_t rc;

	if (tpm2_pcr_read(vcpu, loc, flags, pcr, old, what))
		return false;
	test_digest(d, what);
	rc = tpm2_pcr_extend(vcpu, loc, flags, pcr, d, what);
	if (rc < 0)
		return false;
	if (rc != TPM2_RC_SUCCESS) {
		result(false, "%s: TPM2_PCR_Extend of PCR %u at locality %u succeeds (rc %#llx)",
		       what, pcr, loc, (long long)rc);
		return false;
	}
	if (tpm2_pcr_read(vcpu, loc, flags, pcr, now, what))
		return false;
	memcpy(cat, old, 32);
	memcpy(cat + 32, d, 32);
	sha256(cat, sizeof(cat), want);
	if (memcmp(now, want, 32)) {
		result(false, "%s: PCR %u equals SHA-256(old || digest) after the extend",
		       what, pcr);
		hexdump("old", old, 32);
		hexdump("digest", d, 32);
		hexdump("read", now, 32);
		hexdump("want", want, 32);
		return false;
	}
	return true;
}
