# SPDX-License-Identifier: GPL-2.0
# Helpers for test files under tests/vm/t (sourced; runs in the test host).

# check "description" command...: one result line from a command's status;
# returns that status.
check() {
	local what=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		sed 's/^/#   /' /tmp/check.out | tail -n 20
		VTIS_FAILED=1
		return 1
	fi
}

# no_splat: the kernel log holds no warning, bug or lockup so far.
no_splat() {
	! dmesg | grep -E 'BUG:|WARNING:|Oops|Call Trace|blocked for more than'
}

# vtis_load: make sure kvm_vtis is loaded (from the run's module tree).
vtis_load() {
	grep -q '^kvm_vtis ' /proc/modules ||
		modprobe -d "$VTIS_MODROOT" kvm_vtis
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

VTIS_FAILED=0
trap 'exit $VTIS_FAILED' EXIT

# --- The Linux guest (L2) under unmodified QEMU -------------------------

# guest_start NAME SCRIPT [QEMU ARGS...]: start unmodified QEMU, paused
# (-S) with a QMP socket, booting Debian's kernel with the guest initramfs;
# inside, the guest runs SCRIPT (a path on the shared root).  Words in
# GUEST_APPEND are added to the guest kernel's command line.  Sets
# GUEST_PID, GUEST_LOG (its console) and GUEST_QMP.
guest_start() {
	local name=$1 script=$2
	shift 2
	GUEST_LOG=/tmp/$name.console
	GUEST_QMP=/tmp/$name.qmp
	: >"$GUEST_LOG"
	# No XSAVE for the guest: nested under TCG, the XSAVE sizes KVM passes
	# on disagree with each other and the guest kernel warns at boot.
	qemu-system-x86_64 -enable-kvm -cpu host,-xsave -m 384 -smp 1 \
		-display none -no-reboot -nodefaults -S \
		-serial "file:$GUEST_LOG" -qmp "unix:$GUEST_QMP,server=on,wait=off" \
		-kernel "${VTIS_VMLINUZ:-/boot/vmlinuz-$VTIS_KVER}" -initrd "$VTIS_GUEST_INITRD" \
		-append "console=ttyS0 quiet panic=-1 vtis.root=$VTIS_ROOT vtis.script=$script ${GUEST_APPEND:-}" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		"$@" >"/tmp/$name.qemu.log" 2>&1 &
	GUEST_PID=$!
	if ! wait_for 20 test -S "$GUEST_QMP"; then
		echo "# QEMU did not start:"
		sed 's/^/#   /' "/tmp/$name.qemu.log"
		return 1
	fi
	# The QMP socket is bound before the accelerator is set up; QEMU
	# only accepts on it from its main loop, after the machine (and its
	# KVM VM) exists.  Wait for both, so callers find the VM fd.
	if ! wait_for 120 guest_ready; then
		echo "# QEMU did not get ready (no answer on QMP, or no KVM VM fd):"
		sed 's/^/#   /' "/tmp/$name.qemu.log"
		return 1
	fi
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
