#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# swtpm killed while idle and in the middle of a command: the test VMM's
# guest gets a TPM failure response each time (never a hang), and swtpm
# restarted on the same state serves the next command.  TPM 2.0 and 1.2.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VMM_DIR/vtis-vmm
ktap_check "load kvm_vtis" vtis_load || exit 1
ktap_run "" "$vmm" --spawn-swtpm --timeout 300 emu-restart
ktap_run "" "$vmm" --tpm 1.2 --spawn-swtpm --timeout 300 emu-restart
ktap_check "the runs left no warning in the kernel log" no_splat
