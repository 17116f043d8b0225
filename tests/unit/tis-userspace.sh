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

# 1. the object, exactly as the fuzzing and unit layers link it
$CC "${CFLAGS[@]}" -I "$TOP/kmod" -c "$TOP/kmod/tis.c" -o "$tmp/tis.o" \
	>"$tmp/cc.log" 2>&1
result $? "compile-gcc" "$tmp/cc.log"

# 2. stricter: C99 pedantic and extra warnings
$CC -std=c99 -pedantic "${CFLAGS[@]}" -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wcast-qual -Wpointer-arith -Wundef \
	-I "$TOP/kmod" -c "$TOP/kmod/tis.c" -o "$tmp/tis-strict.o" \
	>"$tmp/strict.log" 2>&1
result $? "compile-strict" "$tmp/strict.log"

if command -v clang >/dev/null; then
	clang "${CFLAGS[@]}" -I "$TOP/kmod" -c "$TOP/kmod/tis.c" -o "$tmp/tis-clang.o" \
		>"$tmp/clang.log" 2>&1
	result $? "compile-clang" "$tmp/clang.log"
fi

# 3. the smoke program, linked with the object from step 1
if [ -f "$tmp/tis.o" ]; then
	$CC "${CFLAGS[@]}" -I "$TOP/kmod" "$HERE/tis_smoke.c" "$tmp/tis.o" \
		-o "$tmp/tis_smoke" >"$tmp/link.log" 2>&1
	result $? "link-smoke" "$tmp/link.log"
	[ -x "$tmp/tis_smoke" ] && ktap_run "" "$tmp/tis_smoke"
fi

# 4. the same under AddressSanitizer and UBSan, if the compiler has them
if $CC -fsanitize=address,undefined -x c - -o "$tmp/probe" \
	<<<'int main(void){return 0;}' >/dev/null 2>&1; then
	$CC "${CFLAGS[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
		-I "$TOP/kmod" "$HERE/tis_smoke.c" "$TOP/kmod/tis.c" \
		-o "$tmp/tis_smoke_san" >"$tmp/san.log" 2>&1 &&
		"$tmp/tis_smoke_san" >>"$tmp/san.log" 2>&1
	result $? "smoke-sanitizers" "$tmp/san.log"
fi


# 5. the CRB core (kmod/crb.c, on tis.h's TPM definitions), built the same
# ways: it too must build in userspace unchanged
$CC -std=c99 -pedantic "${CFLAGS[@]}" -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wcast-qual -Wpointer-arith -Wundef \
	-I "$TOP/kmod" -c "$TOP/kmod/crb.c" -o "$tmp/crb-strict.o" \
	>"$tmp/crb-strict.log" 2>&1
result $? "crb-compile-strict" "$tmp/crb-strict.log"
if command -v clang >/dev/null; then
	clang "${CFLAGS[@]}" -I "$TOP/kmod" -c "$TOP/kmod/crb.c" -o "$tmp/crb-clang.o" \
		>"$tmp/crb-clang.log" 2>&1
	result $? "crb-compile-clang" "$tmp/crb-clang.log"
fi
