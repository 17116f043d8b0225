#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CRB interface end to end: vtis-qemu --vtis-interface crb runs
# unmodified QEMU with a kvm_vtis CRB device, swtpm behind it, twice:
#   seabios: SeaBIOS (QEMU's default firmware) and -kernel;
#   ovmf:    Debian's OVMF (UEFI, as 57-ovmf-measured-boot runs it: the
#            L2 QEMU with a userspace irqchip and kvm=off) and -kernel.
# Each firmware's CRB driver measures the boot through the device, the
# guest's tpm_crb drives it, tpm2-tools and Linux's tpm2 selftests use
# it (guest/crb.sh); the log (SeaBIOS's from the device's log window,
# OVMF's from EFI) replays to the PCRs.  The host sees a CRB device and
# how few register accesses each command took.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl
vq=$VTIS_ROOT/tools/vtis-qemu
dir=/var/tmp/vtis-crb
code=/usr/share/OVMF/OVMF_CODE_4M.fd
vars=/usr/share/OVMF/OVMF_VARS_4M.fd

ktap_check "modprobe kvm_vtis" vtis_load
trap 'st=$?; kill -9 $(jobs -p) 2>/dev/null; vtis_exit $st' EXIT
export TMPDIR=/tmp
rm -rf $dir /tmp/crb-tpm
mkdir -p $dir
ktap_check "Linux's tpm2 selftests are there for the guest" selftests_to_guest

# counter NAME: one counter of /tmp/crb.stats.
counter() { sed -n "s/^$1 //p" /tmp/crb.stats; }

# crb_boot FIRMWARE [QEMU ARGS...]: one boot, its checks, its end.
crb_boot() {
	local fw=$1 id cmds acc
	shift
	GUEST_QEMU="$vq --vtis-state /tmp/crb-tpm --vtis-interface crb" GUEST_PAUSE= \
		GUEST_APPEND="vtis.crb=$fw" \
		ktap_check "$fw: vtis-qemu --vtis-interface crb starts QEMU" \
		guest_start "crb-$fw" "$VTIS_ROOT/tests/vm/guest/crb.sh" "$@"
	id=$(sed -n 's/^vtis-qemu: device \([0-9]*\) attached.*/\1/p' "/tmp/crb-$fw.qemu.log")
	ktap_check "$fw: device ${id:-?} is a CRB device (vtisctl info: interface crb)" \
		sh -c "'$v' info '$id' | grep -qx 'interface crb'"
	ktap_check "$fw: the guest booted and ran its checks" \
		guest_says 900 "^vtis-guest: crb $fw checked" ||
		tail -n 40 "$GUEST_LOG" | tr -d '\r' | ktap_diag
	"$v" stats "$id" >/tmp/crb.stats
	: >"$dir/read.$fw"
	grep -E '^(commands|mmio_reads|mmio_writes|mmio_(reads|writes)_(fifo|sts|access|int|id|other|log)) ' /tmp/crb.stats |
		tr '\n' ' ' | sed "s/^/# $fw: stats: /; s/\$/\\n/"
	cmds=$(counter commands)
	acc=$(($(counter mmio_reads) + $(counter mmio_writes) - $(counter mmio_reads_log) -
	       $(counter mmio_writes_log)))
	echo "# $fw: $cmds commands, $acc register and buffer accesses: $((acc / (cmds ? cmds : 1))) a command"
	ktap_check "$fw: the guest's commands reached the backend ($cmds)" test "${cmds:-0}" -gt 10
	ktap_check "$fw: the guest powered off" guest_wait 120
	guest_results
	wait "$GUEST_PID"
	ktap_check "$fw: nothing is left (device, swtpm, supervisor, helper)" \
		wait_for 30 vtis_qemu_left_nothing
}

crb_boot seabios
ktap_check "Debian's OVMF is installed ($code)" test -r "$code" -a -r "$vars"
cp "$vars" /tmp/crb-vars.fd
crb_boot ovmf -machine kernel-irqchip=off -cpu host,kvm=off,-xsave -m 512 \
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code" \
	-drive if=pflash,format=raw,unit=1,file=/tmp/crb-vars.fd
rm -rf $dir /tmp/crb-tpm /tmp/crb-vars.fd "$GUEST_SELFTESTS"
ktap_check "host log clean" no_splat
