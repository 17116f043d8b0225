#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtis-qemu's command line, with a stand-in for QEMU (VTIS_QEMU) that
# prints what it was given: without a --vtis- option QEMU runs untouched
# (same PID, same arguments); with them the --vtis- options are taken out
# and vtis-qemu's own arguments added after QEMU-ARGS (the tpm-emulator
# gate, its QMP monitor, -action, the ACPI tables), the channels are open
# sockets in QEMU, and when QEMU goes away the helper ends and removes
# the temporary tables.  Every bad --vtis- option is exit 2 and one line.
set -u
. "$(dirname "$0")/lib.bash"
VQ=$VTIS_ROOT/tools/vtis-qemu

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; ktap_finish' EXIT
export TMPDIR=$tmp/t
mkdir "$TMPDIR"
fake=$tmp/qemu
cat >"$fake" <<'EOF'
#!/bin/bash
# one argument per line; then what the fds and tables named in them are
echo "pid $$"
for a in "$@"; do echo "arg $a"; done
for a in "$@"; do
	case $a in
	socket,id=*,fd=*) fd=${a##*fd=}; [ -S /proc/$$/fd/$fd ] && echo "socket fd $fd" ;;
	file=*) [ -s "${a#file=}" ] && echo "table ${a#file=}" ;;
	esac
done
EOF
chmod +x "$fake"
export VTIS_QEMU=$fake

# expect RC DESCRIPTION PATTERN -- ARGS: one stderr line "vtis-qemu: ..."
expect() {
	local want=$1 desc=$2 pat=$3 rc lines
	shift 4
	"$VQ" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && [ ! -s "$tmp/out" ] &&
	    grep -Eq -- "^vtis-qemu: .*$pat" "$tmp/err"; then
		ktap_ok "vtis-qemu: $desc: exit $want, $(cat "$tmp/err")"
	else
		ktap_fail "vtis-qemu: $desc (vtis-qemu $*): exit $rc, want $want, $lines stderr lines"
		ktap_diag "$tmp/err" "$tmp/out"
	fi
}
usage() { expect 2 "$@"; }

usage "unknown --vtis- option" "unknown option '--vtis-frob'" -- --vtis-frob -M pc
usage "--vtis-state without a value" "needs a value" -- -M pc --vtis-state
usage "--vtis-state=" "needs a directory" -- --vtis-state= -M pc
usage "--vtis-tpm 3.0" "must be 2.0 or 1.2" -- --vtis-tpm 3.0 --vtis-state "$tmp/s"
usage "--vtis-irq 2" "must be 1..255 and not 2" -- --vtis-irq 2 --vtis-state "$tmp/s"
usage "--vtis-irq 256" "must be 1..255" -- --vtis-irq=256 --vtis-state "$tmp/s"
usage "--vtis-host-tpm=yes" "takes no value" -- --vtis-host-tpm=yes
usage "--vtis-tpm-index without --vtis-host-tpm" "goes with --vtis-host-tpm" -- \
	--vtis-state "$tmp/s" --vtis-tpm-index 1
usage "--vtis-tpm-index 65536" "must be 0..65535" -- --vtis-host-tpm --vtis-tpm-index 65536
usage "--vtis-state with --vtis-host-tpm" "not with --vtis-host-tpm" -- \
	--vtis-state "$tmp/s" --vtis-host-tpm
usage "neither --vtis-state nor --vtis-host-tpm" "give --vtis-state DIR" -- --vtis-tpm 1.2
usage "a QEMU TPM in QEMU-ARGS (-tpmdev)" "give the guest a QEMU TPM \(-tpmdev\)" -- \
	--vtis-state "$tmp/s" -tpmdev emulator,id=t,chardev=c
usage "a QEMU TPM in QEMU-ARGS (-device tpm-tis)" "QEMU TPM" -- \
	--vtis-state "$tmp/s" -device tpm-tis,tpmdev=t
VTIS_QEMU=$tmp/none expect 1 "a QEMU that is not there" "cannot run $tmp/none" -- -M pc
ktap_check "vtis-qemu: --vtis-help prints the usage, exit 0" \
	sh -c "'$VQ' --vtis-help | grep -q '^Usage: vtis-qemu \[--vtis-state DIR\]'"
