// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: the emulator goes away (swtpm killed idle and mid-command,
 * restarted), and the device is detached mid-command.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

/*
 * A helper process that waits ms, checks that the device has a command in
 * flight, and then kills swtpm (kill_pid > 0) or detaches the device.
 * Exit status: 0 done with a command in flight, 1 no command in flight
 * (still done), 2 the action failed.
 */
static pid_t helper_start(struct tvm *t, unsigned int ms, pid_t kill_pid)
{
	struct kvm_vtis_info info;
	int in_flight;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid != 0)
		return pid;
	alarm(0);
	sleep_ms(ms);
	in_flight = vtis_dev_info(&t->dev, &info) == 0 &&
		    (info.state & KVM_VTIS_STATE_CMD_IN_FLIGHT);
	if (kill_pid > 0) {
		if (kill(kill_pid, SIGKILL))
			_exit(2);
	} else if (vtis_detach(t->dev.ctl, t->dev.id)) {
		_exit(2);
	}
	_exit(in_flight ? 0 : 1);
}

/*
 * The emulator goes away while idle and in the middle of a command: the
 * guest gets a TPM failure response each time, never a hang, and swtpm
 * restarted on the same state serves the next command.
 */
void scenario_emu_restart(struct tvm *t)
{
	struct cmdbuf b;
	struct resp r;
	uint64_t t0;
	pid_t helper;
	int hs;

	if (t->sw.pid <= 0) {
		result(false, "emu-restart: needs --spawn-swtpm");
		return;
	}
	if (!get_random_ok(t, "emu-restart"))
		return;

	/* Idle: swtpm dies between commands. */
	t->emu_lost = true;
	swtpm_kill(&t->sw);
	result(!vtis_wait_state(t->dev.ctl, t->dev.id,
				KVM_VTIS_STATE_EMU_CONNECTED, false, 5000),
	       "emu-restart: the device sees the emulator gone after swtpm is killed");
	tpm_get_random_cmd(&b, 8);
	t0 = now_ms();
	if (tpm_transmit(t->cpu, 0, 0, &b, &r, "emu-restart"))
		return;
	result(r.rc != 0,
	       "emu-restart: without an emulator the guest gets a TPM failure response (rc %#x, %llu ms)",
	       r.rc, (unsigned long long)(now_ms() - t0));
	if (tvm_swtpm(t) || tvm_wait_emulator(t))
		return;
	if (get_random_ok(t, "emu-restart"))
		result(true, "emu-restart: swtpm restarted on the same state serves the next command");

	/* Mid-command: swtpm stopped, then killed with the command queued. */
	if (kill(t->sw.pid, SIGSTOP)) {
		result(false, "emu-restart: stop swtpm (%s)", strerror(errno));
		return;
	}
	helper = helper_start(t, 500, t->sw.pid);
	tpm_get_random_cmd(&b, 8);
	t0 = now_ms();
	if (tpm_transmit(t->cpu, 0, 0, &b, &r, "emu-restart")) {
		prog_wait(helper);
		return;
	}
	hs = prog_wait(helper);
	result(hs == 0, "emu-restart: swtpm was killed with the command in flight (helper status %d)",
	       hs);
	result(r.rc != 0,
	       "emu-restart: swtpm killed mid-command gives the guest a TPM failure response (rc %#x, %llu ms)",
	       r.rc, (unsigned long long)(now_ms() - t0));
	swtpm_kill(&t->sw);
	if (tvm_swtpm(t) || tvm_wait_emulator(t))
		return;
	if (get_random_ok(t, "emu-restart"))
		result(true, "emu-restart: swtpm restarted again serves the next command");
}

/*
 * Detach while the guest waits for a response (swtpm stopped): the guest's
 * driver finishes without a hang, the window is gone (accesses exit to
 * userspace from then on), and swtpm exits once it runs again.
 */
void scenario_detach_mid(struct tvm *t)
{
	struct mailbox *mb = t->cpu->mb;
	uint64_t exits0;
	struct cmdbuf b;
	pid_t helper;
	int st, hs;

	if (t->sw.pid <= 0) {
		result(false, "detach-mid: needs --spawn-swtpm");
		return;
	}
	if (!get_random_ok(t, "detach-mid"))
		return;
	if (kill(t->sw.pid, SIGSTOP)) {
		result(false, "detach-mid: stop swtpm (%s)", strerror(errno));
		return;
	}
	t->detached_mid = true;
	t->exits_at_detach = vm_tis_exits(t->vm);
	t->accesses_at_detach = mb->mmio_reads + mb->mmio_writes;
	exits0 = vm_tis_exits(t->vm);
	helper = helper_start(t, 500, 0);
	tpm_get_random_cmd(&b, 8);
	memcpy(mb->cmd, b.d, b.n);
	mb->cmd_len = b.n;
	st = vcpu_op(t->cpu, MB_OP_TRANSMIT, 0, 0);
	hs = prog_wait(helper);
	t->dev.attached = false;
	result(hs == 0, "detach-mid: detached with the command in flight (helper status %d)",
	       hs);
	result(st >= 0, "detach-mid: the guest's driver finishes after the detach (%s)",
	       st < 0 ? "guest stopped" : mb_status_name(st));
	result(vm_tis_exits(t->vm) > exits0,
	       "detach-mid: after the detach, TIS accesses exit to userspace (%llu)",
	       (unsigned long long)(vm_tis_exits(t->vm) - exits0));
	kill(t->sw.pid, SIGCONT);
}

