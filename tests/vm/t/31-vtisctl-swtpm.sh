#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtisctl attach --pid PID alone finds the VMM's VM fd (and says why when
# there is none or several); attach --swtpm DIR makes DIR, provisions it
# with swtpm_setup (EK and platform certificates from a local CA of the
# caller's own, in ~/.config: never the system's), starts swtpm under a
# supervisor that restarts it when it dies and ends with the device
# (detach, the VMM's death, SIGTERM), with nothing left behind.  Every bad
# input is one clear error and leaves no device.  Two ordinary users, A
# and B, under a real systemd-udevd: A's swtpm runs as A; B cannot use A's
# state.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl

udev_start
kvm_gid=$(getent group kvm | cut -d: -f3)
chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
chmod 1777 /tmp
mode_is() { [ "$(stat -c '%u:%g %a' "$1" 2>/dev/null)" = "$2" ]; }
ktap_check "/dev/kvm-vtis is root:kvm 0660" wait_for 30 mode_is /dev/kvm-vtis "0:$kvm_gid 660"
# background VMMs do not outlive a failed run (lib.sh's trap, then ours)
trap 'st=$?; kill $(jobs -p) 2>/dev/null; vtis_exit $st' EXIT
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
connected() { "$v" info "$1" 2>/dev/null | grep -q '^emulator_connected yes'; }
no_device_of() { ! "$v" list --json | grep -q "\"owner_pid\": *$1[,}]"; }
no_device() { [ "$("$v" list --json)" = "[]" ]; }
both_gone() { gone "$1" && gone "$2"; }
info_is() { "$v" info "$1" 2>/dev/null | grep -qx "$2"; }
# swtpm_of SUPERVISOR: the swtpm it runs now (its one child), if any.
swtpm_of() { pgrep -P "$1" -x swtpm; }
# attach_swtpm NAME [RUNAS...] -- ARGS...: vtisctl attach ARGS --json, in
# $( ) (the supervisor must not hold the caller's stdout), bounded; sets st
# (exit status) and id, sup, sw from /tmp/NAME.json.
attach_swtpm() {
	local name=$1 out runas=()
	shift
	while [ "$1" != -- ]; do runas+=("$1"); shift; done
	shift
	out=$("${runas[@]}" timeout 120 "$v" attach "$@" --json 2>/tmp/$name.err)
	st=$?
	echo "$out" >/tmp/$name.json
	echo "# $name: rc=$st $out $(cat /tmp/$name.err)"
	id=$(json /tmp/$name.json id 2>/dev/null)
	sup=$(json /tmp/$name.json supervisor_pid 2>/dev/null)
	sw=$(json /tmp/$name.json swtpm_pid 2>/dev/null)
}

# --- attach --pid without --vm-fd -----------------------------------------
"$VMM_DIR/vmfd" sleep 600 &
vm1=$!
wait_for 10 test "$(readlink /proc/$vm1/fd/5)" = anon_inode:kvm-vm
"$v" attach --pid "$vm1" --emulator --json >/tmp/p.json 2>/tmp/p.err
ktap_check "attach --pid finds the one VM fd itself" test -s /tmp/p.json -a ! -s /tmp/p.err
id=$(json /tmp/p.json id 2>/dev/null)
ktap_check "the device belongs to that VM (owner_pid $vm1)" \
	sh -c "'$v' info '$id' | grep -qx 'owner_pid $vm1'"
"$v" detach "$id"

sleep 600 &
novm=$!
"$v" attach --pid "$novm" --emulator >/tmp/n.out 2>/tmp/n.err
rc=$?
echo "# no VM fd: rc=$rc $(cat /tmp/n.err)"
ktap_check "a process without a VM fd: exit 1, 'holds no KVM VM fd'" \
	sh -c "[ $rc -eq 1 ] && [ \$(wc -l </tmp/n.err) -eq 1 ] && grep -q 'holds no KVM VM fd' /tmp/n.err"
t0=$SECONDS
"$v" attach --pid "$novm" --wait-vm 2 --emulator >/tmp/n.out 2>/tmp/n.err
rc=$?
echo "# --wait-vm 2: rc=$rc after $((SECONDS - t0)) s: $(cat /tmp/n.err)"
ktap_check "--wait-vm 2 on a process that makes no VM: exit 1 after 2 s" \
	sh -c "[ $rc -eq 1 ] && [ $((SECONDS - t0)) -ge 2 ] && grep -q 'after --wait-vm' /tmp/n.err"