ktap_check "vtis-qemu: --vtis-version" \
	sh -c "'$VQ' --vtis-version | grep -qx 'vtis-qemu [0-9][0-9.]*'"

# Untouched: same PID, the same arguments, nothing added.
bash -c 'echo "shell $$"; exec "$0" -M pc -name guest=g1 "two words" -S' "$VQ" >"$tmp/u" 2>&1
ktap_check "vtis-qemu: no --vtis- option: QEMU runs with the same PID (exec)" \
	sh -c "[ \"\$(sed -n 's/^shell //p' '$tmp/u')\" = \"\$(sed -n 's/^pid //p' '$tmp/u')\" ]"
ktap_check "vtis-qemu: ... and exactly its arguments" \
	test "$(sed -n 's/^arg //p' "$tmp/u" | tr '\n' '|')" = "-M|pc|-name|guest=g1|two words|-S|"

# With options: what QEMU gets.
bash -c 'echo "shell $$"; exec "$0" -M pc --vtis-state "$1" -S --vtis-irq 20 -name g2' \
	"$VQ" "$tmp/s" >"$tmp/w" 2>&1
args=$(sed -n 's/^arg //p' "$tmp/w" | tr '\n' '|')
echo "# QEMU got: $args"
ktap_check "vtis-qemu: with --vtis- options QEMU still has the same PID" \
	sh -c "[ \"\$(sed -n 's/^shell //p' '$tmp/w')\" = \"\$(sed -n 's/^pid //p' '$tmp/w')\" ]"
ktap_check "vtis-qemu: QEMU-ARGS come first, in order, without the --vtis- options" \
	sh -c "case '$args' in '-M|pc|-S|-name|g2|-chardev|'*) true ;; *) false ;; esac"
ktap_check "vtis-qemu: the gate: a tpm-emulator backend with no TPM device, on an open socket" \
	sh -c "grep -Eq '^arg socket,id=vtis-gate,fd=[0-9]+\$' '$tmp/w' &&
	       grep -qx 'arg emulator,id=vtis-gate,chardev=vtis-gate' '$tmp/w' &&
	       ! grep -q '^arg tpm-tis' '$tmp/w' &&
	       [ \$(grep -c '^socket fd' '$tmp/w') -eq 2 ]"
ktap_check "vtis-qemu: a QMP monitor of its own and -action reboot=shutdown,shutdown=pause" \
	sh -c "grep -qx 'arg chardev=vtis-qmp,mode=control' '$tmp/w' &&
	       grep -qx 'arg reboot=shutdown,shutdown=pause' '$tmp/w'"
ktap_check "vtis-qemu: -acpitable ssdt-tpm.aml and tpm2.aml, written before QEMU starts" \
	sh -c "grep -q '^table $TMPDIR/vtis-qemu\..*/ssdt-tpm.aml' '$tmp/w' &&
	       grep -q '^table $TMPDIR/vtis-qemu\..*/tpm2.aml' '$tmp/w'"
gone() { ! ls -A "$TMPDIR" | grep -q . && ! pgrep -f "$VQ" >/dev/null; }
for _ in $(seq 50); do gone && break; sleep 0.1; done
ktap_check "vtis-qemu: QEMU gone: the helper ends and removes the tables" gone
ktap_check "vtis-qemu: the swtpm state directory is not made before the VM exists" test ! -e "$tmp/s"

"$VQ" --vtis-tpm 1.2 --vtis-state "$tmp/s" -no-acpi >"$tmp/n" 2>&1
ktap_check "vtis-qemu: -no-acpi: no -acpitable" sh -c "! grep -q acpitable '$tmp/n'"
"$VQ" --vtis-tpm 1.2 --vtis-state "$tmp/s" >"$tmp/n" 2>&1
ktap_check "vtis-qemu: --vtis-tpm 1.2: ssdt-tpm.aml and tcpa.aml" \
	sh -c "grep -q '^table .*/tcpa.aml' '$tmp/n' && ! grep -q 'tpm2.aml' '$tmp/n'"
for _ in $(seq 50); do gone && break; sleep 0.1; done
