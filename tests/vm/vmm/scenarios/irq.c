// SPDX-License-Identifier: GPL-2.0
/* vtis-vmm: the device's interrupt line (KVM_VTIS_SET_IRQ). */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"

/*
 * The device's interrupt line (KVM_VTIS_SET_IRQ).  The VMM plays the part
 * of KVM's irqfd: it gives the device an eventfd and counts its signals;
 * for the level form it also signals the resample eventfd, as KVM does at
 * the guest's EOI.  The guest enables the four TIS interrupts (a CRB
 * device: the one for a completed command) and acknowledges the status
 * register, as Linux's handler does.  With --irqchip the
 * device drives a GSI of the in-kernel irqchip itself
 * (KVM_VTIS_IRQ_DIRECT); the IOAPIC's IRR (KVM_GET_IRQCHIP) shows the
 * line's level, as the pin is masked.
 */

/* KVM_VTIS_INFO reports the line: irq and irq_flags equal these. */
static void irq_info_is(struct tvm *t, const char *what, uint32_t irq,
			uint32_t flags)
{
	struct kvm_vtis_info info;

	if (vtis_dev_info(&t->dev, &info)) {
		result(false, "irq: %s: KVM_VTIS_INFO answers (%s)", what, strerror(errno));
		return;
	}
	result(info.irq == irq && info.irq_flags == flags,
	       "irq: %s: KVM_VTIS_INFO reports irq %u, flags %#x (%u, %#x)", what,
	       irq, flags, info.irq, info.irq_flags);
}

/* KVM_VTIS_SET_IRQ on the test VM's device: 0 or a positive errno. */
static int set_irq(struct tvm *t, uint32_t flags, uint32_t irq, int efd,
		   int rsfd)
{
	return -vtis_set_irq(t->dev.ctl, t->dev.id, flags, irq, efd, rsfd);
}

/* Signals on @fd since the last call (it is non-blocking). */
static uint64_t efd_count(int fd)
{
	uint64_t n;

	return read(fd, &n, sizeof(n)) == (ssize_t)sizeof(n) ? n : 0;
}

static void efd_poke(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		diag("write resample eventfd: %s", strerror(errno));
}

/* The interrupt status register: TIS INT_STATUS or CRB INT_STS. */
static uint32_t int_status_reg(void)
{
	return opt_crb() ? CRB_INT_STS : TIS_INT_STATUS;
}

/* The guest acknowledges what the status register shows; returns it, or ~0. */
static uint32_t guest_ack(struct tvm *t)
{
	uint32_t st;

	if (vcpu_read(t->cpu, 0, int_status_reg(), 4, &st))
		return ~0u;
	if (st && vcpu_write(t->cpu, 0, int_status_reg(), 4, st))
		return ~0u;
	return st;
}

/*
 * The guest enables the interrupts: TIS all four, with the level the
 * ACPI table gives; CRB the one for a completed command (start), which
 * Linux's tpm_crb would wait for.  Bit 0 of the status register is then
 * set after every command (TIS dataAvail, CRB start).
 */
static int guest_enable_irqs(struct tvm *t)
{
	if (opt_crb())
		return vcpu_write(t->cpu, 0, CRB_INT_ENABLE, 4,
				  CRB_INT_GLOBAL | CRB_INT_START);
	return vcpu_write(t->cpu, 0, TIS_INT_ENABLE, 4,
			  INT_GLOBAL_ENABLE | INT_LOW_LEVEL | INT_ALL);
}

