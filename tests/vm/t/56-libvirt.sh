#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtis-qemu under Debian's own libvirt (libvirtd, virtlogd, virsh from
# libvirt-daemon-system), QEMU run as libvirt's user (libvirt-qemu, group
# kvm, with udev's rules for /dev/kvm and /dev/kvm-vtis).  A domain vm1
# that boots the test's Linux guest is defined with plain QEMU; then the
# README's "recipe: libvirt" block runs as written (the per-guest file, the
# state directory, <emulator> = /usr/local/bin/vtis-qemu, define, start).
# The guest (guest/libvirt.sh) checks its TPM in every boot: found, PCR 16
# zero (a restarted TPM), commands, the EK certificate.
#   boot 1: virsh start;  boot 2: virsh reboot (libvirt presses the ACPI
#   power button, the guest powers off, libvirt resets and resumes QEMU);
#   boot 3: virsh reset;  then virsh shutdown: QEMU ends and nothing is
#   left;  boot 4: virsh start again on the kept state (the same EK
#   certificate);  virsh destroy: nothing left;  virsh undefine.
# The test host's root is read-only: /etc, /var/lib, libvirt's cache and
# log folders and /usr/local/bin become writable copies for this file,
# and the guest's kernel and initramfs are copied where libvirt may give
# them to its user.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
export LIBVIRT_DEFAULT_URI=qemu:///system
lv=/var/tmp/vtis-lv
log=/var/log/libvirt/qemu/vm1.log
GUEST_LOG=/tmp/vm1.console

