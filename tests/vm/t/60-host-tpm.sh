#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The host TPM backend against the test host's own TPM 2.0 (QEMU's tpm-crb
# on swtpm, tpm0 in here).  A test-VMM guest reads and extends PCR 16 and
# the test host's sysfs sees the same PCR change; a cancelled long command
# ends in bounded time; one VM at a time holds the chip (EBUSY), detach and
# VM exit release it; attach without CAP_SYS_ADMIN is refused; a Linux
# guest under QEMU attached with vtisctl --host-tpm uses it; the chip's
# driver unbound mid-use gives the guest TPM failure responses.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl
vmm=$VMM_DIR/vtis-vmm
tpm=/sys/class/tpm/tpm0

ktap_check "load kvm_vtis" vtis_load
ktap_check "the test host has its own TPM 2.0 (tpm0)" \
	sh -c "[ \"\$(cat $tpm/tpm_version_major 2>/dev/null)\" = 2 ]"
dmesg | grep -i 'tpm' | head -n 5 | sed 's/^/# /'

# --- a test-VMM guest on the host TPM ------------------------------------
dyndbg=/sys/kernel/debug/dynamic_debug/control
[ -w "$dyndbg" ] && echo 'file backend_host.c +p' >"$dyndbg"
ktap_run "" "$vmm" --host-tpm --timeout 300 probe getrandom extend host-pcr cancel
echo "# the chip's driver was asked to cancel: $(dmesg | grep -c 'asked the host TPM to cancel') time(s)"

# --- exclusivity, errors, release ----------------------------------------
"$VMM_DIR/vmfd" sleep 600 &
h1=$!
"$VMM_DIR/vmfd" sleep 600 &
h2=$!
has_vm() { [ "$(readlink "/proc/$1/fd/5")" = anon_inode:kvm-vm ]; }
ktap_check "two processes hold a VM fd each" wait_for 10 eval "has_vm $h1 && has_vm $h2"

# attach_to PID OUT [ARGS...]: vtisctl attach --host-tpm; status in $status
attach_to() {
	local pid=$1 out=$2
	shift 2
	"$v" attach --pid "$pid" --vm-fd 5 --host-tpm "$@" >"$out.out" 2>"$out.err"
	status=$?
	echo "# attach $*: exit $status: $(cat "$out.out" "$out.err" | tr '\n' ' ')"
}
# one_line RC PATTERN FILE: exit status RC and one stderr line matching
one_line() {
	[ "$status" -eq "$1" ] && [ "$(wc -l <"$3")" -eq 1 ] && grep -Eq "$2" "$3"
}
gone() { ! "$v" list --json | grep -q "\"id\":$1,"; }

attach_to "$h1" /tmp/a1
id1=$(sed -n 's/^id //p' /tmp/a1.out)
ktap_check "attach --host-tpm: id, tpm 2.0 (the chip's), backend host-tpm, no emulator" \
	sh -c "[ $status -eq 0 ] && [ -n '$id1' ] && grep -qx 'tpm 2.0' /tmp/a1.out &&
	       grep -qx 'backend host-tpm' /tmp/a1.out && ! grep -q '^emulator' /tmp/a1.out"
"$v" info "$id1" >/tmp/i1 2>&1
ktap_check "info: backend host-tpm, emulator -" \
	sh -c "grep -qx 'backend host-tpm' /tmp/i1 && grep -qx 'emulator -' /tmp/i1"
attach_to "$h2" /tmp/a2
ktap_check "a second --host-tpm attach is refused: exit 1, 'in use by another VM'" \
	one_line 1 'tpm0 is in use by another VM' /tmp/a2.err
attach_to "$h2" /tmp/a3 --tpm 1.2
ktap_check "--host-tpm --tpm 1.2 on a TPM 2.0 chip is refused: exit 1, one clear line" \
	one_line 1 'tpm0 is not a TPM 1.2' /tmp/a3.err
attach_to "$h2" /tmp/a4 --tpm-index 9
ktap_check "--tpm-index 9 (no such chip) is refused: exit 1, one clear line" \
	one_line 1 'no host TPM tpm9' /tmp/a4.err
ktap_check "detach $id1" "$v" detach "$id1"
attach_to "$h2" /tmp/a5 --tpm 2.0
id2=$(sed -n 's/^id //p' /tmp/a5.out)
ktap_check "after the detach the chip can be attached again" test "$status" -eq 0 -a -n "$id2"
kill "$h2"
wait "$h2" 2>/dev/null
ktap_check "the VM's exit releases device $id2" wait_for 20 gone "$id2"
attach_to "$h1" /tmp/a6
id3=$(sed -n 's/^id //p' /tmp/a6.out)
ktap_check "after the VM's exit the chip can be attached again" test "$status" -eq 0 -a -n "$id3"
[ -n "$id3" ] && "$v" detach "$id3"

setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin \
	"$VMM_DIR/vmfd" "$v" attach --vm-fd 5 --host-tpm >/tmp/np.out 2>/tmp/np.err
status=$?
echo "# without CAP_SYS_ADMIN: exit $status: $(cat /tmp/np.out /tmp/np.err)"
ktap_check "attach --host-tpm without CAP_SYS_ADMIN is refused: exit 1, 'needs CAP_SYS_ADMIN'" \
	one_line 1 'needs CAP_SYS_ADMIN' /tmp/np.err
kill "$h1"
wait "$h1" 2>/dev/null

# --- a Linux guest under QEMU, attached with vtisctl ---------------------
ktap_check "vtisctl acpi --tpm 2.0" sh -c "mkdir -p /tmp/acpi && $v acpi --tpm 2.0 --out /tmp/acpi"
before=$(cat "$tpm/pcr-sha256/16")
ktap_check "QEMU starts (paused)" guest_start hosttpm "$VTIS_ROOT/tests/vm/guest/host-tpm.sh" \
	-acpitable file=/tmp/acpi/ssdt-tpm.aml -acpitable file=/tmp/acpi/tpm2.aml
vmfd=$(vm_fd_of "$GUEST_PID")
"$v" attach --pid "$GUEST_PID" --vm-fd "$vmfd" --host-tpm >/tmp/g.out 2>/tmp/g.err
status=$?
echo "# guest attach: exit $status: $(cat /tmp/g.out /tmp/g.err | tr '\n' ' ')"
ktap_check "vtisctl attach --host-tpm to QEMU's VM" test "$status" -eq 0
ktap_check "QMP cont starts the guest" qmp "$GUEST_QMP" cont
ktap_check "guest finished its checks" guest_wait 400
guest_results
digest=$(sed -n 's/^vtis-guest-digest \([0-9a-f]\{64\}\).*/\1/p' "$GUEST_LOG" | tr -d '\r')
after=$(cat "$tpm/pcr-sha256/16")
want=$(python3 -c "import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])+bytes.fromhex(sys.argv[2])).hexdigest().upper())" "$before" "$digest" 2>/dev/null)
echo "# host PCR16 before $before, after $after"
ktap_check "the guest's PCR 16 extend shows in the test host's sysfs: SHA-256(before || digest)" \
	test -n "$digest" -a "$after" = "$want"
ktap_check "the guest's end released the chip (no device left)" \
	wait_for 20 sh -c "[ \"\$('$v' list --json)\" = '[]' ]"

# --- the chip's driver goes away mid-use ----------------------------------
devpath=$(readlink -f "$tpm/device")
drv=$(readlink -f "$devpath/driver")
name=${devpath##*/}
echo "# the test host's TPM: $name bound to $drv"
"$vmm" --host-tpm --timeout 200 --loop-secs 60 host-loss >/tmp/loss.out 2>&1 &
vpid=$!
if wait_for 60 grep -q 'host-loss: serving' /tmp/loss.out; then
	sleep 1
	ktap_check "unbind the test host's TPM driver ($name) with the guest using it" \
		sh -c "echo '$name' >'$drv/unbind'"
else
	ktap_check "the test VMM uses the host TPM" false
fi
wait_for 150 sh -c "! kill -0 $vpid 2>/dev/null"
wait "$vpid"
ktap_replay "" /tmp/loss.out "$?"
ktap_check "rebind the test host's TPM driver ($name)" sh -c "echo '$name' >'$drv/bind'"
# rebound: a chip of that device reads PCR 16 again.  It may get a new
# number: the host's IMA keeps a reference on the chip it started with.
rebound() {
	local d
	for d in /sys/class/tpm/tpm*; do
		[ "$(readlink -f "$d/device")" = "$devpath" ] &&
			cat "$d/pcr-sha256/16" >/dev/null 2>&1 && echo "${d##*/}" && return 0
	done
	return 1
}
ktap_check "the rebound chip registers again and reads PCR 16" wait_for 30 rebound
echo "# after the rebind: $(rebound) ($(ls /sys/class/tpm | tr '\n' ' '))"
ktap_check "no device left attached" sh -c "[ \"\$('$v' list --json)\" = '[]' ]"
ktap_check "host log clean (no splat)" no_splat
