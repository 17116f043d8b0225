#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Teardown races, $VTIS_RACE_ROUNDS times (default 500): detach, VM
# destruction, the emulator closing or answering, and rmmod attempts at
# once, with a command in flight; every tenth round the VMM is killed -9.
# Nothing may be left behind, and the kernel log must stay clean.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

ktap_check "load kvm_vtis" vtis_load
# The caller of tests/vm/run may set VTIS_RACE_ROUNDS (its env file carries it).
rounds=$(sed -n 's/^VTIS_RACE_ROUNDS=//p' "$VTIS_RUN/env")
VTIS_RACE_ROUNDS=${rounds:-500} ktap_run "" "$VMM_DIR/teardown_race"
ktap_check "the kernel log holds no warning" no_splat
ktap_check "load kvm_vtis again for the next test" vtis_load
