// SPDX-License-Identifier: GPL-2.0
/*
 * host_cancel_test [TPM-INDEX]: a guest on the host TPM backend (the test
 * host's tpm<TPM-INDEX>) starts a TPM2_CreatePrimary RSA-2048 and cancels
 * it (STS.commandCancel) while the chip works on it; then its device is
 * detached, and in a second VM the VM is destroyed instead.
 *
 * The bounds checked: the guest's cancel write returns within
 * ACCESS_BOUND_MS (a vCPU never waits for the chip), and the detach and
 * the VM's destruction finish within GONE_BOUND_MS, however long the chip
 * and its driver take over the command they are working on (the device's
 * teardown does not wait for them).  The chip then serves a new device.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "kvm_util.h"
#include "test_util.h"
#include "tis_regs.h"
#include "tpm_cmd.h"
#include "vtis_util.h"

#define ACCESS_BOUND_MS		1000
#define GONE_BOUND_MS		5000
#define CHIP_WORK_MS		20	/* the chip is inside the command by then */
#define FREE_BOUND_MS		180000	/* the old command ends at the chip */

static unsigned int tpm_index;

/* A booted VM with a device on the host's chip; NULL (and why) if not. */
static struct kvm_vm *host_vm(struct kvm_vcpu **cpu, struct vtis_dev *d,
			      int *err)
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	struct kvm_vm *vm = vm_create_booted(&cfg, cpu);

	*err = vm ? vtis_dev_attach(d, vm->fd, 0, 0,
				    KVM_VTIS_BACKEND_HOST_TPM, tpm_index) :
		    -ENOMEM;
	if (*err && vm) {
		vm_free(vm);
		vm = NULL;
	}
	return vm;
}

/* The guest flushes the key a finished CreatePrimary (@r) loaded. */
static void flush(struct kvm_vcpu *cpu, struct resp *r)
{
	struct cmdbuf b;
	struct resp fr;
	uint32_t h;

	if (r->rc)
		return;
	h = get(r, 4);
	cmd_start(&b, TPM2_ST_NO_SESSIONS, TPM2_CC_FLUSH_CONTEXT);
	put32(&b, h);
	cmd_end(&b);
	tpm_transmit(cpu, 0, 0, &b, &fr, "flush");
}

/*
 * The guest sends CreatePrimary up to GO, the chip starts on it, the
 * guest writes commandCancel: true if that write returned in bounds.
 */
static bool start_and_cancel(struct kvm_vcpu *cpu, struct vtis_dev *d,
			     const char *what)
{
	struct kvm_vtis_info info;
	bool in_flight = false;
	uint8_t unique[16];
	struct cmdbuf b;
	struct resp r;
	uint64_t t0, ms;
	int err, tries;

	/*
	 * A new key each time (libtpms caches the primary keys it made);
	 * one that the chip finished within CHIP_WORK_MS is read and
	 * another one sent.
	 */
	for (tries = 0; tries < 10 && !in_flight; tries++) {
		for (size_t i = 0; i < sizeof(unique); i++)
			unique[i] = rand();
		tpm2_cmd_create_primary_rsa_unique(&b, unique, sizeof(unique));
		if (tpm_op(cpu, MB_OP_SEND, 0, MB_TX_NO_RELINQUISH, &b, &r, what))
			return false;
		sleep_ms(CHIP_WORK_MS);
		in_flight = !vtis_dev_info(d, &info) &&
			    (info.state & KVM_VTIS_STATE_CMD_IN_FLIGHT);
		if (!in_flight) {
			if (tpm_op(cpu, MB_OP_RECV, 0, 0, NULL, &r, what))
				return false;
			flush(cpu, &r);
		}
	}
	result(in_flight,
	       "%s: a CreatePrimary is in flight when the guest cancels it (try %d)",
	       what, tries);
	cpu->mb->arg0 = TIS_STS;
	cpu->mb->arg1 = 4;
	cpu->mb->arg2 = STS_COMMAND_CANCEL;
	t0 = now_ms();
	err = vcpu_op(cpu, MB_OP_WRITE, 0, 0);
	ms = now_ms() - t0;
	return result(!err && ms < ACCESS_BOUND_MS,
		      "%s: the guest's commandCancel write returns at once, the chip still at work (%llu ms, bound %u)",
		      what, (unsigned long long)ms, ACCESS_BOUND_MS);
}

/* A new device on the chip, once the cancelled command has ended there. */
static void chip_serves_again(void)
{
	struct vtis_dev d = VTIS_DEV_INIT;
	struct kvm_vcpu *cpu;
	struct kvm_vm *vm = NULL;
	uint64_t t0 = now_ms();
	uint8_t rnd[16];
	int err = -EBUSY;

	while (err == -EBUSY && now_ms() - t0 < FREE_BOUND_MS) {
		vm = host_vm(&cpu, &d, &err);
		if (err == -EBUSY)
			sleep_ms(500);
	}
	result(!err,
	       "the chip is free for a new device once its old command ended (after %llu ms, %s)",
	       (unsigned long long)(now_ms() - t0), errname(err));
	if (err)
		return;
	result(!tpm2_get_random(cpu, 0, 0, rnd, sizeof(rnd), "again"),
	       "... and serves its GetRandom");
	vtis_dev_detach(&d);
	vtis_dev_close(&d);
	vm_free(vm);
}

int main(int argc, char **argv)
{
	struct vtis_dev d = VTIS_DEV_INIT;
	struct kvm_vtis_info info;
	struct kvm_vcpu *cpu;
	struct kvm_vm *vm;
	uint64_t t0, ms;
	uint32_t id;
	int err;

	test_start(900);
	srand(now_ns());
	if (argc > 1)
		tpm_index = strtoul(argv[1], NULL, 0);

	vm = host_vm(&cpu, &d, &err);
	if (!result(vm != NULL, "a VM with a device on the host's tpm%u (%s)",
		    tpm_index, errname(err)))
		return test_end();
	start_and_cancel(cpu, &d, "detach");
	t0 = now_ms();
	err = vtis_dev_detach(&d);
	ms = now_ms() - t0;
	result(!err && ms < GONE_BOUND_MS,
	       "detach returns within %u ms with the cancelled command at the chip (%llu ms, %s)",
	       GONE_BOUND_MS, (unsigned long long)ms, errname(err));
	vtis_dev_close(&d);
	vm_free(vm);
	chip_serves_again();

	vm = host_vm(&cpu, &d, &err);
	if (!result(vm != NULL, "a second VM on tpm%u (%s)", tpm_index,
		    errname(err)))
		return test_end();
	id = d.id;
	start_and_cancel(cpu, &d, "VM exit");
	t0 = now_ms();
	vm_free(vm);
	err = 0;
	while (now_ms() - t0 < GONE_BOUND_MS &&
	       (err = vtis_info(d.ctl, id, &info)) != -ENOENT)
		sleep_ms(20);
	ms = now_ms() - t0;
	result(err == -ENOENT,
	       "the VM's end takes the device within %u ms with the cancelled command at the chip (%llu ms)",
	       GONE_BOUND_MS, (unsigned long long)ms);
	vtis_dev_close(&d);
	chip_serves_again();
	return test_end();
}
