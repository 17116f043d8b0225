// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: random accesses from the VMM and from the guest; the guest's
 * exception report.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

/* Random accesses; the device must still answer afterwards. */
void scenario_storm(struct tvm *t)
{
	uint32_t seed = (uint32_t)getpid() ^ (uint32_t)now_ms();
	struct kvm_vtis_stats s;
	uint32_t v = 0;
	int st;

	t->emu_lost = true;	/* random commands may fail or stay in flight */
	t->cpu->mb->arg0 = seed;
	t->cpu->mb->arg1 = opt.storm;
	st = vcpu_op(t->cpu, MB_OP_STORM, 0, 0);
	result(st == 0, "storm: %u random guest accesses (seed %#x)", opt.storm,
	       seed);
	if (st)
		return;
	st = vcpu_read(t->cpu, 0, 0xf00, 4, &v);
	result(st == 0 && v == 0x00011014,
	       "storm: the device still answers afterwards (DID_VID %#x)", v);
	if (vtis_dev_stats(&t->dev, &s) == 0)
		diag("storm: %llu commands reached the TPM, %llu refused, %llu answers dropped, %llu locality changes, %llu status polls",
		     (unsigned long long)s.commands,
		     (unsigned long long)s.rejected_commands,
		     (unsigned long long)s.cancelled,
		     (unsigned long long)s.locality_changes,
		     (unsigned long long)s.status_polls);
}

/*
 * guest-storm: vCPU 0 makes --storm random accesses of every width (1, 2,
 * 4 and 8 bytes), aligned or not, across registers and locality
 * boundaries, with random values, while vCPU 1 (a second thread) runs real
 * commands at locality GSTORM_LOC: TPM2_GetRandom(32), TPM2_PCR_Extend of
 * sha256 PCR 16 with a known digest, TPM2_PCR_Read of PCR 16 compared with
 * the chain of SHA-256 extends computed here.
 *
 * How the storm leaves room for the real commands: it never writes
 * GSTORM_LOC's page and never reads its FIFO (which would take the real
 * software's response bytes); reading that locality's other registers has
 * no effect, so it does.  Localities 0-2 may request, relinquish and
 * Seize: a Seize from below GSTORM_LOC cannot take the locality from it
 * (locality 4, above it, is read-only), and the real vCPU waits for the
 * locality as Linux does (TIMEOUT_A).  So every real command must succeed;
 * one that does not is a failure.
 */
#define GSTORM_LOC		3
#define GSTORM_PCR		16
#define GSTORM_MIN_REAL		30	/* real commands done during the storm */

struct gstorm {
	struct kvm_vcpu *ap;
	int started, stop;		/* set by the storm's thread */
	uint8_t pcr[SHA256_DIGEST_SIZE];	/* expected value of the PCR */
	unsigned int done, during, extends;
	uint64_t max_ms;		/* slowest real command */
	bool failed;
};

static bool gstorm_note(struct gstorm *g, uint64_t t0, bool ok)
{
	uint64_t ms = now_ms() - t0;

	if (!ok) {
		g->failed = true;
		return false;
	}
	if (ms > g->max_ms)
		g->max_ms = ms;
	g->done++;
	if (__atomic_load_n(&g->started, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE))
		g->during++;
	return true;
}

static void *gstorm_real(void *arg)
{
	struct gstorm *g = arg;
	uint8_t rnd[32], d[32], cat[64], now[32];
	char label[64];
	uint64_t t0;
	int64_t rc;

	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		t0 = now_ms();
		if (!gstorm_note(g, t0, !tpm2_get_random(g->ap, GSTORM_LOC, 0, rnd,
							 sizeof(rnd),
							 "guest-storm: real GetRandom")))
			break;

		snprintf(label, sizeof(label), "guest-storm extend %u", g->extends);
		sha256(label, strlen(label), d);
		t0 = now_ms();
		rc = tpm2_pcr_extend(g->ap, GSTORM_LOC, 0, GSTORM_PCR, d,
				     "guest-storm: real PCR_Extend");
		if (rc > 0)
			result(false, "guest-storm: TPM2_PCR_Extend of PCR %u at locality %u succeeds (rc %#llx)",
			       GSTORM_PCR, GSTORM_LOC, (long long)rc);
		if (!gstorm_note(g, t0, rc == 0))
			break;
		memcpy(cat, g->pcr, 32);
		memcpy(cat + 32, d, 32);
		sha256(cat, sizeof(cat), g->pcr);
		g->extends++;

		t0 = now_ms();
		if (!gstorm_note(g, t0, !tpm2_pcr_read(g->ap, GSTORM_LOC, 0,
						       GSTORM_PCR, now,
						       "guest-storm: real PCR_Read")))
			break;
		if (!hex_eq(now, g->pcr, 32)) {
			result(false, "guest-storm: PCR %u read during the storm equals the chain of %u extends",
			       GSTORM_PCR, g->extends);
			hexdump("read", now, 32);
			hexdump("want", g->pcr, 32);
			g->failed = true;
			break;
		}
	}
	return NULL;
}

