// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the TIS core (kmod/tis.c, built unchanged through
 * kmod/tis_shim.h).  The input is a sequence of steps: guest MMIO accesses
 * anywhere in (and just past) the register window, interleaved with
 * backend events.  After every step the harness checks what must always
 * hold and abort()s when it does not.
 *
 * Input format (tests/fuzz/gen-corpus.py writes the same):
 *   byte 0          configuration: bit 0 family (0 = TPM 2.0, 1 = 1.2),
 *                   bit 1 backend answers from inside submit(),
 *                   bit 2 backend fails from inside cancel(),
 *                   bit 3 the owner listens to events,
 *                   bit 4 no submit or cancel callback, bit 5 no ops at all
 *   then steps, each an opcode byte; op & 7 selects:
 *   0, 1  MMIO: op bit 3 write, bits 4-5 width (1, 2, 4, 8),
 *         u16 le: page offset (bits 0-11), locality (bits 12-15, mod 5;
 *         0xf: a raw offset 0x5000 + bits 0-11, outside the window),
 *         then for a write <width> value bytes (little-endian, as on the
 *         bus)
 *   2     response: u16 le length (0 .. 0x1fff), mode byte:
 *         mode & 3 == 0  well-formed: tag u16 + rc u32 from the input, the
 *                        size field = length, body bytes from the input
 *                        (then a pattern)
 *         mode & 3 == 1  raw: all bytes from the input (then a pattern)
 *         mode & 3 == 2  the submitted command echoed back (aliasing)
 *         mode & 3 == 3  well-formed, but the size field off by mode >> 2
 *   3     backend failure (vtis_tis_backend_error)
 *   4     cancel acknowledged: a 10-byte TPM_RC_CANCELED / TPM_FAIL answer
 *   5     reset (op bit 3 clear) or re-init with the family in op bit 4
 *   6     a response with nothing pending: must be refused, state unchanged
 *         (skipped while a command is in flight)
 *   7     owner: bit 3 set establishment to bit 4; bit 5 save + reload the
 *         state; bit 6 toggle synchronous answers; next byte INT_VECTOR;
 *         bit 7 load a state blob: the current state with up to 7
 *         (u16 le offset, byte) changes (count in the next byte), as a
 *         migration stream from an untrusted VMM could carry
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tis.h"

#define MAX_RSP		0x1fffU
#define TPM_RC_CANCELED	0x909U

struct input {
	const u8 *p;
	size_t n;
};

struct harness {
	struct vtis_tis tis;
	u8 buf[VTIS_BUFFER_SIZE];	/* the core's buffer */
	enum vtis_family family;
	/* submit() calls, ever */
	unsigned long submits;
	/* a command is at the backend (submit seen, no accepted answer yet) */
	bool inflight;
	u8 inflight_loc;
	u8 cmd[VTIS_BUFFER_SIZE];	/* copy of the command in flight */
	u32 cmd_len;
	bool cancel_asked;
	/* the last answer the core accepted as well-formed */
	u8 rsp[VTIS_BUFFER_SIZE];
	u32 rsp_len;
	bool rsp_valid;
	/* synchronous backend behaviour */
	bool sync_submit;
	bool fail_on_cancel;
	int depth;			/* nesting of callbacks */
	bool irq_level;
	bool irq_known;
	u8 scratch[MAX_RSP + 16];
};

static struct harness h;

/* A state with a buffer of its own, for copies of the core's. */
struct state_copy {
	struct vtis_tis_state s;
	u8 buf[VTIS_BUFFER_SIZE];
};

static struct vtis_tis_state *state_copy(struct state_copy *c)
{
	c->s.buf = c->buf;
	vtis_tis_state_copy(&c->s, &h.tis.s);
	return &c->s;
}

/* The core's state equals @c: its fields and its buffer's bytes. */
static bool state_same(const struct vtis_tis_state *c)
{
	return !memcmp(c, &h.tis.s, VTIS_STATE_FIELDS_SIZE) &&
	       !memcmp(c->buf, h.tis.s.buf, VTIS_BUFFER_SIZE);
}

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "tis_fuzz: invariant failed at %s:%d: %s\n", \
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

static u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static u16 get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static bool take(struct input *in, void *out, size_t n)
{
	if (in->n < n)
		return false;
	memcpy(out, in->p, n);
	in->p += n;
	in->n -= n;
	return true;
}

static u8 take8(struct input *in, u8 dflt)
{
	u8 v;

	return take(in, &v, 1) ? v : dflt;
}

