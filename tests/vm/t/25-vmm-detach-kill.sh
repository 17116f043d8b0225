#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Detach while a command is in flight, and the VMM killed -9 while its
# guest runs commands: no hang, swtpm sees the hang-up and exits, nothing
# is left behind (the module unloads), and the kernel log stays clean.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VTIS_ROOT/tests/vm/vmm/vtis-vmm
if ! vtis_load; then
	echo "not ok - load kvm_vtis"
	exit 1
fi
"$vmm" --spawn-swtpm --timeout 300 getrandom detach-mid || VTIS_FAILED=1

# gone PID: the process has exited (a zombie nobody reaps counts as gone).
gone() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

out=/tmp/vmm-kill.out
"$vmm" --spawn-swtpm --timeout 300 --loop-secs 120 loop >"$out" 2>/tmp/vmm-kill.err &
vmm_pid=$!
if wait_for 60 grep -q 'emulator connected' "$out"; then
	echo "ok - kill: the VMM runs commands in a loop"
else
	echo "not ok - kill: the VMM runs commands in a loop"
	sed 's/^/#   /' "$out" /tmp/vmm-kill.err | tail -n 20
	VTIS_FAILED=1
fi
swtpm_pid=$(sed -n 's/^# started .*(pid \([0-9]*\),.*/\1/p' "$out")
emu=$(sed -n 's/^ok - attach: .*emulator \/dev\/\(vtis-emu[0-9]*\)$/\1/p' "$out")
sleep 3
kill -9 "$vmm_pid"
wait "$vmm_pid" 2>/dev/null
sed 's/^/# vmm: /' "$out"
check "kill: swtpm (pid ${swtpm_pid:-?}) exits after the VMM is killed -9" \
	wait_for 20 gone "${swtpm_pid:-0}"
check "kill: /dev/${emu:-?} is gone with the VM" \
	wait_for 20 test -n "$emu" -a ! -e "/dev/$emu"
check "kill: kvm_vtis unloads (no device left)" wait_for 20 rmmod kvm_vtis
check "kill: kvm_vtis loads again" vtis_load
check "the runs left no warning in the kernel log" no_splat
