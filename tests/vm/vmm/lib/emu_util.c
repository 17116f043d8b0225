// SPDX-License-Identifier: GPL-2.0
/* The emulator's side of /dev/vtis-emuN (see emu_util.h). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <linux/vtpm_proxy.h>

#include "emu_util.h"

const uint8_t tpm2_rsp_ok[TPM_HDR_LEN] = {
	0x80, 0x01, 0, 0, 0, TPM_HDR_LEN, 0, 0, 0, 0,
};

uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v);
}

/*
 * The next message within ms: its length, 0 at end of file, -ETIMEDOUT
 * when none came, or -errno of the read.
 */
ssize_t emu_read(int efd, uint8_t *buf, size_t cap, unsigned int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	ssize_t n;
	int ret;

	do {
		ret = poll(&p, 1, ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (!ret)
		return -ETIMEDOUT;
	n = read(efd, buf, cap);
	return n < 0 ? -errno : n;
}

/* The module's locality announcement: TPM2_CC_SET_LOCALITY and one byte. */
size_t emu_set_locality_msg(uint8_t out[11], unsigned int loc, bool tpm12)
{
	put_be16(out, tpm12 ? 0x00c1 : 0x8002);
	put_be32(out + 2, 11);
	put_be32(out + 6, TPM2_CC_SET_LOCALITY);
	out[10] = loc;
	return 11;
}

bool emu_is_set_locality(const uint8_t *m, ssize_t n)
{
	return n == 11 && be32_at(m + 6) == TPM2_CC_SET_LOCALITY;
}

/* The next command, a locality announcement before it answered with success. */
ssize_t emu_next_command(int efd, uint8_t *buf, size_t cap, unsigned int ms)
{
	ssize_t n = emu_read(efd, buf, cap, ms);

	if (!emu_is_set_locality(buf, n))
		return n;
	if (emu_write(efd, tpm2_rsp_ok, sizeof(tpm2_rsp_ok)))
		return -errno;
	return emu_read(efd, buf, cap, ms);
}

/* One response: 0, or -errno (a short write counts as -EIO). */
int emu_write(int efd, const void *buf, size_t n)
{
	ssize_t w = write(efd, buf, n);

	if (w < 0)
		return -errno;
	return (size_t)w == n ? 0 : -EIO;
}

/* A response: tag, size, rc, then body (len zeros if NULL); its length. */
size_t tpm_rsp(uint8_t *out, uint16_t tag, uint32_t rc, const void *body,
	       size_t len)
{
	put_be16(out, tag);
	put_be32(out + 2, TPM_HDR_LEN + len);
	put_be32(out + 6, rc);
	if (body)
		memcpy(out + TPM_HDR_LEN, body, len);
	else
		memset(out + TPM_HDR_LEN, 0, len);
	return TPM_HDR_LEN + len;
}

/* A failure the module made up for the guest: a bare header, rc != 0. */
bool tpm_is_failure(const uint8_t *r, size_t n)
{
	return n == TPM_HDR_LEN && be32_at(r + 6) != 0;
}
