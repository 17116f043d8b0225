// SPDX-License-Identifier: GPL-2.0
/*
 * The test guest: a polling TIS (FIFO) driver that does what Linux's
 * tpm_tis_core does on the register level (8-bit FIFO and ACCESS accesses,
 * 32-bit reads for burstCount, STS polling with bounded waits, locality
 * request and relinquish per command), and a polling CRB driver after
 * Linux's tpm_crb with ACPI start method 7 (locality request, cmdReady,
 * CTRL_CANCEL cleared, the command into the buffer as x86 memcpy_toio
 * moves it, START, CTRL_START polled, the response read, goIdle,
 * relinquish), driven by the VMM through the mailbox (mailbox.h).  Runs
 * in 32-bit flat protected mode, no interrupts, no paging.
 */
#include <stddef.h>
#include <stdint.h>

#include "crb_regs.h"
#include "mailbox.h"
#include "tis_regs.h"

#define TPM_HEADER_SIZE		10
#define TPM_BUFSIZE		4096

/*
 * This vCPU's mailbox: its stack lies right below it (mailbox.h), so it is
 * the stack pointer rounded up to MB_VCPU_STRIDE.  vCPUs run this code at
 * the same time: no shared writable variables, except the storms' random
 * state (one vCPU storms at a time).
 */
static inline struct mailbox *this_mb(void)
{
	uint32_t sp;

	__asm__("movl %%esp, %0" : "=r"(sp));
	return (struct mailbox *)((sp + MB_VCPU_STRIDE - 1) &
				  ~(MB_VCPU_STRIDE - 1));
}

#define mb		(this_mb())
#define tis_base	(mb->tis_base)

/* ---- port I/O, time ---------------------------------------------------- */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t deadline_ms(uint32_t ms)
{
	return rdtsc() + (uint64_t)ms * mb->tsc_khz;
}

static int expired(uint64_t deadline)
{
	return (int64_t)(rdtsc() - deadline) >= 0;
}

static void udelay(uint32_t us)
{
	uint64_t end = rdtsc() + (uint64_t)us * (mb->tsc_khz / 1000);

	while ((int64_t)(rdtsc() - end) < 0)
		__asm__ volatile("pause");
}

static void log_str(const char *s)
{
	while (*s)
		outb(MB_PORT_LOG, (uint8_t)*s++);
}

/* ---- TIS register access (counted) -------------------------------------- */

static volatile void *reg(unsigned int loc, uint32_t off)
{
	return (volatile void *)(uintptr_t)(tis_base + (loc << 12) + off);
}

/*
 * The statistics class of the CRB register at off, as kvm_vtis counts it:
 * locality registers access, the control area sts, interrupts int, the
 * buffer fifo, INTF_ID id, the rest other.
 */
static unsigned int crb_reg_class(uint32_t off)
{
	if (off >= CRB_BUF)
		return 3;
	switch (off & ~3u) {
	case CRB_LOC_STATE:
	case CRB_LOC_CTRL:
	case CRB_LOC_STS:
		return 0;
	case CRB_INT_ENABLE:
	case CRB_INT_STS:
		return 1;
	case CRB_CTRL_REQ:
	case CRB_CTRL_STS:
	case CRB_CTRL_CANCEL:
	case CRB_CTRL_START:
		return 2;
	case CRB_INTF_ID:
	case CRB_INTF_ID + 4:
		return 4;
	default:
		return 5;
	}
}

/*
 * The statistics class of the register at off, as kvm_vtis counts it
 * (KVM_VTIS_REG_*: access, int, sts, fifo, id, other).
 */
static unsigned int reg_class(uint32_t off)
{
	off &= 0xfff;
	if (mb->interface == MB_IF_CRB)
		return crb_reg_class(off);
	if ((off >= 0x80 && off <= 0xbf) || (off & ~3u) == TIS_DATA_FIFO)
		return 3;
	switch (off & ~3u) {
	case TIS_ACCESS:
		return 0;
	case TIS_INT_ENABLE:
	case 0x0c:		/* INT_VECTOR */
	case 0x10:		/* INT_STATUS */
		return 1;
	case TIS_STS:
		return 2;
	case TIS_INTF_CAPS:
	case TIS_INTERFACE_ID:
	case TIS_DID_VID:
	case TIS_RID:
		return 4;
	default:
		return 5;
	}
}

static void count_read(uint32_t off)
{
	mb->mmio_reads++;
	mb->class_reads[reg_class(off)]++;
}

static void count_write(uint32_t off)
{
	mb->mmio_writes++;
	mb->class_writes[reg_class(off)]++;
}

/*
 * With mailbox.time_accesses set, every access is timed and the slowest
 * kept: an access the device held up (waiting for its backend) shows.
 */
static uint64_t access_start(void)
{
	return mb->time_accesses ? rdtsc() : 0;
}

