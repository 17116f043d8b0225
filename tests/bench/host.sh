#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test-host side of `make bench` (a tests/vm/run test file).  The same
# guest program (tests/bench/tpmbench) runs in a Linux guest under
# unmodified QEMU, one boot per path, against swtpm on one state folder:
#
#   tis        QEMU -device tpm-tis (userspace TIS)
#   crb        QEMU -device tpm-crb
#   vtis-emu   kvm_vtis, emulator backend (swtpm chardev on /dev/vtis-emuN),
#              polling guest
#   vtis-emu-irq  the same with the TIS interrupt: vtisctl acpi/attach --irq
#              and the guest's tpm_tis.interrupts=1 (Linux keeps a TIS
#              interrupt from 6.4 on; a 6.1 guest polls whatever it is given)
#   vtis-host  kvm_vtis, host TPM backend (the test host's own TPM: another
#              swtpm, behind QEMU's tpm-crb one level up)
#   vtis-crb   kvm_vtis' CRB interface (attach/acpi --interface crb; the
#              guest's tpm_crb), emulator backend
#   vtis-crb-host  the same on the host TPM backend
#
# Around each command's batch the guest waits while this script reads
# KVM's statistics of QEMU's VM (debugfs) and kvm_vtis' (vtisctl stats).
# The test VMM measures the cost of one guest MMIO access in the kernel
# (kvm_vtis) and in userspace.  Everything goes out as "# vtis-bench-data"
# lines; tests/bench/report.py turns them into tables and a chart.
#
# Scale: --vms test-VMM VMs attached at once, each extending its own values.
#
# Environment (set by tests/bench/run): BENCH_ITER, BENCH_ITER_LONG,
# BENCH_PATHS, BENCH_ACCESSES, BENCH_SCALE_VMS (0 or 1: no scale run),
# BENCH_SCALE_EXTENDS.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
v=$VTIS_ROOT/tools/vtisctl
vmm=$VMM_DIR/vtis-vmm
bench=$VTIS_ROOT/tests/bench
iter=${BENCH_ITER:-500}
iter_long=${BENCH_ITER_LONG:-100}
paths=${BENCH_PATHS:-tis crb vtis-emu vtis-host}
accesses=${BENCH_ACCESSES:-5000}
scale_vms=${BENCH_SCALE_VMS:-16}
scale_extends=${BENCH_SCALE_EXTENDS:-1000}
cmds="getrandom pcrread extend createprimary max"
go=/var/tmp/vtis-bench
state=/tmp/bench-state
mkdir -p "$go" "$state" /tmp/acpi /tmp/acpi-irq /tmp/acpi-crb
echo "-n $iter -N $iter_long" >"$go/args"
data() { echo "# vtis-bench-data $*"; }
data conf iter=$iter iter_long=$iter_long accesses=$accesses
cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
slub=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^slub_debug=//p')
data machine "kernel=$(uname -r)" "cpu=\"$cpu\"" "slub_debug=${slub:-off}"

ktap_check "load kvm_vtis" vtis_load
ktap_check "vtisctl acpi --tpm 2.0" "$v" acpi --tpm 2.0 --out /tmp/acpi
# The interrupt path's tables: a level-triggered GSI nothing else uses.
irq=20
ktap_check "vtisctl acpi --tpm 2.0 --irq $irq" "$v" acpi --tpm 2.0 --irq $irq --out /tmp/acpi-irq
ktap_check "vtisctl acpi --tpm 2.0 --interface crb" "$v" acpi --tpm 2.0 --interface crb --out /tmp/acpi-crb

# --- the cost of one guest MMIO access, same run --------------------------
for mode in in-kernel userspace; do
	extra=
	[ $mode = userspace ] && extra=--no-attach
	# shellcheck disable=SC2086
	ktap_run "" logged /tmp/ac.out \
		"$vmm" $extra --storm "$accesses" --timeout 300 access-cost
	rc=$?
	ns=$(sed -n "s/^# access-cost-ns \([0-9]*\) $mode\$/\1/p" /tmp/ac.out)
	ktap_check "test VMM: cost of one guest MMIO read ($mode) measured" \
		test "$rc" -eq 0 -a -n "$ns"
	data access mode=$mode ns=${ns:-0}
