#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install / make uninstall into a staging root (DESTDIR): every file
# lands where the README says, with the right mode, and uninstall removes
# exactly those files.
set -u
. "$(dirname "$0")/lib.bash"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# The Makefile's default kernel: the newest installed 6.1.
kver=$("$VTIS_ROOT/scripts/kernels.sh" 6.1)

check "make install DESTDIR=... PREFIX=/usr/local succeeds" \
	sh -c "make -s -C '$VTIS_ROOT' install DESTDIR='$stage' >/dev/null"
mode_is() { [ "$(stat -c %a "$stage$1" 2>/dev/null)" = "$2" ]; }
check "module in /lib/modules/\$KVER/extra (0644)" mode_is "/lib/modules/$kver/extra/kvm_vtis.ko" 644
check "vtisctl in /usr/local/sbin (0755)" mode_is /usr/local/sbin/vtisctl 755
check "installed vtisctl runs" sh -c "'$stage/usr/local/sbin/vtisctl' --help >/dev/null"
check "man page in /usr/local/share/man/man8 (0644)" mode_is /usr/local/share/man/man8/vtisctl.8 644
check "uapi header in /usr/local/include/linux (0644)" mode_is /usr/local/include/linux/kvm_vtis.h 644
check "udev rule in /etc/udev/rules.d (0644)" mode_is /etc/udev/rules.d/60-kvm-vtis.rules 644
check "installed header compiles on its own" \
	sh -c "printf '#include <linux/kvm_vtis.h>\nint main(void){return KVM_VTIS_ATTACH_SIZE_VER0 != sizeof(struct kvm_vtis_attach);}\n' |
	       cc -x c -I'$stage/usr/local/include' -o '$stage/hdr' - && '$stage/hdr'"
check "make uninstall succeeds" make -s -C "$VTIS_ROOT" uninstall DESTDIR="$stage"
left=$(find "$stage" -type f ! -name hdr)
[ -z "$left" ] || printf '%s\n' "$left" | diag
check "make uninstall leaves no installed file" test -z "$left"
unit_done
