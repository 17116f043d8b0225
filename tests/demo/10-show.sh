#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo, from inside the test host: KVM runs there; kvm_vtis loads;
# unmodified swtpm and unmodified QEMU run a Linux guest; vtisctl writes the
# ACPI tables and attaches our TIS to QEMU's VM; the guest uses its TPM.
# Lines starting with '#' are what the user sees.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
vtisctl=$VTIS_ROOT/tools/vtisctl
say() { echo "# $*"; }

say "--- test host: $(uname -sr); CPU flags for nested KVM: $(grep -o -w -E 'svm|npt' /proc/cpuinfo | sort -u | tr '\n' ' ')"
ktap_check "KVM runs in the test host (/dev/kvm)" test -c /dev/kvm
ktap_check "modprobe kvm_vtis" vtis_load
say "$(dmesg | grep 'kvm_vtis: loaded')"
say "\$ vtisctl acpi --tpm 2.0 --out /tmp/acpi"
mkdir -p /tmp/acpi
ktap_check "vtisctl acpi writes the SSDT and TPM2 tables" "$vtisctl" acpi --tpm 2.0 --out /tmp/acpi
say "\$ qemu-system-x86_64 -enable-kvm -S -acpitable file=/tmp/acpi/ssdt-tpm.aml -acpitable file=/tmp/acpi/tpm2.aml ...  (no TPM device of QEMU's own)"
ktap_check "QEMU starts paused" guest_start demo "$VTIS_ROOT/tests/vm/guest/demo.sh" \
	-acpitable file=/tmp/acpi/ssdt-tpm.aml -acpitable file=/tmp/acpi/tpm2.aml
vmfd=$(vm_fd_of "$GUEST_PID")
say "\$ vtisctl attach --pid $GUEST_PID --vm-fd $vmfd --emulator"
"$vtisctl" attach --pid "$GUEST_PID" --vm-fd "$vmfd" --emulator >/tmp/attach.txt 2>&1
ktap_check "vtisctl attach to QEMU's VM" sh -c "grep -q '^emulator /dev/vtis-emu' /tmp/attach.txt"
sed 's/^/#   /' /tmp/attach.txt
emu=$(sed -n 's/^emulator //p' /tmp/attach.txt)
id=$(sed -n 's/^id //p' /tmp/attach.txt)
say "\$ swtpm chardev --chardev $emu --tpm2 --tpmstate dir=/tmp/st --locality allow-set-locality --flags not-need-init,startup-clear"
mkdir -p /tmp/st
swtpm chardev --chardev "$emu" --tpm2 --tpmstate dir=/tmp/st \
	--locality allow-set-locality --flags not-need-init,startup-clear &
ktap_check "QMP cont: the guest boots" qmp "$GUEST_QMP" cont
ktap_check "the guest ran its TPM commands" guest_says 400 '^vtis-guest: demo done'
say "\$ vtisctl list"
"$vtisctl" list | sed 's/^/#   /'
ktap_check "vtisctl detach $id" "$vtisctl" detach "$id"
touch /var/tmp/vtis-demo-shown
ktap_check "the guest shut down" guest_wait 60
guest_results
ktap_check "the test host's kernel log is clean" no_splat
