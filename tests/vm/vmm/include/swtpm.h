/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unmodified swtpm as a device's emulator: "swtpm chardev" on the
 * device's /dev/vtis-emuN, with a state folder that survives restarts and
 * a control socket (CMD_INIT after a reset, state blobs for migration).
 *
 *	struct swtpm sw;
 *
 *	swtpm_init(&sw, false, NULL, NULL);	TPM 2.0, a fresh state folder
 *	swtpm_start(&sw, "/dev/vtis-emu3");
 *	swtpm_kill(&sw);			-9, reaped
 *	swtpm_start(&sw, ...);			the same state again
 *	swtpm_reap(&sw, 5000);			true if it exited by itself
 *	swtpm_cleanup(&sw);			killed if still there; folder removed
 */
#ifndef VTIS_SWTPM_H
#define VTIS_SWTPM_H

#include <stdbool.h>
#include <sys/types.h>

struct swtpm {
	pid_t pid;			/* 0: not running */
	bool tpm12;
	const char *bin;		/* the swtpm binary */
	char state_dir[128];
	char ctrl[160];			/* the control socket */
	char log[160];			/* its stdout and stderr */
	bool own_state_dir;		/* made here, removed by cleanup */
};

void swtpm_init(struct swtpm *sw, bool tpm12, const char *bin,
		const char *state_dir);
int swtpm_start(struct swtpm *sw, const char *node);
void swtpm_kill(struct swtpm *sw);
bool swtpm_exited(struct swtpm *sw);
bool swtpm_reap(struct swtpm *sw, unsigned int ms);
void swtpm_diag(struct swtpm *sw, unsigned int lines);
void swtpm_cleanup(struct swtpm *sw);
int swtpm_ctl(struct swtpm *sw, const char *a1, const char *a2,
	      const char *a3);

#endif /* VTIS_SWTPM_H */