kill "$novm"

# two VMs in one process: the first kept as fd 6, the second made as fd 5
"$VMM_DIR/vmfd" bash -c "exec 6<&5; exec '$VMM_DIR/vmfd' sleep 600" &
two=$!
wait_for 10 test "$(readlink /proc/$two/fd/6)" = anon_inode:kvm-vm
"$v" attach --pid "$two" --emulator >/tmp/t.out 2>/tmp/t.err
rc=$?
echo "# two VM fds: rc=$rc $(cat /tmp/t.err)"
ktap_check "a process with two VM fds: exit 1, names both, asks for --vm-fd" \
	sh -c "[ $rc -eq 1 ] && grep -q 'holds 2 KVM VM fds (5, 6)' /tmp/t.err && grep -q -- '--vm-fd' /tmp/t.err"
ktap_check "... and --vm-fd 6 chooses one" sh -c "'$v' attach --pid $two --vm-fd 6 --emulator >/tmp/t6.out"
kill "$two"
ktap_check "its device goes with that VMM" wait_for 20 no_device_of "$two"

"$v" attach --pid 999999 --emulator >/dev/null 2>/tmp/x.err
rc=$?
ktap_check "attach --pid of no process: exit 1, 'no process'" \
	sh -c "[ $rc -eq 1 ] && grep -q 'no process 999999' /tmp/x.err"
setpriv --reuid=60002 --regid=60002 --groups="$kvm_gid" "$v" attach --pid "$vm1" --emulator >/dev/null 2>/tmp/x.err
rc=$?
echo "# B on root's VMM: $(cat /tmp/x.err)"
ktap_check "user B cannot take root's VM: exit 1, 'not permitted'" \
	sh -c "[ $rc -eq 1 ] && grep -q 'not permitted' /tmp/x.err"
"$v" attach --pid "$vm1" --host-tpm --swtpm /tmp/st >/dev/null 2>/tmp/x.err
rc=$?
ktap_check "--swtpm with --host-tpm: exit 2" sh -c "[ $rc -eq 2 ] && grep -q -- '--swtpm' /tmp/x.err"

# --- --swtpm: provisioning, supervision, the end ------------------------------
rm -rf /tmp/st
t0=$SECONDS
attach_swtpm s -- --pid "$vm1" --emulator --swtpm /tmp/st/vm1
echo "# attach --swtpm took $((SECONDS - t0)) s"
ktap_check "attach --swtpm DIR (missing): exit 0 and returns" test "$st" -eq 0
ktap_check "DIR made, mode 0700, root's" mode_is /tmp/st/vm1 "0:0 700"
ktap_check "DIR provisioned: TPM 2.0 state and the EK certificate (issued by swtpm-localca)" \
	sh -c "test -s /tmp/st/vm1/tpm2-00.permall && openssl x509 -inform der -in /tmp/st/vm1/ek-rsa2048.crt -noout -issuer | grep -q swtpm-localca"
ktap_check "root's certificates come from root's own local CA (\$HOME/.config), not the system's" \
	sh -c "grep -q '/tmp/.config/swtpm-localca.conf' /tmp/st/vm1/swtpm_setup.log && test -s /tmp/.config/var/lib/swtpm-localca/issuercert.pem"
ktap_check "swtpm_setup made the EK and platform certificates in NV" \
	sh -c "grep -q 'NVRAM area 0x1c00002 for RSA 2048 EK certificate' /tmp/st/vm1/swtpm_setup.log && grep -q 'NVRAM area 0x1c08000 for platform certificate' /tmp/st/vm1/swtpm_setup.log"
ktap_check "the JSON names DIR, its control socket and both processes" \
	eval '[ "$(json /tmp/s.json swtpm)" = /tmp/st/vm1 ] && [ "$(json /tmp/s.json swtpm_ctrl)" = /tmp/st/vm1/swtpm-ctrl.sock ] && [ -n "$sw" ] && [ -n "$sup" ]'
ktap_check "swtpm (pid $sw) is the supervisor's (pid $sup) child and serves the device" \
	eval '[ "$(swtpm_of "$sup")" = "$sw" ] && info_is "$id" "emulator_connected yes"'
ktap_check "the supervisor is in a session of its own" \
	sh -c "[ \"\$(ps -o sid= -p $sup | tr -d ' ')\" = '$sup' ]"
