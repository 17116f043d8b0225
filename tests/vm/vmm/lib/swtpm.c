// SPDX-License-Identifier: GPL-2.0
/* swtpm as a device's emulator (see swtpm.h). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "swtpm.h"
#include "test_util.h"

void swtpm_init(struct swtpm *sw, bool tpm12, const char *bin,
		const char *state_dir)
{
	memset(sw, 0, sizeof(*sw));
	sw->tpm12 = tpm12;
	sw->bin = bin ? bin : "swtpm";
	if (state_dir)
		snprintf(sw->state_dir, sizeof(sw->state_dir), "%s", state_dir);
}

static int swtpm_state_dir(struct swtpm *sw)
{
	const char *tmp = getenv("TMPDIR");

	if (sw->state_dir[0])
		return 0;
	snprintf(sw->state_dir, sizeof(sw->state_dir), "%s/vtis-swtpm.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(sw->state_dir)) {
		diag("mkdtemp %s: %s", sw->state_dir, strerror(errno));
		sw->state_dir[0] = 0;
		return -1;
	}
	sw->own_state_dir = true;
	return 0;
}

/*
 * Start swtpm on node (waiting up to 5 s for the node to appear): 0, or
 * -ENOENT when the node is not there, -1 on another failure.
 */
int swtpm_start(struct swtpm *sw, const char *node)
{
	char state[16 + sizeof(sw->state_dir)], ctrl[32 + sizeof(sw->ctrl)];
	const char *argv[16];
	unsigned int i, n = 0;

	for (i = 0; i < 50 && access(node, R_OK | W_OK); i++)
		sleep_ms(100);
	if (access(node, R_OK | W_OK)) {
		diag("%s: %s", node, strerror(errno));
		return -ENOENT;
	}
	if (swtpm_state_dir(sw))
		return -1;
	snprintf(state, sizeof(state), "dir=%s", sw->state_dir);
	snprintf(sw->ctrl, sizeof(sw->ctrl), "%s/ctrl.sock", sw->state_dir);
	snprintf(ctrl, sizeof(ctrl), "type=unixio,path=%s", sw->ctrl);
	argv[n++] = sw->bin;
	argv[n++] = "chardev";
	argv[n++] = "--chardev";
	argv[n++] = node;
	if (!sw->tpm12)
		argv[n++] = "--tpm2";
	argv[n++] = "--tpmstate";
	argv[n++] = state;
	argv[n++] = "--locality";
	argv[n++] = "allow-set-locality";
	argv[n++] = "--flags";
	argv[n++] = "not-need-init,startup-clear";
	argv[n++] = "--ctrl";
	argv[n++] = ctrl;
	argv[n] = NULL;

	/* it talks (to stderr) while we print results: its own log */
	snprintf(sw->log, sizeof(sw->log), "%s/swtpm.log", sw->state_dir);
	sw->pid = prog_start_log(argv, sw->log);
	if (sw->pid < 0) {
		diag("fork: %s", strerror(errno));
		sw->pid = 0;
		return -1;
	}
	child_track(sw->pid);
	diag("started %s chardev --chardev %s%s (pid %d, state %s)", sw->bin,
	     node, sw->tpm12 ? "" : " --tpm2", sw->pid, sw->state_dir);
	diag("vtis-swtpm-pid %d", sw->pid);
	return 0;
}

static void swtpm_gone(struct swtpm *sw)
{
	child_untrack(sw->pid);
	sw->pid = 0;
}

void swtpm_kill(struct swtpm *sw)
{
	if (sw->pid <= 0)
		return;
	kill(sw->pid, SIGKILL);
	prog_wait(sw->pid);
	swtpm_gone(sw);
}

/* swtpm has exited (it is reaped), or was not running. */
bool swtpm_exited(struct swtpm *sw)
{
	int status;

	if (sw->pid <= 0)
		return true;
	if (waitpid(sw->pid, &status, WNOHANG) != sw->pid)
		return false;
	swtpm_gone(sw);
	return true;
}

/* Wait up to ms for swtpm to exit by itself (true); kill it otherwise. */
bool swtpm_reap(struct swtpm *sw, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (!swtpm_exited(sw)) {
		if (now_ms() > end) {
			swtpm_kill(sw);
			return false;
		}
		sleep_ms(20);
	}
	return true;
}

/* The last lines swtpm printed, as diagnostics. */
void swtpm_diag(struct swtpm *sw, unsigned int lines)
{
	char buf[16][160];
	unsigned int n = 0, i;
	FILE *f = sw->log[0] ? fopen(sw->log, "r") : NULL;

	if (!f)
		return;
	if (lines > ARRAY_SIZE(buf))
		lines = ARRAY_SIZE(buf);
	while (lines && fgets(buf[n % lines], sizeof(buf[0]), f))
		n++;
	fclose(f);
	for (i = n > lines ? n - lines : 0; i < n; i++) {
		buf[i % lines][strcspn(buf[i % lines], "\n")] = 0;
		diag("swtpm: %s", buf[i % lines]);
	}
}

void swtpm_cleanup(struct swtpm *sw)
{
	struct dirent *de;
	DIR *d;

	swtpm_kill(sw);
	if (!sw->own_state_dir)
		return;
	d = opendir(sw->state_dir);
	if (d) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(sw->state_dir);
	sw->own_state_dir = false;
}

/* swtpm_ioctl --unix CTRL A1 [A2 [A3]]: its exit status. */
int swtpm_ctl(struct swtpm *sw, const char *a1, const char *a2,
	      const char *a3)
{
	const char *argv[] = { "swtpm_ioctl", "--unix", sw->ctrl, a1, a2, a3,
			       NULL };

	return prog_run(argv);
}
