/* SPDX-License-Identifier: GPL-2.0 */
/* The TIS window on the VM's MMIO bus. */
#ifndef KVM_VTIS_MMIO_H
#define KVM_VTIS_MMIO_H

#include <kvm/iodev.h>

extern const struct kvm_io_device_ops vtis_mmio_ops;

/*
 * Longest wait after GO for the backend's answer, in microseconds.  The
 * wait runs inside the VM's SRCU read section (KVM dispatches MMIO under
 * kvm->srcu), where it holds up the VM's memslot and ioeventfd updates
 * (synchronize_srcu()) for as long: keep it short.
 */
#define VTIS_GO_WAIT_MAX_US	5000U

#endif /* KVM_VTIS_MMIO_H */
