// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: kernel memory per device, many VMs at once, two VMs side by
 * side.
 */
#include "vmm.h"

/* Kernel memory in kB (Slab + VmallocUsed + Percpu of /proc/meminfo). */
static long kernel_kb(void)
{
	static const char *const keys[] = { "Slab:", "VmallocUsed:", "Percpu:" };
	char line[256];
	long sum = 0, v;
	size_t i;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strncmp(line, keys[i], strlen(keys[i])) &&
			    sscanf(line + strlen(keys[i]), "%ld", &v) == 1)
				sum += v;
	fclose(f);
	return sum;
}

/* Bytes in use (active objects x object size) per slab cache. */
#define SLAB_MAX_CACHES	512
struct slab_use {
	char name[64];
	long bytes;
};

static int slab_snapshot(struct slab_use *u)
{
	char line[512], name[64];
	long active, total, size;
	int n = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (n < SLAB_MAX_CACHES && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld %ld %ld", name, &active, &total,
			   &size) != 4)
			continue;	/* the two header lines */
		snprintf(u[n].name, sizeof(u[n].name), "%s", name);
		u[n].bytes = active * size;
		n++;
	}
	fclose(f);
	return n;
}

/*
 * Print the caches that grew by at least 64 bytes per device between two
 * snapshots, largest first: where a device's memory goes.
 */
static void slab_print_growth(const struct slab_use *a, int na,
			      const struct slab_use *b, int nb, unsigned int per)
{
	long best_d;
	int i, j, best, shown = 0;
	bool done[SLAB_MAX_CACHES] = { false };

	while (shown < 12) {
		best = -1;
		best_d = 64L * per - 1;
		for (j = 0; j < nb; j++) {
			long d = b[j].bytes;

			if (done[j])
				continue;
			for (i = 0; i < na; i++)
				if (!strcmp(a[i].name, b[j].name)) {
					d -= a[i].bytes;
					break;
				}
			if (d > best_d) {
				best_d = d;
				best = j;
			}
		}
		if (best < 0)
			break;
		done[best] = true;
		printf("# scale-mem-cache %s %.0f\n", b[best].name,
		       (double)best_d / per);
		shown++;
	}
}

static struct vm *scale_vm_new(void)
{
	struct vm *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->kvm_fd = -1;
	x->vm_fd = -1;
	x->vcpu_fd = -1;
	x->vtis_fd = -1;
	x->fault_vector = -1;
	return x;
}

static void scale_vm_free(struct vm *x)
{
	if (x->attached)
		vtis_detach(x);
	vm_destroy(x);
	if (x->swtpm_pid > 0)
		swtpm_reap(x, 5000);
	remove_state_dir(x);
	if (x->vtis_fd >= 0)
		close(x->vtis_fd);
	if (x->kvm_fd >= 0)
		close(x->kvm_fd);
	if (x->mem && x->mem != MAP_FAILED)
		munmap(x->mem, MB_GUEST_MEM);
	free(x);
}

/* The digest VM i extends in round r: unique to both. */
static void scale_digest(unsigned int i, unsigned int r, uint8_t d[32])
{
	char label[64];

	snprintf(label, sizeof(label), "scale vm %u extend %u", i, r);
	sha256(label, strlen(label), d);
}

/*
 * --vms VMs at once (this one and --vms - 1 more, each with its own device
 * and swtpm), in one thread: in every round each VM sends a PCR 16 extend
 * with a value of its own, then each receives its answer, so up to --vms
 * commands are at the backends together.  Every VM checks its PCR 16
 * against its own SHA-256 chain at the end: a misrouted or lost answer
 * breaks a chain.  Also: one VM alone for comparison, per-VM backend
 * service time (fairness), kernel memory per attached device.
 */
