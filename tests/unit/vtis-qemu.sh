#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtis-qemu's command line, with a stand-in for QEMU (VTIS_QEMU) that
# prints what it was given: without a --vtis- option QEMU runs untouched
# (same PID, same arguments); with them the --vtis- options are taken out
# and vtis-qemu's own arguments added after QEMU-ARGS (the tpm-emulator
# gate and the ACPI tables), the gate is an open socket in QEMU, QEMU runs
# under vtis-qemu's seccomp filter, and when QEMU goes away the helper ends
# and removes the temporary tables.  Every bad --vtis- option is exit 2 and one line.
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
echo "$(grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs):' /proc/$$/status | tr -d '\t' | tr '\n' ' ')"
for h in $(pgrep -x vtis-qemu-gate); do
	echo "helper $h $(grep -E '^(Seccomp_filters|NoNewPrivs):' /proc/$h/status | tr -d '\t' | tr '\n' ' ')"
done
for a in "$@"; do echo "arg $a"; done
for a in "$@"; do
	case $a in
	socket,id=*,fd=*) fd=${a##*fd=}; [ -S /proc/$$/fd/$fd ] && echo "socket fd $fd" ;;
	file=*) [ -s "${a#file=}" ] && echo "table ${a#file=} $(sha256sum <"${a#file=}" | cut -c1-64)" ;;
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
usage "a QEMU TPM in QEMU-ARGS (-device JSON)" "QEMU TPM" -- \
	--vtis-state "$tmp/s" -device '{"driver":"tpm-crb","tpmdev":"t"}'
usage "-daemonize" "-daemonize: QEMU would make its VM in another process" -- \
	--vtis-state "$tmp/s" -daemonize
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
	       [ \$(grep -c '^socket fd' '$tmp/w') -eq 1 ]"
ktap_check "vtis-qemu: nothing else: no monitor, no -action (QEMU's own reboots and shutdowns)" \
	sh -c "[ \$(grep -c '^arg' '$tmp/w') -eq 13 ] && ! grep -Eq '^arg (-mon|-action|-qmp)\$' '$tmp/w'"
grep '^NoNewPrivs' "$tmp/w" | ktap_diag
ktap_check "vtis-qemu: QEMU runs under one seccomp filter more than its caller" \
	sh -c "[ \$(sed -n 's/^NoNewPrivs.*Seccomp_filters:\([0-9]*\).*/\1/p' '$tmp/w') -eq \$((\$(sed -n 's/^Seccomp_filters:\t*//p' /proc/\$\$/status) + 1)) ]"
mine=$(sed -n 's/^Seccomp_filters:\t*//p' /proc/$$/status)
grep '^helper' "$tmp/w" | ktap_diag
ktap_check "vtis-qemu: its helper (vtis-qemu-gate) runs beside QEMU, without the filter or no_new_privs" \
	sh -c "[ \$(grep -c '^helper' '$tmp/w') -eq 1 ] && grep -q '^helper [0-9]* NoNewPrivs:0 Seccomp_filters:$mine ' '$tmp/w'"
ktap_check "vtis-qemu: -acpitable ssdt-tpm.aml and tpm2.aml, written before QEMU starts" \
	sh -c "grep -q '^table $TMPDIR/vtis-qemu\..*/ssdt-tpm.aml ' '$tmp/w' &&
	       grep -q '^table $TMPDIR/vtis-qemu\..*/tpm2.aml ' '$tmp/w'"
gone() { ! ls -A "$TMPDIR" | grep -q . && ! pgrep -f "$VQ" >/dev/null; }
for _ in $(seq 50); do gone && break; sleep 0.1; done
ktap_check "vtis-qemu: QEMU gone: the helper ends and removes the tables" gone
ktap_check "vtis-qemu: the swtpm state directory is not made before the VM exists" test ! -e "$tmp/s"

"$VQ" --vtis-tpm 1.2 --vtis-state "$tmp/s" -no-acpi >"$tmp/n" 2>&1
ktap_check "vtis-qemu: -no-acpi: no -acpitable" sh -c "! grep -q acpitable '$tmp/n'"
"$VQ" --vtis-tpm 1.2 --vtis-state "$tmp/s" >"$tmp/n" 2>&1
ktap_check "vtis-qemu: --vtis-tpm 1.2: ssdt-tpm.aml and tcpa.aml" \
	sh -c "grep -q '^table .*/tcpa.aml ' '$tmp/n' && ! grep -q 'tpm2.aml' '$tmp/n'"
for _ in $(seq 50); do gone && break; sleep 0.1; done

# The tables QEMU gets are vtisctl acpi's for the machine: on q35 the PIRQ
# GSIs are shared and active high; a q35 has no GSI 24.
tables_of() { sed -n 's/^table .*\/\([a-z0-9-]*\.aml\) \([0-9a-f]*\)$/\1 \2/p' "$1"; }
acpi_sums() {	# vtisctl acpi ARGS: "NAME SHA256" of its tables (with
		# vtis-qemu's default log window unless ARGS give a --log-size)
	local log=(--log-size 65536)
	[[ " $* " == *" --log-size "* ]] && log=()
	rm -rf "$tmp/ref" && "$VTISCTL" acpi --out "$tmp/ref" "${log[@]}" "$@" >/dev/null &&
		for f in "$tmp/ref"/*.aml; do echo "${f##*/} $(sha256sum <"$f" | cut -c1-64)"; done
}
"$VQ" --vtis-state "$tmp/s" --vtis-irq 20 -machine type=pc-q35-7.2,accel=kvm >"$tmp/q" 2>&1
ktap_check "vtis-qemu: -machine type=pc-q35-*: the tables of vtisctl acpi --machine q35 --irq 20" \
	test "$(tables_of "$tmp/q" | sort)" = "$(acpi_sums --tpm 2.0 --machine q35 --irq 20 | sort)"
