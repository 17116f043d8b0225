/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one list of reasons a device counts, traces and logs (obs.c) when an
 * input is refused or repaired or a command fails: the guest's (the TIS
 * core's), the backends' and the device's.
 */
#ifndef KVM_VTIS_REASON_H
#define KVM_VTIS_REASON_H

#include <linux/build_bug.h>

#include "tis.h"

/*
 * Why an input was refused or repaired, or a command failed: counted,
 * traced (tracepoint kvm_vtis_reject, whose records carry these numbers:
 * they never change) and logged once per device (vtis_obs_warn_once()).
 * The guest's reasons are the TIS core's (VTIS_EV_REJECT).
 */
enum vtis_obs_reason {
	VTIS_OBS_NONE = 0,
	/* from the guest: counted in rejected_commands */
	VTIS_OBS_PREFIX = VTIS_EVR_PREFIX,	/* swtpm's "TCG prefix" form */
	VTIS_OBS_VENDOR = VTIS_EVR_VENDOR,	/* the vendor set-locality ordinal */
	VTIS_OBS_SIZE = VTIS_EVR_SIZE,		/* header size wrong, bytes dropped */
	VTIS_OBS_NO_BACKEND = VTIS_EVR_NO_BACKEND,	/* nothing to submit to */
	/* from the backend: counted in bad_responses */
	VTIS_OBS_BAD_RESPONSE,		/* malformed response, repaired */
	VTIS_OBS_EMU_PROTOCOL,		/* emulator write out of protocol */
	/* counted in timeouts */
	VTIS_OBS_TIMEOUT,
	/* counted in backend_failures */
	VTIS_OBS_NO_EMULATOR,
	VTIS_OBS_EMU_GONE,		/* closed mid-command */
	VTIS_OBS_LOCALITY_REFUSED,
	/*
	 * The guest cancelled the command and the backend ended it itself:
	 * nobody's fault, neither traced nor counted as a refusal.
	 */
	VTIS_OBS_CANCELED,
};

/* The tracepoint's records carry the reasons' numbers: they stay put. */
static_assert(VTIS_OBS_PREFIX == 1 && VTIS_OBS_NO_BACKEND == 4 &&
	      VTIS_OBS_BAD_RESPONSE == 5 && VTIS_OBS_LOCALITY_REFUSED == 10);

#endif /* KVM_VTIS_REASON_H */