/* Fill @out with input bytes, then a pattern once the input runs dry. */
static void take_fill(struct input *in, u8 *out, size_t n)
{
	size_t got = in->n < n ? in->n : n;
	size_t i;

	take(in, out, got);
	for (i = got; i < n; i++)
		out[i] = (u8)(i * 0x9d + 0x3b);
}

/* --- the backend the core talks to -------------------------------------- */

static void deliver(const u8 *rsp, u32 len);
static void check_forwarded(const u8 *cmd, u32 len);

static void fz_submit(struct vtis_tis *tis, const u8 *cmd, u32 len, u8 loc)
{
	const struct vtis_tis_state *s = &tis->s;

	/* one command at a time, only checked commands, from the owner */
	CHECK(tis == &h.tis);
	CHECK(!h.inflight);
	CHECK(s->busy && s->next_locality == loc);
	CHECK(loc < VTIS_NUM_LOCALITIES && loc != 4);
	CHECK(s->active_locality == loc);
	CHECK(s->loc[loc].state == VTIS_LOC_EXECUTION);
	check_forwarded(cmd, len);
	CHECK(!(s->flags & VTIS_FLAG_OVERFLOW));
	h.submits++;
	h.inflight = true;
	h.inflight_loc = loc;
	/* from now on only this command's answer (or an error) may be read */
	h.rsp_valid = false;
	h.cancel_asked = false;
	memcpy(h.cmd, cmd, len);
	h.cmd_len = len;
	if (h.sync_submit) {
		u8 r[12];

		put_be16(r, h.family == VTIS_FAMILY_2_0 ?
			 VTIS_TPM2_ST_NO_SESSIONS : VTIS_TPM12_TAG_RSP_COMMAND);
		put_be32(r + 2, sizeof(r));
		put_be32(r + 6, 0);
		r[10] = 0xa5;
		r[11] = (u8)len;
		h.depth++;
		deliver(r, sizeof(r));
		h.depth--;
	}
}

static void fz_cancel(struct vtis_tis *tis)
{
	CHECK(tis == &h.tis);
	/* only a command at the backend can be cancelled */
	CHECK(h.inflight && tis->s.busy);
	h.cancel_asked = true;
	if (h.fail_on_cancel) {
		h.depth++;
		CHECK(h.depth < 4);
		deliver(NULL, 0);
		h.depth--;
	}
}

static void fz_irq(struct vtis_tis *tis, bool level)
{
	CHECK(tis == &h.tis);
	/* reported only when it changes */
	CHECK(!h.irq_known || level != h.irq_level);
	h.irq_level = level;
	h.irq_known = true;
}

static void fz_event(struct vtis_tis *tis, const struct vtis_tis_event *ev)
{
	CHECK(tis == &h.tis);
	CHECK(ev->type >= VTIS_EV_LOCALITY && ev->type <= VTIS_EV_COMPLETE);
	CHECK(ev->locality < VTIS_NUM_LOCALITIES ||
	      ev->locality == VTIS_NO_LOCALITY);
	CHECK(ev->len <= VTIS_BUFFER_SIZE || ev->type == VTIS_EV_REJECT);
	if (ev->type == VTIS_EV_SUBMIT)
		CHECK(ev->ordinal != VTIS_ORD_SET_LOCALITY);
}

static const struct vtis_tis_ops fz_ops = {
	.submit = fz_submit,
	.cancel = fz_cancel,
	.irq_line = fz_irq,
};

static const struct vtis_tis_ops fz_ops_irq_only = {
	.irq_line = fz_irq,
};

static const struct vtis_tis_ops *ops;

/* Hand the core an answer (NULL: backend failure) and track what it took */
static void deliver(const u8 *rsp, u32 len)
{
	bool was = h.inflight;
	bool aborting = h.tis.s.flags & VTIS_FLAG_ABORT;
	bool wellformed = rsp && len >= VTIS_HEADER_SIZE &&
			  len <= VTIS_BUFFER_SIZE && get_be32(rsp + 2) == len;
	u8 copy[VTIS_BUFFER_SIZE];
	bool taken;

	if (wellformed)
		memcpy(copy, rsp, len);
	taken = rsp ? vtis_tis_response(&h.tis, rsp, len) :
		      (vtis_tis_backend_error(&h.tis), was);
	/* taken exactly when a command was in flight */
	CHECK(taken == was);
	if (!taken)
		return;
	h.inflight = false;
	h.cancel_asked = false;
	if (aborting) {
		int l;

		/* the answer to an aborted command is never shown */
		h.rsp_valid = false;
		for (l = 0; l < VTIS_NUM_LOCALITIES; l++)
			CHECK(h.tis.s.loc[l].state != VTIS_LOC_COMPLETION);
		return;
	}
	h.rsp_valid = wellformed;
	if (wellformed) {
		memcpy(h.rsp, copy, len);
		h.rsp_len = len;
	}
}

