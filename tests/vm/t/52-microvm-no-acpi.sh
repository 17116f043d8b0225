#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The microVM path: a VMM that builds no ACPI of ours (here unmodified QEMU
# with -no-acpi) gets a TPM with no change to it.  The guest kernel is
# booted with tpm_tis.force=1 and finds the TPM at the default base;
# tpm_tis.interrupts=0 keeps it from probing legacy IRQs 3-15 one by one
# (without ACPI nothing says which line a TPM uses, and Linux 6.1 keeps
# every line it tried claimed, starving the serial port and virtio).
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
vtisctl=$VTIS_ROOT/tools/vtisctl

ktap_check "modprobe kvm_vtis" vtis_load
GUEST_APPEND="tpm_tis.force=1 tpm_tis.interrupts=0"
ktap_check "QEMU starts (paused), no ACPI" guest_start forced "$VTIS_ROOT/tests/vm/guest/forced.sh" -no-acpi
vmfd=$(vm_fd_of "$GUEST_PID")
"$vtisctl" attach --pid "$GUEST_PID" --vm-fd "$vmfd" --emulator --json >/tmp/attach.json
ktap_check "vtisctl attach (default base, TPM 2.0)" test -s /tmp/attach.json
id=$(python3 -c 'import json; print(json.load(open("/tmp/attach.json"))["id"])' 2>/dev/null)
emu=$(python3 -c 'import json; print(json.load(open("/tmp/attach.json"))["emulator"])' 2>/dev/null)
mkdir -p /tmp/stf
swtpm chardev --chardev "$emu" --tpm2 --tpmstate dir=/tmp/stf \
	--locality allow-set-locality --flags not-need-init,startup-clear >/tmp/swtpm.log 2>&1 &
ktap_check "QMP cont starts the guest" qmp "$GUEST_QMP" cont
ktap_check "guest finished its checks" guest_wait 300 ||
	tail -n 60 "$GUEST_LOG" | tr -d '\r' | ktap_diag
guest_results
# Without ACPI the guest can only halt, not power off: quit QEMU, so its
# VM is destroyed, and the device must go with it.
guest_running && qmp "$GUEST_QMP" quit >/dev/null
ktap_check "QEMU exits" wait_for 20 sh -c "! kill -0 $GUEST_PID 2>/dev/null"
ktap_check "device $id went away with the VM" sh -c "'$vtisctl' info '$id' 2>&1 | grep -q 'no device'"
ktap_check "host log clean" no_splat
