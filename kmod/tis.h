/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TIS 1.3 FIFO register model (TPM 1.2 and 2.0), free of KVM and backend
 * code.  It builds in the kernel and, through tis_shim.h, in userspace.
 *
 * The core takes no locks.  Its owner serialises every call on one
 * instance (the device's lock); callbacks are invoked from inside those
 * calls, with that serialisation still in force, and must not block.
 */
#ifndef KVM_VTIS_TIS_H
#define KVM_VTIS_TIS_H

#ifdef __KERNEL__
#include <linux/stddef.h>
#include <linux/types.h>
#else
#include "tis_shim.h"
#endif

#define VTIS_NUM_LOCALITIES	5
#define VTIS_LOCALITY_SHIFT	12
#define VTIS_WINDOW_SIZE	0x5000U
#define VTIS_BUFFER_SIZE	4096U
#define VTIS_NO_LOCALITY	0xffU
#define VTIS_HEADER_SIZE	10U

enum vtis_family {
	VTIS_FAMILY_1_2 = 1,
	VTIS_FAMILY_2_0 = 2,
};

/* Register offsets inside one locality's 4 KiB page. */
#define VTIS_REG_ACCESS		0x000
#define VTIS_REG_INT_ENABLE	0x008
#define VTIS_REG_INT_VECTOR	0x00c
#define VTIS_REG_INT_STATUS	0x010
#define VTIS_REG_INTF_CAPABILITY	0x014
#define VTIS_REG_STS		0x018
#define VTIS_REG_HASH_END	0x020	/* locality 4 only; not implemented */
#define VTIS_REG_DATA_FIFO	0x024
#define VTIS_REG_HASH_START	0x028	/* locality 4 only; not implemented */
#define VTIS_REG_INTERFACE_ID	0x030
#define VTIS_REG_XDATA_FIFO	0x080
#define VTIS_REG_XDATA_FIFO_END	0x0bf
#define VTIS_REG_DID_VID	0xf00
#define VTIS_REG_RID		0xf04

/* ACCESS */
#define VTIS_ACCESS_ESTABLISHMENT	0x01	/* reads 1 = not established */
#define VTIS_ACCESS_REQUEST_USE		0x02
#define VTIS_ACCESS_PENDING_REQUEST	0x04
#define VTIS_ACCESS_SEIZE		0x08
#define VTIS_ACCESS_BEEN_SEIZED		0x10
#define VTIS_ACCESS_ACTIVE_LOCALITY	0x20
#define VTIS_ACCESS_REG_VALID		0x80

/* STS */
#define VTIS_STS_RESPONSE_RETRY		0x00000002U
#define VTIS_STS_SELFTEST_DONE		0x00000004U
#define VTIS_STS_EXPECT			0x00000008U
#define VTIS_STS_DATA_AVAIL		0x00000010U
#define VTIS_STS_GO			0x00000020U
#define VTIS_STS_COMMAND_READY		0x00000040U
#define VTIS_STS_VALID			0x00000080U
#define VTIS_STS_BURST_SHIFT		8
#define VTIS_STS_BURST_MASK		0x00ffff00U
#define VTIS_STS_COMMAND_CANCEL		0x01000000U	/* TPM 2.0 only */
#define VTIS_STS_RESET_ESTABLISHMENT	0x02000000U	/* TPM 2.0 only */
#define VTIS_STS_FAMILY_MASK		0x0c000000U
#define VTIS_STS_FAMILY_2_0		0x04000000U

/* INT_ENABLE / INT_STATUS */
#define VTIS_INT_DATA_AVAIL		0x00000001U
#define VTIS_INT_STS_VALID		0x00000002U
#define VTIS_INT_LOCALITY_CHANGE	0x00000004U
#define VTIS_INT_COMMAND_READY		0x00000080U
#define VTIS_INT_SUPPORTED		0x00000087U
#define VTIS_INT_POLARITY_MASK		0x00000018U
#define VTIS_INT_POLARITY_LOW_LEVEL	0x00000008U
#define VTIS_INT_GLOBAL_ENABLE		0x80000000U
#define VTIS_INT_ENABLE_RESET		VTIS_INT_POLARITY_LOW_LEVEL

/* Read-only identification registers */
#define VTIS_INTF_CAPABILITY_1_2	0x20000697U
#define VTIS_INTF_CAPABILITY_2_0	0x30000697U
#define VTIS_INTERFACE_ID_1_2		0xffffffffU
#define VTIS_INTERFACE_ID_2_0		0x00002100U
#define VTIS_DID_VID			0x00011014U
#define VTIS_RID			0x01U

/*
 * The registers of a locality's page, as vtis_tis_reg_at() decodes an
 * offset: every byte of DATA_FIFO and XDATA_FIFO is VTIS_R_FIFO, offsets
 * with no register are VTIS_R_NONE.
 */
enum vtis_reg {
	VTIS_R_NONE,
	VTIS_R_ACCESS,
	VTIS_R_INT_ENABLE,
	VTIS_R_INT_VECTOR,
	VTIS_R_INT_STATUS,
	VTIS_R_INTF_CAPABILITY,
	VTIS_R_STS,
	VTIS_R_FIFO,
	VTIS_R_INTERFACE_ID,
	VTIS_R_DID_VID,
	VTIS_R_RID,
};

/* Per-locality state of the FIFO state machine (struct vtis_tis_loc.state) */
enum vtis_loc_state {
	VTIS_LOC_IDLE = 0,
	VTIS_LOC_READY,
	VTIS_LOC_RECEPTION,
	VTIS_LOC_EXECUTION,
	VTIS_LOC_COMPLETION,
	VTIS_LOC_NR_STATES,
};

/* struct vtis_tis_state.flags */
#define VTIS_FLAG_OVERFLOW	0x01	/* bytes beyond the buffer were dropped */
#define VTIS_FLAG_ABORT		0x02	/* locality switch waits for the backend */
#define VTIS_FLAGS_ALL		(VTIS_FLAG_OVERFLOW | VTIS_FLAG_ABORT)

/* TPM return codes the core generates itself */
#define VTIS_TPM2_ST_NO_SESSIONS	0x8001U
#define VTIS_TPM2_RC_FAILURE		0x101U
#define VTIS_TPM2_RC_COMMAND_SIZE	0x142U
#define VTIS_TPM2_RC_COMMAND_CODE	0x143U
#define VTIS_TPM12_TAG_RSP_COMMAND	0x00c4U
#define VTIS_TPM12_FAIL			0x09U
#define VTIS_TPM12_BAD_ORDINAL		0x0aU
#define VTIS_TPM12_BAD_PARAM_SIZE	0x19U

/* Vendor command that sets the emulator's locality; never from a guest. */
#define VTIS_ORD_SET_LOCALITY		0x20001000U
/* First four bytes of swtpm's "TCG prefix" command form. */
#define VTIS_TCG_PREFIX			0x00000008U

struct vtis_tis;

/* What a struct vtis_tis_event reports (vtis_tis.event). */
enum vtis_tis_event_type {
	VTIS_EV_LOCALITY = 1,	/* the active locality changed: from -> locality */
	VTIS_EV_REJECT,		/* a guest command refused at tpmGo (reason, rc) */
	VTIS_EV_SUBMIT,		/* a command goes to the backend */
	VTIS_EV_COMPLETE,	/* the command at the backend ended (reason) */
};

/* struct vtis_tis_event.reason */
enum vtis_tis_event_reason {
	VTIS_EVR_NONE = 0,
	/* VTIS_EV_REJECT */
	VTIS_EVR_PREFIX,	/* swtpm's "TCG prefix" form */
	VTIS_EVR_VENDOR,	/* the vendor set-locality ordinal */
	VTIS_EVR_SIZE,		/* header size wrong, or bytes dropped */
	VTIS_EVR_NO_BACKEND,	/* no submit callback */
	/* VTIS_EV_COMPLETE */
	VTIS_EVR_OK,		/* the backend's response goes to the guest */
	VTIS_EVR_BAD_RESPONSE,	/* malformed response, replaced by a failure */
	VTIS_EVR_FAILED,	/* vtis_tis_backend_error(): failure response */
	VTIS_EVR_DROPPED,	/* aborted command: the answer is discarded */
};

/*
 * An event for the owner's statistics and tracing; valid only during the
 * call.  locality: the command's (or the new active) locality, or
 * VTIS_NO_LOCALITY; from: the previous active locality (VTIS_EV_LOCALITY);
 * rc: the TPM return code the guest will read (REJECT, COMPLETE; 0 for a
 * dropped answer); ordinal: the command's ordinal (REJECT, SUBMIT; 0 when
 * the command is shorter than a header); len: bytes of the command
 * (REJECT, SUBMIT) or of the response the guest will read (COMPLETE).
 */
struct vtis_tis_event {
	u8 type;		/* enum vtis_tis_event_type */
	u8 locality;
	u8 from;
	u8 reason;		/* enum vtis_tis_event_reason */
	u32 rc;
	u32 ordinal;
	u32 len;
};

/*
 * Callbacks from the core to its owner (backend glue and interrupt line).
 * All are called with the owner's serialisation held and must not block.
 */
struct vtis_tis_ops {
	/*
	 * A complete, validated command is ready for the backend.  @cmd stays
	 * valid and unchanged until the core receives vtis_tis_response() or
	 * is reset; the backend may also copy it.  The backend may answer
	 * from inside submit() already.
	 */
	void (*submit)(struct vtis_tis *tis, const u8 *cmd, u32 len, u8 locality);
	/*
	 * Ask the backend to cancel the command in flight (best effort).  The
	 * core still waits for vtis_tis_response() or vtis_tis_backend_error()
	 * (possibly from inside cancel()): a deferred locality switch or
	 * abort completes only then.
	 */
	void (*cancel)(struct vtis_tis *tis);
	/* The interrupt line changed level (true = asserted). May be NULL. */
	void (*irq_line)(struct vtis_tis *tis, bool level);
};

/* Versioned, serialisable register state (migration uses it). */
#define VTIS_STATE_VERSION	1

/*
 * Invariants (checked by vtis_tis_state_check()): only the active locality
 * is ever out of VTIS_LOC_IDLE; busy is set exactly while the active
 * locality is in EXECUTION, and next_locality is then the active locality;
 * rw_offset <= len <= VTIS_BUFFER_SIZE; reserved fields are zero; a
 * command in flight is one tpmGo would forward (header size == len, not
 * the TCG prefix form, not the vendor set-locality ordinal); a response
 * held has 10 <= len and a header size == len; a seizing locality is
 * above the active one and at or below the deferred switch's target.
 */
struct vtis_tis_loc {
	u8 access;		/* beenSeized, and Seize while a seize waits */
	u8 state;		/* enum vtis_loc_state */
	u8 pad[2];		/* zero */
	u32 int_enable;
	u32 int_status;
};

struct vtis_tis_state {
	u32 version;		/* VTIS_STATE_VERSION */
	u32 family;		/* enum vtis_family */
	u8 active_locality;	/* 0..4 or VTIS_NO_LOCALITY */
	/* deferred switch target (VTIS_FLAG_ABORT), or VTIS_NO_LOCALITY */
	u8 aborting_locality;
	u8 next_locality;	/* locality whose command is in flight, or none */
	u8 established;		/* tpmEstablishment has been set (0 or 1) */
	u8 pending;		/* bitmap of localities with requestUse pending */
	u8 busy;		/* a command is in flight at the backend */
	u8 int_vector;		/* INT_VECTOR (set by the owner; guest: RO) */
	u8 flags;		/* VTIS_FLAG_* */
	u32 rw_offset;		/* FIFO read/write position */
	u32 len;		/* bytes of command or response held in buf */
	struct vtis_tis_loc loc[VTIS_NUM_LOCALITIES];
	/*
	 * The command being written or the response being read:
	 * VTIS_BUFFER_SIZE bytes, which the owner gives vtis_tis_init().
	 * Apart from the rest so that an owner's device fits in small slab
	 * objects; a plain copy of the state shares them, and
	 * vtis_tis_state_copy() copies them.  Last: the bytes before it are
	 * the state proper (VTIS_STATE_FIELDS_SIZE).
	 */
	u8 *buf;
};

#define VTIS_STATE_FIELDS_SIZE	offsetof(struct vtis_tis_state, buf)

struct vtis_tis {
	const struct vtis_tis_ops *ops;
	void *priv;		/* owner's pointer, untouched by the core */
	bool irq_level;		/* last level given to ops->irq_line */
	struct vtis_tis_state s;
	/*
	 * Optional, set by the owner after vtis_tis_init(): told about
	 * locality changes, refused commands, submissions and completions.
	 * Called like the ops (serialised, must not block); it must not call
	 * back into the core.
	 */
	void (*event)(struct vtis_tis *tis, const struct vtis_tis_event *ev);
};

/**
 * vtis_tis_init() - a core in its power-on state
 * @tis: the core
 * @family: its TPM family
 * @ops: the owner's callbacks (or NULL: commands are refused)
 * @priv: the owner's pointer, kept in @tis->priv
 * @buf: VTIS_BUFFER_SIZE bytes, the owner's, for as long as @tis lives
 *
 * The establishment flag is clear and INT_VECTOR reads 0.
 */
void vtis_tis_init(struct vtis_tis *tis, enum vtis_family family,
		   const struct vtis_tis_ops *ops, void *priv, u8 *buf);

/**
 * vtis_tis_reset() - power-on state (platform reset)
 * @tis: the core
 *
 * A command in flight is forgotten (its answer is then ignored); the
 * establishment flag and INT_VECTOR, which belong to the TPM and the
 * platform, are kept.
 */
void vtis_tis_reset(struct vtis_tis *tis);

/**
 * vtis_tis_read() - a guest read
 * @tis: the core
 * @offset: where, 0 .. VTIS_WINDOW_SIZE-1, relative to the window's base
 * @len: how many bytes: 1 to 8, any alignment
 * @val: the bytes read, in guest (little-endian) order
 *
 * An access that crosses a 4 KiB locality boundary or is out of the
 * window reads all-ones.
 */
void vtis_tis_read(struct vtis_tis *tis, u32 offset, u32 len, void *val);

/**
 * vtis_tis_write() - a guest write
 * @tis: the core
 * @offset: where, 0 .. VTIS_WINDOW_SIZE-1, relative to the window's base
 * @len: how many bytes: 1 to 8, any alignment
 * @val: the bytes, in guest (little-endian) order
 *
 * An access that crosses a 4 KiB locality boundary or is out of the
 * window is dropped.
 *
 * Return: true when the access submitted a command (tpmGo called
 * ops->submit), whether or not the backend answered from inside
 * submit(); false otherwise, also for a command refused at tpmGo.
 */
bool vtis_tis_write(struct vtis_tis *tis, u32 offset, u32 len, const void *val);

/**
 * vtis_tis_reg_at() - the register a byte of the window belongs to
 * @offset: the byte's offset, in the window or in a locality's page (only
 *	the page offset counts)
 *
 * Return: the register; every byte of DATA_FIFO and XDATA_FIFO is
 * %VTIS_R_FIFO, a byte at no register %VTIS_R_NONE.
 */
enum vtis_reg vtis_tis_reg_at(u32 offset);

/**
 * vtis_tis_response() - the backend's answer to the last submitted command
 * @tis: the core
 * @rsp: the answer, or NULL for a failure
 * @len: its length
 *
 * It is validated (10 <= len <= 4096, header size == len); anything else
 * makes the guest read a TPM failure response of the device's family.
 * The answer to an aborted command is dropped.
 *
 * Return: true if a command was in flight to take it; false (and nothing
 * changes) otherwise.
 */
bool vtis_tis_response(struct vtis_tis *tis, const u8 *rsp, u32 len);

/**
 * vtis_tis_backend_error() - the backend failed the command in flight
 * @tis: the core
 *
 * No emulator, emulator gone, timeout...: the guest reads a TPM failure
 * response.  Without a command in flight nothing changes.
 */
void vtis_tis_backend_error(struct vtis_tis *tis);

/**
 * vtis_tis_busy() - is a command at the backend?
 * @tis: the core
 *
 * Return: true from tpmGo's submit until the backend's answer.
 */
static inline bool vtis_tis_busy(const struct vtis_tis *tis)
{
	return tis->s.busy;
}

/**
 * vtis_tis_set_int_vector() - the platform's interrupt number
 * @tis: the core
 * @vector: what INT_VECTOR reads (default 0)
 */
static inline void vtis_tis_set_int_vector(struct vtis_tis *tis, u8 vector)
{
	tis->s.int_vector = vector;
}

/**
 * vtis_tis_set_established() - the TPM's establishment flag
 * @tis: the core
 * @est: the flag (ACCESS bit 0 reads its inverse)
 */
static inline void vtis_tis_set_established(struct vtis_tis *tis, bool est)
{
	tis->s.established = est;
}

/**
 * vtis_tis_state_check() - validate a state before loading it
 * @st: the state (its buffer included)
 *
 * Return: 0 when it satisfies every invariant (see struct vtis_tis_loc),
 * else -EINVAL.
 */
int vtis_tis_state_check(const struct vtis_tis_state *st);

/**
 * vtis_tis_state_copy() - copy a state
 * @dst: the copy, with a buffer of its own
 * @src: the state copied: its fields, and its buffer's bytes into @dst's
 */
void vtis_tis_state_copy(struct vtis_tis_state *dst,
			 const struct vtis_tis_state *src);

/**
 * vtis_tis_load_state() - make a checked state the core's
 * @tis: the core
 * @st: the state
 *
 * The interrupt line is re-evaluated; a command in flight in @st must be
 * resubmitted by the owner.
 *
 * Return: 0, or -EINVAL when @st fails vtis_tis_state_check() (the core
 * is then untouched).
 */
int vtis_tis_load_state(struct vtis_tis *tis, const struct vtis_tis_state *st);

#endif /* KVM_VTIS_TIS_H */
