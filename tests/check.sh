#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: run test layers, test hosts in parallel, and print one KTAP
# document: each layer is a subtest of the run, the last line is
# "N passed, N failed".
#
# Usage: tests/check.sh [LAYER...]   (default: every layer below)
#   build unit kunit fuzz dkms bench    tests/LAYER/run, one job each
#   vm vm-6.12 vm-debug                 tests/vm/run --kernel 6.1|6.12|debug;
#                                       the files may be split across
#                                       several test-host boots
#   soak                                the long loops (swtpm killed 100
#                                       times, 1000 teardown races) on each
#                                       kernel, and the vm layer twice at
#                                       once (two test hosts side by side)
#
# The scheduler runs the layers' jobs on VTIS_JOBS workers (default: the
# number of cores), longest first.  A job is one layer, or one boot of a
# VM layer's test files: a VM layer is split into as many boots as shorten
# the whole run, its files spread over them by their expected time.
# Expected times are the last run's (VTIS_CACHE/times.tsv), else those in
# tests/times.default.  A layer's output is printed, whole, once it and
# every layer before it have finished, so the output does not depend on
# timing.  Progress goes to stderr.
#
# Before the workers start, what the selected layers need and the cache
# lacks is made with every core: the debug kernel and the Debian 13 root.
set -u
cd "$(dirname "$0")/.." || exit 1
root=$PWD
KTAP_LIBRARY=1 . tests/lib/ktap.sh
cache=${VTIS_CACHE:-/var/cache/kvm-vtis}
workers=${VTIS_JOBS:-$(nproc)}
start=$(date +%s)
say() { echo "# $*" >&2; }

layers=("$@")
[ ${#layers[@]} -gt 0 ] ||
	layers=(build unit kunit fuzz dkms vm vm-6.12 vm-debug bench)
tmp=$(mktemp -d)
# Interrupted or killed, take every job's processes down with us (test
# hosts included): a job's command runs in a subshell of its own.
kill_tree() { # kill_tree PID: PID's descendants first, then PID
	local c
	for c in $(pgrep -P "$1"); do kill_tree "$c"; done
	kill "$1" 2>/dev/null
}
stop_jobs() {
	local j
	for j in $(jobs -p); do kill_tree "$j"; done
}
trap 'stop_jobs; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# --- the jobs --------------------------------------------------------------
# A unit of work for the planner, one line:
#   LAYER<TAB>LABEL<TAB>KERNEL<TAB>ENV<TAB>FILE...   a VM layer's test files,
#                                                 which may be split
#   LAYER<TAB>LABEL<TAB>-<TAB>ENV<TAB>COMMAND        anything else
# ENV is "-" or VAR=VALUE words for the command's environment.
units=$tmp/units
: >"$units"
unit() { # unit LAYER LABEL KERNEL ENV WORDS...
	local layer=$1 label=$2 kernel=$3 env=$4
	shift 4
	printf '%s\t%s\t%s\t%s\t%s\n' "$layer" "$label" "$kernel" "$env" "$*" >>"$units"
}
vm_files() { tests/vm/run --kernel "$1" --list | tr '\n' ' '; }
for layer in "${layers[@]}"; do
	case "$layer" in
	vm) unit vm vm 6.1 - $(vm_files 6.1) ;;
	vm-6.12) unit vm-6.12 vm-6.12 6.12 - $(vm_files 6.12) ;;
	vm-debug) unit vm-debug vm-debug debug - $(vm_files debug) ;;
	soak)
		for k in 6.1 6.12 debug; do
			unit soak "soak-$k" "$k" "VTIS_KILLS=${VTIS_KILLS:-100} VTIS_RACE_ROUNDS=${VTIS_RACE_ROUNDS:-1000} VTIS_TEST_TIMEOUT=${VTIS_TEST_TIMEOUT:-3600}" \
				tests/vm/t/13-broken-emulators.sh tests/vm/t/15-teardown-races.sh
		done
		unit soak soak-vm-a - - tests/vm/run --kernel 6.1
		unit soak soak-vm-b - - tests/vm/run --kernel 6.1 ;;
	*)
		if [ ! -x "tests/$layer/run" ]; then
			echo "tests/check.sh: no layer '$layer' (tests/$layer/run)" >&2
			exit 2
		fi
		unit "$layer" "$layer" - - "tests/$layer/run" ;;
	esac
done

# --- prerequisites, with every core --------------------------------------
need() { grep -q "$(printf '\t%s\t' "$1")" "$units"; }
prep_fail=0
prepare() { # prepare WHAT CMD...: run CMD once, report how long it took
	local what=$1 t0=$(date +%s)
	shift
	# In the background, so that an interrupt is acted on at once.
	"$@" >"$tmp/prep.log" 2>&1 &
	if wait $!; then
		say "prepared $what in $(($(date +%s) - t0)) s"
	else
		say "could not prepare $what:"
		sed 's/^/#   /' "$tmp/prep.log" | tail -n 20 >&2
		prep_fail=1
	fi
}
if need debug; then
	VTIS_DEBUG_JOBS=${VTIS_DEBUG_JOBS:-$(nproc)} prepare "the debug kernel" scripts/debug-kernel.sh
