#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The /dev/kvm-vtis ABI and device lifetime: bad attach arguments and their
# errnos, info/list, the emulator node, detach, VM destruction, the device
# limit, and rmmod refused while attached and clean after.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

check "load kvm_vtis" vtis_load
python3 "$VTIS_ROOT/tests/vm/pyvm/abi_test.py" || VTIS_FAILED=1
check "the kernel log holds no warning" no_splat
check "load kvm_vtis again for the next test" vtis_load
