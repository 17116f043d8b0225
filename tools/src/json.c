// SPDX-License-Identifier: GPL-2.0
/*
 * vtisctl: a minimal JSON writer for flat objects.
 */
#include <inttypes.h>
#include <string.h>

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

/*
 * A reader for what vtisctl itself reads back (attach --json, in
 * vtis-qemu): one member, found by its path of object keys; escapes other
 * than \" \\ \/ \n \t come out as '?'.
 */
static const char *jws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* The string at p (its opening quote) into out; the text after it, or NULL. */
static const char *jstring(const char *p, char *out, size_t len)
{
	size_t n = 0;
	char c;

	if (*p++ != '"')
		return NULL;
	while ((c = *p++) != '"') {
		if (!c || (unsigned char)c < 0x20)
			return NULL;
		if (c == '\\') {
			c = *p++;
			switch (c) {
			case '"':
			case '\\':
			case '/':
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				if (!p[0] || !p[1] || !p[2] || !p[3])
					return NULL;
				p += 4;
				c = '?';
				break;
			case 0:
				return NULL;
			default:
				c = '?';
			}
		}
		if (out && n + 1 < len)
			out[n++] = c;
	}
	if (out && len)
		out[n] = 0;
	return p;
}

/* The text after the value at p, or NULL; depth bounds the nesting. */
static const char *jskip(const char *p, int depth)
{
	char close;

	p = jws(p);
	if (*p == '"')
		return jstring(p, NULL, 0);
	if (*p != '{' && *p != '[') {
		const char *s = p;

		while (*p && !strchr(",}] \t\r\n", *p))
			p++;
		return p > s ? p : NULL;
	}
	if (depth > 16)
		return NULL;
	close = *p == '{' ? '}' : ']';
	p = jws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			p = jstring(jws(p), NULL, 0);
			if (!p)
				return NULL;
			p = jws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = jskip(p, depth + 1);
		if (!p)
			return NULL;
		p = jws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

/* The value of member key of the object at p, or NULL. */
static const char *jmember(const char *p, const char *key)
{
	char k[64];

	p = jws(p);
	if (*p++ != '{')
		return NULL;
	p = jws(p);
	if (*p == '}')
		return NULL;
	for (;;) {
		p = jstring(jws(p), k, sizeof(k));
		if (!p)
			return NULL;
		p = jws(p);
		if (*p++ != ':')
			return NULL;
		p = jws(p);
		if (!strcmp(k, key))
			return p;
		p = jskip(p, 0);
		if (!p)
			return NULL;
		p = jws(p);
		if (*p++ != ',')
			return NULL;
	}
}

/* The value at a NULL-ended path of keys in the JSON text js, or NULL. */
static const char *jpath(const char *js, const char *const *path)
{
	const char *p = js;

	for (; p && *path; path++)
		p = jmember(p, *path);
	return p;
}

int json_get_str(const char *js, const char *const *path, char *out, size_t len)
{
	const char *p = jpath(js, path);

	if (!p || *p != '"' || !jstring(p, out, len))
		return -1;
	return 0;
}

int json_get_u64(const char *js, const char *const *path, uint64_t *out)
{
	const char *p = jpath(js, path), *e;
	char num[24];

	if (!p)
		return -1;
	e = jskip(p, 0);
	if (!e || e == p || (size_t)(e - p) >= sizeof(num))
		return -1;
	memcpy(num, p, (size_t)(e - p));
	num[e - p] = 0;
	return parse_u64(num, out);
}
