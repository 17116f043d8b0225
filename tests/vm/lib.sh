# SPDX-License-Identifier: GPL-2.0
# Helpers for test files under tests/vm/t (sourced; runs in the test host).
# Results go through tests/lib/ktap.sh (sourced here: the KTAP header now,
# the plan at exit): ktap_check, ktap_run, ktap_ok/ktap_fail, ktap_diag.
# The Linux guests' scripts (tests/vm/guest) source it too, without
# VTIS_ROOT: paths are found from here.
VTIS_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$VTIS_TESTS/lib/ktap.sh"

# The test VMM library's programs (tests/vm/vmm).
VMM_DIR=$VTIS_TESTS/vm/vmm

# ktap_run reads its command through bash's process substitution, which
# needs /dev/fd; the test host's devtmpfs has none (udev would make it).
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd 2>/dev/null

# At exit, the plan; a file that dies (an unbound variable under set -u,
# even inside a ktap_check'ed function) without having reported a failure
# fails, instead of passing with fewer results.
vtis_exit() {
	local status=$1
	if [ "$status" -ne 0 ] && [ "$KTAP_FAILED" = 0 ]; then
		ktap_fail "${VTIS_TEST:-the script} exited $status without reporting a failure"
		[ -s "$KTAP_OUT" ] && tail -n 5 "$KTAP_OUT" | ktap_diag
	fi
	ktap_finish
}
trap 'vtis_exit $?' EXIT

# no_splat: the kernel log holds no warning, bug or lockup so far.
no_splat() {
	! dmesg | grep -E 'BUG:|WARNING:|Oops|Call Trace|blocked for more than'
}

# vtis_load: make sure kvm_vtis is loaded (from the run's module tree).
vtis_load() {
	grep -q '^kvm_vtis ' /proc/modules ||
		modprobe -d "$VTIS_MODROOT" kvm_vtis
}

# udevd_run: start a real systemd-udevd with the shipped rule (udev/).
udevd_run() {
	mkdir -p /run/udev/rules.d
	cp "$VTIS_ROOT/udev/60-kvm-vtis.rules" /run/udev/rules.d/
	/lib/systemd/systemd-udevd --daemon >/tmp/udevd.log 2>&1
}

# mode_is PATH "USER:GROUP MODE": PATH has that owner and mode (octal).
mode_is() {
	[ "$(stat -c '%U:%G %a' "$1" 2>/dev/null)" = "$2" ]
}

# udev_start: a real systemd-udevd with the shipped rule (udev/), and
# kvm_vtis loaded anew under it; results for both.
udev_start() {
	udevd_run
	ktap_check "systemd-udevd runs" wait_for 20 pgrep -x systemd-udevd
	modprobe -r -d "$VTIS_MODROOT" kvm_vtis 2>/dev/null
	ktap_check "modprobe kvm_vtis" modprobe -d "$VTIS_MODROOT" kvm_vtis
}

# wait_for SECS command...: poll a condition for at most SECS seconds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# logged FILE CMD...: run CMD, its output (stdout and stderr) also kept in
# FILE; CMD's status.  For ktap_run of a program whose output is parsed.
logged() {
	local file=$1
	shift
	"$@" 2>&1 | tee "$file"
	return "${PIPESTATUS[0]}"
}

# ktap_replay PREFIX FILE STATUS: the KTAP output a program left in FILE
# (it ran in the background and exited STATUS) becomes this file's results,
# as ktap_run would have made them.
ktap_replay() {
	ktap_run "$1" sh -c 'cat "$1"; exit "$2"' ktap-replay "$2" "$3"
}

# readme_recipe NAME: the README's block between its "recipe: NAME"
# markers, as the shell commands it shows (the indent of a code block
# removed).
readme_recipe() {
	sed -n "/^<!-- recipe: $1 /,/^<!-- \/recipe -->/p" "$VTIS_ROOT/README.md" |
		sed -n 's/^    //p'
}

