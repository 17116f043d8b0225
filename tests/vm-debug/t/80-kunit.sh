#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The TIS core's KUnit suite (tests/kunit/tis_test.c with kmod/tis.c),
# built as the loadable module kvm_vtis_kunit.ko: loading it runs the
# suite; its results (KTAP, debugfs) become one line per case,
# "kunit SUITE.CASE".  A case that fails, skips or is missing fails.
# The module stays loaded for 90-kmemleak-lockdep.sh's scan.
set -u
. "$VTIS_ROOT/tests/vm/lib.sh"

ko=$(sed -n 's/^VTIS_KUNIT_MODULE=//p' "$VTIS_RUN/env")
src=$VTIS_ROOT/tests/kunit/tis_test.c
if [ -z "$ko" ] || [ ! -r "$ko" ]; then
	echo "not ok - kunit: the test module (VTIS_KUNIT_MODULE) is readable: '$ko'"
	exit 1
fi
grep -q '^kvm_vtis_kunit ' /proc/modules && rmmod kvm_vtis_kunit
check "insmod kvm_vtis_kunit.ko runs the suite" insmod "$ko" || exit 1
suite=$(sed -n 's/^[[:space:]]*\.name = "\(.*\)",$/\1/p' "$src" | head -n 1)
python3 - "/sys/kernel/debug/kunit/$suite/results" "$src" "$suite" <<'PY'
import re
import sys

path, src, suite = sys.argv[1:]
expected = re.findall(r"^\s*KUNIT_CASE\((\w+)\)", open(src).read(), re.M)
try:
    lines = open(path).read().splitlines()
except OSError as e:
    print("not ok - kunit %s: results in debugfs (%s)" % (suite, e))
    sys.exit(1)
# Cases are the indented result lines: "    ok 3 name" / "# SKIP ...".
got = {}
for line in lines:
    m = re.match(r"^\s+(ok|not ok) \d+ (?:- )?(\w+)(.*)$", line)
    if m:
        got[m.group(2)] = m.group(1) == "ok" and "# SKIP" not in m.group(3)
failed = not expected
for name in expected:
    if name not in got:
        print("not ok - kunit %s.%s (no result)" % (suite, name))
        failed = True
    elif got.pop(name):
        print("ok - kunit %s.%s" % (suite, name))
    else:
        print("not ok - kunit %s.%s" % (suite, name))
        failed = True
for name, ok in sorted(got.items()):
    print("%s - kunit %s.%s" % ("ok" if ok else "not ok", suite, name))
    failed |= not ok
if failed:
    for line in lines[-40:]:
        print("#   " + line)
sys.exit(1 if failed else 0)
PY
[ $? -eq 0 ] || VTIS_FAILED=1
