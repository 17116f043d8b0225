#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtisctl acpi: for both TPM families and with and without --base, --irq
# and --log-area, every table must
#   - have a correct header (signature, length = file size, revision, OEM
#     ID) and bytes summing to 0 mod 256, recomputed here;
#   - disassemble with "iasl -d" with no error or warning;
#   - show the expected _HID, Memory32Fixed base and length, IRQ, _STA,
#     start method, LAML and LASA in the disassembly;
#   - (SSDT, TPM2, TCPA) re-assemble from that disassembly with iasl to the
#     same bytes, apart from checksum and compiler id/revision;
# and a TPM 2.0 pair must be accepted by qemu-system-x86_64 -acpitable.
set -u
. "$(dirname "$0")/lib.bash"

if ! command -v iasl >/dev/null; then
	echo "# installing acpica-tools for iasl"
	apt-get install -y acpica-tools >/dev/null 2>&1
fi
if ! command -v iasl >/dev/null; then
	ktap_fail "acpi: iasl (acpica-tools) is available"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; ktap_finish' EXIT

# Header and checksum: FILE SIG REV
header_ok() {
	python3 - "$@" <<'PY'
import sys
path, sig, rev = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = open(path, "rb").read()
errs = []
if len(b) < 36:
    errs.append("shorter than a header")
else:
    if b[0:4] != sig.encode():
        errs.append("signature %r" % b[0:4])
    if int.from_bytes(b[4:8], "little") != len(b):
        errs.append("length field %d, file %d" % (int.from_bytes(b[4:8], "little"), len(b)))
    if b[8] != rev:
        errs.append("revision %d" % b[8])
    if sum(b) % 256:
        errs.append("bytes sum to %d mod 256" % (sum(b) % 256))
    if b[10:16] != b"KVMVTI":
        errs.append("OEM ID %r" % b[10:16])
for e in errs:
    print("#   %s: %s" % (path, e))
sys.exit(1 if errs else 0)
PY
}

# iasl -d FILE: exit 0, no error/warning in its output or the .dsl.
disasm_ok() {
	local f=$1 dsl=${1%.aml}.dsl
	if ! (cd "$(dirname "$f")" && iasl -d "$(basename "$f")") >"$f.log" 2>&1; then
		ktap_diag "$f.log"
		return 1
	fi
	if grep -Eiq 'warning|error|terminates early|invalid|unknown' "$f.log" "$dsl"; then
		grep -Ei 'warning|error|terminates early|invalid|unknown' "$f.log" "$dsl" | ktap_diag
		return 1
	fi
	[ -s "$dsl" ]
}

# Re-assemble FILE's .dsl and compare, ignoring checksum (byte 9) and the
# compiler id and revision (bytes 28-35), which iasl sets to its own.
reassemble_ok() {
	local f=$1 dsl=${1%.aml}.dsl out=${1%.aml}-re
	if ! iasl -p "$out" "$dsl" >"$f.relog" 2>&1 ||
	    ! grep -q '0 Errors, 0 Warnings, 0 Remarks' "$f.relog"; then
		ktap_diag "$f.relog"
		return 1
	fi
	python3 - "$f" "$out.aml" <<'PY'
import sys
a = open(sys.argv[1], "rb").read()
b = open(sys.argv[2], "rb").read()
mask = lambda x: x[:9] + x[10:28] + x[36:]
if len(a) != len(b) or mask(a) != mask(b):
    print("#   re-assembled %s differs: %s vs %s" % (sys.argv[1], a.hex(), b.hex()))
    sys.exit(1)
PY
}

# The .dsl has a line matching each extended regexp given.
has() {
	local dsl=$1 re
	shift
	for re in "$@"; do
		if ! grep -Eq -- "$re" "$dsl"; then
			echo "#   $dsl lacks /$re/"
			return 1
		fi
	done
}

lacks() {
	local dsl=$1 re
	shift
	for re in "$@"; do
		if grep -Eq -- "$re" "$dsl"; then
			echo "#   $dsl has /$re/"
			return 1
		fi
	done
}

hex8() { printf '%08X' "$1"; }
hex16() { printf '%016X' "$1"; }

