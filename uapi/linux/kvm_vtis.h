/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvm_vtis: an in-kernel TPM TIS (FIFO) device for KVM guests.
 *
 * Userspace ABI of /dev/kvm-vtis.  Every argument struct starts with
 * "size" (the caller's sizeof of the struct) and "flags".  The kernel
 * accepts any size from the first published size of the struct up to one
 * page: a smaller struct than the kernel knows is zero-extended, a larger
 * one must have only zero bytes beyond what the kernel knows (E2BIG
 * otherwise).  Unknown flag bits and non-zero reserved fields give
 * EINVAL.  Output fields are written back only up to the caller's size.
 *
 * Common errors of every ioctl: EFAULT (bad pointer), EINVAL (bad size,
 * flags or reserved field), E2BIG (unknown non-zero tail), ENOTTY (unknown
 * ioctl).
 */
#ifndef _UAPI_LINUX_KVM_VTIS_H
#define _UAPI_LINUX_KVM_VTIS_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Bumped only for incompatible changes; additions keep it. */
#define KVM_VTIS_API_VERSION	1

/* Guest-physical default base of the TIS window and its length. */
#define KVM_VTIS_DEFAULT_BASE	0xFED40000ULL
#define KVM_VTIS_WINDOW_SIZE	0x5000U

/*
 * The firmware event log window (kvm_vtis_attach.log_size): plain bytes
 * that read back what was written, right after the register window, at
 * base + KVM_VTIS_LOG_OFFSET.  It is where a BIOS (SeaBIOS) writes its TCG
 * event log when the TCPA or TPM2 ACPI table's log area (LASA, LAML) points
 * at it, and where the guest's OS reads that log: memory the VMM need not
 * allocate, outside the guest's RAM.  It reads zero when attached and after
 * KVM_VTIS_RESET.
 */
#define KVM_VTIS_LOG_OFFSET	KVM_VTIS_WINDOW_SIZE
#define KVM_VTIS_LOG_MAX	0x100000U

/* TPM families (kvm_vtis_attach.family). 0 means the default, 2.0. */
#define KVM_VTIS_TPM_DEFAULT	0
#define KVM_VTIS_TPM_1_2	1
#define KVM_VTIS_TPM_2_0	2

/*
 * Guest interfaces (kvm_vtis_attach.interface): the register window the
 * guest's driver sees.  Both are five 4 KiB locality pages from base.
 * CRB is TPM 2.0 only: its pages are the PTP CRB's (registers at
 * 0x00-0x7f, the command and response buffer at 0x80-0xfff, 3968 bytes);
 * kmod/crb.h in the sources documents its register values.
 */
#define KVM_VTIS_INTERFACE_TIS	0	/* TIS 1.3 (FIFO) */
#define KVM_VTIS_INTERFACE_CRB	1	/* PTP CRB (command response buffer) */

/* Backends (kvm_vtis_attach.backend). */
#define KVM_VTIS_BACKEND_EMULATOR	1	/* userspace emulator via /dev/vtis-emu<N> */
#define KVM_VTIS_BACKEND_HOST_TPM	2	/* the host's TPM chip */

#define KVM_VTIS_NAME_LEN	32

/*
 * KVM_VTIS_ATTACH: create a TIS device on the KVM VM behind vm_fd.
 *
 * in:  size, flags (none defined yet: must be 0), vm_fd, base (0 means
 *      KVM_VTIS_DEFAULT_BASE; must be 4 KiB aligned and the window must end
 *      within the 52-bit guest-physical space), family, backend, tpm_index
 *      (host TPM only, else 0), reserved0 (0).  id and emu_name are ignored
 *      on input.
 * out: id (> 0), family (resolved: KVM_VTIS_TPM_1_2 or KVM_VTIS_TPM_2_0),
 *      emu_name (for the emulator backend: the char device's name below
 *      /dev, e.g. "vtis-emu3"; empty otherwise).  They are written before
 *      the device becomes visible; if writing them fails the attach is
 *      undone (EFAULT), and after any other error they mean nothing.
 * in, from KVM_VTIS_ATTACH_SIZE_VER1 on (a smaller size means 0): log_size,
 *      the firmware event log window's size: 0 for none, else a multiple
 *      of 4 KiB up to KVM_VTIS_LOG_MAX; the window then spans base to
 *      base + KVM_VTIS_LOG_OFFSET + log_size, which must end within the
 *      52-bit guest-physical space; interface, KVM_VTIS_INTERFACE_TIS (0)
 *      or KVM_VTIS_INTERFACE_CRB (TPM 2.0 only).
 *
 * KVM_VTIS_BACKEND_HOST_TPM: the guest's commands go to the host's TPM chip
 * /dev/tpm<tpm_index> through the kernel's TPM API, run by a kernel worker.
 * Needs CAP_SYS_ADMIN.  One device at a time holds a chip; detach or the
 * VM's destruction releases it.  family 0 takes the chip's family; any
 * other family must be the chip's.  Commands run at the host driver's
 * locality, whatever locality the guest uses (the emulator's set-locality
 * command does not exist here).  A commandCancel from the guest answers a
 * command still waiting for the chip TPM_RC_CANCELED; one the chip has
 * started runs to its end (the driver's cancel is never called behind the
 * TPM core's back), and its answer is discarded.  When the chip's
 * driver goes away the guest reads TPM failure responses; the device stays
 * until detached.  The chip's state cannot follow the VM: such a device
 * can never be migrated (a state save is refused).
 *
 * The device lives as long as the VM: closing the file that attached it
 * does not detach it; KVM_VTIS_DETACH or the VM's destruction does.  The
 * module cannot be unloaded while any device exists.
 *
 * Errors: EBADF (vm_fd not open); EINVAL when vm_fd is not a KVM VM fd,
 * base misaligned or out of range, family or backend unknown, tpm_index
 * non-zero for the emulator, log_size not a multiple of 4 KiB or above
 * KVM_VTIS_LOG_MAX, interface unknown, or CRB for a TPM 1.2 (also a host
 * TPM 1.2 chip with family 0); EEXIST when the window overlaps another device
 * on the VM's MMIO bus; EOPNOTSUPP for a backend this build does not
 * provide; EBUSY when the host TPM is held by another VM; EPERM for the
 * host TPM without CAP_SYS_ADMIN; ENXIO when there is no host TPM
 * tpm_index (or its driver is gone); EPROTONOSUPPORT when family is not
 * the host TPM's family; ENODEV when the VM is being destroyed;
 * ENOSPC when the device limit (256) is reached or the VM's bus is full;
 * EDQUOT when the caller has max_devices_per_user devices already (a
 * module parameter; in a user namespace the user who made it is counted;
 * CAP_SYS_ADMIN is not limited); ENOMEM.
 */
struct kvm_vtis_attach {
	__u32 size;
	__u32 flags;
	__s32 vm_fd;
	__u32 family;
	__u64 base;
	__u32 backend;
	__u32 tpm_index;
	/* out */
	__u32 id;
	__u32 reserved0;		/* must be 0 */
	char emu_name[KVM_VTIS_NAME_LEN];
	/* From KVM_VTIS_ATTACH_SIZE_VER1 on: */
	__u32 log_size;
	__u32 interface;		/* KVM_VTIS_INTERFACE_* */
};
#define KVM_VTIS_ATTACH_SIZE_VER0	72
#define KVM_VTIS_ATTACH_SIZE_VER1	80

/*
 * KVM_VTIS_DETACH: remove device id from its VM.  A command in flight is
 * abandoned; a connected emulator sees POLLHUP and EOF (its writes then
 * fail with ENODEV).  If the VM is already being destroyed, the device
 * goes away with it and detach returns 0.  reserved0 must be 0.
 * Only the user who attached the device (the same effective uid) or a
 * caller with CAP_SYS_ADMIN may detach it.
 * Errors: ENOENT (no such device); EPERM (neither its attacher nor
 * CAP_SYS_ADMIN).
 */
struct kvm_vtis_detach {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 reserved0;		/* must be 0 */
};
#define KVM_VTIS_DETACH_SIZE_VER0	16

/*
 * KVM_VTIS_LIST: ids of all attached devices.
 * in:  ids (user pointer to a __u32 array), capacity (its length).
 * out: count (number of devices; min(count, capacity) ids were written,
 *      in ascending order).
 */
struct kvm_vtis_list {
	__u32 size;
	__u32 flags;
	__u64 ids;
	__u32 capacity;
	__u32 count;
};
#define KVM_VTIS_LIST_SIZE_VER0		24

/* kvm_vtis_info.state bits */
#define KVM_VTIS_STATE_EMU_CONNECTED	(1U << 0)	/* an emulator holds the char device */
#define KVM_VTIS_STATE_CMD_IN_FLIGHT	(1U << 1)

/*
 * KVM_VTIS_INFO: describe device id.  family is the resolved family
 * (KVM_VTIS_TPM_1_2 or KVM_VTIS_TPM_2_0, never the default 0).
 * Errors: ENOENT (no such device); EPERM (neither its attacher nor
 * CAP_SYS_ADMIN).
 */
struct kvm_vtis_info {
	__u32 size;
	__u32 flags;
	__u32 id;			/* in */
	__u32 family;
	__u64 base;
	__u32 backend;
	__s32 owner_pid;		/* tgid that created the VM, as KVM records it */
	__u32 state;			/* KVM_VTIS_STATE_* */
	__u32 active_locality;		/* 0-4, or 0xff when none */
	char emu_name[KVM_VTIS_NAME_LEN];
	__u64 commands;			/* commands handed to the backend */
	__u64 responses;		/* responses accepted from the backend */
	__u64 errors;			/* failure responses synthesised for the guest */
	__u64 mmio_reads;
	__u64 mmio_writes;
	__u64 bytes_to_tpm;
	__u64 bytes_from_tpm;
	/* From KVM_VTIS_INFO_SIZE_VER1 on (a smaller size gets none of it): */
	__u32 irq;			/* GSI set by KVM_VTIS_SET_IRQ, 0: none */
	__u32 irq_flags;		/* that line's KVM_VTIS_IRQ_* flags */
	/* From KVM_VTIS_INFO_SIZE_VER2 on: */
	__u32 interface;		/* KVM_VTIS_INTERFACE_* */
	__u32 log_size;			/* the firmware event log window's, 0: none */
};
#define KVM_VTIS_INFO_SIZE_VER0		128
#define KVM_VTIS_INFO_SIZE_VER1		136
#define KVM_VTIS_INFO_SIZE_VER2		144

#define KVM_VTIS_MAGIC	0xB8

/*
 * The ioctl numbers encode the first published size of each struct and
 * never change; the size field, not the number, says what the caller has.
 */

/* Returns KVM_VTIS_API_VERSION. */
#define KVM_VTIS_GET_API_VERSION	_IO(KVM_VTIS_MAGIC, 0x00)
/* Grown since (VER1), as KVM_VTIS_INFO below: the number keeps VER0. */
#define KVM_VTIS_ATTACH		_IOC(_IOC_READ | _IOC_WRITE, KVM_VTIS_MAGIC, 0x01, \
				     KVM_VTIS_ATTACH_SIZE_VER0)
