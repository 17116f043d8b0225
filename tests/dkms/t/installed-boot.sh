#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A boot of a machine on which tests/dkms/run installed the Debian packages
# kvm-vtis-dkms and kvm-vtis-tools with apt, and an ordinary user's first
# use.  The test host's root is that machine's: /lib/modules/$(uname -r)
# holds the module DKMS built at install, /usr/lib the packages'
# modules-load.d file and udev rule, /usr/bin their tools.  The test host
# has no systemd as PID 1, so this file runs, in boot order, what systemd's
# units run on Debian: kmod static-nodes and systemd-tmpfiles --boot
# (kmod-static-nodes, systemd-tmpfiles-setup-dev), systemd-modules-load on
# the package's file (systemd-modules-load), systemd-udevd with the
# machine's rules and udevadm trigger (systemd-udev-trigger; here for the
# misc devices only, /dev/kvm and /dev/kvm-vtis, so that no other driver
# is loaded into the test host).  The kernel's
# modprobe helper runs in the test host's initramfs: it is pointed at the
# machine's /sbin/modprobe, as on the machine itself.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
kdir=/lib/modules/$(uname -r)
ko=$(ls "$kdir"/updates/dkms/kvm_vtis.ko* 2>/dev/null | head -n 1)
kvm_gid=$(getent group kvm | cut -d: -f3)
ver=$(cat "$VTIS_ROOT/VERSION")
old_modprobe=$(cat /proc/sys/kernel/modprobe)
cleanup() {
	pkill -x systemd-udevd
	echo "$old_modprobe" >/proc/sys/kernel/modprobe
}
trap 'st=$?; cleanup; vtis_exit $st' EXIT
loaded() { grep -q '^kvm_vtis ' /proc/modules; }
# as_user GROUPS CMD...: run CMD as user nobody with only GROUPS (a gid,
# or "" for none).
as_user() {
	local g=$1
	shift
	if [ -n "$g" ]; then
		setpriv --reuid=65534 --regid=65534 --groups="$g" env HOME=/tmp "$@"
	else
		setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp "$@"
	fi
}

echo "# system: $(. /etc/os-release && echo "${NAME%% *}-$VERSION_ID")"
echo "# kernel $(uname -r), module ${ko:-none}"
ktap_check "the DKMS module is installed for $(uname -r) (updates/dkms)" test -n "$ko"
ktap_check "modprobe resolves kvm_vtis to it" \
	sh -c "[ -n '$ko' ] && [ \"\$(modinfo -n kvm_vtis)\" = '$ko' ]"
ktap_check "the packages' files: /usr/bin/vtisctl, the udev rule, the modules-load.d file" \
	test -x /usr/bin/vtisctl -a -r /usr/lib/udev/rules.d/60-kvm-vtis.rules \
	-a -r /usr/lib/modules-load.d/kvm-vtis.conf
ktap_check "kvm_vtis is not loaded, /dev/kvm-vtis does not exist" \
	eval '! loaded && [ ! -e /dev/kvm-vtis ]'

# --- the boot ---
kmod static-nodes --format=tmpfiles --output=/run/static-nodes.conf
ktap_check "kmod static-nodes: a tmpfiles line for /dev/kvm-vtis (char 10:244)" \
	grep -Eq '^c! /dev/kvm-vtis [0-7]+ - - - 10:244$' /run/static-nodes.conf
systemd-tmpfiles --prefix=/dev --create --boot /run/static-nodes.conf 2>/tmp/tmpfiles.err
ktap_check "systemd-tmpfiles --boot makes /dev/kvm-vtis" test -c /dev/kvm-vtis
/lib/systemd/systemd-modules-load /usr/lib/modules-load.d/kvm-vtis.conf >/tmp/modules-load.log 2>&1
ktap_check "systemd-modules-load loads kvm_vtis (the package's modules-load.d file)" loaded
ktap_diag /tmp/modules-load.log
ktap_check "the loaded module is the DKMS one (srcversion)" \
	sh -c "[ -n '$ko' ] && [ \"\$(cat /sys/module/kvm_vtis/srcversion)\" = \"\$(modinfo -F srcversion '$ko')\" ]"
ktap_check "/sys/module/kvm_vtis/version is $ver" \
	sh -c "[ \"\$(cat /sys/module/kvm_vtis/version)\" = '$ver' ]"
/lib/systemd/systemd-udevd --daemon >/tmp/udevd.log 2>&1
udevadm trigger --type=devices --action=add --subsystem-match=misc >/dev/null 2>&1
udevadm settle --timeout=60
ktap_check "udev (the packaged rule) makes /dev/kvm-vtis root:kvm 0660" \
	wait_for 30 mode_is /dev/kvm-vtis "root:kvm 660"
echo "# $(stat -c '%n %U:%G %a' /dev/kvm-vtis /dev/kvm)"

# --- an ordinary user, with the packaged tools ---
ktap_check "vtisctl --version (/usr/bin, on the PATH) says $ver" \
	sh -c "PATH=/usr/bin:/bin vtisctl --version | grep -qw '$ver'"
as_user "" /usr/bin/vtisctl list >/dev/null 2>/tmp/nokvm.err
nokvm_rc=$?
echo "# outside group kvm: $(cat /tmp/nokvm.err)"
ktap_check "user nobody outside group kvm: vtisctl list is refused (EACCES)" \
	eval '[ $nokvm_rc -ne 0 ] && grep -qi "permission denied" /tmp/nokvm.err'
ktap_check "user nobody in group kvm: vtisctl list" as_user "$kvm_gid" /usr/bin/vtisctl list
ktap_run "user nobody in group kvm, a VM with swtpm: " \
	as_user "$kvm_gid" "$VMM_DIR/vtis-vmm" --spawn-swtpm --timeout 120 probe getrandom extend

# --- loaded on demand: without the module, the first open loads it ---
cat >/tmp/vtis-modprobe <<EOF
#!/bin/sh
echo "\$*" >>/host/tmp/vtis-modprobe.log
exec chroot /host /sbin/modprobe "\$@"
EOF
chmod 755 /tmp/vtis-modprobe
: >/tmp/vtis-modprobe.log
echo /host/tmp/vtis-modprobe >/proc/sys/kernel/modprobe
ktap_check "rmmod kvm_vtis; the static node stays" \
	eval 'rmmod kvm_vtis && ! loaded && [ -c /dev/kvm-vtis ]'
ktap_check "user nobody in group kvm: vtisctl list loads the module on demand" \
	as_user "$kvm_gid" /usr/bin/vtisctl list
echo "# the kernel asked modprobe for: $(cat /tmp/vtis-modprobe.log)"
ktap_check "kvm_vtis is loaded again, the DKMS one" \
	sh -c "[ -n '$ko' ] && grep -q '^kvm_vtis ' /proc/modules &&
	       [ \"\$(cat /sys/module/kvm_vtis/srcversion)\" = \"\$(modinfo -F srcversion '$ko')\" ]"
ktap_check "host log clean" no_splat
