#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run test layers and print one summary line "N passed, N failed".
# Usage: tests/check.sh [layer...]   (default: every layer, in order)
# A layer is an executable tests/<layer>/run printing "ok - ..." and
# "not ok - ..." lines; a layer that exits non-zero without reporting a
# failure counts as one failure of its own.
set -u
cd "$(dirname "$0")/.." || exit 1

layers=("$@")
if [ ${#layers[@]} -eq 0 ]; then
	for l in build unit kunit fuzz dkms vm vm-6.12 vm-debug bench; do
		[ -x "tests/$l/run" ] && layers+=("$l")
	done
fi

passed=0
failed=0
start=$(date +%s)
for layer in "${layers[@]}"; do
	run=tests/$layer/run
	if [ ! -x "$run" ]; then
		echo "not ok - $layer: $run missing"
		failed=$((failed + 1))
		continue
	fi
	echo "# layer $layer"
	t0=$(date +%s)
	out=$(mktemp)
	"$run" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $layer: exited $rc without reporting a failure"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $layer: ran no test"
		f=1
	fi
	rm -f "$out"
	passed=$((passed + p))
	failed=$((failed + f))
	echo "# layer $layer: $p passed, $f failed in $(($(date +%s) - t0)) s"
done
echo "# total time $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
