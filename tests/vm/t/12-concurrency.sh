#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Concurrent vCPUs on one device, detach under load, detach racing VM
# destruction, VM destruction mid-command; then rmmod must be clean.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

check "load kvm_vtis" vtis_load
python3 "$VTIS_ROOT/tests/vm/pyvm/race_test.py" || VTIS_FAILED=1
check "rmmod after the races" rmmod kvm_vtis
check "the kernel log holds no warning" no_splat
check "load kvm_vtis again for the next test" vtis_load