/* --- invariants ---------------------------------------------------------- */

static u32 rd32(u32 off)
{
	u8 b[4];

	vtis_tis_read(&h.tis, off, 4, b);
	return b[0] | b[1] << 8 | b[2] << 16 | (u32)b[3] << 24;
}

/* Is the buffer a response the guest may read? */
static bool response_ok(const struct vtis_tis_state *s)
{
	u32 rc;
	u16 tag;

	if (s->len < VTIS_HEADER_SIZE || get_be32(s->buf + 2) != s->len)
		return false;
	if (h.rsp_valid && s->len == h.rsp_len &&
	    !memcmp(s->buf, h.rsp, s->len))
		return true;
	/* else one of the core's own 10-byte error responses */
	if (s->len != VTIS_HEADER_SIZE)
		return false;
	tag = get_be16(s->buf);
	rc = get_be32(s->buf + 6);
	if (h.family == VTIS_FAMILY_2_0)
		return tag == VTIS_TPM2_ST_NO_SESSIONS &&
		       (rc == VTIS_TPM2_RC_FAILURE ||
			rc == VTIS_TPM2_RC_COMMAND_SIZE ||
			rc == VTIS_TPM2_RC_COMMAND_CODE);
	return tag == VTIS_TPM12_TAG_RSP_COMMAND &&
	       (rc == VTIS_TPM12_FAIL || rc == VTIS_TPM12_BAD_ORDINAL ||
		rc == VTIS_TPM12_BAD_PARAM_SIZE);
}

static void check_state(void)
{
	const struct vtis_tis_state *s = &h.tis.s;
	u8 a = s->active_locality;
	u32 sts, burst, want_burst = 0, want_bits = VTIS_STS_VALID;
	int l, active = 0;

	CHECK(vtis_tis_state_check(s) == 0);
	CHECK(s->busy == h.inflight);
	/* the interrupt line follows the active locality's sources */
	if (ops) {
		bool level = false;

		if (a < VTIS_NUM_LOCALITIES)
			level = (s->loc[a].int_enable &
				 VTIS_INT_GLOBAL_ENABLE) &&
				(s->loc[a].int_status & s->loc[a].int_enable &
				 VTIS_INT_SUPPORTED);
		CHECK(h.irq_level == level);
	}
	if (h.inflight)
		CHECK(s->next_locality == h.inflight_loc);

	/* at most one locality claims to be active, and it is the core's */
	for (l = 0; l < VTIS_NUM_LOCALITIES; l++) {
		u8 acc;

		vtis_tis_read(&h.tis, (u32)l << VTIS_LOCALITY_SHIFT, 1, &acc);
		CHECK(acc & VTIS_ACCESS_REG_VALID);
		if (acc & VTIS_ACCESS_ACTIVE_LOCALITY) {
			active++;
			CHECK(l == a);
		}
		if (l != a) {
			CHECK(rd32(((u32)l << VTIS_LOCALITY_SHIFT) +
				   VTIS_REG_STS) == 0xffffffffU);
			CHECK(s->loc[l].state == VTIS_LOC_IDLE);
		}
	}
	CHECK(active <= 1);
	if (a == VTIS_NO_LOCALITY) {
		CHECK(active == 0);
		return;
	}
	CHECK(active == 1);

	/* burstCount and the status bits agree with the buffer */
	sts = rd32(((u32)a << VTIS_LOCALITY_SHIFT) + VTIS_REG_STS);
	burst = (sts & VTIS_STS_BURST_MASK) >> VTIS_STS_BURST_SHIFT;
	switch (s->loc[a].state) {
	case VTIS_LOC_READY:
		CHECK(s->len == 0);
		want_bits |= VTIS_STS_COMMAND_READY;
		want_burst = VTIS_BUFFER_SIZE;
		break;
	case VTIS_LOC_RECEPTION:
		want_burst = VTIS_BUFFER_SIZE - s->len;
		if (s->len < 6 || (s->len < VTIS_BUFFER_SIZE &&
				   get_be32(s->buf + 2) > s->len))
			want_bits |= VTIS_STS_EXPECT;
		break;
	case VTIS_LOC_EXECUTION:
		CHECK(h.inflight);
		break;
	case VTIS_LOC_COMPLETION:
		CHECK(response_ok(s));
		want_burst = s->len - s->rw_offset;
		if (want_burst)
			want_bits |= VTIS_STS_DATA_AVAIL;
		break;
	}
	if (h.family == VTIS_FAMILY_2_0)
		want_bits |= VTIS_STS_FAMILY_2_0;
	CHECK(burst == want_burst);
	CHECK((sts & ~VTIS_STS_BURST_MASK) == want_bits);
}

