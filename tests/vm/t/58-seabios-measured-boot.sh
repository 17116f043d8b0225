#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Legacy-BIOS measured boot through kvm_vtis: SeaBIOS (QEMU's default
# firmware, unmodified) under unmodified QEMU started by vtis-qemu, which
# attaches the device with a firmware event log window (64 KiB after the
# TIS registers, by default) and points the TPM2 or TCPA table's log area
# at it.  SeaBIOS measures the boot into the TPM and logs it into the
# window; the guest's Linux reads the log from there and replays it to the
# TPM's PCRs (guest/seabios.sh), for a TPM 2.0 and a TPM 1.2.  The host
# sees the window used: SeaBIOS wrote it, Linux read it.  Without a window
# (--vtis-log-size 0) SeaBIOS measures nothing.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl
vq=$VTIS_ROOT/tools/vtis-qemu
dir=/var/tmp/vtis-seabios

ktap_check "modprobe kvm_vtis" vtis_load
trap 'st=$?; kill -9 $(jobs -p) 2>/dev/null; vtis_exit $st' EXIT
export TMPDIR=/tmp
rm -rf $dir
mkdir -p $dir

# counter ID NAME: one counter of device ID.
counter() { "$v" stats "$1" | sed -n "s/^$2 //p"; }

# seabios MODE [VTIS-QEMU OPTIONS]: boot the guest (SeaBIOS, -kernel) with
# a TPM of MODE (2.0, 1.2, or nolog: 2.0 without a log window), check the
# device's log window counters while it runs, let it finish.
seabios() {
	local mode=$1 name=sb-${1/./} id reads writes
	shift
	rm -rf "/tmp/$name-tpm"
	GUEST_QEMU="$vq --vtis-state /tmp/$name-tpm $*" GUEST_PAUSE= \
		GUEST_APPEND="vtis.seabios=$mode" \
		ktap_check "$mode: vtis-qemu starts QEMU (SeaBIOS, no -S)" \
		guest_start "$name" "$VTIS_ROOT/tests/vm/guest/seabios.sh"
	id=$(sed -n 's/^vtis-qemu: device \([0-9]*\) attached.*/\1/p' "/tmp/$name.qemu.log")
	ktap_check "$mode: the guest booted and ran its checks" \
		guest_says 600 "^vtis-guest: $mode checked" ||
		tail -n 40 "$GUEST_LOG" | tr -d '\r' | ktap_diag
	writes=$(counter "$id" mmio_writes_log) reads=$(counter "$id" mmio_reads_log)
	echo "# $mode: device ${id:-?}: log window writes $writes, reads $reads"
	: >"$dir/$mode.read"
	if [ "$mode" = nolog ]; then
		ktap_check "$mode: no access reached a log window" \
			test "$writes" = 0 -a "$reads" = 0
	else
		ktap_check "$mode: SeaBIOS wrote the log window (cleared 64 KiB, then the log)" \
			test "${writes:-0}" -ge 65536
		ktap_check "$mode: the guest's Linux read the log window" test "${reads:-0}" -gt 0
	fi
	ktap_check "$mode: the guest powered off" guest_wait 120
	guest_results
	wait "$GUEST_PID"
	ktap_check "$mode: nothing is left (device, swtpm, supervisor, helper)" \
		wait_for 30 vtis_qemu_left_nothing
}

seabios 2.0
seabios 1.2 --vtis-tpm 1.2
seabios nolog --vtis-log-size 0
rm -rf $dir /tmp/sb-*-tpm
ktap_check "host log clean" no_splat
