#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The TIS core's KUnit suites (tests/kunit/*_test.c with kmod/tis.c),
# built by tests/vm/run --kernel debug as the loadable module kvm_vtis_kunit.ko:
# loading it runs every suite.  Each case the sources declare
# (tests/kunit/cases) becomes one result, "kunit SUITE.CASE", from its
# suite's results in debugfs; a case that fails, skips or is missing
# fails (a case the sources do not declare is reported as it ran).  KTAP,
# through tests/lib/ktap.sh.  The module stays loaded for
# 90-kmemleak-lockdep.sh's scan.
set -u
# shellcheck source-path=SCRIPTDIR source=../../lib/ktap.sh
. "$VTIS_ROOT/tests/lib/ktap.sh"

ko=$(sed -n 's/^VTIS_KUNIT_MODULE=//p' "$VTIS_RUN/env")
if [ -z "$ko" ] || [ ! -r "$ko" ]; then
	ktap_fail "kunit: the test module (VTIS_KUNIT_MODULE) is readable: '$ko'"
	exit 1
fi
if ! declared=$("$VTIS_ROOT/tests/kunit/cases" 2>&1); then
	ktap_fail "kunit: tests/kunit/cases lists the suites and cases"
	# shellcheck disable=SC2119 # ktap_diag reads stdin
	ktap_diag <<<"$declared"
	exit 1
fi
mapfile -t expected <<<"$declared"
grep -q '^kvm_vtis_kunit ' /proc/modules && rmmod kvm_vtis_kunit
ktap_check "insmod kvm_vtis_kunit.ko runs the suites" insmod "$ko" || exit 1

# "PASS what" / "FAIL what" and "# " diagnostics, made KTAP below.
parsed=$(mktemp)
python3 - "${expected[@]}" >"$parsed" 2>&1 <<'PY'
import re
import sys

expected = [tuple(arg.split(" ", 1)) for arg in sys.argv[1:]]
suites = []
for suite, _ in expected:
    if suite not in suites:
        suites.append(suite)
for suite in suites:
    path = "/sys/kernel/debug/kunit/%s/results" % suite
    try:
        with open(path) as f:
            lines = f.read().splitlines()
        missing = "no result"
    except OSError as e:
        lines = []
        missing = "no results in debugfs (%s)" % e
    # Cases are the indented result lines: "    ok 3 name" / "# SKIP ...".
    got = {}
    for line in lines:
        m = re.match(r"^\s+(ok|not ok) \d+ (?:- )?(\w+)(.*)$", line)
        if m:
            got[m.group(2)] = m.group(1) == "ok" and "# SKIP" not in m.group(3)
    failed = False
    for name in [c for s, c in expected if s == suite]:
        if name not in got:
            print("FAIL kunit %s.%s" % (suite, name))
            print("#   " + missing)
            failed = True
        elif got.pop(name):
            print("PASS kunit %s.%s" % (suite, name))
        else:
            print("FAIL kunit %s.%s" % (suite, name))
            failed = True
    for name, ok in sorted(got.items()):
        print("%s kunit %s.%s" % ("PASS" if ok else "FAIL", suite, name))
        print("#   not declared in tests/kunit")
        failed |= not ok
    if failed:
        print("# %s: the end of %s:" % (suite, path))
        for line in lines[-40:]:
            print("#   " + line)
PY
prc=$?
while IFS= read -r line; do
	case $line in
	"PASS "*) ktap_ok "${line#PASS }" ;;
	"FAIL "*) ktap_fail "${line#FAIL }" ;;
	"#"*) echo "$line" ;;
	*) echo "# $line" ;;
	esac
done <"$parsed"
rm -f "$parsed"
if [ "$prc" -ne 0 ]; then
	ktap_fail "kunit: the results are parsed"
	echo "# the parser exited $prc"
fi
ktap_finish