# vtis_qemu_left_nothing: a VMM that vtis-qemu ran has ended, and so has
# everything it started: no device, no swtpm or supervisor, no helper, no
# temporary ACPI directory (a /tmp/vtis-qemu.* directory).  Prints what is
# left.
vtis_qemu_left_nothing() {
	local left p
	left=$("$VTIS_ROOT/tools/vtisctl" list --json)
	[ "$left" = "[]" ] || { echo "devices: $left"; return 1; }
	for p in swtpm vtis-swtpm-sup vtis-qemu-gate; do
		pgrep -a -x $p && return 1
	done
	left=$(find /tmp -maxdepth 1 -type d -name 'vtis-qemu.*')
	[ -z "$left" ] || { echo "directories: $left"; return 1; }
}

# The kernel's tracing folder (tracefs, mounted by the test host's init).
T=/sys/kernel/tracing

# trace_on EVENT...: clear the buffer, trace only these kvm_vtis events
# (names without the kvm_vtis_ prefix: mmio, cmd_submit, ...).
trace_on() {
	local e
	echo 0 >"$T/tracing_on"
	echo 0 >"$T/events/enable"
	echo 16384 >"$T/buffer_size_kb"
	: >"$T/trace"
	for e in "$@"; do
		echo 1 >"$T/events/kvm_vtis/kvm_vtis_$e/enable"
	done
	echo 1 >"$T/tracing_on"
}

# trace_off: stop tracing; the buffer stays for reading.
trace_off() {
	echo 0 >"$T/tracing_on"
	echo 0 >"$T/events/kvm_vtis/enable"
}

# --- The Linux guest (L2) under unmodified QEMU -------------------------

# guest_start NAME SCRIPT [QEMU ARGS...]: start unmodified QEMU, paused
# (-S) with a QMP socket, booting Debian's kernel with the guest initramfs;
# inside, the guest runs SCRIPT (a path on the shared root).  Words in
# GUEST_APPEND are added to the guest kernel's command line.  With
# GUEST_DISK set, QEMU gets no kernel: the firmware boots that disk image
# (virtio), whose boot loader loads the kernel with guest_cmdline's words.
# Sets GUEST_PID, GUEST_LOG (its console) and GUEST_QMP.
guest_start() {
	local name=$1 script=$2 boot
	shift 2
	if [ -n "${GUEST_DISK:-}" ]; then
		boot=(-drive "if=virtio,format=raw,file=$GUEST_DISK")
	else
		boot=(-kernel "${VTIS_VMLINUZ:-/boot/vmlinuz-$VTIS_KVER}" -initrd "$VTIS_GUEST_INITRD"
		      -append "$(guest_cmdline "$script")")
	fi
	GUEST_LOG=/tmp/$name.console
	GUEST_QMP=/tmp/$name.qmp
	: >"$GUEST_LOG"
	# No XSAVE for the guest: nested under TCG, the XSAVE sizes KVM passes
	# on disagree with each other and the guest kernel warns at boot.
	# GUEST_QEMU (word-split) replaces the QEMU command (vtis-qemu with
	# its options); GUEST_NO_REBOOT and GUEST_PAUSE, set empty, drop
	# -no-reboot and -S.
	${GUEST_QEMU:-qemu-system-x86_64} -enable-kvm -cpu host,-xsave -m 384 -smp 1 \
		-display none ${GUEST_NO_REBOOT--no-reboot} -nodefaults ${GUEST_PAUSE--S} \
		-serial "file:$GUEST_LOG" -qmp "unix:$GUEST_QMP,server=on,wait=off" \
		"${boot[@]}" -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		"$@" >"/tmp/$name.qemu.log" 2>&1 &
	GUEST_PID=$!
	if ! wait_for 20 test -S "$GUEST_QMP"; then
		echo "# QEMU did not start:"
		ktap_diag "/tmp/$name.qemu.log"
		return 1
	fi
	# The QMP socket is bound before the accelerator is set up; QEMU
	# only accepts on it from its main loop, after the machine (and its
	# KVM VM) exists.  Wait for both, so callers find the VM fd.
	if ! wait_for 120 guest_ready; then
		echo "# QEMU did not get ready (no answer on QMP, or no KVM VM fd):"
		ktap_diag "/tmp/$name.qemu.log"
		return 1
	fi
}

# guest_cmdline SCRIPT: the guest kernel's command line that runs SCRIPT.
guest_cmdline() {
	echo "console=ttyS0 quiet panic=-1 vtis.root=$VTIS_ROOT vtis.script=$1 ${GUEST_APPEND:-}"
}

