// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency and teardown races: two vCPUs sending commands from two
 * localities at once through one device (each must get its own answer),
 * detach while vCPUs hammer the window, detach racing VM destruction, and
 * VM destruction with a command in flight at the emulator.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu_util.h"
#include "kvm_util.h"
#include "test_util.h"
#include "tis_regs.h"
#include "tis_util.h"
#include "tpm_cmd.h"
#include "vtis_util.h"

#define ROUNDS		15
#define DESTROY_RACES	40

static int stop_emu, stop_hammer;	/* __atomic: other threads read them */

struct emu {
	int efd;
	unsigned int served;
};

/*
 * Answer a locality announcement with success and GetRandom(n) with n
 * copies of n (each vCPU asks for its own n).
 */
static void *emulator(void *arg)
{
	struct emu *e = arg;
	uint8_t m[EMU_MSG_MAX], rsp[EMU_MSG_MAX], body[2 + 255];
	ssize_t n;
	unsigned int k;

	while (!__atomic_load_n(&stop_emu, __ATOMIC_ACQUIRE)) {
		n = emu_read(e->efd, m, sizeof(m), 100);
		if (n == -ETIMEDOUT || n < 0)
			continue;
		if (!n)
			return NULL;
		if (emu_is_set_locality(m, n)) {
			emu_write(e->efd, tpm2_rsp_ok, sizeof(tpm2_rsp_ok));
			continue;
		}
		k = n >= 12 ? m[11] : 0;
		body[0] = 0;
		body[1] = k;
		memset(body + 2, k, k);
		n = tpm_rsp(rsp, TPM2_ST_NO_SESSIONS, 0, body, 2 + k);
		if (!emu_write(e->efd, rsp, n))
			e->served++;
	}
	return NULL;
}

struct guest {
	struct kvm_vcpu *cpu;
	unsigned int loc, n, bad;
};

/* ROUNDS GetRandom(n) at loc, each answer checked. */
static void *guest(void *arg)
{
	struct guest *g = arg;
	uint8_t want[TPM_HDR_LEN + 2 + 255], body[2 + 255];
	const uint8_t *rsp;
	size_t wlen;
	struct cmdbuf b;
	unsigned int i;
	ssize_t got;

	body[0] = 0;
	body[1] = g->n;
	memset(body + 2, g->n, g->n);
	wlen = tpm_rsp(want, TPM2_ST_NO_SESSIONS, 0, body, 2 + g->n);
	tpm2_cmd_get_random(&b, g->n);
	g->cpu->mb->timeout_ms = 60000;
	for (i = 0; i < ROUNDS; i++) {
		got = tis_transmit(g->cpu, g->loc, b.d, b.n, 30000, &rsp);
		if (got != (ssize_t)wlen || memcmp(rsp, want, wlen)) {
			g->bad++;
			if (got > 0)
				hexdump("wrong answer", rsp, got);
		}
	}
	return NULL;
}

struct hammer {
	struct kvm_vcpu *cpu;
	unsigned long rounds;
};

/* vCPU i hammers locality i: ACCESS, requestUse, STS, relinquish. */
static void *hammer(void *arg)
{
	struct hammer *h = arg;
	unsigned int loc = h->cpu->id;
	uint32_t v;

	while (!__atomic_load_n(&stop_hammer, __ATOMIC_ACQUIRE)) {
		if (vcpu_read(h->cpu, loc, TIS_ACCESS, 1, &v) ||
		    vcpu_write(h->cpu, loc, TIS_ACCESS, 1, ACCESS_REQUEST_USE) ||
		    vcpu_read(h->cpu, loc, TIS_STS, 4, &v) ||
		    vcpu_write(h->cpu, loc, TIS_ACCESS, 1, ACCESS_ACTIVE))
			break;
		h->rounds++;
	}
	return NULL;
}

static struct kvm_vm *vm_two_vcpus(struct kvm_vcpu *cpus[2])
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	struct kvm_vm *vm = vm_create(&cfg);
	unsigned int i;

	for (i = 0; vm && i < 2; i++) {
		cpus[i] = vm_vcpu_add(vm, i);
		if (!cpus[i] || vcpu_boot(cpus[i])) {
			vm_free(vm);
			return NULL;
		}
	}
	return vm;
}

static uint32_t count_devices(int ctl)
{
	uint32_t n = ~0u;

	vtis_list(ctl, NULL, 0, &n);
	return n;
}

