#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Concurrent vCPUs on one device, detach under load, detach racing VM
# destruction, VM destruction mid-command; then rmmod must be clean.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

ktap_check "load kvm_vtis" vtis_load
ktap_run "" "$VMM_DIR/race_test"
ktap_check "rmmod after the races" rmmod kvm_vtis
ktap_check "the kernel log holds no warning" no_splat
ktap_check "load kvm_vtis again for the next test" vtis_load
