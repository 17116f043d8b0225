#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernels kvm_vtis is built and tested for: for each supported
# series, the newest one whose headers are installed.  One per line.
# Usage: scripts/kernels.sh [SERIES...]   (default: 6.1 6.12)
[ $# -gt 0 ] || set -- 6.1 6.12
for series in "$@"; do
	ls -d /lib/modules/"$series".*/build 2>/dev/null | sort -V | tail -n 1 |
		cut -d/ -f4
done
