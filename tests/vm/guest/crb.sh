#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a Linux guest whose TPM 2.0 is a kvm_vtis CRB device
# (vtis-qemu --vtis-interface crb: the TPM2 table's start method 7): the
# kernel's tpm_crb driver must take it (tpm_tis must not), the firmware
# (vtis.crb= on the command line: seabios or ovmf) must have measured the
# boot through it (SeaBIOS into the device's log window, OVMF into its EFI
# log), and tpm2-tools, Linux's own tpm2 selftests and a command of the CRB
# buffer's full 3968 bytes must work.  After its checks it waits (up to
# 60 s) for the test host,
# which reads the device's statistics meanwhile, to create
# /var/tmp/vtis-crb/read.FIRMWARE.
set -u
. "$(dirname "$0")/../lib.sh"
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
fw=$(sed -n 's/.*vtis\.crb=\([^ ]*\).*/\1/p' /proc/cmdline)
cd /tmp || exit 1

# bigcmd: a TPM2_Hash of a 3950-byte buffer, 3968 bytes in all, through
# /dev/tpm0; prints the response code.  The TPM refuses the buffer as too
# large for a hash (TPM_RC_SIZE on parameter 1), which it can only say
# once it has the whole command.
bigcmd() {
	python3 - <<'PY'
import os, struct
data = bytes(range(256)) * 16
body = struct.pack(">H", 3950) + data[:3950] + struct.pack(">H", 0x000b) + struct.pack(">I", 0x40000001)
cmd = struct.pack(">HII", 0x8001, 10 + len(body), 0x17d) + body
assert len(cmd) == 3968, len(cmd)
fd = os.open("/dev/tpm0", os.O_RDWR)
os.write(fd, cmd)
rsp = os.read(fd, 4096)
print("%#x" % struct.unpack(">I", rsp[6:10])[0])
PY
}

driver=$(basename "$(readlink /sys/class/tpm/tpm0/device/driver 2>/dev/null)")
echo "# driver: $driver; $(dmesg | grep -iE 'tpm_crb|tpm_tis' | head -n 3 | tr '\n' ' ')"
ktap_check "crb $fw: the kernel's tpm_crb drives tpm0 ($driver)" test "$driver" = tpm_crb
ktap_check "crb $fw: tpm_tis found no TPM" sh -c "! dmesg | grep -q 'tpm_tis.*TPM'"
ktap_check "crb $fw: /dev/tpm0 and /dev/tpmrm0" test -c /dev/tpm0 -a -c /dev/tpmrm0
ktap_check "crb $fw: the firmware's event log is there (securityfs)" \
	cp /sys/kernel/security/tpm0/binary_bios_measurements eventlog.bin
eventlog_replay "crb $fw" "0 1 2 3 4 5 6 7" 0-7
fresh_tpm_works "crb $fw"
ktap_check "crb $fw: tpm2_createprimary, tpm2_create, tpm2_load, tpm2_unseal" sh -c '
	tpm2_createprimary -Q -C o -G ecc -c prim.ctx &&
	echo -n "sealed through a CRB" | tpm2_create -Q -C prim.ctx -u s.pub -r s.priv -i- &&
	tpm2_load -Q -C prim.ctx -u s.pub -r s.priv -c s.ctx &&
	[ "$(tpm2_unseal -c s.ctx)" = "sealed through a CRB" ]'
rc=$(bigcmd 2>&1)
echo "# a 3968-byte TPM2_Hash: rc $rc"
ktap_check "crb $fw: a 3968-byte command reaches the TPM whole (TPM_RC_SIZE on parameter 1: $rc)" \
	test "$rc" = 0x1d5
tpm2_selftests "crb $fw: Linux's tpm2 selftest "
ktap_check "crb $fw: guest kernel log is clean" no_splat
echo "vtis-guest: crb $fw checked"
wait_host_file 60 "/var/tmp/vtis-crb/read.$fw"
