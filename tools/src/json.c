// SPDX-License-Identifier: GPL-2.0
/*
 * vtisctl: a minimal JSON writer for flat objects.
 */
#include <inttypes.h>

#include "vtisctl.h"

void json_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void json_begin(struct json_obj *o, FILE *f)
{
	o->f = f;
	o->first = true;
	fputc('{', f);
}

void json_end(struct json_obj *o)
{
	fputc('}', o->f);
}

static void json_key(struct json_obj *o, const char *key)
{
	if (!o->first)
		fputc(',', o->f);
	o->first = false;
	json_string(o->f, key);
	fputc(':', o->f);
}

void json_str(struct json_obj *o, const char *key, const char *val)
{
	json_key(o, key);
	json_string(o->f, val);
}

void json_u64(struct json_obj *o, const char *key, uint64_t val)
{
	json_key(o, key);
	fprintf(o->f, "%" PRIu64, val);
}

void json_s64(struct json_obj *o, const char *key, int64_t val)
{
	json_key(o, key);
	fprintf(o->f, "%" PRId64, val);
}

void json_bool(struct json_obj *o, const char *key, bool val)
{
	json_key(o, key);
	fputs(val ? "true" : "false", o->f);
}

void json_null(struct json_obj *o, const char *key)
{
	json_key(o, key);
	fputs("null", o->f);
}

void json_u64_array(struct json_obj *o, const char *key, const uint64_t *vals,
		    size_t n)
{
	size_t i;

	json_key(o, key);
	fputc('[', o->f);
	for (i = 0; i < n; i++)
		fprintf(o->f, "%s%" PRIu64, i ? "," : "", vals[i]);
	fputc(']', o->f);
}
