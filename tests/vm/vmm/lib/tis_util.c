// SPDX-License-Identifier: GPL-2.0
/* Raw TPM commands through a vCPU's TIS driver (see tis_util.h). */
#include "test_util.h"
#include "tis_regs.h"
#include "tis_util.h"

/* 0, or -1 when the guest's driver failed (its reason in a diagnostic). */
int tis_send(struct kvm_vcpu *vcpu, unsigned int loc, const void *cmd,
	     size_t len, uint32_t *first_sts)
{
	uint32_t sts;

	if (vcpu_cmd_op(vcpu, MB_OP_SEND, loc, 0, cmd, len))
		return -1;
	if (vcpu_read(vcpu, loc, TIS_STS, 4, &sts))
		return -1;
	if (first_sts)
		*first_sts = sts;
	return 0;
}

/* The response's length (it is at *rsp), or -1. */
ssize_t tis_recv(struct kvm_vcpu *vcpu, unsigned int loc, unsigned int ms,
		 const uint8_t **rsp)
{
	uint32_t bound = vcpu->mb->duration_ms;
	int st;

	vcpu->mb->duration_ms = ms;
	st = vcpu_cmd_op(vcpu, MB_OP_RECV, loc, 0, NULL, 0);
	vcpu->mb->duration_ms = bound;
	*rsp = vcpu->mb->resp;
	return st ? -1 : (ssize_t)vcpu->mb->resp_len;
}

ssize_t tis_transmit(struct kvm_vcpu *vcpu, unsigned int loc, const void *cmd,
		     size_t len, unsigned int ms, const uint8_t **rsp)
{
	if (tis_send(vcpu, loc, cmd, len, NULL))
		return -1;
	return tis_recv(vcpu, loc, ms, rsp);
}

/* Poll STS (1 ms apart) until it has every bit of mask: 0, or -1. */
int tis_wait_sts(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t mask,
		 unsigned int ms, uint32_t *sts)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		if (vcpu_read(vcpu, loc, TIS_STS, 4, sts))
			return -1;
		if ((*sts & mask) == mask)
			return 0;
		if (now_ms() >= end)
			return -1;
		sleep_ms(1);
	}
}