static void access_end(uint64_t t0)
{
	uint64_t d, max;

	if (!t0)
		return;
	d = rdtsc() - t0;
	max = (uint64_t)mb->access_max_hi << 32 | mb->access_max_lo;
	if (d > max) {
		mb->access_max_lo = (uint32_t)d;
		mb->access_max_hi = (uint32_t)(d >> 32);
	}
}

#define TIMED_READ(type, loc, off)					\
	({								\
		uint64_t t0_ = access_start();				\
		type v_ = *(volatile type *)reg(loc, off);		\
		access_end(t0_);					\
		v_;							\
	})

#define TIMED_WRITE(type, loc, off, v)					\
	do {								\
		uint64_t t0_ = access_start();				\
		*(volatile type *)reg(loc, off) = (v);			\
		access_end(t0_);					\
	} while (0)

static uint8_t rd8(unsigned int loc, uint32_t off)
{
	count_read(off);
	return TIMED_READ(uint8_t, loc, off);
}

static uint16_t rd16(unsigned int loc, uint32_t off)
{
	count_read(off);
	return TIMED_READ(uint16_t, loc, off);
}

static uint32_t rd32(unsigned int loc, uint32_t off)
{
	count_read(off);
	return TIMED_READ(uint32_t, loc, off);
}

static void wr8(unsigned int loc, uint32_t off, uint8_t v)
{
	count_write(off);
	TIMED_WRITE(uint8_t, loc, off, v);
}

static void wr16(unsigned int loc, uint32_t off, uint16_t v)
{
	count_write(off);
	TIMED_WRITE(uint16_t, loc, off, v);
}

static void wr32(unsigned int loc, uint32_t off, uint32_t v)
{
	count_write(off);
	TIMED_WRITE(uint32_t, loc, off, v);
}

/*
 * 8-byte accesses: the guest is 32-bit, so through an MMX register (movq),
 * which KVM's emulator hands to the device as one 8-byte access.
 */
static void rd64(unsigned int loc, uint32_t off, uint8_t out[8])
{
	count_read(off);
	__asm__ volatile("movq (%1), %%mm0\n\tmovq %%mm0, (%0)"
			 : : "r"(out), "r"(reg(loc, off)) : "memory");
}

static void wr64(unsigned int loc, uint32_t off, const uint8_t in[8])
{
	count_write(off);
	__asm__ volatile("movq (%0), %%mm0\n\tmovq %%mm0, (%1)"
			 : : "r"(in), "r"(reg(loc, off)) : "memory");
}

/* ---- the driver, after tpm_tis_core ------------------------------------- */

static int check_locality(unsigned int l)
{
	uint8_t access = rd8(l, TIS_ACCESS);

	return (access & (ACCESS_VALID | ACCESS_ACTIVE | ACCESS_REQUEST_USE)) ==
	       (ACCESS_VALID | ACCESS_ACTIVE);
}

/*
 * Poll cond(l) every poll_us until it holds (MB_OK) or the guest's bound
 * passes (err); the first check comes at once.
 */
static int poll_for(int (*cond)(unsigned int), unsigned int l, int err)
{
	uint64_t stop = deadline_ms(mb->timeout_ms);

	do {
		if (cond(l))
			return MB_OK;
		udelay(mb->poll_us);
	} while (!expired(stop));
	return err;
}

static int request_locality(unsigned int l)
{
	if (check_locality(l))
		return MB_OK;
	wr8(l, TIS_ACCESS, ACCESS_REQUEST_USE);
	return poll_for(check_locality, l, MB_E_LOCALITY);
}

static void release_locality(unsigned int l)
{
	wr8(l, TIS_ACCESS, ACCESS_ACTIVE);
}

static int access_valid(unsigned int l)
{
	return rd8(l, TIS_ACCESS) & ACCESS_VALID;
}

static int wait_startup(unsigned int l)
{
	return poll_for(access_valid, l, MB_E_STARTUP);
}

/* STS as 8 bits; the bits of STS_READ_ZERO must read 0. */
static int tis_status(unsigned int l, uint8_t *sts)
{
	*sts = rd8(l, TIS_STS);
	mb->last_sts = *sts;
	if (*sts & STS_READ_ZERO)
		return MB_E_STS_INVALID;
	return MB_OK;
}

static void tis_ready(unsigned int l)
{
	wr8(l, TIS_STS, STS_COMMAND_READY);
}

static int wait_for_stat(unsigned int l, uint8_t mask, uint32_t ms, int err)
{
	uint64_t stop;
	uint8_t sts;
	int rc;

	/* The first check comes at once, as in Linux. */
	rc = tis_status(l, &sts);
	if (rc)
		return rc;
	if ((sts & mask) == mask)
		return MB_OK;
	stop = deadline_ms(ms);
	do {
		udelay(mb->poll_us);
		mb->polls++;
		rc = tis_status(l, &sts);
		if (rc)
			return rc;
		if ((sts & mask) == mask)
			return MB_OK;
	} while (!expired(stop));
	return err;
}

