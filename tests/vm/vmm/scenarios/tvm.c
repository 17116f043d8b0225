// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm's test VMs: a library VM with vCPU 0, attached to kvm_vtis as
 * the options say, served by swtpm when asked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

/*
 * A test VM (not booted: attach and start its emulator first).  The main
 * one gets the options' irqchip and state folder; the others neither.
 */
struct tvm *tvm_new(bool main_vm)
{
	struct vm_config cfg = opt.vm;
	struct tvm *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->dev = (struct vtis_dev)VTIS_DEV_INIT;
	swtpm_init(&t->sw, opt.tpm12, opt.swtpm,
		   main_vm ? opt.state_dir : NULL);
	cfg.irqchip = main_vm && opt.vm.irqchip;
	t->vm = vm_create(&cfg);
	t->cpu = t->vm ? vm_vcpu_add(t->vm, 0) : NULL;
	if (!t->cpu) {
		tvm_free(t, false, NULL);
		return NULL;
	}
	return t;
}

static bool emu_name_ok(const char *name)
{
	size_t i, n = strnlen(name, KVM_VTIS_NAME_LEN);

	if (n == 0 || n == KVM_VTIS_NAME_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	return true;
}

static int write_line(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%s\n", s) < 0 || fclose(f)) {
		diag("write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Attach kvm_vtis to the test VM: the emulator, or (main) the host TPM. */
int tvm_attach(struct tvm *t, bool main_vm)
{
	bool host = opt.host_tpm && main_vm;
	uint32_t family = opt.tpm12 ? KVM_VTIS_TPM_1_2 : KVM_VTIS_TPM_2_0;
	uint64_t base = opt.vm.tis_base;
	int ret;

	t->dev.interface = opt.vm.interface;
	ret = vtis_dev_attach(&t->dev, t->vm->fd, base, family,
			      host ? KVM_VTIS_BACKEND_HOST_TPM :
				     KVM_VTIS_BACKEND_EMULATOR,
			      host ? opt.tpm_index : 0);
	if (ret) {
		result(false, "attach: %s (%s)", t->dev.ctl < 0 ?
		       "open " VTIS_CTL_PATH : "KVM_VTIS_ATTACH to the VM",
		       strerror(-ret));
		return -1;
	}
	diag("vtis-device-id %u", t->dev.id);
	if (host) {
		result(t->dev.id && !t->dev.emu_name[0] &&
		       t->dev.family == KVM_VTIS_TPM_2_0,
		       "attach: %sdevice %u on the host TPM tpm%u at %#llx, TPM %s, no emulator",
		       opt_crb() ? "CRB " : "", t->dev.id, opt.tpm_index,
		       (unsigned long long)base,
		       t->dev.family == KVM_VTIS_TPM_2_0 ? "2.0" : "1.2");
		return t->dev.id ? 0 : -1;
	}
	if (!t->dev.id || !emu_name_ok(t->dev.emu_name)) {
		result(false, "attach: KVM_VTIS_ATTACH returns an id and an emulator name (id %u, name \"%s\")",
		       t->dev.id, t->dev.emu_name);
		return -1;
	}
	diag("vtis-emu-node %s", t->dev.node);
	result(true, "attach: TPM %s %sdevice %u at %#llx, emulator %s",
	       opt.tpm12 ? "1.2" : "2.0", opt_crb() ? "CRB " : "", t->dev.id,
	       (unsigned long long)base, t->dev.node);
	if (opt.emu_file && main_vm)
		return write_line(opt.emu_file, t->dev.emu_name);
	return 0;
}

/* swtpm on the test VM's emulator node (its state kept across restarts). */
int tvm_swtpm(struct tvm *t)
{
	int ret = swtpm_start(&t->sw, t->dev.node);

	if (ret == -ENOENT)
		result(false, "swtpm: %s exists", t->dev.node);
	return ret ? -1 : 0;
}

/* Wait until an emulator holds the device's node. */
int tvm_wait_emulator(struct tvm *t)
{
	uint64_t end = now_ms() + opt.wait_emu * 1000ULL;
	struct kvm_vtis_info info;
	int ret;

	for (;;) {
		ret = vtis_dev_info(&t->dev, &info);
		if (ret) {
			result(false, "swtpm: KVM_VTIS_INFO answers (%s)",
			       strerror(-ret));
			return -1;
		}
		if (info.state & KVM_VTIS_STATE_EMU_CONNECTED) {
			diag("vtis-emulator-connected %s", t->dev.node);
			result(true, "swtpm: emulator connected to %s",
			       t->dev.node);
			return 0;
		}
		if (t->sw.pid > 0 && swtpm_exited(&t->sw)) {
			result(false, "swtpm: emulator connected to %s (swtpm exited)",
			       t->dev.node);
			swtpm_diag(&t->sw, 10);
			return -1;
		}
		if (now_ms() >= end)
			break;
		sleep_ms(50);
	}
	result(false, "swtpm: emulator connected to %s within %u s",
	       t->dev.node, opt.wait_emu);
	swtpm_diag(&t->sw, 10);
	return -1;
}

static void tvm_detach(struct tvm *t)
{
	int ret = vtis_dev_detach(&t->dev);

	result(!ret, "detach: device %u detached%s%s%s", t->dev.id,
	       ret ? " (" : "", ret ? strerror(-ret) : "", ret ? ")" : "");
}

/*
 * The end of a test VM: detached (if detach), the VM destroyed, swtpm
 * given 5 s to exit by itself (a check, when reaped names it), its own
 * state folder removed.
 */
void tvm_free(struct tvm *t, bool detach, const char *reaped)
{
	bool gone;

	if (t->dev.attached && detach)
		tvm_detach(t);
	if (t->vm)
		vm_free(t->vm);
	if (t->sw.pid > 0) {
		gone = swtpm_reap(&t->sw, 5000);
		if (reaped)
			result(gone, "%s", reaped);
	}
	swtpm_cleanup(&t->sw);
	vtis_dev_close(&t->dev);
	free(t);
}

uint32_t tvm_accesses(const struct tvm *t)
{
	uint32_t n = 0;
	unsigned int i;

	for (i = 0; i < MB_MAX_VCPUS; i++)
		if (t->vm->vcpus[i])
			n += vcpu_accesses(t->vm->vcpus[i]);
	return n;
}

void tpm_get_random_cmd(struct cmdbuf *b, uint16_t n)
{
	tpm_cmd_get_random(b, opt.tpm12, n);
}

/* One GetRandom that must succeed. */
bool get_random_ok(struct tvm *t, const char *what)
{
	struct cmdbuf b;
	struct resp r;

	tpm_get_random_cmd(&b, 8);
	if (tpm_transmit(t->cpu, 0, 0, &b, &r, what))
		return false;
	if (r.rc) {
		result(false, "%s: GetRandom succeeds (rc %#x)", what, r.rc);
		return false;
	}
	return true;
}
