#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Linux's own TPM 2.0 selftests, one KTAP result per test case.

Runs inside a Linux guest.  DIR holds tools/testing/selftests/tpm2 of a
kernel tree (scripts/tpm2-selftests.sh): tpm2_tests.py's SmokeTest and
AsyncTest (what test_smoke.sh runs, on /dev/tpm0) and SpaceTest
(test_space.sh, on /dev/tpmrm0).  Every case must pass: a skip or an
empty class is a failure.  The cases' log files go to a fresh folder.

Usage: tpm2-selftests.py DIR
"""

import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import ktap  # noqa: E402

CLASSES = ("SmokeTest", "AsyncTest", "SpaceTest")


def main():
    if len(sys.argv) != 2:
        print("usage: tpm2-selftests.py DIR", file=sys.stderr)
        sys.exit(2)
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.abspath(sys.argv[1]))
    os.chdir(tempfile.mkdtemp(prefix="tpm2-selftests."))
    try:
        import tpm2_tests
    except Exception as e:  # a missing or broken tree is a failure
        ktap.check("tpm2_tests.py imports from %s" % sys.argv[1], False, repr(e))
        ktap.finish()
    loader = unittest.TestLoader()
    for name in CLASSES:
        cls = getattr(tpm2_tests, name, None)
        cases = list(loader.loadTestsFromTestCase(cls)) if cls else []
        ktap.check("%s has test cases (%d)" % (name, len(cases)), cases)
        for case in cases:
            result = unittest.TestResult()
            t0 = time.monotonic()
            case.run(result)
            took = time.monotonic() - t0
            problems = result.failures + result.errors
            ok = (result.testsRun == 1 and not problems and
                  not result.skipped and not result.expectedFailures)
            ktap.check("%s.%s" % (name, case._testMethodName), ok,
                       "".join(text for _, text in problems) or
                       "skipped: %r" % (result.skipped,))
            ktap.diag("%s.%s: %.1f s" % (name, case._testMethodName, took))
    ktap.finish()


if __name__ == "__main__":
    main()