# run_case NAME FAMILY BASE IRQ LOGADDR LOGSIZE -- vtisctl acpi options
run_case() {
	local name=$1 fam=$2 base=$3 irq=$4 laddr=$5 lsize=$6
	shift 7
	local d=$tmp/$name table sig rev
	mkdir -p "$d"
	if [ "$fam" = 2.0 ]; then table=tpm2; sig=TPM2; rev=4; else table=tcpa; sig=TCPA; rev=2; fi

	if ! "$VTISCTL" acpi --tpm "$fam" --out "$d" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" ||
	    [ -s "$tmp/$name.err" ]; then
		ktap_fail "acpi $name: vtisctl acpi --tpm $fam $* succeeds silently on stderr"
		ktap_diag "$tmp/$name.err"
		return
	fi
	ktap_ok "acpi $name: vtisctl acpi --tpm $fam $* succeeds"
	ktap_check "acpi $name: prints the two paths written" \
		diff <(printf '%s\n' "$d/ssdt-tpm.aml" "$d/$table.aml") "$tmp/$name.out"
	ktap_check "acpi $name: writes exactly ssdt-tpm.aml and $table.aml" \
		diff <(printf '%s\n' ssdt-tpm.aml "$table.aml") <(ls -A "$d" | LC_ALL=C sort)

	ktap_check "acpi $name: SSDT header, length and checksum" header_ok "$d/ssdt-tpm.aml" SSDT 2
	ktap_check "acpi $name: $sig header, length and checksum" header_ok "$d/$table.aml" "$sig" "$rev"
	ktap_check "acpi $name: iasl -d ssdt-tpm.aml without error or warning" disasm_ok "$d/ssdt-tpm.aml"
	ktap_check "acpi $name: iasl -d $table.aml without error or warning" disasm_ok "$d/$table.aml"
	ktap_check "acpi $name: ssdt-tpm.aml re-assembles to the same AML" reassemble_ok "$d/ssdt-tpm.aml"
	ktap_check "acpi $name: $table.aml re-assembles to the same table" reassemble_ok "$d/$table.aml"

	local ssdt=$d/ssdt-tpm.dsl tdsl=$d/$table.dsl hid irqre
	if [ "$fam" = 2.0 ]; then
		hid='Name \(_HID, "MSFT0101"'
	else
		hid='Name \(_HID, EisaId \("PNP0C31"\)\)'
	fi
	ktap_check "acpi $name: Device (\\_SB.TPM) with the $fam _HID, _STA 0x0F" \
		has "$ssdt" 'Scope \(\\_SB\)' 'Device \(TPM\)' "$hid" \
		'Method \(_STA, 0, NotSerialized\)' 'Return \(0x0F\)'
	ktap_check "acpi $name: _CRS Memory32Fixed (ReadWrite, 0x$(hex8 "$base"), 0x00005000)" \
		has "$ssdt" 'Memory32Fixed \(ReadWrite,' "^ +0x$(hex8 "$base"), +// Address Base" \
		'^ +0x00005000, +// Address Length'
	if [ "$irq" = none ]; then
		ktap_check "acpi $name: no interrupt in _CRS" lacks "$ssdt" 'IRQ' 'Interrupt \('
	elif [ "$irq" -le 15 ]; then
		ktap_check "acpi $name: _CRS IRQ (Level, ActiveLow, Exclusive) {$irq}" \
			has "$ssdt" '^ +IRQ \(Level, ActiveLow, Exclusive, \)' "^ +\\{$irq\\}\$"
	else
		ktap_check "acpi $name: _CRS Interrupt (ResourceConsumer, Level, ActiveLow, Exclusive) {$irq}" \
			has "$ssdt" 'Interrupt \(ResourceConsumer, Level, ActiveLow, Exclusive' \
			"^ +0x$(hex8 "$irq"),\$"
	fi
	if [ "$fam" = 2.0 ]; then
		ktap_check "acpi $name: TPM2 rev 4, 76 bytes, client, start method 6 (FIFO/TIS), no CRB area" \
			has "$tdsl" 'Table Length : 0000004C' 'Revision : 04' \
			'Platform Class : 0000' 'Control Address : 0000000000000000' \
			'Start Method : 06 \[Memory Mapped I/O\]'
		ktap_check "acpi $name: TPM2 LAML $lsize, LASA $laddr" \
			has "$tdsl" "Minimum Log Length : $(hex8 "$lsize")\$" \
			"Log Address : $(hex16 "$laddr")\$"
	else
		ktap_check "acpi $name: TCPA rev 2, 50 bytes, client" \
			has "$tdsl" 'Table Length : 00000032' 'Revision : 02' 'Platform Class : 0000'
		ktap_check "acpi $name: TCPA LAML $lsize, LASA $laddr" \
			has "$tdsl" "Min Event Log Length : $(hex8 "$lsize")\$" \
			"Event Log Address : $(hex16 "$laddr")\$"
	fi
}

