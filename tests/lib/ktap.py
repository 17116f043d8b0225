# SPDX-License-Identifier: GPL-2.0
"""KTAP for Python tests (the shell helper is ktap.sh, the C one ktap.h).

    import ktap
    ktap.check("what", condition, diag=None)   # "ok N - what" / "not ok N - what"
    ktap.diag("text")                           # "# text", line by line
    ktap.finish()                               # "1..N"; exits 1 on a failure

The header is printed on import; the plan comes last, when the number of
checks is known, and the harness checks it (see tests/lib/ktap.sh).
"""

import sys

count = 0
failed = False


def _emit(line):
    print(line, flush=True)


def check(desc, cond, diag_text=None):
    """One result; a failure's diag_text is printed as diagnostics."""
    global count, failed
    count += 1
    desc = str(desc).replace("#", "no.").replace("\n", " ")
    if cond:
        _emit("ok %d - %s" % (count, desc))
    else:
        failed = True
        _emit("not ok %d - %s" % (count, desc))
        if diag_text is not None:
            diag(diag_text)
    return bool(cond)


def diag(text):
    for line in str(text).splitlines() or [""]:
        _emit("#   " + line)


def finish():
    _emit("1..%d" % count)
    sys.exit(1 if failed else 0)


_emit("KTAP version 1")
