#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end, TPM 1.2: unmodified QEMU, our SSDT (PNP0C31) and TCPA table,
# vtisctl attach --tpm 1.2, unmodified swtpm without --tpm2; the guest's
# tpm_tis finds a 1.2 TPM and reads PCRs (tests/vm/guest/tpm12.sh).
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
vtisctl=$VTIS_ROOT/tools/vtisctl

ktap_check "modprobe kvm_vtis" vtis_load
ktap_check "vtisctl acpi --tpm 1.2 writes ssdt-tpm.aml and tcpa.aml" \
	sh -c "mkdir -p /tmp/acpi12 && $vtisctl acpi --tpm 1.2 --out /tmp/acpi12"
ktap_check "QEMU starts (paused)" guest_start tpm12 "$VTIS_ROOT/tests/vm/guest/tpm12.sh" \
	-acpitable file=/tmp/acpi12/ssdt-tpm.aml -acpitable file=/tmp/acpi12/tcpa.aml
vmfd=$(vm_fd_of "$GUEST_PID")
"$vtisctl" attach --pid "$GUEST_PID" --vm-fd "$vmfd" --tpm 1.2 --emulator --json >/tmp/attach.json
ktap_check "vtisctl attach --tpm 1.2" test -s /tmp/attach.json
id=$(python3 -c 'import json; print(json.load(open("/tmp/attach.json"))["id"])' 2>/dev/null)
emu=$(python3 -c 'import json; print(json.load(open("/tmp/attach.json"))["emulator"])' 2>/dev/null)
mkdir -p /tmp/st12
swtpm chardev --chardev "$emu" --tpmstate dir=/tmp/st12 \
	--locality allow-set-locality --flags not-need-init,startup-clear >/tmp/swtpm.log 2>&1 &
ktap_check "QMP cont starts the guest" qmp "$GUEST_QMP" cont
ktap_check "guest finished its checks" guest_wait 300
guest_results
# The guest powered off, so QEMU exited and its VM was destroyed: the
# device must have gone with it.
ktap_check "device $id went away with the VM" sh -c "'$vtisctl' info '$id' 2>&1 | grep -q 'no device'"
ktap_check "host log clean" no_splat