static uint32_t get_burstcount(unsigned int l)
{
	uint64_t stop = deadline_ms(mb->timeout_ms);
	uint32_t v, burst;

	do {
		v = rd32(l, TIS_STS);
		mb->last_sts = v;
		burst = (v >> 8) & 0xffff;
		if (burst)
			return burst;
		udelay(mb->poll_us);
	} while (!expired(stop));
	return 0;
}

static int send_data(unsigned int l, const uint8_t *buf, uint32_t len)
{
	uint32_t count = 0, burst, i;
	uint8_t sts;
	int rc;

	rc = tis_status(l, &sts);
	if (rc)
		return rc;
	if (!(sts & STS_COMMAND_READY)) {
		tis_ready(l);
		rc = wait_for_stat(l, STS_COMMAND_READY, mb->timeout_ms,
				   MB_E_READY);
		if (rc)
			return rc;
	}
	while (count < len - 1) {
		burst = get_burstcount(l);
		if (!burst)
			return MB_E_BURST;
		if (burst > len - 1 - count)
			burst = len - 1 - count;
		for (i = 0; i < burst; i++)
			wr8(l, TIS_DATA_FIFO, buf[count++]);
		rc = wait_for_stat(l, STS_VALID, mb->timeout_ms, MB_E_VALID);
		if (rc)
			return rc;
		rc = tis_status(l, &sts);
		if (rc)
			return rc;
		if (!(sts & STS_DATA_EXPECT))
			return MB_E_EXPECT_EARLY;
	}
	wr8(l, TIS_DATA_FIFO, buf[count]);
	rc = wait_for_stat(l, STS_VALID, mb->timeout_ms, MB_E_VALID);
	if (rc)
		return rc;
	rc = tis_status(l, &sts);
	if (rc)
		return rc;
	if (sts & STS_DATA_EXPECT)
		return MB_E_EXPECT_LATE;
	return MB_OK;
}

static int recv_data(unsigned int l, uint8_t *buf, uint32_t *size,
		     uint32_t count)
{
	uint32_t burst, i;
	int rc;

	while (*size < count) {
		rc = wait_for_stat(l, STS_DATA_AVAIL | STS_VALID,
				   mb->timeout_ms, MB_E_RESP_SHORT);
		if (rc)
			return rc;
		burst = get_burstcount(l);
		if (!burst)
			return MB_E_BURST;
		if (burst > count - *size)
			burst = count - *size;
		for (i = 0; i < burst; i++)
			buf[(*size)++] = rd8(l, TIS_DATA_FIFO);
	}
	return MB_OK;
}

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static int recv(unsigned int l, uint8_t *buf, uint32_t *len)
{
	uint32_t size = 0, expected;
	uint8_t sts;
	int rc;

	rc = recv_data(l, buf, &size, TPM_HEADER_SIZE);
	if (rc)
		return rc;
	expected = be32(buf + 2);
	if (expected < TPM_HEADER_SIZE || expected > TPM_BUFSIZE)
		return MB_E_RESP_SIZE;
	rc = recv_data(l, buf, &size, expected);
	*len = size;
	if (rc)
		return rc;
	rc = wait_for_stat(l, STS_VALID, mb->timeout_ms, MB_E_VALID);
	if (rc)
		return rc;
	rc = tis_status(l, &sts);
	if (rc)
		return rc;
	if (sts & STS_DATA_AVAIL)
		return MB_E_DATA_LEFT;
	return MB_OK;
}

/* After a command, also a failed one: commandReady, then relinquish. */
static void tx_end(unsigned int l, uint32_t flags)
{
	tis_ready(l);
	if (!(flags & MB_TX_NO_RELINQUISH))
		release_locality(l);
}

/* Request the locality, send the command, go. */
static int tx_send(unsigned int l, const uint8_t *cmd, uint32_t len,
		   uint32_t flags)
{
	int rc;

	if (len < TPM_HEADER_SIZE || len > TPM_BUFSIZE)
		return MB_E_BAD_ARG;
	if (!(flags & MB_TX_NO_REQUEST)) {
		rc = request_locality(l);
		if (rc)
			return rc;
	}
	rc = send_data(l, cmd, len);
	if (rc) {
		tx_end(l, flags);
		return rc;
	}
	wr8(l, TIS_STS, STS_GO);
	mb->commands++;
	return MB_OK;
}

/* Wait for the response, read it, commandReady, relinquish. */
static int tx_recv(unsigned int l, uint8_t *resp, uint32_t *resp_len,
		   uint32_t flags)
{
	int rc;

	*resp_len = 0;
	rc = wait_for_stat(l, STS_DATA_AVAIL | STS_VALID, mb->duration_ms,
			   MB_E_DURATION);
	if (!rc)
		rc = recv(l, resp, resp_len);
	tx_end(l, flags);
	return rc;
}

