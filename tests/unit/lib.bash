# SPDX-License-Identifier: GPL-2.0
# Helpers for tests/unit/*.sh (sourced, not run as a test).

: "${VTIS_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${VTISCTL:=$VTIS_ROOT/tools/vtisctl}"
UNIT_FAILED=0

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; UNIT_FAILED=1; }

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# Print a file as diagnostics.
diag() { sed 's/^/#   /' "$@"; }

unit_done() { exit "$UNIT_FAILED"; }
