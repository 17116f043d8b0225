#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# After the lane's tests: two kmemleak scans (a pause between them, so
# objects freed late are not counted), then every suspected leak whose
# backtrace involves kvm_vtis (by name, or an address in an unloaded
# module, which is what kvm_vtis's frames become after rmmod) fails; the
# others (the kernel's own) are counted.  Then lockdep's verdict: it must
# still be on (debug_locks 1: nothing tripped it).
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"
K=/sys/kernel/debug/kmemleak

ktap_check "kmemleak scan" sh -c "echo scan >$K"
sleep 10
ktap_check "kmemleak scan again" sh -c "echo scan >$K"
cat "$K" >/tmp/leaks
cat >/tmp/leaks.py <<'PY'
import re
import sys

sys.path.insert(0, sys.argv[2])
import ktap  # noqa: E402

text = open(sys.argv[1]).read()
records = [r for r in re.split(r"(?m)^(?=unreferenced object )", text)
           if r.startswith("unreferenced object")]
ours, others = [], []
for r in records:
    trace = r.split("backtrace:", 1)[-1]
    mine = re.search(r"kvm_vtis", trace) or \
        re.search(r"(?m)^\s*\[<[0-9a-f]+>\] 0x[0-9a-f]+\s*$", trace)
    (ours if mine else others).append(r)
ktap.diag("kmemleak suspects %d leaks, %d involve kvm_vtis, %d others"
          % (len(records), len(ours), len(others)))
for r in others[:5]:
    frames = re.findall(r"\] (\S+)", r.split("backtrace:", 1)[-1])
    ktap.diag("other: %s" % " < ".join(frames[:6]))
ktap.check("no leak kmemleak suspects involves kvm_vtis (%d others, %d ours)"
           % (len(others), len(ours)), not ours,
           "\n".join(r for r in ours[:5]))
ktap.finish()
PY
ktap_run "" python3 /tmp/leaks.py /tmp/leaks "$VTIS_TESTS/lib"
if grep -q '^kvm_vtis_kunit ' /proc/modules; then
	ktap_check "rmmod kvm_vtis_kunit" rmmod kvm_vtis_kunit
fi
ktap_check "lockdep is still on at the end (debug_locks 1)" \
	grep -Eq '^ *debug_locks: +1$' /proc/lockdep_stats
echo "# lockdep: $(grep -E 'lock-classes|direct dependencies|dependency chains:' /proc/lockdep_stats | tr -s ' ' | tr '\n' ';')"
ktap_check "no KASAN, UBSAN, lockdep or kmemleak report in the kernel log" \
	sh -c "! dmesg | grep -E 'KASAN:|UBSAN:|BUG:|WARNING:|inconsistent lock state|possible circular|possible recursive|kmemleak: (Cannot|Kernel memory leak detector disabled)'"