mounted=()
cleanup() {
	local m
	virsh destroy vm1 >/dev/null 2>&1
	pkill -x libvirtd
	pkill -x virtlogd
	pkill -x systemd-udevd
	pkill -x swtpm
	for ((m = ${#mounted[@]} - 1; m >= 0; m--)); do umount -l "${mounted[m]}"; done
	rm -rf "$lv" /tmp/lv-rw
}
trap 'st=$?; cleanup; vtis_exit $st' EXIT

# writable DIR: DIR is a writable copy of itself until this file ends.
writable() {
	mkdir -p "/tmp/lv-rw$(dirname "$1")" && cp -a "$1" "/tmp/lv-rw$1" &&
		mount --bind "/tmp/lv-rw$1" "$1" && mounted+=("$1")
}
setup_root() {
	writable /etc && writable /var/cache/libvirt && writable /var/log/libvirt || return 1
	cp -a /var/lib/libvirt /tmp/lv-rw/var-lib-libvirt &&
		mount -t tmpfs -o mode=0755 lv-varlib /var/lib && mounted+=(/var/lib) &&
		mv /tmp/lv-rw/var-lib-libvirt /var/lib/libvirt || return 1
	# What `make install` puts in /usr/local/bin.
	mount -t tmpfs -o mode=0755 lv-bin /usr/local/bin && mounted+=(/usr/local/bin) &&
		install -m 0755 "$VTIS_ROOT/tools/vtisctl" /usr/local/bin/vtisctl &&
		ln -s vtisctl /usr/local/bin/vtis-qemu
}
ktap_check "libvirt is installed (libvirtd, virtlogd, virsh; user libvirt-qemu in group kvm)" \
	sh -c "command -v libvirtd && command -v virtlogd && command -v virsh && id -nG libvirt-qemu | grep -qw kvm"
ktap_check "writable /etc, /var/lib, libvirt's folders; vtisctl and vtis-qemu in /usr/local/bin" setup_root

# /dev/kvm and /dev/kvm-vtis as a Debian host has them: udev's rules.
udev_start
udevadm trigger --action=add --subsystem-match=misc >/dev/null 2>&1
udevadm settle -t 30
ktap_check "udev: /dev/kvm and /dev/kvm-vtis are group kvm, mode 0660" \
	sh -c "[ \"\$(stat -c %G:%a /dev/kvm)\" = kvm:660 ] && [ \"\$(stat -c %G:%a /dev/kvm-vtis)\" = kvm:660 ]"

# The README's one change to qemu.conf; the daemons as their units start them.
ktap_check "the README says to set namespaces = [] in qemu.conf" \
	grep -q '`namespaces = \[\]` in `/etc/libvirt/qemu.conf`' "$VTIS_ROOT/README.md"
echo 'namespaces = []' >>/etc/libvirt/qemu.conf
ktap_check "virtlogd and libvirtd start" sh -c 'virtlogd -d && libvirtd -d'
ktap_check "virsh reaches libvirtd" wait_for 60 sh -c 'virsh version >/dev/null 2>&1'

# The guest: its script, and what it sources, where QEMU's user can read
# them; its kernel and initramfs where libvirt hands them to that user.
mkdir -p $lv/tests/vm/guest $lv/tests/lib
cp "$VTIS_ROOT/tests/vm/lib.sh" $lv/tests/vm/
cp "$VTIS_ROOT/tests/lib/ktap.sh" $lv/tests/lib/
cp "$VTIS_ROOT/tests/vm/guest/libvirt.sh" $lv/tests/vm/guest/
echo 1 >$lv/stage
img=/var/lib/libvirt/images
cp "${VTIS_VMLINUZ:-/boot/vmlinuz-$VTIS_KVER}" $img/vmlinuz
cp "$VTIS_GUEST_INITRD" $img/initrd.gz
cat >/tmp/vm1-plain.xml <<EOX
<domain type='kvm'>
  <name>vm1</name>
  <memory unit='MiB'>384</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$img/vmlinuz</kernel>
    <initrd>$img/initrd.gz</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 vtis.root=$lv vtis.script=$lv/tests/vm/guest/libvirt.sh</cmdline>
  </os>
  <features><acpi/></features>
  <cpu mode='host-passthrough'><feature policy='disable' name='xsave'/></cpu>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <filesystem type='mount' accessmode='passthrough' multidevs='remap'>
      <source dir='/'/>
      <target dir='hostroot'/>
      <readonly/>
    </filesystem>
    <serial type='file'>
      <source path='$GUEST_LOG' append='on'/>
      <target port='0'/>
    </serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOX
ktap_check "virsh define vm1 (plain QEMU, the guest's kernel)" virsh define /tmp/vm1-plain.xml

# --- the README's recipe --------------------------------------------------------
readme_recipe libvirt >/tmp/libvirt.sh
sed 's/^/# recipe: /' /tmp/libvirt.sh
ktap_check "the README has the libvirt recipe (the .conf file, <emulator>, virsh start)" \
	sh -c "grep -q '/etc/kvm-vtis/qemu.d/vm1.conf' /tmp/libvirt.sh && grep -q '<emulator>/usr/local/bin/vtis-qemu</emulator>' /tmp/libvirt.sh && grep -q '^virsh start vm1' /tmp/libvirt.sh"
: >"$GUEST_LOG"
t0=$SECONDS
ktap_check "the recipe runs to its end (exit 0)" timeout 300 bash -e /tmp/libvirt.sh
echo "# the recipe took $((SECONDS - t0)) s"
[ -s "$log" ] && grep 'vtis-qemu' "$log" | ktap_diag

# started: libvirt's QEMU for vm1 runs vtis-qemu's device; sets GUEST_PID, id.
started() {
	GUEST_PID=$(cat /run/libvirt/qemu/vm1.pid 2>/dev/null)
	ktap_check "$1: libvirt's QEMU (pid ${GUEST_PID:-?}) is QEMU itself, run as libvirt-qemu" \
		sh -c "[ -n '$GUEST_PID' ] && [ \"\$(readlink /proc/$GUEST_PID/exe)\" = /usr/bin/qemu-system-x86_64 ] &&
		       [ \"\$(stat -c %U /proc/$GUEST_PID)\" = libvirt-qemu ]"
	id=$(sed -n 's/.*vtis-qemu: device \([0-9]*\) attached to QEMU pid '"$GUEST_PID"'.*/\1/p' "$log" | tail -n 1)
	ktap_check "$1: vtis-qemu attached device ${id:-?} to it (libvirt's log)" \
		sh -c "[ -n '$id' ] && vtisctl info '$id' | grep -qx 'owner_pid $GUEST_PID'"
	ktap_check "$1: swtpm serves the device, as libvirt-qemu" \
		sh -c "vtisctl info '$id' | grep -qx 'emulator_connected yes' && [ \"\$(ps -o user= -C swtpm)\" = libvirt-qemu ]"
}
resets() { grep -c "vtis-qemu: reset of the VM: device ${id:-x} reset" "$log"; }
# boot N SECS: the guest's boot N ran its checks.
boot() {
	ktap_check "boot $1: the guest used its TPM" guest_says "$2" "^vtis-guest: boot $1 done" ||
		tail -n 30 "$GUEST_LOG" | tr -d '\r' | ktap_diag
	guest_results "/^vtis-guest: boot $1 begins/" "/^vtis-guest: boot $1 done/"
}
# waiting N: boot N's guest listens to its power button.
waiting() { guest_says 120 "^vtis-guest: boot $1: waiting for the power button"; }
gone() { ! kill -0 "$GUEST_PID" 2>/dev/null && virsh domstate vm1 | grep -qx 'shut off'; }

t0=$SECONDS
started "start"
ktap_check "start: vtis-qemu took vm1's settings from /etc/kvm-vtis/qemu.d/vm1.conf" \
	grep -q 'vtis-qemu: settings from /etc/kvm-vtis/qemu.d/vm1.conf' "$log"
ktap_check "start: the state directory was provisioned (EK certificate), owned by libvirt-qemu" \
	sh -c "test -s /var/lib/kvm-vtis/vm1/ek-rsa2048.crt && [ \"\$(stat -c %U /var/lib/kvm-vtis/vm1/ek-rsa2048.crt)\" = libvirt-qemu ]"
ek=$(sha256sum </var/lib/kvm-vtis/vm1/ek-rsa2048.crt 2>/dev/null | cut -d' ' -f1)
boot 1 300
ktap_check "boot 1: the guest read the EK certificate of the state directory" \
	grep -q "^# boot 1: ek-cert-sha256 $ek" "$GUEST_LOG"
echo "# boot 1 took $((SECONDS - t0)) s"

# virsh reboot: the power button, the guest's poweroff, libvirt's reset.
r=$(resets)
echo 2 >$lv/stage
ktap_check "reboot: the guest waits for the power button" waiting 1
ktap_check "virsh reboot vm1" timeout 60 virsh reboot vm1
boot 2 400
ktap_check "reboot: libvirt's reset of the VM reset the device ($r -> $(resets) resets)" test "$(resets)" -gt "$r"
ktap_check "reboot: the same QEMU runs on" test "$(cat /run/libvirt/qemu/vm1.pid)" = "$GUEST_PID"

# virsh reset: QMP system_reset.
r=$(resets)
echo 3 >$lv/stage
ktap_check "virsh reset vm1" timeout 60 virsh reset vm1
boot 3 400
ktap_check "reset: the device was reset ($r -> $(resets) resets)" test "$(resets)" -gt "$r"

# virsh shutdown: the power button, the guest's poweroff, QEMU ends.
ktap_check "shutdown: the guest waits for the power button" waiting 3
ktap_check "virsh shutdown vm1" timeout 60 virsh shutdown vm1
ktap_check "shutdown: QEMU ended, vm1 is shut off" wait_for 120 gone
ktap_check "shutdown: nothing is left" wait_for 15 vtis_qemu_left_nothing
echo "# four boots and a shutdown took $((SECONDS - t0)) s"

# Again on the kept state, then virsh destroy.
echo 4 >$lv/stage
ktap_check "virsh start vm1 (again)" timeout 300 virsh start vm1
started "start again"
boot 4 300
ktap_check "boot 4: the same EK certificate (the state was kept)" \
	grep -q "^# boot 4: ek-cert-sha256 $ek" "$GUEST_LOG"
ktap_check "virsh destroy vm1" timeout 60 virsh destroy vm1
ktap_check "destroy: QEMU ended, vm1 is shut off" wait_for 60 gone
ktap_check "destroy: nothing is left" wait_for 15 vtis_qemu_left_nothing
ktap_check "virsh undefine vm1" virsh undefine vm1
ktap_check "undefine: no domain, no device, no swtpm" \
	sh -c "[ -z \"\$(virsh list --all --name | tr -d '[:space:]')\" ] && [ \"\$(vtisctl list --json)\" = '[]' ] && ! pgrep -x swtpm"
grep 'vtis-qemu' "$log" | ktap_diag
ktap_check "host log clean" no_splat