static void irq_bad_requests(struct tvm *t, int efd, int efd2)
{
	static const struct {
		const char *what;
		uint32_t flags, irq;
		int fd, rs, err;
	} bad[] = {
		{ "an unknown flag", 2, IRQ_GSI, -2, -1, EINVAL },
		{ "irq 0 with an eventfd", 0, 0, -2, -1, EINVAL },
		{ "irq 256", 0, 256, -2, -1, EINVAL },
		{ "the eventfd as its own resample eventfd", 0, IRQ_GSI, -2, -2, EINVAL },
		{ "a resample eventfd without an eventfd", 0, 0, -1, -3, EINVAL },
		{ "an fd that is not an eventfd", 0, IRQ_GSI, -4, -1, EINVAL },
		{ "a closed fd", 0, IRQ_GSI, 9999, -1, EBADF },
		{ "removal with an irq", 0, IRQ_GSI, -1, -1, EINVAL },
		{ "direct with an eventfd", KVM_VTIS_IRQ_DIRECT, IRQ_GSI, -2, -1, EINVAL },
	};
	size_t i;
	int err, fd, rs;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		fd = bad[i].fd == -2 ? efd : bad[i].fd == -4 ? t->vm->fd : bad[i].fd;
		rs = bad[i].rs == -2 ? efd : bad[i].rs == -3 ? efd2 : bad[i].rs;
		err = set_irq(t, bad[i].flags, bad[i].irq, fd, rs);
		result(err == bad[i].err, "irq: KVM_VTIS_SET_IRQ with %s fails with %s (%s)",
		       bad[i].what, strerror(bad[i].err), err ? strerror(err) : "success");
	}
	if (!opt.vm.irqchip) {
		err = set_irq(t, KVM_VTIS_IRQ_DIRECT, IRQ_GSI, -1, -1);
		result(err == ENXIO, "irq: KVM_VTIS_IRQ_DIRECT without an in-kernel irqchip fails with ENXIO (%s)",
		       err ? strerror(err) : "success");
	}
}

/* One command with the locality held; how many signals did it bring? */
static int irq_command(struct tvm *t, int efd, const char *what,
		       uint64_t *signals, uint32_t *status)
{
	uint8_t rnd[16];

	efd_count(efd);
	if (tpm2_get_random(t->cpu, 0, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH,
			    rnd, sizeof(rnd), what))
		return -1;
	*signals = efd_count(efd);
	*status = guest_ack(t);
	return *status == ~0u ? -1 : 0;
}

