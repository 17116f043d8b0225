// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: a test VMM on the library (tests/vm/vmm/lib) whose tiny guest
 * speaks TIS (FIFO) at the TPM window the way Linux's tpm_tis driver does,
 * with kvm_vtis attached to its VM through /dev/kvm-vtis; it runs the
 * scenarios named on its command line and checks what the guest gets
 * back.  It also counts exits to userspace: with kvm_vtis handling the
 * window there must be none for TPM registers.
 *
 * Output: KTAP (tests/lib/ktap.h), one numbered result per check, "#"
 * diagnostics, among them machine-readable ones for the test files
 * ("# vtis-device-id N", "# vtis-emu-node PATH", "# vtis-swtpm-pid N",
 * "# vtis-emulator-connected PATH").  Exit status 0 only when every check
 * passed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

const struct scenario scenarios[] = {
	{ "probe", scenario_probe, false, SC_TIS },
	{ "crb-probe", scenario_crb_probe, true, SC_CRB },
	{ "getrandom", scenario_getrandom, true, SC_ANY },
	{ "extend", scenario_extend, true, SC_ANY },
	{ "bigcmd", scenario_bigcmd, true, SC_TIS },
	{ "crb-bigcmd", scenario_crb_bigcmd, true, SC_CRB },
	{ "localities", scenario_localities, true, SC_TIS },
	{ "tpm12", scenario_tpm12, false, SC_TIS },
	{ "loop", scenario_loop, false, SC_ANY },
	{ "extend-loop", scenario_extend_loop, true, SC_ANY },
	{ "read-loop", scenario_read_loop, false, SC_TIS },
	{ "two-vm", scenario_two_vm, false, SC_TIS },
	{ "emu-restart", scenario_emu_restart, false, SC_ANY },
	{ "detach-mid", scenario_detach_mid, false, SC_ANY },	/* ends the device */
	{ "obs", scenario_obs, true, SC_TIS },
	{ "storm", scenario_storm, false, SC_TIS },
	{ "guest-storm", scenario_guest_storm, true, SC_TIS },
	{ "host-pcr", scenario_host_pcr, true, SC_ANY },
	{ "cancel", scenario_cancel, true, SC_TIS },
	{ "host-loss", scenario_host_loss, true, SC_ANY },
	{ "irq", scenario_irq, true, SC_ANY },
	{ "access-cost", scenario_access_cost, false, SC_TIS },
	{ "scale", scenario_scale, true, SC_TIS },
	{ "reset", scenario_reset, true, SC_ANY },
	{ "migrate", scenario_migrate, true, SC_TIS },
	{ "guest-fault", scenario_guest_fault, false, SC_TIS },	/* ends the guest */
};

const size_t n_scenarios = ARRAY_SIZE(scenarios);
bool selected[ARRAY_SIZE(scenarios)];

/* Scenarios that also run without a device (--no-attach). */
static bool runs_without_device(const char *name)
{
	return !strcmp(name, "guest-fault") || !strcmp(name, "read-loop") ||
	       !strcmp(name, "access-cost") || !strcmp(name, "two-vm");
}

static void run_scenario(struct tvm *t, size_t i)
{
	const struct scenario *s = &scenarios[i];
	uint64_t before = vm_tis_exits(t->vm);
	uint32_t acc_before = tvm_accesses(t);
	int st;

	if (opt.no_attach && runs_without_device(s->name)) {
		s->fn(t);
		return;
	}
	if (opt.no_attach && i != 0) {
		diag("%s: skipped without a device (--no-attach)", s->name);
		return;
	}
	if (s->tpm2_only && opt.tpm12) {
		result(false, "%s: needs TPM 2.0", s->name);
		return;
	}
	if ((s->iface == SC_TIS && opt_crb()) || (s->iface == SC_CRB && !opt_crb())) {
		result(false, "%s: needs the %s interface", s->name,
		       s->iface == SC_TIS ? "TIS" : "CRB");
		return;
	}
	if (opt.no_attach) {
		/* Without a device the guest sees all-ones registers. */
		st = vcpu_op(t->cpu, MB_OP_PROBE, 0, 0);
		diag("no-attach: probe ends with: %s",
		     st < 0 ? "guest stopped" : mb_status_name(st));
		result(st > 0 && t->cpu->mb->val[MB_V_DID_VID] == 0xffffffff,
		       "no-attach: the guest finds no TPM (DID_VID %#x)",
		       t->cpu->mb->val[MB_V_DID_VID]);
	} else {
		s->fn(t);
	}
	diag("%s: %u guest register accesses, %llu exited to userspace", s->name,
	     tvm_accesses(t) - acc_before,
	     (unsigned long long)(vm_tis_exits(t->vm) - before));
}

/* The device counted by register class what every vCPU's guest did. */
static bool classes_match(struct tvm *t)
{
	struct kvm_vtis_stats st;
	uint64_t reads, writes;
	unsigned int c, i;

	if (vtis_dev_stats(&t->dev, &st))
		return false;
	for (c = 0; c < KVM_VTIS_REG_CLASSES; c++) {
		reads = writes = 0;
		for (i = 0; i < MB_MAX_VCPUS; i++) {
			if (!t->vm->vcpus[i])
				continue;
			reads += t->vm->vcpus[i]->mb->class_reads[c];
			writes += t->vm->vcpus[i]->mb->class_writes[c];
		}
		if (st.mmio_reads[c] != reads || st.mmio_writes[c] != writes)
			return false;
	}
	return true;
}

