#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest storm: a test-VMM guest makes 100000 random accesses all over the
# TIS window (widths 1, 2, 4 and 8 -- the 8-byte ones through MMX --,
# unaligned, across registers and across 4 KiB locality boundaries, every
# locality, random values) on one vCPU, while a second vCPU of the same VM
# runs real commands at locality 3 (GetRandom, PCR_Extend of PCR 16 with
# known digests, PCR_Read checked against the SHA-256 chain computed in
# the VMM).  The storm never writes locality 3's page nor reads its FIFO;
# Seize from localities 0-2 cannot take locality 3 away, so every real
# command must succeed (see scenario_guest_storm in tests/vm/vmm/storm.c).
#
# Checked: every real command answered correctly and enough of them ran
# during the storm; PCR 16 ends at the expected chain; KVM_VTIS_STATS
# counted exactly the guest's accesses (a page-crossing access as its two
# pieces) and none exited to userspace; the trace shows the 8-byte
# accesses as single 8-byte accesses; the device answers afterwards; the
# host log stays clean and quiet.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

vmm=$VMM_DIR/vtis-vmm
T=/sys/kernel/tracing
ktap_check "load kvm_vtis" vtis_load || exit 1

# Trace only the accesses longer than 4 bytes or of an odd length: whole
# 8-byte accesses and the pieces of page-crossing ones.
E=$T/events/kvm_vtis/kvm_vtis_mmio
echo 0 >"$T/tracing_on"
echo 0 >"$T/events/enable"
echo 8192 >"$T/buffer_size_kb"
: >"$T/trace"
echo 'len > 4 || len == 3' >"$E/filter"
echo 1 >"$E/enable"
echo 1 >"$T/tracing_on"

dmesg >/tmp/dmesg.before
start=$SECONDS
ktap_run "" logged /tmp/gstorm.out \
	"$vmm" --spawn-swtpm --timeout 900 --storm 100000 guest-storm
echo 0 >"$T/tracing_on"
echo 0 >"$E/enable"
echo 0 >"$E/filter"
echo "# guest-storm: the VMM ran for $((SECONDS - start)) s"

id=$(sed -n 's/^# vtis-device-id \([0-9]*\)$/\1/p' /tmp/gstorm.out)
w8=$(sed -n 's/^# guest-storm: \([0-9]*\) 8-byte accesses inside one page$/\1/p' /tmp/gstorm.out)
cat >/tmp/gstorm-trace.py <<'PY'
import collections, re, sys
dev, want8 = sys.argv[1], int(sys.argv[2])
n = collections.Counter()
for line in open("/sys/kernel/tracing/trace"):
    m = re.search(r"kvm_vtis_mmio: dev (\d+) loc \d (?:read|write) off 0x([0-9a-f]+) len (\d+) ", line)
    if m and m.group(1) == dev:
        n[int(m.group(3))] += 1
print("traced accesses by length:", dict(sorted(n.items())))
assert n[8] == want8, "%d 8-byte accesses traced, the guest made %d" % (n[8], want8)
assert all(n[k] for k in (3, 5, 6, 7)), "pieces of every odd length reach the device"
PY
ktap_check "guest-storm: each of the guest's ${w8:-?} 8-byte accesses reached kvm_vtis as one 8-byte access; pieces of page-crossing ones of 3, 5, 6 and 7 bytes too" \
	python3 /tmp/gstorm-trace.py "${id:-none}" "${w8:--1}"
ktap_diag "$KTAP_OUT"
: >"$T/trace"

dmesg >/tmp/dmesg.after
tail -n +"$(($(wc -l </tmp/dmesg.before) + 1))" /tmp/dmesg.after >/tmp/dmesg.new
sed 's/^/# new host log line: /' /tmp/dmesg.new
cat >/tmp/gstorm-quiet.py <<'PY'
import collections, re
lines = open("/tmp/dmesg.new").read().splitlines()
per = collections.Counter()
for l in lines:
    if "kvm_vtis" in l:
        m = re.search(r"kvm_vtis: device (\d+): ", l)
        assert m, "a kvm_vtis line without its device id: " + l
        per[m.group(1)] += 1
assert all(n <= 5 for n in per.values()), per
assert len(lines) <= 8, "%d new host log lines" % len(lines)
print("%d new lines, kvm_vtis lines per device: %s" % (len(lines), dict(per)))
PY
ktap_check "guest-storm: the host log grew by a handful of lines at most (at most 5 kvm_vtis lines, each with its device id)" \
	python3 /tmp/gstorm-quiet.py
ktap_diag "$KTAP_OUT"
ktap_check "the run left no warning in the kernel log" no_splat