fi
# The 6.12 lanes boot its kernel; the dkms layer installs the packages on it.
{ need 6.12 || grep -q '^dkms	' "$units"; } && prepare "the Debian 13 root" scripts/trixie-root.sh
prepare "the tools and test programs" sh -c \
	"make tools && make -C tests/vm/vmm && make -C tests/bench"

# --- the plan --------------------------------------------------------------
# Expected seconds: this machine's last run, else the defaults.
times=$cache/times.tsv
python3 - "$units" "$workers" tests/times.default "$times" >"$tmp/plan" <<'PY' || exit 2
import sys

units_path, workers = sys.argv[1], int(sys.argv[2])
est = {}
for path in sys.argv[3:]:
    try:
        for line in open(path):
            f = line.rstrip("\n").split("\t")
            if len(f) == 3 and not line.startswith("#"):
                est[(f[0], f[1])] = float(f[2])
    except OSError:
        pass

def cost(label, name, default):
    return est.get((label, name), default)

units = []
for line in open(units_path):
    layer, label, kernel, env, rest = line.rstrip("\n").split("\t", 4)
    env = "" if env == "-" else "env %s " % env
    if kernel == "-":
        units.append(dict(layer=layer, label=label, kernel=None,
                          cmd=env + rest, files=[], boot=0,
                          est=cost(label, "@layer", 120)))
    else:
        files = rest.split()
        units.append(dict(layer=layer, label=label, kernel=kernel, env=env,
                          files=[(f, cost(label, f, 60)) for f in files],
                          boot=cost(label, "@boot", 60), est=0))

def jobs_of(parts):
    jobs = []
    for i, u in enumerate(units):
        if u["kernel"] is None:
            jobs.append(dict(unit=i, part=1, parts=1, est=u["est"], files=[]))
            continue
        k = parts[i]
        bins = [[u["boot"], []] for _ in range(k)]
        for f, c in sorted(u["files"], key=lambda fc: -fc[1]):
            b = min(bins, key=lambda b: b[0])
            b[0] += c
            b[1].append(f)
        order = [f for f, _ in u["files"]]
        for p, (c, fs) in enumerate(bins):
            fs.sort(key=order.index)
            jobs.append(dict(unit=i, part=p + 1, parts=k, est=c, files=fs))
    return jobs

def makespan(jobs):
    load = [0.0] * workers
    for j in sorted(jobs, key=lambda j: -j["est"]):
        w = load.index(min(load))
        load[w] += j["est"]
    return max(load)

parts = [1] * len(units)
best = makespan(jobs_of(parts))
while True:
    trial = None
    for i, u in enumerate(units):
        if u["kernel"] is None or parts[i] >= len(u["files"]):
            continue
        p = parts[:]
        p[i] += 1
        m = makespan(jobs_of(p))
        if m < best * 0.98 and (trial is None or m < trial[0]):
            trial = (m, p)
    if trial is None:
        break
    best, parts = trial
jobs = sorted(jobs_of(parts), key=lambda j: -j["est"])
print("# plan: %d jobs on %d workers, about %d s" % (len(jobs), workers, best))
for n, j in enumerate(jobs):
    u = units[j["unit"]]
    if u["kernel"] is None:
        kind, cmd = "cmd", u["cmd"]
    else:
        kind = "vm"
        cmd = "%stests/vm/run --kernel %s --label %s %s" % (
            u["env"], u["kernel"], u["label"], " ".join(j["files"]))
    print("%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s" % (n, u["layer"], u["label"], kind,
                                           j["part"], j["parts"], j["est"], cmd))
PY
sed -n 's/^# //p' "$tmp/plan" | while IFS= read -r l; do say "$l"; done
grep -v '^#' "$tmp/plan" >"$tmp/jobs"
mapfile -t job_lines <"$tmp/jobs"
declare -A layer_jobs
for line in "${job_lines[@]}"; do
	IFS=$'\t' read -r n layer label kind part parts est cmd <<<"$line"
	layer_jobs[$layer]+="$n "
done

# --- printing a layer --------------------------------------------------------
echo "KTAP version 1"
n_layers=0
for layer in "${layers[@]}"; do n_layers=$((n_layers + 1)); done
echo "1..$n_layers"
passed=0
failed=0
printed=0
declare -A layer_secs

