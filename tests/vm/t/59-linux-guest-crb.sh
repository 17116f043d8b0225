#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CRB interface end to end: vtis-qemu --vtis-interface crb runs
# unmodified QEMU (SeaBIOS, -kernel) with a kvm_vtis CRB device, swtpm
# behind it; the guest's tpm_crb drives it and tpm2-tools use it
# (guest/crb.sh), SeaBIOS measures the boot through it.  The host sees a
# CRB device and how few register accesses each command took.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl
vq=$VTIS_ROOT/tools/vtis-qemu
dir=/var/tmp/vtis-crb

ktap_check "modprobe kvm_vtis" vtis_load
trap 'st=$?; kill -9 $(jobs -p) 2>/dev/null; vtis_exit $st' EXIT
export TMPDIR=/tmp
rm -rf $dir /tmp/crb-tpm
mkdir -p $dir

GUEST_QEMU="$vq --vtis-state /tmp/crb-tpm --vtis-interface crb" GUEST_PAUSE= \
	ktap_check "vtis-qemu --vtis-interface crb starts QEMU" \
	guest_start crb "$VTIS_ROOT/tests/vm/guest/crb.sh"
id=$(sed -n 's/^vtis-qemu: device \([0-9]*\) attached.*/\1/p' /tmp/crb.qemu.log)
ktap_check "device ${id:-?} is a CRB device (vtisctl info: interface crb)" \
	sh -c "'$v' info '$id' | grep -qx 'interface crb'"
ktap_check "the guest booted and ran its checks" guest_says 600 '^vtis-guest: crb checked' ||
	tail -n 40 "$GUEST_LOG" | tr -d '\r' | ktap_diag
"$v" stats "$id" >/tmp/crb.stats
: >$dir/read
grep -E '^(commands|mmio_reads|mmio_writes|mmio_(reads|writes)_(fifo|sts|access|int|id|other|log)) ' /tmp/crb.stats |
	tr '\n' ' ' | sed 's/^/# stats: /; s/$/\n/'
cmds=$(sed -n 's/^commands //p' /tmp/crb.stats)
acc=$(($(sed -n 's/^mmio_reads //p' /tmp/crb.stats) + $(sed -n 's/^mmio_writes //p' /tmp/crb.stats) -
       $(sed -n 's/^mmio_reads_log //p' /tmp/crb.stats) - $(sed -n 's/^mmio_writes_log //p' /tmp/crb.stats)))
echo "# $cmds commands, $acc register and buffer accesses: $((acc / (cmds ? cmds : 1))) a command"
ktap_check "the guest's commands reached the backend ($cmds)" test "${cmds:-0}" -gt 10
ktap_check "the guest powered off" guest_wait 120
guest_results
wait "$GUEST_PID"
ktap_check "nothing is left (device, swtpm, supervisor, helper)" wait_for 30 vtis_qemu_left_nothing
rm -rf $dir /tmp/crb-tpm
ktap_check "host log clean" no_splat
