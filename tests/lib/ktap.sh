# SPDX-License-Identifier: GPL-2.0
# KTAP for shell tests (sourced by bash; the C helper is ktap.h, the Python
# one ktap.py).  A test prints "KTAP version 1", one numbered result line
# per check ("ok N - what" / "not ok N - what"), "# " diagnostics, and at
# the end the plan "1..N" (its count is known only then).  The harness that
# runs the test (tests/check.sh, tests/vm/run) checks the plan and renumbers
# the results into its own KTAP document, where plans come first.
#
#   ktap_header                 print the version line (done on sourcing)
#   ktap_ok DESC / ktap_fail DESC / ktap_result STATUS DESC  (0: ok)
#   ktap_check DESC CMD...      run CMD; on failure its output's last 20
#                               lines become diagnostics; returns its
#                               status; its output stays in $KTAP_OUT
#   ktap_diag [FILE...]         print files (or stdin) as diagnostics
#   ktap_run PREFIX CMD...      run a KTAP-speaking command: its results
#                               become ours (PREFIX before each
#                               description); fails if it exits non-zero
#                               without a failure, or its plan is wrong
#   ktap_absorb PREFIX          the same for a stream on stdin
#   ktap_finish                 print the plan; exit 1 if anything failed
#                               (runs on exit unless called)
# KTAP_FAILED is 1 once a check failed; a test may set it itself.

KTAP_N=0
KTAP_FAILED=0
KTAP_FINISHED=0
[ -n "${KTAP_LIBRARY:-}" ] || KTAP_OUT=$(mktemp "${TMPDIR:-/tmp}/ktap-check.XXXXXX")

ktap_header() {
	echo "KTAP version 1"
}

# KTAP descriptions cannot hold '#': it starts a directive.
ktap_result() {
	local desc=${2//#/no.}
	KTAP_N=$((KTAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $KTAP_N - $desc"
	else
		echo "not ok $KTAP_N - $desc"
		KTAP_FAILED=1
	fi
}

ktap_ok() { ktap_result 0 "$*"; }
ktap_fail() { ktap_result 1 "$*"; }

ktap_diag() {
	if [ $# -gt 0 ]; then
		sed 's/^/#   /' "$@"
	else
		sed 's/^/#   /'
	fi
}

ktap_check() {
	local what=$1 rc
	shift
	"$@" >"$KTAP_OUT" 2>&1
	rc=$?
	ktap_result "$rc" "$what"
	[ "$rc" -eq 0 ] || tail -n 20 "$KTAP_OUT" | ktap_diag
	return "$rc"
}

# ktap_absorb PREFIX: results read on stdin become ours; returns 1 if any
# of them failed or the stream's plan does not match its results.
ktap_absorb() {
	local prefix=$1 line plan= n=0 bad=0
	local re='^[[:space:]]*(not )?ok( [0-9]+)? (- )?(.*)$'
	KTAP_RUN_STATUS=
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [[ $line =~ $re ]]; then
			n=$((n + 1))
			if [ -n "${BASH_REMATCH[1]}" ]; then
				ktap_result 1 "$prefix${BASH_REMATCH[4]}"
				bad=1
			else
				ktap_result 0 "$prefix${BASH_REMATCH[4]}"
			fi
		elif [[ $line =~ ^[[:space:]]*1\.\.([0-9]+)$ ]]; then
			plan=${BASH_REMATCH[1]}
		elif [[ $line =~ ^[[:space:]]*KTAP\ version ]]; then
			:
		elif [[ $line =~ ^ktap-run-status\ ([0-9]+)$ ]]; then
			KTAP_RUN_STATUS=${BASH_REMATCH[1]}
		elif [[ $line =~ ^[[:space:]]*# ]]; then
			echo "${line#"${line%%[![:space:]]*}"}"
		elif [ -n "$line" ]; then
			echo "# $line"
		fi
	done
	if [ -n "$plan" ] && [ "$plan" -ne "$n" ]; then
		ktap_fail "${prefix}ran as planned (plan 1..$plan, $n results)"
		bad=1
	fi
	return $bad
}

ktap_run() {
	local prefix=$1 bad
	shift
	# The command runs beside us; its results are counted in this shell.
	ktap_absorb "$prefix" < <( ("$@") 2>&1; echo "ktap-run-status $?")
	bad=$?
	if [ "${KTAP_RUN_STATUS:-1}" -ne 0 ] && [ $bad -eq 0 ]; then
		ktap_fail "${prefix}exited ${KTAP_RUN_STATUS:-?} without reporting a failure"
		bad=1
	fi
	return $bad
}

ktap_finish() {
	[ $KTAP_FINISHED = 1 ] && return "$KTAP_FAILED"
	KTAP_FINISHED=1
	rm -f "$KTAP_OUT"
	echo "1..$KTAP_N"
	exit "$KTAP_FAILED"
}

# A harness that assembles KTAP documents of its own sets KTAP_LIBRARY=1
# before sourcing: then nothing is printed and no exit trap is set.
if [ -z "${KTAP_LIBRARY:-}" ]; then
	ktap_header
	trap 'ktap_finish' EXIT
fi
