#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The debug test host really runs with its checkers: KASAN initialized,
# lockdep on and not yet tripped, kmemleak and KUnit present, UBSAN's
# handlers linked in.  Then a first kmemleak scan and "clear", so that the
# final scan (90-kmemleak-lockdep.sh) reports what the tests left behind,
# not what booting left.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

ktap_check "KASAN is on (KernelAddressSanitizer initialized)" \
	sh -c 'dmesg | grep -q "KernelAddressSanitizer initialized"'
ktap_check "lockdep is on (/proc/lockdep exists)" test -r /proc/lockdep
ktap_check "lockdep has found nothing so far (debug_locks 1)" \
	grep -Eq '^ *debug_locks: +1$' /proc/lockdep_stats
ktap_check "UBSAN's handlers are in the kernel" \
	grep -q ' __ubsan_handle_out_of_bounds$' /proc/kallsyms
ktap_check "KUnit is in the kernel (debugfs kunit)" test -d /sys/kernel/debug/kunit
ktap_check "kmemleak is on and scans" sh -c 'echo scan >/sys/kernel/debug/kmemleak'
n=$(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)
echo "# after boot kmemleak suspected $n leaks (cleared)"
ktap_check "kmemleak clear" sh -c 'echo clear >/sys/kernel/debug/kmemleak'