"$VQ" --vtis-state "$tmp/s" --vtis-irq 20 -M pc >"$tmp/q" 2>&1
got=$(tables_of "$tmp/q" | sort)
ktap_check "vtis-qemu: -M pc: those of --machine pc" test "$got" = "$(acpi_sums --tpm 2.0 --irq 20 | sort)"
ktap_check "vtis-qemu: ... which are not q35's" test "$got" != "$(acpi_sums --tpm 2.0 --machine q35 --irq 20 | sort)"
usage "--vtis-irq 24 on q35" "a q35 machine has GSIs up to 23" -- --vtis-state "$tmp/s" --vtis-irq 24 -M q35
"$VQ" --vtis-state "$tmp/s" --vtis-log-size 0 -M pc >"$tmp/q" 2>&1
ktap_check "vtis-qemu: --vtis-log-size 0: the tables of vtisctl acpi without a log area" \
	test "$(tables_of "$tmp/q" | sort)" = "$(acpi_sums --tpm 2.0 --log-size 0 | sort)"
"$VQ" --vtis-state "$tmp/s" --vtis-log-size 8192 --vtis-interface crb -M pc >"$tmp/q" 2>&1
ktap_check "vtis-qemu: --vtis-interface crb --vtis-log-size 8192: those of vtisctl acpi --interface crb --log-size 8192" \
	test "$(tables_of "$tmp/q" | sort)" = "$(acpi_sums --tpm 2.0 --interface crb --log-size 8192 | sort)"
"$VQ" --vtis-host-tpm -M pc >"$tmp/q" 2>&1
ktap_check "vtis-qemu: --vtis-host-tpm: no log area by default (SeaBIOS leaves the host's chip alone)" \
	test "$(tables_of "$tmp/q" | sort)" = "$(acpi_sums --tpm 2.0 --log-size 0 | sort)"
usage "--vtis-log-size 100" "--vtis-log-size '100' must be 0 or a multiple of 4096" -- --vtis-state "$tmp/s" --vtis-log-size 100
usage "--vtis-interface crb --vtis-tpm 1.2" "CRB has no TPM 1.2" -- --vtis-state "$tmp/s" --vtis-interface crb --vtis-tpm 1.2
usage "--vtis-interface fifo" "--vtis-interface 'fifo' must be tis or crb" -- --vtis-state "$tmp/s" --vtis-interface fifo

