/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CRB (Command Response Buffer) register model of the TCG PC Client
 * Platform TPM Profile, TPM 2.0 only, free of KVM and backend code.  It
 * builds in the kernel and, through tis_shim.h, in userspace, like the
 * TIS core (tis.h), whose TPM-level definitions (header size, the return
 * codes it generates, the events it reports) it shares.
 *
 * The core takes no locks.  Its owner serialises every call on one
 * instance; callbacks are invoked from inside those calls and must not
 * block.
 *
 * Layout and values.  QEMU's tpm-crb is the model where it has a choice;
 * what it leaves out is chosen here:
 *  - Five localities, one 4 KiB page each (the window is 0x5000 bytes, as
 *    for the TIS): registers at 0x00-0x7f, the data buffer at 0x80-0xfff
 *    (3968 bytes) of every page.  QEMU has locality 0 alone.
 *  - One command and response buffer, shared by the localities: only the
 *    active locality reads or writes it (others read 0xff, their writes
 *    are dropped), as only the active locality's control registers act.
 *    Each page's CTRL_CMD_LADDR/HADDR and CTRL_RSP_ADDR give the buffer's
 *    address in that page (base + n * 0x1000 + 0x80), CTRL_CMD_SIZE and
 *    CTRL_RSP_SIZE 3968; writes to them, and to CTRL_EXT, are ignored
 *    (EDK2 writes them; QEMU ignores them too).
 *  - INTF_ID: interface type CRB (1), version 1, five localities
 *    (CapLocality 1), no idle bypass, 64-byte transfers, CapCRB, the CRB
 *    interface selected and not locked, RID 1, VID 0x1014 and DID 0x0001
 *    (the TIS core's DID_VID and RID).
 *  - LOC_STATE reads the same in every page; LOC_STS is per page.
 *  - CTRL_REQ reads 0: cmdReady and goIdle are done at once.  CTRL_STS:
 *    tpmIdle in the Idle state, tpmSts never (a backend failure gives a
 *    TPM failure response instead, as for the TIS).  CTRL_CANCEL holds
 *    what was last written (Linux writes 0 before each command and reads
 *    it while polling); a 1 while a command runs cancels it at the
 *    backend.  CTRL_START reads 1 while a command runs.
 *  - START is taken in any state but Execution (a driver may send the
 *    next command without a new cmdReady, as Linux does); the command is
 *    the first size-field bytes of the buffer.  A size below the header,
 *    above 3968 bytes, swtpm's prefix form or the vendor set-locality
 *    ordinal gets the TIS core's error response at once.  A response
 *    longer than 3968 bytes is replaced by a failure response.
 *  - Interrupts (QEMU has none; the bit layout is the PTP's as other
 *    emulators read it): CTRL_INT_ENABLE bit 0 start (a command
 *    completed), 1 cmdReady, 2 establishment cleared, 3 locality change,
 *    31 global enable; CTRL_INT_STS the same bits 0-3, write 1 to clear,
 *    set only for enabled sources with the global enable on (as the TIS
 *    core does).  The line is asserted while the global enable is set and
 *    an enabled status bit is.  Both registers are shared by the
 *    localities.
 *  - Localities change as for the TIS: requestAccess when none is active
 *    is granted at once, else it waits for the active one to relinquish
 *    (the highest waiting then wins); seize by a higher locality takes
 *    over and sets beenSeized of the old one (cleared by its next
 *    requestAccess).  A change while a command runs cancels it at the
 *    backend and waits for its answer, which is dropped.
 *    resetEstablishment is taken from localities 3 and 4 only.
 */
#ifndef KVM_VTIS_CRB_H
#define KVM_VTIS_CRB_H

#include "tis.h"

#define VTIS_CRB_NUM_LOCALITIES	5
#define VTIS_CRB_WINDOW_SIZE	0x5000U
#define VTIS_CRB_BUF_OFFSET	0x80U
#define VTIS_CRB_BUF_SIZE	0xf80U

/* Register offsets inside one locality's page. */
#define VTIS_CRB_LOC_STATE	0x00
#define VTIS_CRB_LOC_CTRL	0x08
#define VTIS_CRB_LOC_STS	0x0c
#define VTIS_CRB_INTF_ID	0x30	/* 64 bits */
#define VTIS_CRB_CTRL_EXT	0x38	/* 64 bits */
#define VTIS_CRB_CTRL_REQ	0x40
#define VTIS_CRB_CTRL_STS	0x44
#define VTIS_CRB_CTRL_CANCEL	0x48
#define VTIS_CRB_CTRL_START	0x4c
#define VTIS_CRB_INT_ENABLE	0x50
#define VTIS_CRB_INT_STS	0x54
#define VTIS_CRB_CMD_SIZE	0x58
#define VTIS_CRB_CMD_LADDR	0x5c
#define VTIS_CRB_CMD_HADDR	0x60
#define VTIS_CRB_RSP_SIZE	0x64
#define VTIS_CRB_RSP_ADDR	0x68	/* 64 bits */

/* LOC_STATE */
#define VTIS_CRB_LOC_STATE_NOT_ESTABLISHED	0x01
#define VTIS_CRB_LOC_STATE_ASSIGNED		0x02
#define VTIS_CRB_LOC_STATE_ACTIVE_SHIFT		2
#define VTIS_CRB_LOC_STATE_REG_VALID		0x80
/* LOC_CTRL */
#define VTIS_CRB_LOC_CTRL_REQUEST	0x01
#define VTIS_CRB_LOC_CTRL_RELINQUISH	0x02
#define VTIS_CRB_LOC_CTRL_SEIZE		0x04
#define VTIS_CRB_LOC_CTRL_RESET_EST	0x08
/* LOC_STS */
#define VTIS_CRB_LOC_STS_GRANTED	0x01
#define VTIS_CRB_LOC_STS_BEEN_SEIZED	0x02
/* CTRL_REQ */
#define VTIS_CRB_REQ_CMD_READY		0x01
#define VTIS_CRB_REQ_GO_IDLE		0x02
/* CTRL_STS */
#define VTIS_CRB_STS_FATAL		0x01
#define VTIS_CRB_STS_IDLE		0x02
/* CTRL_START, CTRL_CANCEL */
#define VTIS_CRB_START			0x01
#define VTIS_CRB_CANCEL			0x01
/* CTRL_INT_ENABLE, CTRL_INT_STS */
#define VTIS_CRB_INT_START		0x01
#define VTIS_CRB_INT_CMD_READY		0x02
#define VTIS_CRB_INT_EST_CLEAR		0x04
#define VTIS_CRB_INT_LOC_CHANGE		0x08
#define VTIS_CRB_INT_SUPPORTED		0x0fU
#define VTIS_CRB_INT_GLOBAL		0x80000000U

/* INTF_ID, low and high 32 bits (see the top of this file). */
#define VTIS_CRB_INTF_ID_LO	0x01025911U
#define VTIS_CRB_INTF_ID_HI	0x00011014U

/* The CRB state machine (struct vtis_crb_state.state). */
enum vtis_crb_st {
	VTIS_CRB_IDLE = 0,
	VTIS_CRB_READY,
	VTIS_CRB_EXECUTION,
	VTIS_CRB_COMPLETION,
	VTIS_CRB_NR_STATES,
};

struct vtis_crb;

/**
 * struct vtis_crb_ops - what the core asks of its owner
 * @submit: a complete, checked command of @len bytes at @cmd (the
 *	buffer, unchanged until the answer) from @locality; the backend may
 *	answer from inside
 * @cancel: cancel the command in flight (best effort); the core still
 *	waits for vtis_crb_response()
 * @irq_line: the interrupt line's new level (true: asserted); may be NULL
 */
struct vtis_crb_ops {
	void (*submit)(struct vtis_crb *crb, const u8 *cmd, u32 len,
		       u8 locality);
	void (*cancel)(struct vtis_crb *crb);
	void (*irq_line)(struct vtis_crb *crb, bool level);
};

/**
 * struct vtis_crb_state - the register state
 * @active_locality: 0..4 or VTIS_NO_LOCALITY
 * @pending: bitmap of localities whose requestAccess waits
 * @seized: bitmap of localities whose beenSeized is set
 * @seizing: the locality a seize waits for (a command in flight), or
 *	VTIS_NO_LOCALITY
 * @switching: a locality change waits for the backend's answer
 * @switch_to: its target (VTIS_NO_LOCALITY: the highest pending)
 * @established: tpmEstablished has been set (LOC_STATE bit 0 reads 0)
 * @state: enum vtis_crb_st
 * @busy: a command is at the backend
 * @cancel: CTRL_CANCEL as last written (0 or 1)
 * @exec_locality: the locality whose command is at the backend
 * @int_enable: CTRL_INT_ENABLE
 * @int_status: CTRL_INT_STS
 * @buf: the command and response buffer (VTIS_BUFFER_SIZE bytes, the
 *	owner's; the first VTIS_CRB_BUF_SIZE are the guest's)
 */
struct vtis_crb_state {
	u8 active_locality;
	u8 pending;
	u8 seized;
	u8 seizing;
	u8 switching;
	u8 switch_to;
	u8 established;
	u8 state;
	u8 busy;
	u8 cancel;
	u8 exec_locality;
	u32 int_enable;
	u32 int_status;
	u8 *buf;
};

/**
 * struct vtis_crb - one CRB device's model
 * @ops: the owner's callbacks
 * @priv: the owner's pointer, untouched by the core
 * @base: the window's guest-physical base, for the buffer address
 *	registers
 * @irq_level: the last level given to @ops->irq_line
 * @s: the register state
 * @event: optional, as the TIS core's: locality changes, refused
 *	commands, submissions, completions; must not call into the core
 */
struct vtis_crb {
	const struct vtis_crb_ops *ops;
	void *priv;
	u64 base;
	bool irq_level;
	struct vtis_crb_state s;
	void (*event)(struct vtis_crb *crb, const struct vtis_tis_event *ev);
};

/**
 * vtis_crb_init() - set up a CRB model in its power-on state
 * @crb: the model
 * @ops: the owner's callbacks
 * @priv: the owner's pointer
 * @base: the window's guest-physical base
 * @buf: VTIS_BUFFER_SIZE bytes for the command and response
 */
void vtis_crb_init(struct vtis_crb *crb, const struct vtis_crb_ops *ops,
		   void *priv, u64 base, u8 *buf);

/**
 * vtis_crb_reset() - the power-on state (a command in flight is forgotten:
 * its owner makes the backend forget it first)
 * @crb: the model
 */
void vtis_crb_reset(struct vtis_crb *crb);

/**
 * vtis_crb_read() - a guest read
 * @crb: the model
 * @offset: where in the window
 * @len: 1 to 8 bytes, within one page (else all ones)
 * @val: the bytes, guest (little-endian) order
 */
void vtis_crb_read(struct vtis_crb *crb, u32 offset, u32 len, void *val);

/**
 * vtis_crb_write() - a guest write
 * @crb: the model
 * @offset: where in the window
 * @len: 1 to 8 bytes, within one page (else ignored)
 * @val: the bytes, guest (little-endian) order
 *
 * Return: true if it submitted a command (ops->submit was called).
 */
bool vtis_crb_write(struct vtis_crb *crb, u32 offset, u32 len,
		    const void *val);

/**
 * vtis_crb_response() - the backend's answer to the command in flight
 * @crb: the model
 * @rsp: the response, or NULL for a failure (the guest reads a TPM
 *	failure response)
 * @len: its length
 *
 * Return: false when no command was in flight (the answer is ignored).
 */
bool vtis_crb_response(struct vtis_crb *crb, const u8 *rsp, u32 len);

/**
 * vtis_crb_state_check() - is @st a state the core can be in?
 * @st: a state, e.g. decoded from a migration blob (its buffer unused)
 *
 * Return: 0, or -EINVAL when a field is out of range or the fields
 * contradict each other.
 */
int vtis_crb_state_check(const struct vtis_crb_state *st);

/**
 * vtis_crb_load_state() - make @st (checked) the state
 * @crb: the model
 * @st: the state; its buffer's VTIS_CRB_BUF_SIZE bytes are copied
 *
 * Return: 0, or -EINVAL from vtis_crb_state_check() (nothing changed).
 */
int vtis_crb_load_state(struct vtis_crb *crb, const struct vtis_crb_state *st);

/**
 * vtis_crb_cmd_len() - the length of the command in flight
 * @crb: the model, with a command at the backend
 *
 * Return: its length, from the buffer's size field (unchanged while the
 * command runs).
 */
u32 vtis_crb_cmd_len(const struct vtis_crb *crb);

/**
 * vtis_crb_busy() - is a command at the backend?
 * @crb: the model
 *
 * Return: true if it is.
 */
static inline bool vtis_crb_busy(const struct vtis_crb *crb)
{
	return crb->s.busy;
}

#endif /* KVM_VTIS_CRB_H */
