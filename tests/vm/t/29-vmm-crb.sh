#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A CRB device (KVM_VTIS_ATTACH interface CRB) under the test VMM, whose
# guest drives it as Linux's tpm_crb does with ACPI start method 7
# (locality, cmdReady, the command into the buffer with 4-byte moves,
# START, CTRL_START polled, the response, goIdle, relinquish), with no
# register or buffer access exiting to userspace and the device counting
# every one by class.  Both backends (swtpm, and the test host's own TPM,
# checked against its sysfs PCR), a command of the whole 3968-byte
# buffer, a second locality, the interrupt for a completed command
# (eventfd, level with resample, and a GSI of the in-kernel irqchip), a
# platform reset with a command in flight, swtpm killed mid-run, and the
# tracepoints.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl
vmm=$VMM_DIR/vtis-vmm

ktap_check "load kvm_vtis" vtis_load
# The dropped answer of the command in flight at the reset is an error by
# design in the device's counters.
ktap_run "swtpm: " "$vmm" --interface crb --spawn-swtpm --vtisctl "$v" --expect-errors \
	--timeout 300 crb-probe getrandom extend crb-bigcmd reset
ktap_run "irq: " "$vmm" --interface crb --spawn-swtpm --timeout 300 irq
ktap_run "irqchip: " "$vmm" --interface crb --spawn-swtpm --irqchip --no-detach \
	--timeout 300 irq
ktap_run "emulator loss: " "$vmm" --interface crb --spawn-swtpm --timeout 300 emu-restart
ktap_run "host TPM: " "$vmm" --interface crb --host-tpm --timeout 300 \
	crb-probe getrandom extend host-pcr
# The tracepoints of a CRB device: two TPM2_GetRandom, each at locality 0
# from request to relinquish, and one mmio event per access it counted.
trace_on mmio cmd_submit cmd_complete locality
ktap_run "traced: " bash -c "set -o pipefail
	'$vmm' --interface crb --spawn-swtpm --timeout 120 getrandom | tee /tmp/crb-trace.out"
trace_off
cp "$T/trace" /tmp/crb-trace.txt
id=$(sed -n 's/^# vtis-device-id //p' /tmp/crb-trace.out)
counted=$(sed -n 's/.*counted every guest register access (\([0-9]*\) reads, \([0-9]*\) writes.*/\1 + \2/p' \
	/tmp/crb-trace.out)
events=$(sed -n "s/.*kvm_vtis_\(locality\|cmd_submit\|cmd_complete\): dev $id \(.*\)\$/\1: \2/p" \
	/tmp/crb-trace.txt | sed 's/ service_ns [0-9]*//')
one="locality: from -1 to 0
cmd_submit: loc 0 ordinal 0x17b len 12
cmd_complete: loc 0 rc 0x0 len 44 result ok
locality: from 0 to -1"
echo "$events" | sed 's/^/# trace: /'
ktap_check "trace: locality 0 granted, TPM2_GetRandom submitted and completed (rc 0), relinquished, twice" \
	test "$events" = "$one"$'\n'"$one"
ktap_check "trace: the guest's START writes (CTRL_START, off 0x04c), one per command" \
	test "$(grep -c "kvm_vtis_mmio: dev $id loc 0 write off 0x04c len 4 val 0x1\$" /tmp/crb-trace.txt)" = 2
mmio=$(grep -c "kvm_vtis_mmio: dev $id " /tmp/crb-trace.txt)
ktap_check "trace: one mmio event per access the device counted ($mmio, ${counted:-?})" \
	test -n "$counted" -a "$mmio" = "$((counted))"
# A scenario that drives TIS registers itself is refused on a CRB device.
"$vmm" --interface crb --spawn-swtpm --timeout 60 localities >/tmp/crb-tis.out 2>&1
ktap_check "a TIS-only scenario fails on a CRB device, saying why" \
	grep -q 'not ok .*localities: needs the TIS interface' /tmp/crb-tis.out
ktap_check "host log clean" no_splat
