#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A Debian 13 (trixie) root for building and booting kvm_vtis on Debian
# 13's own kernel: debootstrap's minimal system plus gcc, make, and the
# linux-image-amd64 and linux-headers-amd64 of trixie; and what a Debian 13
# host that installs the kvm-vtis packages has (dkms, systemd, udev, kmod,
# swtpm; tests/dkms/run installs them into an overlay of this root and
# boots the test host on it).  The machine's own system is not touched.  Built once and cached (outside the checkout);
# prints its path.  Needs root and network access the first time.
# Usage: scripts/trixie-root.sh
set -euo pipefail
cache=${VTIS_CACHE:-/var/cache/kvm-vtis}
pkgs="make gcc libc6-dev linux-image-amd64 linux-headers-amd64
      dkms systemd udev kmod procps util-linux swtpm swtpm-tools python3"
key=$(echo "trixie $pkgs" | sha256sum | cut -c1-12)
root=$cache/trixie-root-$key
if [ ! -d "$root/lib/modules" ] || ! ls -d "$root"/lib/modules/*/build >/dev/null 2>&1; then
	command -v debootstrap >/dev/null || {
		echo "trixie-root: debootstrap is missing (scripts/install-deps.sh installs it)" >&2
		exit 1
	}
	tmp=$root.tmp
	rm -rf "$tmp"
	mkdir -p "$cache"
	debootstrap --variant=minbase trixie "$tmp" http://deb.debian.org/debian >&2
	chroot "$tmp" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $pkgs >&2
	chroot "$tmp" apt-get clean
	rm -rf "$root"
	mv "$tmp" "$root"
fi
echo "$root"
