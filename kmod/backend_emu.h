/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulator backend: /dev/vtis-emu<N>, the server side of the vtpm_proxy
 * protocol, served by an unmodified swtpm ("swtpm chardev").
 */
#ifndef KVM_VTIS_BACKEND_EMU_H
#define KVM_VTIS_BACKEND_EMU_H

#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

struct device;
struct vtis_dev;
struct vtis_tis_ops;

/* Where the message offered to the emulator stands. */
enum vtis_emu_state {
	VTIS_EMU_IDLE = 0,	/* nothing to read, no response expected */
	VTIS_EMU_QUEUED,	/* a message waits for read() */
	VTIS_EMU_WAIT_RSP,	/* read; its response is expected by write() */
};

/* Bytes of the set-locality vendor command: header and one locality byte. */
#define VTIS_EMU_SET_LOC_LEN	11

/*
 * Per-device emulator state, embedded in struct vtis_dev.  Everything
 * below is protected by the device's lock, except the wait queue and the
 * work item, which have their own synchronisation.
 */
struct vtis_emu {
	struct device *node;		/* /dev/vtis-emu<N>, or NULL */
	wait_queue_head_t wq;		/* read() and poll() wait here */
	struct delayed_work timeout;	/* command timeout, deferred failures */

	const u8 *cmd;			/* the guest's command (the core's buffer) */
	unsigned long deadline;		/* jiffies when the command times out */
	u32 cmd_len;			/* length of the guest's command, or 0 */
	bool open;			/* an emulator holds the char device */
	u8 state;			/* enum vtis_emu_state */
	bool announcing;		/* the message is the set-locality command */
	bool fail_pending;		/* fail the guest's command from the work */
	bool discard;			/* drop the answer to the message read */
	u8 announced;			/* locality the emulator was told, or none */
	u8 cmd_locality;		/* locality of the guest's command */
	u8 set_loc[VTIS_EMU_SET_LOC_LEN];
};

extern const struct vtis_tis_ops vtis_emu_tis_ops;

/* Module-wide: the char device region. */
int vtis_emu_init(void);
void vtis_emu_exit(void);

/* Per device: set up the state / create the node; remove both. */
void vtis_emu_dev_init(struct vtis_dev *dev);
int vtis_emu_dev_create_node(struct vtis_dev *dev);
/* The device is dead (dev->dead set under the lock): wake everyone. */
void vtis_emu_dev_hangup(struct vtis_dev *dev);
/*
 * Platform reset or state restore, under the lock: forget the guest's
 * command.  A message not yet read is withdrawn; the answer to one the
 * emulator has read is dropped when it comes.
 */
void vtis_emu_dev_reset(struct vtis_dev *dev);
/* Nothing is at the emulator (restore may load a command in flight). */
bool vtis_emu_dev_idle(struct vtis_dev *dev);
/* After hangup, outside the lock: stop the work, remove the node. */
void vtis_emu_dev_destroy(struct vtis_dev *dev);

#endif /* KVM_VTIS_BACKEND_EMU_H */
