/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One attached TIS device: its registry entry, lifetime and lock.
 *
 * Lifetime.  A device is created by the attach ioctl and "live" from the
 * moment it is published in the registry until either the detach ioctl or
 * the VM's destruction (KVM calls the io device's destructor) retires it;
 * whichever clears dev->registered (under vtis_devs_lock) first does the
 * teardown.  The attach holds a VM reference only while it runs, so the VM
 * can die normally.  Memory is reference counted (kref): the registry holds
 * one reference until teardown ends, and each lookup, each open emulator
 * file and each queued work item that reaches the device (the host TPM's
 * worker, the direct interrupt line's) hold one, so an emulator that keeps
 * its fd open after the device is gone sees EOF and POLLHUP, never freed
 * memory.  The backend's state such holders reach stays as long as they
 * need it: the emulator's until the device's memory goes (ops->release()),
 * the host TPM's by a reference count of its own.  Each live device holds
 * a module reference, so the module cannot be unloaded while any device
 * exists.
 *
 * Parts.  The device owns its frontend (frontend.h: the register
 * interface its guest sees, reached through its ops), its backend
 * (backend.h: reached only through its ops, and reaching the device only
 * through the functions declared there), its interrupt line (irq.h) and
 * its statistics (obs.h).  The device joins them: a command goes from the
 * frontend to the backend through vtis_dev_submit(), and comes back
 * through vtis_dev_complete().
 */
#ifndef KVM_VTIS_DEVICE_H
#define KVM_VTIS_DEVICE_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <kvm/iodev.h>

#include <linux/kvm_vtis.h>

#include "backend.h"
#include "crb.h"
#include "frontend.h"
#include "irq.h"
#include "obs.h"
#include "tis.h"

struct kvm;

struct vtis_dev {
	/* Fixed at creation. */
	u32 id;
	u32 family;			/* KVM_VTIS_TPM_1_2 or KVM_VTIS_TPM_2_0 */
	u32 backend;			/* KVM_VTIS_BACKEND_* */
	u32 interface;			/* KVM_VTIS_INTERFACE_* */
	u64 base;			/* guest-physical base of the window */
	pid_t owner_pid;
	/* Effective uid of the attacher: it (or CAP_SYS_ADMIN) manages it. */
	kuid_t owner_uid;
	/* Who it counts against for max_devices_per_user (device.c). */
	kuid_t charged_uid;
	/*
	 * No reference is held: the pointer is valid while the device is on
	 * the VM's bus, i.e. until teardown (see the lifetime comment above).
	 */
	struct kvm *kvm;
	struct kvm_io_device iodev;
	struct kref ref;

	/* Published and not yet retired; protected by vtis_devs_lock. */
	bool registered;
	/* KVM's destructor ran (a dropped bus); protected by vtis_devs_lock. */
	bool bus_dropped;
	/*
	 * Torn down: no more frontend or backend calls (the backend is hung
	 * up).  Protected by lock (below).
	 */
	bool dead;

	/*
	 * Serialises the frontend, the backend state, the counters (obs),
	 * the log window's bytes and done_seq/dead.  A mutex: vCPU accesses
	 * and emulator I/O may sleep briefly around it, and nothing takes it
	 * in atomic context.
	 */
	struct mutex lock;
	unsigned long done_seq;		/* bumped on every command completion */
	/* The frontend: ops fixed at creation (frontend.h), and its state. */
	const struct vtis_frontend_ops *fe;
	union {
		struct vtis_tis tis;	/* vtis_fe_tis (frontend_tis.c) */
		struct vtis_crb crb;	/* vtis_fe_crb (frontend_crb.c) */
	};
	/* The frontend's command and response buffer, VTIS_BUFFER_SIZE bytes. */
	u8 *buf;
	/*
	 * The firmware event log window (KVM_VTIS_LOG_OFFSET on): log_size
	 * bytes, none when 0.  The pointer and size are fixed at creation;
	 * the bytes are protected by lock.
	 */
	u8 *log;
	u32 log_size;
	/* The backend: ops fixed at creation, its state its own (backend.h). */
	struct vtis_backend be;

	/* A vCPU waiting after GO for the completion (done_seq changes). */
	wait_queue_head_t done_wq;

	/* Statistics, their files and per-command timing (obs.h). */
	struct vtis_obs obs;

	/* The interrupt line (irq.h). */
	struct vtis_irq irq;

	/* Drops the registry's reference after a teardown KVM started. */
	struct work_struct release_work;
};

/**
 * vtis_devices_init() - module-wide: the module's workqueue
 *
 * Return: 0 or -ENOMEM.
 */
int vtis_devices_init(void);

/**
 * vtis_devices_exit() - module-wide: drain and destroy the workqueue
 *
 * Runs only when no device exists: each one holds a module reference.
 */
void vtis_devices_exit(void);

/**
 * vtis_dev_create() - a new device, not yet visible to lookups
 * @kvm: its VM; the caller holds a VM reference
 * @ops: its backend
 * @a: the attach request, checked (the backend's check() included); the
 *	backend's create() resolves @a->family
 *
 * Sets up the backend, the frontend and the interrupt line, and reserves
 * an id.
 *
 * Return: the device, or ERR_PTR(the backend's create() error, -ENOSPC: no
 * id left, -EDQUOT: the caller has max_devices_per_user devices already,
 * -ENOMEM).
 */
struct vtis_dev *vtis_dev_create(struct kvm *kvm,
				 const struct vtis_backend_ops *ops,
				 struct kvm_vtis_attach *a);

/**
 * vtis_dev_activate() - make a created device live
 * @dev: the device, from vtis_dev_create()
 *
 * What the backend publishes (the emulator's node), the statistics
 * device, the MMIO bus, the registry, in that order.  The caller still
 * holds its VM reference.  On error everything done is undone and the
 * device is freed.
 *
 * Return: 0, or the error of the step that failed (-EEXIST: the window
 * overlaps another device on the bus; -ENOSPC: the bus is full; -ENOMEM,
 * also when KVM dropped the bus meanwhile).
 */
int vtis_dev_activate(struct vtis_dev *dev);

/**
 * vtis_dev_abort() - free a device that was created but never activated
 * @dev: the device
 */
void vtis_dev_abort(struct vtis_dev *dev);

/**
 * vtis_dev_pin_vm() - a reference on a live device's VM
 * @dev: the device; the caller holds a device reference
 *
 * Return: the VM, or NULL when the device is retired or its VM is being
 * destroyed.  Drop it with vtis_kvm_put().
 */
struct kvm *vtis_dev_pin_vm(struct vtis_dev *dev);

/**
 * vtis_dev_detach() - retire a live device (the detach ioctl)
 * @id: its id
 *
 * Return: 0 (also when its VM is being destroyed, which retires it),
 * -ENOENT (no such device) or -EPERM (the caller may not manage it).
 */
int vtis_dev_detach(u32 id);

/**
 * vtis_dev_vm_gone() - the VM's bus is going away (the io device's
 * destructor)
 * @dev: the device
 *
 * Retires the device unless a detach got there first.
 */
void vtis_dev_vm_gone(struct vtis_dev *dev);

/**
 * vtis_dev_list() - the ids of the live devices
 * @ids: where they go, in ascending order
 * @cap: room in @ids
 *
 * Return: how many devices live (at most @cap of them are in @ids).
 */
u32 vtis_dev_list(u32 *ids, u32 cap);

/**
 * vtis_dev_done() - a command ended, or the device changed under it:
 * wake a vCPU waiting after GO
 * @dev: the device; its lock is held
 */
static inline void vtis_dev_done(struct vtis_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	WRITE_ONCE(dev->done_seq, dev->done_seq + 1);
	wake_up_all(&dev->done_wq);
}

/**
 * vtis_dev_submit() - the frontend hands the backend a command
 * @dev: the device; its lock is held
 * @cmd: the command; valid and unchanged until it completes or the
 *	frontend is reset
 * @len: its length
 * @locality: the locality it came from
 *
 * Counts it, then the backend takes it; its answer comes back through
 * vtis_dev_complete(), possibly from inside this call.
 */
void vtis_dev_submit(struct vtis_dev *dev, const u8 *cmd, u32 len,
		     u8 locality);

/**
 * vtis_dev_resubmit() - vtis_dev_submit() for the command in flight of a
 * restored state
 * @dev: the device; its lock is held
 * @cmd: the command
 * @len: its length
 * @locality: the locality it came from
 *
 * No core event reported it: its service time starts here.
 */
void vtis_dev_resubmit(struct vtis_dev *dev, const u8 *cmd, u32 len,
		       u8 locality);

/**
 * vtis_dev_cancel() - the guest cancelled the command in flight
 * @dev: the device; its lock is held
 *
 * Best effort: the backend still completes the command, possibly from
 * inside this call.
 */
void vtis_dev_cancel(struct vtis_dev *dev);

/**
 * vtis_dev_migratable() - may the device's state be saved for migration?
 * @dev: the device
 *
 * A save-state ioctl must refuse (EOPNOTSUPP) a device on the host TPM:
 * the chip's state (PCRs, keys, sessions, NV) stays with the host and
 * cannot follow the VM.
 *
 * Return: true if its backend's state can follow the VM.
 */
static inline bool vtis_dev_migratable(const struct vtis_dev *dev)
{
	return dev->be.ops->migratable;
}

#endif /* KVM_VTIS_DEVICE_H */
