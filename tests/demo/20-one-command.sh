#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo's second part, the one-command path: vtis-qemu runs QEMU with
# the TPM (the ACPI tables, the device attached before QEMU makes a vCPU,
# swtpm provisioned with an EK certificate and supervised); the same guest
# uses its TPM and powers off, and nothing is left behind.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
vtisctl=$VTIS_ROOT/tools/vtisctl
say() { echo "# $*"; }

ktap_check "kvm_vtis is loaded" vtis_load
touch /var/tmp/vtis-demo-shown	# this guest has nothing to wait for
say "\$ vtis-qemu --vtis-state /tmp/vm1-tpm -enable-kvm ...   (one command; no -S, no attach, no swtpm by hand)"
GUEST_QEMU="$VTIS_ROOT/tools/vtis-qemu --vtis-state /tmp/vm1-tpm" GUEST_PAUSE= \
	ktap_check "vtis-qemu starts QEMU with its TPM" \
	guest_start one "$VTIS_ROOT/tests/vm/guest/demo.sh"
grep '^vtis-qemu' /tmp/one.qemu.log | sed 's/^/#   /'
say "\$ vtisctl list"
"$vtisctl" list | sed 's/^/#   /'
say "swtpm's state, provisioned on first use: $(ls /tmp/vm1-tpm | tr '\n' ' ')"
ktap_check "the guest used its TPM and powered off; QEMU ended" guest_wait 300
guest_results
ktap_check "nothing is left: no device, swtpm or helper" wait_for 10 sh -c \
	"[ \"\$('$vtisctl' list --json)\" = '[]' ] && ! pgrep -x swtpm && ! pgrep -x vtis-qemu-gate"
ktap_check "the test host's kernel log is clean" no_splat
