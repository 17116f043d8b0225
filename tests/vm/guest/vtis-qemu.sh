#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a Linux guest started by vtis-qemu (ACPI tables from it,
# TPM 2.0 on interrupt /var/tmp/vtis-vq/irq).  Three boots; the test host
# says which one this is in /var/tmp/vtis-vq/stage:
#   1: the TPM works and takes its interrupt; PCR 16 extended; the EK
#      certificate is read; "boot 1 done"; at stage 2 the guest reboots
#      itself (the keyboard controller's reset).
#   2: after the guest's reboot: the TPM was restarted (PCR 16 zero again),
#      works; "boot 2 done"; the test host then resets the VM (QMP
#      system_reset) with PCR 16 extended again.
#   3: after the host's reset: PCR 16 zero again, the TPM works; the script
#      ends and the guest powers off.
#   q35: one boot of a q35 machine whose TPM interrupt is a PIRQ line: the
#      checks of a boot, then the guest powers off.
set -u
. "$(dirname "$0")/../lib.sh"
export TPM2TOOLS_TCTI=device:/dev/tpm0
cd /tmp || exit 1
dir=/var/tmp/vtis-vq
irq=$(cat $dir/irq)
stage=$(cat $dir/stage)

irq_count() {
	awk -v want="$irq:" '$1 == want { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }' /proc/interrupts
}
works() {	# boot N: the TPM was found, restarted when it should be, works
	ktap_check "boot $1: tpm_tis finds a 2.0 TPM (MSFT0101 from vtis-qemu's tables)" \
		sh -c "dmesg | grep -q 'tpm_tis MSFT0101:00: 2.0 TPM'"
	ktap_check "boot $1: IRQ $irq took the TPM's interrupts ($(irq_count))" test "$(irq_count)" -gt 0
	fresh_tpm_works "boot $1"
	ktap_check "boot $1: no TPM error in the kernel log" \
		sh -c "! dmesg | grep -iE 'tpm.*(error|fail|timed out)' | grep -v 'TPM error (256) occurred attempting the self test'"
}

case $stage in
1)
	(
		trap ktap_finish EXIT
		works 1
		rm -f ek.der
		ktap_check "boot 1: tpm2_nvread 0x01c00002 (the EK certificate)" \
			tpm2_nvread -o ek.der 0x01c00002
		echo "# boot 1: ek-cert-sha256 $(sha256sum <ek.der | cut -d' ' -f1)"
	)
	echo "vtis-guest: boot 1 done"
	reboot_at_stage $dir/stage 2
	;;
2)
	(
		trap ktap_finish EXIT
		works 2
	)
	echo "vtis-guest: boot 2 done"
	sleep 600	# the test host resets the VM
	exit 1
	;;
3 | q35)
	works "$stage"
	ktap_check "boot $stage: guest kernel log is clean" no_splat
	;;
esac
