#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtis-qemu, the drop-in for qemu-system-x86_64, with Linux guests:
#  A: TPM 2.0 on interrupt 20, swtpm on a new state directory, QEMU-ARGS
#     with -S (the caller resumes the VM).  Three boots (guest/vtis-qemu.sh):
#     the guest's own reboot and a host QMP system_reset each reset the
#     device while QEMU resets the vCPUs (vtis-qemu's seccomp hook) and
#     restart the TPM (PCR 16 zero again); between the first two, swtpm is
#     killed -9 and its supervisor starts another.  The guest powers off:
#     QEMU quits as it would by itself.
#  B: TPM 1.2, no interrupt, no -S (the vCPUs run as soon as QEMU is up).
#  Q: a q35 machine, TPM 2.0 on GSI 20, one of its shared, active-high PIRQ
#     lines (vtis-qemu's tables say so): the guest takes the interrupt.
#  C, D: SIGTERM and SIGKILL of QEMU.
# For each: the process started is QEMU itself (exec), the device is
# attached before QEMU creates its first vCPU (QEMU's own trace of
# kvm_init_vcpu comes after vtis-qemu's "attached" line on the same
# stderr), and when QEMU ends nothing is left: no device, no swtpm, no
# supervisor, no helper, no temporary ACPI directory.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl
vq=$VTIS_ROOT/tools/vtis-qemu

ktap_check "modprobe kvm_vtis" vtis_load
trap 'st=$?; kill -9 $(jobs -p) 2>/dev/null; vtis_exit $st' EXIT
export TMPDIR=/tmp
rm -rf /var/tmp/vtis-vq /tmp/vq-* /tmp/vtis-qemu.*
mkdir -p /var/tmp/vtis-vq
echo 20 >/var/tmp/vtis-vq/irq
echo 1 >/var/tmp/vtis-vq/stage