/* One command at locality l: send, go, wait, receive, commandReady. */
static int transmit(unsigned int l, const uint8_t *cmd, uint32_t len,
		    uint8_t *resp, uint32_t *resp_len, uint32_t flags)
{
	int rc;

	*resp_len = 0;
	rc = tx_send(l, cmd, len, flags);
	if (rc)
		return rc;
	return tx_recv(l, resp, resp_len, flags);
}

/* ---- the CRB driver, after tpm_crb (ACPI start method 7) ---------------- */

/* Poll the 32-bit register off until (v & mask) == want, or ms pass. */
static int crb_wait(unsigned int l, uint32_t off, uint32_t mask, uint32_t want,
		    uint32_t ms, int err)
{
	uint64_t stop = deadline_ms(ms);
	uint32_t v;

	for (;;) {
		v = rd32(l, off);
		mb->last_sts = v;
		if ((v & mask) == want)
			return MB_OK;
		if (expired(stop))
			return err;
		udelay(mb->poll_us);
		mb->polls++;
	}
}

/* LOC_STATE says locality l is assigned (and the registers valid). */
static int crb_has_locality(unsigned int l)
{
	uint32_t v = rd32(l, CRB_LOC_STATE);

	mb->last_sts = v;
	return (v & (CRB_LOC_STATE_ASSIGNED | CRB_LOC_STATE_VALID)) ==
	       (CRB_LOC_STATE_ASSIGNED | CRB_LOC_STATE_VALID) &&
	       CRB_LOC_STATE_ACTIVE(v) == l;
}

static int crb_request(unsigned int l)
{
	if (crb_has_locality(l))
		return MB_OK;
	wr32(l, CRB_LOC_CTRL, CRB_LOC_CTRL_REQUEST);
	return poll_for(crb_has_locality, l, MB_E_LOCALITY);
}

/*
 * The registers are valid and locality l is not the assigned one
 * (tpm_crb waits for valid and none assigned; another locality's pending
 * request may be granted at once here).
 */
static int crb_released(unsigned int l)
{
	uint32_t v = rd32(l, CRB_LOC_STATE);

	mb->last_sts = v;
	return (v & CRB_LOC_STATE_VALID) &&
	       (!(v & CRB_LOC_STATE_ASSIGNED) || CRB_LOC_STATE_ACTIVE(v) != l);
}

static int crb_relinquish(unsigned int l)
{
	wr32(l, CRB_LOC_CTRL, CRB_LOC_CTRL_RELINQUISH);
	return poll_for(crb_released, l, MB_E_LOCALITY);
}

/* CTRL_REQ bit req (cmdReady or goIdle), until the TPM clears it. */
static int crb_ctrl_req(unsigned int l, uint32_t req)
{
	wr32(l, CRB_CTRL_REQ, req);
	return crb_wait(l, CRB_CTRL_REQ, req, 0, mb->timeout_ms, MB_E_READY);
}

/*
 * After a command, also a failed one: goIdle, then relinquish.  Returns
 * rc, or when that is MB_OK the first of the two that failed.
 */
static int crb_tx_end(unsigned int l, uint32_t flags, int rc)
{
	int idle = crb_ctrl_req(l, CRB_REQ_GO_IDLE);
	int rel = MB_OK;

	if (!(flags & MB_TX_NO_RELINQUISH))
		rel = crb_relinquish(l);
	if (rc)
		return rc;
	return idle ? idle : rel;
}

/*
 * The largest command or response: what the size register says, but never
 * past the locality's page (the registers of the next one follow it) nor
 * the driver's own buffer.
 */
static uint32_t crb_buf_limit(unsigned int l, uint32_t size_reg)
{
	uint32_t n = rd32(l, size_reg);

	if (n > 0x1000 - CRB_BUF)
		n = 0x1000 - CRB_BUF;
	return n < TPM_BUFSIZE ? n : TPM_BUFSIZE;
}

/*
 * x86 memcpy_toio()/memcpy_fromio() to an aligned buffer: 4-byte moves
 * (rep movsl), then a 2-byte move (movsw) and a byte (movsb) for the tail.
 */
static void crb_write_buf(unsigned int l, const uint8_t *cmd, uint32_t len)
{
	uint32_t i;

	for (i = 0; i + 4 <= len; i += 4)
		wr32(l, CRB_BUF + i, (uint32_t)cmd[i] | (uint32_t)cmd[i + 1] << 8 |
		     (uint32_t)cmd[i + 2] << 16 | (uint32_t)cmd[i + 3] << 24);
	if (len - i >= 2) {
		wr16(l, CRB_BUF + i, (uint16_t)(cmd[i] | cmd[i + 1] << 8));
		i += 2;
	}
	if (i < len)
		wr8(l, CRB_BUF + i, cmd[i]);
}