ktap_check "swtpm answers on its control socket" swtpm_ioctl --unix /tmp/st/vm1/swtpm-ctrl.sock -c
kill -9 "$sw"
ktap_check "swtpm killed -9: the supervisor starts another that serves the device" \
	wait_for 15 eval 'n=$(swtpm_of "$sup") && [ -n "$n" ] && [ "$n" != "$sw" ] && info_is "$id" "emulator_connected yes"'
ktap_check "... and logs it; the new one waits for the guest's next reset (CMD_INIT)" \
	sh -c "grep -q 'swtpm (pid $sw) was killed by signal 9' /tmp/st/vm1/swtpm.log && grep -q 'waiting for CMD_INIT' /tmp/st/vm1/swtpm.log"
"$v" attach --pid "$vm1" --base 0xfed50000 --swtpm /tmp/st/vm1 >/tmp/l.out 2>/tmp/l.err
st=$?
echo "# a second device on the same DIR: rc=$st $(cat /tmp/l.err)"
ktap_check "a second device on a DIR in use: exit 1, 'is in use', no second device" \
	eval '[ $st -eq 1 ] && grep -q "is in use" /tmp/l.err && [ "$("$v" list | grep -c "^[0-9]")" -eq 1 ]'
sw=$(swtpm_of "$sup")
"$v" detach "$id"
ktap_check "detach: swtpm and the supervisor exit" wait_for 10 both_gone "$sw" "$sup"
tail -n 4 /tmp/st/vm1/swtpm.log | ktap_diag

# the same DIR again: not provisioned again; the VMM dies
sum=$(md5sum </tmp/st/vm1/ek-rsa2048.crt)
lines=$(wc -l </tmp/st/vm1/swtpm_setup.log)
attach_swtpm s -- --pid "$vm1" --swtpm /tmp/st/vm1
ktap_check "--swtpm on a provisioned DIR (--emulator implied): same EK certificate, no swtpm_setup run" \
	sh -c "[ -n '$sup' ] && [ \"\$(md5sum </tmp/st/vm1/ek-rsa2048.crt)\" = '$sum' ] && [ \$(wc -l </tmp/st/vm1/swtpm_setup.log) -eq $lines ]"
kill -9 "$vm1"
wait "$vm1" 2>/dev/null
ktap_check "the VMM killed -9: device, swtpm and supervisor gone" \
	wait_for 15 eval 'both_gone "$sw" "$sup" && no_device'

# SIGTERM to the supervisor; TPM 1.2
"$VMM_DIR/vmfd" sleep 600 &
vm2=$!
wait_for 10 test "$(readlink /proc/$vm2/fd/5)" = anon_inode:kvm-vm
attach_swtpm s12 -- --pid "$vm2" --tpm 1.2 --swtpm /tmp/st/vm2
ktap_check "--tpm 1.2 --swtpm: TPM 1.2 state, swtpm serves the device" \
	eval '[ $st -eq 0 ] && test -s /tmp/st/vm2/tpm-00.permall && info_is "$id" "emulator_connected yes"'
kill -TERM "$sup"
ktap_check "SIGTERM to the supervisor: it stops swtpm and ends; the device stays, unserved" \
	wait_for 10 eval 'both_gone "$sw" "$sup" && info_is "$id" "emulator_connected no"'
"$v" detach "$id"

# bad inputs: one clear line, exit 1, no device left
bad() { # bad NAME PATTERN ARGS...: attach ARGS fails with PATTERN, no device
	local name=$1 pat=$2
	shift 2
	"$@" >/tmp/b.out 2>/tmp/b.err
	local st=$?
	echo "# $name: rc=$st $(head -n 3 /tmp/b.err | tr '\n' ' ')"
	ktap_check "$name: exit 1, '$pat', no device left" \
		eval '[ $st -eq 1 ] && grep -q -- "$pat" /tmp/b.err && no_device'
}
touch /tmp/st/file
bad "--swtpm on a file" "is not a directory" "$v" attach --pid "$vm2" --swtpm /tmp/st/file
mkdir -m 0755 /tmp/st/open
bad "--swtpm on a directory others can read" "open to others" "$v" attach --pid "$vm2" --swtpm /tmp/st/open
mkdir -m 0700 /tmp/st/b && chown 60002:60002 /tmp/st/b
bad "--swtpm on another user's directory" "belongs to uid 60002" "$v" attach --pid "$vm2" --swtpm /tmp/st/b
mkdir -m 0755 /tmp/bown && chown 60002:60002 /tmp/bown
bad "--swtpm below another user's directory" "belongs to another user" "$v" attach --pid "$vm2" --swtpm /tmp/bown/x
mkdir -m 0777 /tmp/ww && chmod 0777 /tmp/ww
bad "--swtpm below a directory anyone may write (not sticky)" "writable by others and not sticky" \
	"$v" attach --pid "$vm2" --swtpm /tmp/ww/x
