/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared memory area between the test VMM and its guest.
 *
 * The guest is a small TIS driver modelled on Linux's tpm_tis_core: all
 * register-level protocol logic runs in the guest.  The VMM writes an
 * operation into the mailbox, resumes the vCPU, and the guest hands control
 * back with a 32-bit "out" to MB_PORT_DONE once the operation is finished
 * (results in the mailbox).  Bytes written to MB_PORT_LOG are guest log text.
 *
 * Included by the 32-bit guest and the 64-bit VMM: fixed-width fields only,
 * every field naturally aligned.
 */
#ifndef VTIS_VMM_MAILBOX_H
#define VTIS_VMM_MAILBOX_H

#define MB_GUEST_MEM	0x200000u	/* guest RAM: 2 MiB at GPA 0 */
#define MB_CODE_ADDR	0x1000u		/* guest image is loaded and entered here */
#define MB_CODE_MAX	0xf000u
#define MB_ADDR		0x20000u	/* struct mailbox of vCPU 0 */

/*
 * Every vCPU has its own mailbox and its own stack right below it:
 * vCPU n's mailbox is at MB_ADDR + n * MB_VCPU_STRIDE and its stack starts
 * there.  The guest finds its mailbox from its stack pointer.  The VMM
 * enters vCPU n with %esp at its mailbox and %ebx = n (only vCPU 0 builds
 * the IDT; the others start once vCPU 0 has handed over).
 */
#define MB_VCPU_STRIDE	0x10000u
#define MB_MAX_VCPUS	2u
#define MB_BUF_SIZE	8192u

#define MB_PORT_DONE	0x10		/* outl: operation finished */
#define MB_PORT_LOG	0xe9		/* outb: one character of guest log */
#define MB_PORT_FAULT	0x11		/* outl: the guest took a CPU exception */
#define MB_FAULT_MAGIC	0x45584350u
#define MB_FAULT_OFF	0x100		/* vector, error code, eip in the mailbox */

#define MB_MAGIC	0x56544953u	/* "VTIS" */
#define MB_READY	0x52454459u	/* value of the first hand-over */

#ifndef __ASSEMBLER__

#include <stdint.h>

/* Operations (mailbox.op). */
enum mb_op {
	MB_OP_NONE = 0,
	MB_OP_PROBE,		/* Linux's probe sequence, locality 0 */
	MB_OP_TRANSMIT,		/* one command at mailbox.locality */
	MB_OP_REQUEST,		/* request mailbox.locality, wait until active */
	MB_OP_REQUEST_NOWAIT,	/* write requestUse, do not wait */
	MB_OP_RELINQUISH,	/* write activeLocality (relinquish) */
	MB_OP_READ,		/* read arg0 (offset in locality) of width arg1 */
	MB_OP_WRITE,		/* write arg2 to arg0 with width arg1 */
	MB_OP_HALT,		/* stop the guest (hlt) */
	MB_OP_UD2,		/* raise #UD: checks the exception report */
	MB_OP_SEND,		/* first half of MB_OP_TRANSMIT: up to go */
	MB_OP_RECV,		/* second half: wait, read the response */
	MB_OP_STORM,		/* arg1 random accesses, seed arg0 */
	MB_OP_READ_REPEAT,	/* read arg0 with width arg1, arg2 times */
	/* arg1 accesses of widths 1/2/4/8, seed arg0; arg2: a locality
	 * whose page is only read (outside its FIFO)
	 */
	MB_OP_STORM_WIDE,
};

/*
 * mailbox.interface: the register interface the guest drives, the values
 * of KVM_VTIS_INTERFACE_TIS and _CRB (lib/kvm_util.c checks).  With CRB,
 * MB_OP_TRANSMIT, _SEND, _RECV, _REQUEST and _RELINQUISH go through the
 * guest's CRB driver; MB_OP_PROBE and the storms are TIS only.
 */
#define MB_IF_TIS		0u
#define MB_IF_CRB		1u

/* mailbox.flags for MB_OP_TRANSMIT */
#define MB_TX_NO_REQUEST	(1u << 0)	/* locality already held */
#define MB_TX_NO_RELINQUISH	(1u << 1)	/* keep the locality afterwards */

/* Guest results (mailbox.status). */
enum mb_status {
	MB_OK = 0,
	MB_E_BAD_OP,
	MB_E_BAD_ARG,
	MB_E_STARTUP,		/* ACCESS.tpmRegValidSts never set */
	MB_E_LOCALITY,		/* locality not granted in time */
	MB_E_STS_INVALID,	/* STS bits 0x23 not zero */
	MB_E_READY,		/* commandReady not reached in time */
	MB_E_BURST,		/* burstCount stayed 0 */
	MB_E_VALID,		/* stsValid not set in time */
	MB_E_EXPECT_EARLY,	/* Expect cleared before the last byte */
	MB_E_EXPECT_LATE,	/* Expect still set after the last byte */
	MB_E_DURATION,		/* no dataAvail after go in time */
	MB_E_RESP_SHORT,	/* fewer than 10 response bytes */
	MB_E_RESP_SIZE,		/* header size < 10 or > buffer */
	MB_E_DATA_LEFT,		/* dataAvail still set after the last byte */
	MB_E_NOT_TPM2,		/* probe: GetCapability reply is not TPM 2.0 */
	MB_E_COUNT
};