D=0xFED40000
run_case tpm2-default 2.0 $D none 0 0 --
run_case tpm2-irq5 2.0 $D 5 0 0 -- --irq 5
run_case tpm2-log 2.0 $D none 0x100000 65536 -- --log-area 0x100000:65536
run_case tpm2-all 2.0 0xFE000000 40 0x7F000000 0x10000 -- \
	--base 0xfe000000 --irq 40 --log-area 0x7f000000:0x10000
run_case tpm2-edges 2.0 0xFFFFB000 255 0xFFFFFFFF00000000 0xFFFFFFFF -- \
	--base 0xffffb000 --irq 255 --log-area 0xffffffff00000000:0xffffffff
run_case tpm12-default 1.2 $D none 0 0 --
run_case tpm12-irq-log 1.2 $D 11 0x7F000000 0x10000 -- --irq 11 --log-area 0x7f000000:0x10000
run_case tpm12-base-irq 1.2 0x1000 200 0 0 -- --base 4096 --irq 200
run_case tpm12-irq1 1.2 $D 1 0x1000 1 -- --irq 1 --log-area 4096:1

# --machine q35: GSIs 16-23 are shared, active-high PIRQ lines; ISA
# interrupts are as on pc; there is no GSI 24.
"$VTISCTL" acpi --tpm 2.0 --machine q35 --irq 20 --out "$tmp/q35" >/dev/null 2>&1
ktap_check "acpi q35: --machine q35 --irq 20 is Interrupt (ResourceConsumer, Level, ActiveHigh, Shared) {20}" \
	sh -c "cd '$tmp/q35' && iasl -d ssdt-tpm.aml >/dev/null 2>&1 &&
	       grep -Eq 'Interrupt \(ResourceConsumer, Level, ActiveHigh, Shared' ssdt-tpm.dsl &&
	       grep -Eq '^ +0x00000014,\$' ssdt-tpm.dsl"
"$VTISCTL" acpi --tpm 2.0 --machine q35 --irq 5 --out "$tmp/q35-5" >/dev/null 2>&1
ktap_check "acpi q35: --irq 5 stays IRQ (Level, ActiveLow, Exclusive) {5}" \
	sh -c "cd '$tmp/q35-5' && iasl -d ssdt-tpm.aml >/dev/null 2>&1 &&
	       grep -Eq 'IRQ \(Level, ActiveLow, Exclusive, \)' ssdt-tpm.dsl"
"$VTISCTL" acpi --tpm 2.0 --machine pc --irq 20 --out "$tmp/pc-20" >/dev/null 2>&1
ktap_check "acpi: --machine pc --irq 20 is the default encoding (ActiveLow, Exclusive)" \
	cmp "$tmp/pc-20/ssdt-tpm.aml" <("$VTISCTL" acpi --tpm 2.0 --irq 20 --out "$tmp/def-20" >/dev/null && cat "$tmp/def-20/ssdt-tpm.aml")
"$VTISCTL" acpi --tpm 2.0 --machine q35 --irq 24 --out "$tmp/q35-24" >/dev/null 2>"$tmp/q35-24.err"
rc=$?
ktap_check "acpi q35: --irq 24 is refused (exit $rc, want 2), nothing written" \
	sh -c "[ $rc -eq 2 ] && grep -q 'GSIs up to 23' '$tmp/q35-24.err' && [ ! -e '$tmp/q35-24' ]"
"$VTISCTL" acpi --tpm 2.0 --machine isapc --out "$tmp/m" >/dev/null 2>"$tmp/m.err"
rc=$?
ktap_check "acpi: --machine isapc is refused (exit $rc, want 2)" \
	sh -c "[ $rc -eq 2 ] && grep -q 'must be pc or q35' '$tmp/m.err'"

# --log-size: the device's log window (base + 0x5000) is the log area,
# reserved by Device (\_SB.TPML), a PNP0C02 motherboard resource.
run_case tpm2-logwin 2.0 $D none 0xFED45000 65536 -- --log-size 65536
run_case tpm12-logwin 1.2 0xFE000000 none 0xFE005000 4096 -- --base 0xfe000000 --log-size 4096
ktap_check "acpi --log-size: Device (TPML), PNP0C02, _CRS Memory32Fixed (ReadWrite, 0xFED45000, 0x00010000)" \
	has "$tmp/tpm2-logwin/ssdt-tpm.dsl" 'Device \(TPML\)' 'EisaId \("PNP0C02"\)' \
	'0xFED45000, +// Address Base' '0x00010000, +// Address Length'
ktap_check "acpi: without --log-size no Device (TPML)" \
	lacks "$tmp/tpm2-log/ssdt-tpm.dsl" 'TPML' 'PNP0C02'
