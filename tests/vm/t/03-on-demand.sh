#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# /dev/kvm-vtis exists from boot and loads the module when opened, as
# /dev/kvm and /dev/fuse do.  What a boot does, with the tools a Debian boot
# runs them with: depmod lists the node in modules.devname (the module's
# devname:kvm-vtis alias and its fixed misc minor), kmod static-nodes turns
# that into a tmpfiles line and systemd-tmpfiles --boot makes the node, with
# no module loaded; systemd-udevd starting with the shipped rule gives the
# node group kvm and mode 0660 (static_node).  Then opening it as an
# ordinary user in group kvm makes the kernel ask modprobe for
# char-major-10-MINOR, which loads kvm_vtis, and the open succeeds; a user
# outside group kvm is refused before anything is loaded.
# The test host has no systemd as PID 1: its kernel's modprobe (the
# usermode helper runs in the test host's initramfs) is pointed at a
# wrapper that logs the request and runs kmod's modprobe on this run's
# module tree.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl
kdir=$VTIS_MODROOT/lib/modules/$VTIS_KVER
kvm_gid=$(getent group kvm | cut -d: -f3)
old_modprobe=$(cat /proc/sys/kernel/modprobe)
# Leave the test host as the other files expect it: the kernel's modprobe,
# no udevd of ours, and the node devtmpfs makes for the loaded module
# (which, unlike the static node, goes with the module).
cleanup() {
	pkill -x systemd-udevd
	echo "$old_modprobe" >/proc/sys/kernel/modprobe
	rm -f /dev/kvm-vtis
	modprobe -r -d "$VTIS_MODROOT" kvm_vtis 2>/dev/null
	vtis_load
}
trap 'st=$?; cleanup; vtis_exit $st' EXIT
loaded() { grep -q '^kvm_vtis ' /proc/modules; }

pkill -x systemd-udevd && wait_for 10 sh -c '! pgrep -x systemd-udevd'
modprobe -r -d "$VTIS_MODROOT" kvm_vtis 2>/dev/null
ktap_check "kvm_vtis is not loaded, /dev/kvm-vtis is gone" \
	eval '! loaded && [ ! -e /dev/kvm-vtis ]'

line=$(grep '^kvm_vtis ' "$kdir/modules.devname")
echo "# modules.devname: $line"
ktap_check "depmod lists the node in modules.devname (kvm_vtis kvm-vtis c10:MINOR)" \
	grep -Eqx 'kvm_vtis kvm-vtis c10:[0-9]+' <<<"$line"
minor=${line##*:}
ktap_check "modinfo: aliases devname:kvm-vtis and char-major-10-$minor" \
	sh -c "modinfo -F alias '$kdir/extra/kvm_vtis.ko' | grep -qx devname:kvm-vtis &&
	       modinfo -F alias '$kdir/extra/kvm_vtis.ko' | grep -qx char-major-10-$minor"

# Boot: kmod static-nodes reads /lib/modules/$(uname -r)/modules.devname.
unshare -m sh -c "mount --bind '$VTIS_MODROOT/lib/modules' /lib/modules &&
	kmod static-nodes --format=tmpfiles --output=/tmp/static-nodes.conf"
echo "# static-nodes.conf: $(grep kvm-vtis /tmp/static-nodes.conf)"
ktap_check "kmod static-nodes writes a tmpfiles line for /dev/kvm-vtis (char 10:$minor)" \
	grep -Eq "^c! /dev/kvm-vtis [0-7]+ - - - 10:$minor\$" /tmp/static-nodes.conf
systemd-tmpfiles --create --boot /tmp/static-nodes.conf 2>/tmp/tmpfiles.err
ktap_check "systemd-tmpfiles --boot makes /dev/kvm-vtis (char 10:$minor), no module loaded" \
	eval '[ -c /dev/kvm-vtis ] && [ "$(stat -c %t:%T /dev/kvm-vtis)" = a:$(printf %x "$minor") ] && ! loaded'
udevd_run
ktap_check "systemd-udevd gives the node root:kvm 0660 (static_node), no module loaded" \
	eval 'wait_for 30 mode_is /dev/kvm-vtis "root:kvm 660" && ! loaded'
echo "# $(stat -c '%n %U:%G %a' /dev/kvm-vtis)"

# The kernel's modprobe: a wrapper in the test host's /tmp, seen from its
# initramfs (where the helper runs) under /host.
cat >/tmp/vtis-modprobe <<EOF
#!/bin/sh
echo "\$*" >>/host/tmp/vtis-modprobe.log
exec chroot /host /sbin/modprobe -d '$VTIS_MODROOT' "\$@"
EOF
chmod 755 /tmp/vtis-modprobe
: >/tmp/vtis-modprobe.log
echo /host/tmp/vtis-modprobe >/proc/sys/kernel/modprobe

setpriv --reuid=65534 --regid=65534 --clear-groups "$v" list >/dev/null 2>/tmp/nokvm.err
nokvm_rc=$?
echo "# outside group kvm: $(cat /tmp/nokvm.err)"
ktap_check "user nobody outside group kvm: vtisctl list fails, nothing loaded or asked for" \
	eval '[ $nokvm_rc -ne 0 ] && ! loaded && [ ! -s /tmp/vtis-modprobe.log ]'
ktap_check "user nobody in group kvm: vtisctl list opens /dev/kvm-vtis" \
	setpriv --reuid=65534 --regid=65534 --groups="$kvm_gid" "$v" list
echo "# the kernel asked modprobe for: $(cat /tmp/vtis-modprobe.log)"
ktap_check "the kernel asked modprobe for char-major-10-$minor" \
	grep -q "char-major-10-$minor\$" /tmp/vtis-modprobe.log
ktap_check "kvm_vtis is loaded, its control device is 10:$minor" \
	eval 'loaded && [ "$(cat /sys/class/misc/kvm-vtis/dev)" = 10:$minor ]'
ktap_check "/dev/kvm-vtis is still root:kvm 0660" mode_is /dev/kvm-vtis "root:kvm 660"
ktap_check "host log clean" no_splat
