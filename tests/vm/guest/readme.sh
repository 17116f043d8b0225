#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest of the README's QEMU recipe (tests/vm/t/54-readme-recipe.sh):
# its tpm_tis finds the TPM through the recipe's ACPI tables, commands
# work, and the EK certificate that --swtpm provisioned is in NV.
set -u
. "$(dirname "$0")/../lib.sh"
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
cd /tmp || exit 1
ktap_check "tpm_tis found a 2.0 TPM through the ACPI tables (MSFT0101)" \
	sh -c "dmesg | grep -q 'tpm_tis MSFT0101:00: 2.0 TPM'"
ktap_check "tpm2_getrandom 16" sh -c 'tpm2_getrandom --hex 16 >r && [ $(wc -c <r) -eq 32 ]'
ktap_check "tpm2_nvread 0x01c00002 (the EK certificate)" tpm2_nvread -o ek.der 0x01c00002
echo "# ek-cert-sha256 $(sha256sum <ek.der | cut -d' ' -f1)"
ktap_check "guest kernel log is clean" no_splat
