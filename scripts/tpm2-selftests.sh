#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Linux's own TPM 2.0 selftests (tools/testing/selftests/tpm2 of Debian's
# linux-source-6.1: tpm2.py, tpm2_tests.py and their scripts), which the
# Linux-guest tests run against the guest's /dev/tpm0 and /dev/tpmrm0
# (tests/vm/guest/tpm2-selftests.py).  Extracted once from the source
# package's tarball and cached (outside the checkout); prints the folder.
# Usage: scripts/tpm2-selftests.sh
# Environment: VTIS_CACHE (cache root, default /var/cache/kvm-vtis),
#   VTIS_LINUX_SOURCE (the source tarball).
set -euo pipefail
die() { echo "tpm2-selftests: $*" >&2; exit 1; }
cache=${VTIS_CACHE:-/var/cache/kvm-vtis}
tarball=${VTIS_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
member=linux-source-6.1/tools/testing/selftests/tpm2
version=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
	die "linux-source-6.1 is not installed (scripts/install-deps.sh installs it)"
dir=$cache/tpm2-selftests-$version
if [ ! -f "$dir/tpm2_tests.py" ]; then
	[ -r "$tarball" ] || die "no $tarball (install linux-source-6.1)"
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/tpm2-selftests.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar xJf "$tarball" -C "$tmp" "$member" || die "cannot extract $member from $tarball"
	[ -f "$tmp/$member/tpm2_tests.py" ] || die "$tarball has no $member/tpm2_tests.py"
	chmod -R a+rX "$tmp/$member"
	# Two runs may extract at once: the first rename wins.
	mv -T "$tmp/$member" "$dir" 2>/dev/null || [ -f "$dir/tpm2_tests.py" ] ||
		die "cannot create $dir"
fi
echo "$dir"
