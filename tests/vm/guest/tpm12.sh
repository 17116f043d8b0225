#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the Linux guest (L2): tpm_tis must find a TPM 1.2 (PNP0C31,
# our TCPA table) and the guest reads its PCRs through sysfs.
set -u
. "$(dirname "$0")/../lib.sh"

echo "# $(dmesg | grep -E 'tpm_tis .*TPM')"
ktap_check "guest kernel probes a 1.2 TPM through tpm_tis" \
	sh -c "dmesg | grep -Eq 'tpm_tis .*: 1\.2 TPM'"
ktap_check "guest has /dev/tpm0" test -c /dev/tpm0
pcrs=$(ls /sys/class/tpm/tpm0/pcrs /sys/class/tpm/tpm0/device/pcrs 2>/dev/null | head -n 1)
ktap_check "sysfs has a pcrs file" test -n "$pcrs"
head -n 3 "$pcrs" 2>/dev/null | sed 's/^/# /'
ktap_check "sysfs pcrs lists PCR-00 to PCR-23" \
	sh -c "[ \$(grep -c '^PCR-[0-9][0-9]:' '$pcrs') -eq 24 ]"
ktap_check "PCR-17 (locality-4 reset, never extended here) reads all ones" \
	sh -c "grep -q '^PCR-17: FF FF FF FF' '$pcrs'"
caps=$(ls /sys/class/tpm/tpm0/caps /sys/class/tpm/tpm0/device/caps 2>/dev/null | head -n 1)
[ -n "$caps" ] && sed 's/^/# /' "$caps"
ktap_check "guest kernel log is clean" no_splat
