/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Observability of a device: its statistics (struct vtis_stats), their
 * sysfs and debugfs files, the KVM_VTIS_STATS answer, the tracepoints for
 * what the TIS core reports, and host log messages that a guest or an
 * emulator cannot flood.  Every counter is written here, in obs.c, from
 * what the device reports: the core's events, guest accesses, commands
 * submitted and their completions (vtis_dev_complete()).
 */
#ifndef KVM_VTIS_OBS_H
#define KVM_VTIS_OBS_H

#include <linux/compiler.h>
#include <linux/types.h>

#include <linux/kvm_vtis.h>

#include "reason.h"
#include "tis.h"

struct dentry;
struct device;
struct kvm_vtis_info;
struct kvm_vtis_stats;
struct vtis_dev;

/*
 * Counters reported by KVM_VTIS_INFO, KVM_VTIS_STATS (see the uapi header
 * for their meaning), sysfs and debugfs.
 */
struct vtis_stats {
	u64 commands;
	u64 responses;
	u64 errors;
	u64 mmio_reads;
	u64 mmio_writes;
	u64 bytes_to_tpm;
	u64 bytes_from_tpm;
	u64 mmio_class_reads[KVM_VTIS_REG_CLASSES];
	u64 mmio_class_writes[KVM_VTIS_REG_CLASSES];
	u64 status_polls;
	u64 locality_changes;
	u64 rejected_commands;
	u64 bad_responses;
	u64 timeouts;
	u64 backend_failures;
	u64 cancelled;
	u64 service_count;
	u64 service_total_ns;
	u64 service_max_ns;
	u64 service_hist[KVM_VTIS_SERVICE_BUCKETS];
};

/*
 * Per-device state, embedded in struct vtis_dev.  The files are set up
 * and removed by vtis_obs_dev_add() and vtis_obs_dev_del(); everything
 * else is under the device's lock.
 */
struct vtis_obs {
	struct device *sysdev;		/* /sys/class/vtis/vtis<N>, or NULL */
	struct dentry *dbgdir;		/* debugfs kvm_vtis/<N>, or NULL */
	/* Under the device lock: */
	struct vtis_stats stats;
	u64 submit_ns;			/* the command in flight was submitted */
	u32 cmd_ordinal;		/* the command in flight: its ordinal, */
	u32 cmd_len;			/* length */
	u8 cmd_locality;		/* and locality */
	unsigned long warned;		/* BIT(enum vtis_obs_reason) logged */
};

/**
 * vtis_obs_init() - module-wide: the debugfs folder kvm_vtis
 *
 * debugfs is optional: without it the devices have no debugfs files.
 */
void vtis_obs_init(void);

/**
 * vtis_obs_exit() - module-wide: remove the debugfs folder
 */
void vtis_obs_exit(void);

/**
 * vtis_obs_dev_add() - the device's statistics device and debugfs folder
 * @dev: the device, being activated; its lock is not held
 *
 * Return: 0 or -errno (debugfs failures are ignored).
 */
int vtis_obs_dev_add(struct vtis_dev *dev);

/**
 * vtis_obs_dev_del() - remove them, once readers in progress are done
 * @dev: the device; its lock is not held
 */
void vtis_obs_dev_del(struct vtis_dev *dev);

/**
 * vtis_obs_event() - what the frontend's core reports: locality changes,
 * refused commands, submissions and completions
 * @dev: the device; its lock is held
 * @ev: the event, valid during the call
 */
void vtis_obs_event(struct vtis_dev *dev, const struct vtis_tis_event *ev);

/**
 * vtis_obs_mmio() - count and trace a guest access the frontend handled,
 * or count one to the firmware event log window
 * @dev: the device; its lock is held
 * @offset: the access's offset in the window (the log from
 *	KVM_VTIS_LOG_OFFSET on)
 * @len: its bytes
 * @val: the bytes read or written
 * @write: a write
 */
void vtis_obs_mmio(struct vtis_dev *dev, u32 offset, u32 len,
		   const void *val, bool write);

/**
 * vtis_obs_submit() - a command goes to the backend
 * @dev: the device; its lock is held
 * @cmd: the command
 * @len: its length
 * @locality: the locality it came from
 *
 * Counts it and remembers it for its completion.
 */
void vtis_obs_submit(struct vtis_dev *dev, const u8 *cmd, u32 len,
		     u8 locality);

/**
 * vtis_obs_restart() - the service time of a command resubmitted without
 * a core event (a restored state's) starts now
 * @dev: the device; its lock is held
 */
void vtis_obs_restart(struct vtis_dev *dev);

/**
 * vtis_obs_answer() - count how the backend ended the command
 * @dev: the device; its lock is held
 * @rsp: the answer, or NULL for a failure
 * @len: bytes of @rsp
 * @why: as for vtis_dev_complete()
 * @busy: a command is in flight at the frontend
 *
 * Called by vtis_dev_complete() before the frontend takes the answer.
 */
void vtis_obs_answer(struct vtis_dev *dev, const u8 *rsp, u32 len,
		     enum vtis_obs_reason why, bool busy);

/**
 * vtis_obs_reject() - count and trace a refused or repaired input, or a
 * failed command
 * @dev: the device; its lock is held
 * @why: what happened; its counter
 * @locality: the command's, or VTIS_NO_LOCALITY
 * @ordinal: the command's, or 0
 * @rc: the TPM return code the guest reads, or 0
 * @len: the bytes concerned
 */
void vtis_obs_reject(struct vtis_dev *dev, enum vtis_obs_reason why,
		     u8 locality, u32 ordinal, u32 rc, u32 len);

/**
 * vtis_obs_warn_once() - log a warning once in the device's lifetime
 * @dev: the device; its lock is held
 * @why: what it is about: logged once per reason; later occurrences show
 *	in the statistics and traces
 * @fmt: the message's format
 */
__printf(3, 4)
void vtis_obs_warn_once(struct vtis_dev *dev, enum vtis_obs_reason why,
			const char *fmt, ...);

/**
 * vtis_obs_info() - KVM_VTIS_INFO: copy its counters
 * @dev: the device; its lock is held
 * @info: the answer
 */
void vtis_obs_info(struct vtis_dev *dev, struct kvm_vtis_info *info);

/**
 * vtis_obs_fill() - KVM_VTIS_STATS: copy the counters
 * @dev: the device; its lock is held
 * @st: the answer
 */
void vtis_obs_fill(struct vtis_dev *dev, struct kvm_vtis_stats *st);

#endif /* KVM_VTIS_OBS_H */
