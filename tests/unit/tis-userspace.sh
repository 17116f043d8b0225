#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The TIS core (kmod/tis.c) and the CRB core (kmod/crb.c) built in
# userspace, unchanged, through kmod/tis_shim.h, and a smoke program
# replaying a TPM 2.0 command sequence against the TIS core.

set -u
. "$(dirname "$0")/lib.bash"

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CC=${CC:-gcc}
CFLAGS=(-O2 -g -Wall -Wextra -Werror -I "$TOP/tests/lib")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"; ktap_finish' EXIT

result() {
	local rc=$1 what=$2 log=$3
	ktap_result "$rc" "tis-userspace.$what"
	[ "$rc" -eq 0 ] || head -n 40 "$log" | ktap_diag
}

# 1. each core, as the fuzzing and unit layers build it (gcc), stricter
# (C99 pedantic and extra warnings) and with clang; the TIS core's objects
# are tis*.o, the CRB core's (kmod/crb.c, on tis.h's TPM definitions)
# crb*.o, its results "crb-" first
for core in tis crb; do
	pre=
	[ $core = tis ] || pre=$core-
	$CC "${CFLAGS[@]}" -I "$TOP/kmod" -c "$TOP/kmod/$core.c" -o "$tmp/$core.o" \
		>"$tmp/$core-cc.log" 2>&1
	result $? "${pre}compile-gcc" "$tmp/$core-cc.log"
	$CC -std=c99 -pedantic "${CFLAGS[@]}" -Wshadow -Wstrict-prototypes \
		-Wmissing-prototypes -Wcast-qual -Wpointer-arith -Wundef \
		-I "$TOP/kmod" -c "$TOP/kmod/$core.c" -o "$tmp/$core-strict.o" \
		>"$tmp/$core-strict.log" 2>&1
	result $? "${pre}compile-strict" "$tmp/$core-strict.log"
	if command -v clang >/dev/null; then
		clang "${CFLAGS[@]}" -I "$TOP/kmod" -c "$TOP/kmod/$core.c" \
			-o "$tmp/$core-clang.o" >"$tmp/$core-clang.log" 2>&1
		result $? "${pre}compile-clang" "$tmp/$core-clang.log"
	fi
done

# 2. the smoke program, linked with the TIS object from step 1
if [ -f "$tmp/tis.o" ]; then
	$CC "${CFLAGS[@]}" -I "$TOP/kmod" "$HERE/tis_smoke.c" "$tmp/tis.o" \
		-o "$tmp/tis_smoke" >"$tmp/link.log" 2>&1
	result $? "link-smoke" "$tmp/link.log"
	[ -x "$tmp/tis_smoke" ] && ktap_run "" "$tmp/tis_smoke"
fi

# 3. the same under AddressSanitizer and UBSan, if the compiler has them
if $CC -fsanitize=address,undefined -x c - -o "$tmp/probe" \
	<<<'int main(void){return 0;}' >/dev/null 2>&1; then
	$CC "${CFLAGS[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
		-I "$TOP/kmod" "$HERE/tis_smoke.c" "$TOP/kmod/tis.c" \
		-o "$tmp/tis_smoke_san" >"$tmp/san.log" 2>&1 &&
		"$tmp/tis_smoke_san" >>"$tmp/san.log" 2>&1
	result $? "smoke-sanitizers" "$tmp/san.log"
fi

