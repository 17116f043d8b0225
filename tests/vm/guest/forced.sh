#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a Linux guest that got no ACPI tables of ours (its VMM has
# none, or builds its own): booted with tpm_tis.force=1 tpm_tis.interrupts=0,
# tpm_tis probes the default base 0xFED40000 and must find and use the TPM
# there.
set -u
. "$(dirname "$0")/../lib.sh"
export TPM2TOOLS_TCTI=device:/dev/tpm0
cd /tmp || exit 1

echo "# $(dmesg | grep -E 'tpm_tis.*TPM')"
ktap_check "no ACPI in the guest" sh -c '! test -d /sys/firmware/acpi/tables'
ktap_check "tpm_tis.force=1 finds a 2.0 TPM at the default base" \
	sh -c "dmesg | grep -Eq 'tpm_tis tpm_tis: 2\.0 TPM'"
ktap_check "its memory window is 0xfed40000" \
	sh -c "grep -qi '^ *fed40000-fed44fff : tpm_tis' /proc/iomem"
ktap_check "guest has /dev/tpm0 and /dev/tpmrm0" test -c /dev/tpm0 -a -c /dev/tpmrm0
ktap_check "tpm2_getrandom 16" sh -c 'tpm2_getrandom --hex 16 >rand && [ $(wc -c <rand) -eq 32 ]'
digest=$(printf 'microvm %s' "$(cat rand 2>/dev/null)" | sha256sum | cut -d' ' -f1)
old=$(tpm2_pcrread sha256:16 | sed -n 's/.*16 *: *0x//p')
ktap_check "tpm2_pcrextend 16:sha256" tpm2_pcrextend "16:sha256=$digest"
new=$(cat /sys/class/tpm/tpm0/pcr-sha256/16 2>/dev/null)
want=$(python3 -c "import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])+bytes.fromhex(sys.argv[2])).hexdigest().upper())" "$old" "$digest")
echo "# PCR16 before $old"
echo "# PCR16 after  $new"
ktap_check "PCR 16 in sysfs is SHA-256(old || digest)" test "$new" = "$want"
ktap_check "guest kernel log is clean" no_splat
