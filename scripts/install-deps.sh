#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages that building and testing kvm_vtis need, and
# nothing else.  Idempotent: packages already present are not touched.
# Usage: scripts/install-deps.sh [build|test]   (default: test)
set -euo pipefail

build_pkgs=(build-essential bc flex bison libelf-dev libssl-dev kmod
	    linux-headers-amd64 sparse python3)
test_pkgs=(linux-image-amd64 qemu-system-x86 qemu-utils swtpm swtpm-tools
	   tpm2-tools acpica-tools busybox-static cpio linux-source-6.1
	   gcc-multilib)

want=("${build_pkgs[@]}")
[ "${1:-test}" = test ] && want+=("${test_pkgs[@]}")

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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