/* After the scenarios: exits, and the device's counts against the guest's. */
static void check_counts(struct tvm *t)
{
	struct kvm_vtis_info info;
	uint32_t accesses = tvm_accesses(t), reads = 0, writes = 0;
	uint64_t exits = vm_tis_exits(t->vm);
	const struct mailbox *mb = t->cpu->mb;
	unsigned int i;

	if (t->detached_mid) {
		/* Count only while the device was attached. */
		accesses = t->accesses_at_detach;
		exits = t->exits_at_detach;
	}
	if (opt.no_attach)
		result(exits > 0 && exits == accesses,
		       "exits: without a device every guest register access exits to userspace (%llu exits, %u accesses)",
		       (unsigned long long)exits, accesses);
	else
		result(accesses > 0 && exits == 0,
		       "exits: 0 register accesses exited to userspace (%llu exits of %u guest register accesses)",
		       (unsigned long long)exits, accesses);
	diag("exits to userspace: %llu total, %llu port I/O (hand-overs, guest log), %llu MMIO, %llu other",
	     (unsigned long long)t->cpu->exits,
	     (unsigned long long)t->cpu->exits_io,
	     (unsigned long long)t->cpu->exits_mmio,
	     (unsigned long long)t->cpu->exits_other);
	if (!t->dev.attached || vtis_dev_info(&t->dev, &info))
		return;
	for (i = 0; i < MB_MAX_VCPUS; i++) {
		if (!t->vm->vcpus[i])
			continue;
		reads += t->vm->vcpus[i]->mb->mmio_reads;
		writes += t->vm->vcpus[i]->mb->mmio_writes;
	}
	diag("device %u: commands %llu responses %llu errors %llu, MMIO reads %llu writes %llu, bytes to TPM %llu from TPM %llu",
	     t->dev.id, (unsigned long long)info.commands,
	     (unsigned long long)info.responses,
	     (unsigned long long)info.errors,
	     (unsigned long long)info.mmio_reads,
	     (unsigned long long)info.mmio_writes,
	     (unsigned long long)info.bytes_to_tpm,
	     (unsigned long long)info.bytes_from_tpm);
	result(info.mmio_reads == reads && info.mmio_writes == writes,
	       "exits: kvm_vtis counted every guest register access (%llu reads, %llu writes; the guest made %u and %u)",
	       (unsigned long long)info.mmio_reads,
	       (unsigned long long)info.mmio_writes, reads, writes);
	if (!t->detached_mid)
		result(classes_match(t),
		       "exits: kvm_vtis counted the guest's accesses by register class (KVM_VTIS_STATS)");
	if (!t->emu_lost && !opt.expect_errors)
		result(info.commands == mb->commands - t->refused &&
		       info.responses == mb->commands - t->refused &&
		       !info.errors,
		       "device: %llu commands and %llu responses, %llu synthesised errors, for the guest's %u commands (%u refused by design)",
		       (unsigned long long)info.commands,
		       (unsigned long long)info.responses,
		       (unsigned long long)info.errors, mb->commands,
		       t->refused);
}

/*
 * Let a test look at the live device: write its id to the hold file and
 * wait (bounded by --timeout) until the file is removed.
 */
static void hold(struct tvm *t)
{
	FILE *f = fopen(opt.hold_file, "w");

	if (!f || fprintf(f, "%u\n", t->dev.id) < 0 || fclose(f)) {
		result(false, "hold: write %s (%s)", opt.hold_file,
		       strerror(errno));
		return;
	}
	diag("holding device %u until %s is removed", t->dev.id,
	     opt.hold_file);
	while (access(opt.hold_file, F_OK) == 0)
		sleep_ms(50);
}

/* Attach, start the emulator, boot: 0 when the scenarios can run. */
static int tvm_setup(struct tvm *t)
{
	if (!opt.no_attach) {
		if (tvm_attach(t, true))
			return -1;
		if (opt.spawn_swtpm && tvm_swtpm(t))
			return -1;
		if ((opt.spawn_swtpm || opt.emu_file) && tvm_wait_emulator(t))
			return -1;
	}
	if (vcpu_boot(t->cpu)) {
		result(false, "vm: the guest boots and reaches its first hand-over");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char reaped[64];
	struct tvm *t;
	size_t i;

	if (!parse_args(argc, argv)) {
		usage(stderr);
		return 2;
	}
	test_start(opt.timeout);
	if (opt.selftest) {
		selftest();
		return test_end();
	}
	if (!opt.any_selected)
		for (i = 0; i < n_scenarios; i++)
			if (!strcmp(scenarios[i].name, opt_crb() ? "crb-probe" : "probe"))
				selected[i] = true;

	t = tvm_new(true);
	if (!t) {
		result(false, "vm: create a VM with one vCPU in 32-bit protected mode");
		return test_end();
	}
	if (!tvm_setup(t)) {
		for (i = 0; i < n_scenarios && !t->cpu->dead; i++)
			if (selected[i])
				run_scenario(t, i);
		check_counts(t);
		if (opt.hold_file && t->dev.attached)
			hold(t);
	}
	snprintf(reaped, sizeof(reaped), "swtpm: exits by itself after the %s",
		 opt.no_detach ? "VM is destroyed" : "detach");
	tvm_free(t, !opt.no_detach, reaped);
	return test_end();
}
