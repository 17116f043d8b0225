/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw TPM commands through a vCPU's TIS driver (the guest's), for tests
 * that look at the bytes themselves: no TPM parsing, no check reported.
 *
 *	tis_send(cpu, 0, cmd, len, &sts);	request, command, GO; then one
 *						STS read (sts: what it read)
 *	n = tis_recv(cpu, 0, 5000, &rsp);	the response within 5 s, then
 *						commandReady and relinquish
 */
#ifndef VTIS_TIS_UTIL_H
#define VTIS_TIS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kvm_util.h"

int tis_send(struct kvm_vcpu *vcpu, unsigned int loc, const void *cmd,
	     size_t len, uint32_t *first_sts);
ssize_t tis_recv(struct kvm_vcpu *vcpu, unsigned int loc, unsigned int ms,
		 const uint8_t **rsp);
ssize_t tis_transmit(struct kvm_vcpu *vcpu, unsigned int loc, const void *cmd,
		     size_t len, unsigned int ms, const uint8_t **rsp);
int tis_wait_sts(struct kvm_vcpu *vcpu, unsigned int loc, uint32_t mask,
		 unsigned int ms, uint32_t *sts);

#endif /* VTIS_TIS_UTIL_H */
