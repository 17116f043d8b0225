#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The udev rule that make install ships (udev/60-kvm-vtis.rules), applied
# by a real systemd-udevd: /dev/kvm-vtis belongs to group kvm with mode
# 0660 and each /dev/vtis-emuN to its attacher with mode 0600, and as a
# user in neither root nor group kvm they cannot be opened; a user in group
# kvm can neither take another user's VM fd nor detach another user's
# device (tests/vm/t/02-owners.sh: two ordinary users, what each may see).
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl

udev_start
# udevadm settle does nothing in a chroot: wait for udevd's work instead.
ktap_check "/dev/kvm-vtis is root:kvm 0660" wait_for 30 mode_is /dev/kvm-vtis "root:kvm 660"
echo "# $(stat -c '%n %U:%G %a' /dev/kvm-vtis)"

"$VMM_DIR/vmfd" sleep 600 &
holder=$!
wait_for 10 sh -c "[ \"\$(readlink /proc/$holder/fd/5)\" = anon_inode:kvm-vm ]"
ktap_check "vtisctl attach" sh -c "'$v' attach --pid $holder --vm-fd 5 --emulator --json >/tmp/a.json"
emu=$(python3 -c 'import json; print(json.load(open("/tmp/a.json"))["emulator"])' 2>/dev/null)
# No rule for the emulator nodes: the kernel's owner (the attacher), 0600.
ktap_check "the emulator device $emu is its attacher's (root here), 0600" wait_for 30 mode_is "$emu" "root:root 600"
echo "# $(stat -c '%n %U:%G %a' "$emu" 2>&1)"

# An ordinary user outside group kvm: nobody (65534).
cat >/tmp/try-open.py <<'PY'
import os, sys
try:
    os.close(os.open(sys.argv[1], os.O_RDWR))
except PermissionError:
    sys.exit(0)
sys.exit(1)
PY
ktap_check "user nobody cannot open /dev/kvm-vtis" \
	setpriv --reuid=65534 --regid=65534 --clear-groups python3 /tmp/try-open.py /dev/kvm-vtis
ktap_check "user nobody cannot open $emu" \
	setpriv --reuid=65534 --regid=65534 --clear-groups python3 /tmp/try-open.py "$emu"
kvm_gid=$(getent group kvm | cut -d: -f3)
ktap_check "user nobody in group kvm can use /dev/kvm-vtis (vtisctl list)" \
	setpriv --reuid=65534 --regid=65534 --groups="$kvm_gid" "$v" list


# Group kvm opens the control device; it does not hand out other users'
# VMs or devices.
id=$(python3 -c 'import json; print(json.load(open("/tmp/a.json"))["id"])' 2>/dev/null)
nobody_kvm() {
	setpriv --reuid=65534 --regid=65534 --groups="$kvm_gid" "$@"
}
nobody_kvm "$v" attach --pid "$holder" --vm-fd 5 --emulator >/tmp/p.out 2>/tmp/p.err
rc=$?
echo "# $(cat /tmp/p.err)"
ktap_check "user nobody (group kvm) cannot attach to root's VM with --pid: exit 1, one line" \
	sh -c "[ $rc -eq 1 ] && [ \$(wc -l </tmp/p.err) -eq 1 ] && grep -q 'not permitted to take fd 5 from process $holder' /tmp/p.err"
nobody_kvm "$v" detach "$id" 2>/tmp/d.err
rc=$?
echo "# $(cat /tmp/d.err)"
ktap_check "user nobody (group kvm) cannot detach root's device $id: exit 1, one line" \
	sh -c "[ $rc -eq 1 ] && [ \$(wc -l </tmp/d.err) -eq 1 ] && grep -q 'attached by another user' /tmp/d.err"
for op in reset save; do
	nobody_kvm "$v" $op "$id" $([ $op = save ] && echo /tmp/nobody.blob) 2>/tmp/o.err
	rc=$?
	ktap_check "user nobody (group kvm) cannot $op root's device $id: exit 1, one line" \
		sh -c "[ $rc -eq 1 ] && [ \$(wc -l </tmp/o.err) -eq 1 ] && grep -q 'attached by another user' /tmp/o.err"
done
ktap_check "... and no state file was written for nobody" test ! -s /tmp/nobody.blob
ktap_check "root's device $id is still attached" \
	sh -c "'$v' list --json | python3 -c 'import json,sys; assert [x for x in json.load(sys.stdin) if x[\"id\"]==$id]'"

# nobody's own VM (fd inherited, no ptrace needed): nobody attaches two
# devices and detaches one; root (CAP_SYS_ADMIN) detaches the other.
chmod 1777 /tmp
# /dev/kvm as Debian's udev rules make it (it predates this udevd).
chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
# setpriv itself in the background (not the nobody_kvm function, whose
# subshell would be what $! names): it execs vmfd, which execs sh, which
# execs sleep, so killing $! ends the VM's holder; a leftover sleep would
# keep the test's output open for its 600 s.
setpriv --reuid=65534 --regid=65534 --groups="$kvm_gid" \
	"$VMM_DIR/vmfd" sh -c \
	"'$v' attach --vm-fd 5 --emulator --json >/tmp/n1.json 2>/tmp/n.err &&
	 '$v' attach --vm-fd 5 --base 0xfed50000 --emulator --json >/tmp/n2.json 2>>/tmp/n.err;
	 exec sleep 600" &
nholder=$!
ktap_check "user nobody (group kvm) attaches two devices to its own VM" wait_for 20 test -s /tmp/n2.json
n1=$(python3 -c 'import json; print(json.load(open("/tmp/n1.json"))["id"])' 2>/dev/null)
n2=$(python3 -c 'import json; print(json.load(open("/tmp/n2.json"))["id"])' 2>/dev/null)
ktap_check "user nobody (group kvm) detaches its own device $n1" nobody_kvm "$v" detach "$n1"
ktap_check "root (CAP_SYS_ADMIN) detaches nobody's device $n2" "$v" detach "$n2"
kill "$nholder" 2>/dev/null
wait "$nholder" 2>/dev/null
ktap_check "nobody's VM holder is gone" wait_for 10 sh -c "! pgrep -u 65534 -x sleep >/dev/null"

kill "$holder"
wait "$holder" 2>/dev/null
ktap_check "the device went away with the VM" \
	sh -c "'$v' list --json | python3 -c 'import json,sys; assert json.load(sys.stdin) == []'"
udevadm control --exit 2>/dev/null
ktap_check "host log clean" no_splat