void scenario_scale(struct vm *vm)
{
	unsigned int nv = opt.vms, i, r, alone = opt.extends < 200 ? opt.extends : 200;
	struct vm *v[SCALE_MAX_VMS] = { vm };
	uint8_t (*chain)[32] = calloc(nv, 32), d[32], cat[64], now[32];
	uint64_t t0, ms_alone, ms_all;
	static struct slab_use slab0[SLAB_MAX_CACHES], slab1[SLAB_MAX_CACHES];
	int emu_fds[SCALE_MAX_VMS], ns0, ns1;
	long kb0, kb1, kb2;
	double svc_max = 0, svc_min = 1e30;
	bool ok = true;
	struct cmdbuf b;
	struct resp rs;

	for (i = 0; i < SCALE_MAX_VMS; i++)
		emu_fds[i] = -1;
	if (!chain || !opt.spawn_swtpm) {
		result(false, "scale: needs --spawn-swtpm (and memory)");
		free(chain);
		return;
	}
	for (i = 1; i < nv; i++) {
		v[i] = scale_vm_new();
		if (!v[i] || vm_create(v[i])) {
			result(false, "scale: create VM %u", i);
			goto out;
		}
	}
	ns0 = slab_snapshot(slab0);
	kb0 = kernel_kb();
	for (i = 1; i < nv; i++)
		if (vtis_attach(v[i]))
			goto out;
	kb1 = kernel_kb();
	ns1 = slab_snapshot(slab1);
	if (ns0 > 0 && ns1 > 0)
		slab_print_growth(slab0, ns0, slab1, ns1, nv - 1);
	printf("# scale-mem-kb-per-device %.1f\n",
	       kb0 < 0 || kb1 < 0 ? -1.0 : (double)(kb1 - kb0) / (nv - 1));
	/*
	 * And what an emulator's connection adds (the open file and its
	 * buffer), opened from here: a swtpm would add its own process.
	 */
	for (i = 1; i < nv; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/%s", v[i]->emu_name);
		emu_fds[i] = open(path, O_RDWR | O_CLOEXEC);
		if (emu_fds[i] < 0) {
			result(false, "scale: open %s (%s)", path, strerror(errno));
			goto out;
		}
	}
	kb2 = kernel_kb();
	printf("# scale-mem-kb-per-emulator %.1f\n",
	       kb1 < 0 || kb2 < 0 ? -1.0 : (double)(kb2 - kb1) / (nv - 1));
	for (i = 1; i < nv; i++) {
		close(emu_fds[i]);
		emu_fds[i] = -1;
	}
	for (i = 1; i < nv; i++)
		if (swtpm_spawn(v[i]) || wait_emulator(v[i]) || guest_boot(v[i])) {
			result(false, "scale: VM %u gets its swtpm and boots", i);
			goto out;
		}

	/* one VM alone */
	t0 = now_ms();
	for (r = 0; r < alone; r++) {
		scale_digest(0, opt.extends + r, d);
		if (tpm2_pcr_extend(vm, 0, 0, 16, d, "scale alone")) {
			result(false, "scale: VM 0 alone, extend %u", r);
			goto out;
		}
	}
	ms_alone = now_ms() - t0;

	for (i = 0; i < nv; i++)
		if (tpm2_pcr_read(v[i], 0, 0, 16, chain[i], "scale start"))
			goto out;
	t0 = now_ms();
	for (r = 0; r < opt.extends && ok; r++) {
		for (i = 0; i < nv && ok; i++) {
			scale_digest(i, r, d);
			tpm2_cmd_pcr_extend(&b, 16, d);
			ok = !tpm_op(v[i], MB_OP_SEND, 0, 0, &b, &rs, "scale send");
		}
		for (i = 0; i < nv && ok; i++) {
			ok = !tpm_op(v[i], MB_OP_RECV, 0, 0, NULL, &rs, "scale recv") &&
			     rs.rc == TPM2_RC_SUCCESS;
			if (!ok) {
				result(false, "scale: VM %u extend %u answered (rc %#x)",
				       i, r, rs.rc);
				break;
			}
			scale_digest(i, r, d);
			memcpy(cat, chain[i], 32);
			memcpy(cat + 32, d, 32);
			sha256(cat, sizeof(cat), chain[i]);
		}
	}
	ms_all = now_ms() - t0;
	if (!ok)
		goto out;
	for (i = 0; i < nv; i++) {
		struct kvm_vtis_stats st;

		if (tpm2_pcr_read(v[i], 0, 0, 16, now, "scale end") ||
		    !hex_eq(now, chain[i], 32)) {
			result(false, "scale: VM %u's PCR 16 equals its own chain of %u extends",
			       i, opt.extends);
			ok = false;
			continue;
		}
		if (!vtis_stats(v[i], &st) && st.service_count) {
			double svc = (double)st.service_total_ns / st.service_count;

			svc_max = svc > svc_max ? svc : svc_max;
			svc_min = svc < svc_min ? svc : svc_min;
		}
		if (v[i]->exits_mmio_tis)
			ok = false;
	}
	printf("# scale-data vms=%u extends=%u alone_per_s=%.1f all_per_s=%.1f service_fairness=%.3f\n",
	       nv, opt.extends, ms_alone ? alone * 1000.0 / ms_alone : 0,
	       ms_all ? (double)nv * opt.extends * 1000.0 / ms_all : 0,
	       svc_min > 0 && svc_min < 1e30 ? svc_max / svc_min : 0);
	result(ok, "scale: %u VMs x %u extends with VM-specific values, every VM's PCR 16 equals its own chain, 0 TIS exits to userspace (%llu ms; one VM alone: %u in %llu ms)",
	       nv, opt.extends, (unsigned long long)ms_all, alone,
	       (unsigned long long)ms_alone);
out:
	for (i = 1; i < nv; i++) {
		if (emu_fds[i] >= 0)
			close(emu_fds[i]);
		if (v[i])
			scale_vm_free(v[i]);
	}
	free(chain);
}