/* Request the locality, cmdReady, the command into the buffer, START. */
static int crb_tx_send(unsigned int l, const uint8_t *cmd, uint32_t len,
		       uint32_t flags)
{
	uint32_t size;
	int rc;

	if (len < TPM_HEADER_SIZE || len > TPM_BUFSIZE)
		return MB_E_BAD_ARG;
	if (!(flags & MB_TX_NO_REQUEST)) {
		rc = crb_request(l);
		if (rc)
			return rc;
	}
	rc = crb_ctrl_req(l, CRB_REQ_CMD_READY);
	if (!rc && (rd32(l, CRB_CTRL_STS) & CRB_STS_ERROR))
		rc = MB_E_STS_INVALID;
	size = rc ? 0 : crb_buf_limit(l, CRB_CMD_SIZE);
	if (!rc && len > size)
		rc = MB_E_BAD_ARG;
	if (rc)
		return crb_tx_end(l, flags, rc);
	/* As tpm_crb: a cancel left set must not cancel this command. */
	wr32(l, CRB_CTRL_CANCEL, 0);
	crb_write_buf(l, cmd, len);
	wr32(l, CRB_CTRL_START, CRB_START_INVOKE);
	mb->commands++;
	return MB_OK;
}

/* memcpy_fromio() of n bytes at off of the buffer into buf + off. */
static void crb_read_buf(unsigned int l, uint8_t *buf, uint32_t off,
			 uint32_t n)
{
	uint32_t i = off, v;

	for (; i + 4 <= off + n; i += 4) {
		v = rd32(l, CRB_BUF + i);
		buf[i] = (uint8_t)v;
		buf[i + 1] = (uint8_t)(v >> 8);
		buf[i + 2] = (uint8_t)(v >> 16);
		buf[i + 3] = (uint8_t)(v >> 24);
	}
	if (off + n - i >= 2) {
		v = rd16(l, CRB_BUF + i);
		buf[i] = (uint8_t)v;
		buf[i + 1] = (uint8_t)(v >> 8);
		i += 2;
	}
	if (i < off + n)
		buf[i] = rd8(l, CRB_BUF + i);
}

/* Wait until CTRL_START clears, read the response, goIdle, relinquish. */
static int crb_tx_recv(unsigned int l, uint8_t *resp, uint32_t *resp_len,
		       uint32_t flags)
{
	uint32_t expected;
	int rc;

	*resp_len = 0;
	rc = crb_wait(l, CRB_CTRL_START, CRB_START_INVOKE, 0, mb->duration_ms,
		      MB_E_DURATION);
	if (!rc && (rd32(l, CRB_CTRL_STS) & CRB_STS_ERROR))
		rc = MB_E_STS_INVALID;
	if (!rc) {
		/* As tpm_crb: the first 8 bytes, then the rest. */
		crb_read_buf(l, resp, 0, 8);
		expected = be32(resp + 2);
		if (expected < TPM_HEADER_SIZE ||
		    expected > crb_buf_limit(l, CRB_RSP_SIZE)) {
			rc = MB_E_RESP_SIZE;
		} else {
			crb_read_buf(l, resp, 8, expected - 8);
			*resp_len = expected;
		}
	}
	return crb_tx_end(l, flags, rc);
}

static int crb_transmit(unsigned int l, const uint8_t *cmd, uint32_t len,
			uint8_t *resp, uint32_t *resp_len, uint32_t flags)
{
	int rc;

	*resp_len = 0;
	rc = crb_tx_send(l, cmd, len, flags);
	if (rc)
		return rc;
	return crb_tx_recv(l, resp, resp_len, flags);
}

/* The part of tpm_tis_core_init() and tpm2_probe() that touches the TIS. */
static int probe(void)
{
	static const uint8_t get_cap[] = {
		0x80, 0x01, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x01, 0x7a,
		0x00, 0x00, 0x00, 0x06,		/* TPM_CAP_TPM_PROPERTIES */
		0x00, 0x00, 0x01, 0x2e,		/* TPM_PT_TOTAL_COMMANDS */
		0x00, 0x00, 0x00, 0x01,		/* one property */
	};
	uint32_t *val = mb->val;
	uint32_t intmask, n;
	int rc;

	val[MB_V_DID_VID] = rd32(0, TIS_DID_VID);
	rc = wait_startup(0);
	if (rc)
		return rc;
	val[MB_V_ACCESS0_BEFORE] = rd8(0, TIS_ACCESS);
	intmask = rd32(0, TIS_INT_ENABLE);
	val[MB_V_INT_ENABLE] = intmask;
	intmask |= INT_CMD_READY | INT_LOCALITY_CHANGE | INT_DATA_AVAIL |
		   INT_STS_VALID;
	intmask &= ~INT_GLOBAL_ENABLE;
	rc = request_locality(0);
	if (rc)
		return rc;
	val[MB_V_ACCESS0_ACTIVE] = rd8(0, TIS_ACCESS);
	wr32(0, TIS_INT_ENABLE, intmask);
	val[MB_V_STS32] = rd32(0, TIS_STS);
	val[MB_V_IFACE_ID] = rd32(0, TIS_INTERFACE_ID);
	rc = transmit(0, get_cap, sizeof(get_cap), mb->resp, &n,
		      MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH);
	mb->resp_len = n;
	if (rc) {
		release_locality(0);
		return rc;
	}
	/* TPM 2.0 when the reply carries TPM2_ST_NO_SESSIONS, as in Linux. */
	val[MB_V_TPM2] = n >= TPM_HEADER_SIZE && mb->resp[0] == 0x80 &&
			 mb->resp[1] == 0x01;
	val[MB_V_INTF_CAPS] = rd32(0, TIS_INTF_CAPS);
	val[MB_V_RID] = rd8(0, TIS_RID);
	release_locality(0);
	val[MB_V_ACCESS0_AFTER] = rd8(0, TIS_ACCESS);
	return MB_OK;
}

