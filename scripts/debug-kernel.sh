#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once) the debug test host's kernel and print its kernel root.
#
# The kernel is Debian's linux-source-6.1 configured as x86_64_defconfig
# plus tests/vm-debug/debug.config: KASAN, lockdep (PROVE_LOCKING),
# kmemleak, UBSAN, DEBUG_ATOMIC_SLEEP, KUnit, KVM and KVM_AMD as modules.
# The result is cached, keyed by the fragment, the layout below and the source
# package's version, under VTIS_CACHE/debug-kernel-KEY:
#   src/    a hard-link copy of the source tree, as the package ships it
#   build/  the kernel's object tree (make O=), for external modules (M=)
#   root/   boot/vmlinuz-KVER and lib/modules/KVER/ (modules_install):
#           the test kernel of tests/vm/run --kernel debug
# Prints ROOT on stdout (and the kernel release in ROOT/kver); progress
# and errors go to stderr.  A second run only prints ROOT.
#
# Usage: scripts/debug-kernel.sh [--key]   (--key: print the cache key only)
# Environment: VTIS_CACHE (cache root, default /var/cache/kvm-vtis),
#   VTIS_LINUX_SOURCE (the source tarball), VTIS_DEBUG_JOBS (make -j,
#   default 2), VTIS_HEAVY_LOCK (lock file held while building, default
#   /var/lock/kvm-vtis-heavy.lock; empty: no lock).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${VTIS_CACHE:-/var/cache/kvm-vtis}
tarball=${VTIS_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
fragment=$root/tests/vm-debug/debug.config
jobs=${VTIS_DEBUG_JOBS:-2}
lock=${VTIS_HEAVY_LOCK-/var/lock/kvm-vtis-heavy.lock}

die() { echo "debug-kernel: $*" >&2; exit 1; }
say() { echo "debug-kernel: $*" >&2; }

[ -r "$fragment" ] || die "no config fragment $fragment"
version=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null)
[ -n "$version" ] || die "linux-source-6.1 is not installed (scripts/install-deps.sh)"
# Bump "layout" when what this script builds or installs changes.
key=$( (echo "linux-source-6.1 $version layout 1"; cat "$fragment") | sha256sum | cut -c1-12)
[ "${1:-}" = --key ] && { echo "$key"; exit 0; }
dir=$cache/debug-kernel-$key
if [ -f "$dir/root/.complete" ]; then
	echo "$dir/root"
	exit 0
fi

for tool in make gcc flex bison bc perl; do
	command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh build)"
done
if [ -n "$lock" ]; then
	exec 9>>"$lock" || die "cannot open $lock"
	flock 9
	# Someone else may have built it while we waited.
	if [ -f "$dir/root/.complete" ]; then
		echo "$dir/root"
		exit 0
	fi
fi
mkdir -p "$dir" || die "cannot create $dir"
src=$dir/src
build=$dir/build
start=$(date +%s)

# The source tree, as the package ships it.  A hard-link copy of the
# extracted tree in the cache when that is of the same version (other
# layers wire their own files into that one), else a fresh extraction.
if [ ! -f "$src/Makefile" ]; then
	rm -rf "$src" "$src.tmp"
	shared=$cache/linux-source-6.1
	if [ "$(cut -d' ' -f1 "$shared/.vtis-source-key" 2>/dev/null)" = "$version" ]; then
		say "copying (hard links) $shared"
		cp -al "$shared" "$src.tmp" || die "cannot copy $shared"
		# Undo what tests/kunit/run adds; sed -i writes new files, so
		# the shared tree keeps its own.
		rm -rf "$src.tmp/drivers/misc/kvm_vtis_kunit"
		sed -i '/kvm_vtis_kunit/d' "$src.tmp/drivers/misc/Kconfig" \
			"$src.tmp/drivers/misc/Makefile" || die "cannot clean the copied tree"
	else
		[ -r "$tarball" ] || die "no $tarball (install linux-source-6.1)"
		say "extracting $tarball"
		mkdir -p "$src.tmp.x" && tar xJf "$tarball" -C "$src.tmp.x" &&
			mv "$src.tmp.x/linux-source-6.1" "$src.tmp" && rmdir "$src.tmp.x" ||
			die "cannot extract $tarball"
	fi
	mv "$src.tmp" "$src" || die "cannot move the source tree in place"
fi

# Configuration: x86_64_defconfig, then the fragment on top; every line
# of the fragment must survive olddefconfig (a dependency it misses would
# otherwise silently drop an option).
mkdir -p "$build"
log=$dir/build.log
say "configuring in $build (log: $log)"
{ make -C "$src" O="$build" x86_64_defconfig &&
  grep -E '^(CONFIG_|# CONFIG_)' "$fragment" >>"$build/.config" &&
  make -C "$src" O="$build" olddefconfig; } >"$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "configuration failed"; }
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line; opt=${line%%=*} ;;
	"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}; want=$line ;;
	*) continue ;;
	esac
	got=$(grep -E "^($opt=|# $opt is not set)" "$build/.config" | tail -n 1)
	# An option "not set" may also vanish when its menu is off.
	if [ "$got" != "$want" ] && ! { [ -z "$got" ] && [ "${want#\# }" != "$want" ]; }; then
		say "config: wanted '$want', got '${got:-nothing}'"
		missing=1
	fi
done <"$fragment"
[ $missing = 0 ] || die "the fragment does not apply to this kernel"

say "building with -j$jobs (log: $log)"
make -C "$src" O="$build" -j"$jobs" bzImage modules >>"$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; die "kernel build failed"; }
kver=$(cat "$build/include/config/kernel.release" 2>/dev/null)
[ -n "$kver" ] || die "no kernel release in $build"

stage=$dir/root.tmp
rm -rf "$stage" "$dir/root"
mkdir -p "$stage/boot"
make -C "$src" O="$build" INSTALL_MOD_PATH="$stage" modules_install >>"$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "modules_install failed"; }
cp "$build/arch/x86/boot/bzImage" "$stage/boot/vmlinuz-$kver" &&
	cp "$build/System.map" "$stage/boot/System.map-$kver" &&
	cp "$build/.config" "$stage/boot/config-$kver" ||
	die "cannot install the kernel image"
# The build link points at the object tree, which stays in the cache.
ln -sfn "$build" "$stage/lib/modules/$kver/build"
rm -f "$stage/lib/modules/$kver/source"
echo "$kver" >"$stage/kver"
echo "$(($(date +%s) - start)) s with -j$jobs" >"$stage/.complete"
mv "$stage" "$dir/root" || die "cannot move the kernel root in place"
say "done in $(cat "$dir/root/.complete")"
echo "$dir/root"