# qemu_checks NAME: the started process is QEMU; the device was attached
# before QEMU made its vCPU; sets id.
qemu_checks() {
	local log=/tmp/$1.qemu.log
	ktap_check "$1: the process started is QEMU itself (exec, same PID $GUEST_PID)" \
		test "$(readlink /proc/$GUEST_PID/exe)" = "$(readlink -f "$(command -v qemu-system-x86_64)")"
	id=$(sed -n 's/^vtis-qemu: device \([0-9]*\) attached.*/\1/p' "$log")
	ktap_check "$1: vtis-qemu attached device ${id:-?} to QEMU pid $GUEST_PID" \
		sh -c "[ -n '$id' ] && '$v' info '$id' | grep -qx 'owner_pid $GUEST_PID'"
	ktap_check "$1: ... before QEMU created its vCPU (trace kvm_init_vcpu comes after)" \
		sh -c "a=\$(grep -n '^vtis-qemu: device [0-9]* attached' '$log' | cut -d: -f1);
		       c=\$(grep -n '^kvm_init_vcpu index: 0' '$log' | cut -d: -f1);
		       [ -n \"\$a\" ] && [ -n \"\$c\" ] && [ \"\$a\" -lt \"\$c\" ]"
	ktap_check "$1: the temporary ACPI tables are gone once QEMU has read them" \
		sh -c "! ls -d /tmp/vtis-qemu.* 2>/dev/null"
	filters() { sed -n 's/^Seccomp_filters:\t*//p' "/proc/$1/status" 2>/dev/null; }
	# (swtpm installs a seccomp filter of its own: its supervisor tells)
	local sup helper
	sup=$(pgrep -x vtis-swtpm-sup) helper=$(pgrep -x vtis-qemu-gate)
	echo "# seccomp filters: QEMU $(filters $GUEST_PID), helper $(filters $helper), swtpm's supervisor $(filters $sup), this shell $(filters $$)"
	ktap_check "$1: QEMU runs under vtis-qemu's seccomp filter; its helper and swtpm's supervisor do not" \
		sh -c "[ -n '$sup' ] && [ -n '$helper' ] && [ '$(filters $GUEST_PID)' -gt '$(filters $$)' ] &&
		       [ '$(filters $helper)' = '$(filters $$)' ] && [ '$(filters $sup)' = '$(filters $$)' ]"
	grep '^vtis-qemu' "$log" | ktap_diag
}
# resets NAME: how many resets of the VM vtis-qemu has carried to the device.
resets() { grep -c "^vtis-qemu: reset of the VM: device $id reset" "/tmp/$1.qemu.log"; }
# wait_qemu: QEMU's exit status in rc (QEMU is this shell's child).
wait_qemu() { wait "$GUEST_PID"; rc=$?; }

# --- A: TPM 2.0, interrupt, reboots -------------------------------------------
GUEST_QEMU="$vq --vtis-state /tmp/vq-a --vtis-irq 20" GUEST_NO_REBOOT= \
	GUEST_APPEND="tpm_tis.interrupts=1" \
	ktap_check "A: vtis-qemu --vtis-state DIR --vtis-irq 20 starts QEMU (-S)" \
	guest_start vqa "$VTIS_ROOT/tests/vm/guest/vtis-qemu.sh" -trace kvm_init_vcpu
qemu_checks vqa
ktap_check "A: the device has interrupt 20 and swtpm is connected" sh -c \
	"'$v' info '$id' | grep -qx 'irq 20' && '$v' info '$id' | grep -qx 'emulator_connected yes'"
sup=$(pgrep -x vtis-swtpm-sup)
ktap_check "A: DIR was provisioned (EK certificate) and swtpm runs under its supervisor" \
	sh -c "test -s /tmp/vq-a/ek-rsa2048.crt && pgrep -P '$sup' -x swtpm >/dev/null"
ek=$(sha256sum </tmp/vq-a/ek-rsa2048.crt | cut -d' ' -f1)
ktap_check "A: QMP cont (the caller's monitor) starts the guest" qmp "$GUEST_QMP" cont
t0=$SECONDS
if ktap_check "A: boot 1 used the TPM" guest_says 300 '^vtis-guest: boot 1 done'; then
	echo "# boot 1 took $((SECONDS - t0)) s"
	sw=$(pgrep -P "$sup" -x swtpm)
	r1=$(resets vqa)
	kill -9 $sw
	restarted() { n=$(pgrep -P "$sup" -x swtpm) && [ "$n" != "$sw" ] &&
		"$v" info "$id" | grep -qx 'emulator_connected yes'; }
	ktap_check "A: swtpm killed -9: its supervisor runs another" wait_for 20 restarted
	stage_next /var/tmp/vtis-vq/stage 2
fi
if ktap_check "A: boot 2 (after the guest's reboot) used the TPM" \
	guest_says 400 '^vtis-guest: boot 2 done'; then
	echo "# boots 1 and 2 took $((SECONDS - t0)) s"
	r2=$(resets vqa)
	ktap_check "A: the guest's reboot reset the device ($r1 -> $r2 resets)" test "$r2" -gt "$r1"
	echo 3 >/var/tmp/vtis-vq/stage
	ktap_check "A: QMP system_reset (the caller's monitor)" qmp "$GUEST_QMP" system_reset
fi
ktap_check "A: boot 3 (after the host's reset) ran its checks and powered off" guest_wait 400 ||
	tail -n 40 "$GUEST_LOG" | tr -d '\r' | ktap_diag
echo "# three boots took $((SECONDS - t0)) s"
guest_results 1 '/^vtis-guest: boot 1 done/'
guest_results '/^vtis-guest: rebooting/' '/^vtis-guest: boot 2 done/'
guest_results '/^vtis-guest: boot 2 done/' '$'
ktap_check "A: the guest read the EK certificate swtpm_setup made in DIR" \
	sh -c "tr -d '\r' <'$GUEST_LOG' | grep -qx '# boot 1: ek-cert-sha256 $ek'"
grep '^vtis-qemu' /tmp/vqa.qemu.log | ktap_diag
ktap_check "A: the host's system_reset reset the device (${r2:-?} -> $(resets vqa) resets)" \
	test "$(resets vqa)" -gt "${r2:-999}"
wait_qemu
ktap_check "A: QEMU exited 0" test "$rc" = 0
ktap_check "A: nothing is left (device, swtpm, supervisor, helper)" wait_for 10 vtis_qemu_left_nothing

# --- B: TPM 1.2, no interrupt, no -S ------------------------------------------
GUEST_QEMU="$vq --vtis-tpm 1.2 --vtis-state /tmp/vq-b" GUEST_PAUSE= \
	ktap_check "B: vtis-qemu --vtis-tpm 1.2 starts QEMU without -S" \
	guest_start vqb "$VTIS_ROOT/tests/vm/guest/tpm12.sh" -trace kvm_init_vcpu
qemu_checks vqb
ktap_check "B: the device is a TPM 1.2 without interrupt" sh -c \
	"'$v' info '$id' | grep -qx 'tpm 1.2' && '$v' info '$id' | grep -qx 'irq -'"
ktap_check "B: the guest ran its TPM 1.2 checks and powered off" guest_wait 300
guest_results
wait_qemu
ktap_check "B: QEMU exited 0" test "$rc" = 0
ktap_check "B: nothing is left" wait_for 10 vtis_qemu_left_nothing

# --- Q: q35, interrupt 20 --------------------------------------------------------
echo q35 >/var/tmp/vtis-vq/stage
GUEST_QEMU="$vq --vtis-state /tmp/vq-q --vtis-irq 20" GUEST_PAUSE= \
	GUEST_APPEND="tpm_tis.interrupts=1" \
	ktap_check "Q: vtis-qemu --vtis-irq 20 starts a q35 QEMU" \
	guest_start vqq "$VTIS_ROOT/tests/vm/guest/vtis-qemu.sh" -M q35 -trace kvm_init_vcpu
qemu_checks vqq
ktap_check "Q: the guest used the TPM and its interrupt, and powered off" guest_wait 300 ||
	tail -n 40 "$GUEST_LOG" | tr -d '\r' | ktap_diag
guest_results
wait_qemu
ktap_check "Q: QEMU exited 0" test "$rc" = 0
ktap_check "Q: nothing is left" wait_for 10 vtis_qemu_left_nothing

# --- C, D: SIGTERM and SIGKILL of QEMU ------------------------------------------
for sig in TERM KILL; do
	n=vq-$sig
	GUEST_QEMU="$vq --vtis-state /tmp/$n" \
		ktap_check "$sig: vtis-qemu starts QEMU (-S)" \
		guest_start "$n" "$VTIS_ROOT/tests/vm/guest/tpm12.sh" -trace kvm_init_vcpu
	qemu_checks "$n"
	ktap_check "$sig: swtpm is connected" sh -c "'$v' info '$id' | grep -qx 'emulator_connected yes'"
	if [ $sig = TERM ]; then
		helper=$(pgrep -x vtis-qemu-gate)
		kill -TERM $helper
		sleep 1
		ktap_check "TERM: the helper ignores SIGTERM (it ends with QEMU)" kill -0 $helper
	fi
	kill -$sig "$GUEST_PID"
	wait_qemu
	echo "# QEMU's exit status after SIG$sig: $rc"
	ktap_check "$sig: nothing is left" wait_for 10 vtis_qemu_left_nothing
done

rm -rf /var/tmp/vtis-vq /tmp/vq-*
ktap_check "host log clean" no_splat
