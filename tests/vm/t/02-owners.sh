#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two ordinary users in group kvm, A (60001) and B (60002), under a real
# systemd-udevd with the shipped rule.  A attaches a device to its VM:
# the emulator node is A's, 0600, and B cannot open it, not even when its
# mode would let B (EPERM from the kernel): before A's swtpm connects and
# after it dies.  A's swtpm serves A's guest.  B learns only that A's
# device exists (list), not its information or statistics (info, stats,
# sysfs).  A user may attach max_devices_per_user devices, no more; the
# limit is one user's, not another's, and the uids of a user namespace
# count as the user who made it.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl
P=/sys/module/kvm_vtis/parameters

udev_start
mode_is() { [ "$(stat -c '%u:%g %a' "$1" 2>/dev/null)" = "$2" ]; }
ktap_check "/dev/kvm-vtis is root:kvm 0660" \
	wait_for 30 mode_is /dev/kvm-vtis "0:$(getent group kvm | cut -d: -f3) 660"
kvm_gid=$(getent group kvm | cut -d: -f3)
# /dev/kvm as Debian's udev rules make it (it predates this udevd).
chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
chmod 1777 /tmp
# In the background, setpriv itself (it execs the command, so $! is the
# command), never a function around it (then $! would name a subshell).
A=(setpriv --reuid=60001 --regid=60001 --groups="$kvm_gid")
B=(setpriv --reuid=60002 --regid=60002 --groups="$kvm_gid")
as_a() { "${A[@]}" "$@"; }
as_b() { "${B[@]}" "$@"; }
# open_as USER NODE: USER opens NODE read-write; prints the error, if any.
open_as() {
	"as_$1" bash -c "exec 3<>'$2'" 2>&1 | sed 's/.*: //'
	return "${PIPESTATUS[0]}"
}

# A's VM and device.
"${A[@]}" "$VMM_DIR/vmfd" sh -c "'$v' attach --vm-fd 5 --emulator --json >/tmp/a1.json 2>/tmp/a1.err; exec sleep 900" >/dev/null 2>&1 &
a_vm=$!
ktap_check "user A attaches a device to its VM" wait_for 30 test -s /tmp/a1.json
id=$(sed -n 's/.*"id": *\([0-9]*\).*/\1/p' /tmp/a1.json)
emu=$(sed -n 's/.*"emulator": *"\([^"]*\)".*/\1/p' /tmp/a1.json)
echo "# A's device $id, emulator $emu: $(stat -c '%U:%G %a' "$emu" 2>&1)"
ktap_check "the emulator node $emu is A's, mode 0600" wait_for 30 mode_is "$emu" "60001:0 600"

# B and the node, whatever its mode says.
chmod 0666 "$emu"
err=$(open_as b "$emu")
ktap_check "B cannot open A's node before A's swtpm connects, even at mode 0666 ($err)" \
	sh -c "echo '$err' | grep -q 'Operation not permitted'"
chmod 0600 "$emu"
mkdir -p /tmp/a-state && chown 60001:60001 /tmp/a-state
"${A[@]}" swtpm chardev --chardev "$emu" --tpm2 --tpmstate dir=/tmp/a-state \
	--locality allow-set-locality --flags not-need-init,startup-clear >/tmp/a-swtpm.log 2>&1 &
swtpm_pid=$!
connected() { as_a "$v" info "$id" | grep -q '^emulator_connected yes'; }
ktap_check "A's swtpm connects to A's node" wait_for 30 connected
kill -9 "$swtpm_pid"
wait "$swtpm_pid" 2>/dev/null
ktap_check "A's swtpm is gone" wait_for 30 eval '! connected'
chmod 0666 "$emu"
err=$(open_as b "$emu")
ktap_check "B cannot open A's node after A's swtpm died, even at mode 0666 ($err)" \
	sh -c "echo '$err' | grep -q 'Operation not permitted'"
chmod 0600 "$emu"
err=$(open_as a "$emu")
ktap_check "A opens its node again (${err:-ok})" test -z "$err"
# A's swtpm serves A's guest: the test VMM as A, with its own VM and swtpm.
ktap_run "A's guest: " as_a "$VMM_DIR/vtis-vmm" --spawn-swtpm --timeout 300 getrandom

# What B sees of A's device.
as_b "$v" info "$id" >/tmp/b.out 2>/tmp/b.err
rc=$?
echo "# B: vtisctl info $id: $(cat /tmp/b.err)"
ktap_check "B: vtisctl info of A's device: exit 1, 'attached by another user', nothing on stdout" \
	sh -c "[ $rc -eq 1 ] && grep -q 'attached by another user' /tmp/b.err && [ ! -s /tmp/b.out ]"
as_b "$v" stats "$id" >/tmp/b.out 2>/tmp/b.err
rc=$?
ktap_check "B: vtisctl stats of A's device: exit 1, 'attached by another user'" \
	sh -c "[ $rc -eq 1 ] && grep -q 'attached by another user' /tmp/b.err && [ ! -s /tmp/b.out ]"
as_b "$v" list --json >/tmp/b.json 2>&1
cat /tmp/b.json | sed 's/^/# B: list --json: /'
ktap_check "B: list --json shows A's device as an id alone" python3 - "$id" <<'PY'
import json, sys
d = {x["id"]: x for x in json.load(open("/tmp/b.json"))}
assert d[int(sys.argv[1])] == {"id": int(sys.argv[1]), "visible": False}, d
PY
as_b "$v" list >/tmp/b.txt 2>&1
ktap_check "B: list shows A's device as another user's, without counters" \
	grep -Eq "^$id +\(another user's device\)$" /tmp/b.txt
