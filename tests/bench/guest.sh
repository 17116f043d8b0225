#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the Linux guest of a bench path: tpmbench with the arguments the
# test host left in /var/tmp/vtis-bench/args, handing over through that
# folder before and after each command's batch.
set -u
here=$(dirname "$0")
for _ in $(seq 300); do
	[ -c /dev/tpmrm0 ] || [ -c /dev/tpm0 ] && break
	sleep 0.1
done
dmesg | grep -i tpm | head -n 5 | sed 's/^/# guest dmesg: /'
read -r args </var/tmp/vtis-bench/args
# shellcheck disable=SC2086
exec "$here/tpmbench" -g /var/tmp/vtis-bench $args
