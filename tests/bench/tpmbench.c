// SPDX-License-Identifier: GPL-2.0
/*
 * tpmbench: the guest side of `make bench`.  One process, a tight loop of
 * TPM 2.0 commands written to /dev/tpmrm0 (or /dev/tpm0) and read back,
 * each timed with CLOCK_MONOTONIC.  Every answer is checked (tag, size,
 * response code, payload), and the PCR extends are verified against a
 * SHA-256 chain computed here.
 *
 * Before and after each command's batch the program hands over to the
 * host: it prints "vtis-bench: ready K NAME" (or "done K NAME") and waits
 * until the file GODIR/go-K (or GODIR/ack-K) exists, so the host can read
 * its counters with the guest quiet.  Without -g there is no hand-over.
 *
 * Output, one line per command (after its batch):
 *   vtis-bench: result NAME n=N ok=N median_us=X p99_us=X min_us=X max_us=X
 * plus "vtis-bench: info ..." and "vtis-bench: error ..." lines.
 *
 * usage: tpmbench [-d DEV | -f FD] [-n ITER] [-N ITER_LONG] [-M MAX_BYTES]
 *                 [-g GODIR] [CMD...]
 *   CMD: getrandom pcrread extend createprimary max (default: all)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sha.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BUF_SIZE	4096
#define PCR_IMA		10
#define RC_SIZE_P1	0x1d5	/* TPM_RC_SIZE, parameter 1 */

static const char *dev;
static const char *godir;
static int fd = -1;
static unsigned int iter = 500, iter_long = 100, max_bytes = 3968;
static uint8_t resp[BUF_SIZE];
static unsigned int seq;
static int failed;

static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(1, line, n) < 0)
		failed = 1;
}

/* ---- command building ---------------------------------------------- */

struct buf {
	uint8_t d[BUF_SIZE];
	size_t n;
};

static void put8(struct buf *b, uint8_t v)
{
	b->d[b->n++] = v;
}

static void put16(struct buf *b, uint16_t v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void put32(struct buf *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v);
}