as_b "$v" stats --watch --count 1 >/tmp/b.watch 2>&1
ktap_check "B: stats --watch leaves A's device out" sh -c "! grep -q '^$id ' /tmp/b.watch"
err=$(as_b cat "/sys/class/vtis/vtis$id/stats/commands" 2>&1 >/dev/null | sed 's/.*: //')
ktap_check "B cannot read A's statistics in sysfs ($err)" \
	sh -c "echo '$err' | grep -q 'Permission denied'"
info_shows() { "$@" "$v" info "$id" | grep -q "^id $id\$"; }
ktap_check "A: vtisctl info of its own device" info_shows as_a
ktap_check "root: vtisctl info of A's device" info_shows env
ktap_check "root reads A's statistics in sysfs" cat "/sys/class/vtis/vtis$id/stats/commands"

# The per-user limit.
old=$(cat "$P/max_devices_per_user" 2>/dev/null)
ktap_check "the module has max_devices_per_user (default 32: ${old:-none})" test "$old" = 32
echo 3 >"$P/max_devices_per_user"
"${A[@]}" "$VMM_DIR/vmfd" sh -c "for b in 0xfed50000 0xfed60000 0xfed70000; do
	'$v' attach --vm-fd 5 --base \$b --emulator; echo \"rc \$?\"; done >/tmp/a2.out 2>/tmp/a2.err; exec sleep 900" >/dev/null 2>&1 &
a_vm2=$!
ktap_check "A attaches 2 more devices (3 in all), the 4th is refused: exit 1" \
	wait_for 60 sh -c "[ \$(grep -c '^rc ' /tmp/a2.out) -eq 3 ] && [ \$(grep -c '^rc 0' /tmp/a2.out) -eq 2 ] && grep -q '^rc 1' /tmp/a2.out"
echo "# A's 4th: $(cat /tmp/a2.err)"
ktap_check "... with one line naming the limit" \
	sh -c "[ \$(wc -l </tmp/a2.err) -eq 1 ] && grep -q 'max_devices_per_user' /tmp/a2.err"
"${B[@]}" "$VMM_DIR/vmfd" sh -c "'$v' attach --vm-fd 5 --emulator >/tmp/b2.out 2>&1; echo \"rc \$?\" >>/tmp/b2.out; exec sleep 900" >/dev/null 2>&1 &
b_vm=$!
ktap_check "B, with no device, still attaches one" wait_for 60 grep -q '^rc 0' /tmp/b2.out
# A's user namespace, where A is root and uids 1-99 are 200001-200099
# (the map newuidmap writes from /etc/subuid; root writes it here): each
# is a uid of its own to the kernel, but A made the namespace, so they all
# count as A, who is at the limit.  (unchroot: a chrooted process, as
# this test is, may not make a user namespace.)
rm -f /tmp/ns.pid /tmp/ns.go /tmp/ns.out /tmp/ns.err /tmp/ns.log
"$VMM_DIR/unchroot" "${A[@]}" unshare --user sh -c "echo \$\$ >/tmp/ns.pid
	while [ ! -e /tmp/ns.go ]; do sleep 0.1; done
	exec setpriv --reuid=7 --regid=7 --keep-groups '$VMM_DIR/vmfd' sh -c \"
		'$v' attach --vm-fd 5 --emulator >/tmp/ns.out 2>/tmp/ns.err; echo \\\"rc \\\$?\\\" >>/tmp/ns.out
		exec sleep 900\"" >/tmp/ns.log 2>&1 &
ns_vm=$!
ktap_check "A unshares a user namespace" wait_for 30 test -s /tmp/ns.pid
ns_pid=$(cat /tmp/ns.pid 2>/dev/null)
# A map is written once, in one write().
for m in uid_map gid_map; do
	python3 -c 'import sys; open(sys.argv[1], "w").write("0 60001 1\n1 200001 99\n")' \
		"/proc/$ns_pid/$m"
done
touch /tmp/ns.go
ktap_check "... whose uid 7 attaches as kernel uid 200007 and is refused: exit 1" \
	wait_for 60 sh -c "grep -q '^rc 1' /tmp/ns.out && grep -q '^Uid:.200007' /proc/$ns_vm/status"
echo "# A's uid 7: $(cat /tmp/ns.out /tmp/ns.err /tmp/ns.log 2>/dev/null | tr '\n' ' ')"
ktap_check "... by A's limit (one line naming it)" \
	sh -c "[ \$(wc -l </tmp/ns.err) -eq 1 ] && grep -q 'max_devices_per_user' /tmp/ns.err"
[ -n "$old" ] && echo "$old" >"$P/max_devices_per_user"

kill "$a_vm" "$a_vm2" "$b_vm" "$ns_vm" 2>/dev/null
wait "$a_vm" "$a_vm2" "$b_vm" "$ns_vm" 2>/dev/null
none_left() { "$v" list --json | python3 -c 'import json, sys; sys.exit(bool(json.load(sys.stdin)))'; }
ktap_check "every device went away with its VM" wait_for 30 none_left
udevadm control --exit 2>/dev/null
ktap_check "host log clean" no_splat
