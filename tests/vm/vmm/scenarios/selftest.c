// SPDX-License-Identifier: GPL-2.0
/* vtis-vmm --selftest: the SHA-1 and SHA-256 code against known answers. */
#include <stdio.h>
#include <string.h>

#include "vmm.h"

static bool digest_is(const uint8_t *d, size_t n, const char *hex)
{
	char got[2 * SHA256_DIGEST_SIZE + 1];
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(got + 2 * i, "%02x", d[i]);
	return !strcmp(got, hex);
}

void selftest(void)
{
	static const char *const msgs[] = {
		"", "abc",
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	};
	static const char *const want1[] = {
		"da39a3ee5e6b4b0d3255bfef95601890afd80709",
		"a9993e364706816aba3e25717850c26c9cd0d89d",
		"84983e441c3bd26ebaae4aa1f95129e5e54670f1",
	};
	static const char *const want256[] = {
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	};
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		sha1(msgs[i], strlen(msgs[i]), d);
		result(digest_is(d, 20, want1[i]),
		       "selftest: SHA-1 known answer %zu", i);
		sha256(msgs[i], strlen(msgs[i]), d);
		result(digest_is(d, SHA256_DIGEST_SIZE, want256[i]),
		       "selftest: SHA-256 known answer %zu", i);
	}
}