/* Two vCPUs, two localities, one device; then detach under a hammer. */
static void two_vcpus(void)
{
	struct vtis_dev d = VTIS_DEV_INIT;
	struct guest g[2] = { { .loc = 0, .n = 5 }, { .loc = 2, .n = 9 } };
	struct hammer h[2];
	struct kvm_vcpu *cpus[2];
	struct emu e = { .efd = -1 };
	pthread_t emu_th, th[2];
	struct kvm_vm *vm;
	unsigned int i;
	uint64_t exits;

	vm = vm_two_vcpus(cpus);
	if (vm && !vtis_dev_attach(&d, vm->fd, 0, KVM_VTIS_TPM_2_0,
				   KVM_VTIS_BACKEND_EMULATOR, 0))
		e.efd = open(d.node, O_RDWR | O_CLOEXEC);
	if (e.efd < 0) {
		result(false, "a VM with two vCPUs, its device and its emulator");
		if (vm)
			vm_free(vm);
		return;
	}
	pthread_create(&emu_th, NULL, emulator, &e);
	for (i = 0; i < 2; i++) {
		g[i].cpu = cpus[i];
		pthread_create(&th[i], NULL, guest, &g[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	result(!g[0].bad && !g[1].bad,
	       "two vCPUs at localities 0 and 2: %u commands each, no cross-talk (%u and %u wrong)",
	       ROUNDS, g[0].bad, g[1].bad);
	result(e.served == 2 * ROUNDS, "the emulator served all %u (%u)",
	       2 * ROUNDS, e.served);
	result(vm_tis_exits(vm) == 0,
	       "no exit to userspace for the window with two vCPUs (%llu)",
	       (unsigned long long)vm_tis_exits(vm));

	for (i = 0; i < 2; i++) {
		h[i] = (struct hammer){ .cpu = cpus[i] };
		pthread_create(&th[i], NULL, hammer, &h[i]);
	}
	sleep_ms(1000);
	result(vtis_dev_detach(&d) == 0,
	       "detach while two vCPUs access the window");
	sleep_ms(500);
	__atomic_store_n(&stop_hammer, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	exits = vm_tis_exits(vm);
	result(exits > 0 && h[0].rounds > 0 && h[1].rounds > 0,
	       "... the vCPUs kept running (accesses now exit to userspace: %llu; rounds %lu and %lu)",
	       (unsigned long long)exits, h[0].rounds, h[1].rounds);
	__atomic_store_n(&stop_emu, 1, __ATOMIC_RELEASE);
	pthread_join(emu_th, NULL);
	close(e.efd);
	vm_free(vm);
	vtis_dev_close(&d);
}

struct racer {
	struct kvm_vm *vm;
	struct vtis_dev *d;
};

static void *destroy_vm(void *arg)
{
	vm_free(((struct racer *)arg)->vm);
	return NULL;
}

static void *detach_dev(void *arg)
{
	vtis_dev_detach(((struct racer *)arg)->d);
	return NULL;
}

/* Detach racing the VM's destruction: the emulator sees its device go. */
static void destroy_races(int ctl)
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	unsigned int i, leftover = 0;
	struct racer r;
	pthread_t a, b;
	uint8_t buf[16];
	int efd;

	for (i = 0; i < DESTROY_RACES; i++) {
		struct vtis_dev d = VTIS_DEV_INIT;

		r.vm = vm_create(&cfg);
		r.d = &d;
		d.ctl = ctl;
		if (!r.vm || vtis_dev_attach(&d, r.vm->fd, 0, KVM_VTIS_TPM_2_0,
					     KVM_VTIS_BACKEND_EMULATOR, 0)) {
			leftover++;
			if (r.vm)
				vm_free(r.vm);
			continue;
		}
		efd = open(d.node, O_RDWR | O_CLOEXEC);
		pthread_create(&a, NULL, i % 2 ? detach_dev : destroy_vm, &r);
		pthread_create(&b, NULL, i % 2 ? destroy_vm : detach_dev, &r);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		if (efd < 0 || read(efd, buf, sizeof(buf)) != 0)
			leftover++;
		if (efd >= 0)
			close(efd);
	}
	result(!leftover && count_devices(ctl) == 0,
	       "detach racing VM destruction (%u rounds): nothing left (%u left over, %u devices)",
	       DESTROY_RACES, leftover, count_devices(ctl));
}

/* The VM destroyed while the emulator works on its command. */
static void destroy_mid_command(int ctl)
{
	struct vm_config cfg = VM_CONFIG_DEFAULT;
	struct vtis_dev d = VTIS_DEV_INIT;
	uint8_t m[EMU_MSG_MAX], late[TPM_HDR_LEN];
	struct kvm_vcpu *cpu;
	struct kvm_vm *vm;
	struct cmdbuf b;
	ssize_t n = -1;
	int efd = -1, err;

	d.ctl = ctl;
	tpm2_cmd_get_random(&b, 4);
	vm = vm_create_booted(&cfg, &cpu);
	if (vm && !vtis_dev_attach(&d, vm->fd, 0, KVM_VTIS_TPM_2_0,
				   KVM_VTIS_BACKEND_EMULATOR, 0))
		efd = open(d.node, O_RDWR | O_CLOEXEC);
	if (efd >= 0 && !tis_send(cpu, 0, b.d, b.n, NULL))
		n = emu_next_command(efd, m, sizeof(m), 5000);
	if (vm)
		vm_free(vm);
	result(count_devices(ctl) == 0 && n == (ssize_t)b.n &&
	       !memcmp(m, b.d, b.n),
	       "VM destroyed mid-command: the device is gone (the emulator had the command: %zd bytes)",
	       n);
	tpm_rsp(late, TPM2_ST_NO_SESSIONS, 0, NULL, 0);
	err = efd < 0 ? -EBADF : emu_write(efd, late, sizeof(late));
	result(err == -ENODEV && efd >= 0 && read(efd, m, sizeof(m)) == 0,
	       "... the emulator's late answer fails (ENODEV), its read sees EOF (%s)",
	       errname(err));
	if (efd >= 0)
		close(efd);
}

int main(void)
{
	int ctl;

	test_start(900);
	ctl = vtis_open();
	if (ctl < 0) {
		result(false, "open %s (%s)", VTIS_CTL_PATH, errname(ctl));
		return test_end();
	}
	two_vcpus();
	destroy_races(ctl);
	destroy_mid_command(ctl);
	close(ctl);
	return test_end();
}
