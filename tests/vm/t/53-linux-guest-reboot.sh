#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A Linux guest under unmodified QEMU reboots: QEMU runs with
# -action reboot=shutdown,shutdown=pause and tools/vtis-qemu-reset watches
# its own QMP socket; on the guest's reset (and on a host's system_reset,
# checked at the end) it runs vtisctl reset --ctrl (TIS power-on state,
# swtpm CMD_INIT), system_reset and cont.  After the
# reboot the guest's kernel finds and starts the TPM again and uses it
# (guest/reboot.sh).  No ACPI, tpm_tis.force=1, as in 52-microvm-no-acpi.
# The TPM comes from vtisctl attach --pid (the VM fd found by itself)
# --swtpm DIR: provisioned, so both boots read the EK certificate from NV
# index 0x01c00002 (the one swtpm_setup wrote in DIR); between the boots
# swtpm is killed -9 and its supervisor starts it again, waiting for the
# CMD_INIT of the guest's reboot; when QEMU ends, swtpm and the supervisor
# end.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
vtisctl=$VTIS_ROOT/tools/vtisctl

ktap_check "modprobe kvm_vtis" vtis_load
rm -rf /var/tmp/vtis-reboot
mkdir -p /var/tmp/vtis-reboot
echo 1 >/var/tmp/vtis-reboot/stage
GUEST_APPEND="tpm_tis.force=1 tpm_tis.interrupts=0"
watch_qmp=/tmp/reboot.watch.qmp
ktap_check "QEMU starts (paused), no ACPI, reboot=shutdown,shutdown=pause" \
	guest_start reboot "$VTIS_ROOT/tests/vm/guest/reboot.sh" -no-acpi \
	-action reboot=shutdown,shutdown=pause \
	-qmp "unix:$watch_qmp,server=on,wait=off"
"$vtisctl" attach --pid "$GUEST_PID" --swtpm /tmp/str --json >/tmp/attach.json
jget() { python3 -c 'import json,sys; print(json.load(open("/tmp/attach.json"))[sys.argv[1]])' "$1" 2>/dev/null; }
id=$(jget id)
sup=$(jget supervisor_pid)
ctrl=$(jget swtpm_ctrl)
ktap_check "vtisctl attach --pid --swtpm (default base, TPM 2.0, swtpm running)" \
	test -n "$id" -a -n "$sup" -a -S "$ctrl"
ek=$(sha256sum </tmp/str/ek-rsa2048.crt | cut -d' ' -f1)
python3 "$VTIS_ROOT/tools/vtis-qemu-reset" --qmp "$watch_qmp" --id "$id" \
	--ctrl "$ctrl" --vtisctl "$vtisctl" >/tmp/watch.log 2>&1 &
watcher=$!
ktap_check "QMP cont starts the guest" qmp "$GUEST_QMP" cont
t0=$SECONDS
if ktap_check "the guest's first boot used the TPM" guest_says 300 '^vtis-guest: boot 1 done'; then
	echo "# boot 1 took $((SECONDS - t0)) s"
	sw=$(pgrep -P "$sup" -x swtpm)
	kill -9 $sw
	restarted() { n=$(pgrep -P "$sup" -x swtpm) && [ "$n" != "$sw" ] &&
		"$vtisctl" info "$id" | grep -qx 'emulator_connected yes'; }
	ktap_check "swtpm killed -9 between the boots: its supervisor runs another" wait_for 20 restarted
	stage_next /var/tmp/vtis-reboot/stage 2
fi
ktap_check "the guest rebooted, its TPM reset, and finished its checks" guest_wait 400 ||
	tail -n 60 "$GUEST_LOG" | tr -d '\r' | ktap_diag
echo "# both boots took $((SECONDS - t0)) s"
# Two KTAP documents, one per boot.
guest_results 1 '/^vtis-guest: boot 1 done/'
guest_results '/^vtis-guest: rebooting/' '$'
ktap_check "the guest reported boot 2 checks" grep -q '^ok [0-9]* - boot 2' "$GUEST_LOG"
ktap_check "both boots read the EK certificate swtpm_setup made (sha256 $ek)" \
	test "$(tr -d '\r' <"$GUEST_LOG" | grep -c "^# boot [12]: ek-cert-sha256 $ek\$")" -eq 2
sed 's/^/# watcher: /' /tmp/watch.log
# Linux's reboot writes the keyboard controller's reset command up to 10
# times; one more may reach QEMU after the first pause: 1 or 2 resets.
ktap_check "the watcher reset device $id on the guest's reboot (1 or 2 reset requests)" \
	sh -c "n=\$(grep -c 'guest-reset: device $id reset' /tmp/watch.log); [ \$n -ge 1 ] && [ \$n -le 2 ]"
# A host's QMP system_reset reaches the watcher as a SHUTDOWN too (reason
# host-qmp-system-reset under reboot=shutdown): it is a reset, not a
# reason to quit.
ktap_check "QMP system_reset (the host resets the VM)" qmp "$GUEST_QMP" system_reset
ktap_check "the watcher reset device $id on the host's system_reset" \
	wait_for 30 grep -q "host-qmp-system-reset: device $id reset, VM reset" /tmp/watch.log
sleep 1
ktap_check "... and QEMU runs on" guest_running
# Without ACPI the guest can only halt, not power off: quit QEMU.
guest_running && qmp "$GUEST_QMP" quit >/dev/null
ktap_check "QEMU exits" wait_for 20 sh -c "! kill -0 $GUEST_PID 2>/dev/null"
ktap_check "the watcher exits 0 when QEMU goes away" wait "$watcher"
ktap_check "device $id went away with the VM" sh -c "'$vtisctl' info '$id' 2>&1 | grep -q 'no device'"
ktap_check "swtpm and its supervisor ended with the device" \
	wait_for 10 sh -c "! kill -0 $sup 2>/dev/null && ! pgrep -x swtpm"

rm -rf /var/tmp/vtis-reboot
ktap_check "host log clean" no_splat
