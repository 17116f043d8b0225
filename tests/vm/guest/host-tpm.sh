#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the Linux guest (L2) whose TPM is the test host's own chip
# (kvm_vtis' host TPM backend): tpm_tis finds a TPM 2.0, TPM2_GetRandom
# works, and a PCR 16 extend is made with a digest printed as
# "vtis-guest-digest HEX" for the test host to find in its own sysfs.
set -u
. "$(dirname "$0")/../lib.sh"
export TPM2TOOLS_TCTI=device:/dev/tpm0
cd /tmp || exit 1

echo "# $(dmesg | grep -E 'tpm_tis .*TPM')"
ktap_check "guest kernel probes tpm_tis MSFT0101:00 as a 2.0 TPM" \
	sh -c "dmesg | grep -q 'tpm_tis MSFT0101:00: 2.0 TPM'"
ktap_check "tpm2_getrandom 32" sh -c 'tpm2_getrandom --hex 32 >rand && [ $(wc -c <rand) -eq 64 ]'
digest=$(printf 'kvm_vtis host tpm %s' "$(cat rand 2>/dev/null)" | sha256sum | cut -d' ' -f1)
ktap_check "tpm2_pcrextend 16:sha256" tpm2_pcrextend "16:sha256=$digest"
echo "vtis-guest-digest $digest"
