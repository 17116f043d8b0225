/* SPDX-License-Identifier: GPL-2.0 */
/* SHA-1 and SHA-256 (FIPS 180-4), one-shot, for checking PCR values. */
#ifndef VTIS_VMM_SHA_H
#define VTIS_VMM_SHA_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_SIZE	20
#define SHA256_DIGEST_SIZE	32

void sha1(const void *data, size_t len, uint8_t out[SHA1_DIGEST_SIZE]);
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);

#endif /* VTIS_VMM_SHA_H */
