#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages: built from a copy of the checkout with
# "dpkg-buildpackage -us -uc -b", lintian finds no error or warning, and
# each package holds what the README and docs/usage.md promise, at the
# version VERSION names (tests/lib/build-debs.sh builds them).  tests/dkms/run
# installs, uses and purges them.
set -u
. "$(dirname "$0")/lib.bash"
work=$(mktemp -d)
trap 'rm -rf "$work"; ktap_finish' EXIT
ver=$(cat "$VTIS_ROOT/VERSION")

ktap_check "dpkg-buildpackage -us -uc -b succeeds (tracked files only)" \
	"$VTIS_ROOT/tests/lib/build-debs.sh" "$work"
for p in kvm-vtis-dkms_${ver}_all kvm-vtis-tools_${ver}_amd64 kvm-vtis-dev_${ver}_all; do
	ktap_check "package $p.deb built" test -f "$work/$p.deb"
done
ktap_check "lintian: no error or warning" \
	sh -c "lintian --allow-root --fail-on error,warning '$work'/kvm-vtis_${ver}_amd64.changes"

# has PKG PATH...: every PATH is in PKG's file list
has() {
	local pkg=$1 list f miss=
	shift
	list=$(dpkg-deb -c "$work/$pkg" 2>/dev/null | awk '{print $6}' | sed 's|^\./|/|')
	for f in "$@"; do
		grep -qx "$f" <<<"$list" || miss+=" $f"
	done
	[ -z "$miss" ] || { echo "missing:$miss"; return 1; }
}
tools=kvm-vtis-tools_${ver}_amd64.deb
dkms=kvm-vtis-dkms_${ver}_all.deb
ktap_check "tools: vtisctl, vtis-qemu and vtis-qemu-reset in /usr/bin" \
	has "$tools" /usr/bin/vtisctl /usr/bin/vtis-qemu /usr/bin/vtis-qemu-reset
ktap_check "tools: man pages, bash completion" \
	has "$tools" /usr/share/man/man8/vtisctl.8.gz /usr/share/man/man8/vtis-qemu-reset.8.gz \
	/usr/share/man/man8/vtis-qemu.8.gz \
	/usr/share/bash-completion/completions/vtisctl
ktap_check "tools: udev rule in /usr/lib/udev/rules.d" \
	has "$tools" /usr/lib/udev/rules.d/60-kvm-vtis.rules
ktap_check "dkms: the module loaded at boot (with the package that has it)" \
	has "kvm-vtis-dkms_${ver}_all.deb" /usr/lib/modules-load.d/kvm-vtis.conf
ktap_check "dev: the uapi header" \
	has "kvm-vtis-dev_${ver}_all.deb" /usr/include/linux/kvm_vtis.h
ktap_check "dkms: the module's sources in /usr/src/kvm_vtis-$ver" \
	has "$dkms" "/usr/src/kvm_vtis-$ver/dkms.conf" "/usr/src/kvm_vtis-$ver/Kbuild" \
	"/usr/src/kvm_vtis-$ver/VERSION" "/usr/src/kvm_vtis-$ver/kmod/main.c" \
	"/usr/src/kvm_vtis-$ver/uapi/linux/kvm_vtis.h"
mkdir "$work/dkms"
dpkg-deb -x "$work/$dkms" "$work/dkms" 2>/dev/null
conf=$work/dkms/usr/src/kvm_vtis-$ver/dkms.conf
ktap_check "dkms.conf names version $ver" grep -qx "PACKAGE_VERSION=\"$ver\"" "$conf"
ktap_check "dkms.conf skips kernels it does not support (BUILD_EXCLUSIVE_*)" \
	sh -c "grep -q '^BUILD_EXCLUSIVE_KERNEL=' '$conf' && grep -q '^BUILD_EXCLUSIVE_CONFIG=\"CONFIG_KVM\"' '$conf'"
ktap_check "dkms package depends on dkms" \
	sh -c "dpkg-deb -f '$work/$dkms' Depends | grep -q dkms"
ktap_check "packaged vtisctl says version $ver" \
	sh -c "dpkg-deb -x '$work/$tools' '$work/tools' && [ \"\$('$work/tools/usr/bin/vtisctl' --version)\" = 'vtisctl $ver' ]"