/*
 * A second VM in this process, with its own device and swtpm; the two
 * take turns (one thread: the vCPUs never run at the same time), each
 * checking every PCR value it reads, so cross-talk would show.  Without a
 * device, the two take turns reading DID_VID instead.
 */
void scenario_two_vm(struct vm *vm)
{
	struct vm *vm2 = calloc(1, sizeof(*vm2));
	uint64_t n = 0, t0, ms;
	unsigned int i;
	uint32_t v;

	if (!vm2) {
		result(false, "two-vm: allocate a second VM");
		return;
	}
	vm2->kvm_fd = -1;
	vm2->vm_fd = -1;
	vm2->vcpu_fd = -1;
	vm2->vtis_fd = -1;
	vm2->fault_vector = -1;
	if (vm_create(vm2)) {
		result(false, "two-vm: create a second VM");
		goto out;
	}
	if (!opt.no_attach) {
		if (!opt.spawn_swtpm) {
			result(false, "two-vm: needs --spawn-swtpm");
			goto out;
		}
		if (vtis_attach(vm2) || swtpm_spawn(vm2) || wait_emulator(vm2))
			goto out;
	}
	if (guest_boot(vm2)) {
		result(false, "two-vm: the second guest boots");
		goto out;
	}
	t0 = now_ms();
	do {
		for (i = 0; i < 2; i++) {
			struct vm *x = i ? vm2 : vm;

			if (opt.no_attach) {
				if (guest_read(x, 0, 0xf00, 4, &v)) {
					result(false, "two-vm: VM %c reads DID_VID",
					       'A' + i);
					goto out;
				}
			} else if (!extend_and_check(x, 0, 0, 16,
						     i ? "two-vm B" : "two-vm A")) {
				goto out;
			}
		}
		/*
		 * Overlapping commands: one VM's GetRandom stays in flight
		 * while the other VM runs a whole extend and its checks.
		 */
		if (!opt.no_attach) {
			struct vm *x = n & 1 ? vm2 : vm, *y = n & 1 ? vm : vm2;
			const uint8_t *p;
			struct cmdbuf b;
			struct resp r;
			uint16_t got;

			cmd_get_random_any(&b, 8);
			if (tpm_op(x, MB_OP_SEND, 0, 0, &b, &r, "two-vm send"))
				goto out;
			if (!extend_and_check(y, 0, 0, 16, "two-vm overlap"))
				goto out;
			if (tpm_op(x, MB_OP_RECV, 0, 0, NULL, &r, "two-vm recv"))
				goto out;
			got = get(&r, 2);
			p = getbytes(&r, got);
			if (r.rc || r.bad || got != 8 || !p || r.off != r.len) {
				result(false, "two-vm: the overlapped GetRandom gets its own answer (rc %#x, %zu bytes)",
				       r.rc, r.len);
				goto out;
			}
		}
		n++;
		ms = now_ms() - t0;
	} while (ms < opt.loop_secs * 1000ULL);
	result(true, "two-vm: %llu turns of two VMs in %llu ms, commands overlapping, every value checked",
	       (unsigned long long)n, (unsigned long long)ms);
	if (!opt.no_attach)
		result(vm2->exits_mmio_tis == 0,
		       "two-vm: 0 TIS accesses of the second VM exited to userspace (%llu of %u)",
		       (unsigned long long)vm2->exits_mmio_tis,
		       guest_accesses(vm2));
out:
	if (vm2->attached)
		vtis_detach(vm2);
	vm_destroy(vm2);
	if (vm2->swtpm_pid > 0)
		result(swtpm_reap(vm2, 5000),
		       "two-vm: the second swtpm exits by itself after the detach");
	remove_state_dir(vm2);
	if (vm2->vtis_fd >= 0)
		close(vm2->vtis_fd);
	if (vm2->kvm_fd >= 0)
		close(vm2->kvm_fd);
	if (vm2->mem && vm2->mem != MAP_FAILED)
		munmap(vm2->mem, MB_GUEST_MEM);
	free(vm2);
}

/*
 * A known sequence for the observability checks: three commands that reach
 * the TPM and three the device refuses, at localities 0 and 2; every
 * counter of KVM_VTIS_STATS must move by exactly what the guest did.
 * The sequence (the test of the tracepoints knows it too):
 *   GetRandom(16) at 0, the vendor set-locality ordinal at 0 (refused,
 *   TPM_RC_COMMAND_CODE), a 4096-byte "TCG prefix" command at 0 (refused,
 *   TPM_RC_COMMAND_CODE), a 4096-byte command whose header says 4100 at 0
 *   (refused, TPM_RC_COMMAND_SIZE), GetRandom(16) at 2, PCR_Read(16) at 0.
 */
