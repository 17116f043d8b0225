#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test VMM's guest talks TIS like Linux's tpm_tis to kvm_vtis, served
# by swtpm (TPM 2.0): probe, TPM2_GetRandom, TPM2_PCR_Extend checked against
# SHA-256 computed here, commands of 1 KiB to 4 KiB; no TIS access exits to
# userspace.  A second VM ends by being destroyed instead of detached.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VTIS_ROOT/tests/vm/vmm/vtis-vmm
if ! vtis_load; then
	echo "not ok - load kvm_vtis"
	exit 1
fi
"$vmm" --spawn-swtpm --timeout 300 probe getrandom extend bigcmd || VTIS_FAILED=1
"$vmm" --spawn-swtpm --no-detach --timeout 120 getrandom || VTIS_FAILED=1
check "the runs left no warning in the kernel log" no_splat