void scenario_irq(struct tvm *t)
{
	uint32_t v, st;
	uint64_t n, total = 0;
	int efd, rsfd, err, i;
	bool each = true;

	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rsfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0 || rsfd < 0) {
		result(false, "irq: eventfd (%s)", strerror(errno));
		return;
	}
	irq_bad_requests(t, efd, rsfd);

	/* Edge form: one signal per rising edge of the TIS line. */
	err = set_irq(t, 0, IRQ_GSI, efd, -1);
	result(!err, "irq: KVM_VTIS_SET_IRQ gsi %u with an eventfd (%s)", IRQ_GSI,
	       err ? strerror(err) : "ok");
	if (err)
		goto out;
	irq_info_is(t, "eventfd", IRQ_GSI, 0);
	/* The CRB has no INT_VECTOR: the ACPI table alone names the line. */
	if (!opt_crb() && !vcpu_read(t->cpu, 0, TIS_INT_VECTOR, 1, &v))
		result(v == IRQ_GSI, "irq: INT_VECTOR reads %u (%u)", IRQ_GSI, v);
	if (vcpu_op(t->cpu, MB_OP_REQUEST, 0, 0) || guest_enable_irqs(t)) {
		result(false, "irq: the guest takes locality 0 and enables interrupts");
		goto out;
	}
	guest_ack(t);
	efd_count(efd);
	for (i = 0; i < IRQ_CMDS; i++) {
		if (irq_command(t, efd, "irq: edge", &n, &st))
			goto out;
		diag("irq: command %d: %llu signal(s), INT_STATUS %#x", i,
		     (unsigned long long)n, st);
		total += n;
		if (!n || !(st & 0x01))
			each = false;
	}
	result(each, "irq: every command signals the eventfd and leaves %s in %s (%llu signals for %d commands)",
	       opt_crb() ? "start" : "dataAvail", opt_crb() ? "INT_STS" : "INT_STATUS",
	       (unsigned long long)total, IRQ_CMDS);
	if (!vcpu_read(t->cpu, 0, int_status_reg(), 4, &st))
		result(st == 0 && efd_count(efd) == 0,
		       "irq: acknowledged, the status register reads 0 and nothing is signalled (%#x)", st);

	/* Level form: KVM's resample (the VMM's write here) re-signals while asserted. */
	err = set_irq(t, 0, IRQ_GSI, efd, rsfd);
	result(!err, "irq: KVM_VTIS_SET_IRQ replaces the line with a level one (resample eventfd) (%s)",
	       err ? strerror(err) : "ok");
	if (err)
		goto out;
	efd_count(efd);
	{
		uint8_t rnd[8];

		if (tpm2_get_random(t->cpu, 0, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH,
				    rnd, sizeof(rnd), "irq: level"))
			goto out;
	}
	n = efd_count(efd);
	result(n >= 1, "irq: level: the command signals the eventfd (%llu)", (unsigned long long)n);
	for (i = 0; i < 3; i++) {
		efd_poke(rsfd);
		sleep_ms(50);
		n = efd_count(efd);
		if (n != 1)
			break;
	}
	result(i == 3, "irq: level: each resample while the line is asserted signals again (%d of 3; last %llu)",
	       i, (unsigned long long)n);
	st = guest_ack(t);
	efd_poke(rsfd);
	sleep_ms(50);
	n = efd_count(efd);
	result(st != ~0u && st && n == 0,
	       "irq: level: once the guest acknowledged INT_STATUS (%#x), a resample signals nothing (%llu)",
	       st, (unsigned long long)n);

	/* Removal. */
	err = set_irq(t, 0, 0, -1, -1);
	result(!err, "irq: KVM_VTIS_SET_IRQ removes the line (%s)", err ? strerror(err) : "ok");
	irq_info_is(t, "removed", 0, 0);
	if (!opt_crb() && !vcpu_read(t->cpu, 0, TIS_INT_VECTOR, 1, &v))
		result(v == 0, "irq: INT_VECTOR reads 0 again (%u)", v);
	if (!irq_command(t, efd, "irq: removed", &n, &st))
		result(n == 0 && (st & 0x01), "irq: a command signals nothing any more (%llu; INT_STATUS %#x)",
		       (unsigned long long)n, st);

	/* Direct form on the in-kernel irqchip. */
	if (opt.vm.irqchip) {
		err = set_irq(t, KVM_VTIS_IRQ_DIRECT, IRQ_GSI, -1, -1);
		result(!err, "irq: KVM_VTIS_IRQ_DIRECT on gsi %u of the in-kernel irqchip (%s)",
		       IRQ_GSI, err ? strerror(err) : "ok");
		if (err)
			goto out;
		irq_info_is(t, "direct", IRQ_GSI, KVM_VTIS_IRQ_DIRECT);
		result(vm_ioapic_pin_becomes(t->vm, IRQ_GSI, 0), "irq: direct: the IOAPIC pin is low while nothing is pending");
		for (i = 0; i < 2; i++) {
			uint8_t rnd[8];

			if (tpm2_get_random(t->cpu, 0, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH,
					    rnd, sizeof(rnd), "irq: direct"))
				goto out;
			result(vm_ioapic_pin_becomes(t->vm, IRQ_GSI, 1),
			       "irq: direct: command %d raises the IOAPIC pin", i);
			st = guest_ack(t);
			result(st != ~0u && vm_ioapic_pin_becomes(t->vm, IRQ_GSI, 0),
			       "irq: direct: the guest's acknowledgement (%#x) lowers it", st);
		}
		if (tpm2_get_random(t->cpu, 0, MB_TX_NO_REQUEST | MB_TX_NO_RELINQUISH,
				    (uint8_t[8]){ 0 }, 8, "irq: direct"))
			goto out;
		result(vm_ioapic_pin_becomes(t->vm, IRQ_GSI, 1), "irq: direct: asserted again");
		err = set_irq(t, 0, 0, -1, -1);
		result(!err && vm_ioapic_pin_becomes(t->vm, IRQ_GSI, 0),
		       "irq: direct: removing the line lowers the pin (%s)", err ? strerror(err) : "ok");
		/* Left set for the detach (or the VM's destruction) to release. */
		err = set_irq(t, KVM_VTIS_IRQ_DIRECT, IRQ_GSI, -1, -1);
		result(!err && vm_ioapic_pin_becomes(t->vm, IRQ_GSI, 1),
		       "irq: direct: set again with an interrupt pending, the pin goes high at once (%s)",
		       err ? strerror(err) : "ok");
	} else {
		/* Left set: detach or the VM's destruction releases the eventfds. */
		err = set_irq(t, 0, IRQ_GSI, efd, rsfd);
		result(!err, "irq: a level line left set for the end of the run (%s)",
		       err ? strerror(err) : "ok");
	}
	vcpu_op(t->cpu, MB_OP_RELINQUISH, 0, 0);
out:
	close(efd);
	close(rsfd);
}