/* Indices into mailbox.val[] written by MB_OP_PROBE. */
enum mb_probe_val {
	MB_V_DID_VID,
	MB_V_ACCESS0_BEFORE,	/* ACCESS(0) before any request */
	MB_V_INT_ENABLE,
	MB_V_INTF_CAPS,
	MB_V_ACCESS0_ACTIVE,	/* ACCESS(0) after the request */
	MB_V_STS32,		/* 32-bit STS(0) with locality 0 active */
	MB_V_RID,
	MB_V_IFACE_ID,
	MB_V_TPM2,		/* 1: GetCapability answered with TPM2 tag */
	MB_V_ACCESS0_AFTER,	/* ACCESS(0) after relinquish */
	MB_V_COUNT
};

/* Indices into mailbox.storm[] written by MB_OP_STORM_WIDE. */
enum mb_storm_val {
	MB_S_W1,		/* accesses by width: 1, 2, 4, 8 bytes */
	MB_S_W2,
	MB_S_W4,
	MB_S_W8,
	MB_S_READS,
	MB_S_WRITES,
	MB_S_UNALIGNED,		/* offset not a multiple of the width */
	MB_S_REG_CROSS,		/* touches bytes of two registers */
	MB_S_PAGE_CROSS,	/* crosses a 4 KiB locality boundary */
	MB_S_GO,		/* whole GetRandom commands, then GO */
	MB_S_W8_PAGE,		/* 8-byte accesses inside one 4 KiB page */
	MB_S_LOC0,		/* accesses starting in locality 0..4 */
	MB_S_LOC4 = MB_S_LOC0 + 4,
	MB_S_COUNT
};

struct mailbox {
	uint32_t magic;
	uint32_t op;		/* in: enum mb_op */
	uint32_t seq;		/* in: bumped by the VMM for every op */
	uint32_t locality;	/* in */
	uint32_t flags;		/* in */
	uint32_t arg0, arg1, arg2;	/* in: MB_OP_READ / MB_OP_WRITE */
	uint32_t tis_base;	/* in: guest-physical base of the window */
	uint32_t tsc_khz;	/* in: for the guest's timeouts */
	uint32_t timeout_ms;	/* in: bound of every wait (A, B, C, D) */
	uint32_t duration_ms;	/* in: bound of the wait for dataAvail */
	uint32_t poll_us;	/* in: pause between STS polls (Linux: 1 ms) */
	uint32_t cmd_len;	/* in: bytes in cmd[] */

	uint32_t done_seq;	/* out: seq of the finished op */
	uint32_t status;	/* out: enum mb_status */
	uint32_t resp_len;	/* out: bytes in resp[] */
	uint32_t polls;		/* out: STS polls while waiting */
	uint32_t mmio_reads;	/* out: TIS accesses by the guest, running */
	uint32_t mmio_writes;
	uint32_t last_sts;	/* out: last STS value read */
	uint32_t commands;	/* out: commands started with go, running */
	uint32_t val[MB_V_COUNT];	/* out */
	/* out: TIS accesses by register class (KVM_VTIS_REG_*), running */
	uint32_t class_reads[8];
	uint32_t class_writes[8];
	uint32_t storm[16];	/* out: enum mb_storm_val, running */
	uint32_t fault[3];	/* out at MB_FAULT_OFF: vector, error code, eip */
	uint32_t time_accesses;	/* in: non-zero: time every TIS access */
	uint32_t access_max_lo;	/* out: the slowest one, TSC cycles, running */
	uint32_t access_max_hi;
	uint32_t interface;	/* in: MB_IF_TIS or MB_IF_CRB: the guest's driver */

	uint8_t cmd[MB_BUF_SIZE];
	uint8_t resp[MB_BUF_SIZE];
};

_Static_assert(MB_S_COUNT <= 16, "storm tallies fit mailbox.storm");
_Static_assert(sizeof(struct mailbox) <= MB_VCPU_STRIDE / 2,
	       "a vCPU's stack fits between two mailboxes");
_Static_assert(__builtin_offsetof(struct mailbox, fault) == MB_FAULT_OFF,
	       "start.S reports faults at MB_FAULT_OFF");

#endif /* __ASSEMBLER__ */
#endif /* VTIS_VMM_MAILBOX_H */
