/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Observability of a device: its statistics (struct vtis_stats), their
 * sysfs and debugfs files, the KVM_VTIS_STATS answer, the tracepoints for
 * what the TIS core reports, and host log messages that a guest or an
 * emulator cannot flood.
 */
#ifndef KVM_VTIS_OBS_H
#define KVM_VTIS_OBS_H

#include <linux/compiler.h>
#include <linux/types.h>

struct dentry;
struct device;
struct kvm_vtis_stats;
struct vtis_dev;

/* A refused or repaired input (tracepoint kvm_vtis_reject, counters). */
enum vtis_obs_reason {
	/* from the guest: counted in rejected_commands */
	VTIS_OBS_PREFIX = 1,		/* swtpm's "TCG prefix" form */
	VTIS_OBS_VENDOR,		/* the vendor set-locality ordinal */
	VTIS_OBS_SIZE,			/* header size wrong, bytes dropped */
	VTIS_OBS_NO_BACKEND,		/* nothing to submit to */
	/* from the backend: counted in bad_responses */
	VTIS_OBS_BAD_RESPONSE,		/* malformed response, repaired */
	VTIS_OBS_EMU_PROTOCOL,		/* emulator write out of protocol */
	/* counted in timeouts */
	VTIS_OBS_TIMEOUT,
	/* counted in backend_failures */
	VTIS_OBS_NO_EMULATOR,
	VTIS_OBS_EMU_GONE,		/* closed mid-command */
	VTIS_OBS_LOCALITY_REFUSED,
};

/* Messages logged once per device (bits of vtis_obs.warned). */
enum vtis_obs_warn {
	VTIS_WARN_TIMEOUT,
	VTIS_WARN_LOCALITY,
	VTIS_WARN_BAD_RESPONSE,
	VTIS_WARN_PROTOCOL,
};

/* Per-device state, embedded in struct vtis_dev. */
struct vtis_obs {
	struct device *sysdev;		/* /sys/class/vtis/vtis<N>, or NULL */
	struct dentry *dbgdir;		/* debugfs kvm_vtis/<N>, or NULL */
	/* Under the device lock: */
	u64 submit_ns;			/* the command in flight was submitted */
	unsigned long warned;		/* enum vtis_obs_warn bits logged */
};

/* Module-wide: the debugfs folder kvm_vtis. */
void vtis_obs_init(void);
void vtis_obs_exit(void);

/* At creation: listen to the device's TIS core. */
void vtis_obs_dev_init(struct vtis_dev *dev);
/* The sysfs device and the debugfs folder; remove them (no lock held). */
int vtis_obs_dev_add(struct vtis_dev *dev);
void vtis_obs_dev_del(struct vtis_dev *dev);

/*
 * A refused or repaired input, or a failed command (under the device
 * lock): count it and trace it.  @locality, @ordinal: the command's, or
 * VTIS_NO_LOCALITY and 0; @rc: what the guest reads, or 0; @len: bytes.
 */
void vtis_obs_reject(struct vtis_dev *dev, enum vtis_obs_reason why,
		     u8 locality, u32 ordinal, u32 rc, u32 len);

/*
 * Log a warning about device @dev once in its lifetime per @what (under
 * the device lock); later occurrences show in the statistics and traces.
 */
__printf(3, 4)
void vtis_obs_warn_once(struct vtis_dev *dev, enum vtis_obs_warn what,
			const char *fmt, ...);

/* KVM_VTIS_STATS: copy the counters (under the device lock). */
void vtis_obs_fill(struct vtis_dev *dev, struct kvm_vtis_stats *st);

#endif /* KVM_VTIS_OBS_H */