static void putn(struct buf *b, const void *p, size_t n)
{
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void cmd_begin(struct buf *b, uint16_t tag, uint32_t cc)
{
	b->n = 0;
	put16(b, tag);
	put32(b, 0);
	put32(b, cc);
}

static void cmd_end(struct buf *b)
{
	b->d[2] = b->n >> 24;
	b->d[3] = b->n >> 16;
	b->d[4] = b->n >> 8;
	b->d[5] = b->n;
}

/* A password session with an empty password. */
static void put_pw_session(struct buf *b)
{
	put32(b, 9);
	put32(b, 0x40000009);	/* TPM_RS_PW */
	put16(b, 0);		/* nonce */
	put8(b, 0);		/* attributes */
	put16(b, 0);		/* hmac */
}

static uint16_t get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * One command: write, read the answer; the header checked.  Returns the
 * response code (or -1 on an I/O or framing error); *len the answer size.
 */
static long transmit(const struct buf *b, size_t *len)
{
	ssize_t w, r;

	w = write(fd, b->d, b->n);
	if (w != (ssize_t)b->n) {
		say("vtis-bench: error write %zu bytes: %zd (%s)", b->n, w,
		    strerror(errno));
		return -1;
	}
	r = read(fd, resp, sizeof(resp));
	if (r < 10 || get32(resp + 2) != (uint32_t)r) {
		say("vtis-bench: error short or inconsistent answer (%zd bytes)", r);
		return -1;
	}
	*len = r;
	return get32(resp + 6);
}

/* ---- the commands --------------------------------------------------- */

static struct buf c_getrandom, c_pcrread, c_extend, c_primary, c_flush, c_max;
static uint8_t pcr[32];		/* PCR 10 as the chain says it is now */
static uint8_t ext_digest[32];

static void build(void)
{
	struct buf *b;

	b = &c_getrandom;
	cmd_begin(b, 0x8001, 0x17b);
	put16(b, 32);
	cmd_end(b);

	b = &c_pcrread;
	cmd_begin(b, 0x8001, 0x17e);
	put32(b, 1);		/* one selection */
	put16(b, 0x000b);	/* sha256 */
	put8(b, 3);
	put8(b, 0);
	put8(b, 1 << (PCR_IMA - 8));
	put8(b, 0);
	cmd_end(b);

	b = &c_primary;
	cmd_begin(b, 0x8002, 0x131);
	put32(b, 0x40000001);	/* TPM_RH_OWNER */
	put_pw_session(b);
	put16(b, 4);		/* inSensitive: empty auth and data */
	put16(b, 0);
	put16(b, 0);
	put16(b, 26);		/* inPublic: ECC P-256 storage key */
	put16(b, 0x0023);
	put16(b, 0x000b);
	put32(b, 0x00030072);
	put16(b, 0);		/* authPolicy */
	put16(b, 0x0006);	/* AES-128-CFB */
	put16(b, 128);
	put16(b, 0x0043);
	put16(b, 0x0010);	/* scheme NULL */
	put16(b, 0x0003);	/* NIST P-256 */
	put16(b, 0x0010);	/* kdf NULL */
	put16(b, 0);		/* unique.x */
	put16(b, 0);		/* unique.y */
	put16(b, 0);		/* outsideInfo */
	put32(b, 0);		/* creationPCR */
	cmd_end(b);
}

/* TPM2_PCR_Extend of PCR 10 (sha256) with digest d, as IMA does. */
static void build_extend(const uint8_t d[32])
{
	struct buf *b = &c_extend;

	cmd_begin(b, 0x8002, 0x182);
	put32(b, PCR_IMA);
	put_pw_session(b);
	put32(b, 1);
	put16(b, 0x000b);
	putn(b, d, 32);
	cmd_end(b);
}

/* TPM2_GetCapability(TPM_PROPERTIES, prop): the value, or 0. */
static uint32_t get_property(uint32_t prop)
{
	struct buf b;
	size_t n;

	cmd_begin(&b, 0x8001, 0x17a);
	put32(&b, 6);		/* TPM_CAP_TPM_PROPERTIES */
	put32(&b, prop);
	put32(&b, 1);
	cmd_end(&b);
	if (transmit(&b, &n) != 0 || n < 27 || get32(resp + 15) != 1 ||
	    get32(resp + 19) != prop)
		return 0;
	return get32(resp + 23);
}

/*
 * A command near the largest: a TPM2_Hash of max_bytes (default 3968, the
 * command buffer of QEMU's CRB; the TIS paths take 4096), or the TPM's
 * TPM_PT_MAX_COMMAND_SIZE if that is smaller.  Its data is larger than
 * any digest buffer, so the TPM reads it whole and answers TPM_RC_SIZE:
 * the cost is the transport of a maximal command.  No TPM 2.0 command
 * that succeeds carries that much on swtpm: its digest, NV and
 * capability buffers are 1024 bytes.
 */
static size_t build_max(void)
{
	uint32_t max = get_property(0x11e);	/* TPM_PT_MAX_COMMAND_SIZE */
	uint32_t maxr = get_property(0x11f);	/* TPM_PT_MAX_RESPONSE_SIZE */
	uint32_t in = get_property(0x10d);	/* TPM_PT_INPUT_BUFFER */
	uint32_t nv = get_property(0x12c);	/* TPM_PT_NV_BUFFER_MAX */
	struct buf *b = &c_max;
	size_t data;

	say("vtis-bench: info max_command_size=%u max_response_size=%u input_buffer=%u nv_buffer_max=%u",
	    max, maxr, in, nv);
	if (!max || max > max_bytes)
		max = max_bytes;
	data = max - 18;
	cmd_begin(b, 0x8001, 0x17d);
	put16(b, data);
	memset(b->d + b->n, 0x5a, data);
	b->n += data;
	put16(b, 0x000b);
	put32(b, 0x40000007);	/* TPM_RH_NULL */
	cmd_end(b);
	return b->n;
}

static int read_pcr(uint8_t out[32])
{
	size_t n;

	if (transmit(&c_pcrread, &n) != 0 || n != 10 + 4 + 10 + 4 + 2 + 32 ||
	    get32(resp + 24) != 1 || get16(resp + 28) != 32)
		return -1;
	memcpy(out, resp + 30, 32);
	return 0;
}

/* One timed command; returns 0 if its answer is right. */
static int one(const char *name, unsigned int i)
{
	uint8_t cat[64];
	size_t n;
	long rc;

	if (!strcmp(name, "getrandom")) {
		rc = transmit(&c_getrandom, &n);
		return rc == 0 && n == 12 + 32 && get16(resp + 10) == 32 ? 0 : -1;
	}
	if (!strcmp(name, "pcrread")) {
		uint8_t v[32];

		if (read_pcr(v))
			return -1;
		return memcmp(v, pcr, 32) ? -1 : 0;
	}
	if (!strcmp(name, "extend")) {
		rc = transmit(&c_extend, &n);
		if (rc != 0 || n != 19)
			return -1;
		memcpy(cat, pcr, 32);
		memcpy(cat + 32, ext_digest, 32);
		sha256(cat, 64, pcr);
		/* the next extend's value: a function of the iteration */
		memcpy(cat, ext_digest, 32);
		memcpy(cat + 32, &i, sizeof(i));
		sha256(cat, 32 + sizeof(i), ext_digest);
		build_extend(ext_digest);
		return 0;
	}
	if (!strcmp(name, "createprimary")) {
		rc = transmit(&c_primary, &n);
		if (rc)
			say("vtis-bench: error CreatePrimary rc %#lx", rc);
		return rc == 0 && n > 14 && (get32(resp + 10) >> 24) == 0x80 ? 0 : -1;
	}
	if (!strcmp(name, "max")) {
		rc = transmit(&c_max, &n);
		return rc == RC_SIZE_P1 && n == 10 ? 0 : -1;
	}
	return -1;
}

/* After a CreatePrimary (untimed): flush the transient object. */
static void after(const char *name)
{
	size_t n;

	if (strcmp(name, "createprimary"))
		return;
	cmd_begin(&c_flush, 0x8001, 0x165);
	put32(&c_flush, get32(resp + 10));
	cmd_end(&c_flush);
	if (transmit(&c_flush, &n) != 0)
		say("vtis-bench: error flush of the primary key failed");
}

/* Wait (bounded) until GODIR/what-K exists. */
static int handover(const char *what, unsigned int k, const char *name)
{
	char path[512];
	struct stat st;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	if (!godir)
		return 0;
	say("vtis-bench: %s %u %s", what[0] == 'g' ? "ready" : "done", k, name);
	snprintf(path, sizeof(path), "%s/%s-%u", godir, what, k);
	for (i = 0; i < 30000; i++) {	/* 5 minutes */
		if (!stat(path, &st))
			return 0;
		nanosleep(&ts, NULL);
	}
	say("vtis-bench: error no %s from the host", path);
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run_batch(const char *name)
{
	unsigned int n = iter, i, ok = 0, k = ++seq;
	double *t, t0;
	uint8_t v[32];

	if (!strcmp(name, "createprimary") || !strcmp(name, "max"))
		n = iter_long;
	if (!n)
		return 0;
	t = calloc(n, sizeof(*t));
	if (!t)
		return -1;
	if (!strcmp(name, "extend") || !strcmp(name, "pcrread")) {
		if (read_pcr(pcr)) {
			say("vtis-bench: error PCR %d read before %s", PCR_IMA, name);
			free(t);
			return -1;
		}
	}
	if (handover("go", k, name)) {
		free(t);
		return -1;
	}
	for (i = 0; i < n; i++) {
		t0 = now_us();
		if (!one(name, i))
			ok++;
		t[i] = now_us() - t0;
		after(name);
	}
	if (handover("ack", k, name)) {
		free(t);
		return -1;
	}
	if (!strcmp(name, "extend")) {
		int same = !read_pcr(v) && !memcmp(v, pcr, 32);

		say("vtis-bench: info extend_chain %s (PCR %d after %u extends %s the SHA-256 chain)",
		    same ? "verified" : "MISMATCH", PCR_IMA, n,
		    same ? "equals" : "differs from");
		if (!same)
			ok = 0;
	}
	qsort(t, n, sizeof(*t), cmp_double);
	say("vtis-bench: result %s n=%u ok=%u median_us=%.1f p99_us=%.1f min_us=%.1f max_us=%.1f",
	    name, n, ok, n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2,
	    t[(unsigned int)((n - 1) * 0.99 + 0.5)], t[0], t[n - 1]);
	free(t);
	return ok == n ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const char *const all[] = {
		"getrandom", "pcrread", "extend", "createprimary", "max",
	};
	int c, i, rc = 0;

	while ((c = getopt(argc, argv, "d:f:n:N:g:M:")) != -1) {
		switch (c) {
		case 'M':
			max_bytes = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			fd = atoi(optarg);
			dev = "fd";
			break;
		case 'd':
			dev = optarg;
			break;
		case 'n':
			iter = strtoul(optarg, NULL, 0);
			break;
		case 'N':
			iter_long = strtoul(optarg, NULL, 0);
			break;
		case 'g':
			godir = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: tpmbench [-d DEV | -f FD] [-n ITER] [-N ITER_LONG] [-M MAX_BYTES]\n"
				"                [-g GODIR] [CMD...]\n");
			return 2;
		}
	}
	if (iter > 1000000 || iter_long > 1000000 || max_bytes < 64 ||
	    max_bytes > BUF_SIZE)
		return 2;
	if (fd >= 0) {
		/* -f FD: an open connection to a TPM (e.g. swtpm chardev --fd) */
	} else if (dev) {
		fd = open(dev, O_RDWR);
	} else {
		dev = "/dev/tpmrm0";
		fd = open(dev, O_RDWR);
		if (fd < 0) {
			dev = "/dev/tpm0";
			fd = open(dev, O_RDWR);
		}
	}
	if (fd < 0) {
		say("vtis-bench: error open %s: %s", dev, strerror(errno));
		return 1;
	}
	say("vtis-bench: info device=%s iter=%u iter_long=%u", dev, iter, iter_long);
	build();
	memset(ext_digest, 0xa5, sizeof(ext_digest));
	build_extend(ext_digest);
	say("vtis-bench: info max_command_bytes=%zu", build_max());
	if (optind == argc) {
		for (i = 0; i < (int)ARRAY_SIZE(all); i++)
			if (run_batch(all[i]))
				rc = 1;
	} else {
		for (i = optind; i < argc; i++)
			if (run_batch(argv[i]))
				rc = 1;
	}
	say("vtis-bench: end rc=%d", rc | failed);
	return rc | failed;
}
