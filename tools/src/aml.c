// SPDX-License-Identifier: GPL-2.0
/*
 * vtisctl: a byte buffer and a small AML encoder for the few terms the TPM
 * SSDT needs (ACPI 6.x, chapter 20 "ACPI Machine Language Specification").
 * Terms are built bottom-up: a body is encoded first, then wrapped with its
 * opcode and PkgLength.
 */
#include <stdlib.h>
#include <string.h>

#include "vtisctl.h"

#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0A
#define AML_WORD_PREFIX		0x0B
#define AML_DWORD_PREFIX	0x0C
#define AML_STRING_PREFIX	0x0D
#define AML_QWORD_PREFIX	0x0E
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_METHOD_OP		0x14
#define AML_ROOT_CHAR		0x5C
#define AML_EXT_OP_PREFIX	0x5B
#define AML_DEVICE_OP		0x82	/* after AML_EXT_OP_PREFIX */
#define AML_RETURN_OP		0xA4
#define AML_ONES_OP		0xFF

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 64;
		uint8_t *d;

		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2) {
				b->oom = true;
				return;
			}
			cap *= 2;
		}
		d = realloc(b->data, cap);
		if (!d) {
			b->oom = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void buf_u8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

void buf_u16(struct buf *b, uint16_t v)
{
	buf_u8(b, v & 0xff);
	buf_u8(b, v >> 8);
}

void buf_u32(struct buf *b, uint32_t v)
{
	buf_u16(b, v & 0xffff);
	buf_u16(b, v >> 16);
}

void buf_u64(struct buf *b, uint64_t v)
{
	buf_u32(b, v & 0xffffffff);
	buf_u32(b, v >> 32);
}

/*
 * PkgLength counts itself and the body.  One byte holds up to 63; longer
 * lengths use 2-4 bytes: bits 7-6 of the lead byte give the number of
 * following bytes, its bits 3-0 the low nibble, the following bytes the
 * rest, least significant first.  AML packages are far below the 2^28
 * limit; a body that large is marked out of memory.
 */
static void aml_pkglength(struct buf *b, size_t body)
{
	size_t total;
	int n;

	if (body + 1 < 0x40) {
		buf_u8(b, (uint8_t)(body + 1));
		return;
	}
	for (n = 2; n <= 4; n++) {
		total = body + n;
		if (total < ((size_t)1 << (4 + 8 * (n - 1))))
			break;
	}
	if (n > 4) {
		b->oom = true;
		return;
	}
	buf_u8(b, (uint8_t)(((n - 1) << 6) | (total & 0x0f)));
	total >>= 4;
	while (--n > 0) {
		buf_u8(b, total & 0xff);
		total >>= 8;
	}
}

/* op (1 or 2 bytes), PkgLength, body. */
void aml_pkg(struct buf *out, const uint8_t *op, size_t oplen,
	     const struct buf *body)
{
	if (body->oom) {
		out->oom = true;
		return;
	}
	buf_put(out, op, oplen);
	aml_pkglength(out, body->len);
	buf_put(out, body->data, body->len);
}

/* The shortest encoding of an integer constant, as iasl emits it. */
void aml_integer(struct buf *b, uint64_t v)
{
	if (v == 0) {
		buf_u8(b, AML_ZERO_OP);
	} else if (v == 1) {
		buf_u8(b, AML_ONE_OP);
	} else if (v == UINT64_MAX) {
		buf_u8(b, AML_ONES_OP);
	} else if (v <= 0xff) {
		buf_u8(b, AML_BYTE_PREFIX);
		buf_u8(b, (uint8_t)v);
	} else if (v <= 0xffff) {
		buf_u8(b, AML_WORD_PREFIX);
		buf_u16(b, (uint16_t)v);
	} else if (v <= 0xffffffff) {
		buf_u8(b, AML_DWORD_PREFIX);
		buf_u32(b, (uint32_t)v);
	} else {
		buf_u8(b, AML_QWORD_PREFIX);
		buf_u64(b, v);
	}
}

/* String: printable ASCII only (callers pass constants). */
void aml_string(struct buf *b, const char *s)
{
	buf_u8(b, AML_STRING_PREFIX);
	buf_put(b, s, strlen(s) + 1);
}

/*
 * EisaId("PNPxxxx"): three letters compressed to 5 bits each, then four
 * hex digits, stored so that the dword is big-endian in memory.
 */
uint32_t aml_eisaid(const char *id)
{
	uint32_t v;
	unsigned int i;
	unsigned int hex = 0;

	v = ((uint32_t)(id[0] - 0x40) << 26) | ((uint32_t)(id[1] - 0x40) << 21) |
	    ((uint32_t)(id[2] - 0x40) << 16);
	for (i = 3; i < 7; i++) {
		char c = id[i];

		hex <<= 4;
		hex |= (c >= '0' && c <= '9') ? (unsigned int)(c - '0')
					      : (unsigned int)(c - 'A' + 10);
	}
	v |= hex;
	/* byte-swap: the most significant byte comes first in AML */
	return ((v & 0xff) << 24) | ((v & 0xff00) << 8) |
	       ((v >> 8) & 0xff00) | (v >> 24);
}

/* A NameSeg is exactly four characters, padded with '_'. */
static void aml_nameseg(struct buf *b, const char *seg)
{
	char s[4] = { '_', '_', '_', '_' };
	size_t n = strlen(seg);

	memcpy(s, seg, n < 4 ? n : 4);
	buf_put(b, s, 4);
}

void aml_name_int(struct buf *b, const char *seg, uint64_t v)
{
	buf_u8(b, AML_NAME_OP);
	aml_nameseg(b, seg);
	aml_integer(b, v);
}

void aml_name_str(struct buf *b, const char *seg, const char *s)
{
	buf_u8(b, AML_NAME_OP);
	aml_nameseg(b, seg);
	aml_string(b, s);
}

/* Name (seg, Buffer () { bytes }) */
void aml_name_buffer(struct buf *b, const char *seg, const struct buf *bytes)
{
	static const uint8_t op = AML_BUFFER_OP;
	struct buf body = { 0 };

	buf_u8(b, AML_NAME_OP);
	aml_nameseg(b, seg);
	aml_integer(&body, bytes->len);
	buf_put(&body, bytes->data, bytes->len);
	if (bytes->oom)
		body.oom = true;
	aml_pkg(b, &op, 1, &body);
	buf_free(&body);
}

/* Scope (\SEG) where path is one root-relative NameSeg such as "_SB". */
void aml_scope(struct buf *out, const char *path, const struct buf *body)
{
	static const uint8_t op = AML_SCOPE_OP;
	struct buf b = { 0 };

	buf_u8(&b, AML_ROOT_CHAR);
	aml_nameseg(&b, path);
	buf_put(&b, body->data, body->len);
	if (body->oom)
		b.oom = true;
	aml_pkg(out, &op, 1, &b);
	buf_free(&b);
}

void aml_device(struct buf *out, const char *seg, const struct buf *body)
{
	static const uint8_t op[2] = { AML_EXT_OP_PREFIX, AML_DEVICE_OP };
	struct buf b = { 0 };

	aml_nameseg(&b, seg);
	buf_put(&b, body->data, body->len);
	if (body->oom)
		b.oom = true;
	aml_pkg(out, op, 2, &b);
	buf_free(&b);
}

/* Method (seg, 0, NotSerialized) { Return (v) } */
void aml_method_return_int(struct buf *out, const char *seg, uint64_t v)
{
	static const uint8_t op = AML_METHOD_OP;
	struct buf b = { 0 };

	aml_nameseg(&b, seg);
	buf_u8(&b, 0x00);		/* MethodFlags: 0 args, not serialized */
	buf_u8(&b, AML_RETURN_OP);
	aml_integer(&b, v);
	aml_pkg(out, &op, 1, &b);
	buf_free(&b);
}
