// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: kernel memory per device, many VMs at once, two VMs side by
 * side.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		diag("scale-mem-cache %s %.0f", b[best].name,
		     (double)best_d / per);
		shown++;
	}
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
void scenario_scale(struct tvm *t)
{
	unsigned int nv = opt.vms, i, r, alone = opt.extends < 200 ? opt.extends : 200;
	struct tvm *v[SCALE_MAX_VMS] = { t };
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
		v[i] = tvm_new(false);
		if (!v[i]) {
			result(false, "scale: create VM %u", i);
			goto out;
		}
	}
	ns0 = slab_snapshot(slab0);
	kb0 = kernel_kb();
	for (i = 1; i < nv; i++)
		if (tvm_attach(v[i], false))
			goto out;
	kb1 = kernel_kb();
	ns1 = slab_snapshot(slab1);
	if (ns0 > 0 && ns1 > 0)
		slab_print_growth(slab0, ns0, slab1, ns1, nv - 1);
	diag("scale-mem-kb-per-device %.1f",
	     kb0 < 0 || kb1 < 0 ? -1.0 : (double)(kb1 - kb0) / (nv - 1));
	/*
	 * And what an emulator's connection adds (the open file and its
	 * buffer), opened from here: a swtpm would add its own process.
	 */
	for (i = 1; i < nv; i++) {
		char path[64];

		snprintf(path, sizeof(path), "%s", v[i]->dev.node);
		emu_fds[i] = open(path, O_RDWR | O_CLOEXEC);
		if (emu_fds[i] < 0) {
			result(false, "scale: open %s (%s)", path, strerror(errno));
			goto out;
		}
	}
	kb2 = kernel_kb();
	diag("scale-mem-kb-per-emulator %.1f",
	     kb1 < 0 || kb2 < 0 ? -1.0 : (double)(kb2 - kb1) / (nv - 1));
	for (i = 1; i < nv; i++) {
		close(emu_fds[i]);
		emu_fds[i] = -1;
	}
	for (i = 1; i < nv; i++)
		if (tvm_swtpm(v[i]) || tvm_wait_emulator(v[i]) ||
		    vcpu_boot(v[i]->cpu)) {
			result(false, "scale: VM %u gets its swtpm and boots", i);
			goto out;
		}

	/* one VM alone */
	t0 = now_ms();
	for (r = 0; r < alone; r++) {
		scale_digest(0, opt.extends + r, d);
		if (tpm2_pcr_extend(t->cpu, 0, 0, 16, d, "scale alone")) {
			result(false, "scale: VM 0 alone, extend %u", r);
			goto out;
		}
	}
	ms_alone = now_ms() - t0;

	for (i = 0; i < nv; i++)
		if (tpm2_pcr_read(v[i]->cpu, 0, 0, 16, chain[i], "scale start"))
			goto out;
	t0 = now_ms();
	for (r = 0; r < opt.extends && ok; r++) {
		for (i = 0; i < nv && ok; i++) {
			scale_digest(i, r, d);
			tpm2_cmd_pcr_extend(&b, 16, d);
			ok = !tpm_op(v[i]->cpu, MB_OP_SEND, 0, 0, &b, &rs, "scale send");
		}
		for (i = 0; i < nv && ok; i++) {
			ok = !tpm_op(v[i]->cpu, MB_OP_RECV, 0, 0, NULL, &rs, "scale recv") &&
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

		if (tpm2_pcr_read(v[i]->cpu, 0, 0, 16, now, "scale end") ||
		    !hex_eq(now, chain[i], 32)) {
			result(false, "scale: VM %u's PCR 16 equals its own chain of %u extends",
			       i, opt.extends);
			ok = false;
			continue;
		}
		if (!vtis_dev_stats(&v[i]->dev, &st) && st.service_count) {
			double svc = (double)st.service_total_ns / st.service_count;

			svc_max = svc > svc_max ? svc : svc_max;
			svc_min = svc < svc_min ? svc : svc_min;
		}
		if (vm_tis_exits(v[i]->vm))
			ok = false;
	}
	diag("scale-data vms=%u extends=%u alone_per_s=%.1f all_per_s=%.1f service_fairness=%.3f",
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
			tvm_free(v[i], true, NULL);
	}
	free(chain);
}

/*
 * A second VM in this process, with its own device and swtpm; the two
 * take turns (one thread: the vCPUs never run at the same time), each
 * checking every PCR value it reads, so cross-talk would show.  Without a
 * device, the two take turns reading DID_VID instead.
 */
void scenario_two_vm(struct tvm *t)
{
	struct tvm *t2 = tvm_new(false);
	uint64_t n = 0, t0, ms;
	unsigned int i;
	uint32_t v;

	if (!t2) {
		result(false, "two-vm: create a second VM");
		return;
	}
	if (!opt.no_attach) {
		if (!opt.spawn_swtpm) {
			result(false, "two-vm: needs --spawn-swtpm");
			goto out;
		}
		if (tvm_attach(t2, false) || tvm_swtpm(t2) ||
		    tvm_wait_emulator(t2))
			goto out;
	}
	if (vcpu_boot(t2->cpu)) {
		result(false, "two-vm: the second guest boots");
		goto out;
	}
	t0 = now_ms();
	do {
		for (i = 0; i < 2; i++) {
			struct kvm_vcpu *x = i ? t2->cpu : t->cpu;

			if (opt.no_attach) {
				if (vcpu_read(x, 0, TIS_DID_VID, 4, &v)) {
					result(false, "two-vm: VM %c reads DID_VID",
					       'A' + i);
					goto out;
				}
			} else if (!tpm2_extend_and_check(x, 0, 0, 16,
							  i ? "two-vm B" : "two-vm A")) {
				goto out;
			}
		}
		/*
		 * Overlapping commands: one VM's GetRandom stays in flight
		 * while the other VM runs a whole extend and its checks.
		 */
		if (!opt.no_attach) {
			struct kvm_vcpu *x = n & 1 ? t2->cpu : t->cpu;
			struct kvm_vcpu *y = n & 1 ? t->cpu : t2->cpu;
			const uint8_t *p;
			struct cmdbuf b;
			struct resp r;
			uint16_t got;

			tpm_get_random_cmd(&b, 8);
			if (tpm_op(x, MB_OP_SEND, 0, 0, &b, &r, "two-vm send"))
				goto out;
			if (!tpm2_extend_and_check(y, 0, 0, 16, "two-vm overlap"))
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
		result(vm_tis_exits(t2->vm) == 0,
		       "two-vm: 0 TIS accesses of the second VM exited to userspace (%llu of %u)",
		       (unsigned long long)vm_tis_exits(t2->vm),
		       tvm_accesses(t2));
out:
	tvm_free(t2, true,
		 "two-vm: the second swtpm exits by itself after the detach");
}
