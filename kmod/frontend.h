/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device's frontend: the register interface its guest sees in the
 * device's MMIO window.  frontend_tis.c is TCG's TIS (the FIFO interface,
 * on the register model of tis.c), frontend_crb.c the PTP's CRB (on
 * crb.c); each is one member of the frontends' state in struct vtis_dev
 * and one choice at creation (kvm_vtis_attach.interface).
 *
 * The device reaches its frontend only through these ops.  The frontend
 * hands the guest's commands to the backend with vtis_dev_submit() and
 * vtis_dev_cancel() (device.h) and takes the answers through its
 * complete(); it reports its interrupt line to irq.c (vtis_irq_line())
 * and what happens to obs.c (vtis_obs_event()).  Every op but show() runs
 * under the device's lock and must not block.
 */
#ifndef KVM_VTIS_FRONTEND_H
#define KVM_VTIS_FRONTEND_H

#include <linux/types.h>

struct seq_file;
struct vtis_blob;
struct vtis_dev;

/**
 * struct vtis_frontend_ops - a guest interface
 * @name: its name; also its debugfs file's (kvm_vtis/<id>/<name>)
 * @state_size: bytes of the scratch state that parse() fills and load()
 *	takes
 * @state_max: the most bytes save() appends to a migration blob
 * @init: set up the frontend's state of a new device: its family
 *	(dev->family) and its buffer (dev->buf) are known.  Not under the
 *	lock: nobody else can reach the device yet
 * @read: a guest read of @len bytes at @offset in the window into @val
 *	(guest byte order); the access is inside the window
 * @write: a guest write of @len bytes at @offset from @val; true when it
 *	submitted a command (called vtis_dev_submit())
 * @reg_class: the statistics class (KVM_VTIS_REG_*) of the register the
 *	byte at window offset @offset belongs to
 * @reset: the power-on state (platform reset): a command in flight is
 *	forgotten (the backend forgot it first)
 * @complete: the backend's answer @rsp of @len bytes to the command in
 *	flight, or NULL for a failure: the guest reads a TPM failure
 *	response.  Ignored when no command is in flight
 * @busy: whether a command is at the backend
 * @locality: the active locality, or VTIS_NO_LOCALITY
 * @irq_level: the level of the interrupt line (true: asserted)
 * @set_int_vector: the platform's interrupt number the guest reads
 * @save: append the state to migration blob @b (at most @state_max bytes)
 * @parse: check the state at @b (the rest of a migration blob) for this
 *	device and decode it into @st (@state_size bytes, zeroed), without
 *	the lock: the device is not touched.  0 or -EINVAL
 * @load: make @st (from parse()) the state; a command in flight in it is
 *	resubmitted (vtis_dev_resubmit()).  0 or -EINVAL
 * @show: print the state for debugging (debugfs); called without the
 *	device's lock, takes it itself
 */
struct vtis_frontend_ops {
	const char *name;
	size_t state_size;
	u32 state_max;
	void (*init)(struct vtis_dev *dev);
	void (*read)(struct vtis_dev *dev, u32 offset, u32 len, void *val);
	bool (*write)(struct vtis_dev *dev, u32 offset, u32 len,
		      const void *val);
	unsigned int (*reg_class)(u32 offset);
	void (*reset)(struct vtis_dev *dev);
	void (*complete)(struct vtis_dev *dev, const u8 *rsp, u32 len);
	bool (*busy)(const struct vtis_dev *dev);
	u8 (*locality)(const struct vtis_dev *dev);
	bool (*irq_level)(const struct vtis_dev *dev);
	void (*set_int_vector)(struct vtis_dev *dev, u8 vector);
	void (*save)(struct vtis_dev *dev, struct vtis_blob *b);
	int (*parse)(struct vtis_dev *dev, struct vtis_blob *b, void *st);
	int (*load)(struct vtis_dev *dev, void *st);
	void (*show)(struct vtis_dev *dev, struct seq_file *m);
};

/* The TIS (FIFO) interface: frontend_tis.c. */
extern const struct vtis_frontend_ops vtis_fe_tis;
/* The CRB interface: frontend_crb.c. */
extern const struct vtis_frontend_ops vtis_fe_crb;

#endif /* KVM_VTIS_FRONTEND_H */
