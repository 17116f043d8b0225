#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The host TPM backend when the guest cancels a long command the chip is
# working on (tests/vm/vmm/host_cancel_test.c): the guest's access returns
# at once, detach and the VM's end finish within their bound, the chip
# serves the next device.  Where the test host's TPM is a tpm-tis (the
# 6.12 lane), the command runs on tpm_tis with its interrupt: the forced
# tpm_tis device (tpm_tis.force=1) is bound instead of the ACPI one, whose
# table gives it no interrupt, and it keeps IRQ 5.  Elsewhere tpm_crb.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

ktap_check "load kvm_vtis" vtis_load
D=/sys/bus/platform/drivers/tpm_tis
idx=0
acpi_devs=()
if [ -e /sys/bus/platform/devices/tpm_tis ] && [ -d "$D" ]; then
	for dev in "$D"/*:*; do
		[ -e "$dev" ] || continue
		acpi_devs+=("$(basename "$dev")")
		basename "$dev" >"$D/unbind"
	done
	echo tpm_tis >"$D/bind" 2>/dev/null
	tpm_of_forced() {
		for t in /sys/bus/platform/devices/tpm_tis/tpm/tpm*; do
			[ -e "$t" ] && { basename "$t" | tr -dc 0-9; return 0; }
		done
		return 1
	}
	ktap_check "the forced tpm_tis device drives the test host's TPM" wait_for 30 tpm_of_forced
	idx=$(tpm_of_forced)
	irq_line() { grep -E "[[:space:]]tpm$idx\$" /proc/interrupts; }
	ktap_check "tpm$idx has its interrupt (tpm_tis kept it)" irq_line
	irq_line | sed 's/^/# /'
	before=$(irq_line | awk '{print $2}')
else
	# The chip's number is not always 0: a file before this one may have
	# unbound and rebound its driver (tests/vm/t/60-host-tpm.sh).
	for t in /sys/class/tpm/tpm[0-9]*; do
		[ -e "$t/device" ] && { idx=${t##*/tpm}; break; }
	done
	echo "# the test host's TPM: tpm$idx on $(basename "$(readlink /sys/class/tpm/tpm$idx/device/driver)")"
fi
ktap_run "" "$VMM_DIR/host_cancel_test" "$idx"
if [ -n "${before:-}" ]; then
	after=$(irq_line | awk '{print $2}')
	ktap_check "tpm_tis took interrupts during the commands ($before, then $after)" \
		test "${after:-0}" -gt "${before:-0}"
fi
# Cancelled commands the chip finished left transient objects behind.
TPM2TOOLS_TCTI=device:/dev/tpm$idx tpm2_flushcontext -t >/dev/null 2>&1
# The ACPI device drives the TPM again for whatever runs next.
if [ ${#acpi_devs[@]} -gt 0 ]; then
	echo tpm_tis >"$D/unbind"
	for dev in "${acpi_devs[@]}"; do
		echo "$dev" >"$D/bind"
	done
	echo "# the TPM is back on ${acpi_devs[*]}: $(ls /sys/class/tpm | tr '\n' ' ')"
fi
ktap_check "the kernel log holds no warning" no_splat