# Per-guest settings: VTIS_QEMU_CONF_DIR/NAME.conf (NAME from -name).
export VTIS_QEMU_CONF_DIR=$tmp/conf
mkdir "$VTIS_QEMU_CONF_DIR"
conf=$VTIS_QEMU_CONF_DIR
printf '# vm1\nstate = %s   # swtpm\n irq=20\ntpm = 1.2\n' "$tmp/s1" >"$conf/vm1.conf"
"$VQ" -name guest=vm1,debug-threads=on -M q35 >"$tmp/c" 2>"$tmp/c.err"
ktap_check "vtis-qemu: -name guest=vm1: the settings of vm1.conf (1.2, irq 20 on q35)" \
	test "$(tables_of "$tmp/c" | sort)" = "$(acpi_sums --tpm 1.2 --machine q35 --irq 20 | sort)"
ktap_check "vtis-qemu: ... and it says where they came from" grep -qx "vtis-qemu: settings from $conf/vm1.conf" "$tmp/c.err"
"$VQ" -name vm1 --vtis-tpm 2.0 >"$tmp/c" 2>&1
ktap_check "vtis-qemu: -name vm1 --vtis-tpm 2.0: the command line wins over the file" \
	test "$(tables_of "$tmp/c" | sort)" = "$(acpi_sums --tpm 2.0 --irq 20 | sort)"
bash -c 'echo "shell $$"; exec "$0" -name other -M pc' "$VQ" >"$tmp/u" 2>&1
ktap_check "vtis-qemu: a guest without a file runs QEMU untouched" \
	test "$(sed -n 's/^arg //p' "$tmp/u" | tr '\n' '|')" = "-name|other|-M|pc|"
printf 'state = %s\n' "$tmp/s" >"$conf/evil.conf"
"$VQ" -name 'a,,guest=evil' -M pc >"$tmp/u" 2>&1
ktap_check "vtis-qemu: -name 'a,,guest=evil' names guest 'a,guest=evil', not evil" \
	test "$(sed -n 's/^arg //p' "$tmp/u" | tr '\n' '|')" = "-name|a,,guest=evil|-M|pc|"
printf 'host-tpm = yes\n' >"$conf/h.conf"
"$VQ" -name h --vtis-state "$tmp/s" >"$tmp/c" 2>&1
ktap_check "vtis-qemu: --vtis-state on the command line replaces the file's host-tpm" \
	grep -q '^table .*/ssdt-tpm.aml ' "$tmp/c"
printf 'bogus = 1\n' >"$conf/b1.conf"
usage "an unknown setting" "b1.conf:1: unknown setting 'bogus'" -- -name b1
printf '\n# x\nstate\n' >"$conf/b2.conf"
usage "a line that is not KEY = VALUE" "b2.conf:3: 'state' is not KEY = VALUE" -- -name b2
printf 'host-tpm = maybe\n' >"$conf/b3.conf"
usage "host-tpm = maybe" "b3.conf:1: host-tpm = 'maybe' must be yes or no" -- -name guest=b3
printf 'irq = 2\nstate = /x\n' >"$conf/b4.conf"
usage "irq = 2" "b4.conf:1: --vtis-irq '2' must be" -- -name b4
printf 'state = %s\n' "$tmp/s" >"$conf/w.conf"
chmod 0666 "$conf/w.conf"
expect 1 "a file others may write" "must be a regular file .* that no one else may write" -- -name w
chmod 0644 "$conf/w.conf"
chown nobody "$conf/w.conf"
expect 1 "a file of another user's" "must be a regular file .* that no one else may write" -- -name w
rm "$conf/w.conf"
ln -s "$conf/vm1.conf" "$conf/l.conf"
expect 1 "a symlink" "cannot read $conf/l.conf" -- -name l

# The man page renders cleanly and documents every option and file.
man=$VTIS_ROOT/tools/vtis-qemu.8
ktap_check "vtis-qemu: vtis-qemu.8 renders without groff warnings" \
	sh -c "groff -man -Tutf8 -ww -z '$man' 2>&1 | grep -q . && exit 1; exit 0"
for w in --vtis-state --vtis-tpm --vtis-irq --vtis-host-tpm --vtis-tpm-index --vtis-help \
	VTIS_QEMU VTIS_QEMU_CONF_DIR /etc/kvm-vtis/qemu.d KVM_SET_MP_STATE "EXIT STATUS" FILES; do
	ktap_check "vtis-qemu: vtis-qemu.8 documents $w" grep -q -- "$(printf '%s' "$w" | sed 's/-/\\\\-/g')" "$man"
done
