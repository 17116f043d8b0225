// SPDX-License-Identifier: GPL-2.0
/*
 * A restored device keeps its own interrupt: VM A's device is wired to
 * GSI 10, VM B's to GSI 11 (KVM_VTIS_SET_IRQ, eventfd form); A's state
 * restored into B must leave B's guest reading INT_VECTOR 11, the wiring
 * of the VM it now runs in, not A's 10.
 */
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvm_util.h"
#include "test_util.h"
#include "tis_regs.h"
#include "vtis_util.h"

#define SRC_GSI		10
#define DST_GSI		11

/* A booted VM with a TPM 2.0 device on its own eventfd line @gsi. */
static struct kvm_vm *vm_with_line(struct kvm_vcpu **cpu, struct vtis_dev *d,
				   uint32_t gsi, int *efd)
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	struct kvm_vm *vm = vm_create_booted(&cfg, cpu);
	int err;

	if (!vm)
		return NULL;
	err = vtis_dev_attach(d, vm->fd, 0, KVM_VTIS_TPM_2_0,
			      KVM_VTIS_BACKEND_EMULATOR, 0);
	*efd = eventfd(0, EFD_CLOEXEC);
	if (!err && *efd >= 0)
		err = vtis_set_irq(d->ctl, d->id, 0, gsi, *efd, -1);
	result(!err, "device %u on GSI %u (%s)", d->id, gsi, errname(err));
	return err ? NULL : vm;
}

static uint32_t int_vector(struct kvm_vcpu *cpu)
{
	uint32_t v = 0xffffffff;

	vcpu_read(cpu, 0, TIS_INT_VECTOR, 1, &v);
	return v & 0xff;
}

int main(void)
{
	struct vtis_dev a = VTIS_DEV_INIT, b = VTIS_DEV_INIT;
	struct kvm_vcpu *ca, *cb;
	struct kvm_vm *va, *vb;
	static uint8_t blob[KVM_VTIS_STATE_MAX];
	uint32_t len = sizeof(blob);
	int ea = -1, eb = -1, err;

	test_start(300);
	va = vm_with_line(&ca, &a, SRC_GSI, &ea);
	vb = vm_with_line(&cb, &b, DST_GSI, &eb);
	if (!va || !vb)
		return test_end();
	result(int_vector(ca) == SRC_GSI && int_vector(cb) == DST_GSI,
	       "the guests read INT_VECTOR %u and %u", int_vector(ca),
	       int_vector(cb));
	err = vtis_save(a.ctl, a.id, blob, &len);
	result(!err, "save device %u: %u bytes (%s)", a.id, len, errname(err));
	err = vtis_restore(b.ctl, b.id, blob, len);
	result(!err, "restore it into device %u (%s)", b.id, errname(err));
	result(int_vector(cb) == DST_GSI,
	       "B's guest reads INT_VECTOR %u after the restore: its own line %u, not A's %u",
	       int_vector(cb), DST_GSI, SRC_GSI);
	vtis_dev_detach(&a);
	vtis_dev_detach(&b);
	vtis_dev_close(&a);
	vtis_dev_close(&b);
	vm_free(va);
	vm_free(vb);
	close(ea);
	close(eb);
	return test_end();
}
