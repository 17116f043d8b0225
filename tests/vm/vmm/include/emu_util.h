/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulator's side of /dev/vtis-emuN, for tests that play the emulator
 * themselves: the module writes one message per read (the vtpm_proxy
 * protocol: a locality announcement, TPM2_CC_SET_LOCALITY of
 * linux/vtpm_proxy.h, before a command from another locality) and takes
 * one response per write.
 */
#ifndef VTIS_EMU_UTIL_H
#define VTIS_EMU_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EMU_MSG_MAX	4096
#define TPM_HDR_LEN	10

/* A header-only TPM 2.0 success response. */
extern const uint8_t tpm2_rsp_ok[TPM_HDR_LEN];

ssize_t emu_read(int efd, uint8_t *buf, size_t cap, unsigned int ms);
bool emu_is_set_locality(const uint8_t *m, ssize_t n);
size_t emu_set_locality_msg(uint8_t out[11], unsigned int loc, bool tpm12);
ssize_t emu_next_command(int efd, uint8_t *buf, size_t cap, unsigned int ms);
int emu_write(int efd, const void *buf, size_t n);

size_t tpm_rsp(uint8_t *out, uint16_t tag, uint32_t rc, const void *body,
	       size_t len);
bool tpm_is_failure(const uint8_t *r, size_t n);
uint32_t be32_at(const uint8_t *p);

#endif /* VTIS_EMU_UTIL_H */
