#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# modprobe kvm_vtis from the depmod'd tree pulls in kvm, creates
# /dev/kvm-vtis, answers the API-version ioctl, and rmmod removes it cleanly.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

modprobe -r -d "$VTIS_MODROOT" kvm_vtis 2>/dev/null
check "modprobe kvm_vtis (not insmod)" modprobe -d "$VTIS_MODROOT" kvm_vtis
check "kvm is loaded as a dependency" grep -q '^kvm ' /proc/modules
check "kvm_vtis is listed with kvm using it" \
	sh -c "grep -Eq '^kvm [0-9]+ [0-9]+ .*kvm_vtis' /proc/modules"
check "/dev/kvm-vtis is a character device" test -c /dev/kvm-vtis
check "API version ioctl answers 1" \
	python3 -c 'import fcntl,os; fd=os.open("/dev/kvm-vtis",os.O_RDWR); assert fcntl.ioctl(fd,0xB800)==1'
check "rmmod kvm_vtis" rmmod kvm_vtis
check "/dev/kvm-vtis is gone after rmmod" test ! -e /dev/kvm-vtis
check "modprobe again after rmmod" modprobe -d "$VTIS_MODROOT" kvm_vtis
echo "# loaded kvm_vtis srcversion $(cat /sys/module/kvm_vtis/srcversion 2>/dev/null)"
check "the load left no warning in the kernel log" no_splat
