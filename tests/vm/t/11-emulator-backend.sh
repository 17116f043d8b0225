#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The emulator backend: the vtpm_proxy protocol byte by byte (locality
# announcements, small buffers, close/timeout/abort/detach mid-command,
# guest-injected vendor commands), then unmodified swtpm (TPM 2.0 and 1.2),
# killed and restarted.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

ktap_check "load kvm_vtis" vtis_load
ktap_run "" "$VMM_DIR/emu_test"
ktap_check "no device is left behind" sh -c '! ls /dev/vtis-emu* 2>/dev/null'
ktap_check "the kernel log holds no warning" no_splat
