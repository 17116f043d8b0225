// SPDX-License-Identifier: GPL-2.0
/*
 * KVM drops a VM's whole MMIO bus when it cannot allocate a smaller one
 * (kvm_io_bus_unregister_dev(), and kvm_vtis' own copy of it): every other
 * device on the bus then gets its destructor while the VM lives on.  Made
 * to happen here with failslab, on a debug kernel (CONFIG_FAILSLAB): the
 * first slab allocation of the thread that detaches a device, which is
 * the smaller bus, fails.  (Not fail_function: its kprobe handler draws
 * its random number in a context lockdep takes for NMI, and 6.1's lockdep
 * then reports the crng lock.)
 *
 * 1. Two devices on one VM with an in-kernel irqchip; A drives GSI 10
 *    itself (KVM_VTIS_IRQ_DIRECT) and its line is asserted; B's detach
 *    fails to shrink the bus, which drops A: A must go whole (id, node)
 *    and its line must drop, though the VM lives.
 * 2. ROUNDS times, on a new VM: device C's attach and device D's detach at
 *    once (D's 0-24 ms later), D's shrink failing and dropping the bus,
 *    before C's insert or with C on it: a device dropped while it is being
 *    attached must not stay behind looking attached; with the VMs gone no
 *    device is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm_util.h"
#include "test_util.h"
#include "tis_regs.h"
#include "vtis_util.h"

#define FS		"/sys/kernel/debug/failslab"
#define GSI		10
#define BASE_A		0xfed40000ULL
#define BASE_B		0xfed50000ULL
#define ROUNDS		100

static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/*
 * Arm failslab for the threads that ask for it (make-it-fail): the next
 * slab allocation of such a thread fails, sleeping or not, once.
 */
static int inject(void)
{
	int err;

	err = put(FS "/task-filter", "Y");
	err = err ?: put(FS "/ignore-gfp-wait", "N");
	err = err ?: put(FS "/probability", "100");
	err = err ?: put(FS "/interval", "1");
	err = err ?: put(FS "/times", "1");
	/* No report: its stack dump would read as a splat in the log. */
	return err ?: put(FS "/verbose", "0");
}

/* This thread's allocations may fail (or not, @on false). */
static int make_me_fail(bool on)
{
	return put("/proc/thread-self/make-it-fail", on ? "1" : "0");
}

static void inject_off(void)
{
	make_me_fail(false);
	put(FS "/times", "0");
}

static bool gone(int ctl, uint32_t id, const char *node)
{
	struct kvm_vtis_info info;
	uint64_t end = now_ms() + 5000;

	while (now_ms() < end) {
		if (vtis_info(ctl, id, &info) == -ENOENT &&
		    access(node, F_OK) < 0)
			return true;
		sleep_ms(20);
	}
	return false;
}

static void drop_with_line(void)
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	struct vtis_dev a = VTIS_DEV_INIT, b = VTIS_DEV_INIT;
	struct kvm_vcpu *cpu;
	struct kvm_vm *vm;
	int err;

	cfg.irqchip = true;
	vm = vm_create_booted(&cfg, &cpu);
	err = vm ? vtis_dev_attach(&a, vm->fd, BASE_A, KVM_VTIS_TPM_2_0,
				   KVM_VTIS_BACKEND_EMULATOR, 0) : -ENOMEM;
	err = err ?: vtis_dev_attach(&b, vm->fd, BASE_B, KVM_VTIS_TPM_2_0,
				     KVM_VTIS_BACKEND_EMULATOR, 0);
	err = err ?: vtis_set_irq(a.ctl, a.id, KVM_VTIS_IRQ_DIRECT, GSI, -1, -1);
	if (!result(!err, "two devices on a VM, A on GSI %u of its irqchip (%s)",
		    GSI, errname(err)))
		goto out;
	/*
	 * The guest enables A's localityChange interrupt (the active
	 * locality's to write), gives locality 0 up and takes it again.
	 */
	err = vcpu_op(cpu, MB_OP_REQUEST, 0, 0);
	err = err ?: vcpu_write(cpu, 0, TIS_INT_ENABLE, 4,
				INT_GLOBAL_ENABLE | INT_LOCALITY_CHANGE);
	err = err ?: vcpu_op(cpu, MB_OP_RELINQUISH, 0, 0);
	err = err ?: vcpu_op(cpu, MB_OP_REQUEST, 0, 0);
	result(!err && vm_ioapic_pin_becomes(vm, GSI, 1),
	       "A's line is asserted (IOAPIC pin %u high)", GSI);

	err = inject();
	err = err ?: make_me_fail(true);
	if (!result(!err, "failslab armed for this thread (%s)", errname(err)))
		goto out;
	err = vtis_dev_detach(&b);
	inject_off();
	result(!err, "B's detach returns (%s); shrinking the bus failed, KVM's way: the bus is dropped",
	       errname(err));
	result(gone(a.ctl, a.id, a.node),
	       "A went with the bus: its id and %s are gone", a.node);
	result(vm_ioapic_pin_becomes(vm, GSI, 0),
	       "A's line dropped with it: the live VM's pin %u is low (%d)",
	       GSI, vm_ioapic_pin(vm, GSI));
