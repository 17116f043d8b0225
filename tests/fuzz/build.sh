#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the TIS core fuzzer: kmod/tis.c, unchanged, through kmod/tis_shim.h
# (as tests/unit/tis-userspace.sh builds it), linked with tests/fuzz/tis_fuzz.c;
# and the CRB core's: kmod/crb.c with tests/fuzz/crb_fuzz.c.
#   OUTDIR/tis_fuzz      libFuzzer + AddressSanitizer + UBSan
#   OUTDIR/tis_fuzz_cov  libFuzzer + clang source-based coverage (for
#                        llvm-cov line figures of kmod/tis.c)
#   OUTDIR/crb_fuzz      libFuzzer + AddressSanitizer + UBSan
# Usage: tests/fuzz/build.sh OUTDIR      (CC defaults to clang)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: build.sh OUTDIR}
CC=${FUZZ_CC:-clang}
CFLAGS=(-g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -I "$TOP/kmod")
SRCS=("$HERE/tis_fuzz.c" "$TOP/kmod/tis.c")

mkdir -p "$OUT"
"$CC" "${CFLAGS[@]}" -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all "${SRCS[@]}" -o "$OUT/tis_fuzz"
"$CC" "${CFLAGS[@]}" -fsanitize=fuzzer -fprofile-instr-generate \
	-fcoverage-mapping "${SRCS[@]}" -o "$OUT/tis_fuzz_cov"
"$CC" "${CFLAGS[@]}" -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all "$HERE/crb_fuzz.c" "$TOP/kmod/crb.c" \
	-o "$OUT/crb_fuzz"
