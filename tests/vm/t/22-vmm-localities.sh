#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Localities 0 and 2 take turns through kvm_vtis: ACCESS shows the request
# pending and the hand-over, and swtpm executes each command at the
# locality that sent it (PCR 21 can be extended from locality 2 only).
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VMM_DIR/vtis-vmm
ktap_check "load kvm_vtis" vtis_load || exit 1
ktap_run "" "$vmm" --spawn-swtpm --timeout 300 localities
ktap_check "the run left no warning in the kernel log" no_splat