# guest_ready: QEMU answers on QMP and holds its KVM VM fd.
guest_ready() {
	guest_running || return 1
	qmp "$GUEST_QMP" query-status >/dev/null 2>&1 &&
		vm_fd_of "$GUEST_PID" >/dev/null
}

# guest_running: QEMU is still there.
guest_running() {
	kill -0 "$GUEST_PID" 2>/dev/null
}

# guest_says SECS PATTERN: wait until the guest's console has a line
# matching PATTERN; fails early if QEMU has gone.
guest_says() {
	local end=$((SECONDS + $1))
	until grep -q "$2" "$GUEST_LOG"; do
		guest_running || return 1
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

# qmp SOCKET COMMAND: run one QMP command, print its JSON reply.
qmp() {
	python3 - "$1" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")
json.loads(f.readline())
for cmd in ("qmp_capabilities", sys.argv[2]):
    f.write(json.dumps({"execute": cmd}) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            break
print(json.dumps(r))
sys.exit(1 if "error" in r else 0)
PY
}

# vm_fd_of PID: the number of the fd through which PID holds its KVM VM.
vm_fd_of() {
	local l
	for l in /proc/"$1"/fd/*; do
		if [ "$(readlink "$l")" = "anon_inode:kvm-vm" ]; then
			echo "${l##*/}"
			return 0
		fi
	done
	return 1
}

# In a guest: PCR_ZERO is a reset sha256 PCR; pcr16 prints PCR 16 of the
# sha256 bank (lower-case hex).
PCR_ZERO=0000000000000000000000000000000000000000000000000000000000000000
pcr16() { tpm2_pcrread sha256:16 | sed -n 's/.*16 *: *0x//p' | tr 'A-F' 'a-f'; }

# In a guest, sha256_pcrs: "N HEX" lines (lower case) of the sha256 bank in
# tpm2_pcrread's output ("N : 0xHEX", "14: 0xHEX"), or in the "pcrs:"
# section of tpm2_eventlog's.
sha256_pcrs() {
	awk '/^ *sha[0-9]+:$/ { bank = $1; next }
	     { l = $0; gsub(":", " ", l) }
	     bank == "sha256:" && split(l, f, " ") == 2 && f[1] ~ /^[0-9]+$/ { print f[1], tolower(substr(f[2], 3)) }'
}

# has_all WANTED GOT: every word of WANTED is in GOT.
has_all() {
	local w
	for w in $1; do
		[[ " $2 " == *" $w "* ]] || return 1
	done
}

# In a guest, eventlog_replay LABEL WANTED RANGE: eventlog.bin, a TCG2
# (crypto-agile) event log, parses with tpm2_eventlog (into events.yaml),
# its replay gives at least the PCRs WANTED (words; RANGE says them) and
# every sha256 PCR it gives equals the TPM's.  Leaves the replay's and the
# TPM's "N HEX" lines in replayed and tpm.
eventlog_replay() {
	local got
	ktap_check "$1: tpm2_eventlog parses it" sh -c 'tpm2_eventlog eventlog.bin >events.yaml'
	echo "# $1: $(grep -c 'EventNum:' events.yaml) events"
	sed -n '/^pcrs:/,$p' events.yaml | sha256_pcrs | sort -n >replayed
	got=$(cut -d' ' -f1 replayed | paste -sd' ')
	tpm2_pcrread "sha256:$(cut -d' ' -f1 replayed | paste -sd,)" | sha256_pcrs | sort -n >tpm
	sed "s/^/# $1: pcr /" tpm
	ktap_check "$1: the replay gives PCRs $3 (it gives: $got)" has_all "$2" "$got"
	ktap_check "$1: the event log replays to the TPM's sha256 PCRs" \
		eval '[ -s replayed ] && cmp replayed tpm'
}

# fresh_tpm_works LABEL: in a guest, the TPM was started anew for this boot
# (PCR 16 reads zero), gives random bytes and extends PCR 16.
fresh_tpm_works() {
	local p
	p=$(pcr16)
	echo "# $1: PCR16 at start $p"
	ktap_check "$1: PCR 16 reads zero (a fresh TPM2_Startup(CLEAR))" test "$p" = "$PCR_ZERO"
	ktap_check "$1: tpm2_getrandom 16" \
		sh -c 'tpm2_getrandom --hex 16 >rand && [ $(wc -c <rand) -eq 32 ]'
	ktap_check "$1: tpm2_pcrextend 16" \
		tpm2_pcrextend "16:sha256=$(sha256sum rand | cut -d' ' -f1)"
	p=$(pcr16)
	ktap_check "$1: PCR 16 is no longer zero" test -n "$p" -a "$p" != "$PCR_ZERO"
}

# stage_next FILE VALUE: in the test host, tell a running guest its next
# stage: VALUE goes into FILE (which the guest's next boot reads) and
# FILE.VALUE is created (what reboot_at_stage waits for: the guest caches
# its root, so it sees a new file at once but a rewritten one only after
# its next boot; tests/vm/guest/init).
stage_next() {
	echo "$2" >"$1" && : >"$1.$2"
}

# Linux's tpm2 selftests (tests/vm/run hands them to the test host as
# VTIS_TPM2_SELFTESTS) where a guest finds them.
GUEST_SELFTESTS=/var/tmp/vtis-tpm2-selftests

# selftests_to_guest: in the test host, put Linux's tpm2 selftests in
# GUEST_SELFTESTS for the guests it will start.
selftests_to_guest() {
	rm -rf "$GUEST_SELFTESTS"
	cp -r "${VTIS_TPM2_SELFTESTS:-/nonexistent}" "$GUEST_SELFTESTS"
}

# tpm2_selftests PREFIX: in a guest, run Linux's tpm2 selftests on its
# /dev/tpm0 and /dev/tpmrm0 (tests/vm/guest/tpm2-selftests.py): a result
# per test case, PREFIX before each.
tpm2_selftests() {
	ktap_run "$1" python3 "$(dirname "${BASH_SOURCE[0]}")/guest/tpm2-selftests.py" \
		"$GUEST_SELFTESTS"
}

# wait_host_file SECS FILE: in a guest, wait (up to SECS) until the test
# host creates FILE (under its /var/tmp: the guest sees a new name at once,
# tests/vm/guest/init).  Returns 1 if it did not appear in time.
wait_host_file() {
	local i
	for i in $(seq $(($1 * 5))); do
		[ -e "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

# reboot_at_stage FILE VALUE: in a guest, wait (up to 120 s) until the
# test host sets the stage to VALUE (stage_next FILE VALUE), then reboot at
# once (sysrq b: the reset a crashed kernel does, no TPM shutdown) and
# never return.
reboot_at_stage() {
	wait_host_file 120 "$1.$2"
	echo "vtis-guest: rebooting"
	echo b >/proc/sysrq-trigger
	sleep 60
	exit 1
}

# guest_results [FROM TO]: the KTAP document the guest's script printed on
# its console (lines FROM to TO, sed addresses; default all) becomes
# results of this file, "guest: " before each; one more result says
# whether the document was whole (it has a plan: the script ran to its
# end).
guest_results() {
	local doc rc
	doc=$(tr -d '\r' <"$GUEST_LOG" | sed -n "${1:-1},${2:-\$}p" |
		grep -E '^(KTAP version 1|(not )?ok [0-9]+ - .*|1\.\.[0-9]+|#.*)$')
	ktap_absorb "guest: " <<<"$doc"
	grep -Eq '^1\.\.[1-9]' <<<"$doc"
	rc=$?
	ktap_result "$rc" "guest: its script ran to its end (a plan on its console)"
	[ "$rc" -eq 0 ] || tail -n 40 "$GUEST_LOG" | tr -d '\r' | ktap_diag
}

# guest_wait SECS: wait for the guest to finish its script; prints its
# exit status line.  Fails (and kills QEMU) if it does not in time.
guest_wait() {
	if guest_says "$1" '^vtis-guest: exit'; then
		wait_for 10 sh -c "! kill -0 $GUEST_PID 2>/dev/null"
		grep -q '^vtis-guest: exit 0' "$GUEST_LOG"
		return
	fi
	kill -9 "$GUEST_PID" 2>/dev/null
	return 1
}
