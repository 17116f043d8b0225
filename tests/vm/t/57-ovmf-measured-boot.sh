#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# UEFI measured boot through kvm_vtis: Debian's OVMF, unmodified, under
# unmodified QEMU started by vtis-qemu (the device is there before the
# firmware's first instruction; no -S), boots the test's Linux kernel
# directly (-kernel through the firmware's loader).  The firmware finds the
# TPM 2.0, starts it and measures the boot; the guest (guest/eventlog.sh)
# replays the event log Linux took from EFI to the TPM's PCRs, in each of
# four boots:
#   1: seals a secret to PCRs 0-7, then reboots itself;
#   2: (the device reset, the firmware starts and measures anew) the same
#      PCRs, and the secret unseals;
#   3: another QEMU on the same TPM state and firmware variables, booting
#      another kernel image (the same kernel with one reserved byte of its
#      DOS header changed, so it boots the same but hashes differently):
#      the firmware measures it into PCR 4, and the secret does not unseal;
#   4: (sb) Secure Boot: another QEMU (q35 with SMM, as Debian's Secure
#      Boot OVMF needs) with OVMF_CODE_4M.ms.fd and the Microsoft keys of
#      OVMF_VARS_4M.ms.fd, and no -kernel: the firmware boots a GPT disk
#      image whose EFI system partition holds Debian's signed shim (as the
#      removable-media BOOTX64.EFI), its signed GRUB, a grub.cfg, the
#      (signed) kernel and the initramfs.  The firmware verifies shim, shim
#      GRUB, GRUB (through shim) the kernel; PCR 7 holds the Secure Boot
#      policy and the authorities that passed each image, GRUB's commands
#      and the kernel command line go into PCR 8, the files it reads into
#      PCR 9, shim's MOK state into PCR 14; the log replays to all of them,
#      and the secret of boot 1 does not unseal.
# The L2 QEMU runs with a userspace irqchip and kvm=off: under the outer
# TCG QEMU, OVMF otherwise aborts it (the testbed's notes), so the TPM has
# no interrupt here (polling, as firmware does anyway).
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl
vq=$VTIS_ROOT/tools/vtis-qemu
code=/usr/share/OVMF/OVMF_CODE_4M.fd
vars=/usr/share/OVMF/OVMF_VARS_4M.fd
dir=/var/tmp/vtis-mb

ktap_check "modprobe kvm_vtis" vtis_load
trap 'st=$?; kill -9 $(jobs -p) 2>/dev/null; vtis_exit $st' EXIT
export TMPDIR=/tmp
rm -rf $dir /tmp/mb-tpm
mkdir -p $dir
ktap_check "Debian's OVMF is installed (ovmf: $code)" test -r "$code" -a -r "$vars"
cp "$vars" /tmp/mb-vars.fd

# ovmf NAME [QEMU ARGS...]: vtis-qemu runs QEMU (-machine $machine) with
# OVMF ($code, its variables in /tmp/mb-vars.fd) and the guest.
machine=kernel-irqchip=off
ovmf() {
	local name=$1
	shift
	GUEST_QEMU="$vq --vtis-state /tmp/mb-tpm" GUEST_PAUSE= GUEST_NO_REBOOT= \
		ktap_check "$name: vtis-qemu starts QEMU with OVMF (no -S)" \
		guest_start "$name" "$VTIS_ROOT/tests/vm/guest/eventlog.sh" \
		-machine "$machine" -cpu host,kvm=off,-xsave -m 512 \
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code" \
		-drive if=pflash,format=raw,unit=1,file=/tmp/mb-vars.fd "$@"
	id=$(sed -n 's/^vtis-qemu: device \([0-9]*\) attached.*/\1/p' "/tmp/$name.qemu.log")
	ktap_check "$name: the device (${id:-?}) is attached to QEMU and swtpm serves it" \
		sh -c "[ -n '$id' ] && '$v' info '$id' | grep -qx 'owner_pid $GUEST_PID' &&
		       '$v' info '$id' | grep -qx 'emulator_connected yes'"
}
# pcrs N: boot N's PCRs 0-7 as the guest printed them ("N HEX" lines).
pcrs() { cat /tmp/mb.console /tmp/mb3.console /tmp/mb4.console 2>/dev/null | tr -d '\r' | sed -n "s/^# boot $1: pcr //p"; }
resets() { grep -c "^vtis-qemu: reset of the VM: device $id reset" /tmp/mb.qemu.log; }
done_boot() {
	ktap_check "boot $1: the guest booted through OVMF and ran its checks" \
		guest_says "$2" "^vtis-guest: boot $1 done" ||
		tail -n 40 "$GUEST_LOG" | tr -d '\r' | ktap_diag
	guest_results "/^vtis-guest: boot $1 begins/" "/^vtis-guest: boot $1 done/"
}
nothing_left() {	# QEMU (this shell's child) ended: so did the rest
	wait "$GUEST_PID"
	echo "# $1: QEMU exited $?"
	ktap_check "$1: nothing is left (device, swtpm, supervisor, helper)" \
		wait_for 30 vtis_qemu_left_nothing
}
# only_pcr4_differs A B: two boots' "N HEX" PCR lists differ in PCR 4 alone.
only_pcr4_differs() {
	[ -n "$1" ] && [ "$(grep '^4 ' <<<"$1")" != "$(grep '^4 ' <<<"$2")" ] &&
		[ "$(grep -v '^4 ' <<<"$1")" = "$(grep -v '^4 ' <<<"$2")" ]
}

