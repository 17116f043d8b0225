#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# swtpm killed while idle and in the middle of a command: the test VMM's
# guest gets a TPM failure response each time (never a hang), and swtpm
# restarted on the same state serves the next command.  TPM 2.0 and 1.2.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VTIS_ROOT/tests/vm/vmm/vtis-vmm
if ! vtis_load; then
	echo "not ok - load kvm_vtis"
	exit 1
fi
"$vmm" --spawn-swtpm --timeout 300 emu-restart || VTIS_FAILED=1
"$vmm" --tpm 1.2 --spawn-swtpm --timeout 300 emu-restart || VTIS_FAILED=1
check "the runs left no warning in the kernel log" no_splat