out:
	inject_off();
	vtis_dev_close(&a);
	vtis_dev_close(&b);
	if (vm)
		vm_free(vm);
}

/* One round: C's attach and D's detach at once, D's bus shrink failing. */
struct racer {
	int vm_fd;
	struct vtis_dev *d;
	bool attach;
	unsigned int delay_us;	/* before the detach: another interleaving */
	int err;
};

static void *race_one(void *arg)
{
	struct racer *r = arg;

	if (r->attach) {
		r->err = vtis_dev_attach(r->d, r->vm_fd, BASE_A,
					 KVM_VTIS_TPM_2_0,
					 KVM_VTIS_BACKEND_EMULATOR, 0);
	} else {
		/* Only the detaching thread's allocations fail. */
		usleep(r->delay_us);
		make_me_fail(true);
		r->err = vtis_dev_detach(r->d);
		make_me_fail(false);
	}
	return NULL;
}

static void attach_races(void)
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	unsigned int round, attached = 0, failed = 0;
	uint32_t ids[8], count = 0;
	struct kvm_vcpu *cpu;
	struct kvm_vm *vm;
	int ctl, err = 0;

	for (round = 0; round < ROUNDS && !err; round++) {
		struct vtis_dev c = VTIS_DEV_INIT, d = VTIS_DEV_INIT;
		struct racer rc, rd;
		pthread_t tc, td;

		vm = vm_create_booted(&cfg, &cpu);
		if (!vm) {
			err = -ENOMEM;
			break;
		}
		err = vtis_dev_attach(&d, vm->fd, BASE_B, KVM_VTIS_TPM_2_0,
				      KVM_VTIS_BACKEND_EMULATOR, 0);
		err = err ?: inject();
		if (!err) {
			rc = (struct racer){ .vm_fd = vm->fd, .d = &c, .attach = true };
			rd = (struct racer){ .vm_fd = vm->fd, .d = &d,
					     .delay_us = (round % 25) * 1000 };
			pthread_create(&tc, NULL, race_one, &rc);
			pthread_create(&td, NULL, race_one, &rd);
			pthread_join(tc, NULL);
			pthread_join(td, NULL);
			attached += !rc.err;
			failed += rc.err != 0;
		}
		inject_off();
		vm_free(vm);
		vtis_dev_close(&c);
		vtis_dev_close(&d);
	}
	result(!err, "%u rounds of an attach racing a detach whose bus shrink fails (%s)",
	       round, errname(err));
	diag("attaches that succeeded %u (dropped with the bus or not), failed %u",
	     attached, failed);
	ctl = vtis_open();
	err = ctl < 0 ? ctl : 0;
	for (int i = 0; !err && i < 250; i++) {
		err = vtis_list(ctl, ids, 8, &count);
		if (err || !count)
			break;
		sleep_ms(20);
	}
	result(!err && !count,
	       "with the VMs gone no device is left, none dropped mid-attach stays (%u left, %s)",
	       count, errname(err));
	if (ctl >= 0)
		close(ctl);
}

int main(void)
{
	test_start(900);
	result(access(FS "/times", W_OK) == 0,
	       "failslab is in this kernel (%s)", FS);
	drop_with_line();
	attach_races();
	return test_end();
}
