#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's recipes for a QEMU guest on a real host, run as written: the
# block between its "recipe: qemu" markers becomes a script, only its
# "..." replaced by the test guest's own QEMU arguments (kernel, initrd,
# console), with vtisctl on PATH.  The guest finds the TPM through the
# recipe's ACPI tables and reads the EK certificate --swtpm provisioned;
# its poweroff ends QEMU, the device, swtpm and its supervisor.  Then the
# same for the block between the "recipe: vtis-qemu" markers (vtis-qemu
# on PATH), on the state the first recipe left.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
export PATH=$VTIS_ROOT/tools:$PATH

ktap_check "modprobe kvm_vtis" vtis_load
# The recipe keeps its state in /var/lib/vtis (read-only in this test host:
# a fresh /var/lib for the run).
mount -t tmpfs -o mode=0755 varlib /var/lib
trap 'st=$?; pkill -f /run/vm1.qmp; umount -l /var/lib; vtis_exit $st' EXIT

GUEST_LOG=/tmp/readme.console
# recipe NAME: the README's block between its "recipe: NAME" markers, in
# /tmp/NAME.body, and as a script, /tmp/NAME.sh, that runs it with its
# "..." replaced by the test guest's arguments (console in GUEST_LOG).
recipe() {
	readme_recipe "$1" >"/tmp/$1.body"
	sed 's/^/# recipe: /' "/tmp/$1.body"
	{
		echo 'set -e'
		printf 'GUEST_ARGS=(-cpu host,-xsave -m 384 -smp 1 -display none -no-reboot -nodefaults -serial file:%s -kernel %q -initrd %q -append %q -virtfs %q)\n' \
			"$GUEST_LOG" "${VTIS_VMLINUZ:-/boot/vmlinuz-$VTIS_KVER}" "$VTIS_GUEST_INITRD" \
			"$(guest_cmdline "$VTIS_ROOT/tests/vm/guest/readme.sh")" \
			"local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		sed 's/\.\.\./"${GUEST_ARGS[@]}"/' "/tmp/$1.body"
	} >"/tmp/$1.sh"
	: >"$GUEST_LOG"
}

recipe qemu
ktap_check "the README has the recipe (vtisctl acpi, QEMU, attach, cont)" \
	sh -c "grep -q '^vtisctl acpi' /tmp/qemu.body && grep -q '^vtisctl attach' /tmp/qemu.body && grep -q cont /tmp/qemu.body && [ \$(grep -c '\.\.\.' /tmp/qemu.body) -eq 1 ]"
t0=$SECONDS
ktap_check "the recipe runs to its end (exit 0)" timeout 180 bash /tmp/qemu.sh
echo "# the recipe took $((SECONDS - t0)) s"
GUEST_PID=$(pgrep -f -o /run/vm1.qmp)
GUEST_QMP=/run/vm1.qmp
ktap_check "QEMU runs (pid ${GUEST_PID:-none})" test -n "$GUEST_PID"
ktap_check "the device is attached, swtpm serves it" \
	sh -c "vtisctl list --json | grep -q '\"emulator_connected\":true'"
ktap_check "the guest finished its checks" guest_says 400 '^vtis-guest: exit' ||
	tail -n 40 "$GUEST_LOG" | tr -d '\r' | ktap_diag
guest_results
ek=$(sha256sum </var/lib/vtis/vm1/tpm/ek-rsa2048.crt | cut -d' ' -f1)
ktap_check "the guest read the EK certificate in /var/lib/vtis/vm1/tpm" \
	grep -q "^# ek-cert-sha256 $ek" "$GUEST_LOG"
ktap_check "QEMU ends at the guest's poweroff" wait_for 30 sh -c "! kill -0 $GUEST_PID 2>/dev/null"
ktap_check "no device, swtpm or supervisor left" \
	wait_for 15 sh -c "[ \"\$(vtisctl list --json)\" = '[]' ] && ! pgrep -x swtpm && ! pgrep -x vtis-swtpm-sup"

# --- the vtis-qemu recipe: QEMU in the foreground until the guest's poweroff
recipe vtis-qemu
ktap_check "the README has the vtis-qemu recipe (one command with ...)" \
	sh -c "grep -q '^vtis-qemu ' /tmp/vtis-qemu.body && [ \$(grep -c '\.\.\.' /tmp/vtis-qemu.body) -eq 1 ]"
t0=$SECONDS
ktap_check "the vtis-qemu recipe runs until the guest powers off (exit 0)" \
	timeout 600 bash /tmp/vtis-qemu.sh
echo "# the vtis-qemu recipe took $((SECONDS - t0)) s"
guest_results
ktap_check "the guest read the same EK certificate" grep -q "^# ek-cert-sha256 $ek" "$GUEST_LOG"
ktap_check "no device, swtpm, supervisor or helper left" \
	wait_for 15 sh -c "[ \"\$(vtisctl list --json)\" = '[]' ] && ! pgrep -x swtpm && ! pgrep -x vtis-swtpm-sup && ! pgrep -x vtis-qemu-gate"
ktap_check "host log clean" no_splat