#define KVM_VTIS_DETACH		_IOW(KVM_VTIS_MAGIC, 0x02, struct kvm_vtis_detach)
#define KVM_VTIS_LIST		_IOWR(KVM_VTIS_MAGIC, 0x03, struct kvm_vtis_list)
/* The struct has grown since (VER1): the number keeps its first size. */
#define KVM_VTIS_INFO		_IOC(_IOC_READ | _IOC_WRITE, KVM_VTIS_MAGIC, 0x04, \
				     KVM_VTIS_INFO_SIZE_VER0)

/* Register classes of kvm_vtis_stats.mmio_reads[] / mmio_writes[]. */
#define KVM_VTIS_REG_ACCESS	0	/* ACCESS */
#define KVM_VTIS_REG_INT	1	/* INT_ENABLE, INT_VECTOR, INT_STATUS */
#define KVM_VTIS_REG_STS	2	/* STS (with burstCount) */
#define KVM_VTIS_REG_FIFO	3	/* DATA_FIFO, XDATA_FIFO */
#define KVM_VTIS_REG_ID		4	/* INTF_CAPABILITY, INTERFACE_ID, DID_VID, RID */
#define KVM_VTIS_REG_OTHER	5	/* offsets with no register */
#define KVM_VTIS_REG_LOG	6	/* the firmware event log window */
#define KVM_VTIS_REG_CLASSES	8	/* array length; unused entries read 0 */