bad "--swtpm with a comma in DIR (swtpm's option syntax)" "no comma" "$v" attach --pid "$vm2" --swtpm /tmp/st/a,b
bad "--swtpm without swtpm in PATH" "needs swtpm in PATH" \
	env PATH=/nonexistent "$v" attach --pid "$vm2" --swtpm /tmp/st/nobin
long=/tmp/st/$(printf 'd%.0s' $(seq 1 100))
bad "--swtpm with a path too long for the control socket" "too long for swtpm" \
	"$v" attach --pid "$vm2" --swtpm "$long"
# swtpm that cannot run: the attach waits for it, then gives up and detaches
mkdir -p /tmp/fakebin
printf '#!/bin/sh\necho "fake swtpm: refusing" >&2\nexit 3\n' >/tmp/fakebin/swtpm
chmod 755 /tmp/fakebin/swtpm
bad "--swtpm whose swtpm never connects" "did not open /dev/vtis-emu" \
	env PATH=/tmp/fakebin:/usr/bin:/bin "$v" attach --pid "$vm2" --tpm 1.2 --swtpm /tmp/st/vm2
ktap_check "... its supervisor is gone too" wait_for 10 sh -c "! pgrep -x vtis-swtpm-sup"
kill "$vm2"
wait "$vm2" 2>/dev/null

# --- ordinary users -----------------------------------------------------------
A=(setpriv --reuid=60001 --regid=60001 --groups="$kvm_gid" env HOME=/tmp/home-a)
B=(setpriv --reuid=60002 --regid=60002 --groups="$kvm_gid" env HOME=/tmp/home-b)
mkdir -p /tmp/home-a /tmp/home-b
chown 60001:60001 /tmp/home-a
chown 60002:60002 /tmp/home-b
"${A[@]}" "$VMM_DIR/vmfd" sleep 600 &
avm=$!
wait_for 10 test "$(readlink /proc/$avm/fd/5)" = anon_inode:kvm-vm
attach_swtpm a "${A[@]}" -- --pid "$avm" --swtpm /tmp/home-a/tpm
ktap_check "user A: attach --swtpm provisions from A's own local CA (~/.config)" \
	sh -c "[ $st -eq 0 ] && test -s /tmp/home-a/.config/swtpm_setup.conf && test -s /tmp/home-a/tpm/tpm2-00.permall && ls /tmp/home-a/.config/var/lib/swtpm-localca | grep -q issuercert"
ktap_check "A's state is A's, mode 0700" mode_is /tmp/home-a/tpm "60001:60001 700"
ktap_check "A's swtpm and supervisor run as A; swtpm serves A's device" \
	eval '[ "$(ps -o uid= -p "$sw" | tr -d " ")" = 60001 ] && [ "$(ps -o uid= -p "$sup" | tr -d " ")" = 60001 ] && info_is "$id" "emulator_connected yes"'
"${B[@]}" "$VMM_DIR/vmfd" sleep 600 &
bvm=$!
wait_for 10 test "$(readlink /proc/$bvm/fd/5)" = anon_inode:kvm-vm
chmod 0755 /tmp/home-a
"${B[@]}" "$v" attach --pid "$bvm" --swtpm /tmp/home-a/tpm >/tmp/b.out 2>/tmp/b.err
rc=$?
echo "# B on A's state: rc=$rc $(cat /tmp/b.err)"
ktap_check "user B cannot use A's state directory: exit 1, no device of B's" \
	sh -c "[ $rc -eq 1 ] && grep -q 'belongs to uid 60001' /tmp/b.err && ! '$v' list --json | grep -q '\"owner_pid\": *$bvm'"
"${B[@]}" kill -9 "$sw" 2>/dev/null
ktap_check "user B cannot kill A's swtpm" alive "$sw"
kill "$avm" "$bvm"
ktap_check "A's VMM ends: A's swtpm and supervisor end" wait_for 15 both_gone "$sw" "$sup"
ktap_check "no swtpm and no supervisor left at all" wait_for 10 sh -c "! pgrep -x swtpm && ! pgrep -x vtis-swtpm-sup"
ktap_check "no device left" no_device
ktap_check "host log clean" no_splat