/* --- steps --------------------------------------------------------------- */

static void mmio(struct input *in, u8 op)
{
	static const u32 widths[4] = { 1, 2, 4, 8 };
	const struct vtis_tis_state *s = &h.tis.s;
	u32 width = widths[(op >> 4) & 3];
	u8 raw[2], val[8], before[8];
	u32 off, page, loc, i, rw, start_len;
	unsigned long submits;
	bool fifo_read, submitted;
	u8 a;

	if (!take(in, raw, 2))
		return;
	page = (raw[0] | raw[1] << 8) & 0xfff;
	loc = raw[1] >> 4;
	off = loc == 0xf ? VTIS_WINDOW_SIZE + page :
			   (loc % VTIS_NUM_LOCALITIES) << 12 | page;
	if (op & 8) {
		take_fill(in, val, width);
		submits = h.submits;
		submitted = vtis_tis_write(&h.tis, off, width, val);
		/* reported exactly when the write reached submit() */
		CHECK(submitted == (h.submits != submits));
		return;
	}

	/* a read: FIFO bytes must come, in order, from a good response */
	a = s->active_locality;
	fifo_read = a < VTIS_NUM_LOCALITIES && (off >> 12) == a &&
		    s->loc[a].state == VTIS_LOC_COMPLETION;
	rw = s->rw_offset;
	start_len = s->len;
	if (fifo_read)
		memcpy(h.scratch, s->buf, s->len);
	memset(val, 0x5a, sizeof(val));
	memcpy(before, val, sizeof(before));
	vtis_tis_read(&h.tis, off, width, val);
	if (!fifo_read)
		return;
	CHECK(s->len == start_len && s->rw_offset >= rw);
	CHECK(s->rw_offset - rw <= width);
	if (s->rw_offset == rw)
		return;
	/* the bytes moved are the next ones of the response, in order */
	for (i = 0; i < width && rw < s->rw_offset; i++) {
		u32 b = (off & 0xfff) + i;

		if ((b >= VTIS_REG_XDATA_FIFO && b <= VTIS_REG_XDATA_FIFO_END) ||
		    (b & ~3U) == VTIS_REG_DATA_FIFO)
			CHECK(val[i] == h.scratch[rw++]);
	}
	CHECK(rw == s->rw_offset);
}

static void response(struct input *in, u8 op)
{
	u8 raw[2], mode, *r = h.scratch;
	u32 len;

	(void)op;
	if (!take(in, raw, 2))
		return;
	len = (raw[0] | raw[1] << 8) & MAX_RSP;
	mode = take8(in, 0);
	switch (mode & 3) {
	case 0:
	case 3:
		take_fill(in, r, len);
		if (len >= 6) {
			u32 size = len;

			if ((mode & 3) == 3)
				size += (mode >> 2) ? (mode >> 2) : 1;
			put_be32(r + 2, size);
		}
		break;
	case 1:
		take_fill(in, r, len);
		break;
	case 2:
		if (!h.inflight)
			return;
		/* the core's own command buffer, as a backend could echo it */
		r = h.tis.s.buf;
		len = h.tis.s.len;
		break;
	}
	if (!h.inflight)
		return;		/* step 6 covers answers with nothing pending */
	deliver(r, len);
}

static void cancel_ack(void)
{
	u8 r[10];
	bool tpm2 = h.family == VTIS_FAMILY_2_0;

	if (!h.inflight)
		return;
	put_be16(r, tpm2 ? VTIS_TPM2_ST_NO_SESSIONS :
		 VTIS_TPM12_TAG_RSP_COMMAND);
	put_be32(r + 2, sizeof(r));
	put_be32(r + 6, tpm2 ? TPM_RC_CANCELED : VTIS_TPM12_FAIL);
	deliver(r, sizeof(r));
}

static void reinit(u8 op)
{
	if (op & 8) {
		h.family = (op & 0x10) ? VTIS_FAMILY_1_2 : VTIS_FAMILY_2_0;
		vtis_tis_init(&h.tis, h.family, ops, &h, h.buf);
		h.tis.event = fz_event;
		/* a new instance starts with its line low */
		h.irq_known = false;
		h.irq_level = false;
	} else {
		vtis_tis_reset(&h.tis);
	}
	/* the command in flight is forgotten; its answer must be ignored */
	h.inflight = false;
	h.cancel_asked = false;
	h.rsp_valid = false;
}

