#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a Linux guest that booted through UEFI firmware (OVMF) with
# kvm_vtis attached before the firmware's first instruction: the firmware
# found the TPM 2.0, measured the boot into it and handed its event log to
# Linux (through EFI).  In every boot the log, replayed with tpm2_eventlog,
# must give exactly the sha256 PCRs 0-7 that the TPM reports, with the
# loaded kernel measured into PCR 4.  The test host names the boot in
# /var/tmp/vtis-mb/stage:
#   1: a secret is sealed to PCRs 0-7 (sha256); the sealed object is printed
#      (base64) for the test host, which hands it back in /var/tmp/vtis-mb;
#      at stage 2 the guest reboots.
#   2: after the reboot (the TIS reset, the firmware's TPM2_Startup and
#      measurements anew): the same boot, so unsealing works.
#   3: another QEMU with one measured change (another kernel image, which
#      the firmware measures into PCR 4): unsealing must fail.
#   sb: Secure Boot on; the firmware booted Debian's signed shim from a
#      disk, shim GRUB and GRUB the kernel: the log replays to PCRs 0-9 and
#      14, with the Secure Boot policy in PCR 7, GRUB's own measurements
#      (PCR 8: its commands and the kernel command line; PCR 9: the files
#      it read) and shim's (PCR 14); the secret does not unseal.
set -u
dir=/var/tmp/vtis-mb
stage=$(cat $dir/stage)
echo "vtis-guest: boot $stage begins"
. "$(dirname "$0")/../lib.sh"
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
cd /tmp || exit 1
log=/sys/kernel/security/tpm0/binary_bios_measurements
pcrs=sha256:0,1,2,3,4,5,6,7
# The PCRs the replay must give at least: the firmware's, and the boot
# loaders' (GRUB: 8 and 9, shim: 14).
want="0 1 2 3 4 5 6 7" range=0-7
[ "$stage" = sb ] && want="$want 8 9 14" range="0-9 and 14"

# sb_policy_logged: the Secure Boot variables' events are in the log.
sb_policy_logged() {
	local v
	for v in SecureBoot PK KEK db dbx; do
		grep -q "UnicodeName: $v\$" events.yaml || return 1
	done
}
# logged TEXT: an event of the log holds TEXT (GRUB's events are text).
logged() { grep -aqF "$1" eventlog.bin; }
# unseal: the secret sealed in boot 1, with the PCRs of this boot.
unseal() {
	tpm2_createprimary -Q -C o -G ecc -c prim.ctx &&
		tpm2_load -Q -C prim.ctx -u $dir/seal.pub -r $dir/seal.priv -c seal.ctx &&
		tpm2_unseal -c seal.ctx -p "pcr:$pcrs" >unsealed &&
		[ "$(cat unsealed)" = "kvm_vtis measured boot" ]
}
sealed_away() { ! unseal; }

(
	trap ktap_finish EXIT
	ktap_check "boot $stage: tpm_tis finds a 2.0 TPM (started by the firmware)" \
		sh -c "dmesg | grep -q 'tpm_tis MSFT0101:00: 2.0 TPM'"
	ktap_check "boot $stage: the firmware's event log is there (securityfs)" cp "$log" eventlog.bin
	echo "# boot $stage: event log of $(wc -c <eventlog.bin) bytes"
	ktap_check "boot $stage: the event log is not empty" test -s eventlog.bin
	eventlog_replay "boot $stage" "$want" "$range"
	ktap_check "boot $stage: PCR 0 was measured (not zero)" \
		sh -c "grep -q '^0 ' tpm && ! grep -q '^0 0*\$' tpm"
	what="the kernel"
	[ "$stage" = sb ] && what="the boot loader"
	ktap_check "boot $stage: $what was measured into PCR 4 (EV_EFI_BOOT_SERVICES_APPLICATION)" \
		sh -c "grep -B1 'EventType: EV_EFI_BOOT_SERVICES_APPLICATION' events.yaml | grep -q 'PCRIndex: 4'"
	case $stage in
	1)
		ktap_check "boot 1: a secret sealed to PCRs 0-7" sh -c "
			tpm2_createprimary -Q -C o -G ecc -c prim.ctx &&
			tpm2_pcrread -Q -o pcrs.bin $pcrs &&
			tpm2_createpolicy -Q --policy-pcr -l $pcrs -f pcrs.bin -L pcr.policy &&
			echo -n 'kvm_vtis measured boot' |
				tpm2_create -Q -C prim.ctx -L pcr.policy -i- -u seal.pub -r seal.priv"
		echo "vtis-guest: sealed-pub $(base64 -w0 <seal.pub)"
		echo "vtis-guest: sealed-priv $(base64 -w0 <seal.priv)" ;;
	2)
		ktap_check "boot 2: the secret unseals (the same measured boot)" unseal ;;
	3)
		ktap_check "boot 3: the secret does not unseal (a measured change)" sealed_away ;;
	sb)
		grep -a -o -E '(grub_cmd|kernel_cmdline): [ -~]{0,60}' eventlog.bin | sed 's/^/# boot sb: /'
		ktap_check "boot sb: Secure Boot is on (the kernel: 'secureboot: Secure boot enabled')" \
			sh -c "dmesg | grep -q 'secureboot: Secure boot enabled'"
		ktap_check "boot sb: PCR 7 holds the Secure Boot policy (SecureBoot, PK, KEK, db, dbx)" \
			sb_policy_logged
		n=$(grep -B1 'EventType: EV_EFI_VARIABLE_AUTHORITY' events.yaml | grep -c 'PCRIndex: 7')
		ktap_check "boot sb: PCR 7 holds the authorities (db, shim's) that passed the images ($n, 3 or more)" \
			test "$n" -ge 3
		ktap_check "boot sb: GRUB measured its commands (grub_cmd: linux /vmlinuz ...)" \
			logged "grub_cmd: linux /vmlinuz"
		# GRUB hands the kernel "BOOT_IMAGE=" and the line it measured.
		ktap_check "boot sb: GRUB measured this kernel's command line" \
			logged "kernel_cmdline: $(sed 's/^BOOT_IMAGE=//' /proc/cmdline)"
		ktap_check "boot sb: GRUB measured the files it read (grub.cfg, /vmlinuz, /initrd.gz)" \
			sh -c "grep -aq 'grub.cfg' eventlog.bin && grep -aq '/vmlinuz' eventlog.bin &&
			       grep -aq '/initrd.gz' eventlog.bin"
		ktap_check "boot sb: the firmware measured the disk's GPT into PCR 5 (EV_EFI_GPT_EVENT)" \
			sh -c "grep -B1 'EventType: EV_EFI_GPT_EVENT' events.yaml | grep -q 'PCRIndex: 5'"
		ktap_check "boot sb: PCRs 8 and 9 were extended (not zero)" \
			sh -c "grep -Eq '^8 [0-9a-f]*[1-9a-f]' tpm && grep -Eq '^9 [0-9a-f]*[1-9a-f]' tpm"
		ktap_check "boot sb: the secret of boot 1 does not unseal (another boot path)" sealed_away ;;
	esac
	ktap_check "boot $stage: guest kernel log is clean" no_splat
)
echo "vtis-guest: boot $stage done"
[ "$stage" = 1 ] && reboot_at_stage $dir/stage 2
exit 0
