# SPDX-License-Identifier: GPL-2.0
# Helpers for tests/unit/*.sh (sourced, not run as a test): the KTAP
# helper (tests/lib/ktap.sh) and where the tools are.

: "${VTIS_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${VTISCTL:=$VTIS_ROOT/tools/vtisctl}"
. "$VTIS_ROOT/tests/lib/ktap.sh"
