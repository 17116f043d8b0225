#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Broken emulators: each bad behaviour (short, long and lying responses,
# two writes, a write with nothing pending, silence, closing mid-command, a
# tiny read buffer) ends the guest's command with a TPM failure within
# emu_timeout_ms, no guest access waits for the emulator, and a good
# emulator is served next; then swtpm is killed -9 mid-command
# $VTIS_KILLS times (default 100) and restarted on the same state.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

ktap_check "load kvm_vtis" vtis_load
# The caller of tests/vm/run may set VTIS_KILLS (its env file carries it).
kills=$(sed -n 's/^VTIS_KILLS=//p' "$VTIS_RUN/env")
VTIS_KILLS=${kills:-100} ktap_run "" "$VMM_DIR/broken_emu"
ktap_check "no device is left behind" sh -c '! ls /dev/vtis-emu* 2>/dev/null'
ktap_check "the kernel log holds no warning" no_splat
