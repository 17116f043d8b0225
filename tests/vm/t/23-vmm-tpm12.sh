#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A TPM 1.2 device through kvm_vtis, served by swtpm without --tpm2: the
# guest's probe identifies TPM 1.2, TPM_GetRandom, and TPM_Extend checked
# against SHA-1 computed here; no TIS access exits to userspace.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VMM_DIR/vtis-vmm
ktap_check "load kvm_vtis" vtis_load || exit 1
ktap_run "" "$vmm" --tpm 1.2 --spawn-swtpm --timeout 300 probe tpm12
ktap_check "the run left no warning in the kernel log" no_splat
