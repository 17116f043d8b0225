#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test VMM's guest talks TIS like Linux's tpm_tis to kvm_vtis, served
# by swtpm (TPM 2.0): probe, TPM2_GetRandom, TPM2_PCR_Extend checked against
# SHA-256 computed here, commands of 1 KiB to 4 KiB; no TIS access exits to
# userspace.  A second VM ends by being destroyed instead of detached.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VMM_DIR/vtis-vmm
ktap_check "load kvm_vtis" vtis_load || exit 1
ktap_run "" "$vmm" --spawn-swtpm --timeout 300 probe getrandom extend bigcmd
ktap_run "" "$vmm" --spawn-swtpm --no-detach --timeout 120 getrandom
ktap_check "the runs left no warning in the kernel log" no_splat
