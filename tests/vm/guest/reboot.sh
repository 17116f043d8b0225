#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a Linux guest that reboots once (booted with tpm_tis.force=1
# tpm_tis.interrupts=0, no ACPI).  Boot 1 uses the TPM, prints
# "vtis-guest: boot 1 done", waits until the test host sets stage 2 of
# /var/tmp/vtis-reboot/stage (stage_next) and reboots.  Boot 2: the kernel
# found the TPM again, restarted (TPM_RC_INITIALIZE), and started it, PCR 16 is
# zero again (the TPM was restarted and TPM2_Startup(CLEAR) ran), and
# commands work.  Both boots read the EK certificate from NV.
set -u
. "$(dirname "$0")/../lib.sh"
export TPM2TOOLS_TCTI=device:/dev/tpm0
cd /tmp || exit 1
marker=/var/tmp/vtis-reboot/stage

# ek_cert N: boot N reads the EK certificate (NV index 0x01c00002, DER);
# its SHA-256 goes to the console for the test host to compare.
ek_cert() {
	rm -f ek.der
	ktap_check "boot $1: tpm2_nvread 0x01c00002 (the EK certificate)" tpm2_nvread -o ek.der 0x01c00002
	ktap_check "boot $1: it is a DER X.509 certificate" \
		sh -c '[ "$(head -c 1 ek.der | od -An -tx1 | tr -d " ")" = 30 ] && [ $(wc -c <ek.der) -gt 300 ]'
	echo "# boot $1: ek-cert-sha256 $(sha256sum <ek.der | cut -d' ' -f1)"
}

# Boot 1 ends in a reboot, not at the end of this script: its checks run
# in a subshell whose exit prints their KTAP plan.
boot1() {
	trap ktap_finish EXIT
	ktap_check "boot 1: tpm_tis finds a 2.0 TPM" \
		sh -c "dmesg | grep -Eq 'tpm_tis tpm_tis: 2\.0 TPM'"
	ktap_check "boot 1: tpm2_getrandom 16" \
		sh -c 'tpm2_getrandom --hex 16 >rand && [ $(wc -c <rand) -eq 32 ]'
	digest=$(sha256sum rand | cut -d' ' -f1)
	ktap_check "boot 1: tpm2_pcrextend 16" tpm2_pcrextend "16:sha256=$digest"
	p=$(pcr16)
	echo "# boot 1: PCR16 $p"
	ktap_check "boot 1: PCR 16 is no longer zero" test -n "$p" -a "$p" != "$PCR_ZERO"
	ek_cert 1
}

if [ "$(cat "$marker" 2>/dev/null)" != 2 ]; then
	(boot1)
	echo "vtis-guest: boot 1 done"
	reboot_at_stage "$marker" 2
fi

echo "# boot 2: $(dmesg | grep -E 'tpm' | tr '\n' ' ')"
ktap_check "boot 2: tpm_tis finds the 2.0 TPM again" \
	sh -c "dmesg | grep -Eq 'tpm_tis tpm_tis: 2\.0 TPM'"
# The restarted TPM answers the kernel's self test with TPM_RC_INITIALIZE
# (256); the kernel then sends TPM2_Startup itself, as on real hardware.
ktap_check "boot 2: the kernel found the TPM restarted and started it (TPM2_Startup)" \
	sh -c "dmesg | grep -q 'tpm tpm0: starting up the TPM manually'"
ktap_check "boot 2: no other TPM error in the kernel log" \
	sh -c "! dmesg | grep -iE 'tpm.*(error|fail|timed out)' | grep -v 'TPM error (256) occurred attempting the self test'"
p=$(pcr16)
echo "# boot 2: PCR16 $p"
ktap_check "boot 2: PCR 16 reads zero: the TPM restarted (TPM2_Startup(CLEAR))" test "$p" = "$PCR_ZERO"
ktap_check "boot 2: tpm2_getrandom 16" \
	sh -c 'tpm2_getrandom --hex 16 >rand && [ $(wc -c <rand) -eq 32 ]'
digest=$(sha256sum rand | cut -d' ' -f1)
ktap_check "boot 2: tpm2_pcrextend 16" tpm2_pcrextend "16:sha256=$digest"
want=$(python3 -c "import hashlib,sys; print(hashlib.sha256(bytes(32)+bytes.fromhex(sys.argv[1])).hexdigest())" "$digest")
ktap_check "boot 2: PCR 16 is SHA-256(zero || digest)" test "$(pcr16)" = "$want"
ek_cert 2
ktap_check "boot 2: guest kernel log is clean" no_splat
