// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace smoke test of the TIS core (kmod/tis.c built through
 * tis_shim.h): one TPM 2.0 command sequence as Linux's tpm_tis driver
 * performs it, plus a blocked guest command and a bad backend response.
 * Prints KTAP (tests/lib/ktap.h); exits 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>

#define KTAP_DEFINE_COUNTERS
#include "ktap.h"
#include "tis.h"

static int submits;
static u8 last_cmd[VTIS_BUFFER_SIZE];
static u32 last_len;
static u8 last_loc;

static void check(int cond, const char *what)
{
	ktap_test_result(cond, "tis-userspace.%s", what);
}

static void submit(struct vtis_tis *tis, const u8 *cmd, u32 len, u8 loc)
{
	(void)tis;
	submits++;
	last_len = len;
	last_loc = loc;
	if (len <= sizeof(last_cmd))
		memcpy(last_cmd, cmd, len);
}

static void cancel(struct vtis_tis *tis)
{
	(void)tis;
}

static const struct vtis_tis_ops ops = {
	.submit = submit,
	.cancel = cancel,
};

static u32 rd(struct vtis_tis *tis, u32 off, u32 len)
{
	u8 b[4] = { 0 };
	u32 i, v = 0;

	vtis_tis_read(tis, off, len, b);
	for (i = 0; i < len && i < 4; i++)
		v |= (u32)b[i] << (8 * i);
	return v;
}

static void wr8(struct vtis_tis *tis, u32 off, u8 v)
{
	vtis_tis_write(tis, off, 1, &v);
}

static const u8 getrandom[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x01, 0x7b, 0x00, 0x08,
};

static const u8 getrandom_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
};

/* Linux's send + recv for locality 0; returns the bytes received */
static u32 transmit(struct vtis_tis *tis, const u8 *cmd, u32 len,
		    const u8 *rsp, u32 rsp_len, u8 *out, u32 max)
{
	u32 i, n = 0, sts, size;

	wr8(tis, VTIS_REG_ACCESS, VTIS_ACCESS_REQUEST_USE);
	if (!(rd(tis, VTIS_REG_ACCESS, 1) & VTIS_ACCESS_ACTIVE_LOCALITY))
		return 0;
	wr8(tis, VTIS_REG_STS, VTIS_STS_COMMAND_READY);
	if (!(rd(tis, VTIS_REG_STS, 1) & VTIS_STS_COMMAND_READY))
		return 0;
	if (((rd(tis, VTIS_REG_STS, 4) >> 8) & 0xffff) < len - 1)
		return 0;
	for (i = 0; i < len - 1; i++)
		wr8(tis, VTIS_REG_DATA_FIFO, cmd[i]);
	if (!(rd(tis, VTIS_REG_STS, 1) & VTIS_STS_EXPECT))
		return 0;
	wr8(tis, VTIS_REG_DATA_FIFO, cmd[i]);
	if (rd(tis, VTIS_REG_STS, 1) & VTIS_STS_EXPECT)
		return 0;
	wr8(tis, VTIS_REG_STS, VTIS_STS_GO);
	if (rsp)
		vtis_tis_response(tis, rsp, rsp_len);
	else
		vtis_tis_backend_error(tis);
	for (;;) {
		sts = rd(tis, VTIS_REG_STS, 1);
		if (sts & 0x23)
			return 0;
		if (!(sts & VTIS_STS_DATA_AVAIL) || n >= max)
			break;
		out[n++] = rd(tis, VTIS_REG_DATA_FIFO, 1);
	}
	size = n >= 6 ? (u32)out[2] << 24 | (u32)out[3] << 16 |
			(u32)out[4] << 8 | out[5] : 0;
	wr8(tis, VTIS_REG_STS, VTIS_STS_COMMAND_READY);
	wr8(tis, VTIS_REG_ACCESS, VTIS_ACCESS_ACTIVE_LOCALITY);
	return size == n ? n : 0;
}

/* xorshift32: a fixed, portable sequence */
static u32 rnd_state = 0x2545f491;

static u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/*
 * A long random walk of guest accesses and backend events; the state must
 * pass vtis_tis_state_check() after every step.  Returns the failing step
 * or 0.
 */