static int reg_read(void)
{
	unsigned int l = mb->locality;

	switch (mb->arg1) {
	case 1:
		mb->arg2 = rd8(l, mb->arg0);
		return MB_OK;
	case 2:
		mb->arg2 = rd16(l, mb->arg0);
		return MB_OK;
	case 4:
		mb->arg2 = rd32(l, mb->arg0);
		return MB_OK;
	}
	return MB_E_BAD_ARG;
}

static int reg_write(void)
{
	unsigned int l = mb->locality;

	switch (mb->arg1) {
	case 1:
		wr8(l, mb->arg0, (uint8_t)mb->arg2);
		return MB_OK;
	case 2:
		wr16(l, mb->arg0, (uint16_t)mb->arg2);
		return MB_OK;
	case 4:
		wr32(l, mb->arg0, mb->arg2);
		return MB_OK;
	}
	return MB_E_BAD_ARG;
}

static int storm(void);
static int storm_wide(void);

/* The same register read arg2 times: the cost of one access, timed. */
static int reg_read_repeat(void)
{
	unsigned int l = mb->locality;
	uint32_t i, v = 0;

	if (mb->arg1 != 1 && mb->arg1 != 4)
		return MB_E_BAD_ARG;
	for (i = 0; i < mb->arg2; i++)
		v = mb->arg1 == 1 ? rd8(l, mb->arg0) : rd32(l, mb->arg0);
	mb->val[0] = v;
	return MB_OK;
}

/* The operations of a CRB guest: commands, localities, single accesses. */
static int run_crb_op(void)
{
	uint32_t n = 0;
	int rc;

	switch (mb->op) {
	case MB_OP_TRANSMIT:
		rc = crb_transmit(mb->locality, mb->cmd, mb->cmd_len, mb->resp,
				  &n, mb->flags);
		mb->resp_len = n;
		return rc;
	case MB_OP_SEND:
		mb->resp_len = 0;
		return crb_tx_send(mb->locality, mb->cmd, mb->cmd_len,
				   mb->flags);
	case MB_OP_RECV:
		rc = crb_tx_recv(mb->locality, mb->resp, &n, mb->flags);
		mb->resp_len = n;
		return rc;
	case MB_OP_REQUEST:
		return crb_request(mb->locality);
	case MB_OP_RELINQUISH:
		return crb_relinquish(mb->locality);
	case MB_OP_READ:
		return reg_read();
	case MB_OP_WRITE:
		return reg_write();
	case MB_OP_READ_REPEAT:
		return reg_read_repeat();
	case MB_OP_UD2:
		__asm__ volatile("ud2");
		return MB_OK;
	}
	return MB_E_BAD_OP;
}

static int run_op(void)
{
	uint32_t n = 0;
	int rc;

	/* One access may reach any page after the base: a log window too. */
	if (mb->locality > 4 && mb->op != MB_OP_READ && mb->op != MB_OP_WRITE)
		return MB_E_BAD_ARG;
	if (mb->interface == MB_IF_CRB)
		return run_crb_op();
	switch (mb->op) {
	case MB_OP_PROBE:
		return probe();
	case MB_OP_TRANSMIT:
		rc = transmit(mb->locality, mb->cmd, mb->cmd_len, mb->resp, &n,
			      mb->flags);
		mb->resp_len = n;
		return rc;
	case MB_OP_REQUEST:
		return request_locality(mb->locality);
	case MB_OP_REQUEST_NOWAIT:
		wr8(mb->locality, TIS_ACCESS, ACCESS_REQUEST_USE);
		return MB_OK;
	case MB_OP_RELINQUISH:
		release_locality(mb->locality);
		return MB_OK;
	case MB_OP_READ:
		return reg_read();
	case MB_OP_WRITE:
		return reg_write();
	case MB_OP_SEND:
		mb->resp_len = 0;
		return tx_send(mb->locality, mb->cmd, mb->cmd_len, mb->flags);
	case MB_OP_RECV:
		rc = tx_recv(mb->locality, mb->resp, &n, mb->flags);
		mb->resp_len = n;
		return rc;
	case MB_OP_STORM:
		return storm();
	case MB_OP_READ_REPEAT:
		return reg_read_repeat();
	case MB_OP_STORM_WIDE:
		return storm_wide();
	case MB_OP_UD2:
		__asm__ volatile("ud2");
		return MB_OK;
	}
	return MB_E_BAD_OP;
}

