# SPDX-License-Identifier: GPL-2.0
# Helpers for test files under tests/vm/t (sourced; runs in the test host).

# check "description" command...: one result line from a command's status.
check() {
	local what=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		sed 's/^/#   /' /tmp/check.out | tail -n 20
		VTIS_FAILED=1
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
