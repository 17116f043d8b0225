# SPDX-License-Identifier: GPL-2.0
# The kernels the tests boot, and building modules for them (sourced by
# bash).  One place decides where a test kernel comes from and how a
# module is built and checked for it:
#
#   vtis_kernel NAME            resolve a test kernel; sets
#       VTIS_K_NAME   6.1 | 6.12 | debug | the KVER given
#       VTIS_K_VER    its release (uname -r)
#       VTIS_K_ROOT   the root holding boot/vmlinuz-VER and lib/modules/VER
#                     ("" for this machine's own /)
#       VTIS_K_DIR    its build tree (for M= builds), as seen from
#       VTIS_K_CHROOT the root to build in ("" for this machine)
#     NAME: 6.1 (this machine's newest Debian 12 kernel with headers),
#     6.12 (Debian 13's own, in the trixie root scripts/trixie-root.sh
#     makes, built with its gcc-14), debug (scripts/debug-kernel.sh: KASAN,
#     lockdep, kmemleak, UBSAN, KUnit), or a KVER installed on this machine.
#     Prints why on stderr and returns 1 when the kernel is not there.
#
#   vtis_build_module WHAT      build kvm_vtis.ko (WHAT=module) or the
#                               KUnit suites' kvm_vtis_kunit.ko (WHAT=kunit)
#       from this checkout ($VTIS_SRC, default: the checkout holding this
#       file) for the resolved kernel, in a copy of the sources under the
#       cache (inside VTIS_K_CHROOT when there is one), keyed by the
#       sources' content, so that runs and parallel test hosts share one
#       build.  The build must be free of compiler and modpost warnings and
#       the module's vermagic must name VTIS_K_VER.  Prints the module's
#       path on this machine; on failure prints the build log's tail on
#       stderr and returns 1.

VTIS_SRC=${VTIS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VTIS_CACHE=${VTIS_CACHE:-/var/cache/kvm-vtis}

vtis_kernel() {
	local name=$1 root
	VTIS_K_NAME=$name
	VTIS_K_ROOT=
	VTIS_K_CHROOT=
	case "$name" in
	6.1)
		VTIS_K_VER=$("$VTIS_SRC/scripts/kernels.sh" 6.1)
		[ -n "$VTIS_K_VER" ] || {
			echo "no Debian 12 kernel 6.1 with headers (scripts/install-deps.sh)" >&2
			return 1
		}
		;;
	6.12)
		root=$("$VTIS_SRC/scripts/trixie-root.sh" 2>"$VTIS_CACHE/trixie-root.log") || {
			echo "no Debian 13 root with its kernel (scripts/trixie-root.sh):" >&2
			tail -n 20 "$VTIS_CACHE/trixie-root.log" >&2
			return 1
		}
		VTIS_K_ROOT=$root
		VTIS_K_CHROOT=$root
		VTIS_K_VER=$(ls "$root/lib/modules" | sort -V | tail -n 1)
		;;
	debug)
		root=$("$VTIS_SRC/scripts/debug-kernel.sh" 2>"$VTIS_CACHE/debug-kernel.log") || {
			echo "the debug kernel does not build (scripts/debug-kernel.sh):" >&2
			tail -n 20 "$VTIS_CACHE/debug-kernel.log" >&2
			return 1
		}
		VTIS_K_ROOT=$root
		VTIS_K_VER=$(cat "$root/kver")
		VTIS_K_DIR=$root/lib/modules/$VTIS_K_VER/build
		return 0
		;;
	*)
		VTIS_K_VER=$name
		[ -d "/lib/modules/$name/build" ] || {
			echo "no kernel $name with headers on this machine" >&2
			return 1
		}
		;;
	esac
	VTIS_K_DIR=/lib/modules/$VTIS_K_VER/build
}

# The sources a module build takes from the checkout, relative to it.
vtis_module_sources() {
	case "$1" in
	module) echo Kbuild VERSION kmod uapi ;;
	kunit) echo tests/kunit kmod/tis.c kmod/tis.h kmod/tis_shim.h kmod/crb.c kmod/crb.h ;;
	esac
}

vtis_build_module() {
	local what=$1 srcs key dir inside log ko f rc
	srcs=$(vtis_module_sources "$what")
	[ -n "$srcs" ] || { echo "vtis_build_module: module or kunit, not '$what'" >&2; return 1; }
	key=$( (echo "$what $VTIS_K_NAME $VTIS_K_VER"; cd "$VTIS_SRC" &&
		find $srcs -type f ! -name '*.o' ! -name '.*' ! -name '*.ko' \
			! -name '*.mod*' ! -name compat_probed.h | sort |
		xargs sha256sum) | sha256sum | cut -c1-16)
	# Outside the checkout and outside /tmp (the test host has its own).
	inside=$VTIS_CACHE/build/$what-$VTIS_K_VER-$key
	dir=$VTIS_K_CHROOT$inside
	ko=$dir/kvm_vtis.ko
	[ "$what" = kunit ] && ko=$dir/kvm_vtis_kunit.ko
	mkdir -p "$(dirname "$dir")" || return 1
	# Parallel test hosts of one kernel build once; the others wait here.
	(
		flock 9
		[ -f "$dir/.built" ] && exit 0
		rm -rf "$dir"
		mkdir -p "$dir" || exit 1
		# The KUnit files sit beside the core they test.
		for f in $srcs; do
			case "$what:$f" in
			kunit:tests/kunit) cp -r "$VTIS_SRC/$f/." "$dir/" ;;
			*) cp -r "$VTIS_SRC/$f" "$dir/" ;;
			esac || exit 1
		done
		rm -f "$dir"/kmod/*.o "$dir"/kmod/.*.cmd "$dir"/kmod/compat_probed.h
		log=$dir/build.log
		${VTIS_K_CHROOT:+chroot "$VTIS_K_CHROOT"} make -C "$VTIS_K_DIR" \
			M="$inside" CONFIG_DEBUG_INFO_BTF_MODULES= \
			modules >"$log" 2>&1
		rc=$?
		if [ $rc -ne 0 ] || grep -Eq '(warning|error):|WARNING:' "$log" ||
		   ! modinfo -F vermagic "$ko" 2>/dev/null | grep -q "^$VTIS_K_VER "; then
			echo "building $what for $VTIS_K_VER (in $dir):" >&2
			tail -n 30 "$log" >&2
			exit 1
		fi
		touch "$dir/.built"
	) 9>>"$dir.lock" || return 1
	# Builds nobody used for a week go.
	find "$(dirname "$dir")" -maxdepth 1 -mindepth 1 -type d -mtime +7 \
		-exec rm -rf {} + 2>/dev/null
	touch "$dir"
	echo "$ko"
}
