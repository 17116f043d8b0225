#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: unmodified QEMU runs a Linux guest with our ACPI tables and no
# TPM device of its own; vtisctl attaches kvm_vtis to QEMU's VM through
# /proc/PID/fd; unmodified swtpm serves the emulator device; inside, the
# guest's tpm_tis driver, tpm2-tools and Linux's tpm2 selftests use the TPM
# (tests/vm/guest/tpm2.sh).
# The device has interrupt 20 (vtisctl acpi --irq and attach --irq: kvm_vtis
# drives QEMU's in-kernel IOAPIC itself), a level-triggered GSI nothing
# else uses in a pc machine (Linux would make 1-15 edge-triggered ISA
# interrupts); the guest (booted with tpm_tis.interrupts=1) checks that its
# driver takes it.
# Then the device is detached under the running guest.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
vtisctl=$VTIS_ROOT/tools/vtisctl

ktap_check "modprobe kvm_vtis" vtis_load
irq=20
ktap_check "vtisctl acpi --tpm 2.0 --irq $irq writes ssdt-tpm.aml and tpm2.aml" \
	sh -c "mkdir -p /tmp/acpi && $vtisctl acpi --tpm 2.0 --irq $irq --out /tmp/acpi"
ktap_check "Linux's tpm2 selftests are there for the guest" selftests_to_guest
touch /var/tmp/vtis-detach-wanted
echo "$irq" >/var/tmp/vtis-irq
# Since Linux 6.5 tpm_tis uses an interrupt only when told to.
GUEST_APPEND="tpm_tis.interrupts=1"
ktap_check "QEMU starts (paused)" guest_start tpm2 "$VTIS_ROOT/tests/vm/guest/tpm2.sh" \
	-acpitable file=/tmp/acpi/ssdt-tpm.aml -acpitable file=/tmp/acpi/tpm2.aml
vmfd=$(vm_fd_of "$GUEST_PID")
ktap_check "QEMU holds a KVM VM fd ($vmfd)" test -n "$vmfd"
"$vtisctl" attach --pid "$GUEST_PID" --vm-fd "$vmfd" --emulator --irq "$irq" --json >/tmp/attach.json 2>/tmp/attach.err
ktap_check "vtisctl attach --pid --vm-fd --emulator --irq $irq --json" \
	python3 -c "import json; assert json.load(open('/tmp/attach.json'))['irq'] == $irq"
echo "# attach: $(cat /tmp/attach.json /tmp/attach.err)"
id=$(python3 -c 'import json; print(json.load(open("/tmp/attach.json"))["id"])' 2>/dev/null)
emu=$(python3 -c 'import json; print(json.load(open("/tmp/attach.json"))["emulator"])' 2>/dev/null)
ktap_check "the emulator device $emu exists" test -c "$emu"
ktap_check "vtisctl info shows irq $irq (text and --json)" sh -c \
	"'$vtisctl' info '$id' | grep -qx 'irq $irq' &&
	 '$vtisctl' info '$id' --json | python3 -c 'import json, sys; assert json.load(sys.stdin)[\"irq\"] == $irq'"
mkdir -p /tmp/st
swtpm chardev --chardev "$emu" --tpm2 --tpmstate dir=/tmp/st \
	--locality allow-set-locality --flags not-need-init,startup-clear \
	--log file=/tmp/swtpm.log,level=1 >/tmp/swtpm.out 2>&1 &
swtpm_pid=$!
ktap_check "QMP cont starts the guest" qmp "$GUEST_QMP" cont

# The guest runs about 15 tpm2-tools commands and the selftests first,
# each slow when nested under emulation.
if ktap_check "the guest reached its detach point" guest_says 700 '^vtis-guest: ready for detach'; then
	"$vtisctl" list | sed 's/^/# /'
	ktap_check "vtisctl list shows the device with an emulator connected" \
		sh -c "'$vtisctl' list --json | python3 -c 'import json,sys; d=[x for x in json.load(sys.stdin) if x[\"id\"]==$id][0]; assert d[\"emulator_connected\"] and d[\"commands\"]>0, d'"
	ktap_check "vtisctl detach $id with the guest running" "$vtisctl" detach "$id"
	touch /var/tmp/vtis-detached
fi
ktap_check "guest finished its checks" guest_wait 300
guest_results
ktap_check "swtpm saw the device go away and exited" wait_for 10 sh -c "! kill -0 $swtpm_pid 2>/dev/null"
ktap_check "no device left attached" sh -c "[ -z \"\$('$vtisctl' list --json | python3 -c 'import json,sys; print(json.load(sys.stdin) or \"\")')\" ]"
ktap_check "host log clean" no_splat
rm -rf "$GUEST_SELFTESTS"
