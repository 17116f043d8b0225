/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device's backend: what takes the guest's commands to a TPM and brings
 * its answers back.  backend_emu.c serves a device from an emulator on
 * /dev/vtis-emu<N>, backend_host.c from one of the host's TPM chips.
 *
 * The device calls its backend only through the backend's ops (struct
 * vtis_backend_ops); the backend sees its device only through the
 * functions declared below, never through struct vtis_dev, which is
 * opaque here.  Every command submit() hands the backend ends with one
 * call of vtis_dev_complete(), an answer or a failure, made under the
 * device's lock: from inside submit() itself, or later from the backend's
 * own context (a write() of the emulator, a work item).  Nothing a vCPU
 * calls waits for the TPM.
 */
#ifndef KVM_VTIS_BACKEND_H
#define KVM_VTIS_BACKEND_H

#include <linux/types.h>
#include <linux/uidgid.h>

#include "reason.h"

/* Devices the module serves at once; ids are 1..VTIS_MAX_DEVICES. */
#define VTIS_MAX_DEVICES	256

struct kvm_vtis_attach;
struct vtis_backend;
struct vtis_dev;
struct workqueue_struct;

/**
 * struct vtis_backend_ops - a kind of backend (KVM_VTIS_BACKEND_*)
 * @node: the prefix of the /dev node an emulator serves the device from
 *	(named @node<id>), or NULL when there is none
 * @migratable: the device's state may be saved and restored: the TPM's
 *	own state can follow the VM (a host chip's cannot)
 * @check: the attach request @a names this backend: check and complete
 *	what is the backend's (tpm_index, the default family, permission),
 *	before anything is taken.  0 or -errno
 * @create: set up the backend of a new device; @be->dev is allocated but
 *	not yet visible, @be->priv is for the backend to set.  May resolve
 *	@a->family (KVM_VTIS_TPM_1_2 or _2_0 from here on).  0 or -errno;
 *	on error nothing is left to undo.  After success destroy() always
 *	comes, then release()
 * @publish: the device is being attached: make what the backend offers
 *	userspace (the emulator's node).  May be NULL.  0 or -errno; the
 *	device is then destroyed
 * @submit: take the guest's command @cmd of @len bytes from @locality;
 *	@cmd stays valid and unchanged until the command completes or the
 *	backend is reset.  Under the device lock; must not block
 * @cancel: the guest cancelled the command in flight (best effort; its
 *	completion is still due).  Under the device lock; must not block
 * @reset: forget the command in flight (platform reset, state restore):
 *	its answer, if one comes, must not reach vtis_dev_complete().
 *	Under the device lock; must not block
 * @idle: no command is at the backend and no completion is pending.
 *	Under the device lock.  Required when @migratable
 * @connected: an emulator serves the device now (KVM_VTIS_INFO).  Under
 *	the device lock; may be NULL (never)
 * @hangup: the device is dead (vtis_dev_dead() is true from now on):
 *	stop the command in flight, wake whoever waits.  Under the device
 *	lock, once
 * @destroy: after hangup() (or for a device never attached), without the
 *	device lock: stop the backend's work and remove its files.  The
 *	device's memory stays until release()
 * @release: the device's memory goes: free what it still refers to.  May
 *	be NULL
 */
struct vtis_backend_ops {
	const char *node;
	bool migratable;
	int (*check)(struct kvm_vtis_attach *a);
	int (*create)(struct vtis_backend *be, struct kvm_vtis_attach *a);
	int (*publish)(struct vtis_backend *be);
	void (*submit)(struct vtis_backend *be, const u8 *cmd, u32 len,
		       u8 locality);
	void (*cancel)(struct vtis_backend *be);
	void (*reset)(struct vtis_backend *be);
	bool (*idle)(struct vtis_backend *be);
	bool (*connected)(struct vtis_backend *be);
	void (*hangup)(struct vtis_backend *be);
	void (*destroy)(struct vtis_backend *be);
	void (*release)(struct vtis_backend *be);
};

/**
 * struct vtis_backend - a device's backend, embedded in struct vtis_dev
 * @ops: its kind; fixed at creation
 * @dev: the device it serves; fixed at creation
 * @priv: the backend's own state, set by ops->create()
 *
 * It lives as long as the device's memory, so @ops may be read whenever a
 * device reference is held; what @priv points to is the backend's to
 * keep alive (see its ops).
 */
