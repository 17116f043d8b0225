#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install / make uninstall into a staging root (DESTDIR): every file
# lands where the README says, with the right mode, and uninstall removes
# exactly those files.  Without KVER, make targets the running kernel, and
# says what to do when that kernel's headers are missing.
set -u
. "$(dirname "$0")/lib.bash"
stage=$(mktemp -d)
trap 'rm -rf "$stage" "$src"; ktap_finish' EXIT
# A copy of the checkout: the install builds, and the checkout's own build
# outputs belong to the layers running beside this one.
src=$(mktemp -d)
tar -C "$VTIS_ROOT" --exclude=.git -cf - . | tar -C "$src" -xf -
# The newest installed 6.1, given explicitly: the default is the running
# kernel, whose headers this machine need not have.
kver=$("$VTIS_ROOT/scripts/kernels.sh" 6.1)
make -s -C "$src" clean KVER="$kver" >/dev/null 2>&1
ver=$(cat "$VTIS_ROOT/VERSION")
p=/usr/local
# What an install from before the packaging left: the tools in sbin, first
# on root's PATH; the new install must not leave them to shadow its own.
mkdir -p "$stage$p/sbin"
touch "$stage$p/sbin/vtisctl" "$stage$p/sbin/vtis-qemu-reset"

ktap_check "make install KVER=$kver DESTDIR=... succeeds (PREFIX=$p by default)" \
	sh -c "make -s -C '$src' install KVER='$kver' DESTDIR='$stage' >/dev/null"
mode_is() { [ "$(stat -c %a "$stage$1" 2>/dev/null)" = "$2" ]; }
ktap_check "module in /lib/modules/\$KVER/extra (0644)" mode_is "/lib/modules/$kver/extra/kvm_vtis.ko" 644
ktap_check "the module's version is VERSION's ($ver)" \
	test "$(modinfo -F version "$stage/lib/modules/$kver/extra/kvm_vtis.ko" 2>&1)" = "$ver"
ktap_check "vtisctl in $p/bin (0755)" mode_is $p/bin/vtisctl 755
ktap_check "vtis-qemu-reset in $p/bin (0755)" mode_is $p/bin/vtis-qemu-reset 755
ktap_check "vtis-qemu in $p/bin, a link to vtisctl" \
	test "$(readlink "$stage$p/bin/vtis-qemu")" = vtisctl
ktap_check "no vtisctl or vtis-qemu-reset left in $p/sbin (an old install's)" \
	sh -c "test ! -e '$stage$p/sbin/vtisctl' && test ! -e '$stage$p/sbin/vtis-qemu-reset'"
rmdir "$stage$p/sbin" 2>/dev/null
ktap_check "installed vtisctl runs" sh -c "'$stage$p/bin/vtisctl' --help >/dev/null"
ktap_check "installed vtisctl --version prints vtisctl $ver" \
	test "$("$stage$p/bin/vtisctl" --version 2>&1)" = "vtisctl $ver"
ktap_check "installed vtis-qemu --vtis-version prints vtis-qemu $ver" \
	test "$("$stage$p/bin/vtis-qemu" --vtis-version 2>&1)" = "vtis-qemu $ver"
ktap_check "installed vtis-qemu-reset runs" sh -c "'$stage$p/bin/vtis-qemu-reset' --help >/dev/null"
ktap_check "man page vtisctl.8 in $p/share/man/man8 (0644)" mode_is $p/share/man/man8/vtisctl.8 644
ktap_check "man page vtis-qemu-reset.8 in $p/share/man/man8 (0644)" \
	mode_is $p/share/man/man8/vtis-qemu-reset.8 644
ktap_check "man page vtis-qemu.8 in $p/share/man/man8 (0644)" \
	mode_is $p/share/man/man8/vtis-qemu.8 644
ktap_check "bash completion in $p/share/bash-completion/completions (0644)" \
	mode_is $p/share/bash-completion/completions/vtisctl 644
ktap_check "the bash completion defines the completion of vtisctl" \
	bash -c "complete() { [ \"\$*\" = '-F _vtisctl vtisctl' ]; }; _init_completion() { :; };
		 . '$stage$p/share/bash-completion/completions/vtisctl'"
ktap_check "uapi header in $p/include/linux (0644)" mode_is $p/include/linux/kvm_vtis.h 644
ktap_check "udev rule in /etc/udev/rules.d (0644)" mode_is /etc/udev/rules.d/60-kvm-vtis.rules 644
ktap_check "modules-load.d file in /etc/modules-load.d (0644)" mode_is /etc/modules-load.d/kvm-vtis.conf 644
ktap_check "it loads kvm_vtis at boot (one module named)" \
	test "$(grep -v '^#' "$stage/etc/modules-load.d/kvm-vtis.conf" | grep .)" = kvm_vtis
ktap_check "installed header compiles on its own" \
	sh -c "printf '#include <linux/kvm_vtis.h>\nint main(void){return KVM_VTIS_ATTACH_SIZE_VER1 != sizeof(struct kvm_vtis_attach);}\n' |
	       cc -x c -I'$stage$p/include' -o '$stage/hdr' - && '$stage/hdr'"
ktap_check "make uninstall succeeds" make -s -C "$src" uninstall KVER="$kver" DESTDIR="$stage"
left=$(find "$stage" -type f ! -name hdr)
[ -z "$left" ] || printf '%s\n' "$left" | ktap_diag
ktap_check "make uninstall leaves no installed file" test -z "$left"

# PREFIX=/usr: the tools go to /usr/bin, the rest follows PREFIX.
ktap_check "make install-tools PREFIX=/usr puts vtisctl in /usr/bin" \
	sh -c "make -s -C '$src' install-tools PREFIX=/usr DESTDIR='$stage/usr-prefix' >/dev/null &&
	       test -x '$stage/usr-prefix/usr/bin/vtisctl' &&
	       test -f '$stage/usr-prefix/usr/share/man/man8/vtisctl.8'"

# The default kernel is the running one; a kernel without headers gets a
# message that names the package and KVER, and the build stops there.
nohdr=0.0.0-vtis-no-such-kernel
make -C "$src" module KVER=$nohdr >"$stage/nohdr.out" 2>&1
rc=$?
ktap_check "make for a kernel without headers fails" test "$rc" -ne 0
ktap_check "... and says: apt-get install linux-headers-\$KVER, or KVER=" \
	sh -c "grep -q 'apt-get install linux-headers-$nohdr' '$stage/nohdr.out' &&
	       grep -q 'KVER=' '$stage/nohdr.out' || { cat '$stage/nohdr.out'; exit 1; }"
# (KDIR pointing nowhere: whatever the running kernel has, nothing builds.)
ktap_check "KVER defaults to the running kernel (uname -r)" \
	sh -c "make -s -C '$src' module KDIR=/nonexistent 2>&1 | grep -q 'kernel $(uname -r) at'"