/*
 * Backend service time histogram: bucket 0 counts commands answered in
 * less than 2 us, bucket i (1 <= i < 31) those taking [2^i, 2^(i+1)) us,
 * bucket 31 everything from 2^31 us on.
 */
#define KVM_VTIS_SERVICE_BUCKETS	32

/*
 * KVM_VTIS_STATS: the statistics of device id, read at one instant.
 * in:  size, flags (none defined: 0), id.
 * out: everything else.  The first five counters are those of
 *      KVM_VTIS_INFO.  Counters start at 0 when the device is attached and
 *      only grow.
 *
 * mmio_reads/mmio_writes: guest accesses by the class (KVM_VTIS_REG_*) of
 *      the register their first byte falls into.
 * status_polls: STS reads while a command was at the backend.
 * locality_changes: changes of the active locality (to none included).
 * rejected_commands: guest commands refused before the backend (the vendor
 *      set-locality ordinal, the "TCG prefix" form, a wrong size); the
 *      guest read a TPM error response.
 * bad_responses: malformed backend responses (the guest read a failure).
 * timeouts: commands the backend did not answer in time.
 * backend_failures: commands failed because no emulator was connected, it
 *      closed mid-command or refused the locality.
 * cancelled: answers dropped because the guest aborted the command or
 *      changed locality while it executed.
 * service_*: time from handing a command to the backend until it ended
 *      (answered, failed or dropped), over service_count commands; the
 *      histogram has service_buckets (KVM_VTIS_SERVICE_BUCKETS) entries.
 *
 * Errors: ENOENT (no such device); EPERM (neither its attacher nor
 * CAP_SYS_ADMIN).
 */