done

# --- scale: many test-VMM VMs attached at once ------------------------------
if [ "$scale_vms" -gt 1 ]; then
	ktap_run "" logged /tmp/scale.out \
		"$vmm" --spawn-swtpm --vms "$scale_vms" --extends "$scale_extends" \
		--timeout $((300 + scale_vms * scale_extends / 10)) scale
	sed -n -e 's/^# scale-data /scale /p' \
		-e 's/^# scale-mem-kb-per-device /scale_mem kb_per_device=/p' \
		-e 's/^# scale-mem-kb-per-emulator /scale_mem kb_per_emulator=/p' \
		-e 's/^# scale-mem-cache \([^ ]*\) /scale_cache name=\1 bytes_per_device=/p' \
		/tmp/scale.out | while read -r l; do data "$l"; done
fi

# --- one guest boot per path ------------------------------------------------

# snap PATH K PHASE: KVM's counters of QEMU's VM and (kvm_vtis paths) the
# device's, as one data line.
snap() {
	local d=/sys/kernel/debug/kvm/$GUEST_PID-$vmfd f line=
	for f in exits mmio_exits io_exits halt_exits irq_exits signal_exits \
		 irq_window_exits nmi_window_exits request_irq_exits \
		 insn_emulation halt_wakeup; do
		[ -r "$d/$f" ] && line="$line kvm_$f=$(cat "$d/$f")"
	done
	if [ -n "$id" ]; then
		line="$line $("$v" stats "$id" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("vtis_%s=%d" % (k, v) for k, v in d.items() if isinstance(v, int) and k != "id"))')"
	fi
	data snap path=$1 k=$2 phase=$3 "$line"
}

# serve PATH: hand over around each batch, collect the results.
serve() {
	local p=$1 k=0 c
	for c in $cmds; do
		k=$((k + 1))
		if ! guest_says 900 "^vtis-bench: ready $k $c"; then
			ktap_fail "$p: guest reached the $c batch"
			return 1
		fi
		[ $k = 1 ] && t_ready=$EPOCHREALTIME
		snap "$p" "$k" before
		touch "$go/go-$k"
		if ! guest_says 3600 "^vtis-bench: done $k $c"; then
			ktap_fail "$p: guest finished the $c batch"
			return 1
		fi
		snap "$p" "$k" after
		touch "$go/ack-$k"
	done
}

