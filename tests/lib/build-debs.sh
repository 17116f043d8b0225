#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build this checkout's Debian packages as the README does, from a copy of
# its tracked files (what a release tarball holds): "dpkg-buildpackage -us
# -uc -b" in DIR/src, so the .debs and the .changes land in DIR.  The
# build's output is DIR/build.log; on failure its end goes to stderr.
# Usage: tests/lib/build-debs.sh DIR
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:?usage: build-debs.sh DIR}
mkdir -p "$dir/src" || exit 1
git -C "$root" ls-files -z | (cd "$root" && xargs -0 tar -cf -) |
	tar -C "$dir/src" -xf - || { echo "build-debs: cannot copy the checkout" >&2; exit 1; }
if ! (cd "$dir/src" && dpkg-buildpackage -us -uc -b) >"$dir/build.log" 2>&1; then
	tail -n 20 "$dir/build.log" >&2
	exit 1
fi
