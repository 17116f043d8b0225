// SPDX-License-Identifier: GPL-2.0
/*
 * vtis-vmm: the statistics scenario: counters against the commands the guest
 * sent.
 */
#include <errno.h>
#include <string.h>

#include "vmm.h"

void scenario_obs(struct tvm *t)
{
	struct kvm_vtis_stats a, b;
	uint32_t cr[8], cw[8], sts_reads;
	uint64_t to_tpm = 0, from_tpm = 0, hist = 0;
	static struct cmdbuf big;
	struct cmdbuf c;
	struct resp r;
	unsigned int i;
	bool ok = true;

	if (opt.tpm12) {
		result(false, "obs: needs TPM 2.0");
		return;
	}
	if (vtis_dev_stats(&t->dev, &a)) {
		result(false, "obs: KVM_VTIS_STATS answers (%s)", strerror(errno));
		return;
	}
	memcpy(cr, t->cpu->mb->class_reads, sizeof(cr));
	memcpy(cw, t->cpu->mb->class_writes, sizeof(cw));

	tpm2_cmd_get_random(&c, 16);
	if (tpm_transmit(t->cpu, 0, 0, &c, &r, "obs") || r.rc) {
		result(false, "obs: GetRandom at locality 0 succeeds");
		return;
	}
	to_tpm += c.n;
	from_tpm += r.len;

	t->refused += 3;
	cmd_start(&c, TPM2_ST_SESSIONS, 0x20001000);
	put8(&c, 3);
	cmd_end(&c);
	if (tpm_transmit(t->cpu, 0, 0, &c, &r, "obs"))
		return;
	result(r.rc == TPM2_RC_COMMAND_CODE && r.len == 10,
	       "obs: the vendor set-locality ordinal from the guest is refused (rc %#x)",
	       r.rc);

	memset(big.d, 0x5a, sizeof(big.d));
	big.d[0] = 0;
	big.d[1] = 0;
	big.d[2] = 0;
	big.d[3] = 8;
	big.n = sizeof(big.d);
	big.overflow = false;
	if (tpm_transmit(t->cpu, 0, 0, &big, &r, "obs"))
		return;
	result(r.rc == TPM2_RC_COMMAND_CODE && r.len == 10,
	       "obs: a TCG prefix command from the guest is refused (rc %#x)", r.rc);

	cmd_start(&big, TPM2_ST_NO_SESSIONS, TPM2_CC_GET_RANDOM);
	while (big.n < sizeof(big.d))
		put8(&big, 0);
	big.d[2] = 0;
	big.d[3] = 0;
	big.d[4] = 4100 >> 8;
	big.d[5] = 4100 & 0xff;
	if (tpm_transmit(t->cpu, 0, 0, &big, &r, "obs"))
		return;
	result(r.rc == TPM2_RC_COMMAND_SIZE && r.len == 10,
	       "obs: a command whose header size is wrong is refused (rc %#x)", r.rc);

	tpm2_cmd_get_random(&c, 16);
	if (tpm_transmit(t->cpu, 2, 0, &c, &r, "obs") || r.rc) {
		result(false, "obs: GetRandom at locality 2 succeeds");
		return;
	}
	to_tpm += c.n;
	from_tpm += r.len;

	tpm2_cmd_pcr_read(&c, 16);
	if (tpm_transmit(t->cpu, 0, 0, &c, &r, "obs") || r.rc) {
		result(false, "obs: PCR_Read at locality 0 succeeds");
		return;
	}
	to_tpm += c.n;
	from_tpm += r.len;

	if (vtis_dev_stats(&t->dev, &b)) {
		result(false, "obs: KVM_VTIS_STATS answers (%s)", strerror(errno));
		return;
	}
#define DELTA(f)	((unsigned long long)(b.f - a.f))
#define EXPECT(f, want) do {						\
	if (DELTA(f) != (unsigned long long)(want)) {			\
		diag("obs: %s moved by %llu, want %llu", #f,		\
		     DELTA(f), (unsigned long long)(want));		\
		ok = false;						\
	}								\
} while (0)
	EXPECT(commands, 3);
	EXPECT(responses, 3);
	EXPECT(errors, 0);
	EXPECT(bytes_to_tpm, to_tpm);
	EXPECT(bytes_from_tpm, from_tpm);
	EXPECT(rejected_commands, 3);
	EXPECT(bad_responses, 0);
	EXPECT(timeouts, 0);
	EXPECT(backend_failures, 0);
	EXPECT(cancelled, 0);
	EXPECT(locality_changes, 12);
	EXPECT(service_count, 3);
	for (i = 0; i < 8; i++) {
		EXPECT(mmio_reads[i], t->cpu->mb->class_reads[i] - cr[i]);
		EXPECT(mmio_writes[i], t->cpu->mb->class_writes[i] - cw[i]);
	}
	for (i = 0; i < KVM_VTIS_SERVICE_BUCKETS; i++)
		hist += b.service_hist[i] - a.service_hist[i];
	if (hist != 3 || b.service_buckets != KVM_VTIS_SERVICE_BUCKETS ||
	    !b.service_max_ns || b.service_total_ns < b.service_max_ns) {
		diag("obs: histogram holds %llu commands (%u buckets), max %llu ns, total %llu ns",
		     (unsigned long long)hist, b.service_buckets,
		     (unsigned long long)b.service_max_ns,
		     (unsigned long long)b.service_total_ns);
		ok = false;
	}
	sts_reads = t->cpu->mb->class_reads[2] - cr[2];
	if (DELTA(status_polls) > sts_reads) {
		diag("obs: %llu status polls, but only %u STS reads",
		     DELTA(status_polls), sts_reads);
		ok = false;
	}
#undef EXPECT
#undef DELTA
	result(ok, "obs: KVM_VTIS_STATS moved by exactly the guest's 3 commands, 3 refused ones, %llu+%llu bytes, 12 locality changes and its accesses by register class",
	       (unsigned long long)to_tpm, (unsigned long long)from_tpm);
}
