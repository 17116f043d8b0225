#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo, seen from the test host: KVM runs, kvm_vtis loads, its control
# device appears.  Lines starting with '#' are shown to the user.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
show() { sed 's/^/# /'; }

echo "# --- test host: $(uname -sr), $(grep -c ^processor /proc/cpuinfo) vCPU"
grep -o -w -E 'svm|npt' /proc/cpuinfo | sort -u | tr '\n' ' ' | sed 's/^/# CPU flags for nested KVM: /'; echo
dmesg | grep -E 'kvm|SVM|Nested Paging' | head -n 5 | show
check "KVM runs in the test host (/dev/kvm)" test -c /dev/kvm
check "modprobe kvm_vtis" vtis_load
grep -E '^kvm(_amd|_vtis)? ' /proc/modules | show
ls -l /dev/kvm-vtis 2>&1 | show
dmesg | grep kvm_vtis | show
check "/dev/kvm-vtis exists" test -c /dev/kvm-vtis
