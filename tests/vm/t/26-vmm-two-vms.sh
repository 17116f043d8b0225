#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two VMs at once, each with its own kvm_vtis device and its own swtpm,
# taking turns: each extends PCR 16 over and over and checks every value,
# so a response that reached the wrong VM would show.
#
# The two VMs live in one VMM process and their vCPUs take turns in one
# thread.  On the nested testbed (KVM under QEMU TCG), two VMMs running
# vCPUs in parallel corrupt the test host's memory even with no kvm_vtis
# loaded (seen as "corrupted stack end detected inside scheduler" panics
# and guest registers turning to garbage), so that form is not used here.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VMM_DIR/vtis-vmm
ktap_check "load kvm_vtis" vtis_load || exit 1
ktap_run "" logged /tmp/two-vm.out \
	"$vmm" --spawn-swtpm --timeout 200 --loop-secs 20 two-vm
emus=$(sed -n 's/^# vtis-emu-node \(\/dev\/vtis-emu[0-9]*\)$/\1/p' /tmp/two-vm.out | sort -u | wc -l)
ktap_check "two-vms: the VMs got two different devices" test "$emus" = 2
ktap_check "the run left no warning in the kernel log" no_splat
