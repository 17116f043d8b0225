#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot the test host (a real Debian kernel under QEMU, with KVM
# running inside it), and show what kvm_vtis does there, ending with a
# one-line verdict.
set -u
cd "$(dirname "$0")/.." || exit 1
echo "demo: booting the test host (Debian $(scripts/kernels.sh 6.1) under QEMU TCG, nested KVM)..."
out=$(mktemp)
tests/vm/run "$@" tests/demo/*.sh | tee "$out"
rc=${PIPESTATUS[0]}
p=$(grep -c '^ok [0-9]* - ' "$out")
f=$(grep -c '^not ok [0-9]* - ' "$out")
rm -f "$out"
if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && [ "$p" -gt 0 ]; then
	echo "demo verdict: PASS ($p checks passed)"
else
	echo "demo verdict: FAIL ($f of $((p + f)) checks failed)"
	exit 1
fi