struct vtis_backend {
	const struct vtis_backend_ops *ops;
	struct vtis_dev *dev;
	void *priv;
};

/* The module's workqueue (device.c): backends' work items run on it. */
extern struct workqueue_struct *vtis_wq;

/* What a backend may know of its device (device.c). */

/**
 * vtis_dev_lock() - take the device's lock
 * @dev: the device
 *
 * The lock serialises everything a device's parts share (see device.h);
 * a backend's state says what of it the lock protects.
 */
void vtis_dev_lock(struct vtis_dev *dev);

/**
 * vtis_dev_unlock() - release the device's lock
 * @dev: the device
 */
void vtis_dev_unlock(struct vtis_dev *dev);

/**
 * vtis_dev_assert_held() - lockdep: the caller holds the device's lock
 * @dev: the device
 */
void vtis_dev_assert_held(struct vtis_dev *dev);

/**
 * vtis_dev_dead() - has the device been torn down?
 * @dev: the device
 *
 * Set once, under the lock, before the backend's hangup(); never cleared.
 * Read without the lock it is only a hint.
 *
 * Return: true once the device is dead.
 */
bool vtis_dev_dead(struct vtis_dev *dev);

/**
 * vtis_dev_id() - the device's id
 * @dev: the device
 *
 * Return: its id, 1..VTIS_MAX_DEVICES; fixed.
 */
u32 vtis_dev_id(const struct vtis_dev *dev);

/**
 * vtis_dev_family() - the TPM family the guest sees
 * @dev: the device
 *
 * Return: KVM_VTIS_TPM_1_2 or KVM_VTIS_TPM_2_0; fixed.
 */
u32 vtis_dev_family(const struct vtis_dev *dev);

/**
 * vtis_dev_owner() - the device's owner, its attacher's effective uid
 * @dev: the device
 *
 * Return: the uid; fixed.
 */
kuid_t vtis_dev_owner(const struct vtis_dev *dev);

/**
 * vtis_dev_get() - a reference to a live device
 * @id: its id
 *
 * Return: the device, or NULL when no device @id is attached.  Drop the
 * reference with vtis_dev_put().
 */
struct vtis_dev *vtis_dev_get(u32 id);

/**
 * vtis_dev_hold() - another reference to a device
 * @dev: the device, of which the caller holds a reference
 *
 * Drop it with vtis_dev_put().
 */
void vtis_dev_hold(struct vtis_dev *dev);

/**
 * vtis_dev_put() - drop a device reference
 * @dev: the device
 *
 * The last one frees the device's memory (after ops->release()).
 */
void vtis_dev_put(struct vtis_dev *dev);

/**
 * vtis_dev_may_manage() - may the calling task manage the device?
 * @dev: the device
 *
 * May it detach, reset, save, restore it or set its interrupt, read its
 * information and statistics, or serve it as its emulator?  Its attacher
 * (the effective uid that attached it) may, and so may CAP_SYS_ADMIN:
 * group kvm lets other users open /dev/kvm-vtis, not see into or take
 * apart each other's devices.  Anyone who may open /dev/kvm-vtis learns
 * which ids exist (KVM_VTIS_LIST), nothing more.
 *
 * Return: true if it may.
 */
bool vtis_dev_may_manage(const struct vtis_dev *dev);

/**
 * vtis_dev_backend() - the device's backend
 * @dev: the device, of which the caller holds a reference
 *
 * Return: the backend; valid as long as the reference.
 */
struct vtis_backend *vtis_dev_backend(struct vtis_dev *dev);

/**
 * vtis_dev_complete() - end the command in flight: the completion path
 * @dev: the device; its lock is held
 * @rsp: the answer for the guest, or NULL for a failure (the guest then
 *	reads a TPM failure response of its family)
 * @len: bytes of @rsp
 * @why: %VTIS_OBS_NONE with the TPM's own answer; for a failure its
 *	reason, counted and traced (%VTIS_OBS_NONE: none); with a response
 *	the backend made up itself, why (%VTIS_OBS_CANCELED: its
 *	TPM_RC_CANCELED)
 *
 * Counts the answer (obs.c), hands it to the frontend and wakes a vCPU
 * waiting after GO.  A frontend with no command in flight (after a reset)
 * ignores it.  Never after the device's hangup().
 */
void vtis_dev_complete(struct vtis_dev *dev, const u8 *rsp, u32 len,
		       enum vtis_obs_reason why);

#endif /* KVM_VTIS_BACKEND_H */
