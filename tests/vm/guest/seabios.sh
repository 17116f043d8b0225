#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a Linux guest that SeaBIOS (QEMU's BIOS) booted, with
# kvm_vtis attached by vtis-qemu before the firmware's first instruction.
# The TPM2 (or TCPA) table points the log area at the device's firmware
# event log window: SeaBIOS measured the boot into the TPM and logged it
# there, and Linux read the log from there.  The kernel command line's
# vtis.seabios= names the case:
#   2.0:   the log (crypto-agile) replays with tpm2_eventlog to the TPM's
#          sha256 PCRs 0-7;
#   1.2:   the log (SHA-1, as Linux's ascii_bios_measurements prints it)
#          replays to the TPM's PCRs 0-7 (sysfs pcrs);
#   nolog: no log window (--vtis-log-size 0): SeaBIOS measures nothing,
#          Linux has no log, PCR 0 reads zero.
# After its checks the script waits (up to 60 s) for the test host, which
# reads the device's statistics meanwhile, to create $dir/$mode.read; its
# plan comes last.
set -u
. "$(dirname "$0")/../lib.sh"
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
dir=/var/tmp/vtis-seabios
mode=$(sed -n 's/.*vtis\.seabios=\([^ ]*\).*/\1/p' /proc/cmdline)
sec=/sys/kernel/security/tpm0
cd /tmp || exit 1

# reserved: the kernel reserved the log window (Device TPML, PNP0C02).
reserved() { dmesg | grep -Eq 'system 00:[0-9a-f]+: \[mem 0xfed45000-0xfed54fff\] has been reserved'; }
# replay12 LOG PCRS: replay Linux's ascii_bios_measurements of a TPM 1.2
# (one event a line: PCR, SHA-1 digest, type, name) and compare every PCR
# it names with sysfs' pcrs; PCRs 0-7 must be among them.
replay12() {
	python3 - "$1" "$2" <<'PY'
import hashlib, re, sys
pcr = {}
for line in open(sys.argv[1], "rb"):	# event names are raw bytes
    f = line.split()
    i = int(f[0])
    pcr[i] = hashlib.sha1(pcr.get(i, bytes(20)) + bytes.fromhex(f[1].decode())).digest()
tpm = {}
for line in open(sys.argv[2]):
    m = re.match(r"PCR-(\d+):((?: [0-9A-F]{2}){20})$", line.strip())
    if m:
        tpm[int(m.group(1))] = bytes.fromhex(m.group(2).replace(" ", ""))
for i in sorted(pcr):
    print("# pcr %d replayed %s tpm %s" % (i, pcr[i].hex(), tpm.get(i, b"").hex()))
assert set(range(8)) <= set(pcr), "the log names PCRs %s" % sorted(pcr)
bad = [i for i in pcr if tpm.get(i) != pcr[i]]
assert not bad, "PCRs %s differ" % bad
PY
}

echo "# mode $mode: $(dmesg | grep -E 'tpm_tis .*TPM' | head -n 1)"
case $mode in
2.0)
	ktap_check "2.0: tpm_tis finds a 2.0 TPM (started by SeaBIOS)" \
		sh -c "dmesg | grep -q 'tpm_tis MSFT0101:00: 2.0 TPM'"
	ktap_check "2.0: the kernel reserved the log window (PNP0C02, 0xfed45000-0xfed54fff)" reserved
	ktap_check "2.0: the firmware's event log is there (securityfs)" cp $sec/binary_bios_measurements eventlog.bin
	echo "# 2.0: event log of $(wc -c <eventlog.bin) bytes"
	eventlog_replay 2.0 "0 1 2 3 4 5 6 7" 0-7
	ktap_check "2.0: SeaBIOS logged an EV_SEPARATOR for each of PCRs 0-7" \
		test "$(grep -c 'EventType: EV_SEPARATOR' events.yaml)" -eq 8
	ktap_check "2.0: SeaBIOS logged 'Start Option ROM Scan' and 'Calling INT 19h'" \
		sh -c "grep -aq 'Start Option ROM Scan' eventlog.bin && grep -aq 'Calling INT 19h' eventlog.bin" ;;
1.2)
	ktap_check "1.2: tpm_tis finds a 1.2 TPM (started by SeaBIOS)" \
		sh -c "dmesg | grep -Eq 'tpm_tis .*: 1\.2 TPM'"
	ktap_check "1.2: the kernel reserved the log window (PNP0C02, 0xfed45000-0xfed54fff)" reserved
	ktap_check "1.2: the firmware's event log is there (securityfs)" \
		cp $sec/ascii_bios_measurements events.txt
	echo "# 1.2: $(wc -l <events.txt) events"
	tr -c '[:print:]\n' . <events.txt | sed 's/^/# 1.2: /'
	pcrs=$(ls /sys/class/tpm/tpm0/pcrs /sys/class/tpm/tpm0/device/pcrs 2>/dev/null | head -n 1)
	ktap_check "1.2: the event log replays (SHA-1) to the TPM's PCRs, 0-7 among them" \
		replay12 events.txt "$pcrs"
	ktap_check "1.2: SeaBIOS logged an EV_SEPARATOR (type 4) for each of PCRs 0-7" \
		test "$(awk '$3 == "04"' events.txt | wc -l)" -eq 8
	ktap_check "1.2: SeaBIOS logged 'Calling INT 19h'" grep -q 'Calling INT 19h' events.txt ;;
nolog)
	ktap_check "nolog: tpm_tis finds a 2.0 TPM" \
		sh -c "dmesg | grep -q 'tpm_tis MSFT0101:00: 2.0 TPM'"
	ktap_check "nolog: no log window to reserve" eval '! reserved'
	ktap_check "nolog: Linux has no firmware event log" test ! -e $sec/binary_bios_measurements
	p=$(tpm2_pcrread sha256:0 | sha256_pcrs)
	echo "# nolog: pcr $p"
	ktap_check "nolog: SeaBIOS measured nothing (PCR 0 reads zero)" test "$p" = "0 $PCR_ZERO" ;;
*)
	ktap_check "vtis.seabios= names a case (2.0, 1.2, nolog): '$mode'" false ;;
esac
ktap_check "$mode: guest kernel log is clean" no_splat
echo "vtis-guest: $mode checked"
wait_host_file 60 "$dir/$mode.read"
