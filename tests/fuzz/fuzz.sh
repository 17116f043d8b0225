#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz the TIS core for FUZZ_TIME seconds (default 600) with one libFuzzer
# job on a corpus kept in the cache (seeded from tests/fuzz/corpus), then
# print executions, coverage (libFuzzer's cov:/ft: and llvm-cov's line
# coverage of kmod/tis.c over the whole corpus) and crashes.  Crash inputs
# are kept in the cache's fuzz-crashes directory; exit status 1 if any was
# found in this run.  Takes the heavy-work lock itself; the last run's
# libFuzzer log stays in the cache as fuzz-last.log.
#
# Environment: FUZZ_TIME (seconds), VTIS_CACHE (cache root).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CACHE=${VTIS_CACHE:-/var/cache/kvm-vtis}
CORPUS=$CACHE/fuzz-corpus
CRASHES=$CACHE/fuzz-crashes
LOCK=/var/lock/kvm-vtis-heavy.lock
FUZZ_TIME=${FUZZ_TIME:-600}

case $FUZZ_TIME in
'' | *[!0-9]*) echo "fuzz: FUZZ_TIME must be a number of seconds" >&2; exit 2 ;;
esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

echo "# building the fuzzer"
"$HERE/build.sh" "$tmp/bin" || { echo "fuzz: build failed" >&2; exit 1; }
mkdir -p "$CORPUS" "$CRASHES" || exit 1
cp -n "$HERE"/corpus/* "$CORPUS"/ || exit 1

exec 9>>"$LOCK" || exit 1
flock 9
before=$(find "$CRASHES" -type f | wc -l)
echo "# fuzzing for $FUZZ_TIME s, 1 job, corpus $CORPUS ($(find "$CORPUS" -type f | wc -l) inputs)"
(cd "$tmp" && "$tmp/bin/tis_fuzz" -jobs=1 -workers=1 \
	-max_total_time="$FUZZ_TIME" -max_len=8192 -print_final_stats=1 \
	-artifact_prefix="$CRASHES/" "$CORPUS" >"$tmp/main.log" 2>&1)
rc=$?
log=$tmp/fuzz-0.log
[ -f "$log" ] || log=$tmp/main.log
cp "$log" "$CACHE/fuzz-last.log" 2>/dev/null

# libFuzzer's final figures
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
[ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+[[:space:]]+(pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1)
execs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -n 1)
eps=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log" | tail -n 1)
cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' <<<"$done_line")
ft=$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' <<<"$done_line")
grep '^stat::' "$log"
echo "executions: ${execs:-?} (${eps:-?}/s)"
echo "coverage: cov: ${cov:-?} ft: ${ft:-?} corpus: $(find "$CORPUS" -type f | wc -l) inputs"

# line coverage of kmod/tis.c over the whole corpus (source-based)
(cd "$tmp" && LLVM_PROFILE_FILE="$tmp/cov.profraw" "$tmp/bin/tis_fuzz_cov" \
	-runs=0 "$CORPUS" >"$tmp/cov.log" 2>&1)
if llvm-profdata merge -sparse "$tmp/cov.profraw" -o "$tmp/cov.profdata" 2>/dev/null &&
	llvm-cov report "$tmp/bin/tis_fuzz_cov" -instr-profile="$tmp/cov.profdata" \
		"$TOP/kmod/tis.c" >"$tmp/report" 2>/dev/null; then
	echo "llvm-cov kmod/tis.c (regions, functions, lines, branches):"
	grep -E '^(Filename|TOTAL|.*tis\.c)' "$tmp/report" | sed 's/^/  /'
else
	echo "llvm-cov: no report"
fi

after=$(find "$CRASHES" -type f | wc -l)
new=$((after - before))
echo "crashes: $new new ($after kept in $CRASHES)"
if [ "$new" -gt 0 ] || grep -qE '^==[0-9]+==ERROR|runtime error|invariant failed|deadly signal' "$log"; then
	grep -E 'ERROR|runtime error|invariant failed|deadly signal|Test unit written' "$log" | head -20
	exit 1
fi
[ "$rc" -eq 0 ] || { echo "fuzz: libFuzzer exited $rc" >&2; tail -20 "$log" >&2; exit 1; }
exit 0
