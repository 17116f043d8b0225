#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo's guest side: what a Linux guest sees of the TPM kvm_vtis gives it.
set -u
. "$(dirname "$0")/../lib.sh"
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
echo "# guest: $(uname -sr)"
dmesg | grep -E 'ACPI: (SSDT|TPM2).*KVMVTI|tpm_tis' | sed 's/^/# guest: /'
ls -l /dev/tpm0 /dev/tpmrm0 2>&1 | sed 's/^/# guest: /'
ktap_check "guest's tpm_tis driver found a 2.0 TPM" sh -c "dmesg | grep -q 'tpm_tis MSFT0101:00: 2.0 TPM'"
echo "# guest: \$ tpm2_getrandom --hex 16"
ktap_check "tpm2_getrandom" sh -c 'tpm2_getrandom --hex 16 >/tmp/r && [ $(wc -c </tmp/r) -eq 32 ]'
echo "# guest: $(cat /tmp/r)"
echo "# guest: \$ cat /sys/class/tpm/tpm0/pcr-sha256/0"
ktap_check "PCR 0 read through the guest kernel's sysfs" sh -c 'cat /sys/class/tpm/tpm0/pcr-sha256/0 >/tmp/p && [ $(wc -c </tmp/p) -eq 65 ]'
echo "# guest: $(cat /tmp/p)"
echo "# guest: \$ tpm2_pcrextend 23:sha256=<sha256 of 'hello from kvm_vtis'>; cat .../pcr-sha256/23"
d=$(printf 'hello from kvm_vtis' | sha256sum | cut -d' ' -f1)
ktap_check "tpm2_pcrextend PCR 23" tpm2_pcrextend "23:sha256=$d"
echo "# guest: $(cat /sys/class/tpm/tpm0/pcr-sha256/23)"
# Stay up until the test host has shown its side (vtisctl list).
echo "vtis-guest: demo done"
wait_for 120 test -e /var/tmp/vtis-demo-shown