/*
 * A storm of random accesses: every locality, offsets biased towards the
 * registers, widths 1, 2 and 4, reads and writes with values that set
 * the bits that matter (requestUse, Seize, relinquish, commandReady, GO,
 * responseRetry, commandCancel) and random FIFO bytes.
 */
static uint32_t rnd_state;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1664525u + 1013904223u;
	return rnd_state >> 8;
}

static int storm(void)
{
	static const uint16_t offs[] = {
		0x00, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x19, 0x1a, 0x1b, 0x24,
		0x25, 0x30, 0x80, 0x84, 0xbe, 0xf00, 0xf04, 0xffc,
	};
	static const uint32_t sts_bits[] = {
		0x40, 0x20, 0x02, 0x01000000, 0x02000000, 0x60,
	};
	static const uint8_t access_bits[] = { 0x02, 0x08, 0x20, 0x10, 0x0a };
	uint32_t i, r, off, width, loc, v;

	rnd_state = mb->arg0 | 1;
	for (i = 0; i < mb->arg1; i++) {
		r = rnd();
		loc = r % 5;
		if (r % 97 == 0) {
			/*
			 * Now and then a whole well-formed GetRandom, then GO,
			 * whatever state the locality is in: some reach the
			 * TPM, some are aborted or seized while they execute.
			 */
			static const uint8_t get_random[] = {
				0x80, 0x01, 0x00, 0x00, 0x00, 0x0c,
				0x00, 0x00, 0x01, 0x7b, 0x00, 0x08,
			};
			uint32_t k;

			for (k = 0; k < sizeof(get_random); k++)
				wr8(loc, TIS_DATA_FIFO, get_random[k]);
			wr8(loc, TIS_STS, STS_GO);
			continue;
		}
		off = (r >> 3) & 1 ? offs[(r >> 4) % (sizeof(offs) / sizeof(offs[0]))] :
				     rnd() & 0xfff;
		width = 1u << (rnd() % 3);
		if (off + width > 0x1000)
			off = 0x1000 - width;
		if (rnd() & 1) {
			if (width == 1)
				rd8(loc, off);
			else if (width == 2)
				rd16(loc, off);
			else
				rd32(loc, off);
			continue;
		}
		switch (reg_class(off)) {
		case 0:
			v = access_bits[rnd() % sizeof(access_bits)];
			break;
		case 2:
			v = sts_bits[rnd() % (sizeof(sts_bits) / sizeof(sts_bits[0]))];
			break;
		default:
			v = rnd();
			break;
		}
		if (width == 1)
			wr8(loc, off, (uint8_t)v);
		else if (width == 2)
			wr16(loc, off, (uint16_t)v);
		else
			wr32(loc, off, v);
	}
	return MB_OK;
}

/*
 * A wider storm: widths 1, 2, 4 and 8, any alignment, accesses that cross
 * registers and 4 KiB locality boundaries, all over the window, random
 * values biased towards the bits that matter.  Locality mb->arg2 belongs to
 * software that runs real commands meanwhile: the storm never writes its
 * page and never reads its FIFO (reading the other registers has no
 * effect), and never asks for Seize from above it.  Everything else is
 * fair game.  At the end the storm relinquishes its localities.
 *
 * Offsets here are window offsets (locality << 12 | register).  KVM splits
 * an access that crosses a 4 KiB boundary into one per page; the device
 * sees (and the counters count) those pieces.
 */
static void count_wide(uint32_t woff, uint32_t w, int write)
{
	uint32_t b = (woff + w - 1) & ~0xfffu;

	/* rd*()/wr*() counted the first piece; count the second one */
	if (b <= woff)
		return;
	if (write) {
		mb->mmio_writes++;
		mb->class_writes[reg_class(b)]++;
	} else {
		mb->mmio_reads++;
		mb->class_reads[reg_class(b)]++;
	}
}

static int overlaps(uint32_t woff, uint32_t w, uint32_t lo, uint32_t hi)
{
	return woff < hi && woff + w > lo;
}

static uint8_t storm_byte(uint32_t woff, uint32_t prot)
{
	static const uint8_t access_bits[] = {
		0x02, 0x08, 0x20, 0x10, 0x0a, 0x22, 0x28,
	};
	static const uint8_t sts_bits[] = { 0x40, 0x20, 0x02, 0x60, 0x42 };
	uint32_t off = woff & 0xfff;
	uint8_t v = (uint8_t)rnd();

	if (rnd() & 1) {
		if (off == 0x00)
			v = access_bits[rnd() % sizeof(access_bits)];
		else if (off == 0x18)
			v = sts_bits[rnd() % sizeof(sts_bits)];
		else if (off == 0x1b)
			v = 1 + rnd() % 2; /* commandCancel, resetEstablishment */
	}
	if (off == 0x00 && (woff >> 12) > prot)
		v &= ~0x08;	/* no Seize from above the real locality */
	return v;
}

