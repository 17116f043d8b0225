#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Localities 0 and 2 take turns through kvm_vtis: ACCESS shows the request
# pending and the hand-over, and swtpm executes each command at the
# locality that sent it (PCR 21 can be extended from locality 2 only).
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VTIS_ROOT/tests/vm/vmm/vtis-vmm
if ! vtis_load; then
	echo "not ok - load kvm_vtis"
	exit 1
fi
"$vmm" --spawn-swtpm --timeout 300 localities || VTIS_FAILED=1
check "the run left no warning in the kernel log" no_splat
