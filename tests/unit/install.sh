#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install / make uninstall into a staging root (DESTDIR): every file
# lands where the README says, with the right mode, and uninstall removes
# exactly those files.
set -u
. "$(dirname "$0")/lib.bash"
stage=$(mktemp -d)
trap 'rm -rf "$stage" "$src"; ktap_finish' EXIT
# A copy of the checkout: the install builds, and the checkout's own build
# outputs belong to the layers running beside this one.
src=$(mktemp -d)
tar -C "$VTIS_ROOT" --exclude=.git -cf - . | tar -C "$src" -xf -
make -s -C "$src" clean >/dev/null 2>&1
# The Makefile's default kernel: the newest installed 6.1.
kver=$("$VTIS_ROOT/scripts/kernels.sh" 6.1)

ktap_check "make install DESTDIR=... PREFIX=/usr/local succeeds" \
	sh -c "make -s -C '$src' install DESTDIR='$stage' >/dev/null"
mode_is() { [ "$(stat -c %a "$stage$1" 2>/dev/null)" = "$2" ]; }
ktap_check "module in /lib/modules/\$KVER/extra (0644)" mode_is "/lib/modules/$kver/extra/kvm_vtis.ko" 644
ktap_check "vtisctl in /usr/local/sbin (0755)" mode_is /usr/local/sbin/vtisctl 755
ktap_check "installed vtisctl runs" sh -c "'$stage/usr/local/sbin/vtisctl' --help >/dev/null"
ktap_check "man page in /usr/local/share/man/man8 (0644)" mode_is /usr/local/share/man/man8/vtisctl.8 644
ktap_check "uapi header in /usr/local/include/linux (0644)" mode_is /usr/local/include/linux/kvm_vtis.h 644
ktap_check "udev rule in /etc/udev/rules.d (0644)" mode_is /etc/udev/rules.d/60-kvm-vtis.rules 644
ktap_check "installed header compiles on its own" \
	sh -c "printf '#include <linux/kvm_vtis.h>\nint main(void){return KVM_VTIS_ATTACH_SIZE_VER0 != sizeof(struct kvm_vtis_attach);}\n' |
	       cc -x c -I'$stage/usr/local/include' -o '$stage/hdr' - && '$stage/hdr'"
ktap_check "make uninstall succeeds" make -s -C "$src" uninstall DESTDIR="$stage"
left=$(find "$stage" -type f ! -name hdr)
[ -z "$left" ] || printf '%s\n' "$left" | ktap_diag
ktap_check "make uninstall leaves no installed file" test -z "$left"