static u32 random_walk(enum vtis_family family, u32 steps)
{
	static const u32 regs[] = { 0x00, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x19,
				    0x1b, 0x24, 0x25, 0x28, 0x30, 0x80, 0xbc,
				    0xf00, 0xf04, 0xffc, 0x0fff };
	static const u32 lens[] = { 1, 1, 1, 2, 4, 4, 8, 3 };
	static struct vtis_tis tis;
	static u8 buf[VTIS_BUFFER_SIZE];
	static u8 rsp[VTIS_BUFFER_SIZE + 16];
	u8 val[8];
	u32 i, k, r, off, len, rlen;

	vtis_tis_init(&tis, family, &ops, NULL, buf);
	for (i = 1; i <= steps; i++) {
		r = rnd();
		off = ((r >> 8) % 5) << VTIS_LOCALITY_SHIFT;
		off += regs[(r >> 12) % ARRAY_SIZE(regs)];
		len = lens[(r >> 20) % ARRAY_SIZE(lens)];
		/* mostly the active locality, where things happen */
		if (tis.s.active_locality < VTIS_NUM_LOCALITIES &&
		    (r & 0x3000000))
			off = (u32)tis.s.active_locality << VTIS_LOCALITY_SHIFT |
			      (off & 0xfffU);
		for (k = 0; k < sizeof(val); k++)
			val[k] = rnd();
		switch (r % 16) {
		case 0:
			if (vtis_tis_busy(&tis)) {
				/* a response, well formed or not */
				rlen = rnd() % 40;
				for (k = 0; k < rlen; k++)
					rsp[k] = rnd();
				if (rnd() & 1 && rlen >= 6) {
					rsp[2] = 0;
					rsp[3] = 0;
					rsp[4] = 0;
					rsp[5] = rlen;
				}
				vtis_tis_response(&tis, rsp, rlen);
			}
			break;
		case 1:
			if (r & 0x10000)
				vtis_tis_backend_error(&tis);
			else if ((r & 0xff0000) == 0x220000)
				vtis_tis_reset(&tis);
			break;
		case 2:
		case 3:
		case 4:
		case 5:
			/* STS commands and ACCESS, the interesting bytes */
			val[0] = 1U << (rnd() % 8);
			if (r & 0x4000) {
				off = (off & ~0xfffU) | 0x18;
				if (r & 0x8000)
					val[0] = VTIS_STS_GO;
				else if ((r & 0x10000) &&
					 (tis.s.rw_offset != tis.s.len ||
					  tis.s.len == 0 || tis.s.len >= 30 ||
					  !(r & 0xe0000)))
					val[0] = VTIS_STS_COMMAND_READY;
			} else {
				off = off & ~0xfffU;
				if (r & 0x8000)
					val[0] = VTIS_ACCESS_REQUEST_USE;
			}
			vtis_tis_write(&tis, off, 1, val);
			break;
		case 6:
		case 7:
		case 8:
		case 9:
			vtis_tis_read(&tis, off, len, val);
			break;
		default:
			/* mostly FIFO bytes: commands with plausible headers */
			if (r & 0x3000)
				off = (off & ~0xfffU) | 0x24;
			if (r & 0x700000) {
				len = 1;
				k = tis.s.len;
				if (k < 2)
					val[0] = k ? 0x01 : 0x80;
				else if (k < 5)
					val[0] = 0;
				else if (k == 5)
					val[0] = 10 + rnd() % 20;
				else if (k >= tis.s.buf[5] && !(r & 0x800000))
					break;	/* complete: mostly don't overfill */
			}
			vtis_tis_write(&tis, off, len, val);
			break;
		}
		if (vtis_tis_state_check(&tis.s))
			return i;
	}
	return 0;
}

int main(void)
{
	static struct vtis_tis tis;
	static u8 buf[VTIS_BUFFER_SIZE];
	u8 out[64];
	u8 bad[11] = { 0x80, 0x01, 0x00, 0x00, 0x00, 0x0b,
		       0x20, 0x00, 0x10, 0x00, 0x03 };
	u8 short_rsp[9] = { 0x80, 0x01, 0x00, 0x00, 0x00, 0x09, 0, 0, 0 };
	u32 n;

	ktap_print_header();

	vtis_tis_init(&tis, VTIS_FAMILY_2_0, &ops, NULL, buf);
	check(rd(&tis, VTIS_REG_DID_VID, 4) == VTIS_DID_VID &&
	      rd(&tis, VTIS_REG_INTF_CAPABILITY, 4) == 0x30000697U &&
	      rd(&tis, VTIS_REG_INTERFACE_ID, 4) == 0x2100U,
	      "probe-registers");

	n = transmit(&tis, getrandom, sizeof(getrandom), getrandom_rsp,
		     sizeof(getrandom_rsp), out, sizeof(out));
	check(submits == 1 && last_len == sizeof(getrandom) && last_loc == 0 &&
	      !memcmp(last_cmd, getrandom, sizeof(getrandom)),
	      "command-reaches-backend");
	check(n == sizeof(getrandom_rsp) &&
	      !memcmp(out, getrandom_rsp, sizeof(getrandom_rsp)),
	      "response-read-back");

	n = transmit(&tis, bad, sizeof(bad), getrandom_rsp,
		     sizeof(getrandom_rsp), out, sizeof(out));
	check(submits == 1 && n == 10 && out[9] == 0x43 && out[8] == 0x01,
	      "set-locality-blocked");

	n = transmit(&tis, getrandom, sizeof(getrandom), short_rsp,
		     sizeof(short_rsp), out, sizeof(out));
	check(submits == 2 && n == 10 && out[0] == 0x80 && out[1] == 0x01 &&
	      out[8] == 0x01 && out[9] == 0x01, "bad-response-failure");

	n = transmit(&tis, getrandom, sizeof(getrandom), NULL, 0, out,
		     sizeof(out));
	check(submits == 3 && n == 10 && out[9] == 0x01, "backend-error");

	check(vtis_tis_state_check(&tis.s) == 0 &&
	      tis.s.active_locality == VTIS_NO_LOCALITY, "state-consistent");

	n = random_walk(VTIS_FAMILY_2_0, 300000);
	if (n)
		ktap_print_msg("state invalid after step %u", n);
	check(!n, "random-walk-tpm2");
	n = random_walk(VTIS_FAMILY_1_2, 300000);
	if (n)
		ktap_print_msg("state invalid after step %u", n);
	check(!n, "random-walk-tpm12");
	ktap_print_msg("random walk: %d commands reached the backend", submits);
	return ktap_finished();
}