# print_layer INDEX LAYER: its jobs' KTAP documents as one subtest.
print_layer() {
	local idx=$1 layer=$2 n out rc secs=0 save_n=$KTAP_N save_f=$KTAP_FAILED
	local body=$tmp/layer.$idx label kind part parts est cmd
	KTAP_N=0
	KTAP_FAILED=0
	for n in ${layer_jobs[$layer]}; do
		out=$tmp/job.$n.out
		rc=$(cat "$tmp/job.$n.rc")
		secs=$((secs + $(cat "$tmp/job.$n.secs")))
		IFS=$'\t' read -r _ _ label kind part parts est cmd <<<"${job_lines[$n]}"
		[ "$parts" -gt 1 ] && echo "# $label, boot $part of $parts: $cmd"
		local before=$KTAP_N
		ktap_absorb "" <"$out"
		if [ "$rc" -ne 0 ] && ! grep -Eq '^[[:space:]]*not ok ' "$out"; then
			ktap_fail "$label: $cmd exited $rc without reporting a failure"
		elif [ $KTAP_N -eq $before ]; then
			ktap_fail "$label: $cmd reported results"
		fi
		echo "# $label: job took $(cat "$tmp/job.$n.secs") s"
	done >"$body"
	echo "  KTAP version 1"
	echo "  # Subtest: $layer"
	echo "  1..$KTAP_N"
	sed 's/^/  /' "$body"
	local f p
	f=$(grep -c '^not ok ' "$body")
	p=$((KTAP_N - f))
	echo "  # layer $layer: $p passed, $f failed in $secs s"
	layer_secs[$layer]=$secs
	ktap_result_top "$KTAP_FAILED" "$idx" "$layer"
	passed=$((passed + p))
	failed=$((failed + f))
	KTAP_N=$save_n
	KTAP_FAILED=$save_f
}
ktap_result_top() {
	if [ "$1" -eq 0 ]; then echo "ok $2 - $3"; else echo "not ok $2 - $3"; fi
}

# Print every finished layer whose predecessors are printed.
flush() {
	local i=0 layer n done_all
	for layer in "${layers[@]}"; do
		i=$((i + 1))
		[ $i -le $printed ] && continue
		done_all=1
		for n in ${layer_jobs[$layer]}; do
			[ -f "$tmp/job.$n.rc" ] || done_all=0
		done
		[ $done_all = 1 ] || return
		print_layer "$i" "$layer"
		printed=$i
	done
}

# --- the workers -------------------------------------------------------------
run_job() { # run_job N: in the background, output and status to files
	local n=$1 layer label kind part parts est cmd
	IFS=$'\t' read -r _ layer label kind part parts est cmd <<<"${job_lines[$n]}"
	say "start $label ($part/$parts): $cmd (about $est s)"
	(
		t0=$(date +%s)
		$cmd >"$tmp/job.$n.out" 2>&1 </dev/null
		rc=$?
		echo $(($(date +%s) - t0)) >"$tmp/job.$n.secs"
		echo $rc >"$tmp/job.$n.rc"
	) &
}
next=0
running=0
total=${#job_lines[@]}
while [ $next -lt $total ] || [ $running -gt 0 ]; do
	while [ $running -lt "$workers" ] && [ $next -lt $total ]; do
		run_job $next
		next=$((next + 1))
		running=$((running + 1))
	done
	wait -n
	running=$(jobs -rp | wc -l)
	flush
done
wait
flush

# --- times ---------------------------------------------------------------------
# Each file's from its "# vtis-time: LABEL FILE SECONDS" line; a test
# host's boot and builds are what its job took beyond its files.
for line in "${job_lines[@]}"; do
	IFS=$'\t' read -r n layer label kind part parts est cmd <<<"$line"
	s=$(cat "$tmp/job.$n.secs")
	files=$(sed -n 's/^[[:space:]]*# vtis-time: \([^ ]*\) \([^ ]*\) \([0-9]*\)$/\1\t\2\t\3/p' "$tmp/job.$n.out")
	[ -n "$files" ] || files=$(printf '%s\t%s\t%s' "$label" "tests/$layer/run" "$s")
	printf '%s\n' "$files" >>"$tmp/times"
	if [ "$kind" = vm ]; then
		# What the boot costs beyond the files it was given (a debug
		# boot's checker files count as its cost).
		sum=$(printf '%s\n' "$files" | awk -F'\t' -v cmd=" $cmd " \
			'index(cmd, " " $2 " ") {s += $3} END {print s + 0}')
		printf '%s\t@boot\t%s\n' "$label" $((s - sum)) >>"$tmp/times"
	else
		printf '%s\t@layer\t%s\n' "$label" "$s" >>"$tmp/times"
	fi
done
echo "# time per layer (seconds of its jobs; they ran $workers at a time):"
for layer in "${layers[@]}"; do
	echo "#   $layer ${layer_secs[$layer]:-0}"
done
echo "# the ten slowest test files:"
grep -v '	@' "$tmp/times" | sort -t$'\t' -k3,3nr | head -n 10 |
	awk -F'\t' '{printf "#   %5d s  %s %s\n", $3, $1, $2}'
# What the next run plans with: these times, older ones where none is new.
if mkdir -p "$cache" 2>/dev/null; then
	cat "$tmp/times" "$times" 2>/dev/null |
		awk -F'\t' 'NF == 3 && !seen[$1 FS $2]++' >"$times.new" &&
		mv "$times.new" "$times"
fi
echo "# total time $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
