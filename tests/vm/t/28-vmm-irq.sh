#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The device's interrupt (KVM_VTIS_SET_IRQ), seen from the test VMM: an
# eventfd signalled once per command while the guest acknowledges
# INT_STATUS, a resample eventfd that re-signals while the line is still
# asserted, INT_VECTOR, removal, bad requests; then with an in-kernel
# irqchip the device drives the GSI itself (the IOAPIC's IRR follows the
# line).  The first run ends with an eventfd line set and detaches, the
# second with a direct line set and destroys the VM: nothing is left.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VMM_DIR/vtis-vmm
ktap_check "load kvm_vtis" vtis_load || exit 1
ktap_run "" "$vmm" --spawn-swtpm --timeout 300 irq
ktap_run "irqchip: " "$vmm" --spawn-swtpm --irqchip --no-detach --timeout 300 irq
ktap_check "no device left attached" \
	sh -c "[ -z \"\$('$VTIS_ROOT/tools/vtisctl' list --json | python3 -c 'import json,sys; print(json.load(sys.stdin) or \"\")')\" ]"
ktap_check "the module unloads (no reference left behind)" wait_for 20 rmmod kvm_vtis
ktap_check "the runs left no warning in the kernel log" no_splat
