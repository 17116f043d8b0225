#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Detach while a command is in flight, and the VMM killed -9 while its
# guest runs commands: no hang, swtpm sees the hang-up and exits, nothing
# is left behind (the module unloads), and the kernel log stays clean.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VMM_DIR/vtis-vmm
ktap_check "load kvm_vtis" vtis_load || exit 1
ktap_run "" "$vmm" --spawn-swtpm --timeout 300 getrandom detach-mid

# gone PID: the process has exited (a zombie nobody reaps counts as gone).
gone() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

out=/tmp/vmm-kill.out
"$vmm" --spawn-swtpm --timeout 300 --loop-secs 120 loop >"$out" 2>/tmp/vmm-kill.err &
vmm_pid=$!
ktap_check "kill: the VMM runs commands in a loop" \
	wait_for 60 grep -q '^# vtis-emulator-connected ' "$out" ||
	tail -n 20 "$out" /tmp/vmm-kill.err | ktap_diag
swtpm_pid=$(sed -n 's/^# vtis-swtpm-pid \([0-9]*\)$/\1/p' "$out")
emu=$(sed -n 's/^# vtis-emu-node \/dev\/\(vtis-emu[0-9]*\)$/\1/p' "$out")
id=$(sed -n 's/^# vtis-device-id \([0-9]*\)$/\1/p' "$out")
# Killed well into its loop: once its device has taken 10 commands.
commands_reach() {
	[ "$(cat "/sys/class/vtis/vtis$1/stats/commands" 2>/dev/null || echo 0)" -ge "$2" ]
}
wait_for 30 commands_reach "${id:-0}" 10
echo "# kill: the device had taken $(cat "/sys/class/vtis/vtis$id/stats/commands" 2>/dev/null) commands"
kill -9 "$vmm_pid"
wait "$vmm_pid" 2>/dev/null
sed 's/^/# vmm: /' "$out"
ktap_check "kill: swtpm (pid ${swtpm_pid:-?}) exits after the VMM is killed -9" \
	wait_for 20 gone "${swtpm_pid:-0}"
ktap_check "kill: /dev/${emu:-?} is gone with the VM" \
	wait_for 20 test -n "$emu" -a ! -e "/dev/$emu"
ktap_check "kill: kvm_vtis unloads (no device left)" wait_for 20 rmmod kvm_vtis
ktap_check "kill: kvm_vtis loads again" vtis_load
ktap_check "the runs left no warning in the kernel log" no_splat