void scenario_guest_storm(struct tvm *t)
{
	uint32_t seed = (uint32_t)getpid() ^ (uint32_t)now_ms();
	uint32_t cr[8], cw[8], ar[8], aw[8], *tl = t->cpu->mb->storm;
	struct gstorm g = { 0 };
	struct kvm_vtis_stats a, b;
	struct kvm_vcpu *ap;
	uint8_t now[32], rnd[32];
	uint64_t exits, t0, ms;
	uint32_t v = 0, total;
	unsigned int i;
	pthread_t th;
	bool same = true;
	int st, err;

	t->emu_lost = true;	/* the storm's own commands may fail */
	ap = vm_vcpu_add(t->vm, 1);
	if (!ap || vcpu_boot(ap)) {
		result(false, "guest-storm: a second vCPU boots");
		return;
	}
	/* Waiting for the locality while the storm holds one takes longer. */
	ap->mb->timeout_ms = 4 * opt.vm.timeout_ms;
	if (tpm2_pcr_read(ap, GSTORM_LOC, 0, GSTORM_PCR, g.pcr,
			  "guest-storm: PCR_Read before the storm"))
		return;
	g.ap = ap;

	if (vtis_dev_stats(&t->dev, &a)) {
		result(false, "guest-storm: KVM_VTIS_STATS answers (%s)",
		       strerror(errno));
		return;
	}
	memcpy(cr, t->cpu->mb->class_reads, sizeof(cr));
	memcpy(cw, t->cpu->mb->class_writes, sizeof(cw));
	memcpy(ar, ap->mb->class_reads, sizeof(ar));
	memcpy(aw, ap->mb->class_writes, sizeof(aw));
	exits = vm_tis_exits(t->vm);
	memset(tl, 0, sizeof(t->cpu->mb->storm));

	err = pthread_create(&th, NULL, gstorm_real, &g);
	if (err) {
		result(false, "guest-storm: start the second vCPU's thread (%s)",
		       strerror(err));
		return;
	}
	t->cpu->mb->arg0 = seed;
	t->cpu->mb->arg1 = opt.storm;
	t->cpu->mb->arg2 = GSTORM_LOC;
	t0 = now_ms();
	__atomic_store_n(&g.started, 1, __ATOMIC_RELEASE);
	st = vcpu_op(t->cpu, MB_OP_STORM_WIDE, 0, 0);
	ms = now_ms() - t0;
	__atomic_store_n(&g.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);

	total = tl[MB_S_W1] + tl[MB_S_W2] + tl[MB_S_W4] + tl[MB_S_W8];
	result(st == 0 && total >= opt.storm,
	       "guest-storm: vCPU 0 made %u random accesses in %llu ms (seed %#x)",
	       total, (unsigned long long)ms, seed);
	diag("guest-storm: widths 1/2/4/8: %u/%u/%u/%u; %u reads, %u writes; %u unaligned, %u across registers, %u across localities; %u GetRandom+GO",
	     tl[MB_S_W1], tl[MB_S_W2], tl[MB_S_W4], tl[MB_S_W8], tl[MB_S_READS],
	     tl[MB_S_WRITES], tl[MB_S_UNALIGNED], tl[MB_S_REG_CROSS],
	     tl[MB_S_PAGE_CROSS], tl[MB_S_GO]);
	diag("guest-storm: %u 8-byte accesses inside one page", tl[MB_S_W8_PAGE]);
	diag("guest-storm: by locality: %u %u %u %u %u", tl[MB_S_LOC0],
	     tl[MB_S_LOC0 + 1], tl[MB_S_LOC0 + 2], tl[MB_S_LOC0 + 3], tl[MB_S_LOC4]);
	result(tl[MB_S_W1] && tl[MB_S_W2] && tl[MB_S_W4] && tl[MB_S_W8] &&
	       tl[MB_S_READS] && tl[MB_S_WRITES] && tl[MB_S_UNALIGNED] &&
	       tl[MB_S_REG_CROSS] && tl[MB_S_PAGE_CROSS] && tl[MB_S_LOC0] &&
	       tl[MB_S_LOC0 + 1] && tl[MB_S_LOC0 + 2] && tl[MB_S_LOC0 + 3] &&
	       tl[MB_S_LOC4],
	       "guest-storm: the storm used every width, reads and writes, unaligned offsets, register and locality crossings, every locality");
	diag("guest-storm: vCPU 1: %u real commands at locality %u (%u during the storm, %u extends), slowest %llu ms",
	     g.done, GSTORM_LOC, g.during, g.extends,
	     (unsigned long long)g.max_ms);
	result(!g.failed,
	       "guest-storm: every real command at locality %u completed and answered correctly (%u)",
	       GSTORM_LOC, g.done);
	result(g.during >= GSTORM_MIN_REAL,
	       "guest-storm: at least %u real commands completed during the storm (%u)",
	       GSTORM_MIN_REAL, g.during);
	if (g.failed || ap->dead)
		return;

	/* Afterwards: the PCR holds the whole chain; the device still serves. */
	if (!tpm2_pcr_read(ap, GSTORM_LOC, 0, GSTORM_PCR, now,
			   "guest-storm: PCR_Read after the storm"))
		result(hex_eq(now, g.pcr, 32),
		       "guest-storm: PCR %u equals the chain of the %u extends that completed",
		       GSTORM_PCR, g.extends);
	st = vcpu_read(t->cpu, 0, 0xf00, 4, &v);
	result(st == 0 && v == 0x00011014,
	       "guest-storm: the device still answers afterwards (DID_VID %#x)", v);
	if (!tpm2_get_random(t->cpu, 0, 0, rnd, sizeof(rnd),
			     "guest-storm: GetRandom at locality 0 afterwards"))
		result(true, "guest-storm: TPM2_GetRandom(32) at locality 0 after the storm succeeds");

	if (vtis_dev_stats(&t->dev, &b)) {
		result(false, "guest-storm: KVM_VTIS_STATS answers (%s)",
		       strerror(errno));
		return;
	}
	for (i = 0; i < 8; i++) {
		uint64_t gr = t->cpu->mb->class_reads[i] - cr[i] +
			      ap->mb->class_reads[i] - ar[i];
		uint64_t gw = t->cpu->mb->class_writes[i] - cw[i] +
			      ap->mb->class_writes[i] - aw[i];

		if (b.mmio_reads[i] - a.mmio_reads[i] != gr ||
		    b.mmio_writes[i] - a.mmio_writes[i] != gw) {
			diag("guest-storm: class %u: device %llu reads %llu writes, guest %llu and %llu",
			     i,
			     (unsigned long long)(b.mmio_reads[i] - a.mmio_reads[i]),
			     (unsigned long long)(b.mmio_writes[i] - a.mmio_writes[i]),
			     (unsigned long long)gr, (unsigned long long)gw);
			same = false;
		}
	}
	result(same, "guest-storm: KVM_VTIS_STATS counted exactly the accesses of both vCPUs, by register class (a page-crossing access as its two pieces)");
	exits = vm_tis_exits(t->vm) - exits;
	result(exits == 0,
	       "guest-storm: 0 TIS accesses of either vCPU exited to userspace (%llu)",
	       (unsigned long long)exits);
	diag("guest-storm: device: %llu commands, %llu refused, %llu answers dropped, %llu locality changes, %llu status polls",
	     (unsigned long long)(b.commands - a.commands),
	     (unsigned long long)(b.rejected_commands - a.rejected_commands),
	     (unsigned long long)(b.cancelled - a.cancelled),
	     (unsigned long long)(b.locality_changes - a.locality_changes),
	     (unsigned long long)(b.status_polls - a.status_polls));
}

/* The guest's exception report works (run last: the guest stops). */
void scenario_guest_fault(struct tvm *t)
{
	int st = vcpu_op(t->cpu, MB_OP_UD2, 0, 0);

	result(st < 0 && t->cpu->fault_vector == 6,
	       "guest-fault: an invalid opcode in the guest is reported as vector 6 (got %d)",
	       t->cpu->fault_vector);
}
