#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtisctl command line: every argument error gives exit status 2 and
# exactly one line on stderr starting "vtisctl: " and nothing on stdout;
# operational failures give 1 and one line; --help works everywhere; attach
# explains a fd that is not a KVM VM, a fd it may not take, and a missing
# /dev/kvm-vtis.
set -u
. "$(dirname "$0")/lib.bash"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${holder:-}" ] && kill "$holder" 2>/dev/null; ktap_finish' EXIT
out=$tmp/out
err=$tmp/err
touch "$tmp/file"
mkdir "$tmp/dir"

# expect RC DESCRIPTION [PATTERN] -- ARGS...: vtisctl ARGS exits RC with one
# stderr line "vtisctl: ..." (matching PATTERN if given) and no stdout.
expect() {
	local want=$1 desc=$2 pat=
	shift 2
	if [ "$1" != -- ]; then
		pat=$1
		shift
	fi
	shift
	"$VTISCTL" "$@" >"$out" 2>"$err" </dev/null
	local rc=$? lines
	lines=$(wc -l <"$err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && [ ! -s "$out" ] &&
	    grep -q '^vtisctl: ' "$err" && { [ -z "$pat" ] || grep -Eq -- "$pat" "$err"; }; then
		ktap_ok "cli: $desc: exit $want, one line: $(cat "$err")"
	else
		ktap_fail "cli: $desc (vtisctl $*): exit $rc, want $want, $lines stderr lines"
		ktap_diag "$err" "$out"
	fi
}

usage() { expect 2 "$@"; }

# the tool itself
usage "no command" -- 
usage "unknown command" "unknown command 'frobnicate'" -- frobnicate
usage "unknown option before the command" "unknown option '--bogus'" -- --bogus
usage "help with an extra argument" -- --help extra

# attach
A=(attach --vm-fd 0)
usage "attach: --vm-fd and --pid missing" "--vm-fd N or --pid PID is required" -- attach --emulator
usage "attach: neither --emulator nor --host-tpm" "exactly one of" -- "${A[@]}"
usage "attach: both --emulator and --host-tpm" "exactly one of" -- "${A[@]}" --emulator --host-tpm
usage "attach: unknown option" "unknown option '--frob'" -- "${A[@]}" --emulator --frob
usage "attach: unknown short option" "unknown option '-x'" -- "${A[@]}" --emulator -x
usage "attach: --vm-fd without value" "needs a value" -- attach --emulator --vm-fd
usage "attach: --vm-fd not a number" -- attach --emulator --vm-fd abc
usage "attach: --vm-fd negative" -- attach --emulator --vm-fd -1
usage "attach: --vm-fd with trailing junk" -- attach --emulator --vm-fd 3x
usage "attach: --vm-fd empty" -- attach --emulator --vm-fd ''
usage "attach: --vm-fd above INT_MAX" -- attach --emulator --vm-fd 2147483648
usage "attach: --vm-fd overflowing 64 bits" -- attach --emulator --vm-fd 99999999999999999999999
usage "attach: --vm-fd with a leading blank" -- attach --emulator --vm-fd ' 3'
usage "attach: --vm-fd with a plus sign" -- attach --emulator --vm-fd +3
usage "attach: --pid 0" "--pid" -- "${A[@]}" --emulator --pid 0
usage "attach: --pid not a number" "--pid" -- "${A[@]}" --emulator --pid me
usage "attach: bad --tpm" "--tpm '3.0' must be 2.0 or 1.2" -- "${A[@]}" --emulator --tpm 3.0
usage "attach: --log-size not a multiple of 4096" "--log-size 100 must be 0 or a multiple of 4096" -- \
	"${A[@]}" --emulator --log-size 100
usage "attach: --log-size above 1 MiB" "up to 1048576" -- "${A[@]}" --emulator --log-size 0x200000
usage "attach: a log window past 4 GiB" "must end below 4 GiB" -- \
	"${A[@]}" --emulator --base 0xfffec000 --log-size 65536
usage "attach: --interface fifo" "--interface 'fifo' must be tis or crb" -- \
	"${A[@]}" --emulator --interface fifo
usage "attach: --interface crb --tpm 1.2" "CRB has no TPM 1.2" -- \
	"${A[@]}" --emulator --interface crb --tpm 1.2
usage "attach: --tpm 2" -- "${A[@]}" --emulator --tpm 2
usage "attach: --base not a number" -- "${A[@]}" --emulator --base fed40000
usage "attach: --base misaligned" "multiple of 4 KiB" -- "${A[@]}" --emulator --base 0xfed40800
usage "attach: --base 0" -- "${A[@]}" --emulator --base 0
usage "attach: --base window past 4 GiB" "below 4 GiB" -- "${A[@]}" --emulator --base 0xffffc000
usage "attach: --base above 4 GiB" -- "${A[@]}" --emulator --base 0x100000000
usage "attach: --base 0x without digits" -- "${A[@]}" --emulator --base 0x
usage "attach: extra argument" "unexpected argument 'extra'" -- "${A[@]}" --emulator extra
usage "attach: --tpm-index without --host-tpm" "--tpm-index needs --host-tpm" -- "${A[@]}" --emulator --tpm-index 0
usage "attach: --tpm-index without value" "needs a value" -- "${A[@]}" --host-tpm --tpm-index
usage "attach: --tpm-index not a number" "--tpm-index 'x' must be a number from 0 to 65535" -- "${A[@]}" --host-tpm --tpm-index x
usage "attach: --tpm-index negative" "--tpm-index" -- "${A[@]}" --host-tpm --tpm-index -1
usage "attach: --tpm-index above 65535" "--tpm-index '65536'" -- "${A[@]}" --host-tpm --tpm-index 65536
usage "attach: --tpm-index empty" "--tpm-index" -- "${A[@]}" --host-tpm --tpm-index ''
usage "attach: --tpm-index with trailing junk" "--tpm-index" -- "${A[@]}" --host-tpm --tpm-index 1x
usage "attach: --irq 0" "--irq '0' must be 1..255 and not 2" -- "${A[@]}" --emulator --irq 0
usage "attach: --irq 2 (cascade)" "--irq '2' must be 1..255 and not 2" -- "${A[@]}" --emulator --irq 2
usage "attach: --irq 256" "--irq '256'" -- "${A[@]}" --emulator --irq 256
usage "attach: --irq not a number" "--irq 'seven'" -- "${A[@]}" --emulator --irq seven
usage "attach: --irq negative" "--irq '-7'" -- "${A[@]}" --emulator --irq -7
usage "attach: --irq empty" "--irq ''" -- "${A[@]}" --emulator --irq ''
usage "attach: --irq without value" "needs a value" -- "${A[@]}" --emulator --irq
usage "attach: --swtpm with --host-tpm" "--swtpm runs an emulator" -- "${A[@]}" --host-tpm --swtpm "$tmp/st"
usage "attach: --swtpm without value" "needs a value" -- "${A[@]}" --swtpm
usage "attach: --wait-vm with --vm-fd" "--wait-vm goes with --pid alone" -- "${A[@]}" --pid 1 --emulator --wait-vm 5
usage "attach: --wait-vm without --pid" "--vm-fd N or --pid PID is required" -- attach --emulator --wait-vm 5
usage "attach: --wait-vm above an hour" "--wait-vm '3601'" -- attach --pid 1 --emulator --wait-vm 3601

# detach, info, list
usage "detach: no ID" "ID is required" -- detach
usage "detach: ID 0" -- detach 0
usage "detach: ID not a number" -- detach abc
usage "detach: negative ID" -- detach -5
usage "detach: ID above 32 bits" -- detach 4294967296
usage "detach: two IDs" "unexpected argument '2'" -- detach 1 2
usage "detach: unknown option" -- detach --json 1
usage "info: no ID" -- info
usage "info: bad ID" -- info 1x
usage "info: extra argument" -- info 1 2
usage "info: unknown option" -- info 1 --all
usage "list: extra argument" "unexpected argument 'all'" -- list all
usage "list: unknown option" -- list --all

# stats
usage "stats: no ID and no --watch" "ID is required" -- stats
usage "stats: ID 0" -- stats 0
usage "stats: ID not a number" "ID 'abc' must be a number" -- stats abc
usage "stats: ID above 32 bits" -- stats 4294967296
usage "stats: two IDs" "unexpected argument '2'" -- stats 1 2
usage "stats: unknown option" "unknown option '--all'" -- stats 1 --all
usage "stats: --json with --watch" "do not go together" -- stats --watch --json
usage "stats: --interval without --watch" "need --watch" -- stats 1 --interval 2
usage "stats: --count without --watch" "need --watch" -- stats 1 --count 2
usage "stats: --interval 0" "--interval '0'" -- stats --watch --interval 0
usage "stats: --interval above an hour" -- stats --watch --interval 3601
usage "stats: --interval not a number" -- stats --watch --interval soon
usage "stats: --interval without value" "needs a value" -- stats --watch --interval
usage "stats: --count 0" "--count '0'" -- stats --watch --count 0
usage "stats: --count negative" -- stats --watch --count -1
usage "stats: --watch with a bad ID" -- stats --watch 1x

# acpi
usage "acpi: --tpm missing" "--tpm 2.0\|1.2 is required" -- acpi --out "$tmp/dir"
usage "acpi: --out missing" "--out DIR is required" -- acpi --tpm 2.0
usage "acpi: bad --tpm" -- acpi --tpm 1.3 --out "$tmp/dir"
usage "acpi: --tpm without value" "needs a value" -- acpi --out "$tmp/dir" --tpm
expect 1 "acpi: --out below a file cannot be made" "cannot create --out" -- acpi --tpm 2.0 --out "$tmp/file/sub"
if "$VTISCTL" acpi --tpm 2.0 --out "$tmp/new/sub" >/dev/null 2>"$err" &&
    [ -s "$tmp/new/sub/ssdt-tpm.aml" ] && [ -s "$tmp/new/sub/tpm2.aml" ]; then
	ktap_ok "cli: acpi: a missing --out directory is made, tables written"
else
	ktap_fail "cli: acpi: a missing --out directory is made, tables written"
	ktap_diag "$err"
fi
usage "acpi: --out is not a directory" "not a directory" -- acpi --tpm 2.0 --out "$tmp/file"
usage "acpi: --base misaligned" -- acpi --tpm 2.0 --out "$tmp/dir" --base 0xfed40004
usage "acpi: --base past 4 GiB" -- acpi --tpm 2.0 --out "$tmp/dir" --base 0xfffff000
usage "acpi: --base negative" -- acpi --tpm 2.0 --out "$tmp/dir" --base -4096
usage "acpi: --irq 0" -- acpi --tpm 2.0 --out "$tmp/dir" --irq 0
usage "acpi: --irq 2 (cascade)" -- acpi --tpm 2.0 --out "$tmp/dir" --irq 2
usage "acpi: --irq 256" -- acpi --tpm 2.0 --out "$tmp/dir" --irq 256
usage "acpi: --irq not a number" -- acpi --tpm 2.0 --out "$tmp/dir" --irq five
usage "acpi: --log-area without colon" "ADDR:SIZE" -- acpi --tpm 2.0 --out "$tmp/dir" --log-area 0x1000
usage "acpi: --log-area size 0" -- acpi --tpm 2.0 --out "$tmp/dir" --log-area 0x1000:0
usage "acpi: --log-area size above 32 bits" -- acpi --tpm 2.0 --out "$tmp/dir" --log-area 0x1000:0x100000000
usage "acpi: --log-area empty address" -- acpi --tpm 1.2 --out "$tmp/dir" --log-area :4096
usage "acpi: --log-area bad address" -- acpi --tpm 1.2 --out "$tmp/dir" --log-area zz:4096
usage "acpi: --log-area empty size" -- acpi --tpm 1.2 --out "$tmp/dir" --log-area 0x1000:
usage "acpi: --log-area two colons" -- acpi --tpm 1.2 --out "$tmp/dir" --log-area 1:2:3
usage "acpi: --log-area wrapping the address space" "wraps" -- acpi --tpm 1.2 --out "$tmp/dir" --log-area 0xffffffffffff0000:0x10001
usage "acpi: extra argument" -- acpi --tpm 2.0 --out "$tmp/dir" more
ktap_check "cli: acpi: nothing written after argument errors" test -z "$(ls -A "$tmp/dir")"
"$VTISCTL" acpi --tpm 2.0 --out "$tmp/dir" --log-area 0xffffffffffff0000:0x10000 >/dev/null 2>&1
ktap_check "cli: acpi: a log area ending exactly at the top of the address space is taken" \
	test -s "$tmp/dir/tpm2.aml"
chmod 0555 "$tmp/dir"
if [ "$(id -u)" -eq 0 ]; then
	# root writes anyway: run this case as nobody
	chmod 0755 "$tmp"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$VTISCTL" acpi --tpm 2.0 \
		--out "$tmp/dir" >"$out" 2>"$err"
	rc=$?
	if [ "$rc" -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q '^vtisctl: acpi: cannot create' "$err"; then
		ktap_ok "cli: acpi: unwritable --out: exit 1, one line: $(cat "$err")"
	else
		ktap_fail "cli: acpi: unwritable --out gives exit 1 and one line (got $rc)"
		ktap_diag "$err"
	fi
fi
chmod 0755 "$tmp/dir"

# --help and -h: usage on stdout, exit 0, nothing on stderr
help_ok() {
	"$VTISCTL" "$@" >"$out" 2>"$err" && [ ! -s "$err" ] && head -n 1 "$out" | grep -q '^Usage: vtisctl'
}
for h in --help -h help; do
	ktap_check "cli: vtisctl $h prints usage" help_ok "$h"
done
for c in attach detach list info stats acpi; do
	ktap_check "cli: vtisctl $c --help prints usage" help_ok "$c" --help
	ktap_check "cli: vtisctl $c -h prints usage" help_ok "$c" -h
	ktap_check "cli: vtisctl $c --help documents $c" grep -q "vtisctl $c" "$out"
done
ktap_check "cli: vtisctl acpi --help ignores other arguments" help_ok acpi --tpm 9 --help
# --version: "vtisctl VERSION" (the VERSION file's), exit 0, nothing on stderr
version_ok() {
	"$VTISCTL" --version >"$out" 2>"$err" && [ ! -s "$err" ] &&
		[ "$(cat "$out")" = "vtisctl $(cat "$VTIS_ROOT/VERSION")" ]
}
ktap_check "cli: vtisctl --version prints vtisctl $(cat "$VTIS_ROOT/VERSION")" version_ok
usage "--version with an extra argument" -- --version extra
if [ -w /dev/full ]; then
	"$VTISCTL" --help >/dev/full 2>"$err"
	rc=$?
	ktap_check "cli: a failed write of the output gives exit 1 and one line" \
		test "$rc" -eq 1 -a "$(wc -l <"$err")" -eq 1
fi

# the man page renders cleanly and covers every command and option
man=$VTIS_ROOT/tools/vtisctl.8
ktap_check "cli: vtisctl.8 renders without groff warnings" \
	sh -c "groff -man -Tutf8 -ww -z '$man' 2>&1 | grep -q . && exit 1; exit 0"
for w in attach detach list info stats --watch --interval --count acpi --vm-fd --pid --base --tpm --emulator --host-tpm --tpm-index \
	--json --out --irq --machine --log-area --version ssdt-tpm.aml tpm2.aml tcpa.aml "EXIT STATUS" EXAMPLES; do
	ktap_check "cli: vtisctl.8 documents $w" grep -q -- "$(printf '%s' "$w" | sed 's/-/\\\\-/g')" "$man"
done

# attach: fds that are not KVM VMs are refused before the kernel is asked
expect 1 "attach: --vm-fd of /dev/null" "fd 0 is not a KVM VM fd \(it is /dev/null\)" -- \
	attach --vm-fd 0 --emulator
expect 1 "attach: --vm-fd not open" "fd 57 is not open" -- attach --vm-fd 57 --emulator
sleep 300 </dev/null >/dev/null 2>&1 &
holder=$!
expect 1 "attach --pid: fd of another process that is not a VM" \
	"fd 0 of process $holder is not a KVM VM fd \(it is /dev/null\)" -- \
	attach --pid "$holder" --vm-fd 0 --emulator
expect 1 "attach --pid: fd the process does not have" "process $holder has no fd 77" -- \
	attach --pid "$holder" --vm-fd 77 --emulator
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
expect 1 "attach --pid: no such process" "no process $holder" -- \
	attach --pid "$holder" --vm-fd 3 --emulator
holder=

# A real KVM VM fd: the test VMM's vmfd (tests/vm/vmm/vmfd.c) runs a
# command with one as fd 5, as a VMM process holds it.
vmfd=$tmp/vmfd
ktap_check "cli: vmfd builds (KVM_CREATE_VM from <linux/kvm.h>)" \
	cc -Wall -Werror -o "$vmfd" "$VTIS_ROOT/tests/vm/vmm/vmfd.c"
if ktap_check "cli: /dev/kvm creates a VM here (the real-VM-fd cases need one)" "$vmfd" true; then
	# a process holding a VM fd, as a VMM does
	"$vmfd" sleep 300 &
	holder=$!
	for i in $(seq 50); do
		[ "$(readlink "/proc/$holder/fd/5" 2>/dev/null)" = anon_inode:kvm-vm ] && break
		sleep 0.1
	done
	ktap_check "cli: a process holds a KVM VM fd (fd 5)" \
		test "$(readlink "/proc/$holder/fd/5")" = anon_inode:kvm-vm
	setpriv --reuid=65534 --regid=65534 --clear-groups "$VTISCTL" attach --pid "$holder" \
		--vm-fd 5 --emulator >"$out" 2>"$err"
	rc=$?
	if [ "$rc" -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ] &&
	    grep -q "^vtisctl: attach: not permitted to take fd 5 from process $holder" "$err"; then
		ktap_ok "cli: attach --pid of another user's process: exit 1, one line: $(cat "$err")"
	else
		ktap_fail "cli: attach --pid of another user's process says it is not permitted (exit $rc)"
		ktap_diag "$err"
	fi
	if [ ! -e /dev/kvm-vtis ]; then
		expect 1 "attach --pid with a real VM fd and no /dev/kvm-vtis" \
			"/dev/kvm-vtis not found: is the kvm_vtis module loaded" -- \
			attach --pid "$holder" --vm-fd 5 --emulator
		"$vmfd" "$VTISCTL" attach --vm-fd 5 --emulator >"$out" 2>"$err"
		rc=$?
		if [ "$rc" -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ] &&
		    grep -q 'kvm-vtis not found: is the kvm_vtis module loaded' "$err"; then
			ktap_ok "cli: attach with an inherited VM fd and no /dev/kvm-vtis: $(cat "$err")"
		else
			ktap_fail "cli: attach with an inherited VM fd and no /dev/kvm-vtis (exit $rc)"
			ktap_diag "$err"
		fi
	else
		echo "# /dev/kvm-vtis exists: attaching for real"
		if "$VTISCTL" attach --pid "$holder" --vm-fd 5 --emulator --json >"$out" 2>"$err"; then
			ktap_ok "cli: attach --pid --vm-fd --emulator --json on a real VM"
			id=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["emulator"].startswith("/dev/vtis-emu"); print(d["id"])' "$out")
			ktap_check "cli: attach --json gives id $id and an emulator path" test -n "$id"
			ktap_check "cli: list --json has device $id" sh -c "'$VTISCTL' list --json | python3 -c 'import json,sys; assert [d for d in json.load(sys.stdin) if d[\"id\"]==$id and d[\"owner_pid\"]==$holder]'"
			ktap_check "cli: info $id" "$VTISCTL" info "$id"
			ktap_check "cli: detach $id" "$VTISCTL" detach "$id"
			expect 1 "detach of a detached id" "no device with id $id" -- detach "$id"
		else
			ktap_fail "cli: attach --pid --vm-fd --emulator --json on a real VM"
			ktap_diag "$err"
		fi
	fi
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	holder=
fi

if [ ! -e /dev/kvm-vtis ]; then
	for c in "detach 1" "info 1" "list" "list --json" "stats 1" "stats --watch --count 1"; do
		# shellcheck disable=SC2086
		expect 1 "$c without /dev/kvm-vtis" "/dev/kvm-vtis not found" -- $c
	done
fi