struct kvm_vtis_stats {
	__u32 size;
	__u32 flags;
	__u32 id;			/* in */
	__u32 service_buckets;
	__u64 commands;
	__u64 responses;
	__u64 errors;
	__u64 bytes_to_tpm;
	__u64 bytes_from_tpm;
	__u64 mmio_reads[KVM_VTIS_REG_CLASSES];
	__u64 mmio_writes[KVM_VTIS_REG_CLASSES];
	__u64 status_polls;
	__u64 locality_changes;
	__u64 rejected_commands;
	__u64 bad_responses;
	__u64 timeouts;
	__u64 backend_failures;
	__u64 cancelled;
	__u64 service_count;
	__u64 service_total_ns;
	__u64 service_max_ns;
	__u64 service_hist[KVM_VTIS_SERVICE_BUCKETS];
};
#define KVM_VTIS_STATS_SIZE_VER0	520

#define KVM_VTIS_STATS		_IOWR(KVM_VTIS_MAGIC, 0x05, struct kvm_vtis_stats)

/* kvm_vtis_irq.flags */
#define KVM_VTIS_IRQ_DIRECT	(1U << 0)	/* the module drives the GSI itself */

/*
 * KVM_VTIS_SET_IRQ: give device id an interrupt line, replace it, or take
 * it away.  The TIS interrupt line (TCG PTP: a source bit set in both
 * INT_STATUS and INT_ENABLE of the active locality, with globalIntEnable)
 * then drives the line, and INT_VECTOR reads irq.  Three forms:
 *
 * eventfd >= 0, flags 0: eventfd is an eventfd the VMM gave to KVM with
 *      KVM_IRQFD for GSI irq.  With resample_fd -1 (an edge-triggered
 *      irqfd) the eventfd is signalled on every rising edge of the TIS
 *      line.  With resample_fd >= 0, the KVM_IRQFD_FLAG_RESAMPLE eventfd of
 *      the same irqfd (a level-triggered line): the eventfd is signalled on
 *      a rising edge, and again whenever KVM signals resample_fd (the
 *      guest's EOI) while the TIS line is still asserted.  The device holds
 *      both files until the line is replaced or removed, or the device
 *      goes away, so the irqfd stays registered with KVM even when the
 *      caller closes them.
 * flags KVM_VTIS_IRQ_DIRECT, eventfd and resample_fd -1: no eventfd; the
 *      device drives GSI irq of the VM's in-kernel irqchip (KVM_CREATE_IRQCHIP,
 *      QEMU's kernel-irqchip=on) itself as a level-triggered line, asserted
 *      exactly while the TIS line is.  This works from any process, also
 *      for a VMM that knows nothing of kvm_vtis.  The guest must be told a
 *      level-triggered interrupt (vtisctl acpi --irq does so).
 * eventfd -1, flags 0, irq 0, resample_fd -1: remove the line; INT_VECTOR
 *      reads 0 and the device raises no interrupt any more.
 *
 * A line being replaced or removed is de-asserted first.  reserved0 must
 * be 0.
 *
 * Only the attaching user or CAP_SYS_ADMIN may set it.
 * Errors: ENOENT (no such device); EPERM (neither its attacher nor
 * CAP_SYS_ADMIN); EINVAL for irq outside 1..255 (or not
 * 0 when removing), a flag other than KVM_VTIS_IRQ_DIRECT, an fd given
 * with KVM_VTIS_IRQ_DIRECT, resample_fd without eventfd, or an fd that is
 * not an eventfd; EBADF (an fd not open); ENXIO (KVM_VTIS_IRQ_DIRECT: the
 * VM has no in-kernel irqchip route for irq); ENOSPC (KVM_VTIS_IRQ_DIRECT:
 * the VM has no free interrupt source left); EOPNOTSUPP (this build cannot
 * drive a VM's irqchip); ENODEV when the VM is being destroyed; ENOMEM.
 */
struct kvm_vtis_irq {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 irq;			/* GSI; INT_VECTOR reads it */
	__s32 eventfd;
	__s32 resample_fd;
	__u32 reserved0;		/* must be 0 */
	__u32 reserved1;		/* must be 0 */
};
#define KVM_VTIS_IRQ_SIZE_VER0		32

