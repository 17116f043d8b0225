#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the Linux guest of a bench path: tpmbench with the arguments the
# test host left in /var/tmp/vtis-bench/args, handing over through that
# folder before and after each command's batch.
set -u
here=$(dirname "$0")
for _ in $(seq 300); do
	[ -c /dev/tpmrm0 ] || [ -c /dev/tpm0 ] && break
	sleep 0.1
done
# The driver's own lines too (the interrupt it kept, or why it polls).
dmesg | grep -i tpm | grep -vi 'command line' | head -n 12 | sed 's/^/# guest dmesg: /'
read -r args </var/tmp/vtis-bench/args
# The TPM's interrupts so far (a line of /proc/interrupts naming tpm).
tpm_irqs() {
	awk '/tpm/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }' \
		/proc/interrupts
}
before=$(tpm_irqs)
# shellcheck disable=SC2086
"$here/tpmbench" -g /var/tmp/vtis-bench $args
rc=$?
grep -i tpm /proc/interrupts | sed 's/^/# guest interrupts: /'
dmesg | grep -Ei 'tpm.*(interrupt|polling)' | sed 's/^/# guest dmesg at the end: /'
echo "vtis-bench: info tpm_interrupts=$(($(tpm_irqs) - before))"
exit $rc
