#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# KVM drops a live VM's whole MMIO bus when it cannot allocate a smaller
# one; failslab on the detaching thread makes it happen (a debug kernel:
# CONFIG_FAILSLAB).  A device dropped with the bus goes whole
# and releases the interrupt line it held asserted; devices dropped while
# being attached leave nothing behind (tests/vm/vmm/bus_drop_test.c).
# kmemleak and KASAN judge the rest (90-kmemleak-lockdep.sh, the log).
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

ktap_check "load kvm_vtis" vtis_load
ktap_run "" "$VMM_DIR/bus_drop_test"
ktap_check "kvm_vtis unloads: no device and no reference left" wait_for 30 rmmod kvm_vtis
ktap_check "load kvm_vtis again" vtis_load
ktap_check "the kernel log holds no warning" no_splat