static void stray_answer(struct input *in)
{
	static struct state_copy copy;
	const struct vtis_tis_state *before;
	u8 r[16];

	if (h.inflight)
		return;
	take_fill(in, r, sizeof(r));
	put_be32(r + 2, sizeof(r));
	before = state_copy(&copy);
	CHECK(!vtis_tis_response(&h.tis, r, sizeof(r)));
	CHECK(state_same(before));
	vtis_tis_backend_error(&h.tis);
	CHECK(state_same(before));
}

/* The checks the backend applies to a command it is handed. */
static void check_forwarded(const u8 *cmd, u32 len)
{
	CHECK(len >= VTIS_HEADER_SIZE && len <= VTIS_BUFFER_SIZE);
	CHECK(get_be32(cmd + 2) == len);
	CHECK(get_be32(cmd) != VTIS_TCG_PREFIX);
	CHECK(get_be32(cmd + 6) != VTIS_ORD_SET_LOCALITY);
}

/*
 * Load a changed copy of the state.  If the core accepts it, the owner
 * resubmits a command in flight (tis.h), so that command must be one the
 * core would have forwarded, and a response held must be well-formed.
 */
static void load_blob(struct input *in)
{
	static struct state_copy copy;
	const struct vtis_tis_state *s = &h.tis.s;
	struct vtis_tis_state *st = state_copy(&copy);
	u8 n = take8(in, 0) & 7, raw[3];
	u32 at;
	u8 a;

	/* Changed bytes: of the fields, or of the buffer (not its pointer). */
	while (n-- && take(in, raw, 3)) {
		at = (raw[0] | raw[1] << 8) %
		     (VTIS_STATE_FIELDS_SIZE + VTIS_BUFFER_SIZE);
		if (at < VTIS_STATE_FIELDS_SIZE)
			((u8 *)st)[at] = raw[2];
		else
			st->buf[at - VTIS_STATE_FIELDS_SIZE] = raw[2];
	}
	if (vtis_tis_load_state(&h.tis, st))
		return;
	CHECK(state_same(st));
	CHECK(s->buf == h.buf);
	h.family = s->family;
	h.inflight = s->busy;
	h.inflight_loc = s->next_locality;
	h.cancel_asked = false;
	h.rsp_valid = false;
	a = s->active_locality;
	if (h.inflight)
		check_forwarded(s->buf, s->len);
	if (a < VTIS_NUM_LOCALITIES &&
	    s->loc[a].state == VTIS_LOC_COMPLETION) {
		/* what the guest will read is this response: it must be sound */
		CHECK(s->len >= VTIS_HEADER_SIZE && s->len <= VTIS_BUFFER_SIZE);
		CHECK(get_be32(s->buf + 2) == s->len);
		memcpy(h.rsp, s->buf, s->len);
		h.rsp_len = s->len;
		h.rsp_valid = true;
	}
}

static void owner(struct input *in, u8 op)
{
	static struct state_copy copy;
	const struct vtis_tis_state *st;
	u8 vec = take8(in, 0);

	if (op & 8)
		vtis_tis_set_established(&h.tis, op & 0x10);
	if (op & 0x20) {
		st = state_copy(&copy);
		CHECK(vtis_tis_load_state(&h.tis, st) == 0);
		CHECK(state_same(st));
	}
	if (op & 0x40)
		h.sync_submit = !h.sync_submit;
	vtis_tis_set_int_vector(&h.tis, vec);
	if (op & 0x80)
		load_blob(in);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size };
	u8 cfg = take8(&in, 0), op;

	memset(&h, 0, sizeof(h));
	h.family = (cfg & 1) ? VTIS_FAMILY_1_2 : VTIS_FAMILY_2_0;
	h.sync_submit = cfg & 2;
	h.fail_on_cancel = cfg & 4;
	ops = (cfg & 0x20) ? NULL : (cfg & 0x10) ? &fz_ops_irq_only : &fz_ops;
	vtis_tis_init(&h.tis, h.family, ops, &h, h.buf);
	if (cfg & 8)
		h.tis.event = fz_event;
	check_state();

	while (take(&in, &op, 1)) {
		switch (op & 7) {
		case 0:
		case 1:
			mmio(&in, op);
			break;
		case 2:
			response(&in, op);
			break;
		case 3:
			if (h.inflight)
				deliver(NULL, 0);
			break;
		case 4:
			cancel_ack();
			break;
		case 5:
			reinit(op);
			break;
		case 6:
			stray_answer(&in);
			break;
		case 7:
			owner(&in, op);
			break;
		}
		check_state();
	}
	return 0;
}
