/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TPM 1.2 and 2.0 commands built here and sent through the test guest's
 * TIS driver (a vCPU's MB_OP_TRANSMIT, or MB_OP_SEND and MB_OP_RECV), and
 * their responses read with bounds checks.  The helpers that send report
 * a failed transport or an unexpected answer as a failed check (what: the
 * check's prefix) and return -1.
 */
#ifndef VTIS_TPM_CMD_H
#define VTIS_TPM_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvm_util.h"
#include "sha.h"

#define TPM2_ST_NO_SESSIONS	0x8001
#define TPM2_ST_SESSIONS	0x8002
#define TPM2_CC_HASH		0x0000017d
#define TPM2_CC_GET_RANDOM	0x0000017b
#define TPM2_CC_PCR_READ	0x0000017e
#define TPM2_CC_PCR_EXTEND	0x00000182
#define TPM2_CC_CREATE_PRIMARY	0x00000131
#define TPM2_CC_FLUSH_CONTEXT	0x00000165
#define TPM2_CC_STARTUP		0x00000144
#define TPM2_ALG_RSA		0x0001
#define TPM2_ALG_SHA256		0x000b
#define TPM2_ALG_AES		0x0006
#define TPM2_ALG_CFB		0x0043
#define TPM2_ALG_NULL		0x0010
#define TPM2_RH_OWNER		0x40000001
#define TPM2_RH_NULL		0x40000007
#define TPM2_RS_PW		0x40000009
#define TPM2_SU_CLEAR		0x0000
#define TPM2_RC_SUCCESS		0x000
#define TPM2_RC_INITIALIZE	0x100
#define TPM2_RC_COMMAND_SIZE	0x142
#define TPM2_RC_COMMAND_CODE	0x143
#define TPM2_RC_SIZE_P1		0x1d5	/* TPM_RC_SIZE, parameter 1 */
#define TPM2_RC_LOCALITY	0x907
#define TPM2_RC_CANCELED	0x909
#define TPM_TAG_RQU_COMMAND	0x00c1
#define TPM_TAG_RSP_COMMAND	0x00c4
#define TPM_ORD_EXTEND		0x00000014
#define TPM_ORD_PCR_READ	0x00000015
#define TPM_ORD_GET_RANDOM	0x00000046

struct cmdbuf {
	uint8_t d[4096];
	size_t n;
	bool overflow;
};

/* A response, parsed with bounds checks. */
struct resp {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;		/* read past the end */
	uint16_t tag;
	uint32_t rc;
};

void put8(struct cmdbuf *b, uint8_t v);
void put16(struct cmdbuf *b, uint16_t v);
void put32(struct cmdbuf *b, uint32_t v);
void putbytes(struct cmdbuf *b, const void *p, size_t n);
void cmd_start(struct cmdbuf *b, uint16_t tag, uint32_t code);
void cmd_end(struct cmdbuf *b);
uint32_t get(struct resp *r, unsigned int bytes);
const uint8_t *getbytes(struct resp *r, size_t n);

void tpm2_cmd_get_random(struct cmdbuf *b, uint16_t n);
void tpm2_cmd_pcr_read(struct cmdbuf *b, unsigned int pcr);
void tpm2_cmd_pcr_extend(struct cmdbuf *b, unsigned int pcr,
			 const uint8_t digest[SHA256_DIGEST_SIZE]);
void tpm2_cmd_hash(struct cmdbuf *b, const uint8_t *data, uint16_t n);
void tpm2_cmd_create_primary_rsa(struct cmdbuf *b);
/* The same with @n bytes of inPublic.unique: a key the TPM has not cached. */
void tpm2_cmd_create_primary_rsa_unique(struct cmdbuf *b, const void *unique,
					 uint16_t n);
void tpm_cmd_get_random(struct cmdbuf *b, bool tpm12, uint16_t n);

int tpm_op(struct kvm_vcpu *vcpu, uint32_t op, unsigned int loc,
	   uint32_t flags, const struct cmdbuf *cmd, struct resp *r,
	   const char *what);
int tpm_transmit(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t flags,
		 const struct cmdbuf *cmd, struct resp *r, const char *what);
int tpm2_get_random(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t flags,
		    uint8_t *out, uint16_t n, const char *what);
int tpm2_pcr_read(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t flags,
		  unsigned int pcr, uint8_t out[SHA256_DIGEST_SIZE],
		  const char *what);
int64_t tpm2_pcr_extend(struct kvm_vcpu *vcpu, unsigned int loc,
			uint32_t flags, unsigned int pcr,
			const uint8_t digest[SHA256_DIGEST_SIZE],
			const char *what);
bool tpm2_extend_and_check(struct kvm_vcpu *vcpu, unsigned int loc,
			   uint32_t flags, unsigned int pcr, const char *what);
void test_digest(uint8_t out[SHA256_DIGEST_SIZE], const char *label);

#endif /* VTIS_TPM_CMD_H */
