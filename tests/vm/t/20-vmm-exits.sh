#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test VMM's exit counter works: with no device on the TPM window, each
# TIS access of its guest exits to the VMM (which answers all ones), and the
# guest's driver gives up cleanly.  A CPU exception in the guest is reported.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VMM_DIR/vtis-vmm
ktap_run "" "$vmm" --no-attach --guest-timeout 200 --timeout 120 probe guest-fault
