#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The /dev/kvm-vtis ABI and device lifetime: bad attach arguments and their
# errnos, info/list, the emulator node, detach, VM destruction, the device
# limit, and rmmod refused while attached and clean after.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

ktap_check "load kvm_vtis" vtis_load
ktap_run "" "$VMM_DIR/abi_test"
ktap_check "the kernel log holds no warning" no_splat
ktap_check "load kvm_vtis again for the next test" vtis_load
