#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# modprobe kvm_vtis from the depmod'd tree pulls in kvm, creates
# /dev/kvm-vtis, answers the API-version ioctl, and rmmod removes it cleanly.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

modprobe -r -d "$VTIS_MODROOT" kvm_vtis 2>/dev/null
ktap_check "modprobe kvm_vtis (not insmod)" modprobe -d "$VTIS_MODROOT" kvm_vtis
ktap_check "kvm is loaded as a dependency" grep -q '^kvm ' /proc/modules
ktap_check "kvm_vtis is listed with kvm using it" \
	sh -c "grep -Eq '^kvm [0-9]+ [0-9]+ .*kvm_vtis' /proc/modules"
ktap_check "/dev/kvm-vtis is a character device" test -c /dev/kvm-vtis
ktap_check "API version ioctl answers KVM_VTIS_API_VERSION of the uapi header" \
	"$VMM_DIR/vtis-api-version"
ktap_diag "$KTAP_OUT"
ktap_check "rmmod kvm_vtis" rmmod kvm_vtis
ktap_check "/dev/kvm-vtis is gone after rmmod" test ! -e /dev/kvm-vtis
ktap_check "modprobe again after rmmod" modprobe -d "$VTIS_MODROOT" kvm_vtis
echo "# loaded kvm_vtis srcversion $(cat /sys/module/kvm_vtis/srcversion 2>/dev/null)"
ktap_check "the load left no warning in the kernel log" no_splat
