#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages that building and testing kvm_vtis need, and
# nothing else.  Idempotent: packages already present are not touched.
# Usage: scripts/install-deps.sh [build|test]   (default: test)
set -euo pipefail

build_pkgs=(build-essential bc flex bison libelf-dev libssl-dev kmod
	    linux-headers-amd64 sparse python3 dkms udev procps)
test_pkgs=(linux-image-amd64 qemu-system-x86 qemu-utils swtpm swtpm-tools
	   tpm2-tools acpica-tools busybox-static cpio linux-source-6.1
	   gcc-multilib debootstrap clang llvm libclang-rt-14-dev gnuplot-nox
	   debhelper dh-dkms dpkg-dev lintian socat libvirt-daemon-system
	   libvirt-clients ovmf grub-efi-amd64-signed mtools fdisk)

want=("${build_pkgs[@]}")
[ "${1:-test}" = test ] && want+=("${test_pkgs[@]}")

# The second supported kernel, Linux 6.12 (the series Debian 13 ships, as
# Debian 12 packages it: linux-image/headers-6.12.*+deb12-amd64).  Tests
# boot it in the test host only; installing it changes nothing else.
if [ "${1:-test}" = test ] && [ -z "$("$(dirname "$0")"/kernels.sh 6.12)" ]; then
	[ "$(id -u)" -eq 0 ] && apt-get update -qq
	k612=$(apt-cache pkgnames linux-image-6.12. 2>/dev/null |
		grep -E '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' | sort -V | tail -n 1)
	if [ -z "$k612" ]; then
		echo "install-deps: no linux-image-6.12.*+deb12-amd64 package is known to apt" >&2
		exit 1
	fi
	want+=("$k612" "${k612/linux-image-/linux-headers-}")
fi

missing=()
for p in "${want[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Packages with daemons (libvirt's) are installed, not started: a
# policy-rc.d that says no, unless the machine has one of its own.
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