for bad in "--log-size 100|multiple of 4096" "--log-size 2097152|up to 1048576" \
	   "--log-size 4096 --log-area 0x1000:16|not both" \
	   "--base 0xfffec000 --log-size 65536|must end below 4 GiB" \
	   "--interface crb --tpm 1.2|CRB has no TPM 1.2" "--interface fifo|must be tis or crb"; do
	args=${bad%%|*} want=${bad#*|}
	rm -rf "$tmp/bad"
	# shellcheck disable=SC2086
	"$VTISCTL" acpi --tpm 2.0 $args --out "$tmp/bad" >/dev/null 2>"$tmp/bad.err"
	rc=$?
	ktap_check "acpi $args: refused (exit $rc, want 2): $want" \
		sh -c "[ $rc -eq 2 ] && grep -q -- '$want' '$tmp/bad.err' && [ ! -e '$tmp/bad' ]"
done

# --interface crb: the TPM2 table's start method 7, its control area at
# base + 0x40 (locality 0's CTRL_REQ); the SSDT as for the TIS.
"$VTISCTL" acpi --tpm 2.0 --interface crb --base 0xfe000000 --out "$tmp/crb" >/dev/null 2>&1
ktap_check "acpi --interface crb: TPM2 start method 7, control area 0xFE000040" \
	sh -c "cd '$tmp/crb' && iasl -d tpm2.aml >/dev/null 2>&1 &&
	       grep -Eq 'Control Address : 00000000FE000040' tpm2.dsl &&
	       grep -Eq 'Start Method : 07' tpm2.dsl"
ktap_check "acpi --interface crb: the SSDT is the TIS's" \
	cmp "$tmp/crb/ssdt-tpm.aml" <("$VTISCTL" acpi --tpm 2.0 --base 0xfe000000 --out "$tmp/crb-tis" >/dev/null && cat "$tmp/crb-tis/ssdt-tpm.aml")

# Writing again over existing files replaces them.
"$VTISCTL" acpi --tpm 2.0 --out "$tmp/tpm2-default" --irq 7 >/dev/null 2>&1
ktap_check "acpi: a second run replaces the files" \
	sh -c "cd '$tmp/tpm2-default' && iasl -d ssdt-tpm.aml >/dev/null 2>&1 && grep -q '{7}' ssdt-tpm.dsl"

# QEMU takes our tables (it re-uses their headers): started stopped (-S,
# no guest code runs), it must keep running with nothing on stderr; a table
# it refuses makes it exit at once with a message.  One QEMU at a time.
qemu_loads() {
	local d=$1 rc
	timeout 5 qemu-system-x86_64 -accel tcg -M q35 -nodefaults -display none \
		-monitor none -serial none -S \
		-acpitable file="$d/ssdt-tpm.aml" -acpitable file="$d/$2" \
		>"$d/qemu.log" 2>&1
	rc=$?
	sed -i '/terminating on signal 15 from pid .* (timeout)/d' "$d/qemu.log"
	if [ "$rc" -ne 124 ] || [ -s "$d/qemu.log" ]; then
		echo "#   qemu exit $rc (124 = still running when stopped)"
		ktap_diag "$d/qemu.log"
		return 1
	fi
}
qemu_checks() {
	ktap_check "acpi tpm2-all: qemu-system-x86_64 -acpitable accepts ssdt-tpm.aml and tpm2.aml" \
		qemu_loads "$tmp/tpm2-all" tpm2.aml
	ktap_check "acpi tpm12-irq-log: qemu-system-x86_64 -acpitable accepts ssdt-tpm.aml and tcpa.aml" \
		qemu_loads "$tmp/tpm12-irq-log" tcpa.aml
	# The check must be able to fail: QEMU refuses a table whose length
	# field disagrees with its file.
	mkdir -p "$tmp/bad"
	cp "$tmp/tpm2-all/ssdt-tpm.aml" "$tmp/tpm2-all/tpm2.aml" "$tmp/bad/"
	printf '\x50' | dd of="$tmp/bad/tpm2.aml" bs=1 seek=4 conv=notrunc 2>/dev/null
	if qemu_loads "$tmp/bad" tpm2.aml >/dev/null; then
		ktap_fail "acpi: qemu refuses a table with a wrong length (the check can fail)"
	else
		ktap_ok "acpi: qemu refuses a table with a wrong length (the check can fail)"
	fi
}
if ! command -v qemu-system-x86_64 >/dev/null; then
	ktap_fail "acpi: qemu-system-x86_64 is installed"
else
	exec 9>/var/lock/kvm-vtis-heavy.lock
	if flock -w 900 9; then
		qemu_checks
		flock -u 9
	else
		ktap_fail "acpi: the QEMU checks got their turn within 900 s"
	fi
	exec 9>&-
fi