static int storm_wide(void)
{
	static const uint16_t offs[] = {
		0x00, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1a, 0x24, 0x30, 0x80,
		0x84, 0xbc, 0xf00, 0xf04, 0xffc,
	};
	static const uint8_t get_random[] = {
		0x80, 0x01, 0x00, 0x00, 0x00, 0x0c,
		0x00, 0x00, 0x01, 0x7b, 0x00, 0x08,
	};
	uint32_t *t = mb->storm;
	uint32_t made = 0, n = mb->arg1, prot = mb->arg2;
	uint32_t pbase = prot << 12;
	uint32_t woff, w, loc, k, kind;
	uint8_t v[8];
	int write;

	rnd_state = mb->arg0 | 1;
	while (made < n) {
		loc = rnd() % 5;
		kind = rnd() % 16;
		if (kind == 0 && rnd() % 8 == 0 && loc != prot && loc != 4) {
			/* a whole well-formed GetRandom, then GO */
			for (k = 0; k < sizeof(get_random); k++)
				wr8(loc, TIS_DATA_FIFO, get_random[k]);
			wr8(loc, TIS_STS, STS_GO);
			t[MB_S_GO]++;
			t[MB_S_W1] += sizeof(get_random) + 1;
			t[MB_S_WRITES] += sizeof(get_random) + 1;
			t[MB_S_LOC0 + loc] += sizeof(get_random) + 1;
			made += sizeof(get_random) + 1;
			continue;
		}
		w = 1u << (rnd() % 4);
		if (kind < 7) {
			/* a register, sometimes a little off its start */
			woff = (loc << 12) +
			       offs[rnd() % (sizeof(offs) / sizeof(offs[0]))];
			if (rnd() % 3 == 0)
				woff += rnd() % 4;
		} else if (kind < 10 && w > 1) {
			/* across a locality boundary */
			woff = ((1 + rnd() % 4) << 12) - 1 - rnd() % (w - 1);
		} else {
			woff = (loc << 12) + rnd() % 0x1000;
		}
		if (woff + w > 0x5000)
			woff = 0x5000 - w;
		write = rnd() & 1;
		if (prot <= 4) {
			if (write && overlaps(woff, w, pbase, pbase + 0x1000))
				continue;
			if (!write &&
			    (overlaps(woff, w, pbase + TIS_DATA_FIFO,
				      pbase + TIS_DATA_FIFO + 4) ||
			     overlaps(woff, w, pbase + 0x80, pbase + 0xc0)))
				continue;
		}
		if (write) {
			for (k = 0; k < w; k++)
				v[k] = storm_byte(woff + k, prot);
			if (w == 1)
				wr8(0, woff, v[0]);
			else if (w == 2)
				wr16(0, woff, v[0] | (uint16_t)v[1] << 8);
			else if (w == 4)
				wr32(0, woff, v[0] | (uint32_t)v[1] << 8 |
					      (uint32_t)v[2] << 16 |
					      (uint32_t)v[3] << 24);
			else
				wr64(0, woff, v);
			t[MB_S_WRITES]++;
		} else {
			if (w == 1)
				rd8(0, woff);
			else if (w == 2)
				rd16(0, woff);
			else if (w == 4)
				rd32(0, woff);
			else
				rd64(0, woff, v);
			t[MB_S_READS]++;
		}
		count_wide(woff, w, write);
		t[MB_S_W1 + (w == 2) + 2 * (w == 4) + 3 * (w == 8)]++;
		t[MB_S_LOC0 + (woff >> 12)]++;
		if (woff % w)
			t[MB_S_UNALIGNED]++;
		if ((woff & ~0xfffu) != ((woff + w - 1) & ~0xfffu))
			t[MB_S_PAGE_CROSS]++;
		else if (w == 8)
			t[MB_S_W8_PAGE]++;
		else if ((woff & ~3u) != ((woff + w - 1) & ~3u))
			t[MB_S_REG_CROSS]++;
		made++;
	}
	/* Let go of every locality the storm may hold or have asked for. */
	for (k = 0; k < 8; k++)
		if (k % 4 != prot)
			wr8(k % 4, TIS_ACCESS, ACCESS_ACTIVE);
	return MB_OK;
}

void guest_main(void);

void guest_main(void)
{
	if (mb->magic != MB_MAGIC) {
		log_str("vtis guest: no mailbox\n");
		return;
	}
	outl(MB_PORT_DONE, MB_READY);
	for (;;) {
		if (mb->op == MB_OP_HALT)
			return;
		mb->polls = 0;
		mb->status = run_op();
		if (mb->status)
			log_str("vtis guest: operation failed\n");
		mb->done_seq = mb->seq;
		outl(MB_PORT_DONE, mb->seq);
	}
}
