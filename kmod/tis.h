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

struct vtis_tis;

/*
 * Callbacks from the core to its owner (backend glue and interrupt line).
 * All are called with the owner's serialisation held and must not block.
 */
struct vtis_tis_ops {
	/*
	 * A complete, validated command is ready for the backend.  @cmd stays
	 * valid and unchanged until the core receives vtis_tis_response() or
	 * is reset; the backend may also copy it.
	 */
	void (*submit)(struct vtis_tis *tis, const u8 *cmd, u32 len, u8 locality);
	/* Ask the backend to cancel the command in flight (best effort). */
	void (*cancel)(struct vtis_tis *tis);
	/* The interrupt line changed level (true = asserted). May be NULL. */
	void (*irq_line)(struct vtis_tis *tis, bool level);
};

/* Versioned, serialisable register state (migration uses it). */
#define VTIS_STATE_VERSION	1

struct vtis_tis_loc {
	u8 access;		/* ACCESS bits kept per locality (beenSeized) */
	u8 state;		/* enum vtis_loc_state */
	u8 pad[2];
	u32 int_enable;
	u32 int_status;
};

struct vtis_tis_state {
	u32 version;		/* VTIS_STATE_VERSION */
	u32 family;		/* enum vtis_family */
	u8 active_locality;	/* 0..4 or VTIS_NO_LOCALITY */
	u8 aborting_locality;	/* deferred switch target, or VTIS_NO_LOCALITY */
	u8 next_locality;	/* locality whose command is in flight / owns data */
	u8 established;		/* tpmEstablishment has been set */
	u8 pending;		/* bitmap of localities with requestUse pending */
	u8 busy;		/* a command is in flight at the backend */
	u8 int_vector;
	u8 pad;
	u32 rw_offset;		/* FIFO read/write position */
	u32 len;		/* bytes of command or response held in buf */
	struct vtis_tis_loc loc[VTIS_NUM_LOCALITIES];
	u8 buf[VTIS_BUFFER_SIZE];
};

struct vtis_tis {
	const struct vtis_tis_ops *ops;
	void *priv;		/* owner's pointer, untouched by the core */
	bool irq_level;		/* last level given to ops->irq_line */
	struct vtis_tis_state s;
};

void vtis_tis_init(struct vtis_tis *tis, enum vtis_family family,
		   const struct vtis_tis_ops *ops, void *priv);

/* Power-on state (platform reset).  A command in flight is forgotten. */
void vtis_tis_reset(struct vtis_tis *tis);

/*
 * Guest access at @offset (0 .. VTIS_WINDOW_SIZE-1, relative to the
 * window's base) of @len bytes (1, 2, 4 or 8; any alignment).  @val holds
 * the bytes in guest (little-endian) order.  An access that crosses a 4 KiB
 * locality boundary or is out of the window reads all-ones / is dropped.
 */
void vtis_tis_read(struct vtis_tis *tis, u32 offset, u32 len, void *val);
void vtis_tis_write(struct vtis_tis *tis, u32 offset, u32 len, const void *val);

/*
 * The backend's answer to the last submitted command.  It is validated
 * (10 <= len <= 4096, header size == len); anything else makes the guest
 * read a TPM failure response of the device's family.  A response with no
 * command in flight is ignored and returns false.
 */
bool vtis_tis_response(struct vtis_tis *tis, const u8 *rsp, u32 len);

/* The backend failed (no emulator, emulator gone, timeout). */
void vtis_tis_backend_error(struct vtis_tis *tis);

/* True while a command is at the backend. */
static inline bool vtis_tis_busy(const struct vtis_tis *tis)
{
	return tis->s.busy;
}

/* Validate a state blob before loading it; 0 or -EINVAL. */
int vtis_tis_state_check(const struct vtis_tis_state *st);

#endif /* KVM_VTIS_TIS_H */