# run_path PATH: one guest boot; the path's setup and teardown.
run_path() {
	local p=$1 qargs=() sw= attach_opts=() t0=$EPOCHREALTIME t_qemu t_cont t_done t_exit
	id=
	t_ready=
	GUEST_APPEND=
	rm -f "$go"/go-* "$go"/ack-*
	case $p in
	tis | crb)
		rm -f /tmp/swtpm.sock
		swtpm socket --tpm2 --tpmstate dir=$state \
			--ctrl type=unixio,path=/tmp/swtpm.sock \
			--log file=/tmp/swtpm-$p.log,level=1 >/tmp/swtpm-$p.out 2>&1 &
		sw=$!
		wait_for 10 test -S /tmp/swtpm.sock
		qargs=(-chardev "socket,id=chrtpm,path=/tmp/swtpm.sock"
		       -tpmdev "emulator,id=tpm0,chardev=chrtpm"
		       -device "tpm-$p,tpmdev=tpm0")
		;;
	vtis-emu | vtis-host)
		qargs=(-acpitable file=/tmp/acpi/ssdt-tpm.aml
		       -acpitable file=/tmp/acpi/tpm2.aml)
		;;
	vtis-emu-irq)
		qargs=(-acpitable file=/tmp/acpi-irq/ssdt-tpm.aml
		       -acpitable file=/tmp/acpi-irq/tpm2.aml)
		attach_opts=(--irq "$irq")
		GUEST_APPEND="tpm_tis.interrupts=1"
		;;
	vtis-crb | vtis-crb-host)
		qargs=(-acpitable file=/tmp/acpi-crb/ssdt-tpm.aml
		       -acpitable file=/tmp/acpi-crb/tpm2.aml)
		attach_opts=(--interface crb)
		;;
	*)
		ktap_fail "$p: known path"
		return 1
		;;
	esac
	if ! ktap_check "$p: QEMU starts (paused)" guest_start "bench-$p" "$bench/guest.sh" "${qargs[@]}"; then
		[ -n "$sw" ] && kill "$sw"
		return 1
	fi
	t_qemu=$EPOCHREALTIME
	vmfd=$(vm_fd_of "$GUEST_PID")
	case $p in
	vtis-emu | vtis-emu-irq | vtis-crb)
		"$v" attach --pid "$GUEST_PID" --vm-fd "$vmfd" --emulator "${attach_opts[@]}" \
			--json >/tmp/attach.json
		id=$(python3 -c 'import json; print(json.load(open("/tmp/attach.json"))["id"])')
		emu=$(python3 -c 'import json; print(json.load(open("/tmp/attach.json"))["emulator"])')
		swtpm chardev --chardev "$emu" --tpm2 --tpmstate dir=$state \
			--locality allow-set-locality --flags not-need-init,startup-clear \
			--log file=/tmp/swtpm-$p.log,level=1 >/tmp/swtpm-$p.out 2>&1 &
		sw=$!
		;;
	vtis-host | vtis-crb-host)
		"$v" attach --pid "$GUEST_PID" --vm-fd "$vmfd" --host-tpm "${attach_opts[@]}" \
			--json >/tmp/attach.json
		id=$(python3 -c 'import json; print(json.load(open("/tmp/attach.json"))["id"])')
		;;
	esac
	case $p in vtis-*) ktap_check "$p: vtisctl attach (device ${id:-none})" test -n "$id" ;; esac
	echo "# $p: QEMU pid $GUEST_PID, VM fd $vmfd, debugfs $(ls -d /sys/kernel/debug/kvm/$GUEST_PID-$vmfd 2>&1)"
	ktap_check "$p: QMP cont starts the guest" qmp "$GUEST_QMP" cont
	t_cont=$EPOCHREALTIME
	serve "$p" || kill -9 "$GUEST_PID" 2>/dev/null
	t_done=$EPOCHREALTIME
	ktap_check "$p: guest program finished" guest_wait 900
	t_exit=$EPOCHREALTIME
	tr -d '\r' <"$GUEST_LOG" | grep -E '^(vtis-bench|# guest)' | sed 's/^/# /'
	tr -d '\r' <"$GUEST_LOG" | sed -n "s/^vtis-bench: result /# vtis-bench-data result path=$p /p"
	tr -d '\r' <"$GUEST_LOG" | sed -n "s/^vtis-bench: info /# vtis-bench-data info path=$p /p"
	if ! grep -q '^vtis-bench: end' "$GUEST_LOG"; then
		tail -n 30 "$GUEST_LOG" | tr -d '\r' | sed 's/^/#   /'
	fi
	[ -n "$sw" ] && { kill "$sw" 2>/dev/null; wait "$sw" 2>/dev/null; }
	if [ -n "$id" ]; then
		wait_for 20 sh -c "[ \"\$('$v' list --json)\" = '[]' ]"
	fi
	# Where a path's wall time goes: QEMU up and paused (qemu), attach and
	# emulator until cont (setup), cont until the guest's first batch
	# (boot), the batches, the guest's end until QEMU exited (exit), and
	# the teardown after it.
	data phases path="$p" "$(python3 -c 'import sys
t = [float(x) if x else None for x in sys.argv[1:]]
names = ["qemu", "setup", "boot", "batches", "exit", "teardown"]
print(" ".join("%s=%.1f" % (n, b - a) for n, a, b in zip(names, t, t[1:])
               if a is not None and b is not None))' \
		"$t0" "$t_qemu" "$t_cont" "$t_ready" "$t_done" "$t_exit" "$EPOCHREALTIME")"
}

for p in $paths; do
	t0=$SECONDS
	run_path "$p"
	data wall path=$p secs=$((SECONDS - t0))
done
ktap_check "host log clean (no splat)" no_splat