#define KVM_VTIS_SET_IRQ	_IOW(KVM_VTIS_MAGIC, 0x06, struct kvm_vtis_irq)

/*
 * KVM_VTIS_RESET: put device id into its power-on state, as a platform
 * reset does: no active locality, no pending request, every locality idle
 * with its power-on INT_ENABLE, an empty FIFO.  The TPM's establishment
 * flag and INT_VECTOR are kept.  A command in flight is abandoned: its
 * answer, when the backend gives it, is dropped (a new guest command that
 * arrives before that answer gets a TPM failure response).  The TPM itself
 * is not touched: restart the emulator's TPM (swtpm's CMD_INIT on its
 * control channel, which "vtisctl reset --ctrl" sends) so the guest's
 * TPM2_Startup / TPM_Startup succeeds after the reset.  Call it while the
 * VM's vCPUs are stopped.  reserved0 must be 0.  Like detach, only the
 * user who attached the device or CAP_SYS_ADMIN may reset it.
 * Errors: ENOENT (no such device); EPERM (neither its attacher nor
 * CAP_SYS_ADMIN).
 */
struct kvm_vtis_reset {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 reserved0;		/* must be 0 */
};
#define KVM_VTIS_RESET_SIZE_VER0	16

/* Largest state blob any version of the module produces. */
#define KVM_VTIS_STATE_MAX		8192

/*
 * KVM_VTIS_SAVE_STATE / KVM_VTIS_RESTORE_STATE: the device's interface
 * state (TIS: registers of every locality, the FIFO and the command or
 * response in it; CRB: its registers and buffer; a command in flight) as an opaque, versioned, self-checking blob of
 * at most KVM_VTIS_STATE_MAX bytes, for migration.  The TPM's own state is
 * not in it: move it with the emulator (swtpm's GET/SET_STATEBLOB on its
 * control channel, or its state directory while it is stopped).  Nor is
 * the firmware event log window's content: firmware writes the log anew
 * at every boot and the guest's OS copies it when its TPM driver starts,
 * so only a guest migrated between the two loses it (the destination's
 * window reads zero).  Take and load it while the VM's vCPUs are stopped.
 *
 * Blob layout (all fields little-endian): magic "VTIS" (0x53495456),
 * u16 format version (1), u16 header size (32), u32 total length, u32
 * family, u32 backend, u32 flags (0), u32 CRC-32 (IEEE 802.3, as zlib's
 * crc32()) of the whole blob computed with this field zero, u32 interface
 * (KVM_VTIS_INTERFACE_*; a blob restores only into a device of the same
 * interface, family and backend); then the interface's state, field by
 * field.
 *
 * Save: in: id, data (user pointer), len (its capacity in bytes).
 *      out: len (the blob's length; also on ENOSPC, the length needed).
 *      A command in flight is saved with the state; it is resubmitted to
 *      the backend on restore (the source's answer to it is not moved).
 * Restore: in: id, data, len (the blob's length).  The device must be an
 *      emulator device of the blob's family, with no command in flight
 *      and no emulator answer outstanding.  Everything is checked before
 *      the device is touched; on any error it is left as it was.  A
 *      command in flight in the blob goes to the emulator at once (connect
 *      it first, or the guest reads a TPM failure response).
 *
 * The state holds the guest's command or response bytes: only the user
 * who attached the device or CAP_SYS_ADMIN may save or restore it.
 *
 * Errors: ENOENT (no such device); EPERM (neither its attacher nor
 * CAP_SYS_ADMIN); EOPNOTSUPP (the device is on the host
 * TPM: its chip's state cannot follow the VM); ENOSPC (save: len too
 * small); EINVAL (restore: a blob that is truncated, corrupted, of an
 * unknown version or of another family or backend; len 0 or above
 * KVM_VTIS_STATE_MAX); EBUSY (restore: a command is in flight on the
 * device); ENOMEM.
 */
struct kvm_vtis_state {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 len;
	__u64 data;
};
#define KVM_VTIS_STATE_SIZE_VER0	24

#define KVM_VTIS_RESET		_IOW(KVM_VTIS_MAGIC, 0x07, struct kvm_vtis_reset)
#define KVM_VTIS_SAVE_STATE	_IOWR(KVM_VTIS_MAGIC, 0x08, struct kvm_vtis_state)
#define KVM_VTIS_RESTORE_STATE	_IOW(KVM_VTIS_MAGIC, 0x09, struct kvm_vtis_state)

#endif /* _UAPI_LINUX_KVM_VTIS_H */
