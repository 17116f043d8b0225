#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# KVM drops a live VM's whole MMIO bus when it cannot allocate a smaller
# one; fail_function on kvm_vtis' bus allocation makes it happen (a debug
# kernel: CONFIG_FAIL_FUNCTION).  A device dropped with the bus goes whole
# and releases the interrupt line it held asserted; devices dropped while
# being attached leave nothing behind (tests/vm/vmm/bus_drop_test.c).
# kmemleak and KASAN judge the rest (90-kmemleak-lockdep.sh, the log).
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

ktap_check "load kvm_vtis" vtis_load
ktap_check "vtis_bus_alloc may be failed on purpose (error-injection list)" \
	grep -q '^vtis_bus_alloc' /sys/kernel/debug/error_injection/list
ktap_run "" "$VMM_DIR/bus_drop_test"
ktap_check "kvm_vtis unloads: no device and no reference left" wait_for 30 rmmod kvm_vtis
ktap_check "load kvm_vtis again" vtis_load
ktap_check "the kernel log holds no warning" no_splat