# --- boots 1 and 2: one QEMU, the guest's reboot between them -----------------
echo 1 >$dir/stage
ovmf mb
t0=$SECONDS
done_boot 1 900
echo "# boot 1 took $((SECONDS - t0)) s"
tr -d '\r' <"$GUEST_LOG" | sed -n 's/^vtis-guest: sealed-pub //p' | base64 -d >$dir/seal.pub
tr -d '\r' <"$GUEST_LOG" | sed -n 's/^vtis-guest: sealed-priv //p' | base64 -d >$dir/seal.priv
ktap_check "boot 1: the guest printed its sealed object" test -s $dir/seal.pub -a -s $dir/seal.priv
r=$(resets)
stage_next $dir/stage 2
done_boot 2 900
ktap_check "boot 2: the guest's reboot reset the device ($r -> $(resets) resets)" test "$(resets)" -gt "$r"
p1=$(pcrs 1) p2=$(pcrs 2)
ktap_check "boot 2: the firmware measured the same PCRs 0-7 as in boot 1" \
	test -n "$p1" -a "$p1" = "$p2"
ktap_check "boot 2: the guest powered off" guest_wait 120
nothing_left "boots 1-2"
echo "# boots 1 and 2 took $((SECONDS - t0)) s"

# --- boot 3: the same state, one measured change -------------------------------
cp "${VTIS_VMLINUZ:-/boot/vmlinuz-$VTIS_KVER}" /tmp/mb-vmlinuz
printf '\001' | dd of=/tmp/mb-vmlinuz bs=1 seek=48 conv=notrunc status=none
ktap_check "boot 3: its kernel image differs from the first in one byte" \
	test "$(cmp -l "${VTIS_VMLINUZ:-/boot/vmlinuz-$VTIS_KVER}" /tmp/mb-vmlinuz | wc -l)" -eq 1
echo 3 >$dir/stage
VTIS_VMLINUZ=/tmp/mb-vmlinuz ovmf mb3
done_boot 3 900
p1=$(pcrs 1) p3=$(pcrs 3)
ktap_check "boot 3: PCR 4 (the kernel) differs from boot 1's; PCRs 0-3 and 5-7 do not" \
	only_pcr4_differs "$p1" "$p3"
ktap_check "boot 3: the guest powered off" guest_wait 120
nothing_left "boot 3"

# --- boot 4: Secure Boot, from a disk through Debian's signed shim and GRUB -----
shim=/usr/lib/shim/shimx64.efi.signed
grub=/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed
code=/usr/share/OVMF/OVMF_CODE_4M.ms.fd
ktap_check "Debian's signed shim and GRUB and Secure Boot OVMF are installed" \
	test -r $shim -a -r $grub -a -r $code -a -r /usr/share/OVMF/OVMF_VARS_4M.ms.fd
cp /usr/share/OVMF/OVMF_VARS_4M.ms.fd /tmp/mb-vars.fd
machine=q35,smm=on,kernel-irqchip=off
# esp_disk IMAGE: a GPT disk, one EFI system partition (FAT) from 1 MiB on.
esp_disk() {
	local part=/tmp/mb-esp.img
	truncate -s 40M "$1" &&
		printf 'label: gpt\nstart=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n' |
		sfdisk -q "$1" &&
		truncate -s "$(($(sfdisk -d "$1" | sed -n 's/.*size= *\([0-9]*\),.*/\1/p') * 512))" $part &&
		mformat -i $part -v ESP :: &&
		mmd -i $part ::/EFI ::/EFI/BOOT &&
		mcopy -i $part $shim ::/EFI/BOOT/BOOTX64.EFI &&
		mcopy -i $part $grub ::/EFI/BOOT/grubx64.efi &&
		mcopy -i $part /tmp/mb-grub.cfg ::/EFI/BOOT/grub.cfg &&
		mcopy -i $part "${VTIS_VMLINUZ:-/boot/vmlinuz-$VTIS_KVER}" ::/vmlinuz &&
		mcopy -i $part "$VTIS_GUEST_INITRD" ::/initrd.gz &&
		dd if=$part of="$1" bs=1M seek=1 conv=notrunc status=none &&
		rm -f $part
}
# shim starts grubx64.efi beside it; Debian's GRUB reads grub.cfg beside
# itself ($cmdpath) when it finds no /boot/grub.
cat >/tmp/mb-grub.cfg <<EOF
search --no-floppy --file --set=root /vmlinuz
linux /vmlinuz $(guest_cmdline "$VTIS_ROOT/tests/vm/guest/eventlog.sh")
initrd /initrd.gz
boot
EOF
ktap_check "boot 4: a GPT disk image with an EFI system partition: shim, GRUB, grub.cfg, kernel, initramfs" \
	esp_disk /tmp/mb-disk.img
echo sb >$dir/stage
GUEST_DISK=/tmp/mb-disk.img ovmf mb4 \
	-global driver=cfi.pflash01,property=secure,value=on -global ICH9-LPC.disable_s3=1
done_boot sb 900
ktap_check "boot 4: the guest powered off" guest_wait 120
nothing_left "boot 4"
grep -h '^vtis-qemu' /tmp/mb.qemu.log /tmp/mb3.qemu.log /tmp/mb4.qemu.log | ktap_diag
rm -rf $dir /tmp/mb-tpm /tmp/mb-vars.fd /tmp/mb-vmlinuz /tmp/mb-disk.img /tmp/mb-grub.cfg
ktap_check "host log clean" no_splat
