#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The emulator backend: the vtpm_proxy protocol byte by byte (locality
# announcements, small buffers, close/timeout/abort/detach mid-command,
# guest-injected vendor commands), then unmodified swtpm (TPM 2.0 and 1.2),
# killed and restarted.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

check "load kvm_vtis" vtis_load
python3 "$VTIS_ROOT/tests/vm/pyvm/emu_test.py" || VTIS_FAILED=1
check "no device is left behind" sh -c '! ls /dev/vtis-emu* 2>/dev/null'
check "the kernel log holds no warning" no_splat
