/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host TPM backend: the guest's commands go to one of the host's TPM
 * chips through the kernel's TPM API, exclusively held by one device.
 */
#ifndef KVM_VTIS_BACKEND_HOST_H
#define KVM_VTIS_BACKEND_HOST_H

struct vtis_backend_ops;

/* KVM_VTIS_BACKEND_HOST_TPM (backend.h). */
extern const struct vtis_backend_ops vtis_host_backend;

#endif /* KVM_VTIS_BACKEND_HOST_H */
