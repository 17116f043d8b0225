#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a Linux guest that libvirt started through vtis-qemu
# (tests/vm/t/56-libvirt.sh), in every boot of it.  The test host names
# the boot in /var/tmp/vtis-lv/stage before it starts, reboots or resets
# the guest.  Each boot prints "vtis-guest: boot STAGE begins", the KTAP
# document of its checks (the TPM was found and restarted: PCR 16 reads
# zero; it works; the EK certificate is readable) and "vtis-guest: boot
# STAGE done".  Then the guest waits for the ACPI power button, which
# libvirt presses for `virsh reboot` and `virsh shutdown`, and powers off
# when it comes (libvirt then resets and resumes the VM, or ends it).
set -u
stage=$(cat /var/tmp/vtis-lv/stage)
echo "vtis-guest: boot $stage begins"
. "$(dirname "$0")/../lib.sh"
export TPM2TOOLS_TCTI=device:/dev/tpm0
cd /tmp || exit 1

(
	trap ktap_finish EXIT
	ktap_check "boot $stage: tpm_tis finds a 2.0 TPM (MSFT0101 from vtis-qemu's tables)" \
		sh -c "dmesg | grep -q 'tpm_tis MSFT0101:00: 2.0 TPM'"
	fresh_tpm_works "boot $stage"
	rm -f ek.der
	ktap_check "boot $stage: tpm2_nvread 0x01c00002 (the EK certificate)" \
		tpm2_nvread -o ek.der 0x01c00002
	echo "# boot $stage: ek-cert-sha256 $(sha256sum <ek.der | cut -d' ' -f1)"
	ktap_check "boot $stage: no TPM error in the kernel log" \
		sh -c "! dmesg | grep -iE 'tpm.*(error|fail|timed out)' | grep -v 'TPM error (256) occurred attempting the self test'"
)
echo "vtis-guest: boot $stage done"

# The power button: ACPI's button driver makes it an input device, evdev
# a node; its first event (the press) ends the script, and init powers off.
modprobe button 2>/dev/null
modprobe evdev 2>/dev/null
node=
for i in /sys/class/input/input*; do
	[ "$(cat "$i/name" 2>/dev/null)" = "Power Button" ] || continue
	for e in "$i"/event*; do
		[ -e "$e" ] && node=/dev/input/${e##*/}
	done
done
if [ -z "$node" ]; then
	echo "vtis-guest: no power button"
	exit 1
fi
exec 4<"$node" || exit 1
echo "vtis-guest: boot $stage: waiting for the power button ($node)"
if ! timeout 900 head -c 24 <&4 >/dev/null; then
	echo "vtis-guest: no power button press in 900 s"
	exit 1
fi
echo "vtis-guest: power button"
